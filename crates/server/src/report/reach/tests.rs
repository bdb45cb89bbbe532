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

/// Inputs built to make the analysis slow finish, with the safe answer.
#[test]
fn adversarial_inputs_end() {
    // A long alias chain written backwards resolves (each link is followed once).
    let mut src = String::from("function f() { a0.getLocation() }\n");
    for i in 0..2000 {
        src.push_str(&format!("var a{i} = a{};\n", i + 1));
    }
    src.push_str("var a2000 = wx;\n");
    assert_eq!(apis(&run(&src)), [("getLocation", true)]);

    // Constants that double at each level: folding gives up, and the key is unknown.
    let mut src = String::from("const c0 = 'x';\n");
    for i in 1..64 {
        src.push_str(&format!("const c{i} = c{} + c{};\n", i - 1, i - 1));
    }
    src.push_str("wx[c63]();\n");
    let r = run(&src);
    assert_eq!(r.hits.len(), 1);
    assert_eq!(r.hits[0].code, "computed_member");

    // A long `+` chain of literals as a key folds (or, past the budget, is a hit): it ends.
    let key = vec!["'a'"; 3000].join(" + ");
    let r = run(&format!("wx[{key}]();"));
    assert_eq!(r.hits.len() + r.apis.len(), 1);
}
