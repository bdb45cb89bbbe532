//! `GET /openapi.json`: the API's OpenAPI 3.1 document, generated from the router. Each
//! route is registered with its handler ([`super::routes::Routes`]), and the handler's types
//! give the operation: its authentication (the `Authed`, `SessionAuthed` or `SdkBody`
//! argument), query parameters (`Query<T>`), request body (`Json<T>`, `OptionalJson<T>`,
//! `ZipBody`, `SdkBody<T>`) and answer (`Json<T>`, `Paged<T>`, `PackageBytes`). So the
//! document lists exactly the routes the server answers, and a route whose body or answer
//! has no schema does not compile.
//!
//! The schemas (JSON Schema draft 2020-12, as OpenAPI 3.1 uses) are derived with `schemars`
//! from those types; the full-flow test checks every real answer against them.

use axum::Json;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::bodies::ErrorBody;
use super::routes::{Auth, Body, JSON, Op};

fn params(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect()
}

/// An object schema's properties as query parameters.
fn query_params(schema: &Value) -> Vec<Value> {
    let required = |name: &str| {
        schema["required"]
            .as_array()
            .is_some_and(|r| r.iter().any(|n| n == name))
    };
    let Some(props) = schema["properties"].as_object() else {
        return vec![];
    };
    props
        .iter()
        .map(|(name, prop)| {
            let mut prop = prop.clone();
            let description = prop.as_object_mut().and_then(|p| p.remove("description"));
            let mut p =
                json!({"name": name, "in": "query", "required": required(name), "schema": prop});
            if let Some(d) = description {
                p["description"] = d;
            }
            p
        })
        .collect()
}

fn generator(settings: SchemaSettings) -> SchemaGenerator {
    settings
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator()
}

const SCHEMAS: &str = "#/components/schemas/";

/// Rewrite `$ref`s to the renamed schemas.
fn rename_refs(v: &mut Value, renamed: &Map<String, Value>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(r)) = m.get_mut("$ref")
                && let Some(Value::String(new)) =
                    r.strip_prefix(SCHEMAS).and_then(|n| renamed.get(n))
            {
                *r = format!("{SCHEMAS}{new}");
            }
            m.values_mut().for_each(|v| rename_refs(v, renamed));
        }
        Value::Array(a) => a.iter_mut().for_each(|v| rename_refs(v, renamed)),
        _ => {}
    }
}

/// Whether a schema `$ref`s any of `names`.
fn names_any(v: &Value, names: &Map<String, Value>) -> bool {
    match v {
        Value::Object(m) => {
            m.get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix(SCHEMAS))
                .is_some_and(|n| names.contains_key(n))
                || m.values().any(|v| names_any(v, names))
        }
        Value::Array(a) => a.iter().any(|v| names_any(v, names)),
        _ => false,
    }
}

pub fn build() -> Value {
    // Answers are described as the server writes them (a field it leaves out when empty is
    // optional), requests as it reads them (a field with a default is optional). Where the
    // two differ for one type, the request's is `<Name>Input`.
    let mut reads = generator(SchemaSettings::draft2020_12().for_deserialize());
    let mut writes = generator(SchemaSettings::draft2020_12().for_serialize());
    let error = writes.subschema_for::<ErrorBody>().to_value();
    let mut ops = vec![];
    let mut requests = vec![];
    for op in super::operations() {
        let Op {
            method,
            path,
            tag,
            summary,
            auth,
            query,
            body,
            body_note,
            answer: (answer, media),
        } = op;
        let response = answer(&mut writes).to_value();
        let mut parameters = params(path);
        for query in query {
            parameters.extend(query_params(&query(&mut reads).to_value()));
        }
        let mut op = json!({
            "tags": [tag],
            "summary": summary,
            "parameters": parameters,
            "responses": {
                "200": {"description": "OK", "content": {media: {"schema": response}}},
                "default": {"description": "An error", "content": {JSON: {"schema": error}}},
            },
        });
        op["security"] = match auth {
            Auth::None => json!([]),
            Auth::User => json!([{"session": [], "csrf": []}, {"token": []}]),
            Auth::Session => json!([{"session": [], "csrf": []}]),
            Auth::Sdk => json!([{"sdkKey": [], "sdkSignature": []}]),
        };
        let request = match body {
            Body::Required(f, media) => Some((true, media, f(&mut reads).to_value())),
            Body::Optional(f, media) => Some((false, media, f(&mut reads).to_value())),
            Body::NoBody => None,
        };
        requests.push(request);
        ops.push((method, path, body_note, op));
    }

    let mut schemas = writes.take_definitions(true);
    let read_defs = reads.take_definitions(true);
    let mut renamed = Map::new();
    for (name, schema) in &read_defs {
        if schemas.get(name).is_some_and(|w| w != schema) {
            renamed.insert(name.clone(), json!(format!("{name}Input")));
        }
    }
    // A type whose own schema reads the same both ways but names a renamed one is renamed
    // too (`Rule` holds `Condition`s).
    loop {
        let more: Vec<String> = read_defs
            .iter()
            .filter(|(name, schema)| {
                !renamed.contains_key(*name)
                    && schemas.contains_key(*name)
                    && names_any(schema, &renamed)
            })
            .map(|(name, _)| name.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        for name in more {
            renamed.insert(name.clone(), json!(format!("{name}Input")));
        }
    }
    for (name, mut schema) in read_defs {
        rename_refs(&mut schema, &renamed);
        match renamed.get(&name) {
            Some(Value::String(new)) => schemas.insert(new.clone(), schema),
            _ => schemas.insert(name, schema),
        };
    }

    let mut paths = Map::new();
    for ((method, path, note, mut op), request) in ops.into_iter().zip(requests) {
        if let Some((required, media, mut schema)) = request {
            rename_refs(&mut schema, &renamed);
            op["requestBody"] =
                json!({"required": required, "content": {media: {"schema": schema}}});
            if let Some(note) = note {
                op["requestBody"]["description"] = json!(note);
            }
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Cove platform API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The console's and CI's API, the SDK endpoints and package downloads. Errors are {code, message} with stable codes (docs/server.md).",
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "cove_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
                "token": {"type": "http", "scheme": "bearer", "description": "an API token, cove_…"},
                "sdkKey": {"type": "apiKey", "in": "header", "name": "x-cove-key"},
                "sdkSignature": {"type": "apiKey", "in": "header", "name": "x-cove-signature", "description": "HMAC-SHA256 over method, path, body digest, x-cove-timestamp and x-cove-nonce"},
            },
        },
    })
}

/// The document as `/openapi.json` answers it.
#[derive(Serialize)]
#[serde(transparent)]
pub struct Document(Value);

impl JsonSchema for Document {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "OpenApiDocument".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object", "required": ["openapi", "info", "paths", "components"],
            "properties": {"openapi": {"const": "3.1.0"}},
        })
    }
}

pub async fn document() -> Json<Document> {
    static DOCUMENT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    Json(Document(DOCUMENT.get_or_init(build).clone()))
}

/// A validator for one route's answer (`status` 2xx: its response schema; otherwise the
/// error's), resolving `$ref`s into the document. `None` for a route the document lacks.
pub fn response_validator(doc: &Value, method: &str, path: &str, success: bool) -> Option<Value> {
    let op = &doc["paths"][path][method.to_lowercase()];
    let content = &op["responses"][if success { "200" } else { "default" }]["content"];
    let mut schema = content.as_object()?.values().next()?["schema"].clone();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("components".into(), doc["components"].clone());
    }
    Some(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn each_schema(doc: &Value, mut f: impl FnMut(String, &Value)) {
        for (path, ops) in doc["paths"].as_object().unwrap() {
            for (method, op) in ops.as_object().unwrap() {
                let at = format!("{} {path}", method.to_uppercase());
                for (status, res) in op["responses"].as_object().unwrap() {
                    for media in res["content"].as_object().unwrap().values() {
                        f(format!("{at} → {status}"), &media["schema"]);
                    }
                }
                if let Some(body) = op.get("requestBody") {
                    for media in body["content"].as_object().unwrap().values() {
                        f(format!("{at} request"), &media["schema"]);
                    }
                }
            }
        }
    }

    /// The completeness check: every body and answer has a schema that says something (a
    /// handler answering `Json<Value>` would have an empty one).
    #[test]
    fn every_route_has_its_bodies_described() {
        let mut empty = vec![];
        each_schema(&build(), |at, schema| {
            if schema.as_object().is_none_or(|o| o.is_empty()) {
                empty.push(at);
            }
        });
        assert!(empty.is_empty(), "empty schemas: {empty:#?}");
    }

    /// Authentication, parameters and bodies come from the handlers' argument types.
    #[test]
    fn operations_follow_the_handlers_types() {
        let doc = build();
        let op = |method: &str, path: &str| doc["paths"][path][method].clone();
        let security = |method: &str, path: &str| op(method, path)["security"].to_string();
        let user = json!([{"session": [], "csrf": []}, {"token": []}]).to_string();
        assert_eq!(security("get", "/api/v1/apps"), user);
        // Token management is for a session only (`SessionAuthed`).
        let session = json!([{"session": [], "csrf": []}]).to_string();
        assert_eq!(security("post", "/api/v1/tokens"), session);
        assert_eq!(security("get", "/api/v1/session"), session);
        // Sign-out takes a token too; it clears the cookie when there is one.
        assert_eq!(security("delete", "/api/v1/session"), user);
        let sdk = json!([{"sdkKey": [], "sdkSignature": []}]).to_string();
        assert_eq!(security("post", "/sdk/v1/resolve"), sdk);
        assert_eq!(security("post", "/sdk/v1/events"), sdk);
        for (m, p) in [
            ("post", "/api/v1/session"),
            ("get", "/packages/{id}"),
            ("get", "/openapi.json"),
        ] {
            assert_eq!(security(m, p), "[]", "{m} {p}");
        }

        let names = |m: &str, p: &str| -> Vec<String> {
            op(m, p)["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    format!(
                        "{}:{}",
                        p["in"].as_str().unwrap(),
                        p["name"].as_str().unwrap()
                    )
                })
                .collect()
        };
        // Two query types: the filter and the format.
        let audit = names("get", "/api/v1/audit");
        assert!(audit.contains(&"query:format".to_string()), "{audit:?}");
        assert!(audit.contains(&"query:actor".to_string()), "{audit:?}");
        let package = names("get", "/packages/{id}");
        assert_eq!(
            package,
            ["path:id", "query:host", "query:expires", "query:sig"]
        );

        let body = |m: &str, p: &str| op(m, p)["requestBody"].clone();
        assert_eq!(
            body("post", "/api/v1/apps/{app_id}/takedown")["required"],
            false
        );
        assert_eq!(body("post", "/api/v1/orgs")["required"], true);
        let upload = body("post", "/api/v1/apps/{app_id}/versions");
        assert!(upload["content"]["application/zip"].is_object(), "{upload}");
        assert!(body("get", "/api/v1/apps").is_null());
        let answer = &op("get", "/packages/{id}")["responses"]["200"]["content"];
        assert!(answer["application/octet-stream"].is_object(), "{answer}");
    }

    #[test]
    fn every_ref_resolves_and_every_schema_is_json_schema_2020_12() {
        let doc = build();
        fn refs(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    if let Some(Value::String(r)) = m.get("$ref") {
                        out.push(r.clone());
                    }
                    m.values().for_each(|v| refs(v, out));
                }
                Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
                _ => {}
            }
        }
        let mut all = vec![];
        refs(&doc, &mut all);
        assert!(all.len() > 40, "{} refs", all.len());
        for r in &all {
            let pointer = r.strip_prefix('#').expect("a local $ref");
            assert!(doc.pointer(pointer).is_some(), "{r} resolves to nothing");
        }
        for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
            if let Err(e) = jsonschema::draft202012::meta::validate(schema) {
                panic!("components/schemas/{name}: {e}");
            }
        }
        each_schema(&doc, |at, schema| {
            assert!(
                jsonschema::draft202012::meta::is_valid(schema),
                "{at}: {schema}"
            );
        });
    }

    /// The gray-rule and whitelist bodies, which no document described before.
    #[test]
    fn gray_rules_and_whitelists_are_described_field_by_field() {
        let doc = build();
        let schemas = &doc["components"]["schemas"];
        let domains = &schemas["Domains"];
        let lists = ["request", "socket", "upload", "download", "web_view"];
        for list in lists {
            assert_eq!(domains["properties"][list]["type"], "array", "{domains}");
            assert_eq!(domains["properties"][list]["items"]["type"], "string");
        }
        assert_eq!(domains["required"], json!(lists));

        let body = &doc["paths"]["/api/v1/apps/{app_id}/release"]["put"]["requestBody"];
        let rules = body["content"][JSON]["schema"]["$ref"].as_str().unwrap();
        let rules = doc.pointer(&rules[1..]).unwrap();
        assert_eq!(rules["required"], json!(["rules"]));
        let rule_ref = rules["properties"]["rules"]["items"]["$ref"]
            .as_str()
            .unwrap();
        let rule = doc.pointer(&rule_ref[1..]).unwrap();
        assert_eq!(
            rule["required"],
            json!(["id", "version_code", "conditions"])
        );
        let condition = rule["properties"]["conditions"]["items"]["$ref"]
            .as_str()
            .unwrap();
        let condition = doc.pointer(&condition[1..]).unwrap();
        let kinds: Vec<&str> = condition["oneOf"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["properties"]["kind"]["const"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "users",
                "percent",
                "host_version",
                "platforms",
                "tags",
                "window"
            ]
        );
        let percent = &condition["oneOf"][1];
        assert_eq!(percent["required"], json!(["kind", "percent"]));
        assert_eq!(percent["properties"]["percent"]["maximum"], 100);
        let host = &condition["oneOf"][2]["properties"]["min"];
        assert!(host.to_string().contains("HostVersion"), "{host}");
        assert!(schemas["HostVersion"]["pattern"].is_string());
    }

    /// A response that breaks its schema is refused: the check in the flow test can fail.
    #[test]
    fn a_wrong_field_type_fails_validation() {
        let doc = build();
        let schema = response_validator(&doc, "get", "/api/v1/orgs", true).unwrap();
        let v = jsonschema::draft202012::new(&schema).unwrap();
        let good = json!([{"id": 1, "name": "Bank", "operator": true}]);
        assert!(v.is_valid(&good), "{:?}", v.validate(&good));
        assert!(!v.is_valid(&json!([{"id": "1", "name": "Bank", "operator": true}])));
        assert!(!v.is_valid(&json!([{"id": 1, "name": "Bank"}])));
        let error = response_validator(&doc, "get", "/api/v1/orgs", false).unwrap();
        let e = jsonschema::draft202012::new(&error).unwrap();
        assert!(e.is_valid(&json!({"code": "forbidden", "message": "no"})));
        assert!(!e.is_valid(&json!({"code": 403, "message": "no"})));
    }
}
