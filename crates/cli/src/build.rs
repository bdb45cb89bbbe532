//! `cove build`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use cove_compiler::{BuildError, CompileOptions, Diagnostic, JsTarget};

#[derive(clap::Args)]
pub struct BuildArgs {
    /// The project folder (with `project.config.json`, or the mini-program root).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Output: a folder, or a file ending in `.zip`.
    #[arg(short, long, default_value = "dist")]
    pub out: PathBuf,
    /// Minify JS.
    #[arg(long)]
    pub minify: bool,
    /// Write a source map next to each JS file.
    #[arg(long)]
    pub source_maps: bool,
    /// Language level of the emitted JS: es2023 (default), es2017, es2015, or es5 (a build
    /// with the `es5` feature).
    #[arg(long, default_value = "es2023", value_parser = parse_target)]
    pub target: JsTarget,
    /// Version name recorded in the manifest, e.g. 1.2.0.
    #[arg(long)]
    pub app_version: Option<String>,
    /// Version code recorded in the manifest: grows with every release.
    #[arg(long)]
    pub version_code: Option<u64>,
    /// Treat warnings as errors.
    #[arg(long)]
    pub deny_warnings: bool,
}

fn parse_target(s: &str) -> Result<JsTarget, String> {
    JsTarget::parse(s)
        .ok_or_else(|| format!("unknown target `{s}` (use es2023, es2017, es2015 or es5)"))
}

pub fn run(args: BuildArgs) -> anyhow::Result<ExitCode> {
    let opts = CompileOptions {
        minify: args.minify,
        source_maps: args.source_maps,
        js_target: args.target,
        version_name: args.app_version.clone(),
        version_code: args.version_code,
    };
    let started = std::time::Instant::now();
    match cove_compiler::compile_dir(&args.dir, &opts) {
        Ok(out) => {
            report(out.warnings.0.iter());
            if args.deny_warnings && !out.warnings.0.is_empty() {
                eprintln!(
                    "error: {} warning(s) and --deny-warnings is set",
                    out.warnings.0.len()
                );
                return Ok(ExitCode::FAILURE);
            }
            write(&out.files, &args.out)?;
            let s = &out.stats;
            eprintln!(
                "built {} ({} files: {} templates, {} stylesheets, {} JS modules) into {} in {:.0?}",
                args.dir.display(),
                out.files.len(),
                s.wxml_files,
                s.wxss_files,
                s.js_modules,
                args.out.display(),
                started.elapsed()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(BuildError::Invalid(diags)) => {
            report(diags.0.iter());
            let (e, w) = (diags.errors().count(), diags.warnings().count());
            eprintln!(
                "error: build failed with {e} error(s) and {w} warning(s); nothing was written"
            );
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}

fn report<'a>(diags: impl Iterator<Item = &'a Diagnostic>) {
    let handler = miette::GraphicalReportHandler::new().with_width(110);
    for d in diags {
        let mut s = String::new();
        if handler.render_report(&mut s, d).is_err() {
            s = d.to_string();
        }
        eprintln!("{}: {s}", d.location());
    }
}

fn write(files: &cove_compiler::output::Files, out: &Path) -> anyhow::Result<()> {
    if out.extension().is_some_and(|e| e == "zip") {
        cove_compiler::output::write_zip(files, out)
            .with_context(|| format!("writing {}", out.display()))
    } else {
        if out.exists() {
            // Stale files from an earlier build must not linger in the output.
            std::fs::remove_dir_all(out).with_context(|| format!("clearing {}", out.display()))?;
        }
        cove_compiler::output::write_dir(files, out)
            .with_context(|| format!("writing {}", out.display()))
    }
}
