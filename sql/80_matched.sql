-- scope: per_year
-- reads: growth_panel, breakdown_company, annual_figures, company_start, members, cohort_company, growth_status, growth_measure, growth_result, size_class_of, age_class_of, params
-- creates: match_member, matched_result, growth_with_comparison
-- drops: breakdown_cell, breakdown_company_long, breakdown_company
--
-- Step 80: matched non-member comparison for CPI 7 and CPI 8 (coarsened exact matching).
-- Descriptive: members are compared with Flemish companies like them on sector, size and age;
-- this is not a causal effect of cluster support.

-- Two periods: the indicator's window B .. T ('main'), and the window as long just before it,
-- B - (T - B) .. B ('pre', T-6 .. T-3 by default), to see whether members already outgrew
-- their peers before. Size class is taken in the period's first year, age on 1 January of its
-- last year (T for the main period, as for the cohort).
-- For the main period the values and cells are those of steps 40 and 70 (growth_panel,
-- breakdown_company); the pre period's are computed here: its first year's rows joined with its
-- last year's (annual_figures has one row per company and year; the years as scalars, as in
-- step 40's base_end_figures).
CREATE TABLE match_pre_panel AS
WITH from_year AS (
  SELECT enterprise_number, turnover_eur, fte
  FROM annual_figures
  WHERE year = (SELECT base_year - growth_years FROM params)
), to_year AS (
  SELECT enterprise_number, turnover_eur, fte
  FROM annual_figures
  WHERE year = (SELECT base_year FROM params)
)
SELECT coalesce(f.enterprise_number, t.enterprise_number) AS enterprise_number,
       f.turnover_eur AS turnover_from,
       t.turnover_eur AS turnover_to,
       f.fte AS fte_from,
       t.fte AS fte_to
FROM from_year f
FULL JOIN to_year t ON t.enterprise_number = f.enterprise_number;

-- The matching cell of each company with values in both years of a period: NACE-BEL 2025
-- division, size class, age class ('unknown' when missing), and whether it is a control:
-- seated in Flanders and listed for no cluster at any date of the period's window (1 January
-- of its first year to 31 December of its last): a company that joins a cluster later, or
-- left one before, is a valid control for this window.
CREATE TABLE match_company AS
WITH period_window AS (
  SELECT 'main' AS period, make_date(p.base_year, 1, 1) AS window_start, make_date(p.base_year + p.growth_years, 12, 31) AS window_end
  FROM params p
  UNION ALL
  SELECT 'pre', make_date(p.base_year - p.growth_years, 1, 1), make_date(p.base_year, 12, 31)
  FROM params p
), listed AS (
  SELECT DISTINCT w.period, m.enterprise_number
  FROM members m
  CROSS JOIN period_window w
  WHERE (m.member_from IS NULL OR m.member_from <= w.window_end)
    AND (m.member_to IS NULL OR m.member_to >= w.window_start)
), main_period AS (
  SELECT 'main' AS period, g.measure, g.enterprise_number, g.value_base AS value_from, g.value_end AS value_to,
         b.nace_division AS division, b.size_class, b.age_class, b.in_benchmark
  FROM growth_panel g
  JOIN breakdown_company b ON b.enterprise_number = g.enterprise_number
  WHERE g.value_base IS NOT NULL AND g.value_end IS NOT NULL
), pre_values AS (
  SELECT enterprise_number, 'turnover' AS measure, turnover_from AS value_from, turnover_to AS value_to, fte_from AS size_fte FROM match_pre_panel
  UNION ALL
  SELECT enterprise_number, 'fte', fte_from AS value_from, fte_to AS value_to, fte_from AS size_fte FROM match_pre_panel
), pre_period AS (
  SELECT 'pre' AS period, v.measure, v.enterprise_number, v.value_from, v.value_to,
         coalesce(c.nace_2025_division, 'unknown') AS division,
         coalesce(sc.class, 'unknown') AS size_class,
         coalesce(ac.class, 'unknown') AS age_class,
         c.in_benchmark
  FROM pre_values v
  CROSS JOIN params p
  JOIN company_start c ON c.enterprise_number = v.enterprise_number
  LEFT JOIN size_class_of sc ON sc.fte_floor = CASE WHEN v.size_fte IS NOT NULL THEN least(CAST(floor(v.size_fte) AS INT), p.size_bound_3) END
  LEFT JOIN age_class_of ac
    ON ac.age = CASE WHEN c.start_year IS NOT NULL THEN least(p.base_year - c.start_year - c.started_after_1_january, p.age_bound_3) END
  WHERE v.value_from IS NOT NULL AND v.value_to IS NOT NULL
), both_periods AS (
  SELECT * FROM main_period
  UNION ALL
  SELECT * FROM pre_period
)
SELECT b.period, b.measure, b.enterprise_number, b.value_from, b.value_to, b.division, b.size_class, b.age_class,
       b.in_benchmark AND l.enterprise_number IS NULL AS is_control
-- (the listed companies, a few thousand, first: they are the hash table the periods' rows probe)
FROM listed l
RIGHT JOIN both_periods b ON l.enterprise_number = b.enterprise_number AND l.period = b.period;

-- Control cells with at least min_controls non-members, and their growth. A cell with an
-- unknown division, size or age class is matched only when match_unknown_cells is set.
CREATE VIEW match_control_cell AS
SELECT period, measure, division, size_class, age_class,
       count(*) AS controls,
       CAST(sum(value_to) AS DOUBLE) / CAST(nullif(sum(value_from), 0) AS DOUBLE) - 1 AS control_cell_growth
FROM match_company
WHERE is_control
  AND ((SELECT match_unknown_cells FROM params)
       OR (division <> 'unknown' AND size_class <> 'unknown' AND age_class <> 'unknown'))
GROUP BY period, measure, division, size_class, age_class
HAVING count(*) >= (SELECT min_controls FROM params);

-- The members compared: in the main period the cluster's constant sample (as in CPI 7 / 8);
-- in the pre period the cohort of T with values in both pre-period years.
CREATE VIEW match_member AS
SELECT s.cluster_id, 'main' AS period, s.measure, s.enterprise_number
FROM growth_status s
WHERE s.exclusion_reason IS NULL
UNION ALL
SELECT c.cluster_id, 'pre', m.measure, c.enterprise_number
FROM cohort_company c
CROSS JOIN growth_measure m
WHERE c.cohort_exclusion_reason IS NULL;

-- Per cluster, measure and period: the members' base value in all cells and in matched cells,
-- their matched growth, and the control growth weighted by the members' base value per cell
-- (summed as exact decimals, each cell growth rounded to 15 decimals, for identical reruns).
CREATE TABLE matched_result AS
SELECT mm.cluster_id,
       mm.period,
       mm.measure,
       count(*) AS members,
       count(cc.controls) AS matched_members,
       CAST(coalesce(sum(CASE WHEN cc.control_cell_growth IS NOT NULL THEN mc.value_from END), 0) AS DOUBLE)
         / CAST(nullif(sum(mc.value_from), 0) AS DOUBLE) AS matched_value_share,
       CAST(sum(CASE WHEN cc.control_cell_growth IS NOT NULL THEN mc.value_to END) AS DOUBLE)
         / CAST(nullif(sum(CASE WHEN cc.control_cell_growth IS NOT NULL THEN mc.value_from END), 0) AS DOUBLE) - 1 AS matched_growth,
       CAST(sum(mc.value_from * CAST(cc.control_cell_growth AS DECIMAL(38, 15))) AS DOUBLE)
         / CAST(nullif(sum(CASE WHEN cc.control_cell_growth IS NOT NULL THEN mc.value_from END), 0) AS DOUBLE) AS control_growth
FROM match_member mm
JOIN match_company mc
  ON mc.period = mm.period AND mc.measure = mm.measure AND mc.enterprise_number = mm.enterprise_number
LEFT JOIN match_control_cell cc
  ON cc.period = mc.period AND cc.measure = mc.measure AND cc.division = mc.division
 AND cc.size_class = mc.size_class AND cc.age_class = mc.age_class
GROUP BY mm.cluster_id, mm.period, mm.measure;

-- The comparison's columns beside CPI 7 and CPI 8: control_gap_pp = 100 * (matched members'
-- growth - control growth), and the same for the pre period.
CREATE VIEW growth_with_comparison AS
SELECT g.*,
       mm.matched_members AS matched_firms,
       mm.matched_value_share,
       mm.control_growth,
       100 * (mm.matched_growth - mm.control_growth) AS control_gap_pp,
       mp.matched_value_share AS pre_period_matched_value_share,
       100 * (mp.matched_growth - mp.control_growth) AS pre_period_gap_pp
FROM growth_result g
LEFT JOIN matched_result mm ON mm.cluster_id = g.cluster_id AND mm.measure = g.measure AND mm.period = 'main'
LEFT JOIN matched_result mp ON mp.cluster_id = g.cluster_id AND mp.measure = g.measure AND mp.period = 'pre';

-- The per-company tables of steps 70 and 80 are not needed any more; dropping them frees their
-- memory (they are made again for the next reference year). Views first: a view keeps the
-- tables it reads alive.
DROP VIEW match_control_cell;
DROP VIEW breakdown_cell;
DROP VIEW breakdown_company_long;
DROP TABLE match_company;
DROP TABLE match_pre_panel;
DROP TABLE breakdown_company;
