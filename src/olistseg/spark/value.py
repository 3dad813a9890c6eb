"""Lifetime value and the targeting score on Spark: a saved :class:`ValueScorer` applied to
each partition with ``mapInPandas``.

The lifetime-value models' inputs come from the same SQL file as DuckDB's
(``sql/features/customer_clv_summary.sql``, transpiled), the models are the ones fitted and
saved by the DuckDB engine (``value_model.json``: numbers only), and each partition runs the
same pandas code (:meth:`ValueScorer.score`, pymc-marketing's formulas) as DuckDB's path: the
two engines give the same numbers to 1e-9 (tested). Fitting stays on one machine: BG/NBD is
fitted on a sample of 200,000 customers above that size anyway.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict
from typing import TYPE_CHECKING

import pandas as pd

from olistseg.sql.models import composed
from olistseg.sql.spark import to_spark
from olistseg.value.scorer import SCORE_COLUMNS, ValueScorer

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: The summary's columns, renamed in the joined frame: ``frequency`` is also a feature.
SUMMARY_COLUMNS = {
    "frequency": "clv_frequency",
    "recency": "clv_recency",
    "T": "clv_T",
    "monetary_value": "clv_monetary_value",
}


def spark_customer_summary(spark: SparkSession, as_of: dt.datetime) -> DataFrame:
    """:func:`olistseg.value.clv.customer_summary` as a Spark DataFrame (every customer with
    a purchase occasion by ``as_of``; ``customer_unique_id`` is a column)."""
    sql = to_spark(composed("features", "customer_clv_summary"))
    return spark.sql(sql, args={"as_of": as_of.strftime("%Y-%m-%d %H:%M:%S")})


def score_partition(scorer: ValueScorer, frame: pd.DataFrame) -> pd.DataFrame:
    """One partition: the scored segment rows with the summary's ``clv_*`` columns in, the
    same rows with :data:`SCORE_COLUMNS` out (the ``clv_*`` columns dropped)."""
    indexed = frame.set_index("customer_unique_id", drop=False)
    known = indexed["clv_frequency"].notna()
    summary = indexed.loc[known, list(SUMMARY_COLUMNS.values())].rename(
        columns={v: k for k, v in SUMMARY_COLUMNS.items()}
    )
    summary.index.name = "customer_unique_id"
    scores = scorer.score(indexed, summary.astype("float64"))
    out = frame.drop(columns=list(SUMMARY_COLUMNS.values())).reset_index(drop=True)
    for column in SCORE_COLUMNS:
        out[column] = scores[column].to_numpy(dtype="float64")
    return out


def spark_value_scores(
    spark: SparkSession, scored: DataFrame, scorer: ValueScorer, as_of: dt.datetime
) -> DataFrame:
    """``scored`` (:meth:`SparkSegmenter.predict`: the id, segment and key features) with each
    customer's :data:`SCORE_COLUMNS`, computed partition by partition."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import DoubleType, StructField, StructType

    summary = spark_customer_summary(spark, as_of).select(
        "customer_unique_id",
        *[F.col(k).cast("double").alias(v) for k, v in SUMMARY_COLUMNS.items()],
    )
    joined = scored.join(summary, "customer_unique_id", "left")
    schema = StructType(
        [*scored.schema.fields, *[StructField(c, DoubleType(), True) for c in SCORE_COLUMNS]]
    )

    fields = {k: v for k, v in asdict(scorer).items() if not k.startswith("_")}

    def apply(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        # the numbers travel to the workers; each partition rebuilds the models once
        partition_scorer = ValueScorer(**fields)
        for frame in frames:
            yield score_partition(partition_scorer, frame)

    return joined.mapInPandas(apply, schema).orderBy("customer_unique_id")
