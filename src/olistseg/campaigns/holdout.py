"""Holdout groups: random, deterministic, and checked for balance.

A customer's group is a pure function of ``(salt, campaign id, customer id)``: the first 64
bits of their SHA-256 as a number in [0, 1), below the holdout share means *holdout*. The salt
is stored in the plan, so a plan rebuilt with the same salt keeps every customer in their
group, and nothing else (segment, RFM cell, order of the rows) can leak into the draw.

**Rerandomization** (Morgan and Rubin, 2012): a random split of a few thousand customers leaves
standardised mean differences of recency, frequency or spend above 0.05 one time in seven by
chance alone. :func:`balanced_groups` keeps the first of the draws ``campaign_id``,
``campaign_id#1``, ``campaign_id#2``... whose differences are all below
:data:`BALANCE_THRESHOLD` (the best of :data:`MAX_DRAWS` otherwise) and records the draw, so a
rebuilt plan is identical. The usual tests stay valid, and are conservative, under it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pandas as pd

TREATMENT, HOLDOUT = "treatment", "holdout"
#: The features whose balance between groups is reported (standardised mean difference).
BALANCE_FEATURES = ("recency_days", "frequency", "monetary")
#: A draw is kept when every standardised mean difference is below this.
BALANCE_THRESHOLD = 0.05
#: Draws tried before the best one is kept.
MAX_DRAWS = 200


def uniform_draws(customer_ids: Iterable[str], campaign_id: str, salt: str) -> np.ndarray:
    """One number in [0, 1) per customer, from SHA-256 of ``salt|campaign_id|customer_id``."""
    prefix = f"{salt}|{campaign_id}|".encode()
    return np.array(
        [
            int.from_bytes(hashlib.sha256(prefix + str(c).encode()).digest()[:8], "big") / 2**64
            for c in customer_ids
        ],
        dtype=np.float64,
    )


def assign_groups(
    customer_ids: Iterable[str], campaign_id: str, salt: str, share: float
) -> np.ndarray:
    """``"holdout"`` for a draw below ``share``, else ``"treatment"`` (n_customers,)."""
    draws = uniform_draws(customer_ids, campaign_id, salt)
    return np.where(draws < share, HOLDOUT, TREATMENT)


def standardized_mean_difference(treatment: pd.Series, holdout: pd.Series) -> float | None:
    """(mean_t - mean_h) / sqrt((var_t + var_h) / 2); None when a group is empty or both
    are constant. Below 0.1 is the usual bar for balance; randomised groups sit near 0."""
    if len(treatment) < 2 or len(holdout) < 2:
        return None
    pooled = np.sqrt((treatment.var() + holdout.var()) / 2)
    if not np.isfinite(pooled) or pooled == 0:
        return None
    return float((treatment.mean() - holdout.mean()) / pooled)


def balance(frame: pd.DataFrame, group: np.ndarray) -> dict[str, float | None]:
    """The standardised mean difference of each :data:`BALANCE_FEATURES` between groups."""
    treated = group == TREATMENT
    out = {}
    for column in BALANCE_FEATURES:
        value = standardized_mean_difference(
            frame.loc[treated, column], frame.loc[~treated, column]
        )
        out[column] = None if value is None else round(value, 4)
    return out


def balanced_groups(
    frame: pd.DataFrame, campaign_id: str, salt: str, share: float
) -> tuple[np.ndarray, int, dict[str, float | None]]:
    """Groups of ``frame``'s customers (``customer_unique_id`` and :data:`BALANCE_FEATURES`
    columns) by rerandomization (module docstring): ``(groups, draw, balance)``."""
    best = None
    for draw in range(MAX_DRAWS):
        key = campaign_id if draw == 0 else f"{campaign_id}#{draw}"
        groups = assign_groups(frame["customer_unique_id"], key, salt, share)
        smd = balance(frame, groups)
        worst = max((abs(v) for v in smd.values() if v is not None), default=0.0)
        if best is None or worst < best[0]:
            best = (worst, groups, draw, smd)
        if worst < BALANCE_THRESHOLD:
            break
    _, groups, draw, smd = best
    return groups, draw, smd
