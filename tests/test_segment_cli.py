"""`olistseg segment` and `olistseg score` from the command line, and a real-data run."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from olistseg.segments.pipeline import segment

from .conftest import CliResult, connect, olistseg


def cli(*args: str) -> CliResult:
    """The CLI through its real entry point, in-process (no interpreter start-up per call)."""
    return olistseg(*args)


def test_segment_then_score(synthetic_warehouse: Path, tmp_path: Path):
    out = tmp_path / "seg"
    result = cli(
        "segment",
        "--warehouse",
        str(synthetic_warehouse),
        "--out",
        str(out),
        "--algorithms",
        "kmeans,bisecting_kmeans",
        "--k-range",
        "3-5",
        "--features",
        "rfm",
        "--no-charts",
    )
    assert result.returncode == 0, result.stderr
    assert "segments" in result.stdout and (out / "segments.csv").is_file()
    assert not (out / "charts").exists() and "charts/" not in result.stdout
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        last = con.execute("SELECT max(order_purchase_timestamp) FROM orders").fetchone()[0]
    scored = tmp_path / "scored.csv"
    later = cli(
        "score",
        "--model",
        str(out / "model"),
        "--warehouse",
        str(synthetic_warehouse),
        "--as-of",
        str(last),
        "--out",
        str(scored),
    )
    assert later.returncode == 0, later.stderr
    earlier = cli(
        "-q",
        "score",
        "--model",
        str(out / "model"),
        "--warehouse",
        str(synthetic_warehouse),
        "--as-of",
        "2017-06-01",
        "--out",
        str(tmp_path / "early.csv"),
    )
    assert earlier.returncode == 0, earlier.stderr
    assert len(pd.read_csv(tmp_path / "early.csv")) < len(pd.read_csv(scored))


def test_segment_bad_options(synthetic_warehouse: Path, tmp_path: Path):
    for args, message in [
        (("--features", "nope"), "rfm, rfm_satisfaction, full"),
        (("--algorithms", "kmeans,nope"), "unknown nope"),
        (("--k-range", "1-3"), "2 <= LOW <= HIGH"),
    ]:
        result = cli(
            "segment", "--warehouse", str(synthetic_warehouse), "--out", str(tmp_path / "x"), *args
        )
        assert result.returncode == 2 and message in result.stderr, result.stderr
    missing = cli(
        "score",
        "--model",
        str(tmp_path / "none"),
        "--warehouse",
        str(synthetic_warehouse),
        "--out",
        str(tmp_path / "s.csv"),
    )
    assert missing.returncode == 2 and "olistseg segment" in missing.stderr
    early = cli(
        "segment",
        "--warehouse",
        str(synthetic_warehouse),
        "--out",
        str(tmp_path / "x"),
        "--as-of",
        "2016-09-05",
    )
    assert early.returncode == 2 and "empty" in early.stderr


@pytest.mark.realdata
def test_real_tables_segment(real_warehouse: Path, tmp_path: Path):
    """k-means over 4-8 segments on the real tables as of the analysis date (2018-08-31): every
    condition of the rule met, non-inferiority against RFM included."""
    from olistseg.validation.replay import history

    with connect(real_warehouse) as con:
        summary = segment(
            con,
            tmp_path,
            algorithms=["kmeans"],
            k_range=range(4, 9),
            with_stability=False,
            with_charts=False,
            out_of_time=history,
        )
    selection = json.loads((tmp_path / "selection.json").read_text())
    chosen = selection["chosen"]
    assert selection["as_of"] == "2018-08-31 23:59:59"
    assert (chosen["algorithm"], chosen["n_clusters"]) == ("kmeans", 7)
    assert chosen["relaxed"] == []
    # the business rule in force: no segment above 40%, every segment its own action
    assert chosen["largest_share"] == pytest.approx(0.368023, abs=1e-6)
    assert chosen["distinct_actions"]
    # its value: the median AUC over the 4 validation origins; below RFM's 0.5798 on the point
    # estimate but not beyond the sampling noise (the paired interval's upper bound, median
    # over the origins, is at least 0): non-inferior
    assert chosen["oot_auc"] == pytest.approx(0.5723, abs=1e-4)
    assert chosen["oot_auc_upper"] >= 0 and chosen["criteria"]["value"] is True
    windows = selection["out_of_time"]["windows"]
    assert [w["origin"][:10] for w in windows] == [
        "2018-03-02",
        "2017-12-02",
        "2017-09-02",
        "2017-06-02",
    ]
    assert selection["out_of_time"]["rfm_median_auc"] == pytest.approx(0.5798, abs=1e-4)
    assert "not eligible" in selection["why_not_highest_silhouette"]
    table = pd.read_csv(tmp_path / "segments.csv")
    assert len(table) == summary["customers"] == 93_293
    profiles = json.loads((tmp_path / "profiles.json").read_text())["segments"]
    assert sum(s["share_customers"] for s in profiles) == pytest.approx(
        1.0, abs=1e-5
    )  # rounded to 6 places
    assert sum(s["share_revenue"] for s in profiles) == pytest.approx(1.0, abs=1e-5)
    assert len({s["name"] for s in profiles}) == len(profiles) == chosen["n_clusters"]
    # a welcome series only for a segment whose median customer bought within 60 days
    for profile in profiles:
        if profile["action"].lower().startswith("welcome"):
            assert profile["features"]["recency_days"]["median"] <= 60, profile["name"]
    assert "cooling" in {s["key"] for s in profiles}


@pytest.mark.realdata
def test_real_suppression_window_at_the_analysis_date(real_warehouse: Path):
    # dated where the data ends, the 30-day window holds the recent bad reviews and failed
    # orders; dated at the last purchase, 47 days after the data ends, it was nearly empty
    from olistseg.value.audiences import recent_issues
    from olistseg.warehouse.now import analysis_date

    with connect(real_warehouse) as con:
        now = analysis_date(con)
        at_now = recent_issues(con, now.as_of)
        at_last_purchase = recent_issues(con, now.last_purchase)
    assert len(at_now) == 1_119 and len(at_last_purchase) == 26


def test_segment_table_csv_is_what_pandas_writes(tmp_path):
    """DuckDB writes segments.csv (fast at 10M rows); the bytes are pandas' to_csv's."""
    import numpy as np
    import pandas as pd

    from olistseg.segments.pipeline import write_segment_table

    table = pd.DataFrame(
        {
            "customer_unique_id": ["a1", "b,2", "c3"],
            "segment_id": [0, 1, 1],
            "segment_name": ['Core "x"', "Let down, late", "Loyal"],
            "recency_days": [1.5, np.nan, -0.25],
            "monetary": [123.456789012, 1e-7, 0.0],
        }
    )
    write_segment_table(table, tmp_path / "segments.csv")
    expected = table.to_csv(index=False, float_format="%.6f", lineterminator="\n")
    assert (tmp_path / "segments.csv").read_text() == expected
    write_segment_table(table, tmp_path / "segments.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "segments.parquet"), table)
