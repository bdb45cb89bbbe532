//! Passwords, session ids, API tokens and CSRF tokens.
//!
//! - Passwords are hashed with argon2id (OWASP's parameters: 19 MiB, 2 passes, 1 lane) into a
//!   PHC string; verification is constant-time inside `argon2`.
//! - Session ids and API tokens are 32 random bytes, base64url. Only their SHA-256 is stored,
//!   so a database leak yields no usable session or token.
//! - The CSRF token of a session is HMAC-SHA256(server key, session id): the console puts it
//!   in a header on every state-changing request, and the server recomputes it; a page on
//!   another origin can send the cookie but cannot read the token.

use argon2::password_hash::{
    self, Output, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine as _;
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = hmac::Hmac<Sha256>;

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("the password must be at least {MIN_PASSWORD} characters")]
    TooShort,
    #[error("password hashing: {0}")]
    Hash(String),
    #[error("system random source: {0}")]
    Random(String),
}

pub const MIN_PASSWORD: usize = 12;

/// argon2's memory cost in KiB (= 1 KiB blocks).
const MEMORY_KIB: u32 = 19 * 1024;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn random_bytes<const N: usize>() -> Result<[u8; N], CredentialError> {
    cove_package::random::array().map_err(|e| CredentialError::Random(e.to_string()))
}

/// The PHC string to store for `password`.
pub fn hash_password(password: &str) -> Result<String, CredentialError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(CredentialError::TooShort);
    }
    let salt = SaltString::encode_b64(&random_bytes::<16>()?)
        .map_err(|e| CredentialError::Hash(e.to_string()))?;
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CredentialError::Hash(e.to_string()))
}

/// Whether `password` matches a stored PHC string (false for a malformed one).
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
}

/// A new secret for a session or an API token (what the client holds).
pub fn new_secret() -> Result<String, CredentialError> {
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// What the server stores for a session or token secret.
pub fn secret_digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn csrf_mac(server_key: &[u8], session: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(server_key).expect("HMAC takes any key length");
    mac.update(b"cove-csrf v1\n");
    mac.update(session.as_bytes());
    mac
}

/// The CSRF token for a session.
pub fn csrf_token(server_key: &[u8], session: &str) -> String {
    hex::encode(csrf_mac(server_key, session).finalize().into_bytes())
}

/// Check a CSRF token in constant time.
pub fn csrf_ok(server_key: &[u8], session: &str, token: &str) -> bool {
    hex::decode(token).is_ok_and(|sig| csrf_mac(server_key, session).verify_slice(&sig).is_ok())
}

/// Check `password` against a stored PHC string in `blocks`, argon2's working memory, when
/// it is large enough (else argon2 allocates its own).
fn verify_in(password: &str, stored: &str, blocks: &mut [Block]) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm) else {
        return false;
    };
    let Ok(version) = hash.version.map(Version::try_from).transpose() else {
        return false;
    };
    let Ok(params) = Params::try_from(&hash) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let need = params.block_count();
    let argon = Argon2::new(algorithm, version.unwrap_or_default(), params);
    let mut out = vec![0u8; expected.len()];
    let done = match blocks.get_mut(..need) {
        Some(mem) => argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, mem),
        None => argon.hash_password_into(password.as_bytes(), salt, &mut out),
    };
    // `Output`'s equality is constant-time.
    done.is_ok() && Output::new(&out).is_ok_and(|o| o == expected)
}

/// [`hash_password`], in `blocks`.
fn hash_in(password: &str, blocks: &mut [Block]) -> Result<String, CredentialError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(CredentialError::TooShort);
    }
    let err = |e: &dyn std::fmt::Display| CredentialError::Hash(e.to_string());
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(|e| err(&e))?;
    let argon = argon2();
    let params = argon.params().clone();
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt
        .as_salt()
        .decode_b64(&mut salt_buf)
        .map_err(|e| err(&e))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let mem = blocks
        .get_mut(..params.block_count())
        .ok_or_else(|| CredentialError::Hash("working memory too small".into()))?;
    argon
        .hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut out, mem)
        .map_err(|e| err(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params)
            .try_into()
            .map_err(|e: password_hash::Error| err(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| err(&e))?),
    };
    Ok(phc.to_string())
}

/// The one way the server runs argon2: at most `permits` hashes at once, each in one of
/// `permits` working memories (19 MiB) allocated once and reused. A flood of sign-ins costs
/// waiting time, not memory: with memory allocated per hash, glibc kept a freed 19 MiB in
/// each blocking thread's arena, and resident memory grew by hundreds of MiB and stayed.
/// It counts the checks, so a test can see how many password checks a flood got.
#[derive(Debug)]
pub struct HashGate {
    permits: tokio::sync::Semaphore,
    memory: std::sync::Mutex<Vec<Vec<Block>>>,
    checks: std::sync::atomic::AtomicU64,
    running: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

impl HashGate {
    pub fn new(permits: usize) -> HashGate {
        let permits = permits.max(1);
        HashGate {
            permits: tokio::sync::Semaphore::new(permits),
            // Allocated on first use, so an idle server does not hold it.
            memory: std::sync::Mutex::new(Vec::with_capacity(permits)),
            checks: Default::default(),
            running: Default::default(),
            peak: Default::default(),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut [Block]) -> T + Send + 'static,
    ) -> Option<T> {
        use std::sync::atomic::Ordering::SeqCst;
        // The semaphore is never closed, so acquiring cannot fail.
        let _permit = self.permits.acquire().await.ok()?;
        let mut mem = self
            .memory
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_else(|| vec![Block::default(); MEMORY_KIB as usize]);
        let now = self.running.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now, SeqCst);
        let done = tokio::task::spawn_blocking(move || {
            let out = f(&mut mem);
            (out, mem)
        })
        .await
        .ok();
        self.running.fetch_sub(1, SeqCst);
        let (out, mem) = done?;
        self.memory
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(mem);
        Some(out)
    }

    /// [`verify_password`], counted; false if the hashing thread failed.
    pub async fn verify(&self, password: String, stored: String) -> bool {
        self.checks
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.run(move |mem| verify_in(&password, &stored, mem))
            .await
            .unwrap_or(false)
    }

    /// [`hash_password`] under the same bound.
    pub async fn hash(&self, password: String) -> Result<String, CredentialError> {
        self.run(move |mem| hash_in(&password, mem))
            .await
            .unwrap_or_else(|| Err(CredentialError::Hash("the hashing thread failed".into())))
    }

    /// Password checks made so far.
    pub fn checks(&self) -> u64 {
        self.checks.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The most hashes that ever ran at once.
    pub fn peak(&self) -> usize {
        self.peak.load(std::sync::atomic::Ordering::SeqCst)
    }
}
