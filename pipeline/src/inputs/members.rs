//! The clusters' own lists: `clusters/clusters.csv`, and the member lists as the cluster
//! organisations keep them: `clusters/members.csv` (or `.xlsx`, ...) or any number of files
//! under `clusters/members/` (CSV, `.xlsx`, `.xls`, `.ods`; see sheet.rs for how they are read).
//!
//! Columns are found by name in Dutch, French or English (`member_columns` below); a file without
//! a cluster column is the list of the cluster its file name names (`FLX.xlsx` → `FLX`); other
//! columns (names, contacts) are ignored. These lists are typed by hand, so every row is checked
//! and a row that cannot be used becomes a reject with its reason. An establishment unit number
//! is replaced by its enterprise's (from the register's establishment.csv); a row with a name but
//! no number is rejected (`no_enterprise_number`) and kept for `cpi validate` to suggest register
//! candidates; a number is never assigned automatically.
//!
//! (Over 400 lines with its unit tests: the tests of the row checks sit next to them.)

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Date32Array, RecordBatch, StringArray};

use super::csv_file::{days_since_epoch, for_each_row, parse_iso_date};
use super::sheet::{self, Cell};
use super::InputLog;
use crate::enterprise_number;
use crate::error::{CpiError, Result};
use crate::storage::Location;

/// Membership periods seen so far per (cluster, enterprise number).
type Listings = std::collections::HashMap<(String, String), Vec<(Option<i32>, Option<i32>)>>;

/// The reserved id of the union of all clusters.
pub const ALL_CLUSTERS: &str = "ALL";

/// The columns of a member list and the names they go by (compared as sheet::normalised_name).
const COLUMN_NAMES: [(MemberColumn, &[&str]); 7] = [
    (MemberColumn::EnterpriseNumber, &["enterprise number", "ondernemingsnummer", "kbo nummer", "btw nummer", "numero d entreprise", "vat number", "numero bce"]),
    (MemberColumn::Cluster, &["cluster id", "cluster"]),
    (MemberColumn::From, &["member from", "lid sinds", "lid vanaf", "startdatum", "membre depuis"]),
    (MemberColumn::To, &["member to", "lid tot", "einddatum", "membre jusqu au"]),
    (MemberColumn::Name, &["name", "naam", "bedrijfsnaam", "nom", "company", "company name", "denomination"]),
    (MemberColumn::Postcode, &["postcode", "postal code", "code postal", "zip"]),
    (MemberColumn::MemberType, &["member type", "type lid", "type de membre", "soort lid"]),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum MemberColumn {
    EnterpriseNumber,
    Cluster,
    From,
    To,
    Name,
    Postcode,
    MemberType,
}

/// A member's type (the CPI samples count companies only) and the words for it.
const MEMBER_TYPES: [(&str, &[&str]); 4] = [
    ("company", &["company", "bedrijf", "onderneming", "entreprise", "societe"]),
    ("knowledge_institution", &["knowledge institution", "kennisinstelling", "institution de connaissance", "universiteit", "university"]),
    ("federation", &["federation", "federatie", "sectorfederatie"]),
    ("other", &["other", "andere", "autre"]),
];

pub struct ClusterLists {
    pub clusters: RecordBatch,
    pub members: RecordBatch,
    /// Counts for the manifest: (name, value).
    pub counts: Vec<(String, i64)>,
    /// Rows rejected as `no_enterprise_number`, for `cpi validate` to suggest candidates.
    pub unnumbered: Vec<Unnumbered>,
    /// Rows whose period overlaps an earlier one of the same company and cluster.
    pub overlapping: Vec<Overlapping>,
}

/// A member row whose period overlaps an earlier row's for the same company and cluster
/// without being equal: kept, and listed by `cpi validate`.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlapping {
    pub file: String,
    pub line: u64,
    pub cluster_id: String,
    pub enterprise_number: String,
}

/// A member row with a name but no enterprise number.
#[derive(Debug, Clone, PartialEq)]
pub struct Unnumbered {
    pub file: String,
    pub line: u64,
    pub name: String,
    pub postcode: Option<String>,
}

/// Reads the clusters and every member list. `establishments` is the register's
/// establishment.csv, read only when a list gives an establishment number.
pub async fn read(input: &Location, establishments: &Path, log: &mut InputLog) -> Result<ClusterLists> {
    let clusters_path = "clusters/clusters.csv";
    let clusters_name = input.name_of(clusters_path);
    let bytes = input
        .get(clusters_path)
        .await
        .map_err(|_| CpiError::bad_input(&clusters_name, "required file is missing"))?;
    let clusters = parse_clusters(&clusters_name, &bytes, log)?;

    let entries = input.list("clusters").await?;
    let is_list = |p: &str| {
        let file = p.strip_prefix("clusters/").unwrap_or(p);
        sheet::is_table_file(file) && (file.starts_with("members/") || file.rsplit_once('.').is_some_and(|(stem, _)| stem == "members"))
    };
    let member_files: Vec<String> = entries.iter().map(|f| f.path.clone()).filter(|p| is_list(p)).collect();
    if member_files.is_empty() {
        return Err(CpiError::bad_input(
            input.name_of("clusters/members.csv"),
            "required file is missing (or put one or more member lists, CSV or spreadsheets, under clusters/members/)",
        ));
    }
    let mut state = MemberState { known: clusters.keys().cloned().collect(), establishments: None, establishments_path: establishments.to_path_buf(), ..Default::default() };
    for path in member_files {
        let name = input.name_of(&path);
        let rows = read_member_file(&input.local_file(&path), &name, &mut state, log)?;
        log.finish_file(&name, rows);
    }
    let counts = vec![
        ("members_given_as_establishment_numbers".to_string(), state.from_establishment),
        ("member_periods_overlapping".to_string(), state.overlapping.len() as i64),
    ];
    Ok(ClusterLists { clusters: clusters_batch(&clusters)?, members: state.rows.batch()?, counts, unnumbered: state.unnumbered, overlapping: state.overlapping })
}

#[derive(Default)]
struct MemberState {
    known: HashSet<String>,
    seen: Listings,
    rows: MemberRows,
    overlapping: Vec<Overlapping>,
    /// establishment number -> enterprise number, read on first need.
    establishments: Option<HashMap<String, String>>,
    establishments_path: std::path::PathBuf,
    from_establishment: i64,
    unnumbered: Vec<Unnumbered>,
}

/// Reads one member list (all its tables). Returns the number of data rows read.
fn read_member_file(path: &Path, name: &str, state: &mut MemberState, log: &mut InputLog) -> Result<u64> {
    let aliases = |c: MemberColumn| COLUMN_NAMES.iter().find(|(k, _)| *k == c).map(|(_, a)| *a).unwrap_or_default();
    let is_number_column = |h: &str| aliases(MemberColumn::EnterpriseNumber).contains(&h);
    let tables = sheet::read_tables(path, name, &is_number_column, "an enterprise number column (enterprise_number, ondernemingsnummer, numéro d'entreprise, ...)")?;
    let stem = Path::new(name).file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    let mut rows = 0;
    for table in tables {
        let mut columns: HashMap<MemberColumn, usize> = HashMap::new();
        for (i, h) in table.header.iter().enumerate() {
            let h = sheet::normalised_name(h);
            if let Some((c, _)) = COLUMN_NAMES.iter().find(|(_, names)| names.contains(&h.as_str())) {
                columns.entry(*c).or_insert(i);
            }
        }
        // No cluster column: the file is the list of the cluster its name names.
        let file_cluster = if columns.contains_key(&MemberColumn::Cluster) {
            None
        } else {
            Some(state.known.iter().find(|k| k.eq_ignore_ascii_case(&stem)).cloned().ok_or_else(|| {
                CpiError::bad_input(name, format!("has no cluster column, and its name {stem:?} is not a cluster_id of clusters/clusters.csv"))
            })?)
        };
        let label = |c: MemberColumn| {
            let header = columns.get(&c).map(|&i| table.header[i].clone()).unwrap_or_else(|| format!("{c:?}"));
            match &table.sheet {
                Some(s) => format!("{s}!{header}"),
                None => header,
            }
        };
        for (line, cells) in &table.rows {
            rows += 1;
            let get = |c: MemberColumn| columns.get(&c).and_then(|&i| cells.get(i)).cloned().unwrap_or(Cell::Empty);
            check_row(*line, &get, &label, file_cluster.as_deref(), name, state, log)?;
        }
    }
    Ok(rows)
}

/// Checks one member row; accepted rows go to `state.rows`, the others to the rejects (one
/// reason per row, the first problem found).
fn check_row(
    line: u64,
    get: &dyn Fn(MemberColumn) -> Cell,
    label: &dyn Fn(MemberColumn) -> String,
    file_cluster: Option<&str>,
    file: &str,
    state: &mut MemberState,
    log: &mut InputLog,
) -> Result<()> {
    let mut reject = |c: MemberColumn, raw: &str, reason: &str| log.reject(file, line, &label(c), raw, reason);
    let cluster = match file_cluster {
        Some(c) => c.to_string(),
        None => get(MemberColumn::Cluster).text(),
    };
    if !state.known.contains(&cluster) {
        reject(MemberColumn::Cluster, &cluster, "unknown_cluster");
        return Ok(());
    }
    let raw_number = get(MemberColumn::EnterpriseNumber).text();
    let name = get(MemberColumn::Name).text();
    if raw_number.is_empty() && !name.is_empty() {
        reject(MemberColumn::EnterpriseNumber, "", "no_enterprise_number");
        let postcode = Some(get(MemberColumn::Postcode).text()).filter(|p| !p.is_empty());
        state.unnumbered.push(Unnumbered { file: file.to_string(), line, name, postcode });
        return Ok(());
    }
    let number = match enterprise_number::normalise(&raw_number) {
        Ok(n) => n,
        Err(problem) => match enterprise_number::establishment(&raw_number) {
            // An establishment unit: its enterprise is the member.
            Some(unit) => match state.enterprise_of(&unit)? {
                Some(n) => {
                    state.from_establishment += 1;
                    n
                }
                None => {
                    reject(MemberColumn::EnterpriseNumber, &raw_number, "establishment_not_in_register");
                    return Ok(());
                }
            },
            None => {
                reject(MemberColumn::EnterpriseNumber, &raw_number, problem.reason());
                return Ok(());
            }
        },
    };
    let mut dates = [None, None];
    for (slot, c) in dates.iter_mut().zip([MemberColumn::From, MemberColumn::To]) {
        let cell = get(c);
        if !cell.is_empty() {
            match sheet::date(&cell) {
                Ok(d) => *slot = Some(days_since_epoch(d)),
                Err(reason) => {
                    reject(c, &cell.text(), reason);
                    return Ok(());
                }
            }
        }
    }
    let [from, to] = dates;
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            reject(MemberColumn::To, &get(MemberColumn::To).text(), "member_to_before_member_from");
            return Ok(());
        }
    }
    let type_cell = sheet::normalised_name(&get(MemberColumn::MemberType).text());
    let member_type = if type_cell.is_empty() {
        "company"
    } else {
        match MEMBER_TYPES.iter().find(|(_, words)| words.contains(&type_cell.as_str())) {
            Some((t, _)) => t,
            None => {
                reject(MemberColumn::MemberType, &get(MemberColumn::MemberType).text(), "unknown_member_type");
                return Ok(());
            }
        }
    };
    // Every row is a membership period: a company is a member on a date when any of its
    // periods for the cluster covers it (steps 30, 40, 60, 80 take the rows together), so no
    // row's place in the file decides a membership. A row identical to an earlier one (same
    // company, cluster and period: two exports pasted together) is rejected as a duplicate,
    // which removes no membership; a period that overlaps an earlier one without being equal
    // (a contradictory export) is kept and listed by `cpi validate` for a person to check.
    let periods = state.seen.entry((cluster.clone(), number.clone())).or_default();
    if periods.contains(&(from, to)) {
        reject(MemberColumn::EnterpriseNumber, &raw_number, "duplicate_listing");
        return Ok(());
    }
    let overlaps = |&(f, t): &(Option<i32>, Option<i32>)| {
        from.unwrap_or(i32::MIN) <= t.unwrap_or(i32::MAX) && f.unwrap_or(i32::MIN) <= to.unwrap_or(i32::MAX)
    };
    if periods.iter().any(overlaps) {
        state.overlapping.push(Overlapping { file: file.to_string(), line, cluster_id: cluster.clone(), enterprise_number: number.clone() });
    }
    periods.push((from, to));
    let out = &mut state.rows;
    out.cluster_id.push(cluster);
    out.enterprise_number.push(number);
    out.member_from.push(from);
    out.member_to.push(to);
    out.member_type.push(member_type.to_string());
    Ok(())
}

impl MemberState {
    /// The enterprise of an establishment unit, from the register (read on first need).
    fn enterprise_of(&mut self, unit: &str) -> Result<Option<String>> {
        if self.establishments.is_none() {
            let name = self.establishments_path.display().to_string();
            let bytes = std::fs::read(&self.establishments_path).map_err(|e| CpiError::io(&name, e))?;
            let mut map = HashMap::new();
            for_each_row(&name, &bytes, &["establishmentnumber", "enterprisenumber"], |row| {
                if let (Some(e), Some(n)) = (row.get("establishmentnumber"), row.get("enterprisenumber")) {
                    map.insert(e.to_string(), n.to_string());
                }
                Ok(())
            })?;
            self.establishments = Some(map);
        }
        Ok(self.establishments.as_ref().and_then(|m| m.get(unit).cloned()))
    }
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
    member_type: Vec<String>,
}

impl MemberRows {
    fn batch(self) -> Result<RecordBatch> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(self.cluster_id)),
            Arc::new(StringArray::from(self.enterprise_number)),
            Arc::new(Date32Array::from(self.member_from)),
            Arc::new(Date32Array::from(self.member_to)),
            Arc::new(StringArray::from(self.member_type)),
        ];
        crate::catalogue::staged_batch("members", columns)
    }
}

fn clusters_batch(clusters: &BTreeMap<String, ClusterRow>) -> Result<RecordBatch> {
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(clusters.keys())),
        Arc::new(StringArray::from_iter_values(clusters.values().map(|c| c.name.as_str()))),
        Arc::new(Date32Array::from_iter(clusters.values().map(|c| c.support_start))),
        Arc::new(Date32Array::from_iter(clusters.values().map(|c| c.support_end))),
    ];
    crate::catalogue::staged_batch("clusters", columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `text` as the member list `name` with clusters SIM and VIL known, the establishment
    /// 2.000.000.042 belonging to 0403.170.701.
    fn read_list(name: &str, text: &[u8]) -> (MemberState, InputLog, u64) {
        let dir = tempfile::tempdir().unwrap();
        let (path, establishments) = (dir.path().join(name), dir.path().join("establishment.csv"));
        std::fs::write(&path, text).unwrap();
        std::fs::write(&establishments, "\"EstablishmentNumber\",\"StartDate\",\"EnterpriseNumber\"\n\"2.000.000.042\",01-01-2000,\"0403.170.701\"\n").unwrap();
        let mut state = MemberState { known: ["SIM".to_string(), "VIL".to_string()].into(), establishments_path: establishments, ..Default::default() };
        let mut log = InputLog::default();
        let rows = read_member_file(&path, name, &mut state, &mut log).unwrap();
        log.finish_file(name, rows);
        (state, log, rows)
    }

    #[test]
    fn normalises_rejects_and_reports_duplicates() {
        let text = "cluster_id,enterprise_number,member_from,member_to\n\
                    SIM,BE 0403 170 701,,\n\
                    SIM,403170701,,\n\
                    VIL,0403.170.702,,\n\
                    XYZ,0403.170.701,,\n\
                    VIL,0403.170.701,2020-01-01,2019-12-31\n\
                    VIL,0403.170.701,01/01/20,\n\
                    VIL,0411.104.014,01/01/2020,\n\
                    SIM,0411.104.014,2015-01-01,2017-12-31\n\
                    SIM,0411.104.014,2019-01-01,\n\
                    SIM,0411.104.014,2016-06-01,2016-12-31\n";
        let (state, log, _) = read_list("m.csv", text.as_bytes());
        let out = &state.rows;
        // 0411.104.014 left SIM at the end of 2017 and joined again in 2019: both rows count;
        // the 2016 row lies inside the first period: kept too (a period of its own; a member
        // on a date any of them covers), and listed as overlapping. Line 3 repeats line 2
        // exactly (the same number in another notation, the same open period): a duplicate.
        assert_eq!(out.enterprise_number, vec!["0403.170.701", "0411.104.014", "0411.104.014", "0411.104.014", "0411.104.014"]);
        assert_eq!(out.cluster_id, vec!["SIM", "VIL", "SIM", "SIM", "SIM"]);
        assert_eq!(state.overlapping, vec![Overlapping { file: "m.csv".into(), line: 11, cluster_id: "SIM".into(), enterprise_number: "0411.104.014".into() }]);
        // 01/01/2020 (dd/mm/yyyy) is 2020-01-01, day 18262 since 1970-01-01.
        assert_eq!(out.member_from[..2], [None, Some(18262)]);
        let reasons: Vec<(u64, &str, &str)> = log.rejects.iter().map(|r| (r.line, r.field.as_str(), r.reason.as_str())).collect();
        assert_eq!(
            reasons,
            vec![
                (3, "enterprise_number", "duplicate_listing"),
                (4, "enterprise_number", "enterprise_number_check_digits"),
                (5, "cluster_id", "unknown_cluster"),
                (6, "member_to", "member_to_before_member_from"),
                // A two-digit year is never guessed.
                (7, "member_from", "date_ambiguous"),
            ]
        );
        // 10 rows read, the 5 above rejected (row conservation itself is sql/15's input_rows)
        assert_eq!((log.files(), log.rejects.len()), (&[("m.csv".to_string(), 10)][..], 5));
    }

    #[test]
    fn a_belgian_spreadsheet_csv_with_dutch_headers_and_the_cluster_in_its_name() {
        // Windows-1252 (0xE9 = é), `;`, a title row, the cluster from the file name (VIL), an
        // establishment number for its enterprise, a name without a number, other columns.
        let text = b"Ledenlijst VIL 2024;;;;\nNaam;KBO-nummer;Lid sinds;Lid tot;Postcode\n\
                     Caf\xe9 Noir;0403.170.701;1/3/2019;;2000\n\
                     Depot Zuid;2.000.000.042;15.06.2020;31-12-2021;2000\n\
                     Nieuwe Firma;;01/01/2024;;9000\n";
        let (state, log, rows) = read_list("VIL.csv", text);
        assert_eq!(rows, 3);
        // The establishment's enterprise is the same company over a period (2020-06-15 ..
        // 2021-12-31) inside the first row's (2019 -> open): both kept, the second listed as
        // overlapping; it changes no membership.
        assert_eq!(state.rows.enterprise_number, vec!["0403.170.701", "0403.170.701"]);
        assert_eq!(state.rows.cluster_id, vec!["VIL", "VIL"]);
        assert_eq!(state.rows.member_from, vec![Some(17956), Some(18428)]); // 2019-03-01, 2020-06-15
        assert_eq!(state.from_establishment, 1);
        assert_eq!(state.overlapping.len(), 1);
        let reasons: Vec<(u64, &str, &str)> = log.rejects.iter().map(|r| (r.line, r.field.as_str(), r.reason.as_str())).collect();
        assert_eq!(reasons, vec![(5, "KBO-nummer", "no_enterprise_number")]);
        assert_eq!(state.unnumbered, vec![Unnumbered { file: "VIL.csv".into(), line: 5, name: "Nieuwe Firma".into(), postcode: Some("9000".into()) }]);
    }

    #[test]
    fn a_file_without_cluster_column_must_be_named_after_a_cluster() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("FLX.csv");
        std::fs::write(&path, "ondernemingsnummer\n0403.170.701\n").unwrap();
        let mut state = MemberState { known: ["SIM".to_string()].into(), ..Default::default() };
        let err = read_member_file(&path, "clusters/members/FLX.csv", &mut state, &mut InputLog::default()).unwrap_err();
        assert_eq!(err.to_string(), "bad input: clusters/members/FLX.csv: has no cluster column, and its name \"FLX\" is not a cluster_id of clusters/clusters.csv");
    }
}
