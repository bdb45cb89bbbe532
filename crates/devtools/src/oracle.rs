//! The compatibility oracle behind `cove-devtools render`: one template rendered to the shape
//! of wcc's `$gwx(path)(data)`.
//!
//! WeChat's official compiler turns every template into a render function whose result is a
//! plain tree, `{tag: "wx-view", attr: {...}, children: [...]}` with text children as strings.
//! [`Oracle`] renders a template compiled by Cove with glass-easel, in a QuickJS instance of its
//! own, and returns the same shape, so the two can be compared file by file (`js/oracle.js`
//! explains how). It can also find the initial data a page or component declares, by running
//! its JS with stub `Page`/`Component`/`Behavior` globals. It is a test instrument, not part
//! of the runtime: it lives here so that neither the container nor `cove` carries it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use cove_container::app::{js_str, runtime_scripts};
use cove_container::{Instance, Limits, RunError};
use serde_json::{Map, Value};

const ORACLE: &str = include_str!("../js/oracle.js");
/// The name the container gives glass-easel's bundle among its runtime scripts.
const GLASS_EASEL: &str = "glass_easel.all.js";

#[derive(Debug, thiserror::Error)]
pub enum OracleError {
    #[error("invalid compiled app: {0}")]
    Package(String),
    #[error("no template `{0}` in the compiled app")]
    NoTemplate(String),
    #[error(transparent)]
    Js(#[from] RunError),
    #[error("the oracle returned something unexpected: {0}")]
    BadOutput(String),
}

/// What rendering one template gave.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// `{tag: "wx-page", children: [...]}`.
    pub tree: Value,
    /// Warnings and errors glass-easel reported while rendering.
    pub logs: Vec<String>,
}

/// A QuickJS instance holding glass-easel and one compiled app's templates and JS modules.
pub struct Oracle {
    instance: Instance,
    templates: Vec<String>,
    units: Vec<String>,
}

fn text<'a>(files: &'a BTreeMap<String, Vec<u8>>, path: &str) -> Result<&'a str, OracleError> {
    let bytes = files
        .get(path)
        .ok_or_else(|| OracleError::Package(format!("{path} is missing")))?;
    std::str::from_utf8(bytes).map_err(|_| OracleError::Package(format!("{path} is not UTF-8")))
}

impl Oracle {
    /// Load a compiled app given as its files (what `cove_compiler::compile_dir` returns in
    /// `files`, or a `cove build` output folder read into memory).
    pub fn load(files: &BTreeMap<String, Vec<u8>>) -> Result<Self, OracleError> {
        Self::load_with(files, Self::default_limits())
    }

    /// The limits [`Oracle::load`] runs under: room for big templates, and 10 s per render.
    pub fn default_limits() -> Limits {
        Limits {
            memory: 512 << 20,
            cpu_time: std::time::Duration::from_secs(10),
            ..Limits::default()
        }
    }

    /// [`Oracle::load`] with other limits (a render that runs past `cpu_time` fails).
    pub fn load_with(
        files: &BTreeMap<String, Vec<u8>>,
        limits: Limits,
    ) -> Result<Self, OracleError> {
        let manifest: Value = serde_json::from_str(text(files, "manifest.json")?)
            .map_err(|e| OracleError::Package(format!("manifest.json: {e}")))?;
        let cove = manifest
            .get("cove")
            .ok_or_else(|| OracleError::Package("manifest.json has no `cove` section".into()))?;
        let instance = Instance::start("oracle", limits)?;
        // The very glass-easel the container runs, as the same script: it sets
        // `globalThis.glassEasel`, which `js/oracle.js` uses (the adapter and runtime are not
        // loaded: the oracle renders templates, it does not run apps).
        let (name, ge) = runtime_scripts()
            .iter()
            .find(|(name, _)| name == GLASS_EASEL)
            .ok_or_else(|| OracleError::Package(format!("the container has no {GLASS_EASEL}")))?;
        instance.eval(name, ge)?;
        instance.eval("cove/oracle.js", ORACLE)?;

        let empty = Map::new();
        let modules = cove
            .get("modules")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let mut script = String::new();
        for (id, m) in modules {
            let file = m.get("file").and_then(Value::as_str).unwrap_or(id);
            let code = text(files, file)?;
            let deps = m.get("deps").cloned().unwrap_or(Value::Object(Map::new()));
            let _ = write!(
                script,
                "__oracle.defineModule({},{deps},function(require,module,exports){{\n{code}\n}});\n",
                js_str(id),
            );
        }
        instance.eval("cove:modules", &script)?;

        let wxml_path = cove
            .get("templates")
            .and_then(Value::as_str)
            .unwrap_or("wxml.js");
        let wxml = text(files, wxml_path)?;
        let script = format!(
            "(function(){{var module={{exports:{{}}}};var exports=module.exports;\n{wxml}\n;__oracle.load(module.exports);return __oracle.templates();}})()"
        );
        let templates: Vec<String> = serde_json::from_str(&instance.eval(wxml_path, &script)?)
            .map_err(|e| OracleError::BadOutput(e.to_string()))?;
        let units = cove
            .get("units")
            .and_then(Value::as_object)
            .map(|u| u.keys().cloned().collect())
            .unwrap_or_default();
        Ok(Self {
            instance,
            templates,
            units,
        })
    }

    /// Load a compiled app folder (the output of `cove build`).
    pub fn load_dir(dir: &Path) -> Result<Self, OracleError> {
        let mut files = BTreeMap::new();
        for entry in
            walk(dir).map_err(|e| OracleError::Package(format!("{}: {e}", dir.display())))?
        {
            let rel = entry
                .strip_prefix(dir)
                .unwrap_or(&entry)
                .to_string_lossy()
                .replace('\\', "/");
            if rel.ends_with(".js") || rel.ends_with(".json") {
                let bytes = std::fs::read(&entry)
                    .map_err(|e| OracleError::Package(format!("{}: {e}", entry.display())))?;
                files.insert(rel, bytes);
            }
        }
        Self::load(&files)
    }

    /// Every template of the app, by path without extension (`pages/index/index`).
    pub fn templates(&self) -> &[String] {
        &self.templates
    }

    /// Every page and component of the app, by path without extension.
    pub fn units(&self) -> &[String] {
        &self.units
    }

    /// Render `template` (e.g. `pages/index/index`) with `data` as the whole page data.
    pub fn render(&self, template: &str, data: &Value) -> Result<Rendered, OracleError> {
        if !self.templates.iter().any(|t| t == template) {
            return Err(OracleError::NoTemplate(template.to_string()));
        }
        let out = self.instance.eval(
            "cove:render",
            &format!("__oracle.render({},{})", js_str(template), data),
        )?;
        let mut v: Value =
            serde_json::from_str(&out).map_err(|e| OracleError::BadOutput(e.to_string()))?;
        let tree = v
            .get_mut("tree")
            .map(Value::take)
            .ok_or_else(|| OracleError::BadOutput(out.clone()))?;
        let logs = v
            .get("logs")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Rendered { tree, logs })
    }

    /// The initial data the page or component `unit` declares: its `data` plus the default
    /// of each property, behaviors merged, found by running its JS with stub globals.
    pub fn initial_data(&self, unit: &str) -> Result<Value, OracleError> {
        let out = self.instance.eval(
            "cove:initial-data",
            &format!("__oracle.initialData({})", js_str(unit)),
        )?;
        serde_json::from_str(&out).map_err(|e| OracleError::BadOutput(e.to_string()))
    }
}

fn walk(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    Ok(out)
}
