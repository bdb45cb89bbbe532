//! What WeChat accepts at build time and reports only at run time, end to end on a small
//! TypeScript project (`tests/fixtures/leniency`): `.ts` pages, components and modules,
//! `resolveAlias`, `useExtendedLib` (weui from Cove's embedded copy), `workers`, a
//! `usingComponents` entry that names nothing (WeChat's message when the page opens; the tag
//! renders as an unknown element) and a `require` that cannot resolve (WeChat's error when it
//! runs, confined to the handler that runs it).

use crate::common;
use crate::common::project;

use std::path::Path;

const FIXTURE: &str = "tests/fixtures/leniency";

#[test]
fn a_typescript_app_with_missing_pieces_runs_like_wechat() {
    let out = cove_compiler::compile_dir(Path::new(FIXTURE), &Default::default())
        .expect("builds: what WeChat builds, Cove builds");
    let codes: Vec<&str> = out.warnings.0.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"missing-component"), "{codes:?}");
    assert!(
        out.files.contains_key("workers/index.js"),
        "the worker is built"
    );
    assert!(
        out.files
            .contains_key("miniprogram_npm/weui-miniprogram/cell/cell.js"),
        "weui comes from the extended library"
    );

    let mut r = common::launch(Path::new(FIXTURE), None);
    let logs = r.host.take_logs();
    assert!(logs.iter().any(|l| l == "launch hello app"), "{logs:?}");
    assert!(
        logs.iter().any(|l| l.contains(
            r#"Component is not found in path "components/nope/nope" (using by "pages/index/index")"#
        )),
        "{logs:?}"
    );
    assert!(
        logs.iter().any(|l| l.contains(
            r#"Component is not found in path "components/ghost/ghost" (using by "pages/index/index")"#
        )),
        "app-wide declarations are reported for the page too: {logs:?}"
    );
    // TypeScript: an enum, a default parameter and a template literal, through an alias.
    let title = r.tree.by_id("title");
    assert_eq!(r.tree.text_of(title), "HELLO PAGE");
    // A `.ts` component, resolved through `resolveAlias`.
    let texts: Vec<&String> = r.tree.text.values().collect();
    assert!(
        texts.iter().any(|t| *t == "from a TS component"),
        "{texts:?}"
    );
    // The weui cell renders its own template (which prints its `title`), not an empty tag.
    assert!(texts.iter().any(|t| *t == "weui cell"), "{texts:?}");
    // The unknown tag is an element of its own name with its children.
    let nope = r.tree.by_id("nope");
    assert_eq!(r.tree.tag[&nope], "nope");
    assert!(
        r.tree
            .deep_text(nope)
            .contains("unknown tag keeps its children")
    );

    // The unresolved require throws WeChat's error in the handler, and the page lives on.
    r.tap("missing");
    let missing = r.tree.by_id("missing");
    assert_eq!(
        r.tree.text_of(missing),
        "module 'pages/index/dayjs.js' is not defined, require args is 'dayjs'"
    );
}

/// One broken page never takes the app down: a page whose module throws at load opens blank
/// with its error reported (console and `App.onError`), the stack stays usable, and other
/// pages open afterwards, by every kind of navigation.
#[test]
fn a_page_whose_module_throws_leaves_the_app_running() {
    let files = [
        (
            "app.json",
            r#"{"pages": ["pages/a/a", "pages/broken/broken", "pages/c/c"]}"#,
        ),
        (
            "app.js",
            "App({ onError(e) { console.log('onError ' + e.split('\\n')[0]); } })",
        ),
        ("pages/a/a.js", "Page({ data: { n: 'a' } })"),
        ("pages/a/a.wxml", "<view id=\"a\">{{n}}</view>"),
        (
            "pages/broken/broken.js",
            "const x = undefined; x.boom(); Page({})",
        ),
        ("pages/broken/broken.wxml", "<view>never</view>"),
        (
            "pages/c/c.js",
            "Page({ data: { n: 'c' }, onLoad() { console.log('c loaded, stack ' + getCurrentPages().length); } })",
        ),
        ("pages/c/c.wxml", "<view id=\"c\">{{n}}</view>"),
    ];
    let dir = project(&files);
    let mut r = common::launch(dir.path(), None);
    r.host.take_logs();
    for how in ["reLaunch", "redirectTo", "navigateTo"] {
        let opened = r.app.eval_json(&format!(
            "new Promise(ok => wx.{how}({{ url: '/pages/broken/broken', success: () => ok('ok'), fail: e => ok(e.errMsg) }}))"
        ));
        r.app.settle().unwrap();
        let _ = opened;
        assert_eq!(
            r.stack_paths().last().map(String::as_str),
            Some("pages/broken/broken"),
            "{how}"
        );
        let logs = r.host.take_logs();
        assert!(
            logs.iter()
                .any(|l| l.starts_with("onError page \"pages/broken/broken\" cannot be created")),
            "{how}: {logs:?}"
        );
        // The app answers, and another page opens on top of (or instead of) the blank one.
        r.app
            .eval_json("wx.navigateTo({ url: '/pages/c/c' }), 1")
            .unwrap();
        r.app.settle().unwrap();
        r.sync();
        assert_eq!(
            r.stack_paths().last().map(String::as_str),
            Some("pages/c/c"),
            "{how}"
        );
        let c = r.tree.by_id("c");
        assert_eq!(r.tree.text_of(c), "c");
        assert!(r.host.take_logs().iter().any(|l| l.starts_with("c loaded")));
        // Back to the blank page, then relaunch a good page.
        r.app.eval_json("wx.navigateBack(), 1").unwrap();
        r.app.settle().unwrap();
        assert_eq!(
            r.stack_paths().last().map(String::as_str),
            Some("pages/broken/broken")
        );
        r.app
            .eval_json("wx.reLaunch({ url: '/pages/a/a' }), 1")
            .unwrap();
        r.app.settle().unwrap();
        assert_eq!(r.stack_paths(), ["pages/a/a"]);
    }
}

/// A property `observer` naming a method the component lacks does nothing, as in WeChat
/// (the adapter refused the whole component); one naming a method calls it.
#[test]
fn an_observer_naming_a_missing_method_is_ignored() {
    let dir = project(&[
        ("app.json", r#"{"pages": ["pages/a/a"]}"#),
        ("app.js", "App({})"),
        (
            "pages/a/a.json",
            r#"{"usingComponents": {"timer": "/c/timer"}}"#,
        ),
        (
            "pages/a/a.js",
            "Page({ data: { d: 1 }, bump() { this.setData({ d: 2 }) } })",
        ),
        (
            "pages/a/a.wxml",
            r#"<timer id="t" duration="{{d}}" active="{{d}}"/><view id="b" bindtap="bump">b</view>"#,
        ),
        ("c/timer.json", r#"{"component": true}"#),
        (
            "c/timer.js",
            "Component({ properties: { duration: { type: Number, value: 0, observer: 'observeDuration' }, active: { type: Number, value: 0, observer: 'onActive' } }, data: { seen: 'none' }, methods: { onActive(v) { this.setData({ seen: 'active ' + v }) } } })",
        ),
        (
            "c/timer.wxml",
            r#"<view id="s">{{duration}} {{seen}}</view>"#,
        ),
    ]);
    let mut r = common::launch(dir.path(), None);
    let s = r.tree.by_id("s");
    assert_eq!(r.tree.text_of(s), "1 active 1");
    r.tap("b");
    assert_eq!(r.tree.text_of(s), "2 active 2");
    let logs = r.host.take_logs();
    assert!(
        !logs.iter().any(|l| l.contains("Cannot find method")),
        "{logs:?}"
    );
}

/// `wx.cloud` is there for apps that call it at load: `init` succeeds with one warning, and
/// every call that would reach WeChat's cloud fails asynchronously, saying why.
#[test]
fn wx_cloud_is_present_and_fails_each_call_clearly() {
    let dir = project(&[
        ("app.json", r#"{"pages": ["pages/a/a"]}"#),
        (
            "app.js",
            "wx.cloud.init({ env: 'prod', traceUser: true }); wx.cloud.init(); App({})",
        ),
        (
            "pages/a/a.js",
            r#"const db = wx.cloud.database();
Page({
  data: { fn: '', db: '', cloud: '' },
  onLoad() {
    wx.cloud.callFunction({ name: 'login', fail: (e) => this.setData({ fn: e.errMsg }) });
    db.collection('todos').where({ done: false }).orderBy('t', 'desc').limit(10).get()
      .catch((e) => this.setData({ db: e.errMsg }));
    new wx.cloud.Cloud({ resourceEnv: 'x' }).callFunction({ name: 'y' })
      .catch((e) => this.setData({ cloud: e.errMsg }));
  },
})"#,
        ),
        (
            "pages/a/a.wxml",
            r#"<view id="fn">{{fn}}</view><view id="db">{{db}}</view><view id="cl">{{cloud}}</view>"#,
        ),
    ]);
    let mut r = common::launch(dir.path(), None);
    r.app.settle().unwrap();
    r.sync();
    let text = |r: &common::Running, id: &str| r.tree.text_of(r.tree.by_id(id));
    let why = "cloud development is not available on this platform";
    assert!(
        text(&r, "fn").starts_with("cloud.callFunction:fail "),
        "{}",
        text(&r, "fn")
    );
    assert!(text(&r, "fn").contains(why));
    assert!(
        text(&r, "db").starts_with("cloud.database."),
        "{}",
        text(&r, "db")
    );
    assert!(text(&r, "db").contains(".get:fail ") && text(&r, "db").contains(why));
    assert!(text(&r, "cl").starts_with("cloud.callFunction:fail "));
    let warnings: Vec<String> = r
        .host
        .take_logs()
        .into_iter()
        .filter(|l| l.starts_with("wx.cloud.init"))
        .collect();
    assert_eq!(warnings.len(), 1, "one warning: {warnings:?}");
}

/// `wx.getExtConfigSync()`/`getExtConfig()`: the package's `ext.json` `ext` object, or the
/// host's per-app configuration when it gives one.
#[test]
fn ext_config_comes_from_ext_json_or_the_host() {
    let dir = project(&[
        ("app.json", r#"{"pages": ["pages/a/a"]}"#),
        (
            "ext.json",
            r#"{"extEnable": true, "extAppid": "wxext", "ext": {"shop": "north"}}"#,
        ),
        (
            "app.js",
            "const ext = wx.getExtConfigSync(); App({ onLaunch() { console.log('sync ' + ext.shop); wx.getExtConfig({ success: (r) => console.log('async ' + r.extConfig.shop + ' ' + r.errMsg) }); } })",
        ),
        ("pages/a/a.js", "Page({})"),
        ("pages/a/a.wxml", "<view/>"),
    ]);
    let r = common::launch(dir.path(), None);
    r.app.settle().unwrap();
    let logs = r.host.take_logs();
    assert!(logs.iter().any(|l| l == "sync north"), "{logs:?}");
    assert!(
        logs.iter().any(|l| l == "async north getExtConfig:ok"),
        "{logs:?}"
    );
    let r = common::launch_with(dir.path(), None, |c| {
        c.ext_config = Some(serde_json::json!({"shop": "south"}))
    });
    r.app.settle().unwrap();
    assert!(r.host.take_logs().iter().any(|l| l == "sync south"));
}

/// `require.async(path)` and `require(path, success, fail)`, which WeChat offers for modules
/// of subpackages that load later: the module, asynchronously; a missing one fails.
#[test]
fn require_async_and_the_callback_form() {
    let dir = project(&[
        (
            "app.json",
            r#"{"pages": ["pages/a/a"], "subPackages": [{"root": "sub", "pages": ["p/p"]}]}"#,
        ),
        (
            "app.js",
            r#"App({ onLaunch() {
  require.async('./sub/util').then((m) => console.log('async ' + m.name));
  require('./sub/util', (m) => console.log('callback ' + m.name), (e) => console.log('no'));
  require('./sub/nothing', () => console.log('no'), (e) => console.log('fail ' + e.mod));
} })"#,
        ),
        ("sub/util.js", "module.exports = { name: 'util' }"),
        ("sub/p/p.js", "Page({})"),
        ("sub/p/p.wxml", "<view/>"),
        ("pages/a/a.js", "Page({})"),
        ("pages/a/a.wxml", "<view/>"),
    ]);
    let out = cove_compiler::compile_dir(dir.path(), &Default::default()).unwrap();
    assert!(
        out.files.contains_key("sub/util.js"),
        "the async module is packaged"
    );
    let r = common::launch(dir.path(), None);
    r.app.settle().unwrap();
    let logs = r.host.take_logs();
    for want in ["async util", "callback util", "fail ./sub/nothing"] {
        assert!(logs.iter().any(|l| l == want), "{want}: {logs:?}");
    }
}

/// `tabBar.custom`: each tab page gets its own instance of `custom-tab-bar/index`, and
/// `getTabBar()` returns it, as the pages of real apps expect in `onShow`.
#[test]
fn a_custom_tab_bar_renders_on_tab_pages() {
    let dir = project(&[
        (
            "app.json",
            r#"{"pages": ["pages/a/a", "pages/b/b", "pages/c/c"], "tabBar": {"custom": true,
              "list": [{"pagePath": "pages/a/a", "text": "A"}, {"pagePath": "pages/b/b", "text": "B"}]}}"#,
        ),
        ("app.js", "App({})"),
        (
            "pages/a/a.js",
            "Page({ onShow() { const t = this.getTabBar(); t.setData({ selected: 0 }); console.log('a bar ' + (typeof t.switchTo)); } })",
        ),
        ("pages/a/a.wxml", "<view>a</view>"),
        (
            "pages/b/b.js",
            "Page({ onShow() { this.getTabBar().setData({ selected: 1 }) } })",
        ),
        ("pages/b/b.wxml", "<view>b</view>"),
        (
            "pages/c/c.js",
            "Page({ onLoad() { console.log('c bar ' + this.getTabBar()) } })",
        ),
        ("pages/c/c.wxml", "<view>c</view>"),
        ("custom-tab-bar/index.json", r#"{"component": true}"#),
        (
            "custom-tab-bar/index.js",
            "Component({ data: { selected: -1 }, methods: { switchTo(e) { wx.switchTab({ url: '/pages/b/b' }) } } })",
        ),
        (
            "custom-tab-bar/index.wxml",
            r#"<view id="bar" bindtap="switchTo">selected {{selected}}</view>"#,
        ),
    ]);
    let mut r = common::launch(dir.path(), None);
    assert!(r.host.take_logs().iter().any(|l| l == "a bar function"));
    let bar = r.tree.by_id("bar");
    assert_eq!(r.tree.text_of(bar), "selected 0");
    // The bar switches tabs; the new tab page has its own bar.
    r.tap("bar");
    assert_eq!(r.stack_paths(), ["pages/b/b"]);
    let texts: Vec<&String> = r.tree.text.values().collect();
    assert!(texts.iter().any(|t| *t == "selected 1"), "{texts:?}");
    // A page that is not a tab has none.
    r.app
        .eval_json("wx.navigateTo({ url: '/pages/c/c' }), 1")
        .unwrap();
    r.app.settle().unwrap();
    assert!(r.host.take_logs().iter().any(|l| l == "c bar null"));
}

/// `app.json` `usingComponents` are available in every page and component.
#[test]
fn app_wide_components_render_in_pages_and_components() {
    let dir = project(&[
        (
            "app.json",
            r#"{"pages": ["pages/a/a"], "usingComponents": {"badge": "/c/badge/badge"}}"#,
        ),
        ("app.js", "App({})"),
        (
            "pages/a/a.json",
            r#"{"usingComponents": {"panel": "/c/panel/panel"}}"#,
        ),
        ("pages/a/a.js", "Page({})"),
        ("pages/a/a.wxml", r#"<badge id="top" text="page"/><panel/>"#),
        ("c/badge/badge.json", r#"{"component": true}"#),
        (
            "c/badge/badge.js",
            "Component({ properties: { text: String } })",
        ),
        ("c/badge/badge.wxml", "<view>badge {{text}}</view>"),
        ("c/panel/panel.json", r#"{"component": true}"#),
        ("c/panel/panel.js", "Component({})"),
        ("c/panel/panel.wxml", r#"<badge text="in panel"/>"#),
    ]);
    let r = common::launch(dir.path(), None);
    let texts: Vec<&String> = r.tree.text.values().collect();
    assert!(texts.iter().any(|t| *t == "badge page"), "{texts:?}");
    assert!(texts.iter().any(|t| *t == "badge in panel"), "{texts:?}");
}

/// A page's script runs when the page first opens, after `App.onLaunch`, as in WeChat: real
/// apps read at load what `onLaunch` set (TDesign's starter takes its socket so).
#[test]
fn page_scripts_run_after_on_launch() {
    let dir = project(&[
        ("app.json", r#"{"pages": ["pages/a/a", "pages/b/b"]}"#),
        (
            "app.js",
            "App({ globalData: {}, onLaunch() { console.log('launch'); this.globalData.socket = { name: 'socket' }; } })",
        ),
        (
            "pages/a/a.js",
            "const { socket } = getApp().globalData; console.log('a script ' + socket.name); Page({})",
        ),
        ("pages/a/a.wxml", "<view/>"),
        ("pages/b/b.js", "console.log('b script'); Page({})"),
        ("pages/b/b.wxml", "<view/>"),
    ]);
    let r = common::launch(dir.path(), None);
    assert_eq!(r.host.take_logs(), ["launch", "a script socket"]);
    r.app
        .eval_json("wx.navigateTo({ url: '/pages/b/b' }), 1")
        .unwrap();
    r.app.settle().unwrap();
    r.app
        .eval_json("wx.redirectTo({ url: '/pages/b/b' }), 1")
        .unwrap();
    r.app.settle().unwrap();
    assert_eq!(r.host.take_logs(), ["b script"], "once, when first opened");
}

/// A generic declared without a default and not given by the user renders nothing, as in
/// WeChat (glass-easel refused to create the component at all).
#[test]
fn a_generic_without_default_or_value_renders_nothing() {
    let dir = project(&[
        ("app.json", r#"{"pages": ["pages/a/a"]}"#),
        ("app.js", "App({})"),
        (
            "pages/a/a.json",
            r#"{"usingComponents": {"table": "/c/table/table", "cell": "/c/cell/cell"}}"#,
        ),
        ("pages/a/a.js", "Page({})"),
        (
            "pages/a/a.wxml",
            r#"<table id="plain"/><table id="given" generic:row="cell"/>"#,
        ),
        (
            "c/table/table.json",
            r#"{"component": true, "componentGenerics": {"row": true}}"#,
        ),
        ("c/table/table.js", "Component({})"),
        ("c/table/table.wxml", "<view>table</view><row/>"),
        ("c/cell/cell.json", r#"{"component": true}"#),
        ("c/cell/cell.js", "Component({})"),
        ("c/cell/cell.wxml", "<view>cell</view>"),
    ]);
    let r = common::launch(dir.path(), None);
    let texts: Vec<&String> = r.tree.text.values().collect();
    assert_eq!(
        texts.iter().filter(|t| **t == "table").count(),
        2,
        "{texts:?}"
    );
    assert_eq!(
        texts.iter().filter(|t| **t == "cell").count(),
        1,
        "{texts:?}"
    );
    let logs = r.host.take_logs();
    assert!(
        !logs
            .iter()
            .any(|l| l.contains("Cannot find default component")),
        "{logs:?}"
    );
}

/// The browser's globals are declared and undefined in every module, as WeChat's module
/// wrapper declares them: libraries that test `window` load.
#[test]
fn browser_globals_are_undefined_not_missing() {
    let dir = project(&[
        ("app.json", r#"{"pages": ["pages/a/a"]}"#),
        (
            "app.js",
            "const root = window || global; console.log(typeof window + ' ' + typeof document + ' ' + typeof root); App({})",
        ),
        ("pages/a/a.js", "Page({})"),
        ("pages/a/a.wxml", "<view/>"),
    ]);
    let r = common::launch(dir.path(), None);
    assert_eq!(r.host.take_logs(), ["undefined undefined object"]);
}

/// A module may declare the wrapper's names again (`const self = this`, a webpack runtime's
/// first line), as in WeChat, where its ES6-to-ES5 pass makes the declaration a `var`.
#[test]
fn a_module_may_declare_the_browser_globals_again() {
    let dir = project(&[
        ("app.json", r#"{"pages": ["pages/a/a"]}"#),
        (
            "app.js",
            "const self = this; let window = 'mine'; console.log(typeof self + ' ' + window + ' ' + (self === module.exports)); App({})",
        ),
        ("pages/a/a.js", "Page({})"),
        ("pages/a/a.wxml", "<view/>"),
    ]);
    let r = common::launch(dir.path(), None);
    assert_eq!(r.host.take_logs(), ["object mine true"]);
}

/// Skyline's component methods on the WebView-style view: `getPageId()` names the page a
/// component is in, and `applyAnimatedStyle` applies the style its worklet computes first
/// (an updater that fails, reading a route context Cove lacks, warns instead of throwing).
#[test]
fn skyline_component_methods_exist() {
    let dir = project(&[
        ("app.json", r#"{"pages": ["pages/a/a"]}"#),
        ("app.js", "App({})"),
        ("pages/a/a.json", r#"{"usingComponents": {"c-x": "/c/x"}}"#),
        (
            "pages/a/a.js",
            "Page({ onLoad() { console.log('page ' + this.getPageId()) }, go() { this.selectComponent('#x').run() } })",
        ),
        ("pages/a/a.wxml", "<c-x id=\"x\"/>"),
        ("c/x.json", r#"{"component": true}"#),
        (
            "c/x.js",
            "Component({ lifetimes: { attached() { console.log('comp ' + this.getPageId()) } }, methods: { run() { \
             this.applyAnimatedStyle('.box', () => { const ctx = undefined; return { opacity: ctx.value } }); \
             this.applyAnimatedStyle('.box', () => { 'worklet'; return { opacity: 0.5, width: 10 } }) } } })",
        ),
        ("c/x.wxml", "<view class=\"box\">x</view>"),
    ]);
    let r = common::launch(dir.path(), None);
    let logs = r.host.take_logs();
    let page = logs
        .iter()
        .find(|l| l.starts_with("page "))
        .expect("page id logged");
    let comp = logs
        .iter()
        .find(|l| l.starts_with("comp "))
        .expect("component's page id");
    assert_eq!(page["page ".len()..], comp["comp ".len()..], "{logs:?}");
    assert!(page.starts_with("page pageId:"), "{page}");
    r.app.call_page_method("go", &[]).unwrap();
    r.app.settle().unwrap();
    let messages = serde_json::to_string(&r.host.take()).unwrap();
    assert!(messages.contains("opacity:0.5;width:10px"), "{messages}");
    assert!(!messages.contains(r#""t":"error""#), "{messages}");
}
