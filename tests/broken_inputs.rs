//! The corpus under tests/broken/: each case is the hand-worked input with some files replaced
//! (and those listed in REMOVE deleted), and expected.txt holds the exact error or the exact
//! rejects (`reject: <file> <line> <field> <reason>`). `{input}` stands for the input folder.

mod common;

use std::path::Path;
use std::process::Command;

use common::{copy_dir, fixture};


/// The hand-worked input with a case applied, in a temporary folder.
fn broken_input(case: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("handworked"), dir.path());
    if let Ok(list) = std::fs::read_to_string(case.join("REMOVE")) {
        for p in list.lines().filter(|l| !l.is_empty()) {
            std::fs::remove_file(dir.path().join(p)).unwrap();
        }
    }
    for e in std::fs::read_dir(case).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            copy_dir(&p, &dir.path().join(p.file_name().unwrap()));
        }
    }
    dir
}

#[test]
fn every_broken_input_gives_its_exact_error_or_rejects() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut cases: Vec<_> = std::fs::read_dir(&corpus).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    assert!(cases.len() >= 10, "the corpus has {} cases", cases.len());
    let rt = tokio::runtime::Runtime::new().unwrap();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let input = broken_input(&case);
        let input_name = input.path().to_string_lossy().to_string();
        let expected = std::fs::read_to_string(case.join("expected.txt")).unwrap().replace("{input}", &input_name);
        let result = rt.block_on(cpi::validate(&input_name, None));
        if let Some(error) = expected.strip_prefix("error: ") {
            let err = result.err().unwrap_or_else(|| panic!("{name}: expected an error"));
            assert_eq!(err.to_string(), error.trim_end(), "{name}");
            assert_eq!(err.exit_code(), std::process::ExitCode::from(2), "{name}: bad input exits 2");
        } else {
            let report = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            let prefix = format!("{input_name}/");
            let mut got: Vec<String> = report
                .rejects
                .iter()
                .map(|r| format!("reject: {} {} {} {}", r.file.trim_start_matches(&prefix), r.line, r.field, r.reason))
                .collect();
            // Only the rejects of the files the case adds (the hand-worked input has its own).
            let added = added_files(&case);
            got.retain(|r| added.iter().any(|f| r.starts_with(&format!("reject: {f} "))));
            got.sort();
            let mut want: Vec<String> = expected.lines().map(str::to_string).collect();
            want.sort();
            assert_eq!(got, want, "{name}");
            for f in &report.files {
                assert_eq!(f.rows_read, f.rows_used + f.rows_rejected, "{name}: {}", f.file);
            }
        }
    }
}

/// The input files a corpus case adds or replaces, relative to the input folder.
fn added_files(case: &Path) -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, root, out);
            } else if p.parent() != Some(root) {
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().to_string());
            }
        }
    }
    let mut out = vec![];
    walk(case, case, &mut out);
    out
}

fn cpi() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cpi"))
}

#[test]
fn the_command_line_reports_bad_input_on_one_line_with_exit_code_2() {
    let input = broken_input(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken/members_no_number_column"));
    let out = tempfile::tempdir().unwrap();
    let result = cpi()
        .args(["-q", "run", "--year", "2024", "--input"])
        .arg(input.path())
        .arg("--output")
        .arg(out.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(result.status.code(), Some(2));
    let stderr = String::from_utf8(result.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("cpi: bad input: ") && stderr.contains("clusters/members.csv: no header row with an enterprise number column"), "{stderr}");
    assert!(!out.path().join("out").exists());
}

#[test]
fn validate_prints_a_report_and_exits_0_on_usable_input() {
    let result = cpi().args(["-q", "validate", "--input"]).arg(fixture("handworked")).output().unwrap();
    assert_eq!(result.status.code(), Some(0));
    let report = String::from_utf8(result.stdout).unwrap();
    assert!(report.contains("clusters/members.csv: 13 rows read, 11 accepted, 2 rejected"), "{report}");
    assert!(report.contains("    enterprise_number_check_digits: 1 row(s)\n      line 5, field enterprise_number: \"0200.000.737\""), "{report}");
    assert!(report.contains("accounts/accounts.csv: 76 rows read, 73 accepted, 3 rejected"), "{report}");
    assert!(report.contains("    duplicate_row: 1 row(s)\n      line 77, field rubric_code: \"70\""), "{report}");
    assert!(report.ends_with("inputs are usable: 5 row(s) rejected (they go to rejects.parquet in a run)\n"), "{report}");
}

#[test]
fn an_existing_output_is_refused_without_overwrite_and_replaced_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("old.txt"), "previous run").unwrap();
    let run = |extra: &[&str]| {
        cpi().args(["-q", "run", "--year", "2024", "--input"]).arg(fixture("handworked")).arg("--output").arg(&out).args(extra).output().unwrap()
    };
    let refused = run(&[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("already holds a run; pass --overwrite"));
    assert_eq!(std::fs::read_to_string(out.join("old.txt")).unwrap(), "previous run");
    let replaced = run(&["--overwrite"]);
    assert_eq!(replaced.status.code(), Some(0));
    assert!(!out.join("old.txt").exists(), "the folder is replaced as a whole");
    assert!(out.join("cpi7_turnover.parquet").exists());
    // No staging or previous folders are left beside it.
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("out")]);
}

#[test]
fn a_run_killed_midway_leaves_the_previous_outputs_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big");
    let status = cpi().args(["-q", "generate", "--scale", "0.03", "--seed", "7", "--output"]).arg(&big).status().unwrap();
    assert!(status.success());
    let out = dir.path().join("out");
    let ok = cpi().args(["-q", "run", "--year", "2024", "--input"]).arg(fixture("handworked")).arg("--output").arg(&out).status().unwrap();
    assert!(ok.success());
    let before = common::files_in(&out);

    // Start a run on the larger input and kill it once it is busy (its staging folder exists).
    let mut child = cpi()
        .args(["-q", "run", "--year", "2024", "--overwrite", "--input"])
        .arg(&big)
        .arg("--output")
        .arg(&out)
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !staging_exists(dir.path()) && started.elapsed().as_secs() < 30 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the run was killed before it could finish");
    assert_eq!(common::files_in(&out), before, "the previous outputs are untouched");

    // The next run cleans up the killed run's staging folder and publishes normally.
    let again = cpi().args(["-q", "run", "--year", "2024", "--overwrite", "--input"]).arg(fixture("handworked")).arg("--output").arg(&out).status().unwrap();
    assert!(again.success());
    assert!(!staging_exists(dir.path()));
    let after = common::files_in(&out);
    for (file, bytes) in &before {
        if file.ends_with(".parquet") {
            assert_eq!(after.get(file), Some(bytes), "{file}: same inputs, same bytes");
        }
    }
}

fn staging_exists(parent: &Path) -> bool {
    std::fs::read_dir(parent).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().contains(".staging-"))
}

#[test]
fn verify_accepts_a_run_and_catches_a_changed_or_extra_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = cpi()
        .args(["--log-format", "json", "run", "--year", "2024", "--input"])
        .arg(fixture("handworked"))
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success());
    // JSON logs: one object per line, for schedulers.
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(stderr.lines().count() >= 3);
    for line in stderr.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        assert!(v["level"].is_string() && v["fields"].is_object(), "{line}");
    }
    let verify = || cpi().args(["-q", "verify", "--output"]).arg(&out).output().unwrap();
    let ok = verify();
    assert_eq!(ok.status.code(), Some(0));
    // the 11 Parquet tables and report.html
    assert!(String::from_utf8_lossy(&ok.stdout).ends_with("12 files match manifest.json\n"));

    std::fs::write(out.join("notes.txt"), "added by hand").unwrap();
    let extra = verify();
    assert_eq!(extra.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&extra.stderr).contains("notes.txt: not listed in the manifest"));
    std::fs::remove_file(out.join("notes.txt")).unwrap();

    let mut bytes = std::fs::read(out.join("cpi7_turnover.parquet")).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 1;
    std::fs::write(out.join("cpi7_turnover.parquet"), bytes).unwrap();
    let changed = verify();
    assert_eq!(changed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&changed.stderr).contains("cpi7_turnover.parquet: SHA-256 differs from the manifest"));
}
