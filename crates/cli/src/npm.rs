//! `cove npm`: WeChat DevTools' "build npm" (构建 npm), writing `miniprogram_npm` into the
//! project. `cove build` and `cove dev` do not need it: they pack in memory.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use cove_compiler::npm::PackageKind;

#[derive(clap::Args)]
pub struct NpmArgs {
    /// The project folder (with `project.config.json`, or the mini-program root).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Only print what would be written.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(args: NpmArgs) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let build = cove_compiler::npm::pack_project(&args.dir)
        .with_context(|| format!("read {}", args.dir.display()))?;
    for w in &build.warnings {
        eprintln!("{}", w.render_plain());
    }
    if build.packages.is_empty() {
        eprintln!(
            "no npm package to build in {}: no `node_modules` holds a `dependencies` entry of a package.json (run `npm install`?)",
            args.dir.display()
        );
        return Ok(ExitCode::FAILURE);
    }
    for p in &build.packages {
        println!(
            "{:<48} {}@{} ({}, {} files, {})",
            p.dest,
            p.name,
            p.version,
            match p.kind {
                PackageKind::Component => "component",
                PackageKind::Js => "js",
            },
            p.files,
            human(p.bytes),
        );
    }
    if !args.dry_run {
        cove_compiler::npm::write_into_project(&args.dir, &build)
            .with_context(|| format!("write miniprogram_npm into {}", args.dir.display()))?;
    }
    eprintln!(
        "{} {} packages ({} files) in {:.0?}",
        if args.dry_run { "would write" } else { "built" },
        build.packages.len(),
        build.files.len(),
        started.elapsed()
    );
    Ok(ExitCode::SUCCESS)
}

fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
    } else if bytes >= 1 << 10 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}
