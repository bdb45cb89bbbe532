//! The crate's integration tests, in one binary: the workspace links (and stores) one
//! test executable per crate instead of one per file.
mod audit;
mod cli;
mod package;
mod serve;
