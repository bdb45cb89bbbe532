//! Any bytes become a small project; compiling it must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// Paths the fuzzer picks from, so that it reaches deep into the loader.
const PATHS: &[&str] = &[
    "app.json",
    "project.config.json",
    "app.js",
    "app.wxss",
    "pages/index/index.json",
    "pages/index/index.wxml",
    "pages/index/index.wxss",
    "pages/index/index.js",
    "components/c/c.json",
    "components/c/c.wxml",
    "components/c/c.js",
    "utils/a.wxs",
    "utils/b.js",
    "sub/p/p.wxml",
    "miniprogram_npm/pkg/index.js",
    "miniprogram_npm/pkg/package.json",
    // Appended (not inserted) so that existing seeds keep their meaning.
    "sub/p/p.json",
    "sub/p/p.js",
    "components/c/c.wxss",
    "miniprogram_npm/pkg/index.json",
    "miniprogram_npm/pkg/index.wxml",
    "utils/b.wxs",
];

fuzz_target!(|data: &[u8]| {
    // Layout: [path index][len][bytes] repeated; `0xFF` as index means a free-form path
    // (the body's first 24 bytes), e.g. a component or module the other files name.
    let mut files: Vec<(String, Vec<u8>)> = vec![];
    let mut i = 0;
    while i + 2 <= data.len() && files.len() < 24 {
        let sel = data[i] as usize;
        let len = (data[i + 1] as usize).min(data.len() - i - 2);
        let body = data[i + 2..i + 2 + len].to_vec();
        i += 2 + len;
        let path = if sel == 0xFF {
            String::from_utf8_lossy(&body[..body.len().min(24)]).into_owned()
        } else {
            PATHS[sel % PATHS.len()].to_string()
        };
        files.push((path, body));
    }
    let tree = cove_compiler::SourceTree::from_files(files);
    let _ = cove_compiler::compile(&tree, &cove_compiler::CompileOptions::default());
});
