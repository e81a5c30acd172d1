//! What must hold whenever the inputs are usable, checked after the method ran and before
//! anything is published. A failed guard stops the run with [`CpiError::Invariant`] (exit code
//! 5), naming the invariant, the counts and the input files concerned: the numbers such a run
//! would publish cannot be right (a register that matches no filer makes every company "absent
//! from the register" and every benchmark empty, and the run would otherwise succeed).
//!
//! Each guard, its exit code and its test are listed in README.md ("Exit codes" and
//! "Guarantees"). The counts come from manifest.json's `input_rows` and `method_counts` (step
//! 20's common counts, step 85's per-year counts prefixed with the year) and from the staged
//! tables themselves.

use std::collections::BTreeMap;

use crate::error::{CpiError, Result};
use crate::lineage::FileCounts;

/// The facts the guards look at.
pub struct Facts<'a> {
    pub input_rows: &'a [FileCounts],
    /// Common counts by name, and per-year counts as `<year>.<name>`.
    pub counts: &'a BTreeMap<String, i64>,
    pub years: &'a [i32],
    /// Rows of the reject table (every reject of every reader).
    pub rejects: u64,
    /// Rows of the staged tables `account_filings` and `members`.
    pub staged_rows: &'a BTreeMap<&'static str, u64>,
}

/// The guards, in the order they are checked: (name, what it says). README lists the same.
pub const GUARDS: [(&str, &str); 7] = [
    ("rows_reconcile", "every input file: rows read = rows used + rows rejected, and every reject belongs to a file read"),
    ("staged_tables_filled", "an input with rows used gives a staged table with rows (account filings, members)"),
    ("register_has_companies", "a register extract with enterprise rows gives companies in the register, some of them seated in Flanders"),
    ("register_matches_filers", "a register with companies holds at least one of the companies that filed accounts"),
    ("register_matches_members", "a register with companies holds at least one member on each cohort date that has members"),
    ("accounts_give_figures", "account rows used give annual figures"),
    ("benchmarks_have_companies", "a Flemish benchmark is not empty while companies seated in Flanders have the indicator's figures"),
];

pub fn check(facts: &Facts) -> Result<()> {
    let count = |name: &str| facts.counts.get(name).copied().unwrap_or(0);
    let files = |kind: fn(&str) -> bool| -> Vec<&FileCounts> { facts.input_rows.iter().filter(|f| kind(&f.file)).collect() };
    let names = |files: &[&FileCounts]| files.iter().map(|f| f.file.as_str()).collect::<Vec<_>>().join(", ");
    let used = |files: &[&FileCounts]| files.iter().map(|f| f.rows_used).sum::<u64>();
    let fail = |name: &'static str, message: String| Err(CpiError::Invariant { name, message });

    // rows_reconcile
    for f in facts.input_rows {
        if f.rows_read != f.rows_used + f.rows_rejected {
            return fail("rows_reconcile", format!("{}: {} rows read, {} used + {} rejected", f.file, f.rows_read, f.rows_used, f.rows_rejected));
        }
    }
    let rejected: u64 = facts.input_rows.iter().map(|f| f.rows_rejected).sum();
    if rejected != facts.rejects {
        return fail("rows_reconcile", format!("{} rejected rows in the reject table, {rejected} counted against the files read", facts.rejects));
    }

    // staged_tables_filled
    let accounts = files(is_account_file);
    let members = files(is_member_file);
    for (table, inputs) in [("account_filings", &accounts), ("members", &members)] {
        let rows = facts.staged_rows.get(table).copied().unwrap_or(0);
        if used(inputs) > 0 && rows == 0 {
            return fail("staged_tables_filled", format!("{} rows used from {} but the staged table {table} is empty", used(inputs), names(inputs)));
        }
    }

    // register_has_companies
    let register = files(is_register_enterprise_file);
    let in_register = count("companies_in_register");
    if used(&register) > 0 && in_register == 0 {
        return fail("register_has_companies", format!("{} enterprise rows in {} give 0 companies in the register", used(&register), names(&register)));
    }
    if in_register > 0 && count("companies_seated_in_flanders") == 0 {
        return fail(
            "register_has_companies",
            format!("none of the {in_register} companies in the register ({}) is seated in Flanders: is the extract's address.csv complete?", names(&register)),
        );
    }

    // register_matches_filers
    let filing = count("companies_filing");
    let filing_absent = count("companies_filing_not_in_register");
    if in_register > 0 && filing > 0 && filing == filing_absent {
        return fail(
            "register_matches_filers",
            format!(
                "the register ({}: {in_register} companies) holds none of the {filing} companies that filed accounts ({}): \
                 are the extract and the account deliveries of the same country, and their enterprise numbers read alike?",
                names(&register),
                names(&accounts)
            ),
        );
    }

    // register_matches_members
    for year in facts.years {
        let listed = count(&format!("{year}.cohort_members"));
        if in_register > 0 && listed > 0 && count(&format!("{year}.cohort_members_in_register")) == 0 {
            return fail(
                "register_matches_members",
                format!(
                    "the register ({}: {in_register} companies) holds none of the {listed} members on the cohort date of {year} ({}): \
                     are the member lists' enterprise numbers right?",
                    names(&register),
                    names(&members)
                ),
            );
        }
    }

    // accounts_give_figures
    if used(&accounts) > 0 && count("company_years_with_figures") == 0 {
        return fail("accounts_give_figures", format!("{} account rows used from {} give no annual figures", used(&accounts), names(&accounts)));
    }

    // benchmarks_have_companies
    for year in facts.years {
        for indicator in ["cpi6", "cpi7", "cpi8"] {
            let flemish = count(&format!("{year}.{indicator}_flemish_companies"));
            let benchmark = count(&format!("{year}.{indicator}_benchmark_firms"));
            if flemish > 0 && benchmark == 0 {
                return fail(
                    "benchmarks_have_companies",
                    format!(
                        "reference year {year}: {flemish} companies seated in Flanders have {indicator}'s figures, but its Flemish benchmark has none: \
                         does the population table (config population.csv) admit any of their legal forms?"
                    ),
                );
            }
        }
    }
    Ok(())
}

fn is_account_file(file: &str) -> bool {
    file.starts_with("accounts/")
}

fn is_member_file(file: &str) -> bool {
    file.starts_with("clusters/") && !file.ends_with("clusters/clusters.csv")
}

/// kbo/enterprise.csv, or the extract zip's member `...zip:enterprise.csv`.
fn is_register_enterprise_file(file: &str) -> bool {
    file.starts_with("kbo/") && (file.ends_with("/enterprise.csv") || file.ends_with(":enterprise.csv"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(file: &str, read: u64, rejected: u64) -> FileCounts {
        FileCounts { file: file.into(), rows_read: read, rows_used: read - rejected, rows_rejected: rejected }
    }

    /// A usable run: every guard holds. Each test below breaks one count.
    fn usable() -> (Vec<FileCounts>, BTreeMap<String, i64>, BTreeMap<&'static str, u64>) {
        let rows = vec![
            file("accounts/a.csv", 10, 2),
            file("clusters/members.csv", 3, 0),
            file("clusters/clusters.csv", 7, 0),
            file("kbo/KboOpenData_0140_2025_01_05_Full.zip:enterprise.csv", 5, 0),
        ];
        let counts = [
            ("companies_in_register", 5),
            ("companies_seated_in_flanders", 3),
            ("companies_filing", 4),
            ("companies_filing_not_in_register", 3),
            ("company_years_with_figures", 8),
            ("2024.cohort_members", 2),
            ("2024.cohort_members_in_register", 1),
            ("2024.cpi6_flemish_companies", 1),
            ("2024.cpi6_benchmark_firms", 1),
            ("2024.cpi7_flemish_companies", 1),
            ("2024.cpi7_benchmark_firms", 1),
            ("2024.cpi8_flemish_companies", 0),
            ("2024.cpi8_benchmark_firms", 0),
        ];
        let counts = counts.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        (rows, counts, BTreeMap::from([("account_filings", 4), ("members", 3)]))
    }

    fn checked(rows: &[FileCounts], counts: &BTreeMap<String, i64>, staged: &BTreeMap<&'static str, u64>, rejects: u64) -> Result<()> {
        check(&Facts { input_rows: rows, counts, years: &[2024], rejects, staged_rows: staged })
    }

    fn failed(result: Result<()>) -> (&'static str, String) {
        match result {
            Err(CpiError::Invariant { name, message }) => (name, message),
            other => panic!("expected a failed invariant, got {other:?}"),
        }
    }

    #[test]
    fn a_usable_run_passes_every_guard() {
        let (rows, counts, staged) = usable();
        checked(&rows, &counts, &staged, 2).unwrap();
    }

    #[test]
    fn each_guard_stops_the_run_it_is_about() {
        let (rows, counts, staged) = usable();
        let set = |name: &str, value: i64| {
            let mut c = counts.clone();
            c.insert(name.to_string(), value);
            c
        };
        // Rejects that no file accounts for.
        assert_eq!(failed(checked(&rows, &counts, &staged, 3)).0, "rows_reconcile");
        let mut broken = rows.clone();
        broken[0].rows_used = 9;
        assert_eq!(failed(checked(&broken, &counts, &staged, 2)).0, "rows_reconcile");
        // An empty staged table from an input with rows used.
        let (name, message) = failed(checked(&rows, &counts, &BTreeMap::from([("account_filings", 0), ("members", 3)]), 2));
        assert_eq!(name, "staged_tables_filled");
        assert!(message.contains("accounts/a.csv") && message.contains("account_filings"), "{message}");
        assert_eq!(failed(checked(&rows, &counts, &BTreeMap::from([("account_filings", 4), ("members", 0)]), 2)).0, "staged_tables_filled");
        // A register read as empty, or with no Flemish seat.
        let (name, message) = failed(checked(&rows, &set("companies_in_register", 0), &staged, 2));
        assert_eq!(name, "register_has_companies");
        assert!(message.contains("enterprise.csv"), "{message}");
        assert_eq!(failed(checked(&rows, &set("companies_seated_in_flanders", 0), &staged, 2)).0, "register_has_companies");
        // Every filer absent from the register (4 of 4), at the boundary: 3 of 4 passes above.
        let (name, message) = failed(checked(&rows, &set("companies_filing_not_in_register", 4), &staged, 2));
        assert_eq!(name, "register_matches_filers");
        assert!(message.contains("4 companies that filed") && message.contains("accounts/a.csv") && message.contains("5 companies"), "{message}");
        // No member on the cohort date in the register (1 of 2 passes above).
        let (name, message) = failed(checked(&rows, &set("2024.cohort_members_in_register", 0), &staged, 2));
        assert_eq!(name, "register_matches_members");
        assert!(message.contains("2 members") && message.contains("clusters/members.csv") && !message.contains("clusters.csv,"), "{message}");
        // Account rows and no figures.
        assert_eq!(failed(checked(&rows, &set("company_years_with_figures", 0), &staged, 2)).0, "accounts_give_figures");
        // A benchmark without companies while Flemish companies have figures (CPI 8 has neither
        // above, which is allowed).
        let (name, message) = failed(checked(&rows, &set("2024.cpi7_benchmark_firms", 0), &staged, 2));
        assert_eq!(name, "benchmarks_have_companies");
        assert!(message.contains("2024") && message.contains("cpi7"), "{message}");
        assert_eq!(
            failed(checked(&rows, &set("2024.cpi6_benchmark_firms", 0), &staged, 2)).1,
            "reference year 2024: 1 companies seated in Flanders have cpi6's figures, but its Flemish benchmark has none: \
             does the population table (config population.csv) admit any of their legal forms?"
        );
    }

    #[test]
    fn empty_inputs_break_no_guard_by_themselves() {
        // Nothing read at all (no members listed yet, no filer): nothing to contradict.
        let counts = BTreeMap::new();
        checked(&[], &counts, &BTreeMap::new(), 0).unwrap();
    }
}
