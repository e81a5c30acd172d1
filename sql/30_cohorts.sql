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
CREATE TABLE cohort_company AS
WITH listed AS (
  SELECT DISTINCT m.cluster_id, m.enterprise_number
  FROM members m CROSS JOIN params p
  WHERE (m.member_from IS NULL OR m.member_from <= p.cohort_date)
    AND (m.member_to IS NULL OR m.member_to >= p.cohort_date)
), cohort AS (
  SELECT cluster_id, enterprise_number FROM listed
  UNION ALL
  SELECT DISTINCT 'ALL' AS cluster_id, enterprise_number FROM listed
)
SELECT c.cluster_id,
       c.enterprise_number,
       co.enterprise_number IS NOT NULL AS in_register,
       co.region
FROM cohort c
LEFT JOIN company co ON co.enterprise_number = c.enterprise_number;
