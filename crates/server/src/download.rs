//! The SDK's package download: `GET /packages/{id}` serves blob `id` (its SHA-256) with HTTP
//! range requests, an ETag that is the id itself, and `Cache-Control: immutable`, since the
//! bytes behind an id can never change. A CDN in front caches it; a phone resumes a broken
//! download with `Range`.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tower::ServiceExt as _;
use tower_http::services::ServeFile;

use crate::blobs::LocalBlobs;

/// The routes, for merging into the API router.
pub fn router(blobs: LocalBlobs) -> Router {
    Router::new()
        .route("/packages/{id}", get(package))
        .with_state(blobs)
}

fn not_found(id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"code": "not_found", "message": format!("no package {id}")})),
    )
        .into_response()
}

async fn package(
    State(blobs): State<LocalBlobs>,
    Path(id): Path<String>,
    req: Request,
) -> Response {
    let Ok(path) = blobs.path(&id) else {
        return not_found(&id);
    };
    if !path.is_file() {
        return not_found(&id);
    }
    let etag = format!("\"{id}\"");
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut res = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match ServeFile::new(&path).oneshot(req).await {
            Ok(r) => r.map(Body::new),
            Err(e) => match e {},
        }
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}
