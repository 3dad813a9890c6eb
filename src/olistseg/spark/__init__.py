"""Apache Spark engine: the same SQL files, features and segmentation for data beyond one machine.

``olistseg kpi|segment|score --engine spark`` run here. The SQL is the DuckDB source of truth,
transpiled by sqlglot (:mod:`olistseg.sql.spark`); features are a Spark DataFrame; the models
are Spark MLlib's (KMeans, BisectingKMeans, GaussianMixture); outputs are Parquet.

PySpark is imported only inside these modules, so the DuckDB path never needs Java. May import:
``stability`` and everything below.
"""
