//! Annual accounts in long form (CSV or Parquet), one file per exercise year, and the official
//! Flemish totals they add up to.
//! (Just over 400 lines: the three output formats share one drawing of the figures, so that the
//! same seed gives the same accounts in each.)

use std::fs::File;
use std::io::BufWriter;

use rand::SeedableRng;
use std::io::Write;
use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use cpi::error::{CpiError, Result};

use super::*;

/// Annual accounts in long form, one file per exercise year.
pub(super) fn write_accounts(out: &Path, companies: &[Company], opts: &GenerateOptions, rng: &mut ChaCha8Rng, summary: &mut GenerateSummary) -> Result<()> {
    let dir = out.join("accounts");
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let filers: Vec<&Company> = companies.iter().filter(|c| c.filer).collect();
    // Each filer's figures evolve year on year; keep the state per filer.
    let mut size: Vec<(f64, f64)> = filers.iter().map(|c| (c.fte, c.fte * c.productivity)).collect();
    let mut previous: Vec<Option<Vec<(&'static str, f64)>>> = vec![None; filers.len()];
    // Value-added rubrics draw from their own stream, so the other figures stay those of the
    // same seed before they were added. Intermediate consumption is a fixed share per filer.
    let mut va_rng = ChaCha8Rng::seed_from_u64(opts.seed ^ 0x5641_4444);
    let consumption_share: Vec<f64> = filers.iter().map(|_| va_rng.random_range(0.45..0.85)).collect();
    // The NBB's corrections of deposits (improved data) draw from their own stream too.
    let mut improve_rng = ChaCha8Rng::seed_from_u64(opts.seed ^ 0x494d_5052);
    // So do the corrections of a social balance alone, so the others stay those of the seed.
    let mut social_balance_rng = ChaCha8Rng::seed_from_u64(opts.seed ^ 0x5342_434f);
    let mut reference: u64 = 0;
    let totals_path = out.join("totals/flanders.csv");
    let mut totals = create(&totals_path)?;
    writeln!(totals, "year,measure,value,source").map_err(io(&totals_path))?;
    for year in FIRST_YEAR..=LAST_YEAR {
        let mut sink = AccountSink::new(&dir, year, opts.accounts_format)?;
        let (mut flemish_turnover, mut flemish_fte, mut flemish_investment, mut flemish_value_added) = (0.0, 0.0, 0.0, 0.0);
        for (i, c) in filers.iter().enumerate() {
            if year < c.start_year || year > c.stop_year {
                continue;
            }
            let (fte, turnover) = &mut size[i];
            let shock: f64 = rng.random_range(-0.08..0.08);
            *fte = (*fte * (1.0 + c.growth * 0.6 + shock)).max(0.0);
            *turnover = (*turnover * (1.0 + c.growth + shock + rng.random_range(-0.05..0.05))).max(0.0);
            let first_year = year == c.start_year;
            let (start, end) = exercise(year, c.closing_month, first_year, rng);
            let months_factor = months_between(&start, &end) / 12.0;
            let tangible = *turnover * rng.random_range(0.0..0.08) * months_factor;
            let intangible = if rng.random_bool(0.3) { *turnover * rng.random_range(0.0..0.02) * months_factor } else { 0.0 };
            let fte_value = (*fte * 10.0).round() / 10.0;
            let mut values: Vec<(&'static str, f64)> = vec![];
            if c.abbreviated {
                // Turnover is optional in the abbreviated model; some report it anyway.
                if c.reports_turnover {
                    values.push(("70", (*turnover * months_factor).round()));
                }
                if rng.random_bool(0.5) {
                    values.push(("1003", fte_value));
                }
                values.push(("9087", fte_value));
                values.push(("8161", (tangible * 0.4).round()));
                values.push(("8162", (tangible * 0.6).round()));
                values.push(("8029", intangible.round()));
                values.push(("9901", (*turnover * 0.05 * months_factor).round()));
            } else {
                values.push(("70", (*turnover * months_factor).round()));
                values.push(("1003", fte_value));
                values.push(("9087", fte_value));
                values.push(("8169", tangible.round()));
                values.push(("8029", intangible.round()));
                values.push(("9901", (*turnover * 0.05 * months_factor).round()));
            }
            let (value_added, rows) = value_added_rubrics(*turnover * months_factor, consumption_share[i], c.abbreviated, &mut va_rng);
            values.extend(rows);
            // 1 % of filings are missing (late or never filed); the company's books still show
            // that year as the comparatives (NM1) of its next filing.
            if rng.random_bool(0.01) {
                previous[i] = Some(values);
                continue;
            }
            if c.region == Region::Flanders {
                flemish_value_added += value_added / months_factor;
                flemish_turnover += *turnover;
                flemish_fte += *fte;
                flemish_investment += tangible + intangible;
            }
            reference += 1;
            let deposit = deposit_date(&end, rng);
            // The NBB's models (www.nbb.be, taxonomy nbb-cbso-23.0.1): m02-f full, m01-f
            // abbreviated, m07-f micro ("vennootschappen met kapitaal").
            let model = match (c.abbreviated, *fte < 10.0) {
                (false, _) => "m02-f",
                (true, false) => "m01-f",
                (true, true) => "m07-f",
            };
            let number = written_number(&c.number, rng);
            let filing = Filing { number: &number, company: c, reference: format!("{}-{:08}", &deposit[..4], reference), deposit, start, end, model };
            // 1 % of deposits are corrected by the NBB (improved data, annual accounts: turnover
            // 4 % higher): the long form carries the corrected figures, a CBSO delivery the
            // deposit as filed and the correction as an improved product.
            let improved: Option<Vec<(&'static str, f64)>> = improve_rng
                .random_bool(0.01)
                .then(|| values.iter().map(|(r, v)| (*r, if *r == "70" { (v * 1.04).round() } else { *v })).collect());
            // 1 % of deposits with a social balance (1003) have it corrected by the NBB alone
            // (improved data, social balance: one FTE more): the long form carries the corrected
            // FTE, a CBSO delivery the deposit as filed and the correction of its social balance.
            let social_balance_corrected = social_balance_rng.random_bool(0.01);
            let social_balance = values.iter().find(|(r, _)| *r == "1003").filter(|_| social_balance_corrected).map(|(_, v)| v + 1.0);
            let corrections = Corrections { accounts: improved.as_deref(), social_balance };
            sink.write(&filing, &values, previous[i].as_deref(), &corrections, summary)?;
            // 2% are refiled later with corrected figures (the latest deposit must win).
            if rng.random_bool(0.02) {
                reference += 1;
                let corrected: Vec<(&'static str, f64)> = values.iter().map(|(r, v)| (*r, (v * 1.03).round())).collect();
                let refiled = Filing { reference: format!("{}-{:08}", &filing.deposit[..4], reference), deposit: later(&filing.deposit), ..filing };
                sink.write(&refiled, &corrected, previous[i].as_deref(), &Corrections::default(), summary)?;
            }
            previous[i] = Some(values);
        }
        sink.finish()?;
        // Official totals are larger than the micro sum: they include non-filers.
        for (measure, v) in [
            ("turnover_eur", flemish_turnover * 1.25),
            ("fte", flemish_fte * 1.4),
            ("investment_eur", flemish_investment * 1.2),
            ("value_added_eur", flemish_value_added * 1.3),
        ] {
            writeln!(totals, "{year},{measure},{:.0},synthetic official total", v).map_err(io(&totals_path))?;
        }
    }
    totals.flush().map_err(io(&totals_path))?;
    Ok(())
}

/// The rubrics of value added (config/rubric_map.csv): the full model reports operating income
/// 70/76A and its charges 60, 61 (and sometimes non-recurring income 76A, operating subsidies
/// 740, agency-staff costs 1521); the abbreviated model reports the gross margin 9900 instead.
/// Returns the value added these rubrics give and the rubrics.
fn value_added_rubrics(turnover: f64, consumption_share: f64, abbreviated: bool, rng: &mut ChaCha8Rng) -> (f64, Vec<(&'static str, f64)>) {
    let operating_income = turnover * (1.0 + rng.random_range(0.0..0.03));
    let non_recurring = if rng.random_bool(0.1) { turnover * rng.random_range(0.0..0.02) } else { 0.0 };
    let goods = turnover * consumption_share * 0.6 * rng.random_range(0.95..1.05);
    let services = turnover * consumption_share * 0.4 * rng.random_range(0.95..1.05);
    let mut rows = vec![];
    let mut value_added = operating_income - goods - services;
    if abbreviated {
        rows.push(("9900", (operating_income + non_recurring - goods - services).round()));
    } else {
        rows.push(("70/76A", (operating_income + non_recurring).round()));
        rows.push(("60", goods.round()));
        rows.push(("61", services.round()));
        if rng.random_bool(0.1) {
            let subsidies = turnover * rng.random_range(0.0..0.01);
            rows.push(("740", subsidies.round()));
            value_added -= subsidies;
        }
        if rng.random_bool(0.15) {
            let agency_staff = turnover * rng.random_range(0.0..0.02);
            rows.push(("1521", agency_staff.round()));
            value_added += agency_staff;
        }
    }
    if non_recurring > 0.0 {
        rows.push(("76A", non_recurring.round()));
    }
    (value_added, rows)
}

struct Filing<'a> {
    /// The enterprise number as this filing writes it (long form: in any notation).
    number: &'a str,
    company: &'a Company,
    reference: String,
    deposit: String,
    start: String,
    end: String,
    model: &'static str,
}

/// Writes account rows to CSV or Parquet, or deposits as CBSO JSON.
enum AccountSink {
    Csv(BufWriter<File>, std::path::PathBuf),
    Parquet(Box<ParquetSink>),
    Cbso(Box<CbsoSink>),
}

/// The NBB's corrections of a deposit (improved data): its annual accounts as corrected, and
/// its social balance's average FTE (1003) as corrected alone.
#[derive(Default)]
struct Corrections<'a> {
    accounts: Option<&'a [(&'static str, f64)]>,
    social_balance: Option<f64>,
}

/// A year's CBSO extract: a zip of reference records and a zip of accounting-data documents;
/// and, when the NBB corrected deposits, the improved product's two zips (opened at the first).
struct CbsoSink {
    references: zip::ZipWriter<BufWriter<File>>,
    data: zip::ZipWriter<BufWriter<File>>,
    paths: (std::path::PathBuf, std::path::PathBuf),
    improved: Option<Box<CbsoSink>>,
    year: i32,
    dir: std::path::PathBuf,
}

struct ParquetSink {
    writer: datafusion::parquet::arrow::ArrowWriter<File>,
    schema: datafusion::arrow::datatypes::SchemaRef,
    rows: [Vec<String>; 9],
}

impl AccountSink {
    fn new(dir: &Path, year: i32, format: AccountsFormat) -> Result<AccountSink> {
        match format {
            AccountsFormat::Csv => {
                let p = dir.join(format!("accounts_{year}.csv"));
                let mut w = create(&p)?;
                writeln!(w, "{}", cpi::inputs::accounts::COLUMNS.join(",")).map_err(io(&p))?;
                Ok(AccountSink::Csv(w, p))
            }
            AccountsFormat::Parquet => {
                let p = dir.join(format!("accounts_{year}.parquet"));
                let file = File::create(&p).map_err(io(&p))?;
                let schema = std::sync::Arc::new(datafusion::arrow::datatypes::Schema::new(
                    cpi::inputs::accounts::COLUMNS
                        .iter()
                        .map(|c| datafusion::arrow::datatypes::Field::new(*c, datafusion::arrow::datatypes::DataType::Utf8, false))
                        .collect::<Vec<_>>(),
                ));
                let props = datafusion::parquet::file::properties::WriterProperties::builder()
                    .set_compression(datafusion::parquet::basic::Compression::ZSTD(Default::default()))
                    .build();
                let writer = datafusion::parquet::arrow::ArrowWriter::try_new(file, schema.clone(), Some(props))?;
                Ok(AccountSink::Parquet(Box::new(ParquetSink { writer, schema, rows: Default::default() })))
            }
            AccountsFormat::Cbso => {
                let cbso = dir.join("cbso");
                std::fs::create_dir_all(&cbso).map_err(io(&cbso))?;
                Ok(AccountSink::Cbso(Box::new(CbsoSink::open(&cbso, year, "")?)))
            }
        }
    }

    /// One deposit and the NBB's corrections of it (the long form writes the corrected
    /// figures instead of the deposit's, a CBSO delivery the deposit and each correction).
    fn write(
        &mut self,
        f: &Filing,
        values: &[(&'static str, f64)],
        previous: Option<&[(&'static str, f64)]>,
        corrections: &Corrections,
        summary: &mut GenerateSummary,
    ) -> Result<()> {
        let rows_of = |values: &[(&'static str, f64)]| {
            let mut rows: Vec<(&str, &str, f64)> = values.iter().map(|(r, v)| (*r, "N", *v)).collect();
            if let Some(prev) = previous {
                // The fixed-asset movement schedule has no previous-year column in any model:
                // acquisitions are never delivered as comparatives.
                rows.extend(prev.iter().filter(|(r, _)| !ACQUISITION_RUBRICS.contains(r)).map(|(r, v)| (*r, "NM1", *v)));
            }
            rows
        };
        if let AccountSink::Cbso(sink) = self {
            let rows = rows_of(values);
            summary.account_rows += rows.len();
            sink.write(f, &rows, "")?;
            if let Some(corrected) = corrections.accounts {
                let rows = rows_of(corrected);
                summary.account_rows += rows.len();
                sink.improved()?.write(f, &rows, "-aa-corrected")?;
            }
            if let Some(fte) = corrections.social_balance {
                // the social balance's rubric only, of both periods
                let rows: Vec<(&str, &str, f64)> = rows_of(&[("1003", fte)]).into_iter().filter(|(r, _, _)| *r == "1003").collect();
                summary.account_rows += rows.len();
                sink.improved()?.write(f, &rows, "-sb-corrected")?;
            }
            return Ok(());
        }
        let corrected: Vec<(&'static str, f64)> = corrections
            .accounts
            .unwrap_or(values)
            .iter()
            .map(|(r, v)| (*r, if *r == "1003" { corrections.social_balance.unwrap_or(*v) } else { *v }))
            .collect();
        let rows = rows_of(&corrected);
        for (rubric, period, value) in rows {
            summary.account_rows += 1;
            let value = rubric_text(rubric, value);
            match self {
                AccountSink::Csv(w, p) => {
                    writeln!(w, "{},{},{},{},{},{},{rubric},{period},{value}", f.number, f.reference, f.deposit, f.start, f.end, f.model).map_err(io(p))?;
                }
                AccountSink::Parquet(s) => {
                    let fields = [f.number, &f.reference, &f.deposit, &f.start, &f.end, f.model, rubric, period, &value];
                    for (col, v) in s.rows.iter_mut().zip(fields) {
                        col.push(v.to_string());
                    }
                    if s.rows[0].len() >= 65_536 {
                        s.flush()?;
                    }
                }
                AccountSink::Cbso(_) => unreachable!("written above"),
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        match self {
            AccountSink::Csv(mut w, p) => w.flush().map_err(io(&p)),
            AccountSink::Parquet(mut s) => {
                s.flush()?;
                s.writer.close()?;
                Ok(())
            }
            AccountSink::Cbso(s) => s.finish(),
        }
    }
}

impl CbsoSink {
    /// The zips of a year's extract (`prefix` "") or of its improved product ("improved_").
    fn open(cbso: &Path, year: i32, prefix: &str) -> Result<CbsoSink> {
        let (r, d) = (cbso.join(format!("{prefix}references_{year}.zip")), cbso.join(format!("{prefix}accounting_data_{year}.zip")));
        let open = |p: &Path| -> Result<zip::ZipWriter<BufWriter<File>>> { Ok(zip::ZipWriter::new(BufWriter::with_capacity(1 << 20, File::create(p).map_err(io(p))?))) };
        Ok(CbsoSink { references: open(&r)?, data: open(&d)?, paths: (r, d), improved: None, year, dir: cbso.to_path_buf() })
    }

    /// The improved product's zips, opened at the first correction of the year (an empty zip
    /// would be a file without any document).
    fn improved(&mut self) -> Result<&mut CbsoSink> {
        if self.improved.is_none() {
            self.improved = Some(Box::new(CbsoSink::open(&self.dir, self.year, "improved_")?));
        }
        Ok(self.improved.as_mut().expect("opened above"))
    }

    fn finish(self) -> Result<()> {
        let CbsoSink { references, data, paths, improved, .. } = self;
        references.finish().map_err(|e| CpiError::Internal(format!("{}: {e}", paths.0.display())))?;
        data.finish().map_err(|e| CpiError::Internal(format!("{}: {e}", paths.1.display())))?;
        improved.map_or(Ok(()), |i| i.finish())
    }

    /// One deposit: its reference record and its accounting data, camelCase as in the
    /// extracts, the enterprise number undotted, values as decimal strings. The filer's seat
    /// and activity as the NBB delivers them (schemas/cbso.json): on the reference record as
    /// plain values (`address.postalCode`, `countryCode`, `activityCode`), in the document as
    /// members of the XBRL enumerations (`address.city` = `pcd:m<postcode>`, `country` =
    /// `cty:m<country>`). `label` "-aa-corrected" or "-sb-corrected": the NBB's correction of
    /// the annual accounts or of the social balance alone, as the improved product delivers it:
    /// a reference record with `dataVersion` corrected and `correctedData` aa or sb, and a
    /// document that carries no version inside, only the label in its file name
    /// (schemas/cbso.json, DataVersion).
    fn write(&mut self, f: &Filing, rows: &[(&str, &str, f64)], label: &str) -> Result<()> {
        let digits: String = f.company.number.chars().filter(char::is_ascii_digit).collect();
        let country = if f.company.region == Region::Abroad { "NL" } else { "BE" };
        let mut reference = serde_json::json!({
            "referenceNumber": f.reference, "depositDate": f.deposit,
            "exerciseDates": {"startDate": f.start, "endDate": f.end},
            "enterpriseNumber": digits, "modelType": f.model, "depositType": "Initial", "language": "NL", "currency": "EUR",
            "accountingDataURL": format!("https://ws.cbso.nbb.be/authentic/deposit/{}/accountingData", f.reference),
            "dataVersion": "Authentic",
            "address": {"street": "Kerkstraat", "number": "1", "postalCode": f.company.postcode.to_string(), "countryCode": country},
            "activityCode": f.company.nace2025,
        });
        if !label.is_empty() {
            reference["dataVersion"] = serde_json::json!("corrected");
            reference["correctedData"] = serde_json::json!(if label == "-sb-corrected" { "sb" } else { "aa" });
            reference["improvementDate"] = serde_json::json!(later(&f.deposit));
        }
        let rubrics: Vec<serde_json::Value> = rows
            .iter()
            .map(|(code, period, value)| serde_json::json!({"code": code, "period": period, "value": rubric_text(code, *value)}))
            .collect();
        let data = serde_json::json!({
            "referenceNumber": f.reference, "enterpriseName": super::clusters::company_name(&f.company.number),
            "address": {"street": "Kerkstraat", "number": "1", "city": format!("pcd:m{}", f.company.postcode), "country": format!("cty:m{country}")},
            "rubrics": rubrics,
        });
        // A fixed timestamp keeps the zips byte-identical for the same seed.
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::from_date_and_time(2025, 1, 6, 7, 40, 18).expect("a valid date"));
        for (zip, member, doc, path) in [
            (&mut self.references, format!("references/{}{label}.json", f.reference), reference, &self.paths.0),
            (&mut self.data, format!("accountingData/{}{label}.json", f.reference), data, &self.paths.1),
        ] {
            zip.start_file(member, options).map_err(|e| CpiError::Internal(format!("{}: {e}", path.display())))?;
            zip.write_all(doc.to_string().as_bytes()).map_err(io(path))?;
        }
        Ok(())
    }
}

/// A rubric value as the long form writes it: FTE with one decimal, amounts whole.
fn rubric_text(code: &str, value: f64) -> String {
    if code == "1003" || code == "9087" { format!("{value:.1}") } else { format!("{value:.0}") }
}

impl ParquetSink {
    fn flush(&mut self) -> Result<()> {
        use datafusion::arrow::array::{ArrayRef, StringArray};
        if self.rows[0].is_empty() {
            return Ok(());
        }
        let columns: Vec<ArrayRef> = self
            .rows
            .iter_mut()
            .map(|c| std::sync::Arc::new(StringArray::from(std::mem::take(c))) as ArrayRef)
            .collect();
        let batch = datafusion::arrow::array::RecordBatch::try_new(self.schema.clone(), columns)?;
        self.writer.write(&batch)?;
        Ok(())
    }
}

/// Exercise dates: calendar year for most, closing in June or March for some, and a first
/// exercise of 6 to 18 months for new companies.
fn exercise(year: i32, closing_month: u32, first: bool, rng: &mut ChaCha8Rng) -> (String, String) {
    let end = chrono::NaiveDate::from_ymd_opt(year, closing_month, 1).unwrap()
        .checked_add_months(chrono::Months::new(1)).unwrap()
        .pred_opt().unwrap();
    let months = if first { rng.random_range(6..=18) } else { 12 };
    let start = end.succ_opt().unwrap().checked_sub_months(chrono::Months::new(months)).unwrap();
    (start.format("%Y-%m-%d").to_string(), end.format("%Y-%m-%d").to_string())
}

fn months_between(start: &str, end: &str) -> f64 {
    let s = chrono::NaiveDate::parse_from_str(start, "%Y-%m-%d").unwrap();
    let e = chrono::NaiveDate::parse_from_str(end, "%Y-%m-%d").unwrap();
    ((e - s).num_days() + 1) as f64 / (365.25 / 12.0)
}

fn deposit_date(end: &str, rng: &mut ChaCha8Rng) -> String {
    let e = chrono::NaiveDate::parse_from_str(end, "%Y-%m-%d").unwrap();
    (e + chrono::Duration::days(rng.random_range(150..240))).format("%Y-%m-%d").to_string()
}

fn later(date: &str) -> String {
    let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    (d + chrono::Duration::days(90)).format("%Y-%m-%d").to_string()
}

/// The acquisition rubrics of the fixed-asset movement schedules (tangible 8169 and 8161..8166,
/// intangible 8029 and 8021..8024), which have no previous-year column (METHODOLOGY.md section 3).
const ACQUISITION_RUBRICS: [&str; 12] = ["8169", "8161", "8162", "8163", "8164", "8165", "8166", "8029", "8021", "8022", "8023", "8024"];
