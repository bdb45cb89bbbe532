//! `cove dev`: the simulator on localhost; `cove test-server`: the same, headless, for
//! end-to-end suites written with WeChat's `miniprogram-automator`.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use cove_simulator::{DevOptions, DevServer};

#[derive(clap::Args)]
pub struct DevArgs {
    /// A project folder, a compiled package folder, or a package `.zip` from `cove build`.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Port to listen on (0 picks a free one).
    #[arg(short, long, default_value_t = 7878)]
    pub port: u16,
    /// Address to listen on. The simulator has no authentication: keep it on loopback.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Keep the app's storage and files here across runs (default: a temporary folder).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Do not rebuild and reload on file changes.
    #[arg(long)]
    pub no_watch: bool,
    /// Also serve WeChat's `miniprogram-automator` protocol on this port
    /// (`automator.connect({ wsEndpoint: 'ws://127.0.0.1:PORT' })`).
    #[arg(long, value_name = "PORT")]
    pub automator: Option<u16>,
    /// Draw a watermark over every page of the view: this text, with the time, tiled.
    #[arg(long, value_name = "TEXT")]
    pub watermark: Option<String>,
    #[command(flatten)]
    pub keys: PackageKeys,
}

/// Keys for opening a package file in the simulator (dev mode).
#[derive(clap::Args)]
pub struct PackageKeys {
    /// For a package file: a trusted platform signing key (repeatable). Unsigned packages
    /// still run here (dev mode); a signed one is checked against these keys.
    #[arg(long, value_name = "KEY")]
    pub trust: Vec<PathBuf>,
    /// For a sealed package: this host's sealing key pair (repeatable).
    #[arg(long, value_name = "KEY")]
    pub host_key: Vec<PathBuf>,
}

impl PackageKeys {
    fn trust(&self) -> anyhow::Result<cove_package::Trust> {
        crate::package::trust(&self.trust, &self.host_key, true)
    }
}

#[derive(clap::Args)]
pub struct TestServerArgs {
    /// A project folder, a compiled package folder, or a package `.zip` from `cove build`.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Serve the `miniprogram-automator` protocol on this port (0 picks a free one).
    #[arg(long, value_name = "PORT", default_value_t = 9420)]
    pub automator: u16,
    /// Port of the simulator itself (0 picks a free one).
    #[arg(short, long, default_value_t = 0)]
    pub port: u16,
    /// Keep the app's storage and files here across runs (default: a temporary folder).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Rebuild and reload on file changes.
    #[arg(long)]
    pub watch: bool,
    #[command(flatten)]
    pub keys: PackageKeys,
}

pub fn run(args: DevArgs) -> anyhow::Result<ExitCode> {
    let opts = DevOptions {
        source: args.dir.clone(),
        listen: SocketAddr::new(args.host, args.port),
        data_dir: args.data_dir,
        watch: !args.no_watch,
        automator: args.automator,
        headless_view: false,
        trust: args.keys.trust()?,
        watermark: args.watermark,
        net: None,
        access_token: None,
    };
    serve(opts, |server| {
        // The first line of stdout is the URL, for scripts and tests.
        println!("http://{}/", server.addr);
        eprintln!(
            "Cove simulator for {} at http://{}/ (Ctrl-C to stop)",
            args.dir.display(),
            server.addr
        );
        eprintln!("{}", cove_simulator::DEV_MODE_NOTICE);
        // With --automator, the second line is its endpoint.
        if let Some(a) = server.automator_addr {
            println!("ws://{a}");
            eprintln!("automator protocol at ws://{a}");
        }
    })
}

pub fn test_server(args: TestServerArgs) -> anyhow::Result<ExitCode> {
    let opts = DevOptions {
        source: args.dir.clone(),
        listen: SocketAddr::from(([127, 0, 0, 1], args.port)),
        data_dir: args.data_dir,
        watch: args.watch,
        automator: Some(args.automator),
        headless_view: true,
        trust: args.keys.trust()?,
        watermark: None,
        net: None,
        access_token: None,
    };
    serve(opts, |server| {
        let a = server.automator_addr.expect("asked for");
        // The first line of stdout is the endpoint, for scripts and tests.
        println!("ws://{a}");
        eprintln!(
            "Cove test server for {}: automator at ws://{a}, headless view of http://{}/ (Ctrl-C to stop)",
            args.dir.display(),
            server.addr
        );
        eprintln!("{}", cove_simulator::DEV_MODE_NOTICE);
    })
}

/// Start, announce, and serve until the server fails or a signal asks to stop; the headless
/// Chromium, if any, is closed on the way out.
fn serve(opts: DevOptions, announce: impl FnOnce(&DevServer)) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let server = DevServer::start(opts).await?;
        announce(&server);
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let shared = server.closer();
        tokio::select! {
            r = server.wait() => r?,
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        shared.close().await;
        Ok(ExitCode::SUCCESS)
    })
}
