//! `cpi ingest`: a converted copy of an input folder for repeated runs on the same register
//! snapshot. The KBO extract's CSV files (1.8 GB at Belgian size, most of it activity.csv) become
//! Parquet files with the same text columns, so later runs scan only the columns they use
//! instead of parsing every CSV byte. Everything else is copied unchanged, so the copy is an
//! input folder like any other: `cpi run --input COPY` gives the same outputs as on the
//! original (tested).
//!
//! `kbo/ingest.json` ties the copy to the published files: their names, sizes, SHA-256 and row
//! counts; it is listed (with its own SHA-256) in the manifest of every run on the copy.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::csv::ReaderBuilder;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{CpiError, Result};
use crate::inputs::kbo::{self, TABLES};
use crate::publish::Publisher;
use crate::storage::Location;
use crate::{outputs, parallel};

/// Name of the lineage file in a converted KBO folder; its presence marks the folder as one.
pub const INGEST_FILE: &str = "ingest.json";

/// What `kbo/ingest.json` records.
#[derive(Debug, Serialize, Deserialize)]
pub struct IngestRecord {
    pub tool: String,
    /// The published extract the copy was made from (zip or folder), as given.
    pub source: String,
    pub snapshot_date: String,
    pub extract_number: String,
    pub files: Vec<ConvertedFile>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ConvertedFile {
    /// The published file (`kbo/x.zip:activity.csv` or `kbo/activity.csv`).
    pub source_file: String,
    pub source_bytes: u64,
    pub source_sha256: String,
    /// The Parquet file in the copy (`kbo/activity.parquet`).
    pub file: String,
    pub rows: u64,
}

/// Converts `input` into `output` (a local folder, written atomically like a run's outputs).
pub async fn ingest(input: &str, output: &str, overwrite: bool) -> Result<IngestRecord> {
    if crate::storage::local_path(output).is_none() {
        return Err(CpiError::Config(format!("{output}: cpi ingest writes a local folder")));
    }
    let location = Location::open(input).await?;
    let extract = kbo::open(&location).await?;
    let publisher = Publisher::prepare(output, overwrite).await?;
    let result = write_copy(&location, &extract, &publisher.staging()?.local_file("")).await;
    match result {
        Ok(record) => {
            publisher.publish().await?;
            Ok(record)
        }
        Err(e) => {
            publisher.abandon().await;
            Err(e)
        }
    }
}

async fn write_copy(input: &Location, extract: &kbo::KboExtract, to: &Path) -> Result<IngestRecord> {
    let kbo_dir = to.join("kbo");
    std::fs::create_dir_all(&kbo_dir).map_err(|e| CpiError::io(kbo_dir.display().to_string(), e))?;
    let prefix = format!("{}/", input.display);
    let tables: Vec<(&str, &str, &Path)> = extract.tables().collect();
    let converted = parallel::map(&tables, |_, (table, name, path)| -> Result<ConvertedFile> {
        let stem = TABLES.iter().find(|t| t.1 == *table).map(|t| t.0.trim_end_matches(".csv")).unwrap_or(table);
        let file = format!("kbo/{stem}.parquet");
        let (rows, source_bytes, source_sha256) = csv_to_parquet(path, name, table, &to.join(&file))?;
        Ok(ConvertedFile { source_file: name.trim_start_matches(&prefix).to_string(), source_bytes, source_sha256, file, rows })
    });
    let files = converted.into_iter().collect::<Result<Vec<_>>>()?;
    let meta_to = kbo_dir.join(kbo::META);
    std::fs::copy(extract.meta_path(), &meta_to).map_err(|e| CpiError::io(meta_to.display().to_string(), e))?;

    // Every other input file unchanged.
    for entry in input.list("").await? {
        if entry.path.starts_with("kbo/") {
            continue;
        }
        let target = to.join(&entry.path);
        if let Some(folder) = target.parent() {
            std::fs::create_dir_all(folder).map_err(|e| CpiError::io(folder.display().to_string(), e))?;
        }
        std::fs::copy(input.local_file(&entry.path), &target).map_err(|e| CpiError::io(input.name_of(&entry.path), e))?;
    }

    let record = IngestRecord {
        tool: format!("cpi {}", env!("CARGO_PKG_VERSION")),
        source: extract.source.trim_start_matches(&prefix).to_string(),
        snapshot_date: extract.meta.snapshot_date.clone(),
        extract_number: extract.meta.extract_number.clone(),
        files,
    };
    let json = serde_json::to_vec_pretty(&record).map_err(|e| CpiError::Internal(e.to_string()))?;
    let path = kbo_dir.join(INGEST_FILE);
    std::fs::write(&path, json).map_err(|e| CpiError::io(path.display().to_string(), e))?;
    Ok(record)
}

/// Streams one KBO CSV into a Parquet file, row for row and in order (so the same extract
/// always gives the same bytes). Returns the rows written and the size and SHA-256 of the CSV,
/// taken in the same pass.
fn csv_to_parquet(path: &Path, name: &str, table: &str, to: &PathBuf) -> Result<(u64, u64, String)> {
    let columns = TABLES.iter().find(|t| t.1 == table).map(|t| t.3).unwrap_or(&[]);
    let schema = Arc::new(kbo::text_schema(columns));
    let file = std::fs::File::open(path).map_err(|e| CpiError::io(name, e))?;
    let mut hashing = HashingReader { inner: file, hasher: Sha256::new(), bytes: 0 };
    let reader = ReaderBuilder::new(schema.clone())
        .with_header(true)
        .with_batch_size(64 * 1024)
        .build(std::io::BufReader::with_capacity(1 << 20, &mut hashing))
        .map_err(|e| CpiError::bad_input(name, e.to_string()))?;
    let out = std::fs::File::create(to).map_err(|e| CpiError::io(to.display().to_string(), e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).expect("level 1 is valid")))
        .set_created_by(format!("cpi {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut writer = ArrowWriter::try_new(out, schema, Some(props))?;
    let mut rows = 0u64;
    for batch in reader {
        let batch = batch.map_err(|e| CpiError::bad_input(name, e.to_string()))?;
        rows += batch.num_rows() as u64;
        writer.write(&batch)?;
    }
    writer.close()?;
    Ok((rows, hashing.bytes, outputs::hex(&hashing.hasher.finalize())))
}

/// Hashes the bytes a reader passes on, so a file is hashed while it is converted.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}
