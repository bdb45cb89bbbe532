//! The per-app file sandbox: FileSystemManager methods, WeChat's errors, and the walls.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use cove_container::services::fs::DEFAULT_QUOTA_BYTES;
use cove_container::services::{FileSystem, ServiceError};
use serde_json::{Value, json};
use tempfile::TempDir;

struct Sandbox {
    root: TempDir,
    fs: FileSystem,
}

impl Sandbox {
    fn new(quota: u64) -> Sandbox {
        let root = tempfile::tempdir().unwrap();
        let pkg = root.path().join("pkg");
        fs::create_dir_all(pkg.join("images")).unwrap();
        fs::write(pkg.join("images/a.png"), b"PNG!").unwrap();
        fs::write(pkg.join("app.json"), b"{}").unwrap();
        fs::write(root.path().join("secret.txt"), b"host secret").unwrap();
        let mut fs = FileSystem::new(
            &root.path().join("usr"),
            &root.path().join("tmp"),
            Some(&pkg),
            quota,
        )
        .unwrap();
        let mut n = 0;
        fs.set_name_source(move || {
            n += 1;
            format!("n{n}")
        });
        fs.set_clock(|| UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        Sandbox { root, fs }
    }

    fn path(&self, rel: &str) -> std::path::PathBuf {
        self.root.path().join(rel)
    }

    fn ok(&mut self, method: &str, args: Value) -> Value {
        self.fs
            .call(method, &args)
            .unwrap_or_else(|e| panic!("{method} {args}: {}", e.msg))
    }

    fn err(&mut self, method: &str, args: Value) -> String {
        match self.fs.call(method, &args) {
            Ok(v) => panic!("{method} {args} should fail, gave {v}"),
            Err(ServiceError { msg }) => msg,
        }
    }
}

fn sandbox() -> Sandbox {
    Sandbox::new(DEFAULT_QUOTA_BYTES)
}

#[test]
fn write_and_read_in_every_encoding() {
    let mut s = sandbox();
    s.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/a.txt", "data": "héllo"}),
    );
    assert_eq!(fs::read(s.path("usr/a.txt")).unwrap(), "héllo".as_bytes());
    let read = |s: &mut Sandbox, enc: Value| {
        s.ok(
            "readFile",
            json!({"filePath": "wxfile://usr/a.txt", "encoding": enc}),
        )["data"]
            .clone()
    };
    assert_eq!(read(&mut s, json!("utf8")), json!("héllo"));
    assert_eq!(read(&mut s, json!("utf-8")), json!("héllo"));
    assert_eq!(read(&mut s, json!("base64")), json!("aMOpbGxv"));
    assert_eq!(read(&mut s, json!("hex")), json!("68c3a96c6c6f"));
    assert_eq!(read(&mut s, json!("latin1")), json!("hÃ©llo"));
    assert_eq!(read(&mut s, Value::Null), json!({"$bytes": "aMOpbGxv"}));

    s.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/b.bin", "data": {"$bytes": "AAEC/w=="}}),
    );
    assert_eq!(fs::read(s.path("usr/b.bin")).unwrap(), [0, 1, 2, 255]);
    s.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/c.bin", "data": "00ff10", "encoding": "hex"}),
    );
    assert_eq!(fs::read(s.path("usr/c.bin")).unwrap(), [0, 255, 16]);
    s.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/d.txt", "data": "aGk=", "encoding": "base64"}),
    );
    assert_eq!(fs::read(s.path("usr/d.txt")).unwrap(), b"hi");
    s.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/e.txt", "data": "hi", "encoding": "ucs2"}),
    );
    assert_eq!(fs::read(s.path("usr/e.txt")).unwrap(), [b'h', 0, b'i', 0]);
    // writeFile replaces
    s.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/a.txt", "data": "new"}),
    );
    assert_eq!(read(&mut s, json!("utf8")), json!("new"));
    // the devtools spelling of USER_DATA_PATH is the same place
    assert_eq!(
        s.ok(
            "readFile",
            json!({"filePath": "http://usr/a.txt", "encoding": "utf8"})
        )["data"],
        json!("new")
    );
}

#[test]
fn read_ranges() {
    let mut s = sandbox();
    s.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/r.txt", "data": "0123456789"}),
    );
    let r = |s: &mut Sandbox, a: Value| {
        let mut args = json!({"filePath": "wxfile://usr/r.txt", "encoding": "utf8"});
        args.as_object_mut()
            .unwrap()
            .extend(a.as_object().unwrap().clone());
        s.fs.call("readFile", &args).map(|v| v["data"].clone())
    };
    assert_eq!(
        r(&mut s, json!({"position": 2, "length": 3})).unwrap(),
        json!("234")
    );
    assert_eq!(r(&mut s, json!({"position": 7})).unwrap(), json!("789"));
    assert_eq!(r(&mut s, json!({"length": 1})).unwrap(), json!("0"));
    for bad in [
        json!({"position": 10}),
        json!({"length": 0}),
        json!({"position": 5, "length": 6}),
    ] {
        assert_eq!(r(&mut s, bad).unwrap_err().msg, "fail Invalid argument");
    }
}

#[test]
fn errors_use_wechat_phrasing() {
    let mut s = sandbox();
    assert_eq!(
        s.err("readFile", json!({"filePath": "wxfile://usr/x"})),
        "fail no such file or directory, open wxfile://usr/x"
    );
    assert_eq!(
        s.err("access", json!({"path": "wxfile://usr/x"})),
        "fail no such file or directory, access wxfile://usr/x"
    );
    assert_eq!(
        s.err(
            "writeFile",
            json!({"filePath": "wxfile://usr/no/dir/x", "data": ""})
        ),
        "fail no such file or directory, open wxfile://usr/no/dir/x"
    );
    assert_eq!(
        s.err(
            "appendFile",
            json!({"filePath": "wxfile://usr/x", "data": "a"})
        ),
        "fail no such file or directory, open wxfile://usr/x"
    );
    s.ok("mkdir", json!({"dirPath": "wxfile://usr/d"}));
    assert_eq!(
        s.err("mkdir", json!({"dirPath": "wxfile://usr/d"})),
        "fail file already exists, mkdir wxfile://usr/d"
    );
    assert_eq!(
        s.err("readFile", json!({"filePath": "wxfile://usr/d"})),
        "fail illegal operation on a directory, open wxfile://usr/d"
    );
    assert_eq!(
        s.err("unlink", json!({"filePath": "wxfile://usr/d"})),
        "fail operation not permitted, unlink wxfile://usr/d"
    );
    s.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/f", "data": ""}),
    );
    assert_eq!(
        s.err("readdir", json!({"dirPath": "wxfile://usr/f"})),
        "fail not a directory, scandir wxfile://usr/f"
    );
    assert_eq!(
        s.err("readFile", json!({"filePath": 3})),
        "fail parameter error: parameter.filePath should be String instead of Number;"
    );
    assert_eq!(s.err("readZipEntry", json!({})), "fail not supported");
    assert_eq!(
        s.err(
            "readFile",
            json!({"filePath": "wxfile://usr/f", "encoding": "klingon"})
        ),
        "fail invalid encoding: klingon"
    );
}

#[test]
fn directories() {
    let mut s = sandbox();
    s.ok(
        "mkdir",
        json!({"dirPath": "wxfile://usr/a/b/c", "recursive": true}),
    );
    assert!(
        s.err("mkdir", json!({"dirPath": "wxfile://usr/x/y"}))
            .starts_with("fail no such file or directory, mkdir")
    );
    s.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/a/z.txt", "data": "z"}),
    );
    s.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/a/m.txt", "data": "m"}),
    );
    assert_eq!(
        s.ok("readdir", json!({"dirPath": "wxfile://usr/a"}))["files"],
        json!(["b", "m.txt", "z.txt"])
    );
    assert_eq!(
        s.ok("readdir", json!({"dirPath": "wxfile://usr"}))["files"],
        json!(["a"])
    );
    assert_eq!(
        s.err("rmdir", json!({"dirPath": "wxfile://usr/a"})),
        "fail directory not empty, rmdir wxfile://usr/a"
    );
    s.ok("rmdir", json!({"dirPath": "wxfile://usr/a/b/c"}));
    s.ok(
        "rmdir",
        json!({"dirPath": "wxfile://usr/a", "recursive": true}),
    );
    assert!(!s.path("usr/a").exists());
    assert_eq!(
        s.err("rmdir", json!({"dirPath": "wxfile://usr"})),
        "fail permission denied, rmdir wxfile://usr"
    );
    assert!(s.path("usr").exists());
}

#[test]
fn stat_access_info() {
    let mut s = sandbox();
    s.ok(
        "mkdir",
        json!({"dirPath": "wxfile://usr/d/e", "recursive": true}),
    );
    s.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/d/hello.txt", "data": "hello"}),
    );
    s.ok("access", json!({"path": "wxfile://usr/d/hello.txt"}));
    s.ok("access", json!({"path": "wxfile://usr"}));
    let st = s.ok("stat", json!({"path": "wxfile://usr/d/hello.txt"}))["stats"].clone();
    assert_eq!(st["size"], json!(5));
    assert_eq!(st["isFile"], json!(true));
    assert_eq!(st["isDirectory"], json!(false));
    assert_eq!(st["mode"].as_u64().unwrap() & 0o170000, 0o100000);
    assert!(st["lastModifiedTime"].as_u64().unwrap() > 1_600_000_000);
    assert!(st["lastAccessedTime"].as_u64().is_some());
    let rec = s.ok("stat", json!({"path": "wxfile://usr/d", "recursive": true}))["stats"].clone();
    let paths: Vec<&str> = rec
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/", "/e", "/hello.txt"]);
    assert_eq!(rec[1]["stats"]["isDirectory"], json!(true));
    // recursive on a file is a plain Stats
    assert_eq!(
        s.ok(
            "stat",
            json!({"path": "wxfile://usr/d/hello.txt", "recursive": true})
        )["stats"]["size"],
        json!(5)
    );

    let md5 = s.ok(
        "getFileInfo",
        json!({"filePath": "wxfile://usr/d/hello.txt"}),
    );
    assert_eq!(
        md5,
        json!({"size": 5, "digest": "5d41402abc4b2a76b9719d911017c592"})
    );
    let sha1 = s.ok(
        "getFileInfo",
        json!({"filePath": "wxfile://usr/d/hello.txt", "digestAlgorithm": "sha1"}),
    );
    assert_eq!(
        sha1["digest"],
        json!("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")
    );
}

#[test]
fn append_copy_rename_unlink_truncate() {
    let mut s = sandbox();
    s.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/log", "data": "a"}),
    );
    s.ok(
        "appendFile",
        json!({"filePath": "wxfile://usr/log", "data": "b"}),
    );
    s.ok(
        "appendFile",
        json!({"filePath": "wxfile://usr/log", "data": {"$bytes": "Yw=="}}),
    );
    assert_eq!(fs::read(s.path("usr/log")).unwrap(), b"abc");
    s.ok(
        "copyFile",
        json!({"srcPath": "wxfile://usr/log", "destPath": "wxfile://usr/log2"}),
    );
    s.ok(
        "copyFile",
        json!({"srcPath": "/images/a.png", "destPath": "wxfile://usr/a.png"}),
    );
    assert_eq!(fs::read(s.path("usr/a.png")).unwrap(), b"PNG!");
    s.ok(
        "rename",
        json!({"oldPath": "wxfile://usr/log2", "newPath": "wxfile://usr/log3"}),
    );
    assert!(!s.path("usr/log2").exists());
    assert_eq!(fs::read(s.path("usr/log3")).unwrap(), b"abc");
    s.ok(
        "truncate",
        json!({"filePath": "wxfile://usr/log3", "length": 1}),
    );
    assert_eq!(fs::read(s.path("usr/log3")).unwrap(), b"a");
    s.ok(
        "truncate",
        json!({"filePath": "wxfile://usr/log3", "length": 3}),
    );
    assert_eq!(fs::read(s.path("usr/log3")).unwrap(), b"a\0\0");
    s.ok("truncate", json!({"filePath": "wxfile://usr/log3"}));
    assert_eq!(fs::read(s.path("usr/log3")).unwrap(), b"");
    s.ok("unlink", json!({"filePath": "wxfile://usr/log3"}));
    assert!(!s.path("usr/log3").exists());
    // no temp files left behind by the atomic writes
    let names: Vec<_> = fs::read_dir(s.path("usr"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn package_is_read_only() {
    let mut s = sandbox();
    for p in ["/images/a.png", "images/a.png", "/images/../images/a.png"] {
        assert_eq!(
            s.ok("readFile", json!({"filePath": p, "encoding": "utf8"}))["data"],
            json!("PNG!"),
            "{p}"
        );
    }
    assert_eq!(
        s.ok("readdir", json!({"dirPath": "/"}))["files"],
        json!(["app.json", "images"])
    );
    assert_eq!(
        s.err(
            "writeFile",
            json!({"filePath": "/images/a.png", "data": "x"})
        ),
        "fail permission denied, open /images/a.png"
    );
    assert!(
        s.err("unlink", json!({"filePath": "/app.json"}))
            .starts_with("fail permission denied")
    );
    assert!(
        s.err("mkdir", json!({"dirPath": "/new"}))
            .starts_with("fail permission denied")
    );
    assert!(
        s.err(
            "rename",
            json!({"oldPath": "/app.json", "newPath": "wxfile://usr/x"})
        )
        .starts_with("fail permission denied")
    );
    assert!(s.path("pkg/app.json").exists());
}

#[test]
fn escapes_are_refused() {
    let mut s = sandbox();
    let secret = s.path("secret.txt");
    let host = secret.to_str().unwrap().to_string();
    for p in [
        "wxfile://usr/../secret.txt",
        "wxfile://usr/a/../../secret.txt",
        "wxfile://usr/./../../../../etc/passwd",
        "/../secret.txt",
        "../secret.txt",
        "images/../../secret.txt",
        "wxfile://usr/x\0y",
        "file:///etc/passwd",
        "wxfile://",
        "wxfile://other/a",
        "https://example.com/a",
        "wxfile://usr/.cove-store/x",
        "wxfile://usr/.cove-tmp.1.1",
    ] {
        let msg = s.err("readFile", json!({"filePath": p}));
        assert!(msg.starts_with("fail permission denied"), "{p}: {msg}");
        let msg = s.err("writeFile", json!({"filePath": p, "data": "pwned"}));
        assert!(msg.starts_with("fail permission denied"), "{p}: {msg}");
    }
    // A host path is only ever a package path.
    let msg = s.err("readFile", json!({"filePath": host}));
    assert!(msg.starts_with("fail no such file or directory"), "{msg}");
    assert_eq!(fs::read(&secret).unwrap(), b"host secret");
}

#[test]
fn symlinks_are_never_followed() {
    let mut s = sandbox();
    symlink(s.path("secret.txt"), s.path("usr/link.txt")).unwrap();
    symlink(s.root.path(), s.path("usr/linkdir")).unwrap();
    assert_eq!(
        s.err("readFile", json!({"filePath": "wxfile://usr/link.txt"})),
        "fail permission denied, open wxfile://usr/link.txt"
    );
    assert!(
        s.err(
            "readFile",
            json!({"filePath": "wxfile://usr/linkdir/secret.txt"})
        )
        .starts_with("fail permission denied")
    );
    assert!(
        s.err(
            "writeFile",
            json!({"filePath": "wxfile://usr/link.txt", "data": "x"})
        )
        .starts_with("fail permission denied")
    );
    assert!(
        s.err(
            "writeFile",
            json!({"filePath": "wxfile://usr/linkdir/new.txt", "data": "x"})
        )
        .starts_with("fail permission denied")
    );
    assert!(
        s.err("readdir", json!({"dirPath": "wxfile://usr/linkdir"}))
            .starts_with("fail permission denied")
    );
    assert!(
        s.err("stat", json!({"path": "wxfile://usr/linkdir"}))
            .starts_with("fail permission denied")
    );
    assert!(
        s.err(
            "copyFile",
            json!({"srcPath": "wxfile://usr/link.txt", "destPath": "wxfile://usr/c"})
        )
        .starts_with("fail permission denied")
    );
    // removing the whole tree removes the links, not what they point at
    s.ok("mkdir", json!({"dirPath": "wxfile://usr/d"}));
    symlink(s.path("pkg"), s.path("usr/d/pkglink")).unwrap();
    s.ok(
        "rmdir",
        json!({"dirPath": "wxfile://usr/d", "recursive": true}),
    );
    assert!(s.path("pkg/app.json").exists());
    assert_eq!(fs::read(s.path("secret.txt")).unwrap(), b"host secret");
    assert!(!s.path("new.txt").exists());
    // a recursive stat lists no link
    let rec = s.ok("stat", json!({"path": "wxfile://usr", "recursive": true}))["stats"].clone();
    assert_eq!(rec.as_array().unwrap().len(), 1, "{rec}");
    // a symlinked package file is refused too
    symlink(s.path("secret.txt"), s.path("pkg/leak.txt")).unwrap();
    assert!(
        s.err("readFile", json!({"filePath": "/leak.txt"}))
            .starts_with("fail permission denied")
    );
}

#[test]
fn quota_is_enforced_on_every_write() {
    let mut s = Sandbox::new(100);
    let full = "fail the maximum size of the file storage limit is exceeded";
    s.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/a", "data": "x".repeat(60)}),
    );
    assert_eq!(
        s.err(
            "writeFile",
            json!({"filePath": "wxfile://usr/b", "data": "x".repeat(41)})
        ),
        full
    );
    // replacing a file counts only the difference
    s.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/a", "data": "x".repeat(100)}),
    );
    assert_eq!(
        s.err(
            "appendFile",
            json!({"filePath": "wxfile://usr/a", "data": "y"})
        ),
        full
    );
    assert_eq!(
        s.err(
            "copyFile",
            json!({"srcPath": "wxfile://usr/a", "destPath": "wxfile://usr/b"})
        ),
        full
    );
    assert_eq!(
        s.err(
            "truncate",
            json!({"filePath": "wxfile://usr/a", "length": 101})
        ),
        full
    );
    s.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/a", "data": "x".repeat(90)}),
    );
    let (vpath, real) = s.fs.temp_path("bin");
    fs::write(&real, vec![0u8; 20]).unwrap();
    assert_eq!(s.err("saveFile", json!({"tempFilePath": vpath})), full);
    assert_eq!(
        s.err(
            "rename",
            json!({"oldPath": vpath, "newPath": "wxfile://usr/t"})
        ),
        full
    );
    assert!(real.exists());
    assert_eq!(fs::metadata(s.path("usr/a")).unwrap().len(), 90);
    assert_eq!(s.fs.used_bytes(), 90);
}

#[test]
fn temp_files_and_saved_files() {
    let mut s = sandbox();
    let (vpath, real) = s.fs.temp_path("png");
    assert_eq!(vpath, "wxfile://tmp_n1.png");
    assert_eq!(
        real,
        s.path("tmp").canonicalize().unwrap().join("tmp_n1.png")
    );
    fs::write(&real, b"downloaded").unwrap();
    assert_eq!(
        s.ok("readFile", json!({"filePath": vpath, "encoding": "utf8"}))["data"],
        json!("downloaded")
    );
    assert_eq!(s.fs.real_path(&vpath).unwrap(), real);
    // temp files are readable, not writable
    assert!(
        s.err("writeFile", json!({"filePath": vpath, "data": "x"}))
            .starts_with("fail permission denied")
    );
    let (v2, r2) = s.fs.temp_path(".txt");
    assert_eq!(v2, "wxfile://tmp_n2.txt");
    fs::write(&r2, b"x").unwrap();
    assert_eq!(
        s.ok(
            "readFile",
            json!({"filePath": "http://tmp/tmp_n2.txt", "encoding": "utf8"})
        )["data"],
        json!("x")
    );
    assert_eq!(s.fs.temp_path("../../evil").0, "wxfile://tmp_n3");

    let saved = s.ok("saveFile", json!({"tempFilePath": vpath}))["savedFilePath"].clone();
    assert_eq!(saved, json!("wxfile://store_n4.png"));
    assert!(!real.exists(), "saveFile moves the temp file");
    assert_eq!(
        s.ok("readFile", json!({"filePath": saved, "encoding": "utf8"}))["data"],
        json!("downloaded")
    );
    let to_usr = s.ok(
        "saveFile",
        json!({"tempFilePath": v2, "filePath": "wxfile://usr/kept.txt"}),
    );
    assert_eq!(to_usr["savedFilePath"], json!("wxfile://usr/kept.txt"));
    assert_eq!(fs::read(s.path("usr/kept.txt")).unwrap(), b"x");

    let list = s.ok("getSavedFileList", json!({}));
    assert_eq!(
        list,
        json!({"fileList": [{"filePath": "wxfile://store_n4.png", "size": 10, "createTime": 1_700_000_000}]})
    );
    assert_eq!(
        s.ok(
            "getSavedFileInfo",
            json!({"filePath": "wxfile://store_n4.png"})
        ),
        json!({"size": 10, "createTime": 1_700_000_000})
    );
    // the store is not visible through usr, but counts against its quota
    assert_eq!(
        s.ok("readdir", json!({"dirPath": "wxfile://usr"}))["files"],
        json!(["kept.txt"])
    );
    assert_eq!(s.fs.used_bytes(), 11);
    s.ok(
        "removeSavedFile",
        json!({"filePath": "wxfile://store_n4.png"}),
    );
    assert_eq!(s.ok("getSavedFileList", json!({})), json!({"fileList": []}));
    assert!(
        s.err(
            "removeSavedFile",
            json!({"filePath": "wxfile://store_n4.png"})
        )
        .starts_with("fail no such file or directory")
    );
}

#[test]
fn two_apps_share_nothing() {
    let mut a = sandbox();
    let mut b = sandbox();
    a.ok(
        "writeFile",
        json!({"filePath": "wxfile://usr/token", "data": "a"}),
    );
    assert!(
        b.err("readFile", json!({"filePath": "wxfile://usr/token"}))
            .starts_with("fail no such file")
    );
    assert!(!Path::new(&b.path("usr/token")).exists());
}
