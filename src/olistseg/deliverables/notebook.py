"""The analysis notebook: ``notebooks/olistseg.py`` (jupytext percent format) executed with
nbclient against one run's folder, written as ``.ipynb`` with its outputs."""

from __future__ import annotations

import os
import re
from pathlib import Path

from olistseg.atomic import atomic_path
from olistseg.errors import InputError

SOURCE = Path(__file__).resolve().parents[3] / "notebooks" / "olistseg.py"


def execute_notebook(
    run_folder: Path,
    out: Path,
    source: Path = SOURCE,
    timeout: int = 600,
    run_name: str | None = None,
) -> Path:
    """Execute the notebook on the run in ``run_folder``; fail on any cell error.

    ``run_name`` is the run folder's name as the reader will know it (a run is executed in
    its ``.partial`` build folder). The output is deterministic: cell ids follow the cell
    order and no execution timestamps are recorded. Returns ``out``.
    """
    # Jupyter's stack takes a second to import; only a run that writes the notebook pays it.
    import jupytext
    import nbformat
    from nbclient import NotebookClient

    if not source.is_file():
        raise InputError(
            f"{source}: the notebook source is missing (it ships with the repository)."
        )
    notebook = jupytext.read(source)
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index:03d}"
    previous = os.environ.get("OLISTSEG_RUN")
    os.environ["OLISTSEG_RUN"] = str(Path(run_folder).resolve())
    os.environ["OLISTSEG_RUN_NAME"] = run_name or Path(run_folder).resolve().name
    try:
        # The kernel's own log (e.g. its warning about running over local TCP) is not for the
        # user: errors in cells still fail the execution.
        NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            record_timing=False,
            resources={"metadata": {"path": str(Path(run_folder).resolve())}},
        ).execute()
    finally:
        os.environ.pop("OLISTSEG_RUN_NAME", None)
        if previous is None:
            os.environ.pop("OLISTSEG_RUN", None)
        else:
            os.environ["OLISTSEG_RUN"] = previous
    _coalesce_streams(notebook)
    text = _stable_chart_ids(nbformat.writes(notebook)).rstrip("\n") + "\n"
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return out


def _coalesce_streams(notebook: object) -> None:
    """One output per run of consecutive prints: how the kernel chunks a cell's stdout depends
    on flush timing, which would make the same run give different bytes."""
    for cell in notebook.cells:
        merged: list = []
        for output in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (
                output.get("output_type") == "stream"
                and previous is not None
                and previous.get("output_type") == "stream"
                and previous.get("name") == output.get("name")
            ):
                previous["text"] = "".join(previous["text"]) + "".join(output["text"])
            else:
                merged.append(output)
        if "outputs" in cell:
            cell["outputs"] = merged


def _stable_chart_ids(text: str) -> str:
    """Altair names each chart's HTML element with a random UUID: number them in order
    instead, so the same run gives the same notebook bytes."""
    ids: dict[str, str] = {}

    def number(match: re.Match[str]) -> str:
        return ids.setdefault(match.group(0), f"altair-viz-{len(ids) + 1}")

    return re.sub(r"altair-viz-[0-9a-f]{32}", number, text)
