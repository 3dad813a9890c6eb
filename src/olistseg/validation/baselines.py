"""Baselines a segmentation must beat out of time: a standard RFM scoring and random segments.

RFM scoring, as marketers use it: R and M are quintiles of recency (5 = most recent) and of
spend (5 = highest) among the customers segmented at the origin; F is whether the customer has
repeat purchase occasions (on Olist 97% of customers have one occasion, so frequency quintiles
would be all ties). The cells:

| cell | rule |
|---|---|
| Champions | repeat buyer, R 4-5 |
| Loyal customers | repeat buyer, R 3 |
| At-risk loyal | repeat buyer, R 1-2 |
| New customers | one occasion, R 5 |
| Promising | one occasion, R 4 |
| Need attention | one occasion, R 3 |
| About to sleep | one occasion, R 2 |
| Can't lose them | one occasion, R 1, M 4-5 |
| Lost | one occasion, R 1, M 1-3 |
"""

from __future__ import annotations

import numpy as np
import pandas as pd

RFM_CELLS: tuple[tuple[str, str], ...] = (
    ("Champions", "repeat buyer, R 4-5"),
    ("Loyal customers", "repeat buyer, R 3"),
    ("At-risk loyal", "repeat buyer, R 1-2"),
    ("New customers", "one occasion, R 5"),
    ("Promising", "one occasion, R 4"),
    ("Need attention", "one occasion, R 3"),
    ("About to sleep", "one occasion, R 2"),
    ("Can't lose them", "one occasion, R 1, M 4-5"),
    ("Lost", "one occasion, R 1, M 1-3"),
)


#: The relative distance within which a value counts as equal to a frozen quintile edge.
EDGE_TOLERANCE = 1e-9


def quintile(values: pd.Series, higher_is_better: bool = True) -> np.ndarray:
    """Scores 1-5 by rank (ties share the average rank), 5 for the best fifth."""
    ranks = values.rank(method="average", pct=True, ascending=higher_is_better).to_numpy()
    return np.clip(np.ceil(ranks * 5), 1, 5).astype(int)


def quintile_edges(values: pd.Series, higher_is_better: bool = True) -> list[float | None]:
    """The values where :func:`quintile` steps up, so that other customers can be scored on
    the same scale: for scores 2 to 5, the least good value that still earns the score (the
    smallest for ``higher_is_better``, the largest otherwise); None when nobody earns it."""
    scores = quintile(values, higher_is_better)
    array = values.to_numpy(dtype="float64")
    edges: list[float | None] = []
    for score in range(2, 6):
        earning = array[scores >= score]
        if len(earning) == 0:
            edges.append(None)
        else:
            edges.append(float(earning.min() if higher_is_better else earning.max()))
    return edges


def quintile_on_edges(
    values: pd.Series | np.ndarray, edges: list[float | None], higher_is_better: bool = True
) -> np.ndarray:
    """Scores 1-5 on the scale :func:`quintile_edges` froze: equal to :func:`quintile` on the
    customers the edges were taken from, and the same rule for anyone else.

    A value within 1e-9 (relative) of an edge counts as the edge: another engine's sum of the
    same payments may differ in its last bit, and must not move a customer to another cell."""
    array = np.asarray(values, dtype="float64")
    scores = np.ones(len(array), dtype=int)
    for edge in edges:
        if edge is not None:
            slack = EDGE_TOLERANCE * max(1.0, abs(edge))
            scores += (array >= edge - slack) if higher_is_better else (array <= edge + slack)
    return scores


def rfm_cells(r: np.ndarray, m: np.ndarray, frequency: pd.Series | np.ndarray) -> np.ndarray:
    """The RFM cell (index into :data:`RFM_CELLS`) of R and M scores and purchase occasions."""
    repeat = np.asarray(frequency) >= 2
    return np.select(
        [repeat & (r >= 4), repeat & (r == 3), repeat, r == 5, r == 4, r == 3, r == 2, m >= 4],
        [0, 1, 2, 3, 4, 5, 6, 7],
        default=8,
    )


def rfm_segments(features: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Each customer's RFM cell id (index into :data:`RFM_CELLS`) and the cell names."""
    r = quintile(features["recency_days"], higher_is_better=False)
    m = quintile(features["monetary"])
    return rfm_cells(r, m, features["frequency"]), [name for name, _ in RFM_CELLS]


def random_segments(labels: np.ndarray, seed: int) -> np.ndarray:
    """Random segments of the same sizes (the real labels, shuffled across customers): the
    sanity check whose AUC must be about 0.5."""
    return np.random.default_rng(seed).permutation(np.asarray(labels))
