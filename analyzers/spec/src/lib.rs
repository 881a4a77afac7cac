//! Routes declared outside Python, as facts: OpenAPI/Swagger documents (YAML or JSON) whose
//! operations name Python functions (connexion's `operationId`), and protobuf services whose
//! RPCs carry HTTP options, from `.proto` text or from the serialized descriptor protoc
//! writes into `*_pb2.py`. Reading never fails: what cannot be read is left out.

pub mod openapi;
pub mod proto;

use seam_facts::spec::SpecFile;

/// Whether a file (by its `/`-separated relative path) may declare routes, by name alone.
/// YAML and JSON files are many (translations, data, configuration): only names that say
/// "API" are read, and their text must then look like an OpenAPI document.
pub fn is_spec_path(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    if name.ends_with(".proto") || name.ends_with("_pb2.py") {
        return true;
    }
    let data = name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json");
    data && (name.contains("openapi") || name.contains("swagger") || name.contains("api"))
}

/// The routes one file declares.
pub fn analyze(rel: &str, text: &str) -> SpecFile {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    let (mut operations, mut messages) = if name.ends_with(".proto") {
        proto::from_text(text)
    } else if name.ends_with("_pb2.py") {
        proto::from_generated_python(text)
    } else if name.ends_with(".json") {
        (openapi::from_json(text), Vec::new())
    } else {
        (openapi::from_yaml(text), Vec::new())
    };
    operations.sort();
    operations.dedup();
    messages.sort();
    messages.dedup();
    SpecFile {
        operations,
        messages,
    }
}
