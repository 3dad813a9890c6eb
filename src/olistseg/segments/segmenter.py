"""``Segmenter``: fit candidates, select one, profile and name its segments, score new customers.

>>> seg = Segmenter(preset="rfm_satisfaction", algorithms=["kmeans"], k_range=range(2, 9))
>>> seg.fit(features)            # features: customer_features(...) as of the training date
>>> seg.predict(new_features)    # segment ids with the frozen preprocessing and model
>>> seg.save("out/model"); Segmenter.load("out/model")

The chosen candidate is kept as one :class:`~olistseg.models.segmentation.SegmentationModel`
(``model_``), the class validation and stability refit too: segment ids are ordered by size
(0 = largest), a density method's noise joins the nearest segment centroid, and models without
``predict`` (DBSCAN, HDBSCAN, Ward) score new customers by their nearest training customer.

A model folder holds ``model.skops`` (loaded only when every type in it is trusted: no pickle,
so no code runs) and ``metadata.json`` (the names, actions and the chosen candidate's metrics).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from olistseg import __version__
from olistseg.atomic import atomic_path, write_json
from olistseg.errors import InputError
from olistseg.models.candidates import ALGORITHMS, DEFAULT_ALGORITHMS
from olistseg.models.evaluate import (
    CandidateScore,
    add_silhouettes,
    evaluate,
    reproducibility,
)
from olistseg.models.labels import order_segments
from olistseg.models.preprocessing import (
    DEFAULT_PRESET,
    make_preprocessor,
    model_input,
)
from olistseg.models.segmentation import SegmentationModel
from olistseg.models.selection import SelectionRule, select, why_record
from olistseg.segments.naming import name_segments, segment_records
from olistseg.segments.profile import profile_segments
from olistseg.threads import one_blas_thread

ProgressCallback = Callable[[str, int, int], None]
#: A segmentation into k segments is attempted only with at least this many customers per k.
MIN_CUSTOMERS_PER_SEGMENT = 20
MODEL_FILE, METADATA_FILE = "model.skops", "metadata.json"
#: What earlier olistseg versions wrote: a pickle, which olistseg no longer loads (it can run code).
PICKLED_MODEL_FILE = "model.joblib"


def data_hash(features: pd.DataFrame) -> str:
    """SHA-256 of the feature table (index and values), to tie a model to its training data."""
    digest = hashlib.sha256()
    # Column by column: hashing the whole frame at once holds n x columns hashes in memory.
    digest.update(pd.util.hash_pandas_object(features.index).to_numpy().tobytes())
    for column in features.columns:
        digest.update(str(column).encode())
        digest.update(
            pd.util.hash_pandas_object(features[column], index=False).to_numpy().tobytes()
        )
    return digest.hexdigest()


def check_features(features: pd.DataFrame) -> None:
    """Refuse inputs no segmentation can be made of, with a message that says why."""
    if len(features) == 0:
        raise InputError("the feature table is empty: no customer had a delivered order by as_of.")
    if len(features) < 10:
        raise InputError(
            f"only {len(features)} customer(s) in the feature table: at least 10 are needed to segment."
        )


def no_model_message(folder: Path, engine: str = "duckdb") -> str:
    """Why ``folder`` holds no model of ``engine``, and what to give instead."""
    if (folder / PICKLED_MODEL_FILE).is_file():
        return (
            f"{folder}: this model was saved by an earlier olistseg as a pickle "
            f"({PICKLED_MODEL_FILE}), which can run code when loaded, so olistseg no longer "
            "loads it. Retrain it with `olistseg segment --out DIR` (same data and --as-of give "
            f"the same segments) and give DIR/model; models are now saved as {MODEL_FILE}."
        )
    if (folder / "model" / MODEL_FILE).is_file() or (
        folder / "model" / "olistseg_spark.json"
    ).is_file():
        return (
            f"{folder}: that is a segmentation's output folder; its model is in "
            f"{folder / 'model'}: give --model {folder / 'model'}."
        )
    if engine == "duckdb" and (folder / "olistseg_spark.json").is_file():
        return (
            f"{folder}: this is a Spark model (trained with `olistseg segment --engine "
            "spark`); score with it on Spark: `olistseg score --engine spark --model "
            f"{folder} --data PARQUET_FOLDER --out scores.parquet`, or train a DuckDB model "
            "with `olistseg segment` (without --engine)."
        )
    if engine == "spark" and (folder / MODEL_FILE).is_file():
        return (
            f"{folder}: this is a DuckDB-engine model (trained with `olistseg segment`); "
            "score with it without --engine spark, or train a Spark model with "
            "`olistseg segment --engine spark`."
        )
    if not folder.exists():
        return f"{folder}: no such folder; give the model/ folder written by `olistseg segment`."
    command = "olistseg segment" + (" --engine spark" if engine == "spark" else "")
    return f"{folder}: no model there; train one with `{command}` and give its model/ folder."


@dataclass
class Segmenter:
    """Fit, select, name and score customer segments (see the module docstring)."""

    preset: str = DEFAULT_PRESET
    algorithms: Iterable[str] = DEFAULT_ALGORITHMS
    k_range: Iterable[int] = range(2, 13)
    rule: SelectionRule = field(default_factory=SelectionRule)
    seed: int = 42
    with_stability: bool = True

    def _candidates(self) -> list[tuple[str, int | None]]:
        out = []
        for name in self.algorithms:
            if name not in ALGORITHMS:
                raise InputError(f"unknown algorithm {name!r}; choose from {', '.join(ALGORITHMS)}")
            out.extend(
                [(name, k) for k in self.k_range] if ALGORITHMS[name].uses_k else [(name, None)]
            )
        return out

    def fit(
        self,
        features: pd.DataFrame,
        progress: ProgressCallback | None = None,
        value: Callable[[str, int | None], tuple[float | None, float | None]] | None = None,
        baseline: float | None = None,
    ) -> Segmenter:
        """Fit every candidate on ``features`` (n_customers x features), keep the selected one.

        ``value(algorithm, k)`` is a candidate's out-of-time AUC of repurchase and the upper
        bound of the paired interval of its difference with the RFM scoring (see
        :meth:`olistseg.validation.replay.OutOfTimeHistory.against_rfm`), part of the selection
        rule's score and of its non-inferiority condition; ``baseline`` the RFM scoring's AUC
        on the same windows.
        """
        check_features(features)
        top_k = max(self.k_range)
        needed = MIN_CUSTOMERS_PER_SEGMENT * top_k
        if len(features) < needed:
            raise InputError(
                f"only {len(features):,} customers had a delivered order by the features' date: "
                f"comparing up to {top_k} segments needs at least {needed:,} "
                f"({MIN_CUSTOMERS_PER_SEGMENT} per segment), or the segments and their "
                "stability measures mean nothing. Choose a later --as-of, or try fewer segments "
                f"(--k-range 2-{max(2, len(features) // MIN_CUSTOMERS_PER_SEGMENT)})."
            )
        started = time.perf_counter()
        frame = model_input(features, self.preset)
        self.preprocessor_ = make_preprocessor(self.preset).fit(frame)
        X = self.preprocessor_.transform(frame)
        if not np.isfinite(X).all():
            raise InputError(
                "the features produce non-finite values after preprocessing; check for infinities."
            )
        if np.allclose(X.std(axis=0), 0.0):
            raise InputError(
                "every feature is constant across customers: there is nothing to segment."
            )
        # Candidates run one at a time and parallelise inside (OpenMP, numba kernels). Their
        # BLAS calls are small; with BLAS threads on top, the two thread pools fight over the
        # cores: on Olist (2 cores) the whole selection took twice as long.
        with one_blas_thread():
            self._fit_candidates(X, progress)

        def reproduce(candidate: CandidateScore) -> float:
            labels = self._fitted[self.scores_.index(candidate)][0]
            with one_blas_thread():
                return reproducibility(candidate.algorithm, candidate.k, X, labels, self.seed)

        self._name_candidates(X, features)
        candidate_value = None if value is None else (lambda c: value(c.algorithm, c.k))
        chosen, self.selection_reason_ = select(
            self.scores_, self.rule, reproduce, candidate_value, baseline
        )
        self.why_chosen_ = why_record(self.scores_, chosen, self.rule)
        self.chosen_ = chosen
        raw_labels, self.estimator_ = self._fitted[self.scores_.index(chosen)]
        self._fitted = {}
        self._finalize(X, raw_labels, features)
        self.fit_seconds_ = round(time.perf_counter() - started, 3)
        return self

    def _fit_candidates(self, X: np.ndarray, progress: ProgressCallback | None) -> None:
        """Fit and score every candidate; sets ``scores_`` and the labels/estimators by index."""
        candidates = self._candidates()
        self.scores_: list[CandidateScore] = []
        fitted: dict[int, tuple[np.ndarray, object]] = {}
        for position, (name, k) in enumerate(candidates):
            if progress:
                progress(f"{name} k={k}" if k else name, position, len(candidates))
            if k is not None and k >= len(X):
                continue
            score, labels, estimator = evaluate(
                name, k, X, self.seed, self.with_stability, with_silhouette=False
            )
            self.scores_.append(score)
            if labels is not None:
                fitted[len(self.scores_) - 1] = (labels, estimator)
        if progress:
            progress("done; exact silhouettes of all candidates", len(candidates), len(candidates))
        labelings = [fitted.get(i, (None,))[0] for i in range(len(self.scores_))]
        self.silhouette_seconds_, self.silhouette_method_ = add_silhouettes(
            self.scores_, labelings, X, self.seed
        )
        self._fitted = fitted

    def _name_candidates(self, X: np.ndarray, features: pd.DataFrame) -> None:
        """Name every candidate's segments: the rule needs to know whether two would share an
        action (profiles on the segments as the candidate would deliver them)."""
        for index, score in enumerate(self.scores_):
            if index not in self._fitted or score.n_clusters < 2:
                continue
            labels = order_segments(X, self._fitted[index][0])[1]
            keys = name_segments(profile_segments(features, labels))["segment_key"].tolist()
            score.segment_keys = keys
            score.distinct_actions = len(set(keys)) == len(keys)

    def _finalize(self, X: np.ndarray, raw: np.ndarray, features: pd.DataFrame) -> None:
        chosen = self.chosen_
        self.model_ = SegmentationModel(chosen.algorithm, chosen.k, self.preset, self.seed).adopt(
            self.preprocessor_, X, self.estimator_, raw
        )
        self.profiles_ = profile_segments(features, self.training_labels_)
        self.names_ = name_segments(self.profiles_)
        self.feature_names_ = self.model_.feature_names_
        self.data_hash_ = data_hash(features)
        self.training_size_ = len(features)

    @property
    def training_labels_(self) -> np.ndarray:
        """The training customers' segment ids (n_customers,)."""
        return self.model_.labels_

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Segment ids (0 = largest training segment) of ``features``, with the frozen model."""
        return self.model_.predict(features)

    # --- outputs -----------------------------------------------------------------------
    def segment_table(self, features: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
        """customer_unique_id, segment_id, segment_name and the key features, sorted by id."""
        key = ["recency_days", "frequency", "monetary", "avg_review_score", "late_share"]
        table = pd.DataFrame({"customer_unique_id": features.index, "segment_id": labels})
        table["segment_name"] = table["segment_id"].map(self.names_["segment_name"])
        for column in key:
            table[column] = features[column].to_numpy()
        return table.sort_values("customer_unique_id", kind="stable").reset_index(drop=True)

    def metadata(self, as_of: str | None) -> dict:
        return {
            "olistseg_version": __version__,
            "as_of": as_of,
            "preset": self.preset,
            "features": self.feature_names_,
            "algorithm": self.chosen_.algorithm,
            "k": self.chosen_.n_clusters,
            "metrics": self.chosen_.to_dict(),
            "selection_reason": self.selection_reason_,
            "rule": self.rule.to_dict(),
            "seed": self.seed,
            "training_customers": self.training_size_,
            "data_sha256": self.data_hash_,
            "segments": segment_records(self.names_),
        }

    def save(self, folder: str | Path, as_of: str | None = None) -> Path:
        """Write ``model.skops`` (preprocessing + model) and ``metadata.json`` atomically."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(folder / MODEL_FILE) as tmp:
            self.model_.save(tmp)
        write_json(folder / METADATA_FILE, self.metadata(as_of))
        return folder

    @staticmethod
    def load(folder: str | Path) -> Segmenter:
        """A saved Segmenter; :class:`InputError` when the folder holds none, or a model file
        that is not olistseg's (nothing in a refused file is built or run)."""
        folder = Path(folder)
        if not (folder / MODEL_FILE).is_file():
            raise InputError(no_model_message(folder))
        model = SegmentationModel.load(folder / MODEL_FILE)
        try:
            metadata = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
            segments = metadata["segments"]
            chosen = CandidateScore(**metadata["metrics"])
            rule = SelectionRule(**metadata["rule"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise InputError(
                f"{folder / METADATA_FILE}: missing or not olistseg's model metadata ({error})."
            ) from error
        if metadata.get("features") != model.feature_names_:
            raise InputError(f"{folder}: metadata.json and the model disagree on the feature list.")
        loaded = Segmenter(preset=metadata["preset"], rule=rule, seed=metadata["seed"])
        loaded.model_, loaded.chosen_ = model, chosen
        loaded.preprocessor_, loaded.estimator_ = model.preprocessor_, model.estimator_
        loaded.feature_names_ = model.feature_names_
        loaded.names_ = pd.DataFrame(
            {
                "segment_key": [s["key"] for s in segments.values()],
                "segment_name": [s["name"] for s in segments.values()],
                "action": [s["action"] for s in segments.values()],
                "rule": [s["rule"] for s in segments.values()],
                "qualifier": [s.get("qualifier") for s in segments.values()],
                "rank": [int(s.get("rank") or 0) for s in segments.values()],
            },
            index=pd.Index([int(i) for i in segments], name="segment_id"),
        )
        loaded.selection_reason_ = metadata.get("selection_reason")
        loaded.training_size_ = metadata.get("training_customers")
        loaded.data_hash_ = metadata.get("data_sha256")
        loaded.saved_metadata_ = metadata
        return loaded
