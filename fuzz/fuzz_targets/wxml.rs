//! The fuzz input is a page template in an otherwise valid project.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let tree = cove_compiler::SourceTree::from_files([
        ("app.json", br#"{"pages":["pages/index/index"],"usingComponents":{"c":"/c/c"}}"#.to_vec()),
        ("app.js", b"App({})".to_vec()),
        ("pages/index/index.js", b"Page({})".to_vec()),
        ("pages/index/index.wxml", data.to_vec()),
        ("pages/index/t.wxml", b"<template name=\"t\"><view/></template>".to_vec()),
        ("pages/index/m.wxs", b"module.exports = {}".to_vec()),
        ("c/c.json", br#"{"component":true}"#.to_vec()),
        ("c/c.wxml", b"<slot/>".to_vec()),
        ("c/c.js", b"Component({})".to_vec()),
    ]);
    let _ = cove_compiler::compile(&tree, &cove_compiler::CompileOptions::default());
});
