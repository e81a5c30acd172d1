-- Step 80: matched non-member comparison for CPI 7 and CPI 8 (coarsened exact matching).
-- Descriptive: members are compared with Flemish companies like them on sector, size and age;
-- this is not a causal effect of cluster support.
-- Reads: annual_figures, company, company_start, members, cohort_company, growth_status,
--        growth_measure, size_class_def, age_class_def, params.
-- Creates: matched_result (one row per cluster, measure and period), growth_with_comparison
-- (growth_result with the comparison's columns).

-- Two periods: the indicator's window B .. T ('main'), and the window as long just before it,
-- B - (T - B) .. B ('pre', T-6 .. T-3 by default), to see whether members already outgrew
-- their peers before. Size class is taken in the period's first year, age on 1 January of its
-- last year (T for the main period, as for the cohort).
CREATE VIEW match_period AS
SELECT 'main' AS period, base_year AS from_year, end_year AS to_year, end_year AS age_year FROM params
UNION ALL
SELECT 'pre', base_year - growth_years AS from_year, base_year AS to_year, base_year AS age_year FROM params;

-- Each company's values in the first and last year of each period, when it has both.
CREATE TABLE match_panel AS
SELECT mp.period,
       m.measure,
       a.enterprise_number,
       max(CASE WHEN a.year = mp.from_year THEN CASE m.measure WHEN 'turnover' THEN a.turnover_eur ELSE a.fte END END) AS value_from,
       max(CASE WHEN a.year = mp.to_year THEN CASE m.measure WHEN 'turnover' THEN a.turnover_eur ELSE a.fte END END) AS value_to,
       max(CASE WHEN a.year = mp.from_year THEN a.fte END) AS fte_from
FROM annual_figures a
CROSS JOIN match_period mp
CROSS JOIN growth_measure m
WHERE a.year = mp.from_year OR a.year = mp.to_year
GROUP BY mp.period, m.measure, a.enterprise_number
HAVING max(CASE WHEN a.year = mp.from_year THEN CASE m.measure WHEN 'turnover' THEN a.turnover_eur ELSE a.fte END END) IS NOT NULL
   AND max(CASE WHEN a.year = mp.to_year THEN CASE m.measure WHEN 'turnover' THEN a.turnover_eur ELSE a.fte END END) IS NOT NULL;

-- The matching cell of each company in each period: NACE-BEL 2025 division, size class by FTE
-- in the first year, age class on 1 January of the last year ('unknown' when missing).
CREATE TABLE match_company AS
SELECT mp.period,
       pn.measure,
       pn.enterprise_number,
       pn.value_from,
       pn.value_to,
       coalesce(c.nace_2025_division, 'unknown') AS division,
       coalesce(sc.class, 'unknown') AS size_class,
       coalesce(ac.class, 'unknown') AS age_class,
       -- a control: seated in Flanders and listed for no cluster at any date
       c.region = 'Flanders' AND listed.enterprise_number IS NULL AS is_control
FROM match_panel pn
JOIN match_period mp ON mp.period = pn.period
JOIN company c ON c.enterprise_number = pn.enterprise_number
JOIN company_start st ON st.enterprise_number = pn.enterprise_number
LEFT JOIN (SELECT DISTINCT enterprise_number FROM members) listed ON listed.enterprise_number = pn.enterprise_number
LEFT JOIN size_class_def sc ON pn.fte_from >= sc.lower AND pn.fte_from < sc.upper
LEFT JOIN age_class_def ac
  ON mp.age_year - st.start_year - st.started_after_1_january >= ac.lower
 AND mp.age_year - st.start_year - st.started_after_1_january < ac.upper;

-- Control cells with at least min_controls non-members, and their growth.
CREATE VIEW match_control_cell AS
SELECT period, measure, division, size_class, age_class,
       count(*) AS controls,
       CAST(sum(value_to) AS DOUBLE) / CAST(nullif(sum(value_from), 0) AS DOUBLE) - 1 AS control_cell_growth
FROM match_company
WHERE is_control
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
WHERE c.in_register;

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
       CAST(sum(mc.value_from * CAST(cc.control_cell_growth AS DECIMAL(18, 15))) AS DOUBLE)
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
       mm.matched_value_share,
       mm.control_growth,
       100 * (mm.matched_growth - mm.control_growth) AS control_gap_pp,
       mp.matched_value_share AS pre_period_matched_value_share,
       100 * (mp.matched_growth - mp.control_growth) AS pre_period_gap_pp
FROM growth_result g
LEFT JOIN matched_result mm ON mm.cluster_id = g.cluster_id AND mm.measure = g.measure AND mm.period = 'main'
LEFT JOIN matched_result mp ON mp.cluster_id = g.cluster_id AND mp.measure = g.measure AND mp.period = 'pre';
