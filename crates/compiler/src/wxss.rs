//! WXSS through glass-easel's stylesheet compiler: rpx, `:host`, a class prefix per
//! component's style scope, and `@import` inlined (compiled under the importer's scope).

use std::collections::BTreeMap;

use glass_easel_stylesheet_compiler::error::ParseErrorLevel;
use glass_easel_stylesheet_compiler::{StyleSheetOptions, StyleSheetTransformer};
use sha2::{Digest, Sha256};

use crate::diagnostic::{Diagnostic, Diagnostics, offset_of_utf16};
use crate::project::{Project, UnitKind, WXSS_EXTS, find_with_ext};
use crate::source::resolve_from;

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

pub fn compile(project: &Project, diags: &mut Diagnostics) -> WxssOutput {
    let mut out = WxssOutput::default();
    if let Some(app) = project.app_style() {
        let css = compile_file(project, &app, None, None, &mut vec![], diags);
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
        let css = compile_file(project, file, prefix, host, &mut vec![], diags);
        out.css.insert(format!("{}.css", unit.base), css);
    }
    out
}

/// Compile one stylesheet on its own, as `wcsc` does per file (its `@import`s inlined, with
/// no component scope). Every diagnostic goes to `diags`.
pub fn check_file(project: &Project, file: &str, diags: &mut Diagnostics) {
    let _ = compile_file(project, file, None, None, &mut vec![], diags);
}

fn compile_file(
    project: &Project,
    file: &str,
    prefix: Option<&str>,
    host: Option<&str>,
    stack: &mut Vec<String>,
    diags: &mut Diagnostics,
) -> String {
    let text = match project.tree.text(file) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return String::new();
        }
    };
    let options = StyleSheetOptions {
        class_prefix: prefix.map(str::to_string),
        import_sign: Some(IMPORT_SIGN.into()),
        convert_host: host.is_some(),
        host_is: host.map(str::to_string),
        ..Default::default()
    };
    let mut t = StyleSheetTransformer::from_css(file, &text, options);
    for w in t.take_warnings() {
        if w.level() < ParseErrorLevel::Warn {
            continue;
        }
        let s = offset_of_utf16(&text, w.location.start.line, w.location.start.utf16_col);
        let e = offset_of_utf16(&text, w.location.end.line, w.location.end.utf16_col);
        let d = if w.prevent_success() {
            Diagnostic::error("wxss-syntax", w.kind.to_string())
        } else {
            Diagnostic::warning("wxss-syntax", w.kind.to_string())
        };
        diags.push(
            d.in_file(file, Some(text.clone()))
                .at(s, e.max(s + 1).min(text.len())),
        );
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
        let target = resolve_from(file, &rel).and_then(|p| {
            if project.tree.contains(&p) {
                Some(p)
            } else {
                find_with_ext(&project.tree, p.trim_end_matches(".wxss"), WXSS_EXTS)
            }
        });
        match target {
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
            Some(t) => result.push_str(&compile_file(project, &t, prefix, host, stack, diags)),
        }
    }
    result.push_str(rest);
    stack.pop();
    result
}
