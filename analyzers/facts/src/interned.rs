//! The strings of the fact model: every name, callee, target and scope of a fact is an
//! interned string, one copy per distinct text for the whole run.
//!
//! A large tree holds about 105 000 fact strings per MB of source, all at once, until
//! resolution ends, and most of them repeat (`self`, `db.session`, a method's qualname in
//! every fact of its scope). Interned, a string is one pointer (8 bytes, the same in an
//! `Option`), where an inline string took 24 and a longer one a heap block as well.
//!
//! The cost is that interned text is never freed: a run's distinct strings stay until the
//! process ends (with the few that resolution builds for a lookup, `module.name`). seam runs
//! once per command; the history backfill analyses many commits of one repository in a
//! process, whose strings are mostly the same from commit to commit. A fuzzing campaign grows
//! the cache with every input it tries (see the README's fuzzing notes).

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ustr::Ustr;

/// An interned string of the fact model. It reads, compares, orders, hashes and serialises
/// as the text it holds (hashing as `str` does, so a map keyed by names is looked up by
/// `&str` and iterates in the order it did when names were owned strings); equality is a
/// pointer comparison, since equal texts are one entry.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Name(Ustr);

impl Name {
    pub fn new(text: &str) -> Self {
        Name(Ustr::from(text))
    }

    pub fn as_str(&self) -> &'static str {
        self.0.as_str()
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.0.as_str()
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.0.as_str()
    }
}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.0 == other.0 {
            return Ordering::Equal;
        }
        self.as_str().cmp(other.as_str())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for Name {
    fn from(text: &str) -> Self {
        Name::new(text)
    }
}

impl From<&String> for Name {
    fn from(text: &String) -> Self {
        Name::new(text)
    }
}

impl From<String> for Name {
    fn from(text: String) -> Self {
        Name::new(&text)
    }
}

impl From<Name> for String {
    fn from(name: Name) -> Self {
        name.as_str().to_owned()
    }
}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Name {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Name> for String {
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = Name;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Name, E> {
                Ok(Name::new(text))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_are_one_entry_and_compare_as_text() {
        let owned = String::from("db.session");
        let a = Name::from("db.session");
        let b = Name::from(&owned);
        assert_eq!(a, b);
        assert!(std::ptr::eq(a.as_str(), b.as_str()));
        assert_eq!(a, "db.session");
        assert!(Name::from("a.b") < Name::from("a.c"));
        assert_eq!(std::mem::size_of::<Option<Name>>(), 8);
    }

    #[test]
    fn a_name_hashes_as_its_text() {
        let mut names = std::collections::HashMap::new();
        names.insert(Name::from("User.query"), 1);
        assert_eq!(names.get("User.query"), Some(&1));
    }

    #[test]
    fn a_name_serialises_as_its_string() {
        let name = Name::from("bp.route");
        let json = serde_json::to_string(&name).unwrap();
        assert_eq!(json, "\"bp.route\"");
        let back: Name = serde_json::from_str(&json).unwrap();
        assert_eq!(back, name);
        let escaped: Name = serde_json::from_str("\"a\\nb\"").unwrap();
        assert_eq!(escaped, "a\nb");
    }
}
