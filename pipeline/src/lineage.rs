//! Lineage of the inputs: each published file's size and SHA-256, hashed on the same pass that
//! parses it, and its rows read, used and rejected. The readers (stage 1), the staged copy and
//! the manifest use it; it knows nothing of the method or of its results.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{CpiError, Result};

/// A published input file, with its size and SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputFile {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

/// Row conservation of one input file: `rows_read = rows_used + rows_rejected`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileCounts {
    pub file: String,
    pub rows_read: u64,
    pub rows_used: u64,
    pub rows_rejected: u64,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> Result<String> {
    let file = std::fs::File::open(path).map_err(|e| CpiError::io(path.display().to_string(), e))?;
    let mut reader = HashingReader::new(file);
    std::io::copy(&mut reader, &mut std::io::sink()).map_err(|e| CpiError::io(path.display().to_string(), e))?;
    Ok(reader.sha256())
}

/// A reader that hashes (SHA-256) the bytes read through it, so that a file parsed from start
/// to end is hashed in the same pass instead of being read a second time for the manifest.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: std::io::Read> HashingReader<R> {
    pub fn new(inner: R) -> Self {
        HashingReader { inner, hasher: Sha256::new() }
    }

    /// The SHA-256 (hex) of every byte read so far: the file's when it was read to its end.
    pub fn sha256(self) -> String {
        hex(&self.hasher.finalize())
    }
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
