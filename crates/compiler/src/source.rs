//! The project's files, read once into memory and addressed by `/`-separated paths
//! relative to the mini-program root. Keeping them in memory makes builds reproducible
//! (one sorted view of the tree) and lets the fuzzer feed projects without a disk.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;
use std::sync::Arc;

use crate::diagnostic::Diagnostic;

/// Directories never part of a mini-program's sources.
const SKIPPED_DIRS: &[&str] = &[".git", ".svn", ".hg", ".idea", ".vscode", "node_modules"];

#[derive(Debug, Default, Clone)]
pub struct SourceTree {
    files: BTreeMap<String, Arc<[u8]>>,
    /// The npm name of the package this tree is, when building a component library:
    /// its own components may name each other as `<name>/button/button`.
    pub package_name: Option<String>,
    /// `app.json` `resolveAlias`, applied wherever a module or component path is resolved.
    pub aliases: crate::alias::Aliases,
}

impl SourceTree {
    pub fn from_files<I, P, B>(files: I) -> Self
    where
        I: IntoIterator<Item = (P, B)>,
        P: AsRef<str>,
        B: Into<Vec<u8>>,
    {
        let mut tree = Self::default();
        for (p, b) in files {
            if let Some(p) = normalize(p.as_ref()) {
                tree.files.insert(p, Arc::from(b.into()));
            }
        }
        tree
    }

    /// Read every file below `root`, skipping VCS folders and `node_modules`.
    /// Packages in `node_modules` that are not yet built into `miniprogram_npm` are mapped
    /// there the way WeChat DevTools' "build npm" does (see [`crate::npm`]).
    pub fn from_dir(root: &Path) -> io::Result<Self> {
        let mut tree = Self::default();
        read_dir_into(root, "", &mut tree.files)?;
        Ok(tree)
    }

    pub fn insert(&mut self, path: &str, bytes: impl Into<Vec<u8>>) {
        if let Some(p) = normalize(path) {
            self.files.insert(p, Arc::from(bytes.into()));
        }
    }

    /// `spec` with this package's own name removed (`<name>/a/b` is `a/b`).
    pub fn strip_own_package<'s>(&self, spec: &'s str) -> Option<&'s str> {
        let name = self.package_name.as_deref()?;
        spec.strip_prefix(name)?.strip_prefix('/')
    }

    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(|b| &b[..])
    }

    /// The file as UTF-8 text (a leading BOM removed).
    pub fn text(&self, path: &str) -> Result<Arc<str>, Diagnostic> {
        let bytes = self.get(path).ok_or_else(|| {
            Diagnostic::error("file-not-found", format!("file `{path}` not found"))
        })?;
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Arc::from(s)),
            Err(e) => Err(Diagnostic::error(
                "invalid-utf8",
                format!(
                    "`{path}` is not valid UTF-8 (bad byte at offset {})",
                    e.valid_up_to()
                ),
            )
            .in_file(path, None)),
        }
    }

    /// Does a directory with this path hold any file?
    pub fn is_dir(&self, path: &str) -> bool {
        let prefix = format!("{}/", path.trim_end_matches('/'));
        self.files
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix))
    }

    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// A sub-tree: the files under `prefix/`, re-rooted there.
    pub fn subtree(&self, prefix: &str) -> Self {
        let prefix = prefix.trim_matches('/');
        if prefix.is_empty() {
            return self.clone();
        }
        let lead = format!("{prefix}/");
        let files = self
            .files
            .range(lead.clone()..)
            .take_while(|(k, _)| k.starts_with(&lead))
            .map(|(k, v)| (k[lead.len()..].to_string(), v.clone()))
            .collect();
        Self {
            files,
            package_name: self.package_name.clone(),
            aliases: self.aliases.clone(),
        }
    }
}

fn read_dir_into(
    dir: &Path,
    prefix: &str,
    out: &mut BTreeMap<String, Arc<[u8]>>,
) -> io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let ty = entry.file_type()?;
        let rel = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}/{name}")
        };
        if ty.is_dir() {
            if SKIPPED_DIRS.contains(&name) {
                continue;
            }
            read_dir_into(&entry.path(), &rel, out)?;
        } else if ty.is_file() {
            out.insert(rel, Arc::from(std::fs::read(entry.path())?));
        }
        // Symlinks are skipped: a project must not pull in files from outside its root.
    }
    Ok(())
}

/// Normalise a relative path: `/`-separated, no `.`/`..`, no leading slash.
/// Returns `None` for paths that escape the root.
pub fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split(['/', '\\']) {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// Resolve `rel` against the directory of `from` (a file path). A leading `/` means the root.
pub fn resolve_from(from: &str, rel: &str) -> Option<String> {
    if let Some(abs) = rel.strip_prefix('/') {
        return normalize(abs);
    }
    normalize(&format!("{}/{rel}", dir_of(from)))
}

/// The paths a module or component specifier may name, in WeChat DevTools' order:
/// `/abs` and `./rel` as written; a bare path relative to `from` first, then
/// `miniprogram_npm/<spec>` in `from`'s folder and each parent, then the tree's own package.
/// A `resolveAlias` match replaces all of that with the path it maps to.
pub fn candidate_paths(tree: &SourceTree, from: &str, spec: &str) -> Vec<String> {
    if let Some(mapped) = tree.aliases.apply(spec) {
        return resolve_from(from, &mapped).into_iter().collect();
    }
    let mut out: Vec<String> = resolve_from(from, spec).into_iter().collect();
    let explicit = spec.starts_with('/')
        || spec == "."
        || spec == ".."
        || spec.starts_with("./")
        || spec.starts_with("../");
    if explicit {
        return out;
    }
    let mut dir = dir_of(from);
    loop {
        let npm = if dir.is_empty() {
            "miniprogram_npm".to_string()
        } else {
            format!("{dir}/miniprogram_npm")
        };
        out.extend(normalize(&format!("{npm}/{spec}")));
        if dir.is_empty() {
            break;
        }
        dir = dir_of(dir);
    }
    out.extend(tree.strip_own_package(spec).and_then(normalize));
    out
}

pub fn dir_of(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_and_resolves() {
        assert_eq!(normalize("a/./b/../c").as_deref(), Some("a/c"));
        assert_eq!(normalize("../x"), None);
        assert_eq!(
            resolve_from("pages/a/a.json", "../../c/d").as_deref(),
            Some("c/d")
        );
        assert_eq!(
            resolve_from("pages/a/a.json", "/c/d").as_deref(),
            Some("c/d")
        );
        assert_eq!(resolve_from("a.json", "../x"), None);
    }
}
