//! The short table `cpi run` prints on a terminal when it is done, so that a person sees the
//! result without opening a file: per cluster and year, the CPI 7 and CPI 8 headline gaps, the
//! CPI 6 share of Flanders, the sample and its coverage. Built from the published tables only
//! (the `run_summary` view of sql/90), so it never shows a suppressed figure.

use std::fmt::Write;

use datafusion::arrow::array::RecordBatch;

use crate::error::Result;
use crate::rows::{rows_of, Row};

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

/// The summary rows, from the `run_summary` view of sql/90 (the published CPI 7, CPI 8 and
/// CPI 6 tables joined per cluster and year).
pub fn rows(run_summary: &[RecordBatch]) -> Result<Vec<SummaryRow>> {
    let number = |row: &Row, column: &str| row.get(column).and_then(serde_json::Value::as_f64);
    let count = |row: &Row, column: &str| row.get(column).and_then(serde_json::Value::as_i64).unwrap_or_default();
    Ok(rows_of(run_summary)?
        .iter()
        .map(|r| SummaryRow {
            cluster_id: r.get("cluster_id").and_then(serde_json::Value::as_str).unwrap_or_default().to_string(),
            reference_year: count(r, "reference_year"),
            sample_firms: count(r, "sample_firms"),
            cohort_firms: count(r, "cohort_firms"),
            cpi7_gap_pp: number(r, "cpi7_gap_pp"),
            cpi8_gap_pp: number(r, "cpi8_gap_pp"),
            cpi6_share: number(r, "cpi6_share"),
            coverage: number(r, "coverage"),
        })
        .collect())
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
    let _ = writeln!(out, "\"-\": not published (disclosure control or no sample). {warnings} warning(s) in manifest.json. Outputs: {output}, report: {}/{}", output.trim_end_matches('/'), crate::manifest::REPORT_FILE);
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
             \"-\": not published (disclosure control or no sample). 3 warning(s) in manifest.json. Outputs: out, report: out/report.html\n"
        );
    }
}
