"""``report.html``: the run's findings in one self-contained, printable, offline page.

Charts are the PNGs the run wrote, embedded as data URIs; no external resource is referenced.
Every figure comes from :func:`olistseg.deliverables.collect.run_numbers`.
"""

from __future__ import annotations

from olistseg import __version__
from olistseg.campaigns.report import plan_rows, verdict_text
from olistseg.contract import fact
from olistseg.deliverables.collect import kpi_aggregate, kpi_answer
from olistseg.deliverables.personas import persona
from olistseg.deliverables.report_parts import (
    Code,
    _cell,
    _e,
    _img,
    _money,
    _table,
    candidates_table,
    feature_table,
    number_or_dash,
    value_section,
)
from olistseg.i18n import (
    format_number,
    keyed,
    kpi_column,
    kpi_question,
    kpi_title,
    percent,
    rule_label,
    rule_value,
    text,
    why_text,
)
from olistseg.kpi.catalog import REQUIRED_QUESTIONS

CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif;
       margin: 2rem auto; max-width: 60rem; color: #1d2733; line-height: 1.45; padding: 0 1rem; }
h1 { margin-bottom: 0; } .subtitle { color: #5b6b7b; margin-top: .2rem; }
h2 { border-bottom: 2px solid #dde3ea; padding-bottom: .2rem; margin-top: 2.2rem; }
table { border-collapse: collapse; margin: .6rem 0; font-size: .92rem; }
th, td { border: 1px solid #dde3ea; padding: .25rem .55rem; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th { background: #f2f5f8; }
table.wide { font-size: .78rem; } table.wide th, table.wide td { padding: .15rem .3rem; }
img { max-width: 100%; height: auto; margin: .5rem 0; }
.card { border: 1px solid #dde3ea; border-radius: 6px; padding: .2rem 1rem 1rem; margin: 1rem 0; }
.action { background: #eef6ee; padding: .4rem .7rem; border-radius: 4px; }
footer { color: #5b6b7b; font-size: .85rem; margin-top: 3rem; }
ol.findings li { margin: .35rem 0; } .src { color: #7a8794; font-size: .8rem; }
@page { size: A4; margin: 15mm 13mm 17mm;
        @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt;
                        color: #7a8794; } }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 10pt; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
  .new-page { break-before: page; page-break-before: always; }
  table { font-size: 8.5pt; max-width: 100%; }
  table.wide { font-size: 6.5pt; width: 100%; table-layout: fixed; }
  table.wide th, table.wide td { white-space: normal; overflow-wrap: anywhere; hyphens: auto; }
  table.wide th:first-child { width: 13%; } table.wide th:nth-child(2) { width: 3%; }
  thead { display: table-header-group; }
  tr, img, .card, li { break-inside: avoid; page-break-inside: avoid; }
  img { max-height: 120mm; }
  p { orphans: 3; widows: 3; }
}
"""


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
            f"<li>{_e(keyed(lang, f))} <span class=src>({_e(t('findings_source'))}: <code>{_e(f['source'])}</code>)</span></li>"
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
                [Code(name), format_number(rows, lang)]
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
        parts.append(
            _table(
                [kpi_column(c, lang) for c in columns],
                [[_cell(v, lang) for v in row] for row in rows[:10]],
                {i for i, v in enumerate(rows[0] if rows else []) if isinstance(v, int | float)},
            )
        )
    parts += [
        f"<h2>{_e(t('segments_overview'))}</h2>",
        _img(charts["segments"] / "segment_sizes.png", t("segments_overview")),
        _img(charts["segments"] / "profile_heatmap.png", t("profile")),
    ]
    for s, p in zip(profiles["segments"], personas, strict=True):
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
            + feature_table(s["features"], t, lang)
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
        "random": t("d_random"),
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
                    *[number_or_dash(o[k]["auc"], lang, 3) for k in kinds],
                ]
                for o in validation["origins"]
            ],
            set(range(1, 2 + len(kinds))),
        ),
        _img(charts["validation"] / "validation.png", t("validation")),
    ]
    parts += value_section(numbers, personas, t, lang)
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
                f"<li><code>{_e(c['campaign_id'])}</code>: {_e(verdict_text(c['verdict'], lang))}</li>"
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
        *(
            [f"<p class=note>{_e(t('stability_sampled', **sample))}</p>"]
            if (sample := stability.get("sample"))
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
        "<div class=new-page></div>",
        f"<h2>{_e(t('appendix_method'))}</h2>",
        f"<h3>{_e(t('method'))}</h3><p>{_e(t('method_text', as_of=seg['as_of']))}</p>",
        f"<p>{_e(t('summary_segments', k=seg['k'], algorithm=seg['algorithm'], candidates=len(selection['candidates'])))}</p>",
        *(
            [f"<p class=note>{_e(t('silhouette_sampled', **silhouette))}</p>"]
            if (silhouette := selection.get("silhouette_method") or {}).get("method")
            == "stratified_sample"
            else []
        ),
        f"<h3>{_e(t('rule'))}</h3>",
        *(
            [
                f"<p>{_e(t('d_method_relaxed', k=seg['k'], algorithm=seg['algorithm'], candidates=len(selection['candidates']), relaxed=', '.join(t(f'crit_{c}') for c in relaxed)))}.</p>"
            ]
            if (relaxed := selection["chosen"].get("relaxed"))
            else []
        ),
        _table(
            [t("rule"), t("d_value")],
            [[rule_label(k, lang), rule_value(k, v, lang)] for k, v in selection["rule"].items()],
            {1},
        ),
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
        *(
            [f"<p class=note>{_e(t('selection_windows_sampled', **oot_sample))}</p>"]
            if (oot_sample := (selection.get("out_of_time") or {}).get("sample"))
            else []
        ),
        candidates_table(selection["candidates"], t, lang),
        f"<h3>{_e(t('appendix'))}</h3><p>{_e(t('definitions'))}</p>",
        f"<footer>{_e(t('generated', version=__version__))}</footer>",
    ]
    body = "\n".join(p for p in parts if p)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{_e(t('title'))}</title>"
        # dated by the run's as_of (the PDF's creation date), never by the clock
        f'<meta name="dcterms.created" content="{_e(seg["as_of"].replace(" ", "T"))}Z">'
        f'<meta name="dcterms.modified" content="{_e(seg["as_of"].replace(" ", "T"))}Z">'
        f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n"
    )
