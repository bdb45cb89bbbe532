//! Every real app in `../shared/real-apps` builds as delivered: the open-source WeChat
//! mini-programs listed in its `apps.tsv` (third-party test data, read and never copied),
//! prepared as their READMEs say and never edited. WeChat's own compiler builds all of them,
//! so a build error here is a Cove bug. Prints the table the issue asks for: app, pages,
//! build time and warnings by code.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use cove_compiler::{BuildError, CompileOptions, compile_dir};

pub struct RealApp {
    /// `dir` plus, when it differs from the folder DevTools opens, the mini-program root.
    pub name: String,
    /// The folder a developer opens in DevTools: the one with `project.config.json` whose
    /// `miniprogramRoot` is the app's root, else the root itself.
    pub project: PathBuf,
    pub pages: usize,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/real-apps")
}

/// The apps of `apps.tsv`. Panics when the corpus is missing: CI always has it.
pub fn real_apps() -> Vec<RealApp> {
    let dir = corpus_dir();
    let tsv = std::fs::read_to_string(dir.join("apps.tsv"))
        .unwrap_or_else(|e| panic!("the real-app corpus is missing at {}: {e}", dir.display()));
    let mut header: Vec<&str> = vec![];
    let mut apps = vec![];
    for line in tsv.lines().filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        if header.is_empty() {
            header = cols;
            continue;
        }
        let col = |name: &str| {
            header
                .iter()
                .position(|h| *h == name)
                .and_then(|i| cols.get(i).copied())
                .unwrap_or_else(|| panic!("apps.tsv has no `{name}` column"))
        };
        let (app_dir, root) = (dir.join(col("dir")), col("root"));
        let root_dir = app_dir.join(root);
        let outer_root = std::fs::read(app_dir.join("project.config.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .map(|v| {
                v.get("miniprogramRoot")
                    .and_then(|r| r.as_str())
                    .unwrap_or("")
                    .trim_matches(['.', '/'])
                    .to_string()
            });
        let project = match outer_root {
            Some(r) if r == root.trim_matches(['.', '/']) => app_dir.clone(),
            _ => root_dir,
        };
        let name = if root == "." {
            col("dir").to_string()
        } else {
            format!("{} ({root})", col("dir"))
        };
        apps.push(RealApp {
            name,
            project,
            pages: col("pages").parse().unwrap_or(0),
        });
    }
    assert!(apps.len() >= 20, "apps.tsv lists only {} apps", apps.len());
    apps
}

#[test]
fn every_real_app_builds_as_delivered() {
    let mut failures = vec![];
    let mut table =
        String::from("| app | pages | build | warnings by code |\n|---|---:|---:|---|\n");
    for app in real_apps() {
        let t = Instant::now();
        let result = compile_dir(&app.project, &CompileOptions::default());
        let took = t.elapsed();
        let (warnings, status) = match &result {
            Ok(out) => (out.warnings.0.iter().collect::<Vec<_>>(), String::new()),
            Err(BuildError::Invalid(d)) => {
                failures.push(format!(
                    "{}:\n{}",
                    app.name,
                    d.errors().map(|e| format!("  {e}\n")).collect::<String>()
                ));
                (d.warnings().collect(), " **failed**".to_string())
            }
            Err(e) => {
                failures.push(format!("{}: {e}", app.name));
                (vec![], " **failed**".to_string())
            }
        };
        let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
        for w in warnings {
            *by_code.entry(w.code).or_default() += 1;
        }
        let codes = by_code
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        table.push_str(&format!(
            "| {}{status} | {} | {:.0?} | {codes} |\n",
            app.name, app.pages, took
        ));
    }
    println!("{table}");
    assert!(
        failures.is_empty(),
        "{} real app(s) do not build:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
