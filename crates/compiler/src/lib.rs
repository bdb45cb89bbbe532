//! Cove's compiler: a WeChat mini-program project in, a compiled app out.
//!
//! WXML and WXSS go through WeChat's own Rust compilers (glass-easel); JS goes through oxc.
//! Every problem is a [`Diagnostic`] with a file, a position and a message.

// Diagnostics travel on the cold path only; boxing them would buy nothing measurable.
#![allow(clippy::result_large_err)]

pub mod alias;
pub mod diagnostic;
pub mod js;
pub mod json;
pub mod npm;
pub mod options;
pub mod output;
pub mod plugins;
pub mod project;
pub mod source;
pub mod theme;
pub mod wxml;
pub mod wxs;
pub mod wxss;

mod compile;

pub use compile::{BuildError, CompileOutput, Stats, compile, compile_dir};
pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use options::{CompileOptions, JsTarget};
pub use source::SourceTree;
