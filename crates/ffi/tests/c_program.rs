//! A C program embeds the container through `include/cove.h` and the cdylib: it opens the
//! compiled demo, receives operations through its callback, taps "+1" and sees the count
//! change, then answers a host request (`tests/c/embed.c`).

use std::path::{Path, PathBuf};
use std::process::Command;

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

#[test]
fn a_c_host_opens_the_demo_taps_and_sees_the_update() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = cove_compiler::compile_dir(&root.join("examples/demo"), &Default::default())
        .expect("the demo compiles");
    let package = tempfile::tempdir().unwrap();
    cove_compiler::output::write_dir(&out.files, package.path()).unwrap();
    let data = tempfile::tempdir().unwrap();

    let lib = cdylib_dir();
    let work = tempfile::tempdir().unwrap();
    let exe = work.path().join("embed");
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
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/embed.c"))
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

    let run = Command::new(&exe)
        .arg(package.path())
        .arg(data.path())
        .env("LD_LIBRARY_PATH", &lib)
        .output()
        .unwrap();
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
}
