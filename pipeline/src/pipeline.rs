//! The engine every command uses: stage the inputs (stage 1), run the common steps once and the
//! per-year steps for each reference year (stage 2), collect what the steps publish.
//!
//! ```no_run
//! # async fn f() -> cpi::error::Result<()> {
//! let pipeline = cpi::Pipeline::new(cpi::config::Settings::defaults()?)?.with_memory_limit(None)?;
//! let staged = pipeline.stage("data-samples").await?;
//! let computed = pipeline.compute(&staged, &[2023, 2024]).await?;
//! # Ok(()) }
//! ```
//!
//! Each reference year runs in a DataFusion session of its own over the same staged tables and
//! the same results of the common steps (shared, not copied), so a year is data (the one-row
//! `reference_year` table), never a change to another year's catalogue. All sessions share one
//! runtime, so `--memory-limit` bounds them together.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableProvider;
use datafusion::datasource::MemTable;
use datafusion::execution::disk_manager::{DiskManager, DiskManagerBuilder};
use datafusion::execution::memory_pool::{FairSpillPool, TrackConsumersPool};
use datafusion::execution::spill_file::{SpillFile, TempFileFactory};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::prelude::{SessionConfig, SessionContext};

use crate::config::Settings;
use crate::error::{CpiError, Result};
use crate::stage::{self, Source, Staged};
use crate::steps::{self, Scope, StepTiming};
use crate::storage::Location;
use crate::{settings_tables, staged_copy};

/// The rows of a published relation.
pub type Collected = (SchemaRef, Vec<RecordBatch>);

pub struct Pipeline {
    settings: Settings,
    runtime: Arc<RuntimeEnv>,
    spill: Arc<SpillCounter>,
    /// Whether `--memory-limit` bounds the operators' memory.
    memory_limited: bool,
}

/// DataFusion's temporary files, made by its default disk manager and counted: how many files
/// a run spilled to is reported in manifest.json (`spill_files`), so that a scheduler (and the
/// memory test) can see whether `--memory-limit` made the run spill.
struct SpillCounter {
    disk: Arc<DiskManager>,
    files: AtomicU64,
}

impl TempFileFactory for SpillCounter {
    fn create_temp_file(&self, description: &str) -> datafusion::error::Result<Arc<dyn SpillFile>> {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.disk.create_tmp_file(description)
    }
}

impl SpillCounter {
    fn new() -> Result<Arc<SpillCounter>> {
        Ok(Arc::new(SpillCounter { disk: Arc::new(DiskManager::builder().build()?), files: AtomicU64::new(0) }))
    }
}

/// The results of the common steps that later work reads: the relations the per-year steps
/// read (handed to each year's session) and what the common steps publish.
pub struct Common {
    pub handover: Vec<(String, Arc<dyn TableProvider>)>,
    pub published: BTreeMap<String, Collected>,
    /// The settings key the results belong to (see [`Pipeline::common_key`]).
    pub key: String,
    /// Whether they were read from a staged copy instead of computed.
    pub from_copy: bool,
    pub timings: Vec<StepTiming>,
}

/// What a run computed: every published relation (per-year ones with the rows of every year,
/// in year order), the warnings, and the timings.
pub struct Computed {
    pub published: BTreeMap<String, Collected>,
    pub warnings: Vec<String>,
    /// The per-year counts of [`crate::manifest::YEAR_COUNTS`], keyed `<year>.<name>`.
    pub year_counts: BTreeMap<String, i64>,
    pub common_from_copy: bool,
    pub timings: Vec<StepTiming>,
}

impl Pipeline {
    pub fn new(settings: Settings) -> Result<Pipeline> {
        Pipeline::with_runtime(settings, None)
    }

    /// Operators (sorts, aggregates, joins) of every session share a pool of `limit` bytes and
    /// spill to temporary files beyond it, instead of failing. An operator that cannot spill
    /// (a hash join's build side) fails with "Resources exhausted"; the pool is wrapped in
    /// DataFusion's `TrackConsumersPool` (as datafusion-cli does), so that the message names
    /// the five largest consumers (the operators holding the memory).
    pub fn with_memory_limit(self, limit: Option<usize>) -> Result<Pipeline> {
        Pipeline::with_runtime(self.settings, limit)
    }

    fn with_runtime(settings: Settings, limit: Option<usize>) -> Result<Pipeline> {
        let spill = SpillCounter::new()?;
        let factory: Arc<dyn TempFileFactory> = spill.clone();
        let mut runtime = RuntimeEnvBuilder::new().with_disk_manager_builder(DiskManagerBuilder::default().with_temp_file_factory(factory));
        if let Some(limit) = limit {
            let top = std::num::NonZeroUsize::new(5).expect("5 is not zero");
            runtime = runtime.with_memory_pool(Arc::new(TrackConsumersPool::new(FairSpillPool::new(limit), top)));
        }
        Ok(Pipeline { settings, runtime: runtime.build_arc()?, spill, memory_limited: limit.is_some() })
    }

    /// How many temporary files DataFusion's operators have spilled to so far.
    pub fn spill_files(&self) -> u64 {
        self.spill.files.load(Ordering::Relaxed)
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Stage 1: a staged copy (a folder with staged.json, local or remote) is opened where it
    /// is; published inputs are read and checked (a remote folder is downloaded first).
    pub async fn stage(&self, input: &str) -> Result<Staged> {
        let checks = stage::AccountChecks::of(&self.settings)?;
        let location = Location::connect(input)?;
        if staged_copy::is_copy(&location).await? {
            tracing::info!(input, "staged copy");
            return staged_copy::open(location, &checks).await;
        }
        stage::from_inputs(&Location::open(input).await?, &self.settings).await
    }

    /// Rows of some staged tables (for the guards): `count(*)`, which DataFusion answers from
    /// Parquet metadata and in-memory batches without reading the rows.
    pub async fn staged_rows(&self, staged: &Staged, tables: &[&'static str]) -> Result<BTreeMap<&'static str, u64>> {
        let ctx = self.empty_session();
        staged.register(&ctx).await?;
        let mut rows = BTreeMap::new();
        for table in tables {
            let batches = ctx.sql(&format!("SELECT count(*) FROM {table}")).await?.collect().await?;
            let count = batches
                .first()
                .and_then(|b| b.column(0).as_any().downcast_ref::<datafusion::arrow::array::Int64Array>())
                .map_or(0, |c| c.value(0));
            rows.insert(*table, count as u64);
        }
        Ok(rows)
    }

    /// An empty session on the pipeline's runtime, configured as every session of a run.
    pub fn empty_session(&self) -> SessionContext {
        let config = SessionConfig::new()
            .with_information_schema(false)
            // Strings from Parquet as plain Utf8, as every reader of our outputs expects.
            .set_bool("datafusion.execution.parquet.schema_force_view_types", false)
            // A GROUP BY whose groups are more than a tenth of its rows skips the partial
            // (per-partition) aggregation: step 20's per-filing aggregation (27 M account rows
            // into 4 M groups at F = 1.0, a reduction to 15 %) otherwise holds every group twice,
            // per partition and once more in the final aggregation: 0.8 GB of the run's peak.
            // (DataFusion's default, 0.8, skips only where nearly every row is its own group.)
            .set_str("datafusion.execution.skip_partial_aggregation_probe_ratio_threshold", "0.1");
        SessionContext::new_with_config_rt(config, self.runtime.clone())
    }

    /// A session with the staged tables and the settings tables registered.
    pub async fn session(&self, staged: &Staged) -> Result<SessionContext> {
        let ctx = self.empty_session();
        staged.register(&ctx).await?;
        for (name, batch) in settings_tables::tables(&self.settings)? {
            stage::register_staged(&ctx, name, &Source::Memory(batch)).await?;
        }
        Ok(ctx)
    }

    /// The key of the common steps' results: SHA-256 of the settings tables they read (of the
    /// one-row `settings`, only the columns they use) and of the steps' statements. Equal keys,
    /// equal results.
    pub fn common_key(&self) -> Result<String> {
        let common = steps::of_scope(Scope::Common)?;
        let reads: BTreeSet<&str> = common.iter().flat_map(|s| s.reads.iter().map(String::as_str)).collect();
        let text: String = common.iter().flat_map(|s| steps::statements(s).unwrap_or_default()).map(|s| s.to_string()).collect::<Vec<_>>().join(";");
        let words: BTreeSet<&str> = text.split(|c: char| !(c.is_alphanumeric() || c == '_')).collect();
        let mut bytes = vec![];
        for (name, batch) in settings_tables::tables(&self.settings)? {
            if !reads.contains(name) {
                continue;
            }
            let schema = batch.schema();
            let used: Vec<usize> = (0..schema.fields().len()).filter(|&i| name != "settings" || words.contains(schema.field(i).name().as_str())).collect();
            let batch = batch.project(&used)?;
            bytes.extend_from_slice(name.as_bytes());
            let mut writer = datafusion::arrow::ipc::writer::StreamWriter::try_new(&mut bytes, &batch.schema())?;
            writer.write(&batch)?;
            writer.finish()?;
        }
        // The method too: a copy made by a cpi whose common steps differ (a rule changed) must
        // not lend this one its results.
        bytes.extend_from_slice(text.as_bytes());
        Ok(crate::lineage::sha256_hex(&bytes)[..16].to_string())
    }

    /// The common steps: read from the staged copy when it holds them for these settings, else
    /// computed. Only what later work needs is kept; the rest is freed with the session.
    pub async fn common(&self, staged: &Staged) -> Result<Common> {
        let key = self.common_key()?;
        let common = steps::of_scope(Scope::Common)?;
        let published: Vec<&String> = common.iter().flat_map(|s| s.publishes.iter()).collect();

        if let Some(copy) = staged.copy.as_ref().filter(|c| c.common_key == key) {
            tracing::info!(key, "results of the common steps read from the staged copy");
            let ctx = self.session(staged).await?;
            let path_of = |name: &str| {
                copy.common_tables.iter().find(|(table, _)| table == name).map(|(_, path)| copy.location.table_path(path)).ok_or_else(|| {
                    CpiError::bad_input(copy.location.name_of(staged_copy::RECORD_FILE), format!("the common results lack {name}"))
                })
            };
            let mut handover = vec![];
            for name in handover_names()? {
                stage::register(&ctx, name, &Source::Parquet(path_of(name)?)).await?;
                handover.push((name.clone(), ctx.table_provider(name.as_str()).await?));
            }
            // Published relations are read back in the order they were written (one partition:
            // a scan split over cores would still concatenate in order, but need not).
            let ordered = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(1));
            copy.location.register_store(&ordered)?;
            let mut out = BTreeMap::new();
            for name in published {
                stage::register(&ordered, name, &Source::Parquet(path_of(name)?)).await?;
                let df = ordered.table(name.as_str()).await?;
                out.insert(name.clone(), (df.schema().inner().clone(), df.collect().await?));
            }
            return Ok(Common { handover, published: out, key, from_copy: true, timings: vec![] });
        }
        if staged.copy.is_some() {
            tracing::info!(key, "the staged copy holds the common steps' results for other settings: computing them");
        }
        let ctx = self.session(staged).await?;
        let timings = steps::run(&ctx, &common, None).await?;
        let mut out = BTreeMap::new();
        for name in published {
            out.insert(name.clone(), steps::collect(&ctx, name).await?);
        }
        Ok(Common { handover: handover(&ctx).await?, published: out, key, from_copy: false, timings })
    }

    /// A session for reference year `year` with the per-year steps run; `earlier`: the cells an
    /// earlier reference year of the run handed over for the audit of differences (step 75).
    pub async fn year(&self, staged: &Staged, common: &Common, year: i32, earlier: Option<Collected>) -> Result<(SessionContext, Vec<StepTiming>)> {
        let ctx = self.year_session(staged, year).await?;
        for (name, table) in &common.handover {
            ctx.register_table(name.as_str(), table.clone())?;
        }
        if let Some((schema, batches)) = earlier {
            crate::catalogue::check_staged(settings_tables::EARLIER_CELLS, &schema)?;
            ctx.deregister_table(settings_tables::EARLIER_CELLS)?;
            ctx.register_table(settings_tables::EARLIER_CELLS, Arc::new(MemTable::try_new(schema, vec![batches])?))?;
        }
        let timings = steps::run(&ctx, &steps::of_scope(Scope::PerYear)?, Some(year)).await?;
        Ok((ctx, timings))
    }

    /// Stage 2 for every year of `years`.
    pub async fn compute(&self, staged: &Staged, years: &[i32]) -> Result<Computed> {
        let common = self.common(staged).await?;
        let mut published = common.published.clone();
        let mut timings = common.timings.clone();
        let mut warnings = vec![];
        let mut year_counts = BTreeMap::new();
        let per_year = steps::of_scope(Scope::PerYear)?;
        // A year's end-year sums are the base-year sums of the year one growth window later: when
        // both are in the run, the earlier hands its published cells to the later one's audit of
        // differences (step 75's disclosure_carry), so the years are computed in order.
        let window = self.settings.config.growth.window_years;
        let mut in_order = years.to_vec();
        in_order.sort_unstable();
        in_order.dedup();
        let mut carried: BTreeMap<i32, Collected> = BTreeMap::new();
        for year in in_order {
            let (ctx, year_timings) = self.year(staged, &common, year, carried.remove(&year)).await?;
            timings.extend(year_timings);
            if years.contains(&(year + window)) {
                // (not a published relation: read here, handed to the later year only)
                let started = std::time::Instant::now();
                let carry = ctx.table("disclosure_carry").await?;
                let schema = carry.schema().inner().clone();
                carried.insert(year + window, (schema, carry.collect().await?));
                let seconds = started.elapsed().as_secs_f64();
                timings.push(StepTiming { step: "handover".into(), reference_year: Some(year), statement: 1, creates: "disclosure_carry".into(), seconds });
            }
            // The published views are collected together (each is small, and planning it is
            // single-threaded work: two at once keep both cores busy), then used in their order.
            let names: Vec<&String> = per_year.iter().flat_map(|s| s.publishes.iter()).collect();
            // Under --memory-limit one at a time: each collection's sorts and joins take their
            // share of the pool, and dozens at once left each sort too little to spill with
            // ("Not enough memory to continue external sort" at 256 MB on a 0.02 input).
            let at_once = if self.memory_limited { 1 } else { names.len().max(1) };
            let collected: Vec<Collected> =
                futures_util::stream::iter(names.iter().map(|name| steps::collect(&ctx, name))).buffered(at_once).try_collect().await?;
            for (name, (schema, batches)) in names.into_iter().zip(collected) {
                if name == crate::manifest::WARNINGS {
                    let prefix = if years.len() > 1 { format!("T={year} ") } else { String::new() };
                    warnings.extend(crate::manifest::warnings(&batches)?.into_iter().map(|w| format!("{prefix}{w}")));
                } else if name == crate::manifest::YEAR_COUNTS {
                    year_counts.extend(crate::manifest::year_counts(&batches)?);
                } else {
                    published.entry(name.clone()).or_insert_with(|| (schema, vec![])).1.extend(batches);
                }
            }
        }
        for w in &warnings {
            tracing::warn!("{w}");
        }
        Ok(Computed { published, warnings, year_counts, common_from_copy: common.from_copy, timings })
    }

    /// One session with every step run for `year`, common and per-year, so that every
    /// relation the steps create can be inspected (tests); a run keeps the two apart.
    pub async fn computed_session(&self, staged: &Staged, year: i32) -> Result<SessionContext> {
        let ctx = self.year_session(staged, year).await?;
        steps::run(&ctx, &steps::all()?.iter().collect::<Vec<_>>(), Some(year)).await?;
        Ok(ctx)
    }

    /// `cpi explain`: every statement of every step with its plan, for reference year `year`.
    pub async fn explain(&self, staged: &Staged, year: i32) -> Result<String> {
        let ctx = self.year_session(staged, year).await?;
        steps::explain(&ctx, &steps::all()?.iter().collect::<Vec<_>>()).await
    }

    /// A session with the staged tables, the settings tables and `reference_year`.
    async fn year_session(&self, staged: &Staged, year: i32) -> Result<SessionContext> {
        let ctx = self.session(staged).await?;
        stage::register_staged(&ctx, "reference_year", &Source::Memory(settings_tables::reference_year(&self.settings, year)?)).await?;
        stage::register_staged(&ctx, settings_tables::EARLIER_CELLS, &Source::Memory(settings_tables::no_earlier_cells())).await?;
        Ok(ctx)
    }

    /// `cpi validate`: the steps that find rejected rows (and only those), run on the staged
    /// tables; returns the rejects and the row counts per file.
    pub async fn validate(&self, staged: &Staged) -> Result<(Collected, Collected)> {
        let targets = [crate::manifest::REJECTS, crate::manifest::INPUT_ROWS];
        let ctx = self.session(staged).await?;
        steps::run(&ctx, &steps::needed_for(&targets)?, None).await?;
        Ok((steps::collect(&ctx, targets[0]).await?, steps::collect(&ctx, targets[1]).await?))
    }
}

/// The relations of the common steps that the per-year steps read, from the session that ran them.
async fn handover(ctx: &SessionContext) -> Result<Vec<(String, Arc<dyn TableProvider>)>> {
    let mut out = vec![];
    for name in handover_names()? {
        out.push((name.clone(), ctx.table_provider(name.as_str()).await?));
    }
    Ok(out)
}

fn handover_names() -> Result<Vec<&'static String>> {
    let later_reads: BTreeSet<&String> = steps::of_scope(Scope::PerYear)?.into_iter().flat_map(|s| s.reads.iter()).collect();
    Ok(steps::of_scope(Scope::Common)?.into_iter().flat_map(|s| s.creates.iter()).filter(|c| later_reads.contains(c)).collect())
}
