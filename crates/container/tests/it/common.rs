//! Shared by the container's integration tests: build a fixture, a host that records what
//! the container sends, and a replay of the ops that is enough to find nodes and text.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use cove_container::{App, AppConfig, Clock, Host, Level, Reply};
use serde_json::{Value, json};

/// Compile a mini-program project into a temp dir.
pub fn build(project: &Path) -> tempfile::TempDir {
    let out = cove_compiler::compile_dir(project, &Default::default())
        .unwrap_or_else(|e| panic!("{} does not compile: {e:?}", project.display()));
    let dir = tempfile::tempdir().unwrap();
    cove_compiler::output::write_dir(&out.files, dir.path()).unwrap();
    dir
}

/// Records every message and console line; answers host requests from a table.
#[derive(Default)]
pub struct TestHost {
    pub messages: Mutex<Vec<Value>>,
    pub console: Mutex<Vec<(Level, String)>>,
    pub requests: Mutex<Vec<(String, Value)>>,
    pub answers: Mutex<HashMap<String, Result<Value, String>>>,
    /// Messages other than ops that `take_ops` passed over, in order.
    pub kept: Mutex<Vec<Value>>,
    /// Every message as sent, never taken (tests/it/protocol.rs types them all).
    pub sent: Mutex<Vec<String>>,
}

impl TestHost {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn answer(&self, api: &str, r: Result<Value, &str>) {
        self.answers
            .lock()
            .unwrap()
            .insert(api.into(), r.map_err(str::to_string));
    }

    pub fn take(&self) -> Vec<Value> {
        std::mem::take(&mut *self.messages.lock().unwrap())
    }

    /// Every op sent since the last take, in order.
    pub fn take_ops(&self) -> Vec<Value> {
        let (ops, other): (Vec<Value>, Vec<Value>) =
            self.take().into_iter().partition(|m| m["t"] == "ops");
        self.kept.lock().unwrap().extend(other);
        ops.into_iter()
            .flat_map(|m| m["ops"].as_array().cloned().unwrap_or_default())
            .collect()
    }

    pub fn logs(&self) -> Vec<String> {
        self.console
            .lock()
            .unwrap()
            .iter()
            .map(|(_, t)| t.clone())
            .collect()
    }

    pub fn take_logs(&self) -> Vec<String> {
        std::mem::take(&mut *self.console.lock().unwrap())
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }
}

impl Host for TestHost {
    fn send(&self, msg: &str) {
        let v: Value = serde_json::from_str(msg).expect("the container sends JSON");
        self.messages.lock().unwrap().push(v);
        self.sent.lock().unwrap().push(msg.to_string());
    }

    fn console(&self, level: Level, text: &str) {
        self.console.lock().unwrap().push((level, text.to_string()));
    }

    fn request(&self, api: &str, args: Value, reply: Reply) {
        self.requests.lock().unwrap().push((api.to_string(), args));
        // Not held while answering: a layered host (the guard) may ask again at once.
        let answer = self.answers.lock().unwrap().get(api).cloned();
        match answer {
            Some(Ok(v)) => reply.ok(v),
            Some(Err(e)) => reply.fail(e),
            None if api == "layout" => reply.ok(Value::Null),
            None => reply.fail(format!("fail {api} is not answered by the test host")),
        }
    }
}

pub struct Running {
    pub app: App,
    pub host: Arc<TestHost>,
    pub tree: Tree,
    _package: tempfile::TempDir,
    pub data: tempfile::TempDir,
}

impl Running {
    /// Apply every op sent so far to the tree; returns them.
    pub fn sync(&mut self) -> Vec<Value> {
        let ops = self.host.take_ops();
        self.tree.apply(&ops);
        ops
    }

    pub fn tap(&mut self, id: &str) -> Vec<Value> {
        self.sync();
        let node = self.tree.by_id(id);
        self.app
            .event(node, "tap", json!({"x": 1, "y": 2}))
            .unwrap();
        self.sync()
    }

    pub fn stack_paths(&self) -> Vec<String> {
        self.app
            .page_stack()
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["path"].as_str().unwrap().to_string())
            .collect()
    }
}

/// Build and launch `project` with a manual clock.
/// A project folder holding `files` (path, contents).
pub fn project<S: AsRef<[u8]>>(files: &[(&str, S)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (p, text) in files {
        let path = dir.path().join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

pub fn launch(project: &Path, entry: Option<&str>) -> Running {
    launch_with(project, entry, |_| {})
}

pub fn launch_with(
    project: &Path,
    entry: Option<&str>,
    tweak: impl FnOnce(&mut AppConfig),
) -> Running {
    let package = build(project);
    let data = tempfile::tempdir().unwrap();
    let host = TestHost::new();
    let mut config = AppConfig::dev_mode_unverified("wxtest", package.path(), data.path());
    config.clock = Clock::Manual;
    tweak(&mut config);
    let app = App::launch(config, host.clone(), entry).expect("the app launches");
    let mut r = Running {
        app,
        host,
        tree: Tree::default(),
        _package: package,
        data,
    };
    r.sync();
    r
}

/// A replay of the ops: tags, texts, ids, attributes and children.
#[derive(Default)]
pub struct Tree {
    pub tag: HashMap<u64, String>,
    pub text: HashMap<u64, String>,
    pub id_attr: HashMap<u64, String>,
    pub attrs: HashMap<u64, HashMap<String, Value>>,
    pub children: HashMap<u64, Vec<u64>>,
}

fn n(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("expected a node id, got {v}"))
}

impl Tree {
    pub fn apply(&mut self, ops: &[Value]) {
        for op in ops {
            let a = op.as_array().unwrap();
            match a[0].as_str().unwrap() {
                "create" => {
                    self.tag
                        .insert(n(&a[1]), a[2].as_str().unwrap().to_string());
                }
                "createText" | "text" => {
                    self.text
                        .insert(n(&a[1]), a[2].as_str().unwrap().to_string());
                }
                "id" => {
                    self.id_attr
                        .insert(n(&a[1]), a[2].as_str().unwrap().to_string());
                }
                "attr" => {
                    self.attrs
                        .entry(n(&a[1]))
                        .or_default()
                        .insert(a[2].as_str().unwrap().to_string(), a[3].clone());
                }
                "append" => self.children.entry(n(&a[1])).or_default().push(n(&a[2])),
                "insert" => {
                    let kids = self.children.entry(n(&a[1])).or_default();
                    let at = a[3]
                        .as_u64()
                        .and_then(|b| kids.iter().position(|k| *k == b))
                        .unwrap_or(kids.len());
                    kids.insert(at, n(&a[2]));
                }
                "remove" => {
                    if let Some(k) = self.children.get_mut(&n(&a[1])) {
                        k.retain(|c| *c != n(&a[2]));
                    }
                }
                "release" => {
                    self.id_attr.remove(&n(&a[1]));
                }
                _ => {}
            }
        }
    }

    /// glass-easel writes ids as `<component prefix>--<id>`.
    pub fn by_id(&self, id: &str) -> u64 {
        self.find_id(id)
            .unwrap_or_else(|| panic!("no element with id {id}"))
    }

    pub fn find_id(&self, id: &str) -> Option<u64> {
        self.id_attr
            .iter()
            .find(|(_, v)| is_id(v, id))
            .map(|(k, _)| *k)
    }

    /// The text of a node's direct text children.
    pub fn text_of(&self, node: u64) -> String {
        self.children
            .get(&node)
            .into_iter()
            .flatten()
            .filter_map(|c| self.text.get(c))
            .cloned()
            .collect()
    }

    /// All text under a node, depth first.
    pub fn deep_text(&self, node: u64) -> String {
        let mut out = self.text.get(&node).cloned().unwrap_or_default();
        for c in self.children.get(&node).into_iter().flatten() {
            out.push_str(&self.deep_text(*c));
        }
        out
    }
}

pub fn is_id(written: &str, id: &str) -> bool {
    written == id || written.ends_with(&format!("--{id}"))
}

pub fn kinds(ops: &[Value]) -> Vec<String> {
    ops.iter()
        .map(|o| o[0].as_str().unwrap().to_string())
        .collect()
}
