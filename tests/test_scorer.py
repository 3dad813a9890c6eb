"""Lifetime value and the targeting score for every customer: the SQL summary, the saved model
(``value_model.json``), ``olistseg score --value`` and its agreement with the run's value step
and campaign plan."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from olistseg.errors import InputError
from olistseg.features.build import customer_features
from olistseg.validation.baselines import quintile, quintile_edges, quintile_on_edges
from olistseg.value.clv import (
    VALUE_MONTHS,
    CustomerValue,
    _model_data,
    clv_summary,
    customer_summary,
    map_values,
    occasion_log,
    quiet_pymc,
)
from olistseg.value.scorer import SCORE_COLUMNS, ValueScorer, fit_scorer
from olistseg.value.targeting import rfm_score

from .conftest import connect, olistseg


def _dates(con) -> list[dt.datetime]:
    last = con.execute("SELECT max(order_purchase_timestamp) FROM orders").fetchone()[0]
    return [last, last - dt.timedelta(days=200)]


@pytest.mark.parametrize("tables", ["synthetic", "real"])
def test_the_sql_summary_equals_pymc_marketings_rfm_summary(tables, request):
    """``customer_clv_summary.sql`` is pymc-marketing's ``rfm_summary`` of the occasion log
    (same customers, same frequency, recency, T and repeat spend) at two dates."""
    fixture = "synthetic_warehouse" if tables == "synthetic" else "real_warehouse"
    with connect(request.getfixturevalue(fixture)) as con:
        for at in _dates(con):
            customers = customer_features(con, at).index
            library = clv_summary(occasion_log(con, at), at, customers)
            ours = customer_summary(con, at, customers)
            assert list(ours.index) == list(library.index)
            assert list(ours.columns) == list(library.columns)
            np.testing.assert_allclose(ours.to_numpy(), library.to_numpy(), rtol=1e-9, atol=1e-9)
            assert (ours["frequency"] > 0).sum() > 10  # repeat buyers were compared too


@pytest.fixture(scope="module")
def fitted(real_warehouse):
    with connect(real_warehouse) as con:
        at = _dates(con)[0]
        features = customer_features(con, at)
        summary = customer_summary(con, at, features.index)
    return summary, CustomerValue().fit(summary)


def test_scoring_each_distinct_history_once_gives_the_librarys_numbers(fitted):
    """``predict`` scores each distinct (frequency, recency, T) once; every customer's numbers
    equal pymc-marketing's scored customer by customer."""
    summary, model = fitted
    data = _model_data(summary)
    ours = model.predict(summary)
    with quiet_pymc():
        library = {
            "probability_alive": model.bg_.expected_probability_alive(data=data),
            "expected_occasions_180d": model.bg_.expected_purchases(data=data, future_t=180),
            "expected_value_12m": model.gg_.expected_customer_lifetime_value(
                transaction_model=model.bg_, data=data.copy(), future_t=VALUE_MONTHS
            ),
        }
    for column, values in library.items():
        np.testing.assert_allclose(ours[column], map_values(values), rtol=1e-12, atol=0)
    assert summary[["frequency", "recency", "T"]].drop_duplicates().shape[0] < len(summary) / 10


def test_a_model_rebuilt_from_its_saved_numbers_scores_the_same(fitted):
    summary, model = fitted
    rebuilt = CustomerValue.from_parameters(json.loads(json.dumps(model.parameters())))
    pd.testing.assert_frame_equal(rebuilt.predict(summary), model.predict(summary))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 40), min_size=1, max_size=60),
    st.booleans(),
)
def test_frozen_quintile_edges_give_the_quintiles_of_their_customers(values, higher):
    """Ties included: the edges reproduce :func:`quintile` on the customers they came from."""
    series = pd.Series(values, dtype="float64") * 1.5
    edges = quintile_edges(series, higher_is_better=higher)
    assert (quintile_on_edges(series, edges, higher) == quintile(series, higher)).all()


def test_a_value_model_is_json_and_a_bad_one_is_refused_by_name(run_out, tmp_path):
    folder = run_out / "value"
    scorer = ValueScorer.load(folder / "value_model.json")
    assert scorer.targeting in ("rfm", "bgnbd") and scorer.value is not None
    for text, said in (
        ("not json", "not a value model (JSON)"),
        ('{"as_of": "2018-01-01"}', "missing 'targeting'"),
        (
            json.dumps({**json.loads((folder / "value_model.json").read_text()), "targeting": "x"}),
            "targeting 'x' is not one of",
        ),
    ):
        bad = tmp_path / "bad.json"
        bad.write_text(text)
        with pytest.raises(InputError, match=r"bad\.json: .*" + re.escape(said)):
            ValueScorer.load(bad)


def test_score_with_value_applies_the_runs_model_and_fits_its_own(run_out, tmp_path):
    """``score --value-model`` at the run's date gives the run's clv.parquet numbers; ``score
    --value`` fits at that date, saves its model, and applying that model gives the same file;
    its RFM targeting score is the campaign plan's (``targeting.rfm_score``)."""
    warehouse = run_out / "warehouse" / "olist.duckdb"
    model = run_out / "segments" / "model"
    clv = pd.read_parquet(run_out / "value" / "clv.parquet").set_index("customer_unique_id")
    as_of = json.loads((run_out / "value" / "value.json").read_text())["as_of"]
    applied, fitted, again = (tmp_path / n for n in ("a.parquet", "f.parquet", "g.parquet"))
    common = ("score", "--warehouse", str(warehouse), "--model", str(model), "--as-of", as_of)
    result = olistseg(
        *common, "--out", str(applied), "--value-model", str(run_out / "value" / "value_model.json")
    )
    assert result.returncode == 0, result.said
    table = pd.read_parquet(applied).set_index("customer_unique_id")
    assert list(table.columns[-len(SCORE_COLUMNS) :]) == list(SCORE_COLUMNS)
    shared = clv.columns.intersection(list(SCORE_COLUMNS))
    assert len(shared) == len(SCORE_COLUMNS)
    pd.testing.assert_frame_equal(table.loc[clv.index, shared], clv[shared], check_exact=True)

    assert olistseg(*common, "--out", str(fitted), "--value").returncode == 0
    saved = Path(str(fitted) + ".value_model.json")
    assert olistseg(*common, "--out", str(again), "--value-model", str(saved)).returncode == 0
    pd.testing.assert_frame_equal(pd.read_parquet(fitted), pd.read_parquet(again))
    with connect(warehouse) as con:
        at = dt.datetime.fromisoformat(as_of)
        features = customer_features(con, at)
        expected = rfm_score(con, features, at, dt.timedelta(days=90))
    scored = pd.read_parquet(fitted).set_index("customer_unique_id")["targeting_score"]
    np.testing.assert_array_equal(scored.loc[features.index].to_numpy(), expected)


def test_above_its_size_the_rfm_rates_are_learnt_on_a_seeded_sample(run_out, monkeypatch):
    from olistseg.value import targeting

    monkeypatch.setattr(targeting, "CHECK_SAMPLE_CUSTOMERS", 500)
    with connect(run_out / "warehouse" / "olist.duckdb") as con:
        at = _dates(con)[0]
        features = customer_features(con, at)
        scorer = fit_scorer(con, at, features)
        again = fit_scorer(con, at, features)
    assert scorer.rfm["sample"]["sample"] == 500 and scorer.rfm == again.rfm  # seeded
    assert scorer.rfm["recency_edges"] == quintile_edges(features["recency_days"], False)
