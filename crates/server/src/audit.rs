//! The audit log: every change, who made it, and the state before and after, in a hash chain.
//!
//! Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields,
//! each length-prefixed, with `before`/`after` as the exact JSON text stored. So editing any
//! field of any row breaks that row's hash, and deleting or reordering rows breaks the
//! sequence or the links. Deleting the newest rows leaves a shorter valid chain: the head
//! (last sequence number and hash) is therefore also kept apart from the log, and
//! [`verify`] checks against it when given.
//!
//! The head row sits in the same database, so it stops nobody who can write there: the
//! platform also signs every entry's head into a file of its own ([`anchor`]), and
//! `cove audit verify` checks the rows against those signed heads.

pub mod anchor;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One row of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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
    match prev {
        Some(p) => after(p.seq, &p.hash, change),
        None => after(0, GENESIS, change),
    }
}

/// The entry after the one numbered `prev_seq` with hash `prev_hash` (0 and [`GENESIS`] for
/// the first).
pub fn after(prev_seq: u64, prev_hash: &str, change: &Change<'_>) -> Entry {
    let mut e = Entry {
        seq: prev_seq + 1,
        at: change.at,
        actor: change.actor.into(),
        org: change.org.into(),
        action: change.action.into(),
        target: change.target.into(),
        before: change.before.to_string(),
        after: change.after.to_string(),
        prev: prev_hash.to_string(),
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

/// The log in the database: appends are serialised on the head row, so concurrent writers
/// on any node extend one chain.
pub mod store {
    use super::{Break, Change, Entry, GENESIS, after, verify};
    use crate::db::{Db, DbError, Dialect};

    /// The columns of an [`Entry`] ([`EntryRecord`]), as a select list.
    pub const ENTRY_COLUMNS: &str =
        "seq, at, actor, org, action, target, before, after, prev, hash";

    /// A stored [`Entry`], read by column name.
    #[derive(sqlx::FromRow)]
    pub struct EntryRecord {
        seq: i64,
        at: i64,
        actor: String,
        org: String,
        action: String,
        target: String,
        before: String,
        after: String,
        prev: String,
        hash: String,
    }

    impl From<EntryRecord> for Entry {
        fn from(r: EntryRecord) -> Entry {
            Entry {
                seq: r.seq as u64,
                at: r.at,
                actor: r.actor,
                org: r.org,
                action: r.action,
                target: r.target,
                before: r.before,
                after: r.after,
                prev: r.prev,
                hash: r.hash,
            }
        }
    }

    /// The head row: the last entry's sequence number and hash (0 and empty before any).
    /// `audit_log` rows read as `seq, hash` are the same pair.
    #[derive(Debug, Clone, sqlx::FromRow)]
    pub struct Head {
        seq: i64,
        pub hash: String,
    }

    impl Head {
        pub fn seq(&self) -> u64 {
            self.seq as u64
        }
    }

    /// The head row, as it is now.
    pub async fn head(db: &Db) -> Result<Head, DbError> {
        Ok(
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(&db.pool)
                .await?,
        )
    }

    /// Append `change` in its own transaction; returns the stored entry.
    pub async fn append(db: &Db, change: &Change<'_>) -> Result<Entry, DbError> {
        let mut tx = db.begin_write().await?;
        let e = append_in(&mut tx, db.dialect, change).await?;
        tx.commit().await?;
        Ok(e)
    }

    /// Append `change` inside the caller's (write) transaction, so that a change and its
    /// record commit together or not at all.
    pub async fn append_in(
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        dialect: Dialect,
        change: &Change<'_>,
    ) -> Result<Entry, DbError> {
        let lock = match dialect {
            Dialect::Postgres => "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
            Dialect::Sqlite => "SELECT seq, hash FROM audit_head WHERE id = 1",
        };
        let head: Head = sqlx::query_as(lock).fetch_one(&mut **tx).await?;
        let seq = head.seq();
        let prev_hash = match seq {
            0 => GENESIS.to_string(),
            _ => head.hash,
        };
        let e = after(seq, &prev_hash, change);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, org, action, target, before, after, prev, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(e.seq as i64)
        .bind(e.at)
        .bind(&e.actor)
        .bind(&e.org)
        .bind(&e.action)
        .bind(&e.target)
        .bind(&e.before)
        .bind(&e.after)
        .bind(&e.prev)
        .bind(&e.hash)
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(e.seq as i64)
            .bind(&e.hash)
            .execute(&mut **tx)
            .await?;
        Ok(e)
    }

    /// Every entry, oldest first.
    pub async fn load(db: &Db) -> Result<Vec<Entry>, DbError> {
        let rows: Vec<EntryRecord> = sqlx::query_as(&format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_log ORDER BY seq"
        ))
        .fetch_all(&db.pool)
        .await?;
        Ok(rows.into_iter().map(Entry::from).collect())
    }

    /// `cove audit verify`: the stored log against itself and its head.
    pub async fn check(db: &Db) -> Result<Result<u64, Break>, DbError> {
        let entries = load(db).await?;
        let head = head(db).await?;
        Ok(verify(&entries, Some((head.seq(), head.hash.as_str()))))
    }
}
