//! manifest.json: what a run read, did and wrote. The counts in it come from relations that the
//! sql/ steps publish (their names are the constants below).

use std::collections::BTreeMap;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use serde::{Deserialize, Serialize};

use crate::error::{CpiError, Result};
use crate::inputs::kbo::KboMeta;
use crate::lineage::{FileCounts, InputFile};
use crate::outputs::OutputFile;
use crate::steps::StepTiming;

/// The manifest's file name in an output folder.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The report's file name in an output folder.
pub const REPORT_FILE: &str = "report.html";

/// Every input row that could not be used (rejects.parquet), published by sql/15.
pub const REJECTS: &str = "output_rejects";
/// Rows read, used and rejected per input file, published by sql/15.
pub const INPUT_ROWS: &str = "input_rows";
/// What the method kept and set aside (name, value), published by sql/20.
pub const METHOD_COUNTS: &str = "method_counts";
/// What the rules of a reference year changed (name, value), published by sql/85; in the
/// manifest's `method_counts` as `<year>.<name>`.
pub const YEAR_COUNTS: &str = "year_counts";
/// Warnings for the log and the manifest (indicator, cluster, message), published by sql/90.
pub const WARNINGS: &str = "output_warnings";

#[derive(Debug, Serialize)]
pub struct Manifest {
    pub tool: ToolInfo,
    pub reference_years: Vec<i32>,
    pub started_at: String,
    pub seconds: f64,
    pub config_source: String,
    pub config: crate::config::Config,
    /// `--input` and `--output` as given (a path or an `s3://`, `gs://`, `az://` URL).
    pub input_location: String,
    pub output_location: String,
    /// When the input was a staged copy (`cpi ingest`): its record's SHA-256 and whether the
    /// common steps' results came from it. `inputs` are then the published files it was made from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staged_copy: Option<StagedCopyUse>,
    pub kbo: KboMeta,
    pub inputs: Vec<InputFile>,
    pub input_rows: Vec<FileCounts>,
    pub method_counts: BTreeMap<String, i64>,
    pub outputs: Vec<OutputFile>,
    pub disclosure: Disclosure,
    /// Things a reader should know (low coverage, tiny samples, benchmark far from official
    /// totals). The run still succeeds.
    pub warnings: Vec<String>,
    pub timings: Vec<StepTiming>,
    /// Temporary files DataFusion's operators spilled to (`--memory-limit`; 0: all in memory).
    pub spill_files: u64,
    /// report.html (`cpi report` writes it again and updates this record).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportFile>,
}

/// report.html's record in manifest.json (so `cpi verify` checks it like every output).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportFile {
    pub file: String,
    /// `nl` or `en`
    pub language: String,
    pub bytes: u64,
    pub sha256: String,
}

impl ReportFile {
    pub fn of(html: &str, language: &str) -> ReportFile {
        ReportFile { file: REPORT_FILE.into(), language: language.into(), bytes: html.len() as u64, sha256: crate::lineage::sha256_hex(html.as_bytes()) }
    }
}

#[derive(Debug, Serialize)]
pub struct StagedCopyUse {
    pub record_sha256: String,
    pub common_results_from_copy: bool,
}

#[derive(Debug, Serialize)]
pub struct ToolInfo {
    pub name: &'static str,
    pub version: &'static str,
    pub git_commit: &'static str,
}

impl ToolInfo {
    pub fn current() -> ToolInfo {
        ToolInfo { name: "cpi", version: env!("CARGO_PKG_VERSION"), git_commit: env!("CPI_GIT_COMMIT") }
    }
}

/// Which form of the breakdowns a run wrote, for the manifest.
#[derive(Debug, Serialize)]
pub struct Disclosure {
    /// The output folder's tables: always the suppressed form (sql/75).
    pub published: &'static str,
    pub min_firms: i64,
    pub max_firm_share: f64,
    pub dominance_n: i32,
    pub p_percent: f64,
    pub audit_differences: bool,
    /// `--confidential`: where the unsuppressed table went, and its file; NULL when not asked.
    pub confidential_location: Option<String>,
    pub confidential_outputs: Vec<OutputFile>,
}

/// Column `i` of a result as text (SQL VARCHAR may come back as Utf8View).
fn texts(batch: &RecordBatch, i: usize) -> Result<Vec<String>> {
    let column = cast(batch.column(i), &DataType::Utf8)?;
    let column = column.as_string::<i32>();
    Ok((0..column.len()).map(|r| if column.is_null(r) { String::new() } else { column.value(r).to_string() }).collect())
}

fn integers(batch: &RecordBatch, i: usize) -> Result<Vec<i64>> {
    let column = cast(batch.column(i), &DataType::Int64)?;
    let column = column.as_primitive::<Int64Type>();
    if column.null_count() > 0 {
        return Err(CpiError::Internal(format!("column {} of a count has NULLs", batch.schema().field(i).name())));
    }
    Ok(column.values().to_vec())
}

/// The rows of [`INPUT_ROWS`].
pub fn input_rows(batches: &[RecordBatch]) -> Result<Vec<FileCounts>> {
    let mut out = vec![];
    for b in batches {
        let (file, read, used, rejected) = (texts(b, 0)?, integers(b, 1)?, integers(b, 2)?, integers(b, 3)?);
        for r in 0..b.num_rows() {
            out.push(FileCounts { file: file[r].clone(), rows_read: read[r] as u64, rows_used: used[r] as u64, rows_rejected: rejected[r] as u64 });
        }
    }
    Ok(out)
}

/// The rows of [`METHOD_COUNTS`].
pub fn method_counts(batches: &[RecordBatch]) -> Result<BTreeMap<String, i64>> {
    let mut out = BTreeMap::new();
    for b in batches {
        out.extend(texts(b, 0)?.into_iter().zip(integers(b, 1)?));
    }
    Ok(out)
}

/// The rows of [`WARNINGS`] as messages: `<indicator> <cluster>: <message>`.
pub fn warnings(batches: &[RecordBatch]) -> Result<Vec<String>> {
    let mut out = vec![];
    for b in batches {
        let (indicator, cluster, message) = (texts(b, 0)?, texts(b, 1)?, texts(b, 2)?);
        for r in 0..b.num_rows() {
            out.push(format!("{} {}: {}", indicator[r], cluster[r], message[r]));
        }
    }
    Ok(out)
}

/// A reject as `cpi validate` shows it.
pub struct RejectRow {
    pub file: String,
    pub line: u64,
    pub field: String,
    pub raw_value: String,
    pub reason: String,
}

/// The rows of [`REJECTS`].
pub fn rejects(batches: &[RecordBatch]) -> Result<Vec<RejectRow>> {
    let mut out = vec![];
    for b in batches {
        let (file, line, field, raw, reason) = (texts(b, 0)?, integers(b, 1)?, texts(b, 2)?, texts(b, 3)?, texts(b, 4)?);
        for r in 0..b.num_rows() {
            out.push(RejectRow { file: file[r].clone(), line: line[r] as u64, field: field[r].clone(), raw_value: raw[r].clone(), reason: reason[r].clone() });
        }
    }
    Ok(out)
}
