//! `cove audit verify`: walk the platform's audit log, its head and the signed heads the
//! platform keeps outside the database, and say where they disagree (an edited, deleted or
//! cut-off row, a row added outside the platform, a rewritten chain).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use cove_package::PublicKey;
use cove_server::audit::{anchor, store};
use cove_server::db::Db;

#[derive(clap::Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    what: Audit,
}

#[derive(clap::Subcommand)]
enum Audit {
    /// Check every row of the audit log against its hash chain, its recorded head and the
    /// platform's signed heads.
    Verify(VerifyArgs),
}

#[derive(clap::Args)]
struct VerifyArgs {
    #[command(flatten)]
    place: crate::serve::ServerPlace,
    /// Signed heads: an anchor file, or a directory of them (every node's); repeat for
    /// more. By default the config's `audit_anchors` (`DATA/audit-anchors`).
    #[arg(long)]
    anchors: Vec<PathBuf>,
    /// A trusted signing key (its public half, or the key file); repeat for each. By
    /// default the platform key's public half and the retired keys' (`keys/retired/`).
    #[arg(long)]
    trust: Vec<PathBuf>,
    /// Check the chain and its head only: this finds edited and deleted rows, but not rows
    /// appended, re-hashed or cut off by someone who can write to the database.
    #[arg(long)]
    chain_only: bool,
}

fn read_key(path: &std::path::Path) -> anyhow::Result<PublicKey> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    PublicKey::from_json(&text).with_context(|| path.display().to_string())
}

/// The keys that check the signed heads: those given, or the platform's and the retired
/// ones.
fn trusted(
    args: &VerifyArgs,
    cfg: &cove_server::config::ServerConfig,
) -> anyhow::Result<Vec<PublicKey>> {
    if !args.trust.is_empty() {
        return args.trust.iter().map(|p| read_key(p)).collect();
    }
    let key_file = cfg.signing_key_path();
    let public = cove_package::keys::public_path(&key_file);
    let current = if public.exists() {
        read_key(&public)?
    } else {
        read_key(&key_file).context("the platform's signing key (or give --trust KEY)")?
    };
    let mut keys = vec![current];
    keys.extend(cfg.retired_keys()?);
    Ok(keys)
}

pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let Audit::Verify(args) = args.what;
    let cfg = args.place.config(None)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let db = Db::connect(&cfg.database_url()).await?;
        if args.chain_only {
            return Ok(match store::check(&db).await? {
                Ok(n) => {
                    println!(
                        "ok: {n} entries, the chain and its head agree (chain only: rows appended, re-hashed or cut off through the database would not show)"
                    );
                    ExitCode::SUCCESS
                }
                Err(b) => {
                    eprintln!("the audit log is not intact: {b}");
                    ExitCode::FAILURE
                }
            });
        }
        let paths = if args.anchors.is_empty() {
            vec![cfg.audit_anchors_dir()]
        } else {
            args.anchors.clone()
        };
        for p in &paths {
            anyhow::ensure!(
                p.exists(),
                "{}: no signed heads there (give --anchors, or --chain-only to check the chain alone)",
                p.display()
            );
        }
        let read = anchor::read(&paths).context("reading the signed heads")?;
        for place in &read.unfinished {
            eprintln!("warning: {place}: an unfinished last line (a crash while writing?) was set aside");
        }
        let keys = trusted(&args, &cfg)?;
        match anchor::check_db(&db, &read, &keys).await? {
            Ok(v) => {
                println!("ok: {v}");
                Ok(ExitCode::SUCCESS)
            }
            Err(b) => {
                eprintln!("the audit log is not intact: {b}");
                Ok(ExitCode::FAILURE)
            }
        }
    })
}
