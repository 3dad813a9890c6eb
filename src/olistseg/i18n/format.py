"""Numbers, percentages and money in each language's format, with Babel.

English keeps Python's own formats (``93,350``, ``3.1%``), so English deliverables read as they
always have. French follows the CLDR locale ``fr_FR``: a narrow no-break space groups thousands,
a comma marks decimals, and a no-break space comes before ``%`` (``93 350``, ``3,1 %``).

:class:`LocaleFormatter` applies this to the format specifications the catalogues use
(``{n:,}``, ``{rate:.1%}``, ``{cost:,.0f}``, ``{mae:.4f}``) and to floats without one, so a
catalogue string is written once with Python's format syntax and read correctly in French.
"""

from __future__ import annotations

import re
import string
from functools import cache

from babel import Locale
from babel.numbers import format_decimal, format_percent

#: The Babel locale of each language.
LOCALES = {"en": "en_US", "fr": "fr_FR"}
_SPEC = re.compile(r"(?P<sign>\+)?(?P<group>,)?(?:\.(?P<digits>\d+))?(?P<kind>[f%])?")


@cache
def _percent_pattern(lang: str, digits: int) -> str:
    base = Locale.parse(LOCALES[lang]).percent_formats[None].pattern  # fr: "#,##0 %"
    return base.replace("#,##0", "#,##0." + "0" * digits) if digits else base


def format_number(value: float, lang: str, digits: int = 0, group: bool = True) -> str:
    """``value`` with ``digits`` decimals, thousands grouped when ``group``: "93,350" /
    "93 350"; "0.0123" / "0,0123"."""
    if lang == "en":
        return f"{value:{',' if group else ''}.{digits}f}"
    pattern = ("#,##0" if group else "0") + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


def percent(share: float, lang: str = "en", digits: int = 1) -> str:
    """A share (0.031) as a percentage: "3.1%" / "3,1 %"."""
    if lang == "en":
        return f"{share:.{digits}%}"
    return format_percent(share, format=_percent_pattern(lang, digits), locale=LOCALES[lang])


def money(value: float, currency: str, lang: str, digits: int = 0) -> str:
    """An amount and its currency code: "3,900 BRL" / "3 900 BRL"."""
    return (
        f"{format_number(value, lang, digits)}\u00a0{currency}"
        if lang != "en"
        else (f"{format_number(value, lang, digits)} {currency}")
    )


class LocaleFormatter(string.Formatter):
    """``str.format`` whose numbers follow ``lang`` (see the module docstring)."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def format_field(self, value: object, format_spec: str) -> str:
        if self.lang == "en" or isinstance(value, bool) or not isinstance(value, int | float):
            return super().format_field(value, format_spec)
        spec = _SPEC.fullmatch(format_spec)
        if spec is None:
            return super().format_field(value, format_spec)
        group, digits, kind = spec["group"] is not None, spec["digits"], spec["kind"]
        plus = "+" if spec["sign"] and value >= 0 else ""
        if kind == "%":
            return plus + percent(value, self.lang, int(digits if digits is not None else 6))
        if kind == "f":
            places = int(digits if digits is not None else 6)
            return plus + format_number(value, self.lang, places, group)
        if digits is None and group:
            return format_number(value, self.lang, 0 if isinstance(value, int) else 2, True)
        if digits is None and isinstance(value, float):
            decimal = Locale.parse(LOCALES[self.lang]).number_symbols["latn"]["decimal"]
            return repr(value).replace(".", decimal)
        return super().format_field(value, format_spec)
