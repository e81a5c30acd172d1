//! Record batches as rows of named values (column name -> null, number or text): the one
//! converter with which the report reads the published tables, the terminal summary the run's
//! `run_summary` relation and the manifest the runner's relations, by column name.

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
        rows.extend(batch_rows(batch)?);
    }
    Ok(rows)
}

/// The rows of one batch: integers as integers, other numbers as floats, anything else as text.
fn batch_rows(batch: &RecordBatch) -> Result<Vec<Row>> {
    let mut rows = vec![Row::new(); batch.num_rows()];
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        let values: Vec<Value> = match field.data_type() {
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
            row.insert(field.name().clone(), value);
        }
    }
    Ok(rows)
}
