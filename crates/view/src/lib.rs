//! The view's static files (`assets/`), embedded in the binary: the renderer, the built-in
//! components, their styles and the simulator's outer page. `docs/view.md` describes them.

use std::borrow::Cow;

use include_dir::{Dir, include_dir};

static ASSETS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/assets");

/// A file by its path under `assets/` (`view.js`, `core/ops.js`): the embedded copy, or,
/// when `COVE_VIEW_DIR` names a folder, the file on disk there, so that the view can be
/// worked on without rebuilding the binary.
pub fn asset(path: &str) -> Option<Cow<'static, [u8]>> {
    if let Some(dir) = std::env::var_os("COVE_VIEW_DIR") {
        if path.split('/').any(|p| p == ".." || p.contains('\\')) {
            return None;
        }
        return std::fs::read(std::path::Path::new(&dir).join(path))
            .ok()
            .map(Cow::Owned);
    }
    ASSETS.get_file(path).map(|f| Cow::Borrowed(f.contents()))
}

/// Every embedded path, sorted.
pub fn paths() -> Vec<&'static str> {
    let mut out = Vec::new();
    collect(&ASSETS, &mut out);
    out.sort_unstable();
    out
}

fn collect(dir: &'static Dir<'static>, out: &mut Vec<&'static str>) {
    for f in dir.files() {
        if let Some(p) = f.path().to_str() {
            out.push(p);
        }
    }
    for d in dir.dirs() {
        collect(d, out);
    }
}

/// The media type to serve a file with.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        _ => "application/octet-stream",
    }
}

/// The Content-Security-Policy of the view page: only our renderer runs; styles come from
/// our sheets and the package; media only from the package or the allowed `https` origins
/// (`img`, `media`, `frame` are space-separated source lists, e.g. `https://a.example`).
pub fn view_csp(img: &str, media: &str, frame: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: {img}; \
         media-src 'self' blob: {media}; font-src 'self' data:; connect-src 'self'; \
         frame-src {frame}; base-uri 'none'; form-action 'none'; object-src 'none'; \
         frame-ancestors 'self'"
    )
}

/// The simulator's outer page: our scripts, the view in a same-origin frame.
pub const SIMULATOR_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; \
     form-action 'none'; object-src 'none'";
