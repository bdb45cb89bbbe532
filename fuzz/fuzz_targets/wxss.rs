//! The fuzz input is a stylesheet, both global and a page's.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let tree = cove_compiler::SourceTree::from_files([
        ("app.json", br#"{"pages":["pages/index/index"]}"#.to_vec()),
        ("app.js", b"App({})".to_vec()),
        ("app.wxss", data.to_vec()),
        ("pages/index/index.js", b"Page({})".to_vec()),
        ("pages/index/index.wxml", b"<view/>".to_vec()),
        ("pages/index/index.wxss", data.to_vec()),
        ("pages/index/x.wxss", b".x { width: 10rpx }".to_vec()),
    ]);
    let _ = cove_compiler::compile(&tree, &cove_compiler::CompileOptions::default());
});
