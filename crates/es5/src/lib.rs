//! Lower a CommonJS script to ES5 with swc: classes, arrows, `let`/`const`, template
//! literals, destructuring, spread, `for…of`, generators and `async`, helpers inlined.

use std::sync::Arc;

use swc_common::{FileName, GLOBALS, Globals, SourceMap, sync::Lrc};

#[derive(Debug, thiserror::Error)]
#[error("ES5 lowering of {path} failed: {message}")]
pub struct LowerError {
    pub path: String,
    pub message: String,
}

/// The lowered code, and its source map (JSON) when one was asked for.
pub struct Lowered {
    pub code: String,
    pub map: Option<String>,
}

pub fn lower(
    path: &str,
    code: &str,
    minify: bool,
    source_map: bool,
) -> Result<Lowered, LowerError> {
    let err = |message: String| LowerError {
        path: path.to_string(),
        message,
    };
    let options = serde_json::json!({
        "filename": path,
        "swcrc": false,
        "configFile": false,
        "isModule": false,
        "sourceMaps": source_map,
        "minify": minify,
        "jsc": {
            "target": "es5",
            "parser": { "syntax": "ecmascript" },
            "externalHelpers": false,
            "minify": { "compress": minify, "mangle": minify },
        },
    });
    let options: swc::config::Options =
        serde_json::from_value(options).map_err(|e| err(e.to_string()))?;
    let cm: Lrc<SourceMap> = Default::default();
    let compiler = swc::Compiler::new(cm.clone());
    let fm = cm.new_source_file(
        Arc::new(FileName::Custom(path.to_string())),
        code.to_string(),
    );
    let out = GLOBALS.set(&Globals::new(), || {
        swc::try_with_handler(cm.clone(), Default::default(), |handler| {
            compiler.process_js_file(fm, handler, &options)
        })
    });
    match out {
        Ok(o) => Ok(Lowered {
            code: o.code,
            map: o.map,
        }),
        Err(e) => Err(err(format!("{e:?}"))),
    }
}
