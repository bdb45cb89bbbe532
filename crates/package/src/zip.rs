//! The inner ZIP, read defensively: bounded in size, count and compression ratio (measured on
//! the bytes actually inflated, not the sizes the headers claim), with every name normalised
//! ([`crate::path`]) and refused when it could escape the package or collide with another.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use zip::CompressionMethod;

use crate::error::PackageError;
use crate::layout::Layout;
use crate::sign::SIGNATURE;
use crate::suite::Suite;

/// The package's files by normalised path.
pub type Files = BTreeMap<String, Vec<u8>>;

/// Bounds on what reading a package may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// All files together, inflated.
    pub max_total: u64,
    pub max_files: usize,
    /// Inflated : compressed, for files large enough to matter (`ratio_floor`).
    pub max_ratio: u64,
    pub ratio_floor: u64,
}

impl Default for Limits {
    /// WeChat caps a whole app (all subpackages) at 20 MB; these leave room for that and refuse
    /// what no mini-program needs.
    fn default() -> Self {
        Self {
            max_total: 64 << 20,
            max_files: 8192,
            max_ratio: 100,
            ratio_floor: 64 << 10,
        }
    }
}

/// The entries of a ZIP, checked by name and kind, not yet inflated.
pub struct Index<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// (entry number, normalised path, compressed size)
    entries: Vec<(usize, String, u64)>,
}

/// Each file's digest, computed while it was inflated.
pub type Digests = BTreeMap<String, [u8; 32]>;

/// Read the central directory and check every name, without inflating anything. Any ZIP
/// the `zip` crate reads is accepted here (for uploads and unsigned dev packages); a signed
/// package goes through [`index_canonical`].
pub fn index<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Index<'a>, PackageError> {
    index_with(bytes, limits, None)
}

/// Read a ZIP that must have the one canonical layout ([`Layout`]), and check that the `zip`
/// crate, which inflates, found exactly the entries the layout walk found, at the same
/// offsets: what is verified is what is read.
pub fn index_canonical<'a>(
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<(Index<'a>, Layout<'a>), PackageError> {
    let layout = Layout::parse(bytes, limits.max_files)?;
    let index = index_with(bytes, limits, Some(&layout))?;
    Ok((index, layout))
}

fn index_with<'a>(
    bytes: &'a [u8],
    limits: &Limits,
    layout: Option<&Layout<'a>>,
) -> Result<Index<'a>, PackageError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| PackageError::Zip(e.to_string()))?;
    if archive.len() > limits.max_files {
        return Err(PackageError::Bomb(format!(
            "{} entries (the limit is {})",
            archive.len(),
            limits.max_files
        )));
    }
    // The `zip` crate keeps one entry per name, so a second one would go unseen below.
    if archive.has_duplicate_names() {
        return Err(PackageError::UnsafePath {
            name: String::new(),
            why: "two entries with the same name",
        });
    }
    if let Some(l) = layout
        && (archive.len() != l.entries.len() || archive.offset() != 0)
    {
        return Err(PackageError::Layout(
            "the ZIP reader sees other entries than the layout".into(),
        ));
    }
    // Normalised path, by its lower-case form: on a case-insensitive file system (iOS,
    // macOS, Windows hosts) two names differing only in case are one file when installed.
    let mut seen = BTreeMap::<String, String>::new();
    let mut entries = vec![];
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| PackageError::Zip(e.to_string()))?;
        if let Some(l) = layout {
            let e = &l.entries[i];
            let same = entry.header_start() == e.offset as u64
                && entry.central_header_start() == e.central.start as u64
                && entry.data_start().is_none_or(|d| d == e.data.start as u64)
                && entry.compressed_size() == e.data.len() as u64
                && entry.size() == e.size
                && entry.crc32() == e.crc
                && entry.name_raw() == l.name(e);
            if !same {
                return Err(PackageError::Layout(format!(
                    "the ZIP reader and the layout disagree about entry {i}"
                )));
            }
        }
        let raw = entry.name_raw().to_vec();
        let name = String::from_utf8(raw.clone()).map_err(|_| PackageError::UnsafePath {
            name: String::from_utf8_lossy(&raw).into_owned(),
            why: "not UTF-8",
        })?;
        let unsafe_path = |why| PackageError::UnsafePath {
            name: name.clone(),
            why,
        };
        if entry.encrypted() {
            return Err(unsafe_path(
                "ZIP encryption is not allowed (use the envelope)",
            ));
        }
        if entry.is_symlink() {
            return Err(unsafe_path("symbolic link"));
        }
        if !matches!(
            entry.compression(),
            CompressionMethod::Stored | CompressionMethod::Deflated
        ) {
            return Err(PackageError::Zip(format!(
                "{name}: compression {:?} (only stored and deflate)",
                entry.compression()
            )));
        }
        let Some(path) = crate::path::normalise(&name).map_err(|e| unsafe_path(e.why()))? else {
            continue;
        };
        if let Some(other) = seen.insert(path.to_lowercase(), path.clone()) {
            return Err(unsafe_path(if other == path {
                "a second file with the same name after normalisation"
            } else {
                "a second file whose name differs only in case"
            }));
        }
        entries.push((i, path, entry.compressed_size().max(1)));
    }
    Ok(Index { archive, entries })
}

impl Index<'_> {
    /// Whether a file of this normalised path is in the ZIP.
    pub fn contains(&self, path: &str) -> bool {
        self.entries.iter().any(|(_, p, _)| p == path)
    }

    /// Inflate one file by its normalised path (within `limits`), if present.
    pub fn read_one(&self, path: &str, limits: &Limits) -> Result<Option<Vec<u8>>, PackageError> {
        let Some((i, p, compressed)) = self.entries.iter().find(|(_, p, _)| p == path) else {
            return Ok(None);
        };
        let total = AtomicU64::new(0);
        let mut archive = self.archive.clone();
        inflate(&mut archive, *i, p, *compressed, limits, &total, None).map(|(d, _)| Some(d))
    }

    /// Inflate every file within `limits`, on all cores, hashing each with `digest` as it
    /// comes out of the inflater.
    pub fn read_all(
        &self,
        limits: &Limits,
        digest: Option<Suite>,
    ) -> Result<(Files, Digests), PackageError> {
        let total = AtomicU64::new(0);
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 4)
            .min(self.entries.len().max(1));
        // Interleaved, so that large and small files spread evenly.
        let parts: Vec<Vec<&(usize, String, u64)>> = (0..threads)
            .map(|t| self.entries.iter().skip(t).step_by(threads).collect())
            .collect();
        let results = std::thread::scope(|scope| {
            let handles: Vec<_> = parts
                .into_iter()
                .map(|part| {
                    let mut archive = self.archive.clone();
                    let total = &total;
                    scope.spawn(move || {
                        part.into_iter()
                            .map(|(i, p, c)| {
                                inflate(&mut archive, *i, p, *c, limits, total, digest)
                                    .map(|r| (p.clone(), r))
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("an inflater thread does not panic"))
                .collect::<Vec<_>>()
        });
        let mut files = Files::new();
        let mut digests = Digests::new();
        for r in results {
            for (path, (data, d)) in r? {
                if let Some(d) = d {
                    digests.insert(path.clone(), d);
                }
                files.insert(path, data);
            }
        }
        Ok((files, digests))
    }
}

/// Inflate entry `i`, counting against the shared total: at most what the limits allow is
/// read, whatever the header says.
fn inflate(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    i: usize,
    path: &str,
    compressed: u64,
    limits: &Limits,
    total: &AtomicU64,
    digest: Option<Suite>,
) -> Result<(Vec<u8>, Option<[u8; 32]>), PackageError> {
    let mut entry = archive
        .by_index(i)
        .map_err(|e| PackageError::Zip(e.to_string()))?;
    let budget = limits
        .max_total
        .saturating_sub(total.load(Ordering::Relaxed));
    let mut data = Vec::with_capacity(entry.size().min(budget) as usize);
    let mut hasher = digest.map(Suite::hasher);
    let mut buf = [0u8; 32 << 10];
    loop {
        let n = entry
            .read(&mut buf)
            .map_err(|e| PackageError::Zip(format!("{path}: {e}")))?;
        if n == 0 {
            break;
        }
        if data.len() as u64 + n as u64 > budget {
            return Err(PackageError::Bomb(format!(
                "more than {} bytes inflated in all",
                limits.max_total
            )));
        }
        if let Some(h) = hasher.as_mut() {
            h.update(&buf[..n]);
        }
        data.extend_from_slice(&buf[..n]);
    }
    let n = data.len() as u64;
    if total.fetch_add(n, Ordering::Relaxed) + n > limits.max_total {
        return Err(PackageError::Bomb(format!(
            "more than {} bytes inflated in all",
            limits.max_total
        )));
    }
    if n > limits.ratio_floor && n / compressed > limits.max_ratio {
        return Err(PackageError::Bomb(format!(
            "{path} inflates {n} bytes from {compressed} (more than {}:1)",
            limits.max_ratio
        )));
    }
    Ok((data, hasher.map(crate::suite::Hasher::finalize)))
}

/// Read every file of a ZIP within `limits`.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Files, PackageError> {
    Ok(index(bytes, limits)?.read_all(limits, None)?.0)
}

/// Write files as a reproducible ZIP (fixed times and modes) in the canonical layout
/// ([`Layout`]): `first` leads, `last` ends, the rest in path order. Every file is deflated
/// but `signature.json`, which is stored so that its bytes are its text.
pub fn write(files: &Files, first: &str, last: &str) -> Result<Vec<u8>, PackageError> {
    use zip::write::SimpleFileOptions;
    let zip_err = |e: zip::result::ZipError| PackageError::Zip(e.to_string());
    let mut buf = Cursor::new(Vec::new());
    let mut zw = zip::ZipWriter::new(&mut buf);
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let middle = files.keys().filter(|k| *k != first && *k != last);
    let order = std::iter::once(first)
        .chain(middle.map(String::as_str))
        .chain(std::iter::once(last));
    for path in order {
        let Some(bytes) = files.get(path) else {
            continue;
        };
        let opts = if path == SIGNATURE {
            opts.compression_method(CompressionMethod::Stored)
                .compression_level(None)
        } else {
            opts
        };
        zw.start_file(path, opts).map_err(zip_err)?;
        zw.write_all(bytes)
            .map_err(|e| PackageError::Zip(e.to_string()))?;
    }
    zw.finish().map_err(zip_err)?;
    Ok(buf.into_inner())
}
