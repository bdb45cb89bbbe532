//! The audit log: filtered (`actor`, `action`, `from`, `to`), paged, as JSON or as a CSV
//! export (`format=csv`), and the chain check.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::Deserialize;

use super::bodies::AuditVerify;
use super::routes::{Answer, JSON, Op, Routes, get, of};
use super::{ApiResult, Authed};
use crate::audit::Entry;
use crate::platform::audit_query::{AuditFilter, MAX_AUDIT_ROWS};
use crate::platform::{Error, Platform};

pub fn routes() -> Routes<Platform> {
    Routes::default()
        .route(
            get(
                "/api/v1/audit",
                "audit",
                "The newest audit entries; query limit",
            ),
            audit,
        )
        .route(
            get(
                "/api/v1/audit/verify",
                "audit",
                "Verify the audit log's hash chain",
            ),
            audit_verify,
        )
}

/// Read apart from [`AuditFilter`]: `serde(flatten)` would hand the query's numbers over as
/// strings.
#[derive(Deserialize, JsonSchema)]
struct Format {
    /// `json` (default) or `csv`.
    #[serde(default)]
    format: Option<String>,
}

/// The JSON list is newest first, `limit` rows (100 by default) with the total matching in
/// `X-Total-Count`; the CSV export holds every matching row up to [`MAX_AUDIT_ROWS`].
async fn audit(
    State(p): State<Platform>,
    Authed(who): Authed,
    Query(filter): Query<AuditFilter>,
    Query(q): Query<Format>,
) -> ApiResult<AuditAnswer> {
    let csv = match q.format.as_deref().unwrap_or("json") {
        "json" => false,
        "csv" => true,
        other => {
            return Err(
                Error::invalid("bad_format", format!("format {other:?}: use json or csv")).into(),
            );
        }
    };
    let default_limit = if csv { MAX_AUDIT_ROWS } else { 100 };
    let (entries, total) = p.audit_query(&who, &filter, default_limit).await?;
    Ok(AuditAnswer {
        entries,
        total,
        csv,
    })
}

/// The entries as JSON (what the document describes) or as the CSV export, with the total
/// matching in `X-Total-Count`.
struct AuditAnswer {
    entries: Vec<Entry>,
    total: u64,
    csv: bool,
}

impl IntoResponse for AuditAnswer {
    fn into_response(self) -> Response {
        let mut res = if self.csv {
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"cove-audit.csv\"",
                    ),
                ],
                to_csv(&self.entries),
            )
                .into_response()
        } else {
            Json(self.entries).into_response()
        };
        res.headers_mut()
            .insert("x-total-count", HeaderValue::from(self.total));
        res
    }
}

impl Answer for AuditAnswer {
    fn describe(op: &mut Op) {
        op.answer = (of::<Vec<Entry>>, JSON);
    }
}

async fn audit_verify(
    State(p): State<Platform>,
    Authed(who): Authed,
) -> ApiResult<Json<AuditVerify>> {
    Ok(Json(match p.audit_verify(&who).await? {
        Ok(v) => AuditVerify::Whole {
            ok: true,
            rows: v.entries,
            anchors: v.anchors as u64,
            anchored_to: v.latest.as_ref().map(|a| a.seq),
            summary: v.to_string(),
        },
        Err(b) => AuditVerify::Broken {
            ok: false,
            broken: b.to_string(),
        },
    }))
}

/// One CSV cell (RFC 4180). A cell a spreadsheet would take for a formula (it starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, so opening an export
/// never runs what an actor typed into a name, reason or comment.
pub fn csv_cell(s: &str) -> String {
    let guarded;
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        guarded = format!("'{s}");
        guarded.as_str()
    } else {
        s
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// UTC, so that an export means the same wherever it is opened.
fn utc(secs: i64) -> String {
    let day = secs.div_euclid(86_400);
    let t = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        crate::stats::date(day),
        t / 3600,
        t % 3600 / 60,
        t % 60
    )
}

/// The export: a header row, then one row per entry, CRLF-terminated.
pub fn to_csv(entries: &[Entry]) -> String {
    let mut out = String::from("seq,time_utc,actor,org,action,target,before,after,hash\r\n");
    for e in entries {
        let cells = [
            e.seq.to_string(),
            utc(e.at),
            e.actor.clone(),
            e.org.clone(),
            e.action.clone(),
            e.target.clone(),
            e.before.clone(),
            e.after.clone(),
            e.hash.clone(),
        ];
        let row: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tx"), "'\tx");
        assert_eq!(csv_cell("a=b"), "a=b");
        assert_eq!(csv_cell("审核通过"), "审核通过");
        assert_eq!(utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc(1_800_000_000), "2027-01-15T08:00:00Z");
    }
}
