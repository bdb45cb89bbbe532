//! The calls between the container's JS runtime and its Rust services, as types.
