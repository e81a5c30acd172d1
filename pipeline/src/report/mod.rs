//! The yearly report (`report.html`): what policy readers open. One self-contained HTML file
//! (inline CSS and SVG, no script, nothing fetched), in Dutch or English, built from an output
//! folder's public tables and its manifest only, so it can never show a value that disclosure
//! control suppressed. `cpi run` writes it beside the tables; `cpi report` writes it again.
//!
//! Rust gathers the published rows per reference year and draws the charts (`charts`); the
//! layout is the template `pipeline/assets/report/report.html.j2`, the words are in
//! `pipeline/assets/report/text.toml`, and numbers are written by `format`.

pub mod charts;
pub mod format;
mod quality;
pub mod tables;

use std::collections::BTreeMap;

use serde_json::{json, Value};

use self::charts::{Bars, Line};
use self::format::{figure, Kind, Language};
use self::tables::Row;
use crate::catalogue;
use crate::error::{CpiError, Result};
use crate::manifest::{ReportFile, MANIFEST_FILE, REPORT_FILE};
use crate::storage::Location;


const TEMPLATE: &str = include_str!("../../assets/report/report.html.j2");
const TEXT: &str = include_str!("../../assets/report/text.toml");

/// What a report is made of: the manifest of a run and its public tables (file stem -> rows).
pub struct Published {
    pub manifest: Value,
    pub tables: BTreeMap<String, Vec<Row>>,
}

impl Published {
    /// The public tables of the catalogue, read from `dir`. A table the folder does not hold
    /// (a folder written by an earlier version of cpi, before the table existed) is left out
    /// with a warning: the report shows its figures as not available.
    pub async fn read(dir: &Location, manifest: Value) -> Result<Published> {
        let mut tables = BTreeMap::new();
        for output in catalogue::outputs()?.iter().filter(|o| o.public) {
            let stem = output.file.trim_end_matches(".parquet").to_string();
            if !dir.exists(&output.file).await? {
                tracing::warn!(file = %dir.name_of(&output.file), "not in the output folder: the report shows its figures as not available");
                continue;
            }
            tables.insert(stem, tables::read(dir, &output.file).await?);
        }
        Ok(Published { manifest, tables })
    }

    fn table(&self, stem: &str) -> &[Row] {
        self.tables.get(stem).map_or(&[], Vec::as_slice)
    }
}

/// `cpi report`: writes report.html again into an existing output folder, from its tables and
/// manifest, and records it in the manifest. The folder is republished as a whole (its files
/// copied to a staging folder with the new report and manifest, then put in place under the
/// folder's lock, as `cpi run` does), so that a killed `cpi report` never leaves a report that
/// its manifest does not describe.
pub async fn rewrite(output: &str, lang: Language, wait: bool) -> Result<ReportFile> {
    let dir = Location::connect(output)?;
    let manifest_name = dir.name_of(MANIFEST_FILE);
    if !dir.exists(MANIFEST_FILE).await? {
        return Err(CpiError::bad_input(&manifest_name, "missing: the folder holds no complete run"));
    }
    let publisher = crate::publish::Publisher::prepare(output, true, "report", wait).await?;
    let staging = publisher.staging()?;
    let written = async {
        // Read under the lock: the folder is the one a finished run left.
        let mut manifest: Value =
            serde_json::from_slice(&dir.get(MANIFEST_FILE).await?).map_err(|e| CpiError::bad_input(&manifest_name, format!("not valid JSON: {e}")))?;
        let published = Published::read(&dir, manifest.clone()).await?;
        let html = render(&published, lang)?;
        let record = ReportFile::of(&html, lang.code());
        for file in dir.list("").await? {
            if file.path != REPORT_FILE && file.path != MANIFEST_FILE {
                staging.put(&file.path, dir.get(&file.path).await?).await?;
            }
        }
        staging.put(REPORT_FILE, html.into_bytes()).await?;
        manifest["report"] = serde_json::to_value(&record).map_err(|e| CpiError::Internal(e.to_string()))?;
        staging.put(MANIFEST_FILE, serde_json::to_vec_pretty(&manifest).map_err(|e| CpiError::Internal(e.to_string()))?).await?;
        Ok(record)
    };
    let written = written.await;
    publisher.finish(written).await
}

/// The report as HTML.
pub fn render(published: &Published, lang: Language) -> Result<String> {
    let texts: BTreeMap<String, BTreeMap<String, String>> =
        toml::from_str(TEXT).map_err(|e| CpiError::Internal(format!("report text.toml: {e}")))?;
    let t = texts.get(lang.code()).ok_or_else(|| CpiError::Internal(format!("report text.toml: no [{}]", lang.code())))?;
    let model = model(published, t, lang)?;

    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    env.add_filter("fig", move |value: minijinja::Value, kind: String| -> std::result::Result<String, minijinja::Error> {
        let kind = Kind::parse(&kind).ok_or_else(|| minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, format!("unknown figure kind {kind}")))?;
        Ok(match f64::try_from(value.clone()) {
            Ok(v) if !value.is_none() => figure(v, kind, lang),
            _ => ":".to_string(),
        })
    });
    env.add_template("report.html", TEMPLATE).map_err(template_error)?;
    let html = env.get_template("report.html").and_then(|t| t.render(minijinja::Value::from(minijinja::value::Serde(&model)))).map_err(template_error)?;
    Ok(html)
}

fn template_error(e: minijinja::Error) -> CpiError {
    CpiError::Internal(format!("report template: {e:#}"))
}

fn text<'a>(t: &'a BTreeMap<String, String>, key: &'a str) -> &'a str {
    t.get(key).map_or(key, String::as_str)
}

fn f(row: &Row, column: &str) -> Option<f64> {
    row.get(column).and_then(Value::as_f64)
}

fn s<'a>(row: &'a Row, column: &str) -> &'a str {
    row.get(column).and_then(Value::as_str).unwrap_or_default()
}

fn year_of(row: &Row) -> i64 {
    row.get("reference_year").and_then(Value::as_i64).unwrap_or_default()
}

/// The rows of `table` for reference year `year`, keyed by cluster (in file order).
fn by_cluster(rows: &[Row], year: i64) -> BTreeMap<&str, &Row> {
    rows.iter().filter(|r| year_of(r) == year).map(|r| (s(r, "cluster_id"), r)).collect()
}

/// Everything the template shows, per reference year and over the years.
fn model(p: &Published, t: &BTreeMap<String, String>, lang: Language) -> Result<Value> {
    let cpi7 = p.table("cpi7_turnover");
    let years: Vec<i64> = {
        let mut y: Vec<i64> = cpi7.iter().map(year_of).collect();
        y.sort_unstable();
        y.dedup();
        y
    };
    // Clusters in the tables' order (sorted by cluster_id), ALL first.
    let mut clusters: Vec<(String, String)> = vec![];
    for r in cpi7 {
        let id = s(r, "cluster_id").to_string();
        if !clusters.iter().any(|(c, _)| *c == id) {
            clusters.push((id, s(r, "cluster_name").to_string()));
        }
    }
    clusters.sort_by_key(|(id, _)| id != "ALL");
    // ALL's name in the tables is English; the report names it in its own language.
    for (_, name) in clusters.iter_mut().filter(|(id, _)| id == "ALL") {
        *name = text(t, "all_clusters").to_string();
    }
    let labels: Vec<String> = clusters.iter().map(|(id, _)| id.clone()).collect();
    let headline_benchmark = cpi7.first().map(|r| s(r, "headline_benchmark")).unwrap_or("flanders");
    // The bootstrap interval is that of the gap to Flanders: drawn on the chart only when the
    // headline gap is that gap.
    let flanders_headline = headline_benchmark != "rest_of_flanders";
    let mut per_year = vec![];
    for &year in &years {
        let (c7, c8, c6, pr) = (
            by_cluster(cpi7, year),
            by_cluster(p.table("cpi8_employment"), year),
            by_cluster(p.table("cpi6_investment"), year),
            by_cluster(p.table("productivity"), year),
        );
        let headline: Vec<Value> = clusters
            .iter()
            .map(|(id, name)| {
                json!({
                    "cluster_id": id, "cluster_name": name,
                    "cpi7": c7.get(id.as_str()), "cpi8": c8.get(id.as_str()),
                    "cpi6": c6.get(id.as_str()), "productivity": pr.get(id.as_str()),
                })
            })
            .collect();
        // A bar per cluster, or "c" where disclosure control suppressed the figure, ":" where there is none.
        let bars = |m: &BTreeMap<&str, &Row>, col: &str, scale: f64| -> Vec<std::result::Result<f64, &'static str>> {
            labels
                .iter()
                .map(|c| match m.get(c.as_str()) {
                    Some(r) => match f(r, col) {
                        Some(v) => Ok(scale * v),
                        None if !s(r, "suppressed_reason").is_empty() => Err("c"),
                        None => Err(":"),
                    },
                    None => Err(":"),
                })
                .collect()
        };
        // How sure (uncertainty.parquet): per cluster and indicator.
        let sure: BTreeMap<(&str, &str), &Row> =
            p.table("uncertainty").iter().filter(|r| year_of(r) == year).map(|r| ((s(r, "cluster_id"), s(r, "indicator")), r)).collect();
        let whiskers = |indicator: &str| -> Vec<Option<(f64, f64)>> {
            labels
                .iter()
                .map(|c| {
                    let r = sure.get(&(c.as_str(), indicator))?;
                    flanders_headline.then_some((f(r, "gap_low_pp")?, f(r, "gap_high_pp")?))
                })
                .collect()
        };
        let gaps_chart = charts::bar_chart(
            &labels,
            &[
                Bars { name: text(t, "chart_cpi7"), values: bars(&c7, "headline_gap_pp", 1.0), intervals: whiskers("CPI7") },
                Bars { name: text(t, "chart_cpi8"), values: bars(&c8, "headline_gap_pp", 1.0), intervals: whiskers("CPI8") },
            ],
            text(t, "chart_gap_axis"),
            lang,
        )?;
        let cpi6_chart = charts::bar_chart(
            &labels,
            &[Bars { name: text(t, "chart_cpi6"), values: bars(&c6, "share_of_flanders", 100.0), intervals: vec![] }],
            text(t, "chart_share_axis"),
            lang,
        )?;
        let certainty: Vec<Value> = ["CPI7", "CPI8", "productivity"]
            .iter()
            .map(|indicator| {
                let rows: Vec<Value> = clusters
                    .iter()
                    .map(|(id, name)| json!({"cluster_id": id, "cluster_name": name, "row": sure.get(&(id.as_str(), *indicator))}))
                    .collect();
                json!({"indicator": indicator, "rows": rows})
            })
            .collect();

        let flows: Vec<Value> = clusters
            .iter()
            .map(|(id, name)| {
                let rows: BTreeMap<&str, &Row> =
                    p.table("member_flows").iter().filter(|r| year_of(r) == year && s(r, "cluster_id") == id).map(|r| (s(r, "flow"), r)).collect();
                json!({"cluster_id": id, "cluster_name": name, "staying": rows.get("staying"), "entrant": rows.get("entrant"), "leaver": rows.get("leaver")})
            })
            .collect();

        // CPI 7's coverage per kind of model filed for T (cpi7_coverage.parquet): the members of
        // every cluster (ALL) beside the Flemish benchmark.
        let coverage: Vec<Value> = ["all", "full", "abbreviated", "micro", "unknown"]
            .iter()
            .filter_map(|kind| {
                let row = |cluster: &str| {
                    p.table("cpi7_coverage").iter().find(|r| year_of(r) == year && s(r, "cluster_id") == cluster && s(r, "model_class") == *kind)
                };
                let (members, flanders) = (row("ALL"), row("(Flanders)"));
                (members.is_some() || flanders.is_some()).then(|| json!({"label": text(t, &format!("model_{kind}")), "members": members, "flanders": flanders}))
            })
            .collect();

        per_year.push(json!({
            "year": year,
            "coverage": coverage,
            "window": c7.values().next().map(|r| json!({"base_year": r.get("base_year"), "end_year": r.get("end_year")})),
            "cpi6_window": c6.values().next().map(|r| json!({"start": r.get("window_start"), "end": r.get("window_end")})),
            "headline": headline,
            "chart_gaps": gaps_chart,
            "chart_cpi6": cpi6_chart,
            "certainty": certainty,
            "flows": flows,
            "breakdowns": breakdowns(p.table("cpi_breakdowns"), year, &labels),
            "exclusions": quality::pivot_counts(p.table("exclusion_counts"), year, &labels),
            "counted": quality::counted(&p.manifest, year),
            // sql/85: 1 while T's annual accounts may not all be filed (METHODOLOGY.md section 3)
            "provisional": p.manifest["method_counts"].get(format!("{year}.reference_year_provisional")).and_then(Value::as_i64) == Some(1),
        }));
    }

    // The gaps over the years, when the folder holds several.
    let series = if years.len() > 1 {
        let mut out = serde_json::Map::new();
        for (key, rows) in [("cpi7", cpi7), ("cpi8", p.table("cpi8_employment"))] {
            let lines: Vec<Line> = labels
                .iter()
                .map(|c| Line {
                    label: c,
                    points: rows.iter().filter(|r| s(r, "cluster_id") == c).filter_map(|r| f(r, "headline_gap_pp").map(|v| (year_of(r) as i32, v))).collect(),
                })
                .filter(|l| !l.points.is_empty())
                .collect();
            let years32: Vec<i32> = years.iter().map(|y| *y as i32).collect();
            let chart = charts::line_chart(&years32, &lines, text(t, "chart_gap_axis"), lang)?;
            let table: Vec<Value> = clusters
                .iter()
                .map(|(id, name)| {
                    let cells: Vec<Value> = years.iter().map(|y| json!(rows.iter().find(|r| year_of(r) == *y && s(r, "cluster_id") == id))).collect();
                    json!({"cluster_id": id, "cluster_name": name, "cells": cells})
                })
                .collect();
            out.insert(key.into(), json!({"chart": chart, "table": table}));
        }
        Value::Object(out)
    } else {
        Value::Null
    };

    let m = &p.manifest;
    let years_label = match (years.first(), years.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    };
    Ok(json!({
        "lang": lang.code(),
        "t": t,
        "years_label": years_label,
        "clusters": clusters.iter().map(|(id, name)| json!({"id": id, "name": name})).collect::<Vec<_>>(),
        "years": per_year,
        "series": series,
        "headline_benchmark": headline_benchmark,
        "manifest": {
            "tool": m["tool"], "started_at": m["started_at"], "kbo": m["kbo"], "inputs": m["inputs"],
            "input_rows": m["input_rows"], "warnings": m["warnings"], "disclosure": m["disclosure"],
            "uncertainty": m["config"]["uncertainty"],
        },
        "reject_counts": p.table("reject_counts"),
    }))
}

/// The breakdowns of one year as tables: per indicator and dimension, one row per category
/// (in the file's order) with the Flemish growth and each cluster's cell.
fn breakdowns(rows: &[Row], year: i64, clusters: &[String]) -> Vec<Value> {
    let mut groups: Vec<((String, String), Vec<&Row>)> = vec![];
    for r in rows.iter().filter(|r| year_of(r) == year) {
        let key = (s(r, "indicator").to_string(), s(r, "dimension").to_string());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    // The dimensions in the order readers look for them (the file sorts them by name).
    let order = |d: &str| ["nace_section", "size_class", "province", "age_class"].iter().position(|x| *x == d).unwrap_or(usize::MAX);
    groups.sort_by_key(|((indicator, dimension), _)| (indicator.clone(), order(dimension)));
    groups
        .into_iter()
        .map(|((indicator, dimension), rows)| {
            let mut categories: Vec<&str> = vec![];
            for r in &rows {
                if !categories.contains(&s(r, "category")) {
                    categories.push(s(r, "category"));
                }
            }
            categories.sort_by_key(|c| category_order(c));
            let present: Vec<&String> = clusters.iter().filter(|c| rows.iter().any(|r| s(r, "cluster_id") == c.as_str())).collect();
            let lines: Vec<Value> = categories
                .iter()
                .map(|cat| {
                    let in_cat: Vec<&&Row> = rows.iter().filter(|r| s(r, "category") == *cat).collect();
                    let flanders = in_cat.first().map(|r| json!({"growth": r.get("flanders_growth"), "suppressed": r.get("flanders_suppressed_reason")}));
                    let cells: Vec<Value> = present.iter().map(|c| json!(in_cat.iter().find(|r| s(r, "cluster_id") == c.as_str()))).collect();
                    json!({"category": cat, "flanders": flanders, "cells": cells})
                })
                .collect();
            json!({"indicator": indicator, "dimension": dimension, "clusters": present, "rows": lines})
        })
        .collect()
}

/// Size and age classes in their natural order ("0-9" before "10-49", "250+" last), names in
/// alphabetical order.
fn category_order(category: &str) -> (u64, String) {
    let lead: String = category.chars().take_while(char::is_ascii_digit).collect();
    (lead.parse().unwrap_or(u64::MAX), category.to_string())
}
