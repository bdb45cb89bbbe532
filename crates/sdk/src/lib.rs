//! The host SDK (`docs/sdk.md`): what a host app links to run mini-programs from its bank's
//! platform.
//!
//! - [`client`]: the platform's SDK endpoints, every request HMAC-signed with the host app's
//!   SDK secret (`resolve`, package download, event batches);
//! - [`cache`]: installed versions on disk, so the last good version runs offline, and
//!   takedowns are remembered offline too;
//! - [`Sdk`]: the host's entry point: [`Sdk::prepare`] resolves, downloads, verifies the
//!   platform's signature, unseals with the host's key and installs, or falls back to the
//!   cache; the result's [`Launch::launcher`] (the container's `Launcher`, the one launch
//!   path) runs it with the platform's signed policy in force (domain whitelists, grants,
//!   privacy rules, expiry) and its storage encrypted under the host's secret;
//! - [`host`]: the host's traits for prompts, device features and login, as a container
//!   `Host` ([`ServicesHost`]);
//! - [`Runtime`]: several mini-programs at once, each isolated in its own container, with
//!   background retention and `navigateToMiniProgram` / `navigateBackMiniProgram`.

pub mod cache;
pub mod client;
pub mod host;
pub mod runtime;
mod sdk;

pub use client::{PolicySignature, Resolved, User};
pub use host::{Device, Login, Prompts, ServicesHost};
pub use runtime::{HostApp, Runtime, RuntimeEvent, RuntimeOptions};
pub use sdk::{Clock, Launch, Sdk, SdkConfig, SdkError, UpdateStatus};
