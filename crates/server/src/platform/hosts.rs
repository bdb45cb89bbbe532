//! Host apps: the bank's own apps that embed the SDK. Each has an SDK key and secret (the
//! secret signs the SDK's requests, so the server keeps it to check them), optionally a
//! public key to seal packages for, and the mini-programs it may load with their grants.

use cove_package::PublicKey;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::Row as _;

use super::{Actor, Error, Platform, Result, next_id, typed_col};
use crate::authz::{Action, Target};
use crate::credentials;
use crate::sdk::Grants;

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
        .bind(&secret)
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
        let rows =
            sqlx::query("SELECT id, name, platforms, sdk_key, sealing_key FROM hosts ORDER BY id")
                .fetch_all(&self.db.pool)
                .await?;
        let grants = sqlx::query("SELECT host_id, app_id, grants FROM host_apps ORDER BY app_id")
            .fetch_all(&self.db.pool)
            .await?;
        let mut out = vec![];
        for r in rows {
            let id = r.try_get::<i64, _>("id")? as u64;
            let mut apps = vec![];
            for g in &grants {
                if g.try_get::<i64, _>("host_id")? as u64 == id {
                    apps.push(HostGrant {
                        app_id: g.try_get("app_id")?,
                        grants: typed_col(g, "grants")?,
                    });
                }
            }
            out.push(Host {
                id,
                name: r.try_get("name")?,
                platforms: typed_col(&r, "platforms")?,
                sdk_key: r.try_get("sdk_key")?,
                sealing_key: r.try_get("sealing_key")?,
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
        let mut tx = self.db.begin_write().await?;
        let host = sqlx::query("SELECT sealing_key FROM hosts WHERE id = $1")
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
        let before = sqlx::query("SELECT grants FROM host_apps WHERE host_id = $1 AND app_id = $2")
            .bind(host_id as i64)
            .bind(app_id)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get::<String, _>(0))
            .transpose()?;
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
        let sealing: Option<String> = host.try_get(0)?;
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
