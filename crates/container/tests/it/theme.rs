//! DarkMode: the system theme the host states, what the app sees of it (only with app.json
//! `"darkmode": true`), `App.onThemeChange` and `wx.onThemeChange` on a `themeChange` device
//! event, and what the view is told (`hello`'s theme variables, `theme` messages).

use crate::common;

use std::fs;
use std::path::Path;

use serde_json::{Value, json};

/// A one-page app that logs what it learns about the theme.
fn project(dir: &Path, darkmode: bool) {
    let app_json = json!({
        "pages": ["pages/index/index"],
        "darkmode": darkmode,
        "themeLocation": "theme.json",
        "window": {"navigationBarBackgroundColor": "@navBg", "navigationBarTextStyle": "@navText"},
    });
    let files = [
        ("app.json", app_json.to_string()),
        (
            "theme.json",
            json!({
                "light": {"navBg": "#f7f7f7", "navText": "black"},
                "dark": {"navBg": "#1f1f1f", "navText": "white"},
            })
            .to_string(),
        ),
        (
            "app.js",
            "App({\n  onLaunch() { console.log('launch theme=' + wx.getSystemInfoSync().theme + ' base=' + wx.getAppBaseInfo().theme); },\n  onThemeChange(res) { console.log('App.onThemeChange ' + res.theme + ' sys=' + wx.getSystemInfoSync().theme); },\n});\n".into(),
        ),
        ("pages/index/index.wxml", "<view>hi</view>".into()),
        (
            "pages/index/index.js",
            "function l(res) { console.log('wx.onThemeChange ' + res.theme); }\nPage({\n  onLoad() { wx.onThemeChange(l); },\n  stop() { wx.offThemeChange(l); },\n});\n".into(),
        ),
    ];
    for (p, text) in files {
        let f = dir.join(p);
        fs::create_dir_all(f.parent().unwrap()).unwrap();
        fs::write(f, text).unwrap();
    }
}

fn launch(darkmode: bool, system_theme: &str) -> (common::Running, tempfile::TempDir) {
    let src = tempfile::tempdir().unwrap();
    project(src.path(), darkmode);
    let theme = system_theme.to_string();
    let r = common::launch_with(src.path(), None, move |c| {
        c.system = json!({"theme": theme});
    });
    (r, src)
}

fn theme_change(r: &common::Running, theme: &str) {
    r.app
        .send(&json!({"t": "device", "event": "themeChange", "data": {"theme": theme}}))
        .unwrap();
}

fn sent(r: &common::Running, t: &str) -> Vec<Value> {
    let mut all = r.host.kept.lock().unwrap().clone();
    all.extend(r.host.messages.lock().unwrap().iter().cloned());
    all.into_iter().filter(|m| m["t"] == t).collect()
}

#[test]
fn with_darkmode_the_app_follows_the_system_theme() {
    let (r, _src) = launch(true, "dark");
    assert_eq!(r.host.take_logs(), ["launch theme=dark base=dark"]);
    let hello = &sent(&r, "hello")[0];
    assert_eq!(hello["theme"], "dark");
    assert_eq!(hello["app"]["darkmode"], true);
    assert_eq!(hello["app"]["theme"]["dark"]["navBg"], "#1f1f1f");
    assert_eq!(
        hello["app"]["window"]["navigationBarBackgroundColor"],
        "@navBg"
    );

    theme_change(&r, "light");
    assert_eq!(
        r.host.take_logs(),
        [
            "App.onThemeChange light sys=light",
            "wx.onThemeChange light"
        ]
    );
    let theme = sent(&r, "theme");
    assert_eq!(theme, [json!({"t": "theme", "theme": "light"})]);
    assert_eq!(
        r.app.eval_json("wx.getSystemInfoSync().theme").unwrap(),
        "light"
    );
    // The same theme again is no change.
    theme_change(&r, "light");
    assert!(r.host.take_logs().is_empty());
    // offThemeChange removes the listener; App.onThemeChange stays.
    r.app.call_page_method("stop", &[]).unwrap();
    theme_change(&r, "dark");
    assert_eq!(r.host.take_logs(), ["App.onThemeChange dark sys=dark"]);
    assert_eq!(sent(&r, "theme").len(), 2);
    // Anything but light or dark is refused.
    assert!(
        r.app
            .send(&json!({"t": "device", "event": "themeChange", "data": {"theme": "sepia"}}))
            .is_err()
    );
}

#[test]
fn without_darkmode_the_app_sees_no_theme_but_the_view_still_hears() {
    let (r, _src) = launch(false, "dark");
    assert_eq!(
        r.host.take_logs(),
        ["launch theme=undefined base=undefined"]
    );
    assert_eq!(sent(&r, "hello")[0]["app"]["darkmode"], false);
    theme_change(&r, "light");
    theme_change(&r, "dark");
    assert!(
        r.host.take_logs().is_empty(),
        "no onThemeChange without darkmode"
    );
    // WXSS media queries follow the system whatever `darkmode` says, so the view is told.
    assert_eq!(sent(&r, "theme").len(), 2);
}
