//! Our demo app runs headless: App.onLaunch, the entry page's first render, setData that
//! sends only what changed, taps delivered as view events, routing and the page stack.

use crate::common;

use std::path::Path;

use common::{kinds, launch};
use serde_json::json;

const DEMO: &str = "../../examples/demo";

#[test]
fn counter_renders_then_a_tap_sends_only_the_changed_text() {
    let t = std::time::Instant::now();
    let mut r = launch(Path::new(DEMO), None);
    println!("launch to first ops: {:?}", t.elapsed());
    // App.onLaunch ran with the launch options, and counted the launch in storage.
    assert!(
        r.host
            .logs()
            .iter()
            .any(|l| l == "[cove-demo] launch pages/counter/counter count 1"),
        "{:?}",
        r.host.logs()
    );
    // The first message names the protocol version; the launch route follows the ops.
    let kept = r.host.kept.lock().unwrap().clone();
    assert_eq!(kept[0]["t"], "hello");
    assert_eq!(kept[0]["protocol"], 1);
    let route = kept.iter().find(|m| m["t"] == "route").unwrap();
    assert_eq!(route["action"], "launch");
    assert_eq!(route["window"]["navigationBarTitleText"], "Counter");
    assert_eq!(route["tab"], "pages/counter/counter");
    let count = r.tree.by_id("count");
    assert_eq!(r.tree.tag[&count], "text");
    assert_eq!(r.tree.text_of(count), "0");
    assert_eq!(r.tree.text_of(r.tree.by_id("parity")), "even");
    assert_eq!(r.stack_paths(), ["pages/counter/counter"]);

    // First tap: count, parity, and the `wx:if` line that appears.
    let ops = r.tap("increment");
    assert_eq!(r.tree.text_of(count), "1");
    assert_eq!(r.tree.text_of(r.tree.by_id("parity")), "odd");
    assert!(r.tree.find_id("updated-at").is_some());
    println!("first tap: {} ops", ops.len());

    // Second tap: two text updates (count and parity) and the time, nothing created.
    let ops = r.tap("increment");
    println!("second tap: {ops:?}");
    assert!(kinds(&ops).iter().all(|k| k == "text"), "{ops:?}");
    assert_eq!(ops[0], json!(["text", ops[0][1], "2"]));
    assert_eq!(r.tree.text_of(count), "2");
    assert!(ops.len() <= 3);

    // A page method called directly, as a test driver would.
    r.app.call_page_method("reset", &[]).unwrap();
    r.sync();
    assert_eq!(r.tree.text_of(count), "0");
    assert_eq!(r.app.page_data().unwrap()["count"], 0);
}

#[test]
fn routing_keeps_a_page_stack_like_wechat() {
    let r = launch(Path::new(DEMO), Some("pages/list/list"));
    assert_eq!(r.stack_paths(), ["pages/list/list"]);
    let route = r
        .host
        .take()
        .into_iter()
        .find(|m| m["t"] == "route")
        .unwrap_or_default();
    let _ = route;
    // The list renders the `card` component: host element `wx-x` styled `card`.
    r.app
        .eval_json("wx.navigateTo({url: '/packageA/pages/detail/detail?id=2&title=Buy%20milk'})")
        .unwrap();
    r.app.settle().unwrap();
    assert_eq!(
        r.stack_paths(),
        ["pages/list/list", "packageA/pages/detail/detail"]
    );
    let stack = r.app.page_stack().unwrap();
    assert_eq!(stack[1]["query"], json!({"id": "2", "title": "Buy milk"}));
    let routes: Vec<_> = r
        .host
        .take()
        .into_iter()
        .filter(|m| m["t"] == "route")
        .collect();
    assert_eq!(routes.last().unwrap()["action"], "navigateTo");
    assert_eq!(routes.last().unwrap()["stack"].as_array().unwrap().len(), 2);

    // A tab page cannot be navigated to; switchTab closes the others.
    let err = r.app.eval_json(
        "let out; wx.navigateTo({url: '/pages/about/about', fail: (e) => { out = e.errMsg }}); Promise.resolve().then(() => 0); out",
    );
    let _ = err;
    r.app.eval_json("wx.navigateTo({url: '/pages/about/about', fail: (e) => { globalThis.__err = e.errMsg }})").unwrap();
    r.app.settle().unwrap();
    assert_eq!(
        r.app.eval_json("globalThis.__err").unwrap(),
        "navigateTo:fail can not navigateTo a tabbar page"
    );
    r.app.send(&json!({"t": "back"})).unwrap();
    assert_eq!(r.stack_paths(), ["pages/list/list"]);
    r.app
        .eval_json("wx.switchTab({url: '/pages/about/about'})")
        .unwrap();
    r.app.settle().unwrap();
    assert_eq!(r.stack_paths(), ["pages/about/about"]);
}
