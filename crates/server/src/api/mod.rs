//! The HTTP API (`/api/v1/…`, JSON) over [`crate::platform`], the SDK endpoints, package
//! downloads, the console and `/openapi.json`, as one router.
//!
//! Authentication: a session cookie (`cove_session`, HttpOnly, SameSite=Strict, Secure when
//! TLS is on) from `POST /api/v1/session`, or an API token (`Authorization: Bearer cove_…`)
//! for CI. A request with the cookie that changes anything must carry the session's CSRF
//! token in `X-CSRF-Token`; token requests need none (a browser never sends them by itself).
//! Every error is `{"code": "...", "message": "..."}` with a stable code.

mod accounts;
mod apps;
mod audit;
pub mod bodies;
pub mod cookies;
pub mod events;
mod hosts;
pub mod openapi;
mod review;
pub mod routes;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};

use self::bodies::ErrorBody;
pub use self::cookies::SESSION_COOKIE;
use self::routes::{Op, Routes};
use crate::platform::{Actor, Error, Platform};

pub const CSRF_HEADER: &str = "x-csrf-token";

/// An error as the API answers it.
pub struct ApiError(pub Error);

impl<E: Into<Error>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status = match &e {
            Error::Unauthenticated => StatusCode::UNAUTHORIZED,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Forbidden(_) | Error::Refused { .. } => StatusCode::FORBIDDEN,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Error::Workflow(w) => match w.code() {
                "not_found" => StatusCode::NOT_FOUND,
                "forbidden" => StatusCode::FORBIDDEN,
                "invalid_state" => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            },
            Error::Upload(_) | Error::Package(_) | Error::Invalid { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            // Contention is the client's cue to retry, not a server fault.
            Error::Db(_) if e.is_busy() => StatusCode::SERVICE_UNAVAILABLE,
            Error::Blob(_) | Error::Db(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::SERVICE_UNAVAILABLE {
            tracing::warn!("database busy: {e}");
            let mut res = (
                status,
                Json(ErrorBody::new("busy", "the server is busy; try again")),
            )
                .into_response();
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
            return res;
        }
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            // The detail goes to the log, not to the client.
            tracing::error!("{e}");
            "internal error; see the server log".to_string()
        } else {
            e.to_string()
        };
        let mut res = (status, Json(ErrorBody::new(e.code(), message))).into_response();
        if let Error::RateLimited(wait) = e
            && let Ok(v) = wait.to_string().parse()
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The caller, signed in by session cookie (CSRF-checked on writes) or API token.
///
/// While the user must change their password, only `GET`/`DELETE /api/v1/session` and
/// `PUT /api/v1/session/password` are answered; everything else is 403
/// `password_change_required`.
pub struct Authed(pub Actor);

/// The caller, signed in by session cookie only (token management, password change); with
/// the session's secret.
pub struct SessionAuthed(pub Actor, pub String);

/// Requests a user who must change their password may still make.
fn allowed_before_password_change(method: &Method, path: &str) -> bool {
    matches!(
        (method, path),
        (&Method::GET | &Method::DELETE, "/api/v1/session")
            | (&Method::PUT, "/api/v1/session/password")
    )
}

/// Who is calling, and the session secret when it is a session.
async fn authenticate(parts: &Parts, p: &Platform) -> Result<(Actor, Option<String>), ApiError> {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let (user, session) = if let Some(token) = bearer {
        let user = p
            .token_user(token.trim())
            .await?
            .ok_or(Error::Unauthenticated)?;
        (user, None)
    } else {
        let session =
            cookies::read(&parts.headers, SESSION_COOKIE).ok_or(Error::Unauthenticated)?;
        let user = p
            .session_user(&session)
            .await?
            .ok_or(Error::Unauthenticated)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let token = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !p.csrf_ok(&session, token) {
                return Err(Error::Forbidden(
                    "missing or wrong X-CSRF-Token for this session".into(),
                )
                .into());
            }
        }
        (user, Some(session))
    };
    if user.must_change_password && !allowed_before_password_change(&parts.method, parts.uri.path())
    {
        return Err(Error::refused(
            "password_change_required",
            "change your one-time password first (PUT /api/v1/session/password)",
        )
        .into());
    }
    Ok((user.actor(), session))
}

impl FromRequestParts<Platform> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, p: &Platform) -> Result<Self, ApiError> {
        Ok(Authed(authenticate(parts, p).await?.0))
    }
}

impl FromRequestParts<Platform> for SessionAuthed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, p: &Platform) -> Result<Self, ApiError> {
        match authenticate(parts, p).await? {
            (who, Some(session)) => Ok(SessionAuthed(who, session)),
            (_, None) => Err(Error::Forbidden(
                "this needs a signed-in session, not an API token".into(),
            )
            .into()),
        }
    }
}

/// The client's address, for the sign-in rate limit.
pub struct Client(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Client(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or("unknown".into(), |c| c.0.ip().to_string()),
        ))
    }
}

/// axum's own rejections (a malformed JSON body, a missing field, a path segment that is
/// not a number) are plain text; the API's errors are JSON with a code, always.
async fn json_errors(res: Response) -> Response {
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !(res.status().is_client_error() && plain) {
        return res;
    }
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "upload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        _ => "bad_request",
    };
    (
        status,
        Json(ErrorBody::new(code, String::from_utf8_lossy(&bytes))),
    )
        .into_response()
}

/// The routes of the API proper (state: the platform), `/openapi.json` included.
fn api_routes(max_upload: usize) -> Routes<Platform> {
    Routes::default()
        .merge(accounts::routes())
        .merge(hosts::routes())
        .merge(audit::routes())
        .merge(review::routes())
        .merge(apps::routes(max_upload))
        .route(
            routes::get("/openapi.json", "meta", "This document"),
            openapi::document,
        )
}

/// The whole API (without the SDK and download routes, which [`crate::serve`] adds).
pub fn router(platform: Platform) -> Router {
    let max_upload = platform.settings.upload.max_upload as usize;
    api_router(api_routes(max_upload), platform)
}

fn api_router(routes: Routes<Platform>, platform: Platform) -> Router {
    let (router, _) = routes.into_parts();
    router
        .layer(axum::middleware::map_response(json_errors))
        .with_state(platform)
}

/// The HTTP surface but the console's pages, each part before its state: what
/// [`crate::serve::router`] serves and `/openapi.json` describes, from the same
/// registrations.
pub(crate) struct Surface {
    pub api: Routes<Platform>,
    pub events: Routes<events::Events>,
    pub sdk: Routes<crate::sdk::Sdk>,
    pub downloads: Routes<crate::download::Gate>,
}

impl Surface {
    pub fn new(max_upload: usize) -> Surface {
        Surface {
            api: api_routes(max_upload),
            events: events::routes(),
            sdk: crate::sdk::routes(),
            downloads: crate::download::routes(),
        }
    }

    /// One router, with each part's state.
    pub fn router(
        self,
        platform: Platform,
        sdk: crate::sdk::Sdk,
        gate: crate::download::Gate,
    ) -> Router {
        let Surface {
            api,
            events,
            sdk: sdk_routes,
            downloads,
        } = self;
        Router::new()
            .merge(events.with_state(events::Events {
                platform: platform.clone(),
                sdk: sdk.clone(),
            }))
            .merge(api_router(api, platform))
            .merge(sdk_routes.with_state(sdk))
            .merge(downloads.with_state(gate))
    }

    pub fn operations(self) -> Vec<Op> {
        let Surface {
            api,
            events,
            sdk,
            downloads,
        } = self;
        let mut ops = api.into_parts().1;
        ops.extend(events.into_parts().1);
        ops.extend(sdk.into_parts().1);
        ops.extend(downloads.into_parts().1);
        ops
    }
}

/// Every operation of the HTTP surface: what `/openapi.json` describes.
pub fn operations() -> Vec<Op> {
    Surface::new(0).operations()
}
