//! `cove keygen`, `sign`, `seal`, `verify` and `inspect`: the package format's tools
//! (`docs/package.md`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use cove_package::{
    Channel, KeyPair, Limits, PublicKey, Purpose, RollbackRange, SignOptions, Suite, Trust,
    envelope,
};

#[derive(clap::Args)]
pub struct KeygenArgs {
    /// `intl` (Ed25519 / X25519) or `sm` (SM2).
    #[arg(long, default_value = "intl")]
    pub suite: String,
    /// `sign` (the platform's signing key) or `seal` (a host app's key that opens envelopes).
    #[arg(long, default_value = "sign")]
    pub purpose: String,
    /// The key id (default: from the public key's digest).
    #[arg(long)]
    pub id: Option<String>,
    /// Where to write the key pair; the public key goes beside it as `*.pub.json`.
    #[arg(short, long)]
    pub out: PathBuf,
}

#[derive(clap::Args)]
pub struct SignArgs {
    /// A package `.zip` from `cove build`.
    pub package: PathBuf,
    /// The platform's signing key (from `cove keygen --purpose sign`).
    #[arg(long)]
    pub key: PathBuf,
    /// `release` or `trial`.
    #[arg(long, default_value = "release")]
    pub channel: String,
    /// Sign as a rollback that may replace the installed versions MIN to MAX (e.g. `5-7`:
    /// those published above this one), and no other.
    #[arg(long, value_name = "MIN-MAX")]
    pub rollback_from: Option<String>,
    /// Output (default: `<name>.signed.zip` beside the input).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct SealArgs {
    /// A signed package.
    pub package: PathBuf,
    /// A host app's public sealing key; repeat for several hosts.
    #[arg(long = "to", required = true)]
    pub to: Vec<PathBuf>,
    /// Plaintext chunk size as a power of two (12..=24).
    #[arg(long, default_value_t = 16)]
    pub chunk_log2: u8,
    /// Output (default: `<name>.cove` beside the input).
    #[arg(short, long)]
    pub out: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// A package (`.zip`) or a sealed package.
    pub package: PathBuf,
    /// A trusted platform signing key (public or pair); repeat for several.
    #[arg(long)]
    pub trust: Vec<PathBuf>,
    /// A host app's sealing key pair, to open a sealed package; repeat for several.
    #[arg(long)]
    pub host_key: Vec<PathBuf>,
    /// The version code installed now (for the downgrade rule).
    #[arg(long)]
    pub installed: Option<u64>,
    /// A channel this host installs (repeatable; `release` when none is given).
    #[arg(long = "channel", value_name = "CHANNEL")]
    pub channels: Vec<String>,
    /// Dev mode: accept an unsigned package, and report an unknown key instead of refusing.
    #[arg(long)]
    pub dev: bool,
}

#[derive(clap::Args)]
pub struct InspectArgs {
    /// A package (`.zip`) or a sealed package.
    pub package: PathBuf,
    /// A host app's sealing key pair, to look inside a sealed package.
    #[arg(long)]
    pub host_key: Vec<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn key_pair(path: &Path) -> anyhow::Result<KeyPair> {
    KeyPair::from_json(&read_text(path)?).with_context(|| format!("{}", path.display()))
}

fn public_key(path: &Path) -> anyhow::Result<PublicKey> {
    PublicKey::from_json(&read_text(path)?).with_context(|| format!("{}", path.display()))
}

/// Write atomically; secrets readable by the owner only.
fn write(path: &Path, bytes: &[u8], secret: bool) -> anyhow::Result<()> {
    use std::io::Write as _;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = path.with_extension("cove-tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let _ = secret;
    let mut f = opts
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

fn beside(input: &Path, suffix: &str) -> PathBuf {
    let stem = input
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("package");
    let stem = stem
        .strip_suffix(".zip")
        .or_else(|| stem.strip_suffix(".cove"))
        .unwrap_or(stem);
    let stem = stem.strip_suffix(".signed").unwrap_or(stem);
    input.with_file_name(format!("{stem}{suffix}"))
}

pub fn keygen(args: KeygenArgs) -> anyhow::Result<ExitCode> {
    let suite = Suite::parse(&args.suite).context("--suite is `intl` or `sm`")?;
    let purpose = match args.purpose.as_str() {
        "sign" => Purpose::Sign,
        "seal" => Purpose::Seal,
        _ => bail!("--purpose is `sign` or `seal`"),
    };
    let key = KeyPair::generate(suite, purpose, args.id.as_deref())?;
    let public_path = cove_package::keys::public_path(&args.out);
    write(&args.out, key.to_json().as_bytes(), true)?;
    write(&public_path, key.public().to_json().as_bytes(), false)?;
    println!(
        "{} key {} ({}): {} (secret), {} (public)",
        args.purpose,
        key.id(),
        match (suite, purpose) {
            (Suite::Intl, Purpose::Sign) => "Ed25519",
            (Suite::Intl, Purpose::Seal) => "X25519",
            (Suite::Sm, _) => "SM2",
        },
        args.out.display(),
        public_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn sign(args: SignArgs) -> anyhow::Result<ExitCode> {
    let key = key_pair(&args.key)?;
    let channel = Channel::parse(&args.channel).context("--channel is `release` or `trial`")?;
    let bytes = read(&args.package)?;
    if envelope::is_envelope(&bytes) {
        bail!(
            "{} is sealed: sign the package before sealing it",
            args.package.display()
        );
    }
    let rollback = args
        .rollback_from
        .as_deref()
        .map(rollback_range)
        .transpose()?;
    let opts = SignOptions {
        channel,
        rollback,
        limits: Limits::default(),
    };
    let signed = cove_package::sign(&bytes, &key, &opts)
        .map_err(|e| anyhow::anyhow!("[{}] {e}", e.code()))?;
    let out = args
        .out
        .unwrap_or_else(|| beside(&args.package, ".signed.zip"));
    write(&out, &signed, false)?;
    println!(
        "signed {} with {} key {} ({}, {}{}): {}",
        args.package.display(),
        key.suite().signature_scheme(),
        key.id(),
        key.suite().digest_name(),
        channel.as_str(),
        rollback
            .map(|r| format!(", rollback of {r}"))
            .unwrap_or_default(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `MIN-MAX` (or a single version).
fn rollback_range(text: &str) -> anyhow::Result<RollbackRange> {
    let (min, max) = text.split_once('-').unwrap_or((text, text));
    let parse = |v: &str| {
        v.trim()
            .parse::<u64>()
            .with_context(|| format!("--rollback-from {text:?}: MIN-MAX, two version codes"))
    };
    Ok(RollbackRange {
        min: parse(min)?,
        max: parse(max)?,
    })
}

pub fn seal(args: SealArgs) -> anyhow::Result<ExitCode> {
    let recipients = args
        .to
        .iter()
        .map(|p| public_key(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let suite = recipients[0].suite();
    if recipients.iter().any(|r| r.suite() != suite) {
        bail!("every --to key must be of one suite");
    }
    let bytes = read(&args.package)?;
    let mut out = Vec::with_capacity(bytes.len() + 4096);
    envelope::seal(
        &mut &bytes[..],
        &mut out,
        suite,
        &recipients,
        Some(args.chunk_log2),
    )
    .map_err(|e| anyhow::anyhow!("[{}] {e}", e.code()))?;
    let path = args.out.unwrap_or_else(|| beside(&args.package, ".cove"));
    write(&path, &out, false)?;
    let ids: Vec<&str> = recipients.iter().map(PublicKey::id).collect();
    println!(
        "sealed {} with {} for {}: {}",
        args.package.display(),
        suite.cipher_name(),
        ids.join(", "),
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Keys from files: trusted signing keys (public or pairs) and host sealing key pairs.
pub fn trust(signing: &[PathBuf], host: &[PathBuf], dev_mode: bool) -> anyhow::Result<Trust> {
    Ok(Trust {
        signing_keys: signing
            .iter()
            .map(|p| public_key(p))
            .collect::<anyhow::Result<_>>()?,
        host_keys: host
            .iter()
            .map(|p| key_pair(p))
            .collect::<anyhow::Result<_>>()?,
        dev_mode,
        ..Trust::default()
    })
}

pub fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let mut trust = Trust {
        installed_version: args.installed,
        ..trust(&args.trust, &args.host_key, args.dev)?
    };
    if !args.channels.is_empty() {
        trust.channels = args
            .channels
            .iter()
            .map(|c| {
                Channel::parse(c).with_context(|| format!("--channel {c:?}: release or trial"))
            })
            .collect::<anyhow::Result<_>>()?;
    }
    let bytes = read(&args.package)?;
    match cove_package::open(&bytes, &trust) {
        Ok(opened) => {
            let m = &opened.manifest;
            match &opened.signature {
                Some(s) => println!(
                    "ok: {} version {} ({} files), signed by {} ({}, {}{}){}",
                    m.app_id,
                    m.version_code,
                    m.files.len(),
                    s.key_id,
                    s.scheme,
                    s.channel.as_str(),
                    match s.rollback_from {
                        Some(r) if s.rollback => format!(", rollback of {r}"),
                        _ if s.rollback => ", rollback of nothing".to_string(),
                        _ => String::new(),
                    },
                    opened
                        .envelope
                        .as_ref()
                        .map(|h| format!(", sealed with {}", h.suite.cipher_name()))
                        .unwrap_or_default()
                ),
                None => println!(
                    "ok (dev mode): {} version {} ({} files)",
                    m.app_id,
                    m.version_code,
                    m.files.len()
                ),
            }
            for w in &opened.warnings {
                eprintln!("warning: {w}");
            }
            for p in &opened.ignored {
                eprintln!("warning: {p} is not in the manifest: ignored");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("refused [{}]: {e}", e.code());
            Ok(ExitCode::FAILURE)
        }
    }
}

pub fn inspect(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let bytes = read(&args.package)?;
    let host_keys = args
        .host_key
        .iter()
        .map(|p| key_pair(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let report = crate::inspect::report(&bytes, &host_keys);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", crate::inspect::text(&report));
    }
    Ok(ExitCode::SUCCESS)
}
