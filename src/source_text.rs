//! Source bytes to text, as CPython reads a module: UTF-8 unless a PEP 263 coding line says
//! otherwise, a BOM dropped, universal newlines. Line numbers are the contract of every fact's
//! evidence, so no decoding here moves a line.

use seam_facts::{Diagnostic, Severity};

/// Source text from bytes, decoded as CPython would: UTF-8 (BOM dropped), or the encoding a
/// PEP 263 coding line declares (cp1252, shift_jis, ...); bytes invalid in it read as U+FFFD
/// with a warning. `None` for binary content.
pub fn decode(bytes: &[u8], rel: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<String> {
    let mut text = decode_text(bytes, rel, diagnostics)?;
    lone_cr_to_lf(&mut text);
    Some(text)
}

/// Old Mac line endings: a `\r` not followed by `\n` ends a line for CPython (its tokenizer
/// reads source with universal newlines), but not for tree-sitter nor for seam's line
/// counts, which saw one syntax error and every fact at line 1 (issue 15, D5). Replaced in
/// place by `\n`: one byte for one, so offsets stay.
fn lone_cr_to_lf(text: &mut String) {
    fn lone_cr(bytes: &[u8], i: usize) -> bool {
        bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')
    }
    // Checked before the copy: CRLF files (common) must not pay for one.
    if !(0..text.len()).any(|i| lone_cr(text.as_bytes(), i)) {
        return;
    }
    let mut bytes = std::mem::take(text).into_bytes();
    for i in 0..bytes.len() {
        if lone_cr(&bytes, i) {
            bytes[i] = b'\n';
        }
    }
    // An ASCII byte replaced by another: still UTF-8.
    *text = String::from_utf8(bytes).unwrap_or_default();
}

fn decode_text(bytes: &[u8], rel: &str, diagnostics: &mut Vec<Diagnostic>) -> Option<String> {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return None;
    }
    let (bytes, bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    // A BOM means UTF-8 whatever the declaration says (CPython refuses a conflict).
    let declared = if bom { None } else { coding_declaration(bytes) };
    match declared.as_deref().map(source_encoding) {
        None | Some(SourceEncoding::Utf8) => Some(utf8_or_lossy(bytes, rel, diagnostics)),
        Some(SourceEncoding::Latin1) => Some(bytes.iter().map(|&b| b as char).collect()),
        Some(SourceEncoding::Other(encoding)) => {
            let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
            if had_errors {
                diagnostics.push(Diagnostic::new(
                    rel,
                    1,
                    Severity::Warning,
                    format!(
                        "not valid {}, as its coding line declares: the invalid bytes read as U+FFFD",
                        encoding.name()
                    ),
                ));
            }
            Some(text.into_owned())
        }
        Some(SourceEncoding::Unknown) => {
            diagnostics.push(Diagnostic::new(
                rel,
                1,
                Severity::Warning,
                format!(
                    "coding `{}` is not one seam knows: read as UTF-8",
                    declared.unwrap_or_default()
                ),
            ));
            Some(utf8_or_lossy(bytes, rel, diagnostics))
        }
    }
}

/// UTF-8 text; bytes that are not UTF-8 (a stray Latin-1 `é` in a comment) read as U+FFFD
/// with a warning at the first of them, so one bad byte costs one character, not the whole
/// file read as Latin-1 (issue 15). Lines stay where they are: a newline is never part of an
/// invalid sequence.
fn utf8_or_lossy(bytes: &[u8], rel: &str, diagnostics: &mut Vec<Diagnostic>) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u32
                + 1;
            diagnostics.push(Diagnostic::new(
                rel,
                line,
                Severity::Warning,
                "not valid UTF-8 (and no coding line says otherwise): the invalid bytes read as U+FFFD",
            ));
            String::from_utf8_lossy(bytes).into_owned()
        }
    }
}

/// The encoding a PEP 263 declaration names, read as CPython does: a comment on line 1 or 2
/// matching `coding[:=]\s*([-\w.]+)`, line 2 only when line 1 is a comment or blank.
fn coding_declaration(bytes: &[u8]) -> Option<String> {
    let mut lines = bytes.split(|&b| b == b'\n').take(2);
    let first = lines.next()?;
    if let Some(name) = coding_in_line(first) {
        return Some(name);
    }
    let first = first.trim_ascii();
    if !(first.is_empty() || first.starts_with(b"#")) {
        return None;
    }
    coding_in_line(lines.next()?)
}

fn coding_in_line(line: &[u8]) -> Option<String> {
    let line = line.trim_ascii_start();
    if !line.starts_with(b"#") {
        return None;
    }
    let at = line.windows(6).position(|w| w == b"coding")?;
    let rest = line[at + 6..]
        .strip_prefix(b":")
        .or_else(|| line[at + 6..].strip_prefix(b"="))?;
    let rest = rest.trim_ascii_start();
    let end = rest
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
        .unwrap_or(rest.len());
    (end > 0).then(|| String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// How a declared coding decodes.
enum SourceEncoding {
    Utf8,
    /// ISO-8859-1 proper: every byte is the character of its number (WHATWG's `latin1` label
    /// means windows-1252, which differs in 0x80-0x9F).
    Latin1,
    Other(&'static encoding_rs::Encoding),
    Unknown,
}

/// A coding name as CPython normalises it (case, `_` for `-`; its tokenizer reads `utf-8-*`
/// as UTF-8 and `latin-1-*` as Latin-1), its codec aliases (`utf`, `u8`), then by its WHATWG
/// label.
fn source_encoding(name: &str) -> SourceEncoding {
    let name = name.to_ascii_lowercase().replace('_', "-");
    let family = |base: &str| name == base || name.starts_with(&format!("{base}-"));
    if family("utf-8")
        || matches!(
            name.as_str(),
            "utf8" | "utf" | "u8" | "cp65001" | "utf8-sig"
        )
    {
        return SourceEncoding::Utf8;
    }
    if family("latin-1")
        || family("iso-8859-1")
        || family("iso-latin-1")
        || matches!(
            name.as_str(),
            "latin1" | "iso8859-1" | "l1" | "8859" | "cp819"
        )
    {
        return SourceEncoding::Latin1;
    }
    // CPython's spellings of what WHATWG calls otherwise.
    let label = match name.as_str() {
        "sjis" | "shift-jis" | "s-jis" | "cp932" | "ms932" | "mskanji" => "shift_jis",
        "eucjp" | "ujis" => "euc-jp",
        "cp936" | "ms936" => "gbk",
        "cp949" | "uhc" => "euc-kr",
        "cp950" | "big5-tw" => "big5",
        other => other,
    };
    encoding_rs::Encoding::for_label(label.as_bytes())
        .map_or(SourceEncoding::Unknown, SourceEncoding::Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> (String, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let text = decode(bytes, "m.py", &mut diagnostics).unwrap();
        (text, diagnostics)
    }

    #[test]
    fn a_coding_line_names_the_encoding() {
        let (text, d) = read(b"# -*- coding: cp1252 -*-\nS = '\x93caf\xe9\x94'\n");
        assert_eq!(
            text,
            "# -*- coding: cp1252 -*-\nS = '\u{201c}caf\u{e9}\u{201d}'\n"
        );
        assert!(d.is_empty(), "{d:?}");
        // Shift JIS on line 2, after a shebang; Emacs and Vim spellings alike.
        let (text, d) = read(
            b"#!/usr/bin/env python\n# vim: set fileencoding=shift_jis :\nS = '\x93\xfa\x96\x7b'\n",
        );
        assert!(text.ends_with("S = '\u{65e5}\u{672c}'\n"), "{text}");
        assert!(d.is_empty(), "{d:?}");
        // Latin-1 proper: 0x93 is U+0093, not windows-1252's quotation mark.
        let (text, _) = read(b"# coding=latin-1\nS = '\xe9\x93'\n");
        assert!(text.ends_with("S = '\u{e9}\u{93}'\n"), "{text}");
        // CPython's aliases and families: `utf` is UTF-8, `latin-1-unix` Latin-1.
        let (_, d) = read("# -*- coding: utf -*-\nS = '\u{e9}'\n".as_bytes());
        assert!(d.is_empty(), "{d:?}");
        let (text, _) = read(b"# coding: latin-1-unix\nS = '\xe9'\n");
        assert!(text.ends_with("S = '\u{e9}'\n"), "{text}");
    }

    #[test]
    fn a_coding_line_counts_only_in_a_comment_on_line_one_or_two() {
        // Line 1 is code: line 2's declaration is text, as for CPython.
        let (text, d) = read(b"x = 1\n# coding: cp1252\nS = '\xe9'\n");
        assert!(text.ends_with("S = '\u{fffd}'\n"), "{text}");
        assert_eq!(d[0].line, 3);
        let (_, d) = read(b"S = 'coding: cp1252'\n");
        assert!(d.is_empty());
        assert_eq!(coding_declaration(b"\n\n# coding: cp1252\n"), None);
    }

    #[test]
    fn one_stray_byte_costs_one_character() {
        let (text, d) = read(b"# caf\xc3\xa9\nA = 'na\xc3\xafve'\n# \xe9\n");
        assert_eq!(text, "# caf\u{e9}\nA = 'na\u{ef}ve'\n# \u{fffd}\n");
        assert_eq!(
            (d.len(), d[0].line, d[0].severity),
            (1, 3, Severity::Warning)
        );
    }

    #[test]
    fn an_unknown_coding_is_said_and_read_as_utf8() {
        let (text, d) = read("# coding: klingon\nA = '\u{e9}'\n".as_bytes());
        assert!(text.ends_with("A = '\u{e9}'\n"));
        assert!(d[0].message.contains("klingon"), "{d:?}");
    }

    #[test]
    fn a_bom_wins_and_binary_is_none() {
        let (text, d) = read(b"\xEF\xBB\xBF# coding: cp1252\nA = 1\n");
        assert_eq!(text, "# coding: cp1252\nA = 1\n");
        assert!(d.is_empty());
        assert!(decode(b"PK\x03\x04\0\0", "m.py", &mut Vec::new()).is_none());
    }
}
