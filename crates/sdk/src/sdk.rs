//! The host's entry point.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cove_container::{
    HostSecrets, LaunchError, Launcher, PlatformPolicy, PlatformTrust, PolicyError,
};
use cove_package::{Channel, KeyPair, PublicKey};
use serde_json::Value;

use crate::cache::Cache;
use crate::client::{ClientError, PlatformClient, PolicySignature, Resolved, User};

/// The clock the SDK checks policies' expiry with: Unix seconds.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

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
    /// The host's secrets: every app's storage is encrypted at rest under a key derived
    /// from them (and the app id).
    pub secrets: HostSecrets,
    /// The channels this host app installs: `[Channel::Release]` for a store build; a
    /// testers' build may add `Trial`. A package signed for another is refused
    /// (`wrong_channel`).
    pub channels: Vec<Channel>,
    /// Installed mini-programs.
    pub cache_dir: PathBuf,
    /// The host app's own version and platform, for gray rules.
    pub host_version: Option<String>,
    pub platform: String,
    pub timeout: Duration,
    /// What a policy's expiry is checked against; the system clock when `None`.
    pub clock: Option<Clock>,
}

#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    #[error("the policy for {app_id} is refused: {source}")]
    Policy {
        app_id: String,
        #[source]
        source: PolicyError,
    },
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
    Launch(LaunchError),
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
            SdkError::Policy { source, .. } => source.code(),
            SdkError::Unavailable { code, .. } => code,
            SdkError::OfflineNotInstalled(_) => "offline_not_installed",
            SdkError::BadAppId(_) => "bad_app_id",
            SdkError::Install(e) => e.code(),
            SdkError::Launch(e) => e.code(),
            SdkError::Client(ClientError::Digest { .. }) => "digest_mismatch",
            SdkError::Client(ClientError::Unreachable(_)) => "unreachable",
            SdkError::Client(_) => "protocol",
            SdkError::Cache(_) => "cache",
        }
    }

    fn launch(app_id: &str, e: LaunchError) -> Self {
        match e {
            LaunchError::Policy(source) => SdkError::Policy {
                app_id: app_id.into(),
                source,
            },
            LaunchError::Install(e) => SdkError::Install(e),
            other => SdkError::Launch(other),
        }
    }
}

/// A mini-program ready to run: verified, installed, under the platform's policy.
#[derive(Debug)]
pub struct Launch {
    pub app_id: String,
    pub version_code: u64,
    /// Launched from the cache because the platform could not be reached.
    pub offline: bool,
    /// The one way to run it: the package verified again as installed, the policy the
    /// platform signed (checked, expiry included), the host's storage secret.
    pub launcher: Launcher,
}

impl Launch {
    /// The installed, verified package.
    pub fn package_dir(&self) -> &Path {
        self.launcher.package_dir()
    }

    /// The platform's policy for it on this host (whitelists, grants, privacy, validity).
    pub fn policy(&self) -> &PlatformPolicy {
        self.launcher.policy()
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

/// An install or launch that found the cached installation unusable (changed on disk, from
/// an older SDK without its signature, gone): online, the platform's copy replaces it.
fn cache_broken(e: &SdkError) -> bool {
    matches!(e, SdkError::Install(_))
}

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

    fn platform_trust(&self) -> PlatformTrust {
        PlatformTrust {
            channels: self.config.channels.clone(),
            ..PlatformTrust::new(
                self.config.signing_keys.clone(),
                self.config.host_keys.clone(),
                &self.config.sdk_key,
            )
        }
    }

    fn now(&self) -> i64 {
        self.config
            .clock
            .as_ref()
            .map_or_else(cove_container::launch::unix_now, |c| c())
    }

    /// The policy the platform signed for this app on this host, verified now; the only one
    /// applied.
    fn verified_policy(
        &self,
        app_id: &str,
        sig: Option<&PolicySignature>,
    ) -> Result<PlatformPolicy, SdkError> {
        let policy_error = |source| SdkError::Policy {
            app_id: app_id.to_string(),
            source,
        };
        let sig = sig.ok_or_else(|| policy_error(PolicyError::Missing))?;
        cove_container::verify_policy(
            app_id,
            &self.config.sdk_key,
            sig,
            &self.config.signing_keys,
            self.now(),
        )
        .map_err(policy_error)
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
    /// verified) policy; then ready to launch, verified again as installed.
    fn install(
        &self,
        app_id: &str,
        bytes: &[u8],
        signature: &PolicySignature,
        source: &str,
    ) -> Result<Launch, SdkError> {
        let state = self.cache.state(app_id);
        let staging = self
            .cache
            .app_dir(app_id)
            .ok_or_else(|| SdkError::BadAppId(app_id.into()))?
            .join("incoming");
        let trust = self.platform_trust().package_trust(state.current);
        let installed = cove_container::install(bytes, &trust, Some(app_id), &staging)?;
        let dir = self
            .cache
            .version_dir(app_id, installed.version_code)
            .ok_or_else(|| SdkError::BadAppId(app_id.into()))?;
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::rename(&staging, &dir)?;
        self.cache.installed(
            app_id,
            installed.version_code,
            payload_json(signature),
            Some(signature.clone()),
            source,
        )?;
        self.cached(app_id, false)?
            .ok_or_else(|| SdkError::OfflineNotInstalled(app_id.into()))
    }

    /// The installed version, verified again as it is on disk, with its policy checked
    /// against the platform's signature and its expiry again (the cache is on the device,
    /// where anyone with the disk could edit it).
    fn cached(&self, app_id: &str, offline: bool) -> Result<Option<Launch>, SdkError> {
        let s = self.cache.state(app_id);
        let Some(code) = s.current else {
            return Ok(None);
        };
        let Some(dir) = self.cache.version_dir(app_id, code) else {
            return Ok(None);
        };
        if !dir.join("package").is_dir() {
            return Ok(None);
        }
        let signature = s
            .policy_signature
            .as_ref()
            .ok_or_else(|| SdkError::Policy {
                app_id: app_id.into(),
                source: PolicyError::Missing,
            })?;
        let launcher = Launcher::installed(
            &self.platform_trust(),
            &self.config.secrets,
            app_id,
            &dir,
            signature,
            self.now(),
        )
        .map_err(|e| SdkError::launch(app_id, e))?;
        Ok(Some(Launch {
            app_id: app_id.to_string(),
            version_code: launcher.version_code(),
            offline,
            launcher,
        }))
    }

    /// Get `app_id` ready for `user`: the version the platform gives them, downloaded,
    /// verified and installed when it is not already, or the last good one when the platform
    /// cannot be reached (while its policy holds: `policy_expired` after its grace). A
    /// takedown refuses, online or (once seen) offline. The policy applied is the one the
    /// platform signed.
    pub fn prepare(&self, app_id: &str, user: &User) -> Result<Launch, SdkError> {
        if self.cache.app_dir(app_id).is_none() {
            return Err(SdkError::BadAppId(app_id.into()));
        }
        match self.resolve(app_id, user) {
            Ok(r) => {
                self.verified_policy(app_id, r.policy_signature.as_ref())?;
                let signature = r.policy_signature.clone().expect("verified above");
                let state = self.cache.state(app_id);
                if state.current == Some(r.version.code) {
                    // The policy may have changed without a new version, or been signed
                    // again with a later expiry.
                    if state.policy_signature.as_ref() != Some(&signature) {
                        self.cache.installed(
                            app_id,
                            r.version.code,
                            payload_json(&signature),
                            Some(signature.clone()),
                            &state.source,
                        )?;
                    }
                    match self.cached(app_id, false) {
                        Ok(Some(l)) => return Ok(l),
                        Ok(None) => {}
                        // A changed installation is replaced by the platform's copy.
                        Err(e) if cache_broken(&e) => {
                            tracing::warn!("{app_id}: installing again ({e})");
                        }
                        Err(e) => return Err(e),
                    }
                }
                let bytes = self.rt.block_on(self.client.download(&r.package))?;
                match self.install(app_id, &bytes, &signature, "platform") {
                    // A device never goes back to an older version the platform did not sign
                    // as a rollback of the one it has (a user who left a gray group, say):
                    // it keeps the newer one.
                    Err(SdkError::Install(e))
                        if matches!(e.code(), "downgrade" | "rollback_out_of_range") =>
                    {
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
        self.verified_policy(app_id, Some(policy))?;
        if let Ok(Some(l)) = self.cached(app_id, false) {
            let opened = cove_package::open(bytes, &self.platform_trust().package_trust(None))
                .map_err(cove_container::InstallError::from)?;
            if opened.manifest.version_code <= l.version_code {
                return Ok(l);
            }
        }
        self.install(app_id, bytes, policy, "preset")
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

/// The policy's JSON as signed, for the cache's readable copy.
fn payload_json(sig: &PolicySignature) -> Value {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(&sig.payload)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null)
}
