//! The host `cove check` runs an app with: it answers what a phone would answer (the
//! simulator's fixed device answers; the first button of a dialog), and records, per page
//! being opened, the uncaught errors, the unsupported `wx` calls and when the first drawing
//! operation arrived.

use std::sync::Mutex;
use std::time::Instant;

use cove_container::{Host, Level, Reply};
use serde_json::{Value, json};

use crate::report::PageError;

#[derive(Default)]
pub struct CheckHost {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    started: Option<Instant>,
    first_ops: Option<f64>,
    errors: Vec<PageError>,
    /// Errors thrown while a page closed (its `onUnload`, its components' `detached`).
    closing_errors: Vec<PageError>,
    unsupported: Vec<String>,
    /// `Component is not found in path "…"` lines: the runtime's report of missing components.
    missing_components: Vec<String>,
}

/// What one page's load produced.
pub struct Observed {
    pub first_ops_ms: Option<f64>,
    pub errors: Vec<PageError>,
    /// Errors of the page that closed as this one opened: the previous page's.
    pub closing_errors: Vec<PageError>,
    pub unsupported: Vec<String>,
    pub missing_components: Vec<String>,
}

impl CheckHost {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Start recording for a new page.
    pub fn begin(&self) {
        *self.state() = State {
            started: Some(Instant::now()),
            ..State::default()
        };
    }

    /// What was recorded since [`begin`](Self::begin).
    pub fn take(&self) -> Observed {
        let s = std::mem::take(&mut *self.state());
        Observed {
            first_ops_ms: s.first_ops,
            errors: s.errors,
            closing_errors: s.closing_errors,
            unsupported: s.unsupported,
            missing_components: s.missing_components,
        }
    }
}

impl Host for CheckHost {
    fn send(&self, msg: &str) {
        let Ok(v) = serde_json::from_str::<Value>(msg) else {
            return;
        };
        let mut s = self.state();
        match v["t"].as_str() {
            Some("ops") if s.first_ops.is_none() => {
                s.first_ops = s.started.map(|t| t.elapsed().as_secs_f64() * 1000.0);
            }
            Some("error") => {
                tracing::debug!(target: "cove::check", "uncaught: {}", v["message"]);
                let e = page_error(v["message"].as_str().unwrap_or(""));
                let list = if v["closing"] == true {
                    &mut s.closing_errors
                } else {
                    &mut s.errors
                };
                if !list.contains(&e) {
                    list.push(e);
                }
            }
            Some("unsupported") => {
                if let Some(api) = v["api"].as_str()
                    && !s.unsupported.iter().any(|a| a == api)
                {
                    s.unsupported.push(api.to_string());
                }
            }
            _ => {}
        }
    }

    fn console(&self, level: Level, text: &str) {
        tracing::debug!(target: "cove::console", level = level.as_str(), "{text}");
        if level == Level::Error
            && let Some(rest) = text.strip_prefix("Component is not found in path \"")
            && let Some(path) = rest.split('"').next()
        {
            let mut s = self.state();
            if !s.missing_components.iter().any(|p| p == path) {
                s.missing_components.push(path.to_string());
            }
        }
    }

    fn request(&self, api: &str, args: Value, reply: Reply) {
        match api {
            // No view: nothing is laid out.
            "layout" | "canvas" => reply.ok(Value::Null),
            "showModal" => reply.ok(json!({"confirm": true, "cancel": false})),
            "showActionSheet" => reply.fail("fail cancel".to_string()),
            _ => match cove_simulator::device_answer(api, &args) {
                Some(v) => reply.ok(v),
                None => reply.fail(format!("fail {api} is not available in cove check")),
            },
        }
    }
}

/// An uncaught error as the container reports it (`message\nstack`), reduced to its first
/// line and the innermost frame in the app's own code.
pub fn page_error(text: &str) -> PageError {
    let mut lines = text.lines();
    let message = lines.next().unwrap_or("").trim().to_string();
    let location = lines.find_map(frame_location);
    PageError { message, location }
}

/// `    at f (pages/a/a.js:12:5)` -> `pages/a/a.js:12:5`, for the app's files only (the
/// runtime's own scripts are named `cove:…` or are the embedded libraries).
fn frame_location(line: &str) -> Option<String> {
    let line = line.trim().strip_prefix("at ")?;
    let inner = match (line.rfind('('), line.ends_with(')')) {
        (Some(i), true) => &line[i + 1..line.len() - 1],
        _ => line,
    };
    let file = inner.split(':').next()?;
    let own = !file.is_empty()
        && !file.starts_with("cove:")
        && !file.contains("glass_easel")
        && file != "native"
        && file != "wxml.js"
        && (file.ends_with(".js") || file.ends_with(".json"));
    own.then(|| inner.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_innermost_frame_of_app_code_is_the_location() {
        let e = page_error(
            "TypeError: cannot read property 'x' of undefined\n    at get (cove:runtime:10:2)\n    at onLoad (pages/a/a.js:12:5)\n    at <anonymous> (app.js:3:1)",
        );
        assert_eq!(
            e.message,
            "TypeError: cannot read property 'x' of undefined"
        );
        assert_eq!(e.location.as_deref(), Some("pages/a/a.js:12:5"));
        assert_eq!(page_error("boom").location, None);
    }
}
