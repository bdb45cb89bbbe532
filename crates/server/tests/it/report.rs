//! The review report on compiled packages: a small app written to exercise every section, and
//! the demo against itself and a changed version.

use cove_compiler::{CompileOptions, SourceTree, compile};
use cove_server::report::{Domains, Files, analyze};

fn build(files: &[(&str, &str)]) -> Files {
    let tree = SourceTree::from_files(files.iter().map(|(p, t)| (*p, t.as_bytes().to_vec())));
    let out = compile(&tree, &CompileOptions::default()).unwrap_or_else(|d| panic!("{d:?}"));
    out.files.into_iter().collect()
}

const APP: &[(&str, &str)] = &[
    ("project.config.json", r#"{"appid": "wxreport"}"#),
    (
        "app.json",
        r#"{"pages": ["pages/index/index"], "subPackages": [{"root": "shop", "pages": ["pages/cart/cart"]}]}"#,
    ),
    ("app.js", "App({ onLaunch() { wx.login({}); } })"),
    (
        "pages/index/index.js",
        r#"
const wx2 = { request() {} };
Page({
  onLoad() {
    wx.request({ url: 'https://api.bank.example/v1/accounts' });
    wx.getLocation({ type: 'gcj02' });
    wx.authorize({ scope: 'scope.record' });
    wx2.request({ url: 'https://not-wx.example/' });
    const socket = `wss://push.bank.example/feed`;
    wx.connectSocket({ url: socket });
    // http://in-a-comment.example is not code
  },
  track() { wx.request({ url: 'http://tracker.example/t' }); }
});
"#,
    ),
    (
        "pages/index/index.wxml",
        r#"<image src="https://cdn.bank.example/logo.png"/><web-view src="https://partner.example/x"/>"#,
    ),
    (
        "pages/index/index.wxss",
        ".a { background: url(https://cdn.bank.example/bg.png) }",
    ),
    (
        "shop/pages/cart/cart.js",
        "Page({ pay() { wx.requestPayment({}); } })",
    ),
    ("shop/pages/cart/cart.wxml", "<view>cart</view>"),
];

fn whitelist() -> Domains {
    Domains {
        request: vec!["api.bank.example".into()],
        socket: vec!["push.bank.example".into()],
        download: vec!["cdn.bank.example".into()],
        ..Domains::default()
    }
}

#[test]
fn every_section_of_the_report() {
    let files = build(APP);
    let r = analyze(&files, &whitelist(), None);

    // APIs from the syntax tree: `wx2.request` and comments do not count.
    let names: Vec<&str> = r.apis.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "authorize",
            "connectSocket",
            "getLocation",
            "login",
            "request",
            "requestPayment"
        ]
    );
    assert_eq!(r.apis["request"].calls, 2);
    assert!(r.apis["getLocation"].sensitive && r.apis["requestPayment"].sensitive);
    assert!(!r.apis["connectSocket"].sensitive);
    assert!(
        r.apis["requestPayment"]
            .files
            .iter()
            .any(|f| f.starts_with("shop/"))
    );

    // Domains from JS strings, template strings, templates and styles.
    let domain = |h: &str| {
        r.domains
            .iter()
            .find(|d| d.host == h)
            .unwrap_or_else(|| panic!("{h}: {:?}", r.domains))
    };
    assert_eq!(domain("api.bank.example").whitelisted_in, ["request"]);
    assert_eq!(domain("push.bank.example").whitelisted_in, ["socket"]);
    assert_eq!(domain("cdn.bank.example").whitelisted_in, ["download"]);
    assert!(domain("partner.example").whitelisted_in.is_empty());
    assert!(domain("tracker.example").whitelisted_in.is_empty());
    assert!(
        r.findings
            .iter()
            .any(|f| f.code == "domain_not_whitelisted" && f.message.contains("partner.example"))
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.code == "insecure_scheme" && f.message.contains("http://tracker.example"))
    );
    assert!(
        r.domains.iter().all(|d| d.host != "in-a-comment.example"),
        "comments are not references"
    );

    // Scopes: named, and implied by the APIs.
    let scopes: Vec<&str> = r.scopes.iter().map(String::as_str).collect();
    assert_eq!(scopes, ["scope.record", "scope.userLocation"]);

    // Sizes per package part.
    let parts: Vec<&str> = r.sizes.iter().map(|s| s.part.as_str()).collect();
    assert_eq!(parts, ["main", "shop"]);
    assert_eq!(r.sizes.iter().map(|s| s.bytes).sum::<u64>(), r.total_bytes);
    assert!(r.sizes[1].files >= 2);
    assert!(r.diff.is_none());
    assert!(r.npm.is_empty());
}

#[test]
fn the_diff_against_the_live_version() {
    let live = build(APP);
    let mut changed: Vec<(&str, &str)> = APP.to_vec();
    changed.retain(|(p, _)| !p.starts_with("shop/pages/cart/cart.wxml"));
    changed.push((
        "shop/pages/cart/cart.wxml",
        "<view>cart</view>\n<view>total</view>",
    ));
    for f in changed.iter_mut() {
        if f.0 == "app.js" {
            f.1 = "App({ onLaunch() { wx.login({}); wx.checkSession({}); } })";
        }
    }
    let candidate = build(&changed);
    let r = analyze(&candidate, &whitelist(), Some(&live));
    let diff = r.diff.unwrap();
    let app = diff
        .iter()
        .find(|c| c.path == "app.js")
        .expect("app.js changed");
    assert_eq!(app.status, "changed");
    assert!(app.added >= 1 && app.removed >= 1);
    assert!(
        app.patch
            .contains("+App({ onLaunch() { wx.login({}); wx.checkSession({}); } })"),
        "{}",
        app.patch
    );
    assert!(app.patch.starts_with("--- live/app.js"));
    // The manifest lists every digest, so it changes with any file.
    assert!(diff.iter().any(|c| c.path == "manifest.json"));
    // The same package against itself: no changes.
    assert!(
        analyze(&live, &whitelist(), Some(&live))
            .diff
            .unwrap()
            .is_empty()
    );
}

#[test]
fn npm_modules_and_package_limits() {
    let files = build(&[
        ("project.config.json", r#"{"appid": "wxnpm"}"#),
        ("app.json", r#"{"pages": ["pages/index/index"]}"#),
        (
            "app.js",
            "const dayjs = require('dayjs'); const u = require('@bank/util'); App({ d: dayjs(), u })",
        ),
        ("pages/index/index.js", "Page({})"),
        ("pages/index/index.wxml", "<view/>"),
        (
            "miniprogram_npm/dayjs/index.js",
            "module.exports = function () { return 1 }",
        ),
        (
            "miniprogram_npm/@bank/util/index.js",
            "module.exports = { x: require('./x') }",
        ),
        ("miniprogram_npm/@bank/util/x.js", "module.exports = 2"),
    ]);
    let r = analyze(&files, &Domains::default(), None);
    let npm: Vec<(&str, usize)> = r.npm.iter().map(|m| (m.name.as_str(), m.files)).collect();
    assert_eq!(npm, [("@bank/util", 2), ("dayjs", 1)]);

    // The wux-weapp example puts 2.7 MB in its main package: over WeChat's 2 MB, said so.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus/node_modules/wux-weapp/example");
    assert!(
        dir.is_dir(),
        "corpus not installed: run `npm ci --prefix corpus`"
    );
    let out = cove_compiler::compile_dir(&dir, &CompileOptions::default()).unwrap();
    let files: Files = out.files.into_iter().collect();
    let r = analyze(&files, &Domains::default(), None);
    assert!(r.apis.len() > 10, "{:?}", r.apis.keys());
    let too_large: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.code == "package_too_large")
        .collect();
    assert_eq!(too_large.len(), 1, "{too_large:?}");
    assert!(
        too_large[0].message.starts_with("main is "),
        "{}",
        too_large[0].message
    );
    assert!(r.sizes[0].bytes > 2 << 20);
}

// --- Evasions: code that reaches wx without writing `wx.X` ------------------------------------

/// What a fixture expects: `(line, code)` review items and the APIs resolved statically.
fn expectations(text: &str) -> (Vec<(usize, String)>, Vec<String>) {
    let mut items = vec![];
    let mut apis = vec![];
    for (i, line) in text.lines().enumerate() {
        if let Some((_, codes)) = line.split_once("// expect: ") {
            items.extend(codes.split(',').map(|c| (i + 1, c.trim().to_string())));
        }
        if let Some(name) = line.trim().strip_prefix("// api: ") {
            apis.push(name.trim().to_string());
        }
    }
    items.sort();
    (items, apis)
}

fn evasion_whitelist() -> Domains {
    Domains {
        request: vec!["api.bank.example".into()],
        ..Domains::default()
    }
}

/// Run the report over one fixture (as the only script of a package) and check that every
/// expected item is found on its line, that nothing else is, and that the APIs it reaches
/// through constant keys and aliases are listed (sensitive ones raising `sensitive_api`).
fn evasion(name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/evasions");
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    let (want, want_apis) = expectations(&text);
    let path = format!("pages/{name}");
    let files: Files = [(path.clone(), text.into_bytes())].into_iter().collect();
    let r = analyze(&files, &evasion_whitelist(), None);
    let mut got: Vec<(usize, String)> = r
        .manual_review
        .iter()
        .filter(|i| i.file == path)
        .map(|i| (i.line, i.code.to_string()))
        .collect();
    got.sort();
    assert_eq!(got, want, "{name}: {:#?}", r.manual_review);
    for item in &r.manual_review {
        assert!(
            item.column >= 1 && !item.reason.is_empty() && !item.snippet.is_empty(),
            "{item:?}"
        );
    }
    for api in &want_apis {
        let u = r
            .apis
            .get(api)
            .unwrap_or_else(|| panic!("{name}: wx.{api} not found in {:?}", r.apis.keys()));
        assert!(
            u.indirect >= 1,
            "{name}: wx.{api} is reached indirectly: {u:?}"
        );
        if u.sensitive {
            assert!(
                r.findings
                    .iter()
                    .any(|f| f.code == "sensitive_api"
                        && f.message.starts_with(&format!("wx.{api} "))),
                "{name}: wx.{api} is sensitive: {:?}",
                r.findings
            );
        }
    }
    if !want.iter().all(|(_, c)| c == "host_fragment") {
        assert!(
            r.findings.iter().any(|f| f.code == "needs_manual_review"),
            "{name}: {:?}",
            r.findings
        );
    }
}

macro_rules! evasions {
    ($($test:ident: $file:literal,)*) => {
        $(
            #[test]
            fn $test() {
                evasion($file);
            }
        )*

        /// Every fixture has a test above.
        #[test]
        fn evasion_every_fixture_is_tested() {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/evasions");
            let mut on_disk: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .filter(|n| n.ends_with(".js"))
                .collect();
            on_disk.sort();
            let mut tested = vec![$($file.to_string()),*];
            tested.sort();
            assert_eq!(on_disk, tested);
        }
    };
}

evasions! {
    evasion_computed_key: "computed_key.js",
    evasion_constant_keys: "constant_keys.js",
    evasion_aliases: "aliases.js",
    evasion_destructuring: "destructuring.js",
    evasion_global_object: "global_object.js",
    evasion_global_dynamic: "global_dynamic.js",
    evasion_escapes: "escapes.js",
    evasion_reassigned: "reassigned.js",
    evasion_unknown_holder: "unknown_holder.js",
    evasion_overwritten: "overwritten.js",
    evasion_eval: "eval.js",
    evasion_function_constructor: "function_constructor.js",
    evasion_timers: "timers.js",
    evasion_require: "require.js",
    evasion_with: "with.js",
    evasion_hosts: "hosts.js",
}

#[test]
fn evasion_hosts_built_from_pieces_are_domains_and_findings() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/evasions");
    let text = std::fs::read(dir.join("hosts.js")).unwrap();
    let files: Files = [("hosts.js".to_string(), text)].into_iter().collect();
    let r = analyze(&files, &evasion_whitelist(), None);
    // A URL folded from constants is a domain like any other.
    let exfil = r
        .domains
        .iter()
        .find(|d| d.host == "exfil.example.org")
        .expect("folded URL");
    assert!(exfil.whitelisted_in.is_empty());
    let ours = r
        .domains
        .iter()
        .find(|d| d.host == "api.bank.example")
        .expect("folded URL");
    assert_eq!(ours.whitelisted_in, ["request"]);
    // Bare hosts each get a finding with where they are.
    let f = r
        .findings
        .iter()
        .find(|f| f.code == "host_not_whitelisted" && f.message.starts_with("api.evil.com "))
        .unwrap_or_else(|| panic!("{:#?}", r.findings));
    assert!(f.message.contains("hosts.js:2"), "{}", f.message);
    let shown: Vec<&str> = r
        .manual_review
        .iter()
        .map(|i| i.reason.split('`').nth(1).unwrap_or(""))
        .collect();
    assert_eq!(
        shown,
        [
            "api.evil.com",
            "cdn.evil.net",
            "10.1.2.3",
            "https://exfil.example.org",
            "….evil.io",
            "upload.evil.cn"
        ]
    );
}

/// The evasions inside a real compile: a page script with aliases and a computed key goes
/// through the compiler unchanged, and the positions are the source's.
#[test]
fn evasion_through_the_compiler() {
    let files = build(&[
        ("project.config.json", r#"{"appid": "wxevade"}"#),
        ("app.json", r#"{"pages": ["pages/index/index"]}"#),
        ("app.js", "App({})"),
        (
            "pages/index/index.js",
            "const w = wx;\nconst k = 'get' + 'Location';\nPage({\n  onLoad() {\n    w[k]({});\n    wx[this.data.api]({});\n  },\n});\n",
        ),
        ("pages/index/index.wxml", "<view/>"),
    ]);
    let r = analyze(&files, &Domains::default(), None);
    assert_eq!(r.apis["getLocation"].indirect, 1);
    assert!(r.apis["getLocation"].sensitive);
    let items: Vec<(&str, usize, usize, &str)> = r
        .manual_review
        .iter()
        .map(|i| (i.file.as_str(), i.line, i.column, i.code))
        .collect();
    assert_eq!(items, [("pages/index/index.js", 6, 5, "computed_member")]);
    assert_eq!(r.manual_review[0].snippet, "wx[this.data.api]({});");
}

// --- The negative set: ordinary code from real apps --------------------------------------------

/// The apps of `../shared/real-apps/apps.tsv` (third-party test data, read and never copied):
/// name and the folder to compile (the one with the mini-program's `app.json`, or the project
/// folder when its `project.config.json` names that root).
fn real_apps() -> Vec<(String, std::path::PathBuf)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/real-apps");
    let tsv = std::fs::read_to_string(dir.join("apps.tsv"))
        .unwrap_or_else(|e| panic!("the real-app corpus is missing at {}: {e}", dir.display()));
    let mut lines = tsv.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |cols: &[&str], name: &str| -> String {
        let i = header.iter().position(|h| *h == name).unwrap();
        cols[i].to_string()
    };
    lines
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let (app, root) = (col(&cols, "dir"), col(&cols, "root"));
            let app_dir = dir.join(&app);
            let outer_root = std::fs::read(app_dir.join("project.config.json"))
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .and_then(|v| {
                    v["miniprogramRoot"]
                        .as_str()
                        .map(|r| r.trim_matches(['.', '/']).to_string())
                });
            let project = match outer_root {
                Some(r) if r == root.trim_matches(['.', '/']) => app_dir,
                _ => app_dir.join(&root),
            };
            let name = if root == "." {
                app
            } else {
                format!("{app} ({root})")
            };
            (name, project)
        })
        .collect()
}

/// The report over every real app: the places it asks a reviewer to read are few enough to
/// read, per app. Prints the table (app, scripts, APIs, APIs reached indirectly, manual-review
/// items by kind, host-like strings).
#[test]
fn real_apps_manual_review_is_not_a_flood() {
    let mut table = vec![format!(
        "{:<58} {:>7} {:>5} {:>8} {:>7} {:>6}  {}",
        "app", "scripts", "apis", "indirect", "dynamic", "hosts", "dynamic by code"
    )];
    let mut floods = vec![];
    for (name, project) in real_apps() {
        let out = match cove_compiler::compile_dir(&project, &CompileOptions::default()) {
            Ok(out) => out,
            Err(e) => panic!("{name}: {e:?}"),
        };
        let files: Files = out.files.into_iter().collect();
        let scripts = files.keys().filter(|p| p.ends_with(".js")).count();
        let r = analyze(&files, &Domains::default(), None);
        let (hosts, dynamic): (Vec<_>, Vec<_>) = r
            .manual_review
            .iter()
            .partition(|i| i.code == "host_fragment");
        let mut by_code: std::collections::BTreeMap<&str, usize> = Default::default();
        for i in &dynamic {
            *by_code.entry(i.code).or_default() += 1;
        }
        let indirect = r.apis.values().filter(|u| u.indirect > 0).count();
        table.push(format!(
            "{:<58} {:>7} {:>5} {:>8} {:>7} {:>6}  {}",
            name,
            scripts,
            r.apis.len(),
            indirect,
            dynamic.len(),
            hosts.len(),
            by_code
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if std::env::var_os("COVE_REPORT_ITEMS").is_some() {
            for i in &r.manual_review {
                eprintln!(
                    "{name}\t{}:{}:{}\t{}\t{}\t{}",
                    i.file, i.line, i.column, i.code, i.reason, i.snippet
                );
            }
        }
        // Readable in one sitting: a few dozen places at most per app.
        if dynamic.len() > 40 || hosts.len() > 40 {
            floods.push(format!(
                "{name}: {} dynamic, {} hosts",
                dynamic.len(),
                hosts.len()
            ));
        }
    }
    println!("{}", table.join("\n"));
    assert!(floods.is_empty(), "{floods:#?}");
}

/// The OpenAPI document describes the manual-review section field by field, and a report
/// with items of every kind is valid against it.
#[test]
fn evasion_items_are_in_the_openapi_schema() {
    let doc = cove_server::api::openapi::build();
    let schemas = &doc["components"]["schemas"];
    let review = &schemas["Report"]["properties"]["manual_review"];
    assert_eq!(review["type"], "array", "{review}");
    assert_eq!(review["items"]["$ref"], "#/components/schemas/ReviewItem");
    let item = &schemas["ReviewItem"];
    for field in ["file", "line", "column", "code", "reason", "snippet"] {
        assert!(item["properties"][field].is_object(), "{field}: {item}");
        assert!(
            item["required"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == field),
            "{field}"
        );
    }
    assert_eq!(
        schemas["ApiUse"]["properties"]["indirect"]["type"], "integer",
        "{}",
        schemas["ApiUse"]
    );

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/evasions");
    let files: Files = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "js"))
        .map(|p| {
            (
                format!("pages/{}", p.file_name().unwrap().to_string_lossy()),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    let report = serde_json::to_value(analyze(&files, &evasion_whitelist(), None)).unwrap();
    // `$ref`s point at `#/components/...`: carry the components along, as the API tests do.
    let mut schema = schemas["Report"].clone();
    schema
        .as_object_mut()
        .unwrap()
        .insert("components".into(), doc["components"].clone());
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let codes: std::collections::BTreeSet<&str> = report["manual_review"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes.len(),
        10,
        "every kind of item is in the corpus: {codes:?}"
    );
}
