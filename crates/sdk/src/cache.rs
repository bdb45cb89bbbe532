//! Installed mini-programs on the device: `DIR/<app_id>/state.json` and one directory per
//! installed version (`v<code>/package/…`, written by `cove_container::install`). The state
//! names the current (last good) version, its policy, and whether the platform took the app
//! down, so a takedown holds offline too. Writes are atomic (temp file, fsync, rename).

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How many installed versions to keep per app (the current one and the one before).
pub const KEEP: usize = 2;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AppState {
    /// The version that launches.
    pub current: Option<u64>,
    /// The policy `resolve` sent with it, applied offline too, and the platform's signature
    /// over it, checked again before each offline use.
    #[serde(default)]
    pub policy: Value,
    #[serde(default)]
    pub policy_signature: Option<crate::client::PolicySignature>,
    /// Set when the platform answered `app_taken_down`; cleared by a later good resolve.
    #[serde(default)]
    pub taken_down: bool,
    /// Installed versions, oldest first.
    #[serde(default)]
    pub versions: Vec<u64>,
    /// Where the current version came from: `platform` or `preset`.
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

fn valid_app_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
        && !id.starts_with('.')
}

impl Cache {
    pub fn new(root: &Path) -> Self {
        Cache {
            root: root.to_path_buf(),
        }
    }

    /// The app's directory; `None` for an id that could name a path outside the cache.
    pub fn app_dir(&self, app_id: &str) -> Option<PathBuf> {
        valid_app_id(app_id).then(|| self.root.join(app_id))
    }

    pub fn version_dir(&self, app_id: &str, code: u64) -> Option<PathBuf> {
        Some(self.app_dir(app_id)?.join(format!("v{code}")))
    }

    pub fn state(&self, app_id: &str) -> AppState {
        self.app_dir(app_id)
            .and_then(|d| fs::read(d.join("state.json")).ok())
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    pub fn save(&self, app_id: &str, state: &AppState) -> std::io::Result<()> {
        let dir = self
            .app_dir(app_id)
            .ok_or_else(|| std::io::Error::other(format!("bad app id {app_id:?}")))?;
        fs::create_dir_all(&dir)?;
        let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
        tmp.write_all(&serde_json::to_vec_pretty(state).expect("state serialises"))?;
        tmp.as_file().sync_all()?;
        tmp.persist(dir.join("state.json")).map_err(|e| e.error)?;
        Ok(())
    }

    /// Record `code` as installed and current, and drop versions beyond [`KEEP`].
    pub fn installed(
        &self,
        app_id: &str,
        code: u64,
        policy: Value,
        signature: Option<crate::client::PolicySignature>,
        source: &str,
    ) -> std::io::Result<AppState> {
        let mut s = self.state(app_id);
        s.policy_signature = signature;
        s.versions.retain(|v| *v != code);
        s.versions.push(code);
        s.current = Some(code);
        s.policy = policy;
        s.taken_down = false;
        s.source = source.to_string();
        while s.versions.len() > KEEP {
            let old = s.versions.remove(0);
            if let Some(d) = self.version_dir(app_id, old) {
                let _ = fs::remove_dir_all(d);
            }
        }
        self.save(app_id, &s)?;
        Ok(s)
    }

    /// The platform took the app down: nothing of it may launch until it says otherwise.
    pub fn taken_down(&self, app_id: &str) -> std::io::Result<()> {
        let mut s = self.state(app_id);
        s.taken_down = true;
        self.save(app_id, &s)
    }
}
