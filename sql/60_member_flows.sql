-- scope: per_year
-- reads: members, company, growth_panel, cluster_list, params
-- creates: member_flow, member_flow_company, member_flow_result
--
-- Step 60: member flows between the cohort of B and the cohort of T, per cluster, so that a
-- reader sees how much of a cluster's change comes from who joined or left.

-- Membership on the cohort date of B (1 January of B) and of T. In ALL, a company counts as a
-- member on a date when it is listed for any cluster on that date. Members that are not
-- companies (member_type) are not counted: they enter no sample either.
CREATE TABLE member_flow AS
WITH listed AS (
  SELECT m.cluster_id,
         m.enterprise_number,
         (m.member_from IS NULL OR m.member_from <= p.base_cohort_date)
           AND (m.member_to IS NULL OR m.member_to >= p.base_cohort_date) AS in_base,
         (m.member_from IS NULL OR m.member_from <= p.cohort_date)
           AND (m.member_to IS NULL OR m.member_to >= p.cohort_date) AS in_end
  FROM members m CROSS JOIN params p
  WHERE m.member_type = 'company'  -- as in the samples: only companies (step 30)
), membership AS (
  SELECT cluster_id, enterprise_number, bool_or(in_base) AS in_base, bool_or(in_end) AS in_end
  FROM listed GROUP BY cluster_id, enterprise_number
  UNION ALL
  SELECT 'ALL' AS cluster_id, enterprise_number, bool_or(in_base) AS in_base, bool_or(in_end) AS in_end
  FROM listed GROUP BY enterprise_number
)
SELECT cluster_id,
       enterprise_number,
       CASE WHEN in_base AND in_end THEN 'staying' WHEN in_end THEN 'entrant' ELSE 'leaver' END AS flow
FROM membership
WHERE in_base OR in_end;

-- Each company of a flow with its turnover and FTE in B and T where known. As in the samples,
-- only companies found in the register contribute values. Step 75 reads it for the
-- disclosure control of the flows.
CREATE TABLE member_flow_company AS
SELECT f.cluster_id,
       f.flow,
       f.enterprise_number,
       coalesce(c.in_register, false) AS in_register,
       t.value_base AS turnover_base,
       t.value_end AS turnover_end,
       e.value_base AS fte_base,
       e.value_end AS fte_end
FROM member_flow f
LEFT JOIN company c ON c.enterprise_number = f.enterprise_number
-- (values only of companies in the member population, as in the samples: a public body is
-- counted as a member, with no value)
LEFT JOIN growth_panel t
  ON t.enterprise_number = c.enterprise_number AND t.measure = 'turnover' AND c.in_member_population
LEFT JOIN growth_panel e
  ON e.enterprise_number = c.enterprise_number AND e.measure = 'fte' AND c.in_member_population;

-- Per cluster and flow: companies, and their turnover and FTE in B and T where known (a
-- company's value counts in a year when it is known in that year; NULL when none is).
CREATE VIEW member_flow_result AS
WITH flows AS (
  SELECT * FROM (VALUES ('staying', 1), ('entrant', 2), ('leaver', 3)) AS t(flow, flow_order)
)
SELECT l.cluster_id,
       p.reference_year,
       p.base_year,
       p.end_year,
       fl.flow,
       fl.flow_order,
       count(v.enterprise_number) AS firms,
       count(CASE WHEN v.in_register THEN 1 END) AS firms_in_register,
       sum(v.turnover_base) AS turnover_base_eur,
       sum(v.turnover_end) AS turnover_end_eur,
       sum(v.fte_base) AS fte_base,
       sum(v.fte_end) AS fte_end
FROM cluster_list l
CROSS JOIN flows fl
CROSS JOIN params p
LEFT JOIN member_flow_company v ON v.cluster_id = l.cluster_id AND v.flow = fl.flow
GROUP BY l.cluster_id, p.reference_year, p.base_year, p.end_year, fl.flow, fl.flow_order;
