//! The malicious mini-program suite: an app written to break the sandbox's promises, run
//! next to a victim app, under a bank's network policy, the platform's (empty) grants and
//! storage encrypted at rest. Every attempt must fail *because of* the control it tests:
//!
//! - each network target is live and would answer (local TLS servers whose certificate
//!   covers the name or address used, on 127.0.0.1 and 127.0.0.2, a plain HTTP server, a
//!   redirecting host), the refusal's errMsg is the policy's, and the target's hit counter
//!   shows that nothing arrived. 169.254.169.254 is the exception: nothing can listen there
//!   on a test machine, so only the policy's reason is checked;
//! - the host answers the ungranted APIs (and the consent prompt): the refusal is the
//!   guard's, and the host never heard of the call;
//! - the files and storage reached for exist, and the victim reads them;
//! - for setData, what counts is what reached the view (the host's messages);
//! - the runtime's own surface: its control object and natives, its tables, its event
//!   dispatch and its messages, with every built-in the runtime might use replaced by spies
//!   since the evil app's `app.js` loaded (fixtures/malicious/evil/utils/spy.js).
//!
//! The mutation check proves the first point from the other side: with the test-only
//! `mutation` feature, `COVE_MUTATE=<control>` switches one control off
//! (`cove_container::mutation`), and this same test then requires that control's
//! attempts to get through while every other attempt is still refused for its reason.
//! `mutation_check` (ignored; `scripts/test` runs it) runs the suite once per control.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cove_container::guard::{AskHost, Guard, Guarded};
use cove_container::mutation::{self, Control};
use cove_container::services::storage::{AtRest, HostSecret, Suite};
use cove_container::{App, AppConfig, Clock, Host};
use serde_json::{Value, json};

use crate::common::{TestHost, Tree, build};
use crate::net_policy::{fx, hits, policy, url};

const NOT_LISTED: &str = "url not in domain list";
const NOT_ALLOWED: &str = "address not allowed";
const DENIED: &str = "permission denied";
const TOO_LONG: &str = "已经超过最大长度 1048576";
const BRIDGE_REFUSED: &str = "were not sent to the view";
/// setData's limit, in UTF-16 units of the JSON text.
const LIMIT: usize = 1 << 20;

/// What an attempt attacks; the mutation check switches the first five off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctl {
    Net,
    Guard,
    Fs,
    Storage,
    SetData,
    /// One QuickJS runtime per app: nothing is shared to switch off.
    Realm,
    /// The runtime's own surface, out of the app's reach by construction.
    Runtime,
    /// Must succeed: shows the refusals are not a broken network or runtime.
    Control,
}

impl Ctl {
    fn control(self) -> Option<Control> {
        match self {
            Ctl::Net => Some(Control::Net),
            Ctl::Guard => Some(Control::Guard),
            Ctl::Fs => Some(Control::Fs),
            Ctl::Storage => Some(Control::Storage),
            Ctl::SetData => Some(Control::SetData),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Ctl::Net => "net",
            Ctl::Guard => "guard",
            Ctl::Fs => "fs",
            Ctl::Storage => "storage",
            Ctl::SetData => "setdata",
            Ctl::Realm => "realm",
            Ctl::Runtime => "runtime",
            Ctl::Control => "control",
        }
    }
}

/// How the test judges one attempt.
struct Spec {
    name: &'static str,
    ctl: Ctl,
    /// Text the refusal must contain.
    reason: &'static str,
    /// With its control off, what still stops it (the attempt is then expected refused,
    /// but not for `reason`); `None`: it must get through.
    held_by: Option<&'static str>,
}

const fn spec(name: &'static str, ctl: Ctl, reason: &'static str) -> Spec {
    Spec {
        name,
        ctl,
        reason,
        held_by: None,
    }
}

const NO_METADATA_LISTENER: &str = "nothing listens at 169.254.169.254 here";

const SPECS: &[Spec] = &[
    spec(
        "read another app's globals",
        Ctl::Realm,
        r#"returned "undefined""#,
    ),
    spec(
        "see another app's prototype pollution",
        Ctl::Realm,
        r#"returned ["undefined","undefined",false]"#,
    ),
    spec(
        "read another app's page data",
        Ctl::Realm,
        "not in this runtime",
    ),
    spec(
        "reach the other app's globals and prototypes (seen from the victim)",
        Ctl::Realm,
        r#""evilGlobal":"undefined""#,
    ),
    spec(
        "read another app's storage",
        Ctl::Storage,
        "getStorage:fail data not found",
    ),
    spec(
        "list another app's storage keys",
        Ctl::Storage,
        r#"returned ["evil-own"]"#,
    ),
    spec("read another app's file by ..", Ctl::Fs, DENIED),
    spec("write another app's file by ..", Ctl::Fs, DENIED),
    spec("read a host file by ..", Ctl::Fs, DENIED),
    // An absolute path is a package path: /etc/passwd is looked for in the package.
    spec(
        "read an absolute path (/etc/passwd)",
        Ctl::Fs,
        "no such file or directory, open /etc/passwd",
    ),
    spec("read through a planted symlink", Ctl::Fs, DENIED),
    Spec {
        name: "write through a planted symlink",
        ctl: Ctl::Fs,
        reason: DENIED,
        held_by: Some("writes are atomic: the rename replaces the link, not its target"),
    },
    spec(
        "call an ungranted sensitive API (getLocation)",
        Ctl::Guard,
        "getLocation:fail jsapi has no permission, event=getLocation",
    ),
    spec(
        "call an ungranted host API (bank.pay)",
        Ctl::Guard,
        "bank.pay:fail jsapi has no permission, event=bank.pay",
    ),
    spec("setData beyond 1 MB", Ctl::SetData, TOO_LONG),
    spec(
        r#"setData beyond 1 MB with JSON.stringify answering "{}""#,
        Ctl::SetData,
        TOO_LONG,
    ),
    spec(
        "setData beyond 1 MB with toJSON on the Object, Array and String prototypes",
        Ctl::SetData,
        TOO_LONG,
    ),
    spec(
        r#"setData of two 600 KB values, JSON.stringify answering "{}""#,
        Ctl::SetData,
        TOO_LONG,
    ),
    spec(
        "replaceDataOnPath and applyDataUpdates beyond 1 MB",
        Ctl::SetData,
        TOO_LONG,
    ),
    spec(
        "glass-easel's own setData (this._$) beyond 1 MB",
        Ctl::SetData,
        TOO_LONG,
    ),
    spec(
        "replace the page's setData with glass-easel's, then set 1.1 MB",
        Ctl::SetData,
        TOO_LONG,
    ),
    spec(
        "drive the template engine below the data layer with 1.1 MB",
        Ctl::SetData,
        BRIDGE_REFUSED,
    ),
    spec(
        "request a domain not on the list (evil.test)",
        Ctl::Net,
        NOT_LISTED,
    ),
    spec("request 127.0.0.1", Ctl::Net, NOT_LISTED),
    spec("request localhost", Ctl::Net, NOT_LISTED),
    spec(
        "request a listed name resolving to 127.0.0.2 (loopback, outside the allowed range)",
        Ctl::Net,
        NOT_ALLOWED,
    ),
    Spec {
        name: "request 169.254.169.254 (cloud metadata)",
        ctl: Ctl::Net,
        reason: NOT_LISTED,
        held_by: Some(NO_METADATA_LISTENER),
    },
    Spec {
        name: "request a listed name resolving to 169.254.169.254",
        ctl: Ctl::Net,
        reason: NOT_ALLOWED,
        held_by: Some(NO_METADATA_LISTENER),
    },
    spec(
        "request through a redirect to 127.0.0.2",
        Ctl::Net,
        NOT_ALLOWED,
    ),
    spec(
        "request through a redirect to an unlisted host",
        Ctl::Net,
        NOT_LISTED,
    ),
    spec(
        "request through a redirect to an IP literal",
        Ctl::Net,
        NOT_LISTED,
    ),
    spec(
        "request through a redirect to plain http",
        Ctl::Net,
        NOT_LISTED,
    ),
    spec("request plain http to a listed host", Ctl::Net, NOT_LISTED),
    spec("open a socket to an unlisted host", Ctl::Net, NOT_LISTED),
    spec("open a socket to 127.0.0.1", Ctl::Net, NOT_LISTED),
    spec(
        "open a socket to a listed name resolving to 127.0.0.2",
        Ctl::Net,
        NOT_ALLOWED,
    ),
    spec("control: a listed host", Ctl::Control, "status 200"),
    spec("control: a socket to a listed host", Ctl::Control, "open"),
    spec(
        "reach the runtime's control object (__cove) and natives",
        Ctl::Runtime,
        "no such global: __cove, __coveNative",
    ),
    spec(
        "find runtime internals among the globals and their properties",
        Ctl::Runtime,
        "globals leads to one",
    ),
    spec(
        "capture runtime internals through replaced built-ins",
        Ctl::Runtime,
        "none of them the runtime's",
    ),
    spec(
        "forge a view event (call the runtime's event dispatch)",
        Ctl::Runtime,
        "no event dispatch in reach",
    ),
    spec(
        "rewrite the runtime's messages to the view (JSON.stringify, toJSON replaced)",
        Ctl::Runtime,
        "none forged",
    ),
    spec(
        "control: a real tap reaches the page through the replaced built-ins",
        Ctl::Control,
        "paid 1",
    ),
];

/// The setData attempts: the key they set and the one character their value repeats.
const SET_DATA_MARKS: &[(&str, char)] = &[
    ("setData beyond 1 MB", 'a'),
    (
        r#"setData beyond 1 MB with JSON.stringify answering "{}""#,
        'b',
    ),
    (
        "setData beyond 1 MB with toJSON on the Object, Array and String prototypes",
        'c',
    ),
    (
        r#"setData of two 600 KB values, JSON.stringify answering "{}""#,
        'd',
    ),
    ("replaceDataOnPath and applyDataUpdates beyond 1 MB", 'e'),
    ("glass-easel's own setData (this._$) beyond 1 MB", 'f'),
    (
        "replace the page's setData with glass-easel's, then set 1.1 MB",
        'g',
    ),
    (
        "drive the template engine below the data layer with 1.1 MB",
        'h',
    ),
];

/// One attempt as judged: `escaped` from the app's report and the host's evidence.
#[derive(Debug, Clone)]
struct Row {
    name: String,
    escaped: bool,
    detail: String,
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/malicious")
        .join(name)
}

fn attempts(host: &TestHost) -> Vec<Row> {
    host.console
        .lock()
        .unwrap()
        .iter()
        .filter_map(|(_, line)| {
            let rest = line.strip_prefix("ATTEMPT ")?;
            let mut parts = rest.splitn(3, " | ");
            let name = parts.next()?.to_string();
            let escaped = parts.next()? == "ESCAPED";
            let detail = parts.next().unwrap_or("").to_string();
            Some(Row {
                name,
                escaped,
                detail,
            })
        })
        .collect()
}

fn wait_for(app: &App, host: &TestHost, n: usize) {
    let start = Instant::now();
    while attempts(host).len() < n {
        let _ = app.settle();
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "only {} of {n} attempts reported: {:#?}",
            attempts(host).len(),
            attempts(host)
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn secret() -> AtRest {
    AtRest::Encrypted {
        suite: Suite::Intl,
        secret: HostSecret::new(b"malicious-suite-host-secret-0123".to_vec()).unwrap(),
    }
}

/// The controls `COVE_MUTATE` switches off in this run.
fn switched_off() -> Vec<Control> {
    let list: Vec<Control> = std::env::var("COVE_MUTATE")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| Control::parse(s).unwrap_or_else(|| panic!("COVE_MUTATE: unknown control {s}")))
        .collect();
    assert!(
        list.is_empty() || mutation::compiled(),
        "COVE_MUTATE needs the `mutation` feature: cargo test -p cove-container --features mutation"
    );
    list
}

/// For each character, how much of the view's text and attribute values (over 1000
/// characters, all that character) the host received: each setData attempt repeats a
/// character of its own, and the pacer may split what one update sent over messages.
fn view_values(messages: &[Value]) -> HashMap<char, usize> {
    let mut total: HashMap<char, usize> = HashMap::new();
    for m in messages.iter().filter(|m| m["t"] == "ops") {
        for op in m["ops"].as_array().into_iter().flatten() {
            let value = match op[0].as_str() {
                Some("text" | "createText") => &op[2],
                Some("attr") => &op[3],
                _ => continue,
            };
            let Some(s) = value.as_str() else { continue };
            let Some(c) = s.chars().next() else { continue };
            if s.len() > 1000 && s.chars().all(|x| x == c) {
                *total.entry(c).or_default() += s.chars().count();
            }
        }
    }
    total
}

#[test]
fn malicious_mini_program_is_contained() {
    let off = switched_off();
    let root = tempfile::tempdir().unwrap();
    let (victim_pkg, evil_pkg) = (build(&fixture("victim")), build(&fixture("evil")));

    let victim_host = TestHost::new();
    let mut victim_cfg =
        AppConfig::dev_mode_unverified("victim", victim_pkg.path(), &root.path().join("victim"));
    victim_cfg.clock = Clock::Manual;
    victim_cfg.storage_at_rest = secret();
    let victim = App::launch(victim_cfg, victim_host.clone(), None).unwrap();
    victim.settle().unwrap();
    assert!(root.path().join("victim/usr/secret.txt").is_file());

    // The evil app: the bank's whitelists (its test CA and resolver), a host API it is not
    // granted, nothing granted. Behind the guard, the host would answer everything.
    let evil_host = TestHost::new();
    evil_host.answer(
        "getLocation",
        Ok(json!({"latitude": 31.2304, "longitude": 121.4737})),
    );
    evil_host.answer("__consent", Ok(json!({"granted": true})));
    evil_host.answer("bank.pay", Ok(json!({"paid": true})));
    let mut cfg =
        AppConfig::dev_mode_unverified("evil", evil_pkg.path(), &root.path().join("evil"));
    cfg.clock = Clock::Manual;
    cfg.net = policy();
    cfg.storage_at_rest = secret();
    cfg.host_apis = vec!["bank.pay".into()];
    let mut guard = Guard::new("evil", &root.path().join("evil"));
    guard.host_apis = vec!["bank.pay".into()];
    let guarded: Arc<dyn Host> =
        Arc::new(Guarded::new(Arc::new(AskHost(evil_host.clone())), guard).unwrap());
    let evil = App::launch(cfg, guarded, None).unwrap();
    evil.settle().unwrap();
    // Something outside the app's reach, planted in its folder (another process could).
    std::os::unix::fs::symlink(
        root.path().join("victim/usr/secret.txt"),
        root.path().join("evil/usr/link-to-victim"),
    )
    .unwrap();

    // Synchronous attempts, then the callbacks of storage and the guard a turn later.
    evil.call_page_method("local", &[]).unwrap();
    wait_for(&evil, &evil_host, 21);

    let (p, w, h) = (fx().https, fx().wss, fx().http);
    let quick = 3000;
    let net = json!([
        [
            "request a domain not on the list (evil.test)",
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
            "request a listed name resolving to 127.0.0.2 (loopback, outside the allowed range)",
            url("intranet.bank.test", "/hit/m-intranet")
        ],
        [
            "request 169.254.169.254 (cloud metadata)",
            format!("https://169.254.169.254:{p}/latest/meta-data/"),
            quick
        ],
        [
            "request a listed name resolving to 169.254.169.254",
            url("meta.bank.test", "/hit/m-meta"),
            quick
        ],
        [
            "request through a redirect to 127.0.0.2",
            url("api.bank.test", "/redirect/intranet")
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
            "request through a redirect to plain http",
            url("api.bank.test", "/redirect/http")
        ],
        [
            "request plain http to a listed host",
            format!("http://api.bank.test:{h}/hit/m-http")
        ],
        // The control: a listed host is reached, so the refusals above are the policy's.
        ["control: a listed host", url("api.bank.test", "/hit/m-ok")],
    ]);
    evil.call_page_method("net", std::slice::from_ref(&net))
        .unwrap();
    for (name, to) in [
        (
            "open a socket to an unlisted host",
            format!("wss://evil.test:{w}/m-ws-unlisted"),
        ),
        (
            "open a socket to 127.0.0.1",
            format!("wss://127.0.0.1:{w}/m-ws-ip"),
        ),
        (
            "open a socket to a listed name resolving to 127.0.0.2",
            format!("wss://intranet.bank.test:{w}/m-ws-intranet"),
        ),
        (
            "control: a socket to a listed host",
            format!("wss://ws.bank.test:{w}/m-ws-ok"),
        ),
    ] {
        evil.call_page_method("socket", &[json!(name), json!(to)])
            .unwrap();
    }
    wait_for(&evil, &evil_host, 21 + 12 + 4);

    // A real tap from the view, through the spies; then the attempts on the runtime itself.
    let sent: Vec<Value> = evil_host.messages.lock().unwrap().clone();
    let mut tree = Tree::default();
    for m in sent.iter().filter(|m| m["t"] == "ops") {
        tree.apply(m["ops"].as_array().unwrap());
    }
    // (No such node when the runtime's messages were rewritten: the control row says so.)
    if let Some(pay) = tree.find_id("pay") {
        evil.event(pay, "tap", json!({"x": 1, "y": 2})).unwrap();
        evil.settle().unwrap();
    }
    evil.call_page_method("surface", &[]).unwrap();
    wait_for(&evil, &evil_host, 21 + 12 + 4 + 4);
    evil.settle().unwrap();

    // ---- what the app reported, judged with what the host saw
    let mut rows = attempts(&evil_host);
    let messages: Vec<Value> = evil_host.messages.lock().unwrap().clone();
    let console: Vec<String> = evil_host.logs();
    let requests: Vec<String> = evil_host
        .requests
        .lock()
        .unwrap()
        .iter()
        .map(|(api, _)| api.clone())
        .collect();
    let in_view = view_values(&messages);
    let victim_file = std::fs::read_to_string(root.path().join("victim/usr/secret.txt")).unwrap();
    let net_tags: HashMap<&str, String> = [
        ("request a domain not on the list (evil.test)", "m-unlisted"),
        ("request 127.0.0.1", "m-ip"),
        ("request localhost", "m-localhost"),
        (
            "request a listed name resolving to 127.0.0.2 (loopback, outside the allowed range)",
            "m-intranet",
        ),
        (
            "request a listed name resolving to 169.254.169.254",
            "m-meta",
        ),
        (
            "request through a redirect to 127.0.0.2",
            "redirected-intranet",
        ),
        (
            "request through a redirect to an unlisted host",
            "redirected-unlisted",
        ),
        (
            "request through a redirect to an IP literal",
            "redirected-ip",
        ),
        (
            "request through a redirect to plain http",
            "redirected-http",
        ),
        ("request plain http to a listed host", "m-http"),
        ("open a socket to an unlisted host", "ws/m-ws-unlisted"),
        ("open a socket to 127.0.0.1", "ws/m-ws-ip"),
        (
            "open a socket to a listed name resolving to 127.0.0.2",
            "ws/m-ws-intranet",
        ),
    ]
    .into_iter()
    .map(|(n, t)| (n, t.to_string()))
    .collect();
    for row in &mut rows {
        let name = row.name.as_str();
        if let Some(tag) = net_tags.get(name) {
            let n = hits(tag);
            row.escaped |= n > 0;
            row.detail = format!("{}; the target counted {n} request(s)", row.detail);
        } else if let Some((_, c)) = SET_DATA_MARKS.iter().find(|(n, _)| *n == name) {
            // What counts is what reached the view.
            let got = in_view.get(c).copied().unwrap_or(0);
            row.escaped = got > LIMIT;
            let bridge = console.iter().find(|l| l.contains(BRIDGE_REFUSED));
            if *c == 'h'
                && let Some(b) = bridge
            {
                row.detail = format!("{}; the bridge: {b}", row.detail);
            }
            row.detail = format!("{}; the view received {got} bytes of it", row.detail);
        } else if name == "call an ungranted sensitive API (getLocation)" {
            let asked = requests
                .iter()
                .any(|r| r == "getLocation" || r == "__consent");
            row.escaped |= asked;
            row.detail = format!("{}; the host was asked: {asked}", row.detail);
        } else if name == "call an ungranted host API (bank.pay)" {
            let asked = requests.iter().any(|r| r == "bank.pay");
            row.escaped |= asked;
            row.detail = format!("{}; the host was asked: {asked}", row.detail);
        } else if name == "write another app's file by .." {
            row.escaped = victim_file == "pwned";
            row.detail = format!("{}; the victim's file holds {victim_file:?}", row.detail);
        } else if name == "write through a planted symlink" {
            row.escaped = victim_file == "pwned through the link";
            row.detail = format!("{}; the victim's file holds {victim_file:?}", row.detail);
        }
    }

    // Nothing of the evil app reached the victim's runtime either.
    let seen: Value = victim.call_page_method("check", &[]).unwrap();
    rows.push(Row {
        name: "reach the other app's globals and prototypes (seen from the victim)".into(),
        escaped: seen
            != json!({"evilGlobal": "undefined", "evilPolluted": "undefined", "stringTrim": "function"}),
        detail: seen.to_string(),
    });
    // The runtime's messages went out as it made them, through the spies.
    let forged = messages.iter().filter(|m| m["t"] == "forged").count();
    let ops = messages.iter().filter(|m| m["t"] == "ops").count();
    let routes = messages.iter().filter(|m| m["t"] == "route").count();
    rows.push(Row {
        name: "rewrite the runtime's messages to the view (JSON.stringify, toJSON replaced)".into(),
        escaped: forged > 0,
        detail: if forged > 0 {
            format!("{forged} forged message(s) reached the host")
        } else if ops > 0 && routes > 0 {
            format!("the host got {ops} ops and {routes} route message(s), none forged")
        } else {
            format!("no message reached the host ({ops} ops, {routes} routes)")
        },
    });
    let page = evil.page_data().unwrap();
    rows.push(Row {
        name: "control: a real tap reaches the page through the replaced built-ins".into(),
        escaped: false,
        detail: format!("paid {}, forged {}", page["paid"], page["forged"]),
    });
    assert_eq!(
        victim
            .eval_json("wx.getStorageSync('victim-token')")
            .unwrap(),
        "tok-9f2c"
    );

    // ---- the table, then the verdicts
    let specs: HashMap<&str, &Spec> = SPECS.iter().map(|s| (s.name, s)).collect();
    let names: Vec<&str> = off.iter().map(|c| c.name()).collect();
    if off.is_empty() {
        println!("\nmalicious suite: every control on\n");
    } else {
        println!(
            "\nmalicious suite: COVE_MUTATE={} (switched off)\n",
            names.join(",")
        );
    }
    let order = |name: &str| {
        SPECS
            .iter()
            .position(|s| s.name == name)
            .unwrap_or(usize::MAX)
    };
    rows.sort_by_key(|r| order(&r.name));
    println!("| attempt | control | outcome | right reason | expected | what happened |");
    println!("|---|---|---|---|---|---|");
    let mut wrong = vec![];
    for row in &rows {
        let Some(spec) = specs.get(row.name.as_str()) else {
            wrong.push(format!(
                "{}: not in the suite's table of attempts",
                row.name
            ));
            continue;
        };
        let reason_ok = !row.escaped && row.detail.contains(spec.reason);
        let is_off = spec.ctl.control().is_some_and(|c| off.contains(&c));
        let (expected, ok) = if spec.ctl == Ctl::Control {
            ("reached", row.detail.contains(spec.reason))
        } else if is_off {
            match spec.held_by {
                None => ("ESCAPED", row.escaped),
                Some(_) => ("held by another wall", !row.escaped && !reason_ok),
            }
        } else {
            ("blocked", reason_ok)
        };
        let outcome = match (spec.ctl, row.escaped) {
            (Ctl::Control, _) => "reached",
            (_, true) => "ESCAPED",
            (_, false) => "blocked",
        };
        let why = match (spec.ctl, reason_ok) {
            (Ctl::Control, _) => "-",
            (_, true) => "yes",
            (_, false) if row.escaped => "-",
            (_, false) => match spec.held_by {
                Some(h) if is_off => h,
                _ => "NO",
            },
        };
        println!(
            "| {} | {} | {outcome} | {why} | {expected} | {} |",
            row.name,
            spec.ctl.label(),
            row.detail.replace('|', "/")
        );
        if !ok {
            wrong.push(format!(
                "{} [{}]: expected {expected}, got {outcome} ({})",
                row.name,
                spec.ctl.label(),
                row.detail
            ));
        }
    }
    for spec in SPECS {
        if !rows.iter().any(|r| r.name == spec.name) {
            wrong.push(format!("{}: never reported", spec.name));
        }
    }
    if off.contains(&Control::Fs) {
        assert_eq!(
            victim_file, "pwned",
            "with the sandbox off the write went through"
        );
    } else {
        assert_eq!(victim_file, "victim secret");
    }
    assert!(
        wrong.is_empty(),
        "the suite's verdicts do not hold:\n{}",
        wrong.join("\n")
    );
    assert_eq!(
        hits("m-ok"),
        1,
        "the control request reached the server once"
    );
    assert!(rows.len() >= 40, "{} attempts", rows.len());
}

/// The mutation check: the suite once with every control on and once with each control
/// off, each in a process of its own (`COVE_MUTATE` is read once per process). Each run
/// asserts its own expectations; this prints the matrix of outcomes.
#[cfg(feature = "mutation")]
#[test]
#[ignore = "runs the suite six times; scripts/test runs it: cargo test ... mutation_check -- --ignored"]
fn mutation_check() {
    let exe = std::env::current_exe().unwrap();
    let runs: Vec<Option<Control>> = std::iter::once(None)
        .chain(Control::ALL.into_iter().map(Some))
        .collect();
    let mut matrix: Vec<(String, String, Vec<String>)> = vec![];
    let mut failed = vec![];
    let mut held: Vec<String> = vec![];
    for (i, run) in runs.iter().enumerate() {
        let mut cmd = std::process::Command::new(&exe);
        cmd.args([
            "malicious::malicious_mini_program_is_contained",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ]);
        match run {
            Some(c) => cmd.env("COVE_MUTATE", c.name()),
            None => cmd.env_remove("COVE_MUTATE"),
        };
        let out = cmd.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let label = run.map_or("all on", |c| c.name());
        if !out.status.success() {
            failed.push(format!(
                "with {label}: {text}\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        for line in text
            .lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| attempt"))
        {
            let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
            if cells.len() < 3 {
                continue;
            }
            let (name, ctl) = (cells[0], cells[1]);
            // Refused with its control off: by another wall, which the row names.
            let outcome = match (cells[2], cells.get(3)) {
                ("blocked", Some(why)) if !matches!(*why, "yes" | "NO" | "-") => {
                    if !held.iter().any(|h: &String| h == why) {
                        held.push(why.to_string());
                    }
                    format!(
                        "blocked ({})",
                        held.iter().position(|h| h == why).unwrap_or(0) + 1
                    )
                }
                (o, _) => o.to_string(),
            };
            let at = match matrix.iter().position(|(n, _, _)| n == name) {
                Some(at) => at,
                None => {
                    matrix.push((
                        name.to_string(),
                        ctl.to_string(),
                        vec!["?".into(); runs.len()],
                    ));
                    matrix.len() - 1
                }
            };
            matrix[at].2[i] = outcome;
        }
    }
    println!(
        "\nmutation check: the outcome of each attempt with every control on, then with each control off\n"
    );
    println!(
        "| attempt | control | all on | net off | guard off | fs off | storage off | setdata off |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (name, ctl, cells) in &matrix {
        println!("| {name} | {ctl} | {} |", cells.join(" | "));
    }
    for (i, h) in held.iter().enumerate() {
        println!(
            "\n({}) refused with its control off, by another wall: {h}",
            i + 1
        );
    }
    assert!(failed.is_empty(), "runs failed:\n{}", failed.join("\n\n"));
}
