//! Configuration constants (`AUTH_URL_PREFIX = "/auth"` in a config module or class), so that
//! `url_prefix=app.config["AUTH_URL_PREFIX"]` can be read statically. Defaults only: a value
//! overridden at deploy time cannot be seen, and the report says which key was used.

use rustc_hash::FxHashMap as HashMap;

use seam_facts::python::Expr;

use crate::load::PythonUnit;

#[derive(Debug, Default)]
pub(crate) struct Config {
    values: HashMap<String, (u8, String)>,
}

impl Config {
    pub fn build(units: &[PythonUnit]) -> Self {
        let mut values: HashMap<String, (u8, String)> = HashMap::default();
        for unit in units {
            let rel = unit.file.rel.to_ascii_lowercase();
            let priority = if rel.contains("config") || rel.contains("settings") {
                2
            } else {
                1
            };
            let class_scopes: Vec<&str> = unit
                .facts
                .defs
                .iter()
                .filter(|d| {
                    d.kind == seam_facts::python::DefKind::Class && !d.qualname.contains('.')
                })
                .map(|d| d.qualname.as_str())
                .collect();
            for assign in &unit.facts.assigns {
                if !(assign.scope.is_empty() || class_scopes.contains(&assign.scope.as_str())) {
                    continue;
                }
                let value = match &assign.value {
                    Expr::Str(s) => s,
                    Expr::Const(c) if c.starts_with(|ch: char| ch.is_ascii_digit()) => c,
                    _ => continue,
                };
                let [name] = &assign.targets[..] else {
                    continue;
                };
                if !name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                {
                    continue;
                }
                // Units come sorted, so the first of equal priority wins deterministically.
                match values.get(name.as_str()) {
                    Some((p, _)) if *p >= priority => {}
                    _ => {
                        values.insert(name.to_string(), (priority, value.to_string()));
                    }
                }
            }
        }
        Self { values }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(|(_, v)| v.as_str())
    }

    /// `/api/{API_VERSION}` (an f-string) → `/api/1` when `API_VERSION` is a known constant;
    /// other holes stay as written.
    pub fn interpolate(&self, s: &str) -> String {
        if !s.contains('{') {
            return s.to_owned();
        }
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open..];
            match after.find('}') {
                Some(close) => {
                    let inner = after[1..close].trim();
                    let key = inner.rsplit('.').next().unwrap_or(inner);
                    match self.get(key) {
                        Some(v) if !v.contains('{') => out.push_str(v),
                        _ => out.push_str(&after[..=close]),
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    out.push_str(after);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// A string an expression denotes: a literal, `config["KEY"]`, `config.get("KEY")`, or a
    /// constant by name. `None` when unknown.
    pub fn string(&self, e: &Expr) -> Option<String> {
        match e {
            Expr::Str(s) => Some(self.interpolate(s)),
            // A `.format` template without fields; one with fields needs its arguments.
            Expr::Format { template, .. } if !template.contains('{') => Some(template.to_string()),
            // `API_PREFIX + "/users"`: every part known.
            Expr::Concat(parts) => parts.iter().map(|p| self.string(p)).collect(),
            Expr::Subscript { value, key } if value.ends_with("config") => match &**key {
                Expr::Str(k) => self.get(k).map(str::to_owned),
                _ => None,
            },
            Expr::Call { callee, args } if callee.ends_with("config.get") => {
                match args.first().map(|a| &a.value) {
                    Some(Expr::Str(k)) => self.get(k).map(str::to_owned).or_else(|| {
                        match args.get(1).map(|a| &a.value) {
                            Some(Expr::Str(default)) => Some(default.to_string()),
                            _ => None,
                        }
                    }),
                    _ => None,
                }
            }
            Expr::Name(n) => self
                .get(n.rsplit('.').next().unwrap_or(n))
                .map(str::to_owned),
            _ => None,
        }
    }
}
