//! Native services behind `wx.*`: per-app storage, the per-app file sandbox and the network.
//! Pure Rust, no JS: the bridge converts between these and the JS side.
//!
//! # The JSON contract
//! - Arguments and results are `serde_json::Value`s shaped like WeChat's: the object a
//!   `wx.*` call takes, and its success object without `errMsg` (except the network's
//!   completions, which carry WeChat's `errMsg: "request:ok"` etc.).
//! - Binary data (ArrayBuffer) is bytes where the bridge hands it over or takes it: a
//!   [`Data::Bytes`] argument (a file's or a frame's data, a request's body) and an
//!   [`Answer`]'s out-of-line `data` (`readFile`, `responseType: "arraybuffer"`). Inside
//!   JSON it is `{"$bytes": "<standard base64>"}` ([`bytes_value`], [`value_bytes`]): the
//!   Value-only entry points (`FileSystem::call`, `Network::request`) take and give that.
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

pub use binary::{
    Answer, BYTES_KEY, Data, bytes_value, data_first, from_base64_lenient, to_base64, value_bytes,
};
pub use error::ServiceError;
pub use fs::FileSystem;
pub use net::{NetEvent, NetKind, Network, Policy, Sink, SocketHandle, TaskHandle};
pub use storage::Storage;
