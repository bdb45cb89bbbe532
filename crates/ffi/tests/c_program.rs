//! C programs embed the container through `include/cove.h` and the cdylib:
//!
//! - `tests/c/embed.c` opens the demo as a platform signed it, under a signed policy, with
//!   the host's storage secret (`cove_app_open_signed`), receives operations through its
//!   callback, taps "+1" and sees the count change, answers a host request, and opens the
//!   installed package again;
//! - `tests/c/refused.c` is refused an unsigned package, a tampered one and an expired
//!   policy, each with its code.
//!
//! The packages, the platform's key and the policies are made here, as the platform makes
//! them (`cove_package::sign`, `cove_wire::policy_statement`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::Engine as _;
use cove_package::{Channel, KeyPair, Limits, Purpose, SignOptions, Suite};
use serde_json::json;

const APP_ID: &str = "wxcove0000demo01";
const SDK_KEY: &str = "bank-app-embed";

/// The cdylib that `cargo test -p cove-ffi` built with this test: `deps/` holds the test
/// executable and the library; cargo also copies the library one level up.
fn cdylib_dir() -> PathBuf {
    let name = format!(
        "{}cove_ffi{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    [deps, deps.parent().unwrap()]
        .into_iter()
        .find(|d| d.join(&name).is_file())
        .unwrap_or_else(|| panic!("no {name} next to {}", exe.display()))
        .to_path_buf()
}

/// Compile `tests/c/<name>.c` against the header and the cdylib.
fn build_c(name: &str, work: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let lib = cdylib_dir();
    let exe = work.join(name);
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let built = Command::new(&cc)
        .args([
            "-std=c11",
            "-D_POSIX_C_SOURCE=200809L",
            "-Wall",
            "-Wextra",
            "-Werror",
        ])
        .arg("-I")
        .arg(root.join("include"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/c/{name}.c")))
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(&lib)
        .args(["-lcove_ffi", "-lpthread"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cc}: {e}"));
    assert!(
        built.status.success(),
        "{cc} failed:\n{}",
        String::from_utf8_lossy(&built.stderr)
    );
    exe
}

fn run(exe: &Path, args: &[&Path]) -> Output {
    Command::new(exe)
        .args(args)
        .env("LD_LIBRARY_PATH", cdylib_dir())
        .output()
        .unwrap()
}

/// The demo, compiled, as a ZIP.
fn demo_zip() -> Vec<u8> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = cove_compiler::compile_dir(&root.join("examples/demo"), &Default::default())
        .expect("the demo compiles");
    cove_compiler::output::zip_bytes(&out.files).unwrap()
}

fn sign(zip: &[u8], key: &KeyPair) -> Vec<u8> {
    let opts = SignOptions {
        channel: Channel::Release,
        rollback: None,
        limits: Limits::default(),
    };
    cove_package::sign(zip, key, &opts).unwrap()
}

/// The platform's signed policy for the demo on this host app, valid from `issued_at` for a
/// day, with a day's grace; as `resolve` returns it.
fn policy(key: &KeyPair, issued_at: i64) -> String {
    let payload = json!({
        "domains": {"request": ["api.bank.example"], "socket": [], "upload": [], "download": [], "web_view": []},
        "grants": {"apis": [], "host_apis": []},
        "issued_at": issued_at,
        "expires_at": issued_at + 86_400,
        "grace_secs": 86_400,
    })
    .to_string();
    let statement = cove_wire::policy_statement(APP_ID, SDK_KEY, payload.as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD;
    json!({
        "payload": b64.encode(&payload),
        "key_id": key.id(),
        "signature": b64.encode(key.sign(&statement).unwrap()),
    })
    .to_string()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The platform's key, as a host gets it: a JSON array of public keys.
fn trusted_keys(key: &KeyPair) -> String {
    format!("[{}]", key.public().to_json())
}

#[test]
fn a_c_host_opens_the_signed_demo_taps_and_sees_the_update() {
    let platform = KeyPair::generate(Suite::Intl, Purpose::Sign, Some("bank-platform")).unwrap();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    std::fs::write(w.join("demo.signed.zip"), sign(&demo_zip(), &platform)).unwrap();
    std::fs::write(w.join("keys.json"), trusted_keys(&platform)).unwrap();
    std::fs::write(w.join("policy.json"), policy(&platform, now())).unwrap();
    let app_dir = w.join("app");

    let exe = build_c("embed", w);
    let run = run(
        &exe,
        &[
            &w.join("demo.signed.zip"),
            &w.join("keys.json"),
            &w.join("policy.json"),
            &app_dir,
        ],
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    println!("{stdout}");
    assert!(
        run.status.success(),
        "embed exited with {}:\n{stdout}\n{stderr}",
        run.status
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some(concat!("cove ", env!("CARGO_PKG_VERSION")))
    );
    for expected in [
        "opened signed: wxcove0000demo01",
        "reopened installed: count 0",
        "count: 0 -> 1",
        "count after reset: 0",
        "console[1]: [cove-demo] count is now 1",
        "OK",
    ] {
        assert!(
            lines.contains(&expected),
            "no line {expected:?} in:\n{stdout}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("request 1: showModal {") && l.contains("Reset the counter?")),
        "{stdout}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("bad detail: detail_json is not JSON")),
        "{stdout}"
    );

    // Installed as verified, and the demo's storage (its launch counter) encrypted at rest:
    // no file under the data folder holds the key or the value in clear.
    assert!(app_dir.join("package/app.json").is_file());
    assert!(app_dir.join("signature.json").is_file());
    let storage = app_dir.join("data/storage");
    let files: Vec<_> = std::fs::read_dir(&storage)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert!(!files.is_empty(), "the demo stored nothing");
    for f in &files {
        assert!(f.starts_with(b"COVESTOR"), "{}", String::from_utf8_lossy(f));
        assert!(!f.windows(8).any(|w| w == b"launches"), "stored in clear");
    }
}

#[test]
fn a_c_host_is_refused_unsigned_and_tampered_packages_and_an_expired_policy() {
    let platform = KeyPair::generate(Suite::Intl, Purpose::Sign, Some("bank-platform")).unwrap();
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let zip = demo_zip();
    let signed = sign(&zip, &platform);
    // One byte more in one file of the signed package (the ZIP rewritten around it).
    let tampered = {
        let mut files = cove_package::zip::read(&signed, &Limits::default()).unwrap();
        let js = files.keys().find(|k| k.ends_with(".js")).unwrap().clone();
        files.get_mut(&js).unwrap().push(b' ');
        cove_package::zip::write(&files, "manifest.json", "signature.json").unwrap()
    };
    std::fs::write(w.join("unsigned.zip"), &zip).unwrap();
    std::fs::write(w.join("tampered.zip"), &tampered).unwrap();
    std::fs::write(w.join("signed.zip"), &signed).unwrap();
    std::fs::write(w.join("keys.json"), trusted_keys(&platform)).unwrap();
    std::fs::write(w.join("policy.json"), policy(&platform, now())).unwrap();
    // Issued three days ago: a day of validity and a day of grace are over.
    std::fs::write(
        w.join("expired.json"),
        policy(&platform, now() - 3 * 86_400),
    )
    .unwrap();
    let app_dir = w.join("app");

    let exe = build_c("refused", w);
    let run = run(
        &exe,
        &[
            &w.join("unsigned.zip"),
            &w.join("tampered.zip"),
            &w.join("signed.zip"),
            &w.join("keys.json"),
            &w.join("policy.json"),
            &w.join("expired.json"),
            &app_dir,
        ],
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    println!("{stdout}");
    assert!(
        run.status.success(),
        "refused exited with {}:\n{stdout}\n{stderr}",
        run.status
    );
    let lines: Vec<&str> = stdout.lines().collect();
    for prefix in [
        "unsigned: status 5, unsigned: ",
        "tampered: status 5, digest_mismatch: ",
        "expired policy: status 5, policy_expired: ",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(prefix)),
            "no line {prefix:?} in:\n{stdout}"
        );
    }
    // Nothing was installed.
    assert!(!app_dir.join("package").exists());
}
