//! OpenAPI 3 / Swagger 2 operations with their `operationId`, as connexion binds them: the id
//! is a dotted Python function (`api.pets.get_pet`), or a bare name under the operation's or
//! path's `x-openapi-router-controller` / `x-swagger-router-controller`. The base path is
//! Swagger's `basePath` or the path of OpenAPI's first `servers` URL.
//!
//! YAML is read by a block-structure scanner of its own rather than a YAML library: seam needs
//! four levels of keys (`paths` → path → method → `operationId`) and the line of each
//! operation, which a serde-level YAML reader does not give; flow-style mappings, anchors and
//! multi-document files are not read.

use seam_facts::spec::{Operation, Target};

const METHODS: &[&str] = &["get", "put", "post", "delete", "patch", "options", "head"];
const CONTROLLER_KEYS: &[&str] = &["x-openapi-router-controller", "x-swagger-router-controller"];

/// One operation before its controller is known.
#[derive(Debug, Default)]
struct Raw {
    line: u32,
    path: String,
    method: String,
    operation_id: Option<String>,
    controller: Option<String>,
}

fn finish(
    raws: Vec<Raw>,
    path_controllers: &[(String, String)],
    base_path: &str,
) -> Vec<Operation> {
    raws.into_iter()
        .filter_map(|r| {
            let id = r.operation_id?;
            let controller = r.controller.or_else(|| {
                path_controllers
                    .iter()
                    .find(|(p, _)| *p == r.path)
                    .map(|(_, c)| c.clone())
            });
            let operation_id = match controller {
                Some(c) if !c.is_empty() => format!("{c}.{id}"),
                _ => id,
            };
            Some(Operation {
                line: r.line,
                method: r.method.to_uppercase(),
                path: r.path,
                target: Target::Operation {
                    operation_id,
                    base_path: base_path.to_owned(),
                },
            })
        })
        .collect()
}

/// The path part of a server URL (`https://api.example.com/v1` → `/v1`).
fn url_path(url: &str) -> String {
    let rest = match url.find("://") {
        Some(i) => {
            let after = &url[i + 3..];
            after.find('/').map_or("", |j| &after[j..])
        }
        None => url,
    };
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() || rest.contains('{') {
        String::new()
    } else {
        rest.to_owned()
    }
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    let s = match s.find(" #") {
        Some(i) if !s.starts_with('"') && !s.starts_with('\'') => s[..i].trim_end(),
        _ => s,
    };
    if s.len() >= 2
        && ((s.starts_with('"') && s.ends_with('"')) || (s.starts_with('\'') && s.ends_with('\'')))
    {
        s[1..s.len() - 1].to_owned()
    } else {
        s.to_owned()
    }
}

/// Operations of a YAML OpenAPI document.
pub fn from_yaml(text: &str) -> Vec<Operation> {
    if !text.contains("operationId") || !text.contains("paths") {
        return Vec::new();
    }
    // The stack of (indent, key) of the mapping keys enclosing the current line.
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut raws: Vec<Raw> = Vec::new();
    let mut path_controllers: Vec<(String, String)> = Vec::new();
    let mut base_path = String::new();
    let mut servers_seen = false;
    let mut block_scalar: Option<usize> = None;
    for (n, raw_line) in text.lines().enumerate() {
        let line = n as u32 + 1;
        let trimmed = raw_line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let mut indent = raw_line.len() - trimmed.len();
        if let Some(bi) = block_scalar {
            if indent > bi {
                continue;
            }
            block_scalar = None;
        }
        if trimmed.starts_with("---") && indent == 0 && !stack.is_empty() {
            break;
        }
        // `- key: value`: a list item holding a mapping; its keys sit two columns further.
        let mut body = trimmed;
        let mut item = false;
        while let Some(rest) = body.strip_prefix("- ") {
            body = rest.trim_start();
            indent += 2;
            item = true;
        }
        let Some(colon) = key_colon(body) else {
            continue;
        };
        let key = unquote(&body[..colon]);
        let value = body[colon + 1..].trim();
        if value.starts_with('|') || value.starts_with('>') {
            block_scalar = Some(indent);
        }
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        let depth = stack.len();
        let top = stack.first().map(|(_, k)| k.as_str());
        let value_s = unquote(value);
        match (top, depth) {
            (None, 0) if key == "basePath" => base_path = url_path(&value_s),
            (Some("servers"), 1) if key == "url" && item && !servers_seen => {
                servers_seen = true;
                base_path = url_path(&value_s);
            }
            (Some("paths"), 2) => {
                let path = stack[1].1.clone();
                if METHODS.contains(&key.to_ascii_lowercase().as_str()) {
                    raws.push(Raw {
                        line,
                        path,
                        method: key.clone(),
                        ..Raw::default()
                    });
                } else if CONTROLLER_KEYS.contains(&key.as_str()) {
                    path_controllers.push((path, value_s.clone()));
                }
            }
            (Some("paths"), 3) => {
                let (path, method) = (&stack[1].1, &stack[2].1);
                if let Some(r) = raws
                    .iter_mut()
                    .rev()
                    .find(|r| &r.path == path && &r.method == method)
                {
                    if key == "operationId" {
                        r.operation_id = Some(value_s.clone());
                    } else if CONTROLLER_KEYS.contains(&key.as_str()) {
                        r.controller = Some(value_s.clone());
                    }
                }
            }
            _ => {}
        }
        stack.push((indent, key));
    }
    finish(raws, &path_controllers, &base_path)
}

/// The colon that ends a mapping key on a line, outside quotes.
fn key_colon(body: &str) -> Option<usize> {
    let b = body.as_bytes();
    let mut quote: Option<u8> = None;
    for (i, &c) in b.iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                b'"' | b'\'' if i == 0 => quote = Some(c),
                b':' if b.get(i + 1).is_none_or(|n| *n == b' ' || *n == b'\t') => return Some(i),
                b'#' if i == 0 => return None,
                _ => {}
            },
        }
    }
    None
}

/// Operations of a JSON OpenAPI document; lines from where each `"operationId"` value
/// appears in the text.
pub fn from_json(text: &str) -> Vec<Operation> {
    if !text.contains("operationId") {
        return Vec::new();
    }
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let base_path = doc
        .get("basePath")
        .and_then(|v| v.as_str())
        .map(url_path)
        .or_else(|| {
            doc.get("servers")
                .and_then(|s| s.get(0))
                .and_then(|s| s.get("url"))
                .and_then(|u| u.as_str())
                .map(url_path)
        })
        .unwrap_or_default();
    let Some(paths) = doc.get("paths").and_then(|p| p.as_object()) else {
        return Vec::new();
    };
    let mut raws = Vec::new();
    let mut path_controllers = Vec::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (k, v) in item {
            if CONTROLLER_KEYS.contains(&k.as_str())
                && let Some(c) = v.as_str()
            {
                path_controllers.push((path.clone(), c.to_owned()));
            }
            if !METHODS.contains(&k.to_ascii_lowercase().as_str()) {
                continue;
            }
            let id = v
                .get("operationId")
                .and_then(|x| x.as_str())
                .map(str::to_owned);
            let controller = CONTROLLER_KEYS
                .iter()
                .find_map(|c| v.get(*c).and_then(|x| x.as_str()))
                .map(str::to_owned);
            let line = id.as_deref().map_or(1, |id| json_line(text, id));
            raws.push(Raw {
                line,
                path: path.clone(),
                method: k.clone(),
                operation_id: id,
                controller,
            });
        }
    }
    finish(raws, &path_controllers, &base_path)
}

fn json_line(text: &str, id: &str) -> u32 {
    let needle = format!("\"{id}\"");
    let mut from = 0;
    while let Some(i) = text[from..].find("\"operationId\"") {
        let at = from + i;
        let rest = &text[at..];
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        if rest[..end].contains(&needle) {
            return text[..at].bytes().filter(|&b| b == b'\n').count() as u32 + 1;
        }
        from = at + 1;
    }
    1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(ops: &[Operation]) -> Vec<(String, String, String, u32)> {
        ops.iter()
            .map(|o| match &o.target {
                Target::Operation {
                    operation_id,
                    base_path,
                } => (
                    o.method.clone(),
                    format!("{base_path}{}", o.path),
                    operation_id.clone(),
                    o.line,
                ),
                Target::Rpc { .. } => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn yaml_operations_with_controllers_and_servers() {
        let text = "openapi: 3.0.0
info:
  title: Pets
  description: |
    paths:
      /nope:
        get:
          operationId: not.this
servers:
  - url: https://example.com/api/v1
paths:
  /pets:
    get:
      summary: List
      operationId: app.pets.list_pets
      parameters:
        - name: limit
          in: query
    post:
      operationId: add_pet
      x-openapi-router-controller: app.pets
  '/pets/{pet_id}':
    x-openapi-router-controller: app.pets
    delete:
      operationId: remove_pet
";
        assert_eq!(
            rows(&from_yaml(text)),
            vec![
                (
                    "GET".into(),
                    "/api/v1/pets".into(),
                    "app.pets.list_pets".into(),
                    13
                ),
                (
                    "POST".into(),
                    "/api/v1/pets".into(),
                    "app.pets.add_pet".into(),
                    19
                ),
                (
                    "DELETE".into(),
                    "/api/v1/pets/{pet_id}".into(),
                    "app.pets.remove_pet".into(),
                    24
                ),
            ]
        );
    }

    #[test]
    fn json_operations() {
        let text = r#"{"swagger": "2.0", "basePath": "/v2",
 "paths": {"/users/{id}": {"get": {
   "operationId": "api.users.get_user"}}}}"#;
        assert_eq!(
            rows(&from_json(text)),
            vec![(
                "GET".into(),
                "/v2/users/{id}".into(),
                "api.users.get_user".into(),
                3
            )]
        );
    }
}
