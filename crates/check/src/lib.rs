//! `cove check`: how ready a WeChat mini-program is for Cove (`docs/check.md`).
//!
//! It builds the project (or opens a package), then runs it headless in the container and
//! opens every page listed in `app.json` in turn with `wx.reLaunch`, recording for each the
//! uncaught errors, the `wx` methods called that Cove does not provide, the components that
//! could not be found, and the time to the page's first drawing operation. With `browser`,
//! the app runs with the view in headless Chromium instead (the simulator, driven through
//! the automator protocol), so pages that depend on layout are measured as a phone would.
//! Statically, it lists every `wx` method the code references that Cove does not provide,
//! every component tag that is neither built in nor found, and every WeChat built-in the
//! view does not implement, with the files that use them.

mod browser;
pub mod host;
pub mod report;
mod scan;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cove_container::{App, AppConfig, Automation};
use cove_simulator::{Build, Source};
use serde_json::{Value, json};

use host::CheckHost;
pub use report::{Mode, PageError, PageReport, Report, Round};
use scan::BuiltinGap;

#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// A project folder, a compiled package folder, or a package file.
    pub source: PathBuf,
    /// How long one page may take to open.
    pub page_timeout: Duration,
    /// After a page opened, how long its timers and callbacks may run before the next page.
    pub settle: Duration,
    /// Measure the heap after each page (a full collection each time). Off, the app's own
    /// collections are all there is, as in a long session of a real user.
    pub heap_per_page: bool,
    /// How many times every page is opened in the one session; the report's rows are the
    /// first round's, and each round adds a [`Round`].
    pub rounds: usize,
    /// Run the view too, in headless Chromium (`cove_simulator`'s, as `cove test-server`
    /// does), and drive the app through the automator protocol.
    pub browser: bool,
}

impl CheckOptions {
    pub fn new(source: &Path) -> Self {
        Self {
            source: source.to_path_buf(),
            page_timeout: Duration::from_secs(10),
            settle: Duration::from_millis(150),
            heap_per_page: true,
            rounds: 1,
            browser: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Load(#[from] cove_simulator::LoadError),
    #[error("cannot create a temporary folder: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot run the view in a browser: {0}")]
    Browser(String),
}

/// Build or open the app, then open every page.
pub fn check(opts: &CheckOptions) -> Result<Report, CheckError> {
    let mut report = Report {
        source: opts.source.display().to_string(),
        mode: if opts.browser {
            Mode::Browser
        } else {
            Mode::Headless
        },
        ..Report::default()
    };
    let source = Source::detect(&opts.source);
    let started = Instant::now();
    let build = cove_simulator::build(&source)?;
    report.build.millis = started.elapsed().as_secs_f64() * 1000.0;
    let package = match build {
        Build::Failed(errors) => {
            report.build.errors = errors
                .iter()
                .map(|d| {
                    format!(
                        "{}: {}",
                        d["location"].as_str().unwrap_or(""),
                        d["message"].as_str().unwrap_or("")
                    )
                })
                .collect();
            report.summarize();
            return Ok(report);
        }
        Build::Ready(p) => p,
    };
    report.build.ok = true;
    for w in &package.warnings {
        let code = w["code"].as_str().unwrap_or("warning").to_string();
        *report.build.warnings_by_code.entry(code).or_default() += 1;
    }
    let mut units = scan::Units::read(&package.dir);
    units.add_unknown_tags(&package.warnings);
    report.unknown_components = scan::unknown_components(&package.warnings, &units);
    report.unsupported_components = units.builtin_gaps(BuiltinGap::Missing);
    report.placeholder_components = units.builtin_gaps(BuiltinGap::Placeholder);
    let pages = pages(&package.dir);
    if opts.browser {
        browser::run(&package, &pages, &units, opts, &mut report)?;
    } else {
        headless(&package, &pages, &units, opts, &mut report)?;
    }
    report.summarize();
    Ok(report)
}

/// Open every page in the container alone, with the recording host.
fn headless(
    package: &cove_simulator::Package,
    pages: &[String],
    units: &scan::Units,
    opts: &CheckOptions,
    report: &mut Report,
) -> Result<(), CheckError> {
    let data = tempfile::Builder::new().prefix("cove-check-").tempdir()?;
    let host = Arc::new(CheckHost::default());
    let config = AppConfig::dev_mode_unverified(&package.app_id, &package.dir, data.path());
    host.begin();
    let app = match App::launch(config, host.clone(), None) {
        Ok(app) => app,
        Err(e) => {
            report.launch_error = Some(e.to_string());
            return Ok(());
        }
    };
    let _ = app.settle();
    // The entry page's load (launch) is not a page check of its own: every page, the entry
    // included, is opened below by `reLaunch`.
    report.launch_errors = host.take().errors;
    let kinds = app.api_kinds().unwrap_or(Value::Null);
    let present = app
        .eval_json("Object.getOwnPropertyNames(wx)")
        .unwrap_or(Value::Null);
    report.unsupported_apis = scan::unsupported_apis(&package.dir, &kinds, &present);

    for round in 0..opts.rounds.max(1) {
        let mut failed = vec![];
        for page in pages {
            let (r, closing) = open_page(&app, &host, page, units, opts);
            // What the previous page threw as it closed is its own row's.
            if round == 0
                && !closing.is_empty()
                && let Some(prev) = report.pages.last_mut()
            {
                for e in closing {
                    if !prev.errors.contains(&e) {
                        prev.errors.push(e);
                    }
                }
                prev.clean = false;
            }
            if !r.opened {
                failed.push(page.clone());
            }
            if round == 0 {
                report.pages.push(r);
            }
        }
        report.rounds.push(Round {
            failed,
            heap_bytes: app.heap_bytes().ok(),
        });
    }
    Ok(())
}

/// Every page of `app.json`, main package first, then each subpackage's.
fn pages(dir: &Path) -> Vec<String> {
    let app: Value = std::fs::read(dir.join("app.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let mut out: Vec<String> = app["pages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|p| p.trim_start_matches('/').to_string())
        .collect();
    let subs = app
        .get("subPackages")
        .or_else(|| app.get("subpackages"))
        .and_then(Value::as_array);
    for sp in subs.into_iter().flatten() {
        let root = sp["root"].as_str().unwrap_or("").trim_matches('/');
        for p in sp["pages"].as_array().into_iter().flatten() {
            if let Some(p) = p.as_str() {
                out.push(format!("{root}/{}", p.trim_start_matches('/')));
            }
        }
    }
    let mut seen = BTreeSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out
}

fn open_page(
    app: &App,
    host: &CheckHost,
    page: &str,
    units: &scan::Units,
    opts: &CheckOptions,
) -> (PageReport, Vec<PageError>) {
    let mut report = PageReport {
        path: page.to_string(),
        ..PageReport::default()
    };
    host.begin();
    let args = json!({"method": "reLaunch", "args": [{"url": format!("/{page}")}]});
    let outcome = match app.automation("App.callWxMethod", &args, None) {
        Ok(Automation::Pending(id)) => wait(app, id, opts.page_timeout),
        Ok(Automation::Done(_)) => Ok(()),
        Ok(Automation::Failed(e)) => Err(e),
        Err(e) => Err(e.to_string()),
    };
    std::thread::sleep(opts.settle);
    let _ = app.settle();
    let top = app
        .page_stack()
        .ok()
        .and_then(|s| {
            s.as_array()
                .and_then(|a| a.last())
                .and_then(|p| p["path"].as_str().map(str::to_string))
        })
        .unwrap_or_default();
    judge_open(&mut report, outcome, &top);
    if opts.heap_per_page {
        report.heap_bytes = app.heap_bytes().ok();
    }
    let seen = host.take();
    report.first_ops_ms = seen.first_ops_ms;
    report.errors = seen.errors;
    report.unsupported_calls = seen.unsupported;
    finish_page(&mut report, seen.missing_components, units);
    (report, seen.closing_errors)
}

/// Whether the navigation to `report.path` opened it, given the page now on top. A page that
/// navigates away as it loads opened (its code ran, as in WeChat); no page on top did not.
fn judge_open(report: &mut PageReport, outcome: Result<(), String>, top: &str) {
    match outcome {
        Err(e) => report.open_error = Some(e),
        Ok(()) if top == report.path => report.opened = true,
        Ok(()) if top.is_empty() => report.open_error = Some("no page is open".into()),
        Ok(()) => {
            report.opened = true;
            report.redirected_to = Some(top.to_string());
        }
    }
}

/// What both modes add to a page's row once it was opened: the components its tree lacks
/// (those the runtime reported missing, and the static findings), and whether it is clean.
fn finish_page(report: &mut PageReport, missing: Vec<String>, units: &scan::Units) {
    let mut unknown: BTreeSet<String> = missing.into_iter().collect();
    unknown.extend(units.unknown_tags_of_page(&report.path));
    report.unknown_components = unknown.into_iter().collect();
    report.unsupported_components = units
        .builtin_gaps_of_page(&report.path, BuiltinGap::Missing)
        .into_iter()
        .collect();
    report.clean = report.opened && report.errors.is_empty();
}

/// Poll a pending automation call until it settles or the time runs out.
fn wait(app: &App, id: u64, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    loop {
        match app.automation_poll(id) {
            Ok(Automation::Pending(_)) => {}
            Ok(Automation::Done(_)) => return Ok(()),
            Ok(Automation::Failed(e)) => return Err(e),
            Err(e) => return Err(e.to_string()),
        }
        if Instant::now() > deadline {
            return Err(format!("did not open within {timeout:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}
