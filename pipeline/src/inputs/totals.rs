//! Optional official Flemish totals, `totals/flanders.csv`: `year, measure, value, source`.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Decimal128Array, Int32Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};

use super::csv_file::{for_each_row, parse_amount, AMOUNT_PRECISION, AMOUNT_SCALE};
use super::InputLog;
use crate::error::Result;
use crate::storage::Location;

pub const PATH: &str = "totals/flanders.csv";
const MEASURES: [&str; 4] = ["turnover_eur", "fte", "investment_eur", "value_added_eur"];

/// Reads the totals when the file exists; an absent file gives an empty table.
pub async fn read(input: &Location, log: &mut InputLog) -> Result<RecordBatch> {
    let mut rows = TotalRows::default();
    if input.list("totals").await?.iter().any(|f| f.path == PATH) {
        let name = input.name_of(PATH);
        let bytes = input.get(PATH).await?;
        let n = parse(&name, &bytes, &mut rows, log)?;
        log.finish_file(&name, n);
    }
    rows.batch()
}

#[derive(Default)]
struct TotalRows {
    year: Vec<i32>,
    measure: Vec<String>,
    value: Vec<i128>,
    source: Vec<Option<String>>,
}

impl TotalRows {
    fn batch(self) -> Result<RecordBatch> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("year", DataType::Int32, false),
            Field::new("measure", DataType::Utf8, false),
            Field::new("value", DataType::Decimal128(AMOUNT_PRECISION, AMOUNT_SCALE), false),
            Field::new("source", DataType::Utf8, true),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int32Array::from(self.year)),
            Arc::new(StringArray::from(self.measure)),
            Arc::new(
                Decimal128Array::from(self.value).with_precision_and_scale(AMOUNT_PRECISION, AMOUNT_SCALE)?,
            ),
            Arc::new(StringArray::from(self.source)),
        ];
        Ok(RecordBatch::try_new(schema, columns)?)
    }
}

fn parse(file: &str, bytes: &[u8], out: &mut TotalRows, log: &mut InputLog) -> Result<u64> {
    let mut seen = HashSet::new();
    for_each_row(file, bytes, &["year", "measure", "value"], |row| {
        let Some(year) = row.get("year").and_then(|y| y.parse::<i32>().ok()) else {
            log.reject(file, row.line, "year", row.raw("year"), "year_not_a_number");
            return Ok(());
        };
        let measure = row.get("measure").unwrap_or("");
        if !MEASURES.contains(&measure) {
            log.reject(file, row.line, "measure", row.raw("measure"), "unknown_measure");
            return Ok(());
        }
        let Some(value) = row.get("value").and_then(parse_amount) else {
            log.reject(file, row.line, "value", row.raw("value"), "value_not_numeric");
            return Ok(());
        };
        if !seen.insert((year, measure.to_string())) {
            log.reject(file, row.line, "measure", row.raw("measure"), "duplicate_total");
            return Ok(());
        }
        out.year.push(year);
        out.measure.push(measure.to_string());
        out.value.push(value);
        out.source.push(row.get("source").map(str::to_string));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_rejects() {
        let text = "year,measure,value,source\n2021,turnover_eur,1000.5,Statbel\n\
                    2021,turnover_eur,1,dup\n2022,jobs,5,x\n20x2,fte,5,x\n2022,fte,n/a,x\n";
        let mut out = TotalRows::default();
        let mut log = InputLog::default();
        assert_eq!(parse("t.csv", text.as_bytes(), &mut out, &mut log).unwrap(), 5);
        assert_eq!(out.year, vec![2021]);
        assert_eq!(out.value, vec![10_005_000]);
        let reasons: Vec<&str> = log.rejects.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(reasons, vec!["duplicate_total", "unknown_measure", "year_not_a_number", "value_not_numeric"]);
    }
}
