//! Host apps: the bank's own apps that embed the SDK. Each has an SDK key and secret (the
//! secret signs the SDK's requests, so the server keeps it to check them, encrypted under
//! the data-protection key), optionally a public key to seal packages for, and the
//! mini-programs it may load with their grants.
//!
//! A secret is rotated with an overlap: the new one works at once, the old one until a set
//! time, so the bank can ship the new secret in its app before the old one stops.

use cove_package::PublicKey;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Actor, Error, Platform, Result, from_json, next_id};
use crate::authz::{Action, Target};
use crate::credentials;
use crate::data_key::{DataKey, sdk_secret_context};
use crate::db::{Db, DbError};
use crate::sdk::Grants;

/// The longest overlap a rotation may give the old secret.
pub const MAX_OVERLAP: i64 = 30 * 24 * 3600;

/// A rotation's result: the new secret (shown once) and until when the old one works.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RotatedSecret {
    pub host_id: u64,
    pub sdk_key: String,
    pub sdk_secret: String,
    /// Unix seconds; `None` when the old secret stopped at once.
    pub previous_valid_until: Option<i64>,
}

/// Encrypt the SDK secrets stored in clear (rows written before migration 5), and check
/// that the encrypted ones open under `key`: a server started with the wrong key stops
/// here rather than refusing every SDK request.
pub(super) async fn seal_clear_secrets(db: &Db, key: &DataKey) -> Result<()> {
    let rows: Vec<StoredSecrets> =
        sqlx::query_as("SELECT id, sdk_key, sdk_secret, sdk_secret_prev FROM hosts")
            .fetch_all(&db.pool)
            .await?;
    let bad = |what: &str, e: crate::data_key::DataKeyError| {
        Error::Db(DbError::Invalid(format!("{what}: {e}")))
    };
    let mut sealed = 0;
    for r in rows {
        let (id, sdk_key) = (r.id, r.sdk_key);
        let context = sdk_secret_context(&sdk_key);
        for (col, value) in [
            ("sdk_secret", Some(r.sdk_secret)),
            ("sdk_secret_prev", r.sdk_secret_prev),
        ] {
            let Some(value) = value else { continue };
            if DataKey::is_sealed(&value) {
                key.open(&context, &value)
                    .map_err(|e| bad(&format!("the SDK secret of host app {sdk_key}"), e))?;
                continue;
            }
            let enc = key
                .seal(&context, value.as_bytes())
                .map_err(|e| bad("sealing an SDK secret", e))?;
            // `col` is one of two constants, never input.
            sqlx::query(&format!(
                "UPDATE hosts SET {col} = $1 WHERE id = $2 AND {col} = $3"
            ))
            .bind(&enc)
            .bind(id)
            .bind(&value)
            .execute(&db.pool)
            .await?;
            sealed += 1;
        }
    }
    if sealed > 0 {
        tracing::info!("encrypted {sealed} SDK secret(s) stored in clear");
    }
    Ok(())
}

/// A host app's SDK secrets as stored.
#[derive(sqlx::FromRow)]
struct StoredSecrets {
    id: i64,
    sdk_key: String,
    sdk_secret: String,
    sdk_secret_prev: Option<String>,
}

/// A host app's row, without its secrets.
#[derive(sqlx::FromRow)]
struct HostRecord {
    id: i64,
    name: String,
    /// JSON list.
    platforms: String,
    sdk_key: String,
    sealing_key: Option<String>,
}

/// A mini-program granted to a host app.
#[derive(sqlx::FromRow)]
struct GrantRecord {
    host_id: i64,
    app_id: String,
    /// JSON.
    grants: String,
}

/// What a rotation replaces.
#[derive(sqlx::FromRow)]
struct CurrentSecret {
    sdk_key: String,
    sdk_secret: String,
    sdk_secret_prev_until: Option<i64>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Host {
    pub id: u64,
    pub name: String,
    pub platforms: Vec<String>,
    pub sdk_key: String,
    /// The sealing key's JSON (`cove keygen` output, public part), if the host wants
    /// encrypted packages.
    pub sealing_key: Option<String>,
    pub apps: Vec<HostGrant>,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct HostGrant {
    pub app_id: String,
    pub grants: Grants,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct NewHost {
    pub name: String,
    #[serde(default)]
    pub platforms: Vec<String>,
    #[serde(default)]
    pub sealing_key: Option<String>,
}

fn platform_wide() -> Target {
    Target::default()
}

impl Platform {
    /// Register a host app; returns it and its SDK secret (shown once).
    pub async fn create_host(&self, who: Option<&Actor>, new: &NewHost) -> Result<(Host, String)> {
        if let Some(who) = who {
            self.allow(who, Action::ManageHosts, &platform_wide(), "host app")?;
        }
        let name = new.name.trim();
        if name.is_empty() {
            return Err(Error::invalid("bad_name", "a host app needs a name"));
        }
        if let Some(k) = &new.sealing_key {
            PublicKey::from_json(k)
                .map_err(|e| Error::invalid("bad_sealing_key", format!("the sealing key: {e}")))?;
        }
        let secret =
            credentials::new_secret().map_err(|e| Error::invalid("internal", e.to_string()))?;
        let key = format!(
            "host_{}",
            &credentials::new_secret().map_err(|e| Error::invalid("internal", e.to_string()))?
                [..16]
        );
        let mut tx = self.db.begin_write().await?;
        if sqlx::query("SELECT id FROM hosts WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?
            .is_some()
        {
            return Err(Error::Conflict(format!("host app {name:?} exists")));
        }
        let id = next_id(&mut tx, "host").await?;
        let platforms = serde_json::to_string(&new.platforms).expect("strings serialise");
        sqlx::query(
            "INSERT INTO hosts (id, name, platforms, sdk_key, sdk_secret, sealing_key, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(name)
        .bind(&platforms)
        .bind(&key)
        .bind(
            self.data_key
                .seal(&sdk_secret_context(&key), secret.as_bytes())
                .map_err(|e| Error::invalid("internal", e.to_string()))?,
        )
        .bind(new.sealing_key.as_deref())
        .bind(self.now())
        .execute(&mut *tx)
        .await?;
        let host = Host {
            id: id as u64,
            name: name.to_string(),
            platforms: new.platforms.clone(),
            sdk_key: key,
            sealing_key: new.sealing_key.clone(),
            apps: vec![],
        };
        self.record(
            &mut tx,
            who,
            "host.create",
            &format!("host/{id}"),
            &json!(null),
            &json!(host),
        )
        .await?;
        self.commit_delivery(tx).await?;
        Ok((host, secret))
    }

    pub async fn hosts(&self, who: &Actor) -> Result<Vec<Host>> {
        self.allow(who, Action::ManageHosts, &platform_wide(), "host app")?;
        let rows: Vec<HostRecord> = sqlx::query_as(
            "SELECT id, name, platforms, sdk_key, sealing_key FROM hosts ORDER BY id",
        )
        .fetch_all(&self.db.pool)
        .await?;
        let grants: Vec<GrantRecord> =
            sqlx::query_as("SELECT host_id, app_id, grants FROM host_apps ORDER BY app_id")
                .fetch_all(&self.db.pool)
                .await?;
        let mut out = vec![];
        for r in rows {
            let mut apps = vec![];
            for g in grants.iter().filter(|g| g.host_id == r.id) {
                apps.push(HostGrant {
                    app_id: g.app_id.clone(),
                    grants: from_json("grants", &g.grants)?,
                });
            }
            out.push(Host {
                id: r.id as u64,
                name: r.name,
                platforms: from_json("platforms", &r.platforms)?,
                sdk_key: r.sdk_key,
                sealing_key: r.sealing_key,
                apps,
            });
        }
        Ok(out)
    }

    /// Let `host_id` load `app_id`, with these grants (replacing earlier ones). Versions
    /// already published are sealed for the host now, so it can load them at once.
    pub async fn grant(
        &self,
        who: Option<&Actor>,
        host_id: u64,
        app_id: &str,
        grants: &Grants,
    ) -> Result<()> {
        if let Some(who) = who {
            self.allow(who, Action::ManageHosts, &platform_wide(), "host app")?;
        }
        grants
            .check_privacy()
            .map_err(|e| Error::invalid("bad_privacy", e))?;
        let mut tx = self.db.begin_write().await?;
        // The host's sealing key, which it may not have.
        let sealing: Option<String> =
            sqlx::query_scalar::<_, Option<String>>("SELECT sealing_key FROM hosts WHERE id = $1")
                .bind(host_id as i64)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or_else(|| Error::NotFound("host app not found".into()))?;
        if sqlx::query("SELECT app_id FROM apps WHERE app_id = $1")
            .bind(app_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_none()
        {
            return Err(Error::NotFound(format!("mini-program {app_id} not found")));
        }
        let before: Option<String> =
            sqlx::query_scalar("SELECT grants FROM host_apps WHERE host_id = $1 AND app_id = $2")
                .bind(host_id as i64)
                .bind(app_id)
                .fetch_optional(&mut *tx)
                .await?;
        let json_grants = serde_json::to_string(grants).expect("grants serialise");
        sqlx::query(
            "INSERT INTO host_apps (host_id, app_id, grants) VALUES ($1, $2, $3)
             ON CONFLICT (host_id, app_id) DO UPDATE SET grants = excluded.grants",
        )
        .bind(host_id as i64)
        .bind(app_id)
        .bind(&json_grants)
        .execute(&mut *tx)
        .await?;
        self.deliver_published(&mut tx, app_id, host_id, sealing.as_deref())
            .await?;
        let before = before.map_or(json!(null), |b| {
            serde_json::from_str(&b).unwrap_or(json!(b))
        });
        self.record(
            &mut tx,
            who,
            "host.grant",
            &format!("host/{host_id}/app/{app_id}"),
            &before,
            &json!(grants),
        )
        .await?;
        self.commit_delivery(tx).await?;
        Ok(())
    }

    /// Stop `host_id` loading `app_id`.
    pub async fn revoke(&self, who: &Actor, host_id: u64, app_id: &str) -> Result<()> {
        self.allow(who, Action::ManageHosts, &platform_wide(), "host app")?;
        let mut tx = self.db.begin_write().await?;
        let n = sqlx::query("DELETE FROM host_apps WHERE host_id = $1 AND app_id = $2")
            .bind(host_id as i64)
            .bind(app_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(Error::NotFound(format!(
                "host app {host_id} does not load {app_id}"
            )));
        }
        self.record(
            &mut tx,
            Some(who),
            "host.revoke",
            &format!("host/{host_id}/app/{app_id}"),
            &json!(null),
            &json!(null),
        )
        .await?;
        self.commit_delivery(tx).await?;
        Ok(())
    }
}

impl Platform {
    /// Give `host_id` a new SDK secret; the old one keeps working for `overlap` seconds
    /// (0: it stops at once). A rotation during another's overlap ends that overlap: only
    /// the secret being replaced is kept.
    pub async fn rotate_sdk_secret(
        &self,
        who: &Actor,
        host_id: u64,
        overlap: i64,
    ) -> Result<RotatedSecret> {
        self.allow(who, Action::ManageHosts, &platform_wide(), "host app")?;
        if !(0..=MAX_OVERLAP).contains(&overlap) {
            return Err(Error::invalid(
                "bad_overlap",
                format!("the overlap is 0 to {MAX_OVERLAP} seconds"),
            ));
        }
        let mut tx = self.db.begin_write().await?;
        let row: CurrentSecret = sqlx::query_as(
            "SELECT sdk_key, sdk_secret, sdk_secret_prev_until FROM hosts WHERE id = $1",
        )
        .bind(host_id as i64)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::NotFound("host app not found".into()))?;
        let sdk_key = row.sdk_key;
        // The stored value moves as it is: both columns use the same associated data.
        let current = row.sdk_secret;
        let before_until = row.sdk_secret_prev_until;
        let secret =
            credentials::new_secret().map_err(|e| Error::invalid("internal", e.to_string()))?;
        let sealed = self
            .data_key
            .seal(&sdk_secret_context(&sdk_key), secret.as_bytes())
            .map_err(|e| Error::invalid("internal", e.to_string()))?;
        let until = (overlap > 0).then(|| self.now() + overlap);
        sqlx::query(
            "UPDATE hosts SET sdk_secret = $1, sdk_secret_prev = $2, sdk_secret_prev_until = $3
             WHERE id = $4",
        )
        .bind(&sealed)
        .bind(until.map(|_| current))
        .bind(until)
        .bind(host_id as i64)
        .execute(&mut *tx)
        .await?;
        self.record(
            &mut tx,
            Some(who),
            "host.rotate_sdk_secret",
            &format!("host/{host_id}"),
            &json!({"sdk_key": sdk_key, "previous_valid_until": before_until}),
            &json!({"sdk_key": sdk_key, "previous_valid_until": until, "overlap_seconds": overlap}),
        )
        .await?;
        self.commit_delivery(tx).await?;
        Ok(RotatedSecret {
            host_id,
            sdk_key,
            sdk_secret: secret,
            previous_valid_until: until,
        })
    }
}
