//! Reviewer previews: the platform server runs candidate versions, unreviewed partner code, in
//! simulators of its own. `cove dev` trusts its user; a preview trusts nobody:
//!
//! - **Network.** The app reaches at most its approved whitelist, as it would once live, and
//!   never a loopback, private, link-local or special address, nor the server's own addresses
//!   (whatever the name resolves to, checked when connecting). Never dev mode.
//! - **Access.** Every HTTP and WebSocket request carries the preview's secret: `?token=` in
//!   the link the reviewer was given, then an HttpOnly cookie it sets. Anything else gets 401.
//! - **Lifetime.** A preview stops after a fixed time, the oldest stops when too many run,
//!   and [`Previews::stop_all`] stops them all (the server's shutdown); each stop releases
//!   its port.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use cove_container::services::net::NetPolicy;
use ipnet::IpNet;
use subtle::ConstantTimeEq as _;

use crate::{DevError, DevOptions, DevServer, Shared};

/// How long previews live and how many run at once.
#[derive(Debug, Clone)]
pub struct PreviewSettings {
    /// A preview stops this long after it started (asking again afterwards starts a new one).
    pub ttl: Duration,
    /// At most this many run; starting one more stops the oldest.
    pub max_running: usize,
}

impl Default for PreviewSettings {
    fn default() -> Self {
        PreviewSettings {
            ttl: Duration::from_secs(15 * 60),
            max_running: 4,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("cannot write the package for the preview: {0}")]
    Io(#[from] std::io::Error),
    #[error("system random source: {0}")]
    Random(String),
    #[error(transparent)]
    Start(#[from] DevError),
}

/// The previews one server runs, by key (the server's choice: app, version and reviewer).
pub struct Previews {
    inner: Arc<Inner>,
}

struct Inner {
    dir: tempfile::TempDir,
    ip: IpAddr,
    own: Vec<IpNet>,
    settings: PreviewSettings,
    running: tokio::sync::Mutex<HashMap<String, Running>>,
    next_id: AtomicU64,
}

struct Running {
    id: u64,
    server: DevServer,
    url: String,
    started: Instant,
    package: std::path::PathBuf,
}

impl Running {
    async fn stop(self) {
        let addr = self.server.addr;
        self.server.stop().await;
        let _ = std::fs::remove_file(&self.package);
        tracing::info!(%addr, "preview stopped");
    }
}

impl Previews {
    /// Previews listening on `ip` (the server's own address, port chosen per preview).
    pub fn new(ip: IpAddr, settings: PreviewSettings) -> Result<Previews, PreviewError> {
        let dir = tempfile::Builder::new().prefix("cove-preview-").tempdir()?;
        Ok(Previews {
            inner: Arc::new(Inner {
                dir,
                ip,
                own: own_addresses(ip),
                settings,
                running: Default::default(),
                next_id: AtomicU64::new(1),
            }),
        })
    }

    /// Run `package` (a compiled package ZIP, unsigned as uploaded) and answer the URL to give
    /// the reviewer, secret included. The same `key` while it runs answers the same URL.
    /// `whitelist` gives the domain lists (and pins, a resolver); its dev mode and private
    /// ranges are dropped (see [`preview_policy`]).
    pub async fn open(
        &self,
        key: &str,
        package: Vec<u8>,
        whitelist: NetPolicy,
    ) -> Result<String, PreviewError> {
        let inner = &self.inner;
        let mut running = inner.running.lock().await;
        if let Some(r) = running.get(key) {
            if r.started.elapsed() < inner.settings.ttl {
                return Ok(r.url.clone());
            }
            if let Some(old) = running.remove(key) {
                old.stop().await;
            }
        }
        while running.len() >= inner.settings.max_running.max(1) {
            let Some(oldest) = running
                .iter()
                .min_by_key(|(_, r)| r.started)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(old) = running.remove(&oldest) {
                tracing::info!(key = %oldest, "too many previews: stopping the oldest");
                old.stop().await;
            }
        }
        let id = inner.next_id.fetch_add(1, Ordering::Relaxed);
        let path = inner.dir.path().join(format!("{id}.zip"));
        std::fs::write(&path, &package)?;
        let token = token()?;
        let opts = DevOptions {
            source: path.clone(),
            listen: SocketAddr::new(inner.ip, 0),
            data_dir: None,
            watch: false,
            automator: None,
            headless_view: false,
            // Candidates are unsigned until published: only the package check is relaxed.
            trust: cove_package::Trust {
                dev_mode: true,
                ..Default::default()
            },
            watermark: None,
            net: Some(preview_policy(whitelist, &inner.own)),
            access_token: Some(token.clone()),
        };
        let server = match DevServer::start(opts).await {
            Ok(s) => s,
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                return Err(e.into());
            }
        };
        let url = format!("http://{}/?token={token}", server.addr);
        tracing::info!(%key, addr = %server.addr, ttl = ?inner.settings.ttl, "preview started");
        running.insert(
            key.to_string(),
            Running {
                id,
                server,
                url: url.clone(),
                started: Instant::now(),
                package: path,
            },
        );
        tokio::spawn(expire(
            Arc::downgrade(&self.inner),
            key.to_string(),
            id,
            inner.settings.ttl,
        ));
        Ok(url)
    }

    /// How many previews run now.
    pub async fn running(&self) -> usize {
        self.inner.running.lock().await.len()
    }

    /// Stop every preview (the server is shutting down).
    pub async fn stop_all(&self) {
        let all: Vec<Running> = self
            .inner
            .running
            .lock()
            .await
            .drain()
            .map(|(_, r)| r)
            .collect();
        for r in all {
            r.stop().await;
        }
    }
}

/// Stop preview `id` under `key` when its time is up, unless it was replaced or stopped.
async fn expire(inner: Weak<Inner>, key: String, id: u64, ttl: Duration) {
    tokio::time::sleep(ttl).await;
    let Some(inner) = inner.upgrade() else { return };
    let mut running = inner.running.lock().await;
    if running.get(&key).is_some_and(|r| r.id == id)
        && let Some(r) = running.remove(&key)
    {
        drop(running);
        tracing::info!(%key, "preview expired");
        r.stop().await;
    }
}

/// The policy a preview runs under: `whitelist`'s domain lists and pins, and nothing of dev
/// mode or private ranges; `own` (the server's addresses) is refused on top of the special
/// ranges every non-dev policy refuses.
pub fn preview_policy(whitelist: NetPolicy, own: &[IpNet]) -> NetPolicy {
    let mut denied = whitelist.denied;
    denied.extend_from_slice(own);
    NetPolicy {
        dev_mode: false,
        allowed_private: Vec::new(),
        denied,
        ..whitelist
    }
}

/// The addresses of the server at `ip`: that one, or, when it listens on every interface,
/// every interface's.
pub fn own_addresses(ip: IpAddr) -> Vec<IpNet> {
    let mut ips = vec![ip];
    if ip.is_unspecified() {
        match if_addrs::get_if_addrs() {
            Ok(ifs) => ips.extend(ifs.into_iter().map(|i| i.ip())),
            Err(e) => tracing::warn!("cannot list the network interfaces: {e}"),
        }
    }
    ips.sort();
    ips.dedup();
    ips.into_iter().map(IpNet::from).collect()
}

/// 256 random bits, hex.
fn token() -> Result<String, PreviewError> {
    let b = cove_package::random::array::<32>().map_err(|e| PreviewError::Random(e.to_string()))?;
    Ok(hex::encode(b))
}

/// The query parameter of the link the reviewer gets.
const TOKEN_PARAM: &str = "token";

/// The cookie's name carries the port: cookies are shared by every port of a host, and two
/// previews open side by side must not overwrite each other's.
fn cookie_name(shared: &Shared) -> String {
    format!("cove_preview_{}", shared.addr.get().map_or(0, |a| a.port()))
}

fn matches(expected: &str, got: Option<&str>) -> bool {
    got.is_some_and(|g| bool::from(g.as_bytes().ct_eq(expected.as_bytes())))
}

/// The simulator's gate when it has an access token: every request shows it, in the query
/// (the link; answered with the cookie) or in the cookie. The page itself, asked for with the
/// token, redirects to the bare URL so that the secret leaves the address bar.
pub(crate) async fn require_token(
    State(shared): State<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    let Some(expected) = shared.access_token.as_deref() else {
        return next.run(req).await;
    };
    let name = cookie_name(&shared);
    let in_query = req
        .uri()
        .query()
        .and_then(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == TOKEN_PARAM)
        })
        .map(|(_, v)| v);
    if matches(expected, in_query) {
        let set = format!("{name}={expected}; Path=/; HttpOnly; SameSite=Strict");
        let mut res = if req.uri().path() == "/" {
            // The simulator's own parameters (`path`, `query`) stay.
            let rest: Vec<&str> = req
                .uri()
                .query()
                .unwrap_or("")
                .split('&')
                .filter(|kv| !kv.is_empty() && kv.split('=').next() != Some(TOKEN_PARAM))
                .collect();
            let to = match rest.is_empty() {
                true => "/".to_string(),
                false => format!("/?{}", rest.join("&")),
            };
            (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
        } else {
            next.run(req).await
        };
        if let Ok(v) = HeaderValue::from_str(&set) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
        return res;
    }
    let in_cookie = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v);
    if matches(expected, in_cookie) {
        return next.run(req).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        "this preview opens only from the link the platform gave the reviewer",
    )
        .into_response()
}
