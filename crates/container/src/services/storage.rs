//! Per-app key/value storage behind `wx.setStorage`/`getStorage`/… and their `Sync` forms.
//!
//! Layout: one file per key, `<hex sha256(key)>.json`, holding `{"seq", "key", "data"}`.
//! One file per key rather than a journal because every write is already an atomic
//! replace of a small file, a torn or corrupted file can cost at most its own key, and
//! there is nothing to compact. Hashing makes any key (`/`, `..`, NUL, unicode, 10 000
//! characters) a safe, fixed-length file name; the key itself is kept inside the file.
//! Values are also kept in memory: the quota caps them at 10 MB per app.
//!
//! # At rest
//! With [`AtRest::Encrypted`] each file holds that same JSON sealed with an AEAD (the
//! name stays the same, so a key still maps to exactly one file whatever the mode):
//!
//! ```text
//! magic   8 bytes  "COVESTOR"
//! version u8       1
//! suite   u8       `Suite::code`: 1 = intl (AES-256-GCM), 2 = sm (SM4-GCM)
//! nonce   12 bytes random, fresh for every write
//! sealed  the JSON's ciphertext + 16-byte tag
//! ```
//!
//! The key is HKDF (SHA-256 for intl, SM3 for sm) of the host secret with the app id in
//! the info string; the associated data is the 10 header bytes followed by the app id.
//! A file that does not open (another app's, another secret's, altered, or a plain file
//! in encrypted storage and the reverse) is reported by `get` with the reason rather than
//! read as missing (`batch_get` still answers `""` for it); quotas count the plaintext, as
//! WeChat's do.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use cove_package::envelope::Sm4Gcm;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tracing::warn;
use zeroize::Zeroizing;

pub use cove_package::Suite;

use super::ServiceError;
use super::atomic::{TEMP_PREFIX, write_atomic};

/// WeChat's total quota per app.
pub const DEFAULT_QUOTA_BYTES: usize = 10 * 1024 * 1024;
/// WeChat's limit for the data of a single key.
pub const ITEM_MAX_BYTES: usize = 1024 * 1024;

const FILE_EXT: &str = ".json";

const MAGIC: &[u8; 8] = b"COVESTOR";
const FORMAT_VERSION: u8 = 1;
const HEADER_LEN: usize = MAGIC.len() + 2;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// HKDF info prefix; the suite and the app id follow, so every app's key differs.
const KEY_INFO: &[u8] = b"cove storage at rest v1";

/// How an app's storage is kept on disk.
#[derive(Clone, Debug, Default)]
pub enum AtRest {
    /// Readable JSON. Only for development (the simulator): anyone who can read the data
    /// directory reads the values.
    #[default]
    Plain,
    /// Sealed with a per-app key derived from the host's secret.
    Encrypted { suite: Suite, secret: HostSecret },
}

/// The host's storage secret: at least [`HostSecret::MIN_LEN`] bytes, wiped on drop,
/// never printed.
#[derive(Clone)]
pub struct HostSecret(Zeroizing<Vec<u8>>);

/// A host secret shorter than [`HostSecret::MIN_LEN`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the storage secret must be at least {min} bytes, got {len}", min = HostSecret::MIN_LEN)]
pub struct SecretTooShort {
    pub len: usize,
}

impl HostSecret {
    pub const MIN_LEN: usize = 32;

    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<HostSecret, SecretTooShort> {
        let bytes = Zeroizing::new(bytes.into());
        if bytes.len() < Self::MIN_LEN {
            return Err(SecretTooShort { len: bytes.len() });
        }
        Ok(HostSecret(bytes))
    }
}

impl fmt::Debug for HostSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HostSecret(..)")
    }
}

enum Cipher {
    Aes(Box<Aes256Gcm>),
    Sm4(Box<Sm4Gcm>),
}

/// One app's sealing key and associated data.
struct Sealer {
    suite: Suite,
    cipher: Cipher,
    /// Header bytes followed by the app id.
    aad: Vec<u8>,
}

impl Sealer {
    fn new(suite: Suite, secret: &HostSecret, app_id: &str) -> Sealer {
        let mut info = KEY_INFO.to_vec();
        info.push(0);
        info.extend_from_slice(suite.as_str().as_bytes());
        info.push(0);
        info.extend_from_slice(app_id.as_bytes());
        let mut key = Zeroizing::new([0u8; 32]);
        let cipher = match suite {
            Suite::Intl => {
                hkdf::Hkdf::<Sha256>::new(None, &secret.0)
                    .expand(&info, &mut key[..])
                    .expect("32 bytes is a valid HKDF-SHA256 length");
                Cipher::Aes(Box::new(
                    Aes256Gcm::new_from_slice(&key[..]).expect("AES-256 takes 32 bytes"),
                ))
            }
            Suite::Sm => {
                hkdf::Hkdf::<sm3::Sm3>::new(None, &secret.0)
                    .expand(&info, &mut key[..16])
                    .expect("16 bytes is a valid HKDF-SM3 length");
                Cipher::Sm4(Box::new(
                    Sm4Gcm::new_from_slice(&key[..16]).expect("SM4 takes 16 bytes"),
                ))
            }
        };
        let mut aad = header(suite).to_vec();
        aad.extend_from_slice(app_id.as_bytes());
        Sealer { suite, cipher, aad }
    }

    fn seal(&self, plain: &[u8]) -> Result<Vec<u8>, String> {
        let mut nonce = [0u8; NONCE_LEN];
        cove_package::random::fill(&mut nonce).map_err(|e| e.to_string())?;
        let n = Nonce::from(nonce);
        let payload = Payload {
            msg: plain,
            aad: &self.aad,
        };
        let sealed = match &self.cipher {
            Cipher::Aes(c) => c.encrypt(&n, payload),
            Cipher::Sm4(c) => c.encrypt(&n, payload),
        }
        .map_err(|_| "encryption failed".to_string())?;
        let mut out = Vec::with_capacity(HEADER_LEN + NONCE_LEN + sealed.len());
        out.extend_from_slice(&header(self.suite));
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// The plaintext of a file that starts with [`MAGIC`], or why it does not open.
    fn open(&self, bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
        if bytes.len() < HEADER_LEN + NONCE_LEN + TAG_LEN {
            return Err("encrypted file truncated".into());
        }
        let (version, suite) = (bytes[MAGIC.len()], bytes[MAGIC.len() + 1]);
        if version != FORMAT_VERSION {
            return Err(format!("unsupported encrypted format version {version}"));
        }
        if suite != self.suite.code() {
            return Err(format!(
                "encrypted with another cipher (suite {suite}), storage uses {}",
                self.suite.cipher_name()
            ));
        }
        let n = Nonce::from(
            <[u8; NONCE_LEN]>::try_from(&bytes[HEADER_LEN..HEADER_LEN + NONCE_LEN])
                .expect("length checked"),
        );
        let payload = Payload {
            msg: &bytes[HEADER_LEN + NONCE_LEN..],
            aad: &self.aad,
        };
        match &self.cipher {
            Cipher::Aes(c) => c.decrypt(&n, payload),
            Cipher::Sm4(c) => c.decrypt(&n, payload),
        }
        .map(Zeroizing::new)
        .map_err(|_| {
            "cannot decrypt: another app's file, another host secret, or altered".to_string()
        })
    }
}

fn header(suite: Suite) -> [u8; HEADER_LEN] {
    let mut h = [0u8; HEADER_LEN];
    h[..MAGIC.len()].copy_from_slice(MAGIC);
    h[MAGIC.len()] = FORMAT_VERSION;
    h[MAGIC.len() + 1] = suite.code();
    h
}

struct Entry {
    data: Value,
    /// Key length plus the JSON length of the data: what counts against the quota.
    size: usize,
    /// Creation order, so `info().keys` lists keys in the order they were first set.
    seq: u64,
}

/// One app's storage. Two instances on different directories share nothing.
pub struct Storage {
    dir: PathBuf,
    quota: usize,
    entries: HashMap<String, Entry>,
    /// File name → why it could not be read. Kept on disk until the key is set again,
    /// removed, or the storage cleared.
    corrupt: HashMap<String, String>,
    used: usize,
    next_seq: u64,
    /// `None` for [`AtRest::Plain`].
    sealer: Option<Sealer>,
}

impl Storage {
    /// Opens (creating if needed) the plain-JSON storage kept in `dir` ([`AtRest::Plain`]).
    /// Corrupted entries do not fail the open: they are logged, left out, and reported by
    /// `get` and `corrupted`.
    pub fn open(dir: &Path, quota_bytes: usize) -> Result<Storage, ServiceError> {
        Self::open_with(dir, quota_bytes, None)
    }

    /// Opens the storage of app `app_id` kept in `dir`, as `at_rest` says. Files that do not
    /// decrypt are treated as corrupted entries (see [`Storage::open`]).
    pub fn open_at_rest(
        dir: &Path,
        quota_bytes: usize,
        at_rest: &AtRest,
        app_id: &str,
    ) -> Result<Storage, ServiceError> {
        // The mutation check's "isolation off": one store, under one key, for every app
        // whose data directories share a parent.
        let shared;
        let (dir, app_id) = if crate::mutation::off(crate::mutation::Control::Storage) {
            shared = dir
                .parent()
                .and_then(Path::parent)
                .unwrap_or(dir)
                .join("mutation-shared-storage");
            (shared.as_path(), "")
        } else {
            (dir, app_id)
        };
        let sealer = match at_rest {
            AtRest::Plain => None,
            AtRest::Encrypted { suite, secret } => Some(Sealer::new(*suite, secret, app_id)),
        };
        Self::open_with(dir, quota_bytes, sealer)
    }

    fn open_with(
        dir: &Path,
        quota_bytes: usize,
        sealer: Option<Sealer>,
    ) -> Result<Storage, ServiceError> {
        fs::create_dir_all(dir).map_err(|e| io_fail("open storage", dir, &e))?;
        let mut s = Storage {
            dir: dir.to_path_buf(),
            quota: quota_bytes,
            entries: HashMap::new(),
            corrupt: HashMap::new(),
            used: 0,
            next_seq: 0,
            sealer,
        };
        let listing = fs::read_dir(dir).map_err(|e| io_fail("open storage", dir, &e))?;
        for item in listing {
            let item = item.map_err(|e| io_fail("open storage", dir, &e))?;
            let name = item.file_name().to_string_lossy().into_owned();
            if name.starts_with(TEMP_PREFIX) {
                // A write interrupted before its rename: the old file, if any, is intact.
                let _ = fs::remove_file(item.path());
                continue;
            }
            if !is_entry_name(&name) {
                continue;
            }
            match read_entry(&item.path(), &name, s.sealer.as_ref()) {
                Ok((key, seq, data)) => {
                    let size = entry_size(&key, &data);
                    s.used += size;
                    s.next_seq = s.next_seq.max(seq + 1);
                    s.entries.insert(key, Entry { data, size, seq });
                }
                Err(reason) => {
                    warn!(file = %item.path().display(), %reason, "storage entry corrupted; left out");
                    s.corrupt.insert(name, reason);
                }
            }
        }
        Ok(s)
    }

    /// Stores `data` under `key`, replacing what was there.
    pub fn set(&mut self, key: &str, data: Value) -> Result<(), ServiceError> {
        let size = self.check_item(key, &data)?;
        let old = self.entries.get(key).map_or(0, |e| e.size);
        if self.used - old + size > self.quota {
            return Err(self.quota_error());
        }
        self.write(key, data, size)
    }

    /// The data stored under `key`: `"fail data not found"` when there is none.
    pub fn get(&self, key: &str) -> Result<Value, ServiceError> {
        if let Some(e) = self.entries.get(key) {
            return Ok(e.data.clone());
        }
        let file = file_name(key);
        match self.corrupt.get(&file) {
            Some(reason) => Err(ServiceError::fail(format!(
                "data corrupted ({file}: {reason})"
            ))),
            None => Err(ServiceError::fail("data not found")),
        }
    }

    /// Removes `key`; removing a missing key succeeds, as in WeChat.
    pub fn remove(&mut self, key: &str) -> Result<(), ServiceError> {
        let file = file_name(key);
        let path = self.dir.join(&file);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_fail("remove", &path, &e)),
        }
        self.corrupt.remove(&file);
        if let Some(e) = self.entries.remove(key) {
            self.used -= e.size;
        }
        Ok(())
    }

    /// Removes every key, corrupted entries included.
    pub fn clear(&mut self) -> Result<(), ServiceError> {
        let listing = fs::read_dir(&self.dir).map_err(|e| io_fail("clear", &self.dir, &e))?;
        for item in listing.flatten() {
            let name = item.file_name().to_string_lossy().into_owned();
            if is_entry_name(&name) || name.starts_with(TEMP_PREFIX) {
                fs::remove_file(item.path()).map_err(|e| io_fail("clear", &item.path(), &e))?;
            }
        }
        self.entries.clear();
        self.corrupt.clear();
        self.used = 0;
        Ok(())
    }

    /// `{"keys": [...], "currentSize": KB, "limitSize": KB}`, as `wx.getStorageInfo` answers.
    pub fn info(&self) -> Value {
        json!({
            "keys": self.keys(),
            "currentSize": self.used.div_ceil(1024),
            "limitSize": self.quota / 1024,
        })
    }

    /// Keys in the order they were first set.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<(&String, u64)> = self.entries.iter().map(|(k, e)| (k, e.seq)).collect();
        keys.sort_by_key(|&(_, seq)| seq);
        keys.into_iter().map(|(k, _)| k.clone()).collect()
    }

    /// Bytes counted against the quota (keys plus JSON data).
    pub fn used_bytes(&self) -> usize {
        self.used
    }

    /// Files that could not be read at open, with the reason, sorted by file name.
    pub fn corrupted(&self) -> Vec<(String, String)> {
        let mut v: Vec<_> = self
            .corrupt
            .iter()
            .map(|(f, r)| (f.clone(), r.clone()))
            .collect();
        v.sort();
        v
    }

    /// `batchSetStorage`: all items are checked against the limits before any is written.
    pub fn batch_set(&mut self, items: &[(String, Value)]) -> Result<(), ServiceError> {
        // Each key is written once, with its last value, at the place of its first mention:
        // what sequential sets would leave.
        let mut order: Vec<&str> = Vec::new();
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (i, (k, _)) in items.iter().enumerate() {
            if last.insert(k.as_str(), i).is_none() {
                order.push(k);
            }
        }
        let mut used = self.used;
        let mut sized = Vec::with_capacity(order.len());
        for k in order {
            let v = &items[last[k]].1;
            let size = self.check_item(k, v)?;
            used = used - self.entries.get(k).map_or(0, |e| e.size) + size;
            sized.push((k, v, size));
        }
        if used > self.quota {
            return Err(self.quota_error());
        }
        for (k, v, size) in sized {
            self.write(k, v.clone(), size)?;
        }
        Ok(())
    }

    /// `batchGetStorageSync`: one value per key, `""` for a missing key as `getStorageSync`
    /// gives.
    pub fn batch_get(&self, keys: &[String]) -> Vec<Value> {
        keys.iter()
            .map(|k| {
                self.entries
                    .get(k)
                    .map_or(Value::String(String::new()), |e| e.data.clone())
            })
            .collect()
    }

    fn check_item(&self, key: &str, data: &Value) -> Result<usize, ServiceError> {
        let size = entry_size(key, data);
        if size - key.len() > ITEM_MAX_BYTES {
            return Err(ServiceError::fail("exceed storage item max length"));
        }
        Ok(size)
    }

    fn quota_error(&self) -> ServiceError {
        const MB: usize = 1024 * 1024;
        if self.quota.is_multiple_of(MB) {
            ServiceError::fail(format!("exceed storage max size {}Mb", self.quota / MB))
        } else {
            ServiceError::fail(format!("exceed storage max size {}b", self.quota))
        }
    }

    fn write(&mut self, key: &str, data: Value, size: usize) -> Result<(), ServiceError> {
        let seq = match self.entries.get(key) {
            Some(e) => e.seq,
            None => {
                self.next_seq += 1;
                self.next_seq - 1
            }
        };
        let file = file_name(key);
        let path = self.dir.join(&file);
        let body = json!({"seq": seq, "key": key, "data": data});
        let plain = Zeroizing::new(
            serde_json::to_vec(&body).map_err(|e| ServiceError::fail(e.to_string()))?,
        );
        let bytes = match &self.sealer {
            Some(sealer) => Zeroizing::new(sealer.seal(&plain).map_err(|e| {
                warn!(file = %path.display(), error = %e, "storage encryption failed");
                ServiceError::fail(format!("write: {e}"))
            })?),
            None => plain,
        };
        write_atomic(&path, &bytes).map_err(|e| io_fail("write", &path, &e))?;
        self.corrupt.remove(&file);
        let old = self
            .entries
            .insert(key.to_string(), Entry { data, size, seq });
        self.used = self.used - old.map_or(0, |e| e.size) + size;
        Ok(())
    }
}

fn entry_size(key: &str, data: &Value) -> usize {
    key.len() + data.to_string().len()
}

fn file_name(key: &str) -> String {
    format!("{}{FILE_EXT}", hex::encode(Sha256::digest(key.as_bytes())))
}

fn is_entry_name(name: &str) -> bool {
    name.strip_suffix(FILE_EXT)
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn read_entry(
    path: &Path,
    name: &str,
    sealer: Option<&Sealer>,
) -> Result<(String, u64, Value), String> {
    let bytes = fs::read(path).map_err(|e| e.to_string())?;
    let encrypted = bytes.starts_with(MAGIC);
    let plain = match (sealer, encrypted) {
        (Some(s), true) => s.open(&bytes)?,
        // Refused rather than migrated: anyone who can write the directory could plant one.
        (Some(_), false) => return Err("not encrypted, in encrypted storage".into()),
        (None, true) => return Err("encrypted, and this storage has no key".into()),
        (None, false) => Zeroizing::new(bytes),
    };
    let mut v: Value = serde_json::from_slice(&plain).map_err(|e| format!("invalid JSON: {e}"))?;
    let key = v
        .get("key")
        .and_then(Value::as_str)
        .ok_or("no key")?
        .to_string();
    let seq = v.get("seq").and_then(Value::as_u64).ok_or("no seq")?;
    if file_name(&key) != name {
        return Err("key does not match file name".into());
    }
    let data = v
        .as_object_mut()
        .and_then(|o| o.remove("data"))
        .ok_or("no data")?;
    Ok((key, seq, data))
}

fn io_fail(what: &str, path: &Path, e: &io::Error) -> ServiceError {
    warn!(path = %path.display(), error = %e, "storage {what} failed");
    ServiceError::fail(format!("{what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_hashes() {
        let n = file_name("../../etc/passwd");
        assert!(is_entry_name(&n));
        assert!(!n.contains('/'));
        assert!(!is_entry_name("x.json"));
    }

    #[test]
    fn size_counts_key_and_json() {
        assert_eq!(entry_size("ab", &json!("xy")), 2 + 4);
    }
}
