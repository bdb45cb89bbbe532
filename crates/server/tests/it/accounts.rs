//! Credentials and roles (issue 16): the sign-in flood against a real listening server,
//! separation of duties through a second admin account, partner roles, the forced password
//! change, user management and scoped, expiring API tokens.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use cove_server::authz::Role;
use cove_server::config::ServerConfig;
use cove_server::platform::apps::NewApp;
use cove_server::platform::{Error, Platform, Upload};
use cove_server::workflow::Step;
use serde_json::{Value, json};
use tower::ServiceExt as _;

const PW: &str = "correct horse battery";

async fn platform(dir: &Path) -> Platform {
    platform_on(dir, None).await
}

async fn platform_on(dir: &Path, database: Option<String>) -> Platform {
    let cfg = ServerConfig {
        data_dir: dir.to_path_buf(),
        database,
        ..ServerConfig::default()
    };
    cove_server::serve::open(&cfg).await.unwrap()
}

fn roles(r: &[Role]) -> BTreeSet<Role> {
    r.iter().copied().collect()
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::from(ip))
        .build()
        .unwrap()
}

async fn sign_in(http: &reqwest::Client, base: &str, user: &str, pw: &str) -> (u16, Value) {
    let res = http
        .post(format!("{base}/api/v1/session"))
        .header("content-type", "application/json")
        .body(json!({"username": user, "password": pw}).to_string())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body = res.text().await.unwrap();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// 100 concurrent wrong guesses from one address, over TCP with the peer address as the
/// server sees it: at most the limit reach argon2, none fails with a 5xx, memory stays
/// bounded, and the real user still signs in from another address.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_signin_flood_checks_at_most_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    flood(platform(dir.path()).await).await;
}

/// The same on PostgreSQL, where the counters' row locks (not one database-wide write lock)
/// keep concurrent attempts from both passing a limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_signin_flood_checks_at_most_the_limit_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let (pg, url) = crate::pg::PgDatabase::create().await;
    let p = flood(platform_on(dir.path(), Some(url)).await).await;
    pg.drop_it(p.db.clone()).await;
}

async fn flood(p: Platform) -> Platform {
    let org = p.create_org(None, "Bank", true).await.unwrap();
    p.create_user(None, org.id, "alice", PW, &roles(&[Role::Admin]))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = cove_server::serve::router(&p);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let settings = p.settings.clone();
    let rss_before = rss_kib();

    // One address guesses one account...
    let attacker = client_from([127, 0, 0, 1]);
    let guesses = (0..100).map(|i| {
        let (http, base) = (attacker.clone(), base.clone());
        async move { sign_in(&http, &base, "alice", &format!("guess number {i:03}")).await }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let checks_one = p.hashing.checks();
    // ...another sprays 100 names.
    let sprayer = client_from([127, 0, 0, 3]);
    let spray = (0..100).map(|i| {
        let (http, base) = (sprayer.clone(), base.clone());
        async move { sign_in(&http, &base, &format!("user{i}"), "guess guess guess").await }
    });
    let answers: Vec<_> = answers
        .into_iter()
        .chain(futures_util::future::join_all(spray).await)
        .collect();
    let checks_all = p.hashing.checks();
    let rss_after = rss_kib();
    let delta_mib = rss_after.saturating_sub(rss_before) / 1024;
    eprintln!(
        "sign-in flood: {checks_one} password checks for 100 guesses at one account (limit {}), {} for 100 sprayed names (limit {}); peak {} hashes at once; RSS {} → {} MiB (+{delta_mib} MiB)",
        settings.login_failures,
        checks_all - checks_one,
        settings.login_failures_per_address,
        p.hashing.peak(),
        rss_before / 1024,
        rss_after / 1024,
    );
    for (status, body) in &answers {
        assert!(
            *status == 422 || *status == 429,
            "every guess is refused as wrong or rate-limited: {status} {body}"
        );
    }
    assert!(
        checks_one <= settings.login_failures as u64,
        "{checks_one} password checks for one account from one address; the limit is {}",
        settings.login_failures
    );
    assert!(
        checks_all - checks_one <= settings.login_failures_per_address as u64,
        "{} password checks from one address",
        checks_all - checks_one
    );
    assert!(p.hashing.peak() <= settings.hash_concurrency);
    assert!(delta_mib < 200, "resident memory grew by {delta_mib} MiB");

    // The flood locked out its address, not the account.
    let (status, body) = sign_in(&client_from([127, 0, 0, 2]), &base, "alice", PW).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sign_in(&attacker, &base, "alice", PW).await.0, 429);

    // Failures are audited one by one (within the budget), lock-outs once per counter.
    let alice = p.login("alice", PW, "127.0.0.9").await.unwrap().1.actor();
    let log = p.audit_log(&alice, 1000).await.unwrap();
    let count = |a: &str| log.iter().filter(|e| e.action == a).count();
    assert_eq!(count("session.fail") as u64, checks_all);
    assert_eq!(count("session.lockout"), 2, "alice@127.0.0.1 and 127.0.0.3");
    p
}

async fn upload_demo(p: &Platform, who: &cove_server::platform::Actor, app_id: &str) -> u64 {
    let zip = cove_server::upload::zip_source_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo"),
    )
    .unwrap();
    let up = Upload {
        kind: "source".into(),
        version_code: None,
        version_name: Some("1.0.0".into()),
        note: String::new(),
    };
    let v = p.upload(who, app_id, zip, &up).await.unwrap();
    p.step(who, app_id, v.code, Step::Submit).await.unwrap();
    v.code
}

fn refused(r: Result<impl std::fmt::Debug, Error>) -> String {
    match r {
        Err(Error::Forbidden(m)) => m,
        Err(Error::Refused { code, .. }) => code.to_string(),
        Err(Error::Workflow(w)) if w.code() == "forbidden" => w.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The bypass of issue 16: admin A uploads, makes admin B, and approves through B. B waits
/// for a second admin; once approved (by C, not A), B is still linked to A and may not
/// review or publish A's upload; neither may a reviewer A made. A partner organisation
/// cannot hold the reviewer or operator role.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_admin_is_no_sock_puppet() {
    let dir = tempfile::tempdir().unwrap();
    let p = platform(dir.path()).await;
    let bank = p.create_org(None, "Bank", true).await.unwrap();
    let partner = p.create_org(None, "Partner", false).await.unwrap();
    let a = p
        .create_user(None, bank.id, "admin-a", PW, &roles(&[Role::Admin]))
        .await
        .unwrap()
        .actor();
    let c_user = p
        .create_user(None, bank.id, "admin-c", PW, &roles(&[Role::Admin]))
        .await
        .unwrap();
    let c = c_user.actor();
    p.create_app(
        Some(&a),
        &NewApp {
            app_id: "wxcove0000demo01".into(),
            name: "SoD".into(),
            category: String::new(),
            icon: String::new(),
            org_id: partner.id,
        },
    )
    .await
    .unwrap();
    let code = upload_demo(&p, &a, "wxcove0000demo01").await;

    // A makes admin B: B waits, cannot sign in, and A cannot be the second admin.
    let b = p
        .create_user(Some(&a), bank.id, "admin-b", PW, &roles(&[Role::Admin]))
        .await
        .unwrap();
    assert!(b.roles.is_empty() && b.pending_roles.is_some(), "{b:?}");
    assert_eq!(
        refused(p.login("admin-b", PW, "10.0.0.2").await),
        "account_pending"
    );
    assert!(
        p.step(&b.actor(), "wxcove0000demo01", code, Step::Approve)
            .await
            .is_err()
    );
    assert_eq!(
        refused(p.approve_user(&a, b.id).await),
        "second_admin_required"
    );

    // C approves. B signs in (and must replace the password A chose)...
    p.approve_user(&c, b.id).await.unwrap();
    let (session, b_user) = p.login("admin-b", PW, "10.0.0.2").await.unwrap();
    assert!(b_user.must_change_password);
    let b_actor = p
        .session_user(&session.secret)
        .await
        .unwrap()
        .unwrap()
        .actor();
    p.change_password(
        &b_actor,
        &session.secret,
        PW,
        "a password only B knows",
        "10.0.0.2",
    )
    .await
    .unwrap();
    let b_actor = p
        .session_user(&session.secret)
        .await
        .unwrap()
        .unwrap()
        .actor();
    assert!(b_actor.principal.roles.contains(&Role::Admin));
    // ...but is still A's account for separation of duties: no approving, no publishing.
    let why = refused(
        p.step(&b_actor, "wxcove0000demo01", code, Step::Approve)
            .await,
    );
    assert!(why.contains("separation of duties"), "{why}");
    let why = refused(p.publish(&b_actor, "wxcove0000demo01", code, false).await);
    assert!(why.contains("separation of duties"), "{why}");
    // A reviewer A made is linked the same way (no approval needed for non-admins).
    let r = p
        .create_user(
            Some(&a),
            bank.id,
            "reviewer-r",
            PW,
            &roles(&[Role::Reviewer]),
        )
        .await
        .unwrap();
    let (rs, _) = p.login("reviewer-r", PW, "10.0.0.3").await.unwrap();
    let r_actor = p.session_user(&rs.secret).await.unwrap().unwrap().actor();
    assert!(
        refused(
            p.step(&r_actor, "wxcove0000demo01", code, Step::Approve)
                .await
        )
        .contains("separation of duties")
    );
    assert!(r.pending_roles.is_none());
    // C, unrelated to A, may.
    p.approve(
        &c,
        "wxcove0000demo01",
        code,
        "read the report; nothing sensitive",
        None,
    )
    .await
    .unwrap();

    // The audit log has the request, the approval, and an alert for each.
    let log = p.audit_log(&c, 1000).await.unwrap();
    let target = format!("user/{}", b.id);
    let on_b: Vec<&str> = log
        .iter()
        .filter(|e| e.target == target)
        .map(|e| e.action.as_str())
        .collect();
    for a in ["user.create", "user.approve", "alert"] {
        assert!(on_b.contains(&a), "{a} missing: {on_b:?}");
    }
    assert_eq!(on_b.iter().filter(|a| **a == "alert").count(), 2);

    // Granting admin to an existing user waits the same way.
    let dev = p
        .create_user(Some(&c), bank.id, "dev-d", PW, &roles(&[Role::Developer]))
        .await
        .unwrap();
    let d = p
        .set_roles(&c, dev.id, &roles(&[Role::Admin, Role::Developer]))
        .await
        .unwrap();
    assert_eq!(d.roles, roles(&[Role::Developer]));
    assert_eq!(
        refused(p.approve_user(&c, dev.id).await),
        "second_admin_required"
    );
    assert_eq!(
        p.approve_user(&a, dev.id).await.unwrap().roles,
        roles(&[Role::Admin, Role::Developer])
    );

    // Partners never hold review or operations roles, at creation or by a change.
    let p_admin = p
        .create_user(
            None,
            partner.id,
            "partner-admin",
            PW,
            &roles(&[Role::Admin]),
        )
        .await
        .unwrap()
        .actor();
    for role in [Role::Reviewer, Role::Operator] {
        assert_eq!(
            refused(
                p.create_user(Some(&p_admin), partner.id, "p-rev", PW, &roles(&[role]))
                    .await
            ),
            "role_not_allowed"
        );
        assert_eq!(
            refused(
                p.create_user(Some(&a), partner.id, "p-rev", PW, &roles(&[role]))
                    .await
            ),
            "role_not_allowed"
        );
    }
    let p_dev = p
        .create_user(
            Some(&p_admin),
            partner.id,
            "p-dev",
            PW,
            &roles(&[Role::Developer]),
        )
        .await
        .unwrap();
    assert_eq!(
        refused(
            p.set_roles(&p_admin, p_dev.id, &roles(&[Role::Reviewer]))
                .await
        ),
        "role_not_allowed"
    );
}

/// A small in-process client (no peer address: the limits count it as "unknown").
struct Api {
    app: Router,
}

#[derive(Clone, Default)]
struct As {
    cookie: Option<String>,
    csrf: Option<String>,
    token: Option<String>,
}

impl Api {
    async fn call(
        &self,
        who: &As,
        method: &str,
        path: &str,
        body: Value,
    ) -> (StatusCode, Value, Option<String>) {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(c) = &who.cookie {
            req = req.header(header::COOKIE, c);
        }
        if let Some(c) = &who.csrf {
            req = req.header("x-csrf-token", c);
        }
        if let Some(t) = &who.token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = if body.is_null() {
            Body::empty()
        } else {
            Body::from(body.to_string())
        };
        let res = self
            .app
            .clone()
            .oneshot(req.body(body).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let cookie = res
            .headers()
            .get(header::SET_COOKIE)
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string());
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            cookie,
        )
    }

    async fn status(
        &self,
        who: &As,
        method: &str,
        path: &str,
        body: Value,
    ) -> (StatusCode, String) {
        let (s, v, _) = self.call(who, method, path, body).await;
        (s, v["code"].as_str().unwrap_or_default().to_string())
    }

    async fn ok(&self, who: &As, method: &str, path: &str, body: Value) -> Value {
        let (s, v, _) = self.call(who, method, path, body).await;
        assert_eq!(s, StatusCode::OK, "{method} {path}: {v}");
        v
    }

    async fn login(&self, user: &str, pw: &str) -> (As, Value) {
        let (s, v, cookie) = self
            .call(
                &As::default(),
                "POST",
                "/api/v1/session",
                json!({"username": user, "password": pw}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let who = As {
            cookie,
            csrf: v["csrf"].as_str().map(str::to_string),
            token: None,
        };
        (who, v)
    }
}

/// The protocol the console and the demo follow: a one-time password answers sign-in with
/// `must_change_password: true`, and until it is changed every call but the session's own
/// is 403 `password_change_required`.
#[tokio::test]
async fn a_one_time_password_must_be_changed_first() {
    let dir = tempfile::tempdir().unwrap();
    let p = platform(dir.path()).await;
    let bank = p.create_org(None, "Bank", true).await.unwrap();
    let admin = p
        .create_user(None, bank.id, "admin", PW, &roles(&[Role::Admin]))
        .await
        .unwrap();
    p.force_password_change(admin.id).await.unwrap();
    let api = Api {
        app: cove_server::serve::router(&p),
    };

    let (me, v) = api.login("admin", PW).await;
    assert_eq!(v["must_change_password"], true, "{v}");
    for (method, path, body) in [
        ("GET", "/api/v1/apps", Value::Null),
        ("GET", "/api/v1/audit", Value::Null),
        ("POST", "/api/v1/orgs", json!({"name": "X"})),
        ("POST", "/api/v1/tokens", json!({"name": "ci"})),
    ] {
        assert_eq!(
            api.status(&me, method, path, body).await,
            (StatusCode::FORBIDDEN, "password_change_required".into()),
            "{method} {path}"
        );
    }
    assert_eq!(
        api.ok(&me, "GET", "/api/v1/session", Value::Null).await["must_change_password"],
        true
    );
    assert_eq!(
        api.status(
            &me,
            "PUT",
            "/api/v1/session/password",
            json!({"current": "not it at all", "new": "the admin's own secret"})
        )
        .await,
        (StatusCode::UNPROCESSABLE_ENTITY, "bad_credentials".into())
    );
    assert_eq!(
        api.status(
            &me,
            "PUT",
            "/api/v1/session/password",
            json!({"current": PW, "new": "short"})
        )
        .await,
        (StatusCode::UNPROCESSABLE_ENTITY, "weak_password".into())
    );
    api.ok(
        &me,
        "PUT",
        "/api/v1/session/password",
        json!({"current": PW, "new": "the admin's own secret"}),
    )
    .await;
    assert_eq!(
        api.ok(&me, "GET", "/api/v1/session", Value::Null).await["must_change_password"],
        false
    );
    api.ok(&me, "GET", "/api/v1/apps", Value::Null).await;
    // The old password is gone; the new one signs in without the flag.
    assert_eq!(
        api.status(
            &As::default(),
            "POST",
            "/api/v1/session",
            json!({"username": "admin", "password": PW})
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let (_, v) = api.login("admin", "the admin's own secret").await;
    assert_eq!(v["must_change_password"], false);
    // Signing out works while a change is required, too.
    p.force_password_change(admin.id).await.unwrap();
    let (me, _) = api.login("admin", "the admin's own secret").await;
    api.ok(&me, "DELETE", "/api/v1/session", Value::Null).await;
}

/// Users: create (one-time password), reset, disable, enable. Tokens: scope, expiry, list
/// without secrets, revoke; expired and revoked tokens are refused.
#[tokio::test]
async fn users_and_api_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = platform(dir.path()).await;
    let now = Arc::new(AtomicI64::new(1_800_000_000));
    let clock = now.clone();
    p.clock = Arc::new(move || clock.load(Ordering::SeqCst));
    let bank = p.create_org(None, "Bank", true).await.unwrap();
    let partner = p.create_org(None, "Partner", false).await.unwrap();
    p.create_user(None, bank.id, "admin", PW, &roles(&[Role::Admin]))
        .await
        .unwrap();
    let api = Api {
        app: cove_server::serve::router(&p),
    };
    let (admin, _) = api.login("admin", PW).await;

    let dev = api
        .ok(
            &admin,
            "POST",
            &format!("/api/v1/orgs/{}/users", partner.id),
            json!({"username": "dev", "password": "first password!", "roles": ["developer"]}),
        )
        .await;
    assert_eq!(dev["must_change_password"], true);
    let dev_id = dev["id"].as_u64().unwrap();
    let (d, v) = api.login("dev", "first password!").await;
    assert_eq!(v["must_change_password"], true);
    api.ok(
        &d,
        "PUT",
        "/api/v1/session/password",
        json!({"current": "first password!", "new": "dev's own password"}),
    )
    .await;

    // Tokens: made from a session, listed without secrets.
    let t = api
        .ok(
            &d,
            "POST",
            "/api/v1/tokens",
            json!({"name": "ci", "scope": "upload", "expires_days": 30}),
        )
        .await;
    let upload_token = t["token"].as_str().unwrap().to_string();
    assert_eq!(t["scope"], "upload");
    assert_eq!(
        t["expires_at"].as_i64().unwrap(),
        1_800_000_000 + 30 * 86_400
    );
    let r = api
        .ok(
            &d,
            "POST",
            "/api/v1/tokens",
            json!({"name": "dashboard", "scope": "read", "expires_days": 1}),
        )
        .await;
    let read = As {
        token: r["token"].as_str().map(str::to_string),
        ..As::default()
    };
    let up = As {
        token: Some(upload_token.clone()),
        ..As::default()
    };
    assert_eq!(
        api.status(
            &d,
            "POST",
            "/api/v1/tokens",
            json!({"name": "forever", "expires_days": 366})
        )
        .await,
        (StatusCode::UNPROCESSABLE_ENTITY, "bad_expiry".into())
    );
    let list = api.ok(&d, "GET", "/api/v1/tokens", Value::Null).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert!(
        !list.to_string().contains(&upload_token[5..]),
        "no secret in {list}"
    );
    for key in [
        "id",
        "name",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
    ] {
        assert!(list[0].get(key).is_some(), "{key} in {list}");
    }
    // A token cannot manage tokens.
    assert_eq!(
        api.status(&read, "GET", "/api/v1/tokens", Value::Null)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        api.status(&up, "POST", "/api/v1/tokens", json!({"name": "x"}))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    // Scopes: read reads only; upload cannot create an app (nor review, publish, ...).
    api.ok(&read, "GET", "/api/v1/apps", Value::Null).await;
    let new_app = json!({"app_id": "wxtokenscope0001", "name": "T", "org_id": partner.id});
    assert_eq!(
        api.status(&read, "POST", "/api/v1/apps", new_app.clone())
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        api.status(&up, "POST", "/api/v1/apps", new_app.clone())
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    api.ok(&d, "POST", "/api/v1/apps", new_app).await;
    let used = api.ok(&d, "GET", "/api/v1/tokens", Value::Null).await;
    assert!(
        used.as_array()
            .unwrap()
            .iter()
            .any(|t| t["last_used_at"].is_i64()),
        "{used}"
    );
    // Expiry: the read token lived a day.
    now.fetch_add(86_400, Ordering::SeqCst);
    // (Sessions last 12 hours: sign in again.)
    let (admin, _) = api.login("admin", PW).await;
    let (d, _) = api.login("dev", "dev's own password").await;
    assert_eq!(
        api.status(&read, "GET", "/api/v1/apps", Value::Null)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    api.ok(&up, "GET", "/api/v1/apps", Value::Null).await;
    // Revoked: refused at once.
    let id = t["id"].as_str().unwrap();
    api.ok(&d, "DELETE", &format!("/api/v1/tokens/{id}"), Value::Null)
        .await;
    assert_eq!(
        api.status(&up, "GET", "/api/v1/apps", Value::Null).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api.status(&d, "DELETE", &format!("/api/v1/tokens/{id}"), Value::Null)
            .await
            .0,
        StatusCode::NOT_FOUND
    );

    // Disable: the session ends and sign-in is refused; enable: back.
    let live = api
        .ok(&d, "POST", "/api/v1/tokens", json!({"name": "live"}))
        .await;
    let live = As {
        token: live["token"].as_str().map(str::to_string),
        ..As::default()
    };
    api.ok(
        &admin,
        "POST",
        &format!("/api/v1/users/{dev_id}/disable"),
        Value::Null,
    )
    .await;
    assert_eq!(
        api.status(&d, "GET", "/api/v1/apps", Value::Null).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api.status(&live, "GET", "/api/v1/apps", Value::Null)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api.status(
            &As::default(),
            "POST",
            "/api/v1/session",
            json!({"username": "dev", "password": "dev's own password"})
        )
        .await,
        (StatusCode::FORBIDDEN, "account_disabled".into())
    );
    api.ok(
        &admin,
        "POST",
        &format!("/api/v1/users/{dev_id}/enable"),
        Value::Null,
    )
    .await;
    api.ok(&live, "GET", "/api/v1/apps", Value::Null).await;
    // Reset: a one-time password, the user's sessions end.
    let (d, _) = api.login("dev", "dev's own password").await;
    api.ok(
        &admin,
        "PUT",
        &format!("/api/v1/users/{dev_id}/password"),
        json!({"password": "one-time password"}),
    )
    .await;
    assert_eq!(
        api.status(&d, "GET", "/api/v1/apps", Value::Null).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, v) = api.login("dev", "one-time password").await;
    assert_eq!(v["must_change_password"], true);
    // Nobody manages their own account this way.
    let me = api.ok(&admin, "GET", "/api/v1/session", Value::Null).await["user"]["id"]
        .as_u64()
        .unwrap();
    assert_eq!(
        api.status(
            &admin,
            "POST",
            &format!("/api/v1/users/{me}/disable"),
            Value::Null
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );

    let log = api
        .ok(&admin, "GET", "/api/v1/audit?limit=1000", Value::Null)
        .await;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "user.create",
        "user.password_change",
        "token.create",
        "token.revoke",
        "user.disable",
        "user.enable",
        "user.password_reset",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}

/// The gate hashes in reused working memory; its hashes and checks agree with argon2's own.
#[tokio::test]
async fn the_hash_gate_agrees_with_argon2() {
    use cove_server::credentials::{HashGate, hash_password, verify_password};
    let gate = HashGate::new(1);
    let mine = gate.hash(PW.into()).await.unwrap();
    assert!(
        mine.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{mine}"
    );
    assert!(verify_password(PW, &mine));
    let theirs = hash_password(PW).unwrap();
    for stored in [&mine, &theirs] {
        assert!(gate.verify(PW.into(), stored.clone()).await);
        assert!(!gate.verify(format!("{PW}!"), stored.clone()).await);
    }
    assert!(!gate.verify(PW.into(), "not a hash".into()).await);
    assert!(gate.hash("short".into()).await.is_err());
    assert_eq!(gate.checks(), 5);
    assert_eq!(gate.peak(), 1);
}
