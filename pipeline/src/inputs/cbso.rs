//! Annual accounts as the National Bank's Central Balance Sheet Office (CBSO) delivers them in
//! JSON (since 4 April 2022, every XBRL filing is also delivered as JSON):
//! - extract zips (daily and archive extracts): a zip of reference records, one JSON object per
//!   file, and a zip of accounting-data documents, one JSON document per deposit;
//! - per-company files: the `references` answer for one company (a JSON array of reference
//!   records) and one accounting-data JSON document per deposit.
//!
//! Both shapes may be mixed, at any depth under `accounts/`, with any file names: each file
//! (a zip, or a loose `.json`) is told apart by its content. Key names come in PascalCase (the
//! per-company service) or camelCase (the extracts) and are matched without regard to case.
//!
//! A reference record says which company filed, when, for which exercise and in which model
//! (`ReferenceNumber`, `DepositDate`, `ExerciseDates{startDate,endDate}`, `EnterpriseNumber`,
//! `ModelType`, `Currency`, `DataVersion`, ...). An accounting-data document has the deposit's
//! `ReferenceNumber` and its `Rubrics` (`Code`, `Period`, `Value` as a decimal string); it is
//! joined to its reference record by `ReferenceNumber`. The filer's seat, legal form and
//! activity come from the reference record, else from the document's coded fields (`Described`).
//! Every rubric value is a row: it passes the same checks as a long-form row (account_rows.rs),
//! and a reject names the file, the document inside a zip and the position
//! (`accountingData/2024-00290653.json: Rubrics[12].Value`).
//!
//! A deposit made before 4 April 2022 has no JSON: its accounting data is an XBRL instance of
//! the `pfs` taxonomy (a document that starts with `<`), parsed by pfs_xbrl.rs and tied here to
//! its reference record by its file name, like a JSON document (`read_instance`).
//!
//! (About 1,000 lines with its tests: the two kinds of documents, their versions, the filer's
//! description and the keys the reader does not know are read together, since each needs the
//! others to tie a value to its deposit.)

use std::fs::File;
use std::io::Read;

use super::loose_json::{Loose as Value, Object};
use super::pfs_xbrl;

use super::account_rows::{AccountRules, Accounts, AccountsBuilder, Deposit, RowField, RubricValue, SpillFolder, AUTHENTIC};
use super::csv_file::parse_iso_date;
use super::InputLog;
use crate::config::DATA_VERSIONS;
use crate::enterprise_number;
use crate::error::{CpiError, Result};
use crate::storage::Location;

const EURO_CONVERTED: &str = "EURO_CONVERTED";
const BATCH_ROWS: usize = 65_536;

/// What the files under accounts/ that hold CBSO JSON were, and what came of them.
pub struct CbsoRead {
    /// The files with accounting data, in `file_id` order (from `first_file_id`).
    pub files: Vec<String>,
    /// Counts for the manifest: (name, value).
    pub counts: Vec<(String, i64)>,
    /// Keys the reader does not know, for `cpi validate`.
    pub unrecognised: Vec<UnrecognisedKey>,
    /// SHA-256 of every file read whole (references and accounting data): (path, hex).
    pub digests: Vec<(String, String)>,
}

/// A key of a reference record or an accounting-data document that the reader does not know:
/// not read, so a person must check whether the method needs it (a renamed field would
/// otherwise go silently missing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnrecognisedKey {
    /// "reference record" or "accounting data" (a key), or "reference record coded value" or
    /// "accounting data coded value" (a `Field=value` whose value is not of its enumeration's shape).
    pub kind: &'static str,
    pub key: String,
    /// Records or documents that have it.
    pub count: i64,
    /// The first of them: file (and member inside a zip) and position.
    pub first: String,
}

/// The top-level keys a reference record may have, matched without regard to case: those read
/// (ReferenceNumber, DepositDate, ExerciseDates, EnterpriseNumber, ModelType, Currency,
/// DataVersion, CorrectedData, Address, LegalForm, ActivityCode) and those known not to be needed
/// (EnterpriseName, DepositType, Language, AccountingDataURL, LegalSituation, ImprovementDate),
/// as public client code of the CBSO web services names them (schemas/cbso.json).
const REFERENCE_KEYS: [&str; 17] = [
    "ReferenceNumber", "DepositDate", "ExerciseDates", "EnterpriseNumber", "ModelType", "Currency", "DataVersion", "CorrectedData",
    "Address", "LegalForm", "ActivityCode", "EnterpriseName", "DepositType", "Language", "AccountingDataURL", "LegalSituation",
    "ImprovementDate",
];

/// The top-level keys of an accounting-data document: those read (ReferenceNumber, Rubrics,
/// DataVersion, CorrectedData, Currency, Address, LegalForm, ActivityCode and its other names
/// NaceCode, Activity) and those known not to be needed (EnterpriseName, Shareholders,
/// ParticipatingInterests, Administrators).
const DOCUMENT_KEYS: [&str; 14] = [
    "ReferenceNumber", "Rubrics", "DataVersion", "CorrectedData", "Currency", "Address", "LegalForm", "ActivityCode", "NaceCode",
    "Activity", "EnterpriseName", "Shareholders", "ParticipatingInterests", "Administrators",
];

/// Unrecognised keys by (kind, key): how many records had each, and the first; and per kind
/// how many records had any.
#[derive(Default)]
struct Unrecognised {
    keys: std::collections::BTreeMap<(&'static str, String), (i64, String)>,
    records: std::collections::BTreeMap<&'static str, i64>,
}

impl Unrecognised {
    fn note(&mut self, o: &Object<'_>, kind: &'static str, known: &[&str], at: impl Fn() -> String) {
        let mut any = false;
        for key in o.keys().filter(|k| !known.iter().any(|known| known.eq_ignore_ascii_case(k))) {
            self.keys.entry((kind, key.to_string())).or_insert_with(|| (0, at())).0 += 1;
            any = true;
        }
        if any {
            *self.records.entry(kind).or_default() += 1;
        }
    }

    /// Notes the coded values of a filer's description that are not of their enumeration's
    /// shape (`odd_codes`), under kind `<kind> coded value`: not corrected, only counted and
    /// listed, since the seat and activity the method uses come from them.
    fn note_codes(&mut self, described: &Described, kind: &'static str, at: impl Fn() -> String) {
        self.note_each(kind, odd_codes(described).into_iter().map(|code| (code, &at)));
    }

    /// Notes each of a record's unknown `items` (a name, and where the record is for its first
    /// example) under `kind`, and the record once if it had any.
    fn note_each<F: Fn() -> String>(&mut self, kind: &'static str, items: impl Iterator<Item = (String, F)>) {
        let mut any = false;
        for (item, at) in items {
            self.keys.entry((kind, item)).or_insert_with(|| (0, at())).0 += 1;
            any = true;
        }
        if any {
            *self.records.entry(kind).or_default() += 1;
        }
    }

    /// Adds another file's notes (of a later file: its first examples come after these).
    fn append(&mut self, other: Unrecognised) {
        for (key, (n, first)) in other.keys {
            self.keys.entry(key).or_insert((0, first)).0 += n;
        }
        for (kind, n) in other.records {
            *self.records.entry(kind).or_default() += n;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    References,
    AccountingData,
}

/// A reference record, checked: the deposit it describes, or why it was rejected.
#[derive(Debug, Clone)]
enum Reference {
    Valid(ReferenceRecord),
    Rejected,
}

/// A usable reference record: its text fields (the enterprise number, deposit date, exercise
/// start and end, model, currency, and what it says of the filer: `Address.PostalCode`,
/// `Address.CountryCode`, `LegalForm`, `ActivityCode`) one after the other in one allocation.
/// (Twelve owned strings per record were most of the small allocations of the reference
/// records, 4.1 M at F = 1.0, and the kernel zeroing their fresh pages a tenth of the run.)
#[derive(Debug, Clone)]
struct ReferenceRecord {
    text: Box<str>,
    /// Where each field of [`Field`] ends in `text`; an absent optional field is empty and not
    /// `present`.
    ends: [u32; FIELDS],
    present: u16,
    /// One of [`DATA_VERSIONS`].
    data_version: &'static str,
}

/// The text fields of a [`ReferenceRecord`], in their order.
#[derive(Debug, Clone, Copy)]
enum Field {
    EnterpriseNumber,
    DepositDate,
    ExerciseStart,
    ExerciseEnd,
    ModelType,
    Currency,
    Postcode,
    Country,
    LegalForm,
    ActivityCode,
}
const FIELDS: usize = 10;

impl ReferenceRecord {
    fn new(fields: [Option<&str>; FIELDS], data_version: &'static str) -> ReferenceRecord {
        let mut text = String::with_capacity(fields.iter().map(|f| f.map_or(0, str::len)).sum());
        let (mut ends, mut present) = ([0u32; FIELDS], 0u16);
        for (i, field) in fields.iter().enumerate() {
            if let Some(f) = field {
                text.push_str(f);
                present |= 1 << i;
            }
            ends[i] = u32::try_from(text.len()).expect("a reference record under 4 GB");
        }
        ReferenceRecord { text: text.into_boxed_str(), ends, present, data_version }
    }

    fn get(&self, f: Field) -> &str {
        let i = f as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    fn optional(&self, f: Field) -> Option<&str> {
        (self.present & (1 << f as usize) != 0).then(|| self.get(f))
    }

    /// What the reference record says of the filer.
    fn seat(&self) -> Described {
        let owned = |f| self.optional(f).map(str::to_string);
        Described { postcode: owned(Field::Postcode), country: owned(Field::Country), legal_form: owned(Field::LegalForm), activity_code: owned(Field::ActivityCode) }
    }
}

/// The filer as a reference record or an accounting-data document describes it.
#[derive(Debug, Clone, Default)]
struct Described {
    postcode: Option<String>,
    country: Option<String>,
    legal_form: Option<String>,
    activity_code: Option<String>,
}

impl Described {
    /// The reference record's `Address` {`PostalCode`, `CountryCode`, ...}, `LegalForm`,
    /// `ActivityCode`.
    fn of_reference(o: &Object<'_>) -> Described {
        let address = get(o, "Address").and_then(Value::as_object);
        Described {
            postcode: address.and_then(|a| text(a, "PostalCode")).map(|c| code_of(&c).to_string()),
            country: address.and_then(|a| text(a, "CountryCode")).map(|c| code_of(&c).to_ascii_uppercase()),
            legal_form: text(o, "LegalForm").map(|c| code_of(&c).to_string()),
            activity_code: text(o, "ActivityCode").map(|c| code_of(&c).to_string()),
        }
    }

    /// The accounting-data document's coded fields: `Address` {`City` as a postcode member
    /// `pcd:m2000`, `Country` as `cty:mBE`, or `OtherPostalCode` and `OtherCountry` for an
    /// address abroad}, `LegalForm` {`LegalFormCode`: `lgf:m610`}; also `PostalCode` and
    /// `CountryCode` where a document has them.
    fn of_document(o: &Object<'_>) -> Described {
        let address = get(o, "Address").and_then(Value::as_object);
        let postcode = address.and_then(|a| {
            text(a, "PostalCode")
                .map(|c| code_of(&c).to_string())
                // City is a postcode only when coded as one (a plain city name is not)
                .or_else(|| text(a, "City").filter(|c| c.starts_with("pcd:")).map(|c| code_of(&c).to_string()))
                .or_else(|| text(a, "OtherPostalCode").map(|c| code_of(&c).to_string()))
        });
        let country = address.and_then(|a| ["CountryCode", "Country", "OtherCountry"].iter().find_map(|k| text(a, k))).map(|c| code_of(&c).to_ascii_uppercase());
        Described {
            postcode,
            country,
            legal_form: text(o, "LegalForm").map(|c| code_of(&c).to_string()),
            activity_code: ["ActivityCode", "NaceCode", "Activity"].iter().find_map(|k| text(o, k)).map(|c| code_of(&c).to_string()),
        }
    }

    /// This description, each field completed from `fallback` where it says nothing.
    fn or(self, fallback: Described) -> Described {
        Described {
            postcode: self.postcode.or(fallback.postcode),
            country: self.country.or(fallback.country),
            legal_form: self.legal_form.or(fallback.legal_form),
            activity_code: self.activity_code.or(fallback.activity_code),
        }
    }
}

/// The coded values of a description that are not of the shape of their enumeration (after the
/// prefix `pcd:m`, `cty:m`, `lgf:m` is stripped), as `Field=value`: a country that is not two
/// letters (ISO 3166-1 alpha-2, the `cty` members), a Belgian postcode (country BE or none)
/// that is not four digits, a legal form that is not a KBO code of one to three digits
/// (`lgf` members, KBO code table JuridicalForm), an activity code with other characters than
/// digits and dots (NACE-BEL).
fn odd_codes(d: &Described) -> Vec<String> {
    let digits = |v: &str, lengths: std::ops::RangeInclusive<usize>| lengths.contains(&v.len()) && v.bytes().all(|b| b.is_ascii_digit());
    let mut odd = vec![];
    if let Some(c) = d.country.as_deref().filter(|c| !(c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))) {
        odd.push(format!("Country={c}"));
    }
    if let Some(p) = d.postcode.as_deref().filter(|p| d.country.as_deref().is_none_or(|c| c == "BE") && !digits(p, 4..=4)) {
        odd.push(format!("PostalCode={p}"));
    }
    if let Some(l) = d.legal_form.as_deref().filter(|l| !digits(l, 1..=3)) {
        odd.push(format!("LegalForm={l}"));
    }
    if let Some(a) = d.activity_code.as_deref().filter(|a| a.is_empty() || !a.bytes().all(|b| b.is_ascii_digit() || b == b'.')) {
        odd.push(format!("ActivityCode={a}"));
    }
    odd
}

/// A member of an XBRL enumeration as the CBSO writes coded values (`pcd:m2000`, `cty:mBE`,
/// `lgf:m610`; lennybrans/CompanyData-NBB reads them so): the code after the prefix and its
/// `m`. Other values as they are.
fn code_of(value: &str) -> &str {
    match value.split_once(':') {
        Some((prefix, rest)) if !prefix.is_empty() && prefix.chars().all(|c| c.is_ascii_lowercase()) => rest.strip_prefix('m').unwrap_or(rest),
        _ => value,
    }
}

/// The data version an improved product's file label says (`-ocr-authentic`, `-euro-authentic`,
/// `-aa-corrected`, `-sb-corrected` in the file or zip member name, any case), if any.
fn version_of_label(name: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    [("-ocr-authentic", "PDF_ENCODED"), ("-euro-authentic", EURO_CONVERTED), ("-aa-corrected", "CORRECTED"), ("-sb-corrected", "CORRECTED_SB")]
        .into_iter()
        .find_map(|(label, version)| name.contains(label).then_some(version))
}

/// Reference records by reference number.
// (hashbrown's own hasher, as DataFusion's tables use, not SipHash: 4.1 M reference numbers at
// F = 1.0 are hashed into each file's map and again into the merged one; nothing iterates the
// map in an order that shows)
type References = datafusion::common::HashMap<String, Versions>;

/// A reference number's records (several when the NBB improved a deposit), and whether an
/// accounting-data document was tied to it: set by the readers of the data files, one per core,
/// on the shared map (a set of matched reference numbers per file, merged on one thread, cost
/// seconds at F = 1.0).
#[derive(Debug, Default)]
struct Versions {
    records: Vec<Reference>,
    matched: std::sync::atomic::AtomicBool,
}

/// Documents by where their filer's seat came from: `reference_record`, `document`, `none`.
type SeatSources = std::collections::BTreeMap<&'static str, i64>;

/// Reads the CBSO files `files` (path relative to `input`, size in bytes as listed): first
/// every reference record, then the accounting data, one file per core, the largest first; the
/// checked rows go to `spill`.
pub fn read(input: &Location, files: &[(String, u64)], first_file_id: i32, rules: &AccountRules, spill: &SpillFolder, log: &mut InputLog) -> Result<CbsoRead> {
    let mut kinds = vec![];
    for (path, _) in files {
        kinds.push(kind_of(input, path)?);
    }
    let of_kind = |kind: Kind| -> Vec<&(String, u64)> { files.iter().zip(&kinds).filter(|(_, k)| **k == kind).map(|(f, _)| f).collect() };
    // The reference files, one per core (about half of a delivery's bytes), then merged in
    // file order: the same records as when read one after the other.
    let started = std::time::Instant::now();
    let reference_files = of_kind(Kind::References);
    let parts = crate::parallel::map_largest_first(&reference_files, |f| f.1, |_, (path, _)| read_references(input, path));
    let mut references = References::new();
    let mut reference_count = 0i64;
    let mut unrecognised = Unrecognised::default();
    let mut digests = vec![];
    for ((path, _), part) in reference_files.iter().copied().zip(parts) {
        let ReferencesRead { records, count, unrecognised: part_unrecognised, log: part_log, sha256 } = part?;
        for (number, versions) in records {
            // a reference number seen in no earlier file takes its list as it is
            match references.entry(number) {
                datafusion::common::hash_map::Entry::Vacant(slot) => {
                    slot.insert(versions);
                }
                datafusion::common::hash_map::Entry::Occupied(mut slot) => {
                    for e in versions.records {
                        add_reference(&mut slot.get_mut().records, e);
                    }
                }
            }
        }
        reference_count += count;
        digests.push((path.to_string(), sha256));
        unrecognised.append(part_unrecognised);
        log.append(part_log);
    }
    tracing::info!(files = reference_files.len(), records = reference_count, seconds = started.elapsed().as_secs_f64(), "CBSO reference records read");
    let data = of_kind(Kind::AccountingData);
    let done = crate::parallel::map_largest_first(&data, |f| f.1, |i, (path, _)| read_accounting_data(input, path, first_file_id + i as i32, &references, rules, spill));
    let (mut files, mut documents, mut seats) = (vec![], 0i64, SeatSources::new());
    let mut xbrl = XbrlCounts::default();
    let mut models = std::collections::BTreeMap::<String, i64>::new();
    for ((path, _), result) in data.iter().copied().zip(done) {
        let DataRead { name, log: part_log, documents: part_documents, seats: part_seats, models: part_models, unrecognised: part_unrecognised, xbrl: part_xbrl, sha256 } =
            result?;
        xbrl.add(part_xbrl);
        digests.push((path.to_string(), sha256));
        for (model, n) in part_models {
            *models.entry(model).or_default() += n;
        }
        unrecognised.append(part_unrecognised);
        files.push(name);
        log.append(part_log);
        documents += part_documents;
        for (source, n) in part_seats {
            *seats.entry(source).or_default() += n;
        }
    }
    let without_data = references.values().filter(|v| !v.matched.load(std::sync::atomic::Ordering::Relaxed)).count() as i64;
    let with_unknown = |kind: &str| unrecognised.records.get(kind).copied().unwrap_or(0);
    let mut counts = vec![
            ("cbso_reference_records".into(), reference_count),
            ("cbso_accounting_data_documents".into(), documents),
            // A PDF-only or consolidated filing has a reference record and no accounting data.
            ("cbso_references_without_accounting_data".into(), without_data),
            // where each document's seat came from (METHODOLOGY.md section 4b)
            ("cbso_documents_seat_from_reference_record".into(), seats.get("reference_record").copied().unwrap_or(0)),
            ("cbso_documents_seat_from_document".into(), seats.get("document").copied().unwrap_or(0)),
            ("cbso_documents_without_seat".into(), seats.get("none").copied().unwrap_or(0)),
            // records with a key the reader does not know (cpi validate lists the keys)
            ("cbso_reference_records_with_unrecognised_keys".into(), with_unknown("reference record")),
            ("cbso_documents_with_unrecognised_keys".into(), with_unknown("accounting data")),
            // coded values (country, postcode, legal form, activity) not of their enumeration's
            // shape (cpi validate lists them)
            ("cbso_reference_records_with_unrecognised_codes".into(), with_unknown("reference record coded value")),
            ("cbso_documents_with_unrecognised_codes".into(), with_unknown("accounting data coded value")),
        ];
    // XBRL instances of the pfs taxonomy (deposits before 4 April 2022, pfs_xbrl.rs), when
    // any was read
    if xbrl.instances > 0 {
        counts.extend([
            ("cbso_xbrl_instances".into(), xbrl.instances),
            // instances with facts of concepts config/pfs_concepts.csv does not have (cpi
            // validate lists the concepts)
            ("cbso_xbrl_instances_with_concepts_not_in_table".into(), with_unknown("XBRL concept not in the concept table")),
            ("cbso_xbrl_facts_not_read".into(), xbrl.facts_not_read),
            // values read through a row of the concept table not verified against the NBB's
            // taxonomy (the run warns)
            ("cbso_xbrl_values_from_unverified_concepts".into(), xbrl.values_from_unverified_concepts),
        ]);
    }
    // documents tied to a usable reference record, per model (m02, m01, m07, ...:
    // schemas/accounts.json); those of a model outside accounts.statutory_models are then
    // rejected row by row (model_not_statutory)
    counts.extend(models.into_iter().map(|(model, n)| (format!("cbso_documents_model_{model}"), n)));
    let unrecognised = unrecognised.keys.into_iter().map(|((kind, key), (count, first))| UnrecognisedKey { kind, key, count, first }).collect();
    Ok(CbsoRead { files, counts, unrecognised, digests })
}

/// A CBSO file read whole into memory, with its SHA-256 for the manifest: one read of the disk
/// instead of a seek and a read per zip member, and no second pass to hash it.
struct Loaded {
    bytes: Vec<u8>,
    sha256: String,
}

fn load(input: &Location, path: &str) -> Result<Loaded> {
    let local = input.local_file(path);
    let bytes = std::fs::read(&local).map_err(|e| CpiError::io(input.name_of(path), e))?;
    let sha256 = crate::lineage::sha256_hex(&bytes);
    Ok(Loaded { bytes, sha256 })
}

/// A document of a CBSO file: JSON (reference records or accounting data), or an XBRL instance
/// of the `pfs` taxonomy (the accounting data of a deposit made before 4 April 2022), told
/// apart by its first character.
enum Document<'a> {
    Json(Value<'a>),
    Xbrl(&'a [u8]),
}

impl<'a> Document<'a> {
    fn parse(bytes: &'a [u8], at: impl Fn() -> String) -> Result<Document<'a>> {
        if pfs_xbrl::looks_like_xml(bytes) {
            return Ok(Document::Xbrl(bytes));
        }
        Value::parse(bytes).map(Document::Json).map_err(|e| CpiError::bad_input(at(), format!("not valid JSON: {e}")))
    }
}

/// Every document of a file: the file itself, or each file inside a zip, with its name inside
/// the zip ("" for a loose file). Stops at the first error (a corrupt zip or JSON).
fn for_each_document<R: Read + std::io::Seek>(name: &str, path: &str, mut file: R, mut each: impl FnMut(&str, &Document<'_>) -> Result<bool>) -> Result<()> {
    if !path.to_ascii_lowercase().ends_with(".zip") {
        let mut bytes = vec![];
        file.read_to_end(&mut bytes).map_err(|e| CpiError::io(name, e))?;
        let doc = Document::parse(&bytes, || name.to_string())?;
        each("", &doc)?;
        return Ok(());
    }
    let mut archive = zip::ZipArchive::new(file).map_err(|e| CpiError::bad_input(name, format!("not a readable zip: {e}")))?;
    let (mut raw, mut bytes) = (vec![], vec![]);
    let mut inflater = flate2::Decompress::new(false);
    for i in 0..archive.len() {
        // The member's bytes as stored, inflated here by one decoder for the whole zip: a
        // decoder per member (what `by_index` does) allocated and zeroed its state millions
        // of times in an extract of small documents.
        let mut entry = archive.by_index_raw(i).map_err(|e| CpiError::bad_input(name, format!("corrupt zip entry {i}: {e}")))?;
        if entry.is_dir() {
            continue;
        }
        let member = entry.name().map(|n| n.to_string()).unwrap_or_else(|_| format!("entry {i}"));
        let at = || format!("{name}:{member}");
        let (method, size, crc) = (entry.compression(), entry.size(), entry.crc32());
        raw.clear();
        entry.read_to_end(&mut raw).map_err(|e| CpiError::bad_input(at(), format!("cannot unzip: {e}")))?;
        bytes.clear();
        match method {
            zip::CompressionMethod::Stored => bytes.extend_from_slice(&raw),
            zip::CompressionMethod::Deflated => inflate(&mut inflater, &raw, size, &mut bytes).map_err(|e| CpiError::bad_input(at(), format!("cannot unzip: {e}")))?,
            other => return Err(CpiError::bad_input(at(), format!("cannot unzip: compressed with {other:?}, not deflate or stored"))),
        }
        if bytes.len() as u64 != size || crc32fast::hash(&bytes) != crc {
            return Err(CpiError::bad_input(at(), "cannot unzip: the size or the CRC-32 of the unzipped bytes is not the one the zip records"));
        }
        let doc = Document::parse(&bytes, at)?;
        if !each(&member, &doc)? {
            break;
        }
    }
    Ok(())
}

/// Inflates one raw-deflate member into `out` with `inflater`, reset first; `size` is the
/// unzipped size the zip records (a capacity to start with, checked by the caller).
fn inflate(inflater: &mut flate2::Decompress, raw: &[u8], size: u64, out: &mut Vec<u8>) -> std::result::Result<(), String> {
    inflater.reset(false);
    out.reserve(usize::try_from(size).unwrap_or(0).clamp(64, 1 << 30));
    loop {
        let consumed = inflater.total_in() as usize;
        let before = (consumed, out.len());
        match inflater.decompress_vec(&raw[consumed..], out, flate2::FlushDecompress::Finish).map_err(|e| e.to_string())? {
            flate2::Status::StreamEnd => return Ok(()),
            _ if out.len() == out.capacity() => out.reserve(out.len().max(4096)),
            _ if (inflater.total_in() as usize, out.len()) == before => return Err("the deflate stream ends early".into()),
            _ => {}
        }
    }
}

/// What a document is, from its content.
fn classify(doc: &Document) -> Option<Kind> {
    let doc = match doc {
        Document::Xbrl(_) => return Some(Kind::AccountingData),
        Document::Json(v) => v,
    };
    match doc {
        Value::Array(_) => Some(Kind::References),
        Value::Object(o) if get(o, "Rubrics").is_some() => Some(Kind::AccountingData),
        Value::Object(o) if get(o, "ReferenceNumber").is_some() && (get(o, "ExerciseDates").is_some() || get(o, "DepositDate").is_some()) => {
            Some(Kind::References)
        }
        _ => None,
    }
}

/// The kind of a file, from its first document.
fn kind_of(input: &Location, path: &str) -> Result<Kind> {
    let mut kind = None;
    let name = input.name_of(path);
    let file = File::open(input.local_file(path)).map_err(|e| CpiError::io(&name, e))?;
    for_each_document(&name, path, std::io::BufReader::new(file), |member, doc| {
        let where_ = if member.is_empty() { name.clone() } else { format!("{name}:{member}") };
        kind = Some(classify(doc).ok_or_else(|| {
            CpiError::bad_input(where_, "neither CBSO reference records (ReferenceNumber, ExerciseDates) nor accounting data (ReferenceNumber, Rubrics, or an XBRL instance)")
        })?);
        Ok(false)
    })?;
    kind.ok_or_else(|| CpiError::bad_input(&name, "holds no JSON document"))
}

/// A key of a JSON object, whatever its case.
fn get<'o, 'a>(o: &'o Object<'a>, key: &str) -> Option<&'o Value<'a>> {
    o.get(key)
}

/// A text field: a JSON string or number as written (trimmed); None when absent, null or empty.
fn text<'o>(o: &'o Object<'_>, key: &str) -> Option<std::borrow::Cow<'o, str>> {
    match get(o, key)? {
        Value::String(s) if !s.trim().is_empty() => Some(std::borrow::Cow::Borrowed(s.trim())),
        Value::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        // A coded value given as an object ({"Code": "014"}, {"LegalFormCode": "lgf:m610",
        // "LegalForm": "..."}): its code.
        Value::Object(inner) => ["Code", &format!("{key}Code")].iter().find_map(|k| text(inner, k)).map(|c| std::borrow::Cow::Owned(c.into_owned())),
        _ => None,
    }
}

/// A date as the CBSO writes it: `yyyy-mm-dd`, possibly followed by a time (`T00:00:00`).
fn date_part(s: &str) -> &str {
    s.split('T').next().unwrap_or(s)
}

/// The NBB's name of a data version, normalised: upper case, `-` and spaces as `_`, the
/// delivered `pdf_extracted` as PDF_ENCODED, and a correction of the social balance only
/// (`CorrectedData` `sb`) as CORRECTED_SB.
fn normalised_version(s: &str, corrected_data: Option<&str>) -> String {
    let version = s.trim().to_ascii_uppercase().replace(['-', ' '], "_");
    match version.as_str() {
        "PDF_EXTRACTED" => "PDF_ENCODED".to_string(),
        "CORRECTED" if corrected_data.is_some_and(|c| c.eq_ignore_ascii_case("sb")) => "CORRECTED_SB".to_string(),
        _ => version,
    }
}

/// The reference records of one file.
struct ReferencesRead {
    records: References,
    count: i64,
    unrecognised: Unrecognised,
    log: InputLog,
    sha256: String,
}

/// Adds a reference record to those of its reference number: the same record delivered twice
/// (two daily extracts) counts once.
fn add_reference(entry: &mut Vec<Reference>, reference: Reference) {
    if let Reference::Valid(r) = &reference {
        if entry.iter().any(|e| matches!(e, Reference::Valid(k) if k.data_version == r.data_version)) {
            return;
        }
    }
    push_reference(entry, reference);
}

/// Pushes a record on its reference number's list, room for one more at a time: nearly every
/// reference number has one record, and a first push would make room for four (a Vec's least
/// growth), a gigabyte of fresh pages at F = 1.0.
fn push_reference(entry: &mut Vec<Reference>, reference: Reference) {
    entry.reserve_exact(1);
    entry.push(reference);
}

/// Reads the reference records of a file; a record that cannot be used is rejected (its
/// accounting data then is too).
fn read_references(input: &Location, path: &str) -> Result<ReferencesRead> {
    let name = input.name_of(path);
    let mut rows = 0u64;
    let (mut references, mut unrecognised, mut log) = (References::new(), Unrecognised::default(), InputLog::default());
    let loaded = load(input, path)?;
    for_each_document(&name, path, std::io::Cursor::new(&loaded.bytes), |member, doc| {
        let at = |position: &str, field: &str| if member.is_empty() { format!("{position}{field}") } else { format!("{member}: {position}{field}") };
        let records: Vec<(String, &Object<'_>)> = match doc {
            Document::Json(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| v.as_object().map(|o| (format!("[{i}]."), o)).ok_or_else(|| CpiError::bad_input(format!("{name}:{member}"), format!("item {i} is not a reference record"))))
                .collect::<Result<_>>()?,
            Document::Json(Value::Object(o)) if classify(doc) == Some(Kind::References) => vec![(String::new(), o)],
            _ => return Err(CpiError::bad_input(format!("{name}:{member}"), "accounting data in a file of reference records: keep the two kinds in separate files")),
        };
        for (position, o) in records {
            rows += 1;
            unrecognised.note(o, "reference record", &REFERENCE_KEYS, || format!("{name}:{}", at(&position, "")));
            let Some(reference) = text(o, "ReferenceNumber") else {
                log.reject(&name, rows, &at(&position, "ReferenceNumber"), "", "reference_number_empty");
                continue;
            };
            let (record, problem) = check_reference(o);
            let entry = references.entry(reference.into_owned()).or_default();
            match (record, problem) {
                (Some(r), _) => {
                    unrecognised.note_codes(&r.seat(), "reference record coded value", || format!("{name}:{}", at(&position, "")));
                    add_reference(&mut entry.records, Reference::Valid(r))
                }
                (None, Some((field, raw, reason))) => {
                    log.reject(&name, rows, &at(&position, field), &raw, reason);
                    push_reference(&mut entry.records, Reference::Rejected);
                }
                (None, None) => unreachable!("a reference is valid or has a problem"),
            }
        }
        Ok(true)
    })?;
    log.finish_file(&name, rows);
    Ok(ReferencesRead { records: references, count: rows as i64, unrecognised, log, sha256: loaded.sha256 })
}

/// A reference record's deposit, or its first problem (field, raw value, reason).
fn check_reference(o: &Object<'_>) -> (Option<ReferenceRecord>, Option<(&'static str, String, &'static str)>) {
    let number = text(o, "EnterpriseNumber").unwrap_or_default().into_owned();
    if let Err(problem) = enterprise_number::normalise(&number) {
        return (None, Some(("EnterpriseNumber", number, problem.reason())));
    }
    let deposit = text(o, "DepositDate").unwrap_or_default().into_owned();
    let dates = get(o, "ExerciseDates").and_then(Value::as_object);
    let start = dates.and_then(|d| text(d, "startDate")).unwrap_or_default().into_owned();
    let end = dates.and_then(|d| text(d, "endDate")).unwrap_or_default().into_owned();
    for (field, raw) in [("DepositDate", &deposit), ("ExerciseDates.startDate", &start), ("ExerciseDates.endDate", &end)] {
        if parse_iso_date(date_part(raw)).is_none() {
            return (None, Some((field, raw.clone(), if raw.is_empty() { "date_empty" } else { "date_not_iso" })));
        }
    }
    let Some(model_type) = text(o, "ModelType") else {
        return (None, Some(("ModelType", String::new(), "model_type_empty")));
    };
    let corrected_data = text(o, "CorrectedData");
    let version = text(o, "DataVersion").map(|v| normalised_version(&v, corrected_data.as_deref())).unwrap_or_else(|| AUTHENTIC.to_string());
    let Some(data_version) = DATA_VERSIONS.iter().find(|v| **v == version) else {
        return (None, Some(("DataVersion", version, "unknown_data_version")));
    };
    let currency = text(o, "Currency").map(|c| c.to_ascii_uppercase());
    let seat = Described::of_reference(o);
    let record = ReferenceRecord::new(
        [
            Some(&number),
            Some(date_part(&deposit)),
            Some(date_part(&start)),
            Some(date_part(&end)),
            Some(&model_type),
            currency.as_deref(),
            seat.postcode.as_deref(),
            seat.country.as_deref(),
            seat.legal_form.as_deref(),
            seat.activity_code.as_deref(),
        ],
        data_version,
    );
    (Some(record), None)
}

/// What one file of accounting data gave.
struct DataRead {
    name: String,
    log: InputLog,
    documents: i64,
    seats: SeatSources,
    /// Documents tied to a usable reference record, per model (`m02`, lower case, no suffix).
    models: std::collections::BTreeMap<String, i64>,
    unrecognised: Unrecognised,
    xbrl: XbrlCounts,
    sha256: String,
}

/// What the XBRL instances of a file gave, for the manifest.
#[derive(Debug, Default, Clone, Copy)]
struct XbrlCounts {
    instances: i64,
    /// Facts of concepts in the table that are not values of the exercise or the previous one
    /// (nil, another period, a breakdown by a dimension).
    facts_not_read: i64,
    /// Values read through a row of the concept table not verified against the NBB's taxonomy.
    values_from_unverified_concepts: i64,
}

impl XbrlCounts {
    fn add(&mut self, other: XbrlCounts) {
        self.instances += other.instances;
        self.facts_not_read += other.facts_not_read;
        self.values_from_unverified_concepts += other.values_from_unverified_concepts;
    }
}

/// The usable reference record a document of reference number `reference` is tied to, given
/// the version the document names (`wanted`), or why every row of it is rejected (field, raw
/// value, reason). Marks the reference number as having accounting data.
fn tie<'r>(references: &'r References, reference: &str, wanted: Option<&str>) -> std::result::Result<&'r ReferenceRecord, (&'static str, String, &'static str)> {
    if let Some(v) = wanted.filter(|v| !DATA_VERSIONS.contains(v)) {
        return Err(("DataVersion", v.to_string(), "unknown_data_version"));
    }
    let versions = references.get(reference);
    let records = versions.map(|v| v.records.as_slice()).unwrap_or_default();
    let record = match (wanted, records) {
        (_, []) => return Err(("ReferenceNumber", reference.to_string(), "no_reference_record")),
        (None, [only]) => only,
        // Several versions delivered and none named: the document as filed (improved
        // products carry their label), or, without an authentic record, not guessed.
        (None, _) => match records.iter().find(|r| matches!(r, Reference::Valid(v) if v.data_version == AUTHENTIC)) {
            Some(r) => r,
            None => return Err(("DataVersion", String::new(), "data_version_unknown")),
        },
        (Some(v), _) => match records.iter().find(|r| matches!(r, Reference::Valid(k) if k.data_version == v)) {
            Some(r) => r,
            None => return Err(("DataVersion", v.to_string(), "no_reference_record")),
        },
    };
    if let Some(v) = versions {
        v.matched.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    match record {
        Reference::Valid(record) => Ok(record),
        Reference::Rejected => Err(("ReferenceNumber", reference.to_string(), "reference_rejected")),
    }
}

/// A deposit's currency (the document's, else its reference record's) when it is not the euro
/// and the NBB did not convert it: every row of the document is rejected.
fn currency_problem(document_currency: Option<String>, record: &ReferenceRecord) -> Option<(&'static str, String, &'static str)> {
    let currency = document_currency.or_else(|| record.optional(Field::Currency).map(str::to_string));
    currency.filter(|c| c != "EUR" && record.data_version != EURO_CONVERTED).map(|c| ("Currency", c, "currency_not_eur"))
}

/// The filer's seat, legal form and activity: the reference record first, the document's coded
/// fields where it says nothing (METHODOLOGY.md section 4b); counted by source and by model.
fn describe(record: &ReferenceRecord, document: Described, seats: &mut SeatSources, models: &mut std::collections::BTreeMap<String, i64>) -> Described {
    let seat_source = if record.optional(Field::Postcode).is_some() { "reference_record" } else if document.postcode.is_some() { "document" } else { "none" };
    *seats.entry(seat_source).or_default() += 1;
    let model = record.get(Field::ModelType).to_ascii_lowercase();
    *models.entry(model.split('-').next().unwrap_or_default().to_string()).or_default() += 1;
    record.seat().or(document)
}

/// The reference number of an XBRL instance, which does not carry it: its file's (or zip
/// member's) name without folders, extension and improved-product label, as the document of a
/// deposit is saved under its reference number (`2019-00012345.xbrl`).
fn reference_of_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = base.split_once('.').map_or(base, |(stem, _)| stem);
    let lower = stem.to_ascii_lowercase();
    let cut = ["-ocr-authentic", "-euro-authentic", "-aa-corrected", "-sb-corrected"].iter().find_map(|label| lower.find(label)).unwrap_or(stem.len());
    stem[..cut].to_string()
}

/// Reads and checks the accounting-data documents of one file, joined to their reference
/// records.
fn read_accounting_data(input: &Location, path: &str, file_id: i32, references: &References, rules: &AccountRules, spill: &SpillFolder) -> Result<DataRead> {
    let name = input.name_of(path);
    let mut batches = Accounts::spilled(spill, file_id)?;
    let mut log = InputLog::default();
    let mut builder = AccountsBuilder::new(&name, file_id, rules);
    let (mut rows, mut documents) = (0u64, 0i64);
    let mut seat_sources = SeatSources::new();
    let (mut models, mut unrecognised) = (std::collections::BTreeMap::<String, i64>::new(), Unrecognised::default());
    let mut xbrl = XbrlCounts::default();
    let loaded = load(input, path)?;
    for_each_document(&name, path, std::io::Cursor::new(&loaded.bytes), |member, doc| {
        let where_ = || if member.is_empty() { name.clone() } else { format!("{name}:{member}") };
        let o = match (doc, classify(doc)) {
            (Document::Json(Value::Object(o)), Some(Kind::AccountingData)) => o,
            (Document::Xbrl(bytes), _) => {
                documents += 1;
                let instance = pfs_xbrl::Instance::parse(bytes).map_err(|e| CpiError::bad_input(where_(), format!("not a readable XBRL instance: {e}")))?;
                let mut state = DocumentState { builder: &mut builder, log: &mut log, rows: &mut rows, seats: &mut seat_sources, models: &mut models, unrecognised: &mut unrecognised, xbrl: &mut xbrl };
                read_instance(&name, path, member, &instance, references, rules, &mut state);
                if builder.len() >= BATCH_ROWS {
                    builder.flush(&mut batches)?;
                }
                return Ok(true);
            }
            _ => return Err(CpiError::bad_input(where_(), "reference records in a file of accounting data: keep the two kinds in separate files")),
        };
        documents += 1;
        let prefix = if member.is_empty() { String::new() } else { format!("{member}: ") };
        unrecognised.note(o, "accounting data", &DOCUMENT_KEYS, where_);
        let rubrics = get(o, "Rubrics").and_then(Value::as_array).unwrap_or_default();
        let first_row = rows + 1;
        rows += rubrics.len() as u64;
        // The whole document is rejected, row by row, when it cannot be tied to a usable
        // reference record in euro.
        let mut reject_all = |field: &str, raw: &str, reason: &str| {
            for k in 0..rubrics.len() as u64 {
                log.reject(&name, first_row + k, &format!("{prefix}{field}"), raw, reason);
            }
        };
        let Some(reference) = text(o, "ReferenceNumber") else {
            reject_all("ReferenceNumber", "", "reference_number_empty");
            return Ok(true);
        };
        // The document's version: its own DataVersion, else its improved product's file label
        // (the member's name, then the file's), else the reference record delivered with it.
        let wanted = text(o, "DataVersion")
            .map(|v| normalised_version(&v, text(o, "CorrectedData").as_deref()))
            .or_else(|| version_of_label(member).or_else(|| version_of_label(path)).map(str::to_string));
        let record = match tie(references, &reference, wanted.as_deref()) {
            Ok(record) => record,
            Err((field, raw, reason)) => {
                reject_all(field, &raw, reason);
                return Ok(true);
            }
        };
        if let Some((field, raw, reason)) = currency_problem(text(o, "Currency").map(|c| c.to_ascii_uppercase()), record) {
            reject_all(field, &raw, reason);
            return Ok(true);
        }
        let document = Described::of_document(o);
        unrecognised.note_codes(&document, "accounting data coded value", where_);
        let described = describe(record, document, &mut seat_sources, &mut models);
        let deposit = record.deposit(&reference, &described);
        for (k, rubric) in rubrics.iter().enumerate() {
            let line = first_row + k as u64;
            let position = |field: &str| format!("{prefix}Rubrics[{k}].{field}");
            let Some(r) = rubric.as_object() else {
                log.reject(&name, line, &position("Code"), &rubric.to_string(), "rubric_not_an_object");
                continue;
            };
            let (code, period, value) = (text(r, "Code").unwrap_or_default(), text(r, "Period").unwrap_or_default(), text(r, "Value").unwrap_or_default());
            let field = |f: RowField| match f {
                RowField::RubricCode => position("Code"),
                RowField::Period => position("Period"),
                RowField::Value => position("Value"),
                // The deposit's own fields were checked with its reference record.
                other => format!("{prefix}{other:?}"),
            };
            builder.push(line, &deposit, &RubricValue { rubric_code: &code, period: &period, value: &value }, &field, &mut log);
        }
        if builder.len() >= BATCH_ROWS {
            builder.flush(&mut batches)?;
        }
        Ok(true)
    })?;
    builder.flush(&mut batches)?;
    batches.close()?;
    log.finish_file(&name, rows);
    Ok(DataRead { name, log, documents, seats: seat_sources, models, unrecognised, xbrl, sha256: loaded.sha256 })
}

impl ReferenceRecord {
    /// The deposit this record describes, under `reference`, with the filer as `described`.
    fn deposit<'a>(&'a self, reference: &'a str, described: &'a Described) -> Deposit<'a> {
        Deposit {
            enterprise_number: self.get(Field::EnterpriseNumber),
            reference_number: reference,
            deposit_date: self.get(Field::DepositDate),
            exercise_start: self.get(Field::ExerciseStart),
            exercise_end: self.get(Field::ExerciseEnd),
            model_type: self.get(Field::ModelType),
            data_version: self.data_version,
            postcode: described.postcode.as_deref(),
            country: described.country.as_deref(),
            legal_form: described.legal_form.as_deref(),
            activity_code: described.activity_code.as_deref(),
        }
    }
}

/// What each document of a file adds to: its rows, and the file's tallies.
struct DocumentState<'s, 'r> {
    builder: &'s mut AccountsBuilder<'r>,
    log: &'s mut InputLog,
    rows: &'s mut u64,
    seats: &'s mut SeatSources,
    models: &'s mut std::collections::BTreeMap<String, i64>,
    unrecognised: &'s mut Unrecognised,
    xbrl: &'s mut XbrlCounts,
}

/// Reads one XBRL instance (a deposit made before 4 April 2022): tied to its reference record
/// by its file name, its facts of the concepts in the concept table become rows of the
/// exercise (N) or the previous one (NM1), with the same checks as a JSON document's rubrics.
/// A reject names the line of the fact in the document (`2019-00012345.xbrl: line 40:
/// pfs:Turnover`).
fn read_instance(name: &str, path: &str, member: &str, instance: &pfs_xbrl::Instance, references: &References, rules: &AccountRules, s: &mut DocumentState) {
    s.xbrl.instances += 1;
    let prefix = if member.is_empty() { String::new() } else { format!("{member}: ") };
    let where_ = || if member.is_empty() { name.to_string() } else { format!("{name}:{member}") };
    let reference = reference_of_file_name(if member.is_empty() { path } else { member });
    let wanted = version_of_label(member).or_else(|| version_of_label(path));
    let first_row = *s.rows + 1;
    let record = match tie(references, &reference, wanted) {
        Ok(record) => record,
        // Without a usable reference record the exercise is unknown: every fact of a concept
        // in the table, whatever its period, is a row, rejected.
        Err((field, raw, reason)) => {
            let facts = instance.facts_in_table(&rules.pfs_concepts);
            *s.rows += facts.len() as u64;
            for (k, position) in facts.iter().enumerate() {
                s.log.reject(name, first_row + k as u64, &format!("{prefix}{position}: {field} (file name)"), &raw, reason);
            }
            return;
        }
    };
    // (a reference record's dates were checked when it was read)
    let day = |d: &str| parse_iso_date(d).expect("a usable reference record has ISO dates");
    let out = instance.rows(&rules.pfs_concepts, day(record.get(Field::ExerciseStart)), day(record.get(Field::ExerciseEnd)));
    *s.rows += out.rows.len() as u64;
    s.xbrl.facts_not_read += out.not_read;
    s.unrecognised.note_each("XBRL concept not in the concept table", out.unmapped.iter().map(|(concept, line)| (concept.clone(), move || format!("{}, line {line}", where_()))));
    // The instance must be of the filer its reference record names.
    let filer = enterprise_number::normalise(record.get(Field::EnterpriseNumber)).unwrap_or_default();
    let problem = if out.identifiers != [filer] {
        Some(("xbrli:identifier", out.identifiers.join(" "), "xbrl_entity_not_the_filer"))
    } else {
        currency_problem(None, record)
    };
    if let Some((field, raw, reason)) = problem {
        for (k, row) in out.rows.iter().enumerate() {
            s.log.reject(name, first_row + k as u64, &format!("{prefix}{}: {field}", row.position), &raw, reason);
        }
        return;
    }
    let described = describe(record, Described::default(), s.seats, s.models);
    let deposit = record.deposit(&reference, &described);
    for (k, row) in out.rows.iter().enumerate() {
        let line = first_row + k as u64;
        let position = format!("{prefix}{}", row.position);
        if let Some(unit) = &row.unit_differs {
            s.log.reject(name, line, &format!("{position} unitRef"), unit, "xbrl_unit_differs");
            continue;
        }
        s.xbrl.values_from_unverified_concepts += i64::from(!row.verified);
        let field = |f: RowField| match f {
            RowField::RubricCode | RowField::Period | RowField::Value => position.clone(),
            other => format!("{prefix}{other:?}"),
        };
        s.builder.push(line, &deposit, &RubricValue { rubric_code: &row.rubric_code, period: row.period, value: &row.value }, &field, s.log);
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    /// A zip of two documents, one deflated and one stored, as `for_each_document` reads them.
    fn zip_of(docs: &[(&str, zip::CompressionMethod, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(vec![]));
        for (name, method, text) in docs {
            w.start_file(*name, zip::write::SimpleFileOptions::default().compression_method(*method)).unwrap();
            w.write_all(text.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn members(bytes: Vec<u8>) -> crate::error::Result<Vec<(String, String)>> {
        let mut seen = vec![];
        super::for_each_document("refs.zip", "refs.zip", std::io::Cursor::new(bytes), |member, doc| {
            let super::Document::Json(doc) = doc else { panic!("JSON documents") };
            let o = doc.as_object().expect("an object");
            seen.push((member.to_string(), super::text(o, "ReferenceNumber").unwrap().into_owned()));
            Ok(true)
        })?;
        Ok(seen)
    }

    #[test]
    fn zip_members_are_inflated_by_one_decoder_and_checked() {
        let long = format!("{{\"ReferenceNumber\": \"2024-00000002\", \"Pad\": \"{}\"}}", "ab".repeat(40_000));
        let docs = [
            ("a.json", zip::CompressionMethod::Deflated, "{\"ReferenceNumber\": \"2024-00000001\"}"),
            ("b.json", zip::CompressionMethod::Deflated, long.as_str()),
            ("c.json", zip::CompressionMethod::Stored, "{\"ReferenceNumber\": \"2024-00000003\"}"),
        ];
        let bytes = zip_of(&docs);
        // the decoder is reset between members: the third (stored) and the first two (deflated,
        // one of 80 kB, more than a first guess of its size would hold) all read back
        let read = members(bytes.clone()).unwrap();
        assert_eq!(read, [("a.json", "2024-00000001"), ("b.json", "2024-00000002"), ("c.json", "2024-00000003")].map(|(m, r)| (m.to_string(), r.to_string())));
        // a stored member changed on disk: its CRC-32 no longer matches, and the error names it
        let mut corrupt = bytes;
        let at = corrupt.windows(13).position(|w| w == b"2024-00000003").expect("the stored member's text");
        corrupt[at + 12] = b'9';
        let err = members(corrupt).unwrap_err().to_string();
        assert!(err.contains("refs.zip:c.json") && err.contains("CRC-32"), "{err}");
    }
}
