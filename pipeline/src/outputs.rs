//! Encoding the outputs: Parquet files with stable names and bytes, for the manifest with
//! their checksums (`lineage`). Putting them in place is `publish.rs`.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::compute::{cast, concat_batches};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::metadata::KeyValue;
use datafusion::parquet::file::properties::WriterProperties;

use crate::error::Result;

/// A written output file, for the manifest.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OutputFile {
    pub file: String,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

/// Encodes batches as one Parquet file (zstd) with the run's key-value metadata. Utf8View
/// columns are cast to plain Utf8 so every reader sees ordinary strings.
pub fn parquet_bytes(schema: SchemaRef, batches: &[RecordBatch], metadata: &BTreeMap<String, String>) -> Result<(Vec<u8>, u64)> {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8View | DataType::LargeUtf8 => f.as_ref().clone().with_data_type(DataType::Utf8),
            _ => f.as_ref().clone(),
        })
        // Field metadata (a Parquet field id, when a relation was read back from a staged copy)
        // is not part of an output: without it the same rows give the same bytes.
        .map(|f| f.with_metadata(Default::default()))
        .collect();
    let out_schema = Arc::new(Schema::new(fields));
    let batch = concat_batches(&schema, batches)?;
    let columns: Vec<ArrayRef> = batch
        .columns()
        .iter()
        .zip(out_schema.fields())
        .map(|(c, f)| if c.data_type() == f.data_type() { Ok(c.clone()) } else { cast(c, f.data_type()) })
        .collect::<std::result::Result<_, _>>()?;
    let batch = RecordBatch::try_new(out_schema.clone(), columns)?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3)?))
        .set_created_by(format!("cpi {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(
            metadata.iter().map(|(k, v)| KeyValue::new(k.clone(), v.clone())).collect(),
        ))
        .build();
    let mut bytes = vec![];
    let mut writer = ArrowWriter::try_new(&mut bytes, out_schema, Some(props))?;
    writer.write(&batch)?;
    writer.close()?;
    Ok((bytes, batch.num_rows() as u64))
}
