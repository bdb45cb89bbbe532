//! The lowered code has no ES2015+ syntax left and computes the same results (checked in Node).

use std::process::Command;

const SOURCE: &str = r#"
class Counter { constructor(n = 1) { this.n = n; } inc() { return ++this.n; } static of(n) { return new Counter(n); } }
const { a, b: [c, ...rest] } = { a: 1, b: [2, 3, 4] };
let sum = 0;
for (const x of [1, 2, 3]) sum += x;
const arrow = (x) => `${x}!`;
function* gen() { yield 1; yield 2; }
async function later() { return await Promise.resolve(5); }
const obj = { ...{ p: 1 }, q: 2 };
module.exports = { counter: Counter.of(4).inc(), a, c, rest, sum, s: arrow('hi'), g: [...gen()], obj, later };
"#;

#[test]
fn lowers_to_es5_and_keeps_behaviour() {
    for minify in [false, true] {
        let out = cove_es5::lower("m.js", SOURCE, minify, !minify).unwrap();
        for modern in [
            "class Counter",
            "=>",
            "`",
            "let ",
            "const ",
            "...",
            "function*",
            "async function",
        ] {
            assert!(
                !out.code.contains(modern),
                "`{modern}` left in:\n{}",
                out.code
            );
        }
        assert_eq!(out.map.is_some(), !minify);
        let script = format!(
            "const module={{exports:{{}}}};(function(module,exports){{{}\n}})(module,module.exports);\
             const e=module.exports;e.later().then(v=>console.log(JSON.stringify({{...e,later:v}})));",
            out.code
        );
        let o = Command::new("node")
            .arg("-e")
            .arg(&script)
            .output()
            .expect("node is installed");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"counter":5,"a":1,"c":2,"rest":[3,4],"sum":6,"s":"hi!","g":[1,2],"obj":{"p":1,"q":2},"later":5})
        );
    }
}

#[test]
fn reports_syntax_errors() {
    assert!(cove_es5::lower("bad.js", "let = ;", false, false).is_err());
}
