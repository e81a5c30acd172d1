-- scope: common
-- reads: account_filings, split_block, account_value, rubric_map, settings, data_version_preference, register_company, input_counts
-- creates: filing_not_used, filing_count, data_vintage, social_balance_correction, filing_place, measure_rule, exercise_figures, comparatives_assumed_12_months, annual_figures, filer, method_counts
-- publishes: method_counts
--
-- Step 20: annual figures per company and calendar year, from the annual accounts.
-- (Just over 400 lines: every rule that turns filings into a company-year is here, in order.)

-- Every deposit once (from the blocks of rows the reader saw), in each version the NBB
-- delivered it (`AUTHENTIC`, or improved: `PDF_ENCODED`, `EURO_CONVERTED`, `CORRECTED`), with the
-- version's preference from accounts.data_versions (1 = the most improved; NULL = a version the
-- settings do not use). A deposit belongs to the calendar year of its exercise end;
-- `deposit` is its number from step 15.
-- A table, read three times by filing_status and dropped after it (as a view it was computed
-- three times); the four preferences are the hash table the deposits' rows probe.
-- A deposit of one block is one row already (its number is the block's); only the blocks of a
-- deposit split over several (step 15's split_block) can repeat a row, so only they are grouped
-- (grouping all 4 M blocks on their ten columns took about 1 s at F = 1.0).
-- A vintage (accounts.deposit_cutoff): a deposit made after the cutoff date is as if it had
-- not been delivered yet: it has no version preference (so it supersedes nothing) and its
-- status is deposited_after_cutoff (after_cutoff is NULL without a cutoff). The one-row
-- settings table is crossed, not filtered on, so that the plan has no nested-loop join.
-- (after_cutoff stays nullable: a coalesce to false made DataFusion 55 disagree with itself
-- about the column's nullability across the UNION below, an internal error.)
CREATE TABLE filing AS
WITH block AS (
  SELECT f.enterprise_number,
         f.reference_number,
         f.data_version,
         coalesce(s.deposit, f.block) AS deposit,
         CASE WHEN f.deposit_date > c.deposit_cutoff THEN NULL ELSE v.preference END AS version_preference,
         f.deposit_date > c.deposit_cutoff AS after_cutoff,
         -- a correction of the social balance alone, applied (accounts.social_balance_corrections)
         f.data_version = 'CORRECTED_SB' AND c.social_balance_corrections AS social_balance_correction,
         f.deposit_date,
         f.exercise_start,
         f.exercise_end,
         f.exercise_months,
         f.model_type,
         CAST(date_part('year', f.exercise_end) AS INT) AS year,
         s.block IS NOT NULL AS split
  FROM data_version_preference v
  RIGHT JOIN account_filings f ON v.data_version = f.data_version
  LEFT JOIN split_block s ON s.block = f.block
  CROSS JOIN (SELECT deposit_cutoff, social_balance_corrections FROM settings) c
)
SELECT * EXCLUDE (split) FROM block WHERE NOT split
UNION ALL
SELECT DISTINCT * EXCLUDE (split) FROM block WHERE split;

-- Which deposit is used:
--  * a version of the data the settings do not list is not used;
--  * several deposits for the same company and exercise end: the latest deposit wins
--    (refiled corrections); ties broken by the highest reference number;
--  * of the versions of the deposit chosen, the most improved;
--  * a correction of the social balance alone (CORRECTED_SB, never in accounts.data_versions)
--    is not a version of the whole deposit: with accounts.social_balance_corrections its status
--    is social_balance_correction, and social_balance_correction below applies it.
-- Several exercises ending in the same calendar year (after a change of closing date) are all
-- used: annual_figures adds them up. Each choice is a maximum or minimum per group (ISO dates
-- sort as text), so no sort is needed. Only groups of more than one filing can supersede one:
-- the others are left out of latest_deposit and best_version, so that the joins below match
-- a few rows instead of 4 M at F = 1.0 (a filing without a match compares with NULL, which is
-- not true, and stays used).
CREATE TABLE filing_status AS
WITH usable AS (
  SELECT * FROM filing WHERE version_preference IS NOT NULL
), latest_deposit AS (
  SELECT enterprise_number, exercise_end,
         max(CAST(deposit_date AS VARCHAR) || '|' || reference_number) AS deposit_key
  FROM usable
  GROUP BY enterprise_number, exercise_end
  HAVING count(*) > 1
), best_version AS (
  SELECT enterprise_number, reference_number, min(version_preference) AS version_preference
  FROM usable
  GROUP BY enterprise_number, reference_number
  HAVING count(*) > 1
)
SELECT f.enterprise_number, f.reference_number, f.data_version, f.deposit, f.deposit_date, f.exercise_start, f.exercise_end,
       f.exercise_months, f.model_type, f.year,
       CASE WHEN f.after_cutoff THEN 'deposited_after_cutoff'
            WHEN f.social_balance_correction THEN 'social_balance_correction'
            WHEN f.version_preference IS NULL THEN 'data_version_not_used'
            WHEN CAST(f.deposit_date AS VARCHAR) || '|' || f.reference_number <> d.deposit_key
              THEN 'superseded_by_later_deposit'
            WHEN f.version_preference <> b.version_preference THEN 'superseded_by_improved_version'
            ELSE 'used' END AS status
FROM filing f
LEFT JOIN latest_deposit d ON d.enterprise_number = f.enterprise_number AND d.exercise_end = f.exercise_end
LEFT JOIN best_version b ON b.enterprise_number = f.enterprise_number AND b.reference_number = f.reference_number;

DROP TABLE filing;

CREATE VIEW filing_used AS
SELECT * FROM filing_status WHERE status = 'used';

-- A correction of the social balance alone replaces the social-balance rubrics (the rubric
-- map's social_balance column) of the deposit's version in use, and only those: its other
-- rubrics, if it carries any, are not read, and the version in use keeps its other rubrics
-- (METHODOLOGY.md section 3). A correction of a deposit that is not in use (superseded by a
-- later deposit, or delivered only in a version not used) corrects nothing. One row per
-- correction applied: a deposit has at most one version in use, and step 15 made one deposit
-- of any repeated blocks of a correction. (The few corrections first: they are the hash table.)
CREATE TABLE social_balance_correction AS
SELECT c.deposit AS correction_deposit, u.deposit AS corrected_deposit
FROM (SELECT enterprise_number, reference_number, deposit FROM filing_status WHERE status = 'social_balance_correction') c
JOIN filing_used u ON u.enterprise_number = c.enterprise_number AND u.reference_number = c.reference_number;

-- The filings not used, and why: kept for whoever checks a company's figures (filing_status
-- itself is dropped once exercise_figures is made, to free its 4 M rows at F = 1.0 before
-- annual_figures, the step's other large statement), and every status counted for the manifest.
-- An applied correction is used (for its deposit's social balance); one that corrects nothing
-- is listed as such.
CREATE TABLE filing_not_used AS
SELECT enterprise_number, reference_number, data_version, deposit_date, exercise_end,
       CASE WHEN status = 'social_balance_correction' THEN 'correction_of_a_deposit_not_used' ELSE status END AS status
FROM filing_status
WHERE status <> 'used' AND deposit NOT IN (SELECT correction_deposit FROM social_balance_correction);

-- (and the filings used per version of the data: filings_used_authentic, _pdf_encoded,
-- _euro_converted, _corrected)
CREATE TABLE filing_count AS
WITH by_version AS (
  SELECT status, data_version, count(*) AS n FROM filing_status GROUP BY status, data_version
)
SELECT 'filings_' || status AS name, sum(n) AS value FROM by_version GROUP BY status
UNION ALL
SELECT 'filings_used_' || lower(data_version) AS name, n AS value FROM by_version WHERE status = 'used';

-- The data's vintage: the deposit cutoff when there is one, else the latest deposit used. Step
-- 85 compares it with each reference year's filing deadline (provisional figures).
CREATE TABLE data_vintage AS
SELECT coalesce((SELECT deposit_cutoff FROM settings), max(deposit_date)) AS vintage
FROM filing_status
WHERE status = 'used';

-- What each year's filing says about the company itself, when it says it (CBSO JSON: the
-- address's postcode and country, the legal form, the activity code; the long form says none):
-- of the used filings ending in the year, the one that ends last. Step 28 takes from it the
-- seat and activity of the reference year (METHODOLOGY.md section 4b).
CREATE TABLE filing_place AS
WITH described AS (
  SELECT u.enterprise_number, u.year, u.exercise_end,
         min(a.filing_postcode) AS postcode,
         min(a.filing_country) AS country,
         min(a.legal_form) AS legal_form,
         min(replace(a.activity_code, '.', '')) AS activity_code
  FROM filing_used u
  JOIN account_filings a
    ON a.enterprise_number = u.enterprise_number AND a.reference_number = u.reference_number
   AND a.data_version = u.data_version
  WHERE a.filing_postcode IS NOT NULL OR a.legal_form IS NOT NULL OR a.activity_code IS NOT NULL
  GROUP BY u.enterprise_number, u.year, u.exercise_end
), last_exercise AS (
  SELECT enterprise_number, year, max(exercise_end) AS exercise_end FROM described GROUP BY enterprise_number, year
)
SELECT d.enterprise_number, d.year, d.postcode, d.country, d.legal_form, d.activity_code
FROM described d
JOIN last_exercise l ON l.enterprise_number = d.enterprise_number AND l.year = d.year AND l.exercise_end = d.exercise_end;

-- Years without a filing (accounts.comparatives_fill_missing_years, with period N): a
-- company-year with no used filing takes the comparatives (NM1) of the company's used filing
-- whose exercise starts the day after that year's exercise ends, i.e. the comparatives stand for
-- the calendar year of (exercise_start - 1 day). They never replace a filing of the year itself.
-- Two used filings starting in the same year (rare): the one that starts first.
-- A table (458 K rows at F = 1.0): measure_row and exercise_figures both read it, and as a view
-- it was computed twice. The filings whose comparatives' year has a used filing of its own are
-- left out first, so that only the others (about one in nine) are grouped.
CREATE TABLE comparatives_source AS
WITH filling AS (
  SELECT f.enterprise_number,
         CAST(date_part('year', f.exercise_start - INTERVAL '1 day') AS INT) AS year,
         f.exercise_start, f.reference_number, f.data_version, f.deposit
  FROM filing_used f
  CROSS JOIN settings s
  WHERE s.comparatives_fill_missing_years AND s.period = 'N'
), candidate AS (
  SELECT f.enterprise_number,
         f.year,
         min(CAST(f.exercise_start AS VARCHAR) || '|' || f.reference_number || '|' || f.data_version || '|' || CAST(f.deposit AS VARCHAR)) AS source_key
  FROM filling f
  WHERE NOT EXISTS (SELECT 1 FROM filing_used o WHERE o.enterprise_number = f.enterprise_number AND o.year = f.year)
  GROUP BY f.enterprise_number, f.year
), source AS (
  SELECT c.enterprise_number,
         c.year,
         split_part(c.source_key, '|', 2) AS reference_number,
         CAST(split_part(c.source_key, '|', 4) AS BIGINT) AS deposit,
         CAST(split_part(c.source_key, '|', 1) AS DATE) AS next_exercise_start
  FROM candidate c
), previous AS (
  -- the company's last used exercise before the comparatives' exercise: it ended the day before
  -- the comparatives' exercise started
  SELECT s.enterprise_number, s.year, s.reference_number, s.deposit, s.next_exercise_start,
         CAST(max(o.exercise_end) + INTERVAL '1 day' AS DATE) AS previous_start
  FROM source s
  LEFT JOIN filing_used o ON o.enterprise_number = s.enterprise_number AND o.exercise_end < s.next_exercise_start
  GROUP BY s.enterprise_number, s.year, s.reference_number, s.deposit, s.next_exercise_start
), measured AS (
  -- whole months as the readers count them (pipeline/src/inputs/account_rows.rs): days / (365.25 / 12)
  SELECT *,
         CAST(round((date_part('epoch', next_exercise_start) - date_part('epoch', previous_start)) / 86400.0 / (365.25 / 12.0)) AS INT)
           AS previous_months
  FROM previous
)
-- The comparatives' exercise: from the day after the company's previous used exercise when that
-- gives 1 to 24 months (the longest exercise Belgian law allows, a first one), scaled like any
-- other flow in annual_figures; otherwise (no earlier filing delivered, or a gap of more than 24
-- months that several exercises may fill) the 12 months before the next exercise, counted as
-- company_years_comparatives_assumed_12_months.
SELECT enterprise_number, year, reference_number, deposit, next_exercise_start,
       CASE WHEN previous_months BETWEEN 1 AND 24 THEN previous_start
            ELSE CAST(next_exercise_start - INTERVAL '1 year' AS DATE) END AS exercise_start,
       CASE WHEN previous_months BETWEEN 1 AND 24 THEN previous_months ELSE 12 END AS exercise_months,
       previous_months IS NULL OR previous_months NOT BETWEEN 1 AND 24 AS months_assumed
FROM measured;

-- The values a company-year is computed from: the configured period (N) of every filing, and
-- the comparatives (NM1) of the filings that fill a missing year.
CREATE VIEW measure_row AS
SELECT a.deposit, 'own' AS source, a.rubric_code, a.value
FROM account_value a
-- the setting's period as a semi-join, not an inner join: joined, DataFusion 55 estimated the
-- account rows as a handful and built the rubric map's hash join from all of them instead of
-- from the 25 rows of the map (at F = 1.0 that cost 100 s and 16 GB). As a semi-join its one
-- row is the hash table, whose value DataFusion passes to the scan: the files of the other
-- period are skipped unread (a scalar subquery is not known when files are pruned).
WHERE a.period IN (SELECT period FROM settings)
UNION ALL
SELECT a.deposit, 'comparatives' AS source, a.rubric_code, a.value
FROM account_value a
-- the filings whose comparatives fill a year, and the corrections of their social balance
JOIN (SELECT deposit FROM comparatives_source
      UNION ALL
      SELECT s.correction_deposit FROM social_balance_correction s
      JOIN comparatives_source c ON c.deposit = s.corrected_deposit) c ON c.deposit = a.deposit
WHERE a.period = 'NM1';

-- A measure takes the most preferred rubric level that the filing reports: a level counts as
-- reported when the filing reports one of the level's rubrics marked selects_level (for most
-- measures every rubric; for value added the model's own total, 70/76A in the full model and
-- 9900 in the abbreviated and micro models). The level's value is the signed sum of its
-- rubrics that the filing reports (e.g. FTE = 1003, else 9087; tangible investment = 8169,
-- else the sum of 8161..8166; value added = 70/76A - 76A - 60 - 61 - 740 + 1521 + 1522, else
-- 9900 - 76A). Two levels at most. One row per filing and source of its values (its own
-- period, or its comparatives), in one pass over the 27 M account rows at F = 1.0, the
-- costliest aggregation of a run: each level is one sum per filing, and which levels the filing
-- reports are the bits of one integer (one bit_or per filing instead of a bool_or per level:
-- 11 aggregates instead of 21, and the replayed statement 3-5 s faster at F = 1.0).
CREATE VIEW filing_measure_value AS
WITH slot AS (
  -- each (measure, priority) a number 0..9: turnover 0 and 1, FTE 2 and 3, ... (priority is 1
  -- or 2, checked when the map is read); personnel costs 10 or 11
  SELECT rubric_code, sign, selects_level, measure, social_balance,
         (CASE measure WHEN 'turnover' THEN 0 WHEN 'fte' THEN 2 WHEN 'tangible_investment' THEN 4
                       WHEN 'intangible_investment' THEN 6 WHEN 'value_added' THEN 8 ELSE 10 END) + priority - 1 AS slot
  FROM rubric_map
), social_balance_role AS (
  -- a correction's rows count for the deposit it corrects, its social-balance rubrics only;
  -- the corrected deposit's own rows, all but those
  SELECT correction_deposit AS deposit, corrected_deposit, true AS from_correction FROM social_balance_correction
  UNION ALL
  SELECT corrected_deposit AS deposit, corrected_deposit, false AS from_correction FROM social_balance_correction
), signed AS (
  SELECT coalesce(b.corrected_deposit, a.deposit) AS deposit, a.source, r.slot,
         -- bit `slot` set when the row's rubric selects its level; bit 10 when it is personnel
         -- costs other than zero
         CASE WHEN r.selects_level AND r.slot < 10 THEN CAST(1 AS BIGINT) << r.slot ELSE 0 END
           | CASE WHEN r.measure = 'personnel_costs' AND a.value <> 0 THEN 1024 ELSE 0 END AS flag,
         CASE WHEN r.sign < 0 THEN -a.value ELSE a.value END AS signed_value
  -- the corrections joined before the rubric map, not after: DataFusion 55 estimates the rows
  -- that pass the 23-row map as 23, so it built the corrections' join from all 27 M account rows
  -- (2.1 GB, 4.5 s at F = 1.0 with 51 K correction rows) instead of from the 51 K; joined first,
  -- the account rows are estimated as 41 M and the corrections are the hash table.
  FROM measure_row a
  LEFT JOIN social_balance_role b ON b.deposit = a.deposit
  JOIN slot r ON a.rubric_code = r.rubric_code
  WHERE b.deposit IS NULL OR b.from_correction = r.social_balance
), per_filing AS (
  -- the level flags of the filing in one integer, and the sum of each level
  SELECT deposit, source, bit_or(flag) AS flags,
         sum(CASE WHEN slot = 0 THEN signed_value END) AS s0,
         sum(CASE WHEN slot = 1 THEN signed_value END) AS s1,
         sum(CASE WHEN slot = 2 THEN signed_value END) AS s2,
         sum(CASE WHEN slot = 3 THEN signed_value END) AS s3,
         sum(CASE WHEN slot = 4 THEN signed_value END) AS s4,
         sum(CASE WHEN slot = 5 THEN signed_value END) AS s5,
         sum(CASE WHEN slot = 6 THEN signed_value END) AS s6,
         sum(CASE WHEN slot = 7 THEN signed_value END) AS s7,
         sum(CASE WHEN slot = 8 THEN signed_value END) AS s8,
         sum(CASE WHEN slot = 9 THEN signed_value END) AS s9
  FROM signed
  GROUP BY deposit, source
)
SELECT deposit, source,
       coalesce(CASE WHEN flags & 1 <> 0 THEN s0 END, CASE WHEN flags & 2 <> 0 THEN s1 END) AS turnover,
       coalesce(CASE WHEN flags & 4 <> 0 THEN s2 END, CASE WHEN flags & 8 <> 0 THEN s3 END) AS fte,
       coalesce(CASE WHEN flags & 16 <> 0 THEN s4 END, CASE WHEN flags & 32 <> 0 THEN s5 END) AS tangible_investment,
       coalesce(CASE WHEN flags & 64 <> 0 THEN s6 END, CASE WHEN flags & 128 <> 0 THEN s7 END) AS intangible_investment,
       coalesce(CASE WHEN flags & 256 <> 0 THEN s8 END, CASE WHEN flags & 512 <> 0 THEN s9 END) AS value_added,
       -- which level gave value added (1 = full model, 2 = abbreviated and micro models with the
       -- shipped map), counted in the manifest because the two formulas differ
       CASE WHEN flags & 256 <> 0 THEN 1 WHEN flags & 512 <> 0 THEN 2 END AS value_added_level,
       -- personnel costs (rubric 62) other than zero: the filing has employees even when it
       -- has no social balance (see the FTE rule of exercise_figures)
       flags & 1024 <> 0 AS has_personnel_costs
FROM per_filing;

-- Each measure's rules from the rubric map, as one row: flow or stock, and whether a missing
-- rubric means unknown or zero.
CREATE VIEW measure_rule AS
SELECT max(CASE WHEN measure = 'turnover' THEN kind END) AS turnover_kind,
       max(CASE WHEN measure = 'turnover' THEN missing_value END) AS turnover_missing,
       max(CASE WHEN measure = 'fte' THEN kind END) AS fte_kind,
       max(CASE WHEN measure = 'fte' THEN missing_value END) AS fte_missing,
       max(CASE WHEN measure = 'tangible_investment' THEN kind END) AS tangible_investment_kind,
       max(CASE WHEN measure = 'tangible_investment' THEN missing_value END) AS tangible_investment_missing,
       max(CASE WHEN measure = 'intangible_investment' THEN kind END) AS intangible_investment_kind,
       max(CASE WHEN measure = 'intangible_investment' THEN missing_value END) AS intangible_investment_missing,
       max(CASE WHEN measure = 'value_added' THEN kind END) AS value_added_kind,
       max(CASE WHEN measure = 'value_added' THEN missing_value END) AS value_added_missing
FROM rubric_map;

-- One row per exercise used (a used filing, or the comparatives that fill a year), each measure
-- with the missing-value rules applied and nothing scaled yet:
--  * no rubric reported: unknown (NULL) for turnover, FTE and value added, zero for investments
--    (filers leave zero rubrics empty) -- the rubric map's missing_value column;
--  * FTE: a filing without a social balance (no FTE rubric) and without personnel costs (rubric
--    62 absent or zero) has no employees: FTE 0, not unknown
--    (accounts.fte_zero_without_personnel_costs). Comparatives are not read for this rule.
-- Step 50 sums these amounts over its window; annual_figures adds them up per calendar year.
CREATE TABLE exercise_figures AS
WITH reported AS (
  SELECT f.enterprise_number, f.year, f.reference_number, f.exercise_start, f.exercise_end, f.exercise_months,
         -- the model's kind (schemas/accounts.json: taxonomy nbb-cbso-23.0.1): full m02, m82, m05;
         -- abbreviated m01, m81, m04; micro m07, m87, m08 (any -f or -p suffix); else unknown
         CASE lower(split_part(f.model_type, '-', 1))
           WHEN 'm02' THEN 'full' WHEN 'm82' THEN 'full' WHEN 'm05' THEN 'full'
           WHEN 'm01' THEN 'abbreviated' WHEN 'm81' THEN 'abbreviated' WHEN 'm04' THEN 'abbreviated'
           WHEN 'm07' THEN 'micro' WHEN 'm87' THEN 'micro' WHEN 'm08' THEN 'micro' END AS model_class,
         false AS from_comparatives,
         v.turnover, v.fte, v.tangible_investment, v.intangible_investment, v.value_added, v.value_added_level,
         coalesce(v.has_personnel_costs, false) AS has_personnel_costs
  FROM filing_used f
  LEFT JOIN filing_measure_value v ON v.deposit = f.deposit AND v.source = 'own'
  UNION ALL
  SELECT c.enterprise_number, c.year, c.reference_number,
         c.exercise_start,
         CAST(c.next_exercise_start - INTERVAL '1 day' AS DATE) AS exercise_end,
         c.exercise_months,
         -- a year not filed has no model of its own
         CAST(NULL AS VARCHAR) AS model_class,
         true AS from_comparatives,
         -- acquisitions of fixed assets (8169, 8161..8166, 8029, 8021..8024) have no
         -- previous-year column in any model: a year filled from comparatives has unknown
         -- investment, whatever a delivery writes for NM1 (METHODOLOGY.md section 3)
         v.turnover, v.fte, CAST(NULL AS DECIMAL(38, 4)) AS tangible_investment, CAST(NULL AS DECIMAL(38, 4)) AS intangible_investment,
         v.value_added, v.value_added_level,
         true AS has_personnel_costs
  FROM comparatives_source c
  -- a filing without comparatives of the rubric map's rubrics fills nothing
  JOIN filing_measure_value v ON v.deposit = c.deposit AND v.source = 'comparatives'
)
SELECT r.enterprise_number,
       r.year,
       r.reference_number,
       r.exercise_start,
       r.exercise_end,
       r.exercise_months,
       r.model_class,
       r.from_comparatives,
       CASE WHEN r.turnover IS NULL AND m.turnover_missing = 'zero' THEN CAST(0 AS DECIMAL(38, 4)) ELSE r.turnover END AS turnover_eur,
       CASE WHEN r.fte IS NULL AND m.fte_missing = 'zero' THEN CAST(0 AS DECIMAL(38, 4))
            WHEN r.fte IS NULL AND NOT r.has_personnel_costs AND s.fte_zero_without_personnel_costs THEN CAST(0 AS DECIMAL(38, 4))
            ELSE r.fte END AS fte,
       r.fte IS NULL AND NOT r.has_personnel_costs AND s.fte_zero_without_personnel_costs AND m.fte_missing = 'unknown'
         AS fte_zero_without_employees,
       CASE WHEN r.tangible_investment IS NULL AND m.tangible_investment_missing = 'zero' AND NOT r.from_comparatives THEN CAST(0 AS DECIMAL(38, 4))
            ELSE r.tangible_investment END AS tangible_investment_eur,
       CASE WHEN r.intangible_investment IS NULL AND m.intangible_investment_missing = 'zero' AND NOT r.from_comparatives THEN CAST(0 AS DECIMAL(38, 4))
            ELSE r.intangible_investment END AS intangible_investment_eur,
       CASE WHEN r.value_added IS NULL AND m.value_added_missing = 'zero' THEN CAST(0 AS DECIMAL(38, 4)) ELSE r.value_added END AS value_added_eur,
       r.value_added_level
FROM reported r
CROSS JOIN measure_rule m
CROSS JOIN settings s;

DROP VIEW filing_measure_value;
DROP VIEW measure_row;
-- the years filled from comparatives whose exercise length was assumed (method_counts); a
-- candidate without comparatives of the map's rubrics fills nothing and is not counted
CREATE TABLE comparatives_assumed_12_months AS
SELECT c.enterprise_number, c.year
FROM comparatives_source c
JOIN exercise_figures e ON e.enterprise_number = c.enterprise_number AND e.year = c.year AND e.from_comparatives
WHERE c.months_assumed;

DROP TABLE comparatives_source;
DROP VIEW filing_used;
DROP TABLE filing_status;

-- One row per company and calendar year: the exercises that end in the year taken together
-- (nearly always one).
--  * a flow (turnover, investments, value added) is the sum of the exercises' flows, scaled by
--    12 / the months they cover together and rounded to the cent when that is not 12 (two
--    6-month exercises add up to a year; a lone 18-month exercise counts 12/18 of its amounts);
--    unknown when one of the exercises does not report it;
--  * a stock (FTE) is the value of the exercise that ends last;
--  * the row carries that last exercise's reference number, whether it was filled from
--    comparatives, and its value-added level; exercise_start is the earliest start.
-- Comparatives count for the months of the previous exercise (comparatives_source). A year whose exercises together round to 0 months
-- (a first exercise of at most 15 days, e.g. a company founded on 20 December) cannot be
-- annualised: its flows are unknown (NULL, not a division by zero), its stock (FTE) is kept, and
-- the year is counted (company_years_under_half_a_month). Step 50 still counts the exercise's
-- investment as filed.
CREATE TABLE annual_figures AS
WITH year_total AS (
  SELECT enterprise_number, year,
         count(*) AS exercises,
         min(exercise_start) AS exercise_start,
         max(exercise_end) AS exercise_end,
         sum(exercise_months) AS exercise_months,
         CASE WHEN count(turnover_eur) = count(*) THEN sum(turnover_eur) END AS turnover,
         CASE WHEN count(fte) = count(*) THEN sum(fte) END AS fte,
         CASE WHEN count(tangible_investment_eur) = count(*) THEN sum(tangible_investment_eur) END AS tangible_investment,
         CASE WHEN count(intangible_investment_eur) = count(*) THEN sum(intangible_investment_eur) END AS intangible_investment,
         CASE WHEN count(value_added_eur) = count(*) THEN sum(value_added_eur) END AS value_added
  FROM exercise_figures
  GROUP BY enterprise_number, year
)
SELECT y.enterprise_number,
       y.year,
       l.reference_number,
       y.exercise_start,
       y.exercise_end,
       y.exercise_months,
       y.exercises,
       y.exercise_months NOT IN (0, 12) AS scaled_to_12_months,
       l.from_comparatives,
       -- the model of the exercise that ends last (full, abbreviated, micro; NULL unknown)
       l.model_class,
       CASE WHEN m.turnover_kind = 'stock' THEN l.turnover_eur
            WHEN y.exercise_months <> 12
              THEN CAST(round(CAST(y.turnover AS DOUBLE) * 12.0 / nullif(y.exercise_months, 0), 2) AS DECIMAL(38, 4))
            ELSE y.turnover END AS turnover_eur,
       CASE WHEN m.fte_kind = 'stock' THEN l.fte
            WHEN y.exercise_months <> 12
              THEN CAST(round(CAST(y.fte AS DOUBLE) * 12.0 / nullif(y.exercise_months, 0), 2) AS DECIMAL(38, 4))
            ELSE y.fte END AS fte,
       l.fte_zero_without_employees,
       CASE WHEN m.tangible_investment_kind = 'stock' THEN l.tangible_investment_eur
            WHEN y.exercise_months <> 12
              THEN CAST(round(CAST(y.tangible_investment AS DOUBLE) * 12.0 / nullif(y.exercise_months, 0), 2) AS DECIMAL(38, 4))
            ELSE y.tangible_investment END AS tangible_investment_eur,
       CASE WHEN m.intangible_investment_kind = 'stock' THEN l.intangible_investment_eur
            WHEN y.exercise_months <> 12
              THEN CAST(round(CAST(y.intangible_investment AS DOUBLE) * 12.0 / nullif(y.exercise_months, 0), 2) AS DECIMAL(38, 4))
            ELSE y.intangible_investment END AS intangible_investment_eur,
       CASE WHEN m.value_added_kind = 'stock' THEN l.value_added_eur
            WHEN y.exercise_months <> 12
              THEN CAST(round(CAST(y.value_added AS DOUBLE) * 12.0 / nullif(y.exercise_months, 0), 2) AS DECIMAL(38, 4))
            ELSE y.value_added END AS value_added_eur,
       l.value_added_level
FROM year_total y
JOIN exercise_figures l ON l.enterprise_number = y.enterprise_number AND l.exercise_end = y.exercise_end
CROSS JOIN measure_rule m;

-- Every company with figures, and whether the register snapshot holds it: one that it does not
-- stopped before the snapshot (it lists active enterprises only), or has a number the register
-- does not know. Step 28 makes `company` of the filers and the listed members, the filers
-- absent from the register included when register.include_companies_absent_from_register is on.
CREATE TABLE filer AS
SELECT f.enterprise_number, c.enterprise_number IS NOT NULL AS in_register
FROM (SELECT DISTINCT enterprise_number FROM annual_figures) f
LEFT JOIN register_company c ON c.enterprise_number = f.enterprise_number;

-- What the method kept and set aside, counted for manifest.json (name, value).
CREATE VIEW method_counts AS
SELECT name, value FROM filing_count
UNION ALL SELECT 'companies_in_register', count(*) FROM register_company
UNION ALL SELECT 'companies_seated_in_flanders', count(*) FROM register_company WHERE region = 'Flanders'
UNION ALL SELECT 'companies_with_main_nace', count(nace_code) FROM register_company
UNION ALL SELECT 'companies_nace_2008_converted_to_2025', count(*) FROM register_company WHERE nace_2025_converted
UNION ALL SELECT 'filings_social_balance_correction_applied', count(*) FROM social_balance_correction
UNION ALL SELECT 'company_years_with_figures', count(*) FROM annual_figures
-- companies that filed accounts but are not in the register snapshot (stopped before it, or a
-- number the register does not know): the size of the snapshot's survivorship (METHODOLOGY 4b)
UNION ALL SELECT 'companies_filing', count(*) FROM filer
UNION ALL SELECT 'companies_filing_not_in_register', count(*) FROM filer WHERE NOT in_register
UNION ALL SELECT 'company_years_scaled_to_12_months', count(*) FROM annual_figures WHERE scaled_to_12_months
UNION ALL SELECT 'company_years_under_half_a_month', count(*) FROM annual_figures WHERE exercise_months = 0
UNION ALL SELECT 'company_years_of_several_exercises', count(*) FROM annual_figures WHERE exercises > 1
UNION ALL SELECT 'company_years_fte_zero_without_employees', count(*) FROM annual_figures WHERE fte_zero_without_employees
UNION ALL SELECT 'company_years_value_added_level_1', count(*) FROM annual_figures WHERE value_added_level = 1
UNION ALL SELECT 'company_years_value_added_level_2', count(*) FROM annual_figures WHERE value_added_level = 2
UNION ALL SELECT 'company_years_filled_from_comparatives', count(*) FROM annual_figures WHERE from_comparatives
UNION ALL SELECT 'company_years_comparatives_assumed_12_months', count(*) FROM comparatives_assumed_12_months
UNION ALL SELECT name, value FROM input_counts;
