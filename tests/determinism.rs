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

/// The facts cache changes nothing but the time: a cold run (which writes the cache), a warm
/// run (which reads it), a run after one file changed, and `--no-cache` give the same bytes;
/// the cache lands under PATH/.seam/cache/.
#[test]
fn output_is_byte_identical_with_and_without_the_facts_cache() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("app");
    copy_dir(&fixture("classic_monolith"), &repo);
    let json = |cached: bool, extra: &[&str]| {
        let mut args = vec!["analyze", repo.to_str().unwrap(), "--format", "json"];
        args.extend_from_slice(extra);
        let out = if cached {
            run_cached_in(&manifest_dir(), &args)
        } else {
            run_in(&manifest_dir(), &args)
        };
        assert!(out.status.success(), "{}", stderr_of(&out));
        assert!(stderr_of(&out).is_empty(), "{}", stderr_of(&out));
        out.stdout
    };
    let uncached = json(false, &[]);
    let cold = json(true, &[]);
    let cache = repo.join(".seam/cache/facts.jsonl");
    assert!(cache.is_file(), "the cold run wrote the cache");
    let warm = json(true, &[]);
    assert_eq!(cold, uncached);
    assert_eq!(warm, uncached);
    assert_eq!(json(true, &["--no-cache"]), uncached);
    // One file changes: its facts are parsed again, the others read.
    let some_py = first_python_file(&repo);
    let mut text = std::fs::read_to_string(&some_py).unwrap();
    text.push_str("\n\ndef added_by_the_test():\n    return 1\n# a note\n");
    std::fs::write(&some_py, text).unwrap();
    let changed_uncached = json(false, &[]);
    assert_ne!(changed_uncached, uncached);
    assert_eq!(json(true, &[]), changed_uncached);
    // A corrupt cache is refused with a word on stderr and rebuilt, never trusted.
    std::fs::write(
        &cache,
        "seam-facts-cache 1 0.1.0 0000000000000000\ngarbage\n",
    )
    .unwrap();
    let out = run_cached_in(
        &manifest_dir(),
        ["analyze", repo.to_str().unwrap(), "--format", "json"],
    );
    assert!(out.status.success());
    assert_eq!(out.stdout, changed_uncached);
    assert!(
        stderr_of(&out).contains("ignoring the facts cache"),
        "{}",
        stderr_of(&out)
    );
    assert!(
        std::fs::read_to_string(&cache).unwrap().lines().count() > 2,
        "rebuilt"
    );

    // The analysis memo and the partitions: a comment reworded in place (same length: the
    // summary counts bytes) changes the file but not its facts, so the memo holds (it is not
    // rewritten) and the output is the same bytes.
    let memo = repo.join(".seam/cache/analysis.json");
    let partitions = repo.join(".seam/cache/partitions");
    assert!(memo.is_file() && partitions.is_file());
    let memo_time = std::fs::metadata(&memo).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&some_py).unwrap();
    std::fs::write(&some_py, text.replace("# a note", "# b note")).unwrap();
    assert_eq!(json(true, &[]), changed_uncached);
    assert_eq!(
        std::fs::metadata(&memo).unwrap().modified().unwrap(),
        memo_time,
        "the memo held: not rewritten"
    );
    assert_eq!(json(false, &[]), changed_uncached);
    // Either file corrupt: refused with a word on stderr, rebuilt, never trusted.
    for (file, word) in [
        (&memo, "ignoring the analysis memo"),
        (&partitions, "ignoring the partitions cache"),
    ] {
        let good = std::fs::read(file).unwrap();
        let mut bad = good.clone();
        let last = bad.len() - 2;
        bad[last] ^= 1;
        std::fs::write(file, &bad).unwrap();
        let out = run_cached_in(
            &manifest_dir(),
            ["analyze", repo.to_str().unwrap(), "--format", "json"],
        );
        assert!(out.status.success());
        assert_eq!(out.stdout, changed_uncached, "{word}");
        assert!(stderr_of(&out).contains(word), "{}", stderr_of(&out));
        assert_eq!(
            std::fs::read(file).unwrap(),
            good,
            "{word}: rebuilt as it was"
        );
    }
}

/// The caches on a real application (FlaskBB, fetched at test time): a cold run, a warm run
/// (the analysis memo and the partitions read back) and a run after one file gained a
/// function give the bytes of runs without the caches.
#[test]
fn the_caches_change_nothing_on_a_real_application() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("flaskbb");
    copy_dir(&fetch_corpus_app("flaskbb"), &repo);
    let json = |cached: bool| {
        let args = ["analyze", repo.to_str().unwrap(), "--format", "json"];
        let out = if cached {
            run_cached_in(&manifest_dir(), args)
        } else {
            run_in(&manifest_dir(), args)
        };
        assert!(out.status.success(), "{}", stderr_of(&out));
        out.stdout
    };
    let uncached = json(false);
    assert_eq!(json(true), uncached, "cold, writing the caches");
    assert!(repo.join(".seam/cache/analysis.json").is_file());
    assert_eq!(json(true), uncached, "warm, reading them");
    let some_py = first_python_file(&repo.join("flaskbb"));
    let mut text = std::fs::read_to_string(&some_py).unwrap();
    text.push_str("\n\ndef added_by_the_test(x):\n    return x\n");
    std::fs::write(&some_py, text).unwrap();
    let edited = json(false);
    assert_ne!(edited, uncached);
    assert_eq!(json(true), edited, "after an edit");
}

fn first_python_file(dir: &std::path::Path) -> std::path::PathBuf {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in &entries {
        if p.extension().is_some_and(|e| e == "py") && std::fs::metadata(p).unwrap().len() > 0 {
            return p.clone();
        }
    }
    for p in entries.iter().filter(|p| p.is_dir()) {
        if !p.ends_with(".seam") {
            return first_python_file(p);
        }
    }
    panic!("no Python file under {}", dir.display())
}
