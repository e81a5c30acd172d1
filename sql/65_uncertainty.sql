-- scope: per_year
-- reads: growth_status, productivity_status, growth_result, productivity_result, params
-- creates: uncertainty_sample, uncertainty_draw, uncertainty_variant, uncertainty_variant_growth, uncertainty_interval, uncertainty_concentration, uncertainty_influence, uncertainty_median, uncertainty_result
--
-- Step 65: how sure each number is (METHODOLOGY.md section 6c). Per cluster and indicator
-- (CPI 7, CPI 8, productivity), over the same constant sample as the headline: a bootstrap
-- interval of the cluster growth (the Flemish benchmark fixed), the concentration of the base
-- value, the largest influence of one member on the gap, and the median of the members' own
-- growth. Sums stay exact decimals until a ratio is taken, so reruns give identical bytes.

-- The sample of each cluster and indicator, with the numerator and denominator of its growth:
-- CPI 7 and CPI 8 grow as Σ end / Σ base (denominator 1 per company), productivity as
-- (Σ VA_T / Σ FTE_T) / (Σ VA_B / Σ FTE_B). `position` numbers the companies 1..n by enterprise
-- number: the bootstrap draws positions.
CREATE TABLE uncertainty_sample AS
WITH s AS (
  SELECT cluster_id, indicator, enterprise_number,
         value_base AS num_base, value_end AS num_end,
         CAST(1 AS DECIMAL(38, 4)) AS den_base, CAST(1 AS DECIMAL(38, 4)) AS den_end
  FROM growth_status
  WHERE exclusion_reason IS NULL AND enterprise_number IS NOT NULL
  UNION ALL
  SELECT cluster_id, 'productivity', enterprise_number, value_added_base, value_added_end, fte_base, fte_end
  FROM productivity_status
  WHERE exclusion_reason IS NULL AND enterprise_number IS NOT NULL
)
SELECT s.*,
       -- an integer key per cluster and indicator: the draws carry it instead of two strings
       -- (BIGINT: DataFusion's dense_rank is unsigned, and an unsigned key made the draws'
       -- arithmetic decimal, three times slower)
       CAST(dense_rank() OVER (ORDER BY cluster_id, indicator) AS BIGINT) AS sample_key,
       CAST(row_number() OVER (PARTITION BY cluster_id, indicator ORDER BY enterprise_number) AS BIGINT) AS position,
       count(*) OVER (PARTITION BY cluster_id, indicator) AS n
FROM s;

-- The draws: for replicate r and draw j of sample k (its sample_key) of n companies, the
-- position 1 + (x3 mod n), where x0 = (seed * 7919 + k * 104729 + r * 1000003 + j) mod M,
-- x(i+1) = (x(i)^2 + c(i)) mod M with M = 2^31 - 1 and c = 11, 13, 17: integer arithmetic that
-- every SQL engine computes the same way (so DuckDB's cross-check draws the same companies),
-- squared three times so that neighbouring draws are not related. The sample's key enters the
-- seed, so that two samples of the same size (two clusters, or CPI 7 and CPI 8 of one cluster)
-- do not draw the same positions. A view: the replicates' sums below read the draws as they are
-- made (999 x n rows), none of them is kept.
CREATE VIEW uncertainty_draw AS
WITH sizes AS (
  SELECT DISTINCT sample_key, n FROM uncertainty_sample
),
-- the numbers 1 .. 1 000 000 (replicates are at most 100 000; no sample is larger), from digits
digits AS (
  SELECT d FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS t(d)
),
numbers AS (
  SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 100000 * g.d AS i
  FROM digits a CROSS JOIN digits b CROSS JOIN digits c CROSS JOIN digits e CROSS JOIN digits f CROSS JOIN digits g
),
replicates AS (
  SELECT CAST(i AS BIGINT) AS replicate FROM numbers WHERE i <= (SELECT bootstrap_replicates FROM params)
),
-- each sample's draw numbers 1..n first (a few thousand rows), then every replicate of them;
-- the seed comes in as a scalar (a cross join with the one-row params here made DataFusion 55
-- copy the replicates' rows many times: 40 s instead of 1 s at F = 1.0)
positions AS (
  SELECT s.sample_key, s.n, CAST(i AS BIGINT) AS draw FROM sizes s JOIN numbers ON i <= s.n
),
x0 AS (
  SELECT d.sample_key, d.n, r.replicate, d.draw,
         ((SELECT bootstrap_seed FROM params) * 7919 + d.sample_key * 104729 + r.replicate * 1000003 + d.draw) % 2147483647 AS x
  -- (the replicates, at most a few thousand, are the buffered side: each of them is crossed
  -- with batches of draw numbers)
  FROM replicates r
  CROSS JOIN positions d
),
x1 AS (SELECT sample_key, n, replicate, draw, (x * x + 11) % 2147483647 AS x FROM x0),
x2 AS (SELECT sample_key, n, replicate, draw, (x * x + 13) % 2147483647 AS x FROM x1)
SELECT sample_key, replicate, draw, 1 + ((x * x + 17) % 2147483647) % n AS position
FROM x2;

-- The sums of every variant of a sample: each bootstrap replicate (a company drawn twice
-- counts twice), the sample without each of its companies, and the whole sample.
CREATE TABLE uncertainty_variant AS
WITH whole AS (
  SELECT cluster_id, indicator,
         sum(num_base) AS num_base, sum(num_end) AS num_end, sum(den_base) AS den_base, sum(den_end) AS den_end
  FROM uncertainty_sample
  GROUP BY cluster_id, indicator
),
-- the replicates' sums by integer keys (the sample's rows are the hash table the draws probe)
replicate_sum AS (
  SELECT d.sample_key, d.replicate,
         sum(s.num_base) AS num_base, sum(s.num_end) AS num_end, sum(s.den_base) AS den_base, sum(s.den_end) AS den_end
  FROM uncertainty_sample s
  JOIN uncertainty_draw d ON d.sample_key = s.sample_key AND d.position = s.position
  GROUP BY d.sample_key, d.replicate
),
sample_name AS (
  SELECT DISTINCT sample_key, cluster_id, indicator FROM uncertainty_sample
)
SELECT k.cluster_id, k.indicator, 'replicate' AS variant, r.replicate, CAST(NULL AS VARCHAR) AS enterprise_number,
       r.num_base, r.num_end, r.den_base, r.den_end
FROM sample_name k
JOIN replicate_sum r ON r.sample_key = k.sample_key
UNION ALL
SELECT s.cluster_id, s.indicator, 'without', CAST(NULL AS BIGINT), s.enterprise_number,
       w.num_base - s.num_base, w.num_end - s.num_end, w.den_base - s.den_base, w.den_end - s.den_end
FROM uncertainty_sample s
JOIN whole w ON w.cluster_id = s.cluster_id AND w.indicator = s.indicator
UNION ALL
SELECT cluster_id, indicator, 'sample', CAST(NULL AS BIGINT), CAST(NULL AS VARCHAR), num_base, num_end, den_base, den_end
FROM whole;

-- A variant's growth, by the headline's formula (steps 40 and 45): NULL from a zero base, and
-- for productivity from a base that is not positive.
CREATE VIEW uncertainty_variant_growth AS
SELECT cluster_id, indicator, variant, replicate, enterprise_number,
       CASE WHEN indicator = 'productivity'
            THEN CASE WHEN CAST(num_base AS DOUBLE) / CAST(nullif(den_base, 0) AS DOUBLE) > 0
                      THEN (CAST(num_end AS DOUBLE) / CAST(nullif(den_end, 0) AS DOUBLE))
                           / (CAST(num_base AS DOUBLE) / CAST(nullif(den_base, 0) AS DOUBLE)) - 1 END
            ELSE CAST(num_end AS DOUBLE) / CAST(nullif(num_base, 0) AS DOUBLE) - 1 END AS growth
FROM uncertainty_variant;

-- The percentile interval: the replicate growths in order (ties by replicate number); the
-- bounds are the k-th smallest and the k-th largest, k = round((R + 1) (1 - level) / 2), at least
-- 1 (R = 999, level 0.95: the 25th and the 975th). An interval needs every replicate to have a
-- growth.
CREATE TABLE uncertainty_interval AS
WITH ranked AS (
  SELECT cluster_id, indicator, growth,
         CAST(row_number() OVER (PARTITION BY cluster_id, indicator ORDER BY growth, replicate) AS BIGINT) AS k
  FROM uncertainty_variant_growth
  WHERE variant = 'replicate' AND growth IS NOT NULL
),
bound AS (
  SELECT greatest(CAST(round((bootstrap_replicates + 1) * (1 - interval_level) / 2) AS BIGINT), 1) AS k_low,
         bootstrap_replicates
  FROM params
)
SELECT r.cluster_id, r.indicator,
       count(*) AS valid_replicates,
       max(CASE WHEN r.k = b.k_low THEN r.growth END) AS growth_low,
       max(CASE WHEN r.k = b.bootstrap_replicates + 1 - b.k_low THEN r.growth END) AS growth_high
FROM ranked r
CROSS JOIN bound b
GROUP BY r.cluster_id, r.indicator;

-- Concentration of the base value (in magnitude: value added can be negative): the share of
-- the largest company, of the 5 and of the 10 largest, and the Herfindahl index Σ s_i^2, all
-- from exact decimal sums. A top-k share can be published only when the k largest and the
-- others each pass the primary rules on their own (at least min_cell_firms companies, the
-- largest of each at most max_firm_share of its group's sum): a share times the published
-- base is their sum. The largest company's share is one company's value: never published.
CREATE TABLE uncertainty_concentration AS
WITH m AS (
  SELECT cluster_id, indicator, n, abs(num_base) AS size,
         row_number() OVER (PARTITION BY cluster_id, indicator ORDER BY abs(num_base) DESC, enterprise_number) AS size_rank
  FROM uncertainty_sample
),
groups AS (
  SELECT cluster_id, indicator, n,
         sum(size) AS total,
         sum(size * size) AS sum_of_squares,
         max(CASE WHEN size_rank = 1 THEN size END) AS largest,
         sum(CASE WHEN size_rank <= 5 THEN size END) AS top5,
         sum(CASE WHEN size_rank <= 10 THEN size END) AS top10,
         max(CASE WHEN size_rank = 6 THEN size END) AS largest_after_5,
         max(CASE WHEN size_rank = 11 THEN size END) AS largest_after_10
  FROM m
  GROUP BY cluster_id, indicator, n
)
SELECT g.cluster_id, g.indicator,
       CAST(g.largest AS DOUBLE) / CAST(nullif(g.total, 0) AS DOUBLE) AS largest_member_share,
       CAST(g.top5 AS DOUBLE) / CAST(nullif(g.total, 0) AS DOUBLE) AS top5_share,
       CAST(g.top10 AS DOUBLE) / CAST(nullif(g.total, 0) AS DOUBLE) AS top10_share,
       CAST(g.sum_of_squares AS DOUBLE) / (CAST(nullif(g.total, 0) AS DOUBLE) * CAST(nullif(g.total, 0) AS DOUBLE)) AS herfindahl,
       g.n >= 5 + p.min_cell_firms
         AND CAST(g.largest AS DOUBLE) <= p.max_firm_share * CAST(g.top5 AS DOUBLE)
         AND CAST(g.largest_after_5 AS DOUBLE) <= p.max_firm_share * CAST(g.total - g.top5 AS DOUBLE) AS top5_publishable,
       g.n >= 10 + p.min_cell_firms
         AND CAST(g.largest AS DOUBLE) <= p.max_firm_share * CAST(g.top10 AS DOUBLE)
         AND CAST(g.largest_after_10 AS DOUBLE) <= p.max_firm_share * CAST(g.total - g.top10 AS DOUBLE) AS top10_publishable
FROM groups g
CROSS JOIN params p;

-- The largest influence of one member on the gap: the gap minus the gap without that member
-- (the benchmark fixed, so it is 100 (G - G without the member)), the largest in absolute
-- value with its sign; ties go to the first enterprise number. Who it is stays here.
CREATE TABLE uncertainty_influence AS
WITH influence AS (
  SELECT w.cluster_id, w.indicator, w.enterprise_number, 100 * (a.growth - w.growth) AS influence_pp,
         -- without a growth (a sample of one) the influence is unknown, and ranks last
         coalesce(abs(100 * (a.growth - w.growth)), -1) AS magnitude
  FROM uncertainty_variant_growth w
  JOIN uncertainty_variant_growth a
    ON a.cluster_id = w.cluster_id AND a.indicator = w.indicator AND a.variant = 'sample'
  WHERE w.variant = 'without'
),
ranked AS (
  SELECT cluster_id, indicator, influence_pp,
         row_number() OVER (PARTITION BY cluster_id, indicator ORDER BY magnitude DESC, enterprise_number) AS k
  FROM influence
)
SELECT cluster_id, indicator, influence_pp AS max_member_influence_pp
FROM ranked
WHERE k = 1;

-- The median of the members' own growth, as the symmetric growth rate of Davis, Haltiwanger
-- and Schuh (1996): (x_T - x_B) / ((x_T + x_B) / 2), between -2 and 2, so that a small base
-- does not explode. x is the company's value (turnover, FTE) or its value added per FTE; a
-- company counts when both values are at least 0 and not both 0 (and, for productivity, it has
-- FTE in both years).
CREATE TABLE uncertainty_median AS
WITH x AS (
  SELECT cluster_id, indicator,
         CASE WHEN indicator = 'productivity' THEN CAST(num_base AS DOUBLE) / CAST(nullif(den_base, 0) AS DOUBLE)
              ELSE CAST(num_base AS DOUBLE) END AS x_base,
         CASE WHEN indicator = 'productivity' THEN CAST(num_end AS DOUBLE) / CAST(nullif(den_end, 0) AS DOUBLE)
              ELSE CAST(num_end AS DOUBLE) END AS x_end
  FROM uncertainty_sample
)
SELECT cluster_id, indicator,
       count(*) AS median_growth_firms,
       median((x_end - x_base) / ((x_end + x_base) / 2)) AS median_member_growth
FROM x
WHERE x_base >= 0 AND x_end >= 0 AND x_base + x_end > 0
GROUP BY cluster_id, indicator;

-- One row per cluster and indicator, with the headline growth and gap it qualifies.
CREATE TABLE uncertainty_result AS
WITH headline AS (
  SELECT cluster_id, CASE measure WHEN 'turnover' THEN 'CPI7' ELSE 'CPI8' END AS indicator,
         sample_firms, cluster_growth AS growth, flanders_growth, growth_gap_pp AS gap_pp
  FROM growth_result
  UNION ALL
  SELECT cluster_id, 'productivity', sample_firms, productivity_growth, flanders_productivity_growth, productivity_gap_pp
  FROM productivity_result
), measured AS (
  -- every measure only for a sample of at least uncertainty.min_sample_firms companies (the
  -- boundary included); below, NULL with uncertainty_reason
  SELECT h.*, h.sample_firms >= p.uncertainty_min_sample_firms AS measured
  FROM headline h CROSS JOIN params p
)
SELECT h.cluster_id,
       h.indicator,
       p.reference_year,
       h.sample_firms,
       h.growth,
       h.gap_pp,
       p.bootstrap_replicates,
       p.interval_level,
       CASE WHEN h.measured AND i.valid_replicates = p.bootstrap_replicates THEN i.growth_low END AS growth_low,
       CASE WHEN h.measured AND i.valid_replicates = p.bootstrap_replicates THEN i.growth_high END AS growth_high,
       CASE WHEN h.measured AND i.valid_replicates = p.bootstrap_replicates THEN 100 * (i.growth_low - h.flanders_growth) END AS gap_low_pp,
       CASE WHEN h.measured AND i.valid_replicates = p.bootstrap_replicates THEN 100 * (i.growth_high - h.flanders_growth) END AS gap_high_pp,
       CASE WHEN h.measured THEN c.largest_member_share END AS largest_member_share,
       CASE WHEN h.measured THEN c.top5_share END AS top5_share,
       CASE WHEN h.measured THEN c.top10_share END AS top10_share,
       CASE WHEN h.measured THEN c.herfindahl END AS herfindahl,
       h.measured AND coalesce(c.top5_publishable, false) AS top5_publishable,
       h.measured AND coalesce(c.top10_publishable, false) AS top10_publishable,
       CASE WHEN h.measured THEN f.max_member_influence_pp END AS max_member_influence_pp,
       CASE WHEN h.measured THEN coalesce(m.median_growth_firms, 0) ELSE 0 END AS median_growth_firms,
       CASE WHEN h.measured THEN m.median_member_growth END AS median_member_growth,
       CASE WHEN NOT h.measured THEN 'sample_below_min_firms' END AS uncertainty_reason
FROM measured h
CROSS JOIN params p
LEFT JOIN uncertainty_interval i ON i.cluster_id = h.cluster_id AND i.indicator = h.indicator
LEFT JOIN uncertainty_concentration c ON c.cluster_id = h.cluster_id AND c.indicator = h.indicator
LEFT JOIN uncertainty_influence f ON f.cluster_id = h.cluster_id AND f.indicator = h.indicator
LEFT JOIN uncertainty_median m ON m.cluster_id = h.cluster_id AND m.indicator = h.indicator;
