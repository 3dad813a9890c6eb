"""Numbers, percentages and money per language (Babel): French reads "93 350 clients" and
"3,1 %", English keeps Python's formats byte for byte."""

from __future__ import annotations

import re

import pytest

from olistseg.i18n import LISTS, TEXT, format_number, keyed, money, percent, text, text_list

NNBSP, NBSP = "\u202f", "\u00a0"


def test_french_numbers_percentages_and_money():
    assert format_number(93_350, "fr") == f"93{NNBSP}350"
    assert percent(0.031, "fr") == f"3,1{NBSP}%"
    assert percent(0.8083, "fr", 0) == f"81{NBSP}%"
    assert format_number(0.01234, "fr", 4) == "0,0123"
    assert money(3_900, "BRL", "fr") == f"3{NNBSP}900{NBSP}BRL"


@pytest.mark.parametrize(
    ("value", "digits"), [(93_350, 0), (1_234_567.891, 2), (0.5, 3), (-12.5, 1)]
)
def test_english_formats_are_pythons(value, digits):
    assert format_number(value, "en", digits) == f"{value:,.{digits}f}"
    assert percent(value, "en", digits) == f"{value:.{digits}%}"


def test_catalogue_format_specs_follow_the_language():
    values = {
        "rate": 0.031,
        "customers": 93_350,
        "occasion_rate": 0.029,
        "occasion_customers": 90_000,
    }
    english = text("en", "f_repeat", **values)
    french = text("fr", "f_repeat", **values)
    assert english == TEXT["en"]["f_repeat"].format(**values)
    assert "93,350" in english and "3.1%" in english
    assert f"93{NNBSP}350" in french and f"3,1{NBSP}%" in french
    assert not re.search(r"\d,\d{3}\b|\d\.\d%", french)


def test_a_french_finding_has_no_english_number():
    finding = {
        "key": "f_cadence",
        "values": {"unit": "weeks", "every": 9, "per_year": 5, "cost": 3900.0, "currency": "BRL"},
    }
    assert f"3{NNBSP}900" in keyed("fr", finding) and "3,900" in keyed("en", finding)


def test_lists_are_lists_in_both_languages():
    for lang in ("en", "fr"):
        assert all(isinstance(v, list) for v in LISTS[lang].values())
        rows = text_list(lang, "d_next_rows")
        assert len(rows) == len(text_list("en", "d_next_rows")) and all(len(r) == 3 for r in rows)
    assert set(LISTS["en"]) == set(LISTS["fr"])
    assert not any("|" in v for v in TEXT["fr"].values())


def test_french_typography_spaces_before_colons_semicolons_and_percent():
    said = text("fr", "readout_inconclusive", low=-0.1, high=0.3, p=0.45)
    assert "conclue\u00a0:" in said and "95\u00a0%" in said and "0,450)\u202f;" in said
    assert not re.search(r" [:;%]", said)
    rows = text_list("fr", "d_definitions_rows")
    assert all(not re.search(r" [:;]", cell) for row in rows for cell in row)
    assert text("en", "readout_inconclusive", low=-0.1, high=0.3, p=0.45).count(" ") > 10
