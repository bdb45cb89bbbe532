//! Mini-programs, their versions, whitelists and releases.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiResult, Authed};
use crate::gray::{Context, HostVersion, Rule};
use crate::platform::apps::NewApp;
use crate::platform::review::VersionFilter;
use crate::platform::{Error, Platform, Upload};
use crate::report::Domains;
use crate::workflow::Step;

pub fn routes(max_upload: usize) -> Router<Platform> {
    Router::new()
        .route("/api/v1/apps", get(list).post(create))
        .route("/api/v1/apps/{app_id}", get(detail))
        .route("/api/v1/apps/{app_id}/domains", put(propose_domains))
        .route(
            "/api/v1/apps/{app_id}/domains/{verdict}",
            post(review_domains),
        )
        .route(
            "/api/v1/apps/{app_id}/versions",
            get(versions)
                .post(upload)
                .layer(DefaultBodyLimit::max(max_upload.saturating_add(1))),
        )
        .route("/api/v1/apps/{app_id}/versions/{code}", get(version))
        .route("/api/v1/apps/{app_id}/versions/{code}/{step}", post(step))
        .route("/api/v1/apps/{app_id}/rollback", post(rollback))
        .route("/api/v1/apps/{app_id}/promote", post(promote))
        .route("/api/v1/apps/{app_id}/takedown", post(takedown))
        .route("/api/v1/apps/{app_id}/restore", post(restore))
        .route("/api/v1/apps/{app_id}/release", put(set_release))
        .route("/api/v1/apps/{app_id}/explain", get(explain))
        .route("/api/v1/apps/{app_id}/stats", get(stats))
}

async fn list(State(p): State<Platform>, Authed(who): Authed) -> ApiResult<Json<Value>> {
    Ok(Json(json!(p.apps(&who).await?)))
}

async fn create(
    State(p): State<Platform>,
    Authed(who): Authed,
    Json(body): Json<NewApp>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(p.create_app(Some(&who), &body).await?)))
}

async fn detail(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(p.app(&who, &app_id).await?)))
}

#[derive(Deserialize, JsonSchema)]
pub(super) struct DomainsBody {
    domains: Domains,
}

async fn propose_domains(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
    Json(body): Json<DomainsBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        p.propose_domains(&who, &app_id, &body.domains).await?
    )))
}

#[derive(Deserialize, Default, JsonSchema)]
pub(super) struct Reason {
    #[serde(default)]
    reason: String,
    /// An approval's comment (required).
    #[serde(default)]
    comment: String,
    /// The digest of the report the reviewer read (`report_digest` of the version).
    #[serde(default)]
    report_digest: Option<String>,
}

/// An optional JSON body (`{}` or nothing).
fn reason(body: &Bytes) -> ApiResult<Reason> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Reason::default());
    }
    serde_json::from_slice(body).map_err(|e| Error::invalid("bad_request", e.to_string()).into())
}

async fn review_domains(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path((app_id, verdict)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let approve = match verdict.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(Error::NotFound(format!("no domain review step {verdict:?}")).into()),
    };
    let r = reason(&body)?;
    Ok(Json(
        json!({"domains": p.review_domains(&who, &app_id, approve, &r.reason).await?}),
    ))
}

/// `GET /api/v1/apps/{app_id}/versions?state=&uploader=&q=&limit=&offset=`: newest first,
/// paged as [`super::review::paged`] says.
async fn versions(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
    Query(f): Query<VersionFilter>,
) -> ApiResult<Response> {
    Ok(super::review::paged(
        p.version_page(&who, &app_id, &f).await?,
    ))
}

/// `POST /api/v1/apps/{app_id}/versions?kind=source|package&version_code=&version_name=&note=`
/// with the ZIP as the body.
async fn upload(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
    Query(up): Query<Upload>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let limit = p.settings.upload.max_upload;
    if body.len() as u64 > limit {
        return Err(crate::upload::UploadError::TooLarge {
            size: body.len() as u64,
            limit,
        }
        .into());
    }
    Ok(Json(json!(
        p.upload(&who, &app_id, body.to_vec(), &up).await?
    )))
}

async fn version(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path((app_id, code)): Path<(String, u64)>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(p.version(&who, &app_id, code).await?)))
}

async fn step(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path((app_id, code, step)): Path<(String, u64, String)>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let r = reason(&body)?;
    if step == "preview" {
        return Ok(Json(json!({"url": p.preview(&who, &app_id, code).await?})));
    }
    let v = match step.as_str() {
        "submit" => p.step(&who, &app_id, code, Step::Submit).await?,
        "approve" => {
            p.approve(&who, &app_id, code, &r.comment, r.report_digest.as_deref())
                .await?
        }
        "reject" => {
            p.step(&who, &app_id, code, Step::Reject { reason: r.reason })
                .await?
        }
        "publish" => p.publish(&who, &app_id, code, false).await?,
        "publish-gray" => p.publish(&who, &app_id, code, true).await?,
        _ => return Err(Error::NotFound(format!("no version step {step:?}")).into()),
    };
    Ok(Json(json!(v)))
}

#[derive(Deserialize, JsonSchema)]
pub(super) struct RollbackBody {
    version_code: u64,
}

async fn rollback(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
    Json(body): Json<RollbackBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({"release": p.rollback(&who, &app_id, body.version_code).await?}),
    ))
}

async fn promote(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
    Json(body): Json<RollbackBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({"release": p.promote(&who, &app_id, body.version_code).await?}),
    ))
}

async fn takedown(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    p.takedown(&who, &app_id, &reason(&body)?.reason).await?;
    Ok(Json(json!({"ok": true})))
}

async fn restore(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
) -> ApiResult<Json<Value>> {
    p.restore(&who, &app_id).await?;
    Ok(Json(json!({"ok": true})))
}

#[derive(Deserialize, JsonSchema)]
pub(super) struct RulesBody {
    rules: Vec<Rule>,
}

async fn set_release(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
    Json(body): Json<RulesBody>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({"release": p.set_rules(&who, &app_id, body.rules).await?}),
    ))
}

#[derive(Deserialize, JsonSchema)]
pub(super) struct ExplainQuery {
    user_id: String,
    /// A host app's id: answer as that host's SDK would be answered.
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    host_version: Option<String>,
    /// `ios`, `android`, `harmony`, `windows`...
    #[serde(default)]
    platform: String,
    /// The user's tags, comma-separated.
    #[serde(default)]
    tags: String,
    /// Unix seconds; now by default (to ask about a time window ahead).
    #[serde(default)]
    at: Option<i64>,
}

async fn explain(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
    Query(q): Query<ExplainQuery>,
) -> ApiResult<Json<Value>> {
    let host_version = q
        .host_version
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(HostVersion::parse)
        .transpose()
        .map_err(|e| Error::invalid("bad_request", e))?;
    let tags: Vec<String> = q
        .tags
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect();
    let ctx = Context {
        user_id: &q.user_id,
        host_version: host_version.as_ref(),
        platform: &q.platform,
        tags: &tags,
        now: q.at.unwrap_or_else(|| p.now()),
    };
    // The console's "(any host app)" sends an empty value.
    let host = match q.host.as_deref().map(str::trim).filter(|h| !h.is_empty()) {
        Some(h) => Some(h.parse::<u64>().map_err(|_| {
            Error::invalid("bad_request", format!("host {h:?} is not a host app id"))
        })?),
        None => None,
    };
    Ok(Json(json!(p.explain(&who, &app_id, host, &ctx).await?)))
}

#[derive(Deserialize, JsonSchema)]
pub(super) struct StatsQuery {
    #[serde(default = "fourteen")]
    days: i64,
}

fn fourteen() -> i64 {
    14
}

async fn stats(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(p.stats(&who, &app_id, q.days).await?)))
}
