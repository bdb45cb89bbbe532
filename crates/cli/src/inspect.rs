//! `cove inspect`: what a package says about itself (envelope, manifest, files, signer),
//! without judging it; `cove verify` judges.

use std::fmt::Write as _;

use cove_package::sign::{MANIFEST, Manifest, SIGNATURE, Signature};
use cove_package::{KeyPair, Limits, envelope, zip};
use serde_json::{Value, json};

pub fn report(bytes: &[u8], host_keys: &[KeyPair]) -> Value {
    let mut out = json!({"size": bytes.len()});
    let inner = if envelope::is_envelope(bytes) {
        match envelope::read_header(bytes) {
            Ok((h, len)) => {
                out["envelope"] = json!({
                    "version": h.version, "suite": h.suite.as_str(), "cipher": h.suite.cipher_name(),
                    "chunk_size": h.chunk_size, "recipients": h.recipients, "header_bytes": len,
                });
            }
            Err(e) => {
                out["error"] = json!(format!("[{}] {e}", e.code()));
                return out;
            }
        }
        if host_keys.is_empty() {
            out["error"] = json!("sealed: pass --host-key to look inside");
            return out;
        }
        let mut plain = vec![];
        if let Err(e) = envelope::open(&mut &bytes[..], &mut plain, host_keys) {
            out["error"] = json!(format!("[{}] {e}", e.code()));
            return out;
        }
        plain
    } else {
        bytes.to_vec()
    };
    let files = match zip::read(&inner, &Limits::default()) {
        Ok(f) => f,
        Err(e) => {
            out["error"] = json!(format!("[{}] {e}", e.code()));
            return out;
        }
    };
    if let Some(m) = files.get(MANIFEST) {
        match Manifest::parse(m) {
            Ok(m) => {
                let total: u64 = m.files.values().map(|(s, _)| s).sum();
                out["manifest"] = json!({
                    "app_id": m.app_id, "name": m.value["name"], "version": m.value["version"],
                    "digest": m.suite.digest_name(), "files": m.files.len(), "bytes": total,
                });
                out["files"] = m
                    .files
                    .iter()
                    .map(|(p, (size, d))| json!({"path": p, "size": size, "digest": d}))
                    .collect();
                out["undeclared"] = files
                    .keys()
                    .filter(|p| {
                        p.as_str() != MANIFEST
                            && p.as_str() != SIGNATURE
                            && !m.files.contains_key(*p)
                    })
                    .cloned()
                    .collect();
            }
            Err(e) => out["error"] = json!(format!("[{}] {e}", e.code())),
        }
    } else {
        out["error"] = json!("no manifest.json");
    }
    out["signature"] = match files
        .get(SIGNATURE)
        .map(|b| serde_json::from_slice::<Signature>(b))
    {
        Some(Ok(s)) => json!({
            "scheme": s.scheme, "key_id": s.key_id, "channel": s.channel.as_str(),
            "rollback": s.rollback, "rollback_from": s.rollback_from, "digest": s.digest,
            "manifest_digest": s.manifest_digest,
        }),
        Some(Err(e)) => json!({"error": e.to_string()}),
        None => Value::Null,
    };
    out
}

pub fn text(r: &Value) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "size        {} bytes", r["size"]);
    if let Some(e) = r.get("envelope") {
        let ids: Vec<&str> = e["recipients"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let _ = writeln!(
            s,
            "envelope    v{} {} ({}), {} byte chunks, for {}",
            e["version"],
            e["suite"].as_str().unwrap_or(""),
            e["cipher"].as_str().unwrap_or(""),
            e["chunk_size"],
            ids.join(", ")
        );
    }
    if let Some(m) = r.get("manifest") {
        let _ = writeln!(
            s,
            "app         {} {:?} version {} (code {})",
            m["app_id"].as_str().unwrap_or(""),
            m["name"].as_str().unwrap_or(""),
            m["version"]["name"].as_str().unwrap_or(""),
            m["version"]["code"]
        );
        let _ = writeln!(
            s,
            "manifest    {} files, {} bytes, {} digests",
            m["files"],
            m["bytes"],
            m["digest"].as_str().unwrap_or("")
        );
    }
    match &r["signature"] {
        Value::Null => {
            let _ = writeln!(s, "signature   none");
        }
        sig if sig.get("error").is_some() => {
            let _ = writeln!(s, "signature   unreadable: {}", sig["error"]);
        }
        sig => {
            let _ = writeln!(
                s,
                "signature   {} by key {} ({}{})",
                sig["scheme"].as_str().unwrap_or(""),
                sig["key_id"].as_str().unwrap_or(""),
                sig["channel"].as_str().unwrap_or(""),
                match (&sig["rollback"], sig["rollback_from"].as_array()) {
                    (Value::Bool(true), Some(r)) if r.len() == 2 =>
                        format!(", rollback of {}..={}", r[0], r[1]),
                    (Value::Bool(true), _) => ", rollback of nothing".to_string(),
                    _ => String::new(),
                }
            );
        }
    }
    for u in r["undeclared"].as_array().into_iter().flatten() {
        let _ = writeln!(s, "undeclared  {}", u.as_str().unwrap_or(""));
    }
    if let Some(files) = r["files"].as_array() {
        let _ = writeln!(s, "files:");
        for f in files {
            let d = f["digest"].as_str().unwrap_or("");
            let _ = writeln!(
                s,
                "  {:>9}  {}  {}",
                f["size"].as_u64().unwrap_or(0),
                &d[..d.len().min(16)],
                f["path"].as_str().unwrap_or("")
            );
        }
    }
    if let Some(e) = r["error"].as_str() {
        let _ = writeln!(s, "error       {e}");
    }
    s
}
