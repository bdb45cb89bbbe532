//! Run the compiled modules of the `full` fixture in Node.js with a 20-line CommonJS loader
//! driven by the manifest, and check what the ES-module page computed.

use std::path::Path;
use std::process::Command;

use cove_compiler::{CompileOptions, compile_dir};

const LOADER: &str = r#"
const fs = require('fs'), path = require('path');
const root = process.argv[1];
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'manifest.json'), 'utf8'));
const mods = manifest.cove.modules, cache = {}, seen = [];
function load(id) {
  if (cache[id]) return cache[id].exports;
  const m = cache[id] = { exports: {} };
  const code = fs.readFileSync(path.join(root, mods[id].file), 'utf8');
  const req = (spec) => { const t = mods[id].deps[spec]; if (!t) throw new Error(id + ': unresolved ' + spec); return load(t); };
  new Function('require', 'module', 'exports', 'App', 'Page', 'Component', code)(req, m, m.exports,
    (o) => seen.push(['App', o]), (o) => seen.push(['Page', o]), (o) => seen.push(['Component', o]));
  return m.exports;
}
load('app.js');
load('pages/index/index.js');
load('miniprogram_npm/@demo/ui/tag/index.js');
console.log(JSON.stringify(seen.map(([k, o]) => [k, o.data || null])));
"#;

fn run(opts: &CompileOptions) -> serde_json::Value {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/full");
    let out = compile_dir(&dir, opts).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    cove_compiler::output::write_dir(&out.files, tmp.path()).unwrap();
    let o = Command::new("node")
        .arg("-e")
        .arg(LOADER)
        .arg(tmp.path())
        .output()
        .expect("node is installed");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn esm_and_cjs_modules_run_together() {
    for opts in [
        CompileOptions::default(),
        CompileOptions {
            minify: true,
            ..Default::default()
        },
    ] {
        let v = run(&opts);
        // twice(2) + default 7 + namespace one 1 = 12
        assert_eq!(v[0][0], "App");
        assert_eq!(
            v[1],
            serde_json::json!(["Page", { "title": "Hi", "count": 12 }])
        );
        assert_eq!(
            v[2],
            serde_json::json!(["Component", { "color": "#07c160" }])
        );
    }
}
