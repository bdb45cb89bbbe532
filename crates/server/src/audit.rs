//! The audit log: every change, who made it, and the state before and after, in a hash chain.
//!
//! Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields,
//! each length-prefixed, with `before`/`after` as the exact JSON text stored. So editing any
//! field of any row breaks that row's hash, and deleting or reordering rows breaks the
//! sequence or the links. Deleting the newest rows leaves a shorter valid chain: the head
//! (last sequence number and hash) is therefore also kept apart from the log, and
//! [`verify`] checks against it when given.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One row of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// 1, 2, 3... with no gaps.
    pub seq: u64,
    /// Unix milliseconds.
    pub at: i64,
    /// `user:<id>`, `token:<id>`, `system`.
    pub actor: String,
    /// The organisation the change belongs to (for filtering; empty for platform-wide).
    pub org: String,
    /// `miniprogram.create`, `version.approve`, `release.takedown`...
    pub action: String,
    /// `miniprogram:<id>`, `version:<id>`...
    pub target: String,
    /// JSON text, exactly as stored (`null` when there was nothing).
    pub before: String,
    pub after: String,
    /// The previous entry's hash (hex).
    pub prev: String,
    /// This entry's hash (hex).
    pub hash: String,
}

/// What is being recorded.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub at: i64,
    pub actor: &'a str,
    pub org: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub before: &'a serde_json::Value,
    pub after: &'a serde_json::Value,
}

fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

/// The hash an entry must carry.
pub fn hash_of(e: &Entry) -> String {
    let mut h = Sha256::new();
    field(&mut h, b"cove-audit v1");
    field(&mut h, e.prev.as_bytes());
    field(&mut h, &e.seq.to_be_bytes());
    field(&mut h, &e.at.to_be_bytes());
    for f in [&e.actor, &e.org, &e.action, &e.target, &e.before, &e.after] {
        field(&mut h, f.as_bytes());
    }
    hex::encode(h.finalize())
}

/// The entry that follows `prev` (or starts the log) for `change`.
pub fn next(prev: Option<&Entry>, change: &Change<'_>) -> Entry {
    let mut e = Entry {
        seq: prev.map_or(1, |p| p.seq + 1),
        at: change.at,
        actor: change.actor.into(),
        org: change.org.into(),
        action: change.action.into(),
        target: change.target.into(),
        before: change.before.to_string(),
        after: change.after.to_string(),
        prev: prev.map_or_else(|| GENESIS.to_string(), |p| p.hash.clone()),
        hash: String::new(),
    };
    e.hash = hash_of(&e);
    e
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Break {
    #[error("entry {seq} was edited: its hash does not match its content")]
    Edited { seq: u64 },
    #[error("entry {expected} is missing (the next one found is {found})")]
    Missing { expected: u64, found: u64 },
    #[error("entry {seq} does not link to the entry before it")]
    Unlinked { seq: u64 },
    #[error("the log ends at entry {last}, but the recorded head is entry {head}")]
    Truncated { last: u64, head: u64 },
    #[error("the log's last hash differs from the recorded head")]
    HeadMismatch,
}

/// Check a whole log, oldest first; `head` is the separately kept (last seq, last hash).
/// Returns the number of entries checked.
pub fn verify(entries: &[Entry], head: Option<(u64, &str)>) -> Result<u64, Break> {
    let mut prev_hash = GENESIS.to_string();
    let mut expected = 1;
    for e in entries {
        if e.seq != expected {
            return Err(Break::Missing {
                expected,
                found: e.seq,
            });
        }
        if e.prev != prev_hash {
            return Err(Break::Unlinked { seq: e.seq });
        }
        if hash_of(e) != e.hash {
            return Err(Break::Edited { seq: e.seq });
        }
        prev_hash = e.hash.clone();
        expected += 1;
    }
    let last = expected - 1;
    if let Some((head_seq, head_hash)) = head {
        if head_seq > last {
            return Err(Break::Truncated {
                last,
                head: head_seq,
            });
        }
        let at_head = entries
            .iter()
            .find(|e| e.seq == head_seq)
            .map(|e| e.hash.as_str());
        if head_seq > 0 && at_head != Some(head_hash) {
            return Err(Break::HeadMismatch);
        }
    }
    Ok(last)
}
