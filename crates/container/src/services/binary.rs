//! Binary data in the services. Across the bridge it travels as bytes ([`Data::Bytes`], the
//! `data` of an [`Answer`]); where it must live inside JSON (storage at rest, the host's and
//! the view's messages, the services' JSON contract) it is `{"$bytes": "<base64>"}`.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::ServiceError;

/// The key of the one-field object that carries binary data inside JSON.
pub const BYTES_KEY: &str = "$bytes";

/// `{"$bytes": "<base64 standard>"}` for `data`.
pub fn bytes_value(data: &[u8]) -> Value {
    let mut m = Map::new();
    m.insert(BYTES_KEY.into(), Value::String(STANDARD.encode(data)));
    Value::Object(m)
}

/// The bytes a `{"$bytes": ...}` object carries; `None` when `v` is not such an object.
pub fn value_bytes(v: &Value) -> Option<Result<Vec<u8>, ServiceError>> {
    let obj = v.as_object()?;
    if obj.len() != 1 {
        return None;
    }
    let b64 = obj.get(BYTES_KEY)?;
    Some(match b64.as_str() {
        Some(s) => STANDARD
            .decode(s)
            .map_err(|_| ServiceError::fail("base64 encode error")),
        None => Err(ServiceError::fail("base64 encode error")),
    })
}

/// `wx.arrayBufferToBase64`: standard base64 with padding.
pub fn to_base64(data: &[u8]) -> String {
    STANDARD.encode(data)
}

/// Decodes whatever groups of four are there, no padding asked, leftover bits kept.
const LOOSE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// `wx.base64ToArrayBuffer`, which never fails: every character outside the standard
/// alphabet (padding included) is skipped, and a last lone character, which holds less
/// than a byte, is dropped.
pub fn from_base64_lenient(s: &str) -> Vec<u8> {
    let mut clean: Vec<u8> = s
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        .collect();
    if clean.len() % 4 == 1 {
        clean.pop();
    }
    LOOSE
        .decode(&clean)
        .expect("only alphabet characters, in a length base64 can end on")
}

/// A value that may be binary: a socket frame, a request's body, a file's contents.
#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    Json(Value),
    Bytes(Vec<u8>),
}

impl Data {
    /// From the JSON contract: a `{"$bytes"}` object is bytes (an error when its base64 is
    /// not), anything else JSON.
    pub fn from_json(v: Value) -> Result<Data, ServiceError> {
        match value_bytes(&v) {
            Some(b) => b.map(Data::Bytes),
            None => Ok(Data::Json(v)),
        }
    }

    /// To the JSON contract: bytes as `{"$bytes"}`.
    pub fn into_json(self) -> Value {
        match self {
            Data::Json(v) => v,
            Data::Bytes(b) => bytes_value(&b),
        }
    }
}

impl Serialize for Data {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Data::Json(v) => v.serialize(s),
            Data::Bytes(b) => bytes_value(b).serialize(s),
        }
    }
}

/// A success object whose `data` field may be binary (`readFile` without an encoding, a
/// request with `responseType: "arraybuffer"`): then `json` has no `data` and `bytes` holds
/// it, so that it can cross the bridge as bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub json: Value,
    pub bytes: Option<Vec<u8>>,
}

impl Answer {
    /// An answer that is JSON only.
    pub fn json(json: Value) -> Answer {
        Answer { json, bytes: None }
    }

    /// `json` with `data` beside it: out of line when binary.
    pub fn with_data(json: Value, data: Data) -> Answer {
        match data {
            Data::Bytes(b) => Answer {
                json,
                bytes: Some(b),
            },
            Data::Json(v) => Answer::json(data_first(json, v)),
        }
    }

    /// To the JSON contract: binary `data` as `{"$bytes"}`.
    pub fn into_json(self) -> Value {
        match self.bytes {
            Some(b) => data_first(self.json, bytes_value(&b)),
            None => self.json,
        }
    }
}

/// `json` (an object) with `data` as its first field, where WeChat's success objects
/// have it.
pub fn data_first(json: Value, data: Value) -> Value {
    let mut m = Map::new();
    m.insert("data".into(), data);
    if let Value::Object(rest) = json {
        m.extend(rest.into_iter().filter(|(k, _)| k != "data"));
    }
    Value::Object(m)
}

impl std::ops::Index<&str> for Answer {
    type Output = Value;

    /// A field of the JSON part (binary `data` is not there: see [`Answer::bytes`]).
    fn index(&self, key: &str) -> &Value {
        &self.json[key]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trip() {
        let v = bytes_value(&[0, 1, 2, 255]);
        assert_eq!(v, serde_json::json!({"$bytes": "AAEC/w=="}));
        assert_eq!(value_bytes(&v).unwrap().unwrap(), vec![0, 1, 2, 255]);
        assert!(value_bytes(&serde_json::json!({"a": 1})).is_none());
        assert!(value_bytes(&serde_json::json!("x")).is_none());
        assert!(
            value_bytes(&serde_json::json!({"$bytes": "%%"}))
                .unwrap()
                .is_err()
        );
    }

    /// The runtime's JS decoder did exactly this; `wx.base64ToArrayBuffer` keeps it.
    #[test]
    fn lenient_base64_as_the_runtime_decoded_it() {
        assert_eq!(from_base64_lenient("AAEC/w=="), [0, 1, 2, 255]);
        assert_eq!(from_base64_lenient("AAEC/w"), [0, 1, 2, 255]);
        assert_eq!(from_base64_lenient("aGVsbG8"), b"hello");
        assert_eq!(from_base64_lenient(" aG\nVs-bG8=* "), b"hello");
        // A lone last character is less than a byte.
        assert_eq!(from_base64_lenient("aGVsbG8xZ"), b"hello1");
        assert_eq!(from_base64_lenient("Q"), b"");
        assert_eq!(from_base64_lenient(""), b"");
        // Bits past the last byte are dropped, not refused.
        assert_eq!(from_base64_lenient("QR"), b"A");
        assert_eq!(
            from_base64_lenient("undefined"),
            STANDARD.decode("undefine").unwrap()
        );
        assert_eq!(to_base64(&[0, 1, 2, 255]), "AAEC/w==");
    }

    #[test]
    fn answers_keep_binary_data_out_of_line() {
        let a = Answer::with_data(json!({"statusCode": 200}), Data::Bytes(vec![0, 255]));
        assert_eq!(a.json, json!({"statusCode": 200}));
        assert_eq!(a["statusCode"], json!(200));
        let j = a.into_json();
        assert_eq!(j, json!({"data": {"$bytes": "AP8="}, "statusCode": 200}));
        assert_eq!(j.as_object().unwrap().keys().next().unwrap(), "data");
        let a = Answer::with_data(json!({}), Data::Json(json!("text")));
        assert_eq!(a.bytes, None);
        assert_eq!(a.into_json(), json!({"data": "text"}));
        assert_eq!(
            Data::from_json(json!({"$bytes": "AP8="})).unwrap(),
            Data::Bytes(vec![0, 255])
        );
        assert_eq!(
            serde_json::to_value(Data::Bytes(vec![0])).unwrap(),
            json!({"$bytes": "AA=="})
        );
    }
}
