//! `cove serve --demo` as a process: the CI commands (`cove upload`, `submit`, `publish`,
//! `explain`) against it with an API token, then a crash (SIGKILL) in the middle of uploads
//! and a restart on the same data dir: what was committed is all there, nothing half-made,
//! and the audit chain holds.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

fn cove() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cove"))
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

struct Serve {
    child: Child,
    url: String,
    lines: Vec<String>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `cove serve --demo` on `data`; read stdout up to the last demo line (or the
/// "already set up" one).
fn serve(data: &Path) -> Serve {
    let mut cmd = cove();
    cmd.args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .arg("--examples")
        .arg(examples());
    start(cmd)
}

fn start(mut cmd: Command) -> Serve {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = vec![];
    loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "cove serve ended early: {lines:?}"
        );
        let line = line.trim_end().to_string();
        let done = line.starts_with("(these passwords") || line.starts_with("demo: the platform");
        lines.push(line);
        if done {
            break;
        }
    }
    let url = lines[0]
        .strip_prefix("console: ")
        .expect("the console line first")
        .trim_end_matches('/')
        .to_string();
    Serve { child, url, lines }
}

fn field<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} in {lines:?}"))
}

/// Sign in and make an API token.
async fn token(http: &reqwest::Client, url: &str, user: &str, password: &str) -> String {
    let res = http
        .post(format!("{url}/api/v1/session"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let session: Value = res.json().await.unwrap();
    let csrf = session["csrf"].as_str().unwrap();
    // The demo admin's printed password is a one-time one: replace it first.
    if session["must_change_password"] == true {
        let res = http
            .put(format!("{url}/api/v1/session/password"))
            .header("cookie", &cookie)
            .header("x-csrf-token", csrf)
            .json(&json!({"current": password, "new": format!("{password} (changed)")}))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    }
    let res = http
        .post(format!("{url}/api/v1/tokens"))
        .header("cookie", cookie)
        .header("x-csrf-token", csrf)
        .json(&json!({"name": "ci"}))
        .send()
        .await
        .unwrap();
    let v: Value = res.json().await.unwrap();
    v["token"].as_str().unwrap().to_string()
}

fn run(args: &[&str], url: &str, token: &str) -> std::process::Output {
    cove()
        .args(args)
        .env("COVE_SERVER", url)
        .env("COVE_TOKEN", token)
        .output()
        .unwrap()
}

fn stdout(o: &std::process::Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `--demo` without `--examples`, from a directory with no `examples/` in it: the examples
/// built into the binary are published, so the binary alone is enough.
#[test]
fn demo_publishes_the_builtin_examples_from_any_directory() {
    let cwd = tempfile::tempdir().unwrap();
    let mut cmd = cove();
    cmd.current_dir(cwd.path()).args([
        "serve",
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        "data",
    ]);
    let s = start(cmd);
    let app = field(&s.lines, "demo mini-program: ");
    assert!(
        app.starts_with("wxcove0000demo01 ") && app.ends_with(" published"),
        "{app}"
    );
    assert!(cwd.path().join("data/cove.db").is_file());
    let left: Vec<_> = std::fs::read_dir(cwd.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        ["data"],
        "nothing but the data dir in the working directory"
    );
}

#[test]
fn ci_commands_then_crash_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let s = serve(&data);
    let (admin_pw, dev_pw) = (
        field(&s.lines, "demo admin: admin / ").to_string(),
        field(&s.lines, "demo developer: partner-dev / ").to_string(),
    );
    assert!(field(&s.lines, "demo mini-program: ").starts_with("wxcove0000demo01"));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    let dev = rt.block_on(token(&http, &s.url, "partner-dev", &dev_pw));
    let admin = rt.block_on(token(&http, &s.url, "admin", &admin_pw));

    let demo = examples().join("demo");
    let out = stdout(&run(
        &[
            "upload",
            "--app",
            "wxcove0000demo01",
            "--version-name",
            "1.1.0",
            "--submit",
            demo.to_str().unwrap(),
        ],
        &s.url,
        &dev,
    ));
    assert!(out.contains("uploaded wxcove0000demo01 version 2"), "{out}");
    assert!(
        out.contains("submitted wxcove0000demo01 version 2 for review"),
        "{out}"
    );
    // The developer cannot publish; the error says why, from the platform.
    let refused = run(
        &[
            "publish",
            "--app",
            "wxcove0000demo01",
            "--version-code",
            "2",
        ],
        &s.url,
        &dev,
    );
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("forbidden"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let approve = rt
        .block_on(
            http.post(format!(
                "{}/api/v1/apps/wxcove0000demo01/versions/2/approve",
                s.url
            ))
            .bearer_auth(&admin)
            .json(&json!({"comment": "report read"}))
            .send(),
        )
        .unwrap();
    assert!(approve.status().is_success());
    let out = stdout(&run(
        &[
            "publish",
            "--app",
            "wxcove0000demo01",
            "--version-code",
            "2",
        ],
        &s.url,
        &admin,
    ));
    assert!(out.contains("version 2 published"), "{out}");
    let out = stdout(&run(
        &["explain", "--app", "wxcove0000demo01", "--user", "u-42"],
        &s.url,
        &admin,
    ));
    assert!(out.contains("u-42 gets version 2"), "{out}");
    assert!(out.contains("no rule matched: the live version 2"), "{out}");

    // The reviewer opens the candidate in the simulator from the console.
    let preview: Value = rt.block_on(async {
        http.post(format!(
            "{}/api/v1/apps/wxcove0000demo01/versions/2/preview",
            s.url
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
    });
    let link = preview["url"]
        .as_str()
        .unwrap_or_else(|| panic!("{preview}"));
    // The link carries the preview's secret; the bare address answers nothing without it.
    let (sim, token) = link.split_once("?token=").unwrap();
    let bare = rt.block_on(async {
        http.get(format!("{sim}__cove/status"))
            .send()
            .await
            .unwrap()
    });
    assert_eq!(bare.status(), 401);
    // The link sets the preview's cookie and sends the browser on to the bare address.
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let opened = rt.block_on(async { browser.get(link).send().await.unwrap() });
    assert_eq!(opened.status(), 303);
    let cookie = opened.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = rt.block_on(async {
        let r = browser
            .get(sim)
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        r.text().await.unwrap()
    });
    assert!(
        page.contains("<html") || page.contains("<!doctype"),
        "{page}"
    );
    // It runs the uploaded package: the build is good and its app.json is served.
    let status: Value = rt.block_on(async {
        http.get(format!("{sim}__cove/status?token={token}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(status["build"], "ok", "{status}");
    let app_json = rt.block_on(async {
        http.get(format!("{sim}__cove/pkg/app.json?token={token}"))
            .send()
            .await
            .unwrap()
    });
    assert!(app_json.status().is_success());

    // Uploads in flight when the process dies.
    let zip = cove_server::upload::zip_source_dir(&demo).unwrap();
    let mut s = s;
    rt.block_on(async {
        let mut tasks = vec![];
        for code in 3..9u64 {
            let (http, url, dev, zip) = (http.clone(), s.url.clone(), dev.clone(), zip.clone());
            tasks.push(tokio::spawn(async move {
                http.post(format!(
                    "{url}/api/v1/apps/wxcove0000demo01/versions?kind=source&version_code={code}"
                ))
                .bearer_auth(dev)
                .body(zip)
                .send()
                .await
                .map(|r| r.status().is_success())
                .unwrap_or(false)
            }));
        }
        // Let some finish, then kill without warning.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        s.child.kill().unwrap();
        s.child.wait().unwrap();
        for t in tasks {
            let _ = t.await;
        }
    });
    drop(s);

    let s = serve(&data);
    assert!(
        s.lines.iter().any(|l| l.starts_with("demo: the platform")),
        "{:?}",
        s.lines
    );
    let versions: Value = rt.block_on(async {
        http.get(format!("{}/api/v1/apps/wxcove0000demo01/versions", s.url))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let versions = versions.as_array().unwrap();
    assert!(
        versions
            .iter()
            .any(|v| v["code"] == 2 && v["state"] == "released"),
        "{versions:?}"
    );
    // Every version the database kept has its package: the blob is written before the row.
    for v in versions {
        let id = v["package"].as_str().unwrap();
        assert!(
            data.join("blobs").join(&id[..2]).join(&id[2..]).is_file(),
            "version {} lost its package",
            v["code"]
        );
    }
    let app: Value = rt.block_on(async {
        http.get(format!("{}/api/v1/apps/wxcove0000demo01", s.url))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(app["live_version"], 2);
    drop(s);
    // The chain holds, and so do its signed heads: an entry whose commit the kill cut off
    // from its `write` head is covered by the head signed before the commit.
    let out = stdout(
        &cove()
            .args(["audit", "verify", "--data-dir"])
            .arg(&data)
            .output()
            .unwrap(),
    );
    assert!(out.starts_with("ok: "), "{out}");
}

/// The host SDK against a running `cove serve`: a gray version for one user, the live one for
/// another, each downloaded, verified and unsealed with the demo host's key; the cache runs
/// offline once the server is gone; after a takedown (and a restart) nothing launches.
#[test]
fn sdk_against_a_running_server() {
    use cove_sdk::{Sdk, SdkConfig, User};

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let s = serve(&data);
    let admin_pw = field(&s.lines, "demo admin: admin / ").to_string();
    let dev_pw = field(&s.lines, "demo developer: partner-dev / ").to_string();
    let host = field(&s.lines, "demo host app: sdk key ").to_string();
    let (key, secret) = host.split_once(" / sdk secret ").unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::new();
    let dev = rt.block_on(token(&http, &s.url, "partner-dev", &dev_pw));
    let admin = rt.block_on(token(&http, &s.url, "admin", &admin_pw));
    let demo = examples().join("demo");
    stdout(&run(
        &[
            "upload",
            "--app",
            "wxcove0000demo01",
            "--version-name",
            "2.0.0",
            "--submit",
            demo.to_str().unwrap(),
        ],
        &s.url,
        &dev,
    ));
    let post = |url: &str, path: &str, body: Value| {
        let r = rt
            .block_on(
                http.post(format!("{url}{path}"))
                    .bearer_auth(&admin)
                    .json(&body)
                    .send(),
            )
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
    };
    post(
        &s.url,
        "/api/v1/apps/wxcove0000demo01/versions/2/approve",
        json!({"comment": "report read"}),
    );
    stdout(&run(
        &[
            "publish",
            "--app",
            "wxcove0000demo01",
            "--version-code",
            "2",
            "--gray",
        ],
        &s.url,
        &admin,
    ));
    let rules = json!({"rules": [{"id": "pilot", "version_code": 2, "conditions": [{"kind": "users", "ids": ["u-pilot"]}]}]});
    let r = rt
        .block_on(
            http.put(format!("{}/api/v1/apps/wxcove0000demo01/release", s.url))
                .bearer_auth(&admin)
                .json(&rules)
                .send(),
        )
        .unwrap();
    assert!(r.status().is_success());

    let keys = data.join("keys");
    let signing = cove_package::KeyPair::from_json(
        &std::fs::read_to_string(keys.join("platform-signing.json")).unwrap(),
    )
    .unwrap();
    let sealing = cove_package::KeyPair::from_json(
        &std::fs::read_to_string(keys.join("demo-host-sealing.json")).unwrap(),
    )
    .unwrap();
    let device = |url: &str, cache: &Path| {
        Sdk::new(SdkConfig {
            server: url.to_string(),
            sdk_key: key.to_string(),
            sdk_secret: secret.to_string(),
            signing_keys: vec![signing.public()],
            host_keys: vec![sealing.clone()],
            secrets: cove_container::HostSecrets::new(
                cove_container::HostSecret::new(vec![7u8; 32]).unwrap(),
            ),
            channels: vec![cove_package::Channel::Release],
            cache_dir: cache.to_path_buf(),
            host_version: None,
            platform: "android".into(),
            timeout: std::time::Duration::from_secs(5),
            clock: None,
        })
        .unwrap()
    };
    let (pilot_cache, public_cache) = (dir.path().join("pilot"), dir.path().join("public"));
    let pilot = device(&s.url, &pilot_cache)
        .prepare("wxcove0000demo01", &User::new("u-pilot"))
        .unwrap();
    let public = device(&s.url, &public_cache)
        .prepare("wxcove0000demo01", &User::new("u-public"))
        .unwrap();
    assert_eq!((pilot.version_code, public.version_code), (2, 1));

    // The server is gone: the cache runs.
    let url = s.url.clone();
    drop(s);
    let offline = device(&url, &public_cache)
        .prepare("wxcove0000demo01", &User::new("u-public"))
        .unwrap();
    assert_eq!((offline.version_code, offline.offline), (1, true));

    // Restarted, it takes the app down: refused online, then offline too.
    let s = serve(&data);
    post(
        &s.url,
        "/api/v1/apps/wxcove0000demo01/takedown",
        json!({"reason": "incident"}),
    );
    let err = device(&s.url, &public_cache)
        .prepare("wxcove0000demo01", &User::new("u-public"))
        .unwrap_err();
    assert_eq!(err.code(), "app_taken_down");
    drop(s);
    let err = device(&url, &public_cache)
        .prepare("wxcove0000demo01", &User::new("u-public"))
        .unwrap_err();
    assert_eq!(err.code(), "app_taken_down");
}
