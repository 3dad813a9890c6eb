"""``olistseg segment`` and ``olistseg score`` as functions: from a warehouse to files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import duckdb
import pandas as pd

from olistseg.atomic import atomic_path, write_json
from olistseg.features.build import customer_features
from olistseg.i18n import why_text
from olistseg.kpi.run import check_as_of
from olistseg.models.candidates import ALGORITHMS
from olistseg.models.preprocessing import model_input
from olistseg.segments import charts
from olistseg.segments.segmenter import ProgressCallback, Segmenter, check_features
from olistseg.warehouse.info import connect
from olistseg.warehouse.now import default_as_of


def parse_k_range(text: str) -> range:
    """``"2-12"`` -> range(2, 13); ``"5"`` -> range(5, 6)."""
    try:
        low, _, high = text.partition("-")
        low_k, high_k = int(low), int(high or low)
    except ValueError as exc:
        raise ValueError(f"--k-range {text!r}: expected LOW-HIGH, e.g. 2-12") from exc
    if not 2 <= low_k <= high_k:
        raise ValueError(f"--k-range {text!r}: need 2 <= LOW <= HIGH")
    return range(low_k, high_k + 1)


def features_as_of(
    con: duckdb.DuckDBPyConnection, as_of: dt.datetime | None = None
) -> tuple[pd.DataFrame, dt.datetime]:
    """The customer features as of ``as_of`` (default: the last purchase), and that date.

    An ``as_of`` before the first purchase is refused; one after the last is warned about.
    """
    as_of = as_of or default_as_of(con)
    check_as_of(con, as_of)
    return customer_features(con, as_of), as_of


def features_from_warehouse(
    warehouse: Path, as_of: dt.datetime | None = None
) -> tuple[pd.DataFrame, dt.datetime]:
    """:func:`features_as_of` from a warehouse file, closed again before any model work:
    DuckDB keeps its buffers while a connection is open."""

    with connect(warehouse) as con:
        return features_as_of(con, as_of)


class OutOfTimeValue(Protocol):
    """What the selection rule reads of the out-of-time windows: the RFM scoring's median AUC,
    and a candidate's median AUC with the upper bound of its paired interval against RFM. The
    validation layer, above this one, provides it
    (:class:`olistseg.validation.replay.OutOfTimeHistory`); the caller passes it in."""

    rfm_auc: float | None

    def against_rfm(self, algorithm: str, k: int | None) -> tuple[float | None, float | None]: ...

    def to_dict(self) -> dict: ...


#: Reads the out-of-time windows that end by ``as_of``: ``(con, as_of, preset, seed)`` ->
#: :class:`OutOfTimeValue`, or None without a usable window
#: (:func:`olistseg.validation.replay.history`).
OutOfTimeSource = Callable[
    [duckdb.DuckDBPyConnection, dt.datetime, str, int], OutOfTimeValue | None
]


def segment_warehouse(
    warehouse: Path,
    out: Path,
    as_of: dt.datetime | None = None,
    out_of_time: OutOfTimeSource | None = None,
    **options: object,
) -> dict:
    """:func:`segment` on a warehouse file; ``options`` as :func:`segment`'s. Returns its summary.

    The features (and the out-of-time windows, from ``out_of_time``) are read first and the
    warehouse closed before any model is fitted.
    """

    with connect(warehouse) as con:
        features, as_of = features_as_of(con, as_of)
        oot = (
            None
            if out_of_time is None
            else out_of_time(
                con,
                as_of,
                str(options.get("preset", "rfm_satisfaction")),
                int(options.get("seed", 42)),
            )
        )
    return segment(None, out, as_of, features=features, out_of_time=oot, **options)


def chosen_configuration(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.datetime | None = None,
    preset: str = "rfm_satisfaction",
    seed: int = 42,
    out_of_time: OutOfTimeSource | None = None,
    progress: ProgressCallback | None = None,
) -> dict:
    """The configuration ``olistseg segment`` would choose with these options (every default
    candidate, the same out-of-time windows from ``out_of_time``), without writing anything:
    ``algorithm``, ``k`` and the ``selection_reason``. ``olistseg stability`` without
    ``--model`` measures it."""
    features, as_of = features_as_of(con, as_of)
    oot = None if out_of_time is None else out_of_time(con, as_of, preset, seed)
    segmenter = Segmenter(preset=preset, seed=seed)
    segmenter.fit(
        features,
        progress=progress,
        value=None if oot is None else oot.against_rfm,
        baseline=None if oot is None else oot.rfm_auc,
    )
    return {
        "algorithm": segmenter.chosen_.algorithm,
        "k": len(segmenter.names_),
        "selection_reason": segmenter.selection_reason_,
        "as_of": as_of.isoformat(sep=" "),
    }


def score_warehouse(
    model_dir: Path, warehouse: Path, out: Path, as_of: dt.datetime | None = None
) -> dict:
    """:func:`score` on a warehouse file. Returns its summary."""
    features, as_of = features_from_warehouse(warehouse, as_of)
    return score(model_dir, None, out, as_of, features=features)


def segment(
    con: duckdb.DuckDBPyConnection | None,
    out: Path,
    as_of: dt.datetime | None = None,
    preset: str = "rfm_satisfaction",
    algorithms: list[str] | None = None,
    k_range: range = range(2, 13),
    seed: int = 42,
    with_stability: bool = True,
    progress: ProgressCallback | None = None,
    features: pd.DataFrame | None = None,
    out_of_time: OutOfTimeValue | OutOfTimeSource | None = None,
    with_charts: bool = True,
) -> dict:
    """Fit and select a segmentation; write every output of ``olistseg segment`` into ``out``.

    ``out_of_time`` scores candidates on what customers did after earlier origins: an
    :class:`OutOfTimeValue`, or an :data:`OutOfTimeSource` read with ``con`` (the API and the
    run pass :func:`olistseg.validation.replay.history`: the validation windows that end by
    ``as_of``); None: separation alone.

    Returns the summary: ``as_of``, ``customers``, the ``chosen`` candidate's scores, the
    ``selection_reason``, each segment's profile (``segments``) and the fit time.

    ``with_charts=False`` leaves out ``charts/`` (the t-SNE alone is 4-6 s): for schedulers that
    only need the segments and the model.

    ``features`` (computed as of ``as_of``) may be given instead of ``con``: the CLI closes the
    warehouse before fitting, so DuckDB's buffers are not held while the model is fitted.
    """
    if features is None:
        features, as_of = features_as_of(con, as_of)
    elif as_of is None:
        raise ValueError("give as_of with precomputed features")
    check_features(features)
    oot = out_of_time
    if oot is not None and not hasattr(oot, "against_rfm"):  # a source: read the windows
        oot = None if con is None else oot(con, as_of, preset, seed)
    segmenter = Segmenter(
        preset=preset,
        k_range=k_range,
        seed=seed,
        with_stability=with_stability,
        **({"algorithms": algorithms} if algorithms else {}),
    )
    segmenter.fit(
        features,
        progress=progress,
        value=None if oot is None else oot.against_rfm,
        baseline=None if oot is None else oot.rfm_auc,
    )
    out.mkdir(parents=True, exist_ok=True)
    as_of_text = as_of.isoformat(sep=" ")
    with atomic_path(out / "features.parquet") as tmp:
        features.to_parquet(tmp)
    table = segmenter.segment_table(features, segmenter.training_labels_)
    write_segment_table(table, out / "segments.csv")
    segmenter.save(out / "model", as_of=as_of_text)
    candidates = [c.to_dict() for c in segmenter.scores_]
    write_json(
        out / "selection.json",
        {
            "as_of": as_of_text,
            "preset": preset,
            "customers": len(features),
            "rule": segmenter.rule.to_dict(),
            "rule_text": _rule_text(segmenter),
            "selection_reason": segmenter.selection_reason_,
            "why_not_highest_silhouette": why_text("en", segmenter.why_chosen_),
            "why_not_highest_silhouette_record": segmenter.why_chosen_,
            "out_of_time": None if oot is None else oot.to_dict(),
            "silhouette_seconds": segmenter.silhouette_seconds_,
            "silhouette_method": segmenter.silhouette_method_,
            "chosen": segmenter.chosen_.to_dict(),
            "candidates": candidates,
            "algorithm_notes": {
                n: ALGORITHMS[n].note
                for n in {c["algorithm"] for c in candidates}
                if ALGORITHMS[n].note
            },
        },
    )
    profiles = profiles_payload(segmenter)
    write_json(out / "profiles.json", profiles)
    if with_charts:
        _write_charts(segmenter, features, candidates, out / "charts", seed)
    return segment_summary(
        as_of=as_of_text,
        customers=len(features),
        chosen=segmenter.chosen_.to_dict(),
        selection_reason=segmenter.selection_reason_,
        segments=profiles["segments"],
        silhouette_method=segmenter.silhouette_method_,
        fit_seconds=segmenter.fit_seconds_,
    )


def segment_summary(
    *,
    as_of: str,
    customers: int,
    chosen: dict,
    selection_reason: str,
    segments: list[dict],
    silhouette_method: dict | None,
    **details: object,
) -> dict:
    """What a segmentation reports, whichever engine fitted it: the DuckDB engine returns it
    from :func:`segment`, the Spark engine writes it as its ``selection.json``. ``segments``
    as :func:`profiles_payload`; ``details`` (fit time, engine, preset) follow."""
    return {
        "as_of": as_of,
        "customers": customers,
        "chosen": chosen,
        "selection_reason": selection_reason,
        "segments": segments,
        "silhouette_method": silhouette_method,
        **details,
    }


def _write_charts(
    segmenter: Segmenter, features: pd.DataFrame, candidates: list[dict], chart_dir: Path, seed: int
) -> None:
    """``charts/``: metrics against k, segment sizes, the profile heat map, PCA and t-SNE."""
    X = segmenter.preprocessor_.transform(model_input(features, segmenter.preset))
    labels, names = segmenter.training_labels_, segmenter.names_
    charts.save_chart(charts.metric_curves(candidates), chart_dir, "metrics_vs_k")
    charts.save_chart(charts.segment_sizes(segmenter.profiles_, names), chart_dir, "segment_sizes")
    charts.save_chart(
        charts.profile_heatmap(segmenter.profiles_, names), chart_dir, "profile_heatmap"
    )
    charts.save_chart(charts.projection(X, labels, names, seed), chart_dir, "projection")
    charts.save_chart(charts.tsne_projection(X, labels, names, seed), chart_dir, "tsne")


def _rule_text(segmenter: Segmenter) -> str:
    r = segmenter.rule
    return (
        f"Eligible: {r.min_k}-{r.max_k} segments, largest segment <= {r.max_segment_share:.0%} and "
        f"smallest >= {r.min_segment_share:.0%} of customers, bootstrap stability (ARI) >= "
        f"{r.min_stability}, noise <= {r.max_noise_share:.0%}, every segment its own action, and "
        "an out-of-time AUC of repurchase not below the standard RFM scoring's beyond sampling noise "
        "(non-inferiority: the upper bound of the paired 95% bootstrap interval of the AUC "
        "difference, median over the origins, at least 0). The AUC: the "
        "candidate is refitted at each validation origin (every 3 months back from the last "
        "180-day window that ends by the training date) and scored on who bought again over "
        "the next 180 days; the median over the origins counts. "
        f"Highest combined score wins: {1 - r.value_weight:g} x separation (silhouette and "
        f"Davies-Bouldin, scaled over the eligible) + {r.value_weight:g} x that AUC's lift "
        "over chance as a share of the RFM scoring's, (AUC - 0.5) / (AUC_RFM - 0.5), if it "
        "reproduces: refits with 2 other "
        "seeds on all customers (on a seeded sample of 200,000 above that size) agree with it "
        f"(mean ARI >= {r.min_reproducibility}); otherwise "
        "the next one is checked. If none is eligible the rule relaxes the RFM bar first, then "
        "stability, then the largest-segment cap, then distinct actions, then the number of "
        "segments."
    )


def profiles_payload(segmenter: Segmenter) -> dict:
    """``profiles.json``: each segment's name, action, rule, size, shares and feature stats.

    Reads only ``profiles_`` and ``names_``, which the Spark engine's segmenter has too.
    """
    segments = []
    for segment_id, row in segmenter.profiles_.iterrows():
        names = segmenter.names_.loc[segment_id]
        features = {}
        for column in row.index:
            if column.endswith("_mean"):
                base = column[: -len("_mean")]
                features[base] = {
                    stat: None
                    if pd.isna(row[f"{base}_{stat}"])
                    else round(float(row[f"{base}_{stat}"]), 6)
                    for stat in ("mean", "median", "lift", "z")
                }
        segments.append(
            {
                "segment_id": int(segment_id),
                "name": names.segment_name,
                "key": names.segment_key,
                "qualifier": names.qualifier,
                "rank": int(names["rank"]),
                "action": names.action,
                "rule": names.rule,
                "size": int(row["size"]),
                "share_customers": round(float(row["share_customers"]), 6),
                "share_revenue": round(float(row["share_revenue"]), 6),
                "features": features,
            }
        )
    return {"segments": segments}


def write_segment_table(table: pd.DataFrame, out: Path) -> None:
    """Write a segment table atomically: Parquet when ``out`` ends in ``.parquet``, else CSV.

    The CSV is written by DuckDB (floats as ``%.6f``, missing values empty, quotes only where
    needed, as pandas' ``to_csv`` would): 10 million rows in seconds instead of minutes.
    """
    with atomic_path(out) as tmp:
        if out.suffix == ".parquet":
            table.to_parquet(tmp, index=False)
            return
        columns = []
        for name, dtype in table.dtypes.items():
            ident = '"' + str(name).replace('"', '""') + '"'
            if pd.api.types.is_float_dtype(dtype):
                columns.append(f"printf('%.6f', {ident}) AS {ident}")
            else:
                columns.append(ident)
        con = duckdb.connect()
        try:
            con.register("segment_table", table)
            target = str(tmp).replace("'", "''")
            con.execute(
                f"COPY (SELECT {', '.join(columns)} FROM segment_table) TO '{target}' "
                "(FORMAT csv, HEADER true, QUOTE '\"', NEW_LINE '\\n')"
            )
        finally:
            con.close()


def score(
    model_dir: Path,
    con: duckdb.DuckDBPyConnection | None,
    out: Path,
    as_of: dt.datetime | None = None,
    features: pd.DataFrame | None = None,
) -> dict:
    """Assign every customer known at ``as_of`` to a segment with the saved model (no refit).

    Writes the segment table to ``out`` (``.csv`` or ``.parquet``); returns ``as_of``, the
    model's training date, the number of customers and the customers per segment.

    As :func:`segment`, ``features`` computed as of ``as_of`` may replace ``con``.
    """
    segmenter = Segmenter.load(model_dir)
    if features is None:
        features, as_of = features_as_of(con, as_of)
    elif as_of is None:
        raise ValueError("give as_of with precomputed features")
    check_features(features)
    labels = segmenter.predict(features)
    table = segmenter.segment_table(features, labels)
    write_segment_table(table, out)
    return score_summary(segmenter, as_of, table)


def score_summary(segmenter: Segmenter, as_of: dt.datetime, table: pd.DataFrame) -> dict:
    """What a score reports of a written segment ``table``: ``as_of``, the model's training
    date and the days since, the customers and the customers per segment."""
    counts = table["segment_name"].value_counts().to_dict()
    trained = segmenter.saved_metadata_.get("as_of")
    days = (as_of - dt.datetime.fromisoformat(trained)).days if trained else None
    return {
        "as_of": as_of.isoformat(sep=" "),
        "model_as_of": trained,
        "days_after_training": days,
        "customers": len(table),
        "segments": {k: int(v) for k, v in counts.items()},
    }
