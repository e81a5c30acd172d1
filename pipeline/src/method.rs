//! The method: registers the parameter and settings tables and runs the sql/ steps in order.
//! All set logic lives in sql/; this module only feeds it and reports what each step did.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::DFParser;

use crate::config::Settings;
use crate::error::{CpiError, Result};
use crate::inputs::csv_file::{days_since_epoch, for_each_row};

/// The transformation steps, compiled into the binary so a run cannot pick up edited files
/// by accident; `cpi explain` prints them.
pub const SQL_STEPS: [(&str, &str); 11] = [
    ("10_register.sql", include_str!("../../sql/10_register.sql")),
    ("15_account_checks.sql", include_str!("../../sql/15_account_checks.sql")),
    ("20_annual_figures.sql", include_str!("../../sql/20_annual_figures.sql")),
    ("30_cohorts.sql", include_str!("../../sql/30_cohorts.sql")),
    ("40_growth.sql", include_str!("../../sql/40_growth.sql")),
    ("45_productivity.sql", include_str!("../../sql/45_productivity.sql")),
    ("50_investment.sql", include_str!("../../sql/50_investment.sql")),
    ("60_member_flows.sql", include_str!("../../sql/60_member_flows.sql")),
    ("70_breakdowns.sql", include_str!("../../sql/70_breakdowns.sql")),
    ("80_matched.sql", include_str!("../../sql/80_matched.sql")),
    ("90_outputs.sql", include_str!("../../sql/90_outputs.sql")),
];

/// The measures the SQL expects the rubric map to define.
pub const MEASURES: [&str; 5] = ["turnover", "fte", "tangible_investment", "intangible_investment", "value_added"];

/// Timing of one SQL statement, for the log and the manifest.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepTiming {
    pub step: String,
    /// The reference year for the per-year steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_year: Option<i32>,
    pub statement: usize,
    pub creates: String,
    pub seconds: f64,
}

pub fn register_batch(ctx: &SessionContext, name: &str, batch: RecordBatch) -> Result<()> {
    let table = MemTable::try_new(batch.schema(), vec![vec![batch]])?;
    ctx.register_table(name, Arc::new(table))?;
    Ok(())
}

/// `account_files(file_id, file)`: the names behind the accounts table's `file_id`.
pub fn account_files_batch(files: &[String]) -> Result<RecordBatch> {
    Ok(RecordBatch::try_from_iter(vec![
        ("file_id", Arc::new(Int32Array::from_iter_values(0..files.len() as i32)) as ArrayRef),
        ("file", Arc::new(StringArray::from(files.to_vec())) as ArrayRef),
    ])?)
}

/// One-row `params` table: the reference year and everything derived from it.
pub fn register_params(ctx: &SessionContext, settings: &Settings, year: i32) -> Result<()> {
    let c = &settings.config;
    let date = |y: i32| {
        chrono::NaiveDate::from_ymd_opt(y, c.cohort.month, c.cohort.day)
            .ok_or_else(|| CpiError::Config(format!("cohort date does not exist in {y}")))
    };
    let cohort_date = date(year)?;
    let base_cohort_date = date(year - c.growth.window_years)?;
    let int = |v: i32| Arc::new(Int32Array::from(vec![v])) as ArrayRef;
    let text = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
    let columns = vec![
        ("reference_year", int(year)),
        ("base_year", int(year - c.growth.window_years)),
        ("end_year", int(year)),
        ("growth_years", int(c.growth.window_years)),
        ("window_start", int(year - c.investment.window_years + 1)),
        ("window_end", int(year)),
        ("cohort_date", Arc::new(Date32Array::from(vec![days_since_epoch(cohort_date)])) as ArrayRef),
        // The cohort date of the base year B, for the member flows between B and T.
        ("base_cohort_date", Arc::new(Date32Array::from(vec![days_since_epoch(base_cohort_date)])) as ArrayRef),
        ("period", text(&c.accounts.period)),
        ("label_language", text(&c.register.label_language)),
        ("min_coverage", Arc::new(Float64Array::from(vec![c.warnings.min_coverage])) as ArrayRef),
        ("min_sample_firms", Arc::new(Int64Array::from(vec![c.warnings.min_sample_firms])) as ArrayRef),
        ("max_official_gap_pp", Arc::new(Float64Array::from(vec![c.warnings.max_official_gap_pp])) as ArrayRef),
        ("size_bound_1", int(c.breakdowns.size_class_bounds[0])),
        ("size_bound_2", int(c.breakdowns.size_class_bounds[1])),
        ("size_bound_3", int(c.breakdowns.size_class_bounds[2])),
        ("age_bound_1", int(c.breakdowns.age_class_bounds[0])),
        ("age_bound_2", int(c.breakdowns.age_class_bounds[1])),
        ("age_bound_3", int(c.breakdowns.age_class_bounds[2])),
        ("min_cell_firms", Arc::new(Int64Array::from(vec![c.disclosure.min_firms])) as ArrayRef),
        ("max_firm_share", Arc::new(Float64Array::from(vec![c.disclosure.max_firm_share])) as ArrayRef),
        ("min_controls", Arc::new(Int64Array::from(vec![c.comparison.min_controls])) as ArrayRef),
    ];
    let batch = RecordBatch::try_from_iter(columns)?;
    register_batch(ctx, "params", batch)
}

/// The settings tables: rubric map, postcode map, NACE sections and the NACE preferences.
pub fn register_settings(ctx: &SessionContext, settings: &Settings) -> Result<()> {
    register_batch(ctx, "rubric_map", rubric_map(settings)?)?;
    register_batch(ctx, "postcode_region", postcode_region(settings)?)?;
    register_batch(ctx, "nace_division_section", nace_division_section(settings)?)?;
    let b = &settings.config.breakdowns;
    register_batch(ctx, "size_class_of", class_table("fte_floor", b.size_class_bounds)?)?;
    register_batch(ctx, "age_class_of", class_table("age", b.age_class_bounds)?)?;
    let changes = &settings.config.breakdowns.province_changes;
    register_batch(
        ctx,
        "province_change",
        RecordBatch::try_from_iter(vec![
            ("postcode", Arc::new(Int32Array::from_iter_values(changes.iter().map(|c| c.postcode))) as ArrayRef),
            ("province_before", Arc::new(StringArray::from_iter_values(changes.iter().map(|c| c.province_before.as_str()))) as ArrayRef),
            ("from_year", Arc::new(Int32Array::from_iter_values(changes.iter().map(|c| c.from_year))) as ArrayRef),
        ])?,
    )?;
    let reg = &settings.config.register;
    register_batch(ctx, "nace_version_preference", preference("nace_version", &reg.nace_versions)?)?;
    register_batch(ctx, "activity_group_preference", preference("activity_group", &reg.activity_groups)?)?;
    Ok(())
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

fn rubric_map(settings: &Settings) -> Result<RecordBatch> {
    let file = "rubric map";
    let cols = ["measure", "kind", "missing_value", "priority", "rubric_code", "sign", "selects_level"];
    let rows = settings_rows(file, &settings.rubric_map_csv, &cols)?;
    let mut kinds: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut seen = HashSet::new();
    // (measure, priority) -> whether the level has a rubric that selects it.
    let mut levels: BTreeMap<(String, i32), bool> = BTreeMap::new();
    let mut out: [Vec<String>; 5] = Default::default();
    let (mut priority, mut sign, mut selects) = (vec![], vec![], vec![]);
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
        let selects_level = match v[6].as_str() {
            "yes" => true,
            "no" => false,
            _ => return Err(CpiError::bad_field(file, *line, "selects_level", "must be yes or no")),
        };
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
    ])?)
}

/// (measure, rubric code) of every row of the rubric map.
pub fn rubric_codes(settings: &Settings) -> Result<Vec<(String, String)>> {
    let rows = settings_rows("rubric map", &settings.rubric_map_csv, &["measure", "rubric_code"])?;
    Ok(rows.into_iter().map(|(_, mut v)| (std::mem::take(&mut v[0]), std::mem::take(&mut v[1]))).collect())
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

/// The steps that do not depend on the reference year (register, account checks, annual
/// figures) run once; the others once per reference year.
const COMMON_STEPS: usize = 3;

/// Runs every statement of every step, in order; the first failure stops the run and names
/// the file and statement.
pub async fn run_steps(ctx: &SessionContext) -> Result<Vec<StepTiming>> {
    run_sql_files(ctx, &SQL_STEPS).await
}

/// The year-independent steps (10, 15, 20).
pub async fn run_common_steps(ctx: &SessionContext) -> Result<Vec<StepTiming>> {
    run_sql_files(ctx, &SQL_STEPS[..COMMON_STEPS]).await
}

/// The steps of one reference year (30 and after), after dropping what an earlier year's run
/// of them created and registering that year's `params`.
pub async fn run_year_steps(ctx: &SessionContext, settings: &Settings, year: i32) -> Result<Vec<StepTiming>> {
    for (file, sql) in &SQL_STEPS[COMMON_STEPS..] {
        let statements = DFParser::parse_sql(sql).map_err(|e| CpiError::Sql { file: file.to_string(), statement: 0, source: Box::new(e) })?;
        for statement in statements {
            ctx.deregister_table(created_name(&statement.to_string()).as_str())?;
        }
    }
    ctx.deregister_table("params")?;
    register_params(ctx, settings, year)?;
    let mut timings = run_sql_files(ctx, &SQL_STEPS[COMMON_STEPS..]).await?;
    for t in &mut timings {
        t.reference_year = Some(year);
    }
    Ok(timings)
}

/// Only the checks on account rows (step 15), for `cpi validate`.
pub async fn run_account_checks(ctx: &SessionContext) -> Result<Vec<StepTiming>> {
    run_sql_files(ctx, &SQL_STEPS[1..2]).await
}

async fn run_sql_files(ctx: &SessionContext, steps: &[(&str, &str)]) -> Result<Vec<StepTiming>> {
    let mut timings = vec![];
    let progress = crate::progress::bar(steps.len() as u64, "SQL steps");
    for &(file, sql) in steps {
        progress.set_message(file.to_string());
        let statements = DFParser::parse_sql(sql).map_err(|e| CpiError::Sql {
            file: file.to_string(),
            statement: 0,
            source: Box::new(e),
        })?;
        for (i, statement) in statements.into_iter().enumerate() {
            let text = statement.to_string();
            let creates = created_name(&text);
            let started = Instant::now();
            let sql_error = |e: datafusion::error::DataFusionError| CpiError::Sql {
                file: file.to_string(),
                statement: i + 1,
                source: Box::new(e),
            };
            let plan = ctx.state().statement_to_plan(statement).await.map_err(sql_error)?;
            // On its own task, so that a panic inside DataFusion (seen in DataFusion 55 when a
            // repartition spills under --memory-limit) ends the run as an internal error naming
            // the statement, with exit code 4, instead of aborting the process.
            let session = ctx.clone();
            tokio::spawn(async move { session.execute_logical_plan(plan).await?.collect().await })
                .await
                .map_err(|e| sql_error(datafusion::error::DataFusionError::Execution(format!("DataFusion panicked: {}", panic_message(e)))))?
                .map_err(sql_error)?;
            let seconds = started.elapsed().as_secs_f64();
            tracing::debug!(step = file, statement = i + 1, creates = %creates, seconds, "sql statement done");
            timings.push(StepTiming { step: file.to_string(), reference_year: None, statement: i + 1, creates, seconds });
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(timings)
}

/// The message of a panicked task, for the error.
fn panic_message(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into()),
        Err(e) => e.to_string(),
    }
}

/// Each statement of each step with its logical plan, running them in order.
pub async fn explain_steps(ctx: &SessionContext) -> Result<String> {
    use std::fmt::Write;
    let mut out = String::new();
    for (file, sql) in SQL_STEPS {
        let statements = DFParser::parse_sql(sql).map_err(|e| CpiError::Sql { file: file.to_string(), statement: 0, source: Box::new(e) })?;
        for (i, statement) in statements.into_iter().enumerate() {
            let sql_error = |e: datafusion::error::DataFusionError| CpiError::Sql { file: file.to_string(), statement: i + 1, source: Box::new(e) };
            let _ = writeln!(out, "-- ===== {file}, statement {} =====\n{statement};\n", i + 1);
            let plan = ctx.state().statement_to_plan(statement).await.map_err(sql_error)?;
            let optimized = ctx.state().optimize(&plan).map_err(sql_error)?;
            let _ = writeln!(out, "-- plan:\n{}\n", optimized.display_indent());
            ctx.execute_logical_plan(plan).await.map_err(sql_error)?.collect().await.map_err(sql_error)?;
        }
    }
    Ok(out)
}

/// The name after CREATE/DROP TABLE/VIEW, for logs.
fn created_name(sql: &str) -> String {
    let words: Vec<&str> = sql.split_whitespace().take(4).collect();
    match words.as_slice() {
        [create, _, name, ..] if create.eq_ignore_ascii_case("CREATE") => name.to_string(),
        [drop, _, name, ..] if drop.eq_ignore_ascii_case("DROP") => format!("drop {name}"),
        _ => sql.chars().take(40).collect(),
    }
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
    }
}
