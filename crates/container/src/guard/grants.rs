//! Grants: which sensitive `wx` APIs and which host custom APIs the platform lets this
//! mini-program call in this host app (`policy.grants` of the platform's resolve answer).

use serde::{Deserialize, Serialize};

/// APIs that reach personal data, devices or money (the platform's review report flags the same).
pub use cove_wire::SENSITIVE;

/// Whether `api` is a sensitive `wx` API.
pub fn is_sensitive(api: &str) -> bool {
    SENSITIVE.contains(&api)
}

/// What the platform grants a mini-program in a host app: the JSON of `policy.grants`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    /// Sensitive `wx` APIs.
    #[serde(default)]
    pub apis: Vec<String>,
    /// The host's own custom APIs.
    #[serde(default)]
    pub host_apis: Vec<String>,
}

impl Grants {
    /// Why `api` may not be called, as WeChat's errMsg tail; `None` when it may.
    /// `registered` are the host's custom API names: those need a `host_apis` grant.
    pub fn refusal(&self, api: &str, registered: &[String]) -> Option<String> {
        if crate::mutation::off(crate::mutation::Control::Guard) {
            return None;
        }
        let granted = if is_sensitive(api) {
            self.apis.iter().any(|a| a == api)
        } else if registered.iter().any(|a| a == api) {
            self.host_apis.iter().any(|a| a == api)
        } else {
            true
        };
        (!granted).then(|| no_permission(api))
    }
}

/// WeChat's answer for a jsapi the mini-program has no permission for (errno 102 there),
/// e.g. `requestPayment:fail jsapi has no permission, event=requestPayment, ...`.
pub fn no_permission(api: &str) -> String {
    format!(
        "fail jsapi has no permission, event={api}, detail={api} is not granted to this mini-program"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(apis: &[&str], host: &[&str]) -> Grants {
        Grants {
            apis: apis.iter().map(|s| s.to_string()).collect(),
            host_apis: host.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn sensitive_apis_need_a_grant() {
        let g = grants(&["getLocation"], &[]);
        assert_eq!(g.refusal("getLocation", &[]), None);
        let refused = g.refusal("chooseAddress", &[]).unwrap();
        assert!(refused.starts_with("fail jsapi has no permission, event=chooseAddress"));
        // Not sensitive, not a host API: nothing to grant.
        assert_eq!(g.refusal("showToast", &[]), None);
        assert_eq!(g.refusal("layout", &[]), None);
    }

    #[test]
    fn host_apis_need_a_grant_once_registered() {
        let registered = vec!["bank.pay".to_string(), "bank.card".to_string()];
        let g = grants(&[], &["bank.pay"]);
        assert_eq!(g.refusal("bank.pay", &registered), None);
        assert!(g.refusal("bank.card", &registered).is_some());
        // A name the host never registered is the host's to refuse.
        assert_eq!(g.refusal("bank.other", &registered), None);
    }

    #[test]
    fn reads_the_platform_policy_json() {
        let g: Grants = serde_json::from_value(
            serde_json::json!({"apis": ["getLocation"], "host_apis": ["bank.pay"]}),
        )
        .unwrap();
        assert_eq!(g, grants(&["getLocation"], &["bank.pay"]));
        let empty: Grants = serde_json::from_value(serde_json::json!({})).unwrap();
        assert_eq!(empty, Grants::default());
    }
}
