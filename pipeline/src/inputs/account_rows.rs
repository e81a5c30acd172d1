//! The checked account rows, whatever format they came in: the checks every row passes (one
//! reject per row, its first problem), and the two staged tables they fill, `accounts` (one row
//! per rubric value the method needs) and `account_filings` (one row per block of a deposit's
//! rows), written to Parquet files as they are made so that memory stays bounded at any size.
//! (Over 400 lines: the row checks and the two table writers share one buffer per table.)

use std::collections::HashSet;
use std::fs::File;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayBuilder, ArrayRef, Date32Builder, Decimal128Builder, Int32Array, Int32Builder, Int64Builder, RecordBatch, StringBuilder,
};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, Encoding};
use datafusion::parquet::schema::types::ColumnPath;
use datafusion::parquet::file::properties::WriterProperties;

use super::csv_file::{parse_amount, parse_iso_date, AMOUNT_PRECISION, AMOUNT_SCALE};
use super::InputLog;
use crate::enterprise_number;
use crate::error::{CpiError, Result};

/// The checks that depend on the method settings, and which checked rows the method needs.
pub struct AccountRules {
    pub max_exercise_months: i32,
    /// Rubrics whose value is a head count (FTE) and so cannot be negative.
    pub fte_rubrics: HashSet<String>,
    /// Keep the values of only these rubrics and these periods (the rubric map's rubrics, the
    /// configured period and, for filling missing years, the comparatives): every row is
    /// checked, but other rows are not needed by the method and are not held in memory. `None`
    /// keeps every value.
    pub keep: Option<(HashSet<String>, Vec<String>)>,
    /// `accounts.statutory_models`: the models read (`m02`, ...), without their suffix.
    pub statutory_models: Vec<String>,
    /// The `pfs` XBRL concepts and the rubrics they are (deposits delivered as XBRL instances).
    pub pfs_concepts: super::pfs_xbrl::ConceptMap,
}

impl AccountRules {
    /// Whether a filing's `ModelType` (`m02-f`, `M01`, `m07-p`) is a statutory model read. An
    /// empty model (the long form may leave it out) is not checked.
    fn model_read(&self, model: &str) -> bool {
        let model = model.to_ascii_lowercase();
        let (base, suffix) = model.split_once('-').unwrap_or((&model, ""));
        matches!(suffix, "" | "f" | "p") && self.statutory_models.iter().any(|m| m == base)
    }
}

/// The periods a value can be of: the exercise itself (N) and its comparatives (NM1).
pub const PERIODS: [&str; 2] = ["N", "NM1"];

/// The NBB's version of a deposit's data when a source does not say (long-form files).
pub const AUTHENTIC: &str = "AUTHENTIC";

/// One deposit as a source describes it, every field as written.
#[derive(Debug, Clone, Copy)]
pub struct Deposit<'a> {
    pub enterprise_number: &'a str,
    pub reference_number: &'a str,
    pub deposit_date: &'a str,
    pub exercise_start: &'a str,
    pub exercise_end: &'a str,
    pub model_type: &'a str,
    /// `AUTHENTIC`, or the NBB's improvement (`PDF_ENCODED`, `EURO_CONVERTED`, `CORRECTED`).
    pub data_version: &'a str,
    /// From the filing itself (CBSO JSON), when it gives them: the seat's postcode and country,
    /// the legal form and the activity code at filing time.
    pub postcode: Option<&'a str>,
    pub country: Option<&'a str>,
    pub legal_form: Option<&'a str>,
    pub activity_code: Option<&'a str>,
}

#[cfg(test)]
impl Deposit<'static> {
    /// A long-form deposit of 0403.170.701 for the exercise 2023, for tests.
    pub(super) fn of_tests(reference_number: &'static str) -> Self {
        Deposit {
            enterprise_number: "0403170701",
            reference_number,
            deposit_date: "2024-05-01",
            exercise_start: "2023-01-01",
            exercise_end: "2023-12-31",
            model_type: "m01-f",
            data_version: AUTHENTIC,
            postcode: None,
            country: None,
            legal_form: None,
            activity_code: None,
        }
    }
}

/// One rubric value of a deposit, as written.
#[derive(Debug, Clone, Copy)]
pub struct RubricValue<'a> {
    pub rubric_code: &'a str,
    pub period: &'a str,
    pub value: &'a str,
}

/// The fields a reject can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowField {
    EnterpriseNumber,
    ReferenceNumber,
    DepositDate,
    ExerciseStart,
    ExerciseEnd,
    ModelType,
    RubricCode,
    Period,
    Value,
}

/// `accounts`: one row per rubric value the method needs. The deposit a row belongs to
/// (company, reference number, version, dates) is in `account_filings`, by `block`: repeating
/// those texts on each of 50 M rows cost a third of the reading time at F = 1.0 (Parquet
/// dictionary-encodes each of them value by value), and no step reads them from here.
/// Its columns are declared in schemas/staged/accounts.json: where the row came from (index
/// into the list of account files, and its line) and the block of consecutive rows of one
/// deposit it is in (see [`block_number`]): sql/ groups a deposit's rows on this one integer
/// instead of three text columns.
pub fn schema() -> SchemaRef {
    crate::catalogue::staged_table("accounts").expect("schemas/staged/accounts.json is compiled in").schema()
}

/// The number of a block of rows, from the file and the line of its first row:
/// `file_id` x 10^10 + line, so that blocks sort in file order, then line order (sql/15 orders
/// rows the same way). A file of 10^10 lines would be 10^11 bytes at the least.
pub fn block_number(file_id: i32, line: u64) -> i64 {
    i64::from(file_id) * 10_000_000_000 + line as i64
}

/// `account_filings`: one row per block of consecutive rows of the same deposit (a deposit's
/// rows normally come together, so this is one row per deposit; sql/20 removes repeats).
/// (Its columns: schemas/staged/account_filings.json.)
pub fn filings_schema() -> SchemaRef {
    crate::catalogue::staged_table("account_filings").expect("schemas/staged/account_filings.json is compiled in").schema()
}

/// Length of an exercise in whole months: days from start to end inclusive divided by the
/// average month (365.25 / 12 days), rounded. 2023-01-01..2023-12-31 is 12; 2022-07-01..
/// 2023-12-31 is 18.
pub fn exercise_months(start: i32, end: i32) -> i32 {
    (f64::from(end - start + 1) / (365.25 / 12.0)).round() as i32
}

/// The account files read, in `file_id` order, and their rows: in memory, or written to
/// Parquet files in a spill folder as they are made (so memory stays bounded at any size).
#[derive(Default)]
pub struct Accounts {
    pub files: Vec<String>,
    /// Rows of [`schema`] (when not spilled).
    pub values: Vec<RecordBatch>,
    /// Rows of [`filings_schema`] (when not spilled).
    pub filings: Vec<RecordBatch>,
    spill: Option<([ArrowWriter<File>; 2], ArrowWriter<File>)>,
}

/// Where the checked rows of every account file go: `values/` and `filings/` Parquet files.
pub struct SpillFolder {
    pub dir: tempfile::TempDir,
}

impl SpillFolder {
    pub fn new() -> Result<SpillFolder> {
        let dir = tempfile::tempdir().map_err(|e| CpiError::io("temporary folder", e))?;
        for sub in ["values", "filings"] {
            std::fs::create_dir(dir.path().join(sub)).map_err(|e| CpiError::io("temporary folder", e))?;
        }
        Ok(SpillFolder { dir })
    }

    pub fn values(&self) -> std::path::PathBuf {
        self.dir.path().join("values")
    }

    pub fn filings(&self) -> std::path::PathBuf {
        self.dir.path().join("filings")
    }
}

impl Accounts {
    /// Rows go to Parquet files in the spill folder: the values of each period to
    /// `<file_id>-n.parquet` and `<file_id>-nm1.parquet`, the filings to `<file_id>.parquet`.
    pub(super) fn spilled(folder: &SpillFolder, file_id: i32) -> Result<Accounts> {
        // Uncompressed: the files live only for the run (a `cpi ingest` copy keeps them). Text
        // is dictionary-encoded: rubric codes and periods in the values; enterprise and reference
        // numbers in the filings, where dictionaries may grow to 4 MiB. (Set when the values
        // still carried these numbers: with the default 1 MiB Parquet fell back to plain and a
        // copy grew from 1.8 to 2.4 GB at F = 1.0. Not measured again for the filings alone.)
        // Numbers that only grow within a file (line, block) or never change (file_id) are stored
        // as deltas; amounts, nearly all distinct, plain. With a dictionary, Parquet interned
        // every row group's first 4 MiB of them and then gave up and wrote plain anyway.
        let props = || {
            let mut props = WriterProperties::builder()
                .set_compression(Compression::UNCOMPRESSED)
                .set_dictionary_page_size_limit(4 << 20)
                .set_column_dictionary_enabled(ColumnPath::from("value"), false);
            for column in ["file_id", "line", "block"] {
                props = props
                    .set_column_dictionary_enabled(ColumnPath::from(column), false)
                    .set_column_encoding(ColumnPath::from(column), Encoding::DELTA_BINARY_PACKED);
            }
            Some(props.build())
        };
        let writer = |path: std::path::PathBuf, schema: SchemaRef| -> Result<ArrowWriter<File>> {
            let file = File::create(&path).map_err(|e| CpiError::io(path.display().to_string(), e))?;
            Ok(ArrowWriter::try_new(file, schema, props())?)
        };
        // The values of each period in a file of their own: a file's statistics then say which
        // period it holds, and a step that reads one period skips the other's files unread.
        let values = |period: &str| writer(folder.values().join(format!("{file_id:05}-{}.parquet", period.to_lowercase())), schema());
        let spill = (
            [values(PERIODS[0])?, values(PERIODS[1])?],
            writer(folder.filings().join(format!("{file_id:05}.parquet")), filings_schema())?,
        );
        Ok(Accounts { spill: Some(spill), ..Default::default() })
    }

    /// Adds the values of each period ([`PERIODS`] order) and the filings.
    pub(super) fn push(&mut self, values: [RecordBatch; 2], filings: RecordBatch) -> Result<()> {
        match &mut self.spill {
            Some((v, f)) => {
                for (writer, batch) in v.iter_mut().zip(&values) {
                    writer.write(batch)?;
                }
                f.write(&filings)?;
            }
            None => {
                self.values.extend(values.into_iter().filter(|b| b.num_rows() > 0));
                self.filings.push(filings);
            }
        }
        Ok(())
    }

    pub(super) fn close(&mut self) -> Result<()> {
        if let Some((v, f)) = self.spill.take() {
            for writer in v {
                writer.close()?;
            }
            f.close()?;
        }
        Ok(())
    }
}

/// Deposit date, exercise start and end as written in the file.
type DatesAsWritten = (String, String, String);
/// The same parsed: days since the epoch of each, and the exercise length in months.
type ParsedDates = (i32, i32, i32, i32);

/// Checks rows and appends the valid ones to Arrow columns.
pub(super) struct AccountsBuilder<'a> {
    file: &'a str,
    file_id: i32,
    rules: &'a AccountRules,
    last_number: (String, String),
    /// The last valid (deposit, start, end) as written, with the parsed dates and months.
    last_dates: Option<(DatesAsWritten, ParsedDates)>,
    /// The deposit of the last filing block: (enterprise number, reference, version, dates),
    /// and the block's number.
    last_block: Option<(String, String, String, DatesAsWritten)>,
    block: i64,
    /// The kept rubrics (`rules.keep`), numbered: which of them (per kept period) the current
    /// block has given is a flag per number, so that a repeat is found without comparing text.
    /// (DataFusion's hash map, with a fast non-cryptographic hash: the std one's SipHash was 4%
    /// of the reading time, a lookup per row.)
    kept_rubric: datafusion::common::HashMap<String, usize>,
    block_kept: Vec<bool>,
    /// With no `keep` rule: the (rubric, period) pairs the current block has given.
    block_rubrics: Vec<(String, String)>,
    /// The kept values, one set of columns per period of [`PERIODS`].
    values: [ValueColumns; 2],
    filings: FilingColumns,
}

#[derive(Default)]
struct ValueColumns {
    rubric_code: StringBuilder,
    period: StringBuilder,
    value: Decimal128Builder,
    line: Int64Builder,
    block: Int64Builder,
}

impl ValueColumns {
    fn finish(&mut self, file_id: i32) -> Result<RecordBatch> {
        let n = self.line.len();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.rubric_code.finish()),
            Arc::new(self.period.finish()),
            Arc::new(self.value.finish().with_precision_and_scale(AMOUNT_PRECISION, AMOUNT_SCALE)?),
            Arc::new(Int32Array::from(vec![file_id; n])),
            Arc::new(self.line.finish()),
            Arc::new(self.block.finish()),
        ];
        Ok(RecordBatch::try_new(schema(), columns)?)
    }
}

#[derive(Default)]
struct FilingColumns {
    enterprise_number: StringBuilder,
    reference_number: StringBuilder,
    deposit_date: Date32Builder,
    exercise_start: Date32Builder,
    exercise_end: Date32Builder,
    exercise_months: Int32Builder,
    model_type: StringBuilder,
    data_version: StringBuilder,
    postcode: StringBuilder,
    country: StringBuilder,
    legal_form: StringBuilder,
    activity_code: StringBuilder,
    line: Int64Builder,
    block: Int64Builder,
}

impl<'a> AccountsBuilder<'a> {
    pub(super) fn new(file: &'a str, file_id: i32, rules: &'a AccountRules) -> Self {
        AccountsBuilder {
            file,
            file_id,
            rules,
            last_number: (String::new(), String::new()),
            last_dates: None,
            last_block: None,
            block: 0,
            kept_rubric: rules.keep.iter().flat_map(|(rubrics, _)| rubrics.iter()).enumerate().map(|(i, r)| (r.clone(), i)).collect(),
            block_kept: rules.keep.as_ref().map_or(vec![], |(rubrics, periods)| vec![false; rubrics.len() * periods.len()]),
            block_rubrics: vec![],
            values: Default::default(),
            filings: FilingColumns::default(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.values.iter().map(|v| v.value.len()).sum::<usize>() + self.filings.line.len()
    }

    /// Checks one rubric value of deposit `d` (row `line` of the file) and keeps it or records
    /// one reject, for its first problem; `field` names a field for the reject (a column of a
    /// CSV, a position in a JSON document).
    pub(super) fn push(&mut self, line: u64, d: &Deposit, v: &RubricValue, field: &dyn Fn(RowField) -> String, log: &mut InputLog) {
        let mut reject = |f: RowField, raw: &str, reason: &str| log.reject(self.file, line, &field(f), raw, reason);
        // Rows of one filing come together: normalise each distinct number once.
        if self.last_number.0 != d.enterprise_number {
            match enterprise_number::normalise(d.enterprise_number) {
                Ok(n) => self.last_number = (d.enterprise_number.to_string(), n),
                Err(problem) => return reject(RowField::EnterpriseNumber, d.enterprise_number, problem.reason()),
            }
        }
        if d.reference_number.is_empty() {
            return reject(RowField::ReferenceNumber, d.reference_number, "reference_number_empty");
        }
        // consolidated accounts and unknown models are not a company's statutory figures
        if !d.model_type.is_empty() && !self.rules.model_read(d.model_type) {
            return reject(RowField::ModelType, d.model_type, "model_not_statutory");
        }
        let (deposit, start, end) = (d.deposit_date, d.exercise_start, d.exercise_end);
        // The dates repeat on every row of a filing: parse and check each distinct triple once.
        let cached = self.last_dates.as_ref().filter(|((dd, s, e), _)| dd == deposit && s == start && e == end);
        let (deposit_day, start_day, end_day, months) = if let Some((_, parsed)) = cached {
            *parsed
        } else {
            let mut dates = [0i32; 3];
            for (slot, (f, raw)) in
                dates.iter_mut().zip([(RowField::DepositDate, deposit), (RowField::ExerciseStart, start), (RowField::ExerciseEnd, end)])
            {
                match parse_iso_date(raw) {
                    Some(day) => *slot = day,
                    None => return reject(f, raw, if raw.is_empty() { "date_empty" } else { "date_not_iso" }),
                }
            }
            let [deposit_day, start_day, end_day] = dates;
            if end_day < start_day {
                return reject(RowField::ExerciseEnd, end, "exercise_end_before_start");
            }
            let months = exercise_months(start_day, end_day);
            if months > self.rules.max_exercise_months {
                return reject(RowField::ExerciseEnd, end, "exercise_too_long");
            }
            let parsed = (deposit_day, start_day, end_day, months);
            self.last_dates = Some(((deposit.to_string(), start.to_string(), end.to_string()), parsed));
            parsed
        };
        let (rubric, period) = (v.rubric_code, v.period);
        if rubric.is_empty() {
            return reject(RowField::RubricCode, rubric, "rubric_code_empty");
        }
        let Some(period_index) = PERIODS.iter().position(|p| *p == period) else {
            return reject(RowField::Period, period, "unknown_period");
        };
        let amount = match parse_amount(v.value) {
            Some(a) => a,
            None => return reject(RowField::Value, v.value, if v.value.is_empty() { "value_empty" } else { "value_not_numeric" }),
        };
        if amount < 0 && self.rules.fte_rubrics.contains(rubric) {
            return reject(RowField::Value, v.value, "negative_fte");
        }
        // A new block of rows of one deposit: one row in account_filings.
        let same_block = self.last_block.as_ref().is_some_and(|(n, r, version, (dd, s, e))| {
            *n == self.last_number.1 && r == d.reference_number && version == d.data_version && dd == deposit && s == start && e == end
        });
        if !same_block {
            let f = &mut self.filings;
            f.enterprise_number.append_value(&self.last_number.1);
            f.reference_number.append_value(d.reference_number);
            f.deposit_date.append_value(deposit_day);
            f.exercise_start.append_value(start_day);
            f.exercise_end.append_value(end_day);
            f.exercise_months.append_value(months);
            f.model_type.append_option((!d.model_type.is_empty()).then_some(d.model_type));
            f.data_version.append_value(d.data_version);
            f.postcode.append_option(d.postcode);
            f.country.append_option(d.country);
            f.legal_form.append_option(d.legal_form);
            f.activity_code.append_option(d.activity_code);
            f.line.append_value(line as i64);
            self.block = block_number(self.file_id, line);
            f.block.append_value(self.block);
            let dates = (deposit.to_string(), start.to_string(), end.to_string());
            self.last_block = Some((self.last_number.1.clone(), d.reference_number.to_string(), d.data_version.to_string(), dates));
            self.block_rubrics.clear();
            self.block_kept.fill(false);
        }
        // Whether the method needs the value and, if so, whether the block gave it already.
        let (needed, repeated) = match &self.rules.keep {
            None => {
                let repeated = self.block_rubrics.iter().any(|(r, p)| r == rubric && p == period);
                if !repeated {
                    self.block_rubrics.push((rubric.to_string(), period.to_string()));
                }
                (true, repeated)
            }
            Some((_, kept_periods)) => match (kept_periods.iter().position(|p| p == period), self.kept_rubric.get(rubric)) {
                (Some(p), Some(&r)) => {
                    let seen = &mut self.block_kept[p * self.kept_rubric.len() + r];
                    (true, std::mem::replace(seen, true))
                }
                _ => (false, false),
            },
        };
        if needed {
            // The same rubric twice in one deposit: the first row counts (sql/15 does the same
            // for a deposit whose rows are not all together).
            if repeated {
                return log.reject(self.file, line, &field(RowField::RubricCode), rubric, "duplicate_row");
            }
            let c = &mut self.values[period_index];
            c.rubric_code.append_value(rubric);
            c.period.append_value(period);
            c.value.append_value(amount);
            c.line.append_value(line as i64);
            c.block.append_value(self.block);
        }
    }

    /// Moves the rows built so far into `out`: a batch of values per period, one of filings.
    pub(super) fn flush(&mut self, out: &mut Accounts) -> Result<()> {
        let file_id = self.file_id;
        let [n, nm1] = &mut self.values;
        let values = [n.finish(file_id)?, nm1.finish(file_id)?];
        let f = &mut self.filings;
        let n = f.line.len();
        let filings: Vec<ArrayRef> = vec![
            Arc::new(f.enterprise_number.finish()),
            Arc::new(f.reference_number.finish()),
            Arc::new(f.deposit_date.finish()),
            Arc::new(f.exercise_start.finish()),
            Arc::new(f.exercise_end.finish()),
            Arc::new(f.exercise_months.finish()),
            Arc::new(f.model_type.finish()),
            Arc::new(f.data_version.finish()),
            Arc::new(f.postcode.finish()),
            Arc::new(f.country.finish()),
            Arc::new(f.legal_form.finish()),
            Arc::new(f.activity_code.finish()),
            Arc::new(Int32Array::from(vec![self.file_id; n])),
            Arc::new(f.line.finish()),
            Arc::new(f.block.finish()),
        ];
        out.push(values, RecordBatch::try_new(filings_schema(), filings)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_period_is_spilled_to_files_of_its_own() {
        let rules = AccountRules { max_exercise_months: 24, fte_rubrics: HashSet::new(), keep: None, statutory_models: vec!["m01".into()], pfs_concepts: Default::default() };
        let folder = SpillFolder::new().unwrap();
        let mut out = Accounts::spilled(&folder, 7).unwrap();
        let mut builder = AccountsBuilder::new("a.csv", 7, &rules);
        let mut log = InputLog::default();
        let d = Deposit::of_tests("R1");
        for (line, rubric_code, period) in [(2, "70", "N"), (3, "70", "NM1"), (4, "9087", "N")] {
            builder.push(line, &d, &RubricValue { rubric_code, period, value: "1" }, &|_| String::new(), &mut log);
        }
        builder.flush(&mut out).unwrap();
        out.close().unwrap();
        let lines = |name: &str| -> Vec<(String, i64)> {
            use datafusion::arrow::array::AsArray;
            use datafusion::arrow::datatypes::Int64Type;
            let file = File::open(folder.values().join(name)).unwrap();
            let reader = datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReader::try_new(file, 1024).unwrap();
            reader
                .flat_map(|b| {
                    let b = b.unwrap();
                    let periods = b.column_by_name("period").unwrap().as_string::<i32>().iter().map(|p| p.unwrap().to_string()).collect::<Vec<_>>();
                    periods.into_iter().zip(b.column_by_name("line").unwrap().as_primitive::<Int64Type>().values().to_vec())
                })
                .collect()
        };
        assert_eq!(lines("00007-n.parquet"), vec![("N".to_string(), 2), ("N".to_string(), 4)]);
        assert_eq!(lines("00007-nm1.parquet"), vec![("NM1".to_string(), 3)]);
        assert!(log.rejects.is_empty());
    }

    #[test]
    fn months_of_exercises() {
        let d = |s| parse_iso_date(s).unwrap();
        assert_eq!(exercise_months(d("2023-01-01"), d("2023-12-31")), 12);
        assert_eq!(exercise_months(d("2024-01-01"), d("2024-12-31")), 12); // leap year
        assert_eq!(exercise_months(d("2022-07-01"), d("2023-12-31")), 18);
        assert_eq!(exercise_months(d("2023-04-01"), d("2023-12-31")), 9);
        assert_eq!(exercise_months(d("2022-10-01"), d("2023-09-30")), 12);
        // Short exercises: 12 days (a company founded on 20 December) and 15 days round to 0
        // months (0.39, 0.49), 16 days to 1 (0.53); a month of 31 or 28 days is 1.
        assert_eq!(exercise_months(d("2024-12-20"), d("2024-12-31")), 0);
        assert_eq!(exercise_months(d("2024-12-17"), d("2024-12-31")), 0);
        assert_eq!(exercise_months(d("2024-12-16"), d("2024-12-31")), 1);
        assert_eq!(exercise_months(d("2024-12-01"), d("2024-12-31")), 1);
        assert_eq!(exercise_months(d("2023-02-01"), d("2023-02-28")), 1);
        // One day is a legal exercise too, and never a division by zero here.
        assert_eq!(exercise_months(d("2024-12-31"), d("2024-12-31")), 0);
        assert_eq!(exercise_months(d("2023-01-01"), d("2024-12-31")), 24);
        assert_eq!(exercise_months(d("2022-12-01"), d("2024-12-31")), 25);
    }

    /// accounts.max_exercise_months = 24: an exercise of exactly 24 months is accepted, one of 25
    /// is rejected (`exercise_too_long`); a 12-day exercise is accepted with 0 months.
    #[test]
    fn the_longest_exercise_accepted_is_max_exercise_months() {
        use datafusion::arrow::array::AsArray;
        use datafusion::arrow::datatypes::Int32Type;
        let rules = AccountRules { max_exercise_months: 24, fte_rubrics: HashSet::new(), keep: None, statutory_models: vec!["m01".into()], pfs_concepts: Default::default() };
        let mut out = Accounts::default();
        let mut builder = AccountsBuilder::new("a.csv", 0, &rules);
        let mut log = InputLog::default();
        let value = RubricValue { rubric_code: "70", period: "N", value: "1" };
        for (line, reference, start) in [(2, "R24", "2023-01-01"), (3, "R25", "2022-12-01"), (4, "R12D", "2024-12-20")] {
            let d = Deposit { exercise_start: start, exercise_end: "2024-12-31", ..Deposit::of_tests(reference) };
            builder.push(line, &d, &value, &|_| String::new(), &mut log);
        }
        builder.flush(&mut out).unwrap();
        let months: Vec<i32> = out.filings.iter().flat_map(|b| b.column_by_name("exercise_months").unwrap().as_primitive::<Int32Type>().values().to_vec()).collect();
        assert_eq!(months, vec![24, 0]);
        assert_eq!(log.rejects.len(), 1);
        assert_eq!((log.rejects[0].line, log.rejects[0].reason.as_str()), (3, "exercise_too_long"));
    }

    /// accounts.statutory_models = m01, m02: their filings are read with any case and a -f or -p
    /// suffix; another model (a consolidated or unknown one), or a known model with another
    /// suffix, is rejected as model_not_statutory naming the value; an empty model (the long
    /// form may leave it out) is not checked.
    #[test]
    fn only_statutory_models_are_read() {
        let rules = AccountRules { max_exercise_months: 24, fte_rubrics: HashSet::new(), keep: None, statutory_models: vec!["m01".into(), "m02".into()], pfs_concepts: Default::default() };
        let mut out = Accounts::default();
        let mut builder = AccountsBuilder::new("a.csv", 0, &rules);
        let mut log = InputLog::default();
        let value = RubricValue { rubric_code: "70", period: "N", value: "1" };
        let models = ["m02-f", "M01", "m01-p", "", "m07-f", "m10-f", "m02-x", "m02f"];
        for (line, (reference, model_type)) in (2..).zip(["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"].into_iter().zip(models)) {
            let d = Deposit { model_type, ..Deposit::of_tests(reference) };
            builder.push(line, &d, &value, &|f| format!("{f:?}"), &mut log);
        }
        builder.flush(&mut out).unwrap();
        assert_eq!(out.filings.iter().map(|b| b.num_rows()).sum::<usize>(), 4);
        let rejected: Vec<(u64, &str, &str, &str)> =
            log.rejects.iter().map(|r| (r.line, r.field.as_str(), r.raw_value.as_str(), r.reason.as_str())).collect();
        assert_eq!(
            rejected,
            vec![
                (6, "ModelType", "m07-f", "model_not_statutory"),
                (7, "ModelType", "m10-f", "model_not_statutory"),
                (8, "ModelType", "m02-x", "model_not_statutory"),
                (9, "ModelType", "m02f", "model_not_statutory"),
            ]
        );
    }
}
