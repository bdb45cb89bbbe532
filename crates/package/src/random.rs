//! Bytes from the operating system's random source (`getrandom`): the one helper every Cove
//! crate draws keys, nonces, salts and secrets from.

use zeroize::Zeroizing;

/// The system's random source failed (no entropy yet, or no such source).
#[derive(Debug, Clone, thiserror::Error)]
#[error("system random: {0}")]
pub struct RandomError(String);

/// Fill `buf`.
pub fn fill(buf: &mut [u8]) -> Result<(), RandomError> {
    getrandom::fill(buf).map_err(|e| RandomError(e.to_string()))
}

/// `len` random bytes.
pub fn bytes(len: usize) -> Result<Vec<u8>, RandomError> {
    let mut buf = vec![0u8; len];
    fill(&mut buf)?;
    Ok(buf)
}

/// `len` random bytes for a secret (a key), wiped from memory when dropped.
pub fn secret(len: usize) -> Result<Zeroizing<Vec<u8>>, RandomError> {
    let mut buf = Zeroizing::new(vec![0u8; len]);
    fill(&mut buf)?;
    Ok(buf)
}

/// `N` random bytes.
pub fn array<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut buf = [0u8; N];
    fill(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_fresh_bytes() {
        assert_eq!(bytes(0).unwrap(), Vec::<u8>::new());
        let (a, b) = (array::<32>().unwrap(), array::<32>().unwrap());
        assert_ne!(a, b);
        assert_ne!(a, [0; 32]);
        assert_eq!(secret(16).unwrap().len(), 16);
        assert_ne!(*bytes(32).unwrap(), [0; 32]);
    }
}
