//! What the code around each tracked value does with it: an API use read statically, nothing
//! (a test or comparison), or a place that needs manual review.

use oxc::ast::AstKind;
use oxc::ast::ast::{
    AssignmentTarget, BindingPattern, Expression, LogicalOperator, ObjectPattern, UnaryOperator,
};
use oxc::semantic::{NodeId, SymbolId};
use oxc::span::{GetSpan, Span};

use super::{Analysis, ApiHit, EVAL, FUNCTION, GLOBAL, Hit, REQUIRE, WX, escape_code, short};

impl<'a> Analysis<'_, 'a> {
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
    pub(super) fn uses(&mut self) {
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
                AstKind::ThisExpression(t) => {
                    // `function f() { return this }` called as `f()` hands out the global
                    // object in sloppy mode; a method's `return this` (chaining) does not.
                    if matches!(nodes.kind(self.up(id)), AstKind::ReturnStatement(_))
                        && self.sloppy_plain_function(id)
                    {
                        self.flag(
                            self.up(id),
                            t.span,
                            "alias_escapes",
                            "`this` is returned from a sloppy-mode function that is not a method: called without a receiver, it is the global object (which holds wx)".into(),
                        );
                    }
                    continue;
                }
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
                } else if kind & WX != 0
                    && !direct
                    && !matches!(nodes.kind(child), AstKind::IdentifierReference(_))
                {
                    // `globalThis.wx = …` (an alias assigned is one of its definitions).
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
        let mut id = id;
        // Up through `&&`/`||` and parentheses (a loop: minified chains are long).
        loop {
            let span = nodes.kind(id).span();
            let parent = nodes.parent_id(id);
            return match nodes.kind(parent) {
                AstKind::UnaryExpression(u) => matches!(
                    u.operator,
                    UnaryOperator::Typeof | UnaryOperator::LogicalNot | UnaryOperator::Void
                ),
                AstKind::BinaryExpression(_) => true,
                AstKind::IfStatement(i) => i.test.span() == span,
                AstKind::ConditionalExpression(c) => c.test.span() == span,
                AstKind::LogicalExpression(l)
                    if l.operator == LogicalOperator::And && l.left.span() == span =>
                {
                    true
                }
                AstKind::LogicalExpression(_) | AstKind::ParenthesizedExpression(_) => {
                    id = parent;
                    continue;
                }
                _ => false,
            };
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
    pub(super) fn code_from_strings(&mut self) {
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
                AstKind::NewExpression(n)
                    if self.is_constructor_of_function(n.callee.without_parentheses()) =>
                {
                    self.flag(
                        id,
                        n.span,
                        "function_constructor",
                        format!(
                            "`{}` is the Function constructor reached through `.constructor`: it builds a function from a string",
                            short(self.text(n.callee.span()), 60)
                        ),
                    );
                }
                AstKind::ImportExpression(i) if self.folder.string(&i.source).is_none() => {
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
