//! The SDK endpoints' core: `POST /sdk/v1/resolve`, which tells a host app's container
//! which version of a mini-program this user gets, where its package is, and under which
//! policy it runs. Requests are signed with the host app's SDK secret ([`crate::sdk_auth`]);
//! the version comes from the gray rules ([`crate::gray`]).
//!
//! Storage is behind [`Catalog`], so the same handler serves from SQLite, PostgreSQL or a
//! test's fixture.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::api::bodies::{ErrorBody, Resolved, ResolvedPackage, ResolvedPolicy, ResolvedVersion};
use crate::api::routes::{self, Routes, SdkBody};

use crate::download::Tickets;
use crate::gray::{Context, HostVersion, Release};
use crate::report::Domains;
use crate::sdk_auth::{self, AuthError, NonceStore, Signed};

/// A host app as the SDK endpoints see it.
#[derive(Debug, Clone, Default)]
pub struct HostApp {
    pub id: u64,
    pub sdk_key: String,
    pub sdk_secret: Vec<u8>,
    /// The secret a rotation replaced, accepted until the time (Unix seconds) beside it.
    pub previous_secret: Option<(Vec<u8>, i64)>,
}

impl HostApp {
    /// The secrets a request may be signed with at `now`.
    pub fn secrets_at(&self, now: i64) -> Vec<&[u8]> {
        let mut out = vec![self.sdk_secret.as_slice()];
        if let Some((old, until)) = &self.previous_secret
            && now < *until
        {
            out.push(old.as_slice());
        }
        out
    }
}

/// One version as delivered to one host app (sealed for it when it asks for encryption).
#[derive(Debug, Clone, Serialize)]
pub struct Delivered {
    pub version_code: u64,
    pub version_name: String,
    /// The package's blob id (SHA-256), served at `/packages/{blob}` with a download
    /// ticket ([`crate::download::Tickets`]).
    pub blob: String,
    pub size: u64,
    pub signed_by: String,
    pub sealed: bool,
}

/// What the platform grants a mini-program in a host app.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Grants {
    /// Sensitive `wx` APIs.
    pub apis: Vec<String>,
    /// The host's own custom APIs.
    pub host_apis: Vec<String>,
    /// What personal data reaches the mini-program, and how reduced:
    /// `{"location_precision": 0.01, "address": "province_city", "phone": "mask"}`
    /// (the container's `guard::Privacy`); nothing means as the host answers it.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    #[schemars(schema_with = "privacy_schema")]
    pub privacy: serde_json::Value,
}

impl Grants {
    /// Refuse privacy rules the container would not understand: a misspelt rule must not
    /// reach a device, where an unreadable one would release the data as the host answers
    /// it. The rules are the container's `guard::Privacy` (the same ones as
    /// [`privacy_schema`]).
    pub fn check_privacy(&self) -> Result<(), String> {
        let rules = match &self.privacy {
            serde_json::Value::Null => return Ok(()),
            serde_json::Value::Object(m) => m,
            _ => return Err("privacy must be an object".into()),
        };
        for (k, v) in rules {
            let ok = match k.as_str() {
                "location_precision" => {
                    v.is_null() || v.as_f64().is_some_and(|x| x > 0.0 && x.is_finite())
                }
                "address" => matches!(v.as_str(), Some("full" | "province_city")),
                "phone" => matches!(v.as_str(), Some("clear" | "mask" | "virtual")),
                _ => return Err(format!("unknown privacy rule {k:?}")),
            };
            if !ok {
                return Err(format!("privacy rule {k}: {v} is not one of its values"));
            }
        }
        Ok(())
    }
}

/// The container's `guard::Privacy`, which this crate does not link: its fields by hand.
fn privacy_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": ["object", "null"],
        "properties": {
            "location_precision": {
                "type": ["number", "null"], "exclusiveMinimum": 0,
                "description": "Round latitude and longitude to a multiple of this many degrees (0.01 is about 1 km).",
            },
            "address": {
                "enum": ["full", "province_city"], "default": "full",
                "description": "province_city blanks county, street, detail, postal and national codes.",
            },
            "phone": {
                "enum": ["clear", "mask", "virtual"], "default": "clear",
                "description": "mask shows 138****5678; virtual asks the host for a forwarding number (masked when it has none).",
            },
        },
    })
}

/// The policy as the platform signed it (`cove_wire::policy_statement`): the exact JSON
/// bytes the SDK applies, base64, and the signature over them. The payload is
/// `{"domains", "grants", "issued_at", "expires_at", "grace_secs"}` (Unix seconds): a device
/// applies it until `expires_at`, and offline for `grace_secs` more.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SignedPolicy {
    /// Base64 of the policy's JSON: domains, grants, and its validity.
    pub payload: String,
    pub key_id: String,
    pub signature: String,
}

/// A mini-program's state on one host app.
#[derive(Debug, Clone)]
pub struct AppOnHost {
    pub app_id: String,
    /// An emergency takedown: nothing is delivered, and containers refuse to launch it.
    pub taken_down: bool,
    pub release: Release,
    pub versions: BTreeMap<u64, Delivered>,
    pub domains: Domains,
    pub grants: Grants,
    /// `{"domains", "grants"}` signed for this host, when the catalog has a signing key.
    pub signed_policy: Option<SignedPolicy>,
}

/// Where the SDK endpoints read from.
pub trait Catalog: Send + Sync {
    fn host_by_key(&self, sdk_key: &str) -> Option<HostApp>;
    /// `None` when the app does not exist or is not published to this host (the same 404).
    fn app_on_host(&self, host_id: u64, app_id: &str) -> Option<AppOnHost>;
    /// Whether `blob` is a package delivered to `host_id` (one a resolve may name) of a
    /// mini-program that is not taken down: the only blobs `/packages/` serves.
    fn delivers(&self, host_id: u64, blob: &str) -> bool;
}

#[derive(Clone)]
pub struct Sdk {
    pub catalog: Arc<dyn Catalog>,
    pub nonces: Arc<dyn NonceStore>,
    /// The database's nonce table, behind [`Sdk::nonces`]: a nonce stays refused after a
    /// restart, and by every node of a cluster.
    pub nonce_log: Option<crate::nonce_log::NonceLog>,
    /// Mints the download tickets in resolve's package URLs.
    pub tickets: Tickets,
    /// The server's clock (Unix seconds); a test pins it.
    pub clock: Arc<dyn Fn() -> i64 + Send + Sync>,
}

impl Sdk {
    pub fn new(catalog: Arc<dyn Catalog>, nonces: Arc<dyn NonceStore>) -> Self {
        Self {
            catalog,
            nonces,
            nonce_log: None,
            tickets: Tickets::random(),
            clock: Arc::new(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64)
            }),
        }
    }
}

/// The SDK's resolve route, before its state.
pub(crate) fn routes() -> Routes<Sdk> {
    Routes::default().route(
        routes::post(
            "/sdk/v1/resolve",
            "sdk",
            "Which version this user gets on this host, with its package, signature and policy",
        ),
        resolve,
    )
}

pub fn router(sdk: Sdk) -> Router {
    routes().with_state(sdk)
}

/// An SDK endpoint's refusal: `{code, message}` with its status.
pub struct SdkError(pub StatusCode, pub ErrorBody);

impl SdkError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        SdkError(status, ErrorBody::new(code, message))
    }

    pub fn auth(e: AuthError) -> Self {
        let status = match e {
            AuthError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNAUTHORIZED,
        };
        SdkError::new(status, e.code(), e.to_string())
    }
}

impl IntoResponse for SdkError {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

/// The body of a resolve request.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ResolveRequest {
    pub app_id: String,
    pub user_id: String,
    #[serde(default)]
    pub host_version: Option<String>,
    #[serde(default)]
    pub platform: String,
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Check the SDK signature headers of a POST; returns the host app.
pub fn authenticate(
    sdk: &Sdk,
    headers: &HeaderMap,
    uri: &Uri,
    body: &[u8],
) -> Result<HostApp, AuthError> {
    let header = |name: &'static str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .ok_or(AuthError::Malformed(name))
    };
    let key = header(sdk_auth::HEADER_KEY)?;
    let timestamp = header(sdk_auth::HEADER_TIMESTAMP)?
        .parse::<i64>()
        .map_err(|_| AuthError::Malformed(sdk_auth::HEADER_TIMESTAMP))?;
    let nonce = header(sdk_auth::HEADER_NONCE)?;
    let signature = header(sdk_auth::HEADER_SIGNATURE)?;
    let host = sdk.catalog.host_by_key(key).ok_or(AuthError::UnknownKey)?;
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let req = Signed {
        method: "POST",
        path,
        body,
        timestamp,
        nonce,
    };
    let now = (sdk.clock)();
    sdk_auth::verify_any(
        &req,
        key,
        &host.secrets_at(now),
        signature,
        now,
        &*sdk.nonces,
    )?;
    Ok(host)
}

/// [`authenticate`], then the durable replay check (the database's nonce table) where there
/// is one.
pub async fn admit(
    sdk: &Sdk,
    headers: &HeaderMap,
    uri: &Uri,
    body: &[u8],
) -> Result<HostApp, AuthError> {
    let host = authenticate(sdk, headers, uri, body)?;
    if let Some(log) = &sdk.nonce_log {
        // authenticate() parsed both headers already.
        let nonce = headers
            .get(sdk_auth::HEADER_NONCE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let ts: i64 = headers
            .get(sdk_auth::HEADER_TIMESTAMP)
            .and_then(|v| v.to_str().ok()?.parse().ok())
            .unwrap_or_default();
        let fresh = log
            .remember(&host.sdk_key, nonce, ts + sdk_auth::MAX_SKEW + 1)
            .await
            .map_err(AuthError::Unavailable)?;
        if !fresh {
            return Err(AuthError::Replayed);
        }
    }
    Ok(host)
}

async fn resolve(
    State(sdk): State<Sdk>,
    headers: HeaderMap,
    uri: Uri,
    body: SdkBody<ResolveRequest>,
) -> Result<Json<Resolved>, SdkError> {
    let host = admit(&sdk, &headers, &uri, &body.bytes)
        .await
        .map_err(SdkError::auth)?;
    let bad = |e: String| SdkError::new(StatusCode::BAD_REQUEST, "bad_request", e);
    let req = body.parse().map_err(|e| bad(e.to_string()))?;
    let host_version = req
        .host_version
        .as_deref()
        .map(HostVersion::parse)
        .transpose()
        .map_err(bad)?;
    let Some(app) = sdk.catalog.app_on_host(host.id, &req.app_id) else {
        return Err(SdkError::new(
            StatusCode::NOT_FOUND,
            "app_not_found",
            format!("no mini-program {} on this host app", req.app_id),
        ));
    };
    if app.taken_down {
        return Err(SdkError::new(
            StatusCode::GONE,
            "app_taken_down",
            format!("{} was taken down by the platform", app.app_id),
        ));
    }
    let ctx = Context {
        user_id: &req.user_id,
        host_version: host_version.as_ref(),
        platform: &req.platform,
        tags: &req.tags,
        now: (sdk.clock)(),
    };
    let decision = app.release.resolve(&ctx);
    let Some(delivered) = decision.version_code.and_then(|v| app.versions.get(&v)) else {
        return Err(SdkError::new(
            StatusCode::NOT_FOUND,
            "no_version",
            format!("no version of {} for this user", app.app_id),
        ));
    };
    Ok(Json(Resolved {
        version: ResolvedVersion {
            code: delivered.version_code,
            name: delivered.version_name.clone(),
        },
        package: ResolvedPackage {
            url: sdk.tickets.url(&delivered.blob, host.id, (sdk.clock)()),
            sha256: delivered.blob.clone(),
            size: delivered.size,
            sealed: delivered.sealed,
            signed_by: delivered.signed_by.clone(),
        },
        rule: decision.rule,
        policy: ResolvedPolicy {
            domains: app.domains,
            grants: app.grants,
        },
        policy_signature: app.signed_policy,
        app_id: app.app_id,
    }))
}
