"""How long does a fitted segmentation stay valid? A simulation over time.

Protocol (also written into ``stability.json`` and ``maintenance.md``):

1. **Origins.** Dates T0 every ``origin_every`` steps going back from the end of the data
   (``n_origins`` of them; with weekly steps, every 4 weeks over the last year by default).
2. **Frozen model M0.** At each T0: features as of T0, the preprocessing and the model (same
   algorithm, k and seed) fitted on them. M0 is never refitted and its preprocessing never
   re-estimated: at later dates it only ``transform``s and ``predict``s.
3. **Steps.** At each T = T0 + t (weekly by default, up to the end of the data): features as of
   T for every customer known by then, labelled by the frozen M0 and by a model refitted on the
   T features (same algorithm, k and seed; new preprocessing too). The Adjusted Rand Index (ARI)
   between the two labelings is computed over all customers and over the customers already
   known at T0. At t = 0 the refit *is* M0, so the ARI is exactly 1.

   The refit is *warm* by default: it starts from the segment means of the customers as M0
   labels them at T, then runs the algorithm to convergence on the T data, as a production
   retrain that keeps segment names would. A *cold* refit (``refit="cold"``: fresh seeded
   initialisations, the best of ``restarts``) measures something else on Olist: its 4-segment
   models have two optima of nearly equal quality (ARI 0.38 between them) and a cold retrain
   lands on either, week after week, with or without drift.
4. **Baseline noise.** At each origin, refits with other seeds on the same features: their ARI
   with M0 is the algorithm's own instability, reported next to the curve so that it is not
   mistaken for drift.
5. **Across origins.** For each t, the median and the 10th percentile of the ARI over the
   origins that reach t (at least ``min_origins`` of them). An origin where the algorithm
   cannot reproduce its own segmentation (a baseline ARI below the threshold) cannot tell
   drift from noise: it is reported, and left out of the curve that sets the cadence.
6. **Cadence.** The longest t such that the 10th-percentile ARI stays at or above the threshold
   at every step up to t. Between retrains, new customers are scored with the current model.

Drift monitors at each step, against T0: the population stability index (PSI) of every model
feature (raw values, bins from T0's deciles), the centroid shift (the refitted model's segment
means against M0's, both in M0's preprocessed space, matched by the Hungarian algorithm), each
segment's share change under M0, and the migration matrix of customers present at both dates.

Features for each date are computed once and shared by every origin that needs them. A cold
refit at a date is the same for every origin (same data, algorithm, k and seed), so it is
fitted once per date; a warm refit starts from the origin's M0, so it is fitted per (origin,
step).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict

import duckdb
import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import Pipeline

from olistseg.errors import InputError
from olistseg.features.build import customer_features
from olistseg.models.candidates import ALGORITHMS
from olistseg.models.preprocessing import model_input
from olistseg.models.segmentation import SegmentationModel
from olistseg.stability.cadence import (
    OriginResult,
    StepResult,
    baseline_summary,
    business_schedule,
    cadence_of_curves,
    campaign_impact,
    curves_of,
    robustness_of,
)
from olistseg.stability.config import SimulationConfig
from olistseg.stability.drift import align_labels, migration_matrix, psi_against, reference_bins
from olistseg.threads import one_blas_thread
from olistseg.warehouse.now import default_as_of

__all__ = ["SimulationConfig", "simulate"]


ProgressCallback = Callable[[str, int, int], None]


def preprocessing_fingerprint(preprocessor: Pipeline) -> str:
    """A hash of every fitted parameter of the preprocessing (imputer medians, scaler means...)."""
    digest = hashlib.sha256()
    prep = preprocessor.named_steps["columns"]
    for part in (prep, prep.scaler_, prep.encoder_):
        for name in sorted(vars(part) if part is not None else ()):
            value = getattr(part, name)
            if (
                name.endswith("_")
                and not name.startswith("_")
                and name not in ("scaler_", "encoder_")
            ):
                digest.update(name.encode())
                digest.update(repr(np.asarray(value, dtype=object).tolist()).encode())
    return digest.hexdigest()[:16]


def _dates(end: dt.datetime, config: SimulationConfig) -> tuple[list[dt.datetime], int]:
    step = dt.timedelta(days=config.step_days)
    origins = [end - step * config.origin_every * i for i in range(config.n_origins, 0, -1)]
    horizon = config.horizon_steps or config.origin_every * config.n_origins
    return origins, horizon


def numeric_columns(frame: pd.DataFrame) -> list[str]:
    """The numeric columns of a ``model_input`` frame: the ones PSI is measured on."""
    return [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]


def simulate(
    con: duckdb.DuckDBPyConnection,
    config: SimulationConfig,
    end: dt.datetime | None = None,
    progress: ProgressCallback | None = None,
    shared: dict | None = None,
) -> dict:
    """Run the protocol of the module docstring; returns the ``stability.json`` payload.

    ``shared`` (a dict the caller keeps) carries each date's features and noise floor from one
    run to the next: reruns with other seeds then only refit.
    """
    started = time.perf_counter()
    end = end or default_as_of(con)
    origins, horizon = _dates(end, config)
    step = dt.timedelta(days=config.step_days)
    shared = {} if shared is None else shared
    features: dict[dt.datetime, tuple[pd.DataFrame, pd.DataFrame, np.ndarray]] = shared.setdefault(
        "features", {}
    )
    refits: dict[dt.datetime, SegmentationModel] = {}
    timings = {"features_s": 0.0, "refits_s": 0.0, "compare_s": 0.0, "noise_s": 0.0}
    customer_codes: dict[str, int] = shared.setdefault("codes", {})

    def features_at(date: dt.datetime) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
        """(features, model input, customer codes) as of ``date``, computed once."""
        if date not in features:
            tick = time.perf_counter()
            frame = customer_features(con, date)
            # Integer codes per customer: matching customers across dates on the ids' strings
            # (Arrow-backed) cost more than all the rest of a comparison.
            ids = frame.index.to_numpy(dtype=object)
            codes = np.array([customer_codes.setdefault(i, len(customer_codes)) for i in ids])
            features[date] = (frame, model_input(frame, config.preset), codes)
            timings["features_s"] += time.perf_counter() - tick
        return features[date]

    def refit_at(date: dt.datetime) -> SegmentationModel:
        if date not in refits:
            tick = time.perf_counter()
            model = SegmentationModel(
                config.algorithm, config.k, config.preset, config.seed, config.restarts
            )
            refits[date] = model.fit(*features_at(date)[:2])
            timings["refits_s"] += time.perf_counter() - tick
        return refits[date]

    noise: dict[dt.datetime, float] = shared.setdefault("noise", {})

    def noise_at(date: dt.datetime) -> float:
        """ARI between two retrains at ``date`` from fresh initialisations with two seeds (one
        fit each): below the threshold the optimizer, not the customers, decides the segments
        at that date. Measured once per date (kept in ``shared`` for reruns)."""
        if date not in noise:
            if ALGORITHMS[config.algorithm].deterministic:
                noise[date] = 1.0
            else:
                tick = time.perf_counter()
                frame, model_frame = features_at(date)[:2]
                a, b = (
                    SegmentationModel(
                        config.algorithm, config.k, config.preset, config.seed + s
                    ).fit(frame, model_frame)
                    for s in (1, 2)
                )
                noise[date] = round(adjusted_rand_score(a.labels_, b.labels_), 4)
                timings["noise_s"] += time.perf_counter() - tick
        return noise[date]

    results: list[OriginResult] = []
    with one_blas_thread():
        for position, origin in enumerate(origins):
            if progress:
                progress(f"origin {origin:%Y-%m-%d}", position, len(origins))
            base, reference, base_codes = features_at(origin)
            if len(base) < max(config.min_customers, config.k + 1):
                continue
            tick = time.perf_counter()
            m0 = refit_at(origin)
            fit_seconds = time.perf_counter() - tick
            baseline = _baseline(base, reference, m0, config)
            result = OriginResult(
                origin.isoformat(sep=" "),
                len(base),
                round(fit_seconds, 3),
                preprocessing_fingerprint(m0.preprocessor_),
                baseline,
                min(baseline, default=1.0) >= config.threshold,
            )
            bins = {
                c: reference_bins(reference[c].to_numpy(float)) for c in numeric_columns(reference)
            }
            t = 0
            while t <= horizon and origin + step * t <= end:
                date = origin + step * t
                current, current_input, codes = features_at(date)
                if t == 0:
                    refit = m0
                elif config.refit == "warm":
                    tick = time.perf_counter()
                    refit = SegmentationModel(
                        config.algorithm, config.k, config.preset, config.seed
                    )
                    refit.fit(current, current_input, m0.predict(current_input, prepared=True))
                    timings["refits_s"] += time.perf_counter() - tick
                else:
                    refit = refit_at(date)
                tick = time.perf_counter()
                position = np.full(len(customer_codes), -1)
                position[base_codes] = np.arange(len(base_codes))
                compared = _compare(t, date, m0, refit, position[codes], current_input, bins)
                if t > 0 and config.check_noise:
                    compared.noise_ari = noise_at(date)
                    compared.noisy = compared.noise_ari < config.threshold
                result.steps.append(compared)
                timings["compare_s"] += time.perf_counter() - tick
                t += 1
            results.append(result)
    if not results:
        raise InputError(
            f"no origin has {config.min_customers} customers: the data is too short for "
            f"{config.n_origins} origins every {config.origin_every * config.step_days} days."
        )
    curves = curves_of([r for r in results if r.reproducible], config)
    curves_all = curves_of(results, config)
    cadence = cadence_of_curves(curves, config)
    robustness = robustness_of(results, config)
    cadence["interval_weeks"] = robustness["bootstrap"]["interval_weeks"]
    cadence["schedule"] = business_schedule(cadence)
    one_retrain = float(np.median([r.fit_seconds for r in results]))
    return {
        "protocol": PROTOCOL_TEXT,
        "config": config.to_dict(),
        "end": end.isoformat(sep=" "),
        "origins": [_origin_payload(r) for r in results],
        "curve": curves,
        "curve_all_origins": curves_all,
        "baseline_noise": baseline_summary(results),
        "origins_left_out": [r.origin for r in results if not r.reproducible],
        "cadence": cadence,
        "leave_one_origin_out": robustness["leave_one_origin_out"],
        "bootstrap_origins": robustness["bootstrap"],
        "steps_left_out_noisy": sum(s.noisy for r in results for s in r.steps),
        "campaign_impact": campaign_impact(curves, config),
        "retrain_seconds": round(one_retrain + timings["features_s"] / max(len(features), 1), 3),
        "timings": {
            **{k: round(v, 2) for k, v in timings.items()},
            "total_s": round(time.perf_counter() - started, 2),
            "dates": len(features),
            "cold_fits": len(refits),
        },
    }


PROTOCOL_TEXT = (
    "At each origin T0 the preprocessing and the model are fitted on the features as of T0 (M0) "
    "and frozen. At each later step T the customers known at T are labelled by M0 (its T0 "
    "preprocessing, never refitted) and by a model refitted at T with the same algorithm, k and "
    "seed; the Adjusted Rand Index compares the two, over all customers and over those known at "
    "T0. Baseline noise: ARI between M0 and refits with other seeds at T0. Across origins: the "
    "median and the 10th percentile for each step. Cadence: the longest interval for which the "
    "10th-percentile ARI stays at or above the threshold."
)


def _baseline(
    base: pd.DataFrame, frame: pd.DataFrame, m0: SegmentationModel, config: SimulationConfig
) -> list[float]:
    """ARI between M0 and trainings with other seeds on the same date: no drift at all."""
    if ALGORITHMS[config.algorithm].deterministic:
        return [1.0] * (config.n_seeds - 1)
    scores = []
    for offset in range(1, config.n_seeds):
        other = SegmentationModel(
            config.algorithm, config.k, config.preset, config.seed + offset, config.restarts
        ).fit(base, frame)
        scores.append(round(adjusted_rand_score(m0.labels_, other.labels_), 4))
    return scores


def _compare(
    t: int,
    date: dt.datetime,
    m0: SegmentationModel,
    refit: SegmentationModel,
    origin_position: np.ndarray,
    current_input: pd.DataFrame,
    bins: dict[str, tuple[np.ndarray, np.ndarray]],
) -> StepResult:
    """Frozen M0 against the refit at ``date``, and the drift monitors against the origin.

    ``origin_position[i]`` is the row of customer ``i`` (of ``date``) at the origin, -1 for
    customers who arrived since.
    """
    X = m0.transform(current_input)  # T0's preprocessing parameters, never refitted
    frozen = m0.predict_transformed(X)
    known = origin_position >= 0
    refit_labels = refit.labels_
    ari_all = adjusted_rand_score(frozen, refit_labels)
    ari_known = adjusted_rand_score(frozen[known], refit_labels[known]) if known.any() else np.nan
    psi = {c: round(psi_against(b, current_input[c].to_numpy(float)), 4) for c, b in bins.items()}
    refit_centroids = np.array(
        [X[refit_labels == s].mean(axis=0) for s in range(refit.k) if (refit_labels == s).any()]
    )
    mapping = align_labels(m0.centroids_, refit_centroids)
    matched = [(r, c) for r, c in mapping.items() if c < len(m0.centroids_)]
    shift = float(
        np.mean([np.linalg.norm(refit_centroids[r] - m0.centroids_[c]) for r, c in matched])
    )
    k = len(m0.centroids_)
    share_t0 = np.bincount(m0.labels_, minlength=k) / len(m0.labels_)
    share_t = np.bincount(frozen, minlength=k) / len(frozen)
    before, after = m0.labels_[origin_position[known]], frozen[known]
    migration = migration_matrix(before, after, k)
    refit_as_frozen = np.array([mapping.get(r, -1) for r in range(int(refit_labels.max()) + 1)])
    changed = int((refit_as_frozen[refit_labels] != frozen).sum())
    return StepResult(
        t=t,
        date=date.isoformat(sep=" "),
        customers=len(frozen),
        known_at_origin=int(known.sum()),
        ari_all=round(float(ari_all), 4),
        ari_known=round(float(ari_known), 4),
        psi=psi,
        centroid_shift=round(shift, 4),
        share_change={s: round(100 * float(share_t[s] - share_t0[s]), 2) for s in range(k)},
        migration=np.round(migration, 4).tolist(),
        frozen_preprocessing=preprocessing_fingerprint(m0.preprocessor_),
        changed_segment=changed,
        new_customers=int((~known).sum()),
    )


def _origin_payload(result: OriginResult) -> dict:
    payload = asdict(result)
    payload["steps"] = [asdict(s) for s in result.steps]
    return payload
