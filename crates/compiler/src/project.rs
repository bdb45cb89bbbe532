//! The project model: `project.config.json`, `app.json`, pages, subpackages and the
//! custom components every page and component pulls in through `usingComponents`.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;

use serde_json::Value;

use crate::alias::Aliases;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::json::{JsonDoc, ptr_seg};
use crate::plugins::Plugins;
use crate::source::{SourceTree, candidate_paths, normalize};

/// File kinds, each with WeChat's extension first and FinClip's alias second.
pub const WXML_EXTS: &[&str] = &["wxml", "fxml"];
pub const WXSS_EXTS: &[&str] = &["wxss", "ftss"];
pub const WXS_EXTS: &[&str] = &["wxs", "fts"];
/// Scripts without the TypeScript plugin (see [`Plugins::script_exts`]).
pub const JS_EXTS: &[&str] = &["js", "ts"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum UnitKind {
    Page,
    Component,
}

/// A page or a custom component: the files that share one base path.
#[derive(Debug, Clone)]
pub struct Unit {
    pub kind: UnitKind,
    pub base: String,
    /// The subpackage root this unit lives in, if any.
    pub package: Option<String>,
    pub config: Option<JsonDoc>,
    pub wxml: Option<String>,
    pub wxss: Option<String>,
    pub js: Option<String>,
    /// Tag name to the resolved component base path (own declarations only).
    pub using: BTreeMap<String, String>,
    /// Generic name to its default component, if any.
    pub generics: BTreeMap<String, Option<String>>,
    /// Declared components that could not be found: tag to the path as written. WeChat
    /// builds such a page and logs "Component is not found in path" when it opens; the
    /// tag then renders as an unknown element.
    pub missing: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct SubPackage {
    pub root: String,
    pub name: Option<String>,
    pub pages: Vec<String>,
    pub independent: bool,
}

#[derive(Debug, Clone)]
pub struct Project {
    pub tree: SourceTree,
    pub project_config: Option<JsonDoc>,
    pub app: JsonDoc,
    /// Main-package pages, in `app.json` order.
    pub pages: Vec<String>,
    pub subpackages: Vec<SubPackage>,
    pub entry_page: String,
    /// Global `usingComponents` from `app.json`.
    pub global_using: BTreeMap<String, String>,
    /// Global `usingComponents` that could not be found (tag to the path as written).
    pub global_missing: BTreeMap<String, String>,
    /// Every page and component, by base path.
    pub units: BTreeMap<String, Unit>,
    /// Built from a component library folder without `app.json`.
    pub library: bool,
    /// DevTools' compiler plugins in force (TypeScript, LESS, Sass).
    pub plugins: Plugins,
    /// Script files of `app.json` `workers`: built, though `wx.createWorker` does not run them.
    pub workers: Vec<String>,
}

/// Find `base.<ext>` for the first extension that exists.
pub fn find_with_ext(tree: &SourceTree, base: &str, exts: &[&str]) -> Option<String> {
    exts.iter()
        .map(|e| format!("{base}.{e}"))
        .find(|p| tree.contains(p))
}

impl Project {
    /// A project with no pages or units: the whole tree as the mini-program root. Used to
    /// check single files the way `wcc`/`wcsc` compile them, one at a time.
    pub fn standalone(tree: SourceTree) -> Self {
        let app = JsonDoc::parse("app.json", Arc::from("{}")).expect("`{}` is JSON");
        Self {
            tree,
            project_config: None,
            app,
            pages: vec![],
            subpackages: vec![],
            entry_page: String::new(),
            global_using: BTreeMap::new(),
            global_missing: BTreeMap::new(),
            units: BTreeMap::new(),
            library: true,
            plugins: Plugins::default(),
            workers: vec![],
        }
    }

    /// The app's stylesheet (`app.wxss`, or `app.less`/`app.scss` with the plugin).
    pub fn app_style(&self) -> Option<String> {
        find_style(&self.tree, "app", self.plugins)
    }
}

/// The stylesheet of a page, component or the app: the plugin's language first. An empty
/// `.less`/`.scss` beside a `.wxss` is a placeholder (WeChat's official demo has several next
/// to the real `.wxss`), so the `.wxss` is used.
pub fn find_style(tree: &SourceTree, base: &str, plugins: Plugins) -> Option<String> {
    let found = find_with_ext(tree, base, plugins.style_exts())?;
    let empty = tree
        .get(&found)
        .is_some_and(|b| b.iter().all(u8::is_ascii_whitespace));
    if empty && !found.ends_with(".wxss") && !found.ends_with(".ftss") {
        return find_with_ext(tree, base, WXSS_EXTS).or(Some(found));
    }
    Some(found)
}

/// Load and check the project. Problems go to `diags`; `None` means nothing usable was found.
pub fn load(full: &SourceTree, diags: &mut Diagnostics) -> Option<Project> {
    let mut project_config = None;
    let mut tree = full.clone();
    if full.contains("project.config.json") {
        match full
            .text("project.config.json")
            .and_then(|t| JsonDoc::parse("project.config.json", t))
        {
            Ok(doc) => {
                if let Some(root) = doc.get("/miniprogramRoot").and_then(Value::as_str) {
                    match normalize(root) {
                        Some(r) if !r.is_empty() => tree = full.subtree(&r),
                        Some(_) => {}
                        None => diags.push(doc.diag(
                            Diagnostic::error(
                                "bad-miniprogram-root",
                                "`miniprogramRoot` points outside the project",
                            ),
                            "/miniprogramRoot",
                        )),
                    }
                }
                project_config = Some(doc);
            }
            Err(d) => diags.push(d),
        }
    }

    let plugins = Plugins::from_project_config(project_config.as_ref().map(|d| &d.value));
    if !tree.contains("app.json") {
        return load_library(tree, project_config, plugins, diags);
    }
    let app = match tree
        .text("app.json")
        .and_then(|t| JsonDoc::parse("app.json", t))
    {
        Ok(a) => a,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    if !app.value.is_object() {
        diags.push(app.diag(
            Diagnostic::error("bad-app-json", "`app.json` must hold a JSON object"),
            "",
        ));
        return None;
    }

    tree.aliases = aliases(&app, diags);
    extended_libs(&app, &mut tree, diags);
    let workers = workers(&app, &tree, plugins, diags);

    let mut loader = Loader {
        tree: &tree,
        diags,
        units: BTreeMap::new(),
        queue: VecDeque::new(),
        plugins,
    };
    let pages = loader.page_list(&app, "/pages", "");
    if pages.is_empty() && app.get("/pages").is_some() {
        loader.diags.push(app.diag(
            Diagnostic::error("no-pages", "`pages` must list at least one page"),
            "/pages",
        ));
    } else if app.get("/pages").is_none() {
        loader.diags.push(app.diag(
            Diagnostic::error("no-pages", "`app.json` has no `pages` list"),
            "",
        ));
    }
    let subpackages = loader.subpackages(&app);
    let mut seen = BTreeSet::new();
    for (i, p) in pages.iter().enumerate() {
        if !seen.insert(p.clone()) {
            loader.diags.push(app.diag(
                Diagnostic::warning(
                    "duplicate-page",
                    format!("page `{p}` is listed more than once"),
                ),
                &format!("/pages/{i}"),
            ));
        }
    }
    let global_using = loader.using_components(&app, "app.json", None);
    for (i, p) in pages.iter().enumerate() {
        loader.add_page(&app, &format!("/pages/{i}"), p, None);
    }
    for (si, sp) in subpackages.iter().enumerate() {
        let key = if app.get("/subPackages").is_some() {
            "subPackages"
        } else {
            "subpackages"
        };
        for (pi, p) in sp.pages.iter().enumerate() {
            loader.add_page(
                &app,
                &format!("/{key}/{si}/pages/{pi}"),
                p,
                Some(sp.root.clone()),
            );
        }
    }
    for (tag, base) in &global_using.0 {
        loader.enqueue_component(
            base,
            &app,
            &format!("/usingComponents/{}", ptr_seg(tag)),
            None,
        );
    }
    // `tabBar.custom`: WeChat renders the component at `custom-tab-bar/index` on tab pages.
    if app.get("/tabBar/custom").and_then(Value::as_bool) == Some(true) {
        match component_base(&tree, "custom-tab-bar", plugins) {
            Some(base) => loader.enqueue_component(&base, &app, "/tabBar/custom", None),
            None => loader.diags.push(app.diag(
                Diagnostic::warning(
                    "missing-component",
                    "`tabBar.custom` is set but there is no `custom-tab-bar/index` component",
                ),
                "/tabBar/custom",
            )),
        }
    }
    loader.drain();

    let entry_page = match app.get("/entryPagePath").and_then(Value::as_str) {
        Some(e) => {
            let e = e.trim_start_matches('/').to_string();
            let all: BTreeSet<&str> = pages
                .iter()
                .chain(subpackages.iter().flat_map(|s| &s.pages))
                .map(String::as_str)
                .collect();
            if !all.contains(e.as_str()) {
                loader.diags.push(app.diag(
                    Diagnostic::error(
                        "bad-entry-page",
                        format!("`entryPagePath` `{e}` is not one of the pages"),
                    ),
                    "/entryPagePath",
                ));
            }
            e
        }
        None => pages.first().cloned().unwrap_or_default(),
    };
    check_tab_bar(&app, &pages, loader.diags);
    if let Some(sitemap) = app.get("/sitemapLocation").and_then(Value::as_str) {
        match normalize(sitemap) {
            Some(p) if tree.contains(&p) => {}
            // DevTools only warns: the sitemap matters to WeChat's search, never to the app.
            _ => loader.diags.push(app.diag(
                Diagnostic::warning(
                    "missing-file",
                    format!("`sitemapLocation` file `{sitemap}` not found"),
                ),
                "/sitemapLocation",
            )),
        }
    }
    let units = loader.units;
    Some(Project {
        tree,
        project_config,
        app,
        pages,
        subpackages,
        entry_page,
        global_using: global_using.0,
        global_missing: global_using.1,
        units,
        library: false,
        plugins,
        workers,
    })
}

/// No `app.json`: a component library (such as an npm package's `miniprogram_dist`).
/// Every JSON with `"component": true` is compiled, with what it uses.
fn load_library(
    tree: SourceTree,
    project_config: Option<JsonDoc>,
    plugins: Plugins,
    diags: &mut Diagnostics,
) -> Option<Project> {
    let components: Vec<String> = tree
        .paths()
        .filter_map(|p| p.strip_suffix(".json"))
        .filter(|base| {
            tree.get(&format!("{base}.json"))
                .and_then(|b| {
                    serde_json::from_slice::<Value>(b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b))
                        .ok()
                })
                .is_some_and(|v| v.get("component").and_then(Value::as_bool) == Some(true))
        })
        .map(str::to_string)
        .collect();
    if components.is_empty() {
        diags.push(
            Diagnostic::error("missing-app-json", "no `app.json` found in the mini-program root, and no component to build as a library")
                .help("point `cove build` at the folder holding `project.config.json` or `app.json`"),
        );
        return None;
    }
    let app = JsonDoc::parse("app.json", Arc::from("{}")).ok()?;
    let mut loader = Loader {
        tree: &tree,
        diags,
        units: BTreeMap::new(),
        queue: VecDeque::new(),
        plugins,
    };
    for base in &components {
        loader.enqueue_component(base, &app, "", None);
    }
    loader.drain();
    let units = loader.units;
    Some(Project {
        tree,
        project_config,
        app,
        pages: vec![],
        subpackages: vec![],
        entry_page: String::new(),
        global_using: BTreeMap::new(),
        global_missing: BTreeMap::new(),
        units,
        library: true,
        plugins,
        workers: vec![],
    })
}

struct Loader<'a> {
    tree: &'a SourceTree,
    diags: &'a mut Diagnostics,
    units: BTreeMap<String, Unit>,
    /// Components still to load: base, the JSON doc and pointer that named it, and the package using it.
    queue: VecDeque<(String, JsonDoc, String, Option<String>)>,
    plugins: Plugins,
}

impl Loader<'_> {
    fn page_list(&mut self, doc: &JsonDoc, pointer: &str, root: &str) -> Vec<String> {
        let Some(v) = doc.get(pointer) else {
            return vec![];
        };
        let Some(arr) = v.as_array() else {
            self.diags.push(doc.diag(
                Diagnostic::error("bad-app-json", "expected an array of page paths"),
                pointer,
            ));
            return vec![];
        };
        let mut out = vec![];
        for (i, p) in arr.iter().enumerate() {
            match p.as_str().and_then(|s| normalize(&format!("{root}/{s}"))) {
                Some(s) if !s.is_empty() => out.push(s),
                _ => self.diags.push(doc.diag(
                    Diagnostic::error(
                        "bad-app-json",
                        "a page must be a path string such as `pages/index/index`",
                    ),
                    &format!("{pointer}/{i}"),
                )),
            }
        }
        out
    }

    fn subpackages(&mut self, app: &JsonDoc) -> Vec<SubPackage> {
        let key = if app.get("/subPackages").is_some() {
            "/subPackages"
        } else {
            "/subpackages"
        };
        let Some(list) = app.get(key).and_then(Value::as_array).cloned() else {
            return vec![];
        };
        let mut out: Vec<SubPackage> = vec![];
        for (i, sp) in list.iter().enumerate() {
            let ptr = format!("{key}/{i}");
            let Some(root) = sp
                .get("root")
                .and_then(Value::as_str)
                .and_then(normalize)
                .filter(|r| !r.is_empty())
            else {
                self.diags.push(app.diag(
                    Diagnostic::error("bad-subpackage", "a subpackage needs a `root` folder"),
                    &ptr,
                ));
                continue;
            };
            if out.iter().any(|o| o.root == root) {
                self.diags.push(app.diag(
                    Diagnostic::error(
                        "bad-subpackage",
                        format!("subpackage root `{root}` is declared twice"),
                    ),
                    &format!("{ptr}/root"),
                ));
                continue;
            }
            let pages = self.page_list(app, &format!("{ptr}/pages"), &root);
            out.push(SubPackage {
                root,
                name: sp.get("name").and_then(Value::as_str).map(str::to_string),
                pages,
                independent: sp
                    .get("independent")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            });
        }
        out
    }

    fn add_page(&mut self, app: &JsonDoc, pointer: &str, base: &str, package: Option<String>) {
        if self.units.contains_key(base) {
            return;
        }
        let wxml = find_with_ext(self.tree, base, WXML_EXTS);
        let js = find_with_ext(self.tree, base, self.plugins.script_exts());
        if wxml.is_none() && js.is_none() {
            self.diags.push(
                app.diag(
                    Diagnostic::error(
                        "missing-page",
                        format!(
                            "page `{base}` not found: there is no `{base}.wxml` or `{base}.js`"
                        ),
                    )
                    .label("listed here"),
                    pointer,
                ),
            );
            return;
        }
        // WeChat builds such a page and fails only when it opens (no template renders
        // nothing; no script means `Page()` was never called), so this is a warning.
        for (file, ext) in [(&wxml, "wxml"), (&js, "js")] {
            if file.is_none() {
                self.diags.push(app.diag(
                    Diagnostic::warning(
                        "missing-page-file",
                        format!("page `{base}` has no `{base}.{ext}`"),
                    ),
                    pointer,
                ));
            }
        }
        self.add_unit(UnitKind::Page, base, package, wxml, js);
    }

    fn add_unit(
        &mut self,
        kind: UnitKind,
        base: &str,
        package: Option<String>,
        wxml: Option<String>,
        js: Option<String>,
    ) {
        let json_path = format!("{base}.json");
        let config = if self.tree.contains(&json_path) {
            match self
                .tree
                .text(&json_path)
                .and_then(|t| JsonDoc::parse(&json_path, t))
            {
                Ok(d) if d.value.is_object() => Some(d),
                Ok(d) => {
                    self.diags
                        .push(d.diag(Diagnostic::error("bad-json", "expected a JSON object"), ""));
                    None
                }
                Err(d) => {
                    self.diags.push(d);
                    None
                }
            }
        } else {
            None
        };
        let mut unit = Unit {
            kind,
            base: base.to_string(),
            package: package.clone(),
            config: config.clone(),
            wxml,
            wxss: find_style(self.tree, base, self.plugins),
            js,
            using: BTreeMap::new(),
            generics: BTreeMap::new(),
            missing: BTreeMap::new(),
        };
        if let Some(doc) = &config {
            let Using(using, missing) = self.using_components(doc, &json_path, package.as_deref());
            (unit.using, unit.missing) = (using, missing);
            for (tag, target) in &unit.using {
                self.enqueue_component(
                    target,
                    doc,
                    &format!("/usingComponents/{}", ptr_seg(tag)),
                    package.clone(),
                );
            }
            unit.generics = self.generics(doc, &json_path, package.clone());
            // WeChat still runs a component whose JSON lacks the flag (its JS calls
            // `Component()`), so this is only a warning.
            if kind == UnitKind::Component
                && doc.get("/component").and_then(Value::as_bool) != Some(true)
            {
                self.diags.push(doc.diag(
                    Diagnostic::warning("not-a-component", format!("`{base}` is used as a component but its JSON lacks `\"component\": true`")),
                    "",
                ));
            }
        } else if kind == UnitKind::Component {
            self.diags.push(
                Diagnostic::warning(
                    "not-a-component",
                    format!("component `{base}` has no `{json_path}` with `\"component\": true`"),
                )
                .in_file(&json_path, None),
            );
        }
        self.units.insert(base.to_string(), unit);
    }

    fn generics(
        &mut self,
        doc: &JsonDoc,
        from: &str,
        package: Option<String>,
    ) -> BTreeMap<String, Option<String>> {
        let mut out = BTreeMap::new();
        let Some(map) = doc
            .get("/componentGenerics")
            .and_then(Value::as_object)
            .cloned()
        else {
            return out;
        };
        for (name, v) in map {
            let ptr = format!("/componentGenerics/{}/default", ptr_seg(&name));
            let default = v.get("default").and_then(Value::as_str).and_then(|spec| {
                match resolve_component(self.tree, from, spec, self.plugins) {
                    Ok(base) => {
                        self.enqueue_component(&base, doc, &ptr, package.clone());
                        Some(base)
                    }
                    Err(msg) => {
                        self.diags
                            .push(doc.diag(Diagnostic::warning("missing-component", msg), &ptr));
                        None
                    }
                }
            });
            out.insert(name, default);
        }
        out
    }

    /// The components a JSON file declares: those found (tag to base path), and those not
    /// found (tag to the path as written), each of the latter reported as a warning.
    fn using_components(&mut self, doc: &JsonDoc, from: &str, _package: Option<&str>) -> Using {
        let mut out = BTreeMap::new();
        let mut missing = BTreeMap::new();
        let Some(v) = doc.get("/usingComponents") else {
            return Using(out, missing);
        };
        let Some(map) = v.as_object() else {
            self.diags.push(doc.diag(
                Diagnostic::error(
                    "bad-json",
                    "`usingComponents` must be an object of tag name to path",
                ),
                "/usingComponents",
            ));
            return Using(out, missing);
        };
        for (tag, spec) in map {
            let ptr = format!("/usingComponents/{}", ptr_seg(tag));
            if !is_valid_tag(tag) {
                self.diags.push(
                    doc.diag(
                        Diagnostic::error(
                            "bad-component-tag",
                            format!("`{tag}` is not a valid component tag name"),
                        )
                        .help("use lowercase letters, digits, `-` and `_`, starting with a letter"),
                        &ptr,
                    ),
                );
                continue;
            }
            let Some(spec) = spec.as_str() else {
                self.diags.push(doc.diag(
                    Diagnostic::error("bad-json", "a component path must be a string"),
                    &ptr,
                ));
                continue;
            };
            match resolve_component(self.tree, from, spec, self.plugins) {
                Ok(base) => {
                    out.insert(tag.clone(), base);
                }
                Err(msg) => {
                    let plugin = spec.starts_with("plugin://");
                    self.diags.push(doc.diag(
                        Diagnostic::warning(
                            if plugin {
                                "plugin-unsupported"
                            } else {
                                "missing-component"
                            },
                            msg,
                        )
                        .help(if plugin {
                            "pages that use it still open; the tag renders as an unknown element"
                        } else {
                            "WeChat logs \"Component is not found in path\" when a page using it opens, and renders the tag as an unknown element; Cove does the same"
                        }),
                        &ptr,
                    ));
                    missing.insert(tag.clone(), spec.to_string());
                }
            }
        }
        Using(out, missing)
    }

    fn enqueue_component(
        &mut self,
        base: &str,
        doc: &JsonDoc,
        pointer: &str,
        package: Option<String>,
    ) {
        self.queue
            .push_back((base.to_string(), doc.clone(), pointer.to_string(), package));
    }

    fn drain(&mut self) {
        while let Some((base, doc, pointer, user_pkg)) = self.queue.pop_front() {
            let home = self.package_of(&base);
            // `componentPlaceholder` lets a page use a component of another subpackage: WeChat
            // shows the placeholder until that subpackage loads.
            let placeholder = doc
                .get(&pointer.replacen("/usingComponents/", "/componentPlaceholder/", 1))
                .is_some();
            if let Some(home) = &home
                && user_pkg.as_deref() != Some(home.as_str())
                && !placeholder
            {
                self.diags.push(doc.diag(
                    Diagnostic::error(
                        "cross-package-component",
                        format!("component `{base}` lives in subpackage `{home}` and cannot be used from {}", match &user_pkg {
                            Some(p) => format!("subpackage `{p}`"),
                            None => "the main package".to_string(),
                        }),
                    ),
                    &pointer,
                ));
            }
            if self.units.contains_key(&base) {
                continue;
            }
            let wxml = find_with_ext(self.tree, &base, WXML_EXTS);
            let js = find_with_ext(self.tree, &base, self.plugins.script_exts());
            // WeChat builds these; the component renders nothing or fails when created.
            if wxml.is_none() {
                self.diags.push(doc.diag(
                    Diagnostic::warning(
                        "missing-component-file",
                        format!("component `{base}` has no `{base}.wxml`"),
                    ),
                    &pointer,
                ));
            }
            if js.is_none() {
                self.diags.push(doc.diag(
                    Diagnostic::warning(
                        "missing-component-file",
                        format!("component `{base}` has no `{base}.js`"),
                    ),
                    &pointer,
                ));
            }
            self.add_unit(UnitKind::Component, &base, home, wxml, js);
        }
    }

    fn package_of(&self, path: &str) -> Option<String> {
        // Subpackage roots are known from the pages' packages.
        self.units
            .values()
            .filter_map(|u| u.package.as_ref())
            .find(|root| path.starts_with(&format!("{root}/")))
            .cloned()
    }
}

/// Resolve a `usingComponents` path the way WeChat DevTools does: absolute from the root,
/// relative to the JSON file, then through `miniprogram_npm` folders up to the root.
pub fn resolve_component(
    tree: &SourceTree,
    from: &str,
    spec: &str,
    plugins: Plugins,
) -> Result<String, String> {
    if spec.starts_with("plugin://") || spec.starts_with("plugin-private://") {
        return Err(format!(
            "`{spec}`: plugin components are not supported by Cove"
        ));
    }
    let spec_clean = spec
        .trim_end_matches(".json")
        .trim_end_matches(".js")
        .trim_end_matches(".ts")
        .trim_end_matches(".wxml");
    let mut candidates = candidate_paths(tree, from, spec_clean);
    if !spec_clean.starts_with('/') && !spec_clean.starts_with('.') {
        // Also from the root, as DevTools accepts `components/x/x` written without a slash.
        candidates.extend(normalize(spec_clean));
    }
    for c in &candidates {
        if let Some(found) = component_base(tree, c, plugins) {
            return Ok(found);
        }
    }
    Err(format!(
        "component `{spec}` not found (looked for {})",
        candidates
            .iter()
            .map(|c| format!("`{c}.json`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn component_base(tree: &SourceTree, base: &str, plugins: Plugins) -> Option<String> {
    let has = |b: &str| {
        tree.contains(&format!("{b}.json"))
            || find_with_ext(tree, b, WXML_EXTS).is_some()
            || find_with_ext(tree, b, plugins.script_exts()).is_some()
    };
    if !base.is_empty() && has(base) {
        return Some(base.to_string());
    }
    let index = if base.is_empty() {
        "index".to_string()
    } else {
        format!("{base}/index")
    };
    has(&index).then_some(index)
}

/// What a JSON file's `usingComponents` gave: found (tag to base) and missing (tag to spec).
struct Using(BTreeMap<String, String>, BTreeMap<String, String>);

/// `resolveAlias`, checked: keys and values are strings, and a key ending in `/*` maps to a
/// value ending in `/*`, as WeChat requires.
fn aliases(app: &JsonDoc, diags: &mut Diagnostics) -> Aliases {
    let Some(v) = app.get("/resolveAlias") else {
        return Aliases::default();
    };
    let Some(map) = v.as_object() else {
        diags.push(app.diag(
            Diagnostic::warning(
                "bad-app-json",
                "`resolveAlias` must be an object of path prefixes",
            ),
            "/resolveAlias",
        ));
        return Aliases::default();
    };
    for (k, t) in map {
        let ok = t
            .as_str()
            .is_some_and(|t| k.ends_with("/*") == t.ends_with("/*"));
        if !ok {
            diags.push(app.diag(
                Diagnostic::warning(
                    "bad-app-json",
                    format!("`resolveAlias` entry `{k}` must map to a path string, both ending in `/*` or neither"),
                ),
                &format!("/resolveAlias/{}", ptr_seg(k)),
            ));
        }
    }
    Aliases::from_value(Some(v))
}

/// `useExtendedLib`: libraries WeChat provides to every app that asks (`{"weui": true}`), as
/// `miniprogram_npm/<package>` unless the project installed its own copy.
fn extended_libs(app: &JsonDoc, tree: &mut SourceTree, diags: &mut Diagnostics) {
    let Some(map) = app
        .get("/useExtendedLib")
        .and_then(Value::as_object)
        .cloned()
    else {
        return;
    };
    for (key, v) in map {
        // `true`, `"latest"` or a version string turn it on; `false` leaves it off.
        if v == Value::Bool(false) || v.is_null() {
            continue;
        }
        let Some(lib) = cove_extended_lib::get(&key) else {
            diags.push(app.diag(
                Diagnostic::warning(
                    "unknown-extended-lib",
                    format!(
                            "extended library `{key}` is not provided by Cove (it provides {})",
                            cove_extended_lib::all()
                                .iter()
                                .map(|l| format!("`{}`", l.key))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                ),
                &format!("/useExtendedLib/{}", ptr_seg(&key)),
            ));
            continue;
        };
        let target = format!("miniprogram_npm/{}", lib.package);
        if tree.is_dir(&target) {
            continue;
        }
        for (path, bytes) in lib.files {
            tree.insert(&format!("{target}/{path}"), bytes.to_vec());
        }
    }
}

/// `app.json` `workers`: a folder (`"workers"` or `{"path": "workers"}`) whose scripts are
/// entry points of their own.
fn workers(
    app: &JsonDoc,
    tree: &SourceTree,
    plugins: Plugins,
    diags: &mut Diagnostics,
) -> Vec<String> {
    let Some(v) = app.get("/workers") else {
        return vec![];
    };
    let pointer = if v.is_object() {
        "/workers/path"
    } else {
        "/workers"
    };
    let Some(dir) = app.get(pointer).and_then(Value::as_str).and_then(normalize) else {
        diags.push(app.diag(
            Diagnostic::warning("bad-app-json", "`workers` must name a folder"),
            "/workers",
        ));
        return vec![];
    };
    let exts = plugins.script_exts();
    let files: Vec<String> = tree
        .paths()
        .filter(|p| dir.is_empty() || p.starts_with(&format!("{dir}/")))
        .filter(|p| {
            !p.ends_with(".d.ts") && p.rsplit_once('.').is_some_and(|(_, e)| exts.contains(&e))
        })
        .map(str::to_string)
        .collect();
    if files.is_empty() {
        diags.push(app.diag(
            Diagnostic::warning(
                "missing-file",
                format!("`workers` folder `{dir}` holds no scripts"),
            ),
            pointer,
        ));
    }
    files
}

fn is_valid_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn check_tab_bar(app: &JsonDoc, pages: &[String], diags: &mut Diagnostics) {
    let Some(list) = app.get("/tabBar/list") else {
        if app.get("/tabBar").is_some() {
            diags.push(app.diag(
                Diagnostic::error("bad-tab-bar", "`tabBar` needs a `list` of 2 to 5 items"),
                "/tabBar",
            ));
        }
        return;
    };
    let Some(items) = list.as_array() else {
        diags.push(app.diag(
            Diagnostic::error("bad-tab-bar", "`tabBar.list` must be an array"),
            "/tabBar/list",
        ));
        return;
    };
    if !(2..=5).contains(&items.len()) {
        diags.push(app.diag(
            Diagnostic::error(
                "bad-tab-bar",
                format!(
                    "`tabBar.list` has {} items; WeChat requires 2 to 5",
                    items.len()
                ),
            ),
            "/tabBar/list",
        ));
    }
    for (i, item) in items.iter().enumerate() {
        let ptr = format!("/tabBar/list/{i}/pagePath");
        match item
            .get("pagePath")
            .and_then(Value::as_str)
            .and_then(normalize)
        {
            Some(p) if pages.contains(&p) => {}
            Some(p) => diags.push(app.diag(
                Diagnostic::error(
                    "bad-tab-bar",
                    format!("tab page `{p}` is not a page of the main package"),
                ),
                &ptr,
            )),
            None => diags.push(app.diag(
                Diagnostic::error("bad-tab-bar", "a tab needs a `pagePath`"),
                &format!("/tabBar/list/{i}"),
            )),
        }
    }
}
