//! The package tools end to end on the compiled wux-weapp example: build, sign, seal for two
//! host keys, verify and inspect with each, and fail with a third; for both suites.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cove(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cove"));
    for a in args {
        c.arg(a);
    }
    c.output().unwrap()
}

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn refused(o: Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn wux() -> PathBuf {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/node_modules/wux-weapp/example");
    assert!(
        dir.is_dir(),
        "corpus not installed: run `npm ci --prefix corpus`"
    );
    dir
}

fn keygen(dir: &Path, suite: &str, purpose: &str, id: &str) -> (PathBuf, PathBuf) {
    let key = dir.join(format!("{id}.key.json"));
    let out = ok(cove(&[
        &"keygen",
        &"--suite",
        &suite,
        &"--purpose",
        &purpose,
        &"--id",
        &id,
        &"-o",
        &key,
    ]));
    assert!(out.contains(id), "{out}");
    (key, dir.join(format!("{id}.pub.json")))
}

#[test]
fn wux_round_trip_for_both_suites() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let zip = t.join("wux.zip");
    ok(cove(&[
        &"build",
        &wux(),
        &"--version-code",
        &"7",
        &"-o",
        &zip,
    ]));
    for suite in ["intl", "sm"] {
        let (platform, platform_pub) = keygen(t, suite, "sign", &format!("platform-{suite}"));
        let (host_a, host_a_pub) = keygen(t, suite, "seal", &format!("host-a-{suite}"));
        let (host_b, host_b_pub) = keygen(t, suite, "seal", &format!("host-b-{suite}"));
        let (host_c, _) = keygen(t, suite, "seal", &format!("host-c-{suite}"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&platform).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "a secret key is private to its owner");
        }
        let signed = t.join(format!("wux-{suite}.signed.zip"));
        ok(cove(&[&"sign", &zip, &"--key", &platform, &"-o", &signed]));
        let sealed = t.join(format!("wux-{suite}.cove"));
        ok(cove(&[
            &"seal",
            &signed,
            &"--to",
            &host_a_pub,
            &"--to",
            &host_b_pub,
            &"-o",
            &sealed,
        ]));

        for host in [&host_a, &host_b] {
            let out = ok(cove(&[
                &"verify",
                &sealed,
                &"--trust",
                &platform_pub,
                &"--host-key",
                host,
            ]));
            assert!(out.starts_with("ok: "), "{out}");
            assert!(
                out.contains(&format!("signed by platform-{suite}")),
                "{out}"
            );
        }
        let e = refused(cove(&[
            &"verify",
            &sealed,
            &"--trust",
            &platform_pub,
            &"--host-key",
            &host_c,
        ]));
        assert!(e.contains("[envelope_not_for_host]"), "{e}");
        assert!(
            e.contains(&format!("host-a-{suite}")),
            "names the recipients: {e}"
        );

        // Signed but not trusted, unsigned, and a downgrade.
        let e = refused(cove(&[&"verify", &signed]));
        assert!(e.contains("[unknown_key]"), "{e}");
        let e = refused(cove(&[&"verify", &zip, &"--trust", &platform_pub]));
        assert!(e.contains("[unsigned]"), "{e}");
        let e = refused(cove(&[
            &"verify",
            &signed,
            &"--trust",
            &platform_pub,
            &"--installed",
            &"8",
        ]));
        assert!(e.contains("[downgrade]"), "{e}");
        // A rollback of versions 8 and 9: over 8 it installs, over 10 it does not.
        let back = t.join(format!("wux-{suite}.rollback.zip"));
        let out = ok(cove(&[
            &"sign",
            &zip,
            &"--key",
            &platform,
            &"--rollback-from",
            &"8-9",
            &"-o",
            &back,
        ]));
        assert!(out.contains("rollback of 8..=9"), "{out}");
        let verify_over = |installed: &str| {
            cove(&[
                &"verify",
                &back,
                &"--trust",
                &platform_pub,
                &"--installed",
                &installed,
            ])
        };
        let out = ok(verify_over("8"));
        assert!(out.contains("rollback of 8..=9"), "{out}");
        let e = refused(verify_over("10"));
        assert!(e.contains("[rollback_out_of_range]"), "{e}");
        // A trial build: refused by a release host, accepted by one that takes trial.
        let trial = t.join(format!("wux-{suite}.trial.zip"));
        ok(cove(&[
            &"sign",
            &zip,
            &"--key",
            &platform,
            &"--channel",
            &"trial",
            &"-o",
            &trial,
        ]));
        let e = refused(cove(&[&"verify", &trial, &"--trust", &platform_pub]));
        assert!(e.contains("[wrong_channel]"), "{e}");
        ok(cove(&[
            &"verify",
            &trial,
            &"--trust",
            &platform_pub,
            &"--channel",
            &"trial",
        ]));

        // inspect: the envelope without a key; everything with one.
        let out = ok(cove(&[&"inspect", &sealed]));
        assert!(
            out.contains(&format!("for host-a-{suite}, host-b-{suite}")),
            "{out}"
        );
        let json = ok(cove(&[
            &"inspect",
            &sealed,
            &"--host-key",
            &host_b,
            &"--json",
        ]));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            v["envelope"]["cipher"],
            if suite == "sm" {
                "sm4-gcm"
            } else {
                "aes-256-gcm"
            }
        );
        assert_eq!(v["signature"]["key_id"], format!("platform-{suite}"));
        assert_eq!(
            v["signature"]["scheme"],
            if suite == "sm" { "sm2-sm3" } else { "ed25519" }
        );
        assert_eq!(
            v["manifest"]["digest"],
            if suite == "sm" { "sm3" } else { "sha256" }
        );
        assert_eq!(v["manifest"]["version"]["code"], 7);
        assert!(
            v["manifest"]["files"].as_u64().unwrap() > 100,
            "{}",
            v["manifest"]
        );
    }
}
