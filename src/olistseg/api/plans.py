"""The campaign plan and its readout (``olistseg campaigns``, ``olistseg measure``).

Each function imports its layer when called (see :mod:`olistseg.api`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from olistseg.runfolder import building
from olistseg.warehouse.load import input_warehouse


def campaigns(
    model: str | Path,
    out: str | Path,
    data: str | Path | None = None,
    warehouse: str | Path | None = None,
    *,
    as_of: dt.datetime | None = None,
    holdout: float = 0.10,
    costs: str | Path | None = None,
    seed: int = 42,
    targeting: str = "rfm",
) -> dict:
    """The campaign plan (:mod:`olistseg.campaigns.plan`): ``plan.json``, ``plan.csv`` and one
    audience file per campaign with its ``group`` column, written to ``out`` whole. ``costs``
    is a TOML or JSON file (:mod:`olistseg.campaigns.costs`); ``targeting`` the score that
    ranks each audience (``rfm``, ``bgnbd`` or ``gbm``, :mod:`olistseg.value.targeting`).
    Returns the plan."""
    from olistseg.campaigns.costs import load_campaign_costs
    from olistseg.campaigns.plan import build_plan, write_plan
    from olistseg.warehouse.info import connect

    settings = load_campaign_costs(None if costs is None else Path(costs))
    with input_warehouse(data, warehouse) as path, building(out) as partial, connect(path) as con:
        plan, lists = build_plan(
            con, Path(model), as_of, holdout, settings, seed, targeting=targeting
        )
        return write_plan(partial, plan, lists)


def measure(
    plan: str | Path,
    out: str | Path,
    data: str | Path | None = None,
    warehouse: str | Path | None = None,
    *,
    lang: str = "en",
) -> dict:
    """The readout of a campaign plan on data collected since its launch
    (:mod:`olistseg.campaigns.readout`): ``readout.json`` and ``readout.html`` in ``out``."""
    from olistseg.campaigns.readout import measure as measure_plan
    from olistseg.campaigns.readout import write_readout
    from olistseg.campaigns.report import readout_html
    from olistseg.warehouse.info import connect

    with input_warehouse(data, warehouse) as path, building(out) as partial, connect(path) as con:
        readout = measure_plan(con, Path(plan))
        return write_readout(partial, readout, readout_html(readout, lang))
