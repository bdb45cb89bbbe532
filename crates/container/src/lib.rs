//! The container: each mini-program instance owns one QuickJS runtime on its own thread,
//! shares nothing with the others, and runs under memory, CPU-time and stack limits.

mod instance;
pub mod render;

pub use instance::{Clock, Hooks, Instance, Level, Limits, Poster, RunError};
pub use render::{RenderError, call_page_method, dispatch_event, render_app};
