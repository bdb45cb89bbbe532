//! Known-answer tests for every primitive the package format uses, through the crate's own
//! API wherever it exposes one. Each vector cites where it is published.

use cove_package::envelope::Sm4Gcm;
use cove_package::{KeyError, KeyPair, PublicKey, Purpose, Suite};

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.replace([' ', '\n'], "")).expect("test hex")
}

// ---------------------------------------------------------------- SM3

/// GB/T 32905-2016 Appendix A, examples 1 and 2.
#[test]
fn sm3_gbt32905_appendix_a() {
    assert_eq!(
        Suite::Sm.digest(b"abc").to_vec(),
        unhex("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
    );
    let abcd16 = b"abcd".repeat(16);
    let want = unhex("debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
    assert_eq!(Suite::Sm.digest(&abcd16).to_vec(), want);
    // The same through the incremental hasher, fed across the block boundary.
    let mut h = Suite::Sm.hasher();
    h.update(&abcd16[..5]);
    h.update(&abcd16[5..]);
    assert_eq!(h.finalize().to_vec(), want);
}

/// FIPS 180-4 examples (NIST CSRC "SHA256.pdf"): "abc" and the 448-bit message.
#[test]
fn sha256_fips180_examples() {
    assert_eq!(
        Suite::Intl.digest(b"abc").to_vec(),
        unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    assert_eq!(
        Suite::Intl
            .digest(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            .to_vec(),
        unhex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    );
}

// ---------------------------------------------------------------- SM4

/// GB/T 32907-2016 Appendix A, example 1: key = plaintext = 0123456789abcdeffedcba9876543210.
#[test]
fn sm4_gbt32907_example_1() {
    use sm4::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
    let key: [u8; 16] = unhex("0123456789abcdeffedcba9876543210")
        .try_into()
        .unwrap();
    let cipher = sm4::Sm4::new(&key.into());
    let mut block = key.into();
    cipher.encrypt_block(&mut block);
    assert_eq!(block.to_vec(), unhex("681edf34d206965e86b3e94f536e4246"));
    cipher.decrypt_block(&mut block);
    assert_eq!(block.to_vec(), key.to_vec());
}

/// GB/T 32907-2016 Appendix A, example 2: the same block encrypted 1,000,000 times.
/// About 1.8 s in a debug build (dependencies at opt-level 1) on the dev machine, so it runs
/// by default.
#[test]
fn sm4_gbt32907_example_2_million_times() {
    use sm4::cipher::{BlockCipherEncrypt, KeyInit};
    let key: [u8; 16] = unhex("0123456789abcdeffedcba9876543210")
        .try_into()
        .unwrap();
    let cipher = sm4::Sm4::new(&key.into());
    let mut block = key.into();
    for _ in 0..1_000_000 {
        cipher.encrypt_block(&mut block);
    }
    assert_eq!(block.to_vec(), unhex("595298c7c6fd271f0402f804c33d3f66"));
}

/// RFC 8998 Appendix A.1 (SM4-GCM): checks the `AesGcm<Sm4, U12>` composition the envelope uses.
#[test]
fn sm4_gcm_rfc8998_a1() {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    let key = unhex("0123456789ABCDEFFEDCBA9876543210");
    let nonce = unhex("00001234567800000000ABCD");
    let aad = unhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
    let plaintext = unhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD
         EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
    );
    let want = unhex(
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735
         D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D
         83DE3541E4C2B58177E065A9BF7B62EC",
    );
    let cipher = Sm4Gcm::new_from_slice(&key).unwrap();
    let nonce = aes_gcm::Nonce::try_from(&nonce[..]).unwrap();
    let sealed = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: &plaintext,
                aad: &aad,
            },
        )
        .unwrap();
    assert_eq!(sealed, want);
    let opened = cipher
        .decrypt(
            &nonce,
            Payload {
                msg: &want,
                aad: &aad,
            },
        )
        .unwrap();
    assert_eq!(opened, plaintext);
    let mut bad = want.clone();
    bad[10] ^= 1;
    assert!(
        cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: &bad,
                    aad: &aad
                }
            )
            .is_err()
    );
}

// ---------------------------------------------------------------- SM2

/// GM/T 0003.5-2012 / GB/T 32918.2-2016 Annex A.2 example on the recommended curve sm2p256v1:
/// private key d, its public point (xA, yA), message "message digest", user id
/// "1234567812345678" (ZA = B2E14C5C…A8A4F3, e = F0B43E94…D28640), and the published (r, s)
/// made with k = 59276E27…C1BC21. Cross-checked in several public test suites (OpenSSL's
/// sm2_internal_test, openHiTLS CMVP vectors, gmsm) before use.
const SM2_D: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
const SM2_X: &str = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020";
const SM2_Y: &str = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
const SM2_R: &str = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3";
const SM2_S: &str = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";

fn sm2_published_public() -> Vec<u8> {
    unhex(&format!("04{SM2_X}{SM2_Y}"))
}

#[test]
fn sm2_private_key_derives_the_published_public_point() {
    let pair = KeyPair::from_secret(Suite::Sm, Purpose::Sign, None, &unhex(SM2_D)).unwrap();
    assert_eq!(pair.public().bytes(), &sm2_published_public()[..]);
    // The secret survives the key file unchanged.
    let text = pair.to_json();
    let again = KeyPair::from_json(&text).unwrap();
    assert_eq!(again.public(), pair.public());
    assert!(text.contains(&base64_of(&unhex(SM2_D))));
}

#[test]
fn sm2_verifies_the_published_signature() {
    let public = PublicKey::from_bytes(
        Suite::Sm,
        Purpose::Sign,
        Some("gbt32918"),
        &sm2_published_public(),
    )
    .unwrap();
    let sig = unhex(&format!("{SM2_R}{SM2_S}"));
    public.verify(b"message digest", &sig).unwrap();

    // Every single flipped bit, in the signature or the message, must fail.
    for i in [0, 17, 31, 32, 50, 63] {
        let mut bad = sig.clone();
        bad[i] ^= 0x01;
        assert!(
            matches!(
                public.verify(b"message digest", &bad),
                Err(KeyError::BadSignature)
            ),
            "byte {i}"
        );
    }
    assert!(matches!(
        public.verify(b"message digesu", &sig),
        Err(KeyError::BadSignature)
    ));
    assert!(matches!(
        public.verify(b"message digest", &sig[..63]),
        Err(KeyError::BadSignature)
    ));
    // The same signature under another public key fails.
    let other = KeyPair::generate(Suite::Sm, Purpose::Sign, None)
        .unwrap()
        .public();
    assert!(other.verify(b"message digest", &sig).is_err());
}

#[test]
fn sm2_digest_chain_matches_the_published_e() {
    // e = SM3(ZA || M) with the published ZA: ties our SM3 to the standard's intermediate value.
    let za = unhex("B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3");
    let mut h = Suite::Sm.hasher();
    h.update(&za);
    h.update(b"message digest");
    assert_eq!(
        h.finalize().to_vec(),
        unhex("F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640")
    );
}

// ---------------------------------------------------------------- Ed25519

/// RFC 8032 section 7.1, TEST 1, TEST 2 and TEST 3: (secret seed, public key, message, signature).
const RFC8032: [(&str, &str, &str, &str); 3] = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
];

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn ed25519_rfc8032_tests_1_to_3() {
    for (n, (seed, public, msg, sig)) in RFC8032.iter().enumerate() {
        let (seed, public, msg, sig) = (unhex(seed), unhex(public), unhex(msg), unhex(sig));
        // Built from a key file, as a real key would be.
        let text = format!(
            r#"{{"cove_key": 1, "suite": "intl", "purpose": "sign", "id": "rfc8032-{n}", "public": "{}", "secret": "{}"}}"#,
            base64_of(&public),
            base64_of(&seed)
        );
        let pair = KeyPair::from_json(&text).unwrap();
        assert_eq!(pair.public().bytes(), &public[..], "TEST {}", n + 1);
        assert_eq!(pair.sign(&msg).unwrap(), sig, "TEST {}", n + 1);

        let from_seed = KeyPair::from_secret(Suite::Intl, Purpose::Sign, None, &seed).unwrap();
        assert_eq!(from_seed.public().bytes(), &public[..]);

        let verifier = PublicKey::from_bytes(Suite::Intl, Purpose::Sign, None, &public).unwrap();
        verifier.verify(&msg, &sig).unwrap();
        let mut bad = sig.clone();
        bad[n * 7] ^= 0x80;
        assert!(matches!(
            verifier.verify(&msg, &bad),
            Err(KeyError::BadSignature)
        ));
        let mut other_msg = msg.clone();
        other_msg.push(0);
        assert!(matches!(
            verifier.verify(&other_msg, &sig),
            Err(KeyError::BadSignature)
        ));
    }
}

#[test]
fn a_key_file_whose_public_does_not_match_its_secret_is_refused() {
    let (seed, _, _, _) = RFC8032[0];
    let (_, other_public, _, _) = RFC8032[1];
    let text = format!(
        r#"{{"cove_key": 1, "suite": "intl", "purpose": "sign", "id": "x", "public": "{}", "secret": "{}"}}"#,
        base64_of(&unhex(other_public)),
        base64_of(&unhex(seed))
    );
    assert_eq!(KeyPair::from_json(&text).unwrap_err().code(), "key_format");
}

// ---------------------------------------------------------------- X25519

/// RFC 7748 section 6.1: Alice's and Bob's private keys give the published public keys.
#[test]
fn x25519_rfc7748_section_6_1_public_keys() {
    for (secret, public) in [
        (
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
        ),
        (
            "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
            "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
        ),
    ] {
        let pair = KeyPair::from_secret(Suite::Intl, Purpose::Seal, None, &unhex(secret)).unwrap();
        assert_eq!(pair.public().bytes(), &unhex(public)[..]);
    }
}

// ---------------------------------------------------------------- sign/verify round trips

#[test]
fn sign_and_verify_round_trip_for_both_suites() {
    for suite in [Suite::Intl, Suite::Sm] {
        let pair = KeyPair::generate(suite, Purpose::Sign, None).unwrap();
        let public = PublicKey::from_json(&pair.public().to_json()).unwrap();
        assert_eq!(public, pair.public());
        // A full key-pair file serves as a public key too.
        assert_eq!(PublicKey::from_json(&pair.to_json()).unwrap(), public);

        let msg = b"cove package statement";
        let sig = pair.sign(msg).unwrap();
        assert_eq!(sig.len(), 64);
        public.verify(msg, &sig).unwrap();
        assert!(public.verify(b"cove package statemenT", &sig).is_err());
        let mut bad = sig.clone();
        bad[40] ^= 4;
        assert_eq!(
            public.verify(msg, &bad).unwrap_err().code(),
            "bad_signature"
        );

        // Another key's signature does not verify.
        let other = KeyPair::generate(suite, Purpose::Sign, None).unwrap();
        assert!(public.verify(msg, &other.sign(msg).unwrap()).is_err());

        // Purpose is enforced both ways.
        let seal = KeyPair::generate(suite, Purpose::Seal, None).unwrap();
        assert_eq!(seal.sign(msg).unwrap_err().code(), "key_purpose");
        assert_eq!(
            seal.public().verify(msg, &sig).unwrap_err().code(),
            "key_purpose"
        );
        assert_eq!(
            pair.public().wrap_key(&[1; 16]).unwrap_err().code(),
            "key_purpose"
        );
        assert_eq!(pair.unwrap_key(&[1; 80]).unwrap_err().code(), "key_purpose");
    }
}

// ---------------------------------------------------------------- key files and ids

#[test]
fn default_ids_and_key_files() {
    for suite in [Suite::Intl, Suite::Sm] {
        for purpose in [Purpose::Sign, Purpose::Seal] {
            let pair = KeyPair::generate(suite, purpose, None).unwrap();
            let public = pair.public();
            let want_len = if suite == Suite::Intl { 32 } else { 65 };
            assert_eq!(public.bytes().len(), want_len);
            assert_eq!(pair.id(), hex::encode(&suite.digest(public.bytes())[..8]));
            assert_eq!((pair.suite(), pair.purpose()), (suite, purpose));

            let text = pair.to_json();
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(value["cove_key"], 1);
            assert_eq!(value["suite"], suite.as_str());
            assert_eq!(value["purpose"], purpose.as_str());
            assert!(value["secret"].is_string());
            let again = KeyPair::from_json(&text).unwrap();
            assert_eq!(again.public(), public);
            assert_eq!(again.to_json(), text);

            let public_text = public.to_json();
            assert!(!public_text.contains("secret"));
            assert_eq!(
                KeyPair::from_json(&public_text).unwrap_err().code(),
                "key_format"
            );

            // Debug never shows the secret.
            let secret = value["secret"].as_str().unwrap();
            assert!(!format!("{pair:?}").contains(secret));
        }
    }
}

#[test]
fn ids_are_checked() {
    let ok = KeyPair::generate(Suite::Intl, Purpose::Sign, Some("platform-2025.A_1")).unwrap();
    assert_eq!(ok.id(), "platform-2025.A_1");
    for bad in ["", "has space", "slash/", "ü", &"x".repeat(65)] {
        let err = KeyPair::generate(Suite::Intl, Purpose::Sign, Some(bad)).unwrap_err();
        assert_eq!(err.code(), "key_format", "{bad:?}");
    }
    assert!(KeyPair::generate(Suite::Sm, Purpose::Seal, Some(&"x".repeat(64))).is_ok());
}

#[test]
fn malformed_key_files_are_refused() {
    let good = KeyPair::generate(Suite::Sm, Purpose::Seal, Some("host"))
        .unwrap()
        .to_json();
    let value: serde_json::Value = serde_json::from_str(&good).unwrap();
    let with = |key: &str, v: serde_json::Value| {
        let mut x = value.clone();
        x[key] = v;
        x.to_string()
    };
    for text in [
        "not json".to_string(),
        with("cove_key", 2.into()),
        with("suite", "rsa".into()),
        with("purpose", "encrypt".into()),
        with("public", "***".into()),
        with("secret", base64_of(&[0u8; 32]).into()), // the zero scalar
        with("secret", base64_of(&[0xff; 32]).into()), // >= n
        with("secret", base64_of(&[1u8; 31]).into()),
    ] {
        assert_eq!(
            KeyPair::from_json(&text).unwrap_err().code(),
            "key_format",
            "{text}"
        );
    }
    // Public keys: an off-curve SM2 point, a compressed point, a wrong length.
    let mut off_curve = sm2_published_public();
    off_curve[64] ^= 1;
    let mut compressed = sm2_published_public()[..33].to_vec();
    compressed[0] = 0x02;
    for bytes in [off_curve, compressed, vec![4u8; 64]] {
        let err = PublicKey::from_bytes(Suite::Sm, Purpose::Sign, None, &bytes).unwrap_err();
        assert_eq!(err.code(), "key_format");
    }
    assert!(PublicKey::from_bytes(Suite::Intl, Purpose::Seal, None, &[9; 31]).is_err());
    // An Ed25519 small-order point (the identity, y = 1).
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert!(PublicKey::from_bytes(Suite::Intl, Purpose::Sign, None, &identity).is_err());
}

// ---------------------------------------------------------------- key wrap

#[test]
fn wrap_and_unwrap_round_trip_for_both_suites() {
    for (suite, key_len, wrapped_len) in [(Suite::Intl, 32, 80), (Suite::Sm, 16, 113)] {
        let host = KeyPair::generate(suite, Purpose::Seal, Some("host-1")).unwrap();
        let other = KeyPair::generate(suite, Purpose::Seal, Some("host-1")).unwrap();
        let content_key: Vec<u8> = (0..key_len as u8).collect();

        let wrapped = host.public().wrap_key(&content_key).unwrap();
        assert_eq!(wrapped.len(), wrapped_len);
        assert_eq!(host.unwrap_key(&wrapped).unwrap(), content_key);
        // Fresh randomness each time.
        assert_ne!(host.public().wrap_key(&content_key).unwrap(), wrapped);

        // Another key (even with the same id) cannot unwrap it.
        assert_eq!(
            other.unwrap_key(&wrapped).unwrap_err().code(),
            "unwrap_failed"
        );

        // Any flipped byte (ephemeral key / C1, ciphertext, tag / C3) fails.
        for i in [0, 31, 40, wrapped_len - 1] {
            let mut bad = wrapped.clone();
            bad[i] ^= 0x01;
            assert!(host.unwrap_key(&bad).is_err(), "{suite:?} byte {i}");
        }
        assert!(host.unwrap_key(&wrapped[..wrapped_len - 1]).is_err());
        assert!(host.unwrap_key(&[]).is_err());
    }
}

#[test]
fn intl_wrap_is_bound_to_the_key_id() {
    // The same X25519 secret under another id: the AAD (key id) differs, so it fails.
    let secret = unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    let a = KeyPair::from_secret(Suite::Intl, Purpose::Seal, Some("a"), &secret).unwrap();
    let b = KeyPair::from_secret(Suite::Intl, Purpose::Seal, Some("b"), &secret).unwrap();
    let wrapped = a.public().wrap_key(&[7; 32]).unwrap();
    assert_eq!(a.unwrap_key(&wrapped).unwrap(), vec![7; 32]);
    assert_eq!(b.unwrap_key(&wrapped).unwrap_err().code(), "unwrap_failed");
}

#[test]
fn x25519_low_order_points_are_refused() {
    // u = 0 and u = 1 are low-order points: the shared secret would be all zeros.
    for u in [[0u8; 32], {
        let mut one = [0u8; 32];
        one[0] = 1;
        one
    }] {
        let host = PublicKey::from_bytes(Suite::Intl, Purpose::Seal, Some("weak"), &u).unwrap();
        assert_eq!(host.wrap_key(&[1; 32]).unwrap_err().code(), "key_format");

        // And as the ephemeral key of a forged wrapped key.
        let pair = KeyPair::generate(Suite::Intl, Purpose::Seal, None).unwrap();
        let mut forged = u.to_vec();
        forged.extend_from_slice(&[0u8; 48]);
        let err = pair.unwrap_key(&forged).unwrap_err();
        assert_eq!(err.code(), "unwrap_failed");
        assert!(err.to_string().contains("low-order"), "{err}");
    }
}
