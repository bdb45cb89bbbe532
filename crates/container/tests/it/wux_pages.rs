//! The compiled wux-weapp example (97 pages, 200+ components, from npm) runs headless:
//! every page in its app.json is opened in a fresh app, and a page passes when onLoad,
//! onShow and onReady complete (and a second of its timers runs) with no uncaught error.

use crate::common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cove_container::{App, AppConfig, Clock};
use serde_json::Value;

#[test]
fn every_wux_example_page_opens_without_an_uncaught_error() {
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/node_modules/wux-weapp/example");
    if !root.join("app.json").is_file() {
        assert!(
            std::env::var_os("CI").is_none(),
            "corpus missing in CI: run `npm ci` in corpus/"
        );
        eprintln!("skipped: run `npm ci` in corpus/ first");
        return;
    }
    let package = common::build(&root);
    let app_json: Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("app.json")).unwrap()).unwrap();
    let pages: Vec<String> = app_json["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    // WUX_PAGE=pages/x/index runs one page and prints its console.
    let only = std::env::var("WUX_PAGE").ok();
    let pages: Vec<String> = pages
        .into_iter()
        .filter(|p| only.as_ref().is_none_or(|o| o == p))
        .collect();
    let started = Instant::now();
    let mut failures = vec![];
    for page in &pages {
        let data = tempfile::tempdir().unwrap();
        let host = common::TestHost::new();
        let mut config = AppConfig::dev_mode_unverified("wux", package.path(), data.path());
        config.clock = Clock::Manual;
        let result = App::launch(config, host.clone() as Arc<_>, Some(page)).and_then(|app| {
            app.advance(Duration::from_secs(1))?;
            app.settle()?;
            app.page_stack()
        });
        if only.is_some() {
            for l in host.logs() {
                println!("console: {l}");
            }
        }
        let errors: Vec<String> = host
            .take()
            .into_iter()
            .filter(|m| m["t"] == "error")
            .map(|m| {
                m["message"]
                    .as_str()
                    .unwrap_or("")
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .collect();
        match result {
            Ok(stack) if errors.is_empty() && stack[0]["path"] == page.as_str() => {}
            Ok(stack) => failures.push(format!("{page}: {errors:?} (stack {stack})")),
            Err(e) => failures.push(format!("{page}: {e}")),
        }
    }
    let ok = pages.len() - failures.len();
    println!(
        "wux example: {ok}/{} pages opened with no uncaught error, in {:?}",
        pages.len(),
        started.elapsed()
    );
    for f in &failures {
        println!("  FAIL {f}");
    }
    assert!(failures.is_empty(), "{} pages failed", failures.len());
}
