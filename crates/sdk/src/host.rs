//! The host app's side, as traits: what only a person or the device can answer. A host
//! implements these and gets a container [`Host`] from [`ServicesHost`]; the SDK's guard
//! sits in front of it, so a call reaches these only when the platform granted it and the
//! user consented.

use std::sync::Arc;

use cove_container::{Host, Level, Reply};
use serde_json::{Value, json};

/// Prompts on the host's UI.
pub trait Prompts: Send + Sync {
    /// May `app_id` use `scope` (`scope.userLocation`, …)? The answer is kept per app.
    fn consent(&self, app_id: &str, scope: &str, api: &str) -> bool;
    /// `showModal`, `showActionSheet`, `openSetting`…: WeChat's argument object in, its
    /// success object out, or an errMsg tail (`"fail cancel"`).
    fn ask(&self, app_id: &str, api: &str, args: &Value) -> Result<Value, String>;
}

/// The device: location, camera, scanner, clipboard, phone, sensors…
pub trait Device: Send + Sync {
    /// `getLocation` / `getFuzzyLocation`: `{latitude, longitude, accuracy, …}`.
    fn location(&self, app_id: &str, precise: bool) -> Result<Value, String>;
    /// Any other device API, by WeChat's name and argument object.
    fn call(&self, app_id: &str, api: &str, args: &Value) -> Result<Value, String> {
        let _ = (app_id, args);
        Err(format!("fail {api} is not supported by this host"))
    }
}

/// The host app's account: `wx.login` gives the mini-program a code its server exchanges
/// with the platform for the user's identity; the user's own credentials never reach it.
pub trait Login: Send + Sync {
    fn code(&self, app_id: &str) -> Result<String, String>;
    /// `wx.checkSession`.
    fn session_valid(&self, app_id: &str) -> bool {
        let _ = app_id;
        true
    }
}

/// A [`Host`] for one app, from the host's traits and its view.
pub struct ServicesHost {
    pub app_id: String,
    /// The view's side: messages (ops, routes, UI) and the console.
    pub view: Arc<dyn Host>,
    pub prompts: Arc<dyn Prompts>,
    pub device: Arc<dyn Device>,
    pub login: Arc<dyn Login>,
}

/// What the view answers: WeChat's own dialogs, which it draws, layout queries and keyframe
/// animations.
const VIEW: &[&str] = &[
    "showModal",
    "showActionSheet",
    "layout",
    "canvas",
    "animate",
    "clearAnimation",
];

/// APIs a person answers on the host's own UI.
const PROMPTS: &[&str] = &[
    "openSetting",
    "chooseAddress",
    "chooseInvoiceTitle",
    "chooseContact",
    "getUserProfile",
    "requestPayment",
    "requestSubscribeMessage",
];

impl Host for ServicesHost {
    fn send(&self, msg: &str) {
        self.view.send(msg)
    }

    fn console(&self, level: Level, text: &str) {
        self.view.console(level, text)
    }

    fn net_log(&self, entry: Value) {
        self.view.net_log(entry)
    }

    fn request(&self, api: &str, args: Value, reply: Reply) {
        let app = self.app_id.as_str();
        let answer = match api {
            "__consent" => {
                let scope = args["scope"].as_str().unwrap_or_default();
                let asked_by = args["api"].as_str().unwrap_or_default();
                Ok(json!({"granted": self.prompts.consent(app, scope, asked_by)}))
            }
            "login" => self.login.code(app).map(|code| json!({"code": code})),
            "checkSession" => match self.login.session_valid(app) {
                true => Ok(json!({})),
                false => Err("fail session expired".to_string()),
            },
            "getLocation" => self.device.location(app, true),
            "getFuzzyLocation" => self.device.location(app, false),
            _ if VIEW.contains(&api) => return self.view.request(api, args, reply),
            _ if PROMPTS.contains(&api) => self.prompts.ask(app, api, &args),
            _ => self.device.call(app, api, &args),
        };
        match answer {
            Ok(v) => reply.ok(v),
            Err(tail) => reply.fail(tail),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    struct Bank(Mutex<Vec<String>>);

    impl Host for Bank {
        fn send(&self, _: &str) {}
        fn request(&self, api: &str, _: Value, reply: Reply) {
            self.0.lock().unwrap().push(format!("view {api}"));
            reply.ok(json!({"confirm": true}));
        }
    }
    impl Prompts for Bank {
        fn consent(&self, _: &str, scope: &str, _: &str) -> bool {
            scope == "scope.userLocation"
        }
        fn ask(&self, _: &str, api: &str, _: &Value) -> Result<Value, String> {
            Err(format!("fail {api} cancel"))
        }
    }
    impl Device for Bank {
        fn location(&self, _: &str, precise: bool) -> Result<Value, String> {
            Ok(json!({"latitude": 31.2304, "longitude": 121.4737, "precise": precise}))
        }
    }
    impl Login for Bank {
        fn code(&self, app_id: &str) -> Result<String, String> {
            Ok(format!("code-for-{app_id}"))
        }
    }

    fn call(host: &ServicesHost, api: &str, args: Value) -> Result<Value, String> {
        let out = Arc::new(Mutex::new(None));
        let o = out.clone();
        host.request(
            api,
            args,
            Reply::from_fn(move |r| *o.lock().unwrap() = Some(r)),
        );
        out.lock().unwrap().take().expect("answered")
    }

    #[test]
    fn each_api_goes_to_its_trait() {
        let bank = Arc::new(Bank(Mutex::default()));
        let host = ServicesHost {
            app_id: "wxbill".into(),
            view: bank.clone(),
            prompts: bank.clone(),
            device: bank.clone(),
            login: bank.clone(),
        };
        assert_eq!(
            call(&host, "login", json!({})),
            Ok(json!({"code": "code-for-wxbill"}))
        );
        let consent = call(
            &host,
            "__consent",
            json!({"scope": "scope.userLocation", "api": "getLocation"}),
        );
        assert_eq!(consent, Ok(json!({"granted": true})));
        assert_eq!(
            call(&host, "getFuzzyLocation", json!({})).unwrap()["precise"],
            false
        );
        assert_eq!(
            call(&host, "showModal", json!({"title": "t"})),
            Ok(json!({"confirm": true}))
        );
        assert_eq!(bank.0.lock().unwrap().as_slice(), ["view showModal"]);
        assert_eq!(
            call(&host, "chooseAddress", json!({})),
            Err("fail chooseAddress cancel".into())
        );
        assert_eq!(
            call(&host, "scanCode", json!({})),
            Err("fail scanCode is not supported by this host".into())
        );
    }
}
