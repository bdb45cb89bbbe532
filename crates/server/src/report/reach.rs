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

use std::collections::{HashMap, HashSet};

use oxc::ast::AstKind;
use oxc::ast::ast::{
    AssignmentTarget, BindingPattern, Expression, LogicalOperator, ObjectPattern, PropertyKey,
    UnaryOperator,
};
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
            Expression::ThisExpression(t) => {
                if self.this_is_global(t.node_id.get()) {
                    GLOBAL
                } else {
                    0
                }
            }
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

    /// Is this `this` the global object: at the top level of a script, or in a sloppy-mode
    /// function called with no receiver (`(function () { return this })()`)?
    fn this_is_global(&self, id: NodeId) -> bool {
        let nodes = self.semantic.nodes();
        for anc in nodes.ancestors(id) {
            match anc.kind() {
                AstKind::Function(f) => {
                    let strict = f
                        .scope_id
                        .get()
                        .is_some_and(|s| self.semantic.scoping().scope_flags(s).is_strict_mode());
                    return !strict && self.called_without_receiver(anc.id());
                }
                AstKind::Class(_) | AstKind::StaticBlock(_) => return false,
                AstKind::Program(_) => return !self.semantic.source_type().is_module(),
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
        loop {
            let mut changed = false;
            for def in defs {
                let k = self.def_kind(def);
                let cur = self.kinds.entry(def.symbol).or_default();
                if k & !*cur != 0 {
                    *cur |= k;
                    changed = true;
                }
            }
            if !changed {
                break;
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

    fn record_api(&mut self, site: NodeId, name: String, indirect: bool) {
        if self.seen.insert((site, "api")) {
            self.out.apis.push(ApiHit { name, indirect });
        }
    }

    fn flag(&mut self, site: NodeId, at: Span, code: &'static str, reason: String) {
        if self.seen.insert((site, code)) {
            self.out.hits.push(Hit { at, code, reason });
        }
    }

    /// `wx`, `` `w` (wx) ``, `` `globalThis` (the global object, which holds wx) ``...
    fn describe(&self, kind: u8, at: Span) -> String {
        let text = short(self.text(at), 40);
        let mut what = vec![];
        if kind & WX != 0 {
            what.push("wx");
        }
        if kind & GLOBAL != 0 {
            what.push("the global object, which holds wx");
        }
        if kind & EVAL != 0 {
            what.push("eval");
        }
        if kind & FUNCTION != 0 {
            what.push("the Function constructor");
        }
        if kind & REQUIRE != 0 {
            what.push("require");
        }
        let what = what.join(" or ");
        if text == "wx" || text == "ft" || text == what {
            format!("`{text}`")
        } else {
            format!("`{text}` ({what})")
        }
    }

    /// Every expression with a tracked kind, and what its surroundings do with it.
    fn uses(&mut self) {
        let nodes = self.semantic.nodes();
        let scoping = self.semantic.scoping();
        for node in nodes.iter() {
            let id = node.id();
            let (kind, direct) = match node.kind() {
                AstKind::IdentifierReference(ident) => {
                    let Some(rid) = ident.reference_id.get() else {
                        continue;
                    };
                    let r = scoping.get_reference(rid);
                    match r.symbol_id() {
                        Some(s) if r.is_read() => (self.kinds.get(&s).copied().unwrap_or(0), false),
                        Some(_) => continue,
                        None => {
                            let k = Self::global_kind(&ident.name);
                            if !r.is_read() {
                                if k & WX != 0 {
                                    self.flag(
                                        nodes.parent_id(id),
                                        ident.span,
                                        "wx_overwritten",
                                        format!("the global `{}` is replaced: later calls through it reach code in the package, not the API", ident.name),
                                    );
                                }
                                continue;
                            }
                            (k, ident.name == "wx" || ident.name == "ft")
                        }
                    }
                }
                AstKind::ThisExpression(_) if self.this_is_global(id) => (GLOBAL, false),
                k @ (AstKind::StaticMemberExpression(_) | AstKind::ComputedMemberExpression(_)) => {
                    let Some((object, Some(name))) = self.member_name(k) else {
                        continue;
                    };
                    let ok = self.eval(object, 0);
                    let mk = Self::member_kind(ok, &name);
                    if mk != 0 {
                        (mk, false)
                    } else if ok == 0 && name == "wx" && !self.is_assignment_target(id) {
                        // `something().wx`: a property named `wx` of an object the analysis
                        // cannot follow may be the API; its members are read as API uses.
                        self.flag(
                            id,
                            k.span(),
                            "unknown_wx_property",
                            format!(
                                "`{}` reads a property named wx from a value the analysis cannot follow (it may be the global object)",
                                short(self.text(k.span()), 60)
                            ),
                        );
                        // Its members are API uses; where else it goes is already this item.
                        self.quiet_member(id);
                        continue;
                    } else {
                        continue;
                    }
                }
                _ => continue,
            };
            if kind != 0 {
                self.use_of(id, kind, direct);
            }
        }
    }

    /// Record `value.name` at the parent of `id` as an API use, if it is one.
    fn quiet_member(&mut self, id: NodeId) {
        let nodes = self.semantic.nodes();
        let span = nodes.kind(id).span();
        let site = nodes.parent_id(id);
        let name = match nodes.kind(site) {
            AstKind::StaticMemberExpression(m) => Some(m.property.name.to_string()),
            AstKind::ComputedMemberExpression(m) if m.object.span() == span => {
                self.folder.string(&m.expression)
            }
            _ => None,
        };
        if let Some(name) = name {
            self.record_api(site, name, true);
        }
    }

    fn is_assignment_target(&self, id: NodeId) -> bool {
        let nodes = self.semantic.nodes();
        let span = nodes.kind(id).span();
        match nodes.parent_kind(id) {
            AstKind::AssignmentExpression(a) => a.left.span() == span,
            AstKind::UpdateExpression(_) => true,
            _ => false,
        }
    }

    /// Follow the value at `id` up through expressions that pass it on unchanged, then judge
    /// what the surrounding code does with it.
    fn use_of(&mut self, id: NodeId, kind: u8, direct: bool) {
        let nodes = self.semantic.nodes();
        let at = nodes.kind(id).span();
        let mut child = id;
        let mut direct = direct;
        loop {
            let span = nodes.kind(child).span();
            let parent = nodes.parent_id(child);
            let passes = match nodes.kind(parent) {
                AstKind::ParenthesizedExpression(_)
                | AstKind::AwaitExpression(_)
                | AstKind::ChainExpression(_) => true,
                // `wx && x`: the left of `&&` is only tested.
                AstKind::LogicalExpression(l) => {
                    l.operator != LogicalOperator::And || l.right.span() == span
                }
                AstKind::ConditionalExpression(c) => c.test.span() != span,
                AstKind::SequenceExpression(s) => {
                    s.expressions.last().is_some_and(|e| e.span() == span)
                }
                AstKind::AssignmentExpression(a) if a.right.span() == span => match &a.left {
                    AssignmentTarget::AssignmentTargetIdentifier(target) => {
                        self.check_alias(
                            parent,
                            at,
                            kind,
                            target
                                .reference_id
                                .get()
                                .and_then(|r| self.semantic.scoping().get_reference(r).symbol_id()),
                        );
                        true
                    }
                    _ => false,
                },
                _ => false,
            };
            if !passes {
                break;
            }
            direct = false;
            child = parent;
        }
        self.judge(child, at, kind, direct);
    }

    /// A tracked value given to a variable: fine if the variable holds only tracked values
    /// (its uses are followed), a review item if it also holds others.
    fn check_alias(&mut self, site: NodeId, at: Span, kind: u8, symbol: Option<SymbolId>) {
        let Some(symbol) = symbol else { return };
        // Calls through an alias of eval, Function or require are judged where they happen.
        if kind & (WX | GLOBAL) != 0
            && self.mixed.contains(&symbol)
            && self.flagged_symbols.insert(symbol)
        {
            let name = self.semantic.scoping().symbol_name(symbol).to_string();
            let what = if kind & WX != 0 {
                "wx"
            } else {
                "the global object (which holds wx)"
            };
            self.flag(
                site,
                at,
                "alias_reassigned",
                format!(
                    "`{name}` holds {what} here and is also given other values (reassigned, a parameter, or a loop variable): its members are counted as {} but may be something else",
                    if kind & WX != 0 { "wx calls" } else { "members of the global object" },
                ),
            );
        }
    }

    /// What the code at the parent of `child` does with a value of `kind`.
    fn judge(&mut self, child: NodeId, at: Span, kind: u8, direct: bool) {
        let nodes = self.semantic.nodes();
        let span = nodes.kind(child).span();
        let site = nodes.parent_id(child);
        let what = self.describe(kind, at);
        let escapes =
            |how: &str| format!("{what} {how}: what it is used for cannot be read from the code");
        match nodes.kind(site) {
            AstKind::StaticMemberExpression(m) => {
                self.member(site, at, kind, Some(m.property.name.to_string()), direct)
            }
            AstKind::ComputedMemberExpression(m) => {
                if m.object.span() == span {
                    let name = self.folder.string(&m.expression);
                    self.member(site, at, kind, name, false);
                }
            }
            AstKind::CallExpression(c) => {
                if c.callee.span() == span {
                    if kind & EVAL != 0 {
                        self.flag(
                            site,
                            at,
                            "eval",
                            format!("{what} is called: it runs a string as code"),
                        );
                    }
                    if kind & FUNCTION != 0 {
                        self.flag(
                            site,
                            at,
                            "function_constructor",
                            format!("{what} is called: it builds a function from a string"),
                        );
                    }
                    if kind & REQUIRE != 0 {
                        let first = c.arguments.first().and_then(|a| a.as_expression());
                        if first.and_then(|e| self.folder.string(e)).is_none() {
                            self.flag(
                                site,
                                at,
                                "dynamic_require",
                                format!(
                                    "`{}` loads a module whose path the analysis cannot compute",
                                    short(self.text(c.span), 60)
                                ),
                            );
                        }
                    }
                } else if !self.is_iife_argument(c, span) && !self.is_own_receiver(c, span, kind) {
                    let callee = short(self.text(c.callee.span()), 40);
                    self.flag(
                        site,
                        at,
                        escape_code(kind),
                        escapes(&format!("is passed to `{callee}`")),
                    );
                }
            }
            AstKind::NewExpression(n) => {
                if n.callee.span() == span {
                    if kind & FUNCTION != 0 {
                        self.flag(
                            site,
                            at,
                            "function_constructor",
                            format!("{what} builds a function from a string"),
                        );
                    }
                } else {
                    let callee = short(self.text(n.callee.span()), 40);
                    self.flag(
                        site,
                        at,
                        escape_code(kind),
                        escapes(&format!("is passed to `new {callee}`")),
                    );
                }
            }
            AstKind::VariableDeclarator(d) => match &d.id {
                BindingPattern::BindingIdentifier(b) => {
                    self.check_alias(site, at, kind, b.symbol_id.get())
                }
                BindingPattern::ObjectPattern(o) => self.destructure(site, at, kind, o),
                _ => {}
            },
            AstKind::FormalParameter(p) => {
                if let BindingPattern::BindingIdentifier(b) = &p.pattern {
                    self.check_alias(site, at, kind, b.symbol_id.get());
                }
            }
            AstKind::AssignmentPattern(ap) => {
                if let BindingPattern::BindingIdentifier(b) = &ap.left {
                    self.check_alias(site, at, kind, b.symbol_id.get());
                }
            }
            AstKind::AssignmentExpression(a) => {
                if a.right.span() == span {
                    let target = short(self.text(a.left.span()), 40);
                    self.flag(
                        site,
                        at,
                        escape_code(kind),
                        escapes(&format!("is stored in `{target}`")),
                    );
                } else if kind & WX != 0 && !direct {
                    self.flag(site, at, "wx_overwritten", format!("{what} is replaced: later calls through it reach code in the package, not the API"));
                }
            }
            AstKind::ObjectProperty(p) => {
                if p.value.span() == span {
                    self.flag(
                        site,
                        at,
                        escape_code(kind),
                        escapes("is stored in an object"),
                    );
                }
            }
            AstKind::ArrayExpression(_) => self.flag(
                site,
                at,
                escape_code(kind),
                escapes("is stored in an array"),
            ),
            AstKind::SpreadElement(_) => self.flag(
                site,
                at,
                escape_code(kind),
                escapes("is spread (every member copied)"),
            ),
            AstKind::ReturnStatement(_) | AstKind::ArrowFunctionExpression(_) => self.flag(
                site,
                at,
                escape_code(kind),
                escapes("is returned from a function"),
            ),
            AstKind::YieldExpression(_) | AstKind::ThrowStatement(_) => {
                self.flag(site, at, escape_code(kind), escapes("is yielded or thrown"))
            }
            AstKind::PropertyDefinition(_) | AstKind::AccessorProperty(_) => self.flag(
                site,
                at,
                escape_code(kind),
                escapes("is stored in a class field"),
            ),
            AstKind::ExportDefaultDeclaration(_)
            | AstKind::ExportSpecifier(_)
            | AstKind::ExportNamedDeclaration(_) => {
                self.flag(site, at, escape_code(kind), escapes("is exported"))
            }
            AstKind::ForInStatement(f) => {
                if f.right.span() == span {
                    self.flag(
                        site,
                        at,
                        escape_code(kind),
                        escapes("has its keys enumerated"),
                    );
                }
            }
            AstKind::ForOfStatement(f) => {
                if f.right.span() == span {
                    self.flag(site, at, escape_code(kind), escapes("is iterated"));
                }
            }
            AstKind::WithStatement(_) => self.flag(
                site,
                at,
                escape_code(kind),
                escapes("is the scope of a `with` block (every name may be its member)"),
            ),
            // Reading, testing or comparing the value reaches nothing.
            AstKind::UnaryExpression(_)
            | AstKind::BinaryExpression(_)
            | AstKind::LogicalExpression(_)
            | AstKind::PrivateInExpression(_)
            | AstKind::IfStatement(_)
            | AstKind::WhileStatement(_)
            | AstKind::DoWhileStatement(_)
            | AstKind::ForStatement(_)
            | AstKind::SwitchStatement(_)
            | AstKind::SwitchCase(_)
            | AstKind::ConditionalExpression(_)
            | AstKind::SequenceExpression(_)
            | AstKind::ExpressionStatement(_)
            | AstKind::TemplateLiteral(_)
            | AstKind::TaggedTemplateExpression(_)
            | AstKind::ImportExpression(_)
            | AstKind::UpdateExpression(_) => {}
            _ => self.flag(
                site,
                at,
                escape_code(kind),
                escapes("is used in a way the analysis does not follow"),
            ),
        }
    }

    /// `wx.getAppBaseInfo.call(wx)`, `e.call(wx)` with `e = wx.getAppBaseInfo` (transpiled
    /// optional calls), `window.requestAnimationFrame.bind(window)`: a value given as `this`
    /// to one of its own members, which is how that member is called anyway.
    fn is_own_receiver(
        &self,
        call: &oxc::ast::ast::CallExpression<'a>,
        span: Span,
        kind: u8,
    ) -> bool {
        if call.arguments.first().is_none_or(|a| a.span() != span) {
            return false;
        }
        let Expression::StaticMemberExpression(m) = call.callee.without_parentheses() else {
            return false;
        };
        if !matches!(m.property.name.as_str(), "call" | "apply" | "bind") {
            return false;
        }
        let owner = match m.object.without_parentheses() {
            Expression::StaticMemberExpression(f) => self.eval(&f.object, 0),
            Expression::ComputedMemberExpression(f) => self.eval(&f.object, 0),
            Expression::Identifier(id) => id
                .reference_id
                .get()
                .and_then(|r| self.semantic.scoping().get_reference(r).symbol_id())
                .and_then(|s| self.member_of.get(&s).copied())
                .unwrap_or(0),
            _ => 0,
        };
        owner & kind == kind
    }

    fn is_iife_argument(&self, call: &oxc::ast::ast::CallExpression<'a>, span: Span) -> bool {
        let Some(index) = call.arguments.iter().position(|a| a.span() == span) else {
            return false;
        };
        if call.arguments[..index]
            .iter()
            .any(|a| a.as_expression().is_none())
        {
            return false;
        }
        let (function, index) = match call.callee.without_parentheses() {
            f @ (Expression::FunctionExpression(_) | Expression::ArrowFunctionExpression(_)) => {
                (f, index)
            }
            Expression::StaticMemberExpression(m) if m.property.name == "call" && index > 0 => {
                match m.object.without_parentheses() {
                    f @ (Expression::FunctionExpression(_)
                    | Expression::ArrowFunctionExpression(_)) => (f, index - 1),
                    _ => return false,
                }
            }
            _ => return false,
        };
        let params = match function {
            Expression::FunctionExpression(f) => &f.params,
            Expression::ArrowFunctionExpression(f) => &f.params,
            _ => return false,
        };
        params
            .items
            .get(index)
            .is_some_and(|p| matches!(p.pattern, BindingPattern::BindingIdentifier(_)))
    }

    /// `value.name` (`name` unknown: a computed key).
    fn member(&mut self, site: NodeId, at: Span, kind: u8, name: Option<String>, direct: bool) {
        let what = self.describe(kind, at);
        match name {
            Some(name) => {
                if kind & WX != 0 {
                    self.record_api(site, name.clone(), !direct);
                }
                // `Function.call(null, 'code')` runs code; `Function.call.apply(f, args)` and
                // passing `Function.call` around is the generic `call`.
                let called = matches!(
                    self.semantic.nodes().parent_kind(site),
                    AstKind::CallExpression(c) if c.callee.span() == self.semantic.nodes().kind(site).span()
                );
                if called
                    && kind & (EVAL | FUNCTION) != 0
                    && matches!(name.as_str(), "call" | "apply" | "bind")
                {
                    let code = if kind & EVAL != 0 {
                        "eval"
                    } else {
                        "function_constructor"
                    };
                    self.flag(
                        site,
                        at,
                        code,
                        format!("{what} is called through `.{name}`: it runs a string as code"),
                    );
                }
            }
            None => {
                if kind & (WX | GLOBAL) != 0 && !self.only_tested(site) {
                    self.flag(
                        site,
                        at,
                        "computed_member",
                        format!(
                            "a member of {what} is read with a key the analysis cannot compute"
                        ),
                    );
                }
            }
        }
    }

    /// Is the value at `id` only tested (`typeof wx[k]`, `if (wx[k])`, `wx[k] && ...`), never
    /// called or kept?
    fn only_tested(&self, id: NodeId) -> bool {
        let nodes = self.semantic.nodes();
        let span = nodes.kind(id).span();
        match nodes.parent_kind(id) {
            AstKind::UnaryExpression(u) => matches!(
                u.operator,
                UnaryOperator::Typeof | UnaryOperator::LogicalNot | UnaryOperator::Void
            ),
            AstKind::BinaryExpression(_) => true,
            AstKind::IfStatement(i) => i.test.span() == span,
            AstKind::ConditionalExpression(c) => c.test.span() == span,
            AstKind::LogicalExpression(l) => {
                l.operator == LogicalOperator::And && l.left.span() == span
            }
            _ => false,
        }
    }

    fn destructure(&mut self, site: NodeId, at: Span, kind: u8, pattern: &ObjectPattern<'a>) {
        let what = self.describe(kind, at);
        for p in &pattern.properties {
            match self.key_name(&p.key) {
                Some(name) => {
                    if kind & WX != 0 && self.seen.insert((p.node_id.get(), "api")) {
                        self.out.apis.push(ApiHit {
                            name: name.clone(),
                            indirect: true,
                        });
                    }
                    let inner = Self::member_kind(kind, &name);
                    if inner != 0
                        && let BindingPattern::ObjectPattern(o) = &p.value
                    {
                        self.destructure(p.node_id.get(), p.span, inner, o);
                    }
                }
                None => {
                    if kind & (WX | GLOBAL) != 0 {
                        self.flag(p.node_id.get(), p.span, "computed_member", format!("a member of {what} is destructured with a key the analysis cannot compute"));
                    }
                }
            }
        }
        if let Some(rest) = &pattern.rest
            && kind & (WX | GLOBAL) != 0
        {
            self.flag(site, rest.span, "alias_escapes", format!("{what} is copied by a rest pattern (every member): what it is used for cannot be read from the code"));
        }
    }

    /// `require`/`import()` of a computed path, string timers and the `.constructor` route to
    /// the Function constructor.
    fn code_from_strings(&mut self) {
        let nodes = self.semantic.nodes();
        for node in nodes.iter() {
            let id = node.id();
            match node.kind() {
                AstKind::CallExpression(c) => {
                    let callee = c.callee.without_parentheses();
                    let first = c.arguments.first().and_then(|a| a.as_expression());
                    if self.is_timer(callee) && first.is_some_and(|e| self.folder.is_stringish(e)) {
                        self.flag(
                            id,
                            c.span,
                            "string_timer",
                            format!(
                                "`{}` is given a string, which runs as code",
                                short(self.text(callee.span()), 30)
                            ),
                        );
                    } else if self.is_constructor_of_function(callee) {
                        self.flag(id, c.span, "function_constructor", format!("`{}` is the Function constructor reached through `.constructor`: it builds a function from a string", short(self.text(callee.span()), 60)));
                    }
                }
                AstKind::NewExpression(n) => {
                    if self.is_constructor_of_function(n.callee.without_parentheses()) {
                        self.flag(id, n.span, "function_constructor", format!("`{}` is the Function constructor reached through `.constructor`: it builds a function from a string", short(self.text(n.callee.span()), 60)));
                    }
                }
                AstKind::ImportExpression(i) => {
                    if self.folder.string(&i.source).is_none() {
                        self.flag(
                            id,
                            i.span,
                            "dynamic_require",
                            format!(
                                "`{}` loads a module whose path the analysis cannot compute",
                                short(self.text(i.span), 60)
                            ),
                        );
                    }
                }
                _ => {}
            }
        }
    }

    fn is_timer(&self, callee: &Expression<'a>) -> bool {
        let timer = |n: &str| matches!(n, "setTimeout" | "setInterval" | "setImmediate");
        match callee {
            Expression::Identifier(id) => timer(&id.name) && self.is_unresolved(id),
            Expression::StaticMemberExpression(m) => {
                timer(&m.property.name) && self.eval(&m.object, 0) & GLOBAL != 0
            }
            _ => false,
        }
    }

    /// `(function(){}).constructor`, `x.constructor.constructor`, `Object.constructor`,
    /// `Object.getPrototypeOf(async () => {}).constructor`: the Function constructor (or an
    /// async/generator one) by another name. (`this.constructor` is the class of `this`.)
    fn is_constructor_of_function(&self, callee: &Expression<'a>) -> bool {
        let name = match callee {
            Expression::StaticMemberExpression(m) => Some((&m.object, m.property.name.to_string())),
            Expression::ComputedMemberExpression(m) => {
                self.folder.string(&m.expression).map(|n| (&m.object, n))
            }
            _ => None,
        };
        let Some((object, name)) = name else {
            return false;
        };
        if name != "constructor" {
            return false;
        }
        match object.without_parentheses() {
            Expression::FunctionExpression(_)
            | Expression::ArrowFunctionExpression(_)
            | Expression::ClassExpression(_)
            | Expression::CallExpression(_) => true,
            Expression::StaticMemberExpression(m) => m.property.name == "constructor",
            Expression::Identifier(id) => {
                self.is_unresolved(id) && id.name.starts_with(|c: char| c.is_ascii_uppercase())
            }
            _ => false,
        }
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
mod tests {
    use super::*;
    use oxc::allocator::Allocator;
    use oxc::parser::Parser;
    use oxc::semantic::SemanticBuilder;
    use oxc::span::SourceType;

    fn run(src: &str) -> Reach {
        let alloc = Allocator::default();
        let ret = Parser::new(&alloc, src, SourceType::unambiguous()).parse();
        assert!(ret.diagnostics.is_empty(), "{:?}", ret.diagnostics);
        let semantic = SemanticBuilder::new()
            .with_build_nodes(true)
            .build(&ret.program)
            .semantic;
        analyze(&semantic, src)
    }

    fn apis(r: &Reach) -> Vec<(&str, bool)> {
        let mut v: Vec<(&str, bool)> = r
            .apis
            .iter()
            .map(|a| (a.name.as_str(), a.indirect))
            .collect();
        v.sort();
        v
    }

    /// Library idioms that test for or wrap the global object reach nothing dynamically.
    #[test]
    fn ordinary_library_code_needs_no_review() {
        for src in [
            // Platform detection.
            "if (typeof wx !== 'undefined' && wx.getSystemInfoSync) { wx.getSystemInfoSync() }",
            // UMD wrappers: the global object given to an immediately called function.
            "(function (root, factory) { root.lib = factory() })(this, function () { return {} })",
            "(function (g, f) { g = typeof globalThis !== 'undefined' ? globalThis : g || self; g.x = f() })(this, function () {})",
            // TypeScript helpers at the top level.
            "var __assign = (this && this.__assign) || function () { __assign = Object.assign || function (t) { return t }; return __assign.apply(this, arguments) };",
            // lodash's root, found without the Function constructor.
            "var freeGlobal = typeof global == 'object' && global && global.Object === Object && global; var root = freeGlobal || {}; root.Symbol;",
            // An API called with itself as `this` (transpiled `wx.getAppBaseInfo?.()`).
            "var e; (e = wx.getAppBaseInfo) === null || e === void 0 ? void 0 : e.call(wx);",
            "window.requestAnimationFrame.bind(window)",
            // A local variable named wx is not the API.
            "function f(wx) { return wx[k] } const g = (ft) => ft.x;",
            // `this` in a method is not the global object.
            "Page({ onLoad() { this.setData({}); const w = this; w[k] } })",
            // Modules named by constants.
            "require('./a'); require('./b' + '.js'); setTimeout(() => {}, 1);",
            "if (typeof wx[name] === 'function') {}",
        ] {
            let r = run(src);
            assert!(r.hits.is_empty(), "{src}: {:?}", r.hits);
        }
    }

    #[test]
    fn aliases_and_constant_keys_resolve_to_apis() {
        let r = run(
            "const w = wx; const { request, ['get' + 'Location']: g } = w; \
             const k = `choose${'Image'}`; wx[k](); ft.login(); \
             (function (api) { api.scanCode() })(wx); globalThis['w' + 'x'].makePhoneCall();",
        );
        assert_eq!(
            apis(&r),
            [
                ("chooseImage", true),
                ("getLocation", true),
                ("login", false),
                ("makePhoneCall", true),
                ("request", true),
                ("scanCode", true),
            ]
        );
        assert!(r.hits.is_empty(), "{:?}", r.hits);
    }

    #[test]
    fn what_cannot_be_resolved_is_a_hit_at_its_place() {
        let src = "const w = wx;\nw[key]();\nsave(w);\n";
        let r = run(src);
        let hits: Vec<(&str, &str)> = r
            .hits
            .iter()
            .map(|h| (h.code, &src[h.at.start as usize..h.at.end as usize]))
            .collect();
        assert_eq!(hits, [("computed_member", "w"), ("alias_escapes", "w")]);
        assert!(r.hits[1].reason.contains("`save`"), "{}", r.hits[1].reason);
    }

    #[test]
    fn a_sloppy_function_called_bare_sees_the_global_this() {
        let r = run("(function () { this.wx.getLocation() })();");
        assert_eq!(apis(&r), [("getLocation", true)]);
        let r = run("'use strict'; (function () { this.wx.getLocation() })();");
        // Strict: `this` is undefined, and `.wx` of it is an unknown object's `wx`.
        assert_eq!(r.hits.len(), 1);
        assert_eq!(r.hits[0].code, "unknown_wx_property");
    }
}
