-- scope: per_year
-- reads: growth_status, growth_panel, base_end_figures, disclosure_earlier_cells, breakdown_company_long, productivity_status, productivity_panel, investment_status, investment_panel, member_flow_company, company, cohort_company, params
-- creates: disclosure_company_cell, disclosure_quantity, disclosure_contribution, disclosure_cell, disclosure_primary, disclosure_open_cell, disclosure_audit_company, disclosure_signature, disclosure_signature_group, disclosure_signature_cell, disclosure_cell_measure, disclosure_pair, disclosure_pair_leak, disclosure_difference, disclosure_cluster_sum, disclosure_first, disclosure_candidate, disclosure_union, disclosure_status, disclosure_carry
--
-- Step 75: disclosure control of every published cell that sums company values, so that no
-- published figure, and no difference of published figures, gives one company's value.
--
-- A cell is (table, cluster, dimension, category): a cluster's sample in CPI 7, CPI 8,
-- productivity or CPI 6 (dimension 'total'), one of its breakdown categories (nace_section,
-- size_class, province, age_class), a member flow (dimension 'flow'), and the same for the
-- Flemish benchmark (cluster '(Flanders)') and the rest of Flanders ('(rest of Flanders)'). Each
-- cell has one or more quantities (the sums it shows: turnover in B and in T, ...).
--
-- In order: the primary rules per cell (disclosure_primary); the audit of differences between
-- cells and of ALL against the sum of its clusters (disclosure_difference,
-- disclosure_cluster_sum); the secondary rule of the groups (disclosure_union); the status.
-- (Over 600 lines in one file: each phase reads the previous one's verdicts, and the cells'
-- status is the only thing later steps read, so splitting it would publish half-made states.)

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
         g.enterprise_number, g.value_base, g.value_end, a.enterprise_number IS NULL AS rest, c.in_register
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
  SELECT i.enterprise_number, i.investment_eur, i.fte_years, a.enterprise_number IS NULL AS rest, c.in_register
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
  SELECT tbl, cluster_id, dimension, category, enterprise_number, value_base AS v1, value_end AS v2,
         CAST(NULL AS DECIMAL(38, 4)) AS v3, CAST(NULL AS DECIMAL(38, 4)) AS v4
  FROM growth_cell
  UNION ALL
  SELECT 'productivity', cluster_id, 'total', 'total', enterprise_number, value_added_base, value_added_end, fte_base, fte_end
  FROM productivity_sample
  UNION ALL
  SELECT 'cpi6', cluster_id, 'total', 'total', enterprise_number, investment_eur, fte_years, NULL, NULL
  FROM investment_sample
  UNION ALL
  -- member flows: a company counts in a quantity only where its value is known
  SELECT 'member_flows', cluster_id, 'flow', flow, enterprise_number, turnover_base, turnover_end, fte_base, fte_end
  FROM member_flow_company
  UNION ALL
  -- the complements of CPI 7's and CPI 8's coverage ratios (step 40): the cohort's companies
  -- outside the sample whose end value (end-year FTE) is in a ratio's denominator; with the
  -- sample's published sum, the ratio gives their total, so they are a cell of their own
  -- (dimension 'complement'), whose status withholds the ratio (step 90)
  SELECT CASE s.measure WHEN 'turnover' THEN 'cpi7_coverage' ELSE 'cpi8_coverage' END, s.cluster_id,
         'complement', 'complement', s.enterprise_number, s.value_end, f.fte_end, NULL, NULL
  FROM growth_status s
  LEFT JOIN base_end_figures f ON f.enterprise_number = s.enterprise_number
  WHERE s.eligible AND s.exclusion_reason IS NOT NULL
  UNION ALL
  -- and of the Flemish FTE coverage: benchmark companies with a known end-year FTE outside the
  -- Flemish sample of the measure
  SELECT CASE m.measure WHEN 'turnover' THEN 'cpi7_coverage' ELSE 'cpi8_coverage' END, '(Flanders)',
         'complement', 'complement', f.enterprise_number, NULL, f.fte_end, NULL, NULL
  FROM (SELECT DISTINCT measure FROM growth_status) m
  CROSS JOIN base_end_figures f
  JOIN company c ON c.enterprise_number = f.enterprise_number
  LEFT JOIN growth_panel g
    ON g.enterprise_number = f.enterprise_number AND g.measure = m.measure
   AND g.value_base IS NOT NULL AND g.value_end IS NOT NULL
  WHERE c.in_benchmark AND f.fte_end IS NOT NULL AND g.enterprise_number IS NULL
  UNION ALL
  -- manifest.json's parts of the Flemish benchmarks' base (CPI 7, CPI 8) and investment (CPI 6)
  -- from companies absent from the register snapshot (step 85): a cell each (table
  -- 'manifest_<indicator>'), so that these rules, and no copy of them, decide whether the
  -- amount is given
  SELECT 'manifest_' || tbl, '(Flanders)', 'absent_from_register', 'absent_from_register', enterprise_number, value_base, NULL, NULL, NULL
  FROM flemish_growth
  WHERE NOT in_register
  UNION ALL
  SELECT 'manifest_cpi6', '(Flanders)', 'absent_from_register', 'absent_from_register', enterprise_number, investment_eur, NULL, NULL, NULL
  FROM flemish_investment
  WHERE NOT in_register
)
-- (who the company is matters only to the audit of differences below)
SELECT tbl, cluster_id, dimension, category, enterprise_number,
       abs(CAST(v1 AS DOUBLE)) AS m1, abs(CAST(v2 AS DOUBLE)) AS m2,
       abs(CAST(v3 AS DOUBLE)) AS m3, abs(CAST(v4 AS DOUBLE)) AS m4
FROM cell_value;

-- The quantities of each table (the sums its cells show), the column that holds them, and the
-- measure they sum: two quantities of one measure (CPI 8's FTE in B and productivity's, a
-- flow's turnover in T and CPI 7's) add the same companies' same values, so that a difference
-- of the two sums is a sum of companies' values (the audit of differences below).
CREATE VIEW disclosure_quantity AS
SELECT * FROM (VALUES
  ('cpi7', 1, 'base', 'turnover_B'), ('cpi7', 2, 'end', 'turnover_T'),
  ('cpi8', 1, 'base', 'fte_B'), ('cpi8', 2, 'end', 'fte_T'),
  ('productivity', 1, 'value_added_base', 'value_added_B'), ('productivity', 2, 'value_added_end', 'value_added_T'),
  ('productivity', 3, 'fte_base', 'fte_B'), ('productivity', 4, 'fte_end', 'fte_T'),
  ('cpi6', 1, 'investment', 'investment_window'), ('cpi6', 2, 'fte_years', 'fte_years_window'),
  ('member_flows', 1, 'turnover_base', 'turnover_B'), ('member_flows', 2, 'turnover_end', 'turnover_T'),
  ('member_flows', 3, 'fte_base', 'fte_B'), ('member_flows', 4, 'fte_end', 'fte_T'),
  ('cpi7_coverage', 1, 'value_end', 'turnover_T'), ('cpi7_coverage', 2, 'fte_end', 'fte_T'),
  ('cpi8_coverage', 1, 'value_end', 'fte_T'), ('cpi8_coverage', 2, 'fte_end', 'fte_T'),
  ('manifest_cpi7', 1, 'base', 'turnover_B'), ('manifest_cpi8', 1, 'base', 'fte_B'),
  ('manifest_cpi6', 1, 'investment', 'investment_window')
) AS q(tbl, slot, quantity, measure);

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

-- Audit of differences (issue #30). Two published cells of one measure whose company sets
-- overlap (ALL and one of its clusters, CPI 8's sample and productivity's nested in it, a flow
-- and a sample, categories of two dimensions, the Flemish benchmark and a cluster) give by
-- their difference the sum over the companies in one and not the other, less the sum over those
-- in the other and not the first. That difference must itself pass the primary rules, on the
-- magnitudes of the companies in exactly one of the two (the symmetric difference): at least
-- min_cell_firms companies, no dominant one, the p % rule. Only cells that pass the primary
-- rules take part (a cell suppressed already is no side of a difference). The secondary rule
-- of the groups runs after the audit and only suppresses more, so the cells it leaves
-- published were all audited in pairs: one pass, no loop.
--
-- Cells are numbered; a company's cells of one measure make its signature. Companies of one
-- signature are in exactly the same cells, so overlaps and differences are computed per
-- signature (a few thousand) rather than per company (hundreds of thousands).
CREATE TABLE disclosure_open_cell AS
SELECT tbl, cluster_id, dimension, category,
       -- BIGINT: DataFusion's row_number is unsigned, and joined with the signed numbers of
       -- the signatures it made every join on cells a join on decimals
       CAST(row_number() OVER (ORDER BY tbl, cluster_id, dimension, category) AS BIGINT) AS cell_no
FROM disclosure_primary
CROSS JOIN params p
-- (disclosure.audit_differences = false: no cell is audited, to compare with an older folder)
WHERE primary_reason IS NULL AND p.audit_differences;

-- Every company's value in every open cell, per measure (a view: read once, by the signatures).
-- With them, the cells an earlier reference year of the same run published with the same sums
-- (its end year is this year's base year: disclosure_earlier_cells, handed over by the runner
-- from that year's disclosure_carry below), each numbered below zero: a difference between a
-- cell of this year and one of an earlier year is audited as any other, and only this year's
-- cell can still be withheld.
CREATE VIEW disclosure_audit_company AS
SELECT measure, enterprise_number, CAST(cell_no AS BIGINT) AS cell_no, magnitude
FROM (
  SELECT q.measure, c.enterprise_number, o.cell_no,
         CASE q.slot WHEN 1 THEN c.m1 WHEN 2 THEN c.m2 WHEN 3 THEN c.m3 ELSE c.m4 END AS magnitude
  FROM disclosure_open_cell o
  JOIN disclosure_company_cell c
    ON c.tbl = o.tbl AND c.cluster_id = o.cluster_id AND c.dimension = o.dimension AND c.category = o.category
  JOIN disclosure_quantity q ON q.tbl = c.tbl
) contribution
WHERE magnitude IS NOT NULL
UNION ALL
SELECT e.measure, e.enterprise_number, -CAST(n.cell_rank AS BIGINT), e.magnitude
FROM disclosure_earlier_cells e
JOIN (
  SELECT cell, dense_rank() OVER (ORDER BY cell) AS cell_rank FROM (SELECT DISTINCT cell FROM disclosure_earlier_cells) d
) n ON n.cell = e.cell
CROSS JOIN params p
WHERE p.audit_differences AND e.calendar_year = p.base_year AND e.magnitude IS NOT NULL;

-- One row per company and measure: its cells, and its value (the largest where two tables
-- hold it: the rules then err on the side of suppression). Who the company is is dropped here.
CREATE TABLE disclosure_signature AS
SELECT measure,
       -- (the list sorted per company, not the rows before the aggregation: no sort of every
       -- company's rows, which would have to spill under a memory limit; DISTINCT: CPI 8's
       -- coverage complement holds a company's end-year FTE in both of its quantities)
       array_to_string(array_sort(array_agg(DISTINCT cell_no)), ',') AS signature,
       max(magnitude) AS magnitude
FROM disclosure_audit_company
GROUP BY measure, enterprise_number;

-- Per signature: its companies, their total and two largest values (as disclosure_cell).
CREATE TABLE disclosure_signature_group AS
WITH g AS (
  SELECT measure, signature, count(*) AS firms, sum(magnitude) AS total, max(magnitude) AS top1
  FROM disclosure_signature
  GROUP BY measure, signature
)
SELECT g.measure, g.signature, g.firms, g.total, g.top1,
       CASE WHEN count(CASE WHEN s.magnitude = g.top1 THEN 1 END) >= 2 THEN g.top1
            ELSE coalesce(max(CASE WHEN s.magnitude < g.top1 THEN s.magnitude END), 0) END AS top2
FROM g
JOIN disclosure_signature s ON s.measure = g.measure AND s.signature = g.signature
GROUP BY g.measure, g.signature, g.firms, g.total, g.top1;

-- The cells of each signature, read back from the signature itself.
CREATE TABLE disclosure_signature_cell AS
SELECT measure, signature, CAST(cell AS BIGINT) AS cell_no
FROM (
  SELECT measure, signature, unnest(string_to_array(signature, ',')) AS cell
  FROM disclosure_signature_group
) listed;

-- Per cell and measure: its companies, their total and largest value.
CREATE TABLE disclosure_cell_measure AS
SELECT c.measure, c.cell_no, sum(g.firms) AS firms, sum(g.total) AS total, max(g.top1) AS top1
FROM disclosure_signature_cell c
JOIN disclosure_signature_group g ON g.measure = c.measure AND g.signature = c.signature
GROUP BY c.measure, c.cell_no;

-- Every pair of cells that share a company in a measure: the companies in exactly one of the
-- two, their total, and a bound on their largest value (the larger of the two cells' largest).
CREATE TABLE disclosure_pair AS
WITH shared AS (
  SELECT a.measure, a.cell_no AS cell_a, b.cell_no AS cell_b, sum(g.firms) AS firms, sum(g.total) AS total
  FROM disclosure_signature_cell a
  JOIN disclosure_signature_cell b ON b.measure = a.measure AND b.signature = a.signature AND a.cell_no < b.cell_no
  JOIN disclosure_signature_group g ON g.measure = a.measure AND g.signature = a.signature
  GROUP BY a.measure, a.cell_no, b.cell_no
)
SELECT s.measure, s.cell_a, s.cell_b, ca.firms AS firms_a, cb.firms AS firms_b,
       ca.firms + cb.firms - 2 * s.firms AS firms,
       ca.total + cb.total - 2 * s.total AS total,
       greatest(ca.top1, cb.top1) AS top_bound
FROM shared s
JOIN disclosure_cell_measure ca ON ca.measure = s.measure AND ca.cell_no = s.cell_a
JOIN disclosure_cell_measure cb ON cb.measure = s.measure AND cb.cell_no = s.cell_b
-- (two cells of the same companies show the same sum: no difference)
WHERE ca.firms + cb.firms - 2 * s.firms > 0
  -- (two cells of earlier years were audited in their own year)
  AND s.cell_b > 0;

-- The pairs whose difference fails a primary rule. Enough companies and a largest value (the
-- bound) that cannot dominate: passes without looking further; else the exact two largest of
-- the difference, from the signatures in exactly one of the two cells.
CREATE TABLE disclosure_pair_leak AS
WITH doubtful AS (
  SELECT d.*
  FROM disclosure_pair d
  CROSS JOIN params p
  WHERE d.firms >= p.min_cell_firms
    AND (CASE WHEN p.dominance_n = 2 THEN 2 * d.top_bound ELSE d.top_bound END > p.max_firm_share * d.total
         OR (p.p_percent > 0 AND d.total - 2 * d.top_bound < p.p_percent * d.top_bound / 100.0))
), side AS (
  SELECT d.measure, d.cell_a, d.cell_b, s.signature
  FROM doubtful d JOIN disclosure_signature_cell s ON s.measure = d.measure AND s.cell_no = d.cell_a
  UNION ALL
  SELECT d.measure, d.cell_a, d.cell_b, s.signature
  FROM doubtful d JOIN disclosure_signature_cell s ON s.measure = d.measure AND s.cell_no = d.cell_b
), one_side AS (
  -- a signature in both cells is listed twice: its companies cancel out of the difference
  SELECT x.measure, x.cell_a, x.cell_b, g.top1, g.top2
  FROM (SELECT measure, cell_a, cell_b, signature FROM side GROUP BY measure, cell_a, cell_b, signature HAVING count(*) = 1) x
  JOIN disclosure_signature_group g ON g.measure = x.measure AND g.signature = x.signature
), largest AS (
  SELECT measure, cell_a, cell_b, max(top1) AS top1 FROM one_side GROUP BY measure, cell_a, cell_b
), two_largest AS (
  SELECT l.measure, l.cell_a, l.cell_b, l.top1,
         CASE WHEN count(CASE WHEN o.top1 = l.top1 THEN 1 END) >= 2 THEN l.top1
              ELSE greatest(coalesce(max(CASE WHEN o.top1 < l.top1 THEN o.top1 END), 0),
                            coalesce(max(CASE WHEN o.top1 = l.top1 THEN o.top2 END), 0)) END AS top2
  FROM largest l
  JOIN one_side o ON o.measure = l.measure AND o.cell_a = l.cell_a AND o.cell_b = l.cell_b
  GROUP BY l.measure, l.cell_a, l.cell_b, l.top1
)
SELECT d.measure, d.cell_a, d.cell_b, d.firms_a, d.firms_b, d.firms, d.total
FROM disclosure_pair d
CROSS JOIN params p
LEFT JOIN two_largest t ON t.measure = d.measure AND t.cell_a = d.cell_a AND t.cell_b = d.cell_b
WHERE d.firms < p.min_cell_firms
   OR CASE WHEN p.dominance_n = 2 THEN t.top1 + t.top2 ELSE t.top1 END > p.max_firm_share * d.total
   OR (p.p_percent > 0 AND d.total - t.top1 - t.top2 < p.p_percent * t.top1 / 100.0);

-- Of each failing pair, the cheaper cell is suppressed: 'secondary_difference'. The cost of a
-- cell, lowest first: a manifest amount of the companies absent from the register (-1: only
-- that amount is withheld), a coverage ratio's complement (0: only the ratio is withheld), a member
-- flow (1), a breakdown category (2), productivity's sample (3),
-- a cluster's CPI 6, 7 or 8 sample (4), ALL's and the benchmarks' samples (5: the figures
-- the others are read against); then fewer companies in that measure; then the later in the
-- order table, cluster, dimension, category.
CREATE TABLE disclosure_difference AS
WITH cost AS (
  SELECT cell_no,
         CASE WHEN dimension = 'absent_from_register' THEN -1
              WHEN dimension = 'complement' THEN 0
              WHEN tbl = 'member_flows' THEN 1
              WHEN dimension <> 'total' THEN 2
              WHEN tbl = 'productivity' THEN 3
              WHEN cluster_id IN ('ALL', '(Flanders)', '(rest of Flanders)') THEN 5
              ELSE 4 END AS class
  FROM disclosure_open_cell
)
SELECT DISTINCT
       -- (an earlier year's cell, below zero, is published already: this year's gives way)
       CASE WHEN l.cell_a < 0 THEN l.cell_b
            WHEN ca.class < cb.class OR (ca.class = cb.class AND l.firms_a < l.firms_b) THEN l.cell_a
            ELSE l.cell_b END AS cell_no
FROM disclosure_pair_leak l
LEFT JOIN cost ca ON ca.cell_no = l.cell_a
JOIN cost cb ON cb.cell_no = l.cell_b;

-- ALL against the sum of its clusters: where ALL's cell and every cluster's cell of one table,
-- dimension and category are published, the clusters' sums less ALL's give the sum of each
-- company listed for k >= 2 of these clusters, k - 1 times. Those companies (weighted k - 1)
-- must pass the primary rules; else the smallest cluster cell holding one of them is
-- suppressed ('secondary_sum_of_clusters'), after which the clusters no longer add up.
CREATE TABLE disclosure_cluster_sum AS
WITH still_open AS (
  SELECT o.*
  FROM disclosure_open_cell o
  LEFT JOIN disclosure_difference d ON d.cell_no = o.cell_no
  WHERE d.cell_no IS NULL
), family AS (
  -- table, dimension and category where ALL's cell and all its clusters' cells are open
  SELECT p.tbl, p.dimension, p.category
  FROM disclosure_primary p
  LEFT JOIN still_open o ON o.tbl = p.tbl AND o.cluster_id = p.cluster_id AND o.dimension = p.dimension AND o.category = p.category
  WHERE p.cluster_id NOT IN ('(Flanders)', '(rest of Flanders)')
  GROUP BY p.tbl, p.dimension, p.category
  HAVING bool_and(o.cell_no IS NOT NULL) AND bool_or(p.cluster_id = 'ALL')
), cluster_cell AS (
  SELECT o.cell_no, o.cluster_id, o.tbl, o.dimension, o.category
  FROM family f
  JOIN still_open o ON o.tbl = f.tbl AND o.dimension = f.dimension AND o.category = f.category
  WHERE o.cluster_id NOT IN ('ALL', '(Flanders)', '(rest of Flanders)')
), listed AS (
  -- the signatures whose companies are in k >= 2 of a family's cluster cells
  SELECT c.tbl, c.dimension, c.category, s.measure, s.signature, count(*) AS clusters
  FROM cluster_cell c
  JOIN disclosure_signature_cell s ON s.cell_no = c.cell_no
  GROUP BY c.tbl, c.dimension, c.category, s.measure, s.signature
  HAVING count(*) >= 2
), weighted AS (
  -- each such company counts k - 1 times in the clusters' sum less ALL's
  SELECT l.tbl, l.dimension, l.category, l.measure, g.firms,
         (l.clusters - 1) * g.total AS total, (l.clusters - 1) * g.top1 AS top1, (l.clusters - 1) * g.top2 AS top2
  FROM listed l
  JOIN disclosure_signature_group g ON g.measure = l.measure AND g.signature = l.signature
), largest AS (
  SELECT tbl, dimension, category, measure, sum(firms) AS firms, sum(total) AS total, max(top1) AS top1
  FROM weighted
  GROUP BY tbl, dimension, category, measure
), two_largest AS (
  SELECT l.tbl, l.dimension, l.category, l.measure, l.firms, l.total, l.top1,
         CASE WHEN count(CASE WHEN w.top1 = l.top1 THEN 1 END) >= 2 THEN l.top1
              ELSE greatest(coalesce(max(CASE WHEN w.top1 < l.top1 THEN w.top1 END), 0),
                            coalesce(max(CASE WHEN w.top1 = l.top1 THEN w.top2 END), 0)) END AS top2
  FROM largest l
  JOIN weighted w ON w.tbl = l.tbl AND w.dimension = l.dimension AND w.category = l.category AND w.measure = l.measure
  GROUP BY l.tbl, l.dimension, l.category, l.measure, l.firms, l.total, l.top1
), failing AS (
  SELECT DISTINCT t.tbl, t.dimension, t.category
  FROM two_largest t
  CROSS JOIN params p
  WHERE t.firms < p.min_cell_firms
     OR CASE WHEN p.dominance_n = 2 THEN t.top1 + t.top2 ELSE t.top1 END > p.max_firm_share * t.total
     OR (p.p_percent > 0 AND t.total - t.top1 - t.top2 < p.p_percent * t.top1 / 100.0)
), holding AS (
  -- the clusters' cells of a failing family that hold a company listed in two of them, with
  -- their companies (the most in any of the cell's measures)
  SELECT c.tbl, c.dimension, c.category, c.cell_no, c.cluster_id, max(m.firms) AS firms
  FROM failing f
  JOIN listed l ON l.tbl = f.tbl AND l.dimension = f.dimension AND l.category = f.category
  JOIN disclosure_signature_cell s ON s.measure = l.measure AND s.signature = l.signature
  JOIN cluster_cell c ON c.cell_no = s.cell_no AND c.tbl = f.tbl AND c.dimension = f.dimension AND c.category = f.category
  JOIN disclosure_cell_measure m ON m.cell_no = c.cell_no
  GROUP BY c.tbl, c.dimension, c.category, c.cell_no, c.cluster_id
)
SELECT cell_no
FROM (
  SELECT cell_no,
         row_number() OVER (PARTITION BY tbl, dimension, category ORDER BY firms, cluster_id DESC) AS r
  FROM holding
) ranked
WHERE r = 1;

-- The primary reasons with the audit's: the cells the secondary rule of the groups starts from.
CREATE VIEW disclosure_first AS
SELECT p.tbl, p.cluster_id, p.dimension, p.category,
       coalesce(p.primary_reason,
                CASE WHEN d.cell_no IS NOT NULL THEN 'secondary_difference'
                     WHEN s.cell_no IS NOT NULL THEN 'secondary_sum_of_clusters' END) AS primary_reason,
       p.size_key
FROM disclosure_primary p
LEFT JOIN disclosure_open_cell o
  ON o.tbl = p.tbl AND o.cluster_id = p.cluster_id AND o.dimension = p.dimension AND o.category = p.category
LEFT JOIN disclosure_difference d ON d.cell_no = o.cell_no
LEFT JOIN disclosure_cluster_sum s ON s.cell_no = o.cell_no;

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
            THEN CAST(row_number() OVER (PARTITION BY c.tbl, c.cluster_id, c.dimension
                                         ORDER BY CASE WHEN c.primary_reason IS NULL THEN 0 ELSE 1 END, c.size_key, c.category) AS BIGINT) END
         AS candidate_rank,
       t.category IS NOT NULL AS has_total,
       t.primary_reason IS NOT NULL AS total_suppressed
FROM disclosure_first c
LEFT JOIN disclosure_first t
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
), union_cells AS (
  SELECT tbl, cluster_id, dimension, k, count(*) AS cells FROM member GROUP BY tbl, cluster_id, dimension, k
)
-- Beside a published total, the union must also hold two cells or more: a cell the audit of
-- differences suppressed passes the primary rules on its own, and alone in its group it would
-- be the total less the published cells, as derivable as if it were published.
SELECT s.tbl, s.cluster_id, s.dimension, s.k,
       NOT bool_or(s.firms < p.min_cell_firms
                   OR CASE WHEN p.dominance_n = 2 THEN t.top1 + t.top2 ELSE t.top1 END > p.max_firm_share * s.total
                   OR (p.p_percent > 0 AND s.total - t.top1 - t.top2 < p.p_percent * t.top1 / 100.0))
         AND (min(c.cells) >= 2 OR bool_or(n.total_suppressed)) AS passes
FROM union_sum s
JOIN union_top t ON t.tbl = s.tbl AND t.cluster_id = s.cluster_id AND t.dimension = s.dimension AND t.k = s.k AND t.quantity = s.quantity
JOIN union_cells c ON c.tbl = s.tbl AND c.cluster_id = s.cluster_id AND c.dimension = s.dimension AND c.k = s.k
JOIN needy n ON n.tbl = s.tbl AND n.cluster_id = s.cluster_id AND n.dimension = s.dimension
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
FROM disclosure_first
WHERE dimension = 'total';

-- The published cells' companies whose end-year sums (turnover, FTE and value added in T) a
-- later reference year of the same run sums again as its base year (T + the growth window):
-- the runner hands them to that year's audit as disclosure_earlier_cells, so that a difference
-- of one sum across two reference years is audited too (pipeline.rs).
CREATE VIEW disclosure_carry AS
SELECT CASE q.measure WHEN 'turnover_T' THEN 'turnover_B' WHEN 'fte_T' THEN 'fte_B' ELSE 'value_added_B' END AS measure,
       -- (params through scalar subqueries: a cross join would buffer every company row)
       (SELECT end_year FROM params) AS calendar_year,
       CAST((SELECT reference_year FROM params) AS VARCHAR) || ' ' || c.tbl || ' ' || c.cluster_id || ' ' || c.dimension || ' ' || c.category AS cell,
       c.enterprise_number,
       CASE q.slot WHEN 1 THEN c.m1 WHEN 2 THEN c.m2 WHEN 3 THEN c.m3 ELSE c.m4 END AS magnitude
FROM disclosure_status s
JOIN disclosure_company_cell c
  ON c.tbl = s.tbl AND c.cluster_id = s.cluster_id AND c.dimension = s.dimension AND c.category = s.category
JOIN disclosure_quantity q ON q.tbl = c.tbl
WHERE s.suppressed_reason IS NULL AND q.measure IN ('turnover_T', 'fte_T', 'value_added_T');
