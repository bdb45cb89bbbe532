//! Sessions, tokens, organisations, users and host apps (the audit log is in `audit.rs`).

use std::collections::BTreeSet;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiResult, Authed, Client, SESSION_COOKIE, SessionAuthed, cookie};
use crate::authz::{Role, Scope};
use crate::platform::{Error, NewHost, Platform, User};
use crate::sdk::Grants;

pub fn routes() -> Router<Platform> {
    Router::new()
        .route("/api/v1/session", post(login).get(whoami).delete(logout))
        .route("/api/v1/session/password", put(change_password))
        .route("/api/v1/tokens", post(create_token).get(tokens))
        .route("/api/v1/tokens/{id}", delete(revoke_token))
        .route("/api/v1/orgs", get(orgs).post(create_org))
        .route("/api/v1/orgs/{org}/users", get(users).post(create_user))
        .route("/api/v1/users/{id}/roles", put(set_roles))
        .route("/api/v1/users/{id}/approve", post(approve_user))
        .route("/api/v1/users/{id}/disable", post(disable_user))
        .route("/api/v1/users/{id}/enable", post(enable_user))
        .route("/api/v1/users/{id}/password", put(reset_password))
        .route("/api/v1/hosts", get(hosts).post(create_host))
        .route(
            "/api/v1/hosts/{host}/apps/{app_id}",
            put(grant).delete(revoke),
        )
}

#[derive(Deserialize, JsonSchema)]
pub(super) struct Login {
    username: String,
    password: String,
}

fn session_body(user: &User, csrf: &str) -> Value {
    json!({"user": {
        "id": user.id, "username": user.username, "roles": user.roles,
        "org_id": user.org_id, "org_name": user.org_name, "operator": user.operator,
    }, "csrf": csrf, "must_change_password": user.must_change_password})
}

async fn login(
    State(p): State<Platform>,
    Client(client): Client,
    Json(body): Json<Login>,
) -> ApiResult<Response> {
    let (session, user) = p
        .login(&body.username, &body.password, &client)
        .await
        .map_err(|e| match e {
            Error::Unauthenticated => {
                Error::invalid("bad_credentials", "wrong user name or password")
            }
            e => e,
        })?;
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        session.secret,
        p.settings.session_ttl,
        if p.settings.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    let mut res = Json(session_body(&user, &session.csrf)).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).expect("cookie is ASCII"),
    );
    Ok(res)
}

async fn whoami(State(p): State<Platform>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let secret = cookie(&headers, SESSION_COOKIE).ok_or(Error::Unauthenticated)?;
    let user = p
        .session_user(secret)
        .await?
        .ok_or(Error::Unauthenticated)?;
    Ok(Json(session_body(&user, &p.csrf_for(secret))))
}

async fn logout(
    State(p): State<Platform>,
    Authed(_): Authed,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if let Some(secret) = cookie(&headers, SESSION_COOKIE) {
        p.logout(secret).await?;
    }
    let mut res = Json(json!({"ok": true})).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("cove_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    Ok(res)
}

#[derive(Deserialize, JsonSchema)]
pub(super) struct PasswordChange {
    current: String,
    new: String,
}

/// Change one's own password (the only write allowed while a change is required).
async fn change_password(
    State(p): State<Platform>,
    SessionAuthed(who, secret): SessionAuthed,
    Client(client): Client,
    Json(body): Json<PasswordChange>,
) -> ApiResult<Json<Value>> {
    p.change_password(&who, &secret, &body.current, &body.new, &client)
        .await?;
    Ok(Json(json!({"ok": true, "must_change_password": false})))
}

#[derive(Deserialize, JsonSchema)]
pub(super) struct NewToken {
    name: String,
    #[serde(default)]
    scope: Scope,
    /// Days until it expires (1–365; 90 when left out).
    expires_days: Option<i64>,
}

/// Tokens are made, listed and revoked from a session only: a token cannot mint another
/// (which would outlive its own expiry) or revoke its siblings.
async fn create_token(
    State(p): State<Platform>,
    SessionAuthed(who, _): SessionAuthed,
    Json(body): Json<NewToken>,
) -> ApiResult<Json<Value>> {
    let (token, info) = p
        .create_token(&who, &body.name, body.scope, body.expires_days)
        .await?;
    let mut v = json!(info);
    v["token"] = json!(token);
    Ok(Json(v))
}

async fn tokens(
    State(p): State<Platform>,
    SessionAuthed(who, _): SessionAuthed,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(p.tokens(&who).await?)))
}

async fn revoke_token(
    State(p): State<Platform>,
    SessionAuthed(who, _): SessionAuthed,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    p.revoke_token(&who, &id).await?;
    Ok(Json(json!({"ok": true})))
}

async fn orgs(State(p): State<Platform>, Authed(who): Authed) -> ApiResult<Json<Value>> {
    Ok(Json(json!(p.orgs(&who).await?)))
}

#[derive(Deserialize, JsonSchema)]
pub(super) struct NewOrg {
    name: String,
}

async fn create_org(
    State(p): State<Platform>,
    Authed(who): Authed,
    Json(body): Json<NewOrg>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        p.create_org(Some(&who), &body.name, false).await?
    )))
}

async fn users(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(org): Path<u64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(p.users(&who, org).await?)))
}

#[derive(Deserialize, JsonSchema)]
pub(super) struct NewUser {
    username: String,
    password: String,
    roles: BTreeSet<Role>,
}

async fn create_user(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(org): Path<u64>,
    Json(body): Json<NewUser>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        p.create_user(Some(&who), org, &body.username, &body.password, &body.roles)
            .await?
    )))
}

#[derive(Deserialize, JsonSchema)]
pub(super) struct Roles {
    roles: BTreeSet<Role>,
}

async fn set_roles(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(id): Path<u64>,
    Json(body): Json<Roles>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(p.set_roles(&who, id, &body.roles).await?)))
}

async fn approve_user(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(id): Path<u64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(p.approve_user(&who, id).await?)))
}

async fn disable_user(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(id): Path<u64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(p.set_disabled(&who, id, true).await?)))
}

async fn enable_user(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(id): Path<u64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(p.set_disabled(&who, id, false).await?)))
}

#[derive(Deserialize, JsonSchema)]
pub(super) struct NewPassword {
    password: String,
}

/// An admin sets a one-time password; the user must change it at the next sign-in.
async fn reset_password(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(id): Path<u64>,
    Json(body): Json<NewPassword>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        p.reset_password(&who, id, &body.password).await?
    )))
}

async fn hosts(State(p): State<Platform>, Authed(who): Authed) -> ApiResult<Json<Value>> {
    Ok(Json(json!(p.hosts(&who).await?)))
}

async fn create_host(
    State(p): State<Platform>,
    Authed(who): Authed,
    Json(body): Json<NewHost>,
) -> ApiResult<Json<Value>> {
    let (host, secret) = p.create_host(Some(&who), &body).await?;
    let mut v = json!(host);
    v["sdk_secret"] = json!(secret);
    Ok(Json(v))
}

async fn grant(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path((host, app_id)): Path<(u64, String)>,
    Json(grants): Json<Grants>,
) -> ApiResult<Json<Value>> {
    p.grant(Some(&who), host, &app_id, &grants).await?;
    Ok(Json(json!({"ok": true})))
}

async fn revoke(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path((host, app_id)): Path<(u64, String)>,
) -> ApiResult<Json<Value>> {
    p.revoke(&who, host, &app_id).await?;
    Ok(Json(json!({"ok": true})))
}
