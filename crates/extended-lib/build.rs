//! Embeds WeChat's extended libraries from their pinned npm builds.
//!
//! `js/package-lock.json` pins them; when `js/node_modules` is missing this runs `npm ci`,
//! then lists every file of each library's mini-program build in `OUT_DIR/libs.rs` as
//! `include_bytes!` entries, in sorted order so the embedded table never changes between builds.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `useExtendedLib` key, npm package, the folder its `miniprogram` field names.
const LIBS: &[(&str, &str, &str)] = &[("weui", "weui-miniprogram", "miniprogram_dist")];

fn main() {
    println!("cargo:rerun-if-changed=js/package-lock.json");
    println!("cargo:rerun-if-changed=js/package.json");
    let js = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("js");
    let modules = js.join("node_modules");
    if LIBS
        .iter()
        .any(|(_, pkg, dist)| !modules.join(pkg).join(dist).is_dir())
    {
        npm_ci(&js);
    }
    let mut code = String::from("&[\n");
    for (key, pkg, dist) in LIBS {
        let root = modules.join(pkg);
        let manifest = fs::read_to_string(root.join("package.json"))
            .unwrap_or_else(|e| panic!("cannot read {pkg}/package.json: {e}"));
        let version = json_string_field(&manifest, "version")
            .unwrap_or_else(|| panic!("{pkg}/package.json has no version"));
        let mut files = vec![];
        collect(&root.join(dist), "", &mut files);
        files.sort();
        assert!(!files.is_empty(), "{pkg}/{dist} holds no files");
        writeln!(
            code,
            "    Lib {{ key: {key:?}, package: {pkg:?}, version: {version:?}, files: &["
        )
        .unwrap();
        for rel in files {
            let abs = root.join(dist).join(&rel);
            println!("cargo:rerun-if-changed={}", abs.display());
            writeln!(
                code,
                "        ({rel:?}, include_bytes!({:?})),",
                abs.display().to_string()
            )
            .unwrap();
        }
        code.push_str("    ] },\n");
    }
    code.push_str("]\n");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::write(out.join("libs.rs"), code).expect("write libs.rs");
}

fn collect(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.expect("directory entry");
        let name = entry.file_name().to_string_lossy().to_string();
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let ty = entry.file_type().expect("file type");
        if ty.is_dir() {
            collect(&entry.path(), &rel, out);
        } else if ty.is_file() {
            out.push(rel);
        }
    }
}

/// `"field": "value"` at the top level of a package.json; enough for `version`.
fn json_string_field(json: &str, field: &str) -> Option<String> {
    let at = json.find(&format!("\"{field}\""))?;
    let rest = &json[at + field.len() + 2..];
    let rest = rest
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

fn npm_ci(dir: &Path) {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    let status = Command::new(npm)
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "cove-extended-lib needs npm to fetch WeChat's extended libraries (pinned in \
                 {}/package-lock.json), but running `{npm}` failed: {e}. Install Node.js + npm, \
                 or run `npm ci` there.",
                dir.display()
            )
        });
    if !status.success() {
        panic!("`npm ci` in {} failed with {status}", dir.display());
    }
}
