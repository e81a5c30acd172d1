//! `cpi ingest`: stage an input folder once (read and check every published file, run the
//! common steps) and write the result as a staged copy (staged_copy.rs), for repeated runs on the
//! same inputs. `cpi run --input COPY` gives the same outputs as a run on the published inputs
//! (tested), without reading them again.

use std::path::Path;

use crate::config::Settings;
use crate::error::{CpiError, Result};
use crate::pipeline::Pipeline;
use crate::publish::Publisher;
use crate::staged_copy::{self, StagedRecord};

pub async fn ingest(input: &str, output: &str, config: Option<&Path>, overwrite: bool, wait: bool) -> Result<StagedRecord> {
    if crate::storage::local_path(output).is_none() {
        return Err(CpiError::Config(format!("{output}: cpi ingest writes a local folder (copy it to object storage afterwards)")));
    }
    let pipeline = Pipeline::new(Settings::load(config)?)?;
    let staged = pipeline.stage(input).await?;
    if staged.copy.is_some() {
        return Err(CpiError::Config(format!("{input} is a staged copy already: ingest the published inputs")));
    }
    let common = pipeline.common(&staged).await?;
    let ctx = datafusion::prelude::SessionContext::new();
    let mut results = vec![];
    for (name, table) in &common.handover {
        let df = ctx.read_table(table.clone())?;
        results.push((name.clone(), df.schema().inner().clone(), df.collect().await?));
    }
    for (name, (schema, batches)) in &common.published {
        results.push((name.clone(), schema.clone(), batches.clone()));
    }
    let publisher = Publisher::prepare(output, overwrite, "ingest", wait).await?;
    let settings = crate::settings_tables::tables(pipeline.settings())?;
    let written = staged_copy::write(&publisher.staging()?.local_file(""), input.trim_end_matches('/'), &staged, &settings, &common.key, &results);
    publisher.finish(written).await
}
