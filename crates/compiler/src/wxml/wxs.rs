//! WXS in the template group: glass-easel-template-compiler 0.12.1 passes WXS modules (file
//! and inline) through as plain JS, and gives them nothing of WXS's own. What WXS code sees
//! in WeChat and not in JS comes from here: the built-ins ([`PRELUDE`]), `constructor` as a
//! type name and wcc's string escapes ([`semantics`]), and a template's call of a WXS
//! function that throws giving `undefined` ([`GUARD_LOADER`]).
//!
//! (`crate::wxs` reads WXS source: its syntax check, its `require`s, and the names JS
//! reserves.)

/// What WXS code sees besides plain JS, as wcc gives it, where glass-easel 0.12.1 gives
/// nothing: `getRegExp`/`getDate` stand for the `RegExp`/`Date` constructors, and
/// `x.constructor` is the name of `x`'s type (`"Array"`, `"Object"`, `"Function"`, `"String"`,
/// `"Number"`, `"Boolean"`, `"Date"`, `"RegExp"`) through `$wxsType` (see [`semantics`]). The
/// helpers open the group's scope, which every WXS module (file or inline) is written in.
///
/// `$wxsGuard` wraps the module loader so that what templates get from a module (never what
/// another module `require`s) catches exceptions: in WeChat a WXS function that throws while
/// a template calls it is reported and gives `undefined`, and the rest of the page renders;
/// under glass-easel 0.12.1 the exception fails the whole component's rendering.
pub(super) const PRELUDE: &str = "var getRegExp=function(p,f){return new RegExp(p,f)};\
var getDate=function(){return new(Function.prototype.bind.apply(Date,[null].concat([].slice.call(arguments))))};\
var $wxsType=function(x){if(x==null||Object.prototype.hasOwnProperty.call(x,'constructor'))return x['constructor'];\
var t=typeof x;return t==='function'?'Function':t==='string'?'String':t==='number'?'Number':t==='boolean'?'Boolean':\
Array.isArray(x)?'Array':x instanceof Date?'Date':x instanceof RegExp?'RegExp':'Object'};\
var $wxsCatch=function(f){return function(){try{return f.apply(this,arguments)}catch(e){\
if(typeof console!=='undefined')console.error(e);return undefined}}};\
var $wxsGuard=function(load){return function(name,fn){var get=load(name,fn),out,done=false;\
return function(){var e=get();if(done)return out;done=true;if(typeof e==='function')return out=$wxsCatch(e);\
if(e===null||typeof e!=='object')return out=e;var seen=new Map();\
return out=new Proxy(e,{get:function(t,k,r){var v=Reflect.get(t,k,r);if(typeof v!=='function')return v;\
var w=seen.get(v);if(!w){w=$wxsCatch(v);seen.set(v,w)}return w}})}}};";

/// Installs `$wxsGuard` (see [`PRELUDE`]) on glass-easel's module loader `D`, right after
/// glass-easel's globals define it.
pub(super) const GUARD_LOADER: &str = ";if(typeof D==='function')D=$wxsGuard(D);";

/// Give the WXS modules of a template group WXS semantics where they differ from JS (besides
/// [`PRELUDE`]); glass-easel 0.12.1 passes WXS code through as JS, where these mean other
/// things:
/// - every `x.constructor` read becomes `$wxsType(x)`;
/// - in string literals, a backslash escape other than `\n`, `\t`, `\r`, `\\`, `\'` and `\"`
///   keeps its backslash (`'\d+'` is the four characters `\d+`), as wcc compiles them, so
///   `getRegExp('^\d+$')` means what WXS authors wrote.
///
/// WXS code is what the group passes to its module loader, `D(name, (require, exports,
/// module) => {...})`, for file and inline modules alike; the template code is not touched.
pub(super) fn semantics(group_js: &str) -> String {
    use oxc::allocator::Allocator;
    use oxc::ast::ast::{
        Argument, AssignmentTarget, CallExpression, Expression, SimpleAssignmentTarget,
        StaticMemberExpression, StringLiteral,
    };
    use oxc::ast_visit::{Visit, walk};
    use oxc::parser::Parser;
    use oxc::span::{GetSpan, SourceType};

    /// `(at, order, end, text)`: `text` replaces `[at, end)` (an insertion when `end <= at`).
    struct Wxs<'s> {
        src: &'s str,
        depth: u32,
        edits: Vec<(u32, u32, u32, String)>,
    }
    impl<'a> Visit<'a> for Wxs<'_> {
        fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
            let loader = matches!(&it.callee, Expression::Identifier(id) if id.name == "D")
                && it.arguments.len() == 2
                && matches!(it.arguments[0], Argument::StringLiteral(_))
                && matches!(it.arguments[1], Argument::ArrowFunctionExpression(_));
            self.depth += u32::from(loader);
            walk::walk_call_expression(self, it);
            self.depth -= u32::from(loader);
        }
        fn visit_static_member_expression(&mut self, it: &StaticMemberExpression<'a>) {
            if self.depth > 0 && it.property.name == "constructor" && !it.optional {
                let obj = it.object.span();
                // Outer reads open first: `a.constructor.constructor`.
                let open = (
                    obj.start,
                    u32::MAX - it.span.end,
                    0,
                    "$wxsType(".to_string(),
                );
                self.edits.push(open);
                self.edits.push((obj.end, 0, it.span.end, ")".to_string()));
            }
            walk::walk_static_member_expression(self, it);
        }
        fn visit_assignment_target(&mut self, it: &AssignmentTarget<'a>) {
            // `x.constructor = v` stays an assignment.
            if let Some(SimpleAssignmentTarget::StaticMemberExpression(m)) =
                it.as_simple_assignment_target()
                && m.property.name == "constructor"
            {
                self.visit_expression(&m.object);
                return;
            }
            walk::walk_assignment_target(self, it);
        }
        fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
            let raw = &self.src[it.span.start as usize..it.span.end as usize];
            if self.depth > 0 && raw.contains('\\') {
                let mut out = String::with_capacity(raw.len() + 4);
                let mut chars = raw.chars();
                while let Some(c) = chars.next() {
                    out.push(c);
                    if c == '\\' {
                        match chars.next() {
                            Some(e @ ('n' | 't' | 'r' | '\\' | '\'' | '"')) => out.push(e),
                            // A line continuation keeps its backslash and the line break.
                            Some('\n') => out.push_str("\\\\n"),
                            Some(e) => {
                                out.push('\\');
                                out.push(e);
                            }
                            None => {}
                        }
                    }
                }
                if out != raw {
                    // After any `$wxsType(` opened at the same place.
                    self.edits.push((it.span.start, u32::MAX, it.span.end, out));
                }
            }
        }
    }

    let mut wxs = Wxs {
        src: group_js,
        depth: 0,
        edits: vec![],
    };
    if group_js.contains("constructor") || group_js.contains('\\') {
        let alloc = Allocator::default();
        let ret = Parser::new(&alloc, group_js, SourceType::script()).parse();
        // The group is generated code; were it ever unparsable, it stays as it is.
        if !ret.panicked && ret.diagnostics.is_empty() {
            wxs.visit_program(&ret.program);
        }
    }
    let mut edits = wxs.edits;
    edits.sort();
    let mut out = String::with_capacity(group_js.len() + 64);
    let mut at = 0usize;
    for (start, _, end, text) in edits {
        let start = start as usize;
        if start < at {
            continue; // overlapping edits cannot happen; never cut the text if they did
        }
        out.push_str(&group_js[at..start]);
        out.push_str(&text);
        at = (end as usize).max(start);
    }
    out.push_str(&group_js[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wxs_code_gets_wxs_semantics_and_template_code_does_not() {
        let group = concat!(
            "module.exports=(function(){var G={};var R={};",
            r#"R["a"]=D("a",(require,exports,module)=>{var r=getRegExp('^\d+(\.\d+)?\n$');"#,
            r#"module.exports=function(x){return x.constructor==='Array'||a.constructor.constructor;}"#,
            "\n});",
            r#"G["t"]=function(){var s='\d';return s.constructor};return G})();"#
        );
        let out = semantics(group);
        assert!(out.contains(r"getRegExp('^\\d+(\\.\\d+)?\n$')"), "{out}");
        assert!(
            out.contains("return $wxsType(x)==='Array'||$wxsType($wxsType(a));"),
            "{out}"
        );
        // Outside the module loader nothing changes.
        assert!(out.contains(r"var s='\d';return s.constructor}"), "{out}");
    }
}
