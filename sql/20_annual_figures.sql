-- scope: common
-- reads: account_filings, account_value, rubric_map, settings, data_version_preference, company, input_counts
-- creates: filing, filing_status, filing_used, comparatives_source, measure_row, filing_measure_value, measure_rule, annual_figures, method_counts
-- publishes: method_counts
--
-- Step 20: annual figures per company and calendar year, from the annual accounts.

-- Every deposit once (from the blocks of rows the reader saw), in each version the NBB
-- delivered it (`AUTHENTIC`, or improved: `PDF_ENCODED`, `EURO_CONVERTED`, `CORRECTED`), with the
-- version's preference from accounts.data_versions (1 = the most improved; NULL = a version the
-- settings do not use). A deposit belongs to the calendar year of its exercise end.
CREATE VIEW filing AS
SELECT f.enterprise_number,
       f.reference_number,
       f.data_version,
       v.preference AS version_preference,
       f.deposit_date,
       f.exercise_start,
       f.exercise_end,
       f.exercise_months,
       CAST(date_part('year', f.exercise_end) AS INT) AS year
FROM account_filings f
LEFT JOIN data_version_preference v ON v.data_version = f.data_version
GROUP BY f.enterprise_number, f.reference_number, f.data_version, v.preference, f.deposit_date, f.exercise_start, f.exercise_end, f.exercise_months;

-- Which deposit is used:
--  * a version of the data the settings do not list is not used;
--  * several deposits for the same company and exercise end: the latest deposit wins
--    (refiled corrections); ties broken by the highest reference number;
--  * several exercises ending in the same calendar year (e.g. after a change of closing
--    date): the one that ends last;
--  * of the versions of the deposit chosen, the most improved.
-- Each choice is a maximum or minimum per group (ISO dates sort as text), so no sort is needed.
CREATE TABLE filing_status AS
WITH usable AS (
  SELECT * FROM filing WHERE version_preference IS NOT NULL
), latest_deposit AS (
  SELECT enterprise_number, exercise_end,
         max(CAST(deposit_date AS VARCHAR) || '|' || reference_number) AS deposit_key
  FROM usable
  GROUP BY enterprise_number, exercise_end
), last_exercise AS (
  SELECT enterprise_number, year, max(exercise_end) AS exercise_end
  FROM usable
  GROUP BY enterprise_number, year
), best_version AS (
  SELECT enterprise_number, reference_number, min(version_preference) AS version_preference
  FROM usable
  GROUP BY enterprise_number, reference_number
)
SELECT f.enterprise_number, f.reference_number, f.data_version, f.deposit_date, f.exercise_start, f.exercise_end,
       f.exercise_months, f.year,
       CASE WHEN f.version_preference IS NULL THEN 'data_version_not_used'
            WHEN CAST(f.deposit_date AS VARCHAR) || '|' || f.reference_number <> d.deposit_key
              THEN 'superseded_by_later_deposit'
            WHEN f.exercise_end <> y.exercise_end THEN 'other_exercise_same_year'
            WHEN f.version_preference <> b.version_preference THEN 'superseded_by_improved_version'
            ELSE 'used' END AS status
FROM filing f
LEFT JOIN latest_deposit d ON d.enterprise_number = f.enterprise_number AND d.exercise_end = f.exercise_end
LEFT JOIN last_exercise y ON y.enterprise_number = f.enterprise_number AND y.year = f.year
LEFT JOIN best_version b ON b.enterprise_number = f.enterprise_number AND b.reference_number = f.reference_number;

CREATE VIEW filing_used AS
SELECT * FROM filing_status WHERE status = 'used';

-- Years without a filing (accounts.comparatives_fill_missing_years, with period N): a
-- company-year with no used filing takes the comparatives (NM1) of the company's used filing
-- whose exercise starts the day after that year's exercise ends, i.e. the comparatives stand for
-- the calendar year of (exercise_start - 1 day). They never replace a filing of the year itself.
-- Two used filings starting in the same year (rare): the one that starts first.
CREATE VIEW comparatives_source AS
WITH candidate AS (
  SELECT f.enterprise_number,
         CAST(date_part('year', f.exercise_start - INTERVAL '1 day') AS INT) AS year,
         min(CAST(f.exercise_start AS VARCHAR) || '|' || f.reference_number || '|' || f.data_version) AS source_key
  FROM filing_used f
  CROSS JOIN settings s
  WHERE s.comparatives_fill_missing_years AND s.period = 'N'
  GROUP BY f.enterprise_number, CAST(date_part('year', f.exercise_start - INTERVAL '1 day') AS INT)
)
SELECT c.enterprise_number,
       c.year,
       split_part(c.source_key, '|', 2) AS reference_number,
       split_part(c.source_key, '|', 3) AS data_version,
       CAST(split_part(c.source_key, '|', 1) AS DATE) AS next_exercise_start
FROM candidate c
WHERE NOT EXISTS (SELECT 1 FROM filing_used o WHERE o.enterprise_number = c.enterprise_number AND o.year = c.year);

-- The values a company-year is computed from: the configured period (N) of every filing, and
-- the comparatives (NM1) of the filings that fill a missing year.
CREATE VIEW measure_row AS
SELECT a.enterprise_number, a.reference_number, a.data_version, 'own' AS source, a.rubric_code, a.value
FROM account_value a
JOIN settings p ON a.period = p.period
UNION ALL
SELECT a.enterprise_number, a.reference_number, a.data_version, 'comparatives' AS source, a.rubric_code, a.value
FROM account_value a
JOIN comparatives_source c
  ON c.enterprise_number = a.enterprise_number AND c.reference_number = a.reference_number AND c.data_version = a.data_version
WHERE a.period = 'NM1';

-- A measure takes the most preferred rubric level that the filing reports: a level counts as
-- reported when the filing reports one of the level's rubrics marked selects_level (for most
-- measures every rubric; for value added the model's own total, 70/76A in the full model and
-- 9900 in the abbreviated and micro models). The level's value is the signed sum of its
-- rubrics that the filing reports (e.g. FTE = 1003, else 9087; tangible investment = 8169,
-- else the sum of 8161..8166; value added = 70/76A - 76A - 60 - 61 - 740 + 1521 + 1522, else
-- 9900 - 76A). Two levels at most: each level is two aggregates per filing, and the
-- aggregation over all filings is one of the two memory peaks of a run. One row per filing and
-- source of its values (its own period, or its comparatives), in one pass.
CREATE VIEW filing_measure_value AS
WITH signed AS (
  SELECT a.enterprise_number, a.reference_number, a.data_version, a.source, r.measure, r.priority, r.selects_level,
         CASE WHEN r.sign < 0 THEN -a.value ELSE a.value END AS signed_value
  FROM measure_row a
  JOIN rubric_map r ON a.rubric_code = r.rubric_code
)
SELECT a.enterprise_number,
       a.reference_number,
       a.data_version,
       a.source,
       coalesce(CASE WHEN bool_or(a.measure = 'turnover' AND a.priority = 1 AND a.selects_level)
                     THEN sum(CASE WHEN a.measure = 'turnover' AND a.priority = 1 THEN a.signed_value END) END,
                CASE WHEN bool_or(a.measure = 'turnover' AND a.priority = 2 AND a.selects_level)
                     THEN sum(CASE WHEN a.measure = 'turnover' AND a.priority = 2 THEN a.signed_value END) END) AS turnover,
       coalesce(CASE WHEN bool_or(a.measure = 'fte' AND a.priority = 1 AND a.selects_level)
                     THEN sum(CASE WHEN a.measure = 'fte' AND a.priority = 1 THEN a.signed_value END) END,
                CASE WHEN bool_or(a.measure = 'fte' AND a.priority = 2 AND a.selects_level)
                     THEN sum(CASE WHEN a.measure = 'fte' AND a.priority = 2 THEN a.signed_value END) END) AS fte,
       coalesce(CASE WHEN bool_or(a.measure = 'tangible_investment' AND a.priority = 1 AND a.selects_level)
                     THEN sum(CASE WHEN a.measure = 'tangible_investment' AND a.priority = 1 THEN a.signed_value END) END,
                CASE WHEN bool_or(a.measure = 'tangible_investment' AND a.priority = 2 AND a.selects_level)
                     THEN sum(CASE WHEN a.measure = 'tangible_investment' AND a.priority = 2 THEN a.signed_value END) END) AS tangible_investment,
       coalesce(CASE WHEN bool_or(a.measure = 'intangible_investment' AND a.priority = 1 AND a.selects_level)
                     THEN sum(CASE WHEN a.measure = 'intangible_investment' AND a.priority = 1 THEN a.signed_value END) END,
                CASE WHEN bool_or(a.measure = 'intangible_investment' AND a.priority = 2 AND a.selects_level)
                     THEN sum(CASE WHEN a.measure = 'intangible_investment' AND a.priority = 2 THEN a.signed_value END) END) AS intangible_investment,
       coalesce(CASE WHEN bool_or(a.measure = 'value_added' AND a.priority = 1 AND a.selects_level)
                     THEN sum(CASE WHEN a.measure = 'value_added' AND a.priority = 1 THEN a.signed_value END) END,
                CASE WHEN bool_or(a.measure = 'value_added' AND a.priority = 2 AND a.selects_level)
                     THEN sum(CASE WHEN a.measure = 'value_added' AND a.priority = 2 THEN a.signed_value END) END) AS value_added,
       -- which level gave value added (1 = full model, 2 = abbreviated and micro models with the
       -- shipped map), counted in the manifest because the two formulas differ
       CASE WHEN bool_or(a.measure = 'value_added' AND a.priority = 1 AND a.selects_level) THEN 1
            WHEN bool_or(a.measure = 'value_added' AND a.priority = 2 AND a.selects_level) THEN 2 END AS value_added_level
FROM signed a
GROUP BY a.enterprise_number, a.reference_number, a.data_version, a.source;

-- Each measure's rules from the rubric map, as one row: flow or stock, and whether a missing
-- rubric means unknown or zero.
CREATE VIEW measure_rule AS
SELECT max(CASE WHEN measure = 'turnover' THEN kind END) AS turnover_kind,
       max(CASE WHEN measure = 'turnover' THEN missing_value END) AS turnover_missing,
       max(CASE WHEN measure = 'fte' THEN kind END) AS fte_kind,
       max(CASE WHEN measure = 'fte' THEN missing_value END) AS fte_missing,
       max(CASE WHEN measure = 'tangible_investment' THEN kind END) AS tangible_investment_kind,
       max(CASE WHEN measure = 'tangible_investment' THEN missing_value END) AS tangible_investment_missing,
       max(CASE WHEN measure = 'intangible_investment' THEN kind END) AS intangible_investment_kind,
       max(CASE WHEN measure = 'intangible_investment' THEN missing_value END) AS intangible_investment_missing,
       max(CASE WHEN measure = 'value_added' THEN kind END) AS value_added_kind,
       max(CASE WHEN measure = 'value_added' THEN missing_value END) AS value_added_missing
FROM rubric_map;

-- One row per company and year (its used filing, or the comparatives that fill the year),
-- each measure with the rules applied:
--  * no rubric reported: unknown (NULL) for turnover and FTE, zero for investments
--    (filers leave zero rubrics empty) -- the rubric map's missing_value column;
--  * flows of an exercise that is not 12 months long are scaled to 12 months and rounded to
--    the cent; stocks (FTE) are not scaled. Comparatives count as a 12-month exercise.
CREATE TABLE annual_figures AS
WITH reported AS (
  SELECT f.enterprise_number, f.year, f.reference_number, f.exercise_start, f.exercise_end, f.exercise_months,
         false AS from_comparatives,
         v.turnover, v.fte, v.tangible_investment, v.intangible_investment, v.value_added, v.value_added_level
  FROM filing_used f
  LEFT JOIN filing_measure_value v
    ON v.enterprise_number = f.enterprise_number AND v.reference_number = f.reference_number
   AND v.data_version = f.data_version AND v.source = 'own'
  UNION ALL
  SELECT c.enterprise_number, c.year, c.reference_number,
         CAST(c.next_exercise_start - INTERVAL '1 year' AS DATE) AS exercise_start,
         CAST(c.next_exercise_start - INTERVAL '1 day' AS DATE) AS exercise_end,
         12 AS exercise_months,
         true AS from_comparatives,
         v.turnover, v.fte, v.tangible_investment, v.intangible_investment, v.value_added, v.value_added_level
  FROM comparatives_source c
  -- a filing without comparatives of the rubric map's rubrics fills nothing
  JOIN filing_measure_value v
    ON v.enterprise_number = c.enterprise_number AND v.reference_number = c.reference_number
   AND v.data_version = c.data_version AND v.source = 'comparatives'
)
SELECT r.enterprise_number,
       r.year,
       r.reference_number,
       r.exercise_start,
       r.exercise_end,
       r.exercise_months,
       r.exercise_months <> 12 AS scaled_to_12_months,
       r.from_comparatives,
       CASE WHEN r.turnover IS NULL AND m.turnover_missing = 'zero' THEN CAST(0 AS DECIMAL(38, 4))
            WHEN m.turnover_kind = 'flow' AND r.exercise_months <> 12
              THEN CAST(round(CAST(r.turnover AS DOUBLE) * 12.0 / r.exercise_months, 2) AS DECIMAL(38, 4))
            ELSE r.turnover END AS turnover_eur,
       CASE WHEN r.fte IS NULL AND m.fte_missing = 'zero' THEN CAST(0 AS DECIMAL(38, 4))
            WHEN m.fte_kind = 'flow' AND r.exercise_months <> 12
              THEN CAST(round(CAST(r.fte AS DOUBLE) * 12.0 / r.exercise_months, 2) AS DECIMAL(38, 4))
            ELSE r.fte END AS fte,
       CASE WHEN r.tangible_investment IS NULL AND m.tangible_investment_missing = 'zero' THEN CAST(0 AS DECIMAL(38, 4))
            WHEN m.tangible_investment_kind = 'flow' AND r.exercise_months <> 12
              THEN CAST(round(CAST(r.tangible_investment AS DOUBLE) * 12.0 / r.exercise_months, 2) AS DECIMAL(38, 4))
            ELSE r.tangible_investment END AS tangible_investment_eur,
       CASE WHEN r.intangible_investment IS NULL AND m.intangible_investment_missing = 'zero' THEN CAST(0 AS DECIMAL(38, 4))
            WHEN m.intangible_investment_kind = 'flow' AND r.exercise_months <> 12
              THEN CAST(round(CAST(r.intangible_investment AS DOUBLE) * 12.0 / r.exercise_months, 2) AS DECIMAL(38, 4))
            ELSE r.intangible_investment END AS intangible_investment_eur,
       CASE WHEN r.value_added IS NULL AND m.value_added_missing = 'zero' THEN CAST(0 AS DECIMAL(38, 4))
            WHEN m.value_added_kind = 'flow' AND r.exercise_months <> 12
              THEN CAST(round(CAST(r.value_added AS DOUBLE) * 12.0 / r.exercise_months, 2) AS DECIMAL(38, 4))
            ELSE r.value_added END AS value_added_eur,
       r.value_added_level
FROM reported r
CROSS JOIN measure_rule m;

-- What the method kept and set aside, counted for manifest.json (name, value).
CREATE VIEW method_counts AS
SELECT 'filings_' || status AS name, count(*) AS value FROM filing_status GROUP BY status
UNION ALL SELECT 'companies_in_register', count(*) FROM company
UNION ALL SELECT 'companies_seated_in_flanders', count(*) FROM company WHERE region = 'Flanders'
UNION ALL SELECT 'companies_with_main_nace', count(nace_code) FROM company
UNION ALL SELECT 'companies_nace_2008_converted_to_2025', count(*) FROM company WHERE nace_2025_converted
UNION ALL SELECT 'company_years_with_figures', count(*) FROM annual_figures
UNION ALL SELECT 'company_years_scaled_to_12_months', count(*) FROM annual_figures WHERE scaled_to_12_months
UNION ALL SELECT 'company_years_value_added_level_1', count(*) FROM annual_figures WHERE value_added_level = 1
UNION ALL SELECT 'company_years_value_added_level_2', count(*) FROM annual_figures WHERE value_added_level = 2
UNION ALL SELECT 'company_years_filled_from_comparatives', count(*) FROM annual_figures WHERE from_comparatives
UNION ALL SELECT name, value FROM input_counts;
