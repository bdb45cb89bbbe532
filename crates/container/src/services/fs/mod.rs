//! The per-app file sandbox behind `wx.getFileSystemManager()` and `wx.env.USER_DATA_PATH`.
//!
//! `FileSystem::call(method, args)` takes a FileSystemManager method by its WeChat name
//! without `Sync` and the object-form arguments of the async form (`{filePath, encoding}`),
//! and answers that method's success object without `errMsg` (`{data}`, `{files}`,
//! `{stats}`, `{savedFilePath}`, `{}`…).

mod encoding;
mod path;

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use cove_package::path::{Dots, segments};
use cove_protocol::bridge::FsMethod;
use md5::Md5;
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

use path::{Access, Resolved, Roots, io_err, is_hidden, path_err};
pub use path::{Area, STORE_DIR, USER_DATA_PATH};

use super::{Answer, ServiceError};

use super::atomic::{TEMP_PREFIX, sync_dir, write_atomic, write_atomic_with};

/// WeChat's local file quota per app.
pub const DEFAULT_QUOTA_BYTES: u64 = 200 * 1024 * 1024;

type NameSource = Box<dyn FnMut() -> String + Send>;
type Clock = Box<dyn Fn() -> SystemTime + Send>;

/// One app's file sandbox.
pub struct FileSystem {
    roots: Roots,
    quota: u64,
    names: NameSource,
    clock: Clock,
}

impl FileSystem {
    /// `user_dir` holds `wxfile://usr` (and the saved files), `temp_dir` the temp files;
    /// both are created when missing. `package_dir` is the unpacked app package, read-only.
    pub fn new(
        user_dir: &Path,
        temp_dir: &Path,
        package_dir: Option<&Path>,
        quota_bytes: u64,
    ) -> Result<FileSystem, ServiceError> {
        let usr = path::root(user_dir, true)?;
        let roots = Roots {
            store: usr.join(STORE_DIR),
            usr,
            temp: path::root(temp_dir, true)?,
            package: package_dir.map(|p| path::root(p, false)).transpose()?,
        };
        Ok(FileSystem {
            roots,
            quota: quota_bytes,
            names: Box::new(default_names()),
            clock: Box::new(SystemTime::now),
        })
    }

    /// Replaces the source of unique names for temp and saved files (tests make it
    /// deterministic).
    pub fn set_name_source(&mut self, names: impl FnMut() -> String + Send + 'static) {
        self.names = Box::new(names);
    }

    /// Replaces the clock that stamps saved files (`createTime`).
    pub fn set_clock(&mut self, clock: impl Fn() -> SystemTime + Send + 'static) {
        self.clock = Box::new(clock);
    }

    /// A fresh temp file path for `downloadFile`: (`wxfile://tmp_<name>.<ext>`, real path).
    /// `ext` may be given with or without its dot, or empty.
    pub fn temp_path(&mut self, ext: &str) -> (String, PathBuf) {
        let ext = ext.trim_start_matches('.');
        let ext =
            if !ext.is_empty() && ext.len() <= 16 && ext.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                format!(".{ext}")
            } else {
                String::new()
            };
        let name = format!("tmp_{}{ext}", (self.names)());
        (format!("wxfile://{name}"), self.roots.temp.join(name))
    }

    /// The real path behind a readable virtual path (for `uploadFile`, image sources…).
    pub fn real_path(&self, vpath: &str) -> Result<PathBuf, ServiceError> {
        Ok(self.roots.resolve(vpath, "open", Access::Read)?.real)
    }

    /// Bytes used under `wxfile://usr`, saved files included.
    pub fn used_bytes(&self) -> u64 {
        dir_size(&self.roots.usr)
    }

    /// Runs one FileSystemManager method (see the module docs), binary data as
    /// `{"$bytes"}` both ways.
    pub fn call(&mut self, method: &str, args: &Value) -> Result<Value, ServiceError> {
        let method: FsMethod = method
            .parse()
            .map_err(|_| ServiceError::fail("not supported"))?;
        self.call_data(method, args, None).map(Answer::into_json)
    }

    /// Runs one FileSystemManager method with binary data as bytes: `data`, when given,
    /// is the `data` argument (`writeFile`, `appendFile`, `writeTemp`), and `readFile`
    /// without an encoding answers its `data` in [`Answer::bytes`].
    pub fn call_data(
        &mut self,
        method: FsMethod,
        args: &Value,
        data: Option<Vec<u8>>,
    ) -> Result<Answer, ServiceError> {
        let a = Args(args);
        let done = Ok(Answer::json(json!({})));
        // The bytes to write: given as they are, or `args.data` in its encoding.
        let bytes = |a: &Args, data: Option<Vec<u8>>| -> Result<Vec<u8>, ServiceError> {
            let enc = a.opt_str("encoding")?;
            match data {
                Some(b) => Ok(b),
                None => encoding::encode(a.get("data"), enc),
            }
        };
        let json = |r: Result<Value, ServiceError>| r.map(Answer::json);
        match method {
            FsMethod::Access => {
                let p = a.str("path")?;
                self.existing(p, "access", Access::Read)?;
                done
            }
            FsMethod::ReadFile => self.read_file(&a),
            FsMethod::WriteFile => {
                let p = a.str("filePath")?;
                let bytes = bytes(&a, data)?;
                self.write_file(p, &bytes, false)?;
                done
            }
            FsMethod::WriteTemp => {
                let bytes = bytes(&a, data)?;
                let (virt, real) = self.temp_path(a.opt_str("ext")?.unwrap_or("png"));
                write_atomic(&real, &bytes).map_err(|e| ServiceError::fail(format!("fail {e}")))?;
                json(Ok(json!({"tempFilePath": virt})))
            }
            FsMethod::AppendFile => {
                let p = a.str("filePath")?;
                let bytes = bytes(&a, data)?;
                self.write_file(p, &bytes, true)?;
                done
            }
            FsMethod::CopyFile => {
                self.copy_file(a.str("srcPath")?, a.str("destPath")?)?;
                done
            }
            FsMethod::GetFileInfo => {
                json(self.file_info(a.str("filePath")?, a.opt_str("digestAlgorithm")?))
            }
            FsMethod::Mkdir => {
                self.mkdir(a.str("dirPath")?, a.bool("recursive"))?;
                done
            }
            FsMethod::Readdir => json(self.readdir(a.str("dirPath")?)),
            FsMethod::Rename => {
                self.rename(a.str("oldPath")?, a.str("newPath")?)?;
                done
            }
            FsMethod::Rmdir => {
                self.rmdir(a.str("dirPath")?, a.bool("recursive"))?;
                done
            }
            FsMethod::Stat => json(self.stat(a.str("path")?, a.bool("recursive"))),
            FsMethod::Unlink => {
                self.unlink(a.str("filePath")?, "unlink")?;
                done
            }
            FsMethod::Truncate => {
                self.truncate(a.str("filePath")?, a.opt_u64("length")?.unwrap_or(0))?;
                done
            }
            FsMethod::SaveFile => {
                json(self.save_file(a.str("tempFilePath")?, a.opt_str("filePath")?))
            }
            FsMethod::Unzip => {
                self.unzip(a.str("zipFilePath")?, a.str("targetPath")?)?;
                done
            }
            FsMethod::RemoveSavedFile => {
                self.unlink(a.str("filePath")?, "unlink")?;
                done
            }
            FsMethod::GetSavedFileList => json(self.saved_file_list()),
            FsMethod::GetSavedFileInfo => {
                let p = a.str("filePath")?;
                let (_, m) = self.existing(p, "stat", Access::Read)?;
                json(Ok(
                    json!({"size": m.len(), "createTime": secs(m.modified().ok())}),
                ))
            }
        }
    }

    /// Resolves a path that must exist; answers its metadata (never following a symlink).
    fn existing(
        &self,
        vpath: &str,
        op: &str,
        access: Access,
    ) -> Result<(Resolved, Metadata), ServiceError> {
        let r = self.roots.resolve(vpath, op, access)?;
        let m = fs::symlink_metadata(&r.real).map_err(|e| io_err(&e, op, vpath))?;
        Ok((r, m))
    }

    /// Resolves a path to create or replace: its parent must be an existing directory and
    /// it must not be one.
    fn target(&self, vpath: &str, op: &str) -> Result<(Resolved, u64), ServiceError> {
        let r = self.roots.resolve(vpath, op, Access::Write)?;
        if r.is_root {
            return Err(path_err("illegal operation on a directory", op, vpath));
        }
        let parent_ok = r
            .real
            .parent()
            .and_then(|p| fs::symlink_metadata(p).ok())
            .is_some_and(|m| m.is_dir());
        if !parent_ok {
            return Err(path_err("no such file or directory", op, vpath));
        }
        match fs::symlink_metadata(&r.real) {
            Ok(m) if m.is_dir() => Err(path_err("illegal operation on a directory", op, vpath)),
            Ok(m) => Ok((r, m.len())),
            Err(_) => Ok((r, 0)),
        }
    }

    fn check_quota(&self, add: u64, replaced: u64) -> Result<(), ServiceError> {
        if self.used_bytes().saturating_sub(replaced) + add > self.quota {
            return Err(ServiceError::fail(
                "the maximum size of the file storage limit is exceeded",
            ));
        }
        Ok(())
    }

    fn read_file(&self, a: &Args) -> Result<Answer, ServiceError> {
        let vpath = a.str("filePath")?;
        let enc = a.opt_str("encoding")?;
        let (r, m) = self.existing(vpath, "open", Access::Read)?;
        if m.is_dir() {
            return Err(path_err("illegal operation on a directory", "open", vpath));
        }
        let size = m.len();
        let pos = a.opt_u64("position")?;
        let len = a.opt_u64("length")?;
        // WeChat's ranges: position in [0, size - 1], length in [1, size - position].
        let invalid = || ServiceError::fail("Invalid argument");
        let start = match pos {
            Some(p) if p >= size && !(p == 0 && size == 0) => return Err(invalid()),
            Some(p) => p,
            None => 0,
        };
        let count = match len {
            Some(0) => return Err(invalid()),
            Some(l) if l > size - start => return Err(invalid()),
            Some(l) => l,
            None => size - start,
        };
        let mut f = open_read(&r.real).map_err(|e| io_err(&e, "open", vpath))?;
        let mut buf = Vec::with_capacity(count as usize);
        f.seek(SeekFrom::Start(start))
            .and_then(|_| f.take(count).read_to_end(&mut buf))
            .map_err(|e| io_err(&e, "open", vpath))?;
        Ok(Answer::with_data(json!({}), encoding::decode(buf, enc)?))
    }

    fn write_file(&self, vpath: &str, bytes: &[u8], append: bool) -> Result<(), ServiceError> {
        let (r, old) = self.target(vpath, "open")?;
        if append {
            // appendFile needs an existing file; the whole file is rewritten so that the
            // append is atomic like every other write.
            let mut f = open_read(&r.real).map_err(|e| io_err(&e, "open", vpath))?;
            self.check_quota(bytes.len() as u64, 0)?;
            write_atomic_with(&r.real, |out| {
                io::copy(&mut f, out)?;
                out.write_all(bytes)
            })
            .map_err(|e| io_err(&e, "open", vpath))
        } else {
            self.check_quota(bytes.len() as u64, old)?;
            write_atomic(&r.real, bytes).map_err(|e| io_err(&e, "open", vpath))
        }
    }

    fn copy_file(&self, src: &str, dest: &str) -> Result<(), ServiceError> {
        let (s, m) = self.existing(src, "copyFile", Access::Read)?;
        if m.is_dir() {
            return Err(path_err(
                "illegal operation on a directory",
                "copyFile",
                src,
            ));
        }
        let (d, old) = self.target(dest, "copyFile")?;
        self.check_quota(m.len(), old)?;
        let mut f = open_read(&s.real).map_err(|e| io_err(&e, "copyFile", src))?;
        write_atomic_with(&d.real, |out| io::copy(&mut f, out).map(drop))
            .map_err(|e| io_err(&e, "copyFile", dest))
    }

    fn file_info(&self, vpath: &str, algo: Option<&str>) -> Result<Value, ServiceError> {
        let (r, m) = self.existing(vpath, "open", Access::Read)?;
        if m.is_dir() {
            return Err(path_err("illegal operation on a directory", "open", vpath));
        }
        let mut f = open_read(&r.real).map_err(|e| io_err(&e, "open", vpath))?;
        let digest = match algo.unwrap_or("md5") {
            "md5" => hash::<Md5>(&mut f),
            "sha1" => hash::<Sha1>(&mut f),
            other => {
                return Err(ServiceError::fail(format!(
                    "invalid digestAlgorithm: {other}"
                )));
            }
        }
        .map_err(|e| io_err(&e, "open", vpath))?;
        Ok(json!({"size": m.len(), "digest": digest}))
    }

    fn mkdir(&self, vpath: &str, recursive: bool) -> Result<(), ServiceError> {
        let r = self.roots.resolve(vpath, "mkdir", Access::Write)?;
        if r.is_root || fs::symlink_metadata(&r.real).is_ok() {
            return Err(path_err("file already exists", "mkdir", vpath));
        }
        let res = if recursive {
            fs::create_dir_all(&r.real)
        } else {
            fs::create_dir(&r.real)
        };
        res.map_err(|e| io_err(&e, "mkdir", vpath))
    }

    fn readdir(&self, vpath: &str) -> Result<Value, ServiceError> {
        let (r, m) = self.existing(vpath, "scandir", Access::Read)?;
        if !m.is_dir() {
            return Err(path_err("not a directory", "scandir", vpath));
        }
        let usr_root = r.area == Area::Usr && r.is_root;
        let mut files: Vec<String> = fs::read_dir(&r.real)
            .map_err(|e| io_err(&e, "scandir", vpath))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !is_hidden(n, usr_root))
            .collect();
        files.sort();
        Ok(json!({"files": files}))
    }

    fn rename(&self, old: &str, new: &str) -> Result<(), ServiceError> {
        let (o, m) = self.existing(old, "rename", Access::Remove)?;
        if o.is_root {
            return Err(path_err("permission denied", "rename", old));
        }
        let n = self.roots.resolve(new, "rename", Access::Write)?;
        if n.is_root {
            return Err(path_err("permission denied", "rename", new));
        }
        if o.area == Area::Temp {
            self.check_quota(dir_size_or_len(&o.real, &m), 0)?;
        }
        move_path(&o.real, &n.real, m.is_dir()).map_err(|e| io_err(&e, "rename", new))
    }

    fn rmdir(&self, vpath: &str, recursive: bool) -> Result<(), ServiceError> {
        let (r, m) = self.existing(vpath, "rmdir", Access::Write)?;
        if r.is_root {
            return Err(path_err("permission denied", "rmdir", vpath));
        }
        if !m.is_dir() {
            return Err(path_err("not a directory", "rmdir", vpath));
        }
        // std's remove_dir_all removes symlinks themselves and never follows them.
        let res = if recursive {
            fs::remove_dir_all(&r.real)
        } else {
            fs::remove_dir(&r.real)
        };
        res.map_err(|e| io_err(&e, "rmdir", vpath))
    }

    fn unlink(&self, vpath: &str, op: &str) -> Result<(), ServiceError> {
        let (r, m) = self.existing(vpath, op, Access::Remove)?;
        if m.is_dir() {
            return Err(path_err("operation not permitted", op, vpath));
        }
        fs::remove_file(&r.real).map_err(|e| io_err(&e, op, vpath))
    }

    fn truncate(&self, vpath: &str, length: u64) -> Result<(), ServiceError> {
        let (r, old) = self.target(vpath, "open")?;
        let mut f = open_read(&r.real).map_err(|e| io_err(&e, "open", vpath))?;
        if length > old {
            self.check_quota(length - old, 0)?;
        }
        write_atomic_with(&r.real, |out| {
            io::copy(&mut (&mut f).take(length), out)?;
            // Growing pads with zeros, as ftruncate does.
            out.set_len(length)
        })
        .map_err(|e| io_err(&e, "open", vpath))
    }

    fn save_file(&mut self, temp: &str, dest: Option<&str>) -> Result<Value, ServiceError> {
        let (s, m) = self.existing(temp, "open", Access::Remove)?;
        if m.is_dir() {
            return Err(path_err("illegal operation on a directory", "open", temp));
        }
        let (vdest, real, old) = match dest {
            Some(d) => {
                let (r, old) = self.target(d, "open")?;
                (d.to_string(), r.real, old)
            }
            None => {
                let ext = s
                    .real
                    .extension()
                    .map(|e| e.to_string_lossy().into_owned())
                    .unwrap_or_default();
                self.store_dir("open", temp)?;
                let (vtmp, _) = self.temp_path(&ext);
                let name = vtmp.replacen("wxfile://tmp_", "store_", 1);
                (format!("wxfile://{name}"), self.roots.store.join(&name), 0)
            }
        };
        if s.area == Area::Temp {
            self.check_quota(m.len(), old)?;
        }
        move_path(&s.real, &real, false).map_err(|e| io_err(&e, "open", &vdest))?;
        // createTime is the time of saving, kept as the file's mtime.
        if let Ok(f) = OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&real)
        {
            let _ = f.set_modified((self.clock)());
        }
        Ok(json!({"savedFilePath": vdest}))
    }

    fn saved_file_list(&self) -> Result<Value, ServiceError> {
        let mut list = Vec::new();
        if fs::symlink_metadata(&self.roots.store).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(path_err("permission denied", "scandir", "wxfile://store"));
        }
        if let Ok(dir) = fs::read_dir(&self.roots.store) {
            for e in dir.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let Ok(m) = e.metadata() else { continue };
                if !m.is_file() || !name.starts_with("store_") {
                    continue;
                }
                list.push(json!({
                    "filePath": format!("wxfile://{name}"),
                    "size": m.len(),
                    "createTime": secs(m.modified().ok()),
                }));
            }
        }
        list.sort_by(|a, b| a["filePath"].as_str().cmp(&b["filePath"].as_str()));
        Ok(json!({"fileList": list}))
    }

    /// Creates the saved files' folder when missing; refuses one planted as a symlink.
    fn store_dir(&self, op: &str, vpath: &str) -> Result<(), ServiceError> {
        match fs::symlink_metadata(&self.roots.store) {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(path_err("permission denied", op, vpath)),
            Err(_) => match fs::create_dir(&self.roots.store) {
                Ok(()) => Ok(()),
                Err(e) => Err(io_err(&e, op, vpath)),
            },
        }
    }

    /// Extracts a zip into `target` (created if missing, its parent must exist). Every entry
    /// name must stay inside `target`; symlink entries, and symlinks met on disk, refuse the
    /// whole archive. The uncompressed total is checked against the quota before anything
    /// is written, and no entry may inflate past its declared size.
    fn unzip(&self, zip_path: &str, target: &str) -> Result<(), ServiceError> {
        let what = format!("{zip_path} -> {target}");
        let (op, vp) = ("unzip", what.as_str());
        let (src, m) = self.existing(zip_path, op, Access::Read).map_err(|_| {
            // One message for both paths, as WeChat's.
            match self.roots.resolve(zip_path, op, Access::Read) {
                Err(_) => path_err("permission denied", op, vp),
                Ok(_) => path_err("no such file or directory", op, vp),
            }
        })?;
        if m.is_dir() {
            return Err(path_err("illegal operation on a directory", op, vp));
        }
        let t = self.roots.resolve(target, op, Access::Write).map_err(|e| {
            if e.msg.starts_with("fail permission denied") {
                path_err("permission denied", op, vp)
            } else {
                e
            }
        })?;
        let create_target = match fs::symlink_metadata(&t.real) {
            Ok(m) if m.is_dir() => false,
            Ok(_) => return Err(path_err("not a directory", op, vp)),
            Err(_)
                if t.real
                    .parent()
                    .and_then(|p| fs::symlink_metadata(p).ok())
                    .is_some_and(|m| m.is_dir()) =>
            {
                true
            }
            Err(_) => return Err(path_err("no such file or directory", op, vp)),
        };
        let file = open_read(&src.real).map_err(|e| io_err(&e, op, vp))?;
        let bad_zip = || ServiceError::fail("read zip data");
        let mut zip = zip::ZipArchive::new(file).map_err(|_| bad_zip())?;
        let usr_root = t.area == Area::Usr && t.is_root;
        // First pass: names, kinds and sizes only.
        let mut plan = Vec::with_capacity(zip.len());
        let mut total = 0u64;
        for i in 0..zip.len() {
            let e = zip.by_index_raw(i).map_err(|_| bad_zip())?;
            let name = e.name().map_err(|_| bad_zip())?;
            let comps = entry_components(&name, usr_root)
                .ok_or_else(|| path_err("permission denied", op, vp))?;
            if e.is_symlink() || e.encrypted() {
                return Err(path_err("permission denied", op, vp));
            }
            if !e.is_dir() {
                total = total.saturating_add(e.size());
            }
            plan.push((i, comps, e.is_dir(), e.size()));
        }
        self.check_quota(total, 0)?;
        if create_target {
            fs::create_dir(&t.real).map_err(|e| io_err(&e, op, vp))?;
        }
        for (i, comps, is_dir, size) in plan {
            let Some((last, dirs)) = comps.split_last() else {
                continue;
            };
            let mut real = t.real.clone();
            for c in dirs.iter().chain(is_dir.then_some(last)) {
                real.push(c);
                match fs::symlink_metadata(&real) {
                    Ok(m) if m.file_type().is_symlink() => {
                        return Err(path_err("permission denied", op, vp));
                    }
                    Ok(m) if m.is_dir() => {}
                    Ok(_) => return Err(path_err("not a directory", op, vp)),
                    Err(_) => fs::create_dir(&real).map_err(|e| io_err(&e, op, vp))?,
                }
            }
            if is_dir {
                continue;
            }
            real.push(last);
            match fs::symlink_metadata(&real) {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(path_err("permission denied", op, vp));
                }
                Ok(m) if m.is_dir() => {
                    return Err(path_err("illegal operation on a directory", op, vp));
                }
                _ => {}
            }
            let mut entry = zip.by_index(i).map_err(|_| bad_zip())?;
            write_atomic_with(&real, |out| {
                // Reading to the end makes the zip reader check the CRC.
                let n = io::copy(&mut (&mut entry).take(size.saturating_add(1)), out)?;
                if n != size {
                    return Err(io::Error::other("entry size mismatch"));
                }
                Ok(())
            })
            .map_err(|e| match e.kind() {
                io::ErrorKind::Other | io::ErrorKind::InvalidData => bad_zip(),
                _ => io_err(&e, op, vp),
            })?;
        }
        Ok(())
    }

    fn stat(&self, vpath: &str, recursive: bool) -> Result<Value, ServiceError> {
        let (r, m) = self.existing(vpath, "stat", Access::Read)?;
        if !(recursive && m.is_dir()) {
            return Ok(json!({"stats": stats(&m)}));
        }
        let mut out = vec![json!({"path": "/", "stats": stats(&m)})];
        let usr_root = r.area == Area::Usr && r.is_root;
        walk(&r.real, "", usr_root, &mut |rel, m| {
            out.push(json!({"path": rel, "stats": stats(m)}));
        });
        Ok(json!({"stats": out}))
    }
}

/// A zip entry's name as components under the target; `None` for any name that could
/// leave it ([`cove_package::path`]: absolute, `..`, a backslash, a control character, a drive
/// or stream prefix) or reach a hidden name: temp names, or the saved files' folder at the
/// usr root.
fn entry_components(name: &str, usr_root: bool) -> Option<Vec<String>> {
    let segs = segments(name, Dots::Refuse).ok()?;
    if segs.iter().any(|c| c.starts_with(TEMP_PREFIX))
        || (usr_root && segs.first() == Some(&STORE_DIR))
    {
        return None;
    }
    Some(segs.into_iter().map(str::to_string).collect())
}

/// Visits everything under `dir` depth-first in name order, never following symlinks and
/// skipping them and hidden entries.
fn walk(dir: &Path, rel: &str, usr_root: bool, f: &mut dyn FnMut(&str, &Metadata)) {
    let Ok(rd) = fs::read_dir(dir) else { return };
    let mut names: Vec<_> = rd
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !is_hidden(n, usr_root))
        .collect();
    names.sort();
    for n in names {
        let p = dir.join(&n);
        let Ok(m) = fs::symlink_metadata(&p) else {
            continue;
        };
        if m.file_type().is_symlink() {
            continue;
        }
        let child = format!("{rel}/{n}");
        f(&child, &m);
        if m.is_dir() {
            walk(&p, &child, false, f);
        }
    }
}

/// Total size of the regular files under `dir` (symlinks not followed).
fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let Ok(m) = fs::symlink_metadata(e.path()) else {
                continue;
            };
            if m.is_dir() {
                stack.push(e.path());
            } else if m.is_file() {
                total += m.len();
            }
        }
    }
    total
}

fn dir_size_or_len(p: &Path, m: &Metadata) -> u64 {
    if m.is_dir() { dir_size(p) } else { m.len() }
}

/// Moves a file or directory; across file systems (temp → usr) a file is copied
/// atomically and the source removed.
fn move_path(from: &Path, to: &Path, is_dir: bool) -> io::Result<()> {
    match fs::rename(from, to) {
        Ok(()) => {
            if let Some(p) = to.parent() {
                sync_dir(p);
            }
            Ok(())
        }
        Err(e) if e.raw_os_error() == Some(libc::EXDEV) && !is_dir => {
            let mut f = open_read(from)?;
            write_atomic_with(to, |out| io::copy(&mut f, out).map(drop))?;
            fs::remove_file(from)
        }
        Err(e) => Err(e),
    }
}

/// Opens for reading without following a symlink. `resolve` checked every component, but
/// one could be swapped for a link since; on Linux `openat2` refuses a link anywhere in the
/// path (the roots are canonical, so a real path has none), elsewhere, or on kernels
/// without it, `O_NOFOLLOW` guards the last component.
fn open_read(p: &Path) -> io::Result<File> {
    if crate::mutation::off(crate::mutation::Control::Fs) {
        return File::open(p);
    }
    #[cfg(target_os = "linux")]
    match open_no_symlinks(p) {
        // No openat2 (before Linux 5.6, or filtered by seccomp).
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOSYS | libc::EPERM)) => {}
        r => return r,
    }
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(p)
}

#[cfg(target_os = "linux")]
fn open_no_symlinks(p: &Path) -> io::Result<File> {
    use std::ffi::CString;
    use std::os::fd::FromRawFd;
    use std::os::unix::ffi::OsStrExt;
    let c = CString::new(p.as_os_str().as_bytes())
        .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: `open_how` is plain integers; all-zero is its documented default.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_CLOEXEC) as u64;
    how.resolve = libc::RESOLVE_NO_SYMLINKS;
    // SAFETY: `c` and `how` outlive the call, and the size passed is `how`'s.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            libc::AT_FDCWD,
            c.as_ptr(),
            &how as *const libc::open_how,
            std::mem::size_of::<libc::open_how>(),
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a descriptor just opened, owned by nobody else.
    Ok(unsafe { File::from_raw_fd(fd as std::os::fd::RawFd) })
}

fn hash<D: Digest>(f: &mut File) -> io::Result<String> {
    let mut d = D::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(hex::encode(d.finalize()));
        }
        d.update(&buf[..n]);
    }
}

/// WeChat's `Stats` fields; the bridge turns `isDirectory`/`isFile` into methods.
fn stats(m: &Metadata) -> Value {
    json!({
        "mode": m.mode(),
        "size": m.len(),
        "lastAccessedTime": m.atime(),
        "lastModifiedTime": m.mtime(),
        "isDirectory": m.is_dir(),
        "isFile": m.is_file(),
    })
}

fn secs(t: Option<SystemTime>) -> u64 {
    t.and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs())
}

/// Unique names from the clock and a counter: unique within the process, and two
/// processes would have to start the same nanosecond to collide.
fn default_names() -> impl FnMut() -> String + Send {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let start = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    move || {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        format!("{start:x}{n:04x}")
    }
}

/// Typed access to the arguments object, with WeChat's parameter errors.
struct Args<'a>(&'a Value);

impl<'a> Args<'a> {
    fn get(&self, name: &str) -> &'a Value {
        self.0.get(name).unwrap_or(&Value::Null)
    }

    fn str(&self, name: &str) -> Result<&'a str, ServiceError> {
        self.get(name)
            .as_str()
            .ok_or_else(|| type_err(name, "String", self.get(name)))
    }

    fn opt_str(&self, name: &str) -> Result<Option<&'a str>, ServiceError> {
        match self.get(name) {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            v => Err(type_err(name, "String", v)),
        }
    }

    fn opt_u64(&self, name: &str) -> Result<Option<u64>, ServiceError> {
        match self.get(name) {
            Value::Null => Ok(None),
            v => match v
                .as_u64()
                .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
            {
                Some(n) => Ok(Some(n)),
                None => Err(ServiceError::fail("Invalid argument")),
            },
        }
    }

    fn bool(&self, name: &str) -> bool {
        self.get(name).as_bool().unwrap_or(false)
    }
}

fn type_err(name: &str, want: &str, got: &Value) -> ServiceError {
    let got = match got {
        Value::Null => "Undefined",
        Value::Bool(_) => "Boolean",
        Value::Number(_) => "Number",
        Value::String(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    };
    ServiceError::fail(format!(
        "parameter error: parameter.{name} should be {want} instead of {got};"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn unzip_entries_stay_under_the_target() {
        assert_eq!(entry_components("a/./b", false).unwrap(), vec!["a", "b"]);
        for name in [
            "../x",
            "a/../../x",
            "/etc/x",
            "a\\..\\x",
            "a\0b",
            "C:x",
            "a/.cove-tmp.f",
        ] {
            assert_eq!(entry_components(name, false), None, "{name:?}");
        }
        assert_eq!(entry_components(".cove-store/x", true), None);
        assert!(entry_components(".cove-store/x", false).is_some());
    }

    /// `resolve` checks components before use; `open_read` must still refuse a link that
    /// appears afterwards, in the last component everywhere and in any component on Linux.
    #[test]
    fn open_read_follows_no_link() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        fs::create_dir(root.join("real")).unwrap();
        fs::write(root.join("real/f"), b"x").unwrap();
        symlink(root.join("real/f"), root.join("real/lf")).unwrap();
        symlink(root.join("real"), root.join("ld")).unwrap();
        assert!(open_read(&root.join("real/f")).is_ok());
        let e = open_read(&root.join("real/lf")).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ELOOP));
        #[cfg(target_os = "linux")]
        {
            let e = open_read(&root.join("ld/f")).unwrap_err();
            assert_eq!(e.raw_os_error(), Some(libc::ELOOP), "{e}");
        }
    }
}
