-- scope: per_year
-- reads: register_counted, filer, filing_place, postcode_region, nace_concordance, nace_division_section, legal_form_class, population_class, settings, params
-- creates: filing_description, company
--
-- Step 28: each company as it stood in the reference year T, for the steps after this one:
-- where it was seated, what it did, its legal form, and whether it belongs to the population
-- the method compares (METHODOLOGY.md sections 4a and 4b).
--
-- The register is one snapshot, taken after T: its seats and activities are those of the
-- snapshot date, and it lists only the enterprises still active then. The filings say where a
-- company was in the year it filed for, and they remain for a company that has stopped since.

-- What a company's filings up to T say: for the seat, the legal form and the activity, the
-- latest filing (by the year it is for) that gives it. Each is one key per company, year first
-- (four digits, so the text order is the year order), so that the latest is a maximum.
CREATE VIEW filing_description AS
SELECT f.enterprise_number,
       max(CASE WHEN f.postcode IS NOT NULL
                THEN CAST(f.year AS VARCHAR) || '|' || coalesce(upper(f.country), '') || '|' || f.postcode END) AS seat_key,
       max(CASE WHEN f.legal_form IS NOT NULL THEN CAST(f.year AS VARCHAR) || '|' || f.legal_form END) AS legal_form_key,
       max(CASE WHEN f.activity_code IS NOT NULL THEN CAST(f.year AS VARCHAR) || '|' || f.activity_code END) AS activity_key
FROM filing_place f
CROSS JOIN params p
WHERE f.year <= p.end_year
GROUP BY f.enterprise_number;

-- One row per company that can count in T: every company with figures (the register's, and,
-- with the setting, those the snapshot lacks: in_register false) and every company a cluster
-- lists (the register's rows of these: step 22's register_counted). The rest of the register
-- (three in four of its enterprises file no accounts) is left out: it is in no sample and no
-- benchmark, and the table is read by every later step.
--  * Seat: the seat on the filing for T when that filing gives one; else the register's seat;
--    else (absent from the register, or no registered seat) the latest filing's. A filing's
--    seat is in Belgium when its country is BE or not given, and its region and province come
--    from the postcode map; a seat abroad has region 'abroad'.
--  * Activity (NACE-BEL 2025 division and section): the register's main activity; when the
--    register gives none at all (not when it gives a 2008 code the concordance cannot convert:
--    that company's division stays unknown), the latest filing's activity code, read in the NACE-BEL version in
--    force in the year it is for (2008 up to 2024, converted with nace_concordance; 2025 from
--    2025 on).
--  * Legal form: the register's juridical form, else the latest filing's; its class from the
--    legal-form population table (`unknown` when no form is known or the table lacks it).
--  * in_member_population / in_benchmark: the class is one of population.member_classes /
--    population.benchmark_classes; in_benchmark also needs the seat in Flanders. Every Flemish
--    benchmark of the later steps is the companies with in_benchmark.
--  * in_share_benchmark: seated in Flanders with a class of either list: the whole that CPI 6's
--    shares are parts of (a nonprofit member's investment is in the numerator, so Flanders'
--    nonprofits are in the denominator: METHODOLOGY.md 4a).
CREATE TABLE company AS
WITH listed AS (
  SELECT r.enterprise_number, r.juridical_form, r.start_date_text, r.seat_postcode, r.region, r.province,
         r.nace_code, r.nace_source, r.nace_2025_division, r.nace_2025_section,
         true AS in_register
  FROM register_counted r
  UNION ALL
  SELECT a.enterprise_number, CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), 'unknown', CAST(NULL AS VARCHAR),
         CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR),
         false AS in_register
  FROM filer a
  WHERE NOT a.in_register AND (SELECT include_companies_absent_from_register FROM settings)
), described AS (
  SELECT l.*,
         CAST(substr(d.seat_key, 1, 4) AS INT) AS seat_year,
         split_part(d.seat_key, '|', 2) AS filing_country,
         split_part(d.seat_key, '|', 3) AS filing_postcode,
         split_part(d.legal_form_key, '|', 2) AS filing_legal_form,
         CASE WHEN CAST(substr(d.activity_key, 1, 4) AS INT) < 2025 THEN '2008' ELSE '2025' END AS filing_nace_version,
         split_part(d.activity_key, '|', 2) AS filing_nace_code
  -- (the companies with something on their filings first: the hash table is built from them,
  -- not from the whole register)
  FROM filing_description d
  RIGHT JOIN listed l ON d.enterprise_number = l.enterprise_number
), placed AS (
  -- T as a scalar: a cross join with params would hold every row of the register in memory
  SELECT x.*,
         x.filing_postcode IS NOT NULL
           AND (x.seat_year = (SELECT end_year FROM params) OR x.seat_postcode IS NULL) AS seat_from_filing,
         x.nace_code IS NULL AND x.filing_nace_code IS NOT NULL AS activity_from_filing
  FROM described x
), seated AS (
  SELECT x.*,
         CASE WHEN NOT x.seat_from_filing THEN x.region
              WHEN x.filing_country NOT IN ('', 'BE') THEN 'abroad'
              ELSE coalesce(pr.region, 'unknown') END AS region_in_year,
         CASE WHEN NOT x.seat_from_filing THEN x.province
              WHEN x.filing_country NOT IN ('', 'BE') THEN NULL
              ELSE pr.province END AS province_in_year
  FROM postcode_region pr
  RIGHT JOIN placed x ON x.seat_from_filing AND pr.postcode = try_cast(x.filing_postcode AS INT)
), classified AS (
  -- the filing's activity code in NACE-BEL 2025 terms (used only when activity_from_filing)
  SELECT x.*,
         CASE WHEN x.filing_nace_version = '2025' THEN x.filing_nace_code ELSE c.nace_2025 END AS filing_nace_2025_code
  FROM nace_concordance c
  RIGHT JOIN seated x ON x.activity_from_filing AND x.filing_nace_version = '2008' AND c.nace_2008 = x.filing_nace_code
)
SELECT x.enterprise_number,
       coalesce(x.juridical_form, x.filing_legal_form) AS juridical_form,
       coalesce(lf.class, 'unknown') AS population_class,
       x.start_date_text,
       CASE WHEN x.seat_from_filing THEN x.filing_postcode ELSE x.seat_postcode END AS seat_postcode,
       x.region_in_year AS region,
       x.province_in_year AS province,
       CASE WHEN x.seat_from_filing THEN 'filing' WHEN x.in_register AND x.seat_postcode IS NOT NULL THEN 'register' END AS seat_source,
       CASE WHEN x.activity_from_filing THEN 'filing' ELSE x.nace_source END AS nace_source,
       CASE WHEN x.activity_from_filing THEN substr(x.filing_nace_2025_code, 1, 2) ELSE x.nace_2025_division END AS nace_2025_division,
       CASE WHEN x.activity_from_filing THEN s25.section ELSE x.nace_2025_section END AS nace_2025_section,
       x.in_register,
       pc.in_members AS in_member_population,
       pc.in_benchmark AND x.region_in_year = 'Flanders' AS in_benchmark,
       (pc.in_benchmark OR pc.in_members) AND x.region_in_year = 'Flanders' AS in_share_benchmark
FROM classified x
LEFT JOIN nace_division_section s25
  ON x.activity_from_filing AND s25.nace_version = '2025' AND s25.division = try_cast(substr(x.filing_nace_2025_code, 1, 2) AS INT)
LEFT JOIN legal_form_class lf ON lf.juridical_form = coalesce(x.juridical_form, x.filing_legal_form)
JOIN population_class pc ON pc.class = coalesce(lf.class, 'unknown');
