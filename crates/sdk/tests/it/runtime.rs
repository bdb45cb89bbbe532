//! Two mini-programs in one host app: the wallet opens the coupons app with `extraData`, is
//! hidden while it runs, and gets its answer back through `navigateBackMiniProgram`; neither
//! sees the other's globals, prototypes or storage.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use cove_container::{
    Host, HostSecret, HostSecrets, Launcher, Level, PlatformTrust, Reply, SignedPolicy,
};
use cove_package::{Channel, KeyPair, Limits, Purpose, SignOptions, Suite};
use cove_sdk::runtime::{HostApp, Runtime, RuntimeEvent, RuntimeOptions};
use cove_sdk::{Launch, SdkError};
use serde_json::{Value, json};

const SDK_KEY: &str = "phone-host";

#[derive(Default)]
struct Phone {
    log: Mutex<Vec<String>>,
    events: Mutex<Vec<RuntimeEvent>>,
}

struct AppView {
    app_id: String,
    phone: Arc<Phone>,
}

impl Host for AppView {
    fn send(&self, _: &str) {}
    fn console(&self, _: Level, text: &str) {
        self.phone
            .log
            .lock()
            .unwrap()
            .push(format!("[{}] {text}", self.app_id));
    }
    fn request(&self, api: &str, args: Value, reply: Reply) {
        match api {
            "bankPay" | "bank.transfer" => reply.ok(json!({"paid": args["amount"], "by": "host"})),
            _ => reply.fail(format!("fail {api} is not supported by this host")),
        }
    }
}

struct PhoneHost(Arc<Phone>);

impl HostApp for PhoneHost {
    fn host_for(&self, app_id: &str) -> Arc<dyn Host> {
        Arc::new(AppView {
            app_id: app_id.into(),
            phone: self.0.clone(),
        })
    }
    fn event(&self, e: RuntimeEvent) {
        self.0.events.lock().unwrap().push(e);
    }
}

/// The project compiled and signed by `platform`, as a download from the platform.
fn signed_package(project: &Path, platform: &KeyPair) -> Vec<u8> {
    let out = cove_compiler::compile_dir(project, &Default::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let zip = cove_compiler::output::zip_bytes(&out.files).unwrap();
    let opts = SignOptions {
        channel: Channel::Release,
        rollback: None,
        limits: Limits::default(),
    };
    cove_package::sign(&zip, platform, &opts).unwrap()
}

/// The platform's policy for `app_id` on this host, granting `host_apis`, valid for a day.
fn signed_policy(platform: &KeyPair, app_id: &str, host_apis: Value) -> SignedPolicy {
    let now = cove_container::launch::unix_now();
    let payload = json!({
        "domains": {"request": [], "socket": [], "upload": [], "download": [], "web_view": []},
        "grants": {"apis": [], "host_apis": host_apis},
        "issued_at": now, "expires_at": now + 86_400, "grace_secs": 0,
    })
    .to_string();
    let statement = cove_wire::policy_statement(app_id, SDK_KEY, payload.as_bytes());
    let b64 = base64::engine::general_purpose::STANDARD;
    SignedPolicy {
        payload: b64.encode(&payload),
        key_id: platform.id().into(),
        signature: b64.encode(platform.sign(&statement).unwrap()),
    }
}

fn wait_for(phone: &Phone, needle: &str) -> String {
    let start = Instant::now();
    loop {
        if let Some(l) = phone
            .log
            .lock()
            .unwrap()
            .iter()
            .find(|l| l.contains(needle))
        {
            return l.clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no {needle:?} in {:?}",
            phone.log.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn navigate_between_two_isolated_mini_programs() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/two-apps");
    let platform = KeyPair::generate(Suite::Intl, Purpose::Sign, Some("platform")).unwrap();
    // The platform granted the wallet one of the host's two APIs.
    let packages = [
        (
            "wxwallet",
            signed_package(&fixtures.join("wallet"), &platform),
            signed_policy(&platform, "wxwallet", json!(["bankPay"])),
        ),
        (
            "wxcoupons",
            signed_package(&fixtures.join("coupons"), &platform),
            signed_policy(&platform, "wxcoupons", json!([])),
        ),
    ];
    let trust = PlatformTrust::new(vec![platform.public()], vec![], SDK_KEY);
    let secrets = HostSecrets::new(HostSecret::new(vec![42u8; 32]).unwrap());
    let installs = tempfile::tempdir().unwrap();
    let apps_dir = installs.path().to_path_buf();
    let prepare = Box::new(move |app_id: &str| -> Result<Launch, SdkError> {
        let (_, bytes, policy) = packages
            .iter()
            .find(|(id, _, _)| *id == app_id)
            .ok_or_else(|| SdkError::BadAppId(app_id.into()))?;
        let launcher = Launcher::install(
            &trust,
            &secrets,
            app_id,
            bytes,
            &apps_dir.join(app_id),
            policy,
            cove_container::launch::unix_now(),
        )
        .map_err(SdkError::Launch)?;
        Ok(Launch {
            app_id: app_id.into(),
            version_code: launcher.version_code(),
            offline: false,
            launcher,
        })
    });
    let data = tempfile::tempdir().unwrap();
    let phone = Arc::new(Phone::default());
    let options = RuntimeOptions {
        user_id: "u-1".into(),
        host_apis: vec!["bankPay".into(), "bank.transfer".into()],
        // The platform offers the wallet a newer version.
        check_update: Some(Arc::new(|app_id: &str| Ok(app_id == "wxwallet"))),
        ..Default::default()
    };
    let rt = Runtime::with_options(
        Arc::new(PhoneHost(phone.clone())),
        prepare,
        data.path().to_path_buf(),
        options,
    );

    rt.open("wxwallet", None).unwrap();
    // Host APIs: wx.bankPay is granted and answered by the host; bank.transfer is not granted.
    rt.with_app("wxwallet", |a| a.call_page_method("pay", &[]).unwrap());
    let paid = wait_for(&phone, "wallet bankPay");
    assert!(
        paid.contains(r#"wallet bankPay ok {"errMsg":"bankPay:ok","paid":88,"by":"host"}"#),
        "{paid}"
    );
    let refused = wait_for(&phone, "wallet transfer");
    assert!(
        refused.contains("bank.transfer:fail jsapi has no permission"),
        "{refused}"
    );
    rt.with_app("wxwallet", |a| {
        a.eval_json("wx.setStorageSync('wallet-token', 't-123'), 1")
            .unwrap()
    });
    rt.with_app("wxwallet", |a| {
        a.call_page_method("openCoupons", &[]).unwrap()
    });
    let launched = wait_for(&phone, "coupons onLaunch");
    assert!(launched.contains(r#""scene":1037"#), "{launched}");
    assert!(
        launched.contains(
            r#""referrerInfo":{"appId":"wxwallet","extraData":{"amount":88,"currency":"CNY"}}"#
        ),
        "{launched}"
    );
    assert!(
        launched.contains(r#""query":{"from":"wallet"}"#),
        "{launched}"
    );
    let sees = wait_for(&phone, "coupons sees");
    assert!(
        sees.contains(r#"{"walletGlobal":"undefined","polluted":"undefined","storage":""}"#),
        "{sees}"
    );
    wait_for(&phone, "wallet onHide");
    wait_for(&phone, "wallet navigate ok");
    assert_eq!(rt.running(), ["wxwallet", "wxcoupons"]);
    let amount = rt
        .with_app("wxcoupons", |a| a.page_data().unwrap()["amount"].clone())
        .unwrap();
    assert_eq!(amount, 88);

    // Back to the wallet with the chosen coupon.
    rt.with_app("wxcoupons", |a| a.call_page_method("choose", &[]).unwrap());
    let shown = wait_for(&phone, r#"wallet onShow {"scene":1038"#);
    assert!(
        shown.contains(r#""referrerInfo":{"appId":"wxcoupons","extraData":{"coupon":"SAVE10"}}"#),
        "{shown}"
    );
    let start = Instant::now();
    while rt.running() != ["wxwallet"] {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            rt.running()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let chosen = rt
        .with_app("wxwallet", |a| a.page_data().unwrap()["chosen"].clone())
        .unwrap();
    assert_eq!(chosen, "SAVE10");
    let events = phone.events.lock().unwrap().clone();
    assert!(
        events.contains(&RuntimeEvent::Exited {
            app_id: "wxcoupons".into()
        }),
        "{events:?}"
    );
    assert!(
        events.contains(&RuntimeEvent::Hidden {
            app_id: "wxwallet".into()
        }),
        "{events:?}"
    );

    // The wallet was not opened by another mini-program: it cannot navigate back.
    let r = rt.with_app("wxwallet", |a| {
        a.eval_json(
            "new Promise((res) => wx.navigateBackMiniProgram({ fail: (e) => res(e.errMsg) }))",
        )
    });
    let _ = r;

    // The update manager: the check says yes, the new version is fetched, and applyUpdate
    // restarts the wallet on it.
    rt.with_app("wxwallet", |a| {
        a.call_page_method("checkUpdate", &[]).unwrap()
    });
    let check = wait_for(&phone, "wallet update check");
    assert!(check.contains(r#"{"hasUpdate":true}"#), "{check}");
    wait_for(&phone, "wallet update ready");
    let start = Instant::now();
    let launches = || {
        phone
            .events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| matches!(e, RuntimeEvent::Launched { app_id, .. } if app_id == "wxwallet"))
            .count()
    };
    while launches() < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the wallet was not restarted"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(rt.running(), ["wxwallet"]);
}
