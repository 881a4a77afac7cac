//! Today's package layout read as a proposal: one service per package (a module's parent
//! package; top-level modules together), each table with the package of the model that maps
//! it (else of the first code that touches it), the calls between packages as cross-service
//! calls. What `seam init` writes when the verdict is to keep a modular monolith: the
//! boundaries the code already has, to enforce with `seam check`.

use std::collections::BTreeMap;

use super::projection::{Items, module_of};
use super::proposal::{CrossCall, Proposal, Service};
use crate::analysis::{Analysis, EdgeKind};

/// The package a module is in; `root` for top-level modules.
pub(crate) fn package(module: &str) -> String {
    module
        .rsplit_once('.')
        .map_or_else(|| "root".to_owned(), |(p, _)| p.to_owned())
}

/// The package each table lives in today: that of the model mapping it, else of the first
/// clustered code that reads or writes it.
pub(crate) fn table_homes<'a>(a: &'a Analysis, items: &Items<'_>) -> BTreeMap<&'a str, String> {
    let mut table_home: BTreeMap<&str, String> = BTreeMap::new();
    for e in &a.edges {
        if matches!(e.kind, EdgeKind::Maps | EdgeKind::Writes | EdgeKind::Reads)
            && items.index.contains_key(&*e.from)
        {
            let home = package(module_of(&e.from));
            let entry = table_home.entry(&*e.to).or_insert_with(|| home.clone());
            if e.kind == EdgeKind::Maps {
                *entry = home;
            }
        }
    }
    table_home
}

pub fn package_layout(a: &Analysis) -> Proposal {
    let items = Items::of(a);
    let table_home = table_homes(a, &items);
    let mut services: BTreeMap<String, Service> = BTreeMap::new();
    let mut home_of: BTreeMap<&str, String> = BTreeMap::new();
    for (i, id) in items.ids.iter().enumerate() {
        let home = if items.is_table(i) {
            match table_home.get(id) {
                Some(h) => h.clone(),
                None => continue,
            }
        } else {
            package(items.modules[i])
        };
        let svc = services.entry(home.clone()).or_insert_with(|| Service {
            name: home.clone(),
            ..Service::default()
        });
        if items.is_table(i) {
            svc.tables.push((*id).to_owned());
        } else {
            svc.members.push((*id).to_owned());
        }
        home_of.insert(id, home);
    }
    // Every clustered module is wholly inside its package.
    let modules = items.module_set();
    for m in modules {
        if let Some(svc) = services.get_mut(&package(m)) {
            svc.modules.push(m.to_owned());
        }
    }
    let mut calls: BTreeMap<(String, String), CrossCall> = BTreeMap::new();
    for e in a
        .edges
        .iter()
        .filter(|e| matches!(e.kind, EdgeKind::Calls | EdgeKind::Enqueues))
    {
        let (Some(f), Some(t)) = (home_of.get(&*e.from), home_of.get(&*e.to)) else {
            continue;
        };
        if f != t {
            calls
                .entry((e.from.to_string(), e.to.to_string()))
                .or_insert_with(|| CrossCall {
                    from: e.from.to_string(),
                    to: e.to.to_string(),
                    from_service: f.clone(),
                    to_service: t.clone(),
                    kind: e.kind.as_str().to_owned(),
                    count: e.count,
                    evidence: e.evidence.clone(),
                });
        }
    }
    Proposal {
        services: services.into_values().collect(),
        cross_service_calls: calls.into_values().collect(),
        ..Proposal::default()
    }
}
