//! Where inputs are read from and outputs written to: a plain path, `file://`, `s3://`, `gs://`
//! or `az://` location, through `object_store`. The one place that knows about stores; the rest
//! of the pipeline only sees paths relative to a location.
//!
//! Credentials and settings come from the standard environment variables (`AWS_*`, `GOOGLE_*`,
//! `AZURE_*`, read by object_store's `from_env` builders); they are never logged. A remote
//! input folder is downloaded to a temporary folder first, because the zip and streaming CSV
//! readers need local files.

use std::path::PathBuf;
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};
use futures_util::{StreamExt, TryStreamExt};

use crate::error::{CpiError, Result};

#[derive(Debug, Clone)]
pub struct Location {
    /// As the user wrote it, for messages and the manifest.
    pub display: String,
    store: Arc<dyn ObjectStore>,
    /// Prefix of the location inside the store (empty for a local folder: the store is rooted
    /// at the folder).
    prefix: String,
    /// The folder on disk, when the location is local (or a downloaded copy of a remote one).
    local_root: Option<PathBuf>,
    /// `scheme://bucket` of a remote store, under which DataFusion reads its files.
    store_url: Option<String>,
    /// Keeps a downloaded copy alive as long as the location.
    _download: Option<Arc<tempfile::TempDir>>,
}

/// A file found under a location.
#[derive(Debug, Clone)]
pub struct FileEntry {
    /// Path relative to the location, with `/` separators.
    pub path: String,
    pub size: u64,
}

/// A location split into its kind: a local folder or a prefix in a remote store.
enum Parsed {
    Local(PathBuf),
    Remote { store: Arc<dyn ObjectStore>, prefix: String, url: String },
}

/// The local folder a location names (a plain path or `file://`), or None for a remote store.
pub fn local_path(spec: &str) -> Option<PathBuf> {
    match spec.strip_prefix("file://") {
        Some(rest) => Some(PathBuf::from(rest)),
        None if spec.contains("://") => None,
        None => Some(PathBuf::from(spec)),
    }
}

fn parse(spec: &str) -> Result<Parsed> {
    if let Some(path) = local_path(spec) {
        return Ok(Parsed::Local(path));
    }
    let (scheme, rest) = spec.split_once("://").expect("a remote location has a scheme");
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        return Err(CpiError::Config(format!("{spec}: no bucket or container after {scheme}://")));
    }
    let url = format!("{scheme}://{bucket}");
    let store: Arc<dyn ObjectStore> = match scheme {
        "s3" | "s3a" => Arc::new(AmazonS3Builder::from_env().with_url(&url).build()?),
        "gs" => Arc::new(GoogleCloudStorageBuilder::from_env().with_url(&url).build()?),
        "az" | "abfs" | "abfss" | "adl" | "azure" => Arc::new(MicrosoftAzureBuilder::from_env().with_url(&url).build()?),
        _ => {
            return Err(CpiError::Config(format!(
                "{spec}: unknown location scheme {scheme}://; use a path, file://, s3://, gs:// or az://"
            )))
        }
    };
    Ok(Parsed::Remote { store, prefix: prefix.trim_matches('/').to_string(), url })
}

impl Location {
    /// Opens an existing input folder. A remote one is downloaded to a temporary folder, so
    /// every reader can work on local files.
    pub async fn open(spec: &str) -> Result<Location> {
        let location = Location::connect(spec)?;
        if !location.is_remote() {
            return Ok(location);
        }
        let files = location.list("").await?;
        if files.is_empty() {
            return Err(CpiError::bad_input(spec, "no files under this location"));
        }
        let download = tempfile::Builder::new().prefix("cpi-input-").tempdir().map_err(|e| CpiError::io("temporary folder", e))?;
        let bytes: u64 = files.iter().map(|f| f.size).sum();
        tracing::info!(location = %location.display, files = files.len(), bytes, "downloading the input folder");
        for file in &files {
            location.download(&file.path, &download.path().join(&file.path)).await?;
        }
        let mut local = Location::local(spec, download.path().to_path_buf())?;
        local._download = Some(Arc::new(download));
        Ok(local)
    }

    /// A location as it is, without downloading (for outputs and `cpi verify`). A local folder
    /// must exist; a remote prefix need not hold anything yet.
    pub fn connect(spec: &str) -> Result<Location> {
        match parse(spec)? {
            Parsed::Local(root) if root.is_dir() => Location::local(spec, root),
            Parsed::Local(_) => Err(CpiError::bad_input(spec, "folder does not exist")),
            Parsed::Remote { store, prefix, url } => {
                Ok(Location { display: display(spec), store, prefix, local_root: None, store_url: Some(url), _download: None })
            }
        }
    }

    /// A location on a given store, under `prefix` (tests use an in-memory store).
    pub fn in_store(display: &str, store: Arc<dyn ObjectStore>, prefix: &str) -> Location {
        Location { display: display.to_string(), store, prefix: prefix.trim_matches('/').to_string(), local_root: None, store_url: None, _download: None }
    }

    fn local(spec: &str, root: PathBuf) -> Result<Location> {
        let root = root.canonicalize().map_err(|e| CpiError::io(spec, e))?;
        let store = LocalFileSystem::new_with_prefix(&root)?;
        Ok(Location { display: display(spec), store: Arc::new(store), prefix: String::new(), local_root: Some(root), store_url: None, _download: None })
    }

    /// A sub-location (a folder below this one) on the same store.
    pub fn child(&self, name: &str) -> Location {
        Location {
            display: format!("{}/{name}", self.display),
            store: self.store.clone(),
            prefix: self.key(name),
            local_root: self.local_root.as_ref().map(|r| r.join(name)),
            store_url: self.store_url.clone(),
            _download: self._download.clone(),
        }
    }

    pub fn is_remote(&self) -> bool {
        self.local_root.is_none()
    }

    /// The full key of `path` in the store.
    fn key(&self, path: &str) -> String {
        match (self.prefix.is_empty(), path.is_empty()) {
            (true, _) => path.to_string(),
            (false, true) => self.prefix.clone(),
            (false, false) => format!("{}/{path}", self.prefix),
        }
    }

    /// Every file under `sub` (recursively), sorted by path, relative to the location.
    pub async fn list(&self, sub: &str) -> Result<Vec<FileEntry>> {
        if let Some(root) = &self.local_root {
            if !root.is_dir() {
                return Ok(vec![]);
            }
        }
        let key = self.key(sub);
        let prefix = (!key.is_empty()).then(|| StorePath::from(key.as_str()));
        let strip = if self.prefix.is_empty() { 0 } else { self.prefix.len() + 1 };
        let mut files: Vec<FileEntry> = self
            .store
            .list(prefix.as_ref())
            .map_ok(|m| FileEntry { path: m.location.as_ref()[strip..].to_string(), size: m.size })
            .try_collect()
            .await?;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    /// The names of the folders directly under this location (for finding staging folders).
    pub async fn folders(&self) -> Result<Vec<String>> {
        let key = self.key("");
        let prefix = (!key.is_empty()).then(|| StorePath::from(key.as_str()));
        let listing = self.store.list_with_delimiter(prefix.as_ref()).await?;
        Ok(listing.common_prefixes.iter().filter_map(|p| p.filename().map(str::to_string)).collect())
    }

    pub async fn get(&self, path: &str) -> Result<Vec<u8>> {
        let bytes = self.store.get(&StorePath::from(self.key(path))).await?.bytes().await?;
        Ok(bytes.to_vec())
    }

    /// Whether `path` exists.
    pub async fn exists(&self, path: &str) -> Result<bool> {
        match self.store.head(&StorePath::from(self.key(path))).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn put(&self, path: &str, bytes: Vec<u8>) -> Result<()> {
        self.store.put(&StorePath::from(self.key(path)), PutPayload::from(bytes)).await?;
        Ok(())
    }

    /// Writes `path` only when no object is there yet (S3: `If-None-Match: *`; the local store:
    /// an exclusive create). None when one is there: another writer was first.
    pub async fn put_if_absent(&self, path: &str, bytes: Vec<u8>) -> Result<Option<UpdateVersion>> {
        let options = PutOptions { mode: PutMode::Create, ..Default::default() };
        match self.store.put_opts(&StorePath::from(self.key(path)), PutPayload::from(bytes), options).await {
            Ok(r) => Ok(Some(UpdateVersion { e_tag: r.e_tag, version: r.version })),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The bytes of `path` with the version they were read at, or None when it does not exist.
    pub async fn get_versioned(&self, path: &str) -> Result<Option<(Vec<u8>, UpdateVersion)>> {
        match self.store.get(&StorePath::from(self.key(path))).await {
            Ok(got) => {
                let version = UpdateVersion { e_tag: got.meta.e_tag.clone(), version: got.meta.version.clone() };
                Ok(Some((got.bytes().await?.to_vec(), version)))
            }
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Replaces `path` only when it is still at `version` (S3: `If-Match`). None when it has
    /// changed or gone since: another writer came in between.
    pub async fn put_if_version(&self, path: &str, bytes: Vec<u8>, version: UpdateVersion) -> Result<Option<UpdateVersion>> {
        let options = PutOptions { mode: PutMode::Update(version), ..Default::default() };
        match self.store.put_opts(&StorePath::from(self.key(path)), PutPayload::from(bytes), options).await {
            Ok(r) => Ok(Some(UpdateVersion { e_tag: r.e_tag, version: r.version })),
            Err(object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Copies `path` of this location to `path` of `to`, on the same store (server side).
    pub async fn copy_to(&self, path: &str, to: &Location) -> Result<()> {
        self.store.copy(&StorePath::from(self.key(path)), &StorePath::from(to.key(path))).await?;
        Ok(())
    }

    pub async fn delete(&self, path: &str) -> Result<()> {
        match self.store.delete(&StorePath::from(self.key(path))).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Streams `path` into a local file, creating its folder.
    async fn download(&self, path: &str, to: &std::path::Path) -> Result<()> {
        use std::io::Write;
        let name = self.name_of(path);
        if let Some(folder) = to.parent() {
            std::fs::create_dir_all(folder).map_err(|e| CpiError::io(folder.display().to_string(), e))?;
        }
        let mut file = std::io::BufWriter::new(std::fs::File::create(to).map_err(|e| CpiError::io(&name, e))?);
        let mut stream = self.store.get(&StorePath::from(self.key(path))).await?.into_stream();
        while let Some(chunk) = stream.next().await {
            file.write_all(&chunk?).map_err(|e| CpiError::io(&name, e))?;
        }
        file.flush().map_err(|e| CpiError::io(&name, e))
    }

    /// A path on the local file system for `path`, for readers that need one (zip, streaming
    /// CSV). Inputs are always local: [`Location::open`] downloads remote ones.
    pub fn local_file(&self, path: &str) -> PathBuf {
        self.local_root.as_ref().expect("inputs are opened as local folders").join(path)
    }

    /// Where DataFusion reads `path` of this location: a local path, or the object-store URL
    /// (`s3://bucket/prefix/path`) once [`Location::register_store`] has told the session the store.
    pub fn table_path(&self, path: &str) -> String {
        match (&self.local_root, &self.store_url) {
            (Some(root), _) => root.join(path).to_string_lossy().to_string(),
            (None, Some(url)) => format!("{url}/{}", self.key(path)),
            (None, None) => format!("memory:///{}", self.key(path)),
        }
    }

    /// Lets a DataFusion session read this location's files by URL (nothing to do for a local
    /// folder: DataFusion reads local paths itself).
    pub fn register_store(&self, ctx: &datafusion::prelude::SessionContext) -> Result<()> {
        let url = match (&self.local_root, &self.store_url) {
            (Some(_), _) => return Ok(()),
            (None, Some(url)) => url.clone(),
            (None, None) => "memory://".to_string(),
        };
        let url = datafusion::execution::object_store::ObjectStoreUrl::parse(&url)?;
        ctx.register_object_store(url.as_ref(), self.store.clone());
        Ok(())
    }

    /// Display name of a file under this location, for messages and the manifest.
    pub fn name_of(&self, path: &str) -> String {
        format!("{}/{}", self.display, path)
    }
}

fn display(spec: &str) -> String {
    spec.trim_end_matches('/').to_string()
}
