//! The developer panels' feed: console, network, state, compile results. Every panel gets
//! every message; the last few hundred are replayed to a panel that connects late, so the
//! launch logs are never lost to the order in which pages load.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use tokio::sync::broadcast;

const BACKLOG: usize = 500;

#[derive(Clone)]
pub struct Devtools {
    tx: broadcast::Sender<Arc<str>>,
    backlog: Arc<Mutex<VecDeque<Arc<str>>>>,
}

impl Default for Devtools {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(1024).0,
            backlog: Arc::default(),
        }
    }
}

impl Devtools {
    pub fn send(&self, msg: Value) {
        let text: Arc<str> = msg.to_string().into();
        // `state` is a snapshot: only the latest matters, so it is not kept.
        if msg["t"] != "state" {
            let mut b = self.backlog.lock().unwrap_or_else(|e| e.into_inner());
            if b.len() == BACKLOG {
                b.pop_front();
            }
            b.push_back(text.clone());
        }
        let _ = self.tx.send(text);
    }

    pub fn console(&self, level: &str, text: &str) {
        let time = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        self.send(json!({"t": "console", "level": level, "text": text, "time": time}));
    }

    pub fn has_listeners(&self) -> bool {
        self.tx.receiver_count() > 0
    }

    /// What a new panel sees first, and its live feed.
    pub fn subscribe(&self) -> (Vec<Arc<str>>, broadcast::Receiver<Arc<str>>) {
        let b = self.backlog.lock().unwrap_or_else(|e| e.into_inner());
        (b.iter().cloned().collect(), self.tx.subscribe())
    }
}
