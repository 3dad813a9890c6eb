"""Findings: each rule on hand-built numbers, the run's findings.json, and the real tables'
KPI findings pinned; the incomplete-tail rule behind the dashboard's default date."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from olistseg.deliverables import findings as rules
from olistseg.deliverables.collect import kpi_rows
from olistseg.i18n import LANGUAGES, keyed
from olistseg.kpi import export
from olistseg.kpi.run import run_kpis
from olistseg.warehouse.now import incomplete_tail, monthly_orders

from .conftest import connect


def _kpis(**answers: tuple[list[str], list[list[object]]]) -> dict:
    return {"kpis": {"kpis": {name: {"columns": c, "rows": r} for name, (c, r) in answers.items()}}}


def test_lateness_rule_reads_the_buckets_and_applies_its_threshold():
    columns = ["period", "lateness", "orders", "mean_score"]
    rows = [
        ["total", "on time", 900, 4.3],
        ["total", "7-14 days", 60, 1.8],
        ["total", "14+ days", 40, 1.5],
        ["2018-01", "on time", 10, 1.0],
    ]
    found = rules.lateness_reviews(_kpis(score_by_lateness=(columns, rows)))
    # 60 x 1.8 + 40 x 1.5 over 100 orders = 1.68 -> 1.7; monthly rows are not read.
    assert found["values"] == {"late": 1.7, "on_time": 4.3, "orders": 100}
    assert found["source"].startswith("kpi/kpis.json") and "0.5" in found["threshold"]
    rows[1][3] = rows[2][3] = 4.0  # a gap of 0.3 stars: below the threshold, no finding
    assert rules.lateness_reviews(_kpis(score_by_lateness=(columns, rows))) is None


def test_zip_city_and_late_state_rules():
    zips = (
        ["zip_code_prefix", "city", "state", "reviews", "mean_score"],
        [
            ["1", "rio de janeiro", "RJ", 40, 2.8],
            ["2", "rio de janeiro", "RJ", 35, 3.0],
            ["3", "campinas", "SP", 31, 3.2],
        ],
    )
    found = rules.worst_zip_city(_kpis(worst_zip_codes=zips))
    assert found["values"] == {"zips": 3, "count": 2, "city": "Rio de Janeiro", "state": "RJ"}
    numbers = _kpis(
        on_time_delivery=(
            ["period", "delivered_orders", "on_time_orders", "on_time_rate"],
            [["total", 1000, 900, 0.9]],
        ),
        late_rate_by_state=(
            ["period", "customer_state", "delivered_orders", "late_orders", "late_rate"],
            [
                ["total", "AL", 400, 96, 0.24],
                ["total", "RR", 40, 20, 0.5],
                ["total", "SP", 500, 40, 0.08],
            ],
        ),
    )
    found = rules.late_state(numbers)
    # RR has fewer than 100 delivered orders: AL, 24% against 10% overall.
    assert found["values"]["state"] == "AL" and found["values"]["orders"] == 400
    assert found["values"]["rate"] == 0.24
    assert found["values"]["overall"] == pytest.approx(0.10)
    assert "late 24% of the time, against 10% overall" in keyed("en", found)
    assert "en retard dans 24\u00a0% des cas, contre 10\u00a0% en moyenne" in keyed("fr", found)


def test_validation_rule_says_how_far_behind_rfm_against_the_noise():
    summary = {"median_auc": {"chosen": 0.579, "rfm": 0.58, "random": 0.53}, "beats_rfm": False}
    facts = {"segments_auc": {"value": 0.579}, "rfm_auc": {"value": 0.58}}
    numbers = {"validation": {"summary": summary}, "run": {"facts": facts}}
    assert rules.validation(numbers)["key"] == "f_validation_behind"
    summary["rfm_difference"] = {"median": 0.002, "origins": 4, "interval_contains_zero": 3}
    found = rules.validation(numbers)
    assert found["key"] == "f_validation_behind_noise"
    assert found["values"] == {"auc": 0.579, "rfm": 0.58, "random": 0.53, "within": 3, "origins": 4}
    assert "within sampling noise at 3 of 4 origins" in keyed("en", found)
    summary["beats_rfm"] = True  # ahead: no noise clause, the plain statement
    assert rules.validation(numbers)["key"] == "f_validation_beats"


def test_tail_rule_finds_where_the_data_stops():
    months = pd.DataFrame(
        {
            "month": pd.date_range("2018-01-01", periods=8, freq="MS"),
            "orders": [100, 110, 105, 120, 118, 115, 30, 2],
        }
    )
    tail = incomplete_tail(months)
    assert tail["months"] == ["2018-07", "2018-08"]
    assert tail["complete_until"].isoformat() == "2018-06-30T23:59:59"
    assert incomplete_tail(months.iloc[:6]) is None  # a complete last month: no tail
    months.loc[7, "orders"] = 200  # a collapse in the middle is not a tail
    assert incomplete_tail(months) is None


def test_stray_orders_years_ahead_never_move_now():
    # Orders mistyped years after the data (no month in between has any): the gap months count
    # 0 orders, so the stray month is an incomplete tail, and "now" stays where the data stops.
    from olistseg.warehouse.now import analysis_date_from

    months = pd.DataFrame(
        {
            "month": [
                *pd.date_range("2017-09-01", periods=9, freq="MS"),
                pd.Timestamp("2031-03-01"),
            ],
            "orders": [400, 420, 410, 430, 440, 450, 445, 460, 455, 3],
        }
    )
    date = analysis_date_from(months, dt.datetime(2031, 3, 9, 10, 0))
    assert date.as_of == dt.datetime(2018, 5, 31, 23, 59, 59)
    assert date.ignored_orders == 3 and date.tail["months"] == ["2031-03"]
    assert "3 later orders ignored" in date.reason
    # without an incomplete tail, "now" is the last purchase
    clean = analysis_date_from(months.iloc[:9], dt.datetime(2018, 5, 30, 18, 0))
    assert clean.as_of == dt.datetime(2018, 5, 30, 18, 0) and clean.ignored_orders == 0


def test_the_run_findings_are_ranked_sourced_and_translated(run_out: Path):
    found = json.loads((run_out / "findings.json").read_text())["findings"]
    assert [f["rank"] for f in found] == list(range(1, len(found) + 1))
    order = [r.__name__ for r in rules.RULES]
    assert [order.index(f["rule"]) for f in found] == sorted(order.index(f["rule"]) for f in found)
    assert {"largest_segment", "validation", "cadence"} <= {f["rule"] for f in found}
    for finding in found:
        assert finding["source"] and finding["threshold"]
        texts = {lang: keyed(lang, finding) for lang in LANGUAGES}
        assert len(set(texts.values())) == len(LANGUAGES)  # really translated
    run = json.loads((run_out / "run.json").read_text())
    assert run["findings"]["count"] == len(found)
    cadence = next(f for f in found if f["rule"] == "cadence")
    # the finding states the run's one schedule, and the retrains a year of its calendar
    assert cadence["values"]["unit"] == "weeks"
    assert 7 * cadence["values"]["every"] == run["facts"]["retrain_every"]["value"]
    assert cadence["values"]["per_year"] == run["facts"]["retrains_per_year"]["value"]
    assert cadence["values"]["currency"] == "BRL"


@pytest.mark.realdata
def test_real_kpi_findings_and_tail(real_warehouse: Path):
    with connect(real_warehouse) as con:
        as_of, results = run_kpis(con)
        tail = incomplete_tail(monthly_orders(con))
    numbers = {"kpis": json.loads(export.to_json(as_of, results))}
    assert keyed("en", rules.lateness_reviews(numbers)).startswith(
        "Orders more than a week late get a mean review of 1.7, against 4.3 on time (3,201 "
    )
    assert rules.worst_zip_city(numbers)["values"] == {
        "zips": 5,
        "count": 3,
        "city": "Rio de Janeiro",
        "state": "RJ",
    }
    assert rules.late_state(numbers)["values"]["state"] == "AL"
    repeat = kpi_rows(numbers, "repeat_customers", period="total")[0]
    assert (repeat["customers"], repeat["repeat_rate"]) == (96_090, 0.0311)
    numbers["run"] = {
        "facts": {
            "repeat_order_share": {"value": 0.0311},
            "kpi_customers": {"value": 96_090},
            "repeat_occasion_share": {"value": 0.0218},
            "customers": {"value": 93_293},
        }
    }
    assert keyed("en", rules.repeat_rate(numbers)).startswith(
        "Only 3.1% of 96,090 customers placed two or more orders, and 2.2% of the 93,293 with a "
        "delivered order came back on another day"
    )
    assert tail["months"] == ["2018-09", "2018-10"]
    assert tail["complete_until"].isoformat() == "2018-08-31T23:59:59"
