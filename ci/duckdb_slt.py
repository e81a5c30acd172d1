#!/usr/bin/env python3
"""DuckDB behind the sqllogictest cases of tests/sql_steps.rs: one in-memory database per
process, one JSON request per line on stdin, one JSON answer per line on stdout.

requests:  {"sql": "...", "query": true|false}   one statement (a query returns its rows)
           {"script": "..."}                     a whole sql/ step file (many statements)
answers:   {"rows": [[...], ...]} | {"ok": true} | {"error": "..."}

Values are written as tests/sql_steps.rs writes DataFusion's, so that the same expected
results hold for both engines: NULL, true/false, integers as digits, other numbers rounded to
6 decimals without trailing zeros, dates as yyyy-mm-dd, an empty string as (empty).
"""
import datetime
import decimal
import json
import sys

import duckdb


def text(v) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, (float, decimal.Decimal)):
        s = f"{float(v):.6f}".rstrip("0").rstrip(".")
        return "0" if s in ("-0", "") else s
    if isinstance(v, datetime.date):
        return v.isoformat()
    s = str(v)
    return s if s else "(empty)"


def main() -> None:
    con = duckdb.connect()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if "script" in request:
                con.execute(request["script"])
                answer = {"ok": True}
            else:
                con.execute(request["sql"])
                if request.get("query"):
                    answer = {"rows": [[text(v) for v in row] for row in con.fetchall()]}
                else:
                    answer = {"ok": True}
        except duckdb.Error as e:
            answer = {"error": str(e)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
