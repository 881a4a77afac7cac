//! Member patterns of `seam.toml`: which ids a service claims.
//!
//! - `shop.billing.*`: the module `shop.billing`, its submodules, and all their symbols;
//! - `shop.models:Invoice*`: a glob over symbol ids (`*` is any run of characters);
//! - `shop.billing.views`: that module and its symbols (not its submodules);
//! - `shop.models:Invoice.total`: exactly that symbol.
//!
//! When several patterns match one id, the most specific wins (exact id, then a symbol glob
//! with the longest literal text, then a module, then the deepest `.*`), so a service can
//! claim one class out of another service's module.

/// How a pattern matches, with its specificity (higher wins).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `a.b.*`
    Tree(String),
    /// `a.b`
    Module(String),
    /// `a.b:C*` (contains `*`)
    Glob(String),
    /// `a.b:C.f`
    Exact(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub text: String,
    pub kind: Kind,
}

impl Pattern {
    /// Parses one pattern; the error says what is wrong in a few words.
    pub fn parse(text: &str) -> Result<Pattern, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("empty pattern".into());
        }
        if t != text {
            return Err("spaces around the pattern".into());
        }
        if let Some(bad) = t
            .chars()
            .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '.' | ':' | '*' | '-')))
        {
            return Err(format!("`{bad}` cannot appear in a module or symbol id"));
        }
        if t.contains("**") {
            return Err("`**` is not a pattern: `a.b.*` already takes every submodule".into());
        }
        if t.matches(':').count() > 1 {
            return Err("more than one `:` (ids are `module:qualname`)".into());
        }
        if t.starts_with('.') || t.contains("..") || t.ends_with('.') || t.starts_with(':') {
            return Err("an empty module or name segment".into());
        }
        let kind = if let Some(prefix) = t.strip_suffix(".*").filter(|_| !t.contains(':')) {
            if prefix.contains('*') {
                return Err("`*` inside a module name: use `package.*`".into());
            }
            Kind::Tree(prefix.to_owned())
        } else if t.contains(':') {
            if t.contains('*') {
                Kind::Glob(t.to_owned())
            } else {
                Kind::Exact(t.to_owned())
            }
        } else if t.contains('*') {
            return Err("`*` in a module pattern must be the last segment (`package.*`)".into());
        } else {
            Kind::Module(t.to_owned())
        };
        Ok(Pattern {
            text: t.to_owned(),
            kind,
        })
    }

    /// The specificity with which this pattern matches `id`, or `None`.
    pub fn matches(&self, id: &str) -> Option<u32> {
        let module = id.split_once(':').map_or(id, |(m, _)| m);
        match &self.kind {
            Kind::Exact(e) => (e == id).then_some(4_000),
            Kind::Glob(g) => glob(g, id).then(|| 2_000 + g.replace('*', "").len() as u32),
            Kind::Module(m) => (module == m).then_some(1_000),
            Kind::Tree(p) => (module == p || module.starts_with(&format!("{p}.")))
                .then(|| p.matches('.').count() as u32 + 1),
        }
    }
}

/// `*` matches any run of characters (including none); everything else literally.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Pattern {
        Pattern::parse(s).unwrap()
    }

    #[test]
    fn kinds_and_matches() {
        assert!(
            p("shop.billing.*")
                .matches("shop.billing.views:pay")
                .is_some()
        );
        assert!(p("shop.billing.*").matches("shop.billing").is_some());
        assert!(p("shop.billing.*").matches("shop.billingx:f").is_none());
        assert!(p("shop.billing").matches("shop.billing:f").is_some());
        assert!(p("shop.billing").matches("shop.billing.views:f").is_none());
        assert!(
            p("shop.models:Invoice*")
                .matches("shop.models:Invoice.total")
                .is_some()
        );
        assert!(
            p("shop.models:Invoice*")
                .matches("shop.models:User")
                .is_none()
        );
        assert!(p("m:a*b*c").matches("m:a__b__c").is_some());
        assert!(p("m:a*b*c").matches("m:a__c").is_none());
        assert!(p("m:C.f").matches("m:C.f").is_some());
        assert!(p("m:C.f").matches("m:C.fg").is_none());
    }

    #[test]
    fn the_most_specific_pattern_wins() {
        let id = "shop.models:Invoice.total";
        let exact = p("shop.models:Invoice.total").matches(id).unwrap();
        let glob = p("shop.models:Invoice*").matches(id).unwrap();
        let module = p("shop.models").matches(id).unwrap();
        let tree = p("shop.*").matches(id).unwrap();
        assert!(exact > glob && glob > module && module > tree);
        assert!(p("shop.models.*").matches(id).unwrap() > tree);
    }

    #[test]
    fn bad_patterns_say_why() {
        for bad in [
            "", " a", "a b", "a.**", "a:b:c", ".a", "a..b", "a*.b", "a.b*", "a/b",
        ] {
            assert!(Pattern::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
