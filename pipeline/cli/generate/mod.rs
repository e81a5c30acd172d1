//! `cpi generate`: a synthetic input folder in exactly the published formats, at a chosen scale
//! of the Belgian economy (F = 1.0: about 1.94 million enterprises and 430,000 filers a year).
//!
//! The data are random but shaped like the real sources, so that every rule of the method has
//! work to do: heavy-tailed company sizes, abbreviated filings without turnover, refiled
//! accounts, irregular and non-calendar exercises, companies starting and stopping (stopped
//! companies are gone from the register but their accounts remain), seats in the three regions
//! and abroad, MAIN activities per activity group and NACE version, and seven clusters with
//! overlapping member lists written in every notation the clusters use. Same seed, same bytes.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use cpi::enterprise_number::check_digits;
use cpi::error::{CpiError, Result};

mod accounts;
mod clusters;
mod register;

use accounts::write_accounts;
pub use clusters::MembersFormat;
use clusters::{choose_members, write_clusters};
use register::{write_register, zip_folder};

/// The real code.csv of a KBO extract (see pipeline/assets/README.md).
const KBO_CODES: &str = include_str!("../../assets/kbo_code.csv");

pub const FIRST_YEAR: i32 = 2015;
pub const LAST_YEAR: i32 = 2024;
const SNAPSHOT: &str = "05-01-2025";
const EXTRACT_NUMBER: &str = "140";
const ZIP_NAME: &str = "KboOpenData_0140_2025_01_05_Full.zip";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountsFormat {
    /// Long form, one CSV per exercise year.
    Csv,
    /// Long form, one Parquet file per exercise year.
    Parquet,
    /// The CBSO's JSON extracts: per exercise year a zip of reference records and a zip of
    /// accounting-data documents.
    Cbso,
}

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub scale: f64,
    pub seed: u64,
    pub zip: bool,
    pub accounts_format: AccountsFormat,
    pub members_format: MembersFormat,
}

/// What was written, for the log.
#[derive(Debug, Default)]
pub struct GenerateSummary {
    pub enterprises: usize,
    pub establishments: usize,
    pub activity_rows: usize,
    pub address_rows: usize,
    pub filers: usize,
    pub account_rows: usize,
    pub member_rows: usize,
}

struct Company {
    number: String,
    in_register: bool,
    legal_person: bool,
    start_year: i32,
    stop_year: i32,
    region: Region,
    postcode: u32,
    nace2025: String,
    filer: bool,
    fte: f64,
    productivity: f64,
    growth: f64,
    /// Month the exercise closes (12 for most).
    closing_month: u32,
    abbreviated: bool,
    reports_turnover: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Region {
    Flanders,
    Brussels,
    Wallonia,
    Abroad,
}

/// Bodies (first eight digits) of the numbers the generator gives out.
const ENTERPRISE_BODIES: std::ops::Range<u64> = 2_000_000..19_900_000;
const ESTABLISHMENT_BODIES: std::ops::Range<u64> = 20_000_000..29_900_000;

/// The largest random step between consecutive bodies so that `n` numbers stay in `range`.
fn number_step(range: std::ops::Range<u64>, n: usize) -> u64 {
    ((range.end - range.start) / (n.max(1) as u64)).max(1)
}

fn formatted_number(body: u64) -> String {
    let s = format!("{:08}{:02}", body, check_digits(body));
    format!("{}.{}.{}", &s[..4], &s[4..7], &s[7..])
}

/// Establishment unit numbers: 10 digits starting with 2, same check, written `2.xxx.xxx.xxx`.
fn establishment_number(body: u64) -> String {
    let s = format!("{:08}{:02}", body, check_digits(body));
    format!("{}.{}.{}.{}", &s[..1], &s[1..4], &s[4..7], &s[7..])
}

/// 5-digit NACE codes per version from the real code list.
struct NaceCodes {
    v2003: Vec<String>,
    v2008: Vec<String>,
    v2008_long: Vec<String>,
    v2025: Vec<String>,
}

impl NaceCodes {
    fn load() -> NaceCodes {
        let mut codes = NaceCodes { v2003: vec![], v2008: vec![], v2008_long: vec![], v2025: vec![] };
        for line in KBO_CODES.lines().skip(1) {
            let f: Vec<&str> = line.split(',').map(|s| s.trim_matches('"')).collect();
            if f.len() < 3 || f[2] != "NL" {
                continue;
            }
            let list = match (f[0], f[1].len()) {
                ("Nace2003", 5) => &mut codes.v2003,
                ("Nace2008", 5) => &mut codes.v2008,
                ("Nace2008", 7) => &mut codes.v2008_long,
                ("Nace2025", 5) => &mut codes.v2025,
                _ => continue,
            };
            list.push(f[1].to_string());
        }
        codes
    }

    /// A 2008 code in the same division as the 2025 code when there is one.
    fn match_2008(&self, code2025: &str, rng: &mut ChaCha8Rng) -> String {
        let same: Vec<&String> = self.v2008.iter().filter(|c| c[..2] == code2025[..2]).collect();
        if same.is_empty() {
            pick(&self.v2008, rng).clone()
        } else {
            same[rng.random_range(0..same.len())].clone()
        }
    }
}

fn pick<'a, T>(items: &'a [T], rng: &mut ChaCha8Rng) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn postcode(region: Region, rng: &mut ChaCha8Rng) -> u32 {
    match region {
        Region::Flanders => {
            let ranges = [(1500, 1999), (2000, 2999), (3000, 3499), (3500, 3999), (8000, 8999), (9000, 9999)];
            let (a, b) = *pick(&ranges, rng);
            rng.random_range(a..=b) / 10 * 10
        }
        Region::Brussels => rng.random_range(1000..=1210) / 10 * 10,
        Region::Wallonia => {
            let ranges = [(1300, 1499), (4000, 4999), (5000, 5999), (6000, 6999), (7000, 7999)];
            let (a, b) = *pick(&ranges, rng);
            rng.random_range(a..=b) / 10 * 10
        }
        Region::Abroad => rng.random_range(10000..=99999),
    }
}

/// Pareto-distributed FTE: most companies are tiny, a few employ thousands.
fn pareto_fte(rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = rng.random_range(1e-6..1.0);
    (0.8 / u.powf(1.0 / 1.1)).min(20_000.0)
}

fn kbo_date(y: i32, m: u32, d: u32) -> String {
    format!("{d:02}-{m:02}-{y}")
}

pub fn generate(out: &Path, opts: &GenerateOptions) -> Result<GenerateSummary> {
    // Up to 4x Belgium the numbers still fit in the ranges of valid 10-digit numbers.
    if !(opts.scale > 0.0 && opts.scale <= 4.0) {
        return Err(CpiError::Config(format!("--scale must be in (0, 4], not {}", opts.scale)));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let nace = NaceCodes::load();
    let n_enterprises = ((1_940_000.0 * opts.scale).round() as usize).max(60);
    let n_filers = ((430_000.0 * opts.scale).round() as usize).max(40).min(n_enterprises / 2);
    let n_establishments = (1_670_000.0 * opts.scale).round() as usize;
    // Companies that stopped before the snapshot: their accounts remain, the register drops them.
    let n_ceased = n_filers / 10;
    let mut summary = GenerateSummary::default();

    // ---- companies ----
    let mut companies: Vec<Company> = Vec::with_capacity(n_enterprises + n_ceased);
    // Numbers spread over 0200.000.0xx..1990.000.0xx: a 10-digit number starts with 0 or 1, so
    // its 8-digit body stays below 20,000,000.
    let step = number_step(ENTERPRISE_BODIES, n_enterprises + n_ceased);
    let mut body: u64 = ENTERPRISE_BODIES.start;
    for i in 0..(n_enterprises + n_ceased) {
        body += rng.random_range(1..=step);
        let in_register = i < n_enterprises;
        // The first n_filers enterprises and every ceased company file accounts.
        let filer = i < n_filers || !in_register;
        let legal_person = filer || rng.random_bool(0.45);
        let region = match rng.random_range(0..1000) {
            0..=599 => Region::Flanders,
            600..=719 => Region::Brussels,
            720..=994 => Region::Wallonia,
            _ => Region::Abroad,
        };
        let start_year = if rng.random_bool(0.75) { rng.random_range(1950..FIRST_YEAR) } else { rng.random_range(FIRST_YEAR..=LAST_YEAR) };
        let stop_year = if in_register { 9999 } else { rng.random_range(FIRST_YEAR.max(start_year)..=LAST_YEAR) };
        let fte = pareto_fte(&mut rng);
        companies.push(Company {
            number: formatted_number(body),
            in_register,
            legal_person,
            start_year,
            stop_year,
            region,
            postcode: postcode(region, &mut rng),
            nace2025: pick(&nace.v2025, &mut rng).clone(),
            filer,
            fte,
            // Turnover per FTE around 180,000 euro; not too spread, or the Flemish average would
            // depend on the productivity drawn for a few very large companies.
            productivity: 60_000.0 * (2.2 + 1.6 * rng.random::<f64>()),
            growth: rng.random_range(-0.06..0.12),
            closing_month: match rng.random_range(0..100) { 0..=84 => 12, 85..=94 => 6, _ => 3 },
            abbreviated: fte < 50.0 && rng.random_bool(0.7),
            reports_turnover: rng.random_bool(0.3),
        });
    }

    // The members and their profile (sizes, sectors, productivity, growth) from a stream of
    // their own, before the register and the accounts are written from the companies.
    let mut member_rng = ChaCha8Rng::seed_from_u64(opts.seed ^ 0x4d45_4d42);
    let listings = choose_members(&mut companies, opts.scale, &nace, &mut member_rng);

    let kbo_dir = out.join("kbo");
    std::fs::create_dir_all(&kbo_dir).map_err(|e| CpiError::io(kbo_dir.display().to_string(), e))?;
    let csv_dir = if opts.zip { tempfile::tempdir().map_err(|e| CpiError::io("temporary folder", e))? } else { tempfile::TempDir::new_in(&kbo_dir).map_err(|e| CpiError::io("temporary folder", e))? };
    write_register(csv_dir.path(), &companies, n_establishments, &nace, &mut rng, &mut summary)?;
    if opts.zip {
        zip_folder(csv_dir.path(), &kbo_dir.join(ZIP_NAME))?;
    } else {
        for f in ["enterprise.csv", "establishment.csv", "activity.csv", "address.csv", "denomination.csv", "code.csv", "meta.csv"] {
            std::fs::rename(csv_dir.path().join(f), kbo_dir.join(f)).map_err(|e| CpiError::io(f, e))?;
        }
    }

    write_accounts(out, &companies, opts, &mut rng, &mut summary)?;
    write_clusters(out, &companies, &listings, opts.members_format, &mut member_rng, &mut summary)?;
    summary.filers = companies.iter().filter(|c| c.filer).count();
    Ok(summary)
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| CpiError::io(dir.display().to_string(), e))?;
    }
    let f = File::create(path).map_err(|e| CpiError::io(path.display().to_string(), e))?;
    Ok(BufWriter::with_capacity(1 << 20, f))
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> CpiError + '_ {
    move |e| CpiError::io(path.display().to_string(), e)
}

/// Enterprise numbers as people and systems write them.
fn written_number(dotted: &str, rng: &mut ChaCha8Rng) -> String {
    let digits: String = dotted.chars().filter(char::is_ascii_digit).collect();
    match rng.random_range(0..100) {
        0..=49 => dotted.to_string(),
        50..=79 => digits,
        80..=89 => format!("BE {} {} {}", &digits[..4], &digits[4..7], &digits[7..]),
        _ if digits.starts_with('0') => digits[1..].to_string(),
        _ => format!("BE{digits}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cpi::enterprise_number::normalise;

    #[test]
    fn numbers_stay_valid_at_the_largest_scale() {
        // At scale 4: 4 * (1.94 M enterprises + 10 % ceased filers) and 4 * 1.67 M establishments.
        let n = (4.0 * (1_940_000.0 + 43_000.0)) as usize;
        let last = ENTERPRISE_BODIES.start + number_step(ENTERPRISE_BODIES, n) * n as u64;
        assert!(last < 20_000_000, "{last}");
        assert!(normalise(&formatted_number(last)).is_ok());
        let n = 4 * 1_670_000;
        let last = ESTABLISHMENT_BODIES.start + number_step(ESTABLISHMENT_BODIES, n) * n as u64;
        assert!(last < 30_000_000, "{last}");
        assert!(establishment_number(last).starts_with("2."));
    }
}
