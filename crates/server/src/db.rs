//! The database: embedded SQLite by default, PostgreSQL for a cluster, one code path through
//! sqlx's `Any` driver. Each migration is written once per dialect, where they differ;
//! statements use `$1`-style parameters, which both accept.

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
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[(
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
)];

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
            let done: Option<(i64,)> =
                sqlx::query_as("SELECT version FROM cove_migrations WHERE version = $1")
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
