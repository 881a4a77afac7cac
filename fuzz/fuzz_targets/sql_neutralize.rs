//! The SQL neutraliser (templates and placeholders made parseable) on arbitrary UTF-8
//! (other inputs skipped, as in `sql`).
//!
//! Contract checked: no panic, no hang; every newline is kept (a statement's facts keep
//! their lines), and text without any template or placeholder character comes back as is.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (sql, templated) = seam_sql::fuzzing::neutralize(text);
    let newlines = |s: &str| s.bytes().filter(|&b| b == b'\n').count();
    assert_eq!(newlines(&sql), newlines(text), "newlines moved: {sql:?}");
    if !text.contains(['%', ':', '?', '{']) && !text.contains("__seam_hole__") {
        assert_eq!(sql, text, "text without placeholders was changed");
        assert!(!templated);
    }
});
