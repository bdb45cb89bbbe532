//! The SDK against a running platform (`cove serve`'s server, in process, on a real port):
//! two users get their gray versions, downloaded, verified, unsealed and run in the
//! container; the cache runs the last good version offline; a takedown refuses launch,
//! online and then offline; events reach the statistics.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cove_container::{Host, HostSecret, HostSecrets, Level, Reply};
use cove_package::{Channel, KeyPair};
use cove_sdk::{Sdk, SdkConfig, SdkError, User};
use cove_server::config::ServerConfig;
use cove_server::gray::{Condition, Rule};
use cove_server::platform::{Platform, Upload};
use cove_server::workflow::Step;
use serde_json::{Value, json};

const DEMO: &str = "wxcove0000demo01";

/// Records what the container sends.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Host for Recorder {
    fn send(&self, msg: &str) {
        self.0.lock().unwrap().push(msg.to_string());
    }
    fn console(&self, _: Level, text: &str) {
        self.0.lock().unwrap().push(format!("console: {text}"));
    }
    fn request(&self, api: &str, _: Value, reply: Reply) {
        reply.fail(format!("fail {api} is not supported by this host"));
    }
}

struct Running {
    rt: tokio::runtime::Runtime,
    platform: Platform,
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    dir: tempfile::TempDir,
}

impl Running {
    fn start() -> Running {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cfg = ServerConfig {
            data_dir: dir.path().to_path_buf(),
            ..ServerConfig::default()
        };
        let platform = rt.block_on(cove_server::serve::open(&cfg)).unwrap();
        Self::start_on(Running {
            rt,
            platform,
            url: String::new(),
            stop: None,
            dir,
        })
    }

    /// Serve the same platform (database, blobs) again, on a new port.
    fn start_on(old: Running) -> Running {
        let Running {
            rt, platform, dir, ..
        } = old;
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let p = platform.clone();
        rt.spawn(async move {
            cove_server::serve::serve(p, listener, Duration::from_millis(200), async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Running {
            rt,
            platform,
            url,
            stop: Some(tx),
            dir,
        }
    }
}

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

#[test]
fn gray_versions_offline_cache_and_takedown() {
    let mut server = Running::start();
    let p = server.platform.clone();
    let seeded = server
        .rt
        .block_on(cove_server::demo::seed(
            &p,
            &[examples().join("demo")],
            &server.dir.path().join("keys"),
        ))
        .unwrap()
        .unwrap();
    // Version 2 for one gray user; everyone else stays on 1.
    server.rt.block_on(async {
        let dev = p
            .login(&seeded.developer.0, &seeded.developer.1, "test")
            .await
            .unwrap()
            .1
            .actor();
        let admin = p
            .login(&seeded.admin.0, &seeded.admin.1, "test")
            .await
            .unwrap()
            .1
            .actor();
        let zip = cove_server::upload::zip_source_dir(&examples().join("demo")).unwrap();
        let up = Upload {
            kind: "source".into(),
            version_code: Some(2),
            version_name: Some("2.0.0".into()),
            note: String::new(),
        };
        p.upload(&dev, DEMO, zip, &up).await.unwrap();
        p.step(&dev, DEMO, 2, Step::Submit).await.unwrap();
        p.approve(&admin, DEMO, 2, "pilot for the SDK tests", None)
            .await
            .unwrap();
        p.publish(&admin, DEMO, 2, true).await.unwrap();
        let rule = Rule {
            id: "pilot".into(),
            version_code: 2,
            conditions: vec![Condition::Users {
                ids: vec!["u-pilot".into()],
            }],
        };
        p.set_rules(&admin, DEMO, vec![rule]).await.unwrap();
    });

    // Two devices: each has its own cache (a device never goes back to an older version
    // unless the platform signs it as a rollback).
    let (cache, pilot_cache) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let host_key =
        KeyPair::from_json(&std::fs::read_to_string(&seeded.host_sealing_key).unwrap()).unwrap();
    let config = |server_url: &str| SdkConfig {
        server: server_url.to_string(),
        sdk_key: seeded.host_key.clone(),
        sdk_secret: seeded.host_secret.clone(),
        signing_keys: vec![p.signing_key.public()],
        host_keys: vec![host_key.clone()],
        secrets: HostSecrets::new(HostSecret::new(*b"the host app's own storage key!!").unwrap()),
        channels: vec![Channel::Release],
        cache_dir: cache.path().to_path_buf(),
        host_version: Some("5.2.0".into()),
        platform: "android".into(),
        timeout: Duration::from_secs(5),
        clock: None,
    };
    let sdk = Sdk::new(config(&server.url)).unwrap();

    // Two users, two versions, each verified and unsealed with this host's key.
    let pilot_device = Sdk::new(SdkConfig {
        cache_dir: pilot_cache.path().to_path_buf(),
        ..config(&server.url)
    })
    .unwrap();
    let pilot = pilot_device.prepare(DEMO, &User::new("u-pilot")).unwrap();
    assert_eq!((pilot.version_code, pilot.offline), (2, false));
    let public = sdk.prepare(DEMO, &User::new("u-public")).unwrap();
    assert_eq!((public.version_code, public.offline), (1, false));
    assert!(public.package_dir().join("app.json").is_file());
    // The pilot device's user leaves the gray group: version 1 is older and not signed as a
    // rollback, so the device keeps the version it has.
    let kept = pilot_device.prepare(DEMO, &User::new("u-public")).unwrap();
    assert_eq!(kept.version_code, 2);
    // The public device is offered nothing new; were its user in the pilot, it would be.
    assert!(
        !sdk.check_update(DEMO, &User::new("u-public"))
            .unwrap()
            .has_update
    );
    assert!(
        sdk.check_update(DEMO, &User::new("u-pilot"))
            .unwrap()
            .has_update
    );

    // It runs in the container through the launcher, under the policy the platform signed
    // (valid for 7 days from now, 3 more offline), its storage encrypted.
    let policy = public.policy();
    let now = cove_server::platform::system_clock();
    assert!((policy.issued_at - now).abs() < 600, "{policy:?}");
    assert_eq!(policy.expires_at - policy.issued_at, 7 * 86_400);
    assert_eq!(policy.grace_secs, 3 * 86_400);
    let data = tempfile::tempdir().unwrap();
    let host = Arc::new(Recorder::default());
    let app = public
        .launcher
        .launch(data.path(), host.clone(), None)
        .unwrap();
    app.settle().unwrap();
    assert!(
        host.0.lock().unwrap().iter().any(|m| m.contains("\"ops\"")),
        "the app rendered nothing"
    );
    drop(app);
    let stored: Vec<Vec<u8>> = std::fs::read_dir(data.path().join("storage"))
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert!(!stored.is_empty(), "the demo stores its launch count");
    assert!(
        stored.iter().all(|f| f.starts_with(b"COVESTOR")),
        "stored in clear"
    );

    // Events reach the platform's statistics.
    let now_ms = cove_server::platform::system_clock() * 1000;
    sdk.record(json!({"type": "launch", "app_id": DEMO, "version_code": 1, "user_id": "u-public", "at_ms": now_ms})).unwrap();
    // A release of personal data, as the guard reports it through `release_sink`.
    let sdk = std::sync::Arc::new(sdk);
    let sink = sdk.release_sink();
    sink(&cove_container::guard::Release {
        app_id: DEMO.into(),
        version_code: 1,
        user_id: "u-public".into(),
        at_ms: now_ms,
        api: "getLocation".into(),
        data: cove_container::guard::DataKind::Location,
        released: vec!["latitude".into(), "longitude".into()],
        reduced: [("latitude".to_string(), "rounded:0.01".to_string())].into(),
    });
    assert_eq!(sdk.flush_events().unwrap(), (2, 0));
    let today = cove_server::stats::day(now_ms);
    let stats = server
        .rt
        .block_on(cove_server::stats::summary(&p.db, DEMO, today, today))
        .unwrap();
    assert_eq!(stats.days[0].launches, 1);
    assert_eq!(
        (
            stats.data_releases[0].api.as_str(),
            stats.data_releases[0].data.as_str(),
            stats.data_releases[0].releases,
            stats.data_releases[0].reduced
        ),
        ("getLocation", "location", 1, 1)
    );

    // Offline: the platform is gone; the last good version still launches.
    let _ = server.stop.take().unwrap().send(());
    std::thread::sleep(Duration::from_millis(200));
    let offline = Sdk::new(config("http://127.0.0.1:9")).unwrap();
    let l = offline.prepare(DEMO, &User::new("u-public")).unwrap();
    assert_eq!((l.version_code, l.offline), (1, true));
    assert!(matches!(
        offline.prepare("wxneverinstalled", &User::new("u")),
        Err(SdkError::OfflineNotInstalled(_))
    ));
    // The cached policy is checked against the platform's signature again: a device user who
    // widens the whitelist in the cache gets nothing launched.
    let state_file = cache.path().join(DEMO).join("state.json");
    let original = std::fs::read_to_string(&state_file).unwrap();
    let mut state: Value = serde_json::from_str(&original).unwrap();
    use base64::Engine as _;
    let wider = json!({"domains": {"request": ["evil.example"], "socket": [], "upload": [], "download": [], "web_view": []}, "grants": {"apis": ["getLocation"], "host_apis": []}});
    state["policy_signature"]["payload"] =
        json!(base64::engine::general_purpose::STANDARD.encode(wider.to_string()));
    state["policy"] = wider;
    std::fs::write(&state_file, state.to_string()).unwrap();
    let err = offline.prepare(DEMO, &User::new("u-public")).unwrap_err();
    assert_eq!(err.code(), "policy_signature", "{err}");
    std::fs::write(&state_file, original).unwrap();
    assert!(offline.prepare(DEMO, &User::new("u-public")).is_ok());

    // The installed package is verified again at each launch: one changed byte of a file in
    // the cache, or a file added to it, and nothing launches.
    let installed = cache.path().join(DEMO).join("v1/package/app.json");
    let app_json = std::fs::read(&installed).unwrap();
    std::fs::write(&installed, [&app_json[..], b" "].concat()).unwrap();
    let err = offline.prepare(DEMO, &User::new("u-public")).unwrap_err();
    assert_eq!(err.code(), "digest_mismatch", "{err}");
    std::fs::write(&installed, &app_json).unwrap();
    let added = cache.path().join(DEMO).join("v1/package/evil.js");
    std::fs::write(&added, "steal()").unwrap();
    let err = offline.prepare(DEMO, &User::new("u-public")).unwrap_err();
    assert_eq!(err.code(), "installed_changed", "{err}");
    std::fs::remove_file(&added).unwrap();

    // Offline, the signed policy holds until it expires (7 days), and for its grace (3 days)
    // after; then the app does not launch until the platform is reached again.
    let days_later = |days: i64| {
        Sdk::new(SdkConfig {
            clock: Some(Arc::new(move || now + days * 86_400)),
            ..config("http://127.0.0.1:9")
        })
        .unwrap()
    };
    let l = days_later(9).prepare(DEMO, &User::new("u-public")).unwrap();
    assert!(l.offline);
    let err = days_later(11)
        .prepare(DEMO, &User::new("u-public"))
        .unwrap_err();
    assert_eq!(err.code(), "policy_expired", "{err}");

    // Events wait for the platform to come back.
    offline.record(json!({"type": "launch", "app_id": DEMO, "version_code": 1, "user_id": "u", "at_ms": now_ms})).unwrap();
    assert!(offline.flush_events().is_err());

    // Back online, the platform takes the app down: it refuses to launch, and keeps refusing
    // offline, though the package is still in the cache.
    let server = Running::start_on(server);
    let admin = server
        .rt
        .block_on(p.login(&seeded.admin.0, &seeded.admin.1, "test"))
        .unwrap()
        .1
        .actor();
    server
        .rt
        .block_on(p.takedown(&admin, DEMO, "incident 7"))
        .unwrap();
    let sdk = Sdk::new(config(&server.url)).unwrap();
    let err = sdk.prepare(DEMO, &User::new("u-public")).unwrap_err();
    assert_eq!(err.code(), "app_taken_down", "{err}");
    let err = offline.prepare(DEMO, &User::new("u-public")).unwrap_err();
    assert_eq!(err.code(), "app_taken_down", "{err}");
    drop(server);
}
