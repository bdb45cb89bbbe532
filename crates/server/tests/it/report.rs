//! The review report on compiled packages: a small app written to exercise every section, and
//! the demo against itself and a changed version.

use cove_compiler::{CompileOptions, SourceTree, compile};
use cove_server::report::{Domains, Files, analyze};

fn build(files: &[(&str, &str)]) -> Files {
    let tree = SourceTree::from_files(files.iter().map(|(p, t)| (*p, t.as_bytes().to_vec())));
    let out = compile(&tree, &CompileOptions::default()).unwrap_or_else(|d| panic!("{d:?}"));
    out.files.into_iter().collect()
}

const APP: &[(&str, &str)] = &[
    ("project.config.json", r#"{"appid": "wxreport"}"#),
    (
        "app.json",
        r#"{"pages": ["pages/index/index"], "subPackages": [{"root": "shop", "pages": ["pages/cart/cart"]}]}"#,
    ),
    ("app.js", "App({ onLaunch() { wx.login({}); } })"),
    (
        "pages/index/index.js",
        r#"
const wx2 = { request() {} };
Page({
  onLoad() {
    wx.request({ url: 'https://api.bank.example/v1/accounts' });
    wx.getLocation({ type: 'gcj02' });
    wx.authorize({ scope: 'scope.record' });
    wx2.request({ url: 'https://not-wx.example/' });
    const socket = `wss://push.bank.example/feed`;
    wx.connectSocket({ url: socket });
    // http://in-a-comment.example is not code
  },
  track() { wx.request({ url: 'http://tracker.example/t' }); }
});
"#,
    ),
    (
        "pages/index/index.wxml",
        r#"<image src="https://cdn.bank.example/logo.png"/><web-view src="https://partner.example/x"/>"#,
    ),
    (
        "pages/index/index.wxss",
        ".a { background: url(https://cdn.bank.example/bg.png) }",
    ),
    (
        "shop/pages/cart/cart.js",
        "Page({ pay() { wx.requestPayment({}); } })",
    ),
    ("shop/pages/cart/cart.wxml", "<view>cart</view>"),
];

fn whitelist() -> Domains {
    Domains {
        request: vec!["api.bank.example".into()],
        socket: vec!["push.bank.example".into()],
        download: vec!["cdn.bank.example".into()],
        ..Domains::default()
    }
}

#[test]
fn every_section_of_the_report() {
    let files = build(APP);
    let r = analyze(&files, &whitelist(), None);

    // APIs from the syntax tree: `wx2.request` and comments do not count.
    let names: Vec<&str> = r.apis.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "authorize",
            "connectSocket",
            "getLocation",
            "login",
            "request",
            "requestPayment"
        ]
    );
    assert_eq!(r.apis["request"].calls, 2);
    assert!(r.apis["getLocation"].sensitive && r.apis["requestPayment"].sensitive);
    assert!(!r.apis["connectSocket"].sensitive);
    assert!(
        r.apis["requestPayment"]
            .files
            .iter()
            .any(|f| f.starts_with("shop/"))
    );

    // Domains from JS strings, template strings, templates and styles.
    let domain = |h: &str| {
        r.domains
            .iter()
            .find(|d| d.host == h)
            .unwrap_or_else(|| panic!("{h}: {:?}", r.domains))
    };
    assert_eq!(domain("api.bank.example").whitelisted_in, ["request"]);
    assert_eq!(domain("push.bank.example").whitelisted_in, ["socket"]);
    assert_eq!(domain("cdn.bank.example").whitelisted_in, ["download"]);
    assert!(domain("partner.example").whitelisted_in.is_empty());
    assert!(domain("tracker.example").whitelisted_in.is_empty());
    assert!(
        r.findings
            .iter()
            .any(|f| f.code == "domain_not_whitelisted" && f.message.contains("partner.example"))
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.code == "insecure_scheme" && f.message.contains("http://tracker.example"))
    );
    assert!(
        r.domains.iter().all(|d| d.host != "in-a-comment.example"),
        "comments are not references"
    );

    // Scopes: named, and implied by the APIs.
    let scopes: Vec<&str> = r.scopes.iter().map(String::as_str).collect();
    assert_eq!(scopes, ["scope.record", "scope.userLocation"]);

    // Sizes per package part.
    let parts: Vec<&str> = r.sizes.iter().map(|s| s.part.as_str()).collect();
    assert_eq!(parts, ["main", "shop"]);
    assert_eq!(r.sizes.iter().map(|s| s.bytes).sum::<u64>(), r.total_bytes);
    assert!(r.sizes[1].files >= 2);
    assert!(r.diff.is_none());
    assert!(r.npm.is_empty());
}

#[test]
fn the_diff_against_the_live_version() {
    let live = build(APP);
    let mut changed: Vec<(&str, &str)> = APP.to_vec();
    changed.retain(|(p, _)| !p.starts_with("shop/pages/cart/cart.wxml"));
    changed.push((
        "shop/pages/cart/cart.wxml",
        "<view>cart</view>\n<view>total</view>",
    ));
    for f in changed.iter_mut() {
        if f.0 == "app.js" {
            f.1 = "App({ onLaunch() { wx.login({}); wx.checkSession({}); } })";
        }
    }
    let candidate = build(&changed);
    let r = analyze(&candidate, &whitelist(), Some(&live));
    let diff = r.diff.unwrap();
    let app = diff
        .iter()
        .find(|c| c.path == "app.js")
        .expect("app.js changed");
    assert_eq!(app.status, "changed");
    assert!(app.added >= 1 && app.removed >= 1);
    assert!(
        app.patch
            .contains("+App({ onLaunch() { wx.login({}); wx.checkSession({}); } })"),
        "{}",
        app.patch
    );
    assert!(app.patch.starts_with("--- live/app.js"));
    // The manifest lists every digest, so it changes with any file.
    assert!(diff.iter().any(|c| c.path == "manifest.json"));
    // The same package against itself: no changes.
    assert!(
        analyze(&live, &whitelist(), Some(&live))
            .diff
            .unwrap()
            .is_empty()
    );
}

#[test]
fn npm_modules_and_package_limits() {
    let files = build(&[
        ("project.config.json", r#"{"appid": "wxnpm"}"#),
        ("app.json", r#"{"pages": ["pages/index/index"]}"#),
        (
            "app.js",
            "const dayjs = require('dayjs'); const u = require('@bank/util'); App({ d: dayjs(), u })",
        ),
        ("pages/index/index.js", "Page({})"),
        ("pages/index/index.wxml", "<view/>"),
        (
            "miniprogram_npm/dayjs/index.js",
            "module.exports = function () { return 1 }",
        ),
        (
            "miniprogram_npm/@bank/util/index.js",
            "module.exports = { x: require('./x') }",
        ),
        ("miniprogram_npm/@bank/util/x.js", "module.exports = 2"),
    ]);
    let r = analyze(&files, &Domains::default(), None);
    let npm: Vec<(&str, usize)> = r.npm.iter().map(|m| (m.name.as_str(), m.files)).collect();
    assert_eq!(npm, [("@bank/util", 2), ("dayjs", 1)]);

    // The wux-weapp example puts 2.7 MB in its main package: over WeChat's 2 MB, said so.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus/node_modules/wux-weapp/example");
    assert!(
        dir.is_dir(),
        "corpus not installed: run `npm ci --prefix corpus`"
    );
    let out = cove_compiler::compile_dir(&dir, &CompileOptions::default()).unwrap();
    let files: Files = out.files.into_iter().collect();
    let r = analyze(&files, &Domains::default(), None);
    assert!(r.apis.len() > 10, "{:?}", r.apis.keys());
    let too_large: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.code == "package_too_large")
        .collect();
    assert_eq!(too_large.len(), 1, "{too_large:?}");
    assert!(
        too_large[0].message.starts_with("main is "),
        "{}",
        too_large[0].message
    );
    assert!(r.sizes[0].bytes > 2 << 20);
}
