//! The JSON document (the contract): the [`Document`] with the analysis in its wire form
//! ([`super::wire`]), one record per line, with a trailing newline. Deterministic because every
//! collection in it is sorted.
//!
//! One record per line, not pretty-printed: indenting every field of a million edges made
//! a third of the document whitespace; a line per node, edge or query keeps it readable with
//! `grep` and `diff`, and `jq .` prints it in full.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::Formatter;

use super::Document;
use super::wire::Wire;

pub fn render_json(doc: &Document<'_>, out: &mut dyn Write) -> io::Result<()> {
    #[derive(Serialize)]
    struct Out<'a> {
        #[serde(flatten)]
        analysis: Wire<'a>,
        #[serde(flatten, skip_serializing_if = "Option::is_none")]
        proposal: Option<&'a crate::cluster::Proposal>,
        #[serde(skip_serializing_if = "Option::is_none")]
        advice: Option<&'a crate::advice::Advice>,
        #[serde(skip_serializing_if = "Option::is_none")]
        accepted: Option<&'a super::Accepted>,
    }
    let doc = Out {
        analysis: Wire::new(doc.analysis),
        proposal: doc.proposal,
        advice: doc.advice,
        accepted: doc.accepted,
    };
    let mut w = io::BufWriter::new(out);
    let mut ser = serde_json::Serializer::with_formatter(&mut w, Records::default());
    doc.serialize(&mut ser).map_err(io::Error::other)?;
    w.write_all(b"\n")?;
    w.flush()
}

/// Newlines and indentation for the two outer levels (the document's fields, the elements
/// of its sections); everything deeper is compact.
#[derive(Default)]
struct Records {
    /// For each open array or object: whether it holds a value yet.
    open: Vec<bool>,
}

/// Levels that get a line of their own: the document (1) and its sections (2).
const LINED: usize = 2;

impl Records {
    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.open.push(false);
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        let depth = self.open.len();
        if self.open.pop() == Some(true) && depth <= LINED {
            newline(w, depth - 1)?;
        }
        w.write_all(bracket)
    }

    fn element<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        if let Some(has) = self.open.last_mut() {
            *has = true;
        }
        if !first {
            w.write_all(b",")?;
        }
        let depth = self.open.len();
        if depth <= LINED {
            newline(w, depth)?;
        }
        Ok(())
    }
}

fn newline<W: ?Sized + Write>(w: &mut W, depth: usize) -> io::Result<()> {
    w.write_all(b"\n")?;
    for _ in 0..depth {
        w.write_all(b"  ")?;
    }
    Ok(())
}

impl Formatter for Records {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.element(w, first)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.element(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        let depth = self.open.len();
        w.write_all(if depth <= LINED { b": " } else { b":" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(v: &serde_json::Value) -> String {
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, Records::default());
        v.serialize(&mut ser).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_record_per_line_and_compact_below() {
        let v = serde_json::json!({
            "n": 1,
            "nodes": [{"id": "a", "tags": ["x", "y"]}, {"id": "b", "tags": []}],
            "empty": [],
            "summary": {"k": {"deep": [1, 2]}}
        });
        let text = written(&v);
        assert_eq!(
            text,
            "{\n  \"empty\": [],\n  \"n\": 1,\n  \"nodes\": [\n    {\"id\":\"a\",\"tags\":[\"x\",\"y\"]},\n    {\"id\":\"b\",\"tags\":[]}\n  ],\n  \"summary\": {\n    \"k\": {\"deep\":[1,2]}\n  }\n}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
    }
}
