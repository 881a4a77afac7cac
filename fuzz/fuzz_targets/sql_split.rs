//! The SQL statement splitter on arbitrary UTF-8 (other inputs skipped, as in `sql`).
//!
//! Contract checked: no panic, no hang; the pieces are slices of the text, in order and not
//! overlapping, none empty or starting with whitespace, and each one's line is the number of
//! newlines before it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let base = text.as_ptr() as usize;
    let mut seen = 0usize; // offset up to which newlines are counted
    let mut line = 0u32;
    for (piece, piece_line) in seam_sql::fuzzing::split(text) {
        let start = piece.as_ptr() as usize - base;
        assert!(start + piece.len() <= text.len(), "piece outside the text");
        assert!(start >= seen, "pieces overlap or are out of order");
        assert!(!piece.is_empty(), "empty piece");
        assert!(
            !piece.starts_with(|c: char| c.is_ascii_whitespace()),
            "piece starts with whitespace: {piece:?}"
        );
        line = line.saturating_add(
            u32::try_from(
                text.as_bytes()[seen..start]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count(),
            )
            .unwrap_or(u32::MAX),
        );
        assert_eq!(piece_line, line, "line of piece {piece:?}");
        seen = start;
    }
});
