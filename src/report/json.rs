//! The JSON document (the contract): the [`Analysis`] as serde serialises it, pretty-printed,
//! with a trailing newline. Deterministic because every collection in it is sorted.

use std::io::{self, Write};

use crate::analysis::Analysis;

pub fn render_json(analysis: &Analysis, out: &mut dyn Write) -> io::Result<()> {
    let mut w = io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut w, analysis).map_err(io::Error::other)?;
    w.write_all(b"\n")?;
    w.flush()
}
