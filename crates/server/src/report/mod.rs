//! The review report: what a reviewer must see before approving a version, computed from the
//! compiled package alone.
//!
//! - the `wx` APIs the code calls (from the JS syntax tree and its symbols, not text search:
//!   aliases, constant keys and destructuring are followed), sensitive ones marked;
//! - the places where code reaches `wx`, the global object or code-from-strings in a way that
//!   cannot be read statically ("needs manual review", with file:line:col and why);
//! - the domains the code and templates reference, each checked against the whitelists, and
//!   host-like strings (bare, `//host`, IP addresses, built from pieces) on no whitelist;
//! - the permission scopes it asks for, named or implied by the APIs it calls;
//! - the size of the main package and of each subpackage, against WeChat's limits;
//! - the third-party npm modules it ships;
//! - a line diff against the live version.

mod fold;
mod hosts;
mod reach;

use std::collections::{BTreeMap, BTreeSet};

use oxc::allocator::Allocator;
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
    /// Of `calls`, those not written as `wx.X`/`ft.X`: through an alias (`const w = wx`), a
    /// constant key (`wx['get' + 'Location']`), destructuring or the global object.
    pub indirect: usize,
    pub files: BTreeSet<String>,
    pub sensitive: bool,
}

/// A place in the code a reviewer must read: what it reaches cannot be known without running
/// it (a computed member of `wx`, `wx` passed away, `eval`...), or a host-like string that is
/// on no whitelist.
#[derive(Debug, Clone, Serialize, PartialEq, JsonSchema)]
pub struct ReviewItem {
    /// The package file (compiled JS: the source's lines unless minified or transpiled).
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    /// `computed_member`, `alias_escapes`, `alias_reassigned`, `unknown_wx_property`,
    /// `wx_overwritten`, `eval`, `function_constructor`, `string_timer`, `dynamic_require`
    /// or `host_fragment`.
    pub code: &'static str,
    pub reason: String,
    /// The line around that place, shortened.
    pub snippet: String,
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
    /// Needs manual review, by file and position.
    pub manual_review: Vec<ReviewItem>,
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
    let mut review = vec![];
    let mut fragments = vec![];
    for (path, bytes) in files {
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        if path.ends_with(".js") {
            let strings = scan_js(
                path,
                text,
                &mut apis,
                &mut findings,
                &mut review,
                &mut fragments,
            );
            for b in &strings {
                // A scope named in any piece (`'scope.record'`), whole or in a larger string.
                for s in std::iter::once(&b.whole).chain(&b.raw) {
                    if s.starts_with("scope.") && s[6..].chars().all(|c| c.is_ascii_alphanumeric())
                    {
                        scopes.insert(s.clone());
                    }
                }
                urls(&b.whole, path, &mut domains);
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
            let indirect = if use_.indirect > 0 {
                format!(", {} through an alias or a computed key", use_.indirect)
            } else {
                String::new()
            };
            findings.push(Finding {
                level: "warn",
                code: "sensitive_api",
                message: format!(
                    "wx.{name} ({} calls{indirect}) needs a grant for this host app",
                    use_.calls
                ),
            });
        }
    }
    dynamic_findings(&review, &mut findings);
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
    host_findings(&fragments, whitelist, &domains, &mut review, &mut findings);
    review.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
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
        manual_review: review,
    }
}

/// A host-like string found in a script, before the whitelist check.
struct Located {
    file: String,
    line: usize,
    column: usize,
    snippet: String,
    fragment: hosts::Fragment,
}

/// A string of a script: whole (holes as [`fold::HOLE`]) and the texts it was built from.
struct ScriptString {
    whole: String,
    raw: Vec<String>,
}

/// Record the `wx` APIs a script reaches and the places that need manual review, collect its
/// host-like strings, and return every string in it (constant-folded where built from pieces).
fn scan_js(
    path: &str,
    text: &str,
    apis: &mut BTreeMap<String, ApiUse>,
    findings: &mut Vec<Finding>,
    review: &mut Vec<ReviewItem>,
    fragments: &mut Vec<Located>,
) -> Vec<ScriptString> {
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
    let lines = Lines::new(text);

    let reach = reach::analyze(&semantic, text);
    for hit in reach.apis {
        let e = apis.entry(hit.name.clone()).or_insert_with(|| ApiUse {
            calls: 0,
            indirect: 0,
            files: BTreeSet::new(),
            sensitive: SENSITIVE.contains(&hit.name.as_str()),
        });
        e.calls += 1;
        e.indirect += usize::from(hit.indirect);
        e.files.insert(path.to_string());
    }
    for hit in reach.hits {
        let (line, column) = lines.position(hit.at.start as usize);
        review.push(ReviewItem {
            file: path.to_string(),
            line,
            column,
            code: hit.code,
            reason: hit.reason,
            snippet: lines.snippet(hit.at.start as usize),
        });
    }

    let folder = fold::Folder::new(&semantic);
    let mut strings = vec![];
    for b in folder.strings() {
        let joined = fold::joined(&b.pieces);
        let mut seen = BTreeSet::new();
        for f in hosts::fragments(&joined) {
            // A URL written whole in one literal is a domain (listed above), not a fragment.
            if f.shape == hosts::Shape::Url && b.raw.iter().any(|r| r.contains(&f.display())) {
                continue;
            }
            if !seen.insert(f.display()) {
                continue;
            }
            let (line, column) = lines.position(b.span.start as usize);
            fragments.push(Located {
                file: path.to_string(),
                line,
                column,
                snippet: lines.snippet(b.span.start as usize),
                fragment: f,
            });
        }
        strings.push(ScriptString {
            whole: joined,
            raw: b.raw,
        });
    }
    strings
}

/// Line starts of a text, for 1-based line and column numbers.
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, starts }
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }

    /// The line at `offset`, whitespace collapsed, at most 40 characters before the place
    /// and 60 after (minified files are one long line).
    fn snippet(&self, offset: usize) -> String {
        let (line, _) = self.position(offset);
        let start = self.starts[line - 1];
        let end = self.starts.get(line).map_or(self.text.len(), |e| e - 1);
        let (Some(before), Some(after)) =
            (self.text.get(start..offset), self.text.get(offset..end))
        else {
            return String::new();
        };
        let before: Vec<char> = before.trim_start().chars().collect();
        let cut_before = before.len() > 40;
        let before: String = before[before.len().saturating_sub(40)..].iter().collect();
        let after: Vec<char> = after.trim_end().chars().collect();
        let cut_after = after.len() > 60;
        let after: String = after[..after.len().min(60)].iter().collect();
        let mut s = String::new();
        if cut_before {
            s.push('…');
        }
        s.push_str(&before);
        s.push_str(&after);
        if cut_after {
            s.push('…');
        }
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

/// One finding that sums up the dynamic places, so approval and the sign-off record them.
fn dynamic_findings(review: &[ReviewItem], findings: &mut Vec<Finding>) {
    if review.is_empty() {
        return;
    }
    let first: Vec<String> = review
        .iter()
        .take(3)
        .map(|r| format!("{}:{}:{}", r.file, r.line, r.column))
        .collect();
    let more = if review.len() > 3 { ", …" } else { "" };
    findings.push(Finding {
        level: "warn",
        code: "needs_manual_review",
        message: format!(
            "{} places reach wx, the global object or code built from strings in ways the analysis cannot follow ({}{more}): read them under Needs manual review",
            review.len(),
            first.join(", ")
        ),
    });
}

/// Host-like strings on no whitelist: a review item each, and a finding per host (unless the
/// host is already a `domain_not_whitelisted` finding).
fn host_findings(
    fragments: &[Located],
    whitelist: &Domains,
    domains: &[DomainUse],
    review: &mut Vec<ReviewItem>,
    findings: &mut Vec<Finding>,
) {
    let entries: Vec<&String> = [
        &whitelist.request,
        &whitelist.socket,
        &whitelist.upload,
        &whitelist.download,
        &whitelist.web_view,
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut by_host: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in fragments {
        let f = &l.fragment;
        if entries.iter().any(|e| f.whitelisted(e)) {
            continue;
        }
        let shown = f.display();
        let reason = match f.shape {
            hosts::Shape::Url => format!("`{shown}` is built from pieces and is on no whitelist"),
            hosts::Shape::Suffix => format!(
                "`{shown}` ends a host computed at run time, and no whitelist entry ends with it"
            ),
            hosts::Shape::Ip => format!("`{shown}` is an IP address on no whitelist"),
            hosts::Shape::Bare | hosts::Shape::Slashes => {
                format!("`{shown}` looks like a host and is on no whitelist")
            }
        };
        review.push(ReviewItem {
            file: l.file.clone(),
            line: l.line,
            column: l.column,
            code: "host_fragment",
            reason,
            snippet: l.snippet.clone(),
        });
        let listed = domains.iter().any(|d| d.host == f.host);
        if !listed {
            by_host
                .entry(shown)
                .or_default()
                .push(format!("{}:{}", l.file, l.line));
        }
    }
    for (host, places) in by_host {
        let more = if places.len() > 5 { ", …" } else { "" };
        findings.push(Finding {
            level: "warn",
            code: "host_not_whitelisted",
            message: format!(
                "{host} appears in the code ({}{more}) but on no whitelist",
                places
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
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
            // `'https://api.' + region`: the host is not known.
            if rest[host.len()..].starts_with(fold::HOLE) {
                continue;
            }
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
