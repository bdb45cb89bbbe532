//! File access for the packer that stays inside the project and remembers what it saw: every
//! path it looked at, with its size and modification time (or its absence), so that a cached
//! pack can later be checked against the disk with one `stat` per path.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, Metadata};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

/// What a path looked like: enough to notice a rewrite, an `npm install` or a deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stamp {
    pub len: u64,
    /// Nanoseconds since the epoch (negative before it: npm tarballs say 1985).
    pub mtime_ns: i64,
    pub dir: bool,
}

impl Stamp {
    pub fn of(meta: &Metadata) -> Self {
        Self {
            len: meta.len(),
            mtime_ns: mtime_ns(meta),
            dir: meta.is_dir(),
        }
    }
}

pub(crate) fn mtime_ns(meta: &Metadata) -> i64 {
    match meta.modified() {
        Ok(t) => match t.duration_since(UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
            Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
        },
        Err(_) => 0,
    }
}

/// The paths a pack depended on. Valid while every one of them still looks the same.
pub(crate) type Inputs = BTreeMap<PathBuf, Option<Stamp>>;

/// Is every recorded path as it was?
pub(crate) fn unchanged(inputs: &Inputs) -> bool {
    inputs
        .iter()
        .all(|(p, was)| fs::metadata(p).ok().map(|m| Stamp::of(&m)) == *was)
}

pub(crate) struct Disk {
    /// The project folder, canonical: nothing outside it is read.
    root: PathBuf,
    pub seen: Inputs,
    /// Symlinks met that lead out of the project (reported once each).
    pub outside: BTreeSet<PathBuf>,
}

impl Disk {
    pub fn new(root: &Path) -> io::Result<Self> {
        Ok(Self {
            root: fs::canonicalize(root)?,
            seen: Inputs::new(),
            outside: BTreeSet::new(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `base` (a canonical folder inside the project) joined with `rel`, each symlink on the
    /// way resolved and refused when it leads out of the project. `None` when the path does
    /// not exist (recorded, so that its creation invalidates a cached pack) or is refused.
    pub fn inside(&mut self, base: &Path, rel: &str) -> Option<PathBuf> {
        let mut cur = base.to_path_buf();
        for comp in Path::new(rel).components() {
            match comp {
                Component::Normal(c) => cur.push(c),
                Component::CurDir => continue,
                // Callers normalise first; anything else is not ours to follow.
                _ => return None,
            }
            let Ok(lm) = fs::symlink_metadata(&cur) else {
                self.seen.insert(cur, None);
                return None;
            };
            if lm.file_type().is_symlink() {
                let target = fs::canonicalize(&cur).ok();
                match target {
                    Some(t) if t.starts_with(&self.root) => cur = t,
                    Some(_) => {
                        self.outside.insert(cur);
                        return None;
                    }
                    None => {
                        self.seen.insert(cur, None);
                        return None;
                    }
                }
            }
        }
        if !cur.starts_with(&self.root) {
            return None;
        }
        Some(cur)
    }

    /// Metadata of `path`, recorded.
    pub fn stat(&mut self, path: &Path) -> Option<Metadata> {
        let m = fs::metadata(path).ok();
        self.seen
            .insert(path.to_path_buf(), m.as_ref().map(Stamp::of));
        m
    }

    pub fn is_file(&mut self, base: &Path, rel: &str) -> bool {
        self.inside(base, rel)
            .and_then(|p| self.stat(&p))
            .is_some_and(|m| m.is_file())
    }

    pub fn is_dir(&mut self, base: &Path, rel: &str) -> bool {
        self.inside(base, rel)
            .and_then(|p| self.stat(&p))
            .is_some_and(|m| m.is_dir())
    }

    pub fn read(&mut self, base: &Path, rel: &str) -> Option<Vec<u8>> {
        let p = self.inside(base, rel)?;
        self.stat(&p).filter(Metadata::is_file)?;
        fs::read(&p).ok()
    }

    /// Entries of a folder, sorted: `(name, is_dir)`. Symlinks are followed only inside.
    pub fn list(&mut self, base: &Path, rel: &str) -> Vec<(String, bool)> {
        let Some(dir) = self.inside(base, rel) else {
            return vec![];
        };
        if !self.stat(&dir).is_some_and(|m| m.is_dir()) {
            return vec![];
        }
        let Ok(rd) = fs::read_dir(&dir) else {
            return vec![];
        };
        let mut out = vec![];
        for entry in rd.flatten() {
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            let Ok(ft) = entry.file_type() else { continue };
            let is_dir = if ft.is_symlink() {
                match self.inside(&dir, &name) {
                    Some(t) => t.is_dir(),
                    None => continue,
                }
            } else {
                ft.is_dir()
            };
            out.push((name, is_dir));
        }
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_absence_and_change() {
        let dir = tempfile::tempdir().unwrap();
        let mut disk = Disk::new(dir.path()).unwrap();
        let root = disk.root().to_path_buf();
        assert!(!disk.is_file(&root, "a.js"));
        let seen = disk.seen.clone();
        assert!(unchanged(&seen));
        fs::write(dir.path().join("a.js"), "x").unwrap();
        assert!(!unchanged(&seen), "a file appearing is a change");
    }

    #[cfg(unix)]
    #[test]
    fn refuses_symlinks_out_of_the_project() {
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret.js"), "x").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("ok")).unwrap();
        fs::create_dir(dir.path().join("real")).unwrap();
        fs::write(dir.path().join("real/a.js"), "y").unwrap();
        let mut disk = Disk::new(dir.path()).unwrap();
        let root = disk.root().to_path_buf();
        assert_eq!(disk.read(&root, "link/secret.js"), None);
        assert_eq!(disk.outside.len(), 1);
        assert_eq!(disk.read(&root, "ok/a.js").as_deref(), Some(&b"y"[..]));
    }
}
