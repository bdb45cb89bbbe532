//! Host apps' credentials: `POST /api/v1/hosts/{host}/sdk-secret` rotates a host app's SDK
//! secret with an overlap window. (Registering host apps and their grants is in
//! [`super::accounts`].)

use axum::Json;
use axum::extract::{Path, State};
use schemars::JsonSchema;
use serde::Deserialize;

use super::routes::{OptionalJson, Routes, post};
use super::{ApiResult, Authed};
use crate::platform::{Platform, RotatedSecret};

/// How long the old secret keeps working when the request does not say.
pub const DEFAULT_OVERLAP: i64 = 24 * 3600;

pub fn routes() -> Routes<Platform> {
    Routes::default().route(
        post(
            "/api/v1/hosts/{host}/sdk-secret",
            "hosts",
            "Rotate a host app's SDK secret; the old one works for overlap_seconds more (24 h by default)",
        ),
        rotate,
    )
}

#[derive(Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Rotate {
    /// Seconds the old secret keeps working (0: it stops now); 24 h by default.
    #[serde(default)]
    overlap_seconds: Option<i64>,
}

/// No body at all means the defaults.
async fn rotate(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(host): Path<u64>,
    OptionalJson(opts): OptionalJson<Rotate>,
) -> ApiResult<Json<RotatedSecret>> {
    let overlap = opts.overlap_seconds.unwrap_or(DEFAULT_OVERLAP);
    Ok(Json(p.rotate_sdk_secret(&who, host, overlap).await?))
}
