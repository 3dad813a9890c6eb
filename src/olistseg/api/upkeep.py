"""Keeping segments valid: ``stability``, ``monitor``, and the analysis ``notebook``.

Each function imports its layer when called (see :mod:`olistseg.api`)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from olistseg.errors import InputError
from olistseg.models import ARI_THRESHOLD
from olistseg.pipeline import run
from olistseg.runfolder import building
from olistseg.warehouse.load import ProgressCallback, input_warehouse


def _opt_path(value: str | Path | None) -> Path | None:
    return None if value is None else Path(value)


def stability(
    out: str | Path,
    data: str | Path | None = None,
    warehouse: str | Path | None = None,
    *,
    model: str | Path | None = None,
    end: dt.datetime | None = None,
    progress: ProgressCallback | None = None,
    seeds: int = 3,
    costs: str | Path | dict | None = None,
    **options: object,
) -> dict:
    """Simulate how long a segmentation stays valid; write ``out`` whole (stability.json,
    charts, maintenance contract). Returns the simulation result.

    ``model`` takes algorithm, k, features and seed from a saved model; ``options`` are
    :class:`~olistseg.stability.simulation.SimulationConfig` fields (``algorithm``, ``k``,
    ``threshold``, ``step_days``, ``n_origins``, ``refit``, ...). Without ``model``,
    ``algorithm`` and ``k``, it measures the segmentation that :func:`segment` would choose
    with the same features and seed at ``end``, and ``measured_model`` says which.
    """
    from olistseg.segments.pipeline import chosen_configuration
    from olistseg.stability.report import config_for_model, load_costs, run_stability
    from olistseg.validation.replay import history
    from olistseg.warehouse.info import connect

    options = {key: value for key, value in options.items() if value is not None}
    choose = model is None and "algorithm" not in options and "k" not in options
    if model is None and "k" in options and "algorithm" not in options:
        raise InputError("--k needs --algorithm (or leave both out for the chosen segmentation).")
    prices = costs if isinstance(costs, dict) else load_costs(_opt_path(costs))
    if seeds < 1:
        raise InputError("--seeds: at least 1.")
    with input_warehouse(data, warehouse) as path, building(out) as partial, connect(path) as con:
        note = None
        if choose:
            chosen = chosen_configuration(
                con,
                end,
                str(options.get("preset", "rfm_satisfaction")),
                int(options.get("seed", 42)),
                out_of_time=history,
            )
            options |= {"algorithm": chosen["algorithm"], "k": chosen["k"]}
            note = (
                f"{chosen['algorithm']} with {chosen['k']} segments, the segmentation "
                f"`olistseg segment` chooses as of {chosen['as_of'][:10]} with the same "
                f"options ({chosen['selection_reason']})"
            )
        config = config_for_model(_opt_path(model), **options)
        note = note or (
            f"{config.algorithm} with {config.k} segments"
            + (" (the saved model)" if model is not None else " (--algorithm, --k)")
        )
        return run_stability(
            con, partial, config, end, progress, seeds=seeds, costs=prices, measured=note
        )


def monitor(
    model: str | Path,
    data: str | Path | None = None,
    warehouse: str | Path | None = None,
    *,
    as_of: dt.datetime | None = None,
    threshold: float = ARI_THRESHOLD,
) -> dict:
    """The monthly check of a saved model: ``decision`` "retrain" or "keep", with reasons."""
    from olistseg.stability.report import monitor as check
    from olistseg.warehouse.info import connect

    with input_warehouse(data, warehouse) as path, connect(path) as con:
        return check(Path(model), con, as_of, threshold)


def notebook(
    out: str | Path, run_folder: str | Path | None = None, data: str | Path | None = None
) -> Path:
    """Execute the analysis notebook on a run's folder (or on a fresh run of ``data``, in a
    temporary folder); returns the ``.ipynb`` written to ``out``."""
    from olistseg.deliverables.notebook import execute_notebook

    if run_folder is not None and data is not None:
        raise InputError("give --run DIR or --data PATH, not both.")
    if data is not None:
        with tempfile.TemporaryDirectory(prefix="olistseg-notebook-") as tmp:
            result = run(data, Path(tmp) / "run")
            return execute_notebook(result.out, Path(out))
    folder = Path(run_folder or "out")
    if not (folder / "run.json").is_file():
        raise InputError(f"{folder}: no run.json; run `olistseg run --out {folder}` first.")
    return execute_notebook(folder, Path(out))
