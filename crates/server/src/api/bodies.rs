//! The answers that are not one of the platform's own types: the handlers build and return
//! these, and the OpenAPI document's schemas are derived from them.

use schemars::JsonSchema;
use serde::Serialize;

use crate::gray::{Decision, Release};
use crate::platform::apps::{Explained, HostRef};

use crate::platform::{Host, VersionRow};
use crate::report::Domains;
use crate::sdk::{Grants, SignedPolicy};
use crate::stats::Event;

/// Every error: a stable code (docs/server.md) and a message for people.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "Error")]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    /// `POST /sdk/v1/events` only: the index of the refused event in the batch (null when
    /// the batch as a whole was refused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<Option<usize>>,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorBody {
            code: code.into(),
            message: message.into(),
            index: None,
        }
    }
}

/// `{"ok": true}`.
#[derive(Serialize, JsonSchema)]
pub struct Done {
    #[schemars(extend("const" = true))]
    pub ok: bool,
}

impl Done {
    pub const OK: Done = Done { ok: true };
}

/// The signed-in user and the session's CSRF token (send it as `X-CSRF-Token` on writes).
#[derive(Serialize, JsonSchema)]
pub struct SessionBody {
    pub user: SessionUser,
    pub csrf: String,
    /// A one-time password was used: only `PUT /api/v1/session/password` works until it is
    /// changed (every other call answers 403 `password_change_required`).
    pub must_change_password: bool,
}

/// The signed-in user as the session answer shows it.
#[derive(Serialize, JsonSchema)]
pub struct SessionUser {
    pub id: u64,
    pub username: String,
    pub roles: std::collections::BTreeSet<crate::authz::Role>,
    pub org_id: u64,
    pub org_name: String,
    pub operator: bool,
}

/// `{"ok": true, "must_change_password": false}` after a password change.
#[derive(Serialize, JsonSchema)]
pub struct PasswordChanged {
    #[schemars(extend("const" = true))]
    pub ok: bool,
    pub must_change_password: bool,
}

/// `{"actions": [...]}`: what the caller may do outside one mini-program.
#[derive(Serialize, JsonSchema)]
pub struct Capabilities {
    /// Among `create_app`, `review`, `manage_hosts`, `view_audit`, `manage_users`.
    pub actions: Vec<&'static str>,
}

/// A new API token, shown this once.
#[derive(Serialize, JsonSchema)]
pub struct TokenBody {
    #[serde(flatten)]
    pub info: crate::platform::TokenInfo,
    /// `cove_…`; send it as `Authorization: Bearer …`.
    pub token: String,
}

/// A new host app with its SDK secret, shown this once.
#[derive(Serialize, JsonSchema)]
pub struct NewHostBody {
    #[serde(flatten)]
    pub host: Host,
    pub sdk_secret: String,
}

/// The whitelists in force after a review (unchanged by a rejection).
#[derive(Serialize, JsonSchema)]
pub struct DomainsReviewed {
    pub domains: Domains,
}

/// The simulator's address for a reviewer's preview.
#[derive(Serialize, JsonSchema)]
pub struct Preview {
    pub url: String,
}

/// A version after a step, or the preview's address.
#[derive(Serialize, JsonSchema)]
#[serde(untagged)]
pub enum StepBody {
    Version(Box<VersionRow>),
    Preview(Preview),
}

/// What the app delivers after the change.
#[derive(Serialize, JsonSchema)]
pub struct ReleaseBody {
    pub release: Release,
}

/// The audit log's hash chain, checked against this node's anchor directory's signed heads:
/// whole (with its length) or broken (where).
#[derive(Serialize, JsonSchema)]
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

/// A batch of events from the SDK, at most 1000 (read by [`crate::stats::parse_batch`],
/// which checks more than a schema can say).
#[derive(JsonSchema)]
pub struct EventsBody {
    pub events: Vec<Event>,
}

#[derive(Serialize, JsonSchema)]
pub struct ResolvedVersion {
    pub code: u64,
    pub name: String,
}

#[derive(Serialize, JsonSchema)]
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
#[derive(Serialize, JsonSchema)]
pub struct ResolvedPolicy {
    pub domains: Domains,
    pub grants: Grants,
}

/// The version this user gets on this host app, with where to fetch it and its policy.
#[derive(Serialize, JsonSchema)]
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

/// Which version a user gets and why, and, for a host app, whether its SDK would get it.
#[derive(Serialize, JsonSchema)]
pub struct ExplainBody {
    #[serde(flatten)]
    pub decision: Decision,
    /// The host app asked about, if one was.
    pub host: Option<ExplainHost>,
    /// `delivered`, `not_granted`, `taken_down`, `no_version` or `not_delivered`; without a
    /// host, `decided` (the gray rules alone).
    #[schemars(extend("enum" = ["delivered", "not_granted", "taken_down", "no_version", "not_delivered", "decided"]))]
    pub outcome: &'static str,
}

#[derive(Serialize, JsonSchema)]
pub struct ExplainHost {
    pub id: u64,
    pub name: String,
}

impl From<Explained> for ExplainBody {
    fn from(e: Explained) -> Self {
        // Destructured, so that a field added there is not silently left out here.
        let Explained {
            decision,
            host,
            outcome,
        } = e;
        ExplainBody {
            decision,
            host: host.map(|h| {
                let HostRef { id, name } = h;
                ExplainHost { id, name }
            }),
            outcome,
        }
    }
}
