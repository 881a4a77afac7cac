//! The `seam.toml` parser on arbitrary UTF-8 (other inputs skipped: the file is read as a
//! `String`, so invalid UTF-8 never reaches the parser). There is no `[tool.seam]` /
//! `pyproject.toml` reader in seam, so this is the only configuration parser.
//!
//! Contract checked: no panic, no hang; every error and every located value points at a
//! line and column of the text (1-based, the column at most one past the line's end).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // `position` counts lines by `\n`, columns in chars.
    let lines: Vec<usize> = text.split('\n').map(|l| l.chars().count()).collect();
    let at = |what: &str, line: usize, col: usize| {
        assert!(
            (1..=lines.len()).contains(&line),
            "{what} at line {line}, text has {} lines",
            lines.len()
        );
        assert!(
            (1..=lines[line - 1] + 1).contains(&col),
            "{what} at {line}:{col}, the line has {} chars",
            lines[line - 1]
        );
    };
    match seam::boundaries::config::parse(text) {
        Ok(b) => {
            for s in &b.services {
                assert!(
                    (1..=lines.len()).contains(&s.line),
                    "service {} at line {}",
                    s.name,
                    s.line
                );
                for m in &s.members {
                    at("member", m.line, m.col);
                }
                for t in &s.tables {
                    at("table", t.line, t.col);
                }
                for a in &s.allow {
                    at("allow", a.line, a.col);
                }
            }
            for k in &b.kernel {
                at("kernel member", k.line, k.col);
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "an error result without errors");
            for e in &errors {
                at("error", e.line, e.col);
            }
        }
    }
});
