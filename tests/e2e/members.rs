//! Member lists as spreadsheets: the hand-worked members typed into an `.xlsx` the way a cluster
//! office keeps it give the same outputs as the CSV; `cpi validate` suggests register candidates
//! for a member listed by name only.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{assert_close, copy_dir, files_in, fixture, run, Table};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

/// clusters/members.csv of the hand-worked input as `leden.xlsx`: a notes sheet first (no
/// header: skipped), then the list with a title row and an empty row above the Dutch header,
/// an extra column, enterprise numbers without notation typed as numbers (leading zero lost)
/// and dates as spreadsheet dates.
fn members_as_xlsx(to: &Path) {
    let csv = std::fs::read_to_string(fixture("handworked").join("clusters/members.csv")).unwrap();
    let mut book = Workbook::new();
    let notes = book.add_worksheet();
    notes.set_name("Uitleg").unwrap();
    notes.write_string(0, 0, "Ledenlijst van de clusters, bijgewerkt door het secretariaat").unwrap();
    let sheet = book.add_worksheet();
    sheet.set_name("Leden").unwrap();
    sheet.write_string(0, 0, "Leden per cluster op 1 januari 2024").unwrap();
    for (c, h) in ["Cluster", "Ondernemingsnummer", "Contactpersoon", "Lid sinds", "Lid tot"].iter().enumerate() {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    for (i, line) in csv.lines().skip(1).enumerate() {
        let row = 3 + i as u32;
        let f: Vec<&str> = line.split(',').collect();
        sheet.write_string(row, 0, f[0]).unwrap();
        let digits: String = f[1].chars().filter(char::is_ascii_digit).collect();
        if f[1].starts_with("0200") && digits.len() == 10 {
            sheet.write_number(row, 1, digits.parse::<f64>().unwrap()).unwrap();
        } else {
            sheet.write_string(row, 1, f[1]).unwrap();
        }
        sheet.write_string(row, 2, "J. Peeters").unwrap();
        for (col, value) in [(3u16, f[2]), (4u16, f[3])] {
            if !value.is_empty() {
                let p: Vec<u16> = value.split('-').map(|p| p.parse().unwrap()).collect();
                let date = ExcelDateTime::from_ymd(p[0], p[1] as u8, p[2] as u8).unwrap();
                sheet.write_datetime_with_format(row, col, &date, &date_format).unwrap();
            }
        }
    }
    book.save(to).unwrap();
}

#[test]
fn the_same_members_in_a_spreadsheet_give_the_same_outputs_as_in_csv() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("handworked"), dir.path());
    std::fs::remove_file(dir.path().join("clusters/members.csv")).unwrap();
    std::fs::create_dir_all(dir.path().join("clusters/members")).unwrap();
    members_as_xlsx(&dir.path().join("clusters/members/leden.xlsx"));

    let (_a, csv_out, csv_manifest) = common::run(&fixture("handworked"), 2024);
    let (_b, xlsx_out, xlsx_manifest) = common::run(dir.path(), 2024);
    let indicators = |out: &Path| files_in(out).into_iter().filter(|(n, _)| n.ends_with(".parquet") && n != "reject_counts.parquet").collect::<std::collections::BTreeMap<_, _>>();
    assert_eq!(indicators(&csv_out).len(), 11);
    assert_eq!(indicators(&csv_out), indicators(&xlsx_out));
    // The same rows rejected for the same reasons, named by sheet and column, on the rows of
    // the sheet (data from row 4): the wrong check digits (4th member, CSV line 5, sheet row 7)
    // and the repeated listing (12th, CSV line 13, sheet row 15).
    let rejects = |out: &Path| {
        let t = common::Table::read(&common::confidential(out).join("rejects.parquet"));
        (0..t.len())
            .filter(|&i| t.text("file", i).unwrap().starts_with("clusters/"))
            .map(|i| (t.text("file", i).unwrap(), t.int("line", i), t.text("field", i).unwrap(), t.text("reason", i).unwrap()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        rejects(&csv_out),
        [
            ("clusters/members.csv".to_string(), 5, "enterprise_number".to_string(), "enterprise_number_check_digits".to_string()),
            ("clusters/members.csv".to_string(), 13, "enterprise_number".to_string(), "duplicate_listing".to_string()),
        ]
    );
    assert_eq!(
        rejects(&xlsx_out),
        [
            ("clusters/members/leden.xlsx".to_string(), 7, "Leden!Ondernemingsnummer".to_string(), "enterprise_number_check_digits".to_string()),
            ("clusters/members/leden.xlsx".to_string(), 15, "Leden!Ondernemingsnummer".to_string(), "duplicate_listing".to_string()),
        ]
    );
    let members_rows = |m: &cpi::Manifest| m.input_rows.iter().find(|f| f.file.starts_with("clusters/members")).map(|f| (f.rows_read, f.rows_used, f.rows_rejected));
    assert_eq!(members_rows(&csv_manifest), Some((13, 11, 2)));
    assert_eq!(members_rows(&xlsx_manifest), Some((13, 11, 2)));
}

#[test]
fn validate_lists_register_candidates_for_a_member_without_number() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("handworked"), dir.path());
    // The register's names (denomination.csv of a full extract), and a list in C2's name that
    // gives a company by name and postcode only.
    std::fs::write(
        dir.path().join("kbo/denomination.csv"),
        "\"EntityNumber\",\"Language\",\"TypeOfDenomination\",\"Denomination\"\n\
         \"0200.000.439\",\"2\",\"001\",\"Machinebouw Leuven NV\"\n\
         \"0200.000.538\",\"2\",\"001\",\"Machinebouw Kortrijk\"\n\
         \"0200.001.033\",\"2\",\"001\",\"Softwarehuis\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("clusters/members")).unwrap();
    std::fs::write(dir.path().join("clusters/members/C2.csv"), "Naam;KBO-nummer;Postcode\nMachinebouw;;8500\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cpi")).args(["-q", "validate", "--input"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report = String::from_utf8(out.stdout).unwrap();
    // Both names contain every word of "Machinebouw"; E's seat is in 8500 Kortrijk: first.
    assert!(
        report.contains(
            "members listed by name without an enterprise number (check and add the number; none is assigned automatically):\n  \
             clusters/members/C2.csv, line 2: \"Machinebouw\", postcode 8500\n    \
             candidate 0200.000.538 \"Machinebouw Kortrijk\" (seat 8500)\n    \
             candidate 0200.000.439 \"Machinebouw Leuven NV\" (seat 3000)\n"
        ),
        "{report}"
    );
    assert!(report.contains("clusters/members/C2.csv: 1 rows read, 0 accepted, 1 rejected\n    no_enterprise_number: 1 row(s)"), "{report}");
}

#[test]
fn a_member_that_is_not_a_company_is_in_the_cohort_but_in_no_sample() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("handworked"), dir.path());
    // C1's office also lists N1 (0200.001.132, Mechelen, turnover 2.0 M -> 2 049 999, FTE 20 -> 21)
    // as a knowledge institution, in Dutch.
    std::fs::create_dir_all(dir.path().join("clusters/members")).unwrap();
    std::fs::write(dir.path().join("clusters/members/C1.csv"), "Ondernemingsnummer;Type lid\n0200.001.132;Kennisinstelling\n").unwrap();
    // (the audit of differences off: it withholds C1's sample, which differs from ALL's by E alone)
    let (_out_dir, out, _manifest) = common::run_without_audit(dir.path(), 2024);
    let t = Table::read(&out.join("cpi7_turnover.parquet"));
    // Cohorts grow by one (C1: 4 -> 5, ALL: 7 -> 8); the samples and their values do not.
    for (cluster, cohort, sample) in [("C1", 5, 3), ("ALL", 8, 4), ("C2", 4, 2)] {
        let r = t.row_where("cluster_id", cluster);
        assert_eq!(t.int("cohort_firms", r), cohort, "{cluster} cohort");
        assert_eq!(t.int("sample_firms", r), sample, "{cluster} sample");
    }
    assert_close(t.float("cluster_growth", t.row_where("cluster_id", "C1")), 2.01 / 1.7 - 1.0, 1e-9, "C1 growth unchanged");
    // N1 stays in the Flemish benchmark (4 companies) but, as a cluster member, leaves the rest
    // of Flanders, which it was alone in: no rest-of-Flanders growth.
    let r = t.row_where("cluster_id", "C1");
    assert_eq!(t.int("flanders_firms", r), 4);
    assert_eq!(t.int("rest_of_flanders_firms", r), 0);
    assert_eq!(t.float("rest_of_flanders_growth", r), None);
    // Counted per cluster in the exclusions, for every indicator, with reason not_a_company.
    let x = Table::read(&common::confidential(&out).join("exclusions.parquet"));
    let mut n1: Vec<Vec<String>> = x
        .texts(&["cluster_id", "indicator", "enterprise_number", "reason"])
        .into_iter()
        .filter(|row| row[2] == "0200.001.132")
        .map(|row| vec![row[0].clone(), row[1].clone(), row[3].clone()])
        .collect();
    n1.sort();
    let expected: Vec<Vec<String>> = ["ALL", "C1"]
        .iter()
        .flat_map(|c| ["CPI6", "CPI7", "CPI8", "productivity"].map(|i| vec![c.to_string(), i.to_string(), "not_a_company".to_string()]))
        .collect();
    assert_eq!(n1, expected);
    // Member flows count companies only: C1 as in the hand-worked fixture (tests/e2e/handworked.rs).
    let f = Table::read(&out.join("member_flows.parquet"));
    let c1: i64 = (0..f.len()).filter(|&r| f.text("cluster_id", r).as_deref() == Some("C1")).map(|r| f.int("firms", r)).sum();
    assert_eq!(c1, 4, "C1 flows: A B C and 0200.000.736 (G), staying");
}

/// Membership periods (issue #34, section 1): each row of a member list is a period, and a
/// company is a member on the cohort date when any of its periods covers it, whatever the rows'
/// order. The hand-worked C2 cohort on 1 January 2024 holds 0200.000.142, .439, .538 and
/// 1.033 (4; .835 left on 2023-06-30, .934 joins in March 2024). A second row for .835 from
/// 2023-01-01 (open), overlapping its first period, makes it a member: 5 companies, the row
/// placed before or after the first one (before, one of the two orders lost it as a
/// `duplicate_listing`). A third row equal to the new one is a duplicate: rejected, counted,
/// and the membership stays. `cpi validate` lists the overlapping period.
#[test]
fn a_member_is_a_member_when_any_of_its_periods_covers_the_date_in_any_row_order() {
    let original = std::fs::read_to_string(fixture("handworked").join("clusters/members.csv")).unwrap();
    let (header, rows) = original.split_once('\n').unwrap();
    let rejoined = "C2,0200.000.835,2023-01-01,\n";
    for (order, text) in [("after", format!("{header}\n{rows}{rejoined}{rejoined}")), ("before", format!("{header}\n{rejoined}{rejoined}{rows}"))] {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture("handworked"), dir.path());
        std::fs::write(dir.path().join("clusters/members.csv"), text).unwrap();
        let (_d, out, manifest) = run(dir.path(), 2024);
        let cpi7 = Table::read(&out.join("cpi7_turnover.parquet"));
        assert_eq!(cpi7.int("cohort_firms", cpi7.row_where("cluster_id", "C2")), 5, "the new row {order} the first");
        assert_eq!(manifest.method_counts["member_periods_overlapping"], 1, "{order}");
        let members = manifest.input_rows.iter().find(|f| f.file == "clusters/members.csv").unwrap();
        // The hand-worked rows and rejects, and 2 new rows of which the repeated one is rejected.
        let (_h, _, hand) = run(&fixture("handworked"), 2024);
        let before = hand.input_rows.iter().find(|f| f.file == "clusters/members.csv").unwrap();
        assert_eq!((members.rows_read, members.rows_rejected), (before.rows_read + 2, before.rows_rejected + 1), "{order}");
    }
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("handworked"), dir.path());
    common::append_to(dir.path(), "clusters/members.csv", rejoined);
    let validate = Command::new(env!("CARGO_BIN_EXE_cpi")).args(["validate", "--input"]).arg(dir.path()).output().unwrap();
    let report = String::from_utf8_lossy(&validate.stdout);
    assert!(validate.status.success());
    assert!(report.contains("clusters/members.csv, line 15: 0200.000.835 in C2"), "{report}");
}
