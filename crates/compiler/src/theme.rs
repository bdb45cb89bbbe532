//! DarkMode: `app.json`'s `themeLocation` names a JSON file of variables for each theme
//! (`{"light": {"navBgColor": "#fff"}, "dark": {...}}`), and the window and tabBar fields that
//! WeChat lets vary by theme may say `@navBgColor` instead of a value.
//!
//! The compiler checks every reference against both themes and records the theme in the
//! manifest (`cove.theme`); the configs keep their `@` references, and the view resolves them
//! for the theme in force (`docs/view.md`), so a theme switch needs no new build.
//!
//! WeChat DevTools' rules (its compiler, npm `miniprogram-ci`): the fields below may hold
//! `@name`, with or without `darkmode`; a `themeLocation` file that does not exist, or that
//! holds anything but `light`/`dark` objects of strings, stops the build. DevTools also
//! refuses a reference no theme defines; Cove only warns (`unknown-theme-variable`), and the
//! field then takes its default.

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::json::{JsonDoc, ptr_seg};
use crate::project::{Project, UnitKind};
use crate::source::normalize;

/// Window fields (app.json `window` and page JSON) that may name a theme variable.
pub const WINDOW_FIELDS: &[&str] = &[
    "navigationBarBackgroundColor",
    "navigationBarTextStyle",
    "backgroundColor",
    "backgroundTextStyle",
    "backgroundColorTop",
    "backgroundColorBottom",
    "backgroundColorContent",
];
/// `tabBar` fields that may name a theme variable.
pub const TAB_BAR_FIELDS: &[&str] = &["color", "selectedColor", "backgroundColor", "borderStyle"];
/// `tabBar.list[i]` fields that may name a theme variable.
pub const TAB_ITEM_FIELDS: &[&str] = &["iconPath", "selectedIconPath"];

const THEMES: [&str; 2] = ["light", "dark"];

/// Read the theme file and check every `@` reference. Returns the manifest's `cove.theme`
/// (`{light: {...}, dark: {...}}`) when `app.json` names a theme file that could be read.
pub fn check(project: &Project, diags: &mut Diagnostics) -> Option<Value> {
    if project.library {
        return None;
    }
    let theme = load(project, diags);
    for r in &references(project) {
        let missing: Vec<&str> = match &theme {
            None => vec![],
            Some(t) => THEMES
                .iter()
                .copied()
                .filter(|name| t.get(*name).and_then(|m| m.get(&r.name)).is_none())
                .collect(),
        };
        let message = match (&theme, missing.as_slice()) {
            (None, _) => format!(
                "`@{}` names a theme variable, but `app.json` has no usable `themeLocation`",
                r.name
            ),
            (Some(_), []) => continue,
            (Some(_), [one]) => format!(
                "theme variable `@{}` is not defined in the `{one}` theme",
                r.name
            ),
            (Some(_), _) => format!("theme variable `@{}` is not defined", r.name),
        };
        let mut d = r.doc.diag(
            Diagnostic::warning("unknown-theme-variable", message),
            &r.pointer,
        );
        if theme.is_some() {
            d = d.help(format!(
                "define `{}` under `light` and `dark` in the theme file",
                r.name
            ));
        }
        diags.push(d);
    }
    theme
}

/// `themeLocation`'s file as `{light, dark}`, with problems reported.
fn load(project: &Project, diags: &mut Diagnostics) -> Option<Value> {
    let app = &project.app;
    let location = app.get("/themeLocation")?;
    let Some(location) = location.as_str() else {
        diags.push(app.diag(
            Diagnostic::error("bad-app-json", "`themeLocation` must be a path string"),
            "/themeLocation",
        ));
        return None;
    };
    let path = match normalize(location) {
        Some(p) if project.tree.contains(&p) => p,
        _ => {
            // WeChat DevTools refuses to compile (as for `sitemapLocation`).
            diags.push(
                app.diag(
                    Diagnostic::error(
                        "missing-file",
                        format!("`themeLocation` file `{location}` not found"),
                    ),
                    "/themeLocation",
                )
                .help("the path is relative to the mini-program root, e.g. `theme.json`"),
            );
            return None;
        }
    };
    let doc = match project
        .tree
        .text(&path)
        .and_then(|t| JsonDoc::parse(&path, t))
    {
        Ok(d) => d,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let bad = |message: String, pointer: &str| {
        doc.diag(Diagnostic::error("bad-theme", message), pointer)
            .help("a theme file holds `{\"light\": {\"name\": \"value\"}, \"dark\": {...}}`")
    };
    let Some(top) = doc.value.as_object() else {
        diags.push(bad("a theme file must hold a JSON object".into(), ""));
        return None;
    };
    for k in top.keys().filter(|k| !THEMES.contains(&k.as_str())) {
        diags.push(bad(
            format!("`{k}` is not a theme; only `light` and `dark` are"),
            &format!("/{}", ptr_seg(k)),
        ));
    }
    let mut out = Map::new();
    for name in THEMES {
        let pointer = format!("/{name}");
        // A theme left out defines nothing: its references are reported where they are.
        let vars = match doc.get(&pointer) {
            None => Map::new(),
            Some(Value::Object(vars)) => {
                for (k, v) in vars.iter().filter(|(_, v)| !v.is_string()) {
                    diags.push(bad(
                        format!("theme variable `{k}` must be a string, not `{v}`"),
                        &format!("{pointer}/{}", ptr_seg(k)),
                    ));
                }
                vars.clone()
            }
            Some(_) => {
                diags.push(bad(format!("`{name}` must be an object"), &pointer));
                Map::new()
            }
        };
        out.insert(name.to_string(), Value::Object(vars));
    }
    Some(Value::Object(out))
}

/// One `@name` in a config.
struct Reference<'a> {
    doc: &'a JsonDoc,
    pointer: String,
    name: String,
}

/// Every `@` reference in the fields WeChat resolves: app.json's `window` and `tabBar`, and
/// each page's JSON.
fn references(project: &Project) -> Vec<Reference<'_>> {
    let mut out = vec![];
    let app = &project.app;
    for f in WINDOW_FIELDS {
        push_ref(&mut out, app, format!("/window/{f}"));
    }
    for f in TAB_BAR_FIELDS {
        push_ref(&mut out, app, format!("/tabBar/{f}"));
    }
    let items = app
        .get("/tabBar/list")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    for i in 0..items {
        for f in TAB_ITEM_FIELDS {
            push_ref(&mut out, app, format!("/tabBar/list/{i}/{f}"));
        }
    }
    for unit in project.units.values() {
        if unit.kind != UnitKind::Page {
            continue;
        }
        if let Some(doc) = &unit.config {
            for f in WINDOW_FIELDS {
                push_ref(&mut out, doc, format!("/{f}"));
            }
        }
    }
    out
}

fn push_ref<'a>(out: &mut Vec<Reference<'a>>, doc: &'a JsonDoc, pointer: String) {
    if let Some(name) = doc
        .get(&pointer)
        .and_then(Value::as_str)
        .and_then(|s| s.strip_prefix('@'))
    {
        out.push(Reference {
            doc,
            name: name.to_string(),
            pointer,
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::{CompileOptions, SourceTree, compile};

    fn tree(files: &[(&str, &str)]) -> SourceTree {
        SourceTree::from_files(files.iter().map(|(p, t)| (*p, t.as_bytes().to_vec())))
    }

    const PAGE: [(&str, &str); 3] = [
        ("app.js", "App({})"),
        ("pages/a/a.wxml", "<view/>"),
        ("pages/a/a.js", "Page({})"),
    ];

    fn app(app_json: &str, theme: Option<&str>, page_json: Option<&str>) -> SourceTree {
        let mut files: Vec<(&str, &str)> = PAGE.to_vec();
        files.push(("app.json", app_json));
        if let Some(t) = theme {
            files.push(("theme.json", t));
        }
        if let Some(p) = page_json {
            files.push(("pages/a/a.json", p));
        }
        tree(&files)
    }

    const THEME: &str = r##"{
  "light": {"navBg": "#ffffff", "navText": "black", "icon": "a.png"},
  "dark": {"navBg": "#191919", "navText": "white", "icon": "a-dark.png"}
}"##;

    #[test]
    fn theme_goes_to_the_manifest_and_configs_keep_references() {
        let t = app(
            r#"{"pages": ["pages/a/a"], "darkmode": true, "themeLocation": "theme.json",
  "window": {"navigationBarBackgroundColor": "@navBg", "navigationBarTextStyle": "@navText"}}"#,
            Some(THEME),
            Some(r#"{"backgroundColor": "@navBg"}"#),
        );
        let out = compile(&t, &CompileOptions::default()).unwrap();
        assert!(out.warnings.0.is_empty(), "{}", out.warnings);
        assert_eq!(
            out.manifest["cove"]["theme"],
            serde_json::json!({
                "light": {"navBg": "#ffffff", "navText": "black", "icon": "a.png"},
                "dark": {"navBg": "#191919", "navText": "white", "icon": "a-dark.png"},
            })
        );
        let app_json: serde_json::Value = serde_json::from_slice(&out.files["app.json"]).unwrap();
        assert_eq!(app_json["window"]["navigationBarBackgroundColor"], "@navBg");
        let page: serde_json::Value = serde_json::from_slice(&out.files["pages/a/a.json"]).unwrap();
        assert_eq!(page["backgroundColor"], "@navBg");
    }

    #[test]
    fn unknown_variables_warn_at_the_reference() {
        let t = app(
            r#"{
  "pages": ["pages/a/a"],
  "darkmode": true,
  "themeLocation": "theme.json",
  "window": {"navigationBarBackgroundColor": "@nope"},
  "tabBar": {"color": "@navText", "list": [
    {"pagePath": "pages/a/a", "text": "A", "iconPath": "@icon", "selectedIconPath": "@iconOn"},
    {"pagePath": "pages/a/a", "text": "B"}
  ]}
}"#,
            Some(
                r##"{"light": {"navText": "black", "iconOn": "x.png"}, "dark": {"navText": "white"}}"##,
            ),
            Some("{\n  \"navigationBarTextStyle\": \"@missing\"\n}"),
        );
        let out = compile(&t, &CompileOptions::default()).unwrap();
        let got: Vec<String> = out
            .warnings
            .0
            .iter()
            .filter(|d| d.code == "unknown-theme-variable")
            .map(|d| format!("{}: {}", d.location(), d.message))
            .collect();
        assert_eq!(
            got,
            [
                "app.json:5:46: theme variable `@nope` is not defined",
                "app.json:7:56: theme variable `@icon` is not defined",
                "app.json:7:85: theme variable `@iconOn` is not defined in the `dark` theme",
                "pages/a/a.json:2:29: theme variable `@missing` is not defined",
            ]
        );
        assert!(out.warnings.0.iter().all(|d| !d.is_error()));
    }

    #[test]
    fn references_without_a_theme_file_warn() {
        let t = app(
            r#"{"pages": ["pages/a/a"], "window": {"navigationBarBackgroundColor": "@navBg"}}"#,
            None,
            None,
        );
        let out = compile(&t, &CompileOptions::default()).unwrap();
        let got: Vec<String> = out.warnings.0.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            got,
            [
                "app.json:1:69: warning[unknown-theme-variable]: `@navBg` names a theme variable, but `app.json` has no usable `themeLocation`"
            ]
        );
        assert!(out.manifest["cove"].get("theme").is_none());
    }

    #[test]
    fn without_darkmode_the_theme_is_still_checked_and_recorded() {
        // As DevTools: variables resolve with or without `darkmode` (the app then runs light).
        let t = app(
            r#"{"pages": ["pages/a/a"], "themeLocation": "theme.json",
  "window": {"navigationBarBackgroundColor": "@navBg"}}"#,
            Some(THEME),
            None,
        );
        let out = compile(&t, &CompileOptions::default()).unwrap();
        assert!(out.warnings.0.is_empty(), "{}", out.warnings);
        assert_eq!(out.manifest["cove"]["theme"]["light"]["navBg"], "#ffffff");
    }

    #[test]
    fn a_missing_or_malformed_theme_file_is_an_error() {
        let t = app(
            r#"{"pages": ["pages/a/a"], "darkmode": true, "themeLocation": "nope.json"}"#,
            None,
            None,
        );
        let errs = compile(&t, &CompileOptions::default()).unwrap_err();
        let d = errs.errors().next().unwrap();
        assert_eq!(d.code, "missing-file");
        assert_eq!(d.location(), "app.json:1:61");

        let t = app(
            r#"{"pages": ["pages/a/a"], "darkmode": true, "themeLocation": "theme.json"}"#,
            Some(r##"{"light": {"a": "#fff", "b": 1}, "dark": [], "sepia": {}}"##),
            None,
        );
        let errs = compile(&t, &CompileOptions::default()).unwrap_err();
        let got: Vec<String> = errs
            .errors()
            .map(|d| format!("{}: {}", d.location(), d.message))
            .collect();
        assert_eq!(
            got,
            [
                "theme.json:1:30: theme variable `b` must be a string, not `1`",
                "theme.json:1:42: `dark` must be an object",
                "theme.json:1:55: `sepia` is not a theme; only `light` and `dark` are",
            ]
        );
    }
}
