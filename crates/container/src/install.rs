//! Installing a package into an app's folder. The package is opened and verified in memory
//! first (`cove_package::open`): a refused package writes nothing, and no byte of its code
//! ever reaches a runtime. What is installed is what the manifest declares, nothing else.
//!
//! The package's `signature.json` is kept beside it, so that what is on disk can be checked
//! again before each launch ([`verify_installed`]): the app folder is on the device, where
//! anyone with the disk could edit it.

use std::fs;
use std::path::{Path, PathBuf};

use cove_package::sign::{MANIFEST, Manifest};
use cove_package::{PackageError, Trust};
use serde_json::{Value, json};

/// Where an app's verified package lives, under its app folder.
const PACKAGE_DIR: &str = "package";
/// The installed version, for the downgrade rule.
const INSTALLED: &str = "installed.json";
/// The installed package's signature, beside it (not inside: the app may read its package).
const SIGNATURE: &str = "signature.json";

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
    /// Something in the installed package folder that the package did not declare (or not
    /// a regular file): the folder was changed after installation.
    #[error("{path} was not installed from the package (the installed folder was changed)")]
    Unexpected { path: PathBuf },
}

impl InstallError {
    /// The stable code: the package's own, or `wrong_app` / `io`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Refused(e) => e.code(),
            Self::WrongApp { .. } => "wrong_app",
            Self::Io { .. } => "io",
            Self::Unexpected { .. } => "installed_changed",
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
    let signature_path = app_dir.join(SIGNATURE);
    match &opened.signature {
        Some(sig) => fs::write(&signature_path, sig.text()).map_err(io(&signature_path))?,
        None => match fs::remove_file(&signature_path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(io(&signature_path)(e));
            }
            _ => {}
        },
    }
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

/// Check the package [`install`] put in `app_dir` against `trust` again, as it is on disk
/// now: its `signature.json` by a trusted key, the manifest it signs, the channel, and every
/// file the manifest declares, with nothing else in the folder. (`trust.installed_version`
/// is not read: this is the installed version.) Outside dev mode an unsigned installation
/// is refused.
pub fn verify_installed(
    app_dir: &Path,
    trust: &Trust,
    app_id: Option<&str>,
) -> Result<Installed, InstallError> {
    let dir = app_dir.join(PACKAGE_DIR);
    let read = |path: PathBuf| fs::read(&path).map_err(|source| InstallError::Io { path, source });
    let manifest_bytes = read(dir.join(MANIFEST))?;
    let manifest = Manifest::parse(&manifest_bytes)?;
    let mut warnings = vec![];
    match fs::read(app_dir.join(SIGNATURE)) {
        Ok(sig) => {
            let sig =
                cove_package::sign::verify(&sig, &manifest_bytes, &manifest, &trust.signing_keys)?;
            let trust = Trust {
                installed_version: None,
                ..trust.clone()
            };
            trust.check_signed(&sig)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && trust.dev_mode => {
            warnings.push("the package is not signed".into());
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(PackageError::Unsigned.into());
        }
        Err(source) => {
            return Err(InstallError::Io {
                path: app_dir.join(SIGNATURE),
                source,
            });
        }
    }
    if let Some(expected) = app_id
        && expected != manifest.app_id
    {
        return Err(InstallError::WrongApp {
            expected: expected.into(),
            got: manifest.app_id.clone(),
        });
    }
    check_files(&dir, &manifest)?;
    Ok(Installed {
        dir,
        app_id: manifest.app_id,
        version_code: manifest.version_code,
        ignored: vec![],
        warnings,
    })
}

/// Every file the manifest declares, with its size and digest, and nothing else.
fn check_files(dir: &Path, manifest: &Manifest) -> Result<(), InstallError> {
    let mut seen = 0usize;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = fs::read_dir(&d).map_err(|source| InstallError::Io {
            path: d.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| InstallError::Io {
                path: d.clone(),
                source,
            })?;
            let path = entry.path();
            // Not followed: a link could point anywhere.
            let kind = entry.file_type().map_err(|source| InstallError::Io {
                path: path.clone(),
                source,
            })?;
            if kind.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(dir)
                .ok()
                .and_then(|r| r.to_str())
                .map(|r| r.replace(std::path::MAIN_SEPARATOR, "/"));
            let declared = rel.as_deref().and_then(|r| manifest.files.get(r));
            let Some((size, digest)) = declared.filter(|_| kind.is_file()) else {
                if kind.is_file() && rel.as_deref() == Some(MANIFEST) {
                    continue;
                }
                return Err(InstallError::Unexpected { path });
            };
            let rel = rel.unwrap_or_default();
            let data = fs::read(&path).map_err(|source| InstallError::Io {
                path: path.clone(),
                source,
            })?;
            if data.len() as u64 != *size {
                return Err(PackageError::DigestMismatch {
                    path: rel,
                    what: "size",
                }
                .into());
            }
            if hex::encode(manifest.suite.digest(&data)) != *digest {
                return Err(PackageError::DigestMismatch {
                    path: rel,
                    what: manifest.suite.digest_name(),
                }
                .into());
            }
            seen += 1;
        }
    }
    if seen != manifest.files.len() {
        let missing = manifest
            .files
            .keys()
            .find(|p| !dir.join(p).is_file())
            .cloned()
            .unwrap_or_default();
        return Err(PackageError::MissingFile { path: missing }.into());
    }
    Ok(())
}
