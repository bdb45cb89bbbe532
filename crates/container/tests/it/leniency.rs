//! What WeChat accepts at build time and reports only at run time, end to end on a small
//! TypeScript project (`tests/fixtures/leniency`): `.ts` pages, components and modules,
//! `resolveAlias`, `useExtendedLib` (weui from Cove's embedded copy), `workers`, a
//! `usingComponents` entry that names nothing (WeChat's message when the page opens; the tag
//! renders as an unknown element) and a `require` that cannot resolve (WeChat's error when it
//! runs, confined to the handler that runs it).

use crate::common;

use std::path::Path;

const FIXTURE: &str = "tests/fixtures/leniency";

#[test]
fn a_typescript_app_with_missing_pieces_runs_like_wechat() {
    let out = cove_compiler::compile_dir(Path::new(FIXTURE), &Default::default())
        .expect("builds: what WeChat builds, Cove builds");
    let codes: Vec<&str> = out.warnings.0.iter().map(|d| d.code).collect();
    assert!(codes.contains(&"missing-component"), "{codes:?}");
    assert!(
        out.files.contains_key("workers/index.js"),
        "the worker is built"
    );
    assert!(
        out.files
            .contains_key("miniprogram_npm/weui-miniprogram/cell/cell.js"),
        "weui comes from the extended library"
    );

    let mut r = common::launch(Path::new(FIXTURE), None);
    let logs = r.host.take_logs();
    assert!(logs.iter().any(|l| l == "launch hello app"), "{logs:?}");
    assert!(
        logs.iter().any(|l| l.contains(
            r#"Component is not found in path "components/nope/nope" (using by "pages/index/index")"#
        )),
        "{logs:?}"
    );
    assert!(
        logs.iter().any(|l| l.contains(
            r#"Component is not found in path "components/ghost/ghost" (using by "pages/index/index")"#
        )),
        "app-wide declarations are reported for the page too: {logs:?}"
    );
    // TypeScript: an enum, a default parameter and a template literal, through an alias.
    let title = r.tree.by_id("title");
    assert_eq!(r.tree.text_of(title), "HELLO PAGE");
    // A `.ts` component, resolved through `resolveAlias`.
    let texts: Vec<&String> = r.tree.text.values().collect();
    assert!(
        texts.iter().any(|t| *t == "from a TS component"),
        "{texts:?}"
    );
    // The weui cell renders its own template (which prints its `title`), not an empty tag.
    assert!(texts.iter().any(|t| *t == "weui cell"), "{texts:?}");
    // The unknown tag is an element of its own name with its children.
    let nope = r.tree.by_id("nope");
    assert_eq!(r.tree.tag[&nope], "nope");
    assert!(
        r.tree
            .deep_text(nope)
            .contains("unknown tag keeps its children")
    );

    // The unresolved require throws WeChat's error in the handler, and the page lives on.
    r.tap("missing");
    let missing = r.tree.by_id("missing");
    assert_eq!(
        r.tree.text_of(missing),
        "module 'pages/index/dayjs.js' is not defined, require args is 'dayjs'"
    );
}
