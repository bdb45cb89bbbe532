//! The packer: from each `package.json`'s `dependencies` to the files `miniprogram_npm` holds.
//!
//! As WeChat DevTools (`miniprogram-ci` `packNpm`): the roots are `dependencies`, each
//! package's own `dependencies` follow, found Node-style (its nested `node_modules` first,
//! then up the tree); a package with a `miniprogram` folder (default `miniprogram_dist/`) is
//! copied whole; any other is packed from `main` (default `index.js`) with every module it
//! reaches. Unlike DevTools, which wraps those modules into one `index.js`, Cove copies
//! them as they are (see `docs/compiler.md`), so sub-path requires (`lodash/get`) work too.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::disk::Disk;
use super::scan::{bare_specs, module_specs, split_bare};
use crate::source::{dir_of, normalize};

/// One `package.json` whose `dependencies` are packed, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Group {
    /// Folder of the `package.json`, relative to the project root (`""` for the root).
    pub base: String,
    /// Folder that gets `miniprogram_npm/`, relative to the project root.
    pub dist: String,
    /// Top-level packages an up-to-date `miniprogram_npm` already holds: used as they are.
    pub keep: BTreeSet<String>,
}

/// How a package was packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageKind {
    /// It ships a mini-program build (`miniprogram` field or `miniprogram_dist/`): copied.
    Component,
    /// An ordinary JS package: its entry and every module it reaches.
    Js,
}

/// A package now in `miniprogram_npm`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackedPackage {
    pub name: String,
    pub version: String,
    pub kind: PackageKind,
    /// Its folder, relative to the project root (`miniprogram/miniprogram_npm/dayjs`).
    pub dest: String,
    pub files: usize,
    pub bytes: u64,
}

/// Something the user should know; becomes a warning [`crate::Diagnostic`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Note {
    pub code: NoteCode,
    pub message: String,
    /// Relative to the project root.
    pub file: Option<String>,
    pub help: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum NoteCode {
    NoEntry,
    OutsideProject,
    BadManifest,
}

impl NoteCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoEntry => "npm-no-entry",
            Self::OutsideProject => "npm-outside-project",
            Self::BadManifest => "npm-bad-package",
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Packed {
    /// Paths relative to the project root.
    pub files: BTreeMap<String, Vec<u8>>,
    pub packages: Vec<PackedPackage>,
    pub notes: Vec<Note>,
}

/// Pack every group. `wanted` holds the bare specifiers the app's own scripts use, each
/// with the folder (relative to the project root) of the file that uses it: their
/// sub-paths (`dayjs/plugin/utc`) are packed too.
pub(crate) fn pack(disk: &mut Disk, groups: &[Group], wanted: &[(String, String)]) -> Packed {
    let mut p = Packer {
        disk,
        groups,
        pkgs: vec![],
        by_dest: HashMap::new(),
        queue: VecDeque::new(),
        notes: vec![],
    };
    for (gi, g) in groups.iter().enumerate() {
        let root = p.root();
        let roots = if p.disk.is_file(&root, &join(&g.base, "package.json")) {
            match p.manifest(&g.base) {
                Some(manifest) => deps_of(&manifest),
                None => continue,
            }
        } else {
            // A `node_modules` with no `package.json` beside it (copied in, or from an old
            // npm): every package in it counts, as Cove always packed them.
            p.installed(&join(&g.base, "node_modules"))
        };
        for name in roots {
            if let Some(found) = p.find_package(&g.base, None, &name)
                && let Some(i) = p.add_package(found, gi, None, &name)
            {
                p.pkgs[i].direct = true;
            }
        }
    }
    p.drain();
    // Sub-paths the app and the copied component packages name.
    let mut wants: Vec<(String, String)> = wanted.to_vec();
    for pkg in &p.pkgs {
        if pkg.kind != PackageKind::Component {
            continue;
        }
        for (rel, bytes) in &pkg.files {
            if rel.ends_with(".js")
                && let Ok(text) = std::str::from_utf8(bytes)
            {
                let dir = join(&pkg.dest, dir_of(rel));
                for (_, _, spec) in bare_specs(text) {
                    wants.push((dir.clone(), spec.to_string()));
                }
            }
        }
    }
    for (dir, spec) in &wants {
        let Some((name, sub)) = split_bare(spec) else {
            continue;
        };
        if let Some(i) = p.visible(dir, name)
            && p.pkgs[i].kind == PackageKind::Js
        {
            p.queue.push_back((i, sub.to_string()));
        }
    }
    p.drain();
    p.finish()
}

/// `dependencies` of a manifest, sorted (DevTools ignores `devDependencies`).
pub(crate) fn deps_of(manifest: &Value) -> Vec<String> {
    let mut v: Vec<String> = manifest
        .get("dependencies")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    v.sort();
    v
}

struct Pkg {
    name: String,
    version: String,
    kind: PackageKind,
    /// Canonical folder on disk.
    dir: PathBuf,
    /// Where it was found, relative to the project root (Node looks up from here).
    logical: String,
    real: Option<String>,
    dest: String,
    manifest: Value,
    manifest_rel: String,
    files: BTreeMap<String, Vec<u8>>,
    entries: BTreeSet<String>,
    /// `Some(None)`: looked for and missing.
    main: Option<Option<String>>,
    /// Listed by a project's own `package.json` (not only another package's).
    direct: bool,
}

struct Packer<'d> {
    disk: &'d mut Disk,
    groups: &'d [Group],
    pkgs: Vec<Pkg>,
    by_dest: HashMap<String, usize>,
    /// (package, entry): `""` is the package's main, anything else a path inside it.
    queue: VecDeque<(usize, String)>,
    notes: Vec<Note>,
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}/{b}"),
    }
}

/// `a/node_modules/b/node_modules/@s/c` has the layout Node gives nested packages.
fn nested_layout(segs: &[&str]) -> bool {
    let mut i = 0;
    while i < segs.len() {
        if segs[i] != "node_modules" || i + 1 >= segs.len() {
            return false;
        }
        i += if segs[i + 1].starts_with('@') { 3 } else { 2 };
    }
    i == segs.len()
}

impl Packer<'_> {
    fn root(&self) -> PathBuf {
        self.disk.root().to_path_buf()
    }

    fn manifest(&mut self, dir: &str) -> Option<Value> {
        let root = self.root();
        let rel = join(dir, "package.json");
        let bytes = self.disk.read(&root, &rel)?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(v) if v.is_object() => Some(v),
            _ => {
                self.notes.push(Note {
                    code: NoteCode::BadManifest,
                    message:
                        "this `package.json` is not a JSON object; its packages are not packed"
                            .into(),
                    file: Some(rel),
                    help: None,
                });
                None
            }
        }
    }

    /// The packages right inside a `node_modules` (`@scope/name` for scoped ones).
    fn installed(&mut self, nm: &str) -> Vec<String> {
        let root = self.root();
        let mut out = vec![];
        for (name, is_dir) in self.disk.list(&root, nm) {
            if !is_dir || name.starts_with('.') {
                continue;
            }
            if name.starts_with('@') {
                for (inner, is_dir) in self.disk.list(&root, &join(nm, &name)) {
                    if is_dir {
                        out.push(format!("{name}/{inner}"));
                    }
                }
            } else {
                out.push(name);
            }
        }
        out
    }

    /// Node's lookup: `<dir>/node_modules/<name>` from `from` up to the project root,
    /// skipping folders that are themselves `node_modules`. A package reached through a
    /// symlink (pnpm) also looks beside its real folder.
    fn find_package(&mut self, from: &str, real: Option<&str>, name: &str) -> Option<String> {
        let root = self.root();
        for start in [Some(from), real].into_iter().flatten() {
            let mut dir = start.to_string();
            loop {
                if dir.rsplit('/').next() != Some("node_modules") {
                    let cand = join(&join(&dir, "node_modules"), name);
                    if self.disk.is_file(&root, &join(&cand, "package.json")) {
                        return Some(cand);
                    }
                }
                if dir.is_empty() {
                    break;
                }
                dir = dir_of(&dir).to_string();
            }
        }
        None
    }

    /// The packed package `<dir>/miniprogram_npm/<name>` nearest `dir` and up, as the
    /// compiler's `require` resolution finds it.
    fn visible(&self, dir: &str, name: &str) -> Option<usize> {
        let mut d = dir.to_string();
        loop {
            if let Some(&i) = self.by_dest.get(&join(&join(&d, "miniprogram_npm"), name)) {
                return Some(i);
            }
            if d.is_empty() {
                return None;
            }
            d = dir_of(&d).to_string();
        }
    }

    fn dest_for(
        &self,
        logical: &str,
        dir: &Path,
        group: usize,
        requester: Option<usize>,
        name: &str,
    ) -> String {
        let dist = &self.groups[group].dist;
        let segs: Vec<&str> = logical.split('/').collect();
        if let Some(first) = segs.iter().position(|s| *s == "node_modules")
            && nested_layout(&segs[first..])
        {
            let tail: Vec<&str> = segs[first..]
                .iter()
                .map(|s| {
                    if *s == "node_modules" {
                        "miniprogram_npm"
                    } else {
                        s
                    }
                })
                .collect();
            return join(dist, &tail.join("/"));
        }
        // Found beside a real folder (pnpm's `.pnpm/…`): flat if free, else nested under
        // the package that needs it.
        let flat = join(&join(dist, "miniprogram_npm"), name);
        match (self.by_dest.get(&flat), requester) {
            (Some(&i), Some(r)) if self.pkgs[i].dir != *dir => {
                join(&join(&self.pkgs[r].dest, "miniprogram_npm"), name)
            }
            _ => flat,
        }
    }

    fn add_package(
        &mut self,
        logical: String,
        group: usize,
        requester: Option<usize>,
        name: &str,
    ) -> Option<usize> {
        // Type declarations only, as DevTools' `node_modules/@types/**` ignore.
        if name.starts_with("@types/") {
            return None;
        }
        let root = self.root();
        let dir = self.disk.inside(&root, &logical)?;
        let dest = self.dest_for(&logical, &dir, group, requester, name);
        if let Some(&i) = self.by_dest.get(&dest) {
            return Some(i);
        }
        let g = &self.groups[group];
        if dest == join(&join(&g.dist, "miniprogram_npm"), name) && g.keep.contains(name) {
            return None;
        }
        let manifest = self.manifest(&logical)?;
        let str_field = |k: &str| manifest.get(k).and_then(Value::as_str).map(str::to_string);
        let version = str_field("version").unwrap_or_default();
        let mp_dir = str_field("miniprogram")
            .and_then(|m| normalize(&m))
            .unwrap_or_else(|| "miniprogram_dist".into());
        let kind = if self.disk.is_dir(&dir, &mp_dir) {
            PackageKind::Component
        } else {
            PackageKind::Js
        };
        let i = self.pkgs.len();
        let deps = deps_of(&manifest);
        // Its real folder, when a symlink (pnpm) put it elsewhere: Node looks up from there.
        let real = dir
            .strip_prefix(&root)
            .ok()
            .and_then(|p| p.to_str())
            .map(|p| p.replace('\\', "/"))
            .filter(|r| *r != logical);
        self.pkgs.push(Pkg {
            name: name.to_string(),
            version,
            kind,
            dir,
            logical: logical.clone(),
            real: real.clone(),
            dest: dest.clone(),
            manifest,
            manifest_rel: join(&logical, "package.json"),
            files: BTreeMap::new(),
            entries: BTreeSet::new(),
            main: None,
            direct: requester.is_none(),
        });
        self.by_dest.insert(dest, i);
        match kind {
            PackageKind::Component => self.copy_tree(i, &mp_dir, ""),
            PackageKind::Js => self.queue.push_back((i, String::new())),
        }
        for dep in deps {
            if let Some(found) = self.find_package(&logical, real.as_deref(), &dep) {
                self.add_package(found, group, Some(i), &dep);
            }
        }
        Some(i)
    }

    /// Copy `<package>/<from>/<rel>` whole (a component package's build), `node_modules`
    /// left out, as DevTools does.
    fn copy_tree(&mut self, i: usize, from: &str, rel: &str) {
        let dir = self.pkgs[i].dir.clone();
        let here = join(from, rel);
        for (name, is_dir) in self.disk.list(&dir, &here) {
            let child = join(rel, &name);
            if is_dir {
                if name != "node_modules" {
                    self.copy_tree(i, from, &child);
                }
            } else if let Some(bytes) = self.disk.read(&dir, &join(from, &child)) {
                self.pkgs[i].files.insert(child, bytes);
            }
        }
    }

    fn drain(&mut self) {
        while let Some((i, entry)) = self.queue.pop_front() {
            if !self.pkgs[i].entries.insert(entry.clone()) {
                continue;
            }
            let found = if entry.is_empty() {
                let main = self.pkgs[i]
                    .manifest
                    .get("main")
                    .and_then(Value::as_str)
                    .filter(|m| !m.trim().is_empty())
                    .unwrap_or("index.js")
                    .to_string();
                // `"main": "./"` means the folder: its index.js.
                let found = normalize(&main)
                    .map(|m| if m.is_empty() { "index.js".into() } else { m })
                    .and_then(|m| self.resolve(i, &m, 0));
                self.pkgs[i].main = Some(found.clone());
                found
            } else {
                normalize(&entry).and_then(|e| self.resolve(i, &e, 0))
            };
            if let Some(rel) = found {
                self.add_file(i, rel);
            }
        }
    }

    /// A path inside package `i` as the compiler resolves it: the file, `.js`, `.json`,
    /// then a folder's `package.json` `main` or `index.js`.
    fn resolve(&mut self, i: usize, base: &str, depth: u8) -> Option<String> {
        let dir = self.pkgs[i].dir.clone();
        if !base.is_empty() {
            if (base.ends_with(".js") || base.ends_with(".json")) && self.disk.is_file(&dir, base) {
                return Some(base.to_string());
            }
            for ext in ["js", "json"] {
                let cand = format!("{base}.{ext}");
                if self.disk.is_file(&dir, &cand) {
                    return Some(cand);
                }
            }
        }
        if depth > 8 || !self.disk.is_dir(&dir, base) {
            return None;
        }
        if base.is_empty() {
            // The package itself: its main.
            self.queue.push_back((i, String::new()));
            return None;
        }
        let pj = join(base, "package.json");
        if let Some(bytes) = self.disk.read(&dir, &pj)
            && let Ok(v) = serde_json::from_slice::<Value>(&bytes)
            && let Some(main) = v.get("main").and_then(Value::as_str)
            && let Some(m) = normalize(&join(base, main))
            && m != base
            && let Some(found) = self.resolve(i, &m, depth + 1)
        {
            // The compiler reads this `main` too.
            self.pkgs[i].files.insert(pj, bytes);
            return Some(found);
        }
        let index = join(base, "index.js");
        self.disk.is_file(&dir, &index).then_some(index)
    }

    fn add_file(&mut self, i: usize, rel: String) {
        let mut work = vec![rel];
        while let Some(rel) = work.pop() {
            if self.pkgs[i].files.contains_key(&rel) {
                continue;
            }
            let dir = self.pkgs[i].dir.clone();
            let Some(bytes) = self.disk.read(&dir, &rel) else {
                continue;
            };
            let specs = if rel.ends_with(".js") {
                std::str::from_utf8(&bytes)
                    .map(module_specs)
                    .unwrap_or_default()
            } else {
                vec![]
            };
            self.pkgs[i].files.insert(rel.clone(), bytes);
            let from_dir = dir_of(&rel).to_string();
            for spec in specs {
                let relative = spec == "."
                    || spec == ".."
                    || spec.starts_with("./")
                    || spec.starts_with("../");
                if spec.starts_with('/') {
                    continue;
                }
                // Relative, and (as the compiler tries first) bare specifiers as a path.
                if let Some(base) = normalize(&join(&from_dir, &spec))
                    && let Some(found) = self.resolve(i, &base, 0)
                {
                    work.push(found);
                    continue;
                }
                if relative {
                    continue;
                }
                let Some((name, sub)) = split_bare(&spec) else {
                    continue;
                };
                if name == self.pkgs[i].name {
                    self.queue.push_back((i, sub.to_string()));
                    continue;
                }
                let logical = self.pkgs[i].logical.clone();
                let real = self.pkgs[i].real.clone();
                let group = self.group_of(i);
                if let Some(found) = self.find_package(&logical, real.as_deref(), name)
                    && let Some(j) = self.add_package(found, group, Some(i), name)
                {
                    self.queue.push_back((j, sub.to_string()));
                }
            }
        }
    }

    fn group_of(&self, i: usize) -> usize {
        let dest = &self.pkgs[i].dest;
        self.groups
            .iter()
            .position(|g| dest.starts_with(&join(&g.dist, "miniprogram_npm/")))
            .unwrap_or(0)
    }

    fn finish(mut self) -> Packed {
        let mut out = Packed::default();
        let mut pkgs = std::mem::take(&mut self.pkgs);
        pkgs.sort_by(|a, b| a.dest.cmp(&b.dest));
        for mut pkg in pkgs {
            if pkg.kind == PackageKind::Js {
                match pkg.main.clone().flatten() {
                    Some(main) if main != "index.js" => {
                        // DevTools always writes `index.js`: WeChat's `require('pkg')` looks
                        // there. Where the package has its own, a `package.json` names main.
                        let rel_main = format!("./{main}");
                        if pkg.files.contains_key("index.js") {
                            let pj = serde_json::json!({
                                "name": pkg.name, "version": pkg.version, "main": rel_main,
                            });
                            pkg.files
                                .insert("package.json".into(), pj.to_string().into_bytes());
                        } else {
                            let shim =
                                format!("module.exports = require({});\n", Value::String(rel_main));
                            pkg.files.insert("index.js".into(), shim.into_bytes());
                        }
                    }
                    Some(_) => {}
                    None => {
                        let declared = pkg.manifest.get("main").and_then(Value::as_str);
                        let types_only = declared.is_none_or(|m| m.trim().is_empty())
                            && (pkg.manifest.get("types").is_some()
                                || pkg.manifest.get("typings").is_some());
                        // Another package's dependency that nothing requires is not worth
                        // a warning: a `require` of it gets the compiler's.
                        if pkg.files.is_empty() && !types_only && pkg.direct {
                            self.notes.push(Note {
                                code: NoteCode::NoEntry,
                                message: format!(
                                    "package `{}` has no entry file (`main` is `{}`); it is not packed",
                                    pkg.name,
                                    declared.unwrap_or("index.js")
                                ),
                                file: Some(pkg.manifest_rel.clone()),
                                help: Some(
                                    "WeChat DevTools skips it too; a `require` of it throws when it runs"
                                        .into(),
                                ),
                            });
                        }
                    }
                }
            }
            if pkg.files.is_empty() {
                continue;
            }
            let files = pkg.files.len();
            let mut bytes = 0u64;
            for (rel, b) in pkg.files {
                bytes += b.len() as u64;
                out.files.insert(join(&pkg.dest, &rel), b);
            }
            out.packages.push(PackedPackage {
                files,
                name: pkg.name,
                version: pkg.version,
                kind: pkg.kind,
                dest: pkg.dest,
                bytes,
            });
        }
        let root = self.root();
        for p in std::mem::take(&mut self.disk.outside) {
            let rel = p
                .strip_prefix(&root)
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .unwrap_or_else(|_| p.display().to_string());
            self.notes.push(Note {
                code: NoteCode::OutsideProject,
                message: format!("`{rel}` is a symlink out of the project; it is not followed"),
                file: None,
                help: Some("install the package inside the project (no `npm link`)".into()),
            });
        }
        out.notes = self.notes;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_nested_layouts() {
        let ok = |s: &str| nested_layout(&s.split('/').collect::<Vec<_>>());
        assert!(ok("node_modules/a"));
        assert!(ok("node_modules/@s/a/node_modules/b"));
        assert!(!ok("node_modules/.pnpm/a@1/node_modules/a"));
        assert!(!ok("node_modules/@s"));
    }
}
