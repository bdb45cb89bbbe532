//! The platform's operations: every change the console, the API and `cove serve --demo` make
//! goes through here, is decided by [`crate::authz`], and commits together with its audit
//! record. HTTP lives in [`crate::api`]; this layer knows nothing of it.

mod accounts;
pub mod apps;
pub mod audit_query;
mod catalog;
mod hosts;
mod resign;
pub mod review;
mod versions;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use cove_package::{KeyPair, PackageError};
use serde_json::Value;

pub use accounts::{Org, Session, TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS, TokenInfo, User};
pub use apps::{AppDetail, AppSummary, DomainChange};
pub use catalog::DbCatalog;
pub use hosts::{Host, NewHost, RotatedSecret};
pub use resign::Resigned;
pub use versions::{Upload, VersionRow};

use crate::audit::{self, Change};
use crate::authz::{self, Action, Decision, Principal, Target};
use crate::blobs::{BlobError, Blobs};
use crate::db::{Db, DbError};
use crate::upload::{UploadError, UploadLimits};
use crate::workflow::WorkflowError;

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("sign in first")]
    Unauthenticated,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    /// Refused (403) with its own stable code, e.g. `password_change_required`.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("too many failed sign-ins; try again in {0} s")]
    RateLimited(i64),
    #[error(transparent)]
    Upload(#[from] UploadError),
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    #[error("package: {0}")]
    Package(#[from] PackageError),
    #[error(transparent)]
    Blob(#[from] BlobError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Db(e.into())
    }
}

impl Error {
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Error::Invalid {
            code,
            message: message.into(),
        }
    }

    pub fn refused(code: &'static str, message: impl Into<String>) -> Self {
        Error::Refused {
            code,
            message: message.into(),
        }
    }

    /// Whether the database was too busy to answer (SQLite's lock wait ran out, the pool had
    /// no connection to spare, PostgreSQL gave up on a lock): worth retrying, not a fault.
    pub fn is_busy(&self) -> bool {
        let Error::Db(DbError::Sql(e)) = self else {
            return false;
        };
        match e {
            sqlx::Error::PoolTimedOut => true,
            sqlx::Error::Database(d) => {
                if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                    // Primary codes SQLITE_BUSY (5) and SQLITE_LOCKED (6), with any extension.
                    d.code()
                        .and_then(|c| c.parse::<i32>().ok())
                        .is_some_and(|c| matches!(c & 0xff, 5 | 6))
                } else {
                    // serialization_failure, deadlock_detected, lock_not_available
                    matches!(d.code().as_deref(), Some("40001" | "40P01" | "55P03"))
                }
            }
            _ => false,
        }
    }

    /// The stable code in the API's JSON error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthenticated => "unauthenticated",
            Error::NotFound(_) => "not_found",
            Error::Forbidden(_) => "forbidden",
            Error::Refused { code, .. } => code,
            Error::Invalid { code, .. } => code,
            Error::Conflict(_) => "conflict",
            Error::RateLimited(_) => "rate_limited",
            Error::Upload(e) => e.code(),
            Error::Workflow(e) => e.code(),
            Error::Package(e) => e.code(),
            Error::Blob(_) | Error::Db(_) => "internal",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Someone acting: a signed-in user or an API token's owner.
#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Principal,
    pub username: String,
    pub org_name: String,
}

/// How the platform is set up (the server's config supplies it).
#[derive(Debug, Clone)]
pub struct Settings {
    pub upload: UploadLimits,
    /// Sessions last this long (seconds).
    pub session_ttl: i64,
    /// Failed sign-ins allowed per user name in a window.
    pub login_failures: i64,
    /// … and per client address (higher: an office may share one address).
    pub login_failures_per_address: i64,
    /// … and per user name from all addresses together. Each address adds at most
    /// `login_failures` to it, so only guessing from many addresses locks the account for
    /// everyone; one address's flood locks out only that address.
    pub login_failures_per_user: i64,
    /// Password hashes (argon2id, 19 MiB each) computed at once; more wait their turn.
    pub hash_concurrency: usize,
    pub login_window: i64,
    /// Issue the session cookie with `Secure` (TLS on, directly or at the proxy).
    pub secure_cookies: bool,
    /// Encrypts the SDK secrets at rest ([`crate::data_key`]). `cove serve` always sets
    /// it; without one, a key of this process only is made (a test's platform), and the
    /// secrets it stores cannot be read by the next one.
    pub data_key: Option<crate::data_key::DataKey>,
    /// How long signed policies hold on devices.
    pub policy: crate::config::PolicyConfig,
    /// Where this node signs the audit log's heads (`cove serve` always sets it); `None`
    /// leaves the chain unanchored (a test's platform).
    pub audit_anchors: Option<crate::audit::anchor::AnchorSettings>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            upload: UploadLimits::default(),
            session_ttl: 12 * 3600,
            login_failures: 5,
            login_failures_per_address: 50,
            login_failures_per_user: 50,
            hash_concurrency: std::thread::available_parallelism().map_or(2, |n| n.get().min(4)),
            login_window: 15 * 60,
            secure_cookies: false,
            data_key: None,
            policy: crate::config::PolicyConfig::default(),
            audit_anchors: None,
        }
    }
}

/// The platform: its database, its blobs, its signing key and its SDK-facing catalog.
#[derive(Clone)]
pub struct Platform {
    pub db: Db,
    pub blobs: Blobs,
    pub signing_key: Arc<KeyPair>,
    pub settings: Arc<Settings>,
    pub catalog: Arc<DbCatalog>,
    /// Unix seconds; a test pins it.
    pub clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    /// Runs a candidate in the simulator for the reviewer (`cove serve` sets it).
    pub previewer: Option<Arc<dyn crate::preview::Previewer>>,
    /// Every password hash and check goes through it (bounded memory, counted).
    pub hashing: Arc<crate::credentials::HashGate>,
    csrf_key: Arc<Vec<u8>>,
    /// Encrypts the SDK secrets at rest.
    pub(crate) data_key: crate::data_key::DataKey,
    /// Signs the download tickets resolve hands out, shared by every node through the
    /// database like the CSRF key.
    pub download_tickets: crate::download::Tickets,
    /// Signs each audit entry's head once it commits ([`crate::audit::anchor`]).
    pub anchors: Option<Arc<crate::audit::anchor::AnchorLog>>,
    /// Keys the statistics' user hashes; stored encrypted under the data-protection key.
    pub stats_key: crate::stats::UserKey,
}

pub fn system_clock() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Platform {
    /// Open the platform on a migrated database. The CSRF key is shared by every node
    /// through the database, so a cluster accepts any node's tokens.
    pub async fn open(
        db: Db,
        blobs: Blobs,
        signing_key: KeyPair,
        settings: Settings,
    ) -> Result<Platform> {
        let csrf_key = accounts::shared_secret(&db, "csrf_key").await?;
        let download_key = accounts::shared_secret(&db, "download_key").await?;
        let data_key = match &settings.data_key {
            Some(k) => k.clone(),
            None => {
                tracing::warn!("no data-protection key configured; using one of this process only");
                crate::data_key::DataKey::generate()
                    .map_err(|e| Error::invalid("internal", e.to_string()))?
            }
        };
        hosts::seal_clear_secrets(&db, &data_key).await?;
        let stats_key = crate::stats::user_key(&db, &data_key)
            .await
            .map_err(|e| Error::invalid("internal", e.to_string()))?;
        let signing_key = Arc::new(signing_key);
        let anchors = match &settings.audit_anchors {
            Some(a) => Some(Arc::new(
                crate::audit::anchor::AnchorLog::open(a.clone(), signing_key.clone(), &db)
                    .await
                    .map_err(|e| Error::invalid("internal", e.to_string()))?,
            )),
            None => None,
        };
        let hashing = Arc::new(crate::credentials::HashGate::new(settings.hash_concurrency));
        let catalog = Arc::new(
            DbCatalog::new(db.clone(), Some(signing_key.clone()), data_key.clone())
                .with_policy_terms(settings.policy.clone()),
        );
        let p = Platform {
            db,
            blobs,
            signing_key,
            settings: Arc::new(settings),
            catalog,
            clock: Arc::new(system_clock),
            previewer: None,
            hashing,
            csrf_key: Arc::new(csrf_key),
            data_key,
            download_tickets: crate::download::Tickets::new(download_key),
            anchors,
            stats_key,
        };
        p.catalog.reload().await?;
        Ok(p)
    }

    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Check `action` on `target`, answering as the API must: hidden things are not found.
    fn allow(&self, who: &Actor, action: Action, target: &Target, what: &str) -> Result<()> {
        match authz::decide(&who.principal, action, target) {
            Decision::Allow => Ok(()),
            Decision::Hidden => Err(Error::NotFound(format!("{what} not found"))),
            Decision::Deny(why) => Err(Error::Forbidden(why.to_string())),
        }
    }

    /// Record a change inside `tx`.
    async fn record(
        &self,
        tx: &mut Tx,
        who: Option<&Actor>,
        action: &str,
        target: &str,
        before: &Value,
        after: &Value,
    ) -> Result<()> {
        let (actor, org) = who.map_or(("system", "platform"), |a| {
            (a.username.as_str(), a.org_name.as_str())
        });
        let change = Change {
            at: self.now(),
            actor,
            org,
            action,
            target,
            before,
            after,
        };
        let e = audit::store::append_in(tx, self.db.dialect, &change).await?;
        if let Some(a) = &self.anchors {
            a.intend(e.seq, &e.hash)
                .await
                .map_err(|e| Error::invalid("internal", e.to_string()))?;
        }
        Ok(())
    }

    /// Commit, then sign the heads of the audit entries it holds.
    async fn commit(&self, tx: Tx) -> Result<()> {
        tx.commit().await?;
        self.anchor().await;
        Ok(())
    }

    /// Sign the heads of the audit entries committed since the last time. The change is
    /// committed already: a failure here is logged (the entries stay waiting for the next
    /// commit, and `cove audit verify` names them until then), not answered as the
    /// change's failure.
    pub async fn anchor(&self) {
        if let Some(a) = &self.anchors
            && let Err(e) = a.flush(&self.db).await
        {
            tracing::error!("audit entries committed but not yet anchored: {e}");
        }
    }

    /// Commit a change to what the SDK endpoints deliver: every node's catalog sees it,
    /// this node's at once, the others' at their next poll.
    async fn commit_delivery(&self, mut tx: Tx) -> Result<()> {
        catalog::bump(&mut tx).await?;
        tx.commit().await?;
        self.anchor().await;
        self.catalog.reload().await?;
        Ok(())
    }
}

/// The next id of a kind, taken inside the inserting transaction.
async fn next_id(tx: &mut Tx, kind: &str) -> Result<i64> {
    let next: i64 =
        sqlx::query_scalar("UPDATE ids SET next = next + 1 WHERE name = $1 RETURNING next")
            .bind(kind)
            .fetch_one(&mut **tx)
            .await?;
    Ok(next - 1)
}

/// The value of a JSON `TEXT` column (`col` names it in the error).
fn from_json<T: serde::de::DeserializeOwned>(col: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Db(DbError::Invalid(format!("{col}: {e}"))))
}

impl Platform {
    /// The newest `limit` audit entries, newest first.
    pub async fn audit_log(&self, who: &Actor, limit: u32) -> Result<Vec<audit::Entry>> {
        self.allow(who, Action::ViewAudit, &Target::default(), "audit log")?;
        let mut all = audit::store::load(&self.db).await?;
        all.reverse();
        all.truncate(limit.clamp(1, 1000) as usize);
        Ok(all)
    }

    /// Verify the whole chain against its head and, when this node anchors, against the
    /// signed heads in its anchor directory (every node's file, when they share it).
    pub async fn audit_verify(
        &self,
        who: &Actor,
    ) -> Result<Result<audit::anchor::Verified, audit::anchor::AnchorBreak>> {
        self.allow(who, Action::ViewAudit, &Target::default(), "audit log")?;
        let Some(a) = &self.anchors else {
            return Ok(audit::store::check(&self.db)
                .await?
                .map(|entries| audit::anchor::Verified {
                    entries,
                    anchors: 0,
                    intent_only: vec![],
                    latest: None,
                    first: None,
                    keys: Default::default(),
                    unfinished: vec![],
                })
                .map_err(audit::anchor::AnchorBreak::Chain));
        };
        audit::anchor::check_with(&self.db, &[a.settings().dir.clone()], &a.trusted())
            .await
            .map_err(|e| Error::invalid("internal", e.to_string()))
    }
}

impl Platform {
    /// Whether nothing has been set up yet.
    pub async fn is_empty(&self) -> Result<bool> {
        let orgs: i64 = sqlx::query_scalar("SELECT COUNT(*) AS orgs FROM orgs")
            .fetch_one(&self.db.pool)
            .await?;
        Ok(orgs == 0)
    }
}

impl Platform {
    /// Launches, users, errors and failing APIs of the last `days` days (today included).
    pub async fn stats(
        &self,
        who: &Actor,
        app_id: &str,
        days: i64,
    ) -> Result<crate::stats::Summary> {
        let row = self.app_row(None, app_id).await?;
        self.check_app(who, &row, Action::ViewStats, None)?;
        let today = crate::stats::day(self.now() * 1000);
        let days = days.clamp(1, crate::stats::MAX_RANGE_DAYS);
        crate::stats::summary(&self.db, app_id, today - days + 1, today)
            .await
            .map_err(|e| match e.is_client_error() {
                true => Error::invalid(e.code(), e.to_string()),
                false => Error::Db(DbError::Invalid(e.to_string())),
            })
    }
}
