//! `cove-devtools render`: one template rendered with glass-easel, printed in the shape of
//! WeChat's `$gwx(path)(data)` so that it can be compared with the official compiler's output.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use cove_compiler::{BuildError, CompileOptions};
use serde_json::Value;

use crate::oracle::Oracle;

#[derive(clap::Args)]
pub struct RenderArgs {
    /// The project folder (with `project.config.json`, or the mini-program root), or a folder
    /// of components without `app.json`.
    pub root: PathBuf,
    /// The template to render: a `.wxml` path relative to the mini-program root (or to the
    /// current folder).
    pub file: PathBuf,
    /// A JSON file holding the page data (an object); `-` reads standard input.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Start from the initial data the template's own page or component declares (`data` and
    /// property defaults); `--data` is merged over it.
    #[arg(long)]
    pub initial_data: bool,
    /// Print the tree on one line.
    #[arg(long)]
    pub compact: bool,
}

pub fn run(args: RenderArgs) -> anyhow::Result<ExitCode> {
    let mp_root = miniprogram_root(&args.root);
    let template = template_key(&args.root, &mp_root, &args.file)?;
    let mut data = match &args.data {
        Some(path) => read_data(path)?,
        None => Value::Object(Default::default()),
    };

    let out = match cove_compiler::compile_dir(&args.root, &CompileOptions::default()) {
        Ok(out) => out,
        Err(BuildError::Invalid(diags)) => {
            let handler = miette::GraphicalReportHandler::new().with_width(110);
            for d in diags.errors() {
                let mut s = String::new();
                if handler.render_report(&mut s, d).is_err() {
                    s = d.to_string();
                }
                eprintln!("{}: {s}", d.location());
            }
            bail!("{} does not compile", args.root.display());
        }
        Err(e) => return Err(e.into()),
    };
    let oracle = Oracle::load(&out.files).context("loading the compiled templates")?;
    if !oracle.templates().contains(&template) {
        bail!(
            "`{template}` is not a template of {} (a .wxml that no page or component reaches \
             is not compiled)",
            mp_root.display()
        );
    }
    if args.initial_data {
        let mut initial = oracle
            .initial_data(&template)
            .with_context(|| format!("finding the initial data of {template}.js"))?;
        if let (Value::Object(base), Value::Object(over)) = (&mut initial, data) {
            base.extend(over);
        }
        data = initial;
    }
    let rendered = oracle
        .render(&template, &data)
        .with_context(|| format!("rendering {template}"))?;
    for line in &rendered.logs {
        eprintln!("{line}");
    }
    let text = if args.compact {
        serde_json::to_string(&rendered.tree)
    } else {
        serde_json::to_string_pretty(&rendered.tree)
    }?;
    println!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// The data file as a JSON object; syntax errors name the line and column.
fn read_data(path: &Path) -> anyhow::Result<Value> {
    let (name, text) = if path == Path::new("-") {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .context("reading data from standard input")?;
        ("<stdin>".to_string(), s)
    } else {
        let s =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        (path.display().to_string(), s)
    };
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{name}:{}:{}: invalid JSON: {e}", e.line(), e.column()))?;
    if !v.is_object() {
        bail!("{name}: the data must be a JSON object");
    }
    Ok(v)
}

/// `root/<miniprogramRoot>` from `project.config.json`, or `root` itself.
fn miniprogram_root(root: &Path) -> PathBuf {
    std::fs::read(root.join("project.config.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .and_then(|v| v.get("miniprogramRoot")?.as_str().map(str::to_string))
        .map(|r| root.join(r.trim_start_matches("./")))
        .unwrap_or_else(|| root.to_path_buf())
}

/// The template's key in the compiled app: its path from the mini-program root, `/`-separated
/// and without extension.
fn template_key(root: &Path, mp_root: &Path, file: &Path) -> anyhow::Result<String> {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mp = abs(mp_root);
    let candidates = [mp_root.join(file), file.to_path_buf(), root.join(file)];
    let found = candidates
        .iter()
        .map(|c| abs(c))
        .find(|c| c.is_file() && c.starts_with(&mp));
    let Some(path) = found else {
        bail!(
            "{} is not a file under the mini-program root {}",
            file.display(),
            mp_root.display()
        );
    };
    let rel = path.strip_prefix(&mp).unwrap_or(&path);
    let mut key: Vec<String> = vec![];
    for c in rel.components() {
        match c {
            std::path::Component::Normal(s) => key.push(s.to_string_lossy().into_owned()),
            std::path::Component::ParentDir => {
                key.pop();
            }
            _ => {}
        }
    }
    let key = key.join("/");
    match key.rsplit_once('.') {
        Some((stem, "wxml" | "fxml")) => Ok(stem.to_string()),
        _ => bail!("{} is not a .wxml template", file.display()),
    }
}
