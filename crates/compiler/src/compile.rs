//! The whole build: load, check, compile each language, and lay out the package.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::json::ptr_seg;
use crate::options::CompileOptions;
use crate::output::{ASSET_EXTS, FORMAT, Files, finish_manifest, w3c_window};
use crate::project::{self, Project, UnitKind};
use crate::source::SourceTree;
use crate::wxml::{BUILTIN_TAGS, WxmlOutput};
use crate::{js, wxml, wxss};

/// Where the time went, for `cove build -v` and the benchmark.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub load: Duration,
    pub wxml: Duration,
    pub wxss: Duration,
    pub js: Duration,
    pub package: Duration,
    pub wxml_files: usize,
    pub wxss_files: usize,
    pub js_modules: usize,
}

#[derive(Debug)]
pub struct CompileOutput {
    pub files: Files,
    pub manifest: Value,
    /// Warnings only: a build with errors returns `Err`.
    pub warnings: Diagnostics,
    pub stats: Stats,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot read project at {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the project has {} error(s)", .0.errors().count())]
    Invalid(Diagnostics),
}

/// Read a project folder (the one with `project.config.json`, or the mini-program root)
/// and compile it.
pub fn compile_dir(root: &Path, opts: &CompileOptions) -> Result<CompileOutput, BuildError> {
    let io_err = |source| BuildError::Io {
        path: root.display().to_string(),
        source,
    };
    // "Build npm" in memory: `node_modules` packed into `miniprogram_npm` (crate::npm).
    let prepared =
        crate::npm::load_project(root, &crate::npm::NpmSettings::from_env()).map_err(io_err)?;
    let mut tree = prepared.tree;
    let mp_root = prepared.mp_root;
    let npm = prepared.report;
    if !npm.packages.is_empty() || !npm.kept.is_empty() {
        tracing::info!(
            "npm: {} packages ({} files) packed in {:.1?}{}; used as they are: {:?}",
            npm.packages.len(),
            npm.packages.iter().map(|p| p.files).sum::<usize>(),
            npm.elapsed,
            if npm.from_cache {
                " (from the cache)"
            } else {
                ""
            },
            npm.kept,
        );
    }
    if !tree.contains(&format!(
        "{}app.json",
        if mp_root.is_empty() {
            String::new()
        } else {
            format!("{mp_root}/")
        }
    )) {
        // A component library: learn its npm name from the nearest package.json.
        tree.package_name = [root.join("package.json"), root.join("../package.json")]
            .iter()
            .find_map(|p| std::fs::read(p).ok())
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| v.get("name").and_then(Value::as_str).map(str::to_string));
    }
    // A `require` of a dependency that is not installed has its own, clearer warning.
    let superseded = |d: &Diagnostic| {
        d.code == "module-not-found"
            && npm.not_installed.iter().any(|name| {
                d.message == format!("cannot resolve module `{name}`")
                    || d.message
                        .starts_with(&format!("cannot resolve module `{name}/"))
            })
    };
    let with_npm = |mut diags: Diagnostics| {
        diags.0.retain(|d| !superseded(d));
        diags.0.extend(npm.warnings.iter().cloned());
        diags.sort();
        diags
    };
    match compile(&tree, opts) {
        Ok(mut out) => {
            out.warnings = with_npm(out.warnings);
            Ok(out)
        }
        Err(diags) => Err(BuildError::Invalid(with_npm(diags))),
    }
}

/// Compile an in-memory project. Never panics on any input.
pub fn compile(tree: &SourceTree, opts: &CompileOptions) -> Result<CompileOutput, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut stats = Stats::default();
    let t = Instant::now();
    let Some(project) = project::load(tree, &mut diags) else {
        diags.sort();
        return Err(diags);
    };
    stats.load = t.elapsed();

    let t = Instant::now();
    let wxml_out = wxml::compile(&project, &mut diags);
    stats.wxml = t.elapsed();
    stats.wxml_files = wxml_out.templates.len();
    check_tags(&project, &wxml_out, &mut diags);
    // DarkMode: `themeLocation` and every `@variable` reference (theme.rs).
    let theme = crate::theme::check(&project, &mut diags);

    let t = Instant::now();
    let wxss_out = wxss::compile(&project, &mut diags);
    stats.wxss = t.elapsed();
    stats.wxss_files = wxss_out.css.len();

    let t = Instant::now();
    let modules = js::compile(&project, opts, &mut diags);
    stats.js = t.elapsed();
    stats.js_modules = modules.len();

    diags.sort();
    if diags.has_errors() {
        return Err(diags);
    }

    let t = Instant::now();
    let mut files = Files::new();
    files.insert("wxml.js".into(), wxml_out.group_js.into_bytes());
    for (path, css) in wxss_out.css {
        files.insert(path, css.into_bytes());
    }
    let mut module_index = serde_json::Map::new();
    for (id, m) in &modules {
        let file = if id.ends_with(".json") {
            format!("{id}.js")
        } else {
            id.clone()
        };
        if let Some(map) = &m.source_map {
            files.insert(format!("{file}.map"), map.clone().into_bytes());
        }
        files.insert(file.clone(), m.code.clone().into_bytes());
        module_index.insert(id.clone(), json!({ "file": file, "deps": m.deps }));
    }
    let mut units = serde_json::Map::new();
    for unit in project.units.values() {
        let config = unit_config(
            unit,
            &wxss_out.scopes,
            &project.global_using,
            &project.global_missing,
        );
        files.insert(format!("{}.json", unit.base), pretty(&config));
        units.insert(
            unit.base.clone(),
            json!({
                "kind": if unit.kind == UnitKind::Page { "page" } else { "component" },
                "package": unit.package,
            }),
        );
    }
    for path in project.tree.paths() {
        let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
        if ASSET_EXTS.contains(&ext.as_str())
            && let Some(b) = project.tree.get(path)
        {
            files.insert(path.to_string(), b.to_vec());
        }
    }
    if !project.library {
        files.insert("app.json".into(), pretty(&project.app.value));
        // A third-party platform's per-merchant configuration, for `wx.getExtConfigSync()`.
        if let Some(ext) = project.tree.get("ext.json") {
            files.insert("ext.json".into(), ext.to_vec());
        }
    }
    let mut manifest = manifest(&project, opts, module_index, units);
    if let Some(theme) = theme {
        manifest["cove"]["theme"] = theme;
    }
    let bytes = finish_manifest(manifest.clone(), &files);
    files.insert("manifest.json".into(), bytes);
    stats.package = t.elapsed();

    let mut warnings = diags;
    warnings.0.retain(|d| !d.is_error());
    Ok(CompileOutput {
        files,
        manifest,
        warnings,
        stats,
    })
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_default();
    out.push(b'\n');
    out
}

/// A unit's JSON as the container reads it: component paths made absolute, scope added.
fn unit_config(
    unit: &project::Unit,
    scopes: &BTreeMap<String, String>,
    global_using: &BTreeMap<String, String>,
    global_missing: &BTreeMap<String, String>,
) -> Value {
    let mut config = unit
        .config
        .as_ref()
        .map(|c| c.value.clone())
        .unwrap_or_else(|| json!({}));
    // `app.json`'s own `usingComponents` reach every page and component, as in WeChat (a
    // unit's own declaration of the same tag wins; a component does not contain itself).
    let using: serde_json::Map<String, Value> = global_using
        .iter()
        .filter(|(k, v)| !unit.using.contains_key(*k) && **v != unit.base)
        .chain(&unit.using)
        .map(|(k, v)| (k.clone(), json!(format!("/{v}"))))
        .collect();
    config["usingComponents"] = Value::Object(using);
    if !unit.generics.is_empty() {
        let generics: serde_json::Map<String, Value> = unit
            .generics
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_ref()
                        .map_or(json!(true), |d| json!({ "default": format!("/{d}") })),
                )
            })
            .collect();
        config["componentGenerics"] = Value::Object(generics);
    }
    config["component"] = json!(unit.kind == UnitKind::Component);
    // Read by the container when a page using them opens (WeChat's run-time message): tag
    // to the path WeChat looked for. App-wide declarations count for every page.
    let mut missing: serde_json::Map<String, Value> = serde_json::Map::new();
    let resolved = |from: &str, spec: &str| {
        let path = if spec.starts_with('.') || spec.starts_with('/') {
            crate::source::resolve_from(from, spec).unwrap_or_else(|| spec.to_string())
        } else {
            spec.to_string()
        };
        json!(format!("/{}", path.trim_start_matches('/')))
    };
    if unit.kind == UnitKind::Page {
        for (tag, spec) in global_missing {
            if !unit.using.contains_key(tag) {
                missing.insert(tag.clone(), resolved("app.json", spec));
            }
        }
    }
    for (tag, spec) in &unit.missing {
        missing.insert(tag.clone(), resolved(&format!("{}.json", unit.base), spec));
    }
    if !missing.is_empty() {
        config["coveMissingComponents"] = Value::Object(missing);
    }
    if let Some(s) = scopes.get(&unit.base) {
        config["styleScope"] = json!(s);
    }
    if unit.wxss.is_some() {
        config["style"] = json!(format!("{}.css", unit.base));
    }
    config
}

fn manifest(
    project: &Project,
    opts: &CompileOptions,
    modules: serde_json::Map<String, Value>,
    units: serde_json::Map<String, Value>,
) -> Value {
    let pc = project.project_config.as_ref().map(|d| &d.value);
    let app_id = pc
        .and_then(|v| v.get("appid"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let name = pc
        .and_then(|v| v.get("projectname"))
        .and_then(Value::as_str)
        .map(|s| {
            urlencoding::decode(s)
                .map(|c| c.into_owned())
                .unwrap_or_else(|_| s.to_string())
        })
        .unwrap_or_else(|| app_id.to_string());
    let app = &project.app.value;
    json!({
        "format": FORMAT,
        "kind": if project.library { "library" } else { "app" },
        "app_id": app_id,
        "name": name,
        "short_name": name,
        "version": {
            "name": opts.version_name.clone().unwrap_or_else(|| "0.0.0".into()),
            "code": opts.version_code.unwrap_or(0),
        },
        "pages": project.pages,
        "window": w3c_window(app.get("window")),
        "cove": {
            "entry_page": project.entry_page,
            "tab_bar": app.get("tabBar"),
            "subpackages": project.subpackages.iter().map(|s| json!({
                "root": s.root, "name": s.name, "pages": s.pages, "independent": s.independent,
            })).collect::<Vec<_>>(),
            "app_style": project.app_style().map(|_| "app.css"),
            "templates": "wxml.js",
            "units": units,
            "modules": modules,
            "global_components": project.global_using.iter().map(|(k, v)| (k.clone(), json!(format!("/{v}")))).collect::<serde_json::Map<_, _>>(),
        },
    })
}

/// Tags built into one of WeChat's other renderers: Skyline's gesture handlers and
/// `selection`/`open-data-*` (WeChat accepts them in WebView pages too, where they wrap their
/// children), and under `"renderer": "xr-frame"` the `xr-*` elements of the XR engine.
fn renderer_builtin(renderer: &str, tag: &str) -> bool {
    const SKYLINE: &[&str] = &[
        "tap-gesture-handler",
        "double-tap-gesture-handler",
        "scale-gesture-handler",
        "force-press-gesture-handler",
        "pan-gesture-handler",
        "vertical-drag-gesture-handler",
        "horizontal-drag-gesture-handler",
        "long-press-gesture-handler",
        "selection",
        "open-data-list",
        "open-data-item",
    ];
    SKYLINE.contains(&tag) || (renderer == "xr-frame" && tag.starts_with("xr-"))
}

/// Tags a unit renders that nobody declared, and components declared but never used.
fn check_tags(project: &Project, out: &WxmlOutput, diags: &mut Diagnostics) {
    let mut reported: BTreeSet<(String, String)> = BTreeSet::new();
    for unit in project.units.values() {
        if unit.wxml.is_none() {
            continue;
        }
        // The unit's own template and everything it includes or imports.
        let mut keys = vec![unit.base.clone()];
        let mut seen = BTreeSet::new();
        while let Some(k) = keys.pop() {
            if !seen.insert(k.clone()) {
                continue;
            }
            if let Some(info) = out.templates.get(&k) {
                keys.extend(info.imports.iter().chain(&info.includes).cloned());
            }
        }
        let renderer = unit
            .config
            .as_ref()
            .and_then(|c| c.get("/renderer"))
            .and_then(Value::as_str)
            .unwrap_or("webview");
        let declared = |tag: &str| {
            BUILTIN_TAGS.contains(&tag)
                || renderer_builtin(renderer, tag)
                || unit.using.contains_key(tag)
                || project.global_using.contains_key(tag)
                || unit.generics.contains_key(tag)
                || unit.missing.contains_key(tag)
                || project.global_missing.contains_key(tag)
        };
        let mut used = BTreeSet::new();
        for k in &seen {
            let Some(info) = out.templates.get(k) else {
                continue;
            };
            for (tag, &offset) in &info.tags {
                used.insert(tag.clone());
                // Templates defined in shared files may be rendered by units that declare the tag.
                if !declared(tag)
                    && k == &unit.base
                    && reported.insert((info.file.clone(), tag.clone()))
                {
                    let text = project.tree.text(&info.file).ok();
                    diags.push(
                        Diagnostic::warning("unknown-tag", format!("`<{tag}>` is neither a built-in component nor in `usingComponents`"))
                            .in_file(&info.file, text)
                            .at(offset, offset + tag.len())
                            .help("declare it in the page's or component's `usingComponents`, or in `app.json`"),
                    );
                }
            }
        }
        if let Some(cfg) = &unit.config {
            for tag in unit.using.keys() {
                if !used.contains(tag) {
                    diags.push(cfg.diag(
                        Diagnostic::warning(
                            "unused-component",
                            format!(
                                "component `{tag}` is declared but never used in `{}`",
                                unit.wxml.as_deref().unwrap_or("")
                            ),
                        ),
                        &format!("/usingComponents/{}", ptr_seg(tag)),
                    ));
                }
            }
        }
    }
}
