//! The encrypted outer container: a package sealed for one or more host apps' keys, read
//! and written as a stream (memory: one chunk).
//!
//! Binary layout (integers big-endian):
//!
//! ```text
//! magic      8 bytes  "COVEENV1"
//! version    u8       1
//! suite      u8       `Suite::code`: 1 = intl (AES-256-GCM), 2 = sm (SM4-GCM)
//! chunk_log2 u8       log2 of the plaintext chunk size (12..=24; default 16 = 64 KiB)
//! nonce_base 7 bytes  random; the STREAM nonce prefix
//! count      u8       number of recipients (1..=32)
//! per recipient: id_len u8, id (UTF-8), wrapped_len u16, wrapped key bytes
//! payload    chunks: each the ciphertext of chunk_size plaintext bytes + 16-byte tag, the last one shorter (possibly 0 plaintext bytes)
//! ```
//!
//! - Recipient ids are key ids (1–64 characters of `[A-Za-z0-9._-]`), each at most once;
//!   `wrapped_len` is at least 1.
//! - The content key is fresh for each envelope: 32 bytes for AES-256-GCM, 16 bytes for
//!   SM4-GCM. Each recipient's entry holds it wrapped by `PublicKey::wrap_key` (see
//!   [`crate::keys`]): 80 bytes for intl (X25519 ephemeral 32 + key 32 + tag 16), 113 bytes
//!   for sm (SM2 C1C3C2: 65 + 32 + key 16).
//! - The payload is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015) in its
//!   big-endian 32-bit flavour (`aead-stream`'s `StreamBE32`): chunk i (from 0) is sealed with
//!   the 12-byte GCM nonce `nonce_base || i as u32 BE || last`, where `last` is 1 for the final
//!   chunk and 0 otherwise.
//! - Every chunk's associated data is the suite's digest (SHA-256 for intl, SM3 for sm) of
//!   the header bytes, magic through the last recipient, so no header byte can change
//!   without every chunk failing.
//! - The last chunk always holds fewer than chunk_size plaintext bytes (0 when the plaintext
//!   is a multiple of chunk_size), so a full-size chunk is never the last one; with the
//!   last-chunk flag in the nonce, cutting the envelope at a chunk boundary is detected.
//!
//! The reader reads chunk_size + 16 bytes at a time; a shorter read is the last chunk, and
//! it ends at the end of the input. So the layout cannot tell apart, in the last piece read,
//! a cut inside a chunk (16 or more of its bytes left), bytes appended after the last chunk,
//! and an altered last chunk: all three fail that chunk's authentication and are reported as
//! `envelope_corrupt` with a message naming all three (when the appended bytes make the last
//! piece full-size, it is read as a non-last chunk and fails the same way). A cut that leaves no chunk or fewer
//! than 16 bytes of one is `envelope_truncated`. `envelope_trailing` is reported only when the
//! reader yields more bytes after having signalled the end of input.
//!
//! [`open`] writes each chunk only after its tag verified, but a cut-off envelope is only
//! known to be cut off at its end: callers must treat what `open` wrote as untrusted until it
//! returns `Ok`, and discard it on any error.

use crate::keys::{KeyError, KeyPair, PublicKey, Purpose, validate_id};
use crate::suite::Suite;
use aead_stream::{DecryptorBE32, EncryptorBE32};
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{AeadCore, AeadInOut, KeyInit};
use std::io::{Read, Write};
use zeroize::Zeroizing;

pub const MAGIC: &[u8; 8] = b"COVEENV1";
pub const VERSION: u8 = 1;
pub const DEFAULT_CHUNK_LOG2: u8 = 16;
pub const MIN_CHUNK_LOG2: u8 = 12;
pub const MAX_CHUNK_LOG2: u8 = 24;
pub const MAX_RECIPIENTS: usize = 32;
/// The GCM tag that follows each chunk's ciphertext.
pub const TAG_LEN: usize = 16;
pub const NONCE_BASE_LEN: usize = 7;

/// SM4 in GCM mode with a 96-bit nonce (RFC 8998).
pub type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, U12>;

#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("envelope header: {0}")]
    Header(String),
    /// `seal` was called with unusable recipients or chunk size.
    #[error("cannot seal: {0}")]
    Seal(String),
    #[error(
        "the envelope is sealed for key ids [{}], and none of the given keys [{}] is one of them",
        .recipients.join(", "),
        .offered.join(", ")
    )]
    NotForHost {
        recipients: Vec<String>,
        offered: Vec<String>,
    },
    #[error("key {id} is a recipient of the envelope but cannot unwrap it: {source}")]
    Unwrap {
        id: String,
        #[source]
        source: KeyError,
    },
    #[error("the envelope is truncated: {0}")]
    Truncated(String),
    #[error("chunk {chunk} of the envelope fails authentication{hint}")]
    Corrupt { chunk: u64, hint: &'static str },
    #[error("bytes follow the envelope's last chunk")]
    Trailing,
    #[error("envelope crypto failure: {0}")]
    Crypto(String),
    #[error("the envelope holds more than {0} bytes")]
    TooLarge(u64),
    #[error("envelope i/o: {0}")]
    Io(#[from] std::io::Error),
}

impl From<crate::random::RandomError> for EnvelopeError {
    fn from(e: crate::random::RandomError) -> Self {
        Self::Crypto(e.to_string())
    }
}

impl EnvelopeError {
    /// A stable code for logs and counters.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Header(_) => "envelope_header",
            Self::Seal(_) => "envelope_seal",
            Self::NotForHost { .. } => "envelope_not_for_host",
            Self::Unwrap { .. } => "envelope_unwrap",
            Self::Truncated(_) => "envelope_truncated",
            Self::Corrupt { .. } => "envelope_corrupt",
            Self::Trailing => "envelope_trailing",
            Self::Crypto(_) => "envelope_crypto",
            Self::TooLarge(_) => "zip_bomb",
            Self::Io(_) => "io",
        }
    }
}

/// What the header says (for `cove inspect` and the opener's report).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub version: u8,
    pub suite: Suite,
    /// Plaintext bytes per chunk.
    pub chunk_size: usize,
    /// Recipient key ids, in header order.
    pub recipients: Vec<String>,
}

/// Whether `bytes` starts like an envelope.
pub fn is_envelope(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

fn content_key_len(suite: Suite) -> usize {
    match suite {
        Suite::Intl => 32,
        Suite::Sm => 16,
    }
}

/// A parsed header with what opening needs beyond [`Header`].
struct Parsed {
    header: Header,
    nonce_base: [u8; NONCE_BASE_LEN],
    wrapped: Vec<Vec<u8>>,
    raw: Vec<u8>,
}

fn header_err(msg: impl Into<String>) -> EnvelopeError {
    EnvelopeError::Header(msg.into())
}

/// Append exactly `n` bytes from `r` to `raw` and return them.
fn take<'a>(r: &mut impl Read, raw: &'a mut Vec<u8>, n: usize) -> Result<&'a [u8], EnvelopeError> {
    let start = raw.len();
    r.by_ref().take(n as u64).read_to_end(raw)?;
    if raw.len() - start < n {
        return Err(EnvelopeError::Truncated(
            "the input ends inside the header".into(),
        ));
    }
    Ok(&raw[start..])
}

fn parse_header(r: &mut impl Read) -> Result<Parsed, EnvelopeError> {
    let mut raw = Vec::with_capacity(256);
    r.by_ref().take(MAGIC.len() as u64).read_to_end(&mut raw)?;
    if raw[..] != MAGIC[..raw.len()] {
        return Err(header_err("not a Cove envelope (bad magic)"));
    }
    if raw.len() < MAGIC.len() {
        return Err(EnvelopeError::Truncated(
            "the input ends inside the header".into(),
        ));
    }
    let fixed = take(r, &mut raw, 3 + NONCE_BASE_LEN + 1)?;
    let (version, suite, chunk_log2) = (fixed[0], fixed[1], fixed[2]);
    let nonce_base: [u8; NONCE_BASE_LEN] = fixed[3..3 + NONCE_BASE_LEN]
        .try_into()
        .expect("sliced to length");
    let count = fixed[3 + NONCE_BASE_LEN];
    if version != VERSION {
        return Err(header_err(format!(
            "version {version} is not supported (only {VERSION})"
        )));
    }
    let suite =
        Suite::from_code(suite).ok_or_else(|| header_err(format!("unknown suite {suite}")))?;
    if !(MIN_CHUNK_LOG2..=MAX_CHUNK_LOG2).contains(&chunk_log2) {
        return Err(header_err(format!(
            "chunk_log2 {chunk_log2} is outside {MIN_CHUNK_LOG2}..={MAX_CHUNK_LOG2}"
        )));
    }
    if count == 0 || usize::from(count) > MAX_RECIPIENTS {
        return Err(header_err(format!(
            "{count} recipients (must be 1..={MAX_RECIPIENTS})"
        )));
    }
    let mut recipients: Vec<String> = Vec::with_capacity(count.into());
    let mut wrapped = Vec::with_capacity(count.into());
    for _ in 0..count {
        let id_len = take(r, &mut raw, 1)?[0];
        let id = take(r, &mut raw, id_len.into())?;
        let id = std::str::from_utf8(id)
            .map_err(|_| header_err("a recipient id is not UTF-8"))?
            .to_string();
        validate_id(&id).map_err(|e| header_err(format!("recipient: {e}")))?;
        if recipients.contains(&id) {
            return Err(header_err(format!("recipient {id} is listed twice")));
        }
        let len = take(r, &mut raw, 2)?;
        let len = u16::from_be_bytes([len[0], len[1]]);
        if len == 0 {
            return Err(header_err(format!(
                "recipient {id} has an empty wrapped key"
            )));
        }
        wrapped.push(take(r, &mut raw, len.into())?.to_vec());
        recipients.push(id);
    }
    Ok(Parsed {
        header: Header {
            version,
            suite,
            chunk_size: 1 << chunk_log2,
            recipients,
        },
        nonce_base,
        wrapped,
        raw,
    })
}

/// Parse only the header (for `cove inspect`); returns it and its length in bytes.
pub fn read_header(bytes: &[u8]) -> Result<(Header, usize), EnvelopeError> {
    let parsed = parse_header(&mut &bytes[..])?;
    Ok((parsed.header, parsed.raw.len()))
}

/// Encrypt `input` to `out` for every recipient (all must be purpose `seal` and of `suite`);
/// `chunk_log2` None = 16 (64 KiB chunks). Returns the number of bytes written.
pub fn seal(
    input: &mut impl Read,
    out: &mut impl Write,
    suite: Suite,
    recipients: &[PublicKey],
    chunk_log2: Option<u8>,
) -> Result<u64, EnvelopeError> {
    let seal_err = |msg: String| EnvelopeError::Seal(msg);
    let chunk_log2 = chunk_log2.unwrap_or(DEFAULT_CHUNK_LOG2);
    if !(MIN_CHUNK_LOG2..=MAX_CHUNK_LOG2).contains(&chunk_log2) {
        return Err(seal_err(format!(
            "chunk_log2 {chunk_log2} is outside {MIN_CHUNK_LOG2}..={MAX_CHUNK_LOG2}"
        )));
    }
    if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS {
        return Err(seal_err(format!(
            "{} recipients (must be 1..={MAX_RECIPIENTS})",
            recipients.len()
        )));
    }
    for (i, r) in recipients.iter().enumerate() {
        if r.purpose() != Purpose::Seal {
            return Err(seal_err(format!(
                "key {} is a {} key, not a seal key",
                r.id(),
                r.purpose()
            )));
        }
        if r.suite() != suite {
            return Err(seal_err(format!(
                "key {} is for suite {}, not {suite}",
                r.id(),
                r.suite()
            )));
        }
        if recipients[..i].iter().any(|o| o.id() == r.id()) {
            return Err(seal_err(format!("two recipients have the id {}", r.id())));
        }
    }

    let content_key = crate::random::secret(content_key_len(suite))?;
    let nonce_base: [u8; NONCE_BASE_LEN] = crate::random::secret(NONCE_BASE_LEN)?[..]
        .try_into()
        .expect("random of that length");

    let mut header = Vec::with_capacity(256);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&[VERSION, suite.code(), chunk_log2]);
    header.extend_from_slice(&nonce_base);
    header.push(recipients.len() as u8);
    for r in recipients {
        let wrapped = r
            .wrap_key(&content_key)
            .map_err(|e| seal_err(format!("cannot wrap the key for {}: {e}", r.id())))?;
        let wrapped_len = u16::try_from(wrapped.len())
            .map_err(|_| EnvelopeError::Crypto("a wrapped key longer than 65535 bytes".into()))?;
        header.push(r.id().len() as u8);
        header.extend_from_slice(r.id().as_bytes());
        header.extend_from_slice(&wrapped_len.to_be_bytes());
        header.extend_from_slice(&wrapped);
    }
    out.write_all(&header)?;
    let aad = suite.digest(&header);
    let chunk = 1usize << chunk_log2;
    let payload = match suite {
        Suite::Intl => {
            seal_payload::<aes_gcm::Aes256Gcm>(&content_key, &nonce_base, &aad, chunk, input, out)?
        }
        Suite::Sm => seal_payload::<Sm4Gcm>(&content_key, &nonce_base, &aad, chunk, input, out)?,
    };
    Ok(header.len() as u64 + payload)
}

fn seal_payload<A>(
    key: &[u8],
    nonce_base: &[u8; NONCE_BASE_LEN],
    aad: &[u8],
    chunk: usize,
    input: &mut impl Read,
    out: &mut impl Write,
) -> Result<u64, EnvelopeError>
where
    A: AeadInOut + KeyInit + AeadCore<NonceSize = U12>,
{
    let aead =
        A::new_from_slice(key).map_err(|_| EnvelopeError::Crypto("content key length".into()))?;
    let mut stream = EncryptorBE32::<A>::from_aead(aead, &(*nonce_base).into());
    let mut buf = Vec::with_capacity(chunk + TAG_LEN);
    let mut written = 0u64;
    loop {
        buf.clear();
        input.by_ref().take(chunk as u64).read_to_end(&mut buf)?;
        if buf.len() == chunk {
            stream
                .encrypt_next_in_place(aad, &mut buf)
                .map_err(|_| EnvelopeError::Crypto("the payload has too many chunks".into()))?;
            out.write_all(&buf)?;
            written += buf.len() as u64;
        } else {
            // Shorter than a chunk (possibly empty): the last one.
            stream
                .encrypt_last_in_place(aad, &mut buf)
                .map_err(|_| EnvelopeError::Crypto("encrypting the last chunk".into()))?;
            out.write_all(&buf)?;
            written += buf.len() as u64;
            out.flush()?;
            return Ok(written);
        }
    }
}

/// Decrypt with the first of `keys` whose id is a recipient and that unwraps the content key
/// (a key of another suite or purpose counts as not unwrapping it). Streams chunk by chunk,
/// writing each chunk's plaintext to `out` only after its tag verified. What was written is
/// untrusted until this returns `Ok` (see the module doc).
pub fn open(
    input: &mut impl Read,
    out: &mut impl Write,
    keys: &[KeyPair],
) -> Result<Header, EnvelopeError> {
    let parsed = parse_header(input)?;
    let suite = parsed.header.suite;
    let content_key = unwrap_content_key(&parsed, keys)?;
    let aad = suite.digest(&parsed.raw);
    let chunk = parsed.header.chunk_size;
    match suite {
        Suite::Intl => open_payload::<aes_gcm::Aes256Gcm>(
            &content_key,
            &parsed.nonce_base,
            &aad,
            chunk,
            input,
            out,
        )?,
        Suite::Sm => {
            open_payload::<Sm4Gcm>(&content_key, &parsed.nonce_base, &aad, chunk, input, out)?
        }
    }
    Ok(parsed.header)
}

fn unwrap_content_key(
    parsed: &Parsed,
    keys: &[KeyPair],
) -> Result<Zeroizing<Vec<u8>>, EnvelopeError> {
    let suite = parsed.header.suite;
    let mut failure: Option<(String, KeyError)> = None;
    for key in keys {
        let Some(i) = parsed.header.recipients.iter().position(|r| r == key.id()) else {
            continue;
        };
        let result = if key.suite() != suite {
            Err(KeyError::WrongSuite {
                id: key.id().into(),
                expected: suite,
                actual: key.suite(),
            })
        } else {
            key.unwrap_key(&parsed.wrapped[i]).map(Zeroizing::new)
        };
        match result {
            Ok(k) if k.len() == content_key_len(suite) => return Ok(k),
            Ok(k) => {
                failure.get_or_insert((
                    key.id().into(),
                    KeyError::Unwrap(format!(
                        "the content key is {} bytes, not {}",
                        k.len(),
                        content_key_len(suite)
                    )),
                ));
            }
            Err(e) => {
                failure.get_or_insert((key.id().into(), e));
            }
        }
    }
    Err(match failure {
        Some((id, source)) => EnvelopeError::Unwrap { id, source },
        None => EnvelopeError::NotForHost {
            recipients: parsed.header.recipients.clone(),
            offered: keys.iter().map(|k| k.id().to_string()).collect(),
        },
    })
}

/// [`open`] for an envelope already in memory: the same checks and errors, with the chunks
/// decrypted on all cores (STREAM chunks are independent given their position). Returns the
/// plaintext only when every chunk verified. `max_plain` bounds the output.
pub fn open_slice(
    bytes: &[u8],
    keys: &[KeyPair],
    max_plain: u64,
) -> Result<(Header, Vec<u8>), EnvelopeError> {
    let mut input = bytes;
    let parsed = parse_header(&mut input)?;
    let suite = parsed.header.suite;
    let content_key = unwrap_content_key(&parsed, keys)?;
    let aad = suite.digest(&parsed.raw);
    let chunk = parsed.header.chunk_size;
    if input.len() as u64
        > max_plain.saturating_add(TAG_LEN as u64 * (input.len() / chunk + 1) as u64)
    {
        return Err(EnvelopeError::TooLarge(max_plain));
    }
    let plain = match suite {
        Suite::Intl => {
            open_chunks::<aes_gcm::Aes256Gcm>(&content_key, &parsed.nonce_base, &aad, chunk, input)?
        }
        Suite::Sm => open_chunks::<Sm4Gcm>(&content_key, &parsed.nonce_base, &aad, chunk, input)?,
    };
    Ok((parsed.header, plain))
}

fn open_chunks<A>(
    key: &[u8],
    nonce_base: &[u8; NONCE_BASE_LEN],
    aad: &[u8],
    chunk: usize,
    payload: &[u8],
) -> Result<Vec<u8>, EnvelopeError>
where
    A: AeadInOut + KeyInit + AeadCore<NonceSize = U12> + Sync,
{
    use aead_stream::{NewStream, StreamBE32, StreamPrimitive};
    let aead =
        A::new_from_slice(key).map_err(|_| EnvelopeError::Crypto("content key length".into()))?;
    let stream = StreamBE32::<A>::from_aead(aead, &(*nonce_base).into());
    let full = chunk + TAG_LEN;
    let pieces: Vec<&[u8]> = payload.chunks(full).collect();
    // The layout's rules, as `open` applies them reading in order: full pieces are never
    // last; a final piece shorter than a tag is a cut; an empty payload has no last chunk.
    let (last, body) = match pieces.split_last() {
        Some((l, body)) if l.len() < full => (Some(*l), body),
        _ => (None, &pieces[..]),
    };
    let plain_len = body.len() * chunk + last.map_or(0, |l| l.len().saturating_sub(TAG_LEN));
    let mut plain = vec![0u8; plain_len];
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
        .min(body.len().max(1));
    let decrypt =
        |position: usize, is_last: bool, piece: &[u8], out: &mut [u8], buf: &mut Vec<u8>| {
            buf.clear();
            buf.extend_from_slice(piece);
            let ok = u32::try_from(position)
                .is_ok_and(|p| stream.decrypt_in_place(p, is_last, aad, buf).is_ok());
            if ok {
                out.copy_from_slice(buf);
            }
            ok
        };
    let (body_out, last_out) = plain.split_at_mut(body.len() * chunk);
    // The lowest failing chunk, as a reader in order would report it.
    let first_bad = std::thread::scope(|scope| {
        let per = body.len().div_ceil(threads).max(1);
        let handles: Vec<_> = body
            .chunks(per)
            .zip(body_out.chunks_mut(per * chunk))
            .enumerate()
            .map(|(t, (pieces, out))| {
                let decrypt = &decrypt;
                scope.spawn(move || {
                    let mut buf = Vec::with_capacity(full);
                    for (k, (piece, out)) in pieces.iter().zip(out.chunks_mut(chunk)).enumerate() {
                        if !decrypt(t * per + k, false, piece, out, &mut buf) {
                            return Some(t * per + k);
                        }
                    }
                    None
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().expect("a decrypting thread does not panic"))
            .min()
    });
    if let Some(i) = first_bad {
        return Err(EnvelopeError::Corrupt {
            chunk: i as u64,
            hint: FULL_CHUNK_HINT,
        });
    }
    let index = body.len();
    match last {
        Some(l) if l.len() >= TAG_LEN => {
            let mut buf = Vec::with_capacity(l.len());
            if !decrypt(index, true, l, last_out, &mut buf) {
                return Err(EnvelopeError::Corrupt {
                    chunk: index as u64,
                    hint: LAST_CHUNK_HINT,
                });
            }
            Ok(plain)
        }
        Some(_) => Err(cut_short(index as u64, false)),
        None => Err(cut_short(index as u64, true)),
    }
}

fn open_payload<A>(
    key: &[u8],
    nonce_base: &[u8; NONCE_BASE_LEN],
    aad: &[u8],
    chunk: usize,
    input: &mut impl Read,
    out: &mut impl Write,
) -> Result<(), EnvelopeError>
where
    A: AeadInOut + KeyInit + AeadCore<NonceSize = U12>,
{
    let aead =
        A::new_from_slice(key).map_err(|_| EnvelopeError::Crypto("content key length".into()))?;
    let mut stream = DecryptorBE32::<A>::from_aead(aead, &(*nonce_base).into());
    let full = chunk + TAG_LEN;
    let mut buf = Vec::with_capacity(full);
    let mut index = 0u64;
    loop {
        buf.clear();
        input.by_ref().take(full as u64).read_to_end(&mut buf)?;
        if buf.len() == full {
            // A full-size chunk is never the last one.
            stream
                .decrypt_next_in_place(aad, &mut buf)
                .map_err(|_| EnvelopeError::Corrupt {
                    chunk: index,
                    hint: FULL_CHUNK_HINT,
                })?;
            out.write_all(&buf)?;
            index += 1;
        } else if buf.len() < TAG_LEN {
            return Err(cut_short(index, buf.is_empty()));
        } else {
            // Shorter than full: this must be the last chunk. A cut inside a chunk, or bytes
            // appended after the last one, fail here too: the layout cannot tell them apart.
            stream
                .decrypt_last_in_place(aad, &mut buf)
                .map_err(|_| EnvelopeError::Corrupt {
                    chunk: index,
                    hint: LAST_CHUNK_HINT,
                })?;
            out.write_all(&buf)?;
            out.flush()?;
            return match read_one(input)? {
                true => Err(EnvelopeError::Trailing),
                false => Ok(()),
            };
        }
    }
}

/// The input ended before the last chunk: at a chunk boundary (`at_boundary`) or inside
/// chunk `index`. Both readers report it in these words.
fn cut_short(index: u64, at_boundary: bool) -> EnvelopeError {
    EnvelopeError::Truncated(match (at_boundary, index) {
        (true, 0) => "the input ends before the first chunk".into(),
        (true, _) => format!(
            "the input ends after chunk {}, before the last chunk",
            index - 1
        ),
        (false, _) => format!("the input ends inside chunk {index}"),
    })
}

const FULL_CHUNK_HINT: &str =
    " (it was altered, or it is the last chunk with bytes appended after it)";
const LAST_CHUNK_HINT: &str =
    " (the last chunk was altered, or the envelope is cut short inside it, or has bytes appended)";

/// Whether at least one more byte can be read.
fn read_one(input: &mut impl Read) -> Result<bool, EnvelopeError> {
    let mut byte = [0u8; 1];
    loop {
        match input.read(&mut byte) {
            Ok(n) => return Ok(n > 0),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    }
}
