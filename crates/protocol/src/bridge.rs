//! The calls between the container's JS runtime and its Rust services, as types.
//!
//! The runtime (`crates/container/js/runtime`) reaches Rust through one object of natives,
//! [`Native`]. Three of them carry named calls, each name a variant here, so that the Rust
//! dispatcher matches on a typed enum and a name one side renames fails on the other:
//! - `call(name, args, bufs) -> answer`: a synchronous service call, [`Call`];
//! - `start(name, args, bufs) -> id`: an asynchronous task, [`Task`], whose events come back
//!   as the runtime's `deliver(id, kind, payload, bufs)`;
//! - `taskCall(id, method, args, bufs) -> answer`: a call on a running task, [`TaskCall`].
//!
//! # Binary data
//! `args` and `payload` are JSON text; the binary parts of a value (ArrayBuffers, typed
//! arrays) do not go into it. Each crosses as bytes, in `bufs`, an array of ArrayBuffers
//! beside the text, and the JSON holds `{"$buf": i}` ([`BUF_KEY`]) where `bufs[i]` belongs.
//! An answer without binary parts is the text `{"ok": value}` or `{"err": "fail ..."}`; with
//! them it is `[text, buf0, buf1, ...]`. (Like `{"$bytes"}` before it, an app's own object
//! that is exactly `{"$buf": n}`, sent beside binary data, would be read as a marker.)

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The key of the one-field object that stands for a binary part: `{"$buf": i}`.
pub const BUF_KEY: &str = "$buf";

/// A call the bridge cannot take: a name neither side defines, or arguments of the wrong
/// shape. The runtime sees its message as the tail of `errMsg`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BridgeError {
    #[error("{0} is not a native call")]
    UnknownCall(String),
    #[error("{0} is not a native task")]
    UnknownTask(String),
    #[error("{0} is not supported by this task")]
    UnknownMethod(String),
    #[error("parameter error: {name}: {reason}")]
    Args { name: &'static str, reason: String },
}

/// Defines a unit enum of names with its wire spelling, `ALL`, `as_str` and `FromStr`.
macro_rules! names {
    ($(#[$meta:meta])* $vis:vis enum $Name:ident / $err:ident { $($(#[$vmeta:meta])* $Variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        $vis enum $Name {
            $($(#[$vmeta])* #[serde(rename = $text)] $Variant,)*
        }

        impl $Name {
            /// Every name, in declaration order.
            pub const ALL: &'static [$Name] = &[$($Name::$Variant,)*];

            /// The name as the runtime's JS spells it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($Name::$Variant => $text,)*
                }
            }
        }

        impl FromStr for $Name {
            type Err = BridgeError;

            fn from_str(s: &str) -> Result<Self, BridgeError> {
                match s {
                    $($text => Ok($Name::$Variant),)*
                    _ => Err(BridgeError::$err(s.to_string())),
                }
            }
        }

        impl fmt::Display for $Name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names! {
    /// The functions of the natives object (`__coveNative`), which the runtime takes and
    /// removes from the global scope before app code runs.
    pub enum Native / UnknownCall {
        /// `bind(control)`: the runtime hands over its control object, once.
        Bind = "bind",
        /// `dataSize(changes, upTo) -> n`: the JSON length of a `setData` update.
        DataSize = "dataSize",
        /// `call(name, args, bufs) -> answer`: a [`Call`].
        Call = "call",
        /// `start(name, args, bufs) -> id`: a [`Task`].
        Start = "start",
        /// `taskCall(id, method, args, bufs) -> answer`: a [`TaskCall`].
        TaskCall = "taskCall",
        /// `post(json)`: a message for the view or host.
        Post = "post",
        /// `pace() -> ms`: release paced messages; when to call again.
        Pace = "pace",
        /// `base64Encode(Uint8Array) -> string`: `wx.arrayBufferToBase64`.
        Base64Encode = "base64Encode",
        /// `base64Decode(string) -> ArrayBuffer`: `wx.base64ToArrayBuffer`.
        Base64Decode = "base64Decode",
    }
}

names! {
    /// The names of the synchronous calls, `call(name, ...)`.
    pub enum CallName / UnknownCall {
        StorageSet = "storage.set",
        StorageGet = "storage.get",
        StorageRemove = "storage.remove",
        StorageClear = "storage.clear",
        StorageInfo = "storage.info",
        StorageBatchSet = "storage.batchSet",
        StorageBatchGet = "storage.batchGet",
        Fs = "fs",
        Html = "html",
        Gc = "gc",
        Random = "random",
    }
}

names! {
    /// The names of the asynchronous tasks, `start(name, ...)`.
    pub enum TaskName / UnknownTask {
        Request = "request",
        UploadFile = "uploadFile",
        DownloadFile = "downloadFile",
        ConnectSocket = "connectSocket",
        Host = "host",
    }
}

names! {
    /// The methods of a running task, `taskCall(id, method, ...)`.
    pub enum TaskMethod / UnknownMethod {
        /// Abort a request, upload or download.
        Abort = "abort",
        /// Send a frame on a socket.
        Send = "send",
        /// Close a socket.
        Close = "close",
    }
}

names! {
    /// The `FileSystemManager` methods the `fs` call runs, by WeChat's names without `Sync`.
    pub enum FsMethod / UnknownCall {
        Access = "access",
        ReadFile = "readFile",
        WriteFile = "writeFile",
        /// A new temp file from bytes the runtime made (`canvasToTempFilePath`).
        WriteTemp = "writeTemp",
        AppendFile = "appendFile",
        CopyFile = "copyFile",
        GetFileInfo = "getFileInfo",
        Mkdir = "mkdir",
        Readdir = "readdir",
        Rename = "rename",
        Rmdir = "rmdir",
        Stat = "stat",
        Unlink = "unlink",
        Truncate = "truncate",
        SaveFile = "saveFile",
        Unzip = "unzip",
        RemoveSavedFile = "removeSavedFile",
        GetSavedFileList = "getSavedFileList",
        GetSavedFileInfo = "getSavedFileInfo",
    }
}

/// One entry of `storage.batchSet`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyValue {
    pub key: String,
    #[serde(default)]
    pub value: Value,
}

/// A synchronous call with its arguments. Values the app gave (`data`, `args`) stay JSON:
/// the services check them with WeChat's own parameter errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", content = "args")]
pub enum Call {
    #[serde(rename = "storage.set")]
    StorageSet {
        key: String,
        #[serde(default)]
        data: Value,
    },
    #[serde(rename = "storage.get")]
    StorageGet { key: String },
    #[serde(rename = "storage.remove")]
    StorageRemove { key: String },
    #[serde(rename = "storage.clear")]
    StorageClear {},
    #[serde(rename = "storage.info")]
    StorageInfo {},
    #[serde(rename = "storage.batchSet")]
    StorageBatchSet {
        #[serde(rename = "kvList", default)]
        kv_list: Vec<KeyValue>,
    },
    #[serde(rename = "storage.batchGet")]
    StorageBatchGet {
        #[serde(rename = "keyList", default)]
        key_list: Vec<String>,
    },
    /// A `FileSystemManager` method with the object form of its arguments.
    #[serde(rename = "fs")]
    Fs {
        method: FsMethod,
        #[serde(default)]
        args: Value,
    },
    /// Rich text's `nodes` from an HTML string.
    #[serde(rename = "html")]
    Html { html: String },
    /// The runtime closed pages, or caught an allocation failure: collect garbage.
    #[serde(rename = "gc")]
    Gc {},
    /// `wx.getRandomValues`: `length` bytes from the operating system.
    #[serde(rename = "random")]
    Random {
        #[serde(default)]
        length: Value,
    },
}

/// An asynchronous task with its arguments: the WeChat option object of the API (without
/// callbacks), or a request for the host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", content = "args")]
pub enum Task {
    #[serde(rename = "request")]
    Request(Value),
    #[serde(rename = "uploadFile")]
    UploadFile(Value),
    #[serde(rename = "downloadFile")]
    DownloadFile(Value),
    #[serde(rename = "connectSocket")]
    ConnectSocket(Value),
    /// Something only a person or the device can answer (`showModal`, `login`, layout).
    #[serde(rename = "host")]
    Host {
        api: String,
        #[serde(default)]
        args: Value,
    },
}

/// A call on a running task with its arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", content = "args")]
pub enum TaskCall {
    #[serde(rename = "abort")]
    Abort {},
    /// `data`: a string (a text frame) or a binary part (a binary frame).
    #[serde(rename = "send")]
    Send {
        #[serde(default)]
        data: Value,
    },
    /// WeChat's defaults: code 1000, empty reason; both taken leniently, as given.
    #[serde(rename = "close")]
    Close {
        #[serde(default)]
        code: Value,
        #[serde(default)]
        reason: Value,
    },
}

/// Reads `{"name": name, "args": args}` once `name` is known to be one of `N`.
fn parse<T: serde::de::DeserializeOwned>(
    tag: &str,
    name: &'static str,
    args: Value,
) -> Result<T, BridgeError> {
    // `undefined` arguments come as null: the same as none.
    let args = if args.is_null() {
        Value::Object(Default::default())
    } else {
        args
    };
    let mut m = serde_json::Map::new();
    m.insert(tag.to_string(), Value::String(name.to_string()));
    m.insert("args".to_string(), args);
    serde_json::from_value(Value::Object(m)).map_err(|e| BridgeError::Args {
        name,
        reason: e.to_string(),
    })
}

impl Call {
    /// The call `name` with `args`; an unknown name or a wrong shape is a [`BridgeError`].
    pub fn parse(name: &str, args: Value) -> Result<Call, BridgeError> {
        let name: CallName = name.parse()?;
        parse("name", name.as_str(), args)
    }

    pub fn name(&self) -> CallName {
        match self {
            Call::StorageSet { .. } => CallName::StorageSet,
            Call::StorageGet { .. } => CallName::StorageGet,
            Call::StorageRemove { .. } => CallName::StorageRemove,
            Call::StorageClear {} => CallName::StorageClear,
            Call::StorageInfo {} => CallName::StorageInfo,
            Call::StorageBatchSet { .. } => CallName::StorageBatchSet,
            Call::StorageBatchGet { .. } => CallName::StorageBatchGet,
            Call::Fs { .. } => CallName::Fs,
            Call::Html { .. } => CallName::Html,
            Call::Gc {} => CallName::Gc,
            Call::Random { .. } => CallName::Random,
        }
    }
}

impl Task {
    /// The task `name` with `args`; an unknown name or a wrong shape is a [`BridgeError`].
    pub fn parse(name: &str, args: Value) -> Result<Task, BridgeError> {
        let name: TaskName = name.parse()?;
        parse("name", name.as_str(), args)
    }

    pub fn name(&self) -> TaskName {
        match self {
            Task::Request(_) => TaskName::Request,
            Task::UploadFile(_) => TaskName::UploadFile,
            Task::DownloadFile(_) => TaskName::DownloadFile,
            Task::ConnectSocket(_) => TaskName::ConnectSocket,
            Task::Host { .. } => TaskName::Host,
        }
    }
}

impl TaskCall {
    /// The task method `method` with `args`; an unknown method or a wrong shape is a
    /// [`BridgeError`].
    pub fn parse(method: &str, args: Value) -> Result<TaskCall, BridgeError> {
        let method: TaskMethod = method.parse()?;
        parse("method", method.as_str(), args)
    }

    pub fn method(&self) -> TaskMethod {
        match self {
            TaskCall::Abort {} => TaskMethod::Abort,
            TaskCall::Send { .. } => TaskMethod::Send,
            TaskCall::Close { .. } => TaskMethod::Close,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The serde spelling of every name is the one `as_str` gives and `from_str` takes.
    fn spelled_alike<N>(all: &[N])
    where
        N: Serialize + FromStr<Err = BridgeError> + fmt::Display + PartialEq + fmt::Debug + Copy,
    {
        for n in all {
            assert_eq!(serde_json::to_value(n).unwrap(), json!(n.to_string()));
            assert_eq!(n.to_string().parse::<N>().unwrap(), *n);
        }
    }

    #[test]
    fn names_are_spelled_alike_everywhere() {
        spelled_alike(Native::ALL);
        spelled_alike(CallName::ALL);
        spelled_alike(TaskName::ALL);
        spelled_alike(TaskMethod::ALL);
        spelled_alike(FsMethod::ALL);
    }

    #[test]
    fn every_name_parses_to_its_variant() {
        for n in CallName::ALL {
            let args = match n {
                CallName::StorageSet | CallName::StorageGet | CallName::StorageRemove => {
                    json!({"key": "k"})
                }
                CallName::Fs => json!({"method": "stat", "args": {"path": "/"}}),
                CallName::Html => json!({"html": "<b>x</b>"}),
                _ => Value::Null,
            };
            let call = Call::parse(n.as_str(), args).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_eq!(call.name(), *n);
        }
        for n in TaskName::ALL {
            let task = Task::parse(n.as_str(), json!({"api": "x", "url": "u"})).unwrap();
            assert_eq!(task.name(), *n);
        }
        for m in TaskMethod::ALL {
            let call = TaskCall::parse(m.as_str(), Value::Null).unwrap();
            assert_eq!(call.method(), *m);
        }
    }

    #[test]
    fn arguments_are_typed() {
        assert_eq!(
            Call::parse(
                "storage.batchSet",
                json!({"kvList": [{"key": "a", "value": [1]}]})
            ),
            Ok(Call::StorageBatchSet {
                kv_list: vec![KeyValue {
                    key: "a".into(),
                    value: json!([1])
                }]
            })
        );
        assert_eq!(
            Call::parse(
                "fs",
                json!({"method": "readFile", "args": {"filePath": "p"}})
            ),
            Ok(Call::Fs {
                method: FsMethod::ReadFile,
                args: json!({"filePath": "p"})
            })
        );
        assert_eq!(
            TaskCall::parse("close", json!({"code": 4000})),
            Ok(TaskCall::Close {
                code: json!(4000),
                reason: Value::Null
            })
        );
        assert!(matches!(
            Call::parse("storage.get", json!({"key": 5})),
            Err(BridgeError::Args {
                name: "storage.get",
                ..
            })
        ));
        assert!(matches!(
            Call::parse("fs", json!({"method": "format", "args": {}})),
            Err(BridgeError::Args { name: "fs", .. })
        ));
    }

    #[test]
    fn unknown_names_are_typed_errors() {
        assert_eq!(
            Call::parse("storage.drop", Value::Null),
            Err(BridgeError::UnknownCall("storage.drop".into()))
        );
        assert_eq!(
            Task::parse("teleport", Value::Null)
                .unwrap_err()
                .to_string(),
            "teleport is not a native task"
        );
        assert_eq!(
            TaskCall::parse("pause", Value::Null),
            Err(BridgeError::UnknownMethod("pause".into()))
        );
        assert!("nope".parse::<Native>().is_err());
    }
}
