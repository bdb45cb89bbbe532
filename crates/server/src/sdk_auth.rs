//! The SDK's request signatures. A host app's SDK signs every call to the platform with its
//! SDK secret:
//!
//! ```text
//! signature = hex(HMAC-SHA256(secret,
//!     "COVE-HMAC-SHA256\n" + METHOD + "\n" + path-and-query + "\n" + hex(SHA-256(body)) + "\n"
//!     + timestamp (Unix seconds) + "\n" + nonce))
//! ```
//!
//! sent as headers `x-cove-key`, `x-cove-timestamp`, `x-cove-nonce`, `x-cove-signature`.
//! The server refuses a bad signature, a timestamp more than [`MAX_SKEW`] seconds away from
//! its clock, and a nonce it has seen for that key within the window (a replay). Nonces are
//! remembered through a [`NonceStore`], shared by every API node (the database in a cluster).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use sha2::{Digest, Sha256};

pub use cove_wire::{
    HEADER_KEY, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP, MAX_SKEW, Signed,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("missing or malformed {0}")]
    Malformed(&'static str),
    #[error("unknown SDK key")]
    UnknownKey,
    #[error("the signature does not match")]
    BadSignature,
    #[error("the timestamp is {0} s away from the server's clock (at most {MAX_SKEW} s)")]
    Stale(i64),
    #[error("this nonce was already used")]
    Replayed,
    #[error("the nonce store is unavailable: {0}")]
    Unavailable(String),
}

impl AuthError {
    /// The stable code in the JSON error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "sdk_malformed",
            Self::UnknownKey => "sdk_unknown_key",
            Self::BadSignature => "sdk_bad_signature",
            Self::Stale(_) => "sdk_stale_timestamp",
            Self::Replayed => "sdk_replayed_nonce",
            Self::Unavailable(_) => "sdk_unavailable",
        }
    }
}

/// Remembers nonces per key for the replay window.
pub trait NonceStore: Send + Sync {
    /// Record `nonce` for `key` until `expires` (Unix seconds); false when it was already there.
    fn remember(&self, key: &str, nonce: &str, expires: i64, now: i64) -> bool;
}

/// One process's nonces (a single node, and tests): sharded, and swept by expiry so that a
/// sustained load costs O(log n) per request, not a scan.
pub struct MemoryNonces {
    shards: Vec<Mutex<Shard>>,
}

/// A nonce is remembered by a 128-bit digest of (key, nonce): small, and of fixed size
/// whatever the client sends.
type NonceId = [u8; 16];

#[derive(Default)]
struct Shard {
    seen: HashMap<NonceId, i64>,
    /// Expiry second → the nonces that expire then.
    by_expiry: BTreeMap<i64, Vec<NonceId>>,
}

const SHARDS: usize = 16;

impl Default for MemoryNonces {
    fn default() -> Self {
        MemoryNonces {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

impl MemoryNonces {
    /// How many nonces are remembered now.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).seen.len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Shard {
    /// Forget what expired: those timestamps are refused as stale anyway.
    fn sweep(&mut self, now: i64) {
        while let Some(entry) = self.by_expiry.first_entry() {
            if *entry.key() > now {
                break;
            }
            for old in entry.remove() {
                if self.seen.get(&old).is_some_and(|exp| *exp <= now) {
                    self.seen.remove(&old);
                }
            }
        }
    }
}

impl MemoryNonces {
    /// Sweep every shard (each request sweeps only its own).
    pub fn sweep(&self, now: i64) {
        for s in &self.shards {
            s.lock().unwrap_or_else(|e| e.into_inner()).sweep(now);
        }
    }
}

impl NonceStore for MemoryNonces {
    fn remember(&self, key: &str, nonce: &str, expires: i64, now: i64) -> bool {
        let mut h = Sha256::new();
        h.update((key.len() as u64).to_be_bytes());
        h.update(key.as_bytes());
        h.update(nonce.as_bytes());
        let digest = h.finalize();
        let mut id = NonceId::default();
        id.copy_from_slice(&digest[..16]);
        let shard = &self.shards[id[0] as usize % SHARDS];
        let mut s = shard.lock().unwrap_or_else(|e| e.into_inner());
        s.sweep(now);
        match s.seen.get(&id) {
            Some(exp) if *exp > now => false,
            _ => {
                s.seen.insert(id, expires);
                s.by_expiry.entry(expires).or_default().push(id);
                true
            }
        }
    }
}

/// Check a request's signature, timestamp and nonce. `signature` is the hex header value.
pub fn verify(
    req: &Signed<'_>,
    key: &str,
    secret: &[u8],
    signature: &str,
    now: i64,
    nonces: &dyn NonceStore,
) -> Result<(), AuthError> {
    verify_any(req, key, &[secret], signature, now, nonces)
}

/// [`verify`] against any of `secrets` (a host's current SDK secret, and the one it
/// replaced while the rotation's overlap lasts).
pub fn verify_any(
    req: &Signed<'_>,
    key: &str,
    secrets: &[&[u8]],
    signature: &str,
    now: i64,
    nonces: &dyn NonceStore,
) -> Result<(), AuthError> {
    if req.nonce.len() < 8
        || req.nonce.len() > 128
        || !req.nonce.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(AuthError::Malformed(HEADER_NONCE));
    }
    let sig = hex::decode(signature).map_err(|_| AuthError::Malformed(HEADER_SIGNATURE))?;
    if !secrets.iter().any(|secret| req.matches(secret, &sig)) {
        return Err(AuthError::BadSignature);
    }
    let skew = req.timestamp - now;
    if skew.abs() > MAX_SKEW {
        return Err(AuthError::Stale(skew));
    }
    // Remembered past the end of the window in which this timestamp is accepted.
    if !nonces.remember(key, req.nonce, req.timestamp + MAX_SKEW + 1, now) {
        return Err(AuthError::Replayed);
    }
    Ok(())
}
