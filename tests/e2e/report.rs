//! report.html on the hand-worked fixture: the headline numbers are the hand-worked ones,
//! written the Belgian way in Dutch and the English way in English; a value that disclosure
//! control suppressed appears nowhere; `cpi report` rewrites it byte for byte and records it so
//! that `cpi verify` checks it. (ci/report_check.py renders it in Chromium.)

use crate::common;

use common::{confidential, fixture, run, Table};
use cpi::report::format::{figure, Kind, Language};

/// The text of the cell `measure` in the row of `cluster` of table `table` ("" when absent).
fn cell(html: &str, table: &str, cluster: &str, measure: &str) -> String {
    let start = html.find(&format!("<table id=\"{table}\"")).unwrap_or_else(|| panic!("no table {table}"));
    let table_html = &html[start..start + html[start..].find("</table>").unwrap()];
    let Some(row_start) = table_html.find(&format!("data-cluster=\"{cluster}\"")) else { return String::new() };
    let row = &table_html[row_start..row_start + table_html[row_start..].find("</tr>").unwrap()];
    let Some(at) = row.find(&format!("data-measure=\"{measure}\"")) else { return String::new() };
    let text = &row[at..];
    let open = text.find('>').unwrap() + 1;
    text[open..text.find("</td>").unwrap()].to_string()
}

fn rewrite(out: &std::path::Path, lang: Language) -> cpi::manifest::ReportFile {
    tokio::runtime::Runtime::new().unwrap().block_on(cpi::report::rewrite(&out.to_string_lossy(), lang, false)).unwrap()
}

fn verify(out: &std::path::Path) -> cpi::error::Result<Vec<String>> {
    tokio::runtime::Runtime::new().unwrap().block_on(cpi::verify(&out.to_string_lossy()))
}

#[test]
fn the_report_shows_the_hand_worked_headline_in_dutch_and_english() {
    let (_dir, out, manifest) = common::run_without_audit(&fixture("handworked"), 2024);
    let nl = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(nl.starts_with("<!DOCTYPE html>\n<html lang=\"nl\">"));
    assert_eq!(manifest.report.as_ref().unwrap().sha256, cpi::lineage::sha256_hex(nl.as_bytes()));

    // CPI 7 (tests/e2e/handworked.rs): G_F = 4 499 999 / 4 100 000 - 1 = 9.7561 %.
    // ALL: 2.71 M / 2.30 M - 1 = 17.8261 %, gap 8.0700 pp; C1: 2.01 / 1.70 - 1 = 18.2353 %, gap 8.4792 pp.
    // CPI 8: G_F = 53 / 47 - 1 = 12.7660 %; ALL 35 / 29 - 1 = 20.6897 %, gap 7.9237 pp;
    // C1 21 / 17 - 1 = 23.5294 %, gap 10.7634; C2 26 / 22 - 1 = 18.1818 %, gap 5.4159.
    // CPI 6: ALL 800 000 EUR, C2 750 000 EUR (0.8 million each); C1 (2 companies) and C3 (one) suppressed.
    let t = "headline-table-2024";
    let expect_nl = [
        (t, "ALL", "cpi7.headline_gap_pp", "+8,1"),
        (t, "ALL", "cpi7.cluster_growth", "17,8 %"),
        (t, "ALL", "cpi7.flanders_growth", "9,8 %"),
        (t, "C1", "cpi7.headline_gap_pp", "+8,5"),
        (t, "C2", "cpi7.headline_gap_pp", "c"),
        (t, "C3", "cpi7.headline_gap_pp", "c"),
        (t, "ALL", "cpi8.headline_gap_pp", "+7,9"),
        (t, "C1", "cpi8.headline_gap_pp", "+10,8"),
        (t, "C2", "cpi8.headline_gap_pp", "+5,4"),
        (t, "C3", "cpi8.headline_gap_pp", "c"),
        ("cpi6-table-2024", "ALL", "cpi6.investment_eur", "0,8"),
        ("cpi6-table-2024", "C2", "cpi6.investment_eur", "0,8"),
        ("cpi6-table-2024", "C1", "cpi6.investment_eur", "c"),
        ("cpi6-table-2024", "C3", "cpi6.investment_eur", "c"),
        // Who the benchmarks count (manifest, sql/85): the Flemish turnover base A B E N1 =
        // 4.1 M, FTE 47, investment 1 310 007 = 1.3 M; none of it from companies absent from
        // the register (G has no seat).
        ("counted-2024", "CPI7", "counted.amount", "4,1"),
        ("counted-2024", "CPI7", "counted.amount_absent", "0,0"),
        ("counted-2024", "CPI8", "counted.amount", "47"),
        ("counted-2024", "CPI6", "counted.amount", "1,3"),
    ];
    for (table, cluster, measure, text) in expect_nl {
        assert_eq!(cell(&nl, table, cluster, measure), text, "nl {table} {cluster} {measure}");
    }

    let record = rewrite(&out, Language::En);
    assert_eq!(record.language, "en");
    let en = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(en.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    for (table, cluster, measure, text) in expect_nl {
        let english = text.replace(',', ".");
        assert_eq!(cell(&en, table, cluster, measure), english, "en {table} {cluster} {measure}");
    }
    assert!(en.contains("All clusters") && nl.contains("Alle clusters"));
}

/// The report less its "who the benchmarks count" tables: their figures are totals of the whole
/// Flemish benchmark from the manifest, under sql/85's own disclosure rule (tested in
/// tests/sql/85_year_counts.slt), and can equal a suppressed cluster figure by chance (here the
/// Flemish investment, 1 310 007 €, and C3's entrant turnover, 1.3 M€, are both "1,3").
fn without_counted_tables(html: &str) -> String {
    let mut out = html.to_string();
    while let Some(start) = out.find("<table id=\"counted-") {
        let end = start + out[start..].find("</table>").unwrap() + "</table>".len();
        out.replace_range(start..end, "");
    }
    out
}

#[test]
fn no_suppressed_value_appears_anywhere_in_the_report() {
    let (_dir, out, _) = run(&fixture("handworked"), 2024);
    let conf = confidential(&out);
    for lang in [Language::Nl, Language::En] {
        rewrite(&out, lang);
        let html = without_counted_tables(&std::fs::read_to_string(out.join("report.html")).unwrap());
        let mut checked = 0;
        // Every figure the public tables suppress (NULL with a suppressed_reason), taken from the
        // unsuppressed tables, written in each way the report writes that kind of figure, must
        // not be the text of any table cell (">value<").
        for (file, columns) in [
            ("cpi7_turnover", &[("cluster_growth", Kind::Percent), ("headline_gap_pp", Kind::Points), ("growth_gap_pp", Kind::Points), ("competitive_effect_pp", Kind::Points)][..]),
            ("cpi8_employment", &[("cluster_growth", Kind::Percent), ("headline_gap_pp", Kind::Points), ("growth_gap_pp", Kind::Points)][..]),
            ("cpi6_investment", &[("investment_eur", Kind::MillionEuro), ("share_of_flanders", Kind::Percent), ("intangible_share", Kind::Percent)][..]),
            ("member_flows", &[("turnover_base_eur", Kind::MillionEuro), ("turnover_end_eur", Kind::MillionEuro), ("fte_base", Kind::Fte), ("fte_end", Kind::Fte)][..]),
        ] {
            let public = Table::read(&out.join(format!("{file}.parquet")));
            let unsuppressed = Table::read(&conf.join(format!("{file}.parquet")));
            assert_eq!(public.len(), unsuppressed.len());
            for r in 0..public.len() {
                if public.text("suppressed_reason", r).is_none() {
                    continue;
                }
                for (column, kind) in columns {
                    if let (None, Some(v)) = (public.float(column, r), unsuppressed.float(column, r)) {
                        let shown = format!(">{}<", figure(v, *kind, lang));
                        // a figure that rounds to zero ("0,0") is the text of many published
                        // cells and tells nothing about the company; every other must be absent
                        if !shown.chars().any(|c| c.is_ascii_digit() && c != '0') {
                            continue;
                        }
                        assert!(!html.contains(&shown), "{file} row {r} {column}: suppressed value {shown} is in the {lang:?} report");
                        checked += 1;
                    }
                }
            }
        }
        // C2 and C3 in CPI 7, C3 in CPI 8, C1 and C3 in CPI 6, and the small member flows.
        assert!(checked >= 15, "{checked} suppressed figures checked");
    }
}

#[test]
fn cpi_report_rewrites_the_same_bytes_and_verify_checks_them() {
    let (_dir, out, _) = common::run_without_audit(&fixture("handworked"), 2024);
    let from_run = std::fs::read(out.join("report.html")).unwrap();
    // rewritten from the folder: the same bytes as the run wrote (no timestamp but the manifest's)
    rewrite(&out, Language::Nl);
    assert_eq!(std::fs::read(out.join("report.html")).unwrap(), from_run);
    assert_eq!(verify(&out).unwrap().len(), 13, "12 tables and report.html");

    // in English, recorded in the manifest, so verify still passes
    let en = rewrite(&out, Language::En);
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["report"]["language"], "en");
    assert_eq!(manifest["report"]["sha256"], en.sha256.as_str());
    assert!(verify(&out).is_ok());
    // the manifest keeps its other keys in the order the run wrote them
    let keys: Vec<&str> = manifest.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(&keys[..3], &["tool", "reference_years", "started_at"]);

    // a report changed by hand is caught
    let html = std::fs::read_to_string(out.join("report.html")).unwrap().replace("+8.1", "+9.1");
    std::fs::write(out.join("report.html"), html).unwrap();
    let err = verify(&out).unwrap_err().to_string();
    assert!(err.contains("report.html: SHA-256 differs from the manifest"), "{err}");
}

#[test]
fn a_folder_without_a_newer_table_still_gets_its_report() {
    // An output folder written before uncertainty.parquet existed: the report leaves its
    // figures out (":") instead of failing, and keeps every headline number.
    let (_dir, out, _) = common::run_without_audit(&fixture("handworked"), 2024);
    std::fs::remove_file(out.join("uncertainty.parquet")).unwrap();
    rewrite(&out, Language::Nl);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(cell(&html, "headline-table-2024", "ALL", "cpi7.headline_gap_pp"), "+8,1");
    assert_eq!(cell(&html, "sure-table-CPI7-2024", "C1", "herfindahl"), ":");
}

/// A reference year is marked provisional beside its figures while its annual accounts may not
/// all be filed (accounts.complete_after_months = 13 whole months after the end of T, counted
/// from the data's vintage: here the latest deposit used, 2025-07-01). T = 2024: 6 months after
/// 2024 ends: provisional. T = 2023: 18 months: not. With a deposit cutoff of 2025-01-31 the
/// vintage is the cutoff: 12 whole months after 2023 ends, fewer than 13: provisional again.
#[test]
fn a_reference_year_whose_accounts_are_not_all_filed_is_marked_provisional() {
    let (_a, out, manifest) = run(&fixture("handworked"), 2024);
    assert_eq!(manifest.method_counts["2024.reference_year_provisional"], 1);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<p class=\"provisional\" id=\"provisional-2024\"><strong>Voorlopig.</strong> De jaarrekeningen over 2024"), "no provisional note");
    let (_b, out, manifest) = run(&fixture("handworked"), 2023);
    assert_eq!(manifest.method_counts["2023.reference_year_provisional"], 0);
    assert!(!std::fs::read_to_string(out.join("report.html")).unwrap().contains("class=\"provisional\""));
    let cutoff = cpi::config::DEFAULT_TOML.replace("deposit_cutoff = \"\"", "deposit_cutoff = \"2025-01-31\"");
    let (_c, _, manifest) = common::run_with(&fixture("handworked"), 2023, Some(&cutoff));
    assert_eq!(manifest.method_counts["2023.reference_year_provisional"], 1);
}
