//! What `cove check` learns without running the app: the `wx` members the code references
//! and the components the templates and JSON name, against what Cove provides.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use oxc::allocator::Allocator;
use oxc::ast::AstKind;
use oxc::ast::ast::Expression;
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::SourceType;
use serde_json::Value;

/// The units of a compiled app: what each uses, the unknown tags the build reported in each
/// one's template, and the built-in tags each template uses that the view lacks.
#[derive(Default)]
pub struct Units {
    using: BTreeMap<String, Vec<String>>,
    /// Tags each unit declares in `usingComponents` (a declared tag is not the built-in).
    declared: BTreeMap<String, BTreeSet<String>>,
    /// `usingComponents` of `app.json`, declared for every unit.
    global_declared: BTreeSet<String>,
    missing: BTreeMap<String, Vec<String>>,
    unknown_tags: BTreeMap<String, BTreeSet<String>>,
    /// Template key to the built-in tags it uses that the view does not implement, or draws
    /// as a placeholder.
    builtins: BTreeMap<String, BTreeMap<String, BuiltinGap>>,
}

/// A WeChat built-in the view does not render as WeChat does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum BuiltinGap {
    /// Not implemented: drawn as a plain box around its children.
    Missing,
    /// A placeholder box that names it.
    Placeholder,
}

/// Tags the template compiler handles itself; they never reach the view.
const FRAMEWORK_TAGS: &[&str] = &["block", "slot", "template", "wxs", "import", "include"];

/// How the view falls short on a WeChat built-in tag, if it does.
pub fn builtin_gap(tag: &str) -> Option<BuiltinGap> {
    if !cove_compiler::wxml::BUILTIN_TAGS.contains(&tag) || FRAMEWORK_TAGS.contains(&tag) {
        return None;
    }
    match cove_view::component(tag) {
        None => Some(BuiltinGap::Missing),
        Some(cove_view::Rendering::Placeholder) => Some(BuiltinGap::Placeholder),
        Some(cove_view::Rendering::Full) => None,
    }
}

/// The element tags of each template in the compiled template group (`wxml.js`): every
/// template is `G["key"]=…` and every element in it `E("tag",…` (glass-easel's generated
/// code, pinned with the compiler at 0.12.1; a test below compiles a template to keep this
/// honest). Reading the output rather than the sources works for packages too.
pub fn template_tags(group_js: &str) -> BTreeMap<String, BTreeSet<String>> {
    const KEY: &str = "G[\"";
    const ELEMENT: &str = "E(\"";
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let starts: Vec<(usize, String)> = group_js
        .match_indices(KEY)
        .filter_map(|(i, _)| {
            let rest = &group_js[i + KEY.len()..];
            let key = string_literal(rest)?;
            rest[key.len()..]
                .starts_with("\"]=")
                .then(|| (i, unescape(key)))
        })
        .collect();
    for (n, (start, key)) in starts.iter().enumerate() {
        let end = starts.get(n + 1).map_or(group_js.len(), |(e, _)| *e);
        let body = &group_js[*start..end];
        let tags = out.entry(key.clone()).or_default();
        for (i, _) in body.match_indices(ELEMENT) {
            let rest = &body[i + ELEMENT.len()..];
            if let Some(tag) = string_literal(rest)
                && rest[tag.len()..].starts_with("\",")
            {
                tags.insert(unescape(tag));
            }
        }
    }
    out
}

/// The body of a JS string literal up to its closing quote (escapes kept).
fn string_literal(s: &str) -> Option<&str> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(&s[..i]),
            _ => {}
        }
    }
    None
}

fn unescape(s: &str) -> String {
    serde_json::from_str(&format!("\"{s}\"")).unwrap_or_else(|_| s.to_string())
}

fn read_json(path: &Path) -> Value {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null)
}

impl Units {
    pub fn read(dir: &Path) -> Self {
        let manifest = read_json(&dir.join("manifest.json"));
        let mut out = Self::default();
        for unit in manifest["cove"]["units"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys())
        {
            let config = read_json(&dir.join(format!("{unit}.json")));
            let strings = |v: &Value| -> Vec<String> {
                v.as_object()
                    .into_iter()
                    .flat_map(|m| m.values())
                    .filter_map(Value::as_str)
                    .map(|s| s.trim_start_matches('/').to_string())
                    .collect()
            };
            out.using
                .insert(unit.clone(), strings(&config["usingComponents"]));
            out.declared.insert(
                unit.clone(),
                config["usingComponents"]
                    .as_object()
                    .into_iter()
                    .flat_map(|m| m.keys().cloned())
                    .collect(),
            );
            out.missing
                .insert(unit.clone(), strings(&config["coveMissingComponents"]));
        }
        out.global_declared = manifest["cove"]["global_components"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys().cloned())
            .collect();
        let templates = manifest["cove"]["templates"].as_str().unwrap_or("wxml.js");
        let group = std::fs::read_to_string(dir.join(templates)).unwrap_or_default();
        for (key, tags) in template_tags(&group) {
            let declared = out.declared.get(&key);
            let gaps: BTreeMap<String, BuiltinGap> = tags
                .into_iter()
                // A component declared under a built-in's name is that component.
                .filter(|t| {
                    !out.global_declared.contains(t) && declared.is_none_or(|d| !d.contains(t))
                })
                .filter_map(|t| builtin_gap(&t).map(|g| (t, g)))
                .collect();
            if !gaps.is_empty() {
                out.builtins.insert(key, gaps);
            }
        }
        out
    }

    /// Built-in tags the view lacks (or draws as a placeholder), each with the templates that
    /// use them.
    pub fn builtin_gaps(&self, which: BuiltinGap) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (key, gaps) in &self.builtins {
            for (tag, g) in gaps {
                if *g == which {
                    out.entry(tag.clone())
                        .or_default()
                        .push(format!("{key}.wxml"));
                }
            }
        }
        out
    }

    /// Every unit in a page's tree: the page and the components it uses, transitively.
    fn tree_of(&self, page: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![page.to_string()];
        while let Some(u) = todo.pop() {
            if seen.insert(u.clone()) {
                todo.extend(self.using.get(&u).into_iter().flatten().cloned());
            }
        }
        seen
    }

    /// Built-in tags the view lacks, used in the templates of a page's tree, as `<tag>`.
    pub fn builtin_gaps_of_page(&self, page: &str, which: BuiltinGap) -> BTreeSet<String> {
        self.tree_of(page)
            .iter()
            .filter_map(|u| self.builtins.get(u))
            .flatten()
            .filter(|(_, g)| **g == which)
            .map(|(t, _)| t.clone())
            .collect()
    }

    /// Record the build's `unknown-tag` warnings against their templates.
    pub fn add_unknown_tags(&mut self, warnings: &[Value]) {
        for w in warnings.iter().filter(|w| w["code"] == "unknown-tag") {
            let (Some(file), Some(tag)) = (w["file"].as_str(), tag_of(w)) else {
                continue;
            };
            let unit = file.rsplit_once('.').map_or(file, |(b, _)| b);
            self.unknown_tags
                .entry(unit.to_string())
                .or_default()
                .insert(format!("<{tag}>"));
        }
    }

    /// Unknown tags in the templates of a page's tree (the page and every component it uses).
    pub fn unknown_tags_of_page(&self, page: &str) -> BTreeSet<String> {
        self.tree_of(page)
            .iter()
            .filter_map(|u| self.unknown_tags.get(u))
            .flatten()
            .cloned()
            .collect()
    }
}

/// The tag in an `unknown-tag` warning's message: "`<x-y>` is neither ...".
fn tag_of(w: &Value) -> Option<&str> {
    let m = w["message"].as_str()?;
    let start = m.find("`<")? + 2;
    let end = start + m[start..].find(">`")?;
    Some(&m[start..end])
}

/// Tags neither built in nor declared, and declared components whose files are missing,
/// each with the files that name them.
pub fn unknown_components(warnings: &[Value], units: &Units) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for w in warnings.iter().filter(|w| w["code"] == "unknown-tag") {
        if let (Some(tag), Some(file)) = (tag_of(w), w["file"].as_str()) {
            out.entry(tag.to_string())
                .or_default()
                .insert(file.to_string());
        }
    }
    for (unit, paths) in &units.missing {
        for p in paths {
            out.entry(p.clone())
                .or_default()
                .insert(format!("{unit}.json"));
        }
    }
    out.into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect()
}

/// `wx` members the code references that the runtime does not provide: a typed method
/// Cove serves as unsupported, or a name `wx` does not have at all.
pub fn unsupported_apis(
    dir: &Path,
    kinds: &Value,
    present: &Value,
) -> BTreeMap<String, Vec<String>> {
    let manifest = read_json(&dir.join("manifest.json"));
    let present: BTreeSet<&str> = present
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    // Names with `_` or `$` are frameworks' own bookkeeping on `wx` (uni-app's
    // `wx.__uni_console__`), not WeChat APIs.
    let unsupported = |name: &str| {
        kinds[name] == "unsupported"
            || (!present.contains(name)
                && kinds.get(name).is_none()
                && !name.starts_with(['_', '$']))
    };
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (id, m) in manifest["cove"]["modules"]
        .as_object()
        .into_iter()
        .flatten()
    {
        if id.ends_with(".json") {
            continue;
        }
        let file = m["file"].as_str().unwrap_or(id);
        let Ok(code) = std::fs::read_to_string(dir.join(file)) else {
            continue;
        };
        for name in wx_members(&code) {
            if unsupported(&name) {
                out.entry(name).or_default().insert(id.clone());
            }
        }
    }
    out.into_iter()
        .map(|(k, v)| (k, v.into_iter().collect()))
        .collect()
}

/// Names read from the global `wx` (or FinClip's `ft`): `wx.name` and `wx['name']`.
pub fn wx_members(code: &str) -> BTreeSet<String> {
    let alloc = Allocator::default();
    let ret = Parser::new(&alloc, code, SourceType::cjs()).parse();
    let semantic = SemanticBuilder::new()
        .with_build_nodes(true)
        .build(&ret.program)
        .semantic;
    let scoping = semantic.scoping();
    let global_wx = |e: &Expression| match e {
        Expression::Identifier(id) if id.name == "wx" || id.name == "ft" => id
            .reference_id
            .get()
            .is_none_or(|r| scoping.get_reference(r).symbol_id().is_none()),
        _ => false,
    };
    let mut out = BTreeSet::new();
    for node in semantic.nodes().iter() {
        match node.kind() {
            AstKind::StaticMemberExpression(m) if global_wx(&m.object) => {
                out.insert(m.property.name.to_string());
            }
            AstKind::ComputedMemberExpression(m) if global_wx(&m.object) => {
                if let Expression::StringLiteral(s) = &m.expression {
                    out.insert(s.value.to_string());
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_wx_members_of_the_global_only() {
        let names = wx_members(
            "wx.request({}); wx['getLocation']({}); ft.login(); function f(wx) { wx.local() }",
        );
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            ["getLocation", "login", "request"]
        );
    }

    #[test]
    fn reads_each_templates_element_tags_from_the_compiled_group() {
        let tree = cove_compiler::SourceTree::from_files([
            ("app.json", r#"{"pages":["pages/a/a"]}"#),
            ("app.js", "App({})"),
            (
                "pages/a/a.json",
                r#"{"usingComponents":{"my-card":"/c/card"}}"#,
            ),
            ("pages/a/a.js", "Page({})"),
            (
                "pages/a/a.wxml",
                r#"<import src="/t/row.wxml"/><view><editor wx:if="{{x}}"/><my-card/><template is="row"/><text>{{ 'E("fake",' }}</text></view>"#,
            ),
            (
                "t/row.wxml",
                r#"<template name="row"><camera/><block><map/></block></template>"#,
            ),
            ("c/card.json", r#"{"component":true}"#),
            ("c/card.js", "Component({})"),
            ("c/card.wxml", "<slot/><match-media/>"),
        ]);
        let out = cove_compiler::compile(&tree, &cove_compiler::CompileOptions::default())
            .expect("the fixture compiles");
        let group = String::from_utf8(out.files["wxml.js"].clone()).unwrap();
        let tags = template_tags(&group);
        let list = |k: &str| tags[k].iter().map(String::as_str).collect::<Vec<_>>();
        assert_eq!(list("pages/a/a"), ["editor", "my-card", "text", "view"]);
        assert_eq!(list("t/row"), ["camera", "map"]);
        assert_eq!(list("c/card"), ["match-media"]);
        assert_eq!(builtin_gap("editor"), Some(BuiltinGap::Missing));
        assert_eq!(builtin_gap("camera"), Some(BuiltinGap::Placeholder));
        assert_eq!(builtin_gap("view"), None);
        assert_eq!(builtin_gap("slot"), None);
        assert_eq!(builtin_gap("my-card"), None);
    }
}
