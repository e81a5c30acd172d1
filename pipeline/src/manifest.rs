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

/// A column of a relation the runner reads, by its name (the SQL step names it), so that a
/// column added or moved in the SQL cannot be read as another one.
fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a datafusion::arrow::array::ArrayRef> {
    batch.column_by_name(name).ok_or_else(|| {
        let columns: Vec<String> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
        CpiError::Internal(format!("a relation the runner reads has no column {name} (it has {})", columns.join(", ")))
    })
}

/// Column `name` of a result as text (SQL VARCHAR may come back as Utf8View).
fn texts(batch: &RecordBatch, name: &str) -> Result<Vec<String>> {
    let column = cast(column(batch, name)?, &DataType::Utf8)?;
    let column = column.as_string::<i32>();
    Ok((0..column.len()).map(|r| if column.is_null(r) { String::new() } else { column.value(r).to_string() }).collect())
}

fn integers(batch: &RecordBatch, name: &str) -> Result<Vec<i64>> {
    let column = cast(column(batch, name)?, &DataType::Int64)?;
    let column = column.as_primitive::<Int64Type>();
    if column.null_count() > 0 {
        return Err(CpiError::Internal(format!("column {name} of a count has NULLs")));
    }
    Ok(column.values().to_vec())
}

/// The rows of [`INPUT_ROWS`].
pub fn input_rows(batches: &[RecordBatch]) -> Result<Vec<FileCounts>> {
    let mut out = vec![];
    for b in batches {
        let (file, read, used, rejected) = (texts(b, "file")?, integers(b, "rows_read")?, integers(b, "rows_used")?, integers(b, "rows_rejected")?);
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
        out.extend(texts(b, "name")?.into_iter().zip(integers(b, "value")?));
    }
    Ok(out)
}

/// The rows of [`WARNINGS`] as messages: `<indicator> <cluster>: <message>`.
pub fn warnings(batches: &[RecordBatch]) -> Result<Vec<String>> {
    let mut out = vec![];
    for b in batches {
        let (indicator, cluster, message) = (texts(b, "indicator")?, texts(b, "cluster_id")?, texts(b, "message")?);
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
        let (file, line, field, raw, reason) = (texts(b, "file")?, integers(b, "line")?, texts(b, "field")?, texts(b, "raw_value")?, texts(b, "reason")?);
        for r in 0..b.num_rows() {
            out.push(RejectRow { file: file[r].clone(), line: line[r] as u64, field: field[r].clone(), raw_value: raw[r].clone(), reason: reason[r].clone() });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::arrow::datatypes::{Field, Schema};

    use super::*;

    /// Counts are read by column name: a relation whose columns come in another order reads the
    /// same, and one without a column the runner needs fails naming it.
    #[test]
    fn counts_are_read_by_column_name() {
        let schema = Arc::new(Schema::new(vec![Field::new("value", DataType::Int64, false), Field::new("name", DataType::Utf8, false)]));
        let batch = RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from(vec![7, 3])), Arc::new(StringArray::from(vec!["b", "a"]))]).unwrap();
        assert_eq!(method_counts(&[batch]).unwrap(), BTreeMap::from([("a".to_string(), 3), ("b".to_string(), 7)]));
        let schema = Arc::new(Schema::new(vec![Field::new("name", DataType::Utf8, false), Field::new("count", DataType::Int64, false)]));
        let batch = RecordBatch::try_new(schema, vec![Arc::new(StringArray::from(vec!["a"])), Arc::new(Int64Array::from(vec![1]))]).unwrap();
        let err = method_counts(&[batch]).unwrap_err().to_string();
        assert!(err.contains("no column value") && err.contains("name, count"), "{err}");
    }
}
