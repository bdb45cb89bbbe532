//! Keyframe animations (`this.animate`, `this.clearAnimation`) and layout query results as
//! WeChat gives them (`createSelectorQuery`, `IntersectionObserver`): what the container
//! decides, with a host that plays the view's part (answers `animate`/`layout`) or none.

use crate::common;

use std::time::Duration;

use serde_json::{Value, json};

const PAGE_WXML: &str = r#"<view id="box" class="box" data-kind="page-box" mark:area="top">page box</view>
<view class="item" data-index="{{0}}">a</view>
<view class="item" data-index="{{1}}">b</view>
<scroll-view id="sv" scroll-y><view id="inside">inside</view></scroll-view>
<view id="plain">plain</view>
<card id="card" title="hello"></card>
"#;

const PAGE_JS: &str = r#"
const log = (tag, v) => console.log(tag + ' ' + JSON.stringify(v));
Page({
  play(duration) {
    this.animate('#box', [
      { opacity: 1, rotate: 0, backgroundColor: '#ff0000', ease: 'ease-in' },
      { opacity: 0.5, rotate: 45, scale: [1.5, 1.5], translateX: 10, width: '100rpx', left: 5, offset: 0.9 },
      { opacity: 0, rotate: '90deg', translate3d: [1, '2%', 3], matrix: [1, 0, 0, 1, 0, 0], skew: [10, 20] },
    ], duration, () => log('animated', this.route));
  },
  playMissing() {
    this.animate('#nothing', [{ opacity: 0 }], 300, () => log('missing-done', 1));
  },
  clear(options) {
    if (options === undefined) this.clearAnimation('#box', () => log('cleared', 'all'));
    else this.clearAnimation('#box', options, () => log('cleared', options));
  },
  scrollDriven() {
    this.animate('#inside', [{ borderRadius: '0', offset: 0 }, { borderRadius: '50%', offset: 1 }], 2000, {
      scrollSource: '#sv', timeRange: 2000, startScrollOffset: 0, endScrollOffset: 150,
    });
    log('scroll-driven', 'returned');
  },
  spinCard() {
    this.selectComponent('#card').spin();
  },
  queryAll() {
    const order = [];
    this.createSelectorQuery()
      .select('#box').fields({ id: true, dataset: true, mark: true, rect: true, size: true, scrollOffset: true,
        computedStyle: ['margin-left', 'backgroundColor'], context: true, node: true })
      .select('#nothing').boundingClientRect((r) => order.push(['nothing', r]))
      .selectAll('.item').boundingClientRect((r) => order.push(['items', r.length]))
      .selectAll('.none').boundingClientRect((r) => order.push(['none', r]))
      .selectViewport().boundingClientRect((r) => order.push(['viewport', r]))
      .selectViewport().scrollOffset((r) => order.push(['viewportScroll', r]))
      .select('#plain').boundingClientRect()
      .select('#sv').fields({ properties: ['scrollY', 'scrollX'] })
      .select('#card').fields({ id: true, properties: ['title', 'notAProperty'] })
      .exec((res) => { order.push(['exec', res.length]); log('order', order.map((o) => o[0])); log('results', res); log('callbacks', order); });
  },
  queryPlain() {
    wx.createSelectorQuery().select('#plain').boundingClientRect().select('#sv').scrollOffset().exec((res) => log('plain', res));
  },
  observe() {
    this._ob = this.createIntersectionObserver().relativeToViewport({ bottom: 100 });
    this._ob.observe('#box', (res) => log('intersect', res));
  },
});
"#;

const CARD_JS: &str = r#"
Component({
  properties: { title: { type: String, value: '' } },
  methods: {
    spin() {
      this.animate('#box', [{ rotate: 0 }, { rotate: 360 }], 100, () => console.log('card spun'));
    },
  },
});
"#;

fn files() -> Vec<(&'static str, String)> {
    vec![
        (
            "app.json",
            json!({"pages": ["pages/index/index"]}).to_string(),
        ),
        ("app.js", "App({});".into()),
        ("pages/index/index.wxml", PAGE_WXML.into()),
        ("pages/index/index.js", PAGE_JS.into()),
        (
            "pages/index/index.json",
            json!({"usingComponents": {"card": "/components/card/card"}}).to_string(),
        ),
        (
            "components/card/card.wxml",
            r#"<view id="box">card box</view>"#.into(),
        ),
        ("components/card/card.js", CARD_JS.into()),
        (
            "components/card/card.json",
            json!({"component": true}).to_string(),
        ),
    ]
}

fn launch() -> (common::Running, tempfile::TempDir) {
    let src = common::project(&files());
    let r = common::launch(src.path(), None);
    (r, src)
}

/// The element with WXML id `id` whose text is `text` (the page and the card both have `#box`).
fn node(r: &common::Running, id: &str, text: &str) -> u64 {
    r.tree
        .id_attr
        .iter()
        .filter(|(_, v)| common::is_id(v, id))
        .map(|(k, _)| *k)
        .find(|k| r.tree.deep_text(*k) == text)
        .unwrap_or_else(|| panic!("no #{id} with text {text:?}"))
}

/// The arguments of every host request `api` made so far.
fn requests(r: &common::Running, api: &str) -> Vec<Value> {
    r.host
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|(a, _)| a == api)
        .map(|(_, args)| args.clone())
        .collect()
}

/// `console.log(tag + ' ' + JSON)` lines with that tag, parsed.
fn logged(r: &common::Running, tag: &str) -> Vec<Value> {
    let prefix = format!("{tag} ");
    r.host
        .logs()
        .iter()
        .filter_map(|l| {
            l.strip_prefix(&prefix)
                .map(|j| serde_json::from_str(j).unwrap())
        })
        .collect()
}

fn call(r: &mut common::Running, method: &str, args: &[Value]) {
    r.app.call_page_method(method, args).unwrap();
    r.app.settle().unwrap();
    r.sync();
}

fn advance(r: &common::Running, ms: u64) {
    r.app.advance(Duration::from_millis(ms)).unwrap();
    r.app.settle().unwrap();
}

#[test]
fn animate_sends_css_keyframes_for_the_matched_nodes() {
    let (mut r, _src) = launch();
    call(&mut r, "play", &[json!(500)]);
    let sent = requests(&r, "animate");
    assert_eq!(sent.len(), 1);
    let a = &sent[0];
    assert_eq!(a["nodes"], json!([node(&r, "box", "page box")]));
    assert_eq!(a["duration"], 500);
    assert_eq!(a["scroll"], Value::Null);
    assert_eq!(
        a["keyframes"],
        json!([
            {"easing": "ease-in", "props": {"opacity": "1", "rotate": "rotate(0deg)", "backgroundColor": "#ff0000"}},
            {"offset": 0.9, "props": {
                "opacity": "0.5", "rotate": "rotate(45deg)", "scale": "scale(1.5, 1.5)",
                "translateX": "translateX(10px)", "width": "100rpx", "left": "5px"}},
            {"props": {
                "opacity": "0", "rotate": "rotate(90deg)", "translate3d": "translate3d(1px, 2%, 3px)",
                "matrix": "matrix(1, 0, 0, 1, 0, 0)", "skew": "skew(10deg, 20deg)"}},
        ])
    );
}

#[test]
fn without_a_view_the_callback_runs_on_the_app_clock() {
    let (mut r, _src) = launch();
    // The test host answers no `animate`: as `cove check`, there is no view to play it.
    call(&mut r, "play", &[json!(500)]);
    advance(&r, 499);
    assert!(logged(&r, "animated").is_empty());
    advance(&r, 1);
    assert_eq!(logged(&r, "animated"), [json!("pages/index/index")]);
}

#[test]
fn the_view_says_when_the_animation_ended() {
    let (mut r, _src) = launch();
    r.host.answer("animate", Ok(json!({})));
    call(&mut r, "play", &[json!(5000)]);
    // The view's answer came (at once, here): the callback ran, no clock involved.
    assert_eq!(logged(&r, "animated"), [json!("pages/index/index")]);
    advance(&r, 6000);
    assert_eq!(logged(&r, "animated").len(), 1);
}

#[test]
fn an_animation_the_view_cancelled_calls_nothing_back() {
    let (mut r, _src) = launch();
    r.host.answer("animate", Ok(json!({"cancelled": true})));
    call(&mut r, "play", &[json!(100)]);
    advance(&r, 1000);
    assert!(logged(&r, "animated").is_empty());
}

#[test]
fn no_matching_node_still_calls_back_after_the_duration() {
    let (mut r, _src) = launch();
    call(&mut r, "playMissing", &[]);
    assert!(requests(&r, "animate").is_empty());
    advance(&r, 299);
    assert!(logged(&r, "missing-done").is_empty());
    advance(&r, 1);
    assert_eq!(logged(&r, "missing-done"), [json!(1)]);
}

#[test]
fn a_component_animates_its_own_nodes() {
    let (mut r, _src) = launch();
    r.host.answer("animate", Ok(json!({})));
    call(&mut r, "spinCard", &[]);
    let sent = requests(&r, "animate");
    assert_eq!(sent[0]["nodes"], json!([node(&r, "box", "card box")]));
    assert_eq!(sent[0]["keyframes"][1]["props"]["rotate"], "rotate(360deg)");
    assert!(r.host.logs().iter().any(|l| l == "card spun"));
}

#[test]
fn clear_animation_names_the_fields_and_calls_back() {
    let (mut r, _src) = launch();
    call(
        &mut r,
        "clear",
        &[json!({"opacity": true, "rotate": true, "scale": false})],
    );
    call(&mut r, "clear", &[]);
    let sent = requests(&r, "clearAnimation");
    let page_box = node(&r, "box", "page box");
    assert_eq!(
        sent,
        [
            json!({"nodes": [page_box], "props": ["opacity", "rotate"]}),
            json!({"nodes": [page_box], "props": null}),
        ]
    );
    // Without a view the clearing is immediate; the callbacks still come, in order.
    assert_eq!(
        logged(&r, "cleared"),
        [
            json!({"opacity": true, "rotate": true, "scale": false}),
            json!("all")
        ]
    );
}

#[test]
fn the_scroll_driven_form_is_sent_with_its_scroll_view() {
    let (mut r, _src) = launch();
    call(&mut r, "scrollDriven", &[]);
    assert_eq!(logged(&r, "scroll-driven"), [json!("returned")]);
    let sent = requests(&r, "animate");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["nodes"], json!([node(&r, "inside", "inside")]));
    assert_eq!(
        sent[0]["scroll"],
        json!({"source": node(&r, "sv", "inside"), "orientation": "vertical",
               "startScrollOffset": 0, "endScrollOffset": 150, "timeRange": 2000})
    );
    assert_eq!(
        sent[0]["keyframes"][1],
        json!({"offset": 1, "props": {"borderRadius": "50%"}})
    );
}

#[test]
fn query_results_have_every_field_without_a_view() {
    let (mut r, _src) = launch();
    call(&mut r, "queryAll", &[]);
    advance(&r, 0);
    assert_eq!(
        logged(&r, "order"),
        [json!([
            "nothing",
            "items",
            "none",
            "viewport",
            "viewportScroll",
            "exec"
        ])]
    );
    let res = &logged(&r, "results")[0];
    assert_eq!(
        res[0],
        json!({
            "id": "box", "dataset": {"kind": "page-box"}, "mark": {"area": "top"},
            "left": 0, "right": 0, "top": 0, "bottom": 0, "width": 0, "height": 0,
            "scrollLeft": 0, "scrollTop": 0, "scrollWidth": 0, "scrollHeight": 0,
            "margin-left": "", "backgroundColor": "", "context": null, "node": null,
        })
    );
    assert_eq!(res[1], Value::Null);
    assert_eq!(res[2].as_array().unwrap().len(), 2);
    assert_eq!(res[2][1]["dataset"], json!({"index": 1}));
    assert_eq!(res[3], json!([]));
    assert_eq!(
        res[4],
        json!({"id": "", "dataset": {}, "left": 0, "right": 375, "top": 0, "bottom": 667, "width": 375, "height": 667})
    );
    assert_eq!(
        res[5],
        json!({"id": "", "dataset": {}, "scrollLeft": 0, "scrollTop": 0, "scrollWidth": 0, "scrollHeight": 0})
    );
    // An element without an id has id "" and dataset {}, as in WeChat.
    assert_eq!(
        res[6],
        json!({"id": "plain", "dataset": {}, "left": 0, "right": 0, "top": 0, "bottom": 0, "width": 0, "height": 0})
    );
    // A built-in's properties as the template set them (no view to ask for live state).
    assert_eq!(res[7], json!({"scrollY": true}));
    // A component's declared properties only.
    assert_eq!(res[8], json!({"id": "card", "title": "hello"}));
}

#[test]
fn query_results_take_the_view_measurements() {
    let (mut r, _src) = launch();
    r.host.answer(
        "layout",
        Ok(json!([
            {"rect": {"left": 10, "top": 20, "width": 30, "height": 40},
             "scroll": {"scrollLeft": 1, "scrollTop": 2, "scrollWidth": 300, "scrollHeight": 400}},
            {"scroll": {"scrollLeft": 0, "scrollTop": 7, "scrollWidth": 375, "scrollHeight": 900}},
        ])),
    );
    call(&mut r, "queryPlain", &[]);
    advance(&r, 0);
    let asked = requests(&r, "layout");
    assert_eq!(
        asked.last().unwrap(),
        &json!({"what": "fields", "items": [
            {"node": node(&r, "plain", "plain"), "rect": true},
            {"node": node(&r, "sv", "inside"), "scroll": true},
        ]})
    );
    assert_eq!(
        logged(&r, "plain")[0],
        json!([
            {"id": "plain", "dataset": {}, "left": 10, "right": 40, "top": 20, "bottom": 60, "width": 30, "height": 40},
            {"id": "sv", "dataset": {}, "scrollLeft": 0, "scrollTop": 7, "scrollWidth": 375, "scrollHeight": 900},
        ])
    );
}

#[test]
fn computed_style_and_builtin_properties_come_from_the_view() {
    let (r, _src) = launch();
    // One answer for every item: the view's computed style wins over `size` for width.
    r.host.answer(
        "layout",
        Ok(json!([
            {"rect": {"left": 1, "top": 2, "width": 3, "height": 4},
             "style": {"margin-left": "5px", "backgroundColor": "rgb(1, 2, 3)", "width": "3px"},
             "properties": {"scrollY": true, "scrollX": false}},
        ])),
    );
    r.app
        .eval_json(
            "wx.createSelectorQuery().select('#sv').fields({size: true, computedStyle: ['margin-left', 'backgroundColor', 'width'], properties: ['scrollY', 'scrollX']}, (res) => console.log('styled ' + JSON.stringify(res))).exec(); null",
        )
        .unwrap();
    r.app.settle().unwrap();
    advance(&r, 0);
    assert_eq!(
        logged(&r, "styled")[0],
        json!({"width": "3px", "height": 4, "scrollY": true, "scrollX": false,
               "margin-left": "5px", "backgroundColor": "rgb(1, 2, 3)"})
    );
}

#[test]
fn intersection_results_name_the_node_and_margins_may_be_partial() {
    let (mut r, _src) = launch();
    r.app.call_page_method("observe", &[]).unwrap();
    r.app.settle().unwrap();
    let ops = r.sync();
    let observe = ops
        .iter()
        .find(|o| o[0] == "observe")
        .expect("an observe op")
        .clone();
    assert_eq!(observe[2], node(&r, "box", "page box"));
    assert_eq!(observe[4], "0px 0px 100px 0px");
    let rect = json!({"left": 0, "top": 0, "right": 10, "bottom": 10, "width": 10, "height": 10});
    let entry = json!({"intersectionRatio": 1, "intersectionRect": rect, "boundingClientRect": rect,
                       "relativeRect": rect, "time": 1});
    r.app
        .send(&json!({"t": "intersection", "id": observe[1], "entry": entry}))
        .unwrap();
    r.app.settle().unwrap();
    let got = &logged(&r, "intersect")[0];
    assert_eq!(got["id"], "box");
    assert_eq!(got["dataset"], json!({"kind": "page-box"}));
    assert_eq!(got["intersectionRatio"], 1);
    assert_eq!(got["relativeRect"], rect);
}

/// `initialRatio` (0 by default) as WeChat documents it: the first entry fires only when its
/// ratio differs from it and reaches a threshold, so an element out of view does not fire at
/// once and one in view does (the glass-easel adapter had it the other way round).
#[test]
fn the_first_intersection_fires_only_for_an_element_in_view() {
    let (mut r, _src) = launch();
    r.app.call_page_method("observe", &[]).unwrap();
    r.app.settle().unwrap();
    let ops = r.sync();
    let id = ops
        .iter()
        .find(|o| o[0] == "observe")
        .expect("an observe op")[1]
        .clone();
    let entry = |ratio: f64| {
        let rect = json!({"left": 0, "top": 0, "right": 0, "bottom": 0, "width": 0, "height": 0});
        json!({"t": "intersection", "id": id, "entry": {"intersectionRatio": ratio,
               "intersectionRect": rect, "boundingClientRect": rect, "relativeRect": rect, "time": 1}})
    };
    r.app.send(&entry(0.0)).unwrap();
    r.app.settle().unwrap();
    assert!(
        logged(&r, "intersect").is_empty(),
        "out of view at first: no callback"
    );
    r.app.send(&entry(0.5)).unwrap();
    r.app.settle().unwrap();
    let got = logged(&r, "intersect");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["intersectionRatio"], 0.5);
}
