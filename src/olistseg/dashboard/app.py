"""Streamlit app: ``olistseg dashboard --warehouse FILE`` (or ``streamlit run app.py -- FILE``).

Read-only warehouse connection, cached queries, nothing fetched from the network.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from olistseg.campaigns.report import plan_rows, verdict_text
from olistseg.dashboard.model import (
    WINDOWS,
    TileValue,
    data_bounds,
    filter_choices,
    load_report,
    quarantine_summary,
    run_outputs,
    tile_results,
)
from olistseg.kpi.catalog import REQUIRED_QUESTIONS, compose, kpi_catalog
from olistseg.kpi.charts import TRENDS, breakdown_chart, chart_for, format_value
from olistseg.kpi.export import to_csv
from olistseg.kpi.run import KpiParams, KpiResult, run_kpis
from olistseg.warehouse.now import incomplete_tail, monthly_orders

ALL = "All"
PAGES = ("Overview", "Questions", "Segments", "Campaigns", "Data quality")


def warehouse_path() -> str:
    if len(sys.argv) > 1:
        return sys.argv[-1]
    return os.environ.get("OLISTSEG_WAREHOUSE", "out/warehouse/olist.duckdb")


@st.cache_resource
def connection(path: str) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(path, read_only=True)


def cursor() -> duckdb.DuckDBPyConnection:
    # One cursor per call: DuckDB connections are not shared across Streamlit's threads.
    return connection(warehouse_path()).cursor()


@st.cache_data(show_spinner=False)
def cached_kpis(path: str, params: KpiParams, names: tuple[str, ...]) -> dict[str, KpiResult]:
    return run_kpis(cursor(), params, list(names))[1]


@st.cache_data(show_spinner=False)
def cached_tiles(
    path: str, as_of: dt.datetime, months: int, state: str | None, category: str | None
) -> list[TileValue]:
    return tile_results(cursor(), as_of, months, state, category)


@st.cache_data(show_spinner=False)
def cached_choices(
    path: str,
) -> tuple[tuple[list[str], list[str]], tuple[dt.datetime, dt.datetime], dict | None]:
    return (
        filter_choices(cursor()),
        data_bounds(cursor()),
        incomplete_tail(monthly_orders(cursor())),
    )


def sidebar() -> dict:
    (states, categories), (first, last), tail = cached_choices(warehouse_path())
    st.sidebar.title("olistseg")
    page = st.sidebar.radio("Page", PAGES, key="page")
    # An incomplete tail (the data stops arriving) would read as a collapse: default to the
    # last complete month, say why, and still let the user pick any date.
    default = last if tail is None else min(tail["complete_until"], last)
    as_of_day = st.sidebar.date_input(
        "As of", value=default.date(), min_value=first.date(), max_value=last.date(), key="as_of"
    )
    if tail is not None:
        st.sidebar.caption(f"Default {default:%Y-%m-%d}: {tail['reason']}.")
    # as_of = the end of the chosen day, but never past the data's last purchase
    as_of = min(dt.datetime.combine(as_of_day, dt.time(23, 59, 59)), last)
    period = st.sidebar.date_input(
        "Date range (trends and questions)",
        value=(first.date(), as_of.date()),
        min_value=first.date(),
        max_value=last.date(),
        key="date_range",
    )
    start, end = (
        period if isinstance(period, tuple) and len(period) == 2 else (first.date(), as_of.date())
    )
    state = st.sidebar.selectbox("Customer state", [ALL, *states], key="state")
    category = st.sidebar.selectbox("Product category", [ALL, *categories], key="category")
    tile_window = st.sidebar.radio(
        "Tile window", list(WINDOWS), index=1, key="window", horizontal=True
    )
    return {
        "page": page,
        "as_of": as_of,
        "date_from": dt.datetime.combine(start, dt.time.min),
        "date_to": min(dt.datetime.combine(end, dt.time(23, 59, 59)), as_of),
        "state": None if state == ALL else state,
        "category": None if category == ALL else category,
        "window": tile_window,
        "tail": tail,
    }


def _delta(change: float | None) -> str | None:
    return None if change is None else f"{change:+.1%}"


def overview(f: dict) -> None:
    st.header("Customer Experience KPIs")
    st.caption(
        f"Tiles: the {f['window']} up to {f['as_of']:%Y-%m-%d %H:%M}; change against the previous "
        f"{f['window']} (arrow) and the same {f['window']} a year earlier."
    )
    tail = f.get("tail")
    if tail is not None and f["as_of"] > tail["complete_until"]:
        st.warning(
            f"The tiles reach into incomplete data: {tail['reason']}. A drop here is "
            "missing data, not customers leaving."
        )
    tiles = cached_tiles(
        warehouse_path(), f["as_of"], WINDOWS[f["window"]], f["state"], f["category"]
    )
    columns = st.columns(3)
    for index, value in enumerate(tiles):
        with columns[index % 3]:
            st.metric(
                value.tile.label,
                format_value(value.current, value.tile.fmt),
                delta=_delta(value.change_vs_previous),
                delta_color="normal" if value.tile.higher_is_better else "inverse",
            )
            year = value.change_vs_year_before
            st.caption(f"vs a year earlier: {'n/a' if year is None else f'{year:+.1%}'}")
    params = KpiParams(f["as_of"], f["date_from"], f["date_to"], f["state"], f["category"])
    names = tuple(name for name, m in kpi_catalog().items() if m.is_trend)
    results = cached_kpis(warehouse_path(), params, names)
    st.subheader("Trends")
    left, right = st.columns(2)
    for index, name in enumerate(n for n in names if n in TRENDS):
        chart = chart_for(results[name])
        with left if index % 2 == 0 else right:
            if chart is None:
                st.info(f"{results[name].title}: no data for these filters.")
            else:
                st.altair_chart(chart, width="stretch")
    st.subheader("Breakdowns")
    for name in (
        "late_rate_by_state",
        "score_by_lateness",
        "satisfaction_by_category",
        "freight_share_by_state",
    ):
        if results[name].rows:
            st.altair_chart(breakdown_chart(results[name]), width="stretch")


def questions(f: dict) -> None:
    st.header("The four questions")
    params = KpiParams(f["as_of"], f["date_from"], f["date_to"], f["state"], f["category"])
    results = cached_kpis(warehouse_path(), params, REQUIRED_QUESTIONS)
    for name in REQUIRED_QUESTIONS:
        result = results[name]
        st.subheader(result.title)
        st.markdown(f"**{result.question}**")
        st.caption(result.definition)
        st.dataframe(result.to_frame(), hide_index=True, width="stretch")
        st.download_button(
            f"Download {name}.csv",
            to_csv(result),
            file_name=f"{name}.csv",
            mime="text/csv",
            key=f"download_{name}",
        )
        with st.expander("SQL"):
            st.code(compose(kpi_catalog()[name]), language="sql")


def data_quality(f: dict) -> None:
    st.header("Data quality")
    report = load_report(cursor())
    if report is None:
        st.warning("This warehouse has no load report.")
        return
    st.caption(
        f"Source: {report['source']}; orders purchased {report['orders_first_purchase']} "
        f"to {report['orders_last_purchase']}"
    )
    table = pd.DataFrame(report["tables"])[
        ["table", "source", "rows_read", "rows_loaded", "rows_quarantined", "rows_orphaned"]
    ]
    st.dataframe(table, hide_index=True, width="stretch")
    quarantined = int(table["rows_quarantined"].sum())
    st.metric("Quarantined rows", f"{quarantined:,}")
    for warning in report["warnings"]:
        st.warning(warning)
    counts, sample = quarantine_summary(cursor())
    if len(counts):
        st.subheader("Quarantine by reason")
        st.dataframe(counts, hide_index=True, width="stretch")
        st.subheader("First quarantined rows")
        st.dataframe(sample, hide_index=True, width="stretch")


def run_folder() -> Path | None:
    """The `olistseg run` folder: ``OLISTSEG_RUN``, else the one holding this warehouse."""
    configured = os.environ.get("OLISTSEG_RUN")
    folder = Path(configured) if configured else Path(warehouse_path()).resolve().parent.parent
    return folder if (folder / "segments" / "segments.csv").is_file() else None


@st.cache_data(show_spinner=False)
def cached_run(folder: str) -> dict:
    return run_outputs(Path(folder))


def segments_page(f: dict) -> None:
    st.header("Segments")
    folder = run_folder()
    if folder is None:
        st.info(
            "No segmentation next to this warehouse: run `olistseg run --out DIR` and open "
            "DIR/warehouse/olist.duckdb, or set OLISTSEG_RUN to the run folder."
        )
        return
    outputs = cached_run(str(folder))
    profiles, table = outputs["profiles"], outputs["segments"]
    st.caption(f"Run {folder}: {outputs['chosen']}")
    sizes = pd.DataFrame(
        [
            {
                "segment": s["name"],
                "customers": s["share_customers"],
                "revenue": s["share_revenue"],
                "size": s["size"],
                "action": s["action"],
            }
            for s in profiles
        ]
    )
    st.dataframe(sizes, hide_index=True, width="stretch")
    st.vega_lite_chart(
        sizes.melt(id_vars="segment", value_vars=["customers", "revenue"], var_name="share"),
        {
            "mark": "bar",
            "encoding": {
                "y": {"field": "segment", "type": "nominal", "title": None},
                "x": {"field": "value", "type": "quantitative", "axis": {"format": "%"}},
                "color": {"field": "share", "type": "nominal"},
                "yOffset": {"field": "share"},
            },
        },
        width="stretch",
    )
    st.subheader("Profiles against the population (lift)")
    st.dataframe(outputs["lifts"], width="stretch")
    stability = outputs["stability"]
    if stability is not None:
        st.subheader("Stability over time")
        cadence = stability["cadence"]
        st.metric("Retrain every (weeks)", f"{cadence['weeks']:g}", help=cadence["reason"])
        curve = pd.DataFrame(stability["curve"])[["weeks", "ari_median", "ari_p10"]]
        st.line_chart(curve.set_index("weeks"))
    value = outputs["value"]
    if value is not None and value["expected_value_12m"].notna().any():
        st.subheader("What customers are worth: expected value of the next 12 months (BRL)")
        st.caption(
            "BG/NBD + Gamma-Gamma (pymc-marketing), fitted on purchase occasions; "
            "a box per segment (log scale: most customers are worth a few BRL, a few "
            "repeat buyers far more)."
        )
        shown = value[["segment_name", "expected_value_12m"]].dropna()
        shown = shown[shown["expected_value_12m"] > 0]
        st.vega_lite_chart(
            shown.sample(min(len(shown), 20_000), random_state=0),
            {
                "mark": {"type": "boxplot", "extent": "min-max"},
                "encoding": {
                    "y": {"field": "segment_name", "type": "nominal", "title": None},
                    "x": {
                        "field": "expected_value_12m",
                        "type": "quantitative",
                        "scale": {"type": "log"},
                        "title": "expected value, 12 months (BRL)",
                    },
                },
            },
            width="stretch",
        )
    audiences = outputs["audiences"]
    if audiences is not None:
        st.subheader("Campaign audiences")
        st.caption(" ".join(f"{rule[0].upper()}{rule[1:]}." for rule in audiences["rules"]))
        rows = [
            {
                "file": a["file"],
                "segment": a["segment_name"],
                "customers": a["customers"],
                "expected value (BRL)": a["expected_value_12m"],
                "promotional": a["promotional"],
                "action": a["action"],
            }
            for a in audiences["audiences"]
        ]
        suppressed = audiences["suppressed"]
        rows.append(
            {
                "file": suppressed["file"],
                "segment": "suppressed (service recovery only)",
                "customers": suppressed["customers"],
                "expected value (BRL)": suppressed["expected_value_12m"],
                "promotional": False,
                "action": suppressed["action"],
            }
        )
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        files = [r["file"] for r in rows]
        picked = st.selectbox("Audience", files, key="audience_download")
        path = outputs["audiences_folder"] / picked
        if path.is_file():
            st.download_button(
                f"Download {picked}", path.read_bytes(), file_name=picked, key="download_audience"
            )
    st.subheader("Look up a customer")
    customer = st.text_input("customer_unique_id", key="customer")
    if customer:
        found = table[table["customer_unique_id"] == customer.strip()]
        if found.empty:
            st.warning("No such customer in this segmentation.")
        else:
            st.dataframe(found, hide_index=True, width="stretch")
    st.subheader("Customers of a segment, for a campaign tool")
    names = [s["name"] for s in profiles]
    chosen = st.selectbox("Segment", names, key="segment_download")
    members = table[table["segment_name"] == chosen]
    st.download_button(
        f"Download {len(members):,} customers (CSV)",
        members.to_csv(index=False),
        file_name=f"segment_{names.index(chosen)}.csv",
        mime="text/csv",
        key="download_segment",
    )


def campaigns_page(f: dict) -> None:
    """The campaign plan of the run: one row per campaign, the verdicts, and each audience with
    its treatment / holdout group to download."""
    st.header("Campaigns")
    folder = run_folder()
    plan_file = None if folder is None else folder / "campaigns" / "plan.json"
    if plan_file is None or not plan_file.is_file():
        st.info(
            "No campaign plan found: run `olistseg run` (or `olistseg campaigns --out "
            "RUN/campaigns`) and set OLISTSEG_RUN to the run folder."
        )
        return
    plan = cached_plan(str(plan_file))
    pooled = plan["pooled"]
    st.caption(
        f"As of {plan['as_of'][:10]}: {plan['holdout_share']:.0%} of each audience held out at "
        f"random; expected rates observed over {plan['horizon_days']} days before it."
    )
    headings, rows = plan_rows(plan)
    st.dataframe(pd.DataFrame(rows, columns=headings), hide_index=True, width="stretch")
    mde = pooled["minimum_detectable_lift"]
    st.markdown(
        f"All campaigns pooled: {pooled['treatment']:,} treated, {pooled['holdout']:,} held "
        f"out, smallest detectable lift {'none' if mde is None else f'+{mde:.0%}'}."
    )
    for c in plan["campaigns"]:
        st.markdown(f"- **{c['campaign_id']}**: {verdict_text(c['verdict'])}")
    files = [c["file"] for c in plan["campaigns"]]
    picked = st.selectbox("Campaign audience (with its group column)", files, key="campaign_file")
    path = plan_file.parent / picked
    if path.is_file():
        st.download_button(
            f"Download {picked}", path.read_bytes(), file_name=picked, key="download_campaign"
        )


@st.cache_data(show_spinner=False)
def cached_plan(path: str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def main() -> None:
    st.set_page_config(page_title="olistseg KPIs", layout="wide")
    filters = sidebar()
    pages = {
        "Overview": overview,
        "Questions": questions,
        "Segments": segments_page,
        "Campaigns": campaigns_page,
        "Data quality": data_quality,
    }
    pages[filters["page"]](filters)


main()
