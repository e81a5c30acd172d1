//! Where inputs are read from and outputs written to. The one place that turns a location
//! (a plain path or `file://` URL today) into an object store; the rest of the pipeline only
//! sees relative paths, so other stores can be added here without touching the method.

use std::path::PathBuf;
use std::sync::Arc;

use datafusion::object_store::local::LocalFileSystem;
use datafusion::object_store::path::Path as StorePath;
use datafusion::object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use futures_util::TryStreamExt;

use crate::error::{CpiError, Result};

#[derive(Debug, Clone)]
pub struct Location {
    /// As the user wrote it, for messages and the manifest.
    pub display: String,
    root: PathBuf,
    store: Arc<dyn ObjectStore>,
}

/// A file found under a location.
#[derive(Debug, Clone)]
pub struct FileEntry {
    /// Path relative to the location, with `/` separators.
    pub path: String,
    pub size: u64,
}

impl Location {
    /// Opens an existing folder.
    pub fn open(spec: &str) -> Result<Location> {
        let root = local_path(spec)?;
        if !root.is_dir() {
            return Err(CpiError::bad_input(spec, "input folder does not exist"));
        }
        Location::at(spec, root)
    }

    /// Opens a folder, creating it when needed (for outputs).
    pub fn create(spec: &str) -> Result<Location> {
        let root = local_path(spec)?;
        std::fs::create_dir_all(&root).map_err(|e| CpiError::io(spec, e))?;
        Location::at(spec, root)
    }

    fn at(spec: &str, root: PathBuf) -> Result<Location> {
        let root = root.canonicalize().map_err(|e| CpiError::io(spec, e))?;
        let store = LocalFileSystem::new_with_prefix(&root)?;
        Ok(Location { display: spec.trim_end_matches('/').to_string(), root, store: Arc::new(store) })
    }

    /// Every file under `sub` (recursively), sorted by path.
    pub async fn list(&self, sub: &str) -> Result<Vec<FileEntry>> {
        let prefix = StorePath::from(sub);
        let mut files: Vec<FileEntry> = self
            .store
            .list(Some(&prefix))
            .map_ok(|m| FileEntry { path: m.location.to_string(), size: m.size })
            .try_collect()
            .await?;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    pub async fn get(&self, path: &str) -> Result<Vec<u8>> {
        let bytes = self.store.get(&StorePath::from(path)).await?.bytes().await?;
        Ok(bytes.to_vec())
    }

    pub async fn put(&self, path: &str, bytes: Vec<u8>) -> Result<()> {
        self.store.put(&StorePath::from(path), PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// A path on the local file system for `path`, for readers that need one (zip, streaming
    /// CSV). Remote stores will download to a temporary file here.
    pub fn local_file(&self, path: &str) -> PathBuf {
        self.root.join(path)
    }

    /// Display name of a file under this location, for messages and the manifest.
    pub fn name_of(&self, path: &str) -> String {
        format!("{}/{}", self.display, path)
    }
}

fn local_path(spec: &str) -> Result<PathBuf> {
    if let Some(rest) = spec.strip_prefix("file://") {
        return Ok(PathBuf::from(rest));
    }
    if let Some((scheme, _)) = spec.split_once("://") {
        return Err(CpiError::bad_input(
            spec,
            format!("{scheme}:// locations are not supported yet; use a local path"),
        ));
    }
    Ok(PathBuf::from(spec))
}
