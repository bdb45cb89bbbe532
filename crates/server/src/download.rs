//! The SDK's package download: `GET /packages/{id}` serves blob `id` (its SHA-256) with HTTP
//! range requests, an ETag that is the id itself, and `Cache-Control: immutable`, since the
//! bytes behind an id can never change. A CDN in front caches it; a phone resumes a broken
//! download with `Range`.
//!
//! One handler serves both stores: the blob is streamed, and a range request reads only that
//! range (from S3, a ranged GET), never the whole blob.

use std::ops::RangeInclusive;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::blobs::{BlobError, BlobRead, Blobs, valid_id};

/// The routes, for merging into the API router.
pub fn router(blobs: Blobs) -> Router {
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

fn store_failed(blobs: &Blobs, id: &str, e: BlobError) -> Response {
    tracing::error!(store = %blobs.describe(), %id, error = %e, "package download failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(json!({"code": "internal", "message": "the package store failed"})),
    )
        .into_response()
}

/// What the request asks for, once the blob's size is known.
enum Want {
    NotModified,
    Whole,
    Range(RangeInclusive<u64>),
    Unsatisfiable,
}

fn header_str<'a>(headers: &'a HeaderMap, name: &header::HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn want(headers: &HeaderMap, etag: &str, size: Option<u64>) -> Want {
    let not_modified = header_str(headers, &header::IF_NONE_MATCH)
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if not_modified {
        return Want::NotModified;
    }
    let Some(range) = header_str(headers, &header::RANGE) else {
        return Want::Whole;
    };
    // A range of some other representation (If-Range) gets the whole of this one. Our ETag
    // is strong and is the only validator we send, so anything else does not match.
    if header_str(headers, &header::IF_RANGE).is_some_and(|v| v.trim() != etag) {
        return Want::Whole;
    }
    let Some(size) = size else {
        return Want::Whole;
    };
    let ranges = http_range_header::parse_range_header(range).and_then(|r| r.validate(size));
    match ranges.as_deref() {
        // Multipart ranges are not served (a resumed download asks for one).
        Ok([r]) if size > 0 && *r.end() < size => Want::Range(r.clone()),
        _ => Want::Unsatisfiable,
    }
}

fn needs_size(headers: &HeaderMap, method: &Method) -> bool {
    method == Method::HEAD
        || headers.contains_key(header::IF_NONE_MATCH)
        || headers.contains_key(header::RANGE)
}

async fn package(
    State(blobs): State<Blobs>,
    Path(id): Path<String>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    if !valid_id(&id) {
        return not_found(&id);
    }
    let etag = format!("\"{id}\"");
    // A plain GET goes straight to one read; otherwise the size decides first.
    let size = if needs_size(&headers, &method) {
        match blobs.size(&id).await {
            Ok(Some(size)) => Some(size),
            Ok(None) => return not_found(&id),
            Err(e) => return store_failed(&blobs, &id, e),
        }
    } else {
        None
    };
    let mut res = match want(&headers, &etag, size) {
        Want::NotModified => StatusCode::NOT_MODIFIED.into_response(),
        Want::Unsatisfiable => {
            let size = size.unwrap_or(0);
            let mut res = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                res.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            res
        }
        want @ (Want::Whole | Want::Range(_)) => {
            let range = match want {
                Want::Range(r) => Some(r),
                _ => None,
            };
            let read = if method == Method::HEAD {
                // No body: the size is all a HEAD needs.
                let size = size.unwrap_or(0);
                let len = range.as_ref().map_or(size, |r| r.end() - r.start() + 1);
                BlobRead {
                    size,
                    len,
                    body: Box::pin(futures_util::stream::empty()),
                }
            } else {
                match blobs.read(&id, range.clone()).await {
                    Ok(Some(read)) => read,
                    Ok(None) => return not_found(&id),
                    Err(e) => return store_failed(&blobs, &id, e),
                }
            };
            let mut res = Response::new(Body::from_stream(read.body));
            let h = res.headers_mut();
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(read.len));
            if let Some(r) = range {
                *res.status_mut() = StatusCode::PARTIAL_CONTENT;
                let v = format!("bytes {}-{}/{}", r.start(), r.end(), read.size);
                if let Ok(v) = HeaderValue::from_str(&v) {
                    res.headers_mut().insert(header::CONTENT_RANGE, v);
                }
            }
            res
        }
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
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
