//! Helpers shared by the integration tests: run the pipeline on a fixture and read outputs.

use std::path::{Path, PathBuf};

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type, UInt64Type};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Runs `cpi run` (the library call) on `input` for `year` into a fresh temporary folder: the
/// published tables in `out`, the unsuppressed ones (and the exclusions and rejects) in
/// [`confidential`]`(out)`.
pub fn run(input: &Path, year: i32) -> (tempfile::TempDir, PathBuf, cpi::Manifest) {
    run_with(input, year, None)
}

/// [`run`] with the settings of `config` (TOML text) instead of the shipped defaults.
pub fn run_with(input: &Path, year: i32, config: Option<&str>) -> (tempfile::TempDir, PathBuf, cpi::Manifest) {
    let (dir, out, outcome) = run_outcome(input, year, config);
    (dir, out, outcome.manifest)
}

/// [`run_with`], with the terminal summary the run computed beside its manifest.
pub fn run_outcome(input: &Path, year: i32, config: Option<&str>) -> (tempfile::TempDir, PathBuf, cpi::Outcome) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let confidential_dir = confidential(&out);
    let config = config.map(|text| {
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    });
    let opts = cpi::RunOptions {
        input: input.to_string_lossy().to_string(),
        output: out.to_string_lossy().to_string(),
        years: vec![year],
        config,
        overwrite: false,
        memory_limit: None,
        confidential: Some(confidential_dir.to_string_lossy().to_string()),
        report_language: Default::default(),
        wait: false,
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let outcome = rt.block_on(cpi::run(&opts)).unwrap();
    (dir, out, outcome)
}

/// The shipped settings with the audit of differences off (`disclosure.audit_differences`):
/// the hand-worked fixture has twelve companies, and with the audit every cluster's headline
/// there differs from ALL's or Flanders' by one or two companies and is withheld
/// (tests/e2e/disclosure.rs pins which and why). Tests of what a published figure looks like
/// (the report, the summary, the published interval) run on the cells the primary rules and
/// the groups' rule leave.
pub fn config_without_audit() -> String {
    let text = cpi::config::DEFAULT_TOML.replace("audit_differences = true", "audit_differences = false");
    assert_ne!(text, cpi::config::DEFAULT_TOML);
    text
}

/// [`run`] with [`config_without_audit`].
pub fn run_without_audit(input: &Path, year: i32) -> (tempfile::TempDir, PathBuf, cpi::Manifest) {
    run_with(input, year, Some(&config_without_audit()))
}

/// `cpi generate --scale SCALE --seed SEED --output DIR` with this build's binary.
pub fn generate(dir: &Path, scale: &str, seed: u64) {
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_cpi"))
        .args(["-q", "generate", "--scale", scale, "--seed", &seed.to_string(), "--output"])
        .arg(dir)
        .status()
        .unwrap();
    assert!(status.success(), "cpi generate --scale {scale} --seed {seed}");
}

/// The `--confidential` folder of a [`run`] whose published folder is `out`.
pub fn confidential(out: &Path) -> PathBuf {
    out.parent().unwrap().join("confidential")
}

/// A Parquet table read back as rows of named cells.
pub struct Table {
    pub batch: RecordBatch,
}

impl Table {
    pub fn read(path: &Path) -> Table {
        let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap();
        let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
        let schema = batches[0].schema();
        Table { batch: datafusion::arrow::compute::concat_batches(&schema, &batches).unwrap() }
    }

    pub fn len(&self) -> usize {
        self.batch.num_rows()
    }

    fn col(&self, name: &str) -> &dyn Array {
        self.batch.column_by_name(name).unwrap_or_else(|| panic!("no column {name}")).as_ref()
    }

    pub fn text(&self, name: &str, row: usize) -> Option<String> {
        let c = self.col(name);
        assert_eq!(c.data_type(), &DataType::Utf8, "{name} must be plain Utf8");
        (!c.is_null(row)).then(|| c.as_string::<i32>().value(row).to_string())
    }

    pub fn float(&self, name: &str, row: usize) -> Option<f64> {
        let c = self.col(name);
        (!c.is_null(row)).then(|| c.as_primitive::<Float64Type>().value(row))
    }

    pub fn int(&self, name: &str, row: usize) -> i64 {
        let c = self.col(name);
        match c.data_type() {
            DataType::Int64 => c.as_primitive::<Int64Type>().value(row),
            DataType::Int32 => c.as_primitive::<Int32Type>().value(row) as i64,
            DataType::UInt64 => c.as_primitive::<UInt64Type>().value(row) as i64,
            t => panic!("{name} is {t}"),
        }
    }

    /// The row whose `key` column equals `value`.
    pub fn row_where(&self, key: &str, value: &str) -> usize {
        (0..self.len())
            .find(|&r| self.text(key, r).as_deref() == Some(value))
            .unwrap_or_else(|| panic!("no row with {key} = {value}"))
    }

    /// All rows as tuples of the given text columns.
    pub fn texts(&self, columns: &[&str]) -> Vec<Vec<String>> {
        (0..self.len())
            .map(|r| columns.iter().map(|c| self.text(c, r).unwrap_or_default()).collect())
            .collect()
    }
}

pub fn assert_close(actual: Option<f64>, expected: f64, tolerance: f64, what: &str) {
    let a = actual.unwrap_or_else(|| panic!("{what} is NULL, expected {expected}"));
    assert!((a - expected).abs() <= tolerance, "{what}: got {a}, expected {expected}");
}

/// Every file of a folder (not its sub-folders) with its bytes, by name.
#[allow(dead_code)]
pub fn files_in(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

/// Replaces `from` (which must be there) by `to` in the file `file` of folder `dir`.
pub fn replace_in(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} lacks {from}");
    std::fs::write(&path, text.replace(from, to)).unwrap();
}

/// Adds `lines` at the end of the file `file` of folder `dir`.
pub fn append_to(dir: &Path, file: &str, lines: &str) {
    let path = dir.join(file);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(lines);
    std::fs::write(&path, text).unwrap();
}

/// Copies a folder recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

/// Writes a zip of JSON documents (a CBSO extract), `(member name, document)`.
pub fn zip_json(path: &Path, members: &[(&str, serde_json::Value)]) {
    use std::io::Write;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, doc) in members {
        z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(doc.to_string().as_bytes()).unwrap();
    }
    z.finish().unwrap();
}

/// Rows of a query as strings (NULL as "").
pub fn query(ctx: &datafusion::prelude::SessionContext, sql: &str) -> Vec<Vec<String>> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let batches = rt.block_on(async { ctx.sql(sql).await.unwrap().collect().await.unwrap() });
    let mut rows = vec![];
    for b in batches {
        let cols: Vec<_> = b.columns().iter().map(|c| datafusion::arrow::compute::cast(c, &datafusion::arrow::datatypes::DataType::Utf8).unwrap()).collect();
        for r in 0..b.num_rows() {
            rows.push(cols.iter().map(|c| if c.is_null(r) { String::new() } else { c.as_string::<i32>().value(r).to_string() }).collect());
        }
    }
    rows
}

/// Expected rows, as [`query`] gives them.
pub fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect()
}

/// One deposit of a long-form accounts file: its six header fields (enterprise number,
/// reference number, deposit date, exercise start and end, model) and its rubric rows (code,
/// period, value), in file order.
pub type LongFormDeposit = (Vec<String>, Vec<(String, String, String)>);

/// The deposits of a long-form accounts file, block by block: consecutive rows with the same
/// header fields are one deposit (a deposit whose rows come in two places is two).
pub fn long_form_deposits(path: &Path) -> Vec<LongFormDeposit> {
    let long = std::fs::read_to_string(path).unwrap();
    let mut deposits: Vec<LongFormDeposit> = vec![];
    for line in long.lines().skip(1) {
        let f: Vec<String> = line.split(',').map(str::to_string).collect();
        let head = f[..6].to_vec();
        match deposits.last_mut() {
            Some((h, values)) if *h == head => values.push((f[6].clone(), f[7].clone(), f[8].clone())),
            _ => deposits.push((head, vec![(f[6].clone(), f[7].clone(), f[8].clone())])),
        }
    }
    deposits
}
