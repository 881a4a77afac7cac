//! The JSON document (the contract): the [`Document`] as serde serialises it, pretty-printed,
//! with a trailing newline. Deterministic because every collection in it is sorted.

use std::io::{self, Write};

use super::Document;

pub fn render_json(doc: &Document<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut w = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut w, doc).map_err(io::Error::other)?;
    w.write_all(b"\n")?;
    w.flush()
}
