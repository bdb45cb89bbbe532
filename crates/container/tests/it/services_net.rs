//! The network against local servers started by the test: request semantics, cookies,
//! timeouts, abort, policy, upload/download progress, WebSocket echo and close.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Multipart, Path};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use cove_container::services::{Answer, Data, NetEvent, NetKind, Network};
use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{
    Request as WsRequest, Response as WsResponse,
};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

const WAIT: Duration = Duration::from_secs(15);

struct Servers {
    http: u16,
    ws: u16,
    hits: AtomicUsize,
}

fn servers() -> &'static Servers {
    static S: OnceLock<&'static Servers> = OnceLock::new();
    S.get_or_init(|| {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let ws = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let s: &'static Servers = Box::leak(Box::new(Servers {
                    http: http.local_addr().unwrap().port(),
                    ws: ws.local_addr().unwrap().port(),
                    hits: AtomicUsize::new(0),
                }));
                tx.send(s).unwrap();
                tokio::spawn(ws_server(ws));
                axum::serve(http, app(s)).await.unwrap();
            });
        });
        rx.recv().unwrap()
    })
}

fn app(s: &'static Servers) -> Router {
    Router::new()
        .route("/echo", any(move |m, u, h, b| echo(s, m, u, h, b)))
        .route("/text", get(|| async { "not json {" }))
        .route(
            "/jsontext",
            get(|| async { ([(header::CONTENT_TYPE, "text/plain")], "{\"a\":1}") }),
        )
        .route(
            "/bin",
            get(|| async { Bytes::from_static(&[0, 1, 2, 255]) }),
        )
        .route(
            "/setcookie",
            get(|| async {
                let mut h = HeaderMap::new();
                h.append(header::SET_COOKIE, "sid=abc; Path=/".parse().unwrap());
                h.append(header::SET_COOKIE, "lang=zh; Path=/".parse().unwrap());
                (h, "set")
            }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route(
            "/redirect",
            get(|| async {
                (
                    StatusCode::FOUND,
                    [(header::LOCATION, "/echo?from=redirect")],
                )
            }),
        )
        .route(
            "/redirect-out",
            get(move || async move {
                let to = format!("http://localhost:{}/echo", s.http);
                (StatusCode::FOUND, [(header::LOCATION, to)])
            }),
        )
        .route("/upload", post(upload))
        .route("/download/{n}", get(download))
        .route("/drip", get(drip))
}

async fn echo(s: &Servers, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    s.hits.fetch_add(1, Ordering::SeqCst);
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
    ([("x-served-by", "cove-test")], axum::Json(body)).into_response()
}

async fn upload(mut form: Multipart) -> axum::Json<Value> {
    let mut fields = serde_json::Map::new();
    let mut file = Value::Null;
    while let Some(field) = form.next_field().await.unwrap() {
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let ct = field.content_type().unwrap_or("").to_string();
                let data = field.bytes().await.unwrap();
                file = json!({"field": name, "fileName": file_name, "contentType": ct,
                    "size": data.len(), "sum": data.iter().map(|&b| b as u64).sum::<u64>()});
            }
            None => {
                fields.insert(name, json!(field.text().await.unwrap()));
            }
        }
    }
    axum::Json(json!({"fields": fields, "file": file}))
}

async fn download(Path(n): Path<usize>) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

/// 10 chunks of 10 KB, 100 ms apart, with a known length.
async fn drip() -> Response {
    let stream = futures_util::stream::unfold(0, |i| async move {
        if i == 10 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        Some((
            Ok::<_, std::io::Error>(Bytes::from(vec![7u8; 10_240])),
            i + 1,
        ))
    });
    Response::builder()
        .header(header::CONTENT_LENGTH, 102_400)
        .body(Body::from_stream(stream))
        .unwrap()
}

/// Echoes text and binary frames; "close-me" makes the server close with 4001 "bye".
/// Accepts the first offered subprotocol and reflects `x-token` as `x-token-echo`.
async fn ws_server(listener: tokio::net::TcpListener) {
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        tokio::spawn(async move {
            // tungstenite fixes the callback's error type.
            #[allow(clippy::result_large_err)]
            let cb = |req: &WsRequest, mut resp: WsResponse| {
                if let Some(p) = req.headers().get("sec-websocket-protocol") {
                    let first = p
                        .to_str()
                        .unwrap()
                        .split(',')
                        .next()
                        .unwrap()
                        .trim()
                        .to_string();
                    resp.headers_mut()
                        .insert("sec-websocket-protocol", first.parse().unwrap());
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
                match msg {
                    Message::Text(t) if t.as_str() == "close-me" => {
                        let frame = CloseFrame {
                            code: 4001.into(),
                            reason: "bye".into(),
                        };
                        let _ = ws.close(Some(frame)).await;
                    }
                    Message::Text(_) | Message::Binary(_) => {
                        let _ = ws.send(msg).await;
                    }
                    _ => {}
                }
            }
        });
    }
}

fn allow_all() -> Network {
    Network::new(Arc::new(|_, _| Ok(()))).unwrap()
}

/// Refuses `localhost` (the servers are reached as 127.0.0.1) and any `/forbidden` path.
fn deny_list() -> Network {
    Network::new(Arc::new(|u: &url::Url, _kind: NetKind| {
        if u.host_str() == Some("localhost") || u.path().starts_with("/forbidden") {
            Err("url not in domain list".into())
        } else {
            Ok(())
        }
    }))
    .unwrap()
}

fn url(path: &str) -> String {
    format!("http://127.0.0.1:{}{path}", servers().http)
}

type Events = Receiver<NetEvent>;

fn sink() -> (cove_container::services::net::Sink, Events) {
    let (tx, rx) = channel();
    let tx = std::sync::Mutex::new(tx);
    (Arc::new(move |ev| drop(tx.lock().unwrap().send(ev))), rx)
}

/// Events up to and including `Complete`, and the completion.
fn until_complete(rx: &Events) -> (Vec<NetEvent>, Result<Value, String>) {
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(WAIT).expect("task did not complete") {
            NetEvent::Complete(r) => return (seen, r.map(Answer::into_json)),
            ev => seen.push(ev),
        }
    }
}

fn request(net: &Network, args: Value) -> (Vec<NetEvent>, Result<Value, String>) {
    let (on, rx) = sink();
    let _task = net.request(args, on);
    until_complete(&rx)
}

fn ok(net: &Network, args: Value) -> Value {
    let (_, r) = request(net, args.clone());
    r.unwrap_or_else(|e| panic!("{args}: {e}"))
}

#[test]
fn get_and_post_json() {
    let net = allow_all();
    let res = ok(&net, json!({"url": url("/echo")}));
    assert_eq!(res["statusCode"], json!(200));
    assert_eq!(res["errMsg"], json!("request:ok"));
    assert_eq!(res["data"]["method"], json!("GET"));
    assert_eq!(
        res["data"]["headers"]["content-type"],
        json!("application/json")
    );

    let res = ok(
        &net,
        json!({"url": url("/echo"), "method": "post", "data": {"a": 1, "b": [true, null]}}),
    );
    assert_eq!(res["data"]["method"], json!("POST"));
    assert_eq!(
        serde_json::from_str::<Value>(res["data"]["body"].as_str().unwrap()).unwrap(),
        json!({"a": 1, "b": [true, null]})
    );

    let res = ok(
        &net,
        json!({"url": url("/echo"), "method": "PUT", "data": "raw text"}),
    );
    assert_eq!(res["data"]["body"], json!("raw text"));

    let res = ok(
        &net,
        json!({"url": url("/echo"), "method": "POST", "data": {"$bytes": "AAEC"}}),
    );
    assert_eq!(res["data"]["body"], json!("\u{0}\u{1}\u{2}"));

    let res = ok(
        &net,
        json!({
            "url": url("/echo"), "method": "POST", "data": {"a": "x y", "b": 2},
            "header": {"Content-Type": "application/x-www-form-urlencoded"},
        }),
    );
    assert_eq!(res["data"]["body"], json!("a=x%20y&b=2"));

    let (_, r) = request(&net, json!({"url": url("/echo"), "method": "BREW"}));
    assert_eq!(r, Err("fail invalid method: BREW".into()));
}

#[test]
fn get_data_becomes_the_query_string() {
    let net = allow_all();
    let res = ok(
        &net,
        json!({"url": url("/echo?z=1"), "data": {"a": "x y&", "b": 2, "c": {"d": 1}}}),
    );
    assert_eq!(
        res["data"]["query"],
        json!("z=1&a=x%20y%26&b=2&c=%7B%22d%22%3A1%7D")
    );
    assert_eq!(res["data"]["body"], json!(""));
    let res = ok(&net, json!({"url": url("/echo"), "data": {"k": "中"}}));
    assert_eq!(res["data"]["query"], json!("k=%E4%B8%AD"));
}

#[test]
fn data_type_and_response_type() {
    let net = allow_all();
    assert_eq!(
        ok(&net, json!({"url": url("/jsontext")}))["data"],
        json!({"a": 1})
    );
    assert_eq!(
        ok(&net, json!({"url": url("/jsontext"), "dataType": "text"}))["data"],
        json!("{\"a\":1}")
    );
    assert_eq!(
        ok(&net, json!({"url": url("/text")}))["data"],
        json!("not json {")
    );
    assert_eq!(
        ok(
            &net,
            json!({"url": url("/bin"), "responseType": "arraybuffer"})
        )["data"],
        json!({"$bytes": "AAEC/w=="})
    );
    assert_eq!(
        ok(
            &net,
            json!({"url": url("/jsontext"), "responseType": "arraybuffer"})
        )["data"],
        json!({"$bytes": "eyJhIjoxfQ=="})
    );
}

#[test]
fn headers_both_ways() {
    let net = allow_all();
    let (events, r) = request(
        &net,
        json!({
            "url": url("/echo"),
            "header": {"X-Custom": "yes", "X-Num": 5, "Referer": "https://evil.example"},
        }),
    );
    let res = r.unwrap();
    assert_eq!(res["data"]["headers"]["x-custom"], json!("yes"));
    assert_eq!(res["data"]["headers"]["x-num"], json!("5"));
    assert!(res["data"]["headers"].get("referer").is_none());
    assert_eq!(res["header"]["x-served-by"], json!("cove-test"));
    match &events[..] {
        [NetEvent::HeadersReceived(h)] => {
            assert_eq!(h["header"]["x-served-by"], json!("cove-test"));
            assert_eq!(h["statusCode"], json!(200));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn cookies_persist_per_network_when_enabled() {
    let net = allow_all();
    let res = ok(
        &net,
        json!({"url": url("/setcookie"), "enableCookie": true}),
    );
    assert_eq!(
        res["cookies"],
        json!(["sid=abc; Path=/", "lang=zh; Path=/"])
    );
    assert_eq!(
        res["header"]["set-cookie"],
        json!("sid=abc; Path=/, lang=zh; Path=/")
    );
    let res = ok(&net, json!({"url": url("/echo"), "enableCookie": true}));
    let mut sent: Vec<&str> = res["data"]["headers"]["cookie"]
        .as_str()
        .unwrap()
        .split("; ")
        .collect();
    sent.sort();
    assert_eq!(sent, ["lang=zh", "sid=abc"]);
    // Without enableCookie nothing is sent automatically, as in WeChat; a manual header is.
    let res = ok(&net, json!({"url": url("/echo")}));
    assert!(res["data"]["headers"].get("cookie").is_none());
    let res = ok(
        &net,
        json!({"url": url("/echo"), "header": {"cookie": "manual=1"}}),
    );
    assert_eq!(res["data"]["headers"]["cookie"], json!("manual=1"));
    // Another app's network has its own jar.
    let other = allow_all();
    let res = ok(&other, json!({"url": url("/echo"), "enableCookie": true}));
    assert!(res["data"]["headers"].get("cookie").is_none());
}

#[test]
fn timeout() {
    let net = allow_all();
    let t = Instant::now();
    let (_, r) = request(&net, json!({"url": url("/slow"), "timeout": 300}));
    assert_eq!(r, Err("fail timeout".into()));
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}

#[test]
fn abort_completes_once() {
    let net = allow_all();
    let (on, rx) = sink();
    let task = net.request(json!({"url": url("/slow")}), on);
    std::thread::sleep(Duration::from_millis(100));
    assert!(!task.is_done());
    task.abort();
    task.abort();
    assert!(task.is_done());
    assert_eq!(
        rx.recv_timeout(WAIT).unwrap(),
        NetEvent::Complete(Err("fail abort".into()))
    );
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "nothing after Complete"
    );

    // Aborting a finished task changes nothing.
    let (on, rx) = sink();
    let task = net.request(json!({"url": url("/echo")}), on);
    let (_, r) = until_complete(&rx);
    assert!(r.is_ok());
    task.abort();
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
}

#[test]
fn policy_refuses_before_connecting() {
    let net = deny_list();
    let s = servers();
    let before = s.hits.load(Ordering::SeqCst);
    let (_, r) = request(
        &net,
        json!({"url": format!("http://localhost:{}/echo", s.http)}),
    );
    assert_eq!(r, Err("fail url not in domain list".into()));
    let (_, r) = request(&net, json!({"url": url("/forbidden/x")}));
    assert_eq!(r, Err("fail url not in domain list".into()));
    // A redirect out of the list is refused too; one within it is followed.
    let (_, r) = request(&net, json!({"url": url("/redirect-out")}));
    assert_eq!(r, Err("fail url not in domain list".into()));
    assert_eq!(
        s.hits.load(Ordering::SeqCst),
        before,
        "the server saw none of them"
    );
    assert_eq!(
        ok(&net, json!({"url": url("/redirect")}))["data"]["query"],
        json!("from=redirect")
    );
    let manual = ok(&net, json!({"url": url("/redirect"), "redirect": "manual"}));
    assert_eq!(manual["statusCode"], json!(302));

    let (_, r) = request(&net, json!({"url": "ftp://127.0.0.1/x"}));
    assert_eq!(r, Err("fail invalid url".into()));
    let (_, r) = request(&net, json!({"url": "not a url"}));
    assert_eq!(r, Err("fail invalid url".into()));
    assert_eq!(
        net.check(&format!("ws://localhost:{}/", s.ws), NetKind::Socket)
            .unwrap_err()
            .msg,
        "fail url not in domain list"
    );
    assert!(
        net.check(&format!("ws://127.0.0.1:{}/", s.ws), NetKind::Socket)
            .is_ok()
    );
}

#[test]
fn connection_errors_are_fail_reasons() {
    let net = allow_all();
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_, r) = request(&net, json!({"url": format!("http://127.0.0.1:{port}/")}));
    let e = r.unwrap_err();
    assert!(
        e.starts_with("fail ") && e.to_lowercase().contains("refused"),
        "{e}"
    );
}

#[test]
fn tls_is_set_up_for_https_and_wss() {
    // Speaking TLS to a plain server fails cleanly (no panic over a missing crypto
    // provider or root store), with a reason.
    let net = allow_all();
    let (_, r) = request(
        &net,
        json!({"url": format!("https://127.0.0.1:{}/echo", servers().http)}),
    );
    let e = r.unwrap_err();
    assert!(e.starts_with("fail "));
    let (on, rx) = sink();
    let _s = net.connect_socket(
        json!({"url": format!("wss://127.0.0.1:{}/", servers().ws)}),
        on,
    );
    let ev = next(&rx);
    assert!(
        matches!(&ev, NetEvent::Error(e) if e.starts_with("fail ") && !e.contains("not compiled"))
    );
    assert!(matches!(next(&rx), NetEvent::Close { code: 1006, .. }));
}

#[test]
fn upload_with_progress_and_fields() {
    let net = allow_all();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("photo.png");
    let content: Vec<u8> = (0..300_000u32).map(|i| (i % 256) as u8).collect();
    std::fs::write(&file, &content).unwrap();
    let (on, rx) = sink();
    let _task = net.upload_file(
        json!({
            "url": url("/upload"), "filePath": file.to_str().unwrap(), "name": "photo",
            "formData": {"user": "u1", "n": 3}, "header": {"X-A": "1"},
        }),
        on,
    );
    let (events, r) = until_complete(&rx);
    let res = r.unwrap();
    assert_eq!(res["statusCode"], json!(200));
    assert_eq!(res["errMsg"], json!("uploadFile:ok"));
    let data: Value = serde_json::from_str(res["data"].as_str().unwrap()).unwrap();
    assert_eq!(data["fields"], json!({"user": "u1", "n": "3"}));
    assert_eq!(data["file"]["field"], json!("photo"));
    assert_eq!(data["file"]["fileName"], json!("photo.png"));
    assert_eq!(data["file"]["contentType"], json!("image/png"));
    assert_eq!(data["file"]["size"], json!(300_000));
    assert_eq!(
        data["file"]["sum"],
        json!(content.iter().map(|&b| b as u64).sum::<u64>())
    );

    let progress: Vec<&Value> = events
        .iter()
        .filter_map(|e| match e {
            NetEvent::Progress(p) => Some(p),
            _ => None,
        })
        .collect();
    assert!(progress.len() >= 3, "{progress:?}");
    let pcts: Vec<u64> = progress
        .iter()
        .map(|p| p["progress"].as_u64().unwrap())
        .collect();
    assert!(pcts.windows(2).all(|w| w[0] < w[1]), "{pcts:?}");
    let last = progress.last().unwrap();
    assert_eq!(
        **last,
        json!({"progress": 100, "totalBytesSent": 300_000, "totalBytesExpectedToSend": 300_000})
    );
}

#[test]
fn upload_of_a_missing_file_fails() {
    let net = allow_all();
    let (on, rx) = sink();
    let _t = net.upload_file(
        json!({"url": url("/upload"), "filePath": "/nonexistent/x", "name": "f"}),
        on,
    );
    let (_, r) = until_complete(&rx);
    assert!(r.unwrap_err().starts_with("fail file not found"));
}

#[test]
fn download_to_a_file_with_progress() {
    let net = allow_all();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("tmp_1.bin");
    let (on, rx) = sink();
    let _task = net.download_file(json!({"url": url("/download/1000000")}), dest.clone(), on);
    let (events, r) = until_complete(&rx);
    assert_eq!(
        r.unwrap(),
        json!({"statusCode": 200, "errMsg": "downloadFile:ok"})
    );
    let body = std::fs::read(&dest).unwrap();
    assert_eq!(body.len(), 1_000_000);
    assert!(body.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
    assert!(matches!(events[0], NetEvent::HeadersReceived(_)));
    let progress: Vec<&Value> = events
        .iter()
        .filter_map(|e| match e {
            NetEvent::Progress(p) => Some(p),
            _ => None,
        })
        .collect();
    assert!(progress.len() >= 2);
    assert_eq!(
        *progress[progress.len() - 1],
        json!({"progress": 100, "totalBytesWritten": 1_000_000, "totalBytesExpectedToWrite": 1_000_000})
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no partial file left"
    );
}

#[test]
fn aborted_download_leaves_nothing() {
    let net = allow_all();
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("tmp_2.bin");
    let (on, rx) = sink();
    let task = net.download_file(json!({"url": url("/drip")}), dest.clone(), on);
    // Wait for the first bytes to land, then abort.
    loop {
        match rx.recv_timeout(WAIT).unwrap() {
            NetEvent::Progress(p) if p["progress"].as_u64().unwrap() > 0 => break,
            NetEvent::Complete(r) => panic!("completed early: {r:?}"),
            _ => {}
        }
    }
    task.abort();
    let (_, r) = until_complete(&rx);
    assert_eq!(r, Err("fail abort".into()));
    std::thread::sleep(Duration::from_millis(200));
    assert!(!dest.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "partial file removed"
    );
}

#[test]
fn download_timeout_and_policy() {
    let net = deny_list();
    let dir = tempfile::tempdir().unwrap();
    let (on, rx) = sink();
    let _t = net.download_file(
        json!({"url": url("/drip"), "timeout": 250}),
        dir.path().join("a"),
        on,
    );
    assert_eq!(until_complete(&rx).1, Err("fail timeout".into()));
    let (on, rx) = sink();
    let _t = net.download_file(json!({"url": url("/forbidden")}), dir.path().join("b"), on);
    assert_eq!(
        until_complete(&rx).1,
        Err("fail url not in domain list".into())
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

fn next(rx: &Events) -> NetEvent {
    rx.recv_timeout(WAIT).expect("socket event")
}

#[test]
fn websocket_echo_and_client_close() {
    let net = allow_all();
    let (on, rx) = sink();
    let sock = net.connect_socket(
        json!({
            "url": format!("ws://127.0.0.1:{}/", servers().ws),
            "protocols": ["chat", "superchat"], "header": {"x-token": "t1"},
        }),
        on,
    );
    assert_eq!(
        sock.send(Data::Json(json!("too early"))).unwrap_err().msg,
        "fail WebSocket is not connected"
    );
    match next(&rx) {
        NetEvent::Open(h) => {
            assert_eq!(h["header"]["sec-websocket-protocol"], json!("chat"));
            assert_eq!(h["header"]["x-token-echo"], json!("t1"));
        }
        other => panic!("{other:?}"),
    }
    assert!(sock.is_open());
    sock.send(Data::Json(json!("hello"))).unwrap();
    assert_eq!(next(&rx), NetEvent::Message(Data::Json(json!("hello"))));
    sock.send(Data::Bytes(vec![0, 1, 2, 255])).unwrap();
    assert_eq!(
        next(&rx),
        NetEvent::Message(Data::Bytes(vec![0, 1, 2, 255]))
    );
    assert!(sock.send(Data::Json(json!(5))).is_err());
    sock.close(4000, "done").unwrap();
    assert_eq!(
        next(&rx),
        NetEvent::Close {
            code: 4000,
            reason: "done".into()
        }
    );
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
    assert!(sock.send(Data::Json(json!("late"))).is_err());
}

#[test]
fn websocket_server_close_code() {
    let net = allow_all();
    let (on, rx) = sink();
    let sock = net.connect_socket(
        json!({"url": format!("ws://127.0.0.1:{}/", servers().ws)}),
        on,
    );
    assert!(matches!(next(&rx), NetEvent::Open(_)));
    sock.send(Data::Json(json!("close-me"))).unwrap();
    assert_eq!(
        next(&rx),
        NetEvent::Close {
            code: 4001,
            reason: "bye".into()
        }
    );
    assert!(!sock.is_open());
}

#[test]
fn websocket_refusals() {
    let net = deny_list();
    let (on, rx) = sink();
    let _s = net.connect_socket(
        json!({"url": format!("ws://localhost:{}/", servers().ws)}),
        on,
    );
    assert_eq!(
        next(&rx),
        NetEvent::Error("fail url not in domain list".into())
    );
    assert_eq!(
        next(&rx),
        NetEvent::Close {
            code: 1006,
            reason: "abnormal closure".into()
        }
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (on, rx) = sink();
    let _s = net.connect_socket(json!({"url": format!("ws://127.0.0.1:{port}/")}), on);
    assert!(matches!(next(&rx), NetEvent::Error(e) if e.starts_with("fail ")));
    assert!(matches!(next(&rx), NetEvent::Close { code: 1006, .. }));

    let (on, rx) = sink();
    let _s = net.connect_socket(json!({"url": url("/echo")}), on);
    assert_eq!(next(&rx), NetEvent::Error("fail invalid url".into()));
}

#[test]
fn events_serialise_for_the_bridge() {
    let ev = NetEvent::Complete(Err("fail abort".into()));
    assert_eq!(
        serde_json::to_value(&ev).unwrap(),
        json!({"type": "complete", "data": {"Err": "fail abort"}})
    );
    let ev = NetEvent::Close {
        code: 1000,
        reason: String::new(),
    };
    assert_eq!(
        serde_json::to_value(&ev).unwrap(),
        json!({"type": "close", "data": {"code": 1000, "reason": ""}})
    );
    let ev = NetEvent::Message(Data::Bytes(vec![0]));
    assert_eq!(
        serde_json::to_value(&ev).unwrap(),
        json!({"type": "message", "data": {"$bytes": "AA=="}})
    );
}
