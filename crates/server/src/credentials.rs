//! Passwords, session ids, API tokens and CSRF tokens.
//!
//! - Passwords are hashed with argon2id (OWASP's parameters: 19 MiB, 2 passes, 1 lane) into a
//!   PHC string; verification is constant-time inside `argon2`.
//! - Session ids and API tokens are 32 random bytes, base64url. Only their SHA-256 is stored,
//!   so a database leak yields no usable session or token.
//! - The CSRF token of a session is HMAC-SHA256(server key, session id): the console puts it
//!   in a header on every state-changing request, and the server recomputes it; a page on
//!   another origin can send the cookie but cannot read the token.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
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

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn random_bytes<const N: usize>() -> Result<[u8; N], CredentialError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| CredentialError::Random(e.to_string()))?;
    Ok(b)
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

/// The one way the server runs argon2: at most `permits` hashes at once (each holds 19 MiB
/// for its duration, so a flood of sign-ins costs time, not memory), on blocking threads,
/// and counted, so a test can see how many password checks a flood got.
#[derive(Debug)]
pub struct HashGate {
    permits: tokio::sync::Semaphore,
    checks: std::sync::atomic::AtomicU64,
    running: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

impl HashGate {
    pub fn new(permits: usize) -> HashGate {
        HashGate {
            permits: tokio::sync::Semaphore::new(permits.max(1)),
            checks: Default::default(),
            running: Default::default(),
            peak: Default::default(),
        }
    }

    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        use std::sync::atomic::Ordering::SeqCst;
        // The semaphore is never closed, so acquiring only fails if it were.
        let _permit = self.permits.acquire().await.ok()?;
        let now = self.running.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now, SeqCst);
        let out = tokio::task::spawn_blocking(f).await.ok();
        self.running.fetch_sub(1, SeqCst);
        out
    }

    /// [`verify_password`], counted; false if the hashing thread failed.
    pub async fn verify(&self, password: String, stored: String) -> bool {
        self.checks
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.run(move || verify_password(&password, &stored))
            .await
            .unwrap_or(false)
    }

    /// [`hash_password`] under the same bound.
    pub async fn hash(&self, password: String) -> Result<String, CredentialError> {
        self.run(move || hash_password(&password))
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
