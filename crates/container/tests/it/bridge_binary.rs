//! Binary data across the `wx.*` bridge, as an app sees it: ArrayBuffers and typed arrays go
//! to Rust as bytes and come back as ArrayBuffers, views give only their own bytes, binary
//! values in storage and host answers survive, and base64 keeps the runtime's old leniency.

use crate::common;

use serde_json::json;

fn app() -> common::Running {
    let project = common::project(&[
        ("app.json", r#"{"pages": ["pages/index/index"]}"#),
        ("app.js", "App({});"),
        ("pages/index/index.json", "{}"),
        ("pages/index/index.js", "Page({});"),
        ("pages/index/index.wxml", "<view>bin</view>"),
    ]);
    common::launch(project.path(), None)
}

#[test]
fn files_take_and_give_bytes() {
    let r = app();
    let got = r
        .app
        .eval_json(
            "const fs = wx.getFileSystemManager();
             const p = wx.env.USER_DATA_PATH + '/b.bin';
             // A view writes its own bytes, not its whole buffer.
             fs.writeFileSync(p, new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4));
             fs.appendFileSync(p, new Uint16Array([0x0504]).buffer);
             fs.appendFileSync(p, new DataView(new Uint8Array([7, 6]).buffer, 1, 1));
             const whole = fs.readFileSync(p);
             const part = fs.readFileSync(p, undefined, 1, 2);
             ({
               isBuffer: whole instanceof ArrayBuffer,
               whole: Array.from(new Uint8Array(whole)),
               part: Array.from(new Uint8Array(part)),
               hex: fs.readFileSync(p, 'hex'),
               empty: fs.readFileSync((fs.writeFileSync(p, new ArrayBuffer(0)), p)).byteLength,
               // A detached buffer throws, as reading it in JS did.
               detached: (() => {
                 const d = new ArrayBuffer(2);
                 d.transfer();
                 try { fs.writeFileSync(p, d); return 'written'; } catch (e) { return e.constructor.name; }
               })(),
             })",
        )
        .unwrap();
    assert_eq!(
        got,
        json!({
            "isBuffer": true,
            "whole": [1, 2, 3, 4, 5, 6],
            "part": [2, 3],
            "hex": "010203040506",
            "empty": 0,
            "detached": "TypeError",
        })
    );
}

#[test]
fn storage_keeps_binary_values() {
    let r = app();
    let got = r
        .app
        .eval_json(
            "wx.setStorageSync('b', {raw: new Uint8Array([0, 1, 255]).buffer, n: 1});
             const v = wx.getStorageSync('b');
             [v.raw instanceof ArrayBuffer, Array.from(new Uint8Array(v.raw)), v.n]",
        )
        .unwrap();
    assert_eq!(got, json!([true, [0, 1, 255], 1]));
    // At rest it is the JSON it always was: base64 in `$bytes`.
    let at_rest = walk_files(&r.data.path().join("storage"));
    assert!(
        at_rest.iter().any(|t| t.contains(r#"{"$bytes":"AAH/"}"#)),
        "{at_rest:?}"
    );
}

fn walk_files(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk_files(&p));
        } else {
            out.push(String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned());
        }
    }
    out
}

#[test]
fn host_answers_and_requests_carry_binary() {
    let r = app();
    r.host.answer(
        "getClipboardData",
        Ok(json!({"data": {"$bytes": "AP8="}, "list": [{"$bytes": "AQ=="}, "x"]})),
    );
    r.host.answer("setClipboardData", Ok(json!({})));
    r.app
        .eval_json(
            "wx.getClipboardData({success: (res) => { globalThis.__clip = res; }});
             wx.setClipboardData({data: new Uint8Array([1, 2]).buffer, deep: [new Int8Array([-1])]});
             wx.getRandomValues({length: 3, success: (res) => { globalThis.__rand = res.randomValues; }});
             1",
        )
        .unwrap();
    r.app.settle().unwrap();
    let got = r
        .app
        .eval_json(
            "[__clip.data instanceof ArrayBuffer, Array.from(new Uint8Array(__clip.data)),
              Array.from(new Uint8Array(__clip.list[0])), __clip.list[1],
              __rand instanceof ArrayBuffer, __rand.byteLength]",
        )
        .unwrap();
    assert_eq!(got, json!([true, [0, 255], [1], "x", true, 3]));
    // The host gets binary as it always did: `$bytes` in the JSON of the request.
    let sent = r.host.requests.lock().unwrap().clone();
    let (_, args) = sent
        .iter()
        .find(|(api, _)| api == "setClipboardData")
        .expect("asked the host");
    assert_eq!(
        args,
        &json!({"data": {"$bytes": "AQI="}, "deep": [{"$bytes": "/w=="}]})
    );
}

#[test]
fn base64_is_native_and_as_lenient_as_ever() {
    let r = app();
    let got = r
        .app
        .eval_json(
            "const b = (...a) => Array.from(new Uint8Array(wx.base64ToArrayBuffer(...a)));
             [
               wx.arrayBufferToBase64(new Uint8Array([0, 1, 2, 253, 254, 255]).buffer),
               wx.arrayBufferToBase64(new Uint8Array([9, 65, 66, 67, 9]).subarray(1, 4)),
               wx.arrayBufferToBase64(new ArrayBuffer(0)),
               wx.arrayBufferToBase64([65, 66]),
               b('AAEC/f7/'), b('QUI'), b(' Q U I = '), b('Q'), b(''), b('*%$'),
               b(12345678), b(undefined).length,
             ]",
        )
        .unwrap();
    assert_eq!(
        got,
        json!([
            "AAEC/f7/",
            "QUJD",
            "",
            "QUI=",
            [0, 1, 2, 253, 254, 255],
            [65, 66],
            [65, 66],
            [],
            [],
            [],
            [215, 109, 248, 231, 174, 252],
            6,
        ])
    );
    let err = r.app.eval_json("wx.arrayBufferToBase64()").unwrap();
    assert_eq!(err, json!(""), "no argument: an empty buffer, as before");
}
