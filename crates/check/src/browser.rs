//! `cove check --browser`: the same rows, with the view. The simulator runs the app with
//! its view in headless Chromium (as `cove test-server` does), and the check drives it as
//! any end-to-end suite would, through WeChat's automator protocol (`docs/automator.md`):
//! `App.callWxMethod` opens each page, `App.exceptionThrown` and `App.logAdded` carry the
//! uncaught errors and the runtime's console, and a binding (`App.addBinding`) reports each
//! call of a `wx` method Cove does not provide. Selector queries, intersection observers,
//! canvas and modals are then answered by a real layout, as on a phone.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cove_simulator::{DevOptions, DevServer, Package};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

use crate::host::page_error;
use crate::report::{PageReport, Report, Round};
use crate::{CheckError, CheckOptions, finish_page, judge_open, scan};

/// The global function the check installs in the app (`App.addBinding`).
const BINDING: &str = "__coveCheck";

/// Wraps every `wx` method Cove does not provide (`wx.canIUse` says no) so that a call also
/// calls the binding with its name; returns what `wx` has, for the static list.
const WATCH_UNSUPPORTED: &str = r#"function (binding) {
  const names = Object.getOwnPropertyNames(wx);
  const unsupported = [];
  for (const name of names) {
    let f;
    try { f = wx[name]; } catch (e) { continue; }
    if (typeof f !== 'function' || wx.canIUse(name)) continue;
    unsupported.push(name);
    try {
      wx[name] = function () { globalThis[binding](name); return f.apply(this, arguments); };
    } catch (e) {}
  }
  return { names, unsupported };
}"#;

/// Calls the binding with a mark: once its event arrives, every event the app sent before
/// it has arrived too (they travel in order on one channel).
const MARK: &str = "function (binding, mark) { globalThis[binding](mark); }";

/// The longest a protocol step may take: the server's own limit (30 s) and a margin.
const STEP: Duration = Duration::from_secs(40);

pub(crate) fn run(
    package: &Package,
    pages: &[String],
    units: &scan::Units,
    opts: &CheckOptions,
    report: &mut Report,
) -> Result<(), CheckError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let server = DevServer::start(DevOptions {
            // The package just built, opened in place: nothing is compiled twice.
            source: package.dir.clone(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: None,
            watch: false,
            automator: Some(0),
            headless_view: true,
            trust: Default::default(),
            watermark: None,
            net: None,
            access_token: None,
        })
        .await
        .map_err(|e| CheckError::Browser(e.to_string()))?;
        let closer = server.closer();
        let automator = server.automator_addr.expect("asked for");
        let outcome = drive(server.addr, automator, package, pages, units, opts, report).await;
        // Chromium goes with the check, whatever happened.
        closer.close().await;
        outcome
    })
}

async fn drive(
    addr: SocketAddr,
    automator: SocketAddr,
    package: &Package,
    pages: &[String],
    units: &scan::Units,
    opts: &CheckOptions,
    report: &mut Report,
) -> Result<(), CheckError> {
    let mut c = Client::connect(automator)
        .await
        .map_err(CheckError::Browser)?;
    c.call("App.enableLog", json!({}), STEP)
        .await
        .map_err(CheckError::Browser)?;
    let setup = async {
        c.call("App.addBinding", json!({"name": BINDING}), STEP)
            .await?;
        c.call(
            "App.callFunction",
            json!({"functionDeclaration": WATCH_UNSUPPORTED, "args": [BINDING]}),
            STEP,
        )
        .await
    };
    let wx = match setup.await {
        Ok(v) => v["result"].clone(),
        Err(e) => {
            report.launch_error = Some(launch_error(addr).await.unwrap_or(e));
            return Ok(());
        }
    };
    let kinds: serde_json::Map<String, Value> = wx["unsupported"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|n| (n.to_string(), json!("unsupported")))
        .collect();
    report.unsupported_apis =
        scan::unsupported_apis(&package.dir, &Value::Object(kinds), &wx["names"]);

    let mut marks = 0u64;
    for round in 0..opts.rounds.max(1) {
        let mut failed = vec![];
        for page in pages {
            let r = open_page(&mut c, page, units, opts, &mut marks).await;
            if !r.opened {
                failed.push(page.clone());
            }
            if round == 0 {
                report.pages.push(r);
            }
        }
        // The container's heap is not reachable through the protocol.
        report.rounds.push(Round {
            failed,
            heap_bytes: None,
        });
    }
    Ok(())
}

async fn open_page(
    c: &mut Client,
    page: &str,
    units: &scan::Units,
    opts: &CheckOptions,
    marks: &mut u64,
) -> PageReport {
    let mut report = PageReport {
        path: page.to_string(),
        ..PageReport::default()
    };
    // What the last page's timers did after its mark is not this page's.
    while c.events.try_recv().is_ok() {}
    let started = Instant::now();
    let args = json!({"method": "reLaunch", "args": [{"url": format!("/{page}")}]});
    let outcome = c.call("App.callWxMethod", args, opts.page_timeout).await;
    if outcome.is_ok() {
        // Answered by the view after it applied every message the app sent before: the
        // page's first render is in the DOM.
        let drawn = json!({"names": ["innerWidth"]});
        if c.call("Page.getWindowProperties", drawn, STEP)
            .await
            .is_ok()
        {
            report.first_view_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
        }
    }
    tokio::time::sleep(opts.settle).await;
    // A dialog gets its first button, as the headless host answers (and a person would).
    for _ in 0..3 {
        let confirm = json!({"method": "confirmModal"});
        if c.call("Tool.native", confirm, STEP).await.is_err() {
            break;
        }
        tokio::time::sleep(opts.settle).await;
    }
    let top = c
        .call("App.getCurrentPage", json!({}), STEP)
        .await
        .ok()
        .and_then(|p| {
            p["path"]
                .as_str()
                .map(|s| s.trim_start_matches('/').to_string())
        })
        .unwrap_or_default();
    judge_open(&mut report, outcome.map(|_| ()), &top);
    *marks += 1;
    let mark = format!("#{marks}");
    let seen = c.events_until(&mark).await;
    report.errors = seen.errors;
    report.unsupported_calls = seen.unsupported;
    finish_page(&mut report, seen.missing_components, units);
    report
}

/// Why the app did not start: the simulator's console says it (`the app failed to launch:
/// …`), and a panel that connects late is sent what it missed.
async fn launch_error(addr: SocketAddr) -> Option<String> {
    let url = format!("ws://{addr}/__cove/devtools");
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.ok()?;
    let deadline = tokio::time::sleep(Duration::from_secs(2));
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            m = ws.next() => {
                let Some(Ok(Message::Text(t))) = m else { return None };
                let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                if v["t"] == "console" && v["level"] == "error"
                    && let Some(text) = v["text"].as_str()
                    && let Some(e) = text.strip_prefix("the app failed to launch: ")
                {
                    return Some(e.to_string());
                }
            }
            _ = &mut deadline => return None,
        }
    }
}

/// What one page's load produced, from the protocol's events.
#[derive(Default)]
struct Seen {
    errors: Vec<crate::PageError>,
    unsupported: Vec<String>,
    missing_components: Vec<String>,
}

type Waiters = Arc<Mutex<HashMap<u64, oneshot::Sender<Result<Value, String>>>>>;

/// A minimal automator client: requests answered by id, events in a queue.
struct Client {
    to_server: mpsc::UnboundedSender<String>,
    waiters: Waiters,
    events: mpsc::UnboundedReceiver<Value>,
    next_id: u64,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Result<Client, String> {
        let url = format!("ws://{addr}");
        let (ws, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .map_err(|e| format!("the automator at {url}: {e}"))?;
        let (mut sink, mut stream) = ws.split();
        let (to_server, mut outbox) = mpsc::unbounded_channel::<String>();
        let (events_tx, events) = mpsc::unbounded_channel();
        let waiters: Waiters = Arc::default();
        tokio::spawn(async move {
            while let Some(text) = outbox.recv().await {
                if sink.send(Message::text(text)).await.is_err() {
                    break;
                }
            }
        });
        let w = waiters.clone();
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                let Message::Text(text) = msg else { continue };
                let Ok(v) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                match v.get("id").and_then(Value::as_u64) {
                    Some(id) => {
                        let waiter = w.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
                        if let Some(tx) = waiter {
                            let _ = tx.send(match v.get("error") {
                                Some(e) => Err(e["message"].as_str().unwrap_or("error").into()),
                                None => Ok(v["result"].clone()),
                            });
                        }
                    }
                    None if v["method"].is_string() => {
                        let _ = events_tx.send(v);
                    }
                    None => {}
                }
            }
        });
        Ok(Client {
            to_server,
            waiters,
            events,
            next_id: 1,
        })
    }

    /// One step; `Err` is the server's error message, or a timeout. A step that times out
    /// here still runs on the server, and later steps wait behind it there.
    async fn call(
        &mut self,
        method: &str,
        params: Value,
        limit: Duration,
    ) -> Result<Value, String> {
        let id = self.next_id;
        self.next_id += 1;
        let (tx, rx) = oneshot::channel();
        self.waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, tx);
        let msg = json!({"id": id, "method": method, "params": params});
        self.to_server
            .send(msg.to_string())
            .map_err(|_| "the automator connection closed".to_string())?;
        match tokio::time::timeout(limit, rx).await {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => Err("the automator connection closed".into()),
            Err(_) if method == "App.callWxMethod" => Err(format!("did not open within {limit:?}")),
            Err(_) => Err(format!("{method} did not answer within {limit:?}")),
        }
    }

    /// Every event up to `mark` (sent now through the binding), sorted into what a page's
    /// row reports.
    async fn events_until(&mut self, mark: &str) -> Seen {
        let mut seen = Seen::default();
        let sent = self
            .call(
                "App.callFunction",
                json!({"functionDeclaration": MARK, "args": [BINDING, mark]}),
                STEP,
            )
            .await;
        // Without the mark (the app is gone), take what has come.
        let limit = if sent.is_ok() {
            Duration::from_secs(5)
        } else {
            Duration::from_millis(200)
        };
        let deadline = tokio::time::sleep(limit);
        tokio::pin!(deadline);
        loop {
            let ev = tokio::select! {
                ev = self.events.recv() => match ev { Some(ev) => ev, None => break },
                _ = &mut deadline => break,
            };
            let params = &ev["params"];
            match ev["method"].as_str().unwrap_or("") {
                "App.exceptionThrown" => {
                    let text = params["stack"]
                        .as_str()
                        .or_else(|| params["message"].as_str())
                        .unwrap_or("");
                    let e = page_error(text);
                    if !seen.errors.contains(&e) {
                        seen.errors.push(e);
                    }
                }
                "App.logAdded" if params["type"] == "error" => {
                    let text = params["args"][0].as_str().unwrap_or("");
                    if let Some(rest) = text.strip_prefix("Component is not found in path \"")
                        && let Some(path) = rest.split('"').next()
                        && !seen.missing_components.iter().any(|p| p == path)
                    {
                        seen.missing_components.push(path.to_string());
                    }
                }
                "App.bindingCalled" if params["name"] == BINDING => {
                    let arg = params["args"][0].as_str().unwrap_or("");
                    if arg == mark {
                        break;
                    }
                    if !arg.starts_with('#') && !seen.unsupported.iter().any(|a| a == arg) {
                        seen.unsupported.push(arg.to_string());
                    }
                }
                _ => {}
            }
        }
        seen
    }
}
