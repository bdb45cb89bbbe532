//! The one launch path for production code (`docs/container.md`, "Launching").
//!
//! A [`Launcher`] exists only for a package that passed verification against the platform's
//! keys in production mode, with the platform's signed policy for this app on this host app
//! (verified here, expiry included), and the host's storage secret. From those it derives
//! everything the app runs under: the [`AppConfig`] (package, data folder, the network
//! policy from the policy's domain lists, storage encrypted at rest), the grant guard
//! (grants and privacy rules) and the launch behind that guard. Nothing of the policy is
//! read leniently: a policy whose grants, privacy rules or domain lists do not parse is
//! refused, never applied as "nothing granted" or "no rule".
//!
//! The other way to get an [`AppConfig`] is [`AppConfig::dev_mode_unverified`], the dev
//! opt-in of the simulator and the tools.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use cove_package::{Channel, KeyPair, Limits as PackageLimits, PublicKey, Suite, Trust};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::app::{App, AppConfig, AppError, Provenance};
use crate::bridge::Host;
use crate::guard::{AskHost, Grants, Guard, GuardError, Guarded, Privacy, ReleaseSink};
use crate::install::{self, InstallError, installed_version};
use crate::instance::{Clock, Limits};
use crate::services::net::{NetPolicy, Resolver};
use crate::services::storage::{AtRest, HostSecret};

/// The platform's policy for one app on one host app, as `resolve` returns it
/// (`policy_signature`): the policy's exact JSON bytes and the platform's signature over
/// [`cove_wire::policy_statement`] of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedPolicy {
    /// The policy's JSON, base64.
    pub payload: String,
    /// The platform signing key that signed it.
    pub key_id: String,
    /// Base64.
    pub signature: String,
}

/// The domain lists of the policy, `policy.domains`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domains {
    #[serde(default)]
    pub request: Vec<String>,
    #[serde(default)]
    pub socket: Vec<String>,
    #[serde(default)]
    pub upload: Vec<String>,
    #[serde(default)]
    pub download: Vec<String>,
    #[serde(default)]
    pub web_view: Vec<String>,
}

/// `policy.grants` as signed: the grants and the privacy rules.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignedGrants {
    #[serde(default)]
    apis: Vec<String>,
    #[serde(default)]
    host_apis: Vec<String>,
    #[serde(default)]
    privacy: Option<Privacy>,
}

/// The signed payload, read strictly: an unknown field is a rule this container does not
/// know, and refusing it is the only safe reading.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    domains: Domains,
    grants: SignedGrants,
    issued_at: i64,
    expires_at: i64,
    grace_secs: i64,
}

/// A policy that verified: signed by a trusted platform key for this app and host app,
/// readable in full, and not expired beyond its grace.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformPolicy {
    pub domains: Domains,
    pub grants: Grants,
    pub privacy: Privacy,
    /// Unix seconds.
    pub issued_at: i64,
    /// Unix seconds: after it (and the grace) no launch uses this policy.
    pub expires_at: i64,
    /// How long after `expires_at` a device that cannot reach the platform may still use it.
    pub grace_secs: i64,
}

/// Why a policy is not applied.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("the platform sent no signed policy")]
    Missing,
    #[error("the policy's {0} is not base64")]
    Encoding(&'static str),
    #[error("the policy is signed by key {0}, which this host app does not trust")]
    UnknownKey(String),
    #[error(
        "the policy's signature by key {0} does not verify for this app and host app (changed, or another's)"
    )]
    BadSignature(String),
    #[error("the policy does not parse: {0}")]
    Format(String),
    #[error(
        "the policy expired at {expires_at} and its grace of {grace_secs} s is over (now {now}); the platform must be reached for a fresh one"
    )]
    Expired {
        expires_at: i64,
        grace_secs: i64,
        now: i64,
    },
}

impl PolicyError {
    /// The stable code: `policy_signature`, `policy_format` or `policy_expired`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing | Self::Encoding(_) | Self::UnknownKey(_) | Self::BadSignature(_) => {
                "policy_signature"
            }
            Self::Format(_) => "policy_format",
            Self::Expired { .. } => "policy_expired",
        }
    }
}

/// The time now, in Unix seconds, as the launcher reads it.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Verify `signed` as the platform's policy for `app_id` on the host app `sdk_key`, at
/// `now` (Unix seconds): a trusted key's signature over [`cove_wire::policy_statement`], a
/// payload that parses in full, and `now` no later than `expires_at + grace_secs`.
pub fn verify_policy(
    app_id: &str,
    sdk_key: &str,
    signed: &SignedPolicy,
    keys: &[PublicKey],
    now: i64,
) -> Result<PlatformPolicy, PolicyError> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let payload = b64
        .decode(&signed.payload)
        .map_err(|_| PolicyError::Encoding("payload"))?;
    let signature = b64
        .decode(&signed.signature)
        .map_err(|_| PolicyError::Encoding("signature"))?;
    let key = keys
        .iter()
        .find(|k| k.id() == signed.key_id)
        .ok_or_else(|| PolicyError::UnknownKey(signed.key_id.clone()))?;
    let statement = cove_wire::policy_statement(app_id, sdk_key, &payload);
    key.verify(&statement, &signature)
        .map_err(|_| PolicyError::BadSignature(signed.key_id.clone()))?;
    let p: Payload =
        serde_json::from_slice(&payload).map_err(|e| PolicyError::Format(e.to_string()))?;
    let policy = PlatformPolicy {
        domains: p.domains,
        grants: Grants {
            apis: p.grants.apis,
            host_apis: p.grants.host_apis,
        },
        privacy: p.grants.privacy.unwrap_or_default(),
        issued_at: p.issued_at,
        expires_at: p.expires_at,
        grace_secs: p.grace_secs,
    };
    if let Some(x) = policy.privacy.location_precision
        && !(x.is_finite() && x > 0.0)
    {
        return Err(PolicyError::Format(format!(
            "privacy location_precision {x} is not a positive number of degrees"
        )));
    }
    if policy.expires_at < policy.issued_at || policy.grace_secs < 0 {
        return Err(PolicyError::Format(format!(
            "validity from {} to {} with a grace of {} s",
            policy.issued_at, policy.expires_at, policy.grace_secs
        )));
    }
    if now > policy.expires_at.saturating_add(policy.grace_secs) {
        return Err(PolicyError::Expired {
            expires_at: policy.expires_at,
            grace_secs: policy.grace_secs,
            now,
        });
    }
    Ok(policy)
}

/// What the host app trusts: the platform's signing keys, its own sealing keys, the channels
/// it installs from, and its SDK key (each policy is signed for one host app).
#[derive(Debug, Clone)]
pub struct PlatformTrust {
    pub signing_keys: Vec<PublicKey>,
    pub host_keys: Vec<KeyPair>,
    /// `release` unless the host says otherwise (a testers' build may take `trial`).
    pub channels: Vec<Channel>,
    pub sdk_key: String,
    pub limits: PackageLimits,
}

impl PlatformTrust {
    /// Trust `signing_keys`, open envelopes with `host_keys`, install the `release` channel.
    pub fn new(signing_keys: Vec<PublicKey>, host_keys: Vec<KeyPair>, sdk_key: &str) -> Self {
        Self {
            signing_keys,
            host_keys,
            channels: vec![Channel::Release],
            sdk_key: sdk_key.to_string(),
            limits: PackageLimits::default(),
        }
    }

    /// The package checks of a production container: never dev mode.
    pub fn package_trust(&self, installed_version: Option<u64>) -> Trust {
        Trust {
            signing_keys: self.signing_keys.clone(),
            host_keys: self.host_keys.clone(),
            dev_mode: false,
            installed_version,
            channels: self.channels.clone(),
            limits: self.limits,
        }
    }
}

/// The host's secrets for what the app keeps on the device.
#[derive(Debug, Clone)]
pub struct HostSecrets {
    /// Each app's storage is sealed under a key derived from it and the app id.
    pub storage_secret: HostSecret,
    /// `intl` (AES-256-GCM, HKDF-SHA256) or `sm` (SM4-GCM, HKDF-SM3).
    pub storage_suite: Suite,
}

impl HostSecrets {
    /// `intl` storage sealed under `storage_secret`.
    pub fn new(storage_secret: HostSecret) -> Self {
        Self {
            storage_secret,
            storage_suite: Suite::Intl,
        }
    }
}

/// The host's own network settings, on top of the platform's domain lists. None of them
/// widens a list; there is no dev mode here.
#[derive(Clone, Default)]
pub struct HostNetwork {
    /// Private ranges connections may reach (a bank's intranet); the URL must still be on
    /// the list.
    pub allowed_private: Vec<IpNet>,
    /// Addresses no connection goes to.
    pub denied: Vec<IpNet>,
    /// Host -> SPKI SHA-256 pins (base64).
    pub pins: HashMap<String, Vec<String>>,
    /// Extra trust anchors (DER), besides the platform's roots.
    pub extra_roots: Vec<Vec<u8>>,
    /// Name resolution; the system's when `None`.
    pub resolver: Option<Arc<dyn Resolver>>,
}

impl std::fmt::Debug for HostNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostNetwork")
            .field("allowed_private", &self.allowed_private)
            .field("denied", &self.denied)
            .field("pins", &self.pins)
            .field("extra_roots", &self.extra_roots.len())
            .field("resolver", &self.resolver)
            .finish()
    }
}

/// How this launch goes, besides what the package, the policy and the secrets decide.
#[derive(Clone)]
pub struct LaunchOptions {
    /// `getLaunchOptionsSync().scene` (1001: the app list; 1037: another mini-program).
    pub scene: u32,
    /// `{appId, extraData}` when another mini-program opened this one.
    pub referrer: Option<Value>,
    /// The host's own APIs; each also needs the policy's `host_apis` grant.
    pub host_apis: Vec<String>,
    /// The host app's user, for the release events of personal data.
    pub user_id: String,
    /// Where releases of personal data go; logged only when `None`.
    pub releases: Option<ReleaseSink>,
    pub limits: Limits,
    pub clock: Clock,
    /// Overrides for `wx.getSystemInfoSync()`.
    pub system: Value,
    /// What `wx.getExtConfigSync()` returns (the package's `ext.json` when `None`).
    pub ext_config: Option<Value>,
    pub network: HostNetwork,
}

impl Default for LaunchOptions {
    fn default() -> Self {
        Self {
            scene: 1001,
            referrer: None,
            host_apis: Vec::new(),
            user_id: String::new(),
            releases: None,
            limits: Limits::default(),
            clock: Clock::Real,
            system: serde_json::json!({}),
            ext_config: None,
            network: HostNetwork::default(),
        }
    }
}

/// Why a launch did not happen.
#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("package refused [{code}]: {0}", code = .0.code())]
    Install(#[from] InstallError),
    #[error("policy refused [{code}]: {0}", code = .0.code())]
    Policy(#[from] PolicyError),
    #[error(transparent)]
    Guard(#[from] GuardError),
    #[error(transparent)]
    App(#[from] AppError),
}

impl LaunchError {
    /// A stable code: the package's (`unsigned`, `bad_signature`, `wrong_channel`...), the
    /// policy's (`policy_signature`, `policy_format`, `policy_expired`), `guard` or `app`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Install(e) => e.code(),
            Self::Policy(e) => e.code(),
            Self::Guard(_) => "guard",
            Self::App(_) => "app",
        }
    }
}

/// A verified mini-program, ready to launch under the platform's policy. See the module
/// documentation; [`Launcher::install`] and [`Launcher::installed`] are its only constructors.
pub struct Launcher {
    app_id: String,
    version_code: u64,
    package_dir: PathBuf,
    policy: PlatformPolicy,
    storage: AtRest,
    /// How this launch goes; none of it relaxes the package, the policy or the storage.
    pub options: LaunchOptions,
}

impl std::fmt::Debug for Launcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Launcher")
            .field("app_id", &self.app_id)
            .field("version_code", &self.version_code)
            .field("package_dir", &self.package_dir)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl Launcher {
    /// Verify the policy, then verify `bytes` (signed by a trusted key, for one of the
    /// host's channels, not a downgrade of what `app_dir` holds unless a rollback signed for
    /// it; sealed for one of the host keys when sealed) and install it in `app_dir`. A
    /// refused policy or package writes nothing.
    pub fn install(
        trust: &PlatformTrust,
        secrets: &HostSecrets,
        app_id: &str,
        bytes: &[u8],
        app_dir: &Path,
        policy: &SignedPolicy,
        now: i64,
    ) -> Result<Self, LaunchError> {
        let policy = verify_policy(app_id, &trust.sdk_key, policy, &trust.signing_keys, now)?;
        let package = trust.package_trust(installed_version(app_dir));
        let installed = install::install(bytes, &package, Some(app_id), app_dir)?;
        Ok(Self::new(installed, policy, secrets))
    }

    /// What [`Launcher::install`] (or [`crate::install`] with the same trust) put in
    /// `app_dir`, verified again as it is on disk now, with the policy verified at `now`.
    pub fn installed(
        trust: &PlatformTrust,
        secrets: &HostSecrets,
        app_id: &str,
        app_dir: &Path,
        policy: &SignedPolicy,
        now: i64,
    ) -> Result<Self, LaunchError> {
        let policy = verify_policy(app_id, &trust.sdk_key, policy, &trust.signing_keys, now)?;
        let installed =
            install::verify_installed(app_dir, &trust.package_trust(None), Some(app_id))?;
        Ok(Self::new(installed, policy, secrets))
    }

    fn new(installed: install::Installed, policy: PlatformPolicy, secrets: &HostSecrets) -> Self {
        Self {
            app_id: installed.app_id,
            version_code: installed.version_code,
            package_dir: installed.dir,
            policy,
            storage: AtRest::Encrypted {
                suite: secrets.storage_suite,
                secret: secrets.storage_secret.clone(),
            },
            options: LaunchOptions::default(),
        }
    }

    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    pub fn version_code(&self) -> u64 {
        self.version_code
    }

    /// The verified package, unpacked.
    pub fn package_dir(&self) -> &Path {
        &self.package_dir
    }

    /// The policy the app will run under.
    pub fn policy(&self) -> &PlatformPolicy {
        &self.policy
    }

    /// The configuration the app gets with `data_dir` as its own folder: the policy's
    /// domain lists (no dev mode), storage encrypted under the host's secret. Not public:
    /// a configuration launched without the guard would skip the grants.
    fn config(&self, data_dir: &Path) -> AppConfig {
        let d = &self.policy.domains;
        let host = &self.options.network;
        let net = NetPolicy {
            request: d.request.clone(),
            socket: d.socket.clone(),
            upload: d.upload.clone(),
            download: d.download.clone(),
            web_view: d.web_view.clone(),
            dev_mode: false,
            allowed_private: host.allowed_private.clone(),
            denied: host.denied.clone(),
            pins: host.pins.clone(),
            extra_roots: host.extra_roots.clone(),
            resolver: host.resolver.clone(),
        };
        let o = &self.options;
        let mut config = AppConfig::with(
            &self.app_id,
            &self.package_dir,
            data_dir,
            self.storage.clone(),
            net,
            Provenance::Verified,
        );
        config.limits = o.limits.clone();
        config.clock = o.clock;
        config.system = o.system.clone();
        config.scene = o.scene;
        config.referrer = o.referrer.clone();
        config.host_apis = o.host_apis.clone();
        config.ext_config = o.ext_config.clone();
        config
    }

    /// The guard between the app and `host`: the policy's grants and privacy rules, the
    /// user's choices kept in `data_dir`.
    fn guard(&self, data_dir: &Path) -> Guard {
        let mut guard = Guard::new(&self.app_id, data_dir);
        guard.version_code = self.version_code;
        guard.user_id = self.options.user_id.clone();
        guard.grants = self.policy.grants.clone();
        guard.privacy = self.policy.privacy.clone();
        guard.host_apis = self.options.host_apis.clone();
        if let Some(sink) = &self.options.releases {
            guard.sink = sink.clone();
        }
        guard
    }

    /// Launch the app with `data_dir` as its own folder (storage, files, the user's
    /// permission choices), its requests to `host` going through the grant guard, and open
    /// its entry page (or `entry`).
    pub fn launch(
        self,
        data_dir: &Path,
        host: Arc<dyn Host>,
        entry: Option<&str>,
    ) -> Result<App, LaunchError> {
        let guarded = Guarded::new(Arc::new(AskHost(host)), self.guard(data_dir))?;
        let config = self.config(data_dir);
        tracing::debug!(target: "cove::launch", app = %self.app_id, version = self.version_code, "launching, verified");
        Ok(App::launch(config, Arc::new(guarded), entry)?)
    }
}
