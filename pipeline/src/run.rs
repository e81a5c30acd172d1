//! `cpi run`: stage the inputs, compute, write every output of the catalogue and the manifest
//! into a staging folder, and publish it atomically (publish.rs).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use crate::{catalogue, guards};
use crate::config::Settings;
use crate::error::{CpiError, Result};
use crate::manifest::{self, Disclosure, Manifest, ReportFile, StagedCopyUse, ToolInfo, MANIFEST_FILE, REPORT_FILE};
use crate::outputs::{self, OutputFile};
use crate::pipeline::{Computed, Pipeline};
use crate::publish::Publisher;
use crate::report::{format::Language, Published};
use crate::storage::Location;
use crate::summary::SummaryRow;

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub input: String,
    pub output: String,
    /// Reference years, in order; outputs hold one row per year and cluster.
    pub years: Vec<i32>,
    pub config: Option<PathBuf>,
    pub overwrite: bool,
    /// Memory for DataFusion's operators; beyond it they spill to disk.
    pub memory_limit: Option<usize>,
    /// Where to write the unsuppressed tables for internal use (`--confidential`).
    pub confidential: Option<String>,
    /// The language of report.html.
    pub report_language: Language,
    /// Wait for another run's lock on the output folder instead of stopping (lock.rs).
    pub wait: bool,
}

impl RunOptions {
    /// A run of `years` from `input` into `output` with the shipped settings.
    pub fn new(input: impl Into<String>, output: impl Into<String>, years: Vec<i32>) -> RunOptions {
        RunOptions { input: input.into(), output: output.into(), years, config: None, overwrite: false, memory_limit: None, confidential: None, report_language: Language::Nl, wait: false }
    }
}

/// What `cpi run` computed: the manifest it published, and the headline figures of its public
/// tables for a person at a terminal (`summary::render`; not in the manifest).
#[derive(Debug)]
pub struct Outcome {
    pub manifest: Manifest,
    pub summary: Vec<SummaryRow>,
}

pub async fn run(opts: &RunOptions) -> Result<Outcome> {
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let clock = Instant::now();
    if opts.years.is_empty() {
        return Err(CpiError::Config("no reference year given".into()));
    }
    let settings = Settings::load(opts.config.as_deref())?;
    if let Some(confidential) = &opts.confidential {
        // The unsuppressed tables must never land in (or replace) the folder that is published.
        let (c, o) = (confidential.trim_end_matches('/'), opts.output.trim_end_matches('/'));
        if c == o || c.starts_with(&format!("{o}/")) || o.starts_with(&format!("{c}/")) {
            return Err(CpiError::Config(format!(
                "--confidential {confidential} must be a folder outside --output {} (it holds unsuppressed figures)",
                opts.output
            )));
        }
    }
    let publisher = Publisher::prepare(&opts.output, opts.overwrite, "run", opts.wait).await?;
    let confidential = match &opts.confidential {
        Some(location) => match Publisher::prepare(location, opts.overwrite, "run", opts.wait).await {
            Ok(p) => Some(p),
            Err(e) => {
                publisher.abandon().await;
                return Err(e);
            }
        },
        None => None,
    };
    // (an error anywhere from here on abandons both staging folders and releases both locks)
    let stagings = publisher.staging().and_then(|s| Ok((s, confidential.as_ref().map(Publisher::staging).transpose()?)));
    let result = match stagings {
        Ok((staging, confidential_staging)) => compute_and_write(opts, settings, &staging, confidential_staging.as_ref(), started_at, clock).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(outcome) => {
            // The internal copy first: the published folder appears only when both are complete.
            if let Some(p) = confidential {
                p.publish().await?;
            }
            publisher.publish().await?;
            Ok(outcome)
        }
        Err(e) => {
            publisher.abandon().await;
            if let Some(p) = confidential {
                p.abandon().await;
            }
            Err(e)
        }
    }
}

async fn compute_and_write(
    opts: &RunOptions,
    settings: Settings,
    staging: &Location,
    confidential: Option<&Location>,
    started_at: String,
    clock: Instant,
) -> Result<Outcome> {
    let pipeline = Pipeline::new(settings)?.with_memory_limit(opts.memory_limit)?;
    let staged = pipeline.stage(&opts.input).await?;
    // Right or stopped: VAT turnover asked for and none given would leave every small filer
    // without turnover while the settings say otherwise.
    if pipeline.settings().config.growth.turnover_from_vat && pipeline.staged_rows(&staged, &["vat_turnover"]).await?.get("vat_turnover").copied().unwrap_or(0) == 0 {
        return Err(CpiError::Config("growth.turnover_from_vat is true, but the input has no VAT turnover rows (vat/*.csv: enterprise_number, year, turnover, source)".into()));
    }
    let Computed { published, warnings: mut all_warnings, year_counts, common_from_copy, timings } = pipeline.compute(&staged, &opts.years).await?;
    let take = |name: &str| published.get(name).ok_or_else(|| CpiError::Internal(format!("{name} was not published")));

    // The guards (guards.rs), before anything is written: a run whose numbers cannot be right
    // stops here.
    let input_rows = manifest::input_rows(&take(manifest::INPUT_ROWS)?.1)?;
    let method_counts: BTreeMap<String, i64> = manifest::method_counts(&take(manifest::METHOD_COUNTS)?.1)?.into_iter().chain(year_counts).collect();
    let rejects = take(manifest::REJECTS)?.1.iter().map(|b| b.num_rows() as u64).sum();
    let staged_rows = pipeline.staged_rows(&staged, &["account_filings", "members"]).await?;
    guards::check(&guards::Facts { input_rows: &input_rows, counts: &method_counts, years: &opts.years, rejects, staged_rows: &staged_rows })?;

    let metadata = BTreeMap::from([
        ("cpi.version".to_string(), env!("CARGO_PKG_VERSION").to_string()),
        ("cpi.reference_year".to_string(), years_label(&opts.years)),
        ("kbo.snapshot_date".to_string(), staged.kbo.snapshot_iso()),
        ("kbo.extract_number".to_string(), staged.kbo.extract_number.clone()),
    ]);
    let mut outputs = vec![];
    let mut confidential_outputs = vec![];
    // (the public tables' rows as written, for the report)
    let mut public_rows = BTreeMap::new();
    for output in catalogue::outputs()? {
        if output.public {
            let (schema, batches) = take(&output.view)?;
            let (schema, batches) = output.conform(schema, batches)?;
            public_rows.insert(output.file.trim_end_matches(".parquet").to_string(), crate::rows::rows_of(&batches)?);
            let file = encode(&output.file, &schema, &batches, &metadata)?;
            staging.put(&output.file, file.1).await?;
            tracing::info!(file = output.file, rows = file.0.rows, "output written");
            outputs.push(file.0);
        }
        // The unsuppressed form of a published table, or a table that is never published.
        let confidential_view = if output.public { output.confidential_view.as_ref() } else { Some(&output.view) };
        if let (Some(location), Some(view)) = (confidential, confidential_view) {
            let (schema, batches) = take(view)?;
            let (schema, batches) = output.conform(schema, batches)?;
            let mut internal = metadata.clone();
            internal.insert("cpi.disclosure".into(), "unsuppressed: for internal use only, not for publication".into());
            let (record, bytes) = encode(&output.file, &schema, &batches, &internal)?;
            location.put(&output.file, bytes).await?;
            confidential_outputs.push(record);
        }
    }
    if let Some(location) = confidential {
        let note = serde_json::json!({
            "note": "Unsuppressed tables for internal use: cells below the disclosure thresholds are NOT hidden. Do not publish.",
            "published_outputs": opts.output.trim_end_matches('/'),
            "reference_years": opts.years,
            "kbo": staged.kbo,
            "outputs": &confidential_outputs,
        });
        location.put(MANIFEST_FILE, serde_json::to_vec_pretty(&note).map_err(|e| CpiError::Internal(e.to_string()))?).await?;
    }

    for w in manifest::input_warnings(&take(manifest::INPUT_WARNINGS)?.1)? {
        tracing::warn!("{w}");
        all_warnings.push(w);
    }
    let summary = crate::summary::rows(&take("run_summary")?.1)?;
    let settings = pipeline.settings();
    let manifest = Manifest {
        tool: ToolInfo::current(),
        reference_years: opts.years.clone(),
        started_at,
        seconds: 0.0,
        config_source: settings.source.clone(),
        config: settings.config.clone(),
        input_location: opts.input.trim_end_matches('/').to_string(),
        output_location: opts.output.trim_end_matches('/').to_string(),
        staged_copy: staged.copy.as_ref().map(|c| StagedCopyUse { record_sha256: c.record_sha256.clone(), common_results_from_copy: common_from_copy }),
        kbo: staged.kbo.clone(),
        inputs: staged.inputs.clone(),
        input_rows,
        method_counts,
        outputs,
        disclosure: Disclosure {
            published: "suppressed",
            min_firms: settings.config.disclosure.min_firms,
            max_firm_share: settings.config.disclosure.max_firm_share,
            dominance_n: settings.config.disclosure.dominance_n,
            p_percent: settings.config.disclosure.p_percent,
            audit_differences: settings.config.disclosure.audit_differences,
            confidential_location: opts.confidential.as_ref().map(|c| c.trim_end_matches('/').to_string()),
            confidential_outputs,
        },
        warnings: all_warnings,
        timings: staged.timings.iter().cloned().chain(timings).collect(),
        spill_files: pipeline.spill_files(),
        report: None,
    };
    // The report is built from the public tables as written (the same conformed batches), as
    // `cpi report` builds it from a published folder: it can only show what they hold.
    let published = Published { manifest: serde_json::to_value(&manifest).map_err(|e| CpiError::Internal(e.to_string()))?, tables: public_rows };
    let html = crate::report::render(&published, opts.report_language)?;
    let report = ReportFile::of(&html, opts.report_language.code());
    staging.put(REPORT_FILE, html.into_bytes()).await?;
    tracing::info!(file = REPORT_FILE, language = opts.report_language.code(), "report written");
    let manifest = Manifest { seconds: clock.elapsed().as_secs_f64(), report: Some(report), ..manifest };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| CpiError::Internal(e.to_string()))?;
    staging.put(MANIFEST_FILE, json).await?;
    Ok(Outcome { manifest, summary })
}

/// One output file's bytes and its manifest record.
fn encode(
    file: &str,
    schema: &datafusion::arrow::datatypes::SchemaRef,
    batches: &[datafusion::arrow::array::RecordBatch],
    metadata: &BTreeMap<String, String>,
) -> Result<(OutputFile, Vec<u8>)> {
    let (bytes, rows) = outputs::parquet_bytes(schema.clone(), batches, metadata)?;
    Ok((OutputFile { file: file.to_string(), rows, bytes: bytes.len() as u64, sha256: crate::lineage::sha256_hex(&bytes) }, bytes))
}

fn years_label(years: &[i32]) -> String {
    match years {
        [one] => one.to_string(),
        [first, .., last] => format!("{first}..{last}"),
        [] => String::new(),
    }
}
