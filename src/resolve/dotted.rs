//! Pieces of dotted callee strings (`db.session.query().filter`), shared by the resolution
//! steps that recognise calls by name.

/// The last segment, without a trailing call marker: `db.session.add` → `add`,
/// `get_handler()` → `get_handler`.
pub(crate) fn last_segment(dotted: &str) -> &str {
    let seg = dotted.rsplit('.').next().unwrap_or(dotted);
    seg.trim_end_matches("()")
}

/// Everything before the last segment: `db.session.add` → `db.session`; `None` for a bare
/// name.
pub(crate) fn receiver_of(dotted: &str) -> Option<&str> {
    dotted.rsplit_once('.').map(|(r, _)| r)
}

/// Whether a callee is a method of a SQLAlchemy session by its receiver's name
/// (`db.session.add`, `session.query`, `self.session.commit`, Flask-SQLAlchemy's
/// `db.get_or_404`): the one receiver test the ORM passes share.
pub(crate) fn on_session(callee: &str) -> bool {
    let recv = receiver_of(callee).unwrap_or("").to_ascii_lowercase();
    recv.contains("session") || recv == "db"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments() {
        assert_eq!(last_segment("db.session.add"), "add");
        assert_eq!(last_segment("Column"), "Column");
        assert_eq!(last_segment("get_handler()"), "get_handler");
        assert_eq!(receiver_of("db.session.add"), Some("db.session"));
        assert_eq!(receiver_of("text"), None);
        assert!(on_session("db.session.add") && on_session("db.get_or_404"));
        assert!(on_session("self.Session.query") && !on_session("requests.get"));
    }
}
