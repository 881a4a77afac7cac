//! seam's SQL front end: SQL text (a `.sql` file, or a string found in Python) to
//! [`SqlFacts`], statement by statement, with PostgreSQL's dialect.
//!
//! The pipeline: [`split`] cuts the text at top-level `;`, [`neutralize`] makes templated and
//! parameterised SQL parseable, [`parse`] runs sqlparser, and [`statement`] turns each AST into
//! facts with the help of [`scope`] (names), [`tables`] (reads), [`dml`] (writes),
//! [`predicates`] (equality and joins) and [`ddl`] (schema). [`deep`] keeps pathological
//! operator chains from overflowing the stack.

mod ddl;
mod deep;
mod dml;
mod lex;
mod neutralize;
mod parse;
mod predicates;
mod scope;
mod split;
mod statement;
mod tables;
mod walker;

use seam_facts::sql::{SqlFacts, SqlProblem};

/// Parse SQL text that starts at line `first_line` of its file (1 for a .sql file, the string's
/// line for SQL embedded in Python). Never panics, never fails: returns what it could.
pub fn analyze(text: &str, first_line: u32) -> SqlFacts {
    let mut facts = SqlFacts::default();
    for piece in split::split(text) {
        let line = first_line.saturating_add(piece.line);
        let neutral = neutralize::neutralize(piece.text);
        let analysed = deep::run(&neutral.sql, || {
            parse::parse(&neutral.sql).map(|statements| {
                statements
                    .iter()
                    .map(|s| statement::facts(s, line))
                    .collect::<Vec<_>>()
            })
        });
        match analysed.and_then(|parsed| parsed) {
            Ok(statements) => facts.statements.extend(statements),
            Err(_) if parse::carries_no_facts(&neutral.sql) => {
                facts.statements.push(statement::other(line));
            }
            Err(message) => facts.problems.push(SqlProblem {
                line,
                message,
                templated: neutral.templated,
            }),
        }
    }
    facts
}

/// The private stages on their own, for the fuzz targets in `fuzz/` (`sql_split`,
/// `sql_neutralize`), which check each stage's contract on arbitrary text. Not an API: it may
/// change with the stages.
#[doc(hidden)]
pub mod fuzzing {
    /// The splitter (`split.rs`): each statement's text (a slice of `text`) and its 0-based line.
    pub fn split(text: &str) -> Vec<(&str, u32)> {
        crate::split::split(text)
            .into_iter()
            .map(|p| (p.text, p.line))
            .collect()
    }

    /// The neutraliser (`neutralize.rs`): the rewritten statement and whether it was templated.
    pub fn neutralize(text: &str) -> (String, bool) {
        let n = crate::neutralize::neutralize(text);
        (n.sql, n.templated)
    }
}

/// The single statement `sql` yields; tests of every module use it.
#[cfg(test)]
pub(crate) fn one(sql: &str) -> seam_facts::sql::Statement {
    let facts = analyze(sql, 1);
    assert!(facts.problems.is_empty(), "{sql}: {:?}", facts.problems);
    assert_eq!(facts.statements.len(), 1, "{sql}");
    facts
        .statements
        .into_iter()
        .next()
        .unwrap_or_else(|| unreachable!())
}

#[cfg(test)]
mod tests {
    use super::*;
    use seam_facts::sql::StatementKind;

    #[test]
    fn a_broken_statement_between_two_good_ones() {
        let sql = "SELECT * FROM a;\n\nSELEC oops FROM;\n-- note\nDELETE FROM b WHERE id = 1;";
        let facts = analyze(sql, 10);
        let lines: Vec<(u32, StatementKind)> =
            facts.statements.iter().map(|s| (s.line, s.kind)).collect();
        assert_eq!(
            lines,
            vec![(10, StatementKind::Select), (14, StatementKind::Delete)]
        );
        assert_eq!(facts.problems.len(), 1);
        assert_eq!(facts.problems[0].line, 12);
        assert!(
            facts.problems[0]
                .message
                .starts_with("SQL does not parse: ")
        );
        assert!(!facts.problems[0].templated);
    }

    #[test]
    fn embedded_sql_lines_are_offset_by_first_line() {
        let facts = analyze("\n  SELECT 1;\n\n  SELECT 2", 42);
        let lines: Vec<u32> = facts.statements.iter().map(|s| s.line).collect();
        assert_eq!(lines, vec![43, 45]);
    }

    #[test]
    fn templates_that_still_fail_are_skipped_not_broken() {
        let facts = analyze("SELECT * FROM t ORDER BY a {{ direction }}", 1);
        assert_eq!(facts.problems.len(), 1);
        assert!(facts.problems[0].templated);
        let facts = analyze("SELECT * FROM t ORDER BY a __seam_hole__", 1);
        assert!(facts.problems[0].templated);
    }

    #[test]
    fn jinja_keeps_line_numbers() {
        let sql = "{% if archived %}\nSELECT * FROM orders_archive\n{% else %}\nSELECT *\n  FROM {{ table }}\n  WHERE id = {{ id }}\n{% endif %};\nSELECT 1;";
        let facts = analyze(sql, 1);
        assert!(
            facts.problems.iter().all(|p| p.templated),
            "{:?}",
            facts.problems
        );
        assert_eq!(facts.statements.last().map(|s| s.line), Some(8));
    }

    #[test]
    fn placeholders_of_every_style_parse() {
        for sql in [
            "SELECT * FROM users WHERE id = %s",
            "SELECT * FROM users WHERE id = %(id)s",
            "SELECT * FROM users WHERE id = :id",
            "SELECT * FROM users WHERE id = ?",
            "SELECT * FROM users WHERE id = {}",
            "SELECT * FROM users WHERE id = {user_id}",
            "SELECT * FROM users WHERE id = {{ user.id }}",
            "SELECT * FROM users WHERE id = __seam_hole__",
        ] {
            let s = one(sql);
            assert_eq!(s.reads, vec!["users"], "{sql}");
            assert_eq!(s.equality_columns, vec!["users.id"], "{sql}");
        }
    }

    #[test]
    fn never_panics_on_garbage() {
        for sql in [
            "",
            ";",
            "'",
            "$$",
            "/*",
            "{{",
            "{%",
            "((((",
            "SELECT (",
            "\\",
            "é;ü",
            "COPY x FROM stdin;",
            ":",
            "?",
            "%(",
        ] {
            let _ = analyze(sql, 1);
        }
    }

    #[test]
    fn long_operator_chains_do_not_overflow_the_stack() {
        let chain = |n: usize| format!("SELECT * FROM t WHERE {}", vec!["t.a = 1"; n].join(" OR "));
        let s = one(&chain(30_000));
        assert_eq!(s.equality_columns, vec!["t.a"]);
        let facts = analyze(&chain(60_000), 1);
        assert!(
            facts.problems[0]
                .message
                .starts_with("SQL not analysed: operator chain too long")
        );
        let unions = vec!["SELECT a FROM t"; 4_000].join(" UNION ALL ");
        assert_eq!(one(&unions).reads, vec!["t"]);
    }

    #[test]
    fn a_union_of_many_selects_is_refused_before_it_is_parsed() {
        // 99,000 took 1.3 GB in sqlparser's tree; refused from the lexical count instead.
        let unions = vec!["SELECT 1"; 99_000].join(" UNION ALL ");
        let facts = analyze(&unions, 7);
        assert!(facts.statements.is_empty());
        assert_eq!(facts.problems.len(), 1);
        assert_eq!(facts.problems[0].line, 7);
        assert!(
            facts.problems[0].message.contains("98999 set operations"),
            "{}",
            facts.problems[0].message
        );
    }

    #[test]
    fn a_large_file_of_inserts_is_fast() {
        let row =
            "INSERT INTO public.events (id, kind, payload) VALUES (1, 'click', '{\"a\": 1}');\n";
        let text = row.repeat(20_000);
        let start = std::time::Instant::now();
        let facts = analyze(&text, 1);
        assert_eq!(facts.statements.len(), 20_000);
        assert_eq!(facts.statements[19_999].line, 20_000);
        assert_eq!(facts.statements[0].writes, vec!["events"]);
        assert!(start.elapsed().as_secs() < 30);
    }
}
