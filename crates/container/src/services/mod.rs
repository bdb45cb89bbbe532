//! Native services behind `wx.*`: per-app storage, the per-app file sandbox and the network.
//! Pure Rust, no JS: the bridge converts between these and the JS side.
//!
//! # The JSON contract
//! - Arguments and results are `serde_json::Value`s shaped like WeChat's: the object a
//!   `wx.*` call takes, and its success object without `errMsg` (except the network's
//!   completions, which carry WeChat's `errMsg: "request:ok"` etc.).
//! - Binary data (ArrayBuffer) crosses as `{"$bytes": "<standard base64>"}`, both ways
//!   (see [`bytes_value`] and [`value_bytes`]).
//! - A failure is a [`ServiceError`] whose `msg` is the tail of WeChat's `errMsg` after
//!   `"<api>:"`, e.g. `"fail data not found"`,
//!   `"fail no such file or directory, open wxfile://usr/a.txt"`,
//!   `"fail exceed storage max size 10Mb"`, `"fail timeout"`, `"fail abort"`.
//! - Network events ([`NetEvent`]) are delivered to a per-task callback on a network
//!   thread; they serialise as `{"type": "<camelCase variant>", "data": ...}`.

mod atomic;
mod binary;
mod error;
pub mod fs;
pub mod html;
pub mod net;
pub mod storage;

pub use binary::{BYTES_KEY, bytes_value, value_bytes};
pub use error::ServiceError;
pub use fs::FileSystem;
pub use net::{NetEvent, NetKind, Network, Policy, Sink, SocketHandle, TaskHandle};
pub use storage::Storage;
