//! The clusters and their member lists, written in every notation the clusters use.

use std::io::Write;
use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use cpi::error::Result;

use super::*;

pub(super) fn write_clusters(out: &Path, companies: &[Company], scale: f64, rng: &mut ChaCha8Rng, summary: &mut GenerateSummary) -> Result<()> {
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
