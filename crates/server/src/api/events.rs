//! `POST /sdk/v1/events`: the SDK's batched launch, error and API-call events, signed like
//! every SDK request, counted into the statistics ([`crate::stats`]). Events for mini-programs
//! the host app may not load are dropped and reported, never counted.

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::json;

use crate::platform::Platform;
use crate::sdk::{self, Catalog as _, Sdk, auth_error, error};
use crate::stats;

#[derive(Clone)]
struct Events {
    platform: Platform,
    sdk: Sdk,
}

pub fn routes(platform: Platform, sdk: Sdk) -> Router {
    Router::new()
        .route("/sdk/v1/events", post(events))
        .with_state(Events { platform, sdk })
}

async fn events(State(s): State<Events>, headers: HeaderMap, uri: Uri, body: Bytes) -> Response {
    let host = match sdk::admit(&s.sdk, &headers, &uri, &body).await {
        Ok(h) => h,
        Err(e) => return auth_error(e),
    };
    let now_ms = (s.sdk.clock)() * 1000;
    let batch = match stats::parse_batch(&body, now_ms) {
        Ok(b) => b,
        Err(e) => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                axum::Json(json!({"code": e.code(), "message": e.to_string(), "index": e.index()})),
            )
                .into_response();
        }
    };
    let catalog = s.platform.catalog.clone();
    let allowed = move |app_id: &str| catalog.app_on_host(host.id, app_id).is_some();
    match stats::record(
        &s.platform.db,
        &s.platform.stats_key,
        host.id as i64,
        &batch,
        &allowed,
    )
    .await
    {
        Ok(r) => axum::Json(json!({"recorded": r.recorded, "dropped": r.dropped})).into_response(),
        Err(e) if e.is_client_error() => {
            error(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string())
        }
        Err(e) => {
            tracing::error!("events: {e}");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error; see the server log",
            )
        }
    }
}
