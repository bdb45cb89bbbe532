//! Accepting an upload: a project's source as a ZIP, which the platform compiles itself
//! ("cloud compile"), or a package `cove build` already compiled. Everything happens in
//! memory and is read through the package reader's limits, so an oversized upload, a ZIP
//! bomb or a name that escapes is refused before anything is stored.

use cove_compiler::{CompileOptions, SourceTree};
use cove_package::{Limits, PackageError};
use serde_json::Value;

use crate::report::{self, Domains, Files, Report};

/// How an upload arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The project's source (what WeChat DevTools would upload), compiled here.
    Source,
    /// A package from `cove build`.
    Compiled,
}

#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// The upload itself, as received.
    pub max_upload: u64,
    /// Inside it (inflated size, entries, ratio).
    pub zip: Limits,
}

impl Default for UploadLimits {
    fn default() -> Self {
        Self {
            max_upload: 32 << 20,
            zip: Limits::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("the upload is {size} bytes; the limit is {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("[{code}] {0}", code = .0.code())]
    Refused(#[from] PackageError),
    #[error("not a mini-program project: {0}")]
    NotAProject(String),
    #[error("the project does not compile:\n{}", .0.join("\n"))]
    Compile(Vec<String>),
    #[error("the upload is for app {got:?}, not {expected:?}")]
    WrongApp { expected: String, got: String },
    #[error("not a compiled package: {0}")]
    NotCompiled(String),
    #[error("the package is version code {got}, but the upload says {expected}")]
    WrongVersion { expected: u64, got: u64 },
}

impl UploadError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "upload_too_large",
            Self::Refused(e) => e.code(),
            Self::NotAProject(_) => "not_a_project",
            Self::Compile(_) => "compile_failed",
            Self::WrongApp { .. } => "wrong_app",
            Self::NotCompiled(_) => "not_a_package",
            Self::WrongVersion { .. } => "wrong_version",
        }
    }
}

/// A version ready for review: the unsigned package and its report.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The compiled package (a ZIP, unsigned; publishing signs it).
    pub package: Vec<u8>,
    pub files: Files,
    pub manifest: Value,
    pub report: Report,
    /// Compiler warnings (`file:line:col: message`).
    pub warnings: Vec<String>,
}

/// What the version will be called.
#[derive(Debug, Clone)]
pub struct VersionInfo {
    pub app_id: String,
    pub version_code: u64,
    pub version_name: String,
}

/// Check, compile if needed, and analyse an upload.
pub fn accept(
    bytes: &[u8],
    kind: Kind,
    version: &VersionInfo,
    whitelist: &Domains,
    live: Option<&Files>,
    limits: &UploadLimits,
) -> Result<Candidate, UploadError> {
    if bytes.len() as u64 > limits.max_upload {
        return Err(UploadError::TooLarge {
            size: bytes.len() as u64,
            limit: limits.max_upload,
        });
    }
    let entries = cove_package::zip::read(bytes, &limits.zip)?;
    // The package's files come from the compiler, or are the upload's own: never re-read.
    let (package, files, warnings) = match kind {
        Kind::Source => compile(entries, version)?,
        Kind::Compiled => (compiled(bytes, &entries, version)?, entries, vec![]),
    };
    let manifest: Value = files
        .get("manifest.json")
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or(Value::Null);
    let report = report::analyze(&files, whitelist, live);
    Ok(Candidate {
        package,
        files,
        manifest,
        report,
        warnings,
    })
}

/// A source ZIP often wraps the project in one folder: strip it.
fn project_root(entries: &cove_package::zip::Files) -> String {
    let marker = |p: &str| p.ends_with("project.config.json") || p.ends_with("app.json");
    let Some(first) = entries.keys().filter(|p| marker(p)).min_by_key(|p| p.len()) else {
        return String::new();
    };
    match first.rfind('/') {
        Some(i) => first[..=i].to_string(),
        None => String::new(),
    }
}

fn compile(
    entries: cove_package::zip::Files,
    version: &VersionInfo,
) -> Result<(Vec<u8>, Files, Vec<String>), UploadError> {
    let root = project_root(&entries);
    let files: Vec<(String, Vec<u8>)> = entries
        .into_iter()
        .filter_map(|(p, b)| p.strip_prefix(&root).map(|rel| (rel.to_string(), b)))
        .collect();
    if !files
        .iter()
        .any(|(p, _)| p == "project.config.json" || p.ends_with("app.json"))
    {
        return Err(UploadError::NotAProject(
            "no project.config.json or app.json in the upload".into(),
        ));
    }
    let config_app_id = files
        .iter()
        .find(|(p, _)| p == "project.config.json")
        .and_then(|(_, b)| serde_json::from_slice::<Value>(b).ok())
        .and_then(|v| v["appid"].as_str().map(str::to_string));
    if let Some(got) = config_app_id
        && got != version.app_id
    {
        return Err(UploadError::WrongApp {
            expected: version.app_id.clone(),
            got,
        });
    }
    let tree = SourceTree::from_files(files);
    let opts = CompileOptions {
        version_code: Some(version.version_code),
        version_name: Some(version.version_name.clone()),
        ..CompileOptions::default()
    };
    let out = cove_compiler::compile(&tree, &opts)
        .map_err(|d| UploadError::Compile(d.errors().map(|e| e.to_string()).collect()))?;
    let warnings = out.warnings.0.iter().map(|w| w.to_string()).collect();
    let zip = cove_compiler::output::zip_bytes(&out.files)
        .map_err(|e| UploadError::NotAProject(e.to_string()))?;
    Ok((zip, out.files, warnings))
}

fn compiled(
    bytes: &[u8],
    entries: &cove_package::zip::Files,
    version: &VersionInfo,
) -> Result<Vec<u8>, UploadError> {
    let manifest: Value = entries
        .get("manifest.json")
        .and_then(|b| serde_json::from_slice(b).ok())
        .ok_or_else(|| UploadError::NotCompiled("no readable manifest.json".into()))?;
    if manifest.get("cove").is_none() {
        return Err(UploadError::NotCompiled(
            "manifest.json has no `cove` section (was it built by `cove build`?)".into(),
        ));
    }
    let got = manifest["app_id"].as_str().unwrap_or("");
    if got != version.app_id {
        return Err(UploadError::WrongApp {
            expected: version.app_id.clone(),
            got: got.to_string(),
        });
    }
    let code = manifest["version"]["code"].as_u64().unwrap_or(0);
    if code != version.version_code {
        return Err(UploadError::WrongVersion {
            expected: version.version_code,
            got: code,
        });
    }
    Ok(bytes.to_vec())
}

/// A project directory as the ZIP a source upload sends (what `cove upload DIR` and the
/// demo seed send): every file `cove build` would read, VCS folders and `node_modules` left out.
pub fn zip_source_dir(dir: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let tree = SourceTree::from_dir(dir)?;
    let files: cove_compiler::output::Files = tree
        .paths()
        .filter_map(|p| Some((p.to_string(), tree.get(p)?.to_vec())))
        .collect();
    cove_compiler::output::zip_bytes(&files)
}
