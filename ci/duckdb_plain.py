#!/usr/bin/env python3
"""The performance peer a statistician would pick instead of cpi: one plain DuckDB script that
computes the core indicators (CPI 6, 7 and 8 per cluster and for all clusters together) from
the same published files: the KBO CSVs, the long-form account CSVs and the member list.

It is written the obvious way, as one would from the fiches, and not with cpi's rules (no
rubric-level fallbacks beyond FTE, no NACE choice, no breakdowns, no disclosure control, no
input checks or rejects), so its values differ from cpi's: only its time is compared.

usage: duckdb_plain.py INPUT_DIR YEAR OUTPUT_JSON
"""
import json
import pathlib
import sys
import time

import duckdb

SCRIPT = """
CREATE TABLE seat AS
SELECT EntityNumber AS enterprise_number, TRY_CAST(Zipcode AS INT) AS postcode
FROM read_csv('{input}/kbo/address.csv', all_varchar = true)
WHERE TypeOfAddress = 'REGO' AND CountryNL IS NULL;

-- Flemish postcodes: 1500-3999 and 8000-9999.
CREATE TABLE flemish AS
SELECT enterprise_number FROM seat
WHERE postcode BETWEEN 1500 AND 3999 OR postcode BETWEEN 8000 AND 9999;

CREATE TABLE account AS
SELECT lpad(regexp_replace(enterprise_number, '[^0-9]', '', 'g'), 10, '0') AS digits, *
FROM read_csv('{input}/accounts/*.csv', all_varchar = true);

-- The latest deposit of each exercise, and the exercise's calendar year.
CREATE TABLE filing AS
SELECT substr(digits, 1, 4) || '.' || substr(digits, 5, 3) || '.' || substr(digits, 8, 3) AS enterprise_number,
       year(CAST(exercise_end AS DATE)) AS year, rubric_code, CAST(value AS DOUBLE) AS value
FROM account
WHERE period = 'N'
QUALIFY reference_number = max_by(reference_number, deposit_date) OVER (PARTITION BY digits, exercise_end);

CREATE TABLE figures AS
SELECT enterprise_number, year,
       sum(value) FILTER (WHERE rubric_code = '70') AS turnover,
       coalesce(sum(value) FILTER (WHERE rubric_code = '1003'), sum(value) FILTER (WHERE rubric_code = '9087')) AS fte,
       coalesce(sum(value) FILTER (WHERE rubric_code = '8169'), sum(value) FILTER (WHERE rubric_code IN ('8161', '8162', '8163', '8164', '8165', '8166')), 0)
         + coalesce(sum(value) FILTER (WHERE rubric_code = '8029'), 0) AS investment
FROM filing GROUP BY ALL;

CREATE TABLE member AS
SELECT DISTINCT cluster_id,
       substr(d, 1, 4) || '.' || substr(d, 5, 3) || '.' || substr(d, 8, 3) AS enterprise_number
FROM (SELECT *, lpad(regexp_replace(enterprise_number, '[^0-9]', '', 'g'), 10, '0') AS d
      FROM read_csv('{input}/clusters/members.csv', all_varchar = true))
WHERE (member_from IS NULL OR CAST(member_from AS DATE) <= DATE '{year}-01-01')
  AND (member_to IS NULL OR CAST(member_to AS DATE) >= DATE '{year}-01-01');
INSERT INTO member SELECT DISTINCT 'ALL', enterprise_number FROM member;

CREATE TABLE panel AS
SELECT enterprise_number,
       max(turnover) FILTER (WHERE year = {base}) AS turnover_base, max(turnover) FILTER (WHERE year = {year}) AS turnover_end,
       max(fte) FILTER (WHERE year = {base}) AS fte_base, max(fte) FILTER (WHERE year = {year}) AS fte_end,
       sum(investment) FILTER (WHERE year BETWEEN {year} - 4 AND {year}) AS investment
FROM figures GROUP BY enterprise_number;

CREATE TABLE flanders AS
SELECT sum(turnover_end) FILTER (WHERE turnover_base IS NOT NULL) / sum(turnover_base) FILTER (WHERE turnover_end IS NOT NULL) - 1 AS turnover_growth,
       sum(fte_end) FILTER (WHERE fte_base IS NOT NULL) / sum(fte_base) FILTER (WHERE fte_end IS NOT NULL) - 1 AS fte_growth,
       sum(investment) AS investment
FROM panel JOIN flemish USING (enterprise_number);

CREATE TABLE result AS
SELECT m.cluster_id,
       100 * (sum(p.turnover_end) FILTER (WHERE p.turnover_base IS NOT NULL) / sum(p.turnover_base) FILTER (WHERE p.turnover_end IS NOT NULL) - 1
              - any_value(f.turnover_growth)) AS cpi7_gap_pp,
       100 * (sum(p.fte_end) FILTER (WHERE p.fte_base IS NOT NULL) / sum(p.fte_base) FILTER (WHERE p.fte_end IS NOT NULL) - 1
              - any_value(f.fte_growth)) AS cpi8_gap_pp,
       sum(p.investment) FILTER (WHERE fl.enterprise_number IS NOT NULL) AS cpi6_investment,
       sum(p.investment) FILTER (WHERE fl.enterprise_number IS NOT NULL) / any_value(f.investment) AS cpi6_share
FROM member m
JOIN panel p USING (enterprise_number)
LEFT JOIN flemish fl USING (enterprise_number)
CROSS JOIN flanders f
GROUP BY m.cluster_id
ORDER BY m.cluster_id;
"""


def main() -> None:
    input_dir, year, out = pathlib.Path(sys.argv[1]).resolve(), int(sys.argv[2]), pathlib.Path(sys.argv[3])
    started = time.monotonic()
    con = duckdb.connect()
    con.execute(SCRIPT.format(input=input_dir, year=year, base=year - 3))
    rows = con.execute("SELECT * FROM result").fetchall()
    out.write_text(json.dumps({"seconds": time.monotonic() - started, "rows": rows}, default=str))


if __name__ == "__main__":
    main()
