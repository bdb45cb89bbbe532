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

use std::collections::HashMap;
use std::sync::Mutex;

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

/// One process's nonces (a single node, and tests).
#[derive(Default)]
pub struct MemoryNonces(Mutex<HashMap<(String, String), i64>>);

impl NonceStore for MemoryNonces {
    fn remember(&self, key: &str, nonce: &str, expires: i64, now: i64) -> bool {
        let mut seen = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // Expired nonces can be forgotten: their timestamps are refused as stale anyway.
        if seen.len() > 100_000 {
            seen.retain(|_, exp| *exp > now);
        }
        let k = (key.to_string(), nonce.to_string());
        match seen.get(&k) {
            Some(exp) if *exp > now => false,
            _ => {
                seen.insert(k, expires);
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
    if req.nonce.len() < 8
        || req.nonce.len() > 128
        || !req.nonce.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(AuthError::Malformed(HEADER_NONCE));
    }
    let sig = hex::decode(signature).map_err(|_| AuthError::Malformed(HEADER_SIGNATURE))?;
    if !req.matches(secret, &sig) {
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
