//! The review report: what a reviewer must see before approving a version, computed from the
//! compiled package alone.
//!
//! - the `wx` APIs the code calls (from the JS syntax tree, not text search), sensitive ones
//!   marked;
//! - the domains the code and templates reference, each checked against the whitelists;
//! - the permission scopes it asks for, named or implied by the APIs it calls;
//! - the size of the main package and of each subpackage, against WeChat's limits;
//! - the third-party npm modules it ships;
//! - a line diff against the live version.

use std::collections::{BTreeMap, BTreeSet};

use oxc::allocator::Allocator;
use oxc::ast::AstKind;
use oxc::ast::ast::Expression;
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::SourceType;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// A compiled package's files by path.
pub use cove_package::zip::Files;

/// WeChat's limits: each of the main package and subpackages, and the whole app.
pub const PART_LIMIT: u64 = 2 << 20;
pub const TOTAL_LIMIT: u64 = 20 << 20;

use cove_wire::SENSITIVE;

/// The scope an API needs (WeChat's `scope.*`).
fn implied_scope(api: &str) -> Option<&'static str> {
    Some(match api {
        "getLocation"
        | "getFuzzyLocation"
        | "chooseLocation"
        | "startLocationUpdate"
        | "onLocationChange" => "scope.userLocation",
        "startLocationUpdateBackground" => "scope.userLocationBackground",
        "chooseAddress" => "scope.address",
        "chooseInvoice" | "chooseInvoiceTitle" => "scope.invoice",
        "getWeRunData" => "scope.werun",
        "startRecord" | "getRecorderManager" => "scope.record",
        "createCameraContext" => "scope.camera",
        "saveImageToPhotosAlbum" | "saveVideoToPhotosAlbum" => "scope.writePhotosAlbum",
        "openBluetoothAdapter" => "scope.bluetooth",
        "addPhoneContact" => "scope.addPhoneContact",
        _ => return None,
    })
}

/// The platform's whitelists for one mini-program (hosts, with a port where one is given).
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, JsonSchema)]
pub struct Domains {
    pub request: Vec<String>,
    pub socket: Vec<String>,
    pub upload: Vec<String>,
    pub download: Vec<String>,
    pub web_view: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct ApiUse {
    pub calls: usize,
    pub files: BTreeSet<String>,
    pub sensitive: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct DomainUse {
    pub scheme: String,
    pub host: String,
    /// The whitelists that hold this host (empty: none does).
    pub whitelisted_in: Vec<&'static str>,
    pub files: BTreeSet<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct PartSize {
    /// `main`, or the subpackage root.
    pub part: String,
    pub files: usize,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct NpmModule {
    pub name: String,
    pub files: usize,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct FileChange {
    pub path: String,
    /// `added`, `removed`, `changed`.
    pub status: &'static str,
    pub added: usize,
    pub removed: usize,
    /// Unified diff (text files; at most [`PATCH_LINES`] lines).
    pub patch: String,
}

const PATCH_LINES: usize = 400;

#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct Finding {
    /// `warn` needs the reviewer's attention; `info` is context.
    pub level: &'static str,
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct Report {
    pub apis: BTreeMap<String, ApiUse>,
    pub domains: Vec<DomainUse>,
    pub scopes: BTreeSet<String>,
    pub sizes: Vec<PartSize>,
    pub total_bytes: u64,
    pub npm: Vec<NpmModule>,
    /// Against the live version; `None` when nothing is live.
    pub diff: Option<Vec<FileChange>>,
    pub findings: Vec<Finding>,
}

/// Analyse a compiled package (its files, `manifest.json` among them).
pub fn analyze(files: &Files, whitelist: &Domains, live: Option<&Files>) -> Report {
    let manifest: Value = files
        .get("manifest.json")
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or(Value::Null);
    let mut apis: BTreeMap<String, ApiUse> = BTreeMap::new();
    let mut domains: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut scopes = BTreeSet::new();
    let mut findings = vec![];
    for (path, bytes) in files {
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        if path.ends_with(".js") {
            let strings = scan_js(path, text, &mut apis, &mut findings);
            for s in &strings {
                if s.starts_with("scope.") && s[6..].chars().all(|c| c.is_ascii_alphanumeric()) {
                    scopes.insert(s.clone());
                }
                urls(s, path, &mut domains);
            }
        } else if path.ends_with(".css") || path.ends_with(".json") {
            urls(text, path, &mut domains);
        }
    }
    for (name, use_) in &apis {
        if let Some(scope) = implied_scope(name) {
            scopes.insert(scope.to_string());
        }
        if use_.sensitive {
            findings.push(Finding {
                level: "warn",
                code: "sensitive_api",
                message: format!(
                    "wx.{name} ({} calls) needs a grant for this host app",
                    use_.calls
                ),
            });
        }
    }
    let domains: Vec<DomainUse> = domains
        .into_iter()
        .map(|((scheme, host), files)| {
            let lists = [
                ("request", &whitelist.request),
                ("socket", &whitelist.socket),
                ("upload", &whitelist.upload),
                ("download", &whitelist.download),
                ("web_view", &whitelist.web_view),
            ];
            let whitelisted_in: Vec<&'static str> = lists
                .iter()
                .filter(|(_, l)| l.iter().any(|d| d.eq_ignore_ascii_case(&host)))
                .map(|(n, _)| *n)
                .collect();
            if whitelisted_in.is_empty() {
                findings.push(Finding {
                    level: "warn",
                    code: "domain_not_whitelisted",
                    message: format!(
                        "{scheme}://{host} is referenced in {} but on no whitelist",
                        files.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                });
            }
            if scheme == "http" || scheme == "ws" {
                findings.push(Finding {
                    level: "warn",
                    code: "insecure_scheme",
                    message: format!(
                        "{scheme}://{host} is not encrypted: only https and wss are allowed"
                    ),
                });
            }
            DomainUse {
                scheme,
                host,
                whitelisted_in,
                files,
            }
        })
        .collect();
    let (sizes, total_bytes) = sizes(files, &manifest, &mut findings);
    Report {
        apis,
        domains,
        scopes,
        sizes,
        total_bytes,
        npm: npm(files),
        diff: live.map(|l| diff(l, files)),
        findings,
    }
}

/// Record `wx.X` / `ft.X` uses (global `wx` only) and return every string in the file.
fn scan_js(
    path: &str,
    text: &str,
    apis: &mut BTreeMap<String, ApiUse>,
    findings: &mut Vec<Finding>,
) -> Vec<String> {
    let alloc = Allocator::default();
    let ret = Parser::new(&alloc, text, SourceType::unambiguous()).parse();
    if ret.panicked || !ret.diagnostics.is_empty() {
        findings.push(Finding {
            level: "warn",
            code: "unparsed_js",
            message: format!("{path} could not be parsed for analysis"),
        });
        return vec![];
    }
    let semantic = SemanticBuilder::new()
        .with_build_nodes(true)
        .build(&ret.program)
        .semantic;
    let scoping = semantic.scoping();
    let mut strings = vec![];
    for node in semantic.nodes().iter() {
        match node.kind() {
            AstKind::StringLiteral(s) => strings.push(s.value.to_string()),
            AstKind::TemplateLiteral(t) => {
                strings.extend(t.quasis.iter().map(|q| q.value.raw.to_string()))
            }
            AstKind::StaticMemberExpression(m) => {
                let Expression::Identifier(obj) = &m.object else {
                    continue;
                };
                if obj.name != "wx" && obj.name != "ft" {
                    continue;
                }
                // A local variable named `wx` is not the API.
                let global = obj
                    .reference_id
                    .get()
                    .is_none_or(|r| scoping.get_reference(r).symbol_id().is_none());
                if !global {
                    continue;
                }
                let name = m.property.name.to_string();
                let e = apis.entry(name.clone()).or_insert_with(|| ApiUse {
                    calls: 0,
                    files: BTreeSet::new(),
                    sensitive: SENSITIVE.contains(&name.as_str()),
                });
                e.calls += 1;
                e.files.insert(path.to_string());
            }
            _ => {}
        }
    }
    strings
}

/// Every `scheme://host[:port]` in `text`.
fn urls(text: &str, path: &str, out: &mut BTreeMap<(String, String), BTreeSet<String>>) {
    for scheme in ["https", "http", "wss", "ws"] {
        let needle = format!("{scheme}://");
        let mut rest = text;
        while let Some(i) = rest.find(&needle) {
            // `https://` must not be the tail of `xhttps://`.
            let before = rest[..i].chars().last();
            rest = &rest[i + needle.len()..];
            if before.is_some_and(|c| c.is_ascii_alphanumeric()) {
                continue;
            }
            let host: String = rest
                .chars()
                .take_while(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')
                })
                .collect();
            let host = host.trim_end_matches(['.', ':']).to_ascii_lowercase();
            if host.is_empty() || !host.contains(|c: char| c.is_ascii_alphabetic() || c == '.') {
                continue;
            }
            out.entry((scheme.to_string(), host))
                .or_default()
                .insert(path.to_string());
        }
    }
}

fn sizes(files: &Files, manifest: &Value, findings: &mut Vec<Finding>) -> (Vec<PartSize>, u64) {
    let roots: Vec<String> = manifest["cove"]["subpackages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["root"].as_str())
        .map(|r| r.trim_end_matches('/').to_string())
        .collect();
    let mut parts: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    parts.insert("main".into(), (0, 0));
    let mut total = 0;
    for (path, bytes) in files {
        let part = roots
            .iter()
            .find(|r| path.starts_with(&format!("{r}/")))
            .cloned()
            .unwrap_or_else(|| "main".into());
        let e = parts.entry(part).or_default();
        e.0 += 1;
        e.1 += bytes.len() as u64;
        total += bytes.len() as u64;
    }
    for (part, (_, bytes)) in &parts {
        if *bytes > PART_LIMIT {
            findings.push(Finding {
                level: "warn",
                code: "package_too_large",
                message: format!(
                    "{part} is {bytes} bytes (WeChat's limit per package is {PART_LIMIT})"
                ),
            });
        }
    }
    if total > TOTAL_LIMIT {
        findings.push(Finding {
            level: "warn",
            code: "package_too_large",
            message: format!("the app is {total} bytes (WeChat's limit is {TOTAL_LIMIT})"),
        });
    }
    let sizes = parts
        .into_iter()
        .map(|(part, (files, bytes))| PartSize { part, files, bytes })
        .collect();
    (sizes, total)
}

fn npm(files: &Files) -> Vec<NpmModule> {
    let mut mods: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    for (path, bytes) in files {
        let Some(i) = path.find("miniprogram_npm/") else {
            continue;
        };
        let rest = &path[i + "miniprogram_npm/".len()..];
        let mut segs = rest.split('/');
        let Some(first) = segs.next() else { continue };
        // Scoped packages: `@vant/weapp`.
        let name = if first.starts_with('@') {
            match segs.next() {
                Some(second) => format!("{first}/{second}"),
                None => continue,
            }
        } else {
            first.to_string()
        };
        let e = mods.entry(name).or_default();
        e.0 += 1;
        e.1 += bytes.len() as u64;
    }
    mods.into_iter()
        .map(|(name, (files, bytes))| NpmModule { name, files, bytes })
        .collect()
}

fn diff(live: &Files, candidate: &Files) -> Vec<FileChange> {
    let mut out = vec![];
    let paths: BTreeSet<&String> = live.keys().chain(candidate.keys()).collect();
    for path in paths {
        let (old, new) = (live.get(path), candidate.get(path));
        if old == new {
            continue;
        }
        let status = match (old, new) {
            (None, _) => "added",
            (_, None) => "removed",
            _ => "changed",
        };
        let text = |b: Option<&Vec<u8>>| {
            b.map_or(Some(String::new()), |b| String::from_utf8(b.clone()).ok())
        };
        let (added, removed, patch) = match (text(old), text(new)) {
            (Some(a), Some(b)) => {
                let d = similar::TextDiff::from_lines(&a, &b);
                let (mut plus, mut minus) = (0, 0);
                for c in d.iter_all_changes() {
                    match c.tag() {
                        similar::ChangeTag::Insert => plus += 1,
                        similar::ChangeTag::Delete => minus += 1,
                        similar::ChangeTag::Equal => {}
                    }
                }
                let full = d
                    .unified_diff()
                    .context_radius(3)
                    .header(&format!("live/{path}"), &format!("candidate/{path}"))
                    .to_string();
                let mut lines: Vec<&str> = full.lines().take(PATCH_LINES + 1).collect();
                if lines.len() > PATCH_LINES {
                    lines.truncate(PATCH_LINES);
                    lines.push("… (cut)");
                }
                (plus, minus, lines.join("\n"))
            }
            _ => (0, 0, "(binary)".into()),
        };
        out.push(FileChange {
            path: path.clone(),
            status,
            added,
            removed,
            patch,
        });
    }
    out
}
