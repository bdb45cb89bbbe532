//! `cove-devtools`: Cove's benchmarks, conformance run and compatibility oracle, a binary of
//! its own so that the shipped `cove` carries none of them.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cove_devtools::{apis, bench, render};

#[derive(Parser)]
#[command(
    name = "cove-devtools",
    version,
    about = "Cove's own tooling: benchmarks, the wx.* conformance run, the render oracle",
    propagate_version = true
)]
struct Cli {
    /// More log output (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a benchmark and print a table.
    Bench(bench::BenchArgs),
    /// `wx.*` coverage against the official typings, counted by running the conformance suite.
    Apis(apis::ApisArgs),
    /// Render one template with glass-easel and print it as WeChat's `$gwx(path)(data)` tree.
    Render(render::RenderArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COVE_LOG")
                .unwrap_or_else(|_| level.into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Bench(args) => bench::run(args),
        Command::Apis(args) => apis::run(args),
        Command::Render(args) => render::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{:?}", miette::Report::msg(format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}
