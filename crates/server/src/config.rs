//! The server's configuration, in one typed struct: a TOML file (`--config`), then
//! environment variables and flags over it (the CLI applies those).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::blobs::S3Options;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Where the embedded defaults live: `cove.db`, `blobs/`, `keys/`.
    pub data_dir: PathBuf,
    pub listen: String,
    /// `sqlite://…` or `postgres://…`; `sqlite://DATA/cove.db` by default.
    pub database: Option<String>,
    /// `s3://bucket[/prefix]` or a directory; `DATA/blobs` by default.
    pub blobs: Option<String>,
    pub s3: S3Options,
    /// The platform's signing key (`cove keygen --purpose signing`); made under
    /// `DATA/keys/` on first start when absent.
    pub signing_key: Option<PathBuf>,
    /// The data-protection key (32 bytes, base64) that encrypts the SDK secrets at rest;
    /// every node of a cluster needs the same one (`COVE_DATA_KEY`). When absent it is read
    /// from [`ServerConfig::data_key_file`].
    pub data_key: Option<String>,
    /// The file of the data-protection key, made (owner-only) on first start when absent;
    /// `data-protection.key` beside the signing key by default.
    pub data_key_file: Option<PathBuf>,
    /// The suite of a signing key made on first start: `intl` (Ed25519) or `sm` (SM2).
    pub suite: String,
    /// The cookie's `Secure` flag: on when TLS terminates here or at the proxy.
    pub secure_cookies: bool,
    /// How often a node checks whether another changed what the SDK endpoints serve.
    pub catalog_poll_ms: u64,
    /// The largest upload accepted, in bytes.
    pub max_upload: u64,
    /// Reviewer previews (`[preview]`).
    pub preview: PreviewConfig,
    /// How long the policies the platform signs for devices hold (`[policy]`).
    pub policy: PolicyConfig,

    // The audit log's signed heads and the signing key's rotation (`docs/deploy.md`).
    /// The directory of signed audit heads, `DATA/audit-anchors` by default: every node's
    /// file when the nodes of a cluster share it.
    pub audit_anchors: Option<PathBuf>,
    /// This node's file in it is `NODE.log`; `anchors` by default. Each node of a cluster
    /// needs a name of its own.
    pub audit_node: Option<String>,
    /// Public halves of retired signing keys, still trusted to check what they signed (the
    /// audit log's signed heads); every `*.pub.json` in [`ServerConfig::retired_keys_dir`]
    /// is too.
    pub retired_signing_keys: Vec<PathBuf>,
}

/// The validity of each signed policy (`docs/server.md`, "Policy expiry"). A device applies
/// a policy until `expires_at`, and, when it cannot reach the platform for a fresh one,
/// for `grace_secs` more; then it refuses to launch the app (`policy_expired`). The
/// platform signs the policies again well before they expire.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConfig {
    /// From signing to `expires_at` (default 7 days).
    pub validity_secs: u64,
    /// After `expires_at`, offline only (default 3 days).
    pub grace_secs: u64,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            validity_secs: 7 * 24 * 3600,
            grace_secs: 3 * 24 * 3600,
        }
    }
}

impl PolicyConfig {
    /// How old a signed policy may get before the catalog signs it again: a quarter of the
    /// validity, at most a day, at least a minute.
    pub fn refresh_secs(&self) -> u64 {
        (self.validity_secs / 4).clamp(60, 24 * 3600)
    }
}

/// How long reviewer previews run and how many at once (each is a simulator with a port).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PreviewConfig {
    /// A preview stops this many seconds after it started.
    pub ttl_secs: u64,
    /// At most this many run on a node; one more stops the oldest.
    pub max_running: usize,
}

impl Default for PreviewConfig {
    fn default() -> Self {
        PreviewConfig {
            ttl_secs: 15 * 60,
            max_running: 4,
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            data_dir: PathBuf::from("cove-data"),
            listen: "127.0.0.1:8080".into(),
            database: None,
            blobs: None,
            s3: S3Options::default(),
            signing_key: None,
            data_key: None,
            data_key_file: None,
            suite: "intl".into(),
            secure_cookies: false,
            catalog_poll_ms: 1000,
            max_upload: 32 << 20,
            preview: PreviewConfig::default(),
            policy: PolicyConfig::default(),
            audit_anchors: None,
            audit_node: None,
            retired_signing_keys: vec![],
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Key { path: PathBuf, message: String },
    #[error("{path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
}

impl ServerConfig {
    pub fn from_file(path: &Path) -> Result<ServerConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_path_buf(),
            source,
        })
    }

    pub fn database_url(&self) -> String {
        self.database.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("cove.db").display()
            )
        })
    }

    pub fn blobs_spec(&self) -> String {
        self.blobs
            .clone()
            .unwrap_or_else(|| self.data_dir.join("blobs").display().to_string())
    }

    pub fn signing_key_path(&self) -> PathBuf {
        self.signing_key
            .clone()
            .unwrap_or_else(|| self.data_dir.join("keys").join("platform-signing.json"))
    }

    pub fn data_key_path(&self) -> PathBuf {
        self.data_key_file.clone().unwrap_or_else(|| {
            let signing = self.signing_key_path();
            signing
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
                .join("data-protection.key")
        })
    }

    pub fn audit_anchors_dir(&self) -> PathBuf {
        self.audit_anchors
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit-anchors"))
    }

    pub fn audit_node_name(&self) -> String {
        self.audit_node.clone().unwrap_or_else(|| "anchors".into())
    }

    /// Where `cove keys rotate` keeps the retired keys' public halves: `retired/` beside the
    /// signing key.
    pub fn retired_keys_dir(&self) -> PathBuf {
        let signing = self.signing_key_path();
        signing
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            .join("retired")
    }

    /// The retired signing keys' public halves: [`ServerConfig::retired_signing_keys`] and
    /// every `*.pub.json` in [`ServerConfig::retired_keys_dir`].
    pub fn retired_keys(&self) -> Result<Vec<cove_package::PublicKey>, ConfigError> {
        let mut paths = self.retired_signing_keys.clone();
        if let Ok(dir) = std::fs::read_dir(self.retired_keys_dir()) {
            let mut found: Vec<PathBuf> = dir
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".pub.json"))
                .collect();
            found.sort();
            paths.extend(found);
        }
        let mut keys: Vec<cove_package::PublicKey> = vec![];
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                path: path.clone(),
                source,
            })?;
            let key = cove_package::PublicKey::from_json(&text).map_err(|e| ConfigError::Key {
                path,
                message: e.to_string(),
            })?;
            if !keys.iter().any(|k| k.id() == key.id()) {
                keys.push(key);
            }
        }
        Ok(keys)
    }

    /// The SQLite database file, when the database is SQLite on a file.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let url = self.database_url();
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))?;
        let path = rest.split('?').next().unwrap_or_default();
        (!path.is_empty() && !path.contains(":memory:")).then(|| PathBuf::from(path))
    }
}
