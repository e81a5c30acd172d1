//! The KBO/BCE Open Data extract: enterprise, establishment, activity and address rows, meta.csv,
//! the real code.csv, and the zip as the FPS Economy publishes it.

use std::fs::File;
use std::io::BufWriter;
use std::io::Write;
use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use cpi::error::{CpiError, Result};

use super::*;

/// The KBO CSVs in the published dialect: `"`-quoted text, unquoted `dd-mm-yyyy` dates.
pub(super) fn write_register(
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
    // Names (denomination.csv): `cpi validate` looks up members listed by name only.
    let pd = dir.join("denomination.csv");
    let mut den = create(&pd)?;
    writeln!(den, "\"EntityNumber\",\"Language\",\"TypeOfDenomination\",\"Denomination\"").map_err(io(&pd))?;
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
        writeln!(den, "\"{}\",\"2\",\"001\",\"{}\"", c.number, super::clusters::company_name(&c.number)).map_err(io(&pd))?;
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
    for (w, p) in [(&mut ent, &pe), (&mut addr, &pa), (&mut act, &pac), (&mut est, &ps), (&mut den, &pd)] {
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

/// Zips the KBO CSVs the way the FPS Economy publishes them.
pub(super) fn zip_folder(dir: &Path, zip_path: &Path) -> Result<()> {
    let file = File::create(zip_path).map_err(io(zip_path))?;
    let mut zip = zip::ZipWriter::new(BufWriter::new(file));
    // A fixed timestamp keeps the zip byte-identical for the same seed.
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::from_date_and_time(2025, 1, 6, 7, 40, 18).unwrap());
    for f in ["meta.csv", "code.csv", "enterprise.csv", "establishment.csv", "activity.csv", "address.csv", "denomination.csv"] {
        zip.start_file(f, options).map_err(|e| CpiError::Internal(format!("zip: {e}")))?;
        let mut src = File::open(dir.join(f)).map_err(io(&dir.join(f)))?;
        std::io::copy(&mut src, &mut zip).map_err(io(zip_path))?;
    }
    zip.finish().map_err(|e| CpiError::Internal(format!("zip: {e}")))?;
    Ok(())
}
