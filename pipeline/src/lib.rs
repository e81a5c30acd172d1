//! cpi: independent measurement of the Flemish spearhead-cluster policy indicators CPI 6, 7
//! and 8 from the KBO/BCE register, NBB annual accounts and the clusters' member lists.
//!
//! Data flows one way: inputs (Rust parses and checks them) -> tables registered in a
//! DataFusion session -> the sql/ steps -> Parquet outputs and a manifest.

pub mod config;
pub mod enterprise_number;
pub mod error;
pub mod generate;
pub mod ingest;
pub mod inputs;
pub mod method;
pub mod outputs;
pub mod parallel;
pub mod progress;
pub mod publish;
pub mod storage;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use datafusion::arrow::array::{Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::SchemaRef;
use std::sync::Arc;

use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use serde::Serialize;

use crate::config::Settings;
use crate::error::{CpiError, Result};
use crate::inputs::{accounts, kbo, members, totals, FileCounts, InputLog};
use crate::outputs::OutputFile;
use crate::publish::Publisher;
use crate::storage::Location;

/// The published tables: file name, the view of sql/ that fills it, and whether it has rows
/// per reference year (the others are written once, whatever the years).
pub const OUTPUT_TABLES: [(&str, &str, bool); 9] = [
    ("cpi6_investment.parquet", "output_cpi6_investment", true),
    ("member_flows.parquet", "output_member_flows", true),
    ("cpi7_turnover.parquet", "output_cpi7_turnover", true),
    ("cpi8_employment.parquet", "output_cpi8_employment", true),
    ("productivity.parquet", "output_productivity", true),
    ("cpi_breakdowns.parquet", "output_cpi_breakdowns", true),
    ("indicators.parquet", "output_indicators", true),
    ("exclusions.parquet", "output_exclusions", true),
    ("nace_concordance.parquet", "output_nace_concordance", false),
];
pub const REJECTS_FILE: &str = "rejects.parquet";
pub const MANIFEST_FILE: &str = "manifest.json";

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
    /// Where to write the unsuppressed breakdowns for internal use (`--confidential`).
    pub confidential: Option<String>,
}

/// The view behind the unsuppressed breakdowns that `--confidential` writes.
pub const CONFIDENTIAL_VIEW: &str = "output_cpi_breakdowns_confidential";

/// Which form of the breakdowns a run wrote, for the manifest.
#[derive(Debug, Serialize)]
pub struct Disclosure {
    /// The output folder's cpi_breakdowns.parquet: always the suppressed form.
    pub published: &'static str,
    pub min_firms: i64,
    pub max_firm_share: f64,
    /// `--confidential`: where the unsuppressed table went, and its file; NULL when not asked.
    pub confidential_location: Option<String>,
    pub confidential_outputs: Vec<OutputFile>,
}

/// What a run did, as written to manifest.json.
#[derive(Debug, Serialize)]
pub struct Manifest {
    pub tool: ToolInfo,
    pub reference_years: Vec<i32>,
    pub started_at: String,
    pub seconds: f64,
    pub config_source: String,
    pub config: config::Config,
    /// `--input` and `--output` as given (a path or an `s3://`, `gs://`, `az://` URL).
    pub input_location: String,
    pub output_location: String,
    pub kbo: kbo::KboMeta,
    pub inputs: Vec<InputFile>,
    pub input_rows: Vec<FileCounts>,
    pub method_counts: BTreeMap<String, i64>,
    pub outputs: Vec<OutputFile>,
    pub disclosure: Disclosure,
    /// Things a reader should know (low coverage, tiny samples, benchmark far from official
    /// totals). The run still succeeds.
    pub warnings: Vec<String>,
    pub timings: Vec<method::StepTiming>,
}

#[derive(Debug, Serialize)]
pub struct ToolInfo {
    pub name: &'static str,
    pub version: &'static str,
    pub git_commit: &'static str,
}

#[derive(Debug, Serialize)]
pub struct InputFile {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

pub fn session() -> SessionContext {
    session_with_limit(None).expect("a session without memory limit always builds")
}

/// A session whose operators (sorts, aggregates, joins) share a pool of `memory_limit` bytes
/// and spill to temporary files beyond it, instead of failing.
pub fn session_with_limit(memory_limit: Option<usize>) -> Result<SessionContext> {
    let config = SessionConfig::new()
        .with_information_schema(false)
        // Strings from Parquet as plain Utf8, as every reader of our outputs expects.
        .set_bool("datafusion.execution.parquet.schema_force_view_types", false);
    let mut runtime = RuntimeEnvBuilder::new();
    if let Some(limit) = memory_limit {
        runtime = runtime.with_memory_pool(Arc::new(FairSpillPool::new(limit)));
    }
    Ok(SessionContext::new_with_config_rt(config, runtime.build_arc()?))
}

/// Parses a memory size such as `4G`, `512M` or a number of bytes.
pub fn parse_memory(text: &str) -> Result<usize> {
    let t = text.trim().to_ascii_uppercase();
    let (number, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t.as_str(), ""),
    };
    let factor: f64 = match unit.trim_end_matches("IB").trim_end_matches('B') {
        "" => 1.0,
        "K" => 1024.0,
        "M" => 1024.0 * 1024.0,
        "G" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(CpiError::Config(format!("--memory-limit {text:?}: use a size such as 4G or 512M"))),
    };
    let value: f64 = number.trim().parse().map_err(|_| CpiError::Config(format!("--memory-limit {text:?}: use a size such as 4G or 512M")))?;
    let bytes = (value * factor) as usize;
    // Below about 512 MiB DataFusion has been seen to stall an aggregate with a sort.
    if bytes < 512 * 1024 * 1024 {
        return Err(CpiError::Config(format!("--memory-limit {text:?} is below the 512M minimum")));
    }
    Ok(bytes)
}

/// Reads and checks every input and registers it as a table. Returns the extract's meta data.
pub async fn load_inputs(
    ctx: &SessionContext,
    input: &Location,
    settings: &Settings,
    log: &mut InputLog,
) -> Result<LoadedInputs> {
    let extract = kbo::open(input).await?;
    tracing::info!(source = %extract.source, snapshot = %extract.meta.snapshot_date, extract = %extract.meta.extract_number, "KBO extract");
    extract.register(ctx).await?;

    let lists = members::read(input, log).await?;
    method::register_batch(ctx, "clusters", lists.clusters)?;
    method::register_batch(ctx, "members", lists.members)?;
    method::register_batch(ctx, "official_totals", totals::read(input, log).await?)?;

    let started = Instant::now();
    let rubrics = method::rubric_codes(settings)?;
    let rules = accounts::AccountRules {
        max_exercise_months: settings.config.accounts.max_exercise_months,
        fte_rubrics: rubrics.iter().filter(|(m, _)| m == "fte").map(|(_, r)| r.clone()).collect(),
        keep: Some((rubrics.into_iter().map(|(_, r)| r).collect(), settings.config.accounts.period.clone())),
    };
    let spill = accounts::SpillFolder::new()?;
    let files = accounts::read(input, &rules, &spill, log).await?;
    tracing::info!(files = files.len(), seconds = started.elapsed().as_secs_f64(), "accounts read and checked");
    let options = ParquetReadOptions::default();
    ctx.register_parquet("accounts", spill.values().to_string_lossy().as_ref(), options.clone()).await?;
    ctx.register_parquet("account_filings", spill.filings().to_string_lossy().as_ref(), options).await?;
    method::register_batch(ctx, "account_files", method::account_files_batch(&files)?)?;

    method::register_settings(ctx, settings)?;
    Ok(LoadedInputs { extract, _spill: spill })
}

/// The registered inputs; the temporary files behind them live as long as this does.
pub struct LoadedInputs {
    pub extract: kbo::KboExtract,
    _spill: accounts::SpillFolder,
}

pub async fn run(opts: &RunOptions) -> Result<Manifest> {
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let clock = Instant::now();
    let settings = Settings::load(opts.config.as_deref())?;
    if let Some(confidential) = &opts.confidential {
        // The unsuppressed table must never land in (or replace) the folder that is published.
        let (c, o) = (confidential.trim_end_matches('/'), opts.output.trim_end_matches('/'));
        if c == o || c.starts_with(&format!("{o}/")) || o.starts_with(&format!("{c}/")) {
            return Err(CpiError::Config(format!(
                "--confidential {confidential} must be a folder outside --output {} (it holds unsuppressed figures)",
                opts.output
            )));
        }
    }
    let input = Location::open(&opts.input).await?;
    let publisher = Publisher::prepare(&opts.output, opts.overwrite).await?;
    let confidential = match &opts.confidential {
        Some(location) => Some(Publisher::prepare(location, opts.overwrite).await?),
        None => None,
    };
    let confidential_staging = confidential.as_ref().map(Publisher::staging).transpose()?;
    match compute_and_write(opts, &settings, &input, &publisher.staging()?, confidential_staging.as_ref(), started_at, clock).await {
        Ok(manifest) => {
            // The internal copy first: the published folder appears only when both are complete.
            if let Some(p) = confidential {
                p.publish().await?;
            }
            publisher.publish().await?;
            Ok(manifest)
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
    settings: &Settings,
    input: &Location,
    staging: &Location,
    confidential: Option<&Location>,
    started_at: String,
    clock: Instant,
) -> Result<Manifest> {
    let ctx = session_with_limit(opts.memory_limit)?;
    let mut log = InputLog::default();
    let loaded = load_inputs(&ctx, input, settings, &mut log).await?;
    let extract = &loaded.extract;
    // `params` of the first year for the year-independent steps (they only read the period).
    method::register_params(&ctx, settings, opts.years[0])?;
    let mut timings = method::run_common_steps(&ctx).await?;
    collect_sql_rejects(&ctx, &mut log).await?;
    log.relative_to(&input.display);

    // Each reference year in turn; the outputs collect one block of rows per year.
    let mut tables: Vec<(SchemaRef, Vec<RecordBatch>)> = vec![];
    let mut unsuppressed: Option<(SchemaRef, Vec<RecordBatch>)> = None;
    let mut warnings = vec![];
    for &year in &opts.years {
        timings.extend(method::run_year_steps(&ctx, settings, year).await?);
        if confidential.is_some() {
            let df = ctx.table(CONFIDENTIAL_VIEW).await?;
            let schema = df.schema().inner().clone();
            let batches = df.collect().await?;
            unsuppressed.get_or_insert_with(|| (schema, vec![])).1.extend(batches);
        }
        for (i, (_, view, per_year)) in OUTPUT_TABLES.iter().enumerate() {
            if !per_year && year != opts.years[0] {
                continue;
            }
            let df = ctx.table(*view).await?;
            let schema = df.schema().inner().clone();
            let batches = df.collect().await?;
            match tables.get_mut(i) {
                Some((_, all)) => all.extend(batches),
                None => tables.push((schema, batches)),
            }
        }
        let prefix = if opts.years.len() > 1 { format!("T={year} ") } else { String::new() };
        warnings.extend(run_warnings(&ctx).await?.into_iter().map(|w| format!("{prefix}{w}")));
    }

    let metadata = BTreeMap::from([
        ("cpi.version".to_string(), env!("CARGO_PKG_VERSION").to_string()),
        ("cpi.reference_year".to_string(), years_label(&opts.years)),
        ("kbo.snapshot_date".to_string(), extract.meta.snapshot_iso()),
        ("kbo.extract_number".to_string(), extract.meta.extract_number.clone()),
    ]);
    let mut outputs = vec![];
    for ((file, _, _), (schema, batches)) in OUTPUT_TABLES.iter().zip(tables) {
        let file = *file;
        let (bytes, rows) = outputs::parquet_bytes(schema, &batches, &metadata)?;
        outputs.push(OutputFile { file: file.to_string(), rows, bytes: bytes.len() as u64, sha256: outputs::sha256_hex(&bytes) });
        staging.put(file, bytes).await?;
        tracing::info!(file, rows, "output written");
    }
    let mut confidential_outputs = vec![];
    if let (Some(location), Some((schema, batches))) = (confidential, unsuppressed) {
        let mut internal = metadata.clone();
        internal.insert("cpi.disclosure".into(), "unsuppressed: for internal use only, not for publication".into());
        let (bytes, rows) = outputs::parquet_bytes(schema, &batches, &internal)?;
        let file = OutputFile { file: "cpi_breakdowns.parquet".into(), rows, bytes: bytes.len() as u64, sha256: outputs::sha256_hex(&bytes) };
        location.put(&file.file, bytes).await?;
        let note = serde_json::json!({
            "note": "Unsuppressed CPI 7 and CPI 8 breakdowns for internal use: cells below the disclosure thresholds are NOT hidden. Do not publish.",
            "published_outputs": opts.output.trim_end_matches('/'),
            "reference_years": opts.years,
            "kbo": extract.meta,
            "outputs": [&file],
        });
        location.put(MANIFEST_FILE, serde_json::to_vec_pretty(&note).map_err(|e| CpiError::Internal(e.to_string()))?).await?;
        confidential_outputs.push(file);
    }
    let rejects = outputs::rejects_batch(&log.rejects)?;
    let (bytes, rows) = outputs::parquet_bytes(rejects.schema(), &[rejects], &metadata)?;
    outputs.push(OutputFile { file: REJECTS_FILE.into(), rows, bytes: bytes.len() as u64, sha256: outputs::sha256_hex(&bytes) });
    staging.put(REJECTS_FILE, bytes).await?;

    let mut input_rows = log.counts();
    input_rows.extend(kbo_counts(extract)?);
    let prefix = format!("{}/", input.display);
    input_rows.iter_mut().for_each(|f| f.file = f.file.trim_start_matches(&prefix).to_string());
    for f in &input_rows {
        let share = f.rows_rejected as f64 / f.rows_read.max(1) as f64;
        if share > settings.config.warnings.max_reject_share {
            let w = format!("{}: {} of {} rows rejected ({:.1} %), see rejects.parquet", f.file, f.rows_rejected, f.rows_read, 100.0 * share);
            tracing::warn!("{w}");
            warnings.push(w);
        }
    }

    let manifest = Manifest {
        tool: ToolInfo { name: "cpi", version: env!("CARGO_PKG_VERSION"), git_commit: env!("CPI_GIT_COMMIT") },
        reference_years: opts.years.clone(),
        started_at,
        seconds: 0.0,
        config_source: settings.source.clone(),
        config: settings.config.clone(),
        input_location: input.display.clone(),
        output_location: opts.output.trim_end_matches('/').to_string(),
        kbo: extract.meta.clone(),
        inputs: hash_inputs(input).await?,
        input_rows,
        method_counts: method_counts(&ctx).await?,
        outputs,
        disclosure: Disclosure {
            published: "suppressed",
            min_firms: settings.config.disclosure.min_firms,
            max_firm_share: settings.config.disclosure.max_firm_share,
            confidential_location: opts.confidential.as_ref().map(|c| c.trim_end_matches('/').to_string()),
            confidential_outputs,
        },
        warnings,
        timings,
    };
    let manifest = Manifest { seconds: clock.elapsed().as_secs_f64(), ..manifest };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| CpiError::Internal(e.to_string()))?;
    staging.put(MANIFEST_FILE, json).await?;
    Ok(manifest)
}

/// Parses `--year`: one year (`2024`) or an inclusive range (`2019..2024`).
pub fn parse_years(text: &str) -> Result<Vec<i32>> {
    let bad = || CpiError::Config(format!("--year {text:?}: expected a year like 2024 or a range like 2019..2024"));
    let year = |s: &str| s.trim().parse::<i32>().ok().filter(|y| (1900..=2200).contains(y)).ok_or_else(bad);
    match text.split_once("..") {
        None => Ok(vec![year(text)?]),
        Some((from, to)) => {
            let (from, to) = (year(from)?, year(to)?);
            if from > to {
                return Err(bad());
            }
            Ok((from..=to).collect())
        }
    }
}

fn years_label(years: &[i32]) -> String {
    match years {
        [one] => one.to_string(),
        [first, .., last] => format!("{first}..{last}"),
        [] => String::new(),
    }
}

/// A text column of a query result as plain strings (SQL VARCHAR may come back as Utf8View).
fn text_column(batch: &RecordBatch, i: usize) -> Result<StringArray> {
    let column = datafusion::arrow::compute::cast(batch.column(i), &datafusion::arrow::datatypes::DataType::Utf8)?;
    Ok(column.as_any().downcast_ref::<StringArray>().expect("cast to Utf8").clone())
}

/// The warnings of sql/90_outputs.sql, logged and returned for the manifest.
async fn run_warnings(ctx: &SessionContext) -> Result<Vec<String>> {
    let mut warnings = vec![];
    for batch in ctx.table("output_warnings").await?.collect().await? {
        let (indicator, cluster, message) = (text_column(&batch, 0)?, text_column(&batch, 1)?, text_column(&batch, 2)?);
        for i in 0..batch.num_rows() {
            let w = format!("{} {}: {}", indicator.value(i), cluster.value(i), message.value(i));
            tracing::warn!("{w}");
            warnings.push(w);
        }
    }
    Ok(warnings)
}

/// `cpi verify`: every output listed in manifest.json has the recorded size and SHA-256, and
/// the folder holds nothing else. Works on any location. Returns the files checked.
pub async fn verify(output: &str) -> Result<Vec<String>> {
    let dir = Location::connect(output)?;
    let manifest_name = dir.name_of(MANIFEST_FILE);
    if !dir.exists(MANIFEST_FILE).await? {
        return Err(CpiError::bad_input(&manifest_name, "missing: the folder holds no complete run (a publish may be under way or was interrupted)"));
    }
    let text = dir.get(MANIFEST_FILE).await?;
    let manifest: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|e| CpiError::bad_input(&manifest_name, format!("not valid JSON: {e}")))?;
    let listed = manifest["outputs"].as_array().cloned().unwrap_or_default();
    let present = dir.list("").await?;
    let mut problems = vec![];
    let mut checked = vec![];
    for o in &listed {
        let file = o["file"].as_str().unwrap_or_default();
        if !present.iter().any(|p| p.path == file) {
            problems.push(format!("{file}: missing"));
        } else {
            let bytes = dir.get(file).await?;
            if Some(bytes.len() as u64) != o["bytes"].as_u64() {
                problems.push(format!("{file}: {} bytes, the manifest says {}", bytes.len(), o["bytes"]));
            } else if Some(outputs::sha256_hex(&bytes).as_str()) != o["sha256"].as_str() {
                problems.push(format!("{file}: SHA-256 differs from the manifest"));
            }
        }
        checked.push(file.to_string());
    }
    for p in &present {
        if p.path != MANIFEST_FILE && !checked.contains(&p.path) {
            problems.push(format!("{}: not listed in the manifest", p.path));
        }
    }
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(CpiError::bad_input(manifest_name, format!("outputs do not match: {}", problems.join("; "))))
    }
}

/// `cpi explain`: every SQL statement with the logical plan DataFusion makes of it, on the
/// given inputs (each statement runs, so the next one can be planned).
pub async fn explain(input: &str, year: i32, config: Option<&std::path::Path>) -> Result<String> {
    let settings = Settings::load(config)?;
    let location = Location::open(input).await?;
    let ctx = session();
    let mut log = InputLog::default();
    let _loaded = load_inputs(&ctx, &location, &settings, &mut log).await?;
    method::register_params(&ctx, &settings, year)?;
    method::explain_steps(&ctx).await
}

/// Rows rejected by the SQL checks (duplicate rubric values), added to the input log.
async fn collect_sql_rejects(ctx: &SessionContext, log: &mut InputLog) -> Result<()> {
    let sql = "SELECT file, CAST(line AS BIGINT) AS line, rubric_code, reason FROM account_duplicate ORDER BY file_id, line";
    for batch in ctx.sql(sql).await?.collect().await? {
        let (file, rubric, reason) = (text_column(&batch, 0)?, text_column(&batch, 2)?, text_column(&batch, 3)?);
        let line = batch
            .column(1)
            .as_any()
            .downcast_ref::<Int64Array>()
            .cloned()
            .ok_or_else(|| CpiError::Internal("account_duplicate.line is not BIGINT".into()))?;
        for i in 0..batch.num_rows() {
            log.reject(file.value(i), line.value(i) as u64, "rubric_code", rubric.value(i), reason.value(i));
        }
    }
    Ok(())
}

/// Rows of each KBO file, counted as CSV records (quoted line breaks do not end a record). The
/// register is used as published: no row is rejected.
fn kbo_counts(extract: &kbo::KboExtract) -> Result<Vec<FileCounts>> {
    let tables: Vec<(&str, &std::path::Path)> = extract.tables().map(|(_, name, path)| (name, path)).collect();
    let counts = parallel::map(&tables, |_, (name, path)| {
        if path.extension().is_some_and(|e| e == "parquet") {
            parquet_rows(path, name)
        } else {
            inputs::csv_file::count_records(path, name)
        }
    });
    tables
        .iter()
        .zip(counts)
        .map(|((name, _), n)| {
            let n = n?;
            Ok(FileCounts { file: name.to_string(), rows_read: n, rows_used: n, rows_rejected: 0 })
        })
        .collect()
}

/// Rows of a Parquet file, from its footer.
fn parquet_rows(path: &std::path::Path, name: &str) -> Result<u64> {
    use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};
    let file = std::fs::File::open(path).map_err(|e| CpiError::io(name, e))?;
    let reader = SerializedFileReader::new(file).map_err(|e| CpiError::bad_input(name, e.to_string()))?;
    Ok(reader.metadata().file_metadata().num_rows() as u64)
}

/// `cpi validate`: reads and checks every input without computing the indicators.
pub async fn validate(input: &str, config: Option<&std::path::Path>) -> Result<ValidationReport> {
    let settings = Settings::load(config)?;
    let location = Location::open(input).await?;
    let ctx = session();
    let mut log = InputLog::default();
    let loaded = load_inputs(&ctx, &location, &settings, &mut log).await?;
    let extract = &loaded.extract;
    // The checks read the accounting period from `params`; any year will do, none is computed.
    method::register_params(&ctx, &settings, 2000)?;
    method::run_account_checks(&ctx).await?;
    collect_sql_rejects(&ctx, &mut log).await?;
    let mut files = log.counts();
    files.extend(kbo_counts(extract)?);
    Ok(ValidationReport { input: input.to_string(), kbo: extract.meta.clone(), files, rejects: log.rejects })
}

/// What `cpi validate` found, printed as a readable report.
pub struct ValidationReport {
    pub input: String,
    pub kbo: kbo::KboMeta,
    pub files: Vec<FileCounts>,
    pub rejects: Vec<inputs::Reject>,
}

impl std::fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const EXAMPLES: usize = 3;
        writeln!(f, "inputs: {}", self.input)?;
        writeln!(f, "KBO extract {} of {} (full)", self.kbo.extract_number, self.kbo.snapshot_date)?;
        for file in &self.files {
            writeln!(
                f,
                "  {}: {} rows read, {} accepted, {} rejected",
                file.file, file.rows_read, file.rows_used, file.rows_rejected
            )?;
            let mut by_reason: BTreeMap<&str, Vec<&inputs::Reject>> = BTreeMap::new();
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

/// Counts of what the method kept and set aside, for the manifest.
async fn method_counts(ctx: &SessionContext) -> Result<BTreeMap<String, i64>> {
    let sql = "SELECT 'filings_' || status AS k, count(*) AS n FROM filing_status GROUP BY status
               UNION ALL SELECT 'companies_in_register', count(*) FROM company
               UNION ALL SELECT 'companies_seated_in_flanders', count(*) FROM company WHERE region = 'Flanders'
               UNION ALL SELECT 'companies_with_main_nace', count(nace_code) FROM company
               UNION ALL SELECT 'companies_nace_2008_converted_to_2025', count(*) FROM company WHERE nace_2025_converted
               UNION ALL SELECT 'company_years_with_figures', count(*) FROM annual_figures
               UNION ALL SELECT 'company_years_scaled_to_12_months', count(*) FROM annual_figures WHERE scaled_to_12_months
               UNION ALL SELECT 'company_years_value_added_level_1', count(*) FROM annual_figures WHERE value_added_level = 1
               UNION ALL SELECT 'company_years_value_added_level_2', count(*) FROM annual_figures WHERE value_added_level = 2";
    let mut counts = BTreeMap::new();
    for batch in ctx.sql(sql).await?.collect().await? {
        let k = text_column(&batch, 0)?;
        let n = batch.column(1).as_any().downcast_ref::<Int64Array>();
        if let Some(n) = n {
            for i in 0..k.len() {
                counts.insert(k.value(i).to_string(), n.value(i));
            }
        }
    }
    Ok(counts)
}

/// Size and SHA-256 of every input file, so a run can be tied to exactly what it read.
async fn hash_inputs(input: &Location) -> Result<Vec<InputFile>> {
    let entries = input.list("").await?;
    let hashes = parallel::map(&entries, |_, entry| outputs::sha256_file(&input.local_file(&entry.path)));
    entries
        .into_iter()
        .zip(hashes)
        .map(|(entry, sha256)| Ok(InputFile { file: entry.path, bytes: entry.size, sha256: sha256? }))
        .collect()
}
