//! The one layout a signed package's ZIP may have (`docs/package.md`, "One way to read it").
//!
//! A ZIP says most things twice (local header and central directory) and tolerates bytes no
//! reader looks at (gaps, prefixes, comments, extra fields, data descriptors). Two readers
//! can then see two different packages in one file, and a signature over the contents says
//! nothing about those bytes. So a signed package must be *canonical*: every header field is
//! either pinned to the value `zip::write` writes or must equal its other copy, entries lie
//! back to back from offset 0, the central directory follows them and the end record ends
//! the file. What is left free (names, methods, sizes, CRCs, compressed data) is covered by
//! the signature byte for byte: it signs the digest of the package as it was before
//! `signature.json` was appended ([`Layout::unsigned_digest`]), and `signature.json` itself
//! is stored, last, with every field pinned.
//!
//! This module only walks the headers; the `zip` crate still inflates, and `zip::index`
//! checks that it found the same entries at the same offsets.

use std::ops::Range;

use crate::error::PackageError;
use crate::sign::SIGNATURE;
use crate::suite::Suite;

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const END_SIG: u32 = 0x0605_4b50;
const LOCAL_LEN: usize = 30;
const CENTRAL_LEN: usize = 46;
const END_LEN: usize = 22;

pub const STORED: u16 = 0;
pub const DEFLATED: u16 = 8;
/// General-purpose flag bit 11: the name is UTF-8. Set exactly when the name is not ASCII.
const UTF8_FLAG: u16 = 1 << 11;
/// 1980-01-01 00:00:00, the earliest DOS time: `zip::DateTime::default()`.
pub const DOS_TIME: u16 = 0;
pub const DOS_DATE: u16 = (1 << 5) | 1;
/// Regular file, mode 0644, in the high half (Unix).
pub const EXTERNAL_ATTRS: u32 = 0o100_644 << 16;
/// "Made by" Unix (3), with the version needed in the low byte.
const MADE_BY_UNIX: u16 = 3 << 8;

/// The ZIP version needed to extract: 1.0 for stored, 2.0 for deflate (APPNOTE 4.4.3.2).
pub fn version_needed(method: u16) -> u16 {
    if method == STORED { 10 } else { 20 }
}

/// One entry, as both of its headers agree it is.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Where its local header starts.
    pub offset: usize,
    /// Its compressed bytes.
    pub data: Range<usize>,
    pub name: Range<usize>,
    pub method: u16,
    pub crc: u32,
    pub size: u64,
    /// Its central directory record.
    pub central: Range<usize>,
}

/// A ZIP that passed every layout rule.
#[derive(Debug)]
pub struct Layout<'a> {
    bytes: &'a [u8],
    pub entries: Vec<Entry>,
    pub central: Range<usize>,
}

fn bad(msg: impl Into<String>) -> PackageError {
    PackageError::Layout(msg.into())
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// `len` bytes at `at`, or an error naming `what`.
fn slice<'b>(b: &'b [u8], at: usize, len: usize, what: &str) -> Result<&'b [u8], PackageError> {
    at.checked_add(len)
        .and_then(|end| b.get(at..end))
        .ok_or_else(|| bad(format!("{what} runs past the end of the file")))
}

/// The fields a local header and its central record both carry, in the order of the local
/// header from "version needed" to "extra field length" (26 bytes).
fn shared_fields(header: &[u8], from: usize) -> &[u8] {
    &header[from..from + 26]
}

impl<'a> Layout<'a> {
    /// Walk `bytes` and check every rule; at most `max_files` entries.
    pub fn parse(bytes: &'a [u8], max_files: usize) -> Result<Self, PackageError> {
        let end_at = bytes
            .len()
            .checked_sub(END_LEN)
            .ok_or_else(|| bad("shorter than an end-of-central-directory record"))?;
        let end = &bytes[end_at..];
        if u32_at(end, 0) != END_SIG {
            return Err(bad(
                "the file does not end with an end-of-central-directory record without comment",
            ));
        }
        let (disk, cd_disk) = (u16_at(end, 4), u16_at(end, 6));
        let (here, count) = (u16_at(end, 8) as usize, u16_at(end, 10) as usize);
        let cd_len = u32_at(end, 12) as usize;
        let cd_at = u32_at(end, 16) as usize;
        if disk != 0 || cd_disk != 0 || here != count {
            return Err(bad("a multi-disk archive"));
        }
        if u16_at(end, 20) != 0 {
            return Err(bad("an archive comment"));
        }
        if count == 0 {
            return Err(bad("no entries"));
        }
        if count > max_files {
            return Err(PackageError::Bomb(format!(
                "{count} entries (the limit is {max_files})"
            )));
        }
        if cd_at.checked_add(cd_len) != Some(end_at) {
            return Err(bad(
                "the central directory does not end where the end record starts",
            ));
        }
        // Local headers: from offset 0, back to back, up to the central directory.
        let mut entries = Vec::with_capacity(count);
        let mut at = 0usize;
        for i in 0..count {
            let h = slice(bytes, at, LOCAL_LEN, "a local header")?;
            if u32_at(h, 0) != LOCAL_SIG {
                return Err(bad(format!(
                    "entry {i}: no local header at offset {at} (gap, prefix or overlap)"
                )));
            }
            let flags = u16_at(h, 6);
            let method = u16_at(h, 8);
            let crc = u32_at(h, 14);
            let (csize, size) = (u32_at(h, 18), u32_at(h, 22));
            let (name_len, extra_len) = (u16_at(h, 26) as usize, u16_at(h, 28) as usize);
            let name_at = at + LOCAL_LEN;
            let name = slice(bytes, name_at, name_len, "a name")?;
            let shown = String::from_utf8_lossy(name).into_owned();
            let rule = |what: &str| bad(format!("{shown:?}: {what}"));
            if name_len == 0 {
                return Err(bad(format!("entry {i}: an empty name")));
            }
            if method != STORED && method != DEFLATED {
                return Err(rule(&format!(
                    "compression method {method} (only stored and deflate)"
                )));
            }
            if flags != if name.is_ascii() { 0 } else { UTF8_FLAG } {
                return Err(rule(&format!(
                    "general-purpose flags {flags:#06x} (only bit 11, exactly for a non-ASCII name: no encryption, no data descriptor)"
                )));
            }
            if u16_at(h, 4) != version_needed(method)
                || u16_at(h, 10) != DOS_TIME
                || u16_at(h, 12) != DOS_DATE
            {
                return Err(rule(
                    "version needed or modification time is not the fixed one",
                ));
            }
            if extra_len != 0 {
                return Err(rule("an extra field (none is allowed, so no ZIP64)"));
            }
            if method == STORED && csize != size {
                return Err(rule("stored with two different sizes"));
            }
            let data_at = name_at + name_len;
            slice(bytes, data_at, csize as usize, "compressed data")?;
            let data = data_at..data_at + csize as usize;
            if data.end > cd_at {
                return Err(rule("its data overlaps the central directory"));
            }
            entries.push(Entry {
                offset: at,
                data: data.clone(),
                name: name_at..data_at,
                method,
                crc,
                size: u64::from(size),
                central: 0..0,
            });
            at = data.end;
        }
        if at != cd_at {
            return Err(bad(format!(
                "{} bytes between the last entry and the central directory",
                cd_at - at
            )));
        }
        // Central records: one per local header, same order, same fields.
        for e in &mut entries {
            let c = slice(bytes, at, CENTRAL_LEN, "a central directory record")?;
            let local = &bytes[e.offset..e.offset + LOCAL_LEN];
            let shown = String::from_utf8_lossy(&bytes[e.name.clone()]).into_owned();
            let rule = |what: &str| bad(format!("{shown:?}: {what}"));
            if u32_at(c, 0) != CENTRAL_SIG {
                return Err(rule("no central directory record where expected"));
            }
            if shared_fields(c, 6) != shared_fields(local, 4) {
                return Err(rule(
                    "the central directory disagrees with the local header (version, flags, method, time, CRC, sizes or name length)",
                ));
            }
            if u16_at(c, 4) != MADE_BY_UNIX | version_needed(e.method) {
                return Err(rule("\"version made by\" is not the fixed one"));
            }
            if u16_at(c, 32) != 0 || u16_at(c, 34) != 0 || u16_at(c, 36) != 0 {
                return Err(rule("a file comment, disk number or internal attributes"));
            }
            if u32_at(c, 38) != EXTERNAL_ATTRS {
                return Err(rule("not a regular file with mode 0644"));
            }
            if u32_at(c, 42) as usize != e.offset {
                return Err(rule("the central directory points at another local header"));
            }
            let name_len = e.name.len();
            let name = slice(bytes, at + CENTRAL_LEN, name_len, "a name")?;
            if name != &bytes[e.name.clone()] {
                return Err(rule(
                    "the central directory and the local header name different files",
                ));
            }
            e.central = at..at + CENTRAL_LEN + name_len;
            at = e.central.end;
        }
        if at != end_at {
            return Err(bad(
                "the central directory holds more than one record per entry",
            ));
        }
        let layout = Self {
            bytes,
            entries,
            central: cd_at..end_at,
        };
        // One entry per name. (`zip::index` also refuses names equal after normalisation or
        // differing only in case; this names the culprit even when the `zip` crate, which
        // keeps one entry per raw name, would not.)
        let mut names = std::collections::BTreeSet::new();
        for e in &layout.entries {
            if !names.insert(layout.name(e)) {
                return Err(PackageError::UnsafePath {
                    name: String::from_utf8_lossy(layout.name(e)).into_owned(),
                    why: "two entries with the same name",
                });
            }
        }
        // `signature.json` may only be the last entry, stored, so that none of its bytes is
        // free: its CRC is checked here, its text by `sign::verify`.
        for (i, e) in layout.entries.iter().enumerate() {
            let name = std::str::from_utf8(layout.name(e)).ok();
            let normalised = name.and_then(|n| crate::path::normalise(n).ok().flatten());
            if normalised.as_deref() == Some(SIGNATURE) {
                if name != Some(SIGNATURE) {
                    return Err(bad(format!(
                        "{:?} stands for {SIGNATURE}",
                        name.unwrap_or_default()
                    )));
                }
                if i + 1 != layout.entries.len() {
                    return Err(bad(format!("{SIGNATURE} is not the last entry")));
                }
                if e.method != STORED {
                    return Err(bad(format!("{SIGNATURE} is not stored")));
                }
                if crc32fast::hash(&bytes[e.data.clone()]) != e.crc {
                    return Err(bad(format!("{SIGNATURE}: wrong CRC-32")));
                }
            }
        }
        Ok(layout)
    }

    pub fn name(&self, e: &Entry) -> &'a [u8] {
        &self.bytes[e.name.clone()]
    }

    /// The last entry, when it is `signature.json`.
    pub fn signature(&self) -> Option<&Entry> {
        self.entries
            .last()
            .filter(|e| self.name(e) == SIGNATURE.as_bytes())
    }

    /// The digest the signature covers: that of the ZIP this one was before `signature.json`
    /// was appended, i.e. every byte before its local header, every central record but its
    /// own, and the end record those make. `None` when the package is not signed.
    pub fn unsigned_digest(&self, suite: Suite) -> Option<[u8; 32]> {
        let sig = self.signature()?;
        let central = self.central.start..sig.central.start;
        let mut end = Vec::with_capacity(END_LEN);
        let count = (self.entries.len() - 1) as u16;
        end.extend_from_slice(&END_SIG.to_le_bytes());
        end.extend_from_slice(&[0; 4]);
        end.extend_from_slice(&count.to_le_bytes());
        end.extend_from_slice(&count.to_le_bytes());
        end.extend_from_slice(&(central.len() as u32).to_le_bytes());
        end.extend_from_slice(&(sig.offset as u32).to_le_bytes());
        end.extend_from_slice(&[0; 2]);
        let mut h = suite.hasher();
        h.update(&self.bytes[..sig.offset]);
        h.update(&self.bytes[central]);
        h.update(&end);
        Some(h.finalize())
    }
}
