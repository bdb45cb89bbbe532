//! Two mini-programs in one host app: the wallet opens the coupons app with `extraData`, is
//! hidden while it runs, and gets its answer back through `navigateBackMiniProgram`; neither
//! sees the other's globals, prototypes or storage.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cove_container::{Host, Level, Reply};
use cove_sdk::runtime::{HostApp, Runtime, RuntimeEvent, RuntimeOptions};
use cove_sdk::{Launch, SdkError};
use serde_json::{Value, json};

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

fn build(project: &Path) -> tempfile::TempDir {
    let out = cove_compiler::compile_dir(project, &Default::default())
        .unwrap_or_else(|e| panic!("{e:?}"));
    let dir = tempfile::tempdir().unwrap();
    cove_compiler::output::write_dir(&out.files, dir.path()).unwrap();
    dir
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
    let (wallet, coupons) = (
        build(&fixtures.join("wallet")),
        build(&fixtures.join("coupons")),
    );
    let packages = [
        ("wxwallet", wallet.path().to_path_buf()),
        ("wxcoupons", coupons.path().to_path_buf()),
    ];
    let prepare = Box::new(move |app_id: &str| -> Result<Launch, SdkError> {
        let (_, dir) = packages
            .iter()
            .find(|(id, _)| *id == app_id)
            .ok_or_else(|| SdkError::BadAppId(app_id.into()))?;
        // The platform granted the wallet one of the host's two APIs.
        let granted = if app_id == "wxwallet" {
            json!(["bankPay"])
        } else {
            json!([])
        };
        Ok(Launch {
            app_id: app_id.into(),
            version_code: 1,
            package_dir: dir.clone(),
            policy: json!({"grants": {"apis": [], "host_apis": granted}}),
            offline: false,
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
