"""Every human-facing string of the report, the deck, the findings and the segment names.

The catalogues are split by surface, each with its English and French side by side:
:mod:`~olistseg.i18n.report`, :mod:`~olistseg.i18n.summary` (executive summary, personas, value
and audiences, shared by the report and the deck), :mod:`~olistseg.i18n.deck`,
:mod:`~olistseg.i18n.findings`, :mod:`~olistseg.i18n.campaigns` (the plan and its readout),
:mod:`~olistseg.i18n.stability` (cadence reasons, the
maintenance contract), :mod:`~olistseg.i18n.selection` (why a candidate was chosen) and
:mod:`~olistseg.i18n.segments` (segment names, actions and qualifiers). Lists stay lists
(:func:`text_list`). Numbers are formatted per language with Babel (:mod:`~olistseg.i18n.format`).

Owns: strings and their formats. Imports nothing of olistseg (the bottom of the flow but for
the SQL files and the leaf modules).
"""

from __future__ import annotations

import re

from olistseg.i18n import (
    campaigns,
    deck,
    findings,
    labels,
    report,
    selection,
    stability,
    story,
    summary,
)
from olistseg.i18n.format import LOCALES, LocaleFormatter, format_number, money, percent
from olistseg.i18n.segments import QUALIFIERS, RULE_TEXT, SEGMENTS

__all__ = [
    "LANGUAGES",
    "LOCALES",
    "TEXT",
    "feature_label",
    "feature_value",
    "format_number",
    "keyed",
    "kpi_column",
    "kpi_question",
    "kpi_title",
    "lateness_label",
    "money",
    "percent",
    "rule_label",
    "rule_value",
    "schedule_words",
    "segment_action",
    "segment_label",
    "segment_name",
    "segment_rule",
    "text",
    "text_list",
    "why_text",
]

LANGUAGES = ("en", "fr")

_CATALOGUES = (report, stability, findings, summary, deck, campaigns, story)
TEXT: dict[str, dict[str, str]] = {
    "en": {k: v for c in _CATALOGUES for k, v in c.EN.items()},
    "fr": {k: v for c in _CATALOGUES for k, v in c.FR.items()},
}
LISTS: dict[str, dict[str, list]] = {
    lang: {**report.LISTS[lang], **deck.LISTS[lang]} for lang in LANGUAGES
}
WHY = selection.WHY
_BEFORE_COLON = re.compile(r" :(?=\s|$)")
_BEFORE_SIGN = re.compile(r" ([;!?])(?=\s|$)")
_BEFORE_PERCENT = re.compile(r"(\d) %")


def _check(lang: str) -> None:
    if lang not in TEXT:
        raise ValueError(f"language {lang!r}: choose one of {', '.join(LANGUAGES)}")


def text(lang: str, key: str, **values: object) -> str:
    """One string of ``lang``, formatted with ``values`` in the language's number format
    (whole numbers of weeks without .0)."""
    _check(lang)
    if isinstance(values.get("weeks"), float):
        values["weeks"] = f"{values['weeks']:g}"
    template = TEXT[lang][key]
    if lang == "en":
        return template.format(**values)
    return typeset(LocaleFormatter(lang).format(template, **values), lang)


def typeset(value: str, lang: str) -> str:
    """French typography: a no-break space before a colon, a narrow one before ; ! ? (a
    line never starts with the sign)."""
    if lang != "fr":
        return value
    value = _BEFORE_COLON.sub("\u00a0:", value)
    value = _BEFORE_PERCENT.sub("\\1\u00a0%", value)
    return _BEFORE_SIGN.sub(lambda m: "\u202f" + m.group(1), value)


def text_list(lang: str, key: str) -> list:
    """A list of ``lang``: items, or table rows of cells."""
    _check(lang)
    items = LISTS[lang][key]
    if lang == "en":
        return items
    return [
        [typeset(cell, lang) for cell in item] if isinstance(item, list) else typeset(item, lang)
        for item in items
    ]


def keyed(lang: str, item: dict) -> str:
    """The text of a ``{"key", "values"}`` record (a cadence reason, a trigger, a finding) in
    ``lang``; a segment's name and a direction in the values are translated too."""
    values = dict(item.get("values", {}))
    if "segment" in values:
        values["name"] = segment_name(
            {
                "key": values["segment"],
                "name": values["name"],
                "qualifier": values.get("qualifier"),
                "rank": values.get("rank"),
            },
            lang,
        )
    if "direction" in values:
        values["direction"] = TEXT[lang][f"dir_{values['direction']}"]
    if "unit" in values and "every" in values:  # a schedule: "every 10 weeks" in lang
        values["schedule"] = schedule_words(lang, values)
    return text(lang, item["key"], **values)


def why_text(lang: str, record: dict) -> str:
    """A selection's ``why`` record (:func:`olistseg.models.selection.why_record`) in ``lang``."""
    words, values = WHY[lang], dict(record.get("values", {}))
    fmt = str.format if lang == "en" else LocaleFormatter(lang).format
    if "algorithm" in values:
        values["name"] = fmt(words["name"], **values)
    if "failed" in values:
        largest = values.get("largest")
        share = "" if largest is None else percent(largest, lang, 0)
        values["failed"] = words["sep"].join(
            words[k].format(largest=share) for k in values["failed"]
        )
    return typeset(fmt(words[record["key"]], **values), lang)


def kpi_title(lang: str, name: str, english: str) -> str:
    """A KPI's title in ``lang``: the SQL header's English title unless translated."""
    return english if lang == "en" else TEXT[lang][f"kpi_title_{name}"]


def kpi_question(lang: str, name: str, english: str) -> str:
    """A KPI's question in ``lang``: the SQL header's English question unless translated."""
    return english if lang == "en" else TEXT[lang][f"kpi_question_{name}"]


def schedule_words(lang: str, schedule: dict) -> str:
    """The retrain schedule in words: "every 10 weeks" / "toutes les 10 semaines"."""
    return text(lang, f"schedule_{schedule['unit']}", every=schedule["every"])


def segment_label(
    key: str, lang: str, qualifier: str | None = None, rank: int | None = None
) -> str:
    """A segment's name in ``lang`` from its structured label: the rule ``key``, the
    ``qualifier`` key that tells two segments of one rule apart, and their ``rank`` when
    they still share a name ("Dormant one-off buyers (long ago) #2")."""
    name = SEGMENTS[lang][key][0]
    if qualifier:
        name += f" ({QUALIFIERS[lang][qualifier]})"
    return f"{name} #{rank}" if rank else name


def segment_name(segment: dict, lang: str) -> str:
    """The name in ``lang`` of a segment record (``key``, ``qualifier``, ``rank``, as in
    ``profiles.json``); a record without a known key keeps its ``name``."""
    _check(lang)
    if segment.get("key") not in SEGMENTS[lang]:
        return segment["name"]
    return segment_label(segment["key"], lang, segment.get("qualifier"), segment.get("rank"))


def segment_action(segment: dict, lang: str) -> str:
    """The action in ``lang`` of a segment record; a record without a known key keeps its own."""
    _check(lang)
    if segment.get("key") not in SEGMENTS[lang]:
        return segment["action"]
    return typeset(SEGMENTS[lang][segment["key"]][1], lang)


def rule_label(key: str, lang: str) -> str:
    """A selection-rule setting's name in ``lang`` (the key itself when unknown)."""
    _check(lang)
    return labels.RULES[lang].get(key, (key, "number"))[0]


def rule_value(key: str, value: object, lang: str) -> str:
    """A selection-rule setting's value as people read it (shares as percentages)."""
    kind = labels.RULES[lang].get(key, (key, "number"))[1]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if kind == "share":
        return percent(value, lang, 0)
    return format_number(value, lang, 0 if float(value).is_integer() else 2)


def feature_label(name: str, lang: str) -> str:
    """A customer feature's name with its unit in ``lang`` (the column name when unknown)."""
    _check(lang)
    return labels.FEATURES[lang].get(name, (name, 2, "number"))[0]


def feature_value(name: str, value: float | None, lang: str) -> str:
    """A feature's value as people read it: shares as percentages, amounts rounded."""
    if value is None:
        return "-"
    _, digits, kind = labels.FEATURES[lang].get(name, (name, 2, "number"))
    return percent(value, lang, digits) if kind == "share" else format_number(value, lang, digits)


def lateness_label(bucket: str, lang: str) -> str:
    """A delivery-delay bucket of the KPI SQL ("0-3 days") as a chart names it in ``lang``."""
    _check(lang)
    return labels.LATENESS[lang].get(bucket, bucket)


def kpi_column(name: str, lang: str) -> str:
    """A KPI answer's column name ("mean_score") as a table heading in ``lang``."""
    _check(lang)
    return labels.KPI_COLUMNS[lang].get(name, name)


def segment_rule(segment: dict, lang: str) -> str:
    """The naming rule a segment met, in words of ``lang`` (its own ``rule`` in English)."""
    _check(lang)
    if lang == "en" or segment.get("key") not in RULE_TEXT.get(lang, {}):
        return segment.get("rule", "")
    return typeset(RULE_TEXT[lang][segment["key"]], lang)
