//! Writing the outputs: Parquet files with stable names and bytes, the manifest, and the
//! atomic publish (everything is written to a staging folder that replaces the output folder
//! only when complete, so a failed run leaves the previous outputs untouched).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray, UInt64Array};
use datafusion::arrow::compute::{cast, concat_batches};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::metadata::KeyValue;
use datafusion::parquet::file::properties::WriterProperties;
use sha2::{Digest, Sha256};

use crate::error::{CpiError, Result};
use crate::inputs::Reject;

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

/// The rejects table, sorted by file and line.
pub fn rejects_batch(rejects: &[Reject]) -> Result<RecordBatch> {
    let mut sorted: Vec<&Reject> = rejects.iter().collect();
    sorted.sort();
    let text = |f: fn(&Reject) -> &str| Arc::new(StringArray::from_iter_values(sorted.iter().map(|r| f(r)))) as ArrayRef;
    let schema = Arc::new(Schema::new(vec![
        Field::new("file", DataType::Utf8, false),
        Field::new("line", DataType::UInt64, false),
        Field::new("field", DataType::Utf8, false),
        Field::new("raw_value", DataType::Utf8, false),
        Field::new("reason", DataType::Utf8, false),
    ]));
    Ok(RecordBatch::try_new(
        schema,
        vec![
            text(|r| &r.file),
            Arc::new(UInt64Array::from_iter_values(sorted.iter().map(|r| r.line))),
            text(|r| &r.field),
            text(|r| &r.raw_value),
            text(|r| &r.reason),
        ],
    )?)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(|e| CpiError::io(path.display().to_string(), e))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(|e| CpiError::io(path.display().to_string(), e))?;
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Cleans up after a run that was killed: its staging folder is removed, and if it was killed
/// between the two renames of [`Publisher::publish`] (target moved away, staging not yet in
/// place), the previous outputs are put back.
fn recover_interrupted(parent: &Path, name: &str, target: &Path) -> Result<()> {
    let io = |p: &Path| {
        let p = p.display().to_string();
        move |e| CpiError::io(p, e)
    };
    let staging_prefix = format!(".{name}.staging-");
    let previous_prefix = format!(".{name}.previous-");
    for entry in std::fs::read_dir(parent).map_err(io(parent))? {
        let path = entry.map_err(io(parent))?.path();
        let file = path.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
        if file.starts_with(&staging_prefix) {
            tracing::warn!(folder = %path.display(), "removing the staging folder of an interrupted run");
            std::fs::remove_dir_all(&path).map_err(io(&path))?;
        } else if file.starts_with(&previous_prefix) {
            if target.exists() {
                std::fs::remove_dir_all(&path).map_err(io(&path))?;
            } else {
                tracing::warn!(folder = %path.display(), "restoring the outputs of before an interrupted publish");
                std::fs::rename(&path, target).map_err(io(&path))?;
            }
        }
    }
    Ok(())
}

/// Output folder handling on the local file system: a staging folder beside the target,
/// swapped in by two renames once every file is written.
pub struct Publisher {
    target: PathBuf,
    staging: PathBuf,
}

impl Publisher {
    /// Refuses a non-empty output folder unless `overwrite`; creates the staging folder.
    pub fn prepare(target: &Path, overwrite: bool) -> Result<Publisher> {
        let display = target.display().to_string();
        if target.exists() {
            let non_empty = std::fs::read_dir(target).map_err(|e| CpiError::io(&display, e))?.next().is_some();
            if non_empty && !overwrite {
                return Err(CpiError::OutputExists(display));
            }
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| CpiError::io(parent.display().to_string(), e))?;
        let name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "out".into());
        recover_interrupted(&parent, &name, target)?;
        let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
        std::fs::create_dir_all(&staging).map_err(|e| CpiError::io(staging.display().to_string(), e))?;
        Ok(Publisher { target: target.to_path_buf(), staging })
    }

    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Replaces the target folder by the staging folder.
    pub fn publish(self) -> Result<()> {
        let io = |p: &Path| {
            let p = p.display().to_string();
            move |e| CpiError::io(p, e)
        };
        let previous = self.staging.with_file_name(
            self.staging.file_name().unwrap().to_string_lossy().replace(".staging-", ".previous-"),
        );
        if self.target.exists() {
            std::fs::rename(&self.target, &previous).map_err(io(&self.target))?;
        }
        std::fs::rename(&self.staging, &self.target).map_err(io(&self.target))?;
        if previous.exists() {
            std::fs::remove_dir_all(&previous).map_err(io(&previous))?;
        }
        Ok(())
    }

    /// Removes the staging folder after a failure.
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.staging);
    }
}
