//! `GET /openapi.json`: the API's OpenAPI 3.1 document, built from one route table. A test
//! sends a request to every row and checks the router answers it, so the table cannot name a
//! route that does not exist.

use axum::Json;
use serde_json::{Map, Value, json};

/// How a route authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    None,
    /// Session cookie (with CSRF on writes) or API token.
    User,
    /// The SDK's HMAC signature headers.
    Sdk,
}

/// (method, path, tag, auth, summary, request body: (media type, description))
pub type Route = (
    &'static str,
    &'static str,
    &'static str,
    Auth,
    &'static str,
    Option<(&'static str, &'static str)>,
);

const JSON: &str = "application/json";

pub const ROUTES: &[Route] = &[
    (
        "post",
        "/api/v1/session",
        "accounts",
        Auth::None,
        "Sign in; sets the session cookie and returns the CSRF token",
        Some((JSON, "{username, password}")),
    ),
    (
        "get",
        "/api/v1/session",
        "accounts",
        Auth::User,
        "The signed-in user and the session's CSRF token",
        None,
    ),
    (
        "delete",
        "/api/v1/session",
        "accounts",
        Auth::User,
        "Sign out",
        None,
    ),
    (
        "post",
        "/api/v1/tokens",
        "accounts",
        Auth::User,
        "A new API token for CI (shown once)",
        Some((JSON, "{name}")),
    ),
    (
        "get",
        "/api/v1/orgs",
        "accounts",
        Auth::User,
        "Organisations visible to the caller",
        None,
    ),
    (
        "post",
        "/api/v1/orgs",
        "accounts",
        Auth::User,
        "Create a partner organisation",
        Some((JSON, "{name}")),
    ),
    (
        "get",
        "/api/v1/orgs/{org}/users",
        "accounts",
        Auth::User,
        "An organisation's users",
        None,
    ),
    (
        "post",
        "/api/v1/orgs/{org}/users",
        "accounts",
        Auth::User,
        "Create a user",
        Some((
            JSON,
            "{username, password, roles: [admin|reviewer|developer|operator|read_only]}",
        )),
    ),
    (
        "get",
        "/api/v1/hosts",
        "hosts",
        Auth::User,
        "Host apps with their grants",
        None,
    ),
    (
        "post",
        "/api/v1/hosts",
        "hosts",
        Auth::User,
        "Register a host app; the answer holds its SDK secret, shown once",
        Some((JSON, "{name, platforms, sealing_key?}")),
    ),
    (
        "put",
        "/api/v1/hosts/{host}/apps/{app_id}",
        "hosts",
        Auth::User,
        "Let a host app load a mini-program, with its grants",
        Some((JSON, "{apis: [...], host_apis: [...]}")),
    ),
    (
        "delete",
        "/api/v1/hosts/{host}/apps/{app_id}",
        "hosts",
        Auth::User,
        "Stop a host app loading a mini-program",
        None,
    ),
    (
        "get",
        "/api/v1/apps",
        "apps",
        Auth::User,
        "Mini-programs visible to the caller",
        None,
    ),
    (
        "post",
        "/api/v1/apps",
        "apps",
        Auth::User,
        "Create a mini-program",
        Some((JSON, "{app_id, name, category, icon, org_id}")),
    ),
    (
        "get",
        "/api/v1/apps/{app_id}",
        "apps",
        Auth::User,
        "A mini-program: whitelists, pending whitelist change, release",
        None,
    ),
    (
        "put",
        "/api/v1/apps/{app_id}/domains",
        "apps",
        Auth::User,
        "Propose whitelists (reviewed before they apply)",
        Some((
            JSON,
            "{domains: {request, socket, upload, download, web_view}}",
        )),
    ),
    (
        "post",
        "/api/v1/apps/{app_id}/domains/{verdict}",
        "apps",
        Auth::User,
        "Approve or reject (with a reason) the pending whitelist change; verdict is approve or reject",
        Some((JSON, "{reason}")),
    ),
    (
        "get",
        "/api/v1/apps/{app_id}/versions",
        "versions",
        Auth::User,
        "Versions, newest first",
        None,
    ),
    (
        "post",
        "/api/v1/apps/{app_id}/versions",
        "versions",
        Auth::User,
        "Upload a version: the body is a ZIP; query kind=source|package, version_code, version_name, note",
        Some((
            "application/zip",
            "the project's source, or a package from cove build",
        )),
    ),
    (
        "get",
        "/api/v1/apps/{app_id}/versions/{code}",
        "versions",
        Auth::User,
        "A version with its review report and compiler warnings",
        None,
    ),
    (
        "post",
        "/api/v1/apps/{app_id}/versions/{code}/{step}",
        "versions",
        Auth::User,
        "Take a step: submit, approve, reject (with a reason), publish, publish-gray; or preview, which opens the version in the simulator and answers {url}",
        Some((JSON, "{reason} (reject only)")),
    ),
    (
        "post",
        "/api/v1/apps/{app_id}/rollback",
        "release",
        Auth::User,
        "Make an earlier published version live, re-signed as a rollback",
        Some((JSON, "{version_code}")),
    ),
    (
        "post",
        "/api/v1/apps/{app_id}/promote",
        "release",
        Auth::User,
        "Make a version published as gray live for everyone",
        Some((JSON, "{version_code}")),
    ),
    (
        "post",
        "/api/v1/apps/{app_id}/takedown",
        "release",
        Auth::User,
        "Stop delivery at once",
        Some((JSON, "{reason}")),
    ),
    (
        "post",
        "/api/v1/apps/{app_id}/restore",
        "release",
        Auth::User,
        "Undo a takedown",
        None,
    ),
    (
        "put",
        "/api/v1/apps/{app_id}/release",
        "release",
        Auth::User,
        "Replace the gray rules (evaluated in order)",
        Some((JSON, "{rules: [{id, version_code, conditions: [...]}]}")),
    ),
    (
        "get",
        "/api/v1/apps/{app_id}/explain",
        "release",
        Auth::User,
        "Which version a user gets and why; query user_id, host_version, platform, tags, at",
        None,
    ),
    (
        "get",
        "/api/v1/apps/{app_id}/stats",
        "statistics",
        Auth::User,
        "Launches, users, errors and failing APIs per day and version; query days",
        None,
    ),
    (
        "get",
        "/api/v1/audit",
        "audit",
        Auth::User,
        "The newest audit entries; query limit",
        None,
    ),
    (
        "get",
        "/api/v1/audit/verify",
        "audit",
        Auth::User,
        "Verify the audit log's hash chain",
        None,
    ),
    (
        "post",
        "/sdk/v1/resolve",
        "sdk",
        Auth::Sdk,
        "Which version this user gets on this host, with its package, signature and policy",
        Some((JSON, "{app_id, user_id, host_version?, platform?, tags?}")),
    ),
    (
        "post",
        "/sdk/v1/events",
        "sdk",
        Auth::Sdk,
        "A batch of launch, error and API-call events",
        Some((JSON, "{events: [...]}")),
    ),
    (
        "get",
        "/packages/{id}",
        "sdk",
        Auth::None,
        "A delivered package by its SHA-256, with the ticket (host, expires, sig) resolve put in its URL: immutable, with ETag and HTTP ranges",
        None,
    ),
    (
        "get",
        "/openapi.json",
        "meta",
        Auth::None,
        "This document",
        None,
    ),
    (
        "put",
        "/api/v1/session/password",
        "accounts",
        Auth::User,
        "Change your own password (session only); the one call allowed while must_change_password is set",
        Some((JSON, "{current, new}")),
    ),
    (
        "get",
        "/api/v1/tokens",
        "accounts",
        Auth::User,
        "Your API tokens: id, name, scope, created, expires, last used (never the secret); session only",
        None,
    ),
    (
        "delete",
        "/api/v1/tokens/{id}",
        "accounts",
        Auth::User,
        "Revoke one of your API tokens; session only",
        None,
    ),
    (
        "put",
        "/api/v1/users/{id}/roles",
        "accounts",
        Auth::User,
        "Change a user's roles; granting admin waits for a second admin's approval",
        Some((
            JSON,
            "{roles: [admin|reviewer|developer|operator|read_only]}",
        )),
    ),
    (
        "post",
        "/api/v1/users/{id}/approve",
        "accounts",
        Auth::User,
        "Approve a pending admin account or admin grant (a second admin, not the requester)",
        None,
    ),
    (
        "post",
        "/api/v1/users/{id}/disable",
        "accounts",
        Auth::User,
        "Disable a user: sessions end, tokens stop working",
        None,
    ),
    (
        "post",
        "/api/v1/users/{id}/enable",
        "accounts",
        Auth::User,
        "Enable a disabled user again",
        None,
    ),
    (
        "put",
        "/api/v1/users/{id}/password",
        "accounts",
        Auth::User,
        "Set a one-time password; the user must change it at the next sign-in",
        Some((JSON, "{password}")),
    ),
    (
        "post",
        "/api/v1/hosts/{host}/sdk-secret",
        "hosts",
        Auth::User,
        "Rotate a host app's SDK secret; the old one works for overlap_seconds more (24 h by default)",
        Some((JSON, "{overlap_seconds?}")),
    ),
    (
        "get",
        "/api/v1/review-queue",
        "versions",
        Auth::User,
        "Versions in review across the mini-programs the caller may review, oldest submission first; query uploader, q, limit, offset; X-Total-Count header",
        None,
    ),
    (
        "get",
        "/api/v1/capabilities",
        "accounts",
        Auth::User,
        "What the caller may do outside one mini-program: {actions: [create_app, review, manage_hosts, view_audit, manage_users]}",
        None,
    ),
];

fn params(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect()
}

pub fn build() -> Value {
    let mut paths = Map::new();
    for (method, path, tag, auth, summary, body) in ROUTES {
        let mut op = json!({
            "tags": [tag],
            "summary": summary,
            "parameters": params(path),
            "responses": {
                "200": {"description": "OK", "content": {JSON: {"schema": {}}}},
                "default": {"description": "An error", "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        });
        match auth {
            Auth::None => op["security"] = json!([]),
            Auth::User => op["security"] = json!([{"session": [], "csrf": []}, {"token": []}]),
            Auth::Sdk => op["security"] = json!([{"sdkKey": [], "sdkSignature": []}]),
        }
        if let Some((media, description)) = body {
            op["requestBody"] = json!({"required": true, "description": description, "content": {*media: {"schema": {}}}});
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Cove platform API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The console's and CI's API, the SDK endpoints and package downloads. Errors are {code, message} with stable codes (docs/server.md).",
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }},
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "cove_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
                "token": {"type": "http", "scheme": "bearer", "description": "an API token, cove_…"},
                "sdkKey": {"type": "apiKey", "in": "header", "name": "x-cove-key"},
                "sdkSignature": {"type": "apiKey", "in": "header", "name": "x-cove-signature", "description": "HMAC-SHA256 over method, path, body digest, x-cove-timestamp and x-cove-nonce"},
            },
        },
    })
}

pub async fn document() -> Json<Value> {
    Json(build())
}
