//! The `{"$bytes": "<base64>"}` convention: how binary data (ArrayBuffer) crosses the JSON
//! boundary in both directions.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::ServiceError;

/// The key of the one-field object that carries binary data.
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
