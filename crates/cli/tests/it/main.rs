//! The crate's integration tests, in one binary: the workspace links (and stores) one
//! test executable per crate instead of one per file.
mod apis;
mod audit;
mod cli;
mod package;
mod render_oracle;
mod serve;
mod wxml_lenient;
