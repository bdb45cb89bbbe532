//! `cove dev`: the simulator on localhost.

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
}

pub fn run(args: DevArgs) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let server = DevServer::start(DevOptions {
            source: args.dir.clone(),
            listen: SocketAddr::new(args.host, args.port),
            data_dir: args.data_dir,
            watch: !args.no_watch,
        })
        .await?;
        // The first line of stdout is the URL, for scripts and tests.
        println!("http://{}/", server.addr);
        eprintln!(
            "Cove simulator for {} at http://{}/ (Ctrl-C to stop)",
            args.dir.display(),
            server.addr
        );
        server.wait().await?;
        Ok(ExitCode::SUCCESS)
    })
}
