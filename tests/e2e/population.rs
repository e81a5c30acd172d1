//! Who is counted, where, and in which year (METHODOLOGY.md sections 4a and 4b), end to end on
//! copies of the hand-worked fixture (tests/e2e/handworked.rs lists its companies and figures).
//! T = 2024: growth 2021 -> 2024. Turnover in the hand-worked fixture: A 1.0 -> 1.3 M, B 0.5 ->
//! 0.45 M, C 0.2 -> 0.26 M (Brussels), E 0.6 -> 0.7 M, N1 2.0 -> 2.049999 M, N2 0.3 -> 0.33 M
//! (Liège); FTE A 10 -> 12, B 5 -> 6, D 8 -> 10, E 4 -> 4, N1 20 -> 21, N2 3 -> 3.

use crate::common;

use std::path::Path;

use common::{append_to, assert_close, confidential, copy_dir, fixture, replace_in as edit, run_with, zip_json, Table};
use serde_json::json;

const EPS: f64 = 1e-9;
const CENT: f64 = 0.005;

fn handworked_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("handworked"), dir.path());
    dir
}

fn with_setting(from: &str, to: &str) -> String {
    assert!(cpi::config::DEFAULT_TOML.contains(from));
    cpi::config::DEFAULT_TOML.replace(from, to)
}

/// G (0200.000.736, C1) is absent from the register snapshot; the fixture has its 2024 filing
/// (turnover 100, no social balance: FTE 0). Given its 2021 filing too (turnover 100), it is in
/// C1's and ALL's constant samples, as the company the cluster listed, unless the setting
/// leaves companies absent from the snapshot out.
fn g_filed_in_2021(dir: &Path) {
    append_to(dir, "accounts/accounts.csv", "0200.000.736,2022-00000007,2022-07-01,2021-01-01,2021-12-31,m01,70,N,100\n");
}

#[test]
fn a_member_absent_from_the_register_counts_with_its_filings() {
    let dir = handworked_copy();
    g_filed_in_2021(dir.path());

    // Shipped settings: G is in C1's CPI 7 sample: A B C G, 1 700 100 -> 2 010 100, and in CPI 8
    // with FTE 0 -> 0 (A B C G: 17 -> 21). It is counted in the cohort but not "in the register".
    let (_d, out, manifest) = run_with(dir.path(), 2024, None);
    let t = Table::read(&confidential(&out).join("cpi7_turnover.parquet"));
    let c1 = t.row_where("cluster_id", "C1");
    assert_eq!((t.int("cohort_firms", c1), t.int("firms_in_register", c1), t.int("sample_firms", c1)), (4, 3, 4));
    assert_close(t.float("cluster_base", c1), 1_700_100.0, CENT, "C1 base");
    assert_close(t.float("cluster_end", c1), 2_010_100.0, CENT, "C1 end");
    assert_close(t.float("cluster_growth", c1), 2_010_100.0 / 1_700_100.0 - 1.0, EPS, "C1 growth");
    // G has no seat (the long form gives none): not in the Flemish benchmark (A B E N1).
    assert_eq!(t.int("flanders_firms", c1), 4);
    let e = Table::read(&confidential(&out).join("cpi8_employment.parquet"));
    let c1 = e.row_where("cluster_id", "C1");
    assert_eq!(e.int("sample_firms", c1), 4);
    assert_close(e.float("cluster_base", c1), 17.0, EPS, "C1 FTE base");
    // ... and CPI 6 cannot place it in Flanders.
    let x = Table::read(&confidential(&out).join("exclusions.parquet"));
    let g: Vec<Vec<String>> = x
        .texts(&["cluster_id", "indicator", "enterprise_number", "reason"])
        .into_iter()
        .filter(|r| r[2] == "0200.000.736")
        .map(|r| vec![r[0].clone(), r[1].clone(), r[3].clone()])
        .collect();
    assert_eq!(g, [["ALL", "CPI6", "seat_unknown"], ["ALL", "productivity", "no_value_added_base_year"], ["C1", "CPI6", "seat_unknown"], ["C1", "productivity", "no_value_added_base_year"]]);
    assert_eq!(manifest.method_counts["2024.companies_absent_from_register_included"], 1);
    assert_eq!(manifest.method_counts["2024.members_absent_from_register_in_samples"], 1);
    assert_eq!(manifest.method_counts["2024.cpi7_benchmark_firms_absent_from_register"], 0);

    // The setting off reproduces the snapshot-only rule: G is not_in_register, C1 is A B C.
    let config = with_setting("include_companies_absent_from_register = true", "include_companies_absent_from_register = false");
    let (_d, out, manifest) = run_with(dir.path(), 2024, Some(&config));
    let t = Table::read(&confidential(&out).join("cpi7_turnover.parquet"));
    let c1 = t.row_where("cluster_id", "C1");
    assert_eq!(t.int("sample_firms", c1), 3);
    assert_close(t.float("cluster_base", c1), 1_700_000.0, CENT, "C1 base without G");
    let x = Table::read(&confidential(&out).join("exclusions.parquet"));
    assert!(x.texts(&["enterprise_number", "reason"]).iter().filter(|r| r[0] == "0200.000.736").all(|r| r[1] == "not_in_register"));
    assert_eq!(manifest.method_counts["2024.companies_absent_from_register_included"], 0);
}

/// A CBSO document for one deposit: its reference record and its accounting data with the
/// seat's address, written as an extract (camelCase keys, as the NBB's extracts have them).
fn cbso_filing(dir: &Path, zip_name: &str, reference: &str, enterprise: &str, postcode: &str, rubrics: &[(&str, &str)]) {
    let digits: String = enterprise.chars().filter(char::is_ascii_digit).collect();
    let record = json!({"referenceNumber": reference, "depositDate": "2025-07-01", "exerciseDates": {"startDate": "2024-01-01", "endDate": "2024-12-31"},
                        "enterpriseNumber": digits, "modelType": "m01-f", "currency": "EUR", "dataVersion": "Authentic"});
    let values: Vec<serde_json::Value> = rubrics.iter().map(|(c, v)| json!({"code": c, "period": "N", "value": v})).collect();
    let data = json!({"referenceNumber": reference, "legalForm": {"code": "015"}, "activityCode": "62.010",
                      "address": {"postalCode": postcode, "countryCode": "BE"}, "rubrics": values});
    zip_json(&dir.join(format!("accounts/{zip_name}-references.zip")), &[(&format!("references/{reference}.json"), record)]);
    zip_json(&dir.join(format!("accounts/{zip_name}-data.zip")), &[(&format!("accountingData/{reference}.json"), data)]);
}

fn without_lines(dir: &Path, file: &str, starting: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: String = text.lines().filter(|l| !l.starts_with(starting)).map(|l| format!("{l}\n")).collect();
    assert!(kept.len() < text.len(), "{file} has no line starting {starting}");
    std::fs::write(&path, kept).unwrap();
}

#[test]
fn the_seat_on_the_filing_for_t_places_a_company_in_that_year() {
    let dir = handworked_copy();
    // N2 (0200.001.231) is in Liège in the register; its 2024 accounts come as a CBSO document
    // whose address is 2000 Antwerp: in 2024 it is a Flemish company. G (absent from the
    // register) gets its 2021 filing and its 2024 accounts as a CBSO document with 9000 Ghent.
    without_lines(dir.path(), "accounts/accounts.csv", "0200.001.231,2025-00000012");
    without_lines(dir.path(), "accounts/accounts.csv", "0200.000.736,2025-00000007");
    g_filed_in_2021(dir.path());
    cbso_filing(dir.path(), "n2", "2025-00000012", "0200.001.231", "2000", &[("70", "330000"), ("1003", "3")]);
    cbso_filing(dir.path(), "g", "2025-00000007", "0200.000.736", "9000", &[("70", "100")]);

    let (_d, out, manifest) = run_with(dir.path(), 2024, None);
    // Flemish turnover benchmark: A B E N1 + N2 + G: base 4.1 M + 0.3 M + 100 = 4 400 100, end
    // 4 499 999 + 330 000 + 100 = 4 830 099. G is a C1 member: not in the rest of Flanders,
    // which is N1 and N2: 2.3 M -> 2 379 999.
    let t = Table::read(&confidential(&out).join("cpi7_turnover.parquet"));
    let c1 = t.row_where("cluster_id", "C1");
    assert_eq!(t.int("flanders_firms", c1), 6);
    assert_close(t.float("flanders_base", c1), 4_400_100.0, CENT, "Flemish base");
    assert_close(t.float("flanders_end", c1), 4_830_099.0, CENT, "Flemish end");
    assert_close(t.float("flanders_growth", c1), 4_830_099.0 / 4_400_100.0 - 1.0, EPS, "Flemish growth");
    assert_eq!(t.int("rest_of_flanders_firms", c1), 2);
    assert_close(t.float("rest_of_flanders_growth", c1), 2_379_999.0 / 2_300_000.0 - 1.0, EPS, "rest of Flanders growth");
    // What it changed, in the manifest: G is the one benchmark company absent from the register;
    // its base (100 €) is one company's value, so the published manifest gives only the count
    // (fewer than disclosure.min_firms = 3). N2 and G are placed by their filings.
    assert_eq!(manifest.method_counts["2024.cpi7_benchmark_firms"], 6);
    assert_eq!(manifest.method_counts["2024.cpi7_benchmark_firms_absent_from_register"], 1);
    assert_eq!(manifest.method_counts.get("2024.cpi7_benchmark_base_eur_absent_from_register"), None);
    assert_eq!(manifest.method_counts["2024.cpi7_benchmark_base_eur"], 4_400_100);
    assert_eq!(manifest.method_counts["2024.companies_seat_from_filing"], 2);
    assert_eq!(manifest.method_counts["2024.companies_region_differs_from_register"], 1);
    // G's activity comes from its filing (it has no register entry): 62.010, a NACE-BEL 2008
    // code in 2024, converted with the register's concordance (J: 62010 -> 62100).
    assert_eq!(manifest.method_counts["2024.companies_activity_from_filing"], 1);
    // C1's CPI 7 sample in section K: B (62010 -> 62100 in the register) and now G.
    let b = Table::read(&confidential(&out).join("cpi_breakdowns.parquet"));
    let k = (0..b.len())
        .find(|&r| b.texts(&["cluster_id", "indicator", "dimension", "category"])[r] == ["C1", "CPI7", "nace_section", "K"])
        .expect("C1's CPI 7 has a section K cell");
    assert_eq!(b.int("sample_firms", k), 2);
}

#[test]
fn the_population_table_decides_who_is_compared_on_both_sides() {
    let dir = handworked_copy();
    // B (C1, Ghent) becomes a VZW (017, nonprofit), D (C2, Leuven) an Openbare instelling (124,
    // public), N1 (Mechelen) an autonomous municipal company (418, public_company).
    edit(dir.path(), "kbo/enterprise.csv", "\"0200.000.241\",\"AC\",\"000\",\"2\",\"014\"", "\"0200.000.241\",\"AC\",\"000\",\"2\",\"017\"");
    edit(dir.path(), "kbo/enterprise.csv", "\"0200.000.439\",\"AC\",\"000\",\"2\",\"014\"", "\"0200.000.439\",\"AC\",\"000\",\"2\",\"124\"");
    edit(dir.path(), "kbo/enterprise.csv", "\"0200.001.132\",\"AC\",\"000\",\"2\",\"014\"", "\"0200.001.132\",\"AC\",\"000\",\"2\",\"418\"");

    let (_d, out, manifest) = run_with(dir.path(), 2024, None);
    let conf = confidential(&out);
    let t = Table::read(&conf.join("cpi7_turnover.parquet"));
    // Members: B stays in C1's sample (nonprofit members count: care institutions), so C1 is A B
    // C as before: 1.7 M -> 2.01 M.
    let c1 = t.row_where("cluster_id", "C1");
    assert_eq!(t.int("sample_firms", c1), 3);
    assert_close(t.float("cluster_base", c1), 1_700_000.0, CENT, "C1 base");
    // Benchmark: B (nonprofit) and D (public) are out, N1 (public company) stays: turnover A E
    // N1, 3.6 M -> 4 049 999.
    assert_eq!(t.int("flanders_firms", c1), 3);
    assert_close(t.float("flanders_base", c1), 3_600_000.0, CENT, "Flemish base");
    assert_close(t.float("flanders_end", c1), 4_049_999.0, CENT, "Flemish end");
    // FTE: C2 = A D E J; D is outside the member population, J has no 2021 filing: A E, 14 ->
    // 16. Flemish FTE: A E N1 (B and D out): 34 -> 37.
    let e = Table::read(&conf.join("cpi8_employment.parquet"));
    let c2 = e.row_where("cluster_id", "C2");
    assert_eq!(e.int("sample_firms", c2), 2);
    assert_close(e.float("cluster_base", c2), 14.0, EPS, "C2 FTE base");
    assert_close(e.float("cluster_end", c2), 16.0, EPS, "C2 FTE end");
    assert_close(e.float("flanders_growth", c2), 37.0 / 34.0 - 1.0, EPS, "Flemish FTE growth");
    // D's reason is outside_population for every indicator (before its missing turnover).
    let x = Table::read(&conf.join("exclusions.parquet"));
    let d: Vec<String> = x.texts(&["cluster_id", "indicator", "enterprise_number", "reason"]).into_iter().filter(|r| r[0] == "C2" && r[2] == "0200.000.439").map(|r| r[3].clone()).collect();
    assert_eq!(d, ["outside_population"; 4]);
    assert_eq!(manifest.method_counts["2024.companies_in_flanders_outside_benchmark_population"], 2);

    // Members limited to companies: B leaves C1's sample too (outside_population): A C, 1.2 M
    // -> 1.56 M.
    let config = with_setting(
        "member_classes = [\"company\", \"public_company\", \"nonprofit\", \"unknown\"]",
        "member_classes = [\"company\", \"public_company\", \"unknown\"]",
    );
    let (_d, out, _) = run_with(dir.path(), 2024, Some(&config));
    let t = Table::read(&confidential(&out).join("cpi7_turnover.parquet"));
    let c1 = t.row_where("cluster_id", "C1");
    assert_eq!(t.int("sample_firms", c1), 2);
    assert_close(t.float("cluster_base", c1), 1_200_000.0, CENT, "C1 base without B");
    assert_close(t.float("cluster_end", c1), 1_560_000.0, CENT, "C1 end without B");
}

#[test]
fn a_population_setting_naming_no_class_is_an_error() {
    let config = with_setting("benchmark_classes = [\"company\", \"public_company\", \"unknown\"]", "benchmark_classes = [\"company\", \"firms\"]");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, config).unwrap();
    let err = cpi::config::Settings::load(Some(&path)).unwrap_err().to_string();
    assert!(err.contains("population.benchmark_classes: \"firms\" is not a class; the classes are company, public_company, nonprofit, public, other, unknown"), "{err}");
}
