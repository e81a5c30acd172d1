//! For `cpi validate`: register candidates for a member listed by name without an enterprise
//! number, for a person to check. A number is never assigned automatically: the row stays
//! rejected (`no_enterprise_number`) until someone writes the number in the list.
//!
//! Names are compared after normalisation (sheet::normalised_name, legal-form words such as
//! `nv`, `bv`, `sa`, `srl`, `vzw` dropped): a denomination equal to the listed name ranks first,
//! then one that contains all its words; among those, an enterprise whose registered seat has
//! the row's postcode ranks before the others. Up to three candidates per row.

use std::collections::HashMap;
use std::path::Path;

use super::csv_file::for_each_row;
use super::members::Unnumbered;
use super::sheet::normalised_name;
use crate::error::{CpiError, Result};

const LEGAL_FORM_WORDS: [&str; 16] = ["nv", "bv", "bvba", "cv", "cvba", "vof", "commv", "vzw", "sa", "srl", "sprl", "sc", "scrl", "scs", "asbl", "snc"];

/// A register enterprise suggested for a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub enterprise_number: String,
    pub denomination: String,
    pub seat_postcode: Option<String>,
}

fn words(name: &str) -> Vec<String> {
    normalised_name(name).split(' ').filter(|w| !w.is_empty() && !LEGAL_FORM_WORDS.contains(w)).map(str::to_string).collect()
}

/// Candidates for each row of `rows`, from the register's denomination.csv and address.csv.
pub fn find(denomination: &Path, address: Option<&Path>, rows: &[Unnumbered]) -> Result<Vec<Vec<Candidate>>> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let wanted: Vec<Vec<String>> = rows.iter().map(|r| words(&r.name)).collect();
    // (row, score, enterprise number, denomination) of every denomination that matches a row.
    let mut hits: Vec<(usize, u8, String, String)> = vec![];
    let name = denomination.display().to_string();
    let bytes = std::fs::read(denomination).map_err(|e| CpiError::io(&name, e))?;
    for_each_row(&name, &bytes, &["entitynumber", "denomination"], |row| {
        let (Some(number), Some(text)) = (row.get("entitynumber"), row.get("denomination")) else { return Ok(()) };
        // Enterprises only (establishment units have denominations of their own).
        if !number.starts_with('0') && !number.starts_with('1') {
            return Ok(());
        }
        let have = words(text);
        for (i, want) in wanted.iter().enumerate() {
            let score = if *want == have {
                2
            } else if !want.is_empty() && want.iter().all(|w| have.contains(w)) {
                1
            } else {
                continue;
            };
            hits.push((i, score, number.to_string(), text.to_string()));
        }
        Ok(())
    })?;
    let mut seats: HashMap<String, String> = HashMap::new();
    if let Some(address) = address {
        let name = address.display().to_string();
        let bytes = std::fs::read(address).map_err(|e| CpiError::io(&name, e))?;
        let numbers: std::collections::HashSet<&str> = hits.iter().map(|h| h.2.as_str()).collect();
        for_each_row(&name, &bytes, &["entitynumber", "typeofaddress", "zipcode"], |row| {
            if let (Some(n), Some("REGO"), Some(zip)) = (row.get("entitynumber"), row.get("typeofaddress"), row.get("zipcode")) {
                if numbers.contains(n) {
                    seats.insert(n.to_string(), zip.to_string());
                }
            }
            Ok(())
        })?;
    }
    let mut out = vec![vec![]; rows.len()];
    hits.sort_by(|a, b| {
        let postcode_match = |h: &(usize, u8, String, String)| rows[h.0].postcode.is_some() && seats.get(&h.2) == rows[h.0].postcode.as_ref();
        (a.0, std::cmp::Reverse(a.1), std::cmp::Reverse(postcode_match(a)), &a.2).cmp(&(b.0, std::cmp::Reverse(b.1), std::cmp::Reverse(postcode_match(b)), &b.2))
    });
    for (i, _, number, text) in hits {
        let list: &mut Vec<Candidate> = &mut out[i];
        if list.len() < 3 && !list.iter().any(|c| c.enterprise_number == number) {
            list.push(Candidate { seat_postcode: seats.get(&number).cloned(), enterprise_number: number, denomination: text });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_names_first_then_all_words_then_the_postcode() {
        let dir = tempfile::tempdir().unwrap();
        let (d, a) = (dir.path().join("denomination.csv"), dir.path().join("address.csv"));
        std::fs::write(
            &d,
            "\"EntityNumber\",\"Language\",\"TypeOfDenomination\",\"Denomination\"\n\
             \"0200.000.142\",\"2\",\"001\",\"Nieuwe Firma Antwerpen\"\n\
             \"0200.000.241\",\"2\",\"001\",\"NIEUWE FIRMA NV\"\n\
             \"0200.000.340\",\"2\",\"001\",\"Nieuwe Firma Gent\"\n\
             \"0200.000.439\",\"2\",\"001\",\"Andere Firma\"\n\
             \"2.000.000.042\",\"2\",\"001\",\"Nieuwe Firma\"\n",
        )
        .unwrap();
        std::fs::write(&a, "\"EntityNumber\",\"TypeOfAddress\",\"Zipcode\"\n\"0200.000.340\",\"REGO\",\"9000\"\n\"0200.000.142\",\"REGO\",\"2000\"\n").unwrap();
        let row = Unnumbered { file: "m.csv".into(), line: 5, name: "Nieuwe Firma".into(), postcode: Some("9000".into()) };
        let found = find(&d, Some(&a), &[row]).unwrap();
        let numbers: Vec<&str> = found[0].iter().map(|c| c.enterprise_number.as_str()).collect();
        // "NIEUWE FIRMA NV" equals the name without its legal form; then the one in 9000; the
        // establishment's denomination is not an enterprise's.
        assert_eq!(numbers, ["0200.000.241", "0200.000.340", "0200.000.142"]);
        assert_eq!(found[0][1].seat_postcode.as_deref(), Some("9000"));
    }
}
