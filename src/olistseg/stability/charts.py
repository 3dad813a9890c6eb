"""The stability charts: the ARI band with the threshold and the noise floor, the PSI heat
map, the migration matrix (Altair, saved as PNG and offline HTML)."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd


def ari_chart(result: dict) -> alt.LayerChart:
    curve = pd.DataFrame(result["curve"])
    base = alt.Chart(curve).encode(x=alt.X("weeks:Q", title="weeks since the model was fitted"))
    band = base.mark_area(opacity=0.25).encode(
        y=alt.Y("ari_p10:Q", title="ARI frozen model vs refit", scale=alt.Scale(domain=[0, 1])),
        y2="ari_max:Q",
    )
    median = base.mark_line(point=True).encode(y="ari_median:Q")
    p10 = base.mark_line(strokeDash=[4, 2]).encode(y="ari_p10:Q")
    # the noise floor: two seeded retrains at the same step; a drop above it is drift
    floor = base.mark_line(color="#999999", strokeDash=[1, 2]).encode(y="noise_floor_median:Q")
    simple = pd.DataFrame(result.get("simple_protocol", {}).get("curve", []))
    layers = [band, median, p10, floor]
    if not simple.empty:
        simple["weeks"] = simple["month"] * 30.44 / 7
        layers.append(
            alt.Chart(simple).mark_line(color="#7b3294", opacity=0.7).encode(x="weeks:Q", y="ari:Q")
        )
    rules = pd.DataFrame(
        [
            {"value": result["cadence"]["threshold"], "what": "threshold"},
            {"value": result["baseline_noise"]["median"], "what": "baseline noise (seeds)"},
        ]
    )
    lines = (
        alt.Chart(rules)
        .mark_rule(strokeDash=[6, 3])
        .encode(y="value:Q", color=alt.Color("what:N", title=None))
    )
    weeks = result["cadence"]["weeks"]
    title = (
        f"ARI across origins (band: 10th percentile to max; dotted: noise floor; purple: "
        f"first-12-months protocol); cadence {weeks} weeks"
    )
    return alt.layer(*layers, lines).properties(width=520, height=280, title=title)


def psi_chart(result: dict) -> alt.Chart:
    rows = [
        {"weeks": c["weeks"], "feature": feature, "psi": value}
        for c in result["curve"]
        for feature, value in c["psi_median"].items()
    ]
    return (
        alt.Chart(pd.DataFrame(rows), title="PSI against the origin (median across origins)")
        .mark_rect()
        .encode(
            x=alt.X("weeks:O", title="weeks since the model was fitted"),
            y=alt.Y("feature:N", title=None),
            color=alt.Color("psi:Q", scale=alt.Scale(scheme="orangered", domainMax=0.5)),
            tooltip=["feature", "weeks", "psi"],
        )
        .properties(width=520, height=220)
    )


def migration_chart(result: dict) -> alt.Chart:
    """Mean migration matrix across origins at the cadence horizon (or one step)."""
    t = max(result["cadence"]["steps"] or 1, 1)
    matrices = [
        np.array(s["migration"])
        for o in result["origins"]
        for s in o["steps"]
        if s["t"] == t and o["reproducible"]
    ] or [np.array(s["migration"]) for o in result["origins"] for s in o["steps"] if s["t"] == t]
    mean = np.mean(matrices, axis=0) if matrices else np.zeros((1, 1))
    rows = [
        {"from": f"segment {i}", "to": f"segment {j}", "share": round(float(mean[i, j]), 4)}
        for i in range(mean.shape[0])
        for j in range(mean.shape[1])
    ]
    weeks = round(t * result["config"]["step_days"] / 7, 1)
    return (
        alt.Chart(
            pd.DataFrame(rows), title=f"Where customers are {weeks} weeks later (frozen model)"
        )
        .mark_rect()
        .encode(
            x=alt.X("to:N", title="segment later"),
            y=alt.Y("from:N", title="segment at the origin"),
            color=alt.Color("share:Q", scale=alt.Scale(domain=[0, 1])),
            tooltip=["from", "to", "share"],
        )
        .properties(width=260, height=260)
    )
