//! The short table `cpi run` prints on a terminal when it is done, so that a person sees the
//! result without opening a file: per cluster and year, the CPI 7 and CPI 8 headline gaps, the
//! CPI 6 share of Flanders, the sample and its coverage. Built from the published tables only,
//! so it never shows a suppressed figure.

use std::collections::BTreeMap;
use std::fmt::Write;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};

use crate::error::{CpiError, Result};

/// One line of the summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryRow {
    pub cluster_id: String,
    pub reference_year: i64,
    /// CPI 7 sample and cohort (companies).
    pub sample_firms: i64,
    pub cohort_firms: i64,
    /// CPI 7 headline gap, CPI 8 headline gap (percentage points), CPI 6 share of Flanders
    /// (fraction), CPI 7 coverage (fraction); None when not published.
    pub cpi7_gap_pp: Option<f64>,
    pub cpi8_gap_pp: Option<f64>,
    pub cpi6_share: Option<f64>,
    pub coverage: Option<f64>,
}

/// Column `name` of every batch as text (None for NULL).
fn texts(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<String>>> {
    let mut out = vec![];
    for b in batches {
        let c = b.column_by_name(name).ok_or_else(|| CpiError::Internal(format!("summary: no column {name}")))?;
        let c = cast(c, &DataType::Utf8)?;
        let s = c.as_string::<i32>();
        out.extend((0..s.len()).map(|i| (!s.is_null(i)).then(|| s.value(i).to_string())));
    }
    Ok(out)
}

/// Column `name` of every batch as numbers (None for NULL).
fn numbers(batches: &[RecordBatch], name: &str) -> Result<Vec<Option<f64>>> {
    let mut out = vec![];
    for b in batches {
        let c = b.column_by_name(name).ok_or_else(|| CpiError::Internal(format!("summary: no column {name}")))?;
        let c = cast(c, &DataType::Float64)?;
        let f = c.as_primitive::<Float64Type>();
        out.extend((0..f.len()).map(|i| (!f.is_null(i)).then(|| f.value(i))));
    }
    Ok(out)
}

/// The summary rows from the published CPI 7, CPI 8 and CPI 6 tables (one row per cluster and
/// reference year in each).
pub fn rows(cpi7: &[RecordBatch], cpi8: &[RecordBatch], cpi6: &[RecordBatch]) -> Result<Vec<SummaryRow>> {
    type Key = (String, i64);
    let keys = |batches: &[RecordBatch]| -> Result<Vec<Key>> {
        let clusters = texts(batches, "cluster_id")?;
        let years = numbers(batches, "reference_year")?;
        Ok(clusters.into_iter().zip(years).map(|(c, y)| (c.unwrap_or_default(), y.unwrap_or_default() as i64)).collect())
    };
    let by_key = |batches: &[RecordBatch], column: &str| -> Result<BTreeMap<Key, Option<f64>>> {
        Ok(keys(batches)?.into_iter().zip(numbers(batches, column)?).collect())
    };
    let cpi8_gap = by_key(cpi8, "headline_gap_pp")?;
    let cpi6_share = by_key(cpi6, "share_of_flanders")?;
    let (gap, coverage) = (numbers(cpi7, "headline_gap_pp")?, numbers(cpi7, "coverage_value_share")?);
    let (sample, cohort) = (numbers(cpi7, "sample_firms")?, numbers(cpi7, "cohort_firms")?);
    let mut rows: Vec<SummaryRow> = keys(cpi7)?
        .into_iter()
        .enumerate()
        .map(|(i, key)| SummaryRow {
            cpi8_gap_pp: cpi8_gap.get(&key).copied().flatten(),
            cpi6_share: cpi6_share.get(&key).copied().flatten(),
            cluster_id: key.0,
            reference_year: key.1,
            sample_firms: sample[i].unwrap_or_default() as i64,
            cohort_firms: cohort[i].unwrap_or_default() as i64,
            cpi7_gap_pp: gap[i],
            coverage: coverage[i],
        })
        .collect();
    // ALL first, then the clusters by name, per year.
    rows.sort_by(|a, b| (a.reference_year, a.cluster_id != "ALL", &a.cluster_id).cmp(&(b.reference_year, b.cluster_id != "ALL", &b.cluster_id)));
    Ok(rows)
}

/// The summary as a plain-text table (a figure not published shows as "-"), with the number of
/// warnings and where the outputs are.
pub fn render(rows: &[SummaryRow], warnings: usize, output: &str) -> String {
    let pp = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:+.1}"));
    let pct = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:.1} %", 100.0 * v));
    let header = ["year", "cluster", "CPI 7 gap (pp)", "CPI 8 gap (pp)", "CPI 6 share", "CPI 7 sample", "coverage"];
    let body: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.reference_year.to_string(),
                r.cluster_id.clone(),
                pp(r.cpi7_gap_pp),
                pp(r.cpi8_gap_pp),
                pct(r.cpi6_share),
                format!("{} / {}", r.sample_firms, r.cohort_firms),
                pct(r.coverage),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..7).map(|i| body.iter().map(|r| r[i].chars().count()).chain([header[i].len()]).max().unwrap_or(0)).collect();
    let mut out = String::new();
    let line = |out: &mut String, cells: &[&str]| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            // text left, figures right
            .map(|(i, c)| if i < 2 { format!("{c:<w$}", w = widths[i]) } else { format!("{c:>w$}", w = widths[i]) })
            .collect();
        let _ = writeln!(out, "{}", parts.join("  ").trim_end());
    };
    line(&mut out, &header);
    for r in &body {
        line(&mut out, &r.iter().map(String::as_str).collect::<Vec<_>>());
    }
    let _ = writeln!(out, "\"-\": not published (disclosure control or no sample). {warnings} warning(s) in manifest.json. Outputs: {output}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_aligns_figures_and_marks_what_is_not_published() {
        let rows = vec![
            SummaryRow {
                cluster_id: "ALL".into(),
                reference_year: 2024,
                sample_firms: 4,
                cohort_firms: 7,
                cpi7_gap_pp: Some(6.8),
                cpi8_gap_pp: Some(-2.04),
                cpi6_share: Some(0.61068),
                coverage: Some(0.8714),
            },
            SummaryRow {
                cluster_id: "C3".into(),
                reference_year: 2024,
                sample_firms: 1,
                cohort_firms: 1,
                cpi7_gap_pp: None,
                cpi8_gap_pp: None,
                cpi6_share: None,
                coverage: None,
            },
        ];
        assert_eq!(
            render(&rows, 3, "out"),
            "year  cluster  CPI 7 gap (pp)  CPI 8 gap (pp)  CPI 6 share  CPI 7 sample  coverage\n\
             2024  ALL                +6.8            -2.0       61.1 %         4 / 7    87.1 %\n\
             2024  C3                    -               -            -         1 / 1         -\n\
             \"-\": not published (disclosure control or no sample). 3 warning(s) in manifest.json. Outputs: out\n"
        );
    }
}
