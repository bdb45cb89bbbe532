//! Mini-programs: their records, their domain whitelists (changed only through review), and
//! what they deliver: gray rules, the live version, rollback and takedown.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Actor, Error, Platform, Result, Tx, from_json, next_id};
use crate::authz::{Action, Target};
use crate::gray::{Context, Decision, Release, Rule};
use crate::report::Domains;

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AppSummary {
    pub app_id: String,
    pub name: String,
    pub category: String,
    pub icon: String,
    pub org_id: u64,
    pub org_name: String,
    pub live_version: Option<u64>,
    pub taken_down: bool,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AppDetail {
    #[serde(flatten)]
    pub summary: AppSummary,
    pub takedown_reason: String,
    pub domains: Domains,
    pub pending_domains: Option<DomainChange>,
    pub release: Release,
    /// What the caller may do with it ([`super::review`]).
    pub allowed_actions: Vec<&'static str>,
}

/// `explain` for one host app, answered as that host's SDK would be.
#[derive(Debug, Clone, Serialize)]
pub struct Explained {
    #[serde(flatten)]
    pub decision: Decision,
    /// The host app asked about, if one was.
    pub host: Option<HostRef>,
    /// `delivered`, `not_granted`, `taken_down`, `no_version` or `not_delivered`; without a
    /// host, `decided` (the gray rules alone).
    pub outcome: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct HostRef {
    pub id: u64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct DomainChange {
    pub id: u64,
    pub domains: Domains,
    pub proposed_by: u64,
    pub proposed_at: i64,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct NewApp {
    pub app_id: String,
    pub name: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub icon: String,
    pub org_id: u64,
}

const APP_COLUMNS: &str = "a.app_id, a.name, a.category, a.icon, a.org_id, o.name AS org_name, a.release, a.taken_down, a.takedown_reason, a.domains";

/// A mini-program's row ([`APP_COLUMNS`]), with its organisation's name.
#[derive(sqlx::FromRow)]
pub(super) struct AppRecord {
    pub(super) app_id: String,
    name: String,
    category: String,
    icon: String,
    org_name: String,
    takedown_reason: String,
    /// [`Domains`] as JSON.
    domains: String,
    #[sqlx(flatten)]
    pub(super) state: AppState,
}

/// What the caller's permissions on a mini-program depend on (`org_id`, `release`,
/// `taken_down`), as stored; [`super::review::AppCtx`] is it read.
#[derive(sqlx::FromRow)]
pub(super) struct AppState {
    org_id: i64,
    /// [`Release`] as JSON.
    release: String,
    taken_down: i64,
}

impl AppState {
    pub(super) fn owner_org(&self) -> u64 {
        self.org_id as u64
    }

    pub(super) fn release(&self) -> Result<Release> {
        from_json("release", &self.release)
    }

    pub(super) fn taken_down(&self) -> bool {
        self.taken_down != 0
    }
}

impl AppRecord {
    pub(super) fn release(&self) -> Result<Release> {
        self.state.release()
    }

    pub(super) fn domains(&self) -> Result<Domains> {
        from_json("domains", &self.domains)
    }

    fn summary(&self) -> Result<AppSummary> {
        Ok(AppSummary {
            app_id: self.app_id.clone(),
            name: self.name.clone(),
            category: self.category.clone(),
            icon: self.icon.clone(),
            org_id: self.state.owner_org(),
            org_name: self.org_name.clone(),
            live_version: self.release()?.live,
            taken_down: self.state.taken_down(),
        })
    }
}

/// A pending whitelist change.
#[derive(sqlx::FromRow)]
struct DomainChangeRecord {
    id: i64,
    /// [`Domains`] as JSON.
    domains: String,
    proposed_by: i64,
    proposed_at: i64,
}

/// WeChat's app ids are `wx` and 16 hex digits; a bank's own may be any short slug.
fn valid_app_id(id: &str) -> bool {
    (3..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// A whitelist entry is a host, optionally with a port: no scheme, path or wildcard.
fn check_domains(d: &Domains) -> Result<()> {
    let lists = [
        ("request", &d.request),
        ("socket", &d.socket),
        ("upload", &d.upload),
        ("download", &d.download),
        ("web_view", &d.web_view),
    ];
    for (name, list) in lists {
        for host in list {
            let ok = !host.is_empty()
                && host.len() <= 253
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
                && !host.starts_with(['.', '-', ':']);
            if !ok {
                return Err(Error::invalid(
                    "bad_domain",
                    format!(
                        "{name} whitelist: {host:?} is not a host name (write it without scheme or path, as `api.example.com` or `api.example.com:8443`)"
                    ),
                ));
            }
        }
    }
    Ok(())
}

impl Platform {
    pub(super) async fn app_row(&self, tx: Option<&mut Tx>, app_id: &str) -> Result<AppRecord> {
        let q = format!(
            "SELECT {APP_COLUMNS} FROM apps a JOIN orgs o ON o.id = a.org_id WHERE a.app_id = $1"
        );
        let query = sqlx::query_as::<_, AppRecord>(&q).bind(app_id);
        let row = match tx {
            Some(tx) => query.fetch_optional(&mut **tx).await?,
            None => query.fetch_optional(&self.db.pool).await?,
        };
        row.ok_or_else(|| Error::NotFound(format!("mini-program {app_id} not found")))
    }

    /// The app's owner, checked for `action`; hidden apps are "not found".
    pub(super) fn check_app(
        &self,
        who: &Actor,
        app: &AppRecord,
        action: Action,
        uploader: Option<u64>,
    ) -> Result<()> {
        let target = Target {
            owner_org: Some(app.state.owner_org()),
            uploader,
        };
        self.allow(
            who,
            action,
            &target,
            &format!("mini-program {}", app.app_id),
        )
    }

    pub async fn create_app(&self, who: Option<&Actor>, new: &NewApp) -> Result<AppSummary> {
        if let Some(who) = who {
            let target = Target {
                owner_org: Some(new.org_id),
                uploader: None,
            };
            self.allow(who, Action::CreateApp, &target, "organisation")?;
        }
        if !valid_app_id(&new.app_id) {
            return Err(Error::invalid(
                "bad_app_id",
                "an app id is 3–64 letters, digits, '_', '-' or '.'",
            ));
        }
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(Error::invalid(
                "bad_name",
                "a mini-program needs a name of 1–64 characters",
            ));
        }
        let release = Release {
            salt: new.app_id.clone(),
            live: None,
            rules: vec![],
        };
        let mut tx = self.db.begin_write().await?;
        if sqlx::query("SELECT name FROM orgs WHERE id = $1")
            .bind(new.org_id as i64)
            .fetch_optional(&mut *tx)
            .await?
            .is_none()
        {
            return Err(Error::NotFound("organisation not found".into()));
        }
        if sqlx::query("SELECT app_id FROM apps WHERE app_id = $1")
            .bind(&new.app_id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some()
        {
            return Err(Error::Conflict(format!(
                "mini-program {} exists",
                new.app_id
            )));
        }
        sqlx::query(
            "INSERT INTO apps (app_id, org_id, name, icon, category, domains, release, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&new.app_id)
        .bind(new.org_id as i64)
        .bind(name)
        .bind(&new.icon)
        .bind(&new.category)
        .bind(serde_json::to_string(&Domains::default()).expect("serialises"))
        .bind(serde_json::to_string(&release).expect("serialises"))
        .bind(self.now())
        .execute(&mut *tx)
        .await?;
        let row = self.app_row(Some(&mut tx), &new.app_id).await?;
        let summary = row.summary()?;
        self.record(
            &mut tx,
            who,
            "app.create",
            &format!("app/{}", new.app_id),
            &json!(null),
            &json!(summary),
        )
        .await?;
        self.commit(tx).await?;
        Ok(summary)
    }

    /// The mini-programs `who` can see.
    pub async fn apps(&self, who: &Actor) -> Result<Vec<AppSummary>> {
        let rows: Vec<AppRecord> = sqlx::query_as(&format!(
            "SELECT {APP_COLUMNS} FROM apps a JOIN orgs o ON o.id = a.org_id ORDER BY a.app_id"
        ))
        .fetch_all(&self.db.pool)
        .await?;
        let mut out = vec![];
        for r in rows {
            if self.check_app(who, &r, Action::View, None).is_ok() {
                out.push(r.summary()?);
            }
        }
        Ok(out)
    }

    pub async fn app(&self, who: &Actor, app_id: &str) -> Result<AppDetail> {
        let row = self.app_row(None, app_id).await?;
        self.check_app(who, &row, Action::View, None)?;
        let pending: Option<DomainChangeRecord> = sqlx::query_as(
            "SELECT id, domains, proposed_by, proposed_at FROM domain_changes WHERE app_id = $1 AND state = 'pending'",
        )
        .bind(app_id)
        .fetch_optional(&self.db.pool)
        .await?;
        let pending_domains = match pending {
            Some(r) => Some(DomainChange {
                id: r.id as u64,
                domains: from_json("domains", &r.domains)?,
                proposed_by: r.proposed_by as u64,
                proposed_at: r.proposed_at,
            }),
            None => None,
        };
        let allowed_actions = super::review::AppCtx::of(&row.state)?.app_actions(
            &who.principal,
            pending_domains.as_ref().map(|p| p.proposed_by),
        );
        Ok(AppDetail {
            allowed_actions,
            summary: row.summary()?,
            domains: row.domains()?,
            release: row.release()?,
            takedown_reason: row.takedown_reason,
            pending_domains,
        })
    }

    /// Propose new whitelists. They take effect only when a reviewer approves them, as code
    /// does; a newer proposal replaces a pending one.
    pub async fn propose_domains(
        &self,
        who: &Actor,
        app_id: &str,
        domains: &Domains,
    ) -> Result<DomainChange> {
        check_domains(domains)?;
        let mut tx = self.db.begin_write().await?;
        let row = self.app_row(Some(&mut tx), app_id).await?;
        self.check_app(who, &row, Action::ProposeDomains, None)?;
        sqlx::query("UPDATE domain_changes SET state = 'superseded' WHERE app_id = $1 AND state = 'pending'")
            .bind(app_id)
            .execute(&mut *tx)
            .await?;
        let id = next_id(&mut tx, "domain_change").await?;
        let now = self.now();
        sqlx::query(
            "INSERT INTO domain_changes (id, app_id, domains, state, proposed_by, proposed_at) VALUES ($1, $2, $3, 'pending', $4, $5)",
        )
        .bind(id)
        .bind(app_id)
        .bind(serde_json::to_string(domains).expect("serialises"))
        .bind(who.principal.user_id as i64)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let before: Value = from_json("domains", &row.domains)?;
        self.record(
            &mut tx,
            Some(who),
            "domains.propose",
            &format!("app/{app_id}"),
            &before,
            &json!(domains),
        )
        .await?;
        self.commit(tx).await?;
        Ok(DomainChange {
            id: id as u64,
            domains: domains.clone(),
            proposed_by: who.principal.user_id,
            proposed_at: now,
        })
    }

    /// Approve (`reason` ignored) or reject (`reason` required) the pending whitelist change.
    /// Whoever proposed it cannot review it.
    pub async fn review_domains(
        &self,
        who: &Actor,
        app_id: &str,
        approve: bool,
        reason: &str,
    ) -> Result<Domains> {
        let mut tx = self.db.begin_write().await?;
        let row = self.app_row(Some(&mut tx), app_id).await?;
        let change: DomainChangeRecord = sqlx::query_as(
            "SELECT id, domains, proposed_by, proposed_at FROM domain_changes WHERE app_id = $1 AND state = 'pending'",
        )
        .bind(app_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| Error::invalid("nothing_pending", format!("{app_id} has no whitelist change to review")))?;
        self.check_app(who, &row, Action::Review, Some(change.proposed_by as u64))?;
        if !approve && reason.trim().is_empty() {
            return Err(Error::invalid(
                "reason_required",
                "a rejection needs a reason",
            ));
        }
        let id = change.id;
        let proposed: Domains = from_json("domains", &change.domains)?;
        let before = row.domains()?;
        sqlx::query(
            "UPDATE domain_changes SET state = $1, reviewed_by = $2, reason = $3 WHERE id = $4",
        )
        .bind(if approve { "approved" } else { "rejected" })
        .bind(who.principal.user_id as i64)
        .bind(reason.trim())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let (action, now_domains) = if approve {
            sqlx::query("UPDATE apps SET domains = $1 WHERE app_id = $2")
                .bind(serde_json::to_string(&proposed).expect("serialises"))
                .bind(app_id)
                .execute(&mut *tx)
                .await?;
            ("domains.approve", proposed)
        } else {
            ("domains.reject", before.clone())
        };
        self.record(
            &mut tx,
            Some(who),
            action,
            &format!("app/{app_id}"),
            &json!(before),
            &json!({"domains": now_domains, "reason": reason.trim()}),
        )
        .await?;
        self.commit_delivery(tx).await?;
        Ok(now_domains)
    }

    /// Replace the gray rules. Each rule must name a published version.
    pub async fn set_rules(&self, who: &Actor, app_id: &str, rules: Vec<Rule>) -> Result<Release> {
        let mut tx = self.db.begin_write().await?;
        let row = self.app_row(Some(&mut tx), app_id).await?;
        self.check_app(who, &row, Action::Publish, None)?;
        let published = self.published_codes(&mut tx, app_id).await?;
        let mut ids = std::collections::BTreeSet::new();
        for r in &rules {
            if r.id.trim().is_empty() || !ids.insert(r.id.clone()) {
                return Err(Error::invalid(
                    "bad_rule",
                    format!("rule ids must be unique and non-empty ({:?})", r.id),
                ));
            }
            if !published.contains(&r.version_code) {
                return Err(Error::invalid(
                    "version_not_published",
                    format!(
                        "rule {}: version {} of {app_id} is not published (publish it as gray first)",
                        r.id, r.version_code
                    ),
                ));
            }
        }
        let before = row.release()?;
        let after = Release {
            rules,
            ..before.clone()
        };
        self.save_release(&mut tx, app_id, &after).await?;
        self.record(
            &mut tx,
            Some(who),
            "release.rules",
            &format!("app/{app_id}"),
            &json!(before),
            &json!(after),
        )
        .await?;
        self.commit_delivery(tx).await?;
        Ok(after)
    }

    pub(super) async fn save_release(
        &self,
        tx: &mut Tx,
        app_id: &str,
        release: &Release,
    ) -> Result<()> {
        sqlx::query("UPDATE apps SET release = $1 WHERE app_id = $2")
            .bind(serde_json::to_string(release).expect("serialises"))
            .bind(app_id)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Which version this user would get, and why (`cove release explain`). With `host`,
    /// the answer is that host app's: what its SDK's resolve would deliver, from the same
    /// catalog, so a mini-program the host cannot load gets nothing.
    pub async fn explain(
        &self,
        who: &Actor,
        app_id: &str,
        host: Option<u64>,
        ctx: &Context<'_>,
    ) -> Result<Explained> {
        let row = self.app_row(None, app_id).await?;
        self.check_app(who, &row, Action::View, None)?;
        let Some(host_id) = host else {
            let mut d = row.release()?.resolve(ctx);
            let mut outcome = "decided";
            if row.state.taken_down() {
                d.trace
                    .push("but the mini-program is taken down: nothing is delivered".into());
                d.version_code = None;
                outcome = "taken_down";
            }
            return Ok(Explained {
                decision: d,
                host: None,
                outcome,
            });
        };
        let name: String = sqlx::query_scalar("SELECT name FROM hosts WHERE id = $1")
            .bind(host_id as i64)
            .fetch_optional(&self.db.pool)
            .await?
            .ok_or_else(|| Error::NotFound(format!("host app {host_id} not found")))?;
        let host = Some(HostRef { id: host_id, name });
        let name = &host.as_ref().expect("just set").name;
        let nothing = |trace: Vec<String>, outcome| Explained {
            decision: Decision {
                version_code: None,
                rule: None,
                trace,
            },
            host: host.clone(),
            outcome,
        };
        use crate::sdk::Catalog as _;
        let Some(on_host) = self.catalog.app_on_host(host_id, app_id) else {
            return Ok(nothing(
                vec![format!(
                    "{app_id} is not granted to host app {name}: its SDK gets app_not_found, nothing is delivered"
                )],
                "not_granted",
            ));
        };
        if on_host.taken_down {
            return Ok(nothing(
                vec![format!(
                    "{app_id} is taken down: host app {name} gets app_taken_down, nothing is delivered"
                )],
                "taken_down",
            ));
        }
        let mut d = on_host.release.resolve(ctx);
        let outcome = match d.version_code {
            None => "no_version",
            Some(code) if on_host.versions.contains_key(&code) => {
                d.trace
                    .push(format!("host app {name} is delivered version {code}"));
                "delivered"
            }
            Some(code) => {
                d.trace.push(format!(
                    "but version {code} has no package for host app {name}: its SDK gets no_version"
                ));
                d.version_code = None;
                "not_delivered"
            }
        };
        Ok(Explained {
            decision: d,
            host,
            outcome,
        })
    }

    /// Stop delivery at once: resolve answers 410 and containers refuse to launch it.
    pub async fn takedown(&self, who: &Actor, app_id: &str, reason: &str) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(Error::invalid(
                "reason_required",
                "a takedown needs a reason",
            ));
        }
        self.set_taken_down(who, app_id, true, reason.trim()).await
    }

    pub async fn restore(&self, who: &Actor, app_id: &str) -> Result<()> {
        self.set_taken_down(who, app_id, false, "").await
    }

    async fn set_taken_down(
        &self,
        who: &Actor,
        app_id: &str,
        down: bool,
        reason: &str,
    ) -> Result<()> {
        let mut tx = self.db.begin_write().await?;
        let row = self.app_row(Some(&mut tx), app_id).await?;
        self.check_app(who, &row, Action::Takedown, None)?;
        let was = row.state.taken_down();
        sqlx::query("UPDATE apps SET taken_down = $1, takedown_reason = $2 WHERE app_id = $3")
            .bind(down as i64)
            .bind(reason)
            .bind(app_id)
            .execute(&mut *tx)
            .await?;
        self.record(
            &mut tx,
            Some(who),
            if down { "app.takedown" } else { "app.restore" },
            &format!("app/{app_id}"),
            &json!({"taken_down": was}),
            &json!({"taken_down": down, "reason": reason}),
        )
        .await?;
        self.commit_delivery(tx).await?;
        Ok(())
    }
}
