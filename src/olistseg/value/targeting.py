"""Who to contact first: three targeting scores, compared out of time, and the champion.

Candidates, simplest first:

- ``rfm``: the customer's RFM cell (:func:`olistseg.validation.baselines.rfm_segments`)
  scored by that cell's repurchase rate over the horizon that ended at the origin;
- ``bgnbd``: BG/NBD's expected purchase occasions over the horizon, fitted at the origin
  (:class:`olistseg.value.clv.CustomerValue`);
- ``gbm``: scikit-learn's ``HistGradientBoostingClassifier`` trained point in time: features
  at ``t`` and labels in ``(t, t + horizon]`` for :data:`TRAINING_WINDOWS` windows that all end
  by the origin, pooled so that it sees enough buyers. Its features go beyond the
  segmentation's: every column of :func:`olistseg.features.build.customer_features` (spend,
  basket, installments, payment types, delivery delay, reviews, freight share, tenure), the
  state, and the month of the first purchase (its season). The categories of the first and
  last orders are not among them yet.

At each validation origin every candidate is scored on what customers did next: out-of-time
AUC, top-decile lift (the purchase rate of the top 10% by score over the overall rate),
calibration (predicted buyers over actual buyers; BG/NBD's expected occasions, capped at 1,
stand in for a probability) and the paired 95% interval of its AUC minus RFM's (DeLong's
variance of correlated AUCs). **The champion** starts as RFM; a more complex candidate
replaces it only when the median, over origins, of the lower bound of its paired interval
against the champion is above 0: better beyond noise, not by a point estimate.
"""

from __future__ import annotations

import datetime as dt
import time

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.ensemble import HistGradientBoostingClassifier

from olistseg.features.build import NUMERIC_FEATURES, customer_features
from olistseg.features.outcomes import customer_outcomes
from olistseg.validation.baselines import (
    quintile_edges,
    quintile_on_edges,
    rfm_cells,
    rfm_segments,
)
from olistseg.validation.replay import Window, windows
from olistseg.value.clv import CustomerValue, TooFewRepeatCustomers, customer_summary
from olistseg.warehouse.sample import CHECK_SAMPLE_CUSTOMERS, sampled_customers

CANDIDATES = ("rfm", "bgnbd", "gbm")
#: Training windows pooled for the gradient-boosted model, each ending by the origin.
TRAINING_WINDOWS = 3
#: The seed of the sample the RFM cell rates are learnt on (above CHECK_SAMPLE_CUSTOMERS).
RATE_SAMPLE_SEED = 42
#: Days between the training windows' origins.
TRAINING_STEP_DAYS = 30
Z95 = 1.959963984540054
#: The gradient-boosted score is trained only when its pooled windows hold this many buyers.
MIN_TRAINING_BUYERS = 50


class TooFewBuyers(ValueError):
    """Too few buyers in the training windows to train a score."""


def model_frame(features: pd.DataFrame, as_of: dt.datetime) -> pd.DataFrame:
    """The gradient-boosted model's inputs: the numeric features, the state (categorical) and
    the month of the first purchase."""
    frame = features[list(NUMERIC_FEATURES)].astype("float64").copy()
    first = pd.Timestamp(as_of) - pd.to_timedelta(features["tenure_days"], unit="D")
    frame["first_purchase_month"] = first.dt.month.astype("float64").to_numpy()
    frame["customer_state"] = features["customer_state"].astype("category")
    return frame


def _labels(
    con: duckdb.DuckDBPyConnection, index: pd.Index, start: dt.datetime, end: dt.datetime
) -> np.ndarray:
    outcomes = customer_outcomes(con, start, end).reindex(index)
    return outcomes["repurchased"].fillna(0).astype(int).to_numpy()


def fit_rfm_rates(
    con: duckdb.DuckDBPyConnection, features: pd.DataFrame, at: dt.datetime, horizon: dt.timedelta
) -> dict:
    """The RFM targeting score, fitted at ``at``: the R and M quintile edges of ``features``
    (the customers known at ``at``) and each RFM cell's repurchase rate over the horizon that
    ended at ``at`` (JSON-serialisable; :func:`rfm_rate_score` applies it).

    The edges are exact; above :data:`CHECK_SAMPLE_CUSTOMERS` customers the rates (means of
    a 0/1 outcome per cell) are learnt on a seeded sample of that many, whose error is the
    binomial error of the sample, not of the population (``sample`` says so)."""
    with sampled_customers(con, CHECK_SAMPLE_CUSTOMERS, RATE_SAMPLE_SEED) as sample:
        past = customer_features(con, at - horizon)
        labels = _labels(con, past.index, at - horizon, at)
    rates = pd.Series(labels).groupby(rfm_segments(past)[0]).mean()
    return {
        "sample": sample,
        "recency_edges": quintile_edges(features["recency_days"], higher_is_better=False),
        "monetary_edges": quintile_edges(features["monetary"]),
        "rates": {str(int(cell)): float(rate) for cell, rate in rates.items()},
        # a cell nobody was in at the last horizon gets the mean of the cells' rates
        "default": float(rates.mean()) if len(rates) else 0.0,
    }


def rfm_rate_score(features: pd.DataFrame, fitted: dict) -> np.ndarray:
    """Each customer's RFM cell rate on the scale :func:`fit_rfm_rates` froze."""
    r = quintile_on_edges(features["recency_days"], fitted["recency_edges"], higher_is_better=False)
    m = quintile_on_edges(features["monetary"], fitted["monetary_edges"])
    rates = {int(cell): rate for cell, rate in fitted["rates"].items()}
    cells = pd.Series(rfm_cells(r, m, features["frequency"]))
    return cells.map(rates).fillna(fitted["default"]).to_numpy(dtype="float64")


def rfm_score(
    con: duckdb.DuckDBPyConnection, features: pd.DataFrame, at: dt.datetime, horizon: dt.timedelta
) -> np.ndarray:
    """Each customer's RFM cell rate, learnt on the horizon that ended at ``at``."""
    return rfm_rate_score(features, fit_rfm_rates(con, features, at, horizon))


def bgnbd_score(
    con: duckdb.DuckDBPyConnection, features: pd.DataFrame, at: dt.datetime, horizon: dt.timedelta
) -> np.ndarray:
    """BG/NBD's expected occasions over the horizon, fitted on the occasions up to ``at``."""
    summary = customer_summary(con, at, features.index)
    model = CustomerValue().fit(summary)
    expected = pd.Series(
        model.expected_occasions(summary, horizon.total_seconds() / 86_400), index=summary.index
    )
    return expected.reindex(features.index).fillna(0.0).to_numpy()


def gbm_score(
    con: duckdb.DuckDBPyConnection,
    features: pd.DataFrame,
    at: dt.datetime,
    horizon: dt.timedelta,
    seed: int = 42,
) -> np.ndarray:
    """The gradient-boosted probability of buying again, trained on pooled windows ending by ``at``."""
    frames, labels = [], []
    for j in range(TRAINING_WINDOWS):
        start = at - horizon - dt.timedelta(days=TRAINING_STEP_DAYS * j)
        past = customer_features(con, start)
        if len(past) < 100:
            break
        frames.append(model_frame(past, start))
        labels.append(_labels(con, past.index, start, start + horizon))
    buyers = sum(int(y.sum()) for y in labels)
    if buyers < MIN_TRAINING_BUYERS:
        raise TooFewBuyers(
            f"{buyers} buyers in the pooled training windows before {at:%Y-%m-%d}: too few to "
            f"train the gradient-boosted score (at least {MIN_TRAINING_BUYERS})"
        )
    X = pd.concat(frames, ignore_index=True)
    states = sorted(
        set(X["customer_state"].astype(str)) | set(features["customer_state"].astype(str))
    )
    X["customer_state"] = pd.Categorical(X["customer_state"].astype(str), categories=states)
    model = HistGradientBoostingClassifier(
        max_iter=200,
        learning_rate=0.05,
        max_leaf_nodes=15,
        l2_regularization=1.0,
        categorical_features="from_dtype",
        random_state=seed,
    )
    model.fit(X, np.concatenate(labels))
    now = model_frame(features, at)
    now["customer_state"] = pd.Categorical(now["customer_state"].astype(str), categories=states)
    return model.predict_proba(now)[:, 1]


SCORERS = {"rfm": rfm_score, "bgnbd": bgnbd_score, "gbm": gbm_score}


def score(
    name: str,
    con: duckdb.DuckDBPyConnection,
    features: pd.DataFrame,
    at: dt.datetime,
    horizon_days: int,
) -> np.ndarray:
    """Candidate ``name``'s score (n_customers,) for ``features`` known at ``at``."""
    return SCORERS[name](con, features, at, dt.timedelta(days=horizon_days))


def delong(y: np.ndarray, scores: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """AUCs of ``scores`` on labels ``y`` and their covariance (DeLong, with midranks for ties)."""
    positive = y == 1
    m, n = int(positive.sum()), int((~positive).sum())
    v10, v01, aucs = [], [], []
    for s in scores:
        all_ranks = rankdata(s)
        pos_ranks, neg_ranks = rankdata(s[positive]), rankdata(s[~positive])
        aucs.append((all_ranks[positive].sum() - m * (m + 1) / 2) / (m * n))
        v10.append((all_ranks[positive] - pos_ranks) / n)
        v01.append(1 - (all_ranks[~positive] - neg_ranks) / m)
    cov = np.atleast_2d(np.cov(np.array(v10))) / m + np.atleast_2d(np.cov(np.array(v01))) / n
    return np.array(aucs), cov


def top_decile_lift(y: np.ndarray, s: np.ndarray) -> float | None:
    """Purchase rate of the 10% best-scored over the overall rate."""
    if y.mean() == 0:
        return None
    top = np.argsort(-s, kind="stable")[: max(1, int(np.ceil(0.1 * len(s))))]
    return float(y[top].mean() / y.mean())


def evaluate_at(
    con: duckdb.DuckDBPyConnection,
    window: Window,
    seed: int = 42,
    forecast: pd.DataFrame | None = None,
) -> dict:
    """Every candidate scored at ``window``'s origin against what customers did in it;
    ``forecast`` is the lifetime-value check's BG/NBD table at this window, when it has one
    (the same fit: not refitted). A candidate that cannot be fitted there (BG/NBD with too few
    repeat customers) is left out of that origin, with the reason."""
    features = customer_features(con, window.origin)
    y = _labels(con, features.index, window.origin, window.end)
    horizon = window.end - window.origin
    scores, seconds, skipped = {}, {}, {}
    for name in CANDIDATES:
        started = time.perf_counter()
        try:
            if name == "gbm":
                scores[name] = gbm_score(con, features, window.origin, horizon, seed)
            elif name == "bgnbd" and forecast is not None:
                predicted = forecast["predicted"].reindex(features.index)
                scores[name] = predicted.fillna(0.0).to_numpy()
            else:
                scores[name] = score(name, con, features, window.origin, horizon.days)
        except (TooFewRepeatCustomers, TooFewBuyers) as exc:
            skipped[name] = str(exc)
        seconds[name] = round(time.perf_counter() - started, 2)
    out = {
        "origin": window.origin.isoformat(sep=" "),
        "customers": len(y),
        "buyers": int(y.sum()),
        "candidates": {},
        "skipped": skipped,
    }
    if y.min() == y.max():
        return out
    names = [n for n in CANDIDATES if n in scores]
    aucs, cov = delong(y, [scores[n] for n in names])
    for i, name in enumerate(names):
        predicted = np.clip(scores[name], 0, 1).sum()
        out["candidates"][name] = {
            "auc": round(float(aucs[i]), 4),
            "top_decile_lift": _round(top_decile_lift(y, scores[name]), 3),
            "calibration": round(float(predicted / y.sum()), 3),
            "against_rfm": None if name == "rfm" else _rounded(_interval(aucs, cov, i, 0)),
            "seconds": seconds[name],
        }
    out["_aucs_cov"] = (names, aucs, cov)
    return out


def _interval(aucs: np.ndarray, cov: np.ndarray, i: int, j: int) -> tuple[float, float]:
    """The 95% interval of AUC i minus AUC j (DeLong's paired variance)."""
    half = Z95 * np.sqrt(max(cov[i, i] + cov[j, j] - 2 * cov[i, j], 0.0))
    return aucs[i] - aucs[j] - half, aucs[i] - aucs[j] + half


def _rounded(interval: tuple[float, float]) -> list[float]:
    return [round(float(v), 4) for v in interval]


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def compare_targeting(
    con: duckdb.DuckDBPyConnection,
    found: list[Window] | None = None,
    seed: int = 42,
    forecasts: dict | None = None,
) -> dict:
    """The candidates at the validation windows ``found`` (default: the lifetime-value
    check's, :func:`olistseg.validation.replay.windows`), and the champion (module
    docstring). ``forecasts`` maps windows to the check's BG/NBD tables, reused."""
    found = windows(con) if found is None else found
    forecasts = forecasts or {}
    origins = [evaluate_at(con, w, seed, forecasts.get(w)) for w in found]
    champion = "rfm"
    decisions = []
    for name in CANDIDATES[1:]:
        lows = []
        for o in origins:
            names, aucs, cov = o.get("_aucs_cov", ((), None, None))
            if name in names and champion in names:
                lows.append(_interval(aucs, cov, names.index(name), names.index(champion))[0])
        low = float(np.median(lows)) if lows else None
        beats = low is not None and low > 0
        decisions.append(
            {
                "candidate": name,
                "against": champion,
                "origins": len(lows),
                "median_lower_bound": _round(low, 4),
                "replaces": beats,
            }
        )
        if beats:
            champion = name
    for o in origins:
        o.pop("_aucs_cov", None)
    summary = {
        name: {
            "median_auc": _median(
                [o["candidates"][name]["auc"] for o in origins if name in o["candidates"]]
            ),
            "median_top_decile_lift": _median(
                [
                    o["candidates"][name]["top_decile_lift"]
                    for o in origins
                    if name in o["candidates"]
                ]
            ),
        }
        for name in CANDIDATES
    }
    return {
        "horizon_days": (found[0].end - found[0].origin).days if found else None,
        "candidates": list(CANDIDATES),
        "origins": origins,
        "summary": summary,
        "decisions": decisions,
        "champion": champion,
    }


def _median(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return round(float(np.median(kept)), 4) if kept else None
