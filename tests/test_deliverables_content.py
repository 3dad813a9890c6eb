"""What a reader gets from one run (the session's ``run_out``): aggregates only, charts that
show something, sections that carry their numbers, and run.json equal to the files it sums up."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from olistseg.i18n import TEXT

ID_COLUMNS = (
    "order_id",
    "customer_id",
    "customer_unique_id",
    "seller_id",
    "product_id",
    "review_id",
)
HEX_ID = re.compile(rb"[0-9a-f]{32}")


def _input_ids(data: Path) -> set[bytes]:
    ids: set[bytes] = set()
    for csv in data.glob("*.csv"):
        header = pd.read_csv(csv, nrows=0).columns
        wanted = [c for c in header if c in ID_COLUMNS]
        if wanted:
            frame = pd.read_csv(csv, usecols=wanted, dtype=str)
            for column in wanted:
                ids.update(v.encode() for v in frame[column].dropna())
    return ids


def _payloads(path: Path) -> list[bytes]:
    """The bytes a reader can reach: a zip's (pptx, xlsx) members, recursively."""
    data = path.read_bytes()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return [data]
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            member = archive.read(name)
            if zipfile.is_zipfile(io.BytesIO(member)):
                with zipfile.ZipFile(io.BytesIO(member)) as inner:
                    out.extend(inner.read(n) for n in inner.namelist())
            else:
                out.append(member)
    return out


@pytest.mark.parametrize("name", ["report.html", "deck.pptx", "notebook.ipynb", "run.json"])
def test_deliverables_hold_no_id_of_the_input(run_out, name):
    ids = _input_ids(run_out / "data")
    assert len(ids) > 3_000  # the scan has something to find
    found = {m for payload in _payloads(run_out / name) for m in HEX_ID.findall(payload)}
    leaked = found & ids
    assert not leaked, f"{name} shows {len(leaked)} ids of the input, e.g. {sorted(leaked)[:3]}"


def _charts(run_out: Path) -> list[Path]:
    return sorted((run_out / "segments" / "charts").glob("*.png")) + sorted(
        (run_out / "stability" / "charts").glob("*.png")
    )


def test_chart_pngs_have_a_size_and_are_not_blank(run_out):
    charts = _charts(run_out)
    names = {p.stem for p in charts}
    assert {
        "metrics_vs_k",
        "segment_sizes",
        "profile_heatmap",
        "projection",
        "ari_curve",
        "psi_heatmap",
        "migration",
    } <= names
    for path in charts:
        image = np.asarray(Image.open(path).convert("RGB"))
        height, width, _ = image.shape
        assert width >= 300 and height >= 150, (path.name, width, height)
        packed = image.reshape(-1, 3).astype(np.int32) @ np.array([1 << 16, 1 << 8, 1])
        colours = np.unique(packed)  # one int per RGB colour: unique(axis=0) is 50x slower
        assert len(colours) > 20, path.name  # text, axes and marks, not an empty canvas
        inked = (image.astype(int).sum(axis=2) < 600).mean()
        assert 0.01 < inked < 0.9, (path.name, inked)


def test_report_sections_carry_their_numbers(run_out):
    page = html.unescape((run_out / "report.html").read_text())
    run = json.loads((run_out / "run.json").read_text())
    stability = json.loads((run_out / "stability" / "stability.json").read_text())
    en = TEXT["en"]

    def section(key: str) -> str:
        start = page.index(f"<h2>{en[key]}</h2>")
        end = page.find("<h2>", start + 5)
        return page[start : end if end > 0 else None]

    quality = section("data_quality")
    for rows in run["load"]["rows_loaded"].values():
        assert f"{rows:,}" in quality
    assert str(run["load"]["orders_first_purchase"]) in quality
    overview = section("segments_overview")
    for s in run["segmentation"]["segments"]:
        assert s["name"] in overview and f"{s['share_customers']:.1%}" in page
    cadence = section("stability_cadence")
    weeks = stability["cadence"]["weeks"]
    assert f"{weeks:g}" in cadence and str(stability["baseline_noise"]["median"]) in cadence
    choice = section("appendix_method")
    assert len(re.findall(r"<tr>", choice)) >= len(
        json.loads((run_out / "segments" / "selection.json").read_text())["candidates"]
    )


def test_run_json_equals_the_files_it_sums_up(run_out):
    run = json.loads((run_out / "run.json").read_text())
    selection = json.loads((run_out / "segments" / "selection.json").read_text())
    profiles = json.loads((run_out / "segments" / "profiles.json").read_text())
    stability = json.loads((run_out / "stability" / "stability.json").read_text())
    kpis = json.loads((run_out / "kpi" / "kpis.json").read_text())
    report = json.loads((run_out / "warehouse" / "olist.duckdb.load_report.json").read_text())
    seg = run["segmentation"]
    assert (seg["algorithm"], seg["k"]) == (
        selection["chosen"]["algorithm"],
        selection["chosen"]["n_clusters"],
    )
    assert seg["silhouette"] == selection["chosen"]["silhouette"]
    assert seg["selection_reason"] == selection["selection_reason"]
    assert [s["name"] for s in seg["segments"]] == [s["name"] for s in profiles["segments"]]
    assert [s["share_customers"] for s in seg["segments"]] == [
        s["share_customers"] for s in profiles["segments"]
    ]
    segments = pd.read_csv(run_out / "segments" / "segments.csv")
    assert seg["customers"] == len(segments) == selection["customers"]
    shares = segments["segment_name"].value_counts(normalize=True)
    for s in seg["segments"]:
        assert s["share_customers"] == pytest.approx(shares[s["name"]], abs=1e-6)
    st = run["stability"]
    assert st["cadence_weeks"] == stability["cadence"]["weeks"]
    assert st["baseline_noise_median"] == stability["baseline_noise"]["median"]
    assert st["origins"] == len(stability["origins"])
    for name, rows in run["kpi"]["question_rows"].items():
        assert rows == kpis["kpis"][name]["row_count"] == len(kpis["kpis"][name]["rows"])
    assert run["kpi"]["as_of"] == kpis["as_of"]
    assert run["load"]["rows_loaded"] == {t["table"]: t["rows_loaded"] for t in report["tables"]}
    assert run["load"]["rows_quarantined"] == sum(t["rows_quarantined"] for t in report["tables"])
