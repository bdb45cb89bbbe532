//! `GET /openapi.json`: the API's OpenAPI 3.1 document, built from one route table. A test
//! sends a request to every row and checks the router answers it, so the table cannot name a
//! route that does not exist.
//!
//! The bodies' JSON Schemas (draft 2020-12, as OpenAPI 3.1 uses) are derived with `schemars`
//! from the types the handlers read and write, so the document follows the code. They live in
//! a second table, [`BODIES`], keyed by method and path, so that [`ROUTES`]' rows keep their
//! shape; [`undescribed`] lists the routes that have none yet, and a test fails on any.

use axum::Json;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};

use super::bodies::{
    AuditVerify, Capabilities, DomainsReviewed, Done, ErrorBody, EventsBody, NewHostBody,
    PasswordChanged, ReleaseBody, Resolved, SessionBody, StepBody, TokenBody,
};
use super::{accounts, apps, hosts};
use crate::audit::Entry;
use crate::gray::Decision;
use crate::platform::apps::NewApp;
use crate::platform::review::QueueItem;
use crate::platform::{
    AppDetail, AppSummary, DomainChange, Host, NewHost, Org, Upload, User, VersionRow,
};
use crate::platform::{RotatedSecret, TokenInfo};
use crate::sdk::{Grants, ResolveRequest};
use crate::stats::{Recorded, Summary};

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

/// A schema made by the generator: a `$ref` into `components/schemas` for a named type.
pub type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// A route's request body.
#[derive(Clone, Copy)]
pub enum Body {
    NoBody,
    Required(SchemaFn),
    /// May be left out (`{}` or nothing is the same).
    Optional(SchemaFn),
}

/// (method, path, query parameters (an object's properties), request body, response body),
/// one row per row of [`ROUTES`].
pub type Bodies = (&'static str, &'static str, Option<SchemaFn>, Body, SchemaFn);

fn of<T: JsonSchema + ?Sized>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// Inline, so that a query struct's properties can become parameters.
fn inline<T: JsonSchema + ?Sized>(g: &mut SchemaGenerator) -> Schema {
    T::json_schema(g)
}

fn zip(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"type": "string", "contentMediaType": "application/zip"})
}

fn package(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "string", "contentMediaType": "application/octet-stream",
        "description": "The package's bytes (a signed ZIP, or a sealed envelope for a host app that asked for encryption).",
    })
}

fn document_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object", "required": ["openapi", "info", "paths", "components"],
        "properties": {"openapi": {"const": "3.1.0"}},
    })
}

use Body::{NoBody, Optional, Required};

pub const BODIES: &[Bodies] = &[
    (
        "post",
        "/api/v1/session",
        None,
        Required(of::<accounts::Login>),
        of::<SessionBody>,
    ),
    ("get", "/api/v1/session", None, NoBody, of::<SessionBody>),
    ("delete", "/api/v1/session", None, NoBody, of::<Done>),
    (
        "post",
        "/api/v1/tokens",
        None,
        Required(of::<accounts::NewToken>),
        of::<TokenBody>,
    ),
    ("get", "/api/v1/orgs", None, NoBody, of::<Vec<Org>>),
    (
        "post",
        "/api/v1/orgs",
        None,
        Required(of::<accounts::NewOrg>),
        of::<Org>,
    ),
    (
        "get",
        "/api/v1/orgs/{org}/users",
        None,
        NoBody,
        of::<Vec<User>>,
    ),
    (
        "post",
        "/api/v1/orgs/{org}/users",
        None,
        Required(of::<accounts::NewUser>),
        of::<User>,
    ),
    ("get", "/api/v1/hosts", None, NoBody, of::<Vec<Host>>),
    (
        "post",
        "/api/v1/hosts",
        None,
        Required(of::<NewHost>),
        of::<NewHostBody>,
    ),
    (
        "put",
        "/api/v1/hosts/{host}/apps/{app_id}",
        None,
        Required(of::<Grants>),
        of::<Done>,
    ),
    (
        "delete",
        "/api/v1/hosts/{host}/apps/{app_id}",
        None,
        NoBody,
        of::<Done>,
    ),
    ("get", "/api/v1/apps", None, NoBody, of::<Vec<AppSummary>>),
    (
        "post",
        "/api/v1/apps",
        None,
        Required(of::<NewApp>),
        of::<AppSummary>,
    ),
    (
        "get",
        "/api/v1/apps/{app_id}",
        None,
        NoBody,
        of::<AppDetail>,
    ),
    (
        "put",
        "/api/v1/apps/{app_id}/domains",
        None,
        Required(of::<apps::DomainsBody>),
        of::<DomainChange>,
    ),
    (
        "post",
        "/api/v1/apps/{app_id}/domains/{verdict}",
        None,
        Optional(of::<apps::Reason>),
        of::<DomainsReviewed>,
    ),
    (
        "get",
        "/api/v1/apps/{app_id}/versions",
        Some(inline::<crate::platform::review::VersionFilter>),
        NoBody,
        of::<Vec<VersionRow>>,
    ),
    (
        "post",
        "/api/v1/apps/{app_id}/versions",
        Some(inline::<Upload>),
        Required(zip),
        of::<VersionRow>,
    ),
    (
        "get",
        "/api/v1/apps/{app_id}/versions/{code}",
        None,
        NoBody,
        of::<VersionRow>,
    ),
    (
        "post",
        "/api/v1/apps/{app_id}/versions/{code}/{step}",
        None,
        Optional(of::<apps::Reason>),
        of::<StepBody>,
    ),
    (
        "post",
        "/api/v1/apps/{app_id}/rollback",
        None,
        Required(of::<apps::RollbackBody>),
        of::<ReleaseBody>,
    ),
    (
        "post",
        "/api/v1/apps/{app_id}/promote",
        None,
        Required(of::<apps::RollbackBody>),
        of::<ReleaseBody>,
    ),
    (
        "post",
        "/api/v1/apps/{app_id}/takedown",
        None,
        Optional(of::<apps::Reason>),
        of::<Done>,
    ),
    (
        "post",
        "/api/v1/apps/{app_id}/restore",
        None,
        NoBody,
        of::<Done>,
    ),
    (
        "put",
        "/api/v1/apps/{app_id}/release",
        None,
        Required(of::<apps::RulesBody>),
        of::<ReleaseBody>,
    ),
    (
        "get",
        "/api/v1/apps/{app_id}/explain",
        Some(inline::<apps::ExplainQuery>),
        NoBody,
        of::<Decision>,
    ),
    (
        "get",
        "/api/v1/apps/{app_id}/stats",
        Some(inline::<apps::StatsQuery>),
        NoBody,
        of::<Summary>,
    ),
    (
        "get",
        "/api/v1/audit",
        Some(inline::<crate::platform::audit_query::AuditFilter>),
        NoBody,
        of::<Vec<Entry>>,
    ),
    (
        "get",
        "/api/v1/audit/verify",
        None,
        NoBody,
        of::<AuditVerify>,
    ),
    (
        "post",
        "/sdk/v1/resolve",
        None,
        Required(of::<ResolveRequest>),
        of::<Resolved>,
    ),
    (
        "post",
        "/sdk/v1/events",
        None,
        Required(of::<EventsBody>),
        of::<Recorded>,
    ),
    ("get", "/packages/{id}", None, NoBody, package),
    ("get", "/openapi.json", None, NoBody, document_schema),
    (
        "put",
        "/api/v1/session/password",
        None,
        Required(of::<accounts::PasswordChange>),
        of::<PasswordChanged>,
    ),
    ("get", "/api/v1/tokens", None, NoBody, of::<Vec<TokenInfo>>),
    ("delete", "/api/v1/tokens/{id}", None, NoBody, of::<Done>),
    (
        "put",
        "/api/v1/users/{id}/roles",
        None,
        Required(of::<accounts::Roles>),
        of::<User>,
    ),
    (
        "post",
        "/api/v1/users/{id}/approve",
        None,
        NoBody,
        of::<User>,
    ),
    (
        "post",
        "/api/v1/users/{id}/disable",
        None,
        NoBody,
        of::<User>,
    ),
    (
        "post",
        "/api/v1/users/{id}/enable",
        None,
        NoBody,
        of::<User>,
    ),
    (
        "put",
        "/api/v1/users/{id}/password",
        None,
        Required(of::<accounts::NewPassword>),
        of::<User>,
    ),
    (
        "post",
        "/api/v1/hosts/{host}/sdk-secret",
        None,
        Optional(of::<hosts::Rotate>),
        of::<RotatedSecret>,
    ),
    (
        "get",
        "/api/v1/review-queue",
        Some(inline::<crate::platform::review::VersionFilter>),
        NoBody,
        of::<Vec<QueueItem>>,
    ),
    (
        "get",
        "/api/v1/capabilities",
        None,
        NoBody,
        of::<Capabilities>,
    ),
];

fn bodies(method: &str, path: &str) -> Option<&'static Bodies> {
    BODIES.iter().find(|b| b.0 == method && b.1 == path)
}

/// What the document does not describe yet: `METHOD PATH: what`, one line each. Rows of
/// [`ROUTES`] without a row in [`BODIES`] (a route added without schemas), a request body
/// in one table and not the other, and rows of [`BODIES`] for no route.
pub fn undescribed() -> Vec<String> {
    let mut out = vec![];
    for (method, path, _, _, _, body) in ROUTES {
        let m = method.to_uppercase();
        match (body, bodies(method, path)) {
            (_, None) => out.push(format!("{m} {path}: no request or response schema")),
            (Some(_), Some((_, _, _, NoBody, _))) => {
                out.push(format!("{m} {path}: takes a body, but no request schema"))
            }
            (None, Some((_, _, _, Required(_) | Optional(_), _))) => out.push(format!(
                "{m} {path}: a request schema, but no body in ROUTES"
            )),
            _ => {}
        }
    }
    for (method, path, ..) in BODIES {
        if !ROUTES.iter().any(|r| r.0 == *method && r.1 == *path) {
            out.push(format!(
                "{} {path}: schemas for no route",
                method.to_uppercase()
            ));
        }
    }
    out
}

fn params(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect()
}

/// An object schema's properties as query parameters.
fn query_params(schema: &Value) -> Vec<Value> {
    let required = |name: &str| {
        schema["required"]
            .as_array()
            .is_some_and(|r| r.iter().any(|n| n == name))
    };
    let Some(props) = schema["properties"].as_object() else {
        return vec![];
    };
    props
        .iter()
        .map(|(name, prop)| {
            let mut prop = prop.clone();
            let description = prop.as_object_mut().and_then(|p| p.remove("description"));
            let mut p =
                json!({"name": name, "in": "query", "required": required(name), "schema": prop});
            if let Some(d) = description {
                p["description"] = d;
            }
            p
        })
        .collect()
}

fn generator(settings: SchemaSettings) -> SchemaGenerator {
    settings
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator()
}

const SCHEMAS: &str = "#/components/schemas/";

/// Rewrite `$ref`s to the renamed schemas.
fn rename_refs(v: &mut Value, renamed: &Map<String, Value>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("$ref")
                && let Some(Value::String(new)) =
                    r.strip_prefix(SCHEMAS).and_then(|n| renamed.get(n))
            {
                *r = format!("{SCHEMAS}{new}");
            }
            m.values_mut().for_each(|v| rename_refs(v, renamed));
        }
        Value::Array(a) => a.iter_mut().for_each(|v| rename_refs(v, renamed)),
        _ => {}
    }
}

/// Whether a schema `$ref`s any of `names`.
fn names_any(v: &Value, names: &Map<String, Value>) -> bool {
    match v {
        Value::Object(m) => {
            m.get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(SCHEMAS))
                .is_some_and(|n| names.contains_key(n))
                || m.values().any(|v| names_any(v, names))
        }
        Value::Array(a) => a.iter().any(|v| names_any(v, names)),
        _ => false,
    }
}

pub fn build() -> Value {
    // Answers are described as the server writes them (a field it leaves out when empty is
    // optional), requests as it reads them (a field with a default is optional). Where the
    // two differ for one type, the request's is `<Name>Input`.
    let mut reads = generator(SchemaSettings::draft2020_12().for_deserialize());
    let mut writes = generator(SchemaSettings::draft2020_12().for_serialize());
    let error = writes.subschema_for::<ErrorBody>().to_value();
    let mut ops = vec![];
    let mut requests = vec![];
    for (method, path, tag, auth, summary, body) in ROUTES {
        let described = bodies(method, path);
        let response = described.map_or(json!({}), |b| (b.4)(&mut writes).to_value());
        let media = response["contentMediaType"]
            .as_str()
            .unwrap_or(JSON)
            .to_string();
        let mut parameters = params(path);
        if let Some(query) = described.and_then(|b| b.2) {
            parameters.extend(query_params(&query(&mut reads).to_value()));
        }
        let mut op = json!({
            "tags": [tag],
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "200": {"description": "OK", "content": {media: {"schema": response}}},
                "default": {"description": "An error", "content": {JSON: {"schema": error}}},
            },
        });
        match auth {
            Auth::None => op["security"] = json!([]),
            Auth::User => op["security"] = json!([{"session": [], "csrf": []}, {"token": []}]),
            Auth::Sdk => op["security"] = json!([{"sdkKey": [], "sdkSignature": []}]),
        }
        let request = match described.map(|b| b.3) {
            Some(Required(f)) => Some((true, f(&mut reads).to_value())),
            Some(Optional(f)) => Some((false, f(&mut reads).to_value())),
            _ => body.map(|_| (true, json!({}))),
        };
        requests.push(request);
        ops.push((method, path, body, op));
    }

    let mut schemas = writes.take_definitions(true);
    let read_defs = reads.take_definitions(true);
    let mut renamed = Map::new();
    for (name, schema) in &read_defs {
        if schemas.get(name).is_some_and(|w| w != schema) {
            renamed.insert(name.clone(), json!(format!("{name}Input")));
        }
    }
    // A type whose own schema reads the same both ways but names a renamed one is renamed
    // too (`Rule` holds `Condition`s).
    loop {
        let more: Vec<String> = read_defs
            .iter()
            .filter(|(name, schema)| {
                !renamed.contains_key(*name)
                    && schemas.contains_key(*name)
                    && names_any(schema, &renamed)
            })
            .map(|(name, _)| name.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        for name in more {
            renamed.insert(name.clone(), json!(format!("{name}Input")));
        }
    }
    for (name, mut schema) in read_defs {
        rename_refs(&mut schema, &renamed);
        match renamed.get(&name) {
            Some(Value::String(new)) => schemas.insert(new.clone(), schema),
            _ => schemas.insert(name, schema),
        };
    }

    let mut paths = Map::new();
    for ((method, path, body, mut op), request) in ops.into_iter().zip(requests) {
        if let (Some((media, description)), Some((required, mut schema))) = (body, request) {
            rename_refs(&mut schema, &renamed);
            op["requestBody"] = json!({"required": required, "description": description, "content": {*media: {"schema": schema}}});
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
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "components": {
            "schemas": schemas,
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
    static DOCUMENT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    Json(DOCUMENT.get_or_init(build).clone())
}

/// A validator for one route's answer (`status` 2xx: its response schema; otherwise the
/// error's), resolving `$ref`s into the document. `None` for a route the document lacks.
pub fn response_validator(doc: &Value, method: &str, path: &str, success: bool) -> Option<Value> {
    let op = &doc["paths"][path][method.to_lowercase()];
    let content = &op["responses"][if success { "200" } else { "default" }]["content"];
    let mut schema = content.as_object()?.values().next()?["schema"].clone();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("components".into(), doc["components"].clone());
    }
    Some(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn each_schema(doc: &Value, mut f: impl FnMut(String, &Value)) {
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                let at = format!("{} {path}", method.to_uppercase());
                for (status, res) in op["responses"].as_object().unwrap() {
                    for media in res["content"].as_object().unwrap().values() {
                        f(format!("{at} → {status}"), &media["schema"]);
                    }
                }
                if let Some(body) = op.get("requestBody") {
                    for media in body["content"].as_object().unwrap().values() {
                        f(format!("{at} request"), &media["schema"]);
                    }
                }
            }
        }
    }

    /// The completeness check: every route has its request (where it takes one) and
    /// response bodies described. After merging new routes, the message lists those to fill.
    #[test]
    fn every_route_has_its_bodies_described() {
        let missing = undescribed();
        assert!(
            missing.is_empty(),
            "add these to BODIES in api/openapi.rs:\n{}",
            missing.join("\n")
        );
        let mut empty = vec![];
        each_schema(&build(), |at, schema| {
            if schema.as_object().is_none_or(|o| o.is_empty()) {
                empty.push(at);
            }
        });
        assert!(empty.is_empty(), "empty schemas: {empty:#?}");
    }

    #[test]
    fn every_ref_resolves_and_every_schema_is_json_schema_2020_12() {
        let doc = build();
        fn refs(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("$ref") {
                        out.push(r.clone());
                    }
                    m.values().for_each(|v| refs(v, out));
                }
                Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let mut all = vec![];
        refs(&doc, &mut all);
        assert!(all.len() > 40, "{} refs", all.len());
        for r in &all {
            let pointer = r.strip_prefix('#').expect("a local $ref");
            assert!(doc.pointer(pointer).is_some(), "{r} resolves to nothing");
        }
        for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
            if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
                panic!("components/schemas/{name}: {e}");
            }
        }
        each_schema(&doc, |at, schema| {
            assert!(
                jsonschema::draft202012::meta::is_valid(schema),
                "{at}: {schema}"
            );
        });
    }

    /// The gray-rule and whitelist bodies, which no document described before.
    #[test]
    fn gray_rules_and_whitelists_are_described_field_by_field() {
        let doc = build();
        let schemas = &doc["components"]["schemas"];
        let domains = &schemas["Domains"];
        let lists = ["request", "socket", "upload", "download", "web_view"];
        for list in lists {
            assert_eq!(domains["properties"][list]["type"], "array", "{domains}");
            assert_eq!(domains["properties"][list]["items"]["type"], "string");
        }
        assert_eq!(domains["required"], json!(lists));

        let body = &doc["paths"]["/api/v1/apps/{app_id}/release"]["put"]["requestBody"];
        let rules = body["content"][JSON]["schema"]["$ref"].as_str().unwrap();
        let rules = doc.pointer(&rules[1..]).unwrap();
        assert_eq!(rules["required"], json!(["rules"]));
        let rule_ref = rules["properties"]["rules"]["items"]["$ref"]
            .as_str()
            .unwrap();
        let rule = doc.pointer(&rule_ref[1..]).unwrap();
        assert_eq!(
            rule["required"],
            json!(["id", "version_code", "conditions"])
        );
        let condition = rule["properties"]["conditions"]["items"]["$ref"]
            .as_str()
            .unwrap();
        let condition = doc.pointer(&condition[1..]).unwrap();
        let kinds: Vec<&str> = condition["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["properties"]["kind"]["const"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "users",
                "percent",
                "host_version",
                "platforms",
                "tags",
                "window"
            ]
        );
        let percent = &condition["oneOf"][1];
        assert_eq!(percent["required"], json!(["kind", "percent"]));
        assert_eq!(percent["properties"]["percent"]["maximum"], 100);
        let host = &condition["oneOf"][2]["properties"]["min"];
        assert!(host.to_string().contains("HostVersion"), "{host}");
        assert!(schemas["HostVersion"]["pattern"].is_string());
    }

    /// A response that breaks its schema is refused: the check in the flow test can fail.
    #[test]
    fn a_wrong_field_type_fails_validation() {
        let doc = build();
        let schema = response_validator(&doc, "get", "/api/v1/orgs", true).unwrap();
        let v = jsonschema::draft202012::new(&schema).unwrap();
        let good = json!([{"id": 1, "name": "Bank", "operator": true}]);
        assert!(v.is_valid(&good), "{:?}", v.validate(&good));
        assert!(!v.is_valid(&json!([{"id": "1", "name": "Bank", "operator": true}])));
        assert!(!v.is_valid(&json!([{"id": 1, "name": "Bank"}])));
        let error = response_validator(&doc, "get", "/api/v1/orgs", false).unwrap();
        let e = jsonschema::draft202012::new(&error).unwrap();
        assert!(e.is_valid(&json!({"code": "forbidden", "message": "no"})));
        assert!(!e.is_valid(&json!({"code": 403, "message": "no"})));
    }
}
