"""The Spark engine (local mode) against the DuckDB engine on the same synthetic Parquet data.

CI installs a Java runtime (``.ci/run``) and PySpark comes from PyPI, so these run there; on a
machine without Java they skip and say so (under CI they fail: see conftest.STRICT).
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from typer.testing import CliRunner

from olistseg.cli import app
from olistseg.data.synthetic import SyntheticConfig, write
from olistseg.errors import InputError
from olistseg.features.build import NUMERIC_FEATURES, customer_features
from olistseg.kpi.catalog import compose, kpi_catalog
from olistseg.kpi.run import KpiParams, run_kpis
from olistseg.models.preprocessing import make_preprocessor, model_input
from olistseg.sql import read_sql
from olistseg.warehouse.info import connect
from olistseg.warehouse.load import load

from .conftest import missing_prerequisite

if importlib.util.find_spec("pyspark") is None:
    missing_prerequisite("PySpark is not installed (pip install -e '.[dev]')", module_level=True)
if shutil.which("java") is None:
    missing_prerequisite(
        "no Java runtime: Spark needs one (apt-get install openjdk-17-jre-headless)",
        module_level=True,
    )

from olistseg.spark.features import spark_customer_features
from olistseg.spark.kpi import run_spark_kpis
from olistseg.spark.segment import SparkPreprocessor, SparkSegmenter
from olistseg.spark.session import spark_session
from olistseg.spark.tables import register_source
from olistseg.sql.spark import to_spark


@pytest.fixture(scope="module")
def parquet_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6,000 synthetic customers as Parquet, written in 3 chunks (the 10M path's writer).

    The planted groups sit 5x further apart than the calibrated ones: the k-means problem then
    has one clear optimum, so a disagreement between MLlib and scikit-learn is an
    implementation difference, not two local optima (calibrated data has several).
    """
    folder = tmp_path_factory.mktemp("spark_data")
    write(
        SyntheticConfig(customers=6_000, seed=11, file_format="parquet", group_separation=5.0),
        folder,
        chunk_customers=2_000,
    )
    return folder


@pytest.fixture(scope="module")
def warehouse(parquet_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spark_wh") / "olist.duckdb"
    load(parquet_data, path)
    return path


@pytest.fixture(scope="module")
def duck(warehouse: Path):
    with connect(warehouse) as con:
        yield con


@pytest.fixture(scope="module")
def spark(parquet_data: Path):
    session = spark_session("local[2]")
    register_source(session, data=str(parquet_data))
    return session


@pytest.fixture(scope="module")
def spark_features(spark):
    """The Spark features, computed once: every uncached action would rerun the feature SQL.
    Two partitions, one per core of local[2]: an MLlib iteration is one job, and 8 tiny tasks
    per job cost more than the arithmetic (bisecting k-means 26 s -> 20 s)."""
    frame = spark_customer_features(spark).coalesce(2).cache()
    frame.count()
    yield frame
    frame.unpersist()


@pytest.fixture(scope="module")
def cli_segmentation(parquet_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``olistseg segment --engine spark`` (k-means, k=4) once, read by the tests below."""
    out = tmp_path_factory.mktemp("spark_cli") / "seg"
    result = CliRunner().invoke(
        app,
        [
            "segment",
            "--engine",
            "spark",
            "--spark-master",
            "local[2]",
            "--data",
            str(parquet_data),
            "--out",
            str(out),
            "--algorithms",
            "kmeans",
            "--k-range",
            "4",
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def test_every_sql_file_transpiles_to_spark_without_duckdb_parameters() -> None:
    for model in kpi_catalog().values():
        sql = to_spark(compose(model))
        assert "$" not in sql and "quantile_cont" not in sql.lower(), model.name
    assert ":as_of" in to_spark(read_sql("features", "customer_features"))


def test_kpi_answers_are_identical_on_spark_and_duckdb(spark, duck) -> None:
    params = KpiParams(date_from=None, state=None)
    as_of, duck_results = run_kpis(duck, params)
    spark_as_of, spark_results = run_spark_kpis(spark, params)
    assert spark_as_of == as_of
    assert set(spark_results) == set(duck_results)
    compared = 0
    for name, expected in duck_results.items():
        got = spark_results[name]
        assert got.columns == expected.columns, name
        assert len(got.rows) == len(expected.rows), name
        for row_expected, row_got in zip(expected.rows, got.rows, strict=True):
            assert all(_same(a, b) for a, b in zip(row_expected, row_got, strict=True)), (
                name,
                row_expected,
                row_got,
            )
            compared += 1
    assert compared > 1_000  # the answers are not empty


def test_kpi_filters_give_identical_answers(spark, duck) -> None:
    params = KpiParams(state="SP", category="health_beauty")
    only = ["orders_gmv", "late_rate_by_state", "delivery_time", "review_score_mix"]
    _, expected = run_kpis(duck, params, only)
    _, got = run_spark_kpis(spark, params, only)
    for name in only:
        assert len(got[name].rows) == len(expected[name].rows) > 0
        for a_row, b_row in zip(expected[name].rows, got[name].rows, strict=True):
            assert all(_same(a, b) for a, b in zip(a_row, b_row, strict=True)), name


def test_spark_features_equal_duckdb_features_to_1e9(spark_features, duck) -> None:
    expected = customer_features(duck)
    got = spark_features.toPandas().set_index("customer_unique_id").sort_index()
    assert list(got.index) == list(expected.index)
    assert (got["customer_state"] == expected["customer_state"]).all()
    for column in NUMERIC_FEATURES:
        a = expected[column].to_numpy(dtype=float)
        b = got[column].to_numpy(dtype=float)
        assert (np.isnan(a) == np.isnan(b)).all(), column
        kept = ~np.isnan(a)
        np.testing.assert_allclose(b[kept], a[kept], rtol=1e-9, atol=1e-9, err_msg=column)


def test_a_validated_warehouse_is_handed_to_spark(warehouse: Path, duck, parquet_data) -> None:
    """--warehouse: the loader's validated tables, exported to Parquet, give the same features."""
    session = spark_session("local[2]")
    export = register_source(session, warehouse=warehouse)
    try:
        got = spark_customer_features(session).toPandas().set_index("customer_unique_id")
        expected = customer_features(duck)
        assert sorted(got.index) == list(expected.index)
        np.testing.assert_allclose(
            got.loc[expected.index, "monetary"], expected["monetary"], rtol=1e-9
        )
    finally:
        register_source(session, data=str(parquet_data))  # the other tests' views again
        export.cleanup()


def test_spark_preprocessing_equals_scikit_learn(spark_features, duck) -> None:
    features = customer_features(duck)
    pipeline = make_preprocessor("rfm_satisfaction").fit(model_input(features, "rfm_satisfaction"))
    prep = SparkPreprocessor("rfm_satisfaction").fit(spark_features)
    fitted = pipeline.named_steps["columns"]
    names = list(fitted.get_feature_names_out())
    for column in prep.mean:
        j = names.index(column)
        assert math.isclose(prep.impute[column], fitted.imputation(column), rel_tol=1e-12)
        assert math.isclose(
            prep.mean[column], float(fitted.scaler_.mean_[j]), rel_tol=1e-9, abs_tol=1e-12
        )
        assert math.isclose(prep.scale[column], float(fitted.scaler_.scale_[j]), rel_tol=1e-9)


def test_spark_kmeans_agrees_with_scikit_learn(cli_segmentation: Path, duck) -> None:
    """ARI between the MLlib (through the CLI) and scikit-learn k-means segmentations of the
    same customers."""
    features = customer_features(duck)
    X = make_preprocessor("rfm_satisfaction").fit_transform(
        model_input(features, "rfm_satisfaction")
    )
    sk_labels = KMeans(4, n_init=10, random_state=0).fit_predict(X)
    scored = pd.read_parquet(cli_segmentation / "segments.parquet")
    scored = scored.set_index("customer_unique_id").loc[features.index]
    ari = adjusted_rand_score(sk_labels, scored["segment_id"])
    assert ari >= 0.9, ari
    sizes = scored["segment_id"].value_counts().sort_index().to_numpy()
    assert (np.diff(sizes) <= 0).all()  # segment 0 is the largest
    selection = json.loads((cli_segmentation / "selection.json").read_text())
    assert selection["silhouette_method"]["method"] == "exact"


@pytest.mark.parametrize("algorithm", ["bisecting_kmeans", "gmm"])
def test_other_mllib_algorithms_fit_and_name_segments(spark_features, algorithm: str) -> None:
    model = SparkSegmenter(algorithm, 3, "rfm", seed=1, n_init=1).fit(spark_features)
    # A mixture component can end up with no customer (seen in CI): fewer segments, never more.
    assert 2 <= len(model.names_) == len(model.label_map_) <= 3
    assert model.names_["segment_name"].is_unique
    assert model.profiles_["size"].sum() == model.training_size_
    assert -1.0 <= model.silhouette_ <= 1.0


def test_a_label_no_training_customer_had_goes_to_the_nearest_segment(spark) -> None:
    """An empty mixture component at training: new customers predicted into it still get the
    segment whose centroid is nearest, never a missing id."""
    from pyspark.ml.linalg import Vectors

    model = SparkSegmenter()
    model.label_map_ = {0: 1, 2: 0}  # raw label 1 received nobody at training
    model.segment_centroids_ = [[10.0, 0.0], [0.0, 0.0]]
    frame = spark.createDataFrame(
        [
            (0, Vectors.dense([9.0, 0.0])),
            (1, Vectors.dense([8.0, 1.0])),
            (1, Vectors.dense([1.0, 1.0])),
            (2, Vectors.dense([0.0, 0.0])),
        ],
        ["raw_segment", "features"],
    )
    labelled = [row["segment_id"] for row in model._label(frame).collect()]
    assert labelled == [1, 0, 1, 0]


def test_cli_segment_and_score_on_spark_write_parquet(
    cli_segmentation: Path, parquet_data: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    out = cli_segmentation
    selection = json.loads((out / "selection.json").read_text())
    assert selection["engine"] == "spark" and selection["chosen"]["k"] == 4
    segments = pd.read_parquet(out / "segments.parquet")
    assert segments["customer_unique_id"].is_unique and set(segments["segment_id"]) == {0, 1, 2, 3}
    scores = tmp_path / "scores.parquet"
    result = runner.invoke(
        app,
        [
            "score",
            "--engine",
            "spark",
            "--spark-master",
            "local[2]",
            "--data",
            str(parquet_data),
            "--model",
            str(out / "model"),
            "--out",
            str(scores),
        ],
    )
    assert result.exit_code == 0, result.output
    scored = pd.read_parquet(scores).set_index("customer_unique_id").sort_index()
    trained = segments.set_index("customer_unique_id").sort_index()
    # Same as_of, same frozen model: every customer gets the segment it was trained into.
    assert (scored["segment_id"] == trained["segment_id"]).all()
    assert (scored["segment_name"] == trained["segment_name"]).all()


def test_cli_spark_needs_one_k_and_a_known_algorithm(parquet_data: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["segment", "--engine", "spark", "--data", str(parquet_data), "--out", str(tmp_path)]
    result = runner.invoke(app, [*base, "--k-range", "3-5"])
    assert isinstance(result.exception, InputError) and "one k" in str(result.exception)
    result = runner.invoke(app, [*base, "--algorithms", "dbscan", "--k-range", "4"])
    assert isinstance(result.exception, InputError)
    assert "kmeans, bisecting_kmeans, gmm" in str(result.exception)


def test_cli_show_sql_in_the_spark_dialect() -> None:
    result = CliRunner().invoke(app, ["kpi", "--show-sql", "delivery_time", "--dialect", "spark"])
    assert result.exit_code == 0
    assert "percentile(" in result.output.lower() and ":as_of" in result.output


@pytest.mark.parametrize("targeting", ["rfm", "bgnbd"])
def test_spark_lifetime_value_and_targeting_equal_duckdb_to_1e9(
    cli_segmentation: Path, parquet_data: Path, warehouse: Path, duck, tmp_path: Path, targeting
) -> None:
    """A value model fitted by the DuckDB engine and saved (JSON), applied by Spark partition
    by partition (``mapInPandas``), gives every customer DuckDB's lifetime value and targeting
    score to 1e-9."""
    from olistseg import api
    from olistseg.value.clv import customer_summary
    from olistseg.value.scorer import SCORE_COLUMNS, fit_scorer
    from olistseg.warehouse.now import default_as_of

    as_of = default_as_of(duck)
    features = customer_features(duck, as_of)
    scorer = fit_scorer(duck, as_of, features, targeting=targeting)
    assert scorer.targeting == targeting and scorer.value is not None
    saved = tmp_path / "value_model.json"
    scorer.save(saved)
    expected = scorer.score(features, customer_summary(duck, as_of, features.index))

    out = tmp_path / "scores.parquet"
    summary = api.score(
        cli_segmentation / "model",
        out,
        parquet_data,
        as_of=as_of,
        engine="spark",
        spark_master="local[2]",
        value_model=saved,
    )
    assert summary["targeting"] == targeting and summary["customers"] == len(features)
    scored = pd.read_parquet(out).set_index("customer_unique_id")
    assert list(scored.columns[-len(SCORE_COLUMNS) :]) == list(SCORE_COLUMNS)
    scored = scored.loc[expected.index, list(SCORE_COLUMNS)]
    assert scored["expected_value_12m"].notna().sum() > 0.9 * len(scored)
    np.testing.assert_allclose(
        scored.to_numpy(), expected.to_numpy(), rtol=1e-9, atol=1e-9, equal_nan=True
    )


def test_spark_scores_value_only_with_a_saved_model(cli_segmentation: Path, parquet_data, tmp_path):
    from olistseg import api

    with pytest.raises(InputError, match="--value-model"):
        api.score(
            cli_segmentation / "model",
            tmp_path / "s.parquet",
            parquet_data,
            engine="spark",
            value=True,
        )
