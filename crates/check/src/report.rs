//! What `cove check` found, as data (`--json`) and as the table a person reads.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    /// The project or package checked.
    pub source: String,
    /// How the pages were opened: `headless` (the container alone, with a host that answers
    /// as a phone would and lays nothing out) or `browser` (with the view in headless
    /// Chromium, driven through the automator protocol).
    pub mode: Mode,
    pub build: BuildSummary,
    /// Why the app did not start, if it did not (then no page was opened).
    pub launch_error: Option<String>,
    /// Uncaught errors while the app launched (its modules, `App.onLaunch`, the entry
    /// page's first load), before any page was checked.
    pub launch_errors: Vec<PageError>,
    pub pages: Vec<PageReport>,
    /// Static: every `wx` method the code references that Cove does not provide, with the
    /// files that reference it.
    pub unsupported_apis: BTreeMap<String, Vec<String>>,
    /// Static: tags the templates use that are neither built-in nor declared, and declared
    /// components whose files are missing, with the files that use them.
    pub unknown_components: BTreeMap<String, Vec<String>>,
    /// Static: WeChat built-in components the templates use that Cove's view does not
    /// implement (drawn as a plain box around their children), with the templates that use
    /// them.
    pub unsupported_components: BTreeMap<String, Vec<String>>,
    /// Static: built-ins the view draws as a placeholder box that names them (camera, map,
    /// live player, ads), with the templates that use them.
    pub placeholder_components: BTreeMap<String, Vec<String>>,
    /// Every round of opening all the pages in one session: the pages that failed, and the
    /// heap after it (after a full collection).
    pub rounds: Vec<Round>,
    pub summary: Summary,
}

#[derive(Debug, Clone, Copy, Serialize, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Headless,
    Browser,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Round {
    pub failed: Vec<String>,
    pub heap_bytes: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct BuildSummary {
    pub ok: bool,
    /// `file:line:col: message` of each build error.
    pub errors: Vec<String>,
    pub warnings_by_code: BTreeMap<String, usize>,
    pub millis: f64,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct PageReport {
    pub path: String,
    /// The navigation succeeded: the page was created and is on top of the stack, or its
    /// own code sent the app elsewhere as it loaded (see `redirected_to`).
    pub opened: bool,
    /// The page the app shows instead, when the page's code navigated away as it loaded (a
    /// login wall, a `redirectTo` in `onLoad`): WeChat does the same.
    pub redirected_to: Option<String>,
    /// Opened, with no uncaught error while it loaded.
    pub clean: bool,
    /// Why the navigation failed, when it did.
    pub open_error: Option<String>,
    /// Uncaught errors while the page loaded, with the innermost `file:line` of the app's
    /// own code when the stack has one.
    pub errors: Vec<PageError>,
    /// `wx` methods the page called that Cove does not provide (they fail with WeChat's
    /// `fail not supported` shape).
    pub unsupported_calls: Vec<String>,
    /// Components the page's tree declares that could not be found, and tags that are
    /// neither built-in nor declared.
    pub unknown_components: Vec<String>,
    /// WeChat built-ins in the templates of the page's tree (the page and its components)
    /// that the view does not implement.
    pub unsupported_components: Vec<String>,
    /// Headless: from the navigation to the first drawing operation of the page.
    pub first_ops_ms: Option<f64>,
    /// `--browser`: from the navigation until the view has applied what the page drew
    /// (a view request queued behind the page's operations was answered; the next frame
    /// paints it).
    pub first_view_ms: Option<f64>,
    /// Headless: the app's QuickJS heap after the page opened (after a garbage collection):
    /// over a session, the curve shows whether closed pages are freed.
    pub heap_bytes: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Default, PartialEq, Eq)]
pub struct PageError {
    /// The first line of the error.
    pub message: String,
    pub location: Option<String>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Summary {
    pub pages: usize,
    pub opened: usize,
    pub clean: usize,
    /// `clean / pages`, 0 to 1.
    pub clean_share: f64,
}

impl Report {
    pub fn summarize(&mut self) {
        let pages = self.pages.len();
        let opened = self.pages.iter().filter(|p| p.opened).count();
        let clean = self.pages.iter().filter(|p| p.clean).count();
        self.summary = Summary {
            pages,
            opened,
            clean,
            clean_share: if pages == 0 {
                0.0
            } else {
                clean as f64 / pages as f64
            },
        };
    }

    /// Did anything fail: the build, the launch, or a page?
    pub fn failed(&self) -> bool {
        !self.build.ok || self.launch_error.is_some() || self.pages.iter().any(|p| !p.clean)
    }

    /// The report as text: one row per page, then the static findings and a summary line.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "cove check {}{}",
            self.source,
            if self.mode == Mode::Browser {
                " (with the view in headless Chromium)"
            } else {
                ""
            }
        );
        let warnings: usize = self.build.warnings_by_code.values().sum();
        if self.build.ok {
            let _ = writeln!(
                out,
                "build: ok in {:.0} ms, {warnings} warning(s){}",
                self.build.millis,
                codes(&self.build.warnings_by_code)
            );
        } else {
            let _ = writeln!(out, "build: FAILED");
            for e in &self.build.errors {
                let _ = writeln!(out, "  {e}");
            }
        }
        if let Some(e) = &self.launch_error {
            let _ = writeln!(out, "launch: FAILED: {e}");
        }
        if !self.launch_errors.is_empty() {
            let _ = writeln!(
                out,
                "launch: {} uncaught error(s)",
                self.launch_errors.len()
            );
            for e in &self.launch_errors {
                let first = e.message.lines().next().unwrap_or("");
                match &e.location {
                    Some(l) => {
                        let _ = writeln!(out, "  {first} ({l})");
                    }
                    None => {
                        let _ = writeln!(out, "  {first}");
                    }
                }
            }
        }
        if !self.pages.is_empty() {
            let width = self
                .pages
                .iter()
                .map(|p| p.path.len())
                .max()
                .unwrap_or(4)
                .max(4);
            let timing = match self.mode {
                Mode::Headless => "first ops",
                Mode::Browser => "    drawn",
            };
            let _ = writeln!(
                out,
                "\n{:<width$}  result  {timing}      heap  findings",
                "page"
            );
            for p in &self.pages {
                let result = match (p.opened, p.clean) {
                    (true, true) => "ok",
                    (true, false) => "errors",
                    (false, _) => "FAILED",
                };
                let ms = p
                    .first_view_ms
                    .or(p.first_ops_ms)
                    .map_or_else(|| "-".to_string(), |m| format!("{m:.0} ms"));
                let heap = p.heap_bytes.map_or_else(
                    || "-".to_string(),
                    |b| format!("{:.1} MB", b as f64 / 1048576.0),
                );
                let _ = writeln!(
                    out,
                    "{:<width$}  {result:<6}  {ms:>9}  {heap:>8}  {}",
                    p.path,
                    findings(p)
                );
            }
        }
        if !self.unsupported_apis.is_empty() {
            let _ = writeln!(
                out,
                "\nwx methods the code references that Cove does not provide:"
            );
            for (api, files) in &self.unsupported_apis {
                let _ = writeln!(out, "  wx.{api}: {}", list(files));
            }
        }
        if !self.unknown_components.is_empty() {
            let _ = writeln!(out, "\ncomponents that are neither built in nor found:");
            for (tag, files) in &self.unknown_components {
                let _ = writeln!(out, "  <{tag}>: {}", list(files));
            }
        }
        if !self.unsupported_components.is_empty() {
            let _ = writeln!(
                out,
                "\nWeChat built-in components Cove's view does not implement (drawn as a plain box):"
            );
            for (tag, files) in &self.unsupported_components {
                let _ = writeln!(out, "  <{tag}>: {}", list(files));
            }
        }
        if !self.placeholder_components.is_empty() {
            let _ = writeln!(
                out,
                "\nbuilt-in components Cove's view draws as a placeholder:"
            );
            for (tag, files) in &self.placeholder_components {
                let _ = writeln!(out, "  <{tag}>: {}", list(files));
            }
        }
        if self.rounds.len() > 1 {
            let _ = writeln!(out, "\nrounds in one session:");
            for (i, r) in self.rounds.iter().enumerate() {
                let heap = r.heap_bytes.map_or_else(
                    || "-".to_string(),
                    |b| format!("{:.1} MB", b as f64 / 1048576.0),
                );
                let _ = writeln!(
                    out,
                    "  {}: {} page(s) failed to open, heap {heap}",
                    i + 1,
                    r.failed.len()
                );
            }
        }
        let s = &self.summary;
        let _ = writeln!(
            out,
            "\n{} of {} pages open cleanly ({:.1}%), {} open with errors, {} do not open",
            s.clean,
            s.pages,
            s.clean_share * 100.0,
            s.opened - s.clean,
            s.pages - s.opened
        );
        out
    }
}

fn codes(by_code: &BTreeMap<String, usize>) -> String {
    if by_code.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = by_code.iter().map(|(c, n)| format!("{c} {n}")).collect();
    format!(" ({})", parts.join(", "))
}

fn list(files: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut s = files
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if files.len() > SHOWN {
        let _ = write!(s, " and {} more", files.len() - SHOWN);
    }
    s
}

fn findings(p: &PageReport) -> String {
    let mut parts = vec![];
    if let Some(e) = &p.open_error {
        parts.push(e.clone());
    }
    if let Some(to) = &p.redirected_to {
        parts.push(format!("went on to {to}"));
    }
    for e in &p.errors {
        parts.push(match &e.location {
            Some(l) => format!("{} ({l})", e.message),
            None => e.message.clone(),
        });
    }
    if !p.unsupported_calls.is_empty() {
        parts.push(format!(
            "unsupported: wx.{}",
            p.unsupported_calls.join(", wx.")
        ));
    }
    if !p.unknown_components.is_empty() {
        parts.push(format!(
            "unknown components: {}",
            p.unknown_components.join(", ")
        ));
    }
    if !p.unsupported_components.is_empty() {
        parts.push(format!(
            "built-ins not implemented: <{}>",
            p.unsupported_components.join(">, <")
        ));
    }
    parts.join("; ")
}
