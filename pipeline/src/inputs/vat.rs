//! Optional VAT turnover under `vat/` (any `.csv` file): `enterprise_number, year, turnover,
//! source`, one row per company and calendar year. Belgian VAT returns are not public: a
//! measuring body obtains annual turnover from them under agreement (FPS Finance, or Statbel's
//! enterprise statistics), so no published layout exists; these columns are the ones issue #34
//! asks for, and schemas/vat.json describes them. With `growth.turnover_from_vat` a company-year
//! of B or T that has a filing but no turnover (rubric 70, optional in the abbreviated and
//! micro models) takes this turnover (sql/40_growth.sql).

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Decimal128Array, Int32Array, RecordBatch, StringArray};

use super::csv_file::{for_each_row, parse_amount, AMOUNT_PRECISION, AMOUNT_SCALE};
use super::InputLog;
use crate::enterprise_number;
use crate::error::Result;
use crate::storage::Location;

#[derive(Default)]
struct VatRows {
    number: Vec<String>,
    year: Vec<i32>,
    turnover: Vec<i128>,
    source: Vec<String>,
}

/// Reads every `.csv` under `vat/` (none: an empty table). A row is rejected, with the file,
/// line and field, when its enterprise number is not valid, its year not a number, its turnover
/// not a number or negative, its source empty, or when the company and year were given before
/// (in any file: the first row counts).
pub async fn read(input: &Location, log: &mut InputLog) -> Result<RecordBatch> {
    let mut rows = VatRows::default();
    let mut seen = HashSet::new();
    let mut files: Vec<String> = input.list("vat").await?.into_iter().map(|f| f.path).filter(|p| p.to_ascii_lowercase().ends_with(".csv")).collect();
    files.sort();
    for path in files {
        let name = input.name_of(&path);
        let bytes = input.get(&path).await?;
        let n = parse(&name, &bytes, &mut seen, &mut rows, log)?;
        log.finish_file(&name, n);
    }
    rows.batch()
}

impl VatRows {
    fn batch(self) -> Result<RecordBatch> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(self.number)),
            Arc::new(Int32Array::from(self.year)),
            Arc::new(Decimal128Array::from(self.turnover).with_precision_and_scale(AMOUNT_PRECISION, AMOUNT_SCALE)?),
            Arc::new(StringArray::from(self.source)),
        ];
        crate::catalogue::staged_batch("vat_turnover", columns)
    }
}

fn parse(file: &str, bytes: &[u8], seen: &mut HashSet<(String, i32)>, out: &mut VatRows, log: &mut InputLog) -> Result<u64> {
    for_each_row(file, bytes, &["enterprise_number", "year", "turnover", "source"], |row| {
        let number = match enterprise_number::normalise(row.raw("enterprise_number")) {
            Ok(n) => n,
            Err(problem) => {
                log.reject(file, row.line, "enterprise_number", row.raw("enterprise_number"), problem.reason());
                return Ok(());
            }
        };
        let Some(year) = row.get("year").and_then(|y| y.parse::<i32>().ok()) else {
            log.reject(file, row.line, "year", row.raw("year"), "year_not_a_number");
            return Ok(());
        };
        let Some(turnover) = row.get("turnover").and_then(parse_amount) else {
            log.reject(file, row.line, "turnover", row.raw("turnover"), "value_not_numeric");
            return Ok(());
        };
        if turnover < 0 {
            log.reject(file, row.line, "turnover", row.raw("turnover"), "turnover_negative");
            return Ok(());
        }
        let Some(source) = row.get("source").filter(|s| !s.is_empty()) else {
            log.reject(file, row.line, "source", row.raw("source"), "source_empty");
            return Ok(());
        };
        if !seen.insert((number.clone(), year)) {
            log.reject(file, row.line, "year", row.raw("year"), "duplicate_company_year");
            return Ok(());
        }
        out.number.push(number);
        out.year.push(year);
        out.turnover.push(turnover);
        out.source.push(source.to_string());
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Planted rows: two kept (the dotted and the BE form of a number both normalised), and one
    /// reject per rule, each naming its line and field.
    #[test]
    fn rows_are_checked_and_rejected_with_line_and_field() {
        let text = "enterprise_number,year,turnover,source\n\
                    0200.000.439,2024,350000,fps_finance\n\
                    BE0200000142,2021,1000000.50,statbel\n\
                    0200.000.737,2024,1,fps_finance\n\
                    0200.000.439,twenty,1,fps_finance\n\
                    0200.000.439,2023,-5,fps_finance\n\
                    0200.000.439,2022,12a,fps_finance\n\
                    0200.000.439,2021,7,\n\
                    0200000439,2024,999,statbel\n";
        let (mut seen, mut rows, mut log) = (HashSet::new(), VatRows::default(), InputLog::default());
        let n = parse("vat/vat.csv", text.as_bytes(), &mut seen, &mut rows, &mut log).unwrap();
        assert_eq!(n, 8);
        assert_eq!(rows.number, ["0200.000.439", "0200.000.142"]);
        assert_eq!(rows.year, [2024, 2021]);
        // four decimals: 350 000 and 1 000 000.50
        assert_eq!(rows.turnover, [3_500_000_000, 10_000_005_000]);
        assert_eq!(rows.source, ["fps_finance", "statbel"]);
        let got: Vec<(u64, &str, &str)> = log.rejects.iter().map(|r| (r.line, r.field.as_str(), r.reason.as_str())).collect();
        assert_eq!(
            got,
            [
                (4, "enterprise_number", "enterprise_number_check_digits"),
                (5, "year", "year_not_a_number"),
                (6, "turnover", "turnover_negative"),
                (7, "turnover", "value_not_numeric"),
                (8, "source", "source_empty"),
                (9, "year", "duplicate_company_year"),
            ]
        );
        let batch = rows.batch().unwrap();
        assert_eq!((batch.num_rows(), batch.schema()), (2, crate::catalogue::staged_table("vat_turnover").unwrap().schema()));
    }
}
