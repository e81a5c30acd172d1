//! The published input formats. Each submodule knows one source: its schema, its quirks and
//! its normalisation, and turns it into tables the sql/ steps read.

pub mod accounts;
pub mod csv_file;
pub mod kbo;
pub mod members;
pub mod totals;

use serde::Serialize;

/// A row that could not be used, kept with where it came from and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reject {
    pub file: String,
    pub line: u64,
    pub field: String,
    pub raw_value: String,
    pub reason: String,
}

/// Row conservation of one input file: `rows_read = rows_used + rows_rejected`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileCounts {
    pub file: String,
    pub rows_read: u64,
    pub rows_used: u64,
    pub rows_rejected: u64,
}

/// Collects rejects and per-file counts while the inputs are read.
#[derive(Debug, Default)]
pub struct InputLog {
    pub rejects: Vec<Reject>,
    pub files: Vec<FileCounts>,
}

impl InputLog {
    pub fn reject(&mut self, file: &str, line: u64, field: &str, raw: &str, reason: &str) {
        self.rejects.push(Reject {
            file: file.to_string(),
            line,
            field: field.to_string(),
            raw_value: raw.to_string(),
            reason: reason.to_string(),
        });
    }

    /// Records the counts of a file once it is read; `rows_rejected` is counted from the
    /// rejects recorded for it so the two can never disagree.
    pub fn finish_file(&mut self, file: &str, rows_read: u64) {
        let rows_rejected = self.rejects.iter().filter(|r| r.file == file).count() as u64;
        self.files.push(FileCounts {
            file: file.to_string(),
            rows_read,
            rows_used: rows_read - rows_rejected,
            rows_rejected,
        });
    }
}
