//! The legacy canvas (`<canvas canvas-id>`, `wx.createCanvasContext`): what a drawing records
//! and sends to the view as one `canvas` unit, where the canvas is looked for (the page, or
//! the component passed as `this`), when `draw`'s callback runs, and how the pixel APIs ask
//! the view (or fail clearly where there is no view).

use crate::common;

use serde_json::{Value, json};

fn files() -> Vec<(&'static str, String)> {
    vec![
        (
            "app.json",
            json!({"pages": ["pages/index/index"]}).to_string(),
        ),
        ("app.js", "App({});\n".into()),
        (
            "pages/index/index.json",
            json!({"usingComponents": {"poster": "/components/poster/poster"}}).to_string(),
        ),
        (
            "pages/index/index.wxml",
            r#"<canvas id="pic" canvas-id="pic" style="width: 100px; height: 50px"></canvas>
<poster id="poster"></poster>
"#
            .into(),
        ),
        (
            "pages/index/index.js",
            r#"let ctx = null;
Page({
  drawSmall() {
    ctx = wx.createCanvasContext('pic');
    ctx.setFillStyle('#ff0000');
    ctx.fillRect(0, 0, 10, 10);
    ctx.setFontSize(20);
    ctx.fillText('Hi', 5, 30);
    const grd = ctx.createLinearGradient(0, 0, 100, 0);
    grd.addColorStop(0, 'red');
    grd.addColorStop(1, 'blue');
    ctx.fillStyle = grd;
    ctx.fillRect(0, 20, 100, 10);
    const during = ctx.fillStyle === grd;
    const width = ctx.measureText('Hi').width;
    ctx.draw(false, () => console.log('drawn, fillStyle ' + ctx.fillStyle + ', font ' + ctx.font));
    return { width, during };
  },
  drawMore() {
    ctx.setStrokeStyle('blue');
    ctx.save();
    ctx.translate(10, 10);
    ctx.arc(20, 20, 5, 0, 6.5);
    ctx.stroke();
    ctx.restore();
    ctx.setShadow(1, 2, 3);
    ctx.setLineDash([4, 2], 1);
    ctx.setTextBaseline('normal');
    ctx.drawImage('/images/a.png', 0, 0, 10, 10);
    ctx.draw(true, () => console.log('drawn again'));
  },
  drawNowhere() {
    const c = wx.createCanvasContext('inner');
    c.fillRect(0, 0, 1, 1);
    c.draw(false, () => console.log('nowhere drawn'));
  },
  inComponent() {
    this.selectComponent('#poster').paint();
  },
  exportIt() {
    wx.canvasToTempFilePath({ canvasId: 'pic', x: 1, width: 20, fail: (e) => console.log(e.errMsg), success: (r) => console.log('exported ' + r.tempFilePath) });
  },
  exportMissing() {
    wx.canvasToTempFilePath({ canvasId: 'nope', fail: (e) => console.log(e.errMsg) });
  },
  readPixels() {
    wx.canvasGetImageData({ canvasId: 'pic', x: 0, y: 0, width: 1, height: 1,
      success: (r) => console.log('pixels ' + r.width + 'x' + r.height + ' ' + (r.data instanceof Uint8ClampedArray) + ' ' + Array.from(r.data).join(',')),
      fail: (e) => console.log(e.errMsg) });
  },
  putPixels() {
    wx.canvasPutImageData({ canvasId: 'pic', x: 2, y: 3, width: 1, data: new Uint8ClampedArray([9, 8, 7, 255]),
      success: (r) => console.log(r.errMsg), fail: (e) => console.log(e.errMsg) });
  },
  putBad() {
    wx.canvasPutImageData({ canvasId: 'pic', x: 0, y: 0, width: 2, height: 2, data: new Uint8ClampedArray(4), fail: (e) => console.log(e.errMsg) });
  },
});
"#
            .into(),
        ),
        (
            "components/poster/poster.json",
            json!({"component": true}).to_string(),
        ),
        (
            "components/poster/poster.wxml",
            r#"<canvas id="inner" canvas-id="inner" style="width: 20px; height: 20px"></canvas>"#
                .into(),
        ),
        (
            "components/poster/poster.js",
            r#"Component({
  methods: {
    paint() {
      const ctx = wx.createCanvasContext('inner', this);
      ctx.setStrokeStyle('green');
      ctx.strokeRect(1, 1, 5, 5);
      ctx.draw();
    },
  },
});
"#
            .into(),
        ),
    ]
}

fn launch() -> (common::Running, tempfile::TempDir) {
    let src = common::project(&files());
    let r = common::launch(src.path(), None);
    (r, src)
}

/// Run a page method to the end of its turns; the `canvas` messages it sent.
fn call(r: &mut common::Running, method: &str) -> (Value, Vec<Value>) {
    let out = r.app.call_page_method(method, &[]).unwrap();
    r.app.settle().unwrap();
    let msgs = r.host.take();
    let ops: Vec<Value> = msgs
        .iter()
        .filter(|m| m["t"] == "ops")
        .flat_map(|m| m["ops"].as_array().cloned().unwrap_or_default())
        .collect();
    r.tree.apply(&ops);
    let canvas = msgs.into_iter().filter(|m| m["t"] == "canvas").collect();
    (out, canvas)
}

fn requests(r: &common::Running) -> Vec<Value> {
    std::mem::take(&mut *r.host.requests.lock().unwrap())
        .into_iter()
        .filter(|(api, _)| api == "canvas")
        .map(|(_, args)| args)
        .collect()
}

#[test]
fn a_drawing_is_one_unit_for_the_canvas_and_the_callback_runs_after_the_view_drew_it() {
    let (mut r, _src) = launch();
    let pic = r.tree.by_id("pic");
    r.host.answer("canvas", Ok(json!({})));

    let (out, sent) = call(&mut r, "drawSmall");
    // measureText is answered at once: Helvetica's widths of "H" and "i" at 20px.
    assert_eq!(out["width"], 18.88);
    assert_eq!(out["during"], true, "the getter gives the gradient set");
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["node"], pic);
    let calls = sent[0]["calls"].as_array().unwrap();
    let handle = calls[5][1].clone();
    assert!(handle.is_u64(), "{calls:?}");
    assert_eq!(
        sent[0]["calls"],
        json!([
            ["draw", false],
            ["=", "fillStyle", "#ff0000"],
            ["fillRect", 0, 0, 10, 10],
            ["=", "font", "20px sans-serif"],
            ["fillText", "Hi", 5, 30],
            ["gradient", handle, "linear", 0, 0, 100, 0],
            ["addColorStop", handle, 0, "red"],
            ["addColorStop", handle, 1, "blue"],
            ["=", "fillStyle", {"handle": handle}],
            ["fillRect", 0, 20, 100, 10],
        ])
    );
    // The callback waited for the view's answer; the state starts again from the defaults.
    assert_eq!(requests(&r), [json!({"node": pic, "op": "drawn"})]);
    assert_eq!(
        r.host.take_logs(),
        ["drawn, fillStyle #000000, font 10px sans-serif"]
    );

    // draw(true) keeps what is there: the unit says so; a host that cannot answer still gets
    // the callback run.
    r.host.answers.lock().unwrap().clear();
    let (_, sent) = call(&mut r, "drawMore");
    assert_eq!(
        sent[0]["calls"],
        json!([
            ["draw", true],
            ["=", "strokeStyle", "blue"],
            ["save"],
            ["translate", 10, 10],
            ["arc", 20, 20, 5, 0, 6.5],
            ["stroke"],
            ["restore"],
            ["=", "shadowOffsetX", 1],
            ["=", "shadowOffsetY", 2],
            ["=", "shadowBlur", 3],
            ["=", "shadowColor", "black"],
            ["setLineDash", [4, 2]],
            ["=", "lineDashOffset", 1],
            ["=", "textBaseline", "alphabetic"],
            ["drawImage", "/images/a.png", 0, 0, 10, 10],
        ])
    );
    assert_eq!(r.host.take_logs(), ["drawn again"]);
}

#[test]
fn the_canvas_is_found_in_the_page_or_in_the_component_given() {
    let (mut r, _src) = launch();
    let inner = r.tree.by_id("inner");
    r.host.answer("canvas", Ok(json!({})));

    // Without `this`, WeChat looks in the page only: the component's canvas is not found,
    // nothing is drawn, the callback still runs and the console says why.
    let (_, sent) = call(&mut r, "drawNowhere");
    assert!(sent.is_empty(), "{sent:?}");
    let logs = r.host.take_logs();
    assert!(
        logs.iter()
            .any(|l| l.contains(r#"no <canvas canvas-id="inner"> in page pages/index/index"#)),
        "{logs:?}"
    );
    assert!(logs.iter().any(|l| l == "nowhere drawn"), "{logs:?}");

    // With the component as `this`, its own canvas is drawn.
    let (_, sent) = call(&mut r, "inComponent");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["node"], inner);
    assert_eq!(
        sent[0]["calls"],
        json!([
            ["draw", false],
            ["=", "strokeStyle", "green"],
            ["strokeRect", 1, 1, 5, 5]
        ])
    );
}

#[test]
fn pixel_apis_ask_the_view_and_fail_clearly_without_one() {
    let (mut r, _src) = launch();
    let pic = r.tree.by_id("pic");

    // A host without a view (cove check answers canvas requests with nothing).
    r.host.answer("canvas", Ok(Value::Null));
    call(&mut r, "exportIt");
    let req = requests(&r);
    assert_eq!(req.len(), 1);
    assert_eq!(
        [
            &req[0]["node"],
            &req[0]["op"],
            &req[0]["x"],
            &req[0]["width"],
            &req[0]["ratio"]
        ],
        [
            &json!(pic),
            &json!("snapshot"),
            &json!(1),
            &json!(20),
            &json!(2)
        ]
    );
    assert_eq!(
        r.host.take_logs(),
        [
            r#"canvasToTempFilePath:fail canvas "pic" cannot be exported: this host has no view that draws it"#
        ]
    );
    call(&mut r, "exportMissing");
    assert_eq!(
        r.host.take_logs(),
        [
            r#"canvasToTempFilePath:fail canvas is empty: no <canvas canvas-id="nope"> in page pages/index/index"#
        ]
    );
    call(&mut r, "readPixels");
    assert_eq!(
        r.host.take_logs(),
        [
            r#"canvasGetImageData:fail canvas "pic" has no pixels here: this host has no view that draws it"#
        ]
    );

    // A view's answers: pixels travel as base64 bytes both ways.
    r.host.answer(
        "canvas",
        Ok(json!({"width": 1, "height": 1, "data": {"$bytes": "AAEC/w=="}})),
    );
    requests(&r);
    call(&mut r, "readPixels");
    assert_eq!(r.host.take_logs(), ["pixels 1x1 true 0,1,2,255"]);
    let req = requests(&r);
    assert_eq!(
        req,
        [json!({"node": pic, "op": "imageData", "x": 0, "y": 0, "width": 1, "height": 1})]
    );
    call(&mut r, "putPixels");
    assert_eq!(r.host.take_logs(), ["canvasPutImageData:ok"]);
    let req = requests(&r);
    assert_eq!(
        req,
        [
            json!({"node": pic, "op": "putImageData", "x": 2, "y": 3, "width": 1, "height": 1, "data": {"$bytes": "CQgH/w=="}})
        ]
    );
    call(&mut r, "putBad");
    assert_eq!(
        r.host.take_logs(),
        [
            "canvasPutImageData:fail parameter error: data holds 4 bytes, not width * height * 4 = 16"
        ]
    );
    assert!(requests(&r).is_empty());
}
