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

/// How the view renders one of WeChat's built-in components.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendering {
    /// Implemented: it looks and behaves as in WeChat (within `docs/view.md`'s notes).
    Full,
    /// A box that names the component (a camera, a live player, an ad): the page lays out,
    /// nothing plays or shows.
    Placeholder,
}

/// Every built-in component the view registers (`assets/components/index.js`), and how. A
/// WeChat built-in tag not listed here is drawn as a plain box around its children. A test
/// checks this list against the registry itself, so the two cannot drift apart; `cove check`
/// reads it to tell a migrating team which built-ins its templates use that Cove lacks.
pub const COMPONENTS: &[(&str, Rendering)] = &[
    ("ad", Rendering::Placeholder),
    ("ad-custom", Rendering::Placeholder),
    ("audio", Rendering::Full),
    ("button", Rendering::Full),
    ("camera", Rendering::Placeholder),
    ("canvas", Rendering::Full),
    ("channel-live", Rendering::Placeholder),
    ("channel-video", Rendering::Placeholder),
    ("checkbox", Rendering::Full),
    ("checkbox-group", Rendering::Full),
    ("cover-image", Rendering::Full),
    ("cover-view", Rendering::Full),
    ("form", Rendering::Full),
    ("icon", Rendering::Full),
    ("image", Rendering::Full),
    ("input", Rendering::Full),
    ("label", Rendering::Full),
    ("live-player", Rendering::Placeholder),
    ("live-pusher", Rendering::Placeholder),
    ("map", Rendering::Placeholder),
    ("movable-area", Rendering::Full),
    ("movable-view", Rendering::Full),
    ("navigator", Rendering::Full),
    ("official-account", Rendering::Placeholder),
    ("open-data", Rendering::Full),
    ("page-container", Rendering::Full),
    ("picker", Rendering::Full),
    ("picker-view", Rendering::Full),
    ("picker-view-column", Rendering::Full),
    ("progress", Rendering::Full),
    ("radio", Rendering::Full),
    ("radio-group", Rendering::Full),
    ("rich-text", Rendering::Full),
    ("root-portal", Rendering::Full),
    ("scroll-view", Rendering::Full),
    ("slider", Rendering::Full),
    ("swiper", Rendering::Full),
    ("swiper-item", Rendering::Full),
    ("switch", Rendering::Full),
    ("text", Rendering::Full),
    ("textarea", Rendering::Full),
    ("video", Rendering::Full),
    ("view", Rendering::Full),
    ("voip-room", Rendering::Placeholder),
    ("web-view", Rendering::Full),
];

/// How the view renders a built-in tag, if it registers it.
pub fn component(tag: &str) -> Option<Rendering> {
    COMPONENTS.iter().find(|(t, _)| *t == tag).map(|(_, r)| *r)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Loads `assets/components/index.js` in Node with a stand-in DOM, and reports each
    /// registered tag and whether creating it builds the view's native placeholder box.
    const REGISTRY_PROBE: &str = r#"
const made = [];
const any = new Proxy(function () {}, {
  get: (t, k) => (k === Symbol.toPrimitive ? () => 0 : k === 'then' ? undefined : any),
  apply: () => any,
  construct: () => any,
});
const element = (tag) => new Proxy({ tagName: tag, className: '', style: {}, dataset: {} }, {
  get: (t, k) => (k in t ? t[k] : k === 'then' ? undefined : any),
  set: (t, k, v) => { t[k] = v; if (k === 'className') made.push(String(v)); return true; },
});
globalThis.document = new Proxy({}, {
  get: (t, k) => (k === 'createElement' ? element : k === 'createElementNS' ? (ns, tag) => element(tag) : any),
});
for (const k of ['window', 'getComputedStyle', 'requestAnimationFrame', 'cancelAnimationFrame', 'ResizeObserver', 'IntersectionObserver', 'MutationObserver']) globalThis[k] = any;
process.on('uncaughtException', () => {});
const { components } = await import(process.argv[1]);
const out = {};
for (const [tag, c] of Object.entries(components)) {
  made.length = 0;
  try { c.create({ el: element('wx-' + tag), v: any, tag }); } catch {}
  out[tag] = made.some((c) => c.split(/\s+/).includes('wx-native-placeholder'));
}
process.stdout.write(JSON.stringify(out), () => process.exit(0));
"#;

    #[test]
    fn the_component_list_is_the_views_registry() {
        let index = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/components/index.js")
            .canonicalize()
            .unwrap();
        let out = std::process::Command::new("node")
            .args(["--input-type=module", "-e", REGISTRY_PROBE])
            .arg(format!("file://{}", index.display()))
            .output()
            .expect("Node.js runs this test (the view's registry is JS)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let registry: std::collections::BTreeMap<String, bool> =
            serde_json::from_slice(&out.stdout).expect("the probe prints JSON");
        let listed: std::collections::BTreeMap<String, bool> = COMPONENTS
            .iter()
            .map(|(t, r)| (t.to_string(), *r == Rendering::Placeholder))
            .collect();
        assert_eq!(
            listed, registry,
            "COMPONENTS (left) differs from assets/components/index.js (right): tag -> placeholder"
        );
        assert_eq!(component("camera"), Some(Rendering::Placeholder));
        assert_eq!(component("editor"), None);
    }
}
