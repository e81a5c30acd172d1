//! Optional official Flemish totals under `totals/`: `flanders.csv` in long form (`year, measure,
//! value, source`), and SDMX-CSV downloads from NBB.Stat (the regional accounts: value added
//! B1G, gross fixed capital formation P51G, employment EMP of the Flemish Region). An SDMX-CSV
//! file (SDMX-CSV 1.0: a `DATAFLOW` column naming the flow as `AGENCY:ID(VERSION)`, e.g.
//! `BE2:DF_MIR(1.0)` for NBB.Stat, whose agency is BE2; then one column per dimension, with ids
//! of the flow's own, `TIME_PERIOD`, `OBS_VALUE`, then attributes such as `UNIT_MULT` and
//! `UNIT_MEASURE`) is read through the settings table of official series
//! (`config/official_series.csv`): a flow and a set of `DIMENSION=value` pairs say which measure
//! an observation is, its multiplier (millions and thousands) and its unit; the file's
//! `UNIT_MULT` and `UNIT_MEASURE`, when it has them, must agree. Employment comes in persons, not
//! FTE: the unit is kept beside the value, and the run warns when FTE growth is compared with a
//! growth of persons.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Decimal128Array, Int32Array, RecordBatch, StringArray};

use super::csv_file::{for_each_row, parse_amount, AMOUNT_PRECISION, AMOUNT_SCALE};
use super::InputLog;
use crate::error::{CpiError, Result};
use crate::storage::Location;

pub const PATH: &str = "totals/flanders.csv";

/// One row of the official series table: which measure an SDMX series is.
#[derive(Debug, Clone)]
pub struct OfficialSeries {
    /// The flow: its id (`DF_REGACC`), matching any agency and version, or the full reference
    /// (`BE2:DF_REGACC(1.0)`), matching only that.
    pub dataflow: String,
    /// The series: `DIMENSION=value` pairs (upper-case dimension ids) that an observation must
    /// all have; dimensions not named may take any value.
    pub dimensions: Vec<(String, String)>,
    pub measure: String,
    pub multiplier: i128,
    pub unit: String,
    /// The SDMX code the file's `UNIT_MEASURE` must give, when the file has that column.
    pub unit_measure: String,
    /// Whether the flow, its dimensions and codes were checked against NBB.Stat's published
    /// structure; a total read through an unverified mapping is counted and warned about.
    pub verified: bool,
}

/// `AGENCY:ID(VERSION)` as (agency, id, version); a bare id as ("", id, "").
fn dataflow_parts(s: &str) -> (&str, &str, &str) {
    let (agency, rest) = s.split_once(':').unwrap_or(("", s));
    let (id, version) = match rest.split_once('(') {
        Some((id, v)) => (id, v.trim_end_matches(')')),
        None => (rest, ""),
    };
    (agency.trim(), id.trim(), version.trim())
}

impl OfficialSeries {
    /// Whether an observation of flow `dataflow` (as the file names it) with the dimension
    /// values `value_of` is this series.
    fn matches<'a>(&self, dataflow: &str, value_of: impl Fn(&str) -> Option<&'a str>) -> bool {
        let (agency, id, version) = dataflow_parts(&self.dataflow);
        let (file_agency, file_id, file_version) = dataflow_parts(dataflow);
        let flow = id.eq_ignore_ascii_case(file_id)
            && (agency.is_empty() || agency.eq_ignore_ascii_case(file_agency))
            && (version.is_empty() || version == file_version);
        flow && self.dimensions.iter().all(|(dimension, value)| value_of(dimension).is_some_and(|v| v.eq_ignore_ascii_case(value)))
    }
}
pub const MEASURES: [&str; 4] = ["turnover_eur", "fte", "investment_eur", "value_added_eur"];

/// Reads the totals when there are any; none gives an empty table. Also returns how many totals
/// were read through a mapping not verified against NBB.Stat's structure.
pub async fn read(input: &Location, series: &[OfficialSeries], log: &mut InputLog) -> Result<(RecordBatch, i64)> {
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
    let unverified = rows.unverified;
    Ok((rows.batch()?, unverified))
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
    let dimensions: Vec<&String> = header[1..time].iter().collect();
    for_each_row(file, bytes, &["dataflow", "time_period", "obs_value"], |row| {
        let dataflow = row.get("dataflow").unwrap_or("");
        let value_of = |dimension: &str| row.get(&dimension.to_ascii_lowercase());
        let found: Vec<&OfficialSeries> = series.iter().filter(|s| s.matches(dataflow, value_of)).collect();
        let key = || {
            let pairs: Vec<String> = dimensions.iter().map(|d| format!("{d}={}", value_of(d).unwrap_or(""))).collect();
            format!("{dataflow} {}", pairs.join(";"))
        };
        let s = match found.as_slice() {
            [one] => *one,
            [] => {
                log.reject(file, row.line, "series_key", &key(), "series_not_mapped");
                return Ok(());
            }
            _ => {
                log.reject(file, row.line, "series_key", &key(), "series_mapped_twice");
                return Ok(());
            }
        };
        // the file's own unit attributes, when it has them, must say what the mapping says
        if let Some(mult) = row.get("unit_mult") {
            if mult.parse::<u32>().ok().and_then(|m| 10i128.checked_pow(m)) != Some(s.multiplier) {
                log.reject(file, row.line, "UNIT_MULT", row.raw("unit_mult"), "unit_mult_differs");
                return Ok(());
            }
        }
        if let Some(unit) = row.get("unit_measure") {
            if !unit.eq_ignore_ascii_case(&s.unit_measure) {
                log.reject(file, row.line, "UNIT_MEASURE", row.raw("unit_measure"), "unit_measure_differs");
                return Ok(());
            }
        }
        let Some(year) = row.get("time_period").and_then(|y| y.parse::<i32>().ok()) else {
            log.reject(file, row.line, "TIME_PERIOD", row.raw("time_period"), "year_not_a_number");
            return Ok(());
        };
        let Some(v) = row.get("obs_value").and_then(parse_amount) else {
            log.reject(file, row.line, "OBS_VALUE", row.raw("obs_value"), "value_not_numeric");
            return Ok(());
        };
        if !seen.insert((year, s.measure.clone())) {
            log.reject(file, row.line, "series_key", &key(), "duplicate_total");
            return Ok(());
        }
        out.year.push(year);
        out.measure.push(s.measure.clone());
        out.value.push(v * s.multiplier);
        out.unit.push(Some(s.unit.clone()));
        out.source.push(Some(key()));
        out.unverified += i64::from(!s.verified);
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
    /// Totals read through a mapping not verified against NBB.Stat's structure.
    unverified: i64,
}

impl TotalRows {
    fn batch(self) -> Result<RecordBatch> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int32Array::from(self.year)),
            Arc::new(StringArray::from(self.measure)),
            Arc::new(
                Decimal128Array::from(self.value).with_precision_and_scale(AMOUNT_PRECISION, AMOUNT_SCALE)?,
            ),
            Arc::new(StringArray::from(self.unit)),
            Arc::new(StringArray::from(self.source)),
        ];
        crate::catalogue::staged_batch("official_totals", columns)
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

    /// NBB.Stat's SDMX-CSV as published: the flow named `BE2:DF_REGACC(1.0)` (agency, id,
    /// version), dimension columns of the flow's own, the unit attributes after OBS_VALUE.
    /// Through the shipped (unverified) table: value added 250 000.5 million euro (UNIT_MULT 6 =
    /// the table's 1 000 000) and employment 2 900.1 thousand persons (UNIT_MULT 3, PS) are
    /// read; Brussels (BE1) is not mapped; investment with UNIT_MULT 3 (thousands, where the
    /// table says millions) and with UNIT_MEASURE NAC (where it says EUR) are rejected, not
    /// rescaled; a positional file of the old kind (flow REGACC) matches nothing.
    #[test]
    fn sdmx_csv_through_the_official_series_table() {
        let settings = crate::config::Settings::defaults().unwrap();
        let series = crate::settings_tables::official_series(&settings).unwrap();
        let text = "DATAFLOW,FREQ,REF_AREA,NA_ITEM,NACE,TIME_PERIOD,OBS_VALUE,OBS_STATUS,UNIT_MULT,UNIT_MEASURE\n\
                    BE2:DF_REGACC(1.0),A,BE2,B1G,_T,2021,250000.5,A,6,EUR\n\
                    BE2:DF_REGACC(1.0),A,BE2,EMP,_T,2021,2900.1,A,3,PS\n\
                    BE2:DF_REGACC(1.0),A,BE1,B1G,_T,2021,99,A,6,EUR\n\
                    BE2:DF_REGACC(1.0),A,BE2,P51G,_T,2021,5,A,3,EUR\n\
                    BE2:DF_REGACC(1.0),A,BE2,P51G,_T,2022,5,A,6,NAC\n\
                    REGACC,A,BE2,B1G,_T,2022,1,A,6,EUR\n";
        let mut out = TotalRows::default();
        let mut log = InputLog::default();
        assert_eq!(parse_sdmx("t.csv", text.as_bytes(), &series, &mut HashSet::new(), &mut out, &mut log).unwrap(), 6);
        assert_eq!(out.measure, vec!["value_added_eur", "fte"]);
        // 250 000.5 million euro; 2 900.1 thousand persons (scale 4: x 10 000).
        assert_eq!(out.value, vec![250_000_500_000 * 10_000, 2_900_100 * 10_000]);
        assert_eq!(out.unit, vec![Some("EUR".to_string()), Some("persons".to_string())]);
        assert_eq!(out.source[0].as_deref(), Some("BE2:DF_REGACC(1.0) FREQ=A;REF_AREA=BE2;NA_ITEM=B1G;NACE=_T"));
        // the shipped mappings are not verified against NBB.Stat: both totals are counted
        assert_eq!(out.unverified, 2);
        let rejects: Vec<(u64, &str, &str)> = log.rejects.iter().map(|r| (r.line, r.raw_value.as_str(), r.reason.as_str())).collect();
        assert_eq!(
            rejects,
            vec![
                (4, "BE2:DF_REGACC(1.0) FREQ=A;REF_AREA=BE1;NA_ITEM=B1G;NACE=_T", "series_not_mapped"),
                (5, "3", "unit_mult_differs"),
                (6, "NAC", "unit_measure_differs"),
                (7, "REGACC FREQ=A;REF_AREA=BE2;NA_ITEM=B1G;NACE=_T", "series_not_mapped"),
            ]
        );
        let err = parse_sdmx("t.csv", b"year;value\n", &series, &mut HashSet::new(), &mut out, &mut log).unwrap_err().to_string();
        assert!(err.contains("neither the long form"), "{err}");
    }

    /// A flow named in full in the table matches only that agency and version; a bare id any.
    #[test]
    fn dataflow_references_match_by_agency_id_and_version() {
        let series = |dataflow: &str| OfficialSeries {
            dataflow: dataflow.into(),
            dimensions: vec![("NA_ITEM".into(), "B1G".into())],
            measure: "value_added_eur".into(),
            multiplier: 1,
            unit: "EUR".into(),
            unit_measure: "EUR".into(),
            verified: true,
        };
        let b1g = |d: &str| (d == "NA_ITEM").then_some("b1g");
        let full = series("BE2:DF_X(1.0)");
        assert!(full.matches("BE2:DF_X(1.0)", b1g));
        assert!(!full.matches("BE2:DF_X(2.0)", b1g));
        assert!(!full.matches("ESTAT:DF_X(1.0)", b1g));
        assert!(!full.matches("BE2:DF_X(1.0)", |_| None));
        let bare = series("DF_X");
        assert!(bare.matches("BE2:DF_X(1.0)", b1g) && bare.matches("ESTAT:DF_X(3.1)", b1g) && bare.matches("DF_X", b1g));
        assert!(!bare.matches("BE2:DF_Y(1.0)", b1g));
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
