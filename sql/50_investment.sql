-- scope: per_year
-- reads: annual_figures, exercise_figures, company, cohort_company, cluster_list, official_totals, params
-- creates: investment_company_year, investment_panel, investment_window_year, investment_status, flanders_investment, official_investment, cluster_investment, investment_result
--
-- Step 50: CPI 6, investment in Flanders by the members over T - 4 .. T.

-- Per company: investment over the window, and FTE summed over the same company-years.
-- Investment is a window sum of what was actually spent: the amounts of the exercises that end
-- in the window's years, as filed, not annualised (a 6-month exercise counts its six months, an
-- 18-month exercise inside the window counts in full), at most the window's months (5 x 12 = 60)
-- per company: counting back from the latest exercise, an exercise that takes the company past
-- 60 months counts only for the share of its months that still fits, and an earlier one not at
-- all. A change of closing date (2019-07..2020-06, 2020-07..2020-12, then four calendar years =
-- 66 months) counts the first exercise for 6 of its 12 months; an 18-month exercise
-- 2019-07..2020-12 before four calendar years counts 12 of its 18; a company closing every
-- 30 June keeps its five exercises (60 months). An exercise of 0 months (at most 15 days) adds no
-- months and counts as filed.
-- Investment unknown (a year filled from comparatives: acquisitions have no previous-year
-- column, step 20; or a rubric whose missing_value is 'unknown') is not 0: the company-year adds
-- neither to the investment nor to the FTE-years, so that the FTE share is taken over the same
-- company-years as the investment. filing_years counts the calendar years in the window with
-- figures, investment_years those whose exercises all give investment: CPI 6's coverage.
CREATE TABLE investment_company_year AS
WITH in_window AS (
  -- params are read as scalars: a cross join with them made DataFusion hold every exercise of
  -- the window in a nested-loop join's buffer
  SELECT enterprise_number, year, exercise_start, exercise_end, exercise_months,
         tangible_investment_eur + intangible_investment_eur AS investment_eur,
         intangible_investment_eur
  FROM exercise_figures
  WHERE year BETWEEN (SELECT window_start FROM params) AND (SELECT window_end FROM params)
    AND NOT from_comparatives
), over_window AS (
  -- the few companies whose exercises in the window cover more than its months (a change of
  -- closing date, a long first exercise): only their exercises need the months counted back
  -- (an exercise of any other company fits whole, being at most 24 months)
  SELECT enterprise_number
  FROM in_window
  GROUP BY enterprise_number
  HAVING sum(exercise_months) > (SELECT 12 * (window_end - window_start + 1) FROM params)
), counted_back AS (
  SELECT e.enterprise_number, e.year, e.exercise_months, e.investment_eur, e.intangible_investment_eur,
         (SELECT 12 * (window_end - window_start + 1) FROM params) AS window_months,
         coalesce(sum(e.exercise_months) OVER (PARTITION BY e.enterprise_number ORDER BY e.exercise_end DESC, e.exercise_start DESC
                                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS later_months
  FROM in_window e
  JOIN over_window o ON o.enterprise_number = e.enterprise_number
), cut AS (
  -- what the window's months take off an exercise that does not fit whole: all of it before
  -- the window's months, the share of its months past them (rounded to the cent) otherwise
  SELECT enterprise_number, year,
         CASE WHEN later_months >= window_months THEN -investment_eur
              ELSE CAST(round(CAST(investment_eur AS DOUBLE) * (window_months - later_months) / exercise_months, 2) AS DECIMAL(38, 4))
                   - investment_eur END AS investment_eur,
         CASE WHEN later_months >= window_months THEN -intangible_investment_eur
              ELSE CAST(round(CAST(intangible_investment_eur AS DOUBLE) * (window_months - later_months) / exercise_months, 2) AS DECIMAL(38, 4))
                   - intangible_investment_eur END AS intangible_investment_eur
  FROM counted_back
  WHERE later_months + exercise_months > window_months
), window_row AS (
  -- the window's exercises, their cuts and its calendar years with figures in one stream,
  -- added up once per company-year (joins of these rows took 1.2-1.9 s at F = 1.0)
  SELECT enterprise_number, year, investment_eur, intangible_investment_eur,
         1 AS exercise_row, CASE WHEN investment_eur IS NULL THEN 1 ELSE 0 END AS unknown_row,
         0 AS year_row, CAST(NULL AS DECIMAL(38, 4)) AS fte
  FROM in_window
  UNION ALL
  SELECT enterprise_number, year, investment_eur, intangible_investment_eur, 0, 0, 0, CAST(NULL AS DECIMAL(38, 4))
  FROM cut
  UNION ALL
  SELECT enterprise_number, year, CAST(NULL AS DECIMAL(38, 4)), CAST(NULL AS DECIMAL(38, 4)), 0, 0, 1, fte
  FROM annual_figures
  WHERE year BETWEEN (SELECT window_start FROM params) AND (SELECT window_end FROM params)
), company_year AS (
  -- a calendar year gives investment when it has exercises and every one of them does
  SELECT enterprise_number, year,
         sum(exercise_row) > 0 AND sum(unknown_row) = 0 AS investment_known,
         sum(investment_eur) AS investment_eur,
         sum(intangible_investment_eur) AS intangible_investment_eur,
         max(fte) AS fte
  FROM window_row
  GROUP BY enterprise_number, year
  HAVING sum(year_row) > 0
)
SELECT enterprise_number,
       year,
       investment_known,
       CASE WHEN investment_known THEN investment_eur END AS investment_eur,
       CASE WHEN investment_known THEN intangible_investment_eur END AS intangible_investment_eur,
       CASE WHEN investment_known THEN fte END AS fte
FROM company_year;

CREATE TABLE investment_panel AS
SELECT enterprise_number,
       count(*) AS filing_years,
       count(CASE WHEN investment_known THEN 1 END) AS investment_years,
       sum(investment_eur) AS investment_eur,
       sum(intangible_investment_eur) AS intangible_investment_eur,
       sum(fte) AS fte_years
FROM investment_company_year
GROUP BY enterprise_number;

-- Per window year: how many of the Flemish benchmark's companies (those with a year of known
-- investment) give investment for it. A year known for fewer than half of them is named in the
-- warnings (step 90): the NBB's JSON deliveries start with deposits of April 2022, so a window
-- reaching before 2021 without the older XBRL deposits misses its first years.
CREATE TABLE investment_window_year AS
WITH RECURSIVE window_year AS (
  -- T - 4 .. T, every year even one without any figures
  SELECT window_start AS year FROM params
  UNION ALL
  SELECT w.year + 1 FROM window_year w CROSS JOIN params p WHERE w.year < p.window_end
), benchmark AS (
  SELECT i.enterprise_number
  FROM investment_panel i
  JOIN company c ON c.enterprise_number = i.enterprise_number
  WHERE c.in_share_benchmark AND i.investment_years > 0
), known AS (
  SELECT y.year, y.enterprise_number
  FROM investment_company_year y
  JOIN benchmark b ON b.enterprise_number = y.enterprise_number
  WHERE y.investment_known
)
SELECT w.year,
       n.flanders_firms,
       count(k.enterprise_number) AS flanders_firms_with_investment,
       -- fewer than half (exactly half is not flagged)
       2 * count(k.enterprise_number) < n.flanders_firms AS known_for_fewer_than_half
FROM window_year w
CROSS JOIN (SELECT count(*) AS flanders_firms FROM benchmark) n
LEFT JOIN known k ON k.year = w.year
GROUP BY w.year, n.flanders_firms;


-- Only members seated in Flanders count; one reason per excluded company (step 30's reasons
-- first).
CREATE TABLE investment_status AS
SELECT c.cluster_id,
       c.enterprise_number,
       c.in_register,
       coalesce(c.cohort_exclusion_reason, CASE
         WHEN c.region = 'unknown' THEN 'seat_unknown'
         WHEN c.region <> 'Flanders' THEN 'seat_outside_flanders'
         WHEN i.enterprise_number IS NULL THEN 'no_filing_in_window'
         -- figures in the window, but no year with known investment (only years filled from
         -- comparatives): not a company that invested nothing
         WHEN i.investment_years = 0 THEN 'investment_unknown_in_window'
       END) AS exclusion_reason,
       i.filing_years,
       i.investment_years,
       i.investment_eur,
       i.intangible_investment_eur,
       i.fte_years
FROM cohort_company c
LEFT JOIN investment_panel i ON i.enterprise_number = c.enterprise_number;

-- Flanders, and the rest of Flanders: the same companies less those in any cluster's cohort
-- (ALL), as in step 40. A share is a part of its whole: the Flemish companies of CPI 6 are
-- those of the benchmark's classes and those of the members' classes (population.
-- benchmark_classes and member_classes: a nonprofit member's investment is compared with a
-- Flanders that holds the Flemish nonprofits too), seated in Flanders. A company with no year
-- of known investment is in no benchmark; its years count in the coverage's denominator
-- (company-years with figures).
CREATE VIEW flanders_investment AS
SELECT count(CASE WHEN i.investment_years > 0 THEN 1 END) AS flanders_firms,
       sum(i.investment_years) AS flanders_investment_years,
       sum(i.filing_years) AS flanders_filing_years,
       sum(i.investment_eur) AS flanders_investment_eur,
       sum(i.fte_years) AS flanders_fte_years,
       count(CASE WHEN a.enterprise_number IS NULL AND i.investment_years > 0 THEN 1 END) AS rest_of_flanders_firms,
       sum(CASE WHEN a.enterprise_number IS NULL THEN i.investment_eur END) AS rest_of_flanders_investment_eur,
       sum(CASE WHEN a.enterprise_number IS NULL THEN i.fte_years END) AS rest_of_flanders_fte_years
FROM investment_panel i
JOIN company c ON c.enterprise_number = i.enterprise_number
LEFT JOIN cohort_company a ON a.cluster_id = 'ALL' AND a.enterprise_number = i.enterprise_number
WHERE c.in_share_benchmark;

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
       coalesce(sum(CASE WHEN s.exclusion_reason IS NULL THEN s.fte_years END), 0) AS fte_years,
       -- coverage: over the members that count but for their unknown investment
       coalesce(sum(CASE WHEN s.exclusion_reason IS NULL OR s.exclusion_reason = 'investment_unknown_in_window' THEN s.investment_years END), 0)
         AS investment_company_years,
       coalesce(sum(CASE WHEN s.exclusion_reason IS NULL OR s.exclusion_reason = 'investment_unknown_in_window' THEN s.filing_years END), 0)
         AS filing_company_years
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
       f.flanders_investment_years,
       f.flanders_filing_years,
       f.rest_of_flanders_firms,
       f.rest_of_flanders_investment_eur,
       f.rest_of_flanders_fte_years,
       o.official_flanders_investment_eur,
       CAST(c.investment_company_years AS DOUBLE) / CAST(nullif(c.filing_company_years, 0) AS DOUBLE) AS investment_coverage,
       CAST(f.flanders_investment_years AS DOUBLE) / CAST(nullif(f.flanders_filing_years, 0) AS DOUBLE) AS flanders_investment_coverage,
       CAST(c.investment_eur AS DOUBLE) / CAST(nullif(f.flanders_investment_eur, 0) AS DOUBLE) AS share_of_flanders,
       CAST(c.intangible_investment_eur AS DOUBLE) / CAST(nullif(c.investment_eur, 0) AS DOUBLE) AS intangible_share,
       CAST(c.fte_years AS DOUBLE) / CAST(nullif(f.flanders_fte_years, 0) AS DOUBLE) AS fte_share_of_flanders,
       CAST(f.rest_of_flanders_investment_eur AS DOUBLE) / CAST(nullif(f.rest_of_flanders_fte_years, 0) AS DOUBLE)
         AS rest_of_flanders_investment_per_fte_year
FROM cluster_investment c
CROSS JOIN params p
CROSS JOIN flanders_investment f
CROSS JOIN official_investment o;
