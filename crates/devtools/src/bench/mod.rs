//! `cove-devtools bench`: runtime, package, server and compile benchmarks, each printing a
//! table. This file holds the subcommands, the shared helpers and `bench compile` (Cove's
//! compiler against WeChat's official `wcc` + `wcsc`, npm `miniprogram-compiler`, on the same
//! project in the same run).

mod aead;
mod package;
mod runtime;
mod server;

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use cove_compiler::CompileOptions;

#[derive(clap::Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: Bench,
}

#[derive(clap::Subcommand)]
enum Bench {
    /// Run the container: cold start, a 1,000-row list's setData, idle heap.
    Runtime {
        /// The app to cold-start (default: the demo).
        #[arg(default_value = "examples/demo")]
        dir: PathBuf,
        #[arg(long, default_value_t = 20)]
        iterations: usize,
    },
    /// Open and verify a sealed package (both suites) against raw AES-256-GCM and SM4-GCM.
    Package {
        /// The project (default: the wux-weapp example installed under corpus/).
        #[arg(default_value = "corpus/node_modules/wux-weapp/example")]
        dir: PathBuf,
        #[arg(long, default_value_t = 15)]
        iterations: usize,
    },
    /// Load the platform server's SDK endpoints (resolve, package downloads) next to nginx.
    ///
    /// Starts `cove serve --demo` as a child process on a temp data dir and nginx on the same
    /// blob files; needs `wrk` and `nginx` (apt-get install -y wrk nginx-light). Client and
    /// server share this machine's cores. Numbers are meaningful only from a release build
    /// (`cargo build --release -p cove-cli -p cove-devtools`).
    Server {
        /// The `cove` binary to load (default: the `cove` next to this executable, as cargo
        /// builds them into one target directory).
        #[arg(long)]
        cove: Option<PathBuf>,
        /// Length of each measured run, in seconds.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Warm-up before the resolve runs, in seconds.
        #[arg(long, default_value_t = 2)]
        warmup: u64,
        /// Keep-alive connections of the resolve load.
        #[arg(long, default_value_t = 64)]
        connections: usize,
        /// Threads of the resolve load generator.
        #[arg(long, default_value_t = 2)]
        client_threads: usize,
        /// Distinct user ids the resolve requests are spread over.
        #[arg(long, default_value_t = 100_000)]
        users: u64,
        /// wrk's connections for the download runs (with -t2).
        #[arg(long, default_value_t = 32)]
        wrk_connections: usize,
        /// Size of the synthetic package, in MiB.
        #[arg(long, default_value_t = 8)]
        big_mib: usize,
        /// The example projects the demo server publishes.
        #[arg(long)]
        examples: Option<PathBuf>,
    },
    /// Compile a project end to end; compare WXML+WXSS time with wcc+wcsc.
    Compile {
        /// The project (default: the wux-weapp example installed under corpus/).
        dir: Option<PathBuf>,
        #[arg(long, default_value_t = 10)]
        iterations: usize,
        /// The corpus folder with `wcc-bench.js` and its node_modules.
        #[arg(long, default_value = "corpus")]
        corpus: PathBuf,
    },
}

pub fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    match args.what {
        Bench::Runtime { dir, iterations } => runtime::run(&dir, iterations.max(1)),
        Bench::Package { dir, iterations } => package::run(&dir, iterations.max(1)),
        Bench::Server {
            cove,
            seconds,
            warmup,
            connections,
            client_threads,
            users,
            wrk_connections,
            big_mib,
            examples,
        } => server::run(server::Options {
            cove,
            seconds,
            warmup,
            connections,
            client_threads,
            users,
            wrk_connections,
            big_mib,
            examples,
        }),
        Bench::Compile {
            dir,
            iterations,
            corpus,
        } => compile(dir, iterations.max(1), corpus),
    }
}

/// The median of the runs (the upper one of an even count); sorts `v`. Every bench reports
/// medians through this one.
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn compile(dir: Option<PathBuf>, iterations: usize, corpus: PathBuf) -> anyhow::Result<ExitCode> {
    let dir = dir.unwrap_or_else(|| corpus.join("node_modules/wux-weapp/example"));
    if !dir.is_dir() {
        bail!(
            "{} not found: run `npm ci --prefix corpus` first",
            dir.display()
        );
    }
    let opts = CompileOptions::default();
    let (mut markup, mut total, mut js) = (vec![], vec![], vec![]);
    let mut counts = (0, 0, 0);
    // One warm-up, then the measured runs.
    for i in 0..=iterations {
        let t = Instant::now();
        let tree = cove_compiler::SourceTree::from_dir(&dir)?;
        let read = t.elapsed();
        let out = cove_compiler::compile(&tree, &opts)
            .map_err(|d| anyhow::anyhow!("build failed:\n{d}"))?;
        let all = t.elapsed();
        if i == 0 {
            counts = (
                out.stats.wxml_files,
                out.stats.wxss_files,
                out.stats.js_modules,
            );
            continue;
        }
        let s = &out.stats;
        markup.push(ms(read + s.load + s.wxml + s.wxss));
        js.push(ms(s.js));
        total.push(ms(all));
    }
    let script = corpus.join("wcc-bench.js");
    let output = Command::new("node")
        .arg(&script)
        .arg(&dir)
        .args(["--iterations", &iterations.to_string()])
        .output()
        .with_context(|| format!("running node {}", script.display()))?;
    if !output.status.success() {
        bail!(
            "wcc-bench failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let v: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("parsing wcc-bench output")?;
    let series = |k: &str| -> Vec<f64> {
        v[k].as_array()
            .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
            .unwrap_or_default()
    };
    let (mut wcc, mut wcsc) = (series("wcc_ms"), series("wcsc_ms"));
    if wcc.is_empty() || wcsc.is_empty() || v["wcc_ok"] != true || v["wcsc_ok"] != true {
        bail!("the official compilers failed: {}", v["errors"]);
    }
    let mut both: Vec<f64> = wcc.iter().zip(&wcsc).map(|(a, b)| a + b).collect();
    let (cove_m, official) = (median(&mut markup), median(&mut both));
    println!(
        "cove-devtools bench compile: {} ({iterations} runs, medians)",
        dir.display()
    );
    println!("| step | files | time (ms) |");
    println!("|---|---:|---:|");
    println!(
        "| cove: read + WXML + WXSS | {} + {} | {:.1} |",
        counts.0, counts.1, cove_m
    );
    println!(
        "| cove: JS modules | {} | {:.1} |",
        counts.2,
        median(&mut js)
    );
    println!("| cove: whole build | | {:.1} |", median(&mut total));
    println!(
        "| wcc (WXML) | {} | {:.1} |",
        v["wxml_files"],
        median(&mut wcc)
    );
    println!(
        "| wcsc (WXSS) | {} | {:.1} |",
        v["wxss_files"],
        median(&mut wcsc)
    );
    println!("| wcc + wcsc | | {:.1} |", official);
    println!();
    println!(
        "ratio (wcc + wcsc) / cove WXML+WXSS: {:.1}x {}",
        official / cove_m,
        if cove_m < official {
            "(cove is faster)"
        } else {
            "(cove is slower)"
        }
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_is_the_middle_run_whatever_the_order() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        // An even count reports the upper middle run, as every table has.
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 3.0);
        assert_eq!(median(&mut [5.0]), 5.0);
    }
}
