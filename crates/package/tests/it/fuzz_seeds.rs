//! The package fuzz targets start from real packages made for their fixed keys
//! (`fuzz/fuzz_targets/package_reader.rs`, `envelope_reader.rs`). This checks that the
//! committed seeds still open, so the fuzzer explores past the first check; run it with
//! `COVE_WRITE_FUZZ_SEEDS=1` to write them again after a format change.

use std::path::{Path, PathBuf};

use cove_package::sign::{MANIFEST, SIGNATURE, restate};
use cove_package::zip::{self, Files};
use cove_package::{Channel, KeyPair, Limits, Purpose, SignOptions, Suite, Trust, envelope};
use serde_json::json;

fn seeds(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/seeds")
        .join(target)
}

/// The same keys as the fuzz targets.
fn platform() -> KeyPair {
    KeyPair::from_secret(Suite::Intl, Purpose::Sign, Some("fuzz-platform"), &[1; 32]).unwrap()
}
fn host(suite: Suite) -> KeyPair {
    match suite {
        Suite::Intl => {
            KeyPair::from_secret(Suite::Intl, Purpose::Seal, Some("fuzz-host"), &[2; 32])
        }
        Suite::Sm => KeyPair::from_secret(Suite::Sm, Purpose::Seal, Some("fuzz-host-sm"), &[3; 32]),
    }
    .unwrap()
}

fn tiny_package(version: u64) -> Vec<u8> {
    let mut files = Files::new();
    files.insert("app.js".into(), b"App({})".to_vec());
    files.insert("pages/a/a.js".into(), b"Page({data:{n:1}})".to_vec());
    files.insert("app.css".into(), b".a{color:red}".to_vec());
    let mut manifest = json!({"app_id": "wxfuzz", "version": {"name": "1.0.0", "code": version}});
    restate(&mut manifest, &files, Suite::Intl);
    files.insert(MANIFEST.into(), serde_json::to_vec(&manifest).unwrap());
    let unsigned = zip::write(&files, MANIFEST, SIGNATURE).unwrap();
    let opts = SignOptions {
        channel: Channel::Release,
        rollback: None,
        limits: Limits::default(),
    };
    cove_package::sign(&unsigned, &platform(), &opts).unwrap()
}

fn sealed(inner: &[u8], suite: Suite) -> Vec<u8> {
    let mut out = vec![];
    envelope::seal(
        &mut &inner[..],
        &mut out,
        suite,
        &[host(suite).public()],
        Some(12),
    )
    .unwrap();
    out
}

fn write_all() {
    let signed = tiny_package(2);
    let files = [
        ("package_reader", "signed.zip", signed.clone()),
        (
            "package_reader",
            "sealed-intl.cove",
            sealed(&signed, Suite::Intl),
        ),
        (
            "envelope_reader",
            "sealed-intl.cove",
            sealed(&signed, Suite::Intl),
        ),
        (
            "envelope_reader",
            "sealed-sm.cove",
            sealed(b"short plaintext", Suite::Sm),
        ),
    ];
    for (target, name, bytes) in files {
        std::fs::create_dir_all(seeds(target)).unwrap();
        std::fs::write(seeds(target).join(name), bytes).unwrap();
    }
}

#[test]
fn the_committed_seeds_open() {
    if std::env::var_os("COVE_WRITE_FUZZ_SEEDS").is_some() {
        write_all();
    }
    let trust = Trust {
        signing_keys: vec![platform().public()],
        host_keys: vec![host(Suite::Intl)],
        installed_version: Some(1),
        ..Trust::default()
    };
    for name in ["signed.zip", "sealed-intl.cove"] {
        let bytes = std::fs::read(seeds("package_reader").join(name)).unwrap();
        assert!(
            bytes.len() <= 4096,
            "{name}: the fuzzer reads at most 4096 bytes"
        );
        let opened = cove_package::open(&bytes, &trust).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(opened.manifest.app_id, "wxfuzz");
    }
    let keys = [host(Suite::Intl), host(Suite::Sm)];
    for name in ["sealed-intl.cove", "sealed-sm.cove"] {
        let bytes = std::fs::read(seeds("envelope_reader").join(name)).unwrap();
        assert!(bytes.len() <= 4096, "{name}");
        let mut out = vec![];
        envelope::open(&mut &bytes[..], &mut out, &keys).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!out.is_empty());
    }
}
