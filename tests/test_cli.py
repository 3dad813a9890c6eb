"""The `run` pipeline on the embedded default and the CLI conventions."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import RUN_CUSTOMERS, olistseg


def run_module(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "olistseg", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


def test_run_passes_every_option_to_the_api(monkeypatch, tmp_path: Path, run_out: Path):
    """The CLI is a thin layer: each option reaches ``api.run`` unchanged, and the printed
    summary is the API's result. (The whole pipeline through the CLI runs in
    test_run_in_french_as_of_a_date; the API's own run is the session's ``run_out``.)"""
    import datetime as dt

    from olistseg import api
    from olistseg.pipeline import RunResult

    calls = []

    def recording_run(data, out, **options):
        calls.append((data, out, options))
        summary = json.loads((run_out / "run.json").read_text())
        return RunResult(out=run_out, summary=summary, step_seconds=summary["step_seconds"])

    monkeypatch.setattr(api, "run", recording_run)
    result = olistseg(
        "run",
        "--out",
        str(tmp_path / "o"),
        "--customers",
        "123",
        "--seed",
        "7",
        "--stability-seeds",
        "2",
        "--lang",
        "fr",
        "--as-of",
        "2018-06-01",
        "--keep-partial",
    )
    assert result.returncode == 0, result.said
    [(data, out, options)] = calls
    assert data is None and out == tmp_path / "o"
    progress = options.pop("progress")
    assert callable(progress)
    assert options == {
        "lang": "fr",
        "as_of": dt.datetime(2018, 6, 1),
        "customers": 123,
        "seed": 7,
        "keep_partial": True,
        "stability_seeds": 2,
    }
    assert f"{run_out / 'run.json'}" in result.said


def test_the_api_run_writes_every_step(run_out: Path):
    summary = json.loads((run_out / "run.json").read_text())
    assert summary["load"]["rows_quarantined"] == 0
    assert summary["load"]["rows_loaded"]["orders"] >= RUN_CUSTOMERS
    assert set(summary["step_seconds"]) == {
        "demo-data",
        "load",
        "kpi",
        "segment",
        "validate",
        "value",
        "audiences",
        "campaigns",
        "stability",
        "findings",
        "deliverables",
        "total",
    }
    assert summary["segmentation"]["k"] == len(summary["segmentation"]["segments"])
    assert (run_out / "segments" / "segments.csv").is_file()
    assert set(summary["kpi"]["question_rows"]) == {
        "late_recent_orders",
        "top_sellers",
        "new_engaged_sellers",
        "worst_zip_codes",
    }
    assert (run_out / "kpi" / "dashboard.html").is_file()
    kpis = json.loads((run_out / "kpi" / "kpis.json").read_text())
    assert kpis["as_of"] == summary["kpi"]["as_of"]
    assert (run_out / "warehouse" / "olist.duckdb").is_file()
    assert (run_out / "warehouse" / "olist.duckdb.load_report.json").is_file()


def test_quiet_prints_nothing(tmp_path: Path):
    result = olistseg("--quiet", "demo-data", "--out", str(tmp_path / "d"), "--customers", "100")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert (tmp_path / "d" / "olist_orders_dataset.csv").is_file()


def test_demo_data_formats(tmp_path: Path):
    result = olistseg(
        "-q", "demo-data", "--out", str(tmp_path / "g"), "--customers", "100", "--format", "csv.gz"
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "g" / "olist_orders_dataset.csv.gz").is_file()
    bad = olistseg("demo-data", "--out", str(tmp_path / "x"), "--format", "xlsx")
    assert bad.returncode == 2 and "csv, csv.gz or parquet" in bad.stderr


def test_parquet_input_loads_like_csv(tmp_path: Path):
    for fmt in ("csv", "parquet"):
        assert (
            olistseg(
                "-q",
                "demo-data",
                "--out",
                str(tmp_path / fmt),
                "--customers",
                "300",
                "--format",
                fmt,
            ).returncode
            == 0
        )
        result = olistseg(
            "-q",
            "load",
            "--data",
            str(tmp_path / fmt),
            "--warehouse",
            str(tmp_path / f"{fmt}.duckdb"),
        )
        assert result.returncode == 0, result.stderr
    import duckdb

    con = duckdb.connect()
    con.execute(
        f"ATTACH '{tmp_path / 'csv.duckdb'}' AS a (READ_ONLY); ATTACH '{tmp_path / 'parquet.duckdb'}' AS b (READ_ONLY)"
    )
    for table in ("orders", "order_items", "order_reviews", "customers"):
        diff = con.execute(
            f"SELECT count(*) FROM (SELECT * FROM a.{table} EXCEPT ALL SELECT * FROM b.{table})"
        ).fetchone()[0]
        assert diff == 0, table


def test_usage_errors_exit_2(tmp_path: Path):
    result = run_module("load")  # --data is required: `python -m olistseg` itself
    assert result.returncode == 2
    assert "--data" in result.stderr


def test_global_flags_work_after_the_command_name(tmp_path: Path):
    after = olistseg("demo-data", "--out", str(tmp_path / "d"), "--customers", "100", "--quiet")
    assert after.returncode == 0, after.stderr
    assert after.stdout == ""
    bad = olistseg("demo-data", "--out", str(tmp_path / "x"), "--format", "xlsx", "--debug")
    assert bad.returncode == 2  # --debug adds the traceback, keeps the exit code
    assert "csv, csv.gz or parquet" in bad.stderr and "Traceback" in bad.stderr


def test_internal_error_is_exit_1_with_a_hint(monkeypatch, tmp_path: Path):
    from olistseg import api

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(api, "info", broken)
    result = olistseg("info", "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.returncode == 1
    assert "internal error: RuntimeError: disk on fire" in result.said and "--debug" in result.said
    debug = olistseg("--debug", "info", "--warehouse", str(tmp_path / "w.duckdb"))
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_version():
    from olistseg import __version__

    result = olistseg("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"olistseg {__version__}"


def test_run_in_french_as_of_a_date(tmp_path: Path, run_out: Path):
    # The whole pipeline through the CLI, into a copy of an earlier run: the swap replaces it.
    out = tmp_path / "fr"
    shutil.copytree(run_out, out)
    (out / "report.html").write_text("stale")
    result = olistseg(
        "-q",
        "run",
        "--out",
        str(out),
        "--customers",
        "600",
        "--lang",
        "fr",
        "--stability-seeds",
        "1",
        "--as-of",
        "2018-06-01",
    )
    assert result.returncode == 0, result.said
    assert not (tmp_path / "fr.partial").exists() and not (tmp_path / "fr.previous").exists()
    assert (out / "report.html").read_text() != "stale"
    run = json.loads((out / "run.json").read_text())
    assert run["lang"] == "fr"
    assert run["kpi"]["as_of"] == run["segmentation"]["as_of"] == "2018-06-01 00:00:00"
    stability = json.loads((out / "stability" / "stability.json").read_text())
    assert stability["end"] == "2018-06-01 00:00:00"
    report = (out / "report.html").read_text()
    assert "<h2>Synthèse</h2>" in report and "<h2>Executive summary</h2>" not in report
    assert "Contrat de maintenance" in (out / "stability" / "maintenance.md").read_text()


def test_notebook_command_on_a_run(run_out: Path, tmp_path: Path):
    import nbformat

    result = olistseg("notebook", "--run", str(run_out), "--out", str(tmp_path / "nb.ipynb"))
    assert result.returncode == 0, result.said
    notebook = nbformat.read(str(tmp_path / "nb.ipynb"), as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(c.get("execution_count") for c in code)
    assert f"run folder: {run_out.name};" in str(code[0].outputs)
    missing = olistseg("notebook", "--run", str(tmp_path), "--out", str(tmp_path / "x.ipynb"))
    assert missing.returncode == 2 and "no run.json" in missing.said
