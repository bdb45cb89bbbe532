//! The `cove` binary end to end.

use std::path::Path;
use std::process::Command;

fn cove() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cove"))
}

fn repo(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

#[test]
fn build_demo_to_zip_twice_gives_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a.zip"), tmp.path().join("b.zip"));
    for out in [&a, &b] {
        let o = cove()
            .args(["build", "--app-version", "1.0.0", "--version-code", "3"])
            .arg(repo("examples/demo"))
            .arg("-o")
            .arg(out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let bytes = std::fs::read(&a).unwrap();
    assert!(
        bytes == std::fs::read(&b).unwrap(),
        "two builds of the demo differ"
    );
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(zip.by_index(0).unwrap().name().unwrap(), "manifest.json");
    let manifest: serde_json::Value =
        serde_json::from_reader(zip.by_name("manifest.json").unwrap()).unwrap();
    assert_eq!(manifest["version"]["code"], 3);
    assert_eq!(manifest["pages"][0], "pages/counter/counter");
    assert!(zip.by_name("packageA/pages/detail/detail.js").is_ok());
}

#[test]
fn build_error_names_file_line_col_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = cove()
        .arg("build")
        .arg(repo("crates/compiler/tests/errors/missing-page"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("app.json:4:5"), "{err}");
    assert!(err.contains("missing-page"), "{err}");
    assert!(err.contains("build failed with 1 error(s)"), "{err}");
    assert!(!out.exists());
}

#[test]
fn deny_warnings_fails_on_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo("crates/compiler/tests/errors/unused-component");
    let ok = cove()
        .arg("build")
        .arg(&dir)
        .arg("-o")
        .arg(tmp.path().join("a"))
        .output()
        .unwrap();
    assert!(ok.status.success());
    let denied = cove()
        .arg("build")
        .arg(&dir)
        .arg("-o")
        .arg(tmp.path().join("b"))
        .arg("--deny-warnings")
        .output()
        .unwrap();
    assert_eq!(denied.status.code(), Some(1));
}

#[test]
fn wux_example_builds_reproducibly_across_processes() {
    // glass-easel's HashMap order differs per process; the bytes must not.
    let dir = repo("corpus/node_modules/wux-weapp/example");
    assert!(
        dir.is_dir(),
        "corpus not installed: run `npm ci --prefix corpus`"
    );
    let tmp = tempfile::tempdir().unwrap();
    let outs: Vec<_> = (0..2)
        .map(|i| tmp.path().join(format!("{i}.zip")))
        .collect();
    for out in &outs {
        let o = cove()
            .arg("build")
            .arg(&dir)
            .arg("-o")
            .arg(out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    assert!(
        std::fs::read(&outs[0]).unwrap() == std::fs::read(&outs[1]).unwrap(),
        "two builds of the wux example differ"
    );
}

/// The product is thin: benchmarks, the conformance driver and the render oracle are
/// `cove-devtools` commands, and the shipped binary does not know them.
#[test]
fn the_shipped_binary_has_no_dev_tools() {
    let help = cove().arg("--help").output().unwrap();
    assert!(help.status.success());
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("  build "), "{help}");
    for tool in ["bench", "apis", "render"] {
        assert!(!help.contains(&format!("  {tool} ")), "{tool} in:\n{help}");
        let out = cove().arg(tool).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains("unrecognized subcommand"),
            "cove {tool}: {stderr}"
        );
    }
}
