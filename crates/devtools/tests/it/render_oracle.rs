//! The compatibility oracle: every WXML file of the public corpus rendered by Cove (glass-easel
//! in QuickJS, `cove_devtools::oracle`) and by WeChat's official `wcc` (npm
//! `miniprogram-compiler`, through `corpus/render-all.js`), once with empty data and once with
//! the initial data the file's own page or component declares. The trees must be identical in
//! at least 98% of the cases.
//!
//! Normalisations, applied to both trees before comparing (each is representation only):
//! - wcc's bookkeeping fields `raw` (typed values of data-bound attributes), `rawAttr` (the
//!   source text of `model:` bindings, whose value is in `attr` on both sides) and `n` are
//!   dropped; `generics` is dropped when empty (Cove writes it only when there are some).
//! - Attributes are compared as a map: their order is not observable.
//! - `data-*` attribute names are compared by the dataset key they define (`data-fooBar` and
//!   `data-foobar` are both `dataset.foobar`): wcc keeps the source spelling, Cove prints the key.
//! - Adjacent text children are joined: two text nodes in a row render as one run of text.
//!
//! Needs node and `corpus/node_modules` (`npm ci --prefix corpus`). Without node the test is
//! skipped with a message, except under CI (env `CI` set), where it fails.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cove_container::Limits;
use cove_devtools::oracle::Oracle;
use serde_json::{Map, Value, json};

const TARGET: f64 = 0.98;

/// Both renderers give up on a template after this long (some loop forever on empty data).
const RENDER_LIMIT: Duration = Duration::from_secs(2);

const CORPORA: &[(&str, &str)] = &[
    ("wux-weapp example", "wux-weapp/example"),
    ("@vant/weapp", "@vant/weapp/dist"),
    ("tdesign", "tdesign-miniprogram/miniprogram_dist"),
    ("weui", "weui-miniprogram/miniprogram_dist"),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn node_available() -> bool {
    Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// One template rendered with one data set.
struct Case {
    template: String,
    data_kind: &'static str,
    data: Value,
}

/// A difference: its class and a human-readable example.
struct Diff {
    class: String,
    detail: String,
}

#[derive(Default)]
struct Outcome {
    files: usize,
    cases: usize,
    identical: usize,
    data_failures: Vec<String>,
    diffs: Vec<(String, &'static str, Diff)>,
}

/// `.wxml` files under `root`, as wcc gets them (node_modules and .git skipped), by key.
fn wxml_keys(root: &Path) -> Vec<String> {
    let mut out = vec![];
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(root.join(&rel))
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            let r = rel.join(&name);
            if e.file_type().unwrap().is_dir() {
                if name != "node_modules" && name != ".git" {
                    stack.push(r);
                }
            } else if let Some(stem) = name.strip_suffix(".wxml") {
                let key = rel.join(stem).to_string_lossy().replace('\\', "/");
                out.push(key);
            }
        }
    }
    out.sort();
    out
}

fn run_corpus(label: &str, rel: &str) -> Outcome {
    let root = repo().join("corpus/node_modules").join(rel);
    assert!(
        root.is_dir(),
        "{} not installed: run `npm ci --prefix corpus` (scripts/test does it)",
        root.display()
    );
    let keys = wxml_keys(&root);
    let compiled = cove_compiler::compile_dir(&root, &Default::default())
        .unwrap_or_else(|e| panic!("{label} does not compile: {e}"));
    let limits = Limits {
        cpu_time: RENDER_LIMIT,
        ..Oracle::default_limits()
    };
    let oracle =
        Oracle::load_with(&compiled.files, limits).unwrap_or_else(|e| panic!("{label}: {e}"));
    let units: BTreeSet<&str> = oracle.units().iter().map(String::as_str).collect();

    let mut out = Outcome {
        files: keys.len(),
        ..Default::default()
    };
    let mut cases = vec![];
    for key in &keys {
        cases.push(Case {
            template: key.clone(),
            data_kind: "empty data",
            data: json!({}),
        });
        if units.contains(key.as_str()) {
            let data = oracle.initial_data(key).unwrap_or_else(|e| {
                out.data_failures.push(format!("{key}: {e}"));
                json!({})
            });
            cases.push(Case {
                template: key.clone(),
                data_kind: "initial data",
                data,
            });
        }
    }

    // wcc renders in a node process while Cove renders here.
    let list: Vec<Value> = cases
        .iter()
        .map(|c| json!({"file": c.template, "data": c.data}))
        .collect();
    let mut child = Command::new("node")
        .arg(repo().join("corpus/render-all.js"))
        .arg(&root)
        .arg("-")
        .arg("--timeout-ms")
        .arg(RENDER_LIMIT.as_millis().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    let input = serde_json::to_vec(&list).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));

    let cove: Vec<Result<Value, String>> = cases
        .iter()
        .map(|c| {
            oracle
                .render(&c.template, &c.data)
                .map(|r| r.tree)
                .map_err(|e| e.to_string())
        })
        .collect();

    feeder.join().unwrap().expect("feeding render-all.js");
    let result = child.wait_with_output().unwrap();
    assert!(
        result.status.success(),
        "render-all.js failed on {label}: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    let mut wcc: Vec<Option<Value>> = vec![None; cases.len()];
    for line in String::from_utf8(result.stdout).unwrap().lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let i = v["i"].as_u64().unwrap() as usize;
        wcc[i] = Some(v);
    }

    for (i, case) in cases.iter().enumerate() {
        out.cases += 1;
        let w = wcc[i].take().expect("render-all.js answered every case");
        let diff = match (&cove[i], w.get("tree")) {
            (Ok(c), Some(t)) => compare(&normalize(t), &normalize(c)),
            (Err(e), Some(_)) if e.contains("no template") => Some(Diff {
                class: "template not compiled by Cove (no page or component reaches it)".into(),
                detail: e.clone(),
            }),
            (Err(e), Some(_)) => Some(Diff {
                class: "Cove fails, wcc renders".into(),
                detail: e.clone(),
            }),
            (Ok(_), None) => Some(Diff {
                class: "wcc fails, Cove renders".into(),
                detail: w["error"].as_str().unwrap_or("").to_string(),
            }),
            (Err(e), None) => Some(Diff {
                class: "both fail".into(),
                detail: format!("wcc: {}; Cove: {e}", w["error"]),
            }),
        };
        match diff {
            None => out.identical += 1,
            Some(d) => out.diffs.push((case.template.clone(), case.data_kind, d)),
        }
    }
    out
}

// ---- normalisation and comparison ----------------------------------------------------------

fn dataset_key(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let mut out = String::new();
    let mut up = false;
    for c in lower.chars() {
        if c == '-' {
            up = true;
        } else if up {
            out.extend(c.to_uppercase());
            up = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Both trees in one canonical form (see the module docs).
fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(o) if o.contains_key("tag") => {
            let mut out = Map::new();
            out.insert("tag".into(), o["tag"].clone());
            if let Some(Value::Object(attr)) = o.get("attr") {
                let mut sorted: BTreeMap<String, Value> = BTreeMap::new();
                for (k, v) in attr {
                    let k = match k.strip_prefix("data-") {
                        Some(rest) => format!("data-{}", dataset_key(rest)),
                        None => k.clone(),
                    };
                    sorted.insert(k, v.clone());
                }
                out.insert("attr".into(), Value::Object(sorted.into_iter().collect()));
            } else {
                out.insert("attr".into(), Value::Object(Map::new()));
            }
            if let Some(Value::Object(g)) = o.get("generics")
                && !g.is_empty()
            {
                out.insert("generics".into(), Value::Object(g.clone()));
            }
            let mut children: Vec<Value> = vec![];
            for c in o
                .get("children")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let c = normalize(c);
                if let (Some(Value::String(prev)), Value::String(s)) = (children.last_mut(), &c) {
                    prev.push_str(s);
                } else {
                    children.push(c);
                }
            }
            out.insert("children".into(), Value::Array(children));
            Value::Object(out)
        }
        other => other.clone(),
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 160 {
        format!("{}…", s.chars().take(160).collect::<String>())
    } else {
        s
    }
}

/// The first difference between the wcc tree `w` and the Cove tree `c`, classified.
fn compare(w: &Value, c: &Value) -> Option<Diff> {
    compare_at(w, c, "")
}

fn compare_at(w: &Value, c: &Value, path: &str) -> Option<Diff> {
    if w == c {
        return None;
    }
    let diff = |class: &str, detail: String| {
        Some(Diff {
            class: class.to_string(),
            detail: format!("at {}: {detail}", if path.is_empty() { "/" } else { path }),
        })
    };
    match (w, c) {
        (Value::String(a), Value::String(b)) => diff(
            "text content",
            format!("wcc {} vs Cove {}", short(w), short(c)),
        )
        .filter(|_| a != b),
        (Value::Object(a), Value::Object(b)) => {
            let here = format!("{path}/{}", a["tag"].as_str().unwrap_or("?"));
            if a["tag"] != b["tag"] {
                return diff("tag", format!("wcc {} vs Cove {}", a["tag"], b["tag"]));
            }
            let (aa, ba) = (&a["attr"], &b["attr"]);
            if aa != ba {
                let (aa, ba) = (aa.as_object().unwrap(), ba.as_object().unwrap());
                for (k, v) in aa {
                    match ba.get(k) {
                        None => {
                            return diff(
                                &format!("attribute only in wcc: {}", attr_class(k)),
                                format!("{here} {k}={}", short(v)),
                            );
                        }
                        Some(cv) if cv != v => {
                            return diff(
                                &format!("attribute value: {}", attr_class(k)),
                                format!("{here} {k}: wcc {} vs Cove {}", short(v), short(cv)),
                            );
                        }
                        _ => {}
                    }
                }
                for (k, v) in ba {
                    if !aa.contains_key(k) {
                        return diff(
                            &format!("attribute only in Cove: {}", attr_class(k)),
                            format!("{here} {k}={}", short(v)),
                        );
                    }
                }
            }
            if a.get("generics") != b.get("generics") {
                return diff(
                    "generics",
                    format!(
                        "{here}: wcc {} vs Cove {}",
                        short(a.get("generics").unwrap_or(&Value::Null)),
                        short(b.get("generics").unwrap_or(&Value::Null))
                    ),
                );
            }
            let (ac, bc) = (
                a["children"].as_array().unwrap(),
                b["children"].as_array().unwrap(),
            );
            for (i, (x, y)) in ac.iter().zip(bc).enumerate() {
                if let Some(d) = compare_at(x, y, &format!("{here}[{i}]")) {
                    return Some(d);
                }
            }
            if ac.len() != bc.len() {
                let (longer, who) = if ac.len() > bc.len() {
                    (ac, "wcc")
                } else {
                    (bc, "Cove")
                };
                let extra = &longer[ac.len().min(bc.len())];
                let kind = if extra.is_string() { "text" } else { "element" };
                return diff(
                    &format!("{kind} child only in {who}"),
                    format!("{here}: {}", short(extra)),
                );
            }
            None
        }
        _ => diff(
            "text vs element",
            format!("wcc {} vs Cove {}", short(w), short(c)),
        ),
    }
}

/// The kind of an attribute, for grouping differences.
fn attr_class(name: &str) -> String {
    match name {
        "class" | "style" | "id" | "slot" => name.to_string(),
        _ if name.starts_with("data-") => "data-*".into(),
        _ if name.contains(':') => format!("{}:*", name.split(':').next().unwrap()),
        _ if name.starts_with("bind") || name.starts_with("catch") => "bind*/catch*".into(),
        _ => "other".into(),
    }
}

#[test]
fn cove_renders_the_corpus_as_wcc_does() {
    if !node_available() {
        if std::env::var_os("CI").is_some() {
            panic!("node is required for the render oracle and CI has it: install Node.js");
        }
        eprintln!("SKIPPED render_oracle: `node` not found (install Node.js to compare with wcc)");
        return;
    }
    let started = Instant::now();
    let outcomes: Vec<(&str, Outcome)> = std::thread::scope(|s| {
        let handles: Vec<_> = CORPORA
            .iter()
            .map(|(label, rel)| (*label, s.spawn(move || run_corpus(label, rel))))
            .collect();
        handles
            .into_iter()
            .map(|(l, h)| (l, h.join().unwrap_or_else(|_| panic!("{l} failed"))))
            .collect()
    });

    println!();
    println!(
        "{:<20} {:>6} {:>6} {:>10} {:>8} {:>13}",
        "corpus", "files", "cases", "identical", "rate", "data failed"
    );
    let (mut cases, mut identical, mut files) = (0, 0, 0);
    let mut classes: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for (label, o) in &outcomes {
        println!(
            "{:<20} {:>6} {:>6} {:>10} {:>7.2}% {:>13}",
            label,
            o.files,
            o.cases,
            o.identical,
            100.0 * o.identical as f64 / o.cases.max(1) as f64,
            o.data_failures.len()
        );
        cases += o.cases;
        identical += o.identical;
        files += o.files;
        for (template, kind, d) in &o.diffs {
            let e = classes
                .entry(d.class.clone())
                .or_insert_with(|| (0, format!("{label} {template}.wxml ({kind}) {}", d.detail)));
            e.0 += 1;
        }
    }
    let rate = identical as f64 / cases.max(1) as f64;
    println!(
        "{:<20} {:>6} {:>6} {:>10} {:>7.2}%",
        "overall",
        files,
        cases,
        identical,
        100.0 * rate
    );
    println!();
    if !classes.is_empty() {
        println!("differences by class (count, first example):");
        let mut sorted: Vec<_> = classes.into_iter().collect();
        sorted.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
        for (class, (n, example)) in sorted {
            println!("  {n:>4}  {class}\n        e.g. {example}");
        }
    }
    for (label, o) in &outcomes {
        for f in &o.data_failures {
            println!("initial data not found ({label}): {f}");
        }
    }
    if std::env::var_os("COVE_ORACLE_ALL").is_some() {
        for (label, o) in &outcomes {
            for (template, kind, d) in &o.diffs {
                println!(
                    "DIFF {label} {template} ({kind}) [{}] {}",
                    d.class, d.detail
                );
            }
        }
    }
    println!("took {:.1?}", started.elapsed());
    assert!(
        rate >= TARGET,
        "only {:.2}% of {cases} cases identical (target {:.0}%)",
        100.0 * rate,
        100.0 * TARGET
    );
}
