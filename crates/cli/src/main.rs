//! `cove`: build, run and publish mini-programs.

mod audit;
mod build;
mod check;
mod dev;
mod inspect;
mod keys;
mod npm;
mod package;
mod platform_client;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cove",
    version,
    about = "Cove: a private mini-program platform",
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
    /// Compile a mini-program project into a Cove app (a directory or a .zip).
    Build(build::BuildArgs),
    /// How ready a WeChat mini-program is for Cove: build it, open every page headless, and
    /// report errors, unsupported APIs and unknown components.
    Check(check::CheckArgs),
    /// Run a mini-program in the simulator: a phone-sized view in the browser with live
    /// reload and developer panels.
    Dev(dev::DevArgs),
    /// Run a mini-program headless for end-to-end tests: the simulator, a headless Chromium
    /// for its view, and WeChat's `miniprogram-automator` protocol.
    TestServer(dev::TestServerArgs),
    /// Make a key: the platform's signing key or a host app's sealing key.
    Keygen(package::KeygenArgs),
    /// Sign a package with the platform's key (its manifest digests follow the key's suite).
    Sign(package::SignArgs),
    /// Encrypt a signed package for one or more host apps' keys.
    Seal(package::SealArgs),
    /// Check a package as a container would: signature, digests, envelope, version.
    Verify(package::VerifyArgs),
    /// Show a package's envelope, manifest, files and signer, without judging it.
    Inspect(package::InspectArgs),
    /// Run the platform server: console, API, SDK endpoints and package downloads.
    Serve(serve::ServeArgs),
    /// Upload a version to the platform (a project directory, compiled there, or a package).
    Upload(platform_client::UploadArgs),
    /// Submit an uploaded version for review.
    Submit(platform_client::StepArgs),
    /// Sign and release an approved version (`--gray` for gray rules only).
    Publish(platform_client::StepArgs),
    /// Which version of a mini-program a user gets, and why.
    Explain(platform_client::ExplainArgs),
    /// The platform's audit log: `cove audit verify --data-dir DIR` checks it against the
    /// platform's signed heads.
    Audit(audit::AuditArgs),
    /// The platform's signing key: `cove keys rotate` replaces it and re-signs what it signed.
    Keys(keys::KeysArgs),
    /// WeChat DevTools' "build npm": pack `node_modules` into the project's `miniprogram_npm`.
    Npm(npm::NpmArgs),
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
        Command::Build(args) => build::run(args),
        Command::Check(args) => check::run(args),
        Command::Dev(args) => dev::run(args),
        Command::TestServer(args) => dev::test_server(args),
        Command::Keygen(args) => package::keygen(args),
        Command::Sign(args) => package::sign(args),
        Command::Seal(args) => package::seal(args),
        Command::Verify(args) => package::verify(args),
        Command::Inspect(args) => package::inspect(args),
        Command::Serve(args) => serve::run(args),
        Command::Upload(args) => platform_client::upload(args),
        Command::Submit(args) => platform_client::submit(args),
        Command::Publish(args) => platform_client::publish(args),
        Command::Explain(args) => platform_client::explain(args),
        Command::Audit(args) => audit::run(args),
        Command::Keys(args) => keys::run(args),
        Command::Npm(args) => npm::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{:?}", miette::Report::msg(format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}
