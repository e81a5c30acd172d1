#!/usr/bin/env python3
"""The cpi method run by DuckDB: the sql/ files unchanged, after the inputs are registered as
tables with the names and columns cpi gives them. Used by ci/benchmark.py as the performance
peer and as an independent cross-check of the indicator values.

The input checks that cpi does in Rust (enterprise-number normalisation and mod-97 check,
dates, decimals, exercise length) are written here in DuckDB SQL, for inputs that are valid as
`cpi generate` writes them (the benchmark's inputs); rejects are not reported.

usage: duckdb_method.py INPUT_DIR YEAR OUTPUT_JSON [--threads N]
"""
import json
import pathlib
import sys
import time
import tomllib

import duckdb

ROOT = pathlib.Path(__file__).resolve().parent.parent
KBO = {
    "kbo_enterprise": ("enterprise.csv", ["enterprise_number", "status", "juridical_situation", "type_of_enterprise", "juridical_form", "juridical_form_cac", "start_date"]),
    "kbo_establishment": ("establishment.csv", ["establishment_number", "start_date", "enterprise_number"]),
    "kbo_activity": ("activity.csv", ["entity_number", "activity_group", "nace_version", "nace_code", "classification"]),
    "kbo_address": ("address.csv", ["entity_number", "type_of_address", "country_nl", "country_fr", "zipcode", "municipality_nl", "municipality_fr", "street_nl", "street_fr", "house_number", "box", "extra_address_info", "date_striking_off"]),
    "kbo_code": ("code.csv", ["category", "code", "language", "description"]),
}
# Enterprise number as written -> 0123.456.789 (digits only, leading zero restored).
NORMALISE = "(lpad(regexp_replace(upper({c}), '[^0-9]', '', 'g'), 10, '0'))"
DOTTED = "(substr({d}, 1, 4) || '.' || substr({d}, 5, 3) || '.' || substr({d}, 8, 3))"
VALID = "(length({d}) = 10 AND 97 - CAST(substr({d}, 1, 8) AS BIGINT) % 97 = CAST(substr({d}, 9, 2) AS INT))"


def csv(path: pathlib.Path, columns: list[str]) -> str:
    cols = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in columns) + "}"
    return f"read_csv('{path}', header = true, columns = {cols}, quote = '\"', escape = '\"', delim = ',', nullstr = '')"


def register(con: duckdb.DuckDBPyConnection, input_dir: pathlib.Path, year: int) -> None:
    config = tomllib.loads((ROOT / "config/default.toml").read_text())
    kbo = input_dir / "kbo"
    for table, (file, columns) in KBO.items():
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM {csv(kbo / file, columns)}")

    account_files = sorted(p for p in (input_dir / "accounts").rglob("*") if p.suffix in (".csv", ".parquet"))
    con.execute("CREATE TABLE account_files (file_id INT, file VARCHAR)")
    con.executemany("INSERT INTO account_files VALUES (?, ?)", [(i, str(p)) for i, p in enumerate(account_files)])
    sources = []
    for i, p in enumerate(account_files):
        reader = f"read_parquet('{p}')" if p.suffix == ".parquet" else f"read_csv('{p}', header = true, all_varchar = true)"
        sources.append(f"SELECT *, {i} AS file_id, row_number() OVER () + 1 AS line FROM {reader}")
    digits = NORMALISE.format(c="enterprise_number")
    con.execute(f"""
        CREATE TABLE account_rows AS
        SELECT {DOTTED.format(d='d')} AS enterprise_number, reference_number,
               CAST(deposit_date AS DATE) AS deposit_date, CAST(exercise_start AS DATE) AS exercise_start,
               CAST(exercise_end AS DATE) AS exercise_end,
               CAST(round((CAST(exercise_end AS DATE) - CAST(exercise_start AS DATE) + 1) / (365.25 / 12)) AS INT) AS exercise_months,
               model_type, rubric_code, period, CAST(value AS DECIMAL(38, 4)) AS value, file_id, CAST(line AS BIGINT) AS line
        FROM (SELECT *, {digits} AS d FROM ({' UNION ALL '.join(sources)}))
        WHERE {VALID.format(d='d')}""")
    con.execute("""
        CREATE TABLE account_filings AS
        SELECT enterprise_number, reference_number, deposit_date, exercise_start, exercise_end, exercise_months,
               min(model_type) AS model_type, min(file_id) AS file_id, min(line) AS line
        FROM account_rows GROUP BY ALL""")
    con.execute("CREATE VIEW accounts AS SELECT enterprise_number, reference_number, rubric_code, period, value, file_id, line FROM account_rows")

    con.execute(f"CREATE TABLE clusters AS SELECT cluster_id, name AS cluster_name, TRY_CAST(support_start AS DATE) AS support_start, TRY_CAST(support_end AS DATE) AS support_end FROM read_csv('{input_dir}/clusters/clusters.csv', header = true, all_varchar = true)")
    member_files = [str(p) for p in sorted((input_dir / "clusters").rglob("*.csv")) if p.name != "clusters.csv"]
    members = " UNION ALL ".join(f"SELECT * FROM read_csv('{p}', header = true, all_varchar = true)" for p in member_files)
    con.execute(f"""
        CREATE TABLE members AS
        SELECT DISTINCT cluster_id, {DOTTED.format(d='d')} AS enterprise_number,
               CAST(member_from AS DATE) AS member_from, CAST(member_to AS DATE) AS member_to
        FROM (SELECT *, {NORMALISE.format(c='enterprise_number')} AS d FROM ({members}))
        WHERE {VALID.format(d='d')} AND regexp_full_match(trim(enterprise_number), '(BE)? ?[0-9. ]+')""")
    totals = input_dir / "totals/flanders.csv"
    if totals.exists():
        con.execute(f"CREATE TABLE official_totals AS SELECT CAST(year AS INT) AS year, measure, CAST(value AS DECIMAL(38, 4)) AS value, source FROM read_csv('{totals}', header = true, all_varchar = true)")
    else:
        con.execute("CREATE TABLE official_totals (year INT, measure VARCHAR, value DECIMAL(38, 4), source VARCHAR)")

    con.execute(f"""CREATE TABLE rubric_map AS
        SELECT measure, kind, missing_value, CAST(priority AS INT) AS priority, rubric_code,
               CASE sign WHEN '-' THEN -1 ELSE 1 END AS sign, selects_level = 'yes' AS selects_level
        FROM read_csv('{ROOT}/config/rubric_map.csv', header = true, all_varchar = true)""")
    con.execute(f"""CREATE TABLE postcode_region AS
        SELECT CAST(p.range AS INT) AS postcode, province, region
        FROM read_csv('{ROOT}/config/postcode_provinces.csv', header = true, all_varchar = true) m,
             range(CAST(m.postcode_from AS INT), CAST(m.postcode_to AS INT) + 1) p""")
    con.execute(f"""CREATE TABLE nace_division_section AS
        SELECT m.nace_version, CAST(d.range AS INT) AS division, m.section
        FROM read_csv('{ROOT}/config/nace_sections.csv', header = true, all_varchar = true) m,
             range(CAST(m.division_from AS INT), CAST(m.division_to AS INT) + 1) d""")
    for table, key, bounds in [("size_class_of", "fte_floor", config["breakdowns"]["size_class_bounds"]),
                               ("age_class_of", "age", config["breakdowns"]["age_class_bounds"])]:
        con.execute(f"CREATE TABLE {table} ({key} INT, class VARCHAR)")
        label = lambda v: next((f"0-{b - 1}" if i == 0 else f"{bounds[i - 1]}-{b - 1}" for i, b in enumerate(bounds) if v < b), f"{bounds[2]}+")
        con.executemany(f"INSERT INTO {table} VALUES (?, ?)", [(v, label(v)) for v in range(bounds[2] + 1)])
    reg = config["register"]
    con.execute("CREATE TABLE nace_version_preference (nace_version VARCHAR, preference INT)")
    con.executemany("INSERT INTO nace_version_preference VALUES (?, ?)", [(v, i + 1) for i, v in enumerate(reg["nace_versions"])])
    con.execute("CREATE TABLE activity_group_preference (activity_group VARCHAR, preference INT)")
    con.executemany("INSERT INTO activity_group_preference VALUES (?, ?)", [(g, i + 1) for i, g in enumerate(reg["activity_groups"])])
    g, inv, acc, w = config["growth"], config["investment"], config["accounts"], config["warnings"]
    sb, ab, d = config["breakdowns"]["size_class_bounds"], config["breakdowns"]["age_class_bounds"], config["disclosure"]
    con.execute(f"""
        CREATE TABLE params AS SELECT
          {year} AS reference_year, {year - g['window_years']} AS base_year, {year} AS end_year,
          {g['window_years']} AS growth_years, {year - inv['window_years'] + 1} AS window_start, {year} AS window_end,
          make_date({year}, {config['cohort']['month']}, {config['cohort']['day']}) AS cohort_date,
          make_date({year - g['window_years']}, {config['cohort']['month']}, {config['cohort']['day']}) AS base_cohort_date,
          '{acc['period']}' AS period, '{reg['label_language']}' AS label_language,
          {w['min_coverage']} AS min_coverage, {w['min_sample_firms']} AS min_sample_firms,
          {w['max_official_gap_pp']} AS max_official_gap_pp,
          {sb[0]} AS size_bound_1, {sb[1]} AS size_bound_2, {sb[2]} AS size_bound_3,
          {ab[0]} AS age_bound_1, {ab[1]} AS age_bound_2, {ab[2]} AS age_bound_3,
          {d['min_firms']} AS min_cell_firms, {d['max_firm_share']} AS max_firm_share,
          {config['comparison']['min_controls']} AS min_controls""")
    con.execute("CREATE TABLE province_change (postcode INT, province_before VARCHAR, from_year INT)")
    for c in config["breakdowns"]["province_changes"]:
        con.execute("INSERT INTO province_change VALUES (?, ?, ?)", [c["postcode"], c["province_before"], c["from_year"]])


def main() -> None:
    input_dir, year, out = pathlib.Path(sys.argv[1]).resolve(), int(sys.argv[2]), pathlib.Path(sys.argv[3])
    threads = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else None
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {threads}")
    started = time.monotonic()
    register(con, input_dir, year)
    for step in sorted((ROOT / "sql").glob("*.sql")):
        con.execute(step.read_text())
    results = {}
    for table in ["output_cpi6_investment", "output_cpi7_turnover", "output_cpi8_employment", "output_productivity", "output_cpi_breakdowns"]:
        rel = con.execute(f"SELECT * FROM {table}")
        columns = [d[0] for d in rel.description]
        results[table] = [dict(zip(columns, row)) for row in rel.fetchall()]
    seconds = time.monotonic() - started
    out.write_text(json.dumps({"seconds": seconds, "results": results}, default=str))


if __name__ == "__main__":
    main()
