//! Which application serves each route. A repository may build more than one Flask app (an API
//! server and an event-stream server); each app's routes are its own. The main application is
//! the one serving the most routes; routes of any other app carry that app's variable id.
//! Routes registered in test-tagged files belong to a test's throwaway app, not to the
//! application, and are dropped.

use rustc_hash::FxHashSet as HashSet;

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
        // The main application is built by `Flask(...)` (not an instance a factory call made
        // elsewhere); among several, the one serving the most routes, on a tie the first.
        let mut candidates: Vec<((usize, usize), bool)> = self
            .routers
            .iter()
            .filter(|(_, r)| r.kind == RouterKind::App)
            .map(|(k, _)| (*k, self.factory_instances.contains(k)))
            .collect();
        candidates.sort_unstable();
        let main = candidates
            .iter()
            .min_by(|a, b| {
                let count = |k: &(usize, usize)| per_app.get(k).copied().unwrap_or(0);
                a.1.cmp(&b.1)
                    .then(count(&b.0).cmp(&count(&a.0)))
                    .then(a.0.cmp(&b.0))
            })
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
        routes.into_iter().collect()
    }

    /// The id of a module or function variable: `module:name`, `module:function.name`.
    fn var_id(&self, (u, a): (usize, usize)) -> String {
        let f = &self.units[u].facts;
        let assign = &f.assigns[a];
        let name = assign.targets.first().map_or("?", |t| t.as_str());
        let qual = if assign.scope.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", assign.scope)
        };
        seam_facts::ids::symbol_id(&f.module, &qual)
    }
}
