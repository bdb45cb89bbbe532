//! The crate's integration tests, in one binary: the workspace links (and stores) one
//! test executable per crate instead of one per file.
mod access;
mod accounts;
mod api_flow;
mod audit_db;
mod blobs_s3;
mod console_api;
mod download;
mod key_rotation;
mod pg;
mod report;
mod rules;
mod sdk;
mod secrets;
mod signing_key;
mod stats;
mod upload;
mod workflow;
