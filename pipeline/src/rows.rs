//! Record batches as rows of named values (column name -> null, number or text): the one
//! converter with which the report reads the published tables (those `cpi run` has just
//! written, and a published folder's), the terminal summary the run's `run_summary` relation,
//! the manifest the runner's relations by column name, and the sqllogictest cases their results.

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int64Type};
use serde_json::{Map, Value};

use crate::error::Result;

/// One row: column name -> value (null, number or text).
pub type Row = Map<String, Value>;

/// The rows of record batches.
pub fn rows_of(batches: &[RecordBatch]) -> Result<Vec<Row>> {
    let mut rows = vec![];
    for batch in batches {
        let names = batch.schema().fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>();
        rows.extend(batch_values(batch)?.into_iter().map(|values| names.iter().cloned().zip(values).collect::<Row>()));
    }
    Ok(rows)
}

/// The rows of record batches as values in column order (a result may name two columns alike).
pub fn values_of(batches: &[RecordBatch]) -> Result<Vec<Vec<Value>>> {
    let mut rows = vec![];
    for batch in batches {
        rows.extend(batch_values(batch)?);
    }
    Ok(rows)
}

/// The rows of one batch: integers as integers, other numbers as floats, anything else as text.
fn batch_values(batch: &RecordBatch) -> Result<Vec<Vec<Value>>> {
    let mut rows = vec![Vec::with_capacity(batch.num_columns()); batch.num_rows()];
    for column in batch.columns() {
        let values: Vec<Value> = match column.data_type() {
            t if t.is_integer() => {
                let c = cast(column, &DataType::Int64)?;
                let c = c.as_primitive::<Int64Type>();
                (0..c.len()).map(|i| if c.is_null(i) { Value::Null } else { Value::from(c.value(i)) }).collect()
            }
            t if t.is_floating() || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..)) => {
                let c = cast(column, &DataType::Float64)?;
                let c = c.as_primitive::<Float64Type>();
                (0..c.len()).map(|i| if c.is_null(i) { Value::Null } else { Value::from(c.value(i)) }).collect()
            }
            _ => {
                let c = cast(column, &DataType::Utf8)?;
                let c = c.as_string::<i32>();
                (0..c.len()).map(|i| if c.is_null(i) { Value::Null } else { Value::from(c.value(i)) }).collect()
            }
        };
        for (row, value) in rows.iter_mut().zip(values) {
            row.push(value);
        }
    }
    Ok(rows)
}
