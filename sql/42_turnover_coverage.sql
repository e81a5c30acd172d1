-- scope: per_year
-- reads: growth_status, base_end_figures, company, params
-- creates: turnover_coverage_company, turnover_coverage
--
-- Step 42: what CPI 7's turnover sample covers, per kind of model filed for T. Turnover (rubric
-- 70) is optional in the abbreviated and micro models, which most Belgian companies file, so the
-- sample of CPI 7 holds mostly full-model filers. Per cluster (and for the Flemish benchmark):
-- of the companies with a filing for T, how many are in the sample, and which share of their
-- end-year FTE and value added the sample holds (METHODOLOGY.md section 6).

-- One row per company with a filing for T: a cohort company that could be in the sample (known,
-- listed as a company, of the member population: the companies of coverage_value_share), or a
-- company of the Flemish benchmark ('(Flanders)', the companies of flanders_growth); whether it
-- is in the turnover sample; the kind of model of its filing for T ('unknown': a year filled
-- from comparatives or a filing without a model).
CREATE VIEW turnover_coverage_company AS
SELECT s.cluster_id,
       s.exclusion_reason IS NULL AS in_sample,
       coalesce(f.model_end, 'unknown') AS model_class,
       f.fte_end,
       f.value_added_end
FROM growth_status s
JOIN base_end_figures f ON f.enterprise_number = s.enterprise_number
WHERE s.measure = 'turnover' AND f.filed_end AND s.eligible
UNION ALL
SELECT '(Flanders)',
       f.turnover_base IS NOT NULL AND f.turnover_end IS NOT NULL,
       coalesce(f.model_end, 'unknown'),
       f.fte_end,
       f.value_added_end
FROM base_end_figures f
JOIN company c ON c.enterprise_number = f.enterprise_number
WHERE f.filed_end AND c.in_benchmark;

-- Per cluster and kind of model ('all': every kind). The shares are ratios of the sample's sums
-- to the filers' sums: they are withheld (suppressed_reason) when the sample's part or the
-- rest's part of a sum holds from 1 to disclosure.min_firms - 1 companies, since a company
-- that knows its own value could then take the other part apart from the ratio; an empty part
-- gives a share of 0 or 1, which the counts say already. Value added can be negative, so its
-- share can fall outside 0..1.
CREATE TABLE turnover_coverage AS
WITH classed AS (
  SELECT cluster_id, in_sample, model_class, fte_end, value_added_end FROM turnover_coverage_company
  UNION ALL
  SELECT cluster_id, in_sample, 'all', fte_end, value_added_end FROM turnover_coverage_company
), summed AS (
  SELECT cluster_id,
         model_class,
         count(*) AS filers_end,
         count(CASE WHEN in_sample THEN 1 END) AS sample_firms,
         sum(fte_end) AS fte_end,
         sum(CASE WHEN in_sample THEN fte_end END) AS sample_fte_end,
         sum(value_added_end) AS value_added_end,
         sum(CASE WHEN in_sample THEN value_added_end END) AS sample_value_added_end,
         -- the companies in each part of each sum
         count(CASE WHEN in_sample THEN fte_end END) AS sample_fte_firms,
         count(CASE WHEN NOT in_sample THEN fte_end END) AS rest_fte_firms,
         count(CASE WHEN in_sample THEN value_added_end END) AS sample_value_added_firms,
         count(CASE WHEN NOT in_sample THEN value_added_end END) AS rest_value_added_firms
  FROM classed
  GROUP BY cluster_id, model_class
)
SELECT s.cluster_id,
       p.reference_year,
       s.model_class,
       s.filers_end,
       s.sample_firms,
       CAST(s.sample_firms AS DOUBLE) / CAST(s.filers_end AS DOUBLE) AS firm_share,
       -- (a sample without a known value holds 0 of a known sum)
       CAST(coalesce(s.sample_fte_end, 0) AS DOUBLE) / CAST(nullif(s.fte_end, 0) AS DOUBLE) AS fte_share,
       CAST(coalesce(s.sample_value_added_end, 0) AS DOUBLE) / CAST(nullif(s.value_added_end, 0) AS DOUBLE) AS value_added_share,
       CASE WHEN s.sample_fte_firms BETWEEN 1 AND p.min_cell_firms - 1
              OR s.rest_fte_firms BETWEEN 1 AND p.min_cell_firms - 1
              OR s.sample_value_added_firms BETWEEN 1 AND p.min_cell_firms - 1
              OR s.rest_value_added_firms BETWEEN 1 AND p.min_cell_firms - 1
            THEN 'fewer_than_' || CAST(p.min_cell_firms AS VARCHAR) || '_firms'
       END AS suppressed_reason
FROM summed s
CROSS JOIN params p;
