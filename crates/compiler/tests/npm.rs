//! "Build npm" on small projects made on disk: what gets packed where, that the packed
//! modules run, the cache, an up-to-date `miniprogram_npm`, and `cove npm`'s writing.

use std::fs::{self, File};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use cove_compiler::npm::{self, NpmSettings, PackageKind};
use cove_compiler::{CompileOptions, compile, compile_dir};

fn write(root: &Path, files: &[(&str, &str)]) {
    for (p, s) in files {
        let p = root.join(p);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, s).unwrap();
    }
}

/// An app in `miniprogram/` whose root `package.json` feeds it through
/// `packNpmRelationList`, with an ordinary package depending on a nested (newer) copy of
/// `leftpad`, a scoped package using the hoisted one and a JSON module, a component
/// package, a package whose main is JSON, one whose main is missing, and a devDependency.
fn fixture(root: &Path) {
    write(
        root,
        &[
            (
                "project.config.json",
                r#"{"appid":"wxnpmtest0001","miniprogramRoot":"miniprogram/","setting":{
                    "packNpmManually":true,"packNpmRelationList":[
                    {"packageJsonPath":"./package.json","miniprogramNpmDistDir":"./miniprogram/"}]}}"#,
            ),
            (
                "package.json",
                r#"{"dependencies":{"datefmt":"1","@scope/util":"1","ui-kit":"1","data-pkg":"1","broken":"1"},
                   "devDependencies":{"dev-only":"1"}}"#,
            ),
            (
                "node_modules/datefmt/package.json",
                r#"{"name":"datefmt","version":"1.0.0","main":"lib/index","browser":"browser.js",
                   "dependencies":{"leftpad":"2"}}"#,
            ),
            (
                "node_modules/datefmt/lib/index.js",
                "const pad = require('leftpad');\nconst fmt = require('./format');\nconst extra = require('../extra');\n\
                 module.exports = (n) => fmt(pad(n)) + extra;\n",
            ),
            (
                "node_modules/datefmt/lib/format.js",
                "module.exports = (s) => '[' + s + ']';\n",
            ),
            (
                "node_modules/datefmt/extra/index.js",
                "module.exports = '!';\n",
            ),
            (
                "node_modules/datefmt/unused.js",
                "module.exports = 'never reached';\n",
            ),
            // DevTools reads `main` only; so does Cove.
            (
                "node_modules/datefmt/browser.js",
                "module.exports = 'browser build';\n",
            ),
            (
                "node_modules/datefmt/plugin/utc.js",
                "import fmt from '../lib/format';\nexport default function utc(s) { return fmt('utc ' + s); }\n",
            ),
            (
                "node_modules/datefmt/node_modules/leftpad/package.json",
                r#"{"name":"leftpad","version":"2.0.0"}"#,
            ),
            (
                "node_modules/datefmt/node_modules/leftpad/index.js",
                "module.exports = (n) => 'v2:' + String(n).padStart(3, '0');\n",
            ),
            // `main` naming a folder: its index.js.
            (
                "node_modules/leftpad/package.json",
                r#"{"name":"leftpad","version":"1.0.0","main":"./src"}"#,
            ),
            (
                "node_modules/leftpad/src/index.js",
                "module.exports = (n) => 'v1:' + n;\n",
            ),
            (
                "node_modules/@scope/util/package.json",
                r#"{"name":"@scope/util","version":"0.1.0","main":"main.js","dependencies":{"leftpad":"1"}}"#,
            ),
            (
                "node_modules/@scope/util/main.js",
                "const pad = require('leftpad');\nconst data = require('./data.json');\nexports.label = () => pad(data.count);\n",
            ),
            ("node_modules/@scope/util/data.json", r#"{"count": 7}"#),
            (
                "node_modules/ui-kit/package.json",
                r#"{"name":"ui-kit","version":"3.0.0","miniprogram":"dist","dependencies":{"@scope/util":"1"}}"#,
            ),
            (
                "node_modules/ui-kit/dist/button/index.js",
                "const u = require('@scope/util');\nComponent({ data: { label: u.label() } });\n",
            ),
            (
                "node_modules/ui-kit/dist/button/index.json",
                r#"{"component":true}"#,
            ),
            (
                "node_modules/ui-kit/dist/button/index.wxml",
                "<view>{{label}}</view>",
            ),
            ("node_modules/ui-kit/src/button.ts", "not copied"),
            (
                "node_modules/data-pkg/package.json",
                r#"{"name":"data-pkg","version":"1.0.0","main":"table.json"}"#,
            ),
            ("node_modules/data-pkg/table.json", r#"{"rows":[1,2,3]}"#),
            (
                "node_modules/broken/package.json",
                r#"{"name":"broken","version":"0.0.1","main":"missing.js"}"#,
            ),
            (
                "node_modules/dev-only/package.json",
                r#"{"name":"dev-only","version":"1.0.0"}"#,
            ),
            ("node_modules/dev-only/index.js", ""),
            ("miniprogram/app.json", r#"{"pages":["pages/index/index"]}"#),
            ("miniprogram/app.js", "App({});\n"),
            (
                "miniprogram/pages/index/index.js",
                "import fmt from 'datefmt';\nimport utc from 'datefmt/plugin/utc';\nconst { label } = require('@scope/util');\n\
                 const table = require('data-pkg');\nPage({ data: { a: fmt(5), b: utc('x'), c: label(), d: table.rows.length } });\n",
            ),
            (
                "miniprogram/pages/index/index.json",
                r#"{"usingComponents":{"ui-button":"ui-kit/button/index"}}"#,
            ),
            (
                "miniprogram/pages/index/index.wxml",
                "<ui-button/><view>{{a}}</view>",
            ),
        ],
    );
}

fn no_cache() -> NpmSettings {
    NpmSettings::default()
}

#[test]
fn packs_dependencies_as_devtools_lays_them_out() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let p = npm::load_project(dir.path(), &no_cache()).unwrap();
    let got: Vec<(&str, &str, PackageKind, usize)> = p
        .report
        .packages
        .iter()
        .map(|p| (p.dest.as_str(), p.version.as_str(), p.kind, p.files))
        .collect();
    let npm = "miniprogram/miniprogram_npm";
    assert_eq!(
        got,
        [
            // main.js, data.json and an index.js naming main.js.
            (&*format!("{npm}/@scope/util"), "0.1.0", PackageKind::Js, 3),
            (&*format!("{npm}/data-pkg"), "1.0.0", PackageKind::Js, 2),
            // lib/index.js, lib/format.js, extra/index.js, plugin/utc.js and the index.js shim.
            (&*format!("{npm}/datefmt"), "1.0.0", PackageKind::Js, 5),
            (
                &*format!("{npm}/datefmt/miniprogram_npm/leftpad"),
                "2.0.0",
                PackageKind::Js,
                1
            ),
            (&*format!("{npm}/leftpad"), "1.0.0", PackageKind::Js, 2),
            (
                &*format!("{npm}/ui-kit"),
                "3.0.0",
                PackageKind::Component,
                3
            ),
        ]
    );
    let t = &p.tree;
    assert_eq!(
        t.get(&format!("{npm}/datefmt/index.js")),
        Some(&b"module.exports = require(\"./lib/index.js\");\n"[..])
    );
    assert!(t.contains(&format!("{npm}/ui-kit/button/index.wxml")));
    assert!(
        !t.contains(&format!("{npm}/datefmt/unused.js")),
        "only what is reached"
    );
    assert!(
        !t.contains(&format!("{npm}/datefmt/browser.js")),
        "`browser` is not followed"
    );
    assert!(
        !t.is_dir(&format!("{npm}/dev-only")),
        "devDependencies are not packed"
    );
    assert!(!t.is_dir(&format!("{npm}/broken")));
    let codes: Vec<_> = p
        .report
        .warnings
        .iter()
        .map(|d| (d.code, d.file.clone()))
        .collect();
    assert_eq!(
        codes,
        [(
            "npm-no-entry",
            Some("../node_modules/broken/package.json".to_string())
        )]
    );
    assert!(
        !dir.path().join("miniprogram/miniprogram_npm").exists(),
        "the project is not written"
    );
}

const LOADER: &str = r#"
const fs = require('fs'), path = require('path');
const root = process.argv[1];
const mods = JSON.parse(fs.readFileSync(path.join(root, 'manifest.json'), 'utf8')).cove.modules;
const cache = {}, seen = [];
function load(id) {
  if (cache[id]) return cache[id].exports;
  const m = cache[id] = { exports: {} };
  const code = fs.readFileSync(path.join(root, mods[id].file), 'utf8');
  const req = (spec) => { const t = mods[id].deps[spec]; if (!t) throw new Error(id + ': unresolved ' + spec); return load(t); };
  new Function('require', 'module', 'exports', 'App', 'Page', 'Component', code)(req, m, m.exports,
    () => {}, (o) => seen.push(o.data), (o) => seen.push(o.data));
  return m.exports;
}
load('pages/index/index.js');
load('miniprogram_npm/ui-kit/button/index.js');
console.log(JSON.stringify(seen));
"#;

#[test]
fn packed_modules_run() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let p = npm::load_project(dir.path(), &no_cache()).unwrap();
    let out = compile(&p.tree, &CompileOptions::default()).unwrap();
    assert!(
        !out.warnings.0.iter().any(|d| d.code == "module-not-found"),
        "{:?}",
        out.warnings
    );
    let tmp = tempfile::tempdir().unwrap();
    cove_compiler::output::write_dir(&out.files, tmp.path()).unwrap();
    let o = Command::new("node")
        .arg("-e")
        .arg(LOADER)
        .arg(tmp.path())
        .output()
        .expect("node is installed");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!([
            // datefmt's nested leftpad 2; @scope/util's hoisted leftpad 1 and JSON module.
            { "a": "[v2:005]!", "b": "[utc x]", "c": "v1:7", "d": 3 },
            { "label": "v1:7" }
        ])
    );
}

fn set_mtime(path: &Path, t: SystemTime) {
    File::open(path).unwrap().set_modified(t).unwrap();
}

#[test]
fn cache_is_reused_until_node_modules_changes() {
    let dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let settings = NpmSettings {
        cache_dir: Some(cache.path().to_path_buf()),
    };
    let first = npm::load_project(dir.path(), &settings).unwrap();
    assert!(!first.report.from_cache);
    let entries: Vec<_> = fs::read_dir(cache.path().join("npm")).unwrap().collect();
    assert_eq!(entries.len(), 1, "one file per project, no temp file left");

    let second = npm::load_project(dir.path(), &settings).unwrap();
    assert!(second.report.from_cache);
    assert_eq!(second.report.packages, first.report.packages);
    assert_eq!(second.report.warnings.len(), first.report.warnings.len());
    let files = |p: &npm::Prepared| {
        p.tree
            .paths()
            .map(|k| (k.to_string(), p.tree.get(k).unwrap().to_vec()))
            .collect::<Vec<_>>()
    };
    assert_eq!(files(&second), files(&first));

    // A patched file in node_modules (as patch-package does).
    let f = dir.path().join("node_modules/datefmt/lib/format.js");
    fs::write(&f, "module.exports = (s) => '<' + s + '>';\n").unwrap();
    set_mtime(&f, SystemTime::now() + Duration::from_secs(5));
    let third = npm::load_project(dir.path(), &settings).unwrap();
    assert!(!third.report.from_cache);
    let packed = third
        .tree
        .get("miniprogram/miniprogram_npm/datefmt/lib/format.js")
        .unwrap();
    assert!(String::from_utf8_lossy(packed).contains("'<'"));
    assert!(
        npm::load_project(dir.path(), &settings)
            .unwrap()
            .report
            .from_cache
    );

    // A new nested package changes how `leftpad` resolves for @scope/util.
    write(
        dir.path(),
        &[
            (
                "node_modules/@scope/util/node_modules/leftpad/package.json",
                r#"{"name":"leftpad","version":"3.0.0"}"#,
            ),
            (
                "node_modules/@scope/util/node_modules/leftpad/index.js",
                "module.exports = () => 'v3';\n",
            ),
        ],
    );
    let fourth = npm::load_project(dir.path(), &settings).unwrap();
    assert!(!fourth.report.from_cache);
    assert!(
        fourth
            .report
            .packages
            .iter()
            .any(|p| p.dest.ends_with("@scope/util/miniprogram_npm/leftpad"))
    );
}

#[test]
fn an_up_to_date_miniprogram_npm_is_used_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fixture(root);
    write(
        root,
        &[(
            "miniprogram/miniprogram_npm/datefmt/index.js",
            "module.exports = () => 'committed';\n",
        )],
    );
    let old = SystemTime::now() - Duration::from_secs(3600);
    let nm = root.join("node_modules");
    for d in [
        "",
        "datefmt",
        "leftpad",
        "@scope",
        "@scope/util",
        "ui-kit",
        "data-pkg",
        "broken",
        "dev-only",
    ] {
        set_mtime(&nm.join(d), old);
    }
    let p = npm::load_project(root, &no_cache()).unwrap();
    assert_eq!(p.report.kept, ["miniprogram/miniprogram_npm"]);
    assert_eq!(
        p.tree.get("miniprogram/miniprogram_npm/datefmt/index.js"),
        Some(&b"module.exports = () => 'committed';\n"[..])
    );
    // What it lacks is still packed.
    assert!(
        p.tree
            .contains("miniprogram/miniprogram_npm/leftpad/index.js")
    );
    assert!(!p.report.packages.iter().any(|p| p.name == "datefmt"));

    // node_modules newer than miniprogram_npm: packed again, the old copy replaced.
    let npm_dir = root.join("miniprogram/miniprogram_npm");
    set_mtime(&npm_dir, old - Duration::from_secs(60));
    set_mtime(&npm_dir.join("datefmt"), old - Duration::from_secs(60));
    set_mtime(&nm, SystemTime::now());
    let p = npm::load_project(root, &no_cache()).unwrap();
    assert!(p.report.kept.is_empty());
    assert!(
        p.tree
            .contains("miniprogram/miniprogram_npm/datefmt/lib/index.js")
    );
    assert_ne!(
        p.tree.get("miniprogram/miniprogram_npm/datefmt/index.js"),
        Some(&b"module.exports = () => 'committed';\n"[..])
    );
}

#[test]
fn a_dependency_not_installed_gets_one_warning() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("package.json", r#"{"dependencies":{"dayjs":"^1.11.0"}}"#),
            // A cloud function is Node.js code for the cloud: its packages are not ours.
            ("project.config.json", r#"{"cloudfunctionRoot":"cloud/"}"#),
            (
                "cloud/login/package.json",
                r#"{"dependencies":{"wx-server-sdk":"*"}}"#,
            ),
            (
                "cloud/login/index.js",
                "const cloud = require('wx-server-sdk');",
            ),
            ("app.json", r#"{"pages":["pages/a/a","pages/b/b"]}"#),
            ("app.js", "App({});"),
            ("pages/a/a.js", "const dayjs = require('dayjs');\nPage({});"),
            ("pages/a/a.wxml", "<view/>"),
            (
                "pages/b/b.js",
                "import dayjs from 'dayjs';\nimport utc from 'dayjs/plugin/utc';\nPage({});",
            ),
            ("pages/b/b.wxml", "<view/>"),
        ],
    );
    let out = compile_dir(dir.path(), &CompileOptions::default()).expect("the build does not fail");
    let w: Vec<_> = out
        .warnings
        .0
        .iter()
        .filter(|d| d.code.contains("npm") || d.code == "module-not-found")
        .collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].code, "npm-not-installed");
    assert_eq!(w[0].location(), "pages/a/a.js:1:23");
    assert!(
        w[0].help
            .as_deref()
            .unwrap()
            .contains("run `npm install` in the project folder")
    );
}

#[test]
fn cove_npm_writes_into_the_project() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fixture(root);
    write(
        root,
        &[("miniprogram/miniprogram_npm/datefmt/stale.js", "old build")],
    );
    let build = npm::pack_project(root).unwrap();
    npm::write_into_project(root, &build).unwrap();
    let npm_dir = root.join("miniprogram/miniprogram_npm");
    assert!(npm_dir.join("datefmt/lib/index.js").is_file());
    assert!(
        npm_dir
            .join("datefmt/miniprogram_npm/leftpad/index.js")
            .is_file()
    );
    assert!(npm_dir.join("@scope/util/data.json").is_file());
    assert!(
        !npm_dir.join("datefmt/stale.js").exists(),
        "a package's folder is rebuilt whole"
    );
    // Then a build uses it as it is.
    let p = npm::load_project(root, &no_cache()).unwrap();
    assert_eq!(p.report.kept, ["miniprogram/miniprogram_npm"]);
    assert!(p.report.packages.is_empty(), "{:?}", p.report.packages);
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_project_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        &[
            ("evil/package.json", r#"{"name":"evil","version":"1.0.0"}"#),
            ("evil/index.js", "module.exports = 'outside';"),
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("package.json", r#"{"dependencies":{"evil":"1"}}"#),
            ("app.json", r#"{"pages":[]}"#),
        ],
    );
    fs::create_dir_all(dir.path().join("node_modules")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("evil"),
        dir.path().join("node_modules/evil"),
    )
    .unwrap();
    let p = npm::load_project(dir.path(), &no_cache()).unwrap();
    assert!(p.report.packages.is_empty());
    assert!(!p.tree.is_dir("miniprogram_npm/evil"));
    assert!(
        p.report
            .warnings
            .iter()
            .any(|d| d.code == "npm-outside-project"),
        "{:?}",
        p.report.warnings
    );
}

/// pnpm: `node_modules/a` is a symlink into `.pnpm/`, and `a`'s dependencies sit beside its
/// real folder, not in the top `node_modules`.
#[cfg(unix)]
#[test]
fn pnpm_layouts_are_followed_inside_the_project() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        &[
            ("package.json", r#"{"dependencies":{"a":"1"}}"#),
            ("app.json", r#"{"pages":[]}"#),
            (
                "node_modules/.pnpm/a@1.0.0/node_modules/a/package.json",
                r#"{"name":"a","version":"1.0.0","dependencies":{"b":"1"}}"#,
            ),
            (
                "node_modules/.pnpm/a@1.0.0/node_modules/a/index.js",
                "module.exports = require('b');",
            ),
            (
                "node_modules/.pnpm/b@1.0.0/node_modules/b/package.json",
                r#"{"name":"b","version":"1.0.0"}"#,
            ),
            (
                "node_modules/.pnpm/b@1.0.0/node_modules/b/index.js",
                "module.exports = 'b';",
            ),
        ],
    );
    let link = |target: &str, at: &str| {
        std::os::unix::fs::symlink(root.join(target), root.join(at)).unwrap()
    };
    link(
        "node_modules/.pnpm/a@1.0.0/node_modules/a",
        "node_modules/a",
    );
    link(
        "node_modules/.pnpm/b@1.0.0/node_modules/b",
        "node_modules/.pnpm/a@1.0.0/node_modules/b",
    );
    let p = npm::load_project(root, &no_cache()).unwrap();
    let dests: Vec<_> = p.report.packages.iter().map(|p| p.dest.as_str()).collect();
    assert_eq!(dests, ["miniprogram_npm/a", "miniprogram_npm/b"]);
    assert_eq!(
        p.tree.get("miniprogram_npm/b/index.js"),
        Some(&b"module.exports = 'b';"[..])
    );
    assert!(p.report.warnings.is_empty(), "{:?}", p.report.warnings);
}

/// The real apps that depend on ordinary npm packages build with every `require` of a
/// dependency resolved (`../shared/real-apps`, third-party test data read in place).
#[test]
fn real_apps_resolve_their_npm_dependencies() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/real-apps");
    assert!(
        corpus.join("apps.tsv").is_file(),
        "the real-app corpus is missing at {}",
        corpus.display()
    );
    let cases: [(&str, &[&str]); 4] = [
        (
            "Honye+weapp-mark",
            &[
                "crypto-js",
                "markdown-ast",
                "mobx-miniprogram",
                "mobx-miniprogram-bindings",
            ],
        ),
        (
            "wechat-miniprogram+miniprogram-demo",
            &[
                "eventemitter3",
                "miniprogram-barrage",
                "miniprogram-recycle-view",
                "threejs-miniprogram",
                "widget-ui",
                "wxml-to-canvas",
            ],
        ),
        (
            "lfgyx+cbook_miniprogram",
            &[
                "@antv/f2",
                "@antv/wx-f2",
                "@vant/weapp",
                "fecha",
                "hammerjs",
                "tslib",
            ],
        ),
        // Its committed miniprogram_npm is as new as node_modules: used as it is.
        ("Lsnsh+cnode-wechat-applet", &[]),
    ];
    for (app, expected) in cases {
        let p = npm::load_project(&corpus.join(app), &no_cache()).unwrap();
        let names: Vec<&str> = p.report.packages.iter().map(|p| p.name.as_str()).collect();
        for e in expected {
            assert!(names.contains(e), "{app}: {e} not packed: {names:?}");
        }
        let out = compile(&p.tree, &CompileOptions::default())
            .unwrap_or_else(|d| panic!("{app}: {:?}", d.errors().collect::<Vec<_>>()));
        let modules = &out.manifest["cove"]["modules"];
        let unresolved: Vec<String> = out
            .warnings
            .0
            .iter()
            .filter(|d| d.code == "module-not-found")
            .map(|d| d.message.clone())
            .filter(|m| {
                // Node built-ins required by npm code (crypto-js's `crypto`) stay unresolved,
                // as in WeChat; a package any package.json depends on may not.
                names
                    .iter()
                    .any(|n| m.contains(&format!("`{n}`")) || m.contains(&format!("`{n}/")))
            })
            .collect();
        assert!(unresolved.is_empty(), "{app}: {unresolved:?}");
        assert!(
            modules
                .as_object()
                .unwrap()
                .keys()
                .any(|k| k.contains("miniprogram_npm/")),
            "{app}: no npm module compiled"
        );
    }
}
