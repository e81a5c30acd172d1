-- scope: per_year
-- reads: growth_with_comparison, investment_result, productivity_result, breakdown_result, growth_status, investment_status, productivity_status, official_totals, params
-- creates: growth_output, output_cpi7_turnover, output_cpi8_employment, output_cpi6_investment, output_productivity, output_indicators, output_cpi_breakdowns_confidential, output_cpi_breakdowns, output_exclusions, output_warnings
-- publishes: output_cpi7_turnover, output_cpi8_employment, output_cpi6_investment, output_productivity, output_indicators, output_cpi_breakdowns_confidential, output_cpi_breakdowns, output_exclusions, output_warnings
--
-- Step 90: the published tables, with their documented column order and types (schemas/).
-- Money in euro and FTE as DOUBLE (converted from exact decimal sums), growths as fractions.
-- Every table is sorted on its key so that reruns write identical files.

-- CPI 7 and CPI 8 have the same columns: one view for both, split by measure below.
CREATE VIEW growth_output AS
SELECT measure,
       CAST(cluster_id AS VARCHAR) AS cluster_id,
       CAST(cluster_name AS VARCHAR) AS cluster_name,
       CAST(reference_year AS INT) AS reference_year,
       CAST(base_year AS INT) AS base_year,
       CAST(end_year AS INT) AS end_year,
       CAST(cohort_firms AS BIGINT) AS cohort_firms,
       CAST(firms_in_register AS BIGINT) AS firms_in_register,
       CAST(sample_firms AS BIGINT) AS sample_firms,
       CAST(cluster_base AS DOUBLE) AS cluster_base,
       CAST(cluster_end AS DOUBLE) AS cluster_end,
       CAST(cluster_growth AS DOUBLE) AS cluster_growth,
       CAST(flanders_firms AS BIGINT) AS flanders_firms,
       CAST(flanders_base AS DOUBLE) AS flanders_base,
       CAST(flanders_end AS DOUBLE) AS flanders_end,
       CAST(flanders_growth AS DOUBLE) AS flanders_growth,
       CAST(growth_gap_pp AS DOUBLE) AS growth_gap_pp,
       CAST(growth_ratio AS DOUBLE) AS growth_ratio,
       CAST(rest_of_flanders_firms AS BIGINT) AS rest_of_flanders_firms,
       CAST(rest_of_flanders_growth AS DOUBLE) AS rest_of_flanders_growth,
       CAST(rest_of_flanders_gap_pp AS DOUBLE) AS rest_of_flanders_gap_pp,
       -- the headline: the gap against the benchmark growth.headline_benchmark names
       CAST((SELECT headline_benchmark FROM params) AS VARCHAR) AS headline_benchmark,
       CAST(CASE WHEN (SELECT headline_benchmark FROM params) = 'rest_of_flanders' THEN rest_of_flanders_gap_pp
                 ELSE growth_gap_pp END AS DOUBLE) AS headline_gap_pp,
       CAST(cluster_cagr AS DOUBLE) AS cluster_cagr,
       CAST(flanders_cagr AS DOUBLE) AS flanders_cagr,
       CAST(100 * (cluster_cagr - flanders_cagr) AS DOUBLE) AS cagr_gap_pp,
       CAST(coverage_value_share AS DOUBLE) AS coverage_value_share,
       CAST(official_flanders_growth AS DOUBLE) AS official_flanders_growth,
       CAST(sector_mix_growth AS DOUBLE) AS sector_mix_growth,
       CAST(competitive_effect_pp AS DOUBLE) AS competitive_effect_pp,
       CAST(base_cohort_firms AS BIGINT) AS base_cohort_firms,
       CAST(base_cohort_sample_firms AS BIGINT) AS base_cohort_sample_firms,
       CAST(base_cohort_growth AS DOUBLE) AS base_cohort_growth,
       CAST(base_cohort_gap_pp AS DOUBLE) AS base_cohort_gap_pp,
       CAST(matched_value_share AS DOUBLE) AS matched_value_share,
       CAST(control_growth AS DOUBLE) AS control_growth,
       CAST(control_gap_pp AS DOUBLE) AS control_gap_pp,
       CAST(pre_period_matched_value_share AS DOUBLE) AS pre_period_matched_value_share,
       CAST(pre_period_gap_pp AS DOUBLE) AS pre_period_gap_pp
FROM growth_with_comparison;

CREATE VIEW output_cpi7_turnover AS
SELECT * EXCLUDE (measure) FROM growth_output WHERE measure = 'turnover' ORDER BY cluster_id;

CREATE VIEW output_cpi8_employment AS
SELECT * EXCLUDE (measure) FROM growth_output WHERE measure = 'fte' ORDER BY cluster_id;

CREATE VIEW output_cpi6_investment AS
SELECT CAST(cluster_id AS VARCHAR) AS cluster_id,
       CAST(cluster_name AS VARCHAR) AS cluster_name,
       CAST(reference_year AS INT) AS reference_year,
       CAST(window_start AS INT) AS window_start,
       CAST(window_end AS INT) AS window_end,
       CAST(cohort_firms AS BIGINT) AS cohort_firms,
       CAST(firms_in_register AS BIGINT) AS firms_in_register,
       CAST(sample_firms AS BIGINT) AS sample_firms,
       CAST(investment_eur AS DOUBLE) AS investment_eur,
       CAST(intangible_investment_eur AS DOUBLE) AS intangible_investment_eur,
       CAST(intangible_share AS DOUBLE) AS intangible_share,
       CAST(flanders_firms AS BIGINT) AS flanders_firms,
       CAST(flanders_investment_eur AS DOUBLE) AS flanders_investment_eur,
       CAST(share_of_flanders AS DOUBLE) AS share_of_flanders,
       CAST(fte_years AS DOUBLE) AS fte_years,
       CAST(flanders_fte_years AS DOUBLE) AS flanders_fte_years,
       CAST(fte_share_of_flanders AS DOUBLE) AS fte_share_of_flanders,
       CAST(CAST(investment_eur AS DOUBLE)
            - CAST(flanders_investment_eur AS DOUBLE) * fte_share_of_flanders AS DOUBLE)
         AS additional_investment_eur,
       CAST(rest_of_flanders_firms AS BIGINT) AS rest_of_flanders_firms,
       CAST(rest_of_flanders_investment_eur AS DOUBLE) AS rest_of_flanders_investment_eur,
       CAST(rest_of_flanders_fte_years AS DOUBLE) AS rest_of_flanders_fte_years,
       CAST(CAST(investment_eur AS DOUBLE)
            - rest_of_flanders_investment_per_fte_year * CAST(fte_years AS DOUBLE) AS DOUBLE)
         AS rest_of_flanders_additional_investment_eur,
       CAST((SELECT headline_benchmark FROM params) AS VARCHAR) AS headline_benchmark,
       CAST(CASE WHEN (SELECT headline_benchmark FROM params) = 'rest_of_flanders'
                 THEN CAST(investment_eur AS DOUBLE) - rest_of_flanders_investment_per_fte_year * CAST(fte_years AS DOUBLE)
                 ELSE CAST(investment_eur AS DOUBLE) - CAST(flanders_investment_eur AS DOUBLE) * fte_share_of_flanders END AS DOUBLE)
         AS headline_additional_investment_eur,
       CAST(official_flanders_investment_eur AS DOUBLE) AS official_flanders_investment_eur
FROM investment_result
ORDER BY cluster_id;

-- Value added and productivity (step 45): money in euro, FTE, growths as fractions.
CREATE VIEW output_productivity AS
SELECT CAST(cluster_id AS VARCHAR) AS cluster_id,
       CAST(cluster_name AS VARCHAR) AS cluster_name,
       CAST(reference_year AS INT) AS reference_year,
       CAST(base_year AS INT) AS base_year,
       CAST(end_year AS INT) AS end_year,
       CAST(cohort_firms AS BIGINT) AS cohort_firms,
       CAST(firms_in_register AS BIGINT) AS firms_in_register,
       CAST(sample_firms AS BIGINT) AS sample_firms,
       CAST(value_added_base AS DOUBLE) AS value_added_base,
       CAST(value_added_end AS DOUBLE) AS value_added_end,
       CAST(value_added_growth AS DOUBLE) AS value_added_growth,
       CAST(fte_base AS DOUBLE) AS fte_base,
       CAST(fte_end AS DOUBLE) AS fte_end,
       CAST(value_added_per_fte_base AS DOUBLE) AS value_added_per_fte_base,
       CAST(value_added_per_fte_end AS DOUBLE) AS value_added_per_fte_end,
       CAST(productivity_growth AS DOUBLE) AS productivity_growth,
       CAST(flanders_firms AS BIGINT) AS flanders_firms,
       CAST(flanders_value_added_base AS DOUBLE) AS flanders_value_added_base,
       CAST(flanders_value_added_end AS DOUBLE) AS flanders_value_added_end,
       CAST(flanders_value_added_growth AS DOUBLE) AS flanders_value_added_growth,
       CAST(flanders_fte_base AS DOUBLE) AS flanders_fte_base,
       CAST(flanders_fte_end AS DOUBLE) AS flanders_fte_end,
       CAST(flanders_value_added_per_fte_base AS DOUBLE) AS flanders_value_added_per_fte_base,
       CAST(flanders_value_added_per_fte_end AS DOUBLE) AS flanders_value_added_per_fte_end,
       CAST(flanders_productivity_growth AS DOUBLE) AS flanders_productivity_growth,
       CAST(value_added_gap_pp AS DOUBLE) AS value_added_gap_pp,
       CAST(productivity_gap_pp AS DOUBLE) AS productivity_gap_pp,
       CAST(rest_of_flanders_firms AS BIGINT) AS rest_of_flanders_firms,
       CAST(rest_of_flanders_value_added_per_fte_end AS DOUBLE) AS rest_of_flanders_value_added_per_fte_end,
       CAST(rest_of_flanders_productivity_growth AS DOUBLE) AS rest_of_flanders_productivity_growth,
       CAST(rest_of_flanders_productivity_gap_pp AS DOUBLE) AS rest_of_flanders_productivity_gap_pp,
       CAST((SELECT headline_benchmark FROM params) AS VARCHAR) AS headline_benchmark,
       CAST(CASE WHEN (SELECT headline_benchmark FROM params) = 'rest_of_flanders' THEN rest_of_flanders_productivity_gap_pp
                 ELSE productivity_gap_pp END AS DOUBLE) AS headline_productivity_gap_pp,
       CAST(official_flanders_value_added_growth AS DOUBLE) AS official_flanders_value_added_growth
FROM productivity_result
ORDER BY cluster_id;

-- The same figures in long form for dashboards: one row per cluster, indicator and measure.
CREATE VIEW output_indicators AS
WITH growth AS (
  SELECT 'CPI7' AS indicator, * FROM output_cpi7_turnover
  UNION ALL
  SELECT 'CPI8' AS indicator, * FROM output_cpi8_employment
), long_form AS (
  SELECT cluster_id, reference_year, indicator, 'cohort_firms' AS measure, CAST(cohort_firms AS DOUBLE) AS value FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'sample_firms', CAST(sample_firms AS DOUBLE) FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'cluster_base', cluster_base FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'cluster_end', cluster_end FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'cluster_growth', cluster_growth FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'flanders_growth', flanders_growth FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'growth_gap_pp', growth_gap_pp FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'growth_ratio', growth_ratio FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'rest_of_flanders_growth', rest_of_flanders_growth FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'rest_of_flanders_gap_pp', rest_of_flanders_gap_pp FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'headline_gap_pp', headline_gap_pp FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'cluster_cagr', cluster_cagr FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'flanders_cagr', flanders_cagr FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'cagr_gap_pp', cagr_gap_pp FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'coverage_value_share', coverage_value_share FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'sector_mix_growth', sector_mix_growth FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'competitive_effect_pp', competitive_effect_pp FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'base_cohort_gap_pp', base_cohort_gap_pp FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'matched_value_share', matched_value_share FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'control_growth', control_growth FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'control_gap_pp', control_gap_pp FROM growth
  UNION ALL SELECT cluster_id, reference_year, indicator, 'pre_period_gap_pp', pre_period_gap_pp FROM growth
  UNION ALL SELECT cluster_id, reference_year, 'CPI6', 'cohort_firms', CAST(cohort_firms AS DOUBLE) FROM output_cpi6_investment
  UNION ALL SELECT cluster_id, reference_year, 'CPI6', 'sample_firms', CAST(sample_firms AS DOUBLE) FROM output_cpi6_investment
  UNION ALL SELECT cluster_id, reference_year, 'CPI6', 'investment_eur', investment_eur FROM output_cpi6_investment
  UNION ALL SELECT cluster_id, reference_year, 'CPI6', 'intangible_investment_eur', intangible_investment_eur FROM output_cpi6_investment
  UNION ALL SELECT cluster_id, reference_year, 'CPI6', 'flanders_investment_eur', flanders_investment_eur FROM output_cpi6_investment
  UNION ALL SELECT cluster_id, reference_year, 'CPI6', 'share_of_flanders', share_of_flanders FROM output_cpi6_investment
  UNION ALL SELECT cluster_id, reference_year, 'CPI6', 'fte_share_of_flanders', fte_share_of_flanders FROM output_cpi6_investment
  UNION ALL SELECT cluster_id, reference_year, 'CPI6', 'additional_investment_eur', additional_investment_eur FROM output_cpi6_investment
  UNION ALL SELECT cluster_id, reference_year, 'CPI6', 'rest_of_flanders_additional_investment_eur', rest_of_flanders_additional_investment_eur FROM output_cpi6_investment
  UNION ALL SELECT cluster_id, reference_year, 'CPI6', 'headline_additional_investment_eur', headline_additional_investment_eur FROM output_cpi6_investment
  UNION ALL SELECT cluster_id, reference_year, 'productivity', 'sample_firms', CAST(sample_firms AS DOUBLE) FROM output_productivity
  UNION ALL SELECT cluster_id, reference_year, 'productivity', 'value_added_end', value_added_end FROM output_productivity
  UNION ALL SELECT cluster_id, reference_year, 'productivity', 'value_added_growth', value_added_growth FROM output_productivity
  UNION ALL SELECT cluster_id, reference_year, 'productivity', 'value_added_per_fte_end', value_added_per_fte_end FROM output_productivity
  UNION ALL SELECT cluster_id, reference_year, 'productivity', 'productivity_growth', productivity_growth FROM output_productivity
  UNION ALL SELECT cluster_id, reference_year, 'productivity', 'value_added_gap_pp', value_added_gap_pp FROM output_productivity
  UNION ALL SELECT cluster_id, reference_year, 'productivity', 'productivity_gap_pp', productivity_gap_pp FROM output_productivity
  UNION ALL SELECT cluster_id, reference_year, 'productivity', 'rest_of_flanders_productivity_gap_pp', rest_of_flanders_productivity_gap_pp FROM output_productivity
  UNION ALL SELECT cluster_id, reference_year, 'productivity', 'headline_productivity_gap_pp', headline_productivity_gap_pp FROM output_productivity
)
SELECT CAST(cluster_id AS VARCHAR) AS cluster_id,
       CAST(reference_year AS INT) AS reference_year,
       CAST(indicator AS VARCHAR) AS indicator,
       CAST(measure AS VARCHAR) AS measure,
       CAST(value AS DOUBLE) AS value
FROM long_form
ORDER BY cluster_id, indicator, measure;

-- CPI 7 and CPI 8 by category (step 70). The confidential form has every value; the published
-- form sets a cell's values to NULL where suppressed_reason (members) or
-- flanders_suppressed_reason (Flemish figures) is set. The gap needs both.
CREATE VIEW output_cpi_breakdowns_confidential AS
SELECT CAST(cluster_id AS VARCHAR) AS cluster_id,
       CAST(reference_year AS INT) AS reference_year,
       CAST(CASE measure WHEN 'turnover' THEN 'CPI7' ELSE 'CPI8' END AS VARCHAR) AS indicator,
       CAST(dimension AS VARCHAR) AS dimension,
       CAST(category AS VARCHAR) AS category,
       CAST(sample_firms AS BIGINT) AS sample_firms,
       CAST(cluster_base AS DOUBLE) AS cluster_base,
       CAST(cluster_end AS DOUBLE) AS cluster_end,
       CAST(cluster_growth AS DOUBLE) AS cluster_growth,
       CAST(flanders_firms AS BIGINT) AS flanders_firms,
       CAST(flanders_base AS DOUBLE) AS flanders_base,
       CAST(flanders_end AS DOUBLE) AS flanders_end,
       CAST(flanders_growth AS DOUBLE) AS flanders_growth,
       CAST(100 * (cluster_growth - flanders_growth) AS DOUBLE) AS growth_gap_pp,
       CAST(suppressed_reason AS VARCHAR) AS suppressed_reason,
       CAST(flanders_suppressed_reason AS VARCHAR) AS flanders_suppressed_reason
FROM breakdown_result
ORDER BY cluster_id, indicator, dimension, category;

CREATE VIEW output_cpi_breakdowns AS
SELECT cluster_id, reference_year, indicator, dimension, category, sample_firms,
       CASE WHEN suppressed_reason IS NULL THEN cluster_base END AS cluster_base,
       CASE WHEN suppressed_reason IS NULL THEN cluster_end END AS cluster_end,
       CASE WHEN suppressed_reason IS NULL THEN cluster_growth END AS cluster_growth,
       flanders_firms,
       CASE WHEN flanders_suppressed_reason IS NULL THEN flanders_base END AS flanders_base,
       CASE WHEN flanders_suppressed_reason IS NULL THEN flanders_end END AS flanders_end,
       CASE WHEN flanders_suppressed_reason IS NULL THEN flanders_growth END AS flanders_growth,
       CASE WHEN suppressed_reason IS NULL AND flanders_suppressed_reason IS NULL THEN growth_gap_pp END AS growth_gap_pp,
       suppressed_reason,
       flanders_suppressed_reason
FROM output_cpi_breakdowns_confidential
ORDER BY cluster_id, indicator, dimension, category;

-- Every cohort company left out of a sample, with the indicator and the reason.
CREATE VIEW output_exclusions AS
WITH excluded AS (
  SELECT cluster_id, indicator, enterprise_number, exclusion_reason
  FROM growth_status WHERE exclusion_reason IS NOT NULL
  UNION ALL
  SELECT cluster_id, 'CPI6' AS indicator, enterprise_number, exclusion_reason
  FROM investment_status WHERE exclusion_reason IS NOT NULL
  UNION ALL
  SELECT cluster_id, 'productivity' AS indicator, enterprise_number, exclusion_reason
  FROM productivity_status WHERE exclusion_reason IS NOT NULL
)
SELECT CAST(e.cluster_id AS VARCHAR) AS cluster_id,
       CAST(p.reference_year AS INT) AS reference_year,
       CAST(e.indicator AS VARCHAR) AS indicator,
       CAST(e.enterprise_number AS VARCHAR) AS enterprise_number,
       CAST(e.exclusion_reason AS VARCHAR) AS reason
FROM excluded e
CROSS JOIN params p
ORDER BY cluster_id, indicator, enterprise_number;

-- Warnings for the log and manifest.json: the run still succeeds. Thresholds are settings.
CREATE VIEW output_warnings AS
WITH growth AS (
  SELECT 'CPI7' AS indicator, 'turnover' AS what, * FROM output_cpi7_turnover
  UNION ALL
  SELECT 'CPI8' AS indicator, 'FTE' AS what, * FROM output_cpi8_employment
), warning AS (
  SELECT g.indicator, g.cluster_id,
         'the sample covers ' || CAST(round(100 * g.coverage_value_share, 1) AS VARCHAR)
           || ' % of the cohort''s end-year ' || g.what || ' (below ' || CAST(100 * p.min_coverage AS VARCHAR) || ' %)' AS message
  FROM growth g CROSS JOIN params p
  WHERE g.coverage_value_share < p.min_coverage
  UNION ALL
  SELECT s.indicator, s.cluster_id,
         'the sample holds ' || CAST(s.sample_firms AS VARCHAR) || ' companies (fewer than '
           || CAST(p.min_sample_firms AS VARCHAR) || ')' AS message
  FROM (SELECT indicator, cluster_id, sample_firms FROM growth
        UNION ALL
        SELECT 'CPI6' AS indicator, cluster_id, sample_firms FROM output_cpi6_investment
        UNION ALL
        SELECT 'productivity' AS indicator, cluster_id, sample_firms FROM output_productivity) s
  CROSS JOIN params p
  WHERE s.sample_firms < p.min_sample_firms
  UNION ALL
  SELECT DISTINCT g.indicator, 'ALL' AS cluster_id,
         'Flemish micro-benchmark growth ' || CAST(round(100 * g.flanders_growth, 2) AS VARCHAR)
           || ' % differs from the official total''s ' || CAST(round(100 * g.official_flanders_growth, 2) AS VARCHAR)
           || ' % by more than ' || CAST(p.max_official_gap_pp AS VARCHAR) || ' points' AS message
  FROM growth g CROSS JOIN params p
  WHERE abs(100 * (g.flanders_growth - g.official_flanders_growth)) > p.max_official_gap_pp
  UNION ALL
  SELECT DISTINCT 'productivity' AS indicator, 'ALL' AS cluster_id,
         'Flemish micro-benchmark value-added growth ' || CAST(round(100 * v.flanders_value_added_growth, 2) AS VARCHAR)
           || ' % differs from the official total''s ' || CAST(round(100 * v.official_flanders_value_added_growth, 2) AS VARCHAR)
           || ' % by more than ' || CAST(p.max_official_gap_pp AS VARCHAR) || ' points' AS message
  FROM output_productivity v CROSS JOIN params p
  WHERE abs(100 * (v.flanders_value_added_growth - v.official_flanders_value_added_growth)) > p.max_official_gap_pp
  UNION ALL
  -- Employment in the regional accounts counts persons, not FTE (METHODOLOGY.md section 1).
  SELECT DISTINCT 'CPI8' AS indicator, 'ALL' AS cluster_id,
         'the official employment total is in persons, not FTE: official_flanders_growth compares a growth of persons with the FTE growth of the micro benchmark' AS message
  FROM official_totals t CROSS JOIN params p
  WHERE t.measure = 'fte' AND t.unit = 'persons' AND (t.year = p.base_year OR t.year = p.end_year)
)
SELECT CAST(indicator AS VARCHAR) AS indicator,
       CAST(cluster_id AS VARCHAR) AS cluster_id,
       CAST(message AS VARCHAR) AS message
FROM warning
ORDER BY indicator, cluster_id, message;
