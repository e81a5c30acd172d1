-- scope: per_year
-- reads: growth_with_comparison, turnover_coverage, investment_result, investment_window_year, productivity_result, breakdown_result, member_flow_result, uncertainty_result, disclosure_status, growth_status, investment_status, productivity_status, official_totals, params
-- creates: cluster_disclosure, benchmark_disclosure, complement_disclosure, value_added_beside_cpi7, growth_cells, cpi7_turnover_cells, cpi8_employment_cells, cpi6_investment_cells, productivity_cells, cpi_breakdowns_cells, member_flows_cells, uncertainty_cells, output_cpi7_turnover, output_cpi8_employment, output_cpi7_turnover_confidential, output_cpi8_employment_confidential, output_cpi7_coverage_confidential, output_cpi7_coverage, output_cpi6_investment_confidential, output_cpi6_investment, output_productivity_confidential, output_productivity, output_indicators, output_cpi_breakdowns_confidential, output_cpi_breakdowns, output_member_flows_confidential, output_member_flows, output_uncertainty_confidential, output_uncertainty, output_exclusions, output_exclusion_counts, output_warnings, run_summary
-- publishes: output_cpi7_turnover, output_cpi8_employment, output_cpi7_turnover_confidential, output_cpi8_employment_confidential, output_cpi7_coverage_confidential, output_cpi7_coverage, output_cpi6_investment_confidential, output_cpi6_investment, output_productivity_confidential, output_productivity, output_indicators, output_cpi_breakdowns_confidential, output_cpi_breakdowns, output_member_flows_confidential, output_member_flows, output_uncertainty_confidential, output_uncertainty, output_exclusions, output_exclusion_counts, output_warnings, run_summary
--
-- Step 90: the outputs. This file computes what they show. Their column order and types, row
-- order and the columns a suppressed cell withholds are their declarations in schemas/, from
-- which the catalogue writes the confidential and published views (`@catalogue views` below).
-- Money and FTE as DOUBLE (from exact decimal sums), growths as fractions; every table sorted
-- on its key, so reruns write identical files.

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

-- The status of each coverage ratio's complement (step 75): per cluster and '(Flanders)'.
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

-- The outputs' rows and columns before the catalogue types, orders and masks them (the
-- `derived.cells` of schemas/; pipeline/src/catalogue.rs): what is computed here is the method;
-- whether a cell is withheld is step 75's status, which columns it withholds each column's
-- declaration (`shown_when`).

-- CPI 7 and CPI 8: one relation for both, split by measure (CPI 7 has five columns more).
CREATE VIEW growth_cells AS
SELECT *,
       -- the headline: the gap against the benchmark growth.headline_benchmark names
       (SELECT headline_benchmark FROM params) AS headline_benchmark,
       CASE WHEN (SELECT headline_benchmark FROM params) = 'rest_of_flanders' THEN rest_of_flanders_gap_pp
            ELSE growth_gap_pp END AS headline_gap_pp,
       100 * (cluster_cagr - flanders_cagr) AS cagr_gap_pp,
       -- a coverage ratio whose complement (the cohort's companies outside the sample with a
       -- known value or FTE) fails the disclosure rules (step 75's cell 'complement') is
       -- withheld in the published table: with the sample's published sum it would give the
       -- complement's total (issue #30)
       'complement_' || complement_reason AS coverage_suppressed_reason,
       -- beside CPI 7 only: the growth of value added (every model gives it: 9900 - 76A in the
       -- abbreviated and micro models) over the productivity table's sample (step 45), the
       -- robustness figure for a turnover growth that most small filers cannot enter
       -- (METHODOLOGY.md section 6); the same cells as productivity.parquet's, under its status
       va_sample_firms AS value_added_sample_firms,
       va_growth AS value_added_growth,
       va_flanders_growth AS flanders_value_added_growth,
       va_gap_pp AS value_added_gap_pp,
       va_suppressed_reason AS value_added_suppressed_reason,
       members_suppressed_reason AS suppressed_reason
FROM growth_with_comparison
LEFT JOIN cluster_disclosure
  ON disclosure_table = CASE measure WHEN 'turnover' THEN 'cpi7' ELSE 'cpi8' END AND disclosure_cluster_id = cluster_id
LEFT JOIN benchmark_disclosure ON benchmark_table = CASE measure WHEN 'turnover' THEN 'cpi7' ELSE 'cpi8' END
LEFT JOIN value_added_beside_cpi7 ON measure = 'turnover' AND va_cluster_id = cluster_id
LEFT JOIN complement_disclosure
  ON complement_table = CASE measure WHEN 'turnover' THEN 'cpi7_coverage' ELSE 'cpi8_coverage' END
 AND complement_cluster_id = cluster_id;

CREATE VIEW cpi7_turnover_cells AS SELECT * FROM growth_cells WHERE measure = 'turnover';
CREATE VIEW cpi8_employment_cells AS SELECT * FROM growth_cells WHERE measure = 'fte';

-- CPI 6: money in euro and FTE-years; the additional investment against each benchmark.
CREATE VIEW cpi6_investment_cells AS
SELECT *,
       CAST(investment_eur AS DOUBLE) - CAST(flanders_investment_eur AS DOUBLE) * fte_share_of_flanders AS additional_investment_eur,
       CAST(investment_eur AS DOUBLE) - rest_of_flanders_investment_per_fte_year * CAST(fte_years AS DOUBLE)
         AS rest_of_flanders_additional_investment_eur,
       (SELECT headline_benchmark FROM params) AS headline_benchmark,
       CASE WHEN (SELECT headline_benchmark FROM params) = 'rest_of_flanders'
            THEN CAST(investment_eur AS DOUBLE) - rest_of_flanders_investment_per_fte_year * CAST(fte_years AS DOUBLE)
            ELSE CAST(investment_eur AS DOUBLE) - CAST(flanders_investment_eur AS DOUBLE) * fte_share_of_flanders END
         AS headline_additional_investment_eur,
       members_suppressed_reason AS suppressed_reason
FROM investment_result
LEFT JOIN cluster_disclosure ON disclosure_table = 'cpi6' AND disclosure_cluster_id = cluster_id
LEFT JOIN benchmark_disclosure ON benchmark_table = 'cpi6';

-- Value added and productivity (step 45): money in euro, FTE, growths as fractions.
CREATE VIEW productivity_cells AS
SELECT *,
       (SELECT headline_benchmark FROM params) AS headline_benchmark,
       CASE WHEN (SELECT headline_benchmark FROM params) = 'rest_of_flanders' THEN rest_of_flanders_productivity_gap_pp
            ELSE productivity_gap_pp END AS headline_productivity_gap_pp,
       members_suppressed_reason AS suppressed_reason
FROM productivity_result
LEFT JOIN cluster_disclosure ON disclosure_table = 'productivity' AND disclosure_cluster_id = cluster_id
LEFT JOIN benchmark_disclosure ON benchmark_table = 'productivity';

-- CPI 7 and CPI 8 by category (step 70), each category a cell of step 75 for the members and
-- for Flanders; a category without Flemish companies has no Flemish figures.
CREATE VIEW cpi_breakdowns_cells AS
SELECT b.*,
       CASE b.measure WHEN 'turnover' THEN 'CPI7' ELSE 'CPI8' END AS indicator,
       100 * (b.cluster_growth - b.flanders_growth) AS growth_gap_pp,
       m.suppressed_reason,
       CASE WHEN b.flanders_firms = 0 THEN 'no_flemish_sample' ELSE f.suppressed_reason END AS flanders_suppressed_reason
FROM breakdown_result b
LEFT JOIN disclosure_status m
  ON m.tbl = CASE b.measure WHEN 'turnover' THEN 'cpi7' ELSE 'cpi8' END AND m.cluster_id = b.cluster_id
 AND m.dimension = b.dimension AND m.category = b.category
LEFT JOIN disclosure_status f
  ON f.tbl = CASE b.measure WHEN 'turnover' THEN 'cpi7' ELSE 'cpi8' END AND f.cluster_id = '(Flanders)'
 AND f.dimension = b.dimension AND f.category = b.category;

-- Member flows (step 60): each flow of a cluster is a cell, the three flows one group (step 75).
CREATE VIEW member_flows_cells AS
SELECT r.*, d.suppressed_reason
FROM member_flow_result r
LEFT JOIN disclosure_status d
  ON d.tbl = 'member_flows' AND d.cluster_id = r.cluster_id AND d.dimension = 'flow' AND d.category = r.flow;

-- How sure each number is (step 65), with the disclosure status of the headline cell it
-- qualifies: a suppressed cell publishes none of its measures; the largest member's share is
-- one company's value and is never published; a top-k share only where its two groups pass.
CREATE VIEW uncertainty_cells AS
SELECT u.*, members_suppressed_reason AS suppressed_reason, flanders_suppressed_reason
FROM (SELECT *, CASE indicator WHEN 'CPI7' THEN 'cpi7' WHEN 'CPI8' THEN 'cpi8' ELSE 'productivity' END AS tbl
      FROM uncertainty_result) u
LEFT JOIN cluster_disclosure ON disclosure_table = u.tbl AND disclosure_cluster_id = u.cluster_id
LEFT JOIN benchmark_disclosure ON benchmark_table = u.tbl;

-- (CPI 7's coverage per kind of model is step 42's turnover_coverage as it is.)

-- @catalogue views


-- The same figures in long form for dashboards: one row per cluster, indicator and measure.
CREATE VIEW output_indicators AS
WITH growth AS (
  SELECT 'CPI7' AS indicator, * EXCLUDE (value_added_sample_firms, value_added_growth, flanders_value_added_growth, value_added_gap_pp, value_added_suppressed_reason)
  FROM output_cpi7_turnover
  UNION ALL
  SELECT 'CPI8' AS indicator, * FROM output_cpi8_employment
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
  SELECT 'CPI7' AS indicator, 'turnover' AS what, cluster_id, sample_firms, coverage_value_share, flanders_growth, official_flanders_growth,
         suppressed_reason, coverage_suppressed_reason, flanders_suppressed_reason
  FROM output_cpi7_turnover_confidential
  UNION ALL
  SELECT 'CPI8', 'FTE', cluster_id, sample_firms, coverage_value_share, flanders_growth, official_flanders_growth,
         suppressed_reason, coverage_suppressed_reason, flanders_suppressed_reason
  FROM output_cpi8_employment_confidential
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
