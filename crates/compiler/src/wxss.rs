//! Stylesheets through glass-easel's stylesheet compiler: rpx, `:host`, a class prefix per
//! component's style scope, and `@import` inlined (compiled under the importer's scope).
//!
//! A stylesheet is compiled by its extension: `.wxss`/`.ftss` as written; `.less` and
//! `.scss`/`.sass` (DevTools' compiler plugins) first to CSS ([`less`], [`sass`]), which then
//! goes through the same WXSS stage. Before glass-easel, [`lenient`] rewrites what WeChat's
//! `wcsc` accepts and glass-easel would refuse.

mod lenient;
mod less;
mod sass;

use std::collections::BTreeMap;

use glass_easel_stylesheet_compiler::error::ParseErrorLevel;
use glass_easel_stylesheet_compiler::{StyleSheetOptions, StyleSheetTransformer};
use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, Diagnostics, offset_of_utf16};
use crate::project::{Project, UnitKind, WXSS_EXTS, find_with_ext};
use crate::source::resolve_from;

pub use lenient::{IMPORT_WITHOUT_SEMICOLON, IMPORT_WITHOUT_STRING, LINE_COMMENT};

const IMPORT_SIGN: &str = "cove-import";

/// Compiled CSS per output path (`app.css`, `<unit base>.css`), and each unit's scope name.
#[derive(Debug, Default)]
pub struct WxssOutput {
    pub css: BTreeMap<String, String>,
    pub scopes: BTreeMap<String, String>,
}

/// The class prefix of a unit: readable, and unique by a hash of its path.
pub fn scope_name(base: &str) -> String {
    let last = base.rsplit('/').find(|s| *s != "index").unwrap_or("c");
    let clean: String = last
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(24)
        .collect();
    let hash = hex::encode(&Sha256::digest(base.as_bytes())[..3]);
    format!(
        "{}{hash}",
        if clean.is_empty() {
            "c-".to_string()
        } else {
            format!("{clean}-")
        }
    )
}

/// What one build shares across stylesheets: the LESS compiler, loaded on first use.
struct Styles<'p> {
    project: &'p Project,
    less: Option<Result<less::Less, String>>,
}

impl<'p> Styles<'p> {
    fn new(project: &'p Project) -> Self {
        Self {
            project,
            less: None,
        }
    }

    fn less(&mut self) -> Result<&less::Less, String> {
        let tree = &self.project.tree;
        self.less
            .get_or_insert_with(|| less::Less::new(tree))
            .as_ref()
            .map_err(Clone::clone)
    }
}

pub fn compile(project: &Project, diags: &mut Diagnostics) -> WxssOutput {
    let mut out = WxssOutput::default();
    let mut styles = Styles::new(project);
    if let Some(app) = project.app_style() {
        let css = compile_file(&mut styles, &app, None, None, &mut vec![], diags);
        out.css.insert("app.css".into(), css);
    }
    for unit in project.units.values() {
        let scope = scope_name(&unit.base);
        out.scopes.insert(unit.base.clone(), scope.clone());
        let Some(file) = &unit.wxss else { continue };
        let component = unit.kind == UnitKind::Component;
        let host = component.then_some(unit.base.as_str());
        // A page's styles are shared, as in WeChat: they reach components that take global
        // classes (`addGlobalClass`, `apply-shared`). The view keeps them to their own page.
        let prefix = component.then_some(scope.as_str());
        let css = compile_file(&mut styles, file, prefix, host, &mut vec![], diags);
        out.css.insert(format!("{}.css", unit.base), css);
    }
    out
}

/// Compile one stylesheet on its own, as `wcsc` does per file (its `@import`s inlined, with
/// no component scope). Every diagnostic goes to `diags`.
pub fn check_file(project: &Project, file: &str, diags: &mut Diagnostics) {
    let _ = compile_standalone(project, file, diags);
}

/// [`check_file`], returning the CSS.
pub fn compile_standalone(project: &Project, file: &str, diags: &mut Diagnostics) -> String {
    compile_file(
        &mut Styles::new(project),
        file,
        None,
        None,
        &mut vec![],
        diags,
    )
}

/// The preprocessor a stylesheet's extension calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Wxss,
    Less,
    Sass,
}

fn lang_of(file: &str) -> Lang {
    match file.rsplit_once('.').map(|(_, e)| e) {
        Some("less") => Lang::Less,
        Some("scss" | "sass") => Lang::Sass,
        _ => Lang::Wxss,
    }
}

/// The CSS a stylesheet stands for: its text, or its LESS/Sass compiled.
fn source_css(
    styles: &mut Styles,
    file: &str,
    text: &str,
    diags: &mut Diagnostics,
) -> Option<String> {
    match lang_of(file) {
        Lang::Wxss => Some(text.to_string()),
        Lang::Less => {
            let less = match styles.less() {
                Ok(l) => l,
                Err(e) => {
                    diags.push(
                        Diagnostic::error(
                            "less-syntax",
                            format!("the LESS compiler failed to load: {e}"),
                        )
                        .in_file(file, None),
                    );
                    return None;
                }
            };
            less.compile(file, text).map_err(|d| diags.push(d)).ok()
        }
        Lang::Sass => {
            let mut warnings = vec![];
            let r = sass::compile(&styles.project.tree, file, &mut warnings);
            diags.0.extend(warnings);
            r.map_err(|d| diags.push(d)).ok()
        }
    }
}

/// An imported stylesheet's file. A `.wxss` path (or one without an extension) may stand for a
/// `.less`/`.scss` file when the project's compiler plugin is on: DevTools writes the `.wxss`.
fn import_target(project: &Project, from: &str, rel: &str) -> Option<String> {
    let p = resolve_from(from, rel)?;
    let base = p
        .strip_suffix(".wxss")
        .or_else(|| p.strip_suffix(".ftss"))
        .unwrap_or(&p);
    if (base.len() < p.len() || !project.tree.contains(&p))
        && let Some(found) = crate::project::find_style(&project.tree, base, project.plugins)
    {
        return Some(found);
    }
    if project.tree.contains(&p) {
        return Some(p);
    }
    find_with_ext(&project.tree, base, WXSS_EXTS)
}

fn compile_file(
    styles: &mut Styles,
    file: &str,
    prefix: Option<&str>,
    host: Option<&str>,
    stack: &mut Vec<String>,
    diags: &mut Diagnostics,
) -> String {
    let project = styles.project;
    let text = match project.tree.text(file) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return String::new();
        }
    };
    let Some(css) = source_css(styles, file, &text, diags) else {
        return String::new();
    };
    // Positions in CSS compiled from LESS/Sass are not positions in the file: such warnings
    // name the file only.
    let generated = lang_of(file) != Lang::Wxss;
    let place = |d: Diagnostic, span: (usize, usize)| {
        if generated {
            d.in_file(file, None)
        } else {
            let s = span.0.min(text.len());
            d.in_file(file, Some(text.clone()))
                .at(s, span.1.max(s + 1).min(text.len()))
        }
    };
    let fixed = lenient::rewrite(&css);
    for n in &fixed.notes {
        let d = if n.error {
            Diagnostic::error("wxss-syntax", n.message)
        } else {
            Diagnostic::warning("wxss-syntax", n.message)
        };
        diags.push(place(d, n.span));
    }
    let options = StyleSheetOptions {
        class_prefix: prefix.map(str::to_string),
        import_sign: Some(IMPORT_SIGN.into()),
        convert_host: host.is_some(),
        host_is: host.map(str::to_string),
        ..Default::default()
    };
    let mut t = StyleSheetTransformer::from_css(file, &fixed.text, options);
    for w in t.take_warnings() {
        if w.level() < ParseErrorLevel::Warn {
            continue;
        }
        let at = |line, col| fixed.original_offset(offset_of_utf16(&fixed.text, line, col));
        let s = at(w.location.start.line, w.location.start.utf16_col);
        let e = at(w.location.end.line, w.location.end.utf16_col);
        let d = if w.prevent_success() {
            Diagnostic::error("wxss-syntax", w.kind.to_string())
        } else {
            Diagnostic::warning("wxss-syntax", w.kind.to_string())
        };
        diags.push(place(d, (s, e)));
    }
    let (normal, low) = t.output_and_low_priority_output();
    let mut css = String::new();
    let _ = low.write_str(&mut css);
    let _ = normal.write_str(&mut css);

    stack.push(file.to_string());
    let mut result = String::with_capacity(css.len());
    let mut rest = css.as_str();
    let open = format!("/*{IMPORT_SIGN} ");
    while let Some(i) = rest.find(&open) {
        result.push_str(&rest[..i]);
        let after = &rest[i + open.len()..];
        let Some(end) = after.find("*/") else {
            result.push_str(&rest[i..]);
            rest = "";
            break;
        };
        let rel = urlencoding::decode(&after[..end])
            .map(|c| c.into_owned())
            .unwrap_or_else(|_| after[..end].to_string());
        rest = &after[end + 2..];
        let located = |d: Diagnostic| {
            let pos = text.find(&rel).unwrap_or(0);
            d.in_file(file, Some(text.clone())).at(pos, pos + rel.len())
        };
        match import_target(project, file, &rel) {
            None => diags.push(located(Diagnostic::error(
                "missing-style",
                format!("imported stylesheet `{rel}` not found"),
            ))),
            Some(t) if stack.contains(&t) => {
                let chain = stack
                    .iter()
                    .chain(std::iter::once(&t))
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" -> ");
                diags.push(located(Diagnostic::error(
                    "import-cycle",
                    format!("stylesheet import cycle: {chain}"),
                )));
            }
            Some(t) => {
                result.push_str(&compile_file(styles, &t, prefix, host, stack, diags));
            }
        }
    }
    result.push_str(rest);
    stack.pop();
    result
}
