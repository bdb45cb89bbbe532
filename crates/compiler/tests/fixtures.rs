//! Fixture-driven snapshot tests: every folder under `tests/fixtures` must build, and
//! every folder under `tests/errors` must fail (or warn) with the recorded diagnostics.

use std::path::{Path, PathBuf};

use cove_compiler::{BuildError, CompileOptions, compile_dir};

fn dirs(under: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(under);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no fixtures under {}", root.display());
    v
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().to_string()
}

fn text(files: &cove_compiler::output::Files, path: &str) -> String {
    String::from_utf8(
        files
            .get(path)
            .unwrap_or_else(|| panic!("{path} missing from output"))
            .clone(),
    )
    .unwrap()
}

#[test]
fn fixtures_build() {
    for dir in dirs("fixtures") {
        let out = compile_dir(&dir, &CompileOptions::default()).unwrap_or_else(|e| match e {
            BuildError::Invalid(d) => panic!("{} failed:\n{d}", dir.display()),
            e => panic!("{e}"),
        });
        let mut snap = String::new();
        snap.push_str(&text(&out.files, "manifest.json"));
        for w in &out.warnings.0 {
            snap.push_str(&format!("warning: {w}\n"));
        }
        insta::assert_snapshot!(format!("build__{}", name(&dir)), snap);
    }
}

#[test]
fn fixtures_outputs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/full");
    let out = compile_dir(&dir, &CompileOptions::default()).unwrap();
    for f in [
        "pages/index/index.js",
        "utils/esm.js",
        "data/seed.json.js",
        "pages/index/index.json",
        "components/card/card.css",
        "app.css",
        "miniprogram_npm/@demo/ui/tag/index.json",
    ] {
        insta::assert_snapshot!(
            format!("out__{}", f.replace('/', "__")),
            text(&out.files, f)
        );
    }
    // The template group evaluates and holds every template.
    let wxml = text(&out.files, "wxml.js");
    for key in [
        "\"pages/index/index\"",
        "\"templates/row\"",
        "\"templates/footer\"",
        "\"utils/fmt\"",
        "\"utils/pad.wxs\"",
        "\"miniprogram_npm/@demo/ui/tag/index\"",
    ] {
        assert!(wxml.contains(key), "wxml.js lacks {key}");
    }
    assert!(out.files.contains_key("images/logo.png"));
    assert!(!out.files.keys().any(|k| k.starts_with("node_modules/")));
}

#[test]
fn errors_report() {
    for dir in dirs("errors") {
        let rendered = match compile_dir(&dir, &CompileOptions::default()) {
            Ok(out) => {
                assert!(
                    !out.warnings.0.is_empty(),
                    "{} built with no warning",
                    dir.display()
                );
                out.warnings
                    .0
                    .iter()
                    .map(|d| d.render_plain())
                    .collect::<Vec<_>>()
                    .join("\n")
            }
            Err(BuildError::Invalid(d)) => {
                assert!(d.has_errors());
                d.0.iter()
                    .map(|d| d.render_plain())
                    .collect::<Vec<_>>()
                    .join("\n")
            }
            Err(e) => panic!("{e}"),
        };
        insta::assert_snapshot!(format!("error__{}", name(&dir)), rendered);
    }
}

#[test]
fn builds_are_reproducible() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/full");
    let opts = CompileOptions {
        minify: true,
        source_maps: true,
        ..Default::default()
    };
    let a = cove_compiler::output::zip_bytes(&compile_dir(&dir, &opts).unwrap().files).unwrap();
    let b = cove_compiler::output::zip_bytes(&compile_dir(&dir, &opts).unwrap().files).unwrap();
    assert_eq!(a, b);
    // A different input gives a different package.
    let c = cove_compiler::output::zip_bytes(
        &compile_dir(&dir, &CompileOptions::default()).unwrap().files,
    )
    .unwrap();
    assert_ne!(a, c);
}

#[test]
fn minify_and_source_maps() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/full");
    let opts = CompileOptions {
        minify: true,
        source_maps: true,
        ..Default::default()
    };
    let out = compile_dir(&dir, &opts).unwrap();
    let plain = compile_dir(&dir, &CompileOptions::default()).unwrap();
    let min = text(&out.files, "pages/index/index.js");
    assert!(min.len() < text(&plain.files, "pages/index/index.js").len());
    let map: serde_json::Value =
        serde_json::from_str(&text(&out.files, "pages/index/index.js.map")).unwrap();
    assert_eq!(map["version"], 3);
    assert!(map["mappings"].as_str().unwrap().len() > 10);
    let sources = map["sources"].as_array().unwrap();
    assert!(
        sources
            .iter()
            .any(|s| s.as_str().unwrap().ends_with("pages/index/index.js"))
    );
}

#[test]
fn es2015_target_lowers_newer_syntax() {
    let tree = cove_compiler::SourceTree::from_files([
        ("app.json", br#"{"pages":["p/p"]}"#.to_vec()),
        ("app.js", b"App({});".to_vec()),
        ("p/p.wxml", b"<view/>".to_vec()),
        (
            "p/p.js",
            b"const a = null; Page({ v: a ?? 1, w: a?.b, x: 2 ** 3, async f() { await 1; } });"
                .to_vec(),
        ),
    ]);
    let opts = CompileOptions {
        js_target: cove_compiler::JsTarget::Es2015,
        ..Default::default()
    };
    let out = cove_compiler::compile(&tree, &opts).unwrap();
    let js = text(&out.files, "p/p.js");
    assert!(
        !js.contains("??") && !js.contains("?.") && !js.contains("**"),
        "{js}"
    );
}

#[test]
fn es5_target() {
    let tree = cove_compiler::SourceTree::from_files([
        ("app.json", br#"{"pages":["p/p"]}"#.to_vec()),
        ("app.js", b"App({});".to_vec()),
        ("p/p.wxml", b"<view/>".to_vec()),
        (
            "p/p.js",
            b"import { x } from './x'; class A { m() { return () => x; } } Page({ a: new A() });"
                .to_vec(),
        ),
        ("p/x.js", b"export const x = `t${1}`;".to_vec()),
    ]);
    let opts = CompileOptions {
        js_target: cove_compiler::JsTarget::Es5,
        ..Default::default()
    };
    let result = cove_compiler::compile(&tree, &opts);
    if cfg!(feature = "es5") {
        let out = result.unwrap();
        for f in ["p/p.js", "p/x.js"] {
            let js = text(&out.files, f);
            assert!(
                !js.contains("=>")
                    && !js.contains("class A")
                    && !js.contains('`')
                    && !js.contains("const "),
                "{js}"
            );
        }
    } else {
        let d = result.unwrap_err();
        assert_eq!(d.0[0].code, "es5-unavailable");
    }
}
