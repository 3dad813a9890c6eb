"""``stability`` and ``monitor``: how long segments stay valid, and the scheduled check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from olistseg import api
from olistseg.cli.app import (
    DataInput,
    ModelOption,
    WarehouseInput,
    app,
    console,
    timestamp,
)
from olistseg.cli.render import cadence_table, progress
from olistseg.models import ARI_THRESHOLD

#: ``monitor`` exit code when the model must be retrained (0 when it may be kept).
RETRAIN_EXIT_CODE = 3


@app.command("stability")
def stability_command(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for stability.json, charts, contract.")
    ],
    data: DataInput = None,
    warehouse: WarehouseInput = None,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Take algorithm, k, features and seed from a saved model."),
    ] = None,
    algorithm: Annotated[
        str | None,
        typer.Option(help="Algorithm to measure instead (default: what `segment` would choose)."),
    ] = None,
    k: Annotated[
        int | None, typer.Option("--k", help="Segments, with --algorithm (default: the chosen k).")
    ] = None,
    threshold: Annotated[float, typer.Option(help="ARI a model must keep.")] = ARI_THRESHOLD,
    step: Annotated[str, typer.Option(help="Time between steps: 1w, 2w, 10d...")] = "1w",
    origins: Annotated[int, typer.Option("--origins", help="Number of origins.")] = 12,
    refit: Annotated[str, typer.Option(help="warm (from the current segments) or cold.")] = "warm",
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="End of the simulation; default: the end of the last complete month."
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the whole run (default: the model's, or 42).")
    ] = None,
    seeds: Annotated[
        int, typer.Option(help="Whole simulations with other seeds (robustness).")
    ] = 3,
    costs: Annotated[
        Path | None,
        typer.Option("--costs", help="JSON or TOML with the contract's cost parameters."),
    ] = None,
) -> None:
    """Simulate how long a segmentation stays valid; recommend a retrain cadence and contract."""
    from olistseg.stability.config import parse_step

    with progress("Simulating", "Simulating") as on_origin:
        result = api.stability(
            out,
            data,
            warehouse,
            model=model,
            end=timestamp(as_of),
            progress=on_origin,
            algorithm=algorithm,
            k=k,
            threshold=threshold,
            step_days=parse_step(step),
            n_origins=origins,
            refit=refit,
            seeds=seeds,
            costs=costs,
            **({"seed": seed} if seed is not None else {}),
        )
    if result.get("measured_model"):
        console().print(f"Measured: {result['measured_model']}")
    cadence_table(result)
    console().print(f"Outputs in [bold]{out}[/]: stability.json, maintenance.md, charts/")


@app.command("monitor")
def monitor_command(
    model: ModelOption,
    data: DataInput = None,
    warehouse: WarehouseInput = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Check as of this time; default: the end of the last complete month."
        ),
    ] = None,
    threshold: Annotated[float, typer.Option(help="ARI the model must keep.")] = ARI_THRESHOLD,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the check as JSON.")] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="text or json (on stdout).")
    ] = "text",
) -> None:
    """The monthly check of a saved model: exit code 0 KEEP, 3 RETRAIN, with the reasons."""
    import json
    import sys

    from olistseg.errors import InputError

    if output_format not in ("text", "json"):
        raise InputError(f"--format {output_format!r}: choose text or json.")
    from olistseg.atomic import write_json

    with console().status("Checking the model..."):
        check = api.monitor(model, data, warehouse, as_of=timestamp(as_of), threshold=threshold)
    if output_format == "json":
        sys.stdout.write(json.dumps(check, indent=2) + "\n")
    else:
        colour = "red" if check["decision"] == "retrain" else "green"
        console().print(
            f"[bold {colour}]{check['decision'].upper()}[/] as of {check['as_of']} "
            f"(model trained as of {check['model_as_of']})"
        )
        for reason in check["reasons"]:
            console().print(f"  - {reason}")
    if out is not None:
        write_json(out, check)
    if check["decision"] == "retrain":
        raise typer.Exit(RETRAIN_EXIT_CODE)
