"""What every slide reads, built once per deck: the run's numbers, the language, the personas,
the schedule and its cost, the findings and the layout's common measures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pptx.util import Inches

from olistseg.contract import fact
from olistseg.deliverables.deck.canvas import MARGIN, WIDE
from olistseg.deliverables.personas import persona
from olistseg.i18n import percent, schedule_words, text


@dataclass(frozen=True)
class DeckContext:
    """The run's ``numbers`` (:func:`olistseg.deliverables.collect.run_numbers`) as the slides
    use them, in ``lang``."""

    numbers: dict
    lang: str
    segments: list[dict]
    personas: list[dict]
    findings: list[dict]
    data_to: str
    schedule: str
    cost: float
    currency: str
    body_top: int = Inches(1.5)
    full_w: int = WIDE[0] - 2 * MARGIN

    @classmethod
    def build(cls, numbers: dict, lang: str) -> DeckContext:
        run, contract = numbers["run"], numbers["maintenance"]
        tail = run["kpi"].get("incomplete_tail")
        segments = numbers["profiles"]["segments"]
        return cls(
            numbers=numbers,
            lang=lang,
            segments=segments,
            personas=[persona(s, numbers, lang) for s in segments],
            findings=numbers.get("findings", []),
            data_to=tail["complete_until"][:10]
            if tail
            else run["load"]["orders_last_purchase"][:10],
            schedule=schedule_words(lang, contract["schedule"])
            if contract.get("schedule")
            else "-",
            cost=fact(numbers, "yearly_cost") or 0.0,
            currency=fact(numbers, "currency"),
        )

    def t(self, key: str, **values: Any) -> str:
        """A catalogue string in the deck's language."""
        return text(self.lang, key, **values)

    def largest_segment_title(self, key: str) -> str:
        """A title naming the segments' count and the largest segment with its share (the
        segment map's and the shares slide's), from the run contract."""
        largest = max(self.personas, key=lambda p: p["share_customers"])
        return self.t(
            key,
            k=fact(self.numbers, "segments"),
            name=largest["name"],
            share=percent(fact(self.numbers, "largest_segment_share"), self.lang),
        )

    @property
    def seg(self) -> dict:
        """The run's segmentation summary (as_of, k, algorithm, customers)."""
        return self.numbers["run"]["segmentation"]


def finding(numbers: dict, rule: str) -> dict | None:
    return next((f for f in numbers.get("findings", []) if f["rule"] == rule), None)


def complete_months(numbers: dict, rows: list[dict]) -> list[dict]:
    """Monthly rows up to the last complete month (the incomplete tail would read as a drop)."""
    tail = numbers["run"]["kpi"].get("incomplete_tail")
    monthly = [r for r in rows if r["period"] != "total"]
    if tail:
        monthly = [r for r in monthly if r["period"] <= tail["complete_until"][:7]]
    return monthly
