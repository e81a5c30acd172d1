//! `cpi validate`: stage 1 and the checks of the method on every input, without computing the
//! indicators; a report per file of rows read, accepted and rejected by reason.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::Settings;
use crate::error::Result;
use crate::inputs::kbo::KboMeta;
use crate::manifest::{self, FileCounts, RejectRow};
use crate::pipeline::Pipeline;

/// What `cpi validate` found, printed as a readable report.
pub struct ValidationReport {
    pub input: String,
    pub kbo: KboMeta,
    pub files: Vec<FileCounts>,
    pub rejects: Vec<RejectRow>,
}

pub async fn validate(input: &str, config: Option<&Path>) -> Result<ValidationReport> {
    let pipeline = Pipeline::new(Settings::load(config)?)?;
    let staged = pipeline.stage(input).await?;
    let (rejects, rows) = pipeline.validate(&staged).await?;
    Ok(ValidationReport {
        input: input.to_string(),
        kbo: staged.kbo.clone(),
        files: manifest::input_rows(&rows.1)?,
        rejects: manifest::rejects(&rejects.1)?,
    })
}

impl std::fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const EXAMPLES: usize = 3;
        writeln!(f, "inputs: {}", self.input)?;
        writeln!(f, "KBO extract {} of {} (full)", self.kbo.extract_number, self.kbo.snapshot_date)?;
        for file in &self.files {
            writeln!(f, "  {}: {} rows read, {} accepted, {} rejected", file.file, file.rows_read, file.rows_used, file.rows_rejected)?;
            let mut by_reason: BTreeMap<&str, Vec<&RejectRow>> = BTreeMap::new();
            for r in self.rejects.iter().filter(|r| r.file == file.file) {
                by_reason.entry(r.reason.as_str()).or_default().push(r);
            }
            for (reason, rows) in by_reason {
                writeln!(f, "    {reason}: {} row(s)", rows.len())?;
                for r in rows.iter().take(EXAMPLES) {
                    writeln!(f, "      line {}, field {}: {:?}", r.line, r.field, r.raw_value)?;
                }
            }
        }
        let rejected: u64 = self.files.iter().map(|f| f.rows_rejected).sum();
        write!(f, "inputs are usable: {rejected} row(s) rejected (they go to rejects.parquet in a run)")
    }
}
