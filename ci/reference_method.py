#!/usr/bin/env python3
"""An independent reference implementation of cpi's method for CPI 6, 7 and 8 (issue #34), in
plain Python, written from METHODOLOGY.md and not from sql/: no SQL engine, no code shared with
cpi. It reads a long-form input folder as published (kbo/*.csv, accounts/*.csv,
clusters/members.csv) and the settings tables a measuring body edits (config/population.csv),
computes every company's annual figures and the indicators for one reference year T, and
compares them with the tables a `cpi run --confidential DIR` wrote for the same input. Any
difference is printed and the exit code is 1.

What it re-implements (METHODOLOGY.md sections):
  3   annual figures: latest deposit per exercise, a deposit cutoff (a vintage), exercise months,
      several exercises ending in one year (flows summed and scaled to 12 months, the stock of
      the last), years filled from NM1 comparatives (their previous exercise's months, 1..24,
      else 12 assumed) with unknown investment, the rubric levels, FTE 0 without staff;
  4, 4a, 4b  seat and region from the register's REGO address, legal-form classes, companies
      absent from the register (long form: no seat);
  5   cohorts as membership periods (any period covering the date; a duplicate row removes
      nothing);
  6   CPI 7 and CPI 8: constant sample, exclusion reasons, Flemish benchmark and rest of
      Flanders, coverage by value, by FTE and per kind of model, model changes, cohort of B;
      cpi7_coverage per model;
  6c  the resampling spread only for samples of at least 20 companies;
  7   CPI 6: the five-year window with at most 60 months per company, unknown investment,
      coverage in company-years, FTE-years over the years of known investment;
  8   member flows' counts and sums.

usage: reference_method.py INPUT_DIR OUTPUT_DIR CONFIDENTIAL_DIR YEAR [YEAR ...] [--deposit-cutoff YYYY-MM-DD] [--require-cases]
(OUTPUT_DIR: the run's published folder, for its manifest.json)
"""
import argparse
import csv
import datetime as dt
import glob
import json
import os
import sys
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pyarrow.parquet as pq

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MEMBER_CLASSES = {"company", "public_company", "nonprofit", "unknown"}
BENCHMARK_CLASSES = {"company", "public_company", "unknown"}
MODEL_KIND = {"m02": "full", "m82": "full", "m05": "full", "m01": "abbreviated", "m81": "abbreviated", "m04": "abbreviated",
              "m07": "micro", "m87": "micro", "m08": "micro"}
CENT = Decimal("0.01")
# How often each rule was met on the input: a comparison proves a rule only where it bites.
EXERCISED = Counter()


def digits_of(text):
    """A valid enterprise number as 10 digits (9 digits get the leading 0), else None."""
    d = "".join(ch for ch in (text or "") if ch.isdigit())
    if len(d) == 9:
        d = "0" + d
    if len(d) != 10 or 97 - int(d[:8]) % 97 != int(d[8:]):
        return None
    return d


def date(text):
    return dt.date.fromisoformat(text) if text else None


def months(start, end):
    """Whole months of an exercise: inclusive days / (365.25 / 12), rounded (section 3)."""
    return int(Decimal((end - start).days + 1) / (Decimal("365.25") / 12) + Decimal("0.5"))


def region(postcode):
    if 1500 <= postcode <= 3999 or 8000 <= postcode <= 9999:
        return "flanders"
    return "brussels" if 1000 <= postcode <= 1299 else "wallonia"


class Register:
    """The KBO snapshot: which enterprises are in it, their class and their seat's region."""

    def __init__(self, folder):
        forms = {r["juridical_form"]: r["class"] for r in csv.DictReader(open(f"{ROOT}/config/population.csv", encoding="utf-8"))}
        self.klass, self.seat = {}, {}
        with open(f"{folder}/kbo/enterprise.csv", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                d = r["EnterpriseNumber"].replace(".", "")
                self.klass[d] = forms.get(r["JuridicalForm"], "unknown") if r["JuridicalForm"] else "unknown"
        with open(f"{folder}/kbo/address.csv", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if r["TypeOfAddress"] != "REGO":
                    continue
                d = r["EntityNumber"].replace(".", "")
                if r["CountryNL"]:
                    self.seat[d] = "abroad"
                elif r["Zipcode"].isdigit():
                    self.seat[d] = region(int(r["Zipcode"]))


class Filing:
    def __init__(self, company, reference, deposit, start, end, model):
        self.company, self.reference, self.deposit = company, reference, deposit
        self.start, self.end, self.model = start, end, model
        self.months = months(start, end)
        self.own, self.previous = {}, {}


def read_filings(folder, cutoff):
    """Every filing of the long-form files with its N and NM1 values; deposits after the cutoff
    are left out before the latest deposit is chosen (they supersede nothing)."""
    filings, after_cutoff = {}, 0
    for path in sorted(glob.glob(f"{folder}/accounts/*.csv")):
        with open(path, encoding="utf-8") as f:
            for r in csv.DictReader(f):
                company = digits_of(r["enterprise_number"])
                key = (company, r["reference_number"])
                filing = filings.get(key)
                if filing is None:
                    filing = filings[key] = Filing(company, r["reference_number"], date(r["deposit_date"]),
                                                   date(r["exercise_start"]), date(r["exercise_end"]), r["model_type"])
                values = filing.own if r["period"] == "N" else filing.previous if r["period"] == "NM1" else None
                if values is not None and r["value"] != "":
                    values[r["rubric_code"]] = values.get(r["rubric_code"], Decimal(0)) + Decimal(r["value"])
    usable = []
    for filing in filings.values():
        if cutoff and filing.deposit > cutoff:
            after_cutoff += 1
        else:
            usable.append(filing)
    EXERCISED["deposits after the cutoff"] += after_cutoff
    latest = {}
    for filing in usable:
        key = (filing.company, filing.end)
        if key not in latest or (str(filing.deposit), filing.reference) > (str(latest[key].deposit), latest[key].reference):
            latest[key] = filing
    return list(latest.values()), after_cutoff


def measures(values, own):
    """A filing's measures from its rubrics (config/rubric_map.csv as METHODOLOGY.md section 3
    states it): the preferred level a filing reports; investment rubrics missing are 0."""
    has = values.__contains__
    get = lambda code: values.get(code, Decimal(0))
    m = {"turnover": values.get("70"),
         "fte": values["1003"] if has("1003") else values.get("9087")}
    if own and m["fte"] is None and get("62") == 0:
        EXERCISED["filings with FTE 0 for want of staff"] += 1
        m["fte"] = Decimal(0)
    if has("70/76A"):
        m["value_added"] = get("70/76A") - get("76A") - get("60") - get("61") - get("740")
    elif has("9900"):
        m["value_added"] = get("9900") - get("76A")
    else:
        m["value_added"] = None
    if own:
        tangible_codes = ["8161", "8162", "8163", "8164", "8165", "8166"]
        m["tangible"] = get("8169") if has("8169") else sum((get(c) for c in tangible_codes), Decimal(0))
        if has("8021") or has("8022"):
            m["intangible"] = get("8021") + get("8022")
        elif has("8029"):
            m["intangible"] = get("8029") - get("8023") - get("8024")
        else:
            m["intangible"] = Decimal(0)
    else:
        m["tangible"] = m["intangible"] = None  # no previous-year column for acquisitions
    return m


def annual_figures(filings):
    """{(company, year): {turnover, fte, value_added, model, investment_known, own}}."""
    by_year = defaultdict(list)
    for f in filings:
        by_year[(f.company, f.end.year)].append(f)
    years = {}
    for key, group in by_year.items():
        group.sort(key=lambda f: f.end)
        total_months = sum(f.months for f in group)
        ms = [measures(f.own, True) for f in group]
        row = {"own": True, "model": MODEL_KIND.get(group[-1].model[:3]), "fte": ms[-1]["fte"]}
        for flow in ("turnover", "value_added"):
            parts = [m[flow] for m in ms]
            if any(p is None for p in parts) or total_months == 0:
                row[flow] = None
            elif total_months == 12:
                row[flow] = sum(parts, Decimal(0))
            else:
                EXERCISED["company-year flows scaled to 12 months"] += 1
                row[flow] = (sum(parts, Decimal(0)) * 12 / total_months).quantize(CENT, ROUND_HALF_UP)
        years[key] = row
    # Years without a filing of their own, from the comparatives of the filing that starts the
    # day after that year's exercise ends (the earliest such filing).
    by_company = defaultdict(list)
    for f in filings:
        by_company[f.company].append(f)
    for company, own in by_company.items():
        sources = {}
        for f in sorted(own, key=lambda f: (f.start, f.reference)):
            year = (f.start - dt.timedelta(days=1)).year
            if (company, year) not in years and year not in sources:
                sources[year] = f
        for year, f in sources.items():
            m = measures(f.previous, False)
            if all(m[k] is None for k in ("turnover", "fte", "value_added")):
                continue  # no comparatives of the map's rubrics: fills nothing
            earlier = [o.end for o in own if o.end < f.start]
            span = None
            if earlier:
                previous_start = max(earlier) + dt.timedelta(days=1)
                span = int(Decimal((f.start - previous_start).days) / (Decimal("365.25") / 12) + Decimal("0.5"))
            n = span if span is not None and 1 <= span <= 24 else 12
            EXERCISED["comparatives of a previous exercise of 12 months" if n == 12 else "comparatives scaled to 12 months"] += 1
            row = {"own": False, "model": None, "fte": m["fte"]}
            for flow in ("turnover", "value_added"):
                row[flow] = None if m[flow] is None else m[flow] if n == 12 else (m[flow] * 12 / n).quantize(CENT, ROUND_HALF_UP)
            years[(company, year)] = row
    return years


def window_investment(filings, window):
    """{company: {year: (total, intangible)}} for the exercises ending in the window, as filed,
    with at most 60 months per company counted back from the latest (section 7)."""
    limit = 12 * len(window)
    out = defaultdict(dict)
    by_company = defaultdict(list)
    for f in filings:
        if f.end.year in window:
            by_company[f.company].append(f)
    for company, group in by_company.items():
        used = 0
        for f in sorted(group, key=lambda f: f.end, reverse=True):
            m = measures(f.own, True)
            total, intangible = m["tangible"] + m["intangible"], m["intangible"]
            if f.months > 0 and used + f.months > limit:
                fits = max(limit - used, 0)
                EXERCISED["window exercises cut to 60 months" if fits else "window exercises left out past 60 months"] += 1
                total = (total * fits / f.months).quantize(CENT, ROUND_HALF_UP)
                intangible = (intangible * fits / f.months).quantize(CENT, ROUND_HALF_UP)
            used += f.months
            t, i = out[company].get(f.end.year, (Decimal(0), Decimal(0)))
            out[company][f.end.year] = (t + total, i + intangible)
    return out


def read_members(folder):
    rows = []
    with open(f"{folder}/clusters/members.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            company = digits_of(r["enterprise_number"])
            if company:
                kind = (r.get("member_type") or "company").strip().lower()
                rows.append((r["cluster_id"], company, date(r["member_from"]), date(r["member_to"]), kind in ("company", "bedrijf", "entreprise")))
    return rows


def cohort(members, day):
    """{cluster: {company: listed as a company}} on a date, ALL included: any period covering it."""
    out = defaultdict(dict)
    for cluster, company, start, end, is_company in members:
        if (start is None or start <= day) and (end is None or end >= day):
            for c in (cluster, "ALL"):
                out[c][company] = out[c].get(company, False) or is_company
    return out


class Inputs:
    """The input folder read once: the register, the filings used, the annual figures, the
    member rows."""

    def __init__(self, folder, cutoff):
        self.register = Register(folder)
        self.filings, self.after_cutoff = read_filings(folder, cutoff)
        self.figures = annual_figures(self.filings)
        self.members = read_members(folder)


def compute(inputs, year, cutoff):
    register, filings, after_cutoff, figures, members = inputs.register, inputs.filings, inputs.after_cutoff, inputs.figures, inputs.members
    base, window = year - 3, range(year - 4, year + 1)
    has_figures = {c for c, _ in figures}
    cohorts = cohort(members, dt.date(year, 1, 1))
    base_cohorts = cohort(members, dt.date(base, 1, 1))
    day = dt.date(year, 1, 1)
    rows_of = Counter((cluster, company) for cluster, company, *_ in members)
    for cluster, company, start, end, _ in members:
        covers = (start is None or start <= day) and (end is None or end >= day)
        EXERCISED["member periods starting on the cohort date"] += start == day
        EXERCISED["member periods ending on the cohort date"] += end == day
        EXERCISED["members listed in several rows, this one not covering the date"] += rows_of[(cluster, company)] > 1 and not covers
    listed_ever = {c for _, c, *_ in members}
    klass = lambda c: register.klass.get(c, "unknown")
    known = lambda c: c in register.klass or c in has_figures
    value = lambda c, y, m: figures.get((c, y), {}).get(m)
    # The reasons every indicator tries first (sections 5, 4b, 4a), in this order.
    first_reason = lambda c, is_company: ("not_a_company" if not is_company else "not_in_register" if not known(c)
                                          else "outside_population" if klass(c) not in MEMBER_CLASSES else None)
    flemish = [c for c in (has_figures | listed_ever) if known(c) and register.seat.get(c) == "flanders"]
    # the rest of Flanders: Flemish companies listed for no cluster on the cohort date (section 6)
    rest = lambda cs: [c for c in cs if c not in cohorts["ALL"]]
    # The data's vintage: the cutoff, else the latest deposit used; T is provisional while it is
    # fewer than 13 whole months after 1 January of T + 1 (section 3).
    vintage = cutoff or max(f.deposit for f in filings)
    whole_months = (vintage.year - year - 1) * 12 + vintage.month - 1
    result = {"after_cutoff": after_cutoff, "provisional": 1 if whole_months < 13 else 0}

    for indicator, measure in (("CPI7", "turnover"), ("CPI8", "fte")):
        bench = [c for c in flemish if klass(c) in BENCHMARK_CLASSES]
        bench_sample = [c for c in bench if value(c, base, measure) is not None and value(c, year, measure) is not None]
        fte_end = lambda cs: sum((value(c, year, "fte") for c in cs if value(c, year, "fte") is not None), Decimal(0))
        rows = {}
        for cluster, listed in cohorts.items():
            sample, excluded, eligible = [], {}, []
            for c, is_company in listed.items():
                reason = first_reason(c, is_company)
                if reason is None:
                    eligible.append(c)
                    if (c, base) not in figures:
                        reason = "no_filing_base_year"
                    elif (c, year) not in figures:
                        reason = "no_filing_end_year"
                    elif value(c, base, measure) is None:
                        reason = f"no_{measure}_base_year"
                    elif value(c, year, measure) is None:
                        reason = f"no_{measure}_end_year"
                if reason:
                    excluded[c] = reason
                else:
                    sample.append(c)
            ends = [value(c, year, measure) for c in eligible if value(c, year, measure) is not None]
            kinds = {}
            for kind in ("full", "abbreviated", "micro"):
                of_kind = [c for c in eligible if figures.get((c, year), {}).get("model") == kind]
                kinds[kind] = (sum(c in sample for c in of_kind), len(of_kind))
            base_listed = base_cohorts.get(cluster, {})
            rows[cluster] = {
                "cohort_firms": len(listed),
                "sample_firms": len(sample),
                "cluster_base": sum((value(c, base, measure) for c in sample), Decimal(0)),
                "cluster_end": sum((value(c, year, measure) for c in sample), Decimal(0)),
                "flanders_firms": len(bench_sample),
                "flanders_base": sum((value(c, base, measure) for c in bench_sample), Decimal(0)),
                "flanders_end": sum((value(c, year, measure) for c in bench_sample), Decimal(0)),
                "rest_of_flanders_firms": len(rest(bench_sample)),
                "rest_of_flanders_growth": ratio(sum((value(c, year, measure) for c in rest(bench_sample)), Decimal(0)),
                                                 sum((value(c, base, measure) for c in rest(bench_sample)), Decimal(0))) - 1,
                "coverage_value_share": ratio(sum((value(c, year, measure) for c in sample), Decimal(0)), sum(ends, Decimal(0))),
                "coverage_fte_share": ratio(fte_end(sample), fte_end(eligible)),
                "flanders_coverage_fte_share": ratio(fte_end(bench_sample), fte_end(bench)),
                "model_changed_firms": sum(1 for c in sample if None not in (value(c, base, "model"), value(c, year, "model"))
                                           and value(c, base, "model") != value(c, year, "model")),
                **{f"sample_share_{k}": (n / d if d else None) for k, (n, d) in kinds.items()},
                "base_cohort_firms": sum(1 for is_company in base_listed.values() if is_company),  # companies only
                "base_cohort_sample_firms": sum(1 for c, is_company in base_listed.items() if is_company and known(c)
                                                and klass(c) in MEMBER_CLASSES and value(c, base, measure) is not None
                                                and value(c, year, measure) is not None),
                "uncertainty_reason": "sample_below_min_firms" if len(sample) < 20 else None,
                "_excluded": excluded,
            }
            if indicator == "CPI7":
                rows[cluster]["_coverage"] = model_coverage(eligible, set(sample), figures, year)
        if indicator == "CPI7":
            result["flanders_coverage"] = model_coverage(bench, set(bench_sample), figures, year)
        result[indicator] = rows

    # CPI 6
    invest = window_investment(filings, window)
    figure_years = lambda c: [y for y in window if (c, y) in figures]
    known_years = lambda c: [y for y in figure_years(c) if figures[(c, y)]["own"]]
    fte_years = lambda cs: sum((value(c, y, "fte") for c in cs for y in known_years(c) if value(c, y, "fte") is not None), Decimal(0))
    spent = lambda cs, i: sum((invest[c][y][i] for c in cs for y in known_years(c)), Decimal(0))
    share_side = [c for c in flemish if klass(c) in BENCHMARK_CLASSES | MEMBER_CLASSES and figure_years(c)]
    rows = {}
    for cluster, listed in cohorts.items():
        sample, excluded = [], {}
        for c, is_company in listed.items():
            seat = register.seat.get(c)
            reason = first_reason(c, is_company) or (
                "seat_unknown" if seat is None else "seat_outside_flanders" if seat != "flanders"
                else "no_filing_in_window" if not figure_years(c) else "investment_unknown_in_window" if not known_years(c) else None)
            if reason:
                excluded[c] = reason
            else:
                sample.append(c)
        counted = sample + [c for c, r in excluded.items() if r == "investment_unknown_in_window"]
        rows[cluster] = {
            "cohort_firms": len(listed),
            "sample_firms": len(sample),
            "filing_company_years": sum(len(figure_years(c)) for c in counted),
            "investment_company_years": sum(len(known_years(c)) for c in counted),
            "investment_eur": spent(sample, 0),
            "intangible_investment_eur": spent(sample, 1),
            "flanders_firms": sum(1 for c in share_side if known_years(c)),
            "flanders_investment_eur": spent(share_side, 0),
            "fte_years": fte_years(sample),
            "flanders_fte_years": fte_years(share_side),
            "rest_of_flanders_firms": sum(1 for c in rest(share_side) if known_years(c)),
            "rest_of_flanders_investment_eur": spent(rest(share_side), 0),
            "rest_of_flanders_fte_years": fte_years(rest(share_side)),
            "flanders_investment_coverage": ratio(sum(len(known_years(c)) for c in share_side), sum(len(figure_years(c)) for c in share_side)),
            "_excluded": excluded,
        }
    result["CPI6"] = rows

    # Member flows: companies listed on B's and T's dates; values of the member population.
    flows = {}
    for cluster in set(cohorts) | set(base_cohorts):
        at_b = {c for c, k in base_cohorts.get(cluster, {}).items() if k}
        at_t = {c for c, k in cohorts.get(cluster, {}).items() if k}
        for flow, cs in (("staying", at_b & at_t), ("entrant", at_t - at_b), ("leaver", at_b - at_t)):
            valued = [c for c in cs if known(c) and klass(c) in MEMBER_CLASSES]
            total = lambda y, m: known_sum(value(c, y, m) for c in valued)
            flows[(cluster, flow)] = {"firms": len(cs), "turnover_base_eur": total(base, "turnover"), "turnover_end_eur": total(year, "turnover"),
                                      "fte_base": total(base, "fte"), "fte_end": total(year, "fte")}
    result["flows"] = flows
    return result


def model_coverage(companies, sample, figures, year):
    """cpi7_coverage: per kind of model filed for T (unknown: a year from comparatives), the
    companies with figures for T, how many are in the turnover sample, and the sample's share
    of their known end-year FTE and value added (section 6)."""
    out = {}
    for kind in ("all", "full", "abbreviated", "micro", "unknown"):
        filers = [c for c in companies if (c, year) in figures and (kind == "all" or (figures[(c, year)]["model"] or "unknown") == kind)]
        shares = {}
        for measure in ("fte", "value_added"):
            whole = known_sum(figures[(c, year)][measure] for c in filers)
            part = known_sum(figures[(c, year)][measure] for c in filers if c in sample) or Decimal(0)
            shares[measure] = ratio(part, whole)
        out[kind] = {"filers_end": len(filers), "sample_firms": sum(c in sample for c in filers), "fte_share": shares["fte"],
                     "value_added_share": shares["value_added"]}
    return out


def known_sum(values):
    """The sum of the known values; unknown (None) when none is known, not 0."""
    known = [v for v in values if v is not None]
    return sum(known, Decimal(0)) if known else None


def ratio(a, b):
    return None if not b else a / b


class Comparison:
    def __init__(self):
        self.checked, self.differences = 0, []

    def same(self, where, expected, actual):
        self.checked += 1
        if expected is None or actual is None:
            ok = expected is None and actual is None
        elif isinstance(expected, str):
            ok = expected == actual
        else:
            e, a = float(expected), float(actual)
            ok = abs(e - a) <= 1e-9 * max(1.0, abs(e))
        if not ok:
            self.differences.append(f"{where}: reference {expected}, cpi {actual}")


def table(folder, name):
    return pq.read_table(f"{folder}/{name}.parquet").to_pylist()


def compare(ref, year, args, cmp):
    """cpi's confidential tables and manifest for one reference year against the reference."""
    conf = args.confidential
    for indicator, name in (("CPI7", "cpi7_turnover"), ("CPI8", "cpi8_employment")):
        rows = {r["cluster_id"]: r for r in table(conf, name) if r["reference_year"] == year}
        cmp.same(f"{year} {name} clusters", ",".join(sorted(ref[indicator])), ",".join(sorted(rows)))
        for cluster, expected in ref[indicator].items():
            for column, v in expected.items():
                if not column.startswith("_") and column != "uncertainty_reason":
                    cmp.same(f"{year} {name} {cluster} {column}", v, rows.get(cluster, {}).get(column))
        spread = {r["cluster_id"]: r for r in table(conf, "uncertainty") if r["reference_year"] == year and r["indicator"] == indicator}
        for cluster, expected in ref[indicator].items():
            cmp.same(f"{year} uncertainty {indicator} {cluster} uncertainty_reason", expected["uncertainty_reason"],
                     spread.get(cluster, {}).get("uncertainty_reason"))
    rows = {r["cluster_id"]: r for r in table(conf, "cpi6_investment") if r["reference_year"] == year}
    for cluster, expected in ref["CPI6"].items():
        for column, v in expected.items():
            if not column.startswith("_"):
                cmp.same(f"{year} cpi6_investment {cluster} {column}", v, rows.get(cluster, {}).get(column))
    # Exclusions: the same companies with the same reason, per cluster and indicator.
    actual = {(r["cluster_id"], r["indicator"], r["enterprise_number"].replace(".", "")): r["reason"]
              for r in table(conf, "exclusions") if r["reference_year"] == year and r["indicator"] in ("CPI6", "CPI7", "CPI8")}
    expected = {(cl, ind, c): reason for ind in ("CPI6", "CPI7", "CPI8") for cl, row in ref[ind].items() for c, reason in row["_excluded"].items()}
    for key in sorted(set(actual) | set(expected)):
        cmp.same(f"{year} exclusions {key}", expected.get(key), actual.get(key))
    coverage = {(r["cluster_id"], r["model_class"]): r for r in table(conf, "cpi7_coverage") if r["reference_year"] == year}
    expected_coverage = {(cl, k): v for cl, row in ref["CPI7"].items() for k, v in row["_coverage"].items()}
    expected_coverage.update({("(Flanders)", k): v for k, v in ref["flanders_coverage"].items()})
    for key, values in expected_coverage.items():
        if values["filers_end"] or key in coverage:
            for column, v in values.items():
                cmp.same(f"{year} cpi7_coverage {key} {column}", v, coverage.get(key, {}).get(column))
    flows = {(r["cluster_id"], r["flow"]): r for r in table(conf, "member_flows") if r["reference_year"] == year}
    for key, expected in ref["flows"].items():
        for column, v in expected.items():
            if expected["firms"] or key in flows:
                cmp.same(f"{year} member_flows {key} {column}", v, flows.get(key, {}).get(column))
    counts = json.load(open(f"{args.output}/manifest.json"))["method_counts"]
    cmp.same("manifest filings_deposited_after_cutoff", ref["after_cutoff"], counts.get("filings_deposited_after_cutoff", 0))
    cmp.same(f"manifest {year}.reference_year_provisional", ref["provisional"], counts.get(f"{year}.reference_year_provisional"))
    for ind, reasons in (("CPI6", ["investment_unknown_in_window", "seat_outside_flanders"]),
                         ("CPI7", ["no_filing_base_year", "no_turnover_end_year"]), ("CPI8", [])):
        for reason in ["not_a_company", "not_in_register"] + reasons:
            EXERCISED[f"{ind} members excluded as {reason}"] += sum(r == reason for r in ref[ind]["ALL"]["_excluded"].values())
    EXERCISED["CPI7 ALL sample companies with a changed model"] += ref["CPI7"]["ALL"]["model_changed_firms"]
    EXERCISED["CPI7 samples of 20 companies or more"] += sum(r["sample_firms"] >= 20 for r in ref["CPI7"].values())
    EXERCISED["CPI7 samples under 20 companies"] += sum(r["sample_firms"] < 20 for r in ref["CPI7"].values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("confidential")
    parser.add_argument("years", type=int, nargs="+")
    parser.add_argument("--deposit-cutoff", type=dt.date.fromisoformat)
    parser.add_argument("--require-cases", action="store_true", help="fail when a rule was not met on the input in any of the years")
    args = parser.parse_args()
    inputs = Inputs(args.input, args.deposit_cutoff)
    cmp = Comparison()
    for year in args.years:
        compare(compute(inputs, year, args.deposit_cutoff), year, args, cmp)
    for line in cmp.differences:
        print(line)
    print("how often each rule was met:")
    for case, n in sorted(EXERCISED.items()):
        print(f"  {n:7d}  {case}")
    print(f"reference_method: {cmp.checked} values compared, {len(cmp.differences)} differ")
    unmet = [case for case, n in EXERCISED.items() if n == 0 and not case.endswith("left out past 60 months")]
    if args.require_cases and unmet:
        print(f"reference_method: rules never met on this input: {', '.join(sorted(unmet))}")
        sys.exit(1)
    sys.exit(1 if cmp.differences else 0)


if __name__ == "__main__":
    main()
