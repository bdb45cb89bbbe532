//! LESS, as DevTools' `less` compiler plugin: the reference compiler (npm `less`, pinned in
//! `crates/compiler/js/package-lock.json`) run in QuickJS. No Rust LESS compiler handles
//! real-world LESS (guards, `~"escapes"`, `@import (reference)`, colour functions), and
//! the reference one gives exactly the output users get from DevTools.
//!
//! One runtime serves a whole build: loading the compiler is most of the cost of a small
//! file. Imports are read from the project's in-memory tree, never the disk (`js/less-host.js`).

use std::rc::Rc;
use std::time::{Duration, Instant};

use rquickjs::{Context, Function, Object, Runtime, Value};

use crate::diagnostic::{Diagnostic, offset_of_utf16};
use crate::source::{SourceTree, normalize};

use super::lenient;

const LESS_NODE: &str = include_str!(concat!(env!("OUT_DIR"), "/less-node.cjs"));
const HOST: &str = include_str!("../../js/less-host.js");

/// A LESS stylesheet should compile in far less; this stops a runaway mixin recursion.
const TIME_LIMIT: Duration = Duration::from_secs(60);
const MEMORY_LIMIT: usize = 512 << 20;

/// The compiler, loaded once, reading one project's files.
pub struct Less {
    // Field order is drop order: the context before its runtime.
    ctx: Context,
    _rt: Runtime,
    started: Rc<std::cell::Cell<Option<Instant>>>,
    tree: Rc<SourceTree>,
}

impl Less {
    /// Load the compiler for a project's tree. `.wxss` files it imports are read with the
    /// same leniency as the WXSS stage (`wcsc` accepts an `@import` without `;`).
    pub fn new(tree: &SourceTree) -> Result<Self, String> {
        let rt = Runtime::new().map_err(|e| e.to_string())?;
        rt.set_memory_limit(MEMORY_LIMIT);
        let started: Rc<std::cell::Cell<Option<Instant>>> = Rc::default();
        let clock = started.clone();
        rt.set_interrupt_handler(Some(Box::new(move || {
            clock.get().is_some_and(|t| t.elapsed() > TIME_LIMIT)
        })));
        let ctx = Context::full(&rt).map_err(|e| e.to_string())?;
        let tree = Rc::new(tree.clone());
        let files = tree.clone();
        ctx.with(|ctx| -> Result<(), String> {
            let read = Function::new(ctx.clone(), move |path: String| -> Option<String> {
                let rel = normalize(&path)?;
                let text = files.text(&rel).ok()?;
                if is_wxss(&rel) {
                    Some(lenient::rewrite(&text).text)
                } else {
                    Some(text.to_string())
                }
            })
            .map_err(|e| e.to_string())?;
            ctx.globals()
                .set("__coveRead", read)
                .map_err(|e| e.to_string())?;
            let mut factory = String::with_capacity(LESS_NODE.len() + 100);
            factory
                .push_str("globalThis.__coveLessFactory = function (module, exports, require) {\n");
            factory.push_str(LESS_NODE);
            factory.push_str("\n};");
            eval(&ctx, factory)?;
            eval(&ctx, HOST.to_string())
        })?;
        Ok(Self {
            ctx,
            _rt: rt,
            started,
            tree,
        })
    }

    /// Compile `file` (a path in the tree) to CSS. An error names the file it is in, which
    /// may be one the entry imports.
    pub fn compile(&self, file: &str, source: &str) -> Result<String, Diagnostic> {
        self.started.set(Some(Instant::now()));
        let result = self
            .ctx
            .with(|ctx| -> Result<Result<String, LessError>, String> {
                let render: Function = ctx
                    .globals()
                    .get("__coveLessRender")
                    .map_err(|e| e.to_string())?;
                let out: Object = render
                    .call((format!("/{file}"), source))
                    .map_err(|e| describe(&ctx, e))?;
                if let Some(css) = out
                    .get::<_, Option<String>>("css")
                    .map_err(|e| e.to_string())?
                {
                    return Ok(Ok(css));
                }
                let err: Object = out.get("error").map_err(|e| e.to_string())?;
                let get = |k: &str| err.get::<_, Option<String>>(k).ok().flatten();
                let num = |k: &str| err.get::<_, Option<f64>>(k).ok().flatten();
                Ok(Err(LessError {
                    message: get("message").unwrap_or_default(),
                    filename: get("filename"),
                    line: num("line").map(|n| n as u32),
                    column: num("column").map(|n| n as u32),
                }))
            });
        self.started.set(None);
        match result {
            Ok(Ok(css)) => Ok(css),
            Ok(Err(e)) => Err(e.diagnostic(&self.tree, file, source)),
            Err(msg) => Err(Diagnostic::error(
                "less-syntax",
                format!("LESS compiler failed: {msg}"),
            )
            .in_file(file, None)),
        }
    }
}

fn is_wxss(path: &str) -> bool {
    path.ends_with(".wxss") || path.ends_with(".ftss")
}

fn eval(ctx: &rquickjs::Ctx<'_>, source: String) -> Result<(), String> {
    ctx.eval::<(), _>(source).map_err(|e| describe(ctx, e))
}

/// A JS exception's message and stack, not rquickjs' "Exception generated by QuickJS".
fn describe(ctx: &rquickjs::Ctx<'_>, e: rquickjs::Error) -> String {
    if !matches!(e, rquickjs::Error::Exception) {
        return e.to_string();
    }
    let v: Value = ctx.catch();
    if let Some(ex) = v.as_exception() {
        format!(
            "{}\n{}",
            ex.message().unwrap_or_default(),
            ex.stack().unwrap_or_default()
        )
    } else {
        format!("{v:?}")
    }
}

struct LessError {
    message: String,
    filename: Option<String>,
    /// 1-based.
    line: Option<u32>,
    /// 0-based, in UTF-16 units.
    column: Option<u32>,
}

impl LessError {
    fn diagnostic(self, tree: &SourceTree, entry: &str, entry_text: &str) -> Diagnostic {
        let file = self
            .filename
            .as_deref()
            .and_then(normalize)
            .filter(|f| !f.is_empty())
            .unwrap_or_else(|| entry.to_string());
        let text: Option<std::sync::Arc<str>> = if file == entry {
            Some(entry_text.into())
        } else {
            tree.text(&file).ok()
        };
        let mut d = Diagnostic::error("less-syntax", self.message.trim().to_string());
        if file != entry {
            d = d.help(format!("while compiling `{entry}`"));
        }
        match (text, self.line) {
            (Some(text), Some(line)) => {
                let at = offset_of_utf16(&text, line.saturating_sub(1), self.column.unwrap_or(0));
                let end = text[at..]
                    .char_indices()
                    .nth(1)
                    .map_or(text.len(), |(i, _)| at + i);
                d.in_file(&file, Some(text)).at(at, end)
            }
            (text, _) => d.in_file(&file, text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> SourceTree {
        SourceTree::from_files(files.iter().map(|(p, t)| (*p, t.as_bytes().to_vec())))
    }

    fn compile(files: &[(&str, &str)], entry: &str) -> Result<String, Diagnostic> {
        let t = tree(files);
        let less = Less::new(&t).expect("the LESS compiler loads");
        let src = t.text(entry).unwrap();
        less.compile(entry, &src)
    }

    #[test]
    fn variables_mixins_guards_operations_and_functions() {
        let css = compile(
            &[(
                "a.less",
                r#"
@w: 10px;
@c: #ff0000;
.m(@x) when (@x > 5) { width: @x * 2; }
.m(@x) when (@x <= 5) { width: @x; }
.b { .m(@w); color: fade(@c, 50%); background: darken(@c, 10%); content: ~"calc(100% - @{w})"; }
.c { &-d { height: (@w / 2); } }
"#,
            )],
            "a.less",
        )
        .unwrap();
        assert!(css.contains("width: 20px;"), "{css}");
        assert!(css.contains("color: rgba(255, 0, 0, 0.5);"), "{css}");
        assert!(css.contains("background: #cc0000;"), "{css}");
        assert!(css.contains("content: calc(100% - 10px);"), "{css}");
        assert!(css.contains(".c-d {\n  height: 5px;"), "{css}");
    }

    #[test]
    fn imports_resolve_in_the_tree() {
        let files = [
            ("variable.less", "@brand: #0052d9;"),
            (
                "pages/a/mixin.less",
                ".hidden() { display: none; }\n.ref { color: red; }",
            ),
            (
                "pages/a/index.less",
                "@import '/variable.less';\n@import (reference) 'mixin';\n@import '../../common.wxss';\n.x { color: @brand; .hidden(); }",
            ),
            (
                "common.wxss",
                "@import './base.wxss'\n.common { margin: 0; }",
            ),
            ("base.wxss", ".base { padding: 0; }"),
        ];
        let css = compile(&files, "pages/a/index.less").unwrap();
        assert!(css.contains("color: #0052d9;"), "{css}");
        assert!(css.contains("display: none;"), "{css}");
        // `(reference)` brings mixins, not rules.
        assert!(!css.contains(".ref"), "{css}");
        // `.wxss` is inlined, read as `wcsc` reads it (imports without `;` included).
        assert!(css.contains(".common") && css.contains(".base"), "{css}");
    }

    #[test]
    fn an_error_in_an_imported_file_points_there() {
        let files = [
            ("pages/a/index.less", "@import 'part';\n.a { color: red; }"),
            ("pages/a/part.less", ".b {\n  color: @missing;\n}"),
        ];
        let d = compile(&files, "pages/a/index.less").unwrap_err();
        assert_eq!(d.code, "less-syntax");
        assert_eq!(d.file.as_deref(), Some("pages/a/part.less"));
        assert_eq!(d.line_col(), Some((2, 10)), "{d}");
        assert!(d.message.contains("@missing"), "{d}");
    }

    #[test]
    fn a_syntax_error_has_its_position() {
        let d = compile(&[("a.less", ".a {\n  color: red;\n.b { }")], "a.less").unwrap_err();
        assert_eq!(d.file.as_deref(), Some("a.less"));
        assert!(d.line_col().is_some(), "{d}");
        let d = compile(&[("a.less", "@import 'nope';")], "a.less").unwrap_err();
        assert!(d.message.contains("nope"), "{d}");
        assert_eq!(d.line_col(), Some((1, 1)), "{d}");
    }

    #[test]
    fn plugins_and_files_outside_the_tree_are_refused() {
        let d = compile(&[("a.less", "@plugin 'x';\n.a{}"), ("x.js", "")], "a.less").unwrap_err();
        assert!(d.message.contains("not supported"), "{d}");
        let d = compile(&[("a.less", "@import '../../etc/passwd';")], "a.less").unwrap_err();
        assert_eq!(d.code, "less-syntax");
    }

    #[test]
    fn one_runtime_compiles_many_files() {
        let t = tree(&[
            ("a.less", "@x: 1px; .a { w: @x }"),
            ("b.less", ".b { w: (2px + 3) }"),
        ]);
        let less = Less::new(&t).unwrap();
        for _ in 0..3 {
            assert!(
                less.compile("a.less", &t.text("a.less").unwrap())
                    .unwrap()
                    .contains("w: 1px")
            );
            assert!(
                less.compile("b.less", &t.text("b.less").unwrap())
                    .unwrap()
                    .contains("w: 5px")
            );
        }
    }
}
