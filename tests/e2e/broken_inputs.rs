//! The corpus under tests/broken/: each case is the hand-worked input with some files replaced
//! (and those listed in REMOVE deleted), and expected.txt holds the exact error or the exact
//! rejects (`reject: <file> <line> <field> <reason>`). `{input}` stands for the input folder.

use crate::common;

use std::collections::BTreeMap;
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
    // every reason a case gives is one schemas/rejects.json lists for readers of rejects.parquet
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/rejects.json")).unwrap()).unwrap();
    let listed = schema["columns"].as_array().unwrap().iter().find(|c| c["name"] == "reason").unwrap()["description"].as_str().unwrap().to_string();
    let listed: Vec<&str> = listed.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).collect();
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
            for r in &report.rejects {
                assert!(listed.contains(&r.reason.as_str()), "{name}: reason {} is not listed in schemas/rejects.json", r.reason);
            }
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
    // The precondition: the run is busy (its staging folder exists) and still running.
    assert!(staging_exists(dir.path()), "the run never made its staging folder");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "the run ended before it could be killed");
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
    // the 12 Parquet tables and report.html
    assert!(String::from_utf8_lossy(&ok.stdout).ends_with("13 files match manifest.json\n"));

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

/// kill -9 at random moments of `cpi run`, `cpi report` and `cpi ingest` (seeded, spread over each
/// command's own duration measured first; rounds go on until each command was killed at least
/// twice while it ran, since a short command may finish before its moment on a loaded machine,
/// at most 30 rounds): afterwards the
/// output folder verifies and holds the previous run's bytes (the same inputs), the next command
/// runs at once (a killed process's lock is released by the kernel), and a staged copy either
/// is the previous one or is complete.
#[test]
fn kills_at_random_moments_leave_a_folder_that_verifies() {
    use rand::{Rng, SeedableRng};
    use std::time::Instant;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    assert!(cpi().args(["-q", "generate", "--scale", "0.01", "--seed", "17", "--output"]).arg(&input).status().unwrap().success());
    let out = dir.path().join("out");
    let run = || {
        let mut c = cpi();
        c.args(["-q", "run", "--overwrite", "--year", "2024", "--input"]).arg(&input).arg("--output").arg(&out);
        c
    };
    let report = || {
        let mut c = cpi();
        c.args(["-q", "report", "--lang", "en", "--output"]).arg(&out);
        c
    };
    let copy = dir.path().join("copy");
    let ingest = || {
        let mut c = cpi();
        c.args(["-q", "ingest", "--overwrite", "--input"]).arg(&input).arg("--output").arg(&copy);
        c
    };
    let timed = |mut c: Command| {
        let started = Instant::now();
        assert!(c.status().unwrap().success());
        started.elapsed()
    };
    let durations = [("run", timed(run())), ("report", timed(report())), ("ingest", timed(ingest()))];
    let reference = common::files_in(&out);
    let verifies = || cpi().args(["-q", "verify", "--output"]).arg(&out).status().unwrap().success();
    assert!(verifies());

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(29);
    let mut killed = BTreeMap::new();
    let killed_twice = |k: &BTreeMap<&str, i32>| ["run", "report", "ingest"].iter().all(|c| k.get(c).copied().unwrap_or(0) >= 2);
    for round in 0..30 {
        if killed_twice(&killed) {
            break;
        }
        let (command, duration) = durations[round % 3];
        if killed.get(command).copied().unwrap_or(0) >= 2 {
            continue;
        }
        let mut child = match command {
            "run" => run(),
            "report" => report(),
            _ => ingest(),
        }
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
        std::thread::sleep(duration.mul_f64(rng.random_range(0.05..0.9)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            *killed.entry(command).or_insert(0) += 1;
        }
        child.wait().unwrap();
        assert!(verifies(), "round {round}: after a kill of cpi {command} the folder verifies");
        let now = common::files_in(&out);
        for (file, bytes) in reference.iter().filter(|(f, _)| f.ends_with(".parquet")) {
            assert_eq!(now.get(file), Some(bytes), "round {round} ({command}): {file}");
        }
        // The next command of the same kind is not blocked by the dead one's lock.
        match command {
            "run" => assert!(run().status().unwrap().success()),
            "report" => assert!(report().status().unwrap().success()),
            _ => {
                assert!(ingest().status().unwrap().success());
                // The staged copy gives the reference outputs.
                let from_copy = dir.path().join("from-copy");
                let ok = cpi().args(["-q", "run", "--overwrite", "--year", "2024", "--input"]).arg(&copy).arg("--output").arg(&from_copy).status().unwrap();
                assert!(ok.success());
                let got = common::files_in(&from_copy);
                for (file, bytes) in reference.iter().filter(|(f, _)| f.ends_with(".parquet")) {
                    assert_eq!(got.get(file), Some(bytes), "round {round}: {file} from the staged copy");
                }
            }
        }
        assert!(!staging_exists(dir.path()), "round {round}: no staging folder left after the next {command}");
    }
    // The precondition: each command was killed while it ran, more than once.
    for command in ["run", "report", "ingest"] {
        assert!(killed.get(command).copied().unwrap_or(0) >= 2, "{command} killed while running only {killed:?}");
    }
}

/// Two runs onto one local folder: the second stops at once with exit code 6 and names the lock
/// file and its holder; with --wait it waits, then publishes; the lock file is gone afterwards.
#[test]
fn two_runs_onto_one_local_folder_never_interleave() {
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    assert!(cpi().args(["-q", "generate", "--scale", "0.02", "--seed", "5", "--output"]).arg(&input).status().unwrap().success());
    let out = dir.path().join("out");
    let lock = dir.path().join(".out.lock");
    let mut first = cpi().args(["-q", "run", "--year", "2024", "--input"]).arg(&input).arg("--output").arg(&out).spawn().unwrap();
    let started = Instant::now();
    while !lock.exists() {
        assert!(started.elapsed() < Duration::from_secs(60), "the first run never took the lock");
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = cpi().args(["run", "--year", "2024", "--overwrite", "--input"]).arg(fixture("handworked")).arg("--output").arg(&out).output().unwrap();
    assert!(first.try_wait().unwrap().is_none(), "the precondition: the first run was still running");
    let message = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(6), "{message}");
    assert!(message.contains(".out.lock") && message.contains(&format!("pid {}", first.id())) && message.contains("--wait"), "{message}");

    let waited = cpi().args(["-q", "run", "--wait", "--year", "2024", "--overwrite", "--input"]).arg(fixture("handworked")).arg("--output").arg(&out).output().unwrap();
    assert!(waited.status.success(), "{}", String::from_utf8_lossy(&waited.stderr));
    assert!(first.wait().unwrap().success());
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest["input_location"].as_str().unwrap().ends_with("handworked"), "the waiting run published last");
    assert!(cpi().args(["-q", "verify", "--output"]).arg(&out).status().unwrap().success());
    assert!(!lock.exists(), "the lock file is removed when released");
}

/// A full disk: the output folder on a small tmpfs that holds one run but not a second beside
/// it. The second run fails with exit code 3 naming the file it could not write, the first
/// run's outputs stay and verify, and no staging folder is left. Needs root (mount); skipped
/// with a message elsewhere.
#[test]
fn a_full_disk_fails_the_run_and_keeps_the_previous_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let probe = dir.path().join("probe");
    assert!(cpi().args(["-q", "run", "--year", "2024", "--input"]).arg(fixture("handworked")).arg("--output").arg(&probe).status().unwrap().success());
    let size: u64 = common::files_in(&probe).values().map(|b| b.len() as u64).sum();
    let disk = dir.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    // tmpfs counts whole 4 KiB pages: one run's files, their pages and some slack, not two runs.
    let pages = common::files_in(&probe).len() as u64 * 4096;
    let bytes = size + pages + 64 * 1024;
    let mounted = Command::new("mount").args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"]).arg(&disk).status();
    if !mounted.is_ok_and(|s| s.success()) {
        eprintln!("SKIPPED a_full_disk_fails_the_run_and_keeps_the_previous_outputs: cannot mount a tmpfs here (needs root)");
        return;
    }
    struct Unmount<'a>(&'a Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(&disk);
    let out = disk.join("out");
    let first = cpi().args(["-q", "run", "--year", "2024", "--input"]).arg(fixture("handworked")).arg("--output").arg(&out).output().unwrap();
    assert!(first.status.success(), "the precondition: one run fits ({bytes} bytes): {}", String::from_utf8_lossy(&first.stderr));
    let before = common::files_in(&out);
    let second = cpi().args(["run", "--overwrite", "--year", "2024", "--input"]).arg(fixture("handworked")).arg("--output").arg(&out).output().unwrap();
    let message = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(3), "{message}");
    assert!(message.contains("No space left on device") || message.contains("StorageFull"), "{message}");
    assert_eq!(common::files_in(&out), before);
    assert!(cpi().args(["-q", "verify", "--output"]).arg(&out).status().unwrap().success());
    assert!(!staging_exists(&disk), "the failed run's staging folder is removed");
    assert!(!disk.join(".out.lock").exists());
}
