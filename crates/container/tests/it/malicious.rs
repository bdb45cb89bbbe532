//! The malicious mini-program suite: an app written to break the sandbox's promises, run
//! next to a victim app, under a bank's network policy and the platform's (empty) grants.
//! Every attempt reports itself from inside the app; the test prints the table of attempts
//! and fails if any got through. A control request to a listed host must succeed, so a
//! network that refuses everything cannot pass.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cove_container::guard::{AskHost, Guard, Guarded};
use cove_container::{App, AppConfig, Clock, Host};
use serde_json::{Value, json};

use crate::common::{TestHost, build};
use crate::net_policy::{fx, hits, policy, url};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/malicious")
        .join(name)
}

fn attempts(host: &TestHost) -> Vec<(String, bool, String)> {
    host.console
        .lock()
        .unwrap()
        .iter()
        .filter_map(|(_, line)| {
            let rest = line.strip_prefix("ATTEMPT ")?;
            let mut parts = rest.splitn(3, " | ");
            let name = parts.next()?.to_string();
            let escaped = parts.next()? == "ESCAPED";
            Some((name, escaped, parts.next().unwrap_or("").to_string()))
        })
        .collect()
}

fn wait_for(app: &App, host: &TestHost, n: usize) {
    let start = Instant::now();
    while attempts(host).len() < n {
        let _ = app.settle();
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "only {:?}",
            attempts(host)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn malicious_mini_program_is_contained() {
    let root = tempfile::tempdir().unwrap();
    let (victim_pkg, evil_pkg) = (build(&fixture("victim")), build(&fixture("evil")));

    let victim_host = TestHost::new();
    let mut victim_cfg =
        AppConfig::dev_mode_unverified("victim", victim_pkg.path(), &root.path().join("victim"));
    victim_cfg.clock = Clock::Manual;
    let victim = App::launch(victim_cfg, victim_host.clone(), None).unwrap();
    victim.settle().unwrap();
    assert!(root.path().join("victim/usr/secret.txt").is_file());

    // The evil app: the bank's whitelists (and its test CA and resolver), nothing granted.
    let evil_host = TestHost::new();
    let mut cfg =
        AppConfig::dev_mode_unverified("evil", evil_pkg.path(), &root.path().join("evil"));
    cfg.clock = Clock::Manual;
    cfg.net = policy();
    let guarded: Arc<dyn Host> = Arc::new(
        Guarded::new(
            Arc::new(AskHost(evil_host.clone())),
            Guard::new("evil", &root.path().join("evil")),
        )
        .unwrap(),
    );
    let evil = App::launch(cfg, guarded, None).unwrap();
    evil.settle().unwrap();
    // Something outside the app's reach, planted in its folder (another process could).
    std::os::unix::fs::symlink(
        root.path().join("victim/usr/secret.txt"),
        root.path().join("evil/usr/link-to-victim"),
    )
    .unwrap();

    // Ten attempts answer at once; the ungranted API's callback comes a turn later.
    evil.call_page_method("local", &[]).unwrap();
    wait_for(&evil, &evil_host, 11);

    let p = fx().https;
    let net = json!([
        [
            "request a domain not on the list",
            url("evil.test", "/hit/m-unlisted")
        ],
        [
            "request 127.0.0.1",
            format!("https://127.0.0.1:{p}/hit/m-ip")
        ],
        [
            "request localhost",
            format!("https://localhost:{p}/hit/m-localhost")
        ],
        [
            "request 169.254.169.254 (cloud metadata)",
            "https://169.254.169.254/latest/meta-data/"
        ],
        [
            "request a listed name resolving to a private address",
            url("private.bank.test", "/hit/m-dns")
        ],
        [
            "request a listed name resolving to 169.254.169.254",
            url("meta.bank.test", "/hit/m-meta")
        ],
        [
            "request through a redirect to a private address",
            url("api.bank.test", "/redirect/private")
        ],
        [
            "request through a redirect to an unlisted host",
            url("api.bank.test", "/redirect/unlisted")
        ],
        [
            "request through a redirect to an IP literal",
            url("api.bank.test", "/redirect/ip")
        ],
        [
            "request plain http to a listed host",
            format!("http://api.bank.test:{p}/hit/m-http")
        ],
    ]);
    let before = 11;
    evil.call_page_method("net", std::slice::from_ref(&net))
        .unwrap();
    evil.call_page_method(
        "socket",
        &[
            json!("open a socket to a name resolving to a private address"),
            json!("wss://private.bank.test/"),
        ],
    )
    .unwrap();
    evil.call_page_method(
        "socket",
        &[
            json!("open a socket to 127.0.0.1"),
            json!(format!("wss://127.0.0.1:{}/", fx().https)),
        ],
    )
    .unwrap();
    wait_for(
        &evil,
        &evil_host,
        before + net.as_array().unwrap().len() + 2,
    );

    // The control: a listed host is reached, so the refusals above are the policy's doing.
    evil.call_page_method(
        "net",
        &[json!([[
            "control: a listed host",
            url("api.bank.test", "/hit/m-ok")
        ]])],
    )
    .unwrap();
    wait_for(
        &evil,
        &evil_host,
        before + net.as_array().unwrap().len() + 3,
    );
    assert_eq!(
        hits("m-ok"),
        1,
        "the control request did not reach the server"
    );
    for tag in [
        "m-unlisted",
        "m-ip",
        "m-localhost",
        "m-dns",
        "m-meta",
        "m-http",
        "redirected-private",
        "redirected-unlisted",
        "redirected-ip",
    ] {
        assert_eq!(hits(tag), 0, "{tag} reached the server");
    }

    // Nothing of the evil app reached the victim's runtime either.
    let seen: Value = victim.call_page_method("check", &[]).unwrap();
    let mut rows = attempts(&evil_host);
    let leaked = seen
        != json!({"evilGlobal": "undefined", "evilPolluted": "undefined", "stringTrim": "function"});
    rows.push((
        "reach the other app's globals and prototypes (seen from the victim)".into(),
        leaked,
        seen.to_string(),
    ));
    assert_eq!(
        victim
            .eval_json("wx.getStorageSync('victim-token')")
            .unwrap(),
        "tok-9f2c"
    );
    assert_eq!(
        std::fs::read_to_string(root.path().join("victim/usr/secret.txt")).unwrap(),
        "victim secret"
    );

    println!("\n| attempt | outcome | what happened |\n|---|---|---|");
    for (name, escaped, detail) in &rows {
        let outcome = if name.starts_with("control") {
            "reached (control)"
        } else if *escaped {
            "ESCAPED"
        } else {
            "blocked"
        };
        println!("| {name} | {outcome} | {} |", detail.replace('|', "/"));
    }
    let escaped: Vec<_> = rows
        .iter()
        .filter(|(n, e, _)| *e && !n.starts_with("control"))
        .collect();
    assert!(escaped.is_empty(), "got through: {escaped:#?}");
    let control = rows
        .iter()
        .find(|(n, _, _)| n.starts_with("control"))
        .unwrap();
    assert!(control.2.contains("status 200"), "{control:?}");
    assert!(rows.len() >= 24, "{} attempts", rows.len());
}
