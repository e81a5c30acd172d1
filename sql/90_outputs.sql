-- scope: per_year
-- reads: growth_with_comparison, turnover_coverage, investment_result, investment_window_year, productivity_result, breakdown_result, member_flow_result, uncertainty_result, disclosure_status, growth_status, investment_status, productivity_status, official_totals, params
-- creates: cluster_disclosure, benchmark_disclosure, complement_disclosure, value_added_beside_cpi7, growth_output_confidential, growth_output, output_cpi7_turnover, output_cpi8_employment, output_cpi7_turnover_confidential, output_cpi8_employment_confidential, output_cpi7_coverage_confidential, output_cpi7_coverage, output_cpi6_investment_confidential, output_cpi6_investment, output_productivity_confidential, output_productivity, output_indicators, output_cpi_breakdowns_confidential, output_cpi_breakdowns, output_member_flows_confidential, output_member_flows, output_uncertainty_confidential, output_uncertainty, output_exclusions, output_exclusion_counts, output_warnings, run_summary
-- publishes: output_cpi7_turnover, output_cpi8_employment, output_cpi7_turnover_confidential, output_cpi8_employment_confidential, output_cpi7_coverage_confidential, output_cpi7_coverage, output_cpi6_investment_confidential, output_cpi6_investment, output_productivity_confidential, output_productivity, output_indicators, output_cpi_breakdowns_confidential, output_cpi_breakdowns, output_member_flows_confidential, output_member_flows, output_uncertainty_confidential, output_uncertainty, output_exclusions, output_exclusion_counts, output_warnings, run_summary
--
-- Step 90: the published tables, with their documented column order and types (schemas/).
-- One file, over 400 lines, because it is the one place where every output takes its published
-- form beside its unsuppressed (--confidential) form: splitting it would separate the two.
-- Money in euro and FTE as DOUBLE (converted from exact decimal sums), growths as fractions.
-- Every table is sorted on its key so that reruns write identical files.

-- The disclosure status of each headline cell (step 75), under column names of their own so
-- that the output views can join them without qualifying every column.
CREATE VIEW cluster_disclosure AS
SELECT tbl AS disclosure_table, cluster_id AS disclosure_cluster_id, suppressed_reason AS members_suppressed_reason
FROM disclosure_status
WHERE dimension = 'total';

CREATE VIEW benchmark_disclosure AS
SELECT tbl AS benchmark_table,
       max(CASE WHEN cluster_id = '(Flanders)' THEN suppressed_reason END) AS flanders_suppressed_reason,
       max(CASE WHEN cluster_id = '(rest of Flanders)' THEN suppressed_reason END) AS rest_of_flanders_suppressed_reason
FROM disclosure_status
WHERE dimension = 'total' AND cluster_id IN ('(Flanders)', '(rest of Flanders)')
GROUP BY tbl;

-- The disclosure status of each coverage ratio's complement (step 75, dimension
-- 'complement'): the members' per cluster, and the Flemish benchmark's ('(Flanders)').
CREATE VIEW complement_disclosure AS
SELECT tbl AS complement_table, cluster_id AS complement_cluster_id, suppressed_reason AS complement_reason
FROM disclosure_status
WHERE dimension = 'complement';

-- The productivity table's value-added growth of each cluster (step 45) and its disclosure
-- status, under column names of their own, for the columns beside CPI 7.
CREATE VIEW value_added_beside_cpi7 AS
SELECT p.cluster_id AS va_cluster_id,
       p.sample_firms AS va_sample_firms,
       p.value_added_growth AS va_growth,
       p.flanders_value_added_growth AS va_flanders_growth,
       p.value_added_gap_pp AS va_gap_pp,
       d.suppressed_reason AS va_suppressed_reason
FROM productivity_result p
LEFT JOIN disclosure_status d ON d.tbl = 'productivity' AND d.dimension = 'total' AND d.cluster_id = p.cluster_id;

-- CPI 7 and CPI 8 have the same columns (CPI 7 five more): one view for both, split by measure below. This is
-- the unsuppressed form (--confidential); growth_output below is the published one.
CREATE VIEW growth_output_confidential AS
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
       CAST(coverage_fte_share AS DOUBLE) AS coverage_fte_share,
       CAST(flanders_coverage_fte_share AS DOUBLE) AS flanders_coverage_fte_share,
       -- a coverage ratio whose complement (the cohort's companies outside the sample with a
       -- known value or FTE) fails the disclosure rules (step 75's cell 'complement') is
       -- withheld in the published table: with the sample's published sum it would give the
       -- complement's total (issue #30)
       CAST('complement_' || complement_reason AS VARCHAR) AS coverage_suppressed_reason,
       CAST(model_changed_firms AS BIGINT) AS model_changed_firms,
       CAST(sample_share_full AS DOUBLE) AS sample_share_full,
       CAST(sample_share_abbreviated AS DOUBLE) AS sample_share_abbreviated,
       CAST(sample_share_micro AS DOUBLE) AS sample_share_micro,
       -- beside CPI 7 only: the growth of value added (every model gives it: 9900 - 76A in the
       -- abbreviated and micro models)
       -- over the productivity table's sample (step 45), the robustness figure for a turnover
       -- growth that most small filers cannot enter (METHODOLOGY.md section 6); the same cells
       -- as productivity.parquet's, under its disclosure status
       CAST(va_sample_firms AS BIGINT) AS value_added_sample_firms,
       CAST(va_growth AS DOUBLE) AS value_added_growth,
       CAST(va_flanders_growth AS DOUBLE) AS flanders_value_added_growth,
       CAST(va_gap_pp AS DOUBLE) AS value_added_gap_pp,
       CAST(va_suppressed_reason AS VARCHAR) AS value_added_suppressed_reason,
       CAST(official_flanders_growth AS DOUBLE) AS official_flanders_growth,
       CAST(sector_mix_growth AS DOUBLE) AS sector_mix_growth,
       CAST(competitive_effect_pp AS DOUBLE) AS competitive_effect_pp,
       CAST(base_cohort_firms AS BIGINT) AS base_cohort_firms,
       CAST(base_cohort_sample_firms AS BIGINT) AS base_cohort_sample_firms,
       CAST(base_cohort_growth AS DOUBLE) AS base_cohort_growth,
       CAST(base_cohort_gap_pp AS DOUBLE) AS base_cohort_gap_pp,
       CAST(matched_firms AS BIGINT) AS matched_firms,
       CAST(matched_value_share AS DOUBLE) AS matched_value_share,
       CAST(control_growth AS DOUBLE) AS control_growth,
       CAST(control_gap_pp AS DOUBLE) AS control_gap_pp,
       CAST(pre_period_matched_value_share AS DOUBLE) AS pre_period_matched_value_share,
       CAST(pre_period_gap_pp AS DOUBLE) AS pre_period_gap_pp,
       CAST(members_suppressed_reason AS VARCHAR) AS suppressed_reason,
       CAST(flanders_suppressed_reason AS VARCHAR) AS flanders_suppressed_reason,
       CAST(rest_of_flanders_suppressed_reason AS VARCHAR) AS rest_of_flanders_suppressed_reason
FROM growth_with_comparison
LEFT JOIN cluster_disclosure
  ON disclosure_table = CASE measure WHEN 'turnover' THEN 'cpi7' ELSE 'cpi8' END AND disclosure_cluster_id = cluster_id
LEFT JOIN benchmark_disclosure ON benchmark_table = CASE measure WHEN 'turnover' THEN 'cpi7' ELSE 'cpi8' END
LEFT JOIN value_added_beside_cpi7 ON measure = 'turnover' AND va_cluster_id = cluster_id
LEFT JOIN complement_disclosure
  ON complement_table = CASE measure WHEN 'turnover' THEN 'cpi7_coverage' ELSE 'cpi8_coverage' END
 AND complement_cluster_id = cluster_id;

-- The published form: a suppressed cell (step 75) keeps its counts and its reason; every
-- figure computed from its companies' values is NULL. m = the members' cell, f = Flanders,
-- r = the rest of Flanders; a gap needs both of its sides.
CREATE VIEW growth_output AS
WITH o AS (
  SELECT *,
         suppressed_reason IS NULL AS m,
         flanders_suppressed_reason IS NULL AS f,
         rest_of_flanders_suppressed_reason IS NULL AS r,
         -- the value-added columns beside CPI 7: productivity's members and Flanders cells
         value_added_suppressed_reason IS NULL AS vm,
         (SELECT flanders_suppressed_reason FROM benchmark_disclosure WHERE benchmark_table = 'productivity') IS NULL AS vf,
         -- the coverage ratios' complements (step 40)
         coverage_suppressed_reason IS NULL AS cm,
         -- the matched comparison splits the sample in matched and unmatched members: with the
         -- sample's published sums, its share and growths give each part's sums, so each part
         -- must hold none or at least disclosure.min_firms companies (issue #30)
         matched_firms NOT BETWEEN 1 AND (SELECT min_cell_firms FROM params) - 1
           AND sample_firms - matched_firms NOT BETWEEN 1 AND (SELECT min_cell_firms FROM params) - 1 AS mx
  FROM growth_output_confidential
), complement AS (
  -- the Flemish FTE coverage's complement (the same on every cluster's row of a measure)
  SELECT m.measure AS complement_measure, f.complement_reason IS NULL AS ff
  FROM (SELECT DISTINCT measure FROM growth_with_comparison) m
  LEFT JOIN complement_disclosure f
    ON f.complement_table = CASE m.measure WHEN 'turnover' THEN 'cpi7_coverage' ELSE 'cpi8_coverage' END
   AND f.complement_cluster_id = '(Flanders)'
)
SELECT measure, cluster_id, cluster_name, reference_year, base_year, end_year, cohort_firms, firms_in_register, sample_firms,
       CASE WHEN m THEN cluster_base END AS cluster_base,
       CASE WHEN m THEN cluster_end END AS cluster_end,
       CASE WHEN m THEN cluster_growth END AS cluster_growth,
       flanders_firms,
       CASE WHEN f THEN flanders_base END AS flanders_base,
       CASE WHEN f THEN flanders_end END AS flanders_end,
       CASE WHEN f THEN flanders_growth END AS flanders_growth,
       CASE WHEN m AND f THEN growth_gap_pp END AS growth_gap_pp,
       CASE WHEN m AND f THEN growth_ratio END AS growth_ratio,
       rest_of_flanders_firms,
       CASE WHEN r THEN rest_of_flanders_growth END AS rest_of_flanders_growth,
       CASE WHEN m AND r THEN rest_of_flanders_gap_pp END AS rest_of_flanders_gap_pp,
       headline_benchmark,
       CASE WHEN m AND (CASE WHEN headline_benchmark = 'rest_of_flanders' THEN r ELSE f END) THEN headline_gap_pp END AS headline_gap_pp,
       CASE WHEN m THEN cluster_cagr END AS cluster_cagr,
       CASE WHEN f THEN flanders_cagr END AS flanders_cagr,
       CASE WHEN m AND f THEN cagr_gap_pp END AS cagr_gap_pp,
       CASE WHEN m AND cm THEN coverage_value_share END AS coverage_value_share,
       CASE WHEN m AND cm THEN coverage_fte_share END AS coverage_fte_share,
       CASE WHEN f AND ff THEN flanders_coverage_fte_share END AS flanders_coverage_fte_share,
       coverage_suppressed_reason,
       -- counts of companies and their ratios, published with the counts
       model_changed_firms,
       sample_share_full,
       sample_share_abbreviated,
       sample_share_micro,
       value_added_sample_firms,
       CASE WHEN vm THEN value_added_growth END AS value_added_growth,
       CASE WHEN vf THEN flanders_value_added_growth END AS flanders_value_added_growth,
       CASE WHEN vm AND vf THEN value_added_gap_pp END AS value_added_gap_pp,
       value_added_suppressed_reason,
       official_flanders_growth,
       CASE WHEN m THEN sector_mix_growth END AS sector_mix_growth,
       CASE WHEN m THEN competitive_effect_pp END AS competitive_effect_pp,
       base_cohort_firms,
       base_cohort_sample_firms,
       -- the cohort of B's growth over fewer than disclosure.min_firms companies would be one
       -- or two companies' own growth, whatever the main cell (issue #30)
       CASE WHEN m AND base_cohort_sample_firms >= (SELECT min_cell_firms FROM params) THEN base_cohort_growth END AS base_cohort_growth,
       CASE WHEN m AND f AND base_cohort_sample_firms >= (SELECT min_cell_firms FROM params) THEN base_cohort_gap_pp END AS base_cohort_gap_pp,
       matched_firms,
       CASE WHEN m AND mx THEN matched_value_share END AS matched_value_share,
       CASE WHEN m AND mx THEN control_growth END AS control_growth,
       CASE WHEN m AND mx THEN control_gap_pp END AS control_gap_pp,
       CASE WHEN m THEN pre_period_matched_value_share END AS pre_period_matched_value_share,
       CASE WHEN m THEN pre_period_gap_pp END AS pre_period_gap_pp,
       suppressed_reason,
       flanders_suppressed_reason,
       rest_of_flanders_suppressed_reason
FROM o
JOIN complement ON complement_measure = measure;

CREATE VIEW output_cpi7_turnover AS
SELECT * EXCLUDE (measure) FROM growth_output WHERE measure = 'turnover' ORDER BY cluster_id;

CREATE VIEW output_cpi8_employment AS
SELECT * EXCLUDE (measure, value_added_sample_firms, value_added_growth, flanders_value_added_growth, value_added_gap_pp, value_added_suppressed_reason)
FROM growth_output WHERE measure = 'fte' ORDER BY cluster_id;

CREATE VIEW output_cpi7_turnover_confidential AS
SELECT * EXCLUDE (measure) FROM growth_output_confidential WHERE measure = 'turnover' ORDER BY cluster_id;

CREATE VIEW output_cpi8_employment_confidential AS
SELECT * EXCLUDE (measure, value_added_sample_firms, value_added_growth, flanders_value_added_growth, value_added_gap_pp, value_added_suppressed_reason)
FROM growth_output_confidential WHERE measure = 'fte' ORDER BY cluster_id;

-- CPI 7's coverage per kind of model (step 42), sorted on its key; the published form withholds
-- the FTE and value-added shares where step 42 says so (counts and their ratio stay).
CREATE VIEW output_cpi7_coverage_confidential AS
SELECT CAST(cluster_id AS VARCHAR) AS cluster_id,
       CAST(reference_year AS INT) AS reference_year,
       CAST(model_class AS VARCHAR) AS model_class,
       CAST(filers_end AS BIGINT) AS filers_end,
       CAST(sample_firms AS BIGINT) AS sample_firms,
       CAST(firm_share AS DOUBLE) AS firm_share,
       CAST(fte_share AS DOUBLE) AS fte_share,
       CAST(value_added_share AS DOUBLE) AS value_added_share,
       CAST(suppressed_reason AS VARCHAR) AS suppressed_reason
FROM turnover_coverage
ORDER BY cluster_id, CASE model_class WHEN 'all' THEN 0 WHEN 'full' THEN 1 WHEN 'abbreviated' THEN 2 WHEN 'micro' THEN 3 ELSE 4 END;

CREATE VIEW output_cpi7_coverage AS
SELECT cluster_id, reference_year, model_class, filers_end, sample_firms, firm_share,
       CASE WHEN suppressed_reason IS NULL THEN fte_share END AS fte_share,
       CASE WHEN suppressed_reason IS NULL THEN value_added_share END AS value_added_share,
       suppressed_reason
FROM output_cpi7_coverage_confidential
ORDER BY cluster_id, CASE model_class WHEN 'all' THEN 0 WHEN 'full' THEN 1 WHEN 'abbreviated' THEN 2 WHEN 'micro' THEN 3 ELSE 4 END;

CREATE VIEW output_cpi6_investment_confidential AS
SELECT CAST(cluster_id AS VARCHAR) AS cluster_id,
       CAST(cluster_name AS VARCHAR) AS cluster_name,
       CAST(reference_year AS INT) AS reference_year,
       CAST(window_start AS INT) AS window_start,
       CAST(window_end AS INT) AS window_end,
       CAST(cohort_firms AS BIGINT) AS cohort_firms,
       CAST(firms_in_register AS BIGINT) AS firms_in_register,
       CAST(sample_firms AS BIGINT) AS sample_firms,
       CAST(filing_company_years AS BIGINT) AS filing_company_years,
       CAST(investment_company_years AS BIGINT) AS investment_company_years,
       CAST(investment_coverage AS DOUBLE) AS investment_coverage,
       CAST(investment_eur AS DOUBLE) AS investment_eur,
       CAST(intangible_investment_eur AS DOUBLE) AS intangible_investment_eur,
       CAST(intangible_share AS DOUBLE) AS intangible_share,
       CAST(flanders_firms AS BIGINT) AS flanders_firms,
       CAST(flanders_investment_coverage AS DOUBLE) AS flanders_investment_coverage,
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
       CAST(official_flanders_investment_eur AS DOUBLE) AS official_flanders_investment_eur,
       CAST(members_suppressed_reason AS VARCHAR) AS suppressed_reason,
       CAST(flanders_suppressed_reason AS VARCHAR) AS flanders_suppressed_reason,
       CAST(rest_of_flanders_suppressed_reason AS VARCHAR) AS rest_of_flanders_suppressed_reason
FROM investment_result
LEFT JOIN cluster_disclosure ON disclosure_table = 'cpi6' AND disclosure_cluster_id = cluster_id
LEFT JOIN benchmark_disclosure ON benchmark_table = 'cpi6'
ORDER BY cluster_id;

CREATE VIEW output_cpi6_investment AS
WITH o AS (
  SELECT *,
         suppressed_reason IS NULL AS m,
         flanders_suppressed_reason IS NULL AS f,
         rest_of_flanders_suppressed_reason IS NULL AS r
  FROM output_cpi6_investment_confidential
)
SELECT cluster_id, cluster_name, reference_year, window_start, window_end, cohort_firms, firms_in_register, sample_firms,
       -- company-years, not values: published with the counts
       filing_company_years, investment_company_years, investment_coverage,
       CASE WHEN m THEN investment_eur END AS investment_eur,
       CASE WHEN m THEN intangible_investment_eur END AS intangible_investment_eur,
       CASE WHEN m THEN intangible_share END AS intangible_share,
       flanders_firms,
       flanders_investment_coverage,
       CASE WHEN f THEN flanders_investment_eur END AS flanders_investment_eur,
       CASE WHEN m AND f THEN share_of_flanders END AS share_of_flanders,
       CASE WHEN m THEN fte_years END AS fte_years,
       CASE WHEN f THEN flanders_fte_years END AS flanders_fte_years,
       CASE WHEN m AND f THEN fte_share_of_flanders END AS fte_share_of_flanders,
       CASE WHEN m AND f THEN additional_investment_eur END AS additional_investment_eur,
       rest_of_flanders_firms,
       CASE WHEN r THEN rest_of_flanders_investment_eur END AS rest_of_flanders_investment_eur,
       CASE WHEN r THEN rest_of_flanders_fte_years END AS rest_of_flanders_fte_years,
       CASE WHEN m AND r THEN rest_of_flanders_additional_investment_eur END AS rest_of_flanders_additional_investment_eur,
       headline_benchmark,
       CASE WHEN m AND (CASE WHEN headline_benchmark = 'rest_of_flanders' THEN r ELSE f END) THEN headline_additional_investment_eur END
         AS headline_additional_investment_eur,
       official_flanders_investment_eur,
       suppressed_reason,
       flanders_suppressed_reason,
       rest_of_flanders_suppressed_reason
FROM o
ORDER BY cluster_id;

-- Value added and productivity (step 45): money in euro, FTE, growths as fractions.
CREATE VIEW output_productivity_confidential AS
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
       CAST(official_flanders_value_added_growth AS DOUBLE) AS official_flanders_value_added_growth,
       CAST(members_suppressed_reason AS VARCHAR) AS suppressed_reason,
       CAST(flanders_suppressed_reason AS VARCHAR) AS flanders_suppressed_reason,
       CAST(rest_of_flanders_suppressed_reason AS VARCHAR) AS rest_of_flanders_suppressed_reason
FROM productivity_result
LEFT JOIN cluster_disclosure ON disclosure_table = 'productivity' AND disclosure_cluster_id = cluster_id
LEFT JOIN benchmark_disclosure ON benchmark_table = 'productivity'
ORDER BY cluster_id;

CREATE VIEW output_productivity AS
WITH o AS (
  SELECT *,
         suppressed_reason IS NULL AS m,
         flanders_suppressed_reason IS NULL AS f,
         rest_of_flanders_suppressed_reason IS NULL AS r
  FROM output_productivity_confidential
)
SELECT cluster_id, cluster_name, reference_year, base_year, end_year, cohort_firms, firms_in_register, sample_firms,
       CASE WHEN m THEN value_added_base END AS value_added_base,
       CASE WHEN m THEN value_added_end END AS value_added_end,
       CASE WHEN m THEN value_added_growth END AS value_added_growth,
       CASE WHEN m THEN fte_base END AS fte_base,
       CASE WHEN m THEN fte_end END AS fte_end,
       CASE WHEN m THEN value_added_per_fte_base END AS value_added_per_fte_base,
       CASE WHEN m THEN value_added_per_fte_end END AS value_added_per_fte_end,
       CASE WHEN m THEN productivity_growth END AS productivity_growth,
       flanders_firms,
       CASE WHEN f THEN flanders_value_added_base END AS flanders_value_added_base,
       CASE WHEN f THEN flanders_value_added_end END AS flanders_value_added_end,
       CASE WHEN f THEN flanders_value_added_growth END AS flanders_value_added_growth,
       CASE WHEN f THEN flanders_fte_base END AS flanders_fte_base,
       CASE WHEN f THEN flanders_fte_end END AS flanders_fte_end,
       CASE WHEN f THEN flanders_value_added_per_fte_base END AS flanders_value_added_per_fte_base,
       CASE WHEN f THEN flanders_value_added_per_fte_end END AS flanders_value_added_per_fte_end,
       CASE WHEN f THEN flanders_productivity_growth END AS flanders_productivity_growth,
       CASE WHEN m AND f THEN value_added_gap_pp END AS value_added_gap_pp,
       CASE WHEN m AND f THEN productivity_gap_pp END AS productivity_gap_pp,
       rest_of_flanders_firms,
       CASE WHEN r THEN rest_of_flanders_value_added_per_fte_end END AS rest_of_flanders_value_added_per_fte_end,
       CASE WHEN r THEN rest_of_flanders_productivity_growth END AS rest_of_flanders_productivity_growth,
       CASE WHEN m AND r THEN rest_of_flanders_productivity_gap_pp END AS rest_of_flanders_productivity_gap_pp,
       headline_benchmark,
       CASE WHEN m AND (CASE WHEN headline_benchmark = 'rest_of_flanders' THEN r ELSE f END) THEN headline_productivity_gap_pp END
         AS headline_productivity_gap_pp,
       official_flanders_value_added_growth,
       suppressed_reason,
       flanders_suppressed_reason,
       rest_of_flanders_suppressed_reason
FROM o
ORDER BY cluster_id;

-- The same figures in long form for dashboards: one row per cluster, indicator and measure.
CREATE VIEW output_indicators AS
WITH growth AS (
  SELECT CASE measure WHEN 'turnover' THEN 'CPI7' ELSE 'CPI8' END AS indicator, * EXCLUDE (measure) FROM growth_output
), long_form AS (
  -- each source read once and crossed with its measures' names (the short list is the left,
  -- buffered side), instead of one select per measure
  SELECT s.cluster_id, s.reference_year, s.indicator, m.measure,
         CASE m.measure
         WHEN 'cohort_firms' THEN CAST(cohort_firms AS DOUBLE)
         WHEN 'sample_firms' THEN CAST(sample_firms AS DOUBLE)
         WHEN 'cluster_base' THEN cluster_base
         WHEN 'cluster_end' THEN cluster_end
         WHEN 'cluster_growth' THEN cluster_growth
         WHEN 'flanders_growth' THEN flanders_growth
         WHEN 'growth_gap_pp' THEN growth_gap_pp
         WHEN 'growth_ratio' THEN growth_ratio
         WHEN 'rest_of_flanders_growth' THEN rest_of_flanders_growth
         WHEN 'rest_of_flanders_gap_pp' THEN rest_of_flanders_gap_pp
         WHEN 'headline_gap_pp' THEN headline_gap_pp
         WHEN 'cluster_cagr' THEN cluster_cagr
         WHEN 'flanders_cagr' THEN flanders_cagr
         WHEN 'cagr_gap_pp' THEN cagr_gap_pp
         WHEN 'coverage_value_share' THEN coverage_value_share
         WHEN 'sector_mix_growth' THEN sector_mix_growth
         WHEN 'competitive_effect_pp' THEN competitive_effect_pp
         WHEN 'base_cohort_gap_pp' THEN base_cohort_gap_pp
         WHEN 'matched_value_share' THEN matched_value_share
         WHEN 'control_growth' THEN control_growth
         WHEN 'control_gap_pp' THEN control_gap_pp
         WHEN 'pre_period_gap_pp' THEN pre_period_gap_pp
         END AS value
  FROM (VALUES
    ('cohort_firms'), ('sample_firms'), ('cluster_base'), ('cluster_end'), ('cluster_growth'),
    ('flanders_growth'), ('growth_gap_pp'), ('growth_ratio'), ('rest_of_flanders_growth'),
    ('rest_of_flanders_gap_pp'), ('headline_gap_pp'), ('cluster_cagr'), ('flanders_cagr'),
    ('cagr_gap_pp'), ('coverage_value_share'), ('sector_mix_growth'), ('competitive_effect_pp'),
    ('base_cohort_gap_pp'), ('matched_value_share'), ('control_growth'), ('control_gap_pp'),
    ('pre_period_gap_pp')) AS m(measure)
  CROSS JOIN growth s
  UNION ALL
  SELECT s.cluster_id, s.reference_year, 'CPI6' AS indicator, m.measure,
         CASE m.measure
         WHEN 'cohort_firms' THEN CAST(cohort_firms AS DOUBLE)
         WHEN 'sample_firms' THEN CAST(sample_firms AS DOUBLE)
         WHEN 'investment_eur' THEN investment_eur
         WHEN 'intangible_investment_eur' THEN intangible_investment_eur
         WHEN 'flanders_investment_eur' THEN flanders_investment_eur
         WHEN 'share_of_flanders' THEN share_of_flanders
         WHEN 'fte_share_of_flanders' THEN fte_share_of_flanders
         WHEN 'additional_investment_eur' THEN additional_investment_eur
         WHEN 'rest_of_flanders_additional_investment_eur' THEN rest_of_flanders_additional_investment_eur
         WHEN 'headline_additional_investment_eur' THEN headline_additional_investment_eur
         END AS value
  FROM (VALUES
    ('cohort_firms'), ('sample_firms'), ('investment_eur'), ('intangible_investment_eur'),
    ('flanders_investment_eur'), ('share_of_flanders'), ('fte_share_of_flanders'),
    ('additional_investment_eur'), ('rest_of_flanders_additional_investment_eur'),
    ('headline_additional_investment_eur')) AS m(measure)
  CROSS JOIN output_cpi6_investment s
  UNION ALL
  SELECT s.cluster_id, s.reference_year, 'productivity' AS indicator, m.measure,
         CASE m.measure
         WHEN 'sample_firms' THEN CAST(sample_firms AS DOUBLE)
         WHEN 'value_added_end' THEN value_added_end
         WHEN 'value_added_growth' THEN value_added_growth
         WHEN 'value_added_per_fte_end' THEN value_added_per_fte_end
         WHEN 'productivity_growth' THEN productivity_growth
         WHEN 'value_added_gap_pp' THEN value_added_gap_pp
         WHEN 'productivity_gap_pp' THEN productivity_gap_pp
         WHEN 'rest_of_flanders_productivity_gap_pp' THEN rest_of_flanders_productivity_gap_pp
         WHEN 'headline_productivity_gap_pp' THEN headline_productivity_gap_pp
         END AS value
  FROM (VALUES
    ('sample_firms'), ('value_added_end'), ('value_added_growth'), ('value_added_per_fte_end'),
    ('productivity_growth'), ('value_added_gap_pp'), ('productivity_gap_pp'),
    ('rest_of_flanders_productivity_gap_pp'), ('headline_productivity_gap_pp')) AS m(measure)
  CROSS JOIN output_productivity s
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
SELECT CAST(b.cluster_id AS VARCHAR) AS cluster_id,
       CAST(b.reference_year AS INT) AS reference_year,
       CAST(CASE b.measure WHEN 'turnover' THEN 'CPI7' ELSE 'CPI8' END AS VARCHAR) AS indicator,
       CAST(b.dimension AS VARCHAR) AS dimension,
       CAST(b.category AS VARCHAR) AS category,
       CAST(b.sample_firms AS BIGINT) AS sample_firms,
       CAST(b.cluster_base AS DOUBLE) AS cluster_base,
       CAST(b.cluster_end AS DOUBLE) AS cluster_end,
       CAST(b.cluster_growth AS DOUBLE) AS cluster_growth,
       CAST(b.flanders_firms AS BIGINT) AS flanders_firms,
       CAST(b.flanders_base AS DOUBLE) AS flanders_base,
       CAST(b.flanders_end AS DOUBLE) AS flanders_end,
       CAST(b.flanders_growth AS DOUBLE) AS flanders_growth,
       CAST(100 * (b.cluster_growth - b.flanders_growth) AS DOUBLE) AS growth_gap_pp,
       CAST(m.suppressed_reason AS VARCHAR) AS suppressed_reason,
       CAST(CASE WHEN b.flanders_firms = 0 THEN 'no_flemish_sample' ELSE f.suppressed_reason END AS VARCHAR) AS flanders_suppressed_reason
FROM breakdown_result b
LEFT JOIN disclosure_status m
  ON m.tbl = CASE b.measure WHEN 'turnover' THEN 'cpi7' ELSE 'cpi8' END AND m.cluster_id = b.cluster_id
 AND m.dimension = b.dimension AND m.category = b.category
LEFT JOIN disclosure_status f
  ON f.tbl = CASE b.measure WHEN 'turnover' THEN 'cpi7' ELSE 'cpi8' END AND f.cluster_id = '(Flanders)'
 AND f.dimension = b.dimension AND f.category = b.category
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

-- Member flows (step 60): each flow of a cluster is a cell, the three flows one group (step 75).
CREATE VIEW output_member_flows_confidential AS
SELECT CAST(r.cluster_id AS VARCHAR) AS cluster_id,
       CAST(r.reference_year AS INT) AS reference_year,
       CAST(r.base_year AS INT) AS base_year,
       CAST(r.end_year AS INT) AS end_year,
       CAST(r.flow AS VARCHAR) AS flow,
       CAST(r.firms AS BIGINT) AS firms,
       CAST(r.firms_in_register AS BIGINT) AS firms_in_register,
       CAST(r.turnover_base_eur AS DOUBLE) AS turnover_base_eur,
       CAST(r.turnover_end_eur AS DOUBLE) AS turnover_end_eur,
       CAST(r.fte_base AS DOUBLE) AS fte_base,
       CAST(r.fte_end AS DOUBLE) AS fte_end,
       CAST(d.suppressed_reason AS VARCHAR) AS suppressed_reason
FROM member_flow_result r
LEFT JOIN disclosure_status d
  ON d.tbl = 'member_flows' AND d.cluster_id = r.cluster_id AND d.dimension = 'flow' AND d.category = r.flow
ORDER BY cluster_id, CASE flow WHEN 'staying' THEN 1 WHEN 'entrant' THEN 2 ELSE 3 END;

CREATE VIEW output_member_flows AS
SELECT cluster_id, reference_year, base_year, end_year, flow, firms, firms_in_register,
       CASE WHEN suppressed_reason IS NULL THEN turnover_base_eur END AS turnover_base_eur,
       CASE WHEN suppressed_reason IS NULL THEN turnover_end_eur END AS turnover_end_eur,
       CASE WHEN suppressed_reason IS NULL THEN fte_base END AS fte_base,
       CASE WHEN suppressed_reason IS NULL THEN fte_end END AS fte_end,
       suppressed_reason
FROM output_member_flows_confidential
ORDER BY cluster_id, CASE flow WHEN 'staying' THEN 1 WHEN 'entrant' THEN 2 ELSE 3 END;

-- How sure each number is (step 65), with the disclosure status of the headline cell it
-- qualifies: a suppressed cell publishes none of its measures; the largest member's share is
-- one company's value and is never published; a top-k share only where its two groups pass.
CREATE VIEW output_uncertainty_confidential AS
SELECT CAST(u.cluster_id AS VARCHAR) AS cluster_id,
       CAST(u.reference_year AS INT) AS reference_year,
       CAST(u.indicator AS VARCHAR) AS indicator,
       CAST(u.sample_firms AS BIGINT) AS sample_firms,
       CAST(u.growth AS DOUBLE) AS growth,
       CAST(u.gap_pp AS DOUBLE) AS gap_pp,
       CAST(u.bootstrap_replicates AS BIGINT) AS bootstrap_replicates,
       CAST(u.interval_level AS DOUBLE) AS interval_level,
       CAST(u.growth_low AS DOUBLE) AS growth_low,
       CAST(u.growth_high AS DOUBLE) AS growth_high,
       CAST(u.gap_low_pp AS DOUBLE) AS gap_low_pp,
       CAST(u.gap_high_pp AS DOUBLE) AS gap_high_pp,
       CAST(u.largest_member_share AS DOUBLE) AS largest_member_share,
       CAST(u.top5_share AS DOUBLE) AS top5_share,
       CAST(u.top10_share AS DOUBLE) AS top10_share,
       CAST(u.herfindahl AS DOUBLE) AS herfindahl,
       CAST(u.max_member_influence_pp AS DOUBLE) AS max_member_influence_pp,
       CAST(u.median_growth_firms AS BIGINT) AS median_growth_firms,
       CAST(u.median_member_growth AS DOUBLE) AS median_member_growth,
       CAST(u.top5_publishable AS BOOLEAN) AS top5_publishable,
       CAST(u.top10_publishable AS BOOLEAN) AS top10_publishable,
       CAST(u.uncertainty_reason AS VARCHAR) AS uncertainty_reason,
       CAST(members_suppressed_reason AS VARCHAR) AS suppressed_reason,
       CAST(flanders_suppressed_reason AS VARCHAR) AS flanders_suppressed_reason
FROM (SELECT *, CASE indicator WHEN 'CPI7' THEN 'cpi7' WHEN 'CPI8' THEN 'cpi8' ELSE 'productivity' END AS tbl
      FROM uncertainty_result) u
LEFT JOIN cluster_disclosure ON disclosure_table = u.tbl AND disclosure_cluster_id = u.cluster_id
LEFT JOIN benchmark_disclosure ON benchmark_table = u.tbl
ORDER BY cluster_id, indicator;

CREATE VIEW output_uncertainty AS
WITH o AS (
  SELECT *, suppressed_reason IS NULL AS m, flanders_suppressed_reason IS NULL AS f
  FROM output_uncertainty_confidential
)
SELECT cluster_id, reference_year, indicator, sample_firms,
       CASE WHEN m THEN growth END AS growth,
       CASE WHEN m AND f THEN gap_pp END AS gap_pp,
       bootstrap_replicates, interval_level,
       CASE WHEN m THEN growth_low END AS growth_low,
       CASE WHEN m THEN growth_high END AS growth_high,
       CASE WHEN m AND f THEN gap_low_pp END AS gap_low_pp,
       CASE WHEN m AND f THEN gap_high_pp END AS gap_high_pp,
       CAST(NULL AS DOUBLE) AS largest_member_share,
       CASE WHEN m AND top5_publishable THEN top5_share END AS top5_share,
       CASE WHEN m AND top10_publishable THEN top10_share END AS top10_share,
       CASE WHEN m THEN herfindahl END AS herfindahl,
       CASE WHEN m AND f THEN max_member_influence_pp END AS max_member_influence_pp,
       median_growth_firms,
       CASE WHEN m THEN median_member_growth END AS median_member_growth,
       top5_publishable, top10_publishable, uncertainty_reason,
       suppressed_reason, flanders_suppressed_reason
FROM o
ORDER BY cluster_id, indicator;

-- Every cohort company left out of a sample, with the indicator and the reason: names
-- enterprises, so it goes only to --confidential; the public folder gets the counts below.
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

CREATE VIEW output_exclusion_counts AS
SELECT cluster_id, reference_year, indicator, reason, CAST(count(*) AS BIGINT) AS firms
FROM output_exclusions
GROUP BY cluster_id, reference_year, indicator, reason
ORDER BY cluster_id, indicator, reason;

-- Warnings for the log and manifest.json: the run still succeeds. Thresholds are settings.
CREATE VIEW output_warnings AS
WITH growth AS (
  SELECT CASE measure WHEN 'turnover' THEN 'CPI7' ELSE 'CPI8' END AS indicator,
         CASE measure WHEN 'turnover' THEN 'turnover' ELSE 'FTE' END AS what,
         * EXCLUDE (measure)
  FROM growth_output_confidential
), warning AS (
  SELECT g.indicator, g.cluster_id,
         'the sample covers ' || CAST(round(100 * g.coverage_value_share, 1) AS VARCHAR)
           || ' % of the cohort''s end-year ' || g.what || ' (below ' || CAST(100 * p.min_coverage AS VARCHAR) || ' %)' AS message
  FROM growth g CROSS JOIN params p
  -- manifest.json is published: a suppressed cell is described by its suppression alone (in
  -- its table), never by its coverage (issue #30)
  WHERE g.coverage_value_share < p.min_coverage AND g.suppressed_reason IS NULL AND g.coverage_suppressed_reason IS NULL
  UNION ALL
  SELECT s.indicator, s.cluster_id,
         'the sample holds ' || CAST(s.sample_firms AS VARCHAR) || ' companies (fewer than '
           || CAST(p.min_sample_firms AS VARCHAR) || ')' AS message
  FROM (SELECT indicator, cluster_id, sample_firms FROM growth
        UNION ALL
        SELECT 'CPI6' AS indicator, cluster_id, sample_firms FROM output_cpi6_investment_confidential
        UNION ALL
        SELECT 'productivity' AS indicator, cluster_id, sample_firms FROM output_productivity_confidential) s
  CROSS JOIN params p
  WHERE s.sample_firms < p.min_sample_firms
  UNION ALL
  SELECT DISTINCT g.indicator, 'ALL' AS cluster_id,
         'Flemish micro-benchmark growth ' || CAST(round(100 * g.flanders_growth, 2) AS VARCHAR)
           || ' % differs from the official total''s ' || CAST(round(100 * g.official_flanders_growth, 2) AS VARCHAR)
           || ' % by more than ' || CAST(p.max_official_gap_pp AS VARCHAR) || ' points' AS message
  FROM growth g CROSS JOIN params p
  -- (only when the Flemish benchmark's cell is published: its growth is in the message)
  WHERE abs(100 * (g.flanders_growth - g.official_flanders_growth)) > p.max_official_gap_pp AND g.flanders_suppressed_reason IS NULL
  UNION ALL
  SELECT DISTINCT 'productivity' AS indicator, 'ALL' AS cluster_id,
         'Flemish micro-benchmark value-added growth ' || CAST(round(100 * v.flanders_value_added_growth, 2) AS VARCHAR)
           || ' % differs from the official total''s ' || CAST(round(100 * v.official_flanders_value_added_growth, 2) AS VARCHAR)
           || ' % by more than ' || CAST(p.max_official_gap_pp AS VARCHAR) || ' points' AS message
  FROM output_productivity_confidential v CROSS JOIN params p
  WHERE abs(100 * (v.flanders_value_added_growth - v.official_flanders_value_added_growth)) > p.max_official_gap_pp
    AND v.flanders_suppressed_reason IS NULL
  UNION ALL
  -- A CPI 6 window year that most of the Flemish benchmark's companies give no investment for
  -- (company counts only: the benchmark holds thousands of companies)
  SELECT 'CPI6' AS indicator, 'ALL' AS cluster_id,
         'window year ' || CAST(w.year AS VARCHAR) || ': investment known for ' || CAST(w.flanders_firms_with_investment AS VARCHAR)
           || ' of the ' || CAST(w.flanders_firms AS VARCHAR) || ' Flemish companies of the benchmark (fewer than half)' AS message
  FROM investment_window_year w
  WHERE w.known_for_fewer_than_half
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

-- What `cpi run` prints on a terminal when it is done (pipeline/src/summary.rs): per cluster
-- and year the CPI 7 and CPI 8 headline gaps, the CPI 6 share and the CPI 7 sample, from the
-- published tables only (a suppressed figure stays NULL). ALL first.
CREATE VIEW run_summary AS
SELECT t.cluster_id,
       CAST(t.reference_year AS BIGINT) AS reference_year,
       t.sample_firms,
       t.cohort_firms,
       t.headline_gap_pp AS cpi7_gap_pp,
       e.headline_gap_pp AS cpi8_gap_pp,
       i.share_of_flanders AS cpi6_share,
       t.coverage_value_share AS coverage
FROM output_cpi7_turnover t
LEFT JOIN output_cpi8_employment e ON e.cluster_id = t.cluster_id AND e.reference_year = t.reference_year
LEFT JOIN output_cpi6_investment i ON i.cluster_id = t.cluster_id AND i.reference_year = t.reference_year
ORDER BY reference_year, CASE WHEN t.cluster_id = 'ALL' THEN 0 ELSE 1 END, t.cluster_id;
