//! The SDK's integration tests, in one binary.
mod platform;
mod runtime;
