//! The matched non-member comparison of CPI 7 and CPI 8, on a copy of tests/fixtures/handworked
//! (companies as in tests/e2e/handworked.rs) where the non-member N1 is made a twin of member A:
//! N1's main activity becomes 20150 (division 20, as A's 20141) and its StartDate 01-06-2001
//! (A: 01-03-2001), and both get a 2018 filing for the pre period.
//!
//! Cells (NACE division, size class by FTE in the first year, age on 1 January of the last year):
//!   main period 2021 -> 2024: A (20, 10 FTE -> 10-49, 22 -> 20+); N1 (20, 20 FTE -> 10-49, 22 -> 20+).
//!   pre period 2018 -> 2021:  A (20, 10 FTE -> 10-49, 19 -> 10-19); N1 (20, 16 FTE -> 10-49, 19 -> 10-19).
//! N1 is seated in Flanders and listed for no cluster: a control. N3 has no 2021 filing, and H,
//! I, J are listed during the main window (H until 2023-06-30, I from 2024-03-01) and have no
//! values in both years of either period: not controls. With min_controls = 1 the
//! cell of A and N1 is matched; B (62, 0-9, 10-19), C (72, 0-9, 5-9), D (28, 0-9, 20+) and
//! E (10, 0-9, 10-19) find no control.

use crate::common;

use std::path::Path;

use common::{append_to, assert_close, copy_dir, fixture, replace_in, Table};

const EPS: f64 = 1e-9;

fn twin_fixture(dir: &Path) {
    copy_dir(&fixture("handworked"), dir);
    let edit = |file: &str, from: &str, to: &str| replace_in(dir, file, from, to);
    edit("kbo/activity.csv", "\"0200.001.132\",\"001\",\"2025\",\"25110\"", "\"0200.001.132\",\"001\",\"2025\",\"20150\"");
    edit("kbo/enterprise.csv", "\"0200.001.132\",\"AC\",\"000\",\"2\",\"014\",,01-01-1990", "\"0200.001.132\",\"AC\",\"000\",\"2\",\"014\",,01-06-2001");
    append_to(
        dir,
        "accounts/accounts.csv",
        "0200.000.142,2019-00000101,2019-06-01,2018-01-01,2018-12-31,m01,70,N,800000\n\
         0200.000.142,2019-00000101,2019-06-01,2018-01-01,2018-12-31,m01,1003,N,10\n\
         0200.001.132,2019-00000111,2019-06-01,2018-01-01,2018-12-31,m01,70,N,1600000\n\
         0200.001.132,2019-00000111,2019-06-01,2018-01-01,2018-12-31,m01,1003,N,16\n",
    );
}

fn run(input: &Path, min_controls: i64) -> (tempfile::TempDir, Table, Table) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, cpi::config::DEFAULT_TOML.replace("min_controls = 5", &format!("min_controls = {min_controls}"))).unwrap();
    let out = dir.path().join("out");
    let opts = cpi::RunOptions {
        input: input.to_string_lossy().into(),
        output: out.to_string_lossy().into(),
        years: vec![2024],
        config: Some(config),
        overwrite: false,
        memory_limit: None,
        // the unsuppressed tables: C3 is one company
        confidential: Some(dir.path().join("internal").to_string_lossy().into()),
        report_language: Default::default(),
        wait: false,
    };
    tokio::runtime::Runtime::new().unwrap().block_on(cpi::run(&opts)).unwrap();
    let turnover = Table::read(&dir.path().join("internal/cpi7_turnover.parquet"));
    let fte = Table::read(&dir.path().join("internal/cpi8_employment.parquet"));
    (dir, turnover, fte)
}

#[test]
fn members_are_compared_with_non_members_of_their_cell() {
    let dir = tempfile::tempdir().unwrap();
    twin_fixture(dir.path());
    let (run_dir, t, e) = run(dir.path(), 1);

    // Turnover, 2021 -> 2024: control N1 2.0 M -> 2 049 999 (its two 2024 exercises added) =
    // 2.49995 %; matched member A 1.0 -> 1.3 M = 30 %: 27.50005 points.
    // Matched share of the sample's base: C1 (A B C) 1.0 / 1.7, C2 (A E) 1.0 / 1.6, ALL (A B C E)
    // 1.0 / 2.3, C3 (A) 1.
    for (cluster, share) in [("C1", 1.0 / 1.7), ("C2", 1.0 / 1.6), ("ALL", 1.0 / 2.3), ("C3", 1.0)] {
        let r = t.row_where("cluster_id", cluster);
        assert_close(t.float("matched_value_share", r), share, EPS, "turnover matched share");
        assert_close(t.float("control_growth", r), 0.024_999_5, EPS, "turnover control growth");
        assert_close(t.float("control_gap_pp", r), 27.500_05, 1e-7, "turnover control gap");
        // Pre period 2018 -> 2021: the cohort members with both years are A alone:
        // A 0.8 -> 1.0 M = 25 %, N1 1.6 -> 2.0 M = 25 %: no gap before.
        assert_close(t.float("pre_period_matched_value_share", r), 1.0, EPS, "pre share");
        assert_close(t.float("pre_period_gap_pp", r), 0.0, EPS, "turnover pre gap");
    }
    // One matched member (A) in every cluster: C1 A of A B C, ALL A of A B C E; a part of 1
    // company, so the published tables withhold the comparison (issue #30), keeping the count.
    let published = Table::read(&run_dir.path().join("out/cpi7_turnover.parquet"));
    for cluster in ["C1", "C2", "ALL", "C3"] {
        let r = t.row_where("cluster_id", cluster);
        assert_eq!(t.int("matched_firms", r), 1, "{cluster} matched members");
        let p = published.row_where("cluster_id", cluster);
        assert_eq!(published.int("matched_firms", p), 1);
        assert_eq!((published.float("matched_value_share", p), published.float("control_gap_pp", p)), (None, None), "{cluster} withheld");
    }
    // FTE: N1 20 -> 21 = 5 %, A 10 -> 12 = 20 %: 15 points; before, N1 16 -> 20 = 25 % and
    // A 10 -> 10 = 0 %: -25 points. Shares: C1 (A B C) 10 / 17, C2 (A D E) 10 / 22.
    for (cluster, share) in [("C1", 10.0 / 17.0), ("C2", 10.0 / 22.0), ("ALL", 10.0 / 29.0), ("C3", 1.0)] {
        let r = e.row_where("cluster_id", cluster);
        assert_close(e.float("matched_value_share", r), share, EPS, "FTE matched share");
        assert_close(e.float("control_growth", r), 0.05, EPS, "FTE control growth");
        assert_close(e.float("control_gap_pp", r), 15.0, EPS, "FTE control gap");
        assert_close(e.float("pre_period_gap_pp", r), -25.0, EPS, "FTE pre gap");
    }
}

#[test]
fn a_cell_with_fewer_controls_than_the_minimum_matches_nothing() {
    // The shipped minimum of 5 non-members per cell: the one-control cell does not count.
    let dir = tempfile::tempdir().unwrap();
    twin_fixture(dir.path());
    let (_out, t, _) = run(dir.path(), 5);
    let r = t.row_where("cluster_id", "C1");
    assert_eq!(t.float("matched_value_share", r), Some(0.0));
    assert_eq!(t.float("control_growth", r), None);
    assert_eq!(t.float("control_gap_pp", r), None);
    assert_eq!(t.float("pre_period_gap_pp", r), None);
}
