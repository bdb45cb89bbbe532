//! What `wx.*` writes outlives the instance: storage and user files written by one launch
//! are there, with their sizes and listings, when the app launches again on the same data
//! directory; another app id's data directory sees none of it. (The conformance suite,
//! `cove-devtools apis`, checks everything else within one launch.)

use crate::common;

use std::path::Path;

use cove_container::{App, AppConfig, Clock};
use serde_json::json;

const FIXTURE: &str = "tests/fixtures/apis";

fn launch(package: &Path, data: &Path) -> (App, std::sync::Arc<common::TestHost>) {
    let host = common::TestHost::new();
    let mut config = AppConfig::dev_mode_unverified("wxpersist", package, data);
    config.clock = Clock::Manual;
    let app = App::launch(config, host.clone(), None).expect("the fixture launches");
    (app, host)
}

#[test]
fn storage_and_files_survive_a_relaunch() {
    let package = common::build(Path::new(FIXTURE));
    let data = tempfile::tempdir().unwrap();
    {
        let (app, _host) = launch(package.path(), data.path());
        app.eval_json(
            "wx.setStorageSync('profile', {name: 'Cove', tags: ['a', 'b']});
             wx.setStorage({key: 'later', data: 42});
             const fs = wx.getFileSystemManager();
             fs.mkdirSync(`${wx.env.USER_DATA_PATH}/notes`, true);
             fs.writeFileSync(`${wx.env.USER_DATA_PATH}/notes/a.txt`, 'hello', 'utf8');
             fs.writeFileSync(`${wx.env.USER_DATA_PATH}/notes/b.bin`, new Uint8Array([1, 2, 3]).buffer);",
        )
        .unwrap();
        app.settle().unwrap();
    }
    let (app, _host) = launch(package.path(), data.path());
    let got = app
        .eval_json(
            "const fs = wx.getFileSystemManager();
             const info = wx.getStorageInfoSync();
             ({
               profile: wx.getStorageSync('profile'),
               later: wx.getStorageSync('later'),
               keys: info.keys,
               sized: info.currentSize > 0,
               files: fs.readdirSync(`${wx.env.USER_DATA_PATH}/notes`).sort(),
               text: fs.readFileSync(`${wx.env.USER_DATA_PATH}/notes/a.txt`, 'utf8'),
               bin: wx.arrayBufferToBase64(fs.readFileSync(`${wx.env.USER_DATA_PATH}/notes/b.bin`)),
               size: fs.statSync(`${wx.env.USER_DATA_PATH}/notes/a.txt`).size,
             })",
        )
        .unwrap();
    assert_eq!(
        got,
        json!({
            "profile": {"name": "Cove", "tags": ["a", "b"]},
            "later": 42,
            "keys": ["profile", "later"],
            "sized": true,
            "files": ["a.txt", "b.bin"],
            "text": "hello",
            "bin": "AQID",
            "size": 5,
        })
    );
    drop(app);

    // A fresh data directory (another app) starts empty.
    let other = tempfile::tempdir().unwrap();
    let (app, _host) = launch(package.path(), other.path());
    let got = app
        .eval_json("[wx.getStorageSync('profile'), wx.getStorageInfoSync().keys, wx.getFileSystemManager().readdirSync(wx.env.USER_DATA_PATH)]")
        .unwrap();
    assert_eq!(got, json!(["", [], []]));
}
