//! Which application serves each route. A repository may build more than one Flask app (an API
//! server and an event-stream server); each app's routes are its own. The main application is
//! the one serving the most routes; routes of any other app carry that app's variable id.
//! Routes registered in test-tagged files belong to a test's throwaway app, not to the
//! application, and are dropped. Two handlers on one (method, path) of one app are reported.

use std::collections::HashSet;

use crate::discover::Tag;

use super::*;

impl Resolver<'_, '_> {
    pub(super) fn settle_apps(&mut self) -> Vec<Route> {
        let test_files: HashSet<&str> = self
            .units
            .iter()
            .filter(|u| u.file.tags.contains(&Tag::Test))
            .map(|u| u.file.rel.as_str())
            .collect();
        let found: Vec<Found> = std::mem::take(&mut self.found)
            .into_iter()
            .filter(|f| !test_files.contains(f.route.file.as_str()))
            .collect();
        let mut per_app: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for f in &found {
            if let Some(app) = f.app {
                *per_app.entry(app).or_default() += 1;
            }
        }
        // The most routes wins; on a tie the first in path order.
        let main = per_app
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(k, _)| *k);
        let mut routes = BTreeSet::new();
        for f in found {
            let mut route = f.route;
            route.app = match f.app {
                Some(app) if Some(app) != main => Some(self.var_id(app)),
                _ => None,
            };
            routes.insert(route);
        }
        self.report_duplicates(&routes);
        routes.into_iter().collect()
    }

    /// The id of a module or function variable: `module:name`, `module:function.name`.
    fn var_id(&self, (u, a): (usize, usize)) -> String {
        let f = &self.units[u].facts;
        let assign = &f.assigns[a];
        let name = assign.targets.first().map_or("?", String::as_str);
        let qual = if assign.scope.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", assign.scope)
        };
        seam_facts::ids::symbol_id(&f.module, &qual)
    }

    /// Two handlers on one (method, path) of one app: Flask dispatches to the first rule
    /// registered, so the other never runs (or the app was read wrong).
    fn report_duplicates(&mut self, routes: &BTreeSet<Route>) {
        let mut first: BTreeMap<(&str, Option<&str>), &Route> = BTreeMap::new();
        for r in routes {
            match first.get(&(r.id.as_str(), r.app.as_deref())) {
                Some(prev) if prev.handler != r.handler => {
                    self.unbound.insert((
                        r.file.clone(),
                        r.line,
                        format!(
                            "two handlers for `{}`: `{}` ({}:{}) and `{}`; Flask serves the rule registered first",
                            r.id, prev.handler, prev.file, prev.line, r.handler
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    first.insert((r.id.as_str(), r.app.as_deref()), r);
                }
            }
        }
    }
}
