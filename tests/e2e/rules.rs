//! Each rule of the method on its own, on small planted inputs and on the real KBO files in
//! tests/fixtures/kbo-reference (an update extract, assembled here into the layout of a full extract).
//! (Over 400 lines: one test per rule, each with its planted input and hand-worked values.)

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{assert_close, fixture, query, run, strings, Table};
use cpi::config::Settings;
use datafusion::prelude::SessionContext;

/// Stages an input folder, runs every SQL step for `year`, and returns the year's session so a
/// test can query the intermediate tables.
fn computed(input: &Path, year: i32) -> (SessionContext, cpi::stage::Staged) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pipeline = cpi::Pipeline::new(Settings::defaults().unwrap()).unwrap();
        let staged = pipeline.stage(&input.to_string_lossy()).await.unwrap();
        let ctx = pipeline.computed_session(&staged, year).await.unwrap();
        (ctx, staged) // the staged tables' temporary files live as long as `staged`
    })
}



#[test]
fn main_nace_rule_region_and_section() {
    let (ctx, _staged) = computed(&fixture("handworked"), 2024);
    let rows = query(
        &ctx,
        "SELECT enterprise_number, nace_version, nace_code, nace_division, nace_section, nace_source, region, province
         FROM register_company ORDER BY enterprise_number",
    );
    let expected = strings(&[
        // A: own MAIN 2025/001 20141 beats 2008/001 and 2025/006, and its establishment's 01110.
        &["0200.000.142", "2025", "20141", "20", "C", "enterprise", "Flanders", "Antwerp"],
        // B: only 2008 codes (2003 is ignored): group 006 (62010) before 003 (70220); 62 is J in 2008.
        &["0200.000.241", "2008", "62010", "62", "J", "enterprise", "Flanders", "East Flanders"],
        // C: no activity of its own: its establishment's 72110; division 72 is section N in NACE 2025.
        &["0200.000.340", "2025", "72110", "72", "N", "establishment", "Brussels", "Brussels"],
        // D: group 001 (28990) before group 003 (28110).
        &["0200.000.439", "2025", "28990", "28", "C", "enterprise", "Flanders", "Flemish Brabant"],
        // E: same group and version: the lowest code.
        &["0200.000.538", "2025", "10110", "10", "C", "enterprise", "Flanders", "West Flanders"],
        &["0200.000.835", "", "", "", "", "", "Flanders", "Antwerp"],
        &["0200.000.934", "", "", "", "", "", "Flanders", "Antwerp"],
        &["0200.001.033", "2025", "62100", "62", "K", "enterprise", "Flanders", "Antwerp"],
        &["0200.001.132", "2025", "25110", "25", "C", "enterprise", "Flanders", "Antwerp"],
        &["0200.001.231", "2025", "24100", "24", "C", "enterprise", "Wallonia", "Liège"],
        // N3: a 7-digit 2008 code: division 47, section G.
        &["0200.001.330", "2008", "4711001", "47", "G", "enterprise", "Flanders", "East Flanders"],
    ]);
    assert_eq!(rows, expected);
    // NACE 2025 terms: B has only 2008 codes; its 62010 converts through the concordance the
    // register gives (J carries 62010 in 2008 and 62100 in 2025 in group 001): 62100, section K.
    // A's 2008 code 20140 pairs with 20141 in the same group.
    let converted = query(
        &ctx,
        "SELECT enterprise_number, nace_2025_code, nace_2025_division, nace_2025_section, nace_2025_converted
         FROM register_company WHERE enterprise_number IN ('0200.000.142', '0200.000.241', '0200.001.330') ORDER BY 1",
    );
    assert_eq!(
        converted,
        strings(&[
            &["0200.000.142", "20141", "20", "C", "false"],
            &["0200.000.241", "62100", "62", "K", "true"],
            // N3's 4711001 has no 2025 partner in this register: unknown.
            &["0200.001.330", "", "", "", "false"],
        ])
    );
    let concordance = query(&ctx, "SELECT nace_2008, nace_2025, support, entities_with_both FROM nace_concordance ORDER BY 1");
    assert_eq!(concordance, strings(&[&["20140", "20141", "1", "1"], &["62010", "62100", "1", "1"]]));
    // Section labels come from the register's code.csv (NL).
    let label = query(&ctx, "SELECT nace_section_label FROM register_company WHERE enterprise_number = '0200.000.241'");
    assert_eq!(label[0][0], "SECTIE J -- INFORMATIE EN COMMUNICATIE");
}

#[test]
fn annual_figures_refiling_scaling_rubric_priority_and_missing_values() {
    let (ctx, _staged) = computed(&fixture("handworked"), 2024);
    let rows = query(
        &ctx,
        "SELECT enterprise_number, year, reference_number, exercise_months, scaled_to_12_months,
                CAST(turnover_eur AS DOUBLE), CAST(fte AS DOUBLE),
                CAST(tangible_investment_eur AS DOUBLE), CAST(intangible_investment_eur AS DOUBLE)
         FROM annual_figures
         WHERE (enterprise_number, year) IN (('0200.000.142', 2024), ('0200.000.142', 2021), ('0200.000.241', 2021),
                ('0200.000.241', 2024), ('0200.000.439', 2024), ('0200.000.439', 2021), ('0200.000.538', 2021),
                ('0200.001.132', 2024), ('0200.001.330', 2024))
         ORDER BY enterprise_number, year",
    );
    let expected = strings(&[
        // A 2021: FTE from 1003 (10), not 9087 (11).
        &["0200.000.142", "2021", "2022-00000001", "12", "false", "1000000.0", "10.0", "100000.0", "20000.0"],
        // A 2024: the later deposit (2025-06-01) wins: 1 300 000, not 1 250 000; NM1 values unused.
        &["0200.000.142", "2024", "2025-00000009", "12", "false", "1300000.0", "12.0", "100000.0", "20000.0"],
        // B 2021: FTE only in 9087; tangible = 8161 + 8162; no intangible rubric = 0.
        &["0200.000.241", "2021", "2022-00000002", "12", "false", "500000.0", "5.0", "50000.0", "0.0"],
        // B 2024: no investment rubric at all = 0.
        &["0200.000.241", "2024", "2025-00000002", "12", "false", "450000.0", "6.0", "0.0", "0.0"],
        // D 2021: intangible = 8021 + 8022.
        &["0200.000.439", "2021", "2022-00000004", "12", "false", "300000.0", "8.0", "0.0", "10000.0"],
        // D 2024: no turnover rubric: unknown (NULL), not zero.
        &["0200.000.439", "2024", "2025-00000004", "12", "false", "", "10.0", "10000.0", "0.0"],
        // E 2021: 18 months: flows x 12/18, FTE (a stock) unchanged.
        &["0200.000.538", "2021", "2022-00000005", "18", "true", "600000.0", "4.0", "60000.0", "0.0"],
        // N1 2024: two 6-month exercises end in 2024: together 12 months, flows added as filed
        // (999 999 + 1 050 000; 8169 7 + 500 000); FTE from the one that ends last (21); the row
        // carries that exercise's reference number.
        &["0200.001.132", "2024", "2025-00000011", "12", "false", "2049999.0", "21.0", "500007.0", "0.0"],
        // N3: no social balance and no personnel costs (rubric 62): no employees, FTE 0.
        &["0200.001.330", "2024", "2025-00000013", "12", "false", "999.0", "0.0", "10000.0", "0.0"],
    ]);
    assert_eq!(rows, expected);
    let status = query(&ctx, "SELECT reference_number, status FROM filing_not_used ORDER BY 1");
    assert_eq!(
        status,
        strings(&[&["2025-00000001", "superseded_by_later_deposit"]])
    );
}

#[test]
fn cohort_on_first_of_january() {
    let (ctx, _staged) = computed(&fixture("handworked"), 2024);
    let rows = query(&ctx, "SELECT cluster_id, enterprise_number, in_register FROM cohort_company ORDER BY 1, 2");
    // H left on 2023-06-30 and I joined on 2024-03-01: neither is a member on 2024-01-01.
    // G is listed (as 200000736, leading zero lost) but not in the register.
    let expected = strings(&[
        &["ALL", "0200.000.142", "true"],
        &["ALL", "0200.000.241", "true"],
        &["ALL", "0200.000.340", "true"],
        &["ALL", "0200.000.439", "true"],
        &["ALL", "0200.000.538", "true"],
        &["ALL", "0200.000.736", "false"],
        &["ALL", "0200.001.033", "true"],
        &["C1", "0200.000.142", "true"],
        &["C1", "0200.000.241", "true"],
        &["C1", "0200.000.340", "true"],
        &["C1", "0200.000.736", "false"],
        &["C2", "0200.000.142", "true"],
        &["C2", "0200.000.439", "true"],
        &["C2", "0200.000.538", "true"],
        &["C2", "0200.001.033", "true"],
        &["C3", "0200.000.142", "true"],
    ]);
    assert_eq!(rows, expected);
    // In 2023 H (member until 2023-06-30) is in, I (from 2024-03-01) is not.
    let (ctx, _staged) = computed(&fixture("handworked"), 2023);
    let c2 = query(&ctx, "SELECT enterprise_number FROM cohort_company WHERE cluster_id = 'C2' ORDER BY 1");
    assert!(c2.contains(&vec!["0200.000.835".to_string()]));
    assert!(!c2.contains(&vec!["0200.000.934".to_string()]));
}

/// The real extract's files, renamed to a full extract's names. Its meta.csv says "update";
/// the copy says "full" so the readers can be run on real rows (the only change made).
fn real_extract_as_full() -> tempfile::TempDir {
    let src = fixture("kbo-reference");
    let dir = tempfile::tempdir().unwrap();
    let kbo = dir.path().join("kbo");
    std::fs::create_dir_all(&kbo).unwrap();
    for t in ["enterprise", "establishment", "activity", "address"] {
        std::fs::copy(src.join(format!("{t}_insert.csv")), kbo.join(format!("{t}.csv"))).unwrap();
    }
    std::fs::copy(Path::new(env!("CARGO_MANIFEST_DIR")).join("pipeline/assets/kbo_code.csv"), kbo.join("code.csv")).unwrap();
    let meta = std::fs::read_to_string(src.join("meta.csv")).unwrap().replace("\"update\"", "\"full\"");
    std::fs::write(kbo.join("meta.csv"), meta).unwrap();
    let handworked = fixture("handworked");
    for sub in ["accounts", "clusters"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        for f in std::fs::read_dir(handworked.join(sub)).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, dir.path().join(sub).join(f.file_name().unwrap())).unwrap();
        }
    }
    dir
}

#[test]
fn real_kbo_files_are_read_as_published() {
    let dir = real_extract_as_full();
    let (ctx, _staged) = computed(dir.path(), 2024);
    // Row counts = lines minus header (wc -l: enterprise 29, establishment 23, activity 426,
    // address 69, code 21501).
    let counts = query(
        &ctx,
        "SELECT (SELECT count(*) FROM kbo_enterprise) AS e, (SELECT count(*) FROM kbo_establishment) AS s,
                (SELECT count(*) FROM kbo_activity) AS a, (SELECT count(*) FROM kbo_address) AS d,
                (SELECT count(*) FROM kbo_code) AS c",
    );
    assert_eq!(counts, strings(&[&["28", "22", "425", "68", "21500"]]));
    let rows = query(
        &ctx,
        "SELECT enterprise_number, start_date_text, region, province, nace_version, nace_code, nace_section, nace_section_label
         FROM register_company WHERE enterprise_number IN ('0717.947.577', '1029.025.290', '1029.025.884', '1029.028.161')
         ORDER BY 1",
    );
    let expected = strings(&[
        // Natural person: no published seat. MAIN 2025/001 43410 (over 2008/001 43910): section F.
        &["0717.947.577", "10-01-2019", "unknown", "", "2025", "43410", "F", "BOUWNIJVERHEID"],
        // REGO 2240 Zandhoven, 4800 Verviers, 1080 Sint-Jans-Molenbeek; no activities yet.
        &["1029.025.290", "", "Flanders", "Antwerp", "", "", "", ""],
        &["1029.025.884", "", "Wallonia", "Liège", "", "", "", ""],
        &["1029.028.161", "", "Brussels", "Brussels", "", "", "", ""],
    ]);
    let mut rows = rows;
    for r in rows.iter_mut().skip(1) {
        r[1] = String::new(); // start dates of the new companies are not part of this check
    }
    assert_eq!(rows, expected);
}

/// A register whose enterprise numbers match no filer (every number of the hand-worked
/// extract changed from 0200.xxx.xxx to 0299.xxx.xxx, in every file of the extract, so that the
/// register itself is whole and seated in Flanders): without the guard the run published,
/// every filer "absent from the register"; now it stops with exit code 5, naming the guard, the
/// counts and the files, and publishes nothing.
#[test]
fn a_register_that_matches_no_filer_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&fixture("handworked"), dir.path());
    for file in ["enterprise.csv", "establishment.csv", "activity.csv", "address.csv"] {
        common::replace_in(dir.path(), &format!("kbo/{file}"), "\"0200.", "\"0299.");
    }
    let out = dir.path().join("out");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_cpi"))
        .args(["run", "--year", "2024", "--input"])
        .arg(dir.path())
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    let message = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(5), "{message}");
    // 11 enterprises in the extract, 12 companies filing in the hand-worked accounts.
    assert!(message.contains("invariant register_matches_filers failed: the register (kbo/enterprise.csv: 11 companies) holds none of the"), "{message}");
    assert!(message.contains("accounts/accounts.csv"), "{message}");
    assert!(!out.exists(), "nothing published");
    assert!(!std::fs::read_dir(dir.path()).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().starts_with(".out.")), "no staging folder or lock left");
}

/// A 12-day first exercise (a company founded on 20 December that closes on 31 December, a
/// legal filing) stopped the whole run ("Cannot cast to Decimal128(38,4). Overflowing on inf":
/// 12 days round to 0 months). Now the run completes, the year is counted as under half a month,
/// and the outputs of the other companies are those of the fixture without it.
#[test]
fn a_twelve_day_first_exercise_is_counted_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&fixture("handworked"), dir.path());
    common::append_to(
        dir.path(),
        "accounts/accounts.csv",
        "0200.002.122,2025-00000777,2025-03-01,2024-12-20,2024-12-31,m01,70,N,1200\n0200.002.122,2025-00000777,2025-03-01,2024-12-20,2024-12-31,m01,8169,N,500\n",
    );
    let (_d, _, manifest) = run(dir.path(), 2024);
    assert_eq!(manifest.method_counts["company_years_under_half_a_month"], 1);
    let (_h, _, handworked) = run(&fixture("handworked"), 2024);
    assert_eq!(manifest.method_counts["company_years_with_figures"], handworked.method_counts["company_years_with_figures"] + 1);
    assert_eq!(manifest.method_counts["companies_filing"], handworked.method_counts["companies_filing"] + 1);
}

/// A vintage (accounts.deposit_cutoff, issue #34 section 5): with the cutoff 2025-06-30 the
/// hand-worked deposits of 2025-07-01 are ignored. The fixture has 9 deposits dated 2025-07-01,
/// one of them with a wrong enterprise number (0200.001.232: its check digits should be 17), so
/// 8 filings are counted as deposited after the cutoff; the manifest records the setting. A
/// cutoff that is not a date is refused with the key named.
#[test]
fn a_deposit_cutoff_reproduces_an_earlier_vintage() {
    let cutoff = cpi::config::DEFAULT_TOML.replace("deposit_cutoff = \"\"", "deposit_cutoff = \"2025-06-30\"");
    assert_ne!(cutoff, cpi::config::DEFAULT_TOML);
    let (_d, out, manifest) = common::run_with(&fixture("handworked"), 2024, Some(&cutoff));
    assert_eq!(manifest.method_counts["filings_deposited_after_cutoff"], 8);
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(written["config"]["accounts"]["deposit_cutoff"], "2025-06-30");
    let (_h, _, all) = run(&fixture("handworked"), 2024);
    assert!(!all.method_counts.contains_key("filings_deposited_after_cutoff"));
    assert_eq!(all.method_counts["filings_used"], manifest.method_counts["filings_used"] + 8);

    let bad = cpi::config::DEFAULT_TOML.replace("deposit_cutoff = \"\"", "deposit_cutoff = \"30/06/2025\"");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, bad).unwrap();
    let err = cpi::config::Settings::load(Some(&path)).unwrap_err().to_string();
    assert!(err.contains("accounts.deposit_cutoff must be a date yyyy-mm-dd"), "{err}");
}

#[test]
fn an_update_extract_is_refused_with_a_clear_message() {
    let dir = real_extract_as_full();
    let src = fixture("kbo-reference").join("meta.csv");
    std::fs::copy(src, dir.path().join("kbo/meta.csv")).unwrap();
    let out = dir.path().join("out");
    let err = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(cpi::run(&cpi::RunOptions {
            input: dir.path().to_string_lossy().into(),
            output: out.to_string_lossy().into(),
            years: vec![2024],
            config: None,
            overwrite: false,
            memory_limit: None,
            confidential: None,
            report_language: Default::default(),
            wait: false,
        }))
        .unwrap_err();
    assert!(err.to_string().ends_with("kbo/meta.csv: ExtractType is \"update\": cpi needs a full extract, not an update"), "{err}");
    assert!(!out.exists(), "a failed run publishes nothing");
}

#[test]
fn the_zip_as_published_gives_the_same_results_as_its_csvs() {
    // data-samples holds the zip; unzip it next to the other inputs and compare the outputs.
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&samples, dir.path());
    let zip_path = dir.path().join("kbo/KboOpenData_0140_2025_01_05_Full.zip");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    archive.extract(dir.path().join("kbo")).unwrap();
    std::fs::remove_file(&zip_path).unwrap();
    let (_a, zipped, _) = run(&samples, 2024);
    let (_b, unzipped, _) = run(dir.path(), 2024);
    for f in ["cpi6_investment.parquet", "cpi7_turnover.parquet", "cpi8_employment.parquet", "exclusions.parquet"] {
        let a = Table::read(&common::confidential(&zipped).join(f));
        let b = Table::read(&common::confidential(&unzipped).join(f));
        assert_eq!(a.batch, b.batch, "{f}");
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let p: PathBuf = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

#[test]
fn reruns_write_identical_bytes() {
    let (_a, first, m1) = run(&fixture("handworked"), 2024);
    let (_b, second, m2) = run(&fixture("handworked"), 2024);
    let hashes = |m: &cpi::Manifest| m.outputs.iter().map(|o| (o.file.clone(), o.sha256.clone())).collect::<BTreeMap<_, _>>();
    assert_eq!(hashes(&m1), hashes(&m2));
    for o in &m1.outputs {
        assert_eq!(std::fs::read(first.join(&o.file)).unwrap(), std::fs::read(second.join(&o.file)).unwrap(), "{}", o.file);
    }
}

#[test]
fn a_range_of_reference_years_gives_one_row_per_year() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let opts = cpi::RunOptions {
        input: fixture("handworked").to_string_lossy().into(),
        output: out.to_string_lossy().into(),
        years: cpi::args::years("2023..2024").unwrap(),
        config: None,
        overwrite: false,
        memory_limit: None,
        // C1 in 2023 is one company: its figures are only in the unsuppressed table
        confidential: Some(dir.path().join("internal").to_string_lossy().into()),
        report_language: Default::default(),
        wait: false,
    };
    let manifest = tokio::runtime::Runtime::new().unwrap().block_on(cpi::run(&opts)).unwrap().manifest;
    assert_eq!(manifest.reference_years, vec![2023, 2024]);
    let published = Table::read(&out.join("cpi7_turnover.parquet"));
    assert_eq!(published.text("suppressed_reason", 1).as_deref(), Some("fewer_than_3_firms"), "C1 2023");
    let t = Table::read(&dir.path().join("internal/cpi7_turnover.parquet"));
    let keys: Vec<(i64, String)> = (0..t.len()).map(|r| (t.int("reference_year", r), t.text("cluster_id", r).unwrap())).collect();
    assert_eq!(
        keys,
        vec![
            (2023, "ALL".into()),
            (2023, "C1".into()),
            (2023, "C2".into()),
            (2023, "C3".into()),
            (2024, "ALL".into()),
            (2024, "C1".into()),
            (2024, "C2".into()),
            (2024, "C3".into())
        ]
    );
    // T = 2023, B = 2020: in C1 only A filed in 2020 (900 000 -> 1 200 000 in 2023), and A is
    // also the only Flemish company with turnover in both years.
    let r = 1;
    assert_eq!(t.int("base_year", r), 2020);
    assert_eq!(t.int("sample_firms", r), 1);
    common::assert_close(t.float("cluster_growth", r), 1_200_000.0 / 900_000.0 - 1.0, 1e-9, "C1 2023");
    common::assert_close(t.float("flanders_growth", r), 1_200_000.0 / 900_000.0 - 1.0, 1e-9, "Flanders 2023");
    // The 2024 rows are those of a single-year run.
    let (_single_dir, single, _) = run(&fixture("handworked"), 2024);
    for f in ["cpi6_investment.parquet", "cpi7_turnover.parquet", "cpi8_employment.parquet"] {
        let both = Table::read(&out.join(f));
        let one = Table::read(&single.join(f));
        let n = one.len();
        assert_eq!(both.batch.slice(both.len() - n, n), one.batch, "{f}");
    }
    // The concordance does not depend on the year: written once.
    assert_eq!(Table::read(&out.join("nace_concordance.parquet")).len(), 2);
    let file = std::fs::File::open(out.join("cpi7_turnover.parquet")).unwrap();
    let reader = datafusion::parquet::file::reader::SerializedFileReader::new(file).unwrap();
    use datafusion::parquet::file::reader::FileReader;
    let kv = reader.metadata().file_metadata().key_value_metadata().unwrap().clone();
    let year = kv.iter().find(|k| k.key == "cpi.reference_year").unwrap();
    assert_eq!(year.value.as_deref(), Some("2023..2024"));
}

/// `--memory-limit` makes the run spill, with the same outputs. The input is generated large
/// enough that the limit is really reached (the precondition, asserted: DataFusion's operators
/// made spill files, counted in manifest.json); the limit is below the command line's 512M
/// minimum, which the library does not apply, so that a small input spills.
#[test]
fn a_run_under_a_small_memory_limit_spills_and_gives_the_same_bytes() {
    assert_eq!(cpi::args::memory("4G").unwrap(), 4 << 30);
    assert_eq!(cpi::args::memory("512MiB").unwrap(), 512 << 20);
    assert!(cpi::args::memory("100M").unwrap_err().to_string().contains("below the 512M minimum"));
    assert!(cpi::args::memory("lots").is_err());
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    common::generate(&input, "0.02", 3);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let run = |name: &str, memory_limit: Option<usize>| {
        let opts = cpi::RunOptions { memory_limit, ..cpi::RunOptions::new(input.to_string_lossy(), dir.path().join(name).to_string_lossy(), vec![2024]) };
        rt.block_on(cpi::run(&opts)).unwrap().manifest
    };
    let free = run("free", None);
    let limited = run("limited", Some(MEMORY_LIMIT_THAT_SPILLS));
    assert_eq!(free.spill_files, 0, "without a limit nothing spills");
    assert!(limited.spill_files > 0, "the precondition: the limited run spilled");
    let hashes = |m: &cpi::Manifest| m.outputs.iter().map(|o| (o.file.clone(), o.sha256.clone())).collect::<Vec<_>>();
    assert_eq!(hashes(&free), hashes(&limited));
    assert_eq!(free.method_counts, limited.method_counts);
}

/// Memory for DataFusion's operators at which a run on the generated F = 0.02 input spills
/// and still completes (hash joins' build sides cannot spill). Measured on 2 cores: 48 and 64
/// MB spill, 96 MB does not, 32 MB fails (an external sort's merge).
const MEMORY_LIMIT_THAT_SPILLS: usize = 64 << 20;

/// Below what an operator that cannot spill needs, the run fails with exit code 2, names the
/// consumers holding the memory (DataFusion's TrackConsumersPool) and says what to raise.
#[test]
fn a_memory_limit_too_small_names_the_consumers_and_the_flag_to_raise() {
    let dir = tempfile::tempdir().unwrap();
    let opts = cpi::RunOptions { memory_limit: Some(64 << 10), ..cpi::RunOptions::new(fixture("handworked").to_string_lossy(), dir.path().join("out").to_string_lossy(), vec![2024]) };
    let err = tokio::runtime::Runtime::new().unwrap().block_on(cpi::run(&opts)).unwrap_err();
    let message = err.to_string();
    assert!(err.is_resources_exhausted(), "{message}");
    assert!(message.contains("consumed") || message.contains("consumers"), "the consumers are named: {message}");
    assert!(err.hint().unwrap().contains("raise --memory-limit"));
    assert_eq!(err.exit_code(), std::process::ExitCode::from(cpi::error::EXIT_BAD_INPUT));
    assert!(!dir.path().join("out").exists(), "nothing published");
}

/// Nested-loop joins in a displayed physical plan that do not have the one-row `params` table
/// as an input.
fn nested_loops_without_params(plan: &str) -> usize {
    plan.match_indices("NestedLoopJoinExec")
        .filter(|(n, _)| {
            let below = &plan[*n..];
            let next_join = below[1..].find("JoinExec").map(|k| k + 1).unwrap_or(below.len());
            !below[..next_join].contains("params")
        })
        .count()
}

/// No statement of the method may join through a nested loop, except with the one-row `params`
/// table: DataFusion 55's nested-loop join falls back under memory pressure by re-executing its
/// input, which panics behind a repartition (`--memory-limit` runs failed that way before the
/// range joins were replaced by equality joins on per-value tables).
#[test]
fn no_nested_loop_join_except_with_params() {
    use datafusion::physical_plan::displayable;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let pipeline = cpi::Pipeline::new(Settings::defaults().unwrap()).unwrap();
        let staged = pipeline.stage(&fixture("handworked").to_string_lossy()).await.unwrap();
        let ctx = pipeline.session(&staged).await.unwrap();
        ctx.register_batch("reference_year", cpi::settings_tables::reference_year(pipeline.settings(), 2024).unwrap()).unwrap();
        ctx.register_batch(cpi::settings_tables::EARLIER_CELLS, cpi::settings_tables::no_earlier_cells()).unwrap();
        let physical = |sql: String| {
            let ctx = ctx.clone();
            async move {
                let df = ctx.sql(&sql).await.unwrap();
                let plan = df.clone().create_physical_plan().await.unwrap();
                let text = displayable(plan.as_ref()).indent(true).to_string();
                (df, text)
            }
        };
        // The check recognises a range join (the kind the method used to have).
        let (_, range_join) = physical(
            "SELECT e.enterprise_number, s.section FROM kbo_enterprise e \
             JOIN nace_division_section s ON s.division BETWEEN 1 AND length(e.enterprise_number)"
                .into(),
        )
        .await;
        assert_eq!(nested_loops_without_params(&range_join), 1, "{range_join}");
        let mut found = vec![];
        // Every step in one session (the common and the per-year ones), so each statement is
        // planned on the tables of the steps before it.
        for step in cpi::steps::all().unwrap() {
            for (i, statement) in cpi::steps::statements(step).unwrap().into_iter().enumerate() {
                let (df, plan) = physical(statement.to_string()).await;
                if nested_loops_without_params(&plan) > 0 {
                    found.push(format!("{} statement {}:\n{plan}", step.file, i + 1));
                }
                df.collect().await.unwrap();
            }
        }
        assert!(found.is_empty(), "{}", found.join("\n"));
    });
}

/// NBB.Stat's SDMX-CSV as published, end to end (issue #32, section 4): the hand-worked input
/// with a download of the regional accounts beside flanders.csv, the flow named
/// `BE2:DF_REGACC(1.0)`, dimensions by name (in another order than the table's), UNIT_MULT 6.
/// Value added of the Flemish Region 250 000 (2021) and 300 000 (2024) million euro: the
/// official value-added growth is 300 000 / 250 000 - 1 = 0.2. The shipped mapping is not
/// verified: both totals are counted and the run warns.
#[test]
fn sdmx_totals_are_read_by_dimension_names_and_an_unverified_mapping_warns() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&fixture("handworked"), dir.path());
    std::fs::write(
        dir.path().join("totals/nbb_regional_accounts.csv"),
        "DATAFLOW,NA_ITEM,REF_AREA,FREQ,NACE,TIME_PERIOD,OBS_VALUE,UNIT_MULT,UNIT_MEASURE\n\
         BE2:DF_REGACC(1.0),B1G,BE2,A,_T,2021,250000,6,EUR\n\
         BE2:DF_REGACC(1.0),B1G,BE2,A,_T,2024,300000,6,EUR\n",
    )
    .unwrap();
    let (_d, out, manifest) = run(dir.path(), 2024);
    assert_eq!(manifest.method_counts["official_totals_from_unverified_mapping"], 2);
    assert!(manifest.warnings.iter().any(|w| w.starts_with("totals: 2 official total(s) read from SDMX through a mapping")), "{:?}", manifest.warnings);
    let p = common::Table::read(&out.join("productivity.parquet"));
    common::assert_close(p.float("official_flanders_value_added_growth", p.row_where("cluster_id", "ALL")), 0.2, 1e-12, "official value-added growth");
    let (_h, _, plain) = run(&fixture("handworked"), 2024);
    assert_eq!(plain.method_counts["official_totals_from_unverified_mapping"], 0);
    assert!(!plain.warnings.iter().any(|w| w.starts_with("totals:")));
}

/// VAT turnover where rubric 70 is missing (growth.turnover_from_vat, issue #34 section 2), on
/// the hand-worked fixture with a planted vat/vat.csv:
///   D 2024 350 000 (D's 2024 filing has no turnover): used; D 2021 999 999 (D's 2021 filing
///   says 300 000): not used, the filing's figure stays; J 2021 123 456 (J has no 2021 filing):
///   not used, a VAT figure does not make a filing; A 2024 5 (A reports 1 300 000): not used;
///   a number with wrong check digits: rejected.
/// With the setting on, D joins C2's and ALL's samples and the Flemish benchmark (Leuven):
///   C2 A D E 1.6 + 0.3 = 1.9 M -> 2.0 + 0.35 = 2.35 M; ALL A B C D E 2.6 M -> 3.06 M;
///   Flanders A B D E N1 4.4 M -> 4 849 999; one company-year from fps_finance.
/// Off (the default), the same input gives the hand-worked figures (C2 2 companies). On
/// without VAT rows, the run stops.
#[test]
fn vat_turnover_fills_a_filed_year_without_rubric_70_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    common::copy_dir(&fixture("handworked"), dir.path());
    std::fs::create_dir_all(dir.path().join("vat")).unwrap();
    std::fs::write(
        dir.path().join("vat/vat.csv"),
        "enterprise_number,year,turnover,source\n0200.000.439,2024,350000,fps_finance\n0200.000.439,2021,999999,fps_finance\n\
         0200.001.033,2021,123456,statbel\n0200.000.142,2024,5,fps_finance\n0200.000.737,2024,1,fps_finance\n",
    )
    .unwrap();
    let on = cpi::config::DEFAULT_TOML.replace("turnover_from_vat = false", "turnover_from_vat = true");
    assert_ne!(on, cpi::config::DEFAULT_TOML);
    let (_d, out, manifest) = common::run_with(dir.path(), 2024, Some(&on));
    let t = Table::read(&common::confidential(&out).join("cpi7_turnover.parquet"));
    for (cluster, sample, base, end) in [("C2", 3, 1_900_000.0, 2_350_000.0), ("ALL", 5, 2_600_000.0, 3_060_000.0), ("C1", 3, 1_700_000.0, 2_010_000.0)] {
        let r = t.row_where("cluster_id", cluster);
        assert_eq!(t.int("sample_firms", r), sample, "{cluster} sample with VAT turnover");
        assert_close(t.float("cluster_base", r), base, 0.01, "base with VAT");
        assert_close(t.float("cluster_end", r), end, 0.01, "end with VAT");
        assert_eq!(t.int("flanders_firms", r), 5);
        assert_close(t.float("flanders_base", r), 4_400_000.0, 0.01, "Flemish base with VAT");
        assert_close(t.float("flanders_end", r), 4_849_999.0, 0.01, "Flemish end with VAT");
    }
    assert_eq!(manifest.method_counts.get("2024.turnover_from_vat_fps_finance"), Some(&1));
    assert_eq!(manifest.method_counts.get("2024.turnover_from_vat_statbel"), None);
    let vat = manifest.input_rows.iter().find(|f| f.file == "vat/vat.csv").expect("vat/vat.csv counted");
    assert_eq!((vat.rows_read, vat.rows_used, vat.rows_rejected), (5, 4, 1));

    let (_o, off_out, off) = common::run(dir.path(), 2024);
    let t = Table::read(&common::confidential(&off_out).join("cpi7_turnover.parquet"));
    assert_eq!(t.int("sample_firms", t.row_where("cluster_id", "C2")), 2, "off: D has no 2024 turnover");
    assert!(off.method_counts.keys().all(|k| !k.contains("turnover_from_vat")));

    let without = std::process::Command::new(env!("CARGO_BIN_EXE_cpi"))
        .args(["run", "--year", "2024", "--input"])
        .arg(fixture("handworked"))
        .arg("--output")
        .arg(dir.path().join("never"))
        .arg("--config")
        .arg({
            let path = dir.path().join("on.toml");
            std::fs::write(&path, &on).unwrap();
            path
        })
        .output()
        .unwrap();
    assert_eq!(without.status.code(), Some(2), "a configuration the input cannot serve: exit code 2");
    assert!(String::from_utf8_lossy(&without.stderr).contains("growth.turnover_from_vat is true, but the input has no VAT turnover rows"), "{}", String::from_utf8_lossy(&without.stderr));
    assert!(!dir.path().join("never").exists(), "nothing published");
}
