"""How small a lift a campaign can detect, and what would make a small one detectable.

The minimum detectable relative lift of a purchase rate ``p`` with ``n_t`` treated and ``n_h``
held out (two-sided ``alpha``, ``power``) is found with statsmodels: ``NormalIndPower`` solves
for Cohen's effect size h of two proportions (``proportion_effectsize``), which is turned back
into the treated rate ``p2`` with ``h = 2 asin(sqrt(p2)) - 2 asin(sqrt(p))``; the lift is
``p2 / p - 1``.
"""

from __future__ import annotations

import math

from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize


def minimum_detectable_lift(
    base_rate: float, n_treatment: int, n_holdout: int, alpha: float = 0.05, power: float = 0.8
) -> float | None:
    """The smallest relative lift (0.2 = +20%) detectable, or None when nothing can be (no
    buyer expected, an empty group, or a lift that would need a rate above 100%)."""
    if base_rate <= 0 or base_rate >= 1 or n_treatment < 1 or n_holdout < 1:
        return None
    h = NormalIndPower().solve_power(
        effect_size=None,
        nobs1=n_treatment,
        alpha=alpha,
        power=power,
        ratio=n_holdout / n_treatment,
        alternative="two-sided",
    )
    angle = math.asin(math.sqrt(base_rate)) + float(h) / 2
    if angle >= math.pi / 2:
        return None
    return math.sin(angle) ** 2 / base_rate - 1


def customers_needed(
    base_rate: float, lift: float, holdout_share: float, alpha: float = 0.05, power: float = 0.8
) -> int | None:
    """Customers in all (treated + held out) to detect ``lift`` at ``holdout_share``."""
    if base_rate <= 0 or base_rate * (1 + lift) >= 1 or not 0 < holdout_share < 1:
        return None
    h = proportion_effectsize(base_rate * (1 + lift), base_rate)
    ratio = holdout_share / (1 - holdout_share)
    treated = NormalIndPower().solve_power(
        effect_size=h, nobs1=None, alpha=alpha, power=power, ratio=ratio, alternative="two-sided"
    )
    return math.ceil(float(treated) * (1 + ratio))
