//! Package storage addressed by content: a blob's name is the SHA-256 of its bytes, so a URL
//! names exactly one package forever and a CDN may cache it without asking again.
//!
//! Two stores keep the same key layout (`ab/cdef…`, the id split after two hex digits):
//! - [`LocalBlobs`] under a directory, written to a temporary file, synced and renamed, so a
//!   crash leaves either the whole blob or nothing under its name;
//! - [`S3Blobs`] in an S3-compatible bucket (under an optional prefix), where a PUT is
//!   atomic by itself.
//!
//! [`Blobs`] is either one; the server and the download route use only it.

use std::fmt;
use std::io::{SeekFrom, Write};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::{Stream, StreamExt as _, TryStreamExt as _};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt as _, PutPayload};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("{0:?} is not a blob id (64 lowercase hex digits)")]
    BadId(String),
    #[error("blob store at {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{spec:?} is not a blob store (expected s3://bucket[/prefix] or a directory): {reason}"
    )]
    BadSpec { spec: String, reason: String },
    #[error("blob store {store}, object {key}: {source}")]
    Store {
        store: String,
        key: String,
        source: object_store::Error,
    },
    #[error("bytes {start}-{end} are outside blob {id} of {size} bytes")]
    BadRange {
        id: String,
        start: u64,
        end: u64,
        size: u64,
    },
    #[error("blob store task: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// A blob id: the lowercase hex SHA-256 of its content.
pub fn id_of(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Whether `id` is well formed (so it can never name a path outside the store).
pub fn valid_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn checked(id: &str) -> Result<&str, BlobError> {
    if valid_id(id) {
        Ok(id)
    } else {
        Err(BlobError::BadId(id.to_string()))
    }
}

/// Blobs on local disk.
#[derive(Debug, Clone)]
pub struct LocalBlobs {
    root: PathBuf,
    hot: Hot,
}

/// The most recently served small blobs, in memory: a blob never changes, so a copy is
/// never stale, and the hottest packages cost no system call at all.
#[derive(Clone)]
struct Hot(Arc<Mutex<lru::LruCache<String, Bytes>>>);

/// At most this many small blobs are kept (so at most 64 MiB).
const HOT_ENTRIES: usize = 256;

impl Default for Hot {
    fn default() -> Self {
        Hot(Arc::new(Mutex::new(lru::LruCache::new(
            std::num::NonZeroUsize::new(HOT_ENTRIES).expect("non-zero"),
        ))))
    }
}

impl std::fmt::Debug for Hot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hot(..)")
    }
}

impl Hot {
    fn get(&self, id: &str) -> Option<Bytes> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    fn put(&self, id: &str, bytes: Bytes) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .put(id.to_string(), bytes);
    }
}

impl LocalBlobs {
    pub fn open(root: &Path) -> Result<Self, BlobError> {
        // Owner-only, like the rest of the data directory: the blobs include uploads no one
        // has reviewed yet. (Files are 0600 already: a temporary file is made so, and the
        // rename keeps its mode.)
        crate::fsperm::create_private_dir(&root.join("tmp")).map_err(|source| BlobError::Io {
            path: root.to_path_buf(),
            source,
        })?;
        crate::fsperm::tighten_and_warn(root, "the blob directory");
        if let Ok(entries) = std::fs::read_dir(root) {
            for e in entries.flatten() {
                crate::fsperm::tighten_and_warn(&e.path(), "the blob directory");
            }
        }
        Ok(Self {
            root: root.to_path_buf(),
            hot: Hot::default(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where blob `id` lives (whether or not it exists).
    pub fn path(&self, id: &str) -> Result<PathBuf, BlobError> {
        let id = checked(id)?;
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
        crate::fsperm::create_private_dir(dir).map_err(io(dir))?;
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

/// How to reach an S3-compatible service. Unset fields fall back to the standard `AWS_*`
/// environment variables (`AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, …), then to the
/// defaults of `object_store` (region `us-east-1`, the instance's credentials).
#[derive(Default, Clone, Deserialize)]
#[serde(default)]
pub struct S3Options {
    /// E.g. `http://127.0.0.1:9000` for MinIO or moto; AWS itself when unset.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Permit a plain-HTTP endpoint (a local test server); HTTPS is required otherwise.
    pub allow_http: bool,
}

// By hand, so the secret never reaches a log.
impl fmt::Debug for S3Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Options")
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "<redacted>"),
            )
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// Blobs in an S3-compatible bucket, under an optional key prefix.
#[derive(Clone)]
pub struct S3Blobs {
    store: Arc<dyn ObjectStore>,
    bucket: String,
    prefix: ObjectPath,
}

impl fmt::Debug for S3Blobs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

impl S3Blobs {
    /// A store for `bucket`; `prefix` may be empty. Nothing is sent until the first request.
    pub fn open(bucket: &str, prefix: &str, options: &S3Options) -> Result<Self, BlobError> {
        let spec = || format!("s3://{bucket}/{prefix}");
        let bad = |reason: String| BlobError::BadSpec {
            spec: spec(),
            reason,
        };
        if bucket.is_empty() {
            return Err(bad("no bucket".into()));
        }
        let prefix = ObjectPath::parse(prefix).map_err(|e| bad(e.to_string()))?;
        let mut b = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if let Some(v) = &options.endpoint {
            b = b.with_endpoint(v);
        }
        if let Some(v) = &options.region {
            b = b.with_region(v);
        }
        if let Some(v) = &options.access_key_id {
            b = b.with_access_key_id(v);
        }
        if let Some(v) = &options.secret_access_key {
            b = b.with_secret_access_key(v);
        }
        if options.allow_http {
            b = b.with_allow_http(true);
        }
        let store = b.build().map_err(|e| bad(e.to_string()))?;
        Ok(Self {
            store: Arc::new(store),
            bucket: bucket.to_string(),
            prefix,
        })
    }

    pub fn describe(&self) -> String {
        if self.prefix.is_root() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }

    /// The object key of blob `id`: `[prefix/]ab/cdef…`.
    pub fn key(&self, id: &str) -> Result<ObjectPath, BlobError> {
        let id = checked(id)?;
        Ok(self.prefix.clone().join(&id[..2]).join(&id[2..]))
    }

    fn err(&self, key: &ObjectPath, source: object_store::Error) -> BlobError {
        BlobError::Store {
            store: self.describe(),
            key: key.to_string(),
            source,
        }
    }

    async fn size(&self, id: &str) -> Result<Option<u64>, BlobError> {
        let key = self.key(id)?;
        match self.store.head(&key).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.err(&key, e)),
        }
    }

    async fn put(&self, bytes: Vec<u8>) -> Result<String, BlobError> {
        let id = id_of(&bytes);
        let key = self.key(&id)?;
        // Content-addressed: an object under this key already holds these bytes.
        if self.size(&id).await?.is_some() {
            return Ok(id);
        }
        self.store
            .put(&key, PutPayload::from(bytes))
            .await
            .map_err(|e| self.err(&key, e))?;
        tracing::debug!(store = %self.describe(), %id, "blob stored");
        Ok(id)
    }

    async fn get(&self, id: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let key = self.key(id)?;
        let res = match self.store.get(&key).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.err(&key, e)),
        };
        let bytes = res.bytes().await.map_err(|e| self.err(&key, e))?;
        Ok(Some(bytes.to_vec()))
    }

    async fn read(
        &self,
        id: &str,
        range: Option<RangeInclusive<u64>>,
    ) -> Result<Option<BlobRead>, BlobError> {
        let key = self.key(id)?;
        let options = GetOptions {
            // Only the asked-for bytes leave the bucket.
            range: range.map(|r| GetRange::Bounded(*r.start()..r.end() + 1)),
            ..Default::default()
        };
        let res = match self.store.get_opts(&key, options).await {
            Ok(r) => r,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(self.err(&key, e)),
        };
        let size = res.meta.size;
        let len = res.range.end - res.range.start;
        let this = self.clone();
        let body = res
            .into_stream()
            .map_err(move |e| this.err(&key, e))
            .boxed();
        Ok(Some(BlobRead { size, len, body }))
    }
}

/// The bytes of a blob (or of a range of it), as they arrive.
pub type BlobStream = Pin<Box<dyn Stream<Item = Result<Bytes, BlobError>> + Send>>;

/// An open read of one blob.
pub struct BlobRead {
    /// The whole blob's size.
    pub size: u64,
    /// How many bytes `body` yields.
    pub len: u64,
    pub body: BlobStream,
}

/// The server's package store: on local disk or in an S3-compatible bucket.
#[derive(Debug, Clone)]
pub enum Blobs {
    Local(LocalBlobs),
    S3(S3Blobs),
}

impl Blobs {
    pub fn local(root: &Path) -> Result<Blobs, BlobError> {
        LocalBlobs::open(root).map(Blobs::Local)
    }

    /// `s3://bucket[/prefix]` (reached with `s3`) or a local directory path.
    pub fn open(spec: &str, s3: &S3Options) -> Result<Blobs, BlobError> {
        if let Some(rest) = spec.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            return S3Blobs::open(bucket, prefix, s3).map(Blobs::S3);
        }
        // A typo'd scheme would otherwise become a directory named "gs:".
        if let Some((scheme, _)) = spec.split_once("://") {
            return Err(BlobError::BadSpec {
                spec: spec.to_string(),
                reason: format!("unsupported scheme {scheme:?}"),
            });
        }
        if spec.is_empty() {
            return Err(BlobError::BadSpec {
                spec: spec.to_string(),
                reason: "empty".into(),
            });
        }
        Blobs::local(Path::new(spec))
    }

    /// `local /path` or `s3://bucket[/prefix]`, for logs and status pages.
    pub fn describe(&self) -> String {
        match self {
            Blobs::Local(l) => format!("local {}", l.root.display()),
            Blobs::S3(s) => s.describe(),
        }
    }

    /// Store `bytes`; returns their id (the SHA-256). Storing the same bytes again is a no-op.
    pub async fn put(&self, bytes: Vec<u8>) -> Result<String, BlobError> {
        match self {
            Blobs::Local(l) => {
                let l = l.clone();
                tokio::task::spawn_blocking(move || l.put(&bytes)).await?
            }
            Blobs::S3(s) => s.put(bytes).await,
        }
    }

    /// The whole blob, or `None` if there is none under `id`.
    pub async fn get(&self, id: &str) -> Result<Option<Vec<u8>>, BlobError> {
        match self {
            Blobs::Local(l) => {
                let (l, id) = (l.clone(), id.to_string());
                tokio::task::spawn_blocking(move || l.get(&id)).await?
            }
            Blobs::S3(s) => s.get(id).await,
        }
    }

    pub async fn exists(&self, id: &str) -> Result<bool, BlobError> {
        Ok(self.size(id).await?.is_some())
    }

    /// The blob's size in bytes, or `None` if there is none under `id`.
    pub async fn size(&self, id: &str) -> Result<Option<u64>, BlobError> {
        match self {
            Blobs::Local(l) => {
                let path = l.path(id)?;
                match tokio::fs::metadata(&path).await {
                    Ok(m) if m.is_file() => Ok(Some(m.len())),
                    Ok(_) => Ok(None),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(source) => Err(BlobError::Io { path, source }),
                }
            }
            Blobs::S3(s) => s.size(id).await,
        }
    }

    /// Streams the blob, or the inclusive byte `range` of it (which must lie inside it);
    /// `None` if there is no blob under `id`.
    pub async fn read(
        &self,
        id: &str,
        range: Option<RangeInclusive<u64>>,
    ) -> Result<Option<BlobRead>, BlobError> {
        let bad_range = |size: u64, r: &RangeInclusive<u64>| BlobError::BadRange {
            id: id.to_string(),
            start: *r.start(),
            end: *r.end(),
            size,
        };
        if let Some(r) = &range
            && r.is_empty()
        {
            return Err(bad_range(0, r));
        }
        let read = match self {
            Blobs::Local(l) => {
                if range.is_none()
                    && let Some(bytes) = l.hot.get(id)
                {
                    let (size, len) = (bytes.len() as u64, bytes.len() as u64);
                    let body = futures_util::stream::once(async move { Ok(bytes) }).boxed();
                    return Ok(Some(BlobRead { size, len, body }));
                }
                read_file(l.path(id)?, range.clone(), Some((&l.hot, id))).await?
            }
            Blobs::S3(s) => s.read(id, range.clone()).await?,
        };
        match (read, range) {
            (Some(read), Some(r)) if *r.end() >= read.size => Err(bad_range(read.size, &r)),
            (read, _) => Ok(read),
        }
    }
}

/// Packages up to this size are read whole, in the same trip to the blocking pool as the
/// open: most mini-program packages are this small, and each trip costs more than the read.
const READ_WHOLE: u64 = 256 * 1024;

async fn read_file(
    path: PathBuf,
    range: Option<RangeInclusive<u64>>,
    hot: Option<(&Hot, &str)>,
) -> Result<Option<BlobRead>, BlobError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BlobError::Io { path, source }
    };
    let whole = range.is_none();
    let p = path.clone();
    let opened = tokio::task::spawn_blocking(move || -> std::io::Result<Option<_>> {
        use std::io::Read as _;
        let mut file = match std::fs::File::open(&p) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Ok(None);
        }
        if whole && meta.len() <= READ_WHOLE {
            let mut bytes = Vec::with_capacity(meta.len() as usize);
            file.read_to_end(&mut bytes)?;
            return Ok(Some((meta.len(), Err(bytes))));
        }
        Ok(Some((meta.len(), Ok(file))))
    })
    .await
    .map_err(|e| BlobError::Io {
        path: path.clone(),
        source: std::io::Error::other(e),
    })?
    .map_err(io(&path))?;
    let (size, file) = match opened {
        None => return Ok(None),
        Some((size, Err(bytes))) => {
            let len = bytes.len() as u64;
            let bytes = Bytes::from(bytes);
            if let Some((cache, id)) = hot {
                cache.put(id, bytes.clone());
            }
            let body = futures_util::stream::once(async move { Ok(bytes) }).boxed();
            return Ok(Some(BlobRead { size, len, body }));
        }
        Some((size, Ok(file))) => (size, tokio::fs::File::from_std(file)),
    };
    let mut file = file;
    let (start, len) = match range {
        Some(r) if *r.end() < size => (*r.start(), r.end() - r.start() + 1),
        // Out of bounds: the caller reports it, knowing the size.
        Some(_) => (0, 0),
        None => (0, size),
    };
    if start > 0 {
        file.seek(SeekFrom::Start(start)).await.map_err(io(&path))?;
    }
    // Large reads: each one is a trip to the blocking pool.
    let body = tokio_util::io::ReaderStream::with_capacity(file.take(len), 256 * 1024)
        .map_err(move |source| BlobError::Io {
            path: path.clone(),
            source,
        })
        .boxed();
    Ok(Some(BlobRead { size, len, body }))
}
