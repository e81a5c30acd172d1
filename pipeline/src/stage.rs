//! Stage 1: every input turned into checked tables with a declared schema, plus the rows that
//! could not be used. The method (stage 2, the sql/ steps) reads these tables and nothing else,
//! so it never sees a file format: the same steps run on tables staged in memory and temporary
//! files during a run on published inputs, or on a staged copy written by `cpi ingest` (local or
//! on object storage).
//!
//! The tables (each declared with its columns in schemas/staged/, checked by [`register_staged`]):
//! - `kbo_enterprise`, `kbo_establishment`, `kbo_activity`, `kbo_address`, `kbo_code`: the
//!   register as published, every column text (inputs/kbo.rs);
//! - `accounts`, `account_filings`, `account_files`: the checked account rows (inputs/accounts.rs);
//! - `clusters`, `members`: the member lists (inputs/members.rs); `official_totals` (inputs/totals.rs); `vat_turnover` (inputs/vat.rs);
//! - `input_rejects` (file, line, field, raw value, reason) and `input_files` (rows read per
//!   file), from which sql/15 builds rejects.parquet and the row counts of the manifest, and
//!   `input_counts` (what the readers counted besides rows, for the manifest).
//!
//! The settings tables are stage 1 too, but of the run's own settings (settings_tables.rs).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Int32Array, Int64Array, RecordBatch, StringArray, UInt64Array};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::datasource::MemTable;
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionContext};
use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::error::Result;
use crate::inputs::{account_rows, accounts, kbo, members, pfs_xbrl, totals, InputLog};
use crate::lineage::InputFile;
use crate::storage::Location;
use crate::{catalogue, parallel, settings_tables};

/// Where a staged table's rows are.
#[derive(Debug, Clone)]
pub enum Source {
    /// In memory (member lists, totals, rejects: small).
    Memory(RecordBatch),
    /// Parquet: one file or a folder of files, as a local path or an object-store URL.
    Parquet(String),
    /// A published CSV file, read with an explicit all-text schema.
    Csv { path: String, schema: SchemaRef },
}

#[derive(Debug, Clone)]
pub struct StagedTable {
    pub name: String,
    pub source: Source,
}

/// The checks on account rows that depend on the settings. A staged copy records them: a run
/// whose settings would check (or keep) rows differently cannot use the copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountChecks {
    /// `accounts.max_exercise_months`: longer exercises are rejected.
    pub max_exercise_months: i32,
    /// Only values of these periods are kept: `accounts.period`, and the comparatives (NM1)
    /// when `accounts.comparatives_fill_missing_years` fills years from them.
    pub periods_kept: Vec<String>,
    /// The rubric map's rubrics: only their values are kept.
    pub rubrics_kept: Vec<String>,
    /// The rubric map's FTE rubrics: a negative value is rejected.
    pub fte_rubrics: Vec<String>,
    /// SHA-256 of the official series table the SDMX totals were read with.
    pub official_series: String,
    /// `accounts.statutory_models`: filings in other models are rejected.
    pub statutory_models: Vec<String>,
    /// The `pfs` XBRL concepts read and the rubrics they are, from config/pfs_concepts.csv or
    /// `accounts.pfs_concepts`, in the table's order.
    pub pfs_concepts: Vec<(String, pfs_xbrl::Concept)>,
}

impl AccountChecks {
    pub fn of(settings: &Settings) -> Result<AccountChecks> {
        let rubrics = settings_tables::rubric_codes(settings)?;
        let sorted = |it: &mut dyn Iterator<Item = String>| {
            let set: std::collections::BTreeSet<String> = it.collect();
            set.into_iter().collect::<Vec<_>>()
        };
        Ok(AccountChecks {
            max_exercise_months: settings.config.accounts.max_exercise_months,
            periods_kept: {
                let a = &settings.config.accounts;
                let mut periods = vec![a.period.clone()];
                if a.comparatives_fill_missing_years && a.period == "N" {
                    periods.push("NM1".to_string());
                }
                periods
            },
            rubrics_kept: sorted(&mut rubrics.iter().map(|(_, r)| r.clone())),
            fte_rubrics: sorted(&mut rubrics.iter().filter(|(m, _)| m == "fte").map(|(_, r)| r.clone())),
            official_series: crate::lineage::sha256_hex(settings.official_series_csv.as_bytes()),
            statutory_models: settings.config.accounts.statutory_models.clone(),
            pfs_concepts: settings_tables::pfs_concepts(settings)?,
        })
    }

    fn rules(&self) -> account_rows::AccountRules {
        account_rows::AccountRules {
            max_exercise_months: self.max_exercise_months,
            fte_rubrics: self.fte_rubrics.iter().cloned().collect(),
            keep: Some((self.rubrics_kept.iter().cloned().collect(), self.periods_kept.clone())),
            statutory_models: self.statutory_models.clone(),
            pfs_concepts: self.pfs_concepts.iter().cloned().collect(),
        }
    }
}

/// Register files a person's check may need beyond the staged tables.
#[derive(Debug, Clone, Default)]
pub struct RegisterFiles {
    pub denomination: Option<std::path::PathBuf>,
    pub address: Option<std::path::PathBuf>,
}

/// Where the tables of a run on a staged copy come from.
pub struct CopyOrigin {
    pub location: Location,
    /// SHA-256 of the copy's record (staged.json), for the manifest.
    pub record_sha256: String,
    /// The settings key of the common steps' results in the copy, and their files
    /// (relation, path in the copy).
    pub common_key: String,
    pub common_tables: Vec<(String, String)>,
}

/// The staged inputs of a run.
pub struct Staged {
    pub tables: Vec<StagedTable>,
    pub kbo: kbo::KboMeta,
    /// The published input files (size and SHA-256), also for a staged copy (as recorded).
    pub inputs: Vec<InputFile>,
    pub checks: AccountChecks,
    /// Set when the tables come from a staged copy.
    pub copy: Option<CopyOrigin>,
    /// Member rows with a name but no number, for `cpi validate` (not kept in a staged copy).
    pub unnumbered: Vec<members::Unnumbered>,
    /// Member rows whose period overlaps another of the same company and cluster, for `cpi validate`.
    pub overlapping: Vec<members::Overlapping>,
    /// Keys of the CBSO documents the reader does not know, for `cpi validate` (not kept in a
    /// staged copy).
    pub unrecognised: Vec<crate::inputs::cbso::UnrecognisedKey>,
    /// The register's names and addresses, for `cpi validate`'s candidates (published inputs only).
    pub register: RegisterFiles,
    /// How long reading the published inputs took, per part (step `stage`; none for a staged
    /// copy): the manifest's first timings, so that a reader's throughput can be measured.
    pub timings: Vec<crate::steps::StepTiming>,
    /// Temporary folders (unzipped extract, checked account rows) that live as long as this.
    _keep: Vec<Box<dyn std::any::Any + Send + Sync>>,
}

impl Staged {
    /// Registers every staged table with a session, under its name.
    pub async fn register(&self, ctx: &SessionContext) -> Result<()> {
        if let Some(copy) = &self.copy {
            copy.location.register_store(ctx)?;
        }
        for t in &self.tables {
            register_staged(ctx, &t.name, &t.source).await?;
        }
        Ok(())
    }

    pub fn table(&self, name: &str) -> Option<&StagedTable> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// From a staged copy (`staged_copy::open` reads it): its tables and what it recorded.
    pub fn from_copy(origin: CopyOrigin, kbo: kbo::KboMeta, inputs: Vec<InputFile>, checks: AccountChecks, tables: Vec<StagedTable>) -> Staged {
        Staged {
            kbo,
            inputs,
            checks,
            tables,
            copy: Some(origin),
            unnumbered: vec![],
            overlapping: vec![],
            unrecognised: vec![],
            register: RegisterFiles::default(),
            timings: vec![],
            _keep: vec![],
        }
    }
}

pub async fn register(ctx: &SessionContext, name: &str, source: &Source) -> Result<()> {
    match source {
        Source::Memory(batch) => {
            let table = MemTable::try_new(batch.schema(), vec![vec![batch.clone()]])?;
            ctx.register_table(name, Arc::new(table))?;
        }
        Source::Parquet(path) => ctx.register_parquet(name, path, ParquetReadOptions::default()).await?,
        Source::Csv { path, schema } => {
            // DataFusion reads a path that does not exist as an empty table: never silently.
            if !Path::new(path).is_file() {
                return Err(crate::error::CpiError::Internal(format!("staged table {name}: its file {path} is gone")));
            }
            let options = CsvReadOptions::new().has_header(true).schema(schema).file_extension(".csv");
            ctx.register_csv(name, path, options).await?;
        }
    }
    Ok(())
}

/// Registers a staged table (of the inputs, the settings or the runner) and checks its columns
/// against its entry in schemas/staged/: stage 2 reads nothing undeclared.
pub async fn register_staged(ctx: &SessionContext, name: &str, source: &Source) -> Result<()> {
    register(ctx, name, source).await?;
    catalogue::check_staged(name, ctx.table_provider(name).await?.schema().as_ref())
}

/// Reads and checks every published input of `input` (a local folder, or a downloaded copy of
/// a remote one).
pub async fn from_inputs(input: &Location, settings: &Settings) -> Result<Staged> {
    let checks = AccountChecks::of(settings)?;
    let mut timings = vec![];
    let mut clock = std::time::Instant::now();
    let mut lap = |creates: &str| {
        let seconds = clock.elapsed().as_secs_f64();
        clock = std::time::Instant::now();
        timings.push(crate::steps::StepTiming { step: "stage".into(), reference_year: None, statement: timings.len() + 1, creates: creates.into(), seconds });
    };
    let extract = kbo::open(input).await?;
    lap("kbo_extract_opened");
    tracing::info!(source = %extract.source, snapshot = %extract.meta.snapshot_date, extract = %extract.meta.extract_number, "KBO extract");
    let mut log = InputLog::default();
    let establishments = extract.path_of("kbo_establishment").expect("an extract has establishment.csv").to_path_buf();
    let lists = members::read(input, &establishments, &mut log).await?;
    let (official, unverified_totals) = totals::read(input, &settings_tables::official_series(settings)?, &mut log).await?;
    let vat = crate::inputs::vat::read(input, &mut log).await?;
    lap("members_and_totals");
    // Rows of each KBO file, counted as CSV records (quoted line breaks do not end a record),
    // and each file's SHA-256 from the same read: on a thread of its own while the accounts are
    // read, so that it fills the time a core would wait for the last account file.
    let kbo_paths: Vec<std::path::PathBuf> = extract.tables().map(|(_, _, p)| p.to_path_buf()).collect();
    let kbo_counting = {
        let paths = kbo_paths.clone();
        std::thread::spawn(move || {
            let size = |p: &std::path::PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            parallel::map_largest_first(&paths, size, |_, p| crate::inputs::csv_file::count_records(p, &p.display().to_string()))
        })
    };
    let started = std::time::Instant::now();
    let spill = account_rows::SpillFolder::new()?;
    let read = accounts::read(input, &checks.rules(), &spill, &mut log).await?;
    tracing::info!(files = read.files.len(), seconds = started.elapsed().as_secs_f64(), "accounts read and checked");
    lap("accounts");
    let kbo_counts = kbo_counting.join().expect("the KBO count does not panic");
    lap("kbo_counted_and_hashed");
    // Outputs name files relative to the input folder, so that they do not depend on where the
    // inputs were (a local folder or a bucket); messages on the terminal keep the full names.
    log.relative_to(&input.display);
    let relative = |name: &str| name.strip_prefix(&format!("{}/", input.display)).unwrap_or(name).to_string();

    let mut tables: Vec<StagedTable> = vec![];
    let mut files: Vec<(String, u64)> = log.files().to_vec();
    for (table, name, path) in extract.tables() {
        let columns = kbo::TABLES.iter().find(|t| t.1 == table).map(|t| t.3).expect("a KBO table");
        let source = Source::Csv { path: path.to_string_lossy().to_string(), schema: Arc::new(kbo::text_schema(columns)) };
        tables.push(StagedTable { name: table.to_string(), source });
        files.push((relative(name), 0));
    }
    // The register is used as published: no row is rejected.
    let mut digests: HashMap<std::path::PathBuf, String> = HashMap::new();
    let first_kbo = files.len() - kbo_paths.len();
    for ((slot, counted), path) in files[first_kbo..].iter_mut().zip(kbo_counts).zip(&kbo_paths) {
        let (rows, sha256) = counted?;
        slot.1 = rows;
        digests.insert(path.clone(), sha256);
    }
    digests.extend(read.digests.iter().map(|(path, sha256)| (input.local_file(path), sha256.clone())));
    let memory = |name: &str, batch: RecordBatch| StagedTable { name: name.to_string(), source: Source::Memory(batch) };
    tables.push(StagedTable { name: "accounts".into(), source: Source::Parquet(spill.values().to_string_lossy().to_string()) });
    tables.push(StagedTable { name: "account_filings".into(), source: Source::Parquet(spill.filings().to_string_lossy().to_string()) });
    tables.push(memory("account_files", account_files_batch(&read.files.iter().map(|f| relative(f)).collect::<Vec<_>>())?));
    tables.push(memory("clusters", lists.clusters));
    tables.push(memory("members", lists.members));
    tables.push(memory("official_totals", official));
    tables.push(memory("vat_turnover", vat));
    tables.push(memory("input_rejects", rejects_batch(&log.rejects)?));
    tables.push(memory("input_files", files_batch(&files)?));
    let mut counts: Vec<(String, i64)> = read.counts.into_iter().chain(lists.counts).collect();
    // official totals read through a mapping of config/official_series.csv not verified against
    // NBB.Stat's published structure (the run warns)
    counts.push(("official_totals_from_unverified_mapping".into(), unverified_totals));
    let unrecognised = read.unrecognised;
    tables.push(memory("input_counts", counts_batch(&counts)?));
    let inputs = hash_inputs(input, &digests).await?;
    lap("other_inputs_hashed");
    let kbo = extract.meta.clone();
    let register = RegisterFiles {
        denomination: extract.denomination.clone(),
        address: extract.path_of("kbo_address").map(Path::to_path_buf),
    };
    // The register's CSVs are read by DataFusion only when the steps run, from the unzipped
    // extract or from the input folder itself: a remote input folder's downloaded copy must live
    // as long as the tables (dropped with the Location, a loose-CSV register on S3 read as empty
    // tables and the run matched no company).
    let _keep: Vec<Box<dyn std::any::Any + Send + Sync>> = vec![Box::new(spill), Box::new(extract.keep_alive()), Box::new(input.clone())];
    Ok(Staged { tables, kbo, inputs, checks, copy: None, unnumbered: lists.unnumbered, overlapping: lists.overlapping, unrecognised, register, timings, _keep })
}

/// `account_files(file_id, file)`: the names behind the accounts table's `file_id`.
fn account_files_batch(files: &[String]) -> Result<RecordBatch> {
    catalogue::staged_batch("account_files", vec![Arc::new(Int32Array::from_iter_values(0..files.len() as i32)), Arc::new(StringArray::from(files.to_vec()))])
}

/// `input_rejects(file, line, field, raw_value, reason)`: the rows the readers rejected.
fn rejects_batch(rejects: &[crate::inputs::Reject]) -> Result<RecordBatch> {
    let text = |f: fn(&crate::inputs::Reject) -> &str| Arc::new(StringArray::from_iter_values(rejects.iter().map(f))) as ArrayRef;
    catalogue::staged_batch(
        "input_rejects",
        vec![
            text(|r| &r.file),
            Arc::new(UInt64Array::from_iter_values(rejects.iter().map(|r| r.line))),
            text(|r| &r.field),
            text(|r| &r.raw_value),
            text(|r| &r.reason),
        ],
    )
}

/// `input_files(file_order, file, rows_read)`: every input file read, with its data rows.
fn files_batch(files: &[(String, u64)]) -> Result<RecordBatch> {
    catalogue::staged_batch(
        "input_files",
        vec![
            Arc::new(Int32Array::from_iter_values(0..files.len() as i32)),
            Arc::new(StringArray::from_iter_values(files.iter().map(|f| f.0.as_str()))),
            Arc::new(Int64Array::from_iter_values(files.iter().map(|f| f.1 as i64))),
        ],
    )
}

/// `input_counts(name, value)`: what the readers counted for the manifest besides rows.
fn counts_batch(counts: &[(String, i64)]) -> Result<RecordBatch> {
    catalogue::staged_batch(
        "input_counts",
        vec![Arc::new(StringArray::from_iter_values(counts.iter().map(|c| c.0.as_str()))), Arc::new(Int64Array::from_iter_values(counts.iter().map(|c| c.1)))],
    )
}

/// Size and SHA-256 of every input file, so a run can be tied to exactly what it read. Files
/// hashed while they were parsed (`known`, by local path) are not read again.
async fn hash_inputs(input: &Location, known: &HashMap<std::path::PathBuf, String>) -> Result<Vec<InputFile>> {
    let entries = input.list("").await?;
    let hashes = parallel::map(&entries, |_, entry| {
        let path = input.local_file(&entry.path);
        match known.get(&path) {
            Some(sha256) => Ok(sha256.clone()),
            None => crate::lineage::sha256_file(&path),
        }
    });
    entries
        .into_iter()
        .zip(hashes)
        .map(|(entry, sha256)| Ok(InputFile { file: entry.path, bytes: entry.size, sha256: sha256? }))
        .collect()
}
