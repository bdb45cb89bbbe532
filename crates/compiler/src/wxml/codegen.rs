//! Text patches on the JS glass-easel generates: reproducible binding maps, WeChat's
//! semantics where glass-easel's differ (WXS, `null` in text), and run-time warnings for what
//! a template names that does not exist (WeChat compiles such a file, and its runtime warns).

use std::fmt::Write as _;

/// What a template's generated code checks when it runs, as WeChat's runtime does.
#[derive(Debug, Clone)]
pub(super) enum RuntimeCheck {
    /// `<import src>` of a file that does not exist, with the 1-based line and column of its
    /// tag as wcc counts them.
    Import {
        src: String,
        line: usize,
        col: usize,
    },
    /// `<include src>` of a file that does not exist, with the template key it resolves to.
    Include { src: String, key: String },
    /// `<include src>` on an include cycle, with the template key it resolves to.
    Loop { src: String, key: String },
}

/// Make one template's generated code (`file` is its source) warn and stop where WeChat's
/// runtime does, with WeChat's own text: a missing import warns each time the template is
/// instantiated; a missing include each time it is created where it stands (not in a
/// `wx:if` branch not taken); an include of a file that is being included already (a
/// cycle) renders nothing there and warns. A missing file renders nothing, as in WeChat.
pub(super) fn runtime_checks(code: &str, file: &str, checks: &[RuntimeCheck]) -> String {
    let mut out = code.to_string();
    let mut imports = vec![];
    for m in checks {
        // glass-easel writes `var x=G["key"]` for an include (the key as Rust's `{:?}`),
        // `(G["key"]||{})._` for an import.
        match m {
            RuntimeCheck::Import { src, line, col } => imports.push(format!(
                "./{file}:import:{line}:{col}: Path `{src}` not found from `./{file}`."
            )),
            RuntimeCheck::Include { src, key } => {
                let msg = format!(
                    "./{file}:include:-1:-1: Included path `{src}` not found from `./{file}`."
                );
                let checked = format!("=$wxmlMissing(G,{key:?},{},C)", js_string(&msg));
                out = out.replace(&format!("=G[{key:?}]"), &checked);
            }
            RuntimeCheck::Loop { src, key } => {
                let msg =
                    format!("-1:include:-1:-1: `{src}` is being included in a loop, will be stop.");
                let checked = format!("=$wxmlLoop(G,{key:?},{},C)", js_string(&msg));
                out = out.replace(&format!("=G[{key:?}]"), &checked);
            }
        }
    }
    if !imports.is_empty() {
        const ROOT: &str = "H[\"\"]=(R,C,D,U)=>{";
        let mut call = String::from("if(C)$wxmlWarn([");
        for (i, m) in imports.iter().enumerate() {
            let _ = write!(call, "{}{}", if i > 0 { "," } else { "" }, js_string(m));
        }
        call.push_str("]);");
        if let Some(at) = out.find(ROOT) {
            out.insert_str(at + ROOT.len(), &call);
        }
    }
    out
}

/// The code of a WXS module that does not exist: `undefined`, and a warning when loaded.
pub(super) fn missing_wxs_module(message: &str) -> String {
    format!(
        "$wxmlWarn([{}]);module.exports=undefined;",
        js_string(message)
    )
}

fn js_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// glass-easel 0.12.1 writes each template's binding map (`A={"key":new Array(n),…}`) in
/// `HashMap` order, which changes from one process to the next. The keys are only looked up,
/// so sorting them keeps behaviour and makes the output reproducible.
pub(super) fn sorted_binding_maps(code: &str) -> String {
    const MARK: &str = "O=R.r,A={";
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(i) = rest.find(MARK) {
        out.push_str(&rest[..i + MARK.len()]);
        rest = &rest[i + MARK.len()..];
        if let Some((mut entries, len)) = binding_entries(rest) {
            entries.sort();
            out.push_str(&entries.join(","));
            rest = &rest[len..];
        }
    }
    out.push_str(rest);
    out
}

/// Parse `"k":new Array(n),…` up to (not including) the closing brace.
fn binding_entries(s: &str) -> Option<(Vec<&str>, usize)> {
    let bytes = s.as_bytes();
    let mut entries = vec![];
    let mut pos = 0;
    loop {
        if bytes.get(pos) == Some(&b'}') {
            return Some((entries, pos));
        }
        let start = pos;
        if bytes.get(pos) != Some(&b'"') {
            return None;
        }
        pos += 1;
        loop {
            match bytes.get(pos)? {
                b'\\' => pos += 2,
                b'"' => break,
                _ => pos += 1,
            }
        }
        pos += 1;
        let tail = s.get(pos..)?.strip_prefix(":new Array(")?;
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || tail.as_bytes().get(digits) != Some(&b')') {
            return None;
        }
        pos += ":new Array(".len() + digits + 1;
        entries.push(&s[start..pos]);
        if bytes.get(pos) == Some(&b',') {
            pos += 1;
        }
    }
}

/// The helpers every template group opens with.
///
/// `$wxmlWarn`, `$wxmlMissing` and `$wxmlLoop` give the run-time checks of [`runtime_checks`]
/// (`$wxmlIncluding` holds the includes being rendered), their warnings prefixed as
/// WeChat's runtime prefixes them (it names the template group, `-gn $gwx` in WeChat DevTools).
///
/// What WXS code sees besides plain JS, as wcc gives it: `getRegExp`/`getDate` stand for the
/// `RegExp`/`Date` constructors, and `x.constructor` is the name of `x`'s type (`"Array"`,
/// `"Object"`, `"Function"`, `"String"`, `"Number"`, `"Boolean"`, `"Date"`, `"RegExp"`). The
/// helpers open the group's scope, which every WXS module (file or inline) is written in.
///
/// `$wxsGuard` wraps the module loader so that what templates get from a module (never what
/// another module `require`s) catches exceptions: in WeChat a WXS function that throws while
/// a template calls it is reported and gives `undefined`, and the rest of the page renders.
pub(super) const PRELUDE: &str = "var $wxmlWarn=function(m){if(typeof console!=='undefined')for(var i=0;i<m.length;i++)console.warn('WXMLRT_$gwx:'+m[i])};\
var $wxmlMissing=function(g,k,m,c){var t=g[k];if(t===undefined&&c)$wxmlWarn([m]);return t};\
var $wxmlIncluding={};\
var $wxmlLoop=function(g,k,m,c){var t=g[k];return t&&function(n){var h=t(n);return h&&function(){var r=h.apply(this,arguments);\
return{B:r.B,C:function(){if($wxmlIncluding[k]){if(c)$wxmlWarn([m]);return}$wxmlIncluding[k]=true;\
try{return r.C.apply(this,arguments)}finally{delete $wxmlIncluding[k]}}}}}};\
var getRegExp=function(p,f){return new RegExp(p,f)};\
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

/// glass-easel's helper for a call in a template expression, and Cove's. WeChat calls WXS
/// functions only: `{{list.join(',')}}` or `{{name.toUpperCase()}}` on data gives `undefined`
/// (an empty string). glass-easel calls whatever function it finds, with no `this`, so such a
/// built-in method throws and the whole component fails to render. Cove's helper gives
/// `undefined` for a call that throws: silently for a built-in method (as WeChat), logged for
/// WXS code.
pub(super) const CALL_AS_IS: &str = "var P=function(a){return typeof a==='function'?a:()=>{}}";
pub(super) const CALL_SAFELY: &str = "var P=function(a){return typeof a!=='function'?function(){}:\
function(){try{return a.apply(void 0,arguments)}catch(e){\
if(typeof console!=='undefined'&&!/\\[native code\\]/.test(Function.prototype.toString.call(a)))console.error(e);\
return undefined}}}";

/// glass-easel's helper for `{{x}}` in text and in concatenations, and WeChat's.
pub(super) const NULL_AS_EMPTY: &str = "var Y=function(a){return a==null?'':String(a)}";
pub(super) const NULL_AS_NULL: &str = "var Y=function(a){return a===undefined?'':String(a)}";

/// Give the WXS modules of a template group WXS semantics where they differ from JS (besides
/// the prelude above):
/// - every `x.constructor` read becomes `$wxsType(x)`;
/// - in string literals, a backslash escape other than `\n`, `\t`, `\r`, `\\`, `\'` and `\"`
///   keeps its backslash (`'\d+'` is the four characters `\d+`), as wcc compiles them, so
///   `getRegExp('^\d+$')` means what WXS authors wrote.
///
/// WXS code is what the group passes to its module loader, `D(name, (require, exports,
/// module) => {...})`, for file and inline modules alike; the template code is not touched.
pub(super) fn wxs_semantics(group_js: &str) -> String {
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
    use glass_easel_template_compiler::TmplGroup;

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
        let out = wxs_semantics(group);
        assert!(out.contains(r"getRegExp('^\\d+(\\.\\d+)?\n$')"), "{out}");
        assert!(
            out.contains("return $wxsType(x)==='Array'||$wxsType($wxsType(a));"),
            "{out}"
        );
        // Outside the module loader nothing changes.
        assert!(out.contains(r"var s='\d';return s.constructor}"), "{out}");
    }

    #[test]
    fn the_helpers_cove_replaces_are_there() {
        let g = TmplGroup::new().export_globals().unwrap();
        assert!(
            g.contains(NULL_AS_EMPTY),
            "glass-easel's `Y` helper changed: {g}"
        );
        assert!(
            g.contains(CALL_AS_IS),
            "glass-easel's `P` helper changed: {g}"
        );
    }

    #[test]
    fn missing_files_and_cycles_are_checked_where_they_are_used() {
        let code = concat!(
            r#"(()=>{var H={};var S;var I=(P)=>{if(!S)S=Object.assign({},(G["x/gone"]||{})._,H);return S[P]};"#,
            r#"H[""]=(R,C,D,U)=>{var a=(C,T,E,B,F,S,J)=>{var $A=G["x/nope"];if($A)$A('')(R,C,D,U).C(C,T,E,B,F,S,J)},"#,
            r#"b=(C,T,E,B,F,S,J)=>{var $B=G["x/a"];if($B)$B('')(R,C,D,U).C(C,T,E,B,F,S,J)}}})()"#
        );
        let checks = [
            RuntimeCheck::Import {
                src: "gone.wxml".into(),
                line: 2,
                col: 2,
            },
            RuntimeCheck::Include {
                src: "./nope.wxml".into(),
                key: "x/nope".into(),
            },
            RuntimeCheck::Loop {
                src: "./a.wxml".into(),
                key: "x/a".into(),
            },
        ];
        let out = runtime_checks(code, "x/a.wxml", &checks);
        assert!(out.contains(
            r#"H[""]=(R,C,D,U)=>{if(C)$wxmlWarn(["./x/a.wxml:import:2:2: Path `gone.wxml` not found from `./x/a.wxml`."]);"#
        ), "{out}");
        assert!(out.contains(
            r#"var $A=$wxmlMissing(G,"x/nope","./x/a.wxml:include:-1:-1: Included path `./nope.wxml` not found from `./x/a.wxml`.",C)"#
        ), "{out}");
        assert!(out.contains(
            r#"var $B=$wxmlLoop(G,"x/a","-1:include:-1:-1: `./a.wxml` is being included in a loop, will be stop.",C)"#
        ), "{out}");
        // The import itself is left alone: it is only looked up when a template is used.
        assert!(out.contains(r#"(G["x/gone"]||{})._"#), "{out}");
    }
}
