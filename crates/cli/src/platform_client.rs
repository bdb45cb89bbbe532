//! `cove upload`, `cove submit`, `cove publish` and `cove explain`: the platform's API from
//! CI, with an API token, as WeChat's and FinClip's CI tools do.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use serde_json::Value;

/// Where the platform is and who is calling.
#[derive(clap::Args)]
pub struct Remote {
    /// The platform's URL (the console's).
    #[arg(long, env = "COVE_SERVER")]
    server: String,
    /// An API token (`cove_…`, made in the console or with POST /api/v1/tokens).
    #[arg(long, env = "COVE_TOKEN", hide_env_values = true)]
    token: String,
}

#[derive(clap::Args)]
pub struct UploadArgs {
    #[command(flatten)]
    remote: Remote,
    /// The mini-program's app id.
    #[arg(long)]
    app: String,
    /// A project directory (compiled by the platform), or a package from `cove build`.
    path: PathBuf,
    #[arg(long)]
    version_code: Option<u64>,
    #[arg(long)]
    version_name: Option<String>,
    /// What changed, for the reviewer.
    #[arg(long, default_value = "")]
    note: String,
    /// Submit for review once uploaded.
    #[arg(long)]
    submit: bool,
}

#[derive(clap::Args)]
pub struct StepArgs {
    #[command(flatten)]
    remote: Remote,
    #[arg(long)]
    app: String,
    #[arg(long)]
    version_code: u64,
    /// Publish for gray rules only, leaving the live version as it is.
    #[arg(long)]
    gray: bool,
}

#[derive(clap::Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    remote: Remote,
    #[arg(long)]
    app: String,
    #[arg(long)]
    user: String,
    #[arg(long)]
    host_version: Option<String>,
    #[arg(long, default_value = "")]
    platform: String,
    /// Comma-separated user tags.
    #[arg(long, default_value = "")]
    tags: String,
}

fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .user_agent(concat!("cove/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

/// Send, and turn an API error into `code: message`.
async fn call(remote: &Remote, req: reqwest::RequestBuilder) -> anyhow::Result<Value> {
    let res = req
        .bearer_auth(&remote.token)
        .send()
        .await
        .with_context(|| format!("cannot reach the platform at {}", remote.server))?;
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        bail!(
            "the platform refused ({status}): {}: {}",
            body["code"].as_str().unwrap_or("error"),
            body["message"].as_str().unwrap_or("no message")
        );
    }
    Ok(body)
}

fn url(remote: &Remote, path: &str) -> String {
    format!("{}{path}", remote.server.trim_end_matches('/'))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn is_package(bytes: &[u8]) -> bool {
    cove_package::zip::read(bytes, &cove_package::Limits::default())
        .ok()
        .and_then(|f| serde_json::from_slice::<Value>(f.get("manifest.json")?).ok())
        .is_some_and(|m| m.get("cove").is_some())
}

pub fn upload(args: UploadArgs) -> anyhow::Result<ExitCode> {
    let (bytes, kind) = if args.path.is_dir() {
        let zip = cove_server::upload::zip_source_dir(&args.path)
            .with_context(|| format!("read {}", args.path.display()))?;
        (zip, "source")
    } else {
        let bytes =
            std::fs::read(&args.path).with_context(|| format!("read {}", args.path.display()))?;
        let kind = if is_package(&bytes) {
            "package"
        } else {
            "source"
        };
        (bytes, kind)
    };
    let mut query = vec![("kind", kind.to_string()), ("note", args.note.clone())];
    if let Some(c) = args.version_code {
        query.push(("version_code", c.to_string()));
    }
    if let Some(n) = &args.version_name {
        query.push(("version_name", n.clone()));
    }
    runtime()?.block_on(async {
        let c = client()?;
        let r = &args.remote;
        let path = format!("/api/v1/apps/{}/versions", args.app);
        let v = call(
            r,
            c.post(url(r, &path))
                .query(&query)
                .header("content-type", "application/zip")
                .body(bytes),
        )
        .await?;
        let code = v["code"].as_u64().unwrap_or_default();
        println!(
            "uploaded {} version {code} ({}, {} bytes, {kind})",
            args.app,
            v["name"].as_str().unwrap_or(""),
            v["size"]
        );
        for w in v["warnings"].as_array().into_iter().flatten() {
            eprintln!("warning: {}", w.as_str().unwrap_or_default());
        }
        for f in v["report"]["findings"].as_array().into_iter().flatten() {
            println!(
                "review: [{}] {}",
                f["level"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or("")
            );
        }
        if args.submit {
            call(r, c.post(url(r, &format!("{path}/{code}/submit")))).await?;
            println!("submitted {} version {code} for review", args.app);
        }
        Ok(ExitCode::SUCCESS)
    })
}

fn step(args: StepArgs, step: &str, done: &str) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let r = &args.remote;
        let path = format!(
            "/api/v1/apps/{}/versions/{}/{step}",
            args.app, args.version_code
        );
        let v = call(r, client()?.post(url(r, &path))).await?;
        println!(
            "{} version {} {done} (now {})",
            args.app,
            args.version_code,
            v["state"].as_str().unwrap_or("?")
        );
        Ok(ExitCode::SUCCESS)
    })
}

pub fn submit(args: StepArgs) -> anyhow::Result<ExitCode> {
    step(args, "submit", "submitted for review")
}

pub fn publish(args: StepArgs) -> anyhow::Result<ExitCode> {
    let (s, done) = if args.gray {
        ("publish-gray", "published for gray rules")
    } else {
        ("publish", "published")
    };
    step(args, s, done)
}

pub fn explain(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let r = &args.remote;
        let mut query = vec![
            ("user_id", args.user.clone()),
            ("platform", args.platform.clone()),
            ("tags", args.tags.clone()),
        ];
        if let Some(v) = &args.host_version {
            query.push(("host_version", v.clone()));
        }
        let path = format!("/api/v1/apps/{}/explain", args.app);
        let v = call(r, client()?.get(url(r, &path)).query(&query)).await?;
        for line in v["trace"].as_array().into_iter().flatten() {
            println!("  {}", line.as_str().unwrap_or_default());
        }
        match v["version_code"].as_u64() {
            Some(code) => println!("{} gets version {code}", args.user),
            None => println!("{} gets nothing", args.user),
        }
        Ok(ExitCode::SUCCESS)
    })
}
