//! The SDK's package download: `GET /packages/{id}?host=…&expires=…&sig=…` serves blob `id`
//! (its SHA-256) with HTTP range requests, an ETag that is the id itself, and
//! `Cache-Control: immutable` until the ticket expires, since the bytes behind an id can
//! never change. A CDN in front caches it; a phone resumes a broken download with `Range`.
//!
//! Only packages delivered to a host app are served (what a resolve can name; never an
//! upload, nor a package signed but not yet sealed for its hosts), and only with the ticket
//! resolve put in the URL: HMAC-SHA256 under a key every node shares, over the blob id, the
//! host app and the expiry, checked in constant time. The expiry is rounded to the hour, so
//! every device of one host app gets the same URL for an hour and a CDN keyed on the whole
//! URL still serves them from its cache.
//!
//! One handler serves both stores: the blob is streamed, and a range request reads only that
//! range (from S3, a ranged GET), never the whole blob.

use std::ops::RangeInclusive;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use hmac::{KeyInit as _, Mac as _};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::api::bodies::ErrorBody;
use crate::api::routes::{self, PackageBytes, Routes};

use crate::blobs::{BlobError, BlobRead, Blobs, valid_id};
use crate::sdk::Catalog;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// How long a ticket lasts at least; it lasts up to twice that (the expiry is rounded up to
/// a multiple of it, so that URLs are shared).
pub const TICKET_PERIOD: i64 = 3600;

/// Mints and checks download tickets.
#[derive(Clone)]
pub struct Tickets {
    key: Arc<Vec<u8>>,
}

/// Why a ticket was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketError {
    Missing,
    BadSignature,
    Expired,
}

impl Tickets {
    /// Tickets under `key` (every node of a cluster must share it).
    pub fn new(key: Vec<u8>) -> Self {
        Tickets { key: Arc::new(key) }
    }

    /// A key of this process only (tests, and an SDK router without a platform).
    pub fn random() -> Self {
        Self::new(cove_package::random::bytes(32).expect("the system random source works"))
    }

    fn mac(&self, blob: &str, host: u64, expires: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(format!("cove-download v1\n{blob}\n{host}\n{expires}").as_bytes());
        mac
    }

    /// The expiry of a ticket minted at `now`: between one and two periods away.
    pub fn expiry(now: i64) -> i64 {
        (now.div_euclid(TICKET_PERIOD) + 2) * TICKET_PERIOD
    }

    /// The URL (path and query) at which `host` may download `blob`, minted at `now`.
    pub fn url(&self, blob: &str, host: u64, now: i64) -> String {
        let expires = Self::expiry(now);
        let sig = hex::encode(self.mac(blob, host, expires).finalize().into_bytes());
        format!("/packages/{blob}?host={host}&expires={expires}&sig={sig}")
    }

    /// Check a ticket for `blob`; returns its host app and expiry.
    pub fn check(&self, blob: &str, ticket: &Ticket, now: i64) -> Result<(u64, i64), TicketError> {
        let (Some(host), Some(expires), Some(sig)) = (
            ticket.host.as_deref().and_then(|h| h.parse::<u64>().ok()),
            ticket
                .expires
                .as_deref()
                .and_then(|e| e.parse::<i64>().ok()),
            ticket.sig.as_deref().and_then(|s| hex::decode(s).ok()),
        ) else {
            return Err(TicketError::Missing);
        };
        // Constant time: a forger learns nothing from how long the refusal took.
        self.mac(blob, host, expires)
            .verify_slice(&sig)
            .map_err(|_| TicketError::BadSignature)?;
        if now >= expires {
            return Err(TicketError::Expired);
        }
        Ok((host, expires))
    }
}

/// A ticket as the query string carries it (resolve's package URL has it).
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct Ticket {
    /// The host app the package was resolved for.
    pub host: Option<String>,
    /// Unix seconds.
    pub expires: Option<String>,
    /// HMAC-SHA256 over the package, the host app and the expiry.
    pub sig: Option<String>,
}

/// What the download handler needs.
#[derive(Clone)]
pub struct Gate {
    pub blobs: Blobs,
    pub tickets: Tickets,
    /// Which packages are delivered to which host app (the SDK endpoints' catalog).
    pub catalog: Arc<dyn Catalog>,
    /// Unix seconds; a test pins it.
    pub clock: Arc<dyn Fn() -> i64 + Send + Sync>,
}

impl Gate {
    pub fn new(blobs: Blobs, tickets: Tickets, catalog: Arc<dyn Catalog>) -> Self {
        Gate {
            blobs,
            tickets,
            catalog,
            clock: Arc::new(crate::platform::system_clock),
        }
    }
}

/// The download route, before its state.
pub(crate) fn routes() -> Routes<Gate> {
    Routes::default().route(
        routes::get(
            "/packages/{id}",
            "sdk",
            "A delivered package by its SHA-256, with the ticket (host, expires, sig) resolve put in its URL: immutable, with ETag and HTTP ranges",
        ),
        package,
    )
}

/// The routes, for merging into the API router.
pub fn router(gate: Gate) -> Router {
    routes().with_state(gate)
}

fn refused(e: TicketError) -> Response {
    let (code, message) = match e {
        TicketError::Missing => (
            "download_forbidden",
            "a package is downloaded with the ticket in the URL resolve answered",
        ),
        TicketError::BadSignature => ("download_forbidden", "the download ticket is not valid"),
        TicketError::Expired => (
            "download_expired",
            "the download ticket expired; resolve again for a new URL",
        ),
    };
    let mut res = (StatusCode::FORBIDDEN, Json(ErrorBody::new(code, message))).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

fn not_found(id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(ErrorBody::new("not_found", format!("no package {id}"))),
    )
        .into_response()
}

fn store_failed(blobs: &Blobs, id: &str, e: BlobError) -> Response {
    tracing::error!(store = %blobs.describe(), %id, error = %e, "package download failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(ErrorBody::new("internal", "the package store failed")),
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
    State(gate): State<Gate>,
    Path(id): Path<String>,
    Query(ticket): Query<Ticket>,
    method: Method,
    headers: HeaderMap,
) -> PackageBytes {
    PackageBytes(serve_package(gate, id, ticket, method, headers).await)
}

async fn serve_package(
    gate: Gate,
    id: String,
    ticket: Ticket,
    method: Method,
    headers: HeaderMap,
) -> Response {
    if !valid_id(&id) {
        return not_found(&id);
    }
    let now = (gate.clock)();
    let expires = match gate.tickets.check(&id, &ticket, now) {
        Ok((host, expires)) if gate.catalog.delivers(host, &id) => expires,
        // Revoked, taken down or replaced since the ticket was minted.
        Ok(_) => return not_found(&id),
        Err(e) => return refused(e),
    };
    let blobs = &gate.blobs;
    let etag = format!("\"{id}\"");
    // A plain GET goes straight to one read; otherwise the size decides first.
    let size = if needs_size(&headers, &method) {
        match blobs.size(&id).await {
            Ok(Some(size)) => Some(size),
            Ok(None) => return not_found(&id),
            Err(e) => return store_failed(blobs, &id, e),
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
                    Err(e) => return store_failed(blobs, &id, e),
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
    // The bytes never change, but this URL stops working when its ticket expires: no cache
    // may keep serving it past then.
    if let Ok(v) = HeaderValue::from_str(&format!(
        "public, max-age={}, immutable",
        (expires - now).max(0)
    )) {
        h.insert(header::CACHE_CONTROL, v);
    }
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
