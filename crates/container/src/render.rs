//! Renders a compiled mini-program page with glass-easel inside an [`Instance`].
//!
//! glass-easel draws through a composed backend (`js/runtime.js`) that records every DOM
//! operation as a JSON array; the view replays them. This module loads the libraries, the
//! app's templates, configs and CommonJS modules, and returns those operations.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::{Instance, RunError};

const GLASS_EASEL: &str = include_str!(concat!(env!("OUT_DIR"), "/glass_easel.all.js"));
const ADAPTER: &str = include_str!(concat!(
    env!("OUT_DIR"),
    "/glass_easel_miniprogram_adapter.js"
));
const RUNTIME: &str = include_str!("../js/runtime.js");

/// One recorded backend operation, e.g. `["create", 3, "text", "text"]`.
pub type Op = Value;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid app package: {0}")]
    Package(String),
    #[error(transparent)]
    Js(#[from] RunError),
    #[error("the runtime returned something other than a list of ops: {0}")]
    BadOps(String),
}

/// Load glass-easel, the mini-program adapter and Cove's runtime into a fresh instance.
pub fn load_runtime(instance: &Instance) -> Result<(), RenderError> {
    let ge = format!(
        "(function(){{var module={{exports:{{}}}};var exports=module.exports;\n{GLASS_EASEL}\n;globalThis.glassEasel=module.exports;}})();"
    );
    instance.eval("glass_easel.all.js", &ge)?;
    let adapter = format!(
        "(function(){{var module={{exports:{{}}}};var exports=module.exports;\
         var require=function(n){{if(n==='glass-easel')return globalThis.glassEasel;throw new Error('cannot require '+n)}};\n\
         {ADAPTER}\n;globalThis.glassEaselMiniprogramAdapter=module.exports;}})();"
    );
    instance.eval("glass_easel_miniprogram_adapter.js", &adapter)?;
    instance.eval("cove/runtime.js", RUNTIME)?;
    Ok(())
}

fn read(path: PathBuf) -> Result<String, RenderError> {
    fs::read_to_string(&path).map_err(|source| RenderError::Io { path, source })
}

fn json(v: &Value) -> String {
    v.to_string()
}

/// A JS string literal (JSON strings are valid JS literals).
fn js_str(s: &str) -> String {
    Value::from(s).to_string()
}

/// Load a compiled app directory (the output of `cove build`): its JS modules, its
/// templates and every unit's JSON config. Needs [`load_runtime`] first.
pub fn load_app(instance: &Instance, app_dir: &Path) -> Result<(), RenderError> {
    let manifest: Value = serde_json::from_str(&read(app_dir.join("manifest.json"))?)
        .map_err(|e| RenderError::Package(format!("manifest.json: {e}")))?;
    let cove = manifest
        .get("cove")
        .ok_or_else(|| RenderError::Package("manifest.json has no `cove` section".into()))?;

    // JS modules, as CommonJS factories the runtime's `require` resolves through `deps`.
    let empty = Map::new();
    let modules = cove
        .get("modules")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (id, m) in modules {
        let file = m.get("file").and_then(Value::as_str).unwrap_or(id);
        let code = read(app_dir.join(file))?;
        let deps = m.get("deps").cloned().unwrap_or(Value::Object(Map::new()));
        let script = format!(
            "__cove.defineModule({},{},function(require,module,exports){{\n{code}\n}});",
            js_str(id),
            json(&deps)
        );
        instance.eval(file, &script)?;
    }

    // Templates and unit configs.
    let templates = cove
        .get("templates")
        .and_then(Value::as_str)
        .unwrap_or("wxml.js");
    let wxml = read(app_dir.join(templates))?;
    let mut units = Map::new();
    if let Some(list) = cove.get("units").and_then(Value::as_object) {
        for path in list.keys() {
            let config: Value = serde_json::from_str(&read(app_dir.join(format!("{path}.json")))?)
                .map_err(|e| RenderError::Package(format!("{path}.json: {e}")))?;
            units.insert(path.clone(), config);
        }
    }
    let mut script =
        String::from("(function(){var module={exports:{}};var exports=module.exports;\n");
    script.push_str(&wxml);
    let _ = write!(
        script,
        "\n;__cove.load(module.exports,{});}})();",
        json(&Value::Object(units))
    );
    instance.eval(templates, &script)?;
    Ok(())
}

fn parse_ops(text: String) -> Result<Vec<Op>, RenderError> {
    match serde_json::from_str(&text) {
        Ok(Value::Array(ops)) => Ok(ops),
        _ => Err(RenderError::BadOps(text)),
    }
}

/// Create and attach `page` (e.g. `pages/counter/counter`, optionally `?query`) and return
/// the ops of its first render.
pub fn render_page(instance: &Instance, page: &str) -> Result<Vec<Op>, RenderError> {
    let (path, query) = page.split_once('?').unwrap_or((page, ""));
    let text = instance.eval(
        "cove:render",
        &format!("__cove.render({},{})", js_str(path), js_str(query)),
    )?;
    parse_ops(text)
}

/// Load the runtime and the app in `app_dir` into `instance`, then render `page`.
pub fn render_app(instance: &Instance, app_dir: &Path, page: &str) -> Result<Vec<Op>, RenderError> {
    load_runtime(instance)?;
    load_app(instance, app_dir)?;
    render_page(instance, page)
}

/// Call a method of the rendered page and return the ops its `setData` calls produced.
pub fn call_page_method(
    instance: &Instance,
    method: &str,
    args: &[Value],
) -> Result<Vec<Op>, RenderError> {
    let mut call = format!("__cove.call({}", js_str(method));
    for a in args {
        call.push(',');
        call.push_str(&json(a));
    }
    call.push(')');
    parse_ops(instance.eval("cove:call", &call)?)
}

/// Deliver a view event (e.g. `tap`) to the node with backend id `node`, as the view would,
/// and return the ops the handlers produced.
pub fn dispatch_event(
    instance: &Instance,
    node: u64,
    event_type: &str,
    detail: &Value,
) -> Result<Vec<Op>, RenderError> {
    let call = format!(
        "__cove.dispatch({node},{},{})",
        js_str(event_type),
        json(detail)
    );
    parse_ops(instance.eval("cove:event", &call)?)
}
