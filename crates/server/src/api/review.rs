//! The review queue and what the caller may do (the console's menus).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use schemars::JsonSchema;
use serde::Serialize;

use super::bodies::Capabilities;
use super::routes::{Answer, Op, Routes, get, of};
use super::{ApiResult, Authed};
use crate::platform::Platform;
use crate::platform::review::{Page, QueueItem, VersionFilter, capabilities};

pub fn routes() -> Routes<Platform> {
    Routes::default()
        .route(
            get(
                "/api/v1/review-queue",
                "versions",
                "Versions in review across the mini-programs the caller may review, oldest submission first; query uploader, q, limit, offset; X-Total-Count header",
            ),
            queue,
        )
        .route(
            get(
                "/api/v1/capabilities",
                "accounts",
                "What the caller may do outside one mini-program: {actions: [create_app, review, manage_hosts, view_audit, manage_users]}",
            ),
            caps,
        )
}

/// A page as the API answers it: the rows as a JSON array, the paging in headers
/// (`X-Total-Count`, `X-Limit`, `X-Offset`), as for every paged list.
pub struct Paged<T>(pub Page<T>);

impl<T: Serialize> IntoResponse for Paged<T> {
    fn into_response(self) -> Response {
        let page = self.0;
        let mut res = Json(page.items).into_response();
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
}

impl<T: JsonSchema + Serialize> Answer for Paged<T> {
    fn describe(op: &mut Op) {
        op.answer = (of::<Vec<T>>, super::routes::JSON);
    }
}

/// `GET /api/v1/review-queue?limit=&offset=&uploader=&q=`: versions in review, oldest
/// submission first, across the mini-programs the caller may review.
async fn queue(
    State(p): State<Platform>,
    Authed(who): Authed,
    Query(f): Query<VersionFilter>,
) -> ApiResult<Paged<QueueItem>> {
    Ok(Paged(p.review_queue(&who, &f).await?))
}

/// `GET /api/v1/capabilities`: `{"actions": ["create_app", "review", ...]}`.
async fn caps(Authed(who): Authed) -> ApiResult<Json<Capabilities>> {
    Ok(Json(Capabilities {
        actions: capabilities(&who.principal),
    }))
}
