//! The clusters and their members, drawn to reproduce the only published profile of the real
//! members: the Steunpunt STORE analysis of the members at the start of 2018, in the 2020
//! evaluation of the spearhead clusters by IDEA Consult and Technopolis (section 3.1):
//! - 1,148 companies in the five clusters then analysed, 1,488 in 2019 (here about 1,500 listed
//!   companies at F = 1.0, scaled with F); about 5 % are members of two or more clusters;
//! - 44.5 % industry (NACE sections B–F), 35.5 % services, 19.3 % trade (G), 0.6 % primary (A);
//! - 81 % SMEs (fewer than 250 employees), but the large companies hold 82 % of the members'
//!   employment and value added;
//! - together 12 % of Flemish employment and 15 % of Flemish value added: value added per FTE
//!   128,000 euro against 103,000 euro for Flanders (1.24 times);
//! - members were more productive and grew their productivity faster already before the
//!   clusters: they select themselves.
//!
//! The members' sizes, sectors, productivity and growth are drawn here, before the register and
//! the accounts are written, so that both show the profile. `ci/member_profile.py` measures it
//! on a run's outputs (BENCHMARKS.md).
//!
//! The lists are written as cluster offices keep them: `clusters/members.csv`, or with
//! `--members-format spreadsheets` one list per cluster named after it (`FOOD.xlsx`, or a
//! `;`-separated CSV in Windows-1252), Dutch headers, a title row, numbers in every notation.
//! Every list has planted problems: one number with a typo in its check digits, one member
//! given by name only, and (spreadsheets) one given by an establishment unit number.

use std::io::Write;
use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use cpi::error::{CpiError, Result};

use super::*;

/// The seven spearhead clusters and their weight among the listings (Flanders' FOOD and VIL the
/// largest, MEDVIA the smallest).
pub(super) const CLUSTERS: [(&str, &str, f64); 7] = [
    ("CATALISTI", "Catalisti", 130.0),
    ("FLUX50", "Flux50", 250.0),
    ("SIM", "SIM", 180.0),
    ("VIL", "VIL", 330.0),
    ("FOOD", "Flanders' FOOD", 420.0),
    ("DBC", "De Blauwe Cluster", 200.0),
    ("MEDVIA", "MEDVIA", 60.0),
];
/// Listed companies at F = 1.0 (each once), before some leave or join after the cohort date.
const MEMBERS_AT_FULL_SIZE: f64 = 1_500.0;
/// Members' productivity against non-members' when the accounts start (2015). To be 1.24 times
/// the Flemish average when they hold about 12 % of Flemish employment they need 1.28 times the
/// non-members' (0.88 n + 0.12 m = m / 1.24); their productivity grows about 2.4 % a year faster
/// (0.4 times their 6 points higher growth, the rest of which is FTE), which gives that by the
/// reference year: they start level.
const MEMBER_PRODUCTIVITY: f64 = 1.0;
/// Members' sizes when the accounts start (2015): they grow about 5 % a year in FTE, so they
/// start smaller than the sizes they should have in the base year of 2024 (2021); 1 / 1.85 puts
/// their share of Flemish FTE near STORE's 12 %.
const MEMBER_SIZE_AT_START: f64 = 1.0 / 1.85;

/// One line of a member list.
pub(super) struct Listing {
    pub cluster: usize,
    pub company: usize,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// A NACE 2025 code of the given sector (STORE's grouping of sections).
fn code_of_sector(sector: usize, nace: &NaceCodes, rng: &mut ChaCha8Rng) -> String {
    // Divisions of NACE 2025: A 01-03; B-F 05-43; G 46-47; services 49-99 (config/nace_sections.csv).
    let in_sector = |code: &&String| {
        let d: u32 = code[..2].parse().unwrap_or(0);
        match sector {
            0 => d <= 3,
            1 => (5..=43).contains(&d),
            2 => (46..=47).contains(&d),
            _ => d >= 49,
        }
    };
    let codes: Vec<&String> = nace.v2025.iter().filter(in_sector).collect();
    codes[rng.random_range(0..codes.len())].clone()
}

/// Picks the members and gives them the published profile; returns the member lists' rows.
pub(super) fn choose_members(companies: &mut [Company], scale: f64, nace: &NaceCodes, rng: &mut ChaCha8Rng) -> Vec<Listing> {
    let n = ((MEMBERS_AT_FULL_SIZE * scale).round() as usize).max(40);
    // Mostly Flemish filers in the register; a few seated elsewhere, a few stopped since.
    let pool = |f: &dyn Fn(&Company) -> bool| (0..companies.len()).filter(|&i| companies[i].filer && f(&companies[i])).collect::<Vec<_>>();
    let flemish = pool(&|c| c.in_register && c.region == Region::Flanders);
    let elsewhere = pool(&|c| c.in_register && c.region != Region::Flanders);
    let ceased = pool(&|c| !c.in_register);
    let mut chosen = std::collections::BTreeSet::new();
    let mut guard = 0;
    while chosen.len() < n && guard < n * 100 {
        guard += 1;
        let from = match rng.random_range(0..100) {
            0..=91 => &flemish,
            92..=97 => &elsewhere,
            _ => &ceased,
        };
        if !from.is_empty() {
            chosen.insert(from[rng.random_range(0..from.len())]);
        }
    }
    let weights: Vec<f64> = CLUSTERS.iter().map(|c| c.2).collect();
    let total: f64 = weights.iter().sum();
    // Each company's own cluster and sector: as many per cluster and sector as the weights say,
    // in random order, so that the relative sizes hold at any scale.
    let own = allocate(&weights, chosen.len(), rng);
    let draw_cluster = |rng: &mut ChaCha8Rng| {
        let mut x = rng.random_range(0.0..total);
        weights.iter().position(|w| {
            x -= w;
            x < 0.0
        }).unwrap_or(weights.len() - 1)
    };
    let sectors = allocate(&[6.0, 445.0, 193.0, 356.0], chosen.len(), rng);
    let large = allocate(&[81.0, 19.0], chosen.len(), rng);
    let mut listings = vec![];
    for (k, &i) in chosen.iter().enumerate() {
        let c = &mut companies[i];
        // 19 % large and 81 % SMEs (fewer than 250 FTE), at the base year's size: large ones
        // log-uniform between 250 and 2,500 FTE (mean about 980), SMEs between 2 and 249 (mean
        // about 51), so that the large ones hold about 82 % of the members' FTE (0.19 x 980
        // against 0.81 x 51). Bounded, not heavy-tailed: a handful of giants would make every
        // share of a run depend on which companies they are.
        let log_uniform = |rng: &mut ChaCha8Rng, low: f64, high: f64| (low.ln() + rng.random::<f64>() * (high / low).ln()).exp();
        if large[k] == 1 {
            c.fte = log_uniform(rng, 250.0, 2_500.0) * MEMBER_SIZE_AT_START;
            c.abbreviated = false;
        } else {
            c.fte = log_uniform(rng, 2.0, 249.0) * MEMBER_SIZE_AT_START;
            c.abbreviated = c.fte < 50.0 && rng.random_bool(0.7);
        }
        // STORE: 0.6 % primary, 44.5 % industry, 19.3 % trade, 35.6 % services.
        let sector = sectors[k];
        c.nace2025 = code_of_sector(sector, nace, rng);
        // Around the population's mean productivity (60,000 x 3 euro of turnover per FTE), less
        // spread, times the members' advantage.
        c.productivity = 60_000.0 * (2.2 + 1.6 * rng.random::<f64>()) * MEMBER_PRODUCTIVITY;
        // Members grow faster, before and after they join.
        c.growth = rng.random_range(0.02..0.16);
        c.start_year = c.start_year.min(2012);
        let first = own[k];
        let mut clusters = vec![first];
        // Every twentieth company is listed by a second cluster too: 5 %.
        if k % 20 == 10 {
            let second = (1..8).map(|_| draw_cluster(rng)).find(|k| *k != first);
            clusters.extend(second);
        }
        // A quarter without a start date; some joined during the reference year (after the
        // cohort date), some left before it. A second cluster lists the company over the same
        // period.
        let from_year = rng.random_range(2012..=2024);
        let from = (!rng.random_bool(0.25)).then(|| format!("{from_year}-{:02}-{:02}", rng.random_range(1..=12), rng.random_range(1..=28)));
        let to = (rng.random_bool(0.08) && from_year <= 2023).then(|| format!("{}-12-31", rng.random_range(from_year.max(2015)..=2023)));
        for cluster in clusters {
            listings.push(Listing { cluster, company: i, from: from.clone(), to: to.clone() });
        }
    }
    listings
}

/// `n` categories for `n` items in proportion to `weights` (largest remainders), shuffled.
fn allocate(weights: &[f64], n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let total: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| w / total * n as f64).collect();
    let mut counts: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut by_remainder: Vec<usize> = (0..counts.len()).collect();
    by_remainder.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    for &k in by_remainder.iter().take(n - counts.iter().sum::<usize>()) {
        counts[k] += 1;
    }
    let mut out: Vec<usize> = counts.iter().enumerate().flat_map(|(k, &c)| std::iter::repeat_n(k, c)).collect();
    for j in (1..out.len()).rev() {
        out.swap(j, rng.random_range(0..=j));
    }
    out
}

/// A company's name in the register (denomination.csv) and in the lists.
pub(super) fn company_name(number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    format!("Bedrijf {} NV", &digits[2..8])
}

pub(super) fn write_clusters(out: &Path, companies: &[Company], listings: &[Listing], format: MembersFormat, rng: &mut ChaCha8Rng, summary: &mut GenerateSummary) -> Result<()> {
    let p = out.join("clusters/clusters.csv");
    let mut w = create(&p)?;
    writeln!(w, "cluster_id,name,support_start,support_end").map_err(io(&p))?;
    for (id, name, _) in CLUSTERS {
        writeln!(w, "{id},\"{name}\",2017-01-01,").map_err(io(&p))?;
    }
    w.flush().map_err(io(&p))?;
    // Each cluster's rows, in company order, then its planted problems.
    let mut lists: Vec<Vec<[String; 4]>> = vec![vec![]; CLUSTERS.len()];
    for l in listings {
        let c = &companies[l.company];
        lists[l.cluster].push([written_number(&c.number, rng), l.from.clone().unwrap_or_default(), l.to.clone().unwrap_or_default(), company_name(&c.number)]);
    }
    for list in lists.iter_mut() {
        if let Some(first) = list.first().cloned() {
            let digits: String = first[0].chars().filter(char::is_ascii_digit).collect::<String>();
            let digits = format!("{digits:0>10}");
            let last: u32 = digits[9..].parse().unwrap_or(0);
            // A typo in the check digits, and a member given by name only.
            list.push([format!("{}{}", &digits[..9], (last + 1) % 10), String::new(), String::new(), "Typo BV".into()]);
            list.push([String::new(), "2020-01-01".into(), String::new(), first[3].clone()]);
        }
    }
    match format {
        MembersFormat::Csv => {
            let p = out.join("clusters/members.csv");
            let mut w = create(&p)?;
            writeln!(w, "cluster_id,enterprise_number,member_from,member_to,name").map_err(io(&p))?;
            for ((id, _, _), list) in CLUSTERS.iter().zip(&lists) {
                for [number, from, to, name] in list {
                    writeln!(w, "{id},{number},{from},{to},\"{name}\"").map_err(io(&p))?;
                    summary.member_rows += 1;
                }
            }
            w.flush().map_err(io(&p))?;
        }
        MembersFormat::Spreadsheets => {
            for (k, ((id, name, _), list)) in CLUSTERS.iter().zip(&lists).enumerate() {
                summary.member_rows += list.len();
                if k % 2 == 0 {
                    write_xlsx(&out.join(format!("clusters/members/{id}.xlsx")), name, list)?;
                } else {
                    write_latin1_csv(&out.join(format!("clusters/members/{id}.csv")), name, list)?;
                }
            }
        }
    }
    Ok(())
}

/// Which way to write the member lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembersFormat {
    /// One `clusters/members.csv` with every cluster.
    Csv,
    /// One list per cluster as its office keeps it: `.xlsx`, or `;`-separated Windows-1252 CSV.
    Spreadsheets,
}

/// A dd/mm/yyyy date of a yyyy-mm-dd one (as a Belgian spreadsheet shows it).
fn belgian(date: &str) -> String {
    match date.split('-').collect::<Vec<_>>().as_slice() {
        [y, m, d] => format!("{d}/{m}/{y}"),
        _ => String::new(),
    }
}

fn write_xlsx(path: &Path, cluster: &str, list: &[[String; 4]]) -> Result<()> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| CpiError::Internal(format!("{}: {e}", path.display()));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Leden").map_err(fail)?;
    sheet.write_string(0, 0, format!("Ledenlijst {cluster}")).map_err(fail)?;
    for (c, h) in ["Naam", "Ondernemingsnummer", "Lid sinds", "Lid tot"].iter().enumerate() {
        sheet.write_string(2, c as u16, *h).map_err(fail)?;
    }
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    for (i, [number, from, to, name]) in list.iter().enumerate() {
        let row = 3 + i as u32;
        sheet.write_string(row, 0, name).map_err(fail)?;
        // A number without notation is typed as a number: the spreadsheet drops its leading zero.
        match number.parse::<f64>() {
            Ok(n) if !number.contains('.') => sheet.write_number(row, 1, n).map(|_| ()).map_err(fail)?,
            _ => sheet.write_string(row, 1, number).map(|_| ()).map_err(fail)?,
        }
        for (col, date) in [(2u16, from), (3u16, to)] {
            let p: Vec<u16> = date.split('-').filter_map(|x| x.parse().ok()).collect();
            if let [y, m, d] = p[..] {
                let date = ExcelDateTime::from_ymd(y, m as u8, d as u8).map_err(fail)?;
                sheet.write_datetime_with_format(row, col, &date, &date_format).map_err(fail)?;
            }
        }
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    book.save(path).map_err(fail)
}

/// A CSV as a Belgian-locale spreadsheet saves it: `;`, dd/mm/yyyy, Windows-1252.
fn write_latin1_csv(path: &Path, cluster: &str, list: &[[String; 4]]) -> Result<()> {
    let mut text = format!("Ledenlijst {cluster};;;\nNaam;Numéro d'entreprise;Lid sinds;Lid tot\n");
    for [number, from, to, name] in list {
        text.push_str(&format!("{name};{number};{};{}\n", belgian(from), belgian(to)));
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    std::fs::write(path, bytes).map_err(io(path))
}
