-- scope: per_year
-- reads: company, register_counted, growth_panel, base_end_figures, investment_panel, growth_status, cohort_company, data_vintage, disclosure_status, params
-- creates: year_count, year_counts
-- publishes: year_counts
--
-- Step 85: what the rules of step 28 changed in reference year T, counted for manifest.json
-- (a long table: name, reference year, value; manifest.json keys each as <year>.<name>): how many companies, and how much
-- of the benchmarks' base value, come from companies absent from the register snapshot or
-- placed by their filing (METHODOLOGY.md section 4b), and how many Flemish companies the
-- population table leaves out of the benchmarks (section 4a). Amounts in whole euro, FTE in
-- whole FTE (rounded half away from zero). manifest.json is published with the outputs, so each
-- amount is a cell like any other, given only when step 75 publishes it (section 9a; the rules
-- are written there only): the benchmark's is its Flemish cell of the table (cpi7, cpi8, cpi6),
-- the part of the companies absent from the register a cell of its own (manifest_<indicator>);
-- else only the number of companies.

CREATE VIEW year_count AS
WITH contribution AS (
  -- every company of a Flemish benchmark with what it adds to the benchmark's base: its base
  -- turnover (CPI 7) or FTE (CPI 8) in the constant sample, its investment over the window (CPI 6)
  SELECT CASE g.measure WHEN 'turnover' THEN 'cpi7' ELSE 'cpi8' END AS indicator, c.in_register, g.value_base AS value
  FROM growth_panel g
  JOIN company c ON c.enterprise_number = g.enterprise_number
  WHERE c.in_benchmark AND g.value_base IS NOT NULL AND g.value_end IS NOT NULL
  UNION ALL
  SELECT 'cpi6', c.in_register, i.investment_eur
  FROM investment_panel i
  JOIN company c ON c.enterprise_number = i.enterprise_number
  -- CPI 6's Flanders: the benchmark's and the members' classes (step 50)
  WHERE c.in_share_benchmark AND i.investment_years > 0
), by_register AS (
  -- (the companies counted once, by indicator and register presence: six rows, not a
  -- million, go into the two parts below)
  SELECT indicator, in_register, count(*) AS firms, sum(value) AS total
  FROM contribution
  GROUP BY indicator, in_register
), cell AS (
  -- each indicator twice: the whole benchmark (part '') and its companies absent from the
  -- register, with the cell of step 75 that decides whether its amount is given
  SELECT i.indicator, i.amount, p.part,
         CASE WHEN p.part = '' THEN i.indicator ELSE 'manifest_' || i.indicator END AS tbl,
         CASE WHEN p.part = '' THEN 'total' ELSE 'absent_from_register' END AS dimension,
         coalesce(sum(x.firms), 0) AS firms, sum(x.total) AS total
  FROM (VALUES ('cpi7', 'base_eur'), ('cpi8', 'base_fte'), ('cpi6', 'investment_eur')) AS i(indicator, amount)
  CROSS JOIN (VALUES (''), ('_absent_from_register')) AS p(part)
  LEFT JOIN by_register x ON x.indicator = i.indicator AND (p.part = '' OR NOT x.in_register)
  GROUP BY i.indicator, i.amount, p.part
), flemish AS (
  -- the companies seated in Flanders with the indicator's figures, whatever their population
  -- or register presence: while there are any, the Flemish benchmark cannot be empty (the run
  -- stops if it is, pipeline/src/guards.rs)
  SELECT CASE g.measure WHEN 'turnover' THEN 'cpi7' ELSE 'cpi8' END AS indicator, count(*) AS firms
  FROM growth_panel g
  JOIN company c ON c.enterprise_number = g.enterprise_number
  WHERE c.region = 'Flanders' AND g.value_base IS NOT NULL AND g.value_end IS NOT NULL
  GROUP BY g.measure
  UNION ALL
  SELECT 'cpi6', count(*)
  FROM investment_panel i
  JOIN company c ON c.enterprise_number = i.enterprise_number
  WHERE c.region = 'Flanders' AND i.investment_years > 0
)
SELECT 'companies_absent_from_register_included' AS name, count(*) AS value FROM company WHERE NOT in_register
UNION ALL SELECT 'companies_seat_from_filing', count(*) FROM company WHERE seat_source = 'filing'
-- (only a seat taken from a filing can differ from the register's: step 28 copies the rest,
-- so the register is probed with those companies alone)
UNION ALL SELECT 'companies_region_differs_from_register', count(*)
  FROM (SELECT enterprise_number, region FROM company WHERE seat_source = 'filing') c
  JOIN register_counted r ON r.enterprise_number = c.enterprise_number
  WHERE c.region <> r.region
UNION ALL SELECT 'companies_activity_from_filing', count(*) FROM company WHERE nace_source = 'filing'
UNION ALL SELECT 'companies_in_flanders_outside_benchmark_population', count(*)
  FROM company WHERE region = 'Flanders' AND NOT in_benchmark
-- the members on the cohort date (each once) and how many of them the register holds: a
-- register that holds none of them stops the run (guards.rs)
UNION ALL SELECT 'cohort_members', count(*) FROM cohort_company WHERE cluster_id = 'ALL'
UNION ALL SELECT 'cohort_members_in_register', count(*) FROM cohort_company WHERE cluster_id = 'ALL' AND in_register
UNION ALL SELECT i.indicator || '_flemish_companies', coalesce(sum(f.firms), 0)
  FROM (VALUES ('cpi6'), ('cpi7'), ('cpi8')) AS i(indicator)
  LEFT JOIN flemish f ON f.indicator = i.indicator
  GROUP BY i.indicator
-- 1 while reference year T is provisional: the data's vintage (step 20) is fewer than
-- accounts.complete_after_months whole months after the end of T (the NBB's filing deadline, 7
-- months after the year end, and a margin for late deposits: METHODOLOGY.md section 3); the
-- report says so beside T's figures. Whole months, counted from 1 January of T + 1.
UNION ALL SELECT 'reference_year_provisional',
  CASE WHEN (CAST(date_part('year', v.vintage) AS INT) - (p.reference_year + 1)) * 12 + CAST(date_part('month', v.vintage) AS INT) - 1
            < p.complete_after_months THEN 1 ELSE 0 END
  FROM data_vintage v CROSS JOIN params p
-- company-years of B and T whose turnover came from the VAT file (growth.turnover_from_vat,
-- step 40), per source: turnover_from_vat_<source>
UNION ALL SELECT 'turnover_from_vat_' || source, count(*)
  FROM (SELECT turnover_base_vat_source AS source FROM base_end_figures WHERE turnover_base_vat_source IS NOT NULL
        UNION ALL
        SELECT turnover_end_vat_source FROM base_end_figures WHERE turnover_end_vat_source IS NOT NULL) v
  GROUP BY source
UNION ALL SELECT 'members_absent_from_register_in_samples', count(DISTINCT enterprise_number)
  FROM growth_status WHERE cluster_id = 'ALL' AND exclusion_reason IS NULL AND NOT in_register
-- cpi7_benchmark_firms, cpi7_benchmark_firms_absent_from_register, ...: always
UNION ALL SELECT indicator || '_benchmark_firms' || part, firms FROM cell
-- cpi7_benchmark_base_eur, cpi7_benchmark_base_eur_absent_from_register, ...: when step 75
-- publishes the cell
UNION ALL SELECT c.indicator || '_benchmark_' || c.amount || c.part, CAST(round(c.total) AS BIGINT)
  FROM cell c
  JOIN disclosure_status s
    ON s.tbl = c.tbl AND s.cluster_id = '(Flanders)' AND s.dimension = c.dimension AND s.category = c.dimension
  WHERE c.firms > 0 AND s.suppressed_reason IS NULL;

CREATE VIEW year_counts AS
SELECT c.name, p.reference_year, c.value FROM year_count c CROSS JOIN params p;
