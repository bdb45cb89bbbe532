//! The container: each mini-program instance owns one QuickJS runtime on its own thread,
//! shares nothing with the others, and runs under memory, CPU-time and stack limits.
//!
//! This is the sandbox layer only; glass-easel, the render path and `wx.*` build on it.

mod instance;
pub mod render;

pub use instance::{Instance, Limits, RunError};
pub use render::{RenderError, call_page_method, dispatch_event, render_app};
