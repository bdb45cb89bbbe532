//! Storage encrypted at rest (per-app keys, AES-256-GCM or SM4-GCM) and the file sandbox's
//! walls against planted symlinks, escapes and quota overruns.

use crate::common;

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use cove_container::services::storage::{AtRest, HostSecret, ITEM_MAX_BYTES, Suite};
use cove_container::services::{FileSystem, ServiceError, Storage};
use cove_container::{App, AppConfig, Clock};
use serde_json::{Value, json};

const SECRET: &[u8; 32] = b"host-secret-0123456789abcdefghij";
const MARKER: &str = "PLAINTEXT-MARKER-7f3a";

fn encrypted(suite: Suite) -> AtRest {
    AtRest::Encrypted {
        suite,
        secret: HostSecret::new(SECRET.to_vec()).unwrap(),
    }
}

fn open(dir: &Path, at_rest: &AtRest, app_id: &str) -> Storage {
    Storage::open_at_rest(dir, 10 << 20, at_rest, app_id).unwrap()
}

/// Every storage file's bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let b = fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    v.sort();
    v
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn corrupted(s: &Storage, key: &str) -> String {
    match s.get(key) {
        Ok(v) => panic!("{key} should not open, gave {v}"),
        Err(ServiceError { msg }) => msg,
    }
}

#[test]
fn encrypted_round_trip_leaves_no_plaintext_on_disk() {
    for suite in [Suite::Intl, Suite::Sm] {
        let dir = tempfile::tempdir().unwrap();
        let at_rest = encrypted(suite);
        let value = json!({"token": MARKER, "n": [1, 2, 3]});
        {
            let mut s = open(dir.path(), &at_rest, "wxA");
            s.set("session-key", value.clone()).unwrap();
            s.set("other", json!(MARKER)).unwrap();
            assert_eq!(s.get("session-key").unwrap(), value);
        }
        let s = open(dir.path(), &at_rest, "wxA");
        assert_eq!(s.get("session-key").unwrap(), value, "{suite:?}");
        assert_eq!(s.get("other").unwrap(), json!(MARKER));
        assert_eq!(s.info()["keys"], json!(["session-key", "other"]));
        assert!(s.corrupted().is_empty());
        let on_disk = files(dir.path());
        assert_eq!(on_disk.len(), 2);
        for (p, bytes) in &on_disk {
            assert!(bytes.starts_with(b"COVESTOR"), "{}", p.display());
            // format version 1, suite 1 = intl, 2 = sm
            assert_eq!(bytes[8], 1);
            assert_eq!(bytes[9], if suite == Suite::Intl { 1 } else { 2 });
            assert!(!contains(bytes, MARKER.as_bytes()), "{}", p.display());
            assert!(!contains(bytes, b"session-key"));
            assert!(!contains(bytes, b"\"seq\""));
        }
    }
}

#[test]
fn every_write_uses_a_fresh_nonce() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), &encrypted(Suite::Intl), "wxA");
    s.set("k", json!("same")).unwrap();
    let first = files(dir.path()).remove(0).1;
    s.set("k", json!("same")).unwrap();
    let second = files(dir.path()).remove(0).1;
    assert_eq!(first.len(), second.len());
    assert_ne!(first[10..22], second[10..22], "nonce reused");
    assert_ne!(first, second);
}

#[test]
fn another_apps_key_cannot_read_it() {
    let dir = tempfile::tempdir().unwrap();
    let at_rest = encrypted(Suite::Intl);
    open(dir.path(), &at_rest, "wxA")
        .set("token", json!(MARKER))
        .unwrap();
    // Same secret, same directory, another app id: another key.
    let b = open(dir.path(), &at_rest, "wxB");
    let msg = corrupted(&b, "token");
    assert!(msg.starts_with("fail data corrupted ("), "{msg}");
    assert!(msg.contains("cannot decrypt"), "{msg}");
    assert_eq!(b.info()["keys"], json!([]));
    assert_eq!(b.corrupted().len(), 1);
    assert!(b.corrupted()[0].1.contains("cannot decrypt"));
    // Another host secret, same app id.
    let other = AtRest::Encrypted {
        suite: Suite::Intl,
        secret: HostSecret::new(vec![7u8; 48]).unwrap(),
    };
    assert!(corrupted(&open(dir.path(), &other, "wxA"), "token").contains("cannot decrypt"));
    // The other suite, same secret and app.
    let msg = corrupted(&open(dir.path(), &encrypted(Suite::Sm), "wxA"), "token");
    assert!(msg.contains("storage uses sm4-gcm"), "{msg}");
    // The rightful app still reads it: nothing was rewritten by the failed opens.
    assert_eq!(
        open(dir.path(), &at_rest, "wxA").get("token").unwrap(),
        json!(MARKER)
    );
}

#[test]
fn a_file_copied_from_another_apps_dir_fails_clearly() {
    for suite in [Suite::Intl, Suite::Sm] {
        let a_dir = tempfile::tempdir().unwrap();
        let b_dir = tempfile::tempdir().unwrap();
        let at_rest = encrypted(suite);
        open(a_dir.path(), &at_rest, "wxA")
            .set("token", json!("a-secret"))
            .unwrap();
        open(b_dir.path(), &at_rest, "wxB")
            .set("token", json!("b-secret"))
            .unwrap();
        // The key's file has the same name in both directories: plant A's over B's.
        let (a_file, a_bytes) = files(a_dir.path()).remove(0);
        let b_file = b_dir.path().join(a_file.file_name().unwrap());
        assert!(b_file.exists());
        fs::write(&b_file, &a_bytes).unwrap();
        let mut b = open(b_dir.path(), &at_rest, "wxB");
        let msg = corrupted(&b, "token");
        assert!(
            msg.starts_with("fail data corrupted (")
                && msg.contains("cannot decrypt: another app's file"),
            "{suite:?}: {msg}"
        );
        // Not silently empty: the key is absent, and the file stays until the app sets it.
        assert_ne!(msg, "fail data not found");
        assert_eq!(fs::read(&b_file).unwrap(), a_bytes);
        b.set("token", json!("fresh")).unwrap();
        assert_eq!(
            open(b_dir.path(), &at_rest, "wxB").get("token").unwrap(),
            json!("fresh")
        );
    }
}

#[test]
fn altered_or_mismatched_files_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let at_rest = encrypted(Suite::Sm);
    let mut s = open(dir.path(), &at_rest, "wxA");
    s.set("a", json!(1)).unwrap();
    s.set("b", json!(2)).unwrap();
    drop(s);
    let on_disk = files(dir.path());
    // Flip one ciphertext bit of one file, cut the other short.
    let mut flipped = on_disk[0].1.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    fs::write(&on_disk[0].0, &flipped).unwrap();
    fs::write(&on_disk[1].0, &on_disk[1].1[..20]).unwrap();
    let s = open(dir.path(), &at_rest, "wxA");
    let reasons: Vec<String> = s.corrupted().into_iter().map(|(_, r)| r).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("cannot decrypt")));
    assert!(reasons.iter().any(|r| r.contains("truncated")));
    for k in ["a", "b"] {
        assert!(corrupted(&s, k).starts_with("fail data corrupted"));
    }

    // A plain file is refused by encrypted storage (it could have been planted) ...
    let plain_dir = tempfile::tempdir().unwrap();
    Storage::open(plain_dir.path(), 10 << 20)
        .unwrap()
        .set("k", json!(MARKER))
        .unwrap();
    assert!(corrupted(&open(plain_dir.path(), &at_rest, "wxA"), "k").contains("not encrypted"),);
    // ... and an encrypted one is not mistaken for data by plain storage.
    let enc_dir = tempfile::tempdir().unwrap();
    open(enc_dir.path(), &at_rest, "wxA")
        .set("k", json!(1))
        .unwrap();
    let msg = corrupted(&Storage::open(enc_dir.path(), 10 << 20).unwrap(), "k");
    assert!(
        msg.contains("encrypted, and this storage has no key"),
        "{msg}"
    );
}

#[test]
fn secrets_are_checked_and_never_printed() {
    let short = HostSecret::new(vec![1u8; 31]).unwrap_err();
    assert_eq!(short.len, 31);
    assert_eq!(
        short.to_string(),
        "the storage secret must be at least 32 bytes, got 31"
    );
    let at_rest = encrypted(Suite::Intl);
    let shown = format!("{at_rest:?}");
    assert!(shown.contains("HostSecret(..)"), "{shown}");
    assert!(!shown.contains("host-secret"), "{shown}");
    assert!(matches!(AtRest::default(), AtRest::Plain));
}

#[test]
fn quotas_count_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let at_rest = encrypted(Suite::Intl);
    let mut s = Storage::open_at_rest(dir.path(), 100, &at_rest, "wxA").unwrap();
    // "a" + 52 JSON bytes = 53: fits although the file is 53 + 38 bytes of framing.
    s.set("a", json!("x".repeat(50))).unwrap();
    assert_eq!(s.used_bytes(), 53);
    let on_disk: usize = files(dir.path()).iter().map(|(_, b)| b.len()).sum();
    assert!(on_disk > 53);
    assert_eq!(
        s.set("b", json!("x".repeat(50))).unwrap_err().msg,
        "fail exceed storage max size 100b"
    );
    // 1 MB per key, 10 MB per app, as WeChat's.
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path(), &at_rest, "wxA");
    assert_eq!(
        s.set("big", json!("x".repeat(ITEM_MAX_BYTES)))
            .unwrap_err()
            .msg,
        "fail exceed storage item max length"
    );
    let almost = "x".repeat(ITEM_MAX_BYTES - 2);
    for i in 0..9 {
        s.set(&format!("k{i}"), json!(almost)).unwrap();
    }
    assert_eq!(
        s.set("k9", json!(almost)).unwrap_err().msg,
        "fail exceed storage max size 10Mb"
    );
    // Reopened, the sizes come back from the decrypted plaintext.
    let used = s.used_bytes();
    assert_eq!(open(dir.path(), &at_rest, "wxA").used_bytes(), used);
}

/// The whole path: `AppConfig::storage_at_rest` reaches `wx.setStorageSync`.
#[test]
fn apps_storage_is_encrypted_when_configured() {
    let package = common::build(Path::new("tests/fixtures/apis"));
    let data = tempfile::tempdir().unwrap();
    let launch = |at_rest: AtRest| {
        let host = common::TestHost::new();
        let mut config = AppConfig::dev_mode_unverified("wxsealed", package.path(), data.path());
        config.clock = Clock::Manual;
        config.storage_at_rest = at_rest;
        (
            App::launch(config, host.clone(), None).expect("the fixture launches"),
            host,
        )
    };
    {
        let (app, _h) = launch(encrypted(Suite::Sm));
        app.eval_json(&format!("wx.setStorageSync('profile', {{t: '{MARKER}'}})"))
            .unwrap();
        app.settle().unwrap();
    }
    let on_disk = files(&data.path().join("storage"));
    assert!(!on_disk.is_empty());
    for (_, b) in &on_disk {
        assert!(b.starts_with(b"COVESTOR") && !contains(b, MARKER.as_bytes()));
    }
    {
        let (app, _h) = launch(encrypted(Suite::Sm));
        let got = app.eval_json("wx.getStorageSync('profile')").unwrap();
        assert_eq!(got, json!({"t": MARKER}));
    }
    // Without the key the app gets an error, not an empty string.
    let (app, _h) = launch(AtRest::Plain);
    let got = app
        .eval_json("(() => { try { return wx.getStorageSync('profile'); } catch (e) { return 'threw: ' + e.message; } })()")
        .unwrap();
    let got = got.as_str().unwrap_or_default().to_string();
    assert!(
        got.starts_with("threw: ") && got.contains("data corrupted"),
        "{got}"
    );
}

// ---- the file sandbox -----------------------------------------------------------------

/// Two apps' data directories side by side, and a host file outside both.
struct Two {
    root: tempfile::TempDir,
    a: FileSystem,
}

impl Two {
    fn new(quota: u64) -> Two {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        fs::write(r.join("host-secret.txt"), b"host secret").unwrap();
        fs::create_dir_all(r.join("b/usr")).unwrap();
        fs::write(r.join("b/usr/private.txt"), b"b's data").unwrap();
        fs::create_dir_all(r.join("pkg")).unwrap();
        let a = FileSystem::new(
            &r.join("a/usr"),
            &r.join("a/tmp"),
            Some(&r.join("pkg")),
            quota,
        )
        .unwrap();
        // The planted links: to a host file, to a host folder, to the other app's folder.
        symlink(r.join("host-secret.txt"), r.join("a/usr/link")).unwrap();
        symlink(r, r.join("a/usr/hostdir")).unwrap();
        symlink(r.join("b/usr"), r.join("a/usr/appb")).unwrap();
        Two { root, a }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    fn ok(&mut self, method: &str, args: Value) -> Value {
        self.a
            .call(method, &args)
            .unwrap_or_else(|e| panic!("{method} {args}: {}", e.msg))
    }

    fn err(&mut self, method: &str, args: Value) -> String {
        match self.a.call(method, &args) {
            Ok(v) => panic!("{method} {args} should fail, gave {v}"),
            Err(ServiceError { msg }) => msg,
        }
    }

    /// Nothing outside app A changed.
    fn untouched(&self) {
        assert_eq!(fs::read(self.p("host-secret.txt")).unwrap(), b"host secret");
        assert_eq!(fs::read(self.p("b/usr/private.txt")).unwrap(), b"b's data");
        let b: Vec<_> = fs::read_dir(self.p("b/usr")).unwrap().collect();
        assert_eq!(b.len(), 1, "app b's folder changed");
        for stray in ["new.txt", "copy.txt", "moved", "x", "z.txt"] {
            assert!(!self.p(stray).exists(), "{stray} written outside");
            assert!(!self.p(&format!("b/usr/{stray}")).exists(), "{stray} in b");
        }
    }
}

/// A zip in app A's usr folder, from (name, contents) pairs; `link` adds a symlink entry.
fn zip_file(path: &Path, entries: &[(&str, &[u8])], link: Option<(&str, &str)>) {
    let mut w = zip::ZipWriter::new(fs::File::create(path).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in entries {
        if name.ends_with('/') {
            w.add_directory(*name, opts).unwrap();
        } else {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
    }
    if let Some((name, target)) = link {
        w.add_symlink(name, target, opts).unwrap();
    }
    w.finish().unwrap();
}

#[test]
fn planted_symlinks_are_refused_for_every_operation() {
    let mut t = Two::new(1 << 20);
    t.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/mine.txt", "data": "mine"}),
    );
    zip_file(&t.p("a/usr/ok.zip"), &[("z.txt", b"zip")], None);
    let denied = "fail permission denied";
    for link in [
        "wxfile://usr/link",
        "wxfile://usr/hostdir",
        "wxfile://usr/appb",
    ] {
        let inside = format!("{link}/private.txt");
        let cases: Vec<(&str, Value)> = vec![
            ("readFile", json!({"filePath": link})),
            ("readFile", json!({"filePath": inside})),
            (
                "readFile",
                json!({"filePath": format!("{link}/host-secret.txt")}),
            ),
            ("writeFile", json!({"filePath": link, "data": "x"})),
            (
                "writeFile",
                json!({"filePath": format!("{link}/new.txt"), "data": "x"}),
            ),
            ("appendFile", json!({"filePath": link, "data": "x"})),
            ("appendFile", json!({"filePath": inside, "data": "x"})),
            ("truncate", json!({"filePath": inside})),
            ("access", json!({"path": link})),
            ("access", json!({"path": inside})),
            ("stat", json!({"path": link})),
            ("stat", json!({"path": inside, "recursive": true})),
            ("getFileInfo", json!({"filePath": inside})),
            ("readdir", json!({"dirPath": link})),
            (
                "mkdir",
                json!({"dirPath": format!("{link}/x"), "recursive": true}),
            ),
            ("rmdir", json!({"dirPath": link, "recursive": true})),
            ("unlink", json!({"filePath": link})),
            ("unlink", json!({"filePath": inside})),
            (
                "rename",
                json!({"oldPath": link, "newPath": "wxfile://usr/moved"}),
            ),
            (
                "rename",
                json!({"oldPath": inside, "newPath": "wxfile://usr/moved"}),
            ),
            (
                "rename",
                json!({"oldPath": "wxfile://usr/mine.txt", "newPath": link}),
            ),
            (
                "rename",
                json!({"oldPath": "wxfile://usr/mine.txt", "newPath": format!("{link}/moved")}),
            ),
            (
                "copyFile",
                json!({"srcPath": link, "destPath": "wxfile://usr/copy.txt"}),
            ),
            (
                "copyFile",
                json!({"srcPath": inside, "destPath": "wxfile://usr/copy.txt"}),
            ),
            (
                "copyFile",
                json!({"srcPath": "wxfile://usr/mine.txt", "destPath": link}),
            ),
            (
                "copyFile",
                json!({"srcPath": "wxfile://usr/mine.txt", "destPath": format!("{link}/copy.txt")}),
            ),
            ("saveFile", json!({"tempFilePath": link})),
            (
                "unzip",
                json!({"zipFilePath": "wxfile://usr/ok.zip", "targetPath": link}),
            ),
            (
                "unzip",
                json!({"zipFilePath": "wxfile://usr/ok.zip", "targetPath": format!("{link}/x")}),
            ),
            (
                "unzip",
                json!({"zipFilePath": inside, "targetPath": "wxfile://usr"}),
            ),
        ];
        for (method, args) in cases {
            let msg = t.err(method, args.clone());
            assert!(msg.starts_with(denied), "{method} {args}: {msg}");
        }
    }
    // WeChat's phrasing, naming the virtual path only.
    assert_eq!(
        t.err("readFile", json!({"filePath": "wxfile://usr/link"})),
        "fail permission denied, open wxfile://usr/link"
    );
    assert_eq!(
        t.err("stat", json!({"path": "wxfile://usr/appb/private.txt"})),
        "fail permission denied, stat wxfile://usr/appb/private.txt"
    );
    let msg = t.err(
        "readFile",
        json!({"filePath": "wxfile://usr/hostdir/host-secret.txt"}),
    );
    assert!(!msg.contains(t.root.path().to_str().unwrap()), "{msg}");
    // Listing shows the links as names, but a recursive stat never descends into them.
    let files = t.ok("readdir", json!({"dirPath": "wxfile://usr"}))["files"].clone();
    assert_eq!(
        files,
        json!(["appb", "hostdir", "link", "mine.txt", "ok.zip"])
    );
    let all = t.ok("stat", json!({"path": "wxfile://usr", "recursive": true}))["stats"].clone();
    let paths: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/", "/mine.txt", "/ok.zip"]);
    // Links do not count against the quota, nor what they point at.
    assert_eq!(
        t.a.used_bytes(),
        4 + fs::metadata(t.p("a/usr/ok.zip")).unwrap().len()
    );
    t.untouched();
    // The links themselves are still there (refused, not removed).
    assert!(
        fs::symlink_metadata(t.p("a/usr/appb"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn planted_store_and_nested_links_are_refused() {
    let mut t = Two::new(1 << 20);
    // The saved files' folder planted as a link to the other app.
    symlink(t.p("b/usr"), t.p("a/usr/.cove-store")).unwrap();
    let (tmp, real) = t.a.temp_path("txt");
    fs::write(&real, b"temp").unwrap();
    assert!(
        t.err("saveFile", json!({"tempFilePath": tmp}))
            .starts_with("fail permission denied")
    );
    assert!(real.exists());
    assert!(
        t.err("getSavedFileList", json!({}))
            .starts_with("fail permission denied")
    );
    assert!(
        t.err(
            "readFile",
            json!({"filePath": "wxfile://store_private.txt"})
        )
        .starts_with("fail permission denied")
    );
    assert!(
        t.err("unlink", json!({"filePath": "wxfile://store_private.txt"}))
            .starts_with("fail permission denied")
    );
    fs::remove_file(t.p("a/usr/.cove-store")).unwrap();
    // A link deeper down: a real folder holding a link to a folder.
    t.ok(
        "mkdir",
        json!({"dirPath": "wxfile://usr/d/e", "recursive": true}),
    );
    symlink(t.p("b/usr"), t.p("a/usr/d/e/f")).unwrap();
    for p in [
        "wxfile://usr/d/e/f/private.txt",
        "wxfile://usr/d/./e/../e/f/private.txt",
    ] {
        assert_eq!(
            t.err("readFile", json!({"filePath": p})),
            format!("fail permission denied, open {p}")
        );
    }
    // A zip whose entries would pass through the link.
    zip_file(&t.p("a/usr/in.zip"), &[("d/e/f/z.txt", b"zip")], None);
    assert!(
        t.err(
            "unzip",
            json!({"zipFilePath": "wxfile://usr/in.zip", "targetPath": "wxfile://usr"})
        )
        .starts_with("fail permission denied")
    );
    // A link where a saved file is expected.
    t.untouched();
}

#[test]
fn a_sandbox_root_planted_as_a_symlink_is_refused() {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir_all(root.path().join("elsewhere")).unwrap();
    fs::create_dir_all(root.path().join("app")).unwrap();
    symlink(root.path().join("elsewhere"), root.path().join("app/usr")).unwrap();
    let err = FileSystem::new(
        &root.path().join("app/usr"),
        &root.path().join("app/tmp"),
        None,
        1 << 20,
    )
    .err()
    .expect("a symlinked usr folder is refused");
    assert!(err.msg.contains("a symlink"), "{}", err.msg);
}

#[test]
fn escapes_are_refused() {
    let mut t = Two::new(1 << 20);
    let host = t.p("host-secret.txt");
    let host = host.to_str().unwrap();
    for p in [
        "wxfile://usr/..",
        "wxfile://usr/../b/usr/private.txt",
        "wxfile://usr/a/../../x",
        "http://usr/../x",
        "http://tmp/../usr/x",
        "wxfile://usr/x\0/../y",
        "wxfile://tmp_/../../x",
        "file:///etc/passwd",
        "wxfile://b/usr/private.txt",
    ] {
        for (method, args) in [
            ("readFile", json!({"filePath": p})),
            ("writeFile", json!({"filePath": p, "data": "x"})),
            ("stat", json!({"path": p})),
            ("unlink", json!({"filePath": p})),
            ("mkdir", json!({"dirPath": p})),
        ] {
            let msg = t.err(method, args);
            assert!(
                msg.starts_with("fail permission denied")
                    || msg.starts_with("fail no such file or directory"),
                "{method} {p}: {msg}"
            );
        }
    }
    // An absolute host path is only ever a path in the package: not there, and read-only.
    assert_eq!(
        t.err("readFile", json!({"filePath": host})),
        format!("fail no such file or directory, open {host}")
    );
    assert!(
        t.err("writeFile", json!({"filePath": host, "data": "x"}))
            .starts_with("fail permission denied")
    );
    assert!(
        t.err("writeFile", json!({"filePath": "/etc/passwd", "data": "x"}))
            .starts_with("fail permission denied")
    );
    // Zip entries that climb out, are absolute, or use backslashes are refused whole.
    for (name, data) in [
        ("../../z.txt", &b"zip"[..]),
        ("/z.txt", b"zip"),
        ("d/../../z.txt", b"zip"),
        ("..\\z.txt", b"zip"),
    ] {
        zip_file(
            &t.p("a/usr/bad.zip"),
            &[("fine.txt", b"ok"), (name, data)],
            None,
        );
        let msg = t.err(
            "unzip",
            json!({"zipFilePath": "wxfile://usr/bad.zip", "targetPath": "wxfile://usr/out"}),
        );
        assert_eq!(
            msg, "fail permission denied, unzip wxfile://usr/bad.zip -> wxfile://usr/out",
            "{name}"
        );
        assert!(!t.p("a/usr/out").exists(), "{name}: partly extracted");
    }
    // Nor may an entry reach the saved files' folder.
    zip_file(
        &t.p("a/usr/bad.zip"),
        &[(".cove-store/store_x", b"zip")],
        None,
    );
    assert!(
        t.err(
            "unzip",
            json!({"zipFilePath": "wxfile://usr/bad.zip", "targetPath": "wxfile://usr"})
        )
        .starts_with("fail permission denied")
    );
    assert!(!t.p("a/usr/.cove-store/store_x").exists());
    // A symlink entry is refused too, never created.
    zip_file(&t.p("a/usr/bad.zip"), &[], Some(("l", "/etc/passwd")));
    assert!(
        t.err(
            "unzip",
            json!({"zipFilePath": "wxfile://usr/bad.zip", "targetPath": "wxfile://usr/out"})
        )
        .starts_with("fail permission denied")
    );
    assert!(fs::symlink_metadata(t.p("a/usr/out/l")).is_err());
    // unzip writes only under usr.
    zip_file(&t.p("a/usr/ok.zip"), &[("z.txt", b"zip")], None);
    assert!(
        t.err(
            "unzip",
            json!({"zipFilePath": "wxfile://usr/ok.zip", "targetPath": "/"})
        )
        .starts_with("fail permission denied")
    );
    t.untouched();
}

#[test]
fn unzip_extracts_inside_the_target() {
    let mut t = Two::new(1 << 20);
    zip_file(
        &t.p("a/usr/ok.zip"),
        &[
            ("top.txt", b"top"),
            ("d/", b""),
            ("d/e/deep.txt", b"deep"),
            ("./d/./dot.txt", b"dot"),
        ],
        None,
    );
    t.ok(
        "unzip",
        json!({"zipFilePath": "wxfile://usr/ok.zip", "targetPath": "wxfile://usr/out"}),
    );
    for (p, want) in [
        ("out/top.txt", "top"),
        ("out/d/e/deep.txt", "deep"),
        ("out/d/dot.txt", "dot"),
    ] {
        let got = t.ok(
            "readFile",
            json!({"filePath": format!("wxfile://usr/{p}"), "encoding": "utf8"}),
        );
        assert_eq!(got["data"], json!(want), "{p}");
    }
    // the target's parent must exist
    assert_eq!(
        t.err(
            "unzip",
            json!({"zipFilePath": "wxfile://usr/ok.zip", "targetPath": "wxfile://usr/no/out"})
        ),
        "fail no such file or directory, unzip wxfile://usr/ok.zip -> wxfile://usr/no/out"
    );
    // not a zip
    assert_eq!(
        t.err(
            "unzip",
            json!({"zipFilePath": "wxfile://usr/out/top.txt", "targetPath": "wxfile://usr/out"})
        ),
        "fail read zip data"
    );
    t.untouched();
}

#[test]
fn file_quota_is_enforced() {
    let mut t = Two::new(100);
    let full = "fail the maximum size of the file storage limit is exceeded";
    t.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/a", "data": "x".repeat(60)}),
    );
    assert_eq!(
        t.err(
            "writeFile",
            json!({"filePath": "wxfile://usr/b", "data": "x".repeat(41)})
        ),
        full
    );
    assert_eq!(
        t.err(
            "copyFile",
            json!({"srcPath": "wxfile://usr/a", "destPath": "wxfile://usr/b"})
        ),
        full
    );
    // The symlinked host file (11 bytes) and app b's file are not the app's to count.
    assert_eq!(t.a.used_bytes(), 60);
    // A zip whose content would not fit is refused before anything is written. The zip
    // itself lives outside usr here so that only its content counts.
    let mut t = Two::new(1000);
    let zip_path = t.p("a/tmp/tmp_big.zip");
    zip_file(&zip_path, &[("big.bin", &[0u8; 1500])], None);
    assert_eq!(
        t.err(
            "unzip",
            json!({"zipFilePath": "wxfile://tmp_big.zip", "targetPath": "wxfile://usr"})
        ),
        full
    );
    assert!(!t.p("a/usr/big.bin").exists());
    assert_eq!(t.a.used_bytes(), 0);
}
