//! Turns templated or parameterised SQL into something the PostgreSQL parser accepts, without
//! moving lines: Jinja and `str.format` holes become the identifier `__seam_hole__`, bind
//! placeholders of every Python driver style (`%s`, `%(name)s`, `:name`, `?`) become `$n`.
//! Strings, quoted identifiers, dollar quotes and comments are never touched, so a `:30` in
//! `'12:30'` or a `%` in `LIKE 'a%'` stays as written.

use crate::lex::{Kind, Lexer, is_ident_byte};
use crate::scope::HOLE;

/// A statement ready for the parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Neutralized {
    pub sql: String,
    /// It carried template syntax (Jinja, format holes, f-string holes): if it still does not
    /// parse, the template is to blame rather than the SQL.
    pub templated: bool,
}

/// Rewrites one statement. Every newline of the input is kept, in order.
pub(crate) fn neutralize(text: &str) -> Neutralized {
    let mut out = Neutralized {
        sql: String::with_capacity(text.len() + 16),
        templated: false,
    };
    let mut params = 0u32;
    let mut chunks = Lexer::new(text).peekable();
    while let Some((kind, range)) = chunks.next() {
        let chunk = &text[range];
        match kind {
            Kind::Code => {
                // A string, quoted name or dollar quote right after the chunk is an operand.
                let operand_follows = chunks.peek().is_some_and(|(k, _)| {
                    matches!(k, Kind::Str | Kind::QuotedIdent | Kind::Dollar)
                });
                code(chunk, operand_follows, &mut out, &mut params);
            }
            Kind::JinjaExpr => {
                out.templated = true;
                out.sql.push_str(HOLE);
                push_newlines(chunk, &mut out.sql);
            }
            Kind::JinjaTag => {
                out.templated = true;
                out.sql.push(' ');
                push_newlines(chunk, &mut out.sql);
            }
            Kind::Str | Kind::QuotedIdent | Kind::Dollar | Kind::Comment => out.sql.push_str(chunk),
        }
    }
    out
}

fn push_newlines(chunk: &str, out: &mut String) {
    out.extend(chunk.chars().filter(|&c| c == '\n'));
}

fn push_param(out: &mut String, params: &mut u32) {
    *params = params.saturating_add(1);
    out.push('$');
    out.push_str(&params.to_string());
}

/// Rewrites placeholders in a run of plain SQL.
fn code(chunk: &str, operand_follows: bool, out: &mut Neutralized, params: &mut u32) {
    if chunk.contains(HOLE) {
        out.templated = true;
    }
    let b = chunk.as_bytes();
    let mut i = 0;
    // Start of the text not yet copied to `out`; copying in runs keeps UTF-8 intact.
    let mut copied = 0;
    while i < b.len() {
        let replaced: Option<(usize, Replacement)> = match b[i] {
            b'%' => percent(b, i),
            b':' => colon(b, i),
            b'?' => question(b, i, operand_follows),
            b'{' => brace(b, i),
            _ => None,
        };
        match replaced {
            Some((len, what)) => {
                out.sql.push_str(&chunk[copied..i]);
                match what {
                    Replacement::Param => push_param(&mut out.sql, params),
                    Replacement::Format => {
                        out.templated = true;
                        push_param(&mut out.sql, params);
                    }
                    Replacement::Hole => {
                        out.templated = true;
                        out.sql.push_str(HOLE);
                    }
                    Replacement::Text(t) => out.sql.push_str(t),
                }
                i += len;
                copied = i;
            }
            None => i += 1,
        }
    }
    out.sql.push_str(&chunk[copied..]);
}

/// What a placeholder becomes.
enum Replacement {
    /// A bind parameter (`:name`, `?`): `$n`.
    Param,
    /// A Python `%` format hole, also a bind parameter for DB-API drivers: `$n`, but marks the
    /// statement as templated.
    Format,
    /// A `str.format` hole: `__seam_hole__`.
    Hole,
    /// Literal replacement text.
    Text(&'static str),
}

/// `%s`, `%d`, `%(name)s` and `%%` (a literal `%` once the driver has formatted).
fn percent(b: &[u8], i: usize) -> Option<(usize, Replacement)> {
    let next = *b.get(i + 1)?;
    let ends_word = |at: usize| b.get(at).is_none_or(|&c| !is_ident_byte(c));
    match next {
        b'%' => Some((2, Replacement::Text("%"))),
        b's' | b'd' | b'i' | b'f' | b'r' if ends_word(i + 2) => Some((2, Replacement::Format)),
        b'(' => {
            let close = b[i + 2..].iter().take(64).position(|&c| c == b')')? + i + 2;
            let name_ok = b[i + 2..close]
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'_');
            let conv = *b.get(close + 1)?;
            (name_ok && conv.is_ascii_alphabetic() && ends_word(close + 2))
                .then_some((close + 2 - i, Replacement::Format))
        }
        _ => None,
    }
}

/// `:name` binds (SQLAlchemy `text()`, sqlite3 named style); `::` casts and `:=` are kept.
fn colon(b: &[u8], i: usize) -> Option<(usize, Replacement)> {
    let next = *b.get(i + 1)?;
    if next == b':' {
        return Some((2, Replacement::Text("::")));
    }
    if i > 0 && (is_ident_byte(b[i - 1]) || b[i - 1] == b':') {
        return None; // `arr[lo:hi]`
    }
    if !(next.is_ascii_alphabetic() || next == b'_') {
        return None;
    }
    let len = 1 + b[i + 1..]
        .iter()
        .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_')
        .count();
    Some((len, Replacement::Param))
}

/// `?` (qmark style), unless it is one of PostgreSQL's `?` operators (`jsonb ? 'key'`, `?|`,
/// `?&`, geometric `?-`, `?#`), told apart by what follows.
fn question(b: &[u8], i: usize, operand_follows: bool) -> Option<(usize, Replacement)> {
    if matches!(b.get(i + 1), Some(b'|' | b'&' | b'#' | b'-')) {
        return None;
    }
    match b[i + 1..].iter().find(|c| !c.is_ascii_whitespace()) {
        Some(b'$' | b'%' | b':' | b'?') => None,
        None if operand_follows => None,
        _ => Some((1, Replacement::Param)),
    }
}

/// `{}`, `{name}`, `{0}`, `{name!r}`, `{obj.attr}` (Python `str.format`).
fn brace(b: &[u8], i: usize) -> Option<(usize, Replacement)> {
    let close = b[i + 1..].iter().take(100).position(|&c| c == b'}')? + i + 1;
    let inner_ok = b[i + 1..close].iter().all(|&c| {
        c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'!' | b':' | b'[' | b']')
    });
    inner_ok.then_some((close + 1 - i, Replacement::Hole))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(s: &str) -> String {
        neutralize(s).sql
    }

    #[test]
    fn python_format_placeholders_become_parameters() {
        let n = neutralize(
            "SELECT * FROM t WHERE a = %s AND b = %(name)s AND c LIKE 'x%s' AND d %% 2 = 0",
        );
        assert_eq!(
            n.sql,
            "SELECT * FROM t WHERE a = $1 AND b = $2 AND c LIKE 'x%s' AND d % 2 = 0"
        );
        assert!(n.templated);
    }

    #[test]
    fn named_binds_but_not_casts_strings_or_slices() {
        let n = neutralize(
            "SELECT x::int, '12:30', arr[lo:hi] FROM t WHERE id = :id AND k = :key::text",
        );
        assert_eq!(
            n.sql,
            "SELECT x::int, '12:30', arr[lo:hi] FROM t WHERE id = $1 AND k = $2::text"
        );
        assert!(!n.templated);
    }

    #[test]
    fn qmarks_but_not_jsonb_operators() {
        assert_eq!(
            sql("SELECT * FROM t WHERE a = ? AND b IN (?, ?)"),
            "SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)"
        );
        assert_eq!(
            sql("SELECT * FROM t WHERE d ? 'k' AND d ?| array['a'] AND d ? %s"),
            "SELECT * FROM t WHERE d ? 'k' AND d ?| array['a'] AND d ? $1"
        );
    }

    #[test]
    fn jinja_and_format_holes_keep_lines() {
        let n = neutralize(
            "SELECT {{ cols }}\nFROM {table}\n{% if x\n %}WHERE a = {}{% endif %}{# c #}",
        );
        assert_eq!(
            n.sql,
            "SELECT __seam_hole__\nFROM __seam_hole__\n \nWHERE a = __seam_hole__  "
        );
        assert!(n.templated);
        assert_eq!(sql("SELECT '{{ x }}', '{}'"), "SELECT '{{ x }}', '{}'");
    }

    #[test]
    fn f_string_holes_mark_the_statement_templated() {
        assert!(neutralize("SELECT * FROM __seam_hole__").templated);
        assert!(!neutralize("SELECT * FROM t WHERE a = $1").templated);
    }

    #[test]
    fn unicode_is_copied_intact() {
        assert_eq!(
            sql("SELECT 'é' AS ü, naïve FROM t WHERE a = ?"),
            "SELECT 'é' AS ü, naïve FROM t WHERE a = $1"
        );
    }
}
