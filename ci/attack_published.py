"""An outsider's attack on a published folder (issue #30), written apart from cpi's SQL.

    python3 ci/attack_published.py OUT INPUT [--expect-leak]

It takes every published sum of the folder (CPI 7's and CPI 8's samples and benchmarks, the
breakdown cells, the member flows, productivity's FTE) and, per measure (turnover or FTE, in
B or in T), every difference of two of them and the clusters' sum less ALL's wherever all of
them are published. Any of these equal to one member's own turnover as filed (rubric 70 of a
long-form accounts file of INPUT, exercise ending in B or in T) is a leak: the script lists them
and exits 1. Turnover only: it is a sum in euros with many digits, so an equal difference is
evidence; FTE is not (2.4 FTE is the figure of many companies, and differences of unrelated
cells hit it by chance). The FTE channels are tested with planted values (tests/disclosure.rs,
tests/sql/75_disclosure_audit.slt). --expect-leak turns the check around (exit 1 when nothing is found), so
that CI can show the attack finds what a folder without the audit of differences gives away.
"""
import argparse
import csv
import glob
import itertools
import json
import os
import sys
from collections import defaultdict

import pyarrow.parquet as pq


def digits(number):
    return "".join(c for c in number if c.isdigit()).zfill(10)


def member_values(input_dir, base, end):
    members = set()
    with open(os.path.join(input_dir, "clusters", "members.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            members.add(digits(row["enterprise_number"]))
    values = defaultdict(set)
    rubric_measure = {"70": "turnover"}
    for path in glob.glob(os.path.join(input_dir, "accounts", "*.csv")):
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                measure = rubric_measure.get(row["rubric_code"])
                if measure is None or row["period"] != "N" or digits(row["enterprise_number"]) not in members:
                    continue
                year = int(row["exercise_end"][:4])
                side = "B" if year == base else "T" if year == end else None
                if side and float(row["value"]) != 0:
                    values[f"{measure}_{side}"].add(float(row["value"]))
    return values


def published_sums(out):
    """{measure: [(name, value)]} and {(family, measure): {cluster: value or None}}."""
    sums = defaultdict(list)
    families = defaultdict(dict)

    def rows(name):
        path = os.path.join(out, name)
        return pq.read_table(path).to_pylist() if os.path.exists(path) else []

    def add(name, row, column, measure, family=None):
        value = row.get(column)
        if value is not None:
            sums[measure].append((f"{name} {column}", value))
        if family is not None:
            families[(family, measure)][row["cluster_id"]] = value

    for file, measure in [("cpi7_turnover.parquet", "turnover"), ("cpi8_employment.parquet", "fte")]:
        for r in rows(file):
            for side, suffix in [("base", "B"), ("end", "T")]:
                add(f"{file} {r['cluster_id']}", r, f"cluster_{side}", f"{measure}_{suffix}", f"{file} {side}")
                add(f"{file} {r['cluster_id']}", r, f"flanders_{side}", f"{measure}_{suffix}")
    for r in rows("cpi_breakdowns.parquet"):
        measure = "turnover" if r["indicator"] == "CPI7" else "fte"
        cell = f"{r['indicator']} {r['dimension']} {r['category']}"
        for side, suffix in [("base", "B"), ("end", "T")]:
            add(f"breakdowns {r['cluster_id']} {cell}", r, f"cluster_{side}", f"{measure}_{suffix}", f"breakdowns {cell} {side}")
            add(f"breakdowns {r['cluster_id']} {cell}", r, f"flanders_{side}", f"{measure}_{suffix}")
    for r in rows("member_flows.parquet"):
        for column, measure in [("turnover_base_eur", "turnover_B"), ("turnover_end_eur", "turnover_T"), ("fte_base", "fte_B"), ("fte_end", "fte_T")]:
            add(f"flows {r['cluster_id']} {r['flow']}", r, column, measure, f"flows {r['flow']} {column}")
    for r in rows("productivity.parquet"):
        for column, measure in [("fte_base", "fte_B"), ("fte_end", "fte_T")]:
            add(f"productivity {r['cluster_id']}", r, column, measure, f"productivity {column}")
            add(f"productivity {r['cluster_id']}", r, f"flanders_{column}", measure)
    for (family, measure), cells in families.items():
        clusters = [v for c, v in cells.items() if c != "ALL"]
        if cells.get("ALL") is not None and clusters and all(v is not None for v in clusters):
            sums[measure].append((f"{family}: the clusters' sum", sum(clusters)))
    return sums


def attack(out, input_dir):
    manifest = json.load(open(os.path.join(out, "manifest.json"), encoding="utf-8"))
    end = manifest["reference_years"][0]
    base = end - manifest["config"]["growth"]["window_years"]
    values = member_values(input_dir, base, end)
    found = []
    for measure, sums in published_sums(out).items():
        known = sorted(values.get(measure, ()))
        if not known:
            continue
        figures = [(n, abs(v)) for n, v in sums]
        figures += [(f"{a} - {b}", abs(x - y)) for (a, x), (b, y) in itertools.combinations(sums, 2)]
        for name, d in figures:
            if d < 1e-9:
                continue
            for v in known:
                if abs(d - v) <= 1e-6 * max(v, 1.0):
                    found.append(f"{measure}: {name} = {d} = a member's {v}")
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("input")
    parser.add_argument("--expect-leak", action="store_true")
    args = parser.parse_args()
    found = attack(args.out, args.input)
    for line in found:
        print(line)
    if args.expect_leak:
        if not found:
            sys.exit(f"{args.out}: the attack found nothing where a leak was expected")
        print(f"{args.out}: {len(found)} leak(s) found, as expected")
    elif found:
        sys.exit(f"{args.out}: {len(found)} published figure(s) or difference(s) give a member's own figure")
    else:
        print(f"{args.out}: no published figure, difference of two or clusters' sum less ALL gives a member's figure")


if __name__ == "__main__":
    main()
