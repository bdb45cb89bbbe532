//! Strict JSON with source positions, so that a semantic error inside `app.json`
//! (a missing page, say) points at the exact string that names it.

use std::collections::HashMap;
use std::sync::Arc;

use jsonc_parser::ast;
use serde_json::Value;

use crate::diagnostic::Diagnostic;

#[derive(Debug, Clone)]
pub struct JsonDoc {
    pub path: String,
    pub text: Arc<str>,
    pub value: Value,
    /// JSON pointer (`/pages/3`) to the byte range of that value.
    spans: HashMap<String, (usize, usize)>,
}

impl JsonDoc {
    pub fn parse(path: &str, text: Arc<str>) -> Result<Self, Diagnostic> {
        if text.trim().is_empty() {
            return Err(Diagnostic::error(
                "json-syntax",
                format!("`{path}` is empty; it must hold a JSON object"),
            )
            .in_file(path, Some(text.clone()))
            .at(0, 0));
        }
        let strict = jsonc_parser::ParseOptions {
            allow_comments: false,
            allow_loose_object_property_names: false,
            allow_trailing_commas: false,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
            ..Default::default()
        };
        let parsed =
            jsonc_parser::parse_to_ast(&text, &Default::default(), &strict).map_err(|e| {
                let r = e.range();
                Diagnostic::error("json-syntax", format!("invalid JSON: {}", e.kind()))
                    .in_file(path, Some(text.clone()))
                    .at(r.start, r.end.max(r.start + 1).min(text.len()))
            })?;
        let Some(root) = parsed.value else {
            return Err(Diagnostic::error("json-syntax", "no JSON value found")
                .in_file(path, Some(text.clone()))
                .at(0, 0));
        };
        let mut spans = HashMap::new();
        let value = convert(&root, String::new(), &mut spans);
        Ok(Self {
            path: path.to_string(),
            text,
            value,
            spans,
        })
    }

    /// The byte range of the value at a JSON pointer, or of the closest parent that has one.
    pub fn span(&self, pointer: &str) -> (usize, usize) {
        let mut p = pointer;
        loop {
            if let Some(s) = self.spans.get(p) {
                return *s;
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return (0, 0),
            }
        }
    }

    /// A diagnostic located at the value behind `pointer`.
    pub fn diag(&self, d: Diagnostic, pointer: &str) -> Diagnostic {
        let (s, e) = self.span(pointer);
        d.in_file(&self.path, Some(self.text.clone())).at(s, e)
    }

    pub fn get(&self, pointer: &str) -> Option<&Value> {
        self.value.pointer(pointer)
    }
}

fn convert(v: &ast::Value<'_>, ptr: String, spans: &mut HashMap<String, (usize, usize)>) -> Value {
    let range = match v {
        ast::Value::StringLit(s) => s.range,
        ast::Value::NumberLit(n) => n.range,
        ast::Value::BooleanLit(b) => b.range,
        ast::Value::Object(o) => o.range,
        ast::Value::Array(a) => a.range,
        ast::Value::NullKeyword(n) => n.range,
    };
    let out = match v {
        ast::Value::StringLit(s) => Value::String(s.value.to_string()),
        ast::Value::NumberLit(n) => serde_json::from_str(n.value).unwrap_or(Value::Null),
        ast::Value::BooleanLit(b) => Value::Bool(b.value),
        ast::Value::NullKeyword(_) => Value::Null,
        ast::Value::Array(a) => Value::Array(
            a.elements
                .iter()
                .enumerate()
                .map(|(i, e)| convert(e, format!("{ptr}/{i}"), spans))
                .collect(),
        ),
        ast::Value::Object(o) => {
            let mut map = serde_json::Map::new();
            for prop in &o.properties {
                let key = prop.name.as_str().to_string();
                let child = format!("{ptr}/{}", key.replace('~', "~0").replace('/', "~1"));
                let val = convert(&prop.value, child, spans);
                map.insert(key, val);
            }
            Value::Object(map)
        }
    };
    spans.insert(ptr, (range.start, range.end));
    out
}

/// Escape one JSON pointer segment.
pub fn ptr_seg(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}
