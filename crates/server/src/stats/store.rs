//! The statistics tables, and the writes into them: a batch is folded into per-day
//! aggregates and written in one transaction, run again when the database asks for it.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::events::{Event, MAX_MESSAGE, MAX_STACK, clean_text};
use super::{StatsError, day};
use crate::data_key::DataKey;
use crate::db::{Db, DbError};

/// Distinct error messages kept per app and version (the most recently seen).
pub const ERRORS_KEPT: i64 = 20;
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

/// The data-release table: one SQL text for both dialects.
pub const MIGRATION_RELEASES: &str = "
CREATE TABLE IF NOT EXISTS stats_releases (
    app_id TEXT NOT NULL, version_code BIGINT NOT NULL, day BIGINT NOT NULL, api TEXT NOT NULL,
    data TEXT NOT NULL, releases BIGINT NOT NULL, reduced BIGINT NOT NULL,
    PRIMARY KEY (app_id, version_code, day, api, data));
";

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
    users: BTreeSet<(String, i64, i64, String)>,
    app_users: BTreeSet<(String, i64, String)>,
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
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'stats_user_key'")
                .fetch_optional(&db.pool)
                .await?;
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

/// A user hash inserted by [`write`] (`RETURNING app_id, version_code, day`).
#[derive(sqlx::FromRow)]
struct NewUser {
    app_id: String,
    version_code: i64,
    day: i64,
}

/// The same, of the per-app set (`RETURNING app_id, day`).
#[derive(sqlx::FromRow)]
struct NewAppUser {
    app_id: String,
    day: i64,
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
        let mut q = sqlx::query_as::<_, NewUser>(&sql);
        for (app, version, d, user) in chunk {
            q = q.bind(app).bind(*version).bind(*d).bind(user);
        }
        for row in q.fetch_all(&mut *tx).await? {
            *new_users
                .entry((row.app_id, row.version_code, row.day))
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
        let mut q = sqlx::query_as::<_, NewAppUser>(&sql);
        for (app, d, user) in chunk {
            q = q.bind(app).bind(*d).bind(user);
        }
        for row in q.fetch_all(&mut *tx).await? {
            *new_app_users.entry((row.app_id, row.day)).or_default() += 1;
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
