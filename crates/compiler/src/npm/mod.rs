//! "Build npm", as WeChat DevTools' 构建 npm and `miniprogram-ci`'s `packNpm` do it: the
//! packages in `node_modules` that a `package.json` lists in `dependencies` (and theirs, and
//! so on) become `miniprogram_npm/<name>/`, where the compiler's `require` and
//! `usingComponents` resolution finds them.
//!
//! Which `package.json` files count: `setting.packNpmRelationList` in `project.config.json`
//! (`packageJsonPath` → `miniprogramNpmDistDir`), the mini-program root's own (and, as
//! DevTools does without `packNpmManually`, any other below it), and the project root's
//! (packed into the mini-program root). Each one's `node_modules` is packed beside the
//! `miniprogram_npm` it feeds.
//!
//! `cove build`/`cove dev` ([`load_project`]) pack in memory, never writing into the project:
//! an up-to-date `miniprogram_npm` (not older than its `node_modules`) is used as it is, a
//! missing or stale one is packed into the build, through a cache under the user's cache
//! folder. `cove npm` ([`pack_project`] + [`write_into_project`]) writes it, as DevTools does.

mod cache;
mod disk;
mod pack;
mod scan;

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::diagnostic::Diagnostic;
use crate::source::{SourceTree, dir_of, normalize};
use disk::Disk;
use pack::{Group, Note, Packed};
pub use pack::{PackageKind, PackedPackage};

/// Bumped whenever the packer's output changes for the same input.
const PACK_FORMAT: u32 = 1;

/// The packer's own source, part of the cache key: a cached pack never outlives the code
/// that made it, even between two builds of the same Cove version.
const PACKER_SOURCE: [&str; 4] = [
    include_str!("mod.rs"),
    include_str!("pack.rs"),
    include_str!("scan.rs"),
    include_str!("disk.rs"),
];

/// A `miniprogram_npm` this much older than its `node_modules` still counts as up to date:
/// a checkout or an unpacked archive writes both within a moment, in any order.
const FRESH_SLACK: Duration = Duration::from_secs(2);

/// Where the pack cache lives.
#[derive(Debug, Clone, Default)]
pub struct NpmSettings {
    /// Cove's cache folder (the cache is its `npm/`); `None` packs every time.
    pub cache_dir: Option<PathBuf>,
}

impl NpmSettings {
    /// `$COVE_CACHE_DIR`, else `$XDG_CACHE_HOME/cove`, else `~/.cache/cove`
    /// (`~/Library/Caches/cove` on macOS). An empty `COVE_CACHE_DIR` turns the cache off.
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var_os(k);
        let cache_dir = match var("COVE_CACHE_DIR") {
            Some(d) if d.is_empty() => None,
            Some(d) => Some(PathBuf::from(d)),
            None => var("XDG_CACHE_HOME")
                .filter(|d| !d.is_empty())
                .map(|d| PathBuf::from(d).join("cove"))
                .or_else(|| {
                    let home = PathBuf::from(var("HOME").filter(|h| !h.is_empty())?);
                    Some(if cfg!(target_os = "macos") {
                        home.join("Library/Caches/cove")
                    } else {
                        home.join(".cache/cove")
                    })
                }),
        };
        Self { cache_dir }
    }
}

/// What "build npm" did for a build.
#[derive(Debug, Default)]
pub struct NpmReport {
    /// Packages packed into the build (from `node_modules` or the cache).
    pub packages: Vec<PackedPackage>,
    /// `miniprogram_npm` folders (relative to the project root) that were up to date.
    pub kept: Vec<String>,
    pub from_cache: bool,
    /// Warnings, their paths relative to the mini-program root like the compiler's.
    pub warnings: Vec<Diagnostic>,
    /// Packages in `dependencies`, required by the app, and not installed (a warning each).
    pub not_installed: BTreeSet<String>,
    /// Time spent on npm, reading the project's own files aside.
    pub elapsed: Duration,
}

/// A project read for a build, with its npm packages packed in.
#[derive(Debug)]
pub struct Prepared {
    /// Every file of the project, `miniprogram_npm` included as "build npm" makes it.
    pub tree: SourceTree,
    /// The mini-program root inside the project (`""` when it is the project folder).
    pub mp_root: String,
    pub report: NpmReport,
}

/// Read a project folder as the compiler sees it: its files (VCS folders and
/// `node_modules` left out), plus what "build npm" puts in `miniprogram_npm`, packed
/// in memory. Nothing is written into the project.
pub fn load_project(root: &Path, settings: &NpmSettings) -> io::Result<Prepared> {
    let tree = SourceTree::from_dir(root)?;
    // Reading the project is the build's own cost; this counts what "build npm" adds.
    let started = Instant::now();
    let cfg = ProjectNpm::read(&tree);
    let mut report = NpmReport::default();
    let mut notes = cfg.notes.clone();
    // Scanned only when there is something to pack or a dependency missing.
    let mut specs: Option<Vec<AppSpec>> = None;

    let mut groups = vec![];
    for g in &cfg.groups {
        let nm = root.join(&g.base).join("node_modules");
        if !nm.is_dir() {
            continue;
        }
        let npm = g.clone();
        let npm_dir = join(&g.dist, "miniprogram_npm");
        let fresh = tree.is_dir(&npm_dir)
            && newest(&root.join(&npm_dir)) + FRESH_SLACK >= node_modules_time(&nm);
        if fresh {
            report.kept.push(npm_dir.clone());
            groups.push(Group {
                keep: top_level_names(&tree, &npm_dir),
                ..npm
            });
        } else {
            groups.push(npm);
        }
    }
    report.kept.sort();
    report.kept.dedup();

    let mut tree = tree;
    if !groups.is_empty() {
        let wanted: Vec<(String, String)> = specs
            .get_or_insert_with(|| app_specs(&tree, &cfg))
            .iter()
            .map(|s| (dir_of(&s.file).to_string(), s.spec.clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut disk = Disk::new(root)?;
        let params = params_hash(&groups, &wanted);
        let cache_file = settings
            .cache_dir
            .as_deref()
            .map(|d| cache::file_for(d, disk.root()));
        let cached = cache_file.as_deref().and_then(|f| cache::load(f, &params));
        report.from_cache = cached.is_some();
        let packed = match cached {
            Some(p) => p,
            None => {
                let p = pack::pack(&mut disk, &groups, &wanted);
                if let Some(f) = &cache_file
                    && let Err(e) = cache::store(f, &params, &p, &disk.seen)
                {
                    tracing::debug!("npm cache not written to {}: {e}", f.display());
                }
                p
            }
        };
        tree = merge(tree, &packed);
        report.packages = packed.packages;
        notes.extend(packed.notes);
    }

    let (warnings, missing) = not_installed(root, &tree, &cfg, &mut specs);
    report.not_installed = missing;
    report.warnings = notes
        .iter()
        .map(|n| note_diag(n, &cfg.mp_root))
        .chain(warnings)
        .collect();
    report.elapsed = started.elapsed();
    Ok(Prepared {
        tree,
        mp_root: cfg.mp_root,
        report,
    })
}

/// What `cove npm` writes: every group packed afresh.
#[derive(Debug)]
pub struct NpmBuild {
    /// Paths relative to the project root.
    pub files: BTreeMap<String, Vec<u8>>,
    pub packages: Vec<PackedPackage>,
    pub warnings: Vec<Diagnostic>,
}

/// Pack every `package.json`'s dependencies, as DevTools' "build npm" does, ignoring any
/// `miniprogram_npm` already there.
pub fn pack_project(root: &Path) -> io::Result<NpmBuild> {
    let tree = SourceTree::from_dir(root)?;
    let cfg = ProjectNpm::read(&tree);
    let groups: Vec<Group> = cfg
        .groups
        .iter()
        .filter(|g| root.join(&g.base).join("node_modules").is_dir())
        .cloned()
        .collect();
    let specs = app_specs(&tree, &cfg);
    let wanted: Vec<(String, String)> = specs
        .iter()
        .map(|s| (dir_of(&s.file).to_string(), s.spec.clone()))
        .collect();
    let mut disk = Disk::new(root)?;
    let packed = pack::pack(&mut disk, &groups, &wanted);
    let warnings = cfg
        .notes
        .iter()
        .chain(&packed.notes)
        .map(|n| note_diag(n, &cfg.mp_root))
        .collect();
    Ok(NpmBuild {
        files: packed.files,
        packages: packed.packages,
        warnings,
    })
}

/// Write a pack into the project: each package's folder is emptied first (an older version
/// may have had other files), then every file is written atomically.
pub fn write_into_project(root: &Path, build: &NpmBuild) -> io::Result<()> {
    for p in &build.packages {
        // Only ever a folder inside a `miniprogram_npm`.
        if !p.dest.split('/').any(|s| s == "miniprogram_npm") {
            continue;
        }
        let dir = root.join(&p.dest);
        if std::fs::symlink_metadata(&dir).is_ok() {
            std::fs::remove_dir_all(&dir)?;
        }
    }
    crate::output::write_dir(&build.files, root)
}

/// The npm side of `project.config.json`, and the `package.json` files that count.
#[derive(Debug, Clone)]
struct ProjectNpm {
    mp_root: String,
    /// `cloudfunctionRoot`: Node.js code for the cloud, not the mini-program's.
    cloud_root: Option<String>,
    groups: Vec<Group>,
    notes: Vec<Note>,
}

impl ProjectNpm {
    fn read(tree: &SourceTree) -> Self {
        let json = |p: &str| {
            tree.get(p)
                .and_then(|b| serde_json::from_slice::<Value>(b).ok())
        };
        let config = json("project.config.json").unwrap_or(Value::Null);
        let private = json("project.private.config.json").unwrap_or(Value::Null);
        // `project.private.config.json` overrides `setting` keys, as in DevTools.
        let setting = |k: &str| {
            private
                .pointer(&format!("/setting/{k}"))
                .or_else(|| config.pointer(&format!("/setting/{k}")))
                .cloned()
        };
        let mp_root = config
            .get("miniprogramRoot")
            .and_then(Value::as_str)
            .and_then(normalize)
            .unwrap_or_default();
        let cloud_root = config
            .get("cloudfunctionRoot")
            .and_then(Value::as_str)
            .and_then(normalize)
            .filter(|r| !r.is_empty());
        let in_cloud = |p: &str| {
            cloud_root
                .as_deref()
                .is_some_and(|c| p == c || p.starts_with(&format!("{c}/")))
        };
        let mut groups: Vec<Group> = vec![];
        let mut notes = vec![];
        let mut add = |base: String, dist: String| {
            if !groups.iter().any(|g| g.base == base) {
                groups.push(Group {
                    base,
                    dist,
                    keep: BTreeSet::new(),
                });
            }
        };
        let manual = setting("packNpmManually").and_then(|v| v.as_bool()) == Some(true);
        if manual {
            for rel in setting("packNpmRelationList")
                .and_then(|v| v.as_array().cloned())
                .unwrap_or_default()
            {
                let field = |k: &str| rel.get(k).and_then(Value::as_str).map(str::to_string);
                let pj = field("packageJsonPath").and_then(|p| normalize(&p));
                let dist = field("miniprogramNpmDistDir").and_then(|p| normalize(&p));
                match (pj, dist) {
                    (Some(pj), Some(dist)) => add(dir_of(&pj).to_string(), dist),
                    _ => notes.push(Note {
                        code: pack::NoteCode::BadManifest,
                        message: format!(
                            "`packNpmRelationList` entry {rel} needs `packageJsonPath` and `miniprogramNpmDistDir` inside the project"
                        ),
                        file: Some("project.config.json".into()),
                        help: None,
                    }),
                }
            }
        }
        add(mp_root.clone(), mp_root.clone());
        if !manual {
            let lead = if mp_root.is_empty() {
                String::new()
            } else {
                format!("{mp_root}/")
            };
            let nested: Vec<String> = tree
                .paths()
                .filter(|p| p.starts_with(&lead) && p.ends_with("/package.json"))
                .filter(|p| !p.split('/').any(|s| s == "miniprogram_npm"))
                .map(|p| dir_of(p).to_string())
                .filter(|d| !in_cloud(d))
                .collect();
            for base in nested {
                add(base.clone(), base);
            }
        }
        add(String::new(), mp_root.clone());
        Self {
            mp_root,
            cloud_root,
            groups,
            notes,
        }
    }
}

/// A bare module specifier in the app's own scripts.
#[derive(Debug, Clone)]
struct AppSpec {
    /// Relative to the project root.
    file: String,
    span: (usize, usize),
    spec: String,
}

fn app_specs(tree: &SourceTree, cfg: &ProjectNpm) -> Vec<AppSpec> {
    let mp_root = cfg.mp_root.as_str();
    let cloud = cfg.cloud_root.as_ref().map(|c| format!("{c}/"));
    let lead = if mp_root.is_empty() {
        String::new()
    } else {
        format!("{mp_root}/")
    };
    let mut out = vec![];
    for path in tree.paths() {
        let script = path.ends_with(".js") || (path.ends_with(".ts") && !path.ends_with(".d.ts"));
        if !script
            || !path.starts_with(&lead)
            || path.split('/').any(|s| s == "miniprogram_npm")
            || cloud.as_deref().is_some_and(|c| path.starts_with(c))
        {
            continue;
        }
        let Ok(text) = tree.text(path) else { continue };
        for (s, e, spec) in scan::bare_specs(&text) {
            out.push(AppSpec {
                file: path.to_string(),
                span: (s, e),
                spec: spec.to_string(),
            });
        }
    }
    out
}

fn params_hash(groups: &[Group], wanted: &[(String, String)]) -> String {
    let v = json!({
        "format": PACK_FORMAT,
        "cove": env!("CARGO_PKG_VERSION"),
        "groups": groups,
        "wanted": wanted,
    });
    let mut h = Sha256::new();
    for src in PACKER_SOURCE {
        h.update(src.as_bytes());
    }
    h.update(v.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// The tree with each packed package in place of any older copy of it.
fn merge(tree: SourceTree, packed: &Packed) -> SourceTree {
    let stale: Vec<String> = packed
        .packages
        .iter()
        .filter(|p| tree.is_dir(&p.dest))
        .map(|p| format!("{}/", p.dest))
        .collect();
    let mut tree = if stale.is_empty() {
        tree
    } else {
        let kept = tree
            .paths()
            .filter(|p| !stale.iter().any(|s| p.starts_with(s.as_str())))
            .filter_map(|p| Some((p.to_string(), tree.get(p)?.to_vec())))
            .collect::<Vec<_>>();
        let mut t = SourceTree::from_files(kept);
        t.package_name = tree.package_name.clone();
        t
    };
    for (p, b) in &packed.files {
        tree.insert(p, b.clone());
    }
    tree
}

/// Newest modification time of a folder and its direct children (`@scope` folders looked
/// into): what an install or a pack touches.
fn newest(dir: &Path) -> Duration {
    let mtime = |p: &Path| {
        std::fs::metadata(p)
            .ok()
            .map(|m| disk::mtime_ns(&m))
            .unwrap_or(0)
    };
    let mut t = mtime(dir);
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            t = t.max(mtime(&p));
            if e.file_name().to_string_lossy().starts_with('@')
                && let Ok(inner) = std::fs::read_dir(&p)
            {
                for i in inner.flatten() {
                    t = t.max(mtime(&i.path()));
                }
            }
        }
    }
    Duration::from_nanos(u64::try_from(t).unwrap_or(0))
}

/// When `node_modules` last changed: its folders (npm keeps the files' 1985 dates from the
/// tarballs, but creates the folders) and the package managers' own records.
fn node_modules_time(nm: &Path) -> Duration {
    let mut t = newest(nm);
    for f in [
        ".package-lock.json",
        ".modules.yaml",
        ".yarn-integrity",
        ".yarn-state.yml",
    ] {
        if let Ok(m) = std::fs::metadata(nm.join(f)) {
            t = t.max(Duration::from_nanos(
                u64::try_from(disk::mtime_ns(&m)).unwrap_or(0),
            ));
        }
    }
    t
}

/// `lodash`, `@vant/weapp`: the packages right inside a `miniprogram_npm` of the tree.
fn top_level_names(tree: &SourceTree, npm_dir: &str) -> BTreeSet<String> {
    let lead = format!("{npm_dir}/");
    let mut out = BTreeSet::new();
    for p in tree.paths().filter(|p| p.starts_with(&lead)) {
        let mut segs = p[lead.len()..].split('/');
        let (Some(a), Some(b)) = (segs.next(), segs.next()) else {
            continue;
        };
        if a.starts_with('@') {
            if segs.next().is_some() {
                out.insert(format!("{a}/{b}"));
            }
        } else {
            out.insert(a.to_string());
        }
    }
    out
}

/// One warning per package that a `package.json` lists, the app requires, and neither
/// `node_modules` nor a `miniprogram_npm` provides.
fn not_installed(
    root: &Path,
    tree: &SourceTree,
    cfg: &ProjectNpm,
    specs: &mut Option<Vec<AppSpec>>,
) -> (Vec<Diagnostic>, BTreeSet<String>) {
    let mut declared: BTreeMap<String, String> = BTreeMap::new();
    for g in &cfg.groups {
        let Some(manifest) = std::fs::read(root.join(&g.base).join("package.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        else {
            continue;
        };
        for name in pack::deps_of(&manifest) {
            let installed = ancestors(&g.base).any(|d| {
                root.join(d)
                    .join("node_modules")
                    .join(&name)
                    .join("package.json")
                    .is_file()
            });
            if !installed {
                declared.entry(name).or_insert_with(|| g.base.clone());
            }
        }
    }
    let mut warnings = vec![];
    let mut missing = BTreeSet::new();
    if declared.is_empty() {
        return (warnings, missing);
    }
    for s in specs.get_or_insert_with(|| app_specs(tree, cfg)).iter() {
        let Some((name, _)) = scan::split_bare(&s.spec) else {
            continue;
        };
        let Some(base) = declared.get(name) else {
            continue;
        };
        if missing.contains(name) {
            continue;
        }
        let provided = ancestors(dir_of(&s.file))
            .any(|d| tree.is_dir(&join(&join(d, "miniprogram_npm"), name)));
        if provided {
            continue;
        }
        missing.insert(name.to_string());
        let place = if base.is_empty() {
            "the project folder".to_string()
        } else {
            format!("`{base}/`")
        };
        let file = display_path(&cfg.mp_root, &s.file);
        let text = tree.text(&s.file).ok();
        // A workspace may have hoisted it above the project, where no build may read.
        let hoisted = std::fs::canonicalize(root).ok().and_then(|r| {
            r.ancestors()
                .skip(1)
                .map(|a| a.join("node_modules").join(name))
                .find(|p| p.join("package.json").is_file())
        });
        let help = match hoisted {
            Some(p) => format!(
                "it is installed at {}, above the project, where a mini-program build does not look (nor does DevTools): install it in {place} (a workspace's nohoist, or `npm install --install-strategy=nested`); until then this `require` throws when it runs",
                p.display()
            ),
            None => format!(
                "run `npm install` in {place}, then build again (Cove packs `node_modules` itself); until then this `require` throws when it runs"
            ),
        };
        warnings.push(
            Diagnostic::warning(
                "npm-not-installed",
                format!("package `{name}` is in `package.json` `dependencies` but not installed"),
            )
            .in_file(&file, text)
            .at(s.span.0, s.span.1)
            .help(help),
        );
    }
    (warnings, missing)
}

/// `a/b/c`, `a/b`, `a`, `` — a folder and each parent, to the project root.
fn ancestors(dir: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(dir);
    std::iter::from_fn(move || {
        let cur = next?;
        next = (!cur.is_empty()).then(|| dir_of(cur));
        Some(cur)
    })
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}/{b}"),
    }
}

/// A project-root path as the compiler's diagnostics show paths: from the mini-program root.
fn display_path(mp_root: &str, path: &str) -> String {
    if mp_root.is_empty() {
        return path.to_string();
    }
    match path.strip_prefix(&format!("{mp_root}/")) {
        Some(rest) => rest.to_string(),
        None => format!("{}{path}", "../".repeat(mp_root.split('/').count())),
    }
}

fn note_diag(n: &Note, mp_root: &str) -> Diagnostic {
    let mut d = Diagnostic::warning(n.code.as_str(), n.message.clone());
    if let Some(f) = &n.file {
        d = d.in_file(&display_path(mp_root, f), None);
    }
    if let Some(h) = &n.help {
        d = d.help(h.clone());
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_relation_list_and_roots() {
        let tree = SourceTree::from_files([
            (
                "project.config.json",
                r#"{"miniprogramRoot":"miniprogram/","setting":{"packNpmManually":true,
                   "packNpmRelationList":[{"packageJsonPath":"./lib/package.json","miniprogramNpmDistDir":"./miniprogram/"}]}}"#,
            ),
            ("miniprogram/app.json", "{}"),
        ]);
        let cfg = ProjectNpm::read(&tree);
        assert_eq!(cfg.mp_root, "miniprogram");
        let pairs: Vec<_> = cfg
            .groups
            .iter()
            .map(|g| (g.base.as_str(), g.dist.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("lib", "miniprogram"),
                ("miniprogram", "miniprogram"),
                ("", "miniprogram")
            ]
        );
    }

    #[test]
    fn paths_and_names() {
        assert_eq!(display_path("mp", "mp/a.js"), "a.js");
        assert_eq!(display_path("mp/x", "package.json"), "../../package.json");
        assert_eq!(ancestors("a/b").collect::<Vec<_>>(), ["a/b", "a", ""]);
        let tree = SourceTree::from_files([
            ("miniprogram_npm/a/index.js", ""),
            ("miniprogram_npm/@s/b/index.js", ""),
            ("miniprogram_npm/@s/stray.js", ""),
        ]);
        assert_eq!(
            top_level_names(&tree, "miniprogram_npm")
                .into_iter()
                .collect::<Vec<_>>(),
            ["@s/b", "a"]
        );
    }
}
