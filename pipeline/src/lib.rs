//! cpi: independent measurement of the Flemish spearhead-cluster policy indicators CPI 6, 7
//! and 8 from the KBO/BCE register, NBB annual accounts and the clusters' member lists.
//!
//! Data flows one way, in two stages with one contract between them:
//! 1. stage 1 (`stage`, `inputs/`, `settings_tables`): every input and every setting becomes a
//!    checked table with a declared schema, plus the rows that could not be used; `cpi ingest`
//!    writes them as a staged copy (`staged_copy`);
//! 2. stage 2 (`steps`): the `sql/` files, each declaring what it reads, creates and publishes,
//!    run over those tables only, once (common steps) and per reference year;
//!
//! then the outputs named by the catalogue in `schemas/` (`catalogue`) are written as Parquet
//! with a manifest (`run`, `outputs`, `manifest`) and published atomically (`publish`).
//! `Pipeline` is the engine that `run`, `validate`, `explain` and `ingest` share.

pub mod args;
pub mod catalogue;
pub mod config;
pub mod embedded;
pub mod enterprise_number;
pub mod error;
pub mod guards;
pub mod ingest;
pub mod inputs;
pub mod lineage;
pub mod lock;
pub mod manifest;
pub mod outputs;
pub mod parallel;
pub mod pipeline;
pub mod progress;
pub mod publish;
pub mod report;
pub mod rows;
pub mod run;
pub mod settings_tables;
pub mod stage;
pub mod staged_copy;
pub mod steps;
pub mod storage;
pub mod summary;
pub mod validate;
pub mod verify;

pub use manifest::Manifest;
pub use pipeline::Pipeline;
pub use run::{run, Outcome, RunOptions};
pub use validate::validate;
pub use verify::verify;

/// `cpi explain`: every SQL statement with the logical plan DataFusion makes of it, on the
/// given inputs and reference year (each statement runs, so the next one can be planned).
pub async fn explain(input: &str, year: i32, config: Option<&std::path::Path>) -> error::Result<String> {
    let pipeline = Pipeline::new(config::Settings::load(config)?)?;
    let staged = pipeline.stage(input).await?;
    pipeline.explain(&staged, year).await
}
