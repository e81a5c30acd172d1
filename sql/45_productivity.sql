-- scope: per_year
-- reads: base_end_figures, company, cohort_company, cluster_list, official_totals, params
-- creates: productivity_panel, productivity_status, flanders_productivity, official_value_added, cluster_productivity, productivity_level, productivity_result
--
-- Step 45: value added and labour productivity (value added per FTE) of a constant sample over
-- B = T - 3 .. T, the window of CPI 7 and CPI 8.

-- Each company's value added and FTE in the base and the end year (NULL = no filing or
-- unknown value): the columns of step 40's base_end_figures that this step reads.
CREATE VIEW productivity_panel AS
SELECT enterprise_number, filed_base, filed_end, value_added_base, value_added_end, fte_base, fte_end
FROM base_end_figures;

-- The sample: cohort companies with value added and FTE in both years. One reason per company
-- left out: the first that applies, in this order (step 30's reasons first).
CREATE TABLE productivity_status AS
SELECT c.cluster_id,
       c.enterprise_number,
       c.in_register,
       coalesce(c.cohort_exclusion_reason, CASE
         WHEN g.filed_base IS NOT TRUE THEN 'no_filing_base_year'
         WHEN g.filed_end IS NOT TRUE THEN 'no_filing_end_year'
         WHEN g.value_added_base IS NULL THEN 'no_value_added_base_year'
         WHEN g.value_added_end IS NULL THEN 'no_value_added_end_year'
         WHEN g.fte_base IS NULL THEN 'no_fte_base_year'
         WHEN g.fte_end IS NULL THEN 'no_fte_end_year'
       END) AS exclusion_reason,
       g.value_added_base,
       g.value_added_end,
       g.fte_base,
       g.fte_end
FROM cohort_company c
LEFT JOIN productivity_panel g ON g.enterprise_number = c.enterprise_number;

-- The Flemish micro benchmark: the same rule over every company seated in Flanders; and the
-- rest of Flanders: the same companies less those in any cluster's cohort (ALL), as in step 40.
CREATE VIEW flanders_productivity AS
SELECT count(g.enterprise_number) AS flanders_firms,
       sum(g.value_added_base) AS flanders_value_added_base,
       sum(g.value_added_end) AS flanders_value_added_end,
       sum(g.fte_base) AS flanders_fte_base,
       sum(g.fte_end) AS flanders_fte_end,
       count(CASE WHEN a.enterprise_number IS NULL THEN 1 END) AS rest_of_flanders_firms,
       sum(CASE WHEN a.enterprise_number IS NULL THEN g.value_added_base END) AS rest_of_flanders_value_added_base,
       sum(CASE WHEN a.enterprise_number IS NULL THEN g.value_added_end END) AS rest_of_flanders_value_added_end,
       sum(CASE WHEN a.enterprise_number IS NULL THEN g.fte_base END) AS rest_of_flanders_fte_base,
       sum(CASE WHEN a.enterprise_number IS NULL THEN g.fte_end END) AS rest_of_flanders_fte_end
FROM productivity_panel g
JOIN company c ON c.enterprise_number = g.enterprise_number
LEFT JOIN cohort_company a ON a.cluster_id = 'ALL' AND a.enterprise_number = g.enterprise_number
WHERE c.in_benchmark
  AND g.value_added_base IS NOT NULL AND g.value_added_end IS NOT NULL
  AND g.fte_base IS NOT NULL AND g.fte_end IS NOT NULL;

-- Official Flemish value added (e.g. the regional accounts) for B and T, when given.
CREATE VIEW official_value_added AS
SELECT b.value AS official_value_added_base, e.value AS official_value_added_end
FROM params p
LEFT JOIN official_totals b ON b.measure = 'value_added_eur' AND b.year = p.base_year
LEFT JOIN official_totals e ON e.measure = 'value_added_eur' AND e.year = p.end_year;

CREATE VIEW cluster_productivity AS
SELECT l.cluster_id,
       l.cluster_name,
       count(s.enterprise_number) AS cohort_firms,
       count(CASE WHEN s.in_register THEN 1 END) AS firms_in_register,
       count(CASE WHEN s.exclusion_reason IS NULL AND s.enterprise_number IS NOT NULL THEN 1 END) AS sample_firms,
       sum(CASE WHEN s.exclusion_reason IS NULL THEN s.value_added_base END) AS value_added_base,
       sum(CASE WHEN s.exclusion_reason IS NULL THEN s.value_added_end END) AS value_added_end,
       sum(CASE WHEN s.exclusion_reason IS NULL THEN s.fte_base END) AS fte_base,
       sum(CASE WHEN s.exclusion_reason IS NULL THEN s.fte_end END) AS fte_end
FROM cluster_list l
LEFT JOIN productivity_status s ON s.cluster_id = l.cluster_id
GROUP BY l.cluster_id, l.cluster_name;

-- Value added per FTE = sum of value added / sum of FTE (a ratio of totals, so large companies
-- weigh in proportion). A growth needs a positive base: value added can be negative, and a
-- growth from a negative or zero base has no meaning (NULL).
CREATE VIEW productivity_level AS
SELECT c.*,
       f.flanders_firms,
       f.flanders_value_added_base,
       f.flanders_value_added_end,
       f.flanders_fte_base,
       f.flanders_fte_end,
       f.rest_of_flanders_firms,
       CAST(c.value_added_base AS DOUBLE) / CAST(nullif(c.fte_base, 0) AS DOUBLE) AS value_added_per_fte_base,
       CAST(c.value_added_end AS DOUBLE) / CAST(nullif(c.fte_end, 0) AS DOUBLE) AS value_added_per_fte_end,
       CAST(f.flanders_value_added_base AS DOUBLE) / CAST(nullif(f.flanders_fte_base, 0) AS DOUBLE) AS flanders_value_added_per_fte_base,
       CAST(f.flanders_value_added_end AS DOUBLE) / CAST(nullif(f.flanders_fte_end, 0) AS DOUBLE) AS flanders_value_added_per_fte_end,
       CAST(f.rest_of_flanders_value_added_base AS DOUBLE) / CAST(nullif(f.rest_of_flanders_fte_base, 0) AS DOUBLE) AS rest_of_flanders_value_added_per_fte_base,
       CAST(f.rest_of_flanders_value_added_end AS DOUBLE) / CAST(nullif(f.rest_of_flanders_fte_end, 0) AS DOUBLE) AS rest_of_flanders_value_added_per_fte_end
FROM cluster_productivity c
CROSS JOIN flanders_productivity f;

CREATE TABLE productivity_result AS
WITH growth AS (
  SELECT l.*,
         CASE WHEN l.value_added_base > 0
              THEN CAST(l.value_added_end AS DOUBLE) / CAST(l.value_added_base AS DOUBLE) - 1 END AS value_added_growth,
         CASE WHEN l.value_added_per_fte_base > 0
              THEN l.value_added_per_fte_end / l.value_added_per_fte_base - 1 END AS productivity_growth,
         CASE WHEN l.flanders_value_added_base > 0
              THEN CAST(l.flanders_value_added_end AS DOUBLE) / CAST(l.flanders_value_added_base AS DOUBLE) - 1 END AS flanders_value_added_growth,
         CASE WHEN l.flanders_value_added_per_fte_base > 0
              THEN l.flanders_value_added_per_fte_end / l.flanders_value_added_per_fte_base - 1 END AS flanders_productivity_growth,
         CASE WHEN l.rest_of_flanders_value_added_per_fte_base > 0
              THEN l.rest_of_flanders_value_added_per_fte_end / l.rest_of_flanders_value_added_per_fte_base - 1 END AS rest_of_flanders_productivity_growth
  FROM productivity_level l
)
SELECT g.*,
       p.reference_year,
       p.base_year,
       p.end_year,
       100 * (g.value_added_growth - g.flanders_value_added_growth) AS value_added_gap_pp,
       100 * (g.productivity_growth - g.flanders_productivity_growth) AS productivity_gap_pp,
       100 * (g.productivity_growth - g.rest_of_flanders_productivity_growth) AS rest_of_flanders_productivity_gap_pp,
       CASE WHEN o.official_value_added_base > 0
            THEN CAST(o.official_value_added_end AS DOUBLE) / CAST(o.official_value_added_base AS DOUBLE) - 1
       END AS official_flanders_value_added_growth
FROM growth g
CROSS JOIN params p
CROSS JOIN official_value_added o;
