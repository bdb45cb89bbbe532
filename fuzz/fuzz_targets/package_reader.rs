//! The fuzz input is a package file as a container receives it (a ZIP, or an envelope around
//! one); opening it must refuse or succeed, never panic or run away.
#![no_main]

use cove_package::{KeyPair, Limits, Purpose, Suite, Trust};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn trust() -> &'static Trust {
    static T: OnceLock<Trust> = OnceLock::new();
    T.get_or_init(|| {
        let sign = KeyPair::from_secret(Suite::Intl, Purpose::Sign, Some("fuzz-platform"), &[1; 32]).unwrap();
        let seal = KeyPair::from_secret(Suite::Intl, Purpose::Seal, Some("fuzz-host"), &[2; 32]).unwrap();
        Trust {
            signing_keys: vec![sign.public()],
            host_keys: vec![seal],
            dev_mode: true,
            installed_version: Some(1),
            channels: vec![cove_package::Channel::Release],
            // Small, so that a bomb is found quickly rather than slowly inflated.
            limits: Limits { max_total: 1 << 20, max_files: 64, ..Limits::default() },
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = cove_package::open(data, trust());
});
