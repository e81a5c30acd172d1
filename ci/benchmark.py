#!/usr/bin/env python3
"""Benchmark: cpi against DuckDB on the same generated inputs, and the cross-check of values.

For each scale F it generates an input folder (`cpi generate`, cached) and measures, each under
/usr/bin/time -v for wall time and peak resident memory:
  * `cpi run` on the published files, end to end (reading and checking every row, hashing
    every input, writing the outputs);
  * ci/duckdb_plain.py: the plain DuckDB script a statistician would write for CPI 6, 7 and 8
    from the same files (the peer a user would pick instead of cpi; other rules, so only its
    time is compared);
  * `cpi ingest` (stage the inputs once), then `cpi run` on the staged copy (a re-run);
  * ci/duckdb_method.py: cpi's own sql/ steps on DuckDB over the same staged copy, and checks
    that every value of every output table of the catalogue (schemas/) equals cpi's (1e-9).
This is a benchmark, not a test: CI runs only the cross-check at a small scale (--check-only).

Every scale is run twice, with the same accounts (same seed) as long-form CSV and as CBSO
JSON-XBRL extract zips, the format the National Bank delivers (--accounts-format csv or cbso for
one of them only; the plain DuckDB peer reads only the long-form CSV, so it is left out of the
JSON rows). The accounts reader's throughput is the account files' bytes over the `accounts`
timing of the run's manifest (reading, checking and spilling every row, on both cores). With --profile
each scale is also run with --confidential and ci/member_profile.py checks the synthetic members
against the published STORE profile (exit 1 when a figure is outside its tolerance).

usage: benchmark.py [--scales 0.01,0.1,0.25,1.0] [--work DIR] [--cpi PATH] [--check-only]
                    [--accounts-format both|csv|cbso] [--profile] [--config FILE]
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
# Bump when `cpi generate` writes different inputs (2: value-added rubrics, 3: official value-added
# totals, 4: members with the STORE profile, NBB model codes fixed, 5: the seat on the CBSO
# reference record, the NBB's corrections as an improved product, corrected figures in the long form).
GENERATOR_VERSION = 5
# The published outputs of the catalogue (a table with "public": false goes only to --confidential).
CATALOGUE = [t for t in (json.loads(p.read_text()) for p in sorted((ROOT / "schemas").glob("*.json"))) if t["kind"] == "output" and t.get("public", True)]


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


def rows_read(out: pathlib.Path) -> int:
    """Input rows the run read (every file of every format), from its manifest."""
    return sum(f["rows_read"] for f in json.loads((out / "manifest.json").read_text())["input_rows"])


def accounts_read(out: pathlib.Path) -> tuple[float, float]:
    """The account files' size (MB) and the time the run took to read them (the manifest's
    `stage` timing `accounts`)."""
    manifest = json.loads((out / "manifest.json").read_text())
    mb = sum(f["bytes"] for f in manifest["inputs"] if f["file"].startswith("accounts/")) / 1e6
    # (NaN for a binary older than the stage timings)
    seconds = next((t["seconds"] for t in manifest["timings"] if t["step"] == "stage" and t["creates"] == "accounts"), math.nan)
    return mb, seconds


def same(x, y) -> bool:
    if isinstance(x, float) or isinstance(y, float):
        if x is None or y is None:
            return x is None and y is None
        return math.isclose(x, float(y), rel_tol=1e-9, abs_tol=1e-6)
    return str(x) == str(y)


def compare(cpi_out: pathlib.Path, duck_json: pathlib.Path) -> int:
    """Compares every value of every output table; returns the number compared."""
    duck = json.loads(duck_json.read_text())["results"]
    compared = 0
    for table in CATALOGUE:
        rel = duckdb.sql(f"SELECT * FROM '{cpi_out / table['file']}'")
        columns = [d[0] for d in rel.description]
        ours = [dict(zip(columns, r)) for r in rel.fetchall()]
        theirs = duck[table["table"]]
        # Rows in the order of their non-float values (the keys of every table).
        key = lambda r: tuple(str(r[c]) for c in columns if not isinstance(r[c], float))
        ours, theirs = sorted(ours, key=key), sorted(theirs, key=key)
        if len(ours) != len(theirs):
            sys.exit(f"{table['table']}: cpi has {len(ours)} rows, DuckDB {len(theirs)}")
        for a, b in zip(ours, theirs):
            for c in columns:
                if not same(a[c], b[c]):
                    sys.exit(f"{table['table']} {key(a)} {c}: cpi {a[c]!r}, DuckDB {b[c]!r}")
                compared += 1
    return compared


def row(r: dict) -> str:
    """One scale's line of the timing table."""
    plain = (f"{r['duck_plain_s']:.1f} | {r['duck_plain_mib']:.0f} | {r['cpi_s'] / r['duck_plain_s']:.2f}" if "duck_plain_s" in r else "- | - | -")
    return (f"| {r['scale']} | {r['accounts']} | {r['rows_in']:,} | {r['accounts_mb']:,.0f} | {r['accounts_read_s']:.1f} | {r['accounts_mb'] / r['accounts_read_s']:.0f} | {r['cpi_s']:.1f} | {r['cpi_mib']:.0f} | {plain} "
            f"| {r['ingest_s']:.1f} | {r['ingest_mib']:.0f} | {r['rerun_s']:.1f} | {r['rerun_mib']:.0f} | {r['duck_method_s']:.1f} | {r['rerun_s'] / r['duck_method_s']:.2f} |")


def print_table(results: list[dict]) -> None:
    print(f"\nmachine: {platform.machine()}, {os.cpu_count()} cores, {round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB")
    print("| scale | accounts | rows in | account files MB | read s | MB/s | cpi run s | peak MiB | DuckDB plain script s | peak MiB | ratio cpi / plain | cpi ingest s | peak MiB | re-run on staged copy s | peak MiB | sql/ on DuckDB over the copy s | ratio re-run / DuckDB |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(row(r))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", default="0.01,0.1,0.25,1.0")
    ap.add_argument("--work", default=os.path.expanduser("~/.cache/cpi-bench"))
    ap.add_argument("--cpi", default=str(pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release/cpi"))
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--check-only", action="store_true", help="only the cross-check of values, no timing table")
    ap.add_argument("--accounts-format", choices=["both", "csv", "cbso"], default="both")
    ap.add_argument("--profile", action="store_true", help="also check the members against the STORE profile")
    ap.add_argument("--config", help="method settings (TOML) for every cpi run and ingest; the shipped defaults when absent")
    args = ap.parse_args()
    settings = ["--config", str(pathlib.Path(args.config).resolve())] if args.config else []
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    year = str(args.year)
    results = []
    formats = ["csv", "cbso"] if args.accounts_format == "both" else [args.accounts_format]
    for scale, accounts_format in [(float(s), f) for s in args.scales.split(",") for f in formats]:
        # The generator's version is in the folder name: a cached input of an older generator
        # (without the rubrics a newer method reads) is not reused.
        data = work / f"scale-{scale}-g{GENERATOR_VERSION}-{accounts_format}"
        if not (data / "clusters/members.csv").exists():
            subprocess.run([args.cpi, "-q", "generate", "--scale", str(scale), "--seed", "42", "--output", str(data),
                            "--accounts-format", accounts_format], check=True)
        tag = f"{scale}-{accounts_format}"
        out, copy, out_copy = work / f"out-{tag}", work / f"staged-{tag}", work / f"out-staged-{tag}"
        r = {"scale": scale, "accounts": accounts_format}
        r["cpi_s"], r["cpi_mib"] = timed([args.cpi, "-q", "run", *settings, "--input", str(data), "--output", str(out), "--year", year, "--overwrite"])
        r["ingest_s"], r["ingest_mib"] = timed([args.cpi, "-q", "ingest", *settings, "--input", str(data), "--output", str(copy), "--overwrite"])
        r["rerun_s"], r["rerun_mib"] = timed([args.cpi, "-q", "run", *settings, "--input", str(copy), "--output", str(out_copy), "--year", year, "--overwrite"])
        for f in out.glob("*.parquet"):
            if f.read_bytes() != (out_copy / f.name).read_bytes():
                sys.exit(f"scale {scale}: {f.name} differs between the run on the inputs and on the staged copy")
        duck_json = work / f"duckdb-method-{tag}.json"
        method_sql = work / "method.sql"
        method_sql.write_text(subprocess.run([args.cpi, "explain", "--sql-only"], check=True, capture_output=True, text=True).stdout)
        r["duck_method_s"], r["duck_method_mib"] = timed([sys.executable, str(ROOT / "ci/duckdb_method.py"), str(copy), year, str(duck_json), str(method_sql)])
        r["values_compared"] = compare(out, duck_json)
        print(f"scale {scale} ({accounts_format}): {r['values_compared']} output values equal in cpi and DuckDB (1e-9)", flush=True)
        r["rows_in"] = rows_read(out)
        r["accounts_mb"], r["accounts_read_s"] = accounts_read(out)
        if not args.check_only and accounts_format == "csv":
            plain_json = work / f"duckdb-plain-{tag}.json"
            r["duck_plain_s"], r["duck_plain_mib"] = timed([sys.executable, str(ROOT / "ci/duckdb_plain.py"), str(data), year, str(plain_json)])
        if args.profile:
            confidential = work / f"confidential-{tag}"
            subprocess.run([args.cpi, "-q", "run", "--input", str(copy), "--output", str(work / f"out-profile-{tag}"), "--year", year,
                            "--overwrite", "--confidential", str(confidential)], check=True)
            r["profile_ok"] = subprocess.run([sys.executable, str(ROOT / "ci/member_profile.py"), str(out), str(confidential), str(scale)]).returncode == 0
        results.append(r)
        # each scale's line as soon as it is measured: a later scale that fails (a full disk)
        # does not lose it; the whole table follows at the end
        if not args.check_only:
            print(f"measured: {row(r)}", flush=True)
    profile_failed = [r["scale"] for r in results if r.get("profile_ok") is False]
    if args.check_only:
        print(f"benchmark cross-check: {len(results)} passed, 0 failed")
        sys.exit(f"member profile outside its tolerances at F = {profile_failed}" if profile_failed else 0)
    print_table(results)
    (work / f"results-{args.accounts_format}.json").write_text(json.dumps(results, indent=2))
    if profile_failed:
        sys.exit(f"member profile outside its tolerances at F = {profile_failed}")


if __name__ == "__main__":
    main()
