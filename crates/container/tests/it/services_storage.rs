//! Per-app storage: WeChat's semantics, limits and errors, persistence, corruption, isolation.

use std::fs;

use cove_container::services::storage::{DEFAULT_QUOTA_BYTES, ITEM_MAX_BYTES};
use cove_container::services::{ServiceError, Storage};
use serde_json::{Value, json};

fn open(dir: &std::path::Path) -> Storage {
    Storage::open(dir, DEFAULT_QUOTA_BYTES).unwrap()
}

#[test]
fn set_get_remove_clear() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    assert_eq!(s.get("k"), Err(ServiceError::new("fail data not found")));
    s.set("k", json!({"a": [1, 2, {"b": null}], "c": "d"}))
        .unwrap();
    assert_eq!(
        s.get("k").unwrap(),
        json!({"a": [1, 2, {"b": null}], "c": "d"})
    );
    s.set("k", json!(42)).unwrap();
    assert_eq!(s.get("k").unwrap(), json!(42));
    s.set("other", json!("x")).unwrap();
    s.remove("k").unwrap();
    s.remove("never-set").unwrap();
    assert_eq!(s.get("k"), Err(ServiceError::new("fail data not found")));
    assert_eq!(s.info()["keys"], json!(["other"]));
    s.clear().unwrap();
    assert_eq!(s.info()["keys"], json!([]));
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn info_in_kilobytes_and_key_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    s.set("b", json!("x".repeat(3000))).unwrap();
    s.set("a", json!(1)).unwrap();
    s.set("b", json!("y".repeat(3000))).unwrap(); // overwriting keeps its place
    let info = s.info();
    assert_eq!(info["keys"], json!(["b", "a"]));
    // "b" + 3002 JSON bytes + "a" + "1" = 3005 bytes → 3 KB, rounded up.
    assert_eq!(info["currentSize"], json!(3));
    assert_eq!(info["limitSize"], json!(10240));
}

#[test]
fn hostile_keys_are_only_keys() {
    let dir = tempfile::tempdir().unwrap();
    let keys = [
        "../../etc/passwd",
        "/abs",
        "a/b\\c",
        "..",
        "",
        "键 🔑",
        "nul\0byte",
        &"long".repeat(5000),
    ];
    {
        let mut s = open(dir.path());
        for (i, k) in keys.iter().enumerate() {
            s.set(k, json!(i)).unwrap();
        }
    }
    // Nothing escaped: the directory holds exactly one hashed file per key.
    let names: Vec<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), keys.len());
    assert!(
        names
            .iter()
            .all(|n| n.len() == 64 + 5 && n.ends_with(".json"))
    );
    let s = open(dir.path());
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(s.get(k).unwrap(), json!(i), "{k:?}");
    }
}

#[test]
fn survives_reopen_with_order() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = open(dir.path());
        s.set("z", json!({"$bytes": "AAEC"})).unwrap();
        s.set("y", json!([true])).unwrap();
        s.set("x", json!("x")).unwrap();
        s.remove("y").unwrap();
    }
    let mut s = open(dir.path());
    assert_eq!(s.info()["keys"], json!(["z", "x"]));
    assert_eq!(s.get("z").unwrap(), json!({"$bytes": "AAEC"}));
    let used = s.used_bytes();
    s.set("w", json!(1)).unwrap();
    assert_eq!(s.info()["keys"], json!(["z", "x", "w"]));
    assert_eq!(s.used_bytes(), used + 2);
}

#[test]
fn corrupted_entry_is_reported_and_the_rest_survive() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = open(dir.path());
        s.set("good", json!("fine")).unwrap();
        s.set("bad", json!("soon broken")).unwrap();
    }
    let before: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let bad_file = before
        .iter()
        .find(|p| fs::read_to_string(p).unwrap().contains("soon broken"))
        .unwrap()
        .clone();
    fs::write(&bad_file, b"{\"seq\":1,\"key\":\"bad\",\"da").unwrap();
    // A write torn before its rename leaves a temp file; it is cleaned up.
    fs::write(dir.path().join(".cove-tmp.1.1"), b"junk").unwrap();

    let mut s = open(dir.path());
    assert_eq!(s.get("good").unwrap(), json!("fine"));
    let err = s.get("bad").unwrap_err();
    assert!(err.msg.starts_with("fail data corrupted"), "{}", err.msg);
    assert_eq!(s.corrupted().len(), 1);
    assert_eq!(s.info()["keys"], json!(["good"]));
    assert!(!dir.path().join(".cove-tmp.1.1").exists());

    // Setting the key again repairs it.
    s.set("bad", json!("repaired")).unwrap();
    assert!(s.corrupted().is_empty());
    let s = open(dir.path());
    assert_eq!(s.get("bad").unwrap(), json!("repaired"));
}

#[test]
fn a_file_under_another_keys_name_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut s = open(dir.path());
        s.set("a", json!(1)).unwrap();
        s.set("b", json!(2)).unwrap();
    }
    let files: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let a = files
        .iter()
        .find(|p| fs::read_to_string(p).unwrap().contains("\"a\""))
        .unwrap();
    let b = files
        .iter()
        .find(|p| fs::read_to_string(p).unwrap().contains("\"b\""))
        .unwrap();
    fs::copy(a, b).unwrap();
    let s = open(dir.path());
    assert_eq!(s.get("a").unwrap(), json!(1));
    assert!(s.get("b").unwrap_err().msg.contains("corrupted"));
}

#[test]
fn quota_and_item_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = open(dir.path());
    let big = json!("x".repeat(ITEM_MAX_BYTES));
    assert_eq!(
        s.set("big", big),
        Err(ServiceError::new("fail exceed storage item max length"))
    );
    let almost = "x".repeat(ITEM_MAX_BYTES - 2); // JSON adds the two quotes
    for i in 0..9 {
        s.set(&format!("k{i}"), json!(almost)).unwrap();
    }
    assert_eq!(
        s.set("k9", json!(almost)),
        Err(ServiceError::new("fail exceed storage max size 10Mb"))
    );
    assert!(s.get("k9").is_err());
    // Replacing a value only counts the difference.
    s.set("k0", json!(almost)).unwrap();
    s.remove("k0").unwrap();
    s.set("k9", json!(almost)).unwrap();
}

#[test]
fn small_quota_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Storage::open(dir.path(), 100).unwrap();
    s.set("a", json!("x".repeat(50))).unwrap();
    assert_eq!(
        s.set("b", json!("x".repeat(50))).unwrap_err().msg,
        "fail exceed storage max size 100b"
    );
}

#[test]
fn batch_is_checked_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Storage::open(dir.path(), 1000).unwrap();
    s.batch_set(&[
        ("a".into(), json!(1)),
        ("b".into(), json!({"x": 1})),
        ("a".into(), json!(2)),
    ])
    .unwrap();
    assert_eq!(
        s.batch_get(&["a".into(), "missing".into(), "b".into()]),
        vec![json!(2), json!(""), json!({"x": 1})]
    );
    let too_much = vec![
        ("c".to_string(), json!("y".repeat(600))),
        ("d".to_string(), json!("y".repeat(600))),
    ];
    assert!(s.batch_set(&too_much).is_err());
    assert_eq!(s.get("c"), Err(ServiceError::new("fail data not found")));
    let s = Storage::open(dir.path(), 1000).unwrap();
    assert_eq!(s.info()["keys"], json!(["a", "b"]));
}

#[test]
fn two_apps_share_nothing() {
    let a_dir = tempfile::tempdir().unwrap();
    let b_dir = tempfile::tempdir().unwrap();
    let mut a = open(a_dir.path());
    let mut b = open(b_dir.path());
    a.set("token", json!("a-secret")).unwrap();
    b.set("token", json!("b-secret")).unwrap();
    assert_eq!(a.get("token").unwrap(), json!("a-secret"));
    assert_eq!(b.get("token").unwrap(), json!("b-secret"));
    b.clear().unwrap();
    assert_eq!(a.get("token").unwrap(), json!("a-secret"));
    assert_eq!(
        open(a_dir.path()).get("token").unwrap(),
        Value::from("a-secret")
    );
}
