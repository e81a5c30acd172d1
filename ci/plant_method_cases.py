#!/usr/bin/env python3
"""Plants the cases of issue #34's rules into a copy of a generated long-form input, so that the
independent reference implementation (ci/reference_method.py) and cpi are compared where the
rules bite, on an input neither was written against. Deterministic (its own seed).

- Member lists (METHODOLOGY.md section 5): about 300 more listings of filers, with a
  `member_type` column, as membership periods: a company that left and rejoined (two rows), an
  exact duplicate row, overlapping periods, a period ending or starting on the cohort date
  itself, one starting the day after, members that are not companies, valid numbers that are
  in no register and file nothing.
- Accounts (sections 3 and 7): changes of closing date (2019-01..2019-06, 2019-07..2020-06,
  2020-07..2020-12: 66 months in the window 2020..2024); an 18-month exercise 2019-07..2020-12
  whose year 2019 is then filled from its comparatives (a previous exercise of 6 months);
  companies whose filings stop in 2019 and resume in 2024 (2023 from comparatives: a CPI 6
  window of T = 2023 with unknown investment only); a change of model between B and T with and
  without turnover; an NM1 value of an acquisition rubric (never to be read); deposits late
  enough to fall after a deposit cutoff of 2025-09-30, and on that day itself; comparatives of
  a previous exercise of exactly 24 months (scaled) and of 25 months (12 assumed).

usage: plant_method_cases.py GENERATED_INPUT OUTPUT
"""
import csv
import os
import random
import shutil
import sys
from collections import defaultdict

CLUSTERS = ["CATALISTI", "FLUX50", "SIM", "VIL", "FOOD", "DBC", "MEDVIA"]


def check_digits(eight):
    return f"{eight}{97 - int(eight) % 97:02d}"


def main():
    source, target = sys.argv[1], sys.argv[2]
    if os.path.exists(target):
        shutil.rmtree(target)
    shutil.copytree(source, target)
    rng = random.Random(34)
    header, files = None, {}
    for name in sorted(os.listdir(f"{target}/accounts")):
        with open(f"{target}/accounts/{name}", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader)
            files[name] = list(reader)
    col = {c: i for i, c in enumerate(header)}
    digits = lambda n: "".join(ch for ch in n if ch.isdigit()).rjust(10, "0")
    # Each company's filings: {digits: {exercise year: [rows]}}
    filings = defaultdict(lambda: defaultdict(list))
    for name, rows in files.items():
        for row in rows:
            filings[digits(row[col["enterprise_number"]])][row[col["exercise_end"]][:4]].append(row)
    calendar = lambda c, y: bool(filings[c].get(y)) and all(r[col["exercise_start"]][5:] == "01-01" and r[col["exercise_end"]][5:] == "12-31"
                                                             for r in filings[c][y])
    full_years = [c for c in sorted(filings) if all(calendar(c, str(y)) for y in range(2018, 2025))]
    rng.shuffle(full_years)
    june = [c for c in sorted(filings) if all(r[col["exercise_end"]][5:] == "06-30" for y in ("2020", "2024") for r in filings[c].get(y, []))
            and filings[c].get("2020") and filings[c].get("2024")]
    planted = full_years[:260] + june[:20]
    # Accounts.
    def set_rows(c, year, **changes):
        for row in filings[c][year]:
            for k, v in changes.items():
                row[col[k]] = v
    def halve(c, year):
        """The year's filing split into two halves with new reference numbers."""
        first, second = [], []
        for row in filings[c][year]:
            a, b = list(row), list(row)
            if row[col["period"]] == "N" and row[col["rubric_code"]] not in ("1003", "9087"):
                v = float(row[col["value"]])
                a[col["value"]] = f"{round(v / 2):.0f}"
                b[col["value"]] = f"{v - round(v / 2):.0f}"
            a[col["reference_number"]] += "A"
            b[col["reference_number"]] += "B"
            first.append(a)
            second.append(b)
        return first, second
    cases = defaultdict(list)
    for c in full_years[:12]:  # closing date changed twice: 66 months in the window 2020..2024
        set_rows(c, "2019", exercise_end="2019-06-30")
        first, second = halve(c, "2020")
        for r in first:
            r[col["exercise_start"]], r[col["exercise_end"]] = "2019-07-01", "2020-06-30"
        for r in second:
            r[col["exercise_start"]] = "2020-07-01"
        filings[c]["2020"] = first + second
        cases["closing_date_changed"].append(c)
    for c in full_years[12:24]:  # an 18-month exercise; 2019 from its comparatives (6 months)
        filings[c]["2019"] = []
        set_rows(c, "2020", exercise_start="2019-07-01")
        cases["eighteen_months"].append(c)
    for c in full_years[24:34]:  # filings stop after 2018 and resume in 2024
        for y in ("2019", "2020", "2021", "2022", "2023"):
            filings[c][y] = []
        set_rows(c, "2024", deposit_date="2025-03-15")  # before the cutoff
        cases["gap_2019_2023"].append(c)
    for i, c in enumerate(full_years[34:54]):  # model changed between 2021 and 2024
        micro = "m07-f" if i % 2 else "m01-f"
        set_rows(c, "2024", model_type=micro)
        if i % 4 == 0:
            filings[c]["2024"] = [r for r in filings[c]["2024"] if r[col["rubric_code"]] != "70"]
        cases["model_changed"].append(c)
    for c in full_years[54:64]:  # an NM1 acquisition value, never read
        row = list(filings[c]["2023"][0])
        row[col["rubric_code"]], row[col["period"]], row[col["value"]] = "8169", "NM1", "999999999"
        filings[c]["2023"].append(row)
        cases["nm1_acquisition"].append(c)
    for c in full_years[64:74]:  # deposited after a cutoff of 2025-09-30
        set_rows(c, "2024", deposit_date="2025-12-01")
        cases["after_cutoff"].append(c)
    for c in full_years[74:80]:  # deposited on the cutoff day itself: used
        set_rows(c, "2024", deposit_date="2025-09-30")
        cases["on_cutoff_day"].append(c)
    for c in full_years[80:86]:  # 2019 and 2020 missing: 2020's comparatives stand for 24 months
        filings[c]["2019"], filings[c]["2020"] = [], []
        cases["comparatives_24_months"].append(c)
    for c in full_years[86:92]:  # the same after an 11-month 2018: 25 months, so 12 are assumed
        filings[c]["2019"], filings[c]["2020"] = [], []
        set_rows(c, "2018", exercise_end="2018-11-30")
        cases["comparatives_25_months"].append(c)
    with open(f"{target}/accounts/planted.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for c in sorted(set(sum(cases.values(), []))):
            for y in sorted(filings[c]):
                w.writerows(filings[c][y])
    planted_companies = set(sum(cases.values(), []))
    for name, rows in files.items():
        with open(f"{target}/accounts/{name}", "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(r for r in rows if digits(r[col["enterprise_number"]]) not in planted_companies)
    # Member lists.
    with open(f"{target}/clusters/members.csv", encoding="utf-8") as f:
        members = list(csv.DictReader(f))
    for m in members:
        m["member_type"] = ""
    dotted = lambda c: f"{c[:4]}.{c[4:7]}.{c[7:]}"
    periods = [
        [("", "")],                                     # always
        [("2015-01-01", "2019-06-30"), ("2023-03-01", "")],  # left before B, rejoined: an entrant
        [("2014-05-01", "2022-12-31"), ("2023-01-01", "")],  # two periods that meet
        [("2016-01-01", "2024-01-01")],                 # ends on the cohort date itself: a member
        [("2024-01-01", "")],                           # starts on the cohort date itself: a member
        [("2024-01-02", "")],                           # starts the day after: not a member
        [("2012-01-01", "2023-12-31")],                 # left the day before: a leaver
        [("2018-01-01", ""), ("2018-01-01", "")],       # an exact duplicate row
        [("2019-01-01", "2024-06-30"), ("2020-01-01", "")],  # overlapping periods
        [("", "2020-12-31"), ("2022-01-01", "2023-12-31")],  # out on both dates
    ]
    for i, c in enumerate(planted):
        cluster = CLUSTERS[i % len(CLUSTERS)]
        kind = "company" if i % 23 else rng.choice(["federation", "knowledge_institution", "other"])
        for start, end in periods[i % len(periods)]:
            members.append({"cluster_id": cluster, "enterprise_number": dotted(c), "member_from": start, "member_to": end,
                            "name": f"Planted {c}", "member_type": kind})
        if i % 9 == 0:  # also listed by a second cluster, always
            members.append({"cluster_id": CLUSTERS[(i + 3) % len(CLUSTERS)], "enterprise_number": dotted(c), "member_from": "",
                            "member_to": "", "name": f"Planted {c}", "member_type": "company"})
    register = set()
    with open(f"{target}/kbo/enterprise.csv", encoding="utf-8") as f:
        register = {r["EnterpriseNumber"].replace(".", "") for r in csv.DictReader(f)}
    unknown = [n for n in (check_digits(f"{rng.randrange(1000000, 2000000):08d}") for _ in range(100)) if n not in register and n not in filings][:5]
    for i, c in enumerate(unknown):
        members.append({"cluster_id": CLUSTERS[i], "enterprise_number": c, "member_from": "", "member_to": "", "name": "Not registered",
                        "member_type": "company"})
    with open(f"{target}/clusters/members.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["cluster_id", "enterprise_number", "member_from", "member_to", "name", "member_type"],
                           lineterminator="\n")
        w.writeheader()
        w.writerows(members)
    print(", ".join(f"{k}: {len(v)}" for k, v in cases.items()) + f"; {len(planted)} planted members, {len(unknown)} unregistered")


if __name__ == "__main__":
    main()
