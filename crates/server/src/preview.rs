//! The reviewer's preview: the console opens a candidate version in the simulator. The
//! simulator is a host, above the server in the dependency order, so `cove serve` plugs it in
//! through [`Previewer`]; a server without one answers `preview_unavailable`.
//!
//! A candidate is unreviewed code: an implementation must keep its network to `domains` (never
//! a private, loopback or the server's own address), put a secret in the URL it answers, and
//! stop previews after a while (`cove serve`'s does: `cove_simulator::preview`).

use std::future::Future;
use std::pin::Pin;

use crate::report::Domains;

pub type PreviewFuture<'a> = Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>>;

/// One reviewer's request to run one version.
#[derive(Debug, Clone)]
pub struct PreviewRequest {
    /// Names the app, the version and the reviewer: the same reviewer asking again gets the
    /// running preview, another reviewer gets their own (and their own secret).
    pub key: String,
    /// The package as uploaded (unsigned).
    pub package: Vec<u8>,
    /// The app's approved whitelists, what the version would reach once live.
    pub domains: Domains,
}

pub trait Previewer: Send + Sync {
    /// Run the package and return the URL to give the reviewer (a secret included).
    fn preview(&self, req: PreviewRequest) -> PreviewFuture<'_>;
}
