//! `cove-devtools apis` runs the wx.* conformance suite: every served method has a check and
//! every check passes, every unsupported name fails exactly as WeChat does, and the table is
//! the same from one run to the next.

use std::collections::BTreeMap;
use std::process::{Command, Output};

use serde_json::Value;

fn cove_apis(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cove-devtools"))
        .arg("apis")
        .args(args)
        .output()
        .expect("cove-devtools runs")
}

#[test]
fn every_served_api_passes_its_check_and_unsupported_ones_fail_like_wechat() {
    let out = cove_apis(&["--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("cove-devtools apis --json: {e}\n{stderr}"));
    let apis = report["apis"].as_array().expect("an api list");

    let mut failures = Vec::new();
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    for api in apis {
        let (name, kind, check) = (
            api["name"].as_str().unwrap(),
            api["kind"].as_str().unwrap(),
            api["check"].as_str().unwrap(),
        );
        if check != "pass" {
            failures.push(format!("{name} ({kind}): {check}: {}", api["error"]));
        }
        if api["typed"] == true {
            *by_kind.entry(kind.to_string()).or_default() += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing checks:\n{}\n{stderr}",
        failures.len(),
        failures.join("\n")
    );
    assert!(out.status.success(), "{stderr}");

    // The measure: every method of the typings, each in exactly one kind.
    let typings = report["typings"]["methods"].as_u64().unwrap() as usize;
    assert!(typings > 400, "only {typings} methods in the typings");
    assert_eq!(by_kind.values().sum::<usize>(), typings);
    let summary = &report["summary"];
    for kind in ["native", "js", "host", "unsupported"] {
        assert_eq!(
            summary[kind].as_u64().unwrap() as usize,
            by_kind.get(kind).copied().unwrap_or(0),
            "{kind}"
        );
    }
    assert_eq!(summary["uncounted"], 0);
    // The core list is served, not "not supported".
    let kind_of = |n: &str| {
        apis.iter()
            .find(|a| a["name"] == n)
            .map(|a| a["kind"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{n} is not declared"))
    };
    for n in [
        "setStorageSync",
        "getStorageInfo",
        "request",
        "uploadFile",
        "downloadFile",
        "connectSocket",
        "navigateTo",
        "redirectTo",
        "navigateBack",
        "switchTab",
        "reLaunch",
        "showToast",
        "showModal",
        "showLoading",
        "showActionSheet",
        "getSystemInfoSync",
        "getWindowInfo",
        "getDeviceInfo",
        "getAppBaseInfo",
        "getLaunchOptionsSync",
        "getEnterOptionsSync",
        "canIUse",
        "nextTick",
        "getUpdateManager",
        "createSelectorQuery",
        "createIntersectionObserver",
        "getFileSystemManager",
        "base64ToArrayBuffer",
        "arrayBufferToBase64",
        "login",
        "createAnimation",
        "setNavigationBarTitle",
        "setTabBarBadge",
    ] {
        assert_ne!(kind_of(n), "unsupported", "{n}");
    }
    println!("{}", summary);
}

#[test]
fn the_table_is_the_same_every_run() {
    let a = cove_apis(&["--list"]);
    let b = cove_apis(&["--list"]);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    let table = String::from_utf8(a.stdout).unwrap();
    assert_eq!(table, String::from_utf8(b.stdout).unwrap());
    for row in [
        "| implemented natively (Rust) |",
        "| implemented in JS |",
        "| delegated to the host |",
        "| not supported (fails as WeChat does) |",
        "| check failed, missing or not run | 0 | 0.0% |",
        "| request | native | yes | pass |",
        "| showModal | host | yes | pass |",
        "| openBluetoothAdapter | unsupported | yes | pass |",
    ] {
        assert!(table.contains(row), "no row {row:?} in\n{table}");
    }
}

#[test]
fn only_runs_the_named_checks() {
    let out = cove_apis(&["--only", "setStorageSync,showToast", "--json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run: Vec<&str> = report["apis"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["check"] != "not run")
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(run, ["setStorageSync", "showToast"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
