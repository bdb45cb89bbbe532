//! The app model end to end on a fixture app: App and Page lifecycles in WeChat's order,
//! a Component() page, relations, behaviors (built-in ones included), observers, page
//! lifetimes, export, EventChannel, events that bubble out of components, errors routed to
//! App.onError, unhandled rejections, timers, and the CPU limit inside a handler.

use crate::common;

use std::path::Path;
use std::time::Duration;

use common::launch_with;
use cove_container::Limits;
use serde_json::json;

const FIXTURE: &str = "tests/fixtures/lifecycle";

fn lines(r: &common::Running) -> Vec<String> {
    r.host.take_logs()
}

#[test]
fn app_and_page_lifecycles_follow_wechat() {
    let mut r = launch_with(Path::new(FIXTURE), Some("pages/a/a?x=1"), |c| {
        c.scene = 1011
    });
    assert_eq!(
        lines(&r),
        [
            r#"app:onLaunch pages/a/a {"x":"1"} 1011"#,
            "app:onShow",
            r#"a:onLoad {"x":"1"} stack=1 app=0"#,
            "a:onShow",
            "a:onReady",
        ]
    );
    // The view reports scroll, bottom, pull-down, resize, share, app hide/show.
    for msg in [
        json!({"t": "pageScroll", "scrollTop": 120}),
        json!({"t": "reachBottom"}),
        json!({"t": "pullDownRefresh"}),
        json!({"t": "resize", "size": {"windowWidth": 600, "windowHeight": 800}}),
        json!({"t": "hide"}),
        json!({"t": "show"}),
        json!({"t": "tab", "path": "pages/a/a"}),
    ] {
        r.app.send(&msg).unwrap();
    }
    assert_eq!(
        r.app.send(&json!({"t": "share", "from": "menu"})).unwrap(),
        json!({"title": "shared from menu"})
    );
    assert_eq!(
        lines(&r),
        [
            "a:onPageScroll 120",
            "a:onReachBottom",
            "a:onPullDownRefresh",
            "a:onResize 600",
            "a:onHide",
            "app:onHide",
            "app:onShow",
            "a:onShow",
            "a:onTabItemTap 0 pages/a/a",
        ]
    );
    // Tab switch keeps tab pages alive; navigating back from a non-tab page unloads it.
    r.app
        .send(&json!({"t": "tab", "path": "pages/c/c"}))
        .unwrap();
    assert_eq!(lines(&r), ["a:onHide", "c:onLoad", "c:onShow"]);
    r.app
        .send(&json!({"t": "tab", "path": "pages/a/a"}))
        .unwrap();
    assert_eq!(
        lines(&r),
        ["c:onHide", "a:onShow", "a:onTabItemTap 0 pages/a/a"]
    );
    // Unknown page: App.onPageNotFound and a WeChat-style failure.
    r.app
        .eval_json("wx.navigateTo({url: '/pages/nope/nope', fail: (e) => console.log(e.errMsg)})")
        .unwrap();
    assert_eq!(
        lines(&r),
        [
            "app:onPageNotFound pages/nope/nope",
            r#"navigateTo:fail page "pages/nope/nope" is not found"#
        ]
    );
    r.sync();
}

#[test]
fn component_page_with_relations_behaviors_and_events() {
    let mut r = launch_with(Path::new(FIXTURE), None, |_| {});
    lines(&r);
    r.app
        .eval_json(
            "wx.navigateTo({url: '/pages/b/b?k=v', events: {opened: (d) => console.log('a:opened by ' + d.from)}, \
             success: (res) => res.eventChannel.emit('toB', {msg: 'hello'})})",
        )
        .unwrap();
    r.app.settle().unwrap();
    let got = lines(&r);
    println!("{got:#?}");
    let expect_in_order = [
        "a:onHide",
        "parent:created",
        "parent:attached step=2 name=field value=v1 fromBehavior=true",
        r#"b:onLoad {"k":"v"}"#,
        "a:opened by b",
        "b:onShow",
        "parent:page-show",
        "parent:ready children=2",
        "b:onReady parent=true exported=exported-api children=2",
        "b:got hello",
    ];
    let mut at = 0;
    for want in expect_in_order {
        let found = got[at..].iter().position(|l| l == want);
        assert!(
            found.is_some(),
            "missing {want:?} after line {at} in {got:#?}"
        );
        at += found.unwrap() + 1;
    }
    for want in ["parent:linked one", "parent:linked two", "child:linked one"] {
        assert!(
            got.iter().any(|l| l == want),
            "missing {want:?} in {got:#?}"
        );
    }
    // A property change runs its observer and the `observers` entry.
    r.app.call_page_method("relabel", &[]).unwrap();
    let got = lines(&r);
    assert!(
        got.contains(&"parent:label start -> changed".to_string()),
        "{got:?}"
    );
    assert!(
        got.contains(&"parent:observer changed 0".to_string()),
        "{got:?}"
    );
    // A tap inside a child component triggers a composed, bubbling event the page handles.
    r.sync();
    r.tap("in-two");
    assert_eq!(lines(&r), ["b:onPicked two bubbles-from=c2"]);
    assert_eq!(r.tree.text_of(r.tree.by_id("picked")), "two");
    // Leaving the page detaches its components and unloads it.
    r.app.send(&json!({"t": "back"})).unwrap();
    let got = lines(&r);
    assert!(got.contains(&"b:onUnload".to_string()), "{got:?}");
    assert!(got.contains(&"parent:detached".to_string()), "{got:?}");
    assert_eq!(got.last().unwrap(), "a:onShow");
}

#[test]
fn errors_rejections_timers_and_the_cpu_limit() {
    let r = launch_with(Path::new(FIXTURE), None, |c| {
        c.limits = Limits {
            cpu_time: Duration::from_millis(300),
            ..Limits::default()
        };
    });
    lines(&r);
    // A throwing handler is caught by the page and goes to App.onError.
    let err = r.app.call_page_method("boom", &[]);
    assert!(err.is_err());
    r.app
        .eval_json("try { getCurrentPages()[0].boom() } catch (e) { getApp().onError(e.message) }")
        .unwrap();
    assert_eq!(lines(&r), ["app:onError boom in a handler"]);
    r.app.call_page_method("reject", &[]).unwrap();
    assert_eq!(lines(&r), ["app:onUnhandledRejection nobody caught me"]);
    // Timers run on the instance's clock; setData from a timer reaches the view.
    r.app.call_page_method("later", &[]).unwrap();
    assert!(lines(&r).is_empty());
    r.app.advance(Duration::from_millis(100)).unwrap();
    assert_eq!(lines(&r), ["a:later"]);
    assert_eq!(r.app.page_data().unwrap()["n"], 42);
    // An endless loop in a handler is stopped at the limit and reported to App.onError; the
    // app keeps answering.
    let t = std::time::Instant::now();
    let res = r.app.call_page_method("spin", &[]);
    assert!(
        matches!(
            res,
            Err(cove_container::AppError::Js(
                cove_container::RunError::Timeout(_)
            ))
        ),
        "{res:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(2));
    assert_eq!(
        lines(&r),
        ["app:onError script ran longer than its 300ms CPU-time limit and was interrupted"]
    );
    assert_eq!(r.app.page_data().unwrap()["n"], 42);
}

#[test]
fn two_apps_share_no_globals_storage_or_files() {
    let a = launch_with(Path::new(FIXTURE), None, |_| {});
    let b = launch_with(Path::new(FIXTURE), None, |_| {});
    a.app
        .eval_json(
            "globalThis.secret = 'a-only'; Object.prototype.polluted = 1; getApp().globalData.n = 9;\n\
             wx.setStorageSync('token', 'a-token');\n\
             wx.getFileSystemManager().writeFileSync('wxfile://usr/note.txt', 'from a', 'utf8');",
        )
        .unwrap();
    let seen = b
        .app
        .eval_json(
            "const fs = wx.getFileSystemManager(); let file;\n\
             try { file = fs.readFileSync('wxfile://usr/note.txt', 'utf8'); } catch (e) { file = e.message; }\n\
             [typeof secret, ({}).polluted === undefined, getApp().globalData.n, wx.getStorageSync('token'), wx.getStorageInfoSync().keys, file]",
        )
        .unwrap();
    assert_eq!(seen[0], "undefined");
    assert_eq!(seen[1], true);
    assert_eq!(seen[2], 0);
    assert_eq!(seen[3], "");
    assert_eq!(seen[4], json!([]));
    assert!(
        seen[5]
            .as_str()
            .unwrap()
            .contains("no such file or directory"),
        "{seen}"
    );
    // A path that tries to climb out of the sandbox is refused.
    let escape = a
        .app
        .eval_json(
            "try { wx.getFileSystemManager().readFileSync('wxfile://usr/../../storage/x', 'utf8') } catch (e) { e.message }",
        )
        .unwrap();
    assert!(
        escape.as_str().unwrap().starts_with("readFileSync:fail")
            || escape.as_str().unwrap().contains("fail"),
        "{escape}"
    );
    assert_eq!(
        a.app.eval_json("wx.getStorageSync('token')").unwrap(),
        "a-token"
    );
}

#[test]
fn generics_virtual_hosts_and_capture_phase() {
    let mut r = launch_with(Path::new(FIXTURE), Some("pages/c/c"), |_| {});
    lines(&r);
    // Generics: the default implementation, and the one the page chose.
    assert_eq!(r.tree.deep_text(r.tree.by_id("plain-inner")), "plain d");
    assert_eq!(r.tree.deep_text(r.tree.by_id("fancy-inner")), "fancy f");
    // virtualHost: the chooser has no element of its own, so its `id` lands nowhere.
    assert!(r.tree.find_id("with-default").is_none());
    // Capture runs on the way down, before the target; bubbling on the way up.
    r.tap("inner");
    assert_eq!(lines(&r), ["c:capture inner", "c:inner", "c:bubble inner"]);
}
