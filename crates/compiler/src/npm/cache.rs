//! The pack cache: one ZIP per project under `<cache>/npm/`, named by a hash of the project's
//! canonical path. It holds the packed files and `cove-npm.json`: the parameters of the pack
//! (groups, packages kept, sub-paths the app names, Cove's version) and every path the packer
//! looked at with its size and modification time. An entry is used only while its parameters
//! match and every one of those paths is unchanged, so `npm install`, a patched file in
//! `node_modules` or a new nested package all invalidate it. Written atomically: temp file,
//! fsync, rename, fsync of the folder.

use std::fs::{self, File};
use std::io::{self, Cursor, Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::disk::{Inputs, Stamp, unchanged};
use super::pack::{Note, Packed, PackedPackage};

const META: &str = "cove-npm.json";
const FILES: &str = "files/";

#[derive(Serialize, Deserialize)]
struct Meta {
    params: String,
    inputs: Vec<(PathBuf, Option<Stamp>)>,
    packages: Vec<PackedPackage>,
    notes: Vec<Note>,
}

/// The cache file for the project at `root` (canonical).
pub(crate) fn file_for(cache_dir: &Path, root: &Path) -> PathBuf {
    let digest = Sha256::digest(root.to_string_lossy().as_bytes());
    cache_dir
        .join("npm")
        .join(format!("{}.zip", &hex::encode(digest)[..32]))
}

/// The cached pack, if it was made with `params` and nothing it read has changed since.
pub(crate) fn load(file: &Path, params: &str) -> Option<Packed> {
    let bytes = fs::read(file).ok()?;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let meta: Meta = {
        let mut f = zip.by_name(META).ok()?;
        let mut s = String::new();
        f.read_to_string(&mut s).ok()?;
        serde_json::from_str(&s).ok()?
    };
    if meta.params != params {
        return None;
    }
    let inputs: Inputs = meta.inputs.into_iter().collect();
    if !unchanged(&inputs) {
        return None;
    }
    let mut packed = Packed {
        packages: meta.packages,
        notes: meta.notes,
        ..Packed::default()
    };
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).ok()?;
        let name = f.name().ok()?.into_owned();
        let Some(path) = name.strip_prefix(FILES).map(str::to_string) else {
            continue;
        };
        let mut b = Vec::with_capacity(f.size() as usize);
        f.read_to_end(&mut b).ok()?;
        packed.files.insert(path, b);
    }
    Some(packed)
}

pub(crate) fn store(file: &Path, params: &str, packed: &Packed, inputs: &Inputs) -> io::Result<()> {
    let meta = Meta {
        params: params.to_string(),
        inputs: inputs.iter().map(|(p, s)| (p.clone(), *s)).collect(),
        packages: packed.packages.clone(),
        notes: packed.notes.clone(),
    };
    let mut buf = Cursor::new(Vec::new());
    {
        let mut zw = zip::ZipWriter::new(&mut buf);
        // Stored: the cache is read on every build, and packed JS is small.
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .last_modified_time(zip::DateTime::default());
        zw.start_file(META, opts).map_err(io::Error::other)?;
        zw.write_all(&serde_json::to_vec(&meta).map_err(io::Error::other)?)?;
        for (path, bytes) in &packed.files {
            zw.start_file(format!("{FILES}{path}"), opts)
                .map_err(io::Error::other)?;
            zw.write_all(bytes)?;
        }
        zw.finish().map_err(io::Error::other)?;
    }
    write_atomic(file, &buf.into_inner())?;
    if let Some(dir) = file.parent() {
        prune(dir);
    }
    Ok(())
}

/// Entries not rewritten for this long belong to projects gone or untouched: removed.
const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

fn prune(dir: &Path) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    let now = std::time::SystemTime::now();
    for e in rd.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > MAX_AGE);
        if old && e.file_name().to_string_lossy().ends_with(".zip") {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Write beside `path`, fsync, rename over it, fsync the folder: a crash leaves the old
/// entry or the new one (tempfile gives the unique name and removes it on failure).
fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir)?;
    let mut f = tempfile::NamedTempFile::new_in(dir)?;
    f.write_all(data)?;
    f.as_file().sync_all()?;
    f.persist(path).map_err(|e| e.error)?;
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
