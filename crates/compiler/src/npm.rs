//! "Build npm", as WeChat DevTools does it: a package in `node_modules` that ships a
//! mini-program build (its `package.json` `miniprogram` field, or `miniprogram_dist/`)
//! becomes `miniprogram_npm/<name>/`, unless the project already has that folder built.

use std::io;
use std::path::Path;

use crate::source::SourceTree;

/// Map packages from `node_modules` folders on disk into `tree` (rooted at the mini-program
/// root). Returns the names of the packages mapped.
pub fn map_node_modules(
    tree: &mut SourceTree,
    node_modules_dirs: &[&Path],
) -> io::Result<Vec<String>> {
    let mut mapped = vec![];
    for nm in node_modules_dirs {
        if !nm.is_dir() {
            continue;
        }
        for name in package_names(nm)? {
            let pkg_dir = nm.join(&name);
            let Ok(manifest) = std::fs::read(pkg_dir.join("package.json")) else {
                continue;
            };
            let Ok(manifest) = serde_json::from_slice::<serde_json::Value>(&manifest) else {
                continue;
            };
            let dist = manifest
                .get("miniprogram")
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .or_else(|| {
                    pkg_dir
                        .join("miniprogram_dist")
                        .is_dir()
                        .then(|| "miniprogram_dist".to_string())
                });
            let Some(dist) = dist else { continue };
            let target = format!("miniprogram_npm/{name}");
            if tree.is_dir(&target) || mapped.contains(&name) {
                continue;
            }
            let src = pkg_dir.join(dist);
            if !src.is_dir() {
                continue;
            }
            let sub = SourceTree::from_dir(&src)?;
            for p in sub.paths() {
                if let Some(bytes) = sub.get(p) {
                    tree.insert(&format!("{target}/{p}"), bytes.to_vec());
                }
            }
            mapped.push(name);
        }
    }
    Ok(mapped)
}

/// Package folder names in a `node_modules`, scoped ones as `@scope/name`, sorted.
fn package_names(nm: &Path) -> io::Result<Vec<String>> {
    let mut names = vec![];
    for entry in std::fs::read_dir(nm)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') || !entry.file_type()?.is_dir() {
            continue;
        }
        if name.starts_with('@') {
            for inner in std::fs::read_dir(entry.path())? {
                let inner = inner?;
                if inner.file_type()?.is_dir() {
                    names.push(format!("{name}/{}", inner.file_name().to_string_lossy()));
                }
            }
        } else {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}
