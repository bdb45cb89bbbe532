//! Mini-programs, their versions, whitelists and releases.

use axum::Json;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use schemars::JsonSchema;
use serde::Deserialize;

use super::bodies::{DomainsReviewed, Done, ExplainBody, Preview, ReleaseBody, StepBody};
use super::review::Paged;
use super::routes::{OptionalJson, Routes, ZipBody, get, post, put};
use super::{ApiResult, Authed};
use crate::gray::{Context, HostVersion, Rule};
use crate::platform::apps::NewApp;
use crate::platform::review::VersionFilter;
use crate::platform::{AppDetail, AppSummary, DomainChange, Error, Platform, Upload, VersionRow};
use crate::report::Domains;
use crate::stats::Summary;
use crate::workflow::Step;

pub fn routes(max_upload: usize) -> Routes<Platform> {
    Routes::default()
        .route(
            get("/api/v1/apps", "apps", "Mini-programs visible to the caller"),
            list,
        )
        .route(post("/api/v1/apps", "apps", "Create a mini-program"), create)
        .route(
            get(
                "/api/v1/apps/{app_id}",
                "apps",
                "A mini-program: whitelists, pending whitelist change, release",
            ),
            detail,
        )
        .route(
            put(
                "/api/v1/apps/{app_id}/domains",
                "apps",
                "Propose whitelists (reviewed before they apply)",
            ),
            propose_domains,
        )
        .route(
            post(
                "/api/v1/apps/{app_id}/domains/{verdict}",
                "apps",
                "Approve or reject (with a reason) the pending whitelist change; verdict is approve or reject",
            ),
            review_domains,
        )
        .route(
            get(
                "/api/v1/apps/{app_id}/versions",
                "versions",
                "Versions, newest first",
            ),
            versions,
        )
        .route_with(
            post(
                "/api/v1/apps/{app_id}/versions",
                "versions",
                "Upload a version: the body is a ZIP; query kind=source|package, version_code, version_name, note",
            )
            .body_note("the project's source, or a package from cove build"),
            upload,
            |r| r.layer(DefaultBodyLimit::max(max_upload.saturating_add(1))),
        )
        .route(
            get(
                "/api/v1/apps/{app_id}/versions/{code}",
                "versions",
                "A version with its review report and compiler warnings",
            ),
            version,
        )
        .route(
            post(
                "/api/v1/apps/{app_id}/versions/{code}/{step}",
                "versions",
                "Take a step: submit, approve, reject (with a reason), publish, publish-gray; or preview, which opens the version in the simulator and answers {url}",
            )
            .body_note("{reason} (reject only), {comment, report_digest} (approve)"),
            step,
        )
        .route(
            post(
                "/api/v1/apps/{app_id}/rollback",
                "release",
                "Make an earlier published version live, re-signed as a rollback",
            ),
            rollback,
        )
        .route(
            post(
                "/api/v1/apps/{app_id}/promote",
                "release",
                "Make a version published as gray live for everyone",
            ),
            promote,
        )
        .route(
            post(
                "/api/v1/apps/{app_id}/takedown",
                "release",
                "Stop delivery at once",
            ),
            takedown,
        )
        .route(
            post("/api/v1/apps/{app_id}/restore", "release", "Undo a takedown"),
            restore,
        )
        .route(
            put(
                "/api/v1/apps/{app_id}/release",
                "release",
                "Replace the gray rules (evaluated in order)",
            ),
            set_release,
        )
        .route(
            get(
                "/api/v1/apps/{app_id}/explain",
                "release",
                "Which version a user gets and why; query user_id, host_version, platform, tags, at",
            ),
            explain,
        )
        .route(
            get(
                "/api/v1/apps/{app_id}/stats",
                "statistics",
                "Launches, users, errors and failing APIs per day and version; query days",
            ),
            stats,
        )
}

async fn list(State(p): State<Platform>, Authed(who): Authed) -> ApiResult<Json<Vec<AppSummary>>> {
    Ok(Json(p.apps(&who).await?))
}

async fn create(
    State(p): State<Platform>,
    Authed(who): Authed,
    Json(body): Json<NewApp>,
) -> ApiResult<Json<AppSummary>> {
    Ok(Json(p.create_app(Some(&who), &body).await?))
}

async fn detail(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
) -> ApiResult<Json<AppDetail>> {
    Ok(Json(p.app(&who, &app_id).await?))
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
) -> ApiResult<Json<DomainChange>> {
    Ok(Json(p.propose_domains(&who, &app_id, &body.domains).await?))
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

async fn review_domains(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path((app_id, verdict)): Path<(String, String)>,
    OptionalJson(r): OptionalJson<Reason>,
) -> ApiResult<Json<DomainsReviewed>> {
    let approve = match verdict.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(Error::NotFound(format!("no domain review step {verdict:?}")).into()),
    };
    let domains = p.review_domains(&who, &app_id, approve, &r.reason).await?;
    Ok(Json(DomainsReviewed { domains }))
}

/// `GET /api/v1/apps/{app_id}/versions?state=&uploader=&q=&limit=&offset=`: newest first,
/// paged as [`super::review::paged`] says.
async fn versions(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
    Query(f): Query<VersionFilter>,
) -> ApiResult<Paged<VersionRow>> {
    Ok(Paged(p.version_page(&who, &app_id, &f).await?))
}

/// `POST /api/v1/apps/{app_id}/versions?kind=source|package&version_code=&version_name=&note=`
/// with the ZIP as the body.
async fn upload(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
    Query(up): Query<Upload>,
    ZipBody(body): ZipBody,
) -> ApiResult<Json<VersionRow>> {
    let limit = p.settings.upload.max_upload;
    if body.len() as u64 > limit {
        return Err(crate::upload::UploadError::TooLarge {
            size: body.len() as u64,
            limit,
        }
        .into());
    }
    Ok(Json(p.upload(&who, &app_id, body.to_vec(), &up).await?))
}

async fn version(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path((app_id, code)): Path<(String, u64)>,
) -> ApiResult<Json<VersionRow>> {
    Ok(Json(p.version(&who, &app_id, code).await?))
}

async fn step(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path((app_id, code, step)): Path<(String, u64, String)>,
    OptionalJson(r): OptionalJson<Reason>,
) -> ApiResult<Json<StepBody>> {
    if step == "preview" {
        let url = p.preview(&who, &app_id, code).await?;
        return Ok(Json(StepBody::Preview(Preview { url })));
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
    Ok(Json(StepBody::Version(Box::new(v))))
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
) -> ApiResult<Json<ReleaseBody>> {
    let release = p.rollback(&who, &app_id, body.version_code).await?;
    Ok(Json(ReleaseBody { release }))
}

async fn promote(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
    Json(body): Json<RollbackBody>,
) -> ApiResult<Json<ReleaseBody>> {
    let release = p.promote(&who, &app_id, body.version_code).await?;
    Ok(Json(ReleaseBody { release }))
}

async fn takedown(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
    OptionalJson(r): OptionalJson<Reason>,
) -> ApiResult<Json<Done>> {
    p.takedown(&who, &app_id, &r.reason).await?;
    Ok(Json(Done::OK))
}

async fn restore(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(app_id): Path<String>,
) -> ApiResult<Json<Done>> {
    p.restore(&who, &app_id).await?;
    Ok(Json(Done::OK))
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
) -> ApiResult<Json<ReleaseBody>> {
    let release = p.set_rules(&who, &app_id, body.rules).await?;
    Ok(Json(ReleaseBody { release }))
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
) -> ApiResult<Json<ExplainBody>> {
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
    Ok(Json(p.explain(&who, &app_id, host, &ctx).await?.into()))
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
) -> ApiResult<Json<Summary>> {
    Ok(Json(p.stats(&who, &app_id, q.days).await?))
}
