//! `cpi ingest`: the staged tables of an input folder written to a folder of their own, so that
//! repeated runs on the same inputs (a range of years, what-if settings) skip reading and
//! checking the published files. Layout:
//!
//! ```text
//! staged.json                       what the copy holds (StagedRecord below)
//! tables/<table>.parquet            every stage-1 table (accounts: a folder of files)
//! settings/<table>.parquet          the settings tables of the settings used by cpi ingest
//! common/<key>/<relation>.parquet   results of the common steps (register, annual figures;
//!                                   those with a year column: a folder of files, see write_by_year)
//! ```
//!
//! `staged.json` records the published input files (size, SHA-256), the KBO extract, the row
//! counts and rejects (as tables), and the account checks the rows passed. A run whose settings
//! would check differently refuses the copy. The common steps' results are keyed by the
//! settings they depend on (`common/<key>`): a run with other such settings computes them again
//! from the staged tables; one with the same settings only runs the per-year steps. A run always
//! uses its own settings tables; those in `settings/` record what ingest used, so that another
//! engine (ci/duckdb_method.py) can run the sql/ steps on the copy as it is.

use std::path::Path;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};

use crate::error::{CpiError, Result};
use crate::inputs::kbo::KboMeta;
use crate::lineage::InputFile;
use crate::stage::{AccountChecks, CopyOrigin, Source, Staged, StagedTable};
use crate::storage::Location;

/// The file that marks a folder as a staged copy.
pub const RECORD_FILE: &str = "staged.json";
/// Bumped when the copy's layout changes (its folders and record). A change of a staged table's
/// columns changes the format by itself: [`format`].
const LAYOUT: u32 = 8;

/// The copy's format: its layout and a hash of the staged tables as schemas/staged/ declares
/// them. A copy of another format is refused.
pub fn format() -> Result<String> {
    Ok(format!("cpi-staged-{LAYOUT}-{}", crate::catalogue::staged_hash()?))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StagedRecord {
    pub format: String,
    pub tool: String,
    /// The input folder the copy was made from, as given.
    pub source: String,
    pub kbo: KboMeta,
    pub inputs: Vec<InputFile>,
    pub checks: AccountChecks,
    pub tables: Vec<StagedFile>,
    pub settings: Vec<StagedFile>,
    pub common: CommonRecord,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StagedFile {
    pub table: String,
    /// Path in the copy: a Parquet file, or a folder of them.
    pub path: String,
    pub rows: u64,
}

/// The results of the common steps in the copy, and the settings key they were computed with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommonRecord {
    pub key: String,
    pub tables: Vec<StagedFile>,
}

/// Whether `location` holds a staged copy.
pub async fn is_copy(location: &Location) -> Result<bool> {
    location.exists(RECORD_FILE).await
}

/// Opens the staged copy at `location` for a run with `checks`.
pub async fn open(location: Location, checks: &AccountChecks) -> Result<Staged> {
    let name = location.name_of(RECORD_FILE);
    let bytes = location.get(RECORD_FILE).await?;
    let not_a_record = |e: serde_json::Error| CpiError::bad_input(&name, format!("not a staged copy's record: {e}"));
    // The format first, alone: a copy made by another cpi may lack a field of this one's record,
    // and should be told to ingest again rather than that a field is missing.
    #[derive(Deserialize)]
    struct Format {
        format: String,
    }
    let recorded: Format = serde_json::from_slice(&bytes).map_err(not_a_record)?;
    let format = format()?;
    if recorded.format != format {
        return Err(CpiError::bad_input(&name, format!("format {:?}, this cpi reads {format:?}: run cpi ingest again", recorded.format)));
    }
    let record: StagedRecord = serde_json::from_slice(&bytes).map_err(not_a_record)?;
    if &record.checks != checks {
        let show = |c: &AccountChecks| serde_json::to_string(c).unwrap_or_default();
        return Err(CpiError::Config(format!(
            "{name}: the staged copy was checked with other account settings ({}) than this run's ({}); \
             run cpi ingest again with this run's --config, or run on the published inputs",
            show(&record.checks),
            show(checks)
        )));
    }
    let tables = record
        .tables
        .iter()
        .map(|f| StagedTable { name: f.table.clone(), source: Source::Parquet(location.table_path(&f.path)) })
        .collect();
    let origin = CopyOrigin {
        record_sha256: crate::lineage::sha256_hex(&bytes),
        common_key: record.common.key.clone(),
        common_tables: record.common.tables.iter().map(|t| (t.table.clone(), t.path.clone())).collect(),
        location,
    };
    Ok(Staged::from_copy(origin, record.kbo, record.inputs, record.checks, tables))
}

/// Writes `staged` and the common results into the local folder `to`.
pub fn write(
    to: &Path,
    source: &str,
    staged: &Staged,
    settings: &[(&str, RecordBatch)],
    common_key: &str,
    common: &[(String, SchemaRef, Vec<RecordBatch>)],
) -> Result<StagedRecord> {
    let mut tables = vec![];
    for t in &staged.tables {
        let (path, rows) = match &t.source {
            Source::Memory(batch) => {
                let path = format!("tables/{}.parquet", t.name);
                (path.clone(), write_parquet(&to.join(&path), batch.schema(), std::slice::from_ref(batch))?)
            }
            Source::Csv { path: csv, schema } => {
                let path = format!("tables/{}.parquet", t.name);
                (path.clone(), csv_to_parquet(Path::new(csv), schema.clone(), &to.join(&path))?)
            }
            Source::Parquet(folder) => {
                let path = format!("tables/{}", t.name);
                (path.clone(), copy_parquet_folder(Path::new(folder), &to.join(&path))?)
            }
        };
        tables.push(StagedFile { table: t.name.clone(), path, rows });
    }
    let mut settings_files = vec![];
    for (name, batch) in settings {
        let path = format!("settings/{name}.parquet");
        let rows = write_parquet(&to.join(&path), batch.schema(), std::slice::from_ref(batch))?;
        settings_files.push(StagedFile { table: name.to_string(), path, rows });
    }
    let mut common_files = vec![];
    for (name, schema, batches) in common {
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        let (path, rows) = match schema.index_of("year") {
            Ok(year) if rows > YEAR_CHUNK && schema.field(year).data_type() == &DataType::Int32 => {
                let path = format!("common/{common_key}/{name}");
                (path.clone(), write_by_year(&to.join(&path), schema.clone(), batches, year)?)
            }
            _ => {
                let path = format!("common/{common_key}/{name}.parquet");
                (path.clone(), write_parquet(&to.join(&path), schema.clone(), batches)?)
            }
        };
        common_files.push(StagedFile { table: name.clone(), path, rows });
    }
    let record = StagedRecord {
        format: format()?,
        tool: format!("cpi {}", env!("CARGO_PKG_VERSION")),
        source: source.to_string(),
        kbo: staged.kbo.clone(),
        inputs: staged.inputs.clone(),
        checks: staged.checks.clone(),
        tables,
        settings: settings_files,
        common: CommonRecord { key: common_key.to_string(), tables: common_files },
    };
    let json = serde_json::to_vec_pretty(&record).map_err(|e| CpiError::Internal(e.to_string()))?;
    let path = to.join(RECORD_FILE);
    std::fs::write(&path, json).map_err(|e| CpiError::io(path.display().to_string(), e))?;
    Ok(record)
}

fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).expect("level 1 is valid")))
        .set_created_by(format!("cpi {}", env!("CARGO_PKG_VERSION")))
        .build()
}

fn create(path: &Path) -> Result<std::fs::File> {
    if let Some(folder) = path.parent() {
        std::fs::create_dir_all(folder).map_err(|e| CpiError::io(folder.display().to_string(), e))?;
    }
    std::fs::File::create(path).map_err(|e| CpiError::io(path.display().to_string(), e))
}

fn write_parquet(path: &Path, schema: SchemaRef, batches: &[RecordBatch]) -> Result<u64> {
    let mut writer = ArrowWriter::try_new(create(path)?, schema, Some(properties()))?;
    let mut rows = 0;
    for b in batches {
        rows += b.num_rows() as u64;
        writer.write(b)?;
    }
    writer.close()?;
    Ok(rows)
}

/// Common results with an Int32 `year` column (annual and exercise figures) are read by every per-year
/// step for a few years only. They are written sorted by year into YEAR_PARTS files, in chunks of
/// YEAR_CHUNK rows dealt to the files in turn, each chunk a row group of its own: a step's filter
/// on the year then skips the other years' row groups by their statistics, and every file holds
/// a share of each year, so that each core reads some (in one file sorted by year, a year's rows
/// were all in one core's half). Re-run at F = 1.0: base_end_figures 0.42 -> 0.15-0.27 s and
/// match_pre_panel 0.5 -> 0.16 s; the outputs are the same bytes (only the order of rows read
/// changes, and no result depends on it).
const YEAR_PARTS: usize = 4;
const YEAR_CHUNK: usize = 64 * 1024;

fn write_by_year(folder: &Path, schema: SchemaRef, batches: &[RecordBatch], year: usize) -> Result<u64> {
    use datafusion::arrow::array::{AsArray, Int32Array};
    use datafusion::arrow::compute::kernels::cmp::eq;
    use datafusion::arrow::compute::{concat_batches, filter_record_batch, is_null};
    use datafusion::arrow::datatypes::Int32Type;
    // (the caller checked that the year column is Int32)
    let years_of = |b: &RecordBatch| b.column(year).as_primitive::<Int32Type>().clone();
    let years: std::collections::BTreeSet<i32> = batches.iter().flat_map(|b| years_of(b).iter().flatten().collect::<Vec<_>>()).collect();
    let mut writers = (0..YEAR_PARTS)
        .map(|k| ArrowWriter::try_new(create(&folder.join(format!("part-{k}.parquet")))?, schema.clone(), Some(properties())).map_err(CpiError::from))
        .collect::<Result<Vec<_>>>()?;
    let (mut pending, mut next, mut rows) = (vec![], 0, 0u64);
    let mut write_chunk = |chunk: &RecordBatch, writers: &mut Vec<ArrowWriter<std::fs::File>>| -> Result<()> {
        writers[next].write(chunk)?;
        writers[next].flush()?;
        next = (next + 1) % YEAR_PARTS;
        Ok(())
    };
    // each year's rows in their order, then those without a year
    let masks = years.iter().map(|&y| Some(y)).chain([None]);
    for y in masks {
        for b in batches {
            let column = years_of(b);
            let mask = match y {
                Some(y) => eq(&column, &Int32Array::new_scalar(y))?,
                None => is_null(&column)?,
            };
            let part = filter_record_batch(b, &mask)?;
            if part.num_rows() > 0 {
                rows += part.num_rows() as u64;
                pending.push(part);
            }
            while pending.iter().map(RecordBatch::num_rows).sum::<usize>() >= YEAR_CHUNK {
                let all = concat_batches(&schema, &pending)?;
                write_chunk(&all.slice(0, YEAR_CHUNK), &mut writers)?;
                pending = vec![all.slice(YEAR_CHUNK, all.num_rows() - YEAR_CHUNK)];
            }
        }
    }
    let rest = concat_batches(&schema, &pending)?;
    if rest.num_rows() > 0 {
        write_chunk(&rest, &mut writers)?;
    }
    for w in writers {
        w.close()?;
    }
    Ok(rows)
}

/// Streams a published CSV into a Parquet file, row for row and in order.
fn csv_to_parquet(csv: &Path, schema: SchemaRef, to: &Path) -> Result<u64> {
    let name = csv.display().to_string();
    let file = std::fs::File::open(csv).map_err(|e| CpiError::io(&name, e))?;
    let reader = datafusion::arrow::csv::ReaderBuilder::new(schema.clone())
        .with_header(true)
        .with_batch_size(64 * 1024)
        .build(std::io::BufReader::with_capacity(1 << 20, file))
        .map_err(|e| CpiError::bad_input(&name, e.to_string()))?;
    let mut writer = ArrowWriter::try_new(create(to)?, schema, Some(properties()))?;
    let mut rows = 0;
    for batch in reader {
        let batch = batch.map_err(|e| CpiError::bad_input(&name, e.to_string()))?;
        rows += batch.num_rows() as u64;
        writer.write(&batch)?;
    }
    writer.close()?;
    Ok(rows)
}

/// Copies the Parquet files of a folder (the checked account rows), counting their rows.
fn copy_parquet_folder(from: &Path, to: &Path) -> Result<u64> {
    use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};
    std::fs::create_dir_all(to).map_err(|e| CpiError::io(to.display().to_string(), e))?;
    let mut entries: Vec<_> = std::fs::read_dir(from).map_err(|e| CpiError::io(from.display().to_string(), e))?.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    let mut rows = 0;
    for e in entries {
        let target = to.join(e.file_name());
        std::fs::copy(e.path(), &target).map_err(|err| CpiError::io(target.display().to_string(), err))?;
        let file = std::fs::File::open(&target).map_err(|err| CpiError::io(target.display().to_string(), err))?;
        rows += SerializedFileReader::new(file)?.metadata().file_metadata().num_rows() as u64;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{AsArray, Int32Array, Int64Array};
    use datafusion::arrow::datatypes::{Field, Int32Type, Int64Type, Schema};
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::*;

    /// 150 000 rows in three batches, years 2015..2024 in a scrambled order and every 1 000th
    /// row without a year: written by year into YEAR_PARTS files of YEAR_CHUNK-row row groups.
    #[test]
    fn rows_with_a_year_are_written_by_year_into_interleaved_files() {
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, false), Field::new("year", DataType::Int32, true)]));
        let year_of = |i: i64| if i % 1000 == 999 { None } else { Some(2015 + ((i * 7) % 10) as i32) };
        let batches: Vec<RecordBatch> = [0..40_000i64, 40_000..100_000, 100_000..150_000]
            .into_iter()
            .map(|r| {
                let ids = Int64Array::from_iter_values(r.clone());
                let years = Int32Array::from_iter(r.map(year_of));
                RecordBatch::try_new(schema.clone(), vec![Arc::new(ids), Arc::new(years)]).unwrap()
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("annual_figures");
        assert_eq!(write_by_year(&folder, schema.clone(), &batches, 1).unwrap(), 150_000);

        let mut ids = vec![];
        let mut chunks = vec![];
        for k in 0..YEAR_PARTS {
            let file = std::fs::File::open(folder.join(format!("part-{k}.parquet"))).unwrap();
            let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
            let groups: Vec<usize> = reader.metadata().row_groups().iter().map(|g| g.num_rows() as usize).collect();
            let mut years = vec![];
            for b in reader.build().unwrap() {
                let b = b.unwrap();
                ids.extend(b.column(0).as_primitive::<Int64Type>().values().iter().copied());
                years.extend(b.column(1).as_primitive::<Int32Type>().iter());
            }
            // each file in year order, the rows without a year last (None sorts first: map it last)
            let key = |y: &Option<i32>| y.map_or(i32::MAX, |y| y);
            assert!(years.windows(2).all(|w| key(&w[0]) <= key(&w[1])), "part {k} not in year order");
            chunks.push(groups);
        }
        // 150 000 rows = 2 chunks of 65 536 and one of 18 928, dealt to parts 0, 1, 2; part 3 empty
        assert_eq!(chunks, vec![vec![YEAR_CHUNK], vec![YEAR_CHUNK], vec![150_000 - 2 * YEAR_CHUNK], vec![]]);
        ids.sort_unstable();
        assert_eq!(ids, (0..150_000).collect::<Vec<_>>(), "every row once");
    }
}
