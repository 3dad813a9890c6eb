"""The value and audiences steps: what ``olistseg value`` / ``olistseg audiences`` and the
``run`` pipeline write.

``value/``: ``clv.parquet`` (per customer: segment and the lifetime-value columns),
``value.json`` (the fit, per-segment sums and medians, the out-of-time check) and
``charts/calibration.png|html``. ``audiences/``: :mod:`olistseg.value.audiences`.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

from olistseg.atomic import atomic_path, write_json
from olistseg.segments.charts import save_chart
from olistseg.segments.pipeline import features_as_of, score_summary, write_segment_table
from olistseg.segments.segmenter import Segmenter, check_features
from olistseg.validation.replay import windows
from olistseg.value.audiences import (
    build_audiences,
    customer_contacts,
    recent_issues,
    write_audiences,
)
from olistseg.value.check import check_forecasts
from olistseg.value.clv import DISCOUNT_RATE, HORIZONS_DAYS, VALUE_MONTHS, customer_summary
from olistseg.value.scorer import (
    SAMPLE_SEED,
    SCORE_COLUMNS,
    SCORER_FILE,
    SCORER_TARGETING,
    ValueScorer,
    fit_scorer,
)
from olistseg.value.targeting import compare_targeting
from olistseg.warehouse.info import connect
from olistseg.warehouse.sample import CHECK_SAMPLE_CUSTOMERS, sampled_customers

if TYPE_CHECKING:
    from collections.abc import Callable

    import duckdb

    Progress = Callable[[str, int, int], None]


def score_value(
    con: duckdb.DuckDBPyConnection,
    model_dir: Path,
    as_of: dt.datetime | None = None,
    targeting: str = "rfm",
) -> tuple[pd.DataFrame, ValueScorer, dt.datetime, Segmenter]:
    """Every customer known at ``as_of``: segment (the saved model, no refit), lifetime value
    and the ``targeting`` score (:func:`olistseg.value.scorer.fit_scorer`, fitted at ``as_of``).
    Indexed by ``customer_unique_id``; the columns ``segment_id``, ``segment_name`` and
    :data:`olistseg.value.scorer.SCORE_COLUMNS`.

    With too few repeat customers the value columns are NaN and ``scorer.skipped`` says why."""
    segmenter = Segmenter.load(model_dir)
    features, as_of = features_as_of(con, as_of)
    table = pd.DataFrame({"segment_id": segmenter.predict(features)}, index=features.index)
    table["segment_name"] = table["segment_id"].map(segmenter.names_["segment_name"])
    summary = customer_summary(con, as_of, features.index)
    scorer = fit_scorer(con, as_of, features, summary, targeting=targeting)
    table = table.join(scorer.score(features, summary))
    return table, scorer, as_of, segmenter


def score_customers(
    model_dir: Path,
    warehouse: Path,
    out: Path,
    as_of: dt.datetime | None = None,
    value_model: Path | None = None,
    targeting: str = "rfm",
) -> dict:
    """``olistseg score --value``: every customer known at ``as_of`` with their segment (the
    saved model), lifetime value and targeting score, written to ``out`` (``.csv`` or
    ``.parquet``) in one pass over the features.

    ``value_model`` applies a saved :class:`ValueScorer` (``value_model.json`` of ``olistseg
    value``, or of an earlier ``score --value``); without it one is fitted at ``as_of`` with
    ``targeting`` and saved beside ``out`` (``<out>.value_model.json``). Returns the
    summary of :func:`olistseg.segments.pipeline.score` plus the value totals."""
    scorer = ValueScorer.load(value_model) if value_model is not None else None
    segmenter = Segmenter.load(model_dir)
    with connect(warehouse) as con:
        features, as_of = features_as_of(con, as_of)
        check_features(features)
        summary = customer_summary(con, as_of, features.index)
        if scorer is None:
            scorer = fit_scorer(con, as_of, features, summary, targeting=targeting)
    table = segmenter.segment_table(features, segmenter.predict(features))
    scores = scorer.score(features, summary)
    del summary
    rows = scores.index.get_indexer(table["customer_unique_id"])  # one lookup, every column
    for column in SCORE_COLUMNS:
        table[column] = scores[column].to_numpy()[rows]
    del scores, features
    write_segment_table(table, out)
    saved = None
    if value_model is None:
        saved = out.with_name(out.name + ".value_model.json")
        scorer.save(saved)
    return score_summary(segmenter, as_of, table) | {
        "value_model_as_of": scorer.as_of,
        "value_model": str(saved or value_model),
        "targeting": scorer.targeting,
        "value_skipped": scorer.skipped,
        "expected_value_12m": _total(table["expected_value_12m"], 2),
        "fit": scorer.fit,
    }


def segment_value(table: pd.DataFrame, names: pd.DataFrame) -> list[dict]:
    """Per segment: customers, the sum and median expected value, median probability alive,
    expected occasions in a year, and the share of all expected value."""
    if table["expected_value_12m"].isna().all():
        return []
    total = float(table["expected_value_12m"].sum())
    rows = []
    for segment_id, group in table.groupby("segment_id", sort=True):
        value = group["expected_value_12m"]
        rows.append(
            {
                "segment_id": int(segment_id),
                "segment_key": str(names.loc[segment_id, "segment_key"]),
                "segment_name": str(names.loc[segment_id, "segment_name"]),
                "segment_qualifier": names.loc[segment_id].get("qualifier"),
                "segment_rank": int(names.loc[segment_id].get("rank") or 0),
                "customers": len(group),
                "expected_value_12m": round(float(value.sum()), 2),
                "median_expected_value_12m": round(float(value.median()), 4),
                "mean_expected_value_12m": round(float(value.mean()), 4),
                "share_expected_value": round(float(value.sum()) / total, 4) if total else None,
                "median_probability_alive": round(float(group["probability_alive"].median()), 4),
                # the mean chance is the share of the segment expected to buy within 12 months
                "chance_to_buy_12m": round(float(group["probability_purchase_365d"].mean()), 4),
                "expected_occasions_365d": round(float(group["expected_occasions_365d"].sum()), 1),
            }
        )
    return rows


def _parameters(fit: dict) -> dict | None:
    if "bg_nbd" not in fit:
        return None
    return {"bg_nbd": fit["bg_nbd"], "gamma_gamma": fit["gamma_gamma"]}


def _total(values: pd.Series, digits: int) -> float | None:
    return None if values.isna().all() else round(float(values.sum()), digits)


def calibration_chart(check: dict) -> alt.LayerChart:
    """Mean predicted against mean actual occasions per decile of prediction, each origin."""
    rows = []
    for origin in check["origins"]:
        for d in origin["calibration"]:
            for kind, column in (("BG/NBD", "mean_predicted"), ("actual", "mean_actual")):
                rows.append(
                    {
                        "origin": origin["origin"][:10],
                        "decile": d["decile"],
                        "series": kind,
                        "occasions": d[column],
                    }
                )
    frame = pd.DataFrame(rows)
    base = alt.Chart(frame, title="Predicted and actual occasions per customer, by decile")
    return (
        base.mark_line(point=True)
        .encode(
            x=alt.X("decile:O", title="decile of predicted occasions (10 = highest)"),
            y=alt.Y("occasions:Q", title="mean occasions per customer in the horizon"),
            color=alt.Color("origin:N", title="origin"),
            strokeDash=alt.StrokeDash("series:N", title="series"),
        )
        .properties(width=420, height=280)
    )


def run_value(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    model_dir: Path,
    as_of: dt.datetime | None = None,
    limit: dt.datetime | None = None,
    n_origins: int = 4,
    progress: Progress | None = None,
) -> dict:
    """Fit and score lifetime value at ``as_of``, check it out of time at the validation
    origins (windows ending by ``limit``), compare the targeting scores there
    (:mod:`olistseg.value.targeting`, reusing the check's BG/NBD fits) and write ``folder``.
    Returns ``value.json``."""

    started = time.perf_counter()
    if progress:
        progress("lifetime value: fit and score", 0, 1)
    found, forecasts = windows(con, limit, n_origins=n_origins), {}
    # the out-of-time checks estimate errors and AUCs per customer: above
    # CHECK_SAMPLE_CUSTOMERS a seeded sample of customers estimates them (warehouse.sample)
    with sampled_customers(con, CHECK_SAMPLE_CUSTOMERS, SAMPLE_SEED) as checked_on:
        check = check_forecasts(con, found, progress=progress, frames=forecasts)
        if progress:
            progress("targeting scores: out-of-time comparison", 0, 1)
        targeting = compare_targeting(con, found, forecasts=forecasts)
    if progress:
        progress("lifetime value and targeting score: fit and score", 0, 1)
    # every customer gets the champion's score, where a saved model can hold it
    held = targeting["champion"] if targeting["champion"] in SCORER_TARGETING else "rfm"
    scoring_started = time.perf_counter()
    table, scorer, as_of, segmenter = score_value(con, model_dir, as_of, targeting=held)
    scoring_seconds = round(time.perf_counter() - scoring_started, 3)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(folder / "clv.parquet") as tmp:
        table.reset_index().to_parquet(tmp, index=False)
    scorer.save(folder / SCORER_FILE)
    if check["origins"]:
        save_chart(calibration_chart(check), folder / "charts", "calibration")
    payload = {
        "as_of": as_of.isoformat(sep=" "),
        "skipped": scorer.skipped,
        "method": "BG/NBD (pymc-marketing BetaGeoModel) and Gamma-Gamma, MAP, default priors",
        "unit": "purchase occasions (orders within 24 hours are one)",
        "horizons_days": list(HORIZONS_DAYS),
        "value_months": VALUE_MONTHS,
        "discount_rate_monthly": DISCOUNT_RATE,
        "customers": len(table),
        "repeat_customers": scorer.fit.get("repeat_customers"),
        "parameters": _parameters(scorer.fit),
        "expected_occasions_365d": _total(table["expected_occasions_365d"], 1),
        "expected_value_12m": _total(table["expected_value_12m"], 2),
        "segments": segment_value(table, segmenter.names_),
        "out_of_time": check,
        "targeting": targeting,
        "sample": None
        if not (scorer.fit.get("sample") or checked_on)
        else {"fit": scorer.fit.get("sample"), "checks": checked_on},
        "columns": list(SCORE_COLUMNS),
        "scorer": {
            "file": SCORER_FILE,
            "targeting": scorer.targeting,
            "horizon_days": scorer.horizon_days,
        },
        "seconds": {
            "fit_and_score": scoring_seconds,
            "total": round(time.perf_counter() - started, 3),
        },
    }
    write_json(folder / "value.json", payload)
    return payload


def run_audiences(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    model_dir: Path,
    as_of: dt.datetime | None = None,
    fmt: str = "csv",
    value: pd.DataFrame | None = None,
) -> dict:
    """Score at ``as_of`` (with lifetime value, unless ``value`` gives it: a ``clv.parquet``
    table) and write one audience per segment plus the suppressed list into ``folder``."""
    if value is None:
        table, _, as_of, segmenter = score_value(con, model_dir, as_of)
    else:
        segmenter = Segmenter.load(model_dir)
        table = value
        as_of = as_of or dt.datetime.fromisoformat(str(value.attrs["as_of"]))
    scored = table.reset_index()[["customer_unique_id", "segment_id"]]
    audiences, suppressed = build_audiences(
        scored, segmenter.names_, recent_issues(con, as_of), customer_contacts(con, as_of), table
    )
    return write_audiences(folder, audiences, suppressed, segmenter.names_, as_of, fmt)


def read_value_table(folder: Path) -> pd.DataFrame:
    """``clv.parquet`` of a value folder, indexed by customer, ``attrs['as_of']`` set."""

    table = pd.read_parquet(folder / "clv.parquet").set_index("customer_unique_id")
    table.attrs["as_of"] = json.loads((folder / "value.json").read_text())["as_of"]
    return table
