//! End to end on tests/fixtures/handworked: twelve companies whose indicators are worked out by
//! hand below. Reference year T = 2024: cohort on 2024-01-01, growth 2021 -> 2024, investment
//! window 2020..2024. (Over 400 lines: every figure worked out by hand sits in this comment,
//! beside the assertions that check it.)
//!
//! Companies (seat postcode; role):
//!   A 0200.000.142 (2000 Antwerp; C1 and C2)  turnover 2021 1 000 000 -> 2024 1 300 000 (the 2024
//!       filing was refiled: the first deposit said 1 250 000); FTE 10 -> 12 from rubric 1003 (9087 = 11
//!       in 2021 is ignored because 1003 is there); investment 8169 100 000 + 8029 20 000 every year.
//!   B 0200.000.241 (9000 Ghent; C1)  abbreviated: turnover 500 000 -> 450 000 (the 2024 turnover row
//!       appears twice in the file: the copy is rejected, not added); FTE only in 9087: 5 -> 6;
//!       2021 tangible investment only in 8161 (30 000) + 8162 (20 000) = 50 000; 2024 none (= 0).
//!   C 0200.000.340 (1000 Brussels; C1)  turnover 200 000 -> 260 000; FTE 2 -> 3; outside Flanders.
//!   D 0200.000.439 (3000 Leuven; C2)  2024 filing without turnover; FTE 8 -> 10; intangible 2021
//!       8021 5 000 + 8022 5 000; tangible 2024 8169 10 000.
//!   E 0200.000.538 (8500 Kortrijk; C2)  2021 exercise of 18 months (2020-07-01..2021-12-31):
//!       turnover 900 000 -> scaled 600 000 for the calendar year 2021; FTE 4 (a stock: not scaled);
//!       8169 90 000, counted in full in the CPI 6 window sum (as filed; it starts on 2020-07-01,
//!       inside the window 2020..2024); 2024 turnover 700 000, FTE 4, 8169 = 0.
//!   F 0200.000.737 (C1)  wrong check digits: rejected, not in the cohort.
//!   G 0200.000.736 (C1, written 200000736)  not in the register snapshot (stopped before it), but
//!       its 2024 filing remains (turnover 100, no social balance): known from its filing
//!       (METHODOLOGY 4b), with no seat (the long form gives none) and no 2021 filing. In no
//!       sample: CPI 6 seat_unknown, CPI 7 and CPI 8 no_filing_base_year. tests/e2e/population.rs
//!       gives it a 2021 filing and a seat on its filings.
//!   H (C2, left 2023-06-30) and I (C2, joined 2024-03-01): not in the 2024 cohort.
//!   C3 has one member, A, listed from 2022-06-01: an entrant between 2021 and 2024 (ALL is
//!   unchanged: A is in it through C1 and C2).
//!   J 0200.001.033 (2800 Mechelen; C2)  started 2022: no 2021 filing; turnover 2024 400 000, FTE 2, 2, 3
//!       in 2022..2024, 8169 40 000 in 2023.
//!   N1 (2800, non-member)  turnover 2 000 000 -> 2024: two 6-month exercises end in 2024
//!       (January-June 999 999, July-December 1 050 000): together 12 months, added as filed:
//!       2 049 999; 8169 7 + 500 000 = 500 007; FTE 20 -> 21 (a stock: the last exercise's).
//!   N2 (4000 Liège, non-member)  in Wallonia: outside every Flemish figure.
//!   N3 (9000, non-member)  only a 2024 filing: turnover 999, 8169 10 000, neither a social
//!       balance nor personnel costs (rubric 62): FTE 0, a company without employees.
//!
//! Flemish micro benchmark (seat in Flanders, value in both years):
//!   turnover: A, B, E, N1: base 1.0 + 0.5 + 0.6 + 2.0 = 4.1 M, end 1.3 + 0.45 + 0.7 + 2.049999
//!   = 4.499999 M.
//!   FTE: A, B, D, E, N1: base 10 + 5 + 8 + 4 + 20 = 47, end 12 + 6 + 10 + 4 + 21 = 53.
//!   investment 2020..2024: A 600 000 + B 50 000 + D 20 000 + E 90 000 + J 40 000 + N1 500 007
//!   + N3 10 000 = 1 310 007; FTE-years A 54 + B 11 + D 18 + E 8 + J 7 + N1 41 + N3 0 = 139.

use crate::common;

use common::{assert_close, confidential, fixture, run, Table};

const EPS: f64 = 1e-9;
const CENT: f64 = 0.005;

fn growth(end: f64, base: f64) -> f64 {
    end / base - 1.0
}

fn cagr(end: f64, base: f64) -> f64 {
    (end / base).powf(1.0 / 3.0) - 1.0
}

#[test]
fn handworked_indicators() {
    let (_dir, out, manifest) = run(&fixture("handworked"), 2024);
    // The unsuppressed tables: most cells of this fixture are too small to publish (the
    // published folder is checked in tests/e2e/disclosure.rs).
    let conf = confidential(&out);

    // ---- CPI 7: turnover ----
    let t = Table::read(&conf.join("cpi7_turnover.parquet"));
    assert_eq!(t.texts(&["cluster_id"]), vec![vec!["ALL"], vec!["C1"], vec!["C2"], vec!["C3"]]);
    let g_f = growth(4_499_999.0, 4_100_000.0);
    let expect = [
        // cluster, cohort, in register, sample, base, end, coverage
        // C1: coverage 2.01 M / (2.01 M + G's 2024 turnover 100: G is known from its filing).
        ("C1", 4, 3, 3, 1_700_000.0, 2_010_000.0, 2.01 / 2.0101),
        // C2: D has no 2024 turnover, J no 2021 filing; coverage 2.0 M / (1.3 + 0.7 + 0.4) M.
        ("C2", 4, 4, 2, 1_600_000.0, 2_000_000.0, 2.0 / 2.4),
        // ALL: A B C D E G J; sample A B C E; coverage 2.71 M / (2.71 + 0.4 + 0.0001) M.
        ("ALL", 7, 6, 4, 2_300_000.0, 2_710_000.0, 2.71 / 3.1101),
        ("C3", 1, 1, 1, 1_000_000.0, 1_300_000.0, 1.0),
    ];
    for (cluster, cohort, register, sample, base, end, coverage) in expect {
        let r = t.row_where("cluster_id", cluster);
        assert_eq!(t.int("reference_year", r), 2024);
        assert_eq!(t.int("base_year", r), 2021);
        assert_eq!(t.int("end_year", r), 2024);
        assert_eq!(t.int("cohort_firms", r), cohort, "{cluster} cohort");
        assert_eq!(t.int("firms_in_register", r), register, "{cluster} register");
        assert_eq!(t.int("sample_firms", r), sample, "{cluster} sample");
        assert_close(t.float("cluster_base", r), base, CENT, "cluster_base");
        assert_close(t.float("cluster_end", r), end, CENT, "cluster_end");
        let g_c = growth(end, base);
        assert_close(t.float("cluster_growth", r), g_c, EPS, "cluster_growth");
        assert_close(t.float("flanders_growth", r), g_f, EPS, "flanders_growth");
        assert_eq!(t.int("flanders_firms", r), 4);
        assert_close(t.float("flanders_base", r), 4_100_000.0, CENT, "flanders_base");
        assert_close(t.float("growth_gap_pp", r), 100.0 * (g_c - g_f), EPS, "gap");
        // Rest of Flanders = the Flemish sample (A B E N1) less the members (A B E): N1 alone,
        // 2.0 M -> 2 049 999 (its two 6-month 2024 exercises added): 0.0249995.
        assert_eq!(t.int("rest_of_flanders_firms", r), 1);
        assert_close(t.float("rest_of_flanders_growth", r), 0.024_999_5, EPS, "rest of Flanders");
        assert_close(t.float("rest_of_flanders_gap_pp", r), 100.0 * (g_c - 0.024_999_5), EPS, "rest-of-Flanders gap");
        // The default headline is the whole of Flanders (growth.headline_benchmark = "flanders").
        assert_eq!(t.text("headline_benchmark", r).as_deref(), Some("flanders"));
        assert_close(t.float("headline_gap_pp", r), 100.0 * (g_c - g_f), EPS, "headline gap");
        assert_close(t.float("growth_ratio", r), (1.0 + g_c) / (1.0 + g_f), EPS, "ratio");
        assert_close(t.float("cluster_cagr", r), cagr(end, base), EPS, "cluster_cagr");
        assert_close(t.float("flanders_cagr", r), cagr(4_499_999.0, 4_100_000.0), EPS, "flanders_cagr");
        assert_close(
            t.float("cagr_gap_pp", r),
            100.0 * (cagr(end, base) - cagr(4_499_999.0, 4_100_000.0)),
            EPS,
            "cagr_gap",
        );
        assert_close(t.float("coverage_value_share", r), coverage, EPS, "coverage");
        // Official totals: 100 bn -> 110 bn.
        assert_close(t.float("official_flanders_growth", r), 0.1, EPS, "official growth");
    }
    // Cohort of 1 January of 2021: C1 A B C G (no dates), C2 A D E H J (H left on 2023-06-30,
    // I joins in 2024), C3 nobody (A joined it on 2022-06-01), ALL A B C D E G H J. Their
    // turnover samples are those of the cohort of T (H and G have no filings): same growth.
    for (cluster, firms, sample, base, end) in
        [("C1", 4, 3, 1_700_000.0, 2_010_000.0), ("C2", 5, 2, 1_600_000.0, 2_000_000.0), ("ALL", 8, 4, 2_300_000.0, 2_710_000.0)]
    {
        let r = t.row_where("cluster_id", cluster);
        assert_eq!(t.int("base_cohort_firms", r), firms, "{cluster} cohort of B");
        assert_eq!(t.int("base_cohort_sample_firms", r), sample, "{cluster} cohort of B sample");
        assert_close(t.float("base_cohort_growth", r), growth(end, base), EPS, "cohort of B growth");
        assert_close(t.float("base_cohort_gap_pp", r), 100.0 * (growth(end, base) - g_f), EPS, "cohort of B gap");
    }
    let c3 = t.row_where("cluster_id", "C3");
    assert_eq!((t.int("base_cohort_firms", c3), t.float("base_cohort_growth", c3)), (0, None));
    // Which share of employment the turnover growth describes: 2024 FTE A 12, B 6, C 3, D 10,
    // E 4, G 0 (no employees), J 3. C1 A B C of A B C G: 21 / 21; C2 A E of A D E J: 16 / 29;
    // ALL A B C E of A B C D E G J: 25 / 38; C3 A: 1. Flanders: the turnover sample A B E N1
    // (12 + 6 + 4 + 21 = 43) of the benchmark's A B D E J N1 N3 (56, N3's FTE is 0).
    for (cluster, share) in [("C1", 1.0), ("C2", 16.0 / 29.0), ("ALL", 25.0 / 38.0), ("C3", 1.0)] {
        let r = t.row_where("cluster_id", cluster);
        assert_close(t.float("coverage_fte_share", r), share, EPS, "FTE coverage of the turnover growth");
        assert_close(t.float("flanders_coverage_fte_share", r), 43.0 / 56.0, EPS, "Flemish FTE coverage of the turnover growth");
        // no company of a turnover sample changed model (D, m01 in 2021 and m02 in 2024, has no
        // 2024 turnover)
        assert_eq!(t.int("model_changed_firms", r), 0, "{cluster} model changes");
    }
    // The ratios' complements (issue #30): the cohort's companies outside the turnover sample
    // with a known end value: C1 G (turnover 100), C2 J, ALL G J: 1 or 2 companies, so the
    // published coverage ratios are withheld (cluster_end / coverage - cluster_end would be
    // their total); C3 has none. Flanders' FTE complement D J N3 holds exactly 3 companies, with
    // 10, 3 and 0 FTE in 2024: beyond its two largest there is 0, less than 10 % of D's 10, so
    // J, knowing its own 3, would learn D's 10 (p % rule): the Flemish FTE coverage is withheld
    // too (43 / 56 in --confidential). Counted by companies only, it was published.
    let published = Table::read(&out.join("cpi7_turnover.parquet"));
    for (cluster, withheld) in [("C1", true), ("C2", true), ("ALL", true), ("C3", false)] {
        let r = t.row_where("cluster_id", cluster);
        let p = published.row_where("cluster_id", cluster);
        assert_eq!(t.text("coverage_suppressed_reason", r).is_some(), withheld, "{cluster} complement");
        assert_eq!(published.text("coverage_suppressed_reason", p), t.text("coverage_suppressed_reason", r));
        if withheld {
            assert_eq!(t.text("coverage_suppressed_reason", r).as_deref(), Some("complement_fewer_than_3_firms"));
            assert_eq!((published.float("coverage_value_share", p), published.float("coverage_fte_share", p)), (None, None), "{cluster} withheld");
        }
        assert_eq!(published.text("flanders_suppressed_reason", p), None);
        assert_eq!(published.float("flanders_coverage_fte_share", p), None, "Flemish complement: p % rule");
        assert_close(t.float("flanders_coverage_fte_share", r), 43.0 / 56.0, EPS, "Flemish FTE coverage, unsuppressed");
    }
    // Per kind of model filed for 2024 (A m01, B m02, C m01, D m02, E m01, G m01, J m02; no micro):
    // the cohort's companies in the turnover sample. C1 full B 1/1, abbreviated A C of A C G 2/3;
    // C2 full D J 0/2, abbreviated A E 2/2; ALL full B of B D J 1/3, abbreviated A C E of
    // A C E G 3/4; C3 abbreviated A 1/1.
    for (cluster, full, abbreviated) in [("C1", Some(1.0), 2.0 / 3.0), ("C2", Some(0.0), 1.0), ("ALL", Some(1.0 / 3.0), 0.75), ("C3", None, 1.0)] {
        let r = t.row_where("cluster_id", cluster);
        assert_eq!(t.float("sample_share_full", r), full, "{cluster} full");
        assert_close(t.float("sample_share_abbreviated", r), abbreviated, EPS, "abbreviated");
        assert_eq!(t.float("sample_share_micro", r), None);
    }
    // cpi7_coverage: the same per kind of model by count and by 2024 FTE, with the Flemish
    // benchmark's filers for 2024 A B D E J N1 N3 (N1 m01, N3 m02, FTE 21 and 0). No value added
    // in this fixture (every value_added_share NULL). (cluster, kind, filers, sample, FTE share,
    // suppressed): C1 full B 1/1, 6/6; abbreviated A C G 2/3, (12 + 3)/(12 + 3 + 0); all 3/4,
    // 21/21. C2 full D J 0/2, 0/13; abbreviated A E 2/2, 16/16; all 2/4, 16/29. ALL full B D J
    // 1/3, 6/19; abbreviated A C E G 3/4, 19/19; all 4/7, 25/38. C3 abbreviated and all A 1/1.
    // Flanders full B D J N3 1/4, 6/19; abbreviated A E N1 3/3, 37/37; all 4/7, 43/56.
    // Withheld where a part of the FTE sum holds 1 or 2 companies (min_firms 3; an empty part
    // does not count; G's FTE is a known 0): only ALL's all (A B C E and D G J), Flanders' all (4
    // and 3) and Flanders' abbreviated (3 and none) pass.
    let cov = Table::read(&conf.join("cpi7_coverage.parquet"));
    let published_cov = Table::read(&out.join("cpi7_coverage.parquet"));
    let expect: [(&str, &str, i64, i64, f64, bool); 14] = [
        ("(Flanders)", "all", 7, 4, 43.0 / 56.0, true),
        ("(Flanders)", "full", 4, 1, 6.0 / 19.0, false),
        ("(Flanders)", "abbreviated", 3, 3, 1.0, true),
        ("ALL", "all", 7, 4, 25.0 / 38.0, true),
        ("ALL", "full", 3, 1, 6.0 / 19.0, false),
        ("ALL", "abbreviated", 4, 3, 1.0, false),
        ("C1", "all", 4, 3, 1.0, false),
        ("C1", "full", 1, 1, 1.0, false),
        ("C1", "abbreviated", 3, 2, 1.0, false),
        ("C2", "all", 4, 2, 16.0 / 29.0, false),
        ("C2", "full", 2, 0, 0.0, false),
        ("C2", "abbreviated", 2, 2, 1.0, false),
        ("C3", "all", 1, 1, 1.0, false),
        ("C3", "abbreviated", 1, 1, 1.0, false),
    ];
    assert_eq!(cov.len(), expect.len(), "one row per cluster and kind of model filed");
    for (r, (cluster, kind, filers, sample, fte_share, published)) in expect.into_iter().enumerate() {
        assert_eq!((cov.text("cluster_id", r).unwrap(), cov.text("model_class", r).unwrap()), (cluster.to_string(), kind.to_string()), "row order");
        assert_eq!((cov.int("filers_end", r), cov.int("sample_firms", r)), (filers, sample), "{cluster} {kind} counts");
        assert_close(cov.float("firm_share", r), sample as f64 / filers as f64, EPS, "firm share");
        assert_close(cov.float("fte_share", r), fte_share, EPS, "FTE share");
        assert_eq!(cov.float("value_added_share", r), None, "{cluster} {kind}: no value added in this fixture");
        assert_eq!(published_cov.float("fte_share", r).is_some(), published, "{cluster} {kind} published");
        assert_eq!(published_cov.text("suppressed_reason", r).is_none(), published, "{cluster} {kind} reason");
        assert_eq!(published_cov.float("firm_share", r), cov.float("firm_share", r), "counts are always published");
    }

    // The worked numbers themselves: C1 growth 2 010 000 / 1 700 000 - 1 = 0.18235294117647...
    assert_close(t.float("cluster_growth", t.row_where("cluster_id", "C1")), 0.182_352_941_176_470_6, EPS, "C1");

    // ---- CPI 8: FTE ----
    let e = Table::read(&conf.join("cpi8_employment.parquet"));
    let g_f = growth(53.0, 47.0);
    let expect = [
        ("C1", 4, 3, 17.0, 21.0, 1.0),
        // C2: A D E (J has no base year); coverage 26 / (26 + J's 3).
        ("C2", 4, 3, 22.0, 26.0, 26.0 / 29.0),
        ("ALL", 7, 5, 29.0, 35.0, 35.0 / 38.0),
        ("C3", 1, 1, 10.0, 12.0, 1.0),
    ];
    for (cluster, cohort, sample, base, end, coverage) in expect {
        let r = e.row_where("cluster_id", cluster);
        assert_eq!(e.int("cohort_firms", r), cohort);
        assert_eq!(e.int("sample_firms", r), sample, "{cluster} FTE sample");
        assert_close(e.float("cluster_base", r), base, EPS, "FTE base");
        assert_close(e.float("cluster_end", r), end, EPS, "FTE end");
        assert_close(e.float("cluster_growth", r), growth(end, base), EPS, "FTE growth");
        assert_close(e.float("flanders_growth", r), g_f, EPS, "Flemish FTE growth");
        // Flemish FTE sample A B D E N1 less the members A B D E: N1, 20 -> 21.
        assert_eq!(e.int("rest_of_flanders_firms", r), 1);
        assert_close(e.float("rest_of_flanders_gap_pp", r), 100.0 * (growth(end, base) - 0.05), EPS, "rest-of-Flanders FTE gap");
        assert_eq!(e.int("flanders_firms", r), 5);
        assert_close(e.float("coverage_value_share", r), coverage, EPS, "FTE coverage");
        assert_close(e.float("official_flanders_growth", r), 0.025, EPS, "official FTE growth");
        // D (m01 in 2021, m02 in 2024) is in C2's and ALL's FTE samples
        let changed = if cluster == "C2" || cluster == "ALL" { 1 } else { 0 };
        assert_eq!(e.int("model_changed_firms", r), changed, "{cluster} FTE model changes");
    }

    // ---- Sector-mix benchmark (shift-share) ----
    // Main NACE-BEL 2025 divisions: A 20 (group 001 20141 before group 006 46750), B 62 (2008
    // only: 62010 converted to 62100 by J's pair), C 72 (no code of its own: its establishment's
    // 72110), D 28 (group 001 28990
    // before group 003 28110), E 10 (lowest code of group 006: 10110), N1 25.
    // Flemish turnover growth per division (each has one Flemish company in the sample):
    // 20: 1.3/1.0 - 1 = 0.3; 62: 0.45/0.5 - 1 = -0.1; 10: 0.7/0.6 - 1 = 1/6; 25: 0.0249995.
    // 72 has no Flemish sample (C is in Brussels): G_F = 4.499999/4.1 - 1.
    let g_f = growth(4_499_999.0, 4_100_000.0);
    let turnover_mix = [
        // C1: A 1.0 M (20), B 0.5 M (62), C 0.2 M (72) of 1.7 M.
        ("C1", (1.0 * 0.3 + 0.5 * -0.1 + 0.2 * g_f) / 1.7, growth(2.01, 1.7)),
        // C2: A 1.0 M (20), E 0.6 M (10): (0.3 + 0.1) / 1.6 = 0.25, its own growth: each of
        // its divisions' Flemish sample is the member itself, so no competitive effect.
        ("C2", 0.25, 0.25),
        ("ALL", (1.0 * 0.3 + 0.5 * -0.1 + 0.2 * g_f + 0.6 / 6.0) / 2.3, growth(2.71, 2.3)),
        ("C3", 0.3, 0.3),
    ];
    for (cluster, mix, g_c) in turnover_mix {
        let r = t.row_where("cluster_id", cluster);
        assert_close(t.float("sector_mix_growth", r), mix, EPS, "turnover sector mix");
        assert_close(t.float("competitive_effect_pp", r), 100.0 * (g_c - mix), EPS, "turnover competitive effect");
    }
    // C1 worked out: (0.25 + 0.2 * 0.0975607317...) / 1.7 = 0.158536556..., effect
    // 100 * (0.182352941 - 0.158536556) = 2.3816 pp.
    assert_close(t.float("competitive_effect_pp", t.row_where("cluster_id", "C1")), 2.381_638_450_502_15, 1e-6, "C1 effect");
    // FTE: 20: 12/10 - 1 = 0.2; 62: 6/5 - 1 = 0.2; 28: 10/8 - 1 = 0.25; 10: 4/4 - 1 = 0; 25: 0.05.
    let g_f = growth(53.0, 47.0);
    let fte_mix = [
        ("C1", (10.0 * 0.2 + 5.0 * 0.2 + 2.0 * g_f) / 17.0, growth(21.0, 17.0)),
        ("C2", (10.0 * 0.2 + 8.0 * 0.25 + 4.0 * 0.0) / 22.0, growth(26.0, 22.0)),
        ("ALL", (10.0 * 0.2 + 5.0 * 0.2 + 2.0 * g_f + 8.0 * 0.25 + 4.0 * 0.0) / 29.0, growth(35.0, 29.0)),
        ("C3", 0.2, 0.2),
    ];
    for (cluster, mix, g_c) in fte_mix {
        let r = e.row_where("cluster_id", cluster);
        assert_close(e.float("sector_mix_growth", r), mix, EPS, "FTE sector mix");
        assert_close(e.float("competitive_effect_pp", r), 100.0 * (g_c - mix), EPS, "FTE competitive effect");
    }

    // ---- How sure (step 65), C1's CPI 7: A 1.0 -> 1.3 M, B 0.5 -> 0.45 M, C 0.2 -> 0.26 M ----
    let find = |t: &Table, cluster: &str, indicator: &str| {
        (0..t.len()).find(|&r| t.text("cluster_id", r).as_deref() == Some(cluster) && t.text("indicator", r).as_deref() == Some(indicator)).unwrap()
    };
    // With the shipped uncertainty.min_sample_firms (20), C1's 3 companies get no measure, only
    // the reason and the counts.
    let shipped = Table::read(&conf.join("uncertainty.parquet"));
    let r = find(&shipped, "C1", "CPI7");
    assert_eq!(shipped.text("uncertainty_reason", r).as_deref(), Some("sample_below_min_firms"));
    assert_eq!((shipped.float("growth_low", r), shipped.float("herfindahl", r), shipped.int("sample_firms", r)), (None, None, 3));
    // The measures worked out by hand, with min_sample_firms = 3 (C1's 3 companies: the boundary).
    // (and the audit of differences off, so that C1's CPI 7 is published: with it, C1's sample
    // differs from ALL's by E alone and is withheld, tests/e2e/disclosure.rs)
    let three = common::config_without_audit().replace("min_sample_firms = 20", "min_sample_firms = 3");
    assert_ne!(three, common::config_without_audit());
    let (_three, out3, _) = common::run_with(&fixture("handworked"), 2024, Some(&three));
    let u = Table::read(&confidential(&out3).join("uncertainty.parquet"));
    let r = find(&u, "C1", "CPI7");
    assert_eq!(u.text("uncertainty_reason", r), None);
    assert_eq!(u.int("sample_firms", r), 3);
    assert_eq!(u.int("bootstrap_replicates", r), 999);
    // largest A: 1.0 / 1.7; Herfindahl (1.0^2 + 0.5^2 + 0.2^2) / 1.7^2 = 1.29 / 2.89
    assert_close(u.float("largest_member_share", r), 1.0 / 1.7, EPS, "largest share");
    assert_close(u.float("top5_share", r), 1.0, EPS, "top 5 = all three");
    assert_close(u.float("herfindahl", r), 1.29 / 2.89, EPS, "Herfindahl");
    // without A: 0.71 / 0.70 - 1; without B: 1.56 / 1.2 - 1 = 0.3; without C: 1.75 / 1.5 - 1:
    // influences 16.81, -11.76, 1.57 points; the largest is A's
    let g = 2.01 / 1.7 - 1.0;
    assert_close(u.float("max_member_influence_pp", r), 100.0 * (g - (0.71 / 0.7 - 1.0)), 1e-9, "influence");
    // DHS growth: A 0.3 / 1.15, B -0.05 / 0.475, C 0.06 / 0.23 (= A's): median 0.3 / 1.15
    assert_eq!(u.int("median_growth_firms", r), 3);
    assert_close(u.float("median_member_growth", r), 0.3 / 1.15, EPS, "median DHS growth");
    // The 25th and 975th of 999 replicates: a replicate of B three times grows -0.1 (1 in 27:
    // about 37 of them, the lowest possible), one of A and C only grows 0.3 (8 in 27: about 296,
    // the highest possible); the seeded draws hold at least 25 of each.
    assert_close(u.float("growth_low", r), -0.1, EPS, "interval low");
    assert_close(u.float("growth_high", r), 0.3, EPS, "interval high");
    assert_close(u.float("gap_low_pp", r), 100.0 * (-0.1 - (4_499_999.0 / 4_100_000.0 - 1.0)), 1e-9, "gap low");
    // Published: C1's CPI 7 passes disclosure, so its interval, index, influence and median are
    // published; the largest member's share never is, nor a top-5 share of three companies.
    let public = Table::read(&out3.join("uncertainty.parquet"));
    let p = find(&public, "C1", "CPI7");
    assert_close(public.float("growth_high", p), 0.3, EPS, "published interval");
    assert_close(public.float("herfindahl", p), 1.29 / 2.89, EPS, "published Herfindahl");
    assert_eq!((public.float("largest_member_share", p), public.float("top5_share", p)), (None, None));
    // C3 is one company: nothing but its counts.
    let c3 = find(&public, "C3", "CPI7");
    assert_eq!(public.text("suppressed_reason", c3).as_deref(), Some("fewer_than_3_firms"));
    assert_eq!((public.float("growth_low", c3), public.float("median_member_growth", c3), public.int("sample_firms", c3)), (None, None, 1));

    // ---- CPI 6: investment ----
    let i = Table::read(&conf.join("cpi6_investment.parquet"));
    let flanders = 1_310_007.0;
    let expect = [
        // cluster, cohort, sample, investment, intangible, FTE-years
        ("C1", 4, 2, 650_000.0, 100_000.0, 65.0),          // A + B; C in Brussels, G not in register
        ("C2", 4, 4, 750_000.0, 110_000.0, 87.0),          // A + D + E (90 000 as filed) + J
        ("ALL", 7, 5, 800_000.0, 110_000.0, 98.0),         // A B D E J
        ("C3", 1, 1, 600_000.0, 100_000.0, 54.0),          // A
    ];
    for (cluster, cohort, sample, inv, intangible, fte) in expect {
        let r = i.row_where("cluster_id", cluster);
        assert_eq!(i.int("window_start", r), 2020);
        assert_eq!(i.int("window_end", r), 2024);
        assert_eq!(i.int("cohort_firms", r), cohort);
        assert_eq!(i.int("sample_firms", r), sample, "{cluster} CPI6 sample");
        assert_close(i.float("investment_eur", r), inv, CENT, "investment");
        assert_close(i.float("intangible_investment_eur", r), intangible, CENT, "intangible");
        assert_close(i.float("flanders_investment_eur", r), flanders, CENT, "Flemish investment");
        assert_eq!(i.int("flanders_firms", r), 7);
        assert_close(i.float("share_of_flanders", r), inv / flanders, EPS, "share");
        assert_close(i.float("fte_share_of_flanders", r), fte / 139.0, EPS, "FTE share");
        assert_close(i.float("additional_investment_eur", r), inv - flanders * fte / 139.0, CENT, "additional");
        assert_close(i.float("official_flanders_investment_eur", r), 100e9, CENT, "official investment");
        // no year filled from comparatives: every window year with figures gives investment
        assert_eq!(i.float("investment_coverage", r), Some(1.0), "{cluster} CPI6 coverage");
        assert_eq!(i.float("flanders_investment_coverage", r), Some(1.0));
    }
    // Company-years with figures: C1 A 5 + B 2 = 7; C2 A 5 + D 2 + E 2 + J 3 = 12; ALL 12 + B 2 = 14;
    // C3 A 5.
    for (cluster, years) in [("C1", 7), ("C2", 12), ("ALL", 14), ("C3", 5)] {
        let r = i.row_where("cluster_id", cluster);
        assert_eq!((i.int("filing_company_years", r), i.int("investment_company_years", r)), (years, years), "{cluster}");
    }
    // Rest of Flanders: the 7 Flemish companies with a filing in the window less the 5 Flemish
    // members A B D E J (N1 and N3): 1 310 007 - 800 000 = 510 007 over 139 - 98 = 41 FTE-years.
    for cluster in ["ALL", "C1", "C2", "C3"] {
        let r = i.row_where("cluster_id", cluster);
        assert_eq!(i.int("rest_of_flanders_firms", r), 2);
        assert_close(i.float("rest_of_flanders_investment_eur", r), 510_007.0, CENT, "rest investment");
        assert_close(i.float("rest_of_flanders_fte_years", r), 41.0, EPS, "rest FTE-years");
    }
    // C1: 650 000 - 65 x 510 007 / 41 = 650 000 - 808 547.68 = -158 547.68.
    assert_close(i.float("rest_of_flanders_additional_investment_eur", i.row_where("cluster_id", "C1")), -158_547.68, 0.01, "C1 vs rest");
    // C1 by hand: 650 000 - 1 310 007 * 65 / 139 = 650 000 - 612 593.20 = 37 406.80
    assert_close(i.float("additional_investment_eur", i.row_where("cluster_id", "C1")), 37_406.80, 0.01, "C1 additional");

    // ---- member flows between the cohorts of 2021-01-01 and 2024-01-01 ----
    let f = Table::read(&conf.join("member_flows.parquet"));
    // (cluster, flow, companies, companies in the register, turnover B, turnover T, FTE B, FTE T)
    type FlowRow = (String, String, i64, i64, Option<f64>, Option<f64>, Option<f64>, Option<f64>);
    let rows: Vec<FlowRow> = (0..f.len())
        .map(|r| {
            (
                f.text("cluster_id", r).unwrap(),
                f.text("flow", r).unwrap(),
                f.int("firms", r),
                f.int("firms_in_register", r),
                f.float("turnover_base_eur", r),
                f.float("turnover_end_eur", r),
                f.float("fte_base", r),
                f.float("fte_end", r),
            )
        })
        .collect();
    let row = |c: &str, fl: &str, n, reg, tb, te, fb, fe| (c.to_string(), fl.to_string(), n, reg, tb, te, fb, fe);
    assert_eq!(
        rows,
        vec![
            // ALL: staying A B C D E G J; H left (in the register, no filings); no entrant.
            // Turnover 2021: A 1.0 + B 0.5 + C 0.2 + D 0.3 + E 0.6 M; 2024: A 1.3 + B 0.45 + C 0.26
            // + E 0.7 + J 0.4 M + G 100 (D unknown; G is known from its filing, not in the register).
            // FTE 2021: 10 + 5 + 2 + 8 + 4; 2024: 12 + 6 + 3 + 10 + 4 + 3 + G 0.
            row("ALL", "staying", 7, 6, Some(2_600_000.0), Some(3_110_100.0), Some(29.0), Some(38.0)),
            row("ALL", "entrant", 0, 0, None, None, None, None),
            row("ALL", "leaver", 1, 1, None, None, None, None),
            row("C1", "staying", 4, 3, Some(1_700_000.0), Some(2_010_100.0), Some(17.0), Some(21.0)),
            row("C1", "entrant", 0, 0, None, None, None, None),
            row("C1", "leaver", 0, 0, None, None, None, None),
            // C2: staying A D E J (J is listed without dates); H left on 2023-06-30; I joins
            // only on 2024-03-01, after the cohort date.
            row("C2", "staying", 4, 4, Some(1_900_000.0), Some(2_400_000.0), Some(22.0), Some(29.0)),
            row("C2", "entrant", 0, 0, None, None, None, None),
            row("C2", "leaver", 1, 1, None, None, None, None),
            row("C3", "staying", 0, 0, None, None, None, None),
            row("C3", "entrant", 1, 1, Some(1_000_000.0), Some(1_300_000.0), Some(10.0), Some(12.0)),
            row("C3", "leaver", 0, 0, None, None, None, None),
        ]
    );

    // ---- exclusions: every cohort company out of a sample, with its reason ----
    let x = Table::read(&conf.join("exclusions.parquet"));
    let all_rows = x.texts(&["cluster_id", "indicator", "enterprise_number", "reason"]);
    // This fixture reports no value-added rubric (tests/e2e/productivity.rs adds them): every
    // cohort company in the register is out of the productivity sample for lack of a value.
    let productivity = Table::read(&conf.join("productivity.parquet"));
    for cluster in ["ALL", "C1", "C2", "C3"] {
        let r = productivity.row_where("cluster_id", cluster);
        assert_eq!(productivity.int("sample_firms", r), 0);
        let excluded = all_rows.iter().filter(|x| x[0] == cluster && x[1] == "productivity").count() as i64;
        assert_eq!(productivity.int("cohort_firms", r), excluded, "{cluster} productivity");
    }
    let rows: Vec<Vec<String>> = all_rows.into_iter().filter(|x| x[1] != "productivity").collect();
    let expected: Vec<Vec<String>> = [
        ["ALL", "CPI6", "0200.000.340", "seat_outside_flanders"],
        ["ALL", "CPI6", "0200.000.736", "seat_unknown"],
        ["ALL", "CPI7", "0200.000.439", "no_turnover_end_year"],
        ["ALL", "CPI7", "0200.000.736", "no_filing_base_year"],
        ["ALL", "CPI7", "0200.001.033", "no_filing_base_year"],
        ["ALL", "CPI8", "0200.000.736", "no_filing_base_year"],
        ["ALL", "CPI8", "0200.001.033", "no_filing_base_year"],
        ["C1", "CPI6", "0200.000.340", "seat_outside_flanders"],
        ["C1", "CPI6", "0200.000.736", "seat_unknown"],
        ["C1", "CPI7", "0200.000.736", "no_filing_base_year"],
        ["C1", "CPI8", "0200.000.736", "no_filing_base_year"],
        ["C2", "CPI7", "0200.000.439", "no_turnover_end_year"],
        ["C2", "CPI7", "0200.001.033", "no_filing_base_year"],
        ["C2", "CPI8", "0200.001.033", "no_filing_base_year"],
    ]
    .iter()
    .map(|r| r.iter().map(|s| s.to_string()).collect())
    .collect();
    assert_eq!(rows, expected);
    // Conservation per cluster and indicator: cohort = sample + excluded.
    for (table, ind) in [(&t, "CPI7"), (&e, "CPI8"), (&i, "CPI6")] {
        for cluster in ["ALL", "C1", "C2", "C3"] {
            let r = table.row_where("cluster_id", cluster);
            let excluded = rows.iter().filter(|x| x[0] == cluster && x[1] == ind).count() as i64;
            assert_eq!(table.int("cohort_firms", r), table.int("sample_firms", r) + excluded, "{cluster} {ind}");
        }
    }

    // ---- rejects: the malformed member number, the duplicate listing, the bad account value,
    //      the duplicated rubric row ----
    let rj = Table::read(&conf.join("rejects.parquet"));
    let rows = rj.texts(&["field", "raw_value", "reason"]);
    assert_eq!(
        rows,
        vec![
            vec!["value", "n/a", "value_not_numeric"],
            vec!["enterprise_number", "0200.001.232", "enterprise_number_check_digits"],
            vec!["rubric_code", "70", "duplicate_row"],
            vec!["enterprise_number", "0200.000.737", "enterprise_number_check_digits"],
            vec!["enterprise_number", "0200.000.142", "duplicate_listing"],
        ]
    );
    let lines: Vec<i64> = (0..rj.len()).map(|r| rj.int("line", r)).collect();
    assert_eq!(lines, vec![72, 76, 77, 5, 13]);

    // ---- manifest: row conservation per input file, snapshot, outputs ----
    assert_eq!(manifest.kbo.snapshot_date, "05-01-2025");
    assert_eq!(manifest.kbo.extract_number, "140");
    for f in &manifest.input_rows {
        assert_eq!(f.rows_read, f.rows_used + f.rows_rejected, "{}", f.file);
    }
    let counts = |suffix: &str| {
        let f = manifest.input_rows.iter().find(|f| f.file.ends_with(suffix)).unwrap();
        (f.rows_read, f.rows_used, f.rows_rejected)
    };
    assert_eq!(counts("accounts/accounts.csv"), (76, 73, 3));
    assert_eq!(counts("clusters/members.csv"), (13, 11, 2));
    assert_eq!(counts("kbo/enterprise.csv"), (11, 11, 0));
    assert_eq!(counts("kbo/activity.csv"), (18, 18, 0));
    // A's first 2024 deposit is superseded; N1's two 2024 exercises make one calendar year (12
    // months, not scaled); E's 18-month (2021) and J's 11-month (2022) exercises are scaled.
    // FTE 0 without employees: N3 2024 and G 2024 (no social balance, no rubric 62).
    assert_eq!(manifest.method_counts["filings_superseded_by_later_deposit"], 1);
    assert_eq!(manifest.method_counts.get("filings_other_exercise_same_year"), None);
    assert_eq!(manifest.method_counts["company_years_of_several_exercises"], 1);
    assert_eq!(manifest.method_counts["company_years_scaled_to_12_months"], 2);
    assert_eq!(manifest.method_counts["company_years_fte_zero_without_employees"], 2);
    // G filed (2024) but is not in the register snapshot: the survivorship count. It is known
    // from its filing (in_register false) and in no benchmark (no seat, no 2021 filing).
    assert_eq!(manifest.method_counts["2024.companies_absent_from_register_included"], 1);
    assert_eq!(manifest.method_counts["2024.cpi7_benchmark_firms_absent_from_register"], 0);
    assert_eq!(manifest.method_counts["2024.cpi7_benchmark_firms"], 4);
    assert_eq!(manifest.method_counts["2024.cpi7_benchmark_base_eur"], 4_100_000);
    assert_eq!(manifest.method_counts["companies_filing_not_in_register"], 1);
    // Warnings: C1's CPI 6 sample (A, B) and C2's CPI 7 sample (A, E) hold fewer than 3
    // companies; the FTE micro benchmark (53/47 - 1 = 12.77 %) is 10.3 points from the planted
    // official growth (2 050 000 / 2 000 000 - 1 = 2.5 %), more than the 5 allowed.
    // And 2 of the 13 member rows (15.4 %) are rejected, more than the 5 % allowed.
    let (last, warnings) = manifest.warnings.split_last().unwrap();
    assert_eq!(last, "clusters/members.csv: 2 of 13 rows rejected (15.4 %), see rejects.parquet");
    // CPI 6's window years, of the 7 Flemish companies with investment (A B D E J N1 N3): 2020
    // only A (E's 18-month exercise ends in 2021), 2021 A B D E (4: not fewer than half), 2022 and
    // 2023 A and J, 2024 all 7. The fixture files base and end years only: three flagged years.
    assert_eq!(
        warnings,
        vec![
            "CPI6 ALL: window year 2020: investment known for 1 of the 7 Flemish companies of the benchmark (fewer than half)",
            "CPI6 ALL: window year 2022: investment known for 2 of the 7 Flemish companies of the benchmark (fewer than half)",
            "CPI6 ALL: window year 2023: investment known for 2 of the 7 Flemish companies of the benchmark (fewer than half)",
            "CPI6 C1: the sample holds 2 companies (fewer than 3)",
            "CPI6 C3: the sample holds 1 companies (fewer than 3)",
            "CPI7 C2: the sample holds 2 companies (fewer than 3)",
            "CPI7 C3: the sample holds 1 companies (fewer than 3)",
            "CPI8 ALL: Flemish micro-benchmark growth 12.77 % differs from the official total's 2.5 % by more than 5.0 points",
            "CPI8 C3: the sample holds 1 companies (fewer than 3)",
            "productivity ALL: the sample holds 0 companies (fewer than 3)",
            "productivity C1: the sample holds 0 companies (fewer than 3)",
            "productivity C2: the sample holds 0 companies (fewer than 3)",
            "productivity C3: the sample holds 0 companies (fewer than 3)",
        ]
    );
    assert_ne!(manifest.tool.git_commit, "");
    let written: Vec<&str> = manifest.outputs.iter().map(|o| o.file.as_str()).collect();
    for f in written {
        assert!(out.join(f).exists(), "{f}");
    }
    assert!(out.join("manifest.json").exists());
}
