//! The published input formats. Each submodule knows one source: its schema, its quirks and
//! its normalisation, and turns it into tables the sql/ steps read.

pub mod account_rows;
pub mod accounts;
pub mod candidates;
pub mod cbso;
pub mod csv_file;
pub mod kbo;
pub mod loose_json;
pub mod members;
pub mod pfs_xbrl;
pub mod sheet;
pub mod totals;
pub mod vat;

/// A row that could not be used, kept with where it came from and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Reject {
    pub file: String,
    pub line: u64,
    pub field: String,
    pub raw_value: String,
    pub reason: String,
}

/// Collects rejects and per-file counts while the inputs are read.
#[derive(Debug, Default)]
pub struct InputLog {
    pub rejects: Vec<Reject>,
    /// Each input file read, in order, with its number of data rows.
    read: Vec<(String, u64)>,
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

    /// Adds what another log recorded (of other files), after this one's.
    pub fn append(&mut self, other: InputLog) {
        self.rejects.extend(other.rejects);
        self.read.extend(other.read);
    }

    /// Records how many data rows a file had once it is read.
    pub fn finish_file(&mut self, file: &str, rows_read: u64) {
        self.read.push((file.to_string(), rows_read));
    }

    /// Each input file read, in order, with its number of data rows.
    pub fn files(&self) -> &[(String, u64)] {
        &self.read
    }

    /// Names files relative to the input location (`clusters/members.csv`, not
    /// `s3://bucket/inputs/clusters/members.csv`), so that the outputs of a run do not depend on
    /// where its inputs were; messages on the terminal keep the full names.
    pub fn relative_to(&mut self, location: &str) {
        let prefix = format!("{location}/");
        let strip = |file: &mut String| {
            if let Some(rest) = file.strip_prefix(&prefix) {
                *file = rest.to_string();
            }
        };
        self.rejects.iter_mut().for_each(|r| strip(&mut r.file));
        self.read.iter_mut().for_each(|(file, _)| strip(file));
    }
}
