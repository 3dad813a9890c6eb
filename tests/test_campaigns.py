"""The campaign plan and its readout: calendar rules, holdouts, power, the planted-effect
harness and the readout's error rates."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

from olistseg.campaigns.calendar import OCCASIONS, black_friday, next_occasions, nth_weekday
from olistseg.campaigns.costs import CampaignCosts, load_campaign_costs
from olistseg.campaigns.holdout import HOLDOUT, assign_groups, balance
from olistseg.campaigns.plan import build_plan
from olistseg.campaigns.power import customers_needed, minimum_detectable_lift
from olistseg.campaigns.readout import compare_groups, pooled_comparison
from olistseg.errors import InputError
from olistseg.features.build import customer_features
from olistseg.segments.segmenter import Segmenter
from olistseg.validation.baselines import rfm_segments
from olistseg.warehouse.now import default_as_of

from .conftest import connect, olistseg

# --- the retail calendar ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "friday"),
    [(2016, "2016-11-25"), (2019, "2019-11-29"), (2020, "2020-11-27"), (2023, "2023-11-24")],
)
def test_black_friday_follows_the_fourth_thursday(year, friday):
    assert black_friday(year).isoformat() == friday


def test_mothers_and_fathers_days_are_second_sundays():
    assert nth_weekday(2019, 5, 6, 2) == dt.date(2019, 5, 12)
    assert nth_weekday(2021, 8, 6, 2) == dt.date(2021, 8, 8)


@pytest.mark.parametrize("after", ["2017-01-03", "2018-06-13", "2019-12-12", "2020-02-29"])
def test_next_occasions_are_on_or_after_the_date_and_cover_a_year(after):
    start = dt.date.fromisoformat(after)
    found = next_occasions(start)
    assert len(found) == len(OCCASIONS)
    assert all(d.send >= start for d in found)
    assert {d.occasion.key for d in found} == {o.key for o in OCCASIONS}
    assert [d.send for d in found] == sorted(d.send for d in found)


# --- power ---------------------------------------------------------------------------------------


def test_the_issues_sample_sizes():
    assert customers_needed(0.01, 0.20, 0.5) == pytest.approx(2 * 42_607, rel=0.001)
    assert customers_needed(0.01, 0.20, 0.1) == pytest.approx(236_701, rel=0.001)


@pytest.mark.parametrize(
    ("rate", "treated", "held"), [(0.013, 80_000, 9_000), (0.004, 5_000, 5_000), (0.2, 900, 100)]
)
def test_minimum_detectable_lift_equals_statsmodels(rate, treated, held):
    lift = minimum_detectable_lift(rate, treated, held)
    h = proportion_effectsize(rate * (1 + lift), rate)
    expected = NormalIndPower().solve_power(
        effect_size=None, nobs1=treated, alpha=0.05, power=0.8, ratio=held / treated
    )
    assert h == pytest.approx(expected, rel=1e-9)
    achieved = NormalIndPower().power(h, nobs1=treated, alpha=0.05, ratio=held / treated)
    assert achieved == pytest.approx(0.8, abs=1e-4)  # the solver stops within 1e-4


def test_nothing_is_detectable_without_buyers_or_a_holdout():
    assert minimum_detectable_lift(0.0, 1000, 100) is None
    assert minimum_detectable_lift(0.01, 1000, 0) is None


# --- holdouts -----------------------------------------------------------------------------------


def test_holdouts_are_deterministic_salted_and_near_the_share():
    ids = [f"{i:032x}" for i in range(20_000)]
    first = assign_groups(ids, "c1", "salt", 0.1)
    assert (first == assign_groups(ids, "c1", "salt", 0.1)).all()
    assert (first == assign_groups(list(reversed(ids)), "c1", "salt", 0.1)[::-1]).all()
    assert abs((first == HOLDOUT).mean() - 0.1) < 0.006
    assert (first != assign_groups(ids, "c1", "other salt", 0.1)).any()
    assert (first != assign_groups(ids, "c2", "salt", 0.1)).any()


def test_holdout_membership_is_independent_of_segment_and_rfm_cell(synthetic_warehouse):
    with connect(synthetic_warehouse) as con:
        features = customer_features(con, default_as_of(con))
    groups = assign_groups(features.index, "20180930-0-core", "a9f1", 0.2)
    cells = rfm_segments(features)[0]
    segments = pd.qcut(features["monetary"].rank(method="first"), 5, labels=False)
    for labels in (cells, segments):
        table = pd.crosstab(labels, groups)
        assert chi2_contingency(table.to_numpy())[1] > 0.001
    smd = balance(features, groups)
    assert all(abs(v) < 0.1 for v in smd.values() if v is not None)


# --- the readout's statistics -------------------------------------------------------------------


def test_false_positive_rate_without_an_effect_is_about_five_percent():
    """200 readouts of plans with no effect, simulated from the outcome model directly."""
    rng = np.random.default_rng(20261205)
    sizes = [(4_500, 500, 0.012), (2_700, 300, 0.02), (900, 100, 0.05)]
    alone, pooled = 0, 0
    for _ in range(200):
        tables = []
        for treated, held, rate in sizes:
            a, c = rng.binomial(treated, rate), rng.binomial(held, rate)
            tables.append(np.array([[a, treated - a], [c, held - c]]))
        alone += compare_groups(tables[0][0, 0], 4_500, tables[0][1, 0], 500)["p_value"] < 0.05
        pooled += pooled_comparison(tables)["p_value"] < 0.05
    assert 0.02 <= alone / 200 <= 0.09
    assert 0.02 <= pooled / 200 <= 0.09


def test_intervals_cover_a_planted_lift():
    rng = np.random.default_rng(7)
    covered = 0
    for _ in range(200):
        a, c = rng.binomial(8_000, 0.03 * 1.5), rng.binomial(2_000, 0.03)
        low, high = compare_groups(a, 8_000, c, 2_000)["relative_interval"]
        covered += low <= 0.5 <= high
    assert 0.91 <= covered / 200 <= 0.99


# --- costs --------------------------------------------------------------------------------------


def test_costs_file_overrides_and_refusals(tmp_path):
    path = tmp_path / "costs.toml"
    path.write_text('channel = "sms"\nmargin = 0.3\n[offer]\nloyal = 0.05\n')
    costs = load_campaign_costs(path)
    assert costs.contact_cost() == 0.12 and costs.offer_share("loyal") == 0.05
    assert costs.offer_share("core") == 0.0 and costs.offer_share("dormant") == 0.10
    path.write_text("budget = 100\n")
    with pytest.raises(InputError, match="unknown keys budget"):
        load_campaign_costs(path)
    path.write_text('currency = "EUR"\n')
    with pytest.raises(InputError, match="BRL"):
        load_campaign_costs(path)
    with pytest.raises(InputError, match="margin"):
        CampaignCosts(margin=0)


# --- the plan and the planted effect, end to end --------------------------------------------------


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A shop, its segments, a plan with a 50% holdout, and the same shop with +100% planted."""
    root = tmp_path_factory.mktemp("campaigns")
    shop, warehouse = root / "shop", root / "shop.duckdb"
    assert (
        olistseg(
            "-q", "demo-data", "--out", str(shop), "--customers", "6000", "--seed", "5"
        ).returncode
        == 0
    )
    assert (
        olistseg("-q", "load", "--data", str(shop), "--warehouse", str(warehouse)).returncode == 0
    )
    segments = root / "segments"
    result = olistseg(
        "-q",
        "segment",
        "--warehouse",
        str(warehouse),
        "--out",
        str(segments),
        "--algorithms",
        "kmeans",
        "--k-range",
        "4-5",
    )
    assert result.returncode == 0, result.said
    plan = root / "plan"
    args = ["--model", str(segments / "model"), "--warehouse", str(warehouse), "--holdout", "0.5"]
    result = olistseg("campaigns", *args, "--out", str(plan))
    assert result.returncode == 0, result.said
    again = olistseg("-q", "campaigns", *args, "--out", str(root / "plan_again"))
    assert again.returncode == 0
    grown = root / "grown"
    result = olistseg(
        "-q",
        "demo-data",
        "--out",
        str(grown),
        "--customers",
        "6000",
        "--seed",
        "5",
        "--campaign",
        str(plan),
        "--lift",
        "1.0",
    )
    assert result.returncode == 0, result.said
    assert (
        olistseg(
            "-q", "load", "--data", str(grown), "--warehouse", str(root / "grown.duckdb")
        ).returncode
        == 0
    )
    readout = root / "readout"
    result = olistseg(
        "measure",
        "--plan",
        str(plan),
        "--warehouse",
        str(root / "grown.duckdb"),
        "--out",
        str(readout),
    )
    assert result.returncode == 0, result.said
    return {"root": root, "plan": plan, "warehouse": warehouse, "readout": readout}


def test_every_campaign_is_complete_and_launches_on_or_after_now(planted):
    plan = json.loads((planted["plan"] / "plan.json").read_text())
    as_of = dt.datetime.fromisoformat(plan["as_of"])
    segments = json.loads((planted["root"] / "segments" / "profiles.json").read_text())["segments"]
    assert {c["segment_id"] for c in plan["campaigns"]} == {s["segment_id"] for s in segments}
    for c in plan["campaigns"]:
        assert dt.date.fromisoformat(c["timing"]["launch"]) > as_of.date()
        assert c["audience"] == c["treatment"] + c["holdout"] > 0
        assert c["expected"]["base_rate"] >= 0 and c["cost"]["total"] > 0
        assert {"break_even_lift", "total"} <= set(c["cost"])
        assert c["verdict"]["key"] in ("measurable_alone", "measurable_pooled", "not_measurable")
        mde = c["power"]["minimum_detectable_lift"]
        if mde is not None:
            assert mde == pytest.approx(
                minimum_detectable_lift(c["expected"]["base_rate"], c["treatment"], c["holdout"]),
                rel=1e-3,  # the plan stores the base rate to 6 decimals
            )
        listed = pd.read_csv(planted["plan"] / c["file"])
        assert len(listed) == c["audience"] and set(listed["group"]) <= {"treatment", "holdout"}
        assert (listed["group"] == "holdout").sum() == c["holdout"]


def test_the_plans_holdouts_are_independent_of_segment_and_rfm_cell(planted):
    plan = json.loads((planted["plan"] / "plan.json").read_text())
    listed = pd.concat([pd.read_csv(planted["plan"] / c["file"]) for c in plan["campaigns"]])
    cells = rfm_segments(listed.reset_index(drop=True))[0]
    for labels in (listed["segment_id"].to_numpy(), cells):
        table = pd.crosstab(labels, listed["group"].to_numpy())
        assert chi2_contingency(table.to_numpy())[1] > 0.001


def test_a_rebuilt_plan_keeps_every_customer_in_their_group(planted):
    plan = json.loads((planted["plan"] / "plan.json").read_text())
    for c in plan["campaigns"]:
        first = pd.read_csv(planted["plan"] / c["file"])
        second = pd.read_csv(planted["root"] / "plan_again" / c["file"])
        pd.testing.assert_frame_equal(first, second)


def test_the_readout_recovers_a_planted_lift(planted):
    readout = json.loads((planted["readout"] / "readout.json").read_text())
    pooled = readout["pooled"]
    low, high = pooled["relative_interval"]
    assert low <= 1.0 <= high and low > 0 and pooled["p_value"] < 0.05
    assert pooled["verdict"]["key"] == "readout_lift"
    assert (planted["readout"] / "readout.html").read_text().count("<tr>") >= 2


def test_the_readout_without_an_effect_concludes_nothing(planted, tmp_path):
    grown = tmp_path / "grown"
    args = ["--customers", "6000", "--seed", "5", "--campaign", str(planted["plan"])]
    assert olistseg("-q", "demo-data", "--out", str(grown), *args, "--lift", "0").returncode == 0
    assert (
        olistseg(
            "-q", "load", "--data", str(grown), "--warehouse", str(tmp_path / "g.duckdb")
        ).returncode
        == 0
    )
    out = tmp_path / "readout"
    result = olistseg(
        "-q",
        "measure",
        "--plan",
        str(planted["plan"]),
        "--warehouse",
        str(tmp_path / "g.duckdb"),
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.said
    pooled = json.loads((out / "readout.json").read_text())["pooled"]
    low, high = pooled["relative_interval"]
    assert low <= 0.0 <= high


def test_real_tables_plan_balances_large_audiences(real_warehouse, tmp_path):
    """On the real tables: every segment has a campaign; audiences over 5,000 hold out the
    requested share within half a point, with standardised mean differences below 0.05."""
    with connect(real_warehouse) as con:
        as_of = default_as_of(con)
        features = customer_features(con, as_of)
        model = Segmenter(algorithms=["kmeans"], k_range=range(6, 7), with_stability=False)
        model.fit(features).save(tmp_path / "model", as_of=str(as_of))
        plan, _ = build_plan(con, tmp_path / "model", as_of, holdout=0.1)
    assert len(plan["campaigns"]) == 6
    for c in plan["campaigns"]:
        assert dt.date.fromisoformat(c["timing"]["launch"]) > as_of.date()
        if c["audience"] > 5_000:
            assert abs(c["holdout_share"] - 0.1) <= 0.005
            assert all(abs(v) < 0.05 for v in c["balance"].values() if v is not None)
    assert plan["pooled"]["minimum_detectable_lift"] is not None
