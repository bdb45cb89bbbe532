//! The one error type of the native services.

use std::fmt::Display;

/// A failed service call. `msg` is the tail of WeChat's `errMsg` after `"<api>:"`, e.g.
/// `"fail data not found"`; the bridge prefixes the API name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{msg}")]
pub struct ServiceError {
    pub msg: String,
}

impl ServiceError {
    /// An error whose message is given whole.
    pub fn new(msg: impl Into<String>) -> Self {
        Self { msg: msg.into() }
    }

    /// `"fail <tail>"`.
    pub fn fail(tail: impl Display) -> Self {
        Self {
            msg: format!("fail {tail}"),
        }
    }
}
