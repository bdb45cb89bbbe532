//! WeChat's extended libraries, the ones `app.json` `useExtendedLib` names (`{"weui": true}`).
//!
//! In WeChat they come with the platform, not with the mini-program: a project that uses
//! `weui-miniprogram/cell/cell` without installing the npm package still builds and runs.
//! Cove provides them the same way, from the npm build pinned in this crate's lockfile.

/// One extended library: its files as its npm package's `miniprogram` folder holds them.
#[derive(Debug)]
pub struct Lib {
    /// The `useExtendedLib` key, such as `weui`.
    pub key: &'static str,
    /// The npm package the components are named after (`weui-miniprogram/cell/cell`).
    pub package: &'static str,
    pub version: &'static str,
    /// `/`-separated paths relative to the package's mini-program root, sorted.
    pub files: &'static [(&'static str, &'static [u8])],
}

static LIBS: &[Lib] = include!(concat!(env!("OUT_DIR"), "/libs.rs"));

/// Every library Cove provides.
pub fn all() -> &'static [Lib] {
    LIBS
}

/// The library for a `useExtendedLib` key.
pub fn get(key: &str) -> Option<&'static Lib> {
    LIBS.iter().find(|l| l.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weui_is_embedded_with_its_components() {
        let weui = get("weui").expect("weui is provided");
        assert_eq!(weui.package, "weui-miniprogram");
        for f in [
            "cell/cell.json",
            "cell/cell.wxml",
            "cell/cell.js",
            "index.js",
        ] {
            assert!(
                weui.files.iter().any(|(p, b)| *p == f && !b.is_empty()),
                "{f} missing"
            );
        }
        assert!(weui.files.windows(2).all(|w| w[0].0 < w[1].0), "sorted");
        assert!(get("kbone").is_none());
    }
}
