"""The report's building blocks: escaped cells, tables, embedded charts, the persona card, the
candidates table and the lifetime-value and audiences sections (:mod:`olistseg.deliverables.report`
puts them in order)."""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from pathlib import Path

from olistseg.i18n import feature_label, feature_value, format_number, kpi_column, percent
from olistseg.i18n.labels import KPI_COLUMNS

KPI_COLUMN_NAMES = frozenset(KPI_COLUMNS["en"])


class Code(str):
    """A cell that is an identifier (a table or file name, a campaign id): set as code, not
    translated."""


def _e(value: object) -> str:
    return html.escape(str(value))


def _table(
    headers: list[str],
    rows: list[list[object]],
    numeric: set[int] | None = None,
    css_class: str | None = None,
) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if i in numeric else ''}>"
            + (f"<code>{_e(c)}</code>" if isinstance(c, Code) else _e(c))
            + "</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    opening = f"<table class={css_class}>" if css_class else "<table>"
    return f"{opening}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: object, lang: str) -> str:
    """A KPI table's cell: numbers in the language's format (two decimals at most), a
    column name (the aggregate's measure) by its heading, text as it is."""
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return format_number(value, lang)
    if isinstance(value, float):
        return format_number(value, lang, 0 if value.is_integer() else 2)
    return kpi_column(str(value), lang) if str(value) in KPI_COLUMN_NAMES else str(value)


def number_or_dash(value: float | None, lang: str, digits: int) -> str:
    return "-" if value is None else format_number(value, lang, digits)


def feature_table(features: dict, t: Callable[..., str], lang: str) -> str:
    """A segment's six most distinctive features (largest standardised difference), each with
    its name and unit, the segment's mean, the population's mean and the ratio of the two."""
    traits = sorted(features.items(), key=lambda kv: -abs(kv[1]["z"] or 0.0))[:6]
    rows = []
    for name, v in traits:
        lift = v.get("lift")
        population = v["mean"] / lift if lift else None
        rows.append(
            [
                feature_label(name, lang),
                feature_value(name, v["mean"], lang),
                feature_value(name, population, lang),
                "-" if lift is None else f"×{format_number(lift, lang, 2)}",
            ]
        )
    return _table(
        [t("feature"), t("segment_mean"), t("population_mean"), t("lift")], rows, {1, 2, 3}
    )


def _img(path: Path, alt: str) -> str:
    if not path.is_file():
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _money(value: float | None, lang: str) -> str:
    return "" if value is None else format_number(value, lang)


def candidates_table(candidates: list[dict], t: Callable[..., str], lang: str) -> str:
    """Every candidate with each criterion of the rule (yes / no / - not measured), its
    out-of-time AUC and combined score."""
    names = ("k_range", "largest", "smallest", "stability", "noise", "actions", "value")

    def mark(c: dict, name: str) -> str:
        ok = (c.get("criteria") or {}).get(name)
        return "-" if ok is None else (t("yes") if ok else t("no"))

    return _table(
        [
            t("algorithm"),
            "k",
            t("silhouette"),
            "Davies-Bouldin",
            t("stability"),
            t("largest_word"),
            t("smallest"),
            *[t(f"crit_{n}") for n in names],
            t("auc_word"),
            t("score_word"),
        ],
        [
            [
                c["algorithm"],
                c["n_clusters"],
                number_or_dash(c["silhouette"], lang, 3),
                number_or_dash(c["davies_bouldin"], lang, 2),
                number_or_dash(c["stability_bootstrap"], lang, 2),
                "-" if c.get("largest_share") is None else percent(c["largest_share"], lang, 0),
                "-" if c.get("smallest_share") is None else percent(c["smallest_share"], lang),
                *[mark(c, n) for n in names],
                number_or_dash(c.get("oot_auc"), lang, 3),
                number_or_dash(c.get("score"), lang, 3),
            ]
            for c in candidates
        ],
        {1, 2, 3, 4, 5, 6, 14, 15},
        css_class="wide",
    )


def value_section(numbers: dict, personas: list[dict], t: object, lang: str) -> list[str]:
    """Lifetime value (per segment, the out-of-time check, the calibration chart) and the
    campaign audiences."""
    value, audiences = numbers.get("value"), numbers.get("audiences")
    parts: list[str] = []
    if value and value.get("skipped"):
        parts += [
            f"<h2>{_e(t('value_section'))}</h2>",
            f"<p>{_e(t('value_skipped', reason=value['skipped']))}</p>",
        ]
    elif value:
        parts += [
            f"<h2>{_e(t('value_section'))}</h2>",
            f"<p>{_e(t('value_text', as_of=value['as_of'], repeat=value['repeat_customers'], customers=value['customers'], occasions=value['expected_occasions_365d'], value=value['expected_value_12m']))}</p>",
            _table(
                [
                    t("segment"),
                    t("customers"),
                    t("expected_value"),
                    t("share_value"),
                    t("p_chance"),
                ],
                [
                    [
                        p["name"],
                        format_number(p["size"], lang),
                        _money(p["expected_value"], lang),
                        "" if p["share_value"] is None else percent(p["share_value"], lang),
                        "" if p["chance_12m"] is None else percent(p["chance_12m"], lang),
                    ]
                    for p in personas
                ],
                {1, 2, 3, 4},
            ),
            *(
                [f"<p class=note>{_e(t('value_fit_sampled', **fit))}</p>"]
                if (fit := (value.get("sample") or {}).get("fit"))
                else []
            ),
            f"<p>{_e(t('value_check'))}</p>",
            *(
                [f"<p class=note>{_e(t('value_checks_sampled', **checks))}</p>"]
                if (checks := (value.get("sample") or {}).get("checks"))
                else []
            ),
            _table(
                [
                    t("origin"),
                    t("customers"),
                    t("actual"),
                    t("forecast"),
                    t("naive"),
                    f"{t('mae_word')}: {t('forecast')}",
                    f"{t('mae_word')}: {t('naive')}",
                ],
                [
                    [
                        o["origin"][:10],
                        format_number(o["customers"], lang),
                        format_number(o["actual_occasions"], lang),
                        format_number(o["predicted_occasions"], lang),
                        format_number(o["naive_occasions"], lang),
                        format_number(o["mae_bgnbd"], lang, 4),
                        format_number(o["mae_naive"], lang, 4),
                    ]
                    for o in value["out_of_time"]["origins"]
                ],
                {1, 2, 3, 4, 5, 6},
            ),
            _img(numbers["charts"]["value"] / "calibration.png", t("value_section")),
        ]
    if audiences:
        names = {
            s["segment_id"]: p["name"]
            for s, p in zip(numbers["profiles"]["segments"], personas, strict=True)
        }
        rows = [
            [
                names.get(a["segment_id"], a["segment_name"]),
                Code(a["file"]),
                format_number(a["customers"], lang),
                _money(a["expected_value_12m"], lang),
                t("yes") if a["promotional"] else t("no"),
            ]
            for a in audiences["audiences"]
        ]
        sup = audiences["suppressed"]
        rows.append(
            [
                t("suppressed_list"),
                Code(sup["file"]),
                format_number(sup["customers"], lang),
                _money(sup["expected_value_12m"], lang),
                t("no"),
            ]
        )
        parts += [
            f"<h2>{_e(t('audiences_section'))}</h2>",
            f"<p>{_e(t('audiences_text', as_of=audiences['as_of'], days=audiences['suppression_days']))}</p>",
            _table(
                [t("segment"), t("file"), t("customers"), t("expected_value"), t("promotional")],
                rows,
                {2, 3},
            ),
        ]
    return parts
