//! String literals: their value as seam needs it (holes marked, line structure kept) and the
//! cheap "is this SQL?" test.

use seam_facts::python::HOLE;
use tree_sitter::Node;

/// A string literal's text. Interpolations become [`HOLE`]; escapes that would add line breaks
/// (`\n`) become spaces so that lines in the text still map to lines in the file; implicit
/// concatenation over several lines keeps one `\n` per source line break (SQL only: a
/// verbatim literal is a name or a path, joined as Python joins it).
#[derive(Debug, Default)]
pub(crate) struct Literal {
    pub text: String,
    pub templated: bool,
}

pub(crate) fn literal(node: Node<'_>, src: &[u8]) -> Option<Literal> {
    literal_with(node, src, false)
}

/// Like [`literal`], but interpolations keep their source text (`/api/{API_VERSION}`): for
/// values read as names and paths rather than parsed as SQL.
pub(crate) fn literal_verbatim(node: Node<'_>, src: &[u8]) -> Option<Literal> {
    literal_with(node, src, true)
}

fn literal_with(node: Node<'_>, src: &[u8], verbatim: bool) -> Option<Literal> {
    match node.kind() {
        "string" => Some(single(node, src, verbatim)),
        "concatenated_string" => {
            let mut out = Literal::default();
            let mut last_row = None;
            let mut cursor = node.walk();
            for part in node.named_children(&mut cursor) {
                if part.kind() != "string" {
                    continue;
                }
                if let Some(row) = last_row.filter(|_| !verbatim) {
                    for _ in row..part.start_position().row {
                        out.text.push('\n');
                    }
                }
                last_row = Some(part.end_position().row);
                let piece = single(part, src, verbatim);
                out.text.push_str(&piece.text);
                out.templated |= piece.templated;
            }
            Some(out)
        }
        _ => None,
    }
}

fn single(node: Node<'_>, src: &[u8], verbatim: bool) -> Literal {
    let mut raw = false;
    let mut body_start = node.start_byte();
    let mut body_end = node.end_byte();
    let mut holes: Vec<(usize, usize)> = Vec::new();
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        match child.kind() {
            "string_start" => {
                body_start = child.end_byte();
                let prefix = text(child, src);
                raw = prefix.chars().any(|c| c == 'r' || c == 'R');
            }
            "string_end" => body_end = child.start_byte(),
            "interpolation" => holes.push((child.start_byte(), child.end_byte())),
            _ => {}
        }
    }
    let mut out = Literal {
        text: String::new(),
        templated: !holes.is_empty(),
    };
    let mut pos = body_start;
    for (start, end) in holes
        .into_iter()
        .chain(std::iter::once((body_end, body_end)))
    {
        if start < pos || start > body_end {
            continue;
        }
        push_decoded(&mut out.text, &src[pos..start], raw);
        if start < body_end {
            if verbatim {
                out.text
                    .push_str(&String::from_utf8_lossy(&src[start..end]));
            } else {
                out.text.push_str(HOLE);
            }
        }
        pos = end;
    }
    out
}

fn push_decoded(out: &mut String, bytes: &[u8], raw: bool) {
    let s = String::from_utf8_lossy(bytes);
    if raw || !s.contains('\\') {
        out.push_str(&s);
        return;
    }
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('n' | 't' | 'r') => {
                chars.next();
                out.push(' ');
            }
            Some(q @ ('\'' | '"' | '\\')) => {
                chars.next();
                out.push(q);
            }
            Some('\n') => {
                // A backslash-newline continues the literal: keep the line break for line mapping.
                chars.next();
                out.push('\n');
            }
            _ => out.push('\\'),
        }
    }
}

pub(crate) fn text<'a>(node: Node<'_>, src: &'a [u8]) -> &'a str {
    std::str::from_utf8(&src[node.start_byte()..node.end_byte()]).unwrap_or("")
}

/// Whether a string is plausibly a SQL statement: a statement keyword first, and the word that
/// such a statement needs next (`SELECT … FROM`, `INSERT INTO`, `UPDATE … SET`, ...). Prose such
/// as "Update your profile" does not pass.
pub fn looks_like_sql(s: &str) -> bool {
    let mut words = s
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_uppercase());
    let Some(first) = words.next() else {
        return false;
    };
    let rest: Vec<String> = words.take(400).collect();
    let has = |w: &str| rest.iter().any(|x| x == w);
    let next_is = |w: &[&str]| rest.first().is_some_and(|x| w.contains(&x.as_str()));
    match first.as_str() {
        "SELECT" => (has("FROM") || rest.len() <= 6) && !s.contains(". ") && !s.contains("? "),
        "INSERT" => next_is(&["INTO"]),
        "UPDATE" => has("SET"),
        "DELETE" => next_is(&["FROM"]),
        "WITH" => has("AS") && has("SELECT") || has("RECURSIVE"),
        "CREATE" => next_is(&[
            "TABLE",
            "INDEX",
            "UNIQUE",
            "VIEW",
            "TEMP",
            "TEMPORARY",
            "OR",
            "MATERIALIZED",
            "SCHEMA",
            "SEQUENCE",
            "TYPE",
            "FUNCTION",
            "TRIGGER",
            "EXTENSION",
        ]),
        "ALTER" | "DROP" => next_is(&[
            "TABLE",
            "INDEX",
            "VIEW",
            "SEQUENCE",
            "SCHEMA",
            "TYPE",
            "FUNCTION",
            "TRIGGER",
            "MATERIALIZED",
        ]),
        "TRUNCATE" => true,
        "MERGE" => next_is(&["INTO"]),
        "COPY" => has("FROM") || has("TO"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_sql;

    #[test]
    fn sql_is_told_from_prose() {
        assert!(looks_like_sql("SELECT id FROM users WHERE id = %s"));
        assert!(looks_like_sql("\n  select count(*) from orders"));
        assert!(looks_like_sql("INSERT INTO t (a) VALUES (1)"));
        assert!(looks_like_sql("UPDATE tasks SET status = 'x'"));
        assert!(looks_like_sql("WITH x AS (SELECT 1) SELECT * FROM x"));
        assert!(looks_like_sql("CREATE TABLE a (id int)"));
        assert!(!looks_like_sql("Update your profile"));
        assert!(!looks_like_sql(
            "Select a user from the list. Then press OK to continue with it."
        ));
        assert!(!looks_like_sql("Delete this post?"));
        assert!(!looks_like_sql(""));
    }
}
