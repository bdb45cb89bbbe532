//! A running mini-program: one [`Instance`] with glass-easel, the adapter, Cove's runtime,
//! the `wx` bridge and the app's compiled code, driven by the host.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use cove_protocol::view::{Event, PROTOCOL_VERSION, ViewMessage};
use serde::Deserialize as _;
use serde_json::{Map, Value, json};

use crate::bridge::{self, Host, Services};
use rquickjs::CatchResultExt;

use crate::instance::{
    Clock, Hooks, Instance, Level, Limits, Poster, RunError, classify, runtime_fn, to_json,
};
use crate::services::net::{NetPolicy, Policy};
use crate::services::storage::AtRest;
use crate::services::{FileSystem, Network, ServiceError, Storage};

const GLASS_EASEL: &str = include_str!(concat!(env!("OUT_DIR"), "/glass_easel.all.js"));
const ADAPTER: &str = include_str!(concat!(
    env!("OUT_DIR"),
    "/glass_easel_miniprogram_adapter.js"
));
const API_NAMES: &str = include_str!(concat!(env!("OUT_DIR"), "/wx_api_names.json"));
/// What WeChat's module wrapper declares (and leaves undefined) besides `require`, `module`
/// and `exports`: libraries written for browsers test them.
const BROWSER_GLOBALS: &str = "window,document,frames,self,location,navigator,localStorage,\
history,Caches,screen,alert,confirm,prompt,XMLHttpRequest,WebSocket,Reporter,webkit,WeixinJSCore";

/// The runtime's parts, in the order they share one scope.
const RUNTIME: [(&str, &str); 12] = [
    ("intrinsics.js", include_str!("../js/runtime/intrinsics.js")),
    ("modules.js", include_str!("../js/runtime/modules.js")),
    ("backend.js", include_str!("../js/runtime/backend.js")),
    ("canvas.js", include_str!("../js/runtime/canvas.js")),
    ("query.js", include_str!("../js/runtime/query.js")),
    ("animate.js", include_str!("../js/runtime/animate.js")),
    ("app.js", include_str!("../js/runtime/app.js")),
    ("wx.js", include_str!("../js/runtime/wx.js")),
    ("cloud.js", include_str!("../js/runtime/cloud.js")),
    ("compat.js", include_str!("../js/runtime/compat.js")),
    ("automation.js", include_str!("../js/runtime/automation.js")),
    ("exports.js", include_str!("../js/runtime/exports.js")),
];

/// WeChat's storage quota per app.
pub const STORAGE_QUOTA: usize = 10 << 20;
/// WeChat's quota for `wxfile://usr`.
pub const FILES_QUOTA: u64 = 200 << 20;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid app package: {0}")]
    Package(String),
    #[error(transparent)]
    Js(#[from] RunError),
    #[error("{0}")]
    Service(#[from] ServiceError),
    #[error("{0}")]
    Rejected(String),
}

/// Whether an [`AppConfig`] came from the [`crate::launch::Launcher`] (a verified package
/// under the platform's signed policy) or from the dev opt-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Provenance {
    Verified,
    DevModeUnverified,
}

/// How to run one app.
///
/// Production code does not build one: the [`crate::launch::Launcher`] derives it from a
/// verified installation, the platform's signed policy and the host's secrets. The only
/// public constructor is the dev opt-in, [`AppConfig::dev_mode_unverified`].
pub struct AppConfig {
    pub app_id: String,
    /// The compiled app, unpacked (the output of `cove build`).
    pub package_dir: PathBuf,
    /// Everything this app may write: storage, `wxfile://usr`, temp files.
    pub data_dir: PathBuf,
    pub limits: Limits,
    pub clock: Clock,
    /// Overrides for `wx.getSystemInfoSync()` (window size, pixel ratio, platform...).
    pub system: Value,
    pub storage_quota: usize,
    /// How storage is kept on disk: encrypted with the host's secret (the launcher), plain
    /// JSON in dev mode.
    pub storage_at_rest: AtRest,
    pub files_quota: u64,
    /// Which URLs and addresses the network may reach (domain lists from the platform's
    /// signed policy, pins, allowed private ranges); anything in dev mode.
    pub net: NetPolicy,
    /// An extra check on each URL, on top of `net`.
    pub network_policy: Policy,
    /// The launch scene (`getLaunchOptionsSync().scene`); WeChat's 1001 is the app list,
    /// 1037 another mini-program.
    pub scene: u32,
    /// The host app's own APIs, offered to the app as `wx.<name>` or, for `ns.name`, as
    /// a global `ns`; each also needs the platform's grant (the guard checks).
    pub host_apis: Vec<String>,
    /// `referrerInfo` of the launch options: `{appId, extraData}` when another mini-program
    /// opened this one (`navigateToMiniProgram`).
    pub referrer: Option<Value>,
    /// What `wx.getExtConfigSync()` returns: the host's per-app configuration. `None`: the
    /// package's own `ext.json` `ext` object (WeChat's third-party platform file), if any.
    pub ext_config: Option<Value>,
    /// Private, so that no code outside this crate writes a config by hand.
    pub(crate) provenance: Provenance,
}

impl AppConfig {
    /// **Dev mode, unverified**: run the compiled app in `package_dir` as it is, with no
    /// signature check, no policy (the network reaches anything, `NetPolicy::dev()`), no
    /// grant guard and storage in plain files. For the simulator (`cove dev`,
    /// `cove test-server`), `cove check`, the CLI's conformance and bench tools, and tests.
    /// A host app launches through [`crate::launch::Launcher`] instead, which is the only
    /// way to get a production configuration.
    pub fn dev_mode_unverified(app_id: &str, package_dir: &Path, data_dir: &Path) -> Self {
        Self::with(
            app_id,
            package_dir,
            data_dir,
            AtRest::Plain,
            NetPolicy::dev(),
            Provenance::DevModeUnverified,
        )
    }

    /// Whether this configuration is the dev opt-in (not from the launcher).
    pub fn is_dev_mode(&self) -> bool {
        self.provenance == Provenance::DevModeUnverified
    }

    pub(crate) fn with(
        app_id: &str,
        package_dir: &Path,
        data_dir: &Path,
        storage_at_rest: AtRest,
        net: NetPolicy,
        provenance: Provenance,
    ) -> Self {
        Self {
            app_id: app_id.to_string(),
            package_dir: package_dir.to_path_buf(),
            data_dir: data_dir.to_path_buf(),
            limits: Limits::default(),
            clock: Clock::Real,
            system: json!({}),
            storage_quota: STORAGE_QUOTA,
            storage_at_rest,
            files_quota: FILES_QUOTA,
            net,
            network_policy: Arc::new(|_, _| Ok(())),
            scene: 1001,
            host_apis: Vec::new(),
            referrer: None,
            ext_config: None,
            provenance,
        }
    }
}

/// The container's answer to one automator step.
#[derive(Debug, Clone, PartialEq)]
pub enum Automation {
    /// The protocol's `result` object.
    Done(Value),
    /// The app answered with a promise; ask again with [`App::automation_poll`].
    Pending(u64),
    /// An error message for the tester.
    Failed(String),
}

impl Automation {
    fn from_answer(mut v: Value) -> Self {
        if let Some(id) = v.get("pending").and_then(Value::as_u64) {
            return Self::Pending(id);
        }
        if let Some(e) = v.get("error") {
            return Self::Failed(e.as_str().map_or_else(|| e.to_string(), str::to_string));
        }
        Self::Done(v.get_mut("result").map_or(Value::Null, Value::take))
    }
}

/// A launched mini-program.
pub struct App {
    instance: Instance,
    app_id: String,
    scene: u32,
    referrer: Option<Value>,
}

fn read(path: PathBuf) -> Result<String, AppError> {
    fs::read_to_string(&path).map_err(|source| AppError::Io { path, source })
}

/// A JS string literal (JSON strings are valid JS literals); public for the dev tools that
/// drive their own QuickJS instances (`cove-devtools`).
pub fn js_str(s: &str) -> String {
    Value::from(s).to_string()
}

/// glass-easel, the adapter and Cove's runtime as one script each, ready to evaluate in
/// order in a fresh global scope that defines `__coveNative` (`docs/architecture.md`). The
/// runtime hands its control object to `__coveNative.bind` and leaves nothing of itself in
/// the global scope but the app's API (`wx`, `Page`, `getApp`...).
/// Public so that benchmarks can run the very same code under another engine.
pub fn runtime_scripts() -> &'static [(String, String)] {
    static SCRIPTS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    SCRIPTS.get_or_init(|| {
        let ge = format!(
            "(function(){{var module={{exports:{{}}}};var exports=module.exports;\n{GLASS_EASEL}\n;globalThis.glassEasel=module.exports;}})();"
        );
        let adapter = format!(
            "(function(){{var module={{exports:{{}}}};var exports=module.exports;\
             var require=function(n){{if(n==='glass-easel')return globalThis.glassEasel;throw new Error('cannot require '+n)}};\n\
             {ADAPTER}\n;globalThis.glassEaselMiniprogramAdapter=module.exports;}})();"
        );
        let mut rt = String::from(
            "(function(global,native,ge,adapter){'use strict';\n",
        );
        let _ = writeln!(rt, "const API_NAMES={API_NAMES};");
        let _ = writeln!(rt, "const PROTOCOL={PROTOCOL_VERSION};");
        for (name, code) in RUNTIME {
            let _ = writeln!(rt, "// ---- {name}\n{code}");
        }
        rt.push_str(
            "})(globalThis,globalThis.__coveNative,globalThis.glassEasel,globalThis.glassEaselMiniprogramAdapter);\n\
             delete globalThis.__coveNative;delete globalThis.glassEasel;delete globalThis.glassEaselMiniprogramAdapter;",
        );
        vec![
            ("glass_easel.all.js".into(), ge),
            ("glass_easel_miniprogram_adapter.js".into(), adapter),
            ("cove/runtime.js".into(), rt),
        ]
    })
}

/// QuickJS bytecode of the runtime scripts, compiled by the first instance of the process.
/// Only bytecode we compiled ourselves, in this process, is ever loaded.
static BYTECODE: OnceLock<Vec<Vec<u8>>> = OnceLock::new();

/// Evaluate the runtime scripts into `instance`: from bytecode when this process has
/// compiled them already (parsing ~200 KB of JS is most of a cold start), else from
/// source, keeping the bytecode for the next instance.
pub fn load_runtime(instance: &Instance) -> Result<(), RunError> {
    let limit = instance.limits().cpu_time;
    // A `'static` borrow: the bytecode is not copied for each app.
    if let Some(all) = BYTECODE.get() {
        return instance.run(move |ctx| -> Result<(), RunError> {
            let js = |e| classify(e, limit);
            for bytes in all {
                // SAFETY: these bytes came from `Module::write` in this process (below).
                let m = unsafe { rquickjs::Module::load(ctx.clone(), bytes) }
                    .catch(ctx)
                    .map_err(js)?;
                let (_, done) = m.eval().catch(ctx).map_err(js)?;
                done.finish::<()>().catch(ctx).map_err(js)?;
            }
            Ok(())
        })?;
    }
    let compiled = instance.run(move |ctx| -> Result<Vec<Vec<u8>>, RunError> {
        let js = |e| classify(e, limit);
        let mut out = vec![];
        for (file, code) in runtime_scripts() {
            let m = rquickjs::Module::declare(ctx.clone(), file.as_str(), code.as_str())
                .catch(ctx)
                .map_err(js)?;
            out.push(
                m.write(rquickjs::module::WriteOptions::default())
                    .catch(ctx)
                    .map_err(js)?,
            );
            let (_, done) = m.eval().catch(ctx).map_err(js)?;
            done.finish::<()>().catch(ctx).map_err(js)?;
        }
        Ok(out)
    })??;
    let _ = BYTECODE.set(compiled);
    Ok(())
}

impl App {
    /// Load the app and open its entry page (or `entry`, e.g. `pages/a/a?x=1`).
    pub fn launch(
        config: AppConfig,
        host: Arc<dyn Host>,
        entry: Option<&str>,
    ) -> Result<Self, AppError> {
        let app = Self::load(config, host)?;
        app.start(entry)?;
        Ok(app)
    }

    /// Start the instance, the services and the runtime, and evaluate the app's code;
    /// nothing of the app has run yet but module top levels and `App()`.
    pub fn load(config: AppConfig, host: Arc<dyn Host>) -> Result<Self, AppError> {
        if config.is_dev_mode() {
            // Once per launch, so not a warning: the tools that opt in say it once, loudly.
            tracing::info!(
                target: "cove::dev_mode",
                app = %config.app_id,
                "DEV MODE: {} runs unverified (no signature, no policy: open network, no grant guard, plain storage)",
                config.app_id
            );
        }
        let data = &config.data_dir;
        let services = Services {
            storage: Storage::open_at_rest(
                &data.join("storage"),
                config.storage_quota,
                &config.storage_at_rest,
                &config.app_id,
            )?,
            fs: FileSystem::new(
                &data.join("usr"),
                &data.join("tmp"),
                Some(&config.package_dir),
                config.files_quota,
            )?,
            network: Network::with_policy(config.net.clone(), Some(config.network_policy.clone()))?,
        };
        let poster_cell: Arc<OnceLock<Poster>> = Arc::default();
        let (h1, h2, cell) = (host.clone(), host.clone(), poster_cell.clone());
        let hooks = Hooks {
            console: Arc::new(move |level, text| h1.console(level, text)),
            uncaught: Arc::new(move |e: &RunError| {
                h2.console(Level::Error, &e.to_string());
                // App.onError runs in a turn of its own: this one may have been cut off.
                if let Some(p) = cell.get() {
                    let msg = e.to_string();
                    p.post(move |ctx| {
                        if let Ok(f) = runtime_fn(ctx, "reportError") {
                            let _ = f.call::<_, ()>((msg,));
                        }
                    });
                }
            }),
            turn_end: Some(Arc::new(|ctx| {
                if let Ok(f) = runtime_fn(ctx, "turnEnd") {
                    let _ = f.call::<_, ()>(());
                }
            })),
        };
        let instance =
            Instance::start_with(&config.app_id, config.limits.clone(), config.clock, hooks)?;
        let poster = instance.poster().ok_or(RunError::Stopped)?;
        let _ = poster_cell.set(poster.clone());
        instance
            .run(move |ctx| {
                bridge::install(ctx, services, host, poster).map_err(|e| e.to_string())
            })?
            .map_err(|e| AppError::Rejected(format!("cannot install the wx bridge: {e}")))?;
        load_runtime(&instance)?;
        let app = Self {
            instance,
            app_id: config.app_id.clone(),
            scene: config.scene,
            referrer: config.referrer.clone(),
        };
        app.load_package(&config)?;
        Ok(app)
    }

    fn load_package(&self, config: &AppConfig) -> Result<(), AppError> {
        let dir = &config.package_dir;
        let manifest: Value = serde_json::from_str(&read(dir.join("manifest.json"))?)
            .map_err(|e| AppError::Package(format!("manifest.json: {e}")))?;
        let cove = manifest
            .get("cove")
            .ok_or_else(|| AppError::Package("manifest.json has no `cove` section".into()))?;
        let empty = Map::new();
        let modules = cove
            .get("modules")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for (id, m) in modules {
            let file = m.get("file").and_then(Value::as_str).unwrap_or(id);
            let code = read(dir.join(file))?;
            let deps = m.get("deps").cloned().unwrap_or_else(|| json!({}));
            // The code starts on the script's first line, so that stack traces give the
            // module's own line numbers; the newline before `}` ends a trailing `//` comment.
            // The browser's globals are parameters that stay undefined, as in WeChat's own
            // module wrapper: `window || global` and `typeof window` work, never a ReferenceError.
            // The code runs in a function of its own inside them, so that it may declare those
            // names again (`const self = this`), as it may in WeChat, whose ES6-to-ES5 pass turns
            // the declaration into a `var`. All on the code's first line: its lines stay its own.
            let script = format!(
                "(function(require,module,exports,global){{return (function({BROWSER_GLOBALS}){{return function(){{{code}\n}}}})().call(this)}})"
            );
            // A module QuickJS cannot compile (the compiler's oxc accepted it) fails where it
            // is required, with the reason, as a module that throws does; not the whole app.
            let why = match self.define_module(file, id, &deps, script) {
                Ok(()) => continue,
                Err(RunError::Exception(why)) => why,
                Err(e) => return Err(e.into()),
            };
            {
                let message = format!("{file}: {}", why.lines().next().unwrap_or(&why));
                tracing::warn!(target: "cove::app", "{message}");
                let stub = format!(
                    "(function(){{throw new SyntaxError({})}})",
                    js_str(&message)
                );
                self.define_module(file, id, &deps, stub)?;
            }
        }
        let templates = cove
            .get("templates")
            .and_then(Value::as_str)
            .unwrap_or("wxml.js");
        let wxml = read(dir.join(templates))?;
        let mut units = Map::new();
        if let Some(list) = cove.get("units").and_then(Value::as_object) {
            for path in list.keys() {
                let config: Value = serde_json::from_str(&read(dir.join(format!("{path}.json")))?)
                    .map_err(|e| AppError::Package(format!("{path}.json: {e}")))?;
                units.insert(path.clone(), config);
            }
        }
        let app_json: Value = match fs::read_to_string(dir.join("app.json")) {
            Ok(t) => {
                serde_json::from_str(&t).map_err(|e| AppError::Package(format!("app.json: {e}")))?
            }
            Err(_) => json!({}),
        };
        let account = json!({
            "miniProgram": {
                "appId": config.app_id,
                "envVersion": "release",
                "version": manifest.get("version").and_then(|v| v.get("name")).cloned().unwrap_or(json!("")),
            },
            "plugin": {}
        });
        let ext = config.ext_config.clone().unwrap_or_else(|| {
            fs::read(dir.join("ext.json"))
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .filter(|e| e.get("extEnable").and_then(Value::as_bool) != Some(false))
                .and_then(|e| e.get("ext").cloned())
                .unwrap_or_else(|| json!({}))
        });
        let limit = self.instance.limits().cpu_time;
        self.instance
            .run(move |ctx| call_runtime(ctx, limit, "setExtConfig", &[ext], None))??;
        let mut script =
            String::from("(function(){var module={exports:{}};var exports=module.exports;\n");
        script.push_str(&wxml);
        script.push_str("\n;return module.exports;})()");
        let args = vec![
            Value::Object(units),
            app_json,
            config.system.clone(),
            account,
            json!(config.host_apis),
            // DarkMode: the theme variables the view resolves `@` references with.
            cove.get("theme").cloned().unwrap_or(Value::Null),
        ];
        let file = templates.to_string();
        // The templates' exports come first.
        self.instance.run(move |ctx| {
            let templates = Some((file, script));
            call_runtime_checked(ctx, limit, "load", &args, templates, true, |_| true)
        })??;
        Ok(())
    }

    /// Give the runtime module `id`: `script` evaluates to its factory.
    fn define_module(
        &self,
        file: &str,
        id: &str,
        deps: &Value,
        script: String,
    ) -> Result<(), RunError> {
        let (file, args) = (file.to_string(), vec![json!(id), deps.clone()]);
        let limit = self.instance.limits().cpu_time;
        self.instance.run(move |ctx| {
            let factory = Some((file, script));
            call_runtime_checked(ctx, limit, "defineModule", &args, factory, false, |v| {
                v.is_function()
            })
            .map(|_| ())
        })?
    }

    /// Run App.onLaunch/onShow and open the entry page (or `entry`).
    pub fn start(&self, entry: Option<&str>) -> Result<(), AppError> {
        let entry = entry.map_or(Value::Null, Value::from);
        let referrer = self.referrer.clone().unwrap_or(Value::Null);
        self.control("launch", vec![entry, json!(self.scene), referrer], None)?;
        Ok(())
    }

    /// Evaluate on the instance; a limit hit there (CPU, memory, stack) is also reported to
    /// App.onError and the log, as WeChat reports a script error, in a turn of its own.
    fn eval(&self, file: &str, code: &str) -> Result<String, AppError> {
        let r = self.instance.eval(file, code);
        self.reported(r)
    }

    /// Call the runtime's control function `name` (`auto.call` reaches into `auto`) with
    /// `args`, and, for the automator, a function evaluated from `(file, source)` in the
    /// app's global scope; its result as JSON. Limits are reported as [`App::eval`] does.
    fn control(
        &self,
        name: &'static str,
        args: Vec<Value>,
        function: Option<(String, String)>,
    ) -> Result<Value, AppError> {
        let limit = self.instance.limits().cpu_time;
        let r = self
            .instance
            .run(move |ctx| call_runtime(ctx, limit, name, &args, function))
            .and_then(|r| r);
        let text = self.reported(r)?;
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn reported<T>(&self, r: Result<T, RunError>) -> Result<T, AppError> {
        match r {
            Ok(v) => Ok(v),
            Err(e) => {
                if matches!(
                    e,
                    RunError::Timeout(_) | RunError::OutOfMemory | RunError::StackOverflow
                ) {
                    tracing::warn!(app = %self.app_id, "{e}");
                    let msg = e.to_string();
                    let _ = self.instance.run(move |ctx| {
                        if let Ok(f) = runtime_fn(ctx, "reportError") {
                            let _ = f.call::<_, ()>((msg,));
                        }
                    });
                }
                Err(e.into())
            }
        }
    }

    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// Deliver one message from the view (docs/protocol.md): an event, a back or tab tap,
    /// app show/hide, scroll, resize... A message that is not a [`ViewMessage`] (an unknown
    /// type, an unknown or missing field) is refused here, before the app sees it.
    pub fn send(&self, msg: &Value) -> Result<Value, AppError> {
        let typed = ViewMessage::deserialize(msg)
            .map_err(|e| AppError::Rejected(format!("a malformed view message: {e}")))?;
        self.send_message(&typed)
    }

    /// [`App::send`] for a message built in Rust.
    pub fn send_message(&self, msg: &ViewMessage) -> Result<Value, AppError> {
        let msg = serde_json::to_value(msg).expect("a ViewMessage is JSON");
        let r = self.control("inbound", vec![msg], None)?;
        if let Some(e) = r.get("error").and_then(Value::as_str) {
            return Err(AppError::Rejected(e.to_string()));
        }
        Ok(r.get("result").cloned().unwrap_or(Value::Null))
    }

    /// A view event on node `node`, e.g. `tap`.
    pub fn event(&self, node: u64, kind: &str, detail: Value) -> Result<(), AppError> {
        self.send_message(&ViewMessage::Event(Event {
            node,
            event_type: kind.to_string(),
            detail: Some(detail),
            touches: None,
            changed_touches: None,
            bubbles: None,
            time_stamp: None,
        }))
        .map(|_| ())
    }

    /// Call a method of the top page; returns what it returned (as JSON).
    pub fn call_page_method(&self, method: &str, args: &[Value]) -> Result<Value, AppError> {
        self.control(
            "callTop",
            vec![json!(method), Value::from(args.to_vec())],
            None,
        )
    }

    /// The top page's data.
    pub fn page_data(&self) -> Result<Value, AppError> {
        self.control("pageData", vec![], None)
    }

    /// The page stack, bottom first: `[{id, path, query, node}]`.
    pub fn page_stack(&self) -> Result<Value, AppError> {
        self.control("stack", vec![], None)
    }

    /// Evaluate JS in the app's global scope and return its value as JSON.
    pub fn eval_json(&self, code: &str) -> Result<Value, AppError> {
        let text = self.eval("cove:eval", code)?;
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// One container-side step of the automator protocol (`docs/automator.md`): `method` with
    /// its `params`, and for `App.callFunction`/`App.mockWxMethod` the tester's function
    /// declaration, evaluated in the app's global scope.
    pub fn automation(
        &self,
        method: &str,
        params: &Value,
        function: Option<&str>,
    ) -> Result<Automation, AppError> {
        let f = function.map(|f| ("cove:automation".to_string(), format!("({f}\n)")));
        let answer = self.control("auto.call", vec![json!(method), params.clone()], f)?;
        Ok(Automation::from_answer(answer))
    }

    /// The answer of an [`Automation::Pending`] call, once its promise settled.
    pub fn automation_poll(&self, id: u64) -> Result<Automation, AppError> {
        Ok(Automation::from_answer(self.control(
            "auto.poll",
            vec![json!(id)],
            None,
        )?))
    }

    /// Move a manual clock forward, firing due timers.
    pub fn advance(&self, by: Duration) -> Result<(), AppError> {
        Ok(self.instance.advance(by)?)
    }

    /// Wait until every turn queued so far (task results included) has run.
    pub fn settle(&self) -> Result<(), AppError> {
        self.instance.run(|_| ())?;
        Ok(())
    }

    /// The QuickJS heap in use, after a GC.
    pub fn heap_bytes(&self) -> Result<u64, AppError> {
        Ok(self.instance.heap_bytes()?)
    }

    /// Every typed `wx` method with how it is served: `native`, `js`, `host`, `unsupported`.
    pub fn api_kinds(&self) -> Result<Value, AppError> {
        self.control("apis", vec![], None)
    }

    /// The typed `wx` method names of the official typings, in their order.
    pub fn api_names(&self) -> Result<Value, AppError> {
        self.control("apiNames", vec![], None)
    }
}

/// Calls the runtime's control function `name` with `args` (as JS values parsed from
/// JSON) and, last, the value of `function`'s source evaluated in the global scope; the
/// result as JSON text.
fn call_runtime(
    ctx: &rquickjs::Ctx<'_>,
    limit: Duration,
    name: &str,
    args: &[Value],
    function: Option<(String, String)>,
) -> Result<String, RunError> {
    call_runtime_checked(ctx, limit, name, args, function, false, |_| true)
}

/// [`call_runtime`], with the evaluated `function` first when `first`, and refusing one
/// whose value fails `check` (a module wrapper that its own text closed early is not a
/// function).
fn call_runtime_checked(
    ctx: &rquickjs::Ctx<'_>,
    limit: Duration,
    name: &str,
    args: &[Value],
    function: Option<(String, String)>,
    first: bool,
    check: impl FnOnce(rquickjs::Value<'_>) -> bool,
) -> Result<String, RunError> {
    let js = |e| classify(e, limit);
    let f = runtime_fn(ctx, name)
        .map_err(|_| RunError::Exception(format!("the runtime has no `{name}`")))?;
    let mut call = rquickjs::function::Args::new(ctx.clone(), args.len() + 1);
    let mut evaluated = None;
    if let Some((file, source)) = function {
        let mut opts = rquickjs::context::EvalOptions::default();
        opts.global = true;
        opts.strict = false;
        opts.filename = Some(file);
        let v: rquickjs::Value = ctx.eval_with_options(source, opts).catch(ctx).map_err(js)?;
        if !check(v.clone()) {
            return Err(RunError::Exception(
                "SyntaxError: the code ends its module wrapper early".into(),
            ));
        }
        evaluated = Some(v);
    }
    if first && let Some(v) = evaluated.take() {
        call.push_arg(v).catch(ctx).map_err(js)?;
    }
    for a in args {
        let v = ctx.json_parse(a.to_string()).catch(ctx).map_err(js)?;
        call.push_arg(v).catch(ctx).map_err(js)?;
    }
    if let Some(v) = evaluated {
        call.push_arg(v).catch(ctx).map_err(js)?;
    }
    let out: rquickjs::Value = f.call_arg(call).catch(ctx).map_err(js)?;
    Ok(to_json(ctx, out))
}
