//! The clusters' own lists: `clusters/clusters.csv` and `clusters/members.csv` (or several
//! files under `clusters/members/`). These are typed by hand, so every row is checked and a
//! row that cannot be used becomes a reject with its reason.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Date32Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};

use super::csv_file::{for_each_row, parse_iso_date};
use super::InputLog;
use crate::enterprise_number;
use crate::error::{CpiError, Result};
use crate::storage::Location;

/// Membership periods seen so far per (cluster, enterprise number).
type Listings = std::collections::HashMap<(String, String), Vec<(Option<i32>, Option<i32>)>>;

/// The reserved id of the union of all clusters.
pub const ALL_CLUSTERS: &str = "ALL";

pub struct ClusterLists {
    pub clusters: RecordBatch,
    pub members: RecordBatch,
}

pub async fn read(input: &Location, log: &mut InputLog) -> Result<ClusterLists> {
    let clusters_path = "clusters/clusters.csv";
    let clusters_name = input.name_of(clusters_path);
    let bytes = input
        .get(clusters_path)
        .await
        .map_err(|_| CpiError::bad_input(&clusters_name, "required file is missing"))?;
    let clusters = parse_clusters(&clusters_name, &bytes, log)?;

    let mut member_files: Vec<String> = input
        .list("clusters/members")
        .await?
        .into_iter()
        .map(|f| f.path)
        .filter(|p| p.ends_with(".csv"))
        .collect();
    if input.list("clusters").await?.iter().any(|f| f.path == "clusters/members.csv") {
        member_files.insert(0, "clusters/members.csv".to_string());
    }
    if member_files.is_empty() {
        return Err(CpiError::bad_input(
            input.name_of("clusters/members.csv"),
            "required file is missing (or put one or more CSV files under clusters/members/)",
        ));
    }
    let known: HashSet<String> = clusters.keys().cloned().collect();
    let mut members = MemberRows::default();
    let mut seen = Listings::new();
    for path in member_files {
        let name = input.name_of(&path);
        let bytes = input.get(&path).await?;
        let rows = parse_members(&name, &bytes, &known, &mut seen, &mut members, log)?;
        log.finish_file(&name, rows);
    }
    Ok(ClusterLists { clusters: clusters_batch(&clusters)?, members: members.batch()? })
}

struct ClusterRow {
    name: String,
    support_start: Option<i32>,
    support_end: Option<i32>,
}

fn parse_clusters(file: &str, bytes: &[u8], log: &mut InputLog) -> Result<BTreeMap<String, ClusterRow>> {
    let mut clusters = BTreeMap::new();
    let rows = for_each_row(file, bytes, &["cluster_id", "name"], |row| {
        let id = row
            .get("cluster_id")
            .ok_or_else(|| CpiError::bad_field(file, row.line, "cluster_id", "is empty"))?;
        if id.eq_ignore_ascii_case(ALL_CLUSTERS) {
            return Err(CpiError::bad_field(file, row.line, "cluster_id", "\"ALL\" is reserved for the union of all clusters"));
        }
        let date = |col: &str| -> Result<Option<i32>> {
            match row.get(col) {
                None => Ok(None),
                Some(v) => parse_iso_date(v)
                    .map(Some)
                    .ok_or_else(|| CpiError::bad_field(file, row.line, col, format!("{v:?} is not a date yyyy-mm-dd"))),
            }
        };
        let entry = ClusterRow {
            name: row.get("name").unwrap_or(id).to_string(),
            support_start: date("support_start")?,
            support_end: date("support_end")?,
        };
        if clusters.insert(id.to_string(), entry).is_some() {
            return Err(CpiError::bad_field(file, row.line, "cluster_id", format!("{id:?} is listed twice")));
        }
        Ok(())
    })?;
    log.finish_file(file, rows);
    Ok(clusters)
}

#[derive(Default)]
struct MemberRows {
    cluster_id: Vec<String>,
    enterprise_number: Vec<String>,
    member_from: Vec<Option<i32>>,
    member_to: Vec<Option<i32>>,
}

impl MemberRows {
    fn batch(self) -> Result<RecordBatch> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("cluster_id", DataType::Utf8, false),
            Field::new("enterprise_number", DataType::Utf8, false),
            Field::new("member_from", DataType::Date32, true),
            Field::new("member_to", DataType::Date32, true),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(self.cluster_id)),
            Arc::new(StringArray::from(self.enterprise_number)),
            Arc::new(Date32Array::from(self.member_from)),
            Arc::new(Date32Array::from(self.member_to)),
        ];
        Ok(RecordBatch::try_new(schema, columns)?)
    }
}

/// Reads one member file. Returns the number of data rows read; accepted rows go to `out`,
/// the others to the rejects (one reason per row, the first problem found).
fn parse_members(
    file: &str,
    bytes: &[u8],
    known_clusters: &HashSet<String>,
    seen: &mut Listings,
    out: &mut MemberRows,
    log: &mut InputLog,
) -> Result<u64> {
    for_each_row(file, bytes, &["cluster_id", "enterprise_number"], |row| {
        let line = row.line;
        let cluster = row.get("cluster_id").unwrap_or("");
        if !known_clusters.contains(cluster) {
            log.reject(file, line, "cluster_id", row.raw("cluster_id"), "unknown_cluster");
            return Ok(());
        }
        let number = match enterprise_number::normalise(row.raw("enterprise_number")) {
            Ok(n) => n,
            Err(problem) => {
                log.reject(file, line, "enterprise_number", row.raw("enterprise_number"), problem.reason());
                return Ok(());
            }
        };
        let mut dates = [None, None];
        for (slot, col) in dates.iter_mut().zip(["member_from", "member_to"]) {
            if let Some(v) = row.get(col) {
                match parse_iso_date(v) {
                    Some(d) => *slot = Some(d),
                    None => {
                        log.reject(file, line, col, row.raw(col), "date_not_iso");
                        return Ok(());
                    }
                }
            }
        }
        let [from, to] = dates;
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                log.reject(file, line, "member_to", row.raw("member_to"), "member_to_before_member_from");
                return Ok(());
            }
        }
        // The same company listed again for the same cluster over a period that overlaps an
        // earlier row counts once: the later row is reported as a duplicate. Periods that do
        // not overlap (a company that left and joined again) are both kept.
        let periods = seen.entry((cluster.to_string(), number.clone())).or_default();
        let overlaps = |&(f, t): &(Option<i32>, Option<i32>)| {
            from.unwrap_or(i32::MIN) <= t.unwrap_or(i32::MAX) && f.unwrap_or(i32::MIN) <= to.unwrap_or(i32::MAX)
        };
        if periods.iter().any(overlaps) {
            log.reject(file, line, "enterprise_number", row.raw("enterprise_number"), "duplicate_listing");
            return Ok(());
        }
        periods.push((from, to));
        out.cluster_id.push(cluster.to_string());
        out.enterprise_number.push(number);
        out.member_from.push(from);
        out.member_to.push(to);
        Ok(())
    })
}

fn clusters_batch(clusters: &BTreeMap<String, ClusterRow>) -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("cluster_id", DataType::Utf8, false),
        Field::new("cluster_name", DataType::Utf8, false),
        Field::new("support_start", DataType::Date32, true),
        Field::new("support_end", DataType::Date32, true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(clusters.keys())),
        Arc::new(StringArray::from_iter_values(clusters.values().map(|c| c.name.as_str()))),
        Arc::new(Date32Array::from_iter(clusters.values().map(|c| c.support_start))),
        Arc::new(Date32Array::from_iter(clusters.values().map(|c| c.support_end))),
    ];
    Ok(RecordBatch::try_new(schema, columns)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_rejects_and_reports_duplicates() {
        let known: HashSet<String> = ["SIM".to_string(), "VIL".to_string()].into();
        let text = "cluster_id,enterprise_number,member_from,member_to\n\
                    SIM,BE 0403 170 701,,\n\
                    SIM,403170701,,\n\
                    VIL,0403.170.702,,\n\
                    XYZ,0403.170.701,,\n\
                    VIL,0403.170.701,2020-01-01,2019-12-31\n\
                    VIL,0403.170.701,01/01/2020,\n\
                    VIL,0411.104.014,2020-01-01,\n\
                    SIM,0411.104.014,2015-01-01,2017-12-31\n\
                    SIM,0411.104.014,2019-01-01,\n\
                    SIM,0411.104.014,2016-06-01,2016-12-31\n";
        let mut out = MemberRows::default();
        let mut log = InputLog::default();
        let mut seen = Listings::new();
        let rows = parse_members("m.csv", text.as_bytes(), &known, &mut seen, &mut out, &mut log).unwrap();
        log.finish_file("m.csv", rows);
        // 0411.104.014 left SIM at the end of 2017 and joined again in 2019: both rows count;
        // the 2016 row lies inside the first period: a duplicate.
        assert_eq!(out.enterprise_number, vec!["0403.170.701", "0411.104.014", "0411.104.014", "0411.104.014"]);
        assert_eq!(out.cluster_id, vec!["SIM", "VIL", "SIM", "SIM"]);
        // 2020-01-01 is day 18262 since 1970-01-01.
        assert_eq!(out.member_from[..2], [None, Some(18262)]);
        let reasons: Vec<(u64, &str, &str)> =
            log.rejects.iter().map(|r| (r.line, r.field.as_str(), r.reason.as_str())).collect();
        assert_eq!(
            reasons,
            vec![
                (3, "enterprise_number", "duplicate_listing"),
                (4, "enterprise_number", "enterprise_number_check_digits"),
                (5, "cluster_id", "unknown_cluster"),
                (6, "member_to", "member_to_before_member_from"),
                (7, "member_from", "date_not_iso"),
                (11, "enterprise_number", "duplicate_listing"),
            ]
        );
        assert_eq!(log.counts()[0].rows_read, 10);
        assert_eq!(log.counts()[0].rows_used, 4);
        assert_eq!(log.counts()[0].rows_rejected, 6);
    }
}
