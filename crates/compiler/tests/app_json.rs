//! `app.json` and page JSON as WeChat reads them: what changes behaviour is implemented,
//! what does not is accepted, and what WeChat only reports at run time is a warning.

use cove_compiler::{CompileOptions, SourceTree, compile};

fn tree(files: &[(&str, &str)]) -> SourceTree {
    SourceTree::from_files(files.iter().map(|(p, t)| (*p, t.as_bytes().to_vec())))
}

fn codes(out: &cove_compiler::CompileOutput) -> Vec<&'static str> {
    out.warnings.0.iter().map(|d| d.code).collect()
}

const PAGE: &[(&str, &str)] = &[
    ("app.js", "App({})"),
    ("pages/a/a.js", "Page({})"),
    ("pages/a/a.wxml", "<view/>"),
];

fn with(extra: &[(&'static str, &'static str)]) -> SourceTree {
    let mut all: Vec<(&str, &str)> = PAGE.to_vec();
    all.extend_from_slice(extra);
    tree(&all)
}

#[test]
fn fields_that_change_nothing_in_cove_are_accepted() {
    let app = r#"{
      "pages": ["pages/a/a"],
      "lazyCodeLoading": "requiredComponents",
      "componentFramework": "glass-easel",
      "renderer": "skyline",
      "rendererOptions": {"skyline": {"defaultDisplayBlock": true}},
      "entranceDeclare": {"locationMessage": {"path": "pages/a/a", "query": "x=1"}},
      "resizable": true,
      "permission": {"scope.userLocation": {"desc": "for the map"}},
      "requiredPrivateInfos": ["getLocation"],
      "embeddedAppIdList": ["wx1234"],
      "appBar": {},
      "frameset": true,
      "chatTools": {"root": "chat", "entryPagePath": "x"},
      "style": "v2",
      "sitemapLocation": "sitemap.json"
    }"#;
    let out = compile(&with(&[("app.json", app)]), &CompileOptions::default()).unwrap();
    // Only the missing sitemap is worth a word, and only a warning (DevTools builds it).
    assert_eq!(codes(&out), ["missing-file"]);
}

#[test]
fn component_placeholder_allows_a_component_of_another_subpackage() {
    let files = |placeholder: &'static str| {
        with(&[
            (
                "app.json",
                r#"{"pages": ["pages/a/a"], "subPackages": [{"root": "sub", "pages": ["p/p"]}]}"#,
            ),
            ("pages/a/a.json", placeholder),
            ("sub/p/p.js", "Page({})"),
            ("sub/p/p.wxml", "<view/>"),
            ("sub/c/c.json", r#"{"component": true}"#),
            ("sub/c/c.js", "Component({})"),
            ("sub/c/c.wxml", "<view/>"),
            ("pages/a/a.wxml", "<c/>"),
        ])
    };
    let without = compile(
        &files(r#"{"usingComponents": {"c": "/sub/c/c"}}"#),
        &CompileOptions::default(),
    );
    let errors = without.expect_err("main package using a subpackage's component");
    assert!(errors.0.iter().any(|d| d.code == "cross-package-component"));
    let out = compile(
        &files(r#"{"usingComponents": {"c": "/sub/c/c"}, "componentPlaceholder": {"c": "view"}}"#),
        &CompileOptions::default(),
    )
    .expect("WeChat loads it asynchronously behind the placeholder");
    assert!(out.files.contains_key("sub/c/c.js"));
}

#[test]
fn a_custom_tab_bar_is_built() {
    let app = r#"{"pages": ["pages/a/a", "pages/b/b"],
      "tabBar": {"custom": true, "list": [{"pagePath": "pages/a/a", "text": "A"}, {"pagePath": "pages/b/b", "text": "B"}]}}"#;
    let t = with(&[
        ("app.json", app),
        ("pages/b/b.js", "Page({})"),
        ("pages/b/b.wxml", "<view/>"),
        ("custom-tab-bar/index.json", r#"{"component": true}"#),
        ("custom-tab-bar/index.js", "Component({})"),
        ("custom-tab-bar/index.wxml", "<view>tabs</view>"),
    ]);
    let out = compile(&t, &CompileOptions::default()).unwrap();
    assert!(out.files.contains_key("custom-tab-bar/index.js"));
    assert!(out.manifest["cove"]["units"]["custom-tab-bar/index"].is_object());
}

#[test]
fn resolve_alias_applies_to_modules_and_components() {
    let t = with(&[
        (
            "app.json",
            r#"{"pages": ["pages/a/a"], "resolveAlias": {"~/*": "/*", "@c/*": "components/*"}}"#,
        ),
        ("pages/a/a.json", r#"{"usingComponents": {"x": "@c/x/x"}}"#),
        ("pages/a/a.js", "const u = require('~/utils/u'); Page({})"),
        ("pages/a/a.wxml", "<x/>"),
        ("utils/u.js", "module.exports = 1"),
        ("components/x/x.json", r#"{"component": true}"#),
        ("components/x/x.js", "Component({})"),
        ("components/x/x.wxml", "<view/>"),
    ]);
    let out = compile(&t, &CompileOptions::default()).unwrap();
    assert!(codes(&out).is_empty(), "{:?}", out.warnings);
    assert_eq!(
        out.manifest["cove"]["modules"]["pages/a/a.js"]["deps"]["~/utils/u"],
        "utils/u.js"
    );
    let page: serde_json::Value = serde_json::from_slice(&out.files["pages/a/a.json"]).unwrap();
    assert_eq!(page["usingComponents"]["x"], "/components/x/x");
}

#[test]
fn an_extended_lib_the_project_installed_is_used_as_it_is() {
    let t = with(&[
        (
            "app.json",
            r#"{"pages": ["pages/a/a"], "useExtendedLib": {"weui": true, "kbone": false}}"#,
        ),
        (
            "pages/a/a.json",
            r#"{"usingComponents": {"mp-icon": "weui-miniprogram/icon/icon"}}"#,
        ),
        ("pages/a/a.wxml", "<mp-icon/>"),
        (
            "miniprogram_npm/weui-miniprogram/icon/icon.json",
            r#"{"component": true}"#,
        ),
        (
            "miniprogram_npm/weui-miniprogram/icon/icon.js",
            "Component({ /* own copy */ })",
        ),
        ("miniprogram_npm/weui-miniprogram/icon/icon.wxml", "<view/>"),
    ]);
    let out = compile(&t, &CompileOptions::default()).unwrap();
    let js = String::from_utf8(out.files["miniprogram_npm/weui-miniprogram/icon/icon.js"].clone())
        .unwrap();
    assert!(js.contains("own copy"));
    assert!(
        !out.files
            .contains_key("miniprogram_npm/weui-miniprogram/cell/cell.js")
    );

    // Without a copy, Cove's embedded one; an unknown library is a warning.
    let t = with(&[
        (
            "app.json",
            r#"{"pages": ["pages/a/a"], "useExtendedLib": {"weui": "latest", "kbone": true}}"#,
        ),
        (
            "pages/a/a.json",
            r#"{"usingComponents": {"mp-icon": "weui-miniprogram/icon/icon"}}"#,
        ),
        ("pages/a/a.wxml", "<mp-icon/>"),
    ]);
    let out = compile(&t, &CompileOptions::default()).unwrap();
    assert!(
        out.files
            .contains_key("miniprogram_npm/weui-miniprogram/icon/icon.js")
    );
    assert_eq!(codes(&out), ["unknown-extended-lib"]);
}

#[test]
fn typescript_is_compiled_and_known_by_its_js_name() {
    let t = tree(&[
        (
            "project.config.json",
            r#"{"setting": {"useCompilerPlugins": ["typescript"]}}"#,
        ),
        ("app.json", r#"{"pages": ["pages/a/a"]}"#),
        (
            "app.ts",
            "import { n } from './lib/n'; App({ n: n as number })",
        ),
        (
            "lib/n.ts",
            "export const n: number = 1; export interface Unused { a: string }",
        ),
        ("types/api.d.ts", "export interface Api { x: number }"),
        (
            "pages/a/a.ts",
            "import type { Api } from '../../types/api'; const a: Api | null = null; Page({ a })",
        ),
        ("pages/a/a.wxml", "<view/>"),
    ]);
    let out = compile(&t, &CompileOptions::default()).unwrap();
    assert!(codes(&out).is_empty(), "{:?}", out.warnings);
    let app = String::from_utf8(out.files["app.js"].clone()).unwrap();
    assert!(!app.contains(" as number"), "{app}");
    assert_eq!(
        out.manifest["cove"]["modules"]["app.js"]["deps"]["./lib/n"],
        "lib/n.js"
    );
    assert!(out.files.contains_key("lib/n.js") && !out.files.contains_key("lib/n.ts"));
    // A type-only import leaves nothing to load.
    assert!(
        out.manifest["cove"]["modules"]["pages/a/a.js"]["deps"]
            .as_object()
            .unwrap()
            .is_empty()
    );
    // A syntax error keeps its position in the `.ts` source.
    let bad = tree(&[
        ("app.json", r#"{"pages": ["pages/a/a"]}"#),
        ("app.ts", "App({})\nconst x: = 1;"),
        ("pages/a/a.ts", "Page({})"),
        ("pages/a/a.wxml", "<view/>"),
    ]);
    let errors = compile(&bad, &CompileOptions::default()).unwrap_err();
    let d = errors.0.iter().find(|d| d.code == "js-syntax").unwrap();
    assert_eq!(d.location(), "app.ts:2:10");
}
