//! ES module syntax to CommonJS, the way WeChat DevTools' Babel pass does it, so that
//! `import`/`export` files and `require`/`module.exports` files can require each other.
//!
//! The rewrite is textual on spans found by oxc's parser and semantic analysis. It never
//! adds or removes a line break, so line numbers (and the source maps built on them) stay
//! those of the original file.

#[cfg(test)]
use oxc::allocator::Allocator;
use oxc::ast::AstKind;
use oxc::ast::ast::{
    BindingPattern, Declaration, ExportDefaultDeclarationKind, ImportDeclarationSpecifier,
    ModuleDeclaration, ModuleExportName, Program,
};
use oxc::semantic::SemanticBuilder;
use oxc::span::GetSpan;

const HELPERS: &str = "function __coveDefault(m){return m&&m.__esModule?m:{default:m}}\
function __coveNs(m){if(m&&m.__esModule)return m;var r={default:m};if(m!=null&&(typeof m==='object'||typeof m==='function'))for(var k in m)if(k!=='default')r[k]=m[k];return r}\
function __coveStar(e,m){Object.keys(m).forEach(function(k){if(k!=='default'&&k!=='__esModule'&&!Object.prototype.hasOwnProperty.call(e,k))Object.defineProperty(e,k,{enumerable:true,get:function(){return m[k]}})})}";

struct Edit {
    start: u32,
    end: u32,
    text: String,
}

/// Does the program use `import`/`export` declarations?
pub fn is_esm(program: &Program) -> bool {
    program
        .body
        .iter()
        .any(|s| s.as_module_declaration().is_some())
}

/// Rewrite an ES module's text to CommonJS. `program` must be the parse of `source`.
pub fn to_commonjs(source: &str, program: &Program) -> String {
    let semantic = SemanticBuilder::new()
        .with_build_nodes(true)
        .build(program)
        .semantic;
    let scoping = semantic.scoping();
    let nodes = semantic.nodes();
    let mut edits: Vec<Edit> = vec![];
    let mut getters: Vec<(String, String)> = vec![];
    let mut counter = 0usize;
    let mut fresh = |hint: &str| loop {
        counter += 1;
        let name = format!("_cove_{hint}{counter}");
        if !source.contains(&name) {
            break name;
        }
    };
    let mut removed: Vec<(u32, u32)> = vec![];
    // What each imported binding became, for `export { imported }` getters.
    let mut imported = std::collections::HashMap::new();
    let mut reexported = vec![];

    for stmt in &program.body {
        let Some(decl) = stmt.as_module_declaration() else {
            continue;
        };
        match decl {
            ModuleDeclaration::ImportDeclaration(imp) => {
                let src = quote(imp.source.value.as_str());
                let m = fresh("m");
                let mut text = format!("var {m}=require({src});");
                let mut ns_target: Option<String> = None;
                let mut default_target: Option<String> = None;
                for spec in imp.specifiers.iter().flatten() {
                    let (symbol, replacement) = match spec {
                        ImportDeclarationSpecifier::ImportSpecifier(s) => {
                            let name = module_export_name(&s.imported);
                            let r = if is_ident(&name) {
                                format!("{m}.{name}")
                            } else {
                                format!("{m}[{}]", quote(&name))
                            };
                            (s.local.symbol_id(), r)
                        }
                        ImportDeclarationSpecifier::ImportDefaultSpecifier(s) => {
                            let d = default_target.get_or_insert_with(|| fresh("d")).clone();
                            (s.local.symbol_id(), format!("{d}.default"))
                        }
                        ImportDeclarationSpecifier::ImportNamespaceSpecifier(s) => {
                            ns_target = Some(s.local.name.to_string());
                            continue;
                        }
                    };
                    imported.insert(symbol, replacement.clone());
                    for r in scoping.get_resolved_references(symbol) {
                        let id = r.node_id();
                        let span = nodes.kind(id).span();
                        let shorthand = matches!(nodes.parent_kind(id), AstKind::ObjectProperty(p) if p.shorthand);
                        let text = if shorthand {
                            format!(
                                "{}:{replacement}",
                                &source[span.start as usize..span.end as usize]
                            )
                        } else {
                            replacement.clone()
                        };
                        edits.push(Edit {
                            start: span.start,
                            end: span.end,
                            text,
                        });
                    }
                }
                if let Some(d) = default_target {
                    text.push_str(&format!("var {d}=__coveDefault({m});"));
                }
                if let Some(ns) = ns_target {
                    text.push_str(&format!("var {ns}=__coveNs({m});"));
                }
                replace_stmt(
                    source,
                    imp.span.start,
                    imp.span.end,
                    text,
                    &mut edits,
                    &mut removed,
                );
            }
            ModuleDeclaration::ExportAllDeclaration(all) => {
                let src = quote(all.source.value.as_str());
                let text = match &all.exported {
                    Some(name) => {
                        let m = fresh("m");
                        getters.push((module_export_name(name), format!("__coveNs({m})")));
                        format!("var {m}=require({src});")
                    }
                    None => {
                        format!("__coveStar(exports,require({src}));")
                    }
                };
                replace_stmt(
                    source,
                    all.span.start,
                    all.span.end,
                    text,
                    &mut edits,
                    &mut removed,
                );
            }
            ModuleDeclaration::ExportFromDeclaration(named) => {
                let m = fresh("m");
                for s in &named.specifiers {
                    let local = module_export_name(&s.local);
                    let access = if local == "default" {
                        format!("__coveDefault({m}).default")
                    } else {
                        format!("{m}[{}]", quote(&local))
                    };
                    getters.push((module_export_name(&s.exported), access));
                }
                let text = format!("var {m}=require({});", quote(named.source.value.as_str()));
                replace_stmt(
                    source,
                    named.span.start,
                    named.span.end,
                    text,
                    &mut edits,
                    &mut removed,
                );
            }
            ModuleDeclaration::ExportDeclaration(exp) => {
                let d = &exp.declaration;
                for name in declared_names(d) {
                    getters.push((name.clone(), name));
                }
                // Drop the `export` keyword and keep the declaration.
                edits.push(Edit {
                    start: exp.span.start,
                    end: d.span().start,
                    text: String::new(),
                });
            }
            ModuleDeclaration::ExportNamedDeclaration(named) => {
                for s in &named.specifiers {
                    let symbol = match &s.local {
                        ModuleExportName::IdentifierReference(r) => {
                            scoping.get_reference(r.reference_id()).symbol_id()
                        }
                        _ => None,
                    };
                    let local = module_export_name(&s.local);
                    // Imports are hoisted, so an imported binding is resolved after the loop.
                    if let Some(sym) = symbol {
                        reexported.push((getters.len(), sym));
                    }
                    getters.push((module_export_name(&s.exported), local));
                }
                replace_stmt(
                    source,
                    named.span.start,
                    named.span.end,
                    String::new(),
                    &mut edits,
                    &mut removed,
                );
            }
            ModuleDeclaration::ExportDefaultDeclaration(def) => {
                let named_decl = match &def.declaration {
                    ExportDefaultDeclarationKind::FunctionDeclaration(f) => {
                        f.id.as_ref().map(|i| i.name.to_string())
                    }
                    ExportDefaultDeclarationKind::ClassDeclaration(c) => {
                        c.id.as_ref().map(|i| i.name.to_string())
                    }
                    _ => None,
                };
                let decl_start = def.declaration.span().start;
                match named_decl {
                    Some(name) => {
                        getters.push(("default".into(), name));
                        edits.push(Edit {
                            start: def.span.start,
                            end: decl_start,
                            text: String::new(),
                        });
                    }
                    None => {
                        let v = fresh("default");
                        getters.push(("default".into(), v.clone()));
                        edits.push(Edit {
                            start: def.span.start,
                            end: decl_start,
                            text: format!("var {v}="),
                        });
                        let is_decl = matches!(
                            def.declaration,
                            ExportDefaultDeclarationKind::FunctionDeclaration(_)
                                | ExportDefaultDeclarationKind::ClassDeclaration(_)
                        );
                        if is_decl {
                            edits.push(Edit {
                                start: def.span.end,
                                end: def.span.end,
                                text: ";".into(),
                            });
                        }
                    }
                }
            }
            _ => {}
        }
    }

    // Dynamic `import()` becomes a promise of the required module.
    for node in nodes.iter() {
        if let AstKind::ImportExpression(e) = node.kind() {
            let inner = e.source.span();
            edits.push(Edit {
                start: e.span.start,
                end: inner.start,
                text: "Promise.resolve().then(function(){return __coveNs(require(".into(),
            });
            edits.push(Edit {
                start: inner.end,
                end: e.span.end,
                text: "))})".into(),
            });
        }
    }

    for (i, sym) in reexported {
        if let Some(r) = imported.get(&sym) {
            getters[i].1.clone_from(r);
        }
    }
    let mut prologue = String::from("Object.defineProperty(exports,'__esModule',{value:true});");
    for (exported, local) in &getters {
        prologue.push_str(&format!(
            "Object.defineProperty(exports,{},{{enumerable:true,get:function(){{return {local}}}}});",
            quote(exported)
        ));
    }
    prologue.push_str(HELPERS);
    edits.retain(|e| {
        !removed
            .iter()
            .any(|&(s, en)| e.start >= s && e.end <= en && !(e.start == s && e.end == en))
    });
    edits.sort_by_key(|e| (e.start, e.end));

    let mut out = String::with_capacity(source.len() + prologue.len() + 64);
    // Keep a directive prologue (`'use strict'`) first.
    let head = program.directives.last().map_or(0, |d| d.span.end as usize);
    out.push_str(&source[..head]);
    out.push_str(&prologue);
    let mut pos = head;
    for e in edits {
        let (s, en) = (e.start as usize, e.end as usize);
        if s < pos {
            continue;
        }
        out.push_str(&source[pos..s]);
        out.push_str(&e.text);
        pos = en;
    }
    out.push_str(&source[pos..]);
    out
}

/// Replace a whole statement, keeping its line breaks.
fn replace_stmt(
    source: &str,
    start: u32,
    end: u32,
    mut text: String,
    edits: &mut Vec<Edit>,
    removed: &mut Vec<(u32, u32)>,
) {
    let newlines = source[start as usize..end as usize].matches('\n').count();
    text.push_str(&"\n".repeat(newlines));
    edits.push(Edit { start, end, text });
    removed.push((start, end));
}

fn declared_names(d: &Declaration) -> Vec<String> {
    match d {
        Declaration::VariableDeclaration(v) => {
            let mut out = vec![];
            for decl in &v.declarations {
                collect_binding_names(&decl.id, &mut out);
            }
            out
        }
        Declaration::FunctionDeclaration(f) => f.id.iter().map(|i| i.name.to_string()).collect(),
        Declaration::ClassDeclaration(c) => c.id.iter().map(|i| i.name.to_string()).collect(),
        _ => vec![],
    }
}

fn collect_binding_names(p: &BindingPattern, out: &mut Vec<String>) {
    match p {
        BindingPattern::BindingIdentifier(i) => out.push(i.name.to_string()),
        BindingPattern::ObjectPattern(o) => {
            for prop in &o.properties {
                collect_binding_names(&prop.value, out);
            }
            if let Some(r) = &o.rest {
                collect_binding_names(&r.argument, out);
            }
        }
        BindingPattern::ArrayPattern(a) => {
            for el in a.elements.iter().flatten() {
                collect_binding_names(el, out);
            }
            if let Some(r) = &a.rest {
                collect_binding_names(&r.argument, out);
            }
        }
        BindingPattern::AssignmentPattern(a) => collect_binding_names(&a.left, out),
    }
}

fn module_export_name(n: &ModuleExportName) -> String {
    match n {
        ModuleExportName::IdentifierName(i) => i.name.to_string(),
        ModuleExportName::IdentifierReference(i) => i.name.to_string(),
        ModuleExportName::StringLiteral(s) => s.value.to_string(),
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && c.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// Test helper: parse and convert in one go.
#[cfg(test)]
pub fn convert(source: &str) -> String {
    let alloc = Allocator::default();
    let ret = oxc::parser::Parser::new(&alloc, source, oxc::span::SourceType::mjs()).parse();
    assert!(ret.diagnostics.is_empty(), "{:?}", ret.diagnostics);
    to_commonjs(source, &ret.program)
}

#[cfg(test)]
mod tests {
    use super::convert;

    /// `export { x }` of an imported binding exports what the import became, live.
    #[test]
    fn reexported_imports_resolve_to_their_source() {
        let lib = convert("export default 7; export let n = 1; export function bump() { n++; }");
        let hub = convert(
            "import seven from './lib'; import { n as count, bump } from './lib';\n\
             export { seven, count, bump as inc };",
        );
        let main = convert(
            "import { seven, count, inc } from './hub';\n\
             inc(); module.exports.out = [seven, count];",
        );
        let script = format!(
            "const src = {{'./lib': {lib:?}, './hub': {hub:?}, main: {main:?}}}, cache = {{}};\n\
             function load(id) {{ if (cache[id]) return cache[id].exports; const m = cache[id] = {{exports: {{}}}};\n\
             new Function('require', 'module', 'exports', src[id])(load, m, m.exports); return m.exports; }}\n\
             console.log(JSON.stringify(load('main').out));"
        );
        let out = std::process::Command::new("node")
            .arg("-e")
            .arg(script)
            .output()
            .expect("node is installed");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "[7,2]",
            "{hub}"
        );
    }
}
