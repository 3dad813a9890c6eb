"""The priced maintenance contract: cadence, triggers, costs in the run's one currency, what
each update delivers, a 12-month calendar; ``maintenance.json`` and ``maintenance.md``."""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

from olistseg.errors import InputError
from olistseg.i18n import keyed, schedule_words, text

#: Automatic retrain triggers checked by ``olistseg monitor`` (and written into the contract).
PSI_TRIGGER = 0.2


SHARE_TRIGGER_POINTS = 5.0


#: Analyst time per update, an estimate stated as such in the contract (hours).
ANALYST_HOURS = {"monthly check": 0.5, "retrain and review": 4.0}


#: What each update delivers (i18n keys).
DELIVERABLE_KEYS = (
    "deliver_segments",
    "deliver_profiles",
    "deliver_selection",
    "deliver_migration",
)


#: The run's one currency: the data's prices are in it, and so are the contract's costs.
CURRENCY = "BRL"


#: Cost parameters of the contract, stated defaults in :data:`CURRENCY` (override with
#: ``--costs FILE``): a data analyst at 150 BRL an hour (a contractor's rate in Sao Paulo, an
#: assumption to replace with your own), cloud compute at 2.50 BRL an hour (2 vCPUs on demand).
DEFAULT_COSTS = {
    "currency": CURRENCY,
    "analyst_hourly_rate": 150.0,
    "compute_price_per_hour": 2.50,
    "trigger_response_days": 5,
}


def read_costs_file(path: Path, section: str, known: set[str]) -> dict:
    """The keys of a JSON or TOML costs file (under ``[section]`` when it has one), refused
    with :class:`InputError` when unreadable, with keys outside ``known``, or in another
    currency than :data:`CURRENCY`. Shared by the maintenance contract and the campaigns."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        given = tomllib.loads(text) if Path(path).suffix == ".toml" else json.loads(text)
    except (OSError, ValueError) as exc:
        raise InputError(f"--costs {path}: cannot be read as JSON or TOML ({exc}).") from exc
    given = given.get(section, given)
    unknown = sorted(set(given) - known)
    if unknown:
        raise InputError(
            f"--costs {path}: unknown keys {', '.join(unknown)}; known: {', '.join(sorted(known))}."
        )
    if str(given.get("currency", CURRENCY)).upper() != CURRENCY:
        raise InputError(
            f"--costs {path}: currency {given['currency']!r}, but the data's amounts are in "
            f"{CURRENCY} and a run states every amount in one currency: give the rates in "
            f"{CURRENCY} (convert them at the rate you budget with)."
        )
    return {**given, "currency": CURRENCY}


def load_costs(path: Path | None) -> dict:
    """:data:`DEFAULT_COSTS` overridden by a JSON or TOML file's keys (unknown keys refused)."""
    if path is None:
        return dict(DEFAULT_COSTS)
    return {**DEFAULT_COSTS, **read_costs_file(path, "costs", set(DEFAULT_COSTS))}


def maintenance_contract(result: dict, costs: dict | None = None) -> dict:
    """Cadence, triggers, costs, deliverables and a 12-month calendar, from the simulation."""
    cadence = result["cadence"]
    end = dt.datetime.fromisoformat(result["end"])
    schedule = cadence.get("schedule")
    days = schedule["days"] if schedule else 7
    calendar = []
    for month in range(1, 13):
        check = end + dt.timedelta(days=round(30.44 * month))
        calendar.append(
            {
                "date": check.date().isoformat(),
                "task": text("en", "task_check"),
                "task_key": "task_check",
            }
        )
    retrain = end + dt.timedelta(days=days)
    while retrain <= end + dt.timedelta(days=365):
        calendar.append(
            {
                "date": retrain.date().isoformat(),
                "task": text("en", "task_retrain"),
                "task_key": "task_retrain",
            }
        )
        retrain += dt.timedelta(days=days)
    calendar.sort(key=lambda row: (row["date"], row["task"]))
    retrains_per_year = sum(1 for row in calendar if row["task_key"] == "task_retrain")
    triggers = [
        {"key": "trigger_ari", "values": {"threshold": cadence["threshold"]}},
        {"key": "trigger_psi", "values": {"psi": PSI_TRIGGER}},
        {"key": "trigger_share", "values": {"points": SHARE_TRIGGER_POINTS}},
    ]
    hours = (
        12 * ANALYST_HOURS["monthly check"]
        + retrains_per_year * ANALYST_HOURS["retrain and review"]
    )
    costs = {**DEFAULT_COSTS, **(costs or {})}
    compute_hours = (
        retrains_per_year * result["retrain_seconds"] + 12 * 2 * result["retrain_seconds"]
    ) / 3600
    yearly = {
        "analyst": round(hours * costs["analyst_hourly_rate"], 2),
        "compute": round(compute_hours * costs["compute_price_per_hour"], 2),
    }
    yearly["total"] = round(yearly["analyst"] + yearly["compute"], 2)
    return {
        "cadence_days": cadence["days"],
        "cadence_weeks": cadence["weeks"],
        "cadence_reason": cadence["reason"],
        "threshold": cadence["threshold"],
        "limited_by_horizon": cadence["limited_by_horizon"],
        "between_retrains": cadence["between_retrains"],
        "baseline_noise": result["baseline_noise"],
        "cadence_reason_text": cadence.get("reason_text"),
        "triggers": [keyed("en", t) for t in triggers],
        "triggers_text": triggers,
        "compute": {
            "one_retrain_seconds": result["retrain_seconds"],
            "simulation_seconds": result["timings"]["total_s"],
        },
        "analyst_hours": {
            **ANALYST_HOURS,
            "per_year_estimate": round(hours, 1),
            "note": "an estimate, not a measurement",
        },
        "each_update_delivers": [text("en", key) for key in DELIVERABLE_KEYS],
        "calendar": calendar,
        "retrains_per_year": retrains_per_year,
        "schedule": cadence.get("schedule"),
        "interval_weeks": cadence.get("interval_weeks"),
        "scope": [
            "monthly monitoring (olistseg monitor, exit code 3 = retrain)",
            "a retrain at the cadence, or within the response time when a trigger fires",
            "after each update: the outputs listed under each_update_delivers",
        ],
        "who_does_what": {
            "scheduler": "runs olistseg monitor monthly and alerts on exit code 3",
            "data analyst": "reviews the check, retrains, validates and publishes",
            "marketing": "receives the new segments and audience sizes",
        },
        "trigger_response_days": costs["trigger_response_days"],
        "costs": costs,
        "compute_hours_per_year": round(compute_hours, 4),
        "yearly_cost": yearly,
        "algorithm": result["config"]["algorithm"],
        "k": result["config"]["k"],
        "model_note": result["config"].get("model_note"),
        "stand_in_for": result["config"].get("stand_in_for"),
    }


def maintenance_markdown(contract: dict, lang: str = "en") -> str:
    """``maintenance.md``: the contract in ``lang`` (en or fr)."""

    def t(key: str, **values: object) -> str:
        return text(lang, key, **values)

    reason = (
        keyed(lang, contract["cadence_reason_text"])
        if contract.get("cadence_reason_text")
        else contract["cadence_reason"]
    )
    hours = contract["analyst_hours"]
    cadence = (
        t(
            "md_retrain_every",
            weeks=contract["cadence_weeks"],
            days=contract["cadence_days"],
            reason=reason,
        )
        if contract["cadence_weeks"] is not None
        else t("md_no_cadence", reason=reason)
    )
    note = contract.get("stand_in_for") and t(
        "density_stand_in", chosen=contract["stand_in_for"], k=contract["k"]
    )
    lines = [
        f"# {t('md_title')}",
        "",
        t("md_model", algorithm=contract["algorithm"], k=contract["k"]),
        *([t("md_model_note", note=note)] if note else []),
        "",
        f"## {t('md_cadence')}",
        cadence,
        t("md_between", between=t("between_retrains")),
        t(
            "md_noise",
            median=contract["baseline_noise"]["median"],
            p10=contract["baseline_noise"]["p10"],
        ),
        "",
        *(
            [
                t(
                    "md_schedule",
                    words=schedule_words(lang, contract["schedule"]),
                    per_year=contract["retrains_per_year"],
                    low=contract["interval_weeks"][0],
                    high=contract["interval_weeks"][1],
                )
            ]
            if contract.get("schedule") and contract.get("interval_weeks")
            else []
        ),
        "",
        f"## {t('md_scope')}",
        *[f"- {t(key)}" for key in ("scope_monitor", "scope_retrain", "scope_deliver")],
        "",
        f"## {t('md_who')}",
        *[f"- {t(key)}" for key in ("who_scheduler", "who_analyst", "who_marketing")],
        "",
        f"## {t('md_triggers')}",
        *[f"- {keyed(lang, item)}" for item in contract["triggers_text"]],
        "",
        f"## {t('md_cost')}",
        f"- {t('md_compute', seconds=contract['compute']['one_retrain_seconds'])}",
        f"- {t('md_hours', check=hours['monthly check'], retrain=hours['retrain and review'], year=hours['per_year_estimate'])}",
        "",
        *(
            [
                f"- {t('md_yearly', total=contract['yearly_cost']['total'], analyst=contract['yearly_cost']['analyst'], compute=contract['yearly_cost']['compute'], currency=contract['costs']['currency'], rate=contract['costs']['analyst_hourly_rate'], price=contract['costs']['compute_price_per_hour'])}",
                f"- {t('md_response', days=contract['trigger_response_days'])}",
            ]
            if contract.get("yearly_cost")
            else []
        ),
        "",
        f"## {t('md_delivers')}",
        *[f"- {t(key)}" for key in DELIVERABLE_KEYS],
        "",
        f"## {t('calendar')}",
        f"| {t('date')} | {t('task')} |",
        "|---|---|",
        *[f"| {row['date']} | {t(row['task_key'])} |" for row in contract["calendar"]],
        "",
    ]
    return "\n".join(lines)
