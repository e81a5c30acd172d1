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
use std::io::{BufWriter, Write};
use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::enterprise_number::check_digits;
use crate::error::{CpiError, Result};

/// The real code.csv of a KBO extract (see pipeline/assets/README.md).
const KBO_CODES: &str = include_str!("../assets/kbo_code.csv");

pub const FIRST_YEAR: i32 = 2015;
pub const LAST_YEAR: i32 = 2024;
const SNAPSHOT: &str = "05-01-2025";
const EXTRACT_NUMBER: &str = "140";
const ZIP_NAME: &str = "KboOpenData_0140_2025_01_05_Full.zip";

/// The seven spearhead clusters and their member count at full size.
const CLUSTERS: [(&str, &str, usize); 7] = [
    ("CATALISTI", "Catalisti", 150),
    ("FLUX50", "Flux50", 300),
    ("SIM", "SIM", 200),
    ("VIL", "VIL", 250),
    ("FOOD", "Flanders' FOOD", 600),
    ("DBC", "De Blauwe Cluster", 250),
    ("MEDVIA", "MEDVIA", 100),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountsFormat {
    Csv,
    Parquet,
}

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub scale: f64,
    pub seed: u64,
    pub zip: bool,
    pub accounts_format: AccountsFormat,
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
            productivity: 60_000.0 * (1.0 + rng.random::<f64>() * 4.0),
            growth: rng.random_range(-0.06..0.12),
            closing_month: match rng.random_range(0..100) { 0..=84 => 12, 85..=94 => 6, _ => 3 },
            abbreviated: fte < 50.0 && rng.random_bool(0.7),
            reports_turnover: rng.random_bool(0.3),
        });
    }

    let kbo_dir = out.join("kbo");
    std::fs::create_dir_all(&kbo_dir).map_err(|e| CpiError::io(kbo_dir.display().to_string(), e))?;
    let csv_dir = if opts.zip { tempfile::tempdir().map_err(|e| CpiError::io("temporary folder", e))? } else { tempfile::TempDir::new_in(&kbo_dir).map_err(|e| CpiError::io("temporary folder", e))? };
    write_register(csv_dir.path(), &companies, n_establishments, &nace, &mut rng, &mut summary)?;
    if opts.zip {
        zip_folder(csv_dir.path(), &kbo_dir.join(ZIP_NAME))?;
    } else {
        for f in ["enterprise.csv", "establishment.csv", "activity.csv", "address.csv", "code.csv", "meta.csv"] {
            std::fs::rename(csv_dir.path().join(f), kbo_dir.join(f)).map_err(|e| CpiError::io(f, e))?;
        }
    }

    write_accounts(out, &companies, opts, &mut rng, &mut summary)?;
    write_clusters(out, &companies, opts.scale, &mut rng, &mut summary)?;
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

/// The KBO CSVs in the published dialect: `"`-quoted text, unquoted `dd-mm-yyyy` dates.
fn write_register(
    dir: &Path,
    companies: &[Company],
    n_establishments: usize,
    nace: &NaceCodes,
    rng: &mut ChaCha8Rng,
    summary: &mut GenerateSummary,
) -> Result<()> {
    let p = dir.join("meta.csv");
    let mut w = create(&p)?;
    write!(w, "\"Variable\",\"Value\"\n\"SnapshotDate\",\"{SNAPSHOT}\"\n\"ExtractTimestamp\",\"06-01-2025 07:40:18\"\n\"ExtractType\",\"full\"\n\"ExtractNumber\",\"{EXTRACT_NUMBER}\"\n\"Version\",\"1.0.0\"\n").map_err(io(&p))?;
    w.flush().map_err(io(&p))?;
    std::fs::write(dir.join("code.csv"), KBO_CODES).map_err(io(&dir.join("code.csv")))?;

    let (pe, pa, pac, ps) = (dir.join("enterprise.csv"), dir.join("address.csv"), dir.join("activity.csv"), dir.join("establishment.csv"));
    let mut ent = create(&pe)?;
    let mut addr = create(&pa)?;
    let mut act = create(&pac)?;
    let mut est = create(&ps)?;
    writeln!(ent, "\"EnterpriseNumber\",\"Status\",\"JuridicalSituation\",\"TypeOfEnterprise\",\"JuridicalForm\",\"JuridicalFormCAC\",\"StartDate\"").map_err(io(&pe))?;
    writeln!(addr, "\"EntityNumber\",\"TypeOfAddress\",\"CountryNL\",\"CountryFR\",\"Zipcode\",\"MunicipalityNL\",\"MunicipalityFR\",\"StreetNL\",\"StreetFR\",\"HouseNumber\",\"Box\",\"ExtraAddressInfo\",\"DateStrikingOff\"").map_err(io(&pa))?;
    writeln!(act, "\"EntityNumber\",\"ActivityGroup\",\"NaceVersion\",\"NaceCode\",\"Classification\"").map_err(io(&pac))?;
    writeln!(est, "\"EstablishmentNumber\",\"StartDate\",\"EnterpriseNumber\"").map_err(io(&ps))?;

    let registered: Vec<&Company> = companies.iter().filter(|c| c.in_register).collect();
    let est_step = number_step(ESTABLISHMENT_BODIES, n_establishments);
    let mut est_body: u64 = ESTABLISHMENT_BODIES.start;
    let mut establishments_left = n_establishments;
    for (i, c) in registered.iter().enumerate() {
        let start = kbo_date(c.start_year, rng.random_range(1..=12), rng.random_range(1..=28));
        let (kind, form) = if c.legal_person { ("2", *pick(&["014", "015", "016", "017", "610", "706"], rng)) } else { ("1", "") };
        let form = if form.is_empty() { String::new() } else { format!("\"{form}\"") };
        writeln!(ent, "\"{}\",\"AC\",\"000\",\"{kind}\",{form},,{start}", c.number).map_err(io(&pe))?;
        summary.enterprises += 1;
        // Natural persons' seats are not published; legal persons have a REGO address.
        if c.legal_person {
            let (country_nl, country_fr, zip) = match c.region {
                Region::Abroad => ("\"Nederland\"", "\"Pays-Bas\"", format!("{}", c.postcode)),
                _ => ("", "", format!("{}", c.postcode)),
            };
            writeln!(addr, "\"{}\",\"REGO\",{country_nl},{country_fr},\"{zip}\",\"Gemeente\",\"Commune\",\"Kerkstraat\",\"Rue de l'Eglise\",\"{}\",\"\",\"\",", c.number, rng.random_range(1..200)).map_err(io(&pa))?;
            summary.address_rows += 1;
        }
        // 10% of enterprises carry their activities on establishments only.
        let own_activities = !rng.random_bool(0.1);
        let n_est = if establishments_left == 0 {
            0
        } else if !own_activities {
            1
        } else {
            let share = establishments_left as f64 / (registered.len() - i) as f64;
            usize::from(rng.random_bool(share.min(1.0) * 0.8)) + usize::from(c.fte > 200.0)
        };
        if own_activities {
            summary.activity_rows += write_activities(&mut act, &c.number, &c.nace2025, c.start_year, nace, rng).map_err(io(&pac))?;
        }
        for _ in 0..n_est.min(establishments_left) {
            est_body += rng.random_range(1..=est_step);
            let en = establishment_number(est_body);
            writeln!(est, "\"{en}\",{start},\"{}\"", c.number).map_err(io(&ps))?;
            writeln!(addr, "\"{en}\",\"BAET\",,,\"{}\",\"Gemeente\",\"Commune\",\"Stationsstraat\",\"Rue de la Gare\",\"{}\",\"\",\"\",", c.postcode, rng.random_range(1..200)).map_err(io(&pa))?;
            summary.activity_rows += write_activities(&mut act, &en, &c.nace2025, c.start_year, nace, rng).map_err(io(&pac))?;
            summary.establishments += 1;
            summary.address_rows += 1;
            establishments_left -= 1;
        }
    }
    for (w, p) in [(&mut ent, &pe), (&mut addr, &pa), (&mut act, &pac), (&mut est, &ps)] {
        w.flush().map_err(io(p))?;
    }
    Ok(())
}

/// MAIN activity per activity group and NACE version, as the register holds them, plus
/// secondary ones (0 to 4 per group and version: about 10 rows per entity, as in the real
/// register's 36 million rows for 3.6 million entities). Returns the number of rows written.
fn write_activities(w: &mut impl Write, entity: &str, code2025: &str, start_year: i32, nace: &NaceCodes, rng: &mut ChaCha8Rng) -> std::io::Result<usize> {
    let mut rows = 0;
    let mut groups = vec!["001"];
    if rng.random_bool(0.45) {
        groups.push("003");
    }
    if rng.random_bool(0.2) {
        groups.push("006");
    }
    let code2008 = if rng.random_bool(0.03) { pick(&nace.v2008_long, rng).clone() } else { nace.match_2008(code2025, rng) };
    // 8% were never recoded to NACE 2025 (2008 only); older companies also carry 2003 codes.
    let has_2025 = !rng.random_bool(0.08);
    for g in groups {
        let mut line = |version: &str, code: &str, class: &str| -> std::io::Result<()> {
            rows += 1;
            writeln!(w, "\"{entity}\",\"{g}\",\"{version}\",\"{code}\",\"{class}\"")
        };
        if has_2025 {
            line("2025", code2025, "MAIN")?;
        }
        line("2008", &code2008, "MAIN")?;
        if start_year < 2008 {
            line("2003", pick(&nace.v2003, rng).as_str(), "MAIN")?;
        }
        for _ in 0..rng.random_range(0..5) {
            if has_2025 {
                line("2025", pick(&nace.v2025, rng).as_str(), "SECO")?;
            }
            line("2008", pick(&nace.v2008, rng).as_str(), "SECO")?;
        }
    }
    Ok(rows)
}

/// Annual accounts in long form, one file per exercise year.
fn write_accounts(out: &Path, companies: &[Company], opts: &GenerateOptions, rng: &mut ChaCha8Rng, summary: &mut GenerateSummary) -> Result<()> {
    let dir = out.join("accounts");
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let filers: Vec<&Company> = companies.iter().filter(|c| c.filer).collect();
    // Each filer's figures evolve year on year; keep the state per filer.
    let mut size: Vec<(f64, f64)> = filers.iter().map(|c| (c.fte, c.fte * c.productivity)).collect();
    let mut previous: Vec<Option<Vec<(&'static str, f64)>>> = vec![None; filers.len()];
    // Value-added rubrics draw from their own stream, so the other figures stay those of the
    // same seed before they were added. Intermediate consumption is a fixed share per filer.
    let mut va_rng = ChaCha8Rng::seed_from_u64(opts.seed ^ 0x5641_4444);
    let consumption_share: Vec<f64> = filers.iter().map(|_| va_rng.random_range(0.45..0.85)).collect();
    let mut reference: u64 = 0;
    let totals_path = out.join("totals/flanders.csv");
    let mut totals = create(&totals_path)?;
    writeln!(totals, "year,measure,value,source").map_err(io(&totals_path))?;
    for year in FIRST_YEAR..=LAST_YEAR {
        let mut sink = AccountSink::new(&dir, year, opts.accounts_format)?;
        let (mut flemish_turnover, mut flemish_fte, mut flemish_investment, mut flemish_value_added) = (0.0, 0.0, 0.0, 0.0);
        for (i, c) in filers.iter().enumerate() {
            if year < c.start_year || year > c.stop_year {
                continue;
            }
            let (fte, turnover) = &mut size[i];
            let shock: f64 = rng.random_range(-0.08..0.08);
            *fte = (*fte * (1.0 + c.growth * 0.6 + shock)).max(0.0);
            *turnover = (*turnover * (1.0 + c.growth + shock + rng.random_range(-0.05..0.05))).max(0.0);
            // 1% of filings are missing (late or never filed).
            if rng.random_bool(0.01) {
                previous[i] = None;
                continue;
            }
            let first_year = year == c.start_year;
            let (start, end) = exercise(year, c.closing_month, first_year, rng);
            let months_factor = months_between(&start, &end) / 12.0;
            let tangible = *turnover * rng.random_range(0.0..0.08) * months_factor;
            let intangible = if rng.random_bool(0.3) { *turnover * rng.random_range(0.0..0.02) * months_factor } else { 0.0 };
            let fte_value = (*fte * 10.0).round() / 10.0;
            let mut values: Vec<(&'static str, f64)> = vec![];
            if c.abbreviated {
                // Turnover is optional in the abbreviated model; some report it anyway.
                if c.reports_turnover {
                    values.push(("70", (*turnover * months_factor).round()));
                }
                if rng.random_bool(0.5) {
                    values.push(("1003", fte_value));
                }
                values.push(("9087", fte_value));
                values.push(("8161", (tangible * 0.4).round()));
                values.push(("8162", (tangible * 0.6).round()));
                values.push(("8029", intangible.round()));
                values.push(("9901", (*turnover * 0.05 * months_factor).round()));
            } else {
                values.push(("70", (*turnover * months_factor).round()));
                values.push(("1003", fte_value));
                values.push(("9087", fte_value));
                values.push(("8169", tangible.round()));
                values.push(("8029", intangible.round()));
                values.push(("9901", (*turnover * 0.05 * months_factor).round()));
            }
            let (value_added, rows) = value_added_rubrics(*turnover * months_factor, consumption_share[i], c.abbreviated, &mut va_rng);
            values.extend(rows);
            if c.region == Region::Flanders {
                flemish_value_added += value_added / months_factor;
                flemish_turnover += *turnover;
                flemish_fte += *fte;
                flemish_investment += tangible + intangible;
            }
            reference += 1;
            let deposit = deposit_date(&end, rng);
            let model = if c.abbreviated { "m02-f" } else { "m01-f" };
            let number = written_number(&c.number, rng);
            let filing = Filing { number: &number, reference: format!("{}-{:08}", &deposit[..4], reference), deposit, start, end, model };
            sink.write(&filing, &values, previous[i].as_deref(), summary)?;
            // 2% are refiled later with corrected figures (the latest deposit must win).
            if rng.random_bool(0.02) {
                reference += 1;
                let corrected: Vec<(&'static str, f64)> = values.iter().map(|(r, v)| (*r, (v * 1.03).round())).collect();
                let refiled = Filing { reference: format!("{}-{:08}", &filing.deposit[..4], reference), deposit: later(&filing.deposit), ..filing };
                sink.write(&refiled, &corrected, previous[i].as_deref(), summary)?;
            }
            previous[i] = Some(values);
        }
        sink.finish()?;
        // Official totals are larger than the micro sum: they include non-filers.
        for (measure, v) in [
            ("turnover_eur", flemish_turnover * 1.25),
            ("fte", flemish_fte * 1.4),
            ("investment_eur", flemish_investment * 1.2),
            ("value_added_eur", flemish_value_added * 1.3),
        ] {
            writeln!(totals, "{year},{measure},{:.0},synthetic official total", v).map_err(io(&totals_path))?;
        }
    }
    totals.flush().map_err(io(&totals_path))?;
    Ok(())
}

/// The rubrics of value added (config/rubric_map.csv): the full model reports operating income
/// 70/76A and its charges 60, 61 (and sometimes non-recurring income 76A, operating subsidies
/// 740, agency-staff costs 1521); the abbreviated model reports the gross margin 9900 instead.
/// Returns the value added these rubrics give and the rubrics.
fn value_added_rubrics(turnover: f64, consumption_share: f64, abbreviated: bool, rng: &mut ChaCha8Rng) -> (f64, Vec<(&'static str, f64)>) {
    let operating_income = turnover * (1.0 + rng.random_range(0.0..0.03));
    let non_recurring = if rng.random_bool(0.1) { turnover * rng.random_range(0.0..0.02) } else { 0.0 };
    let goods = turnover * consumption_share * 0.6 * rng.random_range(0.95..1.05);
    let services = turnover * consumption_share * 0.4 * rng.random_range(0.95..1.05);
    let mut rows = vec![];
    let mut value_added = operating_income - goods - services;
    if abbreviated {
        rows.push(("9900", (operating_income + non_recurring - goods - services).round()));
    } else {
        rows.push(("70/76A", (operating_income + non_recurring).round()));
        rows.push(("60", goods.round()));
        rows.push(("61", services.round()));
        if rng.random_bool(0.1) {
            let subsidies = turnover * rng.random_range(0.0..0.01);
            rows.push(("740", subsidies.round()));
            value_added -= subsidies;
        }
        if rng.random_bool(0.15) {
            let agency_staff = turnover * rng.random_range(0.0..0.02);
            rows.push(("1521", agency_staff.round()));
            value_added += agency_staff;
        }
    }
    if non_recurring > 0.0 {
        rows.push(("76A", non_recurring.round()));
    }
    (value_added, rows)
}

struct Filing<'a> {
    number: &'a str,
    reference: String,
    deposit: String,
    start: String,
    end: String,
    model: &'static str,
}

/// Writes account rows to CSV or Parquet.
enum AccountSink {
    Csv(BufWriter<File>, std::path::PathBuf),
    Parquet(Box<ParquetSink>),
}

struct ParquetSink {
    writer: datafusion::parquet::arrow::ArrowWriter<File>,
    schema: datafusion::arrow::datatypes::SchemaRef,
    rows: [Vec<String>; 9],
}

impl AccountSink {
    fn new(dir: &Path, year: i32, format: AccountsFormat) -> Result<AccountSink> {
        match format {
            AccountsFormat::Csv => {
                let p = dir.join(format!("accounts_{year}.csv"));
                let mut w = create(&p)?;
                writeln!(w, "{}", crate::inputs::accounts::COLUMNS.join(",")).map_err(io(&p))?;
                Ok(AccountSink::Csv(w, p))
            }
            AccountsFormat::Parquet => {
                let p = dir.join(format!("accounts_{year}.parquet"));
                let file = File::create(&p).map_err(io(&p))?;
                let schema = std::sync::Arc::new(datafusion::arrow::datatypes::Schema::new(
                    crate::inputs::accounts::COLUMNS
                        .iter()
                        .map(|c| datafusion::arrow::datatypes::Field::new(*c, datafusion::arrow::datatypes::DataType::Utf8, false))
                        .collect::<Vec<_>>(),
                ));
                let props = datafusion::parquet::file::properties::WriterProperties::builder()
                    .set_compression(datafusion::parquet::basic::Compression::ZSTD(Default::default()))
                    .build();
                let writer = datafusion::parquet::arrow::ArrowWriter::try_new(file, schema.clone(), Some(props))?;
                Ok(AccountSink::Parquet(Box::new(ParquetSink { writer, schema, rows: Default::default() })))
            }
        }
    }

    fn write(&mut self, f: &Filing, values: &[(&'static str, f64)], previous: Option<&[(&'static str, f64)]>, summary: &mut GenerateSummary) -> Result<()> {
        let mut rows: Vec<(&str, &str, f64)> = values.iter().map(|(r, v)| (*r, "N", *v)).collect();
        if let Some(prev) = previous {
            rows.extend(prev.iter().map(|(r, v)| (*r, "NM1", *v)));
        }
        for (rubric, period, value) in rows {
            summary.account_rows += 1;
            let value = if rubric == "1003" || rubric == "9087" { format!("{value:.1}") } else { format!("{value:.0}") };
            match self {
                AccountSink::Csv(w, p) => {
                    writeln!(w, "{},{},{},{},{},{},{rubric},{period},{value}", f.number, f.reference, f.deposit, f.start, f.end, f.model).map_err(io(p))?;
                }
                AccountSink::Parquet(s) => {
                    let fields = [f.number, &f.reference, &f.deposit, &f.start, &f.end, f.model, rubric, period, &value];
                    for (col, v) in s.rows.iter_mut().zip(fields) {
                        col.push(v.to_string());
                    }
                    if s.rows[0].len() >= 65_536 {
                        s.flush()?;
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        match self {
            AccountSink::Csv(mut w, p) => w.flush().map_err(io(&p)),
            AccountSink::Parquet(mut s) => {
                s.flush()?;
                s.writer.close()?;
                Ok(())
            }
        }
    }
}

impl ParquetSink {
    fn flush(&mut self) -> Result<()> {
        use datafusion::arrow::array::{ArrayRef, StringArray};
        if self.rows[0].is_empty() {
            return Ok(());
        }
        let columns: Vec<ArrayRef> = self
            .rows
            .iter_mut()
            .map(|c| std::sync::Arc::new(StringArray::from(std::mem::take(c))) as ArrayRef)
            .collect();
        let batch = datafusion::arrow::array::RecordBatch::try_new(self.schema.clone(), columns)?;
        self.writer.write(&batch)?;
        Ok(())
    }
}

/// Exercise dates: calendar year for most, closing in June or March for some, and a first
/// exercise of 6 to 18 months for new companies.
fn exercise(year: i32, closing_month: u32, first: bool, rng: &mut ChaCha8Rng) -> (String, String) {
    let end = chrono::NaiveDate::from_ymd_opt(year, closing_month, 1).unwrap()
        .checked_add_months(chrono::Months::new(1)).unwrap()
        .pred_opt().unwrap();
    let months = if first { rng.random_range(6..=18) } else { 12 };
    let start = end.succ_opt().unwrap().checked_sub_months(chrono::Months::new(months)).unwrap();
    (start.format("%Y-%m-%d").to_string(), end.format("%Y-%m-%d").to_string())
}

fn months_between(start: &str, end: &str) -> f64 {
    let s = chrono::NaiveDate::parse_from_str(start, "%Y-%m-%d").unwrap();
    let e = chrono::NaiveDate::parse_from_str(end, "%Y-%m-%d").unwrap();
    ((e - s).num_days() + 1) as f64 / (365.25 / 12.0)
}

fn deposit_date(end: &str, rng: &mut ChaCha8Rng) -> String {
    let e = chrono::NaiveDate::parse_from_str(end, "%Y-%m-%d").unwrap();
    (e + chrono::Duration::days(rng.random_range(150..240))).format("%Y-%m-%d").to_string()
}

fn later(date: &str) -> String {
    let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    (d + chrono::Duration::days(90)).format("%Y-%m-%d").to_string()
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

fn write_clusters(out: &Path, companies: &[Company], scale: f64, rng: &mut ChaCha8Rng, summary: &mut GenerateSummary) -> Result<()> {
    let p = out.join("clusters/clusters.csv");
    let mut w = create(&p)?;
    writeln!(w, "cluster_id,name,support_start,support_end").map_err(io(&p))?;
    for (id, name, _) in CLUSTERS {
        writeln!(w, "{id},\"{name}\",2017-01-01,").map_err(io(&p))?;
    }
    w.flush().map_err(io(&p))?;

    // Members are mostly Flemish filers, larger firms more often; some from Brussels and
    // Wallonia, a few that have since stopped (no longer in the register).
    let flemish: Vec<usize> = (0..companies.len()).filter(|&i| companies[i].filer && companies[i].in_register && companies[i].region == Region::Flanders).collect();
    let elsewhere: Vec<usize> = (0..companies.len()).filter(|&i| companies[i].filer && companies[i].in_register && companies[i].region != Region::Flanders).collect();
    let ceased: Vec<usize> = (0..companies.len()).filter(|&i| !companies[i].in_register).collect();
    let p = out.join("clusters/members.csv");
    let mut w = create(&p)?;
    writeln!(w, "cluster_id,enterprise_number,member_from,member_to").map_err(io(&p))?;
    let size_factor = (scale * 100.0).min(1.0);
    let mut previous_cluster: Vec<usize> = vec![];
    for (id, _, full_size) in CLUSTERS {
        let n = ((full_size as f64 * size_factor).round() as usize).max(8);
        let mut chosen = std::collections::BTreeSet::new();
        // Overlap: about 10% of members also sit in the previous cluster.
        for &i in previous_cluster.iter().take(n / 10) {
            chosen.insert(i);
        }
        let mut guard = 0;
        while chosen.len() < n && guard < n * 50 {
            guard += 1;
            let pool = match rng.random_range(0..100) {
                0..=84 => &flemish,
                85..=96 => &elsewhere,
                _ => &ceased,
            };
            if pool.is_empty() {
                continue;
            }
            let i = *pick(pool, rng);
            // Larger companies join clusters more often.
            if rng.random_bool((0.15 + companies[i].fte / 100.0).min(1.0)) {
                chosen.insert(i);
            }
        }
        for &i in &chosen {
            let c = &companies[i];
            let from_year = rng.random_range(2012..=2024);
            let from = if rng.random_bool(0.3) { String::new() } else { format!("{from_year}-{:02}-01", rng.random_range(1..=12)) };
            let to = if rng.random_bool(0.1) { format!("{}-12-31", rng.random_range(from_year..=2025)) } else { String::new() };
            writeln!(w, "{id},{},{from},{to}", written_number(&c.number, rng)).map_err(io(&p))?;
            summary.member_rows += 1;
        }
        // Every list has one number with a typo in its check digits.
        if let Some(&i) = chosen.iter().next() {
            let digits: String = companies[i].number.chars().filter(char::is_ascii_digit).collect();
            let last: u32 = digits[9..].parse().unwrap();
            writeln!(w, "{id},{}{},,", &digits[..9], (last + 1) % 10).map_err(io(&p))?;
            summary.member_rows += 1;
        }
        previous_cluster = chosen.into_iter().collect();
    }
    w.flush().map_err(io(&p))?;
    Ok(())
}

/// Zips the KBO CSVs the way the FPS Economy publishes them.
fn zip_folder(dir: &Path, zip_path: &Path) -> Result<()> {
    let file = File::create(zip_path).map_err(io(zip_path))?;
    let mut zip = zip::ZipWriter::new(BufWriter::new(file));
    // A fixed timestamp keeps the zip byte-identical for the same seed.
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::from_date_and_time(2025, 1, 6, 7, 40, 18).unwrap());
    for f in ["meta.csv", "code.csv", "enterprise.csv", "establishment.csv", "activity.csv", "address.csv"] {
        zip.start_file(f, options).map_err(|e| CpiError::Internal(format!("zip: {e}")))?;
        let mut src = File::open(dir.join(f)).map_err(io(&dir.join(f)))?;
        std::io::copy(&mut src, &mut zip).map_err(io(zip_path))?;
    }
    zip.finish().map_err(|e| CpiError::Internal(format!("zip: {e}")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enterprise_number::normalise;

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
