//! What the console's screens ask of the API, on SQLite and on PostgreSQL: the review queue
//! (oldest submission first, paged, filtered, only for those who may review), paged and
//! filtered version lists, `allowed_actions` per role, approvals that need a comment and
//! record a sign-off, `explain` answered for one host app as its SDK would be, and the audit
//! log filtered by actor, action and time and exported as CSV.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use cove_server::authz::Role;
use cove_server::config::ServerConfig;
use cove_server::gray::Context;
use cove_server::platform::apps::NewApp;
use cove_server::platform::audit_query::AuditFilter;
use cove_server::platform::review::VersionFilter;
use cove_server::platform::{Actor, NewHost, Platform, Upload};
use cove_server::sdk::Grants;
use cove_server::workflow::Step;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::pg::PgDatabase;

const APP: &str = "wxcove0000demo01";
const OTHER: &str = "wxconsole0000two";
const PASSWORD: &str = "console tests: a long passphrase 42";

struct World {
    p: Platform,
    app: Router,
    clock: Arc<AtomicI64>,
    dev: Actor,
    reviewer: Actor,
    operator: Actor,
    /// A partner organisation's admin: reviewing is the operator organisation's.
    partner_admin: Actor,
    /// An operator-organisation user whose name a spreadsheet would take for a formula.
    formula: Actor,
    _dir: tempfile::TempDir,
}

fn roles(r: &[Role]) -> BTreeSet<Role> {
    r.iter().copied().collect()
}

async fn world(database: Option<String>) -> World {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ServerConfig {
        data_dir: dir.path().to_path_buf(),
        database,
        ..ServerConfig::default()
    };
    let mut p = cove_server::serve::open(&cfg).await.unwrap();
    let clock = Arc::new(AtomicI64::new(1_800_000_000));
    let c = clock.clone();
    p.clock = Arc::new(move || c.load(Ordering::SeqCst));
    let bank = p.create_org(None, "Bank", true).await.unwrap();
    let partner = p.create_org(None, "Partner Co", false).await.unwrap();
    let user = |org: u64, name: &'static str, r: &'static [Role]| {
        let p = p.clone();
        async move {
            p.create_user(None, org, name, PASSWORD, &roles(r))
                .await
                .unwrap()
                .actor()
        }
    };
    let dev = user(partner.id, "dev", &[Role::Developer]).await;
    let partner_admin = user(partner.id, "partner-admin", &[Role::Admin]).await;
    let reviewer = user(bank.id, "reviewer", &[Role::Reviewer]).await;
    let operator = user(bank.id, "operator", &[Role::Operator]).await;
    let formula = user(bank.id, "-formula", &[Role::Operator, Role::ReadOnly]).await;
    for (id, name) in [(APP, "Demo"), (OTHER, "Second")] {
        p.create_app(
            Some(&dev),
            &NewApp {
                app_id: id.into(),
                name: name.into(),
                category: String::new(),
                icon: String::new(),
                org_id: partner.id,
            },
        )
        .await
        .unwrap();
    }
    World {
        app: cove_server::serve::router(&p),
        p,
        clock,
        dev,
        reviewer,
        operator,
        partner_admin,
        formula,
        _dir: dir,
    }
}

/// examples/demo's source, as the project of `app`.
fn source(app: &str) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo");
    let tree = cove_compiler::SourceTree::from_dir(&dir).unwrap();
    let mut files: cove_compiler::output::Files = tree
        .paths()
        .map(|p| (p.to_string(), tree.get(p).unwrap().to_vec()))
        .collect();
    for bytes in files.values_mut() {
        let text = String::from_utf8_lossy(bytes);
        if text.contains(APP) {
            *bytes = text.replace(APP, app).into_bytes();
        }
    }
    cove_compiler::output::zip_bytes(&files).unwrap()
}

impl World {
    fn at(&self, t: i64) {
        self.clock.store(t, Ordering::SeqCst);
    }

    async fn upload(&self, app: &str, note: &str) -> u64 {
        let up = Upload {
            kind: "source".into(),
            version_code: None,
            version_name: None,
            note: note.into(),
        };
        self.p
            .upload(&self.dev, app, source(app), &up)
            .await
            .unwrap()
            .code
    }

    async fn submit(&self, app: &str, code: u64, at: i64) {
        self.at(at);
        self.p
            .step(&self.dev, app, code, Step::Submit)
            .await
            .unwrap();
    }

    async fn get(&self, who: &str, path: &str) -> (StatusCode, header::HeaderMap, String) {
        let mut req = Request::get(path);
        if !who.is_empty() {
            req = req.header(header::COOKIE, who);
        }
        let res = self
            .app
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let (parts, body) = res.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        (
            parts.status,
            parts.headers,
            String::from_utf8(body.to_vec()).unwrap(),
        )
    }

    /// A session cookie for `username` (signed in through the API, as the console does).
    async fn cookie(&self, username: &str) -> String {
        let req = Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"username": username, "password": PASSWORD}).to_string(),
            ))
            .unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    }
}

fn codes<T>(page: &[T], code: impl Fn(&T) -> (String, u64)) -> Vec<(String, u64)> {
    page.iter().map(code).collect()
}

fn filter(q: &str) -> VersionFilter {
    serde_json::from_value(serde_urlencoded_like(q)).unwrap()
}

/// `a=1&b=x` as a JSON object of strings and numbers (what axum's Query would give).
fn serde_urlencoded_like(q: &str) -> Value {
    let mut m = serde_json::Map::new();
    for kv in q.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap();
        let v = match v.parse::<u64>() {
            Ok(n) if k == "limit" || k == "offset" => json!(n),
            _ => json!(v),
        };
        m.insert(k.into(), v);
    }
    Value::Object(m)
}

async fn queue_and_lists(w: &World) {
    // Three versions of APP and two of OTHER; submitted out of upload order.
    let a1 = w.upload(APP, "first").await;
    let a2 = w.upload(APP, "二号 build").await;
    let a3 = w.upload(APP, "junk").await;
    let b1 = w.upload(OTHER, "other app").await;
    let b2 = w.upload(OTHER, "not submitted").await;
    w.submit(APP, a2, 1_800_000_100).await;
    w.submit(OTHER, b1, 1_800_000_050).await;
    w.submit(APP, a1, 1_800_000_300).await;
    w.submit(APP, a3, 1_800_000_200).await;

    let q =
        w.p.review_queue(&w.reviewer, &VersionFilter::default())
            .await
            .unwrap();
    assert_eq!(q.total, 4);
    assert_eq!(
        codes(&q.items, |i| (i.app_id.clone(), i.version.code)),
        [
            (OTHER.to_string(), b1),
            (APP.to_string(), a2),
            (APP.to_string(), a3),
            (APP.to_string(), a1)
        ],
        "oldest submission first"
    );
    assert_eq!(q.items[0].org_name, "Partner Co");
    assert_eq!(
        q.items[0].version.allowed_actions.as_deref(),
        Some(&["preview", "approve", "reject"][..])
    );
    // Paging.
    let p1 =
        w.p.review_queue(&w.reviewer, &filter("limit=2&offset=2"))
            .await
            .unwrap();
    assert_eq!((p1.total, p1.limit, p1.offset), (4, 2, 2));
    assert_eq!(
        codes(&p1.items, |i| (i.app_id.clone(), i.version.code)),
        [(APP.to_string(), a3), (APP.to_string(), a1)]
    );
    // Filters: text (name, note, code) and uploader.
    let t =
        w.p.review_queue(&w.reviewer, &filter("q=二号"))
            .await
            .unwrap();
    assert_eq!(
        codes(&t.items, |i| (i.app_id.clone(), i.version.code)),
        [(APP.to_string(), a2)]
    );
    let none =
        w.p.review_queue(&w.reviewer, &filter("uploader=reviewer"))
            .await
            .unwrap();
    assert_eq!(none.total, 0);
    assert_eq!(
        w.p.review_queue(&w.reviewer, &filter("uploader=dev"))
            .await
            .unwrap()
            .total,
        4
    );
    // Only those who may review have a queue: not a developer, a partner's admin, an operator.
    for who in [&w.dev, &w.partner_admin, &w.operator] {
        let e =
            w.p.review_queue(who, &VersionFilter::default())
                .await
                .unwrap_err();
        assert_eq!(e.code(), "forbidden", "{}", who.username);
    }

    // Every version list pages and filters the same way.
    let all =
        w.p.version_page(&w.dev, APP, &VersionFilter::default())
            .await
            .unwrap();
    assert_eq!(all.total, 3);
    assert_eq!(
        all.items.iter().map(|v| v.code).collect::<Vec<_>>(),
        [a3, a2, a1]
    );
    let page =
        w.p.version_page(&w.dev, OTHER, &filter("state=uploaded"))
            .await
            .unwrap();
    assert_eq!(page.items.iter().map(|v| v.code).collect::<Vec<_>>(), [b2]);
    let page =
        w.p.version_page(&w.dev, APP, &filter("limit=1&offset=1&state=in_review"))
            .await
            .unwrap();
    assert_eq!((page.total, page.items[0].code), (3, a2));
    let e =
        w.p.version_page(&w.dev, APP, &filter("state=live"))
            .await
            .unwrap_err();
    assert_eq!(e.code(), "bad_filter");

    // Over HTTP: the rows, and the total in a header.
    let cookie = w.cookie("reviewer").await;
    let (st, headers, body) = w
        .get(&cookie, "/api/v1/review-queue?limit=1&offset=1")
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(headers["x-total-count"], "4");
    let rows: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(rows[0]["app_id"], APP);
    assert_eq!(rows[0]["code"], a2);
    assert_eq!(rows[0]["submitted_at"], 1_800_000_100);
    let (st, headers, body) = w
        .get(
            &cookie,
            &format!("/api/v1/apps/{OTHER}/versions?state=in_review&limit=5"),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(headers["x-total-count"], "1");
    let (_, _, body) = w.get(&cookie, "/api/v1/capabilities").await;
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["actions"],
        json!(["review"])
    );

    // What each role is offered is what the server would allow.
    let uploaded = |who: &Actor| {
        let who = who.clone();
        let p = w.p.clone();
        async move {
            p.version_page(&who, OTHER, &filter("state=uploaded"))
                .await
                .unwrap()
                .items[0]
                .allowed_actions
                .clone()
                .unwrap()
        }
    };
    assert_eq!(uploaded(&w.dev).await, ["preview", "submit"]);
    assert_eq!(uploaded(&w.reviewer).await, ["preview"]);
    assert_eq!(uploaded(&w.operator).await, ["preview"]);
    let in_review = |who: &Actor| {
        let who = who.clone();
        let p = w.p.clone();
        async move {
            p.version(&who, APP, a1)
                .await
                .unwrap()
                .allowed_actions
                .unwrap()
        }
    };
    assert_eq!(in_review(&w.dev).await, ["preview"]);
    assert_eq!(
        in_review(&w.reviewer).await,
        ["preview", "approve", "reject"]
    );
    assert_eq!(in_review(&w.operator).await, ["preview"]);
    let app = w.p.app(&w.dev, APP).await.unwrap();
    assert!(!app.allowed_actions.contains(&"takedown"));
    assert!(app.allowed_actions.contains(&"upload"));
    let app = w.p.app(&w.operator, APP).await.unwrap();
    assert!(app.allowed_actions.contains(&"takedown"));
    assert!(app.allowed_actions.contains(&"edit_rules"));
    assert!(!app.allowed_actions.contains(&"upload"));
}

async fn approval_sign_off(w: &World) {
    let code = w.upload(APP, "to approve").await;
    w.submit(APP, code, 1_800_001_000).await;
    // No comment, no approval: neither through the API's approve nor as a bare step.
    for comment in ["", "   \n"] {
        let e =
            w.p.approve(&w.reviewer, APP, code, comment, None)
                .await
                .unwrap_err();
        assert_eq!(e.code(), "comment_required");
    }
    let e =
        w.p.step(&w.reviewer, APP, code, Step::Approve)
            .await
            .unwrap_err();
    assert_eq!(e.code(), "comment_required");
    // The reviewer must have read the report there is now.
    let e =
        w.p.approve(&w.reviewer, APP, code, "ok", Some("0000"))
            .await
            .unwrap_err();
    assert_eq!(e.code(), "conflict");
    // Someone who may not review is refused before anything else.
    let e =
        w.p.approve(&w.dev, APP, code, "mine", None)
            .await
            .unwrap_err();
    assert_eq!(e.code(), "forbidden");

    let seen = w.p.version(&w.reviewer, APP, code).await.unwrap();
    let digest = seen.report_digest.clone().unwrap();
    assert_eq!(digest.len(), 64);
    w.at(1_800_002_000);
    w.p.approve(
        &w.reviewer,
        APP,
        code,
        "  读过报告：无敏感接口, ok  ",
        Some(&digest),
    )
    .await
    .unwrap();
    let v = w.p.version(&w.dev, APP, code).await.unwrap();
    let s = v.signoff.expect("the sign-off is shown on the version");
    assert_eq!(s.username, "reviewer");
    assert_eq!(s.user_id, w.reviewer.principal.user_id);
    assert_eq!(s.at, 1_800_002_000);
    assert_eq!(s.comment, "读过报告：无敏感接口, ok");
    assert_eq!(s.report_digest, digest);
    let findings = seen.report.unwrap()["findings"].as_array().unwrap().len() as u64;
    let f = &s.findings;
    assert_eq!(
        f["warn"].as_u64().unwrap() + f["info"].as_u64().unwrap(),
        findings
    );
    assert!(f["codes"].is_array());
    // Audited, with what was seen and said.
    let (entries, _) =
        w.p.audit_query(
            &w.formula,
            &serde_json::from_value::<AuditFilter>(json!({"action": "version.approve"})).unwrap(),
            10,
        )
        .await
        .unwrap();
    let after: Value = serde_json::from_str(&entries[0].after).unwrap();
    assert_eq!(after["signoff"]["comment"], "读过报告：无敏感接口, ok");
    assert_eq!(after["signoff"]["report_digest"], digest.as_str());
    assert_eq!(entries[0].actor, "reviewer");
    // Now an operator may publish it; the reviewer may not.
    let ops = w.p.version(&w.operator, APP, code).await.unwrap();
    assert_eq!(
        ops.allowed_actions.unwrap(),
        ["preview", "publish", "publish_gray"]
    );
    let rev = w.p.version(&w.reviewer, APP, code).await.unwrap();
    assert_eq!(rev.allowed_actions.unwrap(), ["preview"]);
    // Published to gray: labelled so, and the operator may promote it.
    w.p.publish(&w.operator, APP, code, true).await.unwrap();
    let v = w.p.version(&w.operator, APP, code).await.unwrap();
    assert_eq!(v.channel, Some("gray"));
    assert_eq!(v.allowed_actions.unwrap(), ["preview", "promote"]);
    w.p.promote(&w.operator, APP, code).await.unwrap();
    assert_eq!(
        w.p.version(&w.operator, APP, code).await.unwrap().channel,
        Some("live")
    );
}

async fn explain_per_host(w: &World) {
    let ctx = Context {
        user_id: "u1",
        now: 1_800_003_000,
        ..Context::default()
    };
    let (granted, _) =
        w.p.create_host(
            Some(&w.operator),
            &NewHost {
                name: "Bank App".into(),
                platforms: vec!["android".into()],
                sealing_key: None,
            },
        )
        .await
        .unwrap();
    let (other, _) =
        w.p.create_host(
            Some(&w.operator),
            &NewHost {
                name: "Wallet".into(),
                platforms: vec!["ios".into()],
                sealing_key: None,
            },
        )
        .await
        .unwrap();
    w.p.grant(Some(&w.operator), granted.id, APP, &Grants::default())
        .await
        .unwrap();
    let live = w.p.app(&w.dev, APP).await.unwrap().summary.live_version;
    assert!(live.is_some());

    // The gray rules alone say which version; a host that cannot load the app gets nothing.
    let any = w.p.explain(&w.dev, APP, None, &ctx).await.unwrap();
    assert_eq!((any.decision.version_code, any.outcome), (live, "decided"));
    let on =
        w.p.explain(&w.dev, APP, Some(granted.id), &ctx)
            .await
            .unwrap();
    assert_eq!((on.decision.version_code, on.outcome), (live, "delivered"));
    assert_eq!(on.host.unwrap().name, "Bank App");
    let off =
        w.p.explain(&w.dev, APP, Some(other.id), &ctx)
            .await
            .unwrap();
    assert_eq!(
        (off.decision.version_code, off.outcome),
        (None, "not_granted")
    );
    assert!(
        off.decision.trace[0].contains("not granted to host app Wallet"),
        "{:?}",
        off.decision.trace
    );
    let e =
        w.p.explain(&w.dev, APP, Some(9999), &ctx)
            .await
            .unwrap_err();
    assert_eq!(e.code(), "not_found");
    // Taken down: nothing, on any host.
    w.p.takedown(&w.operator, APP, "incident 7").await.unwrap();
    let down =
        w.p.explain(&w.dev, APP, Some(granted.id), &ctx)
            .await
            .unwrap();
    assert_eq!(
        (down.decision.version_code, down.outcome),
        (None, "taken_down")
    );
    w.p.restore(&w.operator, APP).await.unwrap();
    // Over HTTP, with the host as the console sends it.
    let cookie = w.cookie("reviewer").await;
    let (st, _, body) = w
        .get(
            &cookie,
            &format!("/api/v1/apps/{APP}/explain?user_id=u1&host={}", other.id),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (v["outcome"].as_str(), &v["version_code"]),
        (Some("not_granted"), &Value::Null)
    );
}

async fn audit_filters_and_csv(w: &World) {
    w.at(1_800_010_000);
    w.p.takedown(
        &w.formula,
        OTHER,
        "said \"stop\", at once\n=HYPERLINK(\"x\")",
    )
    .await
    .unwrap();
    w.at(1_800_020_000);
    w.p.restore(&w.formula, OTHER).await.unwrap();
    let f = |v: Value| serde_json::from_value::<AuditFilter>(v).unwrap();
    let q = |v: Value| {
        let p = w.p.clone();
        let who = w.formula.clone();
        async move {
            let (e, total) = p.audit_query(&who, &f(v), 100).await.unwrap();
            (
                e.iter().map(|e| e.action.clone()).collect::<Vec<_>>(),
                total,
            )
        }
    };
    assert_eq!(
        q(json!({"actor": "-formula"})).await,
        (vec!["app.restore".into(), "app.takedown".into()], 2)
    );
    assert_eq!(
        q(json!({"actor": "-formula", "action": "app.takedown"}))
            .await
            .1,
        1
    );
    // A prefix ending in '.' is every action under it.
    let (actions, _) = q(json!({"action": "app."})).await;
    assert!(actions.len() >= 3, "{actions:?}");
    assert!(actions.iter().all(|a| a.starts_with("app.")));
    assert_eq!(q(json!({"action": "app"})).await.1, 0);
    // Time: from inclusive, to exclusive.
    assert_eq!(
        q(json!({"from": 1_800_010_000, "to": 1_800_020_000}))
            .await
            .0,
        ["app.takedown"]
    );
    assert_eq!(q(json!({"from": 1_800_020_001})).await.1, 0);
    // Paging.
    let (_, total) = q(json!({})).await;
    let (page, t2) = q(json!({"limit": 1, "offset": 1})).await;
    assert_eq!((page.len() as u64, t2), (1, total));
    // Who may not read the audit log cannot filter it either.
    let e =
        w.p.audit_query(&w.reviewer, &f(json!({})), 10)
            .await
            .unwrap_err();
    assert_eq!(e.code(), "forbidden");

    // The CSV export: quoted where needed, and no cell a spreadsheet would run.
    let cookie = w.cookie("-formula").await;
    let (st, headers, csv) = w
        .get(
            &cookie,
            "/api/v1/audit?format=csv&actor=-formula&action=app.",
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{csv}");
    assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(headers["x-total-count"], "2");
    let mut lines = csv.split("\r\n");
    assert_eq!(
        lines.next().unwrap(),
        "seq,time_utc,actor,org,action,target,before,after,hash"
    );
    let restore = lines.next().unwrap();
    assert!(
        restore.contains(",2027-01-15T13:33:20Z,'-formula,Bank,app.restore,app/"),
        "{restore}"
    );
    // The takedown's `after` holds quotes, a comma and a newline: one quoted cell.
    let rest: String = lines.collect::<Vec<_>>().join("\r\n");
    assert!(rest.contains("'-formula,Bank,app.takedown,"), "{rest}");
    assert!(
        rest.contains(r#""{""reason"":""said \""stop\"", at once\n=HYPERLINK(\""x\"")"",""taken_down"":true}""#)
            || rest.contains(r#""{""taken_down"":true,""reason"":""said \""stop\"", at once\n=HYPERLINK(\""x\"")""}""#),
        "{rest}"
    );
    let (st, _, body) = w.get(&cookie, "/api/v1/audit?format=xml").await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // The JSON list filters the same way.
    let (_, headers, body) = w
        .get(
            &cookie,
            "/api/v1/audit?action=app.takedown&actor=-formula&limit=5",
        )
        .await;
    assert_eq!(headers["x-total-count"], "1");
    let rows: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1);
}

async fn scenario(w: World) {
    queue_and_lists(&w).await;
    approval_sign_off(&w).await;
    explain_per_host(&w).await;
    audit_filters_and_csv(&w).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_api_on_sqlite() {
    scenario(world(None).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_api_on_postgres() {
    let (pg, url) = PgDatabase::create().await;
    let w = world(Some(url)).await;
    let db = w.p.db.clone();
    scenario(w).await;
    pg.drop_it(db).await;
}
