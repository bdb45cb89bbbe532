//! `cove keys rotate`: replace the platform's signing key, re-sign every published package
//! with the new one, and keep the old one's public half as retired-but-trusted
//! (`docs/deploy.md`, "Rotating the signing key").

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use cove_package::KeyPair;

#[derive(clap::Args)]
pub struct KeysArgs {
    #[command(subcommand)]
    what: Keys,
}

#[derive(clap::Subcommand)]
enum Keys {
    /// Make the new key current (with the servers stopped): the old key's public half goes
    /// to `retired/`, every published package is signed again and sealed again per host.
    Rotate(RotateArgs),
}

#[derive(clap::Args)]
struct RotateArgs {
    #[command(flatten)]
    place: crate::serve::ServerPlace,
    /// `s3://bucket[/prefix]` for a cluster (default: a directory under the data dir).
    #[arg(long, env = "COVE_BLOBS")]
    blobs: Option<String>,
    /// The new key (`cove keygen --purpose sign`), whose public half the host apps already
    /// trust. Without it a key of the current key's suite is made.
    #[arg(long)]
    new_key: Option<PathBuf>,
}

pub fn run(args: KeysArgs) -> anyhow::Result<ExitCode> {
    let Keys::Rotate(args) = args.what;
    let cfg = args.place.config(args.blobs.as_deref())?;
    let new = match &args.new_key {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| p.display().to_string())?;
            Some(KeyPair::from_json(&text).with_context(|| p.display().to_string())?)
        }
        None => None,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let r = rt.block_on(cove_server::rotation::rotate(&cfg, new))?;
    println!(
        "signing key {} → {}: {} packages signed again ({} deliveries; {} already current)",
        r.old, r.new, r.resigned.versions, r.resigned.deliveries, r.resigned.current
    );
    println!(
        "retired key (still trusted for what it signed): {}",
        r.retired.display()
    );
    println!(
        "new public key for the host apps: {}",
        cove_package::keys::public_path(&cfg.signing_key_path()).display()
    );
    Ok(ExitCode::SUCCESS)
}
