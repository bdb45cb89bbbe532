//! Paths inside a package or an app's sandbox: the one check of what may name a file under a
//! root, used by the package reader (ZIP entry and manifest names), the container's file
//! sandbox (`wxfile://…` and package paths, and the entries `unzip` writes) and the
//! simulator (package files it serves).
//!
//! A path is `/`-separated and relative. Refused everywhere, whatever the host:
//! - an absolute path (a leading `/`);
//! - a backslash (a separator on Windows, so `a\..\..\x` would climb there);
//! - a control character (NUL ends a C string early; the others have no business in a name);
//! - a segment with a `:` (a drive, `C:x`, which replaces the root when joined on Windows, or
//!   an NTFS stream, `a:b`);
//! - `..`, or, where WeChat's semantics fold it ([`Dots::Fold`], the file sandbox), a `..`
//!   that would climb above the root.
//!
//! Empty and `.` segments are dropped. What a root means (`wxfile://usr`, a leading `/` for
//! the package) is each caller's own: this module sees the part below the root.

/// Why a path was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UnsafePath {
    #[error("absolute path")]
    Absolute,
    #[error("backslash in a name")]
    Backslash,
    #[error("control character in a name")]
    Control,
    #[error("`..` segment")]
    Parent,
    #[error("`..` above the root")]
    AboveRoot,
    #[error("drive or stream prefix")]
    Prefix,
    #[error("empty name")]
    Empty,
}

impl UnsafePath {
    /// The reason in words (the same as its `Display`), for errors that keep a `&'static str`.
    pub fn why(self) -> &'static str {
        match self {
            Self::Absolute => "absolute path",
            Self::Backslash => "backslash in a name",
            Self::Control => "control character in a name",
            Self::Parent => "`..` segment",
            Self::AboveRoot => "`..` above the root",
            Self::Prefix => "drive or stream prefix",
            Self::Empty => "empty name",
        }
    }
}

/// What a `..` segment does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dots {
    /// Refused: names in a package are written once, by a tool, and never need one.
    Refuse,
    /// Removes the segment before it, as WeChat's file system API does (`usr/a/../b` is
    /// `usr/b`); refused when there is none, so the root is never left.
    Fold,
}

/// The segments of `path` under its root, checked as the module says (an empty path gives
/// no segments: the root itself).
pub fn segments(path: &str, dots: Dots) -> Result<Vec<&str>, UnsafePath> {
    if path.starts_with('/') {
        return Err(UnsafePath::Absolute);
    }
    if path.contains('\\') {
        return Err(UnsafePath::Backslash);
    }
    if path.chars().any(char::is_control) {
        return Err(UnsafePath::Control);
    }
    let mut out = vec![];
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => match dots {
                Dots::Refuse => return Err(UnsafePath::Parent),
                Dots::Fold => {
                    out.pop().ok_or(UnsafePath::AboveRoot)?;
                }
            },
            s if s.contains(':') => return Err(UnsafePath::Prefix),
            s => out.push(s),
        }
    }
    Ok(out)
}

/// A file's name in a package: its [`segments`] (no `..` at all) joined by `/`. A name ending
/// in `/` is a directory entry and gives `None`; a name with no segment is refused.
pub fn normalise(name: &str) -> Result<Option<String>, UnsafePath> {
    let parts = segments(name, Dots::Refuse)?;
    if name.ends_with('/') {
        return Ok(None);
    }
    if parts.is_empty() {
        return Err(UnsafePath::Empty);
    }
    Ok(Some(parts.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use UnsafePath::*;

    /// A path, what `..` does, and the segments or the refusal.
    type Case = (
        &'static str,
        Dots,
        Result<&'static [&'static str], UnsafePath>,
    );

    #[test]
    fn table() {
        let cases: &[Case] = &[
            ("a/b.js", Dots::Refuse, Ok(&["a", "b.js"])),
            ("./a//b/./c", Dots::Refuse, Ok(&["a", "b", "c"])),
            ("", Dots::Refuse, Ok(&[])),
            ("/etc/passwd", Dots::Refuse, Err(Absolute)),
            ("/etc/passwd", Dots::Fold, Err(Absolute)),
            ("a\\..\\..\\x", Dots::Fold, Err(Backslash)),
            ("a\0b", Dots::Fold, Err(Control)),
            ("a\nb", Dots::Refuse, Err(Control)),
            ("a/\u{7f}", Dots::Refuse, Err(Control)),
            ("C:/x", Dots::Fold, Err(Prefix)),
            ("a/C:x", Dots::Refuse, Err(Prefix)),
            ("a/b:stream", Dots::Fold, Err(Prefix)),
            ("a/../b", Dots::Refuse, Err(Parent)),
            ("a/../b", Dots::Fold, Ok(&["b"])),
            ("a/./b/../c", Dots::Fold, Ok(&["a", "c"])),
            ("a/..", Dots::Fold, Ok(&[])),
            ("..", Dots::Fold, Err(AboveRoot)),
            ("a/../..", Dots::Fold, Err(AboveRoot)),
            ("../x", Dots::Fold, Err(AboveRoot)),
            ("a/../../a/b", Dots::Fold, Err(AboveRoot)),
            // `...` and names with dots are names.
            ("...", Dots::Refuse, Ok(&["..."])),
            ("..a/b..", Dots::Refuse, Ok(&["..a", "b.."])),
            ("名字/é.png", Dots::Refuse, Ok(&["名字", "é.png"])),
        ];
        for (path, dots, want) in cases {
            assert_eq!(
                segments(path, *dots),
                want.map(|w| w.to_vec()),
                "{path:?} {dots:?}"
            );
        }
    }

    #[test]
    fn package_names() {
        assert_eq!(normalise("a/b.js"), Ok(Some("a/b.js".into())));
        assert_eq!(normalise("./a//b.js"), Ok(Some("a/b.js".into())));
        assert_eq!(normalise("dir/"), Ok(None));
        assert_eq!(normalise("../dir/"), Err(Parent));
        assert_eq!(normalise(""), Err(Empty));
        assert_eq!(normalise("./"), Ok(None));
        assert_eq!(normalise("."), Err(Empty));
        assert_eq!(normalise("/a"), Err(Absolute));
        assert_eq!(Parent.why(), Parent.to_string());
        for e in [
            Absolute, Backslash, Control, Parent, AboveRoot, Prefix, Empty,
        ] {
            assert_eq!(e.why(), e.to_string());
        }
    }

    /// Every string of up to six symbols over an alphabet of the parts that matter: whatever
    /// is accepted stays under the root, and folding agrees with a walk of the segments.
    #[test]
    fn every_short_path_stays_under_its_root() {
        const ALPHABET: &[&str] = &["a", "/", ".", "..", "\\", ":", "\0", "b/"];
        let mut paths = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..6 {
            let mut next = vec![];
            for p in &frontier {
                for s in ALPHABET {
                    next.push(format!("{p}{s}"));
                }
            }
            paths.extend(next.iter().cloned());
            frontier = next;
        }
        for p in &paths {
            for dots in [Dots::Refuse, Dots::Fold] {
                let Ok(segs) = segments(p, dots) else {
                    continue;
                };
                assert!(!p.starts_with('/') && !p.contains(['\\', '\0']), "{p:?}");
                for s in &segs {
                    assert!(!s.is_empty() && *s != "." && *s != "..", "{p:?}: {s:?}");
                    assert!(!s.contains([':', '/']), "{p:?}: {s:?}");
                }
                if dots == Dots::Refuse {
                    assert!(!p.split('/').any(|s| s == ".."), "{p:?}");
                }
                // A model: the depth below the root never goes negative.
                let mut depth = 0i32;
                for s in p.split('/') {
                    match s {
                        "" | "." => {}
                        ".." => depth -= 1,
                        _ => depth += 1,
                    }
                    assert!(depth >= 0, "{p:?} climbs above the root");
                }
                assert_eq!(depth as usize, segs.len(), "{p:?}");
                // Joined again, it is its own normal form.
                let joined = segs.join("/");
                assert_eq!(segments(&joined, Dots::Refuse), Ok(segs.clone()), "{p:?}");
            }
        }
    }
}
