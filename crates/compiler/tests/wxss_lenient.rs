//! WXSS that WeChat's `wcsc` accepts although it is not quite CSS: Cove must accept it too
//! and keep what `wcsc` keeps.
//!
//! Each folder of `tests/wxss-lenient` holds one malformed `input.wxss` (and the stylesheets
//! it imports). The test compiles it with Cove (no error allowed) and with the official `wcsc`
//! (npm `miniprogram-compiler`, installed by `npm ci --prefix corpus`), and compares the two
//! outputs rule by rule, after removing what differs only in form: whitespace, `wcsc`'s
//! `%%HERESUFFIX%%` class marker and its `wx-` tag prefix, a `;` before `}`.
//! `expected.css` records the rules both keep, for a reader (it is checked too; `COVE_BLESS=1`
//! writes it when both agree). A missing
//! `wcsc` is a failure, as in the differential test.

use std::path::{Path, PathBuf};
use std::process::Command;

use cove_compiler::project::Project;
use cove_compiler::{Diagnostics, SourceTree};

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/wxss-lenient");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    assert!(
        out.len() >= 10,
        "only {} cases in {}",
        out.len(),
        dir.display()
    );
    out
}

fn wcsc() -> PathBuf {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus/node_modules/miniprogram-compiler/bin/linux/wcsc");
    assert!(
        bin.is_file(),
        "the official wcsc is missing: {} (run `npm ci --prefix corpus`)",
        bin.display()
    );
    bin
}

/// `wcsc`'s CSS for `input.wxss`, every other stylesheet of the case given as importable.
fn official(case: &Path) -> String {
    let mut others: Vec<String> = std::fs::read_dir(case)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".wxss") && n != "input.wxss")
        .map(|n| format!("./{n}"))
        .collect();
    others.sort();
    let out = Command::new(wcsc())
        .arg("./input.wxss")
        .args(&others)
        .current_dir(case)
        .output()
        .expect("wcsc runs");
    assert!(
        out.status.success(),
        "{}: wcsc refuses the case, so it does not belong here: {}",
        case.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Cove's CSS and diagnostics for `input.wxss`.
fn cove(case: &Path) -> (String, Diagnostics) {
    let tree = SourceTree::from_dir(case).unwrap();
    let project = Project::standalone(tree);
    let mut diags = Diagnostics::default();
    let css = cove_compiler::wxss::compile_standalone(&project, "input.wxss", &mut diags);
    (css, diags)
}

/// One rule per line, in a form both compilers' outputs share.
fn normalize(css: &str) -> String {
    let css = css.replace("%%HERESUFFIX%%", "");
    let mut s = String::new();
    let mut last_space = false;
    for c in css.chars() {
        if c.is_whitespace() {
            last_space = true;
            continue;
        }
        if last_space && !s.is_empty() {
            s.push(' ');
        }
        last_space = false;
        s.push(c);
    }
    for p in ['{', '}', ':', ';', ','] {
        s = s.replace(&format!(" {p}"), &p.to_string());
        s = s.replace(&format!("{p} "), &p.to_string());
    }
    s = s.replace(";}", "}");
    // `wcsc` prefixes type selectors (`wx-icon`); glass-easel keeps the tag as written.
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(i) = rest.find("wx-") {
        let boundary = rest[..i]
            .chars()
            .last()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '-' || c == '_'));
        out.push_str(&rest[..i]);
        if !boundary {
            out.push_str("wx-");
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    out.replace('}', "}\n").trim().to_string()
}

#[test]
fn cove_keeps_what_wcsc_keeps() {
    let mut failures = vec![];
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let (css, diags) = cove(&case);
        if let Some(e) = diags.errors().next() {
            failures.push(format!("{name}: Cove reports an error: {e}"));
            continue;
        }
        let ours = normalize(&css);
        let theirs = normalize(&official(&case));
        if ours != theirs {
            failures.push(format!("{name}:\n  wcsc: {theirs:?}\n  cove: {ours:?}"));
            continue;
        }
        // `COVE_BLESS=1` records what both keep.
        if std::env::var_os("COVE_BLESS").is_some() {
            std::fs::write(case.join("expected.css"), format!("{ours}\n")).unwrap();
        }
        let expected = std::fs::read_to_string(case.join("expected.css"))
            .unwrap_or_else(|e| panic!("{name}/expected.css: {e}"));
        if expected.trim() != ours {
            failures.push(format!(
                "{name}: expected.css is stale:\n  recorded: {:?}\n  both:     {ours:?}",
                expected.trim()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every leniency leaves a warning at the place it applied.
#[test]
fn each_leniency_is_a_warning_with_its_position() {
    for (case, line_col) in [
        ("import-without-semicolon", (1, 21)),
        ("import-without-semicolon-before-tag", (1, 21)),
        ("import-path-then-words", (1, 21)),
        ("line-comment-before-selector", (1, 1)),
        ("line-comment-in-block", (1, 6)),
    ] {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/wxss-lenient")
            .join(case);
        let (_, diags) = cove(&dir);
        let w = diags
            .warnings()
            .find(|d| d.code == "wxss-syntax")
            .unwrap_or_else(|| panic!("{case}: no warning in {:?}", diags.0));
        assert_eq!(w.file.as_deref(), Some("input.wxss"), "{case}");
        assert_eq!(w.line_col(), Some(line_col), "{case}: {w}");
    }
}

/// What `wcsc` refuses stays an error: a missing import target, and an `@import` without a
/// quoted path (which glass-easel alone would drop without a word).
#[test]
fn what_wcsc_refuses_stays_an_error() {
    for (text, code, line_col) in [
        (
            "@import \"gone.wxss\";\n.a { color: red; }",
            "missing-style",
            (1, 10),
        ),
        (
            ".a { color: red; }\n@import url(b.wxss);",
            "wxss-syntax",
            (2, 1),
        ),
        ("@import b.wxss;", "wxss-syntax", (1, 1)),
    ] {
        let tree = SourceTree::from_files([("a.wxss", text), ("b.wxss", ".b{}")]);
        let project = Project::standalone(tree);
        let mut diags = Diagnostics::default();
        cove_compiler::wxss::check_file(&project, "a.wxss", &mut diags);
        let e = diags
            .errors()
            .next()
            .unwrap_or_else(|| panic!("no error for {text:?}"));
        assert_eq!(
            (e.code, e.line_col()),
            (code, Some(line_col)),
            "{text:?}: {e}"
        );
    }
}
