//! `cove check`: how ready a WeChat mini-program is for Cove.
//!
//! It builds the project (or opens a package), then runs it headless in the container and
//! opens every page listed in `app.json` in turn with `wx.reLaunch`, recording for each the
//! uncaught errors, the `wx` methods called that Cove does not provide, the components that
//! could not be found, and the time to the page's first drawing operation. Statically, it
//! lists every `wx` method the code references that Cove does not provide, and every
//! component tag that is neither built in nor found, with the files that use them.

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
pub use report::{PageError, PageReport, Report, Round};

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
}

impl CheckOptions {
    pub fn new(source: &Path) -> Self {
        Self {
            source: source.to_path_buf(),
            page_timeout: Duration::from_secs(10),
            settle: Duration::from_millis(150),
            heap_per_page: true,
            rounds: 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Load(#[from] cove_simulator::LoadError),
    #[error("cannot create a temporary folder: {0}")]
    Io(#[from] std::io::Error),
}

/// Build or open the app, then open every page.
pub fn check(opts: &CheckOptions) -> Result<Report, CheckError> {
    let mut report = Report {
        source: opts.source.display().to_string(),
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

    let data = tempfile::Builder::new().prefix("cove-check-").tempdir()?;
    let host = Arc::new(CheckHost::default());
    let config = AppConfig::new(&package.app_id, &package.dir, data.path());
    host.begin();
    let app = match App::launch(config, host.clone(), None) {
        Ok(app) => app,
        Err(e) => {
            report.launch_error = Some(e.to_string());
            report.summarize();
            return Ok(report);
        }
    };
    let _ = app.settle();
    // The entry page's load (launch) is not a page check of its own: every page, the entry
    // included, is opened below by `reLaunch`.
    let _ = host.take();
    let kinds = app.api_kinds().unwrap_or(Value::Null);
    let present = app
        .eval_json("Object.getOwnPropertyNames(wx)")
        .unwrap_or(Value::Null);
    report.unsupported_apis = scan::unsupported_apis(&package.dir, &kinds, &present);

    for round in 0..opts.rounds.max(1) {
        let mut failed = vec![];
        for page in pages(&package.dir) {
            let r = open_page(&app, &host, &page, &units, opts);
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
    report.summarize();
    Ok(report)
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
) -> PageReport {
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
    report.opened = outcome.is_ok() && top == page;
    if let Err(e) = outcome {
        report.open_error = Some(e);
    } else if !report.opened {
        report.open_error = Some(format!("the page on top is `{top}`"));
    }
    if opts.heap_per_page {
        report.heap_bytes = app.heap_bytes().ok();
    }
    let seen = host.take();
    report.first_ops_ms = seen.first_ops_ms;
    report.errors = seen.errors;
    report.unsupported_calls = seen.unsupported;
    let mut unknown: BTreeSet<String> = seen.missing_components.into_iter().collect();
    unknown.extend(units.unknown_tags_of_page(page));
    report.unknown_components = unknown.into_iter().collect();
    report.clean = report.opened && report.errors.is_empty();
    report
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
