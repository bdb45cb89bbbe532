//! What a reviewer works with: the review queue across mini-programs, paged and filtered
//! version lists, approval sign-offs, and what each caller may do — computed with
//! [`authz::decide`], the table the server enforces, so the console never offers a button
//! the server would refuse.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::apps::AppState;
use super::versions::{VersionRecord, VersionRow};
use super::{Actor, Error, Platform, Result, Tx, from_json};
use crate::authz::{self, Action, Decision, Principal, Target};
use crate::workflow::State;

/// The longest approval comment, in characters.
pub const MAX_COMMENT: usize = 2000;
/// The most rows one page of a version list or the queue holds.
pub const MAX_PAGE: u32 = 500;

/// A reviewer's approval as recorded: who, when, what they saw, what they said.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, JsonSchema)]
pub struct SignOff {
    pub user_id: u64,
    pub username: String,
    /// Unix seconds.
    pub at: i64,
    pub comment: String,
    /// SHA-256 of the review report the reviewer was shown.
    pub report_digest: String,
    /// The report's findings at that moment: `{"warn": n, "info": n, "codes": [...]}`.
    pub findings: Value,
}

/// Filters and paging of a version list (`?state=&uploader=&q=&limit=&offset=`).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct VersionFilter {
    /// `uploaded`, `in_review`, `approved`, `rejected` or `released`.
    #[serde(default)]
    pub state: Option<String>,
    /// A user name (exact) or user id.
    #[serde(default)]
    pub uploader: Option<String>,
    /// Text in the version's name, note or code (case-insensitive).
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
    #[serde(default)]
    pub offset: Option<u32>,
}

/// One page of a list, and how many rows match in all.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub limit: u32,
    pub offset: u32,
}

/// A version waiting for review, with its mini-program.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct QueueItem {
    pub app_id: String,
    pub app_name: String,
    pub org_name: String,
    #[serde(flatten)]
    pub version: VersionRow,
}

const STATES: [&str; 5] = ["uploaded", "in_review", "approved", "rejected", "released"];

fn state_name(s: &State) -> &'static str {
    match s {
        State::Uploaded => "uploaded",
        State::InReview => "in_review",
        State::Approved { .. } => "approved",
        State::Rejected { .. } => "rejected",
        State::Released { .. } => "released",
    }
}

impl VersionFilter {
    fn check(&self) -> Result<()> {
        if let Some(s) = self.state.as_deref().filter(|s| !s.is_empty())
            && !STATES.contains(&s)
        {
            return Err(Error::invalid(
                "bad_filter",
                format!("state {s:?}: use one of {}", STATES.join(", ")),
            ));
        }
        Ok(())
    }

    fn matches(&self, v: &VersionRow) -> bool {
        if let Some(s) = self.state.as_deref().filter(|s| !s.is_empty())
            && state_name(&v.state) != s
        {
            return false;
        }
        if let Some(u) = self
            .uploader
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            && v.uploaded_by_name.as_deref() != Some(u)
            && v.uploaded_by.to_string() != u
        {
            return false;
        }
        if let Some(q) = self.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let q = q.to_lowercase();
            let code = v.code.to_string();
            let hay = [
                v.name.as_str(),
                v.note.as_str(),
                code.as_str(),
                v.uploaded_by_name.as_deref().unwrap_or(""),
            ];
            if !hay.iter().any(|h| h.to_lowercase().contains(&q)) {
                return false;
            }
        }
        true
    }

    fn limit(&self) -> u32 {
        self.limit.unwrap_or(50).clamp(1, MAX_PAGE)
    }

    fn page<T>(&self, rows: Vec<T>) -> Page<T> {
        let total = rows.len() as u64;
        let (limit, offset) = (self.limit(), self.offset.unwrap_or(0));
        let items = rows
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect();
        Page {
            items,
            total,
            limit,
            offset,
        }
    }
}

/// What the caller's permissions depend on, of one mini-program.
pub(super) struct AppCtx {
    owner_org: u64,
    live: Option<u64>,
    taken_down: bool,
}

impl AppCtx {
    pub(super) fn of(app: &AppState) -> Result<AppCtx> {
        Ok(AppCtx {
            owner_org: app.owner_org(),
            live: app.release()?.live,
            taken_down: app.taken_down(),
        })
    }

    fn may(&self, who: &Principal, action: Action, uploader: Option<u64>) -> bool {
        let target = Target {
            owner_org: Some(self.owner_org),
            uploader,
        };
        authz::decide(who, action, &target) == Decision::Allow
    }

    /// The version with what `who` may do with it now, and its channel.
    pub(super) fn annotate(&self, who: &Principal, mut v: VersionRow) -> VersionRow {
        let mut out = vec![];
        if self.may(who, Action::View, None) {
            out.push("preview");
        }
        let by = Some(v.uploaded_by);
        match v.state {
            State::Uploaded if self.may(who, Action::Submit, by) => out.push("submit"),
            State::InReview if self.may(who, Action::Review, by) => {
                out.extend(["approve", "reject"])
            }
            State::Approved { .. } if self.may(who, Action::Publish, by) => {
                out.extend(["publish", "publish_gray"])
            }
            _ => {}
        }
        if v.published {
            // As Platform::promote and Platform::rollback decide.
            if self.live.is_none_or(|l| v.code > l) && self.may(who, Action::Publish, None) {
                out.push("promote");
            }
            if self.live.is_some_and(|l| v.code < l) && self.may(who, Action::Rollback, None) {
                out.push("rollback");
            }
            v.channel = Some(match self.live {
                Some(l) if l == v.code => "live",
                Some(l) if v.code < l => "previous",
                _ => "gray",
            });
        }
        v.allowed_actions = Some(out);
        v
    }

    /// What `who` may do with the mini-program itself.
    pub(super) fn app_actions(
        &self,
        who: &Principal,
        pending_proposer: Option<u64>,
    ) -> Vec<&'static str> {
        let mut out = vec![];
        for (action, name) in [
            (Action::EditApp, "edit"),
            (Action::Upload, "upload"),
            (Action::ProposeDomains, "propose_domains"),
            (Action::Publish, "edit_rules"),
            (Action::ViewStats, "view_stats"),
        ] {
            if self.may(who, action, None) {
                out.push(name);
            }
        }
        if let Some(p) = pending_proposer
            && self.may(who, Action::Review, Some(p))
        {
            out.push("review_domains");
        }
        if self.may(who, Action::Takedown, None) {
            out.push(if self.taken_down {
                "restore"
            } else {
                "takedown"
            });
        }
        out
    }
}

/// A stored sign-off.
#[derive(sqlx::FromRow)]
struct SignOffRecord {
    user_id: i64,
    username: String,
    at: i64,
    comment: String,
    report_digest: String,
    /// JSON.
    findings: String,
}

/// A version in review, with its mini-program.
#[derive(sqlx::FromRow)]
struct QueueRecord {
    #[sqlx(flatten)]
    version: VersionRecord,
    app_id: String,
    app_name: String,
    org_name: String,
    #[sqlx(flatten)]
    app: AppState,
}

/// What the caller may do outside any one mini-program (the console's menus).
pub fn capabilities(who: &Principal) -> Vec<&'static str> {
    let own = Target {
        owner_org: Some(who.org_id),
        uploader: None,
    };
    let platform = Target::default();
    let checks: [(Action, &Target, &'static str); 5] = [
        (Action::CreateApp, &own, "create_app"),
        (Action::Review, &own, "review"),
        (Action::ManageHosts, &platform, "manage_hosts"),
        (Action::ViewAudit, &platform, "view_audit"),
        (Action::ManageUsers, &own, "manage_users"),
    ];
    checks
        .into_iter()
        .filter(|(a, t, _)| authz::decide(who, *a, t) == Decision::Allow)
        .map(|(_, _, n)| n)
        .collect()
}

/// `{"warn": n, "info": n, "codes": [...]}` of a stored report.
fn findings_summary(report: Option<&Value>) -> Value {
    let findings = report
        .and_then(|r| r["findings"].as_array())
        .cloned()
        .unwrap_or_default();
    let count = |level: &str| findings.iter().filter(|f| f["level"] == level).count();
    let mut codes: Vec<&str> = findings.iter().filter_map(|f| f["code"].as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    json!({"warn": count("warn"), "info": count("info"), "codes": codes})
}

impl Platform {
    /// Record a sign-off of `v` (read with its report) inside `tx`.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn sign_off(
        &self,
        tx: &mut Tx,
        who: &Actor,
        app_id: &str,
        v: &VersionRow,
        step: &str,
        comment: &str,
        seen_digest: Option<&str>,
    ) -> Result<SignOff> {
        let digest = v.report_digest.clone().unwrap_or_default();
        if let Some(seen) = seen_digest.filter(|s| !s.is_empty())
            && seen != digest
        {
            return Err(Error::Conflict(format!(
                "the review report of version {} changed since it was opened (digest {seen}, now {digest}): read it again",
                v.code
            )));
        }
        let s = SignOff {
            user_id: who.principal.user_id,
            username: who.username.clone(),
            at: self.now(),
            comment: comment.to_string(),
            report_digest: digest,
            findings: findings_summary(v.report.as_ref()),
        };
        sqlx::query(
            "INSERT INTO signoffs (app_id, code, step, user_id, username, at, comment, report_digest, findings)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(app_id)
        .bind(v.code as i64)
        .bind(step)
        .bind(s.user_id as i64)
        .bind(&s.username)
        .bind(s.at)
        .bind(&s.comment)
        .bind(&s.report_digest)
        .bind(s.findings.to_string())
        .execute(&mut **tx)
        .await?;
        Ok(s)
    }

    /// The sign-off of one step of a version, if any.
    pub async fn signoff(&self, app_id: &str, code: u64, step: &str) -> Result<Option<SignOff>> {
        let row: Option<SignOffRecord> = sqlx::query_as(
            "SELECT user_id, username, at, comment, report_digest, findings FROM signoffs
             WHERE app_id = $1 AND code = $2 AND step = $3",
        )
        .bind(app_id)
        .bind(code as i64)
        .bind(step)
        .fetch_optional(&self.db.pool)
        .await?;
        row.map(|r| {
            Ok(SignOff {
                findings: from_json("findings", &r.findings)?,
                user_id: r.user_id as u64,
                username: r.username,
                at: r.at,
                comment: r.comment,
                report_digest: r.report_digest,
            })
        })
        .transpose()
    }

    /// One page of `app_id`'s versions, newest first, filtered.
    pub async fn version_page(
        &self,
        who: &Actor,
        app_id: &str,
        filter: &VersionFilter,
    ) -> Result<Page<VersionRow>> {
        filter.check()?;
        let all = self.versions(who, app_id).await?;
        Ok(filter.page(all.into_iter().filter(|v| filter.matches(v)).collect()))
    }

    /// Versions waiting for review in every mini-program the caller may review, the longest
    /// waiting first. Versions the caller uploaded are listed (someone else must approve
    /// them: their `allowed_actions` say so).
    pub async fn review_queue(
        &self,
        who: &Actor,
        filter: &VersionFilter,
    ) -> Result<Page<QueueItem>> {
        filter.check()?;
        let own = Target {
            owner_org: Some(who.principal.org_id),
            uploader: None,
        };
        if let Decision::Deny(why) = authz::decide(&who.principal, Action::Review, &own) {
            return Err(Error::Forbidden(why.to_string()));
        }
        let in_review = serde_json::to_string(&State::InReview).expect("serialises");
        let rows: Vec<QueueRecord> = sqlx::query_as(
            "SELECT v.code, v.name, v.note, v.state, v.kind, v.size, v.uploaded_by, v.uploaded_at,
                v.package, v.signed, v.warnings, v.submitted_at,
                (SELECT username FROM users WHERE users.id = v.uploaded_by) AS uploaded_by_name,
                a.app_id, a.name AS app_name, a.org_id, a.release, a.taken_down, o.name AS org_name
             FROM versions v JOIN apps a ON a.app_id = v.app_id JOIN orgs o ON o.id = a.org_id
             WHERE v.state = $1
             ORDER BY COALESCE(v.submitted_at, v.uploaded_at), v.uploaded_at, a.app_id, v.code",
        )
        .bind(in_review)
        .fetch_all(&self.db.pool)
        .await?;
        let mut out = vec![];
        for r in rows {
            let app = AppCtx::of(&r.app)?;
            if !app.may(&who.principal, Action::Review, None) {
                continue;
            }
            let v = app.annotate(&who.principal, r.version.into_row()?);
            if !filter.matches(&v) {
                continue;
            }
            out.push(QueueItem {
                app_id: r.app_id,
                app_name: r.app_name,
                org_name: r.org_name,
                version: v,
            });
        }
        Ok(filter.page(out))
    }
}
