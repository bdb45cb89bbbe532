//! The string encodings of `readFile`/`writeFile`, as Node.js `Buffer` understands them
//! (WeChat's file system follows Node here).

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::Value;

use crate::services::ServiceError;
use crate::services::binary::{Data, value_bytes};

/// Lenient like Node: padding optional, whitespace and stray characters skipped.
const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Bytes → the data `readFile` answers: a string for an encoding, the bytes without one.
pub fn decode(bytes: Vec<u8>, encoding: Option<&str>) -> Result<Data, ServiceError> {
    let Some(enc) = encoding else {
        return Ok(Data::Bytes(bytes));
    };
    let s = match normalize(enc)? {
        Enc::Utf8 => String::from_utf8_lossy(&bytes).into_owned(),
        Enc::Base64 => base64::engine::general_purpose::STANDARD.encode(&bytes),
        Enc::Hex => hex::encode(&bytes),
        Enc::Latin1 => bytes.iter().map(|&b| b as char).collect(),
        Enc::Ascii => bytes.iter().map(|&b| (b & 0x7f) as char).collect(),
        Enc::Utf16Le => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
    };
    Ok(Data::Json(Value::String(s)))
}

/// The bytes `writeFile`/`appendFile` write: `$bytes` as they are, a string in `encoding`
/// (utf8 by default).
pub fn encode(data: &Value, encoding: Option<&str>) -> Result<Vec<u8>, ServiceError> {
    if let Some(b) = value_bytes(data) {
        return b;
    }
    let Some(s) = data.as_str() else {
        return Err(ServiceError::fail(
            "parameter error: parameter.data should be String/ArrayBuffer",
        ));
    };
    Ok(match normalize(encoding.unwrap_or("utf8"))? {
        Enc::Utf8 => s.as_bytes().to_vec(),
        Enc::Base64 => {
            let clean: String = s
                .chars()
                .filter_map(|c| match c {
                    'A'..='Z' | 'a'..='z' | '0'..='9' | '+' | '/' => Some(c),
                    '-' => Some('+'),
                    '_' => Some('/'),
                    _ => None,
                })
                .collect();
            LENIENT_B64
                .decode(clean.as_bytes())
                .map_err(|_| ServiceError::fail("base64 encode error"))?
        }
        // Node stops at the first pair that is not hex.
        Enc::Hex => s
            .as_bytes()
            .chunks_exact(2)
            .map_while(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
            .collect(),
        Enc::Latin1 | Enc::Ascii => s.chars().map(|c| c as u32 as u8).collect(),
        Enc::Utf16Le => s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
    })
}

enum Enc {
    Utf8,
    Base64,
    Hex,
    Latin1,
    Ascii,
    Utf16Le,
}

fn normalize(enc: &str) -> Result<Enc, ServiceError> {
    Ok(match enc.to_ascii_lowercase().as_str() {
        "utf8" | "utf-8" => Enc::Utf8,
        "base64" => Enc::Base64,
        "hex" => Enc::Hex,
        "binary" | "latin1" => Enc::Latin1,
        "ascii" => Enc::Ascii,
        "ucs2" | "ucs-2" | "utf16le" | "utf-16le" => Enc::Utf16Le,
        _ => return Err(ServiceError::fail(format!("invalid encoding: {enc}"))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips() {
        let bytes = [0u8, 0x41, 0xe9, 0xff];
        for enc in ["base64", "hex", "latin1", "binary"] {
            let v = decode(bytes.to_vec(), Some(enc)).unwrap().into_json();
            assert_eq!(encode(&v, Some(enc)).unwrap(), bytes, "{enc}");
        }
        let v = decode(bytes.to_vec(), None).unwrap();
        assert_eq!(v, Data::Bytes(bytes.to_vec()));
        assert_eq!(encode(&v.into_json(), Some("utf8")).unwrap(), bytes);
        let s = json!("héllo ✓");
        for enc in ["utf8", "utf-8", "ucs2", "utf16le"] {
            let b = encode(&s, Some(enc)).unwrap();
            assert_eq!(
                decode(b, Some(enc)).unwrap(),
                Data::Json(s.clone()),
                "{enc}"
            );
        }
    }

    #[test]
    fn node_leniency() {
        assert_eq!(encode(&json!("aGk"), Some("base64")).unwrap(), b"hi");
        assert_eq!(encode(&json!("aG k=\n"), Some("base64")).unwrap(), b"hi");
        assert_eq!(encode(&json!("6869zz41"), Some("hex")).unwrap(), b"hi");
        assert_eq!(
            decode(vec![0xc1], Some("ascii")).unwrap(),
            Data::Json(json!("A"))
        );
        assert!(encode(&json!("x"), Some("klingon")).is_err());
        assert!(encode(&json!(5), None).is_err());
    }
}
