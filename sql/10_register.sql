-- scope: common
-- reads: kbo_enterprise, kbo_establishment, kbo_activity, kbo_address, kbo_code, postcode_region, nace_division_section, nace_version_preference, activity_group_preference, settings
-- creates: seat, seat_location, division_section_label, nace_concordance, register_company, output_nace_concordance
-- publishes: output_nace_concordance
--
-- Step 10: the company register (KBO/BCE Open Data full extract).
-- One row per enterprise: where its registered seat is and what its main activity is.

-- Registered seat = the address of type REGO. A seat abroad has a country name filled in.
CREATE VIEW seat AS
SELECT entity_number AS enterprise_number,
       min(zipcode) AS seat_postcode,
       max(CASE WHEN country_nl IS NOT NULL OR country_fr IS NOT NULL THEN 1 ELSE 0 END) = 1 AS seat_abroad
FROM kbo_address
WHERE type_of_address = 'REGO'
GROUP BY entity_number;

-- Region and province from the seat's postcode (the ranges of the postcode map, one row per
-- postcode in postcode_region).
CREATE VIEW seat_location AS
SELECT s.enterprise_number,
       s.seat_postcode,
       CASE WHEN s.seat_abroad THEN 'abroad' ELSE coalesce(p.region, 'unknown') END AS region,
       CASE WHEN s.seat_abroad THEN NULL ELSE p.province END AS province
FROM seat s
LEFT JOIN postcode_region p
  ON NOT s.seat_abroad
 AND try_cast(s.seat_postcode AS INT) = p.postcode;

-- MAIN activities in a preferred NACE version, read once from the (large) activity file.
-- Activity groups not in the preference list rank after the listed ones, by their code.
-- (The preference lists are joined to the activity file itself, written first: they are the
-- hash tables its rows probe. Joined after the version's join, DataFusion built the group
-- join's hash table from the 10 M activity rows at F = 1.0.)
CREATE TABLE main_activity_row AS
SELECT a.entity_number,
       a.nace_version,
       a.activity_group,
       a.nace_code,
       v.preference AS version_preference,
       coalesce(g.preference, 1000 + try_cast(a.activity_group AS INT)) AS group_preference
FROM activity_group_preference g
RIGHT JOIN kbo_activity a ON a.activity_group = g.activity_group
JOIN nace_version_preference v ON a.nace_version = v.nace_version
WHERE a.classification = 'MAIN';

-- Candidates for an enterprise's main activity: its own MAIN activities first (level 1), then
-- those of its establishments (level 2) for enterprises coded only at establishment level.
-- (The register's numbers first: they are the hash tables, one key column each, that the
-- activity rows probe.)
CREATE VIEW main_activity_candidate AS
SELECT e.enterprise_number, 1 AS entity_level, r.*
FROM kbo_enterprise e JOIN main_activity_row r ON r.entity_number = e.enterprise_number
UNION ALL
SELECT es.enterprise_number, 2 AS entity_level, r.*
FROM kbo_establishment es JOIN main_activity_row r ON r.entity_number = es.establishment_number;

-- The rule: own activities before establishments', preferred NACE version, preferred
-- activity group, then the lowest code. The rule is written as one key that sorts in that
-- order; the smallest key per enterprise wins (an aggregate, no sort needed), and the version,
-- group and code are read back from it.
CREATE TABLE main_activity AS
SELECT enterprise_number,
       CAST(substr(choice, 1, 1) AS INT) AS entity_level,
       split_part(choice, '|', 2) AS nace_version,
       split_part(choice, '|', 3) AS activity_group,
       split_part(choice, '|', 4) AS nace_code
FROM (
  SELECT enterprise_number,
         -- level, version and group preference as one 9-digit number (l vvv ggggg) that sorts
         -- as text in the rule's order; then the codes
         min(CAST(entity_level * 100000000 + version_preference * 100000 + group_preference AS VARCHAR)
             || '|' || nace_version || '|' || activity_group || '|' || nace_code) AS choice
  FROM main_activity_candidate
  GROUP BY enterprise_number
) chosen;

-- Division = first two digits of the code; section from the NACE structure (division ranges),
-- with its label from code.csv (category Nace<version>), which also proves the section exists
-- in the published code list.
-- Section and section label per NACE version and division: a small table (the large tables
-- below are joined to it with the small table first, so that it is the hash table).
CREATE TABLE division_section_label AS
SELECT s.nace_version, s.division, s.section, l.description AS section_label
FROM nace_division_section s
LEFT JOIN kbo_code l
  ON l.category = 'Nace' || s.nace_version
 AND l.code = s.section
 AND l.language = (SELECT label_language FROM settings);

CREATE VIEW main_activity_classified AS
SELECT m.enterprise_number,
       m.nace_version,
       m.nace_code,
       substr(m.nace_code, 1, 2) AS nace_division,
       d.section AS nace_section,
       d.section_label AS nace_section_label,
       CASE m.entity_level WHEN 1 THEN 'enterprise' ELSE 'establishment' END AS nace_source
FROM division_section_label d
RIGHT JOIN main_activity m
  ON d.nace_version = m.nace_version
 AND d.division = try_cast(substr(m.nace_code, 1, 2) AS INT);

-- A NACE 2008 -> 2025 concordance derived from the register itself: for each 2008 code, the
-- 2025 code most often given as MAIN activity to the same entities in the same activity group
-- (ties: the lowest 2025 code). support = entities with that pair; entities_with_both = all
-- entities with the 2008 code and some 2025 code in the same group.
CREATE TABLE nace_concordance AS
WITH pairs AS (
  SELECT a.nace_code AS nace_2008, b.nace_code AS nace_2025, count(DISTINCT a.entity_number) AS support
  FROM main_activity_row a
  JOIN main_activity_row b
    ON a.entity_number = b.entity_number AND a.activity_group = b.activity_group
  WHERE a.nace_version = '2008' AND b.nace_version = '2025'
  GROUP BY a.nace_code, b.nace_code
), ranked AS (
  -- the pair with the 2008 code's largest support (ties: the lowest 2025 code), with windows
  -- over the pairs so that they (a join of the 10 M activity rows with themselves at F = 1.0)
  -- are made once: joined back to their maxima they were made twice
  SELECT nace_2008, nace_2025,
         max(support) OVER (PARTITION BY nace_2008) AS support,
         sum(support) OVER (PARTITION BY nace_2008) AS entities_with_both,
         row_number() OVER (PARTITION BY nace_2008 ORDER BY support DESC, nace_2025) AS candidate_order
  FROM pairs
)
SELECT nace_2008, nace_2025, support, entities_with_both
FROM ranked
WHERE candidate_order = 1;

-- The main activity in NACE 2025 terms beside it: as chosen when it is a 2025 code, else the
-- 2008 code converted with the concordance (nace_2025_converted); section from the 2025
-- structure. (One view of both, so that `register_company` joins the enterprises to their
-- activity once; the small section and concordance tables are the hash tables here, not at the
-- end of the join chain over the register's files.)
CREATE VIEW main_activity_2025 AS
SELECT x.*, s25.section AS nace_2025_section
FROM nace_division_section s25
RIGHT JOIN (
  SELECT m.*,
         CASE WHEN m.nace_version = '2025' THEN m.nace_code ELSE c.nace_2025 END AS nace_2025_code,
         m.nace_version = '2008' AND c.nace_2025 IS NOT NULL AS nace_2025_converted
  FROM nace_concordance c
  RIGHT JOIN main_activity_classified m ON m.nace_version = '2008' AND c.nace_2008 = m.nace_code
) x
  ON s25.nace_version = '2025'
 AND s25.division = try_cast(substr(x.nace_2025_code, 1, 2) AS INT);

-- The register as it stands on the snapshot date. Step 28 makes of it, for each reference year,
-- `company`: the seat and activity of that year, the companies absent from the snapshot, and
-- the population each company belongs to.
CREATE TABLE register_company AS
SELECT e.enterprise_number,
       e.type_of_enterprise,
       e.juridical_form,
       e.start_date AS start_date_text,
       l.seat_postcode,
       coalesce(l.region, 'unknown') AS region,
       l.province,
       m.nace_version,
       m.nace_code,
       m.nace_division,
       m.nace_section,
       m.nace_section_label,
       m.nace_source,
       m.nace_2025_code,
       substr(m.nace_2025_code, 1, 2) AS nace_2025_division,
       m.nace_2025_section,
       m.nace_2025_converted
FROM kbo_enterprise e
LEFT JOIN seat_location l ON l.enterprise_number = e.enterprise_number
LEFT JOIN main_activity_2025 m ON m.enterprise_number = e.enterprise_number;

-- The concordance as published (nace_concordance.parquet, written once whatever the years).
CREATE VIEW output_nace_concordance AS
SELECT CAST(nace_2008 AS VARCHAR) AS nace_2008,
       CAST(nace_2025 AS VARCHAR) AS nace_2025,
       CAST(support AS BIGINT) AS support,
       CAST(entities_with_both AS BIGINT) AS entities_with_both,
       CAST(support AS DOUBLE) / CAST(entities_with_both AS DOUBLE) AS support_share
FROM nace_concordance
ORDER BY nace_2008;

-- The activity rows and the per-enterprise choice are in `register_company` and `nace_concordance`
-- now; dropping them frees their memory for the later steps.
DROP VIEW main_activity_2025;
DROP VIEW main_activity_classified;
DROP VIEW main_activity_candidate;
DROP TABLE main_activity;
DROP TABLE main_activity_row;
