//! One run at a time per output folder. Two runs that publish into the same folder (a cron job
//! and a person, two CI jobs) would remove each other's staging folders (publish.rs cleans up
//! after interrupted runs) and interleave their files, so `cpi run`, `cpi ingest` and
//! `cpi report` hold a lock beside the folder while they write it:
//!
//! - a local folder `out`: the file `.out.lock` beside it, held with an exclusive `flock`
//!   (std's `File::try_lock`). The kernel releases it when its process dies, however it dies,
//!   so a killed run never leaves a lock behind; the file says who holds it (pid, host, time)
//!   for the message of the run that is refused.
//! - a folder on an object store `s3://b/results/2024`: the object `s3://b/results/.2024.lock`,
//!   created with a conditional put (`If-None-Match: *`, object_store's `PutMode::Create`), so
//!   of two runs exactly one creates it. It says who holds it and until when (`expires_at`);
//!   the holder renews it every third of its lifetime (`If-Match` on the version it wrote), so
//!   a run that is killed leaves a lock that expires, and a later run takes an expired lock
//!   over with the same conditional update (of two runs taking it over, one wins).
//!
//! A run that finds the lock held stops at once with [`CpiError::Locked`] (exit code 6), or
//! waits for it with `--wait`.

use std::fs::File;
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use object_store::UpdateVersion;
use serde::{Deserialize, Serialize};

use crate::error::{CpiError, Result};
use crate::storage::Location;

/// How long a lock on an object store lives without being renewed. A killed run's lock blocks
/// the folder for at most this long. `CPI_LOCK_EXPIRY_SECONDS` overrides it (tests).
const DEFAULT_EXPIRY: Duration = Duration::from_secs(120);
/// How often a waiting run looks at the lock again.
const WAIT_POLL: Duration = Duration::from_millis(500);

/// Who holds a lock: written into the lock file or object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Holder {
    /// This run among all runs (pid and start time in nanoseconds): a run that lost the answer
    /// to its conditional put (a connection reset) recognises its own lock by it.
    #[serde(default)]
    pub run: String,
    pub pid: u32,
    pub host: String,
    pub command: String,
    pub started_at: String,
    /// Object stores only: the lock is free after this time (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

impl Holder {
    fn current(command: &str, expires_at: Option<String>) -> Holder {
        Holder {
            run: run_id().to_string(),
            pid: std::process::id(),
            host: host_name(),
            command: command.to_string(),
            started_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            expires_at,
        }
    }

    fn describe(&self) -> String {
        let until = self.expires_at.as_ref().map(|e| format!(", until {e} unless renewed")).unwrap_or_default();
        format!("`cpi {}` (pid {} on {}, since {}{until})", self.command, self.pid, self.host, self.started_at)
    }
}

/// This process's run id (pid and start time in nanoseconds), the same for every lock it takes
/// and for the staging folders it writes.
pub fn run_id() -> &'static str {
    static RUN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    RUN.get_or_init(|| format!("{}-{}", std::process::id(), chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()))
}

/// The name of this machine, for the lock's holder.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown host".into())
}

/// A held lock; released by [`OutputLock::release`] (or, for a local lock, when the process ends).
pub enum OutputLock {
    Local { file: File, path: PathBuf },
    Remote { parent: Location, name: String, lost: Arc<AtomicBool>, renewal: tokio::task::JoinHandle<()> },
}

/// The lock's name beside an output folder `name`.
pub fn lock_name(name: &str) -> String {
    format!(".{name}.lock")
}

impl OutputLock {
    /// Takes the lock of the local output folder `name` in `parent` (which exists).
    pub async fn local(parent: &Path, name: &str, command: &str, wait: bool) -> Result<OutputLock> {
        let path = parent.join(lock_name(name));
        let shown = path.display().to_string();
        loop {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| CpiError::io(&shown, e))?;
            match file.try_lock() {
                Ok(()) => {
                    // The file may have been removed by the holder that released it between our
                    // open and our lock: then we hold a lock on a file nobody else will open.
                    let same = match (std::fs::metadata(&path), file.metadata()) {
                        (Ok(on_disk), Ok(ours)) => same_file(&on_disk, &ours),
                        _ => false,
                    };
                    if !same {
                        continue;
                    }
                    if let Some(previous) = read_holder(&std::fs::read(&path).unwrap_or_default()) {
                        tracing::warn!(lock = %shown, holder = %previous.describe(), "a lock left by a process that is gone: taken over");
                    }
                    let holder = serde_json::to_vec_pretty(&Holder::current(command, None)).expect("a holder serialises");
                    file.set_len(0).and_then(|_| file.rewind()).and_then(|_| file.write_all(&holder)).and_then(|_| file.flush()).map_err(|e| CpiError::io(&shown, e))?;
                    return Ok(OutputLock::Local { file, path });
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    let holder = read_holder(&std::fs::read(&path).unwrap_or_default());
                    if !wait {
                        return Err(locked(&shown, holder.as_ref()));
                    }
                    tracing::info!(lock = %shown, "waiting for the lock");
                    tokio::time::sleep(WAIT_POLL).await;
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(CpiError::io(&shown, e)),
            }
        }
    }

    /// Takes the lock of the output folder `name` on an object store, in the folder `parent`.
    pub async fn remote(parent: &Location, name: &str, command: &str, wait: bool) -> Result<OutputLock> {
        let key = lock_name(name);
        let shown = parent.name_of(&key);
        let expiry = expiry();
        let holder_bytes = || holder_until(command, expiry);
        // A conditional put is not retried by object_store after a connection error once the
        // request was sent (it is not idempotent), and it may have been carried out: after such
        // an error the lock is read back, and it is ours when it names this run. A few such
        // errors in a row are a store that does not answer: reported as they are.
        let mut errors = 0;
        let mut transport = |e: CpiError| {
            errors += 1;
            tracing::warn!(lock = %shown, error = %e, "no answer to the lock's conditional put: reading the lock back");
            if errors >= 5 { Err(e) } else { Ok(()) }
        };
        // Set when a conditional put of ours may have been carried out without our knowing.
        let mut unsure = false;
        let version = loop {
            match parent.put_if_absent(&key, holder_bytes()).await {
                Ok(Some(version)) => break version,
                Ok(None) => {}
                Err(e) => {
                    transport(e)?;
                    unsure = true;
                }
            }
            // Someone holds it, or held it: take over an expired lock, else stop (or wait).
            let Some((bytes, version)) = parent.get_versioned(&key).await? else { continue };
            let holder = read_holder(&bytes);
            if unsure && holder.as_ref().is_some_and(|h| h.run == run_id()) {
                break version;
            }
            let expired = holder.as_ref().and_then(|h| h.expires_at.as_deref()).and_then(|e| chrono::DateTime::parse_from_rfc3339(e).ok()).is_none_or(|e| e < chrono::Utc::now());
            if expired {
                match parent.put_if_version(&key, holder_bytes(), version).await {
                    Ok(Some(version)) => {
                        if let Some(previous) = holder {
                            tracing::warn!(lock = %shown, holder = %previous.describe(), "an expired lock (its run was stopped): taken over");
                        }
                        break version;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        transport(e)?;
                        unsure = true;
                    }
                }
                continue;
            }
            if !wait {
                return Err(locked(&shown, holder.as_ref()));
            }
            tracing::info!(lock = %shown, "waiting for the lock");
            tokio::time::sleep(WAIT_POLL).await;
        };
        let lost = Arc::new(AtomicBool::new(false));
        let renewal = tokio::spawn(renew(parent.clone(), key, version, expiry, command.to_string(), lost.clone()));
        Ok(OutputLock::Remote { parent: parent.clone(), name: name.to_string(), lost, renewal })
    }

    /// Fails when the lock was lost (an object-store lock that could not be renewed in time and
    /// was taken over): checked right before publishing, so that two runs never both publish.
    pub fn check_held(&self) -> Result<()> {
        match self {
            OutputLock::Remote { parent, name, lost, .. } if lost.load(Ordering::SeqCst) => Err(CpiError::Locked(format!(
                "{}: the lock could not be renewed and may have been taken over by another run; nothing was published",
                parent.name_of(&lock_name(name))
            ))),
            _ => Ok(()),
        }
    }

    /// Releases the lock: removes the lock file or object.
    pub async fn release(self) {
        match self {
            OutputLock::Local { file, path } => {
                // Removed while still held, so that no other run can take the lock of a file
                // that is about to disappear (they check that the file they locked is the one
                // on disk).
                let _ = std::fs::remove_file(&path);
                drop(file);
            }
            OutputLock::Remote { parent, name, lost, renewal } => {
                renewal.abort();
                if !lost.load(Ordering::SeqCst) {
                    let _ = parent.delete(&lock_name(&name)).await;
                }
            }
        }
    }
}

/// Renews an object-store lock every third of its lifetime, while the run holds it.
async fn renew(parent: Location, key: String, mut version: UpdateVersion, expiry: Duration, command: String, lost: Arc<AtomicBool>) {
    loop {
        tokio::time::sleep(expiry / 3).await;
        match parent.put_if_version(&key, holder_until(&command, expiry), version.clone()).await {
            Ok(Some(next)) => version = next,
            Ok(None) => {
                tracing::error!(lock = %parent.name_of(&key), "the lock was taken over by another run");
                lost.store(true, Ordering::SeqCst);
                return;
            }
            // A failed renewal (the store's retries exhausted) is tried again next time; the lock
            // lives two more renewal periods.
            Err(e) => tracing::warn!(lock = %parent.name_of(&key), error = %e, "could not renew the lock"),
        }
    }
}

/// The lock object's bytes: this run, holding it for `expiry` from now.
fn holder_until(command: &str, expiry: Duration) -> Vec<u8> {
    let until = chrono::Utc::now() + chrono::Duration::from_std(expiry).expect("a short expiry");
    let until = until.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    serde_json::to_vec_pretty(&Holder::current(command, Some(until))).expect("a holder serialises")
}

fn expiry() -> Duration {
    std::env::var("CPI_LOCK_EXPIRY_SECONDS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(DEFAULT_EXPIRY)
}

fn read_holder(bytes: &[u8]) -> Option<Holder> {
    serde_json::from_slice(bytes).ok()
}

fn locked(lock: &str, holder: Option<&Holder>) -> CpiError {
    let who = holder.map(Holder::describe).unwrap_or_else(|| "another run".into());
    CpiError::Locked(format!("{lock} is held by {who}: one run at a time writes an output folder; wait for it to end or pass --wait"))
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_second_local_lock_is_refused_until_the_first_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutputLock::local(dir.path(), "out", "run", false).await.unwrap();
        let holder: Holder = serde_json::from_slice(&std::fs::read(dir.path().join(".out.lock")).unwrap()).unwrap();
        assert_eq!(holder.pid, std::process::id());
        // flock locks belong to the open file, so a second open in the same process conflicts
        // as a second process would.
        let refused = OutputLock::local(dir.path(), "out", "run", false).await.err().expect("refused");
        let message = refused.to_string();
        assert!(message.contains(".out.lock") && message.contains(&format!("pid {}", std::process::id())), "{message}");
        assert_eq!(refused.exit_code(), std::process::ExitCode::from(crate::error::EXIT_LOCKED));
        first.release().await;
        assert!(!dir.path().join(".out.lock").exists());
        OutputLock::local(dir.path(), "out", "run", false).await.unwrap().release().await;
    }

    #[tokio::test]
    async fn a_waiting_local_lock_is_taken_when_the_holder_releases_it() {
        let dir = tempfile::tempdir().unwrap();
        let first = OutputLock::local(dir.path(), "out", "run", false).await.unwrap();
        let path = dir.path().to_path_buf();
        let waiter = tokio::spawn(async move { OutputLock::local(&path, "out", "report", true).await });
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert!(!waiter.is_finished(), "the waiter must wait while the lock is held");
        first.release().await;
        let second = waiter.await.unwrap().unwrap();
        let holder: Holder = serde_json::from_slice(&std::fs::read(dir.path().join(".out.lock")).unwrap()).unwrap();
        assert_eq!(holder.command, "report");
        second.release().await;
    }

    fn memory_parent() -> Location {
        Location::in_store("mem://b/results", Arc::new(object_store::memory::InMemory::new()), "results")
    }

    #[tokio::test]
    async fn a_remote_lock_is_created_once_renewed_and_taken_over_only_when_expired() {
        let parent = memory_parent();
        let first = OutputLock::remote(&parent, "2024", "run", false).await.unwrap();
        let refused = OutputLock::remote(&parent, "2024", "run", false).await.err().expect("refused");
        assert!(matches!(refused, CpiError::Locked(_)), "{refused}");
        assert!(refused.to_string().contains("results/.2024.lock"), "{refused}");
        first.release().await;
        assert!(!parent.exists(".2024.lock").await.unwrap());

        // A lock whose run was killed: it expired a second ago, so it is taken over.
        let mut stale = Holder::current("run", Some((chrono::Utc::now() - chrono::Duration::seconds(1)).to_rfc3339()));
        (stale.pid, stale.run) = (1, "1-1".into());
        parent.put(".2024.lock", serde_json::to_vec(&stale).unwrap()).await.unwrap();
        let taken = OutputLock::remote(&parent, "2024", "ingest", false).await.unwrap();
        let holder: Holder = serde_json::from_slice(&parent.get(".2024.lock").await.unwrap()).unwrap();
        assert_eq!((holder.pid, holder.command.as_str()), (std::process::id(), "ingest"));
        taken.check_held().unwrap();
        taken.release().await;

        // A lock that expires in a minute is not.
        let mut fresh = Holder::current("run", Some((chrono::Utc::now() + chrono::Duration::seconds(60)).to_rfc3339()));
        fresh.run = "2-2".into();
        parent.put(".2024.lock", serde_json::to_vec(&fresh).unwrap()).await.unwrap();
        assert!(matches!(OutputLock::remote(&parent, "2024", "run", false).await, Err(CpiError::Locked(_))));
    }
}
