//! The shapes of the answers that handlers build with `json!` rather than from a type, for
//! the OpenAPI document only. They name the real types for everything inside them, and a
//! test checks every answer of the full API flow against the document, so a handler that
//! drifts from its shape here fails it.

use schemars::JsonSchema;

use crate::gray::Release;

use crate::platform::{Host, VersionRow};
use crate::report::Domains;
use crate::sdk::{Grants, SignedPolicy};
use crate::stats::Event;

/// Every error: a stable code (docs/server.md) and a message for people.
#[derive(JsonSchema)]
#[schemars(rename = "Error")]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    /// `POST /sdk/v1/events` only: the index of the refused event in the batch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
}

/// `{"ok": true}`.
#[derive(JsonSchema)]
pub struct Done {
    #[schemars(extend("const" = true))]
    pub ok: bool,
}

/// The signed-in user and the session's CSRF token (send it as `X-CSRF-Token` on writes).
#[derive(JsonSchema)]
pub struct SessionBody {
    pub user: SessionUser,
    pub csrf: String,
    /// A one-time password was used: only `PUT /api/v1/session/password` works until it is
    /// changed (every other call answers 403 `password_change_required`).
    pub must_change_password: bool,
}

/// The signed-in user as the session answer shows it.
#[derive(JsonSchema)]
pub struct SessionUser {
    pub id: u64,
    pub username: String,
    pub roles: Vec<crate::authz::Role>,
    pub org_id: u64,
    pub org_name: String,
    pub operator: bool,
}

/// `{"ok": true, "must_change_password": false}` after a password change.
#[derive(JsonSchema)]
pub struct PasswordChanged {
    #[schemars(extend("const" = true))]
    pub ok: bool,
    pub must_change_password: bool,
}

/// `{"actions": [...]}`: what the caller may do outside one mini-program.
#[derive(JsonSchema)]
pub struct Capabilities {
    /// Among `create_app`, `review`, `manage_hosts`, `view_audit`, `manage_users`.
    pub actions: Vec<String>,
}

/// A new API token, shown this once.
#[derive(JsonSchema)]
pub struct TokenBody {
    /// `cove_…`; send it as `Authorization: Bearer …`.
    pub token: String,
    #[serde(flatten)]
    pub info: crate::platform::TokenInfo,
}

/// A new host app with its SDK secret, shown this once.
#[derive(JsonSchema)]
pub struct NewHostBody {
    #[serde(flatten)]
    pub host: Host,
    pub sdk_secret: String,
}

/// The whitelists in force after a review (unchanged by a rejection).
#[derive(JsonSchema)]
pub struct DomainsReviewed {
    pub domains: Domains,
}

/// The simulator's address for a reviewer's preview.
#[derive(JsonSchema)]
pub struct Preview {
    pub url: String,
}

/// A version after a step, or the preview's address.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum StepBody {
    Version(Box<VersionRow>),
    Preview(Preview),
}

/// What the app delivers after the change.
#[derive(JsonSchema)]
pub struct ReleaseBody {
    pub release: Release,
}

/// The audit log's hash chain, checked against this node's anchor directory's signed heads:
/// whole (with its length) or broken (where).
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum AuditVerify {
    Whole {
        #[schemars(extend("const" = true))]
        ok: bool,
        rows: u64,
        /// Signed heads checked (0 when this server does not anchor the log).
        anchors: u64,
        /// The newest signed head's entry.
        anchored_to: Option<u64>,
        /// The check's result in words.
        summary: String,
    },
    Broken {
        #[schemars(extend("const" = false))]
        ok: bool,
        broken: String,
    },
}

/// A batch of events from the SDK, at most 1000.
#[derive(JsonSchema)]
pub struct EventsBody {
    pub events: Vec<Event>,
}

#[derive(JsonSchema)]
pub struct ResolvedVersion {
    pub code: u64,
    pub name: String,
}

#[derive(JsonSchema)]
pub struct ResolvedPackage {
    /// `/packages/{sha256}`, relative to the server.
    pub url: String,
    pub sha256: String,
    pub size: u64,
    /// Encrypted for this host app's sealing key.
    pub sealed: bool,
    /// The platform key's id.
    pub signed_by: String,
}

/// The policy the container applies: whitelists and grants.
#[derive(JsonSchema)]
pub struct ResolvedPolicy {
    pub domains: Domains,
    pub grants: Grants,
}

/// The version this user gets on this host app, with where to fetch it and its policy.
#[derive(JsonSchema)]
pub struct Resolved {
    pub app_id: String,
    pub version: ResolvedVersion,
    pub package: ResolvedPackage,
    /// The gray rule that chose it; null for the live version.
    pub rule: Option<String>,
    pub policy: ResolvedPolicy,
    /// The policy as the platform signed it; null when the server has no signing key.
    pub policy_signature: Option<SignedPolicy>,
}
