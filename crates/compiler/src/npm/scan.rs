//! Finding module specifiers: exactly (oxc's parser) in the package files the packer copies,
//! and cheaply (a lexical pass) in the app's own scripts, which the compiler parses later.

use oxc::allocator::Allocator;
use oxc::ast::ast::{
    Argument, CallExpression, ExportAllDeclaration, ExportFromDeclaration, Expression,
    ImportDeclaration, ImportExpression,
};
use oxc::ast_visit::{Visit, walk};
use oxc::parser::Parser;
use oxc::span::SourceType;

/// Every `require('x')`, `import … from 'x'`, `export … from 'x'` and `import('x')` with a
/// literal specifier, in source order. DevTools' packer looks for the same forms.
pub(crate) fn module_specs(text: &str) -> Vec<String> {
    let alloc = Allocator::default();
    // A file oxc cannot parse is still copied: the compiler reports its syntax error.
    let ret = Parser::new(&alloc, text, SourceType::unambiguous()).parse();
    let mut v = Specs(vec![]);
    v.visit_program(&ret.program);
    v.0
}

struct Specs(Vec<String>);

impl<'a> Visit<'a> for Specs {
    fn visit_call_expression(&mut self, c: &CallExpression<'a>) {
        if let Expression::Identifier(id) = &c.callee
            && id.name == "require"
            && c.arguments.len() == 1
        {
            match &c.arguments[0] {
                Argument::StringLiteral(s) => self.0.push(s.value.to_string()),
                Argument::TemplateLiteral(t) if t.expressions.is_empty() && t.quasis.len() == 1 => {
                    let q = &t.quasis[0].value;
                    self.0.push(q.cooked.as_ref().unwrap_or(&q.raw).to_string());
                }
                _ => {}
            }
        }
        walk::walk_call_expression(self, c);
    }

    fn visit_import_declaration(&mut self, d: &ImportDeclaration<'a>) {
        self.0.push(d.source.value.to_string());
    }

    fn visit_export_from_declaration(&mut self, d: &ExportFromDeclaration<'a>) {
        self.0.push(d.source.value.to_string());
    }

    fn visit_export_all_declaration(&mut self, d: &ExportAllDeclaration<'a>) {
        self.0.push(d.source.value.to_string());
    }

    fn visit_import_expression(&mut self, e: &ImportExpression<'a>) {
        if let Expression::StringLiteral(s) = &e.source {
            self.0.push(s.value.to_string());
        }
        walk::walk_import_expression(self, e);
    }
}

/// A bare specifier split into its package name and the path inside it:
/// `lodash/get` is `("lodash", "get")`, `@scope/pkg` is `("@scope/pkg", "")`.
pub(crate) fn split_bare(spec: &str) -> Option<(&str, &str)> {
    if spec.is_empty()
        || spec.starts_with('.')
        || spec.starts_with('/')
        || spec.contains(':')
        || spec.contains('\\')
    {
        return None;
    }
    let mut cut = spec.find('/').unwrap_or(spec.len());
    if spec.starts_with('@') {
        let rest = spec.get(cut + 1..)?;
        cut += 1 + rest.find('/').unwrap_or(rest.len());
    }
    let (name, sub) = spec.split_at(cut);
    let valid = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
    };
    let ok = match name.strip_prefix('@') {
        Some(scoped) => scoped
            .split_once('/')
            .is_some_and(|(a, b)| valid(a) && valid(b)),
        None => valid(name),
    };
    ok.then(|| (name, sub.trim_start_matches('/')))
}

/// String literals that are a module specifier by their place (after `require(`, `import(`,
/// `from` or a bare `import`) and are bare (`pkg`, `pkg/sub`), with their byte span.
/// Comments are skipped; a regex literal with a quote in it may hide a few, which only
/// means a sub-path is not packed ahead and the compiler reports the `require`.
pub(crate) fn bare_specs(text: &str) -> Vec<(usize, usize, &str)> {
    let b = text.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = memchr_from(b, b'\n', i).unwrap_or(b.len());
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |j| i + 2 + j + 2);
            }
            q @ (b'\'' | b'"' | b'`') => {
                let start = i;
                let mut j = i + 1;
                while j < b.len() && b[j] != q && b[j] != b'\\' && (q == b'`' || b[j] != b'\n') {
                    j += 1;
                }
                if j < b.len() && b[j] == q {
                    let value = &text[start + 1..j];
                    if split_bare(value).is_some() && is_specifier_place(&text[..start]) {
                        out.push((start, j + 1, value));
                    }
                    i = j + 1;
                } else {
                    // An escape or an unterminated literal: step over it plainly.
                    i = j.max(i + 1);
                    while i < b.len() && b[i] != q && b[i] != b'\n' {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    out
}

fn memchr_from(b: &[u8], c: u8, from: usize) -> Option<usize> {
    b[from..].iter().position(|&x| x == c).map(|p| from + p)
}

fn is_specifier_place(before: &str) -> bool {
    let t = before.trim_end();
    if let Some(t) = t.strip_suffix('(') {
        let t = t.trim_end();
        return ends_with_word(t, "require") || ends_with_word(t, "import");
    }
    ends_with_word(t, "from") || ends_with_word(t, "import")
}

fn ends_with_word(t: &str, w: &str) -> bool {
    t.strip_suffix(w).is_some_and(|rest| {
        !rest
            .bytes()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c == b'.')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_static_form() {
        let specs = module_specs(
            "import a from './a'; export * from 'b'; export { c } from '@s/c/x';\n\
             const d = require(`d`); import('e'); require(name); obj.require('f');",
        );
        assert_eq!(specs, ["./a", "b", "@s/c/x", "d", "e"]);
    }

    #[test]
    fn splits_bare_specifiers() {
        assert_eq!(split_bare("lodash/get"), Some(("lodash", "get")));
        assert_eq!(
            split_bare("@vant/weapp/button"),
            Some(("@vant/weapp", "button"))
        );
        assert_eq!(split_bare("@vant/weapp"), Some(("@vant/weapp", "")));
        assert_eq!(split_bare("dayjs"), Some(("dayjs", "")));
        for no in ["./x", "/x", "@vant", "a b", "plugin://x", ""] {
            assert_eq!(split_bare(no), None, "{no}");
        }
    }

    #[test]
    fn finds_specifiers_by_their_place() {
        let src = "// require('no')\nconst a = require( 'dayjs' );\nimport b from \"@s/p/sub\";\n\
                   import 'side';\nconst s = 'not-a-require'; /* from 'nope' */ x.require('m');\n";
        let got: Vec<_> = bare_specs(src).into_iter().map(|(_, _, v)| v).collect();
        assert_eq!(got, ["dayjs", "@s/p/sub", "side"]);
        let (s, e, _) = bare_specs(src)[0];
        assert_eq!(&src[s..e], "'dayjs'");
    }
}
