//! The `wx.*` bridge: the native functions the JS runtime calls, on the instance's thread.
//!
//! JS sees one object, `__coveNative`, which the runtime takes and removes from the global
//! scope before app code runs (app code never sees it). Its functions, and the calls three
//! of them carry, are the typed table of `cove_protocol::bridge` ([`Native`], [`Call`],
//! [`Task`], [`TaskCall`]): this file matches on those enums, never on strings.
//! - `bind(control)`: the runtime hands over its control object, once; Rust calls into the
//!   runtime only through it ([`crate::instance::runtime_fn`]), never through a global;
//! - `dataSize(changes, upTo) -> n`: the JSON length of a data update, measured in Rust
//!   (`data_size.rs`) for `setData`'s 1 MB limit, counted up to `upTo` at most;
//! - `call(name, json, bufs) -> answer`: a synchronous service call, answered `{"ok": v}` or
//!   `{"err": "fail ..."}` (storage, files).
//! - `start(name, json, bufs) -> id`: an asynchronous task (network, host requests). Its
//!   events come back later as turns calling the runtime's `deliver(id, kind, json, bufs)`;
//!   `complete` or `fail` ends it.
//! - `taskCall(id, method, json, bufs) -> answer`: abort a task, or send on / close a socket.
//! - `post(json)`: a message for the view or host (ops, routes, UI), see docs/protocol.md,
//!   paced by [`crate::pacer`]; `pace() -> ms`: release what waits, and when to call again
//!   (-1: nothing waits). The runtime calls it at the end of every turn.
//! - `base64Encode(bytes)`, `base64Decode(text)`: `wx.arrayBufferToBase64` and
//!   `wx.base64ToArrayBuffer`, in Rust.
//!
//! Binary data crosses as bytes: ArrayBuffers in `bufs` beside the JSON, which holds
//! `{"$buf": i}` where each belongs. Values that stay JSON on the Rust side (storage at rest,
//! the host's messages) keep binary as `{"$bytes": base64}` as before: the bridge converts at
//! the edge, so the runtime never runs base64.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use cove_protocol::bridge::{BUF_KEY, BridgeError, Call, Native, Task, TaskCall};
use rquickjs::function::Opt;
use rquickjs::{ArrayBuffer, Ctx, Function, Object, TypedArray};
use serde_json::{Value, json};

use crate::instance::{Level, Poster, clock_now};
use crate::pacer::{Out, Pacer};
use crate::services::{
    Answer, BYTES_KEY, Data, FileSystem, NetEvent, Network, ServiceError, SocketHandle, Storage,
    TaskHandle,
};

/// What a container needs from the app that embeds it.
pub trait Host: Send + Sync + 'static {
    /// A message for the view (JSON text, docs/protocol.md): ops, routes, UI changes.
    fn send(&self, msg: &str);

    /// `console.*` output of the mini-program.
    fn console(&self, level: Level, text: &str) {
        tracing::info!(target: "cove::console", level = level.as_str(), "{text}");
    }

    /// Something only a person or the device can answer: `showModal`, `login`,
    /// `getLocation`, layout queries... Answer through `reply`, now or later, from any thread.
    /// The default refuses, as WeChat does for an API a client lacks.
    fn request(&self, api: &str, args: Value, reply: Reply) {
        let _ = args;
        reply.fail(format!("fail {api} is not supported by this host"));
    }

    /// A network task's progress, for a developer's network log: `{"id", "kind":
    /// "request"|"upload"|"download"|"socket", "phase": "start"|"open"|"message"|"end"|"fail",
    /// ...}` (the start carries `url`, `method`, `header`; the end the result without data).
    fn net_log(&self, entry: Value) {
        let _ = entry;
    }
}

/// The answer to a [`Host::request`]; dropping it unanswered fails the call.
pub struct Reply {
    to: To,
    answered: bool,
}

/// Where a reply goes: the app's pending call, or a callback (a host layered over another,
/// such as the guard, reads the inner host's answer first).
enum To {
    App { poster: Poster, task: u64 },
    Callback(Option<AnswerFn>),
}

type AnswerFn = Box<dyn FnOnce(Result<Value, String>) + Send>;

impl Reply {
    /// A reply that calls `f` with the answer (once; dropped unanswered, with
    /// `Err("fail no answer from the host")`).
    pub fn from_fn(f: impl FnOnce(Result<Value, String>) + Send + 'static) -> Reply {
        Reply {
            to: To::Callback(Some(Box::new(f))),
            answered: false,
        }
    }

    fn finish(&mut self, r: Result<Value, String>) {
        self.answered = true;
        match &mut self.to {
            To::App { poster, task } => match r {
                Ok(v) => deliver(poster, *task, "complete", Payload::from_json(v)),
                Err(tail) => deliver(
                    poster,
                    *task,
                    "fail",
                    Payload::from_json(Value::String(tail)),
                ),
            },
            To::Callback(f) => {
                if let Some(f) = f.take() {
                    f(r)
                }
            }
        }
    }

    /// Succeed with the API's result object (without `errMsg`).
    pub fn ok(mut self, result: Value) {
        self.finish(Ok(result));
    }

    /// Fail with WeChat's errMsg tail, e.g. `"fail cancel"`.
    pub fn fail(mut self, tail: impl Into<String>) {
        self.finish(Err(tail.into()));
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        if !self.answered {
            self.finish(Err("fail no answer from the host".into()));
        }
    }
}

/// Queue a task event as its own turn on the instance's thread.
fn deliver(poster: &Poster, task: u64, kind: &'static str, payload: Payload) {
    let Payload { json, bufs } = payload;
    let text = json.to_string();
    poster.post(move |ctx| {
        let Ok(f) = crate::instance::runtime_fn(ctx, "deliver") else {
            return;
        };
        let r = if bufs.is_empty() {
            f.call::<_, ()>((task as f64, kind, text))
        } else {
            // Out of memory making the buffers: the event is lost, as it would be in JS.
            array_buffers(ctx, &bufs)
                .and_then(|bufs| f.call::<_, ()>((task as f64, kind, text, bufs)))
        };
        if r.is_err() {
            let _ = ctx.catch();
        }
    });
}

/// A value on its way to JS: JSON, and its binary parts out of line (`{"$buf": i}` in
/// `json` stands for `bufs[i]`, see `cove_protocol::bridge`).
#[derive(Debug, Default)]
struct Payload {
    json: Value,
    bufs: Vec<Vec<u8>>,
}

impl Payload {
    /// JSON from storage, the host or a server: its `{"$bytes"}` objects become binary
    /// parts, decoded as leniently as the runtime always did.
    fn from_json(mut json: Value) -> Payload {
        let mut bufs = Vec::new();
        outline(&mut json, &mut bufs);
        Payload { json, bufs }
    }

    fn bytes(b: Vec<u8>) -> Payload {
        Payload {
            json: marker(0),
            bufs: vec![b],
        }
    }

    fn from_data(d: Data) -> Payload {
        match d {
            Data::Bytes(b) => Payload::bytes(b),
            Data::Json(v) => Payload::from_json(v),
        }
    }

    fn from_answer(a: Answer) -> Payload {
        let mut p = Payload::from_json(a.json);
        if let Some(b) = a.bytes {
            p.json = crate::services::data_first(p.json, marker(p.bufs.len()));
            p.bufs.push(b);
        }
        p
    }
}

fn marker(i: usize) -> Value {
    json!({ BUF_KEY: i })
}

/// Replaces every `{"$bytes": "<base64>"}` in `v` by a marker of its bytes.
fn outline(v: &mut Value, bufs: &mut Vec<Vec<u8>>) {
    match v {
        Value::Array(a) => a.iter_mut().for_each(|x| outline(x, bufs)),
        Value::Object(o) => match (o.len(), o.get(BYTES_KEY)) {
            (1, Some(Value::String(b64))) => {
                bufs.push(crate::services::from_base64_lenient(b64));
                *v = marker(bufs.len() - 1);
            }
            _ => o.values_mut().for_each(|x| outline(x, bufs)),
        },
        _ => {}
    }
}

/// The binary parts of a call from JS, by index; each is taken at most once.
#[derive(Default)]
struct Bin(Vec<Option<Vec<u8>>>);

impl Bin {
    /// The bytes `v` stands for, when it is a marker.
    fn take(&mut self, v: &Value) -> Option<Vec<u8>> {
        let o = v.as_object().filter(|o| o.len() == 1)?;
        let i = usize::try_from(o.get(BUF_KEY)?.as_u64()?).ok()?;
        self.0.get_mut(i)?.take()
    }

    /// Replaces every marker in `v` by `{"$bytes": "<base64>"}`: for values that stay JSON
    /// (storage at rest, the host's messages), as they always were.
    fn inline(&mut self, v: &mut Value) {
        if self.0.is_empty() {
            return;
        }
        if let Some(b) = self.take(v) {
            *v = crate::services::bytes_value(&b);
            return;
        }
        match v {
            Value::Array(a) => a.iter_mut().for_each(|x| self.inline(x)),
            Value::Object(o) => o.values_mut().for_each(|x| self.inline(x)),
            _ => {}
        }
    }

    /// Takes the field `key` of `args` when it is a marker; inlines the rest.
    fn take_field(&mut self, args: &mut Value, key: &str) -> Option<Vec<u8>> {
        let b = args.get(key).and_then(|v| self.take(v));
        self.inline(args);
        b
    }
}

/// The bytes of the ArrayBuffers and typed arrays JS passed beside a call.
fn read_bufs(bufs: Option<rquickjs::Array<'_>>) -> rquickjs::Result<Bin> {
    let Some(bufs) = bufs else {
        return Ok(Bin::default());
    };
    let mut out = Vec::with_capacity(bufs.len());
    for v in bufs.iter::<rquickjs::Value<'_>>() {
        let v = v?;
        let ctx = v.ctx().clone();
        let raw = match ArrayBuffer::from_value(v.clone()) {
            Some(ab) => ab.as_raw(),
            None => TypedArray::<u8>::from_value(v)?.as_raw(),
        };
        let Some(raw) = raw else {
            // A detached buffer: QuickJS has thrown a TypeError, which goes back to JS as
            // it did when the runtime read the buffer itself.
            let e = ctx.catch();
            if e.is_undefined() || e.is_null() {
                out.push(Some(Vec::new()));
                continue;
            }
            return Err(ctx.throw(e));
        };
        // SAFETY: the bytes are copied at once, before any JS runs again.
        out.push(Some(unsafe { raw.as_ref() }.to_vec()));
    }
    Ok(Bin(out))
}

/// ArrayBuffers of `bufs` appended to `out` from index `at`, allocated by QuickJS so that
/// they count against the app's memory limit.
fn push_buffers<'js>(
    ctx: &Ctx<'js>,
    out: &rquickjs::Array<'js>,
    at: usize,
    bufs: &[Vec<u8>],
) -> rquickjs::Result<()> {
    for (i, b) in bufs.iter().enumerate() {
        out.set(at + i, ArrayBuffer::new_copy(ctx.clone(), b)?)?;
    }
    Ok(())
}

fn array_buffers<'js>(ctx: &Ctx<'js>, bufs: &[Vec<u8>]) -> rquickjs::Result<rquickjs::Array<'js>> {
    let a = rquickjs::Array::new(ctx.clone())?;
    push_buffers(ctx, &a, 0, bufs)?;
    Ok(a)
}

/// A call's answer as JS takes it: `{"ok": v}` or `{"err": tail}` as text, and when there
/// are binary parts, `[text, buf0, buf1, ...]`.
fn answer<'js>(
    ctx: &Ctx<'js>,
    r: Result<Payload, ServiceError>,
) -> rquickjs::Result<rquickjs::Value<'js>> {
    let (text, bufs) = match r {
        Ok(p) => (json!({ "ok": p.json }).to_string(), p.bufs),
        Err(e) => (json!({ "err": e.msg }).to_string(), Vec::new()),
    };
    let text = rquickjs::String::from_str(ctx.clone(), &text)?.into_value();
    if bufs.is_empty() {
        return Ok(text);
    }
    let out = rquickjs::Array::new(ctx.clone())?;
    out.set(0, text)?;
    push_buffers(ctx, &out, 1, &bufs)?;
    Ok(out.into_value())
}

/// The per-app services the bridge serves.
pub struct Services {
    pub storage: Storage,
    pub fs: FileSystem,
    pub network: Network,
}

/// A running native task that JS may still call: abort a transfer, send on a socket.
/// Host requests are not kept: their [`Reply`] carries all they need.
enum Running {
    Net(TaskHandle),
    Socket(SocketHandle),
}

/// Ids of tasks whose last event has been delivered, told by the network threads.
type Ended = Arc<Mutex<Vec<u64>>>;

struct Bridge {
    services: Services,
    host: Arc<dyn Host>,
    poster: Poster,
    tasks: HashMap<u64, Running>,
    ended: Ended,
    next_task: u64,
    pacer: Pacer,
}

/// Do what the pacer let out, with no borrow of the bridge held (a host may answer at once).
fn perform(host: &Arc<dyn Host>, outs: Vec<Out>) {
    for o in outs {
        match o {
            Out::Send(msg) => host.send(&msg),
            Out::Request(api, args, reply) => host.request(&api, args, reply),
            Out::Warn(text) => {
                tracing::warn!(target: "cove::pacer", "{text}");
                host.console(Level::Warn, &text);
            }
        }
    }
}

type Shared = Rc<RefCell<Bridge>>;
type Bufs<'js> = Opt<rquickjs::Array<'js>>;

/// Install `__coveNative` into the instance's global scope: one function for each
/// [`Native`], by its name in the typed table.
pub fn install(
    ctx: &Ctx<'_>,
    services: Services,
    host: Arc<dyn Host>,
    poster: Poster,
) -> rquickjs::Result<()> {
    let bridge = Rc::new(RefCell::new(Bridge {
        services,
        host,
        poster,
        tasks: HashMap::new(),
        ended: Ended::default(),
        next_task: 1,
        pacer: Pacer::default(),
    }));
    let natives = Object::new(ctx.clone())?;
    for &n in Native::ALL {
        natives.set(n.as_str(), native(ctx, &bridge, n)?)?;
    }
    ctx.globals().set("__coveNative", natives)?;
    Ok(())
}

/// The function behind one native.
fn native<'js>(ctx: &Ctx<'js>, bridge: &Shared, n: Native) -> rquickjs::Result<Function<'js>> {
    let b = bridge.clone();
    let ctx = ctx.clone();
    match n {
        Native::Bind => Function::new(ctx, |control: Object<'_>| {
            crate::instance::bind_control(&control.ctx().clone(), control)
        }),
        Native::DataSize => Function::new(
            ctx,
            |changes: rquickjs::Value<'_>, up_to: Opt<f64>| -> f64 {
                if crate::mutation::off(crate::mutation::Control::SetData) {
                    return 0.0;
                }
                let up_to = up_to
                    .0
                    .filter(|n| n.is_finite() && *n > 0.0)
                    .map_or(crate::pacer::MAX_DATA_VALUE, |n| {
                        n.min((64 << 20) as f64) as usize
                    });
                crate::data_size::changes(&changes, up_to) as f64
            },
        ),
        Native::Call => Function::new(
            ctx,
            move |ctx: Ctx<'js>, name: String, args: String, bufs: Bufs<'js>| {
                let mut bin = read_bufs(bufs.0)?;
                let args: Value = serde_json::from_str(&args).unwrap_or(Value::Null);
                let r = Call::parse(&name, args)
                    .map_err(bridge_err)
                    .and_then(|call| b.borrow_mut().call(call, &mut bin));
                answer(&ctx, r)
            },
        ),
        Native::Start => Function::new(
            ctx,
            move |name: String, args: String, bufs: Bufs<'js>| -> rquickjs::Result<f64> {
                let bin = read_bufs(bufs.0)?;
                let args: Value = serde_json::from_str(&args).unwrap_or(Value::Null);
                Ok(Bridge::start(&b, &name, args, bin) as f64)
            },
        ),
        Native::TaskCall => Function::new(
            ctx,
            move |ctx: Ctx<'js>, id: f64, method: String, args: String, bufs: Bufs<'js>| {
                let mut bin = read_bufs(bufs.0)?;
                let args: Value = serde_json::from_str(&args).unwrap_or(Value::Null);
                let r = b.borrow_mut().task_call(id as u64, &method, args, &mut bin);
                answer(&ctx, r.map(Payload::from_json))
            },
        ),
        Native::Post => Function::new(ctx, move |msg: String| {
            let outs = b.borrow_mut().pacer.post(msg, clock_now());
            let host = b.borrow().host.clone();
            perform(&host, outs);
        }),
        Native::Pace => Function::new(ctx, move || -> f64 {
            let (outs, wake) = b.borrow_mut().pacer.pace(clock_now());
            let host = b.borrow().host.clone();
            perform(&host, outs);
            wake.unwrap_or(-1.0)
        }),
        // `wx.arrayBufferToBase64`: the runtime hands a Uint8Array over the caller's bytes.
        Native::Base64Encode => Function::new(ctx, |bytes: TypedArray<'js, u8>| -> String {
            let raw = bytes.as_raw();
            // SAFETY: read at once, before any JS runs again.
            raw.map(|p| crate::services::to_base64(unsafe { p.as_ref() }))
                .unwrap_or_default()
        }),
        // `wx.base64ToArrayBuffer`: never fails, as the runtime's JS decoder never did.
        Native::Base64Decode => Function::new(ctx, |ctx: Ctx<'js>, s: String| {
            ArrayBuffer::new_copy(ctx, crate::services::from_base64_lenient(&s))
        }),
    }
}

fn bridge_err(e: BridgeError) -> ServiceError {
    ServiceError::fail(e.to_string())
}

/// WeChat's parameter error for a missing or mistyped string.
fn str_arg<'a>(args: &'a Value, key: &str) -> Result<&'a str, ServiceError> {
    args.get(key).and_then(Value::as_str).ok_or_else(|| {
        ServiceError::fail(format!("parameter error: parameter.{key} should be String"))
    })
}

impl Bridge {
    fn call(&mut self, call: Call, bin: &mut Bin) -> Result<Payload, ServiceError> {
        let st = &mut self.services.storage;
        let json = |r: Result<Value, ServiceError>| r.map(Payload::from_json);
        let done = |r: Result<(), ServiceError>| r.map(|()| Payload::default());
        match call {
            Call::StorageSet { key, mut data } => {
                bin.inline(&mut data);
                done(st.set(&key, data))
            }
            Call::StorageGet { key } => json(st.get(&key)),
            Call::StorageRemove { key } => done(st.remove(&key)),
            Call::StorageClear {} => done(st.clear()),
            Call::StorageInfo {} => json(Ok(st.info())),
            Call::StorageBatchSet { kv_list } => {
                let items: Vec<(String, Value)> = kv_list
                    .into_iter()
                    .map(|kv| {
                        let mut v = kv.value;
                        bin.inline(&mut v);
                        (kv.key, v)
                    })
                    .collect();
                done(st.batch_set(&items))
            }
            Call::StorageBatchGet { key_list } => json(Ok(Value::Array(st.batch_get(&key_list)))),
            Call::Fs { method, mut args } => {
                if args.is_null() {
                    args = json!({});
                }
                let data = bin.take_field(&mut args, "data");
                self.services
                    .fs
                    .call_data(method, &args, data)
                    .map(Payload::from_answer)
            }
            Call::Html { html } => json(Ok(crate::services::html::to_nodes(&html))),
            // The runtime closed pages, or caught an allocation failure (`instance::request_gc`).
            Call::Gc {} => {
                crate::instance::request_gc();
                Ok(Payload::default())
            }
            // WeChat's limit for wx.getRandomValues.
            Call::Random { length } => match length.as_u64() {
                Some(len @ 1..=1_048_576) => random_bytes(len as usize).map(Payload::bytes),
                _ => Err(ServiceError::fail(
                    "parameter error: parameter.length should be an integer in [1, 1048576]",
                )),
            },
        }
    }

    fn start(this: &Shared, name: &str, args: Value, mut bin: Bin) -> u64 {
        let mut b = this.borrow_mut();
        b.prune();
        let id = b.next_task;
        b.next_task += 1;
        let task = match Task::parse(name, args) {
            Ok(t) => t,
            Err(e) => return b.fail_now(id, bridge_err(e)),
        };
        let poster = b.poster.clone();
        let mut sink = net_sink(poster.clone(), id, b.ended.clone());
        let running = match task {
            Task::Request(mut args) => {
                let body = bin.take_field(&mut args, "data");
                sink = logged(b.host.clone(), id, "request", &args, sink);
                Running::Net(b.services.network.request_data(args, body, sink))
            }
            Task::UploadFile(mut args) => {
                bin.inline(&mut args);
                sink = logged(b.host.clone(), id, "upload", &args, sink);
                match b.resolve_arg(&args, "filePath") {
                    Ok(real) if !real.is_file() => {
                        let vpath = str_arg(&args, "filePath").unwrap_or_default();
                        let msg = format!("no such file or directory, open {vpath}");
                        return b.fail_now(id, ServiceError::fail(msg));
                    }
                    Ok(real) => {
                        let mut a = args;
                        a["filePath"] = json!(real.to_string_lossy());
                        Running::Net(b.services.network.upload_file(a, sink))
                    }
                    Err(e) => return b.fail_now(id, e),
                }
            }
            Task::DownloadFile(mut args) => {
                bin.inline(&mut args);
                sink = logged(b.host.clone(), id, "download", &args, sink);
                match b.download_dest(&args) {
                    Ok((virt, real)) => {
                        let key = if args.get("filePath").is_some() {
                            "filePath"
                        } else {
                            "tempFilePath"
                        };
                        let sink: crate::services::net::Sink = Arc::new({
                            let sink = sink.clone();
                            move |ev| match ev {
                                NetEvent::Complete(Ok(mut a)) => {
                                    a.json[key] = json!(virt);
                                    sink(NetEvent::Complete(Ok(a)))
                                }
                                other => sink(other),
                            }
                        });
                        Running::Net(b.services.network.download_file(args, real, sink))
                    }
                    Err(e) => return b.fail_now(id, e),
                }
            }
            Task::ConnectSocket(mut args) => {
                bin.inline(&mut args);
                sink = logged(b.host.clone(), id, "socket", &args, sink);
                Running::Socket(b.services.network.connect_socket(args, sink))
            }
            Task::Host { api, mut args } => {
                bin.inline(&mut args);
                if args.is_null() {
                    args = json!({});
                }
                let host = b.host.clone();
                let reply = Reply {
                    to: To::App { poster, task: id },
                    answered: false,
                };
                // Behind any ops still waiting: the view must have the nodes it is asked about.
                let outs = b.pacer.request(api, args, reply);
                drop(b);
                perform(&host, outs);
                return id;
            }
        };
        b.tasks.insert(id, running);
        id
    }

    fn fail_now(&self, id: u64, e: ServiceError) -> u64 {
        deliver(
            &self.poster,
            id,
            "fail",
            Payload {
                json: Value::String(e.msg),
                bufs: Vec::new(),
            },
        );
        id
    }

    fn resolve_arg(&self, args: &Value, key: &str) -> Result<PathBuf, ServiceError> {
        self.services.fs.real_path(str_arg(args, key)?)
    }

    /// Where a download lands: the caller's `filePath` in the sandbox, or a new temp file.
    fn download_dest(&mut self, args: &Value) -> Result<(String, PathBuf), ServiceError> {
        if let Some(p) = args.get("filePath").and_then(Value::as_str) {
            return Ok((p.to_string(), self.services.fs.real_path(p)?));
        }
        let url = str_arg(args, "url")?;
        let ext = url
            .split(['?', '#'])
            .next()
            .and_then(|p| p.rsplit('/').next())
            .and_then(|f| f.rsplit_once('.').map(|(_, e)| e))
            .filter(|e| {
                !e.is_empty() && e.len() <= 8 && e.chars().all(|c| c.is_ascii_alphanumeric())
            })
            .unwrap_or("tmp")
            .to_string();
        Ok(self.services.fs.temp_path(&ext))
    }

    /// Forget tasks that have ended.
    fn prune(&mut self) {
        let ended = std::mem::take(&mut *self.ended.lock().unwrap_or_else(|e| e.into_inner()));
        for id in ended {
            self.tasks.remove(&id);
        }
        self.tasks
            .retain(|_, t| !matches!(t, Running::Net(h) if h.is_done()));
    }

    fn task_call(
        &mut self,
        id: u64,
        method: &str,
        args: Value,
        bin: &mut Bin,
    ) -> Result<Value, ServiceError> {
        self.prune();
        let call = TaskCall::parse(method, args);
        match (self.tasks.get(&id), call) {
            (Some(Running::Net(h)), Ok(TaskCall::Abort {})) => {
                h.abort();
                Ok(Value::Null)
            }
            (Some(Running::Socket(s)), Ok(TaskCall::Send { mut data })) => {
                let data = match bin.take(&data) {
                    Some(b) => Data::Bytes(b),
                    None => {
                        bin.inline(&mut data);
                        Data::from_json(data)?
                    }
                };
                s.send(data).map(|()| Value::Null)
            }
            (Some(Running::Socket(s)), Ok(TaskCall::Close { code, reason })) => {
                let code = code.as_u64().unwrap_or(1000) as u16;
                let reason = reason.as_str().unwrap_or("");
                s.close(code, reason).map(|()| Value::Null)
            }
            (None, Ok(TaskCall::Abort {})) => Ok(Value::Null),
            (None, Ok(TaskCall::Send { .. } | TaskCall::Close { .. })) => {
                Err(ServiceError::fail("WebSocket is not connected"))
            }
            (None, Err(_)) => Err(ServiceError::fail("the task has ended")),
            (Some(_), Ok(c)) => Err(bridge_err(BridgeError::UnknownMethod(
                c.method().to_string(),
            ))),
            (Some(_), Err(e)) => Err(bridge_err(e)),
        }
    }
}

/// `len` bytes from the operating system's random source.
fn random_bytes(len: usize) -> Result<Vec<u8>, ServiceError> {
    cove_package::random::bytes(len)
        .map_err(|e| ServiceError::fail(format!("no random source: {e}")))
}

/// Report a network task to the host's log as it starts and as its events pass.
fn logged(
    host: Arc<dyn Host>,
    id: u64,
    kind: &'static str,
    args: &Value,
    sink: crate::services::net::Sink,
) -> crate::services::net::Sink {
    host.net_log(json!({
        "id": id, "kind": kind, "phase": "start",
        "url": args.get("url"), "method": args.get("method").cloned().unwrap_or(json!("GET")),
        "header": args.get("header"),
    }));
    Arc::new(move |ev: NetEvent| {
        let entry = match &ev {
            NetEvent::Complete(Ok(a)) => {
                let mut v = a.json.clone();
                let bytes = match (&a.bytes, v.get("data")) {
                    (Some(b), _) => Some(b.len()),
                    (None, Some(Value::String(s))) => Some(s.len()),
                    (None, Some(other)) => Some(other.to_string().len()),
                    (None, None) => None,
                };
                if let Some(o) = v.as_object_mut() {
                    o.remove("data");
                }
                Some(json!({"id": id, "kind": kind, "phase": "end", "result": v, "bytes": bytes}))
            }
            NetEvent::Complete(Err(tail)) => {
                Some(json!({"id": id, "kind": kind, "phase": "fail", "error": tail}))
            }
            NetEvent::Open(v) => {
                Some(json!({"id": id, "kind": kind, "phase": "open", "result": v}))
            }
            NetEvent::Message(_) => Some(json!({"id": id, "kind": kind, "phase": "message"})),
            NetEvent::Error(e) => {
                Some(json!({"id": id, "kind": kind, "phase": "fail", "error": e}))
            }
            NetEvent::Close { code, .. } => {
                Some(json!({"id": id, "kind": kind, "phase": "end", "result": {"code": code}}))
            }
            _ => None,
        };
        if let Some(e) = entry {
            host.net_log(e);
        }
        sink(ev)
    })
}

/// Network events as task deliveries; a task's last event marks it ended.
fn net_sink(poster: Poster, id: u64, ended: Ended) -> crate::services::net::Sink {
    Arc::new(move |ev: NetEvent| {
        if matches!(ev, NetEvent::Complete(_) | NetEvent::Close { .. }) {
            ended.lock().unwrap_or_else(|e| e.into_inner()).push(id);
        }
        let (kind, payload) = match ev {
            NetEvent::HeadersReceived(v) => ("headersReceived", Payload::from_json(v)),
            NetEvent::Progress(v) => ("progress", Payload::from_json(v)),
            NetEvent::Complete(Ok(mut a)) => {
                if let Some(o) = a.json.as_object_mut() {
                    o.remove("errMsg");
                }
                ("complete", Payload::from_answer(a))
            }
            NetEvent::Complete(Err(tail)) => ("fail", Payload::from_json(Value::String(tail))),
            NetEvent::Open(v) => ("open", Payload::from_json(v)),
            NetEvent::Message(d) => ("message", Payload::from_data(d)),
            NetEvent::Error(e) => ("error", Payload::from_json(Value::String(e))),
            NetEvent::Close { code, reason } => (
                "close",
                Payload::from_json(json!({ "code": code, "reason": reason })),
            ),
        };
        deliver(&poster, id, kind, payload);
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::str::FromStr;

    use cove_protocol::bridge::{CallName, FsMethod, TaskMethod, TaskName};

    use super::*;

    /// The runtime's JS as the container evaluates it.
    fn runtime_js() -> String {
        crate::app::runtime_scripts()
            .iter()
            .find(|(name, _)| name == "cove/runtime.js")
            .map(|(_, code)| code.clone())
            .expect("the runtime script")
    }

    /// Wrappers that pass a name on: their inner calls are the only ones without a literal.
    const PASS_ON: &[&str] = &[
        "native.call(name, json",
        "native.start(name, json",
        "native.taskCall(id, method, json",
        "nativeStart(native_, args",
    ];

    /// The string literal at argument `arg` of every call of `callee` in `js` (not its
    /// definition); panics on a call site that gives no literal there.
    fn literals(js: &str, callee: &str, arg: usize) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let pat = format!("{callee}(");
        for (at, _) in js.match_indices(&pat) {
            let before = &js[..at];
            let prev = before.chars().next_back().unwrap_or(' ');
            if prev.is_alphanumeric() || prev == '_' || prev == '.' && !callee.contains('.') {
                continue; // part of a longer name
            }
            if before.ends_with("function ") {
                continue;
            }
            let rest = &js[at + pat.len()..];
            if PASS_ON.iter().any(|p| js[at..].starts_with(p)) {
                continue;
            }
            let mut args = rest.splitn(arg + 1, ',');
            let lit = args.nth(arg).map(str::trim_start).unwrap_or("");
            let name = lit
                .strip_prefix('\'')
                .and_then(|l| l.split_once('\''))
                .map(|(n, _)| n.to_string())
                .unwrap_or_else(|| {
                    panic!(
                        "`{callee}` called without a literal name: {}",
                        &js[at..(at + 80).min(js.len())]
                    )
                });
            out.insert(name);
        }
        out
    }

    /// Names the JS uses, checked against the typed table; every typed name is used.
    fn same<N: FromStr + Copy + std::fmt::Display>(used: BTreeSet<String>, all: &[N])
    where
        N::Err: std::fmt::Display,
    {
        for n in &used {
            if let Err(e) = n.parse::<N>() {
                panic!("the runtime uses {n:?}, which the bridge's typed table lacks: {e}");
            }
        }
        let typed: BTreeSet<String> = all.iter().map(|n| n.to_string()).collect();
        assert_eq!(
            used, typed,
            "the runtime's names and the typed table differ"
        );
    }

    /// A name renamed on one side only fails here: every native name the runtime's JS
    /// calls is in `cove_protocol::bridge`, and every name there is called.
    #[test]
    fn the_runtime_calls_only_typed_names() {
        let js = runtime_js();
        same(literals(&js, "nativeCall", 0), CallName::ALL);
        let mut tasks = literals(&js, "nativeStart", 0);
        tasks.extend(literals(&js, "netTask", 1));
        same(tasks, TaskName::ALL);
        let mut methods = literals(&js, "nativeTaskCall", 1);
        methods.extend(literals(&js, "native.taskCall", 1));
        same(methods, TaskMethod::ALL);
        let natives: BTreeSet<String> = js
            .match_indices("native.")
            .filter(|(at, _)| {
                let prev = js[..*at].chars().next_back().unwrap_or(' ');
                !(prev.is_alphanumeric() || prev == '_' || prev == '$')
            })
            .map(|(at, p)| {
                js[at + p.len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect()
            })
            .collect();
        same(natives, Native::ALL);
    }

    /// The quoted names in the array literal that starts at `js[at..]`.
    fn quoted_list(js: &str, at: usize) -> Vec<String> {
        let open = at + js[at..].find('[').expect("an array");
        let close = open + js[open..].find(']').expect("its end");
        js[open + 1..close]
            .split(',')
            .filter_map(|q| q.trim().strip_prefix('\'')?.strip_suffix('\''))
            .map(str::to_string)
            .collect()
    }

    /// The FileSystemManager methods the runtime sends through `fs` are typed too.
    #[test]
    fn the_runtime_sends_only_typed_file_methods() {
        let js = runtime_js();
        let mut methods = quoted_list(&js, js.find("const FS_SYNC = ").expect("FS_SYNC"));
        // Loops over method names whose body sends them: `for (const m of [...]) ... fs`.
        for (at, _) in js.match_indices("for (const m of [") {
            let body = js[at..].lines().take(2).collect::<String>();
            if body.contains("nativeCall('fs', { method: m") {
                methods.extend(quoted_list(&js, at));
            }
        }
        for (at, p) in js.match_indices("nativeCall('fs', { method: '") {
            let rest = &js[at + p.len()..];
            methods.push(rest[..rest.find('\'').unwrap()].to_string());
        }
        assert!(methods.len() > 15, "{methods:?}");
        for m in methods {
            assert!(m.parse::<FsMethod>().is_ok(), "fs method {m} is not typed");
        }
    }

    #[test]
    fn the_scan_sees_a_rename() {
        let js = "nativeCall('storage.get', {}); nativeCall('storage.fetch', {});";
        let used = literals(js, "nativeCall", 0);
        assert!(used.contains("storage.fetch"));
        assert!("storage.fetch".parse::<CallName>().is_err());
        let r = std::panic::catch_unwind(|| literals("nativeCall(name, 1)", "nativeCall", 0));
        assert!(r.is_err(), "a call without a literal name is refused");
    }

    #[test]
    fn binary_parts_go_out_of_line_and_back() {
        // Out: `{"$bytes"}` from storage or the host becomes a part, leniently decoded.
        let p = Payload::from_json(json!({"a": [{"$bytes": "AAEC"}], "b": {"$bytes": 1}}));
        assert_eq!(p.json, json!({"a": [{"$buf": 0}], "b": {"$bytes": 1}}));
        assert_eq!(p.bufs, vec![vec![0, 1, 2]]);
        let p = Payload::from_answer(Answer {
            json: json!({"statusCode": 200, "x": {"$bytes": "AA"}}),
            bytes: Some(vec![9]),
        });
        assert_eq!(
            p.json,
            json!({"data": {"$buf": 1}, "statusCode": 200, "x": {"$buf": 0}})
        );
        assert_eq!(p.bufs, vec![vec![0], vec![9]]);

        // In: markers are taken as bytes, or inlined as `{"$bytes"}` for JSON consumers.
        let mut bin = Bin(vec![Some(vec![1]), Some(vec![0, 255])]);
        let mut args = json!({"data": {"$buf": 0}, "deep": [{"$buf": 1}], "n": {"$buf": 7}});
        assert_eq!(bin.take_field(&mut args, "data"), Some(vec![1]));
        assert_eq!(args["deep"], json!([{"$bytes": "AP8="}]));
        assert_eq!(args["n"], json!({"$buf": 7}), "no such part: left as it is");
        assert_eq!(
            bin.take(&json!({"$buf": 1})),
            None,
            "each part is taken once"
        );
    }
}
