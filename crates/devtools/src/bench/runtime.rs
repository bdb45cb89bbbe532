//! `cove-devtools bench runtime`: the container's cold start, a 1,000-row list's first render
//! and one-row `setData`, and the QuickJS heap of an idle instance.

use std::fs;
use std::io::Cursor;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context;
use cove_compiler::CompileOptions;
use cove_container::{App, AppConfig, Host, Level};
use serde_json::json;

use super::{median, ms};

/// Counts the ops the container sends; keeps nothing else.
#[derive(Default)]
struct CountingHost {
    ops: AtomicUsize,
}

impl Host for CountingHost {
    fn send(&self, msg: &str) {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(msg)
            && let Some(ops) = v.get("ops").and_then(|o| o.as_array())
        {
            self.ops.fetch_add(ops.len(), Ordering::Relaxed);
        }
    }

    fn console(&self, _level: Level, _text: &str) {}
}

impl CountingHost {
    fn take(&self) -> usize {
        self.ops.swap(0, Ordering::Relaxed)
    }
}

const LIST_JS: &str = r#"Page({
  data: { items: [] },
  onLoad() {
    const items = [];
    for (let i = 0; i < 1000; i++) items.push({ id: i, label: 'Row ' + i, done: i % 3 === 0 });
    this.setData({ items });
  },
  touch(i, label) { this.setData({ ['items[' + i + '].label']: label }); }
});
"#;
const LIST_WXML: &str = r#"<view wx:for="{{items}}" wx:key="id" class="row {{item.done ? 'done' : ''}}" data-id="{{item.id}}"><text>{{item.label}}</text></view>"#;

/// A one-page app with a 1,000-row `wx:for` list, written into `dir`.
fn write_list_app(dir: &Path) -> anyhow::Result<()> {
    let page = dir.join("pages/list");
    fs::create_dir_all(&page)?;
    fs::write(dir.join("app.json"), r#"{"pages":["pages/list/list"]}"#)?;
    fs::write(dir.join("app.js"), "App({})")?;
    fs::write(page.join("list.js"), LIST_JS)?;
    fs::write(page.join("list.wxml"), LIST_WXML)?;
    fs::write(page.join("list.json"), "{}")?;
    Ok(())
}

fn compile_to_zip(project: &Path) -> anyhow::Result<Vec<u8>> {
    let out = cove_compiler::compile_dir(project, &CompileOptions::default())
        .map_err(|e| anyhow::anyhow!("{} does not compile: {e:?}", project.display()))?;
    Ok(cove_compiler::output::zip_bytes(&out.files)?)
}

fn unzip(bytes: &[u8], into: &Path) -> anyhow::Result<()> {
    zip::ZipArchive::new(Cursor::new(bytes))?.extract(into)?;
    Ok(())
}

fn launch(pkg: &Path, data: &Path, host: Arc<CountingHost>) -> anyhow::Result<App> {
    let config = AppConfig::dev_mode_unverified("bench", pkg, data);
    App::launch(config, host, None).context("launch")
}

/// V8's figures for the same list: the runtime bundle and the package run under Node.
struct Peer {
    first: f64,
    first_ops: u64,
    update: f64,
    update_ops: u64,
}

fn node_peer(tmp: &Path, pkg: &Path, iterations: usize) -> anyhow::Result<Peer> {
    let scripts = tmp.join("runtime-scripts.json");
    fs::write(
        &scripts,
        serde_json::to_string(cove_container::app::runtime_scripts())?,
    )?;
    let script = tmp.join("bench_runtime_node.js");
    fs::write(&script, include_str!("runtime_node.js"))?;
    let out = Command::new("node")
        .arg(&script)
        .arg(&scripts)
        .arg(pkg)
        .arg(iterations.to_string())
        .output()
        .context("running node (the V8 peer)")?;
    anyhow::ensure!(
        out.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let f = |k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    Ok(Peer {
        first: f("first"),
        first_ops: v["firstOps"].as_u64().unwrap_or(0),
        update: f("update"),
        update_ops: v["updateOps"].as_u64().unwrap_or(0),
    })
}

pub fn run(demo: &Path, iterations: usize) -> anyhow::Result<ExitCode> {
    let tmp = tempfile::tempdir()?;
    // Cold start: the demo's package zip on disk -> unpacked -> first page's ops sent.
    let demo_zip = tmp.path().join("demo.zip");
    fs::write(&demo_zip, compile_to_zip(demo)?)?;
    let (mut cold, mut unpack, mut cold_ops) = (vec![], vec![], 0);
    for i in 0..iterations {
        let t = Instant::now();
        let pkg = tmp.path().join(format!("demo-{i}"));
        unzip(&fs::read(&demo_zip)?, &pkg)?;
        unpack.push(ms(t.elapsed()));
        let host = Arc::new(CountingHost::default());
        let _app = launch(&pkg, &tmp.path().join(format!("data-{i}")), host.clone())?;
        cold.push(ms(t.elapsed()));
        cold_ops = host.take();
    }

    // The fixed part of a cold start: a fresh instance with glass-easel, the adapter and
    // Cove's runtime, from source and from the bytecode the process keeps after the first.
    let (mut from_source, mut from_bytecode) = (vec![], vec![]);
    for _ in 0..iterations {
        let i = cove_container::Instance::start("bench", cove_container::Limits::default())?;
        let t = Instant::now();
        for (file, code) in cove_container::app::runtime_scripts() {
            i.eval(file, code)?;
        }
        from_source.push(ms(t.elapsed()));
        let i = cove_container::Instance::start("bench", cove_container::Limits::default())?;
        let t = Instant::now();
        cove_container::app::load_runtime(&i)?;
        from_bytecode.push(ms(t.elapsed()));
    }
    let (from_source, from_bytecode) = (median(&mut from_source), median(&mut from_bytecode));

    // Heap of an idle instance: the demo, launched and settled.
    let host = Arc::new(CountingHost::default());
    let idle = launch(
        &tmp.path().join("demo-0"),
        &tmp.path().join("data-idle"),
        host,
    )?;
    idle.settle()?;
    let heap = idle.heap_bytes()? as f64 / (1 << 20) as f64;
    drop(idle);

    // The 1,000-row list.
    let src = tmp.path().join("list-src");
    write_list_app(&src)?;
    let list_pkg = tmp.path().join("list");
    unzip(&compile_to_zip(&src)?, &list_pkg)?;
    let host = Arc::new(CountingHost::default());
    let t = Instant::now();
    let app = launch(&list_pkg, &tmp.path().join("data-list"), host.clone())?;
    let first = ms(t.elapsed());
    let first_ops = host.take();
    let (mut update, mut update_ops) = (vec![], 0);
    for i in 0..iterations.max(20) {
        let row = json!((i * 37) % 1000);
        let t = Instant::now();
        app.call_page_method("touch", &[row, json!(format!("Changed {i}"))])?;
        update.push(ms(t.elapsed()));
        update_ops = update_ops.max(host.take());
    }
    let list_heap = app.heap_bytes()? as f64 / (1 << 20) as f64;

    // The first launch of the process compiles the runtime; later ones load its bytecode.
    let process_first = cold[0];
    let (cold, unpack, update) = (median(&mut cold), median(&mut unpack), median(&mut update));
    let peer = node_peer(tmp.path(), &list_pkg, iterations);
    let verdict = |ok: bool| if ok { "yes" } else { "NO" };
    println!(
        "cove-devtools bench runtime ({iterations} iterations, medians; release build recommended)\n"
    );
    println!("| measure | Cove (QuickJS) | target | met |");
    println!("|---|---:|---:|---|");
    println!(
        "| cold start, demo zip on disk -> first page's ops ({cold_ops} ops) | {cold:.1} ms | < 50 ms | {} |",
        verdict(cold < 50.0)
    );
    println!(
        "| first cold start of the process (runtime parsed from source) | {process_first:.1} ms | < 50 ms | {} |",
        verdict(process_first < 50.0)
    );
    println!("| ... of which unzip | {unpack:.1} ms | | |");
    println!(
        "| ... of which glass-easel, adapter and runtime from QuickJS bytecode | {from_bytecode:.1} ms | | |"
    );
    println!("| (the same from source, without the bytecode cache) | {from_source:.1} ms | | |");
    println!("| 1,000-row list, first render ({first_ops} ops) | {first:.1} ms | | |");
    println!(
        "| 1,000-row list, setData of one row (max {update_ops} ops) | {update:.2} ms | < 2 ms | {} |",
        verdict(update < 2.0)
    );
    println!(
        "| QuickJS heap, idle demo instance | {heap:.2} MB | < 8 MB | {} |",
        verdict(heap < 8.0)
    );
    println!("| QuickJS heap, 1,000-row list instance | {list_heap:.2} MB | | |");
    println!();
    match peer {
        Ok(p) => {
            println!("Peer: the same runtime bundle and package under Node (V8), same run:\n");
            println!("| measure | Cove (QuickJS) | Node (V8) | ratio |");
            println!("|---|---:|---:|---:|");
            println!(
                "| 1,000-row list, first render | {first:.1} ms ({first_ops} ops) | {:.1} ms ({} ops) | {:.1}x |",
                p.first,
                p.first_ops,
                first / p.first
            );
            println!(
                "| setData of one row | {update:.2} ms ({update_ops} ops) | {:.2} ms ({} ops) | {:.1}x |",
                p.update,
                p.update_ops,
                update / p.update
            );
        }
        Err(e) => println!("Peer (Node/V8) not measured: {e:#}"),
    }
    Ok(ExitCode::SUCCESS)
}
