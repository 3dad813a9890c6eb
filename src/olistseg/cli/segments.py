"""``segment``, ``score``, ``validate``, ``value`` and ``audiences``: fit, select and name
segments; assign customers to them; check them out of time; value customers; list audiences."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from olistseg import api
from olistseg.cli.app import (
    AsOfOption,
    DataInput,
    EngineDataInput,
    EngineOption,
    ModelOption,
    SeedOption,
    SparkMasterOption,
    WarehouseInput,
    app,
    console,
    timestamp,
)
from olistseg.cli.render import (
    audiences_table,
    campaigns_table,
    progress,
    readout_table,
    score_table,
    segments_table,
    validation_table,
    value_table,
)


@app.command("segment")
def segment_command(
    out: Annotated[
        Path,
        typer.Option("--out", help="Output folder (new, empty, or an earlier segment output)."),
    ],
    data: EngineDataInput = None,
    warehouse: WarehouseInput = None,
    as_of: AsOfOption = None,
    features: Annotated[
        str, typer.Option("--features", help="rfm, rfm_satisfaction or full.")
    ] = "rfm_satisfaction",
    algorithms: Annotated[
        str | None, typer.Option("--algorithms", help="Comma-separated, e.g. kmeans,gmm_full.")
    ] = None,
    k_range: Annotated[
        str | None,
        typer.Option("--k-range", help="LOW-HIGH segments to try (default 2-12; Spark: one k, 4)."),
    ] = None,
    seed: SeedOption = 42,
    stability: Annotated[bool, typer.Option(help="Measure stability by refits (slower).")] = True,
    charts: Annotated[
        bool, typer.Option(help="Write charts/ (--no-charts: segments and model only, faster).")
    ] = True,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = None,
) -> None:
    """Segment customers: compare clustering candidates, select, profile, name, save the model."""
    names = [a.strip() for a in algorithms.split(",")] if algorithms else None
    with progress("Segmenting", "Fitting") as on_candidate:
        summary = api.segment(
            out,
            data,
            warehouse,
            as_of=timestamp(as_of),
            features=features,
            algorithms=names,
            k_range=k_range,
            seed=seed,
            stability=stability,
            engine=engine,
            spark_master=spark_master,
            progress=on_candidate,
            charts=charts,
        )
    segments_table(summary)
    table = (
        "segments.parquet"
        if engine == "spark"
        else "segments.csv" + (", charts/" if charts else "")
    )
    console().print(f"Outputs in [bold]{out}[/]: {table}, model/, selection.json, profiles.json")


@app.command("score")
def score_command(
    model: ModelOption,
    out: Annotated[
        str,
        typer.Option(
            "--out",
            help="File to write: .csv or .parquet (with --engine spark: Parquet, a URL too).",
        ),
    ],
    data: EngineDataInput = None,
    warehouse: WarehouseInput = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Score customers known at this time.")
    ] = None,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = None,
    value: Annotated[
        bool,
        typer.Option(
            "--value",
            help="Also each customer's lifetime value and targeting score (fitted at --as-of "
            "and saved beside --out, unless --value-model gives a saved one).",
        ),
    ] = False,
    value_model: Annotated[
        Path | None,
        typer.Option(
            "--value-model",
            help="A saved value model (value_model.json) to apply; implies --value.",
        ),
    ] = None,
    targeting: Annotated[
        str,
        typer.Option(
            "--targeting", help="The targeting score a fitted value model holds: rfm or bgnbd."
        ),
    ] = "rfm",
) -> None:
    """Assign every customer known at --as-of to a segment with a saved model (no refit)."""
    with console().status("Scoring..."):
        summary = api.score(
            model,
            out,
            data,
            warehouse,
            as_of=timestamp(as_of),
            engine=engine,
            spark_master=spark_master,
            value=value,
            value_model=value_model,
            targeting=targeting,
        )
    score_table(summary)
    if summary.get("value_model"):
        console().print(
            f"Lifetime value and targeting score ({summary['targeting']}) from "
            f"[bold]{summary['value_model']}[/]"
        )
    console().print(f"Written: {out}")


@app.command("validate")
def validate_command(
    model: ModelOption,
    out: Annotated[Path, typer.Option("--out", help="Folder for validation.json and charts/.")],
    data: EngineDataInput = None,
    warehouse: WarehouseInput = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Read nothing after this date; default: the data's end."),
    ] = None,
    horizon: Annotated[
        int, typer.Option("--horizon", help="Days observed after each origin.")
    ] = 180,
    origins: Annotated[int, typer.Option("--origins", help="Origins, every 3 months back.")] = 4,
) -> None:
    """Do the segments predict what customers do next? Out-of-time check against RFM."""
    with progress("Validating", "Replaying") as on_origin:
        result = api.validate(
            model,
            out,
            data,
            warehouse,
            as_of=timestamp(as_of),
            horizon_days=horizon,
            n_origins=origins,
            progress=on_origin,
        )
    validation_table(result)
    console().print(f"Outputs in [bold]{out}[/]: validation.json, charts/")


@app.command("value")
def value_command(
    model: ModelOption,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for clv.parquet, value.json, charts/.")
    ],
    data: EngineDataInput = None,
    warehouse: WarehouseInput = None,
    as_of: AsOfOption = None,
    origins: Annotated[
        int, typer.Option("--origins", help="Out-of-time check origins, every 3 months back.")
    ] = 4,
) -> None:
    """Lifetime value per customer (BG/NBD + Gamma-Gamma) and its out-of-time check."""
    with progress("Valuing", "Fitting") as on_step:
        result = api.value(
            model, out, data, warehouse, as_of=timestamp(as_of), n_origins=origins, progress=on_step
        )
    value_table(result)
    console().print(f"Outputs in [bold]{out}[/]: clv.parquet, value.json, charts/")


@app.command("audiences")
def audiences_command(
    model: ModelOption,
    out: Annotated[Path, typer.Option("--out", help="Folder for the audience files.")],
    data: EngineDataInput = None,
    warehouse: WarehouseInput = None,
    as_of: AsOfOption = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
) -> None:
    """Campaign lists: one audience per segment, with the suppression rules applied."""
    with console().status("Building audiences..."):
        result = api.audiences(model, out, data, warehouse, as_of=timestamp(as_of), fmt=fmt)
    audiences_table(result)
    console().print(
        f"Outputs in [bold]{out}[/]: one file per audience, suppressed.{fmt}, audiences.json"
    )


@app.command("campaigns")
def campaigns_command(
    model: ModelOption,
    out: Annotated[Path, typer.Option("--out", help="Folder for the plan and its audiences.")],
    data: DataInput = None,
    warehouse: WarehouseInput = None,
    as_of: AsOfOption = None,
    holdout: Annotated[
        float, typer.Option("--holdout", help="Share of each audience held out at random.")
    ] = 0.10,
    costs: Annotated[
        Path | None,
        typer.Option("--costs", help="TOML or JSON costs (per contact, offer, margin), in BRL."),
    ] = None,
    seed: SeedOption = 42,
) -> None:
    """The campaign plan: timing, audience, holdout, expected buyers, cost and power."""
    with console().status("Planning campaigns..."):
        plan = api.campaigns(
            model,
            out,
            data,
            warehouse,
            as_of=timestamp(as_of),
            holdout=holdout,
            costs=costs,
            seed=seed,
        )
    campaigns_table(plan)
    console().print(f"Outputs in [bold]{out}[/]: plan.json, plan.csv, one campaign_<id>.csv each")


@app.command("measure")
def measure_command(
    plan: Annotated[Path, typer.Option("--plan", help="A plan folder written by `campaigns`.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for readout.json and .html.")],
    data: DataInput = None,
    warehouse: WarehouseInput = None,
    lang: Annotated[str, typer.Option("--lang", help="en or fr.")] = "en",
) -> None:
    """The readout: treatment against holdout, per campaign and pooled, with intervals."""
    with console().status("Measuring the campaigns..."):
        readout = api.measure(plan, out, data, warehouse, lang=lang)
    readout_table(readout)
    console().print(f"Outputs in [bold]{out}[/]: readout.json, readout.html")
