//! What binary data costs on its way across the `wx.*` bridge, app JS to Rust and back:
//! `cargo bench -p cove-container --bench bridge` (a plain harness: it prints a table).
//!
//! Each case times one operation of an app as the app sees it, median of [`RUNS`] runs
//! after [`WARMUP`] unmeasured ones:
//! - `readFile`: `FileSystemManager.readFileSync` of a 1 MB file, as an ArrayBuffer;
//! - `writeFile`: `writeFileSync` of a 1 MB ArrayBuffer;
//! - `socket`: a 1 MB binary message to a local WebSocket echo server, until `onMessage`
//!   hands it back;
//! - `request`: a 1 MB `wx.request` with `responseType: "arraybuffer"` from a local server;
//! - `getRandomValues`: 64 KB of random bytes.
//!
//! Everything runs on this machine (loopback servers the bench starts and stops).

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use cove_container::{App, AppConfig, Host, Level, Reply};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::Value;

const MB: usize = 1 << 20;
const RUNS: usize = 21;
const WARMUP: usize = 3;
/// How long one operation may take before the bench gives up (a deadline, not a measure).
const DEADLINE: Duration = Duration::from_secs(30);

/// Passes the app's console lines to the bench as they are written.
struct BenchHost {
    lines: Mutex<mpsc::Sender<String>>,
}

impl Host for BenchHost {
    fn send(&self, _msg: &str) {}

    fn console(&self, _level: Level, text: &str) {
        let _ = self.lines.lock().unwrap().send(text.to_string());
    }

    fn request(&self, api: &str, _args: Value, reply: Reply) {
        match api {
            "layout" => reply.ok(Value::Null),
            _ => reply.fail(format!("fail {api} is not answered by the bench")),
        }
    }
}

struct Bench {
    app: App,
    lines: mpsc::Receiver<String>,
    _package: tempfile::TempDir,
    _data: tempfile::TempDir,
}

impl Bench {
    fn start() -> Bench {
        let project = tempfile::tempdir().unwrap();
        for (p, text) in [
            ("app.json", r#"{"pages": ["pages/index/index"]}"#),
            ("app.js", "App({});"),
            ("pages/index/index.json", "{}"),
            ("pages/index/index.js", "Page({data: {}});"),
            ("pages/index/index.wxml", "<view>bench</view>"),
        ] {
            let path = project.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let package = build(project.path());
        let data = tempfile::tempdir().unwrap();
        let (tx, lines) = mpsc::channel();
        let host = Arc::new(BenchHost {
            lines: Mutex::new(tx),
        });
        let config = AppConfig::dev_mode_unverified("wxbench", package.path(), data.path());
        let app = App::launch(config, host, None).expect("the bench app launches");
        app.settle().unwrap();
        Bench {
            app,
            lines,
            _package: package,
            _data: data,
        }
    }

    fn eval(&self, code: &str) -> Value {
        self.app
            .eval_json(code)
            .unwrap_or_else(|e| panic!("{code}: {e}"))
    }

    /// Wait for a console line starting with `prefix`; answers the rest of it.
    fn line(&self, prefix: &str) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    if let Some(rest) = l.strip_prefix(prefix) {
                        return rest.to_string();
                    }
                    assert!(!l.starts_with("fail"), "the app failed: {l}");
                }
                Err(e) => panic!("no `{prefix}` line from the app: {e}"),
            }
        }
    }
}

fn build(project: &Path) -> tempfile::TempDir {
    let out = cove_compiler::compile_dir(project, &Default::default()).expect("it compiles");
    let dir = tempfile::tempdir().unwrap();
    cove_compiler::output::write_dir(&out.files, dir.path()).unwrap();
    dir
}

/// Median and fastest of `RUNS` runs of `f`, after the warm-up.
fn measure(mut f: impl FnMut()) -> (Duration, Duration) {
    for _ in 0..WARMUP {
        f();
    }
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[times.len() / 2], times[0])
}

/// A WebSocket server on loopback that sends every message back.
fn echo_server(rt: &tokio::runtime::Runtime) -> SocketAddr {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                    return;
                };
                while let Some(Ok(m)) = ws.next().await {
                    if (m.is_binary() || m.is_text()) && ws.send(m).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

/// An HTTP server on loopback whose `/mb` answers 1 MB of bytes.
fn http_server(rt: &tokio::runtime::Runtime) -> SocketAddr {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let body: Arc<Vec<u8>> = Arc::new((0..MB).map(|i| (i * 31 % 251) as u8).collect());
    let router = axum::Router::new().route(
        "/mb",
        axum::routing::get(move || {
            let body = body.clone();
            async move {
                (
                    [("content-type", "application/octet-stream")],
                    body.as_ref().clone(),
                )
            }
        }),
    );
    rt.spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    addr
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this once, quickly.
    let quick = !std::env::args().any(|a| a == "--bench");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let ws = echo_server(&rt);
    let http = http_server(&rt);
    let b = Bench::start();

    // A 1 MB file of varied bytes, written by the app itself.
    b.eval(&format!(
        "globalThis.__fs = wx.getFileSystemManager();
         globalThis.__path = wx.env.USER_DATA_PATH + '/mb.bin';
         globalThis.__mb = new Uint8Array({MB}).map((_, i) => (i * 31) % 251).buffer;
         __fs.writeFileSync(__path, __mb); 1"
    ));
    let mut rows: Vec<(&str, (Duration, Duration))> = Vec::new();
    let mut run = |name: &'static str, f: &mut dyn FnMut()| {
        if quick {
            f();
        } else {
            rows.push((name, measure(f)));
        }
    };

    run("readFile 1 MB (ArrayBuffer)", &mut || {
        let n = b.eval("__fs.readFileSync(__path).byteLength");
        assert_eq!(n, MB, "readFile");
    });
    run("writeFile 1 MB (ArrayBuffer)", &mut || {
        b.eval("__fs.writeFileSync(__path, __mb), 1");
    });

    b.eval(&format!(
        "globalThis.__ws = wx.connectSocket({{url: 'ws://{ws}/'}});
         __ws.onOpen(() => console.log('open'));
         __ws.onError((e) => console.log('fail socket ' + e.errMsg));
         __ws.onMessage((m) => console.log('message ' + (m.data instanceof ArrayBuffer ? m.data.byteLength : 'text')));
         1"
    ));
    b.line("open");
    run("socket 1 MB binary echo", &mut || {
        b.eval("__ws.send({data: __mb}), 1");
        assert_eq!(b.line("message "), MB.to_string(), "socket echo");
    });

    run("request 1 MB (arraybuffer)", &mut || {
        b.eval(&format!(
            "wx.request({{url: 'http://{http}/mb', responseType: 'arraybuffer',
               success: (r) => console.log('response ' + r.data.byteLength),
               fail: (e) => console.log('fail request ' + e.errMsg)}}), 1"
        ));
        assert_eq!(b.line("response "), MB.to_string(), "request");
    });

    run("getRandomValues 64 KB", &mut || {
        b.eval(
            "wx.getRandomValues({length: 65536,
               success: (r) => console.log('random ' + r.randomValues.byteLength),
               fail: (e) => console.log('fail random ' + e.errMsg)}), 1",
        );
        assert_eq!(b.line("random "), "65536", "getRandomValues");
    });

    if quick {
        println!("bridge bench: every case ran once (use `cargo bench` to measure)");
        return;
    }
    println!(
        "\n{:<32} {:>12} {:>12}   ({RUNS} runs)",
        "case", "median", "fastest"
    );
    for (name, (median, fastest)) in rows {
        println!(
            "{name:<32} {:>9.2} ms {:>9.2} ms",
            median.as_secs_f64() * 1e3,
            fastest.as_secs_f64() * 1e3
        );
    }
}
