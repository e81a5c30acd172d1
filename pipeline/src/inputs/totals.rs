//! Optional official Flemish totals under `totals/`: `flanders.csv` in long form (`year, measure,
//! value, source`), and SDMX-CSV downloads from NBB.Stat (the regional accounts: value added
//! B1G, gross fixed capital formation P51G, employment EMP of the Flemish Region). An SDMX-CSV
//! file (SDMX-CSV format 1.0: a `DATAFLOW` column, the dimension columns, `TIME_PERIOD`,
//! `OBS_VALUE`, then attributes) is read through the settings table of official series
//! (`config/official_series.csv`): a (dataflow, series key) pair says which measure an
//! observation is, its multiplier (millions and thousands) and its unit. Employment comes in
//! persons, not FTE: the unit is kept beside the value, and the run warns when FTE growth is
//! compared with a growth of persons.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Decimal128Array, Int32Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};

use super::csv_file::{for_each_row, parse_amount, AMOUNT_PRECISION, AMOUNT_SCALE};
use super::InputLog;
use crate::error::{CpiError, Result};
use crate::storage::Location;

pub const PATH: &str = "totals/flanders.csv";

/// One row of the official series table: which measure an SDMX series is.
#[derive(Debug, Clone)]
pub struct OfficialSeries {
    pub dataflow: String,
    pub series_key: String,
    pub measure: String,
    pub multiplier: i128,
    pub unit: String,
}
pub const MEASURES: [&str; 4] = ["turnover_eur", "fte", "investment_eur", "value_added_eur"];

/// Reads the totals when there are any; none gives an empty table.
pub async fn read(input: &Location, series: &[OfficialSeries], log: &mut InputLog) -> Result<RecordBatch> {
    let mut rows = TotalRows::default();
    let mut seen = HashSet::new();
    for file in input.list("totals").await? {
        if !file.path.to_ascii_lowercase().ends_with(".csv") {
            continue;
        }
        let name = input.name_of(&file.path);
        let bytes = input.get(&file.path).await?;
        let n = if file.path == PATH {
            parse(&name, &bytes, &mut seen, &mut rows, log)?
        } else {
            parse_sdmx(&name, &bytes, series, &mut seen, &mut rows, log)?
        };
        log.finish_file(&name, n);
    }
    rows.batch()
}

/// An SDMX-CSV file: observations of the series the official series table maps, in its units.
fn parse_sdmx(file: &str, bytes: &[u8], series: &[OfficialSeries], seen: &mut HashSet<(i32, String)>, out: &mut TotalRows, log: &mut InputLog) -> Result<u64> {
    let text = std::str::from_utf8(bytes).map_err(|_| CpiError::bad_input(file, "text is not valid UTF-8"))?;
    let header: Vec<String> = text.lines().next().unwrap_or_default().trim_start_matches('\u{feff}').split(',').map(|h| h.trim().to_ascii_uppercase()).collect();
    let position = |c: &str| header.iter().position(|h| h == c);
    let (Some(0), Some(time), Some(_)) = (position("DATAFLOW"), position("TIME_PERIOD"), position("OBS_VALUE")) else {
        return Err(CpiError::bad_input(
            file,
            "neither the long form (year, measure, value, source: totals/flanders.csv) nor SDMX-CSV (DATAFLOW first, then the dimensions, TIME_PERIOD, OBS_VALUE)",
        ));
    };
    if time < 2 {
        return Err(CpiError::bad_input(file, "SDMX-CSV without dimension columns before TIME_PERIOD"));
    }
    let columns: Vec<String> = header.iter().map(|h| h.to_ascii_lowercase()).collect();
    for_each_row(file, bytes, &["dataflow", "time_period", "obs_value"], |row| {
        let dataflow = row.get("dataflow").unwrap_or("");
        let key: Vec<&str> = columns[1..time].iter().map(|c| row.get(c).unwrap_or("")).collect();
        let key = key.join(".");
        let Some(s) = series.iter().find(|s| s.dataflow == dataflow && s.series_key == key) else {
            log.reject(file, row.line, "series_key", &format!("{dataflow} {key}"), "series_not_mapped");
            return Ok(());
        };
        let Some(year) = row.get("time_period").and_then(|y| y.parse::<i32>().ok()) else {
            log.reject(file, row.line, "TIME_PERIOD", row.raw("time_period"), "year_not_a_number");
            return Ok(());
        };
        let Some(v) = row.get("obs_value").and_then(parse_amount) else {
            log.reject(file, row.line, "OBS_VALUE", row.raw("obs_value"), "value_not_numeric");
            return Ok(());
        };
        if !seen.insert((year, s.measure.clone())) {
            log.reject(file, row.line, "series_key", &key, "duplicate_total");
            return Ok(());
        }
        out.year.push(year);
        out.measure.push(s.measure.clone());
        out.value.push(v * s.multiplier);
        out.unit.push(Some(s.unit.clone()));
        out.source.push(Some(format!("{dataflow} {key}")));
        Ok(())
    })
}

#[derive(Default)]
struct TotalRows {
    year: Vec<i32>,
    measure: Vec<String>,
    value: Vec<i128>,
    /// The unit of the official figure when it says (`persons` for employment); NULL in long form.
    unit: Vec<Option<String>>,
    source: Vec<Option<String>>,
}

impl TotalRows {
    fn batch(self) -> Result<RecordBatch> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("year", DataType::Int32, false),
            Field::new("measure", DataType::Utf8, false),
            Field::new("value", DataType::Decimal128(AMOUNT_PRECISION, AMOUNT_SCALE), false),
            Field::new("unit", DataType::Utf8, true),
            Field::new("source", DataType::Utf8, true),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int32Array::from(self.year)),
            Arc::new(StringArray::from(self.measure)),
            Arc::new(
                Decimal128Array::from(self.value).with_precision_and_scale(AMOUNT_PRECISION, AMOUNT_SCALE)?,
            ),
            Arc::new(StringArray::from(self.unit)),
            Arc::new(StringArray::from(self.source)),
        ];
        Ok(RecordBatch::try_new(schema, columns)?)
    }
}

fn parse(file: &str, bytes: &[u8], seen: &mut HashSet<(i32, String)>, out: &mut TotalRows, log: &mut InputLog) -> Result<u64> {
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
        out.unit.push(None);
        out.source.push(row.get("source").map(str::to_string));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdmx_csv_through_the_official_series_table() {
        let settings = crate::config::Settings::defaults().unwrap();
        let series = crate::settings_tables::official_series(&settings).unwrap();
        // NBB.Stat's SDMX-CSV: value added and employment of the Flemish Region (BE2), and value
        // added of Brussels (BE1), which the table does not map.
        let text = "DATAFLOW,FREQ,REF_AREA,NA_ITEM,NACE,UNIT,TIME_PERIOD,OBS_VALUE,OBS_STATUS\n\
                    REGACC,A,BE2,B1G,_T,V,2021,250000.5,A\n\
                    REGACC,A,BE2,EMP,_T,PS,2021,2900.1,A\n\
                    REGACC,A,BE1,B1G,_T,V,2021,99,A\n";
        let mut out = TotalRows::default();
        let mut log = InputLog::default();
        assert_eq!(parse_sdmx("t.csv", text.as_bytes(), &series, &mut HashSet::new(), &mut out, &mut log).unwrap(), 3);
        assert_eq!(out.measure, vec!["value_added_eur", "fte"]);
        // 250 000.5 million euro; 2 900.1 thousand persons (scale 4: x 10 000).
        assert_eq!(out.value, vec![250_000_500_000 * 10_000, 2_900_100 * 10_000]);
        assert_eq!(out.unit, vec![Some("EUR".to_string()), Some("persons".to_string())]);
        let rejects: Vec<(u64, &str, &str)> = log.rejects.iter().map(|r| (r.line, r.raw_value.as_str(), r.reason.as_str())).collect();
        assert_eq!(rejects, vec![(4, "REGACC A.BE1.B1G._T.V", "series_not_mapped")]);
        let err = parse_sdmx("t.csv", b"year;value\n", &series, &mut HashSet::new(), &mut out, &mut log).unwrap_err().to_string();
        assert!(err.contains("neither the long form"), "{err}");
    }

    #[test]
    fn reads_and_rejects() {
        let text = "year,measure,value,source\n2021,turnover_eur,1000.5,Statbel\n\
                    2021,turnover_eur,1,dup\n2022,jobs,5,x\n20x2,fte,5,x\n2022,fte,n/a,x\n";
        let mut out = TotalRows::default();
        let mut log = InputLog::default();
        assert_eq!(parse("t.csv", text.as_bytes(), &mut HashSet::new(), &mut out, &mut log).unwrap(), 5);
        assert_eq!(out.year, vec![2021]);
        assert_eq!(out.value, vec![10_005_000]);
        let reasons: Vec<&str> = log.rejects.iter().map(|r| r.reason.as_str()).collect();
        assert_eq!(reasons, vec!["duplicate_total", "unknown_measure", "year_not_a_number", "value_not_numeric"]);
    }
}
