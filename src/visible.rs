//! Text from the repository shown as text. File names, route paths and string literals can
//! hold characters that act instead of showing: an ESC sequence recolours or clears the
//! terminal, a CR or newline forges a `FAKE.py:1: error:` line, a bidirectional override
//! reverses what a reader sees in the HTML report (issue 15, D6). Every human-readable output
//! goes through here; the JSON needs nothing (serde escapes control characters, and the JSON
//! holds the names as [`crate::discover::name_text`] wrote them).

use std::borrow::Cow;
use std::io::{self, Write};

/// Characters that change what a terminal or a page shows instead of showing themselves:
/// control characters (C0, DEL, C1) and the bidirectional embeddings, overrides and isolates
/// that reorder the text around them.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every character that [`needs_escape`] (but the newlines and tabs that lay out the
/// output itself) written as `\u{..}`.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(escaped) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(escape_text(s.as_bytes(), escaped, false))
}

fn escaped(c: char) -> bool {
    c != '\n' && c != '\t' && needs_escape(c)
}

/// `bytes` as text with escapes, the one writer of seam's escapes: each character `escape`
/// picks as `\u{..}`, each byte that is not UTF-8 as `\xNN`, and, with `backslash`, `\` as
/// `\\` (which makes the mapping one to one: file names, [`crate::discover::name_text`]).
pub(crate) fn escape_text(bytes: &[u8], escape: fn(char) -> bool, backslash: bool) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if backslash && c == '\\' {
                out.push_str("\\\\");
            } else if escape(c) {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// A writer that passes everything through [`visible`]: the text report and the gate's lines
/// are written through it, so no part of them can reach the terminal raw. A byte that is not
/// UTF-8 (nothing seam writes, but a writer cannot assume) is written as `\xNN`.
#[derive(Debug)]
pub struct Visible<W: Write>(pub W);

impl<W: Write> Write for Visible<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match std::str::from_utf8(buf) {
            Ok(text) => self.0.write_all(visible(text).as_bytes()),
            Err(_) => self
                .0
                .write_all(escape_text(buf, escaped, false).as_bytes()),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_acts_is_shown_and_the_layout_is_kept() {
        assert_eq!(visible("a.py:1: ok\n\tnext"), "a.py:1: ok\n\tnext");
        assert_eq!(visible("\u{1b}[2Jx\rFAKE"), "\\u{1b}[2Jx\\u{d}FAKE");
        assert_eq!(visible("ab\u{202e}cd"), "ab\\u{202e}cd");
        assert_eq!(visible("\u{2066}\u{85}"), "\\u{2066}\\u{85}");
    }

    #[test]
    fn the_writer_escapes_across_writes() {
        let mut out = Visible(Vec::new());
        let (file, message) = ("x\u{1b}.py", "m\u{7f}");
        writeln!(out, "{file}:{}: {message}", 3).unwrap();
        out.write_all(b"\xff!").unwrap();
        assert_eq!(
            String::from_utf8(out.0).unwrap(),
            "x\\u{1b}.py:3: m\\u{7f}\n\\xff!"
        );
    }
}
