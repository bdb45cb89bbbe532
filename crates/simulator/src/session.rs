//! One view connection: one container app, driven on a thread of its own.
//!
//! The view's messages go to the app; what the app sends goes to the view. Host requests the
//! view must answer (`showModal`, layout queries) travel as `request`/`reply` pairs;
//! the simulator answers device APIs itself with fixed, documented values.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cove_container::{App, AppConfig, AppError, Host, Level, Reply};
use cove_protocol::view::{HostMessage, ThemeName, ViewMessage};
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::{broadcast, oneshot};

use crate::devtools::Devtools;
use crate::stop::{Stage, Stop};

/// Work for the driver thread, with the app (the automator's container steps).
pub type Job = Box<dyn FnOnce(&App) + Send>;

/// What a session's driver thread is asked to do.
pub enum Inbound {
    /// A message from the view, for the app (which refuses one off the protocol).
    View(Value),
    /// A `host` call from the view (`navigate`, `openType`), answered with `hostReply`.
    Host { id: u64, api: String, args: Value },
    /// The devtools asked to clear the app's storage.
    ClearStorage,
    /// Push the panels' state now.
    RefreshState,
    /// Run this with the app, between two view messages.
    Automator(Job),
    /// The system theme changed (the simulator's light/dark switch).
    Theme(ThemeName),
}

/// The view-facing host of one app.
pub struct ViewHost {
    session: u64,
    to_view: UnboundedSender<String>,
    devtools: Devtools,
    pending: Mutex<HashMap<u64, Reply>>,
    next_request: AtomicU64,
    net_started: Mutex<HashMap<u64, Instant>>,
    /// Set when the app drew something; the driver then refreshes the panels.
    pub dirty: std::sync::atomic::AtomicBool,
    /// Uncaught errors of the mini-program, counted for the whole server.
    errors: Arc<AtomicU64>,
    /// Automator events (`{method, params}`): console, exceptions, bindings.
    automator: broadcast::Sender<Value>,
    /// The automator's view requests, by request id.
    view_calls: Mutex<HashMap<u64, oneshot::Sender<Result<Value, String>>>>,
    /// Opened by the Chromium cove started, so screenshots can be taken of it.
    pub launched_by_cove: bool,
    /// Set while the app loads and starts: its errors are launch problems.
    launching: std::sync::atomic::AtomicBool,
    /// Why the app stopped for good, once it has.
    stopped: Mutex<Option<Stop>>,
    /// Why the session ended without the app stopping (its view went away).
    ended: Mutex<Option<String>>,
}

impl ViewHost {
    pub fn new(
        session: u64,
        to_view: UnboundedSender<String>,
        devtools: Devtools,
        errors: Arc<AtomicU64>,
        automator: broadcast::Sender<Value>,
        launched_by_cove: bool,
    ) -> Self {
        Self {
            errors,
            automator,
            view_calls: Mutex::default(),
            launched_by_cove,
            session,
            to_view,
            devtools,
            pending: Mutex::default(),
            next_request: AtomicU64::new(1),
            net_started: Mutex::default(),
            dirty: Default::default(),
            launching: Default::default(),
            stopped: Mutex::default(),
            ended: Mutex::default(),
        }
    }

    /// The app stopped for good: the phone shows why (`fatal`), and so do the console and
    /// Problems panels (`appStopped`), the terminal and the automator. The first reason wins.
    pub fn stop(&self, stop: Stop) {
        {
            let mut slot = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
            if slot.is_some() {
                return;
            }
            *slot = Some(stop.clone());
        }
        self.errors.fetch_add(1, Ordering::Relaxed);
        tracing::error!(
            session = self.session,
            code = stop.code,
            "{}",
            stop.sentence()
        );
        let mut panel = stop.to_json();
        panel["t"] = json!("appStopped");
        panel["session"] = json!(self.session);
        self.devtools.send(panel);
        self.to_view(&HostMessage::Fatal {
            code: stop.code.to_string(),
            title: stop.title.clone(),
            message: stop.message.clone(),
            help: stop.help.clone(),
        });
        self.automator_event("App.exceptionThrown", || {
            json!({"message": stop.sentence(), "stack": format!("{}\n{}", stop.sentence(), stop.help)})
        });
    }

    /// Why the app stopped, if it did.
    pub fn stopped(&self) -> Option<Stop> {
        self.stopped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The session is over because its view went away (closed, reloaded, lost).
    pub fn end(&self, why: &str) {
        let mut slot = self.ended.lock().unwrap_or_else(|e| e.into_inner());
        slot.get_or_insert_with(|| why.to_string());
    }

    /// What an automator step says when it cannot reach the app any more.
    pub fn gone(&self) -> String {
        if let Some(stop) = self.stopped() {
            return stop.sentence();
        }
        match &*self.ended.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(why) => format!("the app is gone: {why}"),
            None => "the app is gone (its view disconnected or reloaded)".into(),
        }
    }

    /// The view answered request `id` with `ok` or `fail`.
    pub fn reply(&self, id: u64, ok: Option<Value>, fail: Option<String>) {
        let call = self
            .view_calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
        if let Some(tx) = call {
            let _ = tx.send(match fail {
                Some(f) => Err(f),
                None => Ok(ok.unwrap_or(Value::Null)),
            });
            return;
        }
        let Some(reply) = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id)
        else {
            return;
        };
        match fail {
            Some(f) => reply.fail(f),
            None => reply.ok(ok.unwrap_or_else(|| json!({}))),
        }
    }

    /// A message of the host's own for its view.
    pub fn to_view(&self, msg: &HostMessage) {
        let text = serde_json::to_string(msg).expect("a HostMessage is JSON");
        let _ = self.to_view.send(text);
    }

    /// Ask the view to act on or measure something for the automator (`docs/automator.md`);
    /// it goes after every message already sent, so the view has drawn what the app drew.
    pub fn view_call(&self, args: Value) -> oneshot::Receiver<Result<Value, String>> {
        let (tx, rx) = oneshot::channel();
        let id = self.next_request.fetch_add(1, Ordering::Relaxed);
        self.view_calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, tx);
        self.to_view(&HostMessage::Request {
            id,
            api: "automator".into(),
            args,
        });
        rx
    }

    /// `params` is built only when an automator client is connected (rarely).
    fn automator_event(&self, method: &str, params: impl FnOnce() -> Value) {
        if self.automator.receiver_count() == 0 {
            return;
        }
        let _ = self
            .automator
            .send(json!({"method": method, "params": params()}));
    }
}

impl Host for ViewHost {
    fn send(&self, msg: &str) {
        self.dirty.store(true, Ordering::Relaxed);
        if msg.starts_with(r#"{"t":"automator""#) {
            if let Ok(v) = serde_json::from_str::<Value>(msg) {
                self.automator_event(v["method"].as_str().unwrap_or(""), || v["params"].clone());
            }
            return;
        }
        if msg.starts_with(r#"{"t":"error""#) {
            self.errors.fetch_add(1, Ordering::Relaxed);
            if let Ok(v) = serde_json::from_str::<Value>(msg) {
                // An error while the app loads or opens its entry page is a launch problem
                // (the Problems panel lists it), not only a line in the console.
                let launch = self.launching.load(Ordering::Relaxed);
                self.devtools
                    .send(json!({"t": "error", "message": v["message"], "launch": launch}));
                self.automator_event("App.exceptionThrown", || {
                    let text = v["message"].as_str().unwrap_or("");
                    json!({"message": text.lines().next().unwrap_or(""), "stack": text})
                });
            }
        }
        let _ = self.to_view.send(msg.to_string());
    }

    fn console(&self, level: Level, text: &str) {
        tracing::debug!(target: "cove::console", level = level.as_str(), "{text}");
        self.devtools.console(level.as_str(), text);
        self.automator_event(
            "App.logAdded",
            || json!({"type": level.as_str(), "args": [text]}),
        );
    }

    fn request(&self, api: &str, args: Value, reply: Reply) {
        match api {
            "showModal" | "showActionSheet" | "layout" | "canvas" | "animate"
            | "clearAnimation" => {
                let id = self.next_request.fetch_add(1, Ordering::Relaxed);
                self.pending
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(id, reply);
                self.to_view(&HostMessage::Request {
                    id,
                    api: api.to_string(),
                    args,
                });
            }
            _ => match device_answer(api, &args) {
                Some(v) => reply.ok(v),
                None => reply.fail(format!("fail {api} is not available in the simulator")),
            },
        }
    }

    fn net_log(&self, mut entry: Value) {
        let id = entry["id"].as_u64().unwrap_or(0);
        let mut started = self.net_started.lock().unwrap_or_else(|e| e.into_inner());
        let phase = entry["phase"].as_str().unwrap_or("").to_string();
        if phase == "start" {
            started.insert(id, Instant::now());
        }
        let ms = started.get(&id).map(|t| t.elapsed().as_secs_f64() * 1000.0);
        if phase == "end" || phase == "fail" {
            started.remove(&id);
        }
        drop(started);
        let result = entry["result"].take();
        let msg = json!({
            "t": "network",
            "id": format!("{}-{id}", self.session),
            "kind": entry["kind"], "phase": phase, "url": entry["url"], "method": entry["method"],
            "requestHeaders": entry["header"],
            "status": result.get("statusCode").or_else(|| result.get("code")),
            "responseHeaders": result.get("header"),
            "bytes": entry["bytes"], "error": entry["error"],
            "ms": ms.map(|m| (m * 10.0).round() / 10.0),
        });
        self.devtools.send(msg);
    }
}

/// What WeChat DevTools' simulator answers without a device, so that apps that need these
/// APIs can be developed here (and checked: `cove check` answers with the same). `None`: the
/// API needs a person or hardware the simulator does not fake (payment, camera, scanning).
pub fn device_answer(api: &str, args: &Value) -> Option<Value> {
    Some(match api {
        "login" => json!({"code": format!("dev-{:016x}", rand_u64())}),
        "checkSession"
        | "vibrateShort"
        | "vibrateLong"
        | "setScreenBrightness"
        | "setKeepScreenOn"
        | "makePhoneCall"
        | "showShareMenu"
        | "hideShareMenu"
        | "updateShareMenu"
        | "addPhoneContact"
        | "exitMiniProgram"
        | "setEnableDebug"
        | "setVisualEffectOnCapture"
        | "requirePrivacyAuthorize"
        | "openPrivacyContract"
        | "authorize"
        | "addPhoneCalendar"
        | "addPhoneRepeatCalendar" => json!({}),
        // Tian'anmen Square, as WeChat DevTools' default simulated location is Beijing.
        "getLocation" | "getFuzzyLocation" => json!({
            "latitude": 39.9087, "longitude": 116.3975, "speed": 0, "accuracy": 65,
            "altitude": 0, "verticalAccuracy": 65, "horizontalAccuracy": 65,
        }),
        "getNetworkType" => {
            json!({"networkType": "wifi", "signalStrength": 100, "hasSystemProxy": false})
        }
        "getBatteryInfo" => {
            json!({"level": 100, "isCharging": true, "isLowPowerModeEnabled": false})
        }
        "getScreenBrightness" => json!({"value": 0.8}),
        "getScreenRecordingState" => json!({"state": "off"}),
        "getSetting" => {
            json!({"authSetting": {}, "subscriptionsSetting": {"mainSwitch": true, "itemSettings": {}}})
        }
        "openSetting" | "openAppAuthorizeSetting" => json!({"authSetting": {}}),
        "getPrivacySetting" => {
            json!({"needAuthorization": false, "privacyContractName": "《小程序隐私保护指引》"})
        }
        "checkIsSupportSoterAuthentication" => json!({"supportMode": []}),
        "setClipboardData" => {
            let text = args["data"].as_str().unwrap_or("").to_string();
            *clipboard() = text;
            json!({})
        }
        "getClipboardData" => json!({"data": clipboard().clone()}),
        // DevTools asks nothing and accepts every template.
        "requestSubscribeMessage" => {
            let mut r = serde_json::Map::new();
            for id in args["tmplIds"].as_array().into_iter().flatten() {
                if let Some(id) = id.as_str() {
                    r.insert(id.to_string(), json!("accept"));
                }
            }
            Value::Object(r)
        }
        // WeChat's own sample user and address, as the simulator gives them.
        "getUserProfile" | "getUserInfo" => {
            let user = json!({"nickName": "微信用户", "avatarUrl": "", "gender": 0,
                "country": "", "province": "", "city": "", "language": "zh_CN"});
            json!({"userInfo": user, "rawData": user.to_string(), "signature": "", "encryptedData": "", "iv": ""})
        }
        "chooseAddress" => json!({
            "userName": "张三", "postalCode": "510000", "provinceName": "广东省",
            "cityName": "广州市", "countyName": "海珠区", "detailInfo": "新港中路397号",
            "nationalCode": "510000", "telNumber": "020-81167888",
        }),
        _ => return None,
    })
}

/// The simulator's clipboard, shared by every app it runs (as the phone's is).
fn clipboard() -> std::sync::MutexGuard<'static, String> {
    static CLIPBOARD: Mutex<String> = Mutex::new(String::new());
    CLIPBOARD.lock().unwrap_or_else(|e| e.into_inner())
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish()
}

const STATE_EVERY: Duration = Duration::from_millis(200);

/// Launch the app and drive it until the view goes away (the channel closes). Whatever stops
/// the app for good, a panic of this thread included, is reported through [`ViewHost::stop`].
pub fn drive(
    config: AppConfig,
    host: Arc<ViewHost>,
    entry: Option<String>,
    inbound: std_mpsc::Receiver<Inbound>,
) {
    let h = host.clone();
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        run(config, &h, entry, inbound)
    }));
    if let Err(payload) = run {
        host.launching.store(false, Ordering::Relaxed);
        host.stop(Stop::panicked(&*payload));
    }
}

fn run(
    config: AppConfig,
    host: &Arc<ViewHost>,
    entry: Option<String>,
    inbound: std_mpsc::Receiver<Inbound>,
) {
    let devtools = host.devtools.clone();
    let limits = config.limits.clone();
    // A fatal error stops the app; anything else is the app's own and was reported already.
    let fatal = |stage: Stage, e: &AppError| match Stop::from_error(stage, e, &limits) {
        Some(stop) => {
            host.launching.store(false, Ordering::Relaxed);
            host.stop(stop);
            true
        }
        None => false,
    };
    host.launching.store(true, Ordering::Relaxed);
    let app = match App::load(config, host.clone()) {
        Ok(app) => app,
        Err(e) => {
            fatal(Stage::Load, &e);
            return;
        }
    };
    if let Err(e) = app.start(entry.as_deref()) {
        fatal(Stage::Start, &e);
        return;
    }
    host.launching.store(false, Ordering::Relaxed);
    push_state(&app, &devtools);
    let mut last_state = Instant::now();
    loop {
        match inbound.recv_timeout(STATE_EVERY) {
            Ok(Inbound::View(msg)) => {
                if let Err(e) = app.send(&msg) {
                    if fatal(Stage::Running, &e) {
                        return;
                    }
                    let text = format!("{e}");
                    devtools.console("error", &text);
                    host.to_view(&HostMessage::ViewRefused { message: text });
                }
            }
            Ok(Inbound::Host { id, api, args }) => {
                let (ok, fail) = match host_call(&app, &api, &args) {
                    Ok(v) => (Some(v), None),
                    Err(e) => (None, Some(e)),
                };
                host.to_view(&HostMessage::HostReply { id, ok, fail });
            }
            Ok(Inbound::ClearStorage) => {
                let _ = app.eval_json("wx.clearStorageSync(), null");
                host.dirty.store(true, Ordering::Relaxed);
            }
            Ok(Inbound::RefreshState) => host.dirty.store(true, Ordering::Relaxed),
            Ok(Inbound::Theme(theme)) => {
                let event = ViewMessage::Device {
                    event: "themeChange".into(),
                    data: Some(json!({ "theme": theme })),
                };
                if let Err(e) = app.send_message(&event) {
                    if fatal(Stage::Running, &e) {
                        return;
                    }
                    devtools.console("error", &format!("theme change: {e}"));
                }
            }
            Ok(Inbound::Automator(job)) => {
                job(&app);
                host.dirty.store(true, Ordering::Relaxed);
                // The step's own error went to the tester; a dead instance stops the app.
                if let Err(e) = app.settle()
                    && fatal(Stage::Running, &e)
                {
                    return;
                }
            }
            Err(std_mpsc::RecvTimeoutError::Timeout) => {}
            Err(std_mpsc::RecvTimeoutError::Disconnected) => break,
        }
        // At most five snapshots a second: a busy app must not flood the panels.
        if last_state.elapsed() >= STATE_EVERY && host.dirty.swap(false, Ordering::Relaxed) {
            push_state(&app, &devtools);
            last_state = Instant::now();
        }
    }
}

/// The view's calls into the host: a `navigator` tap, a button's `open-type`.
fn host_call(app: &App, api: &str, args: &Value) -> Result<Value, String> {
    match api {
        "navigate" => {
            let open = args["openType"].as_str().unwrap_or("navigate");
            let method = match open {
                "navigate" => "navigateTo",
                "redirect" => "redirectTo",
                "switchTab" => "switchTab",
                "reLaunch" => "reLaunch",
                "navigateBack" => "navigateBack",
                "exit" => return Err("fail exit is not available in the simulator".into()),
                other => return Err(format!("fail unknown open-type {other}")),
            };
            let opts = json!({"url": args["url"], "delta": args.get("delta").cloned().unwrap_or(json!(1))});
            app.eval_json(&format!("wx.{method}({opts}), null"))
                .map_err(|e| e.to_string())?;
            Ok(json!({}))
        }
        "openType" => match args["type"].as_str().unwrap_or("") {
            "share" => app
                .send_message(&ViewMessage::Share {
                    from: Some("button".into()),
                })
                .map_err(|e| e.to_string()),
            other => Err(format!(
                "fail open-type {other} is not available in the simulator"
            )),
        },
        other => Err(format!("fail {other} is not a host call")),
    }
}

const STORAGE_JS: &str = "(() => { const o = {}; for (const k of wx.getStorageInfoSync().keys) o[k] = wx.getStorageSync(k); return o; })()";

fn push_state(app: &App, devtools: &Devtools) {
    if !devtools.has_listeners() {
        return;
    }
    let stack = app.page_stack().unwrap_or(Value::Null);
    let data = app.page_data().unwrap_or(Value::Null);
    let storage = app.eval_json(STORAGE_JS).unwrap_or(Value::Null);
    devtools.send(json!({"t": "state", "stack": stack, "data": data, "storage": storage}));
}
