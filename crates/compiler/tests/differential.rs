//! The differential test: every `.wxml` and `.wxss` file that WeChat's official compiler
//! accepts must compile in Cove without an error diagnostic.
//!
//! The corpus is every app of `../shared/real-apps` (its mini-program root from
//! `apps.tsv`; `node_modules` skipped, `miniprogram_npm` included), Cove's own odd cases
//! (`tests/wcc-quirks`, `tests/fixtures/lenient`) and the npm corpus under
//! `corpus/node_modules` (the wux-weapp example app and the vant, tdesign and weui component
//! sets). The oracle is `corpus/oracle-files.js`: one `wcc` or `wcsc` run per file, as WeChat
//! DevTools compiles it; Cove's side is `cove_compiler::wxml::check_file` and
//! `cove_compiler::wxss::check_file` on the same file in a standalone project of the same tree.
//!
//! The test prints a table per app, lists every file on which the two disagree with both
//! messages, and fails when a file the official compiler accepts fails in Cove (WXML and WXSS
//! are separate tests). It never skips: a missing corpus or oracle is a failure
//! (`npm ci --prefix corpus` installs both; the real apps are always present). Set
//! `COVE_REAL_APPS` to read the real apps from elsewhere, or `COVE_DIFF_ONLY=<dir>` to check
//! one project alone.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use cove_compiler::project::Project;
use cove_compiler::{Diagnostics, SourceTree};

const NPM_CORPUS: &[&str] = &[
    "wux-weapp/example",
    "@vant/weapp/dist",
    "tdesign-miniprogram/miniprogram_dist",
    "weui-miniprogram/miniprogram_dist",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/real-apps` beside the repository (as `tests/real_apps.rs` finds it), or
/// `COVE_REAL_APPS`.
fn real_apps_dir() -> PathBuf {
    std::env::var_os("COVE_REAL_APPS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/real-apps"))
}

/// `(name, mini-program root)` of every corpus app, or only the project `COVE_DIFF_ONLY`
/// names (to look at one project by hand).
fn apps() -> Vec<(String, PathBuf)> {
    if let Some(only) = std::env::var_os("COVE_DIFF_ONLY") {
        return vec![("COVE_DIFF_ONLY".into(), PathBuf::from(only))];
    }
    let real = real_apps_dir();
    let tsv = std::fs::read_to_string(real.join("apps.tsv")).unwrap_or_else(|e| {
        panic!(
            "real-app corpus missing: {}: {e}",
            real.join("apps.tsv").display()
        )
    });
    let mut out = vec![];
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("apps.tsv has no `{name}` column"))
    };
    let (dir_col, root_col) = (col("dir"), col("root"));
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split('\t').collect();
        let (dir, root) = (cells[dir_col], cells[root_col]);
        let path = real.join(dir).join(root);
        assert!(path.is_dir(), "real app root missing: {}", path.display());
        let name = if root == "." {
            dir.to_string()
        } else {
            format!("{dir}/{root}")
        };
        out.push((name, path));
    }
    assert_eq!(out.len(), 20, "apps.tsv should list 20 apps");
    // Cove's own cases: what wcc accepts although it is odd, one case a file, and an app
    // that renders several of them.
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    out.push(("cove:tests/wcc-quirks".into(), tests.join("wcc-quirks")));
    out.push((
        "cove:tests/fixtures/lenient".into(),
        tests.join("fixtures/lenient"),
    ));
    let npm = repo().join("corpus/node_modules");
    for rel in NPM_CORPUS {
        let path = npm.join(rel);
        assert!(
            path.is_dir(),
            "npm corpus missing: {} (run `npm ci --prefix corpus`)",
            path.display()
        );
        out.push((format!("npm:{rel}"), path));
    }
    out
}

/// The official compilers' verdict per file: `None` when accepted, else the first error line.
fn oracle(root: &Path) -> BTreeMap<String, Option<String>> {
    let script = repo().join("corpus/oracle-files.js");
    // Verdicts are kept between runs, keyed by the compiler and the bytes compiled.
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oracle-files-cache");
    let out = Command::new("node")
        .arg(&script)
        .arg(root)
        .arg("--cache")
        .arg(&cache)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node {}: {e}", script.display()));
    assert!(
        out.status.success(),
        "{} failed on {}: {}",
        script.display(),
        root.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("oracle prints JSON");
    v.as_object()
        .expect("oracle prints an object")
        .iter()
        .map(|(file, r)| {
            let ok = r["ok"].as_bool().expect("`ok` is a boolean");
            let err = (!ok).then(|| r["error"].as_str().unwrap_or("").to_string());
            (file.clone(), err)
        })
        .collect()
}

/// Cove's verdict on one file: `None` when no error diagnostic, else the first one.
fn cove(project: &Project, file: &str) -> Option<String> {
    let mut diags = Diagnostics::default();
    if file.ends_with(".wxml") {
        cove_compiler::wxml::check_file(project, file, &mut diags);
    } else {
        cove_compiler::wxss::check_file(project, file, &mut diags);
    }
    let first = diags.errors().next()?;
    let at = first
        .line_col()
        .map_or(String::new(), |(l, c)| format!(":{l}:{c}"));
    let file = first.file.as_deref().unwrap_or(file);
    Some(format!(
        "{file}{at}: error[{}] {}",
        first.code,
        first.message.lines().next().unwrap_or("")
    ))
}

#[derive(Default, Clone, Copy)]
struct Counts {
    files: usize,
    official_ok: usize,
    cove_ok: usize,
    /// The official compiler accepts the file, Cove reports an error.
    only_official_ok: usize,
    /// Cove accepts a file the official compiler refuses.
    only_cove_ok: usize,
}

struct AppResult {
    name: String,
    wxml: Counts,
    wxss: Counts,
    /// `(file, official verdict, Cove's verdict)` wherever they disagree.
    disagreements: Vec<(String, Option<String>, Option<String>)>,
}

fn check_app(name: &str, root: &Path, verdicts: &BTreeMap<String, Option<String>>) -> AppResult {
    let tree = SourceTree::from_dir(root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()));
    let project = Project::standalone(tree);
    let mut r = AppResult {
        name: name.to_string(),
        wxml: Counts::default(),
        wxss: Counts::default(),
        disagreements: vec![],
    };
    for (file, official) in verdicts {
        assert!(
            project.tree.contains(file),
            "{name}: the oracle compiled `{file}`, which Cove's source tree lacks"
        );
        let ours = cove(&project, file);
        let c = if file.ends_with(".wxml") {
            &mut r.wxml
        } else {
            &mut r.wxss
        };
        c.files += 1;
        c.official_ok += usize::from(official.is_none());
        c.cove_ok += usize::from(ours.is_none());
        match (official, &ours) {
            (None, Some(_)) => c.only_official_ok += 1,
            (Some(_), None) => c.only_cove_ok += 1,
            _ => continue,
        }
        r.disagreements
            .push((file.clone(), official.clone(), ours.clone()));
    }
    assert!(
        r.wxml.files + r.wxss.files > 0,
        "{name}: no .wxml or .wxss file found"
    );
    r
}

struct Report {
    apps: Vec<AppResult>,
}

/// Both tests share one run: the oracle runs in a background thread, app by app, while
/// Cove checks the apps whose verdicts are in.
fn report() -> &'static Report {
    static REPORT: OnceLock<Report> = OnceLock::new();
    REPORT.get_or_init(|| {
        let started = Instant::now();
        let apps = apps();
        let (tx, rx) = std::sync::mpsc::channel();
        let roots: Vec<PathBuf> = apps.iter().map(|(_, p)| p.clone()).collect();
        let oracle_thread = std::thread::spawn(move || {
            let started = Instant::now();
            for (i, root) in roots.iter().enumerate() {
                if tx.send((i, oracle(root))).is_err() {
                    break;
                }
            }
            started.elapsed()
        });
        let mut results: Vec<Option<AppResult>> = apps.iter().map(|_| None).collect();
        let mut cove_time = Duration::ZERO;
        for (i, verdicts) in rx {
            let (name, root) = &apps[i];
            let t = Instant::now();
            results[i] = Some(check_app(name, root, &verdicts));
            cove_time += t.elapsed();
        }
        let oracle_time = oracle_thread
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        let apps: Vec<AppResult> = results
            .into_iter()
            .map(|r| r.expect("every app checked"))
            .collect();
        let took = format!(
            "{:.1} s in all: the official compilers {:.1} s, Cove {:.1} s",
            started.elapsed().as_secs_f64(),
            oracle_time.as_secs_f64(),
            cove_time.as_secs_f64()
        );
        println!("{}", render(&apps, &took));
        Report { apps }
    })
}

fn render(apps: &[AppResult], took: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "official = wcc/wcsc exit 0; cove = no error diagnostic; \
         off-only = official ok, Cove fails; cove-only = the reverse\n"
    );
    let _ = writeln!(
        s,
        "{:<60} | {:>5} {:>8} {:>5} {:>8} {:>9} | {:>5} {:>8} {:>5} {:>8} {:>9}",
        "app",
        "wxml",
        "official",
        "cove",
        "off-only",
        "cove-only",
        "wxss",
        "official",
        "cove",
        "off-only",
        "cove-only"
    );
    let mut total = (Counts::default(), Counts::default());
    let add = |t: &mut Counts, c: &Counts| {
        t.files += c.files;
        t.official_ok += c.official_ok;
        t.cove_ok += c.cove_ok;
        t.only_official_ok += c.only_official_ok;
        t.only_cove_ok += c.only_cove_ok;
    };
    let row = |s: &mut String, name: &str, x: &Counts, y: &Counts| {
        let _ = writeln!(
            s,
            "{:<60} | {:>5} {:>8} {:>5} {:>8} {:>9} | {:>5} {:>8} {:>5} {:>8} {:>9}",
            name,
            x.files,
            x.official_ok,
            x.cove_ok,
            x.only_official_ok,
            x.only_cove_ok,
            y.files,
            y.official_ok,
            y.cove_ok,
            y.only_official_ok,
            y.only_cove_ok
        );
    };
    for a in apps {
        row(&mut s, &a.name, &a.wxml, &a.wxss);
        add(&mut total.0, &a.wxml);
        add(&mut total.1, &a.wxss);
    }
    row(&mut s, "total", &total.0, &total.1);
    let _ = writeln!(s, "({took})");
    for a in apps.iter().filter(|a| !a.disagreements.is_empty()) {
        let _ = writeln!(s, "\n{}:", a.name);
        for (file, official, ours) in &a.disagreements {
            let say = |v: &Option<String>| v.clone().unwrap_or_else(|| "ok".into());
            let _ = writeln!(
                s,
                "  {file}\n    official: {}\n    cove:     {}",
                say(official),
                say(ours)
            );
        }
    }
    s
}

fn failures(kind: &str) -> Vec<String> {
    let r = report();
    r.apps
        .iter()
        .flat_map(|a| {
            a.disagreements
                .iter()
                .filter(|(f, off, ours)| f.ends_with(kind) && off.is_none() && ours.is_some())
                .map(|(f, _, ours)| format!("{}: {f}: {}", a.name, ours.as_deref().unwrap_or("")))
        })
        .collect()
}

#[test]
fn wxml_that_wcc_accepts_compiles_in_cove() {
    let bad = failures(".wxml");
    assert!(
        bad.is_empty(),
        "{} .wxml files compile with wcc but fail in Cove (the table is above):\n{}",
        bad.len(),
        bad.join("\n"),
    );
}

#[test]
fn wxss_that_wcsc_accepts_compiles_in_cove() {
    let bad = failures(".wxss");
    assert!(
        bad.is_empty(),
        "{} .wxss files compile with wcsc but fail in Cove (the table is above):\n{}",
        bad.len(),
        bad.join("\n"),
    );
}

/// The corpus is what the test claims: the apps hold templates and stylesheets, and the
/// official compilers accept most of them.
#[test]
fn the_corpus_is_there() {
    if std::env::var_os("COVE_DIFF_ONLY").is_some() {
        return;
    }
    let r = report();
    assert_eq!(r.apps.len(), 20 + 2 + NPM_CORPUS.len());
    for (kind, min, files, ok) in [
        (
            "wxml",
            1500,
            r.apps.iter().map(|a| a.wxml.files).sum::<usize>(),
            r.apps.iter().map(|a| a.wxml.official_ok).sum::<usize>(),
        ),
        (
            "wxss",
            1500,
            r.apps.iter().map(|a| a.wxss.files).sum(),
            r.apps.iter().map(|a| a.wxss.official_ok).sum(),
        ),
    ] {
        assert!(files > min, "only {files} .{kind} files in the corpus");
        assert!(
            ok * 10 > files * 9,
            "only {ok} of {files} .{kind} files accepted"
        );
    }
}

/// The oracle does check: it refuses what WeChat refuses and accepts what it accepts.
#[test]
fn the_oracle_tells_good_from_bad() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "good.wxml",
            "<wxs src=\"./m.wxs\" module=\"m\"/><view>{{m.x}}</view>",
        ),
        ("m.wxs", "module.exports = { x: require('./n.wxs').y };"),
        ("n.wxs", "module.exports = { y: 1 };"),
        ("bad.wxml", "<view a=b>x</view>"),
        ("lost.wxml", "<wxs src=\"./gone.wxs\" module=\"m\"/>"),
        ("good.wxss", "@import \"./dep\";\n.a { width: 1rpx; }"),
        ("dep.wxss", ".b { color: red; }"),
        ("bad.wxss", ".a { color: red;"),
    ];
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let v = oracle(dir.path());
    let ok = |f: &str| {
        v.get(f)
            .unwrap_or_else(|| panic!("{f} not checked: {v:?}"))
            .is_none()
    };
    assert!(
        ok("good.wxml") && ok("good.wxss") && ok("dep.wxss"),
        "{v:?}"
    );
    assert!(
        !ok("bad.wxml") && !ok("lost.wxml") && !ok("bad.wxss"),
        "{v:?}"
    );
    assert!(
        !v.contains_key("m.wxs"),
        "only templates and stylesheets: {v:?}"
    );
}
