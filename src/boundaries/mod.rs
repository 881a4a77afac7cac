//! Accepted boundaries: `seam.toml` (written by `seam init` from the proposal, edited by the
//! team), the code placed under it, and the dependencies it does not allow (`seam check`).

pub mod check;
pub mod config;
pub mod init;
pub mod pattern;

pub use check::{Assignment, Violation, assign, crossings, violations};
pub use config::{Boundaries, ConfigError, parse};

use std::collections::BTreeSet;

/// A baseline: the violations accepted so far (by key, without lines), one per line.
pub fn read_baseline(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

pub fn write_baseline(vs: &[Violation]) -> String {
    let mut out = String::from(
        "# seam check baseline: known violations (kind from -> to). `seam check --baseline`\n\
         # fails only on violations not listed here.\n",
    );
    let keys: BTreeSet<String> = vs.iter().map(Violation::key).collect();
    for k in keys {
        out.push_str(&k);
        out.push('\n');
    }
    out
}

/// GitHub workflow annotations, one per evidence line.
pub fn github(vs: &[Violation]) -> String {
    let mut out = String::new();
    for v in vs {
        for e in &v.evidence {
            out.push_str(&format!(
                "::error file={},line={},title=seam boundary::{}\n",
                escape_github(&e.file),
                e.line,
                escape_github(&v.message())
            ));
        }
    }
    out
}

fn escape_github(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// SARIF 2.1.0, one result per evidence line.
pub fn sarif(vs: &[Violation]) -> serde_json::Value {
    let results: Vec<serde_json::Value> = vs
        .iter()
        .flat_map(|v| {
            v.evidence.iter().map(move |e| {
                serde_json::json!({
                    "ruleId": format!("seam/{}", v.kind),
                    "level": "error",
                    "message": { "text": v.message() },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": { "uri": e.file },
                            "region": { "startLine": e.line }
                        }
                    }],
                    "partialFingerprints": { "seamKey": v.key() }
                })
            })
        })
        .collect();
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "seam",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": [
                    { "id": "seam/call", "shortDescription": { "text": "A call across a service boundary that seam.toml does not allow" } },
                    { "id": "seam/reads", "shortDescription": { "text": "A read of a table another service owns" } },
                    { "id": "seam/writes", "shortDescription": { "text": "A write to a table another service owns" } }
                ]
            }},
            "results": results
        }]
    })
}
