//! The messages that cross Cove's seams, defined once: both sides are checked against these
//! types (`docs/protocol.md`).
//!
//! - [`view`]: the container <-> view protocol (ops, routes, events, hello).
//! - [`bridge`]: the calls between the container's JS runtime and its Rust services.

pub mod bridge;
pub mod view;
