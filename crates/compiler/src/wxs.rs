//! WXS modules: checked with oxc (WXS is an ES5 subset) and scanned for `require`.

use oxc::allocator::Allocator;
use oxc::ast::AstKind;
use oxc::ast::ast::{Argument, Expression};
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::SourceType;

use crate::diagnostic::Diagnostic;

/// Syntax errors, positioned by byte offsets within `code`.
pub fn check_syntax(code: &str) -> Vec<Diagnostic> {
    let alloc = Allocator::default();
    let ret = Parser::new(&alloc, code, SourceType::script()).parse();
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
    let alloc = Allocator::default();
    let ret = Parser::new(&alloc, code, SourceType::script()).parse();
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
