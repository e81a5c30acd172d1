-- scope: per_year
-- reads: growth_status, growth_panel, breakdown_company_long, productivity_status, productivity_panel, investment_status, investment_panel, member_flow_company, company, cohort_company, params
-- creates: disclosure_company_cell, disclosure_quantity, disclosure_contribution, disclosure_cell, disclosure_primary, disclosure_candidate, disclosure_union, disclosure_status
--
-- Step 75: disclosure control of every published cell that sums company values, so that no
-- published figure, and no difference of published figures, gives one company's value.
--
-- A cell is (table, cluster, dimension, category): a cluster's sample in CPI 7, CPI 8,
-- productivity or CPI 6 (dimension 'total'), one of its breakdown categories (nace_section,
-- size_class, province, age_class), a member flow (dimension 'flow'), and the same for the
-- Flemish benchmark (cluster '(Flanders)') and the rest of Flanders ('(rest of Flanders)'). Each
-- cell has one or more quantities (the sums it shows: turnover in B and in T, ...).

-- Every company's values in every cell, one row per company and cell, with the cell's
-- quantities side by side as magnitudes (m1..m4, named per table by disclosure_quantity below):
-- the dominance and p % rules read absolute values (value added can be negative); NULL where
-- the company's value is unknown (it does not count in that quantity). About 8 rows per Flemish
-- company at F = 1.0: a view, aggregated as it is made. Each source is read once and crossed
-- with the short list of its benchmark clusters (the list is the left, buffered side of those
-- cross joins).
CREATE VIEW disclosure_company_cell AS
WITH growth_sample AS (
  SELECT CASE s.measure WHEN 'turnover' THEN 'cpi7' ELSE 'cpi8' END AS tbl,
         s.cluster_id, s.enterprise_number, s.value_base, s.value_end
  FROM growth_status s
  WHERE s.exclusion_reason IS NULL
), flemish_growth AS (
  SELECT CASE g.measure WHEN 'turnover' THEN 'cpi7' ELSE 'cpi8' END AS tbl,
         g.enterprise_number, g.value_base, g.value_end, a.enterprise_number IS NULL AS rest
  FROM growth_panel g
  JOIN company c ON c.enterprise_number = g.enterprise_number
  LEFT JOIN cohort_company a ON a.cluster_id = 'ALL' AND a.enterprise_number = g.enterprise_number
  WHERE c.in_benchmark AND g.value_base IS NOT NULL AND g.value_end IS NOT NULL
), benchmark AS (
  -- a Flemish company counts in Flanders' cells; one listed for no cluster also in the rest's
  SELECT * FROM (VALUES ('(Flanders)'), ('(rest of Flanders)')) AS b(cluster_id)
), growth_cell AS (
  SELECT tbl, cluster_id, 'total' AS dimension, 'total' AS category, enterprise_number, value_base, value_end FROM growth_sample
  UNION ALL
  SELECT g.tbl, g.cluster_id, b.dimension, b.category, g.enterprise_number, g.value_base, g.value_end
  FROM growth_sample g JOIN breakdown_company_long b ON b.enterprise_number = g.enterprise_number
  UNION ALL
  SELECT f.tbl, b.cluster_id, 'total', 'total', f.enterprise_number, f.value_base, f.value_end
  FROM benchmark b CROSS JOIN flemish_growth f
  WHERE b.cluster_id = '(Flanders)' OR f.rest
  UNION ALL
  SELECT f.tbl, '(Flanders)', b.dimension, b.category, f.enterprise_number, f.value_base, f.value_end
  FROM flemish_growth f JOIN breakdown_company_long b ON b.enterprise_number = f.enterprise_number
), flemish_productivity AS (
  SELECT g.enterprise_number, g.value_added_base, g.value_added_end, g.fte_base, g.fte_end,
         a.enterprise_number IS NULL AS rest
  FROM productivity_panel g
  JOIN company c ON c.enterprise_number = g.enterprise_number
  LEFT JOIN cohort_company a ON a.cluster_id = 'ALL' AND a.enterprise_number = g.enterprise_number
  WHERE c.in_benchmark
    AND g.value_added_base IS NOT NULL AND g.value_added_end IS NOT NULL AND g.fte_base IS NOT NULL AND g.fte_end IS NOT NULL
), productivity_sample AS (
  SELECT s.cluster_id, s.enterprise_number, s.value_added_base, s.value_added_end, s.fte_base, s.fte_end
  FROM productivity_status s
  WHERE s.exclusion_reason IS NULL
  UNION ALL
  SELECT b.cluster_id, f.enterprise_number, f.value_added_base, f.value_added_end, f.fte_base, f.fte_end
  FROM benchmark b CROSS JOIN flemish_productivity f
  WHERE b.cluster_id = '(Flanders)' OR f.rest
), flemish_investment AS (
  SELECT i.enterprise_number, i.investment_eur, i.fte_years, a.enterprise_number IS NULL AS rest
  FROM investment_panel i
  JOIN company c ON c.enterprise_number = i.enterprise_number
  LEFT JOIN cohort_company a ON a.cluster_id = 'ALL' AND a.enterprise_number = i.enterprise_number
  -- CPI 6's Flanders (step 50: the benchmark's and the members' classes); a company without a
  -- year of known investment adds nothing to the cell: not a contributor
  WHERE c.in_share_benchmark AND i.investment_years > 0
), investment_sample AS (
  SELECT s.cluster_id, s.enterprise_number, s.investment_eur, s.fte_years
  FROM investment_status s
  WHERE s.exclusion_reason IS NULL AND s.enterprise_number IS NOT NULL
  UNION ALL
  SELECT b.cluster_id, f.enterprise_number, f.investment_eur, f.fte_years
  FROM benchmark b CROSS JOIN flemish_investment f
  WHERE b.cluster_id = '(Flanders)' OR f.rest
), cell_value AS (
  SELECT tbl, cluster_id, dimension, category, value_base AS v1, value_end AS v2,
         CAST(NULL AS DECIMAL(38, 4)) AS v3, CAST(NULL AS DECIMAL(38, 4)) AS v4
  FROM growth_cell
  UNION ALL
  SELECT 'productivity', cluster_id, 'total', 'total', value_added_base, value_added_end, fte_base, fte_end
  FROM productivity_sample
  UNION ALL
  SELECT 'cpi6', cluster_id, 'total', 'total', investment_eur, fte_years, NULL, NULL
  FROM investment_sample
  UNION ALL
  -- member flows: a company counts in a quantity only where its value is known
  SELECT 'member_flows', cluster_id, 'flow', flow, turnover_base, turnover_end, fte_base, fte_end
  FROM member_flow_company
)
-- (who the company is is not needed after this)
SELECT tbl, cluster_id, dimension, category,
       abs(CAST(v1 AS DOUBLE)) AS m1, abs(CAST(v2 AS DOUBLE)) AS m2,
       abs(CAST(v3 AS DOUBLE)) AS m3, abs(CAST(v4 AS DOUBLE)) AS m4
FROM cell_value;

-- The quantities of each table (the sums its cells show) and the column that holds them.
CREATE VIEW disclosure_quantity AS
SELECT * FROM (VALUES
  ('cpi7', 1, 'base'), ('cpi7', 2, 'end'),
  ('cpi8', 1, 'base'), ('cpi8', 2, 'end'),
  ('productivity', 1, 'value_added_base'), ('productivity', 2, 'value_added_end'),
  ('productivity', 3, 'fte_base'), ('productivity', 4, 'fte_end'),
  ('cpi6', 1, 'investment'), ('cpi6', 2, 'fte_years'),
  ('member_flows', 1, 'turnover_base'), ('member_flows', 2, 'turnover_end'),
  ('member_flows', 3, 'fte_base'), ('member_flows', 4, 'fte_end')
) AS q(tbl, slot, quantity);

-- Every company's contribution to every cell and quantity, one row each (read only by the
-- second pass below, when a rule needs the second largest contribution).
CREATE VIEW disclosure_contribution AS
SELECT tbl, cluster_id, dimension, category, quantity, magnitude
FROM (
  SELECT c.tbl, c.cluster_id, c.dimension, c.category, q.quantity,
         CASE q.slot WHEN 1 THEN c.m1 WHEN 2 THEN c.m2 WHEN 3 THEN c.m3 ELSE c.m4 END AS magnitude
  FROM disclosure_quantity q
  JOIN disclosure_company_cell c ON c.tbl = q.tbl
) contribution
WHERE magnitude IS NOT NULL;

-- Per cell and quantity: the number of contributing companies, the total and the two largest
-- contributions (the second largest is the largest again when two companies share it). Two
-- hash aggregations, no sort: this is why the dominance rule takes n = 1 or 2. The first pass
-- aggregates the companies' rows per cell, every quantity at once, and then gives each
-- quantity its row (a cell and quantity without any contribution has none). The second pass
-- (the second largest) is made only when a rule reads it, dominance_n = 2 or p_percent > 0;
-- else top2 is NULL (the default rules read firms, total and top1 only).
CREATE TABLE disclosure_cell AS
WITH per_cell AS (
  SELECT tbl, cluster_id, dimension, category,
         count(m1) AS firms1, sum(m1) AS total1, max(m1) AS top1_1,
         count(m2) AS firms2, sum(m2) AS total2, max(m2) AS top1_2,
         count(m3) AS firms3, sum(m3) AS total3, max(m3) AS top1_3,
         count(m4) AS firms4, sum(m4) AS total4, max(m4) AS top1_4
  FROM disclosure_company_cell
  GROUP BY tbl, cluster_id, dimension, category
), largest AS (
  SELECT tbl, cluster_id, dimension, category, quantity, firms, total, top1
  FROM (
    SELECT c.tbl, c.cluster_id, c.dimension, c.category, q.quantity,
           CASE q.slot WHEN 1 THEN c.firms1 WHEN 2 THEN c.firms2 WHEN 3 THEN c.firms3 ELSE c.firms4 END AS firms,
           CASE q.slot WHEN 1 THEN c.total1 WHEN 2 THEN c.total2 WHEN 3 THEN c.total3 ELSE c.total4 END AS total,
           CASE q.slot WHEN 1 THEN c.top1_1 WHEN 2 THEN c.top1_2 WHEN 3 THEN c.top1_3 ELSE c.top1_4 END AS top1
    FROM disclosure_quantity q
    JOIN per_cell c ON c.tbl = q.tbl
  ) cell_quantity
  WHERE firms > 0
), needed_contribution AS (
  -- (the switch is the build side of a cross join, which stops at once when it is empty: with
  -- the default rule the contributions are not computed a second time)
  SELECT d.*
  FROM (SELECT 1 AS needed FROM params WHERE dominance_n = 2 OR p_percent > 0) AS switch
  CROSS JOIN disclosure_contribution d
)
-- the cells (a few thousand) first, so that they are the hash table the contributions probe
SELECT l.tbl, l.cluster_id, l.dimension, l.category, l.quantity, l.firms, l.total, l.top1,
       CASE WHEN (SELECT dominance_n FROM params) = 2 OR (SELECT p_percent FROM params) > 0
            THEN CASE WHEN count(CASE WHEN d.magnitude = l.top1 THEN 1 END) >= 2 THEN l.top1
                      ELSE coalesce(max(CASE WHEN d.magnitude < l.top1 THEN d.magnitude END), 0) END
       END AS top2
FROM largest l
LEFT JOIN needed_contribution d
  ON l.tbl = d.tbl AND l.cluster_id = d.cluster_id AND l.dimension = d.dimension
 AND l.category = d.category AND l.quantity = d.quantity
GROUP BY l.tbl, l.cluster_id, l.dimension, l.category, l.quantity, l.firms, l.total, l.top1;

-- Primary rules, on every quantity of a cell (the first that applies):
--  * fewer than disclosure.min_firms contributing companies;
--  * dominance (n, k): the n largest contributions (n = disclosure.dominance_n, 1 or 2) hold
--    more than k = disclosure.max_firm_share of the total;
--  * p % (disclosure.p_percent, 0 = off): the total less the two largest contributions is
--    less than p % of the largest, i.e. the second largest could estimate the largest to
--    within p %.
-- size_key orders the cells a group may lose by secondary suppression: the cell's average
-- share of its group's totals, so that the least information is lost.
CREATE TABLE disclosure_primary AS
WITH rule AS (
  SELECT c.tbl, c.cluster_id, c.dimension, c.category,
         bool_or(c.firms < p.min_cell_firms) AS too_few,
         bool_or(CASE WHEN p.dominance_n = 2 THEN c.top1 + c.top2 ELSE c.top1 END > p.max_firm_share * c.total) AS dominated,
         bool_or(p.p_percent > 0 AND c.total - c.top1 - c.top2 < p.p_percent * c.top1 / 100.0) AS p_rule,
         avg(c.total / nullif(g.group_total, 0)) AS size_key
  FROM disclosure_cell c
  CROSS JOIN params p
  JOIN (
    SELECT tbl, cluster_id, dimension, quantity, sum(total) AS group_total
    FROM disclosure_cell
    GROUP BY tbl, cluster_id, dimension, quantity
  ) g ON g.tbl = c.tbl AND g.cluster_id = c.cluster_id AND g.dimension = c.dimension AND g.quantity = c.quantity
  GROUP BY c.tbl, c.cluster_id, c.dimension, c.category
)
SELECT r.tbl, r.cluster_id, r.dimension, r.category,
       CASE WHEN r.too_few THEN 'fewer_than_' || CAST(p.min_cell_firms AS VARCHAR) || '_firms'
            WHEN r.dominated THEN 'dominance'
            WHEN r.p_rule THEN 'p_percent' END AS primary_reason,
       coalesce(r.size_key, 0) AS size_key
FROM rule r
CROSS JOIN params p;

-- Secondary suppression, per group: the categories of one dimension of one table and cluster,
-- whose total (dimension 'total') is published beside them; the member flows have no such
-- total (the cohorts of B and T are not published as sums), so they get the primary rules only. Where a
-- group has suppressed cells (or its total is suppressed), the suppressed cells together must
-- themselves pass the primary rules: then no difference of published cells (total less the
-- published categories) gives less than their sum, which neither an outsider nor a company
-- that knows its own value can take apart. If they do not, the unsuppressed cells are added
-- one by one, smallest first (size_key, then category), until the union passes; if none
-- does, the whole group is suppressed. A candidate rank per unsuppressed cell:
CREATE TABLE disclosure_candidate AS
SELECT c.tbl, c.cluster_id, c.dimension, c.category, c.primary_reason,
       CASE WHEN c.primary_reason IS NULL
            THEN row_number() OVER (PARTITION BY c.tbl, c.cluster_id, c.dimension
                                    ORDER BY CASE WHEN c.primary_reason IS NULL THEN 0 ELSE 1 END, c.size_key, c.category) END
         AS candidate_rank,
       t.category IS NOT NULL AS has_total,
       t.primary_reason IS NOT NULL AS total_suppressed
FROM disclosure_primary c
LEFT JOIN disclosure_primary t
  ON t.tbl = c.tbl AND t.cluster_id = c.cluster_id AND t.dimension = 'total' AND t.category = 'total'
WHERE c.dimension <> 'total';

-- For each group that needs protection and each k = 0, 1, ...: the union of its suppressed
-- cells and its k smallest other cells, and whether that union passes the primary rules
-- (categories of one dimension are disjoint: companies and totals add up; the two largest
-- contributions of the union are the two largest of its cells' two largest).
CREATE TABLE disclosure_union AS
WITH needy AS (
  SELECT tbl, cluster_id, dimension,
         bool_or(primary_reason IS NOT NULL) AS has_primary,
         bool_or(total_suppressed) AS total_suppressed
  FROM disclosure_candidate
  GROUP BY tbl, cluster_id, dimension
  -- a group without a published total (the member flows) cannot be differenced: primary only
  HAVING bool_or(has_total) AND (bool_or(primary_reason IS NOT NULL) OR bool_or(total_suppressed))
), k_value AS (
  SELECT tbl, cluster_id, dimension, 0 AS k FROM needy WHERE has_primary
  UNION ALL
  SELECT c.tbl, c.cluster_id, c.dimension, c.candidate_rank
  FROM disclosure_candidate c
  JOIN needy n ON n.tbl = c.tbl AND n.cluster_id = c.cluster_id AND n.dimension = c.dimension
  WHERE c.candidate_rank IS NOT NULL
), member AS (
  SELECT k.tbl, k.cluster_id, k.dimension, k.k, c.category
  FROM k_value k
  JOIN disclosure_candidate c
    ON c.tbl = k.tbl AND c.cluster_id = k.cluster_id AND c.dimension = k.dimension
  WHERE c.primary_reason IS NOT NULL OR c.candidate_rank <= k.k
), top_value AS (
  SELECT m.tbl, m.cluster_id, m.dimension, m.k, d.quantity, d.top1 AS v FROM member m
  JOIN disclosure_cell d ON d.tbl = m.tbl AND d.cluster_id = m.cluster_id AND d.dimension = m.dimension AND d.category = m.category
  UNION ALL
  SELECT m.tbl, m.cluster_id, m.dimension, m.k, d.quantity, d.top2 FROM member m
  JOIN disclosure_cell d ON d.tbl = m.tbl AND d.cluster_id = m.cluster_id AND d.dimension = m.dimension AND d.category = m.category
  WHERE d.top2 IS NOT NULL
), ranked_top AS (
  SELECT tbl, cluster_id, dimension, k, quantity, v,
         row_number() OVER (PARTITION BY tbl, cluster_id, dimension, k, quantity ORDER BY v DESC) AS r
  FROM top_value
), union_top AS (
  SELECT tbl, cluster_id, dimension, k, quantity,
         max(CASE WHEN r = 1 THEN v END) AS top1,
         coalesce(max(CASE WHEN r = 2 THEN v END), 0) AS top2
  FROM ranked_top
  GROUP BY tbl, cluster_id, dimension, k, quantity
), union_sum AS (
  SELECT m.tbl, m.cluster_id, m.dimension, m.k, d.quantity, sum(d.firms) AS firms, sum(d.total) AS total
  FROM member m
  JOIN disclosure_cell d ON d.tbl = m.tbl AND d.cluster_id = m.cluster_id AND d.dimension = m.dimension AND d.category = m.category
  GROUP BY m.tbl, m.cluster_id, m.dimension, m.k, d.quantity
)
SELECT s.tbl, s.cluster_id, s.dimension, s.k,
       NOT bool_or(s.firms < p.min_cell_firms
                   OR CASE WHEN p.dominance_n = 2 THEN t.top1 + t.top2 ELSE t.top1 END > p.max_firm_share * s.total
                   OR (p.p_percent > 0 AND s.total - t.top1 - t.top2 < p.p_percent * t.top1 / 100.0)) AS passes
FROM union_sum s
JOIN union_top t ON t.tbl = s.tbl AND t.cluster_id = s.cluster_id AND t.dimension = s.dimension AND t.k = s.k AND t.quantity = s.quantity
CROSS JOIN params p
GROUP BY s.tbl, s.cluster_id, s.dimension, s.k;

-- Every cell's status: its primary reason; 'secondary' when its group needs it (rank up to the
-- smallest k whose union passes; every cell when none does); else published (NULL).
CREATE TABLE disclosure_status AS
WITH chosen AS (
  SELECT tbl, cluster_id, dimension, min(CASE WHEN passes THEN k END) AS k
  FROM disclosure_union
  GROUP BY tbl, cluster_id, dimension
)
SELECT c.tbl, c.cluster_id, c.dimension, c.category,
       coalesce(c.primary_reason,
                CASE WHEN k.dimension IS NOT NULL AND (k.k IS NULL OR c.candidate_rank <= k.k) THEN 'secondary' END)
         AS suppressed_reason
FROM disclosure_candidate c
LEFT JOIN chosen k ON k.tbl = c.tbl AND k.cluster_id = c.cluster_id AND k.dimension = c.dimension
UNION ALL
SELECT tbl, cluster_id, dimension, category, primary_reason
FROM disclosure_primary
WHERE dimension = 'total';
