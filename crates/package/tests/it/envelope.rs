//! The envelope: round trips, recipients, and every way a damaged envelope fails; every
//! case is opened both streaming and in memory (`open_slice`), which must agree exactly.

use cove_package::envelope::{self, EnvelopeError, Header, MAGIC};
use cove_package::{KeyPair, Purpose, Suite};

const SUITES: [Suite; 2] = [Suite::Intl, Suite::Sm];

fn host(suite: Suite, id: &str) -> KeyPair {
    KeyPair::generate(suite, Purpose::Seal, Some(id)).unwrap()
}

/// Deterministic but non-repeating plaintext.
fn data(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i.wrapping_mul(2654435761) >> 7) as u8)
        .collect()
}

fn seal(suite: Suite, keys: &[&KeyPair], plain: &[u8], chunk_log2: Option<u8>) -> Vec<u8> {
    let recipients: Vec<_> = keys.iter().map(|k| k.public()).collect();
    let mut out = Vec::new();
    let n = envelope::seal(&mut &plain[..], &mut out, suite, &recipients, chunk_log2).unwrap();
    assert_eq!(n, out.len() as u64);
    out
}

/// Opens both ways, streaming and in memory on all cores, and checks that they agree on the
/// plaintext or on the exact error.
fn open(sealed: &[u8], keys: &[KeyPair]) -> Result<(Header, Vec<u8>), EnvelopeError> {
    let mut out = Vec::new();
    let streamed = envelope::open(&mut &sealed[..], &mut out, keys).map(|h| (h, out));
    let sliced = envelope::open_slice(sealed, keys, u64::MAX);
    match (&streamed, &sliced) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => assert_eq!((a.code(), a.to_string()), (b.code(), b.to_string())),
        _ => panic!("streaming and in-memory opening disagree: {streamed:?} / {sliced:?}"),
    }
    streamed
}

fn open_err(sealed: &[u8], keys: &[KeyPair]) -> EnvelopeError {
    match open(sealed, keys) {
        Ok(_) => panic!("opened a damaged envelope"),
        Err(e) => e,
    }
}

fn header_len(sealed: &[u8]) -> usize {
    envelope::read_header(sealed).unwrap().1
}

#[test]
fn round_trips_across_sizes() {
    for suite in SUITES {
        let key = host(suite, "host");
        let chunk = 1usize << 12;
        for len in [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk + 17] {
            let plain = data(len);
            let sealed = seal(suite, &[&key], &plain, Some(12));
            assert!(envelope::is_envelope(&sealed));
            // The payload is exactly: full chunks, then one shorter last chunk, each + tag.
            let chunks = len / chunk + 1;
            assert_eq!(
                sealed.len(),
                header_len(&sealed) + len + 16 * chunks,
                "len {len}"
            );

            let (header, opened) = open(&sealed, std::slice::from_ref(&key)).unwrap();
            assert_eq!(opened, plain, "{suite:?} len {len}");
            assert_eq!(
                header,
                Header {
                    version: 1,
                    suite,
                    chunk_size: chunk,
                    recipients: vec!["host".into()]
                }
            );
            // The plaintext does not appear in the clear.
            if len >= 64 {
                assert!(!sealed.windows(32).any(|w| w == &plain[..32]));
            }
        }
    }
}

#[test]
fn the_default_chunk_is_64_kib() {
    let key = host(Suite::Intl, "host");
    let plain = data(70_000);
    let sealed = seal(Suite::Intl, &[&key], &plain, None);
    let (header, len) = envelope::read_header(&sealed).unwrap();
    assert_eq!(header.chunk_size, 65_536);
    assert_eq!(sealed.len(), len + 70_000 + 2 * 16);
    assert_eq!(open(&sealed, &[key]).unwrap().1, plain);
}

#[test]
fn sealing_twice_differs() {
    let key = host(Suite::Sm, "host");
    let plain = data(100);
    let a = seal(Suite::Sm, &[&key], &plain, None);
    let b = seal(Suite::Sm, &[&key], &plain, None);
    assert_ne!(a, b);
}

#[test]
fn two_recipients_each_open_and_a_third_is_not_for_host() {
    for suite in SUITES {
        let (a, b, c) = (
            host(suite, "host-a"),
            host(suite, "host-b"),
            host(suite, "host-c"),
        );
        let plain = data(10_000);
        let sealed = seal(suite, &[&a, &b], &plain, Some(12));
        let (header, len) = envelope::read_header(&sealed).unwrap();
        assert_eq!(header.recipients, ["host-a", "host-b"]);
        assert!(len < sealed.len());

        assert_eq!(open(&sealed, std::slice::from_ref(&a)).unwrap().1, plain);
        assert_eq!(open(&sealed, std::slice::from_ref(&b)).unwrap().1, plain);
        // The first key that is a recipient is used; non-recipients are skipped.
        assert_eq!(open(&sealed, &[c.clone(), b.clone()]).unwrap().1, plain);

        let err = open_err(&sealed, std::slice::from_ref(&c));
        assert_eq!(err.code(), "envelope_not_for_host");
        let msg = err.to_string();
        assert!(
            msg.contains("host-a") && msg.contains("host-b") && msg.contains("host-c"),
            "{msg}"
        );
        assert_eq!(open_err(&sealed, &[]).code(), "envelope_not_for_host");
    }
}

#[test]
fn a_recipient_id_with_the_wrong_key_is_unwrap() {
    for suite in SUITES {
        let real = host(suite, "host");
        let impostor = host(suite, "host");
        let sealed = seal(suite, &[&real], &data(10), None);
        let err = open_err(&sealed, std::slice::from_ref(&impostor));
        assert_eq!(err.code(), "envelope_unwrap");
        // A later key that does unwrap it is still tried.
        assert_eq!(open(&sealed, &[impostor, real]).unwrap().1, data(10));
    }
    // A key of the other suite that happens to carry the id.
    let intl = host(Suite::Intl, "host");
    let sm = host(Suite::Sm, "host");
    let sealed = seal(Suite::Intl, &[&intl], &data(10), None);
    assert_eq!(open_err(&sealed, &[sm]).code(), "envelope_unwrap");
}

#[test]
fn seal_refuses_unusable_recipients() {
    let intl = host(Suite::Intl, "a");
    let sign = KeyPair::generate(Suite::Intl, Purpose::Sign, None).unwrap();
    let same_id = host(Suite::Intl, "a");
    let sm = host(Suite::Sm, "b");
    let cases: Vec<(Vec<_>, Option<u8>)> = vec![
        (vec![], None),
        (vec![sign.public()], None),
        (vec![sm.public()], None),
        (vec![intl.public(), same_id.public()], None),
        (
            (0..33)
                .map(|i| host(Suite::Intl, &format!("k{i}")).public())
                .collect(),
            None,
        ),
        (vec![intl.public()], Some(11)),
        (vec![intl.public()], Some(25)),
    ];
    for (recipients, log2) in cases {
        let mut out = Vec::new();
        let err =
            envelope::seal(&mut &b"x"[..], &mut out, Suite::Intl, &recipients, log2).unwrap_err();
        assert_eq!(err.code(), "envelope_seal", "{err}");
        assert!(out.is_empty());
    }
    // 32 recipients is the maximum and works.
    let many: Vec<_> = (0..32)
        .map(|i| host(Suite::Intl, &format!("k{i}")))
        .collect();
    let refs: Vec<&KeyPair> = many.iter().collect();
    let sealed = seal(Suite::Intl, &refs, b"hello", None);
    assert_eq!(open(&sealed, &many[31..]).unwrap().1, b"hello");
}

#[test]
fn truncation_is_detected() {
    for suite in SUITES {
        let key = host(suite, "host");
        let chunk = 1usize << 12;
        let sealed = seal(suite, &[&key], &data(3 * chunk + 17), Some(12));
        let h = header_len(&sealed);
        let full = chunk + 16;
        let keys = std::slice::from_ref(&key);
        for (cut, what) in [
            (0, "empty"),
            (5, "inside the magic"),
            (12, "inside the fixed header"),
            (h - 1, "inside the last wrapped key"),
            (h, "before the first chunk"),
            (h + 10, "inside chunk 0, 10 bytes of it left"),
            (h + full, "at the boundary after chunk 0"),
            (h + 2 * full, "at the boundary after chunk 1"),
            (h + 3 * full, "at the boundary before the last chunk"),
            (h + 3 * full + 15, "inside the last chunk's first 16 bytes"),
        ] {
            let err = open_err(&sealed[..cut], keys);
            assert_eq!(err.code(), "envelope_truncated", "{what}: {err}");
        }
        // Cut inside a chunk with 16 or more of its bytes left: that piece is read as a short
        // last chunk and fails authentication, which cannot be told apart from an altered
        // last chunk; the error says both.
        for cut in [h + 100, h + full + 500, h + 3 * full + 16, sealed.len() - 1] {
            let err = open_err(&sealed[..cut], keys);
            assert_eq!(err.code(), "envelope_corrupt", "{err}");
            assert!(err.to_string().contains("cut short"), "{err}");
        }
        // read_header on a cut header says truncated too; on the whole header it works.
        assert_eq!(
            envelope::read_header(&sealed[..h - 1]).unwrap_err().code(),
            "envelope_truncated"
        );
        assert_eq!(envelope::read_header(&sealed[..h]).unwrap().1, h);
    }
}

#[test]
fn a_flipped_payload_byte_is_corrupt_naming_the_chunk() {
    for suite in SUITES {
        let key = host(suite, "host");
        let chunk = 1usize << 12;
        let sealed = seal(suite, &[&key], &data(3 * chunk + 17), Some(12));
        let h = header_len(&sealed);
        let full = chunk + 16;
        for (at, index) in [
            (h, 0),
            (h + full - 1, 0), // chunk 0's tag
            (h + full + 7, 1),
            (h + 2 * full + 300, 2),
            (h + 3 * full + 3, 3), // the last chunk
            (sealed.len() - 1, 3),
        ] {
            let mut bad = sealed.clone();
            bad[at] ^= 0x20;
            let mut out = Vec::new();
            let err =
                envelope::open(&mut &bad[..], &mut out, std::slice::from_ref(&key)).unwrap_err();
            assert_eq!(err.code(), "envelope_corrupt");
            assert!(
                matches!(err, EnvelopeError::Corrupt { chunk, .. } if chunk == index),
                "{err}"
            );
            assert!(err.to_string().contains(&format!("chunk {index}")), "{err}");
            // Only the chunks before the bad one were written, all of them authentic.
            assert_eq!(out, data(3 * chunk + 17)[..index as usize * chunk]);
        }
    }
}

#[test]
fn reordered_or_dropped_chunks_fail() {
    let key = host(Suite::Intl, "host");
    let chunk = 1usize << 12;
    let plain = data(3 * chunk + 17);
    let sealed = seal(Suite::Intl, &[&key], &plain, Some(12));
    let h = header_len(&sealed);
    let full = chunk + 16;
    let keys = std::slice::from_ref(&key);

    // Swap chunks 0 and 1.
    let mut swapped = sealed[..h].to_vec();
    swapped.extend_from_slice(&sealed[h + full..h + 2 * full]);
    swapped.extend_from_slice(&sealed[h..h + full]);
    swapped.extend_from_slice(&sealed[h + 2 * full..]);
    assert_eq!(open_err(&swapped, keys).code(), "envelope_corrupt");

    // Drop chunk 1.
    let mut dropped = sealed[..h + full].to_vec();
    dropped.extend_from_slice(&sealed[h + 2 * full..]);
    assert_eq!(open_err(&dropped, keys).code(), "envelope_corrupt");
}

#[test]
fn a_flipped_header_byte_fails() {
    for suite in SUITES {
        let (a, b) = (host(suite, "host-a"), host(suite, "host-b"));
        let sealed = seal(suite, &[&a, &b], &data(5000), Some(12));
        let h = header_len(&sealed);
        let keys = [a.clone()];
        // magic(8) version suite chunk_log2 nonce_base(7) count, then "host-a"'s entry.
        let first_id = 8 + 3 + 7 + 1 + 1;
        let first_wrapped = first_id + 6 + 2;
        let cases = [
            (11, 0x01, "nonce_base"),
            (17, 0x80, "nonce_base, last byte"),
            (first_id + 5, 0x01, "recipient id host-a -> host-`"),
            (first_wrapped + 40, 0x01, "host-a's wrapped key"),
            (
                h - 1,
                0x01,
                "host-b's wrapped key (not ours, but in the AAD)",
            ),
            (h - 10, 0x04, "host-b's wrapped key"),
        ];
        for (at, mask, what) in cases {
            let mut bad = sealed.clone();
            bad[at] ^= mask;
            let mut out = Vec::new();
            let err = envelope::open(&mut &bad[..], &mut out, &keys).unwrap_err();
            assert!(
                [
                    "envelope_corrupt",
                    "envelope_unwrap",
                    "envelope_not_for_host",
                    "envelope_header"
                ]
                .contains(&err.code()),
                "{suite:?} {what}: {err}"
            );
            assert!(out.is_empty(), "{what}: nothing may be written");
        }
        // Specific expectations where the outcome is determined.
        let mut bad = sealed.clone();
        bad[11] ^= 1;
        assert_eq!(open_err(&bad, &keys).code(), "envelope_corrupt");
        let mut bad = sealed.clone();
        bad[first_id + 5] ^= 1; // "host-a" -> "host-`": not a valid id character
        assert_eq!(open_err(&bad, &keys).code(), "envelope_header");
        let mut bad = sealed.clone();
        bad[first_id + 5] ^= 3; // "host-a" -> "host-b": a duplicate id
        assert_eq!(open_err(&bad, &keys).code(), "envelope_header");
        let mut bad = sealed.clone();
        bad[first_id + 5] ^= 0x20; // "host-a" -> "host-A"
        assert_eq!(open_err(&bad, &keys).code(), "envelope_not_for_host");
        let mut bad = sealed.clone();
        bad[first_wrapped + 40] ^= 1;
        assert_eq!(open_err(&bad, &keys).code(), "envelope_unwrap");
        let mut bad = sealed.clone();
        bad[h - 1] ^= 1; // the other recipient's key: we unwrap fine, but the AAD differs
        assert_eq!(open_err(&bad, &keys).code(), "envelope_corrupt");
        // The other recipient still opens an intact copy.
        assert_eq!(open(&sealed, &[b]).unwrap().1, data(5000));
    }
}

#[test]
fn appended_bytes_are_refused() {
    // The last chunk ends at the end of the input, so bytes appended after it become part of
    // the last piece read, which then fails authentication (see the module doc).
    for suite in SUITES {
        let key = host(suite, "host");
        let keys = std::slice::from_ref(&key);
        let chunk = 1usize << 12;
        for len in [0, 4096, 5000] {
            let sealed = seal(suite, &[&key], &data(len), Some(12));
            let last = (len / chunk) as u64;
            let appended = [
                vec![0u8],
                vec![0u8; 16],
                seal(suite, &[&key], &data(len), Some(12)), // a whole second envelope
            ];
            for extra in appended {
                let mut bad = sealed.clone();
                bad.extend_from_slice(&extra);
                let mut out = Vec::new();
                let err = envelope::open(&mut &bad[..], &mut out, keys).unwrap_err();
                assert!(
                    matches!(err, EnvelopeError::Corrupt { chunk, .. } if chunk == last),
                    "{len}: {err}"
                );
                assert!(err.to_string().contains("bytes appended"), "{err}");
                // The full chunks before it were authentic and written; nothing after.
                assert_eq!(out, data(len)[..last as usize * chunk]);
            }
        }
    }
}

#[test]
fn bytes_after_the_end_of_input_are_trailing() {
    // A source that reports the end of input, then has more (a growing file, a terminal):
    // `open` reads once more after the last chunk and refuses what it finds.
    struct Then<'a> {
        first: &'a [u8],
        ended: bool,
        then: &'a [u8],
    }
    impl std::io::Read for Then<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if !self.first.is_empty() {
                let n = buf.len().min(self.first.len());
                buf[..n].copy_from_slice(&self.first[..n]);
                self.first = &self.first[n..];
                return Ok(n);
            }
            if !self.ended {
                self.ended = true;
                return Ok(0);
            }
            let n = buf.len().min(self.then.len());
            buf[..n].copy_from_slice(&self.then[..n]);
            self.then = &self.then[n..];
            Ok(n)
        }
    }
    let key = host(Suite::Intl, "host");
    let sealed = seal(Suite::Intl, &[&key], &data(5000), Some(12));
    let mut out = Vec::new();
    let mut input = Then {
        first: &sealed,
        ended: false,
        then: b"more",
    };
    let err = envelope::open(&mut input, &mut out, std::slice::from_ref(&key)).unwrap_err();
    assert_eq!(err.code(), "envelope_trailing");
    // Without the extra bytes the same source opens.
    let mut input = Then {
        first: &sealed,
        ended: false,
        then: b"",
    };
    envelope::open(&mut input, &mut Vec::new(), &[key]).unwrap();
}

#[test]
fn bad_magic_version_suite_and_lengths_are_header_errors() {
    let key = host(Suite::Intl, "host");
    let sealed = seal(Suite::Intl, &[&key], &data(100), None);
    let keys = std::slice::from_ref(&key);
    let set = |at: usize, v: u8| {
        let mut b = sealed.clone();
        b[at] = v;
        b
    };
    let zip = b"PK\x03\x04\x14\x00\x00\x00".to_vec();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (zip, "a ZIP"),
        (
            b"COVE".to_vec().into_iter().chain(*b"XXXX").collect(),
            "bad magic",
        ),
        (b"X".to_vec(), "one wrong byte"),
        (set(7, b'2'), "COVEENV2"),
        (set(8, 0), "version 0"),
        (set(8, 2), "version 2"),
        (set(9, 0), "suite 0"),
        (set(9, 3), "suite 3"),
        (set(10, 11), "chunk_log2 11"),
        (set(10, 25), "chunk_log2 25"),
        (set(18, 0), "no recipients"),
        (set(18, 33), "33 recipients"),
        (set(19, 0), "empty id"),
        (set(19, 65), "id longer than 64"),
        (set(20, 0xff), "id not UTF-8"),
        (
            {
                let mut b = sealed.clone();
                let at = 20 + 4; // the wrapped_len after "host"
                b[at] = 0;
                b[at + 1] = 0;
                b
            },
            "empty wrapped key",
        ),
    ];
    for (bytes, what) in cases {
        let err = open_err(&bytes, keys);
        assert_eq!(err.code(), "envelope_header", "{what}: {err}");
        assert_eq!(
            envelope::read_header(&bytes).unwrap_err().code(),
            "envelope_header",
            "{what}"
        );
    }
    assert!(!envelope::is_envelope(b"PK\x03\x04"));
    assert!(!envelope::is_envelope(&MAGIC[..7]));
    assert!(envelope::is_envelope(&sealed));
}

#[test]
fn a_suite_byte_swapped_between_valid_suites_does_not_open() {
    // Claiming sm for an intl envelope: the key is of the wrong suite, so it cannot unwrap.
    let key = host(Suite::Intl, "host");
    let sealed = seal(Suite::Intl, &[&key], &data(100), None);
    let mut bad = sealed.clone();
    bad[9] = 2;
    assert_eq!(open_err(&bad, &[key]).code(), "envelope_unwrap");
}

#[test]
fn output_write_errors_are_io() {
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let key = host(Suite::Sm, "host");
    let sealed = seal(Suite::Sm, &[&key], &data(100), None);
    let err = envelope::open(&mut &sealed[..], &mut Full, std::slice::from_ref(&key)).unwrap_err();
    assert_eq!(err.code(), "io");
    let err =
        envelope::seal(&mut &b"x"[..], &mut Full, Suite::Sm, &[key.public()], None).unwrap_err();
    assert_eq!(err.code(), "io");
}

#[test]
fn reads_from_a_trickling_reader() {
    // A reader that returns at most 3 bytes per call must give the same result.
    struct Trickle<'a>(&'a [u8]);
    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(3).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let key = host(Suite::Intl, "host");
    let plain = data(9000);
    let mut sealed = Vec::new();
    envelope::seal(
        &mut Trickle(&plain),
        &mut sealed,
        Suite::Intl,
        &[key.public()],
        Some(12),
    )
    .unwrap();
    let mut out = Vec::new();
    envelope::open(&mut Trickle(&sealed), &mut out, &[key]).unwrap();
    assert_eq!(out, plain);
}

#[test]
fn in_memory_opening_is_bounded() {
    let key = host(Suite::Intl, "host");
    let sealed = seal(Suite::Intl, &[&key], &data(50_000), Some(12));
    let e = envelope::open_slice(&sealed, std::slice::from_ref(&key), 10_000).unwrap_err();
    assert_eq!(e.code(), "zip_bomb");
    assert_eq!(
        envelope::open_slice(&sealed, &[key], 50_000).unwrap().1,
        data(50_000)
    );
}
