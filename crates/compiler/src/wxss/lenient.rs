//! What WeChat's `wcsc` accepts and glass-easel's stylesheet compiler refuses, rewritten
//! before glass-easel sees the text. Each rewrite keeps what `wcsc` keeps and yields a warning.
//!
//! - `@import "x"` with no `;`: `wcsc` ends the import at its path, whatever follows
//!   (`@import "x"\n.a{}` is an import and a rule; `@import "x" screen\n.a{}` is an import and
//!   the rule `screen .a{}`). glass-easel reads the following tokens as a media query and
//!   drops the next rule with a fatal error. A `;` goes in after the path unless one ends the
//!   statement before any block (`@import "x" screen;` stays a media import for glass-easel;
//!   `wcsc` refuses it).
//! - `//` before a selector: `wcsc` drops the two slashes and keeps the words after them as
//!   part of the selector (`// a\n.x, .y{}` gives `a .x, .y{}`: `.y` still applies). Left
//!   alone, `//` makes the browser drop the whole rule. The slashes become spaces.
//!
//! Positions: a rewrite inserts at most one byte per place; [`Lenient::original_offset`] maps
//! an offset in the rewritten text back to the source.

use cssparser::{ParseError, Parser, ParserInput, Token};

/// A rewrite worth a warning, or (`error`) something `wcsc` refuses that glass-easel would
/// drop without a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Byte offsets in the source text.
    pub span: (usize, usize),
    pub message: &'static str,
    pub error: bool,
}

#[derive(Debug, Default)]
pub struct Lenient {
    /// The text glass-easel compiles.
    pub text: String,
    /// Source offsets where one byte was inserted, ascending.
    inserted: Vec<usize>,
    pub notes: Vec<Note>,
}

impl Lenient {
    /// The source offset of `offset` in the rewritten text.
    pub fn original_offset(&self, offset: usize) -> usize {
        let mut o = offset;
        for (i, at) in self.inserted.iter().enumerate() {
            // The i-th insertion sits at `at + i` in the rewritten text.
            if at + i < offset {
                o -= 1;
            } else {
                break;
            }
        }
        o
    }
}

pub const IMPORT_WITHOUT_SEMICOLON: &str =
    "`@import` has no `;` after its path: WeChat ends it there (a `;` is assumed)";
pub const IMPORT_WITHOUT_STRING: &str = "`@import` needs a quoted path (`@import \"a.wxss\";`): WeChat refuses `url(...)` and bare paths";
pub const LINE_COMMENT: &str = "`//` is not a CSS comment: WeChat drops the slashes and keeps the rest of the line as part of the selector";

/// Rewrite `text` the way `wcsc` reads it. Returns the text unchanged when nothing applies.
pub fn rewrite(text: &str) -> Lenient {
    let mut inserts = vec![];
    let mut blanks = vec![];
    let mut notes = vec![];
    {
        let mut input = ParserInput::new(text);
        let mut p = Parser::new(&mut input);
        scan(&mut p, 0, &mut inserts, &mut blanks, &mut notes);
    }
    if inserts.is_empty() && blanks.is_empty() {
        return Lenient {
            text: text.to_string(),
            inserted: vec![],
            notes,
        };
    }
    inserts.sort_unstable();
    let mut bytes = text.as_bytes().to_vec();
    for at in &blanks {
        bytes[*at] = b' ';
        bytes[*at + 1] = b' ';
    }
    let mut out = String::with_capacity(text.len() + inserts.len());
    let mut last = 0;
    // Only ASCII was replaced, so the bytes are still UTF-8.
    let blanked = String::from_utf8(bytes).expect("ASCII replaced by ASCII");
    for at in &inserts {
        out.push_str(&blanked[last..*at]);
        out.push(';');
        last = *at;
    }
    out.push_str(&blanked[last..]);
    notes.sort_by_key(|n: &Note| n.span);
    Lenient {
        text: out,
        inserted: inserts,
        notes,
    }
}

/// Blocks deeper than this are left as they are (no stylesheet nests so deep; a fuzzer does).
const MAX_DEPTH: usize = 64;

fn scan<'i>(
    p: &mut Parser<'i, '_>,
    depth: usize,
    inserts: &mut Vec<usize>,
    blanks: &mut Vec<usize>,
    notes: &mut Vec<Note>,
) {
    // At the start of a rule (where a selector may begin).
    let mut rule_start = true;
    loop {
        let start = p.position().byte_index();
        let Ok(tok) = p.next_including_whitespace_and_comments().cloned() else {
            return;
        };
        match tok {
            Token::WhiteSpace(_) | Token::Comment(_) => continue,
            Token::AtKeyword(ref k) if k.as_ref() == "import" => {
                import(p, start, inserts, notes);
                rule_start = true;
                continue;
            }
            Token::Delim('/') if rule_start => {
                let state = p.state();
                if matches!(
                    p.next_including_whitespace_and_comments(),
                    Ok(Token::Delim('/'))
                ) && p.position().byte_index() == start + 2
                {
                    blanks.push(start);
                    notes.push(Note {
                        span: (start, start + 2),
                        message: LINE_COMMENT,
                        error: false,
                    });
                    // The words after it belong to the selector that follows.
                    rule_start = false;
                    continue;
                }
                p.reset(&state);
            }
            Token::CurlyBracketBlock if depth < MAX_DEPTH => {
                let _ = p.parse_nested_block(|p| -> Result<(), ParseError<'i, ()>> {
                    scan(p, depth + 1, inserts, blanks, notes);
                    Ok(())
                });
                rule_start = true;
                continue;
            }
            Token::Semicolon | Token::CloseCurlyBracket | Token::CurlyBracketBlock => {
                rule_start = true;
                continue;
            }
            _ => {}
        }
        rule_start = false;
    }
}

/// After `@import`: its path, then what ends the statement.
fn import(p: &mut Parser<'_, '_>, at: usize, inserts: &mut Vec<usize>, notes: &mut Vec<Note>) {
    let path_end = loop {
        match p.next_including_whitespace_and_comments() {
            Ok(Token::WhiteSpace(_) | Token::Comment(_)) => continue,
            Ok(Token::QuotedString(_)) => break p.position().byte_index(),
            // glass-easel skips these to the next `;` and says nothing.
            _ => {
                notes.push(Note {
                    span: (at, at + "@import".len()),
                    message: IMPORT_WITHOUT_STRING,
                    error: true,
                });
                return;
            }
        }
    };
    let state = p.state();
    // A `;` before any block or other statement ends it; the end of the text too.
    let missing = loop {
        match p.next_including_whitespace_and_comments() {
            Err(_) | Ok(Token::Semicolon) => break false,
            Ok(Token::CurlyBracketBlock | Token::CloseCurlyBracket | Token::AtKeyword(_)) => {
                break true;
            }
            Ok(_) => continue,
        }
    };
    p.reset(&state);
    if missing {
        inserts.push(path_end);
        notes.push(Note {
            span: (path_end.saturating_sub(1), path_end),
            message: IMPORT_WITHOUT_SEMICOLON,
            error: false,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_semicolon_after_an_import_path_is_inserted() {
        let l = rewrite("@import '../a.wxss'\n\n.b { c: d }");
        assert_eq!(l.text, "@import '../a.wxss';\n\n.b { c: d }");
        assert_eq!(l.notes.len(), 1);
        assert_eq!(l.notes[0].span, (18, 19));
        // Offsets after the insertion map back to the source.
        assert_eq!(l.original_offset(21), 20);
        assert_eq!(l.original_offset(19), 19);
        assert_eq!(l.original_offset(5), 5);
    }

    #[test]
    fn words_after_the_path_join_the_next_selector() {
        let l = rewrite("@import \"a\" screen\n.b{}");
        assert_eq!(l.text, "@import \"a\"; screen\n.b{}");
        let l = rewrite("@import \"a\"\n@import \"b\"\nicon{}");
        assert_eq!(l.text, "@import \"a\";\n@import \"b\";\nicon{}");
    }

    #[test]
    fn complete_imports_and_media_imports_are_left_alone() {
        for s in [
            "@import \"a\";\n.b{}",
            "@import \"a\" screen;\n.b{}",
            "@import \"a\"",
            "@import \"a\" /* x */ ;",
            "@media x { @import \"a\" }",
            ".a { content: \"@import 'x' .b{}\" }",
            "/* @import 'x'\n.b{} */",
        ] {
            let l = rewrite(s);
            assert_eq!(l.text, s);
            assert!(l.notes.is_empty(), "{s}");
        }
    }

    #[test]
    fn an_import_without_a_quoted_path_is_an_error() {
        for s in ["@import url(a.wxss);\n.b{}", "@import a.wxss;", "@import;"] {
            let l = rewrite(s);
            assert_eq!(l.text, s);
            assert_eq!(l.notes.len(), 1, "{s}");
            assert!(l.notes[0].error && l.notes[0].message == IMPORT_WITHOUT_STRING);
            assert_eq!(l.notes[0].span, (0, 7));
        }
    }

    #[test]
    fn imports_inside_blocks_are_fixed_too() {
        let l = rewrite("@media (x) {\n@import \"a\"\n.b{}\n}");
        assert_eq!(l.text, "@media (x) {\n@import \"a\";\n.b{}\n}");
    }

    #[test]
    fn deep_nesting_is_no_trouble() {
        let deep = format!(
            "{}@import 'a' .b{{}}{}",
            "@media x {".repeat(5000),
            "}".repeat(5000)
        );
        assert_eq!(rewrite(&deep).text, deep);
        let shallow = "@media x {@import 'a' .b{}}";
        assert_eq!(rewrite(shallow).text, "@media x {@import 'a'; .b{}}");
    }

    #[test]
    fn a_line_comment_before_a_selector_loses_its_slashes() {
        let l = rewrite("// note\n.a, .b { c: d }");
        assert_eq!(l.text, "   note\n.a, .b { c: d }");
        assert_eq!(l.notes[0].message, LINE_COMMENT);
        // In a declaration block too (`wcsc` keeps `x b: c`, a declaration no browser takes).
        assert_eq!(rewrite(".a { // x\n b: c }").text, ".a {    x\n b: c }");
        // Not in URLs or after a selector has begun.
        for s in [
            ".a { b: url(//x.png) }",
            ".a { b: c; d: e/ /f }",
            ".a //b {}",
            "/ /a{}",
        ] {
            assert_eq!(rewrite(s).text, s, "{s}");
        }
    }
}
