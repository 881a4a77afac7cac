//! Parsing one neutralised statement with sqlparser's PostgreSQL dialect, then, for what it
//! refuses, the SQLite and MySQL dialects (a schema file of either is common in a Flask
//! repository), and turning the errors into the short one-line reasons a report can show.

use sqlparser::ast::Statement;
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::{Parser, ParserError};

/// The statements in `sql` (normally one), or why it does not parse. sqlparser's own
/// recursion limit stays in force: input nested past it is a parse error, not a crash.
pub(crate) fn parse(sql: &str) -> Result<Vec<Statement>, String> {
    parse_once(sql).or_else(|error| {
        // pg_dump writes `CREATE MATERIALIZED VIEW ... WITH NO DATA`, which sqlparser 0.64
        // rejects; the clause says nothing about tables, so parse without it.
        match strip_with_data(sql) {
            Some(shorter) => parse_once(shorter).map_err(|_| error),
            None => Err(error),
        }
    })
}

/// PostgreSQL first (the dialect of most dumps and of what SQLAlchemy migrations emit); the
/// reason given is PostgreSQL's when no dialect reads the statement. SQLite reads its typeless
/// columns (`CREATE TABLE t(x, y)`) and MySQL its backquoted names and table options.
fn parse_once(sql: &str) -> Result<Vec<Statement>, String> {
    let dialects: [&dyn Dialect; 3] = [&PostgreSqlDialect {}, &SQLiteDialect {}, &MySqlDialect {}];
    let mut first = None;
    for dialect in dialects {
        match Parser::new(dialect)
            .try_with_sql(sql)
            .and_then(|mut parser| parser.parse_statements())
        {
            Ok(statements) => return Ok(statements),
            // Too deep for one is too deep for all: no second walk down the same nesting.
            Err(e @ ParserError::RecursionLimitExceeded) => return Err(message(&e)),
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    Err(first.map_or_else(String::new, |e| message(&e)))
}

/// `sql` without a trailing `WITH [NO] DATA`.
fn strip_with_data(sql: &str) -> Option<&str> {
    let rest = strip_word(sql, "data")?;
    let rest = strip_word(rest, "no").unwrap_or(rest);
    strip_word(rest, "with")
}

/// `s` without its last word if that is `word` (any case), trimmed.
fn strip_word<'a>(s: &'a str, word: &str) -> Option<&'a str> {
    let s = s.trim_end();
    let cut = s.len().checked_sub(word.len())?;
    let (head, tail) = (s.get(..cut)?, s.get(cut..)?);
    (tail.eq_ignore_ascii_case(word) && head.ends_with(char::is_whitespace))
        .then(|| head.trim_end())
}

/// Statements sqlparser 0.64 cannot parse but that carry no table facts (sequence,
/// maintenance and anonymous-code statements pg_dump and migrations are full of): reported
/// as `Other` rather than as problems, so that a dump does not drown real problems in noise.
pub(crate) fn carries_no_facts(sql: &str) -> bool {
    let mut words = sql.split_whitespace().map(str::to_ascii_lowercase);
    let first = words.next().unwrap_or_default();
    let second = words.next().unwrap_or_default();
    match first.as_str() {
        "do" | "vacuum" | "cluster" | "reindex" | "checkpoint" | "discard" | "security" => true,
        "alter" => matches!(
            second.as_str(),
            "sequence"
                | "extension"
                | "large"
                | "domain"
                | "aggregate"
                | "text"
                | "publication"
                | "subscription"
                | "event"
        ),
        "create" => matches!(
            second.as_str(),
            "cast" | "publication" | "subscription" | "event" | "language" | "conversion"
        ),
        _ => false,
    }
}

/// `SQL does not parse: <reason>`, on one line, without sqlparser's position (which is
/// relative to the statement, not the file; the problem carries the statement's line).
fn message(error: &ParserError) -> String {
    let reason = match error {
        ParserError::TokenizerError(m) | ParserError::ParserError(m) => m.as_str(),
        ParserError::RecursionLimitExceeded => "nested too deeply",
    };
    let reason = reason.rfind(" at Line: ").map_or(reason, |i| &reason[..i]);
    let mut line: String = reason.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.len() > 160 {
        let cut = (0..=160)
            .rev()
            .find(|&i| line.is_char_boundary(i))
            .unwrap_or(0);
        line.truncate(cut);
        line.push('…');
    }
    format!("SQL does not parse: {line}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn materialized_views_with_no_data_parse() {
        assert!(
            parse("CREATE MATERIALIZED VIEW mv AS SELECT * FROM orders\n  WITH NO DATA").is_ok()
        );
        assert!(parse("CREATE MATERIALIZED VIEW mv AS SELECT * FROM orders WITH DATA").is_ok());
        assert_eq!(strip_with_data("SELECT with no data"), Some("SELECT"));
        assert_eq!(strip_with_data("data"), None);
    }

    #[test]
    fn sqlite_and_mysql_schemas_parse() {
        for sql in [
            "CREATE TABLE t(x, y REFERENCES u)",
            "CREATE TABLE `orders` (`id` int NOT NULL AUTO_INCREMENT, PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
        ] {
            assert!(parse(sql).is_ok(), "{sql}: {:?}", parse(sql));
        }
    }

    #[test]
    fn fact_free_statements_are_recognised() {
        assert!(carries_no_facts("ALTER SEQUENCE s OWNED BY t.id"));
        assert!(carries_no_facts("DO $$ BEGIN END $$"));
        assert!(!carries_no_facts("ALTER TABLE t ADD x int"));
        assert!(!carries_no_facts(""));
    }

    #[test]
    fn errors_are_one_short_line() {
        assert_eq!(
            parse("SELECT * FROM WHERE").unwrap_err(),
            "SQL does not parse: Expected: table name, found: WHERE"
        );
        assert_eq!(
            parse("SELECT 'abc").unwrap_err(),
            "SQL does not parse: Unterminated string literal"
        );
        let deep = format!("SELECT {}1{}", "(".repeat(100), ")".repeat(100));
        assert_eq!(
            parse(&deep).unwrap_err(),
            "SQL does not parse: nested too deeply"
        );
    }
}
