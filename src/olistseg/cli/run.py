"""``run`` (the whole pipeline) and ``notebook``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from olistseg import api
from olistseg.cli.app import app, console, timestamp
from olistseg.cli.render import RunRenderer


@app.command("run")
def run(
    data: Annotated[
        Path | None, typer.Option("--data", help="Input data; default: generate synthetic data.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    lang: Annotated[
        str, typer.Option("--lang", help="Language of the deliverables: en or fr.")
    ] = "en",
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Reference date; default: the end of the last complete month."
        ),
    ] = None,
    customers: Annotated[
        int, typer.Option(help="Synthetic customers when --data is absent.")
    ] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic data.")] = 42,
    stability_seeds: Annotated[
        int,
        typer.Option(
            "--stability-seeds", help="Stability simulations (1 + reruns with other seeds)."
        ),
    ] = 1,
    keep_partial: Annotated[
        bool,
        typer.Option("--keep-partial", help="Keep OUT.partial after a failed run."),
    ] = False,
) -> None:
    """The whole pipeline: (synthetic data), load, KPIs, segments, stability, deliverables.

    Everything is built in OUT.partial and swapped into OUT only when every step has
    succeeded: a failed run leaves the previous outputs as they were. OUT must be new, empty
    or an earlier run's output: olistseg never replaces a folder holding other files.
    """
    renderer = RunRenderer()
    try:
        result = api.run(
            data,
            out,
            lang=lang,
            as_of=timestamp(as_of),
            customers=customers,
            seed=seed,
            keep_partial=keep_partial,
            stability_seeds=stability_seeds,
            progress=renderer,
        )
    finally:
        renderer.close()
    console().print(
        f"[green]Done[/] in {result.step_seconds['total']:.1f} s: {result.out / 'run.json'}"
    )


@app.command("notebook")
def notebook_command(
    out: Annotated[Path, typer.Option("--out", help="The executed .ipynb to write.")],
    run_folder: Annotated[
        Path | None, typer.Option("--run", help="A folder written by `olistseg run`.")
    ] = None,
    data: Annotated[
        Path | None, typer.Option("--data", help="Run the pipeline on this data first.")
    ] = None,
) -> None:
    """Execute notebooks/olistseg.py (jupytext) with nbclient on a run's outputs."""
    with console().status("Executing the notebook..."):
        written = api.notebook(out, run_folder, data)
    console().print(f"Written: {written}")
