"""Every hostile input of the security issue, tried through the real CLI: what each got.

    python benchmarks/hostile_inputs.py [--real ../shared/data/olist]

For each case: the command, its exit code, the first line of its message, what it wrote (files
created under the case's folder) and whether a planted payload ran. With ``--real``, the
impossible-date cases also run on a copy of the real tables, with "now" before and after.
Writes ``benchmarks/results/hostile_inputs.json``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import duckdb
import skops.io as sio

from olistseg.data.synthetic import SyntheticConfig, write
from olistseg.warehouse.now import analysis_date

HERE = Path(__file__).resolve().parent
OLISTSEG = [sys.executable, "-m", "olistseg"]


class Payload:
    """Writes a marker file if anything ever rebuilds or unpickles it."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "code ran"))


def _cli(*args: str, env: dict | None = None) -> tuple[int, str]:
    done = subprocess.run(
        [*OLISTSEG, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    said = " ".join((done.stderr + done.stdout).split())
    return done.returncode, said[:400]


def _written(folder: Path, before: set[Path]) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p not in before)


def _case(name: str, folder: Path, args: list[str], env: dict | None = None) -> dict:
    before = set(folder.rglob("*"))
    code, said = _cli(*args, env=env)
    return {"case": name, "exit_code": code, "message": said, "written": _written(folder, before)}


def _orders_with(data: Path, rows: list[dict]) -> None:
    path = next(data.glob("olist_orders_dataset.csv*"))
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, existing = reader.fieldnames, list(reader)
    template = next(r for r in existing if r["order_status"] == "delivered")
    with opener(path, "wt", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(existing)
        writer.writerows({**template, **row} for row in rows)


STRAY_DATES = [
    {"order_id": "a" * 32, "order_purchase_timestamp": "2029-06-17 14:02:00"},
    {"order_id": "b" * 32, "order_purchase_timestamp": "2033-01-08 09:15:00"},
    {
        "order_id": "c" * 32,
        "order_purchase_timestamp": "2036-12-24 20:00:00",
        "order_delivered_customer_date": "2036-12-30 10:00:00",
    },
    {"order_id": "d" * 32, "order_purchase_timestamp": "1999-12-31 23:00:00"},
    {
        "order_id": "e" * 32,
        "order_purchase_timestamp": "2018-05-20 10:00:00",
        "order_delivered_customer_date": "2018-05-11 10:00:00",
    },
]


def date_cases(source: Path, root: Path, label: str) -> dict:
    """Load ``source`` as is and with the stray dates; "now" and the quarantine of each."""
    clean = root / f"{label}_clean.duckdb"
    _cli("-q", "load", "--data", str(source), "--warehouse", str(clean))
    data = root / f"{label}_dirty"
    shutil.copytree(source, data, ignore=shutil.ignore_patterns("_truth", "MANIFEST.md"))
    _orders_with(data, STRAY_DATES)
    dirty = root / f"{label}_dirty.duckdb"
    code, said = _cli("-q", "load", "--data", str(data), "--warehouse", str(dirty))
    out = {"exit_code": code, "message": said}
    for name, path in (("clean", clean), ("dirty", dirty)):
        with duckdb.connect(str(path), read_only=True) as con:
            out[f"now_{name}"] = analysis_date(con).to_dict()
            if name == "dirty":
                out["quarantined"] = [
                    {"line": r[0], "reason": r[1]}
                    for r in con.execute(
                        "SELECT source_row, reason FROM quarantine WHERE table_name = 'orders'"
                    ).fetchall()
                ]
    report = json.loads(Path(f"{dirty}.load_report.json").read_text())
    out["load_warnings"] = [w for w in report["warnings"] if "purchased after" in w]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="olistseg-hostile-"))
    shop = root / "shop"
    write(SyntheticConfig(customers=3_000, seed=29), shop)
    warehouse = root / "shop.duckdb"
    _cli("-q", "load", "--data", str(shop), "--warehouse", str(warehouse))
    _cli(
        "-q",
        "segment",
        "--warehouse",
        str(warehouse),
        "--out",
        str(root / "seg"),
        "--k-range",
        "2-5",
    )
    model = root / "seg" / "model"
    results: list[dict] = []

    # 1. model folders that would run code
    for command in ("score", "monitor", "stability", "audiences"):
        marker = root / f"pwned_{command}.txt"
        folder = root / f"crafted_{command}"
        shutil.copytree(model, folder)
        sio.dump({"payload": Payload(str(marker))}, folder / "model.skops")
        extra = {"score": ["--out", str(root / "s.csv")], "monitor": []}.get(
            command, ["--out", str(root / f"{command}_out")]
        )
        case = _case(
            f"{command} --model with a crafted model.skops",
            root,
            [command, "--model", str(folder), "--warehouse", str(warehouse), *extra],
        )
        results.append({**case, "payload_ran": marker.exists()})
    marker = root / "pwned_pickle.txt"
    old = root / "old_model"
    old.mkdir()
    shutil.copy(model / "metadata.json", old)
    (old / "model.joblib").write_bytes(pickle.dumps(Payload(str(marker))))
    case = _case(
        "score --model with an earlier version's pickle (model.joblib)",
        root,
        ["score", "--model", str(old), "--warehouse", str(warehouse), "--out", str(root / "p.csv")],
    )
    results.append({**case, "payload_ran": marker.exists()})

    # 2. archives
    for member in ("../../olist_orders_dataset.csv", "/tmp/olist_orders_dataset.csv"):
        archive = root / "climb.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            for path in shop.glob("*.csv"):
                zf.write(path, f"olist/{path.name}")
            zf.writestr(zipfile.ZipInfo(member), "x")
        results.append(
            _case(
                f"load a .zip with the member {member!r}",
                root,
                ["load", "--data", str(archive), "--warehouse", str(root / "z.duckdb")],
            )
        )
    bomb = root / "bomb.zip"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open("olist_orders_dataset.csv", "w", force_zip64=True) as member,
    ):
        for _ in range(256):
            member.write(b"\0" * (1 << 20))
    results.append(
        {
            **_case(
                f"load a {bomb.stat().st_size:,}-byte .zip that unpacks to 256 MiB (limit 64 MiB)",
                root,
                ["load", "--data", str(bomb), "--warehouse", str(root / "b.duckdb")],
                env={"OLISTSEG_MAX_UNPACKED_BYTES": str(64 << 20)},
            ),
            "unpacked_left": [str(p) for p in Path(tempfile.gettempdir()).glob("olistseg-zip-*")],
        }
    )

    # 3. broken CSV bytes
    def broken(name: str, edit) -> None:
        data = root / name
        shutil.copytree(shop, data, ignore=shutil.ignore_patterns("_truth"))
        path = data / "olist_orders_dataset.csv"
        lines = path.read_bytes().split(b"\n")
        edit(lines)
        path.write_bytes(b"\n".join(lines))
        case = _case(
            f"load orders with {name.replace('_', ' ')}",
            root,
            ["-q", "load", "--data", str(data), "--warehouse", str(root / f"{name}.duckdb")],
        )
        report = Path(f"{root / name}.duckdb.load_report.json")
        if report.is_file():
            orders = next(
                t for t in json.loads(report.read_text())["tables"] if t["table"] == "orders"
            )
            case["orders"] = {
                k: orders[k] for k in ("rows_read", "rows_loaded", "rows_quarantined")
            }
            with duckdb.connect(str(root / f"{name}.duckdb"), read_only=True) as con:
                case["quarantine"] = con.execute(
                    "SELECT source_row, reason FROM quarantine WHERE table_name = 'orders'"
                ).fetchall()
        results.append(case)

    broken("a_NUL_byte", lambda ls: ls.__setitem__(6, ls[6][:5] + b"\x00" + ls[6][5:]))
    broken(
        "a_10_MB_field",
        lambda ls: ls.__setitem__(
            7, ls[7].replace(b",delivered,", b"," + b"q" * (10 << 20) + b",", 1)
        ),
    )
    broken(
        "a_1_MB_field",
        lambda ls: ls.__setitem__(
            7, ls[7].replace(b",delivered,", b"," + b"q" * (1 << 20) + b",", 1)
        ),
    )
    broken(
        "a_latin-1_line",
        lambda ls: ls.__setitem__(
            11, ls[11].replace(b"delivered", "entregu\xe9".encode("latin-1"), 1)
        ),
    )

    # 4. two writers of one --out
    out = root / "contested"
    first = subprocess.Popen(
        [
            *OLISTSEG,
            "-q",
            "segment",
            "--warehouse",
            str(warehouse),
            "--out",
            str(out),
            "--k-range",
            "2-6",
        ]
    )
    time.sleep(3)
    second = _case(
        "a second segment --out into the folder the first is writing",
        root,
        ["segment", "--warehouse", str(warehouse), "--out", str(out), "--k-range", "2-3"],
    )
    waited = time.perf_counter()
    third = _case(
        "a third one with --wait",
        root,
        [
            "--wait",
            "-q",
            "segment",
            "--warehouse",
            str(warehouse),
            "--out",
            str(out),
            "--k-range",
            "2-3",
        ],
    )
    third["waited_seconds"] = round(time.perf_counter() - waited, 1)
    results += [{**second, "first_exit_code": first.wait()}, third]
    killed = subprocess.Popen(
        [
            *OLISTSEG,
            "-q",
            "segment",
            "--warehouse",
            str(warehouse),
            "--out",
            str(root / "k"),
            "--k-range",
            "2-6",
        ]
    )
    time.sleep(3)
    killed.kill()
    killed.wait()
    left = (root / "k.lock").exists()
    results.append(
        {
            **_case(
                "segment --out after a run into it was killed (lock file left behind)",
                root,
                [
                    "-q",
                    "segment",
                    "--warehouse",
                    str(warehouse),
                    "--out",
                    str(root / "k"),
                    "--k-range",
                    "2-3",
                ],
            ),
            "lock_file_was_left": left,
        }
    )

    # 5. impossible dates
    dates = {"synthetic": date_cases(shop, root, "synthetic")}
    if args.real is not None and args.real.is_dir():
        dates["real"] = date_cases(args.real, root, "real")
    payload = {
        "seconds": round(time.perf_counter() - started, 1),
        "cases": results,
        "impossible_dates": {"added_orders": STRAY_DATES, **dates},
    }
    target = HERE / "results" / "hostile_inputs.json"
    target.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    print(json.dumps(payload, indent=2, default=str)[:6000])
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
