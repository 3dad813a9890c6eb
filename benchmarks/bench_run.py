"""`olistseg run --data` on the real tables, end to end with every deliverable.

Target (issue 6): under 8 minutes on 2 cores. Records the step timings from run.json, and
checks that the deliverables state each fact of the run alike (one number per fact).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REAL_DATA, save


def record(run_json: Path) -> None:
    """Record the run's step times, and check that its deliverables state each fact alike
    (tests/test_consistency.py's check, on this fresh run of the real tables)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from tests.test_consistency import check_run

    run = json.loads(run_json.read_text())
    statements = check_run(run_json.parent)  # raises AssertionError on a disagreement
    save(
        "run",
        {
            "data": "real Olist tables",
            "targets": {"total_s": 480},
            "step_seconds": run["step_seconds"],
            "total_s": run["step_seconds"]["total"],
            "analysis_date": run["analysis_date"],
            "segmentation": {
                k: run["segmentation"][k] for k in ("algorithm", "k", "silhouette", "customers")
            },
            "cadence_weeks": run["stability"]["cadence_weeks"],
            "consistency": {"statements_checked": statements, "all_agree": True},
        },
    )


def main() -> None:
    if not REAL_DATA.is_dir():
        save("run", {"skipped": f"{REAL_DATA} is absent"})
        return
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        subprocess.run(
            [sys.executable, "-m", "olistseg", "run", "--data", str(REAL_DATA), "--out", str(out)],
            check=True,
            capture_output=True,
        )
        record(out / "run.json")


if __name__ == "__main__":
    if len(sys.argv) > 1:  # record an existing run: bench_run.py OUT/run.json
        record(Path(sys.argv[1]))
    else:
        main()
