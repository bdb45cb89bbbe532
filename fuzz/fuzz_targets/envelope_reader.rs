//! The fuzz input is an envelope; reading its header and opening it for a known host key must
//! refuse or succeed, never panic, and never hand out more than it decrypted.
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
    if envelope::open(&mut &data[..], &mut out, keys()).is_ok() {
        assert!(out.len() <= data.len(), "more plaintext than input");
    }
});
