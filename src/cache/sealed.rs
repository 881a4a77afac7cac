//! A cache file trusted only whole. Its first line is `MAGIC FORMAT BUILD KEY CHECKSUM`:
//! what the file is, the layout of its body, the seam that wrote it (its build,
//! `meta::build`: a rebuilt seam never trusts what another build cached), what it was made
//! from (`-` when the body says so itself) and the xxh3 hash of the body. A file that is
//! foreign, from another layout or seam, cut short or altered is refused with a reason, never
//! trusted; it is written to a temporary file in the same folder and renamed over the old one,
//! so a crash mid-write leaves the old file or the new, never half of one.

use std::io::Write as _;
use std::path::Path;

/// What a sealed file is: its magic word and body layout.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kind {
    pub magic: &'static str,
    pub format: u32,
}

/// What reading a sealed file found.
#[derive(Debug)]
pub(crate) enum Read {
    /// No file: a first run.
    Missing,
    /// A good file made from other inputs (its key differs): stale, not wrong.
    Stale,
    /// A good file for `key`: its body.
    Body(String),
    /// A file that cannot be trusted, and why.
    Refused(String),
}

/// The body of the file at `path` if it is a good `kind` file for `key`.
pub(crate) fn read(path: &Path, kind: Kind, key: &str) -> Read {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Read::Missing,
        Err(e) => return Read::Refused(format!("cannot be read ({e})")),
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Read::Refused("not UTF-8: not a seam cache".to_owned());
    };
    let Some((head, body)) = text.split_once('\n') else {
        return Read::Refused("no header: not a seam cache".to_owned());
    };
    let mut parts = head.split(' ');
    if parts.next() != Some(kind.magic) {
        return Read::Refused(format!("not a {}", kind.magic));
    }
    let format = parts.next().unwrap_or("");
    let build = parts.next().unwrap_or("");
    if format != kind.format.to_string() || build != crate::meta::build() {
        return Read::Refused(format!(
            "written by another build of seam ({build}, format {format}; this is {}, format {})",
            crate::meta::build(),
            kind.format
        ));
    }
    let made_from = parts.next().unwrap_or("");
    if format!("{:016x}", checksum(body.as_bytes())) != parts.next().unwrap_or("") {
        return Read::Refused("cut short or altered (its checksum does not match)".to_owned());
    }
    if made_from != key {
        return Read::Stale;
    }
    let start = head.len() + 1;
    let mut text = text;
    text.drain(..start);
    Read::Body(text)
}

/// Writes `body` as a good `kind` file for `key` at `path` (its folder created).
pub(crate) fn write(path: &Path, kind: Kind, key: &str, body: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().expect("a cache file is in a folder");
    std::fs::create_dir_all(dir)?;
    let head = format!(
        "{} {} {} {key} {:016x}\n",
        kind.magic,
        kind.format,
        crate::meta::build(),
        checksum(body)
    );
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    // Unique per process and per write: two threads writing one cache never share a file.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!("{name}.{}.{n}.tmp", std::process::id()));
    let result = (|| {
        let mut out = std::fs::File::create(&tmp)?;
        out.write_all(head.as_bytes())?;
        out.write_all(body)?;
        // No fsync: a file the disk lost part of fails its checksum and is rebuilt.
        drop(out);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        std::fs::remove_file(&tmp).ok();
    }
    result
}

fn checksum(body: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: Kind = Kind {
        magic: "seam-test",
        format: 1,
    };

    #[test]
    fn a_good_file_reads_back_and_a_bad_one_is_refused_never_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/f");
        assert!(matches!(read(&path, KIND, "k"), Read::Missing));
        write(&path, KIND, "k", b"body\nmore").unwrap();
        assert!(matches!(read(&path, KIND, "k"), Read::Body(b) if b == "body\nmore"));
        assert!(matches!(read(&path, KIND, "other"), Read::Stale));
        let other = Kind {
            magic: KIND.magic,
            format: 2,
        };
        assert!(matches!(read(&path, other, "k"), Read::Refused(_)));
        let good = std::fs::read(&path).unwrap();
        let cut = &good[..good.len() - 2];
        let mut altered = good.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        let old_seam = String::from_utf8(good.clone()).unwrap().replacen(
            env!("CARGO_PKG_VERSION"),
            "0.0.0-old",
            1,
        );
        for (what, bytes) in [
            ("cut short", cut.to_vec()),
            ("altered", altered),
            ("foreign", b"PK\x03\x04 a zip file".to_vec()),
            ("another seam", old_seam.into_bytes()),
            ("empty", Vec::new()),
            ("not UTF-8", vec![0xff, 0xfe, b'\n']),
        ] {
            std::fs::write(&path, bytes).unwrap();
            assert!(
                matches!(read(&path, KIND, "k"), Read::Refused(_)),
                "{what}: refused"
            );
        }
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }
}
