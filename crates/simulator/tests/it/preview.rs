//! Reviewer previews (`cove_simulator::preview`), as the platform server runs them: unreviewed
//! code that must not reach the server's network, a URL that opens only with its secret, and
//! previews that stop and give their ports back.

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use cove_container::services::net::{FixedResolver, NetPolicy};
use cove_simulator::preview::{PreviewSettings, Previews};
use futures_util::StreamExt as _;
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::{self, http};

/// A compiled package ZIP (what an upload stores) of a one-page app with this `app.js`.
fn package(app_js: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in [
        ("project.config.json", r#"{"appid": "wxpreviewtest"}"#),
        ("app.json", r#"{"pages": ["pages/index/index"]}"#),
        ("app.js", app_js),
        ("pages/index/index.js", "Page({})"),
        ("pages/index/index.wxml", "<view>preview</view>"),
    ] {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let out = cove_compiler::compile_dir(dir.path(), &Default::default()).unwrap();
    cove_compiler::output::zip_bytes(&out.files).unwrap()
}

/// `http://ADDR/?token=T` into the address and the token.
fn split(url: &str) -> (SocketAddr, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (addr, token) = rest.split_once("/?token=").unwrap();
    (addr.parse().unwrap(), token.to_string())
}

/// One HTTP/1.1 GET: the status and the raw head and body.
fn get(addr: SocketAddr, path: &str, cookie: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let cookie = cookie.map_or(String::new(), |c| format!("Cookie: {c}\r\n"));
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{cookie}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.split(' ').nth(1).unwrap().parse().unwrap();
    (status, out)
}

async fn ws(
    addr: SocketAddr,
    path: &str,
    cookie: Option<&str>,
) -> Result<
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
    tungstenite::Error,
> {
    let mut req = format!("ws://{addr}{path}").into_client_request().unwrap();
    if let Some(c) = cookie {
        req.headers_mut()
            .insert(http::header::COOKIE, c.parse().unwrap());
    }
    tokio_tungstenite::connect_async(req).await.map(|(s, _)| s)
}

fn refused(addr: SocketAddr) -> bool {
    matches!(TcpStream::connect_timeout(&addr, Duration::from_secs(2)), Err(e) if e.kind() == ErrorKind::ConnectionRefused)
}

fn loopback() -> std::net::IpAddr {
    [127, 0, 0, 1].into()
}

/// The issue's server-side request forgery: the candidate's `app.js` asks for a service on
/// the server's loopback, by IP and by a whitelisted name that resolves there. Even handed a
/// whitelist that says dev mode and allows 127/8, the preview refuses both, and the listener
/// sees no connection at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_app_cannot_reach_the_servers_network() {
    let target = TcpListener::bind("127.0.0.1:0").unwrap();
    target.set_nonblocking(true).unwrap();
    let port = target.local_addr().unwrap().port();
    let app_js = format!(
        r#"App({{ onLaunch() {{
  const report = (tag, r) => console.log('ssrf ' + tag + ' ' + r);
  wx.request({{ url: 'http://127.0.0.1:{port}/steal', success: r => report('reached-ip', r.statusCode), fail: e => report('refused-ip', e.errMsg) }});
  wx.request({{ url: 'https://intranet.test:{port}/steal', success: r => report('reached-name', r.statusCode), fail: e => report('refused-name', e.errMsg) }});
}} }})"#
    );
    let whitelist = NetPolicy {
        request: vec![format!("intranet.test:{port}")],
        dev_mode: true,
        allowed_private: vec!["127.0.0.0/8".parse().unwrap()],
        resolver: Some(std::sync::Arc::new(
            FixedResolver::new().with("intranet.test", [loopback()]),
        )),
        ..NetPolicy::default()
    };
    let previews = Previews::new(loopback(), PreviewSettings::default()).unwrap();
    let url = previews
        .open("app-1-reviewer", package(&app_js), whitelist)
        .await
        .unwrap();
    let (addr, token) = split(&url);
    let mut panel = ws(addr, &format!("/__cove/devtools?token={token}"), None)
        .await
        .unwrap();
    let _view = ws(addr, &format!("/__cove/ws?token={token}"), None)
        .await
        .unwrap();
    let mut lines = vec![];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while lines.len() < 2 {
        // The listener must never see a connection, whatever the app reports.
        match target.accept() {
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            other => panic!("the preview connected to the server's loopback: {other:?}"),
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the app reported {lines:?} only"
        );
        let Ok(m) = tokio::time::timeout(Duration::from_millis(100), panel.next()).await else {
            continue;
        };
        let Ok(text) = m.unwrap().unwrap().into_text() else {
            continue;
        };
        let v: Value = serde_json::from_str(&text).unwrap_or_default();
        if v["t"] == "console"
            && let Some(line) = v["text"].as_str().and_then(|t| t.strip_prefix("ssrf "))
        {
            lines.push(line.to_string());
        }
    }
    lines.sort();
    assert!(
        lines[0].starts_with("refused-ip") && lines[0].contains("url not in domain list"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("refused-name") && lines[1].contains("address not allowed"),
        "{lines:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    match target.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        other => panic!("the preview connected to the server's loopback: {other:?}"),
    }
    previews.stop_all().await;
}

/// Without the secret the preview answers 401 to every page, file and socket; the link sets
/// a cookie (and leaves the address bar), and that cookie opens everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_opens_only_with_its_secret() {
    let previews = Previews::new(loopback(), PreviewSettings::default()).unwrap();
    let pkg = package("App({})");
    let url = previews
        .open("app-1-reviewer", pkg.clone(), NetPolicy::default())
        .await
        .unwrap();
    let other = previews
        .open("app-1-someone-else", pkg, NetPolicy::default())
        .await
        .unwrap();
    let (addr, token) = split(&url);
    let (_, other_token) = split(&other);
    assert_ne!(token, other_token);
    assert_eq!(token.len(), 64);
    let wrong = format!("cove_preview_{}={other_token}", addr.port());
    for path in [
        "/",
        "/view",
        "/__cove/status",
        "/__cove/pkg/app.json",
        "/simulator.js",
    ] {
        assert_eq!(get(addr, path, None).0, 401, "{path}");
        assert_eq!(get(addr, path, Some(&wrong)).0, 401, "{path}");
        assert_eq!(
            get(addr, &format!("{path}?token={other_token}"), None).0,
            401,
            "{path}"
        );
    }
    for path in ["/__cove/ws", "/__cove/devtools"] {
        match ws(addr, path, None).await {
            Err(tungstenite::Error::Http(r)) => assert_eq!(r.status(), 401, "{path}"),
            other => panic!("{path}: {:?}", other.map(|_| ())),
        }
        assert!(ws(addr, path, Some(&wrong)).await.is_err(), "{path}");
    }

    let (status, head) = get(addr, &format!("/?token={token}"), None);
    assert_eq!(status, 303, "{head}");
    assert!(head.contains("location: /\r\n"), "{head}");
    let set = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .unwrap_or_else(|| panic!("{head}"));
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap();
    assert_eq!(cookie, format!("cove_preview_{}={token}", addr.port()));
    let (status, page) = get(addr, "/", Some(cookie));
    assert_eq!(status, 200);
    assert!(
        page.contains("<html") || page.contains("<!doctype"),
        "{page}"
    );
    let (status, body) = get(addr, "/__cove/status", Some(cookie));
    assert_eq!(status, 200);
    assert!(body.contains(r#""build":"ok""#), "{body}");
    let (status, file) = get(addr, "/__cove/pkg/app.json", Some(cookie));
    assert_eq!(status, 200);
    // The app's own files never act as the simulator's pages.
    assert!(
        file.contains("content-security-policy: sandbox\r\n"),
        "{file}"
    );
    // The package's files only: a climb out of it (as written, or percent-encoded past the
    // router) finds nothing, though `/etc/passwd` is there to find.
    let up = "../".repeat(32);
    let up_encoded = "..%2f".repeat(32);
    for path in [
        format!("/__cove/pkg/{up}etc/passwd"),
        format!("/__cove/pkg/{up_encoded}etc%2fpasswd"),
        format!("/__cove/pkg/pages/{up_encoded}etc/passwd"),
        format!("/__cove/pkg//{up_encoded}etc/passwd"),
    ] {
        let (status, body) = get(addr, &path, Some(cookie));
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.contains("root:"), "{path}: {body}");
    }
    assert!(ws(addr, "/__cove/ws", Some(cookie)).await.is_ok());
    assert!(ws(addr, "/__cove/devtools", Some(cookie)).await.is_ok());
    previews.stop_all().await;
}

/// At most `max_running` run: the oldest stops (its port refuses connections, its view's
/// socket is closed); after the time to live every one stops; `stop_all` stops the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn previews_are_capped_expire_and_release_their_ports() {
    let settings = PreviewSettings {
        ttl: Duration::from_secs(3),
        max_running: 2,
    };
    let previews = Previews::new(loopback(), settings).unwrap();
    let pkg = package("App({})");
    let mut addrs = vec![];
    let (first, token) = split(
        &previews
            .open("v-0", pkg.clone(), NetPolicy::default())
            .await
            .unwrap(),
    );
    addrs.push(first);
    let mut view = ws(first, &format!("/__cove/ws?token={token}"), None)
        .await
        .unwrap();
    for i in 1..6 {
        let url = previews
            .open(&format!("v-{i}"), pkg.clone(), NetPolicy::default())
            .await
            .unwrap();
        addrs.push(split(&url).0);
        assert_eq!(previews.running().await, 2.min(i + 1));
    }
    // The first one's open view was closed with it.
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(m)) = view.next().await {
            if m.is_close() {
                break;
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the stopped preview's view socket stays open");
    for (i, a) in addrs.iter().enumerate() {
        assert_eq!(refused(*a), i < 4, "preview {i} at {a}");
    }
    // Asking again while it runs gives the same preview.
    let again = previews
        .open("v-5", pkg.clone(), NetPolicy::default())
        .await
        .unwrap();
    assert_eq!(split(&again).0, addrs[5]);

    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(previews.running().await, 0);
    assert!(
        refused(addrs[4]) && refused(addrs[5]),
        "expired previews still listen"
    );

    let (last, _) = split(
        &previews
            .open("v-6", pkg, NetPolicy::default())
            .await
            .unwrap(),
    );
    assert!(!refused(last));
    previews.stop_all().await;
    assert!(refused(last));
    assert_eq!(previews.running().await, 0);
}

/// The server's own addresses are refused even when public: a whitelisted name could resolve
/// to them.
#[test]
fn own_addresses_are_denied() {
    let own = cove_simulator::preview::own_addresses("8.8.8.8".parse().unwrap());
    let p = cove_simulator::preview::preview_policy(NetPolicy::dev(), &own);
    assert!(!p.dev_mode);
    assert!(!p.allows_address("8.8.8.8".parse().unwrap()));
    assert!(p.allows_address("8.8.4.4".parse().unwrap()));
    assert!(!p.allows_address("127.0.0.1".parse().unwrap()));
    let own = cove_simulator::preview::own_addresses("0.0.0.0".parse().unwrap());
    assert!(own.iter().any(|n| n.contains(&loopback())), "{own:?}");
}
