//! The sql/ steps one at a time, in SQL: every step has sqllogictest cases in tests/sql/
//! (`<step>*.slt`) that seed the tables it reads with a few `VALUES` rows, run the step
//! (`RUN STEP sql/<file>`) and check its results, worked out by hand in the case's comments.
//! The same cases run on DataFusion (what cpi uses) and on DuckDB (through the Python package
//! the test command installs), so a step that stops being portable SQL fails here.
//!
//! A case seeds a staged table (schemas/staged/) with `SEED <table> (<columns>) VALUES ...`, typed
//! by its declaration; a `CREATE TABLE` of a staged table must hold declared columns of their
//! declared types.
//!
//! Also here: the front matter of every step (reads, creates, drops, publishes) against its
//! statements as DataFusion's parser sees them.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use cpi::steps::{self, Scope};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::{DFParser, Statement as DFStatement};
use sqllogictest::{DBOutput, DefaultColumnType};

const RUN_STEP: &str = "RUN STEP sql/";

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sql");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "slt")).collect();
    files.sort();
    files
}

fn is_query(sql: &str) -> bool {
    use datafusion::sql::sqlparser::ast::Statement;
    match DFParser::parse_sql(sql).ok().and_then(|s| s.into_iter().next()) {
        Some(DFStatement::Statement(s)) => matches!(*s, Statement::Query(_)),
        _ => false,
    }
}

/// `SEED <table> (<columns>) [VALUES ...]`: rows of a staged table, typed by its declaration in
/// schemas/staged/ (only the columns the case needs, each declared): the table made with those
/// columns of their declared types (in the engine's names, `duckdb` or not), then the rows if any.
fn seed(sql: &str, duckdb: bool) -> Option<Result<Vec<String>, Failure>> {
    let rest = sql.trim().strip_prefix("SEED ")?;
    Some((|| {
        let (table, rest) = rest.split_once('(').ok_or_else(|| Failure(format!("SEED without columns: {sql}")))?;
        let (columns, values) = rest.split_once(')').ok_or_else(|| Failure(format!("SEED without columns: {sql}")))?;
        let table = table.trim();
        let relation = cpi::catalogue::staged().unwrap().iter().find(|t| t.table == table).ok_or_else(|| Failure(format!("SEED {table}: not a staged table of schemas/staged/")))?;
        let mut typed = vec![];
        for column in columns.split(',').map(str::trim) {
            let (_, t) = relation.columns.iter().find(|(n, _)| n == column).ok_or_else(|| Failure(format!("SEED {table}: {column} is not declared in {}", relation.declared_in)))?;
            let name = match t {
                DataType::UInt64 if duckdb => "UBIGINT".to_string(),
                DataType::UInt64 => "BIGINT UNSIGNED".to_string(),
                other => cpi::catalogue::sql_type(other).ok_or_else(|| Failure(format!("SEED {table}: no SQL type for {other}")))?,
            };
            typed.push(format!("{column} {name}"));
        }
        let create = format!("CREATE TABLE {table} ({})", typed.join(", "));
        Ok(match values.trim() {
            "" => vec![create],
            values => vec![create, format!("INSERT INTO {table} ({columns}) {values}")],
        })
    })())
}

/// The table a `CREATE TABLE` statement makes.
fn created_table(sql: &str) -> Option<String> {
    use datafusion::sql::sqlparser::ast::Statement;
    match DFParser::parse_sql(sql).ok()?.into_iter().next()? {
        DFStatement::Statement(s) => match *s {
            Statement::CreateTable(t) => Some(t.name.to_string()),
            _ => None,
        },
        _ => None,
    }
}

fn step_file(sql: &str) -> Option<&str> {
    sql.trim().strip_prefix(RUN_STEP)
}

#[derive(Debug)]
struct Failure(String);
impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for Failure {}

/// A value as both engines' cases expect it (see ci/duckdb_slt.py for the same rules).
fn number(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() { "0".into() } else { s.to_string() }
}

/// The rows as the cases write them, from the library's one converter (cpi::rows, in column
/// order): NULL, an empty text as (empty), integers as they are, other numbers by [`number`].
fn rows_of(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    use serde_json::Value;
    let cell = |v: &Value| match v {
        Value::Null => "NULL".to_string(),
        Value::Number(n) if n.is_f64() => number(n.as_f64().unwrap()),
        Value::Number(n) => n.to_string(),
        Value::String(t) if t.is_empty() => "(empty)".to_string(),
        Value::String(t) => t.clone(),
        other => other.to_string(),
    };
    cpi::rows::values_of(batches).unwrap().iter().map(|row| row.iter().map(cell).collect()).collect()
}

struct DataFusion {
    ctx: SessionContext,
    rt: tokio::runtime::Runtime,
}

impl sqllogictest::DB for DataFusion {
    type Error = Failure;
    type ColumnType = DefaultColumnType;

    fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, Failure> {
        let ctx = self.ctx.clone();
        if let Some(statements) = seed(sql, false) {
            for statement in statements? {
                self.run(&statement)?;
            }
            return Ok(DBOutput::StatementComplete(0));
        }
        if let Some(file) = step_file(sql) {
            let step = steps::all().unwrap().iter().find(|s| s.file == file).ok_or_else(|| Failure(format!("no step {file}")))?;
            self.rt.block_on(steps::run(&ctx, &[step], None)).map_err(|e| Failure(e.to_string()))?;
            return Ok(DBOutput::StatementComplete(0));
        }
        // `SELECT * FROM <relation>` reads it as the runner does (steps::collect: the relation's
        // own plan, its ORDER BY kept); DataFusion's SQL planner drops an ORDER BY of a view
        // selected from.
        let whole = sql.trim().trim_end_matches(';').strip_prefix("SELECT * FROM ").filter(|name| name.chars().all(|c| c.is_alphanumeric() || c == '_'));
        let batches = self
            .rt
            .block_on(async {
                match whole {
                    Some(name) => ctx.table(name).await?.collect().await,
                    None => ctx.sql(sql).await?.collect().await,
                }
            })
            .map_err(|e| Failure(e.to_string()))?;
        if !is_query(sql) {
            // A seed of a staged table holds some of its declared columns, each of its declared
            // type: a case cannot test a step on a shape stage 1 never hands over.
            if let Some(relation) = created_table(sql).and_then(|name| cpi::catalogue::staged().unwrap().iter().find(|t| t.table == name)) {
                let schema = self.rt.block_on(ctx.table_provider(relation.table.as_str())).map_err(|e| Failure(e.to_string()))?.schema();
                relation.check_subset(&schema).map_err(|e| Failure(format!("a seed of a staged table: {e}")))?;
            }
            return Ok(DBOutput::StatementComplete(0));
        }
        let rows = rows_of(&batches);
        let width = rows.first().map(Vec::len).unwrap_or(0);
        Ok(DBOutput::Rows { types: vec![DefaultColumnType::Any; width], rows })
    }

    fn engine_name(&self) -> &str {
        "datafusion"
    }
}

/// DuckDB in a Python process (ci/duckdb_slt.py), one per case file.
struct DuckDb {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl DuckDb {
    fn start() -> DuckDb {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("ci/duckdb_slt.py");
        let mut child = Command::new("python3")
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs (the README's test command installs duckdb)");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        DuckDb { child, stdin, stdout }
    }

    fn ask(&mut self, request: serde_json::Value) -> Result<serde_json::Value, Failure> {
        writeln!(self.stdin, "{request}").map_err(|e| Failure(e.to_string()))?;
        let mut line = String::new();
        self.stdout.read_line(&mut line).map_err(|e| Failure(e.to_string()))?;
        let answer: serde_json::Value = serde_json::from_str(&line).map_err(|e| Failure(format!("DuckDB helper said {line:?}: {e} (is the duckdb package installed?)")))?;
        match answer["error"].as_str() {
            Some(e) => Err(Failure(e.to_string())),
            None => Ok(answer),
        }
    }
}

impl Drop for DuckDb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl sqllogictest::DB for DuckDb {
    type Error = Failure;
    type ColumnType = DefaultColumnType;

    fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, Failure> {
        if let Some(statements) = seed(sql, true) {
            for statement in statements? {
                self.run(&statement)?;
            }
            return Ok(DBOutput::StatementComplete(0));
        }
        if let Some(file) = step_file(sql) {
            let step = steps::all().unwrap().iter().find(|s| s.file == file).ok_or_else(|| Failure(format!("no step {file}")))?;
            self.ask(serde_json::json!({ "script": step.sql }))?;
            return Ok(DBOutput::StatementComplete(0));
        }
        let query = is_query(sql);
        let answer = self.ask(serde_json::json!({ "sql": sql, "query": query }))?;
        if !query {
            return Ok(DBOutput::StatementComplete(0));
        }
        let rows: Vec<Vec<String>> = serde_json::from_value(answer["rows"].clone()).map_err(|e| Failure(e.to_string()))?;
        let width = rows.first().map(Vec::len).unwrap_or(0);
        Ok(DBOutput::Rows { types: vec![DefaultColumnType::Any; width], rows })
    }

    fn engine_name(&self) -> &str {
        "duckdb"
    }
}

fn run_all<D: sqllogictest::DB<Error = Failure, ColumnType = DefaultColumnType> + Send + 'static>(make: impl Fn() -> D) {
    let files = cases();
    assert!(!files.is_empty());
    let mut failures = vec![];
    for file in &files {
        let mut runner = sqllogictest::Runner::new(|| {
            let db = make();
            async move { Ok::<_, Failure>(db) }
        });
        if let Err(e) = runner.run_file(file) {
            failures.push(format!("{}: {}", file.display(), e.display(false)));
        }
    }
    assert!(failures.is_empty(), "{} of {} case files failed:\n{}", failures.len(), files.len(), failures.join("\n\n"));
}

#[test]
fn every_step_has_sqllogictest_cases() {
    let cases: Vec<String> = cases().iter().map(|p| p.file_name().unwrap().to_string_lossy().to_string()).collect();
    for step in steps::all().unwrap() {
        let stem = step.file.trim_end_matches(".sql");
        assert!(cases.iter().any(|c| c.starts_with(stem)), "sql/{} has no tests/sql/{stem}*.slt", step.file);
    }
}

#[test]
fn cases_pass_on_datafusion() {
    run_all(|| DataFusion {
        ctx: cpi::Pipeline::new(cpi::config::Settings::defaults().unwrap()).unwrap().empty_session(),
        rt: tokio::runtime::Runtime::new().unwrap(),
    });
}

/// Seeds of staged tables are checked against schemas/staged/: a column of another type or an
/// undeclared column fails, on `CREATE TABLE` and on `SEED`; `SEED` types the columns it names.
#[test]
fn seeds_of_staged_tables_follow_the_catalogue() {
    use sqllogictest::DB;
    let mut db = DataFusion { ctx: cpi::Pipeline::new(cpi::config::Settings::defaults().unwrap()).unwrap().empty_session(), rt: tokio::runtime::Runtime::new().unwrap() };
    let mut error = |sql: &str| db.run(sql).err().map(|e| e.to_string()).unwrap_or_else(|| panic!("{sql} passed"));
    let err = error("CREATE TABLE input_files (file_order BIGINT, file VARCHAR)");
    assert!(err.contains("file_order is Int64, declared Int32"), "{err}");
    let err = error("CREATE TABLE input_rejects (line BIGINT)");
    assert!(err.contains("line is Int64, declared UInt64"), "{err}");
    let err = error("SEED input_counts (name, count) VALUES ('a', 1)");
    assert!(err.contains("count is not declared in schemas/staged/input_counts.json"), "{err}");
    assert!(error("SEED growth_status (cluster_id) VALUES ('C1')").contains("not a staged table"));
    // (a table of the case's own is not checked)
    assert!(db.run("CREATE TABLE growth_status (cluster_id BIGINT)").is_ok());
    // (the refused CREATE TABLE above made its table)
    assert!(db.run("DROP TABLE input_rejects").is_ok());
    assert!(db.run("SEED input_rejects (raw_value, line) VALUES ('x', 7)").is_ok());
    let schema = db.rt.block_on(db.ctx.table_provider("input_rejects")).unwrap().schema();
    let types: Vec<(String, DataType)> = schema.fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect();
    assert_eq!(types[1], ("line".to_string(), DataType::UInt64));
    assert_eq!(types[0].0, "raw_value");
}

#[test]
fn cases_pass_on_duckdb() {
    run_all(DuckDb::start);
}

/// The front matter of every step says exactly what its statements create, drop and read, in
/// scope order, and every relation read exists when the step runs.
#[test]
fn front_matter_matches_the_statements() {
    let all = steps::all().unwrap();
    // (the staged tables: of the inputs, the settings, and the runner's per-year tables)
    let mut available: BTreeSet<String> = cpi::catalogue::staged().unwrap().iter().map(|t| t.table.clone()).collect();
    let mut seen_per_year = false;
    let mut problems = vec![];
    for step in all {
        seen_per_year |= step.scope == Scope::PerYear;
        if seen_per_year && step.scope == Scope::Common {
            problems.push(format!("{}: a common step after a per-year step", step.file));
        }
        let (mut created, mut dropped, mut read) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        for statement in steps::statements(step).unwrap() {
            let r = steps::relations(&statement);
            for name in r.read {
                if !created.contains(&name) {
                    read.insert(name);
                }
            }
            for name in r.dropped {
                if !created.remove(&name) {
                    dropped.insert(name);
                }
            }
            created.extend(r.created);
        }
        let declared = |v: &[String]| v.iter().cloned().collect::<BTreeSet<_>>();
        for (what, declared, found) in [("creates", declared(&step.creates), &created), ("drops", declared(&step.drops), &dropped), ("reads", declared(&step.reads), &read)] {
            if &declared != found {
                problems.push(format!("{}: `{what}` says {declared:?}, the statements {what} {found:?}", step.file));
            }
        }
        for name in &read {
            if !available.contains(name) {
                problems.push(format!("{}: reads {name}, which no earlier step creates and stage 1 does not provide", step.file));
            }
        }
        // A common step reads only what exists before any reference year is known.
        if step.scope == Scope::Common && read.contains("params") {
            problems.push(format!("{}: a common step reads the per-year params", step.file));
        }
        for name in &dropped {
            available.remove(name);
        }
        available.extend(created);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Every output of the catalogue is published by a step, and every published output_ view
    // has a schema.
    let published: BTreeSet<&String> = all.iter().flat_map(|s| s.publishes.iter()).collect();
    for o in cpi::catalogue::outputs().unwrap() {
        assert!(published.contains(&o.view), "schemas/{}.json: no step publishes {}", o.table, o.view);
    }
    let in_catalogue: BTreeSet<String> = cpi::catalogue::outputs().unwrap().iter().flat_map(|o| [Some(o.view.clone()), o.confidential_view.clone()]).flatten().collect();
    for p in published.iter().filter(|p| p.starts_with("output_") && p.as_str() != cpi::manifest::WARNINGS) {
        assert!(in_catalogue.contains(*p), "{p} is published but has no schema in schemas/");
    }
}
