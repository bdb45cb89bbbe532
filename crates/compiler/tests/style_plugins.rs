//! DevTools' `less` and `sass` compiler plugins through a whole build: the CSS a `.less` or
//! `.scss` file compiles to goes through the WXSS stage exactly as a `.wxss` would (rpx, a
//! component's class prefix, `:host`, `@import` of a `.wxss`), and an error points into the
//! file it is in.

use cove_compiler::{CompileOptions, SourceTree};

fn project(plugins: &str, extra: &[(&str, &str)]) -> SourceTree {
    let config = format!(r#"{{"setting": {{"useCompilerPlugins": {plugins}}}}}"#);
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("project.config.json".into(), config.into_bytes()),
        (
            "app.json".into(),
            br#"{"pages": ["pages/index/index"], "usingComponents": {"c-card": "/components/card/card"}}"#
                .to_vec(),
        ),
        ("app.js".into(), b"App({})".to_vec()),
        ("pages/index/index.js".into(), b"Page({})".to_vec()),
        (
            "pages/index/index.wxml".into(),
            b"<c-card class=\"x\"/>".to_vec(),
        ),
        ("components/card/card.json".into(), br#"{"component": true}"#.to_vec()),
        ("components/card/card.js".into(), b"Component({})".to_vec()),
        ("components/card/card.wxml".into(), b"<view class=\"t\"/>".to_vec()),
    ];
    files.extend(
        extra
            .iter()
            .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec())),
    );
    SourceTree::from_files(files)
}

fn css(out: &cove_compiler::CompileOutput, path: &str) -> String {
    String::from_utf8(
        out.files
            .get(path)
            .unwrap_or_else(|| panic!("no {path} in {:?}", out.files.keys().collect::<Vec<_>>()))
            .clone(),
    )
    .unwrap()
}

#[test]
fn less_goes_through_the_wxss_stage() {
    let tree = project(
        r#"["typescript", "less"]"#,
        &[
            ("variable.less", "@gap: 75rpx;\n@brand: #0052d9;"),
            (
                "app.less",
                "@import '/variable.less';\npage { padding: @gap; }",
            ),
            ("app.wxss", ".ignored { color: red; }"),
            ("common/base.wxss", ".base { margin: 0 }"),
            (
                "pages/index/index.less",
                "@import (reference) '../../variable';\n@import '../../common/base.wxss';\n.x { .y { color: fade(@brand, 50%); } }",
            ),
            (
                "components/card/card.less",
                "@import '/variable.less';\n:host { display: block; }\n.t { width: @gap * 2; }",
            ),
        ],
    );
    let out = cove_compiler::compile(&tree, &CompileOptions::default()).unwrap_or_else(|d| {
        panic!(
            "{:?}",
            d.0.iter().map(ToString::to_string).collect::<Vec<_>>()
        )
    });
    // rpx → vw, as for WXSS; the plugin's `app.less` wins over `app.wxss`.
    assert_eq!(css(&out, "app.css"), "page{padding:10vw;}");
    // The `.wxss` LESS imported is inlined as LESS; `(reference)` brings no rules.
    assert_eq!(
        css(&out, "pages/index/index.css"),
        ".base{margin:0;}.x .y{color:rgba(0,82,217,0.5);}"
    );
    let card = css(&out, "components/card/card.css");
    let scope = cove_compiler::wxss::scope_name("components/card/card");
    assert!(
        card.contains(&format!(".{scope}--t{{width:20vw;}}")),
        "{card}"
    );
    assert!(card.contains(&format!("[wx-host=\"{scope}\"]")), "{card}");
}

#[test]
fn sass_goes_through_the_wxss_stage() {
    let tree = project(
        r#"[{"type": "sass", "option": {}}]"#,
        &[
            ("styles/_vars.scss", "$gap: 75rpx;"),
            (
                "app.scss",
                "@import 'styles/vars';\npage { padding: $gap; }",
            ),
            (
                "pages/index/index.scss",
                "@use '../../styles/vars';\n.x { &-y { margin: vars.$gap * 2; } }",
            ),
            ("components/card/card.sass", ".t\n  width: 7.5rpx\n"),
        ],
    );
    let out = cove_compiler::compile(&tree, &CompileOptions::default()).unwrap_or_else(|d| {
        panic!(
            "{:?}",
            d.0.iter().map(ToString::to_string).collect::<Vec<_>>()
        )
    });
    assert_eq!(css(&out, "app.css"), "page{padding:10vw;}");
    assert_eq!(css(&out, "pages/index/index.css"), ".x-y{margin:20vw;}");
    let scope = cove_compiler::wxss::scope_name("components/card/card");
    assert_eq!(
        css(&out, "components/card/card.css"),
        format!(".{scope}--t{{width:1vw;}}")
    );
}

#[test]
fn an_error_in_an_imported_less_file_points_there() {
    let tree = project(
        r#"["less"]"#,
        &[
            (
                "pages/index/index.less",
                "@import 'part';\n.a { color: red; }",
            ),
            ("pages/index/part.less", ".b {\n  width: @nope;\n}"),
        ],
    );
    let diags = cove_compiler::compile(&tree, &CompileOptions::default()).unwrap_err();
    let e = diags.errors().next().unwrap();
    assert_eq!(e.code, "less-syntax");
    assert_eq!(e.location(), "pages/index/part.less:2:10", "{e}");
}

#[test]
fn without_the_plugin_less_files_are_not_styles() {
    let tree = project(
        r#"["typescript"]"#,
        &[
            ("pages/index/index.less", "this is { not css"),
            ("pages/index/index.wxss", ".w { color: red; }"),
        ],
    );
    let out = cove_compiler::compile(&tree, &CompileOptions::default()).unwrap();
    assert_eq!(css(&out, "pages/index/index.css"), ".w{color:red;}");
}
