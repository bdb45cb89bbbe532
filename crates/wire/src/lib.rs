//! The SDK's request signatures, shared by the platform (which checks them) and the host SDK
//! (which makes them). A host app's SDK signs every call to the platform with its SDK secret:
//!
//! ```text
//! signature = hex(HMAC-SHA256(secret,
//!     "COVE-HMAC-SHA256\n" + METHOD + "\n" + path-and-query + "\n" + hex(SHA-256(body)) + "\n"
//!     + timestamp (Unix seconds) + "\n" + nonce))
//! ```
//!
//! sent as headers [`HEADER_KEY`], [`HEADER_TIMESTAMP`], [`HEADER_NONCE`],
//! [`HEADER_SIGNATURE`]. The platform refuses a timestamp more than [`MAX_SKEW`] seconds from
//! its clock and a nonce it has seen (`docs/server.md`).

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = hmac::Hmac<Sha256>;

/// How far a request's timestamp may be from the server's clock, either way.
pub const MAX_SKEW: i64 = 300;

pub const HEADER_KEY: &str = "x-cove-key";
pub const HEADER_TIMESTAMP: &str = "x-cove-timestamp";
pub const HEADER_NONCE: &str = "x-cove-nonce";
pub const HEADER_SIGNATURE: &str = "x-cove-signature";

/// A request as signed.
#[derive(Debug, Clone)]
pub struct Signed<'a> {
    pub method: &'a str,
    /// Path and query, exactly as sent (`/sdk/v1/resolve?app=wx1`).
    pub path: &'a str,
    pub body: &'a [u8],
    pub timestamp: i64,
    pub nonce: &'a str,
}

impl Signed<'_> {
    pub fn string_to_sign(&self) -> String {
        format!(
            "COVE-HMAC-SHA256\n{}\n{}\n{}\n{}\n{}",
            self.method.to_ascii_uppercase(),
            self.path,
            hex::encode(Sha256::digest(self.body)),
            self.timestamp,
            self.nonce
        )
    }

    fn mac(&self, secret: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(self.string_to_sign().as_bytes());
        mac
    }

    /// The hex signature with `secret` (what the SDK sends).
    pub fn sign(&self, secret: &[u8]) -> String {
        hex::encode(self.mac(secret).finalize().into_bytes())
    }

    /// Whether `signature` (raw bytes) is this request's, compared in constant time.
    pub fn matches(&self, secret: &[u8], signature: &[u8]) -> bool {
        self.mac(secret).verify_slice(signature).is_ok()
    }
}

/// What the platform signs, with its package-signing key, for a mini-program's policy on one
/// host app: the policy's exact JSON bytes, bound to the app and to the host's SDK key, so
/// that neither a device's cache nor another host can change or borrow it.
pub fn policy_statement(app_id: &str, sdk_key: &str, payload: &[u8]) -> Vec<u8> {
    format!(
        "cove-policy v1\n{app_id}\n{sdk_key}\n{}",
        hex::encode(Sha256::digest(payload))
    )
    .into_bytes()
}

/// `wx` APIs that reach personal data, devices or money: each needs the platform's grant in a
/// host app. The review report flags them and the container's guard checks them, from this
/// one list.
pub const SENSITIVE: &[&str] = &[
    "getLocation",
    "getFuzzyLocation",
    "chooseLocation",
    "startLocationUpdate",
    "startLocationUpdateBackground",
    "onLocationChange",
    "chooseAddress",
    "getUserProfile",
    "getUserInfo",
    "chooseImage",
    "chooseMedia",
    "chooseVideo",
    "createCameraContext",
    "startRecord",
    "getRecorderManager",
    "saveImageToPhotosAlbum",
    "saveVideoToPhotosAlbum",
    "chooseInvoice",
    "chooseInvoiceTitle",
    "getWeRunData",
    "scanCode",
    "makePhoneCall",
    "getClipboardData",
    "setClipboardData",
    "requestPayment",
    "startSoterAuthentication",
    "openBluetoothAdapter",
    "startWifi",
    "addPhoneContact",
    "chooseContact",
    "login",
    "getPhoneNumber",
    "requestSubscribeMessage",
    "openSetting",
    "authorize",
];
