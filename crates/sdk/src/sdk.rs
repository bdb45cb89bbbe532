//! The host's entry point.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use cove_container::AppConfig;
use cove_container::services::net::NetPolicy;
use cove_package::{KeyPair, PublicKey, Trust};
use serde_json::Value;

use crate::cache::Cache;
use crate::client::{ClientError, PlatformClient, PolicySignature, Resolved, User};

/// How the host app reaches its platform.
#[derive(Clone)]
pub struct SdkConfig {
    /// The platform's URL.
    pub server: String,
    pub sdk_key: String,
    pub sdk_secret: String,
    /// The platform's signing keys: nothing else runs.
    pub signing_keys: Vec<PublicKey>,
    /// This host app's sealing keys (to open envelopes sealed for it).
    pub host_keys: Vec<KeyPair>,
    /// Installed mini-programs.
    pub cache_dir: PathBuf,
    /// The host app's own version and platform, for gray rules.
    pub host_version: Option<String>,
    pub platform: String,
    pub timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    #[error("the policy for {0} is not signed by a trusted platform key: {1}")]
    Policy(String, String),
    #[error("{0} was taken down by the platform; it cannot be launched")]
    TakenDown(String),
    #[error("{app_id} is not available: {message} ({code})")]
    Unavailable {
        app_id: String,
        code: String,
        message: String,
    },
    #[error("the platform is unreachable and {0} has never been installed")]
    OfflineNotInstalled(String),
    #[error("{0:?} is not an app id")]
    BadAppId(String),
    #[error("package refused: {0}")]
    Install(#[from] cove_container::InstallError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("the cache: {0}")]
    Cache(#[from] std::io::Error),
}

impl SdkError {
    /// A stable code for the host's error handling and the C ABI.
    pub fn code(&self) -> &str {
        match self {
            SdkError::TakenDown(_) => "app_taken_down",
            SdkError::Policy(..) => "policy_signature",
            SdkError::Unavailable { code, .. } => code,
            SdkError::OfflineNotInstalled(_) => "offline_not_installed",
            SdkError::BadAppId(_) => "bad_app_id",
            SdkError::Install(e) => e.code(),
            SdkError::Client(ClientError::Digest { .. }) => "digest_mismatch",
            SdkError::Client(ClientError::Unreachable(_)) => "unreachable",
            SdkError::Client(_) => "protocol",
            SdkError::Cache(_) => "cache",
        }
    }
}

/// A mini-program ready to run.
#[derive(Debug, Clone)]
pub struct Launch {
    pub app_id: String,
    pub version_code: u64,
    /// The installed, verified package.
    pub package_dir: PathBuf,
    /// The platform's policy for it on this host (whitelists, grants).
    pub policy: Value,
    /// Launched from the cache because the platform could not be reached.
    pub offline: bool,
}

impl Launch {
    /// The container's configuration: the package, the app's own data directory under
    /// `data_root`, and the platform's whitelists in force (https/wss only, no private
    /// addresses).
    pub fn app_config(&self, data_root: &Path) -> AppConfig {
        let mut config = AppConfig::new(
            &self.app_id,
            &self.package_dir,
            &data_root.join(&self.app_id),
        );
        config.net =
            serde_json::from_value::<NetPolicy>(self.policy["domains"].clone()).unwrap_or_default();
        config
    }
}

/// What `wx.getUpdateManager().onCheckForUpdate` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateStatus {
    pub has_update: bool,
    pub installed: Option<u64>,
    pub offered: Option<u64>,
}

/// The SDK: one per host app.
pub struct Sdk {
    config: SdkConfig,
    client: PlatformClient,
    cache: Cache,
    rt: tokio::runtime::Runtime,
    events: Mutex<Vec<Value>>,
}

/// Events are sent when this many are queued, or on [`Sdk::flush_events`].
pub const EVENT_BATCH: usize = 100;

impl Sdk {
    pub fn new(config: SdkConfig) -> Result<Sdk, SdkError> {
        let client = PlatformClient::new(
            &config.server,
            &config.sdk_key,
            &config.sdk_secret,
            config.timeout,
        )?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("cove-sdk")
            .enable_all()
            .build()?;
        Ok(Sdk {
            cache: Cache::new(&config.cache_dir),
            config,
            client,
            rt,
            events: Mutex::new(vec![]),
        })
    }

    fn trust(&self, installed: Option<u64>) -> Trust {
        Trust {
            signing_keys: self.config.signing_keys.clone(),
            host_keys: self.config.host_keys.clone(),
            dev_mode: false,
            installed_version: installed,
            limits: Default::default(),
        }
    }

    /// The policy the platform signed for this app on this host; the only one applied.
    fn verified_policy(
        &self,
        app_id: &str,
        sig: Option<&PolicySignature>,
    ) -> Result<Value, SdkError> {
        use base64::Engine as _;
        let bad = |why: &str| SdkError::Policy(app_id.to_string(), why.to_string());
        let sig = sig.ok_or_else(|| bad("the platform sent no signature"))?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let payload = b64
            .decode(&sig.payload)
            .map_err(|_| bad("the payload is not base64"))?;
        let signature = b64
            .decode(&sig.signature)
            .map_err(|_| bad("the signature is not base64"))?;
        let key = self
            .config
            .signing_keys
            .iter()
            .find(|k| k.id() == sig.key_id)
            .ok_or_else(|| bad(&format!("unknown key {}", sig.key_id)))?;
        let statement = cove_wire::policy_statement(app_id, &self.config.sdk_key, &payload);
        key.verify(&statement, &signature)
            .map_err(|_| bad("the signature does not match"))?;
        serde_json::from_slice(&payload).map_err(|_| bad("the payload is not JSON"))
    }

    pub fn resolve(&self, app_id: &str, user: &User) -> Result<Resolved, ClientError> {
        self.rt.block_on(self.client.resolve(
            app_id,
            user,
            self.config.host_version.as_deref(),
            &self.config.platform,
        ))
    }

    /// Verify, unseal and install `bytes` as the app's current version, with its (already
    /// verified) policy.
    fn install(
        &self,
        app_id: &str,
        bytes: &[u8],
        policy: (Value, PolicySignature),
        source: &str,
    ) -> Result<Launch, SdkError> {
        let state = self.cache.state(app_id);
        let staging = self
            .cache
            .app_dir(app_id)
            .ok_or_else(|| SdkError::BadAppId(app_id.into()))?
            .join("incoming");
        let installed =
            cove_container::install(bytes, &self.trust(state.current), Some(app_id), &staging)?;
        let dir = self
            .cache
            .version_dir(app_id, installed.version_code)
            .ok_or_else(|| SdkError::BadAppId(app_id.into()))?;
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::rename(&staging, &dir)?;
        let (policy, signature) = policy;
        self.cache.installed(
            app_id,
            installed.version_code,
            policy.clone(),
            Some(signature),
            source,
        )?;
        Ok(Launch {
            app_id: app_id.to_string(),
            version_code: installed.version_code,
            package_dir: dir.join("package"),
            policy,
            offline: false,
        })
    }

    /// The installed version, with its policy checked against the platform's signature again
    /// (the cache is on the device, where anyone with the disk could edit it).
    fn cached(&self, app_id: &str, offline: bool) -> Result<Option<Launch>, SdkError> {
        let s = self.cache.state(app_id);
        let Some(code) = s.current else {
            return Ok(None);
        };
        let Some(dir) = self
            .cache
            .version_dir(app_id, code)
            .map(|d| d.join("package"))
        else {
            return Ok(None);
        };
        if !dir.is_dir() {
            return Ok(None);
        }
        let policy = self.verified_policy(app_id, s.policy_signature.as_ref())?;
        Ok(Some(Launch {
            app_id: app_id.to_string(),
            version_code: code,
            package_dir: dir,
            policy,
            offline,
        }))
    }

    /// Get `app_id` ready for `user`: the version the platform gives them, downloaded,
    /// verified and installed when it is not already, or the last good one when the platform
    /// cannot be reached. A takedown refuses, online or (once seen) offline. The policy
    /// applied is the one the platform signed.
    pub fn prepare(&self, app_id: &str, user: &User) -> Result<Launch, SdkError> {
        if self.cache.app_dir(app_id).is_none() {
            return Err(SdkError::BadAppId(app_id.into()));
        }
        match self.resolve(app_id, user) {
            Ok(r) => {
                let policy = self.verified_policy(app_id, r.policy_signature.as_ref())?;
                let signature = r.policy_signature.clone().expect("verified above");
                let state = self.cache.state(app_id);
                if state.current == Some(r.version.code)
                    && let Some(mut l) = self.cached(app_id, false)?
                {
                    // The policy may have changed without a new version.
                    if state.policy_signature.as_ref() != Some(&signature) {
                        self.cache.installed(
                            app_id,
                            r.version.code,
                            policy.clone(),
                            Some(signature),
                            &state.source,
                        )?;
                        l.policy = policy;
                    }
                    return Ok(l);
                }
                let bytes = self.rt.block_on(self.client.download(&r.package))?;
                match self.install(app_id, &bytes, (policy, signature), "platform") {
                    // A device never goes back to an older version the platform did not sign
                    // as a rollback (a user who left a gray group, say): it keeps the newer one.
                    Err(SdkError::Install(e)) if e.code() == "downgrade" => {
                        tracing::warn!("{app_id}: keeping the installed version ({e})");
                        self.cached(app_id, false)?.ok_or(SdkError::Install(e))
                    }
                    other => other,
                }
            }
            Err(ClientError::Refused { code, .. }) if code == "app_taken_down" => {
                self.cache.taken_down(app_id)?;
                Err(SdkError::TakenDown(app_id.into()))
            }
            Err(ClientError::Refused { code, message, .. }) => Err(SdkError::Unavailable {
                app_id: app_id.into(),
                code,
                message,
            }),
            Err(ClientError::Unreachable(why)) => {
                tracing::warn!("platform unreachable ({why}); trying the cache for {app_id}");
                if self.cache.state(app_id).taken_down {
                    return Err(SdkError::TakenDown(app_id.into()));
                }
                self.cached(app_id, true)?
                    .ok_or_else(|| SdkError::OfflineNotInstalled(app_id.into()))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Install a package shipped inside the host app (a preset), with the policy the
    /// platform signed for it, when nothing newer is installed. Both are verified as a
    /// download's are: only what the platform signed runs.
    pub fn install_preset(
        &self,
        app_id: &str,
        bytes: &[u8],
        policy: &PolicySignature,
    ) -> Result<Launch, SdkError> {
        let verified = self.verified_policy(app_id, Some(policy))?;
        if let Some(l) = self.cached(app_id, false)? {
            let opened = cove_package::open(bytes, &self.trust(None))
                .map_err(cove_container::InstallError::from)?;
            if opened.manifest.version_code <= l.version_code {
                return Ok(l);
            }
        }
        self.install(app_id, bytes, (verified, policy.clone()), "preset")
    }

    /// `wx.getUpdateManager` semantics: is there a newer version for this user than the one
    /// installed? ([`Sdk::prepare`] then fetches it: `onUpdateReady`.)
    pub fn check_update(&self, app_id: &str, user: &User) -> Result<UpdateStatus, SdkError> {
        let installed = self.cache.state(app_id).current;
        let r = match self.resolve(app_id, user) {
            Ok(r) => r,
            Err(ClientError::Refused { code, .. }) if code == "app_taken_down" => {
                self.cache.taken_down(app_id)?;
                return Err(SdkError::TakenDown(app_id.into()));
            }
            Err(e) => return Err(e.into()),
        };
        Ok(UpdateStatus {
            has_update: installed != Some(r.version.code),
            installed,
            offered: Some(r.version.code),
        })
    }

    /// Queue an event (`launch`, `error` or `api_call`, as the platform's statistics take
    /// them); a full batch is sent at once.
    pub fn record(&self, event: Value) -> Result<(), SdkError> {
        let full = {
            let mut q = self.events.lock().unwrap_or_else(|e| e.into_inner());
            q.push(event);
            q.len() >= EVENT_BATCH
        };
        if full {
            self.flush_events()?;
        }
        Ok(())
    }

    /// A sink for the guard's releases of personal data: each is queued as a `data_release`
    /// event for the platform's statistics (sent with the next batch; never sent from the
    /// thread that reports it).
    pub fn release_sink(self: &std::sync::Arc<Self>) -> cove_container::guard::ReleaseSink {
        let sdk = std::sync::Arc::downgrade(self);
        std::sync::Arc::new(move |r| {
            if let (Some(sdk), Ok(v)) = (sdk.upgrade(), serde_json::to_value(r)) {
                sdk.events.lock().unwrap_or_else(|e| e.into_inner()).push(v);
            }
        })
    }

    /// Send queued events; on failure they stay queued for the next try.
    pub fn flush_events(&self) -> Result<(u64, u64), SdkError> {
        let batch: Vec<Value> =
            std::mem::take(&mut *self.events.lock().unwrap_or_else(|e| e.into_inner()));
        if batch.is_empty() {
            return Ok((0, 0));
        }
        match self.rt.block_on(self.client.events(&batch)) {
            Ok(r) => Ok(r),
            Err(e) => {
                let mut q = self.events.lock().unwrap_or_else(|e| e.into_inner());
                let later = std::mem::take(&mut *q);
                *q = batch;
                q.extend(later);
                Err(e.into())
            }
        }
    }
}
