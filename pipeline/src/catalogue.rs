//! The one catalogue of outputs: every `schemas/*.json` of kind `output` names its file, the
//! view of sql/ that fills it, and its columns with their types, in order. The writer, `cpi
//! verify` and the Python checks in ci/ all read this list; nothing lists the outputs again.

use std::sync::OnceLock;

use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::{cast_with_options, CastOptions};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde::Deserialize;

use crate::error::{CpiError, Result};
use crate::steps::SCHEMA_FILES;

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
}

/// Every output of the catalogue, in file-name order.
pub fn outputs() -> Result<&'static [Output]> {
    static OUTPUTS: OnceLock<std::result::Result<Vec<Output>, String>> = OnceLock::new();
    OUTPUTS.get_or_init(read_outputs).as_deref().map_err(|e| CpiError::Internal(e.clone()))
}

/// Every table schema in schemas/, by file.
pub fn schemas() -> std::result::Result<Vec<(&'static str, TableSchema)>, String> {
    SCHEMA_FILES
        .iter()
        .map(|(file, text)| serde_json::from_str(text).map(|s| (*file, s)).map_err(|e| format!("schemas/{file}: {e}")))
        .collect()
}

fn read_outputs() -> std::result::Result<Vec<Output>, String> {
    let mut outputs = vec![];
    for (file, schema) in schemas()? {
        if schema.kind != "output" {
            continue;
        }
        let missing = |what: &str| format!("schemas/{file}: an output needs \"{what}\"");
        let columns = schema
            .columns
            .iter()
            .map(|c| arrow_type(&c.type_name).map(|t| (c.name.clone(), t)).ok_or_else(|| format!("schemas/{file}: column {} has unknown type {:?}", c.name, c.type_name)))
            .collect::<std::result::Result<_, _>>()?;
        outputs.push(Output {
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
