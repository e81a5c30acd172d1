//! The published tables of an output folder, read back as rows of named values for the report
//! template. The report reads only what the public folder holds: if a value is not in these
//! files, the report cannot show it.

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::error::{CpiError, Result};
pub use crate::rows::Row;
use crate::rows::rows_of;
use crate::storage::Location;

/// Every row of the Parquet file `file` in `dir`.
pub async fn read(dir: &Location, file: &str) -> Result<Vec<Row>> {
    let name = dir.name_of(file);
    let bytes = bytes::Bytes::from(dir.get(file).await?);
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .and_then(|b| b.build())
        .map_err(|e| CpiError::bad_input(&name, format!("not a readable Parquet file: {e}")))?;
    let batches = reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| CpiError::bad_input(&name, format!("not a readable Parquet file: {e}")))?;
    rows_of(&batches)
}
