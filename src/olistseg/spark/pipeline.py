"""``olistseg kpi|segment|score --engine spark`` as functions: from tables to files."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from olistseg.atomic import write_json
from olistseg.kpi.run import KpiParams, KpiResult
from olistseg.segments.pipeline import profiles_payload, segment_summary
from olistseg.spark.features import spark_customer_features
from olistseg.spark.kpi import run_spark_kpis, spark_default_as_of
from olistseg.spark.segment import SparkSegmenter
from olistseg.spark.session import spark_session
from olistseg.spark.tables import register_source
from olistseg.spark.value import spark_value_scores
from olistseg.value.scorer import ValueScorer

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


@contextlib.contextmanager
def spark_tables(
    data: str | None, warehouse: Path | None, master: str | None
) -> Iterator[SparkSession]:
    """A session with the nine tables registered; a warehouse's export lives as long as this."""
    spark = spark_session(master)
    export = register_source(spark, data, warehouse)
    try:
        yield spark
    finally:
        if export is not None:
            export.cleanup()


def spark_kpi(
    data: str | None,
    warehouse: Path | None,
    master: str | None,
    params: KpiParams,
    only: list[str] | None,
) -> tuple[dt.datetime, dict[str, KpiResult]]:
    with spark_tables(data, warehouse, master) as spark:
        return run_spark_kpis(spark, params, only)


def _write_parquet(frame: DataFrame, out: str) -> None:
    """Write with Spark's own commit protocol: the folder appears complete or not at all."""
    frame.write.mode("overwrite").parquet(out)


def spark_segment(
    data: str | None,
    warehouse: Path | None,
    master: str | None,
    out: Path,
    as_of: dt.datetime | None,
    preset: str,
    algorithm: str,
    k: int,
    seed: int,
) -> dict:
    """Fit one MLlib model; write segments.parquet, model/, profiles.json, selection.json."""
    with spark_tables(data, warehouse, master) as spark:
        as_of = as_of or spark_default_as_of(spark)
        features = spark_customer_features(spark, as_of).cache()
        try:
            segmenter = SparkSegmenter(algorithm, k, preset, seed).fit(features)
            out.mkdir(parents=True, exist_ok=True)
            as_of_text = as_of.isoformat(sep=" ")
            segmenter.save(out / "model", as_of=as_of_text)
            _write_parquet(segmenter.predict(features), str(out / "segments.parquet"))
        finally:
            features.unpersist()
    segments = profiles_payload(segmenter)["segments"]
    write_json(out / "profiles.json", {"segments": segments})
    n_segments = len(segmenter.label_map_)
    chosen = {
        "algorithm": algorithm,
        "k": k,
        "n_clusters": n_segments,
        "silhouette": None if segmenter.silhouette_ is None else round(segmenter.silhouette_, 6),
        "stability_bootstrap": None,
    }
    reason = f"fixed: {algorithm} with k={k} (--engine spark fits one model)"
    if n_segments < k:
        reason += f"; only {n_segments} of the {k} components received customers"
    summary = segment_summary(
        as_of=as_of_text,
        customers=segmenter.training_size_,
        chosen=chosen,
        selection_reason=reason,
        segments=segments,
        silhouette_method=segmenter.silhouette_method_,
        engine="spark",
        preset=preset,
    )
    write_json(out / "selection.json", summary)
    return summary


def spark_score(
    model_dir: Path,
    data: str | None,
    warehouse: Path | None,
    master: str | None,
    out: str,
    as_of: dt.datetime | None,
    value_model: Path | None = None,
) -> dict:
    """Score every customer known at ``as_of`` with a saved Spark model; Parquet output.
    ``value_model`` (a saved :class:`ValueScorer`) adds lifetime value and the targeting
    score, computed partition by partition (:mod:`olistseg.spark.value`)."""
    scorer = None if value_model is None else ValueScorer.load(value_model)
    with spark_tables(data, warehouse, master) as spark:
        segmenter = SparkSegmenter.load(model_dir)
        as_of = as_of or spark_default_as_of(spark)
        scored = segmenter.predict(spark_customer_features(spark, as_of))
        if scorer is not None:
            scored = spark_value_scores(spark, scored, scorer, as_of)
        scored = scored.cache()
        try:
            _write_parquet(scored, out)
            counts = {
                r["segment_name"]: int(r["count"])
                for r in scored.groupBy("segment_name").count().collect()
            }
        finally:
            scored.unpersist()
    summary = {
        "as_of": as_of.isoformat(sep=" "),
        "model_as_of": segmenter.saved_metadata_.get("as_of"),
        "customers": sum(counts.values()),
        "segments": dict(sorted(counts.items(), key=lambda kv: -kv[1])),
    }
    if scorer is not None:
        summary |= {
            "value_model_as_of": scorer.as_of,
            "value_model": str(value_model),
            "targeting": scorer.targeting,
            "value_skipped": scorer.skipped,
        }
    return summary
