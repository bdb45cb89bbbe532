//! Several mini-programs at once, as a host app runs them: one foreground app, others kept in
//! the background, and `wx.navigateToMiniProgram` / `navigateBackMiniProgram` between them
//! with `extraData`. Each app is its own container: its own QuickJS runtime, its own data
//! directory, its own policy; they share nothing but this manager.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};

use cove_container::guard::ReleaseSink;
use cove_container::{App, AppError, Host, HostNetwork, LaunchError, Level, Reply};
use cove_protocol::view::ViewMessage;
use serde_json::{Value, json};

use crate::sdk::{Launch, SdkError};

/// WeChat's scenes for "opened by another mini-program" and "back from one".
pub const SCENE_FROM_MINI_PROGRAM: u32 = 1037;
pub const SCENE_BACK_FROM_MINI_PROGRAM: u32 = 1038;

/// What the host app is told.
#[derive(Debug, Clone, PartialEq)]
pub enum RuntimeEvent {
    Launched {
        app_id: String,
        version_code: u64,
        offline: bool,
    },
    Shown {
        app_id: String,
    },
    Hidden {
        app_id: String,
    },
    Exited {
        app_id: String,
    },
    Error {
        app_id: String,
        message: String,
    },
}

/// The host app's side of the runtime.
pub trait HostApp: Send + Sync + 'static {
    /// Where `app_id`'s messages go: its view and the host's UI for it.
    fn host_for(&self, app_id: &str) -> Arc<dyn Host>;
    fn event(&self, event: RuntimeEvent);
}

/// Finds a mini-program ready to run: [`crate::Sdk::prepare`] for a user, in a host app.
pub type Prepare = Box<dyn Fn(&str) -> Result<Launch, SdkError> + Send + Sync>;

/// Whether the platform offers a newer version of an app than the running one:
/// [`crate::Sdk::check_update`] for the user.
pub type CheckUpdate = Arc<dyn Fn(&str) -> Result<bool, SdkError> + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Sdk(#[from] SdkError),
    #[error("{0}")]
    App(#[from] AppError),
    #[error("{0} is not running")]
    NotRunning(String),
    #[error(transparent)]
    Launch(#[from] LaunchError),
}

/// How the runtime runs apps for one signed-in user of the host app.
#[derive(Clone, Default)]
pub struct RuntimeOptions {
    /// How many apps stay alive in the background; the oldest beyond it is closed (0: 5).
    pub max_background: usize,
    /// The host app's user: for the release events of personal data.
    pub user_id: String,
    /// The host's own custom APIs (each also needs the platform's `host_apis` grant).
    pub host_apis: Vec<String>,
    /// Where releases of personal data go (the SDK's event batches, say).
    pub releases: Option<ReleaseSink>,
    /// `wx.getUpdateManager`: asks the platform; without it, there is never an update.
    pub check_update: Option<CheckUpdate>,
    /// The host's own network settings (intranet ranges, pins, extra roots) on top of each
    /// app's signed domain lists.
    pub network: HostNetwork,
}

struct Running {
    app_id: String,
    app: App,
}

/// The mini-programs of one host app.
pub struct Runtime {
    host: Arc<dyn HostApp>,
    prepare: Prepare,
    data_root: PathBuf,
    options: RuntimeOptions,
    /// Foreground last. Held while an app runs, so the apps' own threads never take it.
    stack: Mutex<Vec<Running>>,
    /// App → the app that opened it; what an app's thread may ask about.
    openers: Mutex<std::collections::HashMap<String, String>>,
    me: Weak<Runtime>,
}

impl Runtime {
    pub fn new(host: Arc<dyn HostApp>, prepare: Prepare, data_root: PathBuf) -> Arc<Runtime> {
        Self::with_options(host, prepare, data_root, RuntimeOptions::default())
    }

    pub fn with_options(
        host: Arc<dyn HostApp>,
        prepare: Prepare,
        data_root: PathBuf,
        mut options: RuntimeOptions,
    ) -> Arc<Runtime> {
        if options.max_background == 0 {
            options.max_background = 5;
        }
        Arc::new_cyclic(|me| Runtime {
            host,
            prepare,
            data_root,
            options,
            stack: Mutex::new(vec![]),
            openers: Mutex::default(),
            me: me.clone(),
        })
    }

    fn stack(&self) -> std::sync::MutexGuard<'_, Vec<Running>> {
        self.stack.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The running apps, foreground last.
    pub fn running(&self) -> Vec<String> {
        self.stack().iter().map(|r| r.app_id.clone()).collect()
    }

    /// Run `f` on a running app (tests and the host's own calls).
    pub fn with_app<R>(&self, app_id: &str, f: impl FnOnce(&App) -> R) -> Option<R> {
        self.stack()
            .iter()
            .find(|r| r.app_id == app_id)
            .map(|r| f(&r.app))
    }

    /// Open `app_id` in the foreground (at `path`, or its entry page). An app already in the
    /// background comes back as it was.
    pub fn open(&self, app_id: &str, path: Option<&str>) -> Result<(), RuntimeError> {
        self.open_from(app_id, path, None)
    }

    fn open_from(
        &self,
        app_id: &str,
        path: Option<&str>,
        from: Option<(&str, Value)>,
    ) -> Result<(), RuntimeError> {
        let mut stack = self.stack();
        if let Some(top) = stack.last() {
            if top.app_id == app_id {
                return Ok(());
            }
            top.app.send_message(&ViewMessage::Hide {})?;
            self.host.event(RuntimeEvent::Hidden {
                app_id: top.app_id.clone(),
            });
        }
        if let Some(i) = stack.iter().position(|r| r.app_id == app_id) {
            let r = stack.remove(i);
            let mut show = ViewMessage::Show {
                referrer_info: None,
                scene: None,
            };
            if let Some((opener, extra)) = &from {
                show = ViewMessage::Show {
                    referrer_info: Some(json!({"appId": opener, "extraData": extra})),
                    scene: Some(SCENE_FROM_MINI_PROGRAM),
                };
                self.set_opener(app_id, Some(opener));
            }
            r.app.send_message(&show)?;
            stack.push(r);
            self.host.event(RuntimeEvent::Shown {
                app_id: app_id.into(),
            });
            return Ok(());
        }
        let launch = (self.prepare)(app_id)?;
        let (version_code, offline) = (launch.version_code, launch.offline);
        // The launcher derives the rest from the verified package, the signed policy and the
        // host's secrets: the platform's grants and privacy rules stand between the app and
        // the host, and its storage is encrypted.
        let mut launcher = launch.launcher;
        let o = &mut launcher.options;
        if let Some((opener, extra)) = &from {
            o.scene = SCENE_FROM_MINI_PROGRAM;
            o.referrer = Some(json!({"appId": opener, "extraData": extra}));
        }
        o.user_id = self.options.user_id.clone();
        o.host_apis = self.options.host_apis.clone();
        o.releases = self.options.releases.clone();
        o.network = self.options.network.clone();
        // Inside the guard: the runtime's own APIs (navigation between mini-programs,
        // updates) are answered here, the rest by the host's UI for the app.
        let host: Arc<dyn Host> = Arc::new(Routed {
            inner: self.host.host_for(app_id),
            runtime: self.me.clone(),
            app_id: app_id.to_string(),
        });
        let app = launcher.launch(&self.data_root.join(app_id), host, path)?;
        self.host.event(RuntimeEvent::Launched {
            app_id: app_id.into(),
            version_code,
            offline,
        });
        self.set_opener(app_id, from.map(|(o, _)| o));
        stack.push(Running {
            app_id: app_id.to_string(),
            app,
        });
        // Background apps beyond the limit are closed, oldest first.
        while stack.len() > self.options.max_background + 1 {
            let old = stack.remove(0);
            self.host.event(RuntimeEvent::Exited { app_id: old.app_id });
        }
        Ok(())
    }

    fn opener(&self, app_id: &str) -> Option<String> {
        self.openers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(app_id)
            .cloned()
    }

    fn set_opener(&self, app_id: &str, opener: Option<&str>) {
        let mut o = self.openers.lock().unwrap_or_else(|e| e.into_inner());
        match opener {
            Some(by) => o.insert(app_id.to_string(), by.to_string()),
            None => o.remove(app_id),
        };
    }

    /// Close `app_id` and launch it again, in place, on its newest installed version.
    pub fn restart(&self, app_id: &str) -> Result<(), RuntimeError> {
        let opener = self.opener(app_id);
        {
            let mut stack = self.stack();
            let i = stack
                .iter()
                .position(|r| r.app_id == app_id)
                .ok_or_else(|| RuntimeError::NotRunning(app_id.into()))?;
            drop(stack.remove(i));
        }
        self.host.event(RuntimeEvent::Exited {
            app_id: app_id.into(),
        });
        self.set_opener(app_id, None);
        let from = opener.map(|o| (o, json!({})));
        self.open_from(
            app_id,
            None,
            from.as_ref().map(|(o, e)| (o.as_str(), e.clone())),
        )
    }

    /// Close `app_id`; the app below it (if any) comes to the foreground, told `back` (the
    /// `extraData` of navigateBackMiniProgram) when it opened the closed one.
    pub fn close(&self, app_id: &str, back: Option<Value>) -> Result<(), RuntimeError> {
        let mut stack = self.stack();
        let i = stack
            .iter()
            .position(|r| r.app_id == app_id)
            .ok_or_else(|| RuntimeError::NotRunning(app_id.into()))?;
        let closed = stack.remove(i);
        let was_top = i == stack.len();
        let opener = self.opener(app_id);
        self.set_opener(app_id, None);
        drop(closed);
        self.host.event(RuntimeEvent::Exited {
            app_id: app_id.into(),
        });
        if was_top && let Some(top) = stack.last() {
            let show = if opener.as_deref() == Some(top.app_id.as_str()) {
                ViewMessage::Show {
                    referrer_info: Some(
                        json!({"appId": app_id, "extraData": back.unwrap_or(json!({}))}),
                    ),
                    scene: Some(SCENE_BACK_FROM_MINI_PROGRAM),
                }
            } else {
                ViewMessage::Show {
                    referrer_info: None,
                    scene: None,
                }
            };
            top.app.send_message(&show)?;
            self.host.event(RuntimeEvent::Shown {
                app_id: top.app_id.clone(),
            });
        }
        Ok(())
    }
}

/// An app's host, with the runtime's own APIs in front: navigation between mini-programs
/// is the runtime's business, not the host UI's.
struct Routed {
    inner: Arc<dyn Host>,
    runtime: Weak<Runtime>,
    app_id: String,
}

impl Host for Routed {
    fn send(&self, msg: &str) {
        if msg.starts_with(r#"{"t":"error""#)
            && let Some(rt) = self.runtime.upgrade()
        {
            let message = serde_json::from_str::<Value>(msg)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_string));
            rt.host.event(RuntimeEvent::Error {
                app_id: self.app_id.clone(),
                message: message.unwrap_or_default(),
            });
        }
        self.inner.send(msg)
    }

    fn console(&self, level: Level, text: &str) {
        self.inner.console(level, text)
    }

    fn net_log(&self, entry: Value) {
        self.inner.net_log(entry)
    }

    fn request(&self, api: &str, args: Value, reply: Reply) {
        let Some(rt) = self.runtime.upgrade() else {
            return reply.fail("fail the host is shutting down");
        };
        let from = self.app_id.clone();
        // The caller's JS thread is inside this call: switch apps on another thread.
        match api {
            "navigateToMiniProgram" => {
                let Some(target) = args["appId"].as_str().map(str::to_string) else {
                    return reply.fail("fail parameter error: parameter.appId should be String");
                };
                if target == from {
                    return reply.fail("fail cannot navigate to the current mini-program");
                }
                let path = args["path"]
                    .as_str()
                    .filter(|p| !p.is_empty())
                    .map(str::to_string);
                let extra = args.get("extraData").cloned().unwrap_or(json!({}));
                std::thread::spawn(move || {
                    match rt.open_from(&target, path.as_deref(), Some((&from, extra))) {
                        Ok(()) => reply.ok(json!({})),
                        Err(e) => reply.fail(format!("fail {e}")),
                    }
                });
            }
            // wx.getUpdateManager: check, then fetch in the background and say when it is
            // ready; applyUpdate restarts the app on the new version.
            "updateManager.check" => {
                let Some(check) = rt.options.check_update.clone() else {
                    return reply.ok(json!({"hasUpdate": false}));
                };
                std::thread::spawn(move || {
                    let has = check(&from).unwrap_or(false);
                    reply.ok(json!({"hasUpdate": has}));
                    if !has {
                        return;
                    }
                    let state = match (rt.prepare)(&from) {
                        Ok(_) => "ready",
                        Err(e) => {
                            tracing::warn!("update of {from}: {e}");
                            "failed"
                        }
                    };
                    let update = ViewMessage::Update {
                        state: state.into(),
                    };
                    let sent = rt.with_app(&from, |a| a.send_message(&update));
                    if let Some(Err(e)) = sent {
                        tracing::warn!("telling {from} of its update: {e}");
                    }
                });
            }
            "updateManager.apply" => {
                reply.ok(json!({}));
                std::thread::spawn(move || {
                    if let Err(e) = rt.restart(&from) {
                        tracing::warn!("restarting {from}: {e}");
                    }
                });
            }
            "navigateBackMiniProgram" | "exitMiniProgram" => {
                let back = args.get("extraData").cloned();
                let opened = rt.opener(&from).is_some();
                if api == "navigateBackMiniProgram" && !opened {
                    return reply.fail(
                        "fail cannot navigate back: this mini-program was not opened by another",
                    );
                }
                // Answer first: the app is about to be closed.
                reply.ok(json!({}));
                std::thread::spawn(move || {
                    if let Err(e) = rt.close(&from, back) {
                        tracing::warn!("closing {from}: {e}");
                    }
                });
            }
            _ => self.inner.request(api, args, reply),
        }
    }
}
