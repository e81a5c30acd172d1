//! The National Bank's CBSO JSON deliveries (inputs/cbso.rs): extract zips with camelCase keys
//! and per-company files with PascalCase keys, joined by reference number, with the NBB's
//! improved versions, currencies and every kind of reject worked out by hand; and the
//! hand-worked accounts given as CBSO JSON give the same outputs as given in long form.

use crate::common;

use std::io::Write;
use std::path::Path;

use common::{copy_dir, files_in, fixture, query, strings, zip_json as zip};
use serde_json::{json, Value};

fn write_json(path: &Path, doc: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, doc.to_string()).unwrap();
}

/// A reference record of an extract (camelCase keys).
fn reference(number: &str, enterprise: &str, currency: &str, version: &str) -> Value {
    json!({"referenceNumber": number, "depositDate": "2025-06-01", "exerciseDates": {"startDate": "2024-01-01", "endDate": "2024-12-31"},
           "enterpriseNumber": enterprise, "modelType": "m02-f", "depositType": "Initial", "language": "NL", "currency": currency,
           "accountingDataURL": format!("https://ws.cbso.nbb.be/authentic/deposit/{number}/accountingData"), "dataVersion": version})
}

fn rubrics(values: &[(&str, &str, &str)]) -> Value {
    Value::Array(values.iter().map(|(c, p, v)| json!({"code": c, "period": p, "value": v})).collect())
}

/// The hand-worked input with its long-form accounts replaced by CBSO JSON:
/// - accounts/2025/refs.zip: 2025-00000001 (A = 0200.000.142) as filed and corrected by the NBB;
///   2025-00000002 (B = 0200.000.241) in USD as filed and euro-converted; 2025-00000004 (A), a
///   PDF-only filing; 2025-00000005 with a wrong enterprise number (check digits);
/// - accounts/2025/data.zip: the accounting data of 2025-00000001 (as filed: 70 = 1000, 1003 =
///   10, a 2023 comparative 70 = 900, and 8169 = "n/a"; corrected: 70 = 1100, 1003 = 10),
///   2025-00000002 (as filed, USD: 5000; euro-converted: 4600.5), 2025-00000005 and
///   2025-00000006 (no reference record);
/// - accounts/companies/0200000439/: a per-company references answer (PascalCase, a time after
///   the dates) and one accounting-data document: D's 2023 turnover 300 000 and personnel costs
///   (rubric 62) 120 000 without a social balance.
fn cbso_input() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("handworked"), dir.path());
    std::fs::remove_file(dir.path().join("accounts/accounts.csv")).unwrap();
    let a = dir.path().join("accounts");
    zip(
        &a.join("2025/refs.zip"),
        &[
            ("references/2025-00000001.json", reference("2025-00000001", "0200000142", "EUR", "Authentic")),
            ("references/2025-00000001-c.json", reference("2025-00000001", "0200000142", "EUR", "Corrected")),
            ("references/2025-00000002.json", reference("2025-00000002", "0200000241", "USD", "Authentic")),
            ("references/2025-00000002-e.json", reference("2025-00000002", "0200000241", "USD", "EURO_CONVERTED")),
            ("references/2025-00000004.json", reference("2025-00000004", "0200000142", "EUR", "Authentic")),
            ("references/2025-00000005.json", reference("2025-00000005", "0200000143", "EUR", "Authentic")),
        ],
    );
    zip(
        &a.join("2025/data.zip"),
        &[
            (
                "accountingData/2025-00000001.json",
                json!({"referenceNumber": "2025-00000001", "enterpriseName": "A", "legalForm": {"code": "014"}, "activityCode": "20141",
                       "address": {"street": "Kerkstraat 1", "postalCode": "2000", "city": "Antwerpen", "countryCode": "BE"},
                       "rubrics": rubrics(&[("70", "N", "1000.0"), ("1003", "N", "10"), ("70", "NM1", "900"), ("8169", "N", "n/a")])}),
            ),
            (
                "accountingData/2025-00000001-corrected.json",
                json!({"referenceNumber": "2025-00000001", "dataVersion": "Corrected", "rubrics": rubrics(&[("70", "N", "1100.0"), ("1003", "N", "10")])}),
            ),
            ("accountingData/2025-00000002.json", json!({"referenceNumber": "2025-00000002", "rubrics": rubrics(&[("70", "N", "5000")])})),
            (
                "accountingData/2025-00000002-eur.json",
                json!({"referenceNumber": "2025-00000002", "dataVersion": "Euro-converted", "rubrics": rubrics(&[("70", "N", "4600.5")])}),
            ),
            ("accountingData/2025-00000005.json", json!({"referenceNumber": "2025-00000005", "rubrics": rubrics(&[("70", "N", "1")])})),
            ("accountingData/2025-00000006.json", json!({"referenceNumber": "2025-00000006", "rubrics": rubrics(&[("70", "N", "1")])})),
        ],
    );
    let d = a.join("companies/0200000439");
    write_json(
        &d.join("references.json"),
        &json!([{"ReferenceNumber": "2024-00000010", "DepositDate": "2024-06-01T00:00:00", "ExerciseDates": {"startDate": "2023-01-01", "endDate": "2023-12-31"},
                 "EnterpriseNumber": "0200000439", "ModelType": "m01-f", "Currency": "EUR", "DataVersion": "Authentic"}]),
    );
    write_json(
        &d.join("2024-00000010.json"),
        &json!({"ReferenceNumber": "2024-00000010", "Rubrics": [{"Code": "70", "Period": "N", "Value": "300000.0"}, {"Code": "70/76A", "Period": "N", "Value": 310000}, {"Code": "62", "Period": "N", "Value": "120000.0"}]}),
    );
    dir
}



#[test]
fn cbso_deliveries_are_joined_checked_and_versioned() {
    let input = cbso_input();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pipeline = cpi::Pipeline::new(cpi::config::Settings::defaults().unwrap()).unwrap();
    let staged = rt.block_on(pipeline.stage(&input.path().to_string_lossy())).unwrap();
    let ctx = rt.block_on(pipeline.computed_session(&staged, 2024)).unwrap();

    // The filing's own seat, legal form and activity are kept with the filing.
    let filings = query(
        &ctx,
        "SELECT enterprise_number, reference_number, data_version, model_type, filing_postcode, filing_country, legal_form, activity_code
         FROM account_filings ORDER BY reference_number, data_version",
    );
    assert_eq!(
        filings,
        strings(&[
            &["0200.000.439", "2024-00000010", "AUTHENTIC", "m01-f", "", "", "", ""],
            &["0200.000.142", "2025-00000001", "AUTHENTIC", "m02-f", "2000", "BE", "014", "20141"],
            &["0200.000.142", "2025-00000001", "CORRECTED", "m02-f", "", "", "", ""],
            &["0200.000.241", "2025-00000002", "EURO_CONVERTED", "m02-f", "", "", "", ""],
        ])
    );
    // The corrected version wins over the filed one; B's euro-converted version is the only one
    // in euro; D's 2023 figures come from its per-company files; A's 2023 from the comparatives.
    let statuses = query(&ctx, "SELECT reference_number, data_version, status FROM filing_not_used ORDER BY 1, 2");
    assert_eq!(statuses, strings(&[&["2025-00000001", "AUTHENTIC", "superseded_by_improved_version"]]));
    let counts = query(&ctx, "SELECT name, CAST(value AS VARCHAR) FROM filing_count ORDER BY 1");
    // The three used, one per version: 2024-00000010 as filed, 2025-00000001 corrected,
    // 2025-00000002 euro-converted.
    assert_eq!(
        counts,
        strings(&[
            &["filings_superseded_by_improved_version", "1"],
            &["filings_used", "3"],
            &["filings_used_authentic", "1"],
            &["filings_used_corrected", "1"],
            &["filings_used_euro_converted", "1"],
        ])
    );
    let figures = query(
        &ctx,
        "SELECT enterprise_number, year, reference_number, from_comparatives, CAST(turnover_eur AS DOUBLE), CAST(fte AS DOUBLE)
         FROM annual_figures ORDER BY 1, 2",
    );
    assert_eq!(
        figures,
        strings(&[
            // The corrected version has no comparatives: 2023 is not filled from it.
            &["0200.000.142", "2024", "2025-00000001", "false", "1100.0", "10.0"],
            // B: no social balance and no personnel costs: FTE 0 (no employees).
            &["0200.000.241", "2024", "2025-00000002", "false", "4600.5", "0.0"],
            // D: no social balance but personnel costs of 120 000: FTE unknown.
            &["0200.000.439", "2023", "2024-00000010", "false", "300000.0", ""],
        ])
    );
    // (Filtered here, not in SQL: DataFusion 55 pushes a filter on the constant name below the
    // count of a branch without GROUP BY, which then still gives a row, with count 0.)
    let mut counts = query(&ctx, "SELECT name, value FROM method_counts ORDER BY 1");
    counts.retain(|r| r[0].starts_with("cbso"));
    assert_eq!(
        counts,
        strings(&[
            // 2025-00000004 is a PDF-only filing: a reference without accounting data.
            &["cbso_accounting_data_documents", "7"],
            // The 4 documents tied to a usable reference record, per model: D's m01-f, A's two
            // and B's euro-converted one m02-f (the others were rejected before: USD, a
            // rejected reference, no reference).
            &["cbso_documents_model_m01", "1"],
            &["cbso_documents_model_m02", "3"],
            // A's filed document has an address (2000); the corrected one, B's euro-converted
            // one and D's say nothing, nor do their reference records.
            &["cbso_documents_seat_from_document", "1"],
            &["cbso_documents_seat_from_reference_record", "0"],
            // A's postcode 2000 in Belgium: of its enumeration's shape
            &["cbso_documents_with_unrecognised_codes", "0"],
            &["cbso_documents_with_unrecognised_keys", "0"],
            &["cbso_documents_without_seat", "3"],
            &["cbso_reference_records", "7"],
            &["cbso_reference_records_with_unrecognised_codes", "0"],
            // depositType, language, accountingDataURL are known keys, not needed
            &["cbso_reference_records_with_unrecognised_keys", "0"],
            &["cbso_references_without_accounting_data", "1"],
        ])
    );

    // Every reject names the file, the document inside the zip and the position; rows read =
    // used + rejected per file (refs.zip: 6 records; data.zip: 10 rubric values).
    let rejects = query(&ctx, "SELECT file, CAST(line AS VARCHAR) AS l, field, raw_value, reason FROM output_rejects WHERE file LIKE 'accounts/%' ORDER BY file, line");
    assert_eq!(
        rejects,
        strings(&[
            &["accounts/2025/data.zip", "4", "accountingData/2025-00000001.json: Rubrics[3].Value", "n/a", "value_not_numeric"],
            &["accounts/2025/data.zip", "7", "accountingData/2025-00000002.json: Currency", "USD", "currency_not_eur"],
            &["accounts/2025/data.zip", "9", "accountingData/2025-00000005.json: ReferenceNumber", "2025-00000005", "reference_rejected"],
            &["accounts/2025/data.zip", "10", "accountingData/2025-00000006.json: ReferenceNumber", "2025-00000006", "no_reference_record"],
            &["accounts/2025/refs.zip", "6", "references/2025-00000005.json: EnterpriseNumber", "0200000143", "enterprise_number_check_digits"],
        ])
    );
    let rows = query(&ctx, "SELECT file, CAST(rows_read AS VARCHAR), CAST(rows_used AS VARCHAR), CAST(rows_rejected AS VARCHAR) FROM input_rows WHERE file LIKE 'accounts/%' ORDER BY 1");
    assert_eq!(
        rows,
        strings(&[
            &["accounts/2025/data.zip", "10", "6", "4"],
            &["accounts/2025/refs.zip", "6", "5", "1"],
            // three rubric values: 70, 70/76A and 62
            &["accounts/companies/0200000439/2024-00000010.json", "3", "3", "0"],
            &["accounts/companies/0200000439/references.json", "1", "1", "0"],
        ])
    );
}

#[test]
fn a_corrupt_zip_or_document_stops_the_run_naming_it() {
    let input = cbso_input();
    let path = input.path().join("accounts/2025/data.zip");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&path, bytes).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt.block_on(cpi::validate(&input.path().to_string_lossy(), None)).err().unwrap();
    assert!(err.to_string().contains("accounts/2025/data.zip: not a readable zip"), "{err}");
    assert_eq!(err.exit_code(), std::process::ExitCode::from(2));

    let input = cbso_input();
    zip(&input.path().join("accounts/2025/data.zip"), &[("accountingData/x.json", json!({"referenceNumber": "1", "rubrics": []}))]);
    // more.zip holding one member, `name`, of these bytes
    let more = |name: &str, bytes: &[u8]| {
        let mut z = zip::ZipWriter::new(std::fs::File::create(input.path().join("accounts/2025/more.zip")).unwrap());
        z.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(bytes).unwrap();
        z.finish().unwrap();
    };
    more("accountingData/2025-1.json", b"{\"ReferenceNumber\": ");
    let err = rt.block_on(cpi::validate(&input.path().to_string_lossy(), None)).err().unwrap();
    assert!(err.to_string().ends_with("accounts/2025/more.zip:accountingData/2025-1.json: not valid JSON: EOF while parsing a value at line 1 column 20"), "{err}");
    // an XBRL instance cut short inside a zip: the member and the line
    more("accountingData/2019-1.xbrl", b"<?xml version=\"1.0\"?>\n<xbrli:xbrl xmlns:xbrli=\"http://www.xbrl.org/2003/instance\">\n  <xbrli:context id=\"c\"><xbrli:entity>");
    let err = rt.block_on(cpi::validate(&input.path().to_string_lossy(), None)).err().unwrap();
    assert!(err.to_string().contains("accounts/2025/more.zip:accountingData/2019-1.xbrl: not a readable XBRL instance: line 3: context c"), "{err}");
}

#[test]
fn the_same_filings_as_cbso_json_give_the_same_outputs_as_in_long_form() {
    // The hand-worked long-form file, deposit by deposit: the first half as extract zips
    // (camelCase), the rest as per-company files (PascalCase), in folders of their own.
    let deposits = common::long_form_deposits(&fixture("handworked").join("accounts/accounts.csv"));
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("handworked"), dir.path());
    std::fs::remove_file(dir.path().join("accounts/accounts.csv")).unwrap();
    let half = deposits.len() / 2;
    let (mut refs, mut data) = (vec![], vec![]);
    for (i, (h, values)) in deposits.iter().enumerate() {
        let rubric_list = |pascal: bool| {
            Value::Array(values.iter().map(|(c, p, v)| if pascal { json!({"Code": c, "Period": p, "Value": v}) } else { json!({"code": c, "period": p, "value": v}) }).collect())
        };
        // A deposit that comes in two blocks of rows (the refiled duplicate row) has two documents.
        let member = format!("{}-{i}.json", h[1]);
        if i < half {
            refs.push((format!("references/{member}"), json!({"referenceNumber": h[1], "depositDate": h[2], "exerciseDates": {"startDate": h[3], "endDate": h[4]},
                                                              "enterpriseNumber": h[0], "modelType": h[5], "currency": "EUR"})));
            data.push((format!("accountingData/{member}"), json!({"referenceNumber": h[1], "rubrics": rubric_list(false)})));
        } else {
            let folder = dir.path().join(format!("accounts/companies/{i}"));
            write_json(&folder.join("references.json"), &json!([{"ReferenceNumber": h[1], "DepositDate": h[2], "ExerciseDates": {"startDate": h[3], "endDate": h[4]},
                                                                 "EnterpriseNumber": h[0], "ModelType": h[5], "Currency": "EUR"}]));
            write_json(&folder.join(&member), &json!({"ReferenceNumber": h[1], "Rubrics": rubric_list(true)}));
        }
    }
    let as_refs: Vec<(&str, Value)> = refs.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
    let as_data: Vec<(&str, Value)> = data.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
    zip(&dir.path().join("accounts/extract/references.zip"), &as_refs);
    zip(&dir.path().join("accounts/extract/accounting_data.zip"), &as_data);

    let (_a, long_out, _) = common::run(&fixture("handworked"), 2024);
    let (_b, json_out, manifest) = common::run(dir.path(), 2024);
    let indicators = |out: &Path| files_in(out).into_iter().filter(|(n, _)| n.ends_with(".parquet") && n != "reject_counts.parquet").collect::<std::collections::BTreeMap<_, _>>();
    let (long_files, json_files) = (indicators(&long_out), indicators(&json_out));
    assert_eq!(long_files.len(), 11);
    assert_eq!(long_files, json_files);
    // The same rows are rejected for the same reasons (one more: the rubric of the deposit
    // whose reference has a wrong enterprise number).
    let reasons = |out: &Path| {
        let t = common::Table::read(&common::confidential(out).join("rejects.parquet"));
        let mut r: Vec<String> = (0..t.len()).filter(|&i| t.text("file", i).unwrap().starts_with("accounts/")).map(|i| t.text("reason", i).unwrap()).collect();
        r.sort();
        r
    };
    assert_eq!(reasons(&long_out), ["duplicate_row", "enterprise_number_check_digits", "value_not_numeric"]);
    assert_eq!(reasons(&json_out), ["duplicate_row", "enterprise_number_check_digits", "reference_rejected", "value_not_numeric"]);
    assert!(manifest.input_rows.iter().all(|f| f.rows_read == f.rows_used + f.rows_rejected));
}

/// A per-company reference record as the CBSO web service answers it (PascalCase), with the
/// filer's seat on the record: `Address.PostalCode`, `CountryCode`, `LegalForm`, `ActivityCode`.
fn reference_with_seat(number: &str, enterprise: &str, version: &str, corrected: Option<&str>, postcode: Option<&str>) -> Value {
    let mut r = json!({"ReferenceNumber": number, "DepositDate": "2025-06-01", "ExerciseDates": {"startDate": "2024-01-01", "endDate": "2024-12-31"},
                       "EnterpriseNumber": enterprise, "ModelType": "m81-f", "Currency": "EUR", "DataVersion": version});
    if let Some(p) = postcode {
        r["Address"] = json!({"Street": "Veldstraat", "Number": "1", "PostalCode": p, "City": "Gent", "CountryCode": "BE"});
        r["LegalForm"] = json!("610");
        r["ActivityCode"] = json!("62010");
    }
    if let Some(c) = corrected {
        r["CorrectedData"] = json!(c);
    }
    r
}

/// The shapes of real deliveries (issue #32, sections 1 and 2), worked out by hand:
/// - E (0200.002.122, absent from the register): the reference record says 9000 Gent, BE, legal
///   form 610, activity 62010; its document says nothing of the seat: placed by the reference.
/// - F (0200.002.221, absent): no seat on its reference record; the document's coded fields
///   `Address.City` = `pcd:m2000`, `Country` = `cty:mBE`, `LegalForm.LegalFormCode` = `lgf:m610`:
///   2000, BE, 610.
/// - G (0200.002.320): filed (70 = 100) and corrected by the NBB (aa, 70 = 120): the corrected
///   document carries no version inside, only its file label `-aa-corrected`: the correction is
///   used, not read as a second authentic copy (which would have been a duplicate).
/// - H (0200.002.419): filed (70 = 500, 1003 = 5) and its social balance corrected (sb: 1003 = 6
///   and 70 = 999, file label `-sb-corrected`): CORRECTED_SB is not a whole deposit; it replaces
///   the social-balance rubrics of the filed deposit, which stays in use: 70 = 500 (the
///   correction's 70 is not read), FTE 6.
/// - I (0200.000.340): delivered only as `pdf_extracted` (70 = 7): read as PDF_ENCODED, used.
/// - a document whose DataVersion is `mystery`: its rubric row is rejected as
///   unknown_data_version, never defaulted.
#[test]
fn real_delivery_shapes_place_filers_and_keep_improved_versions() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("handworked"), dir.path());
    std::fs::remove_file(dir.path().join("accounts/accounts.csv")).unwrap();
    let a = dir.path().join("accounts");
    let refs = json!([
        reference_with_seat("2025-00000011", "0200002122", "Authentic", None, Some("9000")),
        reference_with_seat("2025-00000012", "0200002221", "Authentic", None, None),
        reference_with_seat("2025-00000013", "0200002320", "Authentic", None, None),
        reference_with_seat("2025-00000013", "0200002320", "Corrected", Some("aa"), None),
        reference_with_seat("2025-00000014", "0200002419", "Authentic", None, None),
        reference_with_seat("2025-00000014", "0200002419", "Corrected", Some("sb"), None),
        reference_with_seat("2025-00000015", "0200000340", "pdf_extracted", None, None),
        reference_with_seat("2025-00000016", "0200000340", "Authentic", None, None),
    ]);
    write_json(&a.join("references.json"), &refs);
    let doc = |number: &str, values: &[(&str, &str, &str)]| json!({"ReferenceNumber": number, "Rubrics": values.iter().map(|(c, p, v)| json!({"Code": c, "Period": p, "Value": v})).collect::<Vec<_>>()});
    write_json(&a.join("2025-00000011.json"), &doc("2025-00000011", &[("70", "N", "1000")]));
    let mut coded = doc("2025-00000012", &[("70", "N", "2000")]);
    coded["Address"] = json!({"Street": "Meir", "Number": "1", "City": "pcd:m2000", "Country": "cty:mBE"});
    coded["LegalForm"] = json!({"LegalFormCode": "lgf:m610", "LegalForm": "Besloten vennootschap"});
    write_json(&a.join("2025-00000012.json"), &coded);
    write_json(&a.join("2025-00000013.json"), &doc("2025-00000013", &[("70", "N", "100")]));
    write_json(&a.join("improved/2025-00000013-aa-corrected.json"), &doc("2025-00000013", &[("70", "N", "120")]));
    write_json(&a.join("2025-00000014.json"), &doc("2025-00000014", &[("70", "N", "500"), ("1003", "N", "5")]));
    write_json(&a.join("improved/2025-00000014-sb-corrected.json"), &doc("2025-00000014", &[("1003", "N", "6"), ("70", "N", "999")]));
    write_json(&a.join("2025-00000015.json"), &json!({"ReferenceNumber": "2025-00000015", "DataVersion": "pdf_extracted", "Rubrics": [{"Code": "70", "Period": "N", "Value": "7"}]}));
    write_json(&a.join("2025-00000016.json"), &json!({"ReferenceNumber": "2025-00000016", "DataVersion": "mystery", "Rubrics": [{"Code": "70", "Period": "N", "Value": "8"}]}));

    let rt = tokio::runtime::Runtime::new().unwrap();
    let pipeline = cpi::Pipeline::new(cpi::config::Settings::defaults().unwrap()).unwrap();
    let staged = rt.block_on(pipeline.stage(&dir.path().to_string_lossy())).unwrap();
    let ctx = rt.block_on(pipeline.computed_session(&staged, 2024)).unwrap();

    let filings = query(
        &ctx,
        "SELECT enterprise_number, reference_number, data_version, filing_postcode, filing_country, legal_form, activity_code
         FROM account_filings ORDER BY reference_number, data_version",
    );
    assert_eq!(
        filings,
        strings(&[
            &["0200.002.122", "2025-00000011", "AUTHENTIC", "9000", "BE", "610", "62010"],
            &["0200.002.221", "2025-00000012", "AUTHENTIC", "2000", "BE", "610", ""],
            &["0200.002.320", "2025-00000013", "AUTHENTIC", "", "", "", ""],
            &["0200.002.320", "2025-00000013", "CORRECTED", "", "", "", ""],
            &["0200.002.419", "2025-00000014", "AUTHENTIC", "", "", "", ""],
            &["0200.002.419", "2025-00000014", "CORRECTED_SB", "", "", "", ""],
            &["0200.000.340", "2025-00000015", "PDF_ENCODED", "", "", "", ""],
        ])
    );
    // E and F, absent from the register, are placed in Flanders by their filings.
    let placed = query(&ctx, "SELECT enterprise_number, region, seat_source FROM company WHERE enterprise_number IN ('0200.002.122', '0200.002.221') ORDER BY 1");
    assert_eq!(placed, strings(&[&["0200.002.122", "Flanders", "filing"], &["0200.002.221", "Flanders", "filing"]]));
    let figures = query(&ctx, "SELECT enterprise_number, reference_number, CAST(turnover_eur AS DOUBLE), CAST(fte AS DOUBLE) FROM annual_figures WHERE year = 2024 ORDER BY 1");
    assert_eq!(
        figures,
        strings(&[
            &["0200.000.340", "2025-00000015", "7.0", "0.0"],
            &["0200.002.122", "2025-00000011", "1000.0", "0.0"],
            &["0200.002.221", "2025-00000012", "2000.0", "0.0"],
            &["0200.002.320", "2025-00000013", "120.0", "0.0"],
            &["0200.002.419", "2025-00000014", "500.0", "6.0"],
        ])
    );
    let statuses = query(&ctx, "SELECT reference_number, data_version, status FROM filing_not_used ORDER BY 1, 2");
    assert_eq!(
        statuses,
        strings(&[
            &["2025-00000013", "AUTHENTIC", "superseded_by_improved_version"],
        ])
    );
    let rejects = query(&ctx, "SELECT file, field, raw_value, reason FROM output_rejects WHERE file LIKE 'accounts/%' ORDER BY file");
    assert_eq!(rejects, strings(&[&["accounts/2025-00000016.json", "DataVersion", "MYSTERY", "unknown_data_version"]]));
    let mut counts = query(&ctx, "SELECT name, value FROM method_counts ORDER BY 1");
    counts.retain(|r| r[0].starts_with("cbso_documents_") && !r[0].contains("unrecognised"));
    // E by its reference record; F by its document; the others (5 documents used) by neither.
    // All 7 documents tied to a reference record are m81-f.
    assert_eq!(
        counts,
        strings(&[
            &["cbso_documents_model_m81", "7"],
            &["cbso_documents_seat_from_document", "1"],
            &["cbso_documents_seat_from_reference_record", "1"],
            &["cbso_documents_without_seat", "5"]
        ])
    );
}

/// Loud about what the reader does not know (issue #32, section 6), worked out by hand:
/// - K (2025-00000021, 0200.002.122): a reference record with a key the reader does not know
///   (`Bijlagen`) and a document with one (`Toelichting`): both read, each counted once and
///   named by `cpi validate` with where it was first seen;
/// - L (2025-00000022): a reference record without `ModelType`: rejected (model_type_empty),
///   never given a model; its document's row is then reference_rejected;
/// - M (2025-00000023): model `m99-f`, not one of accounts.statutory_models (as consolidated
///   accounts would be): its document's row is rejected as model_not_statutory, not summed;
/// - N (2025-00000024): model `M01-P` (a statutory model keyed from PDF, any case): read.
///
/// Documents per model as delivered: m01 1, m02 1, m99 1 (L's has none: its record was rejected).
#[test]
fn unknown_keys_and_models_are_counted_and_never_defaulted() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("handworked"), dir.path());
    std::fs::remove_file(dir.path().join("accounts/accounts.csv")).unwrap();
    let a = dir.path().join("accounts");
    let with_model = |number: &str, enterprise: &str, model: Option<&str>| {
        let mut r = reference_with_seat(number, enterprise, "Authentic", None, Some("9000"));
        match model {
            Some(m) => r["ModelType"] = json!(m),
            None => {
                r.as_object_mut().unwrap().remove("ModelType");
            }
        }
        r
    };
    let mut k = with_model("2025-00000021", "0200002122", Some("m02-f"));
    k["Bijlagen"] = json!(["a.pdf"]);
    let refs = json!([
        k,
        with_model("2025-00000022", "0200002221", None),
        with_model("2025-00000023", "0200002320", Some("m99-f")),
        with_model("2025-00000024", "0200002419", Some("M01-P")),
    ]);
    write_json(&a.join("references.json"), &refs);
    let doc = |number: &str, value: &str| json!({"ReferenceNumber": number, "Rubrics": [{"Code": "70", "Period": "N", "Value": value}]});
    let mut kd = doc("2025-00000021", "1000");
    kd["Toelichting"] = json!({"Tekst": "..."});
    // coded values not of their enumeration's shape: a three-letter country, and (no country:
    // Belgian) a five-digit postcode; counted and listed, not corrected
    kd["Address"] = json!({"City": "pcd:m2000", "Country": "cty:mBEL"});
    write_json(&a.join("2025-00000021.json"), &kd);
    for (number, value) in [("2025-00000022", "2000"), ("2025-00000023", "3000"), ("2025-00000024", "4000")] {
        let mut d = doc(number, value);
        if number == "2025-00000024" {
            d["Address"] = json!({"City": "pcd:m20000"});
        }
        write_json(&a.join(format!("{number}.json")), &d);
    }

    let rt = tokio::runtime::Runtime::new().unwrap();
    let pipeline = cpi::Pipeline::new(cpi::config::Settings::defaults().unwrap()).unwrap();
    let staged = rt.block_on(pipeline.stage(&dir.path().to_string_lossy())).unwrap();
    let ctx = rt.block_on(pipeline.computed_session(&staged, 2024)).unwrap();
    let filings = query(&ctx, "SELECT reference_number, model_type FROM account_filings ORDER BY 1");
    assert_eq!(filings, strings(&[&["2025-00000021", "m02-f"], &["2025-00000024", "M01-P"]]));
    let rejects = query(&ctx, "SELECT file, field, raw_value, reason FROM output_rejects WHERE file LIKE 'accounts/%' ORDER BY file, line");
    assert_eq!(
        rejects,
        strings(&[
            &["accounts/2025-00000022.json", "ReferenceNumber", "2025-00000022", "reference_rejected"],
            &["accounts/2025-00000023.json", "ModelType", "m99-f", "model_not_statutory"],
            &["accounts/references.json", "[1].ModelType", "", "model_type_empty"],
        ])
    );
    let mut counts = query(&ctx, "SELECT name, value FROM method_counts ORDER BY 1");
    counts.retain(|r| r[0].contains("unrecognised") || r[0].contains("_model_"));
    assert_eq!(
        counts,
        strings(&[
            &["cbso_documents_model_m01", "1"],
            &["cbso_documents_model_m02", "1"],
            &["cbso_documents_model_m99", "1"],
            &["cbso_documents_with_unrecognised_codes", "2"],
            &["cbso_documents_with_unrecognised_keys", "1"],
            &["cbso_reference_records_with_unrecognised_codes", "0"],
            &["cbso_reference_records_with_unrecognised_keys", "1"],
        ])
    );
    let report = rt.block_on(cpi::validate(&dir.path().to_string_lossy(), None)).unwrap().to_string();
    assert!(report.contains("accounting data key \"Toelichting\": 1 time(s), first in accounts/2025-00000021.json"), "{report}");
    assert!(report.contains("accounting data coded value \"Country=BEL\": 1 time(s), first in accounts/2025-00000021.json"), "{report}");
    assert!(report.contains("accounting data coded value \"PostalCode=20000\": 1 time(s), first in accounts/2025-00000024.json"), "{report}");
    assert!(report.contains("reference record key \"Bijlagen\": 1 time(s), first in accounts/references.json:[0]."), "{report}");
    assert!(report.contains("model_not_statutory: 1 row(s)"), "{report}");
}

/// The children of the plan node on line `at` of an indented physical plan, each as its lines.
fn children<'a>(lines: &[&'a str], at: usize) -> Vec<Vec<&'a str>> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let own = indent(lines[at]);
    let mut out: Vec<Vec<&str>> = vec![];
    for line in lines[at + 1..].iter().take_while(|l| indent(l) > own) {
        if indent(line) == own + 2 {
            out.push(vec![]);
        }
        out.last_mut().unwrap().push(line);
    }
    out
}

/// Step 20 joins the corrections of a social balance alone to the account rows with the
/// corrections as the hash table (a hash join's first input), not the account rows. A generated
/// CBSO delivery has such corrections: at F = 0.002 about 50, so about 100 roles, more than the
/// 23 rows DataFusion 55 estimates for the account rows once they have passed the rubric map.
/// Joined after the map (as before 67ba1cc), the account rows were the hash table: 2.1 GB at
/// F = 1.0 (BENCHMARKS.md). `cpi explain` prints the physical plan that shows it.
#[test]
fn the_corrections_are_the_hash_table_of_their_join_to_the_account_rows() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_cpi"))
        .args(["-q", "generate", "--scale", "0.002", "--seed", "42", "--accounts-format", "cbso", "--output"])
        .arg(&input)
        .status()
        .unwrap();
    assert!(status.success());
    let text = tokio::runtime::Runtime::new().unwrap().block_on(cpi::explain(input.to_str().unwrap(), 2024, None)).unwrap();
    let view = text.split("-- ===== ").find(|s| s.contains("CREATE VIEW filing_measure_value AS")).expect("the view's statement");
    let physical = view.split("-- physical plan:\n").nth(1).expect("its physical plan");
    let lines: Vec<&str> = physical.lines().collect();
    let roles = |ls: &[&str]| ls.iter().any(|l| l.contains("as from_correction"));
    let joins: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].trim_start().starts_with("HashJoinExec:") && lines[i].contains("on=[(deposit@0, deposit@0)]"))
        .filter(|&i| children(&lines, i).iter().any(|c| roles(c)))
        .collect();
    assert_eq!(joins.len(), 1, "one join of the corrections' roles to the account rows:\n{physical}");
    let inputs = children(&lines, joins[0]);
    assert_eq!(inputs.len(), 2);
    assert!(roles(&inputs[0]) && !roles(&inputs[1]), "the roles are the hash table:\n{}", lines[joins[0]]);
    // and the account rows the other input, the probe side
    assert!(inputs[1].iter().any(|l| l.contains("values/")), "{}", inputs[1].join("\n"));
    // the delivery has more than 12 corrections applied, so more than 23 roles (two each):
    // enough for the order before 67ba1cc to have built the join from the account rows
    let (_dir, _out, manifest) = common::run(&input, 2024);
    let applied = manifest.method_counts["filings_social_balance_correction_applied"];
    assert!(applied > 12, "{applied} corrections applied");
}
