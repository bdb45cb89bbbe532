//! Issue 16's holes 2, 6 and 7 and SDK secret rotation, end to end over `serve::open` on a
//! data directory: packages are served only as delivered and only with resolve's ticket; a
//! nonce survives a restart; the data directory is owner-only and the SDK secrets are
//! encrypted in the database; a rotated secret keeps working for its overlap, then stops.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use cove_server::config::ServerConfig;
use cove_server::demo::Seeded;
use cove_server::platform::Platform;
use cove_server::sdk::Sdk;
use cove_server::sdk_auth::{MemoryNonces, Signed};
use serde_json::{Value, json};
use tower::ServiceExt as _;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn config(data: &Path) -> ServerConfig {
    ServerConfig {
        data_dir: data.to_path_buf(),
        ..ServerConfig::default()
    }
}

async fn open(data: &Path) -> (Platform, Router) {
    let platform = cove_server::serve::open(&config(data)).await.unwrap();
    let app = cove_server::serve::router(&platform);
    (platform, app)
}

async fn seed(p: &Platform, data: &Path) -> Seeded {
    cove_server::demo::seed(p, &[examples().join("demo")], &data.join("keys"))
        .await
        .unwrap()
        .expect("an empty platform is seeded")
}

/// A signed SDK request, built once so that it can be sent again byte for byte.
fn signed(key: &str, secret: &str, nonce: &str, ts: i64, body: &Value) -> Request<Body> {
    let path = "/sdk/v1/resolve";
    let body = body.to_string();
    let sig = Signed {
        method: "POST",
        path,
        body: body.as_bytes(),
        timestamp: ts,
        nonce,
    }
    .sign(secret.as_bytes());
    Request::post(path)
        .header("x-cove-key", key)
        .header("x-cove-timestamp", ts.to_string())
        .header("x-cove-nonce", nonce)
        .header("x-cove-signature", sig)
        .body(Body::from(body))
        .unwrap()
}

async fn call(app: &Router, req: Request<Body>) -> (StatusCode, Value) {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

async fn get(app: &Router, uri: &str) -> (StatusCode, Vec<u8>) {
    let res = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

fn now() -> i64 {
    cove_server::platform::system_clock()
}

fn resolve_body(s: &Seeded) -> Value {
    json!({"app_id": s.apps[0].0, "user_id": "u-public"})
}

async fn column(p: &Platform, sql: &str) -> Vec<String> {
    sqlx::query_scalar(sql).fetch_all(&p.db.pool).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packages_are_served_only_as_delivered_and_with_the_resolve_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (p, app) = open(&data).await;
    let s = seed(&p, &data).await;

    let (st, r) = call(
        &app,
        signed(
            &s.host_key,
            &s.host_secret,
            "nonce-dl-0001",
            now(),
            &resolve_body(&s),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let url = r["package"]["url"].as_str().unwrap().to_string();
    let blob = r["package"]["sha256"].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("/packages/{blob}?")), "{url}");
    // The SDK follows the URL it was given.
    let (st, bytes) = get(&app, &url).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(cove_server::blobs::id_of(&bytes), blob);

    // Without its ticket, or with another blob's, the same package is refused.
    let (st, body) = get(&app, &format!("/packages/{blob}")).await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "{}",
        String::from_utf8_lossy(&body)
    );
    let query = url.split_once('?').unwrap().1;
    let other = cove_server::blobs::id_of(b"another package");
    assert_eq!(
        get(&app, &format!("/packages/{other}?{query}")).await.0,
        StatusCode::FORBIDDEN
    );

    // Uploads and the signed-but-unsealed intermediates exist in the store, and are never
    // served: not without a ticket, and not with a valid ticket either (not delivered).
    let uploads = column(&p, "SELECT package FROM versions").await;
    let intermediates = column(&p, "SELECT signed FROM versions WHERE signed <> ''").await;
    assert!(!uploads.is_empty() && !intermediates.is_empty());
    let host_id: i64 = sqlx::query_scalar("SELECT id FROM hosts")
        .fetch_one(&p.db.pool)
        .await
        .unwrap();
    for id in uploads.iter().chain(&intermediates) {
        assert!(p.blobs.exists(id).await.unwrap(), "{id} is stored");
        assert_ne!(id, &blob);
        assert_eq!(
            get(&app, &format!("/packages/{id}")).await.0,
            StatusCode::FORBIDDEN,
            "{id}"
        );
        let minted = p.download_tickets.url(id, host_id as u64, now());
        assert_eq!(get(&app, &minted).await.0, StatusCode::NOT_FOUND, "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_sdk_request_is_refused_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (p, app) = open(&data).await;
    let s = seed(&p, &data).await;
    let ts = now();
    let body = resolve_body(&s);
    let (st, r) = call(
        &app,
        signed(&s.host_key, &s.host_secret, "nonce-restart-1", ts, &body),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    drop(app);
    drop(p);

    // A new platform and router over the same SQLite file: the same bytes again.
    let (_p, app) = open(&data).await;
    let (st, r) = call(
        &app,
        signed(&s.host_key, &s.host_secret, "nonce-restart-1", ts, &body),
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{r}");
    assert_eq!(r["code"], "sdk_replayed_nonce");
    // A fresh nonce still works.
    let (st, r) = call(
        &app,
        signed(&s.host_key, &s.host_secret, "nonce-restart-2", now(), &body),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{r}");
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Every directory under `root` is 0700 and every file 0600 (or stricter).
#[cfg(unix)]
fn assert_owner_only(root: &Path) -> usize {
    let mut n = 0;
    for e in walkdir::WalkDir::new(root) {
        let e = e.unwrap();
        let m = mode(e.path());
        // The signing key's public half is meant to be handed out (0644, inside the 0700
        // directory); nobody else may write it.
        let public = e.path().to_string_lossy().ends_with(".pub.json");
        let mask = if public { 0o022 } else { 0o077 };
        assert_eq!(m & mask, 0, "{} has mode {m:o}", e.path().display());
        n += 1;
    }
    n
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_data_directory_is_owner_only_and_sdk_secrets_are_encrypted() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    // A fresh data directory, as `cove serve` makes it.
    let data = dir.path().join("data");
    let (p, app) = open(&data).await;
    let s = seed(&p, &data).await;
    // Something written since start: the WAL, blobs, the demo's key.
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("cove.db")), 0o600);
    assert!(data.join("cove.db-wal").exists());
    assert_eq!(mode(&data.join("cove.db-wal")), 0o600);
    assert_eq!(mode(&data.join("keys/data-protection.key")), 0o600);
    assert_eq!(mode(&data.join("keys/platform-signing.json")), 0o600);
    assert!(assert_owner_only(&data) > 10);

    // The column holds no usable secret, nor do the database's files.
    let stored = column(&p, "SELECT sdk_secret FROM hosts").await;
    assert_eq!(stored.len(), 1);
    assert!(stored[0].starts_with("enc1:"), "{}", stored[0]);
    assert!(!stored[0].contains(&s.host_secret));
    for f in ["cove.db", "cove.db-wal"] {
        let raw = std::fs::read(data.join(f)).unwrap();
        assert!(
            !raw.windows(s.host_secret.len())
                .any(|w| w == s.host_secret.as_bytes()),
            "the SDK secret is in {f} in clear"
        );
    }
    // … and resolve still works with it.
    let (st, r) = call(
        &app,
        signed(
            &s.host_key,
            &s.host_secret,
            "nonce-enc-00001",
            now(),
            &resolve_body(&s),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{r}");

    // A row written in clear before migration 5 is encrypted at the next start, and works.
    sqlx::query("UPDATE hosts SET sdk_secret = $1")
        .bind(&s.host_secret)
        .execute(&p.db.pool)
        .await
        .unwrap();
    drop(app);
    drop(p);
    // An older server's looser modes are tightened at start.
    for (path, m) in [
        (&data, 0o755),
        (&data.join("cove.db"), 0o644),
        (&data.join("keys/data-protection.key"), 0o644),
    ] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(m)).unwrap();
    }
    let (p, app) = open(&data).await;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("cove.db")), 0o600);
    assert_eq!(mode(&data.join("keys/data-protection.key")), 0o600);
    let stored = column(&p, "SELECT sdk_secret FROM hosts").await;
    assert!(stored[0].starts_with("enc1:") && !stored[0].contains(&s.host_secret));
    let (st, r) = call(
        &app,
        signed(
            &s.host_key,
            &s.host_secret,
            "nonce-enc-00002",
            now(),
            &resolve_body(&s),
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    drop(app);
    drop(p);

    // The wrong data-protection key stops the start instead of failing every SDK request.
    let mut cfg = config(&data);
    cfg.data_key = Some(
        cove_server::data_key::DataKey::generate()
            .unwrap()
            .to_text()
            .to_string(),
    );
    let err = cove_server::serve::open(&cfg).await.err().expect("refused");
    assert!(err.to_string().contains("decrypt"), "{err}");
}

async fn login(app: &Router, user: &str, password: &str) -> (String, String) {
    let res = app
        .clone()
        .oneshot(
            Request::post("/api/v1/session")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    json!({"username": user, "password": password}).to_string(),
                ))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    let who = (cookie, v["csrf"].as_str().unwrap().to_string());
    // A one-time password (the demo admin's) must be changed before anything else.
    if v["must_change_password"] == true {
        let body = json!({"current": password, "new": format!("{password}-changed-once")});
        let (st, r) = api(app, &who, "PUT", "/api/v1/session/password", body).await;
        assert_eq!(st, StatusCode::OK, "{r}");
    }
    who
}

async fn api(
    app: &Router,
    who: &(String, String),
    method: &str,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::COOKIE, &who.0)
        .header("x-csrf-token", &who.1)
        .body(if body.is_null() {
            Body::empty()
        } else {
            Body::from(body.to_string())
        })
        .unwrap();
    call(app, req).await
}

/// An SDK router over the platform's catalog whose clock reads `at`.
fn sdk_at(p: &Platform, at: i64) -> Router {
    let mut sdk = Sdk::new(p.catalog.clone(), Arc::new(MemoryNonces::default()));
    sdk.clock = Arc::new(move || at);
    cove_server::sdk::router(sdk)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_sdk_secret_keeps_working_for_its_overlap_then_stops() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (p, app) = open(&data).await;
    let s = seed(&p, &data).await;
    let body = resolve_body(&s);
    let host_id: i64 = sqlx::query_scalar("SELECT id FROM hosts")
        .fetch_one(&p.db.pool)
        .await
        .unwrap();
    let path = format!("/api/v1/hosts/{host_id}/sdk-secret");

    // Only who manages host apps may rotate.
    let dev = login(&app, &s.developer.0, &s.developer.1).await;
    let (st, _) = api(&app, &dev, "POST", &path, json!({})).await;
    assert!(
        st == StatusCode::FORBIDDEN || st == StatusCode::NOT_FOUND,
        "{st}"
    );

    let admin = login(&app, &s.admin.0, &s.admin.1).await;
    let before = now();
    let (st, r) = api(&app, &admin, "POST", &path, Value::Null).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let new_secret = r["sdk_secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, s.host_secret);
    assert_eq!(r["sdk_key"], s.host_key.as_str());
    let until = r["previous_valid_until"].as_i64().unwrap();
    assert!(
        (before + 24 * 3600..=now() + 24 * 3600).contains(&until),
        "{r}"
    );

    // Within the overlap both secrets work, through the node's own router too.
    for (i, secret) in [&s.host_secret, &new_secret].into_iter().enumerate() {
        let (st, r) = call(
            &app,
            signed(
                &s.host_key,
                secret,
                &format!("nonce-rot-now-{i}"),
                now(),
                &body,
            ),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{r}");
        let late = sdk_at(&p, until - 1);
        let (st, r) = call(
            &late,
            signed(
                &s.host_key,
                secret,
                &format!("nonce-rot-in-{i}"),
                until - 1,
                &body,
            ),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{r}");
    }
    // From the end of the overlap, only the new one.
    let after = sdk_at(&p, until);
    let (st, r) = call(
        &after,
        signed(
            &s.host_key,
            &s.host_secret,
            "nonce-rot-after-0",
            until,
            &body,
        ),
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "{r}");
    assert_eq!(r["code"], "sdk_bad_signature");
    let (st, r) = call(
        &after,
        signed(&s.host_key, &new_secret, "nonce-rot-after-1", until, &body),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{r}");

    // The previous secret is stored encrypted too.
    let prev = column(&p, "SELECT sdk_secret_prev FROM hosts").await;
    assert!(prev[0].starts_with("enc1:") && !prev[0].contains(&s.host_secret));

    // With no overlap the replaced secret stops at once.
    let (st, r) = api(&app, &admin, "POST", &path, json!({"overlap_seconds": 0})).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert!(r["previous_valid_until"].is_null());
    let newest = r["sdk_secret"].as_str().unwrap().to_string();
    let (st, _) = call(
        &app,
        signed(&s.host_key, &new_secret, "nonce-rot-zero-0", now(), &body),
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _) = call(
        &app,
        signed(&s.host_key, &newest, "nonce-rot-zero-1", now(), &body),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = api(&app, &admin, "POST", &path, json!({"overlap_seconds": -5})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);

    // Audited, without the secrets.
    let (st, log) = api(&app, &admin, "GET", "/api/v1/audit?limit=20", Value::Null).await;
    assert_eq!(st, StatusCode::OK);
    let rotations: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "host.rotate_sdk_secret")
        .collect();
    assert_eq!(rotations.len(), 2, "{log}");
    let text = log.to_string();
    assert!(!text.contains(&new_secret) && !text.contains(&newest));
}

/// The statistics key (the HMAC key of the stored user hashes) is in the database only
/// encrypted under the data-protection key; one an older version stored in clear is
/// encrypted at the next start and keeps its value (the same users stay the same).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_statistics_key_is_stored_encrypted() {
    use cove_server::data_key::DataKey;
    use cove_server::stats::USER_KEY_CONTEXT;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (p, _app) = open(&data).await;
    seed(&p, &data).await;
    let data_key = DataKey::load_or_create(&data.join("keys/data-protection.key")).unwrap();
    let stored = column(&p, "SELECT value FROM meta WHERE key = 'stats_user_key'").await;
    assert_eq!(stored.len(), 1);
    assert!(DataKey::is_sealed(&stored[0]), "{}", stored[0]);
    let plain = data_key.open(USER_KEY_CONTEXT, &stored[0]).unwrap();
    let plain = String::from_utf8(plain.to_vec()).unwrap();
    assert_eq!(plain.len(), 64, "32 random bytes in hex");
    // Made sealed, so never written in clear: not in any of the database's files.
    for f in ["cove.db", "cove.db-wal"] {
        let raw = std::fs::read(data.join(f)).unwrap_or_default();
        assert!(
            !raw.windows(plain.len()).any(|w| w == plain.as_bytes()),
            "the statistics key is in {f} in clear"
        );
    }

    // An older version's key in clear: encrypted at the next start, with the same value.
    let old = "5".repeat(64);
    sqlx::query("UPDATE meta SET value = $1 WHERE key = 'stats_user_key'")
        .bind(&old)
        .execute(&p.db.pool)
        .await
        .unwrap();
    p.db.pool.close().await;
    drop(p);
    let (p, _app) = open(&data).await;
    let stored = column(&p, "SELECT value FROM meta WHERE key = 'stats_user_key'").await;
    assert!(DataKey::is_sealed(&stored[0]), "{}", stored[0]);
    assert_eq!(
        &*data_key.open(USER_KEY_CONTEXT, &stored[0]).unwrap(),
        old.as_bytes()
    );
    // A copy of the value on another row (another context) does not open.
    assert!(
        data_key
            .open(&cove_server::data_key::sdk_secret_context("x"), &stored[0])
            .is_err()
    );
}
