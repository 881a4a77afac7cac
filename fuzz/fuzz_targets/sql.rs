//! The SQL front end on arbitrary text: the splitter, the neutraliser, sqlparser and the
//! statement facts together. Only valid UTF-8 is used (other inputs are skipped): a `.sql`
//! file reaches the front end as text, and lossy conversion would only add U+FFFD, which
//! the `python` target already covers; skipping keeps the corpus made of real texts.
//!
//! Contract checked: no panic, no hang; every statement and problem is on a line of the
//! text (`first_line` plus at most the number of newlines).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let newlines = text.bytes().filter(|&b| b == b'\n').count();
    let last = 1 + u32::try_from(newlines).unwrap_or(u32::MAX - 1);
    let facts = seam_sql::analyze(text, 1);
    for s in &facts.statements {
        assert!(
            (1..=last).contains(&s.line),
            "statement at line {}, text has lines 1..={last}",
            s.line
        );
    }
    for p in &facts.problems {
        assert!(
            (1..=last).contains(&p.line),
            "problem at line {}, text has lines 1..={last}: {}",
            p.line,
            p.message
        );
    }
});
