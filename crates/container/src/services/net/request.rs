//! `wx.request`: WeChat's rules for turning `data` into a query string or a body, and the
//! response into `{data, statusCode, header, cookies}`.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};

use super::{
    Inner, NetEvent, NetKind, TaskState, cookies_json, fail_reason, header_pairs, headers_json,
};
use crate::services::binary::value_bytes;
use crate::services::{Answer, Data};

const METHODS: [&str; 8] = [
    "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT",
];

pub(super) async fn run(
    inner: Arc<Inner>,
    args: Value,
    bin: Option<Vec<u8>>,
    st: Arc<TaskState>,
) -> Result<Answer, String> {
    let url = args.get("url").and_then(Value::as_str).unwrap_or_default();
    let mut url = inner.check(url, NetKind::Request)?;
    let method = args
        .get("method")
        .and_then(Value::as_str)
        .unwrap_or("GET")
        .to_ascii_uppercase();
    if !METHODS.contains(&method.as_str()) {
        return Err(format!("fail invalid method: {method}"));
    }
    let method = Method::from_bytes(method.as_bytes()).map_err(|e| format!("fail {e}"))?;

    // WeChat sends JSON unless told otherwise, and sets Referer itself.
    let mut headers = header_pairs(&args, &["referer"]);
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("content-type".into(), "application/json".into()));
    }
    let content_type = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();

    let data = args.get("data").unwrap_or(&Value::Null);
    let mut body: Option<Vec<u8>> = None;
    if let Some(bytes) = bin {
        body = Some(bytes);
    } else if let Some(bytes) = value_bytes(data) {
        body = Some(bytes.map_err(|e| e.msg)?);
    } else if method == Method::GET {
        let q = match data {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Object(_) => query_string(data),
            other => other.to_string(),
        };
        if !q.is_empty() {
            let joined = match url.query() {
                Some(old) if !old.is_empty() => format!("{old}&{q}"),
                _ => q,
            };
            url.set_query(Some(&joined));
        }
    } else {
        body = match data {
            Value::Null => None,
            Value::String(s) => Some(s.clone().into_bytes()),
            v if content_type.contains("application/x-www-form-urlencoded") && v.is_object() => {
                Some(query_string(v).into_bytes())
            }
            v => Some(v.to_string().into_bytes()),
        };
    }

    let cookies = args
        .get("enableCookie")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let follow = args.get("redirect").and_then(Value::as_str) != Some("manual");
    let client = inner.client(NetKind::Request, cookies, follow)?;
    let mut req = client.request(method, url);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    if let Some(b) = body {
        req = req.body(b);
    }
    let resp = req.send().await.map_err(|e| fail_reason(&e))?;

    let status = resp.status().as_u16();
    let header = headers_json(resp.headers());
    let cookies = cookies_json(resp.headers());
    st.emit(NetEvent::HeadersReceived(json!({
        "header": header, "statusCode": status, "cookies": cookies,
    })));

    let array_buffer = args.get("responseType").and_then(Value::as_str) == Some("arraybuffer");
    let fields = json!({
        "statusCode": status,
        "header": header,
        "cookies": cookies,
        "errMsg": "request:ok",
    });
    if array_buffer {
        let body = resp.bytes().await.map_err(|e| fail_reason(&e))?;
        return Ok(Answer {
            json: fields,
            bytes: Some(body.into()),
        });
    }
    let data = {
        let text = resp.text().await.map_err(|e| fail_reason(&e))?;
        let json_wanted = args
            .get("dataType")
            .and_then(Value::as_str)
            .unwrap_or("json")
            == "json";
        // As WeChat: parse when asked and possible, else hand back the text.
        match json_wanted
            .then(|| serde_json::from_str::<Value>(text.trim_start_matches('\u{feff}')))
        {
            Some(Ok(v)) => v,
            _ => Value::String(text),
        }
    };
    Ok(Answer::with_data(fields, Data::Json(data)))
}

/// `k=v&...` as WeChat builds it: `encodeURIComponent` on both sides, strings as they are,
/// other values JSON-stringified.
pub(super) fn query_string(data: &Value) -> String {
    let Some(obj) = data.as_object() else {
        return String::new();
    };
    obj.iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("{}={}", encode_uri_component(k), encode_uri_component(&v))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// JavaScript's `encodeURIComponent`.
fn encode_uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'~'
            | b'*'
            | b'\''
            | b'('
            | b')' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings() {
        let q = query_string(&json!({"a": "x y", "b": 1, "c": true, "d": {"e": [1]}, "é": "&="}));
        assert_eq!(
            q,
            "a=x%20y&b=1&c=true&d=%7B%22e%22%3A%5B1%5D%7D&%C3%A9=%26%3D"
        );
        assert_eq!(encode_uri_component("-_.!~*'()"), "-_.!~*'()");
    }
}
