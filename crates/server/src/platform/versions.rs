//! Versions: upload (cloud compile or a compiled package) with its review report, the review
//! steps, publishing (sign once, seal per host), and rollback.

use cove_package::Channel;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Actor, Error, Platform, Result, Tx, from_json};
use crate::authz::Action;
use crate::gray::Release;
use crate::report::Domains;
use crate::upload::{self, Kind, VersionInfo};
use crate::workflow::{self, HostTarget, State, Step};

#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct VersionRow {
    pub code: u64,
    pub name: String,
    pub note: String,
    #[serde(flatten)]
    pub state: State,
    pub kind: String,
    pub size: u64,
    pub uploaded_by: u64,
    pub uploaded_by_name: Option<String>,
    pub uploaded_at: i64,
    /// Blob id of the package as uploaded (unsigned).
    pub package: String,
    /// Whether it has been signed for delivery.
    pub published: bool,
    /// The review report (a single version's answer only).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::report::Report>")]
    pub report: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// When it was submitted for review (the review queue's order).
    pub submitted_at: Option<i64>,
    /// SHA-256 of the stored report: what a reviewer's sign-off says they saw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_digest: Option<String>,
    /// What the caller may do with it now ([`crate::platform::review`]); the console shows
    /// only these.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_actions: Option<Vec<&'static str>>,
    /// `live`, `gray` (published, served only through gray rules) or `previous` (published,
    /// older than the live one); absent when unpublished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<&'static str>,
    /// The reviewer's approval, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signoff: Option<super::review::SignOff>,
}

/// What an upload says about itself.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct Upload {
    #[serde(default = "source")]
    pub kind: String,
    /// Defaults to the next code (source) or the package's own (compiled).
    pub version_code: Option<u64>,
    pub version_name: Option<String>,
    #[serde(default)]
    pub note: String,
}

fn source() -> String {
    "source".into()
}

const VERSION_COLUMNS: &str =
    "code, name, note, state, kind, size, uploaded_by, uploaded_at, package, signed, warnings, submitted_at,
     (SELECT username FROM users WHERE users.id = versions.uploaded_by) AS uploaded_by_name";

/// A version's row: [`VERSION_COLUMNS`], and `report` when one version is read whole.
#[derive(sqlx::FromRow)]
pub(super) struct VersionRecord {
    code: i64,
    name: String,
    note: String,
    /// [`State`] as JSON.
    state: String,
    kind: String,
    size: i64,
    uploaded_by: i64,
    uploaded_by_name: Option<String>,
    uploaded_at: i64,
    package: String,
    /// The signed package's blob id; empty until published.
    signed: String,
    /// JSON list; read with the report only.
    warnings: String,
    submitted_at: Option<i64>,
    /// The review report's JSON text, when selected.
    #[sqlx(default)]
    report: Option<String>,
}

impl VersionRecord {
    pub(super) fn into_row(self) -> Result<VersionRow> {
        let (report, warnings, report_digest) = match &self.report {
            Some(text) => (
                Some(from_json::<Value>("report", text)?),
                from_json("warnings", &self.warnings)?,
                Some(crate::blobs::id_of(text.as_bytes())),
            ),
            None => (None, vec![], None),
        };
        Ok(VersionRow {
            code: self.code as u64,
            name: self.name,
            note: self.note,
            state: from_json("state", &self.state)?,
            kind: self.kind,
            size: self.size as u64,
            uploaded_by: self.uploaded_by as u64,
            uploaded_by_name: self.uploaded_by_name,
            uploaded_at: self.uploaded_at,
            package: self.package,
            published: !self.signed.is_empty(),
            report,
            warnings,
            submitted_at: self.submitted_at,
            report_digest,
            allowed_actions: None,
            channel: None,
            signoff: None,
        })
    }
}

/// A host app that loads a mini-program, and the key it wants packages sealed for.
#[derive(sqlx::FromRow)]
struct HostKey {
    id: i64,
    sealing_key: Option<String>,
}

/// A published version's signed package.
#[derive(sqlx::FromRow)]
struct Signed {
    code: i64,
    signed: String,
}

impl Platform {
    async fn version_row(
        &self,
        tx: Option<&mut Tx>,
        app_id: &str,
        code: u64,
        with_report: bool,
    ) -> Result<VersionRow> {
        let cols = if with_report {
            format!("{VERSION_COLUMNS}, report")
        } else {
            VERSION_COLUMNS.to_string()
        };
        let q = format!("SELECT {cols} FROM versions WHERE app_id = $1 AND code = $2");
        let query = sqlx::query_as::<_, VersionRecord>(&q)
            .bind(app_id)
            .bind(code as i64);
        let row = match tx {
            Some(tx) => query.fetch_optional(&mut **tx).await?,
            None => query.fetch_optional(&self.db.pool).await?,
        };
        row.ok_or_else(|| Error::NotFound(format!("version {code} of {app_id} not found")))?
            .into_row()
    }

    /// Upload a version for review. Source is compiled here with the Cove compiler.
    pub async fn upload(
        &self,
        who: &Actor,
        app_id: &str,
        bytes: Vec<u8>,
        up: &Upload,
    ) -> Result<VersionRow> {
        let kind = match up.kind.as_str() {
            "source" => Kind::Source,
            "package" | "compiled" => Kind::Compiled,
            other => {
                return Err(Error::invalid(
                    "bad_kind",
                    format!("upload kind {other:?}: use source or package"),
                ));
            }
        };
        let row = self.app_row(None, app_id).await?;
        self.check_app(who, &row, Action::Upload, None)?;
        let whitelist = row.domains()?;
        let release = row.release()?;
        let latest: Option<i64> =
            sqlx::query_scalar("SELECT MAX(code) AS latest FROM versions WHERE app_id = $1")
                .bind(app_id)
                .fetch_one(&self.db.pool)
                .await?;
        let latest = latest.unwrap_or(0) as u64;
        let code = match (up.version_code, kind) {
            (Some(c), _) => c,
            (None, Kind::Source) => latest + 1,
            (None, Kind::Compiled) => manifest_code(&bytes, &self.settings.upload.zip)?,
        };
        if code <= latest {
            return Err(Error::Conflict(format!(
                "version code {code} is not above the latest upload ({latest}) of {app_id}"
            )));
        }
        let live_files = match release.live {
            Some(live) => {
                let v = self.version_row(None, app_id, live, false).await?;
                let pkg =
                    self.blobs.get(&v.package).await?.ok_or_else(|| {
                        Error::NotFound(format!("the live package {}", v.package))
                    })?;
                Some(cove_package::zip::read(&pkg, &self.settings.upload.zip)?)
            }
            None => None,
        };
        let info = VersionInfo {
            app_id: app_id.to_string(),
            version_code: code,
            version_name: up.version_name.clone().unwrap_or_else(|| format!("{code}")),
        };
        let limits = self.settings.upload;
        let candidate = tokio::task::spawn_blocking(move || {
            upload::accept(
                &bytes,
                kind,
                &info,
                &whitelist,
                live_files.as_ref(),
                &limits,
            )
        })
        .await
        .map_err(|e| Error::invalid("internal", e.to_string()))??;
        let size = candidate.package.len() as u64;
        let blob = self.blobs.put(candidate.package).await?;
        let name = up.version_name.clone().unwrap_or_else(|| {
            candidate.manifest["version"]["name"]
                .as_str()
                .map_or(format!("{code}"), str::to_string)
        });
        let mut tx = self.db.begin_write().await?;
        if sqlx::query("SELECT code FROM versions WHERE app_id = $1 AND code >= $2")
            .bind(app_id)
            .bind(code as i64)
            .fetch_optional(&mut *tx)
            .await?
            .is_some()
        {
            return Err(Error::Conflict(format!(
                "version code {code} of {app_id} was just taken"
            )));
        }
        sqlx::query(
            "INSERT INTO versions (app_id, code, name, note, state, kind, package, size, report, warnings, uploaded_by, uploaded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(app_id)
        .bind(code as i64)
        .bind(&name)
        .bind(&up.note)
        .bind(serde_json::to_string(&State::Uploaded).expect("serialises"))
        .bind(if kind == Kind::Source { "source" } else { "package" })
        .bind(&blob)
        .bind(size as i64)
        .bind(serde_json::to_string(&candidate.report).expect("serialises"))
        .bind(serde_json::to_string(&candidate.warnings).expect("serialises"))
        .bind(who.principal.user_id as i64)
        .bind(self.now())
        .execute(&mut *tx)
        .await?;
        let v = self.version_row(Some(&mut tx), app_id, code, true).await?;
        self.record(
            &mut tx,
            Some(who),
            "version.upload",
            &format!("app/{app_id}/version/{code}"),
            &json!(null),
            &json!({"code": code, "name": name, "kind": v.kind, "package": blob, "size": size, "findings": candidate.report.findings.len()}),
        )
        .await?;
        self.commit(tx).await?;
        Ok(v)
    }

    /// Every version of `app_id`, newest first, as the caller sees them (with what they may
    /// do with each); [`Platform::version_page`] filters and pages.
    pub async fn versions(&self, who: &Actor, app_id: &str) -> Result<Vec<VersionRow>> {
        let row = self.app_row(None, app_id).await?;
        self.check_app(who, &row, Action::View, None)?;
        let rows: Vec<VersionRecord> = sqlx::query_as(&format!(
            "SELECT {VERSION_COLUMNS} FROM versions WHERE app_id = $1 ORDER BY code DESC"
        ))
        .bind(app_id)
        .fetch_all(&self.db.pool)
        .await?;
        let app = super::review::AppCtx::of(&row.state)?;
        rows.into_iter()
            .map(|r| Ok(app.annotate(&who.principal, r.into_row()?)))
            .collect()
    }

    pub async fn version(&self, who: &Actor, app_id: &str, code: u64) -> Result<VersionRow> {
        let row = self.app_row(None, app_id).await?;
        self.check_app(who, &row, Action::View, None)?;
        let v = self.version_row(None, app_id, code, true).await?;
        let mut v = super::review::AppCtx::of(&row.state)?.annotate(&who.principal, v);
        v.signoff = self.signoff(app_id, code, "approve").await?;
        Ok(v)
    }

    /// The unsigned package of a version (the reviewer's preview runs it).
    pub async fn version_package(&self, who: &Actor, app_id: &str, code: u64) -> Result<Vec<u8>> {
        let v = self.version(who, app_id, code).await?;
        self.blobs
            .get(&v.package)
            .await?
            .ok_or_else(|| Error::NotFound(format!("package {}", v.package)))
    }

    /// Open a version in the simulator; returns its URL.
    pub async fn preview(&self, who: &Actor, app_id: &str, code: u64) -> Result<String> {
        let Some(previewer) = self.previewer.clone() else {
            return Err(Error::invalid(
                "preview_unavailable",
                "this server runs without the simulator",
            ));
        };
        let package = self.version_package(who, app_id, code).await?;
        // The whitelists in force for the app: a candidate reaches no more than it would live.
        let domains: Domains = self.app_row(None, app_id).await?.domains()?;
        let req = crate::preview::PreviewRequest {
            key: format!("{app_id}-{code}-{}", who.principal.user_id),
            package,
            domains,
        };
        previewer
            .preview(req)
            .await
            .map_err(|e| Error::invalid("preview_failed", e))
    }

    /// Submit or reject (approving is [`Platform::approve`], which needs a comment;
    /// publishing is [`Platform::publish`]).
    pub async fn step(
        &self,
        who: &Actor,
        app_id: &str,
        code: u64,
        step: Step,
    ) -> Result<VersionRow> {
        match step {
            Step::Publish => self.publish(who, app_id, code, false).await,
            // Without a comment: refused as comment_required (once the caller may approve).
            Step::Approve => self.approve(who, app_id, code, "", None).await,
            _ => self.take_step(who, app_id, code, step, None).await,
        }
    }

    /// Approve a version in review. The sign-off (who, when, the report's digest and a
    /// summary of its findings, and `comment`) is stored with the version and audited.
    /// `seen_digest`, when given, must be the report the reviewer read.
    pub async fn approve(
        &self,
        who: &Actor,
        app_id: &str,
        code: u64,
        comment: &str,
        seen_digest: Option<&str>,
    ) -> Result<VersionRow> {
        self.take_step(
            who,
            app_id,
            code,
            Step::Approve,
            Some((comment.trim(), seen_digest)),
        )
        .await
    }

    async fn take_step(
        &self,
        who: &Actor,
        app_id: &str,
        code: u64,
        step: Step,
        signoff: Option<(&str, Option<&str>)>,
    ) -> Result<VersionRow> {
        let mut tx = self.db.begin_write().await?;
        let app = self.app_row(Some(&mut tx), app_id).await?;
        // Hidden apps are not found before anything about their versions is said.
        self.check_app(who, &app, Action::View, None)?;
        let v = self
            .version_row(Some(&mut tx), app_id, code, signoff.is_some())
            .await?;
        let target = crate::authz::Target {
            owner_org: Some(app.state.owner_org()),
            uploader: Some(v.uploaded_by),
        };
        let next = workflow::advance(&v.state, &step, &who.principal, &target)?;
        let mut after = json!(next);
        if let Some((comment, seen)) = signoff {
            // Checked once the caller is known to be allowed: others learn nothing from it.
            if comment.is_empty() {
                return Err(Error::invalid(
                    "comment_required",
                    "an approval needs a comment: what you checked, and why it may go out",
                ));
            }
            if comment.chars().count() > super::review::MAX_COMMENT {
                return Err(Error::invalid(
                    "comment_too_long",
                    format!(
                        "a comment has at most {} characters",
                        super::review::MAX_COMMENT
                    ),
                ));
            }
            let s = self
                .sign_off(&mut tx, who, app_id, &v, "approve", comment, seen)
                .await?;
            after = json!({"state": next, "signoff": s});
        }
        self.save_state(&mut tx, app_id, code, &next).await?;
        if step == Step::Submit {
            sqlx::query("UPDATE versions SET submitted_at = $1 WHERE app_id = $2 AND code = $3")
                .bind(self.now())
                .bind(app_id)
                .bind(code as i64)
                .execute(&mut *tx)
                .await?;
        }
        let action = match step {
            Step::Submit => "version.submit",
            Step::Approve => "version.approve",
            Step::Reject { .. } => "version.reject",
            Step::Publish => unreachable!("handled above"),
        };
        self.record(
            &mut tx,
            Some(who),
            action,
            &format!("app/{app_id}/version/{code}"),
            &json!(v.state),
            &after,
        )
        .await?;
        let out = self.version_row(Some(&mut tx), app_id, code, false).await?;
        self.commit(tx).await?;
        Ok(out)
    }

    async fn save_state(&self, tx: &mut Tx, app_id: &str, code: u64, state: &State) -> Result<()> {
        sqlx::query("UPDATE versions SET state = $1 WHERE app_id = $2 AND code = $3")
            .bind(serde_json::to_string(state).expect("serialises"))
            .bind(app_id)
            .bind(code as i64)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Sign an approved version, seal it per host, and make it live (or, with `gray`,
    /// deliverable only to the users gray rules send to it).
    pub async fn publish(
        &self,
        who: &Actor,
        app_id: &str,
        code: u64,
        gray: bool,
    ) -> Result<VersionRow> {
        let mut tx = self.db.begin_write().await?;
        let app = self.app_row(Some(&mut tx), app_id).await?;
        self.check_app(who, &app, Action::View, None)?;
        let v = self.version_row(Some(&mut tx), app_id, code, false).await?;
        let target = crate::authz::Target {
            owner_org: Some(app.state.owner_org()),
            uploader: Some(v.uploaded_by),
        };
        let next = workflow::advance(&v.state, &Step::Publish, &who.principal, &target)?;
        let mut release = app.release()?;
        let rollback = match release.live {
            Some(live) if code < live => self.rollback_range(&mut tx, app_id, code).await?,
            _ => None,
        };
        self.sign_and_deliver(&mut tx, app_id, &v, rollback).await?;
        self.save_state(&mut tx, app_id, code, &next).await?;
        let before = json!({"state": v.state, "live": release.live});
        if !gray {
            release.live = Some(code);
            self.save_release(&mut tx, app_id, &release).await?;
        }
        self.record(
            &mut tx,
            Some(who),
            if gray {
                "version.publish_gray"
            } else {
                "version.publish"
            },
            &format!("app/{app_id}/version/{code}"),
            &before,
            &json!({"state": next, "live": release.live, "signed_by": self.signing_key.id()}),
        )
        .await?;
        let out = self.version_row(Some(&mut tx), app_id, code, false).await?;
        self.commit_delivery(tx).await?;
        Ok(out)
    }

    /// Make an earlier published version live again. It is signed anew as a rollback, so
    /// containers that installed the newer one accept the lower version code.
    pub async fn rollback(&self, who: &Actor, app_id: &str, code: u64) -> Result<Release> {
        let mut tx = self.db.begin_write().await?;
        let app = self.app_row(Some(&mut tx), app_id).await?;
        self.check_app(who, &app, Action::Rollback, None)?;
        let v = self.version_row(Some(&mut tx), app_id, code, false).await?;
        if !v.published {
            return Err(Error::invalid(
                "version_not_published",
                format!("version {code} of {app_id} was never published"),
            ));
        }
        let mut release = app.release()?;
        if release.live.is_none_or(|live| code >= live) {
            return Err(Error::invalid(
                "not_older",
                format!(
                    "a rollback goes to a version older than the live one ({:?}); promote a newer one instead",
                    release.live
                ),
            ));
        }
        let before = release.clone();
        let range = self.rollback_range(&mut tx, app_id, code).await?;
        self.sign_and_deliver(&mut tx, app_id, &v, range).await?;
        release.live = Some(code);
        // Gray rules pointing past the rolled-back version would undo the rollback for their users.
        release.rules.retain(|r| r.version_code <= code);
        self.save_release(&mut tx, app_id, &release).await?;
        self.record(
            &mut tx,
            Some(who),
            "version.rollback",
            &format!("app/{app_id}/version/{code}"),
            &json!(before),
            &json!(release),
        )
        .await?;
        self.commit_delivery(tx).await?;
        Ok(release)
    }

    /// Make a version published as gray the live one for everyone.
    pub async fn promote(&self, who: &Actor, app_id: &str, code: u64) -> Result<Release> {
        let mut tx = self.db.begin_write().await?;
        let app = self.app_row(Some(&mut tx), app_id).await?;
        self.check_app(who, &app, Action::Publish, None)?;
        let v = self.version_row(Some(&mut tx), app_id, code, false).await?;
        if !v.published {
            return Err(Error::invalid(
                "version_not_published",
                format!("version {code} of {app_id} is not published"),
            ));
        }
        let mut release = app.release()?;
        if release.live.is_some_and(|live| code <= live) {
            return Err(Error::invalid(
                "not_newer",
                format!("version {code} is not newer than the live one; roll back instead"),
            ));
        }
        let before = release.clone();
        release.live = Some(code);
        // Rules that sent users to it (or to older versions) have done their work.
        release.rules.retain(|r| r.version_code > code);
        self.save_release(&mut tx, app_id, &release).await?;
        self.record(
            &mut tx,
            Some(who),
            "version.promote",
            &format!("app/{app_id}/version/{code}"),
            &json!(before),
            &json!(release),
        )
        .await?;
        self.commit_delivery(tx).await?;
        Ok(release)
    }

    /// What a rollback to `code` may replace: every version published above it (live, gray
    /// or rolled back from before), so that no device keeps one, and nothing published after
    /// the rollback. `None` when nothing above it was published (no downgrade to sign).
    async fn rollback_range(
        &self,
        tx: &mut Tx,
        app_id: &str,
        code: u64,
    ) -> Result<Option<cove_package::RollbackRange>> {
        let highest = self
            .published_codes(tx, app_id)
            .await?
            .into_iter()
            .filter(|c| *c > code)
            .max();
        Ok(highest.map(|max| cove_package::RollbackRange { min: code + 1, max }))
    }

    /// The version codes that have signed packages.
    pub(super) async fn published_codes(
        &self,
        tx: &mut Tx,
        app_id: &str,
    ) -> Result<std::collections::BTreeSet<u64>> {
        let codes: Vec<i64> =
            sqlx::query_scalar("SELECT code FROM versions WHERE app_id = $1 AND signed <> ''")
                .bind(app_id)
                .fetch_all(&mut **tx)
                .await?;
        Ok(codes.into_iter().map(|c| c as u64).collect())
    }

    async fn hosts_of(&self, tx: &mut Tx, app_id: &str) -> Result<Vec<HostKey>> {
        Ok(sqlx::query_as(
            "SELECT h.id, h.sealing_key FROM host_apps ha JOIN hosts h ON h.id = ha.host_id WHERE ha.app_id = $1 ORDER BY h.id",
        )
        .bind(app_id)
        .fetch_all(&mut **tx)
        .await?)
    }

    /// Sign `v` with the platform key and store one delivery per host app that loads it.
    async fn sign_and_deliver(
        &self,
        tx: &mut Tx,
        app_id: &str,
        v: &VersionRow,
        rollback: Option<cove_package::RollbackRange>,
    ) -> Result<()> {
        let package = self
            .blobs
            .get(&v.package)
            .await?
            .ok_or_else(|| Error::NotFound(format!("package {}", v.package)))?;
        let hosts = self.hosts_of(tx, app_id).await?;
        let targets = hosts
            .iter()
            .map(|HostKey { id, sealing_key }| {
                Ok(HostTarget {
                    host_id: *id as u64,
                    sealing_key: sealing_key
                        .as_deref()
                        .map(cove_package::PublicKey::from_json)
                        .transpose()
                        .map_err(|e| {
                            Error::invalid("bad_sealing_key", format!("host app {id}: {e}"))
                        })?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let key = self.signing_key.clone();
        let prepared = tokio::task::spawn_blocking(move || {
            workflow::prepare(&package, &key, Channel::Release, rollback, &targets)
        })
        .await
        .map_err(|e| Error::invalid("internal", e.to_string()))??;
        let signed = self.blobs.put(prepared.signed).await?;
        sqlx::query("UPDATE versions SET signed = $1 WHERE app_id = $2 AND code = $3")
            .bind(&signed)
            .bind(app_id)
            .bind(v.code as i64)
            .execute(&mut **tx)
            .await?;
        for (host_id, bytes, _, sealed) in prepared.deliveries {
            self.store_delivery(
                tx,
                app_id,
                v.code,
                host_id,
                bytes,
                sealed,
                rollback.is_some(),
            )
            .await?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn store_delivery(
        &self,
        tx: &mut Tx,
        app_id: &str,
        code: u64,
        host_id: u64,
        bytes: Vec<u8>,
        sealed: bool,
        rollback: bool,
    ) -> Result<()> {
        let size = bytes.len() as i64;
        let blob = self.blobs.put(bytes).await?;
        sqlx::query(
            "INSERT INTO deliveries (app_id, code, host_id, blob, size, sealed, signed_by, rollback) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (app_id, code, host_id) DO UPDATE SET blob = excluded.blob, size = excluded.size, sealed = excluded.sealed,
               signed_by = excluded.signed_by, rollback = excluded.rollback",
        )
        .bind(app_id)
        .bind(code as i64)
        .bind(host_id as i64)
        .bind(&blob)
        .bind(size)
        .bind(sealed as i64)
        .bind(self.signing_key.id())
        .bind(rollback as i64)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Deliver every published version of `app_id` to a host that has just been allowed it.
    pub(super) async fn deliver_published(
        &self,
        tx: &mut Tx,
        app_id: &str,
        host_id: u64,
        sealing_key: Option<&str>,
    ) -> Result<()> {
        let rows: Vec<Signed> =
            sqlx::query_as("SELECT code, signed FROM versions WHERE app_id = $1 AND signed <> ''")
                .bind(app_id)
                .fetch_all(&mut **tx)
                .await?;
        let key = sealing_key
            .map(cove_package::PublicKey::from_json)
            .transpose()
            .map_err(|e| Error::invalid("bad_sealing_key", e.to_string()))?;
        for Signed {
            code,
            signed: signed_id,
        } in rows
        {
            let code = code as u64;
            let signed = self
                .blobs
                .get(&signed_id)
                .await?
                .ok_or_else(|| Error::NotFound(format!("package {signed_id}")))?;
            let rollback: Option<i64> = sqlx::query_scalar(
                "SELECT rollback FROM deliveries WHERE app_id = $1 AND code = $2 LIMIT 1",
            )
            .bind(app_id)
            .bind(code as i64)
            .fetch_optional(&mut **tx)
            .await?;
            let rollback = rollback.unwrap_or(0) != 0;
            let (bytes, sealed) = workflow::deliver(&signed, key.as_ref())?;
            self.store_delivery(tx, app_id, code, host_id, bytes, sealed, rollback)
                .await?;
        }
        Ok(())
    }
}

/// The version code a compiled package declares.
fn manifest_code(bytes: &[u8], limits: &cove_package::Limits) -> Result<u64> {
    let files = cove_package::zip::read(bytes, limits)?;
    files
        .get("manifest.json")
        .and_then(|b| serde_json::from_slice::<Value>(b).ok())
        .and_then(|m| m["version"]["code"].as_u64())
        .ok_or_else(|| {
            Error::invalid(
                "not_a_package",
                "the package's manifest.json has no version.code",
            )
        })
}
