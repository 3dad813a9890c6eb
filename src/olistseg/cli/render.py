"""What the commands print: progress (a bar on a terminal, a line per step in a log) and the
result tables. Nothing here computes a number; it only shows what the API returned."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from olistseg.cli.app import console
from olistseg.i18n import schedule_words

if TYPE_CHECKING:
    import datetime as dt

    from olistseg.kpi.run import KpiResult
    from olistseg.pipeline import RunEvent
    from olistseg.warehouse.info import TableInfo
    from olistseg.warehouse.load import LoadReport


@contextlib.contextmanager
def progress(start: str, verb: str) -> Iterator[Callable[[str, int, int], None]]:
    """Yields the ``(label, position, total)`` callback the API's long steps call.

    On a terminal: a transient bar. Elsewhere (a log, a scheduler): one line when the step
    starts and one with its time when it ends, so a long step is never silent.
    """
    out = console()
    if not out.is_terminal:
        started = time.perf_counter()
        out.print(f"{start}...", highlight=False)
        yield lambda label, position, total: None
        out.print(f"{start}: done in {time.perf_counter() - started:.1f} s", highlight=False)
        return
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[count]}"),
        TimeElapsedColumn(),
        console=out,
        transient=True,
    )
    with bar:
        task = bar.add_task(start, total=None, count="")

        def step(label: str, position: int, total: int) -> None:
            bar.update(
                task,
                total=total,
                completed=position,
                description=f"{verb} {label}",
                count=f"{position}/{total}",
            )

        yield step


class RunRenderer:
    """Renders :class:`~olistseg.pipeline.RunEvent`: a status line per step, its table when
    done, and on a non-terminal output a plain line per step with its time."""

    def __init__(self) -> None:
        self.out = console()
        self._stack = contextlib.ExitStack()
        self._update: Callable[[str, int, int], None] | None = None

    def __call__(self, event: RunEvent) -> None:
        if event.status == "start":
            self._update = self._stack.enter_context(progress(event.label, "…"))
        elif event.status == "update" and self._update is not None:
            self._update(event.label, event.position or 0, event.total or 0)
        elif event.status == "done":
            self._stack.close()
            self._update = None
            if self.out.is_terminal:
                self.out.print(f"[green]✓[/] {event.label} ({event.seconds:.1f} s)")
            show = _STEP_TABLES.get(event.step)
            if show is not None:
                show(event.result)

    def close(self) -> None:
        self._stack.close()


def files_table(written: dict[str, Path], seconds: float) -> None:
    table = RichTable(title=f"Synthetic data written in {seconds:.1f} s")
    table.add_column("table")
    table.add_column("file")
    table.add_column("size", justify="right")
    for name, path in written.items():
        table.add_row(name, str(path), f"{path.stat().st_size / 1e6:.1f} MB")
    console().print(table)


def report_table(report: LoadReport) -> None:
    table = RichTable(title=f"Load report ({report.seconds:.1f} s)")
    for col in ("table", "source", "read", "loaded", "quarantined", "orphaned"):
        table.add_column(col, justify="left" if col in ("table", "source") else "right")
    for t in report.tables:
        table.add_row(
            t.table,
            t.source or "(absent)",
            f"{t.rows_read:,}",
            f"{t.rows_loaded:,}",
            f"[red]{t.rows_quarantined:,}[/]" if t.rows_quarantined else "0",
            f"[yellow]{t.rows_orphaned:,}[/]" if t.rows_orphaned else "0",
        )
    out = console()
    out.print(table)
    out.print(
        f"Orders purchased from {report.orders_first_purchase} to {report.orders_last_purchase}"
    )
    for warning in report.warnings:
        out.print(f"[yellow]warning:[/] {warning}")


def info_table(warehouse: Path, infos: list[TableInfo], quarantined: int) -> None:
    table = RichTable(title=f"Warehouse {warehouse}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("date ranges")
    for item in infos:
        ranges = "\n".join(f"{col}: {lo} .. {hi}" for col, (lo, hi) in item.date_ranges.items())
        table.add_row(item.table, f"{item.rows:,}", ranges)
    console().print(table)
    console().print(f"Quarantined rows: {quarantined:,}")


def kpi_tables(as_of: dt.datetime, results: dict[str, KpiResult]) -> None:
    out = console()
    out.print(f"[bold]As of {as_of}[/]")
    for result in results.values():
        rows = result.rows
        note = ""
        if "period" in result.columns:
            index = result.columns.index("period")
            rows = [r for r in rows if r[index] == "total"]
            note = f" (total; {result.row_count - len(rows)} monthly rows in --format json/csv)"
        table = RichTable(title=f"{result.title}{note}", title_justify="left")
        for column in result.columns:
            table.add_column(column)
        for row in rows[:20]:
            table.add_row(*("" if v is None else str(v) for v in row))
        if len(rows) > 20:
            table.caption = f"{len(rows) - 20} more rows"
        out.print(table)


def _silhouette_note(summary: dict) -> str:
    method = summary.get("silhouette_method") or {}
    if method.get("method") != "stratified_sample":
        return ""
    return f" on a stratified sample of {method['sample_size']:,} of {method['population']:,}"


def segments_table(summary: dict) -> None:
    chosen = summary["chosen"]
    stability = chosen.get("stability_bootstrap")
    table = RichTable(
        title=f"{chosen['algorithm']} with {chosen['n_clusters']} segments "
        f"(silhouette {chosen['silhouette']}{_silhouette_note(summary)}"
        + (f", stability {stability}" if stability is not None else "")
        + f"; {summary['selection_reason']})",
        title_justify="left",
    )
    for column in ("id", "segment", "customers", "revenue", "action"):
        table.add_column(column)
    for s in summary["segments"]:
        table.add_row(
            str(s["segment_id"]),
            s["name"],
            f"{s['share_customers']:.1%}",
            f"{s['share_revenue']:.1%}",
            s["action"],
        )
    console().print(table)


def score_table(summary: dict) -> None:
    table = RichTable(
        title=f"{summary['customers']:,} customers scored as of {summary['as_of']} "
        f"(model trained as of {summary['model_as_of']})",
        title_justify="left",
    )
    table.add_column("segment")
    table.add_column("customers", justify="right")
    for name, count in summary["segments"].items():
        table.add_row(name, f"{count:,}")
    console().print(table)
    days = summary.get("days_after_training")
    if days:
        when = "after" if days > 0 else "before"
        console().print(
            f"Scored {abs(days)} days {when} the model's training date: the frozen "
            "model assigns segments as they were defined then."
        )


def validation_table(result: dict) -> None:
    """AUC of repurchase per origin for the segments and each baseline, then the findings."""
    names = {
        "chosen": "segments",
        "rfm": "RFM",
        "random": "random",
        "highest_silhouette": "highest silhouette",
    }
    present = [k for k in names if k in result["origins"][0]]
    table = RichTable(
        title=f"Repurchase within {result['horizon_days']} days: AUC by origin",
        title_justify="left",
    )
    for column in ("origin", "customers", "repurchased", *(names[k] for k in present)):
        table.add_column(column, justify="right")
    for o in result["origins"]:
        table.add_row(
            o["origin"][:10],
            f"{o['customers']:,}",
            f"{o['repurchase_rate']:.2%}",
            *(str(o[k]["auc"]) for k in present),
        )
    out = console()
    out.print(table)
    for finding in result["summary"]["findings"]:
        out.print(f"  - {finding}")


def cadence_table(result: dict) -> None:
    cadence = result["cadence"]
    every = (
        f"Retrain every {cadence['weeks']} weeks" if cadence["weeks"] is not None else "No cadence"
    )
    table = RichTable(title=f"{every}: {cadence['reason']}", title_justify="left")
    for column in ("weeks", "origins", "ARI median", "ARI p10", "max PSI (median)"):
        table.add_column(column, justify="right")
    for row in result["curve"][:: max(1, len(result["curve"]) // 12)]:
        table.add_row(
            str(row["weeks"]),
            str(row["origins"]),
            f"{row['ari_median']:.3f}",
            f"{row['ari_p10']:.3f}",
            f"{row['psi_max_median']:.3f}",
        )
    out = console()
    out.print(table)
    note = result["config"].get("model_note")
    if note:
        out.print(f"[yellow]note:[/] {note}")
    noise = result["baseline_noise"]
    out.print(
        f"Baseline noise (other seeds, same date): median ARI {noise['median']}, "
        f"p10 {noise['p10']}; simulation took {result['timings']['total_s']} s."
    )
    schedule, interval = cadence.get("schedule"), cadence.get("interval_weeks")
    if schedule:
        out.print(
            f"Schedule: a monthly check and a retrain {schedule_words('en', schedule)} "
            f"({schedule['retrains_per_year']} a year)"
            + (f" (interval over origins {interval[0]}-{interval[1]} weeks)" if interval else "")
        )
    robust = result.get("robust")
    if robust:
        out.print(
            f"Robustness: the cadence moves by at most {robust['max_change_leave_one_origin_out_steps']} "
            f"step(s) with one origin left out and {robust['max_change_across_seeds_steps']} "
            f"across {len(result['seeds'])} seeds; {result['steps_left_out_noisy']} steps left "
            "out because their retrain did not reproduce itself."
        )


_STEP_TABLES: dict[str, Callable[[object], None]] = {
    "validate": lambda summary: validation_table(summary["_result"]),  # type: ignore[index]
    "load": report_table,  # type: ignore[dict-item]
    "segment": lambda summary: segments_table(summary["_summary"]),  # type: ignore[index]
    "stability": lambda summary: cadence_table(summary["_result"]),  # type: ignore[index]
}


def value_table(result: dict) -> None:
    """Expected value per segment, then the out-of-time check per origin."""
    table = RichTable(
        title=f"Lifetime value as of {result['as_of'][:10]} (next 12 months, BRL)",
        title_justify="left",
    )
    for column in ("segment", "customers", "expected value", "median", "share", "P(alive)"):
        table.add_column(column, justify="right")
    for s in result["segments"]:
        share = "" if s["share_expected_value"] is None else f"{s['share_expected_value']:.1%}"
        table.add_row(
            s["segment_name"],
            f"{s['customers']:,}",
            f"{s['expected_value_12m']:,.0f}",
            f"{s['median_expected_value_12m']:.2f}",
            share,
            f"{s['median_probability_alive']:.2f}",
        )
    out = console()
    out.print(table)
    check = RichTable(
        title="Out of time: occasions in the horizon, mean absolute error per customer",
        title_justify="left",
    )
    for column in ("origin", "customers", "actual", "BG/NBD", "naive", "MAE BG/NBD", "MAE naive"):
        check.add_column(column, justify="right")
    for o in result["out_of_time"]["origins"]:
        check.add_row(
            o["origin"][:10],
            f"{o['customers']:,}",
            str(o["actual_occasions"]),
            f"{o['predicted_occasions']:.0f}",
            f"{o['naive_occasions']:.0f}",
            f"{o['mae_bgnbd']:.4f}",
            f"{o['mae_naive']:.4f}",
        )
    out.print(check)


def audiences_table(result: dict) -> None:
    """Audience sizes and expected value, then the suppressed customers by reason."""
    table = RichTable(title=f"Audiences as of {result['as_of'][:10]}", title_justify="left")
    for column in ("file", "customers", "expected value (BRL)", "promotional"):
        table.add_column(column, justify="right")
    for a in result["audiences"]:
        value = "" if a["expected_value_12m"] is None else f"{a['expected_value_12m']:,.0f}"
        table.add_row(a["file"], f"{a['customers']:,}", value, "yes" if a["promotional"] else "no")
    suppressed = result["suppressed"]
    table.add_row(suppressed["file"], f"{suppressed['customers']:,}", "", "suppressed")
    out = console()
    out.print(table)
    for reason, count in suppressed["by_reason"].items():
        out.print(f"  - suppressed, {reason}: {count:,}")


def campaigns_table(plan: dict) -> None:
    """One row per campaign: when, audience, holdout, expected buyers, cost, power, verdict."""
    from olistseg.campaigns.report import verdict_text  # Altair: only for this table

    table = RichTable(
        title=f"Campaign plan as of {plan['as_of'][:10]}: {plan['holdout_share']:.0%} held out, "
        f"{plan['horizon_days']}-day window"
    )
    columns = (
        "campaign",
        "when",
        "audience",
        "held out",
        "base rate",
        "cost (BRL)",
        "break-even",
        "detectable lift",
        "measurable",
    )
    for column in columns:
        table.add_column(column, justify="left" if column in ("campaign", "when") else "right")
    for c in plan["campaigns"]:
        timing = c["timing"].get("trigger") or c["timing"].get("occasion")
        mde, even = c["power"]["minimum_detectable_lift"], c["cost"]["break_even_lift"]
        table.add_row(
            c["campaign_id"],
            f"{timing} from {c['timing']['launch']}",
            f"{c['audience']:,}",
            f"{c['holdout']:,}",
            f"{c['expected']['base_rate']:.2%}",
            f"{c['cost']['total']:,.0f}",
            "-" if even is None else f"+{even:.0%}",
            "-" if mde is None else f"+{mde:.0%}",
            c["verdict"]["key"].replace("_", " "),
        )
    out = console()
    out.print(table)
    pooled = plan["pooled"]
    mde = pooled["minimum_detectable_lift"]
    out.print(
        f"Pooled: {pooled['treatment']:,} treated, {pooled['holdout']:,} held out, base rate "
        f"{pooled['base_rate']:.2%}: smallest detectable lift "
        + ("none" if mde is None else f"+{mde:.0%}")
    )
    for c in plan["campaigns"]:
        if c["verdict"]["key"] != "measurable_alone":
            out.print(f"  {c['campaign_id']}: {verdict_text(c['verdict'])}")


def readout_table(readout: dict) -> None:
    """One row per campaign: groups, rates, the relative lift's interval, p, verdict."""
    table = RichTable(title=f"Readout of the plan of {readout['plan_as_of'][:10]}")
    for column in ("campaign", "treated", "held out", "rate t / h", "relative lift (95%)", "p"):
        table.add_column(column, justify="left" if column == "campaign" else "right")
    for c in readout["campaigns"]:
        if not c.get("window"):
            table.add_row(c["campaign_id"], "-", "-", "-", "no data after launch", "-")
            continue
        low, high = c["relative_interval"]
        table.add_row(
            c["campaign_id"],
            f"{c['treatment']['customers']:,}",
            f"{c['holdout']['customers']:,}",
            f"{c['rate_treatment']:.2%} / {c['rate_holdout']:.2%}",
            f"{low:+.0%} to {high:+.0%}",
            f"{c['p_value']:.3g}",
        )
    out = console()
    out.print(table)
    pooled = readout.get("pooled")
    if pooled:
        low, high = pooled["relative_interval"]
        out.print(
            f"Pooled (Mantel-Haenszel, stratified by campaign): {pooled['relative_lift']:+.0%} "
            f"({low:+.0%} to {high:+.0%}), p = {pooled['p_value']:.3g}"
        )
