//! Signed heads of the audit log, kept outside the database.
//!
//! The hash chain and its head row live in the same database, so whoever can write to it can
//! append a row with a correct-looking hash, re-hash an edited chain, or cut the tail, and
//! move the head along. The platform therefore signs, with its signing key, the sequence
//! number and hash of every entry it writes, and appends the signed head to a file of its own
//! (`DIR/NODE.log`, one JSON line each, opened `O_APPEND`, 0600): an `intent` inside the
//! transaction, before the commit, and a `write` right after the commit, synced before the
//! call returns. Someone with the database alone cannot add a line that verifies, nor take
//! one back.
//!
//! [`check`] compares the rows with the signed heads of every node's file:
//! - a signed head whose entry is gone: the tail was cut ([`AnchorBreak::Cut`]);
//! - a signed head whose entry now has another hash: the chain was rewritten
//!   ([`AnchorBreak::Rewritten`]);
//! - an entry after the first signed head that no node signed as written: it was added
//!   outside the platform ([`AnchorBreak::Unanchored`]). An `intent` whose hash is the
//!   entry's also covers it: the node signed it before committing and stopped before the
//!   `write` (a crash, a kill). An `intent` that matches nothing is a transaction that rolled
//!   back, and is ignored.
//!
//! Entries written before anchoring existed are covered by the first signed head (a
//! `baseline` a node writes when it starts with an empty file), through the chain.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use cove_package::{KeyPair, PublicKey};
use serde::{Deserialize, Serialize};

use super::{Break, Entry};
use crate::db::{Db, DbError};

/// The `v` of a signed head.
pub const FORMAT: u32 = 1;

/// Why a head was signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// The node wrote this entry.
    Write,
    /// The node found this head when it started with no signed heads of its own: it covers
    /// the entries before it, not the entry itself as written by the node.
    Baseline,
    /// Signed inside the transaction, before the commit: covers the entry if it is there with
    /// this hash, and means nothing otherwise (the transaction may have rolled back).
    Intent,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Write => "write",
            Kind::Baseline => "baseline",
            Kind::Intent => "intent",
        }
    }
}

/// One signed head: a line of an anchor file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    pub v: u32,
    pub kind: Kind,
    /// The node's name (its file's stem).
    pub node: String,
    pub seq: u64,
    /// The entry's hash (hex).
    pub hash: String,
    /// When it was signed, Unix milliseconds.
    pub at: i64,
    pub key_id: String,
    /// Base64 of the signature over [`Anchor::statement`].
    pub sig: String,
}

impl Anchor {
    /// The exact bytes signed.
    pub fn statement(&self) -> Vec<u8> {
        format!(
            "cove-audit-anchor v{}\nkind={}\nnode={}\nseq={}\nhash={}\nat={}\nkey={}",
            self.v,
            self.kind.as_str(),
            self.node,
            self.seq,
            self.hash,
            self.at,
            self.key_id
        )
        .into_bytes()
    }

    pub fn sign(
        key: &KeyPair,
        kind: Kind,
        node: &str,
        seq: u64,
        hash: &str,
        at: i64,
    ) -> Result<Anchor, cove_package::KeyError> {
        let mut a = Anchor {
            v: FORMAT,
            kind,
            node: node.to_string(),
            seq,
            hash: hash.to_string(),
            at,
            key_id: key.id().to_string(),
            sig: String::new(),
        };
        a.sig = base64::engine::general_purpose::STANDARD.encode(key.sign(&a.statement())?);
        Ok(a)
    }

    /// Check the signature against the trusted key of the same id.
    fn verify(&self, trusted: &[PublicKey]) -> Result<(), Problem> {
        let key = trusted
            .iter()
            .find(|k| k.id() == self.key_id)
            .ok_or(Problem::UntrustedKey)?;
        let sig = base64::engine::general_purpose::STANDARD
            .decode(&self.sig)
            .map_err(|_| Problem::BadSignature)?;
        key.verify(&self.statement(), &sig)
            .map_err(|_| Problem::BadSignature)
    }

    fn line(&self) -> String {
        let mut s = serde_json::to_string(self).expect("plain fields");
        s.push('\n');
        s
    }
}

enum Problem {
    UntrustedKey,
    BadSignature,
}

/// A signed head and where it was read.
#[derive(Debug, Clone)]
pub struct Located {
    pub file: String,
    pub line: usize,
    pub anchor: Anchor,
}

impl Located {
    fn place(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// Everything read from anchor files.
#[derive(Debug, Default)]
pub struct Read {
    pub anchors: Vec<Located>,
    /// (file:line, why) of lines that are not signed heads.
    pub malformed: Vec<(String, String)>,
    /// Files read.
    pub files: usize,
    /// A last line without its newline (a crash mid-write): set aside, not counted.
    pub unfinished: Vec<String>,
}

/// Read the signed heads in `paths`: each an anchor file, or a directory whose `*.log`
/// files are (every node's of a cluster).
pub fn read(paths: &[PathBuf]) -> std::io::Result<Read> {
    let mut out = Read::default();
    for path in paths {
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "log") && p.is_file())
                .collect();
            files.sort();
            for f in files {
                read_file(&f, &mut out)?;
            }
        } else {
            read_file(path, &mut out)?;
        }
    }
    Ok(out)
}

fn read_file(path: &Path, out: &mut Read) -> std::io::Result<()> {
    let text = std::fs::read_to_string(path)?;
    out.files += 1;
    let name = path.display().to_string();
    let complete = text.ends_with('\n');
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let place = format!("{name}:{}", i + 1);
        if line.trim().is_empty() {
            continue;
        }
        if i + 1 == lines.len() && !complete {
            out.unfinished.push(place);
            continue;
        }
        match serde_json::from_str::<Anchor>(line) {
            Ok(a) if a.v == FORMAT => out.anchors.push(Located {
                file: name.clone(),
                line: i + 1,
                anchor: a,
            }),
            Ok(a) => out
                .malformed
                .push((place, format!("unknown format v{}", a.v))),
            Err(e) => out.malformed.push((place, e.to_string())),
        }
    }
    Ok(())
}

/// What a good check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub entries: u64,
    /// Signed heads read (`write` and `baseline`), all valid.
    pub anchors: usize,
    /// Entries covered only by the head signed before their commit (the node stopped
    /// between the commit and the `write`).
    pub intent_only: Vec<u64>,
    /// The newest signed head (highest entry).
    pub latest: Option<Anchor>,
    /// The first entry a signed head covers: entries up to it are covered through the
    /// chain, every later one has its own signed head.
    pub first: Option<u64>,
    /// Ids of the keys that signed.
    pub keys: BTreeSet<String>,
    /// Unfinished last lines set aside (a crash while writing).
    pub unfinished: Vec<String>,
}

impl std::fmt::Display for Verified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} entries; the chain, its head and {} signed heads agree",
            self.entries, self.anchors
        )?;
        if let Some(a) = &self.latest {
            write!(
                f,
                " (newest: entry {}, signed {} by key {})",
                a.seq,
                time(a.at),
                a.key_id
            )?;
        }
        if !self.intent_only.is_empty() {
            let seqs: Vec<String> = self.intent_only.iter().map(u64::to_string).collect();
            write!(
                f,
                "; entries signed only before their commit (the node stopped right after it): {}",
                seqs.join(", ")
            )?;
        }
        if let Some(first) = self.first.filter(|&s| s > 1) {
            write!(
                f,
                "; entries 1-{first} predate anchoring and are covered through entry {first}'s signed hash"
            )?;
        }
        if !self.keys.is_empty() {
            let keys: Vec<&str> = self.keys.iter().map(String::as_str).collect();
            write!(f, "; keys: {}", keys.join(", "))?;
        }
        Ok(())
    }
}

/// Where the log and its signed heads disagree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnchorBreak {
    #[error("{0}")]
    Chain(Break),
    #[error("{place}: not a signed head: {why}")]
    Malformed { place: String, why: String },
    #[error("{place}: the head of entry {seq} is signed by key {key_id}, which is not trusted")]
    UntrustedKey {
        place: String,
        seq: u64,
        key_id: String,
    },
    #[error("{place}: the signature on the head of entry {seq} is not valid")]
    BadSignature { place: String, seq: u64 },
    #[error("no signed heads found, but the log has {entries} entries: none of them is anchored")]
    NoAnchors { entries: u64 },
    #[error(
        "the log ends at entry {last}, but entry {seq} was signed as written ({place}, {at}): entries {}-{seq} were deleted",
        last + 1
    )]
    Cut {
        last: u64,
        seq: u64,
        place: String,
        at: String,
    },
    #[error(
        "entry {seq} is not the entry that was signed ({place}, {at}): signed hash {signed}, stored hash {stored}; the chain was rewritten"
    )]
    Rewritten {
        seq: u64,
        place: String,
        at: String,
        signed: String,
        stored: String,
    },
    #[error(
        "{} not anchored: no signed head of the platform's covers {}; the newest signed head is entry {latest}{}",
        if from == to { format!("entry {from} is") } else { format!("entries {from}-{to} are") },
        if from == to { "it" } else { "them" },
        if *count > to - from + 1 { format!(" ({count} unanchored entries in all)") } else { String::new() }
    )]
    Unanchored {
        from: u64,
        to: u64,
        count: u64,
        latest: u64,
    },
}

/// `YYYY-MM-DD HH:MM:SS UTC` of Unix milliseconds.
pub fn time(ms: i64) -> String {
    let day = crate::stats::day(ms);
    let secs = ms.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{} {:02}:{:02}:{:02} UTC",
        crate::stats::date(day),
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn short(hash: &str) -> String {
    hash.chars().take(16).collect()
}

/// Check `entries` (oldest first) and `head` as [`super::verify`] does, then against the
/// signed heads in `read`, each of which must verify under a key in `trusted`.
pub fn check(
    entries: &[Entry],
    head: Option<(u64, &str)>,
    read: &Read,
    trusted: &[PublicKey],
) -> Result<Verified, AnchorBreak> {
    let last = super::verify(entries, head).map_err(AnchorBreak::Chain)?;
    if let Some((place, why)) = read.malformed.first() {
        return Err(AnchorBreak::Malformed {
            place: place.clone(),
            why: why.clone(),
        });
    }
    for l in &read.anchors {
        l.anchor.verify(trusted).map_err(|p| match p {
            Problem::UntrustedKey => AnchorBreak::UntrustedKey {
                place: l.place(),
                seq: l.anchor.seq,
                key_id: l.anchor.key_id.clone(),
            },
            Problem::BadSignature => AnchorBreak::BadSignature {
                place: l.place(),
                seq: l.anchor.seq,
            },
        })?;
    }
    let stored = |seq: u64| {
        seq.checked_sub(1)
            .and_then(|i| entries.get(i as usize))
            .map(|e| e.hash.as_str())
    };
    // `write` and `baseline` heads stand for themselves; an `intent` only where its entry is.
    let firm: Vec<&Located> = read
        .anchors
        .iter()
        .filter(|l| l.anchor.kind != Kind::Intent)
        .collect();
    let kept_intents: BTreeSet<u64> = read
        .anchors
        .iter()
        .filter(|l| l.anchor.kind == Kind::Intent && stored(l.anchor.seq) == Some(&l.anchor.hash))
        .map(|l| l.anchor.seq)
        .collect();
    let mut verified = Verified {
        entries: last,
        anchors: firm.len(),
        intent_only: vec![],
        latest: None,
        first: None,
        keys: read
            .anchors
            .iter()
            .map(|l| l.anchor.key_id.clone())
            .collect(),
        unfinished: read.unfinished.clone(),
    };
    let Some(newest) = firm.iter().max_by_key(|l| (l.anchor.seq, l.anchor.at)) else {
        return match (last, kept_intents.first()) {
            (0, _) => Ok(verified),
            (_, None) => Err(AnchorBreak::NoAnchors { entries: last }),
            (_, Some(&first)) => covered(verified, first, last, &BTreeSet::new(), &kept_intents, 0),
        };
    };
    // The tail: a signed entry that is no longer there.
    if newest.anchor.seq > last {
        return Err(AnchorBreak::Cut {
            last,
            seq: newest.anchor.seq,
            place: newest.place(),
            at: time(newest.anchor.at),
        });
    }
    // Rewritten: the first signed entry whose hash moved.
    let mut by_seq = firm.clone();
    by_seq.sort_by_key(|l| (l.anchor.seq, l.anchor.at));
    for l in &by_seq {
        // A head past the end is the cut above's to report.
        let Some(stored) = stored(l.anchor.seq) else {
            continue;
        };
        if stored != l.anchor.hash {
            return Err(AnchorBreak::Rewritten {
                seq: l.anchor.seq,
                place: l.place(),
                at: time(l.anchor.at),
                signed: short(&l.anchor.hash),
                stored: short(stored),
            });
        }
    }
    let first = by_seq[0]
        .anchor
        .seq
        .min(kept_intents.first().copied().unwrap_or(u64::MAX));
    let written: BTreeSet<u64> = firm
        .iter()
        .filter(|l| l.anchor.kind == Kind::Write)
        .map(|l| l.anchor.seq)
        .collect();
    verified.latest = Some(newest.anchor.clone());
    covered(
        verified,
        first,
        last,
        &written,
        &kept_intents,
        newest.anchor.seq,
    )
}

/// Added: an entry after the first signed head that no node signed as its own write (after
/// or, failing that, before its commit).
fn covered(
    mut verified: Verified,
    first: u64,
    last: u64,
    written: &BTreeSet<u64>,
    intents: &BTreeSet<u64>,
    latest: u64,
) -> Result<Verified, AnchorBreak> {
    let missing: Vec<u64> = (first + 1..=last)
        .filter(|s| !written.contains(s) && !intents.contains(s))
        .collect();
    if let Some(&from) = missing.first() {
        let to = missing
            .iter()
            .zip(from..)
            .take_while(|(s, want)| **s == *want)
            .last()
            .map_or(from, |(s, _)| *s);
        return Err(AnchorBreak::Unanchored {
            from,
            to,
            count: missing.len() as u64,
            latest,
        });
    }
    verified.intent_only = (first..=last)
        .filter(|s| !written.contains(s) && intents.contains(s))
        .collect();
    verified.first = Some(first);
    Ok(verified)
}

/// Load the log and its head from the database and [`check`] them.
pub async fn check_db(
    db: &Db,
    read: &Read,
    trusted: &[PublicKey],
) -> Result<Result<Verified, AnchorBreak>, DbError> {
    let entries = super::store::load(db).await?;
    let head = super::store::head(db).await?;
    Ok(check(
        &entries,
        Some((head.seq(), head.hash.as_str())),
        read,
        trusted,
    ))
}

#[derive(Debug, thiserror::Error)]
pub enum AnchorError {
    #[error("audit anchors {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("audit anchors: signing: {0}")]
    Sign(#[from] cove_package::KeyError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("audit anchors: node name {0:?}: use letters, digits, '-', '_' and '.'")]
    BadNode(String),
}

/// Where a node keeps its signed heads.
#[derive(Debug, Clone)]
pub struct AnchorSettings {
    /// The directory of anchor files (every node's, when they share it).
    pub dir: PathBuf,
    /// This node's file is `DIR/NODE.log`.
    pub node: String,
    /// Keys that signed earlier heads and are still trusted to check them (retired signing
    /// keys); the current signing key is always trusted.
    pub retired: Vec<PublicKey>,
}

impl AnchorSettings {
    pub fn file(&self) -> PathBuf {
        self.dir.join(format!("{}.log", self.node))
    }
}

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A node's anchor file, and the entries it wrote that wait for their commit to be signed.
pub struct AnchorLog {
    settings: AnchorSettings,
    key: Arc<KeyPair>,
    file: Arc<std::sync::Mutex<std::fs::File>>,
    /// (seq, hash) of entries written inside transactions not yet seen committed.
    pending: std::sync::Mutex<Vec<(u64, String)>>,
    /// One flush at a time, so that a node's file is in entry order.
    flushing: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for AnchorLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnchorLog")
            .field("file", &self.settings.file())
            .finish()
    }
}

impl AnchorLog {
    /// Open (or make, 0600 in a 0700 directory) this node's anchor file. A node that has
    /// signed nothing yet signs the current head as its baseline; one that has checks that
    /// its newest signed entry is still in the database, and says so loudly when not.
    pub async fn open(
        settings: AnchorSettings,
        key: Arc<KeyPair>,
        db: &Db,
    ) -> Result<AnchorLog, AnchorError> {
        let node_ok = !settings.node.is_empty()
            && settings
                .node
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && !settings.node.starts_with('.');
        if !node_ok {
            return Err(AnchorError::BadNode(settings.node.clone()));
        }
        let path = settings.file();
        let io = |source| AnchorError::Io {
            path: path.clone(),
            source,
        };
        crate::fsperm::create_private_dir(&settings.dir).map_err(io)?;
        crate::fsperm::tighten_and_warn(&settings.dir, "the audit anchor directory");
        let mut opts = std::fs::OpenOptions::new();
        opts.append(true).create(true).read(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let file = opts.open(&path).map_err(io)?;
        crate::fsperm::tighten_and_warn(&path, "the audit anchor file");
        let own = read(std::slice::from_ref(&path)).map_err(io)?;
        let log = AnchorLog {
            settings,
            key,
            file: Arc::new(std::sync::Mutex::new(file)),
            pending: std::sync::Mutex::new(vec![]),
            flushing: tokio::sync::Mutex::new(()),
        };
        let head = super::store::head(db).await?;
        let (seq, hash) = (head.seq(), head.hash);
        match own.anchors.iter().max_by_key(|l| l.anchor.seq) {
            None if seq > 0 => {
                let a = Anchor::sign(
                    &log.key,
                    Kind::Baseline,
                    &log.settings.node,
                    seq,
                    &hash,
                    unix_ms(),
                )?;
                log.append(a.line(), true).await.map_err(io)?;
                tracing::info!(
                    "signed the audit log's head (entry {seq}) as this node's baseline in {}",
                    path.display()
                );
            }
            None => {}
            Some(l) => {
                let stored: Option<String> =
                    sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
                        .bind(l.anchor.seq as i64)
                        .fetch_optional(&db.pool)
                        .await
                        .map_err(DbError::from)?;
                if stored.as_deref() != Some(l.anchor.hash.as_str()) {
                    tracing::error!(
                        "the audit log no longer holds entry {} as this node signed it ({}); run `cove audit verify`",
                        l.anchor.seq,
                        l.place()
                    );
                }
            }
        }
        Ok(log)
    }

    pub fn settings(&self) -> &AnchorSettings {
        &self.settings
    }

    /// The keys that check signed heads: the current one and the retired ones.
    pub fn trusted(&self) -> Vec<PublicKey> {
        let mut keys = vec![self.key.public()];
        keys.extend(self.settings.retired.iter().cloned());
        keys
    }

    /// An entry written inside a transaction, before it commits: its head is signed as an
    /// `intent` now (written, not synced: it must outlive the process, not the machine),
    /// and as a `write` once [`AnchorLog::flush`] sees it committed. An error here should
    /// abort the transaction: a change is not made that could not be anchored.
    pub async fn intend(&self, seq: u64, hash: &str) -> Result<(), AnchorError> {
        let a = Anchor::sign(
            &self.key,
            Kind::Intent,
            &self.settings.node,
            seq,
            hash,
            unix_ms(),
        )?;
        self.append(a.line(), false)
            .await
            .map_err(|source| AnchorError::Io {
                path: self.settings.file(),
                source,
            })?;
        self.note(seq, hash);
        Ok(())
    }

    /// An entry to sign once [`AnchorLog::flush`] sees it committed (without an `intent`).
    pub fn note(&self, seq: u64, hash: &str) {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((seq, hash.to_string()));
    }

    /// Sign every noted entry that is now committed; forget those whose transaction rolled
    /// back; keep those still in flight. Returns how many were signed.
    pub async fn flush(&self, db: &Db) -> Result<usize, AnchorError> {
        let _one = self.flushing.lock().await;
        let batch = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if batch.is_empty() {
            return Ok(0);
        }
        let restore = |items: Vec<(u64, String)>| {
            self.pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(items);
        };
        let lo = batch.iter().map(|(s, _)| *s).min().unwrap_or(0);
        let hi = batch.iter().map(|(s, _)| *s).max().unwrap_or(0);
        // The head first: an entry not found at or below it was rolled back (the row and
        // the head commit together); one above it may still commit.
        let committed = async {
            let head_seq = super::store::head(db).await?.seq();
            // The same two columns as the head row.
            let rows: Vec<super::store::Head> =
                sqlx::query_as("SELECT seq, hash FROM audit_log WHERE seq >= $1 AND seq <= $2")
                    .bind(lo as i64)
                    .bind(hi as i64)
                    .fetch_all(&db.pool)
                    .await?;
            let stored: BTreeMap<u64, String> =
                rows.into_iter().map(|r| (r.seq(), r.hash)).collect();
            Ok::<_, DbError>((head_seq, stored))
        }
        .await;
        let (head_seq, stored) = match committed {
            Ok(c) => c,
            Err(e) => {
                restore(batch);
                return Err(e.into());
            }
        };
        let mut sign = vec![];
        let mut keep = vec![];
        let mut batch = batch;
        batch.sort();
        for (seq, hash) in batch {
            if stored.get(&seq) == Some(&hash) {
                sign.push((seq, hash));
            } else if seq > head_seq {
                keep.push((seq, hash));
            } else {
                tracing::debug!("audit entry {seq} was rolled back; nothing to sign");
            }
        }
        restore(keep);
        if sign.is_empty() {
            return Ok(0);
        }
        let at = unix_ms();
        let mut text = String::new();
        for (seq, hash) in &sign {
            match Anchor::sign(&self.key, Kind::Write, &self.settings.node, *seq, hash, at) {
                Ok(a) => text.push_str(&a.line()),
                Err(e) => {
                    restore(sign);
                    return Err(e.into());
                }
            }
        }
        if let Err(source) = self.append(text, true).await {
            restore(sign);
            return Err(AnchorError::Io {
                path: self.settings.file(),
                source,
            });
        }
        Ok(sign.len())
    }

    /// Append whole lines in one write, and sync them to disk when `sync`.
    async fn append(&self, text: String, sync: bool) -> std::io::Result<()> {
        let file = self.file.clone();
        tokio::task::spawn_blocking(move || {
            let mut f = file.lock().unwrap_or_else(|e| e.into_inner());
            f.write_all(text.as_bytes())?;
            if sync { f.sync_data() } else { Ok(()) }
        })
        .await
        .map_err(std::io::Error::other)?
    }
}

/// Read `settings`' directory and check the database against it.
pub async fn check_with(
    db: &Db,
    dirs: &[PathBuf],
    trusted: &[PublicKey],
) -> Result<Result<Verified, AnchorBreak>, AnchorError> {
    let read = read(dirs).map_err(|source| AnchorError::Io {
        path: dirs.first().cloned().unwrap_or_default(),
        source,
    })?;
    Ok(check_db(db, &read, trusted).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Change, next};

    fn chain(n: u64) -> Vec<Entry> {
        let mut out: Vec<Entry> = vec![];
        for i in 0..n {
            let (b, a) = (serde_json::json!(null), serde_json::json!({ "i": i }));
            let e = next(
                out.last(),
                &Change {
                    at: i as i64,
                    actor: "u",
                    org: "o",
                    action: "x",
                    target: "t",
                    before: &b,
                    after: &a,
                },
            );
            out.push(e);
        }
        out
    }

    fn anchors(key: &KeyPair, entries: &[Entry], from: usize) -> Read {
        let mut r = Read::default();
        for (i, e) in entries.iter().enumerate().skip(from) {
            let kind = if i == from {
                Kind::Baseline
            } else {
                Kind::Write
            };
            r.anchors.push(Located {
                file: "n.log".into(),
                line: i + 1,
                anchor: Anchor::sign(key, kind, "n", e.seq, &e.hash, 1_800_000_000_000).unwrap(),
            });
        }
        r
    }

    #[test]
    fn a_signed_log_checks_and_a_baseline_covers_what_came_before() {
        let key = KeyPair::generate(cove_package::Suite::Intl, cove_package::Purpose::Sign, None)
            .unwrap();
        let log = chain(6);
        let read = anchors(&key, &log, 2);
        let head = (6, log[5].hash.as_str());
        let ok = check(&log, Some(head), &read, &[key.public()]).unwrap();
        assert_eq!((ok.entries, ok.anchors, ok.first), (6, 4, Some(3)));
        assert!(
            ok.to_string().contains("entries 1-3 predate anchoring"),
            "{ok}"
        );
        // Another key does not do.
        let other = KeyPair::generate(cove_package::Suite::Intl, cove_package::Purpose::Sign, None)
            .unwrap();
        assert!(matches!(
            check(&log, Some(head), &read, &[other.public()]),
            Err(AnchorBreak::UntrustedKey { seq: 3, .. })
        ));
        // A forged signature is refused.
        let mut forged = anchors(&key, &log, 2);
        forged.anchors[1].anchor.hash = log[4].hash.clone();
        assert!(matches!(
            check(&log, Some(head), &forged, &[key.public()]),
            Err(AnchorBreak::BadSignature { seq: 4, .. })
        ));
        assert_eq!(time(1_800_000_000_000), "2027-01-15 08:00:00 UTC");
    }
}
