//! What the simulator runs: a project compiled on the fly, or an already compiled package
//! (a folder or a `.zip` from `cove build`).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use cove_compiler::{BuildError, CompileOptions, Diagnostic};
use cove_package::Trust;
use cove_protocol::view::StyleSheet;
use serde_json::{Value, json};

/// Where the app comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A mini-program project: compiled now and again on every change.
    Project(PathBuf),
    /// A compiled package folder (has a `manifest.json` with a `cove` section).
    Compiled(PathBuf),
    /// A compiled package as a ZIP, or sealed (`cove seal`); opened as a dev-mode container
    /// opens it, with these keys.
    Zip(PathBuf, Box<Trust>),
}

/// The simulator previews a package signed for any channel (a trial build, say).
const DEV_CHANNELS: [cove_package::Channel; 2] =
    [cove_package::Channel::Release, cove_package::Channel::Trial];

impl Source {
    pub fn detect(path: &Path) -> Source {
        if path.is_file() {
            let dev = Trust {
                dev_mode: true,
                channels: DEV_CHANNELS.to_vec(),
                ..Trust::default()
            };
            return Source::Zip(path.to_path_buf(), Box::new(dev));
        }
        let manifest = path.join("manifest.json");
        let compiled = fs::read(&manifest)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .is_some_and(|m| m.get("cove").is_some());
        if compiled {
            Source::Compiled(path.to_path_buf())
        } else {
            Source::Project(path.to_path_buf())
        }
    }

    /// Trust these keys for a package file (dev mode stays on: unsigned packages still run).
    pub fn with_trust(self, trust: Trust) -> Source {
        match self {
            Source::Zip(p, _) => Source::Zip(
                p,
                Box::new(Trust {
                    dev_mode: true,
                    channels: DEV_CHANNELS.to_vec(),
                    ..trust
                }),
            ),
            other => other,
        }
    }

    /// The folder to watch for changes, if any.
    pub fn watched(&self) -> Option<&Path> {
        match self {
            Source::Project(p) => Some(p),
            _ => None,
        }
    }
}

/// A compiled app, unpacked and ready to launch.
pub struct Package {
    pub dir: PathBuf,
    pub app_id: String,
    /// Stylesheets for the view, app-wide first (`docs/view.md`, the `config` message).
    pub styles: Vec<StyleSheet>,
    /// Compiler (or package) warnings as diagnostics (`diagnostic_json`), for the Problems
    /// panel.
    pub warnings: Vec<Value>,
    /// For the panels: `{name, pages, entry, tabBar}`.
    pub summary: Value,
    /// Keeps a temporary folder alive as long as the package is in use.
    _tmp: Option<tempfile::TempDir>,
}

/// The outcome of a (re)build.
pub enum Build {
    Ready(Box<Package>),
    /// Diagnostics for the overlay: `[{file, line, col, code, message, frame}]`.
    Failed(Vec<Value>),
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path} is not a compiled Cove package: {reason}")]
    NotAPackage { path: String, reason: String },
}

/// Compile or unpack the source. Compile errors are a `Build::Failed`, not an `Err`.
pub fn build(source: &Source) -> Result<Build, LoadError> {
    match source {
        Source::Project(dir) => compile(dir),
        Source::Compiled(dir) => Ok(Build::Ready(Box::new(open(dir.clone(), None)?))),
        Source::Zip(file, trust) => {
            let tmp = tempdir()?;
            let bytes = fs::read(file).map_err(|source| LoadError::Io {
                path: file.display().to_string(),
                source,
            })?;
            // The container's own install path: verified in memory, then written.
            let installed =
                cove_container::install(&bytes, trust, None, tmp.path()).map_err(|e| {
                    LoadError::NotAPackage {
                        path: file.display().to_string(),
                        reason: e.to_string(),
                    }
                })?;
            let mut pkg = open(installed.dir.clone(), Some(tmp))?;
            let file = file.display().to_string();
            pkg.warnings = installed
                .warnings
                .iter()
                .cloned()
                .chain(
                    installed
                        .ignored
                        .iter()
                        .map(|p| format!("{p} is not in the manifest: ignored")),
                )
                .map(|message| package_warning(&file, message))
                .collect();
            Ok(Build::Ready(Box::new(pkg)))
        }
    }
}

fn tempdir() -> Result<tempfile::TempDir, LoadError> {
    tempfile::Builder::new()
        .prefix("cove-dev-")
        .tempdir()
        .map_err(|source| LoadError::Io {
            path: "temporary folder".into(),
            source,
        })
}

fn compile(dir: &Path) -> Result<Build, LoadError> {
    match cove_compiler::compile_dir(dir, &CompileOptions::default()) {
        Ok(out) => {
            let warnings: Vec<Value> = out.warnings.0.iter().map(diagnostic_json).collect();
            log_warnings(&out.warnings);
            let tmp = tempdir()?;
            cove_compiler::output::write_dir(&out.files, tmp.path()).map_err(|source| {
                LoadError::Io {
                    path: tmp.path().display().to_string(),
                    source,
                }
            })?;
            let mut pkg = open(tmp.path().to_path_buf(), Some(tmp))?;
            pkg.warnings = warnings;
            Ok(Build::Ready(Box::new(pkg)))
        }
        Err(BuildError::Invalid(diags)) => {
            Ok(Build::Failed(diags.errors().map(diagnostic_json).collect()))
        }
        Err(e) => Ok(Build::Failed(vec![json!({
            "file": dir.display().to_string(), "line": null, "col": null,
            "code": "io", "message": e.to_string(), "frame": "",
        })])),
    }
}

pub fn diagnostic_json(d: &Diagnostic) -> Value {
    let (line, col) = d
        .line_col()
        .map_or((None, None), |(l, c)| (Some(l), Some(c)));
    json!({
        "file": d.file, "line": line, "col": col, "code": d.code, "severity": d.severity,
        "message": d.message, "location": d.location(), "frame": d.render_plain(),
    })
}

/// A warning about the package file itself (signature, stray files), in the same shape.
fn package_warning(file: &str, message: String) -> Value {
    json!({
        "file": file, "line": null, "col": null, "code": "package", "severity": "warning",
        "message": message, "location": file, "frame": "",
    })
}

/// The terminal gets a few warnings and a count by code; the Problems panel has them all (a
/// real app can have hundreds).
fn log_warnings(warnings: &cove_compiler::Diagnostics) {
    const SHOWN: usize = 10;
    for w in warnings.0.iter().take(SHOWN) {
        tracing::warn!("{w}");
    }
    if warnings.0.len() > SHOWN {
        let mut by_code = std::collections::BTreeMap::<&str, usize>::new();
        for w in &warnings.0 {
            *by_code.entry(w.code).or_default() += 1;
        }
        let counts: Vec<String> = by_code.iter().map(|(c, n)| format!("{c} {n}")).collect();
        tracing::warn!(
            "… {} warnings in all ({}); the simulator's Problems panel lists them",
            warnings.0.len(),
            counts.join(", ")
        );
    }
}

fn open(dir: PathBuf, tmp: Option<tempfile::TempDir>) -> Result<Package, LoadError> {
    let read_json = |path: &Path| -> Result<Value, LoadError> {
        let bytes = fs::read(path).map_err(|source| LoadError::Io {
            path: path.display().to_string(),
            source,
        })?;
        serde_json::from_slice(&bytes).map_err(|e| LoadError::NotAPackage {
            path: path.display().to_string(),
            reason: e.to_string(),
        })
    };
    let manifest = read_json(&dir.join("manifest.json"))?;
    let Some(cove) = manifest.get("cove") else {
        return Err(LoadError::NotAPackage {
            path: dir.display().to_string(),
            reason: "manifest.json has no `cove` section".into(),
        });
    };
    let app_id = manifest
        .get("app_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or("wxdev")
        .to_string();
    let mut styles = Vec::new();
    if dir.join("app.css").is_file() {
        styles.push(StyleSheet {
            path: "app.css".into(),
            scope: None,
            page: false,
            css: None,
        });
    }
    if let Some(units) = cove.get("units").and_then(Value::as_object) {
        for (unit, info) in units {
            let Ok(config) = read_json(&dir.join(format!("{unit}.json"))) else {
                continue;
            };
            let Some(style) = config.get("style").and_then(Value::as_str) else {
                continue;
            };
            styles.push(StyleSheet {
                path: style.to_string(),
                scope: config
                    .get("styleScope")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                page: info.get("kind").and_then(Value::as_str) == Some("page"),
                css: None,
            });
        }
    }
    let summary = json!({
        "name": manifest.get("name"),
        "pages": manifest.get("pages"),
        "entry": cove.get("entry_page"),
        "tabBar": cove.get("tab_bar").is_some_and(|t| !t.is_null()),
    });
    // The text goes along with the list: one message instead of a request per sheet.
    for entry in &mut styles {
        entry.css = fs::read_to_string(dir.join(&entry.path)).ok();
    }
    Ok(Package {
        dir,
        app_id,
        styles,
        warnings: Vec::new(),
        summary,
        _tmp: tmp,
    })
}

impl Package {
    /// The height WeChat gives a page's window on a screen `screen` px high: without the
    /// navigation bar (status bar 20 + 44) unless the page draws its own
    /// (`navigationStyle: custom`), and without the tab bar (50) on a tab page.
    pub fn window_height(&self, page: Option<&str>, screen: f64) -> f64 {
        let read = |p: &str| -> Value {
            fs::read(self.dir.join(p))
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or(Value::Null)
        };
        let app = read("app.json");
        let page = page
            .filter(|p| !p.is_empty())
            .or_else(|| self.summary["entry"].as_str())
            .unwrap_or("")
            .trim_start_matches('/');
        let unit = read(&format!("{page}.json"));
        let custom = unit["navigationStyle"]
            .as_str()
            .or_else(|| app["window"]["navigationStyle"].as_str())
            == Some("custom");
        let tab = app["tabBar"]["list"].as_array().is_some_and(|l| {
            l.iter()
                .any(|i| i["pagePath"].as_str().map(|p| p.trim_start_matches('/')) == Some(page))
        });
        let chrome = if custom { 0.0 } else { 64.0 } + if tab { 50.0 } else { 0.0 };
        (screen - chrome).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sealed package opens with this host's key, as a dev-mode container: the signature is
    /// checked when its key is given, and a foreign envelope is refused with its code.
    #[test]
    fn a_sealed_package_needs_the_host_key() {
        use cove_package::{Channel, KeyPair, Limits, Purpose, SignOptions, Suite, envelope};
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo");
        let out = cove_compiler::compile_dir(&demo, &CompileOptions::default()).unwrap();
        let zip = cove_compiler::output::zip_bytes(&out.files).unwrap();
        let platform = KeyPair::generate(Suite::Intl, Purpose::Sign, Some("p")).unwrap();
        let host = KeyPair::generate(Suite::Intl, Purpose::Seal, Some("h")).unwrap();
        let opts = SignOptions {
            channel: Channel::Trial,
            rollback: None,
            limits: Limits::default(),
        };
        let signed = cove_package::sign(&zip, &platform, &opts).unwrap();
        let mut sealed = vec![];
        envelope::seal(
            &mut &signed[..],
            &mut sealed,
            Suite::Intl,
            &[host.public()],
            None,
        )
        .unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("demo.cove");
        std::fs::write(&file, &sealed).unwrap();

        let with = |trust: Trust| build(&Source::detect(&file).with_trust(trust));
        let Err(LoadError::NotAPackage { reason, .. }) = with(Trust::default()) else {
            panic!("opened without the host key")
        };
        assert!(reason.contains("[envelope_not_for_host]"), "{reason}");
        let keys = Trust {
            signing_keys: vec![platform.public()],
            host_keys: vec![host.clone()],
            ..Trust::default()
        };
        let Ok(Build::Ready(pkg)) = with(keys) else {
            panic!("does not open with the keys")
        };
        assert_eq!(pkg.app_id, "wxcove0000demo01");
        assert!(pkg.warnings.is_empty(), "{:?}", pkg.warnings);
        // Without the platform key, dev mode runs it and says why it would not elsewhere.
        let Ok(Build::Ready(pkg)) = with(Trust {
            host_keys: vec![host],
            ..Trust::default()
        }) else {
            panic!("dev mode refused an unknown signer")
        };
        let messages: Vec<&str> = pkg
            .warnings
            .iter()
            .map(|w| w["message"].as_str().unwrap())
            .collect();
        assert_eq!(messages, ["signed by key p, which is not trusted here"]);
        assert_eq!(pkg.warnings[0]["severity"], "warning");
    }

    #[test]
    fn the_window_leaves_out_the_bars_the_page_shows() {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo");
        let Build::Ready(pkg) = build(&Source::Project(demo)).unwrap() else {
            panic!("the demo compiles")
        };
        // The entry page is a tab page: navigation bar and tab bar.
        assert_eq!(pkg.window_height(None, 667.0), 667.0 - 64.0 - 50.0);
        assert_eq!(pkg.window_height(Some("pages/about/about"), 667.0), 553.0);
        // A subpackage page: the navigation bar only.
        assert_eq!(
            pkg.window_height(Some("packageA/pages/detail/detail"), 667.0),
            603.0
        );
    }
}
