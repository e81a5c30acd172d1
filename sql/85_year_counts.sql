-- scope: per_year
-- reads: company, register_company, growth_panel, investment_panel, growth_status, params
-- creates: year_counts
-- publishes: year_counts
--
-- Step 85: what the rules of step 28 changed in reference year T, counted for manifest.json
-- (name, value; the runner prefixes each name with the year): how many companies, and how much
-- of the benchmarks' base value, come from companies absent from the register snapshot or
-- placed by their filing (METHODOLOGY.md section 4b), and how many Flemish companies the
-- population table leaves out of the benchmarks (section 4a). Amounts in whole euro, FTE in
-- whole FTE (rounded half away from zero). manifest.json is published with the outputs, so each
-- amount (the benchmark's, and the part of the companies absent from the register) is a cell
-- like any other: it is given only when it holds at least disclosure.min_firms companies and its
-- largest company holds no more than disclosure.max_firm_share of it (section 9a's primary
-- rules); else only the number of companies.

CREATE VIEW year_counts AS
WITH flemish_growth AS (
  SELECT g.measure, c.in_register, g.value_base
  FROM growth_panel g
  JOIN company c ON c.enterprise_number = g.enterprise_number
  WHERE c.in_benchmark AND g.value_base IS NOT NULL AND g.value_end IS NOT NULL
), flemish_investment AS (
  SELECT c.in_register, i.investment_eur
  FROM investment_panel i
  JOIN company c ON c.enterprise_number = i.enterprise_number
  WHERE c.in_benchmark
), amount AS (
  SELECT 'cpi7_benchmark_base_eur' AS name, count(*) AS firms, sum(value_base) AS total, max(abs(value_base)) AS top1
  FROM flemish_growth WHERE measure = 'turnover'
  UNION ALL
  SELECT 'cpi7_benchmark_base_eur_absent_from_register', count(*), sum(value_base), max(abs(value_base))
  FROM flemish_growth WHERE measure = 'turnover' AND NOT in_register
  UNION ALL
  SELECT 'cpi8_benchmark_base_fte', count(*), sum(value_base), max(abs(value_base))
  FROM flemish_growth WHERE measure = 'fte'
  UNION ALL
  SELECT 'cpi8_benchmark_base_fte_absent_from_register', count(*), sum(value_base), max(abs(value_base))
  FROM flemish_growth WHERE measure = 'fte' AND NOT in_register
  UNION ALL
  SELECT 'cpi6_benchmark_investment_eur', count(*), sum(investment_eur), max(abs(investment_eur))
  FROM flemish_investment
  UNION ALL
  SELECT 'cpi6_benchmark_investment_eur_absent_from_register', count(*), sum(investment_eur), max(abs(investment_eur))
  FROM flemish_investment WHERE NOT in_register
)
SELECT 'companies_absent_from_register_included' AS name, count(*) AS value FROM company WHERE NOT in_register
UNION ALL SELECT 'companies_seat_from_filing', count(*) FROM company WHERE seat_source = 'filing'
UNION ALL SELECT 'companies_region_differs_from_register', count(*)
  FROM company c JOIN register_company r ON r.enterprise_number = c.enterprise_number
  WHERE c.region <> r.region
UNION ALL SELECT 'companies_activity_from_filing', count(*) FROM company WHERE nace_source = 'filing'
UNION ALL SELECT 'companies_in_flanders_outside_benchmark_population', count(*)
  FROM company WHERE region = 'Flanders' AND NOT in_benchmark
UNION ALL SELECT 'cpi7_benchmark_firms', count(*) FROM flemish_growth WHERE measure = 'turnover'
UNION ALL SELECT 'cpi7_benchmark_firms_absent_from_register', count(*) FROM flemish_growth WHERE measure = 'turnover' AND NOT in_register
UNION ALL SELECT 'cpi8_benchmark_firms', count(*) FROM flemish_growth WHERE measure = 'fte'
UNION ALL SELECT 'cpi8_benchmark_firms_absent_from_register', count(*) FROM flemish_growth WHERE measure = 'fte' AND NOT in_register
UNION ALL SELECT 'cpi6_benchmark_firms', count(*) FROM flemish_investment
UNION ALL SELECT 'cpi6_benchmark_firms_absent_from_register', count(*) FROM flemish_investment WHERE NOT in_register
UNION ALL SELECT 'members_absent_from_register_in_samples', count(DISTINCT enterprise_number)
  FROM growth_status WHERE cluster_id = 'ALL' AND exclusion_reason IS NULL AND NOT in_register
UNION ALL SELECT a.name, CAST(round(a.total) AS BIGINT)
  FROM amount a
  WHERE a.firms >= (SELECT min_cell_firms FROM params)
    AND CAST(a.top1 AS DOUBLE) <= (SELECT max_firm_share FROM params) * CAST(a.total AS DOUBLE);
