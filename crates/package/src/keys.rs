//! Signing and sealing keys for both suites, in a JSON file people can read:
//!
//! ```json
//! {"cove_key": 1, "suite": "intl", "purpose": "sign", "id": "3f2a…", "public": "<base64>", "secret": "<base64>"}
//! ```
//!
//! The public file is the same without `secret`.
//!
//! | suite | purpose | algorithm | `public` | `secret` |
//! |-------|---------|-----------|----------|----------|
//! | intl  | sign    | Ed25519 (RFC 8032) | 32 bytes | the 32-byte seed |
//! | intl  | seal    | X25519 (RFC 7748)  | 32 bytes | 32 bytes |
//! | sm    | sign    | SM2 with SM3, user id `1234567812345678` (GB/T 32918.2) | SEC1 uncompressed, 65 bytes | 32-byte scalar |
//! | sm    | seal    | SM2 public-key encryption, C1C3C2 (GB/T 32918.4) | SEC1 uncompressed, 65 bytes | 32-byte scalar |
//!
//! A key's id defaults to the first 8 bytes (16 lowercase hex digits) of the suite's digest
//! of its public key bytes. Ids are 1–64 characters of `[A-Za-z0-9._-]`.
//!
//! Wrapping a content key for a host (`PublicKey::wrap_key`):
//! - intl: a fresh X25519 ephemeral key; KEK = HKDF-SHA256(ikm = shared secret,
//!   salt = ephemeral public || recipient public, info = `"cove envelope v1 key wrap"`, 32 bytes);
//!   wrapped = ephemeral public (32) || AES-256-GCM(KEK, nonce = 12 zero bytes, aad = key id,
//!   plaintext = content key). The zero nonce is safe because each KEK encrypts exactly once.
//!   A low-order point (all-zero shared secret) is refused on both sides.
//! - sm: SM2 encryption of the content key (C1C3C2: 65 + 32 + key length bytes).

use crate::suite::Suite;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use zeroize::Zeroizing;

/// The SM2 user id both sides use (the default of GB/T 32918 / GM/T 0009).
pub const SM2_DEFAULT_ID: &str = "1234567812345678";
/// The only key-file version.
pub const KEY_FILE_VERSION: u32 = 1;
const WRAP_INFO: &[u8] = b"cove envelope v1 key wrap";
const X25519_LEN: usize = 32;
const GCM_TAG_LEN: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// Signs packages (the platform's key).
    Sign,
    /// Receives sealed envelopes (a host app's key).
    Seal,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Sign => "sign",
            Purpose::Seal => "seal",
        }
    }
}

impl std::fmt::Display for Purpose {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key file, key bytes or key id that is not well formed.
    #[error("key: {0}")]
    Format(String),
    #[error("key {id} is a {actual} key, but a {expected} key is needed")]
    WrongPurpose {
        id: String,
        expected: Purpose,
        actual: Purpose,
    },
    #[error("key {id} is for suite {actual}, but suite {expected} is needed")]
    WrongSuite {
        id: String,
        expected: Suite,
        actual: Suite,
    },
    #[error("the signature does not verify")]
    BadSignature,
    #[error("cannot unwrap the content key: {0}")]
    Unwrap(String),
    /// The system's random source or a primitive failed.
    #[error("crypto failure: {0}")]
    Crypto(String),
}

impl From<crate::random::RandomError> for KeyError {
    fn from(e: crate::random::RandomError) -> Self {
        Self::Crypto(e.to_string())
    }
}

impl KeyError {
    /// A stable code for logs and counters.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Format(_) => "key_format",
            Self::WrongPurpose { .. } => "key_purpose",
            Self::WrongSuite { .. } => "key_suite",
            Self::BadSignature => "bad_signature",
            Self::Unwrap(_) => "unwrap_failed",
            Self::Crypto(_) => "key_crypto",
        }
    }
}

fn format_err(msg: impl Into<String>) -> KeyError {
    KeyError::Format(msg.into())
}

/// Check a key id: 1–64 characters of `[A-Za-z0-9._-]`.
pub fn validate_id(id: &str) -> Result<(), KeyError> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(format_err(format!(
            "key id {id:?} must be 1-64 characters of A-Z a-z 0-9 . _ -"
        )))
    }
}

/// The default id of a public key: 16 hex digits of the suite's digest of its bytes.
pub fn default_id(suite: Suite, public: &[u8]) -> String {
    hex::encode(&suite.digest(public)[..8])
}

fn array32(bytes: &[u8], what: &str) -> Result<[u8; 32], KeyError> {
    bytes
        .try_into()
        .map_err(|_| format_err(format!("{what} must be 32 bytes, not {}", bytes.len())))
}

/// The secret half, held as the libraries' own types (which zeroize on drop).
#[derive(Clone)]
enum Secret {
    Ed25519(ed25519_dalek::SigningKey),
    X25519(x25519_dalek::StaticSecret),
    Sm2Sign(Box<sm2::dsa::SigningKey>),
    Sm2Seal(Box<sm2::pke::DecryptingKey>),
}

impl Secret {
    fn from_bytes(suite: Suite, purpose: Purpose, secret: &[u8]) -> Result<Secret, KeyError> {
        Ok(match (suite, purpose) {
            (Suite::Intl, Purpose::Sign) => {
                let seed = Zeroizing::new(array32(secret, "an Ed25519 secret seed")?);
                Secret::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))
            }
            (Suite::Intl, Purpose::Seal) => {
                let bytes = array32(secret, "an X25519 secret")?;
                Secret::X25519(x25519_dalek::StaticSecret::from(bytes))
            }
            (Suite::Sm, Purpose::Sign) => {
                check_sm2_scalar_len(secret)?;
                let key = sm2::dsa::SigningKey::from_slice(SM2_DEFAULT_ID, secret)
                    .map_err(|_| format_err("the SM2 secret is not a scalar in [1, n-1]"))?;
                Secret::Sm2Sign(Box::new(key))
            }
            (Suite::Sm, Purpose::Seal) => {
                check_sm2_scalar_len(secret)?;
                let key = sm2::pke::DecryptingKey::from_slice(secret)
                    .map_err(|_| format_err("the SM2 secret is not a scalar in [1, n-1]"))?;
                Secret::Sm2Seal(Box::new(key))
            }
        })
    }

    fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(match self {
            Secret::Ed25519(k) => k.to_bytes().to_vec(),
            Secret::X25519(k) => k.to_bytes().to_vec(),
            Secret::Sm2Sign(k) => k.to_bytes().to_vec(),
            Secret::Sm2Seal(k) => k.to_bytes().to_vec(),
        })
    }

    fn public_bytes(&self) -> Vec<u8> {
        use sm2::elliptic_curve::sec1::ToSec1Point as _;
        match self {
            Secret::Ed25519(k) => k.verifying_key().to_bytes().to_vec(),
            Secret::X25519(k) => x25519_dalek::PublicKey::from(k).to_bytes().to_vec(),
            Secret::Sm2Sign(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            Secret::Sm2Seal(k) => k
                .encrypting_key()
                .as_affine()
                .to_sec1_point(false)
                .as_bytes()
                .to_vec(),
        }
    }
}

fn check_sm2_scalar_len(secret: &[u8]) -> Result<(), KeyError> {
    if secret.len() == 32 {
        Ok(())
    } else {
        Err(format_err(format!(
            "an SM2 secret must be 32 bytes, not {}",
            secret.len()
        )))
    }
}

/// Check public key bytes for the suite and purpose (length, and a valid point).
fn check_public(suite: Suite, purpose: Purpose, bytes: &[u8]) -> Result<(), KeyError> {
    match (suite, purpose) {
        (Suite::Intl, Purpose::Sign) => {
            let key =
                ed25519_dalek::VerifyingKey::from_bytes(&array32(bytes, "an Ed25519 public key")?)
                    .map_err(|_| format_err("the Ed25519 public key is not a valid point"))?;
            if key.is_weak() {
                return Err(format_err("the Ed25519 public key is a small-order point"));
            }
        }
        // Every 32-byte string is an X25519 u-coordinate; low-order ones are caught when used.
        (Suite::Intl, Purpose::Seal) => {
            array32(bytes, "an X25519 public key")?;
        }
        (Suite::Sm, _) => {
            if bytes.len() != 65 || bytes[0] != 0x04 {
                return Err(format_err(
                    "an SM2 public key must be 65 bytes, SEC1 uncompressed (04 || x || y)",
                ));
            }
            sm2::PublicKey::from_sec1_bytes(bytes)
                .map_err(|_| format_err("the SM2 public key is not a point on sm2p256v1"))?;
        }
    }
    Ok(())
}

/// A key with its secret. `Debug` shows only the public half.
#[derive(Clone)]
pub struct KeyPair {
    public: PublicKey,
    secret: Secret,
}

/// A public key with its suite, purpose and id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    suite: Suite,
    purpose: Purpose,
    id: String,
    bytes: Vec<u8>,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("suite", &self.public.suite)
            .field("purpose", &self.public.purpose)
            .field("id", &self.public.id)
            .field("public", &B64.encode(&self.public.bytes))
            .finish_non_exhaustive()
    }
}

/// The JSON form of both files.
#[derive(serde::Serialize, serde::Deserialize)]
struct KeyFile {
    cove_key: u32,
    suite: Suite,
    purpose: Purpose,
    id: String,
    public: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

impl KeyFile {
    fn parse(text: &str) -> Result<KeyFile, KeyError> {
        let file: KeyFile = serde_json::from_str(text)
            .map_err(|e| format_err(format!("not a Cove key file: {e}")))?;
        if file.cove_key != KEY_FILE_VERSION {
            return Err(format_err(format!(
                "unsupported key file version cove_key = {}",
                file.cove_key
            )));
        }
        validate_id(&file.id)?;
        Ok(file)
    }

    fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a key file serializes");
        text.push('\n');
        text
    }
}

fn decode_b64(field: &str, text: &str) -> Result<Vec<u8>, KeyError> {
    B64.decode(text.trim())
        .map_err(|e| format_err(format!("{field} is not valid base64: {e}")))
}

fn resolve_id(suite: Suite, id: Option<&str>, public: &[u8]) -> Result<String, KeyError> {
    match id {
        Some(id) => {
            validate_id(id)?;
            Ok(id.to_string())
        }
        None => Ok(default_id(suite, public)),
    }
}

impl KeyPair {
    /// A new key from the operating system's random source.
    pub fn generate(suite: Suite, purpose: Purpose, id: Option<&str>) -> Result<KeyPair, KeyError> {
        if let Some(id) = id {
            validate_id(id)?;
        }
        let secret = match suite {
            Suite::Intl => crate::random::secret(32)?,
            Suite::Sm => {
                use sm2::elliptic_curve::Generate as _;
                // Rejection-sampled into [1, n-1] by the library.
                let key = sm2::SecretKey::try_generate()
                    .map_err(|e| KeyError::Crypto(format!("system random: {e}")))?;
                Zeroizing::new(key.to_bytes().to_vec())
            }
        };
        KeyPair::from_secret(suite, purpose, id, &secret)
    }

    /// A key from its secret bytes (the `secret` of the key file, see the module doc).
    #[doc(hidden)]
    pub fn from_secret(
        suite: Suite,
        purpose: Purpose,
        id: Option<&str>,
        secret: &[u8],
    ) -> Result<KeyPair, KeyError> {
        let secret = Secret::from_bytes(suite, purpose, secret)?;
        let bytes = secret.public_bytes();
        let id = resolve_id(suite, id, &bytes)?;
        Ok(KeyPair {
            public: PublicKey {
                suite,
                purpose,
                id,
                bytes,
            },
            secret,
        })
    }

    pub fn suite(&self) -> Suite {
        self.public.suite
    }

    pub fn purpose(&self) -> Purpose {
        self.public.purpose
    }

    pub fn id(&self) -> &str {
        &self.public.id
    }

    pub fn public(&self) -> PublicKey {
        self.public.clone()
    }

    /// The key file, with its secret (pretty JSON, ending in a newline).
    pub fn to_json(&self) -> String {
        use zeroize::Zeroize as _;
        let secret = self.secret.to_bytes();
        let mut file = KeyFile {
            cove_key: KEY_FILE_VERSION,
            suite: self.public.suite,
            purpose: self.public.purpose,
            id: self.public.id.clone(),
            public: B64.encode(&self.public.bytes),
            secret: Some(B64.encode(&*secret)),
        };
        let text = file.to_json();
        file.secret.zeroize();
        text
    }

    /// Read a key file with its secret; its `public` must be the secret's public key.
    pub fn from_json(text: &str) -> Result<KeyPair, KeyError> {
        let file = KeyFile::parse(text)?;
        let Some(secret) = &file.secret else {
            return Err(format_err(format!(
                "key file {} has no secret (it is a public key file)",
                file.id
            )));
        };
        let secret = Zeroizing::new(decode_b64("secret", secret)?);
        let pair = KeyPair::from_secret(file.suite, file.purpose, Some(&file.id), &secret)?;
        if decode_b64("public", &file.public)? != pair.public.bytes {
            return Err(format_err(format!(
                "key file {}: public does not belong to secret",
                file.id
            )));
        }
        Ok(pair)
    }

    fn need(&self, purpose: Purpose) -> Result<(), KeyError> {
        self.public.need(purpose)
    }

    /// Sign `msg`: Ed25519 (64 bytes), or SM2 with SM3 and the default user id
    /// `1234567812345678` (64 bytes, r || s). Purpose `sign` only.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        use ed25519_dalek::Signer as _;
        self.need(Purpose::Sign)?;
        match &self.secret {
            Secret::Ed25519(k) => Ok(k.sign(msg).to_bytes().to_vec()),
            Secret::Sm2Sign(k) => {
                let sig: sm2::dsa::Signature = sm2::dsa::signature::Signer::try_sign(&**k, msg)
                    .map_err(|e| KeyError::Crypto(format!("SM2 signing: {e}")))?;
                Ok(sig.to_bytes().to_vec())
            }
            _ => unreachable!("a sign key holds a signing secret"),
        }
    }

    /// Unwrap a content key wrapped for this key by [`PublicKey::wrap_key`]. Purpose `seal` only.
    pub fn unwrap_key(&self, wrapped: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.need(Purpose::Seal)?;
        match &self.secret {
            Secret::X25519(k) => {
                if wrapped.len() < X25519_LEN + GCM_TAG_LEN {
                    return Err(KeyError::Unwrap(format!(
                        "the wrapped key is {} bytes, too short",
                        wrapped.len()
                    )));
                }
                let (eph, sealed) = wrapped.split_at(X25519_LEN);
                let eph: [u8; 32] = eph.try_into().expect("split at 32");
                let shared = k.diffie_hellman(&x25519_dalek::PublicKey::from(eph));
                if !shared.was_contributory() {
                    return Err(KeyError::Unwrap(
                        "the ephemeral key is a low-order point".into(),
                    ));
                }
                let kek = wrap_kek(shared.as_bytes(), &eph, &self.public.bytes)?;
                aes_gcm_once(&kek, self.public.id.as_bytes(), sealed, false)
                    .map(|key| key.to_vec())
                    .map_err(|_| KeyError::Unwrap("authentication failed".into()))
            }
            Secret::Sm2Seal(k) => k
                .decrypt(wrapped)
                .map_err(|_| KeyError::Unwrap("SM2 decryption failed".into())),
            _ => unreachable!("a seal key holds a sealing secret"),
        }
    }
}

/// HKDF-SHA256 for the intl key wrap.
fn wrap_kek(shared: &[u8], eph: &[u8], recipient: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let mut salt = Vec::with_capacity(eph.len() + recipient.len());
    salt.extend_from_slice(eph);
    salt.extend_from_slice(recipient);
    let mut kek = Zeroizing::new([0u8; 32]);
    hkdf::Hkdf::<sha2::Sha256>::new(Some(&salt), shared)
        .expand(WRAP_INFO, &mut kek[..])
        .map_err(|_| KeyError::Crypto("HKDF output length".into()))?;
    Ok(kek)
}

/// AES-256-GCM with the all-zero nonce: only for a key used exactly once.
fn aes_gcm_once(
    kek: &[u8; 32],
    aad: &[u8],
    input: &[u8],
    encrypt: bool,
) -> Result<Zeroizing<Vec<u8>>, aes_gcm::Error> {
    use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
    let cipher = aes_gcm::Aes256Gcm::new(kek.into());
    let nonce = aes_gcm::Nonce::default();
    let payload = Payload { msg: input, aad };
    let out = if encrypt {
        cipher.encrypt(&nonce, payload)
    } else {
        cipher.decrypt(&nonce, payload)
    }?;
    Ok(Zeroizing::new(out))
}

/// Where a key pair file's public half goes: `NAME.key.json` → `NAME.pub.json`, any other
/// `FILE` → `FILE.pub.json` (as `cove keygen` and `cove serve` write it).
pub fn public_path(key_file: &std::path::Path) -> std::path::PathBuf {
    let name = key_file.as_os_str().to_string_lossy();
    match name.strip_suffix(".key.json") {
        Some(stem) => format!("{stem}.pub.json").into(),
        None => format!("{name}.pub.json").into(),
    }
}

impl PublicKey {
    /// A public key from its raw bytes (see the module doc for each suite's form);
    /// `id` None = the default id.
    pub fn from_bytes(
        suite: Suite,
        purpose: Purpose,
        id: Option<&str>,
        bytes: &[u8],
    ) -> Result<PublicKey, KeyError> {
        check_public(suite, purpose, bytes)?;
        Ok(PublicKey {
            suite,
            purpose,
            id: resolve_id(suite, id, bytes)?,
            bytes: bytes.to_vec(),
        })
    }

    pub fn suite(&self) -> Suite {
        self.suite
    }

    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The public key file (pretty JSON, ending in a newline).
    pub fn to_json(&self) -> String {
        KeyFile {
            cove_key: KEY_FILE_VERSION,
            suite: self.suite,
            purpose: self.purpose,
            id: self.id.clone(),
            public: B64.encode(&self.bytes),
            secret: None,
        }
        .to_json()
    }

    /// Read a public key file; a full key-pair file is accepted too (its secret is ignored).
    pub fn from_json(text: &str) -> Result<PublicKey, KeyError> {
        let file = KeyFile::parse(text)?;
        let bytes = decode_b64("public", &file.public)?;
        PublicKey::from_bytes(file.suite, file.purpose, Some(&file.id), &bytes)
    }

    fn need(&self, purpose: Purpose) -> Result<(), KeyError> {
        if self.purpose == purpose {
            Ok(())
        } else {
            Err(KeyError::WrongPurpose {
                id: self.id.clone(),
                expected: purpose,
                actual: self.purpose,
            })
        }
    }

    /// Verify a signature made by [`KeyPair::sign`]. Purpose `sign` only. Ed25519 is
    /// verified strictly (no small-order components, canonical s).
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> Result<(), KeyError> {
        self.need(Purpose::Sign)?;
        match self.suite {
            Suite::Intl => {
                let sig: [u8; 64] = sig.try_into().map_err(|_| KeyError::BadSignature)?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(
                    &self.bytes[..].try_into().expect("checked at construction"),
                )
                .map_err(|_| KeyError::BadSignature)?;
                key.verify_strict(msg, &ed25519_dalek::Signature::from_bytes(&sig))
                    .map_err(|_| KeyError::BadSignature)
            }
            Suite::Sm => {
                use sm2::dsa::signature::Verifier as _;
                let sig =
                    sm2::dsa::Signature::from_slice(sig).map_err(|_| KeyError::BadSignature)?;
                let key = sm2::dsa::VerifyingKey::from_sec1_bytes(SM2_DEFAULT_ID, &self.bytes)
                    .map_err(|_| KeyError::BadSignature)?;
                key.verify(msg, &sig).map_err(|_| KeyError::BadSignature)
            }
        }
    }

    /// Wrap a content key for this host key (purpose `seal`); see the module doc.
    pub fn wrap_key(&self, content_key: &[u8]) -> Result<Vec<u8>, KeyError> {
        self.need(Purpose::Seal)?;
        if content_key.is_empty() {
            return Err(KeyError::Crypto("an empty content key".into()));
        }
        match self.suite {
            Suite::Intl => {
                let recipient: [u8; 32] =
                    self.bytes[..].try_into().expect("checked at construction");
                let mut eph_secret = Zeroizing::new([0u8; 32]);
                crate::random::fill(&mut eph_secret[..])?;
                let eph = x25519_dalek::StaticSecret::from(*eph_secret);
                let eph_pub = x25519_dalek::PublicKey::from(&eph).to_bytes();
                let shared = eph.diffie_hellman(&x25519_dalek::PublicKey::from(recipient));
                if !shared.was_contributory() {
                    return Err(format_err(format!(
                        "host key {} is a low-order X25519 point",
                        self.id
                    )));
                }
                let kek = wrap_kek(shared.as_bytes(), &eph_pub, &recipient)?;
                let sealed = aes_gcm_once(&kek, self.id.as_bytes(), content_key, true)
                    .map_err(|_| KeyError::Crypto("AES-256-GCM".into()))?;
                let mut out = Vec::with_capacity(X25519_LEN + sealed.len());
                out.extend_from_slice(&eph_pub);
                out.extend_from_slice(&sealed);
                Ok(out)
            }
            Suite::Sm => {
                let key = sm2::PublicKey::from_sec1_bytes(&self.bytes)
                    .map_err(|_| format_err("the SM2 public key is not a point on sm2p256v1"))?;
                sm2::pke::EncryptingKey::new_with_mode(key, sm2::pke::Mode::C1C3C2)
                    .encrypt(&mut getrandom::SysRng, content_key)
                    .map_err(|e| KeyError::Crypto(format!("SM2 encryption: {e}")))
            }
        }
    }
}
