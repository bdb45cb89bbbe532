//! Launch, error and API-call statistics: the core of the SDK's batched event endpoint
//! (`POST /sdk/v1/events`, body `{"events": [...]}`) and the aggregates the console charts.
//!
//! - [`parse_batch`] checks a batch within limits and says which event is bad, by index.
//! - [`record`] folds a batch into per-day aggregates in one write transaction. Days are UTC
//!   days since the Unix epoch ([`day`]). Users are counted once per day, per app and version,
//!   and once per day per app across versions. They are stored as a hash of (host app, user
//!   id), because a user id is the host app's own.
//! - [`summary`] reads what the console shows for one mini-program and a range of days.
//!
//! Raw events are not kept: only counters, the per-day user sets, and the
//! [`ERRORS_KEPT`] most recent distinct error messages per app and version.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::data_key::DataKey;
use crate::db::{Db, DbError};

/// The largest request body.
pub const MAX_BODY: usize = 512 * 1024;
/// The most events in one batch.
pub const MAX_EVENTS: usize = 500;
/// Identifiers longer than these are refused (`field_too_long`).
pub const MAX_APP_ID: usize = 64;
pub const MAX_USER_ID: usize = 128;
pub const MAX_API: usize = 128;
/// Free text longer than these is cut (at a character boundary), not refused.
pub const MAX_MESSAGE: usize = 1024;
pub const MAX_STACK: usize = 8 * 1024;
/// How old an event may be: a phone offline for a while still sends its backlog.
pub const MAX_AGE_MS: i64 = 30 * DAY_MS;
/// How far ahead of the server's clock an event may be: phone clocks are often wrong.
pub const MAX_AHEAD_MS: i64 = DAY_MS;
/// A duration above this is nonsense from a broken client.
pub const MAX_DURATION_MS: u64 = DAY_MS as u64;
/// Distinct error messages kept per app and version (the most recently seen).
pub const ERRORS_KEPT: i64 = 20;
/// APIs listed in [`Summary::failing_apis`].
pub const TOP_APIS: usize = 10;
/// The longest range [`summary`] answers.
pub const MAX_RANGE_DAYS: i64 = 366;

const DAY_MS: i64 = 86_400_000;
/// Rows per multi-row insert of user hashes (4 parameters each).
const USER_CHUNK: usize = 100;
/// Attempts of a write transaction that PostgreSQL aborted as a deadlock or serialisation
/// failure, or SQLite found busy.
const ATTEMPTS: usize = 5;

/// The tables (run by `db.rs` as migration 3, "statistics"). Idempotent.
pub const MIGRATION_SQLITE: &str = "
CREATE TABLE IF NOT EXISTS stats_daily (
    app_id TEXT NOT NULL, version_code BIGINT NOT NULL, day BIGINT NOT NULL,
    launches BIGINT NOT NULL, cold_launches BIGINT NOT NULL,
    launch_ms_sum BIGINT NOT NULL, launch_ms_count BIGINT NOT NULL,
    errors BIGINT NOT NULL, users BIGINT NOT NULL,
    api_calls BIGINT NOT NULL, api_failures BIGINT NOT NULL,
    PRIMARY KEY (app_id, version_code, day)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stats_app_daily (
    app_id TEXT NOT NULL, day BIGINT NOT NULL, users BIGINT NOT NULL,
    PRIMARY KEY (app_id, day)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stats_users (
    app_id TEXT NOT NULL, version_code BIGINT NOT NULL, day BIGINT NOT NULL,
    user_hash TEXT NOT NULL,
    PRIMARY KEY (app_id, version_code, day, user_hash)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stats_app_users (
    app_id TEXT NOT NULL, day BIGINT NOT NULL, user_hash TEXT NOT NULL,
    PRIMARY KEY (app_id, day, user_hash)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stats_api (
    app_id TEXT NOT NULL, version_code BIGINT NOT NULL, day BIGINT NOT NULL, api TEXT NOT NULL,
    calls BIGINT NOT NULL, failures BIGINT NOT NULL,
    ms_sum BIGINT NOT NULL, ms_count BIGINT NOT NULL, last_error TEXT,
    PRIMARY KEY (app_id, version_code, day, api)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stats_errors (
    app_id TEXT NOT NULL, version_code BIGINT NOT NULL, message_hash TEXT NOT NULL,
    message TEXT NOT NULL, stack TEXT, count BIGINT NOT NULL,
    first_ms BIGINT NOT NULL, last_ms BIGINT NOT NULL,
    PRIMARY KEY (app_id, version_code, message_hash)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS stats_errors_recent ON stats_errors (app_id, last_ms);
";

/// The same tables in PostgreSQL (no `WITHOUT ROWID`).
pub const MIGRATION_POSTGRES: &str = "
CREATE TABLE IF NOT EXISTS stats_daily (
    app_id TEXT NOT NULL, version_code BIGINT NOT NULL, day BIGINT NOT NULL,
    launches BIGINT NOT NULL, cold_launches BIGINT NOT NULL,
    launch_ms_sum BIGINT NOT NULL, launch_ms_count BIGINT NOT NULL,
    errors BIGINT NOT NULL, users BIGINT NOT NULL,
    api_calls BIGINT NOT NULL, api_failures BIGINT NOT NULL,
    PRIMARY KEY (app_id, version_code, day));
CREATE TABLE IF NOT EXISTS stats_app_daily (
    app_id TEXT NOT NULL, day BIGINT NOT NULL, users BIGINT NOT NULL,
    PRIMARY KEY (app_id, day));
CREATE TABLE IF NOT EXISTS stats_users (
    app_id TEXT NOT NULL, version_code BIGINT NOT NULL, day BIGINT NOT NULL,
    user_hash TEXT NOT NULL,
    PRIMARY KEY (app_id, version_code, day, user_hash));
CREATE TABLE IF NOT EXISTS stats_app_users (
    app_id TEXT NOT NULL, day BIGINT NOT NULL, user_hash TEXT NOT NULL,
    PRIMARY KEY (app_id, day, user_hash));
CREATE TABLE IF NOT EXISTS stats_api (
    app_id TEXT NOT NULL, version_code BIGINT NOT NULL, day BIGINT NOT NULL, api TEXT NOT NULL,
    calls BIGINT NOT NULL, failures BIGINT NOT NULL,
    ms_sum BIGINT NOT NULL, ms_count BIGINT NOT NULL, last_error TEXT,
    PRIMARY KEY (app_id, version_code, day, api));
CREATE TABLE IF NOT EXISTS stats_errors (
    app_id TEXT NOT NULL, version_code BIGINT NOT NULL, message_hash TEXT NOT NULL,
    message TEXT NOT NULL, stack TEXT, count BIGINT NOT NULL,
    first_ms BIGINT NOT NULL, last_ms BIGINT NOT NULL,
    PRIMARY KEY (app_id, version_code, message_hash));
CREATE INDEX IF NOT EXISTS stats_errors_recent ON stats_errors (app_id, last_ms);
";

#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error("the body is {0} bytes (at most {MAX_BODY})")]
    BodyTooLarge(usize),
    #[error("{0} events in one batch (at most {MAX_EVENTS})")]
    BatchTooLarge(usize),
    #[error("not an event batch: {0}")]
    BadBatch(String),
    #[error("event {index}: {reason}")]
    BadEvent { index: usize, reason: String },
    #[error("event {index}: {field} is longer than {max} bytes")]
    FieldTooLong {
        index: usize,
        field: &'static str,
        max: usize,
    },
    #[error("event {index}: at_ms {at_ms} is more than 30 days old or 1 day ahead of the server")]
    BadTimestamp { index: usize, at_ms: i64 },
    #[error("bad day range {from}..={to} (at most {MAX_RANGE_DAYS} days)")]
    BadRange { from: i64, to: i64 },
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for StatsError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(DbError::Sql(e))
    }
}

impl StatsError {
    /// The stable code in the JSON error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BodyTooLarge(_) => "body_too_large",
            Self::BatchTooLarge(_) => "batch_too_large",
            Self::BadBatch(_) => "bad_batch",
            Self::BadEvent { .. } => "bad_event",
            Self::FieldTooLong { .. } => "field_too_long",
            Self::BadTimestamp { .. } => "bad_timestamp",
            Self::BadRange { .. } => "bad_range",
            Self::Db(_) => "database",
        }
    }

    /// The index of the offending event, when one event is at fault.
    pub fn index(&self) -> Option<usize> {
        match self {
            Self::BadEvent { index, .. }
            | Self::FieldTooLong { index, .. }
            | Self::BadTimestamp { index, .. } => Some(*index),
            _ => None,
        }
    }

    /// The client's fault (HTTP 4xx), as opposed to the server's.
    pub fn is_client_error(&self) -> bool {
        !matches!(self, Self::Db(_))
    }
}

/// A mini-program launch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Launch {
    pub app_id: String,
    pub version_code: u64,
    pub user_id: String,
    pub at_ms: i64,
    #[serde(default)]
    pub cold: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// An uncaught error in a mini-program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorEvent {
    pub app_id: String,
    pub version_code: u64,
    pub user_id: String,
    pub at_ms: i64,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
}

/// One call of a `wx` (or host) API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ApiCall {
    pub app_id: String,
    pub version_code: u64,
    pub user_id: String,
    pub at_ms: i64,
    pub api: String,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub err_msg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// Personal data a mini-program was given (the container's guard reports each release):
/// which API, what kind of data, and whether the privacy rules reduced it. Field names only,
/// never values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DataRelease {
    pub app_id: String,
    pub version_code: u64,
    pub user_id: String,
    pub at_ms: i64,
    pub api: String,
    /// `location`, `address` or `phone`.
    pub data: String,
    #[serde(default)]
    pub released: Vec<String>,
    /// Field → how it was reduced; empty when released as the host answered.
    #[serde(default)]
    pub reduced: BTreeMap<String, String>,
}

/// One event, tagged by `"type"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Launch(Launch),
    Error(ErrorEvent),
    ApiCall(ApiCall),
    DataRelease(DataRelease),
}

impl Event {
    pub fn app_id(&self) -> &str {
        match self {
            Self::Launch(e) => &e.app_id,
            Self::Error(e) => &e.app_id,
            Self::ApiCall(e) => &e.app_id,
            Self::DataRelease(e) => &e.app_id,
        }
    }

    pub fn version_code(&self) -> u64 {
        match self {
            Self::Launch(e) => e.version_code,
            Self::Error(e) => e.version_code,
            Self::ApiCall(e) => e.version_code,
            Self::DataRelease(e) => e.version_code,
        }
    }

    pub fn user_id(&self) -> &str {
        match self {
            Self::Launch(e) => &e.user_id,
            Self::Error(e) => &e.user_id,
            Self::ApiCall(e) => &e.user_id,
            Self::DataRelease(e) => &e.user_id,
        }
    }

    pub fn at_ms(&self) -> i64 {
        match self {
            Self::Launch(e) => e.at_ms,
            Self::Error(e) => e.at_ms,
            Self::ApiCall(e) => e.at_ms,
            Self::DataRelease(e) => e.at_ms,
        }
    }

    /// Identifiers and numbers within limits (not the clock window).
    fn check(&self, index: usize) -> Result<(), StatsError> {
        check_id(index, "app_id", self.app_id(), MAX_APP_ID)?;
        check_id(index, "user_id", self.user_id(), MAX_USER_ID)?;
        if self.version_code() > i64::MAX as u64 {
            return Err(bad(index, "version_code is out of range"));
        }
        let duration = match self {
            Self::Launch(e) => e.duration_ms,
            Self::ApiCall(e) => {
                check_id(index, "api", &e.api, MAX_API)?;
                e.duration_ms
            }
            Self::Error(_) => None,
            Self::DataRelease(e) => {
                check_id(index, "api", &e.api, MAX_API)?;
                check_id(index, "data", &e.data, MAX_API)?;
                None
            }
        };
        if duration.is_some_and(|d| d > MAX_DURATION_MS) {
            return Err(bad(index, "duration_ms is out of range"));
        }
        Ok(())
    }

    /// Cut and clean the free-text fields.
    fn clean(&mut self) {
        match self {
            Self::Error(e) => {
                e.message = clean_text(&e.message, MAX_MESSAGE);
                e.stack = e.stack.as_deref().map(|s| clean_text(s, MAX_STACK));
            }
            Self::ApiCall(e) => {
                e.err_msg = e.err_msg.as_deref().map(|s| clean_text(s, MAX_MESSAGE));
            }
            Self::Launch(_) | Self::DataRelease(_) => {}
        }
    }
}

fn bad(index: usize, reason: impl Into<String>) -> StatsError {
    StatsError::BadEvent {
        index,
        reason: reason.into(),
    }
}

fn check_id(index: usize, field: &'static str, value: &str, max: usize) -> Result<(), StatsError> {
    if value.is_empty() {
        return Err(bad(index, format!("{field} is empty")));
    }
    if value.len() > max {
        return Err(StatsError::FieldTooLong { index, field, max });
    }
    if value.chars().any(char::is_control) {
        return Err(bad(index, format!("{field} has control characters")));
    }
    Ok(())
}

/// At most `max` bytes, cut at a character boundary. NUL becomes U+FFFD: PostgreSQL's TEXT
/// refuses it, and one stray byte must not fail a whole batch.
fn clean_text(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].replace('\0', "\u{FFFD}")
}

/// The UTC day (days since 1970-01-01) of a Unix time in milliseconds.
pub fn day(at_ms: i64) -> i64 {
    at_ms.div_euclid(DAY_MS)
}

/// `YYYY-MM-DD` of a [`day`] (the proleptic Gregorian calendar).
pub fn date(day: i64) -> String {
    // Count from 0000-03-01 so that the leap day ends each 400-, 100- and 4-year cycle.
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[derive(Deserialize)]
struct Batch {
    events: Vec<serde_json::Value>,
}

/// Parse and check a batch `{"events": [...]}` received at `now_ms` (the server's clock).
/// The events come back with their free text cut to the limits.
pub fn parse_batch(body: &[u8], now_ms: i64) -> Result<Vec<Event>, StatsError> {
    if body.len() > MAX_BODY {
        return Err(StatsError::BodyTooLarge(body.len()));
    }
    let batch: Batch =
        serde_json::from_slice(body).map_err(|e| StatsError::BadBatch(e.to_string()))?;
    if batch.events.len() > MAX_EVENTS {
        return Err(StatsError::BatchTooLarge(batch.events.len()));
    }
    let mut events = Vec::with_capacity(batch.events.len());
    for (index, value) in batch.events.into_iter().enumerate() {
        let mut event: Event =
            serde_json::from_value(value).map_err(|e| bad(index, e.to_string()))?;
        event.check(index)?;
        let at_ms = event.at_ms();
        if at_ms < now_ms.saturating_sub(MAX_AGE_MS) || at_ms > now_ms.saturating_add(MAX_AHEAD_MS)
        {
            return Err(StatsError::BadTimestamp { index, at_ms });
        }
        event.clean();
        events.push(event);
    }
    Ok(events)
}

/// What [`record`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Recorded {
    /// Events counted.
    pub recorded: usize,
    /// Events for apps `allowed` refused.
    pub dropped: usize,
}

/// (app_id, version_code, day)
type DayKey = (String, i64, i64);

#[derive(Default)]
struct DayAgg {
    launches: i64,
    cold_launches: i64,
    launch_ms_sum: i64,
    launch_ms_count: i64,
    errors: i64,
    api_calls: i64,
    api_failures: i64,
}

#[derive(Default)]
struct ApiAgg {
    calls: i64,
    failures: i64,
    ms_sum: i64,
    ms_count: i64,
    /// The latest failure's message, with its time.
    last_error: Option<(i64, String)>,
}

struct ErrAgg {
    message: String,
    count: i64,
    first_ms: i64,
    last_ms: i64,
    /// The latest stack sent with this message, with its time.
    stack: Option<(i64, String)>,
}

/// A batch folded by key. BTreeMaps, so every transaction touches rows in the same order:
/// PostgreSQL then has no lock cycles between concurrent batches to break as deadlocks.
#[derive(Default)]
struct Folded {
    days: BTreeMap<DayKey, DayAgg>,
    users: std::collections::BTreeSet<(String, i64, i64, String)>,
    app_users: std::collections::BTreeSet<(String, i64, String)>,
    apis: BTreeMap<(String, i64, i64, String), ApiAgg>,
    /// (app_id, version_code, message hash)
    errors: BTreeMap<(String, i64, String), ErrAgg>,
    /// (app_id, version_code, day, api, data) → (releases, of which reduced)
    releases: BTreeMap<ReleaseKey, (i64, i64)>,
}

type ReleaseKey = (String, i64, i64, String, String);

fn hash_hex(parts: &[&[u8]], bytes: usize) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    hex::encode(&h.finalize()[..bytes])
}

/// A user as stored: a keyed hash, so that a guessable id (a phone number) cannot be found
/// by trying candidates without the platform's key; the same id in two host apps is two
/// people.
fn user_hash(key: &[u8], host_id: i64, user_id: &str) -> String {
    use hmac::{KeyInit as _, Mac as _};
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(&host_id.to_be_bytes());
    mac.update(&(user_id.len() as u64).to_be_bytes());
    mac.update(user_id.as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// The associated data of the stored statistics key.
pub const USER_KEY_CONTEXT: &str = "cove meta.stats_user_key";

/// The key of [`user_hash`], in clear in memory only (cheap to clone; never printed).
#[derive(Clone)]
pub struct UserKey(std::sync::Arc<zeroize::Zeroizing<Vec<u8>>>);

impl std::fmt::Debug for UserKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UserKey(…)")
    }
}

impl UserKey {
    fn new(bytes: Vec<u8>) -> Self {
        UserKey(std::sync::Arc::new(zeroize::Zeroizing::new(bytes)))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UserKeyError {
    #[error("the statistics key: {0}")]
    Db(#[from] sqlx::Error),
    #[error("the statistics key: {0}")]
    Key(#[from] crate::data_key::DataKeyError),
    #[error("the statistics key: system random source: {0}")]
    Random(String),
}

/// The key of [`user_hash`]: random, made by the first node that starts, shared by every
/// node through the database, where it is stored encrypted under the data-protection key
/// (which is not in the database). A key an older version stored in clear is encrypted in
/// place, and keeps its value, so users hashed before stay the same users.
pub async fn user_key(db: &Db, data_key: &DataKey) -> Result<UserKey, UserKeyError> {
    for _ in 0..3 {
        let stored: Option<String> =
            sqlx::query("SELECT value FROM meta WHERE key = 'stats_user_key'")
                .fetch_optional(&db.pool)
                .await?
                .map(|r| r.try_get(0))
                .transpose()?;
        match stored {
            Some(v) if DataKey::is_sealed(&v) => {
                let plain = data_key.open(USER_KEY_CONTEXT, &v)?;
                return Ok(UserKey::new(plain.to_vec()));
            }
            Some(plain) => {
                let sealed = data_key.seal(USER_KEY_CONTEXT, plain.as_bytes())?;
                // Another node may be doing the same; either encryption of the one value does.
                sqlx::query(
                    "UPDATE meta SET value = $1 WHERE key = 'stats_user_key' AND value = $2",
                )
                .bind(&sealed)
                .bind(&plain)
                .execute(&db.pool)
                .await?;
                tracing::info!("encrypted the statistics key stored in clear");
                return Ok(UserKey::new(plain.into_bytes()));
            }
            None => {
                let mut fresh = zeroize::Zeroizing::new([0u8; 32]);
                getrandom::fill(&mut *fresh).map_err(|e| UserKeyError::Random(e.to_string()))?;
                // The key is the hex text's bytes, as it has always been.
                let text = zeroize::Zeroizing::new(hex::encode(*fresh));
                let sealed = data_key.seal(USER_KEY_CONTEXT, text.as_bytes())?;
                sqlx::query(
                    "INSERT INTO meta (key, value) VALUES ('stats_user_key', $1) ON CONFLICT (key) DO NOTHING",
                )
                .bind(&sealed)
                .execute(&db.pool)
                .await?;
            }
        }
    }
    Err(UserKeyError::Db(sqlx::Error::Protocol(
        "the statistics key row keeps changing".into(),
    )))
}

fn fold(key: &[u8], host_id: i64, events: &[&Event]) -> Folded {
    let mut f = Folded::default();
    for event in events {
        let app = event.app_id().to_string();
        let version = event.version_code() as i64;
        let at_ms = event.at_ms();
        let d = day(at_ms);
        let user = user_hash(key, host_id, event.user_id());
        f.users.insert((app.clone(), version, d, user.clone()));
        f.app_users.insert((app.clone(), d, user));
        let agg = f.days.entry((app.clone(), version, d)).or_default();
        match event {
            Event::Launch(e) => {
                agg.launches += 1;
                agg.cold_launches += i64::from(e.cold);
                if let Some(ms) = e.duration_ms {
                    agg.launch_ms_sum += ms as i64;
                    agg.launch_ms_count += 1;
                }
            }
            Event::Error(e) => {
                agg.errors += 1;
                let message = clean_text(&e.message, MAX_MESSAGE);
                let key = (app, version, hash_hex(&[message.as_bytes()], 16));
                let err = f.errors.entry(key).or_insert_with(|| ErrAgg {
                    message,
                    count: 0,
                    first_ms: at_ms,
                    last_ms: at_ms,
                    stack: None,
                });
                err.count += 1;
                err.first_ms = err.first_ms.min(at_ms);
                err.last_ms = err.last_ms.max(at_ms);
                if let Some(stack) = &e.stack
                    && err.stack.as_ref().is_none_or(|(t, _)| *t <= at_ms)
                {
                    err.stack = Some((at_ms, clean_text(stack, MAX_STACK)));
                }
            }
            Event::ApiCall(e) => {
                agg.api_calls += 1;
                agg.api_failures += i64::from(!e.ok);
                let api = f.apis.entry((app, version, d, e.api.clone())).or_default();
                api.calls += 1;
                if !e.ok {
                    api.failures += 1;
                    if let Some(msg) = &e.err_msg
                        && api.last_error.as_ref().is_none_or(|(t, _)| *t <= at_ms)
                    {
                        api.last_error = Some((at_ms, clean_text(msg, MAX_MESSAGE)));
                    }
                }
                if let Some(ms) = e.duration_ms {
                    api.ms_sum += ms as i64;
                    api.ms_count += 1;
                }
            }
            Event::DataRelease(e) => {
                let r = f
                    .releases
                    .entry((app, version, d, e.api.clone(), e.data.clone()))
                    .or_default();
                r.0 += 1;
                r.1 += i64::from(!e.reduced.is_empty());
            }
        }
    }
    f
}

/// Whether a failed write transaction may simply run again: PostgreSQL's deadlock and
/// serialisation failures, SQLite's busy database.
fn retryable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => matches!(
            d.code().as_deref(),
            Some("40P01" | "40001" | "5" | "261" | "517")
        ),
        _ => false,
    }
}

/// Count `events` sent by host app `host_id`, in one transaction. Events whose app id
/// `allowed` refuses are dropped and counted as such (the caller decides which apps the host
/// may report on). Events are checked again (not the clock window, which needs `now`).
pub async fn record(
    db: &Db,
    key: &UserKey,
    host_id: i64,
    events: &[Event],
    allowed: &(dyn Fn(&str) -> bool + Sync),
) -> Result<Recorded, StatsError> {
    let mut kept = Vec::with_capacity(events.len());
    for (index, event) in events.iter().enumerate() {
        event.check(index)?;
        if allowed(event.app_id()) {
            kept.push(event);
        }
    }
    let done = Recorded {
        recorded: kept.len(),
        dropped: events.len() - kept.len(),
    };
    if kept.is_empty() {
        return Ok(done);
    }
    let folded = fold(&key.0, host_id, &kept);
    let mut attempt = 1;
    loop {
        match write(db, &folded).await {
            Ok(()) => return Ok(done),
            Err(e) if attempt < ATTEMPTS && retryable(&e) => attempt += 1,
            Err(e) => return Err(e.into()),
        }
    }
}

async fn write(db: &Db, f: &Folded) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await.map_err(|e| match e {
        DbError::Sql(e) => e,
        other => sqlx::Error::Protocol(other.to_string()),
    })?;

    // The user sets first: a row that is new here is a user not yet counted that day.
    let mut new_users: BTreeMap<DayKey, i64> = BTreeMap::new();
    let users: Vec<_> = f.users.iter().collect();
    for chunk in users.chunks(USER_CHUNK) {
        let values = placeholders(chunk.len(), 4);
        let sql = format!(
            "INSERT INTO stats_users (app_id, version_code, day, user_hash) VALUES {values}
             ON CONFLICT DO NOTHING RETURNING app_id, version_code, day"
        );
        let mut q = sqlx::query(&sql);
        for (app, version, d, user) in chunk {
            q = q.bind(app).bind(*version).bind(*d).bind(user);
        }
        for row in q.fetch_all(&mut *tx).await? {
            *new_users
                .entry((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?))
                .or_default() += 1;
        }
    }
    let mut new_app_users: BTreeMap<(String, i64), i64> = BTreeMap::new();
    let app_users: Vec<_> = f.app_users.iter().collect();
    for chunk in app_users.chunks(USER_CHUNK) {
        let values = placeholders(chunk.len(), 3);
        let sql = format!(
            "INSERT INTO stats_app_users (app_id, day, user_hash) VALUES {values}
             ON CONFLICT DO NOTHING RETURNING app_id, day"
        );
        let mut q = sqlx::query(&sql);
        for (app, d, user) in chunk {
            q = q.bind(app).bind(*d).bind(user);
        }
        for row in q.fetch_all(&mut *tx).await? {
            *new_app_users
                .entry((row.try_get(0)?, row.try_get(1)?))
                .or_default() += 1;
        }
    }

    for (key, a) in &f.days {
        sqlx::query(
            "INSERT INTO stats_daily (app_id, version_code, day, launches, cold_launches,
                launch_ms_sum, launch_ms_count, errors, users, api_calls, api_failures)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (app_id, version_code, day) DO UPDATE SET
                launches = stats_daily.launches + excluded.launches,
                cold_launches = stats_daily.cold_launches + excluded.cold_launches,
                launch_ms_sum = stats_daily.launch_ms_sum + excluded.launch_ms_sum,
                launch_ms_count = stats_daily.launch_ms_count + excluded.launch_ms_count,
                errors = stats_daily.errors + excluded.errors,
                users = stats_daily.users + excluded.users,
                api_calls = stats_daily.api_calls + excluded.api_calls,
                api_failures = stats_daily.api_failures + excluded.api_failures",
        )
        .bind(&key.0)
        .bind(key.1)
        .bind(key.2)
        .bind(a.launches)
        .bind(a.cold_launches)
        .bind(a.launch_ms_sum)
        .bind(a.launch_ms_count)
        .bind(a.errors)
        .bind(new_users.get(key).copied().unwrap_or(0))
        .bind(a.api_calls)
        .bind(a.api_failures)
        .execute(&mut *tx)
        .await?;
    }
    for ((app, d), n) in &new_app_users {
        sqlx::query(
            "INSERT INTO stats_app_daily (app_id, day, users) VALUES ($1, $2, $3)
             ON CONFLICT (app_id, day) DO UPDATE SET users = stats_app_daily.users + excluded.users",
        )
        .bind(app)
        .bind(*d)
        .bind(*n)
        .execute(&mut *tx)
        .await?;
    }

    for ((app, version, d, api), a) in &f.apis {
        sqlx::query(
            "INSERT INTO stats_api (app_id, version_code, day, api, calls, failures, ms_sum,
                ms_count, last_error)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (app_id, version_code, day, api) DO UPDATE SET
                calls = stats_api.calls + excluded.calls,
                failures = stats_api.failures + excluded.failures,
                ms_sum = stats_api.ms_sum + excluded.ms_sum,
                ms_count = stats_api.ms_count + excluded.ms_count,
                last_error = COALESCE(excluded.last_error, stats_api.last_error)",
        )
        .bind(app)
        .bind(*version)
        .bind(*d)
        .bind(api)
        .bind(a.calls)
        .bind(a.failures)
        .bind(a.ms_sum)
        .bind(a.ms_count)
        .bind(a.last_error.as_ref().map(|(_, m)| m.as_str()))
        .execute(&mut *tx)
        .await?;
    }

    // Errors: counted per distinct message; a stack is replaced only by a newer one.
    // (LEAST/GREATEST and min/max differ between the dialects; CASE does not.)
    for ((app, version, hash), e) in &f.errors {
        sqlx::query(
            "INSERT INTO stats_errors (app_id, version_code, message_hash, message, stack, count,
                first_ms, last_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (app_id, version_code, message_hash) DO UPDATE SET
                count = stats_errors.count + excluded.count,
                stack = CASE WHEN excluded.stack IS NOT NULL
                             AND excluded.last_ms >= stats_errors.last_ms
                        THEN excluded.stack ELSE stats_errors.stack END,
                first_ms = CASE WHEN excluded.first_ms < stats_errors.first_ms
                           THEN excluded.first_ms ELSE stats_errors.first_ms END,
                last_ms = CASE WHEN excluded.last_ms > stats_errors.last_ms
                          THEN excluded.last_ms ELSE stats_errors.last_ms END",
        )
        .bind(app)
        .bind(*version)
        .bind(hash)
        .bind(&e.message)
        .bind(e.stack.as_ref().map(|(_, s)| s.as_str()))
        .bind(e.count)
        .bind(e.first_ms)
        .bind(e.last_ms)
        .execute(&mut *tx)
        .await?;
    }
    for ((app, version, d, api, data), (count, reduced)) in &f.releases {
        sqlx::query(
            "INSERT INTO stats_releases (app_id, version_code, day, api, data, releases, reduced)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (app_id, version_code, day, api, data) DO UPDATE SET
                releases = stats_releases.releases + excluded.releases,
                reduced = stats_releases.reduced + excluded.reduced",
        )
        .bind(app)
        .bind(*version)
        .bind(*d)
        .bind(api)
        .bind(data)
        .bind(*count)
        .bind(*reduced)
        .execute(&mut *tx)
        .await?;
    }
    let mut pruned: Vec<(&str, i64)> = f
        .errors
        .keys()
        .map(|(app, version, _)| (app.as_str(), *version))
        .collect();
    pruned.dedup();
    for (app, version) in pruned {
        sqlx::query(
            "DELETE FROM stats_errors WHERE app_id = $1 AND version_code = $2
             AND message_hash NOT IN (
                SELECT message_hash FROM stats_errors WHERE app_id = $1 AND version_code = $2
                ORDER BY last_ms DESC, message_hash LIMIT $3)",
        )
        .bind(app)
        .bind(version)
        .bind(ERRORS_KEPT)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// `($1, $2), ($3, $4)` for `rows` rows of `cols` parameters.
fn placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let params: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", params.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One day of one mini-program, all versions together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DayStats {
    pub day: i64,
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub launches: u64,
    pub cold_launches: u64,
    /// Distinct users with any event that day.
    pub users: u64,
    pub errors: u64,
    pub api_calls: u64,
    pub api_failures: u64,
    /// Mean launch duration, of the launches that reported one.
    pub avg_launch_ms: Option<f64>,
}

/// One version over the whole range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VersionStats {
    pub version_code: u64,
    pub launches: u64,
    /// Distinct users over the range.
    pub users: u64,
    pub errors: u64,
    pub api_calls: u64,
    pub api_failures: u64,
}

/// An API that failed in the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FailingApi {
    pub api: String,
    pub calls: u64,
    pub failures: u64,
    /// `failures / calls`.
    pub failure_rate: f64,
    /// Mean duration, of the calls that reported one.
    pub avg_ms: Option<f64>,
    /// A recent failure's message.
    pub last_error: Option<String>,
}

/// A distinct error message last seen in the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorMessage {
    pub version_code: u64,
    pub message: String,
    pub stack: Option<String>,
    /// Occurrences since `first_at_ms` (not only within the range).
    pub count: u64,
    pub first_at_ms: i64,
    pub last_at_ms: i64,
}

/// What the console charts for one mini-program over days `from_day..=to_day`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub app_id: String,
    pub from_day: i64,
    pub to_day: i64,
    /// Distinct users over the whole range: someone active on three days counts once (the
    /// sum of `days[].users` would count them three times).
    pub users: u64,
    /// Every day of the range, oldest first (zeros where nothing happened).
    pub days: Vec<DayStats>,
    /// Versions with events in the range, newest first.
    pub versions: Vec<VersionStats>,
    /// At most [`TOP_APIS`], by failures, then failure rate, then name.
    pub failing_apis: Vec<FailingApi>,
    /// At most [`ERRORS_KEPT`], most recently seen first.
    pub recent_errors: Vec<ErrorMessage>,
    /// Personal data given to the mini-program in the range, by API and kind.
    pub data_releases: Vec<ReleaseStats>,
}

/// How often an API gave out a kind of personal data, and how often reduced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ReleaseStats {
    pub api: String,
    pub data: String,
    pub releases: u64,
    pub reduced: u64,
}

/// The data-release table: one SQL text for both dialects.
pub const MIGRATION_RELEASES: &str = "
CREATE TABLE IF NOT EXISTS stats_releases (
    app_id TEXT NOT NULL, version_code BIGINT NOT NULL, day BIGINT NOT NULL, api TEXT NOT NULL,
    data TEXT NOT NULL, releases BIGINT NOT NULL, reduced BIGINT NOT NULL,
    PRIMARY KEY (app_id, version_code, day, api, data));
";

fn avg(sum: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| sum as f64 / count as f64)
}

/// The statistics of `app_id` over UTC days `from_day..=to_day` (see [`day`]).
pub async fn summary(
    db: &Db,
    app_id: &str,
    from_day: i64,
    to_day: i64,
) -> Result<Summary, StatsError> {
    if from_day > to_day || to_day - from_day >= MAX_RANGE_DAYS {
        return Err(StatsError::BadRange {
            from: from_day,
            to: to_day,
        });
    }
    let pool = &db.pool;
    // PostgreSQL's SUM of BIGINT is NUMERIC, which the Any driver cannot read: cast back.
    let mut days: Vec<DayStats> = (from_day..=to_day)
        .map(|d| DayStats {
            day: d,
            date: date(d),
            launches: 0,
            cold_launches: 0,
            users: 0,
            errors: 0,
            api_calls: 0,
            api_failures: 0,
            avg_launch_ms: None,
        })
        .collect();
    let rows = sqlx::query(
        "SELECT day, CAST(SUM(launches) AS BIGINT), CAST(SUM(cold_launches) AS BIGINT),
            CAST(SUM(errors) AS BIGINT), CAST(SUM(api_calls) AS BIGINT),
            CAST(SUM(api_failures) AS BIGINT), CAST(SUM(launch_ms_sum) AS BIGINT),
            CAST(SUM(launch_ms_count) AS BIGINT)
         FROM stats_daily WHERE app_id = $1 AND day >= $2 AND day <= $3 GROUP BY day",
    )
    .bind(app_id)
    .bind(from_day)
    .bind(to_day)
    .fetch_all(pool)
    .await?;
    for r in rows {
        let d: i64 = r.try_get(0)?;
        let s = &mut days[(d - from_day) as usize];
        s.launches = r.try_get::<i64, _>(1)? as u64;
        s.cold_launches = r.try_get::<i64, _>(2)? as u64;
        s.errors = r.try_get::<i64, _>(3)? as u64;
        s.api_calls = r.try_get::<i64, _>(4)? as u64;
        s.api_failures = r.try_get::<i64, _>(5)? as u64;
        s.avg_launch_ms = avg(r.try_get(6)?, r.try_get(7)?);
    }
    let rows = sqlx::query(
        "SELECT day, users FROM stats_app_daily WHERE app_id = $1 AND day >= $2 AND day <= $3",
    )
    .bind(app_id)
    .bind(from_day)
    .bind(to_day)
    .fetch_all(pool)
    .await?;
    for r in rows {
        let d: i64 = r.try_get(0)?;
        days[(d - from_day) as usize].users = r.try_get::<i64, _>(1)? as u64;
    }
    let users = sqlx::query(
        "SELECT COUNT(DISTINCT user_hash) FROM stats_app_users
         WHERE app_id = $1 AND day >= $2 AND day <= $3",
    )
    .bind(app_id)
    .bind(from_day)
    .bind(to_day)
    .fetch_one(pool)
    .await?
    .try_get::<i64, _>(0)? as u64;

    let rows = sqlx::query(
        "SELECT version_code, CAST(SUM(launches) AS BIGINT), CAST(SUM(errors) AS BIGINT),
            CAST(SUM(api_calls) AS BIGINT), CAST(SUM(api_failures) AS BIGINT)
         FROM stats_daily WHERE app_id = $1 AND day >= $2 AND day <= $3
         GROUP BY version_code ORDER BY version_code DESC",
    )
    .bind(app_id)
    .bind(from_day)
    .bind(to_day)
    .fetch_all(pool)
    .await?;
    let mut versions = Vec::with_capacity(rows.len());
    for r in rows {
        versions.push(VersionStats {
            version_code: r.try_get::<i64, _>(0)? as u64,
            launches: r.try_get::<i64, _>(1)? as u64,
            users: 0,
            errors: r.try_get::<i64, _>(2)? as u64,
            api_calls: r.try_get::<i64, _>(3)? as u64,
            api_failures: r.try_get::<i64, _>(4)? as u64,
        });
    }
    let rows = sqlx::query(
        "SELECT version_code, COUNT(DISTINCT user_hash) FROM stats_users
         WHERE app_id = $1 AND day >= $2 AND day <= $3 GROUP BY version_code",
    )
    .bind(app_id)
    .bind(from_day)
    .bind(to_day)
    .fetch_all(pool)
    .await?;
    for r in rows {
        let version = r.try_get::<i64, _>(0)? as u64;
        if let Some(v) = versions.iter_mut().find(|v| v.version_code == version) {
            v.users = r.try_get::<i64, _>(1)? as u64;
        }
    }

    let rows = sqlx::query(
        "SELECT api, CAST(SUM(calls) AS BIGINT), CAST(SUM(failures) AS BIGINT),
            CAST(SUM(ms_sum) AS BIGINT), CAST(SUM(ms_count) AS BIGINT)
         FROM stats_api WHERE app_id = $1 AND day >= $2 AND day <= $3
         GROUP BY api HAVING SUM(failures) > 0",
    )
    .bind(app_id)
    .bind(from_day)
    .bind(to_day)
    .fetch_all(pool)
    .await?;
    let mut failing_apis = Vec::with_capacity(rows.len());
    for r in rows {
        let calls: i64 = r.try_get(1)?;
        let failures: i64 = r.try_get(2)?;
        failing_apis.push(FailingApi {
            api: r.try_get(0)?,
            calls: calls as u64,
            failures: failures as u64,
            failure_rate: failures as f64 / calls.max(1) as f64,
            avg_ms: avg(r.try_get(3)?, r.try_get(4)?),
            last_error: None,
        });
    }
    failing_apis.sort_by(|a, b| {
        b.failures
            .cmp(&a.failures)
            .then(b.failure_rate.total_cmp(&a.failure_rate))
            .then_with(|| a.api.cmp(&b.api))
    });
    failing_apis.truncate(TOP_APIS);
    for api in &mut failing_apis {
        api.last_error = sqlx::query(
            "SELECT last_error FROM stats_api WHERE app_id = $1 AND api = $2
                AND day >= $3 AND day <= $4 AND last_error IS NOT NULL
             ORDER BY day DESC, version_code DESC LIMIT 1",
        )
        .bind(app_id)
        .bind(&api.api)
        .bind(from_day)
        .bind(to_day)
        .fetch_optional(pool)
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    }

    let rows = sqlx::query(
        "SELECT version_code, message, stack, count, first_ms, last_ms FROM stats_errors
         WHERE app_id = $1 AND last_ms >= $2 AND last_ms < $3
         ORDER BY last_ms DESC, message_hash LIMIT $4",
    )
    .bind(app_id)
    .bind(from_day * DAY_MS)
    .bind((to_day + 1) * DAY_MS)
    .bind(ERRORS_KEPT)
    .fetch_all(pool)
    .await?;
    let releases = sqlx::query(
        "SELECT api, data, CAST(SUM(releases) AS BIGINT), CAST(SUM(reduced) AS BIGINT)
         FROM stats_releases WHERE app_id = $1 AND day >= $2 AND day <= $3
         GROUP BY api, data ORDER BY api, data",
    )
    .bind(app_id)
    .bind(from_day)
    .bind(to_day)
    .fetch_all(pool)
    .await?;
    let mut data_releases = Vec::with_capacity(releases.len());
    for r in releases {
        data_releases.push(ReleaseStats {
            api: r.try_get(0)?,
            data: r.try_get(1)?,
            releases: r.try_get::<i64, _>(2)? as u64,
            reduced: r.try_get::<i64, _>(3)? as u64,
        });
    }
    let mut recent_errors = Vec::with_capacity(rows.len());
    for r in rows {
        recent_errors.push(ErrorMessage {
            version_code: r.try_get::<i64, _>(0)? as u64,
            message: r.try_get(1)?,
            stack: r.try_get(2)?,
            count: r.try_get::<i64, _>(3)? as u64,
            first_at_ms: r.try_get(4)?,
            last_at_ms: r.try_get(5)?,
        });
    }

    Ok(Summary {
        app_id: app_id.to_string(),
        from_day,
        to_day,
        users,
        days,
        versions,
        failing_apis,
        recent_errors,
        data_releases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(-1), "1969-12-31");
        assert_eq!(date(11_016), "2000-02-29");
        assert_eq!(date(day(1_800_000_000_000)), "2027-01-15");
        assert_eq!(date(day(951_868_800_000)), "2000-03-01");
    }

    #[test]
    fn text_is_cut_at_a_character_boundary() {
        assert_eq!(clean_text("héllo", 2), "h");
        assert_eq!(clean_text("a\0b", 10), "a\u{FFFD}b");
    }
}
