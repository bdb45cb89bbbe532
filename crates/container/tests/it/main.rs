//! The crate's integration tests, in one binary: the workspace links (and stores) one
//! test executable per crate instead of one per file.
mod animate_query;
mod apis_persistence;
mod automation;
mod bridge_binary;
mod common;
mod demo_app;
mod event_loop;
mod guard;
mod install;
mod launch;
mod legacy_canvas;
mod leniency;
mod lifecycles;
mod limits;
mod malicious;
mod net_policy;
mod protocol;
mod prototypes;
mod sandbox;
mod sandbox_storage;
mod services_fs;
mod services_net;
mod services_storage;
mod theme;
mod wux_pages;
