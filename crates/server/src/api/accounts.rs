//! Sessions, tokens, organisations, users, host apps and the audit log.

use std::collections::BTreeSet;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiResult, Authed, Client, SESSION_COOKIE, cookie};
use crate::authz::Role;
use crate::platform::{Error, NewHost, Platform, User};
use crate::sdk::Grants;

pub fn routes() -> Router<Platform> {
    Router::new()
        .route("/api/v1/session", post(login).get(whoami).delete(logout))
        .route("/api/v1/tokens", post(create_token))
        .route("/api/v1/orgs", get(orgs).post(create_org))
        .route("/api/v1/orgs/{org}/users", get(users).post(create_user))
        .route("/api/v1/hosts", get(hosts).post(create_host))
        .route(
            "/api/v1/hosts/{host}/apps/{app_id}",
            put(grant).delete(revoke),
        )
        .route("/api/v1/audit", get(audit))
        .route("/api/v1/audit/verify", get(audit_verify))
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
    }, "csrf": csrf})
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
pub(super) struct NewToken {
    name: String,
}

async fn create_token(
    State(p): State<Platform>,
    Authed(who): Authed,
    Json(body): Json<NewToken>,
) -> ApiResult<Json<Value>> {
    let token = p.create_token(&who, &body.name).await?;
    Ok(Json(json!({"token": token, "name": body.name})))
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

#[derive(Deserialize, JsonSchema)]
pub(super) struct Limit {
    limit: Option<u32>,
}

async fn audit(
    State(p): State<Platform>,
    Authed(who): Authed,
    Query(q): Query<Limit>,
) -> ApiResult<Json<Value>> {
    let entries = p.audit_log(&who, q.limit.unwrap_or(100)).await?;
    Ok(Json(json!(entries)))
}

async fn audit_verify(State(p): State<Platform>, Authed(who): Authed) -> ApiResult<Json<Value>> {
    Ok(Json(match p.audit_verify(&who).await? {
        Ok(rows) => json!({"ok": true, "rows": rows}),
        Err(b) => json!({"ok": false, "broken": b.to_string()}),
    }))
}
