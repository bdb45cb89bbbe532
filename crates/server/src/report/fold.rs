//! Constant folding of the strings a script builds: what `wx['get' + 'Location']` names, or
//! what host `'api.' + 'bank' + '.com'` is, when every piece is known without running the code.
//!
//! Only what cannot change at run time folds: literals, `+` and templates of them, `const`
//! bindings (and `let`/`var` never written again) of such, `String.fromCharCode` of numbers,
//! `[...].join(sep)` and `'a'.concat(...)`. Anything else is a hole.

use std::cell::Cell;

use oxc::ast::AstKind;
use oxc::ast::ast::{
    Argument, ArrayExpressionElement, BinaryOperator, BindingPattern, Expression,
    IdentifierReference,
};
use oxc::semantic::Semantic;

/// How deep folding follows nested expressions and `const` bindings.
const DEPTH: u32 = 48;

#[derive(Debug, Clone, PartialEq)]
enum Const {
    Str(String),
    Num(f64),
}

impl Const {
    fn into_string(self) -> String {
        match self {
            Const::Str(s) => s,
            Const::Num(n) => number_to_string(n),
        }
    }
}

/// JS's `String(n)` for the numbers folding meets (integers, and plain decimals).
fn number_to_string(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.fract() == 0.0 && n.abs() < 1e21 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A piece of a string built at run time: known text, or a hole the analysis cannot fill.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    Text(String),
    Hole,
}

/// The character that stands for a hole in [`joined`] text: it occurs in no host.
pub const HOLE: char = '\0';

/// The pieces as one text, each hole as [`HOLE`].
pub fn joined(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => t.as_str(),
            Piece::Hole => "\0",
        })
        .collect()
}

/// Adjacent texts in one piece, so that hosts split over literals are whole.
fn merge(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut merged: Vec<Piece> = vec![];
    for p in pieces {
        match (merged.last_mut(), p) {
            (Some(Piece::Text(a)), Piece::Text(b)) => a.push_str(&b),
            (Some(Piece::Hole), Piece::Hole) => {}
            (_, p) => merged.push(p),
        }
    }
    merged
}

/// A string expression of the script, as pieces.
#[derive(Debug, Clone)]
pub struct Built {
    pub span: oxc::span::Span,
    pub pieces: Vec<Piece>,
    /// The texts it was built from, as written (literals, constants, folded sub-expressions).
    pub raw: Vec<String>,
}

/// Steps one question may take (`const` bindings can double at each level: `const b = a + a`),
/// and the longest string folded: past either, the answer is "not known".
const STEPS: u32 = 4096;
const MAX_LEN: usize = 16 << 10;

pub struct Folder<'s, 'a> {
    semantic: &'s Semantic<'a>,
    steps: Cell<u32>,
}

impl<'s, 'a> Folder<'s, 'a> {
    pub fn new(semantic: &'s Semantic<'a>) -> Self {
        Self {
            semantic,
            steps: Cell::new(0),
        }
    }

    /// Start a question with a fresh budget.
    fn fresh(&self) {
        self.steps.set(0);
    }

    /// Spend a step; false once the budget is gone.
    fn step(&self) -> bool {
        let n = self.steps.get() + 1;
        self.steps.set(n);
        n <= STEPS
    }

    /// The string `e` always evaluates to, if it is known statically.
    pub fn string(&self, e: &Expression<'a>) -> Option<String> {
        self.fresh();
        self.value(e, 0).map(Const::into_string)
    }

    /// Does `e` evaluate to a string (known or not): a literal, a template, or a `+` with
    /// a string on either side?
    pub fn is_stringish(&self, e: &Expression<'a>) -> bool {
        self.fresh();
        self.stringish(e, 0)
    }

    fn stringish(&self, e: &Expression<'a>, depth: u32) -> bool {
        if depth > DEPTH {
            return false;
        }
        match e.without_parentheses() {
            Expression::StringLiteral(_) | Expression::TemplateLiteral(_) => true,
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                self.stringish(&b.left, depth + 1) || self.stringish(&b.right, depth + 1)
            }
            other => matches!(self.value(other, depth), Some(Const::Str(_))),
        }
    }

    /// `e` as pieces of text and holes, appended to `out`: `'https://' + host + '/v1'` is
    /// `[Text("https://"), Hole, Text("/v1")]`.
    fn pieces_into(&self, e: &Expression<'a>, depth: u32, out: &mut Vec<Piece>) {
        if depth > DEPTH || !self.step() {
            out.push(Piece::Hole);
            return;
        }
        // `+` chains and templates are split into their operands even when constant, so the
        // pieces say what was written apart (`'https://' + 'evil' + '.com'` is three).
        match e {
            Expression::ParenthesizedExpression(p) => {
                self.pieces_into(&p.expression, depth + 1, out)
            }
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                if let Some(Const::Num(n)) = self.value(e, depth) {
                    out.push(Piece::Text(number_to_string(n)));
                    return;
                }
                self.pieces_into(&b.left, depth + 1, out);
                self.pieces_into(&b.right, depth + 1, out);
            }
            Expression::TemplateLiteral(t) => {
                for (i, q) in t.quasis.iter().enumerate() {
                    let text = q.value.cooked.as_ref().unwrap_or(&q.value.raw);
                    out.push(Piece::Text(text.to_string()));
                    if let Some(x) = t.expressions.get(i) {
                        self.pieces_into(x, depth + 1, out);
                    }
                }
            }
            _ => out.push(match self.value(e, depth) {
                Some(v) => Piece::Text(v.into_string()),
                None => Piece::Hole,
            }),
        }
    }

    fn value(&self, e: &Expression<'a>, depth: u32) -> Option<Const> {
        if depth > DEPTH || !self.step() {
            return None;
        }
        let d = depth + 1;
        let v = self.value_of(e, d)?;
        match &v {
            Const::Str(s) if s.len() > MAX_LEN => None,
            _ => Some(v),
        }
    }

    fn value_of(&self, e: &Expression<'a>, d: u32) -> Option<Const> {
        Some(match e {
            Expression::StringLiteral(s) => Const::Str(s.value.to_string()),
            Expression::NumericLiteral(n) => Const::Num(n.value),
            Expression::ParenthesizedExpression(p) => return self.value(&p.expression, d),
            Expression::TemplateLiteral(t) => {
                let mut s = String::new();
                for (i, q) in t.quasis.iter().enumerate() {
                    s.push_str(q.value.cooked.as_ref()?);
                    if let Some(x) = t.expressions.get(i) {
                        s.push_str(&self.value(x, d)?.into_string());
                    }
                }
                Const::Str(s)
            }
            Expression::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                match (self.value(&b.left, d)?, self.value(&b.right, d)?) {
                    (Const::Num(a), Const::Num(b)) => Const::Num(a + b),
                    (a, b) => Const::Str(a.into_string() + &b.into_string()),
                }
            }
            Expression::Identifier(id) => return self.binding(id, d),
            Expression::CallExpression(c) => return self.call(c, d),
            _ => return None,
        })
    }

    /// A `const` (or never reassigned) binding whose initialiser folds.
    fn binding(&self, id: &IdentifierReference<'a>, depth: u32) -> Option<Const> {
        let scoping = self.semantic.scoping();
        let symbol = scoping.get_reference(id.reference_id.get()?).symbol_id()?;
        if !scoping.symbol_redeclarations(symbol).is_empty()
            || scoping
                .get_resolved_references(symbol)
                .any(|r| r.is_write())
        {
            return None;
        }
        let AstKind::VariableDeclarator(d) = self
            .semantic
            .nodes()
            .kind(scoping.symbol_declaration(symbol))
        else {
            return None;
        };
        // `for (const k of list)` has no initialiser: its value changes.
        let BindingPattern::BindingIdentifier(b) = &d.id else {
            return None;
        };
        if b.symbol_id.get() != Some(symbol) {
            return None;
        }
        self.value(d.init.as_ref()?, depth)
    }

    fn args(&self, args: &[Argument<'a>], depth: u32) -> Option<Vec<Const>> {
        args.iter()
            .map(|a| self.value(a.as_expression()?, depth))
            .collect()
    }

    fn call(&self, c: &oxc::ast::ast::CallExpression<'a>, depth: u32) -> Option<Const> {
        let Expression::StaticMemberExpression(m) = &c.callee else {
            return None;
        };
        match m.property.name.as_str() {
            // `String.fromCharCode(103, 101, 116)`
            "fromCharCode" if self.is_global(&m.object, "String") => {
                let mut s = String::new();
                for v in self.args(&c.arguments, depth)? {
                    let Const::Num(n) = v else { return None };
                    s.push(char::from_u32(n as u32)?);
                }
                Some(Const::Str(s))
            }
            // `['get', 'Location'].join('')`
            "join" => {
                let Expression::ArrayExpression(a) = m.object.without_parentheses() else {
                    return None;
                };
                let sep = match self.args(&c.arguments, depth)?.as_slice() {
                    [] => ",".to_string(),
                    [s] => s.clone().into_string(),
                    _ => return None,
                };
                let parts: Option<Vec<String>> = a
                    .elements
                    .iter()
                    .map(|el| match el {
                        ArrayExpressionElement::SpreadElement(_)
                        | ArrayExpressionElement::Elision(_) => None,
                        other => Some(self.value(other.as_expression()?, depth)?.into_string()),
                    })
                    .collect();
                Some(Const::Str(parts?.join(&sep)))
            }
            // `'get'.concat('Location')`
            "concat" => {
                let Const::Str(mut s) = self.value(&m.object, depth)? else {
                    return None;
                };
                for v in self.args(&c.arguments, depth)? {
                    s.push_str(&v.into_string());
                }
                Some(Const::Str(s))
            }
            _ => None,
        }
    }

    /// Every string the script builds, whole: a literal not part of a larger string
    /// expression, or a `+`, template, `.join`, `.concat` or `String.fromCharCode` at the top
    /// of one.
    pub fn strings(&self) -> Vec<Built> {
        let nodes = self.semantic.nodes();
        let mut out = vec![];
        for node in nodes.iter() {
            let id = node.id();
            let candidate = match node.kind() {
                AstKind::StringLiteral(_) | AstKind::TemplateLiteral(_) => true,
                AstKind::BinaryExpression(b) => b.operator == BinaryOperator::Addition,
                AstKind::CallExpression(c) => matches!(
                    &c.callee,
                    Expression::StaticMemberExpression(m)
                        if matches!(m.property.name.as_str(), "join" | "concat" | "fromCharCode")
                ),
                _ => false,
            };
            // Only whole strings: a piece of a larger one is folded with it.
            if !candidate || self.is_part(id) {
                continue;
            }
            self.fresh();
            let (span, pieces) = match node.kind() {
                AstKind::StringLiteral(s) => (s.span, vec![Piece::Text(s.value.to_string())]),
                AstKind::TemplateLiteral(t) => {
                    let mut p = vec![];
                    for (i, q) in t.quasis.iter().enumerate() {
                        let text = q.value.cooked.as_ref().unwrap_or(&q.value.raw);
                        p.push(Piece::Text(text.to_string()));
                        if let Some(x) = t.expressions.get(i) {
                            self.pieces_into(x, 1, &mut p);
                        }
                    }
                    (t.span, p)
                }
                AstKind::BinaryExpression(b) if b.operator == BinaryOperator::Addition => {
                    let mut p = vec![];
                    self.pieces_into(&b.left, 1, &mut p);
                    self.pieces_into(&b.right, 1, &mut p);
                    // `a + b` of two unknowns builds no string anyone can read.
                    if !p.iter().any(|x| matches!(x, Piece::Text(_))) {
                        continue;
                    }
                    (b.span, p)
                }
                AstKind::CallExpression(c) => match self.call_pieces(c) {
                    Some(p) => (c.span, p),
                    None => continue,
                },
                _ => continue,
            };
            let raw = pieces
                .iter()
                .filter_map(|p| match p {
                    Piece::Text(t) => Some(t.clone()),
                    Piece::Hole => None,
                })
                .collect();
            out.push(Built {
                span,
                pieces: merge(pieces),
                raw,
            });
        }
        out
    }

    /// A folded `String.fromCharCode`, `.join` or `.concat` as the pieces it was made of
    /// (each character, each element and separator, each argument).
    fn call_pieces(&self, c: &oxc::ast::ast::CallExpression<'a>) -> Option<Vec<Piece>> {
        let whole = self.call(c, 0)?.into_string();
        let Expression::StaticMemberExpression(m) = &c.callee else {
            return None;
        };
        let mut out = vec![];
        match m.property.name.as_str() {
            "fromCharCode" => out.extend(whole.chars().map(|ch| Piece::Text(ch.to_string()))),
            "join" => {
                let Expression::ArrayExpression(a) = m.object.without_parentheses() else {
                    return None;
                };
                for el in &a.elements {
                    out.push(Piece::Text(
                        self.value(el.as_expression()?, 0)?.into_string(),
                    ));
                }
                let sep = match c.arguments.first() {
                    Some(arg) => self.value(arg.as_expression()?, 0)?.into_string(),
                    None => ",".into(),
                };
                // Separators between the elements, as pieces of their own.
                let n = out.len();
                let mut with_sep = vec![];
                for (i, p) in out.into_iter().enumerate() {
                    with_sep.push(p);
                    if i + 1 < n {
                        with_sep.push(Piece::Text(sep.clone()));
                    }
                }
                out = with_sep;
            }
            _ => {
                out.push(Piece::Text(self.value(&m.object, 0)?.into_string()));
                for arg in &c.arguments {
                    out.push(Piece::Text(
                        self.value(arg.as_expression()?, 0)?.into_string(),
                    ));
                }
            }
        }
        Some(out)
    }

    /// Is the string expression at `id` a piece of a larger one, or a module specifier?
    fn is_part(&self, id: oxc::semantic::NodeId) -> bool {
        let nodes = self.semantic.nodes();
        let mut p = nodes.parent_id(id);
        while matches!(nodes.kind(p), AstKind::ParenthesizedExpression(_)) {
            p = nodes.parent_id(p);
        }
        match nodes.kind(p) {
            AstKind::BinaryExpression(b) => b.operator == BinaryOperator::Addition,
            AstKind::TemplateLiteral(_)
            | AstKind::ImportDeclaration(_)
            | AstKind::ImportExpression(_)
            | AstKind::ExportNamedDeclaration(_)
            | AstKind::ExportAllDeclaration(_) => true,
            // `['a', 'b'].join('')`, `'a'.concat(b)`
            AstKind::ArrayExpression(_) => matches!(
                nodes.parent_kind(p),
                AstKind::StaticMemberExpression(m) if m.property.name == "join"
            ),
            AstKind::StaticMemberExpression(m) => m.property.name == "concat",
            AstKind::CallExpression(c) => match &c.callee {
                Expression::StaticMemberExpression(m) => {
                    matches!(m.property.name.as_str(), "concat" | "fromCharCode" | "join")
                }
                callee => self.is_global(callee, "require"),
            },
            _ => false,
        }
    }

    /// Is `e` the global binding `name` (no local one shadows it)?
    pub fn is_global(&self, e: &Expression<'a>, name: &str) -> bool {
        match e.without_parentheses() {
            Expression::Identifier(id) => {
                id.name == name
                    && id.reference_id.get().is_none_or(|r| {
                        self.semantic
                            .scoping()
                            .get_reference(r)
                            .symbol_id()
                            .is_none()
                    })
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxc::allocator::Allocator;
    use oxc::parser::Parser;
    use oxc::semantic::SemanticBuilder;
    use oxc::span::SourceType;

    /// Every string the script builds, holes shown as `?`.
    fn built(src: &str) -> Vec<(String, Vec<String>)> {
        let alloc = Allocator::default();
        let ret = Parser::new(&alloc, src, SourceType::unambiguous()).parse();
        let semantic = SemanticBuilder::new()
            .with_build_nodes(true)
            .build(&ret.program)
            .semantic;
        Folder::new(&semantic)
            .strings()
            .into_iter()
            .map(|b| (joined(&b.pieces).replace(HOLE, "?"), b.raw))
            .collect()
    }

    #[test]
    fn strings_fold_and_keep_their_pieces() {
        assert_eq!(
            built("x = 'api.' + 'bank' + '.com'"),
            [(
                "api.bank.com".to_string(),
                vec!["api.".into(), "bank".into(), ".com".into()]
            )]
        );
        assert_eq!(
            built("const a = 'ev'; x = `${a}il.${'com'}`")[1].0,
            "evil.com"
        );
        assert_eq!(built("x = 'https://' + host + '/v1'")[0].0, "https://?/v1");
        assert_eq!(built("x = String.fromCharCode(104, 105)")[0].0, "hi");
        assert_eq!(built("x = ['a', 'b', 'c'].join('.')")[0].0, "a.b.c");
        assert_eq!(built("x = 'a'.concat('b', 1)")[0].0, "ab1");
        assert_eq!(built("x = 'n' + (1 + 2)")[0].0, "n3");
        // A `let` written again is not a constant.
        assert_eq!(
            built("let h = 'a.com'; h = y; x = 'https://' + h")[1].0,
            "https://?"
        );
    }
}
