//! `wx.uploadFile` (multipart, with send progress) and `wx.downloadFile` (streamed to disk,
//! with write progress).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt as _;
use reqwest::Body;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::{
    Inner, MAX_DOWNLOAD_BYTES, NetEvent, NetKind, TaskState, cookies_json, fail_reason,
    header_pairs, headers_json,
};
use crate::services::atomic::{sync_dir, temp_sibling};

const CHUNK: usize = 64 * 1024;

/// Emits a progress event only when the percentage moves, so a large transfer sends at
/// most about a hundred events to the JS thread.
struct Progress {
    last: Option<u64>,
    sent_key: &'static str,
    total_key: &'static str,
}

impl Progress {
    fn update(&mut self, st: &TaskState, done: u64, total: u64) {
        let pct = (done * 100).checked_div(total).unwrap_or(0).min(100);
        if self.last == Some(pct) {
            return;
        }
        self.last = Some(pct);
        st.emit(NetEvent::Progress(json!({
            "progress": pct,
            self.sent_key: done,
            self.total_key: total,
        })));
    }
}

pub(super) async fn upload(
    inner: Arc<Inner>,
    args: Value,
    st: Arc<TaskState>,
) -> Result<Value, String> {
    let url = args.get("url").and_then(Value::as_str).unwrap_or_default();
    let url = inner.check(url, NetKind::Upload)?;
    let path = args
        .get("filePath")
        .and_then(Value::as_str)
        .ok_or("fail parameter error: parameter.filePath should be String")?;
    let name = args
        .get("name")
        .and_then(Value::as_str)
        .ok_or("fail parameter error: parameter.name should be String")?;

    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| format!("fail file not found: {e}"))?;
    let total = file
        .metadata()
        .await
        .map_err(|e| format!("fail {e}"))?
        .len();

    // The file is read in chunks as the body is sent, reporting progress as it goes.
    let stream = futures_util::stream::unfold(
        (
            file,
            0u64,
            Progress {
                last: None,
                sent_key: "totalBytesSent",
                total_key: "totalBytesExpectedToSend",
            },
            st.clone(),
        ),
        move |(mut f, sent, mut progress, st)| async move {
            let mut buf = vec![0u8; CHUNK];
            match f.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    let sent = sent + n as u64;
                    progress.update(&st, sent, total);
                    Some((
                        Ok::<_, std::io::Error>(bytes::Bytes::from(buf)),
                        (f, sent, progress, st),
                    ))
                }
                Err(e) => Some((Err(e), (f, sent, progress, st))),
            }
        },
    );
    let file_name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let part = Part::stream_with_length(Body::wrap_stream(stream), total)
        .file_name(file_name)
        .mime_str(mime.as_ref())
        .map_err(|e| fail_reason(&e))?;
    let mut form = Form::new();
    if let Some(fields) = args.get("formData").and_then(Value::as_object) {
        for (k, v) in fields {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            form = form.text(k.clone(), v);
        }
    }
    let form = form.part(name.to_string(), part);

    let client = inner.client(NetKind::Upload, false, true)?;
    let mut req = client.post(url).multipart(form);
    // The multipart body sets its own content type (with the boundary).
    for (k, v) in header_pairs(&args, &["referer", "content-type", "content-length"]) {
        req = req.header(k, v);
    }
    let resp = req.send().await.map_err(|e| fail_reason(&e))?;
    let status = resp.status().as_u16();
    st.emit(headers_event(&resp));
    let data = resp.text().await.map_err(|e| fail_reason(&e))?;
    if total == 0 {
        // An empty file yields no chunk, so no progress was reported on the way.
        st.emit(NetEvent::Progress(json!({
            "progress": 100, "totalBytesSent": 0, "totalBytesExpectedToSend": 0,
        })));
    }
    Ok(json!({"data": data, "statusCode": status, "errMsg": "uploadFile:ok"}))
}

pub(super) async fn download(
    inner: Arc<Inner>,
    args: Value,
    dest: PathBuf,
    st: Arc<TaskState>,
) -> Result<Value, String> {
    let url = args.get("url").and_then(Value::as_str).unwrap_or_default();
    let url = inner.check(url, NetKind::Download)?;
    let client = inner.client(NetKind::Download, false, true)?;
    let mut req = client.get(url);
    for (k, v) in header_pairs(&args, &["referer"]) {
        req = req.header(k, v);
    }
    let resp = req.send().await.map_err(|e| fail_reason(&e))?;
    let status = resp.status().as_u16();
    st.emit(headers_event(&resp));
    let expected = resp.content_length().unwrap_or(0);
    if expected > MAX_DOWNLOAD_BYTES {
        return Err("fail exceed max file size".into());
    }

    let dir = dest.parent().ok_or("fail invalid file path")?.to_path_buf();
    let part = PartFile {
        path: temp_sibling(&dir),
        keep: false,
    };
    let mut out = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&part.path)
        .await
        .map_err(|e| format!("fail {e}"))?;
    let mut progress = Progress {
        last: None,
        sent_key: "totalBytesWritten",
        total_key: "totalBytesExpectedToWrite",
    };
    let mut written = 0u64;
    let mut body = resp.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| fail_reason(&e))?;
        written += chunk.len() as u64;
        if written > MAX_DOWNLOAD_BYTES {
            return Err("fail exceed max file size".into());
        }
        out.write_all(&chunk)
            .await
            .map_err(|e| format!("fail {e}"))?;
        progress.update(&st, written, expected.max(written));
    }
    if progress.last != Some(100) {
        // Unknown or empty length: the end is still 100%.
        st.emit(NetEvent::Progress(json!({
            "progress": 100, "totalBytesWritten": written, "totalBytesExpectedToWrite": written,
        })));
    }
    out.sync_all().await.map_err(|e| format!("fail {e}"))?;
    drop(out);
    tokio::fs::rename(&part.path, &dest)
        .await
        .map_err(|e| format!("fail {e}"))?;
    part.commit();
    sync_dir(&dir);
    Ok(json!({"statusCode": status, "errMsg": "downloadFile:ok"}))
}

/// A download's temp file: removed unless committed, also when the task is aborted (its
/// future is dropped mid-way).
struct PartFile {
    path: PathBuf,
    keep: bool,
}

impl PartFile {
    fn commit(mut self) {
        self.keep = true;
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// `onHeadersReceived` for a response: its headers, status and cookies.
fn headers_event(resp: &reqwest::Response) -> NetEvent {
    NetEvent::HeadersReceived(json!({
        "header": headers_json(resp.headers()),
        "statusCode": resp.status().as_u16(),
        "cookies": cookies_json(resp.headers()),
    }))
}
