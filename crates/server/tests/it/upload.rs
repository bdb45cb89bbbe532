//! Uploads: the demo's source compiled by the platform, a compiled package accepted as it is,
//! and every bad upload refused before anything is kept.

use std::io::{Cursor, Write};
use std::path::Path;

use cove_package::Limits;
use cove_server::report::Domains;
use cove_server::upload::{Kind, UploadLimits, VersionInfo, accept};

const DEMO: &str = "../../examples/demo";
const APP_ID: &str = "wxcove0000demo01";

/// A ZIP of `entries`, names kept as given (even unsafe ones).
fn zip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut buf = Cursor::new(Vec::new());
    let mut zw = zip::ZipWriter::new(&mut buf);
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        zw.start_file(name.as_str(), o).unwrap();
        zw.write_all(data).unwrap();
    }
    zw.finish().unwrap();
    buf.into_inner()
}

/// The demo's source as a developer zips it: inside a folder.
fn demo_source() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(DEMO);
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (format!("cove-demo/{rel}"), std::fs::read(e.path()).unwrap())
        })
        .collect()
}

fn version(code: u64) -> VersionInfo {
    VersionInfo {
        app_id: APP_ID.into(),
        version_code: code,
        version_name: format!("1.{code}.0"),
    }
}

#[test]
fn a_source_upload_is_compiled_and_reported() {
    let c = accept(
        &zip(&demo_source()),
        Kind::Source,
        &version(4),
        &Domains::default(),
        None,
        &UploadLimits::default(),
    )
    .unwrap();
    assert_eq!(c.manifest["app_id"], APP_ID);
    assert_eq!(
        c.manifest["version"],
        serde_json::json!({"name": "1.4.0", "code": 4})
    );
    assert!(c.files.contains_key("wxml.js") && c.files.contains_key("app.js"));
    // The report sees the demo's APIs: the modal its Reset asks with, storage, navigation.
    for api in ["showModal", "getStorageSync", "navigateTo"] {
        assert!(
            c.report.apis.contains_key(api),
            "{api}: {:?}",
            c.report.apis.keys()
        );
    }
    let parts: Vec<&str> = c.report.sizes.iter().map(|s| s.part.as_str()).collect();
    assert_eq!(parts, ["main", "packageA"]);

    // The same app built by `cove build` and uploaded compiled.
    let out = cove_compiler::compile_dir(
        Path::new(DEMO),
        &cove_compiler::CompileOptions {
            version_code: Some(5),
            ..Default::default()
        },
    )
    .unwrap();
    let built = cove_compiler::output::zip_bytes(&out.files).unwrap();
    let c2 = accept(
        &built,
        Kind::Compiled,
        &version(5),
        &Domains::default(),
        Some(&c.files),
        &UploadLimits::default(),
    )
    .unwrap();
    assert_eq!(c2.package, built, "a compiled upload is kept as it is");
    assert!(
        c2.report
            .diff
            .as_ref()
            .is_some_and(|d| d.iter().any(|f| f.path == "manifest.json"))
    );
    let e = accept(
        &built,
        Kind::Compiled,
        &version(6),
        &Domains::default(),
        None,
        &UploadLimits::default(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "wrong_version");
}

#[test]
fn bad_uploads_are_refused() {
    let limits = UploadLimits {
        max_upload: 1 << 20,
        zip: Limits {
            max_total: 4 << 20,
            ..Limits::default()
        },
    };
    let v = version(1);
    let refuse = |bytes: &[u8], kind| {
        accept(bytes, kind, &v, &Domains::default(), None, &limits)
            .unwrap_err()
            .code()
    };

    // Over the size limit, as received.
    // Incompressible bytes (xorshift), so the ZIP itself is over the limit.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let big: Vec<u8> = (0..2_000_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    assert_eq!(
        refuse(&zip(&[("blob.bin".into(), big)]), Kind::Source),
        "upload_too_large"
    );
    // A bomb: small as received, huge inflated.
    assert_eq!(
        refuse(
            &zip(&[("app.json".into(), vec![b' '; 64 << 20])]),
            Kind::Source
        ),
        "zip_bomb"
    );
    // Names that escape or collide.
    let mut src = demo_source();
    src.push((
        "cove-demo/../../etc/cron.d/x".into(),
        b"* * * * * root sh".to_vec(),
    ));
    assert_eq!(refuse(&zip(&src), Kind::Source), "unsafe_path");
    assert_eq!(
        refuse(
            &zip(&[("/abs/app.json".into(), b"{}".to_vec())]),
            Kind::Source
        ),
        "unsafe_path"
    );
    // Not a project, not a package, not this app.
    assert_eq!(
        refuse(&zip(&[("readme.txt".into(), b"hi".to_vec())]), Kind::Source),
        "not_a_project"
    );
    assert_eq!(
        refuse(
            &zip(&[("manifest.json".into(), b"{}".to_vec())]),
            Kind::Compiled
        ),
        "not_a_package"
    );
    let other = VersionInfo {
        app_id: "wxsomeoneelse".into(),
        ..version(1)
    };
    let e = accept(
        &zip(&demo_source()),
        Kind::Source,
        &other,
        &Domains::default(),
        None,
        &UploadLimits::default(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "wrong_app");
    // A project that does not compile: the errors say where.
    let mut broken = demo_source();
    for (p, b) in broken.iter_mut() {
        if p.ends_with("pages/counter/counter.wxml") {
            *b = b"<view>\n  <text>{{count</text>\n</view>".to_vec();
        }
    }
    let e = accept(
        &zip(&broken),
        Kind::Source,
        &v,
        &Domains::default(),
        None,
        &UploadLimits::default(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "compile_failed");
    assert!(
        e.to_string().contains("pages/counter/counter.wxml:2:"),
        "{e}"
    );
    assert_eq!(refuse(b"not a zip", Kind::Source), "zip_format");
}
