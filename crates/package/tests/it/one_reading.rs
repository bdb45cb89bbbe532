//! One way to read a signed package (`docs/package.md`): no single-byte change to a signed
//! or sealed package opens, duplicate names are refused, and a ZIP whose local headers
//! disagree with its central directory (or that has bytes outside its entries) is refused.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};

use cove_package::envelope;
use cove_package::sign::{MANIFEST, SIGNATURE, restate};
use cove_package::zip::{self, Files};
use cove_package::{Channel, KeyPair, Limits, Purpose, SignOptions, Suite, Trust, open, sign};
use serde_json::json;

/// A small app (a few KiB signed), so that every byte can be changed in a debug build.
fn app(suite: Suite) -> Vec<u8> {
    let mut files = Files::new();
    files.insert("app.js".into(), b"App({ onLaunch() {} })".to_vec());
    files.insert(
        "app.json".into(),
        br#"{"pages":["pages/index/index"]}"#.to_vec(),
    );
    files.insert(
        "pages/index/index.js".into(),
        b"Page({ data: { n: 1 }, tap() { this.setData({ n: this.data.n + 1 }) } })".to_vec(),
    );
    files.insert(
        "pages/index/index.wxml".into(),
        b"<view bindtap=\"tap\">{{n}}</view>".to_vec(),
    );
    // Stored by deflate as a stored block inside the stream (incompressible) would be
    // larger; this compresses, so the last deflate byte has padding bits.
    files.insert("app.wxss".into(), b".a{color:red}.b{color:blue}".to_vec());
    let mut manifest = json!({"app_id": "wxonereading", "version": {"name": "1.0.0", "code": 3}});
    restate(&mut manifest, &files, suite);
    files.insert(MANIFEST.into(), serde_json::to_vec(&manifest).unwrap());
    zip::write(&files, MANIFEST, SIGNATURE).unwrap()
}

fn opts() -> SignOptions {
    SignOptions {
        channel: Channel::Release,
        rollback: None,
        limits: Limits::default(),
    }
}

fn signing(suite: Suite) -> KeyPair {
    KeyPair::from_secret(suite, Purpose::Sign, Some("platform"), &[5; 32]).unwrap()
}

fn sealing(suite: Suite) -> KeyPair {
    KeyPair::from_secret(suite, Purpose::Seal, Some("host"), &[6; 32]).unwrap()
}

fn trust(suite: Suite) -> Trust {
    Trust {
        signing_keys: vec![signing(suite).public()],
        host_keys: vec![sealing(suite)],
        ..Trust::default()
    }
}

fn signed(suite: Suite) -> Vec<u8> {
    sign(&app(suite), &signing(suite), &opts()).unwrap()
}

fn sealed(suite: Suite) -> Vec<u8> {
    let mut out = vec![];
    let inner = signed(suite);
    envelope::seal(
        &mut &inner[..],
        &mut out,
        suite,
        &[sealing(suite).public()],
        Some(12),
    )
    .unwrap();
    out
}

/// XOR masks: the lowest bit, the highest (deflate padding, UTF-8), and ASCII case.
const MASKS: [u8; 3] = [0x01, 0x80, 0x20];

/// Change every byte of `package` with every mask, one at a time; returns the changes tried.
fn sweep(what: &str, package: &[u8], trust: &Trust) -> usize {
    open(package, trust).unwrap_or_else(|e| panic!("{what}: the intact package: {e}"));
    let mut tried = 0;
    let mut accepted = vec![];
    let mut codes = BTreeMap::<&str, usize>::new();
    let mut changed = package.to_vec();
    for at in 0..package.len() {
        for mask in MASKS {
            changed[at] ^= mask;
            tried += 1;
            match open(&changed, trust) {
                Ok(_) => accepted.push((at, mask)),
                Err(e) => *codes.entry(e.code()).or_default() += 1,
            }
            changed[at] ^= mask;
        }
    }
    println!(
        "{what}: {} bytes, {tried} single-byte changes, {} accepted; refused as {codes:?}",
        package.len(),
        accepted.len()
    );
    assert!(
        accepted.is_empty(),
        "{what}: {} of {tried} single-byte changes still open, (offset, mask) e.g. {:?}",
        accepted.len(),
        &accepted[..accepted.len().min(12)]
    );
    tried
}

#[test]
fn no_single_byte_change_to_a_signed_package_opens() {
    let mut total = 0;
    for suite in [Suite::Intl, Suite::Sm] {
        let p = signed(suite);
        assert!(p.len() < 4096, "{} bytes", p.len());
        total += sweep(&format!("signed {suite}"), &p, &trust(suite));
    }
    println!("{total} changes tried in all");
}

#[test]
fn no_single_byte_change_to_a_sealed_package_opens() {
    let mut total = 0;
    for suite in [Suite::Intl, Suite::Sm] {
        total += sweep(&format!("sealed {suite}"), &sealed(suite), &trust(suite));
    }
    println!("{total} changes tried in all");
}

/// The offsets of the local headers, found by walking them from 0 as a reader must.
fn local_headers(z: &[u8]) -> Vec<usize> {
    let u16_at = |at: usize| u16::from_le_bytes([z[at], z[at + 1]]) as usize;
    let u32_at = |at: usize| u32::from_le_bytes(z[at..at + 4].try_into().unwrap()) as usize;
    let mut at = 0;
    let mut out = vec![];
    while z[at..].starts_with(b"PK\x03\x04") {
        out.push(at);
        at += 30 + u16_at(at + 26) + u16_at(at + 28) + u32_at(at + 18);
    }
    out
}

fn code(bytes: &[u8], trust: &Trust) -> &'static str {
    match open(bytes, trust) {
        Ok(_) => "ok",
        Err(e) => {
            println!("refused: {} ({e})", e.code());
            e.code()
        }
    }
}

#[test]
fn local_headers_must_agree_with_the_central_directory() {
    let t = trust(Suite::Intl);
    let p = signed(Suite::Intl);
    assert_eq!(code(&p, &t), "ok");
    let headers = local_headers(&p);
    assert_eq!(headers.len(), 7, "manifest, 5 files, signature");
    // Fields of the second entry's local header that a reader going by the central
    // directory alone never looks at.
    let at = headers[1];
    for (field, offset, value) in [
        ("name", 30, b'X'),
        ("CRC-32", 14, 0x5a),
        ("compressed size", 18, 0x7f),
        ("uncompressed size", 22, 0x7f),
        ("modification time", 10, 0x21),
        ("flags (UTF-8 name)", 7, 0x08),
        ("version needed", 4, 45),
    ] {
        let mut z = p.clone();
        z[at + offset] = value;
        assert_ne!(z, p, "{field}");
        assert_eq!(code(&z, &t), "zip_layout", "local {field}");
    }
    // A data descriptor flag, in both headers: the sizes would then live elsewhere.
    let mut z = p.clone();
    z[at + 6] |= 8;
    let cd = p.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
    let second_cd = cd + 46 + usize::from(u16::from_le_bytes([p[cd + 28], p[cd + 29]]));
    z[second_cd + 8] |= 8;
    assert_eq!(code(&z, &t), "zip_layout", "data descriptor");
    // Bytes outside the entries: a prefix (the `zip` crate reads past it), trailing bytes,
    // an archive comment.
    let mut prefixed = b"#!/bin/sh\n".to_vec();
    prefixed.extend_from_slice(&p);
    assert_eq!(code(&prefixed, &t), "zip_layout", "prefix");
    let mut trailing = p.clone();
    trailing.extend_from_slice(b"\0\0");
    assert_eq!(code(&trailing, &t), "zip_layout", "trailing bytes");
    let mut comment = p.clone();
    let n = comment.len();
    comment[n - 2] = 3;
    comment.extend_from_slice(b"hey");
    assert_eq!(code(&comment, &t), "zip_layout", "comment");
}

/// A ZIP written with `names`, then with `rename` applied to its bytes (both headers): the
/// `zip` writer refuses to write a duplicate name itself.
fn renamed(names: &[&str], rename: (&str, &str)) -> Vec<u8> {
    let mut files = Files::new();
    for n in names {
        files.insert((*n).into(), format!("// {n}").into_bytes());
    }
    let mut manifest = json!({"app_id": "wxdup", "version": {"name": "1.0.0", "code": 1}});
    restate(&mut manifest, &files, Suite::Intl);
    files.insert(MANIFEST.into(), serde_json::to_vec(&manifest).unwrap());
    let z = zip::write(&files, MANIFEST, SIGNATURE).unwrap();
    replace_all(&z, rename.0.as_bytes(), rename.1.as_bytes())
}

fn replace_all(z: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = z.to_vec();
    let mut hits = 0;
    for i in 0..=out.len() - from.len() {
        if &out[i..i + from.len()] == from {
            out[i..i + from.len()].copy_from_slice(to);
            hits += 1;
        }
    }
    assert!(hits >= 2, "both headers of {from:?}");
    out
}

#[test]
fn duplicate_names_are_refused() {
    let dev = Trust {
        dev_mode: true,
        ..trust(Suite::Intl)
    };
    // The same name twice (the manifest names the file once, as an attacker's would).
    let twice = renamed(&["a.js", "b.js"], ("b.js", "a.js"));
    let e = open(&twice, &dev).unwrap_err();
    assert_eq!(e.code(), "unsafe_path", "{e}");
    assert!(e.to_string().contains("same name"), "{e}");
    // The readers every upload and `cove sign` go through refuse it too.
    let e = zip::read(&twice, &Limits::default()).unwrap_err();
    assert_eq!(e.code(), "unsafe_path", "{e}");
    let e = sign(&twice, &signing(Suite::Intl), &opts()).unwrap_err();
    assert_eq!(e.code(), "unsafe_path", "{e}");
    // Also in a ZIP written by another tool (not in the canonical layout).
    let mut buf = Cursor::new(Vec::new());
    let mut zw = ::zip::ZipWriter::new(&mut buf);
    let o = ::zip::write::SimpleFileOptions::default();
    for (name, data) in [
        ("manifest.json", &b"{}"[..]),
        ("x.js", b"1"),
        ("y.js", b"2"),
    ] {
        zw.start_file(name, o).unwrap();
        zw.write_all(data).unwrap();
    }
    zw.finish().unwrap();
    let other = replace_all(&buf.into_inner(), b"y.js", b"x.js");
    assert_eq!(code(&other, &dev), "unsafe_path");
    // Names that differ only in case are one file on iOS, macOS and Windows.
    let cased = renamed(&["Ab.js", "cd.js"], ("cd.js", "aB.js"));
    let e = open(&cased, &dev).unwrap_err();
    assert_eq!(e.code(), "unsafe_path", "{e}");
    assert!(e.to_string().contains("case"), "{e}");
}

#[test]
fn dev_mode_still_runs_unsigned_zips_from_other_tools() {
    let mut buf = Cursor::new(Vec::new());
    let mut zw = ::zip::ZipWriter::new(&mut buf);
    let o = ::zip::write::SimpleFileOptions::default();
    let m = br#"{"app_id": "x", "files": []}"#;
    zw.start_file("manifest.json", o).unwrap();
    zw.write_all(m).unwrap();
    zw.set_comment("made elsewhere").unwrap();
    zw.finish().unwrap();
    let z = buf.into_inner();
    let dev = Trust {
        dev_mode: true,
        ..trust(Suite::Intl)
    };
    let opened = open(&z, &dev).unwrap();
    assert!(opened.signature.is_none());
    assert_eq!(code(&z, &trust(Suite::Intl)), "zip_layout");
}
