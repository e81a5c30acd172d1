//! The atomic publish: a run writes every output to a staging folder beside the output folder,
//! and only a complete run puts it in place, so a failed or killed run leaves the previous
//! outputs untouched.
//!
//! On a local disk the staging folder replaces the output folder by two renames. Object stores
//! have no rename, so there manifest.json is the commit marker: the old manifest is deleted
//! first, the new files are copied in (server side), files of the previous run that the new one
//! does not have are deleted, and the new manifest is copied last. A folder without
//! manifest.json is being replaced; the next run finishes an interrupted copy from the staging
//! folder (roll forward), which is complete because the manifest is staged last.

use std::path::{Path, PathBuf};

use crate::error::{CpiError, Result};
use crate::lock::OutputLock;
use crate::storage::Location;
use crate::manifest::MANIFEST_FILE;

pub enum Publisher {
    Local(LocalPublisher),
    Remote(RemotePublisher),
}

impl Publisher {
    /// Takes the output folder's lock (lock.rs: `command` names the holder; `wait` waits for
    /// another run's lock instead of failing), refuses a non-empty output folder unless
    /// `overwrite`, cleans up after an interrupted run (safe: no other run holds the lock), and
    /// makes the staging folder.
    pub async fn prepare(output: &str, overwrite: bool, command: &str, wait: bool) -> Result<Publisher> {
        match crate::storage::local_path(output) {
            Some(path) => Ok(Publisher::Local(LocalPublisher::prepare(&path, overwrite, command, wait).await?)),
            None => Ok(Publisher::Remote(RemotePublisher::prepare(output, Location::connect(output)?, overwrite, command, wait).await?)),
        }
    }

    /// Where the run writes its outputs.
    pub fn staging(&self) -> Result<Location> {
        match self {
            Publisher::Local(p) => Location::connect(&p.staging.to_string_lossy()),
            Publisher::Remote(p) => Ok(p.staging.clone()),
        }
    }

    /// Puts the staged outputs in place (only while the lock is still held), then releases the
    /// lock.
    pub async fn publish(self) -> Result<()> {
        match self {
            Publisher::Local(p) => {
                p.lock.check_held()?;
                let published = p.publish();
                p.lock.release().await;
                published
            }
            Publisher::Remote(p) => {
                if let Err(e) = p.lock.check_held() {
                    let _ = delete_all(&p.staging).await;
                    return Err(e);
                }
                let published = commit(&p.staging, &p.target).await;
                p.lock.release().await;
                published
            }
        }
    }

    /// Publishes when what was written to the staging folder is complete (`written` is Ok),
    /// else abandons it; returns `written`'s value, or the first error.
    pub async fn finish<T>(self, written: Result<T>) -> Result<T> {
        match written {
            Ok(value) => {
                self.publish().await?;
                Ok(value)
            }
            Err(e) => {
                self.abandon().await;
                Err(e)
            }
        }
    }

    /// Removes the staging folder after a failure (best effort: the next run cleans up too)
    /// and releases the lock.
    pub async fn abandon(self) {
        match self {
            Publisher::Local(p) => {
                let _ = std::fs::remove_dir_all(&p.staging);
                p.lock.release().await;
            }
            Publisher::Remote(p) => {
                let _ = delete_all(&p.staging).await;
                p.lock.release().await;
            }
        }
    }
}

/// Output folder on the local file system: a staging folder beside the target, swapped in by
/// two renames once every file is written.
pub struct LocalPublisher {
    target: PathBuf,
    staging: PathBuf,
    lock: OutputLock,
}

impl LocalPublisher {
    async fn prepare(target: &Path, overwrite: bool, command: &str, wait: bool) -> Result<LocalPublisher> {
        let display = target.display().to_string();
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| CpiError::io(parent.display().to_string(), e))?;
        let name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "out".into());
        let lock = OutputLock::local(&parent, &name, command, wait).await?;
        let prepared = (|| {
            if target.exists() {
                let non_empty = std::fs::read_dir(target).map_err(|e| CpiError::io(&display, e))?.next().is_some();
                if non_empty && !overwrite {
                    return Err(CpiError::OutputExists(display));
                }
            }
            recover_interrupted(&parent, &name, target)?;
            let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
            std::fs::create_dir_all(&staging).map_err(|e| CpiError::io(staging.display().to_string(), e))?;
            Ok(staging)
        })();
        match prepared {
            Ok(staging) => Ok(LocalPublisher { target: target.to_path_buf(), staging, lock }),
            Err(e) => {
                lock.release().await;
                Err(e)
            }
        }
    }

    /// Replaces the target folder by the staging folder.
    fn publish(&self) -> Result<()> {
        let io = |p: &Path| {
            let p = p.display().to_string();
            move |e| CpiError::io(p, e)
        };
        let previous = self.staging.with_file_name(
            self.staging.file_name().unwrap().to_string_lossy().replace(".staging-", ".previous-"),
        );
        if self.target.exists() {
            std::fs::rename(&self.target, &previous).map_err(io(&self.target))?;
        }
        std::fs::rename(&self.staging, &self.target).map_err(io(&self.target))?;
        if previous.exists() {
            std::fs::remove_dir_all(&previous).map_err(io(&previous))?;
        }
        Ok(())
    }
}

/// Cleans up after a local run that was killed: its staging folder is removed, and if it was
/// killed between the two renames of [`LocalPublisher::publish`] (target moved away, staging
/// not yet in place), the previous outputs are put back.
fn recover_interrupted(parent: &Path, name: &str, target: &Path) -> Result<()> {
    let io = |p: &Path| {
        let p = p.display().to_string();
        move |e| CpiError::io(p, e)
    };
    let staging_prefix = format!(".{name}.staging-");
    let previous_prefix = format!(".{name}.previous-");
    for entry in std::fs::read_dir(parent).map_err(io(parent))? {
        let path = entry.map_err(io(parent))?.path();
        let file = path.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
        if file.starts_with(&staging_prefix) {
            tracing::warn!(folder = %path.display(), "removing the staging folder of an interrupted run");
            std::fs::remove_dir_all(&path).map_err(io(&path))?;
        } else if file.starts_with(&previous_prefix) {
            if target.exists() {
                std::fs::remove_dir_all(&path).map_err(io(&path))?;
            } else {
                tracing::warn!(folder = %path.display(), "restoring the outputs of before an interrupted publish");
                std::fs::rename(&path, target).map_err(io(&path))?;
            }
        }
    }
    Ok(())
}

/// Output prefix on an object store, with a staging prefix beside it
/// (`s3://bucket/results/.2024.staging-<run>/` for `s3://bucket/results/2024`).
pub struct RemotePublisher {
    target: Location,
    staging: Location,
    lock: OutputLock,
}

impl RemotePublisher {
    async fn prepare(output: &str, target: Location, overwrite: bool, command: &str, wait: bool) -> Result<RemotePublisher> {
        let trimmed = output.trim_end_matches('/');
        let (parent_spec, name) = match trimmed.rsplit_once('/') {
            Some((parent, name)) if parent.contains("://") && !parent.ends_with(':') && !parent.ends_with("//") => (parent, name),
            _ => {
                return Err(CpiError::Config(format!(
                    "--output {output}: give a folder inside the bucket (for example s3://bucket/cpi/2024), not the bucket itself"
                )))
            }
        };
        let parent = Location::connect(parent_spec)?;
        let lock = OutputLock::remote(&parent, name, command, wait).await?;
        let prepared = async {
            recover_remote(&parent, name, &target).await?;
            if !target.list("").await?.is_empty() && !overwrite {
                return Err(CpiError::OutputExists(target.display.clone()));
            }
            Ok(())
        };
        if let Err(e) = prepared.await {
            lock.release().await;
            return Err(e);
        }
        let staging = parent.child(&format!(".{name}.staging-{}", crate::lock::run_id()));
        Ok(RemotePublisher { target, staging, lock })
    }
}

/// Cleans up the staging folders of interrupted runs beside `target`. One whose manifest is
/// staged was complete; if the target has no manifest, its publish was interrupted and is
/// finished now. Any other one is removed.
async fn recover_remote(parent: &Location, name: &str, target: &Location) -> Result<()> {
    let staging_prefix = format!(".{name}.staging-");
    for folder in parent.folders().await?.into_iter().filter(|f| f.starts_with(&staging_prefix)) {
        let staging = parent.child(&folder);
        if staging.exists(MANIFEST_FILE).await? && !target.exists(MANIFEST_FILE).await? {
            tracing::warn!(folder = %staging.display, "finishing the publish of an interrupted run");
            commit(&staging, target).await?;
        } else {
            tracing::warn!(folder = %staging.display, "removing the staging folder of an interrupted run");
            delete_all(&staging).await?;
        }
    }
    Ok(())
}

/// Puts a complete staging folder in place on an object store (see the module comment for why
/// in this order), then removes it.
async fn commit(staging: &Location, target: &Location) -> Result<()> {
    let files: Vec<String> = staging.list("").await?.into_iter().map(|f| f.path).collect();
    if !files.iter().any(|f| f == MANIFEST_FILE) {
        return Err(CpiError::Internal(format!("{}: staged outputs have no {MANIFEST_FILE}", staging.display)));
    }
    target.delete(MANIFEST_FILE).await?;
    for file in files.iter().filter(|f| *f != MANIFEST_FILE) {
        staging.copy_to(file, target).await?;
    }
    for old in target.list("").await? {
        if !files.contains(&old.path) {
            target.delete(&old.path).await?;
        }
    }
    staging.copy_to(MANIFEST_FILE, target).await?;
    delete_all(staging).await
}

async fn delete_all(location: &Location) -> Result<()> {
    for file in location.list("").await? {
        location.delete(&file.path).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    async fn contents(location: &Location) -> BTreeMap<String, Vec<u8>> {
        let mut all = BTreeMap::new();
        for f in location.list("").await.unwrap() {
            all.insert(f.path.clone(), location.get(&f.path).await.unwrap());
        }
        all
    }

    async fn put_all(location: &Location, files: &[(&str, &str)]) {
        for (name, text) in files {
            location.put(name, text.as_bytes().to_vec()).await.unwrap();
        }
    }

    /// A bucket holding a previous run under `results/2024` and, beside it, a staged new run.
    async fn bucket() -> (Location, Location, Location) {
        let store: Arc<dyn object_store::ObjectStore> = Arc::new(object_store::memory::InMemory::new());
        let parent = Location::in_store("mem://b/results", store, "results");
        let target = parent.child("2024");
        put_all(&target, &[("a.parquet", "old a"), ("gone.parquet", "old only"), (MANIFEST_FILE, "old manifest")]).await;
        let staging = parent.child(".2024.staging-1");
        put_all(&staging, &[("a.parquet", "new a"), ("b.parquet", "new b"), (MANIFEST_FILE, "new manifest")]).await;
        (parent, target, staging)
    }

    fn new_run() -> BTreeMap<String, Vec<u8>> {
        [("a.parquet", "new a"), ("b.parquet", "new b"), (MANIFEST_FILE, "new manifest")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
            .collect()
    }

    #[tokio::test]
    async fn commit_replaces_the_folder_and_removes_files_of_the_previous_run() {
        let (parent, target, staging) = bucket().await;
        commit(&staging, &target).await.unwrap();
        assert_eq!(contents(&target).await, new_run());
        assert!(staging.list("").await.unwrap().is_empty());
        assert_eq!(parent.folders().await.unwrap(), vec!["2024".to_string()]);
    }

    #[tokio::test]
    async fn a_publish_killed_midway_is_finished_by_the_next_run() {
        let (parent, target, staging) = bucket().await;
        // Killed after deleting the old manifest and copying one new file.
        target.delete(MANIFEST_FILE).await.unwrap();
        staging.copy_to("a.parquet", &target).await.unwrap();
        recover_remote(&parent, "2024", &target).await.unwrap();
        assert_eq!(contents(&target).await, new_run());
        assert!(staging.list("").await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_run_killed_before_publishing_leaves_the_previous_outputs() {
        let (parent, target, staging) = bucket().await;
        let before = contents(&target).await;
        // Killed while staging (no manifest staged yet), and another killed after staging all
        // but before its publish began: both are removed, the previous run stays as it was.
        staging.delete(MANIFEST_FILE).await.unwrap();
        let complete = parent.child(".2024.staging-2");
        put_all(&complete, &[("a.parquet", "other"), (MANIFEST_FILE, "other manifest")]).await;
        recover_remote(&parent, "2024", &target).await.unwrap();
        assert_eq!(contents(&target).await, before);
        assert_eq!(parent.folders().await.unwrap(), vec!["2024".to_string()]);
    }
}
