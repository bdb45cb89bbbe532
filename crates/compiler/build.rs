//! Embeds the pinned npm build of the LESS compiler (DevTools' `less` compiler plugin).
//!
//! `js/package-lock.json` pins it; when `js/node_modules` is missing this runs `npm ci`, then
//! copies the single-file Node build into `OUT_DIR` for `include_str!`.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `(file in node_modules, name in OUT_DIR)`.
const BUNDLES: &[(&str, &str)] = &[("less/dist/less-node.cjs", "less-node.cjs")];

fn main() {
    println!("cargo:rerun-if-changed=js/package-lock.json");
    println!("cargo:rerun-if-changed=js/package.json");
    let js = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("js");
    let modules = js.join("node_modules");
    if BUNDLES.iter().any(|(src, _)| !modules.join(src).is_file()) {
        npm_ci(&js);
    }
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    for (src, dst) in BUNDLES {
        let from = modules.join(src);
        println!("cargo:rerun-if-changed={}", from.display());
        fs::copy(&from, out.join(dst))
            .unwrap_or_else(|e| panic!("cannot copy {} into OUT_DIR: {e}", from.display()));
    }
}

fn npm_ci(dir: &Path) {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    // The optional dependencies serve less's own Node file and URL loaders, never used here.
    let status = Command::new(npm)
        .args(["ci", "--omit=optional", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "cove-compiler needs npm to fetch the LESS compiler (pinned in {}/package-lock.json), \
                 but running `{npm}` failed: {e}. Install Node.js + npm, or run `npm ci` there.",
                dir.display()
            )
        });
    if !status.success() {
        panic!("`npm ci` in {} failed with {status}", dir.display());
    }
}
