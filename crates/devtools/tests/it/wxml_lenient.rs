//! What WeChat compiles although it is odd renders in Cove as in WeChat. The compiler's
//! `lenient` fixture (an unquoted attribute value, WXS names that JS reserves, a missing
//! `import`, `include` and WXS `require`, an include cycle, `<import/>`, a `<template>` with no
//! name, an unknown entity) is rendered by `cove-devtools render`'s engine
//! (`cove_devtools::oracle`) and by WeChat's `wcc` (`corpus/render.js`): the trees must be the
//! same, and Cove must log the warnings WeChat's runtime logs for the missing files and the
//! cycle, word for word.
//!
//! Needs node and `corpus/node_modules` (`npm ci --prefix corpus`); fails without them.

use std::path::{Path, PathBuf};
use std::process::Command;

use cove_devtools::oracle::Oracle;
use serde_json::{Map, Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// wcc's tree and Cove's in one form: wcc's bookkeeping (`raw`, `rawAttr`, `n`, empty
/// `generics`) dropped, adjacent text joined.
fn normalize(v: &Value) -> Value {
    let Value::Object(o) = v else {
        return v.clone();
    };
    let mut out = Map::new();
    out.insert("tag".into(), o["tag"].clone());
    out.insert("attr".into(), o.get("attr").cloned().unwrap_or(json!({})));
    if let Some(Value::Object(g)) = o.get("generics")
        && !g.is_empty()
    {
        out.insert("generics".into(), Value::Object(g.clone()));
    }
    let mut children: Vec<Value> = vec![];
    for c in o
        .get("children")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match (children.last_mut(), normalize(c)) {
            (Some(Value::String(prev)), Value::String(s)) => prev.push_str(&s),
            (_, c) => children.push(c),
        }
    }
    out.insert("children".into(), Value::Array(children));
    Value::Object(out)
}

#[test]
fn odd_templates_render_as_wcc_renders_them() {
    let root = repo().join("crates/compiler/tests/fixtures/lenient");
    let data = json!({ "name": "Cove" });

    let compiled = cove_compiler::compile_dir(&root, &Default::default())
        .unwrap_or_else(|e| panic!("the lenient fixture does not build: {e}"));
    let codes: Vec<&str> = compiled.warnings.0.iter().map(|d| d.code).collect();
    for code in ["missing-template", "missing-wxs", "wxml-syntax"] {
        assert!(codes.contains(&code), "no {code} warning: {codes:?}");
    }
    let oracle = Oracle::load(&compiled.files).expect("the compiled app loads");
    let cove = oracle
        .render("pages/index/index", &data)
        .expect("Cove renders the page");

    let data_file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wxml-lenient-data.json");
    std::fs::write(&data_file, data.to_string()).unwrap();
    let out = Command::new("node")
        .arg(repo().join("corpus/render.js"))
        .arg(&root)
        .arg("pages/index/index.wxml")
        .arg("--data")
        .arg(&data_file)
        .output()
        .expect("node runs (and `npm ci --prefix corpus` installed the oracle)");
    assert!(
        out.status.success(),
        "render.js: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wcc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        normalize(&wcc),
        normalize(&cove.tree),
        "wcc's tree (left) and Cove's (right) differ"
    );
    // The content the odd parts carry made it through, not just an empty page.
    let text = cove.tree.to_string();
    for part in [
        "https://host/a.jpg?x=1&t=2",
        "c1 2 Hi Cove",
        "&unknown;",
        "https://host/b.png",
        "loop",
    ] {
        assert!(text.contains(part), "{part} not rendered: {text}");
    }

    let warnings: Vec<&str> = std::str::from_utf8(&out.stderr)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("WXMLRT_"))
        .collect();
    assert_eq!(warnings.len(), 3, "wcc's runtime warnings: {warnings:?}");
    for w in warnings {
        let logged = format!("warn: {w}");
        assert!(
            cove.logs.contains(&logged),
            "Cove did not log `{w}`; it logged {:?}",
            cove.logs
        );
    }
}
