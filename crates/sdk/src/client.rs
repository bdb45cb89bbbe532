//! The platform's SDK endpoints over HTTP(S), signed as `cove_wire` describes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use cove_wire::{HEADER_KEY, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP, Signed};

/// Who is asking: the platform's gray rules decide on these.
#[derive(Debug, Clone, Default, Serialize)]
pub struct User {
    pub id: String,
    pub tags: Vec<String>,
}

impl User {
    pub fn new(id: &str) -> Self {
        User {
            id: id.to_string(),
            tags: vec![],
        }
    }
}

/// `resolve`'s answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resolved {
    pub app_id: String,
    pub version: Version,
    pub package: PackageRef,
    /// The gray rule that decided, if any.
    pub rule: Option<String>,
    /// `{domains: {request, socket, upload, download, web_view}, grants: {apis, host_apis,
    /// privacy}}`, as sent; the SDK applies only the signed copy,
    /// [`Resolved::policy_signature`], which also says how long it holds.
    pub policy: Value,
    #[serde(default)]
    pub policy_signature: Option<PolicySignature>,
}

/// The platform's signature over the policy's exact bytes (`cove_wire::policy_statement`),
/// as the container's launcher verifies it.
pub type PolicySignature = cove_container::SignedPolicy;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Version {
    pub code: u64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackageRef {
    pub url: String,
    pub sha256: String,
    pub size: u64,
    pub sealed: bool,
    pub signed_by: String,
}

/// How a call to the platform failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No answer: the device is offline or the platform unreachable.
    #[error("the platform is unreachable: {0}")]
    Unreachable(String),
    /// The platform answered with an error code (`app_taken_down`, `no_version`, `sdk_*`…).
    #[error("the platform refused ({status}): {code}: {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the package's SHA-256 is {got}, not {expected}")]
    Digest { expected: String, got: String },
    #[error("unexpected answer: {0}")]
    Protocol(String),
}

/// One host app's connection to the platform.
#[derive(Clone)]
pub struct PlatformClient {
    base: String,
    key: String,
    secret: Vec<u8>,
    http: reqwest::Client,
}

fn nonce() -> String {
    hex::encode(cove_package::random::array::<16>().expect("the system random source works"))
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl PlatformClient {
    pub fn new(
        base: &str,
        key: &str,
        secret: &str,
        timeout: Duration,
    ) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("cove-sdk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        Ok(PlatformClient {
            base: base.trim_end_matches('/').to_string(),
            key: key.to_string(),
            secret: secret.as_bytes().to_vec(),
            http,
        })
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, ClientError> {
        let body = serde_json::to_vec(&body).expect("JSON serialises");
        let (ts, nonce) = (unix_now(), nonce());
        let signature = Signed {
            method: "POST",
            path,
            body: &body,
            timestamp: ts,
            nonce: &nonce,
        }
        .sign(&self.secret);
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header(HEADER_KEY, &self.key)
            .header(HEADER_TIMESTAMP, ts.to_string())
            .header(HEADER_NONCE, nonce)
            .header(HEADER_SIGNATURE, signature)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        answer(res).await
    }

    /// Which version `user` gets of `app_id`, where it is and under which policy.
    pub async fn resolve(
        &self,
        app_id: &str,
        user: &User,
        host_version: Option<&str>,
        platform: &str,
    ) -> Result<Resolved, ClientError> {
        let v = self
            .post(
                "/sdk/v1/resolve",
                json!({"app_id": app_id, "user_id": user.id, "tags": user.tags,
                       "host_version": host_version, "platform": platform}),
            )
            .await?;
        serde_json::from_value(v).map_err(|e| ClientError::Protocol(format!("resolve: {e}")))
    }

    /// Download a package and check it is the one `resolve` named.
    pub async fn download(&self, package: &PackageRef) -> Result<Vec<u8>, ClientError> {
        let url = if package.url.starts_with("http") {
            package.url.clone()
        } else {
            format!("{}{}", self.base, package.url)
        };
        let res = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        if !res.status().is_success() {
            answer(res).await?;
            return Err(ClientError::Protocol("the download failed".into()));
        }
        let bytes = res
            .bytes()
            .await
            .map_err(|e| ClientError::Unreachable(e.to_string()))?;
        let got = hex::encode(Sha256::digest(&bytes));
        if got != package.sha256 {
            return Err(ClientError::Digest {
                expected: package.sha256.clone(),
                got,
            });
        }
        Ok(bytes.to_vec())
    }

    /// Send a batch of events; returns (recorded, dropped).
    pub async fn events(&self, events: &[Value]) -> Result<(u64, u64), ClientError> {
        let v = self
            .post("/sdk/v1/events", json!({"events": events}))
            .await?;
        Ok((
            v["recorded"].as_u64().unwrap_or(0),
            v["dropped"].as_u64().unwrap_or(0),
        ))
    }
}

async fn answer(res: reqwest::Response) -> Result<Value, ClientError> {
    let status = res.status();
    let body: Value = res
        .bytes()
        .await
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    if status == StatusCode::OK {
        return Ok(body);
    }
    if status.is_server_error() && body["code"].is_null() {
        // A proxy's or a dying node's answer: as good as no answer.
        return Err(ClientError::Unreachable(format!("HTTP {status}")));
    }
    Err(ClientError::Refused {
        status: status.as_u16(),
        code: body["code"].as_str().unwrap_or("error").to_string(),
        message: body["message"].as_str().unwrap_or_default().to_string(),
    })
}
