-- Step 10: the company register (KBO/BCE Open Data full extract).
-- One row per enterprise: where its registered seat is and what its main activity is.
-- Reads: kbo_enterprise, kbo_establishment, kbo_activity, kbo_address, kbo_code,
--        postcode_region, nace_sections, nace_version_preference, activity_group_preference, params.
-- Creates: company.

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

-- MAIN activities in a preferred NACE version (a view: the large activity file is scanned
-- where it is used instead of being held in memory).
-- Activity groups not in the preference list rank after the listed ones, by their code.
CREATE VIEW main_activity_row AS
SELECT a.entity_number,
       a.nace_version,
       a.activity_group,
       a.nace_code,
       v.preference AS version_preference,
       coalesce(g.preference, 1000 + try_cast(a.activity_group AS INT)) AS group_preference
FROM kbo_activity a
JOIN nace_version_preference v ON a.nace_version = v.nace_version
LEFT JOIN activity_group_preference g ON a.activity_group = g.activity_group
WHERE a.classification = 'MAIN';

-- Candidates for an enterprise's main activity: its own MAIN activities first (level 1), then
-- those of its establishments (level 2) for enterprises coded only at establishment level.
CREATE VIEW main_activity_candidate AS
SELECT e.enterprise_number, 1 AS entity_level, r.*
FROM main_activity_row r JOIN kbo_enterprise e ON r.entity_number = e.enterprise_number
UNION ALL
SELECT es.enterprise_number, 2 AS entity_level, r.*
FROM main_activity_row r JOIN kbo_establishment es ON r.entity_number = es.establishment_number;

-- The rule: own activities before establishments', preferred NACE version, preferred
-- activity group, then the lowest code. The rule is written as one key that sorts in that
-- order; the smallest key per enterprise wins (an aggregate, no sort needed), and the version,
-- group and code are read back from it.
CREATE VIEW main_activity AS
SELECT enterprise_number,
       CAST(substr(choice, 1, 1) AS INT) AS entity_level,
       split_part(choice, '|', 2) AS nace_version,
       split_part(choice, '|', 3) AS activity_group,
       split_part(choice, '|', 4) AS nace_code
FROM (
  SELECT enterprise_number,
         min(CAST(entity_level AS VARCHAR)
             || lpad(CAST(version_preference AS VARCHAR), 3, '0')
             || lpad(CAST(group_preference AS VARCHAR), 5, '0')
             || '|' || nace_version || '|' || activity_group || '|' || nace_code) AS choice
  FROM main_activity_candidate
  GROUP BY enterprise_number
) chosen;

-- Division = first two digits of the code; section from the NACE structure (division ranges),
-- with its label from code.csv (category Nace<version>), which also proves the section exists
-- in the published code list.
CREATE VIEW main_activity_classified AS
SELECT m.enterprise_number,
       m.nace_version,
       m.nace_code,
       substr(m.nace_code, 1, 2) AS nace_division,
       s.section AS nace_section,
       l.description AS nace_section_label,
       CASE m.entity_level WHEN 1 THEN 'enterprise' ELSE 'establishment' END AS nace_source
FROM main_activity m
LEFT JOIN nace_sections s
  ON s.nace_version = m.nace_version
 AND try_cast(substr(m.nace_code, 1, 2) AS INT) BETWEEN s.division_from AND s.division_to
LEFT JOIN kbo_code l
  ON l.category = 'Nace' || m.nace_version
 AND l.code = s.section
 AND l.language = (SELECT label_language FROM params);

CREATE TABLE company AS
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
       m.nace_source
FROM kbo_enterprise e
LEFT JOIN seat_location l ON l.enterprise_number = e.enterprise_number
LEFT JOIN main_activity_classified m ON m.enterprise_number = e.enterprise_number;
