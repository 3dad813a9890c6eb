"""The README's scale table and chart from ``results/scale.json``.

``python benchmarks/scale_report.py`` prints the Markdown table and writes ``docs/scale.png``
(one Altair spec, rendered offline by vl-convert): seconds per stage against customers, log-log.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert as vlc

HERE = Path(__file__).resolve().parent
STAGES = ("generate", "load", "kpis", "features", "segment", "score", "score_value")
#: The path the target reads (generation excluded): load, segment, score with value.
PATH = ("load", "segment", "score_value")
PATH_LABEL = "path (load + segment + score_value)"


def label(size: str) -> str:
    return "real (96k)" if size == "real" else f"{int(size):,}"


def growth(sizes: dict, synthetic: list[str], stage: str) -> str:
    """Exponent b of time ~ customers^b between the two largest synthetic sizes where the stage
    ran (1 = linear); the smaller sizes are dominated by fixed costs (start-up, charts)."""
    ran = [s for s in synthetic if stage in sizes[s]["stages"]]
    if len(ran) < 2 or ran[-1] != synthetic[-1]:
        return "—"  # not measured at the largest size: no 1M-to-10M exponent
    small, large = sizes[ran[-2]]["stages"][stage], sizes[ran[-1]]["stages"][stage]
    ratio = large["median_s"] / small["median_s"]
    return f"{math.log(ratio) / math.log(int(ran[-1]) / int(ran[-2])):.2f}"


def cell(figure: dict | None) -> str:
    if figure is None:
        return "—"
    return f"{figure['median_s']:.1f} s / {figure['peak_rss_gb']:.1f} GB"


def table(sizes: dict) -> str:
    synthetic = sorted((s for s in sizes if s != "real"), key=int)
    order = (["real"] if "real" in sizes else []) + synthetic
    lines = [
        "| stage | " + " | ".join(label(s) for s in order) + " | growth exponent (1M to 10M) |",
        "|---" * (len(order) + 2) + "|",
    ]
    for stage in (*STAGES, "selection", "stability"):
        cells = [cell(sizes[size]["stages"].get(stage)) for size in order]
        if any(c != "—" for c in cells):
            lines.append(f"| {stage} | {' | '.join(cells)} | {growth(sizes, synthetic, stage)} |")
    silhouettes = []
    for size in order:
        s = sizes[size].get("silhouette", {})
        kind = "exact" if s.get("method") == "exact" else f"sample of {s.get('sample_size', 0):,}"
        silhouettes.append(f"{s.get('seconds', 0):.1f} s ({kind})")
    lines.append(f"| silhouette (in segment) | {' | '.join(silhouettes)} | — |")
    totals = [
        f"**{sizes[s]['end_to_end_s']:.0f} s / {sizes[s]['peak_rss_gb']:.1f} GB**" for s in order
    ]
    lines.append(f"| **path: {' + '.join(PATH)}** | {' | '.join(totals)} | — |")
    return "\n".join(lines)


def chart(sizes: dict) -> alt.Chart:
    rows = []
    for size, result in sizes.items():
        if size == "real":
            continue
        for stage, figure in result["stages"].items():
            if stage in STAGES:
                rows.append(
                    {
                        "customers": int(size),
                        "stage": stage,
                        "seconds": figure["median_s"],
                        "peak_gb": figure["peak_rss_gb"],
                    }
                )
        if all(stage in result["stages"] for stage in PATH):
            rows.append(
                {
                    "customers": int(size),
                    "stage": PATH_LABEL,
                    "seconds": result["end_to_end_s"],
                    "peak_gb": result["peak_rss_gb"],
                }
            )
    frame = pd.DataFrame(rows)
    base = alt.Chart(frame).encode(
        x=alt.X(
            "customers:Q",
            scale=alt.Scale(type="log"),
            axis=alt.Axis(values=[100_000, 1_000_000, 10_000_000], format="~s"),
            title="customers (log)",
        ),
        color=alt.Color("stage:N", sort=[*STAGES, PATH_LABEL], legend=alt.Legend(labelLimit=320)),
    )
    seconds = (
        base.mark_line(point=True)
        .encode(y=alt.Y("seconds:Q", scale=alt.Scale(type="log"), title="seconds (log)"))
        .properties(title="Time per stage", width=320, height=240)
    )
    memory = (
        base.mark_line(point=True)
        .encode(y=alt.Y("peak_gb:Q", scale=alt.Scale(type="log"), title="peak memory, GB (log)"))
        .properties(title="Peak memory per stage", width=320, height=240)
    )
    return alt.hconcat(seconds, memory)


def main() -> None:
    sizes = json.loads((HERE / "results" / "scale.json").read_text())["sizes"]
    print(table(sizes))
    png = vlc.vegalite_to_png(chart(sizes).to_json(), scale=2)
    (HERE.parent / "docs" / "scale.png").write_bytes(png)


if __name__ == "__main__":
    main()
