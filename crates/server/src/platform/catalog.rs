//! What the SDK endpoints read, held in memory: `resolve` is the hottest path of the platform
//! and must not touch the database. Every change to what is delivered bumps a generation
//! counter in the same transaction; the node that made it reloads at once, the others when
//! their poll (every second) sees the counter move. A takedown therefore reaches every node
//! of a cluster within a second.
//!
//! The policies are signed at reload with their validity (`issued_at`, `expires_at`,
//! `grace_secs`: [`crate::config::PolicyConfig`]); a poll also reloads, and so signs them
//! again, once they are older than [`crate::config::PolicyConfig::refresh_secs`], so that a
//! device that reaches the platform always gets one far from its expiry.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use super::{Result, Tx, from_json};
use crate::data_key::{DataKey, sdk_secret_context};
use crate::db::Db;
use crate::sdk::{AppOnHost, Catalog, Delivered, HostApp, SignedPolicy};

#[derive(Default)]
struct Snapshot {
    generation: i64,
    /// When its policies were signed (Unix seconds).
    signed_at: i64,
    hosts: HashMap<String, HostApp>,
    apps: HashMap<(u64, String), AppOnHost>,
    /// (host, blob) of every package `/packages/` may serve.
    delivered: HashSet<(u64, String)>,
}

pub struct DbCatalog {
    db: Db,
    /// Signs each app's policy per host at reload, not per request.
    signer: Option<Arc<cove_package::KeyPair>>,
    /// Decrypts the SDK secrets.
    data_key: DataKey,
    /// The validity of the policies it signs.
    terms: crate::config::PolicyConfig,
    snap: RwLock<Arc<Snapshot>>,
}

pub(super) async fn bump(tx: &mut Tx) -> Result<()> {
    sqlx::query(
        "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'catalog_generation'",
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn generation(db: &Db) -> Result<i64> {
    let v: String = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'catalog_generation'")
        .fetch_one(&db.pool)
        .await?;
    Ok(v.parse().unwrap_or(0))
}

/// A host app's SDK credentials, as stored (encrypted).
#[derive(sqlx::FromRow)]
struct HostSecrets {
    id: i64,
    sdk_key: String,
    sdk_secret: String,
    sdk_secret_prev: Option<String>,
    sdk_secret_prev_until: Option<i64>,
}

/// One package delivered to one host app.
#[derive(sqlx::FromRow)]
struct DeliveryRecord {
    app_id: String,
    code: i64,
    host_id: i64,
    blob: String,
    size: i64,
    sealed: i64,
    signed_by: String,
    /// The version's name.
    name: String,
}

/// A mini-program granted to a host app.
#[derive(sqlx::FromRow)]
struct GrantRecord {
    host_id: i64,
    app_id: String,
    /// JSON, as are `release` and `domains`.
    grants: String,
    taken_down: i64,
    release: String,
    domains: String,
}

impl DbCatalog {
    pub fn new(db: Db, signer: Option<Arc<cove_package::KeyPair>>, data_key: DataKey) -> Self {
        DbCatalog {
            db,
            signer,
            data_key,
            terms: crate::config::PolicyConfig::default(),
            snap: RwLock::new(Arc::new(Snapshot {
                generation: -1,
                ..Snapshot::default()
            })),
        }
    }

    /// Sign policies valid for `terms` (the default: 7 days, and 3 of grace).
    pub fn with_policy_terms(mut self, terms: crate::config::PolicyConfig) -> Self {
        self.terms = terms;
        self
    }

    fn current(&self) -> Arc<Snapshot> {
        self.snap.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Read everything the SDK endpoints serve.
    pub async fn reload(&self) -> Result<()> {
        let mut tx = self.db.pool.begin().await?;
        let gen_row: String =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'catalog_generation'")
                .fetch_one(&mut *tx)
                .await?;
        let mut snap = Snapshot {
            generation: gen_row.parse().unwrap_or(0),
            signed_at: super::system_clock(),
            ..Snapshot::default()
        };
        let validity = Validity::new(snap.signed_at, &self.terms);
        let mut host_keys: HashMap<u64, String> = HashMap::new();
        for r in sqlx::query_as::<_, HostSecrets>(
            "SELECT id, sdk_key, sdk_secret, sdk_secret_prev, sdk_secret_prev_until FROM hosts",
        )
        .fetch_all(&mut *tx)
        .await?
        {
            let key = r.sdk_key;
            let context = sdk_secret_context(&key);
            let open = |stored: &str| {
                self.data_key
                    .open(&context, stored)
                    .map(|s| s.to_vec())
                    .map_err(|e| {
                        super::Error::Db(crate::db::DbError::Invalid(format!(
                            "the SDK secret of host app {key}: {e}"
                        )))
                    })
            };
            let secret = open(&r.sdk_secret)?;
            let previous = match (r.sdk_secret_prev, r.sdk_secret_prev_until) {
                (Some(old), Some(until)) => Some((open(&old)?, until)),
                _ => None,
            };
            let id = r.id as u64;
            host_keys.insert(id, key.clone());
            snap.hosts.insert(
                key.clone(),
                HostApp {
                    id,
                    sdk_key: key,
                    sdk_secret: secret,
                    previous_secret: previous,
                },
            );
        }
        let mut versions: HashMap<(u64, String), BTreeMap<u64, Delivered>> = HashMap::new();
        for r in sqlx::query_as::<_, DeliveryRecord>(
            "SELECT d.app_id, d.code, d.host_id, d.blob, d.size, d.sealed, d.signed_by, v.name
             FROM deliveries d JOIN versions v ON v.app_id = d.app_id AND v.code = d.code",
        )
        .fetch_all(&mut *tx)
        .await?
        {
            let code = r.code as u64;
            versions
                .entry((r.host_id as u64, r.app_id))
                .or_default()
                .insert(
                    code,
                    Delivered {
                        version_code: code,
                        version_name: r.name,
                        blob: r.blob,
                        size: r.size as u64,
                        signed_by: r.signed_by,
                        sealed: r.sealed != 0,
                    },
                );
        }
        for r in sqlx::query_as::<_, GrantRecord>(
            "SELECT ha.host_id, ha.app_id, ha.grants, a.taken_down, a.release, a.domains
             FROM host_apps ha JOIN apps a ON a.app_id = ha.app_id",
        )
        .fetch_all(&mut *tx)
        .await?
        {
            let key = (r.host_id as u64, r.app_id);
            let domains: crate::report::Domains = from_json("domains", &r.domains)?;
            let grants: crate::sdk::Grants = from_json("grants", &r.grants)?;
            let signed_policy = match (&self.signer, host_keys.get(&key.0)) {
                (Some(k), Some(sdk_key)) => Some(sign_policy(
                    k, &key.1, sdk_key, &domains, &grants, validity,
                )?),
                _ => None,
            };
            let app = AppOnHost {
                app_id: key.1.clone(),
                taken_down: r.taken_down != 0,
                release: from_json("release", &r.release)?,
                versions: versions.remove(&key).unwrap_or_default(),
                domains,
                grants,
                signed_policy,
            };
            if !app.taken_down {
                for d in app.versions.values() {
                    snap.delivered.insert((key.0, d.blob.clone()));
                }
            }
            snap.apps.insert(key, app);
        }
        tx.commit().await?;
        let mut cur = self.snap.write().unwrap_or_else(|e| e.into_inner());
        // Two reloads may race; keep the newer.
        if snap.generation >= cur.generation {
            *cur = Arc::new(snap);
        }
        Ok(())
    }

    /// Reload if another node changed something, or the policies are due to be signed
    /// again.
    pub async fn poll(&self) -> Result<bool> {
        let current = self.current();
        if generation(&self.db).await? == current.generation
            && !resign_due(current.signed_at, super::system_clock(), &self.terms)
        {
            return Ok(false);
        }
        self.reload().await?;
        Ok(true)
    }

    /// Poll in the background, for as long as the catalog lives.
    pub fn spawn_poller(self: &Arc<Self>, every: Duration) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let Some(cat) = weak.upgrade() else { break };
                if let Err(e) = cat.poll().await {
                    tracing::warn!("catalog poll: {e}");
                }
            }
        });
    }
}

/// Whether policies signed at `signed_at` are to be signed again at `now`.
fn resign_due(signed_at: i64, now: i64, terms: &crate::config::PolicyConfig) -> bool {
    now >= signed_at.saturating_add(terms.refresh_secs() as i64)
}

/// The validity every policy of one reload is signed with.
#[derive(Debug, Clone, Copy)]
struct Validity {
    issued_at: i64,
    expires_at: i64,
    grace_secs: i64,
}

impl Validity {
    fn new(now: i64, terms: &crate::config::PolicyConfig) -> Self {
        let secs = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        Validity {
            issued_at: now,
            expires_at: now.saturating_add(secs(terms.validity_secs)),
            grace_secs: secs(terms.grace_secs),
        }
    }
}

fn sign_policy(
    key: &cove_package::KeyPair,
    app_id: &str,
    sdk_key: &str,
    domains: &crate::report::Domains,
    grants: &crate::sdk::Grants,
    validity: Validity,
) -> Result<SignedPolicy> {
    use base64::Engine as _;
    let payload = serde_json::to_vec(&serde_json::json!({
        "domains": domains,
        "grants": grants,
        "issued_at": validity.issued_at,
        "expires_at": validity.expires_at,
        "grace_secs": validity.grace_secs,
    }))
    .expect("the policy serialises");
    let statement = cove_wire::policy_statement(app_id, sdk_key, &payload);
    let signature = key
        .sign(&statement)
        .map_err(|e| super::Error::invalid("internal", format!("signing the policy: {e}")))?;
    let b64 = base64::engine::general_purpose::STANDARD;
    Ok(SignedPolicy {
        payload: b64.encode(&payload),
        key_id: key.id().to_string(),
        signature: b64.encode(signature),
    })
}

impl Catalog for DbCatalog {
    fn host_by_key(&self, sdk_key: &str) -> Option<HostApp> {
        self.current().hosts.get(sdk_key).cloned()
    }

    fn app_on_host(&self, host_id: u64, app_id: &str) -> Option<AppOnHost> {
        self.current()
            .apps
            .get(&(host_id, app_id.to_string()))
            .cloned()
    }

    fn delivers(&self, host_id: u64, blob: &str) -> bool {
        self.current()
            .delivered
            .contains(&(host_id, blob.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PolicyConfig;

    #[test]
    fn policies_are_signed_again_long_before_they_expire() {
        let terms = PolicyConfig::default();
        // 7 days of validity: signed again after a day at most, so a device that reaches
        // the platform has at least 6 days (and the grace) ahead of it.
        assert_eq!(terms.refresh_secs(), 24 * 3600);
        assert!(!resign_due(1000, 1000 + 24 * 3600 - 1, &terms));
        assert!(resign_due(1000, 1000 + 24 * 3600, &terms));
        let short = PolicyConfig {
            validity_secs: 3600,
            grace_secs: 0,
        };
        assert_eq!(short.refresh_secs(), 900);
        let tiny = PolicyConfig {
            validity_secs: 10,
            grace_secs: 0,
        };
        assert_eq!(tiny.refresh_secs(), 60);
        let v = Validity::new(1000, &terms);
        assert_eq!(
            (v.issued_at, v.expires_at, v.grace_secs),
            (1000, 1000 + 7 * 86_400, 3 * 86_400)
        );
    }

    #[test]
    fn the_policy_terms_come_from_the_config_file() {
        let cfg: crate::config::ServerConfig =
            toml::from_str("[policy]\nvalidity_secs = 86400\ngrace_secs = 0\n").unwrap();
        assert_eq!(
            cfg.policy,
            PolicyConfig {
                validity_secs: 86_400,
                grace_secs: 0
            }
        );
        let defaults: crate::config::ServerConfig = toml::from_str("").unwrap();
        assert_eq!(defaults.policy, PolicyConfig::default());
        assert!(toml::from_str::<crate::config::ServerConfig>("[policy]\nvalidity = 1\n").is_err());
    }
}
