//! App code shares its global scope with the runtime, and WeChat apps extend and replace
//! built-ins: polyfills, `Date.prototype.format`, wrappers around `JSON.parse`. Those
//! must keep working on everything the runtime hands the app (page data, event objects,
//! API results, the page stack), while the runtime itself uses the built-ins it took
//! before app code ran (js/runtime/intrinsics.js).

use serde_json::json;

use crate::common::{launch, project};

const APP_JS: &str = r#"
// A polyfill that replaces a built-in, extensions, and a wrapped JSON.parse.
Array.prototype.includes = function (x) { return this.indexOf(x) >= 0; };
Array.prototype.last = function () { return this[this.length - 1]; };
Object.defineProperty(Object.prototype, 'keysText', { value() { return Object.keys(this).join(','); }, configurable: true });
Date.prototype.format = function () { return this.toISOString().slice(0, 10); };
String.prototype.shout = function () { return this.toUpperCase() + '!'; };
const parse = JSON.parse;
let parsed = 0;
JSON.parse = function (text, reviver) { parsed += 1; return parse(text, reviver); };
App({ parsedByApp: () => parsed });
"#;

const PAGE_JS: &str = r#"
Page({
  data: { list: [1, 2, 3], seen: '' },
  onLoad(query) {
    wx.setStorageSync('k', { when: 0 });
    this.setData({ seen: [
      this.data.list.last(),
      this.data.list.includes(2),
      wx.getStorageInfoSync().keys.includes('k'),
      wx.getStorageSync('k').keysText(),
      wx.getSystemInfoSync().keysText().indexOf('windowWidth') >= 0,
      getCurrentPages().last().route,
      query.keysText(),
      new Date(0).format(),
      'hi'.shout(),
    ].join(' ') });
  },
  tapped(e) {
    this.setData({ seen: [e.type.shout(), e.detail.keysText(), e.currentTarget.dataset.tag.shout(), [e.type].includes('tap')].join(' ') });
  },
});
"#;

#[test]
fn app_extensions_of_built_ins_work_on_what_the_runtime_hands_out() {
    let src = project(&[
        ("app.json", r#"{"pages": ["pages/index/index"]}"#),
        ("app.js", APP_JS),
        ("project.config.json", r#"{"appid": "wxtest"}"#),
        ("pages/index/index.js", PAGE_JS),
        (
            "pages/index/index.wxml",
            r#"<view id="seen" data-tag="go" bindtap="tapped">{{seen}}</view>"#,
        ),
    ]);
    let mut r = launch(src.path(), Some("pages/index/index?a=1&b=2"));
    let data = r.app.page_data().unwrap();
    assert_eq!(
        data["seen"],
        json!("3 true true when true pages/index/index a,b 1970-01-01 HI!")
    );
    r.tap("seen");
    let data = r.app.page_data().unwrap();
    assert_eq!(data["seen"], json!("TAP! x,y GO! true"));
    // The runtime decoded storage, and the tap, without the app's JSON.parse.
    assert_eq!(r.app.eval_json("getApp().parsedByApp()").unwrap(), json!(0));
}
