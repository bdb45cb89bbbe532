//! What an app may push at its view: WeChat's 1 MB setData limit, and the pacing that keeps
//! an op flood from drowning the view (src/pacer.rs). The clock is manual: pacing follows the
//! instance clock, so every count here is exact.

use std::path::Path;
use std::time::Duration;

use cove_container::Level;
use cove_container::pacer::{
    BYTE_BURST, BYTES_PER_SECOND, MAX_MESSAGE_BYTES, MAX_MESSAGE_OPS, MESSAGE_BURST,
    MESSAGES_PER_SECOND,
};
use serde_json::{Value, json};

use crate::common::{Running, launch};

const PAGE_JS: &str = r#"
let timer = 0;
Page({
  data: { n: 0, blob: '', rows: [], note: 'ready' },
  big() {
    try {
      this.setData({ blob: 'x'.repeat(1024 * 1024), note: 'set' });
    } catch (e) {
      getApp().caught = e.message;
    }
  },
  justUnder() {
    this.setData({ blob: 'y'.repeat(1024 * 1024 - 20) });
  },
  rows(count) {
    const rows = [];
    for (let i = 0; i < count; i++) rows.push('row ' + i);
    this.setData({ rows });
  },
  flood(bytes) {
    const pad = 'z'.repeat(bytes || 0);
    timer = setInterval(() => {
      this.setData({ n: this.data.n + 1, blob: pad + (this.data.n + 1) });
    }, 1);
  },
  stop() {
    clearInterval(timer);
    this.setData({ note: 'stopped' });
  },
});
"#;

const PAGE_WXML: &str = r#"<view id="n">{{n}}</view>
<view id="note" bindtap="stop">{{note}}</view>
<view id="blob">{{blob}}</view>
<view id="rows"><view wx:for="{{rows}}" wx:key="*this">{{item}}</view></view>
"#;

fn project(dir: &Path) {
    let files = [
        ("app.json", r#"{"pages": ["pages/index/index"]}"#),
        ("app.js", "App({});"),
        ("project.config.json", r#"{"appid": "wxtest"}"#),
        ("pages/index/index.js", PAGE_JS),
        ("pages/index/index.wxml", PAGE_WXML),
        ("pages/index/index.json", "{}"),
    ];
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

fn start() -> (Running, tempfile::TempDir) {
    let src = tempfile::tempdir().unwrap();
    project(src.path());
    (launch(src.path(), None), src)
}

/// The `ops` messages sent since the last take, each as its JSON text length and op count;
/// other messages are kept for `take_ops`.
fn ops_messages(r: &Running) -> Vec<(usize, Vec<Value>)> {
    let all = r.host.take();
    let mut out = vec![];
    for m in all {
        if m["t"] == "ops" {
            let len = m.to_string().len();
            out.push((len, m["ops"].as_array().cloned().unwrap_or_default()));
        } else {
            r.host.kept.lock().unwrap().push(m);
        }
    }
    out
}

fn warnings(r: &Running) -> Vec<String> {
    r.host
        .console
        .lock()
        .unwrap()
        .iter()
        .filter(|(l, _)| *l == Level::Warn)
        .map(|(_, t)| t.clone())
        .collect()
}

#[test]
fn set_data_over_one_megabyte_is_refused_and_nothing_changes() {
    let (mut r, _src) = start();
    let before = r.app.page_data().unwrap();
    r.app.call_page_method("big", &[]).unwrap();
    // The call threw WeChat's message, the data is as it was, and the view got nothing.
    let caught = r.app.eval_json("getApp().caught").unwrap();
    let caught = caught.as_str().expect("setData threw");
    assert!(
        caught.contains("数据传输长度为") && caught.contains("已经超过最大长度 1048576"),
        "{caught}"
    );
    assert_eq!(r.app.page_data().unwrap(), before);
    assert_eq!(r.app.page_data().unwrap()["note"], "ready");
    assert!(r.sync().is_empty(), "nothing reaches the view");
    let warned = warnings(&r);
    assert!(
        warned
            .iter()
            .any(|w| w.contains("setData") && w.contains("已经超过最大长度")),
        "{warned:?}"
    );

    // Just under the limit still works.
    r.app.call_page_method("justUnder", &[]).unwrap();
    let data = r.app.page_data().unwrap();
    assert_eq!(data["blob"].as_str().unwrap().len(), 1024 * 1024 - 20);
    let ops = r.sync();
    assert!(
        ops.iter()
            .any(|op| op[0] == "text" && op[2].as_str().is_some_and(|t| t.len() > 1000)),
        "the text went to the view"
    );
}

#[test]
fn one_huge_turn_reaches_the_view_in_bounded_batches() {
    let (mut r, _src) = start();
    r.sync();
    let rows = 6000;
    r.app.call_page_method("rows", &[json!(rows)]).unwrap();
    let mut msgs = ops_messages(&r);
    // What did not fit the buckets at once leaves on later frames.
    for _ in 0..100 {
        r.app.advance(Duration::from_millis(100)).unwrap();
        msgs.extend(ops_messages(&r));
    }
    let total: usize = msgs.iter().map(|(_, ops)| ops.len()).sum();
    assert!(total > MAX_MESSAGE_OPS, "a big turn: {total} ops");
    assert!(msgs.len() >= 2, "split into {} messages", msgs.len());
    for (len, ops) in &msgs {
        assert!(
            ops.len() <= MAX_MESSAGE_OPS,
            "{} ops in one message",
            ops.len()
        );
        assert!(*len <= MAX_MESSAGE_BYTES + 64, "{len} bytes in one message");
    }
    // In order and complete: every row's text, once, in the app's order.
    let texts: Vec<String> = msgs
        .iter()
        .flat_map(|(_, ops)| ops)
        .filter(|op| op[0] == "createText" && op[2].as_str().is_some_and(|t| t.starts_with("row ")))
        .map(|op| op[2].as_str().unwrap().to_string())
        .collect();
    let want: Vec<String> = (0..rows).map(|i| format!("row {i}")).collect();
    assert!(texts == want, "{} row texts, not in order", texts.len());
}

/// A setData every millisecond for `secs` seconds, each `pad` bytes big; returns the ops
/// messages the host got meanwhile.
fn flood(r: &mut Running, pad: usize, secs: u64) -> Vec<(usize, Vec<Value>)> {
    r.sync();
    r.app.call_page_method("flood", &[json!(pad)]).unwrap();
    let mut msgs = ops_messages(r);
    for _ in 0..secs * 10 {
        r.app.advance(Duration::from_millis(100)).unwrap();
        msgs.extend(ops_messages(r));
    }
    msgs
}

/// After a flood: the app still answers a tap, and once the backlog is out the view shows
/// the app's last state.
fn still_running(r: &mut Running, msgs: Vec<(usize, Vec<Value>)>) {
    let note = r.tree.by_id("note");
    r.app.event(note, "tap", json!({})).unwrap();
    let mut msgs = msgs;
    for _ in 0..20 {
        r.app.advance(Duration::from_millis(100)).unwrap();
        msgs.extend(ops_messages(r));
    }
    let ops: Vec<Value> = msgs.into_iter().flat_map(|(_, ops)| ops).collect();
    r.tree.apply(&ops);
    let data = r.app.page_data().unwrap();
    assert_eq!(data["note"], "stopped");
    let n = data["n"].as_u64().unwrap();
    assert_eq!(r.tree.text_of(r.tree.by_id("n")), n.to_string());
    assert_eq!(r.tree.text_of(r.tree.by_id("note")), "stopped");
    // Nothing waits any more.
    r.app.advance(Duration::from_secs(1)).unwrap();
    assert!(ops_messages(r).is_empty());
}

#[test]
fn a_set_data_timer_loop_is_paced_and_merged() {
    let (mut r, _src) = start();
    let secs = 6;
    let msgs = flood(&mut r, 0, secs);
    let turns = r.app.page_data().unwrap()["n"].as_u64().unwrap();
    assert!(turns >= secs * 900, "the timer ran {turns} times");
    // At most the burst plus the rate, where unpaced it would be one message a turn.
    let allowed = MESSAGE_BURST + MESSAGES_PER_SECOND * secs as f64;
    assert!(
        (msgs.len() as f64) <= allowed,
        "{} messages for {turns} turns (allowed {allowed})",
        msgs.len()
    );
    assert!((msgs.len() as u64) < turns / 2);
    // Merged: a waiting batch holds one text op per node, the last.
    let most = msgs.iter().map(|(_, ops)| ops.len()).max().unwrap();
    assert!(most <= 8, "a merged batch of {most} ops");
    let warned = warnings(&r);
    assert!(
        warned.iter().any(|w| w.contains("more than it can draw")),
        "{warned:?}"
    );
    still_running(&mut r, msgs);
}

#[test]
fn a_byte_flood_is_held_to_the_byte_rate() {
    let (mut r, _src) = start();
    let (pad, secs) = (100_000, 3);
    let msgs = flood(&mut r, pad, secs);
    let turns = r.app.page_data().unwrap()["n"].as_u64().unwrap();
    let bytes: usize = msgs.iter().map(|(len, _)| len).sum();
    let allowed = BYTE_BURST + BYTES_PER_SECOND * secs as f64 + MAX_MESSAGE_BYTES as f64;
    assert!(
        (bytes as f64) <= allowed,
        "{bytes} bytes in {} messages for {turns} turns (allowed {allowed})",
        msgs.len()
    );
    assert!(
        turns as usize * pad > 4 * bytes,
        "most of the flood was merged away"
    );
    still_running(&mut r, msgs);
}
