-- scope: per_year
-- reads: reference_year, settings
-- creates: params
--
-- Step 25: the parameters of one reference year T. The year is data (the one-row table
-- reference_year); everything derived from it is here, next to the settings it combines with:
--   base year B = T - growth window (3): CPI 7 and CPI 8 compare B with T;
--   investment window T - 4 .. T (5 years) for CPI 6;
--   cohort date: 1 January of T (the cohort month and day); base cohort date: the same day in B.
-- The settings the per-year steps read are passed on with them.
CREATE VIEW params AS
SELECT CAST(y.reference_year AS INT) AS reference_year,
       CAST(y.reference_year - s.growth_window_years AS INT) AS base_year,
       CAST(y.reference_year AS INT) AS end_year,
       s.growth_window_years AS growth_years,
       CAST(y.reference_year - s.investment_window_years + 1 AS INT) AS window_start,
       CAST(y.reference_year AS INT) AS window_end,
       make_date(y.reference_year, s.cohort_month, s.cohort_day) AS cohort_date,
       make_date(y.reference_year - s.growth_window_years, s.cohort_month, s.cohort_day) AS base_cohort_date,
       s.period,
       s.label_language,
       s.min_coverage,
       s.min_sample_firms,
       s.max_official_gap_pp,
       s.size_bound_1,
       s.size_bound_2,
       s.size_bound_3,
       s.age_bound_1,
       s.age_bound_2,
       s.age_bound_3,
       s.min_cell_firms,
       s.max_firm_share,
       s.dominance_n,
       s.p_percent,
       s.audit_differences,
       s.min_controls,
       s.match_unknown_cells,
       s.headline_benchmark,
       s.bootstrap_replicates,
       s.interval_level,
       s.bootstrap_seed,
       s.uncertainty_min_sample_firms,
       s.complete_after_months
FROM reference_year y
CROSS JOIN settings s;
