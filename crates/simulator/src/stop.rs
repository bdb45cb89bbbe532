//! Why an app is no longer running. The phone's error screen, the console and Problems
//! panels, the terminal and the automator's answers all say the same thing, so that an app
//! that did not start never leaves a blank screen and a bare "the app is gone".

use std::time::Duration;

use cove_container::{AppError, Limits, RunError};
use serde_json::{Value, json};

/// Where the app was when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Loading the package: the runtime, the modules, the templates, `app.js`.
    Load,
    /// `App.onLaunch`, `onShow` and the entry page.
    Start,
    /// After it started: a view message, an automator step.
    Running,
}

/// An app that stopped for good, with a stable code for the Problems panel and the tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Stop {
    /// `app-load-failed`, `app-start-failed`, `app-out-of-memory`, `app-hung`, `app-crashed`.
    pub code: &'static str,
    /// One line for a person: "The app did not start".
    pub title: String,
    /// The reason, as the container gave it.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

impl Stop {
    /// The container cannot go on. `None`: the error is the app's own and it keeps running
    /// (an exception, a turn cut at its CPU limit after it started, a refused message). Out of
    /// memory is fatal at any time, as WeChat closes a mini-program that exhausts its memory.
    pub fn from_error(stage: Stage, e: &AppError, limits: &Limits) -> Option<Stop> {
        let title = match stage {
            Stage::Load => "The app did not load",
            Stage::Start => "The app did not start",
            Stage::Running => "The app stopped",
        };
        let message = e.to_string();
        let (code, help) = match e {
            AppError::Js(RunError::OutOfMemory) => (
                "app-out-of-memory",
                format!(
                    "The app's JS heap is limited to {} MB. Look for data that grows without bound, \
                     or a huge setData, in app.js, App.onLaunch and the entry page.",
                    limits.memory >> 20
                ),
            ),
            AppError::Js(RunError::Timeout(d)) if stage != Stage::Running => (
                "app-hung",
                format!(
                    "A turn of JS may run {} at most: look for an endless loop in app.js, \
                     App.onLaunch or the entry page's onLoad.",
                    secs(*d)
                ),
            ),
            AppError::Js(RunError::Hung) => (
                "app-hung",
                format!(
                    "A built-in call ran past the {} CPU-time limit, where the interrupt cannot \
                     reach, and the app's JS instance was abandoned. Reload to start it again.",
                    secs(limits.cpu_time)
                ),
            ),
            AppError::Js(RunError::Stopped | RunError::Start(_)) => (
                "app-crashed",
                "The app's JS instance ended. This is a fault in Cove: please report it with the \
                 terminal's log. Reload to start the app again."
                    .to_string(),
            ),
            _ if stage == Stage::Running => return None,
            AppError::Io { .. } | AppError::Package(_) => (
                "app-load-failed",
                "A file of the compiled package is missing or invalid. Rebuild it (cove build), \
                 or save a file of the project so that cove dev compiles it again."
                    .to_string(),
            ),
            AppError::Service(_) => (
                "app-load-failed",
                "The app's storage or file sandbox could not be opened in the simulator's data \
                 folder (--data-dir): check that it is writable."
                    .to_string(),
            ),
            _ if stage == Stage::Load => (
                "app-load-failed",
                "The runtime could not load the app's code. The console has the details."
                    .to_string(),
            ),
            _ => (
                "app-start-failed",
                "App.onLaunch or the entry page stopped the launch. The console has the details."
                    .to_string(),
            ),
        };
        Some(Stop {
            code,
            title: title.to_string(),
            message,
            help,
        })
    }

    /// The driver thread of the app panicked (a fault in Cove, never the app's).
    pub fn panicked(payload: &(dyn std::any::Any + Send)) -> Stop {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_string());
        Stop {
            code: "app-crashed",
            title: "The simulator's driver for this app crashed".into(),
            message: format!("panicked: {what}"),
            help: "This is a fault in Cove, not in the app: please report it with the \
                   terminal's log. Reload to start the app again."
                .into(),
        }
    }

    /// One line: what the automator answers, what the terminal logs.
    pub fn sentence(&self) -> String {
        format!("{}: {}", self.title, self.message)
    }

    pub fn to_json(&self) -> Value {
        json!({"code": self.code, "title": self.title, "message": self.message, "help": self.help})
    }
}

fn secs(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn each_failure_has_its_code() {
        let io = AppError::Io {
            path: PathBuf::from("app.js"),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        let s = Stop::from_error(Stage::Load, &io, &limits()).unwrap();
        assert_eq!(s.code, "app-load-failed");
        assert_eq!(s.title, "The app did not load");
        assert!(s.message.contains("app.js"), "{}", s.message);

        let oom = AppError::Js(RunError::OutOfMemory);
        let s = Stop::from_error(Stage::Start, &oom, &limits()).unwrap();
        assert_eq!(s.code, "app-out-of-memory");
        assert!(s.help.contains("256 MB"), "{}", s.help);

        let slow = AppError::Js(RunError::Timeout(Duration::from_secs(5)));
        let s = Stop::from_error(Stage::Load, &slow, &limits()).unwrap();
        assert_eq!(
            (s.code, s.title.as_str()),
            ("app-hung", "The app did not load")
        );
        assert!(s.help.contains("5 s"), "{}", s.help);

        let threw = AppError::Js(RunError::Exception("Error: boom".into()));
        let s = Stop::from_error(Stage::Start, &threw, &limits()).unwrap();
        assert_eq!(s.code, "app-start-failed");
        assert_eq!(s.sentence(), "The app did not start: uncaught Error: boom");
    }

    #[test]
    fn a_running_app_survives_its_own_errors_but_not_a_dead_instance() {
        let mine = [
            AppError::Js(RunError::Exception("TypeError".into())),
            AppError::Js(RunError::Timeout(Duration::from_secs(5))),
            AppError::Js(RunError::OutOfMemory),
            AppError::Rejected("unknown message".into()),
        ];
        for e in &mine {
            let stop = Stop::from_error(Stage::Running, e, &limits());
            if matches!(e, AppError::Js(RunError::OutOfMemory)) {
                assert_eq!(stop.unwrap().code, "app-out-of-memory");
                continue;
            }
            assert_eq!(stop, None, "{e}");
        }
        let hung = Stop::from_error(Stage::Running, &AppError::Js(RunError::Hung), &limits());
        assert_eq!(hung.unwrap().code, "app-hung");
        let gone = Stop::from_error(Stage::Running, &AppError::Js(RunError::Stopped), &limits());
        assert_eq!(gone.unwrap().title, "The app stopped");
    }

    #[test]
    fn a_panic_says_what_panicked() {
        let payload: Box<dyn std::any::Any + Send> = Box::new("index out of bounds");
        let s = Stop::panicked(&*payload);
        assert_eq!(s.code, "app-crashed");
        assert_eq!(s.message, "panicked: index out of bounds");
    }
}
