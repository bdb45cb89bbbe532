//! The database: embedded SQLite by default, PostgreSQL for a cluster, one code path through
//! sqlx's `Any` driver. Each migration is written once per dialect, where they differ;
//! statements use `$1`-style parameters, which both accept.
//!
//! Rows are read by column name into `#[derive(sqlx::FromRow)]` structs, so every selected
//! expression carries an alias. Through `Any` a column decodes only as what both dialects
//! give alike: integers as `i64` (every integer column is BIGINT), flags as `i64` 0/1
//! (SQLite has no boolean), JSON as its `TEXT`, and sums cast back to BIGINT (PostgreSQL's
//! SUM of BIGINT is NUMERIC, which `Any` cannot read).

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("unsupported database URL {0:?} (sqlite:// or postgres://)")]
    Url(String),
    #[error("{0}")]
    Invalid(String),
}

/// Which SQL the server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// (version, what, SQLite, PostgreSQL)
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "audit log",
        "CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, org TEXT NOT NULL,
        action TEXT NOT NULL, target TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL,
        prev TEXT NOT NULL, hash TEXT NOT NULL);
     CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL);
     INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');",
        "CREATE TABLE audit_log (
        seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, org TEXT NOT NULL,
        action TEXT NOT NULL, target TEXT NOT NULL, before TEXT NOT NULL, after TEXT NOT NULL,
        prev TEXT NOT NULL, hash TEXT NOT NULL);
     CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL);
     INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');",
    ),
    (2, "platform", PLATFORM, PLATFORM),
    (
        3,
        "statistics",
        crate::stats::MIGRATION_SQLITE,
        crate::stats::MIGRATION_POSTGRES,
    ),
    (
        4,
        "data releases",
        crate::stats::MIGRATION_RELEASES,
        crate::stats::MIGRATION_RELEASES,
    ),
    // The secrets themselves are encrypted by `Platform::open` (the key is not in the
    // database): every start seals any `sdk_secret` still in clear.
    (5, "sdk secret rotation", SDK_SECRETS, SDK_SECRETS),
    (6, "credentials and roles", CREDENTIALS, CREDENTIALS),
    (7, "review sign-offs", REVIEW, REVIEW),
];

/// A host's previous SDK secret (encrypted like the current one) and until when it works.
const SDK_SECRETS: &str = "
    ALTER TABLE hosts ADD COLUMN sdk_secret_prev TEXT;
    ALTER TABLE hosts ADD COLUMN sdk_secret_prev_until BIGINT;";

/// Forced password changes, admin grants awaiting a second admin, the links that separation
/// of duties follows, API token scopes and expiry, and the sign-in lock-out audit mark.
/// Tokens made before it expire a year after they were made.
const CREDENTIALS: &str = "
    ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN pending_roles TEXT;
    ALTER TABLE users ADD COLUMN pending_by BIGINT;
    CREATE TABLE credential_links (
        controller BIGINT NOT NULL, account BIGINT NOT NULL, PRIMARY KEY (controller, account));
    CREATE INDEX credential_links_account ON credential_links (account);
    ALTER TABLE tokens ADD COLUMN public_id TEXT NOT NULL DEFAULT '';
    ALTER TABLE tokens ADD COLUMN scope TEXT NOT NULL DEFAULT 'full';
    ALTER TABLE tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
    ALTER TABLE tokens ADD COLUMN last_used_at BIGINT;
    UPDATE tokens SET public_id = substr(digest, 1, 16), expires_at = created_at + 31536000;
    ALTER TABLE login_attempts ADD COLUMN noted BIGINT NOT NULL DEFAULT 0;";

/// When a version entered review (the queue's order), and each reviewer's sign-off: who,
/// when, the report they saw (its digest and a summary of its findings) and their comment.
const REVIEW: &str = "
    ALTER TABLE versions ADD COLUMN submitted_at BIGINT;
    CREATE TABLE signoffs (
        app_id TEXT NOT NULL, code BIGINT NOT NULL, step TEXT NOT NULL,
        user_id BIGINT NOT NULL, username TEXT NOT NULL, at BIGINT NOT NULL,
        comment TEXT NOT NULL, report_digest TEXT NOT NULL, findings TEXT NOT NULL,
        PRIMARY KEY (app_id, code, step));";

/// The platform's tables, in SQL both dialects accept: numeric ids come from `ids` (one row
/// per kind, bumped in the inserting transaction) rather than from either dialect's own
/// auto-increment.
const PLATFORM: &str = "
    CREATE TABLE ids (name TEXT PRIMARY KEY, next BIGINT NOT NULL);
    INSERT INTO ids (name, next) VALUES ('org', 1), ('user', 1), ('host', 1), ('domain_change', 1);
    CREATE TABLE orgs (
        id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, operator BIGINT NOT NULL,
        created_at BIGINT NOT NULL);
    CREATE TABLE users (
        id BIGINT PRIMARY KEY, org_id BIGINT NOT NULL REFERENCES orgs (id),
        username TEXT NOT NULL UNIQUE, password TEXT NOT NULL, roles TEXT NOT NULL,
        disabled BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL);
    CREATE TABLE sessions (
        digest TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id),
        created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);
    CREATE TABLE tokens (
        digest TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users (id),
        name TEXT NOT NULL, created_at BIGINT NOT NULL);
    CREATE TABLE login_attempts (key TEXT PRIMARY KEY, window_start BIGINT NOT NULL, failures BIGINT NOT NULL);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta (key, value) VALUES ('catalog_generation', '0');
    CREATE TABLE hosts (
        id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, platforms TEXT NOT NULL,
        sdk_key TEXT NOT NULL UNIQUE, sdk_secret TEXT NOT NULL, sealing_key TEXT,
        created_at BIGINT NOT NULL);
    CREATE TABLE apps (
        app_id TEXT PRIMARY KEY, org_id BIGINT NOT NULL REFERENCES orgs (id), name TEXT NOT NULL,
        icon TEXT NOT NULL, category TEXT NOT NULL, domains TEXT NOT NULL, release TEXT NOT NULL,
        taken_down BIGINT NOT NULL DEFAULT 0, takedown_reason TEXT NOT NULL DEFAULT '',
        created_at BIGINT NOT NULL);
    CREATE TABLE host_apps (
        host_id BIGINT NOT NULL REFERENCES hosts (id), app_id TEXT NOT NULL REFERENCES apps (app_id),
        grants TEXT NOT NULL, PRIMARY KEY (host_id, app_id));
    CREATE TABLE domain_changes (
        id BIGINT PRIMARY KEY, app_id TEXT NOT NULL REFERENCES apps (app_id), domains TEXT NOT NULL,
        state TEXT NOT NULL, proposed_by BIGINT NOT NULL, proposed_at BIGINT NOT NULL,
        reviewed_by BIGINT, reason TEXT NOT NULL DEFAULT '');
    CREATE TABLE versions (
        app_id TEXT NOT NULL REFERENCES apps (app_id), code BIGINT NOT NULL, name TEXT NOT NULL,
        note TEXT NOT NULL, state TEXT NOT NULL, kind TEXT NOT NULL, package TEXT NOT NULL,
        size BIGINT NOT NULL, report TEXT NOT NULL, warnings TEXT NOT NULL,
        uploaded_by BIGINT NOT NULL, uploaded_at BIGINT NOT NULL, signed TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (app_id, code));
    CREATE TABLE deliveries (
        app_id TEXT NOT NULL, code BIGINT NOT NULL, host_id BIGINT NOT NULL REFERENCES hosts (id),
        blob TEXT NOT NULL, size BIGINT NOT NULL, sealed BIGINT NOT NULL, signed_by TEXT NOT NULL,
        rollback BIGINT NOT NULL, PRIMARY KEY (app_id, code, host_id));
    CREATE TABLE nonces (key TEXT NOT NULL, nonce TEXT NOT NULL, expires BIGINT NOT NULL, PRIMARY KEY (key, nonce));
    CREATE INDEX nonces_expires ON nonces (expires);";

/// A connection pool and its dialect.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub dialect: Dialect,
}

impl Db {
    /// Connect (`sqlite://path?mode=rwc` or `postgres://…`) and run pending migrations.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Dialect::Postgres
        } else {
            return Err(DbError::Url(url.to_string()));
        };
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .connect(url)
            .await?;
        if dialect == Dialect::Sqlite {
            // WAL (kept in the file once set) lets readers run beside the one writer; sqlx
            // already waits on a busy database and enforces foreign keys.
            sqlx::raw_sql("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        let db = Db { pool, dialect };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), DbError> {
        sqlx::raw_sql(
            "CREATE TABLE IF NOT EXISTS cove_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        for (version, name, sqlite, postgres) in MIGRATIONS {
            let mut tx = self.pool.begin().await?;
            let done: Option<i64> =
                sqlx::query_scalar("SELECT version FROM cove_migrations WHERE version = $1")
                    .bind(*version)
                    .fetch_optional(&mut *tx)
                    .await?;
            if done.is_some() {
                continue;
            }
            let sql = match self.dialect {
                Dialect::Sqlite => sqlite,
                Dialect::Postgres => postgres,
            };
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO cove_migrations (version, name) VALUES ($1, $2)")
                .bind(*version)
                .bind(*name)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Start a transaction that will write: SQLite takes the write lock at once, so two
    /// writers cannot both read the same state first.
    pub async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, DbError> {
        Ok(match self.dialect {
            Dialect::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Dialect::Postgres => self.pool.begin().await?,
        })
    }
}
