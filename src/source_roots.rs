//! Source roots: which folder is on `sys.path`, so that module ids are the names the code
//! imports. A wheel's or repository's `src/`, `web/` or `server/` folder, or a package that
//! puts its own folder on `sys.path` (`sys.path.insert(0, here)` then `from app import x`),
//! holds the importable top-level package one or more levels down. Read from the path alone,
//! `src/calibre/app/web.py` would be `src.calibre.app.web`; the code says `from app import
//! web`, so the module is `app.web`.
//!
//! The rule, from the code's own imports: a file whose first path segment no absolute import
//! names, but a deeper folder of whose path is a top-level name some absolute import uses, is
//! named from that folder. Only packages re-root (a folder, not a lone module that happens to
//! share an imported name), and never onto a name another file already has: two trees that
//! would both become `app.x` (two services in one repository) keep their path names.

use std::collections::{BTreeMap, BTreeSet};

use seam_facts::ids::is_package_init;
use seam_facts::{Diagnostic, Severity};

use crate::load::PythonUnit;

/// Renames the modules of `units` that sit under a deeper source root, and says so: one info
/// diagnostic per root folder.
pub fn assign(units: &mut [PythonUnit], diagnostics: &mut Vec<Diagnostic>) {
    let imported: BTreeSet<&str> = units
        .iter()
        .flat_map(|u| &u.facts.imports)
        .filter(|i| i.level == 0 && !i.module.is_empty())
        .filter_map(|i| i.module.split('.').next())
        .collect();
    // unit → (new module, number of leading segments dropped)
    let mut renames: BTreeMap<usize, (String, usize)> = BTreeMap::new();
    for (i, unit) in units.iter().enumerate() {
        let parts: Vec<&str> = unit.facts.module.split('.').collect();
        if parts.len() < 2 || imported.contains(parts[0]) {
            continue;
        }
        let package_init = is_package_init(&unit.file.rel);
        let root = (1..parts.len()).find(|&k| {
            let is_package = k < parts.len() - 1 || package_init;
            is_package && imported.contains(parts[k])
        });
        if let Some(k) = root {
            renames.insert(i, (parts[k..].join("."), k));
        }
    }
    if renames.is_empty() {
        return;
    }
    // Names taken: every module that keeps its name, and each new name once.
    let mut taken: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, unit) in units.iter().enumerate() {
        let name = renames
            .get(&i)
            .map_or(unit.facts.module.as_str(), |(n, _)| n.as_str());
        *taken.entry(name).or_default() += 1;
    }
    let clash: BTreeSet<usize> = renames
        .iter()
        .filter(|(_, (n, _))| taken.get(n.as_str()).copied().unwrap_or(0) > 1)
        .map(|(&i, _)| i)
        .collect();
    // root folder → (first file, files renamed, the imported package)
    let mut roots: BTreeMap<String, (String, u32, String)> = BTreeMap::new();
    for (i, (name, dropped)) in renames {
        if clash.contains(&i) {
            continue;
        }
        let unit = &mut units[i];
        let folder: Vec<&str> = unit.file.rel.split('/').take(dropped).collect();
        let entry = roots.entry(folder.join("/")).or_insert_with(|| {
            let package = name.split('.').next().unwrap_or(&name).to_owned();
            (unit.file.rel.clone(), 0, package)
        });
        entry.1 += 1;
        unit.facts.module = name.into();
    }
    for (folder, (first, files, package)) in roots {
        diagnostics.push(Diagnostic::new(
            &first,
            0,
            Severity::Info,
            format!(
                "source root `{folder}/`: the code imports `{package}`, so its {files} file(s) are named from there (`{package}.…`, not `{}.…`)",
                folder.replace('/', ".")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{Language, SourceFile};
    use seam_facts::python::{Import, PyFile};

    fn unit(rel: &str, imports: &[&str]) -> PythonUnit {
        let facts = PyFile {
            module: seam_facts::ids::module_of_path(rel).into(),
            imports: imports
                .iter()
                .map(|m| Import {
                    scope: Default::default(),
                    line: 1,
                    module: (*m).into(),
                    level: 0,
                    name: None,
                    alias: None,
                })
                .collect(),
            ..PyFile::default()
        };
        PythonUnit {
            file: SourceFile {
                rel: rel.to_owned(),
                path: rel.into(),
                language: Language::Python,
                tags: Vec::new(),
                size: 0,
            },
            facts,
            sql: Vec::new(),
        }
    }

    fn modules(units: &[PythonUnit]) -> Vec<&str> {
        units.iter().map(|u| u.facts.module.as_str()).collect()
    }

    #[test]
    fn a_package_below_a_plain_folder_is_named_as_imported() {
        let mut units = vec![
            unit("src/calibre/__init__.py", &["app.main"]),
            unit("src/calibre/app/__init__.py", &[]),
            unit("src/calibre/app/web.py", &["app.db", "flask"]),
            unit("src/calibre/app/db.py", &[]),
            unit("tests/test_web.py", &["app.web"]),
        ];
        let mut d = Vec::new();
        assign(&mut units, &mut d);
        assert_eq!(
            modules(&units),
            ["src.calibre", "app", "app.web", "app.db", "tests.test_web"]
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].message.contains("src/calibre/"), "{}", d[0].message);
    }

    #[test]
    fn imported_top_level_packages_and_lone_modules_keep_their_names() {
        let mut units = vec![
            unit("shop/__init__.py", &[]),
            unit("shop/views.py", &["shop.models"]),
            unit("scripts/manage.py", &["manage"]),
        ];
        let mut d = Vec::new();
        assign(&mut units, &mut d);
        assert_eq!(modules(&units), ["shop", "shop.views", "scripts.manage"]);
        assert!(d.is_empty());
    }

    #[test]
    fn two_trees_that_would_share_a_name_keep_their_paths() {
        let mut units = vec![
            unit("services/api/app/__init__.py", &["app.x"]),
            unit("services/api/app/x.py", &[]),
            unit("services/worker/app/__init__.py", &[]),
            unit("services/worker/app/x.py", &[]),
        ];
        let mut d = Vec::new();
        assign(&mut units, &mut d);
        assert_eq!(
            modules(&units),
            [
                "services.api.app",
                "services.api.app.x",
                "services.worker.app",
                "services.worker.app.x"
            ]
        );
    }
}
