"""`make bench`: run every benchmark module; each writes benchmarks/results/<name>.json."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    wanted = sys.argv[1:]
    for module in sorted(HERE.glob("bench_*.py")):
        if wanted and module.stem.removeprefix("bench_") not in wanted:
            continue
        print(f"== {module.stem}", flush=True)
        runpy.run_path(str(module), run_name="__main__")
