//! The orchestration: which templates and WXS modules a project compiles, the checks that
//! span files, and the one template group's code, screened on the way in ([`super::screen`])
//! and patched on the way out ([`super::patches`], [`super::wxs`]).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use glass_easel_template_compiler::TmplGroup;
use glass_easel_template_compiler::parse::Position;
use glass_easel_template_compiler::parse::tag::{Node, Script};

use super::patches::{self, RuntimeCheck};
use super::{TemplateInfo, Walked, WxmlOutput, resolve_key, screen, span, walk};
use crate::diagnostic::{Diagnostic, Diagnostics, offset_of_utf16};
use crate::project::{Project, WXML_EXTS, WXS_EXTS, find_with_ext};

/// Compile the templates reachable from the project's pages and components.
pub fn compile(project: &Project, diags: &mut Diagnostics) -> WxmlOutput {
    let mut c = Compiler::new(project, diags);
    let roots: Vec<String> = project
        .units
        .values()
        .filter_map(|u| u.wxml.as_ref().map(|f| (u.base.clone(), f.clone())))
        .map(|(key, _)| key)
        .collect();
    let mut stack = roots;
    let mut seen = BTreeSet::new();
    while let Some(key) = stack.pop() {
        if !seen.insert(key.clone()) {
            continue;
        }
        let Some(file) = template_file(project, &key) else {
            continue;
        };
        let info = c.add_template(&key, &file);
        stack.extend(
            info.imports
                .iter()
                .chain(&info.includes)
                .filter(|k| template_file(project, k).is_some())
                .cloned(),
        );
        c.out.templates.insert(key, info);
    }
    c.check_cycles();
    c.generate();
    c.out
}

/// Compile one template file on its own, as `wcc` does per file (its imports are looked up
/// in the project's tree but not compiled). Every diagnostic goes to `diags`.
pub fn check_file(project: &Project, file: &str, diags: &mut Diagnostics) {
    let key = WXML_EXTS
        .iter()
        .find_map(|e| file.strip_suffix(&format!(".{e}")))
        .unwrap_or(file);
    let mut c = Compiler::new(project, diags);
    let info = c.add_template(key, file);
    c.out.templates.insert(key.to_string(), info);
    c.generate();
}

/// The file behind a template key: `key.wxml`, `key.fxml`, or the key itself when it names one.
pub fn template_file(project: &Project, key: &str) -> Option<String> {
    find_with_ext(&project.tree, key, WXML_EXTS)
        .or_else(|| project.tree.contains(key).then(|| key.to_string()))
}

struct Compiler<'a> {
    project: &'a Project,
    diags: &'a mut Diagnostics,
    group: TmplGroup,
    out: WxmlOutput,
    /// WXS script key to its code (as JS: see [`crate::wxs::to_js`]).
    scripts: BTreeMap<String, String>,
    /// Template key to the run-time checks of its missing imports and includes (those of
    /// include cycles are added when the group is generated).
    checks: BTreeMap<String, Vec<RuntimeCheck>>,
    /// WXS module key that does not exist to the run-time warning its stub logs.
    missing_wxs: BTreeMap<String, String>,
    /// Template key to its includes, as written.
    include_refs: BTreeMap<String, Vec<IncludeRef>>,
}

/// An `import` or `include` as parsed: its `src`, where that is, and the import's start tag
/// (an include has none).
type TemplateRef<'t> = (&'t str, &'t Loc, Option<&'t Loc>);
type Loc = std::ops::Range<Position>;
/// Include edges, `(from, to)` template keys.
type Edges = Vec<(String, String)>;

/// One `<include>`: the template key it resolves to, its `src` as written and where that is.
struct IncludeRef {
    key: String,
    src: String,
    span: (usize, usize),
}

impl<'a> Compiler<'a> {
    fn new(project: &'a Project, diags: &'a mut Diagnostics) -> Self {
        Self {
            project,
            diags,
            group: TmplGroup::new(),
            out: WxmlOutput::default(),
            scripts: BTreeMap::new(),
            checks: BTreeMap::new(),
            missing_wxs: BTreeMap::new(),
            include_refs: BTreeMap::new(),
        }
    }

    fn add_template(&mut self, key: &str, file: &str) -> TemplateInfo {
        let mut info = TemplateInfo {
            file: file.to_string(),
            ..Default::default()
        };
        let Some(text) = self.text(file) else {
            return info;
        };
        let fxml = file.ends_with(".fxml");
        for d in screen::add_template(&mut self.group, key, &text, fxml) {
            self.diags.push(d.in_file(file, Some(text.clone())));
        }
        let Ok(tree) = self.group.get_tree(key) else {
            return info;
        };
        let tree = tree.clone();
        let at = |loc: &std::ops::Range<Position>| span(&text, loc);

        let imports: Vec<_> = tree
            .globals
            .imports
            .iter()
            .map(|i| {
                (
                    i.src.name.as_str(),
                    &i.src_location,
                    Some(&i.tag_location.start.0),
                )
            })
            .collect();
        let includes: Vec<_> = tree
            .globals
            .includes
            .iter()
            .map(|i| (i.src.name.as_str(), &i.src_location, None))
            .collect();
        info.imports = self.check_template_refs(key, file, &text, &imports);
        info.includes = self.check_template_refs(key, file, &text, &includes);
        for script in &tree.globals.scripts {
            match script {
                Script::GlobalRef {
                    src, src_location, ..
                } => {
                    let dep = resolve_key(key, &src.name);
                    let (s, e) = at(src_location);
                    match self.wxs_file(&dep) {
                        Some(wxs_file) => self.add_wxs(&dep, &wxs_file),
                        None => {
                            self.diags.push(
                                Diagnostic::warning(
                                    "missing-wxs",
                                    format!("WXS module `{}` not found", src.name),
                                )
                                .in_file(file, Some(text.clone()))
                                .at(s, e)
                                .help(
                                    "WeChat's wcc refuses this file; Cove builds it, and the \
                                     module is `undefined` when the page runs",
                                ),
                            );
                            let written = attr_value(&text, s).unwrap_or(&src.name);
                            self.missing_wxs.entry(dep).or_insert_with(|| {
                                format!("WXS module `{written}` not found from `./{file}`.")
                            });
                        }
                    }
                }
                Script::Inline {
                    content,
                    content_location,
                    ..
                } => {
                    let base = offset_of_utf16(
                        &text,
                        content_location.start.line,
                        content_location.start.utf16_col,
                    );
                    for d in crate::wxs::check_syntax(content) {
                        let (s, e) = d.span.unwrap_or((0, 0));
                        self.diags
                            .push(d.in_file(file, Some(text.clone())).at(base + s, base + e));
                    }
                    // An inline module resolves `require` from the template's folder.
                    self.add_wxs_requires(key, file, &text, content, base);
                }
                _ => {}
            }
        }

        let mut defined: BTreeSet<String> = tree
            .globals
            .sub_templates
            .iter()
            .map(|t| t.name.name.to_string())
            .collect();
        for imp in &info.imports {
            if let Ok(t) = self.group.get_tree(imp) {
                defined.extend(
                    t.globals
                        .sub_templates
                        .iter()
                        .map(|t| t.name.name.to_string()),
                );
            } else if let Some(f) = template_file(self.project, imp)
                && let Ok(t) = self.project.tree.text(&f)
            {
                // Not compiled yet: a quick parse is enough to learn its template names.
                let (source, _) = screen::prepare(&t, f.ends_with(".fxml"));
                let (t, _) = glass_easel_template_compiler::parse::parse(imp, &source);
                defined.extend(
                    t.globals
                        .sub_templates
                        .iter()
                        .map(|t| t.name.name.to_string()),
                );
            }
        }
        let mut refs = vec![];
        let mut visit = |nodes: &[Node]| {
            walk(nodes, &mut |n| match n {
                Walked::Tag(name, loc) => {
                    info.tags.entry(name.to_string()).or_insert(at(loc).0);
                }
                Walked::TemplateRef(name, loc) => refs.push((name.to_string(), at(loc))),
                Walked::Text(..) => {}
            })
        };
        visit(&tree.content);
        for t in &tree.globals.sub_templates {
            visit(&t.content);
        }
        for (name, (s, e)) in refs {
            // `<template>` with no name is reported where it is parsed.
            if !name.is_empty() && !defined.contains(&name) {
                self.diags.push(
                    Diagnostic::warning(
                        "template-not-found",
                        format!(
                            "template `{name}` is not defined in this file or the files it imports"
                        ),
                    )
                    .in_file(file, Some(text.clone()))
                    .at(s, e),
                );
            }
        }
        info
    }

    /// A template's or WXS module's text. wcc copies bytes, so a file that is not UTF-8 (a
    /// GBK file, say) compiles there and the page reads its bytes as UTF-8: it is read the
    /// same way here, each bad sequence a U+FFFD, with a warning.
    fn text(&mut self, file: &str) -> Option<Arc<str>> {
        match self.project.tree.text(file) {
            Ok(t) => Some(t),
            Err(d) if d.code == "invalid-utf8" => {
                let bytes = self.project.tree.get(file)?;
                let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
                self.diags.push(
                    Diagnostic::warning("invalid-utf8", d.message)
                        .in_file(file, None)
                        .help("it is read as UTF-8, each bad byte sequence shown as U+FFFD, as WeChat shows it; save it as UTF-8"),
                );
                Some(Arc::from(String::from_utf8_lossy(bytes).as_ref()))
            }
            Err(d) => {
                self.diags.push(d);
                None
            }
        }
    }

    /// Resolve `import`/`include` sources (`tag` is the import's start tag; an include has
    /// none). One that does not exist is a warning at its `src`: WeChat compiles the file,
    /// renders nothing in its place and warns when the template runs, and so does Cove.
    fn check_template_refs(
        &mut self,
        key: &str,
        file: &str,
        text: &Arc<str>,
        refs: &[TemplateRef<'_>],
    ) -> Vec<String> {
        let mut deps = vec![];
        for (name, loc, tag) in refs {
            let dep = resolve_key(key, name);
            if template_file(self.project, &dep).is_none() {
                let (s, e) = span(text, loc);
                let verb = if tag.is_some() {
                    "imported"
                } else {
                    "included"
                };
                // glass-easel drops the extension; WeChat's warning quotes the path as written.
                let written = attr_value(text, s).unwrap_or(name).to_string();
                self.diags.push(
                    Diagnostic::warning(
                        "missing-template",
                        format!("{verb} template file `{name}` not found"),
                    )
                    .in_file(file, Some(text.clone()))
                    .at(s, e)
                    .label(format!("{verb} here"))
                    .help(
                        "renders nothing; WeChat warns about it when the page runs, as Cove does",
                    ),
                );
                let missing = match tag {
                    Some(tag) => {
                        let (line, col) = wcc_line_col(text, span(text, tag).0);
                        RuntimeCheck::Import {
                            src: written,
                            line,
                            col,
                        }
                    }
                    None => RuntimeCheck::Include {
                        src: written,
                        key: dep.clone(),
                    },
                };
                self.checks
                    .entry(key.to_string())
                    .or_default()
                    .push(missing);
            } else if tag.is_none() {
                let (s, e) = span(text, loc);
                self.include_refs
                    .entry(key.to_string())
                    .or_default()
                    .push(IncludeRef {
                        key: dep.clone(),
                        src: attr_value(text, s).unwrap_or(name).to_string(),
                        span: (s, e),
                    });
            }
            deps.push(dep);
        }
        deps
    }

    /// The file behind a WXS module key: the key itself, or with `.wxs`/`.fts` added.
    fn wxs_file(&self, key: &str) -> Option<String> {
        if self.project.tree.contains(key) {
            Some(key.to_string())
        } else {
            find_with_ext(&self.project.tree, key, WXS_EXTS)
        }
    }

    /// Load what a WXS module (`key`, its code `code` at byte `base` of `file`'s `text`)
    /// `require`s. A module that does not exist is a warning: wcc compiles the file, and
    /// `require` gives `undefined` when the code runs.
    fn add_wxs_requires(
        &mut self,
        key: &str,
        file: &str,
        text: &Arc<str>,
        code: &str,
        base: usize,
    ) {
        for (spec, (s, e)) in crate::wxs::requires(code) {
            let dep = resolve_key(key, &spec);
            match self.wxs_file(&dep) {
                Some(f) => self.add_wxs(&dep, &f),
                None => {
                    self.diags.push(
                        Diagnostic::warning(
                            "missing-wxs",
                            format!("WXS module `{spec}` not found"),
                        )
                        .in_file(file, Some(text.clone()))
                        .at(base + s, base + e)
                        .help("`require` gives `undefined` here when the page runs, as in WeChat"),
                    );
                    self.missing_wxs.entry(dep).or_insert_with(|| {
                        format!("WXS module `{spec}` not found from `./{file}`.")
                    });
                }
            }
        }
    }

    fn add_wxs(&mut self, key: &str, file: &str) {
        if self.scripts.contains_key(key) {
            return;
        }
        let Some(text) = self.text(file) else {
            return;
        };
        self.scripts
            .insert(key.to_string(), crate::wxs::to_js(&text).into_owned());
        self.out.wxs_files.insert(file.to_string());
        for d in crate::wxs::check_syntax(&text) {
            self.diags.push(d.in_file(file, Some(text.clone())));
        }
        self.add_wxs_requires(key, file, &text, &text, 0);
    }

    /// Include edges `(from, to)`: those that lie on a cycle (`to` includes its way back to
    /// `from`), and those that lead to one (`to` reaches a cycle).
    fn include_cycles(&self) -> (Edges, Edges) {
        let includes = |k: &str| -> Vec<String> {
            self.out
                .templates
                .get(k)
                .map(|i| i.includes.clone())
                .unwrap_or_default()
        };
        let reach = |from: &str| {
            let mut seen = BTreeSet::new();
            let mut stack = includes(from);
            while let Some(k) = stack.pop() {
                if seen.insert(k.clone()) {
                    stack.extend(includes(&k));
                }
            }
            seen
        };
        let mut on_cycle = vec![];
        let mut cyclic = BTreeSet::new();
        for from in self.out.templates.keys() {
            if reach(from).contains(from) {
                cyclic.insert(from.clone());
            }
        }
        let mut to_cycle = vec![];
        for from in self.out.templates.keys() {
            for to in includes(from) {
                if !self.out.templates.contains_key(&to) {
                    continue;
                }
                let mut below = reach(&to);
                below.insert(to.clone());
                if cyclic.contains(&to) && below.contains(from) {
                    on_cycle.push((from.clone(), to.clone()));
                }
                if below.iter().any(|k| cyclic.contains(k)) {
                    to_cycle.push((from.clone(), to));
                }
            }
        }
        (on_cycle, to_cycle)
    }

    /// An include cycle is a warning: wcc compiles it, and WeChat's runtime stops where a file
    /// is included again inside itself, with a warning; so does Cove (see `generate`). An
    /// import cycle is legal: imports are not transitive.
    fn check_cycles(&mut self) {
        for (from, to) in self.include_cycles().0 {
            let info = &self.out.templates[&from];
            let Some(r) = self
                .include_refs
                .get(&from)
                .and_then(|r| r.iter().find(|r| r.key == to))
            else {
                continue;
            };
            let text = self.project.tree.text(&info.file).ok();
            self.diags.push(
                Diagnostic::warning(
                    "include-cycle",
                    format!("`{}` includes itself, through `{}`", from, r.src),
                )
                .in_file(&info.file, text)
                .at(r.span.0, r.span.1)
                .label("included here")
                .help(
                    "renders it once more, then stops with WeChat's warning \
                     (`is being included in a loop`), as WeChat does",
                ),
            );
        }
    }

    /// One template group, its entries in sorted order so the bytes never change between runs.
    fn generate(&mut self) {
        let mut js = String::from("module.exports=(function(){var G={};var R={};");
        js.push_str(patches::PRELUDE);
        js.push_str(super::wxs::PRELUDE);
        // A WXS module that does not exist is `undefined` (and says so when loaded).
        for (k, msg) in &self.missing_wxs {
            self.scripts
                .entry(k.clone())
                .or_insert_with(|| patches::missing_wxs_module(msg));
        }
        for (k, v) in &self.scripts {
            self.group.add_script(k, v);
        }
        match self.group.export_globals() {
            Ok(g) => {
                js.push_str(&patches::helpers(&g));
                js.push_str(super::wxs::GUARD_LOADER);
            }
            Err(e) => self
                .diags
                .push(Diagnostic::error("wxml-codegen", e.message)),
        }
        for (k, v) in &self.scripts {
            let key = serde_json::to_string(k).unwrap_or_default();
            // The newline keeps a trailing `//` comment from swallowing the brace.
            js.push_str(&format!(
                "R[{key}]=D({key},(require,exports,module)=>{{{v}\n}});"
            ));
        }
        let mut checks = self.checks.clone();
        // WeChat guards every include; the guard only ever acts on one that leads to a cycle.
        for (from, to) in self.include_cycles().1 {
            if let Some(r) = self
                .include_refs
                .get(&from)
                .and_then(|r| r.iter().find(|r| r.key == to))
            {
                checks.entry(from).or_default().push(RuntimeCheck::Loop {
                    src: r.src.clone(),
                    key: to,
                });
            }
        }
        for (key, info) in &self.out.templates {
            match self.group.get_tmpl_gen_object(key) {
                Ok(code) => {
                    let mut code = patches::sorted_binding_maps(&code);
                    if let Some(checks) = checks.get(key) {
                        code = patches::runtime_checks(&code, &info.file, checks);
                    }
                    js.push_str(&format!(
                        "G[{}]={code};",
                        serde_json::to_string(key).unwrap_or_default(),
                    ));
                }
                Err(e) => self.diags.push(Diagnostic::error(
                    "wxml-codegen",
                    format!("{key}: {}", e.message),
                )),
            }
        }
        js.push_str("return G})();\n");
        self.out.group_js = super::wxs::semantics(&js);
    }
}

/// A position as wcc's runtime prints it: the line, and the column in bytes, 1-based on the
/// first line and one more than that on the others (wcc counts the line break before it).
fn wcc_line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..at.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = match before.iter().rposition(|&b| b == b'\n') {
        Some(nl) => at - nl + 1,
        None => at + 1,
    };
    (line, col)
}

/// The value of the attribute whose name starts at byte `at`, as written (`src="a.wxml"`
/// gives `a.wxml`).
fn attr_value(text: &str, at: usize) -> Option<&str> {
    let rest = text.get(at..)?;
    let rest = rest[rest.find('=')? + 1..].trim_start();
    let quote = rest.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let value = &rest[1..];
    Some(&value[..value.find(quote)?])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceTree;

    /// The template group of a one-page app whose page template is `wxml`, with `files` beside.
    fn group(wxml: &str, files: &[(&str, &str)]) -> (String, Diagnostics) {
        let mut all = vec![
            ("app.json", r#"{"pages": ["p/index"]}"#),
            ("p/index.js", "Page({})"),
            ("p/index.wxml", wxml),
        ];
        all.extend_from_slice(files);
        let tree = SourceTree::from_files(all);
        let mut diags = Diagnostics::default();
        let project = crate::project::load(&tree, &mut diags).expect("the app loads");
        let out = compile(&project, &mut diags);
        assert!(!diags.has_errors(), "{diags:?}");
        (out.group_js, diags)
    }

    /// Each `A={...}` binding map's keys, in the order they are written.
    fn binding_maps(js: &str) -> Vec<Vec<&str>> {
        js.split("O=R.r,A={")
            .skip(1)
            .map(|m| {
                m[..m.find('}').unwrap_or(m.len())]
                    .split(",")
                    .map(|e| e.split(':').next().unwrap_or(""))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn binding_maps_are_in_sorted_order() {
        let names = [
            "q", "b", "x", "k", "a", "m", "z", "c", "r", "f", "w", "d", "p", "h",
        ];
        let attrs: String = names
            .iter()
            .map(|n| format!(" data-{n}=\"{{{{{n}}}}}\""))
            .collect();
        let (js, _) = group(&format!("<view{attrs}/>"), &[]);
        let maps = binding_maps(&js);
        assert!(!maps.is_empty() && maps[0].len() == names.len(), "{js}");
        for keys in maps {
            assert!(keys.is_sorted(), "{keys:?}");
        }
    }

    #[test]
    fn text_helpers_are_wechats() {
        let (js, _) = group("<view>{{a}}{{s.toUpperCase()}}</view>", &[]);
        assert!(js.contains(patches::NULL_AS_NULL), "{js}");
        assert!(js.contains(patches::CALL_SAFELY), "{js}");
        assert!(!js.contains(patches::NULL_AS_EMPTY), "{js}");
        assert!(!js.contains(patches::CALL_AS_IS), "{js}");
    }

    #[test]
    fn missing_files_and_cycles_warn_when_the_page_runs() {
        let (js, diags) = group(
            "<import src=\"gone.wxml\"/><include src=\"nope.wxml\"/><include src=\"a.wxml\"/>\
             <wxs src=\"no.wxs\" module=\"m\"/><view>{{m}}</view>",
            &[
                ("p/a.wxml", "<include src=\"b.wxml\"/>"),
                ("p/b.wxml", "<include src=\"a.wxml\"/>"),
            ],
        );
        let codes: Vec<_> = diags.0.iter().map(|d| d.code).collect();
        for code in ["missing-template", "missing-wxs", "include-cycle"] {
            assert!(codes.contains(&code), "{codes:?}");
        }
        assert!(js.contains(patches::PRELUDE), "{js}");
        for part in [
            "$wxmlWarn([\"./p/index.wxml:import:1:1: Path `gone.wxml` not found from `./p/index.wxml`.\"])",
            "$wxmlMissing(G,\"p/nope\",",
            "$wxmlLoop(G,\"p/a\",",
            "$wxmlLoop(G,\"p/b\",",
            "$wxmlWarn([\"WXS module `no.wxs` not found from `./p/index.wxml`.\"]);module.exports=undefined;",
        ] {
            assert!(js.contains(part), "{part} not in {js}");
        }
    }

    #[test]
    fn wxs_modules_get_wxs_semantics() {
        let (js, _) = group(
            "<wxs module=\"m\">module.exports = function (x) { return x.constructor + '\\d'; };</wxs>\
             <view>{{m(1)}}</view>",
            &[],
        );
        assert!(js.contains(super::super::wxs::PRELUDE), "{js}");
        assert!(js.contains(super::super::wxs::GUARD_LOADER), "{js}");
        assert!(js.contains("return $wxsType(x) + '\\\\d';"), "{js}");
    }
}
