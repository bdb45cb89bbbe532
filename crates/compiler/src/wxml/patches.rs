//! Patches on the JS glass-easel-template-compiler 0.12.1 generates, each where its output
//! differs from what WeChat's runtime does with the same template:
//! - [`sorted_binding_maps`]: its binding maps come out in `HashMap` order (bytes that change
//!   from run to run);
//! - [`helpers`]: its `Y` helper prints `null` as nothing, its `P` helper calls any function,
//!   so a built-in method throws and the component fails to render;
//! - [`runtime_checks`] and [`missing_wxs_module`]: a missing `import` or `include` renders
//!   nothing without a word, an include cycle recurses until the stack overflows, a missing
//!   WXS module is called as a function and throws; WeChat warns, renders nothing, and stops
//!   a cycle after one more turn.
//!
//! The WXS modules' own semantics are [`super::wxs`]'s.

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
/// runtime does, with WeChat's own text. glass-easel 0.12.1 reads a missing template as
/// nothing without a warning (`if($A)` on `G["key"]`, `(G["key"]||{})._`), and an include of
/// a file that is being rendered already calls it again, without end. In WeChat, a missing
/// import warns each time the template is instantiated; a missing include each time it is
/// created where it stands (not in a `wx:if` branch not taken); an include of a file that is
/// being included already (a cycle) renders nothing there and warns. A missing file renders
/// nothing, as in WeChat.
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
/// glass-easel 0.12.1 loads every `<wxs src>` as `R["key"]()`, which throws for a module that
/// was never added, failing the template.
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

/// The helpers of [`runtime_checks`], which every template group opens with: `$wxmlWarn`,
/// `$wxmlMissing` and `$wxmlLoop` (`$wxmlIncluding` holds the includes being rendered), their
/// warnings prefixed as WeChat's runtime prefixes them (it names the template group, `-gn
/// $gwx` in WeChat DevTools).
pub(super) const PRELUDE: &str = "var $wxmlWarn=function(m){if(typeof console!=='undefined')for(var i=0;i<m.length;i++)console.warn('WXMLRT_$gwx:'+m[i])};\
var $wxmlMissing=function(g,k,m,c){var t=g[k];if(t===undefined&&c)$wxmlWarn([m]);return t};\
var $wxmlIncluding={};\
var $wxmlLoop=function(g,k,m,c){var t=g[k];return t&&function(n){var h=t(n);return h&&function(){var r=h.apply(this,arguments);\
return{B:r.B,C:function(){if($wxmlIncluding[k]){if(c)$wxmlWarn([m]);return}$wxmlIncluding[k]=true;\
try{return r.C.apply(this,arguments)}finally{delete $wxmlIncluding[k]}}}}}};";

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

/// glass-easel's helper for `{{x}}` in text and in concatenations, and WeChat's: glass-easel
/// 0.12.1 prints `null` as nothing, WeChat prints `null` (`{{x}}` and `a{{x}}` with
/// `x: null`); only `undefined` prints as nothing.
pub(super) const NULL_AS_EMPTY: &str = "var Y=function(a){return a==null?'':String(a)}";
pub(super) const NULL_AS_NULL: &str = "var Y=function(a){return a===undefined?'':String(a)}";

/// glass-easel's globals (`export_globals`) with WeChat's `Y` and `P` helpers in place of its
/// own ([`NULL_AS_EMPTY`], [`CALL_AS_IS`]).
pub(super) fn helpers(globals: &str) -> String {
    globals
        .replacen(NULL_AS_EMPTY, NULL_AS_NULL, 1)
        .replacen(CALL_AS_IS, CALL_SAFELY, 1)
}

#[cfg(test)]
mod tests {
    use glass_easel_template_compiler::TmplGroup;

    use super::*;

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
