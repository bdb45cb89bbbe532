//! Virtual paths → real paths, and the checks that keep every access inside its root.
//!
//! Paths are normalised lexically (`.` and `..` folded) and never through the host file
//! system; since no symlink is ever followed (the root and each existing component are
//! checked with `symlink_metadata`, and files are opened with `O_NOFOLLOW`, on Linux with
//! `openat2`'s `RESOLVE_NO_SYMLINKS` as well), the lexical result is the real one. A symlink
//! found anywhere under an app's directory, whoever planted it, is refused as
//! `permission denied`: the app itself has no way to make one.

use std::io;
use std::path::{Path, PathBuf};

use cove_package::path::{Dots, segments};

use crate::services::ServiceError;
use crate::services::atomic::TEMP_PREFIX;

/// `wx.env.USER_DATA_PATH`.
pub const USER_DATA_PATH: &str = "wxfile://usr";
/// The hidden folder under the usr root that keeps `saveFile`'s files (`wxfile://store_…`);
/// it shares the usr quota, as WeChat's saved files do.
pub const STORE_DIR: &str = ".cove-store";

/// Which root a virtual path lives under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// `wxfile://usr/...`: read-write, persisted.
    Usr,
    /// `wxfile://store_...`: files kept by `saveFile`.
    Store,
    /// `wxfile://tmp_...` and `http://tmp/...`: downloads and other temp files.
    Temp,
    /// `/a/b.png` or `a/b.png`: the app package, read-only.
    Package,
}

/// What the caller means to do, which decides the areas allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    /// Create or change content: usr only.
    Write,
    /// Delete or move away: usr, store and temp.
    Remove,
}

/// A checked path.
#[derive(Debug)]
pub struct Resolved {
    pub area: Area,
    pub real: PathBuf,
    /// The root of its area itself (`wxfile://usr`).
    pub is_root: bool,
}

/// The roots, canonicalised once.
pub struct Roots {
    pub usr: PathBuf,
    pub store: PathBuf,
    pub temp: PathBuf,
    pub package: Option<PathBuf>,
}

/// `fail <what>, <op> <path>`: WeChat's (and Node's) phrasing.
pub fn path_err(what: &str, op: &str, vpath: &str) -> ServiceError {
    ServiceError::fail(format!("{what}, {op} {vpath}"))
}

/// An I/O error in WeChat's words.
pub fn io_err(e: &io::Error, op: &str, vpath: &str) -> ServiceError {
    use io::ErrorKind as K;
    let what = match e.kind() {
        K::NotFound => "no such file or directory",
        K::PermissionDenied => "permission denied",
        K::AlreadyExists => "file already exists",
        K::NotADirectory => "not a directory",
        K::IsADirectory => "illegal operation on a directory",
        K::DirectoryNotEmpty => "directory not empty",
        K::InvalidInput => "Invalid argument",
        _ if e.raw_os_error() == Some(libc::ELOOP) => "permission denied",
        _ => {
            tracing::warn!(error = %e, op, path = vpath, "file system error");
            "system error"
        }
    };
    path_err(what, op, vpath)
}

impl Roots {
    /// Checks `vpath` for `access` and maps it to a real path under its root.
    pub fn resolve(&self, vpath: &str, op: &str, access: Access) -> Result<Resolved, ServiceError> {
        let denied = || path_err("permission denied", op, vpath);
        if vpath.contains('\0') {
            return Err(denied());
        }
        let (area, rest) = split_area(vpath).ok_or_else(denied)?;
        if crate::mutation::off(crate::mutation::Control::Fs) {
            return Ok(self.unchecked(vpath, area, rest));
        }
        let allowed = match access {
            Access::Read => true,
            Access::Write => area == Area::Usr,
            Access::Remove => area != Area::Package,
        };
        if !allowed {
            return Err(denied());
        }
        let comps = normalize(rest).ok_or_else(denied)?;
        if comps.iter().any(|c| c.starts_with(TEMP_PREFIX)) {
            return Err(denied());
        }
        if area == Area::Usr && comps.first().is_some_and(|c| c == STORE_DIR) {
            return Err(denied());
        }
        let root = match area {
            Area::Usr => &self.usr,
            Area::Store => &self.store,
            Area::Temp => &self.temp,
            Area::Package => match &self.package {
                Some(p) => p,
                None => return Err(path_err("no such file or directory", op, vpath)),
            },
        };
        // The roots were canonical when opened; one replaced by a symlink since (or the
        // store folder planted as one) is refused like any other link.
        if std::fs::symlink_metadata(root).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(denied());
        }
        let mut real = root.clone();
        for (i, c) in comps.iter().enumerate() {
            real.push(c);
            match std::fs::symlink_metadata(&real) {
                Ok(m) if m.file_type().is_symlink() => return Err(denied()),
                Ok(_) => {}
                // Nothing below a missing component exists either.
                Err(_) => {
                    comps[i + 1..].iter().for_each(|r| real.push(r));
                    break;
                }
            }
        }
        Ok(Resolved {
            area,
            is_root: comps.is_empty(),
            real,
        })
    }
}

impl Roots {
    /// The mutation check's "sandbox off": the path joined to its root as written, `..`
    /// and symlinks left to the operating system, absolute paths taken as the host's.
    fn unchecked(&self, vpath: &str, area: Area, rest: &str) -> Resolved {
        let root = match area {
            Area::Usr => &self.usr,
            Area::Store => &self.store,
            Area::Temp => &self.temp,
            Area::Package => {
                let real = match &self.package {
                    Some(p) if !vpath.starts_with('/') => p.join(rest),
                    _ => PathBuf::from(vpath),
                };
                return Resolved {
                    area,
                    is_root: false,
                    real,
                };
            }
        };
        Resolved {
            area,
            is_root: rest.is_empty(),
            real: root.join(rest),
        }
    }
}

/// Splits off the area prefix; `None` for anything outside every area (other schemes,
/// `wxfile://` itself).
fn split_area(vpath: &str) -> Option<(Area, &str)> {
    if let Some(rest) = vpath.strip_prefix("wxfile://") {
        if rest == "usr" {
            return Some((Area::Usr, ""));
        }
        if let Some(r) = rest.strip_prefix("usr/") {
            return Some((Area::Usr, r));
        }
        if rest.starts_with("store_") && !rest.contains('/') {
            return Some((Area::Store, rest));
        }
        if rest.starts_with("tmp_") && !rest.contains('/') {
            return Some((Area::Temp, rest));
        }
        return None;
    }
    // DevTools' spellings of the same areas.
    if let Some(rest) = vpath.strip_prefix("http://usr") {
        return match rest {
            "" => Some((Area::Usr, "")),
            r => r.strip_prefix('/').map(|r| (Area::Usr, r)),
        };
    }
    if let Some(rest) = vpath.strip_prefix("http://tmp/") {
        return Some((Area::Temp, rest));
    }
    if vpath.contains("://") || vpath.is_empty() {
        return None;
    }
    Some((Area::Package, vpath.trim_start_matches('/')))
}

/// The segments under an area's root: the shared check ([`cove_package::path`]) with `..`
/// folded as WeChat folds it; `None` when refused (`..` above the root, a backslash, a control
/// character, a drive or stream prefix). The part after a root may start with `/`
/// (`wxfile://usr//a` is `usr/a`): the root is already chosen.
fn normalize(rest: &str) -> Option<Vec<String>> {
    let segs = segments(rest.trim_start_matches('/'), Dots::Fold).ok()?;
    Some(segs.into_iter().map(str::to_string).collect())
}

/// The name a real path has in the virtual tree, for listings.
pub fn is_hidden(name: &str, dir_is_usr_root: bool) -> bool {
    name.starts_with(TEMP_PREFIX) || (dir_is_usr_root && name == STORE_DIR)
}

/// Canonicalises a root, creating it first when asked. A root that is created (the app's
/// own folders) must not itself be a symlink; the folders above it are the host's.
pub fn root(dir: &Path, create: bool) -> Result<PathBuf, ServiceError> {
    if create {
        std::fs::create_dir_all(dir)
            .map_err(|e| ServiceError::fail(format!("cannot create {}: {e}", dir.display())))?;
        if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(ServiceError::fail(format!(
                "cannot open {}: a symlink",
                dir.display()
            )));
        }
    }
    dir.canonicalize()
        .map_err(|e| ServiceError::fail(format!("cannot open {}: {e}", dir.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas() {
        assert_eq!(split_area("wxfile://usr"), Some((Area::Usr, "")));
        assert_eq!(split_area("wxfile://usr/a/b"), Some((Area::Usr, "a/b")));
        assert_eq!(split_area("wxfile://usrx"), None);
        assert_eq!(
            split_area("wxfile://tmp_1.png"),
            Some((Area::Temp, "tmp_1.png"))
        );
        assert_eq!(split_area("wxfile://tmp_1/x"), None);
        assert_eq!(
            split_area("wxfile://store_9"),
            Some((Area::Store, "store_9"))
        );
        assert_eq!(split_area("http://tmp/a.png"), Some((Area::Temp, "a.png")));
        assert_eq!(
            split_area("/images/a.png"),
            Some((Area::Package, "images/a.png"))
        );
        assert_eq!(
            split_area("images/a.png"),
            Some((Area::Package, "images/a.png"))
        );
        assert_eq!(split_area("file:///etc/passwd"), None);
        assert_eq!(split_area("wxfile://"), None);
    }

    #[test]
    fn dots() {
        assert_eq!(normalize("a/./b/../c").unwrap(), vec!["a", "c"]);
        assert_eq!(normalize("a/../.."), None);
        assert_eq!(normalize("../x"), None);
        assert_eq!(normalize("").unwrap(), Vec::<String>::new());
        assert_eq!(normalize("/a//b").unwrap(), vec!["a", "b"]);
        // The shared rules hold here too, whatever the host.
        assert_eq!(normalize("a\\..\\..\\x"), None);
        assert_eq!(normalize("C:/x"), None);
        assert_eq!(normalize("a/b:c"), None);
        assert_eq!(normalize("a\nb"), None);
    }
}
