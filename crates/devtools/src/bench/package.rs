//! `cove-devtools bench package`: opening and verifying a sealed package (decrypt, unzip,
//! digest every file, check the signature) against this machine's raw AES-256-GCM and SM4-GCM
//! speed, measured in the same run on the same bytes and chunk size.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::{aead, median, ms};
use cove_compiler::CompileOptions;
use cove_package::sign::{MANIFEST, Manifest, SIGNATURE};
use cove_package::{Channel, KeyPair, Limits, Purpose, SignOptions, Suite, Trust, envelope};

const CHUNK_LOG2: u8 = 16;

fn mbps(bytes: usize, t: Duration) -> f64 {
    bytes as f64 / 1e6 / t.as_secs_f64()
}

fn timed<T>(iterations: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut runs: Vec<f64> = (0..iterations)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64()
        })
        .collect();
    Duration::from_secs_f64(median(&mut runs))
}

pub fn run(dir: &Path, iterations: usize) -> anyhow::Result<ExitCode> {
    let out = cove_compiler::compile_dir(dir, &CompileOptions::default())
        .map_err(|e| anyhow::anyhow!("{} does not compile: {e}", dir.display()))?;
    let inner = cove_compiler::output::zip_bytes(&out.files).context("zip")?;
    let content: usize = out.files.values().map(Vec::len).sum();
    println!(
        "{}: {} files, {:.2} MB of content, {:.2} MB zipped; median of {iterations} runs\n",
        dir.display(),
        out.files.len(),
        content as f64 / 1e6,
        inner.len() as f64 / 1e6
    );
    println!(
        "| suite | sealed MB | open + verify MB/s | decrypt only MB/s | raw cipher MB/s | open + verify / raw | decrypt / raw |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut stages = vec![];
    for suite in [Suite::Intl, Suite::Sm] {
        let platform = KeyPair::generate(suite, Purpose::Sign, Some("bench-platform"))?;
        let host = KeyPair::generate(suite, Purpose::Seal, Some("bench-host"))?;
        let opts = SignOptions {
            channel: Channel::Release,
            rollback: None,
            limits: Limits::default(),
        };
        let signed = cove_package::sign(&inner, &platform, &opts)?;
        let mut sealed = vec![];
        envelope::seal(
            &mut &signed[..],
            &mut sealed,
            suite,
            &[host.public()],
            Some(CHUNK_LOG2),
        )?;
        let trust = Trust {
            signing_keys: vec![platform.public()],
            host_keys: vec![host.clone()],
            ..Trust::default()
        };
        // Every run opens for real: a refusal here is a bug, not a fast path.
        cove_package::open(&sealed, &trust)?;
        let open = timed(iterations, || {
            cove_package::open(&sealed, &trust).map(|o| o.files.len())
        });
        let keys = [host];
        let decrypt = timed(iterations, || {
            let mut plain = Vec::with_capacity(sealed.len());
            envelope::open(&mut &sealed[..], &mut plain, &keys).map(|_| plain.len())
        });
        let raw = aead::decrypt_time(suite, sealed.len(), 1 << CHUNK_LOG2, iterations);
        // Where the time goes: each stage alone, on this package.
        let slice = timed(iterations, || {
            envelope::open_slice(&sealed, &keys, 1 << 30).map(|p| p.1.len())
        });
        let unzip = timed(iterations, || {
            cove_package::zip::read(&signed, &Limits::default()).map(|f| f.len())
        });
        let files = cove_package::zip::read(&signed, &Limits::default())?;
        let digests = timed(iterations, || {
            files
                .values()
                .map(|b| suite.digest(b)[0])
                .fold(0, |a, b| a ^ b)
        });
        let manifest = files.get(MANIFEST).cloned().unwrap_or_default();
        let parsed = Manifest::parse(&manifest)?;
        let parse = timed(iterations, || {
            Manifest::parse(&manifest).map(|m| m.files.len())
        });
        let sig = files.get(SIGNATURE).cloned().unwrap_or_default();
        let trusted = [platform.public()];
        let verify = timed(iterations, || {
            cove_package::sign::verify(&sig, &manifest, &parsed, &trusted).map(|s| s.version_code)
        });
        stages.push(format!(
            "| {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            suite.as_str(),
            ms(open),
            ms(decrypt),
            ms(slice),
            ms(unzip),
            ms(digests),
            ms(parse),
            ms(verify)
        ));
        let (o, d, r) = (
            mbps(sealed.len(), open),
            mbps(sealed.len(), decrypt),
            mbps(sealed.len(), raw),
        );
        println!(
            "| {} ({}) | {:.2} | {o:.0} | {d:.0} | {r:.0} | {:.0}% | {:.0}% |",
            suite.as_str(),
            suite.cipher_name(),
            sealed.len() as f64 / 1e6,
            100.0 * o / r,
            100.0 * d / r
        );
    }
    println!(
        "\nopen + verify = envelope decrypt + ZIP inflate + a digest of every file + the signature; MB/s are of the sealed file."
    );
    println!(
        "\nWhere the time goes (ms; each stage alone; inflate and digests run on all cores inside open):\n"
    );
    println!(
        "| suite | open + verify | decrypt, streaming | decrypt, all cores | inflate every file | digest every file | parse manifest | check signature |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for row in stages {
        println!("{row}");
    }
    Ok(ExitCode::SUCCESS)
}
