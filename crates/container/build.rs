//! Embeds the pinned npm builds of glass-easel and its mini-program adapter.
//!
//! `js/package-lock.json` pins them; when `js/node_modules` is missing this runs `npm ci`,
//! then copies the two UMD/CommonJS bundles into `OUT_DIR` for `include_str!`.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const BUNDLES: &[(&str, &str)] = &[
    ("glass-easel/dist/glass_easel.all.js", "glass_easel.all.js"),
    (
        "glass-easel-miniprogram-adapter/dist/glass_easel_miniprogram_adapter.js",
        "glass_easel_miniprogram_adapter.js",
    ),
];

/// The official typings: the list of `wx` methods that API coverage is measured against.
const TYPINGS: &str = "miniprogram-api-typings/types/wx/lib.wx.api.d.ts";

fn main() {
    println!("cargo:rerun-if-changed=js/package-lock.json");
    println!("cargo:rerun-if-changed=js/package.json");
    let js = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("js");
    let modules = js.join("node_modules");
    if BUNDLES.iter().any(|(src, _)| !modules.join(src).is_file())
        || !modules.join(TYPINGS).is_file()
    {
        npm_ci(&js);
    }
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    for (src, dst) in BUNDLES {
        let from = modules.join(src);
        println!("cargo:rerun-if-changed={}", from.display());
        fs::copy(&from, out.join(dst))
            .unwrap_or_else(|e| panic!("cannot copy {} into OUT_DIR: {e}", from.display()));
    }
    let typings = modules.join(TYPINGS);
    println!("cargo:rerun-if-changed={}", typings.display());
    let text = fs::read_to_string(&typings)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", typings.display()));
    let names = wx_method_names(&text);
    assert!(
        names.len() > 300,
        "found only {} wx methods in {TYPINGS}",
        names.len()
    );
    let json = format!(
        "[{}]",
        names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    fs::write(out.join("wx_api_names.json"), json).expect("write wx_api_names.json");
}

/// The methods of `interface Wx` in the official typings: lines at member indent that open
/// a call signature, outside doc comments (whose examples contain braces and calls).
fn wx_method_names(dts: &str) -> Vec<String> {
    let mut names = std::collections::BTreeSet::new();
    let (mut inside, mut comment) = (false, false);
    for line in dts.lines() {
        let t = line.trim();
        if comment {
            comment = !t.contains("*/");
            continue;
        }
        if t.starts_with("/*") {
            comment = !t.contains("*/");
            continue;
        }
        if !inside {
            inside = line.starts_with("    interface Wx {");
            continue;
        }
        if line.starts_with("    }") {
            break;
        }
        let Some(member) = line.strip_prefix("        ") else {
            continue;
        };
        let ident: String = member
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let rest = member[ident.len()..].trim_start();
        if !ident.is_empty() && (rest.starts_with('(') || rest.starts_with('<')) {
            names.insert(ident);
        }
    }
    names.into_iter().collect()
}

fn npm_ci(dir: &Path) {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let status = Command::new(npm)
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "cove-container needs npm to fetch glass-easel (pinned in {}/package-lock.json), \
                 but running `{npm}` failed: {e}. Install Node.js + npm, or run `npm ci` there.",
                dir.display()
            )
        });
    if !status.success() {
        panic!("`npm ci` in {} failed with {status}", dir.display());
    }
}
