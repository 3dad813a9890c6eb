"""The Brazilian retail calendar, computed from rules (never typed per year).

Each occasion is a date rule and a lead time: the campaign is sent ``lead_days`` before the
day, when shoppers plan the purchase. :func:`next_occasions` gives the next ones whose send
date is on or after a date ("now").

=====================  ==============================================  =========
occasion               rule                                            lead days
=====================  ==============================================  =========
Dia das Mães           second Sunday of May                            10
Dia dos Namorados      12 June                                         7
Dia dos Pais           second Sunday of August                         10
Dia do Cliente         15 September                                    0
Dia das Crianças       12 October                                      10
Black Friday           the day after the fourth Thursday of November   0
Natal                  25 December                                     14
=====================  ==============================================  =========
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``-th ``weekday`` (Monday 0 ... Sunday 6) of ``month``."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def black_friday(year: int) -> dt.date:
    """The day after the fourth Thursday of November."""
    return nth_weekday(year, 11, 3, 4) + dt.timedelta(days=1)


@dataclass(frozen=True)
class Occasion:
    """A retail occasion: its ``key``, English and Portuguese names, date rule and lead time."""

    key: str
    name: str
    name_pt: str
    rule: Callable[[int], dt.date]
    lead_days: int

    def day(self, year: int) -> dt.date:
        return self.rule(year)

    def send_date(self, year: int) -> dt.date:
        return self.day(year) - dt.timedelta(days=self.lead_days)


OCCASIONS: tuple[Occasion, ...] = (
    Occasion("mothers_day", "Mother's Day", "Dia das Mães", lambda y: nth_weekday(y, 5, 6, 2), 10),
    Occasion(
        "valentines_day", "Valentine's Day", "Dia dos Namorados", lambda y: dt.date(y, 6, 12), 7
    ),
    Occasion("fathers_day", "Father's Day", "Dia dos Pais", lambda y: nth_weekday(y, 8, 6, 2), 10),
    Occasion("customer_day", "Customer Day", "Dia do Cliente", lambda y: dt.date(y, 9, 15), 0),
    Occasion(
        "childrens_day", "Children's Day", "Dia das Crianças", lambda y: dt.date(y, 10, 12), 10
    ),
    Occasion("black_friday", "Black Friday", "Black Friday", black_friday, 0),
    Occasion("christmas", "Christmas", "Natal", lambda y: dt.date(y, 12, 25), 14),
)


@dataclass(frozen=True)
class Dated:
    """One occasion in one year: the day and the send date."""

    occasion: Occasion
    day: dt.date
    send: dt.date

    def to_dict(self) -> dict:
        return {
            "occasion": self.occasion.key,
            "name": self.occasion.name,
            "name_pt": self.occasion.name_pt,
            "day": self.day.isoformat(),
            "send_date": self.send.isoformat(),
            "lead_days": self.occasion.lead_days,
        }


def next_occasions(after: dt.date, n: int = len(OCCASIONS)) -> list[Dated]:
    """The next ``n`` occasions whose send date is on or after ``after``, soonest first."""
    found = [
        Dated(o, o.day(year), o.send_date(year))
        for year in (after.year, after.year + 1, after.year + 2)
        for o in OCCASIONS
    ]
    return sorted((d for d in found if d.send >= after), key=lambda d: (d.send, d.occasion.key))[:n]
