"""The documented rule that picks one segmentation from the candidates.

A marketing team can run 4 to 8 segments; each must be worth a campaign and stable enough to
keep its meaning after a retrain. So a candidate is eligible when:

1. it has between ``min_k`` and ``max_k`` clusters (default 4 to 8);
2. its smallest segment holds at least ``min_segment_share`` of the customers (default 1%);
3. its bootstrap stability (ARI) is at least ``min_stability`` (default 0.8);
4. it leaves at most ``max_noise_share`` of the customers as noise (default 10%).

Among eligible candidates the highest exact silhouette wins (ties: lower Davies-Bouldin).
If none is eligible, the rule relaxes in this order, and the output says which step applied:
stability first (best available), then the number of segments (any k from 2).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from olistseg.models.evaluate import CandidateScore


@dataclass(frozen=True)
class SelectionRule:
    min_k: int = 4
    max_k: int = 8
    min_segment_share: float = 0.01
    min_stability: float = 0.8
    max_noise_share: float = 0.10

    def to_dict(self) -> dict:
        return asdict(self)


def _eligible(c: CandidateScore, rule: SelectionRule, check_stability: bool, check_k: bool) -> bool:
    if c.error or c.silhouette is None:
        return False
    if check_k and not rule.min_k <= c.n_clusters <= rule.max_k:
        return False
    if (c.smallest_share or 0.0) < rule.min_segment_share or c.noise_share > rule.max_noise_share:
        return False
    return not check_stability or (c.stability_bootstrap or 0.0) >= rule.min_stability


def select(candidates: list[CandidateScore], rule: SelectionRule) -> tuple[CandidateScore, str]:
    """The chosen candidate and the step of the rule that chose it."""
    steps = (
        (True, True, "all conditions met"),
        (False, True, "relaxed: no candidate reached the stability threshold"),
        (False, False, "relaxed: no candidate had 4-8 usable segments"),
    )
    for check_stability, check_k, reason in steps:
        pool = [c for c in candidates if _eligible(c, rule, check_stability, check_k)]
        if pool:
            if not check_stability:
                best_stability = max(c.stability_bootstrap or 0.0 for c in pool)
                pool = [c for c in pool if (c.stability_bootstrap or 0.0) >= best_stability - 0.05]
            best = max(pool, key=lambda c: (c.silhouette, -(c.davies_bouldin or 0.0)))
            return best, reason
    raise ValueError(
        "no candidate produced at least two segments: the data has no cluster structure"
    )
