//! The C ABI called from Rust as a C host would: the committed header, argument checks,
//! the demo app driven through handles and callbacks, host requests answered by id.

use super::*;
use std::path::Path;
use std::sync::atomic::AtomicPtr;

const HEADER: &str = include_str!(concat!(env!("OUT_DIR"), "/cove.h"));

#[test]
fn the_committed_header_is_the_generated_one() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../include/cove.h");
    if std::env::var_os("COVE_BLESS_HEADER").is_some_and(|v| v == "1") {
        std::fs::write(&committed, HEADER).unwrap();
    }
    let text = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        text == HEADER,
        "include/cove.h differs from what cbindgen generates from crates/ffi/src/lib.rs; \
         run `COVE_BLESS_HEADER=1 cargo test -p cove-ffi` and commit it"
    );
    for f in [
        "cove_app_open_dev_unverified",
        "cove_app_open_signed",
        "cove_app_event",
        "cove_app_settle",
        "cove_app_reply",
        "cove_app_page_data",
        "cove_app_find",
        "cove_app_close",
        "cove_string_free",
        "cove_version",
    ] {
        assert!(HEADER.contains(&format!("{f}(")), "{f} is not declared");
    }
    assert!(HEADER.contains("typedef struct CoveApp CoveApp;"));
}

/// Takes a string this library returned.
fn take(s: *mut c_char) -> Option<String> {
    if s.is_null() {
        return None;
    }
    let text = unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_string();
    unsafe { cove_string_free(s) };
    Some(text)
}

#[test]
fn null_and_bad_arguments_are_errors_with_messages() {
    let version = unsafe { CStr::from_ptr(cove_version()) }.to_str().unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));

    let none = CoveHostCallbacks {
        on_message: None,
        on_console: None,
        on_request: None,
    };
    let mut err = ptr::null_mut();
    let dir = c"/nonexistent";
    let app = unsafe {
        cove_app_open_dev_unverified(
            ptr::null(),
            dir.as_ptr(),
            dir.as_ptr(),
            ptr::null(),
            none,
            ptr::null_mut(),
            &mut err,
        )
    };
    assert!(app.is_null());
    assert_eq!(take(err).as_deref(), Some("app_id is NULL"));

    let data = tempfile::tempdir().unwrap();
    let data_c = CString::new(data.path().to_str().unwrap()).unwrap();
    let mut err = ptr::null_mut();
    let app = unsafe {
        cove_app_open_dev_unverified(
            c"wxtest".as_ptr(),
            dir.as_ptr(),
            data_c.as_ptr(),
            ptr::null(),
            none,
            ptr::null_mut(),
            &mut err,
        )
    };
    assert!(app.is_null());
    let msg = take(err).unwrap();
    assert!(msg.contains("/nonexistent"), "{msg}");

    // Without error_out too.
    let bad = unsafe {
        cove_app_open_dev_unverified(
            c"wxtest".as_ptr(),
            ptr::null(),
            data_c.as_ptr(),
            ptr::null(),
            none,
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    assert!(bad.is_null());

    let mut err = ptr::null_mut();
    let code =
        unsafe { cove_app_event(ptr::null_mut(), 1, c"tap".as_ptr(), ptr::null(), &mut err) };
    assert_eq!(code, COVE_ERR_ARGUMENT);
    assert_eq!(take(err).as_deref(), Some("app is NULL"));
    let code = unsafe { cove_app_settle(ptr::null_mut(), ptr::null_mut()) };
    assert_eq!(code, COVE_ERR_ARGUMENT);
    assert!(unsafe { cove_app_page_data(ptr::null_mut()) }.is_null());
    assert_eq!(
        unsafe { cove_app_find(ptr::null_mut(), c"#a".as_ptr()) },
        -2
    );
    assert_eq!(
        unsafe { cove_app_reply(ptr::null_mut(), 1, 1, ptr::null()) },
        COVE_ERR_ARGUMENT
    );
    unsafe {
        cove_app_close(ptr::null_mut());
        cove_string_free(ptr::null_mut());
    }
}

/// `cove_app_open_signed` with `trust`, `secret` and `policy`; returns (status, handle, message).
fn open_signed(
    trust: *const CoveTrust,
    secret: &[u8],
    policy: &CStr,
    package: &[u8],
    app_dir: &CStr,
) -> (c_int, *mut CoveApp, Option<String>) {
    let none = CoveHostCallbacks {
        on_message: None,
        on_console: None,
        on_request: None,
    };
    let mut app = ptr::dangling_mut::<CoveApp>();
    let mut err = ptr::null_mut();
    let rc = unsafe {
        cove_app_open_signed(
            trust,
            secret.as_ptr(),
            secret.len(),
            c"wxtest".as_ptr(),
            policy.as_ptr(),
            package.as_ptr(),
            package.len(),
            app_dir.as_ptr(),
            ptr::null(),
            none,
            ptr::null_mut(),
            &mut app,
            &mut err,
        )
    };
    (rc, app, take(err))
}

#[test]
fn the_signed_open_checks_its_arguments_and_refuses_with_codes() {
    let key = cove_package::KeyPair::generate(
        cove_package::Suite::Intl,
        cove_package::Purpose::Sign,
        Some("platform"),
    )
    .unwrap();
    let keys = CString::new(format!("[{}]", key.public().to_json())).unwrap();
    let trust = CoveTrust {
        signing_keys_json: keys.as_ptr(),
        host_keys_json: ptr::null(),
        sdk_key: c"host".as_ptr(),
        channels: ptr::null(),
    };
    let dir = tempfile::tempdir().unwrap();
    let dir_c = CString::new(dir.path().to_str().unwrap()).unwrap();
    let policy = c"{\"payload\":\"e30=\",\"key_id\":\"platform\",\"signature\":\"AAAA\"}";
    let secret = [7u8; 32];

    let (rc, app, msg) = open_signed(ptr::null(), &secret, policy, b"x", &dir_c);
    assert_eq!(
        (rc, msg.as_deref()),
        (COVE_ERR_ARGUMENT, Some("trust is NULL"))
    );
    assert!(app.is_null());
    // A short secret: storage could not be encrypted as promised.
    let (rc, _, msg) = open_signed(&trust, &secret[..16], policy, b"x", &dir_c);
    assert_eq!(rc, COVE_ERR_ARGUMENT);
    assert!(msg.unwrap().contains("at least 32 bytes"));
    // Keys that are not keys, or none at all.
    let no_keys = CoveTrust {
        signing_keys_json: c"[]".as_ptr(),
        ..trust
    };
    let (rc, _, msg) = open_signed(&no_keys, &secret, policy, b"x", &dir_c);
    assert_eq!(rc, COVE_ERR_ARGUMENT, "{msg:?}");
    let bad_channel = CoveTrust {
        channels: c"release,beta".as_ptr(),
        ..trust
    };
    let (rc, _, msg) = open_signed(&bad_channel, &secret, policy, b"x", &dir_c);
    assert_eq!(rc, COVE_ERR_ARGUMENT, "{msg:?}");
    // A policy that is not the platform's: refused with its code, nothing installed.
    let (rc, app, msg) = open_signed(&trust, &secret, policy, b"x", &dir_c);
    assert_eq!(rc, COVE_ERR_REFUSED);
    assert!(app.is_null());
    assert!(msg.unwrap().starts_with("policy_signature: "));
    assert!(!dir.path().join("package").exists());
}

/// What the callbacks saw; the test's `user_data`.
#[derive(Default)]
struct Rec {
    messages: Mutex<Vec<Value>>,
    console: Mutex<Vec<(c_int, String)>>,
    requests: Mutex<Vec<(String, Value, u64)>>,
    /// The handle, once open, for the probes below.
    app: AtomicPtr<CoveApp>,
    /// Call cove_app_settle from the next on_message and record its code there.
    probe_reentry: AtomicBool,
    reentry: Mutex<Vec<(c_int, String)>>,
    /// Answer requests from inside on_request, recording cove_app_reply's code.
    answer_inline: Mutex<Option<CString>>,
    inline_codes: Mutex<Vec<c_int>>,
}

fn rec<'a>(user: *mut c_void) -> &'a Rec {
    unsafe { &*(user as *const Rec) }
}

fn text(p: *const c_char) -> String {
    unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_string()
}

unsafe extern "C" fn on_message(user: *mut c_void, json: *const c_char) {
    let r = rec(user);
    lock(&r.messages).push(serde_json::from_str(&text(json)).unwrap());
    if r.probe_reentry.swap(false, Ordering::SeqCst) {
        let mut err = ptr::null_mut();
        let code = unsafe { cove_app_settle(r.app.load(Ordering::SeqCst), &mut err) };
        lock(&r.reentry).push((code, take(err).unwrap_or_default()));
    }
}

unsafe extern "C" fn on_console(user: *mut c_void, level: c_int, line: *const c_char) {
    lock(&rec(user).console).push((level, text(line)));
}

unsafe extern "C" fn on_request(
    user: *mut c_void,
    api: *const c_char,
    args: *const c_char,
    id: u64,
) {
    let r = rec(user);
    let args: Value = serde_json::from_str(&text(args)).unwrap();
    lock(&r.requests).push((text(api), args, id));
    if let Some(answer) = lock(&r.answer_inline).as_ref() {
        let code = unsafe { cove_app_reply(r.app.load(Ordering::SeqCst), id, 1, answer.as_ptr()) };
        lock(&r.inline_codes).push(code);
    }
}

const CALLBACKS: CoveHostCallbacks = CoveHostCallbacks {
    on_message: Some(on_message),
    on_console: Some(on_console),
    on_request: Some(on_request),
};

/// The demo, compiled, and a data directory.
fn demo() -> (tempfile::TempDir, tempfile::TempDir) {
    let project = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/demo");
    let out = cove_compiler::compile_dir(&project, &Default::default()).unwrap();
    let package = tempfile::tempdir().unwrap();
    cove_compiler::output::write_dir(&out.files, package.path()).unwrap();
    (package, tempfile::tempdir().unwrap())
}

fn c_path(p: &Path) -> CString {
    CString::new(p.to_str().unwrap()).unwrap()
}

fn open(rec: &Rec, package: &Path, data: &Path) -> *mut CoveApp {
    let mut err = ptr::null_mut();
    let app = unsafe {
        cove_app_open_dev_unverified(
            c"wxffitest".as_ptr(),
            c_path(package).as_ptr(),
            c_path(data).as_ptr(),
            ptr::null(),
            CALLBACKS,
            rec as *const Rec as *mut c_void,
            &mut err,
        )
    };
    assert!(!app.is_null(), "{:?}", take(err));
    assert!(err.is_null());
    rec.app.store(app, Ordering::SeqCst);
    app
}

fn page_data(app: *mut CoveApp) -> Value {
    serde_json::from_str(&take(unsafe { cove_app_page_data(app) }).unwrap()).unwrap()
}

fn tap(app: *mut CoveApp, selector: &CStr) {
    let node = unsafe { cove_app_find(app, selector.as_ptr()) };
    assert!(node >= 0, "{selector:?} not found");
    let mut err = ptr::null_mut();
    let code = unsafe {
        cove_app_event(
            app,
            node as u64,
            c"tap".as_ptr(),
            c"{\"x\":1,\"y\":2}".as_ptr(),
            &mut err,
        )
    };
    assert_eq!(code, COVE_OK, "{:?}", take(err));
    assert_eq!(unsafe { cove_app_settle(app, &mut err) }, COVE_OK);
}

/// The ops sent since `from`, flattened.
fn ops_since(rec: &Rec, from: usize) -> Vec<Value> {
    lock(&rec.messages)[from..]
        .iter()
        .filter(|m| m["t"] == "ops")
        .flat_map(|m| m["ops"].as_array().cloned().unwrap_or_default())
        .collect()
}

#[test]
fn the_demo_counts_a_tap_and_a_host_request_is_answered_by_id() {
    let (package, data) = demo();
    let rec = Rec::default();
    let app = open(&rec, package.path(), data.path());

    // The launch arrived through on_message before open returned: hello, ops, route.
    let first = lock(&rec.messages).clone();
    assert_eq!(first[0]["t"], "hello");
    assert!(first.iter().any(|m| m["t"] == "route"));
    assert!(
        lock(&rec.console)
            .iter()
            .any(|(l, t)| *l == COVE_LEVEL_LOG && t.starts_with("[cove-demo] launch")),
        "{:?}",
        lock(&rec.console)
    );
    assert_eq!(page_data(app)["count"], 0);

    // Selectors: a match is a node that the ops created; none is -1, a bad one -2.
    let inc = unsafe { cove_app_find(app, c"#increment".as_ptr()) };
    let created: Vec<i64> = ops_since(&rec, 0)
        .iter()
        .filter(|o| o[0] == "create")
        .map(|o| o[1].as_i64().unwrap())
        .collect();
    assert!(created.contains(&inc), "{inc} was never created");
    assert_eq!(unsafe { cove_app_find(app, c"#no-such-id".as_ptr()) }, -1);
    assert_eq!(unsafe { cove_app_find(app, c"#".as_ptr()) }, -2);
    assert_eq!(unsafe { cove_app_find(app, ptr::null()) }, -2);

    let mut err = ptr::null_mut();
    let code = unsafe { cove_app_event(app, inc as u64, c"tap".as_ptr(), c"{".as_ptr(), &mut err) };
    assert_eq!(code, COVE_ERR_ARGUMENT);
    assert!(take(err).unwrap().starts_with("detail_json is not JSON"));

    // A tap: count 1 in the data, and a text op with "1".
    let before = lock(&rec.messages).len();
    rec.probe_reentry.store(true, Ordering::SeqCst);
    tap(app, c"#increment");
    assert_eq!(page_data(app)["count"], 1);
    let ops = ops_since(&rec, before);
    assert!(ops.iter().any(|o| o[0] == "text" && o[2] == "1"), "{ops:?}");
    // cove_app_settle from inside on_message was refused, not deadlocked.
    let reentry = lock(&rec.reentry).clone();
    assert_eq!(reentry.len(), 1);
    assert_eq!(reentry[0].0, COVE_ERR_CALLBACK);
    assert!(reentry[0].1.contains("cove_app_settle"), "{reentry:?}");

    // Reset asks the host (showModal); nothing changes until the reply.
    tap(app, c"#reset");
    let (api, args, id) = lock(&rec.requests).last().cloned().unwrap();
    assert_eq!(api, "showModal");
    assert_eq!(args["title"], "Reset the counter?");
    assert_eq!(page_data(app)["count"], 1);
    // Not JSON: refused, and the request stays open.
    assert_eq!(
        unsafe { cove_app_reply(app, id, 1, c"{confirm".as_ptr()) },
        COVE_ERR_ARGUMENT
    );
    let ok = c"{\"confirm\":true,\"cancel\":false}";
    assert_eq!(unsafe { cove_app_reply(app, id, 1, ok.as_ptr()) }, COVE_OK);
    assert_eq!(unsafe { cove_app_settle(app, &mut err) }, COVE_OK);
    assert_eq!(page_data(app)["count"], 0);
    // Each id is answered once.
    assert_eq!(
        unsafe { cove_app_reply(app, id, 1, ok.as_ptr()) },
        COVE_ERR_ARGUMENT
    );

    // Answered from inside on_request: cancel, so the count stays.
    tap(app, c"#increment");
    *lock(&rec.answer_inline) = Some(c"{\"confirm\":false,\"cancel\":true}".into());
    tap(app, c"#reset");
    assert_eq!(unsafe { cove_app_settle(app, &mut err) }, COVE_OK);
    assert_eq!(lock(&rec.inline_codes).clone(), [COVE_OK]);
    assert_eq!(page_data(app)["count"], 1);

    unsafe { cove_app_close(app) };
}

#[test]
fn closing_with_a_request_unanswered_stops_the_callbacks() {
    let (package, data) = demo();
    let rec = Rec::default();
    let app = open(&rec, package.path(), data.path());
    tap(app, c"#reset");
    let (_, _, id) = lock(&rec.requests).last().cloned().unwrap();
    unsafe { cove_app_close(app) };
    // The app's thread has ended: the dropped reply reached no JS, nothing called back.
    let lines = lock(&rec.console).clone();
    assert!(
        !lines.iter().any(|(_, t)| t.contains("no answer")),
        "{lines:?}"
    );
    // The same storage opens again: the app counted two launches.
    let rec2 = Rec::default();
    let app2 = open(&rec2, package.path(), data.path());
    assert!(
        lock(&rec2.console)
            .iter()
            .any(|(_, t)| t.ends_with("count 2")),
        "{:?}",
        lock(&rec2.console)
    );
    // Reply ids belong to their handle.
    assert_eq!(
        unsafe { cove_app_reply(app2, id + 100, 0, ptr::null()) },
        COVE_ERR_ARGUMENT
    );
    unsafe { cove_app_close(app2) };
}
