"""``deck.pptx``: a designed deck of 10 to 15 main slides plus an appendix, built in code.

The story (:mod:`~olistseg.deliverables.deck.slides`): title; the question and the answer (the
top findings); two KPI slides with trend charts; what the segments are (one chart); one persona
slide per segment (two per slide beyond seven segments, so the main part keeps to 15); proof
that the segments predict behaviour; cadence and contract with the yearly cost; next steps.
The appendix (:mod:`~olistseg.deliverables.deck.appendix`): method and rule, candidates, the
lifetime-value check, definitions. Each slide is one function fed by a
:class:`~olistseg.deliverables.deck.context.DeckContext` built once; the theme and building
blocks are in :mod:`~olistseg.deliverables.deck.canvas`.

Every content slide has a native chart or table; titles are sentences stating the finding with
its number; every slide has speaker notes. Every figure comes from
:func:`olistseg.deliverables.collect.run_numbers` and the findings step.
:func:`overflowing` measures every text frame and table against its shape (tests call it).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from olistseg import __version__
from olistseg.atomic import atomic_path
from olistseg.deliverables.deck.appendix import APPENDIX
from olistseg.deliverables.deck.canvas import (
    MAIN_SLIDES_MAX,
    Canvas,
    overflowing,
    reproducible_package,
)
from olistseg.deliverables.deck.context import DeckContext
from olistseg.deliverables.deck.slides import MAIN

__all__ = ["build_deck", "overflowing"]


def build_deck(numbers: dict, path: Path, lang: str = "en") -> Path:
    """Write the deck for the run's ``numbers`` to ``path`` (atomically)."""
    ctx = DeckContext.build(numbers, lang)
    deck = Canvas(ctx.t("d_footer", as_of=ctx.seg["as_of"][:10], data_to=ctx.data_to), lang)
    for slide in MAIN:
        slide(deck, ctx)
    main_slides = len(deck.prs.slides)
    if main_slides > MAIN_SLIDES_MAX:
        raise AssertionError(f"{main_slides} main slides, more than {MAIN_SLIDES_MAX}")
    for slide in APPENDIX:
        slide(deck, ctx)
    dated = dt.datetime.fromisoformat(ctx.seg["as_of"]).replace(microsecond=0)
    properties = deck.prs.core_properties
    properties.title = ctx.t("title")
    # the template's own author and 2013 dates otherwise; the run's as_of, never "now"
    properties.author = properties.last_modified_by = f"olistseg {__version__}"
    properties.comments = ""
    properties.created = properties.modified = dated
    buffer = io.BytesIO()
    deck.prs.save(buffer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(reproducible_package(buffer.getvalue(), dated))
    return path
