"""``report.html``: the run's findings in one self-contained, printable, offline page.

Charts are the PNGs the run wrote, embedded as data URIs; no external resource is referenced.
Every figure comes from :func:`olistseg.deliverables.collect.run_numbers`.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from pathlib import Path

from olistseg import __version__
from olistseg.campaigns.report import plan_rows, verdict_text
from olistseg.contract import fact
from olistseg.deliverables.collect import kpi_aggregate, kpi_answer
from olistseg.deliverables.personas import persona
from olistseg.i18n import (
    format_number,
    keyed,
    kpi_question,
    kpi_title,
    percent,
    text,
    why_text,
)
from olistseg.kpi.catalog import REQUIRED_QUESTIONS

CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 2rem auto;
       max-width: 60rem; color: #1d2733; line-height: 1.45; padding: 0 1rem; }
h1 { margin-bottom: 0; } .subtitle { color: #5b6b7b; margin-top: .2rem; }
h2 { border-bottom: 2px solid #dde3ea; padding-bottom: .2rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .92rem; }
th, td { border: 1px solid #dde3ea; padding: .25rem .55rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f2f5f8; }
img { max-width: 100%; height: auto; margin: .5rem 0; }
.card { border: 1px solid #dde3ea; border-radius: 6px; padding: .2rem 1rem 1rem; margin: 1rem 0; }
.action { background: #eef6ee; padding: .4rem .7rem; border-radius: 4px; }
footer { color: #5b6b7b; font-size: .85rem; margin-top: 3rem; }
ol.findings li { margin: .35rem 0; } .src { color: #7a8794; font-size: .8rem; }
@media print { h2 { break-before: page; } h2:first-of-type { break-before: auto; }
               .card, table, img { break-inside: avoid; } }
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _table(headers: list[str], rows: list[list[object]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if i in numeric else ''}>{_e(c)}</td>" for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _img(path: Path, alt: str) -> str:
    if not path.is_file():
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _money(value: float | None, lang: str) -> str:
    return "" if value is None else format_number(value, lang)


def build_report(numbers: dict, lang: str = "en") -> str:
    """The HTML page for the run's ``numbers`` in ``lang``: the executive summary (findings,
    segments, cadence and cost) first, the sections, then the appendix (method, candidates,
    definitions)."""
    run, selection, profiles = numbers["run"], numbers["selection"], numbers["profiles"]
    stability, contract = numbers["stability"], numbers["maintenance"]
    seg, charts = run["segmentation"], numbers["charts"]
    t = lambda key, **kw: text(lang, key, **kw)  # noqa: E731
    personas = [persona(s, numbers, lang) for s in profiles["segments"]]
    cadence = stability["cadence"]
    findings = numbers.get("findings", [])
    parts = [
        f"<h1>{_e(t('title'))}</h1>",
        f"<p class=subtitle>{_e(t('subtitle', customers=seg['customers'], as_of=seg['as_of']))}</p>",
        f"<h2>{_e(t('executive_summary'))}</h2>",
        f"<h3>{_e(t('findings_title'))}</h3><ol class=findings>",
        *(
            f"<li>{_e(keyed(lang, f))} <span class=src>({_e(t('findings_source'))}: {_e(f['source'])})</span></li>"
            for f in findings
        ),
        "</ol>",
        f"<h3>{_e(t('at_a_glance'))}</h3>",
        _table(
            [
                t("segment"),
                t("customers"),
                t("revenue"),
                t("expected_value"),
                t("audience"),
                t("action"),
            ],
            [
                [
                    p["name"],
                    percent(p["share_customers"], lang),
                    percent(p["share_revenue"], lang),
                    _money(p["expected_value"], lang),
                    "" if p["audience"] is None else format_number(p["audience"], lang),
                    p["action"],
                ]
                for p in personas
            ],
            {1, 2, 3, 4},
        ),
        f"<p>{_e(t('cadence_text', weeks=cadence['weeks'], reason=keyed(lang, cadence['reason_text'])))}</p>",
        *(
            [
                f"<p>{_e(t('cost_text', total=fact(numbers, 'yearly_cost'), currency=fact(numbers, 'currency'), per_year=fact(numbers, 'retrains_per_year')))}</p>"
            ]
            if contract.get("yearly_cost")
            else []
        ),
        f"<h2>{_e(t('data_quality'))}</h2>",
        f"<p>{_e(t('period', first=run['load']['orders_first_purchase'], last=run['load']['orders_last_purchase']))}</p>",
        _table(
            [t("table"), t("rows_loaded")],
            [
                [name, format_number(rows, lang)]
                for name, rows in run["load"]["rows_loaded"].items()
            ],
            {1},
        ),
        f"<p>{_e(t('rows_quarantined'))}: {format_number(run['load']['rows_quarantined'], lang)}</p>",
        f"<h2>{_e(t('cx_findings'))}</h2>",
    ]
    for name in REQUIRED_QUESTIONS:
        answer = kpi_answer(numbers, name)
        parts.append(
            f"<h3>{_e(kpi_title(lang, name, answer['title']))}</h3>"
            f"<p>{_e(kpi_question(lang, name, answer['question']))}</p>"
        )
        columns, rows = kpi_aggregate(answer)
        parts.append(_table(columns, rows[:10]))
    parts += [
        f"<h2>{_e(t('segments_overview'))}</h2>",
        _img(charts["segments"] / "segment_sizes.png", t("segments_overview")),
        _img(charts["segments"] / "profile_heatmap.png", t("profile")),
    ]
    for s, p in zip(profiles["segments"], personas, strict=True):
        traits = sorted(s["features"].items(), key=lambda kv: -abs(kv[1]["z"] or 0.0))[:6]
        value = (
            ""
            if p["expected_value"] is None
            else f" · {_e(t('expected_value'))}: {_money(p['expected_value'], lang)}"
        )
        audience = (
            ""
            if p["audience"] is None
            else f" · {_e(t('audience'))}: {format_number(p['audience'], lang)}"
        )
        parts.append(
            f"<div class=card><h3>{_e(p['name'])}</h3>"
            f"<p>{_e(t('customers'))}: {format_number(p['size'], lang)} ({percent(p['share_customers'], lang)}) · "
            f"{_e(t('revenue'))}: {percent(p['share_revenue'], lang)}{value}{audience}</p>"
            f"<p>{_e(t('typical_customer'))}: {_e(p['typical'])}</p>"
            f"<p class=action><b>{_e(t('action'))}:</b> {_e(p['action'])}<br>"
            f"<b>{_e(t('kpi_to_watch'))}:</b> {_e(p['watch'])}</p>"
            + _table(
                [t("feature"), t("mean"), t("lift")],
                [[f, v["mean"], v["lift"]] for f, v in traits],
                {1, 2},
            )
            + "</div>"
        )
    validation = numbers["validation"]
    kinds = [
        k
        for k in ("chosen", "rfm", "random", "highest_silhouette")
        if k in validation["origins"][0]
    ]
    labels = {
        "chosen": t("segments_word"),
        "rfm": "RFM",
        "random": "random",
        "highest_silhouette": f"{t('silhouette')} max",
    }
    parts += [
        f"<h2>{_e(t('validation'))}</h2>",
        f"<p>{_e(t('validation_text', origins=len(validation['origins']), horizon=validation['horizon_days']))}</p>",
        "<ul>"
        + "".join(f"<li>{_e(keyed(lang, f))}</li>" for f in validation["summary"]["findings_text"])
        + "</ul>",
        _table(
            [t("origin"), t("customers"), *[f"{t('auc_word')}: {labels[k]}" for k in kinds]],
            [
                [
                    o["origin"][:10],
                    format_number(o["customers"], lang),
                    *[o[k]["auc"] for k in kinds],
                ]
                for o in validation["origins"]
            ],
            set(range(1, 2 + len(kinds))),
        ),
        _img(charts["validation"] / "validation.png", t("validation")),
    ]
    parts += _value_section(numbers, personas, t, lang)
    if plan := numbers.get("campaigns"):
        headings, rows = plan_rows(plan, lang)
        pooled = plan["pooled"]
        mde = pooled["minimum_detectable_lift"]
        parts += [
            f"<h2>{_e(t('campaigns_section'))}</h2>",
            f"<p>{_e(t('campaigns_intro', as_of=plan['as_of'][:10], holdout=plan['holdout_share'], horizon=plan['horizon_days'], origin=plan['origin'][:10]))}</p>",
            _table(headings, rows, set(range(2, 8))),
            f"<p>{_e(t('pooled_text', treatment=pooled['treatment'], holdout=pooled['holdout'], rate=pooled['base_rate'], mde_text=t('mde_none') if mde is None else percent(mde, lang, 0)))}</p>",
            "<ul>"
            + "".join(
                f"<li>{_e(c['campaign_id'])}: {_e(verdict_text(c['verdict'], lang))}</li>"
                for c in plan["campaigns"]
            )
            + "</ul>",
        ]
    parts += [
        f"<h2>{_e(t('stability_cadence'))}</h2>",
        f"<p>{_e(t('cadence_text', weeks=cadence['weeks'], reason=keyed(lang, cadence['reason_text'])))}</p>",
        f"<p>{_e(t('baseline_text', median=stability['baseline_noise']['median']))}</p>",
        *(
            [
                f"<p>{_e(t('robust_text', loo=stability['robust']['max_change_leave_one_origin_out_steps'], seeds=len(stability['seeds']), seed_change=stability['robust']['max_change_across_seeds_steps'], noisy=stability['steps_left_out_noisy']))}</p>"
            ]
            if stability.get("robust")
            else []
        ),
        *(
            [
                f"<p>{_e(t('impact_text', changed=stability['campaign_impact'][0]['changed_segment'], new=stability['campaign_impact'][0]['new_customers']))}</p>"
            ]
            if stability.get("campaign_impact")
            else []
        ),
        *(
            [
                f"<p>{_e(t('cost_text', total=fact(numbers, 'yearly_cost'), currency=fact(numbers, 'currency'), per_year=fact(numbers, 'retrains_per_year')))}</p>"
            ]
            if contract.get("yearly_cost")
            else []
        ),
        *(
            [
                f"<p class=note>{_e(t('density_stand_in', chosen=stand_in, k=stability['config']['k']))}.</p>"
            ]
            if (stand_in := stability["config"].get("stand_in_for"))
            else []
        ),
        _img(charts["stability"] / "ari_curve.png", t("stability_curve")),
        _img(charts["stability"] / "psi_heatmap.png", "PSI"),
        _img(charts["stability"] / "migration.png", "migration"),
        f"<h2>{_e(t('maintenance'))}</h2>",
        f"<h3>{_e(t('triggers'))}</h3><ul>"
        + "".join(f"<li>{_e(keyed(lang, x))}</li>" for x in contract["triggers_text"])
        + "</ul>",
        f"<h3>{_e(t('calendar'))}</h3>",
        _table(
            [t("date"), t("task")], [[r["date"], t(r["task_key"])] for r in contract["calendar"]]
        ),
        f"<h2>{_e(t('appendix_method'))}</h2>",
        f"<h3>{_e(t('method'))}</h3><p>{_e(t('method_text', as_of=seg['as_of']))}</p>",
        f"<p>{_e(t('summary_segments', k=seg['k'], algorithm=seg['algorithm'], candidates=len(selection['candidates'])))}</p>",
        f"<h3>{_e(t('rule'))}</h3>",
        *(
            [
                f"<p>{_e(t('d_method_relaxed', k=seg['k'], algorithm=seg['algorithm'], candidates=len(selection['candidates']), relaxed=', '.join(t(f'crit_{c}') for c in relaxed)))}.</p>"
            ]
            if (relaxed := selection["chosen"].get("relaxed"))
            else []
        ),
        _table(list(selection["rule"]), [list(selection["rule"].values())]),
        _img(charts["segments"] / "metrics_vs_k.png", t("choice_of_k")),
        f"<h3>{_e(t('candidates_table'))}</h3>",
        *(
            [f"<p>{_e(t('why_chosen', why=why_text(lang, why)))}</p>"]
            if (why := selection.get("why_not_highest_silhouette_record"))
            else []
        ),
        *(
            [f"<p>{_e(t('rfm_bar', auc=oot['rfm_median_auc'], origins=len(oot['windows'])))}</p>"]
            if (oot := selection.get("out_of_time"))
            else []
        ),
        _candidates_table(selection["candidates"], t, lang),
        f"<h3>{_e(t('appendix'))}</h3><p>{_e(t('definitions'))}</p>",
        f"<footer>{_e(t('generated', version=__version__))}</footer>",
    ]
    body = "\n".join(p for p in parts if p)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{_e(t('title'))}</title><style>{CSS}</style></head><body>\n{body}\n</body></html>\n"
    )


def _candidates_table(candidates: list[dict], t: Callable[..., str], lang: str) -> str:
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
                c["silhouette"],
                c["davies_bouldin"],
                c["stability_bootstrap"],
                "-" if c.get("largest_share") is None else percent(c["largest_share"], lang, 0),
                "-" if c.get("smallest_share") is None else percent(c["smallest_share"], lang),
                *[mark(c, n) for n in names],
                c.get("oot_auc") or "-",
                c.get("score") or "-",
            ]
            for c in candidates
        ],
        {1, 2, 3, 4, 5, 6, 14, 15},
    )


def _value_section(numbers: dict, personas: list[dict], t: object, lang: str) -> list[str]:
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
                    t("median_alive"),
                ],
                [
                    [
                        p["name"],
                        format_number(p["size"], lang),
                        _money(p["expected_value"], lang),
                        "" if p["share_value"] is None else percent(p["share_value"], lang),
                        ""
                        if p["median_alive"] is None
                        else format_number(p["median_alive"], lang, 2),
                    ]
                    for p in personas
                ],
                {1, 2, 3, 4},
            ),
            f"<p>{_e(t('value_check'))}</p>",
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
                        o["actual_occasions"],
                        f"{o['predicted_occasions']:.0f}",
                        f"{o['naive_occasions']:.0f}",
                        o["mae_bgnbd"],
                        o["mae_naive"],
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
                a["file"],
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
                sup["file"],
                format_number(sup["customers"], lang),
                _money(sup["expected_value_12m"], lang),
                t("no"),
            ]
        )
        parts += [
            f"<h2>{_e(t('audiences_section'))}</h2>",
            f"<p>{_e(t('audiences_text', as_of=audiences['as_of'], days=audiences['suppression_days']))}</p>",
            _table(
                [t("segment"), "file", t("customers"), t("expected_value"), t("promotional")],
                rows,
                {2, 3},
            ),
        ]
    return parts
