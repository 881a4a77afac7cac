//! The Python front end on arbitrary text, then the SQL front end on every SQL string it
//! found (as `load::python_unit` does). Bytes become text with `from_utf8_lossy`: valid UTF-8
//! (what libFuzzer's mutations of the seeds mostly are) reaches the parser unchanged, and no
//! input is wasted on being invalid (an invalid sequence becomes U+FFFD, itself a multi-byte
//! character worth having). NUL bytes are kept: the loader skips such files, but the front
//! end's contract is any `&str`.
//!
//! Contract checked: no panic, no hang; `lines` is `count_lines`; every line a fact reports
//! is within the file (1-based, at most one past the last newline: tree-sitter puts the end
//! of the file there), a def ends no earlier than it starts, and a call's receiver is an
//! earlier call.
#![no_main]

use libfuzzer_sys::fuzz_target;
use seam_python::PythonParser;

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    let mut parser = PythonParser::new();
    let file = parser.analyze(&source, "fuzz.py");
    assert_eq!(file.lines, seam_python::count_lines(&source));
    let newlines = source.bytes().filter(|&b| b == b'\n').count();
    let last = u32::try_from(newlines + 1).unwrap_or(u32::MAX);
    let within = |what: &str, line: u32| {
        assert!(
            (1..=last).contains(&line),
            "{what} at line {line}, file has lines 1..={last}"
        );
    };
    for d in &file.defs {
        within("def", d.line);
        within("def end", d.end_line);
        assert!(
            d.line <= d.end_line,
            "def {} ends before it starts",
            d.qualname
        );
    }
    for i in &file.imports {
        within("import", i.line);
    }
    for (n, c) in file.calls.iter().enumerate() {
        within("call", c.line);
        if let Some(r) = c.receiver {
            assert!(
                (r as usize) < n,
                "call {n}'s receiver {r} is not an earlier call"
            );
        }
    }
    for a in &file.assigns {
        within("assign", a.line);
    }
    for r in &file.returns {
        within("return", r.line);
    }
    for a in &file.attrs {
        within("attribute use", a.line);
    }
    for d in &file.diagnostics {
        // 0 means "the whole file".
        assert!(
            d.line <= last,
            "diagnostic at line {}, file has {last}",
            d.line
        );
    }
    for s in &file.sql {
        within("SQL string", s.line);
        if s.text.is_empty() {
            continue;
        }
        let facts = seam_sql::analyze(&s.text, s.line);
        for st in &facts.statements {
            within("embedded SQL statement", st.line);
        }
        for p in &facts.problems {
            within("embedded SQL problem", p.line);
        }
    }
});
