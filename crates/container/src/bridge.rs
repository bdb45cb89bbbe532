//! The `wx.*` bridge: the native functions the JS runtime calls, on the instance's thread.
//!
//! JS sees one object, `__coveNative`, which the runtime takes and removes from the global
//! scope before app code runs (app code never sees it):
//! - `bind(control)`: the runtime hands over its control object, once; Rust calls into the
//!   runtime only through it ([`crate::instance::runtime_fn`]), never through a global;
//! - `dataSize(changes, upTo) -> n`: the JSON length of a data update, measured in Rust
//!   (`data_size.rs`) for `setData`'s 1 MB limit, counted up to `upTo` at most;
//! - `call(name, json) -> json`: a synchronous service call, answered `{"ok": v}` or
//!   `{"err": "fail ..."}` (storage, files).
//! - `start(name, json) -> id`: an asynchronous task (network, host requests). Its events
//!   come back later as turns calling the runtime's `deliver(id, kind, json)`; `complete` or
//!   `fail` ends it.
//! - `taskCall(id, method, json) -> json`: abort a task, or send on / close a socket.
//! - `post(json)`: a message for the view or host (ops, routes, UI), see docs/protocol.md,
//!   paced by [`crate::pacer`]; `pace() -> ms`: release what waits, and when to call again
//!   (-1: nothing waits). The runtime calls it at the end of every turn.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use rquickjs::{Ctx, Function, Object};
use serde_json::{Value, json};

use crate::instance::{Level, Poster, clock_now};
use crate::pacer::{Out, Pacer};
use crate::services::{
    FileSystem, NetEvent, Network, ServiceError, SocketHandle, Storage, TaskHandle,
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
                Ok(v) => deliver(poster, *task, "complete", &v),
                Err(tail) => deliver(poster, *task, "fail", &Value::String(tail)),
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
fn deliver(poster: &Poster, task: u64, kind: &'static str, payload: &Value) {
    let text = payload.to_string();
    poster.post(move |ctx| {
        let f = crate::instance::runtime_fn(ctx, "deliver");
        if let Ok(f) = f {
            let _ = f.call::<_, ()>((task as f64, kind, text));
        }
    });
}

/// The per-app services the bridge serves.
pub struct Services {
    pub storage: Storage,
    pub fs: FileSystem,
    pub network: Network,
}

/// A running native task that JS may still call: abort a transfer, send on a socket.
/// Host requests are not kept: their [`Reply`] carries all they need.
enum Task {
    Net(TaskHandle),
    Socket(SocketHandle),
}

/// Ids of tasks whose last event has been delivered, told by the network threads.
type Ended = Arc<Mutex<Vec<u64>>>;

struct Bridge {
    services: Services,
    host: Arc<dyn Host>,
    poster: Poster,
    tasks: HashMap<u64, Task>,
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

/// Install `__coveNative` into the instance's global scope.
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
    let native = Object::new(ctx.clone())?;
    native.set(
        "bind",
        Function::new(ctx.clone(), |control: Object<'_>| {
            crate::instance::bind_control(&control.ctx().clone(), control)
        })?,
    )?;
    native.set(
        "dataSize",
        Function::new(
            ctx.clone(),
            |changes: rquickjs::Value<'_>, up_to: rquickjs::function::Opt<f64>| -> f64 {
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
        )?,
    )?;
    let b = bridge.clone();
    native.set(
        "call",
        Function::new(ctx.clone(), move |name: String, args: String| {
            let args: Value = serde_json::from_str(&args).unwrap_or(Value::Null);
            answer(b.borrow_mut().call(&name, &args))
        })?,
    )?;
    let b = bridge.clone();
    native.set(
        "start",
        Function::new(ctx.clone(), move |name: String, args: String| {
            let args: Value = serde_json::from_str(&args).unwrap_or(Value::Null);
            Bridge::start(&b, &name, args) as f64
        })?,
    )?;
    let b = bridge.clone();
    native.set(
        "taskCall",
        Function::new(ctx.clone(), move |id: f64, method: String, args: String| {
            let args: Value = serde_json::from_str(&args).unwrap_or(Value::Null);
            answer(b.borrow_mut().task_call(id as u64, &method, &args))
        })?,
    )?;
    let b = bridge.clone();
    native.set(
        "post",
        Function::new(ctx.clone(), move |msg: String| {
            let outs = b.borrow_mut().pacer.post(msg, clock_now());
            let host = b.borrow().host.clone();
            perform(&host, outs);
        })?,
    )?;
    let b = bridge.clone();
    native.set(
        "pace",
        Function::new(ctx.clone(), move || -> f64 {
            let (outs, wake) = b.borrow_mut().pacer.pace(clock_now());
            let host = b.borrow().host.clone();
            perform(&host, outs);
            wake.unwrap_or(-1.0)
        })?,
    )?;
    ctx.globals().set("__coveNative", native)?;
    Ok(())
}

fn answer(r: Result<Value, ServiceError>) -> String {
    match r {
        Ok(v) => json!({ "ok": v }).to_string(),
        Err(e) => json!({ "err": e.msg }).to_string(),
    }
}

fn str_arg<'a>(args: &'a Value, key: &str) -> Result<&'a str, ServiceError> {
    args.get(key).and_then(Value::as_str).ok_or_else(|| {
        ServiceError::fail(format!("parameter error: parameter.{key} should be String"))
    })
}

impl Bridge {
    fn call(&mut self, name: &str, args: &Value) -> Result<Value, ServiceError> {
        let st = &mut self.services.storage;
        match name {
            "storage.set" => st
                .set(
                    str_arg(args, "key")?,
                    args.get("data").cloned().unwrap_or(Value::Null),
                )
                .map(|()| Value::Null),
            "storage.get" => st.get(str_arg(args, "key")?),
            "storage.remove" => st.remove(str_arg(args, "key")?).map(|()| Value::Null),
            "storage.clear" => st.clear().map(|()| Value::Null),
            "storage.info" => Ok(st.info()),
            "storage.batchSet" => {
                let items: Vec<(String, Value)> = args
                    .get("kvList")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|kv| {
                        let key = kv.get("key").and_then(Value::as_str).unwrap_or_default();
                        (
                            key.to_string(),
                            kv.get("value").cloned().unwrap_or(Value::Null),
                        )
                    })
                    .collect();
                st.batch_set(&items).map(|()| Value::Null)
            }
            "storage.batchGet" => {
                let keys: Vec<String> = args
                    .get("keyList")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|k| k.as_str().map(str::to_string))
                    .collect();
                Ok(Value::Array(st.batch_get(&keys)))
            }
            "fs" => {
                let method = str_arg(args, "method")?;
                let a = args.get("args").cloned().unwrap_or_else(|| json!({}));
                self.services.fs.call(method, &a)
            }
            "html" => Ok(crate::services::html::to_nodes(str_arg(args, "html")?)),
            // The runtime closed pages, or caught an allocation failure (`instance::request_gc`).
            "gc" => {
                crate::instance::request_gc();
                Ok(Value::Null)
            }
            "random" => {
                // WeChat's limit for wx.getRandomValues.
                match args.get("length").and_then(Value::as_u64) {
                    Some(len @ 1..=1_048_576) => {
                        random_bytes(len as usize).map(|b| crate::services::bytes_value(&b))
                    }
                    _ => Err(ServiceError::fail(
                        "parameter error: parameter.length should be an integer in [1, 1048576]",
                    )),
                }
            }
            _ => Err(ServiceError::fail(format!("{name} is not a native call"))),
        }
    }

    fn start(this: &Rc<RefCell<Self>>, name: &str, args: Value) -> u64 {
        let mut b = this.borrow_mut();
        b.prune();
        let id = b.next_task;
        b.next_task += 1;
        let poster = b.poster.clone();
        let mut sink = net_sink(poster.clone(), id, b.ended.clone());
        if let Some(kind) = net_kind(name) {
            sink = logged(b.host.clone(), id, kind, &args, sink);
        }
        let task = match name {
            "request" => Task::Net(b.services.network.request(args, sink)),
            "uploadFile" => match b.resolve_arg(&args, "filePath") {
                Ok(real) if !real.is_file() => {
                    let vpath = str_arg(&args, "filePath").unwrap_or_default();
                    let msg = format!("no such file or directory, open {vpath}");
                    return b.fail_now(id, ServiceError::fail(msg));
                }
                Ok(real) => {
                    let mut a = args;
                    a["filePath"] = json!(real.to_string_lossy());
                    Task::Net(b.services.network.upload_file(a, sink))
                }
                Err(e) => return b.fail_now(id, e),
            },
            "downloadFile" => match b.download_dest(&args) {
                Ok((virt, real)) => {
                    let key = if args.get("filePath").is_some() {
                        "filePath"
                    } else {
                        "tempFilePath"
                    };
                    let sink: crate::services::net::Sink = Arc::new({
                        let sink = sink.clone();
                        move |ev| match ev {
                            NetEvent::Complete(Ok(mut v)) => {
                                v[key] = json!(virt);
                                sink(NetEvent::Complete(Ok(v)))
                            }
                            other => sink(other),
                        }
                    });
                    Task::Net(b.services.network.download_file(args, real, sink))
                }
                Err(e) => return b.fail_now(id, e),
            },
            "connectSocket" => Task::Socket(b.services.network.connect_socket(args, sink)),
            "host" => {
                let api = args
                    .get("api")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let a = args.get("args").cloned().unwrap_or_else(|| json!({}));
                let host = b.host.clone();
                let reply = Reply {
                    to: To::App { poster, task: id },
                    answered: false,
                };
                // Behind any ops still waiting: the view must have the nodes it is asked about.
                let outs = b.pacer.request(api, a, reply);
                drop(b);
                perform(&host, outs);
                return id;
            }
            _ => {
                return b.fail_now(
                    id,
                    ServiceError::fail(format!("{name} is not a native task")),
                );
            }
        };
        b.tasks.insert(id, task);
        id
    }

    fn fail_now(&self, id: u64, e: ServiceError) -> u64 {
        deliver(&self.poster, id, "fail", &Value::String(e.msg));
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
            .retain(|_, t| !matches!(t, Task::Net(h) if h.is_done()));
    }

    fn task_call(&mut self, id: u64, method: &str, args: &Value) -> Result<Value, ServiceError> {
        self.prune();
        match (self.tasks.get(&id), method) {
            (Some(Task::Net(h)), "abort") => {
                h.abort();
                Ok(Value::Null)
            }
            (Some(Task::Socket(s)), "send") => s
                .send(args.get("data").cloned().unwrap_or(Value::Null))
                .map(|()| Value::Null),
            (Some(Task::Socket(s)), "close") => {
                let code = args.get("code").and_then(Value::as_u64).unwrap_or(1000) as u16;
                let reason = args.get("reason").and_then(Value::as_str).unwrap_or("");
                s.close(code, reason).map(|()| Value::Null)
            }
            (None, "abort") => Ok(Value::Null),
            (None, "send" | "close") => Err(ServiceError::fail("WebSocket is not connected")),
            (None, _) => Err(ServiceError::fail("the task has ended")),
            (Some(_), m) => Err(ServiceError::fail(format!(
                "{m} is not supported by this task"
            ))),
        }
    }
}

/// `len` bytes from the operating system's random source.
fn random_bytes(len: usize) -> Result<Vec<u8>, ServiceError> {
    cove_package::random::bytes(len)
        .map_err(|e| ServiceError::fail(format!("no random source: {e}")))
}

/// Network events as task deliveries; a task's last event marks it ended.
fn net_kind(task: &str) -> Option<&'static str> {
    Some(match task {
        "request" => "request",
        "uploadFile" => "upload",
        "downloadFile" => "download",
        "connectSocket" => "socket",
        _ => return None,
    })
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
            NetEvent::Complete(Ok(v)) => {
                let mut v = v.clone();
                let bytes = v.get("data").map(|d| match d {
                    Value::String(s) => s.len(),
                    other => other.to_string().len(),
                });
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

fn net_sink(poster: Poster, id: u64, ended: Ended) -> crate::services::net::Sink {
    Arc::new(move |ev: NetEvent| {
        if matches!(ev, NetEvent::Complete(_) | NetEvent::Close { .. }) {
            ended.lock().unwrap_or_else(|e| e.into_inner()).push(id);
        }
        let (kind, payload) = match ev {
            NetEvent::HeadersReceived(v) => ("headersReceived", v),
            NetEvent::Progress(v) => ("progress", v),
            NetEvent::Complete(Ok(mut v)) => {
                if let Some(o) = v.as_object_mut() {
                    o.remove("errMsg");
                }
                ("complete", v)
            }
            NetEvent::Complete(Err(tail)) => ("fail", Value::String(tail)),
            NetEvent::Open(v) => ("open", v),
            NetEvent::Message(v) => ("message", v),
            NetEvent::Error(e) => ("error", Value::String(e)),
            NetEvent::Close { code, reason } => {
                ("close", json!({ "code": code, "reason": reason }))
            }
        };
        deliver(&poster, id, kind, &payload);
    })
}
