//! WXS modules: WeChat's ES5 dialect, checked with oxc and scanned for `require`.
//!
//! WXS is not quite JS: wcc renames every identifier (`x` becomes `nv_x`), so words that JS
//! reserves but WXS has no use for (`class`, `new`, `in`, `import`, ...) are plain names there:
//! `var class = ''` compiles. Cove runs WXS as JS in QuickJS, so [`to_js`] renames such
//! identifiers first, keeping every byte offset.

use std::borrow::Cow;

use oxc::allocator::Allocator;
use oxc::ast::AstKind;
use oxc::ast::ast::{
    Argument, Expression, IdentifierName, ObjectProperty, RegExpLiteral, StringLiteral,
    TemplateLiteral,
};
use oxc::ast_visit::{Visit, walk};
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::SourceType;

use crate::diagnostic::Diagnostic;

/// Words JS reserves in sloppy scripts that WXS takes as identifiers (wcc compiles
/// `var class = 1`). WXS's own keywords (`var`, `function`, `typeof`, `switch`, ...) are not
/// here: wcc refuses them as names too.
const JS_ONLY_KEYWORDS: &[&str] = &[
    "catch",
    "class",
    "const",
    "debugger",
    "enum",
    "export",
    "extends",
    "finally",
    "import",
    "in",
    "instanceof",
    "new",
    "super",
    "throw",
    "try",
    "with",
];

/// Syntax errors, positioned by byte offsets within `code` (WXS as written; see [`to_js`]).
pub fn check_syntax(code: &str) -> Vec<Diagnostic> {
    let js = to_js(code);
    let alloc = Allocator::default();
    let ret = Parser::new(&alloc, &js, SourceType::script()).parse();
    ret.diagnostics
        .iter()
        .map(|e| {
            let mut d = Diagnostic::error("wxs-syntax", e.message.to_string());
            if let Some(l) = e.labels.first() {
                d = d.at(l.offset() as usize, (l.offset() + l.len()) as usize);
            }
            d
        })
        .collect()
}

/// `require('...')` calls with a string path, and the span of each string.
pub fn requires(code: &str) -> Vec<(String, (usize, usize))> {
    let js = to_js(code);
    let alloc = Allocator::default();
    let ret = Parser::new(&alloc, &js, SourceType::script()).parse();
    if ret.panicked {
        return vec![];
    }
    let semantic = SemanticBuilder::new()
        .with_build_nodes(true)
        .build(&ret.program)
        .semantic;
    let mut out = vec![];
    for node in semantic.nodes().iter() {
        if let AstKind::CallExpression(call) = node.kind()
            && let Expression::Identifier(callee) = &call.callee
            && callee.name == "require"
            && let Some(Argument::StringLiteral(s)) = call.arguments.first()
        {
            out.push((
                s.value.to_string(),
                (s.span.start as usize, s.span.end as usize),
            ));
        }
    }
    out
}

/// WXS code as JS that means the same: an identifier named with a word JS reserves
/// (`class`, `new`, `in`, ...) is renamed to a name of the same length that the code does
/// not use (`$lass`), every use alike; property names (`o.class`, `{class: 1}`), strings,
/// regexps and comments keep the word. Byte offsets and lines do not change, so positions in
/// diagnostics hold. Code that parses as JS already, or that no renaming makes parse, is
/// returned as it is.
pub fn to_js(code: &str) -> Cow<'_, str> {
    let found: Vec<&str> = JS_ONLY_KEYWORDS
        .iter()
        .copied()
        .filter(|w| !word_positions(code, w).is_empty())
        .collect();
    if found.is_empty() || parses(code) {
        return Cow::Borrowed(code);
    }
    // Rename every occurrence of each word, then put back those oxc finds in a property
    // name, a string, a regexp or a comment: what remains are identifiers.
    let mut bytes = code.as_bytes().to_vec();
    let mut renamed: Vec<(usize, &str)> = vec![];
    for word in found {
        let Some(alias) = alias_for(code, word) else {
            continue;
        };
        for at in word_positions(code, word) {
            bytes[at..at + word.len()].copy_from_slice(alias.as_bytes());
            renamed.push((at, word));
        }
    }
    let Ok(blind) = String::from_utf8(bytes) else {
        return Cow::Borrowed(code);
    };
    let alloc = Allocator::default();
    let ret = Parser::new(&alloc, &blind, SourceType::script()).parse();
    if ret.panicked || !ret.diagnostics.is_empty() {
        return Cow::Borrowed(code);
    }
    let mut keep = Kept::default();
    keep.visit_program(&ret.program);
    keep.spans.extend(
        ret.program
            .comments
            .iter()
            .map(|c| (c.span.start, c.span.end)),
    );
    let mut bytes = blind.into_bytes();
    for (at, word) in renamed {
        let inside = keep
            .spans
            .iter()
            .any(|&(s, e)| at >= s as usize && at < e as usize);
        if inside {
            bytes[at..at + word.len()].copy_from_slice(word.as_bytes());
        }
    }
    match String::from_utf8(bytes) {
        Ok(js) if parses(&js) => Cow::Owned(js),
        _ => Cow::Borrowed(code),
    }
}

/// Spans where a renamed word must be put back.
#[derive(Default)]
struct Kept {
    spans: Vec<(u32, u32)>,
}

impl<'a> Visit<'a> for Kept {
    fn visit_identifier_name(&mut self, it: &IdentifierName<'a>) {
        self.spans.push((it.span.start, it.span.end));
    }
    fn visit_object_property(&mut self, it: &ObjectProperty<'a>) {
        if it.shorthand {
            // `{x}` names a variable too; its key follows the variable.
            self.visit_expression(&it.value);
        } else {
            walk::walk_object_property(self, it);
        }
    }
    fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
        self.spans.push((it.span.start, it.span.end));
    }
    fn visit_reg_exp_literal(&mut self, it: &RegExpLiteral<'a>) {
        self.spans.push((it.span.start, it.span.end));
    }
    fn visit_template_literal(&mut self, it: &TemplateLiteral<'a>) {
        for q in &it.quasis {
            self.spans.push((q.span.start, q.span.end));
        }
        walk::walk_template_literal(self, it);
    }
}

fn parses(code: &str) -> bool {
    let alloc = Allocator::default();
    let ret = Parser::new(&alloc, code, SourceType::script()).parse();
    !ret.panicked && ret.diagnostics.is_empty()
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Byte offsets of `word` standing alone (not part of a longer name).
fn word_positions(code: &str, word: &str) -> Vec<usize> {
    let b = code.as_bytes();
    code.match_indices(word)
        .map(|(i, _)| i)
        .filter(|&i| {
            (i == 0 || !is_ident_byte(b[i - 1]))
                && b.get(i + word.len()).is_none_or(|&c| !is_ident_byte(c))
        })
        .collect()
}

/// A name as long as `word`, not a JS keyword, that `code` never uses.
fn alias_for(code: &str, word: &str) -> Option<String> {
    let n = word.len();
    // `$` and `_` over the first letters: `$lass`, `_lass`, `$$ass`, `$_ass`, ...
    (1..=n).find_map(|k| {
        (0..1u32 << k).find_map(|mask| {
            let head: String = (0..k)
                .map(|i| if mask >> i & 1 == 0 { '$' } else { '_' })
                .collect();
            let alias = format!("{head}{}", &word[k..]);
            word_positions(code, &alias).is_empty().then_some(alias)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_words_are_wxs_identifiers() {
        let src = "var class = 'class'; // class\nvar o = { class: class, new: 1 };\n\
                   function in(new) { return new + o.class + /class/.source }\n\
                   module.exports = { c: class, f: in, g: o['class'] };";
        let js = to_js(src);
        assert_eq!(js.len(), src.len());
        assert_eq!(
            js,
            "var $lass = 'class'; // class\nvar o = { class: $lass, new: 1 };\n\
             function $n($ew) { return $ew + o.class + /class/.source }\n\
             module.exports = { c: $lass, f: $n, g: o['class'] };"
        );
        assert!(check_syntax(src).is_empty(), "{:?}", check_syntax(src));
    }

    #[test]
    fn an_alias_never_clashes() {
        let src = "var $lass = 1, _lass = 2; var class = $lass + _lass;";
        assert_eq!(
            to_js(src),
            "var $lass = 1, _lass = 2; var $$ass = $lass + _lass;"
        );
    }

    #[test]
    fn valid_js_and_hopeless_code_stay_as_written() {
        for src in [
            "for (var k in o) {} var d = new Date();",
            "var class = ;",
            "var x = 1",
        ] {
            assert_eq!(to_js(src), src);
        }
        assert!(!check_syntax("var class = ;").is_empty());
    }

    #[test]
    fn requires_are_found_past_reserved_names() {
        let src = "var class = require('./a.wxs');\nmodule.exports = class;";
        assert_eq!(requires(src), vec![("./a.wxs".to_string(), (20, 29))]);
    }
}
