//! `cpi ingest`: a staged copy of an input folder gives the same outputs as the published inputs,
//! records what it was made from and the checks its rows passed, and is refused by a run whose
//! settings would check differently.

use crate::common;

use std::path::{Path, PathBuf};

use common::{files_in, fixture};

fn ingest_with(input: &Path, output: &Path, config: Option<&Path>) -> cpi::error::Result<cpi::staged_copy::StagedRecord> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(cpi::ingest::ingest(&input.to_string_lossy(), &output.to_string_lossy(), config, false, false))
}

/// The Parquet outputs of a run, by file name.
fn parquet_outputs(out: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    files_in(out).into_iter().filter(|(name, _)| name.ends_with(".parquet")).collect()
}

fn run_with(input: &Path, config: Option<PathBuf>) -> cpi::error::Result<(tempfile::TempDir, PathBuf, cpi::Manifest)> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let opts = cpi::RunOptions { config, ..cpi::RunOptions::new(input.to_string_lossy(), out.to_string_lossy(), vec![2024]) };
    let manifest = tokio::runtime::Runtime::new().unwrap().block_on(cpi::run(&opts))?.manifest;
    Ok((dir, out, manifest))
}

#[test]
fn a_run_on_the_staged_copy_writes_the_same_outputs() {
    // Loose CSVs (the hand-worked fixture) and the published zip (data-samples).
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples");
    for input in [fixture("handworked"), samples] {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("copy");
        let record = ingest_with(&input, &copy, None).unwrap();
        let mut staged: Vec<&str> = record.tables.iter().map(|t| t.table.as_str()).collect();
        staged.sort();
        let expected = cpi::catalogue::staged_names(cpi::catalogue::Origin::Inputs).unwrap();
        assert_eq!(staged, expected);

        let (_d1, original, m1) = common::run(&input, 2024);
        let (_d2, from_copy, m2) = common::run(&copy, 2024);
        assert_eq!(parquet_outputs(&from_copy), parquet_outputs(&original), "{}", input.display());
        // The same row counts, rejects and published input files, without reading them again;
        // the common steps' results came from the copy.
        assert_eq!(m2.input_rows, m1.input_rows);
        assert_eq!(m2.method_counts, m1.method_counts);
        let hashes = |m: &cpi::Manifest| m.inputs.iter().map(|i| (i.file.clone(), i.sha256.clone())).collect::<Vec<_>>();
        assert_eq!(hashes(&m2), hashes(&m1));
        let used = m2.staged_copy.as_ref().expect("the manifest says a staged copy was read");
        assert!(used.common_results_from_copy);
        assert!(m2.timings.iter().all(|t| t.reference_year == Some(2024)), "only the per-year steps ran");
        assert_eq!(m2.kbo.snapshot_date, m1.kbo.snapshot_date);
    }
}

#[test]
fn the_record_names_the_published_files_the_tables_and_the_checks() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy");
    let record = ingest_with(&fixture("handworked"), &copy, None).unwrap();
    let rows = |t: &str| record.tables.iter().find(|f| f.table == t).unwrap().rows;
    // 12 lines in enterprise.csv (the header and 11 enterprises), 19 in activity.csv.
    assert_eq!((rows("kbo_enterprise"), rows("kbo_activity")), (11, 18));
    // Members: 13 rows of which 2 rejected; the clusters file: 3.
    assert_eq!((rows("members"), rows("clusters")), (11, 3));
    let published = std::fs::read(fixture("handworked").join("kbo/enterprise.csv")).unwrap();
    let enterprise = record.inputs.iter().find(|i| i.file == "kbo/enterprise.csv").unwrap();
    assert_eq!((enterprise.bytes, enterprise.sha256.clone()), (published.len() as u64, cpi::lineage::sha256_hex(&published)));
    // Every published file's SHA-256, whichever pass computed it (the account reader, the KBO
    // record count, or a read of its own), is the SHA-256 of its bytes.
    assert!(record.inputs.iter().any(|i| i.file.starts_with("accounts/") && i.file.ends_with(".csv")));
    for input in &record.inputs {
        let bytes = std::fs::read(fixture("handworked").join(&input.file)).unwrap();
        assert_eq!(input.sha256, cpi::lineage::sha256_hex(&bytes), "{}", input.file);
    }
    assert_eq!((record.kbo.snapshot_date.as_str(), record.kbo.extract_number.as_str()), ("05-01-2025", "140"));
    assert_eq!(record.checks.max_exercise_months, 24);
    assert_eq!(record.checks.periods_kept, ["N", "NM1"]);
    assert!(record.checks.rubrics_kept.contains(&"9087".to_string()) && record.checks.fte_rubrics == ["1003", "9087"]);
    for t in record.tables.iter().chain(&record.common.tables) {
        assert!(copy.join(&t.path).exists(), "{}", t.path);
    }
    // The common steps' results: the relations the per-year steps read and what they publish.
    let mut common: Vec<&str> = record.common.tables.iter().map(|t| t.table.as_str()).collect();
    common.sort();
    assert_eq!(
        common,
        [
            "annual_figures",
            "data_vintage",
            "exercise_figures",
            "filer",
            "filing_place",
            "input_rows",
            "input_warnings",
            "method_counts",
            "nace_concordance",
            "output_nace_concordance",
            "output_reject_counts",
            "output_rejects",
            "register_counted"
        ]
    );

    // The same inputs give the same bytes; an existing copy is refused without --overwrite.
    let again = dir.path().join("again");
    ingest_with(&fixture("handworked"), &again, None).unwrap();
    for folder in ["tables", "tables/accounts", "tables/account_filings", "settings"] {
        assert_eq!(files_in(&again.join(folder)), files_in(&copy.join(folder)), "{folder}");
    }
    assert!(matches!(ingest_with(&fixture("handworked"), &again, None), Err(cpi::error::CpiError::OutputExists(_))));
    // A staged copy is not staged again.
    let err = ingest_with(&copy, &dir.path().join("twice"), None).unwrap_err().to_string();
    assert!(err.contains("is a staged copy already"), "{err}");

    // The format is the layout and a hash of the staged tables' declared columns: a copy recorded
    // under the last hand-numbered format (before schemas/staged/) is refused, naming both.
    let format = cpi::staged_copy::format().unwrap();
    assert!(format.starts_with("cpi-staged-8-") && format.len() == "cpi-staged-8-".len() + 16, "{format}");
    let record_file = again.join("staged.json");
    let record = std::fs::read_to_string(&record_file).unwrap();
    assert!(record.contains(&format!("\"format\": \"{format}\"")));
    std::fs::write(&record_file, record.replace(&format, "cpi-staged-7")).unwrap();
    let err = run_with(&again, None).unwrap_err().to_string();
    assert!(err.contains("format \"cpi-staged-7\"") && err.contains(&format) && err.contains("run cpi ingest again"), "{err}");
    // An older cpi's record also lacks fields of this one's (its checks had no pfs concept
    // table): the format is still what the message names, not the missing field.
    let older = record.replace(&format, "cpi-staged-7").replace("\"checks\":", "\"checks_of_an_older_cpi\":");
    assert_ne!(older, record.replace(&format, "cpi-staged-7"), "the record has a checks field");
    std::fs::write(&record_file, older).unwrap();
    let err = run_with(&again, None).unwrap_err().to_string();
    assert!(err.contains("format \"cpi-staged-7\"") && err.contains("run cpi ingest again") && !err.contains("missing field"), "{err}");
    // The same record with this cpi's format is not a record it can read: the field is named.
    std::fs::write(&record_file, record.replace("\"checks\":", "\"checks_of_an_older_cpi\":")).unwrap();
    let err = run_with(&again, None).unwrap_err().to_string();
    assert!(err.contains("not a staged copy's record: missing field `checks`"), "{err}");
}

#[test]
fn settings_decide_whether_the_copy_can_be_used_and_whether_its_common_results_hold() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy");
    ingest_with(&fixture("handworked"), &copy, None).unwrap();
    let config = |from: &str, to: &str| {
        let path = dir.path().join(format!("{}.toml", to.replace([' ', '"', '='], "_")));
        let text = cpi::config::DEFAULT_TOML.replace(from, to);
        assert_ne!(text, cpi::config::DEFAULT_TOML);
        std::fs::write(&path, text).unwrap();
        path
    };
    // Rows checked with a 24-month limit cannot serve a run that rejects exercises over 18 months.
    let stricter = config("max_exercise_months = 24", "max_exercise_months = 18");
    let err = run_with(&copy, Some(stricter)).unwrap_err();
    assert!(err.to_string().contains("the staged copy was checked with other account settings"), "{err}");
    assert_eq!(err.exit_code(), std::process::ExitCode::from(2));

    // A per-year setting leaves the common steps' results valid: they come from the copy.
    let per_year = config("min_firms = 3", "min_firms = 4");
    let (_a, out_copy, m) = run_with(&copy, Some(per_year.clone())).unwrap();
    assert!(m.staged_copy.unwrap().common_results_from_copy);
    let (_b, out_raw, _) = run_with(&fixture("handworked"), Some(per_year)).unwrap();
    assert_eq!(parquet_outputs(&out_copy), parquet_outputs(&out_raw));

    // Section labels in French change the register step: computed again from the staged tables,
    // with the outputs of a run on the published inputs.
    let french = config("label_language = \"NL\"", "label_language = \"FR\"");
    let (_c, out_copy, m) = run_with(&copy, Some(french.clone())).unwrap();
    assert!(!m.staged_copy.unwrap().common_results_from_copy);
    assert!(m.timings.iter().any(|t| t.step == "10_register.sql"));
    let (_d, out_raw, _) = run_with(&fixture("handworked"), Some(french)).unwrap();
    assert_eq!(parquet_outputs(&out_copy), parquet_outputs(&out_raw));
}
