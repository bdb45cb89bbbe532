//! The fuzz input is an envelope; reading its header and opening it for a known host key must
//! refuse or succeed, never panic, never hand out more than it decrypted, and the streaming
//! and in-memory readers must agree.
#![no_main]

use cove_package::{KeyPair, Purpose, Suite, envelope};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn keys() -> &'static [KeyPair] {
    static K: OnceLock<Vec<KeyPair>> = OnceLock::new();
    K.get_or_init(|| {
        vec![
            KeyPair::from_secret(Suite::Intl, Purpose::Seal, Some("fuzz-host"), &[2; 32]).unwrap(),
            KeyPair::from_secret(Suite::Sm, Purpose::Seal, Some("fuzz-host-sm"), &[3; 32]).unwrap(),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = envelope::read_header(data);
    let mut out = Vec::new();
    let streamed = envelope::open(&mut &data[..], &mut out, keys());
    // The in-memory reader decrypts on all cores; it must agree exactly.
    let sliced = envelope::open_slice(data, keys(), 1 << 20);
    match (streamed, sliced) {
        (Ok(h), Ok((h2, plain))) => {
            assert_eq!(h, h2);
            assert_eq!(out, plain);
            assert!(out.len() <= data.len(), "more plaintext than input");
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        (a, b) => panic!("streaming and in-memory opening disagree: {a:?} / {b:?}"),
    }
});
