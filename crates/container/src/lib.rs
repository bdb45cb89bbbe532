//! The container: each mini-program instance owns one QuickJS runtime on its own thread,
//! shares nothing with the others, and runs under memory, CPU-time and stack limits.
//!
//! - [`instance`]: the sandboxed runtime and its event loop (timers, limits, watchdog).
//! - [`app`]: a mini-program on top of it: glass-easel, the runtime, routing, lifecycles.
//! - [`bridge`]: `wx.*` natives and the [`Host`] trait; [`services`]: storage, files, network.
//! - [`launch`]: the one production launch path ([`Launcher`]): a verified package, the
//!   platform's signed policy and the host's secrets in; the app, behind its guard, out.
//!   [`AppConfig::dev_mode_unverified`] is the dev opt-in.

pub mod app;
pub mod bridge;
mod data_size;
pub mod guard;
pub mod install;
mod instance;
pub mod launch;
pub mod mutation;
pub mod pacer;
pub mod services;

pub use app::{App, AppConfig, AppError, Automation};
pub use bridge::{Host, Reply};
pub use install::{InstallError, Installed, install, verify_installed};
pub use instance::{
    Clock, Hooks, Instance, Level, Limits, Poster, RunError, global_fn, runtime_fn, to_json,
};
pub use launch::{
    HostNetwork, HostSecrets, LaunchError, LaunchOptions, Launcher, PlatformPolicy, PlatformTrust,
    PolicyError, SignedPolicy, verify_policy,
};
pub use services::storage::HostSecret;
