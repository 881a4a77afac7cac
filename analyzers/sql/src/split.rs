//! Statement splitter: cuts SQL text at top-level `;` so each statement is parsed on its own
//! (faster than one big parse, and one broken statement cannot take the others down).
//! It also knows the two pieces of psql syntax that are not SQL and show up in dumps:
//! backslash meta-commands (`\connect db`) and the data block after `COPY ... FROM stdin;`.

use crate::lex::{Kind, Lexer};

/// One statement's text, from its first significant character up to (not including) its `;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Piece<'a> {
    pub text: &'a str,
    /// 0-based line, within the whole text, of the statement's first significant character.
    pub line: u32,
}

/// Splits `text` into statements; pieces with nothing but blanks, comments and Jinja control
/// tags are dropped.
pub(crate) fn split(text: &str) -> Vec<Piece<'_>> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut lexer = Lexer::new(text);
    let mut line: u32 = 0; // line at the start of the current chunk
    let mut start: Option<(usize, u32)> = None;
    while let Some((kind, range)) = lexer.next() {
        match kind {
            Kind::Code => {
                let mut i = range.start;
                while i < range.end {
                    let c = bytes[i];
                    if c == b'\n' {
                        line = line.saturating_add(1);
                    } else if c == b';' {
                        if let Some((s, l)) = start.take() {
                            pieces.push(Piece {
                                text: &text[s..i],
                                line: l,
                            });
                            if let Some(data_end) = copy_data_end(&text[s..i], text, i + 1) {
                                line = line.saturating_add(count_newlines(&bytes[i..data_end]));
                                lexer.seek(data_end);
                                break;
                            }
                        }
                    } else if c == b'\\' && start.is_none() {
                        // A psql meta-command: runs to the end of its line.
                        let eol = bytes[i..]
                            .iter()
                            .position(|&b| b == b'\n')
                            .map_or(bytes.len(), |p| i + p);
                        lexer.seek(eol);
                        break;
                    } else if !c.is_ascii_whitespace() && start.is_none() {
                        start = Some((i, line));
                    }
                    i += 1;
                }
            }
            Kind::Comment | Kind::JinjaTag => {
                line = line.saturating_add(count_newlines(&bytes[range]));
            }
            Kind::Str | Kind::QuotedIdent | Kind::Dollar | Kind::JinjaExpr => {
                if start.is_none() {
                    start = Some((range.start, line));
                }
                line = line.saturating_add(count_newlines(&bytes[range]));
            }
        }
    }
    if let Some((s, l)) = start {
        pieces.push(Piece {
            text: &text[s..],
            line: l,
        });
    }
    pieces
}

fn count_newlines(b: &[u8]) -> u32 {
    u32::try_from(b.iter().filter(|&&c| c == b'\n').count()).unwrap_or(u32::MAX)
}

/// After `COPY ... FROM stdin;` the rows follow on the next lines, up to a line `\.`.
/// Returns where the SQL resumes (the start of the line after `\.`), or `None` when the
/// statement is not such a COPY.
fn copy_data_end(statement: &str, text: &str, after: usize) -> Option<usize> {
    let head = statement.get(..4)?;
    if !head.eq_ignore_ascii_case("copy") {
        return None;
    }
    let lower = statement.to_ascii_lowercase();
    let stdin = lower
        .split_ascii_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .any(|w| w == ["from", "stdin"]);
    if !stdin {
        return None;
    }
    let rest = &text[after..];
    // Data starts on the line after the statement.
    let mut pos = after + rest.find('\n').map_or(rest.len(), |i| i + 1);
    while pos < text.len() {
        let eol = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let next = (eol + 1).min(text.len());
        if text[pos..eol].trim_end_matches('\r') == "\\." {
            return Some(next);
        }
        pos = next;
    }
    Some(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(s: &str) -> Vec<(&str, u32)> {
        split(s).into_iter().map(|p| (p.text, p.line)).collect()
    }

    #[test]
    fn splits_at_top_level_semicolons_only() {
        let sql = "SELECT ';' FROM \"a;b\"; -- x; y\nSELECT 2 /* ; */;\n\n  UPDATE t SET a = 1";
        assert_eq!(
            pieces(sql),
            vec![
                ("SELECT ';' FROM \"a;b\"", 0),
                ("SELECT 2 /* ; */", 1),
                ("UPDATE t SET a = 1", 3),
            ]
        );
    }

    #[test]
    fn dollar_quotes_keep_their_semicolons() {
        let sql = "CREATE FUNCTION f() RETURNS void AS $body$\nBEGIN\n  DELETE FROM t;\nEND;\n$body$ LANGUAGE plpgsql;\nSELECT 1;";
        let p = pieces(sql);
        assert_eq!(p.len(), 2);
        assert!(p[0].0.ends_with("LANGUAGE plpgsql"));
        assert_eq!(p[1], ("SELECT 1", 5));
    }

    #[test]
    fn empty_statements_and_comment_only_pieces_are_skipped() {
        assert_eq!(pieces(";;\n-- only a comment\n;{% endif %};  "), vec![]);
    }

    #[test]
    fn the_line_is_the_first_significant_character() {
        assert_eq!(
            pieces("\n-- c\n/* multi\nline */\n  SELECT 1"),
            vec![("SELECT 1", 4)]
        );
        assert_eq!(pieces("{% if x %}\nSELECT 1"), vec![("SELECT 1", 1)]);
    }

    #[test]
    fn copy_from_stdin_data_is_skipped() {
        let sql = "COPY public.users (id, name) FROM stdin;\n1\tbob; drop\n2\t'x\n\\.\nSELECT 1;\n";
        assert_eq!(
            pieces(sql),
            vec![
                ("COPY public.users (id, name) FROM stdin", 0),
                ("SELECT 1", 4)
            ]
        );
    }

    #[test]
    fn psql_meta_commands_are_skipped() {
        assert_eq!(
            pieces("\\connect shop\nSELECT 1;\n\\set x 1\n"),
            vec![("SELECT 1", 1)]
        );
    }
}
