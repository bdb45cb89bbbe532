//! WXML through glass-easel's template compiler: every page and component template,
//! what they import and include, and their WXS modules, checked and compiled into one
//! template group.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use glass_easel_template_compiler::TmplGroup;
use glass_easel_template_compiler::parse::tag::{ElementKind, Node, Script, Value};
use glass_easel_template_compiler::parse::{ParseErrorKind, ParseErrorLevel, Position};

use crate::diagnostic::{Diagnostic, Diagnostics, offset_of_utf16};
use crate::project::{Project, WXML_EXTS, WXS_EXTS, find_with_ext};
use crate::wxs;

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

/// Compile the templates reachable from the project's pages and components.
pub fn compile(project: &Project, diags: &mut Diagnostics) -> WxmlOutput {
    let mut c = Compiler {
        project,
        diags,
        group: TmplGroup::new(),
        out: WxmlOutput::default(),
        scripts: BTreeMap::new(),
    };
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
    /// WXS script key to its code.
    scripts: BTreeMap<String, String>,
}

impl Compiler<'_> {
    fn add_template(&mut self, key: &str, file: &str) -> TemplateInfo {
        let mut info = TemplateInfo {
            file: file.to_string(),
            ..Default::default()
        };
        let text = match self.project.tree.text(file) {
            Ok(t) => t,
            Err(d) => {
                self.diags.push(d);
                return info;
            }
        };
        let (screened, bad_numbers) = screen_numbers(&text);
        for (s, e, msg) in bad_numbers {
            self.diags.push(
                Diagnostic::error("wxml-syntax", msg)
                    .in_file(file, Some(text.clone()))
                    .at(s, e),
            );
        }
        let spaced = ascii_tag_spaces(&screened);
        let mut source = legacy_aliases(&spaced);
        if file.ends_with(".fxml") {
            // FinClip's `<fts>` is WeChat's `<wxs>`; same length, so positions hold.
            source =
                std::borrow::Cow::Owned(source.replace("<fts", "<wxs").replace("</fts>", "</wxs>"));
        }
        for err in self.group.add_tmpl(key, &source) {
            if err.level() < ParseErrorLevel::Warn {
                continue;
            }
            let (s, e) = span(&text, &err.location);
            let d = if err.prevent_success() && !wechat_accepts(&err.kind) {
                Diagnostic::error("wxml-syntax", err.kind.to_string())
            } else {
                Diagnostic::warning("wxml-syntax", err.kind.to_string())
            };
            self.diags
                .push(d.in_file(file, Some(text.clone())).at(s, e));
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
            .map(|i| (i.src.name.as_str(), &i.src_location))
            .collect();
        let includes: Vec<_> = tree
            .globals
            .includes
            .iter()
            .map(|i| (i.src.name.as_str(), &i.src_location))
            .collect();
        info.imports = self.check_template_refs(key, file, &text, &imports, "imported");
        info.includes = self.check_template_refs(key, file, &text, &includes, "included");
        for script in &tree.globals.scripts {
            match script {
                Script::GlobalRef {
                    src, src_location, ..
                } => {
                    let dep = resolve_key(key, &src.name);
                    let (s, e) = at(src_location);
                    match find_with_ext(&self.project.tree, &dep, WXS_EXTS)
                        .or_else(|| self.project.tree.contains(&dep).then(|| dep.clone()))
                    {
                        Some(wxs_file) => self.add_wxs(&dep, &wxs_file),
                        None => self.diags.push(
                            Diagnostic::error(
                                "missing-wxs",
                                format!("WXS module `{}` not found", src.name),
                            )
                            .in_file(file, Some(text.clone()))
                            .at(s, e),
                        ),
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
                    for d in wxs::check_syntax(content) {
                        let (s, e) = d.span.unwrap_or((0, 0));
                        self.diags
                            .push(d.in_file(file, Some(text.clone())).at(base + s, base + e));
                    }
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
                let (t, _) = glass_easel_template_compiler::parse::parse(imp, &t);
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
            })
        };
        visit(&tree.content);
        for t in &tree.globals.sub_templates {
            visit(&t.content);
        }
        for (name, (s, e)) in refs {
            if !defined.contains(&name) {
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

    /// Resolve `import`/`include` sources; each one missing is an error at its `src`.
    fn check_template_refs(
        &mut self,
        key: &str,
        file: &str,
        text: &Arc<str>,
        refs: &[(&str, &std::ops::Range<Position>)],
        verb: &str,
    ) -> Vec<String> {
        let mut deps = vec![];
        for (name, loc) in refs {
            let dep = resolve_key(key, name);
            if template_file(self.project, &dep).is_none() {
                let (s, e) = span(text, loc);
                self.diags.push(
                    Diagnostic::error(
                        "missing-template",
                        format!("{verb} template file `{name}` not found"),
                    )
                    .in_file(file, Some(text.clone()))
                    .at(s, e)
                    .label(format!("{verb} here")),
                );
            }
            deps.push(dep);
        }
        deps
    }

    fn add_wxs(&mut self, key: &str, file: &str) {
        if self.scripts.contains_key(key) {
            return;
        }
        let text = match self.project.tree.text(file) {
            Ok(t) => t,
            Err(d) => {
                self.diags.push(d);
                return;
            }
        };
        self.scripts.insert(key.to_string(), text.to_string());
        self.out.wxs_files.insert(file.to_string());
        for d in wxs::check_syntax(&text) {
            self.diags.push(d.in_file(file, Some(text.clone())));
        }
        for (spec, (s, e)) in wxs::requires(&text) {
            let dep = resolve_key(key, &spec);
            let found = if self.project.tree.contains(&dep) {
                Some(dep.clone())
            } else {
                find_with_ext(&self.project.tree, &dep, WXS_EXTS)
            };
            match found {
                Some(f) => self.add_wxs(&dep, &f),
                None => self.diags.push(
                    Diagnostic::error("missing-wxs", format!("WXS module `{spec}` not found"))
                        .in_file(file, Some(text.clone()))
                        .at(s, e),
                ),
            }
        }
    }

    fn check_cycles(&mut self) {
        // An include cycle recurses for ever; an import cycle is legal (imports are not transitive).
        let mut state: BTreeMap<String, u8> = BTreeMap::new();
        let keys: Vec<String> = self.out.templates.keys().cloned().collect();
        for k in keys {
            let mut path = vec![];
            self.dfs(&k, &mut state, &mut path);
        }
    }

    fn dfs(&mut self, key: &str, state: &mut BTreeMap<String, u8>, path: &mut Vec<String>) {
        match state.get(key) {
            Some(2) => return,
            Some(1) => {
                let start = path.iter().position(|p| p == key).unwrap_or(0);
                let mut chain: Vec<String> = path[start..].to_vec();
                chain.push(key.to_string());
                let from = path.last().cloned().unwrap_or_default();
                let info = &self.out.templates[&from];
                let text = self.project.tree.text(&info.file).ok();
                let offset = text
                    .as_deref()
                    .and_then(|t| t.find("<include"))
                    .unwrap_or(0);
                self.diags.push(
                    Diagnostic::error(
                        "include-cycle",
                        format!("include cycle: {}", chain.join(" -> ")),
                    )
                    .in_file(&info.file, text)
                    .at(offset, offset + 8),
                );
                return;
            }
            _ => {}
        }
        state.insert(key.to_string(), 1);
        path.push(key.to_string());
        let next = self
            .out
            .templates
            .get(key)
            .map(|i| i.includes.clone())
            .unwrap_or_default();
        for n in next {
            if self.out.templates.contains_key(&n) {
                self.dfs(&n, state, path);
            }
        }
        path.pop();
        state.insert(key.to_string(), 2);
    }

    /// One template group, its entries in sorted order so the bytes never change between runs.
    fn generate(&mut self) {
        let mut js = String::from("module.exports=(function(){var G={};var R={};");
        for (k, v) in &self.scripts {
            self.group.add_script(k, v);
        }
        match self.group.export_globals() {
            Ok(g) => {
                js.push_str(&g);
                js.push(';');
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
        for key in self.out.templates.keys() {
            match self.group.get_tmpl_gen_object(key) {
                Ok(code) => js.push_str(&format!(
                    "G[{}]={};",
                    serde_json::to_string(key).unwrap_or_default(),
                    sorted_binding_maps(&code)
                )),
                Err(e) => self.diags.push(Diagnostic::error(
                    "wxml-codegen",
                    format!("{key}: {}", e.message),
                )),
            }
        }
        js.push_str("return G})();\n");
        self.out.group_js = js;
    }
}

enum Walked<'a> {
    Tag(&'a str, &'a std::ops::Range<Position>),
    TemplateRef(&'a str, &'a std::ops::Range<Position>),
}

fn walk<'a>(nodes: &'a [Node], f: &mut impl FnMut(Walked<'a>)) {
    for n in nodes {
        let Node::Element(el) = n else { continue };
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

/// Errors of glass-easel that WeChat's own compiler lets through (and renders without the
/// offending part): failing the build on them would reject programs that run in WeChat.
fn wechat_accepts(kind: &ParseErrorKind) -> bool {
    // Fallback content inside `<slot>`: WeChat ignores it.
    matches!(kind, ParseErrorKind::ChildNodesNotAllowed)
}

/// glass-easel 0.12.1 writes each template's binding map (`A={"key":new Array(n),…}`) in
/// `HashMap` order, which changes from one process to the next. The keys are only looked up,
/// so sorting them keeps behaviour and makes the output reproducible.
fn sorted_binding_maps(code: &str) -> String {
    const MARK: &str = "O=R.r,A={";
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(i) = rest.find(MARK) {
        out.push_str(&rest[..i + MARK.len()]);
        rest = &rest[i + MARK.len()..];
        if let Some((mut entries, len)) = binding_entries(rest) {
            entries.sort();
            out.push_str(&entries.join(","));
            rest = &rest[len..];
        }
    }
    out.push_str(rest);
    out
}

/// Parse `"k":new Array(n),…` up to (not including) the closing brace.
fn binding_entries(s: &str) -> Option<(Vec<&str>, usize)> {
    let bytes = s.as_bytes();
    let mut entries = vec![];
    let mut pos = 0;
    loop {
        if bytes.get(pos) == Some(&b'}') {
            return Some((entries, pos));
        }
        let start = pos;
        if bytes.get(pos) != Some(&b'"') {
            return None;
        }
        pos += 1;
        loop {
            match bytes.get(pos)? {
                b'\\' => pos += 2,
                b'"' => break,
                _ => pos += 1,
            }
        }
        pos += 1;
        let tail = s.get(pos..)?.strip_prefix(":new Array(")?;
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || tail.as_bytes().get(digits) != Some(&b')') {
            return None;
        }
        pos += ":new Array(".len() + digits + 1;
        entries.push(&s[start..pos]);
        if bytes.get(pos) == Some(&b',') {
            pos += 1;
        }
    }
}

/// glass-easel 0.12.1 panics on some number literals inside `{{ }}` (a hex literal with a
/// letter past `f`, or more digits than an `i64` holds). Find them first: a malformed one is
/// an error and becomes `0`; a long decimal becomes the same number in exponent form. Both
/// keep the text's length, so every position stays right.
fn screen_numbers(text: &str) -> (std::borrow::Cow<'_, str>, Vec<(usize, usize, String)>) {
    let bytes = text.as_bytes();
    let mut fixes: Vec<(usize, usize, String)> = vec![];
    let mut errors = vec![];
    let mut i = 0;
    while let Some(open) = text[i..].find("{{").map(|o| o + i) {
        // An expression ends at `}}`; an unclosed one is cut at the next `{{`, where
        // glass-easel starts parsing afresh.
        let close = text[open + 2..]
            .find("}}")
            .into_iter()
            .chain(text[open + 2..].find("{{"))
            .min()
            .map_or(text.len(), |c| c + open + 2);
        let mut j = open + 2;
        let mut quote: Option<u8> = None;
        while j < close {
            let b = bytes[j];
            if let Some(q) = quote {
                if b == b'\\' {
                    j += 1;
                } else if b == q {
                    quote = None;
                }
                j += 1;
                continue;
            }
            if b == b'\'' || b == b'"' {
                quote = Some(b);
                j += 1;
                continue;
            }
            let prev = if j > 0 { bytes[j - 1] } else { b' ' };
            let starts = b.is_ascii_digit()
                && !(prev.is_ascii_alphanumeric() || prev == b'_' || prev == b'$' || prev == b'.');
            if !starts {
                j += 1;
                continue;
            }
            let end = j + bytes[j..close]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'$')
                .count();
            let lit = &text[j..end];
            let lower = lit.to_ascii_lowercase();
            if let Some(hex) = lower.strip_prefix("0x") {
                if hex.is_empty() || !hex.bytes().all(|c| c.is_ascii_hexdigit()) || hex.len() > 15 {
                    errors.push((
                        j,
                        end,
                        format!("invalid or too large hexadecimal literal `{lit}`"),
                    ));
                    fixes.push((j, end, format!("{:<w$}", "0", w = lit.len())));
                }
            } else if lit.len() > 1
                && lit.starts_with('0')
                && lit.bytes().all(|c| c.is_ascii_digit())
                && lit.bytes().all(|c| c < b'8')
            {
                if lit.len() > 21 {
                    errors.push((j, end, format!("octal literal `{lit}` is too large")));
                    fixes.push((j, end, format!("{:<w$}", "0", w = lit.len())));
                }
            } else if lit.bytes().take_while(u8::is_ascii_digit).count() > 18 {
                // The integer part is summed into an i64 before any `.` or `e` is seen.
                let short = (lit.bytes().all(|c| c.is_ascii_digit())
                    && bytes.get(end) != Some(&b'.'))
                .then(|| exponent_form(lit))
                .flatten();
                if let Some(short) = short {
                    fixes.push((j, end, short));
                } else {
                    errors.push((
                        j,
                        end,
                        format!("number literal `{lit}` has too many digits"),
                    ));
                    fixes.push((j, end, format!("{:<w$}", "0", w = lit.len())));
                }
            }
            j = end.max(j + 1);
        }
        i = close;
        if i >= text.len() {
            break;
        }
        if text[i..].starts_with("}}") {
            i += 2;
        }
    }
    if fixes.is_empty() {
        return (std::borrow::Cow::Borrowed(text), errors);
    }
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for (s, e, rep) in fixes {
        out.push_str(&text[pos..s]);
        out.push_str(&rep);
        pos = e;
    }
    out.push_str(&text[pos..]);
    (std::borrow::Cow::Owned(out), errors)
}

/// `digits` (all ASCII digits, more than 18) as `<m>e<k>` with `m` the shortest digits that
/// round-trip the f64 value (at most 17, so no overflow), padded with spaces to its length.
fn exponent_form(digits: &str) -> Option<String> {
    let v: f64 = digits.parse().ok().filter(|v: &f64| v.is_finite())?;
    let sci = format!("{v:e}");
    let (mantissa, exp) = sci.split_once('e')?;
    let m: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = exp.parse::<i64>().ok()? - (m.len() as i64 - 1);
    let out = format!("{m}e{k}");
    (out.len() <= digits.len()).then(|| format!("{out:<w$}", w = digits.len()))
}

/// glass-easel 0.12.1 loops forever on a non-ASCII space (U+00A0, U+0085, U+3000, ...)
/// between the attributes of a start tag. Inside tags, outside quotes, they become ASCII
/// spaces of the same byte length, so every offset holds; text content is left alone.
fn ascii_tag_spaces(text: &str) -> std::borrow::Cow<'_, str> {
    let odd = |c: char| c.is_whitespace() && !c.is_ascii();
    if !text.chars().any(odd) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let (mut in_tag, mut quote) = (false, None::<char>);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (in_tag, quote) {
            (false, _) => {
                in_tag = c == '<' && chars.peek().is_some_and(|n| n.is_alphabetic());
            }
            (true, Some(q)) if c == q => quote = None,
            (true, Some(_)) => {}
            (true, None) if c == '"' || c == '\'' => quote = Some(c),
            (true, None) if c == '>' => in_tag = false,
            (true, None) if odd(c) => {
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
                continue;
            }
            (true, None) => {}
        }
        out.push(c);
    }
    std::borrow::Cow::Owned(out)
}

/// WeChat still accepts the deprecated `wx:for-items` for `wx:for`; glass-easel does not.
/// The rewrite keeps every byte offset (the name is padded with leading spaces).
fn legacy_aliases(text: &str) -> std::borrow::Cow<'_, str> {
    const OLD: &str = "wx:for-items";
    if !text.contains(OLD) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(OLD) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + OLD.len()..].trim_start().chars().next();
        out.push_str(&rest[..i]);
        if before.is_some_and(char::is_whitespace) && after == Some('=') {
            out.push_str("      wx:for");
        } else {
            out.push_str(OLD);
        }
        rest = &rest[i + OLD.len()..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screens_number_literals_glass_easel_would_panic_on() {
        let (out, errs) = screen_numbers("<view a=\"{{0xzz + 1}}\">{{ '0xzz' }} {{a0xzz}}</view>");
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(
            out,
            "<view a=\"{{0    + 1}}\">{{ '0xzz' }} {{a0xzz}}</view>"
        );
        let (out, errs) = screen_numbers("{{12345678901234567890}} {{0x1F}} {{0777}} {{1.5e3}}");
        assert!(errs.is_empty());
        assert_eq!(out, "{{12345678901234567e3 }} {{0x1F}} {{0777}} {{1.5e3}}");
        let (_, errs) = screen_numbers("{{12345678901234567890.5}} {{1234567890123456789012e3}}");
        assert_eq!(errs.len(), 2);
        // An unclosed expression ends where the next one starts.
        let (_, errs) = screen_numbers("a{{p7 \" e=\"{{x ? 1234567890123456789012KK : 0}}");
        assert_eq!(errs.len(), 1, "{errs:?}");
        let (_, errs) = screen_numbers("{{0x1234567890abcdef1}}");
        assert_eq!(errs.len(), 1);
    }

    #[test]
    fn exponent_form_keeps_length_and_value() {
        for d in [
            "1234567890123456789",
            "12345678901234567890",
            &"9".repeat(40),
            &"7".repeat(300),
        ] {
            let e = exponent_form(d).unwrap();
            assert_eq!(e.len(), d.len());
            let (a, b): (f64, f64) = (e.trim().parse().unwrap(), d.parse().unwrap());
            assert_eq!(a, b, "{d} -> {e}");
        }
    }

    #[test]
    fn unicode_spaces_in_tags_become_ascii() {
        let src = "<view a=\"1\"\u{85}b=\"x\u{a0}y\"\u{3000}>\u{a0}{{ v }}</view>";
        let out = ascii_tag_spaces(src);
        assert_eq!(out.len(), src.len());
        assert_eq!(out, "<view a=\"1\"  b=\"x\u{a0}y\"   >\u{a0}{{ v }}</view>");
        let mut group = TmplGroup::new();
        let errs = group.add_tmpl("t", &out);
        assert!(errs.iter().all(|e| !e.prevent_success()), "{errs:?}");
    }
}
