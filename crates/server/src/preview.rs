//! The reviewer's preview: the console opens a candidate version in the simulator. The
//! simulator is a host, above the server in the dependency order, so `cove serve` plugs it in
//! through [`Previewer`]; a server without one answers `preview_unavailable`.

use std::future::Future;
use std::pin::Pin;

pub type PreviewFuture<'a> = Pin<Box<dyn Future<Output = Result<String, String>> + Send + 'a>>;

pub trait Previewer: Send + Sync {
    /// Run `package` (unsigned, as uploaded) and return the simulator's URL. `key` names the
    /// app and version, so asking twice reuses the running one.
    fn preview<'a>(&'a self, key: &'a str, package: Vec<u8>) -> PreviewFuture<'a>;
}
