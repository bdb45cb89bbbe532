//! WeChat's `miniprogram-automator` protocol (`docs/automator.md`): JSON over WebSocket,
//! `{id, method, params}` answered by `{id, result}` or `{id, error: {message}}`, and events
//! `{method, params}`. Each step runs where its answer lives: selectors, data and `wx` in the
//! container (on the app's driver thread), taps, layout and styles in the view.

mod methods;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use cove_container::Automation;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc, oneshot};

pub use methods::METHODS;

use crate::session::Inbound;
use crate::{Build, DevError, SessionHandle, Shared, current};

/// How long a step may wait for the app's promise or the view's answer.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long to wait for someone else's browser before starting a headless one.
const BROWSER_GRACE: Duration = Duration::from_secs(3);

/// Listen for automator clients.
pub(crate) async fn serve(shared: Arc<Shared>, port: u16) -> Result<SocketAddr, DevError> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| DevError::Listen { addr, source })?;
    let bound = listener
        .local_addr()
        .map_err(|source| DevError::Listen { addr, source })?;
    let stopped = shared.stopped();
    let app = Router::new().fallback(upgrade).with_state(shared);
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(stopped)
            .await
    });
    Ok(bound)
}

async fn upgrade(ws: WebSocketUpgrade, State(shared): State<Arc<Shared>>) -> Response {
    ws.on_upgrade(move |socket| connection(socket, shared))
}

/// One connected client and what it asked for.
pub(crate) struct Client {
    shared: Arc<Shared>,
    /// `App.enableLog` was called: console messages are sent as `App.logAdded`.
    log: AtomicBool,
    /// After `App.exit`, only a session newer than this one is the app.
    min_session: AtomicU64,
}

async fn connection(socket: WebSocket, shared: Arc<Shared>) {
    let (mut tx, mut rx) = socket.split();
    let mut events = shared.automator.subscribe();
    let client = Arc::new(Client {
        shared,
        log: AtomicBool::new(false),
        min_session: AtomicU64::new(0),
    });
    // Steps run one at a time, in order; events and answers interleave on the socket.
    let (calls, mut queue) = mpsc::unbounded_channel::<Value>();
    let (answers, mut outbox) = mpsc::unbounded_channel::<String>();
    let c = client.clone();
    let worker = tokio::spawn(async move {
        while let Some(req) = queue.recv().await {
            let method = req["method"].as_str().unwrap_or("").to_string();
            let params = match req.get("params") {
                Some(p) if p.is_object() => p.clone(),
                _ => json!({}),
            };
            let answer = match methods::call(&c, &method, params).await {
                Ok(result) => json!({"id": req["id"], "result": result}),
                Err(message) => {
                    tracing::debug!("automator {method}: {message}");
                    json!({"id": req["id"], "error": {"message": message}})
                }
            };
            if answers.send(answer.to_string()).is_err() {
                break;
            }
        }
    });
    loop {
        tokio::select! {
            out = outbox.recv() => match out {
                Some(text) => if tx.send(Message::text(text)).await.is_err() { break },
                None => break,
            },
            ev = events.recv() => match ev {
                Ok(ev) => {
                    if ev["method"] == "App.logAdded" && !client.log.load(Ordering::Relaxed) {
                        continue;
                    }
                    if tx.send(Message::text(ev.to_string())).await.is_err() { break }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!("automator client fell behind: {n} events dropped");
                }
                Err(_) => break,
            },
            m = rx.next() => match m {
                Some(Ok(Message::Text(t))) => match serde_json::from_str::<Value>(&t) {
                    Ok(v) if v["method"].is_string() => { let _ = calls.send(v); }
                    _ => {
                        let msg = json!({"error": {"message": "not a {id, method, params} JSON message"}});
                        if tx.send(Message::text(msg.to_string())).await.is_err() { break }
                    }
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    worker.abort();
}

impl Client {
    /// The app the client drives; one that stopped says why at once, instead of failing
    /// every step with "gone".
    async fn session(&self) -> Result<(u64, SessionHandle), String> {
        let s = self.any_session().await?;
        match s.1.host.stopped() {
            Some(stop) => Err(stop.sentence()),
            None => Ok(s),
        }
    }

    /// The app the client drives: the newest live session, waiting for one to connect (and
    /// starting a headless view when no one opens the simulator).
    async fn any_session(&self) -> Result<(u64, SessionHandle), String> {
        let started = Instant::now();
        let mut launched = false;
        loop {
            if let Build::Failed(d) = &*current(&self.shared) {
                let first = d.first().cloned().unwrap_or(Value::Null);
                return Err(format!(
                    "the app does not compile: {} {}",
                    first["location"].as_str().unwrap_or(""),
                    first["message"].as_str().unwrap_or("")
                ));
            }
            let min = self.min_session.load(Ordering::Relaxed);
            let newest = {
                let drivers = self
                    .shared
                    .drivers
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                drivers
                    .iter()
                    .filter(|(id, _)| **id >= min)
                    .max_by_key(|(id, _)| **id)
                    .map(|(id, s)| (*id, s.clone()))
            };
            if let Some(s) = newest {
                return Ok(s);
            }
            if !launched && started.elapsed() >= BROWSER_GRACE {
                self.shared
                    .launch_browser()
                    .await
                    .map_err(|e| format!("no view is open and cove cannot open one: {e}"))?;
                launched = true;
            }
            if started.elapsed() >= STEP_TIMEOUT {
                return Err("no view connected within 30 s".into());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Run `job` on the app's driver thread and wait for its answer.
    async fn with_app<T: Send + 'static>(
        &self,
        session: &SessionHandle,
        job: impl FnOnce(&cove_container::App) -> T + Send + 'static,
    ) -> Result<T, String> {
        let (tx, rx) = oneshot::channel();
        session
            .driver
            .send(Inbound::Automator(Box::new(move |app| {
                let _ = tx.send(job(app));
            })))
            .map_err(|_| session.host.gone())?;
        rx.await.map_err(|_| session.host.gone())
    }

    /// A container step, with the app's promise awaited.
    async fn container(
        &self,
        method: &str,
        params: Value,
        function: Option<String>,
    ) -> Result<Value, String> {
        let (_, s) = self.session().await?;
        let m = method.to_string();
        let mut answer = self
            .with_app(&s, move |app| {
                app.automation(&m, &params, function.as_deref())
            })
            .await?
            .map_err(|e| e.to_string())?;
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            match answer {
                Automation::Done(v) => return Ok(v),
                Automation::Failed(e) => return Err(e),
                Automation::Pending(id) => {
                    if Instant::now() >= deadline {
                        return Err(format!("{method} did not finish within 30 s"));
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    answer = self
                        .with_app(&s, move |app| app.automation_poll(id))
                        .await?
                        .map_err(|e| e.to_string())?;
                }
            }
        }
    }

    /// A view step (`docs/automator.md`, view requests).
    async fn view(&self, args: Value) -> Result<Value, String> {
        let (_, s) = self.session().await?;
        view_on(&s, args).await
    }

    /// A view action, then wait until the app has handled what it caused (the events reach
    /// the driver before this barrier does), so the next read sees the result.
    async fn act(&self, args: Value) -> Result<Value, String> {
        let (_, s) = self.session().await?;
        let r = view_on(&s, args).await?;
        self.with_app(&s, |app| app.settle().map_err(|e| e.to_string()))
            .await??;
        Ok(r)
    }
}

async fn view_on(s: &SessionHandle, args: Value) -> Result<Value, String> {
    let rx = s.host.view_call(args);
    match tokio::time::timeout(STEP_TIMEOUT, rx).await {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => Err(s.host.gone()),
        Err(_) => Err("the view did not answer within 30 s".into()),
    }
}
