//! The network behind `wx.request`, `uploadFile`, `downloadFile` and `connectSocket`.
//!
//! A `Network` belongs to one app: it owns a small tokio runtime, its HTTP clients and the
//! app's cookie jar. Every task reports through a per-task callback ([`Sink`]) called on a
//! network thread; the bridge turns each [`NetEvent`] into a job on the JS thread.

pub mod policy;
mod request;
mod socket;
mod transfer;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use reqwest::Client;
use reqwest::cookie::Jar;
use reqwest::header::HeaderMap;
use serde::Serialize;
use serde_json::{Map, Value};
use tokio::runtime::Runtime;
use url::Url;

pub use policy::{
    FixedResolver, Lookup, NetPolicy, NetPolicyError, Resolver, SystemResolver, is_public,
};
pub use socket::SocketHandle;

use policy::{AddressGuard, Rules};

use super::{Answer, Data, ServiceError};

/// What a connection is for; the policy may treat each differently (domain lists are kept
/// per kind in WeChat).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum NetKind {
    Request,
    Upload,
    Download,
    Socket,
}

/// An extra check on top of the [`NetPolicy`]: whether a URL may be reached; `Err(reason)`
/// fails the task with `"fail <reason>"` (e.g. `"url not in domain list"`). Checked before
/// connecting and on every redirect.
pub type Policy = Arc<dyn Fn(&Url, NetKind) -> Result<(), String> + Send + Sync>;

/// Receives a task's events, on a network thread. It must not block, and must not call
/// back into the same task's handle.
pub type Sink = Arc<dyn Fn(NetEvent) + Send + Sync>;

/// An event of a network task. Serialises as `{"type": "<camelCase>", "data": ...}`;
/// `Complete`'s data is `{"Ok": {...}}` or `{"Err": "fail ..."}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "camelCase")]
pub enum NetEvent {
    /// `{"header": {...}, "statusCode", "cookies": [...]}`, before the body.
    HeadersReceived(Value),
    /// WeChat's `onProgressUpdate` object: `{progress, totalBytesSent,
    /// totalBytesExpectedToSend}` for uploads, `{progress, totalBytesWritten,
    /// totalBytesExpectedToWrite}` for downloads.
    Progress(Value),
    /// The end of a request, upload or download, exactly once: the success object (with
    /// `errMsg`; a binary `data` out of line) or the `errMsg` tail (`"fail timeout"`,
    /// `"fail abort"`, ...).
    Complete(#[serde(serialize_with = "answer_json")] Result<Answer, String>),
    /// Socket open: `{"header": {...}}` of the handshake response.
    Open(Value),
    /// Socket message: a string (a text frame) or bytes (a binary frame).
    Message(Data),
    /// Socket error, as an `errMsg`.
    Error(String),
    /// Socket closed; the last event of a socket.
    Close { code: u16, reason: String },
}

/// `Complete`'s success object as the JSON contract has it (`data` as `{"$bytes"}`).
fn answer_json<S: serde::Serializer>(r: &Result<Answer, String>, s: S) -> Result<S::Ok, S::Error> {
    match r {
        Ok(a) => Ok::<_, String>(a.clone().into_json()).serialize(s),
        Err(e) => Err::<Value, _>(e).serialize(s),
    }
}

/// WeChat's default timeout for every network API.
pub const DEFAULT_TIMEOUT_MS: u64 = 60_000;
/// WeChat's largest download.
pub const MAX_DOWNLOAD_BYTES: u64 = 200 * 1024 * 1024;

/// One app's network.
pub struct Network {
    rt: Option<Runtime>,
    inner: Arc<Inner>,
}

struct Inner {
    rules: Arc<Rules>,
    extra: Option<Policy>,
    addresses: AddressGuard,
    /// Decoded pins and extra roots, until the TLS configs are built (on first use: the
    /// platform verifier reads the system's roots).
    tls_input: Mutex<Option<policy::TlsInput>>,
    /// (HTTP, WebSocket) client configs: the ALPN differs.
    tls: OnceLock<Result<(rustls::ClientConfig, Arc<rustls::ClientConfig>), String>>,
    jar: Arc<Jar>,
    /// Built on first use, one per (kind, cookies, follow redirects): the redirect policy
    /// checks the kind's domain list, and cookies are per request (`enableCookie`).
    clients: Mutex<HashMap<(NetKind, bool, bool), Client>>,
}

impl Network {
    /// A network in dev mode (any URL, any address) whose every connection is first
    /// checked by `policy`.
    pub fn new(policy: Policy) -> Result<Network, ServiceError> {
        Self::with_policy(NetPolicy::dev(), Some(policy))
    }

    /// A network that reaches only what `net` allows, and of that only what `extra` (if
    /// any) also allows.
    pub fn with_policy(net: NetPolicy, extra: Option<Policy>) -> Result<Network, ServiceError> {
        let pins = policy::parse_pins(&net.pins).map_err(|e| ServiceError::fail(e.to_string()))?;
        let rules = Arc::new(Rules::new(&net));
        let resolver = net
            .resolver
            .clone()
            .unwrap_or_else(|| Arc::new(SystemResolver));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("cove-net")
            .enable_all()
            .build()
            .map_err(|e| ServiceError::fail(format!("cannot start network: {e}")))?;
        Ok(Network {
            rt: Some(rt),
            inner: Arc::new(Inner {
                addresses: AddressGuard {
                    resolver,
                    rules: rules.clone(),
                },
                rules,
                extra,
                tls_input: Mutex::new(Some(policy::TlsInput {
                    pins,
                    roots: net.extra_roots,
                })),
                tls: OnceLock::new(),
                jar: Arc::new(Jar::default()),
                clients: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The synchronous pre-check the bridge can make to fail a call at once (e.g.
    /// `connectSocket`'s fail callback): URL syntax, scheme, and the policy (the address
    /// check comes when connecting).
    pub fn check(&self, url: &str, kind: NetKind) -> Result<Url, ServiceError> {
        self.inner.check(url, kind).map_err(ServiceError::new)
    }

    /// `wx.request`, a binary body as `args.data: {"$bytes"}`.
    pub fn request(&self, args: Value, on: Sink) -> TaskHandle {
        self.request_data(args, None, on)
    }

    /// `wx.request` with a binary body as bytes: `body`, when given, stands for `args.data`.
    pub fn request_data(&self, args: Value, body: Option<Vec<u8>>, on: Sink) -> TaskHandle {
        let inner = self.inner.clone();
        self.spawn_task(on, timeout_of(&args), move |st| {
            request::run(inner, args, body, st)
        })
    }

    /// `wx.uploadFile`; `args.filePath` is the real path, resolved by the caller.
    pub fn upload_file(&self, args: Value, on: Sink) -> TaskHandle {
        let inner = self.inner.clone();
        self.spawn_task(on, timeout_of(&args), move |st| async move {
            transfer::upload(inner, args, st).await.map(Answer::json)
        })
    }

    /// `wx.downloadFile` into `dest` (from `FileSystem::temp_path`), written atomically.
    pub fn download_file(&self, args: Value, dest: std::path::PathBuf, on: Sink) -> TaskHandle {
        let inner = self.inner.clone();
        self.spawn_task(on, timeout_of(&args), move |st| async move {
            transfer::download(inner, args, dest, st)
                .await
                .map(Answer::json)
        })
    }

    /// `wx.connectSocket`.
    pub fn connect_socket(&self, args: Value, on: Sink) -> SocketHandle {
        socket::connect(self.rt(), self.inner.clone(), args, on)
    }

    fn rt(&self) -> &Runtime {
        self.rt.as_ref().expect("runtime lives until drop")
    }

    fn spawn_task<F>(
        &self,
        on: Sink,
        limit: Duration,
        work: impl FnOnce(Arc<TaskState>) -> F,
    ) -> TaskHandle
    where
        F: Future<Output = Result<Answer, String>> + Send + 'static,
    {
        let state = Arc::new(TaskState {
            done: Mutex::new(false),
            sink: on,
        });
        let fut = work(state.clone());
        let st = state.clone();
        let join = self.rt().spawn(async move {
            let r = match tokio::time::timeout(limit, fut).await {
                Ok(r) => r,
                Err(_) => Err("fail timeout".to_string()),
            };
            st.finish(r);
        });
        TaskHandle {
            state,
            abort: join.abort_handle(),
        }
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        // Never blocks, so a Network may be dropped anywhere, even inside another runtime.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl Inner {
    fn check(&self, url: &str, kind: NetKind) -> Result<Url, String> {
        let u = Url::parse(url).map_err(|_| "fail invalid url".to_string())?;
        let ok = match kind {
            NetKind::Socket => matches!(u.scheme(), "ws" | "wss"),
            _ => matches!(u.scheme(), "http" | "https"),
        };
        if !ok {
            return Err("fail invalid url".into());
        }
        allow(&self.rules, self.extra.as_ref(), &u, kind).map_err(|r| format!("fail {r}"))?;
        Ok(u)
    }

    /// The TLS configs (HTTP, WebSocket), built on first use.
    fn tls(&self) -> Result<&(rustls::ClientConfig, Arc<rustls::ClientConfig>), String> {
        self.tls
            .get_or_init(|| {
                let input = self
                    .tls_input
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take()
                    .unwrap_or_default();
                policy::tls_configs(input)
                    .map(|(http, ws)| (http, Arc::new(ws)))
                    .map_err(|e| format!("fail {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    fn client(
        self: &Arc<Self>,
        kind: NetKind,
        cookies: bool,
        follow: bool,
    ) -> Result<Client, String> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(&(kind, cookies, follow)) {
            return Ok(c.clone());
        }
        let (rules, extra) = (self.rules.clone(), self.extra.clone());
        let redirect = if follow {
            reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= 10 {
                    attempt.error("too many redirects")
                } else if let Err(r) = allow(&rules, extra.as_ref(), attempt.url(), kind) {
                    attempt.error(r)
                } else {
                    attempt.follow()
                }
            })
        } else {
            reqwest::redirect::Policy::none()
        };
        let tls = self.tls()?.0.clone();
        // No proxy: the resolver must see the real host, and connections go only to the
        // addresses it let through.
        let mut b = Client::builder()
            .redirect(redirect)
            .gzip(true)
            .no_proxy()
            .dns_resolver(Arc::new(self.addresses.clone()))
            .tls_backend_preconfigured(tls);
        if cookies {
            b = b.cookie_provider(self.jar.clone());
        }
        let c = b.build().map_err(|e| fail_reason(&e))?;
        clients.insert((kind, cookies, follow), c.clone());
        Ok(c)
    }
}

/// The policy's URL rules, then the extra check; `Err` is the reason (no `fail `).
fn allow(rules: &Rules, extra: Option<&Policy>, u: &Url, kind: NetKind) -> Result<(), String> {
    rules.check_url(u, kind)?;
    match extra {
        Some(p) => p(u, kind),
        None => Ok(()),
    }
}

/// The shared state of a task: its sink, and whether it has completed. The lock is held
/// while an event is delivered, so nothing follows `Complete`.
struct TaskState {
    done: Mutex<bool>,
    sink: Sink,
}

impl TaskState {
    fn emit(&self, ev: NetEvent) {
        let done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        if !*done {
            (self.sink)(ev);
        }
    }

    fn finish(&self, r: Result<Answer, String>) {
        let mut done = self.done.lock().unwrap_or_else(|e| e.into_inner());
        if !*done {
            *done = true;
            (self.sink)(NetEvent::Complete(r));
        }
    }
}

/// A running request, upload or download (`RequestTask`, `UploadTask`, `DownloadTask`).
pub struct TaskHandle {
    state: Arc<TaskState>,
    abort: tokio::task::AbortHandle,
}

impl TaskHandle {
    /// Stops the task; unless it has already completed, it completes now with
    /// `"fail abort"`. Calling it again does nothing.
    pub fn abort(&self) {
        self.abort.abort();
        self.state.finish(Err("fail abort".into()));
    }

    /// Whether `Complete` has been delivered.
    pub fn is_done(&self) -> bool {
        *self.state.done.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `timeout` in ms from the arguments; WeChat's default when absent or not positive.
fn timeout_of(args: &Value) -> Duration {
    let ms = args
        .get("timeout")
        .and_then(Value::as_f64)
        .filter(|t| *t > 0.0)
        .map_or(DEFAULT_TIMEOUT_MS, |t| t as u64);
    Duration::from_millis(ms)
}

/// The `header` argument as (name, value) pairs: non-string values are stringified, and
/// names the platform sets itself are dropped.
fn header_pairs(args: &Value, drop: &[&str]) -> Vec<(String, String)> {
    let Some(obj) = args.get("header").and_then(Value::as_object) else {
        return Vec::new();
    };
    obj.iter()
        .filter(|(k, _)| !drop.iter().any(|d| k.eq_ignore_ascii_case(d)))
        .filter_map(|(k, v)| {
            let v = match v {
                Value::Null => return None,
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some((k.clone(), v))
        })
        .collect()
}

/// Response headers as WeChat gives them: one string per name, repeats joined by `", "`.
fn headers_json(h: &HeaderMap) -> Value {
    let mut m = Map::new();
    for (name, value) in h {
        let v = String::from_utf8_lossy(value.as_bytes()).into_owned();
        match m.get_mut(name.as_str()) {
            Some(Value::String(s)) => {
                s.push_str(", ");
                s.push_str(&v);
            }
            _ => {
                m.insert(name.as_str().to_string(), Value::String(v));
            }
        }
    }
    Value::Object(m)
}

/// `Set-Cookie` values, one string each.
fn cookies_json(h: &HeaderMap) -> Value {
    Value::Array(
        h.get_all(reqwest::header::SET_COOKIE)
            .iter()
            .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
    )
}

/// `"fail <reason>"` from a reqwest error, with the innermost cause (what a developer
/// needs: "Connection refused", "dns error", "url not in domain list").
fn fail_reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "fail timeout".into();
    }
    if let Some(m) = policy::pin_mismatch(e) {
        return format!("fail {m}");
    }
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg = s.to_string();
        src = s.source();
    }
    format!("fail {msg}")
}
