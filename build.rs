//! Build script: records the git commit the binary was built from (for manifest.json), and
//! compiles every `sql/*.sql` step and every `schemas/*.json` table into the binary, found by
//! name, so that adding a step or an output table needs no Rust change and a run cannot pick up
//! edited files by accident.
use std::fmt::Write;

fn main() {
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    let dirty = std::process::Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .is_some_and(|o| !o.stdout.is_empty());
    println!("cargo:rustc-env=CPI_GIT_COMMIT={commit}{}", if dirty { "-dirty" } else { "" });
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/index");
    println!("cargo:rerun-if-changed=.git/refs");

    let root = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut generated = String::new();
    for (constant, folder, extension) in [
        ("SQL_FILES", "sql", "sql"),
        ("SCHEMA_FILES", "schemas", "json"),
        ("STAGED_SCHEMA_FILES", "schemas/staged", "json"),
        ("RUNNER_SCHEMA_FILES", "schemas/runner", "json"),
    ] {
        println!("cargo:rerun-if-changed={folder}");
        let mut files: Vec<String> = std::fs::read_dir(root.join(folder))
            .expect("the folder exists")
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().to_string()))
            .filter(|name| name.ends_with(&format!(".{extension}")))
            .collect();
        files.sort();
        writeln!(generated, "/// Every `{folder}/*.{extension}` file, in name order: (file name, contents).").unwrap();
        writeln!(generated, "pub const {constant}: &[(&str, &str)] = &[").unwrap();
        // Paths relative to the package, resolved when the crate compiles: a target directory
        // shared by two checkouts (CI's cache) never reads another checkout's files.
        for f in files {
            writeln!(generated, "    ({f:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{folder}/{f}\"))),").unwrap();
        }
        writeln!(generated, "];").unwrap();
    }
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("embedded.rs");
    std::fs::write(out, generated).expect("OUT_DIR is writable");
}
