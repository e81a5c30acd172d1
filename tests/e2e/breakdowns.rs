//! CPI 7 and CPI 8 by category, and the disclosure control, on tests/fixtures/handworked
//! (companies as described in tests/e2e/handworked.rs). T = 2024, B = 2021.
//!
//! Categories worked out by hand (NACE-BEL 2025 section of the main activity; FTE in 2021;
//! seat province; whole years from the KBO StartDate to 2024-01-01):
//!   A  C (20141)          10 FTE -> 10-49   Antwerp (2000)          01-03-2001 -> 22 -> 20+
//!   B  K (62010 -> 62100)  5 FTE -> 0-9     East Flanders (9000)    15-06-2010 -> 13 -> 10-19
//!   C  N (72110, its establishment's) 2 FTE -> 0-9   Brussels      01-01-2015 ->  9 -> 5-9
//!   D  C (28990)           8 FTE -> 0-9     Flemish Brabant (3000)  01-01-2000 -> 24 -> 20+
//!   E  C (10110)           4 FTE -> 0-9     West Flanders (8500)    01-09-2012 -> 11 -> 10-19
//!   N1 C (25110)          20 FTE -> 10-49   Antwerp (2800)          01-01-1990 -> 34 -> 20+
//! Samples: turnover ALL = A B C E, Flanders = A B E N1; FTE ALL = A B C D E, Flanders = A B D E N1.

use crate::common;

use std::path::{Path, PathBuf};

use common::{assert_close, copy_dir, fixture, Table};

const EPS: f64 = 1e-9;

fn run_with(input: &Path, config_toml: Option<String>, confidential: bool) -> (tempfile::TempDir, PathBuf, Option<PathBuf>, cpi::Manifest) {
    let dir = tempfile::tempdir().unwrap();
    let config = config_toml.map(|text| {
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    });
    let out = dir.path().join("out");
    let internal = dir.path().join("internal");
    let opts = cpi::RunOptions {
        input: input.to_string_lossy().into(),
        output: out.to_string_lossy().into(),
        years: vec![2024],
        config,
        overwrite: false,
        memory_limit: None,
        confidential: confidential.then(|| internal.to_string_lossy().into()),
        report_language: Default::default(),
        wait: false,
    };
    let manifest = tokio::runtime::Runtime::new().unwrap().block_on(cpi::run(&opts)).unwrap().manifest;
    (dir, out, confidential.then_some(internal), manifest)
}

/// The row of (cluster, indicator, dimension, category).
fn row(t: &Table, key: [&str; 4]) -> usize {
    let rows = t.texts(&["cluster_id", "indicator", "dimension", "category"]);
    rows.iter().position(|r| r == &key).unwrap_or_else(|| panic!("no row {key:?}"))
}

#[test]
fn cells_are_computed_by_category_and_suppressed_by_the_rules() {
    // The groups' rule on its own (the audit of differences off; tests/e2e/disclosure.rs has it).
    let (_dir, out, internal, manifest) = run_with(&fixture("handworked"), Some(common::config_without_audit()), true);
    let published = Table::read(&out.join("cpi_breakdowns.parquet"));
    let full = Table::read(&internal.unwrap().join("cpi_breakdowns.parquet"));

    // ALL, CPI 7 by size class: 10-49 holds A alone (primary: fewer than 3), so the only other
    // cell, 0-9 (B C E), is suppressed too (secondary: A alone would be the total less 0-9); its values stay in the internal table.
    let r = row(&published, ["ALL", "CPI7", "size_class", "10-49"]);
    assert_eq!(published.int("sample_firms", r), 1);
    assert_eq!(published.text("suppressed_reason", r).as_deref(), Some("fewer_than_3_firms"));
    assert_eq!(published.float("cluster_base", r), None);
    let r = row(&published, ["ALL", "CPI7", "size_class", "0-9"]);
    assert_eq!(published.int("sample_firms", r), 3);
    assert_eq!(published.text("suppressed_reason", r).as_deref(), Some("secondary"));
    assert_eq!(published.float("cluster_growth", r), None);
    let r = row(&full, ["ALL", "CPI7", "size_class", "0-9"]);
    // B 0.5 + C 0.2 + E 0.6 = 1.3 M -> 0.45 + 0.26 + 0.7 = 1.41 M; Flanders 0-9 = B, E.
    assert_close(full.float("cluster_base", r), 1_300_000.0, 0.005, "0-9 base");
    assert_close(full.float("cluster_end", r), 1_410_000.0, 0.005, "0-9 end");
    assert_close(full.float("cluster_growth", r), 1.41 / 1.3 - 1.0, EPS, "0-9 growth");
    assert_eq!(full.int("flanders_firms", r), 2);
    assert_close(full.float("flanders_growth", r), 1.15 / 1.1 - 1.0, EPS, "Flemish 0-9 growth");
    assert_eq!(full.text("flanders_suppressed_reason", r).as_deref(), Some("fewer_than_3_firms"));

    // ALL, CPI 8 by NACE section: C holds A D E (10 + 8 + 4 = 22 -> 12 + 10 + 4 = 26; largest
    // share 10/22 = 45 % and 12/26 = 46 %, under 85 %), K holds B and N holds C, one company
    // each. K and N together are two companies (B and C): the total (29) less section C would
    // give B, who knows its own 5 FTE, C's 2. So C is suppressed too (secondary), and with it
    // every cell of the group. Same for the Flemish cells: section C (A D E N1: 42 -> 47) is
    // the only one left once K (B alone) is suppressed.
    let r = row(&published, ["ALL", "CPI8", "nace_section", "C"]);
    assert_eq!(published.text("suppressed_reason", r).as_deref(), Some("secondary"));
    assert_eq!(published.float("cluster_base", r), None);
    assert_eq!(published.int("flanders_firms", r), 4);
    assert_eq!(published.text("flanders_suppressed_reason", r).as_deref(), Some("secondary"));
    assert_eq!(published.float("flanders_growth", r), None);
    assert_eq!(published.float("growth_gap_pp", r), None);
    let r = row(&full, ["ALL", "CPI8", "nace_section", "C"]);
    assert_close(full.float("cluster_base", r), 22.0, EPS, "C base");
    assert_close(full.float("cluster_end", r), 26.0, EPS, "C end");
    assert_close(full.float("cluster_growth", r), 26.0 / 22.0 - 1.0, EPS, "C growth");
    assert_close(full.float("flanders_base", r), 42.0, EPS, "Flemish C base");
    assert_close(full.float("growth_gap_pp", r), 100.0 * (26.0 / 22.0 - 47.0 / 42.0), EPS, "C gap");
    for (category, reason) in [("K", "fewer_than_3_firms"), ("N", "fewer_than_3_firms")] {
        let r = row(&published, ["ALL", "CPI8", "nace_section", category]);
        assert_eq!(published.text("suppressed_reason", r).as_deref(), Some(reason), "{category}");
    }
    // C is in Brussels: no Flemish sample for section N nor for the province Brussels.
    let r = row(&published, ["ALL", "CPI8", "province", "Brussels"]);
    assert_eq!(published.text("flanders_suppressed_reason", r).as_deref(), Some("no_flemish_sample"));
    // Antwerp in the Flemish FTE sample: A and N1 (Mechelen, 2800).
    assert_eq!(published.int("flanders_firms", row(&published, ["ALL", "CPI8", "province", "Antwerp"])), 2);
    // Age classes of the CPI 8 sample of ALL: 20+ = A D, 10-19 = B E, 5-9 = C.
    let ages: Vec<(String, i64)> = ["20+", "10-19", "5-9"]
        .iter()
        .map(|c| (c.to_string(), published.int("sample_firms", row(&published, ["ALL", "CPI8", "age_class", c]))))
        .collect();
    assert_eq!(ages, [("20+".into(), 2), ("10-19".into(), 2), ("5-9".into(), 1)]);
    // C3 = A only: one cell per dimension, all suppressed.
    let c3: Vec<Vec<String>> = published.texts(&["cluster_id", "indicator", "dimension", "category"]).into_iter().filter(|r| r[0] == "C3" && r[1] == "CPI8").collect();
    assert_eq!(c3.len(), 4);

    // Same rows in both tables; the manifest says what was written where.
    assert_eq!(published.len(), full.len());
    assert_eq!(manifest.disclosure.published, "suppressed");
    // The unsuppressed form of every table that sums company values, and the two tables that
    // name companies; none of them is a published file.
    let internal: Vec<&str> = manifest.disclosure.confidential_outputs.iter().map(|o| o.file.as_str()).collect();
    assert_eq!(
        internal,
        [
            "cpi6_investment.parquet",
            "cpi7_coverage.parquet",
            "cpi7_turnover.parquet",
            "cpi8_employment.parquet",
            "cpi_breakdowns.parquet",
            "exclusions.parquet",
            "member_flows.parquet",
            "productivity.parquet",
            "rejects.parquet",
            "uncertainty.parquet"
        ]
    );
    for o in &manifest.disclosure.confidential_outputs {
        assert!(!manifest.outputs.iter().any(|p| p.sha256 == o.sha256), "{}", o.file);
    }
}

#[test]
fn the_dominance_rule_and_the_province_of_a_moved_postcode_follow_the_settings() {
    // With max_firm_share 0.4, A's 10 of 22 FTE (45 %) dominates ALL's section C.
    let config = cpi::config::DEFAULT_TOML.replace("max_firm_share = 0.85", "max_firm_share = 0.4");
    let (_dir, out, _, _) = run_with(&fixture("handworked"), Some(config), false);
    let t = Table::read(&out.join("cpi_breakdowns.parquet"));
    let r = row(&t, ["ALL", "CPI8", "nace_section", "C"]);
    assert_eq!(t.text("suppressed_reason", r).as_deref(), Some("dominance"));
    assert_eq!(t.float("cluster_base", r), None);

    // N1 moved to 2070 Zwijndrecht: for T = 2024 it is still in Antwerp (the move took effect on
    // 1 January 2025); with the change dated 2024 it is in East Flanders (with B).
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("handworked"), dir.path());
    let address = dir.path().join("kbo/address.csv");
    let text = std::fs::read_to_string(&address).unwrap();
    let moved = text.replace("\"0200.001.132\",\"REGO\",,,\"2800\",\"Mechelen\"", "\"0200.001.132\",\"REGO\",,,\"2070\",\"Zwijndrecht\"");
    assert_ne!(moved, text);
    std::fs::write(&address, moved).unwrap();
    let flemish = |out: &Path, province: &str| {
        let t = Table::read(&out.join("cpi_breakdowns.parquet"));
        t.int("flanders_firms", row(&t, ["ALL", "CPI8", "province", province]))
    };
    let (_d1, before, _, _) = run_with(dir.path(), None, false);
    assert_eq!((flemish(&before, "Antwerp"), flemish(&before, "East Flanders")), (2, 1));
    let dated_2024 = cpi::config::DEFAULT_TOML.replace("from_year = 2025", "from_year = 2024");
    let (_d2, after, _, _) = run_with(dir.path(), Some(dated_2024), false);
    assert_eq!((flemish(&after, "Antwerp"), flemish(&after, "East Flanders")), (1, 2));
}

#[test]
fn the_confidential_folder_must_be_outside_the_published_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for confidential in [out.clone(), out.join("internal")] {
        let opts = cpi::RunOptions {
            input: fixture("handworked").to_string_lossy().into(),
            output: out.to_string_lossy().into(),
            years: vec![2024],
            config: None,
            overwrite: false,
            memory_limit: None,
            confidential: Some(confidential.to_string_lossy().into()),
            report_language: Default::default(),
            wait: false,
        };
        let err = tokio::runtime::Runtime::new().unwrap().block_on(cpi::run(&opts)).unwrap_err();
        assert!(err.to_string().contains("must be a folder outside --output"), "{err}");
        assert_eq!(err.exit_code(), std::process::ExitCode::from(2));
        assert!(!out.exists(), "nothing is written");
    }
}
