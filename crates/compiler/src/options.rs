//! Build options.

/// The language level of emitted JS. QuickJS runs ES2023, so that is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum JsTarget {
    #[default]
    Es2023,
    Es2017,
    Es2015,
    /// Through swc, with the `es5` cargo feature.
    Es5,
}

impl JsTarget {
    pub fn oxc_name(self) -> &'static str {
        match self {
            Self::Es2023 => "es2023",
            Self::Es2017 => "es2017",
            Self::Es2015 | Self::Es5 => "es2015",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "es2023" | "esnext" | "latest" => Some(Self::Es2023),
            "es2017" => Some(Self::Es2017),
            "es2015" | "es6" => Some(Self::Es2015),
            "es5" => Some(Self::Es5),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    pub minify: bool,
    pub source_maps: bool,
    pub js_target: JsTarget,
    /// `version.name` in the manifest, e.g. `1.2.0`.
    pub version_name: Option<String>,
    /// `version.code`: a number that only grows from one release to the next.
    pub version_code: Option<u64>,
}
