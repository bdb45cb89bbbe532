//! The platform server (`docs/server.md`). This first part holds the rules that every API
//! node must apply identically, independent of storage and HTTP:
//!
//! - [`gray`]: which version a user gets, and why (gray-release rules in a defined order);
//! - [`sdk_auth`]: the SDK's request signatures (HMAC over method, path, body digest,
//!   timestamp and nonce) and replay refusal; [`nonce_log`] keeps the nonces in the database
//!   (group commit), so a restart or another node refuses them too;
//! - [`data_key`]: the data-protection key that encrypts SDK secrets at rest (AES-256-GCM);
//!   [`fsperm`]: the data directory and its files owner-only;
//! - [`audit`]: the hash-chained audit log and its verification, stored through [`db`]
//!   (SQLite or PostgreSQL), with every entry's head signed into a file outside the database
//!   ([`audit::anchor`]);
//! - [`report`]: the review report of a compiled package (APIs, domains, scopes, sizes, npm
//!   modules, the diff against the live version);
//! - [`blobs`] and [`download`]: content-addressed package storage; delivered packages are
//!   served immutable with HTTP ranges, with the ticket resolve puts in their URL;
//! - [`authz`]: roles, organisation scoping and separation of duties, in one table;
//! - [`credentials`]: argon2id passwords, session and token secrets, CSRF tokens;
//! - [`upload`]: accepting a source upload (cloud compile) or a compiled package, within
//!   limits, with its review report;
//! - [`workflow`]: a version's states and steps under those permissions, and the signed (and
//!   per-host sealed) packages publishing makes;
//! - [`sdk`]: `POST /sdk/v1/resolve` over a storage-agnostic catalog.
//!
//! On top of them:
//!
//! - [`platform`]: every operation (organisations, users, host apps, mini-programs, versions,
//!   releases), authorised and audited in one transaction, and the SDK catalog it keeps;
//! - [`api`]: the JSON API over it, with sessions, CSRF and API tokens; [`console`] the web
//!   console; [`serve`] the node that serves them all from a [`config::ServerConfig`];
//! - [`demo`]: the seeded platform of `cove serve --demo`;
//! - [`rotation`]: `cove keys rotate`, the signing key replaced and what it signed signed
//!   again.

pub mod api;
pub mod audit;
pub mod authz;
pub mod blobs;
pub mod config;
pub mod console;
pub mod credentials;
pub mod data_key;
pub mod db;
pub mod demo;
pub mod download;
pub mod fsperm;
pub mod gray;
pub mod nonce_log;
pub mod platform;
pub mod preview;
pub mod report;
pub mod rotation;
pub mod sdk;
pub mod sdk_auth;
pub mod serve;
pub mod stats;
pub mod upload;
pub mod workflow;
