//! How a script reaches `wx` (and FinClip's `ft`), the global object that holds them, and the
//! ways to run a string as code, read from oxc's symbols and references rather than from text.
//!
//! Values are tracked as a set of kinds ([`WX`], [`GLOBAL`], [`EVAL`], [`FUNCTION`]):
//! - the roots are the global (unshadowed) `wx`/`ft`, `globalThis`/`global`/`window`/`self`,
//!   a top-level `this` (or `this` in a sloppy function called without a receiver), `eval`
//!   and `Function`, and members of the global object with those names;
//! - a variable takes the kinds of every value it is given (its initialiser, assignments,
//!   destructuring from such a value, the argument an immediately called function gets for
//!   it), computed to a fixed point, so `const w = wx; const a = w;` makes `a` a `wx` too.
//!
//! Every place such a value is used is then either read statically (a member with a name
//! known at build time, after constant folding, is an API use) or harmless (`typeof wx`,
//! comparisons, tests), or it is a [`Hit`]: a place a reviewer must read, because what it
//! reaches cannot be known without running the code. Nothing that reaches `wx` is dropped.

mod uses;

use std::collections::{HashMap, HashSet};

use oxc::ast::AstKind;
use oxc::ast::ast::{AssignmentTarget, BindingPattern, Expression, LogicalOperator, PropertyKey};
use oxc::semantic::{NodeId, Semantic, SymbolId};
use oxc::span::{GetSpan, Span};

use super::fold::Folder;

pub const WX: u8 = 1;
pub const GLOBAL: u8 = 2;
pub const EVAL: u8 = 4;
pub const FUNCTION: u8 = 8;
pub const REQUIRE: u8 = 16;

/// The names the global object goes by.
const GLOBAL_NAMES: [&str; 4] = ["globalThis", "global", "window", "self"];

/// How deep expression evaluation goes (minified code nests deeply).
const DEPTH: u32 = 64;

/// An API read statically: `wx.X`, or `X` through an alias, a constant key or destructuring.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiHit {
    pub name: String,
    /// Reached otherwise than as `wx.X`/`ft.X` written out.
    pub indirect: bool,
}

/// A place that needs manual review.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// Where the value is (`wx` in `f(wx)`).
    pub at: Span,
    pub code: &'static str,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Reach {
    pub apis: Vec<ApiHit>,
    pub hits: Vec<Hit>,
}

/// A value a variable is given: `expr` followed by the member names in `path` (destructuring),
/// or `None` when it cannot be known (a parameter of a function called from elsewhere, a loop
/// variable, `x++`).
struct Def<'a> {
    symbol: SymbolId,
    expr: Option<&'a Expression<'a>>,
    path: Vec<String>,
}

pub fn analyze(semantic: &Semantic<'_>, source: &str) -> Reach {
    let mut a = Analysis {
        semantic,
        source,
        folder: Folder::new(semantic),
        kinds: HashMap::new(),
        mixed: HashSet::new(),
        member_of: HashMap::new(),
        seen: HashSet::new(),
        flagged_symbols: HashSet::new(),
        out: Reach::default(),
    };
    let defs = a.definitions();
    a.solve(&defs);
    a.find_mixed(&defs);
    a.uses();
    a.code_from_strings();
    a.out
}

struct Analysis<'s, 'a> {
    semantic: &'s Semantic<'a>,
    source: &'s str,
    folder: Folder<'s, 'a>,
    kinds: HashMap<SymbolId, u8>,
    /// Variables given a tracked value and also some other or unknown value.
    mixed: HashSet<SymbolId>,
    /// Variables only ever given members of values of these kinds.
    member_of: HashMap<SymbolId, u8>,
    /// (use site, code) already reported or recorded.
    seen: HashSet<(NodeId, &'static str)>,
    flagged_symbols: HashSet<SymbolId>,
    out: Reach,
}

impl<'s, 'a> Analysis<'s, 'a> {
    fn text(&self, span: Span) -> &'s str {
        self.source
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    fn is_unresolved(&self, id: &oxc::ast::ast::IdentifierReference<'a>) -> bool {
        id.reference_id.get().is_none_or(|r| {
            self.semantic
                .scoping()
                .get_reference(r)
                .symbol_id()
                .is_none()
        })
    }

    fn global_kind(name: &str) -> u8 {
        match name {
            "wx" | "ft" => WX,
            "eval" => EVAL,
            "Function" => FUNCTION,
            "require" => REQUIRE,
            n if GLOBAL_NAMES.contains(&n) => GLOBAL,
            _ => 0,
        }
    }

    /// The kinds of `object.name`.
    fn member_kind(object: u8, name: &str) -> u8 {
        if object & GLOBAL != 0 {
            Self::global_kind(name)
        } else {
            0
        }
    }

    /// The static name of a member: `a.b`, or `a['b']` / `a['' + 'b']` folded.
    fn member_name(&self, kind: AstKind<'a>) -> Option<(&'a Expression<'a>, Option<String>)> {
        match kind {
            AstKind::StaticMemberExpression(m) => {
                Some((&m.object, Some(m.property.name.to_string())))
            }
            AstKind::ComputedMemberExpression(m) => {
                Some((&m.object, self.folder.string(&m.expression)))
            }
            _ => None,
        }
    }

    fn key_name(&self, key: &PropertyKey<'a>) -> Option<String> {
        match key {
            PropertyKey::StaticIdentifier(i) => Some(i.name.to_string()),
            PropertyKey::PrivateIdentifier(_) => None,
            other => self.folder.string(other.as_expression()?),
        }
    }

    /// The kinds `e` may evaluate to.
    fn eval(&self, e: &Expression<'a>, depth: u32) -> u8 {
        if depth > DEPTH {
            return 0;
        }
        let d = depth + 1;
        match e {
            Expression::ParenthesizedExpression(p) => self.eval(&p.expression, d),
            Expression::SequenceExpression(s) => {
                s.expressions.last().map_or(0, |x| self.eval(x, d))
            }
            Expression::ConditionalExpression(c) => {
                self.eval(&c.consequent, d) | self.eval(&c.alternate, d)
            }
            // `a && b` is `a` only when `a` is falsy, and every tracked value is an object.
            Expression::LogicalExpression(l) if l.operator == LogicalOperator::And => {
                self.eval(&l.right, d)
            }
            Expression::LogicalExpression(l) => self.eval(&l.left, d) | self.eval(&l.right, d),
            Expression::AssignmentExpression(a) => self.eval(&a.right, d),
            Expression::AwaitExpression(a) => self.eval(&a.argument, d),
            Expression::Identifier(id) => {
                let Some(r) = id.reference_id.get() else {
                    return 0;
                };
                match self.semantic.scoping().get_reference(r).symbol_id() {
                    Some(s) => self.kinds.get(&s).copied().unwrap_or(0),
                    None => Self::global_kind(&id.name),
                }
            }
            Expression::ThisExpression(t) if self.this_is_global(t.node_id.get()) => GLOBAL,
            Expression::StaticMemberExpression(m) => {
                Self::member_kind(self.eval(&m.object, d), &m.property.name)
            }
            Expression::ComputedMemberExpression(m) => match self.folder.string(&m.expression) {
                Some(name) => Self::member_kind(self.eval(&m.object, d), &name),
                None => 0,
            },
            _ => 0,
        }
    }

    /// The variables whose kinds [`Self::eval`] of `e` depends on.
    fn reads(&self, e: &Expression<'a>, depth: u32, out: &mut Vec<SymbolId>) {
        if depth > DEPTH {
            return;
        }
        let d = depth + 1;
        match e {
            Expression::ParenthesizedExpression(p) => self.reads(&p.expression, d, out),
            Expression::SequenceExpression(s) => {
                if let Some(x) = s.expressions.last() {
                    self.reads(x, d, out);
                }
            }
            Expression::ConditionalExpression(c) => {
                self.reads(&c.consequent, d, out);
                self.reads(&c.alternate, d, out);
            }
            Expression::LogicalExpression(l) => {
                self.reads(&l.left, d, out);
                self.reads(&l.right, d, out);
            }
            Expression::AssignmentExpression(a) => self.reads(&a.right, d, out),
            Expression::AwaitExpression(a) => self.reads(&a.argument, d, out),
            Expression::Identifier(id) => {
                if let Some(s) = id
                    .reference_id
                    .get()
                    .and_then(|r| self.semantic.scoping().get_reference(r).symbol_id())
                {
                    out.push(s);
                }
            }
            Expression::StaticMemberExpression(m) => self.reads(&m.object, d, out),
            Expression::ComputedMemberExpression(m) => self.reads(&m.object, d, out),
            _ => {}
        }
    }

    /// Whether `f`'s body is strict-mode code (`this` is then never the global object).
    fn is_strict(&self, f: &oxc::ast::ast::Function) -> bool {
        f.scope_id
            .get()
            .is_some_and(|s| self.semantic.scoping().scope_flags(s).is_strict_mode())
    }

    /// Is this `this` the global object: at the top level of a script, or in a sloppy-mode
    /// function called with no receiver (`(function () { return this })()`)?
    fn this_is_global(&self, id: NodeId) -> bool {
        let nodes = self.semantic.nodes();
        for anc in nodes.ancestors(id) {
            match anc.kind() {
                AstKind::Function(f) => {
                    return !self.is_strict(f) && self.called_without_receiver(anc.id());
                }
                AstKind::Class(_) | AstKind::StaticBlock(_) => return false,
                AstKind::Program(_) => return !self.semantic.source_type().is_module(),
                _ => {}
            }
        }
        false
    }

    /// Is `id` inside a sloppy-mode function (not an arrow) that is not a method: a function
    /// declaration, or an expression that is neither an object's property nor assigned to one?
    fn sloppy_plain_function(&self, id: NodeId) -> bool {
        let nodes = self.semantic.nodes();
        for anc in nodes.ancestors(id) {
            match anc.kind() {
                AstKind::Function(f) => {
                    if self.is_strict(f) {
                        return false;
                    }
                    let span = f.span;
                    return match nodes.kind(self.up(anc.id())) {
                        AstKind::ObjectProperty(_)
                        | AstKind::MethodDefinition(_)
                        | AstKind::PropertyDefinition(_) => false,
                        AstKind::AssignmentExpression(a) => {
                            a.right.without_parentheses().span() != span
                                || matches!(a.left, AssignmentTarget::AssignmentTargetIdentifier(_))
                        }
                        _ => true,
                    };
                }
                AstKind::Class(_) | AstKind::StaticBlock(_) | AstKind::Program(_) => return false,
                _ => {}
            }
        }
        false
    }

    /// The node above `id`, skipping parentheses.
    fn up(&self, id: NodeId) -> NodeId {
        let nodes = self.semantic.nodes();
        let mut p = nodes.parent_id(id);
        while matches!(nodes.kind(p), AstKind::ParenthesizedExpression(_)) {
            p = nodes.parent_id(p);
        }
        p
    }

    /// Is the function at `id` called directly (`(function(){})()`), or through
    /// `.call`/`.apply` with the global object, `null` or `undefined` as receiver?
    fn called_without_receiver(&self, id: NodeId) -> bool {
        let nodes = self.semantic.nodes();
        let span = nodes.kind(id).span();
        let p = self.up(id);
        match nodes.kind(p) {
            AstKind::CallExpression(c) => c.callee.without_parentheses().span() == span,
            AstKind::StaticMemberExpression(m)
                if matches!(m.property.name.as_str(), "call" | "apply") =>
            {
                let AstKind::CallExpression(c) = nodes.parent_kind(p) else {
                    return false;
                };
                match c.arguments.first().and_then(|a| a.as_expression()) {
                    None => true,
                    Some(e) => e.is_null_or_undefined() || self.eval(e, 0) & GLOBAL != 0,
                }
            }
            _ => false,
        }
    }

    /// The argument an immediately called function's parameter `index` gets:
    /// `(function (g) {})(globalThis)` or `(function (g) {}).call(this, globalThis)`.
    /// `Err` when the function is called from elsewhere (its parameters are unknown).
    fn iife_argument(
        &self,
        function: NodeId,
        index: usize,
    ) -> Result<Option<&'a Expression<'a>>, ()> {
        let nodes = self.semantic.nodes();
        let span = nodes.kind(function).span();
        let p = self.up(function);
        let (call, skip) = match nodes.kind(p) {
            AstKind::CallExpression(c) if c.callee.without_parentheses().span() == span => (c, 0),
            AstKind::StaticMemberExpression(m) if m.property.name == "call" => {
                match nodes.parent_kind(p) {
                    AstKind::CallExpression(c) if c.callee.span() == m.span => (c, 1),
                    _ => return Err(()),
                }
            }
            _ => return Err(()),
        };
        let mut args = call.arguments.iter().skip(skip);
        for _ in 0..index {
            match args.next() {
                Some(a) if a.as_expression().is_some() => {}
                Some(_) => return Err(()),
                None => return Ok(None),
            }
        }
        match args.next() {
            Some(a) => a.as_expression().map(Some).ok_or(()),
            None => Ok(None),
        }
    }

    /// Every value given to a variable.
    fn definitions(&self) -> Vec<Def<'a>> {
        let nodes = self.semantic.nodes();
        let scoping = self.semantic.scoping();
        let mut defs = vec![];
        for node in nodes.iter() {
            match node.kind() {
                AstKind::VariableDeclarator(d) => match &d.init {
                    Some(init) => self.bind(&d.id, Some(init), vec![], &mut defs),
                    None => {
                        // `for (const x of list)`: a value per turn, not known.
                        let decl = nodes.parent_id(node.id());
                        if matches!(
                            nodes.parent_kind(decl),
                            AstKind::ForInStatement(_) | AstKind::ForOfStatement(_)
                        ) {
                            self.bind(&d.id, None, vec![], &mut defs);
                        }
                    }
                },
                AstKind::FormalParameter(p) => {
                    let params = nodes.parent_id(node.id());
                    let AstKind::FormalParameters(ps) = nodes.kind(params) else {
                        continue;
                    };
                    let index = ps.items.iter().position(|x| x.span == p.span).unwrap_or(0);
                    let function = nodes.parent_id(params);
                    match self.iife_argument(function, index) {
                        Ok(Some(arg)) => self.bind(&p.pattern, Some(arg), vec![], &mut defs),
                        // No argument: `undefined`, or the default below.
                        Ok(None) => {}
                        Err(()) => self.bind(&p.pattern, None, vec![], &mut defs),
                    }
                    if let Some(init) = &p.initializer {
                        self.bind(&p.pattern, Some(init), vec![], &mut defs);
                    }
                }
                AstKind::FormalParameterRest(r) => {
                    self.bind(&r.rest.argument, None, vec![], &mut defs)
                }
                AstKind::AssignmentExpression(a) => {
                    if let AssignmentTarget::AssignmentTargetIdentifier(id) = &a.left
                        && let Some(symbol) = id
                            .reference_id
                            .get()
                            .and_then(|r| scoping.get_reference(r).symbol_id())
                    {
                        let known = a.operator.is_assign() || a.operator.is_logical();
                        defs.push(Def {
                            symbol,
                            expr: known.then_some(&a.right),
                            path: vec![],
                        });
                    }
                }
                _ => {}
            }
        }
        defs
    }

    /// The variables `pattern` binds, each given `value` followed by `path`.
    fn bind(
        &self,
        pattern: &'a BindingPattern<'a>,
        value: Option<&'a Expression<'a>>,
        path: Vec<String>,
        defs: &mut Vec<Def<'a>>,
    ) {
        match pattern {
            BindingPattern::BindingIdentifier(b) => {
                if let Some(symbol) = b.symbol_id.get() {
                    defs.push(Def {
                        symbol,
                        expr: value,
                        path,
                    });
                }
            }
            BindingPattern::ObjectPattern(o) => {
                for p in &o.properties {
                    match self.key_name(&p.key) {
                        Some(k) => {
                            let mut path = path.clone();
                            path.push(k);
                            self.bind(&p.value, value, path, defs);
                        }
                        None => self.bind(&p.value, None, vec![], defs),
                    }
                }
                if let Some(rest) = &o.rest {
                    self.bind(&rest.argument, None, vec![], defs);
                }
            }
            BindingPattern::ArrayPattern(a) => {
                for el in a.elements.iter().flatten() {
                    self.bind(el, None, vec![], defs);
                }
                if let Some(rest) = &a.rest {
                    self.bind(&rest.argument, None, vec![], defs);
                }
            }
            BindingPattern::AssignmentPattern(ap) => {
                self.bind(&ap.left, value, path, defs);
                self.bind(&ap.left, Some(&ap.right), vec![], defs);
            }
        }
    }

    fn def_kind(&self, def: &Def<'a>) -> u8 {
        let Some(e) = def.expr else { return 0 };
        def.path
            .iter()
            .fold(self.eval(e, 0), |k, name| Self::member_kind(k, name))
    }

    /// Each variable's kinds, to a fixed point (kinds only grow, so this ends).
    fn solve(&mut self, defs: &[Def<'a>]) {
        // A worklist: a definition is evaluated again only when a variable it reads gains a
        // kind, so a long chain of aliases costs its length, not its length squared.
        let mut readers: HashMap<SymbolId, Vec<usize>> = HashMap::new();
        for (i, def) in defs.iter().enumerate() {
            if let Some(e) = def.expr {
                let mut read = vec![];
                self.reads(e, 0, &mut read);
                for s in read {
                    readers.entry(s).or_default().push(i);
                }
            }
        }
        let mut work: Vec<usize> = (0..defs.len()).rev().collect();
        while let Some(i) = work.pop() {
            let def = &defs[i];
            let k = self.def_kind(def);
            let cur = self.kinds.entry(def.symbol).or_default();
            if k & !*cur != 0 {
                *cur |= k;
                if let Some(r) = readers.get(&def.symbol) {
                    work.extend(r.iter().copied());
                }
            }
        }
        self.kinds.retain(|_, k| *k != 0);
        // Variables that only ever hold a member of a tracked value (`e = wx.getAppBaseInfo`).
        let mut member_of: HashMap<SymbolId, Option<u8>> = HashMap::new();
        for def in defs {
            let owner = def.expr.filter(|_| def.path.is_empty()).and_then(|e| {
                match e.without_parentheses() {
                    Expression::StaticMemberExpression(m) => Some(self.eval(&m.object, 0)),
                    Expression::ComputedMemberExpression(m) => Some(self.eval(&m.object, 0)),
                    _ => None,
                }
            });
            let e = member_of.entry(def.symbol).or_insert(Some(0xff));
            *e = match (*e, owner) {
                (Some(a), Some(b)) if b != 0 => Some(a & b),
                _ => None,
            };
        }
        self.member_of = member_of
            .into_iter()
            .filter_map(|(s, k)| Some((s, k?)))
            .collect();
    }

    /// Tracked variables that also hold something else: given an unknown value, or written in
    /// a way that is not a plain assignment (`x++`, `for (x in o)`, `[x] = a`).
    fn find_mixed(&mut self, defs: &[Def<'a>]) {
        let scoping = self.semantic.scoping();
        let nodes = self.semantic.nodes();
        let mut mixed = HashSet::new();
        for def in defs {
            if self.kinds.contains_key(&def.symbol) && self.def_kind(def) == 0 {
                mixed.insert(def.symbol);
            }
        }
        for &symbol in self.kinds.keys() {
            for r in scoping.get_resolved_references(symbol) {
                if !r.is_write() {
                    continue;
                }
                let plain = matches!(
                    nodes.parent_kind(r.node_id()),
                    AstKind::AssignmentExpression(a)
                        if matches!(&a.left, AssignmentTarget::AssignmentTargetIdentifier(_))
                );
                if !plain {
                    mixed.insert(symbol);
                }
            }
        }
        self.mixed = mixed;
    }
}

/// The review code for a tracked value that goes where the analysis cannot follow it.
fn escape_code(kind: u8) -> &'static str {
    if kind & (WX | GLOBAL) != 0 {
        "alias_escapes"
    } else if kind & EVAL != 0 {
        "eval"
    } else if kind & FUNCTION != 0 {
        "function_constructor"
    } else {
        "dynamic_require"
    }
}

/// `text` on one line, at most `max` characters.
pub fn short(text: &str, max: usize) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > max {
        let cut: String = one.chars().take(max).collect();
        format!("{cut}…")
    } else {
        one
    }
}

#[cfg(test)]
mod tests;
