//! A headless Chromium for views no one watches (`cove test-server`, or an automator that
//! connects when no browser is open), driven over the DevTools protocol for what a page
//! cannot do itself: device metrics and screenshots.
//!
//! Only four CDP commands are used, so this speaks them over one WebSocket rather than
//! pulling in a full generated CDP client.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error(
        "no Chromium found: install Debian's `chromium` package, or set COVE_CHROMIUM to a Chrome or Chromium binary"
    )]
    NotFound,
    #[error("cannot start {path}: {source}")]
    Spawn {
        path: String,
        source: std::io::Error,
    },
    #[error("Chromium did not open its DevTools port within 20 s")]
    NoPort,
    #[error("DevTools connection: {0}")]
    Cdp(String),
}

type Waiters = Arc<std::sync::Mutex<HashMap<u64, oneshot::Sender<Result<Value, String>>>>>;

/// One headless Chromium with one page.
pub struct Browser {
    child: Mutex<Option<tokio::process::Child>>,
    to_cdp: mpsc::UnboundedSender<String>,
    waiters: Waiters,
    next_id: AtomicU64,
    session: String,
    _profile: tempfile::TempDir,
}

/// The Chromium to run: `COVE_CHROMIUM`, else the first of the usual names on `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("COVE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome", "chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

impl Browser {
    /// Start Chromium, open one page with a phone's metrics, and load `url` in it.
    pub async fn launch(
        url: &str,
        width: u32,
        height: u32,
        ratio: f64,
    ) -> Result<Browser, BrowserError> {
        let exe = find_chromium().ok_or(BrowserError::NotFound)?;
        let profile = tempfile::Builder::new()
            .prefix("cove-chromium-")
            .tempdir()
            .map_err(|source| BrowserError::Spawn {
                path: "a temporary profile".into(),
                source,
            })?;
        let mut cmd = tokio::process::Command::new(&exe);
        cmd.args([
            "--headless=new",
            "--remote-debugging-port=0",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-timer-throttling",
            "--disable-renderer-backgrounding",
            "--hide-scrollbars",
            "--mute-audio",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
        // Chromium's sandbox needs user namespaces, which root in a container lacks.
        if is_root() {
            cmd.arg("--no-sandbox");
        }
        let child = cmd.spawn().map_err(|source| BrowserError::Spawn {
            path: exe.display().to_string(),
            source,
        })?;
        let endpoint = wait_for_endpoint(profile.path()).await?;
        let (ws, _) = tokio_tungstenite::connect_async(endpoint.as_str())
            .await
            .map_err(|e| BrowserError::Cdp(e.to_string()))?;
        let (mut sink, mut stream) = ws.split();
        let (to_cdp, mut outbox) = mpsc::unbounded_channel::<String>();
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
                let Some(id) = v.get("id").and_then(Value::as_u64) else {
                    continue;
                };
                let Some(tx) = w.lock().unwrap_or_else(|e| e.into_inner()).remove(&id) else {
                    continue;
                };
                let _ = tx.send(match v.get("error") {
                    Some(e) => Err(e["message"].as_str().unwrap_or("error").to_string()),
                    None => Ok(v["result"].clone()),
                });
            }
        });
        let mut browser = Browser {
            child: Mutex::new(Some(child)),
            to_cdp,
            waiters,
            next_id: AtomicU64::new(1),
            session: String::new(),
            _profile: profile,
        };
        let target = browser
            .send(None, "Target.createTarget", json!({"url": "about:blank"}))
            .await?;
        let attached = browser
            .send(
                None,
                "Target.attachToTarget",
                json!({"targetId": target["targetId"], "flatten": true}),
            )
            .await?;
        browser.session = attached["sessionId"].as_str().unwrap_or("").to_string();
        let s = Some(browser.session.clone());
        browser
            .send(
                s.clone(),
                "Emulation.setDeviceMetricsOverride",
                json!({"width": width, "height": height, "deviceScaleFactor": ratio, "mobile": true}),
            )
            .await?;
        browser
            .send(s, "Page.navigate", json!({"url": url}))
            .await?;
        Ok(browser)
    }

    async fn send(
        &self,
        session: Option<String>,
        method: &str,
        params: Value,
    ) -> Result<Value, BrowserError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let (tx, rx) = oneshot::channel();
        self.waiters
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, tx);
        self.to_cdp
            .send(msg.to_string())
            .map_err(|_| BrowserError::Cdp("Chromium has gone".into()))?;
        match tokio::time::timeout(Duration::from_secs(30), rx).await {
            Ok(Ok(r)) => r.map_err(|e| BrowserError::Cdp(format!("{method}: {e}"))),
            Ok(Err(_)) => Err(BrowserError::Cdp("Chromium has gone".into())),
            Err(_) => Err(BrowserError::Cdp(format!("{method} timed out"))),
        }
    }

    /// A PNG of the page as the phone shows it, base64.
    pub async fn screenshot(&self) -> Result<String, BrowserError> {
        let r = self
            .send(
                Some(self.session.clone()),
                "Page.captureScreenshot",
                json!({"format": "png"}),
            )
            .await?;
        Ok(r["data"].as_str().unwrap_or_default().to_string())
    }

    /// Close Chromium and everything it started.
    pub async fn close(&self) {
        let _ = tokio::time::timeout(
            Duration::from_secs(3),
            self.send(None, "Browser.close", json!({})),
        )
        .await;
        let child = self.child.lock().await.take();
        if let Some(mut child) = child
            && tokio::time::timeout(Duration::from_secs(3), child.wait())
                .await
                .is_err()
        {
            let _ = child.kill().await;
        }
    }
}

/// Chromium writes its port and browser path to `DevToolsActivePort` in the profile.
async fn wait_for_endpoint(profile: &Path) -> Result<String, BrowserError> {
    let file = profile.join("DevToolsActivePort");
    for _ in 0..200 {
        if let Ok(text) = tokio::fs::read_to_string(&file).await {
            let mut lines = text.lines();
            if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                return Ok(format!("ws://127.0.0.1:{}{}", port.trim(), path.trim()));
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(BrowserError::NoPort)
}

fn is_root() -> bool {
    // The effective uid without libc: /proc/self/status has "Uid: real effective ...".
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}
