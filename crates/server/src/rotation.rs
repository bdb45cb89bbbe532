//! Rotating the platform's signing key (`cove keys rotate`, `docs/deploy.md`).
//!
//! 1. The new key is made beforehand (`cove keygen --purpose sign`) and its public half is
//!    shipped to the host apps, which then trust the old and the new key
//!    (`SdkConfig.signing_keys`).
//! 2. [`rotate`], with the servers stopped: the old key's public half goes to
//!    `retired/<id>.pub.json` beside the key (still trusted to check what it signed: the
//!    audit log's signed heads), every published package is signed again with the new key and
//!    sealed again per host ([`crate::platform::Platform::resign_packages`]), and the new key
//!    replaces the old one's file. The old private half is gone after that.
//! 3. The servers start on the new key: the policies they sign, the packages they publish and
//!    the audit heads they sign carry its id. Once every host ships without the old key, it
//!    is retired; its public half stays in `retired/` for `cove audit verify`.
//!
//! A key made here when none is given is staged first as `KEYFILE.next` (0600), so that a
//! rotation cut short is finished by running it again.

use std::path::{Path, PathBuf};

use cove_package::{KeyPair, Purpose};

use crate::config::ServerConfig;
use crate::platform::Resigned;

#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("the new key {0} is the current key")]
    SameKey(String),
    #[error("the new key must be a signing key (purpose sign), not {0}")]
    NotSigning(&'static str),
    #[error("{0}")]
    Start(#[from] crate::serve::StartError),
    #[error("re-signing: {0}")]
    Resign(#[from] crate::platform::Error),
}

/// What a rotation did.
#[derive(Debug, Clone)]
pub struct Rotated {
    pub old: String,
    pub new: String,
    /// The old key's public half, kept to check what it signed.
    pub retired: PathBuf,
    pub resigned: Resigned,
}

fn file_err(path: &Path) -> impl Fn(String) -> RotateError + '_ {
    move |message| RotateError::File {
        path: path.to_path_buf(),
        message,
    }
}

/// `KEYFILE.next`: a key made by [`rotate`] before it is used.
pub fn staged_path(key_file: &Path) -> PathBuf {
    let mut p = key_file.as_os_str().to_owned();
    p.push(".next");
    PathBuf::from(p)
}

/// Replace the platform's signing key with `new` (or a key made now, of the old key's
/// suite), re-sign every published package with it, and keep the old key's public half as
/// retired-but-trusted.
pub async fn rotate(cfg: &ServerConfig, new: Option<KeyPair>) -> Result<Rotated, RotateError> {
    let path = cfg.signing_key_path();
    let err = file_err(&path);
    let text = std::fs::read_to_string(&path).map_err(|e| err(e.to_string()))?;
    let old = KeyPair::from_json(&text).map_err(|e| err(e.to_string()))?;
    let staged = staged_path(&path);
    let new = match new {
        Some(k) => k,
        None => match std::fs::read_to_string(&staged) {
            Ok(text) => KeyPair::from_json(&text).map_err(|e| file_err(&staged)(e.to_string()))?,
            Err(_) => {
                let k = KeyPair::generate(old.suite(), Purpose::Sign, None)
                    .map_err(|e| err(e.to_string()))?;
                crate::serve::write_private(&staged, &k.to_json())
                    .map_err(|e| file_err(&staged)(e.to_string()))?;
                k
            }
        },
    };
    if new.purpose() != Purpose::Sign {
        return Err(RotateError::NotSigning(new.purpose().as_str()));
    }
    if new.id() == old.id() {
        return Err(RotateError::SameKey(new.id().to_string()));
    }

    // The old key's public half first: from here on it is what checks its signatures.
    let dir = cfg.retired_keys_dir();
    crate::fsperm::create_private_dir(&dir).map_err(|e| file_err(&dir)(e.to_string()))?;
    let retired = dir.join(format!("{}.pub.json", old.id()));
    write_replacing(&retired, &old.public().to_json(), 0o644)
        .map_err(|e| file_err(&retired)(e.to_string()))?;

    let platform = crate::serve::open_with_key(cfg, new.clone()).await?;
    let mut previous = cfg.retired_keys().map_err(|e| err(e.to_string()))?;
    previous.push(old.public());
    let resigned = platform.resign_packages(&previous).await?;
    platform.db.pool.close().await;

    write_replacing(&path, &new.to_json(), 0o600).map_err(|e| err(e.to_string()))?;
    crate::serve::write_public_half(&path, &new);
    let _ = std::fs::remove_file(&staged);
    tracing::info!(
        "rotated the signing key {} → {}: {} packages signed again",
        old.id(),
        new.id(),
        resigned.versions
    );
    Ok(Rotated {
        old: old.id().to_string(),
        new: new.id().to_string(),
        retired,
        resigned,
    })
}

/// Write `text` to `path` through a synced temporary file in the same directory, renamed
/// over it.
fn write_replacing(path: &Path, text: &str, mode: u32) -> std::io::Result<()> {
    use std::io::Write as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
