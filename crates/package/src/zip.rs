//! The inner ZIP, read defensively: bounded in size, count and compression ratio (measured on
//! the bytes actually inflated, not the sizes the headers claim), with every name normalised
//! and refused when it could escape the package or collide with another.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};

use zip::CompressionMethod;

use crate::error::PackageError;

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

/// A safe relative path: `/`-separated, no `..`, no absolute or drive prefix, no backslash or
/// control characters; `.` and empty segments are dropped. Directory entries give `None`.
pub fn normalise(name: &str) -> Result<Option<String>, &'static str> {
    if name.starts_with('/') {
        return Err("absolute path");
    }
    if name.contains('\\') {
        return Err("backslash in a name");
    }
    if name.chars().any(char::is_control) {
        return Err("control character in a name");
    }
    let mut parts = vec![];
    for seg in name.split('/') {
        match seg {
            "" | "." => {}
            ".." => return Err("`..` segment"),
            s if s.contains(':') => return Err("drive or stream prefix"),
            s => parts.push(s),
        }
    }
    if name.ends_with('/') {
        return Ok(None);
    }
    if parts.is_empty() {
        return Err("empty name");
    }
    Ok(Some(parts.join("/")))
}

/// Read every file of a ZIP within `limits`.
pub fn read(bytes: &[u8], limits: &Limits) -> Result<Files, PackageError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| PackageError::Zip(e.to_string()))?;
    if archive.len() > limits.max_files {
        return Err(PackageError::Bomb(format!(
            "{} entries (the limit is {})",
            archive.len(),
            limits.max_files
        )));
    }
    let mut files = Files::new();
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| PackageError::Zip(e.to_string()))?;
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
        let Some(path) = normalise(&name).map_err(unsafe_path)? else {
            continue;
        };
        if files.contains_key(&path) {
            return Err(unsafe_path(
                "a second file with the same name after normalisation",
            ));
        }
        let compressed = entry.compressed_size().max(1);
        drop(entry);
        let entry = archive
            .by_index(i)
            .map_err(|e| PackageError::Zip(e.to_string()))?;
        // Read at most what the limits allow, whatever the header says.
        let budget = limits.max_total - total;
        let mut data = Vec::new();
        entry
            .take(budget + 1)
            .read_to_end(&mut data)
            .map_err(|e| PackageError::Zip(format!("{path}: {e}")))?;
        let n = data.len() as u64;
        if n > budget {
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
        total += n;
        files.insert(path, data);
    }
    Ok(files)
}

/// Write files as a reproducible ZIP (fixed times and modes): `first` leads, `last` ends,
/// the rest in path order.
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
        zw.start_file(path, opts).map_err(zip_err)?;
        zw.write_all(bytes)
            .map_err(|e| PackageError::Zip(e.to_string()))?;
    }
    zw.finish().map_err(zip_err)?;
    Ok(buf.into_inner())
}
