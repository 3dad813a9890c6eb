"""The readout: did the campaigns work? Treatment against holdout, per campaign and pooled.

For each campaign, in the window (launch, launch + horizon] (cut at the data's last delivered
purchase): the purchase rate and revenue per customer of each group; the absolute lift with
its 95% interval (Newcombe's hybrid score interval) and the two-sided p-value (score test),
the relative lift with its 95% interval (log of the rate ratio, adjusted for zero counts), the
incremental revenue (the difference in revenue per customer times the treated customers) and
the return on the campaign's cost at the plan's margin. Pooled over campaigns, stratified by
campaign: the Mantel-Haenszel rate ratio with the Greenland-Robins 95% interval, and the
Cochran-Mantel-Haenszel test (statsmodels' ``StratifiedTable``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.proportion import confint_proportions_2indep, test_proportions_2indep

from olistseg.atomic import write_json, write_text
from olistseg.campaigns.holdout import HOLDOUT, TREATMENT
from olistseg.errors import InputError
from olistseg.features.outcomes import customer_outcomes, delivered_end

ALPHA = 0.05


def compare_groups(bought_t: int, n_t: int, bought_h: int, n_h: int) -> dict:
    """Treatment against holdout purchase rates: lifts, 95% intervals and the p-value."""
    if n_t == 0 or n_h == 0:
        return {"absolute_lift": None, "relative_lift": None, "p_value": None}
    rate_t, rate_h = bought_t / n_t, bought_h / n_h
    low, high = confint_proportions_2indep(
        bought_t, n_t, bought_h, n_h, compare="diff", method="newcomb", alpha=ALPHA
    )
    if bought_t + bought_h == 0:
        p_value = 1.0
    else:
        p_value = float(
            test_proportions_2indep(
                bought_t, n_t, bought_h, n_h, compare="diff", method="score"
            ).pvalue
        )
    ratio_low, ratio_high = confint_proportions_2indep(
        bought_t, n_t, bought_h, n_h, compare="ratio", method="log-adjusted", alpha=ALPHA
    )
    return {
        "rate_treatment": rate_t,
        "rate_holdout": rate_h,
        "absolute_lift": rate_t - rate_h,
        "absolute_interval": [float(low), float(high)],
        "relative_lift": rate_t / rate_h - 1 if rate_h > 0 else None,
        "relative_interval": [float(ratio_low) - 1, float(ratio_high) - 1],
        "p_value": p_value,
    }


def pooled_comparison(tables: list[np.ndarray]) -> dict | None:
    """Pooled over campaigns, stratified by campaign, from 2x2 tables
    ``[[bought_t, not_t], [bought_h, not_h]]``: the Mantel-Haenszel rate ratio with the
    Greenland-Robins 95% interval of its log, the Mantel-Haenszel odds ratio, and the
    Cochran-Mantel-Haenszel test's p-value (statsmodels' ``StratifiedTable``). Strata without
    a buyer or with an empty group carry no information and are left out."""
    usable = [
        t for t in tables if t[:, 0].sum() > 0 and t[:, 1].sum() > 0 and (t.sum(axis=1) > 0).all()
    ]
    if not usable:
        return None
    a, c = (np.array([t[i, 0] for t in usable], dtype=float) for i in (0, 1))
    n1, n0 = (np.array([t[i].sum() for t in usable], dtype=float) for i in (0, 1))
    total = n1 + n0
    r, s = (a * n0 / total).sum(), (c * n1 / total).sum()
    if r == 0 or s == 0:
        return None
    ratio = r / s
    variance = ((n1 * n0 * (a + c) - a * c * total) / total**2).sum() / (r * s)
    half = 1.959963984540054 * math.sqrt(variance)
    stratified = StratifiedTable([t.astype(float) for t in usable])
    return {
        "strata": len(usable),
        "rate_ratio": float(ratio),
        "relative_lift": float(ratio) - 1,
        "relative_interval": [
            math.exp(math.log(ratio) - half) - 1,
            math.exp(math.log(ratio) + half) - 1,
        ],
        "odds_ratio": float(stratified.oddsratio_pooled),
        "p_value": float(stratified.test_null_odds(correction=False).pvalue),
    }


def _verdict(result: dict) -> dict:
    p, interval = result.get("p_value"), result.get("relative_interval")
    if p is None or interval is None:
        return {"key": "readout_no_data", "values": {}}
    values = {"low": interval[0], "high": interval[1], "p": p}
    if p < ALPHA and interval[0] > 0:
        return {"key": "readout_lift", "values": values}
    if p < ALPHA and interval[1] < 0:
        return {"key": "readout_harm", "values": values}
    return {"key": "readout_inconclusive", "values": values}


def measure(con: duckdb.DuckDBPyConnection, plan_dir: Path) -> dict:
    """The readout of the plan in ``plan_dir`` on the data in ``con`` (``readout.json``)."""
    path = Path(plan_dir) / "plan.json"
    if not path.is_file():
        raise InputError(
            f"--plan {plan_dir}: no plan.json there; give a folder written by `olistseg campaigns`."
        )
    plan = json.loads(path.read_text(encoding="utf-8"))
    end_of_data = delivered_end(con)
    horizon = dt.timedelta(days=plan["horizon_days"])
    margin = plan["costs"]["margin"]
    campaigns, tables = [], []
    # Campaigns launched the same day share their window: each window's outcomes (a pass over
    # every customer's orders) are read once.
    windows: dict[tuple[dt.datetime, dt.datetime], pd.DataFrame] = {}
    for campaign in plan["campaigns"]:
        launch = dt.datetime.fromisoformat(campaign["timing"]["launch"])
        end = min(launch + horizon, end_of_data)
        listed = pd.read_csv(Path(plan_dir) / campaign["file"], dtype={"customer_unique_id": str})
        if end <= launch:
            campaigns.append(
                {
                    "campaign_id": campaign["campaign_id"],
                    "window": None,
                    "verdict": {"key": "readout_no_data", "values": {}},
                }
            )
            continue
        if (launch, end) not in windows:
            windows[launch, end] = customer_outcomes(con, launch, end)
        outcomes = windows[launch, end].reindex(listed["customer_unique_id"])
        listed["bought"] = outcomes["repurchased"].fillna(0).astype(int).to_numpy()
        listed["revenue"] = outcomes["future_revenue"].fillna(0.0).to_numpy()
        groups = {g: listed[listed["group"] == g] for g in (TREATMENT, HOLDOUT)}
        n_t, n_h = len(groups[TREATMENT]), len(groups[HOLDOUT])
        bought_t, bought_h = (
            int(groups[TREATMENT]["bought"].sum()),
            int(groups[HOLDOUT]["bought"].sum()),
        )
        result = compare_groups(bought_t, n_t, bought_h, n_h)
        revenue_t = groups[TREATMENT]["revenue"].mean() if n_t else 0.0
        revenue_h = groups[HOLDOUT]["revenue"].mean() if n_h else 0.0
        incremental = (revenue_t - revenue_h) * n_t
        cost = campaign["cost"]["total"]
        campaigns.append(
            {
                "campaign_id": campaign["campaign_id"],
                "segment_key": campaign["segment_key"],
                "segment_name": campaign["segment_name"],
                "window": [launch.isoformat(sep=" "), end.isoformat(sep=" ")],
                "window_days": round((end - launch).total_seconds() / 86_400, 1),
                "treatment": {
                    "customers": n_t,
                    "buyers": bought_t,
                    "revenue_per_customer": round(float(revenue_t), 4),
                },
                "holdout": {
                    "customers": n_h,
                    "buyers": bought_h,
                    "revenue_per_customer": round(float(revenue_h), 4),
                },
                **{k: _rounded(v, k) for k, v in result.items()},
                "incremental_revenue": round(float(incremental), 2),
                "cost": cost,
                "return_on_cost": round(float((incremental * margin - cost) / cost), 4)
                if cost
                else None,
                "verdict": _verdict(result),
            }
        )
        tables.append(np.array([[bought_t, n_t - bought_t], [bought_h, n_h - bought_h]]))
    pooled = pooled_comparison(tables)
    return {
        "plan_as_of": plan["as_of"],
        "data_until": end_of_data.isoformat(sep=" "),
        "horizon_days": plan["horizon_days"],
        "campaigns": campaigns,
        "pooled": None
        if pooled is None
        else {**{k: _rounded(v, k) for k, v in pooled.items()}, "verdict": _verdict(pooled)},
    }


def _rounded(value: object, key: str = "") -> object:
    if key == "p_value" and isinstance(value, float):
        return float(f"{value:.3g}")  # three significant digits: 2.1e-07, not 0.0
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 6)
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def write_readout(folder: Path, readout: dict, html: str) -> dict:
    """``readout.json`` and ``readout.html`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    write_json(folder / "readout.json", readout)
    write_text(folder / "readout.html", html)
    return readout
