//! manifest.json: what a run read, did and wrote. The counts in it come from relations that the
//! sql/ steps publish (their names are the constants below).

use std::collections::BTreeMap;

use datafusion::arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{CpiError, Result};
use crate::inputs::kbo::KboMeta;
use crate::lineage::{FileCounts, InputFile};
use crate::outputs::OutputFile;
use crate::rows::{rows_of, Row};
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
/// What the rules of a reference year changed (name, reference_year, value), published by
/// sql/85; in the manifest's `method_counts` as `<year>.<name>`.
pub const YEAR_COUNTS: &str = "year_counts";
/// Warnings for the log and the manifest (indicator, cluster, message), published by sql/90.
pub const WARNINGS: &str = "output_warnings";
/// Warnings about the inputs (message), published by sql/15; in the manifest after [`WARNINGS`].
pub const INPUT_WARNINGS: &str = "input_warnings";

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

/// A column of a row of a relation the runner reads (rows from `rows.rs`, the one converter),
/// by its name: a column added or moved in the SQL cannot be read as another one.
fn field<'a>(row: &'a Row, name: &str) -> Result<&'a Value> {
    row.get(name).ok_or_else(|| {
        let columns: Vec<&str> = row.keys().map(String::as_str).collect();
        CpiError::Internal(format!("a relation the runner reads has no column {name} (it has {})", columns.join(", ")))
    })
}

/// A text column (NULL as empty).
fn text(row: &Row, name: &str) -> Result<String> {
    Ok(field(row, name)?.as_str().unwrap_or_default().to_string())
}

/// A count column: an integer, never NULL.
fn integer(row: &Row, name: &str) -> Result<i64> {
    field(row, name)?.as_i64().ok_or_else(|| CpiError::Internal(format!("column {name} of a count is not an integer or is NULL")))
}

/// The rows of [`INPUT_ROWS`].
pub fn input_rows(batches: &[RecordBatch]) -> Result<Vec<FileCounts>> {
    rows_of(batches)?
        .iter()
        .map(|r| {
            Ok(FileCounts {
                file: text(r, "file")?,
                rows_read: integer(r, "rows_read")? as u64,
                rows_used: integer(r, "rows_used")? as u64,
                rows_rejected: integer(r, "rows_rejected")? as u64,
            })
        })
        .collect()
}

/// The rows of [`METHOD_COUNTS`].
pub fn method_counts(batches: &[RecordBatch]) -> Result<BTreeMap<String, i64>> {
    rows_of(batches)?.iter().map(|r| Ok((text(r, "name")?, integer(r, "value")?))).collect()
}

/// The rows of [`YEAR_COUNTS`], keyed `<reference_year>.<name>` as manifest.json has them.
pub fn year_counts(batches: &[RecordBatch]) -> Result<BTreeMap<String, i64>> {
    rows_of(batches)?.iter().map(|r| Ok((format!("{}.{}", integer(r, "reference_year")?, text(r, "name")?), integer(r, "value")?))).collect()
}

/// The rows of [`WARNINGS`] as messages: `<indicator> <cluster>: <message>`.
pub fn warnings(batches: &[RecordBatch]) -> Result<Vec<String>> {
    rows_of(batches)?
        .iter()
        .map(|r| Ok(format!("{} {}: {}", text(r, "indicator")?, text(r, "cluster_id")?, text(r, "message")?)))
        .collect()
}

/// The rows of [`INPUT_WARNINGS`]: their messages.
pub fn input_warnings(batches: &[RecordBatch]) -> Result<Vec<String>> {
    rows_of(batches)?.iter().map(|r| text(r, "message")).collect()
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
    rows_of(batches)?
        .iter()
        .map(|r| {
            Ok(RejectRow {
                file: text(r, "file")?,
                line: integer(r, "line")? as u64,
                field: text(r, "field")?,
                raw_value: text(r, "raw_value")?,
                reason: text(r, "reason")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

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
