//! The method's SQL steps: every `sql/*.sql` file, in name order, with the contract written in
//! its front matter (the comment lines it starts with):
//!
//! ```sql
//! -- scope: common | per_year
//! -- reads: tables and views of earlier steps or of stage 1 that it reads
//! -- creates: tables and views it leaves behind (created and not dropped in the file)
//! -- drops: relations of earlier steps that it drops to free memory (optional)
//! -- publishes: what the runner collects from it: outputs and manifest counts (optional)
//! ```
//!
//! The runner uses the front matter (which steps run once, which per reference year, which
//! views to collect, which relations of the common steps the per-year steps need); a test
//! checks it against the statements as DataFusion's SQL parser sees them.

use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::logical_expr::{DdlStatement, LogicalPlan};
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::{DFParser, Statement as DFStatement};

use crate::error::{CpiError, Result};

use crate::embedded::SQL_FILES;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Runs once, whatever the reference years (register, account checks, annual figures).
    Common,
    /// Runs once per reference year, in a session of its own.
    PerYear,
}

/// One step of the method with its declared contract.
#[derive(Debug, Clone)]
pub struct Step {
    pub file: &'static str,
    /// The file's statements, with the catalogue's views where it says [`CATALOGUE_VIEWS`].
    pub sql: String,
    pub scope: Scope,
    pub reads: Vec<String>,
    pub creates: Vec<String>,
    pub drops: Vec<String>,
    pub publishes: Vec<String>,
}

/// Timing of one SQL statement, for the log and the manifest.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepTiming {
    pub step: String,
    /// The reference year for the per-year steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_year: Option<i32>,
    pub statement: usize,
    pub creates: String,
    pub seconds: f64,
}

/// Every step, parsed once. The front matter is checked by tests; a malformed one is a bug in
/// the shipped method, reported as an internal error.
pub fn all() -> Result<&'static [Step]> {
    static STEPS: OnceLock<std::result::Result<Vec<Step>, String>> = OnceLock::new();
    STEPS
        .get_or_init(|| SQL_FILES.iter().map(|(file, sql)| parse_front_matter(file, sql)).collect())
        .as_deref()
        .map_err(|e| CpiError::Internal(e.clone()))
}

/// The steps of one scope, in order.
pub fn of_scope(scope: Scope) -> Result<Vec<&'static Step>> {
    Ok(all()?.iter().filter(|s| s.scope == scope).collect())
}

/// The step that publishes `name`.
pub fn publisher_of(name: &str) -> Result<&'static Step> {
    all()?
        .iter()
        .find(|s| s.publishes.iter().any(|p| p == name))
        .ok_or_else(|| CpiError::Internal(format!("no sql/ step publishes {name}")))
}

/// The steps needed to create `targets`: the steps that create them and, recursively, those
/// creating what they read; in step order.
pub fn needed_for(targets: &[&str]) -> Result<Vec<&'static Step>> {
    let steps = all()?;
    let mut wanted: BTreeSet<String> = targets.iter().map(|t| t.to_string()).collect();
    let mut needed = vec![false; steps.len()];
    for (i, step) in steps.iter().enumerate().rev() {
        if step.creates.iter().any(|c| wanted.contains(c)) {
            needed[i] = true;
            wanted.extend(step.reads.iter().cloned());
        }
    }
    Ok(steps.iter().zip(needed).filter(|(_, n)| *n).map(|(s, _)| s).collect())
}

/// The line of a step where the catalogue's derived output views go (catalogue::Derived).
pub const CATALOGUE_VIEWS: &str = "-- @catalogue views";

fn parse_front_matter(file: &'static str, text: &'static str) -> std::result::Result<Step, String> {
    let sql = match text.matches(CATALOGUE_VIEWS).count() {
        0 => text.to_string(),
        1 => text.replace(CATALOGUE_VIEWS, &crate::catalogue::derived_sql().map_err(|e| e.to_string())?),
        _ => return Err(format!("sql/{file}: {CATALOGUE_VIEWS} more than once")),
    };
    let sql = sql.as_str();
    let mut step = Step { file, sql: String::new(), scope: Scope::Common, reads: vec![], creates: vec![], drops: vec![], publishes: vec![] };
    let mut scope = None;
    for line in sql.lines() {
        let Some((key, value)) = line.strip_prefix("-- ").and_then(|l| l.split_once(':')) else { break };
        let names = || value.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        match key {
            "scope" => {
                scope = Some(match value.trim() {
                    "common" => Scope::Common,
                    "per_year" => Scope::PerYear,
                    other => return Err(format!("sql/{file}: scope {other:?} is not common or per_year")),
                })
            }
            "reads" => step.reads.extend(names()),
            "creates" => step.creates.extend(names()),
            "drops" => step.drops.extend(names()),
            "publishes" => step.publishes.extend(names()),
            _ => break,
        }
    }
    step.scope = scope.ok_or_else(|| format!("sql/{file}: the front matter has no `-- scope:` line"))?;
    if let Some(p) = step.publishes.iter().find(|p| !step.creates.contains(p)) {
        return Err(format!("sql/{file}: publishes {p}, which it does not create"));
    }
    step.sql = sql.to_string();
    Ok(step)
}

/// The statements of a step, as DataFusion's parser reads them.
pub fn statements(step: &Step) -> Result<Vec<DFStatement>> {
    let parsed = DFParser::parse_sql(&step.sql).map_err(|e| CpiError::Sql { file: step.file.to_string(), statement: 0, source: Box::new(e) })?;
    Ok(parsed.into_iter().collect())
}

/// Runs every statement of `steps` in order on `ctx`; the first failure stops and names the
/// file and statement.
pub async fn run(ctx: &SessionContext, steps: &[&Step], year: Option<i32>) -> Result<Vec<StepTiming>> {
    let mut timings = vec![];
    let progress = crate::progress::bar(steps.len() as u64, "SQL steps");
    for step in steps {
        progress.set_message(step.file.to_string());
        for (i, statement) in statements(step)?.into_iter().enumerate() {
            let creates = target_name(&statement);
            let started = Instant::now();
            execute(ctx, step.file, i + 1, statement).await?;
            let seconds = started.elapsed().as_secs_f64();
            tracing::debug!(step = step.file, statement = i + 1, creates = %creates, seconds, "sql statement done");
            timings.push(StepTiming { step: step.file.to_string(), reference_year: year, statement: i + 1, creates, seconds });
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(timings)
}

/// Plans and runs one statement. On its own task, so that a panic inside DataFusion (seen in
/// DataFusion 55 when a repartition spills under --memory-limit) ends the run as an error naming
/// the statement (exit 4) instead of aborting the process.
async fn execute(ctx: &SessionContext, file: &str, statement: usize, parsed: DFStatement) -> Result<Vec<RecordBatch>> {
    let sql_error = |e: datafusion::error::DataFusionError| CpiError::Sql { file: file.to_string(), statement, source: Box::new(e) };
    let plan = ctx.state().statement_to_plan(parsed).await.map_err(sql_error)?;
    let session = ctx.clone();
    tokio::spawn(async move { session.execute_logical_plan(plan).await?.collect().await })
        .await
        .map_err(|e| sql_error(datafusion::error::DataFusionError::Execution(format!("DataFusion panicked: {}", panic_message(e)))))?
        .map_err(sql_error)
}

/// Reads a relation a step published, through the same runner as the steps: a failure names
/// the step that publishes it, and running out of memory maps to exit 2 like in any step.
pub async fn collect(ctx: &SessionContext, name: &str) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let step = publisher_of(name)?;
    let sql_error = |e: datafusion::error::DataFusionError| CpiError::Sql { file: format!("{} (collecting {name})", step.file), statement: 0, source: Box::new(e) };
    let df = ctx.table(name).await.map_err(sql_error)?;
    let schema = df.schema().inner().clone();
    // (a relation the Rust around the steps reads: its declared columns, before it is computed)
    crate::catalogue::check_runner(name, &schema)?;
    let plan = df.logical_plan().clone();
    let session = ctx.clone();
    let batches = tokio::spawn(async move { session.execute_logical_plan(plan).await?.collect().await })
        .await
        .map_err(|e| sql_error(datafusion::error::DataFusionError::Execution(format!("DataFusion panicked: {}", panic_message(e)))))?
        .map_err(sql_error)?;
    Ok((schema, batches))
}

/// The message of a panicked task, for the error.
fn panic_message(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into()),
        Err(e) => e.to_string(),
    }
}

/// The relation a statement creates or drops, for logs (`drop x` for a DROP).
fn target_name(statement: &DFStatement) -> String {
    let relations = relations(statement);
    match (relations.created.first(), relations.dropped.first()) {
        (Some(c), _) => c.clone(),
        (None, Some(d)) => format!("drop {d}"),
        _ => statement.to_string().chars().take(40).collect(),
    }
}

/// What one statement creates, drops and reads, from its syntax tree.
#[derive(Debug, Default)]
pub struct Relations {
    pub created: Vec<String>,
    pub dropped: Vec<String>,
    /// Tables and views it reads (names of its own CTEs excluded).
    pub read: BTreeSet<String>,
}

pub fn relations(statement: &DFStatement) -> Relations {
    use datafusion::sql::sqlparser::ast::{visit_relations, Statement, Visit, Visitor};
    use std::ops::ControlFlow;
    let mut r = Relations::default();
    let DFStatement::Statement(s) = statement else { return r };
    let name = |o: &datafusion::sql::sqlparser::ast::ObjectName| o.to_string().to_ascii_lowercase();
    match s.as_ref() {
        Statement::CreateTable(t) => r.created.push(name(&t.name)),
        Statement::CreateView(v) => r.created.push(name(&v.name)),
        Statement::Drop { names, .. } => r.dropped.extend(names.iter().map(name)),
        _ => {}
    }
    // CTE names are relations inside the statement, not reads of the catalogue.
    struct Ctes(BTreeSet<String>);
    impl Visitor for Ctes {
        type Break = ();
        fn pre_visit_query(&mut self, q: &datafusion::sql::sqlparser::ast::Query) -> ControlFlow<()> {
            if let Some(with) = &q.with {
                self.0.extend(with.cte_tables.iter().map(|c| c.alias.name.value.to_ascii_lowercase()));
            }
            ControlFlow::Continue(())
        }
    }
    let mut ctes = Ctes(BTreeSet::new());
    let _ = s.visit(&mut ctes);
    let _ = visit_relations(s.as_ref(), |o| {
        let n = name(o);
        if !ctes.0.contains(&n) && !r.created.contains(&n) && !r.dropped.contains(&n) {
            r.read.insert(n);
        }
        ControlFlow::<()>::Continue(())
    });
    r
}

/// The query of a `CREATE TABLE ... AS` or a `CREATE VIEW`.
fn query_of(plan: &LogicalPlan) -> Option<&LogicalPlan> {
    match plan {
        LogicalPlan::Ddl(DdlStatement::CreateMemoryTable(table)) => Some(&table.input),
        LogicalPlan::Ddl(DdlStatement::CreateView(view)) => Some(&view.input),
        _ => None,
    }
}

/// Each statement of `steps` with the logical plan DataFusion makes of it, and for a table or
/// view the physical plan of its query, running them in order (each statement runs so that the
/// next one can be planned).
pub async fn explain(ctx: &SessionContext, steps: &[&Step]) -> Result<String> {
    use std::fmt::Write;
    let mut out = String::new();
    for step in steps {
        for (i, statement) in statements(step)?.into_iter().enumerate() {
            let sql_error = |e: datafusion::error::DataFusionError| CpiError::Sql { file: step.file.to_string(), statement: i + 1, source: Box::new(e) };
            let _ = writeln!(out, "-- ===== {}, statement {} =====\n{statement};\n", step.file, i + 1);
            let plan = ctx.state().statement_to_plan(statement.clone()).await.map_err(sql_error)?;
            let optimized = ctx.state().optimize(&plan).map_err(sql_error)?;
            let _ = writeln!(out, "-- plan:\n{}\n", optimized.display_indent());
            // and the physical plan of the query a table or view is made of: which side of each
            // hash join is its hash table (the first input), how rows are partitioned
            if let Some(query) = query_of(&optimized) {
                let physical = ctx.state().create_physical_plan(query).await.map_err(sql_error)?;
                let _ = writeln!(out, "-- physical plan:\n{}", datafusion::physical_plan::displayable(physical.as_ref()).indent(false));
            }
            execute(ctx, step.file, i + 1, statement).await?;
        }
    }
    Ok(out)
}
