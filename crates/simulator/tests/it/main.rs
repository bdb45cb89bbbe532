//! The simulator crate's integration tests, in one binary.
mod preview;
