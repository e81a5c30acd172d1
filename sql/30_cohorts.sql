-- scope: per_year
-- reads: clusters, members, company, params
-- creates: cluster_list, cohort_company
--
-- Step 30: the cohort of each cluster.

-- Every cluster, plus ALL = the union of all clusters.
CREATE TABLE cluster_list AS
SELECT cluster_id, cluster_name FROM clusters
UNION ALL
SELECT 'ALL' AS cluster_id, 'All clusters (each company once)' AS cluster_name;

-- Members = companies listed on the cohort date (1 January of T): member_from empty or on/before
-- it, member_to empty or on/after it. A company in two clusters counts in both, in ALL once.
-- is_company: listed as a company (member_type), by the cluster (in ALL: by any cluster); a
-- knowledge institution, federation or other member stays in the cohort, and every indicator
-- excludes it with reason not_a_company, so it is counted per cluster but enters no sample.
-- in_register: in the register snapshot.
-- cohort_exclusion_reason: why a cohort member is outside every sample whatever its figures, the
-- first that applies: not_a_company; not_in_register (not in `company`: neither in the register
-- nor, when the settings include those, a company absent from it that filed accounts: step 28);
-- outside_population (its legal form's class is not one of population.member_classes). Every
-- indicator's reasons start with these (steps 40, 45, 50); the companies without one are those
-- a sample could hold, the cohort that coverage compares a sample with.
CREATE TABLE cohort_company AS
WITH listed AS (
  SELECT m.cluster_id, m.enterprise_number, bool_or(m.member_type = 'company') AS is_company
  FROM members m CROSS JOIN params p
  WHERE (m.member_from IS NULL OR m.member_from <= p.cohort_date)
    AND (m.member_to IS NULL OR m.member_to >= p.cohort_date)
  GROUP BY m.cluster_id, m.enterprise_number
), cohort AS (
  SELECT cluster_id, enterprise_number, is_company FROM listed
  UNION ALL
  SELECT 'ALL' AS cluster_id, enterprise_number, bool_or(is_company) AS is_company FROM listed GROUP BY enterprise_number
)
SELECT c.cluster_id,
       c.enterprise_number,
       c.is_company,
       coalesce(co.in_register, false) AS in_register,
       co.region,
       CASE
         WHEN NOT c.is_company THEN 'not_a_company'
         WHEN co.enterprise_number IS NULL THEN 'not_in_register'
         WHEN NOT coalesce(co.in_member_population, false) THEN 'outside_population'
       END AS cohort_exclusion_reason
FROM cohort c
LEFT JOIN company co ON co.enterprise_number = c.enterprise_number;
