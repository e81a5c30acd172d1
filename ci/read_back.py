#!/usr/bin/env python3
"""Reads cpi's Parquet outputs back with three real clients (pyarrow, DuckDB, Polars) and checks
them against the data dictionary in schemas/ and, for the hand-worked fixture, against values
worked out by hand (see tests/e2e/handworked.rs).

usage: read_back.py OUTPUT_DIR [--handworked]
"""
import json
import math
import pathlib
import sys

import duckdb
import polars as pl
import pyarrow.parquet as pq

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The catalogue of outputs: every schemas/*.json of kind output.
# (A table with "public": false is written only to --confidential: not in a published folder.)
CATALOGUE = [t for t in (json.loads(p.read_text()) for p in sorted((ROOT / "schemas").glob("*.json"))) if t["kind"] == "output" and t.get("public", True)]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def main(out: pathlib.Path, handworked: bool) -> None:
    manifest = json.loads((out / "manifest.json").read_text())
    for schema in CATALOGUE:
        name = schema["table"]
        path = out / schema["file"]
        expected = [(c["name"], c["type"]) for c in schema["columns"]]
        table = pq.read_table(path)
        actual = [(f.name, str(f.type)) for f in table.schema]
        check(actual == expected, f"{name}: pyarrow schema {actual} != schemas/{name}.json {expected}")
        meta = pq.read_metadata(path).metadata or {}
        check(meta.get(b"kbo.snapshot_date") is not None, f"{name}: no kbo.snapshot_date metadata")
        n_duck = duckdb.sql(f"SELECT count(*) FROM '{path}'").fetchall()[0][0]
        n_polars = pl.read_parquet(path).height
        rows = next(o["rows"] for o in manifest["outputs"] if o["file"] == schema["file"])
        check(table.num_rows == n_duck == n_polars == rows,
              f"{name}: rows pyarrow {table.num_rows}, duckdb {n_duck}, polars {n_polars}, manifest {rows}")
    for f in manifest["input_rows"]:
        check(f["rows_read"] == f["rows_used"] + f["rows_rejected"], f"row conservation fails for {f['file']}")

    if handworked:
        # C1 by hand: turnover 2 010 000 / 1 700 000 - 1; Flanders 4 499 999 / 4 100 000 - 1
        # (tests/e2e/handworked.rs: N1's two 6-month 2024 exercises added).
        g = duckdb.sql(f"SELECT cluster_growth, flanders_growth, growth_gap_pp FROM '{out}/cpi7_turnover.parquet' WHERE cluster_id = 'C1'").fetchall()[0]
        check(math.isclose(g[0], 2_010_000 / 1_700_000 - 1, abs_tol=1e-12), f"duckdb C1 growth {g[0]}")
        check(math.isclose(g[2], 100 * (2_010_000 / 1_700_000 - 4_499_999 / 4_100_000), abs_tol=1e-9), f"duckdb C1 gap {g[2]}")
        df = pl.read_parquet(out / "cpi6_investment.parquet").filter(pl.col("cluster_id") == "C2")
        # C2: A 600 000 + D 20 000 + E 90 000 (its 18-month exercise as filed) + J 40 000.
        check(df["investment_eur"][0] == 750_000.0, f"polars C2 investment {df['investment_eur'][0]}")
        fte = pq.read_table(out / "cpi8_employment.parquet").to_pylist()
        all_row = next(r for r in fte if r["cluster_id"] == "ALL")
        check(math.isclose(all_row["cluster_growth"], 35 / 29 - 1, abs_tol=1e-12), f"pyarrow ALL FTE growth {all_row['cluster_growth']}")

    checks = len(CATALOGUE) + (4 if handworked else 0)
    if failures:
        print("\n".join(failures))
        print(f"read_back: {checks - len(failures)} passed, {len(failures)} failed")
        sys.exit(1)
    print(f"read_back: {checks} passed, 0 failed")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]), "--handworked" in sys.argv[2:])
