//! The audit log as an auditor reads it: filtered by actor, action and time, in the
//! database (the log grows without bound), newest first.

use schemars::JsonSchema;
use serde::Deserialize;

use super::{Actor, Platform, Result};
use crate::audit::Entry;
use crate::audit::store::{ENTRY_COLUMNS, EntryRecord};
use crate::authz::{Action, Target};

/// `GET /api/v1/audit?actor=&action=&from=&to=&limit=&offset=`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
pub struct AuditFilter {
    /// The actor's user name, exactly.
    #[serde(default)]
    pub actor: Option<String>,
    /// An action (`version.approve`), or a prefix ending in `.` (`version.`).
    #[serde(default)]
    pub action: Option<String>,
    /// Unix seconds, inclusive.
    #[serde(default)]
    pub from: Option<i64>,
    /// Unix seconds, exclusive.
    #[serde(default)]
    pub to: Option<i64>,
    #[serde(default)]
    pub limit: Option<u32>,
    #[serde(default)]
    pub offset: Option<u32>,
}

/// The most rows one request returns (a CSV export included).
pub const MAX_AUDIT_ROWS: u32 = 100_000;

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Platform {
    /// The entries matching `f`, newest first, and how many match in all.
    pub async fn audit_query(
        &self,
        who: &Actor,
        f: &AuditFilter,
        default_limit: u32,
    ) -> Result<(Vec<Entry>, u64)> {
        self.allow(who, Action::ViewAudit, &Target::default(), "audit log")?;
        let mut conds: Vec<String> = vec![];
        let mut texts: Vec<String> = vec![];
        let mut times: Vec<i64> = vec![];
        // Text parameters first ($1..), then times, so the numbering is known up front.
        if let Some(actor) = non_empty(&f.actor) {
            texts.push(actor.to_string());
            conds.push(format!("actor = ${}", texts.len()));
        }
        if let Some(action) = non_empty(&f.action) {
            if let Some(prefix) = action.strip_suffix('.') {
                // A prefix compared as a range: no LIKE, so `_` and `%` in it mean themselves.
                texts.push(format!("{prefix}."));
                conds.push(format!(
                    "substr(action, 1, {}) = ${}",
                    prefix.chars().count() + 1,
                    texts.len()
                ));
            } else {
                texts.push(action.to_string());
                conds.push(format!("action = ${}", texts.len()));
            }
        }
        let n = texts.len();
        if let Some(from) = f.from {
            times.push(from);
            conds.push(format!("at >= ${}", n + times.len()));
        }
        if let Some(to) = f.to {
            times.push(to);
            conds.push(format!("at < ${}", n + times.len()));
        }
        let filter = if conds.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", conds.join(" AND "))
        };
        let count_sql = format!("SELECT COUNT(*) AS total FROM audit_log {filter}");
        let mut count = sqlx::query_scalar::<_, i64>(&count_sql);
        for t in &texts {
            count = count.bind(t);
        }
        for t in &times {
            count = count.bind(*t);
        }
        let total = count.fetch_one(&self.db.pool).await? as u64;

        let limit = f.limit.unwrap_or(default_limit).clamp(1, MAX_AUDIT_ROWS);
        let offset = f.offset.unwrap_or(0);
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_log {filter}
             ORDER BY seq DESC LIMIT {limit} OFFSET {offset}"
        );
        let mut q = sqlx::query_as::<_, EntryRecord>(&sql);
        for t in &texts {
            q = q.bind(t);
        }
        for t in &times {
            q = q.bind(*t);
        }
        let rows = q.fetch_all(&self.db.pool).await?;
        Ok((rows.into_iter().map(Entry::from).collect(), total))
    }
}
