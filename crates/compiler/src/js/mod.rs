//! The JS module graph: `app.js`, every page and component script, and whatever they
//! `require` or `import` (relative, absolute and npm paths, JSON modules). ES module files
//! are rewritten to CommonJS; minify and source maps are options.

pub mod esm;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use oxc::allocator::Allocator;
use oxc::ast::AstKind;
use oxc::ast::ast::{Argument, Expression};
use oxc::codegen::{Codegen, CodegenOptions};
use oxc::minifier::{CompressOptions, MangleOptions, Minifier, MinifierOptions};
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::{GetSpan, SourceType};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::options::{CompileOptions, JsTarget};
use crate::plugins::{Plugins, module_id};
use crate::project::{Project, find_with_ext};
use crate::source::{SourceTree, candidate_paths, normalize};

#[derive(Debug, Clone)]
pub struct JsModule {
    /// The source file (`utils/x.ts`); the module is known by [`module_id`] of it.
    pub path: String,
    /// CommonJS body: runs with `require`, `module`, `exports` in scope.
    pub code: String,
    pub source_map: Option<String>,
    /// Each `require`/`import` specifier to the module id it resolved to.
    pub deps: BTreeMap<String, String>,
}

/// Compile every module reachable from the app, its pages and components, keyed by module
/// id (a `.ts` source is known by its `.js` name, as DevTools compiles it).
pub fn compile(
    project: &Project,
    opts: &CompileOptions,
    diags: &mut Diagnostics,
) -> BTreeMap<String, JsModule> {
    if opts.js_target == JsTarget::Es5 && !cfg!(feature = "es5") {
        diags.push(
            Diagnostic::error("es5-unavailable", "this build of Cove cannot emit ES5")
                .help("rebuild with `cargo build -p cove-cli --features es5` (it adds swc)"),
        );
        return BTreeMap::new();
    }
    let mut entries: Vec<String> = vec![];
    if let Some(app) = find_with_ext(&project.tree, "app", project.plugins.script_exts()) {
        entries.push(app);
    } else if !project.library {
        diags.push(Diagnostic::error(
            "missing-app-js",
            "no `app.js` found next to `app.json`",
        ));
    }
    entries.extend(project.units.values().filter_map(|u| u.js.clone()));
    entries.extend(project.workers.iter().cloned());
    let mut out = BTreeMap::new();
    let mut queue: Vec<String> = entries;
    let mut seen = BTreeSet::new();
    while let Some(path) = queue.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let Some((mut module, sources)) =
            compile_module(&project.tree, &path, project.plugins, opts, diags)
        else {
            continue;
        };
        queue.extend(sources);
        let id = module_id(&path);
        module.deps = module
            .deps
            .into_iter()
            .map(|(spec, target)| (spec, module_id(&target)))
            .collect();
        out.insert(id, module);
    }
    out
}

/// One module, with the source paths of the modules it depends on.
fn compile_module(
    tree: &SourceTree,
    path: &str,
    plugins: Plugins,
    opts: &CompileOptions,
    diags: &mut Diagnostics,
) -> Option<(JsModule, Vec<String>)> {
    let text = match tree.text(path) {
        Ok(t) => t,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    if path.ends_with(".json") {
        return match crate::json::JsonDoc::parse(path, text) {
            Ok(doc) => Some((
                JsModule {
                    path: path.into(),
                    code: format!("module.exports={};", doc.value),
                    source_map: None,
                    deps: BTreeMap::new(),
                },
                vec![],
            )),
            Err(d) => {
                diags.push(d);
                None
            }
        };
    }
    // TypeScript: types stripped first (positions then refer to the stripped text, so
    // diagnostics below are placed by finding their text in the source).
    let ts = is_typescript(path);
    let js: Arc<str> = if ts {
        Arc::from(strip_types(path, &text, diags)?)
    } else {
        text.clone()
    };
    let alloc = Allocator::default();
    let ret = Parser::new(&alloc, &js, SourceType::unambiguous()).parse();
    if !ret.diagnostics.is_empty() {
        for e in ret.diagnostics.iter() {
            diags.push(oxc_diag(path, &js, e, "js-syntax"));
        }
        return None;
    }
    let program = ret.program;
    let mut deps = BTreeMap::new();
    let Found {
        required,
        optional,
        contexts,
    } = dependencies(&program, path, &js, diags);
    for spec in optional {
        if let Some(target) = resolve_require(tree, path, &spec, plugins) {
            deps.entry(spec).or_insert(target);
        }
    }
    for (prefix, (s, e)) in contexts {
        let folder = &prefix[..prefix.rfind('/').unwrap_or(0)];
        let found = context_modules(tree, path, folder, plugins);
        if found.is_empty() {
            diags.push(
                Diagnostic::warning(
                    "dynamic-require",
                    format!(
                        "`require` with a computed path under `{folder}/`, a folder with no modules"
                    ),
                )
                .in_file(path, Some(text.clone()))
                .at(s, e),
            );
        }
        for (spec, target) in found {
            deps.entry(spec).or_insert(target);
        }
    }
    for (spec, (s, e)) in required {
        let (s, e) = if ts {
            locate_string(&text, &spec)
        } else {
            (s, e)
        };
        match resolve_require(tree, path, &spec, plugins) {
            Some(target) => {
                deps.insert(spec, target);
            }
            // WeChat builds the app and throws when the `require` runs; so does Cove
            // (the container's `require` names the module as WeChat does).
            None => diags.push(
                Diagnostic::warning("module-not-found", format!("cannot resolve module `{spec}`"))
                    .in_file(path, Some(text.clone()))
                    .at(s, e)
                    .help("paths resolve relative to this file, from the root with `/`, through `resolveAlias`, or through `miniprogram_npm`; the `require` throws when it runs"),
            ),
        }
    }
    let cjs = if esm::is_esm(&program) {
        esm::to_commonjs(&js, &program)
    } else {
        js.to_string()
    };
    let (code, source_map) = emit(path, &cjs, &text, opts, diags)?;
    let sources = deps.values().cloned().collect();
    Some((
        JsModule {
            path: path.into(),
            code,
            source_map,
            deps,
        },
        sources,
    ))
}

/// Does a computed path's constant start name a folder of its own (`./plugins/`), not just
/// the current or a parent folder, whose every script would be far more than it means?
fn names_a_folder(prefix: &str) -> bool {
    let Some((folder, _)) = prefix.rsplit_once('/') else {
        return false;
    };
    folder
        .split('/')
        .any(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

/// Every script and JSON module directly in `folder` (as written, relative to `from`), keyed
/// by the specifier that names it: `./plugins/sub` for `plugins/sub.js`.
fn context_modules(
    tree: &SourceTree,
    from: &str,
    folder: &str,
    plugins: Plugins,
) -> Vec<(String, String)> {
    let Some(dir) = crate::source::resolve_from(from, folder) else {
        return vec![];
    };
    let lead = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    tree.paths()
        .filter(|p| p.starts_with(&lead) && !p[lead.len()..].contains('/'))
        .filter(|p| {
            let ext = p.rsplit('.').next().unwrap_or("");
            (plugins.script_exts().contains(&ext) && !p.ends_with(".d.ts")) || ext == "json"
        })
        .map(|p| {
            let rel = &p[lead.len()..];
            let stem = rel
                .strip_suffix(".js")
                .or_else(|| rel.strip_suffix(".ts"))
                .unwrap_or(rel);
            (format!("{folder}/{stem}"), p.to_string())
        })
        .collect()
}

fn is_typescript(path: &str) -> bool {
    path.ends_with(".ts") && !path.ends_with(".d.ts")
}

/// TypeScript to JS, as DevTools' `typescript` plugin does per file (isolated modules: type
/// annotations, interfaces and type-only imports removed; enums and namespaces compiled).
/// Syntax and transform errors are reported against the `.ts` source.
fn strip_types(path: &str, text: &Arc<str>, diags: &mut Diagnostics) -> Option<String> {
    let alloc = Allocator::default();
    let ret = Parser::new(&alloc, text, SourceType::ts()).parse();
    if !ret.diagnostics.is_empty() {
        for e in ret.diagnostics.iter() {
            diags.push(oxc_diag(path, text, e, "js-syntax"));
        }
        return None;
    }
    let mut program = ret.program;
    let scoping = SemanticBuilder::new()
        .with_enum_eval(true)
        .build(&program)
        .semantic
        .into_scoping();
    let t_opts = oxc::transformer::TransformOptions::default();
    let r = oxc::transformer::Transformer::new(&alloc, std::path::Path::new(path), &t_opts)
        .build_with_scoping(scoping, &mut program);
    if !r.diagnostics.is_empty() {
        for e in r.diagnostics.iter() {
            diags.push(oxc_diag(path, text, e, "js-transform"));
        }
        return None;
    }
    Some(Codegen::new().build(&program).code)
}

/// The span of the first string literal in `text` whose value is `value`.
fn locate_string(text: &str, value: &str) -> (usize, usize) {
    ['\'', '"', '`']
        .iter()
        .filter_map(|q| text.find(&format!("{q}{value}{q}")))
        .min()
        .map_or((0, 0), |i| (i, i + value.len() + 2))
}

/// Minify, lower and map, as the options ask; with none of them the text is kept as written.
fn emit(
    path: &str,
    cjs: &str,
    original: &Arc<str>,
    opts: &CompileOptions,
    diags: &mut Diagnostics,
) -> Option<(String, Option<String>)> {
    if !opts.minify && !opts.source_maps && opts.js_target == JsTarget::Es2023 {
        return Some((cjs.to_string(), None));
    }
    #[cfg(feature = "es5")]
    if opts.js_target == JsTarget::Es5 {
        return match cove_es5::lower(path, cjs, opts.minify, opts.source_maps) {
            Ok(l) => Some((l.code, l.map)),
            Err(e) => {
                diags.push(
                    Diagnostic::error("js-transform", e.message)
                        .in_file(path, Some(original.clone())),
                );
                None
            }
        };
    }
    let alloc = Allocator::default();
    let ret = Parser::new(&alloc, cjs, SourceType::cjs()).parse();
    if !ret.diagnostics.is_empty() {
        for e in ret.diagnostics.iter() {
            diags.push(oxc_diag(path, original, e, "js-transform"));
        }
        return None;
    }
    let mut program = ret.program;
    let target = opts.js_target.oxc_name();
    if opts.js_target != JsTarget::Es2023 {
        let scoping = SemanticBuilder::new()
            .build(&program)
            .semantic
            .into_scoping();
        let t_opts = match oxc::transformer::TransformOptions::from_target(target) {
            Ok(o) => o,
            Err(e) => {
                diags.push(Diagnostic::error("js-transform", e));
                return None;
            }
        };
        let r = oxc::transformer::Transformer::new(&alloc, std::path::Path::new(path), &t_opts)
            .build_with_scoping(scoping, &mut program);
        for e in r.diagnostics.iter() {
            diags.push(oxc_diag(path, original, e, "js-transform"));
        }
    }
    let mut scoping = None;
    if opts.minify {
        let compress = CompressOptions {
            target: oxc::transformer::EngineTargets::from_target(target).unwrap_or_default(),
            ..CompressOptions::smallest()
        };
        let r = Minifier::new(MinifierOptions {
            mangle: Some(MangleOptions {
                top_level: Some(false),
                ..MangleOptions::default()
            }),
            mangle_properties: None,
            compress: Some(compress),
        })
        .minify(&alloc, &mut program);
        scoping = r.scoping;
    }
    let cg = Codegen::new()
        .with_options(CodegenOptions {
            minify: opts.minify,
            source_map_path: opts.source_maps.then(|| PathBuf::from(path)),
            ..CodegenOptions::default()
        })
        .with_scoping(scoping)
        .build(&program);
    let map = cg.map.map(|m| m.to_json_string());
    Some((cg.code, map))
}

/// What [`dependencies`] found.
struct Found {
    /// Specifiers with the span of each string: each must resolve, or a warning says so.
    required: Vec<(String, (usize, usize))>,
    /// Specifiers a `require` of the module's own naming may pass on: packaged when found.
    optional: Vec<String>,
    /// Constant folder prefixes of computed paths, with the span of the argument.
    contexts: Vec<(String, (usize, usize))>,
}

/// The module specifiers a program asks for, with the span of each string, and those it
/// may ask for through a `require` of its own (found or not, never an error).
fn dependencies(
    program: &oxc::ast::ast::Program,
    path: &str,
    text: &Arc<str>,
    diags: &mut Diagnostics,
) -> Found {
    let mut optional = vec![];
    let mut contexts = vec![];
    let semantic = SemanticBuilder::new()
        .with_build_nodes(true)
        .build(program)
        .semantic;
    let scoping = semantic.scoping();
    let mut out = vec![];
    let span = |s: oxc::span::Span| (s.start as usize, s.end as usize);
    for node in semantic.nodes().iter() {
        match node.kind() {
            AstKind::ImportDeclaration(d) => {
                out.push((d.source.value.to_string(), span(d.source.span)))
            }
            AstKind::ExportFromDeclaration(d) => {
                out.push((d.source.value.to_string(), span(d.source.span)))
            }
            AstKind::ExportAllDeclaration(d) => {
                out.push((d.source.value.to_string(), span(d.source.span)))
            }
            AstKind::ImportExpression(e) => {
                if let Expression::StringLiteral(s) = &e.source {
                    out.push((s.value.to_string(), span(s.span)));
                }
            }
            AstKind::CallExpression(call) => {
                // `require.async('x')` (a subpackage's module, later): the same dependency.
                let callee = match &call.callee {
                    Expression::Identifier(id) => id,
                    Expression::StaticMemberExpression(m) if m.property.name == "async" => {
                        match &m.object {
                            Expression::Identifier(id) => id,
                            _ => continue,
                        }
                    }
                    _ => continue,
                };
                // `require(path, success, fail)` is WeChat's callback form of the same.
                if callee.name != "require" || call.arguments.is_empty() {
                    continue;
                }
                let global = callee
                    .reference_id
                    .get()
                    .is_none_or(|r| scoping.get_reference(r).symbol_id().is_none());
                if !global {
                    // A `require` of the module's own making, such as the loader DevTools'
                    // "build npm" bundles packages with: what it names with a literal may
                    // reach the real `require` at run time, so it is packaged when found.
                    if let Some(Argument::StringLiteral(s)) = call.arguments.first() {
                        optional.push(s.value.to_string());
                    }
                    continue;
                }
                match &call.arguments[0] {
                    Argument::StringLiteral(s) => out.push((s.value.to_string(), span(s.span))),
                    Argument::TemplateLiteral(t)
                        if t.expressions.is_empty() && t.quasis.len() == 1 =>
                    {
                        let v = t.quasis[0]
                            .value
                            .cooked
                            .as_ref()
                            .map_or_else(|| t.quasis[0].value.raw.to_string(), |c| c.to_string());
                        out.push((v, span(t.span)));
                    }
                    other => {
                        let at = span(other.span());
                        match static_prefix(other) {
                            // `require(`./plugins/${name}`)`: every module in that folder may
                            // be asked for, so all of them are packaged (WeChat packages every
                            // script of the app).
                            Some(prefix) if names_a_folder(&prefix) => contexts.push((prefix, at)),
                            _ => diags.push(
                                Diagnostic::warning("dynamic-require", "`require` with a computed path cannot be bundled; the module must already be in the package")
                                    .in_file(path, Some(text.clone()))
                                    .at(at.0, at.1),
                            ),
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Found {
        required: out,
        optional,
        contexts,
    }
}

/// The constant start of a computed path: `` `./a/${x}` `` and `'./a/' + x` give `./a/`.
fn static_prefix(arg: &Argument) -> Option<String> {
    match arg {
        Argument::TemplateLiteral(t) => t.quasis.first().map(|q| {
            q.value
                .cooked
                .as_ref()
                .map_or_else(|| q.value.raw.to_string(), |c| c.to_string())
        }),
        Argument::BinaryExpression(b) if b.operator == oxc::ast::ast::BinaryOperator::Addition => {
            let mut left = &b.left;
            while let Expression::BinaryExpression(inner) = left {
                left = &inner.left;
            }
            match left {
                Expression::StringLiteral(s) => Some(s.value.to_string()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Resolve a `require` specifier from `from` to a source path with its extension.
pub fn resolve_require(
    tree: &SourceTree,
    from: &str,
    spec: &str,
    plugins: Plugins,
) -> Option<String> {
    candidate_paths(tree, from, spec)
        .iter()
        .find_map(|b| resolve_file(tree, b, plugins))
}

fn resolve_file(tree: &SourceTree, base: &str, plugins: Plugins) -> Option<String> {
    if base.is_empty() {
        return None;
    }
    let has_ext = [".js", ".json", ".ts"]
        .iter()
        .any(|e| base.ends_with(e) && !base.ends_with(".d.ts"));
    if has_ext && tree.contains(base) {
        return Some(base.to_string());
    }
    // `require('./x.js')` in TypeScript names the `.js` DevTools writes from `x.ts`.
    if let Some(stem) = base.strip_suffix(".js")
        && tree.contains(&format!("{stem}.ts"))
    {
        return Some(format!("{stem}.ts"));
    }
    for ext in plugins.script_exts().iter().chain(&["json"]) {
        let cand = format!("{base}.{ext}");
        if tree.contains(&cand) {
            return Some(cand);
        }
    }
    if tree.is_dir(base) {
        let main = tree
            .get(&format!("{base}/package.json"))
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
            .and_then(|v| v.get("main").and_then(|m| m.as_str()).map(str::to_string));
        if let Some(main) = main
            && let Some(m) = normalize(&format!("{base}/{main}"))
            && m != base
            && let Some(found) = resolve_file(tree, &m, plugins)
        {
            return Some(found);
        }
        if let Some(index) = find_with_ext(tree, &format!("{base}/index"), plugins.script_exts()) {
            return Some(index);
        }
    }
    None
}

pub(crate) fn oxc_diag(
    path: &str,
    text: &Arc<str>,
    e: &oxc::diagnostics::OxcDiagnostic,
    code: &'static str,
) -> Diagnostic {
    let mut d = Diagnostic::error(code, e.message.to_string()).in_file(path, Some(text.clone()));
    if let Some(l) = e.labels.first() {
        d = d.at(l.offset() as usize, (l.offset() + l.len()) as usize);
        if let Some(label) = l.label() {
            d = d.label(label.to_string());
        }
    }
    if let Some(h) = &e.help {
        d = d.help(h.to_string());
    }
    d
}
