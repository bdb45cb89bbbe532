//! `cove check`: build the app, open every page (headless, or with the view in headless
//! Chromium), report what does not work yet (`docs/check.md`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

#[derive(clap::Args)]
pub struct CheckArgs {
    /// The project folder (with `project.config.json` or `app.json`), a compiled package
    /// folder, or a package file.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Also write the report as JSON to this file (`-` for standard output, instead of the
    /// table).
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// How long one page may take to open, in seconds.
    #[arg(long, default_value_t = 10)]
    pub page_timeout: u64,
    /// Open every page this many times in the one session (a long session's memory);
    /// the heap is then measured after each round instead of after each page.
    #[arg(long, default_value_t = 1)]
    pub rounds: usize,
    /// Also run the view, in headless Chromium, so that pages which measure their layout
    /// (selector queries, intersection observers, canvas) or show dialogs behave as on a
    /// phone. Needs Chromium (`COVE_CHROMIUM`, or Debian's `chromium`).
    #[arg(long)]
    pub browser: bool,
}

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let mut opts = cove_check::CheckOptions::new(&args.dir);
    opts.page_timeout = Duration::from_secs(args.page_timeout);
    opts.rounds = args.rounds.max(1);
    opts.heap_per_page = opts.rounds == 1;
    opts.browser = args.browser;
    let report =
        cove_check::check(&opts).with_context(|| format!("checking {}", args.dir.display()))?;
    match args.json.as_deref() {
        Some(p) if p.as_os_str() == "-" => {
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Some(p) => {
            std::fs::write(p, serde_json::to_vec_pretty(&report)?)
                .with_context(|| format!("writing {}", p.display()))?;
            print!("{}", report.render());
        }
        None => print!("{}", report.render()),
    }
    Ok(if report.failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
