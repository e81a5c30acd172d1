#!/usr/bin/env python3
"""The cpi method run by DuckDB: the sql/ steps unchanged, as `cpi explain --sql-only` prints them
(the sql/ files in name order, with the outputs' views the catalogue writes from schemas/), on a
staged copy made by `cpi ingest` (the checked input tables in tables/, the settings tables in
settings/), with the reference year as a one-row table, as cpi does. Used by ci/benchmark.py as
an independent cross-check of the indicator values (the same steps on another engine) and to
time stage 2 on both engines.

Everything it needs comes from the copy, the steps and the catalogue (the runner's per-year
tables are declared in schemas/staged/): no table or parameter is listed here.

usage: duckdb_method.py STAGED_COPY YEAR OUTPUT_JSON METHOD_SQL [--threads N]
"""
import json
import pathlib
import sys
import time

import duckdb

ROOT = pathlib.Path(__file__).resolve().parent.parent


def outputs() -> list[dict]:
    """The output tables of the catalogue (schemas/*.json of kind output)."""
    tables = [json.loads(p.read_text()) for p in sorted((ROOT / "schemas").glob("*.json"))]
    return [t for t in tables if t["kind"] == "output"]


def register(con: duckdb.DuckDBPyConnection, copy: pathlib.Path, year: int) -> None:
    record = json.loads((copy / "staged.json").read_text())
    for t in record["tables"] + record["settings"]:
        path = copy / t["path"]
        files = f"{path}/*.parquet" if path.is_dir() else str(path)
        con.execute(f"CREATE VIEW {t['table']} AS SELECT * FROM read_parquet('{files}')")
    # the runner's per-year tables as schemas/staged/ declares them: the reference year, and no
    # cells handed over by an earlier year to step 75's audit (one reference year here)
    sql_type = {"int32": "INT", "string": "VARCHAR", "double": "DOUBLE"}
    for name in ("reference_year", "disclosure_earlier_cells"):
        entry = json.loads((ROOT / "schemas/staged" / f"{name}.json").read_text())
        columns = ", ".join(f"{c['name']} {sql_type[c['type']]}" for c in entry["columns"])
        con.execute(f"CREATE TABLE {name} ({columns})")
    con.execute(f"INSERT INTO reference_year VALUES ({year})")


def main() -> None:
    copy, year, out, method = pathlib.Path(sys.argv[1]).resolve(), int(sys.argv[2]), pathlib.Path(sys.argv[3]), pathlib.Path(sys.argv[4])
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else None
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {threads}")
    started = time.monotonic()
    register(con, copy, year)
    # The steps in name order (common ones first, as their front matter says), as cpi runs them.
    con.execute(method.read_text())
    results = {}
    for table in outputs():
        rel = con.execute(f"SELECT * FROM {table['view']}")
        columns = [d[0] for d in rel.description]
        results[table["table"]] = [dict(zip(columns, row)) for row in rel.fetchall()]
    seconds = time.monotonic() - started
    out.write_text(json.dumps({"seconds": seconds, "results": results}, default=str))


if __name__ == "__main__":
    main()
