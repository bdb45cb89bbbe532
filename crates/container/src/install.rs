//! Installing a package into an app's folder. The package is opened and verified in memory
//! first (`cove_package::open`): a refused package writes nothing, and no byte of its code
//! ever reaches a runtime. What is installed is what the manifest declares, nothing else.

use std::fs;
use std::path::{Path, PathBuf};

use cove_package::{PackageError, Trust};
use serde_json::{Value, json};

/// Where an app's verified package lives, under its app folder.
const PACKAGE_DIR: &str = "package";
/// The installed version, for the downgrade rule.
const INSTALLED: &str = "installed.json";

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("package refused [{code}]: {0}", code = .0.code())]
    Refused(#[from] PackageError),
    #[error("the package is for app {got}, not {expected}")]
    WrongApp { expected: String, got: String },
    #[error("cannot install into {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl InstallError {
    /// The stable code: the package's own, or `wrong_app` / `io`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Refused(e) => e.code(),
            Self::WrongApp { .. } => "wrong_app",
            Self::Io { .. } => "io",
        }
    }
}

/// A package installed and ready for [`crate::AppConfig`].
#[derive(Debug, Clone)]
pub struct Installed {
    pub dir: PathBuf,
    pub app_id: String,
    pub version_code: u64,
    /// Files the manifest did not declare: not installed.
    pub ignored: Vec<String>,
    /// What dev mode let through.
    pub warnings: Vec<String>,
}

/// The version code installed in `app_dir`, if any.
pub fn installed_version(app_dir: &Path) -> Option<u64> {
    let text = fs::read_to_string(app_dir.join(INSTALLED)).ok()?;
    serde_json::from_str::<Value>(&text).ok()?["version_code"].as_u64()
}

/// Verify `bytes` against `trust` (the installed version is read from `app_dir` unless
/// `trust` names one) and install it in `app_dir/package`, replacing what was there.
pub fn install(
    bytes: &[u8],
    trust: &Trust,
    app_id: Option<&str>,
    app_dir: &Path,
) -> Result<Installed, InstallError> {
    let mut trust = trust.clone();
    if trust.installed_version.is_none() {
        trust.installed_version = installed_version(app_dir);
    }
    let opened = cove_package::open(bytes, &trust)?;
    if let Some(expected) = app_id
        && expected != opened.manifest.app_id
    {
        return Err(InstallError::WrongApp {
            expected: expected.into(),
            got: opened.manifest.app_id.clone(),
        });
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| InstallError::Io { path, source }
    };
    let dir = app_dir.join(PACKAGE_DIR);
    let staging = app_dir.join(format!("{PACKAGE_DIR}.new"));
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(io(&staging))?;
    }
    for (path, data) in &opened.files {
        // Paths were normalised by the reader: relative, no `..`.
        let target = staging.join(path);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(io(parent))?;
        }
        fs::write(&target, data).map_err(io(&target))?;
    }
    if dir.exists() {
        fs::remove_dir_all(&dir).map_err(io(&dir))?;
    }
    fs::rename(&staging, &dir).map_err(io(&dir))?;
    let version_code = opened.manifest.version_code;
    let record = json!({
        "app_id": opened.manifest.app_id,
        "version_code": version_code,
        "signed_by": opened.signature.as_ref().map(|s| s.key_id.clone()),
        "channel": opened.signature.as_ref().map(|s| s.channel.as_str()),
    });
    let record_path = app_dir.join(INSTALLED);
    fs::write(&record_path, record.to_string()).map_err(io(&record_path))?;
    Ok(Installed {
        dir,
        app_id: opened.manifest.app_id,
        version_code,
        ignored: opened.ignored,
        warnings: opened.warnings,
    })
}
