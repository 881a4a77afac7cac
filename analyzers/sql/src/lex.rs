//! A lexical pre-scan of SQL text into chunks (code, strings, quoted identifiers, dollar
//! quotes, comments, Jinja tags). The splitter and the neutraliser both need to know what is
//! *not* code before they look for `;` or placeholders, and they must agree on it: both use
//! this one scanner. It never fails; unterminated constructs run to the end of the text.

use std::cell::Cell;
use std::ops::Range;

/// What a chunk of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Plain SQL: keywords, names, operators, numbers, `;`.
    Code,
    /// `'...'` (with `''` escapes; `E'...'` also with backslash escapes).
    Str,
    /// `"..."` (with `""` escapes).
    QuotedIdent,
    /// `$tag$...$tag$`.
    Dollar,
    /// `-- ...` up to (not including) the newline, or `/* ... */` (nested, as in PostgreSQL).
    Comment,
    /// Jinja `{{ ... }}`: an expression that stands for a value or a name.
    JinjaExpr,
    /// Jinja `{% ... %}` or `{# ... #}`: control flow or comment, no SQL of its own.
    JinjaTag,
}

/// How far to look for the end of a Jinja tag: tags are short, and a bounded search keeps
/// text full of stray `{{` linear.
const JINJA_SEARCH: usize = 4096;

/// Iterator over the chunks of a text, in order, covering every byte. Chunk boundaries are
/// always at ASCII bytes, so they are `char` boundaries of the `&str`.
#[derive(Debug)]
pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    /// Per Jinja closer (`}}`, `%}`, `#}`): no closer starts before this offset (learnt from a
    /// failed search), so text full of unclosed `{{` is scanned once, not once per `{{`.
    no_closer_before: Cell<[usize; 3]>,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        Self {
            src,
            pos: 0,
            no_closer_before: Cell::new([0; 3]),
        }
    }

    /// Continues from byte `pos` (which must be a char boundary the caller got from a chunk or
    /// a line start); used by the splitter to jump over `COPY ... FROM stdin` data.
    pub(crate) fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.src.len());
    }

    /// The chunk starting at `at`, if something other than code starts there.
    fn special_at(&self, at: usize) -> Option<(Kind, usize)> {
        let b = self.src.as_bytes();
        let next = b.get(at + 1).copied();
        match b[at] {
            b'\'' => Some((Kind::Str, string_end(b, at, escapes_backslash(b, at)))),
            b'"' => Some((Kind::QuotedIdent, quoted_end(b, at, b'"'))),
            b'-' if next == Some(b'-') => Some((
                Kind::Comment,
                memchr(b'\n', &b[at..]).map_or(b.len(), |i| at + i),
            )),
            b'/' if next == Some(b'*') => Some((Kind::Comment, block_comment_end(b, at))),
            b'$' => self.dollar_at(at),
            b'{' => {
                let (close, kind, which) = match next {
                    Some(b'{') => ("}}", Kind::JinjaExpr, 0),
                    Some(b'%') => ("%}", Kind::JinjaTag, 1),
                    Some(b'#') => ("#}", Kind::JinjaTag, 2),
                    _ => return None,
                };
                let mut clear = self.no_closer_before.get();
                let from = (at + 2).max(clear[which]);
                let limit = floor_boundary(self.src, (at + 2 + JINJA_SEARCH).min(b.len()));
                let found = self
                    .src
                    .get(from..limit.max(from))
                    .and_then(|w| w.find(close));
                match found {
                    Some(i) => Some((kind, from + i + 2)),
                    None => {
                        clear[which] = limit.saturating_sub(1).max(clear[which]);
                        self.no_closer_before.set(clear);
                        None
                    }
                }
            }
            _ => None,
        }
    }

    /// `$tag$` opens a dollar quote when not glued to a name (`a$b` is an identifier) and the
    /// tag is not a number (`$1` is a parameter).
    fn dollar_at(&self, at: usize) -> Option<(Kind, usize)> {
        let b = self.src.as_bytes();
        if at > 0 && is_ident_byte(b[at - 1]) {
            return None;
        }
        let mut i = at + 1;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
            i += 1;
        }
        if b.get(i) != Some(&b'$') || b.get(at + 1).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let delim = &self.src[at..=i];
        let body = i + 1;
        let end = self.src[body..]
            .find(delim)
            .map_or(b.len(), |j| body + j + delim.len());
        Some((Kind::Dollar, end))
    }
}

impl Iterator for Lexer<'_> {
    type Item = (Kind, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.pos;
        if start >= self.src.len() {
            return None;
        }
        if let Some((kind, end)) = self.special_at(start) {
            self.pos = end.max(start + 1);
            return Some((kind, start..self.pos));
        }
        let b = self.src.as_bytes();
        let mut i = start + 1;
        while i < b.len() {
            if matches!(b[i], b'\'' | b'"' | b'-' | b'/' | b'$' | b'{')
                && self.special_at(i).is_some()
            {
                break;
            }
            i += 1;
        }
        self.pos = i;
        Some((Kind::Code, start..i))
    }
}

/// Bytes that can continue an unquoted identifier (non-ASCII letters included).
pub(crate) fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

/// `E'...'` / `e'...'` strings honour backslash escapes; `name'...'` is not such a prefix.
fn escapes_backslash(b: &[u8], quote: usize) -> bool {
    quote > 0 && matches!(b[quote - 1], b'E' | b'e') && (quote < 2 || !is_ident_byte(b[quote - 2]))
}

/// End (exclusive) of a `'...'` string starting at `at`.
fn string_end(b: &[u8], at: usize, backslash: bool) -> usize {
    let mut i = at + 1;
    while i < b.len() {
        match b[i] {
            b'\\' if backslash => i += 2,
            b'\'' if b.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// End (exclusive) of a quoted run where the quote doubles to escape itself.
fn quoted_end(b: &[u8], at: usize, quote: u8) -> usize {
    let mut i = at + 1;
    while i < b.len() {
        if b[i] == quote {
            if b.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    b.len()
}

/// End (exclusive) of a `/* ... */` comment; PostgreSQL nests them.
fn block_comment_end(b: &[u8], at: usize) -> usize {
    let mut depth = 0usize;
    let mut i = at;
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    b.len()
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&c| c == needle)
}

/// The largest char boundary of `s` not after `i`.
fn floor_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(s: &str) -> Vec<(Kind, &str)> {
        Lexer::new(s).map(|(k, r)| (k, &s[r])).collect()
    }

    #[test]
    fn strings_identifiers_and_comments() {
        assert_eq!(
            chunks("a 'x''y;' \"q\"\"r\" -- c;\n/* /* n */ ; */b"),
            vec![
                (Kind::Code, "a "),
                (Kind::Str, "'x''y;'"),
                (Kind::Code, " "),
                (Kind::QuotedIdent, "\"q\"\"r\""),
                (Kind::Code, " "),
                (Kind::Comment, "-- c;"),
                (Kind::Code, "\n"),
                (Kind::Comment, "/* /* n */ ; */"),
                (Kind::Code, "b"),
            ]
        );
    }

    #[test]
    fn escape_strings_honour_backslashes() {
        assert_eq!(chunks(r"E'it\'s;' x")[1], (Kind::Str, r"'it\'s;'"));
        assert_eq!(chunks(r"'a\' x")[0], (Kind::Str, r"'a\'"));
    }

    #[test]
    fn dollar_quotes_but_not_parameters() {
        assert_eq!(chunks("$$a;b$$ c")[0], (Kind::Dollar, "$$a;b$$"));
        assert_eq!(
            chunks("$fn$ x $$ ; $fn$;")[0],
            (Kind::Dollar, "$fn$ x $$ ; $fn$")
        );
        assert_eq!(chunks("x = $1;"), vec![(Kind::Code, "x = $1;")]);
        assert_eq!(chunks("a$b$ c"), vec![(Kind::Code, "a$b$ c")]);
    }

    #[test]
    fn jinja_tags_and_stray_braces() {
        assert_eq!(
            chunks("{% if a; %}x{{ y }}{# c #}"),
            vec![
                (Kind::JinjaTag, "{% if a; %}"),
                (Kind::Code, "x"),
                (Kind::JinjaExpr, "{{ y }}"),
                (Kind::JinjaTag, "{# c #}"),
            ]
        );
        assert_eq!(
            chunks("{{ never closed"),
            vec![(Kind::Code, "{{ never closed")]
        );
    }

    #[test]
    fn unterminated_runs_to_the_end_and_unicode_is_safe() {
        assert_eq!(chunks("'abc"), vec![(Kind::Str, "'abc")]);
        assert_eq!(
            chunks("é'ü'ß"),
            vec![(Kind::Code, "é"), (Kind::Str, "'ü'"), (Kind::Code, "ß")]
        );
        assert_eq!(chunks("/* x"), vec![(Kind::Comment, "/* x")]);
    }
}
