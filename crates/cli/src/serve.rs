//! `cove serve`: the platform server on its embedded defaults (SQLite and a blob directory
//! under `--data-dir`), or on PostgreSQL and S3 for a cluster; `--demo` seeds it.
//!
//! The first stdout line is `console: http://ADDR/`; with `--demo` on a fresh data dir, the
//! seeded credentials follow, printed this once.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use cove_server::config::ServerConfig;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// A TOML file with the server's settings (flags and environment override it).
    #[arg(long, env = "COVE_CONFIG")]
    config: Option<PathBuf>,
    /// Where the embedded database, blobs and keys live.
    #[arg(long, env = "COVE_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, env = "COVE_LISTEN")]
    listen: Option<String>,
    /// `postgres://…` for a cluster (default: SQLite under the data dir).
    #[arg(long, env = "COVE_DATABASE")]
    database: Option<String>,
    /// `s3://bucket[/prefix]` for a cluster (default: a directory under the data dir).
    /// Endpoint, region and keys come from the config file or COVE_S3_* variables.
    #[arg(long, env = "COVE_BLOBS")]
    blobs: Option<String>,
    /// The suite of the signing key made on first start: intl (Ed25519) or sm (SM2/SM3).
    #[arg(long, env = "COVE_SUITE")]
    suite: Option<String>,
    /// Seed an empty platform with organisations, users, a host app and the examples.
    #[arg(long)]
    demo: bool,
    /// The example projects `--demo` publishes (each subdirectory with a project.config.json);
    /// by default the repository's `examples/`, built into this binary.
    #[arg(long)]
    examples: Option<PathBuf>,
}

fn config(args: &ServeArgs) -> anyhow::Result<ServerConfig> {
    let mut cfg = server_config(
        args.config.as_deref(),
        args.data_dir.as_deref(),
        args.database.as_deref(),
        args.blobs.as_deref(),
    )?;
    if let Some(v) = &args.listen {
        cfg.listen = v.clone();
    }
    if let Some(v) = &args.suite {
        cfg.suite = v.clone();
    }
    Ok(cfg)
}

/// Where an offline command (`cove audit verify`, `cove keys rotate`) finds a server's state,
/// read as `cove serve` reads it.
#[derive(clap::Args)]
pub struct ServerPlace {
    /// The server's config file, as `cove serve --config` reads it.
    #[arg(long, env = "COVE_CONFIG")]
    pub config: Option<std::path::PathBuf>,
    /// The server's data directory: its database (unless --database), its signed audit heads
    /// (`audit-anchors/`) and its keys.
    #[arg(long, env = "COVE_DATA_DIR")]
    pub data_dir: Option<std::path::PathBuf>,
    /// The platform's database: `sqlite://DATA/cove.db` or `postgres://…` for a cluster.
    #[arg(long, env = "COVE_DATABASE")]
    pub database: Option<String>,
}

impl ServerPlace {
    pub fn config(&self, blobs: Option<&str>) -> anyhow::Result<ServerConfig> {
        server_config(
            self.config.as_deref(),
            self.data_dir.as_deref(),
            self.database.as_deref(),
            blobs,
        )
    }
}

/// The server's config as `cove serve` reads it (file, then flags, then `COVE_*`
/// variables), for the commands that work on a server's data: `cove audit verify`,
/// `cove keys rotate`.
pub fn server_config(
    file: Option<&std::path::Path>,
    data_dir: Option<&std::path::Path>,
    database: Option<&str>,
    blobs: Option<&str>,
) -> anyhow::Result<ServerConfig> {
    let mut cfg = match file {
        Some(path) => ServerConfig::from_file(path)?,
        None => ServerConfig::default(),
    };
    if let Some(v) = data_dir {
        cfg.data_dir = v.to_path_buf();
    }
    if let Some(v) = database {
        cfg.database = Some(v.to_string());
    }
    if let Some(v) = blobs {
        cfg.blobs = Some(v.to_string());
    }
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    if let Some(v) = env("COVE_S3_ENDPOINT") {
        cfg.s3.endpoint = Some(v);
    }
    if let Some(v) = env("COVE_S3_REGION") {
        cfg.s3.region = Some(v);
    }
    if let Some(v) = env("COVE_S3_ACCESS_KEY_ID") {
        cfg.s3.access_key_id = Some(v);
    }
    if let Some(v) = env("COVE_S3_SECRET_ACCESS_KEY") {
        cfg.s3.secret_access_key = Some(v);
    }
    if let Some(v) = env("COVE_S3_ALLOW_HTTP") {
        cfg.s3.allow_http = v == "1" || v == "true";
    }
    if let Some(v) = env("COVE_SECURE_COOKIES") {
        cfg.secure_cookies = v == "1" || v == "true";
    }
    // A cluster's shared data-protection key (base64 of 32 bytes).
    if let Some(v) = env("COVE_DATA_KEY") {
        cfg.data_key = Some(v);
    }
    // Each node of a cluster signs the audit log's heads into a file of its own.
    if let Some(v) = env("COVE_AUDIT_NODE") {
        cfg.audit_node = Some(v);
    }
    if let Some(v) = env("COVE_AUDIT_ANCHORS") {
        cfg.audit_anchors = Some(v.into());
    }
    Ok(cfg)
}

/// The repository's `examples/`, so that `--demo` works from any directory with the binary
/// alone.
static EXAMPLES: include_dir::Dir<'_> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/../../examples");

/// The built-in examples, written out to a temporary directory for the seed to compile.
fn builtin_examples() -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("cove-examples-")
        .tempdir()?;
    EXAMPLES
        .extract(dir.path())
        .context("write out the built-in examples")?;
    Ok(dir)
}

fn examples(dir: &std::path::Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = vec![];
    let entries = std::fs::read_dir(dir).with_context(|| {
        format!(
            "--demo publishes the examples in {} (use --examples DIR)",
            dir.display()
        )
    })?;
    for e in entries {
        let path = e?.path();
        if path.join("project.config.json").is_file() {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let cfg = config(&args)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let mut platform = cove_server::serve::open(&cfg).await?;
        let listener = tokio::net::TcpListener::bind(&cfg.listen)
            .await
            .with_context(|| format!("listen on {}", cfg.listen))?;
        let addr = listener.local_addr()?;
        let previews = std::sync::Arc::new(SimulatorPreview(cove_simulator::preview::Previews::new(
            addr.ip(),
            cove_simulator::preview::PreviewSettings {
                ttl: Duration::from_secs(cfg.preview.ttl_secs),
                max_running: cfg.preview.max_running,
            },
        )?));
        platform.previewer = Some(previews.clone());
        println!("console: http://{addr}/");
        if args.demo {
            let builtin;
            let dirs = match &args.examples {
                Some(dir) => examples(dir)?,
                None => {
                    builtin = builtin_examples()?;
                    examples(builtin.path())?
                }
            };
            match cove_server::demo::seed(&platform, &dirs, &cfg.data_dir.join("keys")).await? {
                Some(s) => {
                    println!("demo admin: {} / {}", s.admin.0, s.admin.1);
                    println!("demo developer: {} / {}", s.developer.0, s.developer.1);
                    println!("demo host app: sdk key {} / sdk secret {}", s.host_key, s.host_secret);
                    println!("demo host sealing key: {}", s.host_sealing_key.display());
                    for (id, name, code) in &s.apps {
                        println!("demo mini-program: {id} ({name}) version {code} published");
                    }
                    println!("(these passwords are shown once; they are not stored anywhere readable; the admin's works once: its first sign-in sets a new one)");
                }
                None => println!("demo: the platform in {} is already set up; its passwords were printed when it was seeded", cfg.data_dir.display()),
            }
        }
        tracing::info!(
            "cove serve on {addr}: database {}, blobs {}",
            cfg.database_url().split('?').next().unwrap_or_default(),
            platform.blobs.describe()
        );
        let shutdown = async {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("install SIGTERM handler");
                tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            }
            #[cfg(not(unix))]
            let _ = ctrl_c.await;
        };
        let served = cove_server::serve::serve(platform, listener, Duration::from_millis(cfg.catalog_poll_ms), shutdown).await;
        previews.0.stop_all().await;
        served?;
        Ok(ExitCode::SUCCESS)
    })
}

/// The simulator as the platform's reviewer preview (`cove_simulator::preview`): each
/// reviewer's version runs in its own simulator on the server's address, behind a secret,
/// reaching only the app's whitelist, for a limited time.
struct SimulatorPreview(cove_simulator::preview::Previews);

impl cove_server::preview::Previewer for SimulatorPreview {
    fn preview(
        &self,
        req: cove_server::preview::PreviewRequest,
    ) -> cove_server::preview::PreviewFuture<'_> {
        Box::pin(async move {
            // The platform's whitelist JSON is the container's policy JSON (as `resolve`
            // hands it to the SDK); the preview drops dev mode and private ranges itself.
            let whitelist = serde_json::to_value(&req.domains)
                .and_then(serde_json::from_value)
                .map_err(|e| e.to_string())?;
            self.0
                .open(&req.key, req.package, whitelist)
                .await
                .map_err(|e| e.to_string())
        })
    }
}
