//! The public corpus (installed by `npm ci --prefix corpus`, never committed) must build:
//! the wux-weapp example app and the vant, tdesign and weui component sets.

use std::path::{Path, PathBuf};

use cove_compiler::{BuildError, CompileOptions, compile_dir};

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/node_modules");
    assert!(
        dir.is_dir(),
        "corpus not installed: run `npm ci --prefix corpus` (scripts/test does it)"
    );
    dir
}

fn build(rel: &str, min_templates: usize) {
    let dir = corpus().join(rel);
    let out = compile_dir(&dir, &CompileOptions::default()).unwrap_or_else(|e| match e {
        BuildError::Invalid(d) => panic!("{rel} failed to build:\n{d}"),
        e => panic!("{rel}: {e}"),
    });
    let s = &out.stats;
    println!(
        "{rel}: {} templates, {} stylesheets, {} JS modules, {} warnings",
        s.wxml_files,
        s.wxss_files,
        s.js_modules,
        out.warnings.0.len()
    );
    assert!(
        s.wxml_files >= min_templates,
        "{rel}: only {} templates compiled",
        s.wxml_files
    );
    // Every file the manifest lists is in the output with the digest it names.
    let manifest: serde_json::Value = serde_json::from_slice(&out.files["manifest.json"]).unwrap();
    for f in manifest["files"].as_array().unwrap() {
        let bytes = &out.files[f["path"].as_str().unwrap()];
        assert_eq!(
            f["sha256"].as_str().unwrap(),
            cove_compiler::output::sha256_hex(bytes)
        );
    }
}

#[test]
fn wux_weapp_example_app() {
    build("wux-weapp/example", 200);
}

#[test]
fn vant_weapp_components() {
    build("@vant/weapp/dist", 70);
}

#[test]
fn tdesign_components() {
    build("tdesign-miniprogram/miniprogram_dist", 100);
}

#[test]
fn weui_components() {
    build("weui-miniprogram/miniprogram_dist", 20);
}

#[test]
fn our_demo_app() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo");
    let out = compile_dir(&dir, &CompileOptions::default()).expect("demo builds");
    assert!(
        out.warnings.0.is_empty(),
        "demo has warnings:\n{}",
        out.warnings
    );
    assert_eq!(out.manifest["app_id"], "wxcove0000demo01");
    assert!(out.files.contains_key("packageA/pages/detail/detail.json"));
}
