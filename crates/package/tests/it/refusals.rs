//! Every refusal of `docs/package.md`, each on a bad package built here on the fly.

use std::io::{Cursor, Write};

use cove_package::envelope;
use cove_package::sign::{MANIFEST, SIGNATURE, Signature, restate};
use cove_package::zip::{self, Files};
use cove_package::{
    Channel, KeyPair, Limits, PackageError, Purpose, RollbackRange, SignOptions, Suite, Trust,
    open, sign,
};
use serde_json::json;

fn app_files(version: u64) -> Files {
    let mut files = Files::new();
    files.insert("app.js".into(), b"App({})".to_vec());
    files.insert(
        "pages/index/index.js".into(),
        b"Page({ data: { n: 1 } })".to_vec(),
    );
    files.insert("wxml.js".into(), vec![b'x'; 3000]);
    let mut manifest =
        json!({"format": 1, "app_id": "wx-test", "version": {"name": "1.0.0", "code": version}});
    restate(&mut manifest, &files, Suite::Intl);
    files.insert(
        MANIFEST.into(),
        serde_json::to_vec_pretty(&manifest).unwrap(),
    );
    files
}

fn inner(version: u64) -> Vec<u8> {
    zip::write(&app_files(version), MANIFEST, SIGNATURE).unwrap()
}

fn opts(rollback: Option<[u64; 2]>) -> SignOptions {
    SignOptions {
        channel: Channel::Release,
        rollback: rollback.map(RollbackRange::from),
        limits: Limits::default(),
    }
}

struct Keys {
    platform: KeyPair,
    host: KeyPair,
}

fn keys(suite: Suite) -> Keys {
    Keys {
        platform: KeyPair::generate(suite, Purpose::Sign, Some("platform")).unwrap(),
        host: KeyPair::generate(suite, Purpose::Seal, Some("host-a")).unwrap(),
    }
}

fn trust(k: &Keys) -> Trust {
    Trust {
        signing_keys: vec![k.platform.public()],
        host_keys: vec![k.host.clone()],
        ..Trust::default()
    }
}

fn code(r: Result<cove_package::Opened, PackageError>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(e) => {
            println!("refused: {} ({e})", e.code());
            e.code()
        }
    }
}

/// Rewrite a ZIP's files (keeping names as given, even unsafe ones).
fn raw_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buf = Cursor::new(Vec::new());
    let mut zw = ::zip::ZipWriter::new(&mut buf);
    let o = ::zip::write::SimpleFileOptions::default()
        .compression_method(::zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        zw.start_file(*name, o).unwrap();
        zw.write_all(data).unwrap();
    }
    zw.finish().unwrap();
    buf.into_inner()
}

/// Change `signature.json`, written back in its canonical text (so that what is refused is
/// the change, not the spacing).
fn edit_sig(package: &[u8], f: impl FnOnce(&mut Signature)) -> Vec<u8> {
    edit(package, |files| {
        let mut s: Signature = serde_json::from_slice(&files[SIGNATURE]).unwrap();
        f(&mut s);
        let mut text = serde_json::to_vec_pretty(&s).unwrap();
        text.push(b'\n');
        files.insert(SIGNATURE.into(), text);
    })
}

/// Edit `signature.json` and sign its statement again with `key`, as a platform would have.
fn resign(package: &[u8], key: &KeyPair, f: impl FnOnce(&mut Signature)) -> Vec<u8> {
    use base64::Engine as _;
    edit_sig(package, |s| {
        f(s);
        let raw = key.sign(&s.statement()).unwrap();
        s.signature = base64::engine::general_purpose::STANDARD.encode(raw);
    })
}

fn edit(package: &[u8], f: impl FnOnce(&mut Files)) -> Vec<u8> {
    let mut files = zip::read(package, &Limits::default()).unwrap();
    f(&mut files);
    zip::write(&files, MANIFEST, SIGNATURE).unwrap()
}

#[test]
fn a_signed_package_opens_for_both_suites() {
    for suite in [Suite::Intl, Suite::Sm] {
        let k = keys(suite);
        let signed = sign(&inner(3), &k.platform, &opts(None)).unwrap();
        let opened = open(&signed, &trust(&k)).unwrap();
        assert_eq!(opened.suite(), suite);
        assert_eq!(opened.signature.as_ref().unwrap().key_id, "platform");
        assert_eq!(opened.files["app.js"], b"App({})");
        assert!(opened.ignored.is_empty() && opened.warnings.is_empty());
        // The manifest's digests follow the suite (SM3 for 国密).
        let m: serde_json::Value = serde_json::from_slice(&opened.files[MANIFEST]).unwrap();
        assert_eq!(m["digest"], suite.digest_name());
        assert!(m["files"][0][suite.digest_name()].is_string());
    }
}

#[test]
fn unsigned_only_in_dev_mode() {
    let k = keys(Suite::Intl);
    assert_eq!(code(open(&inner(1), &trust(&k))), "unsigned");
    let dev = Trust {
        dev_mode: true,
        ..trust(&k)
    };
    let opened = open(&inner(1), &dev).unwrap();
    assert!(opened.signature.is_none());
    assert_eq!(opened.warnings, ["the package is not signed"]);
}

#[test]
fn bad_signature_unknown_key_and_edited_manifest() {
    let k = keys(Suite::Sm);
    let signed = sign(&inner(1), &k.platform, &opts(None)).unwrap();
    // A flipped signature byte.
    let bad = edit_sig(&signed, |s| {
        let flipped = if s.signature.starts_with('A') {
            "B"
        } else {
            "A"
        };
        s.signature = format!("{flipped}{}", &s.signature[1..]);
    });
    assert_eq!(code(open(&bad, &trust(&k))), "bad_signature");
    // Another platform's key.
    let other = KeyPair::generate(Suite::Sm, Purpose::Sign, Some("someone-else")).unwrap();
    let foreign = sign(&inner(1), &other, &opts(None)).unwrap();
    assert_eq!(code(open(&foreign, &trust(&k))), "unknown_key");
    // The same key id, but the key itself differs: the signature does not verify.
    let impostor = KeyPair::generate(Suite::Sm, Purpose::Sign, Some("platform")).unwrap();
    let forged = sign(&inner(1), &impostor, &opts(None)).unwrap();
    assert_eq!(code(open(&forged, &trust(&k))), "bad_signature");
    // A manifest edited after signing (a higher version code, say).
    let edited = edit(&signed, |f| {
        let text = String::from_utf8(f[MANIFEST].clone()).unwrap();
        f.insert(
            MANIFEST.into(),
            text.replace("\"code\": 1", "\"code\": 9").into_bytes(),
        );
    });
    assert_eq!(code(open(&edited, &trust(&k))), "bad_signature");
    // The signed identity cannot be changed either: it is part of the statement.
    let renamed = edit_sig(&signed, |s| s.channel = Channel::Trial);
    assert_eq!(code(open(&renamed, &trust(&k))), "bad_signature");
    // `signature.json` has one text: the same claims spaced otherwise are refused.
    let respaced = edit(&signed, |f| {
        let s: serde_json::Value = serde_json::from_slice(&f[SIGNATURE]).unwrap();
        f.insert(SIGNATURE.into(), serde_json::to_vec(&s).unwrap());
    });
    assert_eq!(code(open(&respaced, &trust(&k))), "signature_format");
    // Format 1 signed the manifest only, not the ZIP's bytes.
    let old = edit_sig(&signed, |s| s.format = 1);
    assert_eq!(code(open(&old, &trust(&k))), "signature_format");
}

#[test]
fn file_digests_missing_files_and_undeclared_files() {
    let k = keys(Suite::Intl);
    let signed = sign(&inner(1), &k.platform, &opts(None)).unwrap();
    let tampered = edit(&signed, |f| {
        f.insert("app.js".into(), b"App({ evil: 1 })".to_vec());
    });
    assert_eq!(code(open(&tampered, &trust(&k))), "digest_mismatch");
    let same_size = edit(&signed, |f| {
        f.insert("app.js".into(), b"App({!)".to_vec());
    });
    assert_eq!(code(open(&same_size, &trust(&k))), "digest_mismatch");
    let missing = edit(&signed, |f| {
        f.remove("pages/index/index.js");
    });
    assert_eq!(code(open(&missing, &trust(&k))), "missing_file");
    // An extra file in a signed package: the ZIP is no longer the one signed.
    let extra = edit(&signed, |f| {
        f.insert("pages/evil.js".into(), b"steal()".to_vec());
    });
    assert_eq!(code(open(&extra, &trust(&k))), "archive_mismatch");
    // In an unsigned package (dev mode) it is dropped and reported.
    let dev = Trust {
        dev_mode: true,
        ..trust(&k)
    };
    let extra = edit(&inner(1), |f| {
        f.insert("pages/evil.js".into(), b"steal()".to_vec());
    });
    let opened = open(&extra, &dev).unwrap();
    assert_eq!(opened.ignored, ["pages/evil.js"]);
    assert!(!opened.files.contains_key("pages/evil.js"));
}

#[test]
fn downgrades_need_a_signed_rollback_of_the_installed_version() {
    let k = keys(Suite::Intl);
    let v3 = sign(&inner(3), &k.platform, &opts(None)).unwrap();
    let installed = |v| Trust {
        installed_version: Some(v),
        ..trust(&k)
    };
    assert_eq!(code(open(&v3, &installed(3))), "ok");
    assert_eq!(code(open(&v3, &installed(2))), "ok");
    assert_eq!(code(open(&v3, &installed(5))), "downgrade");
    // A rollback from versions 4 to 6 (those published above 3 when it was signed).
    let rollback = sign(&inner(3), &k.platform, &opts(Some([4, 6]))).unwrap();
    for v in [4, 5, 6] {
        assert_eq!(code(open(&rollback, &installed(v))), "ok", "installed {v}");
    }
    // Not over a version published after it: the rollback is not a downgrade forever.
    assert_eq!(
        code(open(&rollback, &installed(7))),
        "rollback_out_of_range"
    );
    // Installing it over itself or an older version is no downgrade at all.
    assert_eq!(code(open(&rollback, &installed(3))), "ok");
    // The rollback flag and its range are signed: setting or widening them by hand breaks
    // the signature.
    let forged = edit_sig(&v3, |s| {
        s.rollback = true;
        s.rollback_from = Some(RollbackRange { min: 4, max: 99 });
    });
    assert_eq!(code(open(&forged, &installed(5))), "bad_signature");
    let widened = edit_sig(&rollback, |s| s.rollback_from = Some([4, 99].into()));
    assert_eq!(code(open(&widened, &installed(7))), "bad_signature");
    // A rollback signed without a range (as before ranges existed) replaces nothing; one
    // whose range does not lie above it, or a range without the flag, is malformed, even
    // when the platform's key signed it.
    let bare = resign(&v3, &k.platform, |s| s.rollback = true);
    assert_eq!(code(open(&bare, &installed(3))), "ok");
    assert_eq!(code(open(&bare, &installed(5))), "downgrade");
    let below = resign(&rollback, &k.platform, |s| {
        s.rollback_from = Some([2, 6].into())
    });
    assert_eq!(code(open(&below, &installed(5))), "signature_format");
    let flagless = resign(&rollback, &k.platform, |s| s.rollback = false);
    assert_eq!(code(open(&flagless, &installed(5))), "signature_format");
    assert!(
        sign(&inner(3), &k.platform, &opts(Some([3, 6]))).is_err(),
        "a range that includes the rolled-back version itself"
    );
}

#[test]
fn a_package_signed_for_another_channel_is_refused() {
    let k = keys(Suite::Intl);
    let trial_opts = SignOptions {
        channel: Channel::Trial,
        ..opts(None)
    };
    let trial = sign(&inner(1), &k.platform, &trial_opts).unwrap();
    let release = sign(&inner(1), &k.platform, &opts(None)).unwrap();
    // A host expects release by default.
    assert_eq!(code(open(&trial, &trust(&k))), "wrong_channel");
    assert_eq!(code(open(&release, &trust(&k))), "ok");
    let e = open(&trial, &trust(&k)).unwrap_err().to_string();
    assert!(
        e.contains("signed for the trial channel") && e.contains("accepts release"),
        "{e}"
    );
    // A tester's host takes trial builds (and release ones, if it says so).
    let tester = Trust {
        channels: vec![Channel::Trial],
        ..trust(&k)
    };
    assert_eq!(code(open(&trial, &tester)), "ok");
    assert_eq!(code(open(&release, &tester)), "wrong_channel");
    // Dev mode checks a signed package's channel too.
    let dev = Trust {
        dev_mode: true,
        ..trust(&k)
    };
    assert_eq!(code(open(&trial, &dev)), "wrong_channel");
    // The channel is signed: relabelling a trial build as release breaks the signature.
    let relabelled = edit_sig(&trial, |s| s.channel = Channel::Release);
    assert_eq!(code(open(&relabelled, &trust(&k))), "bad_signature");
}

fn seal(package: &[u8], suite: Suite, hosts: &[&KeyPair]) -> Vec<u8> {
    let publics: Vec<_> = hosts.iter().map(|h| h.public()).collect();
    let mut out = vec![];
    envelope::seal(&mut &package[..], &mut out, suite, &publics, Some(12)).unwrap();
    out
}

#[test]
fn sealed_packages_open_only_for_their_hosts_and_intact() {
    for suite in [Suite::Intl, Suite::Sm] {
        let k = keys(suite);
        let signed = sign(&inner(1), &k.platform, &opts(None)).unwrap();
        let sealed = seal(&signed, suite, &[&k.host]);
        let opened = open(&sealed, &trust(&k)).unwrap();
        assert_eq!(opened.envelope.as_ref().unwrap().recipients, ["host-a"]);
        let other = KeyPair::generate(suite, Purpose::Seal, Some("host-b")).unwrap();
        let for_b = seal(&signed, suite, &[&other]);
        assert_eq!(code(open(&for_b, &trust(&k))), "envelope_not_for_host");
        // Truncated anywhere, or one byte of a chunk changed. A cut inside the last chunk
        // cannot be told from damage to it; either way the package is refused.
        for cut in [10, sealed.len() / 2, sealed.len() - 1] {
            let c = code(open(&sealed[..cut], &trust(&k)));
            assert!(
                c == "envelope_truncated" || (cut > 10 && c == "envelope_corrupt"),
                "cut at {cut}: {c}"
            );
        }
        let mut flipped = sealed.clone();
        let at = sealed.len() - 100;
        flipped[at] ^= 1;
        assert_eq!(code(open(&flipped, &trust(&k))), "envelope_corrupt");
        // An unsigned package inside an envelope is still unsigned.
        let unsigned = seal(&inner(1), suite, &[&k.host]);
        assert_eq!(code(open(&unsigned, &trust(&k))), "unsigned");
    }
}

#[test]
fn zip_bombs_are_refused() {
    let k = keys(Suite::Intl);
    let dev = Trust {
        dev_mode: true,
        ..trust(&k)
    };
    // A manifest that declares the file, as an attacker's would: the bomb goes off at inflate.
    let m = br#"{"app_id": "x", "files": [{"path": "big.bin", "size": 1, "sha256": "00"}, {"path": "dense.bin", "size": 1, "sha256": "00"}]}"#;
    // 200 MB of zeros deflates to ~200 KB: refused on the bytes inflated, not the header.
    let zeros = vec![0u8; 200 << 20];
    let bomb = raw_zip(&[("manifest.json", m), ("big.bin", &zeros)]);
    assert!(bomb.len() < 1 << 20);
    assert_eq!(code(open(&bomb, &dev)), "zip_bomb");
    // Within the total, but a ratio no real file has.
    let dense = raw_zip(&[("manifest.json", m), ("dense.bin", &zeros[..8 << 20])]);
    assert_eq!(code(open(&dense, &dev)), "zip_bomb");
    // Too many entries.
    let names: Vec<String> = (0..40).map(|i| format!("f{i}.js")).collect();
    let mut many: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"1"[..])).collect();
    many.push(("manifest.json", m));
    let small = Trust {
        limits: Limits {
            max_files: 32,
            ..Limits::default()
        },
        ..dev.clone()
    };
    assert_eq!(code(open(&raw_zip(&many), &small)), "zip_bomb");
    // The total across files, with a ratio that looks honest.
    let varied: Vec<u8> = (0..3_000_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let tight = Trust {
        limits: Limits {
            max_total: 8 << 20,
            ..Limits::default()
        },
        ..dev
    };
    let two = raw_zip(&[("manifest.json", m), ("a.bin", &varied), ("b.bin", &varied)]);
    assert_eq!(code(open(&two, &tight)), "zip_bomb");
}

#[test]
fn unsafe_names_are_refused() {
    let k = keys(Suite::Intl);
    let dev = Trust {
        dev_mode: true,
        ..trust(&k)
    };
    for name in [
        "../evil.js",
        "pages/../../evil.js",
        "/etc/passwd",
        "a\\b.js",
        "C:/x.js",
        "a/\u{7}.js",
    ] {
        let z = raw_zip(&[("manifest.json", b"{}"), (name, b"x")]);
        assert_eq!(code(open(&z, &dev)), "unsafe_path", "{name:?}");
    }
    // Two names that normalise to one.
    let z = raw_zip(&[
        ("manifest.json", b"{}"),
        ("a/b.js", b"1"),
        ("a/./b.js", b"2"),
    ]);
    assert_eq!(code(open(&z, &dev)), "unsafe_path");
    let z = raw_zip(&[
        ("manifest.json", b"{}"),
        ("a//b.js", b"1"),
        ("a/b.js", b"2"),
    ]);
    assert_eq!(code(open(&z, &dev)), "unsafe_path");
    // The manifest cannot point outside either.
    let mut files = app_files(1);
    let mut m: serde_json::Value = serde_json::from_slice(&files[MANIFEST]).unwrap();
    m["files"][0]["path"] = json!("../app.js");
    files.insert(MANIFEST.into(), serde_json::to_vec(&m).unwrap());
    let z = zip::write(&files, MANIFEST, SIGNATURE).unwrap();
    assert_eq!(code(open(&z, &dev)), "unsafe_path");
    // Not a ZIP at all.
    assert_eq!(code(open(b"PK\x03\x04 nonsense", &dev)), "zip_format");
    // ZIP encryption: the general-purpose flag's bit 0, set in the local and central headers.
    let mut z = raw_zip(&[("manifest.json", b"{}"), ("a.js", b"secret")]);
    for sig in [&b"PK\x03\x04"[..], &b"PK\x01\x02"[..]] {
        let flag_at = if sig[2] == 3 { 6 } else { 8 };
        let starts: Vec<usize> = z
            .windows(4)
            .enumerate()
            .filter(|(_, w)| *w == sig)
            .map(|(i, _)| i)
            .collect();
        for i in starts {
            z[i + flag_at] |= 1;
        }
    }
    let e = open(&z, &dev).unwrap_err();
    assert_eq!(e.code(), "unsafe_path");
    assert!(e.to_string().contains("ZIP encryption"), "{e}");
}
