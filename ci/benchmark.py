#!/usr/bin/env python3
"""Benchmark: cpi against DuckDB running the same sql/ files on the same generated inputs.

For each scale F it generates an input folder (`cpi generate`, cached), then runs
  * `cpi run` end to end, and
  * ci/duckdb_method.py (DuckDB, the same SQL steps, inputs registered as views),
each under /usr/bin/time -v for wall time and peak memory, checks that both give the same
indicator values (to 1e-9), and prints a table. This is a benchmark, not a test: CI runs only
the cross-check at a small scale (`--check-only`).

usage: benchmark.py [--scales 0.01,0.1,0.25,1.0] [--work DIR] [--cpi PATH] [--check-only]
"""
import argparse
import json
import math
import os
import pathlib
import platform
import re
import subprocess
import sys

import duckdb

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Bump when `cpi generate` writes different inputs (2: value-added rubrics, 3: official value-added totals).
GENERATOR_VERSION = 3
# view of sql/90_outputs.sql -> (output file, key columns)
TABLES = {
    "output_cpi6_investment": ("cpi6_investment", ["cluster_id"]),
    "output_cpi7_turnover": ("cpi7_turnover", ["cluster_id"]),
    "output_cpi8_employment": ("cpi8_employment", ["cluster_id"]),
    "output_productivity": ("productivity", ["cluster_id"]),
    "output_cpi_breakdowns": ("cpi_breakdowns", ["cluster_id", "indicator", "dimension", "category"]),
}


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of a command, from /usr/bin/time -v."""
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", proc.stderr).group(1)
    parts = [float(p) for p in wall.split(":")]
    seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    return seconds, rss_kib / 1024


def count_rows(folder: pathlib.Path) -> int:
    """Data rows of every CSV input (lines minus headers)."""
    total = 0
    for p in folder.rglob("*.csv"):
        with open(p, "rb") as f:
            total += sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b"")) - 1
    return total


def compare(cpi_out: pathlib.Path, duck_json: pathlib.Path) -> int:
    """Compares every value of the indicator tables; returns the number compared."""
    duck = json.loads(duck_json.read_text())["results"]
    compared = 0
    for view, (file, key) in TABLES.items():
        ours = duckdb.sql(f"SELECT * FROM '{cpi_out / file}.parquet' ORDER BY {', '.join(key)}")
        columns = [d[0] for d in ours.description]
        rows = [dict(zip(columns, r)) for r in ours.fetchall()]
        theirs = sorted(duck[view], key=lambda r: tuple(r[k] for k in key))
        if len(rows) != len(theirs):
            sys.exit(f"{file}: cpi has {len(rows)} rows, DuckDB {len(theirs)}")
        for a, b in zip(rows, theirs):
            for c in columns:
                x, y = a[c], b[c]
                if isinstance(x, float) or isinstance(y, float):
                    if x is None or y is None:
                        ok = x is None and y is None
                    else:
                        y = float(y)
                        ok = math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-6)
                else:
                    ok = str(x) == str(y)
                if not ok:
                    sys.exit(f"{file} {[a[k] for k in key]} {c}: cpi {x!r}, DuckDB {y!r}")
                compared += 1
    return compared


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", default="0.01,0.1,0.25,1.0")
    ap.add_argument("--work", default=os.path.expanduser("~/.cache/cpi-bench"))
    ap.add_argument("--cpi", default=str(pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release/cpi"))
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--check-only", action="store_true", help="only the cross-check of values, no timing table")
    args = ap.parse_args()
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    results = []
    for scale in [float(s) for s in args.scales.split(",")]:
        # The generator's version is in the folder name: a cached input of an older generator
        # (without the rubrics a newer method reads) is not reused.
        data = work / f"scale-{scale}-g{GENERATOR_VERSION}"
        if not (data / "clusters/members.csv").exists():
            subprocess.run([args.cpi, "-q", "generate", "--scale", str(scale), "--seed", "42", "--output", str(data)], check=True)
        out = work / f"out-{scale}"
        duck_json = work / f"duckdb-{scale}.json"
        cpi_s, cpi_mib = timed([args.cpi, "-q", "run", "--input", str(data), "--output", str(out), "--year", str(args.year), "--overwrite"])
        duck_s, duck_mib = timed([sys.executable, str(ROOT / "ci/duckdb_method.py"), str(data), str(args.year), str(duck_json)])
        compared = compare(out, duck_json)
        rows = count_rows(data)
        result = {"scale": scale, "rows_in": rows, "cpi_s": cpi_s, "duckdb_s": duck_s, "ratio": cpi_s / duck_s, "cpi_mib": cpi_mib, "duckdb_mib": duck_mib, "values_compared": compared}
        if not args.check_only:
            # A repeated run on a converted copy (`cpi ingest`): the conversion once, then runs
            # that skip the KBO CSV parse; their outputs must be the same bytes.
            copy, out_copy = work / f"ingest-{scale}", work / f"out-ingest-{scale}"
            result["ingest_s"], _ = timed([args.cpi, "-q", "ingest", "--input", str(data), "--output", str(copy), "--overwrite"])
            result["cpi_copy_s"], result["cpi_copy_mib"] = timed([args.cpi, "-q", "run", "--input", str(copy), "--output", str(out_copy), "--year", str(args.year), "--overwrite"])
            for f in out.glob("*.parquet"):
                if f.read_bytes() != (out_copy / f.name).read_bytes():
                    sys.exit(f"scale {scale}: {f.name} differs between the run on the inputs and on the ingested copy")
        results.append(result)
        print(f"scale {scale}: {compared} indicator values equal in cpi and DuckDB (1e-9)", flush=True)
    if args.check_only:
        print(f"benchmark cross-check: {len(results)} passed, 0 failed")
        return
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB")
    print("| scale | rows in | cpi s | DuckDB s | ratio cpi/DuckDB | cpi peak MiB | DuckDB peak MiB | s per M rows (cpi) | cpi ingest s | cpi on ingested copy s | its peak MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['scale']} | {r['rows_in']:,} | {r['cpi_s']:.1f} | {r['duckdb_s']:.1f} | {r['ratio']:.2f} | {r['cpi_mib']:.0f} | {r['duckdb_mib']:.0f} | {r['cpi_s'] / r['rows_in'] * 1e6:.2f} | {r['ingest_s']:.1f} | {r['cpi_copy_s']:.1f} | {r['cpi_copy_mib']:.0f} |")
    (work / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
