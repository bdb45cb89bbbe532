//! `POST /sdk/v1/events`: the SDK's batched launch, error and API-call events, signed like
//! every SDK request, counted into the statistics ([`crate::stats`]). Events for mini-programs
//! the host app may not load are dropped and reported, never counted.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};

use super::bodies::{ErrorBody, EventsBody};
use super::routes::{Routes, SdkBody, post};
use crate::platform::Platform;
use crate::sdk::{self, Catalog as _, Sdk, SdkError};
use crate::stats;

#[derive(Clone)]
pub(crate) struct Events {
    pub platform: Platform,
    pub sdk: Sdk,
}

pub(crate) fn routes() -> Routes<Events> {
    Routes::default().route(
        post(
            "/sdk/v1/events",
            "sdk",
            "A batch of launch, error and API-call events",
        ),
        events,
    )
}

async fn events(
    State(s): State<Events>,
    headers: HeaderMap,
    uri: Uri,
    body: SdkBody<EventsBody>,
) -> Result<Json<stats::Recorded>, SdkError> {
    let host = sdk::admit(&s.sdk, &headers, &uri, &body.bytes)
        .await
        .map_err(SdkError::auth)?;
    let now_ms = (s.sdk.clock)() * 1000;
    // Read by the batch parser, which bounds what a schema cannot (sizes, clock skew).
    let batch = stats::parse_batch(&body.bytes, now_ms).map_err(|e| {
        SdkError(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorBody {
                index: Some(e.index()),
                ..ErrorBody::new(e.code(), e.to_string())
            },
        )
    })?;
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
        Ok(r) => Ok(Json(r)),
        Err(e) if e.is_client_error() => Err(SdkError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            e.code(),
            e.to_string(),
        )),
        Err(e) => {
            tracing::error!("events: {e}");
            Err(SdkError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error; see the server log",
            ))
        }
    }
}
