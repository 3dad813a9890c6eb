"""The readout as a page a marketer reads: verdicts in words, the table, the chart."""

from __future__ import annotations

import base64
import html

import altair as alt
import numpy as np
import pandas as pd
import vl_convert as vlc

from olistseg.i18n import format_number, keyed, percent, segment_name, text


def verdict_text(verdict: dict, lang: str = "en") -> str:
    """A plan verdict in words, with what would make an unmeasurable campaign measurable."""
    values = dict(verdict["values"])
    mde = values.get("mde")
    values["mde"] = 0.0 if mde is None else mde
    values["mde_text"] = text(lang, "mde_none") if mde is None else percent(mde, lang, 0)
    sentence = text(lang, verdict["key"], **values)
    if verdict["key"] != "not_measurable":
        return sentence
    helps = []
    if values.get("holdout_share"):
        helps.append(text(lang, "help_holdout", share=values["holdout_share"]))
    if values.get("horizon_days"):
        helps.append(text(lang, "help_horizon", days=values["horizon_days"]))
    if values.get("customers_needed"):
        helps.append(text(lang, "help_customers", customers=values["customers_needed"]))
    if not helps:
        helps.append(text(lang, "help_none"))
    return f"{sentence} {'; '.join(helps)}."


def timing_text(timing: dict, lang: str = "en") -> str:
    """When a campaign goes out, in words."""
    if timing["kind"] == "lifecycle":
        return text(lang, f"trigger_{timing['trigger']}") + f" ({timing['launch']})"
    return text(
        lang,
        "calendar_timing",
        name=timing["name"],
        name_pt=timing["name_pt"],
        send=timing["send_date"],
    )


def campaign_label(campaign: dict, lang: str = "en") -> str:
    """A campaign's name: its segment's, in ``lang``."""
    record = {
        "key": campaign["segment_key"],
        "name": campaign["segment_name"],
        "qualifier": campaign.get("segment_qualifier"),
        "rank": campaign.get("segment_rank"),
    }
    return segment_name(record, lang)


def plan_rows(plan: dict, lang: str = "en") -> tuple[list[str], list[list[str]]]:
    """The plan as a table: headings and one row per campaign, for the report and the deck."""
    t = lambda key, **v: text(lang, key, **v)  # noqa: E731
    verdicts = {"measurable_alone": t("yes_alone"), "measurable_pooled": t("yes_pooled")}
    keys = ("c_campaign", "c_timing", "c_audience", "c_holdout", "c_expected", "c_cost")
    headings = [t(k) for k in (*keys, "c_break_even", "c_mde", "c_verdict")]
    rows = []
    for c in plan["campaigns"]:
        even, mde = c["cost"]["break_even_lift"], c["power"]["minimum_detectable_lift"]
        expected = c["expected"]["buyers_treatment"] + c["expected"]["buyers_holdout"]
        rows.append(
            [
                segment_name(
                    {
                        "key": c["segment_key"],
                        "name": c["segment_name"],
                        "qualifier": c.get("segment_qualifier"),
                        "rank": c.get("segment_rank"),
                    },
                    lang,
                ),
                timing_text(c["timing"], lang),
                format_number(c["audience"], lang),
                format_number(c["holdout"], lang),
                format_number(expected, lang, 1),
                format_number(c["cost"]["total"], lang),
                "-" if even is None else "+" + percent(even, lang, 0),
                "-" if mde is None else "+" + percent(mde, lang, 0),
                verdicts.get(c["verdict"]["key"], t("no_purchases")),
            ]
        )
    return headings, rows


TARGETING_NAMES = {
    "rfm": "RFM cell rate",
    "bgnbd": "BG/NBD expected purchases",
    "gbm": "Gradient boosting",
}


def targeting_rows(targeting: dict, lang: str = "en") -> tuple[list[str], list[list[str]]]:
    """The out-of-time comparison of the targeting scores as a table (medians over origins)."""
    t = lambda key, **v: text(lang, key, **v)  # noqa: E731
    headings = [t(k) for k in ("t_candidate", "t_auc", "t_lift", "t_calibration", "t_interval")]
    origins = [o for o in targeting["origins"] if o["candidates"]]

    def median(name: str, key: str, index: int | None = None) -> str:
        values = [o["candidates"][name][key] for o in origins if name in o["candidates"]]
        values = [v if index is None else v[index] for v in values if v is not None]
        return "-" if not values else format_number(float(np.median(values)), lang, 3)

    rows = []
    for name in targeting["candidates"]:
        interval = (
            "-"
            if name == "rfm"
            else f"{median(name, 'against_rfm', 0)} … {median(name, 'against_rfm', 1)}"
        )
        champion = " ✓" if name == targeting["champion"] else ""
        rows.append(
            [
                TARGETING_NAMES[name] + champion,
                median(name, "auc"),
                median(name, "top_decile_lift"),
                median(name, "calibration"),
                interval,
            ]
        )
    return headings, rows


def readout_chart(readout: dict, lang: str = "en") -> alt.Chart:
    """Purchase rate of the treated and the held out, per campaign (0-100%, with units)."""
    rows = []
    for c in readout["campaigns"]:
        if not c.get("window"):
            continue
        for group in ("treatment", "holdout"):
            g = c[group]
            rate = g["buyers"] / g["customers"] if g["customers"] else 0.0
            rows.append({"campaign": c["campaign_id"], "group": group, "rate": rate})
    frame = pd.DataFrame(rows, columns=["campaign", "group", "rate"])
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("campaign:N", title=None, sort=None),
            yOffset=alt.YOffset("group:N", sort=["treatment", "holdout"]),
            x=alt.X("rate:Q", title="purchase rate in the window (%)", axis=alt.Axis(format="%")),
            color=alt.Color("group:N", sort=["treatment", "holdout"], title=None),
        )
        .properties(width=520, height=alt.Step(14))
    )


def readout_html(readout: dict, lang: str = "en") -> str:
    """``readout.html``: one self-contained page."""
    t = lambda key, **v: text(lang, key, **v)  # noqa: E731
    e = html.escape
    png = vlc.vegalite_to_png(readout_chart(readout, lang).to_json(), scale=2)
    chart = base64.b64encode(png).decode("ascii")
    rows = []
    for c in readout["campaigns"]:
        if not c.get("window"):
            rows.append(
                f"<tr><td>{e(c['campaign_id'])}</td><td colspan=6>{e(keyed(lang, c['verdict']))}</td></tr>"
            )
            continue
        interval = c.get("relative_interval") or [None, None]
        span = (
            "-"
            if None in interval
            else f"{percent(interval[0], lang, 0)} … {percent(interval[1], lang, 0)}"
        )
        rows.append(
            "<tr>"
            f"<td>{e(c['campaign_id'])}</td>"
            f"<td>{format_number(c['treatment']['customers'], lang)} / {format_number(c['holdout']['customers'], lang)}</td>"
            f"<td>{percent(c['rate_treatment'], lang, 2)} / {percent(c['rate_holdout'], lang, 2)}</td>"
            f"<td>{e(span)}</td>"
            f"<td>{format_number(c['p_value'], lang, 3)}</td>"
            f"<td>{format_number(c['incremental_revenue'], lang)}</td>"
            f"<td>{e(keyed(lang, c['verdict']))}</td>"
            "</tr>"
        )
    pooled = readout.get("pooled")
    pooled_text = "" if pooled is None else f"<p><b>{e(keyed(lang, pooled['verdict']))}</b></p>"
    head = "".join(
        f"<th>{e(h)}</th>"
        for h in (
            t("c_campaign"),
            "n (treated / held out)",
            "rate (treated / held out)",
            "relative lift, 95%",
            "p",
            "incremental revenue (BRL)",
            t("c_verdict"),
        )
    )
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{e(t("readout_title"))}</title>'
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;font-size:13px}</style></head><body>"
        f"<h1>{e(t('readout_title'))}</h1>"
        f"<p>{e(readout['plan_as_of'][:10])} → {e(readout['data_until'][:10])}</p>"
        f"{pooled_text}<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f'<p><img alt="purchase rates by group" src="data:image/png;base64,{chart}"></p>'
        "</body></html>\n"
    )
