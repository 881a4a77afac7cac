//! Bounding the parse of data: a bracket group that holds nothing but literals (numbers,
//! strings, `True`/`False`/`None`, nested groups of them) and more than [`CUT_ABOVE`] of them
//! is data, not code. tree-sitter builds a node per element, about 200 bytes of tree per byte
//! of `x = [1, 1, ...]`, so a 5 MiB literal took 1.3 GB and seven seconds (issue 15, D4),
//! times the number of threads that met such a file at once. Such a group is cut before the
//! parse: its first [`KEEP`] values stay, the rest become spaces.
//!
//! The cut keeps the file valid Python with every line where it was: it falls just after a
//! `,` (a trailing comma is legal in every bracket: list, tuple, set, dict, call, subscript),
//! and of the tail it keeps only newlines and the closing brackets of the groups open at the
//! cut. No fact lives in such a group (a name, a call or a keyword anywhere makes the group
//! code and leaves it whole), except, rarely, a string seam would have read as SQL: each cut
//! is reported.
//!
//! The scan is one linear pass; nesting deeper than [`MAX_DEPTH`] (CPython refuses more than
//! 200 open brackets) is followed as a count only, so the scan's own memory is bounded too.

use std::borrow::Cow;
use std::ops::Range;

/// A group with more literal values than this is data.
pub(crate) const CUT_ABOVE: usize = 4096;
/// Values of a cut group that are kept (the cut falls at the first `,` after them).
pub(crate) const KEEP: usize = 1024;
/// Brackets tracked; deeper ones are counted, and make their enclosing groups code.
const MAX_DEPTH: usize = 256;

/// One cut: the bytes blanked and what was there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cut {
    /// The group's opening bracket.
    pub start: usize,
    /// From just after the cut's `,` to the group's closing bracket (exclusive).
    pub blanked: Range<usize>,
    /// Literal values in the whole group.
    pub values: usize,
}

/// `source` with every data group cut, and the cuts (in source order). Borrowed, and no cut,
/// when the file has no such group: the common case costs one scan and no copy.
pub(crate) fn cut(source: &str) -> (Cow<'_, str>, Vec<Cut>) {
    let cuts = find(source.as_bytes());
    if cuts.is_empty() {
        return (Cow::Borrowed(source), cuts);
    }
    let mut bytes = source.as_bytes().to_vec();
    for c in &cuts {
        blank(&mut bytes, c.blanked.clone());
    }
    // The tail is blanked byte by byte (a character's continuation bytes too) and starts and
    // ends at ASCII bytes, so the text is still UTF-8.
    let text = String::from_utf8(bytes).unwrap_or_else(|e| {
        // Unreachable by construction; keep the file whole rather than lose it.
        debug_assert!(false, "cut broke UTF-8: {e}");
        source.to_owned()
    });
    (Cow::Owned(text), cuts)
}

struct Group {
    start: usize,
    /// The global value count when the group opened.
    values_at_open: usize,
    /// Whether a name, operator or keyword was seen directly inside (children report theirs
    /// when they close).
    code: bool,
    /// Just after the first `,` (at any depth inside) once [`KEEP`] values were seen.
    cut_at: Option<usize>,
}

fn find(b: &[u8]) -> Vec<Cut> {
    let mut stack: Vec<Group> = Vec::new();
    // Brackets open beyond MAX_DEPTH, followed as a count only.
    let mut untracked = 0usize;
    // The lowest stack index whose group has no cut position yet (all above it have none).
    let mut uncut = 0usize;
    let mut values = 0usize;
    let mut found: Vec<Cut> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'#' => {
                i = line_end(b, i);
                continue;
            }
            b'\'' | b'"' => {
                i = string_end(b, i);
                values += 1;
                continue;
            }
            b'(' | b'[' | b'{' => {
                if stack.len() < MAX_DEPTH && untracked == 0 {
                    stack.push(Group {
                        start: i,
                        values_at_open: values,
                        code: false,
                        cut_at: None,
                    });
                } else {
                    untracked += 1;
                    if let Some(top) = stack.last_mut() {
                        top.code = true;
                    }
                }
            }
            b')' | b']' | b'}' => {
                if untracked > 0 {
                    untracked -= 1;
                } else if let Some(g) = stack.pop() {
                    uncut = uncut.min(stack.len());
                    let inside = values - g.values_at_open;
                    if let Some(parent) = stack.last_mut() {
                        parent.code |= g.code;
                    }
                    if !g.code
                        && inside > CUT_ABOVE
                        && let Some(at) = g.cut_at
                    {
                        found.push(Cut {
                            start: g.start,
                            blanked: at..i,
                            values: inside,
                        });
                    }
                }
            }
            b',' => {
                while uncut < stack.len() && values - stack[uncut].values_at_open >= KEEP {
                    stack[uncut].cut_at = Some(i + 1);
                    uncut += 1;
                }
            }
            b'0'..=b'9' => {
                i = number_end(b, i);
                values += 1;
                continue;
            }
            b'.' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = number_end(b, i + 1);
                values += 1;
                continue;
            }
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'\\' | b':' | b'-' | b'+' | b'.' => {}
            _ if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                let end = word_end(b, i);
                let word = &b[i..end];
                if matches!(b.get(end), Some(b'\'' | b'"')) && is_string_prefix(word) {
                    i = string_end(b, end);
                    values += 1;
                    continue;
                }
                if matches!(word, b"True" | b"False" | b"None") {
                    values += 1;
                } else if let Some(top) = stack.last_mut() {
                    top.code = true;
                }
                i = end;
                continue;
            }
            _ => {
                if let Some(top) = stack.last_mut() {
                    top.code = true;
                }
            }
        }
        i += 1;
    }
    // Only the outermost data groups are cut (an inner one lies inside its parent's tail or
    // head); `found` is in closing order, so inner groups come before their parents.
    found.sort_by_key(|c| c.start);
    let mut outermost: Vec<Cut> = Vec::new();
    for c in found {
        if outermost.last().is_some_and(|o| c.start < o.blanked.end) {
            continue;
        }
        outermost.push(c);
    }
    outermost
}

/// Blank `range`: spaces, except newlines and the closing brackets of groups open at its start
/// (those that close inside it, at depth zero relative to its start).
fn blank(bytes: &mut [u8], range: Range<usize>) {
    let mut depth = 0usize;
    let mut i = range.start;
    while i < range.end {
        match bytes[i] {
            b'#' => {
                let end = line_end(bytes, i).min(range.end);
                spaces(bytes, i..end);
                i = end;
                continue;
            }
            b'\'' | b'"' => {
                let end = string_end(bytes, i).min(range.end);
                spaces(bytes, i..end);
                i = end;
                continue;
            }
            c if c == b'_' || c.is_ascii_alphabetic() => {
                // A word: a string's prefix (blanked with its string), or `True` and the like.
                let w = word_end(bytes, i);
                let end = if matches!(bytes.get(w), Some(b'\'' | b'"'))
                    && is_string_prefix(&bytes[i..w])
                {
                    string_end(bytes, w).min(range.end)
                } else {
                    w.min(range.end)
                };
                spaces(bytes, i..end);
                i = end;
                continue;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                bytes[i] = b' ';
            }
            b')' | b']' | b'}' => {
                if depth == 0 {
                    // Closes a group open at the cut: kept.
                } else {
                    depth -= 1;
                    bytes[i] = b' ';
                }
            }
            b'\n' => {}
            _ => bytes[i] = b' ',
        }
        i += 1;
    }
}

fn spaces(bytes: &mut [u8], range: Range<usize>) {
    for b in &mut bytes[range] {
        if *b != b'\n' {
            *b = b' ';
        }
    }
}

fn line_end(b: &[u8], i: usize) -> usize {
    b[i..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |p| i + p)
}

fn word_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() && (b[j] == b'_' || b[j].is_ascii_alphanumeric() || b[j] >= 0x80) {
        j += 1;
    }
    j
}

/// A number's end, near enough: digits, letters (`0x1F`, `1e5`, `2j`), `_` and `.`.
fn number_end(b: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < b.len() && (b[j] == b'_' || b[j] == b'.' || b[j].is_ascii_alphanumeric()) {
        j += 1;
    }
    j
}

/// `r`, `b`, `u`, `f`, `t` and their two-letter combinations, in any case.
fn is_string_prefix(word: &[u8]) -> bool {
    !word.is_empty()
        && word.len() <= 2
        && word
            .iter()
            .all(|c| matches!(c.to_ascii_lowercase(), b'r' | b'b' | b'u' | b'f' | b't'))
}

/// The end of the string whose quote is at `q`: after the
/// closing quote, or at the end of the line for an unterminated one-line string, or of the
/// text. A backslash escapes the next byte, raw strings included (for where a string ends,
/// `r"\""` is one string).
fn string_end(b: &[u8], q: usize) -> usize {
    let quote = b[q];
    let triple = b.get(q + 1) == Some(&quote) && b.get(q + 2) == Some(&quote);
    let mut i = if triple { q + 3 } else { q + 1 };
    while i < b.len() {
        let c = b[i];
        if c == b'\\' {
            i += 2;
            continue;
        }
        if c == quote {
            if !triple {
                return i + 1;
            }
            if b.get(i + 1) == Some(&quote) && b.get(i + 2) == Some(&quote) {
                return i + 3;
            }
        } else if c == b'\n' && !triple {
            return i;
        }
        i += 1;
    }
    b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(n: usize) -> String {
        format!("x = [{}]\ny = f(x)\n", "1, ".repeat(n))
    }

    #[test]
    fn small_groups_and_code_stay_whole() {
        for src in [
            list(CUT_ABOVE),
            format!("x = [{}a]\n", "1, ".repeat(10 * CUT_ABOVE)),
            format!("x = [{}f(1)]\n", "1, ".repeat(10 * CUT_ABOVE)),
            format!("x = [{}]\n", "1 + ".repeat(10 * CUT_ABOVE) + "1"),
        ] {
            let (out, cuts) = cut(&src);
            assert!(cuts.is_empty(), "{}", &src[..40]);
            assert!(matches!(out, Cow::Borrowed(_)));
        }
    }

    #[test]
    fn a_data_group_is_cut_to_valid_python_with_its_lines() {
        let src = format!(
            "x = [\n{}]\ny = f(x)\n",
            "(1, 'a\\'b', None, -2.5e3),  # c\n".repeat(2 * CUT_ABOVE)
        );
        let (out, cuts) = cut(&src);
        assert_eq!(cuts.len(), 1);
        assert_eq!(cuts[0].values, 8 * CUT_ABOVE);
        assert_eq!(out.len(), src.len());
        assert_eq!(
            out.bytes().filter(|&b| b == b'\n').count(),
            src.bytes().filter(|&b| b == b'\n').count()
        );
        assert!(out.ends_with("]\ny = f(x)\n"));
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        let tree = parser.parse(out.as_ref(), None).unwrap();
        assert!(!tree.root_node().has_error());
        // The kept values are the first ones.
        let kept = out.matches("None").count();
        assert!((KEEP / 4..=KEEP / 4 + 1).contains(&kept), "{kept}");
    }

    #[test]
    fn a_cut_inside_nested_groups_keeps_their_closing_brackets() {
        // One top-level element holding everything: the cut falls inside `[[...`.
        let src = format!("m = [[{}]]\n", "[1, 2], ".repeat(CUT_ABOVE));
        let (out, cuts) = cut(&src);
        assert_eq!(cuts.len(), 1);
        assert!(out.trim_end().ends_with("]]"), "{}", &out[out.len() - 20..]);
        let mut parser = tree_sitter::Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .unwrap();
        assert!(
            !parser
                .parse(out.as_ref(), None)
                .unwrap()
                .root_node()
                .has_error()
        );
    }

    #[test]
    fn strings_with_brackets_prefixes_and_triple_quotes_are_values() {
        let item = "rb'])', f\"{x}\", '''a\n]''', u\"\\\"(\", ";
        let src = format!("d = {{1: [{}]}}\n", item.repeat(CUT_ABOVE));
        let (out, cuts) = cut(&src);
        assert_eq!(cuts.len(), 1);
        assert!(out.trim_end().ends_with("]}"));
    }

    #[test]
    fn deep_nesting_is_bounded_and_not_cut() {
        let src = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let (_, cuts) = cut(&src);
        assert!(cuts.is_empty());
    }
}
