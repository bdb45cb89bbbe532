//! Package storage addressed by content: a blob's name is the SHA-256 of its bytes, so a URL
//! names exactly one package forever and a CDN may cache it without asking again.
//!
//! [`LocalBlobs`] keeps them under a directory (`ab/cdef…`), written to a temporary file,
//! synced and renamed, so a crash leaves either the whole blob or nothing under its name.
//! (The S3 store of a cluster will implement the same two operations.)

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("{0:?} is not a blob id (64 lowercase hex digits)")]
    BadId(String),
    #[error("blob store at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A blob id: the lowercase hex SHA-256 of its content.
pub fn id_of(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Whether `id` is well formed (so it can never name a path outside the store).
pub fn valid_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Blobs on local disk.
#[derive(Debug, Clone)]
pub struct LocalBlobs {
    root: PathBuf,
}

impl LocalBlobs {
    pub fn open(root: &Path) -> Result<Self, BlobError> {
        std::fs::create_dir_all(root.join("tmp")).map_err(|source| BlobError::Io {
            path: root.to_path_buf(),
            source,
        })?;
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    /// Where blob `id` lives (whether or not it exists).
    pub fn path(&self, id: &str) -> Result<PathBuf, BlobError> {
        if !valid_id(id) {
            return Err(BlobError::BadId(id.to_string()));
        }
        Ok(self.root.join(&id[..2]).join(&id[2..]))
    }

    /// Store `bytes`; returns their id. Storing the same bytes twice keeps one copy.
    pub fn put(&self, bytes: &[u8]) -> Result<String, BlobError> {
        let id = id_of(bytes);
        let target = self.path(&id)?;
        if target.is_file() {
            return Ok(id);
        }
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| BlobError::Io { path, source }
        };
        let dir = target.parent().expect("a blob path has a parent");
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let mut tmp =
            tempfile::NamedTempFile::new_in(self.root.join("tmp")).map_err(io(&self.root))?;
        tmp.write_all(bytes).map_err(io(tmp.path()))?;
        tmp.as_file().sync_all().map_err(io(tmp.path()))?;
        tmp.persist(&target).map_err(|e| BlobError::Io {
            path: target.clone(),
            source: e.error,
        })?;
        // The rename is durable once the directory is.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(id)
    }

    pub fn get(&self, id: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let path = self.path(id)?;
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(BlobError::Io { path, source }),
        }
    }
}
