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
    /// An API token (`cove_…`), made in the console under Account → API tokens (or with POST
    /// /api/v1/tokens from a session); scope `upload` is enough to upload and submit.
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
    /// Answer for this host app (its id), as its SDK would be answered: a mini-program not
    /// granted to it gets nothing.
    #[arg(long)]
    host: Option<u64>,
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

/// A project folder as a source upload: what `cove build` reads, with `miniprogram_npm` as
/// "build npm" makes it from `node_modules` (which the upload leaves out), so that the
/// platform's cloud compile sees the same packages as a local build.
pub fn source_zip(
    dir: &std::path::Path,
    npm: &cove_compiler::npm::NpmSettings,
) -> anyhow::Result<Vec<u8>> {
    let prepared = cove_compiler::npm::load_project(dir, npm)?;
    for w in &prepared.report.warnings {
        eprintln!("{w}");
    }
    let tree = &prepared.tree;
    let files: cove_compiler::output::Files = tree
        .paths()
        .filter_map(|p| Some((p.to_string(), tree.get(p)?.to_vec())))
        .collect();
    Ok(cove_compiler::output::zip_bytes(&files)?)
}

pub fn upload(args: UploadArgs) -> anyhow::Result<ExitCode> {
    let (bytes, kind) = if args.path.is_dir() {
        let npm = cove_compiler::npm::NpmSettings::from_env();
        let zip = source_zip(&args.path, &npm)
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
        if let Some(h) = args.host {
            query.push(("host", h.to_string()));
        }
        let path = format!("/api/v1/apps/{}/explain", args.app);
        let v = call(r, client()?.get(url(r, &path)).query(&query)).await?;
        for line in v["trace"].as_array().into_iter().flatten() {
            println!("  {}", line.as_str().unwrap_or_default());
        }
        let on = match v["host"]["name"].as_str() {
            Some(name) => format!(" on host app {name}"),
            None => String::new(),
        };
        match v["version_code"].as_u64() {
            Some(code) => println!("{} gets version {code}{on}", args.user),
            None => println!(
                "{} gets nothing{on} ({})",
                args.user,
                v["outcome"].as_str().unwrap_or("no version")
            ),
        }
        Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
mod tests {
    use cove_server::report::Domains;
    use cove_server::upload::{Kind, UploadLimits, VersionInfo, accept};

    /// `cove upload DIR` leaves `node_modules` out, so the platform's cloud compile must get
    /// the packages from the packed `miniprogram_npm` the upload carries.
    #[test]
    fn source_upload_carries_packed_npm() {
        let dir = tempfile::tempdir().unwrap();
        let w = |p: &str, s: &str| {
            let p = dir.path().join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, s).unwrap();
        };
        w("project.config.json", r#"{"appid":"wxnpmupload01"}"#);
        w("package.json", r#"{"dependencies":{"tiny":"1"}}"#);
        w(
            "node_modules/tiny/package.json",
            r#"{"name":"tiny","version":"1.2.3","main":"lib/tiny.js"}"#,
        );
        w(
            "node_modules/tiny/lib/tiny.js",
            "module.exports = () => 42;",
        );
        w("app.json", r#"{"pages":["pages/index/index"]}"#);
        w("app.js", "App({});");
        w(
            "pages/index/index.js",
            "const tiny = require('tiny'); Page({ data: { n: tiny() } });",
        );
        w("pages/index/index.wxml", "<view>{{n}}</view>");
        let zip = super::source_zip(dir.path(), &Default::default()).unwrap();
        let version = VersionInfo {
            app_id: "wxnpmupload01".into(),
            version_code: 1,
            version_name: "1.0.0".into(),
        };
        let c = accept(
            &zip,
            Kind::Source,
            &version,
            &Domains::default(),
            None,
            &UploadLimits::default(),
        )
        .expect("the cloud compile resolves the npm package");
        let deps = &c.manifest["cove"]["modules"]["pages/index/index.js"]["deps"];
        assert_eq!(deps["tiny"], "miniprogram_npm/tiny/index.js");
        assert!(c.files.contains_key("miniprogram_npm/tiny/lib/tiny.js"));
        assert!(
            !dir.path().join("miniprogram_npm").exists(),
            "nothing written into the project"
        );
    }
}
