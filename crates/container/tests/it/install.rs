//! A container runs only what the platform signed: the demo, compiled, signed and sealed,
//! installs and runs; tampered, unsigned, foreign or downgraded packages are refused before
//! anything is written or run.

use crate::common;

use std::path::Path;

use cove_container::{App, AppConfig, Clock, install};
use cove_package::{Channel, KeyPair, Limits, Purpose, SignOptions, Suite, Trust, envelope, sign};

fn demo_zip(version: u64) -> Vec<u8> {
    let opts = cove_compiler::CompileOptions {
        version_code: Some(version),
        ..Default::default()
    };
    let out = cove_compiler::compile_dir(Path::new("../../examples/demo"), &opts).unwrap();
    cove_compiler::output::zip_bytes(&out.files).unwrap()
}

fn signed(key: &KeyPair, version: u64) -> Vec<u8> {
    let opts = SignOptions {
        channel: Channel::Release,
        rollback: None,
        limits: Limits::default(),
    };
    sign(&demo_zip(version), key, &opts).unwrap()
}

#[test]
fn only_signed_and_sealed_for_this_host_runs() {
    let platform = KeyPair::generate(Suite::Sm, Purpose::Sign, Some("bank-platform")).unwrap();
    let host = KeyPair::generate(Suite::Sm, Purpose::Seal, Some("bank-app")).unwrap();
    let trust = Trust {
        signing_keys: vec![platform.public()],
        host_keys: vec![host.clone()],
        ..Trust::default()
    };
    let app_dir = tempfile::tempdir().unwrap();
    let app_id = "wxcove0000demo01";

    // Unsigned: refused, nothing written.
    let e = install(&demo_zip(2), &trust, Some(app_id), app_dir.path()).unwrap_err();
    assert_eq!(e.code(), "unsigned");
    assert!(!app_dir.path().join("package").exists());

    // Signed and sealed for this host: installed, and it runs.
    let v2 = signed(&platform, 2);
    let mut sealed = vec![];
    envelope::seal(&mut &v2[..], &mut sealed, Suite::Sm, &[host.public()], None).unwrap();
    let installed = install(&sealed, &trust, Some(app_id), app_dir.path()).unwrap();
    assert_eq!(installed.version_code, 2);
    let host_impl = common::TestHost::new();
    let mut config =
        AppConfig::dev_mode_unverified(app_id, &installed.dir, &app_dir.path().join("data"));
    config.clock = Clock::Manual;
    let app = App::launch(config, host_impl.clone(), None).unwrap();
    app.settle().unwrap();
    assert!(
        host_impl
            .logs()
            .iter()
            .any(|l| l.starts_with("[cove-demo] launch")),
        "{:?}",
        host_impl.logs()
    );
    drop(app);

    // A tampered file: refused, and the installed version is untouched.
    let tampered = {
        let mut files = cove_package::zip::read(&v2, &Limits::default()).unwrap();
        let js = files
            .keys()
            .find(|k| k.ends_with("counter.js"))
            .unwrap()
            .clone();
        files
            .get_mut(&js)
            .unwrap()
            .extend_from_slice(b"\n;globalThis.pwned = 1;");
        cove_package::zip::write(&files, "manifest.json", "signature.json").unwrap()
    };
    let before = std::fs::read_dir(&installed.dir).unwrap().count();
    let e = install(&tampered, &trust, Some(app_id), app_dir.path()).unwrap_err();
    assert_eq!(e.code(), "digest_mismatch", "{e}");
    assert_eq!(std::fs::read_dir(&installed.dir).unwrap().count(), before);

    // Sealed for another host's key.
    let other = KeyPair::generate(Suite::Sm, Purpose::Seal, Some("other-app")).unwrap();
    let mut foreign = vec![];
    envelope::seal(
        &mut &v2[..],
        &mut foreign,
        Suite::Sm,
        &[other.public()],
        None,
    )
    .unwrap();
    let e = install(&foreign, &trust, Some(app_id), app_dir.path()).unwrap_err();
    assert_eq!(e.code(), "envelope_not_for_host");

    // An older version over the installed one.
    let e = install(&signed(&platform, 1), &trust, Some(app_id), app_dir.path()).unwrap_err();
    assert_eq!(e.code(), "downgrade");
    // A package for another app id.
    let e = install(&v2, &trust, Some("wx-another-app"), app_dir.path()).unwrap_err();
    assert_eq!(e.code(), "wrong_app");
    // A newer one installs over it.
    let v3 = install(&signed(&platform, 3), &trust, Some(app_id), app_dir.path()).unwrap();
    assert_eq!(v3.version_code, 3);
}
