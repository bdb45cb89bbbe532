//! The crate's integration tests, in one binary: the workspace links (and stores) one
//! test executable per crate instead of one per file.
mod envelope;
mod fuzz_seeds;
mod kat;
mod one_reading;
mod refusals;
