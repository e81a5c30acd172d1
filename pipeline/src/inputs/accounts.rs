//! Annual-account figures of the National Bank's Central Balance Sheet Office, in long form:
//! one row per rubric value, in one or more CSV or Parquet files under `accounts/`.
//!
//! Rows are parsed and checked here (this is where file and line are known); rows that fail a
//! check become rejects. What to *do* with valid rows (which deposit wins, scaling, rubric
//! choice) is the method, in sql/20_annual_figures.sql.

use std::fs::File;

use datafusion::arrow::array::{Array, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::account_rows::{AccountRules, Accounts, AccountsBuilder, Deposit, RowField, RubricValue, SpillFolder, AUTHENTIC};
use super::csv_file::{self, csv_problem};
use super::InputLog;
use crate::error::{CpiError, Result};
use crate::storage::Location;

pub const COLUMNS: [&str; 9] = [
    "enterprise_number",
    "reference_number",
    "deposit_date",
    "exercise_start",
    "exercise_end",
    "model_type",
    "rubric_code",
    "period",
    "value",
];
const BATCH_ROWS: usize = 65_536;

/// The account files read and what they held.
pub struct AccountsRead {
    /// The files with account rows, in `file_id` order.
    pub files: Vec<String>,
    /// Counts for the manifest (CBSO reference records and documents): (name, value).
    pub counts: Vec<(String, i64)>,
    /// SHA-256 of the CSV and CBSO files, hashed while they were parsed: (path in the input, hex).
    pub digests: Vec<(String, String)>,
    /// Keys of the CBSO documents the reader does not know, for `cpi validate`.
    pub unrecognised: Vec<super::cbso::UnrecognisedKey>,
}

/// Reads every account file under `accounts/`, at any depth: long-form `.csv` and `.parquet`
/// files, and the CBSO's deliveries (`.json` files and `.zip` extracts, see cbso.rs, and the
/// XBRL instances of deposits before April 2022, `.xbrl` or `.xml`, see pfs_xbrl.rs). The
/// checked rows go to Parquet files in `spill` (see [`SpillFolder`]).
pub async fn read(input: &Location, rules: &AccountRules, spill: &SpillFolder, log: &mut InputLog) -> Result<AccountsRead> {
    let entries = input.list("accounts").await?;
    let has = |path: &str, extensions: &[&str]| extensions.iter().any(|e| path.to_ascii_lowercase().ends_with(e));
    let files: Vec<(String, u64)> = entries.iter().filter(|f| has(&f.path, &[".csv", ".parquet"])).map(|f| (f.path.clone(), f.size)).collect();
    let cbso: Vec<(String, u64)> = entries.iter().filter(|f| has(&f.path, &[".json", ".zip", ".xbrl", ".xml"])).map(|f| (f.path.clone(), f.size)).collect();
    if files.is_empty() && cbso.is_empty() {
        return Err(CpiError::bad_input(
            input.name_of("accounts/"),
            "no account files found (long-form .csv or .parquet, or the CBSO's .json files, .zip extracts and .xbrl instances)",
        ));
    }
    let progress = crate::progress::bytes(files.iter().map(|f| f.1).sum(), "accounts");
    // Files are read in parallel, one per core at a time, the largest first; results are merged
    // in file order so the tables and the rejects do not depend on which thread finished first.
    let done = crate::parallel::map_largest_first(&files, |f| f.1, |i, (path, size)| {
        let result = read_file(input, path, i as i32, rules, spill);
        progress.inc(*size);
        result
    });
    progress.finish_and_clear();
    let mut names = vec![];
    let mut digests = vec![];
    for ((path, _), result) in files.iter().zip(done) {
        let (name, part_log, sha256) = result?;
        names.push(name);
        log.append(part_log);
        digests.extend(sha256.map(|d| (path.clone(), d)));
    }
    let (mut counts, mut unrecognised) = (vec![], vec![]);
    if !cbso.is_empty() {
        let read = super::cbso::read(input, &cbso, names.len() as i32, rules, spill, log)?;
        names.extend(read.files);
        counts = read.counts;
        unrecognised = read.unrecognised;
        digests.extend(read.digests);
    }
    Ok(AccountsRead { files: names, counts, digests, unrecognised })
}

/// Reads and checks one account file (CSV or Parquet); a CSV file is hashed as it is read.
fn read_file(input: &Location, path: &str, file_id: i32, rules: &AccountRules, spill: &SpillFolder) -> Result<(String, InputLog, Option<String>)> {
    let mut batches = Accounts::spilled(spill, file_id)?;
    let mut log = InputLog::default();
    let name = input.name_of(path);
    let mut builder = AccountsBuilder::new(&name, file_id, rules);
    let file = File::open(input.local_file(path)).map_err(|e| CpiError::io(&name, e))?;
    let (rows, sha256) = if path.ends_with(".parquet") {
        (read_parquet(&name, file, &mut builder, &mut batches, &mut log)?, None)
    } else {
        let mut hashing = crate::lineage::HashingReader::new(file);
        let rows = read_csv(&name, &mut hashing, &mut builder, &mut batches, &mut log)?;
        (rows, Some(hashing.sha256()))
    };
    builder.flush(&mut batches)?;
    batches.close()?;
    log.finish_file(&name, rows);
    Ok((name, log, sha256))
}

fn read_csv(
    name: &str,
    file: impl std::io::Read,
    builder: &mut AccountsBuilder,
    batches: &mut Accounts,
    log: &mut InputLog,
) -> Result<u64> {
    let mut reader = csv_file::reader(std::io::BufReader::with_capacity(1 << 20, file));
    let header = reader
        .byte_headers()
        .map_err(|e| CpiError::bad_input(name, format!("cannot read the header: {}", csv_problem(&e))))?;
    let names = csv_file::header_names(header.iter());
    let index = column_index(name, &names)?;
    let mut record = csv::ByteRecord::new();
    let mut rows = 0u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                rows += 1;
                let mut fields = [""; 9];
                let line = record.position().map(|p| p.line()).unwrap_or(rows + 1);
                for (slot, &i) in fields.iter_mut().zip(index.iter()) {
                    let bytes = record.get(i).unwrap_or(b"");
                    *slot = match csv_file::ascii_trimmed(bytes) {
                        Some(text) => text,
                        None => std::str::from_utf8(bytes)
                            .map_err(|_| CpiError::BadInput {
                                file: name.to_string(),
                                line: Some(line),
                                field: Some(names[i].clone()),
                                message: "text is not valid UTF-8".into(),
                            })?
                            .trim(),
                    };
                }
                push_fields(builder, line, &fields, log);
                if builder.len() >= BATCH_ROWS {
                    builder.flush(batches)?;
                }
            }
            Err(e) => return Err(csv_file::row_error(name, rows, &e)),
        }
    }
    Ok(rows)
}

/// Parquet files carry no lines; the row number (1-based) stands in for the line.
fn read_parquet(
    name: &str,
    file: File,
    builder: &mut AccountsBuilder,
    batches: &mut Accounts,
    log: &mut InputLog,
) -> Result<u64> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| CpiError::bad_input(name, format!("not a readable Parquet file: {e}")))?;
    let names: Vec<String> =
        reader.schema().fields().iter().map(|f| f.name().to_ascii_lowercase()).collect();
    let index = column_index(name, &names)?;
    let mut rows = 0u64;
    for batch in reader.with_batch_size(BATCH_ROWS).build()? {
        let batch = batch.map_err(|e| CpiError::bad_input(name, format!("cannot read: {e}")))?;
        let columns: Vec<StringArray> = index
            .iter()
            .map(|&i| {
                let text = cast(batch.column(i), &DataType::Utf8)?;
                Ok(text.as_any().downcast_ref::<StringArray>().expect("cast to Utf8").clone())
            })
            .collect::<Result<_>>()?;
        for r in 0..batch.num_rows() {
            rows += 1;
            let mut fields = [""; 9];
            for (slot, col) in fields.iter_mut().zip(columns.iter()) {
                *slot = if col.is_null(r) { "" } else { col.value(r).trim() };
            }
            push_fields(builder, rows, &fields, log);
        }
        if builder.len() >= BATCH_ROWS {
            builder.flush(batches)?;
        }
    }
    Ok(rows)
}

/// One row of the long form: the fields in the order of [`COLUMNS`]. The long form has no data
/// version (its rows are the deposits as filed) and no address on the filing.
fn push_fields(builder: &mut AccountsBuilder, line: u64, f: &[&str; 9], log: &mut InputLog) {
    let [enterprise_number, reference_number, deposit_date, exercise_start, exercise_end, model_type, rubric_code, period, value] = *f;
    let deposit = Deposit {
        enterprise_number,
        reference_number,
        deposit_date,
        exercise_start,
        exercise_end,
        model_type,
        data_version: AUTHENTIC,
        postcode: None,
        country: None,
        legal_form: None,
        activity_code: None,
    };
    let column = |field: RowField| {
        let i = match field {
            RowField::EnterpriseNumber => 0,
            RowField::ReferenceNumber => 1,
            RowField::DepositDate => 2,
            RowField::ExerciseStart => 3,
            RowField::ExerciseEnd => 4,
            RowField::ModelType => 5,
            RowField::RubricCode => 6,
            RowField::Period => 7,
            RowField::Value => 8,
        };
        COLUMNS[i].to_string()
    };
    builder.push(line, &deposit, &RubricValue { rubric_code, period, value }, &column, log);
}

fn column_index(name: &str, header: &[String]) -> Result<[usize; 9]> {
    let positions = csv_file::column_positions(name, header, &COLUMNS)?;
    Ok(positions.try_into().expect("one position per column"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> AccountRules {
        AccountRules { max_exercise_months: 24, fte_rubrics: ["1003".to_string()].into(), keep: None, statutory_models: vec!["m01".into(), "m02".into()], pfs_concepts: Default::default() }
    }

    #[test]
    fn checks_each_field() {
        let text = "enterprise_number,reference_number,deposit_date,exercise_start,exercise_end,model_type,rubric_code,period,value\n\
            0403170701,R1,2024-05-01,2023-01-01,2023-12-31,m02-f,70,N,1000\n\
            0403.170.702,R1,2024-05-01,2023-01-01,2023-12-31,m02-f,70,N,1000\n\
            0403170701,R1,2024-05-01,2023-01-01,2022-12-31,m02-f,70,N,1000\n\
            0403170701,R1,2024-05-01,2020-01-01,2022-12-31,m02-f,70,N,1000\n\
            0403170701,R1,2024-05-01,2023-01-01,2023-12-31,m02-f,70,X,1000\n\
            0403170701,R1,2024-05-01,2023-01-01,2023-12-31,m02-f,70,N,1.000,5\n\
            0403170701,R1,2024-05-01,2023-01-01,2023-12-31,m02-f,1003,N,-2\n\
            0403170701,R1,01-05-2024,2023-01-01,2023-12-31,m02-f,70,N,1\n\
            0403170701,,2024-05-01,2023-01-01,2023-12-31,m02-f,70,N,1\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.csv");
        std::fs::write(&path, text).unwrap();
        let rules = rules();
        let mut builder = AccountsBuilder::new("a.csv", 0, &rules);
        let mut log = InputLog::default();
        let mut batches = Accounts::default();
        // Line 7 has one field too many: a malformed file is an error naming the line.
        let err = read_csv("a.csv", File::open(&path).unwrap(), &mut builder, &mut batches, &mut log)
            .unwrap_err();
        assert_eq!(err.to_string(), "bad input: a.csv, line 7: row has 10 fields, the header has 9");
        let reasons: Vec<(u64, &str, &str)> =
            log.rejects.iter().map(|r| (r.line, r.field.as_str(), r.reason.as_str())).collect();
        assert_eq!(
            reasons,
            vec![
                (3, "enterprise_number", "enterprise_number_check_digits"),
                (4, "exercise_end", "exercise_end_before_start"),
                (5, "exercise_end", "exercise_too_long"),
                (6, "period", "unknown_period"),
            ]
        );

        let fixed = text.replace("1.000,5", "1.0005e3");
        std::fs::write(&path, fixed).unwrap();
        let mut builder = AccountsBuilder::new("a.csv", 0, &rules);
        let mut log = InputLog::default();
        let rows = read_csv("a.csv", File::open(&path).unwrap(), &mut builder, &mut batches, &mut log).unwrap();
        assert_eq!(rows, 9);
        let mut out = Accounts::default();
        builder.flush(&mut out).unwrap();
        // Line 7 repeats line 2's rubric 70 (period N) in the same deposit: a duplicate.
        let batch = &out.values[0];
        assert_eq!(batch.num_rows(), 1);
        let reasons: Vec<&str> = log.rejects.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(
            reasons,
            vec![
                "enterprise_number_check_digits",
                "exercise_end_before_start",
                "exercise_too_long",
                "unknown_period",
                "duplicate_row",
                "negative_fte",
                "date_not_iso",
                "reference_number_empty"
            ]
        );
    }

    #[test]
    fn dates_are_checked_on_every_row_even_when_cached() {
        // Row 3 repeats row 2's dates (served from the cache); row 4 has none at all.
        let text = format!(
            "{}\n0403170701,R1,2024-05-01,2023-01-01,2023-12-31,m01-f,70,N,1\n\
             0403170701,R1,2024-05-01,2023-01-01,2023-12-31,m01-f,1003,N,2\n\
             0403170701,R1,,,,m01-f,70,N,1\n",
            COLUMNS.join(",")
        );
        let rules = rules();
        let mut builder = AccountsBuilder::new("d.csv", 0, &rules);
        let mut log = InputLog::default();
        let mut out = Accounts::default();
        read_csv("d.csv", text.as_bytes(), &mut builder, &mut out, &mut log).unwrap();
        builder.flush(&mut out).unwrap();
        assert_eq!(out.values[0].num_rows(), 2);
        // Rows 2 and 3 are one deposit: one filing row.
        assert_eq!(out.filings[0].num_rows(), 1);
        let reasons: Vec<(u64, &str)> = log.rejects.iter().map(|r| (r.line, r.reason.as_str())).collect();
        assert_eq!(reasons, vec![(4, "date_empty")]);
    }

    #[test]
    fn rows_carry_the_number_of_their_block() {
        // File 3: R1 on lines 2-3, R2 on line 4, R1 again on line 5 (a second block of R1,
        // which sql/15 joins to the first), then a row of R1 pushed after a flush (line 6):
        // still the block of line 5.
        let text = format!(
            "{}\n0403170701,R1,2024-05-01,2023-01-01,2023-12-31,m01-f,70,N,1\n\
             0403170701,R1,2024-05-01,2023-01-01,2023-12-31,m01-f,1003,N,2\n\
             0403170701,R2,2024-05-01,2023-01-01,2023-12-31,m01-f,70,N,3\n\
             0403170701,R1,2024-05-01,2023-01-01,2023-12-31,m01-f,9087,N,4\n",
            COLUMNS.join(",")
        );
        let rules = rules();
        let mut builder = AccountsBuilder::new("b.csv", 3, &rules);
        let mut log = InputLog::default();
        let mut out = Accounts::default();
        read_csv("b.csv", text.as_bytes(), &mut builder, &mut out, &mut log).unwrap();
        builder.flush(&mut out).unwrap();
        let d = Deposit::of_tests("R1");
        builder.push(6, &d, &RubricValue { rubric_code: "62", period: "N", value: "5" }, &|_| String::new(), &mut log);
        builder.flush(&mut out).unwrap();
        let blocks = |batches: &[datafusion::arrow::array::RecordBatch]| -> Vec<i64> {
            use datafusion::arrow::array::AsArray;
            use datafusion::arrow::datatypes::Int64Type;
            batches.iter().flat_map(|b| b.column_by_name("block").unwrap().as_primitive::<Int64Type>().values().to_vec()).collect()
        };
        let first = 3 * 10_000_000_000;
        assert_eq!(blocks(&out.values), vec![first + 2, first + 2, first + 4, first + 5, first + 5]);
        assert_eq!(blocks(&out.filings), vec![first + 2, first + 4, first + 5]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Arbitrary bytes after a valid header never panic: rows are accepted, rejected, or
        /// the file is refused with an error.
        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            let mut bytes = COLUMNS.join(",").into_bytes();
            bytes.push(b'\n');
            bytes.extend(body);
            let rules = rules();
            let mut builder = AccountsBuilder::new("fuzz.csv", 0, &rules);
            let mut log = InputLog::default();
            let mut batches = Accounts::default();
            if let Ok(rows) = read_csv("fuzz.csv", bytes.as_slice(), &mut builder, &mut batches, &mut log) {
                builder.flush(&mut batches).unwrap();
                let kept: usize = batches.values.iter().map(|b| b.num_rows()).sum();
                let kept = kept as u64;
                proptest::prop_assert_eq!(rows, kept + log.rejects.len() as u64);
            }
        }

        /// Rows shaped like real ones, with random values in every field.
        #[test]
        fn arbitrary_fields_never_panic(fields in proptest::collection::vec("[0-9A-Za-z .,:;/-]{0,14}", 9)) {
            let text = format!("{}\n{}\n", COLUMNS.join(","), fields.join(","));
            let rules = rules();
            let mut builder = AccountsBuilder::new("fuzz.csv", 0, &rules);
            let mut log = InputLog::default();
            let mut batches = Accounts::default();
            let _ = read_csv("fuzz.csv", text.as_bytes(), &mut builder, &mut batches, &mut log);
        }
    }
}
