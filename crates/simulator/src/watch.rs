//! Rebuild when the project changes: file events are coalesced until the tree has been
//! quiet for a moment, so an editor's save (often several writes) causes one rebuild.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use crate::DevError;

const QUIET: Duration = Duration::from_millis(120);

/// Folders whose changes never affect the build output we run.
fn ignored(path: &Path) -> bool {
    path.components().any(|c| {
        matches!(
            c.as_os_str().to_str(),
            Some(".git" | ".cove" | "dist" | "target")
        )
    })
}

pub fn start(
    dir: &Path,
    on_change: impl Fn() + Send + 'static,
) -> Result<notify::RecommendedWatcher, DevError> {
    let (tx, rx) = mpsc::channel::<()>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res {
            let relevant = !ev.kind.is_access() && ev.paths.iter().any(|p| !ignored(p));
            if relevant {
                let _ = tx.send(());
            }
        }
    })
    .map_err(|source| DevError::Watch {
        path: dir.display().to_string(),
        source,
    })?;
    watcher
        .watch(dir, RecursiveMode::Recursive)
        .map_err(|source| DevError::Watch {
            path: dir.display().to_string(),
            source,
        })?;
    std::thread::Builder::new()
        .name("cove-dev-watch".into())
        .spawn(move || {
            while rx.recv().is_ok() {
                while rx.recv_timeout(QUIET).is_ok() {}
                on_change();
            }
        })
        .expect("a thread starts");
    Ok(watcher)
}
