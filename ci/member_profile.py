#!/usr/bin/env python3
"""The profile of the cluster members in a run's outputs, against the only published profile of
the real members: the Steunpunt STORE analysis of the members at the start of 2018, in the 2020
evaluation of the spearhead clusters by IDEA Consult and Technopolis (section 3.1). Used on runs
of `cpi generate` inputs (ci/benchmark.py --profile) to check that the synthetic Flanders looks
like the real one; prints a table and exits 1 when a figure is outside its tolerance.

Every figure is measured on the run's own outputs for the cohort of 1 January of the reference
year (ALL = each member company once): shares from cpi8_employment and productivity (constant
samples of B and T), size classes and sectors from the unsuppressed breakdowns that
`--confidential` writes (CPI 8 samples), multiple membership from the cohorts.

usage: member_profile.py OUTPUT_DIR CONFIDENTIAL_DIR SCALE
"""
import sys

import pyarrow.parquet as pq


def rows(path):
    return pq.read_table(path).to_pylist()


def minus(a, b):
    return None if a is None or b is None else a - b


def main(out: str, confidential: str, scale: float) -> None:
    # The unsuppressed tables: a small cluster's figures are hidden in the published ones.
    cpi7 = {r["cluster_id"]: r for r in rows(f"{confidential}/cpi7_turnover.parquet")}
    cpi8 = {r["cluster_id"]: r for r in rows(f"{confidential}/cpi8_employment.parquet")}
    prod = {r["cluster_id"]: r for r in rows(f"{confidential}/productivity.parquet")}
    cells = [r for r in rows(f"{confidential}/cpi_breakdowns.parquet") if r["cluster_id"] == "ALL" and r["indicator"] == "CPI8"]
    size = {r["category"]: r for r in cells if r["dimension"] == "size_class"}
    known_sizes = [r for c, r in size.items() if c != "unknown"]
    sme = [r for c, r in size.items() if c in ("0-9", "10-49", "50-249")]
    sections = {r["category"]: r["sample_firms"] for r in cells if r["dimension"] == "nace_section" and r["category"] != "unknown"}
    firms = sum(sections.values())
    share = lambda letters: sum(n for s, n in sections.items() if s in letters) / firms
    clusters = [c for c in cpi7 if c != "ALL"]
    cohort = cpi7["ALL"]["cohort_firms"]
    by_size = sorted(clusters, key=lambda c: -cpi7[c]["cohort_firms"])
    # (what, STORE's figure, measured, low, high)
    checks = [
        ("ALL cohort, per F = 1.0", "1,148 (2018), 1,488 (2019)", cohort / scale, 1100, 1700),
        ("members' share of Flemish FTE", "12 %", cpi8["ALL"]["cluster_end"] / cpi8["ALL"]["flanders_end"], 0.09, 0.15),
        ("members' share of Flemish value added", "15 %", prod["ALL"]["value_added_end"] / prod["ALL"]["flanders_value_added_end"], 0.11, 0.19),
        ("value added per FTE, members / Flanders", "128,000 / 103,000 = 1.24", prod["ALL"]["value_added_per_fte_end"] / prod["ALL"]["flanders_value_added_per_fte_end"], 1.10, 1.40),
        ("SMEs (< 250 FTE) among members", "81 %", sum(r["sample_firms"] for r in sme) / sum(r["sample_firms"] for r in known_sizes), 0.75, 0.87),
        ("SMEs' share of members' FTE", "18 %", sum(r["cluster_end"] for r in sme) / sum(r["cluster_end"] for r in known_sizes), 0.10, 0.26),
        ("members in two or more clusters", "about 5 %", (sum(cpi7[c]["cohort_firms"] for c in clusters) - cohort) / cohort, 0.03, 0.08),
        ("industry (NACE B-F)", "44.5 %", share("BCDEF"), 0.35, 0.55),
        ("trade (G)", "19.3 %", share("G"), 0.12, 0.27),
        ("services (H-V)", "35.5 %", share("HIJKLMNOPQRSTUV"), 0.25, 0.45),
        ("primary sector (A)", "0.6 %", share("A"), 0.0, 0.03),
        ("pre-period turnover gap, ALL (pp)", "positive", cpi7["ALL"]["pre_period_gap_pp"], 0.0, float("inf")),
        ("pre-period productivity gap, ALL (pp: turnover gap - FTE gap)", "positive", minus(cpi7["ALL"]["pre_period_gap_pp"], cpi8["ALL"]["pre_period_gap_pp"]), 0.0, float("inf")),
        ("largest clusters are FOOD and VIL (1 = yes)", "Flanders' FOOD, VIL", float(set(by_size[:2]) == {"FOOD", "VIL"}), 1, 1),
        ("smallest cluster is MEDVIA (1 = yes)", "MEDVIA", float(by_size[-1] == "MEDVIA"), 1, 1),
    ]
    failed = 0
    print(f"| figure | STORE | measured at F = {scale} | tolerance | |")
    print("|---|---|---|---|---|")
    for what, store, value, low, high in checks:
        if value is None:  # suppressed or not computable (a tiny scale): a failure, never a pass
            failed += 1
            print(f"| {what} | {store} | not computed | | OUT |")
            continue
        ok = low <= value <= high
        failed += not ok
        shown = f"{100 * value:.1f} %" if high <= 1 and low < 1 else f"{value:,.2f}"
        bounds = f"{100 * low:.0f}-{100 * high:.0f} %" if high <= 1 and low < 1 else (f"> {low:g}" if high == float("inf") else f"{low:g}-{high:g}")
        print(f"| {what} | {store} | {shown} | {bounds} | {'ok' if ok else 'OUT'} |")
    print(f"member profile: {len(checks) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
