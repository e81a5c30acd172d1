-- scope: per_year
-- reads: base_end_figures, growth_panel, growth_status, company, annual_figures, province_change, size_class_of, age_class_of, params
-- creates: company_start, breakdown_company, breakdown_company_long, breakdown_cell, breakdown_result
--
-- Step 70: CPI 7 and CPI 8 by NACE section, size class, province and age class.

-- Size classes (FTE) and age classes (whole years) come from the tables size_class_of and
-- age_class_of (one row per whole number up to the last bound, from the settings), looked up
-- by equality: floor(FTE) and the age, capped at the last bound. Also used in step 80. An
-- unknown FTE or start date gives no class ('unknown'), not the top one: least() ignores NULLs.

-- Each company with its start year and whether it started on 1 January, from the KBO
-- StartDate (dd-mm-yyyy), so that its age in whole years on 1 January of a year Y is
-- Y - start_year - (0 if it started on 1 January, else 1).
CREATE VIEW company_start AS
SELECT *,
       try_cast(substr(start_date_text, 7, 4) AS INT) AS start_year,
       CASE WHEN substr(start_date_text, 1, 5) = '01-01' THEN 0 ELSE 1 END AS started_after_1_january
FROM company;

-- Each company with figures in B or T, in its category of each dimension for reference year T.
CREATE TABLE breakdown_company AS
SELECT c.enterprise_number,
       c.region,
       c.in_benchmark,
       coalesce(c.nace_2025_section, 'unknown') AS nace_section,
       coalesce(c.nace_2025_division, 'unknown') AS nace_division,
       CASE WHEN c.region = 'Flanders' THEN coalesce(pc.province_before, c.province, 'unknown')
            WHEN c.region IN ('Brussels', 'Wallonia') THEN c.region
            ELSE 'unknown' END AS province,
       coalesce(sc.class, 'unknown') AS size_class,
       coalesce(ac.class, 'unknown') AS age_class
FROM base_end_figures g
JOIN company_start c ON c.enterprise_number = g.enterprise_number
CROSS JOIN params p
-- (B's figures as a filtered read: B as a join condition would probe every year's rows)
LEFT JOIN (SELECT enterprise_number, fte FROM annual_figures WHERE year = (SELECT base_year FROM params)) f
  ON f.enterprise_number = g.enterprise_number
LEFT JOIN province_change pc
  ON pc.postcode = try_cast(c.seat_postcode AS INT) AND p.reference_year < pc.from_year
LEFT JOIN size_class_of sc ON sc.fte_floor = CASE WHEN f.fte IS NOT NULL THEN least(CAST(floor(f.fte) AS INT), p.size_bound_3) END
LEFT JOIN age_class_of ac
  ON ac.age = CASE WHEN c.start_year IS NOT NULL THEN least(p.reference_year - c.start_year - c.started_after_1_january, p.age_bound_3) END;

CREATE VIEW breakdown_company_long AS
SELECT enterprise_number, in_benchmark, 'nace_section' AS dimension, nace_section AS category FROM breakdown_company
UNION ALL SELECT enterprise_number, in_benchmark, 'size_class', size_class FROM breakdown_company
UNION ALL SELECT enterprise_number, in_benchmark, 'province', province FROM breakdown_company
UNION ALL SELECT enterprise_number, in_benchmark, 'age_class', age_class FROM breakdown_company;

-- A cell: the constant sample of a cluster (population 'members') or of Flanders (population
-- 'flanders', cluster_id '') in one category.
CREATE VIEW breakdown_cell AS
SELECT 'members' AS population,
       s.cluster_id,
       s.measure,
       b.dimension,
       b.category,
       count(*) AS firms,
       sum(s.value_base) AS value_base,
       sum(s.value_end) AS value_end
FROM growth_status s
JOIN breakdown_company_long b ON b.enterprise_number = s.enterprise_number
WHERE s.exclusion_reason IS NULL
GROUP BY s.cluster_id, s.measure, b.dimension, b.category
UNION ALL
SELECT 'flanders', '', g.measure, b.dimension, b.category,
       count(*), sum(g.value_base), sum(g.value_end)
FROM growth_panel g
JOIN breakdown_company_long b ON b.enterprise_number = g.enterprise_number
WHERE b.in_benchmark AND g.value_base IS NOT NULL AND g.value_end IS NOT NULL
GROUP BY g.measure, b.dimension, b.category;

-- Every cell of a cluster's sample, with the Flemish figure of the same category. Which cells
-- may be published is decided in step 75 (disclosure control) and applied in step 90.
CREATE TABLE breakdown_result AS
SELECT m.cluster_id,
       p.reference_year,
       m.measure,
       m.dimension,
       m.category,
       m.firms AS sample_firms,
       m.value_base AS cluster_base,
       m.value_end AS cluster_end,
       CAST(m.value_end AS DOUBLE) / CAST(nullif(m.value_base, 0) AS DOUBLE) - 1 AS cluster_growth,
       coalesce(f.firms, 0) AS flanders_firms,
       f.value_base AS flanders_base,
       f.value_end AS flanders_end,
       CAST(f.value_end AS DOUBLE) / CAST(nullif(f.value_base, 0) AS DOUBLE) - 1 AS flanders_growth
FROM breakdown_cell m
CROSS JOIN params p
LEFT JOIN breakdown_cell f
  ON f.population = 'flanders' AND f.measure = m.measure AND f.dimension = m.dimension AND f.category = m.category
WHERE m.population = 'members';
