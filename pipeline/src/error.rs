//! One error type for the library. Each variant carries what a user needs to fix the problem
//! (file, line, field, SQL step) and maps to one documented exit code.

use std::process::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum CpiError {
    /// The inputs are unusable: missing file or column, wrong header, unparsable value.
    #[error("bad input: {file}{}{}: {message}",
        line.map(|l| format!(", line {l}")).unwrap_or_default(),
        field.as_ref().map(|f| format!(", field {f}")).unwrap_or_default())]
    BadInput {
        file: String,
        line: Option<u64>,
        field: Option<String>,
        message: String,
    },

    /// A configuration file that does not parse or holds an unknown key.
    #[error("bad config: {0}")]
    Config(String),

    /// The output folder already holds results and `--overwrite` was not given.
    #[error("output {0} already holds a run; pass --overwrite to replace it")]
    OutputExists(String),

    /// Another run holds the output folder's lock (lock.rs).
    #[error("locked: {0}")]
    Locked(String),

    /// A check that holds on any usable input failed: the run stops before publishing. Names
    /// the invariant, the counts and the input files concerned (guards.rs).
    #[error("invariant {name} failed: {message}")]
    Invariant { name: &'static str, message: String },

    #[error("I/O failure on {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("object store: {0}")]
    ObjectStore(#[from] datafusion::object_store::Error),

    /// A step of the method failed: names the SQL file and the statement number.
    #[error("SQL step {file}, statement {statement}: {source}")]
    Sql {
        file: String,
        statement: usize,
        #[source]
        source: Box<datafusion::error::DataFusionError>,
    },

    #[error("DataFusion: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),

    #[error("Arrow: {0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),

    #[error("Parquet: {0}")]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),

    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = CpiError> = std::result::Result<T, E>;

/// Exit codes, documented in README.md.
pub const EXIT_OK: u8 = 0;
pub const EXIT_BAD_INPUT: u8 = 2;
pub const EXIT_IO: u8 = 3;
pub const EXIT_INTERNAL: u8 = 4;
pub const EXIT_INVARIANT: u8 = 5;
pub const EXIT_LOCKED: u8 = 6;

impl CpiError {
    pub fn bad_input(file: impl Into<String>, message: impl Into<String>) -> Self {
        CpiError::BadInput { file: file.into(), line: None, field: None, message: message.into() }
    }

    pub fn bad_field(
        file: impl Into<String>,
        line: u64,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        CpiError::BadInput {
            file: file.into(),
            line: Some(line),
            field: Some(field.into()),
            message: message.into(),
        }
    }

    pub fn io(path: impl Into<String>, source: std::io::Error) -> Self {
        CpiError::Io { path: path.into(), source }
    }

    /// Whether DataFusion's memory pool refused a reservation (`--memory-limit` too small for
    /// an operator that cannot spill).
    pub fn is_resources_exhausted(&self) -> bool {
        let root = match self {
            CpiError::Sql { source, .. } => source.find_root(),
            CpiError::DataFusion(e) => e.find_root(),
            _ => return false,
        };
        matches!(root, datafusion::error::DataFusionError::ResourcesExhausted(_))
    }

    /// What to do about the error, when there is one thing to do: printed after the message.
    pub fn hint(&self) -> Option<&'static str> {
        self.is_resources_exhausted().then_some(
            "an operator that cannot spill (a hash join's build side) needed more memory than --memory-limit gives \
             (the largest consumers are named above): raise --memory-limit (for example --memory-limit 4G) or leave it out",
        )
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            CpiError::BadInput { .. } | CpiError::Config(_) | CpiError::OutputExists(_) => {
                EXIT_BAD_INPUT
            }
            CpiError::Io { .. } | CpiError::ObjectStore(_) => EXIT_IO,
            CpiError::Invariant { .. } => EXIT_INVARIANT,
            CpiError::Locked(_) => EXIT_LOCKED,
            // A --memory-limit too small for a step that cannot spill (hash-join build sides):
            // a setting to change, not a bug.
            e if e.is_resources_exhausted() => EXIT_BAD_INPUT,
            CpiError::Sql { .. }
            | CpiError::DataFusion(_)
            | CpiError::Arrow(_)
            | CpiError::Parquet(_)
            | CpiError::Internal(_) => EXIT_INTERNAL,
        })
    }
}
