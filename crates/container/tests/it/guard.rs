//! The policy layer (`cove_container::guard`) with a real app: the fixture's JS calls the
//! sensitive `wx` APIs; an inner host answers location, address, contacts and the consent
//! prompt. Grants refuse, scopes ask once and persist across a relaunch, and what reaches
//! the app is reduced by the privacy rules and reported.

use crate::common;

use std::path::Path;
use std::sync::{Arc, Mutex};

use cove_container::guard::{
    AddressRule, Answer, Ask, DataKind, Grants, Guard, Guarded, PhoneRule, Privacy, Release,
};
use cove_container::{App, AppConfig, Clock, Host, Level, Reply};
use serde_json::{Value, json};

const FIXTURE: &str = "tests/fixtures/guard";
const APP_ID: &str = "wxguard";

/// The device and the person: answers from a table (`TestHost::answer`), every question
/// recorded, messages and console kept by the `TestHost` inside.
struct Device {
    host: Arc<common::TestHost>,
}

impl Device {
    fn new() -> Arc<Self> {
        let host = common::TestHost::new();
        host.answer("__consent", Ok(json!({"granted": true})));
        host.answer(
            "getLocation",
            Ok(json!({"latitude": 31.234567, "longitude": 121.475123, "speed": 0,
                      "accuracy": 12, "altitude": 4, "verticalAccuracy": 8, "horizontalAccuracy": 12})),
        );
        host.answer(
            "getFuzzyLocation",
            Ok(json!({"latitude": 31.2391, "longitude": 121.4998})),
        );
        host.answer(
            "chooseLocation",
            Ok(json!({"name": "外滩", "address": "上海市黄浦区中山东一路",
                      "latitude": 31.240123, "longitude": 121.490987})),
        );
        host.answer(
            "chooseAddress",
            Ok(
                json!({"userName": "张三", "postalCode": "200001", "provinceName": "上海市",
                      "cityName": "上海市", "countyName": "黄浦区", "streetName": "南京东路街道",
                      "detailInfo": "南京东路 100 号 5 楼", "detailInfoNew": "南京东路 100 号 5 楼",
                      "nationalCode": "310101", "telNumber": "13812345678"}),
            ),
        );
        host.answer(
            "chooseContact",
            Ok(json!({"displayName": "李四", "phoneNumber": "13912345678",
                      "phoneNumberList": ["13912345678", "+86 13587654321"]})),
        );
        host.answer(
            "scanCode",
            Ok(json!({"result": "cove", "scanType": "QR_CODE"})),
        );
        host.answer("saveImageToPhotosAlbum", Ok(json!({})));
        host.answer(
            "chooseInvoiceTitle",
            Ok(json!({"type": "0", "title": "Cove Ltd"})),
        );
        host.answer("showModal", Ok(json!({"confirm": true, "cancel": false})));
        host.answer("bank.pay", Ok(json!({"paid": true})));
        Arc::new(Self { host })
    }

    fn asked(&self, api: &str) -> Vec<Value> {
        self.host
            .requests
            .lock()
            .unwrap()
            .iter()
            .filter(|(a, _)| a == api)
            .map(|(_, args)| args.clone())
            .collect()
    }
}

impl Host for Device {
    fn send(&self, msg: &str) {
        self.host.send(msg);
    }

    fn console(&self, level: Level, text: &str) {
        self.host.console(level, text);
    }

    fn request(&self, api: &str, args: Value, reply: Reply) {
        self.ask(api, args, reply.into());
    }
}

impl Ask for Device {
    fn ask(&self, api: &str, args: Value, answer: Answer) {
        self.host
            .requests
            .lock()
            .unwrap()
            .push((api.to_string(), args));
        // Not under the lock: an answer may ask again (consent, then the API).
        let known = self.host.answers.lock().unwrap().get(api).cloned();
        match known {
            Some(Ok(v)) => answer.ok(v),
            Some(Err(e)) => answer.fail(e),
            None if api == "layout" => answer.ok(Value::Null),
            None => answer.fail(format!("fail {api} is not answered by the test host")),
        }
    }
}

type Releases = Arc<Mutex<Vec<Release>>>;

fn guard(dir: &Path, apis: &[&str], privacy: Privacy) -> (Guard, Releases) {
    let releases = Releases::default();
    let mut g = Guard::new(APP_ID, dir);
    g.version_code = 7;
    g.user_id = "u1".into();
    g.grants = Grants {
        apis: apis.iter().map(|s| s.to_string()).collect(),
        host_apis: vec!["bank.pay".into()],
    };
    g.host_apis = vec!["bank.pay".into(), "bank.card".into()];
    g.privacy = privacy;
    let sink = releases.clone();
    g.sink = Arc::new(move |r: &Release| sink.lock().unwrap().push(r.clone()));
    (g, releases)
}

struct Run {
    app: App,
    device: Arc<Device>,
    releases: Releases,
}

fn launch(package: &Path, data: &Path, apis: &[&str], privacy: Privacy) -> Run {
    let device = Device::new();
    let (g, releases) = guard(&data.join("guard"), apis, privacy);
    let guarded = Guarded::new(device.clone(), g).expect("the guard opens its settings");
    let mut config = AppConfig::dev_mode_unverified(APP_ID, package, data);
    config.clock = Clock::Manual;
    let app = App::launch(config, Arc::new(guarded), None).expect("the fixture launches");
    Run {
        app,
        device,
        releases,
    }
}

impl Run {
    /// `wx[name](opts)` from the app, with callbacks; `{ok, res}` once it settled.
    fn call(&self, name: &str, opts: Value) -> Value {
        self.call_with("call", name, opts)
    }

    fn call_with(&self, how: &str, name: &str, opts: Value) -> Value {
        let tag = format!("{name}-{}", self.device.host.requests.lock().unwrap().len());
        self.app
            .eval_json(&format!(
                "getApp().{how}({}, {}, {opts}); null",
                json!(tag),
                json!(name)
            ))
            .unwrap();
        self.app.settle().unwrap();
        let got = self
            .app
            .eval_json(&format!("getApp().globalData.results[{}]", json!(tag)))
            .unwrap();
        assert!(!got.is_null(), "{name} did not settle");
        got
    }

    fn err(&self, name: &str, opts: Value) -> String {
        let r = self.call(name, opts);
        assert_eq!(r["ok"], false, "{name} should fail: {r}");
        r["res"]["errMsg"].as_str().unwrap().to_string()
    }

    fn ok(&self, name: &str, opts: Value) -> Value {
        let r = self.call(name, opts);
        assert_eq!(r["ok"], true, "{name} should succeed: {r}");
        r["res"].clone()
    }

    fn releases(&self) -> Vec<Release> {
        std::mem::take(&mut *self.releases.lock().unwrap())
    }
}

const ALL: &[&str] = &[
    "getLocation",
    "getFuzzyLocation",
    "chooseLocation",
    "chooseAddress",
    "chooseContact",
    "chooseInvoiceTitle",
    "saveImageToPhotosAlbum",
    "scanCode",
    "authorize",
    "openSetting",
];

#[test]
fn apis_not_granted_fail_at_once_and_granted_ones_work() {
    let package = common::build(Path::new(FIXTURE));
    let data = tempfile::tempdir().unwrap();
    let run = launch(
        package.path(),
        data.path(),
        &["scanCode", "getLocation", "authorize"],
        Privacy::default(),
    );

    assert_eq!(
        run.err("chooseAddress", json!({})),
        "chooseAddress:fail jsapi has no permission, event=chooseAddress, \
         detail=chooseAddress is not granted to this mini-program"
    );
    assert!(
        run.err("makePhoneCall", json!({"phoneNumber": "10086"}))
            .starts_with("makePhoneCall:fail jsapi has no permission, event=makePhoneCall")
    );
    // A scope behind no granted API is WeChat's undeclared-privacy case.
    assert_eq!(
        run.err("authorize", json!({"scope": "scope.address"})),
        "authorize:fail api scope is not declared in the privacy agreement"
    );
    // Refused before the host, or the consent prompt, hears of them.
    assert!(run.device.asked("chooseAddress").is_empty());
    assert!(run.device.asked("makePhoneCall").is_empty());
    assert!(run.device.asked("__consent").is_empty());

    // Granted: served by the host, promise form too.
    let r = run.ok("scanCode", json!({"onlyFromCamera": true}));
    assert_eq!(
        r,
        json!({"errMsg": "scanCode:ok", "result": "cove", "scanType": "QR_CODE"})
    );
    assert_eq!(
        run.device.asked("scanCode"),
        vec![json!({"onlyFromCamera": true})]
    );
    let r = run.call_with("callPromise", "getLocation", json!({"type": "wgs84"}));
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["res"]["latitude"], 31.234567);
    // getLocation is granted, so its scope may be asked for.
    run.ok("authorize", json!({"scope": "scope.userLocation"}));
    assert_eq!(run.device.asked("__consent").len(), 1);
    // Not sensitive: nothing to grant.
    let r = run.ok("showModal", json!({"title": "t", "content": "c"}));
    assert_eq!(r["confirm"], true);
}

#[test]
fn host_custom_apis_need_their_own_grant() {
    let data = tempfile::tempdir().unwrap();
    let device = Device::new();
    let (g, _) = guard(data.path(), &[], Privacy::default());
    let guarded = Guarded::new(device.clone(), g).unwrap();
    let got: Arc<Mutex<Vec<Result<Value, String>>>> = Arc::default();
    for api in ["bank.pay", "bank.card", "bank.unknown"] {
        let got = got.clone();
        guarded.ask(
            api,
            json!({"amount": 1}),
            Answer::new(move |r| got.lock().unwrap().push(r)),
        );
    }
    let got = got.lock().unwrap().clone();
    assert_eq!(got[0], Ok(json!({"paid": true})));
    assert_eq!(
        got[1],
        Err("fail jsapi has no permission, event=bank.card, \
             detail=bank.card is not granted to this mini-program"
            .to_string())
    );
    // Not registered by the host: the host's own answer.
    assert_eq!(
        got[2],
        Err("fail bank.unknown is not answered by the test host".to_string())
    );
    assert_eq!(device.asked("bank.pay").len(), 1);
    assert!(device.asked("bank.card").is_empty());
}

#[test]
fn authorize_asks_once_and_the_choice_survives_a_relaunch() {
    let package = common::build(Path::new(FIXTURE));
    let data = tempfile::tempdir().unwrap();
    {
        let run = launch(package.path(), data.path(), ALL, Privacy::default());
        assert_eq!(
            run.ok("getSetting", json!({})),
            json!({"errMsg": "getSetting:ok", "authSetting": {}})
        );
        assert_eq!(
            run.ok("authorize", json!({"scope": "scope.userLocation"})),
            json!({"errMsg": "authorize:ok"})
        );
        assert_eq!(
            run.device.asked("__consent"),
            vec![json!({"scope": "scope.userLocation", "app_id": APP_ID, "api": "authorize"})]
        );
        // Asked once: neither a second authorize nor the API itself asks again.
        run.ok("authorize", json!({"scope": "scope.userLocation"}));
        run.ok("getLocation", json!({}));
        assert_eq!(run.device.asked("__consent").len(), 1);

        // An API that needs a scope asks on first use, naming itself.
        run.ok(
            "saveImageToPhotosAlbum",
            json!({"filePath": "wxfile://tmp/a.png"}),
        );
        assert_eq!(
            run.device.asked("__consent")[1],
            json!({"scope": "scope.writePhotosAlbum", "app_id": APP_ID, "api": "saveImageToPhotosAlbum"})
        );
        assert_eq!(
            run.ok("getSetting", json!({}))["authSetting"],
            json!({"scope.userLocation": true, "scope.writePhotosAlbum": true})
        );
        assert_eq!(
            run.err("authorize", json!({"scope": "scope.madeUp"})),
            "authorize:fail invalid scope"
        );
    }
    assert!(data.path().join("guard/auth.json").is_file());

    // Relaunched on the same data directory: the choices hold, nobody is asked.
    let run = launch(package.path(), data.path(), ALL, Privacy::default());
    assert_eq!(
        run.ok("getSetting", json!({}))["authSetting"],
        json!({"scope.userLocation": true, "scope.writePhotosAlbum": true})
    );
    run.ok("getLocation", json!({}));
    run.ok("authorize", json!({"scope": "scope.writePhotosAlbum"}));
    assert!(run.device.asked("__consent").is_empty());

    // Another app's directory knows nothing of them.
    let other = tempfile::tempdir().unwrap();
    let run = launch(package.path(), other.path(), ALL, Privacy::default());
    assert_eq!(run.ok("getSetting", json!({}))["authSetting"], json!({}));
}

#[test]
fn a_denied_scope_fails_later_calls_until_open_setting_grants_it() {
    let package = common::build(Path::new(FIXTURE));
    let data = tempfile::tempdir().unwrap();
    let run = launch(package.path(), data.path(), ALL, Privacy::default());
    run.device
        .host
        .answer("__consent", Ok(json!({"granted": false})));

    assert_eq!(
        run.err("chooseAddress", json!({})),
        "chooseAddress:fail auth deny"
    );
    assert_eq!(
        run.device.asked("__consent"),
        vec![json!({"scope": "scope.address", "app_id": APP_ID, "api": "chooseAddress"})]
    );
    // Denied: later calls fail without asking, and never reach the host.
    assert_eq!(
        run.err("chooseAddress", json!({})),
        "chooseAddress:fail auth deny"
    );
    assert_eq!(
        run.err("authorize", json!({"scope": "scope.address"})),
        "authorize:fail auth deny"
    );
    assert_eq!(run.device.asked("__consent").len(), 1);
    assert!(run.device.asked("chooseAddress").is_empty());
    assert_eq!(
        run.ok("getSetting", json!({}))["authSetting"],
        json!({"scope.address": false})
    );

    // The user turns it on in the host's settings page.
    run.device.host.answer(
        "openSetting",
        Ok(
            json!({"authSetting": {"scope.address": true, "scope.invoiceTitle": false,
                                  "scope.notAScope": true, "scope.record": "yes"}}),
        ),
    );
    assert_eq!(
        run.ok("openSetting", json!({})),
        json!({"errMsg": "openSetting:ok",
               "authSetting": {"scope.address": true, "scope.invoiceTitle": false}})
    );
    assert_eq!(
        run.device.asked("openSetting"),
        vec![json!({"app_id": APP_ID, "authSetting": {"scope.address": false}})]
    );
    assert_eq!(run.ok("chooseAddress", json!({}))["cityName"], "上海市");
    assert_eq!(
        run.err("chooseInvoiceTitle", json!({})),
        "chooseInvoiceTitle:fail auth deny"
    );
    assert_eq!(run.device.asked("__consent").len(), 1);

    // A settings page that fails changes nothing.
    run.device.host.answer("openSetting", Err("fail cancel"));
    assert_eq!(run.err("openSetting", json!({})), "openSetting:fail cancel");
    assert_eq!(
        run.ok("getSetting", json!({}))["authSetting"],
        json!({"scope.address": true, "scope.invoiceTitle": false})
    );

    // A host without a consent prompt: denied for this call only, not remembered.
    run.device.host.answer("__consent", Err("fail no prompt"));
    assert_eq!(
        run.err(
            "saveImageToPhotosAlbum",
            json!({"filePath": "wxfile://tmp/a.png"})
        ),
        "saveImageToPhotosAlbum:fail auth deny"
    );
    assert_eq!(run.device.asked("__consent").len(), 2);
    assert!(
        run.ok("getSetting", json!({}))["authSetting"]
            .get("scope.writePhotosAlbum")
            .is_none()
    );
    run.device
        .host
        .answer("__consent", Ok(json!({"granted": true})));
    run.ok(
        "saveImageToPhotosAlbum",
        json!({"filePath": "wxfile://tmp/a.png"}),
    );
    assert_eq!(run.device.asked("__consent").len(), 3);
}

#[test]
fn location_address_and_phone_reach_the_app_reduced_and_are_reported() {
    let package = common::build(Path::new(FIXTURE));
    let data = tempfile::tempdir().unwrap();
    let privacy = Privacy {
        location_precision: Some(0.01),
        address: AddressRule::ProvinceCity,
        phone: PhoneRule::Mask,
    };
    let run = launch(package.path(), data.path(), ALL, privacy);

    let loc = run.ok("getLocation", json!({"type": "gcj02"}));
    assert_eq!(
        loc,
        json!({"errMsg": "getLocation:ok", "latitude": 31.23, "longitude": 121.48, "speed": 0,
               "accuracy": 1113, "altitude": 4, "verticalAccuracy": 8, "horizontalAccuracy": 1113})
    );
    let fuzzy = run.ok("getFuzzyLocation", json!({"type": "wgs84"}));
    assert_eq!(
        (fuzzy["latitude"].clone(), fuzzy["longitude"].clone()),
        (json!(31.24), json!(121.5))
    );
    let chosen = run.ok("chooseLocation", json!({}));
    assert_eq!(
        (chosen["latitude"].clone(), chosen["longitude"].clone()),
        (json!(31.24), json!(121.49))
    );
    assert_eq!(chosen["name"], "外滩");

    let addr = run.ok("chooseAddress", json!({}));
    assert_eq!(
        addr,
        json!({"errMsg": "chooseAddress:ok", "userName": "张三", "postalCode": "",
               "provinceName": "上海市", "cityName": "上海市", "countyName": "", "streetName": "",
               "detailInfo": "", "detailInfoNew": "", "nationalCode": "", "telNumber": "138****5678"})
    );
    let contact = run.ok("chooseContact", json!({}));
    assert_eq!(contact["phoneNumber"], "139****5678");
    assert_eq!(
        contact["phoneNumberList"],
        json!(["139****5678", "+86 135****4321"])
    );
    assert_eq!(contact["displayName"], "李四");

    let releases = run.releases();
    let apis: Vec<&str> = releases.iter().map(|r| r.api.as_str()).collect();
    assert_eq!(
        apis,
        [
            "getLocation",
            "getFuzzyLocation",
            "chooseLocation",
            "chooseAddress",
            "chooseContact"
        ]
    );
    let loc = &releases[0];
    assert_eq!(
        (
            loc.app_id.as_str(),
            loc.version_code,
            loc.user_id.as_str(),
            loc.data
        ),
        (APP_ID, 7, "u1", DataKind::Location)
    );
    assert_eq!(
        serde_json::to_value(&loc.reduced).unwrap(),
        json!({"latitude": "rounded:0.01", "longitude": "rounded:0.01",
               "accuracy": "coarsened", "horizontalAccuracy": "coarsened"})
    );
    let addr = &releases[3];
    assert_eq!(addr.data, DataKind::Address);
    assert_eq!(
        addr.released,
        ["cityName", "provinceName", "telNumber", "userName"]
    );
    assert_eq!(
        serde_json::to_value(&addr.reduced).unwrap(),
        json!({"countyName": "dropped", "streetName": "dropped", "detailInfo": "dropped",
               "detailInfoNew": "dropped", "postalCode": "dropped", "nationalCode": "dropped",
               "telNumber": "masked"})
    );
    let phone = &releases[4];
    assert_eq!(phone.data, DataKind::Phone);
    assert_eq!(
        serde_json::to_value(&phone.reduced).unwrap(),
        json!({"phoneNumber": "masked", "phoneNumberList.0": "masked", "phoneNumberList.1": "masked"})
    );
    // The events name fields, never their values.
    let text = serde_json::to_string(&releases).unwrap();
    for secret in [
        "13812345678",
        "南京东路",
        "31.234567",
        "13912345678",
        "138****5678",
    ] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert!(text.contains(r#""type":"data_release""#));

    // The page shows what the app got.
    let mut tree = common::Tree::default();
    tree.apply(&run.device.host.take_ops());
    run.app
        .event(tree.by_id("locate"), "tap", json!({"x": 1, "y": 1}))
        .unwrap();
    run.app.settle().unwrap();
    tree.apply(&run.device.host.take_ops());
    assert_eq!(tree.deep_text(tree.by_id("where")), "31.23,121.48");
    assert_eq!(run.releases().len(), 1);
}

#[test]
fn phone_numbers_become_the_hosts_virtual_numbers() {
    let package = common::build(Path::new(FIXTURE));
    let data = tempfile::tempdir().unwrap();
    let privacy = Privacy {
        phone: PhoneRule::Virtual,
        ..Privacy::default()
    };
    let run = launch(package.path(), data.path(), ALL, privacy);
    run.device
        .host
        .answer("__virtual_phone", Ok(json!({"phoneNumber": "17000001234"})));

    let contact = run.ok("chooseContact", json!({}));
    assert_eq!(contact["phoneNumber"], "17000001234");
    assert_eq!(
        contact["phoneNumberList"],
        json!(["17000001234", "17000001234"])
    );
    // One question per distinct number.
    assert_eq!(
        run.device.asked("__virtual_phone"),
        vec![
            json!({"phoneNumber": "13912345678", "app_id": APP_ID, "api": "chooseContact"}),
            json!({"phoneNumber": "+86 13587654321", "app_id": APP_ID, "api": "chooseContact"}),
        ]
    );
    // No address rule: the address is whole, only its phone is virtual.
    let addr = run.ok("chooseAddress", json!({}));
    assert_eq!(addr["telNumber"], "17000001234");
    assert_eq!(addr["detailInfo"], "南京东路 100 号 5 楼");
    let releases = run.releases();
    assert_eq!(
        serde_json::to_value(&releases[0].reduced).unwrap(),
        json!({"phoneNumber": "virtual", "phoneNumberList.0": "virtual", "phoneNumberList.1": "virtual"})
    );
    assert_eq!(
        serde_json::to_value(&releases[1].reduced).unwrap(),
        json!({"telNumber": "virtual"})
    );

    // A host with no virtual number: masked, never the real one.
    run.device
        .host
        .answer("__virtual_phone", Err("fail no number"));
    let contact = run.ok("chooseContact", json!({}));
    assert_eq!(contact["phoneNumber"], "139****5678");
    assert_eq!(
        serde_json::to_value(&run.releases()[0].reduced).unwrap(),
        json!({"phoneNumber": "masked", "phoneNumberList.0": "masked", "phoneNumberList.1": "masked"})
    );
}

#[test]
fn without_rules_data_passes_whole_and_is_still_reported() {
    let package = common::build(Path::new(FIXTURE));
    let data = tempfile::tempdir().unwrap();
    let run = launch(package.path(), data.path(), ALL, Privacy::default());
    let loc = run.ok("getLocation", json!({}));
    assert_eq!(loc["latitude"], 31.234567);
    let contact = run.ok("chooseContact", json!({}));
    assert_eq!(contact["phoneNumber"], "13912345678");
    let releases = run.releases();
    assert_eq!(releases.len(), 2);
    assert!(releases.iter().all(|r| r.reduced.is_empty()));
    assert_eq!(
        releases[1].released,
        ["displayName", "phoneNumber", "phoneNumberList"]
    );
    // A failed call releases nothing.
    run.device
        .host
        .answer("getLocation", Err("fail system permission denied"));
    assert_eq!(
        run.err("getLocation", json!({})),
        "getLocation:fail system permission denied"
    );
    assert!(run.releases().is_empty());
}
