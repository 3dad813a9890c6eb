"""``SegmentationModel``: the one fitted segmentation that segment, score, validation and stability use.

>>> model = SegmentationModel("kmeans", 6, "rfm_satisfaction", seed=42).fit(features)
>>> model.labels_                 # (n_customers,) segment ids, 0 = the largest segment
>>> model.predict(new_features)   # the frozen preprocessing and estimator applied
>>> model.save("out/model/model.skops"); SegmentationModel.load("out/model/model.skops")

One rule for every fitted model (see :func:`olistseg.models.labels.order_segments`): segment 0
is the largest at training time; a density method's noise joins the nearest segment centroid.
Estimators without ``predict`` (DBSCAN, HDBSCAN, Ward) score new customers by their nearest
training customer. Model files are written with skops and loaded only when every type they
hold is on :data:`TRUSTED_TYPES`: loading a model never unpickles, so it never runs code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import skops.io as sio
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline

from olistseg.errors import InputError
from olistseg.models.candidates import ALGORITHMS, fit_labels
from olistseg.models.labels import map_labels, nearest_centroid, order_segments
from olistseg.models.preprocessing import make_preprocessor, model_input, preset_columns

#: The types a model file may hold beyond skops' defaults (numpy arrays, builtins, the
#: scikit-learn estimators skops trusts): each clustering candidate's own classes and the
#: scikit-learn internals they keep (found by saving every candidate; tests/test_model_files.py).
#: A file that names any other type is refused before anything in it is built.
TRUSTED_TYPES = frozenset(
    {
        "olistseg.models.segmentation.SegmentationModel",
        "olistseg.models.preprocessing.FeaturePreprocessor",
        "olistseg.models.gmm.FastGaussianMixture",
        "olistseg.models.candidates.KneeDBSCAN",
        "olistseg.models.candidates.SampledHDBSCAN",
        "sklearn.cluster._bisect_k_means._BisectingTree",
        # bisecting k-means keeps a reference to this function (its inner k-means), not code.
        "sklearn.cluster._kmeans._kmeans_single_lloyd",
        "sklearn.metrics._dist_metrics.EuclideanDistance64",
        "sklearn.neighbors._kd_tree.KDTree",
    }
)


def _objective(estimator: object) -> float:
    """Lower is better: k-means inertia, minus a mixture's log-likelihood bound, else 0."""
    if hasattr(estimator, "inertia_"):
        return float(estimator.inertia_)
    if hasattr(estimator, "lower_bound_"):
        return -float(estimator.lower_bound_)
    return 0.0


def _warm_means(X: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray | None:
    present = np.unique(labels[labels >= 0])
    if len(present) != k:
        return None
    return np.array([X[labels == s].mean(axis=0) for s in present])


def _warm_start(estimator: object, means: np.ndarray) -> None:
    """Start k-means or a Gaussian mixture from ``means``; other algorithms start cold."""
    if isinstance(estimator, GaussianMixture):
        estimator.set_params(means_init=means)
    elif isinstance(estimator, KMeans | MiniBatchKMeans):
        estimator.set_params(init=means, n_init=1)


class SegmentationModel:
    """Preprocessing and one clustering estimator fitted on one feature table, then applied.

    Parameters: ``algorithm`` (a key of :data:`olistseg.models.candidates.ALGORITHMS`), ``k``
    (segments; ``None`` for methods that find their own number), the feature ``preset``,
    ``seed``, and ``restarts`` (the best of that many seeded fits is kept: lowest inertia,
    highest likelihood, as a production retrain would; on Olist, k-means with 4 segments has
    two local optima 2.5% apart in inertia whose ARI is 0.44).

    Fitted attributes: ``preprocessor_``, ``estimator_``, ``label_map_`` (estimator label ->
    segment id), ``labels_`` (n_customers,) the training customers' segments,
    ``centroids_`` (k, n_inputs) each segment's mean in the model's input space, ``nearest_``
    (a 1-nearest-neighbour classifier for estimators without ``predict``, else ``None``) and
    ``feature_names_`` (the preset's columns).
    """

    def __init__(
        self, algorithm: str, k: int | None, preset: str, seed: int, restarts: int = 1
    ) -> None:
        self.algorithm, self.k, self.preset, self.seed = algorithm, k, preset, seed
        self.restarts = restarts

    # --- fitting -----------------------------------------------------------------------
    def fit(
        self,
        features: pd.DataFrame,
        frame: pd.DataFrame | None = None,
        start_from: np.ndarray | None = None,
    ) -> SegmentationModel:
        """Fit preprocessing and estimator on ``features`` (n_customers x features).

        ``frame`` is their ``model_input`` when already computed. ``start_from`` (one segment
        per customer) warm-starts k-means and Gaussian mixtures from the means of those groups
        in this fit's own preprocessed space.
        """
        frame = model_input(features, self.preset) if frame is None else frame
        preprocessor = make_preprocessor(self.preset).fit(frame)
        X = preprocessor.transform(frame)
        init = _warm_means(X, start_from, self.k) if start_from is not None and self.k else None
        best = None
        for restart in range(1 if init is not None else self.restarts):
            estimator = ALGORITHMS[self.algorithm].make(
                self.k or 0, self.seed + 7919 * restart, len(X)
            )
            if init is not None:
                _warm_start(estimator, init)
            labels = fit_labels(estimator, X)
            if best is None or _objective(estimator) < _objective(best[0]):
                best = (estimator, labels)
        return self.adopt(preprocessor, X, *best)

    def adopt(
        self, preprocessor: Pipeline, X: np.ndarray, estimator: object, raw: np.ndarray
    ) -> SegmentationModel:
        """Take an estimator already fitted on ``X`` (the preprocessed training table) with its
        labels ``raw``: the selection fits candidates once and keeps the chosen one this way."""
        self.preprocessor_, self.estimator_ = preprocessor, estimator
        self.label_map_, self.labels_, self.centroids_ = order_segments(X, raw)
        self.nearest_ = None
        if not hasattr(estimator, "predict"):
            self.nearest_ = KNeighborsClassifier(n_neighbors=1).fit(X, self.labels_)
        self.feature_names_ = list(preset_columns(self.preset))
        return self

    # --- applying ----------------------------------------------------------------------
    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """The frozen preprocessing applied to ``model_input`` columns."""
        return self.preprocessor_.transform(frame)

    def predict(self, features: pd.DataFrame, prepared: bool = False) -> np.ndarray:
        """Segment ids (n_customers,) of ``features`` (or of ``model_input`` columns when
        ``prepared``); :class:`InputError` when the columns are not the training ones."""
        frame = features if prepared else model_input(features, self.preset)
        if list(frame.columns) != self.feature_names_:
            raise InputError(
                f"the model was trained on {', '.join(self.feature_names_)} but the data gives "
                f"{', '.join(map(str, frame.columns))}; retrain it or use matching features."
            )
        return self.predict_transformed(self.transform(frame))

    def predict_transformed(self, X: np.ndarray) -> np.ndarray:
        """Segment ids of preprocessed rows ``X`` (n, n_inputs)."""
        if self.nearest_ is not None:
            return self.nearest_.predict(X)
        labels = map_labels(self.estimator_.predict(X), self.label_map_)
        if (labels < 0).any():  # noise, or a label no training customer had
            noise = labels < 0
            labels[noise] = nearest_centroid(X[noise], self.centroids_)
        return labels

    # --- files -------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the fitted model to ``path`` with skops (no pickle)."""
        path = Path(path)
        sio.dump(self, path)
        return path

    @staticmethod
    def load(path: str | Path) -> SegmentationModel:
        """The model in ``path``; :class:`InputError`, before anything is built, when the file
        names a type outside :data:`TRUSTED_TYPES` or is not a skops file."""
        path = Path(path)
        try:
            untrusted = sio.get_untrusted_types(file=path)
        except Exception as error:  # a zip that is not skops', or no zip at all
            raise InputError(f"{path}: not an olistseg model file ({error}).") from error
        refused = sorted(set(untrusted) - TRUSTED_TYPES)
        if refused:
            raise InputError(
                f"{path}: the model file names types olistseg does not trust "
                f"({', '.join(refused)}); it was not loaded. Retrain with `olistseg segment`."
            )
        try:
            model = sio.load(path, trusted=list(untrusted))
        except Exception as error:
            raise InputError(f"{path}: the model file cannot be read ({error}).") from error
        if not isinstance(model, SegmentationModel):
            raise InputError(f"{path}: not an olistseg model.")
        return model
