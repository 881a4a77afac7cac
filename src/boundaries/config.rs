//! `seam.toml`: the accepted boundaries a team edits by hand. Parsed with the `toml` crate,
//! keeping the position of every pattern and name so that each error points at its line and
//! column.
//!
//! ```toml
//! version = 1
//!
//! [services.billing]
//! members = ["shop.billing.*", "shop.models:Invoice*"]
//! tables = ["invoices", "payments"]
//! allow = ["identity"]          # services billing may depend on
//!
//! [kernel]
//! members = ["shop.common.*"]
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use toml::Spanned;

use super::pattern::Pattern;

/// The newest `seam.toml` format this seam reads.
pub const VERSION: u32 = 1;

/// A problem in `seam.toml`, at a line and column (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

/// A value with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRule {
    pub name: String,
    pub line: usize,
    pub members: Vec<Located<Pattern>>,
    /// Table ids (`table:<name>`).
    pub tables: Vec<Located<String>>,
    pub allow: Vec<Located<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Boundaries {
    pub services: Vec<ServiceRule>,
    pub kernel: Vec<Located<Pattern>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    version: Option<Spanned<u32>>,
    #[serde(default)]
    services: BTreeMap<String, RawService>,
    kernel: Option<RawKernel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    #[serde(default)]
    members: Vec<Spanned<String>>,
    #[serde(default)]
    tables: Vec<Spanned<String>>,
    #[serde(default)]
    allow: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKernel {
    #[serde(default)]
    members: Vec<Spanned<String>>,
}

/// Line and column (1-based) of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn locate<T>(text: &str, s: &Spanned<T>) -> (usize, usize) {
    // The span of a string includes its opening quote: point at the content.
    position(text, s.span().start + 1)
}

/// Parses and validates; every problem found is returned, in file order.
pub fn parse(text: &str) -> Result<Boundaries, Vec<ConfigError>> {
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let (line, col) = e.span().map_or((1, 1), |s| position(text, s.start));
        vec![ConfigError {
            line,
            col,
            message: e.message().trim().to_owned(),
        }]
    })?;
    let mut errors = Vec::new();
    if let Some(v) = &raw.version
        && *v.get_ref() > VERSION
    {
        let (line, col) = position(text, v.span().start);
        errors.push(ConfigError {
            line,
            col,
            message: format!(
                "version {} is newer than this seam understands ({VERSION}): upgrade seam",
                v.get_ref()
            ),
        });
    }
    let patterns = |list: &[Spanned<String>], errors: &mut Vec<ConfigError>| {
        let mut out = Vec::new();
        for s in list {
            let (line, col) = locate(text, s);
            match Pattern::parse(s.get_ref()) {
                Ok(p) => out.push(Located {
                    value: p,
                    line,
                    col,
                }),
                Err(why) => errors.push(ConfigError {
                    line,
                    col,
                    message: format!("bad pattern `{}`: {why}", s.get_ref()),
                }),
            }
        }
        out
    };
    let mut services = Vec::new();
    for (name, rs) in &raw.services {
        let header = format!("[services.{name}]");
        let line = text.find(&header).map_or(1, |at| position(text, at).0);
        services.push(ServiceRule {
            name: name.clone(),
            line,
            members: patterns(&rs.members, &mut errors),
            tables: rs
                .tables
                .iter()
                .map(|t| {
                    let (line, col) = locate(text, t);
                    let name = t.get_ref().trim_start_matches("table:");
                    Located {
                        value: seam_facts::ids::table_id(name),
                        line,
                        col,
                    }
                })
                .collect(),
            allow: rs
                .allow
                .iter()
                .map(|a| {
                    let (line, col) = locate(text, a);
                    Located {
                        value: a.get_ref().clone(),
                        line,
                        col,
                    }
                })
                .collect(),
        });
    }
    let kernel = raw
        .kernel
        .as_ref()
        .map(|k| patterns(&k.members, &mut errors))
        .unwrap_or_default();
    // Cross-references: allowed services exist; a table has one owner; a pattern belongs to
    // one service.
    let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    let mut owners: BTreeMap<&str, (&str, usize, usize)> = BTreeMap::new();
    let mut texts: BTreeMap<&str, &str> = BTreeMap::new();
    for s in &services {
        for a in &s.allow {
            if a.value == s.name {
                errors.push(ConfigError {
                    line: a.line,
                    col: a.col,
                    message: format!("service `{}` allows itself", s.name),
                });
            } else if !names.contains(&a.value.as_str()) {
                errors.push(ConfigError {
                    line: a.line,
                    col: a.col,
                    message: format!(
                        "unknown service `{}` (services: {})",
                        a.value,
                        names.join(", ")
                    ),
                });
            }
        }
        for t in &s.tables {
            if let Some((other, l, c)) = owners.insert(&t.value, (&s.name, t.line, t.col)) {
                errors.push(ConfigError {
                    line: t.line,
                    col: t.col,
                    message: format!(
                        "table `{}` is already owned by `{other}` (line {l}, column {c})",
                        t.value.trim_start_matches("table:")
                    ),
                });
            }
        }
        for m in &s.members {
            if let Some(other) = texts.insert(&m.value.text, &s.name)
                && other != s.name
            {
                errors.push(ConfigError {
                    line: m.line,
                    col: m.col,
                    message: format!(
                        "pattern `{}` is also a member of `{other}`: a pattern belongs to one service",
                        m.value.text
                    ),
                });
            }
        }
    }
    errors.sort_by_key(|e| (e.line, e.col));
    if errors.is_empty() {
        Ok(Boundaries { services, kernel })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_file_parses_with_positions() {
        let text = "version = 1\n\n[services.billing]\nmembers = [\"shop.billing.*\", \"shop.models:Invoice*\"]\ntables = [\"invoices\"]\nallow = [\"identity\"]\n\n[services.identity]\nmembers = [\"shop.identity.*\"]\n\n[kernel]\nmembers = [\"shop.common.*\"]\n";
        let b = parse(text).unwrap();
        assert_eq!(b.services.len(), 2);
        let billing = &b.services[0];
        assert_eq!(billing.name, "billing");
        assert_eq!(billing.line, 3);
        assert_eq!((billing.members[1].line, billing.members[1].col), (4, 31));
        assert_eq!(billing.tables[0].value, "table:invoices");
        assert_eq!(b.kernel.len(), 1);
    }

    #[test]
    fn errors_point_at_line_and_column() {
        let text = "[services.a]\nmembers = [\"x.*\", \"bad pattern\"]\nallow = [\"nope\"]\ntables = [\"t\"]\n\n[services.b]\nmembers = [\"x.*\"]\ntables = [\"t\"]\n";
        let errs = parse(text).unwrap_err();
        let shown: Vec<String> = errs.iter().map(ToString::to_string).collect();
        assert!(
            shown
                .iter()
                .any(|e| e.starts_with("2:20: bad pattern `bad pattern`")),
            "{shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|e| e.starts_with("3:11: unknown service `nope`")),
            "{shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|e| e.starts_with("7:13: pattern `x.*` is also a member of `a`")),
            "{shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|e| e.starts_with("8:12: table `t` is already owned by `a`")),
            "{shown:?}"
        );
    }

    #[test]
    fn syntax_errors_unknown_keys_and_newer_versions_are_refused() {
        let e = parse("[services.a\nmembers = []\n").unwrap_err();
        assert_eq!(e[0].line, 1);
        let e = parse("[services.a]\nmember = [\"x\"]\n").unwrap_err();
        assert!(e[0].message.contains("member"), "{e:?}");
        assert_eq!(e[0].line, 2);
        let e = parse("version = 7\n").unwrap_err();
        assert!(e[0].message.contains("newer"), "{e:?}");
    }
}
