"""The simulation's results, and the pure functions that turn them into curves, a cadence,
its robustness and the one schedule the outputs state."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from olistseg.stability.config import SimulationConfig


@dataclass
class StepResult:
    """One (origin, step) cell of the simulation."""

    t: int  # steps after the origin
    date: str
    customers: int
    known_at_origin: int
    ari_all: float
    ari_known: float
    psi: dict[str, float]
    centroid_shift: float
    share_change: dict[int, float]  # segment id (M0) -> share at T minus share at T0, in points
    migration: list[list[float]]  # rows: M0 segment at T0; columns: M0 segment at T
    frozen_preprocessing: str
    #: ARI between two seeded retrains at this date: the noise floor a drift must exceed
    noise_ari: float = 1.0
    #: the retrain at this date does not reproduce itself: left out of the cadence curve
    noisy: bool = False
    #: customers whose campaign (segment, aligned) differs between M0 and the refit
    changed_segment: int = 0
    #: customers known now who were not at the origin (scored by the frozen model)
    new_customers: int = 0


@dataclass
class OriginResult:
    origin: str
    customers: int
    fit_seconds: float
    preprocessing: str
    baseline_ari: list[float]
    reproducible: bool
    steps: list[StepResult] = field(default_factory=list)


def curves_of(results: list[OriginResult], config: SimulationConfig) -> list[dict]:
    """Per step t: the ARI distribution across origins and the median PSI per feature."""
    by_t: dict[int, list[StepResult]] = {}
    noisy: dict[int, int] = {}
    floor: dict[int, list[float]] = {}
    for result in results:
        for step in result.steps:
            floor.setdefault(step.t, []).append(step.noise_ari)
            if step.noisy:
                noisy[step.t] = noisy.get(step.t, 0) + 1
                continue
            by_t.setdefault(step.t, []).append(step)
    curves = []
    for t in sorted(by_t):
        steps = by_t[t]
        ari = np.array([s.ari_all for s in steps])
        known = np.array([s.ari_known for s in steps])
        curves.append(
            {
                "t": t,
                "weeks": round(t * config.step_days / 7, 2),
                "origins": len(steps),
                "ari_median": round(float(np.median(ari)), 4),
                "ari_p10": round(float(np.percentile(ari, 10)), 4),
                "ari_min": round(float(ari.min()), 4),
                "ari_max": round(float(ari.max()), 4),
                "ari_known_median": round(float(np.nanmedian(known)), 4),
                "ari_known_p10": round(float(np.nanpercentile(known, 10)), 4),
                "psi_median": {
                    c: round(float(np.median([s.psi[c] for s in steps])), 4) for c in steps[0].psi
                },
                "psi_max_median": round(float(np.median([max(s.psi.values()) for s in steps])), 4),
                "centroid_shift_median": round(
                    float(np.median([s.centroid_shift for s in steps])), 4
                ),
                "max_share_change_median": round(
                    float(np.median([max(abs(v) for v in s.share_change.values()) for s in steps])),
                    2,
                ),
                "noise_floor_median": round(float(np.median(floor[t])), 4),
                "noise_floor_p10": round(float(np.percentile(floor[t], 10)), 4),
                "steps_left_out_noisy": noisy.get(t, 0),
                "changed_segment_median": int(np.median([s.changed_segment for s in steps])),
                "new_customers_median": int(np.median([s.new_customers for s in steps])),
                "counts_for_cadence": len(steps) >= config.min_origins,
            }
        )
    return curves


def cadence_of_curves(curves: list[dict], config: SimulationConfig) -> dict:
    """The longest t whose 10th-percentile ARI, and every earlier one's, meets the threshold."""
    from olistseg.i18n import keyed

    tested = [c for c in curves if c["counts_for_cadence"] and c["t"] > 0]
    if not tested:
        reason = {"key": "cadence_no_origins", "values": {"min_origins": config.min_origins}}
        return {
            "threshold": config.threshold,
            "steps": None,
            "weeks": None,
            "days": None,
            "step_days": config.step_days,
            "limited_by_horizon": False,
            "horizon_steps": 0,
            "first_step_below": None,
            "reason": keyed("en", reason),
            "reason_text": reason,
            "between_retrains": BETWEEN_RETRAINS,
        }
    longest = 0
    first_below = None
    for c in tested:
        if c["ari_p10"] < config.threshold:
            first_below = c
            break
        longest = c["t"]
    weeks = round(longest * config.step_days / 7, 2)
    horizon = tested[-1]["t"] if tested else 0
    if first_below is None:
        reason = {
            "key": "cadence_stable",
            "values": {
                "threshold": config.threshold,
                "horizon": horizon,
                "horizon_days": horizon * config.step_days,
            },
        }
    elif longest == 0:
        reason = {
            "key": "cadence_every_step",
            "values": {
                "ari": first_below["ari_p10"],
                "threshold": config.threshold,
                "days": config.step_days,
            },
        }
    else:
        reason = {
            "key": "cadence_falls",
            "values": {
                "ari": first_below["ari_p10"],
                "threshold": config.threshold,
                "step": first_below["t"],
                "days": first_below["t"] * config.step_days,
            },
        }
    return {
        "threshold": config.threshold,
        "steps": max(longest, 1) if first_below is not None else longest,
        "step_days": config.step_days,
        "weeks": weeks if longest else round(config.step_days / 7, 2),
        "days": max(longest, 1) * config.step_days,
        "limited_by_horizon": first_below is None,
        "horizon_steps": horizon,
        "first_step_below": first_below["t"] if first_below else None,
        "reason": keyed("en", reason),
        "reason_text": reason,
        "between_retrains": BETWEEN_RETRAINS,
    }


def cadence_of(results: list[OriginResult], config: SimulationConfig) -> dict:
    return cadence_of_curves(curves_of([r for r in results if r.reproducible], config), config)


def robustness_of(results: list[OriginResult], config: SimulationConfig, draws: int = 200) -> dict:
    """The cadence with each origin left out, and a bootstrap over origins (an interval)."""
    loo = []
    for i, left_out in enumerate(results):
        cadence = cadence_of(results[:i] + results[i + 1 :], config)
        loo.append(
            {
                "origin_left_out": left_out.origin,
                "steps": cadence["steps"],
                "weeks": cadence["weeks"],
            }
        )
    rng = np.random.default_rng(config.seed)
    weeks = []
    for _ in range(draws):
        sample = [results[i] for i in rng.integers(0, len(results), size=len(results))]
        weeks.append(cadence_of(sample, config)["weeks"])
    present = [w for w in weeks if w is not None]
    interval = (
        [round(float(np.percentile(present, 5)), 2), round(float(np.percentile(present, 95)), 2)]
        if present
        else None
    )
    return {
        "leave_one_origin_out": loo,
        "bootstrap": {
            "draws": draws,
            "interval_weeks": interval,
            "undetermined_share": round(1 - len(present) / draws, 3),
            "what": "5th-95th percentile of the cadence over origins resampled with replacement",
        },
    }


def business_schedule(cadence: dict) -> dict | None:
    """The one schedule the outputs state: a monthly check, and a retrain every ``days`` (the
    measured cadence, in whole weeks when the step is weekly), with the words that say it.
    The title, the contract's table, its calendar and the retrains a year all read it."""
    if cadence["weeks"] is None:
        return None
    days = int(cadence["days"])
    return {
        "days": days,
        "weeks": cadence["weeks"],
        "unit": "weeks" if days % 7 == 0 else "days",
        "every": days // 7 if days % 7 == 0 else days,
        "retrains_per_year": 365 // days,
        "monthly_check": True,
        "limited_by_horizon": cadence["limited_by_horizon"],
    }


def campaign_impact(curves: list[dict], config: SimulationConfig) -> list[dict]:
    """Per month after a retrain under the frozen model: customers in another segment than a
    refit would give them (another campaign), and new customers scored by the frozen model."""
    out = []
    for month in range(1, 13):
        t = round(month * 30.44 / config.step_days)
        row = next((c for c in curves if c["t"] == t), None)
        if row is None:
            break
        out.append(
            {
                "month": month,
                "t": t,
                "changed_segment": row["changed_segment_median"],
                "new_customers": row["new_customers_median"],
            }
        )
    return out


BETWEEN_RETRAINS = "score new customers with the current model (olistseg score)"


def baseline_summary(results: list[OriginResult]) -> dict:
    values = np.array([v for r in results for v in r.baseline_ari])
    return {
        "median": round(float(np.median(values)), 4),
        "p10": round(float(np.percentile(values, 10)), 4),
        "min": round(float(values.min()), 4),
        "what": "ARI between M0 and refits with other seeds on the same date (no drift at all)",
    }


def robustness_summary(result: dict) -> dict:
    """Does the cadence hinge on one origin or one seed? At most one step of change is the
    target; the largest change of each kind is reported."""
    steps = result["cadence"]["steps"]
    loo = [r["steps"] for r in result["leave_one_origin_out"] if r["steps"] is not None]
    seeds = [r["steps"] for r in result["seeds"] if r["steps"] is not None]
    worst_loo = max((abs(s - steps) for s in loo), default=None) if steps is not None else None
    worst_seed = max((abs(s - steps) for s in seeds), default=None) if steps is not None else None
    return {
        "max_change_leave_one_origin_out_steps": worst_loo,
        "max_change_across_seeds_steps": worst_seed,
        "within_one_step": worst_loo is not None
        and worst_seed is not None
        and worst_loo <= 1
        and worst_seed <= 1,
    }
