//! The KBO/BCE Open Data full extract, as published by the FPS Economy: either the zip
//! (`KboOpenData_<nnnn>_<yyyy>_<mm>[_<dd>]_Full.zip`) or its unzipped CSV files under `kbo/`.
//!
//! The CSVs are read by DataFusion with an explicit all-text schema (no inference): KBO dates
//! are `dd-mm-yyyy`, which the CSV reader cannot parse, and codes such as `001` must keep their
//! leading zeros. Column names are given in snake_case so the SQL needs no quoting.

use std::path::{Path, PathBuf};
use datafusion::arrow::datatypes::{DataType, Field, Schema};

use super::csv_file::for_each_row;
use crate::error::{CpiError, Result};
use crate::storage::Location;

/// The tables cpi reads: file name, table name, the published header, our column names.
pub const TABLES: [(&str, &str, &[&str], &[&str]); 5] = [
    (
        "enterprise.csv",
        "kbo_enterprise",
        &["EnterpriseNumber", "Status", "JuridicalSituation", "TypeOfEnterprise", "JuridicalForm", "JuridicalFormCAC", "StartDate"],
        &["enterprise_number", "status", "juridical_situation", "type_of_enterprise", "juridical_form", "juridical_form_cac", "start_date"],
    ),
    (
        "establishment.csv",
        "kbo_establishment",
        &["EstablishmentNumber", "StartDate", "EnterpriseNumber"],
        &["establishment_number", "start_date", "enterprise_number"],
    ),
    (
        "activity.csv",
        "kbo_activity",
        &["EntityNumber", "ActivityGroup", "NaceVersion", "NaceCode", "Classification"],
        &["entity_number", "activity_group", "nace_version", "nace_code", "classification"],
    ),
    (
        "address.csv",
        "kbo_address",
        &["EntityNumber", "TypeOfAddress", "CountryNL", "CountryFR", "Zipcode", "MunicipalityNL", "MunicipalityFR", "StreetNL", "StreetFR", "HouseNumber", "Box", "ExtraAddressInfo", "DateStrikingOff"],
        &["entity_number", "type_of_address", "country_nl", "country_fr", "zipcode", "municipality_nl", "municipality_fr", "street_nl", "street_fr", "house_number", "box", "extra_address_info", "date_striking_off"],
    ),
    (
        "code.csv",
        "kbo_code",
        &["Category", "Code", "Language", "Description"],
        &["category", "code", "language", "description"],
    ),
];
pub const META: &str = "meta.csv";
/// Names of enterprises and establishments: optional, read only by `cpi validate` to suggest
/// the enterprise of a member listed by name without a number.
pub const DENOMINATION: &str = "denomination.csv";

/// What meta.csv says about the extract.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct KboMeta {
    pub snapshot_date: String,
    pub extract_number: String,
    pub extract_type: String,
}

/// An extract ready to register: where its CSVs are (unzipped into a temporary folder when it
/// came as a zip, which is kept alive here) and its meta data.
pub struct KboExtract {
    pub meta: KboMeta,
    /// The published file (zip or folder) for messages and the manifest.
    pub source: String,
    files: Vec<(&'static str, PathBuf)>,
    /// Display name of each file of [`TABLES`], for messages and the manifest.
    names: Vec<String>,
    /// denomination.csv, when the extract has it.
    pub denomination: Option<PathBuf>,
    _unzipped: Option<tempfile::TempDir>,
}

pub async fn open(input: &Location) -> Result<KboExtract> {
    let entries = input.list("kbo").await?;
    let zips: Vec<&str> = entries
        .iter()
        .map(|e| e.path.as_str())
        .filter(|p| p.to_ascii_lowercase().ends_with(".zip"))
        .collect();
    let has_csv = entries.iter().any(|e| e.path == "kbo/enterprise.csv");
    let (dir, source, unzipped) = match (zips.as_slice(), has_csv) {
        ([], true) => (input.local_file("kbo"), input.name_of("kbo"), None),
        ([zip], false) => {
            let name = input.name_of(zip);
            let tmp = tempfile::tempdir().map_err(|e| CpiError::io("temporary folder", e))?;
            unzip(&input.local_file(zip), &name, tmp.path())?;
            (tmp.path().to_path_buf(), name, Some(tmp))
        }
        ([], false) => {
            return Err(CpiError::bad_input(
                input.name_of("kbo/"),
                "no KBO extract: expected KboOpenData_<nnnn>_<yyyy>_<mm>_Full.zip or enterprise.csv, activity.csv, ...",
            ))
        }
        _ => {
            return Err(CpiError::bad_input(
                input.name_of("kbo/"),
                "more than one KBO extract (zips and/or CSVs): keep exactly one",
            ))
        }
    };
    // Files inside a zip are named `x.zip:file.csv`, loose files `kbo/file.csv`.
    let member = |file: &str| if unzipped.is_some() { format!("{source}:{file}") } else { format!("{source}/{file}") };
    let meta = read_meta(&dir.join(META), &member(META))?;
    let mut files = vec![];
    for (file, table, header, _) in TABLES {
        let path = dir.join(file);
        let name = member(file);
        check_header(&path, &name, header)?;
        files.push((table, path));
    }
    let names = TABLES.iter().map(|t| member(t.0)).collect();
    let denomination = Some(dir.join(DENOMINATION)).filter(|p| p.exists());
    Ok(KboExtract { meta, source, files, names, denomination, _unzipped: unzipped })
}

impl KboExtract {
    /// The temporary folder of an unzipped extract, to keep alive as long as its tables are read.
    pub fn keep_alive(self) -> Option<tempfile::TempDir> {
        self._unzipped
    }

    /// The local path of a table's file (`kbo_establishment`, ...).
    pub fn path_of(&self, table: &str) -> Option<&Path> {
        self.files.iter().find(|(t, _)| *t == table).map(|(_, p)| p.as_path())
    }

    /// Each registered table with the display name of its file and its local path.
    pub fn tables(&self) -> impl Iterator<Item = (&'static str, &str, &Path)> {
        self.files.iter().zip(&self.names).map(|((t, p), n)| (*t, n.as_str(), p.as_path()))
    }
}

fn unzip(zip_path: &Path, name: &str, into: &Path) -> Result<()> {
    let file = std::fs::File::open(zip_path).map_err(|e| CpiError::io(name, e))?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| CpiError::bad_input(name, format!("not a readable zip: {e}")))?;
    let wanted: Vec<&str> = TABLES.iter().map(|t| t.0).chain([META]).collect();
    let optional = [DENOMINATION];
    let mut found = vec![];
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| CpiError::bad_input(name, format!("corrupt zip entry {i}: {e}")))?;
        // Entries may sit in a folder inside the zip; match on the file name.
        let Some(file_name) = entry.enclosed_name().and_then(|p| p.file_name().map(|f| f.to_string_lossy().to_ascii_lowercase())) else {
            continue;
        };
        if let Some(w) = wanted.iter().chain(optional.iter()).find(|w| **w == file_name) {
            let target = into.join(w);
            let mut out = std::fs::File::create(&target).map_err(|e| CpiError::io(target.display().to_string(), e))?;
            std::io::copy(&mut entry, &mut out)
                .map_err(|e| CpiError::bad_input(name, format!("cannot unzip {w}: {e}")))?;
            found.push(*w);
        }
    }
    if let Some(missing) = wanted.iter().find(|w| !found.contains(w)) {
        return Err(CpiError::bad_input(name, format!("the zip holds no {missing}")));
    }
    Ok(())
}

/// The schema a KBO table is read with: every column text, with our column names.
pub fn text_schema(columns: &[&str]) -> Schema {
    Schema::new(columns.iter().map(|c| Field::new(*c, DataType::Utf8, true)).collect::<Vec<_>>())
}

/// The first line of a KBO file must be the published header (quotes, BOM and CR ignored).
fn check_header(path: &Path, name: &str, expected: &[&str]) -> Result<()> {
    use std::io::BufRead;
    let file = std::fs::File::open(path)
        .map_err(|_| CpiError::bad_input(name, "required file is missing from the extract"))?;
    let mut first = String::new();
    std::io::BufReader::new(file)
        .read_line(&mut first)
        .map_err(|e| CpiError::bad_input(name, format!("cannot read the header: {e}")))?;
    let found: Vec<String> = first
        .trim_start_matches('\u{feff}')
        .trim_end_matches(['\r', '\n'])
        .split(',')
        .map(|h| h.trim_matches('"').to_string())
        .collect();
    if found != expected {
        let hint = if found.len() == 1 && found[0].contains([';', '\t']) { " (wrong delimiter? KBO files use ',')" } else { "" };
        return Err(CpiError::bad_field(
            name,
            1,
            "header",
            format!("expected {}, found {}{hint}", expected.join(","), found.join(",")),
        ));
    }
    Ok(())
}

fn read_meta(path: &Path, name: &str) -> Result<KboMeta> {
    let bytes = std::fs::read(path).map_err(|_| CpiError::bad_input(name, "required file is missing from the extract"))?;
    let mut vars = std::collections::HashMap::new();
    // meta.csv has a PascalCase header; for_each_row lower-cases header names.
    for_each_row(name, &bytes, &["variable", "value"], |row| {
        if let (Some(k), Some(v)) = (row.get("variable"), row.get("value")) {
            vars.insert(k.to_string(), v.to_string());
        }
        Ok(())
    })?;
    let get = |k: &str| {
        vars.get(k).cloned().ok_or_else(|| CpiError::bad_input(name, format!("no {k} variable")))
    };
    let meta = KboMeta {
        snapshot_date: get("SnapshotDate")?,
        extract_number: get("ExtractNumber")?,
        extract_type: get("ExtractType")?,
    };
    if !meta.extract_type.eq_ignore_ascii_case("full") {
        return Err(CpiError::bad_input(
            name,
            format!("ExtractType is {:?}: cpi needs a full extract, not an update", meta.extract_type),
        ));
    }
    if chrono::NaiveDate::parse_from_str(&meta.snapshot_date, "%d-%m-%Y").is_err() {
        return Err(CpiError::bad_input(name, format!("SnapshotDate {:?} is not dd-mm-yyyy", meta.snapshot_date)));
    }
    Ok(meta)
}

/// Snapshot date as ISO `yyyy-mm-dd`.
impl KboMeta {
    pub fn snapshot_iso(&self) -> String {
        chrono::NaiveDate::parse_from_str(&self.snapshot_date, "%d-%m-%Y")
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|_| self.snapshot_date.clone())
    }
}

/// Keeps the compiler honest about the table list: every table has as many columns as its header.
const _: () = {
    let mut i = 0;
    while i < TABLES.len() {
        assert!(TABLES[i].2.len() == TABLES[i].3.len());
        i += 1;
    }
};

#[cfg(test)]
mod tests {
    use super::*;

    /// A KBO extract folder whose enterprise.csv body is `body` (after the published header).
    fn extract_with(body: &[u8]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let kbo = dir.path().join("kbo");
        std::fs::create_dir_all(&kbo).unwrap();
        for (file, _, header, _) in TABLES {
            let head: Vec<String> = header.iter().map(|h| format!("\"{h}\"")).collect();
            std::fs::write(kbo.join(file), format!("{}\n", head.join(","))).unwrap();
        }
        let mut enterprise = std::fs::read(kbo.join("enterprise.csv")).unwrap();
        enterprise.extend_from_slice(body);
        std::fs::write(kbo.join("enterprise.csv"), enterprise).unwrap();
        std::fs::write(kbo.join(META), "\"Variable\",\"Value\"\n\"SnapshotDate\",\"05-01-2025\"\n\"ExtractType\",\"full\"\n\"ExtractNumber\",\"1\"\n").unwrap();
        dir
    }

    async fn count_enterprises(dir: &Path) -> Result<usize> {
        let input = Location::open(&dir.to_string_lossy()).await?;
        let extract = open(&input).await?;
        let ctx = datafusion::prelude::SessionContext::new();
        let (_, _, path) = extract.tables().next().expect("enterprise.csv first");
        let schema = text_schema(TABLES[0].3);
        let options = datafusion::prelude::CsvReadOptions::new().has_header(true).schema(&schema);
        ctx.register_csv("kbo_enterprise", path.to_string_lossy().as_ref(), options).await?;
        let batches = ctx.sql("SELECT * FROM kbo_enterprise").await?.collect().await?;
        Ok(batches.iter().map(|b| b.num_rows()).sum())
    }

    #[test]
    fn reads_bom_crlf_quoted_and_unquoted_fields() {
        let body = "\"0200.000.142\",\"AC\",\"000\",\"2\",\"014\",,01-03-2001\r\n0200.000.241,AC,000,1,,,15-06-2010\r\n";
        let dir = extract_with(body.as_bytes());
        let rt = tokio::runtime::Runtime::new().unwrap();
        assert_eq!(rt.block_on(count_enterprises(dir.path())).unwrap(), 2);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Arbitrary bytes in a KBO file give rows or an error, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let dir = extract_with(&body);
            let rt = tokio::runtime::Runtime::new().unwrap();
            let _ = rt.block_on(count_enterprises(dir.path()));
        }
    }
}
