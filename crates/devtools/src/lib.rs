//! Cove's own tooling, kept out of what ships: the `cove` binary, the container and the
//! package library carry none of it (`docs/architecture.md`, "What ships").
//!
//! - [`bench`]: `cove-devtools bench runtime|package|server|compile`, each a table.
//! - [`apis`]: `cove-devtools apis`, the `wx.*` conformance run and its local echo servers.
//! - [`oracle`] and [`render`]: the compatibility oracle, `cove-devtools render`, which
//!   renders a template as WeChat's `wcc` does so that the two can be compared.
//!
//! Nothing in the workspace depends on this crate.

pub mod apis;
pub mod bench;
pub mod oracle;
pub mod render;
