"""The customer feature table as a Spark DataFrame, from the same SQL file as DuckDB's."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from olistseg.spark.kpi import spark_default_as_of
from olistseg.sql.models import composed
from olistseg.sql.spark import to_spark

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def spark_customer_features(spark: SparkSession, as_of: dt.datetime | None = None) -> DataFrame:
    """Features of every customer as of ``as_of`` (default: last purchase), one row each.

    Columns as :func:`olistseg.features.build.customer_features` (``customer_unique_id`` is a
    column here, not an index); values equal DuckDB's to 1e-9 (tested).
    """
    as_of = as_of or spark_default_as_of(spark)
    sql = to_spark(composed("features", "customer_features"))
    frame = spark.sql(sql, args={"as_of": [as_of.strftime("%Y-%m-%d %H:%M:%S")]})
    return frame.drop("as_of")
