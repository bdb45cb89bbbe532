//! Long sessions hold: every page of the wux-weapp example and of several real apps, opened
//! one after another with `reLaunch` in one app, twice. Every navigation that works the
//! first time works the second, and the heap after the second round is within a small
//! margin of the first (closed pages are freed, and the app never runs out of memory).

use std::path::{Path, PathBuf};
use std::time::Duration;

use cove_check::{CheckOptions, check};

fn session(project: &Path) -> cove_check::Report {
    let mut opts = CheckOptions::new(project);
    opts.rounds = 2;
    opts.heap_per_page = false;
    opts.settle = Duration::from_millis(30);
    check(&opts).unwrap_or_else(|e| panic!("{}: {e}", project.display()))
}

fn assert_holds(name: &str, report: &cove_check::Report, max_failed: usize) {
    assert!(
        report.build.ok,
        "{name} does not build: {:?}",
        report.build.errors
    );
    assert!(
        report.launch_error.is_none(),
        "{name}: {:?}",
        report.launch_error
    );
    let [first, second] = &report.rounds[..] else {
        panic!("{name}: {} rounds", report.rounds.len());
    };
    println!(
        "{name}: {} pages; failed {} then {}; heap {:.1} MB then {:.1} MB",
        report.pages.len(),
        first.failed.len(),
        second.failed.len(),
        first.heap_bytes.unwrap_or(0) as f64 / 1048576.0,
        second.heap_bytes.unwrap_or(0) as f64 / 1048576.0
    );
    assert!(
        first.failed.len() <= max_failed,
        "{name}: pages failed to open: {:?}",
        first.failed
    );
    assert_eq!(
        first.failed, second.failed,
        "{name}: the second round failed where the first did not"
    );
    let (a, b) = (first.heap_bytes.unwrap(), second.heap_bytes.unwrap());
    assert!(
        (b as f64) < a as f64 * 1.10,
        "{name}: the heap grew from {a} to {b} bytes over a second round"
    );
}

#[test]
fn the_wux_example_and_real_apps_hold_over_two_rounds_in_one_session() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let wux = root.join("corpus/node_modules/wux-weapp/example");
    assert!(
        wux.join("app.json").is_file(),
        "the npm corpus is missing: run `npm ci --prefix corpus`"
    );
    assert_holds("wux-weapp example", &session(&wux), 0);

    let real = root.join("../shared/real-apps");
    let apps: [(&str, usize); 3] = [
        ("linlinjava+litemall/litemall-wx", 0),
        ("weilanwl+ColorUI/demo", 0),
        ("imageslr+weapp-library", 3),
    ];
    for (dir, max_failed) in apps {
        let path: PathBuf = real.join(dir);
        assert_holds(dir, &session(&path), max_failed);
    }
}
