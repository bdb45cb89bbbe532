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

/// The units of a compiled app: what each uses, and the unknown tags the build reported in
/// each one's template.
#[derive(Default)]
pub struct Units {
    using: BTreeMap<String, Vec<String>>,
    missing: BTreeMap<String, Vec<String>>,
    unknown_tags: BTreeMap<String, BTreeSet<String>>,
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
            out.missing
                .insert(unit.clone(), strings(&config["coveMissingComponents"]));
        }
        out
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
        let mut out = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut todo = vec![page.to_string()];
        while let Some(u) = todo.pop() {
            if !seen.insert(u.clone()) {
                continue;
            }
            out.extend(self.unknown_tags.get(&u).into_iter().flatten().cloned());
            todo.extend(self.using.get(&u).into_iter().flatten().cloned());
        }
        out
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
}
