//! The automator methods, where each runs, and how fully (the table in `docs/automator.md`
//! is checked against [`METHODS`]).

use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use super::Client;

/// How fully a method is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Support {
    Supported,
    Partial,
    NotSupported,
}

impl Support {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Supported => "supported",
            Self::Partial => "partial",
            Self::NotSupported => "not supported",
        }
    }
}

use Support::{NotSupported as No, Partial, Supported as Yes};

/// Every method of the client (miniprogram-automator 0.12), with its support.
pub const METHODS: &[(&str, Support)] = &[
    ("App.addBinding", Yes),
    ("App.callFunction", Yes),
    ("App.callWxMethod", Partial),
    ("App.captureScreenshot", Partial),
    ("App.enableLog", Yes),
    ("App.exit", Yes),
    ("App.getCurrentPage", Yes),
    ("App.getPageStack", Yes),
    ("App.mockWxMethod", Partial),
    ("Page.callMethod", Yes),
    ("Page.getData", Yes),
    ("Page.getElement", Yes),
    ("Page.getElements", Yes),
    ("Page.getElementByXpath", No),
    ("Page.getElementsByXpath", No),
    ("Page.getWindowProperties", Yes),
    ("Page.setData", Yes),
    ("Element.callContextMethod", Partial),
    ("Element.callFunction", Yes),
    ("Element.callMethod", Yes),
    ("Element.dispatchEvent", Yes),
    ("Element.getAttributes", Yes),
    ("Element.getData", Yes),
    ("Element.getDOMProperties", Yes),
    ("Element.getElement", Yes),
    ("Element.getElements", Yes),
    ("Element.getOffset", Yes),
    ("Element.getProperties", Yes),
    ("Element.getSize", Yes),
    ("Element.getStyles", Yes),
    ("Element.getWXML", Yes),
    ("Element.input", Yes),
    ("Element.longpress", Yes),
    ("Element.setData", Yes),
    ("Element.tap", Yes),
    ("Element.touchend", Yes),
    ("Element.touchmove", Yes),
    ("Element.touchstart", Yes),
    ("Element.trigger", Yes),
    ("Element.triggerEvent", Yes),
    ("Tool.close", Yes),
    ("Tool.getInfo", Yes),
    ("Tool.native", Partial),
    ("Tool.enableRemoteDebug", No),
    ("Tool.getTestAccounts", No),
    ("Tool.stopAudits", No),
    ("Tool.getTicket", No),
    ("Tool.setTicket", No),
    ("Tool.refreshTicket", No),
];

/// The view node behind an element handle.
fn node(params: &Value) -> Result<u64, String> {
    let id = &params["elementId"];
    let text = id.as_str().map_or_else(|| id.to_string(), str::to_string);
    text.parse::<u64>().map_err(|_| {
        format!("element {text} has no box in the view (a virtual-host component, or not an element handle)")
    })
}

fn names(params: &Value) -> Value {
    match &params["names"] {
        Value::Array(a) => Value::Array(a.clone()),
        _ => json!([]),
    }
}

/// Answer one method.
pub(super) async fn call(c: &Client, method: &str, params: Value) -> Result<Value, String> {
    match method {
        "Tool.getInfo" => {
            let v = c
                .container(
                    "App.callWxMethod",
                    json!({"method": "getSystemInfoSync", "args": []}),
                    None,
                )
                .await?;
            Ok(json!({"SDKVersion": v["result"]["SDKVersion"], "platform": "cove"}))
        }
        "Tool.close" => Ok(json!({})),
        "Tool.native" => {
            let m = params["method"].as_str().unwrap_or("");
            c.act(json!({"op": "native", "method": m, "data": params["data"]}))
                .await?;
            Ok(json!({}))
        }
        "App.enableLog" => {
            c.log.store(true, Ordering::Relaxed);
            Ok(json!({}))
        }
        "App.exit" => exit(c).await,
        "App.captureScreenshot" => screenshot(c).await,
        "App.callFunction" | "App.mockWxMethod" => {
            let mut p = params;
            let f = p
                .as_object_mut()
                .and_then(|o| o.remove("functionDeclaration"))
                .and_then(|f| f.as_str().map(str::to_string));
            if method == "App.callFunction" && f.is_none() {
                return Err("App.callFunction needs a functionDeclaration".into());
            }
            c.container(method, p, f).await
        }
        "Page.getWindowProperties" => {
            let v = c
                .view(json!({"op": "windowProperties", "names": names(&params)}))
                .await?;
            Ok(json!({"properties": v}))
        }
        "Element.tap" => act(c, "tap", &params).await,
        "Element.longpress" => act(c, "longpress", &params).await,
        "Element.touchstart" | "Element.touchmove" | "Element.touchend" => {
            let phase = method.trim_start_matches("Element.touch");
            c.act(json!({
                "op": "touch", "node": node(&params)?, "phase": phase,
                "touches": params["touches"], "changedTouches": params["changedTouches"],
            }))
            .await?;
            Ok(json!({}))
        }
        "Element.getDOMProperties" => {
            let v = c
                .view(json!({"op": "domProperties", "node": node(&params)?, "names": names(&params)}))
                .await?;
            Ok(json!({"properties": v}))
        }
        "Element.getProperties" if params.get("nodeId").is_none() => {
            let v = c
                .view(json!({"op": "properties", "node": node(&params)?, "names": names(&params)}))
                .await?;
            Ok(json!({"properties": v}))
        }
        "Element.getStyles" => {
            let v = c
                .view(json!({"op": "styles", "node": node(&params)?, "names": names(&params)}))
                .await?;
            Ok(json!({"styles": v}))
        }
        "Element.getOffset" => {
            c.view(json!({"op": "offset", "node": node(&params)?}))
                .await
        }
        "Element.getSize" => c.view(json!({"op": "size", "node": node(&params)?})).await,
        // The view answers `{result}` already.
        "Element.callFunction" => {
            c.act(json!({
                "op": "call", "node": node(&params)?,
                "name": params["functionName"], "args": params.get("args").cloned().unwrap_or(json!([])),
            }))
            .await
        }
        // Older clients and minium name these directly.
        "Element.input" => {
            let n = node(&params)?;
            let value = params.get("value").cloned().unwrap_or(Value::Null);
            let input = |name: &str| json!({"op": "call", "node": n, "name": name, "args": [value]});
            match c.act(input("input.input")).await {
                Err(e) if e.contains("needs a") => c.act(input("textarea.input")).await,
                r => r,
            }?;
            Ok(json!({}))
        }
        "Element.trigger" => c.container("Element.triggerEvent", params, None).await,
        "Element.dispatchEvent" => {
            c.act(json!({
                "op": "dispatch", "node": node(&params)?,
                "eventName": params["eventName"], "eventData": params["eventData"],
            }))
            .await?;
            Ok(json!({}))
        }
        "Element.callContextMethod" => {
            c.act(json!({
                "op": "context", "node": node(&params)?,
                "method": params["method"], "args": params.get("args").cloned().unwrap_or(json!([])),
            }))
            .await?;
            Ok(json!({"result": null}))
        }
        m if METHODS.iter().any(|(name, s)| *name == m && *s != No) => {
            c.container(m, params, None).await
        }
        m => Err(format!(
            "{m} is not supported by Cove's automator (docs/automator.md lists what is)"
        )),
    }
}

async fn act(c: &Client, op: &str, params: &Value) -> Result<Value, String> {
    c.act(json!({"op": op, "node": node(params)?})).await?;
    Ok(json!({}))
}

/// `App.exit`: the app closes; the view reopens it cold at its entry page, as the next launch
/// would, and later steps drive that new app.
async fn exit(c: &Client) -> Result<Value, String> {
    // A stopped app may exit too: that is how a suite starts it again.
    let (id, s) = c.any_session().await?;
    let entry = match &*crate::current(&c.shared) {
        crate::Build::Ready(p) => p.summary["entry"].as_str().unwrap_or("").to_string(),
        crate::Build::Failed(_) => String::new(),
    };
    c.min_session.store(id + 1, Ordering::Relaxed);
    s.host.to_view(&cove_protocol::view::HostMessage::Reload {
        path: Some(entry),
        query: Some(json!("")),
    });
    // The next step waits for the new session; this one waits so that `exit` means exited.
    c.session().await?;
    Ok(json!({}))
}

async fn screenshot(c: &Client) -> Result<Value, String> {
    let (_, s) = c.session().await?;
    let browser = c.shared.browser.lock().await.clone();
    match browser {
        Some(b) if s.host.launched_by_cove => {
            let data = b.screenshot().await.map_err(|e| e.to_string())?;
            Ok(json!({"data": data}))
        }
        _ => Err("App.captureScreenshot needs the view that cove opens itself: run `cove test-server`, or close the simulator tab so that `cove dev --automator` opens a headless one".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::METHODS;

    /// `docs/automator.md` lists exactly these methods, each with its support.
    #[test]
    fn the_docs_table_matches_the_server() {
        let doc = include_str!("../../../../docs/automator.md");
        let start = doc.find("## Methods").expect("a Methods section");
        let end = doc[start..]
            .find("## Events")
            .map_or(doc.len(), |e| start + e);
        let table = &doc[start..end];
        let rows: Vec<(&str, &str)> = table
            .lines()
            .filter_map(|l| {
                let cells: Vec<&str> = l.split('|').map(str::trim).collect();
                let name = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                Some((name, *cells.get(2)?))
            })
            .collect();
        for (name, support) in METHODS {
            assert!(
                rows.contains(&(name, support.as_str())),
                "docs/automator.md: no row `{name}` | {}",
                support.as_str()
            );
        }
        for (name, _) in &rows {
            assert!(
                METHODS.iter().any(|(m, _)| m == name),
                "docs/automator.md lists {name}, which the server does not know"
            );
        }
        assert_eq!(rows.len(), METHODS.len());
    }
}
