"""Lifetime value (BG/NBD + Gamma-Gamma) and campaign audiences with suppression rules."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from olistseg.value.audiences import (
    SERVICE_RECOVERY_ACTION,
    build_audiences,
    recent_issues,
)
from olistseg.value.check import calibration, score_forecast
from olistseg.value.clv import CustomerValue

from .conftest import olistseg


def simulate_bgnbd(
    n: int, r: float, alpha: float, a: float, b: float, seed: int, horizon: float = 180.0
) -> tuple[pd.DataFrame, np.ndarray]:
    """Customers drawn from the BG/NBD story (Fader, Hardie & Lee 2005), in days.

    Each customer buys as a Poisson process of rate lambda ~ Gamma(r, alpha) and, after each
    purchase, drops out with probability p ~ Beta(a, b); observed over T ~ U(180, 720) days.
    Returns the summary (frequency = repeat purchases, recency, T) and the purchases of each
    customer in the ``horizon`` days after T.
    """
    rng = np.random.default_rng(seed)
    rate, dropout = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n)
    observed = rng.uniform(180, 720, n)
    rows, future = [], np.zeros(n)
    for i in range(n):
        t, times = 0.0, []
        while True:
            t += rng.exponential(1 / rate[i])
            if t > observed[i] + horizon:
                break
            if t <= observed[i]:
                times.append(t)
            else:
                future[i] += 1
            if rng.random() < dropout[i]:
                break
        # The first purchase is at 0 and opens the observation: ``times`` are the repeats.
        rows.append((f"c{i:05d}", len(times), times[-1] if times else 0.0, observed[i], 100.0))
    summary = pd.DataFrame(
        rows, columns=["customer_unique_id", "frequency", "recency", "T", "monetary_value"]
    ).set_index("customer_unique_id")
    return summary, future


def test_bgnbd_recovers_the_parameters_it_was_simulated_from():
    """Tolerances: over 4 seeds of 4,000 customers the MAP fit missed the mean purchase rate
    r/alpha by at most 14%, the mean dropout a/(a+b) by at most 0.02 and the next 180 days'
    purchases by at most 8% (the default priors pull alpha down a little). The bounds below are
    about 1.5 times those: a real error in the summary or the model breaks them, seed noise
    does not."""
    true = {"r": 0.5, "alpha": 60.0, "a": 0.8, "b": 2.5}
    summary, future = simulate_bgnbd(4_000, **true, seed=0)
    model = CustomerValue(min_repeat_customers=10**9).fit(summary)  # BG/NBD only
    fitted = model.info_.bg_nbd
    assert fitted["r"] / fitted["alpha"] == pytest.approx(true["r"] / true["alpha"], rel=0.2)
    assert fitted["r"] == pytest.approx(true["r"], rel=0.2)
    dropout = fitted["a"] / (fitted["a"] + fitted["b"])
    assert dropout == pytest.approx(true["a"] / (true["a"] + true["b"]), abs=0.03)
    predicted = model.predict(summary)
    assert predicted["expected_occasions_180d"].sum() == pytest.approx(future.sum(), rel=0.12)
    # Forecasts grow with the horizon, P(alive) is a probability.
    assert (predicted["expected_occasions_90d"] <= predicted["expected_occasions_180d"]).all()
    assert (predicted["expected_occasions_180d"] <= predicted["expected_occasions_365d"]).all()
    assert predicted["probability_alive"].between(0, 1).all()
    # Without Gamma-Gamma, value = occasions in a year x the mean repeat occasion value.
    np.testing.assert_allclose(
        predicted["expected_value_12m"], predicted["expected_occasions_365d"] * 100.0, rtol=1e-9
    )


def test_forecast_scores_and_calibration_deciles():
    frame = pd.DataFrame(
        {
            "predicted": np.linspace(0, 1, 20),
            "naive": np.zeros(20),
            "actual": np.r_[np.zeros(10), np.ones(10)],
        }
    )
    scored = score_forecast(frame)
    assert scored["mae_zero"] == pytest.approx(0.5)
    assert scored["mae_naive"] == pytest.approx(0.5)
    assert scored["mae_bgnbd"] == pytest.approx(np.abs(frame["predicted"] - frame["actual"]).mean())
    assert scored["beats_naive"] is True
    deciles = calibration(frame)
    assert [d["customers"] for d in deciles] == [2] * 10
    assert deciles[0]["mean_actual"] == 0 and deciles[-1]["mean_actual"] == 1


SEGMENTS = pd.DataFrame(
    {
        "segment_key": ["recent", "dissatisfied", "loyal"],
        "segment_name": ["Recent first-time buyers", "Dissatisfied customers", "Loyal"],
        "action": ["Welcome", "Service recovery", "Loyalty"],
    },
    index=pd.Index([0, 1, 2], name="segment_id"),
)


def test_audiences_partition_and_suppression_rules():
    scored = pd.DataFrame(
        {
            "customer_unique_id": ["a", "b", "c", "d", "e", "f"],
            "segment_id": [0, 0, 0, 1, 2, 2],
        }
    )
    issues = pd.DataFrame(
        {"low_reviews": [1, 0, 1, 1], "undelivered_orders": [0, 2, 1, 0]},
        index=pd.Index(["a", "b", "d", "e"], name="customer_unique_id"),
    )
    contacts = pd.DataFrame(
        {
            "customer_state": ["SP"] * 6,
            "zip_prefix": ["01000"] * 6,
            "last_purchase": pd.Timestamp("2018-01-01"),
        },
        index=pd.Index(list("abcdef"), name="customer_unique_id"),
    )
    audiences, suppressed = build_audiences(scored, SEGMENTS, issues, contacts)
    # a (bad review) and b (failed order) leave the welcome audience; e leaves loyalty;
    # d is already in a service-recovery segment and stays there.
    assert sorted(audiences[0]["customer_unique_id"]) == ["c"]
    assert sorted(audiences[1]["customer_unique_id"]) == ["d"]
    assert sorted(audiences[2]["customer_unique_id"]) == ["f"]
    reasons = dict(zip(suppressed["customer_unique_id"], suppressed["reason"], strict=True))
    assert set(reasons) == {"a", "b", "e"}
    assert "review scored 1-2" in reasons["a"] and "failed order" in reasons["b"]
    assert (suppressed["action"] == SERVICE_RECOVERY_ACTION).all()
    members = [*suppressed["customer_unique_id"]]
    for audience in audiences.values():
        members += list(audience["customer_unique_id"])
    assert sorted(members) == sorted(scored["customer_unique_id"])  # each exactly once


@pytest.fixture
def tiny_shop() -> duckdb.DuckDBPyConnection:
    """Four customers around 2018-06-30: a bad review, a late undelivered order, a canceled
    order, and one whose issues are all outside the 30-day window."""
    con = duckdb.connect()
    con.execute("""
        CREATE TABLE customers AS SELECT * FROM (VALUES
            ('k1', 'u1', 1000, 'SP'), ('k2', 'u2', 2000, 'RJ'), ('k3', 'u3', 3000, 'MG'),
            ('k4', 'u4', 4000, 'SP'))
            AS t(customer_id, customer_unique_id, customer_zip_code_prefix, customer_state);
        CREATE TABLE orders AS SELECT order_id, customer_id, order_status,
            CAST(p AS TIMESTAMP) AS order_purchase_timestamp,
            CAST(d AS TIMESTAMP) AS order_delivered_customer_date,
            CAST(e AS TIMESTAMP) AS order_estimated_delivery_date FROM (VALUES
            ('o1', 'k1', 'delivered', '2018-06-01', '2018-06-10', '2018-06-20'),
            ('o2', 'k2', 'shipped', '2018-06-01', NULL, '2018-06-25'),
            ('o2b', 'k2', 'delivered', '2018-05-01', '2018-07-05', '2018-07-10'),
            ('o3', 'k3', 'canceled', '2018-06-15', NULL, '2018-07-15'),
            ('o4', 'k4', 'shipped', '2018-04-01', NULL, '2018-05-01'),
            ('o4b', 'k4', 'canceled', '2018-05-15', NULL, '2018-05-30'))
            AS t(order_id, customer_id, order_status, p, d, e);
        CREATE TABLE order_reviews AS SELECT review_id, order_id, review_score,
            CAST(c AS TIMESTAMP) AS review_creation_date FROM (VALUES
            ('r1', 'o1', 2, '2018-06-12'), ('r4', 'o4', 1, '2018-05-02'),
            ('r4b', 'o4b', 5, '2018-06-29'))
            AS t(review_id, order_id, review_score, c);
    """)
    return con


def test_recent_issues_follow_the_documented_window(tiny_shop):
    found = recent_issues(tiny_shop, dt.datetime(2018, 6, 30), days=30)
    assert found.to_dict("index") == {
        "u1": {"low_reviews": 1, "undelivered_orders": 0},  # review 1-2 on 06-12
        "u2": {"low_reviews": 0, "undelivered_orders": 1},  # due 06-25, not delivered by 06-30
        "u3": {"low_reviews": 0, "undelivered_orders": 1},  # canceled, bought 06-15
    }  # u4: the late order was due on 05-01 and the cancellation was bought 05-15
    assert recent_issues(tiny_shop, dt.datetime(2018, 5, 20), days=30).index.tolist() == [
        "u4"
    ]  # as of 05-20 its failures were recent


def test_value_and_audiences_of_the_run(run_out: Path):
    value = json.loads((run_out / "value" / "value.json").read_text())
    table = pd.read_parquet(run_out / "value" / "clv.parquet")
    segments = pd.read_csv(run_out / "segments" / "segments.csv")
    assert len(table) == len(segments) == value["customers"]
    assert sorted(table["customer_unique_id"]) == sorted(segments["customer_unique_id"])
    sums = table.groupby("segment_id")["expected_value_12m"].sum().round(2).to_dict()
    assert {s["segment_id"]: s["expected_value_12m"] for s in value["segments"]} == pytest.approx(
        sums, abs=0.01
    )
    assert value["expected_value_12m"] == pytest.approx(table["expected_value_12m"].sum(), abs=0.01)
    assert value["out_of_time"]["origins"] and value["out_of_time"]["median"] is not None
    assert (run_out / "value" / "charts" / "calibration.png").stat().st_size > 10_000
    audiences = json.loads((run_out / "audiences" / "audiences.json").read_text())
    ids: list[str] = []
    for entry in audiences["audiences"]:
        frame = pd.read_csv(run_out / "audiences" / entry["file"], dtype={"zip_prefix": str})
        assert len(frame) == entry["customers"]
        ids += frame["customer_unique_id"].tolist()
    suppressed = pd.read_csv(run_out / "audiences" / "suppressed.csv")
    ids += suppressed["customer_unique_id"].tolist()
    assert len(ids) == len(set(ids)) == len(segments) == audiences["scored_customers"]
    run = json.loads((run_out / "run.json").read_text())
    assert run["audiences"]["suppressed"] == len(suppressed)
    assert run["value"]["expected_value_12m"] == value["expected_value_12m"]


def test_audiences_and_value_commands(run_out: Path, tmp_path: Path):
    warehouse, model = run_out / "warehouse" / "olist.duckdb", run_out / "segments" / "model"
    result = olistseg(
        "audiences",
        "--model",
        str(model),
        "--warehouse",
        str(warehouse),
        "--out",
        str(tmp_path / "aud"),
        "--format",
        "parquet",
        "--as-of",
        "2018-06-01",
    )
    assert result.returncode == 0, result.said
    summary = json.loads((tmp_path / "aud" / "audiences.json").read_text())
    assert summary["as_of"] == "2018-06-01 00:00:00"
    total = sum(len(pd.read_parquet(tmp_path / "aud" / a["file"])) for a in summary["audiences"])
    total += len(pd.read_parquet(tmp_path / "aud" / "suppressed.parquet"))
    assert total == summary["scored_customers"]
    bad = olistseg(
        "audiences",
        "--model",
        str(model),
        "--warehouse",
        str(warehouse),
        "--out",
        str(tmp_path / "x"),
        "--format",
        "xlsx",
    )
    assert bad.returncode == 2 and "--format 'xlsx'" in bad.said
    result = olistseg(
        "value",
        "--model",
        str(model),
        "--warehouse",
        str(warehouse),
        "--out",
        str(tmp_path / "val"),
        "--origins",
        "1",
    )
    assert result.returncode == 0, result.said
    value = json.loads((tmp_path / "val" / "value.json").read_text())
    assert len(value["out_of_time"]["origins"]) == 1 and "MAE" in result.stdout


def test_above_its_sizes_value_fits_and_checks_on_seeded_samples(run_out, tmp_path, monkeypatch):
    """Above FIT_SAMPLE_CUSTOMERS the models are fitted on a seeded sample and still score every
    customer; above CHECK_SAMPLE_CUSTOMERS the out-of-time checks run on a sample of customers;
    value.json says so, and the report says so."""
    import duckdb

    from olistseg.deliverables.collect import run_numbers
    from olistseg.deliverables.report import build_report
    from olistseg.value import run as value_run
    from olistseg.value import scorer

    monkeypatch.setattr(scorer, "FIT_SAMPLE_CUSTOMERS", 700)
    monkeypatch.setattr(value_run, "CHECK_SAMPLE_CUSTOMERS", 1_200)
    con = duckdb.connect(str(run_out / "warehouse" / "olist.duckdb"), read_only=True)
    folder = tmp_path / "value"
    payload = value_run.run_value(con, folder, run_out / "segments" / "model", n_origins=1)
    con.close()
    table = pd.read_parquet(folder / "clv.parquet")
    assert len(table) == payload["customers"] > 1_200
    assert table["expected_value_12m"].notna().all()  # everyone scored
    assert payload["sample"]["fit"]["sample"] == 700
    assert payload["sample"]["checks"]["sample"] == 1_200
    checked = payload["out_of_time"]["origins"][0]["customers"]
    assert checked <= 1_200  # the check saw the sample only
    out = tmp_path / "run"
    shutil.copytree(run_out, out, ignore=shutil.ignore_patterns("warehouse", "data"))
    shutil.rmtree(out / "value")
    shutil.copytree(folder, out / "value")
    page = build_report(run_numbers(out), "en")
    assert "fitted on a random sample of 700" in page and "random sample of 1,200" in page
