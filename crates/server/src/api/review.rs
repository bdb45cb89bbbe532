//! The review queue and what the caller may do (the console's menus).

use axum::extract::{Query, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Value, json};

use super::{ApiResult, Authed};
use crate::platform::Platform;
use crate::platform::review::{Page, VersionFilter, capabilities};

pub fn routes() -> Router<Platform> {
    Router::new()
        .route("/api/v1/review-queue", get(queue))
        .route("/api/v1/capabilities", get(caps))
}

/// A page as the API answers it: the rows as a JSON array, the paging in headers
/// (`X-Total-Count`, `X-Limit`, `X-Offset`), as for every paged list.
pub(super) fn paged<T: Serialize>(page: Page<T>) -> Response {
    let mut res = Json(json!(page.items)).into_response();
    let h = res.headers_mut();
    for (name, v) in [
        ("x-total-count", page.total),
        ("x-limit", page.limit as u64),
        ("x-offset", page.offset as u64),
    ] {
        h.insert(name, HeaderValue::from(v));
    }
    res
}

/// `GET /api/v1/review-queue?limit=&offset=&uploader=&q=`: versions in review, oldest
/// submission first, across the mini-programs the caller may review.
async fn queue(
    State(p): State<Platform>,
    Authed(who): Authed,
    Query(f): Query<VersionFilter>,
) -> ApiResult<Response> {
    Ok(paged(p.review_queue(&who, &f).await?))
}

/// `GET /api/v1/capabilities`: `{"actions": ["create_app", "review", ...]}`.
async fn caps(Authed(who): Authed) -> ApiResult<Json<Value>> {
    Ok(Json(json!({"actions": capabilities(&who.principal)})))
}
