"""Altair chart specs for the KPIs: one spec serves the dashboard, the HTML export and the report.

Charts are built from a :class:`~olistseg.kpi.run.KpiResult`; the static exports render the same
spec to SVG or PNG offline with vl-convert.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from olistseg.kpi.run import KpiResult

BRAND = "#1f4e79"
MIN_REVIEWS_IN_CHART = 30


@dataclass(frozen=True)
class Tile:
    """A headline number: the KPI's column shown for the 'total' period."""

    kpi: str
    column: str
    label: str
    fmt: str  # Python format spec, e.g. ",.0f" or ".1%"
    higher_is_better: bool = True


#: Headline tiles of the dashboard, in display order.
TILES: tuple[Tile, ...] = (
    Tile("orders_gmv", "orders", "Orders", ",.0f"),
    Tile("orders_gmv", "gmv", "GMV (BRL)", ",.0f"),
    Tile("orders_gmv", "avg_order_value", "Average order value (BRL)", ",.2f"),
    Tile("on_time_delivery", "on_time_rate", "On-time delivery", ".1%"),
    Tile("delivery_time", "median_days", "Median delivery (days)", ".1f", higher_is_better=False),
    Tile("review_score_mix", "mean_score", "Mean review score", ".2f"),
    Tile("low_score_share", "low_share", "1-2 star reviews", ".1%", higher_is_better=False),
    Tile("cancellation_rate", "canceled_rate", "Canceled orders", ".2%", higher_is_better=False),
    Tile("repeat_customers", "repeat_rate", "Repeat customers", ".1%"),
)

#: For each trend KPI, the metric drawn month by month and its axis title.
TRENDS: dict[str, tuple[str, str]] = {
    "orders_gmv": ("gmv", "GMV (BRL)"),
    "on_time_delivery": ("on_time_rate", "On-time rate"),
    "delivery_time": ("median_days", "Median delivery days"),
    "late_order_lateness": ("mean_days_late", "Mean days late (late orders)"),
    "review_score_mix": ("mean_score", "Mean review score"),
    "low_score_share": ("low_share", "Share of 1-2 star reviews"),
    "cancellation_rate": ("canceled_rate", "Canceled rate"),
    "repeat_customers": ("repeat_rate", "Repeat-customer rate"),
    "review_answer_time": ("median_hours", "Median hours to answer"),
}

#: Breakdown KPIs drawn as bars of their 'total' rows: (category column, value column, title).
BREAKDOWNS: dict[str, tuple[str, str, str]] = {
    "late_rate_by_state": ("customer_state", "late_rate", "Late-delivery rate"),
    "freight_share_by_state": ("customer_state", "freight_share", "Freight share of order value"),
    "score_by_lateness": ("lateness", "mean_score", "Mean review score"),
    "satisfaction_by_category": ("category", "mean_score", "Mean review score"),
}


def monthly(result: KpiResult) -> pd.DataFrame:
    """The monthly rows of a trend KPI, with ``month`` as a timestamp."""
    frame = result.to_frame()
    frame = frame[frame["period"] != "total"].copy()
    frame["month"] = pd.to_datetime(frame["period"] + "-01")
    return frame


def totals(result: KpiResult) -> pd.DataFrame:
    frame = result.to_frame()
    return frame[frame["period"] == "total"].drop(columns="period")


def trend_chart(result: KpiResult, width: int = 520, height: int = 220) -> alt.Chart:
    """Month-by-month line of the KPI's main metric."""
    column, title = TRENDS[result.name]
    return (
        alt.Chart(monthly(result), title=result.title)
        .mark_line(point=True, color=BRAND)
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%Y-%m")),
            y=alt.Y(f"{column}:Q", title=title),
            tooltip=[
                alt.Tooltip("period:N", title="month"),
                alt.Tooltip(f"{column}:Q", title=title),
            ],
        )
        .properties(width=width, height=height)
    )


def breakdown_chart(result: KpiResult, top: int = 15, width: int = 520) -> alt.Chart:
    """Horizontal bars of a breakdown KPI over the whole period (the ``top`` largest values)."""
    category, value, title = BREAKDOWNS[result.name]
    frame = totals(result)
    if "reviews" in frame.columns:  # a mean over a handful of reviews is noise
        frame = frame[frame["reviews"] >= MIN_REVIEWS_IN_CHART]
    ascending = result.name == "satisfaction_by_category"  # worst categories first
    frame = frame.sort_values(value, ascending=ascending).head(top)
    return (
        alt.Chart(frame, title=result.title)
        .mark_bar(color=BRAND)
        .encode(
            x=alt.X(f"{value}:Q", title=title),
            y=alt.Y(f"{category}:N", sort=None, title=None),
            tooltip=[f"{category}:N", f"{value}:Q"],
        )
        .properties(width=width, height=max(120, 18 * len(frame)))
    )


def chart_for(result: KpiResult) -> alt.Chart | None:
    """The chart of a KPI, or ``None`` when it is a plain table (the four questions)."""
    if not result.rows:
        return None
    if result.name in TRENDS:
        return trend_chart(result)
    if result.name in BREAKDOWNS:
        return breakdown_chart(result)
    return None


def tile_values(results: dict[str, KpiResult], tile: Tile) -> tuple[float | None, dict[str, float]]:
    """A tile's value over the whole period and its value per month."""
    result = results.get(tile.kpi)
    if result is None or not result.rows:
        return None, {}
    frame = result.to_frame()
    total = frame.loc[frame["period"] == "total", tile.column]
    months = frame[frame["period"] != "total"].set_index("period")[tile.column]
    return (float(total.iloc[0]) if len(total) else None), months.astype(float).to_dict()


def format_value(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else format(value, fmt)
