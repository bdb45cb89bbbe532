//! The raw AEAD speed of this machine, for `bench package`: the envelope's ciphers on the same
//! chunk size, with nothing around them, measured in the same run as the real open.

use std::time::{Duration, Instant};

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut, KeyInit, Nonce, inout::InOutBuf};

use cove_package::Suite;
use cove_package::envelope::Sm4Gcm;

use super::median;

/// Decrypt-and-verify `bytes` bytes in `chunk`-sized pieces, `iterations` times; the median
/// time of one pass.
pub fn decrypt_time(suite: Suite, bytes: usize, chunk: usize, iterations: usize) -> Duration {
    match suite {
        Suite::Intl => time::<Aes256Gcm>(&[7; 32], bytes, chunk, iterations),
        Suite::Sm => time::<Sm4Gcm>(&[7; 16], bytes, chunk, iterations),
    }
}

fn time<C: AeadInOut + KeyInit>(
    key: &[u8],
    bytes: usize,
    chunk: usize,
    iterations: usize,
) -> Duration {
    let cipher = C::new_from_slice(key).expect("a key of the cipher's size");
    let nonce = Nonce::<C>::default();
    let mut data: Vec<u8> = (0..bytes).map(|i| i as u8).collect();
    let tags: Vec<_> = data
        .chunks_mut(chunk)
        .map(|c| {
            cipher
                .encrypt_inout_detached(&nonce, b"", InOutBuf::from(c))
                .expect("encrypts")
        })
        .collect();
    let mut runs = vec![];
    for _ in 0..iterations.max(1) {
        let mut copy = data.clone();
        let t = Instant::now();
        for (c, tag) in copy.chunks_mut(chunk).zip(&tags) {
            cipher
                .decrypt_inout_detached(&nonce, b"", InOutBuf::from(c), tag)
                .expect("authentic");
        }
        runs.push(t.elapsed().as_secs_f64());
        std::hint::black_box(&copy);
    }
    Duration::from_secs_f64(median(&mut runs))
}
