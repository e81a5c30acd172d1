//! The data-quality page's tables that are not a published table as it is: the exclusions of a
//! year pivoted per cluster, and who the Flemish benchmarks count (from the manifest).

use serde_json::{json, Value};

use super::tables::Row;
use super::{s, year_of};

/// Exclusions of one year: per indicator and reason, the number of companies per cluster.
pub(super) fn pivot_counts(rows: &[Row], year: i64, clusters: &[String]) -> Value {
    let mut keys: Vec<(String, String)> = vec![];
    for r in rows.iter().filter(|r| year_of(r) == year) {
        let key = (s(r, "indicator").to_string(), s(r, "reason").to_string());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys.sort();
    let lines: Vec<Value> = keys
        .iter()
        .map(|(indicator, reason)| {
            let cells: Vec<Value> = clusters
                .iter()
                .map(|c| {
                    rows.iter()
                        .find(|r| year_of(r) == year && s(r, "cluster_id") == c && s(r, "indicator") == indicator && s(r, "reason") == reason)
                        .and_then(|r| r.get("firms").cloned())
                        .unwrap_or(Value::Null)
                })
                .collect();
            json!({"indicator": indicator, "reason": reason, "cells": cells})
        })
        .collect();
    json!({"clusters": clusters, "rows": lines})
}

/// Who the benchmarks of year `year` count (METHODOLOGY.md 4a, 4b), from the manifest's per-year
/// counts (`<year>.<name>`, sql/85): per indicator the benchmark's companies and amount, and the
/// part of the companies absent from the register. An amount the manifest leaves out although
/// it has companies was withheld by disclosure control ("c"); none of a folder written before
/// these counts existed is available (":").
pub(super) fn counted(manifest: &Value, year: i64) -> Value {
    let get = |name: &str| manifest["method_counts"].get(format!("{year}.{name}")).cloned().unwrap_or(Value::Null);
    let row = |indicator: &str, key: &str, amount: &str, unit: &str| {
        let (firms, firms_absent) = (get(&format!("{key}_benchmark_firms")), get(&format!("{key}_benchmark_firms_absent_from_register")));
        let withheld = |n: &Value, v: &Value| if n.as_i64().is_some_and(|n| n > 0) && v.is_null() { json!("disclosure") } else { Value::Null };
        let total = get(&format!("{key}_benchmark_{amount}"));
        let absent = match get(&format!("{key}_benchmark_{amount}_absent_from_register")) {
            Value::Null if firms_absent.as_i64() == Some(0) => json!(0),
            v => v,
        };
        json!({
            "indicator": indicator, "unit": unit, "firms": firms, "firms_absent": firms_absent,
            "amount_reason": withheld(&firms, &total), "amount_absent_reason": withheld(&firms_absent, &absent),
            "amount": total, "amount_absent": absent,
        })
    };
    json!({
        "rows": [row("CPI7", "cpi7", "base_eur", "meur"), row("CPI8", "cpi8", "base_fte", "int"), row("CPI6", "cpi6", "investment_eur", "meur")],
        "absent_included": get("companies_absent_from_register_included"),
        "seat_from_filing": get("companies_seat_from_filing"),
        "region_differs": get("companies_region_differs_from_register"),
        "outside_population": get("companies_in_flanders_outside_benchmark_population"),
    })
}
