//! The JSON output is a pure function of the analysed tree: byte-identical across runs, the
//! same whether written to stdout or with `-o FILE`, and independent of how PATH is spelled.

mod common;

use std::ffi::OsStr;

use common::*;

const FIXTURES: &[&str] = &["shop_blueprints", "classic_monolith", "route_binding"];

fn json_bytes(cwd: &std::path::Path, path: &OsStr) -> Vec<u8> {
    let out = run_in(
        cwd,
        [
            OsStr::new("analyze"),
            path,
            OsStr::new("--format"),
            OsStr::new("json"),
        ],
    );
    let _ = expect_json(&out, &format!("seam analyze {}", path.to_string_lossy()));
    out.stdout
}

fn first_difference(a: &[u8], b: &[u8]) -> String {
    let i = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let ctx = |v: &[u8]| {
        String::from_utf8_lossy(&v[i.saturating_sub(80)..(i + 80).min(v.len())]).into_owned()
    };
    format!(
        "lengths {} / {}, first difference at byte {i}:\n  {}\n  {}",
        a.len(),
        b.len(),
        ctx(a),
        ctx(b)
    )
}

#[test]
fn two_runs_print_the_same_bytes() {
    for name in FIXTURES {
        let path = fixture(name);
        let a = json_bytes(&manifest_dir(), path.as_os_str());
        let b = json_bytes(&manifest_dir(), path.as_os_str());
        assert!(a == b, "{name}: runs differ; {}", first_difference(&a, &b));
    }
}

#[test]
fn output_file_holds_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for name in FIXTURES {
        let path = fixture(name);
        let expected = json_bytes(&manifest_dir(), path.as_os_str());
        let file = dir.path().join(format!("{name}.json"));
        let out = run([
            OsStr::new("analyze"),
            path.as_os_str(),
            OsStr::new("--format"),
            OsStr::new("json"),
            OsStr::new("-o"),
            file.as_os_str(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name} -o: stderr:\n{}",
            stderr_of(&out)
        );
        let written =
            std::fs::read(&file).unwrap_or_else(|e| panic!("{name}: -o wrote no file: {e}"));
        assert!(
            written == expected,
            "{name}: -o file differs from stdout; {}",
            first_difference(&written, &expected)
        );
        // The JSON went to the file instead of stdout.
        assert!(
            !String::from_utf8_lossy(&out.stdout)
                .trim_start()
                .starts_with('{'),
            "{name}: with -o the JSON is still printed on stdout"
        );
    }
}

#[test]
fn output_does_not_depend_on_how_path_is_spelled() {
    let fixtures_dir = manifest_dir().join("fixtures");
    for name in FIXTURES {
        let absolute = json_bytes(&manifest_dir(), fixture(name).as_os_str());
        let relative = json_bytes(&fixtures_dir, OsStr::new(name));
        assert!(
            absolute == relative,
            "{name}: absolute vs relative PATH; {}",
            first_difference(&absolute, &relative)
        );
        let slash = format!("{name}/");
        let trailing = json_bytes(&fixtures_dir, OsStr::new(&slash));
        assert!(
            absolute == trailing,
            "{name}: PATH with a trailing /; {}",
            first_difference(&absolute, &trailing)
        );
        let dotted = format!("./fixtures/{name}");
        let dotted = json_bytes(&manifest_dir(), OsStr::new(&dotted));
        assert!(
            absolute == dotted,
            "{name}: ./ PATH; {}",
            first_difference(&absolute, &dotted)
        );
    }
}

#[test]
fn output_does_not_depend_on_where_the_tree_lives() {
    // The same tree copied elsewhere: ids and files are relative to PATH.
    let dir = tempfile::tempdir().unwrap();
    for name in FIXTURES {
        let copy = dir.path().join("elsewhere").join(name);
        copy_dir(&fixture(name), &copy);
        let original = json_bytes(&manifest_dir(), fixture(name).as_os_str());
        let copied = json_bytes(&manifest_dir(), copy.as_os_str());
        assert!(
            original == copied,
            "{name}: copy differs; {}",
            first_difference(&original, &copied)
        );
    }
}
