//! The `pg_stat_statements` CSV reader on arbitrary bytes (the csv crate reads bytes and
//! checks UTF-8 per record, so invalid UTF-8 is part of what it must handle), then each row's
//! SQL through the SQL front end as `weigh` does.
//!
//! Contract checked: no panic, no hang; errors name the input; rows are numbered from 2 (the
//! header is line 1) in increasing order.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match seam::advice::workload::parse(data, "fuzz.csv") {
        Ok(w) => {
            let mut previous = 1;
            for row in &w.rows {
                assert!(
                    row.line > previous,
                    "row lines not increasing: {}",
                    row.line
                );
                previous = row.line;
                let _ = seam_sql::analyze(&row.query, 1);
            }
        }
        Err(e) => assert!(
            e.starts_with("fuzz.csv"),
            "error does not name the input: {e}"
        ),
    }
});
