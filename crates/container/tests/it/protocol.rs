//! The container's JS speaks the typed protocol (cove-protocol, docs/protocol.md): the demo
//! app, driven through every kind of message, sends nothing that does not parse as an
//! `AppMessage`, and `App::send` refuses what is not a `ViewMessage`.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;

use common::launch;
use cove_container::AppError;
use cove_protocol::view::{AppMessage, Op, PROTOCOL_VERSION, ViewMessage};
use serde_json::json;

const DEMO: &str = "../../examples/demo";

/// Every message the host got, parsed; panics on the first that is not an `AppMessage`.
fn typed(r: &common::Running) -> Vec<AppMessage> {
    r.host
        .sent
        .lock()
        .unwrap()
        .iter()
        .map(|m| {
            serde_json::from_str(m).unwrap_or_else(|e| {
                panic!("the container sent a message off the protocol: {e}\n{m}")
            })
        })
        .collect()
}

fn kind(m: &AppMessage) -> &'static str {
    match m {
        AppMessage::Hello(_) => "hello",
        AppMessage::Ops { .. } => "ops",
        AppMessage::Route(_) => "route",
        AppMessage::PageClosed { .. } => "pageClosed",
        AppMessage::Ui { .. } => "ui",
        AppMessage::Canvas { .. } => "canvas",
        AppMessage::Theme { .. } => "theme",
        AppMessage::Report { .. } => "report",
        AppMessage::Unsupported { .. } => "unsupported",
        AppMessage::Error { .. } => "error",
        AppMessage::Automator { .. } => "automator",
    }
}

#[test]
fn every_message_of_the_demo_app_is_typed() {
    let mut r = launch(Path::new(DEMO), None);
    // The launch first: the rest of the run finds nodes through the ops it sent.
    typed(&r);
    r.tap("increment");
    r.tap("increment");
    let run = |code: &str| {
        r.app.eval_json(code).unwrap();
        r.app.settle().unwrap();
    };
    // Routing: a page with a component, a subpackage page, back, a tab switch, reLaunch.
    run("wx.switchTab({url: '/pages/list/list'})");
    run("wx.navigateTo({url: '/packageA/pages/detail/detail?id=2&title=Buy%20milk'})");
    run("wx.redirectTo({url: '/packageA/pages/detail/detail?id=3'})");
    r.app.send(&json!({"t": "back"})).unwrap();
    r.app
        .send(&json!({"t": "tab", "path": "pages/about/about"}))
        .unwrap();
    // UI feedback, tab bar and navigation bar changes, reports, an unsupported API, an error.
    run(
        "wx.showToast({title: 'Saved', icon: 'success'}); wx.hideToast(); wx.showLoading({title: 'x'}); \
         wx.hideLoading(); wx.setNavigationBarTitle({title: 'T'}); \
         wx.setNavigationBarColor({frontColor: '#ffffff', backgroundColor: '#000000'}); \
         wx.showNavigationBarLoading(); wx.hideNavigationBarLoading(); \
         wx.setBackgroundColor({backgroundColor: '#ffffff'}); wx.setBackgroundTextStyle({textStyle: 'dark'}); \
         wx.startPullDownRefresh(); wx.stopPullDownRefresh(); wx.pageScrollTo({scrollTop: 10}); \
         wx.hideHomeButton(); wx.hideKeyboard(); wx.setTabBarBadge({index: 1, text: '3'}); \
         wx.removeTabBarBadge({index: 1}); wx.showTabBarRedDot({index: 1}); wx.hideTabBarRedDot({index: 1}); \
         wx.setTabBarItem({index: 1, text: 'L'}); wx.setTabBarStyle({color: '#000000'}); \
         wx.hideTabBar(); wx.showTabBar(); \
         wx.reportEvent('e', {a: 1}); wx.reportAnalytics('e', {a: 1}); wx.startBeaconDiscovery({}); \
         setTimeout(() => { throw new Error('boom') }, 0); null",
    );
    r.app.advance(std::time::Duration::from_millis(1)).unwrap();
    // The about page draws on a canvas. The system theme, and the view's other messages.
    r.app
        .send(&json!({"t": "device", "event": "themeChange", "data": {"theme": "dark"}}))
        .unwrap();
    for m in [
        json!({"t": "pageScroll", "scrollTop": 12}),
        json!({"t": "reachBottom"}),
        json!({"t": "pullDownRefresh"}),
        json!({"t": "resize", "size": {"windowWidth": 400, "windowHeight": 700}}),
        json!({"t": "hide"}),
        json!({"t": "show"}),
        json!({"t": "share", "from": "menu"}),
    ] {
        r.app.send(&m).unwrap();
    }
    run("wx.reLaunch({url: '/pages/list/list'})");
    // An automator binding calls back through the host.
    r.app
        .automation("App.addBinding", &json!({"name": "onSeen"}), None)
        .unwrap();
    run("onSeen(1, 'two')");

    let messages = typed(&r);
    let kinds: BTreeSet<&str> = messages.iter().map(kind).collect();
    let expected: BTreeSet<&str> = [
        "hello",
        "canvas",
        "ops",
        "route",
        "pageClosed",
        "ui",
        "theme",
        "report",
        "unsupported",
        "error",
        "automator",
    ]
    .into();
    assert_eq!(
        kinds, expected,
        "the demo run covers every message but `canvas`"
    );
    let AppMessage::Hello(hello) = &messages[0] else {
        panic!("the first message is hello: {:?}", messages[0])
    };
    assert_eq!(hello.protocol, PROTOCOL_VERSION);
    let ops: BTreeSet<&str> = messages
        .iter()
        .filter_map(|m| match m {
            AppMessage::Ops { ops } => Some(ops.iter().map(Op::name)),
            _ => None,
        })
        .flatten()
        .collect();
    for op in [
        "page",
        "create",
        "createText",
        "append",
        "text",
        "attr",
        "class",
        "listen",
        "model",
        "release",
    ] {
        assert!(ops.contains(op), "no {op} op in {ops:?}");
    }
}

#[test]
fn the_app_refuses_a_message_off_the_protocol() {
    let r = launch(Path::new(DEMO), None);
    let refused = |m: serde_json::Value| match r.app.send(&m) {
        Err(AppError::Rejected(e)) => e,
        other => panic!("{m} was not refused: {other:?}"),
    };
    // An unknown field (a renamed one), an unknown type, a missing field.
    let e = refused(json!({"t": "pageScroll", "top": 12}));
    assert!(e.contains("unknown field `top`"), "{e}");
    let e = refused(json!({"t": "teleport"}));
    assert!(e.contains("unknown variant `teleport`"), "{e}");
    let e = refused(json!({"t": "tab"}));
    assert!(e.contains("missing field `path`"), "{e}");
    // What the app itself refuses keeps its own reason.
    let e = refused(json!({"t": "event", "node": 99999, "type": "tap"}));
    assert_eq!(e, "no element with node id 99999");
    // A typed message goes through.
    r.app
        .send_message(&ViewMessage::PullDownRefresh {})
        .unwrap();
}
