//! The method settings: one TOML file (defaults shipped in config/default.toml) plus the CSV
//! tables it points to (rubric map, postcode map, NACE sections).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{CpiError, Result};

pub const DEFAULT_TOML: &str = include_str!("../../config/default.toml");
const DEFAULT_RUBRIC_MAP: &str = include_str!("../../config/rubric_map.csv");
const DEFAULT_POSTCODE_MAP: &str = include_str!("../../config/postcode_provinces.csv");
const DEFAULT_NACE_SECTIONS: &str = include_str!("../../config/nace_sections.csv");
const DEFAULT_OFFICIAL_SERIES: &str = include_str!("../../config/official_series.csv");
const DEFAULT_LEGAL_FORMS: &str = include_str!("../../config/population.csv");
const DEFAULT_PFS_CONCEPTS: &str = include_str!("../../config/pfs_concepts.csv");

/// The classes of legal form the population table may give (config/population.csv), plus
/// `unknown`: no juridical form known, or a code the table does not list.
pub const POPULATION_CLASSES: [&str; 6] = ["company", "public_company", "nonprofit", "public", "other", "unknown"];

/// The NBB's versions of a deposit's data: the deposit as filed, and its improvements by the
/// NBB (www.nbb.be, CBSO web services, "Daily extract of improved data"; the delivered
/// `DataVersion` values are `pdf_extracted`, `euro_converted`, `corrected` with `CorrectedData`
/// `aa` (annual accounts) or `sb` (social balance), as the public client code of the web
/// services reads them, schemas/cbso.json). cpi's names: PDF_ENCODED (`pdf_extracted`),
/// EURO_CONVERTED, CORRECTED (the annual accounts corrected) and CORRECTED_SB (only the social
/// balance corrected: not a whole deposit, so never one of accounts.data_versions; with
/// accounts.social_balance_corrections it replaces the social-balance rubrics of the deposit's
/// version in use, sql/20).
pub const DATA_VERSIONS: [&str; 5] = ["AUTHENTIC", "PDF_ENCODED", "EURO_CONVERTED", "CORRECTED", "CORRECTED_SB"];

/// The versions that are a whole deposit: those accounts.data_versions may list.
pub const WHOLE_DEPOSIT_VERSIONS: [&str; 4] = ["AUTHENTIC", "PDF_ENCODED", "EURO_CONVERTED", "CORRECTED"];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub cohort: CohortConfig,
    pub growth: GrowthConfig,
    pub investment: InvestmentConfig,
    pub accounts: AccountsConfig,
    pub register: RegisterConfig,
    pub population: PopulationConfig,
    pub breakdowns: BreakdownsConfig,
    pub disclosure: DisclosureConfig,
    pub comparison: ComparisonConfig,
    pub uncertainty: UncertaintyConfig,
    pub totals: TotalsConfig,
    pub warnings: WarningsConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotalsConfig {
    /// Which SDMX series of an NBB.Stat download is which official total (CSV file).
    pub official_series: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarningsConfig {
    pub min_coverage: f64,
    pub min_sample_firms: i64,
    pub max_official_gap_pp: f64,
    pub max_reject_share: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CohortConfig {
    pub month: u32,
    pub day: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrowthConfig {
    pub window_years: i32,
    /// Which benchmark the headline columns use: "flanders" or "rest_of_flanders".
    pub headline_benchmark: String,
    /// A company-year of B or T with a filing but no turnover (rubric 70) takes its VAT turnover
    /// from `vat/` (METHODOLOGY.md section 6). Off when a settings file does not name it.
    #[serde(default)]
    pub turnover_from_vat: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvestmentConfig {
    pub window_years: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsConfig {
    pub period: String,
    pub max_exercise_months: i32,
    pub rubric_map: String,
    /// The table of `pfs` XBRL concepts and the rubrics they are (CSV file; "" = the shipped
    /// config/pfs_concepts.csv), for deposits delivered as XBRL instances.
    pub pfs_concepts: String,
    /// A company-year without a filing takes the comparatives (NM1) of the next exercise.
    pub comparatives_fill_missing_years: bool,
    /// A filing without a social balance and without personnel costs has FTE 0, not unknown.
    pub fte_zero_without_personnel_costs: bool,
    /// The NBB's versions of a deposit's data, from the least to the most improved.
    pub data_versions: Vec<String>,
    /// The NBB's corrections of a deposit's social balance alone (CORRECTED_SB) replace the
    /// social-balance rubrics of the deposit's version in use.
    pub social_balance_corrections: bool,
    /// A vintage: deposits made after this date (yyyy-mm-dd) are ignored; "" = none.
    pub deposit_cutoff: String,
    /// A reference year T is provisional until the data's vintage is this many whole months
    /// after the end of T.
    pub complete_after_months: i32,
    /// The NBB models of statutory annual accounts that are read (`m02`, `m01`, ...; any `-f`
    /// or `-p` suffix): a filing in another model (consolidated accounts, an unknown model) is
    /// rejected as model_not_statutory.
    pub statutory_models: Vec<String>,
}

impl AccountsConfig {
    /// `deposit_cutoff` as a date (None when empty); checked by [`Config::validate`].
    pub fn deposit_cutoff_date(&self) -> Option<chrono::NaiveDate> {
        chrono::NaiveDate::parse_from_str(&self.deposit_cutoff, "%Y-%m-%d").ok()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BreakdownsConfig {
    pub size_class_bounds: [i32; 3],
    pub age_class_bounds: [i32; 3],
    pub province_changes: Vec<ProvinceChange>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvinceChange {
    pub postcode: i32,
    pub province_before: String,
    pub from_year: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonConfig {
    pub min_controls: i64,
    pub match_unknown_cells: bool,
}

/// How sure each number is (sql/65_uncertainty.sql, METHODOLOGY.md section 6c).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UncertaintyConfig {
    /// Bootstrap replicates per cluster and indicator (0: no interval).
    pub bootstrap_replicates: i64,
    /// Level of the percentile interval, e.g. 0.95.
    pub interval_level: f64,
    /// Seed of the resampling: the same seed gives the same intervals, byte for byte.
    pub seed: i64,
    /// The uncertainty measures are given only for samples of at least this many companies.
    pub min_sample_firms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisclosureConfig {
    pub min_firms: i64,
    /// k of the (n, k) dominance rule.
    pub max_firm_share: f64,
    /// n of the (n, k) dominance rule: 1 or 2.
    pub dominance_n: i32,
    /// The p % rule's p; 0 = off.
    pub p_percent: f64,
    /// The audit of differences between published cells (METHODOLOGY.md section 9a); false
    /// only to compare with a folder published before it.
    pub audit_differences: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterConfig {
    pub nace_versions: Vec<String>,
    pub activity_groups: Vec<String>,
    pub label_language: String,
    pub postcode_map: String,
    pub nace_sections: String,
    /// Companies that filed accounts but are not in the register snapshot take part, with
    /// their filing's seat, legal form and activity (false: they are left out, as before).
    pub include_companies_absent_from_register: bool,
}

/// Who is compared (METHODOLOGY.md section 4a): the legal forms of the population table, by class.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationConfig {
    /// KBO juridical form -> class (CSV file).
    pub legal_forms: String,
    /// The classes whose members enter the cluster samples.
    pub member_classes: Vec<String>,
    /// The classes whose Flemish companies make the benchmarks.
    pub benchmark_classes: Vec<String>,
}

/// The config plus the contents of the tables it names, ready to register.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Config,
    /// Where the config came from (`built-in defaults` or a path), for the manifest.
    pub source: String,
    pub rubric_map_csv: String,
    pub postcode_map_csv: String,
    pub nace_sections_csv: String,
    pub official_series_csv: String,
    pub legal_forms_csv: String,
    pub pfs_concepts_csv: String,
}

impl Settings {
    pub fn defaults() -> Result<Settings> {
        Settings::from_toml(DEFAULT_TOML, None)
    }

    pub fn load(path: Option<&Path>) -> Result<Settings> {
        match path {
            None => Settings::defaults(),
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| CpiError::io(p.display().to_string(), e))?;
                Settings::from_toml(&text, Some(p))
            }
        }
    }

    fn from_toml(text: &str, path: Option<&Path>) -> Result<Settings> {
        let name = path.map(|p| p.display().to_string()).unwrap_or_else(|| "built-in defaults".into());
        let config: Config =
            toml::from_str(text).map_err(|e| CpiError::Config(format!("{name}: {e}")))?;
        config.check(&name)?;
        let dir = path.and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
        let table = |setting: &str, default: &str| -> Result<String> {
            if setting.is_empty() {
                return Ok(default.to_string());
            }
            let p: PathBuf = dir.join(setting);
            std::fs::read_to_string(&p).map_err(|e| CpiError::io(p.display().to_string(), e))
        };
        Ok(Settings {
            rubric_map_csv: table(&config.accounts.rubric_map, DEFAULT_RUBRIC_MAP)?,
            postcode_map_csv: table(&config.register.postcode_map, DEFAULT_POSTCODE_MAP)?,
            nace_sections_csv: table(&config.register.nace_sections, DEFAULT_NACE_SECTIONS)?,
            official_series_csv: table(&config.totals.official_series, DEFAULT_OFFICIAL_SERIES)?,
            legal_forms_csv: table(&config.population.legal_forms, DEFAULT_LEGAL_FORMS)?,
            pfs_concepts_csv: table(&config.accounts.pfs_concepts, DEFAULT_PFS_CONCEPTS)?,
            config,
            source: name,
        })
    }
}

impl Config {
    fn check(&self, name: &str) -> Result<()> {
        let bad = |m: String| Err(CpiError::Config(format!("{name}: {m}")));
        for (key, b) in [("size_class_bounds", self.breakdowns.size_class_bounds), ("age_class_bounds", self.breakdowns.age_class_bounds)] {
            if !(0 < b[0] && b[0] < b[1] && b[1] < b[2]) {
                return bad(format!("breakdowns.{key} must be three increasing positive numbers, not {b:?}"));
            }
        }
        let mut postcodes: Vec<i32> = self.breakdowns.province_changes.iter().map(|c| c.postcode).collect();
        postcodes.sort();
        if postcodes.windows(2).any(|w| w[0] == w[1]) {
            return bad("breakdowns.province_changes lists a postcode twice".into());
        }
        let u = &self.uncertainty;
        if u.min_sample_firms < 1 {
            return bad("uncertainty.min_sample_firms must be at least 1".into());
        }
        let uncertainty_ok = (0..=100_000).contains(&u.bootstrap_replicates)
            && u.interval_level > 0.0
            && u.interval_level < 1.0
            && (0..1_000_000_000).contains(&u.seed);
        if !uncertainty_ok {
            return bad("uncertainty.bootstrap_replicates must be in 0..=100000, uncertainty.interval_level in (0, 1) and uncertainty.seed in 0..1000000000".into());
        }
        for (key, classes) in [("member_classes", &self.population.member_classes), ("benchmark_classes", &self.population.benchmark_classes)] {
            if let Some(c) = classes.iter().find(|c| !POPULATION_CLASSES.contains(&c.as_str())) {
                return bad(format!("population.{key}: {c:?} is not a class; the classes are {}", POPULATION_CLASSES.join(", ")));
            }
        }
        if self.comparison.min_controls < 1 {
            return bad("comparison.min_controls must be at least 1".into());
        }
        if self.disclosure.min_firms < 1 || !(self.disclosure.max_firm_share > 0.0 && self.disclosure.max_firm_share <= 1.0) {
            return bad("disclosure.min_firms must be at least 1 and disclosure.max_firm_share in (0, 1]".into());
        }
        // sql/75 keeps the two largest contributions of a cell (no sort of every company).
        if !(1..=2).contains(&self.disclosure.dominance_n) || !(0.0..100.0).contains(&self.disclosure.p_percent) {
            return bad("disclosure.dominance_n must be 1 or 2 and disclosure.p_percent in [0, 100)".into());
        }
        if chrono::NaiveDate::from_ymd_opt(2024, self.cohort.month, self.cohort.day).is_none() {
            return bad(format!("cohort date month {} day {} is not a date", self.cohort.month, self.cohort.day));
        }
        if self.growth.window_years < 1 {
            return bad("growth.window_years must be at least 1".into());
        }
        if self.investment.window_years < 1 {
            return bad("investment.window_years must be at least 1".into());
        }
        if !matches!(self.accounts.period.as_str(), "N" | "NM1") {
            return bad(format!("accounts.period must be \"N\" or \"NM1\", not {:?}", self.accounts.period));
        }
        if self.accounts.data_versions.iter().any(|v| v == "CORRECTED_SB") {
            return bad("accounts.data_versions cannot list CORRECTED_SB: a correction of the social balance alone is not a whole deposit (accounts.social_balance_corrections applies it)".into());
        }
        let known = WHOLE_DEPOSIT_VERSIONS;
        if self.accounts.data_versions.is_empty() || self.accounts.data_versions.iter().any(|v| !known.contains(&v.as_str())) {
            return bad(format!("accounts.data_versions must list versions among {}", known.join(", ")));
        }
        if !self.accounts.deposit_cutoff.is_empty() && self.accounts.deposit_cutoff_date().is_none() {
            return bad(format!("accounts.deposit_cutoff must be a date yyyy-mm-dd or \"\" (none), not {:?}", self.accounts.deposit_cutoff));
        }
        if self.accounts.complete_after_months < 7 {
            return bad("accounts.complete_after_months must be at least 7 (the filing deadline)".into());
        }
        let model_code = |m: &String| m.len() == 3 && m.starts_with('m') && m[1..].chars().all(|c| c.is_ascii_digit());
        if self.accounts.statutory_models.is_empty() || !self.accounts.statutory_models.iter().all(model_code) {
            return bad(format!("accounts.statutory_models must list NBB model codes such as \"m02\", not {:?}", self.accounts.statutory_models));
        }
        if self.accounts.max_exercise_months < 12 {
            return bad("accounts.max_exercise_months must be at least 12".into());
        }
        if !matches!(self.growth.headline_benchmark.as_str(), "flanders" | "rest_of_flanders") {
            return bad(format!("growth.headline_benchmark must be \"flanders\" or \"rest_of_flanders\", not {:?}", self.growth.headline_benchmark));
        }
        if self.register.nace_versions.is_empty() {
            return bad("register.nace_versions must name at least one NACE version".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_hold_the_documented_values() {
        let s = Settings::defaults().unwrap();
        assert_eq!(s.config.growth.window_years, 3);
        assert_eq!(s.config.investment.window_years, 5);
        assert_eq!(s.config.accounts.period, "N");
        assert_eq!(s.config.register.nace_versions, vec!["2025", "2008"]);
        assert_eq!(s.config.register.activity_groups, vec!["001", "006", "003"]);
        assert!(s.rubric_map_csv.starts_with("measure,kind,missing_value,priority,rubric_code"));
        // The innovation-linked intangible investment (METHODOLOGY section 7), as
        // tests/sql/20_annual_figures.slt runs it: no goodwill (8023), no advance payments (8024).
        let intangible: Vec<String> = s
            .rubric_map_csv
            .lines()
            .filter(|l| l.starts_with("intangible_investment,"))
            .map(|l| l.split(',').skip(3).take(4).collect::<Vec<_>>().join(","))
            .collect();
        assert_eq!(intangible, ["1,8021,+,yes", "1,8022,+,yes", "2,8029,+,yes", "2,8023,-,no", "2,8024,-,no"]);
        // The social balance's one rubric in the map is 1003 (sql/20 lets a CORRECTED_SB replace it).
        let social_balance: Vec<&str> = s.rubric_map_csv.lines().filter(|l| l.split(',').nth(7) == Some("yes")).map(|l| l.split(',').nth(4).unwrap()).collect();
        assert_eq!(social_balance, ["1003"]);
        assert!(s.config.accounts.social_balance_corrections);
        // Value added does not add agency-staff costs back (1521, 1522): their FTE are not counted.
        assert!(!s.rubric_map_csv.lines().any(|l| l.starts_with("value_added,") && (l.contains(",1521,") || l.contains(",1522,"))));
    }

    #[test]
    fn a_social_balance_correction_is_not_a_version_of_the_whole_deposit() {
        let listed = DEFAULT_TOML.replace("\"EURO_CONVERTED\", \"CORRECTED\"]", "\"EURO_CONVERTED\", \"CORRECTED\", \"CORRECTED_SB\"]");
        assert_ne!(listed, DEFAULT_TOML);
        let err = Settings::from_toml(&listed, None).unwrap_err().to_string();
        assert!(err.contains("accounts.data_versions cannot list CORRECTED_SB") && err.contains("accounts.social_balance_corrections"), "{err}");
    }

    #[test]
    fn unknown_keys_are_an_error() {
        let text = DEFAULT_TOML.replace("[growth]\n", "[growth]\nwindow_yeras = 4\n");
        let err = Settings::from_toml(&text, None).unwrap_err().to_string();
        assert!(err.contains("unknown field `window_yeras`"), "{err}");
    }

    #[test]
    fn the_headline_benchmark_is_one_of_two() {
        assert_eq!(Settings::defaults().unwrap().config.growth.headline_benchmark, "flanders");
        let rest = DEFAULT_TOML.replace("headline_benchmark = \"flanders\"", "headline_benchmark = \"rest_of_flanders\"");
        assert_eq!(Settings::from_toml(&rest, None).unwrap().config.growth.headline_benchmark, "rest_of_flanders");
        let members = DEFAULT_TOML.replace("headline_benchmark = \"flanders\"", "headline_benchmark = \"members\"");
        let err = Settings::from_toml(&members, None).unwrap_err().to_string();
        assert!(err.contains("growth.headline_benchmark must be \"flanders\" or \"rest_of_flanders\", not \"members\""), "{err}");
    }
}
