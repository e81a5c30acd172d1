-- scope: per_year
-- reads: annual_figures, vat_turnover, settings, company, cohort_company, members, cluster_list, official_totals, params
-- creates: growth_measure, base_end_figures, growth_panel, growth_status, flanders_growth, official_growth, cluster_growth, flanders_division_growth, cluster_sector_mix, base_cohort_growth, growth_ratio, growth_result
--
-- Step 40: CPI 7 (turnover) and CPI 8 (FTE): growth of a constant sample over B = T - 3 .. T.

CREATE VIEW growth_measure AS
SELECT * FROM (VALUES ('turnover', 'CPI7', 'turnover_eur'), ('fte', 'CPI8', 'fte'))
  AS t(measure, indicator, official_measure);

-- Each company's calendar-year figures of B and T side by side, one row per company that filed
-- for B or T (also read by steps 45 and 70). annual_figures has one row per company and year, so the
-- base-year rows joined with the end-year rows are the panel; a join of two years' rows costs
-- less than grouping both by company. The years come in as scalars: a filter applied while
-- annual_figures is read, no join with params over every row.
-- VAT turnover (vat/, growth.turnover_from_vat; METHODOLOGY.md section 6): a year of B or T
-- with a filing but no turnover (rubric 70 is optional in the abbreviated and micro models)
-- takes the company's VAT turnover of that calendar year, for members and benchmark alike;
-- turnover_*_vat_source says which source filled it (step 85 counts them). Off: no VAT row is
-- read (the settings row filters them all out).
CREATE TABLE base_end_figures AS
WITH base AS (
  SELECT enterprise_number, turnover_eur, fte, value_added_eur, model_class
  FROM annual_figures
  WHERE year = (SELECT base_year FROM params)
), final AS (
  SELECT enterprise_number, turnover_eur, fte, value_added_eur, model_class
  FROM annual_figures
  WHERE year = (SELECT end_year FROM params)
), vat AS (
  SELECT v.enterprise_number, v.year, v.turnover_eur, v.source
  FROM vat_turnover v
  CROSS JOIN settings s
  WHERE s.turnover_from_vat
), vat_base AS (
  SELECT * FROM vat WHERE year = (SELECT base_year FROM params)
), vat_end AS (
  SELECT * FROM vat WHERE year = (SELECT end_year FROM params)
)
SELECT coalesce(b.enterprise_number, e.enterprise_number) AS enterprise_number,
       b.enterprise_number IS NOT NULL AS filed_base,
       e.enterprise_number IS NOT NULL AS filed_end,
       coalesce(b.turnover_eur, vb.turnover_eur) AS turnover_base,
       coalesce(e.turnover_eur, ve.turnover_eur) AS turnover_end,
       CASE WHEN b.turnover_eur IS NULL THEN vb.source END AS turnover_base_vat_source,
       CASE WHEN e.turnover_eur IS NULL THEN ve.source END AS turnover_end_vat_source,
       b.fte AS fte_base,
       e.fte AS fte_end,
       b.value_added_eur AS value_added_base,
       e.value_added_eur AS value_added_end,
       b.model_class AS model_base,
       e.model_class AS model_end
FROM base b
FULL JOIN final e ON e.enterprise_number = b.enterprise_number
-- (only a year with a filing: b or e is NULL without one, and matches no VAT row)
LEFT JOIN vat_base vb ON vb.enterprise_number = b.enterprise_number
LEFT JOIN vat_end ve ON ve.enterprise_number = e.enterprise_number;

-- Each company's value in the base and the end year (NULL = no filing or unknown value), one
-- row per company and measure.
CREATE TABLE growth_panel AS
SELECT enterprise_number, 'turnover' AS measure, filed_base, filed_end,
       turnover_base AS value_base, turnover_end AS value_end
FROM base_end_figures
UNION ALL
SELECT enterprise_number, 'fte', filed_base, filed_end, fte_base, fte_end
FROM base_end_figures;

-- Why a cohort company is not in the constant sample (NULL = it is). One reason per company:
-- the first that applies, in this order (step 30's reasons first). eligible: a company the sample
-- could hold (no step-30 reason), what coverage compares the sample with.
CREATE TABLE growth_status AS
SELECT c.cluster_id,
       c.enterprise_number,
       m.measure,
       m.indicator,
       c.in_register,
       c.cohort_exclusion_reason IS NULL AS eligible,
       coalesce(c.cohort_exclusion_reason, CASE
         WHEN g.filed_base IS NOT TRUE THEN 'no_filing_base_year'
         WHEN g.filed_end IS NOT TRUE THEN 'no_filing_end_year'
         WHEN g.value_base IS NULL THEN 'no_' || m.measure || '_base_year'
         WHEN g.value_end IS NULL THEN 'no_' || m.measure || '_end_year'
       END) AS exclusion_reason,
       g.value_base,
       g.value_end
FROM cohort_company c
CROSS JOIN growth_measure m
LEFT JOIN growth_panel g
  ON g.enterprise_number = c.enterprise_number AND g.measure = m.measure;

-- The micro benchmark: the same constant-sample rule over every company of the Flemish benchmark
-- (in_benchmark: seated in Flanders in T, a legal form of population.benchmark_classes; step 28); and
-- the rest of Flanders: the same companies less those in any cluster's cohort (ALL), so that
-- the members, about an eighth of Flemish employment, do not pull the benchmark towards them.
-- The FTE coverage: the end-year FTE of the sample's companies over that of every benchmark
-- company with a known end-year FTE, so that a turnover growth says how much of Flemish
-- employment it describes (most small filers report no turnover).
CREATE VIEW flanders_growth AS
SELECT m.measure,
       count(g.enterprise_number) AS flanders_firms,
       sum(g.value_base) AS flanders_base,
       sum(g.value_end) AS flanders_end,
       count(CASE WHEN NOT g.member THEN 1 END) AS rest_of_flanders_firms,
       sum(CASE WHEN NOT g.member THEN g.value_base END) AS rest_of_flanders_base,
       sum(CASE WHEN NOT g.member THEN g.value_end END) AS rest_of_flanders_end,
       sum(g.fte_end) AS flanders_sample_fte_end,
       max(k.fte_end_known) AS flanders_fte_end_known
FROM growth_measure m
LEFT JOIN (
  SELECT g.*, f.fte_end, a.enterprise_number IS NOT NULL AS member
  FROM growth_panel g
  JOIN company c ON c.enterprise_number = g.enterprise_number
  JOIN base_end_figures f ON f.enterprise_number = g.enterprise_number
  LEFT JOIN cohort_company a ON a.cluster_id = 'ALL' AND a.enterprise_number = g.enterprise_number
  WHERE c.in_benchmark AND g.value_base IS NOT NULL AND g.value_end IS NOT NULL
) g ON g.measure = m.measure
CROSS JOIN (
  SELECT sum(f.fte_end) AS fte_end_known
  FROM base_end_figures f
  JOIN company c ON c.enterprise_number = f.enterprise_number
  WHERE c.in_benchmark
) k
GROUP BY m.measure;

-- Official Flemish totals for B and T, when given.
CREATE VIEW official_growth AS
SELECT m.measure, b.value AS official_base, e.value AS official_end
FROM growth_measure m
CROSS JOIN params p
LEFT JOIN official_totals b ON b.measure = m.official_measure AND b.year = p.base_year
LEFT JOIN official_totals e ON e.measure = m.official_measure AND e.year = p.end_year;

CREATE VIEW cluster_growth AS
SELECT l.cluster_id,
       l.cluster_name,
       m.measure,
       count(s.enterprise_number) AS cohort_firms,
       count(CASE WHEN s.in_register THEN 1 END) AS firms_in_register,
       count(CASE WHEN s.exclusion_reason IS NULL AND s.enterprise_number IS NOT NULL THEN 1 END) AS sample_firms,
       sum(CASE WHEN s.exclusion_reason IS NULL THEN s.value_base END) AS cluster_base,
       sum(CASE WHEN s.exclusion_reason IS NULL THEN s.value_end END) AS cluster_end,
       -- the cohort's end value over the companies the sample could hold (eligible: known, listed
       -- as companies and in the member population; a public body or a knowledge institution is
       -- neither in the sample nor in what it is compared with)
       sum(CASE WHEN s.eligible THEN s.value_end END)
         AS cohort_end_known,
       -- the same two sums of the end-year FTE, whatever the measure: which share of the
       -- cohort's employment the growth describes
       sum(CASE WHEN s.exclusion_reason IS NULL THEN f.fte_end END) AS sample_fte_end,
       sum(CASE WHEN s.eligible THEN f.fte_end END)
         AS cohort_fte_end_known,
       -- (the complements of the two ratios, the cohort's companies outside the sample in their
       -- denominators, are cells of step 75's disclosure control: issue #30)
       -- sample companies that filed another model in T than in B (a company crossing a size
       -- threshold: its turnover may appear or vanish with the model; the small-company
       -- thresholds changed for financial years from 2024, Directive (EU) 2023/2775)
       count(CASE WHEN s.exclusion_reason IS NULL AND f.model_base <> f.model_end THEN 1 END) AS model_changed_firms,
       -- per kind of model filed for T: the cohort's companies (as for cohort_end_known) and
       -- those in the sample; turnover is optional in the abbreviated and micro models
       count(CASE WHEN s.exclusion_reason IS NULL AND f.model_end = 'full' THEN 1 END) AS sample_full,
       count(CASE WHEN s.eligible AND f.model_end = 'full' THEN 1 END) AS cohort_full,
       count(CASE WHEN s.exclusion_reason IS NULL AND f.model_end = 'abbreviated' THEN 1 END) AS sample_abbreviated,
       count(CASE WHEN s.eligible AND f.model_end = 'abbreviated' THEN 1 END) AS cohort_abbreviated,
       count(CASE WHEN s.exclusion_reason IS NULL AND f.model_end = 'micro' THEN 1 END) AS sample_micro,
       count(CASE WHEN s.eligible AND f.model_end = 'micro' THEN 1 END) AS cohort_micro
FROM cluster_list l
CROSS JOIN growth_measure m
LEFT JOIN growth_status s ON s.cluster_id = l.cluster_id AND s.measure = m.measure
LEFT JOIN base_end_figures f ON f.enterprise_number = s.enterprise_number
GROUP BY l.cluster_id, l.cluster_name, m.measure;

-- Sector-mix benchmark (shift-share): what the cluster sample would have grown had each of its
-- NACE divisions grown like the same division in Flanders. Division = first two digits of the
-- main NACE-BEL 2025 code ('unknown' without one); the Flemish growth of a division uses the
-- constant-sample rule of flanders_growth. A division without a Flemish sample (or with a zero
-- base) takes the Flemish total growth, and so does 'unknown': companies without a code are
-- not a sector, and their own growth would say nothing about the members'.
CREATE VIEW flanders_division_growth AS
SELECT g.measure,
       c.nace_2025_division AS division,
       CAST(sum(g.value_end) AS DOUBLE) / CAST(nullif(sum(g.value_base), 0) AS DOUBLE) - 1 AS division_growth
FROM growth_panel g
JOIN company c ON c.enterprise_number = g.enterprise_number
WHERE c.in_benchmark AND g.value_base IS NOT NULL AND g.value_end IS NOT NULL
  AND c.nace_2025_division IS NOT NULL
GROUP BY g.measure, c.nace_2025_division;

-- sector_mix_growth = sum over d of w_d * G_F,d, with w_d the sample's share of base-year value
-- in division d. Summed as exact decimals (growth rounded to 15 decimals) so that reruns give
-- identical bytes whatever order the divisions are added in. DECIMAL(38, 15) holds any growth
-- below 10^23 (DECIMAL(18, 15) failed on a division growth of 1000, a base of a few euros).
CREATE VIEW cluster_sector_mix AS
WITH sample_division AS (
  SELECT s.cluster_id,
         s.measure,
         coalesce(co.nace_2025_division, 'unknown') AS division,
         sum(s.value_base) AS division_base
  FROM growth_status s
  JOIN company co ON co.enterprise_number = s.enterprise_number
  WHERE s.exclusion_reason IS NULL
  GROUP BY s.cluster_id, s.measure, coalesce(co.nace_2025_division, 'unknown')
)
SELECT sd.cluster_id,
       sd.measure,
       count(*) AS sample_divisions,
       CAST(sum(sd.division_base * CAST(coalesce(d.division_growth,
                  CAST(f.flanders_end AS DOUBLE) / CAST(nullif(f.flanders_base, 0) AS DOUBLE) - 1) AS DECIMAL(38, 15))) AS DOUBLE)
         / CAST(nullif(sum(sd.division_base), 0) AS DOUBLE) AS sector_mix_growth
FROM sample_division sd
JOIN flanders_growth f ON f.measure = sd.measure
LEFT JOIN flanders_division_growth d ON d.measure = sd.measure AND d.division = sd.division
GROUP BY sd.cluster_id, sd.measure;

-- Robustness: the cohort of 1 January of B (the members at the start of the window, companies
-- only, as in step 30) under the same constant-sample and population rules. Members who joined during the
-- window are not in it; members who left during it are.
CREATE VIEW base_cohort_growth AS
WITH listed AS (
  SELECT DISTINCT m.cluster_id, m.enterprise_number
  FROM members m CROSS JOIN params p
  WHERE m.member_type = 'company'
    AND (m.member_from IS NULL OR m.member_from <= p.base_cohort_date)
    AND (m.member_to IS NULL OR m.member_to >= p.base_cohort_date)
), cohort AS (
  SELECT cluster_id, enterprise_number FROM listed
  UNION ALL
  SELECT DISTINCT 'ALL' AS cluster_id, enterprise_number FROM listed
)
SELECT c.cluster_id,
       m.measure,
       count(DISTINCT c.enterprise_number) AS base_cohort_firms,
       count(g.enterprise_number) AS base_cohort_sample_firms,
       CAST(sum(g.value_end) AS DOUBLE) / CAST(nullif(sum(g.value_base), 0) AS DOUBLE) - 1 AS base_cohort_growth
FROM cohort c
CROSS JOIN growth_measure m
LEFT JOIN (
  -- the headline's population rule: only companies of population.member_classes
  SELECT g.*
  FROM growth_panel g
  JOIN company co ON co.enterprise_number = g.enterprise_number
  WHERE g.value_base IS NOT NULL AND g.value_end IS NOT NULL AND co.in_member_population
) g ON g.enterprise_number = c.enterprise_number AND g.measure = m.measure
GROUP BY c.cluster_id, m.measure;

-- Growths are fractions (0.05 = 5 %). Sums are exact decimals; ratios are taken in double.
CREATE VIEW growth_ratio AS
SELECT c.*,
       f.flanders_firms,
       f.flanders_base,
       f.flanders_end,
       f.rest_of_flanders_firms,
       f.rest_of_flanders_base,
       f.rest_of_flanders_end,
       o.official_base,
       o.official_end,
       CAST(c.cluster_end AS DOUBLE) / CAST(nullif(c.cluster_base, 0) AS DOUBLE) - 1 AS cluster_growth,
       CAST(f.flanders_end AS DOUBLE) / CAST(nullif(f.flanders_base, 0) AS DOUBLE) - 1 AS flanders_growth,
       CAST(f.rest_of_flanders_end AS DOUBLE) / CAST(nullif(f.rest_of_flanders_base, 0) AS DOUBLE) - 1 AS rest_of_flanders_growth,
       CAST(o.official_end AS DOUBLE) / CAST(nullif(o.official_base, 0) AS DOUBLE) - 1 AS official_flanders_growth,
       CAST(c.cluster_end AS DOUBLE) / CAST(nullif(c.cohort_end_known, 0) AS DOUBLE) AS coverage_value_share,
       CAST(c.sample_fte_end AS DOUBLE) / CAST(nullif(c.cohort_fte_end_known, 0) AS DOUBLE) AS coverage_fte_share,
       CAST(f.flanders_sample_fte_end AS DOUBLE) / CAST(nullif(f.flanders_fte_end_known, 0) AS DOUBLE) AS flanders_coverage_fte_share,
       CAST(c.sample_full AS DOUBLE) / CAST(nullif(c.cohort_full, 0) AS DOUBLE) AS sample_share_full,
       CAST(c.sample_abbreviated AS DOUBLE) / CAST(nullif(c.cohort_abbreviated, 0) AS DOUBLE) AS sample_share_abbreviated,
       CAST(c.sample_micro AS DOUBLE) / CAST(nullif(c.cohort_micro, 0) AS DOUBLE) AS sample_share_micro
FROM cluster_growth c
JOIN flanders_growth f ON f.measure = c.measure
JOIN official_growth o ON o.measure = c.measure;

CREATE TABLE growth_result AS
SELECT g.*,
       p.reference_year,
       p.base_year,
       p.end_year,
       100 * (g.cluster_growth - g.flanders_growth) AS growth_gap_pp,
       100 * (g.cluster_growth - g.rest_of_flanders_growth) AS rest_of_flanders_gap_pp,
       (1 + g.cluster_growth) / nullif(1 + g.flanders_growth, 0) AS growth_ratio,
       CASE WHEN 1 + g.cluster_growth > 0
            THEN power(1 + g.cluster_growth, 1.0 / p.growth_years) - 1 END AS cluster_cagr,
       CASE WHEN 1 + g.flanders_growth > 0
            THEN power(1 + g.flanders_growth, 1.0 / p.growth_years) - 1 END AS flanders_cagr,
       m.sector_mix_growth,
       100 * (g.cluster_growth - m.sector_mix_growth) AS competitive_effect_pp,
       coalesce(b.base_cohort_firms, 0) AS base_cohort_firms,
       coalesce(b.base_cohort_sample_firms, 0) AS base_cohort_sample_firms,
       b.base_cohort_growth,
       100 * (b.base_cohort_growth - g.flanders_growth) AS base_cohort_gap_pp
FROM growth_ratio g
CROSS JOIN params p
LEFT JOIN cluster_sector_mix m ON m.cluster_id = g.cluster_id AND m.measure = g.measure
LEFT JOIN base_cohort_growth b ON b.cluster_id = g.cluster_id AND b.measure = g.measure;
