//! `cove audit verify`: walk the platform's audit log and its head, and say where the chain
//! breaks (an edited, deleted or cut-off row).

use std::process::ExitCode;

use cove_server::audit::store;
use cove_server::db::Db;

#[derive(clap::Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    what: Audit,
}

#[derive(clap::Subcommand)]
enum Audit {
    /// Check every row of the audit log against its hash chain and recorded head.
    Verify {
        /// The platform's database: `sqlite://DATA/cove.db` or `postgres://…`.
        #[arg(long, env = "COVE_DATABASE")]
        database: String,
    },
}

pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    let Audit::Verify { database } = args.what;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let db = Db::connect(&database).await?;
        match store::check(&db).await? {
            Ok(n) => {
                println!("ok: {n} entries, the chain and its head agree");
                Ok(ExitCode::SUCCESS)
            }
            Err(b) => {
                eprintln!("the audit log is not intact: {b}");
                Ok(ExitCode::FAILURE)
            }
        }
    })
}
