//! `cove-devtools bench server`: load on the platform server's SDK endpoints, next to nginx
//! on the same machine in the same run.
//!
//! The server runs as a child process (`cove serve --demo` on a temp data dir, the `cove`
//! binary next to this one unless `--cove` names another), so the load generator does not
//! share its runtime. `resolve` is loaded by an
//! in-process client (each request needs a fresh signature and nonce, which wrk cannot
//! make); package downloads by wrk, against cove and against nginx serving the same blob
//! files. Client and server share the machine's cores, as they do in every row.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt as _, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;

use cove_server::sdk_auth::{self, Signed};

const APT_LINE: &str = "apt-get install -y wrk nginx-light";
const RESOLVE_PATH: &str = "/sdk/v1/resolve";

/// Settings of one `cove-devtools bench server` run.
pub struct Options {
    pub cove: Option<PathBuf>,
    pub seconds: u64,
    pub warmup: u64,
    pub connections: usize,
    pub client_threads: usize,
    pub users: u64,
    pub wrk_connections: usize,
    pub big_mib: usize,
    pub examples: Option<PathBuf>,
}

pub fn run(opts: Options) -> anyhow::Result<ExitCode> {
    let (Some(wrk), Some(nginx)) = (find_tool("wrk"), find_tool("nginx")) else {
        eprintln!(
            "cove-devtools bench server needs wrk and nginx; install them with:\n  {APT_LINE}"
        );
        return Ok(ExitCode::FAILURE);
    };
    let tmp = tempfile::Builder::new()
        .prefix("cove-bench-server-")
        .tempdir()?;
    let data = tmp.path().join("data");
    let cove = match opts.cove {
        Some(path) => path,
        None => sibling_cove()?,
    };
    let server = Server::start(&cove, &data, opts.examples.as_deref())?;
    println!("cove-devtools bench server");
    print_machine();
    if cfg!(debug_assertions) {
        println!(
            "WARNING: this is a debug build; build with `cargo build --release` for meaningful numbers"
        );
    }
    println!(
        "cove: {} (child process, pid {}); client and server share the cores above",
        server.addr,
        server.child.id()
    );

    // One resolve first: it must work, and it names the package to download.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(opts.client_threads.max(1))
        .enable_all()
        .build()?;
    let signer = Arc::new(Signer::new(&server));
    let probe = rt.block_on(probe_resolve(server.addr, &signer))?;
    let answer: serde_json::Value =
        serde_json::from_slice(&probe).context("the resolve answer is not JSON")?;
    let package_url = answer["package"]["url"]
        .as_str()
        .context("the resolve answer has no package.url")?
        .to_string();
    let package_size = answer["package"]["size"].as_u64().unwrap_or(0);

    // A larger synthetic package, stored as the server stores blobs and delivered to the
    // demo host app (cove serves only delivered packages, with resolve's ticket).
    let blobs_dir = data.join("blobs");
    let big = synthetic(opts.big_mib << 20);
    let big_size = big.len() as u64;
    let big_id = cove_server::blobs::LocalBlobs::open(&blobs_dir)?.put(&big)?;
    drop(big);
    let big_url = rt.block_on(deliver(&data, &server, &big_id, big_size))?;

    // nginx: the same blob files under the same URLs, and the resolve answer as a static
    // file (the machine's ceiling for a small response).
    let static_dir = tmp.path().join("static");
    std::fs::create_dir_all(&static_dir)?;
    std::fs::write(static_dir.join("resolve.json"), &probe)?;
    let nginx = Nginx::start(&nginx, tmp.path(), &blobs_dir, &static_dir)?;
    println!("nginx: {} (worker_processes 2, sendfile on)", nginx.addr);
    println!();

    let load = Load {
        connections: opts.connections.max(1),
        users: opts.users.max(1),
        warmup: Duration::from_secs(opts.warmup),
        measure: Duration::from_secs(opts.seconds.max(1)),
    };
    println!(
        "resolve: {} keep-alive HTTP/1.1 connections, {} client threads, {} users, {} s warm-up + {} s",
        load.connections, opts.client_threads, load.users, opts.warmup, opts.seconds
    );
    let resolve = rt.block_on(load.run(server.addr, Target::Resolve(signer.clone())))?;
    let tiny_path = "/resolve.json".to_string();
    let static_same_client = rt.block_on(load.run(nginx.addr, Target::Get(tiny_path.clone())))?;
    drop(rt);

    let wrk_args = WrkArgs {
        bin: wrk,
        threads: 2,
        connections: opts.wrk_connections.max(1),
        seconds: opts.seconds.max(1),
    };
    println!(
        "downloads: wrk -t{} -c{} -d{}s, the same for cove and nginx",
        wrk_args.threads, wrk_args.connections, wrk_args.seconds
    );
    let tiny_wrk = wrk_args.run(&format!("http://{}{tiny_path}", nginx.addr))?;
    // The same URLs (ticket and all) for both; nginx ignores the query.
    let demo_cove = wrk_args.run(&format!("http://{}{package_url}", server.addr))?;
    let demo_nginx = wrk_args.run(&format!("http://{}{package_url}", nginx.addr))?;
    let big_cove = wrk_args.run(&format!("http://{}{big_url}", server.addr))?;
    let big_nginx = wrk_args.run(&format!("http://{}{big_url}", nginx.addr))?;
    println!();

    let mut t = Table::default();
    let cove_rps = resolve.per_sec();
    t.row(
        "resolve req/s (signed POST; peer: nginx static file of the same answer, same client)",
        fmt_count(cove_rps),
        fmt_count(static_same_client.per_sec()),
        Some(cove_rps / static_same_client.per_sec()),
        "≥ 10,000 req/s",
        Some(cove_rps >= 10_000.0),
    );
    let p99 = resolve.quantile_ms(0.99);
    t.row(
        "resolve p99 latency (peer: nginx static, same client)",
        format!("{p99:.2} ms"),
        format!("{:.2} ms", static_same_client.quantile_ms(0.99)),
        None,
        "< 20 ms",
        Some(resolve.ok > 0 && p99 < 20.0),
    );
    for (name, q) in [("p50", 0.5), ("p90", 0.9)] {
        t.row(
            &format!("resolve {name} latency"),
            format!("{:.2} ms", resolve.quantile_ms(q)),
            format!("{:.2} ms", static_same_client.quantile_ms(q)),
            None,
            "",
            None,
        );
    }
    t.row(
        "resolve max latency",
        format!("{:.2} ms", resolve.max_ms()),
        format!("{:.2} ms", static_same_client.max_ms()),
        None,
        "",
        None,
    );
    t.row(
        "resolve errors (non-200 / connection)",
        format!("{} / {}", resolve.non_ok, resolve.conn_errors),
        format!(
            "{} / {}",
            static_same_client.non_ok, static_same_client.conn_errors
        ),
        None,
        "0",
        Some(resolve.non_ok == 0 && resolve.conn_errors == 0),
    );
    t.row(
        "reference: nginx static resolve answer with wrk (the machine's small-response ceiling)",
        "".into(),
        fmt_count(tiny_wrk.requests_per_sec),
        Some(cove_rps / tiny_wrk.requests_per_sec),
        "",
        None,
    );
    for (label, size, cove, peer) in [
        ("demo package", package_size, &demo_cove, &demo_nginx),
        (
            "synthetic package",
            (opts.big_mib << 20) as u64,
            &big_cove,
            &big_nginx,
        ),
    ] {
        let what = format!("download {label} ({}) req/s", fmt_bytes(size));
        t.row(
            &what,
            fmt_count(cove.requests_per_sec),
            fmt_count(peer.requests_per_sec),
            Some(cove.requests_per_sec / peer.requests_per_sec),
            "",
            None,
        );
        let ratio = cove.bytes_per_sec / peer.bytes_per_sec;
        t.row(
            &format!("download {label} ({}) MiB/s", fmt_bytes(size)),
            format!("{:.0}", cove.bytes_per_sec / (1 << 20) as f64),
            format!("{:.0}", peer.bytes_per_sec / (1 << 20) as f64),
            Some(ratio),
            "≥ 0.50 × nginx",
            Some(cove.errors == 0 && ratio >= 0.5),
        );
        t.row(
            &format!("download {label} p99 latency / errors"),
            format!("{:.2} ms / {}", cove.p99_ms, cove.errors),
            format!("{:.2} ms / {}", peer.p99_ms, peer.errors),
            None,
            "",
            None,
        );
    }
    t.print();
    println!();
    println!(
        "resolve req/s by second: {}",
        resolve
            .by_second
            .iter()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!(
        "notes: resolve latency is measured by a closed loop (a connection sends its next request \
         when the last answer is in), so it is service time under that load; the wrk rows use \
         wrk's own latency. Numbers are meaningful only from a release build."
    );
    println!("load average after the run: {}", load_average());
    drop(nginx);
    drop(server);
    Ok(ExitCode::SUCCESS)
}

// ---- the machine -------------------------------------------------------------------------

fn print_machine() {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    println!(
        "machine: {cores} cores (nproc), {model}; load average before the run: {}",
        load_average()
    );
}

/// Other work on the machine skews every row: shown before and after.
fn load_average() -> String {
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    load.split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `cove` binary cargo built into the same target directory as this one.
fn sibling_cove() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("finding this executable")?;
    let cove = exe.with_file_name(format!("cove{}", std::env::consts::EXE_SUFFIX));
    if !cove.is_file() {
        bail!(
            "no `cove` binary at {}: build it with the same profile \
             (`cargo build --release -p cove-cli`) or pass --cove PATH",
            cove.display()
        );
    }
    Ok(cove)
}

fn find_tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    // nginx lives in /usr/sbin, which a non-root PATH may lack.
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Stop a child we started: SIGTERM first (so nginx takes its workers down), then kill.
fn stop(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .stderr(Stdio::null())
        .status();
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn wait_for_port(addr: SocketAddr, child: &mut Child, what: &str) -> anyhow::Result<()> {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        if std::net::TcpStream::connect(addr).is_ok() {
            return Ok(());
        }
        if let Some(status) = child.try_wait()? {
            bail!("{what} exited before listening ({status})");
        }
        if Instant::now() > until {
            bail!("{what} did not listen on {addr} within 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Deterministic bytes that do not compress (nothing on the path compresses, but a file of
/// zeros could be sparse).
fn synthetic(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

// ---- the cove server ---------------------------------------------------------------------

struct Server {
    child: Child,
    addr: SocketAddr,
    sdk_key: String,
    sdk_secret: String,
    app_id: String,
}

impl Server {
    fn start(cove: &Path, data: &Path, examples: Option<&Path>) -> anyhow::Result<Server> {
        let mut cmd = Command::new(cove);
        cmd.arg("serve")
            .arg("--demo")
            .arg("--data-dir")
            .arg(data)
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        // Without a directory, the examples built into the binary (as `cove serve --demo`).
        if let Some(dir) = examples {
            cmd.arg("--examples").arg(dir);
        }
        // The bench's own settings, not the caller's deployment.
        for var in [
            "COVE_CONFIG",
            "COVE_DATA_DIR",
            "COVE_LISTEN",
            "COVE_DATABASE",
            "COVE_BLOBS",
            "COVE_LOG",
        ] {
            cmd.env_remove(var);
        }
        let mut child = cmd
            .spawn()
            .with_context(|| format!("starting `{} serve --demo`", cove.display()))?;
        let stdout = child.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        // Reads the seeded credentials, then drains stdout until the child exits.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let (mut addr, mut key, mut secret, mut app) = (None, None, None, None);
        let until = Instant::now() + Duration::from_secs(120);
        let mut lines = vec![];
        loop {
            let left = until.saturating_duration_since(Instant::now());
            let line = match rx.recv_timeout(left) {
                Ok(l) => l,
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    bail!(
                        "`cove serve --demo` did not print its demo credentials; it printed:\n{}",
                        lines.join("\n")
                    );
                }
            };
            if let Some(rest) = line.strip_prefix("console: http://") {
                addr = rest.trim_end_matches('/').parse::<SocketAddr>().ok();
            } else if let Some(rest) = line.strip_prefix("demo host app: sdk key ") {
                if let Some((k, s)) = rest.split_once(" / sdk secret ") {
                    key = Some(k.trim().to_string());
                    secret = Some(s.trim().to_string());
                }
            } else if let Some(rest) = line.strip_prefix("demo mini-program: ") {
                // The first published app is the one loaded.
                if app.is_none() {
                    app = rest.split_whitespace().next().map(str::to_string);
                }
            } else if line.starts_with("(these passwords") || line.starts_with("demo: ") {
                break;
            }
            lines.push(line);
        }
        let mut server = Server {
            child,
            addr: addr.unwrap_or_else(|| ([0, 0, 0, 0], 0).into()),
            sdk_key: key.unwrap_or_default(),
            sdk_secret: secret.unwrap_or_default(),
            app_id: app.unwrap_or_default(),
        };
        if server.addr.port() == 0 || server.sdk_key.is_empty() || server.app_id.is_empty() {
            bail!(
                "could not read the console address, SDK key and a published app from:\n{}",
                lines.join("\n")
            );
        }
        let addr = server.addr;
        wait_for_port(addr, &mut server.child, "cove serve")?;
        Ok(server)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

// ---- nginx -------------------------------------------------------------------------------

struct Nginx {
    child: Child,
    addr: SocketAddr,
}

impl Nginx {
    fn start(bin: &Path, dir: &Path, blobs: &Path, static_dir: &Path) -> anyhow::Result<Nginx> {
        let port = free_port()?;
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let tmp = dir.join("nginx-tmp");
        std::fs::create_dir_all(&tmp)?;
        // Blob files are private to their owner; as root, workers must run as root to read
        // them (otherwise they run as the caller anyway).
        let probe = dir.join("nginx-owner");
        std::fs::write(&probe, b"")?;
        let root = {
            use std::os::unix::fs::MetadataExt as _;
            std::fs::metadata(&probe)?.uid() == 0
        };
        let d = |p: &Path| p.display().to_string();
        let conf = format!(
            r#"daemon off;
{user}worker_processes 2;
pid {pid};
error_log {err} warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    default_type application/octet-stream;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen {addr};
        root {static_root};
        location ~ "^/packages/([0-9a-f]{{2}})([0-9a-f]{{62}})$" {{
            alias {blobs}/$1/$2;
            add_header Cache-Control "public, max-age=31536000, immutable";
        }}
    }}
}}
"#,
            user = if root { "user root;\n" } else { "" },
            pid = d(&dir.join("nginx.pid")),
            err = d(&dir.join("nginx-error.log")),
            tmp = d(&tmp),
            static_root = d(static_dir),
            blobs = d(blobs),
        );
        let conf_path = dir.join("nginx.conf");
        std::fs::write(&conf_path, conf)?;
        let mut child = Command::new(bin)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf_path)
            .arg("-e")
            .arg(dir.join("nginx-error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        if let Err(e) = wait_for_port(addr, &mut child, "nginx") {
            let log = std::fs::read_to_string(dir.join("nginx-error.log")).unwrap_or_default();
            stop(&mut child);
            bail!("{e}\n{log}");
        }
        Ok(Nginx { child, addr })
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

// ---- the resolve load generator ----------------------------------------------------------

/// Signs resolve requests as a host app's SDK does.
struct Signer {
    key: String,
    secret: Vec<u8>,
    app_id: String,
    /// Makes this run's nonces unlike any earlier run's against the same data.
    nonce_prefix: String,
}

impl Signer {
    fn new(server: &Server) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Signer {
            key: server.sdk_key.clone(),
            secret: server.sdk_secret.clone().into_bytes(),
            app_id: server.app_id.clone(),
            nonce_prefix: format!("b{:x}{:x}", std::process::id(), nanos),
        }
    }

    fn request(&self, host: &str, user: u64, nonce: &str) -> Request<Full<Bytes>> {
        let body = format!(
            r#"{{"app_id":"{}","user_id":"user-{user}","platform":"ios"}}"#,
            self.app_id
        );
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let signature = Signed {
            method: "POST",
            path: RESOLVE_PATH,
            body: body.as_bytes(),
            timestamp,
            nonce,
        }
        .sign(&self.secret);
        Request::builder()
            .method(Method::POST)
            .uri(RESOLVE_PATH)
            .header(hyper::header::HOST, host)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header(sdk_auth::HEADER_KEY, &self.key)
            .header(sdk_auth::HEADER_TIMESTAMP, timestamp.to_string())
            .header(sdk_auth::HEADER_NONCE, nonce)
            .header(sdk_auth::HEADER_SIGNATURE, signature)
            .body(Full::new(Bytes::from(body)))
            .expect("a valid request")
    }
}

#[derive(Clone)]
enum Target {
    Resolve(Arc<Signer>),
    Get(String),
}

impl Target {
    fn request(&self, host: &str, conn: usize, seq: u64, users: u64) -> Request<Full<Bytes>> {
        match self {
            Target::Resolve(s) => {
                // Users spread over the whole range, different on each connection.
                let user = mix((conn as u64) << 40 | seq) % users;
                let nonce = format!("{}-{conn}-{seq}", s.nonce_prefix);
                s.request(host, user, &nonce)
            }
            Target::Get(path) => Request::builder()
                .uri(path.as_str())
                .header(hyper::header::HOST, host)
                .body(Full::new(Bytes::new()))
                .expect("a valid request"),
        }
    }
}

/// splitmix64's finaliser.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> anyhow::Result<Sender> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}

/// One request: its status and body.
async fn send(
    sender: &mut Sender,
    req: Request<Full<Bytes>>,
) -> anyhow::Result<(StatusCode, Bytes)> {
    sender.ready().await?;
    let res = sender.send_request(req).await?;
    let status = res.status();
    let body = res.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// Make `blob` a package delivered to the demo host app, as publishing does (a version row
/// no release names, and its delivery), straight in the server's database; wait until the
/// server serves it; return its URL with a download ticket.
async fn deliver(data: &Path, server: &Server, blob: &str, size: u64) -> anyhow::Result<String> {
    use sqlx::Row as _;
    let url = format!("sqlite://{}?mode=rw", data.join("cove.db").display());
    let db = cove_server::db::Db::connect(&url).await?;
    let host_id: i64 = sqlx::query("SELECT id FROM hosts WHERE sdk_key = $1")
        .bind(&server.sdk_key)
        .fetch_one(&db.pool)
        .await?
        .try_get("id")?;
    let code = 999_999i64;
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO versions (app_id, code, name, note, state, kind, package, size, report,
             warnings, uploaded_by, uploaded_at, signed)
         SELECT app_id, $1, 'bench', 'cove-devtools bench server', state, kind, $2, $3, report, warnings,
             uploaded_by, uploaded_at, $2
         FROM versions WHERE app_id = $4 ORDER BY code LIMIT 1",
    )
    .bind(code)
    .bind(blob)
    .bind(size as i64)
    .bind(&server.app_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO deliveries (app_id, code, host_id, blob, size, sealed, signed_by, rollback)
         VALUES ($1, $2, $3, $4, $5, 0, 'bench', 0)",
    )
    .bind(&server.app_id)
    .bind(code)
    .bind(host_id)
    .bind(blob)
    .bind(size as i64)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'catalog_generation'",
    )
    .execute(&mut *tx)
    .await?;
    let key: String = sqlx::query("SELECT value FROM meta WHERE key = 'download_key'")
        .fetch_one(&mut *tx)
        .await?
        .try_get("value")?;
    tx.commit().await?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let path = cove_server::download::Tickets::new(key.into_bytes()).url(blob, host_id as u64, now);
    // The server's catalog poll picks the delivery up within a second or so.
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let mut sender = connect(server.addr).await?;
        let req = Request::builder()
            .method(Method::HEAD)
            .uri(&path)
            .header(hyper::header::HOST, server.addr.to_string())
            .body(Full::new(Bytes::new()))?;
        let (status, _) = send(&mut sender, req).await?;
        if status == StatusCode::OK {
            return Ok(path);
        }
        if Instant::now() > until {
            bail!("cove serve does not serve the synthetic package ({status})");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn probe_resolve(addr: SocketAddr, signer: &Arc<Signer>) -> anyhow::Result<Bytes> {
    let mut sender = connect(addr).await.context("connecting to cove serve")?;
    let target = Target::Resolve(signer.clone());
    let (status, body) = send(
        &mut sender,
        target.request(&addr.to_string(), 0, u64::MAX >> 24, 1),
    )
    .await
    .context("the first resolve")?;
    if status != StatusCode::OK {
        bail!(
            "the first resolve answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    Ok(body)
}

struct Load {
    connections: usize,
    users: u64,
    warmup: Duration,
    measure: Duration,
}

/// What one connection (and then the whole run) saw in the measured window.
struct Tally {
    /// Latency of answered requests, in microseconds.
    hist: Histogram<u64>,
    ok: u64,
    non_ok: u64,
    conn_errors: u64,
    /// Answers (of any status) completed in each second of the window.
    by_second: Vec<u64>,
    elapsed: Duration,
}

impl Tally {
    fn new(seconds: usize) -> Self {
        Tally {
            hist: Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid bounds"),
            ok: 0,
            non_ok: 0,
            conn_errors: 0,
            by_second: vec![0; seconds],
            elapsed: Duration::ZERO,
        }
    }

    fn merge(&mut self, other: &Tally) {
        let _ = self.hist.add(&other.hist);
        self.ok += other.ok;
        self.non_ok += other.non_ok;
        self.conn_errors += other.conn_errors;
        for (a, b) in self.by_second.iter_mut().zip(&other.by_second) {
            *a += b;
        }
    }

    /// Answered requests per second (any status: a fast error is not throughput, but it is
    /// counted in its own row).
    fn per_sec(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    fn quantile_ms(&self, q: f64) -> f64 {
        self.hist.value_at_quantile(q) as f64 / 1000.0
    }

    fn max_ms(&self) -> f64 {
        self.hist.max() as f64 / 1000.0
    }
}

impl Load {
    async fn run(&self, addr: SocketAddr, target: Target) -> anyhow::Result<Tally> {
        let seconds = self.measure.as_secs().max(1) as usize;
        let start = Instant::now();
        let measure_from = start + self.warmup;
        let until = measure_from + self.measure;
        let host = addr.to_string();
        let mut tasks = vec![];
        for conn in 0..self.connections {
            let (target, host, users) = (target.clone(), host.clone(), self.users);
            tasks.push(tokio::spawn(async move {
                let mut tally = Tally::new(seconds);
                let mut sender = None;
                let mut seq: u64 = 0;
                loop {
                    let sent = Instant::now();
                    if sent >= until {
                        break;
                    }
                    let s = match &mut sender {
                        Some(s) => s,
                        None => match connect(addr).await {
                            Ok(s) => sender.insert(s),
                            Err(_) => {
                                if sent >= measure_from {
                                    tally.conn_errors += 1;
                                }
                                tokio::time::sleep(Duration::from_millis(10)).await;
                                continue;
                            }
                        },
                    };
                    let req = target.request(&host, conn, seq, users);
                    seq += 1;
                    let result = send(s, req).await;
                    let done = Instant::now();
                    // A request counts in the window it was sent in and answered in.
                    if sent < measure_from || done > until {
                        if result.is_err() {
                            sender = None;
                        }
                        continue;
                    }
                    match result {
                        Ok((status, _)) => {
                            let us = (done - sent).as_micros().max(1) as u64;
                            let _ = tally.hist.record(us.min(60_000_000));
                            if status == StatusCode::OK {
                                tally.ok += 1;
                            } else {
                                tally.non_ok += 1;
                            }
                            let sec = (done - measure_from).as_secs() as usize;
                            if let Some(n) = tally.by_second.get_mut(sec) {
                                *n += 1;
                            }
                        }
                        Err(_) => {
                            tally.conn_errors += 1;
                            sender = None;
                        }
                    }
                }
                tally
            }));
        }
        let mut total = Tally::new(seconds);
        for t in tasks {
            total.merge(&t.await?);
        }
        total.elapsed = self.measure;
        Ok(total)
    }
}

// ---- wrk ---------------------------------------------------------------------------------

struct WrkArgs {
    bin: PathBuf,
    threads: usize,
    connections: usize,
    seconds: u64,
}

struct WrkResult {
    requests_per_sec: f64,
    bytes_per_sec: f64,
    p99_ms: f64,
    /// Non-2xx answers plus socket errors.
    errors: u64,
}

impl WrkArgs {
    fn run(&self, url: &str) -> anyhow::Result<WrkResult> {
        let out = Command::new(&self.bin)
            .arg(format!("-t{}", self.threads))
            .arg(format!("-c{}", self.connections))
            .arg(format!("-d{}s", self.seconds))
            .arg("--latency")
            .arg(url)
            .output()
            .context("running wrk")?;
        let text = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            bail!(
                "wrk {url} failed: {}{}",
                text,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        parse_wrk(&text).with_context(|| format!("reading wrk's output for {url}:\n{text}"))
    }
}

fn parse_wrk(text: &str) -> anyhow::Result<WrkResult> {
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::trim)
    };
    let requests_per_sec: f64 = field("Requests/sec:").context("no Requests/sec")?.parse()?;
    let bytes_per_sec = parse_size(field("Transfer/sec:").context("no Transfer/sec")?)
        .context("bad Transfer/sec")?;
    let p99_ms = field("99%").and_then(parse_duration_ms).unwrap_or(f64::NAN);
    let mut errors = 0;
    if let Some(v) = field("Non-2xx or 3xx responses:") {
        errors += v.parse::<u64>().unwrap_or(0);
    }
    // "Socket errors: connect 0, read 0, write 0, timeout 0"
    if let Some(v) = field("Socket errors:") {
        errors += v
            .split(',')
            .filter_map(|p| p.split_whitespace().last()?.parse::<u64>().ok())
            .sum::<u64>();
    }
    Ok(WrkResult {
        requests_per_sec,
        bytes_per_sec,
        p99_ms,
        errors,
    })
}

/// wrk's `1.23MB` (binary units).
fn parse_size(s: &str) -> Option<f64> {
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = s.split_at(split);
    let n: f64 = n.trim().parse().ok()?;
    let mult = match unit {
        "B" => 1.0,
        "KB" => 1024.0,
        "MB" => 1024.0 * 1024.0,
        "GB" => 1024.0 * 1024.0 * 1024.0,
        "TB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some(n * mult)
}

/// wrk's `812.00us`, `1.23ms`, `2.00s`, `1.50m`.
fn parse_duration_ms(s: &str) -> Option<f64> {
    let split = s.find(|c: char| c.is_ascii_alphabetic())?;
    let (n, unit) = s.split_at(split);
    let n: f64 = n.trim().parse().ok()?;
    Some(match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        "h" => n * 3_600_000.0,
        _ => return None,
    })
}

// ---- the table ---------------------------------------------------------------------------

#[derive(Default)]
struct Table(Vec<[String; 6]>);

impl Table {
    fn row(
        &mut self,
        what: &str,
        cove: String,
        peer: String,
        ratio: Option<f64>,
        target: &str,
        met: Option<bool>,
    ) {
        let ratio = ratio
            .filter(|r| r.is_finite())
            .map_or(String::new(), |r| format!("{r:.2}"));
        let met = match met {
            Some(true) => "met",
            Some(false) => "NOT met",
            None => "",
        };
        self.0.push([
            what.to_string(),
            cove,
            peer,
            ratio,
            target.to_string(),
            met.to_string(),
        ]);
    }

    fn print(&self) {
        println!("| what | cove | peer (nginx) | ratio cove/peer | target | met |");
        println!("|---|---:|---:|---:|---|---|");
        for r in &self.0 {
            println!("| {} |", r.join(" | "));
        }
    }
}

fn fmt_count(n: f64) -> String {
    if !n.is_finite() {
        return "n/a".into();
    }
    let n = n.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn fmt_bytes(n: u64) -> String {
    if n >= 1 << 20 {
        format!("{:.1} MiB", n as f64 / (1 << 20) as f64)
    } else {
        format!("{:.1} KiB", n as f64 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRK: &str = "Running 10s test @ http://127.0.0.1:8080/x
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.00us  300.00us   9.00ms   80.00%
  Latency Distribution
     50%  700.00us
     75%    1.00ms
     90%    1.20ms
     99%    2.50ms
  400000 requests in 10.00s, 1.50GB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 7
Requests/sec:  40000.50
Transfer/sec:    153.60MB
";

    #[test]
    fn reads_wrk_output() {
        let r = parse_wrk(WRK).unwrap();
        assert_eq!(r.requests_per_sec, 40000.5);
        assert_eq!(r.bytes_per_sec, 153.6 * 1024.0 * 1024.0);
        assert_eq!(r.p99_ms, 2.5);
        assert_eq!(r.errors, 12);
        assert!(parse_wrk("nothing here").is_err());
    }

    #[test]
    fn units() {
        assert_eq!(parse_duration_ms("812.00us"), Some(0.812));
        assert_eq!(parse_duration_ms("2.00s"), Some(2000.0));
        assert_eq!(parse_size("1.00KB"), Some(1024.0));
        assert_eq!(parse_size("3.00XB"), None);
        assert_eq!(fmt_count(1234567.4), "1,234,567");
        assert_eq!(fmt_count(999.0), "999");
    }

    #[test]
    fn signed_requests_verify_and_nonces_differ() {
        let signer = Signer {
            key: "host_k".into(),
            secret: b"s3cret".to_vec(),
            app_id: "wx1".into(),
            nonce_prefix: "bench".into(),
        };
        let t = Target::Resolve(Arc::new(signer));
        let a = t.request("h", 0, 1, 100);
        let b = t.request("h", 0, 2, 100);
        let header = |h: &hyper::HeaderMap, n: &str| h[n].to_str().unwrap().to_string();
        let (parts, body) = a.into_parts();
        assert_ne!(
            header(&parts.headers, "x-cove-nonce"),
            header(b.headers(), "x-cove-nonce")
        );
        let nonce = header(&parts.headers, "x-cove-nonce");
        let ts: i64 = header(&parts.headers, "x-cove-timestamp").parse().unwrap();
        let sig = header(&parts.headers, "x-cove-signature");
        let body = futures_util::FutureExt::now_or_never(body.collect())
            .unwrap()
            .unwrap()
            .to_bytes();
        assert!(body.starts_with(br#"{"app_id":"wx1","user_id":"user-"#));
        let signed = Signed {
            method: "POST",
            path: RESOLVE_PATH,
            body: &body,
            timestamp: ts,
            nonce: &nonce,
        };
        let store = sdk_auth::MemoryNonces::default();
        assert_eq!(
            sdk_auth::verify(&signed, "host_k", b"s3cret", &sig, ts, &store),
            Ok(())
        );
        assert_eq!(
            sdk_auth::verify(&signed, "host_k", b"wrong", &sig, ts, &store),
            Err(sdk_auth::AuthError::BadSignature)
        );
    }
}
