//! Sessions, tokens, organisations, users and host apps (the audit log is in `audit.rs`).

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{Path, State};
use schemars::JsonSchema;
use serde::Deserialize;

use super::bodies::{Done, NewHostBody, PasswordChanged, SessionBody, SessionUser, TokenBody};
use super::cookies::{self, SessionCookie, SetCookie};
use super::routes::{Routes, delete, get, post, put};
use super::{ApiResult, Authed, Client, SessionAuthed};
use crate::authz::{Role, Scope};
use crate::platform::{Error, Host, NewHost, Org, Platform, TokenInfo, User};
use crate::sdk::Grants;

pub fn routes() -> Routes<Platform> {
    const A: &str = "accounts";
    Routes::default()
        .route(
            post(
                "/api/v1/session",
                A,
                "Sign in; sets the session cookie and returns the CSRF token",
            ),
            login,
        )
        .route(
            get(
                "/api/v1/session",
                A,
                "The signed-in user and the session's CSRF token",
            ),
            whoami,
        )
        .route(delete("/api/v1/session", A, "Sign out"), logout)
        .route(
            put(
                "/api/v1/session/password",
                A,
                "Change your own password (session only); the one call allowed while must_change_password is set",
            ),
            change_password,
        )
        .route(
            post("/api/v1/tokens", A, "A new API token for CI (shown once)"),
            create_token,
        )
        .route(
            get(
                "/api/v1/tokens",
                A,
                "Your API tokens: id, name, scope, created, expires, last used (never the secret); session only",
            ),
            tokens,
        )
        .route(
            delete(
                "/api/v1/tokens/{id}",
                A,
                "Revoke one of your API tokens; session only",
            ),
            revoke_token,
        )
        .route(
            get("/api/v1/orgs", A, "Organisations visible to the caller"),
            orgs,
        )
        .route(
            post("/api/v1/orgs", A, "Create a partner organisation"),
            create_org,
        )
        .route(
            get("/api/v1/orgs/{org}/users", A, "An organisation's users"),
            users,
        )
        .route(
            post("/api/v1/orgs/{org}/users", A, "Create a user"),
            create_user,
        )
        .route(
            put(
                "/api/v1/users/{id}/roles",
                A,
                "Change a user's roles; granting admin waits for a second admin's approval",
            ),
            set_roles,
        )
        .route(
            post(
                "/api/v1/users/{id}/approve",
                A,
                "Approve a pending admin account or admin grant (a second admin, not the requester)",
            ),
            approve_user,
        )
        .route(
            post(
                "/api/v1/users/{id}/disable",
                A,
                "Disable a user: sessions end, tokens stop working",
            ),
            disable_user,
        )
        .route(
            post(
                "/api/v1/users/{id}/enable",
                A,
                "Enable a disabled user again",
            ),
            enable_user,
        )
        .route(
            put(
                "/api/v1/users/{id}/password",
                A,
                "Set a one-time password; the user must change it at the next sign-in",
            ),
            reset_password,
        )
        .route(
            get("/api/v1/hosts", "hosts", "Host apps with their grants"),
            hosts,
        )
        .route(
            post(
                "/api/v1/hosts",
                "hosts",
                "Register a host app; the answer holds its SDK secret, shown once",
            ),
            create_host,
        )
        .route(
            put(
                "/api/v1/hosts/{host}/apps/{app_id}",
                "hosts",
                "Let a host app load a mini-program, with its grants",
            ),
            grant,
        )
        .route(
            delete(
                "/api/v1/hosts/{host}/apps/{app_id}",
                "hosts",
                "Stop a host app loading a mini-program",
            ),
            revoke,
        )
}

#[derive(Deserialize, JsonSchema)]
pub(super) struct Login {
    username: String,
    password: String,
}

fn session_body(user: User, csrf: String) -> Json<SessionBody> {
    Json(SessionBody {
        must_change_password: user.must_change_password,
        user: SessionUser {
            id: user.id,
            username: user.username,
            roles: user.roles,
            org_id: user.org_id,
            org_name: user.org_name,
            operator: user.operator,
        },
        csrf,
    })
}

async fn login(
    State(p): State<Platform>,
    Client(client): Client,
    Json(body): Json<Login>,
) -> ApiResult<(SetCookie, Json<SessionBody>)> {
    let (session, user) = p
        .login(&body.username, &body.password, &client)
        .await
        .map_err(|e| match e {
            Error::Unauthenticated => {
                Error::invalid("bad_credentials", "wrong user name or password")
            }
            e => e,
        })?;
    let cookie = cookies::session(
        &session.secret,
        p.settings.session_ttl,
        p.settings.secure_cookies,
    );
    Ok((cookie, session_body(user, session.csrf)))
}

async fn whoami(
    State(p): State<Platform>,
    SessionCookie(secret): SessionCookie,
) -> ApiResult<Json<SessionBody>> {
    let secret = secret.ok_or(Error::Unauthenticated)?;
    let user = p
        .session_user(&secret)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let csrf = p.csrf_for(&secret);
    Ok(session_body(user, csrf))
}

async fn logout(
    State(p): State<Platform>,
    Authed(_): Authed,
    SessionCookie(secret): SessionCookie,
) -> ApiResult<(SetCookie, Json<Done>)> {
    if let Some(secret) = secret {
        p.logout(&secret).await?;
    }
    Ok((cookies::cleared(p.settings.secure_cookies), Json(Done::OK)))
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
) -> ApiResult<Json<PasswordChanged>> {
    p.change_password(&who, &secret, &body.current, &body.new, &client)
        .await?;
    Ok(Json(PasswordChanged {
        ok: true,
        must_change_password: false,
    }))
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
) -> ApiResult<Json<TokenBody>> {
    let (token, info) = p
        .create_token(&who, &body.name, body.scope, body.expires_days)
        .await?;
    Ok(Json(TokenBody { info, token }))
}

async fn tokens(
    State(p): State<Platform>,
    SessionAuthed(who, _): SessionAuthed,
) -> ApiResult<Json<Vec<TokenInfo>>> {
    Ok(Json(p.tokens(&who).await?))
}

async fn revoke_token(
    State(p): State<Platform>,
    SessionAuthed(who, _): SessionAuthed,
    Path(id): Path<String>,
) -> ApiResult<Json<Done>> {
    p.revoke_token(&who, &id).await?;
    Ok(Json(Done::OK))
}

async fn orgs(State(p): State<Platform>, Authed(who): Authed) -> ApiResult<Json<Vec<Org>>> {
    Ok(Json(p.orgs(&who).await?))
}

#[derive(Deserialize, JsonSchema)]
pub(super) struct NewOrg {
    name: String,
}

async fn create_org(
    State(p): State<Platform>,
    Authed(who): Authed,
    Json(body): Json<NewOrg>,
) -> ApiResult<Json<Org>> {
    Ok(Json(p.create_org(Some(&who), &body.name, false).await?))
}

async fn users(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(org): Path<u64>,
) -> ApiResult<Json<Vec<User>>> {
    Ok(Json(p.users(&who, org).await?))
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
) -> ApiResult<Json<User>> {
    Ok(Json(
        p.create_user(Some(&who), org, &body.username, &body.password, &body.roles)
            .await?,
    ))
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
) -> ApiResult<Json<User>> {
    Ok(Json(p.set_roles(&who, id, &body.roles).await?))
}

async fn approve_user(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(id): Path<u64>,
) -> ApiResult<Json<User>> {
    Ok(Json(p.approve_user(&who, id).await?))
}

async fn disable_user(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(id): Path<u64>,
) -> ApiResult<Json<User>> {
    Ok(Json(p.set_disabled(&who, id, true).await?))
}

async fn enable_user(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path(id): Path<u64>,
) -> ApiResult<Json<User>> {
    Ok(Json(p.set_disabled(&who, id, false).await?))
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
) -> ApiResult<Json<User>> {
    Ok(Json(p.reset_password(&who, id, &body.password).await?))
}

async fn hosts(State(p): State<Platform>, Authed(who): Authed) -> ApiResult<Json<Vec<Host>>> {
    Ok(Json(p.hosts(&who).await?))
}

async fn create_host(
    State(p): State<Platform>,
    Authed(who): Authed,
    Json(body): Json<NewHost>,
) -> ApiResult<Json<NewHostBody>> {
    let (host, sdk_secret) = p.create_host(Some(&who), &body).await?;
    Ok(Json(NewHostBody { host, sdk_secret }))
}

async fn grant(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path((host, app_id)): Path<(u64, String)>,
    Json(grants): Json<Grants>,
) -> ApiResult<Json<Done>> {
    p.grant(Some(&who), host, &app_id, &grants).await?;
    Ok(Json(Done::OK))
}

async fn revoke(
    State(p): State<Platform>,
    Authed(who): Authed,
    Path((host, app_id)): Path<(u64, String)>,
) -> ApiResult<Json<Done>> {
    p.revoke(&who, host, &app_id).await?;
    Ok(Json(Done::OK))
}
