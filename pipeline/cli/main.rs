//! The `cpi` command line: parses arguments (typed by clap value parsers), sets up logging,
//! calls the library and maps its errors to the exit codes documented in README.md. The
//! generator of synthetic inputs lives here, beside the command line, not in the library: it is
//! a tool for tests and benchmarks, not part of the method.

mod generate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "cpi", version, about = "Compute the Flemish spearhead-cluster policy indicators CPI 6, 7 and 8 \
from the KBO/BCE register, NBB annual accounts and the clusters' member lists.")]
struct Cli {
    /// More log output (-v: debug, -vv: trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Only warnings and errors.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Log format on stderr: human-readable text, or one JSON object per line for schedulers.
    #[arg(long, value_enum, default_value = "text", global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compute CPI 6, 7 and 8 for a reference year and write the Parquet outputs.
    Run {
        /// Input folder with kbo/, accounts/, clusters/ and optionally totals/: a path or an
        /// s3://, gs://, az:// or file:// URL (credentials from AWS_*, GOOGLE_*, AZURE_* variables).
        #[arg(long, default_value = "data-samples")]
        input: String,
        /// Output folder (path or URL). Written atomically: it is replaced only when every
        /// table is complete.
        #[arg(long, default_value = "out")]
        output: String,
        /// Reference year T (cohort on 1 January of T, growth over T-3..T, investment over
        /// T-4..T), or an inclusive range such as 2019..2024 for one row per year.
        #[arg(long, value_parser = years)]
        year: Years,
        /// Method settings (TOML); the shipped defaults when absent (see `cpi config`).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Replace an output folder that already holds files.
        #[arg(long)]
        overwrite: bool,
        /// Memory for sorts, joins and aggregates (e.g. 4G); beyond it they spill to
        /// temporary files instead of failing. Default: no limit.
        #[arg(long, value_parser = memory)]
        memory_limit: Option<usize>,
        /// Also write the unsuppressed breakdowns (cells below the disclosure thresholds not
        /// hidden) to this separate folder, for internal use only.
        #[arg(long)]
        confidential: Option<String>,
        /// Language of report.html: nl (Dutch, numbers written 1.234,5) or en (English, 1,234.5).
        #[arg(long, value_enum, default_value = "nl")]
        lang: LangArg,
        /// If another cpi run, ingest or report holds this output folder's lock, wait for it
        /// to end instead of stopping at once (exit code 6).
        #[arg(long)]
        wait: bool,
    },
    /// Write report.html again into an existing output folder, from its public tables and
    /// manifest.json only (so it can never show a suppressed value), and record it in the manifest.
    Report {
        /// Output folder of a run (path or s3://, gs://, az:// URL).
        #[arg(long, default_value = "out")]
        output: String,
        /// Language: nl (Dutch, numbers written 1.234,5) or en (English, 1,234.5).
        #[arg(long, value_enum, default_value = "nl")]
        lang: LangArg,
        /// If another cpi run, ingest or report holds this output folder's lock, wait for it
        /// to end instead of stopping at once (exit code 6).
        #[arg(long)]
        wait: bool,
    },
    /// Stage an input folder once for repeated runs: every input read and checked into
    /// Parquet tables, and the year-independent steps computed; `cpi run --input COPY` then
    /// gives the same outputs without reading the published files again.
    Ingest {
        /// Input folder as published (path or s3://, gs://, az:// URL).
        #[arg(long, default_value = "data-samples")]
        input: String,
        /// Local folder for the staged copy; use it as `cpi run --input`.
        #[arg(long)]
        output: String,
        /// Method settings (TOML) the inputs are checked with; runs on the copy must use
        /// settings that check the same way.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Replace a folder that already holds files.
        #[arg(long)]
        overwrite: bool,
        /// If another cpi run, ingest or report holds this output folder's lock, wait for it
        /// to end instead of stopping at once (exit code 6).
        #[arg(long)]
        wait: bool,
    },
    /// Write a synthetic input folder in the published formats (for tests and benchmarks).
    Generate {
        /// Size relative to the Belgian economy: 1.0 = 1.94 million enterprises and 430,000
        /// filers a year; 0.01 makes a small set.
        #[arg(long, default_value_t = 0.01)]
        scale: f64,
        /// Folder to write (kbo/, accounts/, clusters/, totals/).
        #[arg(long)]
        output: PathBuf,
        /// Random seed: the same seed gives the same bytes.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write the KBO extract as the published zip instead of loose CSV files.
        #[arg(long)]
        zip: bool,
        /// Format of the account files: long form (csv, parquet) or the CBSO's JSON extracts (cbso).
        #[arg(long, value_enum, default_value = "csv")]
        accounts_format: AccountsFormatArg,
        /// Member lists: one clusters/members.csv (csv), or one list per cluster as its office
        /// keeps it, .xlsx or a ';'-separated Windows-1252 CSV (spreadsheets).
        #[arg(long, value_enum, default_value = "csv")]
        members_format: MembersFormatArg,
    },
    /// Check every input without computing the indicators and print a report per file
    /// (rows read, accepted, rejected by reason with examples). Exit 0 when usable.
    Validate {
        /// Input folder with kbo/, accounts/, clusters/ and optionally totals/.
        #[arg(long, default_value = "data-samples")]
        input: String,
        /// Method settings (TOML) whose checks apply (e.g. accounts.max_exercise_months).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Print the shipped default method settings (TOML, with comments).
    Config {
        /// Print the shipped defaults (the only mode; kept explicit for scripts).
        #[arg(long)]
        default: bool,
    },
    /// Re-check an output folder against its manifest.json (sizes and SHA-256 of every file).
    Verify {
        /// Output folder of a run (path or s3://, gs://, az:// URL).
        #[arg(long, default_value = "out")]
        output: String,
    },
    /// Print every SQL step of the method with the plans DataFusion makes of it on the inputs
    /// (logical, and physical for each table and view).
    Explain {
        /// Input folder to plan against.
        #[arg(long, default_value = "data-samples")]
        input: String,
        /// Reference year T of the per-year steps (required unless --sql-only).
        #[arg(long, required_unless_present = "sql_only")]
        year: Option<i32>,
        /// Method settings (TOML).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Print only the SQL text, without loading inputs or planning.
        #[arg(long)]
        sql_only: bool,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LangArg {
    Nl,
    En,
}

impl From<LangArg> for cpi::report::format::Language {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::Nl => cpi::report::format::Language::Nl,
            LangArg::En => cpi::report::format::Language::En,
        }
    }
}

/// Reference years of `--year`, in order.
#[derive(Clone, Debug)]
struct Years(Vec<i32>);

fn years(text: &str) -> Result<Years, String> {
    cpi::args::years(text).map(Years).map_err(|e| e.to_string())
}

fn memory(text: &str) -> Result<usize, String> {
    cpi::args::memory(text).map_err(|e| e.to_string())
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum AccountsFormatArg {
    Csv,
    Parquet,
    Cbso,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum MembersFormatArg {
    Csv,
    Spreadsheets,
}

fn main() -> ExitCode {
    return_freed_memory_sooner();
    no_transparent_huge_pages();
    // What #[tokio::main] builds, after the allocator is set while the process has one thread.
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime").block_on(run_command())
}

/// mimalloc's option `purge_delay` (the 16th of `mi_option_e` in mimalloc.h, version 3, which
/// the mimalloc crate builds): how long freed memory is kept before it goes back to the system.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc 3 keeps freed memory for a second (`purge_delay` 1000 ms) before it returns it to
/// the system. A run frees gigabytes at the end of one SQL statement and allocates as much in
/// the next within that second, and the two added up to the peak. Full runs at F = 1.0 (one
/// binary, the delay set by environment variable; resident peak, system CPU time):
/// 1000 ms 3.49-3.60 GB, 17.7-18.3 s; 100 ms 3.35-3.41 GB, 18.7-21.8 s; 10 ms 3.23 GB, 23.8 s;
/// 0 (at once) 3.02-3.17 GB, 35.9 s: returning every freed page at once made the reader fault
/// its batch buffers in again and again. 100 ms keeps the peak under 3.5 GB for the CPU of the
/// default. MIMALLOC_PURGE_DELAY in the environment, if set, still decides.
fn return_freed_memory_sooner() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: called first thing in main, while the process has one thread (the function
        // is not thread-safe); it only sets an integer option.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 100) };
    }
}

/// Transparent huge pages off for this process (Linux's `PR_SET_THP_DISABLE`, man 2 prctl).
/// mimalloc asks the kernel for huge pages on its arenas (`madvise(MADV_HUGEPAGE)`, which a
/// system's THP setting `madvise` honours), and the kernel then zeroes 2 MiB at the first touch
/// of any byte in them: the run's resident memory counted whole huge pages that it touched in
/// part, and clearing pages was 15 % of a CSV run's samples at F = 1.0. Off, full runs at F = 1.0
/// (the same binary alternated, THP off by MIMALLOC_ALLOW_THP=0, BENCHMARKS.md): CSV 40.6-42.9 s
/// and a 2,810-2,917 MiB peak against 40.1-41.8 s and 3,372-3,487 MiB; CBSO JSON 78.7-80.6 s and
/// 3,129-3,163 MiB against 81.6-82.6 s and 3,725-3,867 MiB. MIMALLOC_ALLOW_THP in the environment, if set,
/// still decides (mimalloc reads it when it starts).
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: prctl with PR_SET_THP_DISABLE only sets a flag of this process; it fails
        // (returns -1, ignored: the run is only slower) on kernels older than 3.15.
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    }
}

async fn run_command() -> ExitCode {
    let cli = Cli::parse();
    let level = match (cli.quiet, cli.verbose) {
        (true, _) => "warn",
        (false, 0) => "info",
        (false, 1) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("warn,cpi={level}")));
    // Colour codes only on a terminal: logs redirected to a file or a pipe stay plain text.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(colour);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    let result = match cli.command {
        Command::Run { input, output, year, config, overwrite, memory_limit, confidential, lang, wait } => {
            let opts = cpi::RunOptions { input, output: output.clone(), years: year.0, config, overwrite, memory_limit, confidential, report_language: lang.into(), wait };
            cpi::run(&opts).await.map(|outcome| {
                tracing::info!(output = %output, seconds = outcome.manifest.seconds, "run complete");
                // The result at a glance, for a person at a terminal only (not in scripts, not
                // with -q, not with JSON logs).
                if std::io::IsTerminal::is_terminal(&std::io::stdout()) && !cli.quiet && matches!(cli.log_format, LogFormat::Text) {
                    print!("{}", cpi::summary::render(&outcome.summary, outcome.manifest.warnings.len(), &output));
                }
            })
        }
        Command::Generate { scale, output, seed, zip, accounts_format, members_format } => {
            let opts = generate::GenerateOptions {
                scale,
                seed,
                zip,
                accounts_format: match accounts_format {
                    AccountsFormatArg::Csv => generate::AccountsFormat::Csv,
                    AccountsFormatArg::Parquet => generate::AccountsFormat::Parquet,
                    AccountsFormatArg::Cbso => generate::AccountsFormat::Cbso,
                },
                members_format: match members_format {
                    MembersFormatArg::Csv => generate::MembersFormat::Csv,
                    MembersFormatArg::Spreadsheets => generate::MembersFormat::Spreadsheets,
                },
            };
            generate::generate(&output, &opts).map(|s| {
                tracing::info!(?s, output = %output.display(), "generated");
            })
        }
        Command::Validate { input, config } => cpi::validate(&input, config.as_deref()).await.map(|report| {
            out(&format!("{report}\n"));
        }),
        Command::Config { .. } => {
            out(cpi::config::DEFAULT_TOML);
            Ok(())
        }
        Command::Report { output, lang, wait } => cpi::report::rewrite(&output, lang.into(), wait).await.map(|r| {
            tracing::info!(output = %output, file = r.file, bytes = r.bytes, "report written");
        }),
        Command::Verify { output } => cpi::verify(&output).await.map(|files| {
            out(&format!("{output}: {} files match manifest.json\n", files.len()));
        }),
        Command::Ingest { input, output, config, overwrite, wait } => cpi::ingest::ingest(&input, &output, config.as_deref(), overwrite, wait).await.map(|record| {
            let rows: u64 = record.tables.iter().map(|f| f.rows).sum();
            tracing::info!(output = %output, rows, snapshot = %record.kbo.snapshot_date, common_key = %record.common.key, "staged copy written");
        }),
        // (each step as it runs: with the views the catalogue writes, so another engine runs
        // exactly these statements)
        Command::Explain { sql_only: true, .. } => cpi::steps::all().map(|steps| {
            for step in steps {
                out(&format!("-- ===== {} =====\n{}\n", step.file, step.sql));
            }
        }),
        Command::Explain { input, year, config, .. } => {
            let year = year.expect("clap requires --year without --sql-only");
            cpi::explain(&input, year, config.as_deref()).await.map(|text| out(&text))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cpi: {e}");
            if let Some(hint) = e.hint() {
                eprintln!("cpi: hint: {hint}");
            }
            e.exit_code()
        }
    }
}

/// Writes to stdout; a closed pipe (`cpi explain | head`) is not an error.
fn out(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    /// Index 15 is the purge delay: its default in mimalloc 3 is 1000 ms (src/options.c), and no
    /// neighbouring option has that default (eager_commit_delay 1, use_numa_nodes 0).
    #[test]
    fn option_15_is_mimallocs_purge_delay() {
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) }, 1000);
        }
    }

    /// The process's flag is set: PR_GET_THP_DISABLE answers 1 after the call (0 before, unless
    /// whoever started the tests set it).
    #[cfg(target_os = "linux")]
    #[test]
    fn transparent_huge_pages_are_off_for_the_process() {
        if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
            super::no_transparent_huge_pages();
            assert_eq!(unsafe { libc::prctl(libc::PR_GET_THP_DISABLE, 0, 0, 0, 0) }, 1);
        }
    }
}
