//! `cove dev`: the simulator. It compiles a project (or opens a compiled package), runs it
//! in the container, one app per connected view, and serves the view and the developer
//! panels on localhost. `docs/view.md` describes the pages and their messages.

mod automator;
mod browser;
mod devtools;
mod package;
pub mod preview;
mod session;
mod stop;
mod watch;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cove_protocol::view::{self, HostMessage, ThemeName, ViewToHost};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize as _;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

pub use automator::METHODS as AUTOMATOR_METHODS;
pub use browser::{Browser, BrowserError, find_chromium};
pub use package::{Build, LoadError, Package, Source, build, diagnostic_json};
pub use session::device_answer;

use devtools::Devtools;
use session::{Inbound, ViewHost};

/// What the simulator says when it starts, and shows on screen: everything it runs is dev
/// mode (`cove_container::AppConfig::dev_mode_unverified`).
pub const DEV_MODE_NOTICE: &str = "DEV MODE: apps run unverified: no platform signature needed, \
any network address reachable, no grant guard, storage in plain files. Host apps launch \
through the SDK or cove_app_open_signed instead.";

/// How to run the simulator.
#[derive(Debug, Clone)]
pub struct DevOptions {
    /// A project folder, a compiled package folder, or a package `.zip`.
    pub source: PathBuf,
    pub listen: SocketAddr,
    /// Storage and files of the app, kept across reloads. A temporary folder by default.
    pub data_dir: Option<PathBuf>,
    /// Rebuild and reload on file changes (projects only).
    pub watch: bool,
    /// Serve WeChat's `miniprogram-automator` protocol on this loopback port (0: any free one).
    pub automator: Option<u16>,
    /// Open the view in a headless Chromium at once (`cove test-server`).
    pub headless_view: bool,
    /// Keys for a package file: the platform's signing keys and the host's sealing keys.
    pub trust: cove_package::Trust,
    /// A watermark over every page of the view (text; the time and user are added).
    pub watermark: Option<String>,
    /// What the app's network may reach. `None`: dev mode, anything (WeChat DevTools' "do not
    /// verify domains"), which only a developer's own machine should run.
    pub net: Option<cove_container::services::net::NetPolicy>,
    /// A secret every HTTP and WebSocket request must carry (`?token=` once, then the cookie
    /// that sets); `None`: anyone who reaches the port may use it (`cove dev` on loopback).
    pub access_token: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DevError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot create the data folder {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot watch {path}: {source}")]
    Watch { path: String, source: notify::Error },
    #[error(transparent)]
    Browser(#[from] BrowserError),
}

/// A change of build the views must follow.
#[derive(Clone, Debug)]
enum BuildEvent {
    Reload,
    Failed(Arc<Vec<Value>>),
}

struct Shared {
    source: Source,
    build: RwLock<Arc<Build>>,
    data_dir: PathBuf,
    devtools: Devtools,
    builds: broadcast::Sender<BuildEvent>,
    sessions: AtomicU64,
    view_errors: AtomicU64,
    app_errors: Arc<AtomicU64>,
    /// The live apps' driver channels, by session.
    drivers: std::sync::Mutex<DriverMap>,
    /// Automator events from every app, as `{method, params}`.
    automator: broadcast::Sender<Value>,
    /// The headless Chromium cove started for the view, if any.
    browser: tokio::sync::Mutex<Option<Arc<Browser>>>,
    /// The simulator's own address, once bound.
    addr: std::sync::OnceLock<SocketAddr>,
    /// The view's watermark, as the `config` message gives it.
    watermark: Option<Value>,
    /// The apps' network policy (`DevOptions::net`).
    net: Option<cove_container::services::net::NetPolicy>,
    /// `DevOptions::access_token`.
    access_token: Option<String>,
    /// Set once, when the server stops: the listener closes and every socket session ends.
    stop: tokio::sync::watch::Sender<bool>,
    _tmp_data: Option<tempfile::TempDir>,
}

/// A running simulator.
pub struct DevServer {
    pub addr: SocketAddr,
    /// Where the automator protocol is served, when asked for.
    pub automator_addr: Option<SocketAddr>,
    shared: Arc<Shared>,
    serve: tokio::task::JoinHandle<std::io::Result<()>>,
    _watcher: Option<notify::RecommendedWatcher>,
}

impl DevServer {
    /// Build or open the app, bind, and start serving in the background.
    pub async fn start(opts: DevOptions) -> Result<DevServer, DevError> {
        tracing::warn!(target: "cove::dev_mode", "{DEV_MODE_NOTICE}");
        let source = Source::detect(&opts.source).with_trust(opts.trust.clone());
        let src = source.clone();
        let first = tokio::task::spawn_blocking(move || package::build(&src))
            .await
            .expect("the build task does not panic")?;
        let (data_dir, tmp) = match &opts.data_dir {
            Some(d) => (d.clone(), None),
            None => {
                let t = tempfile::Builder::new()
                    .prefix("cove-dev-data-")
                    .tempdir()
                    .map_err(|source| DevError::DataDir {
                        path: "temporary folder".into(),
                        source,
                    })?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        std::fs::create_dir_all(&data_dir).map_err(|source| DevError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let devtools = Devtools::default();
        match &first {
            Build::Failed(d) => devtools.send(json!({"t": "compileError", "diagnostics": d})),
            Build::Ready(p) => publish_warnings(&devtools, p),
        }
        let shared = Arc::new(Shared {
            source,
            build: RwLock::new(Arc::new(first)),
            data_dir,
            devtools,
            builds: broadcast::channel(16).0,
            sessions: AtomicU64::new(0),
            view_errors: AtomicU64::new(0),
            app_errors: Arc::default(),
            drivers: Default::default(),
            automator: broadcast::channel(1024).0,
            browser: Default::default(),
            addr: Default::default(),
            watermark: opts
                .watermark
                .as_ref()
                .map(|text| json!({"text": text, "user": "simulator", "time": true})),
            net: opts.net.clone(),
            access_token: opts.access_token.clone(),
            stop: tokio::sync::watch::channel(false).0,
            _tmp_data: tmp,
        });
        let watcher = match (opts.watch, shared.source.watched()) {
            (true, Some(dir)) => Some(watch::start(dir, {
                let shared = shared.clone();
                move || rebuild(&shared)
            })?),
            _ => None,
        };
        let listener = tokio::net::TcpListener::bind(opts.listen)
            .await
            .map_err(|source| DevError::Listen {
                addr: opts.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| DevError::Listen {
            addr: opts.listen,
            source,
        })?;
        let _ = shared.addr.set(addr);
        let app = router(shared.clone());
        // Small responses, many of them: no Nagle delay on the renderer's modules.
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let stopped = shared.stopped();
        let serve = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
        });
        let automator_addr = match opts.automator {
            // Loopback only, whatever `--host` says: the protocol runs code in the app.
            Some(port) => Some(automator::serve(shared.clone(), port).await?),
            None => None,
        };
        if opts.headless_view {
            shared.launch_browser().await?;
        }
        Ok(DevServer {
            addr,
            automator_addr,
            shared,
            serve,
            _watcher: watcher,
        })
    }

    /// A handle that stops the headless Chromium, if cove started one.
    pub fn closer(&self) -> Closer {
        Closer(self.shared.clone())
    }

    /// Serve until the server fails (or forever).
    pub async fn wait(mut self) -> std::io::Result<()> {
        let _watcher = self._watcher.take();
        match (&mut self.serve).await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }

    /// Stop: the listening socket closes at once, every view and panel socket ends (their
    /// apps end with them), and the headless Chromium, if any, is closed. Returns once the
    /// server task is gone, so the port is free again.
    pub async fn stop(mut self) {
        self.shared.stop.send_replace(true);
        if tokio::time::timeout(STOP_WAIT, &mut self.serve)
            .await
            .is_err()
        {
            // A connection that ignores the graceful close: the task (and listener) go anyway.
            self.serve.abort();
            let _ = (&mut self.serve).await;
        }
        Closer(self.shared.clone()).close().await;
    }
}

/// Resolves once the stop flag is set (at once if it already is).
async fn until_stopped(rx: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

/// How long [`DevServer::stop`] lets open connections finish.
const STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// A server dropped without [`DevServer::stop`] still stops: its task sees the signal and
/// releases the port shortly after.
impl Drop for DevServer {
    fn drop(&mut self) {
        self.shared.stop.send_replace(true);
    }
}

/// Stops what the server started outside itself (the headless Chromium).
pub struct Closer(Arc<Shared>);

impl Closer {
    pub async fn close(&self) {
        if let Some(b) = self.0.browser.lock().await.take() {
            b.close().await;
        }
    }
}

/// Compile again after a change and tell every view and panel.
fn rebuild(shared: &Shared) {
    let started = std::time::Instant::now();
    let build = match package::build(&shared.source) {
        Ok(b) => b,
        Err(e) => Build::Failed(vec![json!({"file": null, "line": null, "col": null,
            "code": "io", "message": e.to_string(), "frame": ""})]),
    };
    let event = match &build {
        Build::Ready(p) => {
            shared.devtools.send(json!({"t": "compileOk"}));
            publish_warnings(&shared.devtools, p);
            shared.devtools.send(json!({"t": "reload"}));
            tracing::info!("rebuilt in {:.0?}", started.elapsed());
            BuildEvent::Reload
        }
        Build::Failed(d) => {
            shared
                .devtools
                .send(json!({"t": "compileError", "diagnostics": d}));
            for d in d {
                tracing::warn!("{}: {}", d["location"].as_str().unwrap_or(""), d["message"]);
            }
            BuildEvent::Failed(Arc::new(d.clone()))
        }
    };
    *shared.build.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(build);
    let _ = shared.builds.send(event);
}

/// A good build's warnings go to the Problems panel as one message (a real app can have
/// hundreds); the console gets one line that says so.
fn publish_warnings(devtools: &Devtools, pkg: &Package) {
    devtools.send(json!({"t": "compileWarnings", "diagnostics": pkg.warnings}));
    let n = pkg.warnings.len();
    if n > 0 {
        devtools.console(
            "warn",
            &format!(
                "[compiler] {n} warning{}: see the Problems panel",
                if n == 1 { "" } else { "s" }
            ),
        );
    }
}

fn router(shared: Arc<Shared>) -> Router {
    let gate = axum::middleware::from_fn_with_state(shared.clone(), preview::require_token);
    Router::new()
        .route("/", get(simulator_page))
        .route("/view", get(view_page))
        .route("/__cove/ws", get(view_socket))
        .route("/__cove/devtools", get(devtools_socket))
        .route("/__cove/status", get(status))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/__cove/pkg/{*path}", get(package_file))
        .route("/__cove/wxfile/{*path}", get(app_file))
        .fallback(get(asset))
        .layer(gate)
        .with_state(shared)
}

fn current(shared: &Shared) -> Arc<Build> {
    shared
        .build
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

fn with_headers(body: Vec<u8>, content_type: &str, csp: Option<&str>) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Some(csp) = csp.and_then(|c| HeaderValue::from_str(c).ok()) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    r
}

fn embedded(path: &str, csp: Option<&str>) -> Response {
    match cove_view::asset(path) {
        Some(b) => with_headers(b.into_owned(), cove_view::content_type(path), csp),
        None => (
            StatusCode::NOT_FOUND,
            format!("{path} is not part of the view"),
        )
            .into_response(),
    }
}

async fn simulator_page() -> Response {
    embedded("simulator.html", Some(cove_view::SIMULATOR_CSP))
}

/// Dev mode: any https origin for images, media and web-view (as WeChat DevTools with
/// "do not verify domains"); the view still refuses every other scheme.
async fn view_page() -> Response {
    let csp = cove_view::view_csp("https:", "https:", "https:");
    let page = cove_view::asset("view.html").unwrap_or_default();
    let html = String::from_utf8_lossy(&page);
    with_headers(
        with_preloads(&html).into_bytes(),
        "text/html; charset=utf-8",
        Some(&csp),
    )
}

/// `modulepreload` links for every module of the renderer, so that the browser fetches them
/// at once instead of one import level at a time.
fn with_preloads(html: &str) -> String {
    let links: String = cove_view::paths()
        .into_iter()
        .filter(|p| p.ends_with(".js") && !p.starts_with("sim/") && *p != "simulator.js")
        .map(|p| format!("<link rel=\"modulepreload\" href=\"{p}\">\n"))
        .collect();
    html.replacen("</head>", &format!("{links}</head>"), 1)
}

async fn asset(uri: axum::http::Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    // Only the view's own files; the HTML pages have their own routes and policies.
    if path.ends_with(".html") {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    embedded(path, None)
}

async fn package_file(
    State(shared): State<Arc<Shared>>,
    UrlPath(path): UrlPath<String>,
) -> Response {
    let build = current(&shared);
    let Build::Ready(pkg) = &*build else {
        return (StatusCode::SERVICE_UNAVAILABLE, "the app does not compile").into_response();
    };
    let Some(file) = package_path(&pkg.dir, &path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    file_response(&file).await
}

/// A `wxfile://` file of the app (temp, saved, usr), resolved by the container's own file
/// sandbox, so the view reaches exactly what the app may read and nothing else.
async fn app_file(State(shared): State<Arc<Shared>>, UrlPath(path): UrlPath<String>) -> Response {
    let build = current(&shared);
    let Build::Ready(pkg) = &*build else {
        return (StatusCode::SERVICE_UNAVAILABLE, "the app does not compile").into_response();
    };
    let data = shared.data_dir.join(&pkg.app_id);
    let real = cove_container::services::fs::FileSystem::new(
        &data.join("usr"),
        &data.join("tmp"),
        Some(&pkg.dir),
        0,
    )
    .and_then(|fs| fs.real_path(&format!("wxfile://{path}")));
    match real {
        Ok(file) => file_response(&file).await,
        Err(e) => (StatusCode::NOT_FOUND, e.msg).into_response(),
    }
}

/// A file from disk with the media type its name implies, or 404. The app's files are the
/// app's content, never pages of the simulator: an HTML file among them opens sandboxed (no
/// script, an origin of its own), so it cannot act as the simulator's origin.
async fn file_response(file: &Path) -> Response {
    match tokio::fs::read(file).await {
        Ok(bytes) => {
            let mime = mime_guess::from_path(file).first_or_octet_stream();
            with_headers(bytes, mime.as_ref(), Some("sandbox"))
        }
        Err(_) => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// A file inside the package, never outside it: the shared check ([`cove_package::path`]),
/// `..` refused. A leading `/` names the package root, as in the app's own paths.
fn package_path(root: &Path, path: &str) -> Option<PathBuf> {
    let segs = cove_package::path::segments(
        path.trim_start_matches('/'),
        cove_package::path::Dots::Refuse,
    )
    .ok()?;
    let out = segs.iter().fold(root.to_path_buf(), |p, s| p.join(s));
    out.is_file().then_some(out)
}

async fn status(State(shared): State<Arc<Shared>>) -> Response {
    let build = current(&shared);
    let (ok, diagnostics, warnings) = match &*build {
        Build::Ready(p) => (true, Value::Null, p.warnings.len()),
        Build::Failed(d) => (false, json!(d), 0),
    };
    axum::Json(json!({
        "build": if ok { "ok" } else { "failed" },
        "diagnostics": diagnostics,
        "warnings": warnings,
        "sessions": shared.sessions.load(Ordering::Relaxed),
        "viewErrors": shared.view_errors.load(Ordering::Relaxed),
        "appErrors": shared.app_errors.load(Ordering::Relaxed),
    }))
    .into_response()
}

async fn devtools_socket(ws: WebSocketUpgrade, State(shared): State<Arc<Shared>>) -> Response {
    ws.on_upgrade(move |socket| devtools_session(socket, shared))
}

async fn devtools_session(socket: WebSocket, shared: Arc<Shared>) {
    let (mut tx, mut rx) = socket.split();
    let mut stop = shared.stop.subscribe();
    let (backlog, mut live) = shared.devtools.subscribe();
    for m in backlog {
        if tx.send(Message::text(&*m)).await.is_err() {
            return;
        }
    }
    loop {
        tokio::select! {
            _ = until_stopped(&mut stop) => return,
            m = live.recv() => match m {
                Ok(m) => if tx.send(Message::text(&*m)).await.is_err() { return },
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(_) => return,
            },
            m = rx.next() => match m {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                    if v["t"] == "setTheme" {
                        shared.set_theme(&v["theme"]);
                        continue;
                    }
                    let cmd: Option<fn() -> Inbound> = match v["t"].as_str() {
                        Some("clearStorage") => Some(|| Inbound::ClearStorage),
                        Some("refreshState") => Some(|| Inbound::RefreshState),
                        _ => None,
                    };
                    if let Some(cmd) = cmd { shared.broadcast_inbound(cmd) }
                }
                Some(Ok(_)) => {}
                _ => return,
            },
        }
    }
}

impl Shared {
    /// Resolves when the server is told to stop.
    fn stopped(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.stop.subscribe();
        async move { until_stopped(&mut rx).await }
    }

    /// Start the headless view (once); sessions it opens are marked `launcher=cove`.
    async fn launch_browser(&self) -> Result<Arc<Browser>, BrowserError> {
        let mut slot = self.browser.lock().await;
        if let Some(b) = &*slot {
            return Ok(b.clone());
        }
        let addr = self
            .addr
            .get()
            .copied()
            .unwrap_or(([127, 0, 0, 1], 0).into());
        let url = format!(
            "http://{addr}/view?width={W}&height={H}&ratio={R}&device=iPhone&launcher=cove",
            W = HEADLESS.0,
            H = HEADLESS.1,
            R = HEADLESS.2
        );
        let b = Arc::new(Browser::launch(&url, HEADLESS.0, HEADLESS.1, HEADLESS.2).await?);
        tracing::info!("headless view opened at {url}");
        *slot = Some(b.clone());
        Ok(b)
    }

    /// The toolbar's light/dark switch: the system theme of every live app changes, as the
    /// phone's would (`themeChange`; the app and its view follow, docs/view.md "Themes").
    /// Views opened later carry the theme in their URL (`theme=dark`).
    fn set_theme(&self, theme: &Value) {
        let Ok(theme) = ThemeName::deserialize(theme) else {
            return;
        };
        let drivers = self.drivers.lock().unwrap_or_else(|e| e.into_inner());
        for s in drivers.values() {
            let _ = s.driver.send(Inbound::Theme(theme));
        }
    }

    /// Panel commands go to every live app.
    fn broadcast_inbound(&self, cmd: fn() -> Inbound) {
        let drivers = self.drivers.lock().unwrap_or_else(|e| e.into_inner());
        for s in drivers.values() {
            let _ = s.driver.send(cmd());
        }
    }
}

/// A live app: its driver thread's channel and its view-facing host.
#[derive(Clone)]
struct SessionHandle {
    driver: std::sync::mpsc::Sender<Inbound>,
    host: Arc<ViewHost>,
}

type DriverMap = HashMap<u64, SessionHandle>;

/// A host message as the view's socket carries it.
fn host_message(msg: &HostMessage) -> String {
    serde_json::to_string(msg).expect("a HostMessage is JSON")
}

/// The headless view's phone: CSS width, height and pixel ratio (an iPhone 6/7/8).
const HEADLESS: (u32, u32, f64) = (375, 667, 2.0);

async fn view_socket(
    ws: WebSocketUpgrade,
    Query(q): Query<HashMap<String, String>>,
    State(shared): State<Arc<Shared>>,
) -> Response {
    ws.on_upgrade(move |socket| view_session(socket, q, shared))
}

/// The window a view reports: the phone's CSS size and pixel ratio.
fn system_info(q: &HashMap<String, String>, pkg: &Package) -> Value {
    let num = |k: &str, d: f64| q.get(k).and_then(|v| v.parse::<f64>().ok()).unwrap_or(d);
    let (w, h, ratio) = (num("width", 375.0), num("height", 667.0), num("ratio", 2.0));
    json!({
        "screenWidth": w, "screenHeight": h, "windowWidth": w,
        "windowHeight": pkg.window_height(q.get("path").map(String::as_str), h),
        "pixelRatio": ratio,
        "statusBarHeight": 20, "platform": "devtools",
        "theme": if q.get("theme").is_some_and(|t| t == "dark") { "dark" } else { "light" },
        "model": q.get("device").cloned().unwrap_or_else(|| "iPhone".into()),
    })
}

async fn view_session(socket: WebSocket, q: HashMap<String, String>, shared: Arc<Shared>) {
    let session = shared.sessions.fetch_add(1, Ordering::Relaxed) + 1;
    let (mut ws_tx, mut ws_rx) = socket.split();
    let (to_view, mut outbox) = mpsc::unbounded_channel::<String>();
    let mut builds = shared.builds.subscribe();
    let mut stop = shared.stop.subscribe();
    let build = current(&shared);
    let config = HostMessage::Config(view::Config {
        dev: true,
        styles: match &*build {
            Build::Ready(p) => p.styles.clone(),
            _ => vec![],
        },
        domains: Default::default(),
        device: view::Device {
            width: q.get("width").cloned(),
            height: q.get("height").cloned(),
            ratio: q.get("ratio").cloned(),
            name: q.get("device").cloned(),
        },
        watermark: shared.watermark.clone(),
    });
    let _ = to_view.send(host_message(&config));
    let host = Arc::new(ViewHost::new(
        session,
        to_view.clone(),
        shared.devtools.clone(),
        shared.app_errors.clone(),
        shared.automator.clone(),
        q.get("launcher").is_some_and(|l| l == "cove"),
    ));
    let (drive_tx, drive_rx) = std::sync::mpsc::channel::<Inbound>();
    let running = match &*build {
        Build::Failed(d) => {
            let _ = to_view.send(host_message(&HostMessage::CompileError {
                diagnostics: d.clone(),
            }));
            false
        }
        Build::Ready(pkg) => {
            let mut config = cove_container::AppConfig::dev_mode_unverified(
                &pkg.app_id,
                &pkg.dir,
                &shared.data_dir.join(&pkg.app_id),
            );
            config.system = system_info(&q, pkg);
            if let Some(net) = &shared.net {
                config.net = net.clone();
            }
            let entry = q.get("path").filter(|p| !p.is_empty()).map(|p| {
                match q.get("query").filter(|s| !s.is_empty()) {
                    Some(query) => format!("{p}?{query}"),
                    None => p.clone(),
                }
            });
            let mut hello = json!({"t": "session", "appId": pkg.app_id, "session": session});
            if let (Some(h), Some(s)) = (hello.as_object_mut(), pkg.summary.as_object()) {
                h.extend(s.clone());
            }
            shared.devtools.send(hello);
            let (host2, build2) = (host.clone(), build.clone());
            std::thread::Builder::new()
                .name(format!("cove-dev-session-{session}"))
                .spawn(move || {
                    let _keep = build2; // the package folder outlives the app
                    session::drive(config, host2, entry, drive_rx);
                })
                .expect("a thread starts");
            shared
                .drivers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(
                    session,
                    SessionHandle {
                        driver: drive_tx.clone(),
                        host: host.clone(),
                    },
                );
            true
        }
    };
    loop {
        tokio::select! {
            _ = until_stopped(&mut stop) => break,
            out = outbox.recv() => match out {
                Some(text) => if ws_tx.send(Message::text(text)).await.is_err() { break },
                None => break,
            },
            ev = builds.recv() => {
                let msg = match ev {
                    Ok(BuildEvent::Reload) => HostMessage::Reload { path: None, query: None },
                    Ok(BuildEvent::Failed(d)) => HostMessage::CompileError { diagnostics: d.to_vec() },
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => break,
                };
                // A reload keeps the page: the view knows its path from the last route.
                if ws_tx.send(Message::text(host_message(&msg))).await.is_err() { break }
            }
            m = ws_rx.next() => match m {
                Some(Ok(Message::Text(t))) => {
                    let Ok(v) = serde_json::from_str::<Value>(&t) else { continue };
                    // The view's words for this host are typed here; the rest is the app's,
                    // and `App::send` refuses what is off the protocol (`viewRefused`).
                    let for_host = matches!(v["t"].as_str(), Some("reply" | "viewError" | "host"));
                    if !for_host {
                        if running { let _ = drive_tx.send(Inbound::View(v)); }
                        continue;
                    }
                    match ViewToHost::deserialize(&v) {
                        Ok(ViewToHost::Reply { id, ok, fail }) => host.reply(id, ok, fail),
                        Ok(ViewToHost::ViewError { message }) => {
                            shared.view_errors.fetch_add(1, Ordering::Relaxed);
                            let text = format!("[view] {message}");
                            tracing::warn!("{text}");
                            shared.devtools.console("error", &text);
                        }
                        Ok(ViewToHost::Host { id, api, args }) => if running {
                            let _ = drive_tx.send(Inbound::Host { id, api, args });
                        },
                        Err(e) => {
                            shared.view_errors.fetch_add(1, Ordering::Relaxed);
                            let text = format!("[view] a malformed message for the host: {e}");
                            tracing::warn!("{text}");
                            shared.devtools.console("error", &text);
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    host.end(
        "its view disconnected (the page was closed or reloaded; a new view starts a new app)",
    );
    shared
        .drivers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&session);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_paths_stay_in_the_package() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("pkg");
        std::fs::create_dir_all(root.join("img")).unwrap();
        std::fs::write(root.join("img/a.png"), b"a").unwrap();
        std::fs::write(dir.path().join("secret"), b"s").unwrap();
        assert_eq!(
            package_path(&root, "img/a.png"),
            Some(root.join("img/a.png"))
        );
        assert_eq!(
            package_path(&root, "/img/./a.png"),
            Some(root.join("img/a.png"))
        );
        for p in [
            "../secret",
            "img/../../secret",
            "img/..",
            "img\\..\\..\\secret",
            "img/a.png\0",
            "C:/secret",
            "img",
        ] {
            assert_eq!(package_path(&root, p), None, "{p:?}");
        }
    }
}
