//! Deposits made before 4 April 2022 as the National Bank delivers them: XBRL instances of its
//! `pfs` taxonomy (inputs/pfs_xbrl.rs), tied to their reference records by file name. The
//! hand-worked accounts given as instances give the same outputs as given in long form; and
//! an instance's rejects, counts and warning are worked out by hand.

use crate::common;

use std::path::Path;

use common::{copy_dir, files_in, fixture, query, strings};
use serde_json::json;

/// The concepts of the hand-worked accounts' rubrics: the shipped table's, and three test rows
/// for the rubrics it has no concept for (1003, 9901, 8021), with names no taxonomy uses.
fn concept_table() -> String {
    let shipped = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config/pfs_concepts.csv")).unwrap();
    format!("{shipped}CpiTestRubric1003,1003,pure,true,test\nCpiTestRubric9901,9901,EUR,true,test\nCpiTestRubric8021,8021,EUR,true,test\n")
}

/// The concept of each rubric in [`concept_table`].
fn concept_of(rubric: &str) -> String {
    let table = concept_table();
    let row = table.lines().skip(1).find(|l| l.split(',').nth(1) == Some(rubric)).unwrap_or_else(|| panic!("no concept for {rubric}"));
    row.split(',').next().unwrap().to_string()
}

fn previous_day(date: &str) -> String {
    let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    d.pred_opt().unwrap().format("%Y-%m-%d").to_string()
}

/// An instance as the NBB writes them (contexts by period, units U-EUR and U-Pure, the
/// filer's name in a pfs-gcd tuple), for `enterprise` and the exercise `start`..`end`, with the
/// facts (concept, N or NM1, value, unit id) in order.
/// (The first fact is on line 12.)
fn instance(enterprise: &str, start: &str, end: &str, facts: &[(String, &str, &str, &str)]) -> String {
    let previous_end = previous_day(start);
    let previous_start = format!("{}{}", start[..4].parse::<i32>().unwrap() - 1, &start[4..]);
    let context = |id: &str, period: &str| {
        format!(
            "  <xbrli:context id=\"{id}\"><xbrli:entity><xbrli:identifier scheme=\"http://www.fgov.be\">BE{enterprise}</xbrli:identifier></xbrli:entity>\n    <xbrli:period>{period}</xbrli:period></xbrli:context>\n"
        )
    };
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xbrli:xbrl xmlns:xbrli=\"http://www.xbrl.org/2003/instance\" xmlns:link=\"http://www.xbrl.org/2003/linkbase\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" xmlns:iso4217=\"http://www.xbrl.org/2003/iso4217\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:pfs=\"http://www.nbb.be/be/fr/pfs/ci/2020-04-01\" xmlns:pfs-gcd=\"http://www.nbb.be/be/fr/pfs/ci/gcd/2020-04-01\">\n  <link:schemaRef xlink:type=\"simple\" xlink:href=\"http://www.nbb.be/be/fr/pfs/ci/2020-04-01/m02-f.xsd\"/>\n",
    );
    x += &context("CurrentDuration", &format!("<xbrli:startDate>{start}</xbrli:startDate><xbrli:endDate>{end}</xbrli:endDate>"));
    x += &context("PrecedingDuration", &format!("<xbrli:startDate>{previous_start}</xbrli:startDate><xbrli:endDate>{previous_end}</xbrli:endDate>"));
    x += "  <xbrli:unit id=\"U-EUR\"><xbrli:measure>iso4217:EUR</xbrli:measure></xbrli:unit>\n  <xbrli:unit id=\"U-Pure\"><xbrli:measure>xbrli:pure</xbrli:measure></xbrli:unit>\n  <xbrli:unit id=\"U-USD\"><xbrli:measure>iso4217:USD</xbrli:measure></xbrli:unit>\n";
    x += "  <pfs-gcd:EntityInformation><pfs-gcd:EntityName><pfs-gcd:EntityCurrentLegalName contextRef=\"CurrentDuration\">Filer</pfs-gcd:EntityCurrentLegalName></pfs-gcd:EntityName></pfs-gcd:EntityInformation>\n";
    for (concept, period, value, unit) in facts {
        let context = if *period == "N" { "CurrentDuration" } else { "PrecedingDuration" };
        x += &format!("  <pfs:{concept} contextRef=\"{context}\" unitRef=\"{unit}\" decimals=\"INF\">{value}</pfs:{concept}>\n");
    }
    x + "</xbrli:xbrl>\n"
}

fn config_with_table(table: &Path) -> String {
    let text = cpi::config::DEFAULT_TOML.replace("pfs_concepts = \"\"", &format!("pfs_concepts = {:?}", table.to_string_lossy()));
    assert_ne!(text, cpi::config::DEFAULT_TOML);
    text
}

#[test]
fn the_hand_worked_accounts_as_pfs_instances_give_the_same_outputs_as_in_long_form() {
    // Every deposit of the hand-worked long form as an XBRL instance named by its reference
    // number, in a folder of its own with its reference record (a deposit in two blocks of rows,
    // the refiled duplicate, is two instances of one reference number).
    let deposits = common::long_form_deposits(&fixture("handworked").join("accounts/accounts.csv"));
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input");
    copy_dir(&fixture("handworked"), &input);
    std::fs::remove_file(input.join("accounts/accounts.csv")).unwrap();
    let table = dir.path().join("pfs_concepts.csv");
    std::fs::write(&table, concept_table()).unwrap();
    for (i, (h, values)) in deposits.iter().enumerate() {
        let folder = input.join(format!("accounts/pfs/{i}"));
        std::fs::create_dir_all(&folder).unwrap();
        let reference = json!([{"ReferenceNumber": h[1], "DepositDate": h[2], "ExerciseDates": {"startDate": h[3], "endDate": h[4]},
                                "EnterpriseNumber": h[0], "ModelType": h[5], "Currency": "EUR"}]);
        std::fs::write(folder.join("references.json"), reference.to_string()).unwrap();
        let facts: Vec<(String, &str, &str, &str)> =
            values.iter().map(|(c, p, v)| (concept_of(c), p.as_str(), v.as_str(), if c == "1003" || c == "9087" { "U-Pure" } else { "U-EUR" })).collect();
        std::fs::write(folder.join(format!("{}.xbrl", h[1])), instance(&h[0], &h[3], &h[4], &facts)).unwrap();
    }

    let config = config_with_table(&table);
    let (_a, long_out, _) = common::run_with(&fixture("handworked"), 2024, Some(&config));
    let (_b, xbrl_out, manifest) = common::run_with(&input, 2024, Some(&config));
    let indicators = |out: &Path| files_in(out).into_iter().filter(|(n, _)| n.ends_with(".parquet") && n != "reject_counts.parquet").collect::<std::collections::BTreeMap<_, _>>();
    let (long_files, xbrl_files) = (indicators(&long_out), indicators(&xbrl_out));
    assert_eq!(long_files.len(), 11);
    assert_eq!(long_files, xbrl_files);
    // The same rows are rejected for the same reasons (one more: the rubric of the deposit
    // whose reference record has a wrong enterprise number, rejected with it).
    let reasons = |out: &Path| {
        let t = common::Table::read(&common::confidential(out).join("rejects.parquet"));
        let mut r: Vec<String> = (0..t.len()).filter(|&i| t.text("file", i).unwrap().starts_with("accounts/")).map(|i| t.text("reason", i).unwrap()).collect();
        r.sort();
        r
    };
    assert_eq!(reasons(&long_out), ["duplicate_row", "enterprise_number_check_digits", "value_not_numeric"]);
    assert_eq!(reasons(&xbrl_out), ["duplicate_row", "enterprise_number_check_digits", "reference_rejected", "value_not_numeric"]);
    assert!(manifest.input_rows.iter().all(|f| f.rows_read == f.rows_used + f.rows_rejected));
    assert_eq!(manifest.method_counts["cbso_xbrl_instances"], deposits.len() as i64);
    // Every value through a shipped row (verified = false) is counted, and the run warns.
    let shipped_values = deposits.iter().flat_map(|(_, v)| v).filter(|(c, _, _)| !["1003", "9901", "8021"].contains(&c.as_str())).count() as i64;
    // (less the one value of the rejected reference record, a 70: never read through the table)
    assert_eq!(manifest.method_counts["cbso_xbrl_values_from_unverified_concepts"], shipped_values - 1);
    let warning = manifest.warnings.iter().find(|w| w.starts_with("accounts: ")).unwrap_or_else(|| panic!("{:?}", manifest.warnings));
    // the rubric map's rubrics that no row of this table gives
    assert!(warning.ends_with("so absent from those deposits: 8023, 8024, 8164, 8166: check them before publishing"), "{warning}");
}



/// Three instances with the shipped concept table, worked out by hand (facts from line 12):
/// - 2020-00000201.xbrl (E, 0200.002.122, exercise 2019): Turnover N 1000 and NM1 900, the
///   average FTE 4.5 (U-Pure: rubric 9087 in the shipped table), tangible acquisitions 50 in
///   dollars (line 15: rejected, xbrl_unit_differs), Assets (line 16: not in the table, listed
///   by cpi validate), a nil RawMaterialsConsumables (line 17: not read);
/// - pfs.zip:2020-00000202.xbrl, F's deposit (0200.002.221) whose instance identifies A
///   (BE0200000142): its one fact rejected, xbrl_entity_not_the_filer;
/// - 2020-00000299.xbrl: no reference record of that number: its fact rejected.
#[test]
fn pfs_instances_are_tied_by_file_name_and_checked_fact_by_fact() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("handworked"), dir.path());
    std::fs::remove_file(dir.path().join("accounts/accounts.csv")).unwrap();
    let a = dir.path().join("accounts");
    std::fs::create_dir_all(a.join("pfs")).unwrap();
    let reference = |number: &str, enterprise: &str| {
        json!({"ReferenceNumber": number, "DepositDate": "2020-06-01", "ExerciseDates": {"startDate": "2019-01-01", "endDate": "2019-12-31"},
               "EnterpriseNumber": enterprise, "ModelType": "m02-f", "Currency": "EUR", "DataVersion": "Authentic"})
    };
    std::fs::write(a.join("references.json"), json!([reference("2020-00000201", "0200002122"), reference("2020-00000202", "0200002221")]).to_string()).unwrap();
    let fact = |concept: &str, period: &'static str, value: &'static str, unit: &'static str| (concept.to_string(), period, value, unit);
    let e = instance(
        "0200002122",
        "2019-01-01",
        "2019-12-31",
        &[
            fact("Turnover", "N", "1000", "U-EUR"),
            fact("Turnover", "NM1", "900", "U-EUR"),
            fact("AverageNumberEmployeesPersonnelRegisterTotalFullTimeEquivalents", "N", "4.5", "U-Pure"),
            fact("TangibleFixedAssetsAcquisitionIncludingProducedFixedAssets", "N", "50", "U-USD"),
            fact("Assets", "N", "5000", "U-EUR"),
        ],
    )
    .replace("</xbrli:xbrl>", "  <pfs:RawMaterialsConsumables contextRef=\"CurrentDuration\" unitRef=\"U-EUR\" xsi:nil=\"true\"/>\n</xbrli:xbrl>");
    std::fs::write(a.join("pfs/2020-00000201.xbrl"), e).unwrap();
    {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::fs::File::create(a.join("pfs.zip")).unwrap());
        z.start_file("2020-00000202.xbrl", zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(instance("0200000142", "2019-01-01", "2019-12-31", &[fact("Turnover", "N", "7", "U-EUR")]).as_bytes()).unwrap();
        z.finish().unwrap();
    }
    std::fs::write(a.join("pfs/2020-00000299.xbrl"), instance("0200002122", "2019-01-01", "2019-12-31", &[fact("Turnover", "N", "8", "U-EUR")])).unwrap();

    let rt = tokio::runtime::Runtime::new().unwrap();
    let pipeline = cpi::Pipeline::new(cpi::config::Settings::defaults().unwrap()).unwrap();
    let staged = rt.block_on(pipeline.stage(&dir.path().to_string_lossy())).unwrap();
    let ctx = rt.block_on(pipeline.computed_session(&staged, 2024)).unwrap();
    let values = query(
        &ctx,
        "SELECT f.reference_number, a.rubric_code, a.period, CAST(CAST(a.value AS DOUBLE) AS VARCHAR)
         FROM accounts a JOIN account_filings f ON a.block = f.block ORDER BY 1, 2, 3",
    );
    assert_eq!(values, strings(&[&["2020-00000201", "70", "N", "1000.0"], &["2020-00000201", "70", "NM1", "900.0"], &["2020-00000201", "9087", "N", "4.5"]]));
    let rejects = query(&ctx, "SELECT file, line, field, raw_value, reason FROM output_rejects WHERE file LIKE 'accounts/%' ORDER BY file, line");
    assert_eq!(
        rejects,
        strings(&[
            &["accounts/pfs.zip", "1", "2020-00000202.xbrl: line 12: pfs:Turnover: xbrli:identifier", "0200.000.142", "xbrl_entity_not_the_filer"],
            &["accounts/pfs/2020-00000201.xbrl", "4", "line 15: pfs:TangibleFixedAssetsAcquisitionIncludingProducedFixedAssets unitRef", "iso4217:USD", "xbrl_unit_differs"],
            &["accounts/pfs/2020-00000299.xbrl", "1", "line 12: pfs:Turnover: ReferenceNumber (file name)", "2020-00000299", "no_reference_record"],
        ])
    );
    // rows in = used + rejected: 4 rows of E (3 used), 1 of each other instance
    let rows = query(&ctx, "SELECT file, rows_read, rows_used, rows_rejected FROM input_rows WHERE file LIKE 'accounts/p%' ORDER BY 1");
    assert_eq!(rows, strings(&[&["accounts/pfs.zip", "1", "0", "1"], &["accounts/pfs/2020-00000201.xbrl", "4", "3", "1"], &["accounts/pfs/2020-00000299.xbrl", "1", "0", "1"]]));
    let mut counts = query(&ctx, "SELECT name, value FROM input_counts ORDER BY 1");
    counts.retain(|r| r[0].starts_with("cbso_xbrl"));
    assert_eq!(
        counts,
        strings(&[
            // the nil fact
            &["cbso_xbrl_facts_not_read", "1"],
            &["cbso_xbrl_instances", "3"],
            &["cbso_xbrl_instances_with_concepts_not_in_table", "1"],
            // E's three values used, through shipped (unverified) rows
            &["cbso_xbrl_values_from_unverified_concepts", "3"],
        ])
    );
    let warnings = query(&ctx, "SELECT message FROM input_warnings");
    assert!(
        warnings.iter().any(|w| w[0].starts_with("accounts: 3 value(s) of XBRL instances")
            && w[0].ends_with("so absent from those deposits: 1003, 8021, 8023, 8024, 8164, 8166: check them before publishing")),
        "{warnings:?}"
    );
    let report = rt.block_on(cpi::validate(&dir.path().to_string_lossy(), None)).unwrap().to_string();
    assert!(report.contains("XBRL concept not in the concept table \"Assets\": 1 time(s), first in accounts/pfs/2020-00000201.xbrl, line 16"), "{report}");
}
