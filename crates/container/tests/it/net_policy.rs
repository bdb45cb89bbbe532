//! The network policy against real local HTTPS and WSS servers (certificates from a test
//! CA made with rcgen) and a fixed-map resolver, so DNS names can point at 127.0.0.1 or at
//! private ranges without touching the system's DNS: domain lists, IP literals, private
//! addresses behind names, redirects, sockets and certificate pinning.
//!
//! The servers listen on 127.0.0.1 and, for a loopback address outside the policy's
//! allowed range, on 127.0.0.2 (the same ports), so that a refused connection is refused
//! by the policy and not by an empty port; a plain HTTP listener stands behind `http://`
//! URLs, and the certificate covers every name and IP the tests reach (127.0.0.1 and
//! localhost included). Names that resolve elsewhere (10.0.0.5, 169.254.169.254) have no
//! listener: they must be refused before any connection, which is what is tested; that
//! such ranges can be allowed is checked on the policy, without traffic.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use base64::Engine as _;
use cove_container::services::net::{FixedResolver, NetEvent, NetKind, NetPolicy, Network, Sink};
use cove_container::services::{Answer, Data};
use futures_util::{SinkExt as _, StreamExt as _};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, PublicKeyData as _,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

const WAIT: Duration = Duration::from_secs(15);
const NOT_LISTED: &str = "fail url not in domain list";
const NOT_ALLOWED: &str = "fail address not allowed";

pub(crate) struct Fixture {
    /// HTTPS, on 127.0.0.1 and 127.0.0.2.
    pub(crate) https: u16,
    /// WSS (an echo server), on 127.0.0.1 and 127.0.0.2.
    pub(crate) wss: u16,
    /// Plain HTTP, on 127.0.0.1.
    pub(crate) http: u16,
    /// The test CA (DER), trusted through `NetPolicy::extra_roots`.
    ca: Vec<u8>,
    /// The server key's pin: base64 SHA-256 of its SubjectPublicKeyInfo, computed from the
    /// key itself (not from the certificate the client sees).
    pin: String,
    hits: Mutex<HashMap<String, usize>>,
}

pub(crate) fn fx() -> &'static Fixture {
    static F: OnceLock<&'static Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let (acceptor, ca, pin) = tls();
                let (https, https2) = loopback_pair().await;
                let (wss, wss2) = loopback_pair().await;
                let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let f: &'static Fixture = Box::leak(Box::new(Fixture {
                    https: https.local_addr().unwrap().port(),
                    wss: wss.local_addr().unwrap().port(),
                    http: http.local_addr().unwrap().port(),
                    ca,
                    pin,
                    hits: Mutex::default(),
                }));
                tx.send(f).unwrap();
                tokio::spawn(wss_server(wss, acceptor.clone(), f));
                tokio::spawn(wss_server(wss2, acceptor.clone(), f));
                tokio::spawn(async move { axum::serve(http, app(f)).await.unwrap() });
                let second = TlsListener {
                    tcp: https2,
                    acceptor: acceptor.clone(),
                };
                tokio::spawn(async move { axum::serve(second, app(f)).await.unwrap() });
                let listener = TlsListener {
                    tcp: https,
                    acceptor,
                };
                axum::serve(listener, app(f)).await.unwrap();
            });
        });
        rx.recv().unwrap()
    })
}

/// Listeners on 127.0.0.1 and 127.0.0.2 with the same port.
async fn loopback_pair() -> (TcpListener, TcpListener) {
    loop {
        let first = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = first.local_addr().unwrap().port();
        if let Ok(second) = TcpListener::bind(("127.0.0.2", port)).await {
            return (first, second);
        }
    }
}

/// A CA, and a server certificate it signed for the test names; the acceptor serving it,
/// the CA's DER and the server key's pin.
fn tls() -> (TlsAcceptor, Vec<u8>, String) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Cove test CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);

    // Every name and address a test reaches, so that no refusal is a certificate's.
    let names = [
        "api.bank.test",
        "other.bank.test",
        "sub.api.bank.test",
        "ws.bank.test",
        "evil.test",
        "intranet.bank.test",
        "private.bank.test",
        "meta.bank.test",
        "localhost",
        "127.0.0.1",
    ];
    let mut params = CertificateParams::new(names.map(String::from).to_vec()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "api.bank.test");
    params.use_authority_key_identifier_extension = true;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    let pin = base64::engine::general_purpose::STANDARD
        .encode(Sha256::digest(key.subject_public_key_info()));

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone(), ca_cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    (
        TlsAcceptor::from(Arc::new(config)),
        ca_cert.der().to_vec(),
        pin,
    )
}

/// TCP plus a TLS handshake, for axum; failed handshakes (refused pins, unknown CA) are
/// dropped.
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((stream, addr)) = self.tcp.accept().await else {
                continue;
            };
            let hs = tokio::time::timeout(WAIT, self.acceptor.accept(stream));
            if let Ok(Ok(tls)) = hs.await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

fn app(f: &'static Fixture) -> Router {
    let p = f.https;
    Router::new()
        .route(
            "/hit/{tag}",
            get(move |Path(tag): Path<String>| async move {
                *f.hits.lock().unwrap().entry(tag.clone()).or_default() += 1;
                format!("hello {tag}")
            }),
        )
        .route(
            "/redirect/{to}",
            get(move |Path(to): Path<String>| async move {
                let loc = match to.as_str() {
                    "ok" => format!("https://other.bank.test:{p}/hit/redirected-ok"),
                    "private" => format!("https://private.bank.test:{p}/hit/redirected-private"),
                    "unlisted" => format!("https://evil.test:{p}/hit/redirected-unlisted"),
                    "ip" => format!("https://127.0.0.1:{p}/hit/redirected-ip"),
                    "http" => format!("http://api.bank.test:{}/hit/redirected-http", f.http),
                    "intranet" => {
                        format!("https://intranet.bank.test:{p}/hit/redirected-intranet")
                    }
                    _ => return StatusCode::NOT_FOUND.into_response(),
                };
                (StatusCode::FOUND, [(header::LOCATION, loc)]).into_response()
            }),
        )
}

/// Echoes text frames, over TLS; each opened socket counts as a hit on `ws<path>`.
async fn wss_server(listener: TcpListener, acceptor: TlsAcceptor, f: &'static Fixture) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(stream).await else {
                return;
            };
            // The error type is tungstenite's handshake callback's, not ours.
            #[allow(clippy::result_large_err)]
            let count = |req: &tokio_tungstenite::tungstenite::handshake::server::Request, res| {
                let tag = format!("ws{}", req.uri().path());
                *f.hits.lock().unwrap().entry(tag).or_default() += 1;
                Ok(res)
            };
            let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(tls, count).await else {
                return;
            };
            while let Some(Ok(msg)) = ws.next().await {
                if msg.is_text() {
                    let _ = ws.send(msg).await;
                }
            }
        });
    }
}

pub(crate) fn hits(tag: &str) -> usize {
    fx().hits.lock().unwrap().get(tag).copied().unwrap_or(0)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

pub(crate) fn resolver() -> FixedResolver {
    let lo = [ip("127.0.0.1")];
    FixedResolver::new()
        .with("api.bank.test", lo)
        .with("other.bank.test", lo)
        .with("sub.api.bank.test", lo)
        .with("ws.bank.test", lo)
        .with("evil.test", lo)
        .with("localhost", lo)
        .with("intranet.bank.test", [ip("127.0.0.2")])
        .with("private.bank.test", [ip("10.0.0.5")])
        .with("meta.bank.test", [ip("169.254.169.254")])
        .with("loop.bank.test", [ip("127.0.0.2")])
        .with("loop6.bank.test", [ip("::1")])
        .with("mapped.bank.test", [ip("::ffff:127.0.0.1")])
}

/// The bank's policy: its hosts listed with the test server's port, 127.0.0.1 (only) let
/// through as an "intranet" address, the test CA trusted.
pub(crate) fn policy() -> NetPolicy {
    let f = fx();
    let with_port = |names: &[&str]| -> Vec<String> {
        names.iter().map(|n| format!("{n}:{}", f.https)).collect()
    };
    NetPolicy {
        request: with_port(&[
            "api.bank.test",
            "other.bank.test",
            "private.bank.test",
            "meta.bank.test",
            "loop.bank.test",
            "loop6.bank.test",
            "mapped.bank.test",
            "intranet.bank.test",
            // Never valid entries: IP literals and localhost are refused whatever the list.
            "localhost",
            "127.0.0.1",
        ]),
        download: with_port(&["api.bank.test", "private.bank.test"]),
        // Socket entries without a port allow any port (WeChat's rule for wss).
        socket: vec![
            "ws.bank.test".into(),
            "api.bank.test".into(),
            "private.bank.test".into(),
            "intranet.bank.test".into(),
        ],
        allowed_private: vec!["127.0.0.1/32".parse().unwrap()],
        extra_roots: vec![f.ca.clone()],
        resolver: Some(Arc::new(resolver())),
        ..NetPolicy::default()
    }
}

fn bank() -> Network {
    Network::with_policy(policy(), None).unwrap()
}

/// The same lists with no private address allowed: 127.0.0.1 is refused too.
fn strict() -> Network {
    Network::with_policy(
        NetPolicy {
            allowed_private: Vec::new(),
            ..policy()
        },
        None,
    )
    .unwrap()
}

pub(crate) fn url(host: &str, path: &str) -> String {
    format!("https://{host}:{}{path}", fx().https)
}

fn wss(host: &str) -> String {
    format!("wss://{host}:{}/", fx().wss)
}

type Events = Receiver<NetEvent>;

fn sink() -> (Sink, Events) {
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    (Arc::new(move |ev| drop(tx.lock().unwrap().send(ev))), rx)
}

fn complete(rx: &Events) -> Result<Value, String> {
    loop {
        if let NetEvent::Complete(r) = rx.recv_timeout(WAIT).expect("task did not complete") {
            return r.map(Answer::into_json);
        }
    }
}

fn request(net: &Network, url: &str) -> Result<Value, String> {
    let (on, rx) = sink();
    let _task = net.request(json!({"url": url}), on);
    complete(&rx)
}

fn download(net: &Network, url: &str) -> Result<Value, String> {
    let dir = tempfile::tempdir().unwrap();
    let (on, rx) = sink();
    let _task = net.download_file(json!({"url": url}), dir.path().join("f"), on);
    complete(&rx)
}

fn next(rx: &Events) -> NetEvent {
    rx.recv_timeout(WAIT).expect("socket event")
}

/// A socket that must fail before opening: its error, then the abnormal close.
fn socket_error(net: &Network, url: &str) -> String {
    let (on, rx) = sink();
    let _s = net.connect_socket(json!({"url": url}), on);
    let NetEvent::Error(e) = next(&rx) else {
        panic!("expected an error for {url}");
    };
    assert!(matches!(next(&rx), NetEvent::Close { code: 1006, .. }));
    e
}

/// Opens a socket, checks an echo, closes it.
fn socket_echo(net: &Network, url: &str) {
    let (on, rx) = sink();
    let s = net.connect_socket(json!({"url": url}), on);
    let ev = next(&rx);
    assert!(matches!(ev, NetEvent::Open(_)), "{url}: {ev:?}");
    s.send(Data::Json(json!("ping"))).unwrap();
    assert_eq!(next(&rx), NetEvent::Message(Data::Json(json!("ping"))));
    s.close(1000, "").unwrap();
    assert!(matches!(next(&rx), NetEvent::Close { code: 1000, .. }));
}

#[test]
fn listed_hosts_are_reached() {
    let net = bank();
    let r = request(&net, &url("api.bank.test", "/hit/listed")).unwrap();
    assert_eq!(r["statusCode"], json!(200));
    assert_eq!(r["data"], json!("hello listed"));
    assert_eq!(hits("listed"), 1);
    let r = download(&net, &url("api.bank.test", "/hit/listed-download")).unwrap();
    assert_eq!(r["statusCode"], json!(200));
    assert_eq!(hits("listed-download"), 1);
}

#[test]
fn unlisted_hosts_and_ports_are_refused() {
    let net = bank();
    for u in [
        url("evil.test", "/hit/unlisted"),
        // No parent-domain matching: only the exact host.
        url("sub.api.bank.test", "/hit/unlisted"),
        // The entry has a port: only that port.
        "https://api.bank.test/hit/unlisted".to_string(),
        "https://api.bank.test:8443/hit/unlisted".to_string(),
    ] {
        assert_eq!(request(&net, &u), Err(NOT_LISTED.into()), "{u}");
    }
    // Each kind has its own list: other.bank.test is a request domain only.
    assert_eq!(
        download(&net, &url("other.bank.test", "/hit/unlisted")),
        Err(NOT_LISTED.into())
    );
    let (on, rx) = sink();
    let _t = net.upload_file(
        json!({"url": url("api.bank.test", "/hit/unlisted"), "filePath": "/nonexistent", "name": "f"}),
        on,
    );
    assert_eq!(complete(&rx), Err(NOT_LISTED.into()));
    assert_eq!(hits("unlisted"), 0);
}

#[test]
fn plain_http_and_ws_are_refused_outside_dev_mode() {
    let net = bank();
    // A plain HTTP server listens there: the refusal is the policy's.
    let plain = format!("http://api.bank.test:{}/hit/plain", fx().http);
    assert_eq!(request(&net, &plain), Err(NOT_LISTED.into()));
    assert_eq!(hits("plain"), 0);
    let ws = format!("ws://ws.bank.test:{}/", fx().wss);
    assert_eq!(net.check(&ws, NetKind::Socket).unwrap_err().msg, NOT_LISTED);
    assert_eq!(socket_error(&net, &ws), NOT_LISTED);
    // Dev mode (DevTools' "don't check domains") lets both through the URL rules.
    let dev = NetPolicy::dev();
    assert!(
        dev.check_url(&plain.parse().unwrap(), NetKind::Request)
            .is_ok()
    );
    assert!(dev.check_url(&ws.parse().unwrap(), NetKind::Socket).is_ok());
}

#[test]
fn ip_literals_and_localhost_are_refused() {
    // The url crate turns every IPv4 spelling into an address: these are IP hosts, not
    // names that might slip past a string check.
    for (u, host) in [
        ("https://2130706433/", "127.0.0.1"),
        ("https://0x7f.1/", "127.0.0.1"),
        ("https://0177.0.0.1/", "127.0.0.1"),
        ("https://[::ffff:127.0.0.1]/", "[::ffff:7f00:1]"),
    ] {
        assert_eq!(url::Url::parse(u).unwrap().host_str(), Some(host), "{u}");
    }
    let net = bank();
    let port = fx().https;
    for host in [
        "127.0.0.1",
        "[::1]",
        "2130706433",
        "0x7f.1",
        "0177.0.0.1",
        "[::ffff:127.0.0.1]",
        "localhost",
        "LOCALHOST.",
        "api.localhost",
    ] {
        let u = format!("https://{host}:{port}/hit/literal");
        assert_eq!(request(&net, &u), Err(NOT_LISTED.into()), "{u}");
        let w = format!("wss://{host}:{}/", fx().wss);
        assert_eq!(
            net.check(&w, NetKind::Socket).unwrap_err().msg,
            NOT_LISTED,
            "{w}"
        );
    }
    assert_eq!(hits("literal"), 0);
}

#[test]
fn names_resolving_to_private_addresses_are_refused() {
    let net = bank();
    for host in ["private.bank.test", "meta.bank.test", "loop.bank.test"] {
        let u = url(host, "/hit/private");
        assert_eq!(request(&net, &u), Err(NOT_ALLOWED.into()), "{u}");
    }
    assert_eq!(
        download(&net, &url("private.bank.test", "/hit/private")),
        Err(NOT_ALLOWED.into())
    );
    // Without 127.0.0.1 allowed, even the bank's own host (it resolves there) is refused,
    // in every spelling of loopback.
    let strict = strict();
    for host in ["api.bank.test", "loop6.bank.test", "mapped.bank.test"] {
        let u = url(host, "/hit/private");
        assert_eq!(request(&strict, &u), Err(NOT_ALLOWED.into()), "{u}");
    }
    assert_eq!(
        download(&strict, &url("api.bank.test", "/hit/private")),
        Err(NOT_ALLOWED.into())
    );
    assert_eq!(hits("private"), 0, "the server was never reached");
}

#[test]
fn allowed_private_ranges_let_addresses_through() {
    let mut p = NetPolicy::default();
    for a in ["10.0.0.5", "169.254.169.254", "127.0.0.1", "::1", "fd00::1"] {
        assert!(!p.allows_address(ip(a)), "{a}");
    }
    assert!(p.allows_address(ip("93.184.216.34")));
    p.allowed_private = vec![
        "10.0.0.0/8".parse().unwrap(),
        "169.254.169.254/32".parse().unwrap(),
    ];
    assert!(p.allows_address(ip("10.0.0.5")));
    assert!(p.allows_address(ip("::ffff:10.0.0.5")));
    assert!(p.allows_address(ip("169.254.169.254")));
    assert!(!p.allows_address(ip("169.254.0.1")));
    assert!(!p.allows_address(ip("127.0.0.1")));
    assert!(NetPolicy::dev().allows_address(ip("10.0.0.5")));

    // And on a real connection: 127.0.0.1 is reached only where it is allowed.
    let u = url("api.bank.test", "/hit/intranet");
    assert_eq!(request(&strict(), &u), Err(NOT_ALLOWED.into()));
    assert_eq!(hits("intranet"), 0);
    assert_eq!(
        request(&bank(), &u).unwrap()["data"],
        json!("hello intranet")
    );
    assert_eq!(hits("intranet"), 1);
}

#[test]
fn redirects_are_checked_hop_by_hop() {
    let net = bank();
    let r = request(&net, &url("api.bank.test", "/redirect/ok")).unwrap();
    assert_eq!(r["data"], json!("hello redirected-ok"));
    for (to, err) in [
        ("private", NOT_ALLOWED),
        ("intranet", NOT_ALLOWED),
        ("unlisted", NOT_LISTED),
        ("ip", NOT_LISTED),
        ("http", NOT_LISTED),
    ] {
        let r = request(&net, &url("api.bank.test", &format!("/redirect/{to}")));
        assert_eq!(r, Err(err.into()), "{to}");
        assert_eq!(hits(&format!("redirected-{to}")), 0, "{to}");
    }
}

#[test]
fn sockets_connect_only_to_allowed_addresses() {
    let net = bank();
    socket_echo(&net, &wss("ws.bank.test"));
    assert_eq!(socket_error(&net, &wss("private.bank.test")), NOT_ALLOWED);
    assert_eq!(socket_error(&strict(), &wss("api.bank.test")), NOT_ALLOWED);
    assert_eq!(socket_error(&net, &wss("evil.test")), NOT_LISTED);
}

#[test]
fn pinned_hosts_need_a_matching_key() {
    let f = fx();
    let pinned = |pin: &str| {
        let pins = HashMap::from([
            ("api.bank.test".to_string(), vec![pin.to_string()]),
            ("ws.bank.test".to_string(), vec![format!("sha256/{pin}")]),
        ]);
        Network::with_policy(NetPolicy { pins, ..policy() }, None).unwrap()
    };

    let right = pinned(&f.pin);
    let r = request(&right, &url("api.bank.test", "/hit/pinned")).unwrap();
    assert_eq!(r["data"], json!("hello pinned"));
    socket_echo(&right, &wss("ws.bank.test"));

    let other_key =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"another key"));
    let wrong = pinned(&other_key);
    let mismatch = "fail invalid peer certificate: certificate pin mismatch";
    assert_eq!(
        request(&wrong, &url("api.bank.test", "/hit/wrong-pin")),
        Err(mismatch.into())
    );
    assert_eq!(hits("wrong-pin"), 0);
    assert_eq!(socket_error(&wrong, &wss("ws.bank.test")), mismatch);
    // Unpinned hosts are unaffected.
    let r = request(&wrong, &url("other.bank.test", "/hit/unpinned")).unwrap();
    assert_eq!(r["data"], json!("hello unpinned"));

    // The pin comes on top of normal verification: without the CA trusted, the right pin
    // does not help.
    let untrusted = Network::with_policy(
        NetPolicy {
            pins: HashMap::from([("api.bank.test".to_string(), vec![f.pin.clone()])]),
            extra_roots: Vec::new(),
            ..policy()
        },
        None,
    )
    .unwrap();
    assert_eq!(
        request(&untrusted, &url("api.bank.test", "/hit/untrusted")),
        Err("fail invalid peer certificate: UnknownIssuer".into())
    );
    assert_eq!(hits("untrusted"), 0);

    // A malformed pin is an error, not an unpinned host.
    let bad = NetPolicy {
        pins: HashMap::from([("api.bank.test".to_string(), vec!["not base64!".into()])]),
        ..policy()
    };
    let e = Network::with_policy(bad, None)
        .err()
        .expect("bad pin refused");
    assert!(e.msg.contains("invalid pin for api.bank.test"), "{}", e.msg);
}

#[test]
fn policy_deserialises_from_resolve_domains() {
    let p: NetPolicy = serde_json::from_value(json!({
        "request": ["api.bank.test"],
        "socket": ["ws.bank.test"],
        "upload": ["up.bank.test:8443"],
        "download": [],
        "web_view": ["www.bank.test"],
    }))
    .unwrap();
    assert!(!p.dev_mode);
    assert!(p.allowed_private.is_empty());
    let ok = |u: &str, k| p.check_url(&u.parse().unwrap(), k);
    assert_eq!(ok("https://api.bank.test/x", NetKind::Request), Ok(()));
    assert_eq!(ok("https://up.bank.test:8443/x", NetKind::Upload), Ok(()));
    assert_eq!(ok("wss://ws.bank.test:9000/", NetKind::Socket), Ok(()));
    assert_eq!(
        ok("https://api.bank.test/x", NetKind::Download),
        Err("url not in domain list".into())
    );
    assert_eq!(p.web_view, vec!["www.bank.test".to_string()]);
}
