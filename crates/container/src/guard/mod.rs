//! A policy layer between a mini-program and its host: [`Guarded`] wraps the host and is
//! itself the [`Host`] the app runs with. For each `Host::request` it
//!
//! 1. refuses what the platform did not grant ([`grants`]): a sensitive `wx` API not in
//!    `policy.grants.apis`, or a host custom API (one of [`Guard::host_apis`]) not in
//!    `policy.grants.host_apis`, fails at once with WeChat's
//!    `"fail jsapi has no permission, event=<api>, ..."`;
//! 2. serves the permission scopes ([`scopes`]): `authorize`, `getSetting` and `openSetting`,
//!    and asks for a scope on the first use of an API that needs it, as WeChat does.
//!    `authorize` of a scope none of whose sensitive APIs is granted fails with WeChat's
//!    `"fail api scope is not declared in the privacy agreement"`. The
//!    user's choices persist in `auth.json` in [`Guard::dir`]; a denied scope fails later
//!    calls with `"fail auth deny"` without asking again, until `openSetting` changes it;
//! 3. applies the privacy rules ([`privacy`]) to what reaches the app, location rounded,
//!    address reduced, phone numbers masked or virtual, and reports each release of
//!    personal data to [`Guard::sink`] as a [`Release`].
//!
//! # What the guard asks of the host below it
//!
//! The guard must see the host's answers before the app does, and a bridge [`Reply`] can
//! only deliver to the app. So the inner host implements [`Ask`]: `request`'s twin that
//! answers to an [`Answer`], a callback. A host that answers through `Ask` implements
//! `Host::request` as `self.ask(api, args, reply.into())`; the guard only calls `ask`.
//!
//! Besides the `wx` APIs, the guard asks the inner host two questions of its own. Their
//! names start with `__`, which the guard refuses to the app:
//!
//! - `__consent`, args `{"scope": "scope.userLocation", "app_id": "wx…", "api": "getLocation"}`
//!   (`api` is `authorize` for `wx.authorize`): the host shows its consent prompt and answers
//!   `ok({"granted": true | false})`. The answer is kept. A failed request (no prompt) is a
//!   denial for this call only, and is not kept.
//! - `__virtual_phone`, args `{"phoneNumber": "13812345678", "app_id": "wx…", "api": "chooseContact"}`:
//!   under the `virtual` phone rule, a number that forwards to the real one,
//!   `ok({"phoneNumber": "170…"})`. Without one (a failure, or no `phoneNumber`), the
//!   number is masked instead.
//!
//! `openSetting` goes to the inner host with args `{"app_id", "authSetting": {current}}`; its
//! settings UI answers `ok({"authSetting": {"scope.x": bool, …}})` with the user's changes.

pub mod grants;
pub mod privacy;
pub mod scopes;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::bridge::{Host, Reply};
use crate::instance::Level;

pub use grants::{Grants, SENSITIVE};
pub use privacy::{AddressRule, DataKind, PhoneRule, Privacy, Release};
pub use scopes::{SCOPES, scope_of};

/// WeChat's answer when the user denied a scope, now or before.
pub const AUTH_DENY: &str = "fail auth deny";
/// WeChat's answer (errno 112 there) for `authorize` of a scope the app may not use: here,
/// one whose sensitive APIs the platform granted none of.
pub const UNDECLARED: &str = "fail api scope is not declared in the privacy agreement";

#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a settings file: {source}")]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// Where releases of personal data go, e.g. the SDK's batched stats upload.
pub type ReleaseSink = Arc<dyn Fn(&Release) + Send + Sync>;

/// The policy one mini-program runs under in one host app.
pub struct Guard {
    pub app_id: String,
    /// For the release events; the version the platform resolved.
    pub version_code: u64,
    /// For the release events; the host app's user id.
    pub user_id: String,
    /// `policy.grants` of the platform's resolve answer.
    pub grants: Grants,
    /// The custom APIs the host registers: each needs a `host_apis` grant.
    pub host_apis: Vec<String>,
    pub privacy: Privacy,
    /// This app's own directory for the user's choices (`auth.json`).
    pub dir: PathBuf,
    pub sink: ReleaseSink,
}

impl Guard {
    /// Nothing granted, no privacy rule, releases only logged.
    pub fn new(app_id: &str, dir: &Path) -> Self {
        Self {
            app_id: app_id.to_string(),
            version_code: 0,
            user_id: String::new(),
            grants: Grants::default(),
            host_apis: Vec::new(),
            privacy: Privacy::default(),
            dir: dir.to_path_buf(),
            sink: Arc::new(|r: &Release| {
                tracing::debug!(target: "cove::guard", api = %r.api, data = ?r.data, "personal data released");
            }),
        }
    }
}

/// The answer to an [`Ask::ask`]: a callback, called once. Dropping it unanswered fails
/// the call, as dropping a [`Reply`] does.
pub struct Answer {
    done: Option<Done>,
}

type Done = Box<dyn FnOnce(Result<Value, String>) + Send>;

impl Answer {
    pub fn new(f: impl FnOnce(Result<Value, String>) + Send + 'static) -> Self {
        Self {
            done: Some(Box::new(f)),
        }
    }

    /// Succeed with the API's result object (without `errMsg`).
    pub fn ok(self, result: Value) {
        self.finish(Ok(result));
    }

    /// Fail with WeChat's errMsg tail, e.g. `"fail cancel"`.
    pub fn fail(self, tail: impl Into<String>) {
        self.finish(Err(tail.into()));
    }

    fn finish(mut self, r: Result<Value, String>) {
        if let Some(f) = self.done.take() {
            f(r);
        }
    }
}

impl Drop for Answer {
    fn drop(&mut self) {
        if let Some(f) = self.done.take() {
            f(Err("fail no answer from the host".into()));
        }
    }
}

impl From<Reply> for Answer {
    fn from(reply: Reply) -> Self {
        Answer::new(move |r| match r {
            Ok(v) => reply.ok(v),
            Err(tail) => reply.fail(tail),
        })
    }
}

/// A [`Host`] that also answers to a callback; see the module documentation.
pub trait Ask: Host {
    fn ask(&self, api: &str, args: Value, answer: Answer);
}

/// The inner host behind the guard.
pub struct Guarded<H: Ask + ?Sized> {
    inner: Arc<H>,
    core: Arc<Core>,
}

struct Core {
    guard: Guard,
    settings: Mutex<scopes::Settings>,
}

impl<H: Ask + ?Sized> Guarded<H> {
    /// Wrap `inner`; reads the user's earlier choices from `guard.dir`.
    pub fn new(inner: Arc<H>, guard: Guard) -> Result<Self, GuardError> {
        let settings = scopes::Settings::open(&guard.dir)?;
        Ok(Self {
            inner,
            core: Arc::new(Core {
                guard,
                settings: Mutex::new(settings),
            }),
        })
    }

    pub fn inner(&self) -> &Arc<H> {
        &self.inner
    }

    /// WeChat's `authSetting` for this app: each scope asked about, with the user's answer.
    pub fn auth_setting(&self) -> Value {
        self.core.settings().auth_setting()
    }

    /// Change a choice from outside the app (a host's own settings page).
    pub fn set_scope(&self, scope: &str, granted: bool) -> Result<(), GuardError> {
        self.core.settings().set(scope, granted)
    }

    fn guarded(&self, api: &str, args: Value, answer: Answer) {
        let core = &self.core;
        if let Some(tail) = core.guard.grants.refusal(api, &core.guard.host_apis) {
            tracing::info!(target: "cove::guard", app = %core.guard.app_id, api, "not granted");
            return answer.fail(tail);
        }
        match api {
            "authorize" => {
                let scope = args.get("scope").and_then(Value::as_str).unwrap_or("");
                let Some(scope) = scopes::SCOPES.iter().copied().find(|s| *s == scope) else {
                    return answer.fail("fail invalid scope");
                };
                if !core.scope_granted(scope) {
                    return answer.fail(UNDECLARED);
                }
                consent(&self.inner, core, scope, "authorize", move |granted| {
                    if granted {
                        answer.ok(json!({}));
                    } else {
                        answer.fail(AUTH_DENY);
                    }
                });
            }
            "getSetting" => answer.ok(json!({ "authSetting": core.settings().auth_setting() })),
            "openSetting" => {
                let current = core.settings().auth_setting();
                let c = core.clone();
                let ask = json!({"app_id": core.guard.app_id, "authSetting": current});
                self.inner.ask(
                    "openSetting",
                    ask,
                    Answer::new(move |r| match r {
                        Ok(v) => {
                            c.apply_settings(v.get("authSetting"));
                            answer.ok(json!({ "authSetting": c.settings().auth_setting() }));
                        }
                        Err(tail) => answer.fail(tail),
                    }),
                );
            }
            _ => match scopes::scope_of(api) {
                Some(scope) => {
                    let (inner, c, name) = (self.inner.clone(), core.clone(), api.to_string());
                    consent(&self.inner, core, scope, api, move |granted| {
                        if granted {
                            forward(&inner, &c, &name, args, answer);
                        } else {
                            answer.fail(AUTH_DENY);
                        }
                    });
                }
                None => forward(&self.inner, core, api, args, answer),
            },
        }
    }
}

impl Core {
    /// Whether the platform granted any sensitive API behind `scope` (true for a scope with
    /// none, such as `scope.addPhoneCalendar`): asking for a scope the app may not use is
    /// WeChat's undeclared-privacy case.
    fn scope_granted(&self, scope: &str) -> bool {
        if crate::mutation::off(crate::mutation::Control::Guard) {
            return true;
        }
        let mut behind = SENSITIVE
            .iter()
            .filter(|api| scopes::scope_of(api) == Some(scope))
            .peekable();
        behind.peek().is_none() || behind.any(|api| self.guard.grants.apis.iter().any(|g| g == api))
    }

    fn settings(&self) -> MutexGuard<'_, scopes::Settings> {
        self.settings.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn record(&self, scope: &str, granted: bool) {
        if let Err(e) = self.settings().set(scope, granted) {
            // The choice holds for this run; the next run asks again.
            tracing::warn!(target: "cove::guard", app = %self.guard.app_id, scope, "choice not saved: {e}");
        }
    }

    /// The host's settings UI answer: known scopes with a yes or no.
    fn apply_settings(&self, changed: Option<&Value>) {
        for (scope, v) in changed.and_then(Value::as_object).into_iter().flatten() {
            if let (true, Some(granted)) = (scopes::is_scope(scope), v.as_bool()) {
                self.record(scope, granted);
            }
        }
    }

    fn emit(&self, api: &str, data: DataKind, v: &Value, reduced: privacy::Reduced) {
        let at_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let release = Release {
            app_id: self.guard.app_id.clone(),
            version_code: self.guard.version_code,
            user_id: self.guard.user_id.clone(),
            at_ms,
            api: api.to_string(),
            data,
            released: privacy::released(v),
            reduced,
        };
        (self.guard.sink)(&release);
    }
}

/// The user's choice for `scope`, asking the host's prompt the first time.
fn consent<H: Ask + ?Sized>(
    inner: &Arc<H>,
    core: &Arc<Core>,
    scope: &'static str,
    api: &str,
    then: impl FnOnce(bool) + Send + 'static,
) {
    let known = core.settings().get(scope);
    if let Some(granted) = known {
        return then(granted);
    }
    let c = core.clone();
    let args = json!({"scope": scope, "app_id": core.guard.app_id, "api": api});
    inner.ask(
        "__consent",
        args,
        Answer::new(move |r| {
            let granted = match r {
                Ok(v) => v.get("granted").and_then(Value::as_bool),
                Err(tail) => {
                    tracing::warn!(target: "cove::guard", scope, "no consent prompt: {tail}");
                    None
                }
            };
            match granted {
                Some(g) => {
                    c.record(scope, g);
                    then(g);
                }
                None => then(false),
            }
        }),
    );
}

/// Pass a call to the inner host; personal data in its answer goes through the privacy rules.
fn forward<H: Ask + ?Sized>(
    inner: &Arc<H>,
    core: &Arc<Core>,
    api: &str,
    args: Value,
    answer: Answer,
) {
    let Some(kind) = privacy::data_of(api) else {
        return inner.ask(api, args, answer);
    };
    let (i, c, name) = (inner.clone(), core.clone(), api.to_string());
    inner.ask(
        api,
        args,
        Answer::new(move |r| match r {
            Ok(v) => release(&i, &c, name, kind, v, answer),
            Err(tail) => answer.fail(tail),
        }),
    );
}

/// Reduce a result by the rules, report it, and answer the app.
fn release<H: Ask + ?Sized>(
    inner: &Arc<H>,
    core: &Arc<Core>,
    api: String,
    kind: DataKind,
    mut v: Value,
    answer: Answer,
) {
    let rules = &core.guard.privacy;
    let mut reduced = privacy::Reduced::new();
    match kind {
        DataKind::Location => {
            if let Some(p) = rules.location_precision {
                privacy::reduce_location(&mut v, p, &mut reduced);
            }
        }
        DataKind::Address => {
            if rules.address == AddressRule::ProvinceCity {
                privacy::reduce_address(&mut v, &mut reduced);
            }
        }
        DataKind::Phone => {}
    }
    let phones = privacy::phone_fields(kind, &v);
    match rules.phone {
        PhoneRule::Clear => {}
        PhoneRule::Mask => {
            for p in &phones {
                mask_at(&mut v, p, &mut reduced);
            }
        }
        PhoneRule::Virtual => {
            let job = Virtualise {
                api,
                kind,
                v,
                reduced,
                pending: phones,
                seen: HashMap::new(),
                answer,
            };
            return job.next(inner.clone(), core.clone());
        }
    }
    core.emit(&api, kind, &v, reduced);
    answer.ok(v);
}

fn mask_at(v: &mut Value, pointer: &str, reduced: &mut privacy::Reduced) {
    if let Some(Value::String(s)) = v.pointer_mut(pointer) {
        *s = privacy::mask_phone(s);
        reduced.insert(privacy::field_name(pointer), "masked".into());
    }
}

/// Phone numbers replaced one by one with the host's virtual numbers, then released.
struct Virtualise {
    api: String,
    kind: DataKind,
    v: Value,
    reduced: privacy::Reduced,
    /// Pointers still to replace, in order.
    pending: Vec<String>,
    /// Real number -> its replacement, so one number gets one virtual number per release.
    seen: HashMap<String, Option<String>>,
    answer: Answer,
}

impl Virtualise {
    fn next<H: Ask + ?Sized>(mut self, inner: Arc<H>, core: Arc<Core>) {
        if self.pending.is_empty() {
            core.emit(&self.api, self.kind, &self.v, self.reduced);
            return self.answer.ok(self.v);
        }
        let pointer = self.pending.remove(0);
        let Some(real) = self
            .v
            .pointer(&pointer)
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return self.next(inner, core);
        };
        if let Some(known) = self.seen.get(&real).cloned() {
            self.put(&pointer, known);
            return self.next(inner, core);
        }
        let args = json!({"phoneNumber": real, "app_id": core.guard.app_id, "api": self.api});
        let i = inner.clone();
        inner.ask(
            "__virtual_phone",
            args,
            Answer::new(move |r| {
                let virt = r.ok().and_then(|v| {
                    v.get("phoneNumber")
                        .and_then(Value::as_str)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                });
                if virt.is_none() {
                    tracing::info!(target: "cove::guard", "no virtual number; masking");
                }
                self.seen.insert(real, virt.clone());
                self.put(&pointer, virt);
                self.next(i, core);
            }),
        );
    }

    /// The virtual number at `pointer`, or the real one masked.
    fn put(&mut self, pointer: &str, virt: Option<String>) {
        match virt {
            Some(n) => {
                if let Some(slot) = self.v.pointer_mut(pointer) {
                    *slot = Value::String(n);
                    self.reduced
                        .insert(privacy::field_name(pointer), "virtual".into());
                }
            }
            None => mask_at(&mut self.v, pointer, &mut self.reduced),
        }
    }
}

impl<H: Ask + ?Sized> Host for Guarded<H> {
    fn send(&self, msg: &str) {
        self.inner.send(msg);
    }

    fn console(&self, level: Level, text: &str) {
        self.inner.console(level, text);
    }

    fn request(&self, api: &str, args: Value, reply: Reply) {
        // The guard's own questions to the host are not the app's to ask.
        if api.starts_with("__") {
            return reply.fail(format!("fail {api} is not supported by this host"));
        }
        self.guarded(api, args, reply.into());
    }

    fn net_log(&self, entry: Value) {
        self.inner.net_log(entry);
    }
}

/// Guards stack: an outer guard's own questions (`__consent`...) pass through to the host.
impl<H: Ask + ?Sized> Ask for Guarded<H> {
    fn ask(&self, api: &str, args: Value, answer: Answer) {
        if api.starts_with("__") {
            return self.inner.ask(api, args, answer);
        }
        self.guarded(api, args, answer);
    }
}

/// Any [`Host`] as an [`Ask`]: its answers come back through [`Reply::from_fn`].
pub struct AskHost(pub Arc<dyn Host>);

impl Host for AskHost {
    fn send(&self, msg: &str) {
        self.0.send(msg)
    }

    fn console(&self, level: Level, text: &str) {
        self.0.console(level, text)
    }

    fn request(&self, api: &str, args: Value, reply: Reply) {
        self.0.request(api, args, reply)
    }

    fn net_log(&self, entry: Value) {
        self.0.net_log(entry)
    }
}

impl Ask for AskHost {
    fn ask(&self, api: &str, args: Value, answer: Answer) {
        self.0
            .request(api, args, Reply::from_fn(move |r| answer.finish(r)))
    }
}
