//! `cove-devtools apis`: `wx.*` coverage against the official typings, measured by running
//! the conformance suite.
//!
//! The suite (`crates/devtools/js/conformance.js`) holds one check per API name. This
//! command compiles the fixture app (`crates/container/tests/fixtures/apis`), launches it
//! with a host that records everything and answers host requests as each check says, starts
//! a local HTTP + WebSocket server for the network checks, and drives the run: a method
//! counts as implemented or delegated only if its check passed in this run, and a name the
//! runtime does not serve counts as "not supported" only if it fails exactly as WeChat does.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use cove_container::{App, AppConfig, Clock, Host, Level, Reply};
use serde_json::{Value, json};

/// The suite, evaluated in the app after launch (not part of the runtime).
const CONFORMANCE: &str = include_str!("../js/conformance.js");
/// Pins the typings the method list comes from (the container's: its build reads them).
const CONTAINER_JS_PACKAGE: &str = include_str!("../../container/js/package.json");

/// The fixture app the suite runs in; the container's own tests launch it too.
const FIXTURE: &[(&str, &str)] = &[
    (
        "project.config.json",
        include_str!("../../container/tests/fixtures/apis/project.config.json"),
    ),
    (
        "app.json",
        include_str!("../../container/tests/fixtures/apis/app.json"),
    ),
    (
        "app.js",
        include_str!("../../container/tests/fixtures/apis/app.js"),
    ),
    (
        "pages/index/index.json",
        include_str!("../../container/tests/fixtures/apis/pages/index/index.json"),
    ),
    (
        "pages/index/index.wxml",
        include_str!("../../container/tests/fixtures/apis/pages/index/index.wxml"),
    ),
    (
        "pages/index/index.js",
        include_str!("../../container/tests/fixtures/apis/pages/index/index.js"),
    ),
    (
        "pages/other/other.json",
        include_str!("../../container/tests/fixtures/apis/pages/other/other.json"),
    ),
    (
        "pages/other/other.wxml",
        include_str!("../../container/tests/fixtures/apis/pages/other/other.wxml"),
    ),
    (
        "pages/other/other.js",
        include_str!("../../container/tests/fixtures/apis/pages/other/other.js"),
    ),
    (
        "pages/tab/tab.json",
        include_str!("../../container/tests/fixtures/apis/pages/tab/tab.json"),
    ),
    (
        "pages/tab/tab.wxml",
        include_str!("../../container/tests/fixtures/apis/pages/tab/tab.wxml"),
    ),
    (
        "pages/tab/tab.js",
        include_str!("../../container/tests/fixtures/apis/pages/tab/tab.js"),
    ),
];

const APP_ID: &str = "wxconformance";
const ENTRY: &str = "pages/index/index?from=conformance";
/// The whole run gives up after this; each check has its own, shorter limit in the suite.
const RUN_LIMIT: Duration = Duration::from_secs(600);

#[derive(clap::Args)]
pub struct ApisArgs {
    /// List every method with how it is served and whether its check passed.
    #[arg(long)]
    list: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Run only these checks (comma-separated names); the rest count as not run.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

pub fn run(args: ApisArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let report = run_suite(&args.only)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report.json())?);
    } else {
        print!("{}", report.table(args.list));
    }
    let failing = report.failing();
    for e in &failing {
        eprintln!(
            "FAIL {} ({}): {}",
            e.name,
            e.kind,
            e.error.as_deref().unwrap_or("no check")
        );
    }
    eprintln!(
        "cove-devtools apis: {} checks run in {:.1} s, {} failing",
        report
            .entries
            .iter()
            .filter(|e| e.status != Status::NotRun)
            .count(),
        started.elapsed().as_secs_f64(),
        failing.len()
    );
    Ok(if failing.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pass,
    Fail,
    /// A served method with no check: it does not count.
    Missing,
    /// Left out by `--only`.
    NotRun,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Missing => "missing",
            Status::NotRun => "not run",
        }
    }
}

struct Entry {
    name: String,
    /// `native`, `js`, `host` or `unsupported`, as the runtime declares it.
    kind: String,
    /// In the typings' `interface Wx` (the measure), or served beyond it.
    typed: bool,
    status: Status,
    error: Option<String>,
}

struct Report {
    typings_version: String,
    entries: Vec<Entry>,
}

const KINDS: [(&str, &str); 4] = [
    ("native", "implemented natively (Rust)"),
    ("js", "implemented in JS"),
    ("host", "delegated to the host"),
    ("unsupported", "not supported (fails as WeChat does)"),
];

impl Report {
    fn typed(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.typed)
    }

    /// Typed methods of `kind` whose check passed.
    fn counted(&self, kind: &str) -> usize {
        self.typed()
            .filter(|e| e.kind == kind && e.status == Status::Pass)
            .count()
    }

    fn failing(&self) -> Vec<&Entry> {
        self.entries
            .iter()
            .filter(|e| matches!(e.status, Status::Fail | Status::Missing))
            .collect()
    }

    fn json(&self) -> Value {
        let total = self.typed().count();
        let mut summary = serde_json::Map::new();
        for (kind, _) in KINDS {
            summary.insert(kind.into(), json!(self.counted(kind)));
        }
        let served: usize = ["native", "js", "host"]
            .iter()
            .map(|k| self.counted(k))
            .sum();
        summary.insert("served".into(), json!(served));
        summary.insert(
            "uncounted".into(),
            json!(self.typed().filter(|e| e.status != Status::Pass).count()),
        );
        json!({
            "typings": {
                "package": "miniprogram-api-typings",
                "version": self.typings_version,
                "methods": total,
            },
            "summary": summary,
            "apis": self.entries.iter().map(|e| {
                let mut o = json!({
                    "name": e.name,
                    "kind": e.kind,
                    "typed": e.typed,
                    "check": e.status.as_str(),
                });
                if let Some(err) = &e.error {
                    o["error"] = json!(err);
                }
                o
            }).collect::<Vec<_>>(),
        })
    }

    fn table(&self, list: bool) -> String {
        let total = self.typed().count();
        let pct = |n: usize| {
            if total == 0 {
                0.0
            } else {
                n as f64 * 100.0 / total as f64
            }
        };
        let mut out = format!(
            "wx.* coverage against miniprogram-api-typings {}: {total} methods\n\n",
            self.typings_version
        );
        out.push_str("| how it is served | methods | share |\n|---|---:|---:|\n");
        let mut served = 0;
        for (kind, label) in KINDS {
            let n = self.counted(kind);
            if kind != "unsupported" {
                served += n;
            }
            out.push_str(&format!("| {label} | {n} | {:.1}% |\n", pct(n)));
        }
        let uncounted = self.typed().filter(|e| e.status != Status::Pass).count();
        out.push_str(&format!(
            "| check failed, missing or not run | {uncounted} | {:.1}% |\n",
            pct(uncounted)
        ));
        out.push_str(&format!(
            "| **served (native + JS + host)** | **{served}** | **{:.1}%** |\n",
            pct(served)
        ));
        let extra: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| !e.typed && e.kind != "unsupported")
            .collect();
        if !extra.is_empty() {
            let passed = extra.iter().filter(|e| e.status == Status::Pass).count();
            out.push_str(&format!(
                "\nAlso served, outside the typings (older names): {} ({passed} of {} checks passed).\n",
                extra.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", "),
                extra.len()
            ));
        }
        out.push_str(
            "\nA method counts only when its check in crates/devtools/js/conformance.js passed in this run.\n",
        );
        if list {
            out.push_str("\n| method | kind | in typings | check |\n|---|---|---|---|\n");
            for e in &self.entries {
                out.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    e.name,
                    e.kind,
                    if e.typed { "yes" } else { "no" },
                    e.status.as_str()
                ));
            }
        }
        out
    }
}

/// Run the suite (all checks, or `only`) and collect what passed.
fn run_suite(only: &[String]) -> anyhow::Result<Report> {
    let server = server::start().context("starting the local test server")?;
    let package = tempfile::tempdir()?;
    let data = tempfile::tempdir()?;
    compile_fixture(package.path())?;
    let system = json!({
        "brand": "cove", "model": "conformance", "system": "Cove conformance", "platform": "devtools",
        "pixelRatio": 3, "screenWidth": 390, "screenHeight": 844, "windowWidth": 390, "windowHeight": 844,
        "statusBarHeight": 47, "language": "en", "theme": "light",
        "systemSetting": {"wifiEnabled": true, "locationEnabled": false},
        "appAuthorizeSetting": {"cameraAuthorized": "authorized", "locationAuthorized": "denied"},
    });
    let mut config = AppConfig::dev_mode_unverified(APP_ID, package.path(), data.path());
    config.clock = Clock::Manual;
    config.system = system.clone();
    let host = Arc::new(SuiteHost::default());
    let app =
        App::launch(config, host.clone(), Some(ENTRY)).context("launching the fixture app")?;

    let names: Vec<String> = serde_json::from_value(app.api_names()?)?;
    let kinds: BTreeMap<String, String> = serde_json::from_value(app.api_kinds()?)?;
    app.eval_json(&format!(
        "globalThis.__conformanceKinds = {}, null",
        json!(kinds)
    ))?;
    app.instance()
        .eval("conformance.js", CONFORMANCE)
        .context("loading the conformance suite")?;
    let setup = json!({
        "http": format!("http://127.0.0.1:{}", server.http),
        "ws": format!("ws://127.0.0.1:{}/", server.ws),
        "appId": APP_ID,
        "entry": ENTRY,
        "system": system,
        "only": if only.is_empty() { Value::Null } else { json!(only) },
    });
    let started: Vec<String> =
        serde_json::from_value(app.eval_json(&format!("__conformance.start({setup})"))?)?;
    drive(&app, &host)?;
    let results = app.eval_json("__conformance.results()")?;

    let typed: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
    let mut entries = Vec::new();
    for (name, kind) in &kinds {
        let r = &results[name.as_str()];
        let (status, error) = if r.is_object() {
            if r["ok"] == true {
                (Status::Pass, None)
            } else {
                (Status::Fail, r["error"].as_str().map(str::to_string))
            }
        } else if !only.is_empty() && !only.contains(name) {
            (Status::NotRun, None)
        } else if started.contains(name) {
            (Status::Fail, Some("the check did not finish".into()))
        } else {
            (Status::Missing, Some("no conformance check".into()))
        };
        entries.push(Entry {
            name: name.clone(),
            kind: kind.clone(),
            typed: typed.contains(name.as_str()),
            status,
            error,
        });
    }
    // Checks for names the runtime does not declare at all are failures too.
    for name in &started {
        if !kinds.contains_key(name) {
            entries.push(Entry {
                name: name.clone(),
                kind: "absent".into(),
                typed: typed.contains(name.as_str()),
                status: Status::Fail,
                error: Some("a check for a method the runtime does not declare".into()),
            });
        }
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Report {
        typings_version: typings_version(),
        entries,
    })
}

fn typings_version() -> String {
    serde_json::from_str::<Value>(CONTAINER_JS_PACKAGE)
        .ok()
        .and_then(|v| {
            v["dependencies"]["miniprogram-api-typings"]
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_else(|| "?".into())
}

fn compile_fixture(dir: &Path) -> anyhow::Result<()> {
    let tree = cove_compiler::SourceTree::from_files(
        FIXTURE.iter().map(|(p, c)| (*p, c.as_bytes().to_vec())),
    );
    let out = cove_compiler::compile(&tree, &cove_compiler::CompileOptions::default())
        .map_err(|d| anyhow::anyhow!("the conformance fixture does not compile:\n{d}"))?;
    cove_compiler::output::write_dir(&out.files, dir)?;
    Ok(())
}

/// Feed the suite what the host saw, answer the requests it holds as the suite says, deliver
/// the inbound messages it asks for, and move the manual clock, until the suite is done.
fn drive(app: &App, host: &SuiteHost) -> anyhow::Result<()> {
    let deadline = Instant::now() + RUN_LIMIT;
    let mut acks: Vec<Value> = Vec::new();
    loop {
        let (messages, console, requests) = host.take();
        let busy = !(messages.is_empty() && requests.is_empty() && acks.is_empty());
        let input = json!({
            "messages": messages,
            "console": console,
            "requests": requests,
            "acks": std::mem::take(&mut acks),
        });
        let out = app.eval_json(&format!("__conformance.feed({input})"))?;
        for a in out["answers"].as_array().into_iter().flatten() {
            let id = a["id"].as_u64().unwrap_or(0);
            let Some(reply) = host.held(id) else { continue };
            match a.get("fail").and_then(Value::as_str) {
                Some(tail) => reply.fail(tail),
                None => reply.ok(a.get("ok").cloned().unwrap_or(Value::Null)),
            }
        }
        for s in out["send"].as_array().into_iter().flatten() {
            let ack = match app.send(&s["msg"]) {
                Ok(result) => json!({"id": s["id"], "result": result}),
                Err(e) => json!({"id": s["id"], "error": e.to_string()}),
            };
            acks.push(ack);
        }
        if out["done"] == true {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the conformance run did not finish within {RUN_LIMIT:?}");
        }
        app.advance(Duration::from_millis(16))?;
        if !busy {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

/// Records what the container sends and holds host requests until the suite answers them.
#[derive(Default)]
struct SuiteHost {
    log: Mutex<HostLog>,
}

#[derive(Default)]
struct HostLog {
    messages: Vec<Value>,
    console: Vec<Value>,
    requests: Vec<Value>,
    held: HashMap<u64, Reply>,
    next: u64,
}

impl SuiteHost {
    fn lock(&self) -> std::sync::MutexGuard<'_, HostLog> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn take(&self) -> (Vec<Value>, Vec<Value>, Vec<Value>) {
        let mut l = self.lock();
        (
            std::mem::take(&mut l.messages),
            std::mem::take(&mut l.console),
            std::mem::take(&mut l.requests),
        )
    }

    fn held(&self, id: u64) -> Option<Reply> {
        self.lock().held.remove(&id)
    }
}

impl Host for SuiteHost {
    fn send(&self, msg: &str) {
        let v = serde_json::from_str(msg).unwrap_or_else(|_| json!({"t": "invalid", "text": msg}));
        self.lock().messages.push(v);
    }

    fn console(&self, level: Level, text: &str) {
        self.lock().console.push(json!([level.as_str(), text]));
    }

    fn request(&self, api: &str, args: Value, reply: Reply) {
        let mut l = self.lock();
        l.next += 1;
        let id = l.next;
        l.requests.push(json!({"id": id, "api": api, "args": args}));
        l.held.insert(id, reply);
    }
}

/// The local HTTP and WebSocket servers the network checks talk to.
mod server {
    use std::time::Duration;

    use axum::Router;
    use axum::body::Bytes;
    use axum::extract::{Multipart, Path};
    use axum::http::{HeaderMap, Method, StatusCode, Uri};
    use axum::response::IntoResponse;
    use axum::routing::{any, get, post};
    use futures_util::{SinkExt as _, StreamExt as _};
    use serde_json::{Value, json};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::handshake::server::{
        Request as WsRequest, Response as WsResponse,
    };
    use tokio_tungstenite::tungstenite::protocol::CloseFrame;

    pub struct Ports {
        pub http: u16,
        pub ws: u16,
    }

    /// Start both servers on a thread of their own; they live as long as the process.
    pub fn start() -> anyhow::Result<Ports> {
        let (tx, rx) = super::mpsc::channel();
        std::thread::Builder::new()
            .name("cove-apis-server".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                        return;
                    }
                };
                rt.block_on(async move {
                    let bound = async {
                        let http = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                        let ws = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                        Ok::<_, std::io::Error>((http, ws))
                    };
                    let (http, ws) = match bound.await {
                        Ok(v) => v,
                        Err(e) => {
                            let _ = tx.send(Err(e.to_string()));
                            return;
                        }
                    };
                    let ports = Ports {
                        http: http.local_addr().map(|a| a.port()).unwrap_or(0),
                        ws: ws.local_addr().map(|a| a.port()).unwrap_or(0),
                    };
                    let _ = tx.send(Ok(ports));
                    tokio::spawn(ws_server(ws));
                    let _ = axum::serve(http, routes()).await;
                });
            })?;
        rx.recv()?.map_err(anyhow::Error::msg)
    }

    fn routes() -> Router {
        Router::new()
            .route("/echo", any(echo))
            .route(
                "/bin",
                get(|| async { Bytes::from_static(&[0, 1, 2, 255]) }),
            )
            .route("/status/{code}", get(status))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .route("/upload", post(upload))
            .route("/download/{n}", get(download))
    }

    /// What the server got: method, query, headers and body.
    async fn echo(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
        let h: serde_json::Map<String, Value> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v.to_str().unwrap_or(""))))
            .collect();
        let body = json!({
            "method": method.as_str(),
            "query": uri.query().unwrap_or(""),
            "headers": h,
            "body": String::from_utf8_lossy(&body),
        });
        ([("x-served-by", "cove-conformance")], axum::Json(body))
    }

    async fn status(Path(code): Path<u16>) -> impl IntoResponse {
        let code = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
        (code, axum::Json(json!({"status": code.as_u16()})))
    }

    /// The form fields, the file's name, size and byte sum, and the `x-conformance` header.
    async fn upload(headers: HeaderMap, mut form: Multipart) -> axum::Json<Value> {
        let mut fields = serde_json::Map::new();
        let mut file = Value::Null;
        while let Ok(Some(field)) = form.next_field().await {
            let name = field.name().unwrap_or("").to_string();
            match field.file_name().map(str::to_string) {
                Some(file_name) => {
                    let data = field.bytes().await.unwrap_or_default();
                    file = json!({"field": name, "fileName": file_name, "size": data.len(),
                        "sum": data.iter().map(|&b| b as u64).sum::<u64>()});
                }
                None => {
                    fields.insert(name, json!(field.text().await.unwrap_or_default()));
                }
            }
        }
        let header = headers
            .get("x-conformance")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        axum::Json(json!({"fields": fields, "file": file, "header": header}))
    }

    /// `n` bytes: byte `i` is `i % 251`.
    async fn download(Path(n): Path<usize>) -> Vec<u8> {
        (0..n.min(10 << 20)).map(|i| (i % 251) as u8).collect()
    }

    /// Echoes text and binary frames; "close-me" makes the server close with 4001 "bye".
    /// Accepts the first offered subprotocol and reflects `x-token` as `x-token-echo`.
    async fn ws_server(listener: tokio::net::TcpListener) {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                // tungstenite fixes the callback's error type.
                #[allow(clippy::result_large_err)]
                let cb = |req: &WsRequest, mut resp: WsResponse| {
                    if let Some(first) = req
                        .headers()
                        .get("sec-websocket-protocol")
                        .and_then(|p| p.to_str().ok())
                        .and_then(|p| p.split(',').next())
                        .and_then(|p| p.trim().parse().ok())
                    {
                        resp.headers_mut().insert("sec-websocket-protocol", first);
                    }
                    if let Some(t) = req.headers().get("x-token") {
                        resp.headers_mut().insert("x-token-echo", t.clone());
                    }
                    Ok(resp)
                };
                let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, cb).await else {
                    return;
                };
                while let Some(Ok(msg)) = ws.next().await {
                    if matches!(&msg, Message::Text(t) if t.as_str() == "close-me") {
                        let frame = CloseFrame {
                            code: 4001.into(),
                            reason: "bye".into(),
                        };
                        let _ = ws.close(Some(frame)).await;
                    } else if matches!(msg, Message::Text(_) | Message::Binary(_))
                        && ws.send(msg).await.is_err()
                    {
                        return;
                    }
                }
            });
        }
    }
}
