//! Owner-only files and directories: the data directory holds the database, the blobs and
//! the keys, so nothing in it is for other local users (0700 directories, 0600 files).
//! On other systems than Unix these are no-ops.

use std::io;
use std::path::Path;

/// Create `dir` and its missing parents, owner-only (existing ones are left as they are).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

/// Take away the group's and others' bits from `path` if it has any, leaving the owner's
/// (so a 0644 file becomes 0600 and a 0755 directory 0700). `Ok(Some(old mode))` when it
/// was looser, `Ok(None)` when it was fine or does not exist.
pub fn tighten(path: &Path) -> io::Result<Option<u32>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o077 == 0 {
            return Ok(None);
        }
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & 0o700))?;
        Ok(Some(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(None)
    }
}

/// [`tighten`], warning when it had to.
pub fn tighten_and_warn(path: &Path, what: &str) {
    match tighten(path) {
        Ok(Some(old)) => tracing::warn!(
            "{what} {} was readable by other local users (mode {old:o}); made it owner-only",
            path.display()
        ),
        Ok(None) => {}
        Err(e) => tracing::warn!(
            "{what} {}: cannot restrict its permissions: {e}",
            path.display()
        ),
    }
}
