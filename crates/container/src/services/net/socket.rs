//! `wx.connectSocket` and `SocketTask`: a WebSocket run by one network task, fed by a
//! command channel from the handle.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use tokio::sync::mpsc;
use tokio_tungstenite::Connector;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::handshake::client::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use url::Url;

use super::{Inner, NetEvent, NetKind, Sink, header_pairs, headers_json, policy, timeout_of};
use crate::services::Data;
use crate::services::ServiceError;

const CONNECTING: u8 = 0;
const OPEN: u8 = 1;
const CLOSED: u8 = 2;

/// Close code reported when the connection ended without a close frame.
const ABNORMAL: u16 = 1006;

enum Cmd {
    Send(Message),
    Close(u16, String),
}

/// A `SocketTask`. Dropping it closes the socket (1001, going away).
pub struct SocketHandle {
    tx: mpsc::UnboundedSender<Cmd>,
    state: Arc<AtomicU8>,
}

impl SocketHandle {
    /// `SocketTask.send`: a string as a text frame, bytes as a binary frame.
    pub fn send(&self, data: Data) -> Result<(), ServiceError> {
        if self.state.load(Ordering::SeqCst) != OPEN {
            return Err(ServiceError::fail("WebSocket is not connected"));
        }
        let msg = match data {
            Data::Bytes(b) => Message::binary(b),
            Data::Json(Value::String(s)) => Message::text(s),
            _ => {
                return Err(ServiceError::fail(
                    "parameter error: parameter.data should be String/ArrayBuffer",
                ));
            }
        };
        self.tx
            .send(Cmd::Send(msg))
            .map_err(|_| ServiceError::fail("WebSocket is not connected"))
    }

    /// `SocketTask.close` (WeChat's defaults: code 1000, empty reason). Closing a socket
    /// that is still connecting cancels it.
    pub fn close(&self, code: u16, reason: &str) -> Result<(), ServiceError> {
        if self.state.load(Ordering::SeqCst) == CLOSED {
            return Err(ServiceError::fail("WebSocket is not connected"));
        }
        self.tx
            .send(Cmd::Close(code, reason.to_string()))
            .map_err(|_| ServiceError::fail("WebSocket is not connected"))
    }

    /// Whether the socket is open (`readyState === 1`).
    pub fn is_open(&self) -> bool {
        self.state.load(Ordering::SeqCst) == OPEN
    }
}

pub(super) fn connect(rt: &Runtime, inner: Arc<Inner>, args: Value, on: Sink) -> SocketHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    let state = Arc::new(AtomicU8::new(CONNECTING));
    let st = state.clone();
    rt.spawn(async move {
        let (code, reason) = run(inner, args, &on, &st, rx).await;
        st.store(CLOSED, Ordering::SeqCst);
        on(NetEvent::Close { code, reason });
    });
    SocketHandle { tx, state }
}

/// Runs the socket to its end; answers the close code and reason to report.
async fn run(
    inner: Arc<Inner>,
    args: Value,
    on: &Sink,
    state: &AtomicU8,
    mut rx: mpsc::UnboundedReceiver<Cmd>,
) -> (u16, String) {
    let abnormal = |on: &Sink, msg: String| {
        on(NetEvent::Error(msg));
        (ABNORMAL, "abnormal closure".to_string())
    };
    let url = args.get("url").and_then(Value::as_str).unwrap_or_default();
    let url = match inner.check(url, NetKind::Socket) {
        Ok(u) => u,
        Err(e) => return abnormal(on, e),
    };
    let mut req = match url.as_str().into_client_request() {
        Ok(r) => r,
        Err(e) => return abnormal(on, format!("fail {e}")),
    };
    let reserved = [
        "host",
        "upgrade",
        "connection",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-protocol",
        "sec-websocket-extensions",
        "referer",
    ];
    let mut extra = header_pairs(&args, &reserved);
    let protocols: Vec<&str> = args
        .get("protocols")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !protocols.is_empty() {
        extra.push(("sec-websocket-protocol".into(), protocols.join(", ")));
    }
    for (k, v) in extra {
        let (Ok(name), Ok(value)) = (
            k.parse::<tokio_tungstenite::tungstenite::http::HeaderName>(),
            HeaderValue::from_str(&v),
        ) else {
            return abnormal(on, format!("fail invalid header: {k}"));
        };
        req.headers_mut().insert(name, value);
    }

    let limit = timeout_of(&args);
    let handshake = tokio::time::timeout(limit, open(&inner, &url, req));
    let (mut ws, resp) = tokio::select! {
        r = handshake => match r {
            Ok(Ok(pair)) => pair,
            Ok(Err(e)) => return abnormal(on, e),
            Err(_) => return abnormal(on, "fail timeout".into()),
        },
        cmd = wait_close(&mut rx) => return cmd,
    };
    state.store(OPEN, Ordering::SeqCst);
    on(NetEvent::Open(
        json!({"header": headers_json(resp.headers())}),
    ));

    // What we asked for when we closed, reported if the peer does not echo a code.
    let mut asked: Option<(u16, String)> = None;
    let mut received: Option<(u16, String)> = None;
    let mut commands_open = true;
    loop {
        tokio::select! {
            cmd = rx.recv(), if commands_open => {
                let r = match cmd {
                    Some(Cmd::Send(m)) => ws.send(m).await,
                    Some(Cmd::Close(code, reason)) => {
                        asked = Some((code, reason.clone()));
                        commands_open = false;
                        state.store(CLOSED, Ordering::SeqCst);
                        ws.send(close_msg(code, &reason)).await
                    }
                    None => {
                        commands_open = false;
                        asked = Some((1001, String::new()));
                        ws.send(close_msg(1001, "")).await
                    }
                };
                if let Err(e) = r {
                    if asked.is_some() {
                        break;
                    }
                    return abnormal(on, format!("fail {e}"));
                }
            }
            msg = ws.next() => match msg {
                Some(Ok(Message::Text(t))) => on(NetEvent::Message(Data::Json(Value::String(t.to_string())))),
                Some(Ok(Message::Binary(b))) => on(NetEvent::Message(Data::Bytes(b.into()))),
                Some(Ok(Message::Close(frame))) => {
                    state.store(CLOSED, Ordering::SeqCst);
                    received = Some(match frame {
                        Some(f) => (u16::from(f.code), f.reason.to_string()),
                        None => (1005, String::new()),
                    });
                    // tungstenite answers the close; the stream then ends.
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    if received.is_some() || asked.is_some() {
                        break;
                    }
                    return abnormal(on, format!("fail {e}"));
                }
                None => break,
            },
        }
    }
    match (received, asked) {
        // The peer's echo of our close carries our code; a bare echo reports what we asked.
        (Some((1005, _)), Some(a)) => a,
        (Some(r), _) => r,
        (None, Some(a)) => a,
        (None, None) => (ABNORMAL, "abnormal closure".into()),
    }
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// Resolves the host through the policy's address guard, connects to an address it allowed
/// (never letting tungstenite resolve the name again), then does TLS for the URL's host name
/// and the WebSocket handshake over that connection. `Err` is the errMsg tail.
async fn open(inner: &Inner, url: &Url, req: Request) -> Result<(Ws, Response), String> {
    let host = url.host().ok_or("fail invalid url")?;
    let port = url.port_or_known_default().ok_or("fail invalid url")?;
    let addrs = inner
        .addresses
        .resolve(&host)
        .await
        .map_err(|e| format!("fail {e}"))?;
    let mut last = None;
    let mut stream = None;
    for ip in addrs {
        match TcpStream::connect(SocketAddr::new(ip, port)).await {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let stream = match (stream, last) {
        (Some(s), _) => s,
        (None, Some(e)) => return Err(format!("fail {e}")),
        (None, None) => return Err(format!("fail {}", policy::ADDRESS_NOT_ALLOWED)),
    };
    let _ = stream.set_nodelay(true);
    let connector = if url.scheme() == "wss" {
        Connector::Rustls(inner.tls()?.1.clone())
    } else {
        Connector::Plain
    };
    tokio_tungstenite::client_async_tls_with_config(req, stream, None, Some(connector))
        .await
        .map_err(|e| match policy::pin_mismatch(&e) {
            Some(m) => format!("fail {m}"),
            None => format!("fail {e}"),
        })
}

/// Resolves when a close is asked for (or the handle dropped) while still connecting.
async fn wait_close(rx: &mut mpsc::UnboundedReceiver<Cmd>) -> (u16, String) {
    loop {
        match rx.recv().await {
            Some(Cmd::Close(code, reason)) => return (code, reason),
            Some(Cmd::Send(_)) => {}
            None => return (1001, String::new()),
        }
    }
}

fn close_msg(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code: CloseCode::from(code),
        reason: Utf8Bytes::from(reason.to_string()),
    }))
}
