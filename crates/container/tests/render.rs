//! glass-easel renders the demo's counter page inside QuickJS through the recording
//! composed backend, and a page method's `setData` produces only the ops that changed.

use std::collections::HashMap;
use std::path::Path;

use cove_container::render::{call_page_method, dispatch_event, render_app};
use cove_container::{Instance, Limits};
use serde_json::Value;

fn build_demo() -> tempfile::TempDir {
    let out = cove_compiler::compile_dir(Path::new("../../examples/demo"), &Default::default())
        .expect("demo compiles");
    let dir = tempfile::tempdir().unwrap();
    cove_compiler::output::write_dir(&out.files, dir.path()).unwrap();
    dir
}

/// A tiny replay of the ops: enough to find elements and their text.
#[derive(Default)]
struct Tree {
    tag: HashMap<u64, String>,
    text: HashMap<u64, String>,
    id_attr: HashMap<u64, String>,
    children: HashMap<u64, Vec<u64>>,
}

fn n(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("expected a node id, got {v}"))
}

impl Tree {
    fn apply(&mut self, ops: &[Value]) {
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
                "append" => self.children.entry(n(&a[1])).or_default().push(n(&a[2])),
                _ => {}
            }
        }
    }

    /// glass-easel writes ids as `<component prefix>--<id>`.
    fn by_id(&self, id: &str) -> u64 {
        *self
            .id_attr
            .iter()
            .find(|(_, v)| is_id(v, id))
            .unwrap_or_else(|| panic!("no element with id {id}"))
            .0
    }

    fn text_of(&self, node: u64) -> String {
        self.children
            .get(&node)
            .into_iter()
            .flatten()
            .filter_map(|c| self.text.get(c))
            .cloned()
            .collect()
    }
}

fn is_id(written: &str, id: &str) -> bool {
    written == id || written.ends_with(&format!("--{id}"))
}

fn kinds(ops: &[Value]) -> Vec<String> {
    ops.iter()
        .map(|o| o[0].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn counter_page_renders_and_updates_incrementally() {
    let dir = build_demo();
    let instance = Instance::start("render-test", Limits::default()).unwrap();

    let t = std::time::Instant::now();
    let first = render_app(&instance, dir.path(), "pages/counter/counter").unwrap();
    println!("first render: {} ops in {:?}", first.len(), t.elapsed());
    let mut tree = Tree::default();
    tree.apply(&first);
    let count = tree.by_id("count");
    assert_eq!(tree.tag[&count], "text");
    assert_eq!(tree.text_of(count), "0");
    assert_eq!(tree.text_of(tree.by_id("parity")), "even");
    assert!(!tree.id_attr.values().any(|v| is_id(v, "updated-at")));

    // First increment: count 0 -> 1, parity even -> odd, and `updatedAt` becomes non-empty,
    // so the `wx:if` text appears. No re-render of the rest of the page.
    let t = std::time::Instant::now();
    let ops = call_page_method(&instance, "increment", &[]).unwrap();
    println!(
        "increment #1: {} ops in {:?}: {ops:?}",
        ops.len(),
        t.elapsed()
    );
    tree.apply(&ops);
    assert_eq!(tree.text_of(count), "1");
    assert_eq!(tree.text_of(tree.by_id("parity")), "odd");
    assert!(tree.id_attr.values().any(|v| is_id(v, "updated-at")));
    assert!(
        ops.len() * 3 < first.len(),
        "update should not re-render the page"
    );
    let text_count_updates = ops.iter().filter(|o| o[0] == "text" && o[2] == "1").count();
    assert_eq!(text_count_updates, 1);

    // Second increment: only text updates (count, parity, maybe the time), nothing created.
    let ops = call_page_method(&instance, "increment", &[]).unwrap();
    println!("increment #2: {} ops: {ops:?}", ops.len());
    tree.apply(&ops);
    assert_eq!(tree.text_of(count), "2");
    assert!(
        kinds(&ops).iter().all(|k| k == "text"),
        "only text updates expected, got {ops:?}"
    );
    assert!(ops.len() <= 3);

    // A tap on the "+1" button, delivered the way the view will: node id + event type.
    let plus = tree.by_id("increment");
    let ops = dispatch_event(&instance, plus, "tap", &Value::Null).unwrap();
    println!("tap +1: {} ops: {ops:?}", ops.len());
    tree.apply(&ops);
    assert_eq!(tree.text_of(count), "3");
}

#[test]
fn list_page_with_custom_component_renders() {
    let dir = build_demo();
    let instance = Instance::start("render-list", Limits::default()).unwrap();
    let ops = render_app(&instance, dir.path(), "pages/list/list").unwrap();
    println!("list first render: {} ops", ops.len());
    // The list page uses the `card` custom component. Its host is created as
    // `createElement("wx-x", "card")`: logical tag `wx-x`, styling name `card`.
    assert!(
        ops.iter()
            .any(|o| o[0] == "create" && o[2] == "wx-x" && o[3] == "card"),
        "{ops:?}"
    );
    let logs = instance.eval("logs", "__cove.logs").unwrap();
    println!("console: {logs}");
}
