//! Flask's template context processors: `render_template(...)` runs every function registered
//! with `@app.context_processor`, `@bp.context_processor` or `@bp.app_context_processor` (or
//! `app.context_processor(f)`) before it renders, inside the handler that renders. The call
//! graph has no edge to them (Flask calls them), so what they read (`Run.last_entry()` on every
//! page) would be read by no handler; this pass adds a `calls` edge from each function that
//! renders a template to each processor, at the render call, counted as a call seen and
//! resolved in the summary. Blueprint-local processors are not told apart from app-wide ones:
//! every renderer reaches every processor (an over-approximation, like any static reach).

use std::collections::BTreeSet;

use super::builder::Builder;
use super::dotted::last_segment;
use super::index::Index;
use super::names::Value;
use super::registrations::registered;

/// Decorator or method names that register a context processor.
const REGISTRARS: &[&str] = &["context_processor", "app_context_processor"];

/// Flask's functions that render a template (and so run the processors).
const RENDERERS: &[&str] = &[
    "render_template",
    "render_template_string",
    "stream_template",
    "stream_template_string",
];

fn renders(v: &Value) -> bool {
    matches!(v, Value::External(e) if e.starts_with("flask") && RENDERERS.contains(&last_segment(e)))
}

pub(crate) fn resolve_context_processors(ix: &Index<'_>, b: &mut Builder) {
    let processors: BTreeSet<String> = registered(ix, REGISTRARS)
        .into_iter()
        .map(|r| ix.symbol_id(r.def.0, r.def.1))
        .collect();
    if processors.is_empty() {
        return;
    }
    for (u, unit) in ix.units.iter().enumerate() {
        let file = unit.file.rel.as_str();
        let mut done: BTreeSet<&str> = BTreeSet::new();
        for c in &unit.facts.calls {
            if c.scope.is_empty()
                || !RENDERERS.contains(&last_segment(&c.callee))
                || done.contains(c.scope.as_str())
                || !renders(&ix.resolve(u, &c.scope, &c.callee))
            {
                continue;
            }
            done.insert(c.scope.as_str());
            let from = ix.owner_id(u, &c.scope);
            for p in &processors {
                if *p != from {
                    b.implicit_call(&from, p, file, c.line);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::analyze;
    use crate::analysis::EdgeKind;

    #[test]
    fn render_template_calls_every_registered_context_processor() {
        let a = analyze(&[
            (
                "app.py",
                "from flask import Flask\napp = Flask(__name__)\n@app.context_processor\ndef inject():\n    return {}\ndef other():\n    return {}\napp.context_processor(other)\n",
            ),
            (
                "views.py",
                "from flask import render_template\ndef page():\n    return render_template('p.html')\ndef api():\n    return {}\n",
            ),
        ]);
        let mut calls: Vec<(&str, &str, u32)> = a
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Calls && e.from.starts_with("views"))
            .map(|e| (&*e.from, &*e.to, e.evidence[0].line))
            .collect();
        calls.sort();
        assert_eq!(
            calls,
            vec![
                ("views:page", "app:inject", 3),
                ("views:page", "app:other", 3)
            ]
        );
    }
}
