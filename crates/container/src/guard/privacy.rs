//! Privacy rules: what of a person's data reaches the mini-program, and the record of each
//! release ([`Release`]) for the platform to count.
//!
//! The transforms here are pure; asking the host for a virtual number is the guard's
//! (`super::Guarded`), since it answers later.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The platform's rules for one mini-program, e.g.
/// `{"location_precision": 0.01, "address": "province_city", "phone": "mask"}`.
/// The default releases everything as the host answered it (and still reports it). An
/// unknown rule does not parse: ignoring it would release what it meant to reduce.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    /// Round latitude and longitude to a multiple of this many degrees (0.01° is about 1 km).
    #[serde(default)]
    pub location_precision: Option<f64>,
    #[serde(default)]
    pub address: AddressRule,
    #[serde(default)]
    pub phone: PhoneRule,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressRule {
    #[default]
    Full,
    /// Province and city only: county, street, detail, postal and national codes blanked.
    ProvinceCity,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneRule {
    #[default]
    Clear,
    /// `13812345678` becomes `138****5678`.
    Mask,
    /// A number from the host (`__virtual_phone`) that forwards to the real one; masked
    /// when the host has none.
    Virtual,
}

/// What kind of personal data an API releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataKind {
    Location,
    Address,
    Phone,
}

/// The personal data `api`'s success result carries, if any.
pub fn data_of(api: &str) -> Option<DataKind> {
    Some(match api {
        "getLocation" | "getFuzzyLocation" | "chooseLocation" | "choosePoi" => DataKind::Location,
        "chooseAddress" => DataKind::Address,
        "getPhoneNumber" | "getRealtimePhoneNumber" | "chooseContact" => DataKind::Phone,
        _ => return None,
    })
}

/// One release of personal data to a mini-program. Serialised like the platform's stats
/// events (crates/server/src/stats.rs `Event`), as a new type `data_release`:
///
/// ```json
/// {"type": "data_release", "app_id": "wxbill", "version_code": 4, "user_id": "u1",
///  "at_ms": 1700000000000, "api": "chooseAddress", "data": "address",
///  "released": ["cityName", "provinceName", "telNumber", "userName"],
///  "reduced": {"detailInfo": "dropped", "postalCode": "dropped", "telNumber": "masked"}}
/// ```
///
/// `released` are the result's fields that reached the app non-empty; `reduced` says how
/// each changed field was reduced (`rounded:<degrees>`, `coarsened`, `dropped`, `masked`,
/// `virtual`). An empty `reduced` is data released as the host gave it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "data_release")]
pub struct Release {
    pub app_id: String,
    pub version_code: u64,
    pub user_id: String,
    pub at_ms: i64,
    pub api: String,
    pub data: DataKind,
    pub released: Vec<String>,
    pub reduced: BTreeMap<String, String>,
}

/// How fields were reduced, by field name (`phoneNumberList.0` for an array item).
pub type Reduced = BTreeMap<String, String>;

/// Round to a multiple of `precision` degrees, without binary noise in the printed value.
pub fn round_coord(x: f64, precision: f64) -> f64 {
    if !(precision > 0.0 && precision.is_finite() && x.is_finite()) {
        return x;
    }
    let v = (x / precision).round() * precision;
    // Decimals enough for the precision (0.01 -> 2), so 31.23 prints as 31.23.
    let decimals = (-precision.log10()).ceil().clamp(0.0, 12.0) as i32 + 1;
    let scale = 10f64.powi(decimals);
    (v * scale).round() / scale
}

/// Metres per degree of latitude, for the accuracy a rounded position can claim.
const METRES_PER_DEGREE: f64 = 111_320.0;

/// Round `latitude`/`longitude` and widen the claimed accuracy to match.
pub fn reduce_location(v: &mut Value, precision: f64, reduced: &mut Reduced) {
    if !(precision > 0.0 && precision.is_finite()) {
        tracing::warn!(target: "cove::guard", precision, "not a location precision; ignored");
        return;
    }
    let Some(o) = v.as_object_mut() else { return };
    for key in ["latitude", "longitude"] {
        if let Some(x) = o.get(key).and_then(Value::as_f64) {
            let r = round_coord(x, precision);
            o.insert(key.into(), number(r));
            reduced.insert(key.into(), format!("rounded:{precision}"));
        }
    }
    let floor = (precision * METRES_PER_DEGREE).round();
    for key in ["accuracy", "horizontalAccuracy"] {
        if let Some(a) = o.get(key).and_then(Value::as_f64)
            && a < floor
        {
            o.insert(key.into(), Value::from(floor as u64));
            reduced.insert(key.into(), "coarsened".into());
        }
    }
}

fn number(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// `chooseAddress` fields below the city; they are blanked, not removed, since WeChat
/// always gives every field.
const BELOW_CITY: &[&str] = &[
    "countyName",
    "streetName",
    "detailInfo",
    "detailInfoNew",
    "postalCode",
    "nationalCode",
    "nationalCodeFull",
];

/// Keep an address's province and city (and the name), blank the rest. The phone is the
/// phone rule's (see [`phone_fields`]).
pub fn reduce_address(v: &mut Value, reduced: &mut Reduced) {
    let Some(o) = v.as_object_mut() else { return };
    for key in BELOW_CITY {
        if let Some(f) = o.get_mut(*key) {
            if !is_empty(f) {
                reduced.insert((*key).into(), "dropped".into());
            }
            *f = Value::String(String::new());
        }
    }
}

/// JSON pointers to the phone numbers in a result of this kind.
pub fn phone_fields(kind: DataKind, v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let keys: &[&str] = match kind {
        DataKind::Phone => &["phoneNumber", "purePhoneNumber"],
        DataKind::Address => &["telNumber"],
        DataKind::Location => &[],
    };
    for k in keys {
        if v.get(*k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
        {
            out.push(format!("/{k}"));
        }
    }
    if kind == DataKind::Phone
        && let Some(list) = v.get("phoneNumberList").and_then(Value::as_array)
    {
        for (i, item) in list.iter().enumerate() {
            if item.as_str().is_some_and(|s| !s.is_empty()) {
                out.push(format!("/phoneNumberList/{i}"));
            }
        }
    }
    out
}

/// A pointer as a field name for [`Release::reduced`]: `/phoneNumberList/0` -> `phoneNumberList.0`.
pub fn field_name(pointer: &str) -> String {
    pointer.trim_start_matches('/').replace('/', ".")
}

/// Mask a phone number's middle digits: `13812345678` -> `138****5678`. A leading
/// country code (`+86 `) is kept. Short numbers keep only their last two digits.
pub fn mask_phone(phone: &str) -> String {
    let (prefix, rest) = split_country_code(phone);
    let digits = rest.chars().filter(char::is_ascii_digit).count();
    let (head, tail) = if digits >= 8 {
        (3, 4)
    } else {
        (0, 2.min(digits / 2))
    };
    let mut seen = 0;
    let masked: String = rest
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen <= head || seen > digits - tail {
                c
            } else {
                '*'
            }
        })
        .collect();
    format!("{prefix}{masked}")
}

/// `"+86 138..."` -> `("+86 ", "138...")`; no prefix without a `+` and a separator.
fn split_country_code(phone: &str) -> (&str, &str) {
    if let Some(after) = phone.strip_prefix('+') {
        let cc = after.chars().take_while(char::is_ascii_digit).count();
        let sep = after[cc..].chars().next();
        if cc > 0 && matches!(sep, Some(' ' | '-')) {
            let at = 1 + cc + 1;
            return (&phone[..at], &phone[at..]);
        }
    }
    ("", phone)
}

/// The fields of a result that reached the app with something in them.
pub fn released(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, f)| k.as_str() != "errMsg" && !is_empty(f))
        .map(|(k, _)| k.clone())
        .collect();
    out.sort();
    out
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn coordinates_round_to_the_precision() {
        assert_eq!(round_coord(31.234_567, 0.01), 31.23);
        assert_eq!(round_coord(121.475_123, 0.01), 121.48);
        assert_eq!(round_coord(-33.867_49, 0.01), -33.87);
        assert_eq!(round_coord(31.234_567, 0.001), 31.235);
        assert_eq!(round_coord(31.26, 0.05), 31.25);
        assert_eq!(round_coord(31.234_567, 1.0), 31.0);
        // No rule, no change.
        assert_eq!(round_coord(31.234_567, 0.0), 31.234_567);
        assert_eq!(round_coord(31.234_567, f64::NAN), 31.234_567);
    }

    #[test]
    fn a_location_is_rounded_and_its_accuracy_widened() {
        let mut v = json!({"latitude": 31.234567, "longitude": 121.475123, "accuracy": 15,
                           "horizontalAccuracy": 15, "speed": 0, "altitude": 4});
        let mut reduced = Reduced::new();
        reduce_location(&mut v, 0.01, &mut reduced);
        assert_eq!(
            v,
            json!({"latitude": 31.23, "longitude": 121.48, "accuracy": 1113,
                   "horizontalAccuracy": 1113, "speed": 0, "altitude": 4})
        );
        assert_eq!(reduced["latitude"], "rounded:0.01");
        assert_eq!(reduced["accuracy"], "coarsened");
        assert_eq!(reduced.len(), 4);
    }

    #[test]
    fn an_address_keeps_province_and_city() {
        let mut v = json!({
            "userName": "张三", "postalCode": "200000", "provinceName": "上海市",
            "cityName": "上海市", "countyName": "黄浦区", "streetName": "南京东路街道",
            "detailInfo": "南京东路 1 号", "detailInfoNew": "南京东路 1 号", "nationalCode": "310101",
            "telNumber": "13812345678",
        });
        let mut reduced = Reduced::new();
        reduce_address(&mut v, &mut reduced);
        assert_eq!(v["provinceName"], "上海市");
        assert_eq!(v["cityName"], "上海市");
        assert_eq!(v["userName"], "张三");
        for k in [
            "postalCode",
            "countyName",
            "streetName",
            "detailInfo",
            "detailInfoNew",
            "nationalCode",
        ] {
            assert_eq!(v[k], "", "{k}");
            assert_eq!(reduced[k], "dropped", "{k}");
        }
        // The phone is left to the phone rule.
        assert_eq!(v["telNumber"], "13812345678");
        assert_eq!(phone_fields(DataKind::Address, &v), vec!["/telNumber"]);
        assert_eq!(
            released(&v),
            vec!["cityName", "provinceName", "telNumber", "userName"]
        );
    }

    #[test]
    fn phones_are_masked_in_the_middle() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("+86 13812345678"), "+86 138****5678");
        assert_eq!(mask_phone("138-1234-5678"), "138-****-5678");
        assert_eq!(mask_phone("021-6123456"), "021-***3456");
        assert_eq!(mask_phone("12345"), "***45");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn phone_fields_cover_numbers_and_lists() {
        let v = json!({"phoneNumber": "13812345678", "purePhoneNumber": "13812345678",
                       "countryCode": "86", "phoneNumberList": ["13812345678", "", "13900001111"]});
        assert_eq!(
            phone_fields(DataKind::Phone, &v),
            vec![
                "/phoneNumber",
                "/purePhoneNumber",
                "/phoneNumberList/0",
                "/phoneNumberList/2"
            ]
        );
        assert_eq!(field_name("/phoneNumberList/2"), "phoneNumberList.2");
    }

    #[test]
    fn rules_and_releases_have_a_json_shape() {
        let p: Privacy = serde_json::from_value(
            json!({"location_precision": 0.01, "address": "province_city", "phone": "virtual"}),
        )
        .unwrap();
        assert_eq!(p.location_precision, Some(0.01));
        assert_eq!(p.address, AddressRule::ProvinceCity);
        assert_eq!(p.phone, PhoneRule::Virtual);
        assert_eq!(
            serde_json::from_value::<Privacy>(json!({})).unwrap(),
            Privacy::default()
        );
        let r = Release {
            app_id: "wxa".into(),
            version_code: 3,
            user_id: "u".into(),
            at_ms: 5,
            api: "getLocation".into(),
            data: DataKind::Location,
            released: vec!["latitude".into()],
            reduced: [("latitude".to_string(), "rounded:0.01".to_string())].into(),
        };
        let j = serde_json::to_value(&r).unwrap();
        assert_eq!(
            j,
            json!({"type": "data_release", "app_id": "wxa", "version_code": 3, "user_id": "u",
                   "at_ms": 5, "api": "getLocation", "data": "location",
                   "released": ["latitude"], "reduced": {"latitude": "rounded:0.01"}})
        );
        assert_eq!(serde_json::from_value::<Release>(j).unwrap(), r);
    }
}
