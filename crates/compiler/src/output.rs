//! The compiled app: a sorted map of files plus `manifest.json`, written as a directory
//! or as a ZIP whose bytes depend only on the input.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// The format tag of the compiled app layout; bump it when the layout changes.
pub const FORMAT: &str = "cove-app/1";

/// Extensions copied into the package as static assets.
pub const ASSET_EXTS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "ttf", "otf", "woff", "woff2", "eot",
    "mp3", "mp4", "m4a", "aac", "wav", "ogg", "webm", "wasm", "txt",
];

/// Compiled files by path. `BTreeMap` keeps every listing in one order.
pub type Files = BTreeMap<String, Vec<u8>>;

/// W3C MiniApp manifest names (snake_case) for an `app.json` `window` object.
pub fn w3c_window(window: Option<&Value>) -> Value {
    let mut out = Map::new();
    if let Some(Value::Object(w)) = window {
        for (k, v) in w {
            let key = match k.as_str() {
                "pageOrientation" => "orientation".to_string(),
                other => snake_case(other),
            };
            out.insert(key, v.clone());
        }
    }
    out.entry("design_width").or_insert(json!(750));
    Value::Object(out)
}

fn snake_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Add the `files` list (size and SHA-256 of every other file) and serialise the manifest.
pub fn finish_manifest(mut manifest: Value, files: &Files) -> Vec<u8> {
    let list: Vec<Value> = files
        .iter()
        .filter(|(p, _)| p.as_str() != "manifest.json")
        .map(|(p, b)| json!({ "path": p, "size": b.len(), "sha256": sha256_hex(b) }))
        .collect();
    manifest["files"] = Value::Array(list);
    let mut out = serde_json::to_vec_pretty(&manifest).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Write into a directory (created if missing; files written atomically).
pub fn write_dir(files: &Files, dir: &Path) -> io::Result<()> {
    for (path, bytes) in files {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let tmp = target.with_extension("cove-tmp");
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &target)?;
    }
    Ok(())
}

/// A ZIP with fixed timestamps and permissions, so equal inputs give equal bytes.
pub fn zip_bytes(files: &Files) -> io::Result<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    let mut buf = io::Cursor::new(Vec::new());
    {
        let mut zw = zip::ZipWriter::new(&mut buf);
        let opts = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(6))
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644);
        // manifest.json first, as the W3C packaging draft suggests.
        let order = files
            .keys()
            .filter(|k| *k == "manifest.json")
            .chain(files.keys().filter(|k| *k != "manifest.json"));
        for path in order {
            zw.start_file(path.as_str(), opts)
                .map_err(io::Error::other)?;
            zw.write_all(&files[path])?;
        }
        zw.finish().map_err(io::Error::other)?;
    }
    Ok(buf.into_inner())
}

/// Write the ZIP atomically.
pub fn write_zip(files: &Files, path: &Path) -> io::Result<()> {
    let bytes = zip_bytes(files)?;
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension("cove-tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}
