//! Stage 1 for the method settings: the tables the sql/ steps read from the settings (one-row
//! `settings`, rubric map, postcode map, NACE sections, class tables, preferences), checked
//! here so that a mistake names the settings file, line and field. The reference year is data
//! too: a one-row `reference_year` table, from which sql/25_reference_year.sql derives `params`.
//! (Just over 400 lines with its unit tests: each table's checks and the tests of their errors
//! side by side.)

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray};

use crate::config::{Settings, POPULATION_CLASSES};
use crate::error::{CpiError, Result};
use crate::inputs::csv_file::for_each_row;

/// The measures the SQL expects the rubric map to define.
/// `personnel_costs` is not a figure of its own: it tells a company without employees from one
/// whose FTE is unknown (sql/20).
pub const MEASURES: [&str; 6] = ["turnover", "fte", "tangible_investment", "intangible_investment", "value_added", "personnel_costs"];


/// Every settings table, by the name the sql/ steps read it under (each declared in
/// schemas/staged/ with origin settings), checked.
pub fn tables(settings: &Settings) -> Result<Vec<(&'static str, RecordBatch)>> {
    let b = &settings.config.breakdowns;
    let changes = &b.province_changes;
    let reg = &settings.config.register;
    let province_change = RecordBatch::try_from_iter(vec![
        ("postcode", Arc::new(Int32Array::from_iter_values(changes.iter().map(|c| c.postcode))) as ArrayRef),
        ("province_before", Arc::new(StringArray::from_iter_values(changes.iter().map(|c| c.province_before.as_str()))) as ArrayRef),
        ("from_year", Arc::new(Int32Array::from_iter_values(changes.iter().map(|c| c.from_year))) as ArrayRef),
    ])?;
    Ok(vec![
        ("settings", settings_row(settings)?),
        ("rubric_map", rubric_map(settings)?),
        ("postcode_region", postcode_region(settings)?),
        ("nace_division_section", nace_division_section(settings)?),
        ("size_class_of", class_table("fte_floor", b.size_class_bounds)?),
        ("age_class_of", class_table("age", b.age_class_bounds)?),
        ("province_change", province_change),
        ("nace_version_preference", preference("nace_version", &reg.nace_versions)?),
        ("activity_group_preference", preference("activity_group", &reg.activity_groups)?),
        // The most improved version first.
        ("data_version_preference", preference("data_version", &settings.config.accounts.data_versions.iter().rev().cloned().collect::<Vec<_>>())?),
        ("legal_form_class", legal_form_class(settings)?),
        ("population_class", population_class(settings)?),
        ("pfs_concept", pfs_concept(settings)?),
    ])
}

/// One-row `settings`: every scalar setting the steps read. The per-year parameters (`params`)
/// are derived from it in sql/25_reference_year.sql.
fn settings_row(settings: &Settings) -> Result<RecordBatch> {
    let c = &settings.config;
    let int = |v: i32| Arc::new(Int32Array::from(vec![v])) as ArrayRef;
    let long = |v: i64| Arc::new(Int64Array::from(vec![v])) as ArrayRef;
    let float = |v: f64| Arc::new(Float64Array::from(vec![v])) as ArrayRef;
    let text = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
    let boolean = |v: bool| Arc::new(datafusion::arrow::array::BooleanArray::from(vec![v])) as ArrayRef;
    let month_day = |v: u32| int(v as i32);
    let date = |v: Option<chrono::NaiveDate>| {
        let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
        Arc::new(datafusion::arrow::array::Date32Array::from(vec![v.map(|d| (d - epoch).num_days() as i32)])) as ArrayRef
    };
    Ok(RecordBatch::try_from_iter(vec![
        ("growth_window_years", int(c.growth.window_years)),
        ("headline_benchmark", text(&c.growth.headline_benchmark)),
        ("turnover_from_vat", boolean(c.growth.turnover_from_vat)),
        ("investment_window_years", int(c.investment.window_years)),
        ("cohort_month", month_day(c.cohort.month)),
        ("cohort_day", month_day(c.cohort.day)),
        ("period", text(&c.accounts.period)),
        ("comparatives_fill_missing_years", boolean(c.accounts.comparatives_fill_missing_years)),
        ("fte_zero_without_personnel_costs", boolean(c.accounts.fte_zero_without_personnel_costs)),
        ("social_balance_corrections", boolean(c.accounts.social_balance_corrections)),
        ("deposit_cutoff", date(c.accounts.deposit_cutoff_date())),
        ("complete_after_months", int(c.accounts.complete_after_months)),
        ("label_language", text(&c.register.label_language)),
        ("include_companies_absent_from_register", boolean(c.register.include_companies_absent_from_register)),
        ("min_coverage", float(c.warnings.min_coverage)),
        ("min_sample_firms", long(c.warnings.min_sample_firms)),
        ("max_official_gap_pp", float(c.warnings.max_official_gap_pp)),
        ("max_reject_share", float(c.warnings.max_reject_share)),
        ("size_bound_1", int(c.breakdowns.size_class_bounds[0])),
        ("size_bound_2", int(c.breakdowns.size_class_bounds[1])),
        ("size_bound_3", int(c.breakdowns.size_class_bounds[2])),
        ("age_bound_1", int(c.breakdowns.age_class_bounds[0])),
        ("age_bound_2", int(c.breakdowns.age_class_bounds[1])),
        ("age_bound_3", int(c.breakdowns.age_class_bounds[2])),
        ("min_cell_firms", long(c.disclosure.min_firms)),
        ("max_firm_share", float(c.disclosure.max_firm_share)),
        ("dominance_n", int(c.disclosure.dominance_n)),
        ("p_percent", float(c.disclosure.p_percent)),
        ("audit_differences", boolean(c.disclosure.audit_differences)),
        ("min_controls", long(c.comparison.min_controls)),
        ("match_unknown_cells", boolean(c.comparison.match_unknown_cells)),
        ("bootstrap_replicates", long(c.uncertainty.bootstrap_replicates)),
        ("interval_level", float(c.uncertainty.interval_level)),
        ("bootstrap_seed", long(c.uncertainty.seed)),
        ("uncertainty_min_sample_firms", long(c.uncertainty.min_sample_firms)),
    ])?)
}

/// The per-year table the runner hands to step 75's audit: the published cells of an earlier
/// reference year of the same run whose end-year sums this year sums again as its base year
/// (step 75's `disclosure_carry` of that year). Empty for every other year.
pub const EARLIER_CELLS: &str = "disclosure_earlier_cells";

/// [`EARLIER_CELLS`] without rows, with the columns of `disclosure_carry`.
pub fn no_earlier_cells() -> RecordBatch {
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    let schema = Schema::new(vec![
        Field::new("measure", DataType::Utf8, true),
        Field::new("calendar_year", DataType::Int32, true),
        Field::new("cell", DataType::Utf8, true),
        Field::new("enterprise_number", DataType::Utf8, true),
        Field::new("magnitude", DataType::Float64, true),
    ]);
    RecordBatch::new_empty(Arc::new(schema))
}

/// One-row `reference_year`: the year T a per-year session computes. The cohort date must exist
/// in T (a 29 February cohort date does not, in most years).
pub fn reference_year(settings: &Settings, year: i32) -> Result<RecordBatch> {
    let c = &settings.config.cohort;
    for y in [year, year - settings.config.growth.window_years] {
        if chrono::NaiveDate::from_ymd_opt(y, c.month, c.day).is_none() {
            return Err(CpiError::Config(format!("the cohort date (month {}, day {}) does not exist in {y}", c.month, c.day)));
        }
    }
    Ok(RecordBatch::try_from_iter(vec![("reference_year", Arc::new(Int32Array::from(vec![year])) as ArrayRef)])?)
}

fn preference(column: &str, values: &[String]) -> Result<RecordBatch> {
    Ok(RecordBatch::try_from_iter(vec![
        (column, Arc::new(StringArray::from(values.to_vec())) as ArrayRef),
        ("preference", Arc::new(Int32Array::from_iter_values(1..=values.len() as i32)) as ArrayRef),
    ])?)
}

/// The fields of every row of a settings CSV, all required and non-empty.
fn settings_rows(file: &str, csv: &str, columns: &[&str]) -> Result<Vec<(u64, Vec<String>)>> {
    let mut rows = vec![];
    for_each_row(file, csv.as_bytes(), columns, |row| {
        let mut values = vec![];
        for c in columns {
            let v = row
                .get(c)
                .ok_or_else(|| CpiError::bad_field(file, row.line, *c, "is empty"))?;
            values.push(v.to_string());
        }
        rows.push((row.line, values));
        Ok(())
    })?;
    Ok(rows)
}

fn int_field(file: &str, line: u64, field: &str, v: &str) -> Result<i32> {
    v.parse().map_err(|_| CpiError::bad_field(file, line, field, format!("{v:?} is not a whole number")))
}

fn yes_no_field(file: &str, line: u64, field: &str, v: &str) -> Result<bool> {
    match v {
        "yes" => Ok(true),
        "no" => Ok(false),
        _ => Err(CpiError::bad_field(file, line, field, "must be yes or no")),
    }
}

fn true_false_field(file: &str, line: u64, field: &str, v: &str) -> Result<bool> {
    match v {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(CpiError::bad_field(file, line, field, format!("{other:?} is not true or false"))),
    }
}

fn rubric_map(settings: &Settings) -> Result<RecordBatch> {
    let file = "rubric map";
    let cols = ["measure", "kind", "missing_value", "priority", "rubric_code", "sign", "selects_level", "social_balance"];
    let rows = settings_rows(file, &settings.rubric_map_csv, &cols)?;
    let mut kinds: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut seen = HashSet::new();
    // (measure, priority) -> whether the level has a rubric that selects it.
    let mut levels: BTreeMap<(String, i32), bool> = BTreeMap::new();
    let mut out: [Vec<String>; 5] = Default::default();
    let (mut priority, mut sign, mut selects, mut social_balance) = (vec![], vec![], vec![], vec![]);
    for (line, v) in &rows {
        if !MEASURES.contains(&v[0].as_str()) {
            return Err(CpiError::bad_field(file, *line, "measure", format!("{:?} is not one of {}", v[0], MEASURES.join(", "))));
        }
        if !matches!(v[1].as_str(), "flow" | "stock") {
            return Err(CpiError::bad_field(file, *line, "kind", "must be flow or stock"));
        }
        if !matches!(v[2].as_str(), "unknown" | "zero") {
            return Err(CpiError::bad_field(file, *line, "missing_value", "must be unknown or zero"));
        }
        let k = kinds.entry(v[0].clone()).or_insert((v[1].clone(), v[2].clone()));
        if *k != (v[1].clone(), v[2].clone()) {
            return Err(CpiError::bad_field(file, *line, "kind", format!("measure {} has rows with different kind or missing_value", v[0])));
        }
        let p = int_field(file, *line, "priority", &v[3])?;
        // sql/20 takes the first level present among 1 and 2.
        if !(1..=2).contains(&p) {
            return Err(CpiError::bad_field(file, *line, "priority", "must be 1 or 2"));
        }
        if !seen.insert((v[0].clone(), p, v[4].clone())) {
            return Err(CpiError::bad_field(file, *line, "rubric_code", format!("rubric {} is listed twice for {} at priority {p}", v[4], v[0])));
        }
        sign.push(match v[5].as_str() {
            "+" => 1,
            "-" => -1,
            _ => return Err(CpiError::bad_field(file, *line, "sign", "must be + or -")),
        });
        let selects_level = yes_no_field(file, *line, "selects_level", &v[6])?;
        // a rubric of the social balance, which the NBB may correct on its own (sql/20)
        social_balance.push(yes_no_field(file, *line, "social_balance", &v[7])?);
        *levels.entry((v[0].clone(), p)).or_default() |= selects_level;
        selects.push(selects_level);
        priority.push(p);
        for i in [0, 1, 2, 4] {
            out[i].push(v[i].clone());
        }
    }
    if let Some(m) = MEASURES.iter().find(|m| !kinds.contains_key(**m)) {
        return Err(CpiError::bad_input(file, format!("defines no rubric for measure {m}")));
    }
    // A level none of whose rubrics selects it could never be used: a mistake in the map.
    if let Some(((m, p), _)) = levels.iter().find(|(_, selected)| !**selected) {
        return Err(CpiError::bad_input(file, format!("measure {m}, priority {p}: no rubric has selects_level = yes")));
    }
    let [measure, kind, missing, _, rubric] = out;
    Ok(RecordBatch::try_from_iter(vec![
        ("measure", Arc::new(StringArray::from(measure)) as ArrayRef),
        ("kind", Arc::new(StringArray::from(kind)) as ArrayRef),
        ("missing_value", Arc::new(StringArray::from(missing)) as ArrayRef),
        ("priority", Arc::new(Int32Array::from(priority)) as ArrayRef),
        ("rubric_code", Arc::new(StringArray::from(rubric)) as ArrayRef),
        ("sign", Arc::new(Int32Array::from(sign)) as ArrayRef),
        ("selects_level", Arc::new(BooleanArray::from(selects)) as ArrayRef),
        ("social_balance", Arc::new(BooleanArray::from(social_balance)) as ArrayRef),
    ])?)
}

/// The official series table: which SDMX series is which official total.
pub fn official_series(settings: &Settings) -> Result<Vec<crate::inputs::totals::OfficialSeries>> {
    let file = "official series";
    let columns = ["dataflow", "dimensions", "measure", "multiplier", "unit", "unit_measure", "verified"];
    let mut out = vec![];
    for (line, v) in settings_rows(file, &settings.official_series_csv, &columns)? {
        if !crate::inputs::totals::MEASURES.contains(&v[2].as_str()) {
            return Err(CpiError::bad_field(file, line, "measure", format!("{:?} is not one of {}", v[2], crate::inputs::totals::MEASURES.join(", "))));
        }
        let multiplier = v[3].parse::<i128>().ok().filter(|m| *m > 0).ok_or_else(|| CpiError::bad_field(file, line, "multiplier", "must be a positive whole number"))?;
        // DIMENSION=value pairs separated by ';' (REF_AREA=BE2;NA_ITEM=B1G)
        let dimensions = v[1]
            .split(';')
            .map(|pair| match pair.split_once('=') {
                Some((d, value)) if !d.trim().is_empty() && !value.trim().is_empty() => Ok((d.trim().to_ascii_uppercase(), value.trim().to_string())),
                _ => Err(CpiError::bad_field(file, line, "dimensions", format!("{pair:?} is not DIMENSION=value"))),
            })
            .collect::<Result<Vec<_>>>()?;
        let verified = true_false_field(file, line, "verified", &v[6])?;
        out.push(crate::inputs::totals::OfficialSeries {
            dataflow: v[0].clone(),
            dimensions,
            measure: v[2].clone(),
            multiplier,
            unit: v[4].clone(),
            unit_measure: v[5].clone(),
            verified,
        });
    }
    Ok(out)
}

/// (measure, rubric code) of every row of the rubric map.
pub fn rubric_codes(settings: &Settings) -> Result<Vec<(String, String)>> {
    let rows = settings_rows("rubric map", &settings.rubric_map_csv, &["measure", "rubric_code"])?;
    Ok(rows.into_iter().map(|(_, mut v)| (std::mem::take(&mut v[0]), std::mem::take(&mut v[1]))).collect())
}

/// The table of `pfs` XBRL concepts (config/pfs_concepts.csv or `accounts.pfs_concepts`):
/// (concept, rubric code, unit, verified), in the table's order. A concept listed twice, a unit
/// other than EUR or pure, a verified other than true or false is an error naming the line.
pub fn pfs_concepts(settings: &Settings) -> Result<Vec<(String, crate::inputs::pfs_xbrl::Concept)>> {
    use crate::inputs::pfs_xbrl::{Concept, Unit};
    let file = "pfs concept table";
    let rows = settings_rows(file, &settings.pfs_concepts_csv, &["concept", "rubric_code", "unit", "verified", "source"])?;
    let mut seen = HashSet::new();
    let mut out = vec![];
    for (line, mut v) in rows {
        let unit = match v[2].as_str() {
            "EUR" => Unit::Eur,
            "pure" => Unit::Pure,
            _ => return Err(CpiError::bad_field(file, line, "unit", "must be EUR or pure")),
        };
        let verified = true_false_field(file, line, "verified", &v[3])?;
        if !seen.insert(v[0].clone()) {
            return Err(CpiError::bad_field(file, line, "concept", format!("{} is listed twice", v[0])));
        }
        out.push((std::mem::take(&mut v[0]), Concept { rubric_code: std::mem::take(&mut v[1]), unit, verified }));
    }
    Ok(out)
}

/// `pfs_concept(concept, rubric_code, verified)`: the table of `pfs` XBRL concepts, for the
/// run's warning on values read through unverified rows and on rubrics no row gives.
fn pfs_concept(settings: &Settings) -> Result<RecordBatch> {
    let rows = pfs_concepts(settings)?;
    Ok(RecordBatch::try_from_iter(vec![
        ("concept", Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0.as_str()))) as ArrayRef),
        ("rubric_code", Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.1.rubric_code.as_str()))) as ArrayRef),
        ("verified", Arc::new(BooleanArray::from(rows.iter().map(|r| r.1.verified).collect::<Vec<_>>())) as ArrayRef),
    ])?)
}

/// `postcode_region`: the postcode ranges of the postcode map, one row per postcode, so that
/// the seat's region is an equality join. A postcode in two ranges is an error.
fn postcode_region(settings: &Settings) -> Result<RecordBatch> {
    let file = "postcode map";
    let rows = settings_rows(file, &settings.postcode_map_csv, &["postcode_from", "postcode_to", "province", "region"])?;
    let mut seen = BTreeMap::new();
    for (line, v) in &rows {
        let from = int_field(file, *line, "postcode_from", &v[0])?;
        let to = int_field(file, *line, "postcode_to", &v[1])?;
        if to < from || to - from > 100_000 {
            return Err(CpiError::bad_field(file, *line, "postcode_to", "must be at least postcode_from"));
        }
        for postcode in from..=to {
            if seen.insert(postcode, (v[2].as_str(), v[3].as_str())).is_some() {
                return Err(CpiError::bad_field(file, *line, "postcode_from", format!("postcode {postcode} is in two ranges")));
            }
        }
    }
    Ok(RecordBatch::try_from_iter(vec![
        ("postcode", Arc::new(Int32Array::from_iter_values(seen.keys().copied())) as ArrayRef),
        ("province", Arc::new(StringArray::from_iter_values(seen.values().map(|v| v.0))) as ArrayRef),
        ("region", Arc::new(StringArray::from_iter_values(seen.values().map(|v| v.1))) as ArrayRef),
    ])?)
}

/// `nace_division_section(nace_version, division, section)`: the division ranges of the NACE
/// sections table, one row per division, so that finding a code's section is an equality join
/// (a range join would run as a nested-loop join, whose out-of-memory fallback in DataFusion
/// 55 re-executes its input and fails under --memory-limit).
fn nace_division_section(settings: &Settings) -> Result<RecordBatch> {
    let file = "NACE sections";
    let rows = settings_rows(file, &settings.nace_sections_csv, &["nace_version", "section", "division_from", "division_to"])?;
    let (mut version, mut division, mut section) = (vec![], vec![], vec![]);
    let mut seen = std::collections::BTreeSet::new();
    for (line, v) in &rows {
        let from = int_field(file, *line, "division_from", &v[2])?;
        let to = int_field(file, *line, "division_to", &v[3])?;
        if to < from || to > 99 {
            return Err(CpiError::bad_field(file, *line, "division_to", "must be at least division_from and at most 99"));
        }
        for d in from..=to {
            if !seen.insert((v[0].clone(), d)) {
                return Err(CpiError::bad_field(file, *line, "division_from", format!("division {d} is in two sections")));
            }
            version.push(v[0].clone());
            division.push(d);
            section.push(v[1].clone());
        }
    }
    Ok(RecordBatch::try_from_iter(vec![
        ("nace_version", Arc::new(StringArray::from(version)) as ArrayRef),
        ("division", Arc::new(Int32Array::from(division)) as ArrayRef),
        ("section", Arc::new(StringArray::from(section)) as ArrayRef),
    ])?)
}

/// `legal_form_class(juridical_form, class)`: the population table (config/population.csv), one
/// row per KBO juridical form code, each with one of the classes of [`POPULATION_CLASSES`]
/// (`unknown` is what the steps give a form the table does not list).
fn legal_form_class(settings: &Settings) -> Result<RecordBatch> {
    let file = "legal-form population table";
    let rows = settings_rows(file, &settings.legal_forms_csv, &["juridical_form", "class"])?;
    let mut seen = HashSet::new();
    for (line, v) in &rows {
        if !(v[0].len() == 3 && v[0].bytes().all(|b| b.is_ascii_digit())) {
            return Err(CpiError::bad_field(file, *line, "juridical_form", format!("{:?} is not a three-digit KBO code", v[0])));
        }
        if !POPULATION_CLASSES[..5].contains(&v[1].as_str()) {
            return Err(CpiError::bad_field(file, *line, "class", format!("{:?} is not one of {}", v[1], POPULATION_CLASSES[..5].join(", "))));
        }
        if !seen.insert(v[0].clone()) {
            return Err(CpiError::bad_field(file, *line, "juridical_form", format!("{} is listed twice", v[0])));
        }
    }
    Ok(RecordBatch::try_from_iter(vec![
        ("juridical_form", Arc::new(StringArray::from_iter_values(rows.iter().map(|(_, v)| v[0].as_str()))) as ArrayRef),
        ("class", Arc::new(StringArray::from_iter_values(rows.iter().map(|(_, v)| v[1].as_str()))) as ArrayRef),
    ])?)
}

/// `population_class(class, in_members, in_benchmark)`: every class, and whether its companies
/// enter the cluster samples and the Flemish benchmarks (settings `[population]`).
fn population_class(settings: &Settings) -> Result<RecordBatch> {
    let p = &settings.config.population;
    let listed = |list: &[String]| Arc::new(BooleanArray::from_iter(POPULATION_CLASSES.iter().map(|c| Some(list.iter().any(|l| l == c))))) as ArrayRef;
    Ok(RecordBatch::try_from_iter(vec![
        ("class", Arc::new(StringArray::from_iter_values(POPULATION_CLASSES)) as ArrayRef),
        ("in_members", listed(&p.member_classes)),
        ("in_benchmark", listed(&p.benchmark_classes)),
    ])?)
}

/// A class table for whole numbers 0..=the last bound, labelled `0-9`, `10-49`, ..., `250+`
/// from three increasing bounds: values at or above the last bound are looked up as the last
/// bound (an equality join, see [`nace_division_section`]).
pub fn class_table(key: &str, bounds: [i32; 3]) -> Result<RecordBatch> {
    let label = |v: i32| match bounds.iter().position(|b| v < *b) {
        Some(0) => format!("0-{}", bounds[0] - 1),
        Some(i) => format!("{}-{}", bounds[i - 1], bounds[i] - 1),
        None => format!("{}+", bounds[2]),
    };
    let values: Vec<i32> = (0..=bounds[2]).collect();
    Ok(RecordBatch::try_from_iter(vec![
        (key, Arc::new(Int32Array::from(values.clone())) as ArrayRef),
        ("class", Arc::new(StringArray::from_iter_values(values.iter().map(|v| label(*v)))) as ArrayRef),
    ])?)
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Array, Int32Array, StringArray};

    #[test]
    fn class_tables_label_every_whole_number_up_to_the_last_bound() {
        let t = super::class_table("fte_floor", [10, 50, 250]).unwrap();
        let keys = t.column(0).as_any().downcast_ref::<Int32Array>().unwrap();
        let labels = t.column(1).as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!(t.num_rows(), 251);
        let label_of = |v: i32| labels.value(keys.iter().position(|k| k == Some(v)).unwrap()).to_string();
        assert_eq!(
            [0, 9, 10, 49, 50, 249, 250].map(label_of),
            ["0-9", "0-9", "10-49", "10-49", "50-249", "50-249", "250+"].map(String::from)
        );
        let ages = super::class_table("age", [5, 10, 20]).unwrap();
        let labels = ages.column(1).as_any().downcast_ref::<StringArray>().unwrap();
        assert_eq!((labels.value(4), labels.value(5), labels.value(19), labels.value(20)), ("0-4", "5-9", "10-19", "20+"));
    }

    #[test]
    fn the_population_table_classes_every_legal_form_once_and_names_mistakes() {
        let mut settings = crate::config::Settings::defaults().unwrap();
        let table = super::legal_form_class(&settings).unwrap();
        let column = |name: &str| table.column_by_name(name).unwrap().as_any().downcast_ref::<StringArray>().unwrap().clone();
        let (form, class) = (column("juridical_form"), column("class"));
        let class_of = |code: &str| (0..table.num_rows()).find(|&i| form.value(i) == code).map(|i| class.value(i).to_string());
        // 146 codes of code.csv: NV company, VZW nonprofit, Openbare instelling public,
        // autonoom gemeentebedrijf public_company, BTW-eenheid other.
        assert_eq!(table.num_rows(), 146);
        let classes: Vec<Option<String>> = ["014", "017", "124", "418", "003"].iter().map(|c| class_of(c)).collect();
        assert_eq!(classes, ["company", "nonprofit", "public", "public_company", "other"].map(|c| Some(c.to_string())));
        // Line 2 (header = line 1) is 001: a wrong class there, a code that is not three digits
        // there, or 002 there (then listed twice: found on line 3, 002's own line) each name the
        // file, the line and the field.
        let shipped = settings.legal_forms_csv.clone();
        let line_2 = shipped.lines().nth(1).unwrap().to_string();
        assert!(line_2.starts_with("001,company,"), "{line_2}");
        for (changed, line, field) in [("001,firm,", 2, "class"), ("002,company,", 3, "juridical_form"), ("1,company,", 2, "juridical_form")] {
            settings.legal_forms_csv = shipped.replacen("001,company,", changed, 1);
            let err = super::legal_form_class(&settings).unwrap_err().to_string();
            assert!(err.contains("legal-form population table") && err.contains(&format!("line {line}")) && err.contains(field), "{err}");
        }
    }

    #[test]
    fn the_pfs_concept_table_reads_units_and_names_mistakes() {
        use crate::inputs::pfs_xbrl::Unit;
        let mut settings = crate::config::Settings::defaults().unwrap();
        let table = super::pfs_concepts(&settings).unwrap();
        // the shipped table: 16 concepts, none verified; Turnover is 70 in euro (line 2), the
        // average FTE a pure number (line 17)
        assert_eq!(table.len(), 16);
        assert!(table.iter().all(|(_, c)| !c.verified));
        assert_eq!((table[0].0.as_str(), table[0].1.rubric_code.as_str(), table[0].1.unit), ("Turnover", "70", Unit::Eur));
        assert_eq!((table[15].1.rubric_code.as_str(), table[15].1.unit), ("9087", Unit::Pure));
        let shipped = settings.pfs_concepts_csv.clone();
        for (from, to, line, field) in [
            ("Turnover,70,EUR,false", "Turnover,70,USD,false", 2, "unit"),
            ("Turnover,70,EUR,false", "Turnover,70,EUR,no", 2, "verified"),
            ("RawMaterialsConsumables,60,", "Turnover,60,", 5, "concept"),
        ] {
            settings.pfs_concepts_csv = shipped.replacen(from, to, 1);
            let err = super::pfs_concepts(&settings).unwrap_err().to_string();
            assert!(err.contains("pfs concept table") && err.contains(&format!("line {line}")) && err.contains(field), "{err}");
        }
    }

    #[test]
    fn the_rubric_map_reads_signs_and_level_selection_and_names_mistakes() {
        let mut settings = crate::config::Settings::defaults().unwrap();
        let map = super::rubric_map(&settings).unwrap();
        let column = |name: &str| map.column_by_name(name).unwrap().clone();
        let (rubric, sign) = (column("rubric_code"), column("sign"));
        let (rubric, sign) = (rubric.as_any().downcast_ref::<StringArray>().unwrap(), sign.as_any().downcast_ref::<Int32Array>().unwrap());
        let sign_of = |code: &str| (0..map.num_rows()).filter(|&i| rubric.value(i) == code).map(|i| sign.value(i)).collect::<Vec<_>>();
        // 76A is subtracted at both levels of value added; 70/76A and 9900 are added.
        assert_eq!((sign_of("70/76A"), sign_of("76A"), sign_of("9900"), sign_of("60")), (vec![1], vec![-1, -1], vec![1], vec![-1]));

        let default_map = settings.rubric_map_csv.clone();
        // Line 17 of the shipped map (header = line 1) is the first value-added row (70/76A, + , yes).
        let line_17 = default_map.lines().nth(16).unwrap().to_string();
        assert!(line_17.starts_with("value_added,flow,unknown,1,70/76A,+,yes,"), "{line_17}");
        settings.rubric_map_csv = default_map.replace(&line_17, &line_17.replace(",+,yes,", ",plus,yes,"));
        let err = super::rubric_map(&settings).unwrap_err().to_string();
        assert!(err.contains("rubric map") && err.contains("line 17") && err.contains("sign") && err.contains("+ or -"), "{err}");
        // Without 70/76A selecting it, level 1 of value added could never be used.
        settings.rubric_map_csv = default_map.replace(&line_17, &line_17.replace(",+,yes,", ",+,no,"));
        let err = super::rubric_map(&settings).unwrap_err().to_string();
        assert!(err.contains("measure value_added, priority 1: no rubric has selects_level = yes"), "{err}");
        // Line 3 is 1003, the social balance's rubric: its flag is yes or no, nothing else.
        let line_3 = default_map.lines().nth(2).unwrap().to_string();
        assert!(line_3.starts_with("fte,stock,unknown,1,1003,+,yes,yes,"), "{line_3}");
        settings.rubric_map_csv = default_map.replace(&line_3, &line_3.replace(",+,yes,yes,", ",+,yes,maybe,"));
        let err = super::rubric_map(&settings).unwrap_err().to_string();
        assert!(err.contains("rubric map") && err.contains("line 3") && err.contains("social_balance") && err.contains("yes or no"), "{err}");
    }
}
