//! `cpi validate`: stage 1 and the checks of the method on every input, without computing the
//! indicators; a report per file of rows read, accepted and rejected by reason.

use std::collections::BTreeMap;
use std::path::Path;

use crate::config::Settings;
use crate::error::Result;
use crate::inputs::candidates::{self, Candidate};
use crate::inputs::cbso::UnrecognisedKey;
use crate::inputs::kbo::KboMeta;
use crate::inputs::members::{Overlapping, Unnumbered};
use crate::lineage::FileCounts;
use crate::manifest::{self, RejectRow};
use crate::pipeline::Pipeline;

/// What `cpi validate` found, printed as a readable report.
pub struct ValidationReport {
    pub input: String,
    pub kbo: KboMeta,
    pub files: Vec<FileCounts>,
    pub rejects: Vec<RejectRow>,
    /// Member rows with a name but no number, with register candidates for a person to check.
    pub unnumbered: Vec<(Unnumbered, Vec<Candidate>)>,
    /// Why no candidates could be looked up (no denomination.csv in the extract), if so.
    pub no_candidates: Option<String>,
    /// Member rows whose period overlaps another of the same company and cluster.
    pub overlapping: Vec<Overlapping>,
    /// Keys of the CBSO documents the reader does not know.
    pub unrecognised: Vec<UnrecognisedKey>,
}

pub async fn validate(input: &str, config: Option<&Path>) -> Result<ValidationReport> {
    let pipeline = Pipeline::new(Settings::load(config)?)?;
    let staged = pipeline.stage(input).await?;
    let (rejects, rows) = pipeline.validate(&staged).await?;
    let (candidates, no_candidates) = match &staged.register.denomination {
        Some(d) => (candidates::find(d, staged.register.address.as_deref(), &staged.unnumbered)?, None),
        None if staged.unnumbered.is_empty() => (vec![], None),
        None => (vec![vec![]; staged.unnumbered.len()], Some("the KBO extract has no denomination.csv: no register candidates".to_string())),
    };
    Ok(ValidationReport {
        input: input.to_string(),
        kbo: staged.kbo.clone(),
        files: manifest::input_rows(&rows.1)?,
        rejects: manifest::rejects(&rejects.1)?,
        unnumbered: staged.unnumbered.iter().cloned().zip(candidates).collect(),
        no_candidates,
        overlapping: staged.overlapping.clone(),
        unrecognised: staged.unrecognised.clone(),
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
        if !self.unnumbered.is_empty() {
            writeln!(f, "members listed by name without an enterprise number (check and add the number; none is assigned automatically):")?;
            if let Some(why) = &self.no_candidates {
                writeln!(f, "  ({why})")?;
            }
            for (row, candidates) in &self.unnumbered {
                let place = row.postcode.as_ref().map(|p| format!(", postcode {p}")).unwrap_or_default();
                writeln!(f, "  {}, line {}: {:?}{place}", row.file.strip_prefix(&format!("{}/", self.input.trim_end_matches('/'))).unwrap_or(&row.file), row.line, row.name)?;
                if candidates.is_empty() && self.no_candidates.is_none() {
                    writeln!(f, "    no register candidate")?;
                }
                for c in candidates {
                    let seat = c.seat_postcode.as_ref().map(|p| format!(" (seat {p})")).unwrap_or_default();
                    writeln!(f, "    candidate {} {:?}{seat}", c.enterprise_number, c.denomination)?;
                }
            }
        }
        if !self.overlapping.is_empty() {
            writeln!(f, "membership periods that overlap an earlier row of the same company and cluster (kept: a member on a date any period covers; check the export):")?;
            for o in &self.overlapping {
                let file = o.file.strip_prefix(&format!("{}/", self.input.trim_end_matches('/'))).unwrap_or(&o.file);
                writeln!(f, "  {file}, line {}: {} in {}", o.line, o.enterprise_number, o.cluster_id)?;
            }
        }
        if !self.unrecognised.is_empty() {
            writeln!(f, "keys and coded values of the CBSO documents that cpi does not know (check whether the method needs them; a renamed field would be missed, an odd code places no company):")?;
            for u in &self.unrecognised {
                let first = u.first.strip_prefix(&format!("{}/", self.input.trim_end_matches('/'))).unwrap_or(&u.first);
                let what = if u.kind.ends_with("coded value") || u.kind.starts_with("XBRL concept") { "" } else { " key" };
                writeln!(f, "  {}{what} {:?}: {} time(s), first in {first}", u.kind, u.key, u.count)?;
            }
        }
        let rejected: u64 = self.files.iter().map(|f| f.rows_rejected).sum();
        write!(f, "inputs are usable: {rejected} row(s) rejected (they go to rejects.parquet in a run)")
    }
}
