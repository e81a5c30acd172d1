"""An outsider's attack on a published folder (issue #30), written apart from cpi's SQL.

    python3 ci/attack_published.py OUT INPUT [--expect-leak]

It takes every published turnover sum of the folder (CPI 7's samples and benchmarks, its
breakdown cells, the member flows), of every reference year in it, under the calendar year it
sums (B or T of its row), and per calendar year every difference of two of them (also across
reference years: 2024's base year is 2021's end year) and the clusters' sum less ALL's wherever
all of them are published. Any of these equal to one member's own turnover as filed (rubric 70
of a long-form accounts file of INPUT, exercise ending in that year) is a leak: the script lists
them and exits 1. Turnover only: it is a sum in euros with many digits, so an equal difference is
evidence; FTE is not (2.4 FTE is the figure of many companies, and differences of unrelated
cells hit it by chance). The FTE channels are tested with planted values (tests/e2e/disclosure.rs,
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


def member_values(input_dir):
    """{year: {turnover values of members' exercises ending in that year}}."""
    members = set()
    with open(os.path.join(input_dir, "clusters", "members.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            members.add(digits(row["enterprise_number"]))
    values = defaultdict(set)
    for path in glob.glob(os.path.join(input_dir, "accounts", "*.csv")):
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                if row["rubric_code"] != "70" or row["period"] != "N" or digits(row["enterprise_number"]) not in members:
                    continue
                if float(row["value"]) != 0:
                    values[int(row["exercise_end"][:4])].add(float(row["value"]))
    return values


def published_sums(out, window):
    """{calendar year: [(name, turnover sum)]}: every published turnover sum of the folder, of
    every reference year in it, under the year it sums (B or T of its row)."""
    sums = defaultdict(list)
    families = defaultdict(dict)

    def rows(name):
        path = os.path.join(out, name)
        return pq.read_table(path).to_pylist() if os.path.exists(path) else []

    def add(name, row, column, year, family=None):
        value = row.get(column)
        if value is not None:
            sums[year].append((f"{name} {column}", value))
        if family is not None:
            families[(family, year)][row["cluster_id"]] = value

    for r in rows("cpi7_turnover.parquet"):
        t = r["reference_year"]
        for side, year in [("base", r["base_year"]), ("end", r["end_year"])]:
            add(f"cpi7 T={t} {r['cluster_id']}", r, f"cluster_{side}", year, f"cpi7 T={t} {side}")
            add(f"cpi7 T={t} {r['cluster_id']}", r, f"flanders_{side}", year)
    for r in rows("cpi_breakdowns.parquet"):
        if r["indicator"] != "CPI7":
            continue
        t = r["reference_year"]
        cell = f"{r['dimension']} {r['category']}"
        for side, year in [("base", t - window), ("end", t)]:
            add(f"breakdowns T={t} {r['cluster_id']} {cell}", r, f"cluster_{side}", year, f"breakdowns T={t} {cell} {side}")
            add(f"breakdowns T={t} {r['cluster_id']} {cell}", r, f"flanders_{side}", year)
    for r in rows("member_flows.parquet"):
        t = r["reference_year"]
        for column, year in [("turnover_base_eur", r["base_year"]), ("turnover_end_eur", r["end_year"])]:
            add(f"flows T={t} {r['cluster_id']} {r['flow']}", r, column, year, f"flows T={t} {r['flow']} {column}")
    for (family, year), cells in families.items():
        clusters = [v for c, v in cells.items() if c != "ALL"]
        if cells.get("ALL") is not None and clusters and all(v is not None for v in clusters):
            sums[year].append((f"{family}: the clusters' sum", sum(clusters)))
    return sums


def attack(out, input_dir):
    manifest = json.load(open(os.path.join(out, "manifest.json"), encoding="utf-8"))
    window = manifest["config"]["growth"]["window_years"]
    values = member_values(input_dir)
    found = []
    for year, sums in published_sums(out, window).items():
        known = sorted(values.get(year, ()))
        if not known:
            continue
        figures = [(n, abs(v)) for n, v in sums]
        figures += [(f"{a} - {b}", abs(x - y)) for (a, x), (b, y) in itertools.combinations(sums, 2)]
        for name, d in figures:
            if d < 1e-9:
                continue
            for v in known:
                if abs(d - v) <= 1e-6 * max(v, 1.0):
                    found.append(f"turnover {year}: {name} = {d} = a member's {v}")
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
