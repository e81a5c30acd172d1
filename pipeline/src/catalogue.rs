//! The one catalogue of the relations that cross a boundary, each declared once with its columns
//! and their types, in order:
//! - outputs: every `schemas/*.json` of kind `output` names its file and the view of sql/ that
//!   fills it. The writer, `cpi verify` and the Python checks in ci/ all read this list. A
//!   derived output's two views are written from its declaration ([`Derived`]), with the
//!   conditions of `schemas/disclosure_conditions.json` (kind `conditions`);
//! - staged tables: every `schemas/staged/*.json` (kind `staged`) is a table stage 1 hands to
//!   stage 2, made from the inputs (`origin: inputs`), the settings (`settings`) or by the runner
//!   for a per-year session (`runner`). Every registration is checked against it (stage.rs), and
//!   the staged copy's format is a hash of the entries (staged_copy.rs);
//! - runner relations: every `schemas/runner/*.json` (kind `runner`) is a relation of sql/ that
//!   the Rust around it reads (manifest counts, warnings, the summary), checked when collected.
//!
//! Nothing lists these relations again. The catalogue is data: it holds the declarations and
//! compares a schema with them, and runs nothing. (Over 400 lines with its unit tests: the three
//! kinds of declaration share their parsing, type names and checks.)

use std::sync::OnceLock;

use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::{cast_with_options, CastOptions};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde::Deserialize;

use crate::embedded::{RUNNER_SCHEMA_FILES, SCHEMA_FILES, STAGED_SCHEMA_FILES};
use crate::error::{CpiError, Result};

#[derive(Debug, Clone, Deserialize)]
pub struct TableSchema {
    pub table: String,
    pub kind: String,
    /// Output file name (outputs only).
    #[serde(default)]
    pub file: Option<String>,
    /// The sql/ view whose rows the file holds (outputs only).
    #[serde(default)]
    pub view: Option<String>,
    /// The view with the unsuppressed rows, written only to `--confidential` (same columns).
    #[serde(default)]
    pub confidential_view: Option<String>,
    /// false: the table names enterprises or shows raw values; its `view` is written only to
    /// `--confidential`, never to the published folder.
    #[serde(default = "published_by_default")]
    pub public: bool,
    pub description: String,
    /// Outputs whose two views the catalogue writes (see [`Derived`]).
    #[serde(default)]
    pub derived: Option<Derived>,
    /// The conditions file: name -> SQL condition (see [`Derived`]).
    #[serde(default)]
    pub conditions: std::collections::BTreeMap<String, String>,
    /// Staged tables: where the rows come from (`inputs`, `settings` or `runner`).
    #[serde(default)]
    pub origin: Option<String>,
    /// Staged tables read as published (the KBO files): the columns of this input table, each
    /// of type string.
    #[serde(default)]
    pub columns_of: Option<String>,
    #[serde(default)]
    pub columns: Vec<Column>,
}

fn published_by_default() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    /// A derived output's column is published only where these conditions (of
    /// schemas/disclosure_conditions.json) all hold; else NULL. Empty: always published.
    #[serde(default)]
    pub shown_when: Vec<String>,
    /// A staged table's column that may hold NULL (else never: a batch with one fails).
    #[serde(default)]
    pub nullable: bool,
}

/// An output whose confidential view and published view the catalogue writes, so that each
/// column is typed once and masked once, from its declaration:
/// - the confidential view: every declared column of `cells`, cast to its declared type, in
///   the declared order, sorted by `order_by`;
/// - the published view: the confidential view with each column whose `shown_when` conditions
///   do not all hold set to NULL, in the same order. The conditions are defined once for every
///   output, in schemas/disclosure_conditions.json (kind `conditions`).
///
/// The views are inserted into the sql/ step that declares them, where it says
/// `-- @catalogue views` (steps.rs), so every engine runs plain SQL (`cpi explain --sql-only`).
#[derive(Debug, Clone, Deserialize)]
pub struct Derived {
    /// The relation of sql/ that holds the output's columns (and possibly more).
    pub cells: String,
    /// The rows' order: an ORDER BY list over the output's columns.
    pub order_by: String,
}

/// An output table as the catalogue declares it.
#[derive(Debug, Clone)]
pub struct Output {
    pub table: String,
    pub file: String,
    pub view: String,
    pub confidential_view: Option<String>,
    /// Whether `view` goes to the published folder (else only to `--confidential`).
    pub public: bool,
    pub columns: Vec<(String, DataType)>,
    /// The SQL of the two views, when the catalogue writes them ([`Derived`]).
    pub derived_sql: Option<String>,
}

/// Every output of the catalogue, in file-name order.
pub fn outputs() -> Result<&'static [Output]> {
    static OUTPUTS: OnceLock<std::result::Result<Vec<Output>, String>> = OnceLock::new();
    OUTPUTS.get_or_init(read_outputs).as_deref().map_err(|e| CpiError::Internal(e.clone()))
}

/// Every table schema in schemas/, by file.
pub fn schemas() -> std::result::Result<Vec<(&'static str, TableSchema)>, String> {
    parse("schemas", SCHEMA_FILES)
}

fn parse(folder: &str, files: &'static [(&'static str, &'static str)]) -> std::result::Result<Vec<(&'static str, TableSchema)>, String> {
    files.iter().map(|(file, text)| serde_json::from_str(text).map(|s| (*file, s)).map_err(|e| format!("{folder}/{file}: {e}"))).collect()
}

/// Where a staged table's rows come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A reader of the published inputs (stage.rs, inputs/).
    Inputs,
    /// The settings (settings_tables.rs).
    Settings,
    /// The runner, for one reference year's session (pipeline.rs).
    Runner,
}

/// A relation that crosses a boundary between stage 1, the sql/ steps and the Rust around them,
/// with its declared columns.
#[derive(Debug, Clone)]
pub struct Relation {
    pub table: String,
    /// Staged tables only.
    pub origin: Option<Origin>,
    pub columns: Vec<(String, DataType)>,
    /// Whether each column may hold NULL, in the order of `columns`.
    pub nullable: Vec<bool>,
    /// Where it is declared (for messages).
    pub declared_in: String,
}

/// Every staged table of `schemas/staged/`, in name order.
pub fn staged() -> Result<&'static [Relation]> {
    static STAGED: OnceLock<std::result::Result<Vec<Relation>, String>> = OnceLock::new();
    STAGED.get_or_init(|| relations("schemas/staged", STAGED_SCHEMA_FILES, "staged")).as_deref().map_err(|e| CpiError::Internal(e.clone()))
}

/// The names of the staged tables of one origin, in name order.
pub fn staged_names(origin: Origin) -> Result<Vec<&'static str>> {
    Ok(staged()?.iter().filter(|t| t.origin == Some(origin)).map(|t| t.table.as_str()).collect())
}

/// Every relation of `schemas/runner/` that Rust reads back, in name order.
pub fn runner() -> Result<&'static [Relation]> {
    static RUNNER: OnceLock<std::result::Result<Vec<Relation>, String>> = OnceLock::new();
    RUNNER.get_or_init(|| relations("schemas/runner", RUNNER_SCHEMA_FILES, "runner")).as_deref().map_err(|e| CpiError::Internal(e.clone()))
}

fn relations(folder: &str, files: &'static [(&'static str, &'static str)], kind: &str) -> std::result::Result<Vec<Relation>, String> {
    let inputs = schemas()?;
    let mut out = vec![];
    for (file, schema) in parse(folder, files)? {
        let at = format!("{folder}/{file}");
        if schema.kind != kind || format!("{}.json", schema.table) != file {
            return Err(format!("{at}: expected kind {kind:?} and a file named after its table"));
        }
        let origin = match (kind, schema.origin.as_deref()) {
            ("runner", None) => None,
            ("staged", Some("inputs")) => Some(Origin::Inputs),
            ("staged", Some("settings")) => Some(Origin::Settings),
            ("staged", Some("runner")) => Some(Origin::Runner),
            (_, other) => return Err(format!("{at}: origin {other:?} (a staged table's is inputs, settings or runner; a runner relation has none)")),
        };
        let (columns, nullable): (Vec<_>, Vec<_>) = match &schema.columns_of {
            // (a table read as published: the input's columns, all text, any of them empty)
            Some(input) => {
                let (_, declared) = inputs.iter().find(|(_, s)| &s.table == input && s.kind == "input").ok_or_else(|| format!("{at}: columns_of {input:?} names no input table"))?;
                declared.columns.iter().map(|c| ((c.name.clone(), DataType::Utf8), true)).unzip()
            }
            None => schema
                .columns
                .iter()
                .map(|c| arrow_type(&c.type_name).map(|t| ((c.name.clone(), t), c.nullable)).ok_or_else(|| format!("{at}: column {} has unknown type {:?}", c.name, c.type_name)))
                .collect::<std::result::Result<Vec<_>, _>>()?
                .into_iter()
                .unzip(),
        };
        if columns.is_empty() {
            return Err(format!("{at}: no columns"));
        }
        out.push(Relation { table: schema.table, origin, columns, nullable, declared_in: at });
    }
    Ok(out)
}

impl Relation {
    /// Whether `schema` has the declared columns, in order, of the declared types (nullability
    /// aside); else an error naming both.
    pub fn check(&self, schema: &Schema) -> Result<()> {
        let fits = schema.fields().len() == self.columns.len() && schema.fields().iter().zip(&self.columns).all(|(f, (n, t))| f.name() == n && same_type(f.data_type(), t));
        if fits {
            return Ok(());
        }
        Err(CpiError::Internal(format!(
            "{} does not match {}: it has [{}], the catalogue declares [{}]",
            self.table,
            self.declared_in,
            schema.fields().iter().map(|f| format!("{} {}", f.name(), f.data_type())).collect::<Vec<_>>().join(", "),
            self.columns.iter().map(|(n, t)| format!("{n} {t}")).collect::<Vec<_>>().join(", ")
        )))
    }

    /// Whether every column of `schema` is one of the declared columns, of its declared type (a
    /// test's seed of a staged table may hold only the columns its case needs); else an error
    /// naming the columns at fault.
    pub fn check_subset(&self, schema: &Schema) -> Result<()> {
        let wrong: Vec<String> = schema
            .fields()
            .iter()
            .filter(|f| !self.columns.iter().any(|(n, t)| n == f.name() && same_type(f.data_type(), t)))
            .map(|f| match self.columns.iter().find(|(n, _)| n == f.name()) {
                Some((_, t)) => format!("{} is {}, declared {t}", f.name(), f.data_type()),
                None => format!("{} is not declared", f.name()),
            })
            .collect();
        if wrong.is_empty() {
            return Ok(());
        }
        Err(CpiError::Internal(format!("{} does not match {}: {}", self.table, self.declared_in, wrong.join("; "))))
    }

    /// The Arrow schema of the declaration.
    pub fn schema(&self) -> SchemaRef {
        Arc::new(Schema::new(self.columns.iter().zip(&self.nullable).map(|((n, t), null)| Field::new(n, t.clone(), *null)).collect::<Vec<_>>()))
    }
}

/// Whether a column of type `actual` has the `declared` type. (A string may come as Utf8View or
/// LargeUtf8: SQL's VARCHAR is Utf8View in DataFusion.)
fn same_type(actual: &DataType, declared: &DataType) -> bool {
    actual == declared || (declared == &DataType::Utf8 && matches!(actual, DataType::Utf8View | DataType::LargeUtf8))
}

/// A staged table's entry, by name.
pub fn staged_table(name: &str) -> Result<&'static Relation> {
    staged()?.iter().find(|t| t.table == name).ok_or_else(|| CpiError::Internal(format!("staged table {name} has no entry in schemas/staged/")))
}

/// A staged table's rows made from its columns in declared order: the readers name no column
/// and no type, the declaration does (a column of another type or length, or a NULL where the
/// declaration allows none, fails naming the table).
pub fn staged_batch(name: &str, columns: Vec<datafusion::arrow::array::ArrayRef>) -> Result<RecordBatch> {
    let table = staged_table(name)?;
    RecordBatch::try_new(table.schema(), columns).map_err(|e| CpiError::Internal(format!("staged table {name} ({}): {e}", table.declared_in)))
}

/// Checks a staged table against its entry; a table without one is an error (stage 2 reads
/// nothing undeclared).
pub fn check_staged(name: &str, schema: &Schema) -> Result<()> {
    staged_table(name)?.check(schema)
}

/// Checks a published relation against its `schemas/runner/` entry, when it has one.
pub fn check_runner(name: &str, schema: &Schema) -> Result<()> {
    match runner()?.iter().find(|t| t.table == name) {
        Some(relation) => relation.check(schema),
        None => Ok(()),
    }
}

/// SHA-256 (16 hex digits) of the staged tables of the inputs and the settings as declared
/// (names, columns and types, not their descriptions): a staged copy made under other
/// declarations is refused (staged_copy.rs).
pub fn staged_hash() -> Result<String> {
    Ok(hash_of(staged()?))
}

fn hash_of(relations: &[Relation]) -> String {
    let mut text = String::new();
    for t in relations.iter().filter(|t| t.origin != Some(Origin::Runner)) {
        text.push_str(&t.table);
        for ((n, ty), null) in t.columns.iter().zip(&t.nullable) {
            text.push_str(&format!(" {n}:{ty}{}", if *null { "?" } else { "" }));
        }
        text.push('\n');
    }
    crate::lineage::sha256_hex(text.as_bytes())[..16].to_string()
}

fn read_outputs() -> std::result::Result<Vec<Output>, String> {
    let mut outputs = vec![];
    let schemas = schemas()?;
    let conditions = match schemas.iter().filter(|(_, s)| s.kind == "conditions").collect::<Vec<_>>().as_slice() {
        [(_, one)] => one.conditions.clone(),
        other => return Err(format!("schemas/: {} files of kind conditions, expected one", other.len())),
    };
    for (file, schema) in schemas {
        if schema.kind != "output" {
            continue;
        }
        let missing = |what: &str| format!("schemas/{file}: an output needs \"{what}\"");
        let columns = schema
            .columns
            .iter()
            .map(|c| arrow_type(&c.type_name).map(|t| (c.name.clone(), t)).ok_or_else(|| format!("schemas/{file}: column {} has unknown type {:?}", c.name, c.type_name)))
            .collect::<std::result::Result<_, _>>()?;
        let derived_sql = match &schema.derived {
            Some(derived) => Some(derived_views(file, &schema, derived, &conditions)?),
            None => None,
        };
        outputs.push(Output {
            derived_sql,
            file: schema.file.clone().ok_or_else(|| missing("file"))?,
            view: schema.view.clone().ok_or_else(|| missing("view"))?,
            confidential_view: schema.confidential_view.clone(),
            public: schema.public,
            table: schema.table,
            columns,
        });
    }
    outputs.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(outputs)
}

/// The confidential and published views of a derived output (see [`Derived`]).
fn derived_views(file: &str, schema: &TableSchema, derived: &Derived, conditions: &std::collections::BTreeMap<String, String>) -> std::result::Result<String, String> {
    let at = format!("schemas/{file}");
    let (view, confidential) = match (&schema.view, &schema.confidential_view) {
        (Some(v), Some(c)) => (v, c),
        _ => return Err(format!("{at}: a derived output needs a view and a confidential_view")),
    };
    let mut typed = vec![];
    let mut shown = vec![];
    for c in &schema.columns {
        let sql_type = arrow_type(&c.type_name)
            .and_then(|t| sql_type(&t))
            .ok_or_else(|| format!("{at}: column {} of type {:?} has no SQL type every engine reads", c.name, c.type_name))?;
        typed.push(format!("CAST({} AS {sql_type}) AS {}", c.name, c.name));
        let mut holds = vec![];
        for name in &c.shown_when {
            let condition = conditions.get(name).ok_or_else(|| format!("{at}: column {} is shown when {name:?}, which schemas/disclosure_conditions.json does not define", c.name))?;
            holds.push(format!("({condition})"));
        }
        shown.push(match holds.is_empty() {
            true => c.name.clone(),
            false => format!("CASE WHEN {} THEN {} END AS {}", holds.join(" AND "), c.name, c.name),
        });
    }
    let list = |columns: &[String]| columns.join(",\n       ");
    Ok(format!(
        "-- {table}: typed as schemas/{file} declares, from {cells}\n\
         CREATE VIEW {confidential} AS\nSELECT {typed}\nFROM {cells}\nORDER BY {order};\n\n\
         -- {table} as published: a column is NULL where its shown_when conditions do not all hold\n\
         CREATE VIEW {view} AS\nSELECT {shown}\nFROM {confidential}\nORDER BY {order};\n",
        table = schema.table,
        cells = derived.cells,
        order = derived.order_by,
        typed = list(&typed),
        shown = list(&shown),
    ))
}

/// The SQL of every derived output's views, in file order (inserted into sql/ by steps.rs).
pub fn derived_sql() -> Result<String> {
    Ok(outputs()?.iter().filter_map(|o| o.derived_sql.clone()).collect::<Vec<_>>().join("\n"))
}

/// The SQL name of a declared type that DataFusion and DuckDB both read as that type (not
/// UInt64: each engine names it its own way).
pub fn sql_type(t: &DataType) -> Option<String> {
    Some(match t {
        DataType::Utf8 => "VARCHAR".into(),
        DataType::Int32 => "INT".into(),
        DataType::Int64 => "BIGINT".into(),
        DataType::Float64 => "DOUBLE".into(),
        DataType::Boolean => "BOOLEAN".into(),
        DataType::Date32 => "DATE".into(),
        DataType::Decimal128(p, s) => format!("DECIMAL({p}, {s})"),
        _ => return None,
    })
}

/// The Arrow type of a schemas/ type name (the names pyarrow prints).
fn arrow_type(name: &str) -> Option<DataType> {
    Some(match name {
        "string" => DataType::Utf8,
        "int32" => DataType::Int32,
        "int64" => DataType::Int64,
        "uint64" => DataType::UInt64,
        "double" => DataType::Float64,
        "bool" => DataType::Boolean,
        "date32[day]" => DataType::Date32,
        "decimal128(38, 4)" => DataType::Decimal128(38, 4),
        _ => return None,
    })
}

impl Output {
    /// The view's rows as the catalogue declares them: the same columns in the same order, each
    /// of its declared type. Strings may come as Utf8View or LargeUtf8 and integers as another
    /// integer type (SQL has no unsigned type that every engine reads): those are converted, and
    /// a value that does not fit is an error. Any other difference is an error naming the view.
    pub fn conform(&self, schema: &SchemaRef, batches: &[RecordBatch]) -> Result<(SchemaRef, Vec<RecordBatch>)> {
        let convertible = |from: &DataType, to: &DataType| {
            from == to || (from.is_integer() && to.is_integer()) || (matches!(from, DataType::Utf8View | DataType::LargeUtf8) && to == &DataType::Utf8)
        };
        let fits = schema.fields().len() == self.columns.len()
            && schema.fields().iter().zip(&self.columns).all(|(f, (name, t))| f.name() == name && convertible(f.data_type(), t));
        if !fits {
            let show = |c: &mut dyn Iterator<Item = (String, DataType)>| c.map(|(n, t)| format!("{n} {t}")).collect::<Vec<_>>().join(", ");
            return Err(CpiError::Internal(format!(
                "view {} does not match schemas/{}.json: it has [{}], the schema declares [{}]",
                self.view,
                self.table,
                show(&mut schema.fields().iter().map(|f| (f.name().clone(), f.data_type().clone()))),
                show(&mut self.columns.iter().cloned())
            )));
        }
        let target: SchemaRef = Arc::new(Schema::new(
            schema.fields().iter().zip(&self.columns).map(|(f, (_, t))| Field::new(f.name(), t.clone(), f.is_nullable())).collect::<Vec<_>>(),
        ));
        let options = CastOptions { safe: false, ..Default::default() };
        let batches = batches
            .iter()
            .map(|b| {
                let columns = b
                    .columns()
                    .iter()
                    .zip(target.fields())
                    .map(|(c, f)| if c.data_type() == f.data_type() { Ok(c.clone()) } else { cast_with_options(c, f.data_type(), &options) })
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                Ok(RecordBatch::try_new(target.clone(), columns)?)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((target, batches))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every staged table of the settings is declared, and every declaration is made: the names
    /// settings_tables.rs gives its tables are exactly those of origin settings, and each table's
    /// columns pass its entry.
    #[test]
    fn the_settings_tables_are_the_declared_ones() {
        let tables = crate::settings_tables::tables(&crate::config::Settings::defaults().unwrap()).unwrap();
        let mut made: Vec<&str> = tables.iter().map(|(name, _)| *name).collect();
        made.sort();
        assert_eq!(made, staged_names(Origin::Settings).unwrap());
        for (name, batch) in &tables {
            check_staged(name, &batch.schema()).unwrap();
        }
    }

    /// A staged table is checked by name, order and type of its columns (a string may be a view
    /// of strings); an undeclared table is refused.
    #[test]
    fn a_staged_table_must_match_its_declaration() {
        let field = |n: &str, t: DataType| Field::new(n, t, true);
        let declared = Schema::new(vec![field("file_order", DataType::Int32), field("file", DataType::Utf8), field("rows_read", DataType::Int64)]);
        check_staged("input_files", &declared).unwrap();
        check_staged("input_files", &Schema::new(vec![field("file_order", DataType::Int32), field("file", DataType::Utf8View), field("rows_read", DataType::Int64)])).unwrap();
        let wider = Schema::new(vec![field("file_order", DataType::Int64), field("file", DataType::Utf8), field("rows_read", DataType::Int64)]);
        let err = check_staged("input_files", &wider).unwrap_err().to_string();
        assert!(err.contains("schemas/staged/input_files.json") && err.contains("file_order Int64") && err.contains("file_order Int32"), "{err}");
        let reordered = Schema::new(vec![field("file", DataType::Utf8), field("file_order", DataType::Int32), field("rows_read", DataType::Int64)]);
        assert!(check_staged("input_files", &reordered).is_err());
        let err = check_staged("input_file", &declared).unwrap_err().to_string();
        assert!(err.contains("input_file has no entry in schemas/staged/"), "{err}");
        // (the KBO tables take the input schema's columns, as text)
        let kbo = staged().unwrap().iter().find(|t| t.table == "kbo_code").unwrap();
        assert_eq!(kbo.columns, ["category", "code", "language", "description"].map(|n| (n.to_string(), DataType::Utf8)));
    }

    fn derived_schema(columns: &str) -> (TableSchema, Derived) {
        let schema: TableSchema = serde_json::from_str(&format!(
            r#"{{"table": "t", "kind": "output", "file": "t.parquet", "view": "output_t", "confidential_view": "output_t_confidential",
                "description": "", "derived": {{"cells": "t_cells", "order_by": "k"}}, "columns": [{columns}]}}"#
        ))
        .unwrap();
        let derived = schema.derived.clone().unwrap();
        (schema, derived)
    }

    fn conditions(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// A derived output's two views: every declared column cast to its type from the cells, in
    /// order, sorted; the published one masks a column where its conditions do not all hold.
    #[test]
    fn derived_views_type_once_and_mask_once() {
        let (schema, derived) = derived_schema(
            r#"{"name": "k", "type": "string"}, {"name": "n", "type": "int64"},
               {"name": "x", "type": "double", "shown_when": ["members"]}, {"name": "gap", "type": "double", "shown_when": ["members", "flanders"]}"#,
        );
        let defined = conditions(&[("members", "reason IS NULL"), ("flanders", "f IS NULL"), ("unused", "false")]);
        let sql = derived_views("t.json", &schema, &derived, &defined).unwrap();
        assert!(sql.contains("CREATE VIEW output_t_confidential AS\nSELECT CAST(k AS VARCHAR) AS k,\n       CAST(n AS BIGINT) AS n,\n       CAST(x AS DOUBLE) AS x,\n       CAST(gap AS DOUBLE) AS gap\nFROM t_cells\nORDER BY k;"), "{sql}");
        assert!(sql.contains("CREATE VIEW output_t AS\nSELECT k,\n       n,\n       CASE WHEN (reason IS NULL) THEN x END AS x,\n       CASE WHEN (reason IS NULL) AND (f IS NULL) THEN gap END AS gap\nFROM output_t_confidential\nORDER BY k;"), "{sql}");
        // a condition not defined, or a type not every engine reads, is refused
        let (schema, derived) = derived_schema(r#"{"name": "x", "type": "double", "shown_when": ["member"]}"#);
        assert!(derived_views("t.json", &schema, &derived, &defined).unwrap_err().contains("shown when \"member\", which schemas/disclosure_conditions.json does not define"));
        let (schema, derived) = derived_schema(r#"{"name": "line", "type": "uint64"}"#);
        assert!(derived_views("t.json", &schema, &derived, &defined).unwrap_err().contains("no SQL type"));
    }

    /// The shipped derived outputs name only conditions they define, and their views are where
    /// step 90 says `@catalogue views`.
    #[test]
    fn the_shipped_derived_views_are_in_step_90() {
        let derived: Vec<&Output> = outputs().unwrap().iter().filter(|o| o.derived_sql.is_some()).collect();
        assert_eq!(derived.len(), 8);
        let step = crate::steps::all().unwrap().iter().find(|s| s.file == "90_outputs.sql").unwrap();
        for o in derived {
            assert!(step.sql.contains(&format!("CREATE VIEW {} AS", o.view)), "{}", o.view);
            assert!(step.sql.contains(&format!("CREATE VIEW {} AS", o.confidential_view.as_ref().unwrap())), "{}", o.view);
        }
        assert!(!step.sql.contains(crate::steps::CATALOGUE_VIEWS));
    }

    /// The readers hand over columns only: the names, types and nullability are the
    /// declaration's, and a column that does not fit it fails naming the table.
    #[test]
    fn a_staged_batch_takes_its_schema_from_the_declaration() {
        use datafusion::arrow::array::{ArrayRef, Int64Array, StringArray};
        let name: ArrayRef = Arc::new(StringArray::from(vec!["a"]));
        let batch = staged_batch("input_counts", vec![name.clone(), Arc::new(Int64Array::from(vec![1]))]).unwrap();
        assert_eq!(batch.schema().field(1).name(), "value");
        assert!(!batch.schema().field(1).is_nullable());
        let err = staged_batch("input_counts", vec![name.clone(), Arc::new(Int64Array::from(vec![None]))]).unwrap_err().to_string();
        assert!(err.contains("staged table input_counts (schemas/staged/input_counts.json)"), "{err}");
        assert!(staged_batch("input_counts", vec![name.clone(), name]).is_err());
        // a nullable column (declared "nullable": true) takes NULL
        let member = |v: Option<&str>| Arc::new(StringArray::from(vec![v])) as ArrayRef;
        let dates = Arc::new(datafusion::arrow::array::Date32Array::from(vec![None])) as ArrayRef;
        assert!(staged_batch("members", vec![member(Some("C")), member(Some("0200.000.142")), dates.clone(), dates, member(Some("company"))]).is_ok());
    }

    /// The staged format hash changes with a column's type or name of a table of the inputs or
    /// the settings (a copy holds those), not with the runner's per-year tables (never in a copy).
    #[test]
    fn the_staged_hash_is_of_the_declared_columns() {
        let declared = staged().unwrap().to_vec();
        let hash = hash_of(&declared);
        assert_eq!((hash.len(), hash.clone()), (16, staged_hash().unwrap()));
        let changed = |table: &str, change: &dyn Fn(&mut (String, DataType))| {
            let mut relations = declared.clone();
            change(&mut relations.iter_mut().find(|t| t.table == table).unwrap().columns[0]);
            hash_of(&relations)
        };
        assert_ne!(changed("accounts", &|c| c.1 = DataType::Utf8View), hash);
        assert_ne!(changed("settings", &|c| c.0.push('s')), hash);
        assert_eq!(changed("reference_year", &|c| c.1 = DataType::Int64), hash);
    }
}
