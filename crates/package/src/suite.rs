//! The two algorithm suites a package can use (`docs/package.md`).
//!
//! | suite  | digest  | signature        | envelope cipher | key wrap                     |
//! |--------|---------|------------------|-----------------|------------------------------|
//! | `intl` | SHA-256 | Ed25519          | AES-256-GCM     | X25519 + HKDF-SHA256 + AES-256-GCM |
//! | `sm`   | SM3     | SM2 with SM3     | SM4-GCM         | SM2 public-key encryption    |
//!
//! A package never mixes suites: the manifest digests, the signature and the envelope all
//! follow the one suite, so a host that must use the Chinese national algorithms can check
//! that nothing else was involved.

use sha2::Digest as _;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Suite {
    /// SHA-256, Ed25519, X25519, AES-256-GCM.
    Intl,
    /// SM3, SM2, SM4-GCM (GB/T 32905, 32918, 32907).
    Sm,
}

impl Suite {
    /// `"intl"` or `"sm"`; anything else is `None`.
    pub fn parse(s: &str) -> Option<Suite> {
        match s {
            "intl" => Some(Suite::Intl),
            "sm" => Some(Suite::Sm),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Suite::Intl => "intl",
            Suite::Sm => "sm",
        }
    }

    /// The suite's byte in binary headers (the envelope's, encrypted storage's): 1 for
    /// `intl`, 2 for `sm`.
    pub fn code(self) -> u8 {
        match self {
            Suite::Intl => 1,
            Suite::Sm => 2,
        }
    }

    /// The suite of a header byte; `None` for any other byte.
    pub fn from_code(code: u8) -> Option<Suite> {
        [Suite::Intl, Suite::Sm]
            .into_iter()
            .find(|s| s.code() == code)
    }

    /// The digest's name as written in manifests: `"sha256"` or `"sm3"`.
    pub fn digest_name(self) -> &'static str {
        match self {
            Suite::Intl => "sha256",
            Suite::Sm => "sm3",
        }
    }

    /// `"ed25519"` or `"sm2-sm3"`.
    pub fn signature_scheme(self) -> &'static str {
        match self {
            Suite::Intl => "ed25519",
            Suite::Sm => "sm2-sm3",
        }
    }

    /// `"aes-256-gcm"` or `"sm4-gcm"`.
    pub fn cipher_name(self) -> &'static str {
        match self {
            Suite::Intl => "aes-256-gcm",
            Suite::Sm => "sm4-gcm",
        }
    }

    /// The suite's digest (SHA-256 or SM3) of `bytes`.
    pub fn digest(self, bytes: &[u8]) -> [u8; 32] {
        let mut h = self.hasher();
        h.update(bytes);
        h.finalize()
    }

    /// An incremental hasher for the suite's digest.
    pub fn hasher(self) -> Hasher {
        Hasher {
            inner: match self {
                Suite::Intl => Inner::Sha256(sha2::Sha256::new()),
                Suite::Sm => Inner::Sm3(sm3::Sm3::new()),
            },
        }
    }
}

impl std::fmt::Display for Suite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Incremental SHA-256 or SM3; also an [`std::io::Write`] so `std::io::copy` can feed it.
#[derive(Clone)]
pub struct Hasher {
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    Sha256(sha2::Sha256),
    Sm3(sm3::Sm3),
}

impl Hasher {
    pub fn suite(&self) -> Suite {
        match self.inner {
            Inner::Sha256(_) => Suite::Intl,
            Inner::Sm3(_) => Suite::Sm,
        }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        match &mut self.inner {
            Inner::Sha256(h) => h.update(bytes),
            Inner::Sm3(h) => h.update(bytes),
        }
    }

    pub fn finalize(self) -> [u8; 32] {
        match self.inner {
            Inner::Sha256(h) => h.finalize().into(),
            Inner::Sm3(h) => h.finalize().into(),
        }
    }
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hasher({})", self.suite().digest_name())
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in [Suite::Intl, Suite::Sm] {
            assert_eq!(Suite::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
            assert_eq!(serde_json::from_str::<Suite>(&json).unwrap(), s);
        }
        assert_eq!(Suite::parse("SM"), None);
        for s in [Suite::Intl, Suite::Sm] {
            assert_eq!(Suite::from_code(s.code()), Some(s));
        }
        // Written in envelopes and stored data: these bytes never change.
        assert_eq!((Suite::Intl.code(), Suite::Sm.code()), (1, 2));
        assert_eq!(Suite::from_code(0), None);
        assert_eq!(Suite::from_code(3), None);
        assert_eq!(Suite::parse(""), None);
    }

    #[test]
    fn incremental_matches_one_shot() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        for s in [Suite::Intl, Suite::Sm] {
            let mut h = s.hasher();
            std::io::copy(&mut &data[..333], &mut h).unwrap();
            h.update(&data[333..]);
            assert_eq!(h.finalize(), s.digest(&data));
        }
        assert_ne!(Suite::Intl.digest(b"x"), Suite::Sm.digest(b"x"));
    }
}
