//! The platform end to end through its HTTP API, on embedded SQLite and on PostgreSQL: the
//! demo seed, sign-in with CSRF and its rate limit, partner isolation, upload (cloud compile)
//! → review → gray publish → rules → SDK resolve → download and open as the host's container
//! would → promote → rollback → takedown, whitelist review, tokens, and the audit chain.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use cove_package::{KeyPair, Trust};
use cove_server::config::ServerConfig;
use cove_server::platform::Platform;
use cove_server::sdk_auth::Signed;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::pg::PgDatabase;

const DEMO: &str = "wxcove0000demo01";

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// A caller: cookie and CSRF token after sign-in, or an API token.
#[derive(Clone, Default)]
struct As {
    cookie: Option<String>,
    csrf: Option<String>,
    token: Option<String>,
}

struct Server {
    app: Router,
    platform: Platform,
    _dir: tempfile::TempDir,
    /// Every exchange, for [`check_against_openapi`].
    seen: Seen,
}

/// One exchange: the JSON request body (if any) and the answer.
#[derive(Clone)]
struct Exchange {
    method: String,
    path: String,
    request: Option<Value>,
    status: StatusCode,
    content_type: String,
    body: Vec<u8>,
}

type Seen = std::sync::Arc<std::sync::Mutex<Vec<Exchange>>>;

impl Server {
    async fn start(database: Option<String>) -> Server {
        Self::start_suite(database, "intl").await
    }

    async fn start_suite(database: Option<String>, suite: &str) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let cfg = ServerConfig {
            data_dir: dir.path().to_path_buf(),
            database,
            suite: suite.into(),
            ..ServerConfig::default()
        };
        let platform = cove_server::serve::open(&cfg).await.unwrap();
        Server {
            app: cove_server::serve::router(&platform),
            platform,
            _dir: dir,
            seen: Seen::default(),
        }
    }

    async fn send(
        &self,
        who: &As,
        method: &str,
        path: &str,
        body: Body,
        ctype: &str,
    ) -> (StatusCode, Value, Option<String>) {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, ctype);
        if let Some(c) = &who.cookie {
            req = req.header(header::COOKIE, c);
        }
        if let Some(c) = &who.csrf {
            req = req.header("x-csrf-token", c);
        }
        if let Some(t) = &who.token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
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
        let ctype = content_type(&res);
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        self.record(method, path, status, ctype, &bytes);
        let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, v, cookie)
    }

    async fn json(&self, who: &As, method: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let b = if body.is_null() {
            Body::empty()
        } else {
            Body::from(body.to_string())
        };
        let (s, v, _) = self.send(who, method, path, b, "application/json").await;
        self.sent(body);
        (s, v)
    }

    async fn ok(&self, who: &As, method: &str, path: &str, body: Value) -> Value {
        let (s, v) = self.json(who, method, path, body).await;
        assert_eq!(s, StatusCode::OK, "{method} {path}: {v}");
        v
    }

    async fn login(&self, user: &str, password: &str) -> As {
        let (s, v, cookie) = self
            .send(
                &As::default(),
                "POST",
                "/api/v1/session",
                Body::from(json!({"username": user, "password": password}).to_string()),
                "application/json",
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let cookie = cookie.expect("a session cookie");
        assert!(cookie.starts_with("cove_session="));
        let who = As {
            cookie: Some(cookie),
            csrf: Some(v["csrf"].as_str().unwrap().to_string()),
            token: None,
        };
        // A one-time password (the demo admin's, one an admin set) is replaced first, as
        // the console does; until then everything else is refused.
        if v["must_change_password"] == true {
            let (st, refused) = self.json(&who, "GET", "/api/v1/apps", Value::Null).await;
            assert_eq!(
                (st, refused["code"].as_str()),
                (StatusCode::FORBIDDEN, Some("password_change_required"))
            );
            self.ok(
                &who,
                "PUT",
                "/api/v1/session/password",
                json!({"current": password, "new": changed(password)}),
            )
            .await;
        }
        who
    }

    async fn resolve(
        &self,
        key: &str,
        secret: &str,
        nonce: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        self.sdk("/sdk/v1/resolve", key, secret, nonce, body).await
    }

    async fn sdk(
        &self,
        path: &str,
        key: &str,
        secret: &str,
        nonce: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let request = body;
        let body = request.to_string();
        let ts = cove_server::platform::system_clock();
        let sig = Signed {
            method: "POST",
            path,
            body: body.as_bytes(),
            timestamp: ts,
            nonce,
        }
        .sign(secret.as_bytes());
        let req = Request::post(path)
            .header("x-cove-key", key)
            .header("x-cove-timestamp", ts.to_string())
            .header("x-cove-nonce", nonce)
            .header("x-cove-signature", sig)
            .body(Body::from(body))
            .unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        let s = res.status();
        let ctype = content_type(&res);
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        self.record("POST", path, s, ctype, &bytes);
        self.sent(request);
        (s, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn download(&self, url: &str) -> Vec<u8> {
        let res = self
            .app
            .clone()
            .oneshot(Request::get(url).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{url}");
        let ctype = content_type(&res);
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        self.record("GET", url, StatusCode::OK, ctype, &bytes);
        bytes
    }

    fn record(&self, method: &str, path: &str, status: StatusCode, ctype: String, body: &[u8]) {
        self.seen.lock().unwrap().push(Exchange {
            method: method.to_uppercase(),
            path: path.to_string(),
            request: None,
            status,
            content_type: ctype,
            body: body.to_vec(),
        });
    }

    /// The JSON body of the request just recorded.
    fn sent(&self, body: Value) {
        if let Some(last) = self.seen.lock().unwrap().last_mut() {
            last.request = (!body.is_null()).then_some(body);
        }
    }
}

fn content_type(res: &axum::response::Response) -> String {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The document's path template that a concrete path matches, the most literal one first
/// (`/api/v1/apps/x/rollback` is not `/api/v1/apps/{app_id}/{...}`).
fn template<'a>(doc: &'a Value, method: &str, path: &str) -> Option<&'a str> {
    let path = path.split('?').next().unwrap();
    let segs: Vec<&str> = path.split('/').collect();
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, ops)| ops.get(method.to_lowercase()).is_some())
        .map(|(t, _)| t.as_str())
        .filter(|t| {
            let ts: Vec<&str> = t.split('/').collect();
            ts.len() == segs.len()
                && ts
                    .iter()
                    .zip(&segs)
                    .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
        })
        .max_by_key(|t| t.split('/').filter(|s| !s.starts_with('{')).count())
}

/// Every answer the server gave in a flow against `/openapi.json`: a success against its
/// route's response schema, an error against `{code, message}`; and every JSON request it
/// accepted against the route's request schema. Then the negative control: a real answer
/// with one field of the wrong type must not validate.
async fn check_against_openapi(server: &Server, min_ops: usize) -> Answered {
    let doc = server
        .ok(&As::default(), "GET", "/openapi.json", Value::Null)
        .await;
    let seen = server.seen.lock().unwrap().clone();
    let mut checked = std::collections::BTreeSet::new();
    let mut failures = vec![];
    let mut detail = None;
    for Exchange {
        method,
        path,
        request,
        status,
        content_type: ctype,
        body,
    } in &seen
    {
        let Some(route) = template(&doc, method, path) else {
            failures.push(format!("{method} {path}: not in the document"));
            continue;
        };
        let ok = status.is_success() || status.is_redirection();
        if let (Some(request), true) = (request, ok) {
            let schema = request_schema(&doc, method, route)
                .unwrap_or_else(|| panic!("{method} {path}: a body, but none in the document"));
            let validator = jsonschema::draft202012::new(&schema).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(request)
                .map(|e| e.to_string())
                .collect();
            if !errors.is_empty() {
                failures.push(format!("{method} {path} request: {errors:?}\n{request}"));
            }
        }
        let schema =
            cove_server::api::openapi::response_validator(&doc, method, route, ok).unwrap();
        if !ctype.starts_with("application/json") {
            // Package bytes: the document must say so.
            assert!(
                schema.get("contentMediaType").is_some() && ok,
                "{method} {path}: {status} {ctype}"
            );
            checked.insert((method.clone(), route.to_string(), ok));
            continue;
        }
        let v: Value = serde_json::from_slice(body).unwrap();
        let validator = jsonschema::draft202012::new(&schema).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&v)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if !errors.is_empty() {
            failures.push(format!("{method} {path} ({status}): {errors:?}\n{v}"));
        }
        checked.insert((method.clone(), route.to_string(), ok));
        if ok && route == "/api/v1/apps/{app_id}/versions/{code}" && method == "GET" {
            detail = Some((validator, v, "/report/total_bytes".to_string()));
        } else if ok && detail.is_none() && v.is_object() {
            let first = v.as_object().unwrap().keys().next().unwrap().clone();
            detail = Some((validator, v, format!("/{first}")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // What this flow leaves unchecked, for whoever extends it.
    let mut unchecked = vec![];
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            if !checked.contains(&(method.to_uppercase(), path.clone(), true)) {
                unchecked.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    eprintln!(
        "{} answers checked against /openapi.json; no success answer seen for: {unchecked:?}",
        seen.len()
    );
    let ops = checked.iter().filter(|c| c.2).count();
    assert!(
        ops >= min_ops,
        "only {ops} operations answered with success: {checked:?}"
    );

    // The control: one field of a real answer given the wrong type (a version with its
    // report, when the flow read one; else the first object answer).
    let (validator, mut v, field) = detail.expect("a JSON object answer to spoil");
    assert!(validator.is_valid(&v));
    *v.pointer_mut(&field).unwrap() = json!({"not": "what the schema says"});
    assert!(!validator.is_valid(&v), "{field} spoilt, yet valid: {v}");
    // And a real answer with a field renamed (the sign-in's `csrf`) must not validate.
    let login = seen
        .iter()
        .find(|e| e.method == "POST" && e.path == "/api/v1/session" && e.status.is_success())
        .expect("a sign-in");
    let mut v: Value = serde_json::from_slice(&login.body).unwrap();
    let schema =
        cove_server::api::openapi::response_validator(&doc, "POST", "/api/v1/session", true)
            .unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    assert!(validator.is_valid(&v));
    let csrf = v.as_object_mut().unwrap().remove("csrf").unwrap();
    v["csrf_token"] = csrf;
    assert!(!validator.is_valid(&v), "csrf renamed, yet valid: {v}");
    checked
        .into_iter()
        .filter(|c| c.2)
        .map(|(m, p, _)| format!("{m} {p}"))
        .collect()
}

/// The operations (`METHOD /path/{template}`) a flow saw answer with success, each answer
/// checked against the document.
type Answered = std::collections::BTreeSet<String>;

/// Every operation `/openapi.json` describes has had a real success answer checked against
/// its schema, in one flow or the other.
fn assert_every_operation_answered(answered: &Answered) {
    let doc = cove_server::api::openapi::build();
    let mut missing = vec![];
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for method in ops.as_object().unwrap().keys() {
            let op = format!("{} {path}", method.to_uppercase());
            if !answered.contains(&op) {
                missing.push(op);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "no success answer checked for: {missing:?}"
    );
}

/// The request schema of a route, with the document's components to resolve `$ref`s.
fn request_schema(doc: &Value, method: &str, route: &str) -> Option<Value> {
    let body = &doc["paths"][route][method.to_lowercase()]["requestBody"]["content"];
    let mut schema = body.as_object()?.values().next()?["schema"].clone();
    schema["components"] = doc["components"].clone();
    Some(schema)
}

/// The password `Server::login` replaces a one-time `password` with.
fn changed(password: &str) -> String {
    format!("{password} (changed)")
}

fn source_zip(version: &str) -> Vec<u8> {
    let dir = examples().join("demo");
    let tree = cove_compiler::SourceTree::from_dir(&dir).unwrap();
    let mut files: cove_compiler::output::Files = tree
        .paths()
        .map(|p| (p.to_string(), tree.get(p).unwrap().to_vec()))
        .collect();
    // A visible change, so the report's diff has something in it.
    let page = files
        .keys()
        .find(|p| p.ends_with("counter.wxml"))
        .cloned()
        .unwrap();
    files
        .get_mut(&page)
        .unwrap()
        .extend_from_slice(format!("\n<view>release {version}</view>\n").as_bytes());
    cove_compiler::output::zip_bytes(&files).unwrap()
}

async fn flow(server: Server) -> Answered {
    let s = &server;
    let seeded = cove_server::demo::seed(
        &s.platform,
        &[examples().join("demo")],
        &s._dir.path().join("keys"),
    )
    .await
    .unwrap()
    .expect("an empty platform is seeded");
    // Seeding twice does nothing.
    assert!(
        cove_server::demo::seed(&s.platform, &[], Path::new("/nonexistent"))
            .await
            .unwrap()
            .is_none()
    );

    // Sign-in: a wrong password is refused without saying which half was wrong.
    let (st, v) = s
        .json(
            &As::default(),
            "POST",
            "/api/v1/session",
            json!({"username": "admin", "password": "not the password"}),
        )
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_credentials"))
    );
    let admin = s.login(&seeded.admin.0, &seeded.admin.1).await;
    let dev = s.login(&seeded.developer.0, &seeded.developer.1).await;
    let me = s.ok(&admin, "GET", "/api/v1/session", Value::Null).await;
    assert_eq!(me["user"]["operator"], true);

    let apps = s.ok(&admin, "GET", "/api/v1/apps", Value::Null).await;
    assert_eq!(apps[0]["app_id"], DEMO);
    assert_eq!(apps[0]["live_version"], 1);

    // CSRF: the cookie alone does not change anything.
    let no_csrf = As {
        csrf: None,
        ..admin.clone()
    };
    let (st, v) = s
        .json(&no_csrf, "POST", "/api/v1/orgs", json!({"name": "Sneaky"}))
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden")),
        "{v}"
    );
    let wrong_csrf = As {
        csrf: Some("00".repeat(32)),
        ..admin.clone()
    };
    assert_eq!(
        s.json(
            &wrong_csrf,
            "POST",
            "/api/v1/orgs",
            json!({"name": "Sneaky"})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (st, _) = s
        .json(&As::default(), "GET", "/api/v1/apps", Value::Null)
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // A second partner sees nothing of the first's mini-program: 404, as for no such app.
    let other = s
        .ok(
            &admin,
            "POST",
            "/api/v1/orgs",
            json!({"name": "Other Partner"}),
        )
        .await;
    let other_id = other["id"].as_u64().unwrap();
    s.ok(&admin, "POST", &format!("/api/v1/orgs/{other_id}/users"), json!({"username": "other-dev", "password": "correct horse battery", "roles": ["developer"]})).await;
    let outsider = s.login("other-dev", "correct horse battery").await;
    assert_eq!(
        s.ok(&outsider, "GET", "/api/v1/apps", Value::Null).await,
        json!([])
    );
    let (st, v) = s
        .json(
            &outsider,
            "GET",
            &format!("/api/v1/apps/{DEMO}"),
            Value::Null,
        )
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    assert_eq!(
        s.json(&dev, "GET", "/api/v1/hosts", Value::Null).await.0,
        StatusCode::FORBIDDEN
    );

    // CI uploads with a token: no cookie, no CSRF.
    let token = s
        .ok(&dev, "POST", "/api/v1/tokens", json!({"name": "ci"}))
        .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(token.starts_with("cove_"));
    let ci = As {
        token: Some(token),
        ..As::default()
    };
    let (st, v, _) = s
        .send(
            &ci,
            "POST",
            &format!(
                "/api/v1/apps/{DEMO}/versions?kind=source&version_name=1.1.0&note=gray%20candidate"
            ),
            Body::from(source_zip("1.1.0")),
            "application/zip",
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        (v["code"].as_u64(), v["state"].as_str()),
        (Some(2), Some("uploaded"))
    );
    let detail = s
        .ok(
            &dev,
            "GET",
            &format!("/api/v1/apps/{DEMO}/versions/2"),
            Value::Null,
        )
        .await;
    let diff = detail["report"]["diff"]
        .as_array()
        .expect("a diff against the live version");
    assert!(
        diff.iter()
            .any(|f| f["patch"].as_str().unwrap_or("").contains("release 1.1.0")),
        "{diff:?}"
    );
    // Version codes only go up.
    let (st, v, _) = s
        .send(
            &ci,
            "POST",
            &format!("/api/v1/apps/{DEMO}/versions?kind=source&version_code=2"),
            Body::from(source_zip("again")),
            "application/zip",
        )
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
    // Garbage is refused with the package reader's code.
    let (st, v, _) = s
        .send(
            &ci,
            "POST",
            &format!("/api/v1/apps/{DEMO}/versions"),
            Body::from("not a zip"),
            "application/zip",
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // Review: the uploader's side submits; only the operator's reviewers decide.
    s.ok(
        &ci,
        "POST",
        &format!("/api/v1/apps/{DEMO}/versions/2/submit"),
        Value::Null,
    )
    .await;
    assert_eq!(
        s.json(
            &dev,
            "POST",
            &format!("/api/v1/apps/{DEMO}/versions/2/approve"),
            Value::Null
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let (st, v) = s
        .json(
            &admin,
            "POST",
            &format!("/api/v1/apps/{DEMO}/versions/2/reject"),
            json!({"reason": " "}),
        )
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason_required"))
    );
    // An approval needs the reviewer's comment.
    let (st, v) = s
        .json(
            &admin,
            "POST",
            &format!("/api/v1/apps/{DEMO}/versions/2/approve"),
            Value::Null,
        )
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("comment_required"))
    );
    s.ok(
        &admin,
        "POST",
        &format!("/api/v1/apps/{DEMO}/versions/2/approve"),
        json!({"comment": "report read: no findings"}),
    )
    .await;
    let v = s
        .ok(
            &admin,
            "POST",
            &format!("/api/v1/apps/{DEMO}/versions/2/publish-gray"),
            Value::Null,
        )
        .await;
    assert_eq!(
        (v["state"].as_str(), v["published"].as_bool()),
        (Some("released"), Some(true))
    );

    // Gray: one user on 2, everyone else on the live 1.
    let rules = json!({"rules": [{"id": "staff", "version_code": 2, "conditions": [{"kind": "users", "ids": ["u-staff"]}]}]});
    s.ok(
        &admin,
        "PUT",
        &format!("/api/v1/apps/{DEMO}/release"),
        rules,
    )
    .await;
    let bad = json!({"rules": [{"id": "x", "version_code": 9, "conditions": []}]});
    assert_eq!(
        s.json(&admin, "PUT", &format!("/api/v1/apps/{DEMO}/release"), bad)
            .await
            .1["code"],
        "version_not_published"
    );
    let why = s
        .ok(
            &admin,
            "GET",
            &format!("/api/v1/apps/{DEMO}/explain?user_id=u-staff"),
            Value::Null,
        )
        .await;
    assert_eq!(
        (why["version_code"].as_u64(), why["rule"].as_str()),
        (Some(2), Some("staff"))
    );

    let (key, secret) = (seeded.host_key.as_str(), seeded.host_secret.as_str());
    let (st, staff) = s
        .resolve(
            key,
            secret,
            "nonce-staff-1",
            json!({"app_id": DEMO, "user_id": "u-staff"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{staff}");
    assert_eq!(
        (staff["version"]["code"].as_u64(), staff["rule"].as_str()),
        (Some(2), Some("staff"))
    );
    // The signed policy is the policy sent, with how long it holds: 7 days from its signing
    // (the default `[policy]`), and 3 days more for a device that cannot reach the platform.
    let payload: Value = {
        use base64::Engine as _;
        let b64 = staff["policy_signature"]["payload"].as_str().unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap(),
        )
        .unwrap()
    };
    let issued = payload["issued_at"].as_i64().unwrap();
    assert!(
        (cove_server::platform::system_clock() - issued).abs() < 3600,
        "{payload}"
    );
    assert_eq!(payload["expires_at"].as_i64(), Some(issued + 7 * 24 * 3600));
    assert_eq!(payload["grace_secs"], 3 * 24 * 3600);
    assert_eq!(
        (&payload["domains"], &payload["grants"]),
        (&staff["policy"]["domains"], &staff["policy"]["grants"])
    );
    let (_, public) = s
        .resolve(
            key,
            secret,
            "nonce-public-1",
            json!({"app_id": DEMO, "user_id": "u-public"}),
        )
        .await;
    assert_eq!(public["version"]["code"], 1);
    let (st, v) = s
        .resolve(
            key,
            secret,
            "nonce-staff-1",
            json!({"app_id": DEMO, "user_id": "u-staff"}),
        )
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("sdk_replayed_nonce"))
    );
    let (st, v) = s
        .resolve(
            key,
            "not the secret",
            "nonce-bad-1",
            json!({"app_id": DEMO, "user_id": "u"}),
        )
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("sdk_bad_signature"))
    );

    // The host's container opens what it was sent: sealed for its key, signed by the platform.
    assert_eq!(staff["package"]["sealed"], true);
    let bytes = s.download(staff["package"]["url"].as_str().unwrap()).await;
    let host_key =
        KeyPair::from_json(&std::fs::read_to_string(&seeded.host_sealing_key).unwrap()).unwrap();
    let trust = Trust {
        signing_keys: vec![s.platform.signing_key.public()],
        host_keys: vec![host_key],
        installed_version: Some(1),
        ..Trust::default()
    };
    let opened = cove_package::open(&bytes, &trust).unwrap();
    assert_eq!(opened.manifest.version_code, 2);
    // Another host's key cannot open it.
    let stranger =
        KeyPair::generate(cove_package::Suite::Intl, cove_package::Purpose::Seal, None).unwrap();
    assert!(
        cove_package::open(
            &bytes,
            &Trust {
                host_keys: vec![stranger],
                ..trust.clone()
            }
        )
        .is_err()
    );

    // Promote 2 to everyone, then roll back to 1: re-signed as a rollback, so a container
    // that has 2 installed accepts it.
    s.ok(
        &admin,
        "POST",
        &format!("/api/v1/apps/{DEMO}/promote"),
        json!({"version_code": 2}),
    )
    .await;
    let (_, v) = s
        .resolve(
            key,
            secret,
            "nonce-public-2",
            json!({"app_id": DEMO, "user_id": "u-public"}),
        )
        .await;
    assert_eq!(v["version"]["code"], 2);
    assert_eq!(
        s.json(
            &dev,
            "POST",
            &format!("/api/v1/apps/{DEMO}/rollback"),
            json!({"version_code": 1})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    s.ok(
        &admin,
        "POST",
        &format!("/api/v1/apps/{DEMO}/rollback"),
        json!({"version_code": 1}),
    )
    .await;
    let (_, v) = s
        .resolve(
            key,
            secret,
            "nonce-public-3",
            json!({"app_id": DEMO, "user_id": "u-public"}),
        )
        .await;
    assert_eq!(v["version"]["code"], 1);
    let old = s.download(v["package"]["url"].as_str().unwrap()).await;
    let opened = cove_package::open(
        &old,
        &Trust {
            installed_version: Some(2),
            ..trust.clone()
        },
    )
    .unwrap();
    assert_eq!(opened.manifest.version_code, 1);
    // Signed as a rollback of what was published above it (2), and nothing else.
    let sig = opened.signature.unwrap();
    assert!(sig.rollback);
    assert_eq!(
        sig.rollback_from,
        Some(cove_package::RollbackRange { min: 2, max: 2 })
    );
    let later = cove_package::open(
        &old,
        &Trust {
            installed_version: Some(3),
            ..trust.clone()
        },
    )
    .unwrap_err();
    assert_eq!(later.code(), "rollback_out_of_range");

    // Takedown stops delivery at once; restore brings it back.
    assert_eq!(
        s.json(
            &admin,
            "POST",
            &format!("/api/v1/apps/{DEMO}/takedown"),
            json!({"reason": ""})
        )
        .await
        .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    s.ok(
        &admin,
        "POST",
        &format!("/api/v1/apps/{DEMO}/takedown"),
        json!({"reason": "incident 42"}),
    )
    .await;
    let (st, v) = s
        .resolve(
            key,
            secret,
            "nonce-down-1",
            json!({"app_id": DEMO, "user_id": "u-public"}),
        )
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (StatusCode::GONE, Some("app_taken_down"))
    );
    s.ok(
        &admin,
        "POST",
        &format!("/api/v1/apps/{DEMO}/restore"),
        Value::Null,
    )
    .await;
    assert_eq!(
        s.resolve(
            key,
            secret,
            "nonce-up-1",
            json!({"app_id": DEMO, "user_id": "u-public"})
        )
        .await
        .0,
        StatusCode::OK
    );

    // Whitelists change only through review, and not by their proposer.
    let domains = json!({"domains": {"request": ["api.bank.example"], "socket": [], "upload": [], "download": [], "web_view": []}});
    let (st, v) = s.json(&dev, "PUT", &format!("/api/v1/apps/{DEMO}/domains"), json!({"domains": {"request": ["https://x.example/path"], "socket": [], "upload": [], "download": [], "web_view": []}})).await;
    assert_eq!(
        (st, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_domain"))
    );
    s.ok(
        &dev,
        "PUT",
        &format!("/api/v1/apps/{DEMO}/domains"),
        domains,
    )
    .await;
    let app = s
        .ok(&dev, "GET", &format!("/api/v1/apps/{DEMO}"), Value::Null)
        .await;
    assert_eq!(app["domains"]["request"], json!([]));
    assert_eq!(
        app["pending_domains"]["domains"]["request"],
        json!(["api.bank.example"])
    );
    assert_eq!(
        s.json(
            &dev,
            "POST",
            &format!("/api/v1/apps/{DEMO}/domains/approve"),
            Value::Null
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    s.ok(
        &admin,
        "POST",
        &format!("/api/v1/apps/{DEMO}/domains/approve"),
        Value::Null,
    )
    .await;
    let (_, v) = s
        .resolve(
            key,
            secret,
            "nonce-policy-1",
            json!({"app_id": DEMO, "user_id": "u-public"}),
        )
        .await;
    assert_eq!(
        v["policy"]["domains"]["request"],
        json!(["api.bank.example"])
    );

    // The SDK's events become the console's statistics; another app's events are dropped.
    let now_ms = cove_server::platform::system_clock() * 1000;
    let batch = json!({"events": [
        {"type": "launch", "app_id": DEMO, "version_code": 1, "user_id": "u-public", "at_ms": now_ms},
        {"type": "launch", "app_id": DEMO, "version_code": 1, "user_id": "u-staff", "at_ms": now_ms},
        {"type": "launch", "app_id": DEMO, "version_code": 1, "user_id": "u-staff", "at_ms": now_ms},
        {"type": "api_call", "app_id": DEMO, "version_code": 1, "user_id": "u-staff", "at_ms": now_ms, "api": "request", "ok": false, "err_msg": "request:fail timeout"},
        {"type": "error", "app_id": DEMO, "version_code": 1, "user_id": "u-staff", "at_ms": now_ms, "message": "TypeError: x is undefined"},
        {"type": "launch", "app_id": "wxnotonthishost", "version_code": 1, "user_id": "u", "at_ms": now_ms},
    ]});
    let (st, v) = s
        .sdk("/sdk/v1/events", key, secret, "nonce-events-1", batch)
        .await;
    assert_eq!(
        (st, v["recorded"].as_u64(), v["dropped"].as_u64()),
        (StatusCode::OK, Some(5), Some(1)),
        "{v}"
    );
    let (st, v) = s
        .sdk(
            "/sdk/v1/events",
            key,
            secret,
            "nonce-events-2",
            json!({"events": [{"type": "launch"}]}),
        )
        .await;
    assert_eq!(
        (st, v["code"].as_str(), v["index"].as_u64()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_event"), Some(0)),
        "{v}"
    );
    let stats = s
        .ok(
            &dev,
            "GET",
            &format!("/api/v1/apps/{DEMO}/stats?days=7"),
            Value::Null,
        )
        .await;
    let today = stats["days"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (
            today["launches"].as_u64(),
            today["users"].as_u64(),
            today["errors"].as_u64()
        ),
        (Some(3), Some(2), Some(1)),
        "{today}"
    );
    assert_eq!(stats["failing_apis"][0]["api"], "request", "{stats}");
    assert_eq!(
        s.json(
            &outsider,
            "GET",
            &format!("/api/v1/apps/{DEMO}/stats"),
            Value::Null
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );

    // Every change is in the chain.
    let log = s
        .ok(&admin, "GET", "/api/v1/audit?limit=500", Value::Null)
        .await;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "version.upload",
        "version.approve",
        "version.publish_gray",
        "release.rules",
        "version.promote",
        "version.rollback",
        "app.takedown",
        "app.restore",
        "domains.approve",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let verify = s
        .ok(&admin, "GET", "/api/v1/audit/verify", Value::Null)
        .await;
    assert_eq!(verify["ok"], true, "{verify}");
    assert_eq!(verify["rows"].as_u64().unwrap() as usize, actions.len());
    assert_eq!(
        s.json(&dev, "GET", "/api/v1/audit", Value::Null).await.0,
        StatusCode::FORBIDDEN
    );

    // Sign-in is rate-limited per user name: the sixth wrong guess is refused even with the
    // right password.
    for _ in 0..5 {
        let (st, _) = s
            .json(
                &As::default(),
                "POST",
                "/api/v1/session",
                json!({"username": "other-dev", "password": "wrong wrong wrong"}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (st, v) = s
        .json(
            &As::default(),
            "POST",
            "/api/v1/session",
            json!({"username": "other-dev", "password": changed("correct horse battery")}),
        )
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited"))
    );

    // Sign-out ends the session.
    s.ok(&dev, "DELETE", "/api/v1/session", Value::Null).await;
    assert_eq!(
        s.json(&dev, "GET", "/api/v1/apps", Value::Null).await.0,
        StatusCode::UNAUTHORIZED
    );

    check_against_openapi(s, 25).await
}

/// With [`leftovers`], every operation of the document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_flow_on_sqlite() {
    let mut answered = flow(Server::start(None).await).await;
    answered.extend(leftovers().await);
    assert_every_operation_answered(&answered);
}

/// The 国密 platform: SM2/SM3 signatures, SM2-wrapped SM4-GCM envelopes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_flow_with_the_sm_suite() {
    flow(Server::start_suite(None, "sm").await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_flow_on_postgres() {
    let (pg, url) = PgDatabase::create().await;
    let server = Server::start(Some(url)).await;
    let db = server.platform.db.clone();
    flow(server).await;
    pg.drop_it(db).await;
}

/// Two API nodes on one PostgreSQL and one S3 bucket (moto), as `docs/deploy.md` lays them
/// out: a nonce used on one is refused on the other, a takedown on one stops delivery on the
/// other at its next catalog poll, and a session made on one works on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_share_one_postgres() {
    let (pg, url) = PgDatabase::create().await;
    let moto = crate::blobs_s3::moto().await;
    let (blobs, s3) = match &moto {
        Some(m) => {
            m.create_bucket("cove-cluster").await;
            (Some("s3://cove-cluster/packages".to_string()), m.options())
        }
        None => (None, Default::default()),
    };
    let keys = tempfile::tempdir().unwrap();
    let node = |dir: &Path| ServerConfig {
        data_dir: dir.to_path_buf(),
        database: Some(url.clone()),
        // One shared blob store: S3, or (with COVE_SKIP_S3=1) one directory.
        blobs: Some(
            blobs
                .clone()
                .unwrap_or_else(|| keys.path().join("blobs").display().to_string()),
        ),
        s3: s3.clone(),
        // Every node signs with the one platform key.
        signing_key: Some(keys.path().join("platform-signing.json")),
        ..ServerConfig::default()
    };
    let start = |cfg: ServerConfig| async move {
        let platform = cove_server::serve::open(&cfg).await.unwrap();
        Server {
            app: cove_server::serve::router(&platform),
            platform,
            _dir: tempfile::tempdir().unwrap(),
            seen: Seen::default(),
        }
    };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = start(node(dir_a.path())).await;
    let seeded = cove_server::demo::seed(
        &a.platform,
        &[examples().join("demo")],
        &dir_a.path().join("keys"),
    )
    .await
    .unwrap()
    .unwrap();
    let b = start(node(dir_b.path())).await;
    assert_eq!(b.platform.blobs.describe(), a.platform.blobs.describe());

    let (key, secret) = (seeded.host_key.as_str(), seeded.host_secret.as_str());
    let body = json!({"app_id": DEMO, "user_id": "u1"});
    assert_eq!(
        a.resolve(key, secret, "nonce-cluster-1", body.clone())
            .await
            .0,
        StatusCode::OK
    );
    let (st, v) = b
        .resolve(key, secret, "nonce-cluster-1", body.clone())
        .await;
    assert_eq!(
        (st, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("sdk_replayed_nonce"))
    );

    let admin = a.login(&seeded.admin.0, &seeded.admin.1).await;
    a.ok(
        &admin,
        "POST",
        &format!("/api/v1/apps/{DEMO}/takedown"),
        json!({"reason": "incident"}),
    )
    .await;
    assert_eq!(
        a.resolve(key, secret, "nonce-cluster-2", body.clone())
            .await
            .0,
        StatusCode::GONE
    );
    // b learns of it when it polls (every second in a running node; here, by hand).
    assert!(b.platform.catalog.poll().await.unwrap());
    assert_eq!(
        b.resolve(key, secret, "nonce-cluster-3", body.clone())
            .await
            .0,
        StatusCode::GONE
    );
    // A session made on a is good on b: sessions and the CSRF key live in the database.
    b.ok(
        &admin,
        "POST",
        &format!("/api/v1/apps/{DEMO}/restore"),
        Value::Null,
    )
    .await;
    assert!(a.platform.catalog.poll().await.unwrap());
    assert_eq!(
        a.resolve(key, secret, "nonce-cluster-4", body).await.0,
        StatusCode::OK
    );
    let db = a.platform.db.clone();
    drop(b);
    pg.drop_it(db).await;
}

/// The answers the full flow does not get (organisations, users, host apps and their grants,
/// a new mini-program, the version list), checked against `/openapi.json` the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_describes_the_answers_the_flow_leaves_out() {
    leftovers().await;
}

async fn leftovers() -> Answered {
    let s = Server::start(None).await;
    let seeded = cove_server::demo::seed(
        &s.platform,
        &[examples().join("demo")],
        &s._dir.path().join("keys"),
    )
    .await
    .unwrap()
    .unwrap();
    let admin = s.login(&seeded.admin.0, &seeded.admin.1).await;
    let orgs = s.ok(&admin, "GET", "/api/v1/orgs", Value::Null).await;
    let partner = orgs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["operator"] == false)
        .unwrap()["id"]
        .clone();
    s.ok(
        &admin,
        "GET",
        &format!("/api/v1/orgs/{partner}/users"),
        Value::Null,
    )
    .await;
    let host = s
        .ok(
            &admin,
            "POST",
            "/api/v1/hosts",
            json!({"name": "Wallet", "platforms": ["ios", "android"]}),
        )
        .await;
    let grant = format!("/api/v1/hosts/{}/apps/{DEMO}", host["id"]);
    let grants = json!({"apis": ["getLocation"], "host_apis": ["pay"], "privacy": {"location_precision": 0.01, "phone": "mask"}});
    s.ok(&admin, "PUT", &grant, grants).await;
    let hosts = s.ok(&admin, "GET", "/api/v1/hosts", Value::Null).await;
    assert!(hosts.to_string().contains("\"pay\""), "{hosts}");
    s.ok(&admin, "DELETE", &grant, Value::Null).await;
    s.ok(
        &admin,
        "POST",
        "/api/v1/apps",
        json!({"app_id": "wxcove0000demo99", "name": "Another", "org_id": partner}),
    )
    .await;
    s.ok(
        &admin,
        "GET",
        &format!("/api/v1/apps/{DEMO}/versions"),
        Value::Null,
    )
    .await;
    // A request the schema refuses is refused by the server too.
    let (st, _) = s
        .json(
            &admin,
            "PUT",
            &grant,
            json!({"apis": "getLocation", "host_apis": []}),
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    // So is a privacy rule the container would not read (it would release the data as the
    // host answers it): a misspelt value, and an unknown rule.
    for privacy in [json!({"phone": "masked"}), json!({"phone_number": "mask"})] {
        let (st, v) = s
            .json(
                &admin,
                "PUT",
                &grant,
                json!({"apis": [], "host_apis": [], "privacy": privacy}),
            )
            .await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["code"], "bad_privacy", "{v}");
    }

    // Accounts: a second admin approves an admin account the first asked for; roles,
    // disabling, a one-time password.
    let bank = orgs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["operator"] == true)
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let admin_roles = [cove_server::authz::Role::Admin].into_iter().collect();
    s.platform
        .create_user(None, bank, "second-admin", PASSWORD, &admin_roles)
        .await
        .unwrap();
    let second = s.login("second-admin", PASSWORD).await;
    let pending = s
        .ok(
            &admin,
            "POST",
            &format!("/api/v1/orgs/{bank}/users"),
            json!({"username": "third-admin", "password": PASSWORD, "roles": ["admin"]}),
        )
        .await;
    let approved = s
        .ok(
            &second,
            "POST",
            &format!("/api/v1/users/{}/approve", pending["id"]),
            Value::Null,
        )
        .await;
    assert_eq!(approved["roles"], json!(["admin"]), "{approved}");
    let user = s
        .ok(
            &admin,
            "POST",
            &format!("/api/v1/orgs/{partner}/users"),
            json!({"username": "partner-reader", "password": PASSWORD, "roles": ["developer"]}),
        )
        .await;
    let user = format!("/api/v1/users/{}", user["id"]);
    s.ok(
        &admin,
        "PUT",
        &format!("{user}/roles"),
        json!({"roles": ["read_only"]}),
    )
    .await;
    s.ok(&admin, "POST", &format!("{user}/disable"), Value::Null)
        .await;
    s.ok(&admin, "POST", &format!("{user}/enable"), Value::Null)
        .await;
    s.ok(
        &admin,
        "PUT",
        &format!("{user}/password"),
        json!({"password": format!("{PASSWORD} once")}),
    )
    .await;

    // Tokens, a secret rotation, the review queue and what the caller may do.
    let token = s
        .ok(&admin, "POST", "/api/v1/tokens", json!({"name": "ci"}))
        .await;
    let tokens = s.ok(&admin, "GET", "/api/v1/tokens", Value::Null).await;
    assert!(tokens.to_string().contains("\"ci\""), "{tokens}");
    s.ok(
        &admin,
        "DELETE",
        &format!("/api/v1/tokens/{}", token["id"].as_str().unwrap()),
        Value::Null,
    )
    .await;
    s.ok(
        &admin,
        "POST",
        &format!("/api/v1/hosts/{}/sdk-secret", host["id"]),
        json!({"overlap_seconds": 60}),
    )
    .await;
    s.ok(&admin, "GET", "/api/v1/review-queue", Value::Null)
        .await;
    let caps = s
        .ok(&admin, "GET", "/api/v1/capabilities", Value::Null)
        .await;
    assert!(
        caps["actions"].to_string().contains("manage_users"),
        "{caps}"
    );
    check_against_openapi(&s, 8).await
}

/// Passwords the leftovers' accounts are made with.
const PASSWORD: &str = "correct horse battery staple";

#[tokio::test]
async fn openapi_lists_only_routes_that_exist() {
    let s = Server::start(None).await;
    let doc = s
        .ok(&As::default(), "GET", "/openapi.json", Value::Null)
        .await;
    let mut n = 0;
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for method in methods.as_object().unwrap().keys() {
            let concrete = path
                .replace("{app_id}", DEMO)
                .replace("{id}", &"0".repeat(64))
                .replace(['{', '}'], "");
            let (st, v) = s
                .json(
                    &As::default(),
                    &method.to_uppercase(),
                    &concrete,
                    Value::Null,
                )
                .await;
            // Unauthenticated or invalid, but never "no such route" or "wrong method".
            assert!(
                st != StatusCode::METHOD_NOT_ALLOWED
                    && !(st == StatusCode::NOT_FOUND && v.is_null()),
                "{method} {path}: {st} {v}"
            );
            n += 1;
        }
    }
    assert!(n >= 30, "{n} operations");
}
