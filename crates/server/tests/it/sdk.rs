//! `POST /sdk/v1/resolve` through the router: signed requests, gray versions per user, the
//! policy that goes with them, takedown, and every refusal of the signature check.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use cove_server::gray::{Condition, Release, Rule};
use cove_server::report::Domains;
use cove_server::sdk::{AppOnHost, Catalog, Delivered, Grants, HostApp, Sdk, router};
use cove_server::sdk_auth::{self, MemoryNonces, Signed};
use serde_json::{Value, json};
use tower::ServiceExt as _;

const NOW: i64 = 1_800_000_000;
const KEY: &str = "host-bank-app";
const SECRET: &[u8] = b"the host app's sdk secret";

struct Fixture {
    taken_down: bool,
}

fn delivered(code: u64) -> Delivered {
    Delivered {
        version_code: code,
        version_name: format!("1.{code}.0"),
        blob: format!("{code:064x}"),
        size: 1000 + code,
        signed_by: "bank-platform".into(),
        sealed: true,
    }
}

impl Catalog for Fixture {
    fn host_by_key(&self, sdk_key: &str) -> Option<HostApp> {
        (sdk_key == KEY).then(|| HostApp {
            id: 7,
            sdk_key: KEY.into(),
            sdk_secret: SECRET.to_vec(),
            ..HostApp::default()
        })
    }
    fn delivers(&self, host_id: u64, blob: &str) -> bool {
        host_id == 7 && (3..=5).any(|c| delivered(c).blob == blob)
    }
    fn app_on_host(&self, host_id: u64, app_id: &str) -> Option<AppOnHost> {
        if host_id != 7 || app_id != "wxbill" {
            return None;
        }
        Some(AppOnHost {
            app_id: app_id.into(),
            taken_down: self.taken_down,
            release: Release {
                salt: app_id.into(),
                live: Some(3),
                rules: vec![
                    Rule {
                        id: "testers".into(),
                        version_code: 5,
                        conditions: vec![Condition::Users {
                            ids: vec!["tester-1".into()],
                        }],
                    },
                    Rule {
                        id: "gray-10".into(),
                        version_code: 4,
                        conditions: vec![Condition::Percent { percent: 10.0 }],
                    },
                ],
            },
            versions: BTreeMap::from([(3, delivered(3)), (4, delivered(4)), (5, delivered(5))]),
            domains: Domains {
                request: vec!["api.bill.example".into()],
                ..Domains::default()
            },
            grants: Grants {
                apis: vec!["getLocation".into()],
                host_apis: vec!["bank.pay".into()],
                privacy: serde_json::json!({"location_precision": 0.01}),
            },
            signed_policy: None,
        })
    }
}

fn app(taken_down: bool) -> axum::Router {
    let mut sdk = Sdk::new(
        Arc::new(Fixture { taken_down }),
        Arc::new(MemoryNonces::default()),
    );
    sdk.clock = Arc::new(|| NOW);
    router(sdk)
}

fn signed_request(
    body: &Value,
    nonce: &str,
    tweak: impl FnOnce(&mut Vec<(&'static str, String)>),
) -> Request<Body> {
    let bytes = body.to_string().into_bytes();
    let s = Signed {
        method: "POST",
        path: "/sdk/v1/resolve",
        body: &bytes,
        timestamp: NOW,
        nonce,
    };
    let mut headers = vec![
        (sdk_auth::HEADER_KEY, KEY.to_string()),
        (sdk_auth::HEADER_TIMESTAMP, NOW.to_string()),
        (sdk_auth::HEADER_NONCE, nonce.to_string()),
        (sdk_auth::HEADER_SIGNATURE, s.sign(SECRET)),
    ];
    tweak(&mut headers);
    let mut req = Request::post("/sdk/v1/resolve").header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(k, v);
    }
    req.body(Body::from(bytes)).unwrap()
}

async fn call(app: &axum::Router, req: Request<Body>) -> (StatusCode, Value) {
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

fn body(user: &str) -> Value {
    json!({"app_id": "wxbill", "user_id": user, "host_version": "3.12.0", "platform": "android"})
}

#[tokio::test]
async fn users_get_their_gray_version_with_its_policy() {
    let app = app(false);
    let (status, r) = call(
        &app,
        signed_request(&body("tester-1"), "nonce-00000001", |_| {}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["version"], json!({"code": 5, "name": "1.5.0"}));
    assert_eq!(r["rule"], "testers");
    // The package URL carries a download ticket for this host app.
    let url = r["package"]["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("/packages/{:064x}?host=7&expires=", 5)),
        "{url}"
    );
    assert!(url.contains("&sig="), "{url}");
    assert_eq!(
        r["policy"]["domains"]["request"],
        json!(["api.bill.example"])
    );
    assert_eq!(r["policy"]["grants"]["host_apis"], json!(["bank.pay"]));

    // 1,000 users: about 10% on the gray version, each with a stable answer.
    let mut gray = 0;
    for i in 0..1000 {
        let user = format!("user-{i}");
        let (s1, a) = call(
            &app,
            signed_request(&body(&user), &format!("n-{i:08}-a"), |_| {}),
        )
        .await;
        let (s2, b) = call(
            &app,
            signed_request(&body(&user), &format!("n-{i:08}-b"), |_| {}),
        )
        .await;
        assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
        assert_eq!(a["version"], b["version"], "{user} flipped");
        match a["version"]["code"].as_u64() {
            Some(4) => gray += 1,
            Some(3) => assert_eq!(a["rule"], Value::Null),
            other => panic!("{other:?}"),
        }
    }
    assert!((70..=130).contains(&gray), "{gray} of 1000 on the 10% rule");
}

#[tokio::test]
async fn signatures_replays_unknown_apps_and_takedown() {
    let app = app(false);
    let ok = signed_request(&body("u1"), "nonce-replayed", |_| {});
    assert_eq!(call(&app, ok).await.0, StatusCode::OK);
    // The same nonce again.
    let (status, r) = call(&app, signed_request(&body("u1"), "nonce-replayed", |_| {})).await;
    assert_eq!(
        (status, r["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("sdk_replayed_nonce"))
    );
    // A signature over something else.
    let (status, r) = call(
        &app,
        signed_request(&body("u1"), "nonce-bad-sig", |h| h[3].1 = "00".repeat(32)),
    )
    .await;
    assert_eq!(
        (status, r["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("sdk_bad_signature"))
    );
    // An old timestamp (the signature is over the original one, so it fails either way).
    let (status, r) = call(
        &app,
        signed_request(&body("u1"), "nonce-old-ts", |h| {
            h[1].1 = (NOW - 3600).to_string()
        }),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{r}");
    // Unknown key, missing header.
    let (_, r) = call(
        &app,
        signed_request(&body("u1"), "nonce-unknown", |h| h[0].1 = "someone".into()),
    )
    .await;
    assert_eq!(r["code"], "sdk_unknown_key");
    let (_, r) = call(
        &app,
        signed_request(&body("u1"), "nonce-missing", |h| {
            h.remove(3);
        }),
    )
    .await;
    assert_eq!(r["code"], "sdk_malformed");
    // An app that is not on this host: the same 404 as one that does not exist.
    let (status, r) = call(
        &app,
        signed_request(
            &json!({"app_id": "wxother", "user_id": "u1"}),
            "nonce-other-app",
            |_| {},
        ),
    )
    .await;
    assert_eq!(
        (status, r["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("app_not_found"))
    );
    // Taken down: 410, for everyone.
    let down = app_taken_down();
    let (status, r) = call(
        &down,
        signed_request(&body("tester-1"), "nonce-takedown", |_| {}),
    )
    .await;
    assert_eq!(
        (status, r["code"].as_str()),
        (StatusCode::GONE, Some("app_taken_down"))
    );
}

fn app_taken_down() -> axum::Router {
    app(true)
}
