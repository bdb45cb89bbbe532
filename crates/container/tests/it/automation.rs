//! The container's half of the automator protocol on the demo app: selectors over the
//! component tree (tag, class, id, combinators, `>>>`), data, methods, wx calls and mocks.

use crate::common;

use std::path::Path;
use std::time::Duration;

use common::{Running, launch};
use cove_container::Automation;
use serde_json::{Value, json};

const DEMO: &str = "../../examples/demo";

/// Run one step to its end, polling a pending promise as the simulator does.
fn call(r: &Running, method: &str, params: Value, function: Option<&str>) -> Result<Value, String> {
    let mut answer = r
        .app
        .automation(method, &params, function)
        .map_err(|e| e.to_string())?;
    for _ in 0..200 {
        match answer {
            Automation::Done(v) => return Ok(v),
            Automation::Failed(e) => return Err(e),
            Automation::Pending(id) => {
                std::thread::sleep(Duration::from_millis(5));
                answer = r.app.automation_poll(id).unwrap();
            }
        }
    }
    panic!("{method} did not settle");
}

fn ok(r: &Running, method: &str, params: Value) -> Value {
    call(r, method, params, None).unwrap_or_else(|e| panic!("{method}: {e}"))
}

fn tags(r: &Running, selector: &str, scope: Value) -> Vec<String> {
    let mut params = scope;
    params["selector"] = json!(selector);
    ok(r, "Page.getElements", params)["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["tagName"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn selectors_follow_wechat_scoping() {
    let r = launch(Path::new(DEMO), Some("pages/list/list"));
    let page = ok(&r, "App.getCurrentPage", json!({}));
    assert_eq!(page["path"], "pages/list/list");
    let scope = json!({"pageId": page["pageId"]});

    // Tag, id, class, compound, descendant and child.
    assert_eq!(tags(&r, "card", scope.clone()), ["card"]);
    assert_eq!(tags(&r, "#summary", scope.clone()), ["card"]);
    assert_eq!(tags(&r, "input.add-row__input", scope.clone()), ["input"]);
    assert_eq!(tags(&r, ".add-row > button", scope.clone()), ["button"]);
    assert_eq!(tags(&r, ".list button#add", scope.clone()), ["button"]);
    assert!(tags(&r, ".list > button", scope.clone()).is_empty());
    let items = tags(&r, "#items > .item", scope.clone());
    assert!(
        items.len() >= 2 && items.iter().all(|t| t == "view"),
        "{items:?}"
    );
    // Slot content belongs to the page's tree; the card's own nodes do not, except through >>>.
    assert_eq!(tags(&r, "card #remaining", scope.clone()), ["text"]);
    assert!(tags(&r, ".card__title", scope.clone()).is_empty());
    let inside = tags(&r, "#summary >>> .card__title", scope.clone());
    assert_eq!(inside.len(), 1, "{inside:?}");
    // A list of alternatives, in document order, without duplicates.
    assert_eq!(
        tags(&r, "#add, card, #add", scope.clone()),
        ["card", "button"]
    );

    // An element handle scopes the search: a component searches its own shadow tree.
    let card = ok(
        &r,
        "Page.getElement",
        json!({"pageId": page["pageId"], "selector": "card"}),
    );
    assert_eq!(
        card["nodeId"], card["elementId"],
        "custom components carry a nodeId"
    );
    let title = tags(&r, ".card__title", json!({"elementId": card["elementId"]}));
    assert_eq!(title.len(), 1);

    // Errors name the selector.
    let e = call(&r, "Page.getElement", json!({"selector": "#nope"}), None).unwrap_err();
    assert!(e.contains("#nope"), "{e}");
    let e = call(
        &r,
        "Page.getElements",
        json!({"selector": "[data-x]"}),
        None,
    )
    .unwrap_err();
    assert!(e.contains("unsupported selector"), "{e}");
    let e = call(&r, "Page.getElements", json!({"selector": "a >"}), None).unwrap_err();
    assert!(e.contains("ends with a combinator"), "{e}");
}

#[test]
fn data_methods_and_component_handles() {
    let mut r = launch(Path::new(DEMO), Some("pages/list/list"));
    let stack = ok(&r, "App.getPageStack", json!({}));
    assert_eq!(stack["pageStack"][0]["path"], "pages/list/list");
    let page_id = stack["pageStack"][0]["pageId"].clone();

    let data = ok(&r, "Page.getData", json!({"pageId": page_id}))["data"].clone();
    let n = data["items"].as_array().unwrap().len();
    let first = ok(
        &r,
        "Page.getData",
        json!({"pageId": page_id, "path": "items[0].text"}),
    );
    assert_eq!(first["data"], data["items"][0]["text"]);

    ok(
        &r,
        "Page.setData",
        json!({"pageId": page_id, "data": {"draft": "from a test"}}),
    );
    ok(
        &r,
        "Page.callMethod",
        json!({"pageId": page_id, "method": "onAdd", "args": []}),
    );
    r.sync();
    let data = ok(&r, "Page.getData", json!({"pageId": page_id}))["data"].clone();
    assert_eq!(data["items"].as_array().unwrap().len(), n + 1);
    assert_eq!(data["items"][n]["text"], "from a test");

    let e = call(&r, "Page.callMethod", json!({"method": "nope"}), None).unwrap_err();
    assert!(e.contains("has no method nope"), "{e}");

    // The card: its data, a method, its properties and its WXML.
    let card = ok(&r, "Page.getElement", json!({"selector": "#summary"}));
    let el = json!({"elementId": card["elementId"]});
    let cdata = ok(&r, "Element.getData", el.clone())["data"].clone();
    assert_eq!(cdata["title"], "Todo");
    assert_eq!(cdata["count"], n + 1);
    let described = ok(
        &r,
        "Element.callMethod",
        json!({"elementId": card["elementId"], "method": "describe", "args": [3, false]}),
    );
    assert_eq!(described, json!({"result": "3 total"}));
    let props = ok(
        &r,
        "Element.getProperties",
        json!({"elementId": card["elementId"], "names": ["__propPublic", "title"]}),
    );
    assert_eq!(
        props["properties"][0],
        json!({"title": true, "count": true, "done": true})
    );
    assert_eq!(props["properties"][1], "Todo");
    ok(
        &r,
        "Element.setData",
        json!({"elementId": card["elementId"], "data": {"taps": 41}}),
    );
    assert_eq!(
        ok(
            &r,
            "Element.getData",
            json!({"elementId": card["elementId"], "path": "taps"})
        )["data"],
        41
    );
    let outer = ok(
        &r,
        "Element.getWXML",
        json!({"elementId": card["elementId"], "type": "outer"}),
    )["wxml"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(outer.starts_with("<card id=\"summary\""), "{outer}");
    assert!(
        outer.contains("left</text>"),
        "slot content is composed in: {outer}"
    );
    let attrs = ok(
        &r,
        "Element.getAttributes",
        json!({"elementId": card["elementId"], "names": ["id", "class", "title"]}),
    );
    assert_eq!(attrs["attributes"], json!(["summary", "", "Todo"]));

    // A custom-component method on a plain element is refused by name.
    let add = ok(&r, "Page.getElement", json!({"selector": "#add"}));
    let e = call(
        &r,
        "Element.getData",
        json!({"elementId": add["elementId"]}),
        None,
    )
    .unwrap_err();
    assert!(e.contains("not a custom component"), "{e}");
    // A component event triggered by hand reaches the page's handler.
    ok(
        &r,
        "Element.triggerEvent",
        json!({"elementId": card["elementId"], "type": "cardtap", "detail": {"taps": 7}}),
    );
    r.sync();
    assert_eq!(
        ok(&r, "Page.getData", json!({"path": "cardTaps"}))["data"],
        7
    );
}

#[test]
fn wx_calls_mocks_functions_and_bindings() {
    let r = launch(Path::new(DEMO), None);
    // Sync and async methods.
    let info = ok(
        &r,
        "App.callWxMethod",
        json!({"method": "getSystemInfoSync", "args": []}),
    );
    assert_eq!(info["result"]["platform"], "devtools");
    ok(
        &r,
        "App.callWxMethod",
        json!({"method": "setStorage", "args": [{"key": "k", "data": "v"}]}),
    );
    let got = ok(
        &r,
        "App.callWxMethod",
        json!({"method": "getStorage", "args": [{"key": "k"}]}),
    );
    assert_eq!(got["result"]["data"], "v");
    assert_eq!(got["result"]["errMsg"], "getStorage:ok");
    let e = call(
        &r,
        "App.callWxMethod",
        json!({"method": "getStorage", "args": [{"key": "missing"}]}),
        None,
    )
    .unwrap_err();
    assert!(e.starts_with("getStorage:fail"), "{e}");

    // A fixed result for an async API: callbacks and promises both see it.
    ok(
        &r,
        "App.mockWxMethod",
        json!({"method": "showModal", "result": {"confirm": true, "cancel": false}}),
    );
    let res = call(
        &r,
        "App.callFunction",
        json!({"args": ["Sure?"]}),
        Some("function (title) { return new Promise((resolve) => wx.showModal({ title, success: resolve })) }"),
    )
    .unwrap();
    assert_eq!(
        res["result"],
        json!({"confirm": true, "cancel": false, "errMsg": "showModal:ok"})
    );
    // A function mock sees the call's arguments, then the mock's, and `this.origin`.
    call(
        &r,
        "App.mockWxMethod",
        json!({"method": "getStorageSync", "args": ["fallback"]}),
        Some("function (key, dflt) { return key === 'k' ? 'mocked ' + this.origin(key) : dflt }"),
    )
    .unwrap();
    let v = ok(
        &r,
        "App.callWxMethod",
        json!({"method": "getStorageSync", "args": ["k"]}),
    );
    assert_eq!(v["result"], "mocked v");
    let v = ok(
        &r,
        "App.callWxMethod",
        json!({"method": "getStorageSync", "args": ["x"]}),
    );
    assert_eq!(v["result"], "fallback");
    // Restore.
    ok(&r, "App.mockWxMethod", json!({"method": "getStorageSync"}));
    let v = ok(
        &r,
        "App.callWxMethod",
        json!({"method": "getStorageSync", "args": ["k"]}),
    );
    assert_eq!(v["result"], "v");

    // A bad declaration is an error, not a crash.
    let e = call(&r, "App.callFunction", json!({}), Some("function (")).unwrap_err();
    assert!(!e.is_empty());
    // A binding posts to the host.
    ok(&r, "App.addBinding", json!({"name": "reportBack"}));
    call(
        &r,
        "App.callFunction",
        json!({"args": [1]}),
        Some("function (n) { reportBack('got', n) }"),
    )
    .unwrap();
    r.app.settle().unwrap();
    let posted = r.host.take();
    assert!(
        posted.iter().any(|m| m["t"] == "automator"
            && m["method"] == "App.bindingCalled"
            && m["params"] == json!({"name": "reportBack", "args": ["got", 1]})),
        "{posted:?}"
    );
    let e = call(&r, "Tool.nope", json!({}), None).unwrap_err();
    assert!(e.contains("Tool.nope"), "{e}");
}
