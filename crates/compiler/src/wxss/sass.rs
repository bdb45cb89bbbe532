//! Sass and SCSS, as DevTools' `sass` compiler plugin, through `grass` (a Sass compiler in
//! Rust that follows dart-sass's output). Imports are read from the project's in-memory tree
//! with `/` as the mini-program root; the disk is never touched.

use std::cell::RefCell;
use std::io;
use std::path::{Path, PathBuf};

use grass_compiler as grass;

use crate::diagnostic::Diagnostic;
use crate::source::{SourceTree, normalize};

/// The tree as a file system rooted at `/`.
#[derive(Debug)]
struct TreeFs<'a>(&'a SourceTree);

impl TreeFs<'_> {
    fn rel(path: &Path) -> Option<String> {
        normalize(path.to_str()?)
    }
}

impl grass::Fs for TreeFs<'_> {
    fn is_dir(&self, path: &Path) -> bool {
        Self::rel(path).is_some_and(|p| p.is_empty() || self.0.is_dir(&p))
    }

    fn is_file(&self, path: &Path) -> bool {
        Self::rel(path).is_some_and(|p| self.0.contains(&p))
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        Self::rel(path)
            .and_then(|p| self.0.get(&p))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not in the project"))
    }
}

/// `@warn` messages, kept as warnings; `@debug` is dropped.
#[derive(Debug, Default)]
struct Warnings(RefCell<Vec<(String, usize, usize, String)>>);

impl grass::Logger for Warnings {
    fn debug(&self, _: grass::codemap::SpanLoc, _: &str) {}

    fn warn(&self, loc: grass::codemap::SpanLoc, message: &str) {
        self.0.borrow_mut().push((
            loc.file.name().to_string(),
            loc.begin.line,
            loc.begin.column,
            message.to_string(),
        ));
    }
}

/// Compile `file` (`.scss`, or `.sass` in the indented syntax). Warnings go to `warnings`;
/// an error names the file it is in, which may be one the entry imports.
pub fn compile(
    tree: &SourceTree,
    file: &str,
    warnings: &mut Vec<Diagnostic>,
) -> Result<String, Diagnostic> {
    let fs = TreeFs(tree);
    let logger = Warnings::default();
    let options = grass::Options::default()
        .fs(&fs)
        .logger(&logger)
        .style(grass::OutputStyle::Expanded);
    let entry = PathBuf::from(format!("/{file}"));
    let result = grass::from_path(&entry, &options);
    for (name, line, col, message) in logger.0.into_inner() {
        warnings.push(located(
            tree,
            file,
            Diagnostic::warning("sass-warning", message),
            &name,
            line,
            col,
        ));
    }
    result.map_err(|e| match e.kind() {
        grass::ErrorKind::ParseError { message, loc, .. } => located(
            tree,
            file,
            Diagnostic::error("sass-syntax", message),
            loc.file.name(),
            loc.begin.line,
            loc.begin.column,
        ),
        grass::ErrorKind::FromUtf8Error(m) => {
            Diagnostic::error("sass-syntax", format!("not UTF-8: {m}")).in_file(file, None)
        }
        grass::ErrorKind::IoError(io) => {
            Diagnostic::error("sass-syntax", io.to_string()).in_file(file, None)
        }
        other => Diagnostic::error("sass-syntax", format!("{other:?}")).in_file(file, None),
    })
}

/// Put `d` at a 0-based line and character column of the file grass names (`/a/b.scss`).
fn located(
    tree: &SourceTree,
    entry: &str,
    d: Diagnostic,
    name: &str,
    line: usize,
    col: usize,
) -> Diagnostic {
    let file = normalize(name)
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| entry.to_string());
    let d = if file != entry {
        d.help(format!("while compiling `{entry}`"))
    } else {
        d
    };
    let Ok(text) = tree.text(&file) else {
        return d.in_file(&file, None);
    };
    let line_start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let rest = &text[line_start.min(text.len())..];
    let at = line_start + rest.char_indices().nth(col).map_or(rest.len(), |(i, _)| i);
    let end = text[at..]
        .char_indices()
        .nth(1)
        .map_or(text.len(), |(i, _)| at + i);
    d.in_file(&file, Some(text)).at(at, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile_in(
        files: &[(&str, &str)],
        entry: &str,
    ) -> (Result<String, Diagnostic>, Vec<Diagnostic>) {
        let t = SourceTree::from_files(files.iter().map(|(p, s)| (*p, s.as_bytes().to_vec())));
        let mut w = vec![];
        (compile(&t, entry, &mut w), w)
    }

    #[test]
    fn variables_mixins_nesting_and_functions() {
        let (css, _) = compile_in(
            &[(
                "a.scss",
                "$c: #ff0000;\n@mixin m($x) { width: $x * 2; }\n.b { @include m(10rpx); color: rgba($c, 0.5); &-c { background: darken($c, 10%); } }",
            )],
            "a.scss",
        );
        let css = css.unwrap();
        assert!(css.contains("width: 20rpx;"), "{css}");
        assert!(css.contains("color: rgba(255, 0, 0, 0.5);"), "{css}");
        assert!(css.contains(".b-c {\n  background: #cc0000;"), "{css}");
    }

    #[test]
    fn indented_syntax_by_extension() {
        let (css, _) = compile_in(&[("a.sass", "$w: 1px\n.a\n  width: $w\n")], "a.sass");
        assert!(css.unwrap().contains("width: 1px;"));
    }

    #[test]
    fn imports_resolve_in_the_tree() {
        let files = [
            ("styles/_vars.scss", "$brand: #0052d9;"),
            ("pages/a/_part.scss", ".part { margin: 0; }"),
            (
                "pages/a/index.scss",
                "@use '../../styles/vars' as v;\n@import '/styles/vars';\n@import 'part';\n.x { color: $brand; border-color: v.$brand; }",
            ),
        ];
        let (css, _) = compile_in(&files, "pages/a/index.scss");
        let css = css.unwrap();
        assert!(css.contains(".part"), "{css}");
        assert!(
            css.contains("color: #0052d9;\n  border-color: #0052d9;"),
            "{css}"
        );
    }

    #[test]
    fn an_error_in_an_imported_file_points_there() {
        let files = [
            ("pages/a/index.scss", "@import 'part';\n.a { color: red; }"),
            ("pages/a/_part.scss", ".b {\n  color: $missing;\n}"),
        ];
        let (r, _) = compile_in(&files, "pages/a/index.scss");
        let d = r.unwrap_err();
        assert_eq!(d.code, "sass-syntax");
        assert_eq!(d.file.as_deref(), Some("pages/a/_part.scss"));
        assert_eq!(d.line_col(), Some((2, 10)), "{d}");
        assert!(d.message.contains("Undefined variable"), "{d}");
    }

    #[test]
    fn warnings_and_missing_imports() {
        let (r, w) = compile_in(&[("a.scss", ".a { b: c; }\n@warn \"careful\";")], "a.scss");
        assert!(r.is_ok());
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].code, "sass-warning");
        // At the message, as dart-sass reports it.
        assert_eq!(w[0].line_col(), Some((2, 7)));
        let (r, _) = compile_in(&[("a.scss", "@import 'nope';")], "a.scss");
        let d = r.unwrap_err();
        assert!(d.message.contains("Can't find stylesheet"), "{d}");
        assert_eq!(d.line_col(), Some((1, 9)), "{d}");
        // Nothing outside the tree, however the path is written.
        let (r, _) = compile_in(&[("a.scss", "@import '../../../etc/hosts';")], "a.scss");
        assert!(r.is_err());
    }
}
