//! Host apps' credentials: `POST /api/v1/hosts/{host}/sdk-secret` rotates a host app's SDK
//! secret with an overlap window. (Registering host apps and their grants is in
//! [`super::accounts`].)

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiResult, Authed};
use crate::platform::{Error, Platform};

/// How long the old secret keeps working when the request does not say.
pub const DEFAULT_OVERLAP: i64 = 24 * 3600;

pub fn routes() -> Router<Platform> {
    Router::new().route("/api/v1/hosts/{host}/sdk-secret", post(rotate))
}

#[derive(Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Rotate {
    /// Seconds the old secret keeps working (0: it stops now); 24 h by default.
    #[serde(default)]
    overlap_seconds: Option<i64>,
}

async fn rotate(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(host): Path<u64>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    // No body at all means the defaults.
    let opts: Rotate = if body.iter().all(u8::is_ascii_whitespace) {
        Rotate::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| Error::invalid("bad_request", e.to_string()))?
    };
    let overlap = opts.overlap_seconds.unwrap_or(DEFAULT_OVERLAP);
    let r = p.rotate_sdk_secret(&who, host, overlap).await?;
    Ok(Json(json!(r)))
}
