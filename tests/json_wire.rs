//! The JSON document's wire form (schema 2, `report::wire`) loses nothing: on every fixture and
//! on a tree with the shapes the rules skip over (a factory-made class, evidence in another
//! file), reading the document back gives the analysis itself, field for field.

mod common;

use std::path::Path;

use seam::report::{Document, render_json, wire};
use serde_json::Value;

fn round_trip(root: &Path) -> (Value, usize, usize) {
    let options = seam::Options {
        threads: 2,
        max_file_size: seam::load::DEFAULT_MAX_FILE_SIZE,
        cache: false,
    };
    let analysis = seam::analyze(root, &options);
    let doc = Document {
        analysis: &analysis,
        proposal: None,
        advice: None,
        accepted: None,
    };
    let mut out = Vec::new();
    render_json(&doc, &mut out).unwrap();
    let written: Value = serde_json::from_slice(&out).expect("the document is JSON");
    let back = wire::read_back(&written).unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    let full = serde_json::to_value(&analysis).unwrap();
    assert_eq!(
        back["nodes"],
        full["nodes"],
        "{}: nodes read back",
        root.display()
    );
    let (b, f) = (
        back["edges"].as_array().unwrap(),
        full["edges"].as_array().unwrap(),
    );
    if let Some(i) = (0..b.len().max(f.len())).find(|&i| b.get(i) != f.get(i)) {
        panic!(
            "{}: edge {i} read back as {:?}, was {:?}",
            root.display(),
            b.get(i),
            f.get(i)
        );
    }
    assert_eq!(back, full, "{}: the document read back", root.display());
    let v1 = serde_json::to_vec_pretty(&full).unwrap().len();
    (written, out.len(), v1)
}

#[test]
fn every_fixture_reads_back_to_its_analysis() {
    let dir = common::manifest_dir().join("fixtures");
    let mut fixtures: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 10, "fixtures: {fixtures:?}");
    let (mut total, mut total_v1) = (0, 0);
    for f in fixtures {
        let (written, bytes, v1) = round_trip(&f);
        // The rules fire: no edge writes its count or its files in full.
        let edges = written["edges"].as_array().unwrap();
        assert!(
            edges
                .iter()
                .all(|e| e.get("count").is_none() && e.get("evidence").is_none()),
            "{}",
            f.display()
        );
        assert!(bytes < v1, "{}: {bytes} bytes, v1 {v1}", f.display());
        total += bytes;
        total_v1 += v1;
    }
    // Pretty-printed, with every field, the fixtures' documents were more than twice as long.
    assert!(total * 2 < total_v1, "{total} bytes, v1 {total_v1}");
}

#[test]
fn factory_classes_and_evidence_elsewhere_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    // A model class made by type() inside a mixin method: contained by the method, not by
    // the module its id names.
    write(
        "app/models.py",
        "from sqlalchemy import Column, Integer, ForeignKey\n\
         from sqlalchemy.orm import declarative_base, declared_attr\n\
         Base = declarative_base()\n\
         class HasAddresses:\n\
         \x20   @declared_attr\n\
         \x20   def addresses(cls):\n\
         \x20       cls.Address = type(\n\
         \x20           f\"{cls.__name__}Address\",\n\
         \x20           (Base,),\n\
         \x20           dict(__tablename__=f\"{cls.__tablename__}_address\", id=Column(Integer, primary_key=True)),\n\
         \x20       )\n\
         \x20       return cls.Address\n\
         class Customer(HasAddresses, Base):\n\
         \x20   __tablename__ = 'customer'\n\
         \x20   id = Column(Integer, primary_key=True)\n",
    );
    // A decorator applied in another file: a `wraps` edge whose evidence is the decorated
    // def's file.
    write(
        "app/deco.py",
        "import functools\n\
         def logged(f):\n\
         \x20   @functools.wraps(f)\n\
         \x20   def inner(*a, **k):\n\
         \x20       return f(*a, **k)\n\
         \x20   return inner\n",
    );
    write(
        "app/views.py",
        "from app.deco import logged\n\
         @logged\n\
         def show():\n\
         \x20   return 1\n\
         def other():\n\
         \x20   show()\n",
    );
    write("app/__init__.py", "");
    let (written, _, _) = round_trip(dir.path());
    let edges = written["edges"].as_array().unwrap();
    assert!(
        edges.iter().any(|e| e.get("elsewhere").is_some()),
        "some evidence is in another file than its `from`: {edges:?}"
    );
    assert!(
        edges.iter().any(|e| e["kind"] == "contains"
            && e["from"] == "app.models:HasAddresses.addresses"
            && e["to"] == "app.models:CustomerAddress"),
        "the factory's class is contained by the method that makes it: {edges:?}"
    );
}
