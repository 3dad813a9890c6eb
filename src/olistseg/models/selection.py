"""The documented rule that picks one segmentation from the candidates.

A marketing team runs 4 to 8 campaigns, each aimed at a segment it can name, and a segment
that holds most customers is no target at all. So a candidate is eligible when:

1. it has between ``min_k`` and ``max_k`` segments (default 4 to 8);
2. its largest segment holds at most ``max_segment_share`` of the customers (default 40%)
   and its smallest at least ``min_segment_share`` (default 1%);
3. its bootstrap stability (ARI between refits on subsamples) is at least ``min_stability``
   (default 0.8);
4. it leaves at most ``max_noise_share`` of the customers as noise (default 10%);
5. every segment gets its own name and its own action (no two segments share a campaign);
6. it ranks who buys again **not worse than the standard RFM scoring beyond sampling noise**
   (non-inferiority): the upper bound of the paired 95% bootstrap interval of AUC(candidate) -
   AUC(RFM) on the same customers, its median over the same windows (see ``value`` below), is
   at least 0. On Olist the segments and the RFM grid rank repurchase alike within noise (the
   interval contains 0 at every origin), so "at least as good as RFM" on the point estimates
   would have been decided by noise.

Among eligible candidates the highest **combined score** wins:
``score = 0.5 * separation + 0.5 * value`` where ``separation`` is the mean of the silhouette
and of minus the Davies-Bouldin index, each min-max scaled over the eligible candidates, and
``value`` is the out-of-time AUC of repurchase as a share of the RFM scoring's lift over
chance, ``(AUC - 0.5) / (AUC_RFM - 0.5)`` (1 = as good as RFM; a fixed scale, so that AUC
differences inside their sampling noise do not decide). The AUC: the candidate is refitted at
each validation origin T0 (every 3 months back from the last 180-day window that ends by the
training date) on the features as of T0, and scored on who bought again over the window; the
median over the origins counts. Without an observable window the score is
the separation alone and condition 6 is not checked. Ties: lower Davies-Bouldin. The winner
must also *reproduce*: refitted with other seeds on all the customers it finds the same
segments (mean ARI at least ``min_reproducibility``, default 0.9); otherwise the next one is
checked. On Olist, k-means with 4 segments has two local optima 2.5% apart in inertia (ARI
0.44 between them); on subsamples one dominates, on all customers a refit lands on either.

If none is eligible, the rule relaxes in this order, and the output says which step applied:
the RFM bar first, then stability (the best available), then the largest-segment cap, then
distinct actions, then the number of segments (any k from 2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

from olistseg.models import ARI_THRESHOLD
from olistseg.models.evaluate import CandidateScore


@dataclass(frozen=True)
class SelectionRule:
    min_k: int = 4
    max_k: int = 8
    min_segment_share: float = 0.01
    max_segment_share: float = 0.40
    min_stability: float = ARI_THRESHOLD
    min_reproducibility: float = 0.9
    max_noise_share: float = 0.10
    #: weight of the out-of-time value in the combined score (separation gets the rest)
    value_weight: float = 0.5

    def to_dict(self) -> dict:
        return asdict(self)


#: The conditions; the rule relaxes them from the last one back (``usable`` is never relaxed).
CONDITIONS = ("usable", "noise", "smallest", "k_range", "actions", "largest", "stability", "value")


def criteria(
    c: CandidateScore, rule: SelectionRule, baseline: float | None = None
) -> dict[str, bool | None]:
    """Each condition of the rule for ``c``: True when met, None when not measured (stability
    without bootstrap; value without a baseline, or before ``c.oot_auc`` is known)."""
    usable = not c.error and c.silhouette is not None
    return {
        "usable": usable,
        "noise": c.noise_share <= rule.max_noise_share,
        "smallest": (c.smallest_share or 0.0) >= rule.min_segment_share,
        "k_range": rule.min_k <= c.n_clusters <= rule.max_k,
        "actions": bool(c.distinct_actions),
        "largest": c.largest_share is not None and c.largest_share <= rule.max_segment_share,
        "stability": None
        if c.stability_bootstrap is None
        else c.stability_bootstrap >= rule.min_stability,
        "value": None
        if baseline is None or c.oot_auc is None
        else (c.oot_auc_upper >= 0 if c.oot_auc_upper is not None else c.oot_auc >= baseline),
    }


def _steps(
    rule: SelectionRule, stability_measured: bool, baseline: float | None
) -> list[tuple[set[str], str]]:
    share = f"{rule.max_segment_share:.0%}"
    every = set(CONDITIONS)
    steps = [
        (every, "all conditions met"),
        (
            every - {"value"},
            f"relaxed: no candidate ranked repurchase within sampling noise of the RFM scoring (median AUC {baseline}; condition 6, non-inferiority)",
        ),
        (every - {"value", "stability"}, "relaxed: no candidate reached the stability threshold"),
        (
            every - {"value", "stability", "largest"},
            f"relaxed: no candidate kept its largest segment under {share}",
        ),
        (
            every - {"value", "stability", "largest", "actions"},
            "relaxed: no candidate gave every segment its own action",
        ),
        (
            {"usable", "noise", "smallest"},
            f"relaxed: no candidate had {rule.min_k}-{rule.max_k} usable segments",
        ),
    ]
    if baseline is None:  # no window to measure: not a condition, and nothing to say
        steps = [(k - {"value"}, r) for i, (k, r) in enumerate(steps) if i != 1]
    if not stability_measured:  # --no-stability: not a condition, and said so
        drop = 2 if baseline is not None else 1
        steps = [
            (k - {"stability"}, f"{r} (bootstrap stability not measured)")
            for i, (k, r) in enumerate(steps)
            if i != drop
        ]
    return steps


def _measured(candidates: list[CandidateScore]) -> set[str]:
    """The conditions measured for at least one candidate (None everywhere: not a condition)."""
    return {k for k in CONDITIONS if any((c.criteria or {}).get(k) is not None for c in candidates)}


def _scaled(values: list[float | None]) -> list[float | None]:
    present = [v for v in values if v is not None]
    if not present:
        return [None] * len(values)
    low, high = min(present), max(present)
    return [
        None if v is None else (1.0 if high == low else (v - low) / (high - low)) for v in values
    ]


def relative_value(auc: float | None, baseline: float | None) -> float | None:
    """A candidate's out-of-time AUC as a share of the RFM scoring's lift over chance:
    ``(auc - 0.5) / (baseline - 0.5)``; 1.0 = as good as RFM. None without both."""
    if auc is None or baseline is None or baseline <= 0.5:
        return None
    return (auc - 0.5) / (baseline - 0.5)


def combined_scores(
    pool: list[CandidateScore], rule: SelectionRule, baseline: float | None = None
) -> None:
    """Set ``separation`` and ``score`` on every candidate of ``pool`` (see the module doc).

    With a ``baseline`` the value term is :func:`relative_value`, on a fixed scale: min-max
    scaling the AUCs over the eligible would stretch differences far inside their sampling
    noise (on Olist 0.570-0.579, against 95% intervals of +-0.02-0.03 per origin) into the
    whole 0-1 range, and let them outweigh the separation. Without one, min-max scaled."""
    sil = _scaled([c.silhouette for c in pool])
    db = _scaled([None if c.davies_bouldin is None else -c.davies_bouldin for c in pool])
    if baseline is None:
        value = _scaled([c.oot_auc for c in pool])
    else:
        value = [relative_value(c.oot_auc, baseline) for c in pool]
    for c, s, d, v in zip(pool, sil, db, value, strict=True):
        parts = [p for p in (s, d) if p is not None]
        c.separation = round(sum(parts) / len(parts), 4) if parts else 0.0
        c.score = round(
            c.separation
            if v is None
            else (1 - rule.value_weight) * c.separation + rule.value_weight * v,
            4,
        )


def select(
    candidates: list[CandidateScore],
    rule: SelectionRule,
    reproduce: Callable[[CandidateScore], float] | None = None,
    value: Callable[[CandidateScore], tuple[float | None, float | None]] | None = None,
    baseline: float | None = None,
) -> tuple[CandidateScore, str]:
    """The chosen candidate and the step of the rule that chose it.

    ``reproduce(candidate)`` returns the mean ARI of refits with other seeds on all the
    customers (stored as ``stability_seeds_full``); ``value(candidate)`` its out-of-time AUC
    and the upper bound of the paired interval against RFM (stored as ``oot_auc`` and
    ``oot_auc_upper``); ``baseline`` the RFM scoring's AUC on the same windows (condition 6;
    None: not checked). ``value`` and ``reproduce`` are called only for the candidates the
    rule reaches. Every candidate's ``criteria`` are stored too.
    """
    baseline = baseline if value is not None else None
    for c in candidates:
        c.criteria = criteria(c, rule, baseline)
    measured = any(c.stability_bootstrap is not None for c in candidates)
    fallback = None
    for required, reason in _steps(rule, measured, baseline):
        pool = [c for c in candidates if all(c.criteria[k] for k in required - {"value"})]
        if not pool:
            continue
        if "stability" not in required and measured:
            best_stability = max(c.stability_bootstrap or 0.0 for c in pool)
            pool = [c for c in pool if (c.stability_bootstrap or 0.0) >= best_stability - 0.05]
        if value is not None:
            for c in pool:
                if c.oot_auc is None:
                    c.oot_auc, c.oot_auc_upper = value(c)
                    c.criteria = criteria(c, rule, baseline)
        if "value" in required:
            pool = [c for c in pool if c.criteria["value"]]
            if not pool:
                continue
        combined_scores(pool, rule, baseline)
        ranked = sorted(pool, key=lambda c: (c.score, -(c.davies_bouldin or 0.0)), reverse=True)
        relaxed = [k for k in CONDITIONS if k not in required and k in _measured(candidates)]
        for candidate in ranked:
            candidate.relaxed = relaxed
            if reproduce is None:
                return candidate, reason
            if candidate.stability_seeds_full is None:
                candidate.stability_seeds_full = round(reproduce(candidate), 4)
            if candidate.stability_seeds_full >= rule.min_reproducibility:
                return candidate, reason
            fallback = fallback or (ranked[0], reason)
    if fallback is not None:
        fallback[0].relaxed = [*(fallback[0].relaxed or []), "reproducibility"]
        return fallback[0], f"{fallback[1]}; relaxed: no candidate reproduced across seeds"
    raise ValueError(
        "no candidate produced at least two segments: the data has no cluster structure"
    )


def why_record(
    candidates: list[CandidateScore], chosen: CandidateScore, rule: SelectionRule
) -> dict:
    """Why ``chosen`` beat the highest-silhouette candidate, as a ``{"key", "values"}`` record
    that :func:`olistseg.i18n.why_text` writes in English or French."""
    scored = [c for c in candidates if c.silhouette is not None]
    top = max(scored, key=lambda c: c.silhouette)
    if top is chosen:
        return {"key": "why_same", "values": {}}
    values = {"algorithm": top.algorithm, "k": top.n_clusters, "silhouette": top.silhouette}
    failed = [k for k, ok in (top.criteria or {}).items() if ok is False]
    if failed:
        return {
            "key": "why_ineligible",
            "values": {**values, "failed": failed, "largest": top.largest_share},
        }
    if top.stability_seeds_full is not None and top.stability_seeds_full < rule.min_reproducibility:
        return {"key": "why_unreproducible", "values": {**values, "ari": top.stability_seeds_full}}
    return {
        "key": "why_lower",
        "values": {
            **values,
            "score": top.score,
            "chosen_score": chosen.score,
            "auc": top.oot_auc,
            "chosen_auc": chosen.oot_auc,
        },
    }
