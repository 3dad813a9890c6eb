"""Shared fixtures: the real Olist tables (when present) and small synthetic datasets."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import re
import signal
import warnings
from pathlib import Path

import duckdb
import pytest

from olistseg.data.synthetic import SyntheticConfig, write
from olistseg.warehouse.load import load

REPO = Path(__file__).resolve().parents[1]
REAL_DATA = REPO.parent / "shared" / "data" / "olist"
SKIP_REASON = (
    f"the real Olist tables are not at {REAL_DATA} (a user's clone has no ../shared; CI has it)"
)


#: Under CI (``CI`` set, as CI runners do, or ``OLISTSEG_REQUIRE_ALL=1``, which ``.ci/run``
#: sets itself) a missing prerequisite fails the test: a green CI must have tested everything.
STRICT = bool(os.environ.get("CI")) or os.environ.get("OLISTSEG_REQUIRE_ALL") == "1"


def missing_prerequisite(reason: str, module_level: bool = False) -> None:
    """Skip with ``reason`` on a user's clone; fail with it under CI (:data:`STRICT`)."""
    if STRICT:
        pytest.fail(f"{reason}; CI must run this test, so .ci/run must provide it", pytrace=False)
    pytest.skip(reason, allow_module_level=module_level)


def real_data_path() -> Path:
    """The real tables' folder, or skip (fail under CI) with the reason."""
    if not (REAL_DATA / "olist_orders_dataset.csv.gz").is_file():
        missing_prerequisite(SKIP_REASON)
    return REAL_DATA


def manifest_row_counts() -> dict[str, int]:
    """Data-row counts per file, as listed in the real data's MANIFEST.md."""
    text = (real_data_path() / "MANIFEST.md").read_text(encoding="utf-8")
    return {
        m.group(1): int(m.group(2))
        for m in re.finditer(r"^\| (\S+\.csv\.gz) \| (\d+) \|", text, flags=re.MULTILINE)
    }


@pytest.fixture(scope="session")
def real_data() -> Path:
    return real_data_path()


@pytest.fixture(scope="session")
def real_warehouse(real_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real tables loaded once (geolocation included) for the whole session."""
    warehouse = tmp_path_factory.mktemp("real") / "olist.duckdb"
    load(real_data, warehouse)
    return warehouse


@pytest.fixture(scope="session")
def synthetic_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic dataset in the Kaggle layout (3,000 customers, seed 7)."""
    folder = tmp_path_factory.mktemp("synthetic")
    write(SyntheticConfig(customers=3_000, seed=7), folder)
    return folder


@pytest.fixture(scope="session")
def synthetic_warehouse(synthetic_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = tmp_path_factory.mktemp("synthetic_wh") / "olist.duckdb"
    load(synthetic_data, warehouse)
    return warehouse


#: The arguments of the one full pipeline run the suite shares (``run_out``).
RUN_CUSTOMERS, RUN_SEED = 1_500, 11
#: run.json keys that hold measured times, not results.
TIMING_KEYS = ("step_seconds", "simulation_seconds", "retrain_seconds", "fit_and_score_seconds")


def without_timings(payload: object) -> object:
    """``payload`` (run.json) with every timing key removed, at any depth."""
    if isinstance(payload, dict):
        return {k: without_timings(v) for k, v in payload.items() if k not in TIMING_KEYS}
    if isinstance(payload, list):
        return [without_timings(v) for v in payload]
    return payload


@pytest.fixture(scope="session")
def run_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One whole pipeline run (synthetic data) through the Python API, shared by every test
    that only reads a run's outputs."""
    from olistseg.pipeline import run

    out = tmp_path_factory.mktemp("run") / "out"
    result = run(out=out, customers=RUN_CUSTOMERS, seed=RUN_SEED, stability_seeds=1)
    assert result.out == out.resolve()
    return out


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(warehouse), read_only=True)


@dataclasses.dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def said(self) -> str:
        """stdout and stderr with Rich's line wrapping undone, for matching key words."""
        return " ".join((self.stdout + " " + self.stderr).split())


def olistseg(*args: str) -> CliResult:
    """``olistseg ARGS`` through the real entry point (exit codes, error mapping), in-process:
    no interpreter start-up per call. Signal and warning hooks are restored afterwards."""
    from olistseg.cli import entrypoint

    out, err = io.StringIO(), io.StringIO()
    sigterm, showwarning = signal.getsignal(signal.SIGTERM), warnings.showwarning
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                entrypoint(list(args))
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        signal.signal(signal.SIGTERM, sigterm)
        warnings.showwarning = showwarning
    return CliResult(code, out.getvalue(), err.getvalue())


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes), to prove nothing changed."""
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }
