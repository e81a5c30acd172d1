//! `cpi ingest`: a converted copy of an input folder gives the same outputs as the original.

mod common;

use std::path::Path;

use common::{files_in, fixture};

fn ingest(input: &Path, output: &Path) -> cpi::ingest::IngestRecord {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(cpi::ingest::ingest(&input.to_string_lossy(), &output.to_string_lossy(), false)).unwrap()
}

/// The Parquet outputs of a run, by file name.
fn parquet_outputs(out: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    files_in(out).into_iter().filter(|(name, _)| name.ends_with(".parquet")).collect()
}

#[test]
fn a_run_on_the_converted_copy_writes_the_same_outputs() {
    // Loose CSVs (the hand-worked fixture) and the published zip (data-samples).
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples");
    for (input, year) in [(fixture("handworked"), 2024), (samples, 2024)] {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("copy");
        let record = ingest(&input, &copy);
        assert_eq!(record.files.len(), 5);
        for f in &record.files {
            assert!(copy.join(&f.file).exists(), "{}", f.file);
        }
        // The KBO folder now holds Parquet, meta.csv and the lineage record; the rest is as it was.
        let mut kbo: Vec<String> = files_in(&copy.join("kbo")).into_keys().collect();
        kbo.sort();
        assert_eq!(kbo, ["activity.parquet", "address.parquet", "code.parquet", "enterprise.parquet", "establishment.parquet", "ingest.json", "meta.csv"]);
        assert_eq!(files_in(&copy.join("clusters")), files_in(&input.join("clusters")));

        let (_d1, original, m1) = common::run(&input, year);
        let (_d2, converted, m2) = common::run(&copy, year);
        assert_eq!(parquet_outputs(&converted), parquet_outputs(&original), "{}", input.display());
        // Same row counts per KBO table, read from the Parquet footer instead of the CSV.
        let kbo_rows = |m: &cpi::Manifest| m.input_rows.iter().filter(|f| f.file.starts_with("kbo/")).map(|f| f.rows_read).collect::<Vec<_>>();
        assert_eq!(kbo_rows(&m2), kbo_rows(&m1));
        assert_eq!(m2.kbo.snapshot_date, m1.kbo.snapshot_date);
        assert!(m2.inputs.iter().any(|i| i.file == "kbo/ingest.json"));
    }
}

#[test]
fn the_lineage_record_names_the_published_files_and_their_rows() {
    let dir = tempfile::tempdir().unwrap();
    let record = ingest(&fixture("handworked"), &dir.path().join("copy"));
    let enterprise = record.files.iter().find(|f| f.file == "kbo/enterprise.parquet").unwrap();
    assert_eq!(enterprise.source_file, "kbo/enterprise.csv");
    // 12 lines in the fixture: the header and 11 enterprises.
    assert_eq!(enterprise.rows, 11);
    let activity = record.files.iter().find(|f| f.file == "kbo/activity.parquet").unwrap();
    assert_eq!(activity.rows, 18);
    let published = std::fs::read(fixture("handworked").join("kbo/enterprise.csv")).unwrap();
    assert_eq!(enterprise.source_bytes, published.len() as u64);
    assert_eq!(enterprise.source_sha256, cpi::outputs::sha256_hex(&published));
    assert_eq!((record.snapshot_date.as_str(), record.extract_number.as_str()), ("05-01-2025", "140"));

    // Same extract, same bytes; an existing copy is refused without --overwrite.
    let again = dir.path().join("again");
    ingest(&fixture("handworked"), &again);
    assert_eq!(files_in(&again.join("kbo")), files_in(&dir.path().join("copy/kbo")));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let refused = rt.block_on(cpi::ingest::ingest(&fixture("handworked").to_string_lossy(), &again.to_string_lossy(), false));
    assert!(matches!(refused, Err(cpi::error::CpiError::OutputExists(_))));
}
