//! WXML through glass-easel's template compiler (`glass-easel-template-compiler` 0.12.1):
//! every page and component template, what they import and include, and their WXS modules,
//! checked and compiled into one template group.
//!
//! - [`compile`]: the orchestration: which templates and modules, the checks that span files
//!   (missing files, include cycles, undefined templates), and the group's code.
//! - [`screen`]: what the input goes through before glass-easel parses it, so that it takes
//!   what WeChat's `wcc` takes (or does not hang or panic on it); every rewrite keeps byte
//!   offsets, so positions in diagnostics hold.
//! - [`patches`]: text patches on the JS glass-easel generates, where its output differs from
//!   WeChat's (reproducible bytes, `null` in text, calls of non-WXS functions), and the
//!   run-time warnings WeChat gives for a missing `import`, `include` or WXS module.
//! - [`wxs`]: WXS semantics on the group's WXS modules, where WXS is not the JS glass-easel
//!   passes it through as.
//!
//! Each glass-easel workaround (a screen rule or an output patch) names, where it is written,
//! what glass-easel 0.12.1 does that it works around, and has a test that fails without it.

mod compile;
mod patches;
mod screen;
mod wxs;

use std::collections::{BTreeMap, BTreeSet};

use glass_easel_template_compiler::parse::Position;
use glass_easel_template_compiler::parse::tag::{ElementKind, Node, Value};

use crate::diagnostic::offset_of_utf16;

pub use compile::{check_file, compile, template_file};

/// Built-in WeChat components and the framework tags; anything else must be declared.
pub const BUILTIN_TAGS: &[&str] = &[
    "ad",
    "ad-custom",
    "audio",
    "block",
    "button",
    "camera",
    "canvas",
    "channel-live",
    "channel-video",
    "checkbox",
    "checkbox-group",
    "cover-image",
    "cover-view",
    "editor",
    "form",
    "functional-page-navigator",
    "grid-view",
    "icon",
    "image",
    "input",
    "keyboard-accessory",
    "label",
    "list-view",
    "live-player",
    "live-pusher",
    "map",
    "match-media",
    "movable-area",
    "movable-view",
    "navigation-bar",
    "navigator",
    "official-account",
    "open-data",
    "page-container",
    "page-meta",
    "picker",
    "picker-view",
    "picker-view-column",
    "progress",
    "radio",
    "radio-group",
    "rich-text",
    "root-portal",
    "scroll-view",
    "share-element",
    "slider",
    "slot",
    "span",
    "sticky-header",
    "sticky-section",
    "store-product",
    "swiper",
    "swiper-item",
    "switch",
    "template",
    "text",
    "textarea",
    "video",
    "view",
    "voip-room",
    "web-view",
    "xr-frame",
    "snapshot",
    "draggable-sheet",
    "nested-scroll-header",
    "nested-scroll-body",
    "open-container",
    "grid-builder",
    "list-builder",
    "wxs",
    "import",
    "include",
];

/// One compiled template file's facts, for the checks that span files.
#[derive(Debug, Default, Clone)]
pub struct TemplateInfo {
    /// Template key (path without extension) to the source file.
    pub file: String,
    /// Tags used, with the byte offset of their first use.
    pub tags: BTreeMap<String, usize>,
    pub imports: Vec<String>,
    pub includes: Vec<String>,
}

#[derive(Debug, Default)]
pub struct WxmlOutput {
    /// `module.exports = <template group object>`.
    pub group_js: String,
    pub templates: BTreeMap<String, TemplateInfo>,
    pub wxs_files: BTreeSet<String>,
}

enum Walked<'a> {
    /// A text node; `true` when only its `{{...}}` part is located (static text around it
    /// reaches to the neighbouring tags).
    Text(std::ops::Range<Position>, bool),
    Tag(&'a str, &'a std::ops::Range<Position>),
    TemplateRef(&'a str, &'a std::ops::Range<Position>),
}

fn walk<'a>(nodes: &'a [Node], f: &mut impl FnMut(Walked<'a>)) {
    for n in nodes {
        let el = match n {
            Node::Element(el) => el,
            Node::Text(v) => {
                match v {
                    Value::Static { location, .. } => f(Walked::Text(location.clone(), false)),
                    Value::Dynamic {
                        double_brace_location: (open, close),
                        ..
                    } => f(Walked::Text(open.start..close.end, true)),
                    _ => {}
                }
                continue;
            }
            _ => continue,
        };
        match &el.kind {
            ElementKind::Normal {
                tag_name, children, ..
            } => {
                f(Walked::Tag(&tag_name.name, &tag_name.location));
                walk(children, f);
            }
            ElementKind::Pure { children, .. } | ElementKind::For { children, .. } => {
                walk(children, f)
            }
            ElementKind::If {
                branches,
                else_branch,
                ..
            } => {
                for (_, _, c) in branches {
                    walk(c, f);
                }
                if let Some((_, c)) = else_branch {
                    walk(c, f);
                }
            }
            ElementKind::TemplateRef {
                target:
                    (
                        _,
                        Value::Static {
                            value, location, ..
                        },
                    ),
                ..
            } => {
                f(Walked::TemplateRef(value, location));
            }
            _ => {}
        }
    }
}

/// Resolve a template or WXS reference as glass-easel does: relative to the file's folder,
/// `/` from the root, and `..` never climbing above the root.
pub fn resolve_key(base: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = vec![];
    let rel = match rel.strip_prefix('/') {
        Some(abs) => abs,
        None => {
            parts.extend(base.split('/'));
            parts.pop();
            rel
        }
    };
    for seg in rel.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.retain(|p| !p.is_empty() && *p != ".");
    parts.join("/")
}

fn span(text: &str, loc: &std::ops::Range<Position>) -> (usize, usize) {
    let s = offset_of_utf16(text, loc.start.line, loc.start.utf16_col);
    let e = offset_of_utf16(text, loc.end.line, loc.end.utf16_col);
    (s, e.max(s))
}
