//! Every message and op round-trips through its type in the exact JSON form
//! `docs/protocol.md` gives; unknown or renamed fields are refused; and the doc's tables list
//! exactly the types' ops and messages.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::*;

/// Parses `v` as `T`, checks it serialises back to the same JSON, and returns it.
fn round_trip<T: Serialize + DeserializeOwned + fmt::Debug + PartialEq>(v: Value) -> T {
    let typed: T = serde_json::from_value(v.clone())
        .unwrap_or_else(|e| panic!("{v} does not parse as {}: {e}", std::any::type_name::<T>()));
    let back = serde_json::to_value(&typed).unwrap();
    assert_eq!(back, v, "{typed:?} serialises differently");
    let again: T = serde_json::from_value(back).unwrap();
    assert_eq!(again, typed);
    typed
}

fn refused<T: DeserializeOwned + fmt::Debug>(v: Value) -> String {
    match serde_json::from_value::<T>(v.clone()) {
        Ok(t) => panic!("{v} parsed as {t:?}"),
        Err(e) => e.to_string(),
    }
}

/// The tags a `t`-tagged enum accepts, as serde lists them when it refuses an unknown one.
fn tags<T: DeserializeOwned + fmt::Debug>() -> BTreeSet<String> {
    let e = refused::<T>(json!({"t": "\u{1}"}));
    let list = e
        .split("expected")
        .nth(1)
        .expect("serde lists the variants");
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// One example of each app message, as the container's runtime posts it.
fn app_messages() -> Vec<Value> {
    vec![
        json!({"t": "hello", "protocol": 1, "appId": "wx1",
               "app": {"window": {"navigationBarTitleText": "Demo"}, "tabBar": null,
                       "pages": ["pages/a/a"], "darkmode": false, "theme": null},
               "theme": "light"}),
        json!({"t": "hello", "protocol": 1, "appId": "wx1",
               "app": {"window": {}, "tabBar": {"list": [{"pagePath": "pages/a/a"}]},
                       "pages": [], "darkmode": true, "theme": {"light": {}, "dark": {}}},
               "theme": "dark"}),
        json!({"t": "ops", "ops": [["create", 5, "view", "view"], ["attr", 5, "data-id", 3]]}),
        json!({"t": "route", "action": "navigateTo",
               "stack": [{"id": 1, "path": "pages/list/list", "query": {"q": "1"}, "node": 3}],
               "window": {"navigationBarTitleText": "List"}, "tab": null}),
        json!({"t": "route", "action": "switchTab", "stack": [], "window": {}, "tab": "pages/a/a"}),
        json!({"t": "pageClosed", "id": 1, "node": 3}),
        json!({"t": "ui", "api": "showToast", "args": {"title": "Saved", "icon": "success"}, "page": 2}),
        json!({"t": "ui", "api": "hideTabBar", "args": {}, "page": null}),
        json!({"t": "canvas", "node": 12,
               "calls": [["size", 600, 300], ["=", "fillStyle", "#07c160"], ["fillRect", 0, 0, 10, 10]]}),
        json!({"t": "theme", "theme": "dark"}),
        json!({"t": "report", "api": "reportEvent", "args": {"eventId": "x"}}),
        json!({"t": "unsupported", "api": "startBeaconDiscovery"}),
        json!({"t": "error", "message": "boom", "page": null, "closing": false}),
        json!({"t": "automator", "method": "App.bindingCalled", "params": {"name": "f", "args": []}}),
    ]
}

fn host_messages() -> Vec<Value> {
    vec![
        json!({"t": "config", "dev": true,
               "styles": [{"path": "app.css", "scope": null, "page": false},
                          {"path": "pages/a/a.css", "scope": "p1", "page": true}],
               "domains": {"image": [], "media": ["https://m.example"], "webView": []},
               "device": {"width": "375", "height": null, "ratio": "2", "name": "iPhone"},
               "watermark": null}),
        json!({"t": "fatal", "code": "memory", "title": "Out of memory", "message": "m", "help": "h"}),
        json!({"t": "request", "id": 7, "api": "showModal", "args": {"title": "Delete?"}}),
        json!({"t": "hostReply", "id": 2, "ok": {}}),
        json!({"t": "hostReply", "id": 3, "fail": "fail exit is not available"}),
        json!({"t": "hostReply", "id": 4, "ok": null}),
        json!({"t": "viewRefused", "message": "no element with node id 9"}),
        json!({"t": "reload"}),
        json!({"t": "reload", "path": "pages/a/a", "query": "x=1"}),
        json!({"t": "compileError", "diagnostics": [{"file": "app.json", "line": 1, "col": 2, "message": "bad"}]}),
        json!({"t": "compileOk"}),
    ]
}

fn view_messages() -> Vec<Value> {
    vec![
        json!({"t": "event", "node": 5, "type": "tap", "detail": {"x": 1.0, "y": 2.0},
               "touches": [], "changedTouches": [{"identifier": 0, "pageX": 1, "pageY": 2, "clientX": 1, "clientY": 2, "force": 0}],
               "timeStamp": 12.0}),
        json!({"t": "event", "node": 5, "type": "change", "detail": {"value": 3}, "bubbles": false}),
        json!({"t": "event", "node": 5, "type": "tap"}),
        json!({"t": "event", "node": 5, "type": "change", "detail": null}),
        json!({"t": "model", "node": 5, "name": "value", "value": "abc"}),
        json!({"t": "intersection", "id": 1, "entry": {
            "intersectionRatio": 0.5,
            "intersectionRect": {"left": 0.0, "top": 0.0, "right": 10.0, "bottom": 5.0, "width": 10.0, "height": 5.0},
            "boundingClientRect": {"left": 0.0, "top": 0.0, "width": 10.0, "height": 5.0},
            "relativeRect": {"left": 0.0, "top": 0.0, "width": 375.0, "height": 667.0},
            "time": 1.0}}),
        json!({"t": "back"}),
        json!({"t": "tab", "path": "pages/x/x"}),
        json!({"t": "hide"}),
        json!({"t": "show"}),
        json!({"t": "show", "referrerInfo": {"appId": "wx2", "extraData": {}}, "scene": 1038}),
        json!({"t": "pageScroll", "scrollTop": 120.0}),
        json!({"t": "reachBottom"}),
        json!({"t": "pullDownRefresh"}),
        json!({"t": "resize", "size": {"windowWidth": 600.0, "windowHeight": 800.0}}),
        json!({"t": "share", "from": "menu"}),
        json!({"t": "device", "event": "networkStatusChange", "data": {"isConnected": false}}),
        json!({"t": "update", "state": "ready"}),
    ]
}

fn view_to_host() -> Vec<Value> {
    vec![
        json!({"t": "reply", "id": 7, "ok": {"confirm": true}}),
        json!({"t": "reply", "id": 8, "fail": "fail cancel"}),
        // A null answer stays one (a layout query for a node the view does not have).
        json!({"t": "reply", "id": 9, "ok": null}),
        json!({"t": "viewError", "message": "x is not a function"}),
        json!({"t": "host", "id": 1, "api": "navigate", "args": {"url": "/pages/a/a", "openType": "navigate"}}),
    ]
}

/// Runs `check` on every sample and returns the tags they cover.
fn covered(samples: Vec<Value>, check: impl Fn(Value)) -> BTreeSet<String> {
    samples
        .into_iter()
        .map(|v| {
            let t = v["t"].as_str().unwrap().to_string();
            check(v);
            t
        })
        .collect()
}

#[test]
fn every_app_message_round_trips() {
    let seen = covered(app_messages(), |v| {
        let m: AppMessage = round_trip(v.clone());
        // A view takes it as one of everything it receives.
        assert_eq!(round_trip::<ToView>(v), ToView::App(m));
    });
    assert_eq!(seen, tags::<AppMessage>(), "a sample for every message");
}

#[test]
fn every_host_message_round_trips() {
    let seen = covered(host_messages(), |v| {
        let m: HostMessage = round_trip(v.clone());
        assert_eq!(round_trip::<ToView>(v), ToView::Host(m));
    });
    assert_eq!(seen, tags::<HostMessage>());
}

#[test]
fn every_view_message_round_trips() {
    let seen = covered(view_messages(), |v| {
        let m: ViewMessage = round_trip(v.clone());
        assert_eq!(round_trip::<FromView>(v), FromView::App(m));
    });
    assert_eq!(seen, tags::<ViewMessage>());
    let seen = covered(view_to_host(), |v| {
        let m: ViewToHost = round_trip(v.clone());
        assert_eq!(round_trip::<FromView>(v), FromView::Host(m));
    });
    assert_eq!(seen, tags::<ViewToHost>());
}

#[test]
fn the_typed_values_are_what_the_json_says() {
    let m: AppMessage = round_trip(json!({"t": "pageClosed", "id": 1, "node": 3}));
    assert_eq!(m, AppMessage::PageClosed { id: 1, node: 3 });
    let m: ViewMessage = round_trip(json!({"t": "event", "node": 5, "type": "tap"}));
    let ViewMessage::Event(e) = m else {
        panic!("{m:?}")
    };
    assert_eq!((e.node, e.event_type.as_str(), e.detail), (5, "tap", None));
    let hello = AppMessage::Hello(Hello {
        protocol: PROTOCOL_VERSION,
        app_id: "wx1".into(),
        app: HelloApp {
            window: json!({}),
            tab_bar: None,
            pages: vec![],
            darkmode: false,
            theme: None,
        },
        theme: ThemeName::Light,
    });
    assert_eq!(
        serde_json::to_value(&hello).unwrap(),
        json!({"t": "hello", "protocol": PROTOCOL_VERSION, "appId": "wx1",
               "app": {"window": {}, "tabBar": null, "pages": [], "darkmode": false, "theme": null},
               "theme": "light"})
    );
}

/// One example of each op, in `docs/protocol.md`'s array form.
fn ops() -> Vec<Value> {
    vec![
        json!(["page", 3, 1, "pages/a/a"]),
        json!(["create", 5, "view", "view"]),
        json!(["createText", 6, "hello"]),
        json!(["createFragment", 7]),
        json!(["append", 5, 6]),
        json!(["insert", 5, 6, null]),
        json!(["insert", 5, 6, 8]),
        json!(["remove", 5, 6]),
        json!(["replace", 5, 6, 9]),
        json!(["spliceBefore", 5, 6, 2, 7]),
        json!(["spliceAppend", 5, 7]),
        json!(["spliceRemove", 5, 6, 1]),
        json!(["text", 6, "bye"]),
        json!(["id", 5, "c1--box"]),
        json!(["attr", 5, "data-id", 3]),
        json!(["attr", 5, "nodes", [{"name": "div", "children": []}]]),
        json!(["attr", 5, "hidden", null]),
        json!(["removeAttr", 5, "hidden"]),
        json!(["class", 5, "item", null]),
        json!(["class", 5, "item", "c1"]),
        json!(["removeClass", 5, "item", "c1"]),
        json!(["clearClasses", 5]),
        json!(["style", 5, "width: 100rpx"]),
        json!(["styleScope", 5, "c1", null, "c2"]),
        json!(["styleSheet", "pages/a/a.css", null, 1]),
        json!(["disableStyleSheet", 1]),
        json!(["listen", 5, "tap", false, 0]),
        json!(["model", 5, "value"]),
        json!(["observe", 1, 5, null, "0px 0px 10px 0px", [0.0, 1.0]]),
        json!(["unobserve", 1]),
        json!(["release", 5]),
    ]
}

#[test]
fn every_op_round_trips_as_an_array() {
    let seen: BTreeSet<&str> = ops()
        .into_iter()
        .map(|v| round_trip::<Op>(v).name())
        .collect();
    assert_eq!(seen, Op::NAMES.iter().copied().collect());
    assert_eq!(
        round_trip::<Op>(json!(["create", 5, "view", "wx-x"])),
        Op::Create {
            id: 5,
            tag: "view".into(),
            styling_name: "wx-x".into()
        }
    );
    assert_eq!(
        serde_json::to_value(Op::Insert {
            parent: 1,
            child: 2,
            before: None
        })
        .unwrap(),
        json!(["insert", 1, 2, null])
    );
}

#[test]
fn a_wrong_op_is_refused() {
    assert!(refused::<Op>(json!(["frobnicate", 1])).contains("unknown variant `frobnicate`"));
    assert!(
        refused::<Op>(json!(["create", 5, "view"])).contains("op create has 2 fields, expected 3")
    );
    assert!(refused::<Op>(json!(["release", 5, 6])).contains("more than 1 fields"));
    assert!(refused::<Op>(json!(["text", "5", "x"])).contains("invalid type"));
    assert!(refused::<Op>(json!([])).contains("invalid length 0"));
    assert!(refused::<Op>(json!({"op": "create"})).contains("invalid type: map"));
}

#[test]
fn unknown_and_renamed_fields_are_refused() {
    // A renamed field: the old name is unknown, and the new one is missing.
    let e = refused::<AppMessage>(json!({"t": "pageClosed", "id": 1, "nodeId": 3}));
    assert!(e.contains("unknown field `nodeId`"), "{e}");
    let e = refused::<ViewMessage>(json!({"t": "pageScroll", "top": 3}));
    assert!(e.contains("unknown field `top`"), "{e}");
    let e = refused::<ViewMessage>(json!({"t": "back", "delta": 2}));
    assert!(e.contains("unknown field `delta`"), "{e}");
    // Inside a struct of a newtype variant too.
    let e = refused::<ViewMessage>(json!({"t": "event", "node": 1, "type": "tap", "target": 2}));
    assert!(e.contains("unknown field `target`"), "{e}");
    let e = refused::<AppMessage>(
        json!({"t": "route", "action": "launch", "stack": [], "window": {}, "tab": null, "x": 1}),
    );
    assert!(e.contains("unknown field `x`"), "{e}");
    let e = refused::<ViewMessage>(json!({"t": "resize", "size": {"width": 1, "height": 2}}));
    assert!(e.contains("unknown field `width`"), "{e}");
    // An unknown type or a value of the wrong kind.
    let e = refused::<ViewMessage>(json!({"t": "teleport"}));
    assert!(e.contains("unknown variant `teleport`"), "{e}");
    let e =
        refused::<AppMessage>(json!({"t": "ui", "api": "showConfetti", "args": {}, "page": null}));
    assert!(e.contains("unknown variant `showConfetti`"), "{e}");
    let e = refused::<ViewMessage>(json!({"t": "tab"}));
    assert!(e.contains("missing field `path`"), "{e}");
}

// ---- docs/protocol.md -----------------------------------------------------------------------

fn doc() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/protocol.md");
    std::fs::read_to_string(path).expect("docs/protocol.md")
}

/// The doc's lines under the heading that starts with `heading`, up to the next heading of
/// the same or a higher level.
fn section<'a>(doc: &'a str, heading: &str) -> Vec<&'a str> {
    let mut lines = doc.lines().skip_while(|l| !l.starts_with(heading));
    let Some(first) = lines.next() else {
        panic!("docs/protocol.md has no heading {heading:?}")
    };
    let level = first.chars().take_while(|c| *c == '#').count();
    lines
        .take_while(|l| {
            let hashes = l.chars().take_while(|c| *c == '#').count();
            hashes == 0 || hashes > level || !l[hashes..].starts_with(' ')
        })
        .collect()
}

/// The first quoted word after `prefix` in each table row of `lines` (`["create", ...`
/// gives `create`); `/`-separated alternatives in one row count too.
fn table_names(lines: &[&str], prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for l in lines.iter().filter(|l| l.starts_with("| `")) {
        let first_cell = l.split(" | ").next().unwrap_or("");
        for part in first_cell.split(prefix).skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            out.insert(name);
        }
    }
    out
}

#[test]
fn the_docs_op_table_is_the_op_type() {
    let doc = doc();
    let table = table_names(&section(&doc, "### `ops`"), "[\"");
    let ops: BTreeSet<String> = Op::NAMES.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        table, ops,
        "docs/protocol.md's op table (left) and `Op` (right) differ"
    );
}

#[test]
fn the_docs_message_table_is_the_view_message_type() {
    let doc = doc();
    let table = table_names(&section(&doc, "## View → container"), "{\"t\": \"");
    assert_eq!(
        table,
        tags::<ViewMessage>(),
        "docs/protocol.md's view → container table (left) and `ViewMessage` (right) differ"
    );
}

#[test]
fn the_doc_describes_every_message_and_ui_api() {
    let doc = doc();
    // `hello` is under Versioning, the others under Container → view.
    for t in tags::<AppMessage>() {
        assert!(
            doc.contains(&format!("{{\"t\": \"{t}\"")) || doc.contains(&format!("### `{t}`")),
            "docs/protocol.md does not describe the app message `{t}`"
        );
    }
    let hosts = section(&doc, "## Host → view").join("\n");
    for t in tags::<HostMessage>() {
        assert!(
            hosts.contains(&format!("\"t\": \"{t}\"")),
            "docs/protocol.md's Host → view section does not describe `{t}`"
        );
    }
    let view_to_host = section(&doc, "## View → host").join("\n");
    for t in tags::<ViewToHost>() {
        assert!(
            view_to_host.contains(&format!("\"t\": \"{t}\"")),
            "docs/protocol.md's View → host section does not describe `{t}`"
        );
    }
    // `ui`'s list of APIs, in the doc and in `UiApi`.
    let ui = section(&doc, "### `ui`").join("\n");
    let listed: BTreeSet<String> = ui
        .split("`api` is one of")
        .nth(1)
        .expect("the ui section lists its APIs")
        .split(';')
        .next()
        .unwrap()
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    let api = refused::<UiApi>(json!("\u{1}"));
    let typed: BTreeSet<String> = api
        .split("expected")
        .nth(1)
        .unwrap()
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    assert_eq!(
        listed, typed,
        "the doc's ui APIs (left) and `UiApi` (right)"
    );
}

#[test]
fn the_doc_names_the_protocol_version() {
    assert!(
        doc().starts_with(&format!(
            "# The container ↔ view protocol (version {PROTOCOL_VERSION})"
        )),
        "docs/protocol.md's title gives another version than PROTOCOL_VERSION"
    );
}
