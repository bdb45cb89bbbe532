//! The data-protection key: secrets the server must read back in clear (the SDK secrets,
//! which check the SDK's signatures) are stored encrypted under it with AES-256-GCM, so a
//! copy of the database alone does not hand out working credentials.
//!
//! The key is 32 random bytes, base64, in a file readable by its owner only (beside the
//! signing key, made on first start), or given to every node of a cluster through config or
//! the environment. A stored value is `enc1:` + base64(nonce ‖ ciphertext ‖ tag); the
//! associated data names what the value is for (the column and the host's SDK key), so a
//! value copied to another row does not decrypt.

use std::path::Path;
use std::sync::Arc;

use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
use base64::Engine as _;
use zeroize::Zeroizing;

const PREFIX: &str = "enc1:";
const NONCE: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum DataKeyError {
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("the data-protection key must be 32 bytes in base64")]
    Malformed,
    #[error("system random source: {0}")]
    Random(String),
    #[error("a value does not decrypt under the data-protection key (wrong key, or altered)")]
    Decrypt,
    #[error("a value is stored in clear where an encrypted one is expected")]
    NotSealed,
}

/// The data-protection key (cheap to clone; never printed).
#[derive(Clone)]
pub struct DataKey(Arc<Zeroizing<[u8; 32]>>);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(…)")
    }
}

fn b64() -> base64::engine::GeneralPurpose {
    base64::engine::general_purpose::STANDARD
}

impl DataKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        DataKey(Arc::new(Zeroizing::new(bytes)))
    }

    pub fn generate() -> Result<Self, DataKeyError> {
        let b = cove_package::random::array().map_err(|e| DataKeyError::Random(e.to_string()))?;
        Ok(Self::from_bytes(b))
    }

    /// From its text form (base64 of 32 bytes; surrounding white space ignored).
    pub fn from_text(text: &str) -> Result<Self, DataKeyError> {
        let raw = Zeroizing::new(
            b64()
                .decode(text.trim())
                .map_err(|_| DataKeyError::Malformed)?,
        );
        let bytes: [u8; 32] = raw
            .as_slice()
            .try_into()
            .map_err(|_| DataKeyError::Malformed)?;
        Ok(Self::from_bytes(bytes))
    }

    pub fn to_text(&self) -> Zeroizing<String> {
        Zeroizing::new(b64().encode(self.0.as_slice()))
    }

    /// Read the key file, or make it (owner-only) when absent.
    pub fn load_or_create(path: &Path) -> Result<Self, DataKeyError> {
        let io = |source| DataKeyError::Io {
            path: path.to_path_buf(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => return Self::from_text(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        if let Some(dir) = path.parent() {
            crate::fsperm::create_private_dir(dir).map_err(io)?;
        }
        let key = Self::generate()?;
        crate::serve::write_private(path, &key.to_text()).map_err(io)?;
        tracing::info!("made the data-protection key at {}", path.display());
        Ok(key)
    }

    fn cipher(&self) -> aes_gcm::Aes256Gcm {
        let key: &[u8; 32] = &self.0;
        aes_gcm::Aes256Gcm::new(key.into())
    }

    /// Encrypt `plain`, bound to `context`.
    pub fn seal(&self, context: &str, plain: &[u8]) -> Result<String, DataKeyError> {
        let nonce: [u8; NONCE] =
            cove_package::random::array().map_err(|e| DataKeyError::Random(e.to_string()))?;
        let ct = self
            .cipher()
            .encrypt(
                (&nonce).into(),
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| DataKeyError::Decrypt)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(format!("{PREFIX}{}", b64().encode(out)))
    }

    /// Decrypt a value [`DataKey::seal`] made with the same `context`.
    pub fn open(&self, context: &str, stored: &str) -> Result<Zeroizing<Vec<u8>>, DataKeyError> {
        let body = stored.strip_prefix(PREFIX).ok_or(DataKeyError::NotSealed)?;
        let raw = b64().decode(body).map_err(|_| DataKeyError::Decrypt)?;
        if raw.len() < NONCE {
            return Err(DataKeyError::Decrypt);
        }
        let (nonce, ct) = raw.split_at(NONCE);
        let nonce: &[u8; NONCE] = nonce.try_into().map_err(|_| DataKeyError::Decrypt)?;
        self.cipher()
            .decrypt(
                nonce.into(),
                Payload {
                    msg: ct,
                    aad: context.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| DataKeyError::Decrypt)
    }

    /// Whether a stored value is encrypted (a clear one predates migration 5).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }
}

/// The associated data of a host's SDK secret (current or previous).
pub fn sdk_secret_context(sdk_key: &str) -> String {
    format!("cove hosts.sdk_secret\n{sdk_key}")
}
