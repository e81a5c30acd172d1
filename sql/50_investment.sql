-- scope: per_year
-- reads: annual_figures, exercise_figures, company, cohort_company, cluster_list, official_totals, params
-- creates: investment_panel, investment_status, flanders_investment, official_investment, cluster_investment, investment_result
--
-- Step 50: CPI 6, investment in Flanders by the members over T - 4 .. T.

-- Per company: investment over the window, and FTE summed over the window years that have
-- figures (a year whose FTE is unknown adds nothing to the FTE sum).
-- Investment is a window sum of what was actually spent: the amounts of the exercises that end
-- in the window's years, as filed, not annualised (a 6-month exercise counts its six months, an
-- 18-month exercise inside the window counts in full). Only an exercise longer than 12 months
-- that starts before the window is cut to 12 of its months, pro rata (it stands for the first
-- window year): 2019-07-01..2020-12-31 counts 12/18 of its amounts in a window from 2020.
-- A year filled from comparatives has no investment (acquisitions have no previous-year column:
-- unknown, step 20): it adds neither to the investment nor to the FTE-years, so that the FTE
-- share is taken over the same company-years as the investment.
CREATE TABLE investment_panel AS
WITH exercise_investment AS (
  SELECT e.enterprise_number,
         CASE WHEN e.exercise_months > 12 AND CAST(date_part('year', e.exercise_start) AS INT) < (SELECT window_start FROM params)
              THEN CAST(round(CAST(e.tangible_investment_eur + e.intangible_investment_eur AS DOUBLE) * 12.0 / e.exercise_months, 2) AS DECIMAL(38, 4))
              ELSE e.tangible_investment_eur + e.intangible_investment_eur END AS investment_eur,
         CASE WHEN e.exercise_months > 12 AND CAST(date_part('year', e.exercise_start) AS INT) < (SELECT window_start FROM params)
              THEN CAST(round(CAST(e.intangible_investment_eur AS DOUBLE) * 12.0 / e.exercise_months, 2) AS DECIMAL(38, 4))
              ELSE e.intangible_investment_eur END AS intangible_investment_eur
  FROM exercise_figures e
  WHERE e.year BETWEEN (SELECT window_start FROM params) AND (SELECT window_end FROM params)
    AND NOT e.from_comparatives
), window_rows AS (
  -- the exercises and the calendar years in one stream, aggregated once per company
  SELECT enterprise_number, investment_eur, intangible_investment_eur,
         1 AS exercise_row, 0 AS year_row, CAST(NULL AS DECIMAL(38, 4)) AS fte
  FROM exercise_investment
  UNION ALL
  SELECT f.enterprise_number, NULL, NULL, 0, 1, f.fte
  FROM annual_figures f
  WHERE f.year BETWEEN (SELECT window_start FROM params) AND (SELECT window_end FROM params)
    AND NOT f.from_comparatives
)
-- a company needs both an exercise and a calendar year in the window
SELECT enterprise_number,
       sum(year_row) AS filing_years,
       sum(investment_eur) AS investment_eur,
       sum(intangible_investment_eur) AS intangible_investment_eur,
       sum(fte) AS fte_years
FROM window_rows
GROUP BY enterprise_number
HAVING sum(exercise_row) > 0 AND sum(year_row) > 0;

-- Only members seated in Flanders count; one reason per excluded company.
CREATE TABLE investment_status AS
SELECT c.cluster_id,
       c.enterprise_number,
       c.in_register,
       CASE
         WHEN NOT c.is_company THEN 'not_a_company'
         WHEN NOT c.known THEN 'not_in_register'
         WHEN NOT c.in_population THEN 'outside_population'
         WHEN c.region = 'unknown' THEN 'seat_unknown'
         WHEN c.region <> 'Flanders' THEN 'seat_outside_flanders'
         WHEN i.enterprise_number IS NULL THEN 'no_filing_in_window'
       END AS exclusion_reason,
       i.investment_eur,
       i.intangible_investment_eur,
       i.fte_years
FROM cohort_company c
LEFT JOIN investment_panel i ON i.enterprise_number = c.enterprise_number;

-- Flanders, and the rest of Flanders: the same companies less those in any cluster's cohort
-- (ALL), as in step 40.
CREATE VIEW flanders_investment AS
SELECT count(*) AS flanders_firms,
       sum(i.investment_eur) AS flanders_investment_eur,
       sum(i.fte_years) AS flanders_fte_years,
       count(CASE WHEN a.enterprise_number IS NULL THEN 1 END) AS rest_of_flanders_firms,
       sum(CASE WHEN a.enterprise_number IS NULL THEN i.investment_eur END) AS rest_of_flanders_investment_eur,
       sum(CASE WHEN a.enterprise_number IS NULL THEN i.fte_years END) AS rest_of_flanders_fte_years
FROM investment_panel i
JOIN company c ON c.enterprise_number = i.enterprise_number
LEFT JOIN cohort_company a ON a.cluster_id = 'ALL' AND a.enterprise_number = i.enterprise_number
WHERE c.in_benchmark;

-- Official investment total over the window, only when every window year is given.
CREATE VIEW official_investment AS
SELECT CASE WHEN count(*) = max(p.window_end - p.window_start + 1) THEN sum(t.value) END
         AS official_flanders_investment_eur
FROM official_totals t
CROSS JOIN params p
WHERE t.measure = 'investment_eur' AND t.year BETWEEN p.window_start AND p.window_end;

CREATE VIEW cluster_investment AS
SELECT l.cluster_id,
       l.cluster_name,
       count(s.enterprise_number) AS cohort_firms,
       count(CASE WHEN s.in_register THEN 1 END) AS firms_in_register,
       count(CASE WHEN s.exclusion_reason IS NULL AND s.enterprise_number IS NOT NULL THEN 1 END) AS sample_firms,
       coalesce(sum(CASE WHEN s.exclusion_reason IS NULL THEN s.investment_eur END), 0) AS investment_eur,
       coalesce(sum(CASE WHEN s.exclusion_reason IS NULL THEN s.intangible_investment_eur END), 0) AS intangible_investment_eur,
       coalesce(sum(CASE WHEN s.exclusion_reason IS NULL THEN s.fte_years END), 0) AS fte_years
FROM cluster_list l
LEFT JOIN investment_status s ON s.cluster_id = l.cluster_id
GROUP BY l.cluster_id, l.cluster_name;

-- share_of_flanders = cohort investment / Flemish investment;
-- fte_share_of_flanders = cohort FTE-years / Flemish FTE-years over the same window;
-- additional_investment_eur = cohort investment - Flemish investment * FTE share, i.e. the
-- investment above what the cohort's weight in Flemish employment would give;
-- rest_of_flanders_investment_per_fte_year = the rest of Flanders' investment per FTE-year, for
-- the same comparison against Flanders without the members (step 90).
CREATE TABLE investment_result AS
SELECT c.*,
       p.reference_year,
       p.window_start,
       p.window_end,
       f.flanders_firms,
       f.flanders_investment_eur,
       f.flanders_fte_years,
       f.rest_of_flanders_firms,
       f.rest_of_flanders_investment_eur,
       f.rest_of_flanders_fte_years,
       o.official_flanders_investment_eur,
       CAST(c.investment_eur AS DOUBLE) / CAST(nullif(f.flanders_investment_eur, 0) AS DOUBLE) AS share_of_flanders,
       CAST(c.intangible_investment_eur AS DOUBLE) / CAST(nullif(c.investment_eur, 0) AS DOUBLE) AS intangible_share,
       CAST(c.fte_years AS DOUBLE) / CAST(nullif(f.flanders_fte_years, 0) AS DOUBLE) AS fte_share_of_flanders,
       CAST(f.rest_of_flanders_investment_eur AS DOUBLE) / CAST(nullif(f.rest_of_flanders_fte_years, 0) AS DOUBLE)
         AS rest_of_flanders_investment_per_fte_year
FROM cluster_investment c
CROSS JOIN params p
CROSS JOIN flanders_investment f
CROSS JOIN official_investment o;
