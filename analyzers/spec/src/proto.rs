//! Protobuf services with HTTP options. The options seam knows are declared in
//! [`HTTP_OPTIONS`] (by name in `.proto` text, by extension number in serialized
//! descriptors): `google.api.http` (an `HttpRule`: one of `get`/`put`/`post`/`delete`/
//! `patch` or `custom`, plus `additional_bindings`) and the `rpc` option of MLflow /
//! Databricks protos (an `endpoints` list of `{method, path, since {major}}`).

use seam_facts::spec::{Operation, Target};

/// How an option's value says (method, path).
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// `google.api.http`'s HttpRule.
    HttpRule,
    /// A list of `{method, path, since {major, minor}}` messages.
    EndpointList,
}

/// A method option carrying HTTP endpoints: its name in `.proto` text (the last segment of
/// `(pkg.name)`) and its extension field number in `MethodOptions`.
#[derive(Debug)]
struct HttpOption {
    name: &'static str,
    number: u64,
    shape: Shape,
}

const HTTP_OPTIONS: &[HttpOption] = &[
    HttpOption {
        name: "http",
        number: 72_295_728,
        shape: Shape::HttpRule,
    },
    HttpOption {
        name: "rpc",
        number: 51_310,
        shape: Shape::EndpointList,
    },
];

/// HttpRule fields: (text name, field number, HTTP method).
const RULE_VERBS: &[(&str, u64, &str)] = &[
    ("get", 2, "GET"),
    ("put", 3, "PUT"),
    ("post", 4, "POST"),
    ("delete", 5, "DELETE"),
    ("patch", 6, "PATCH"),
];

/// How deep option values nest (messages in messages).
const MAX_DEPTH: u32 = 8;

/// A value, from text or binary: fields by name (text) and number (binary).
#[derive(Debug, Clone)]
enum Val {
    Str(String),
    Num(u64),
    Msg(Vec<(Key, Val)>),
    /// Length-delimited bytes of a serialized descriptor: a string or a message.
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq)]
enum Key {
    Name(String),
    Number(u64),
}

fn field<'v>(fields: &'v [(Key, Val)], name: &str, number: u64) -> Vec<&'v Val> {
    fields
        .iter()
        .filter(|(k, _)| match k {
            Key::Name(n) => n == name,
            Key::Number(x) => *x == number,
        })
        .map(|(_, v)| v)
        .collect()
}

fn as_str(v: &Val) -> Option<String> {
    match v {
        Val::Str(s) => Some(s.clone()),
        Val::Bytes(b) => std::str::from_utf8(b).ok().map(str::to_owned),
        _ => None,
    }
}

fn as_msg(v: &Val, depth: u32) -> Option<Vec<(Key, Val)>> {
    match v {
        Val::Msg(m) => Some(m.clone()),
        Val::Bytes(b) if depth < MAX_DEPTH => decode_message(b),
        _ => None,
    }
}

fn as_num(v: &Val) -> Option<u64> {
    match v {
        Val::Num(n) => Some(*n),
        _ => None,
    }
}

/// (method, path, since major) pairs an option value declares.
fn endpoints(shape: Shape, value: &Val) -> Vec<(String, String, Option<u32>)> {
    let mut out = Vec::new();
    match shape {
        Shape::HttpRule => {
            let mut rules = vec![(value.clone(), 0u32)];
            while let Some((rule, depth)) = rules.pop() {
                let Some(m) = as_msg(&rule, depth) else {
                    continue;
                };
                for (name, number, verb) in RULE_VERBS {
                    for v in field(&m, name, *number) {
                        if let Some(p) = as_str(v) {
                            out.push(((*verb).to_owned(), p, None));
                        }
                    }
                }
                for c in field(&m, "custom", 8) {
                    if let Some(cm) = as_msg(c, depth + 1) {
                        let kind = field(&cm, "kind", 1).first().and_then(|v| as_str(v));
                        let path = field(&cm, "path", 2).first().and_then(|v| as_str(v));
                        if let (Some(k), Some(p)) = (kind, path) {
                            out.push((k.to_uppercase(), p, None));
                        }
                    }
                }
                if depth < 2 {
                    for b in field(&m, "additional_bindings", 11) {
                        rules.push((b.clone(), depth + 1));
                    }
                }
            }
        }
        Shape::EndpointList => {
            let Some(m) = as_msg(value, 0) else {
                return out;
            };
            for e in field(&m, "endpoints", 1) {
                let Some(em) = as_msg(e, 1) else { continue };
                let method = field(&em, "method", 1).first().and_then(|v| as_str(v));
                let path = field(&em, "path", 2).first().and_then(|v| as_str(v));
                let major = field(&em, "since", 3)
                    .first()
                    .and_then(|s| as_msg(s, 2))
                    .and_then(|s| field(&s, "major", 1).first().and_then(|v| as_num(v)))
                    .and_then(|n| u32::try_from(n).ok());
                if let (Some(m), Some(p)) = (method, path) {
                    out.push((m.to_uppercase(), p, major));
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Serialized descriptors (`*_pb2.py`)

/// RPCs of the `FileDescriptorProto` serialized in `AddSerializedFile(b'...')`. The line of
/// a method is that of its `_serialized_options` assignment when protoc wrote one, else the
/// line of the descriptor.
pub fn from_generated_python(text: &str) -> (Vec<Operation>, Vec<String>) {
    let Some(at) = text.find("AddSerializedFile(b") else {
        return (Vec::new(), Vec::new());
    };
    let line = line_at(text, at);
    let Some(bytes) = python_bytes(&text[at + "AddSerializedFile(".len()..]) else {
        return (Vec::new(), Vec::new());
    };
    let Some(file) = decode_message(&bytes) else {
        return (Vec::new(), Vec::new());
    };
    let package = field(&file, "package", 2)
        .first()
        .and_then(|v| as_str(v))
        .unwrap_or_default();
    let messages: Vec<String> = field(&file, "message_type", 4)
        .iter()
        .filter_map(|m| as_msg(m, 0))
        .filter_map(|m| field(&m, "name", 1).first().and_then(|v| as_str(v)))
        .map(|n| qualify(&package, &n))
        .collect();
    let mut out = Vec::new();
    for service in field(&file, "service", 6) {
        let Some(s) = as_msg(service, 0) else {
            continue;
        };
        let Some(service_name) = field(&s, "name", 1).first().and_then(|v| as_str(v)) else {
            continue;
        };
        for method in field(&s, "method", 2) {
            let Some(m) = as_msg(method, 1) else { continue };
            let Some(name) = field(&m, "name", 1).first().and_then(|v| as_str(v)) else {
                continue;
            };
            let request = field(&m, "input_type", 2)
                .first()
                .and_then(|v| as_str(v))
                .unwrap_or_default();
            let Some(options) = field(&m, "options", 4).first().and_then(|v| as_msg(v, 2)) else {
                continue;
            };
            let needle = format!("methods_by_name['{name}']._serialized_options");
            let mline = text.find(&needle).map_or(line, |i| line_at(text, i));
            for opt in HTTP_OPTIONS {
                for v in field(&options, "", opt.number) {
                    for (verb, path, since) in endpoints(opt.shape, v) {
                        out.push(rpc_operation(
                            mline,
                            verb,
                            path,
                            &service_name,
                            &name,
                            &request,
                            since,
                            matches!(opt.shape, Shape::EndpointList),
                        ));
                    }
                }
            }
        }
    }
    (out, messages)
}

fn qualify(package: &str, name: &str) -> String {
    if package.is_empty() {
        name.to_owned()
    } else {
        format!("{package}.{name}")
    }
}

#[allow(clippy::too_many_arguments)]
fn rpc_operation(
    line: u32,
    method: String,
    path: String,
    service: &str,
    rpc: &str,
    request: &str,
    since_major: Option<u32>,
    listed: bool,
) -> Operation {
    Operation {
        line,
        method,
        path,
        target: Target::Rpc {
            service: service.to_owned(),
            method: rpc.to_owned(),
            request: request.trim_start_matches('.').to_owned(),
            since_major,
            listed,
        },
    }
}

fn line_at(text: &str, byte: usize) -> u32 {
    text[..byte.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count() as u32
        + 1
}

/// The value of a Python bytes literal starting at `s` (`b'...'` or `b"..."`), escapes
/// decoded.
fn python_bytes(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.first() != Some(&b'b') {
        return None;
    }
    let quote = *b.get(1)?;
    if quote != b'\'' && quote != b'"' {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 2;
    while i < b.len() {
        let c = b[i];
        if c == quote {
            return Some(out);
        }
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let e = *b.get(i + 1)?;
        i += 2;
        match e {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'x' => {
                let h = std::str::from_utf8(b.get(i..i + 2)?).ok()?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 2;
            }
            b'0'..=b'7' => {
                let mut v: u32 = u32::from(e - b'0');
                let mut n = 1;
                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                    v = v * 8 + u32::from(b[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push((v & 0xff) as u8);
            }
            b'\n' => {}
            other => out.push(other),
        }
    }
    None
}

fn varint(b: &[u8], i: &mut usize) -> Option<u64> {
    let mut v: u64 = 0;
    for shift in (0..64).step_by(7) {
        let byte = *b.get(*i)?;
        *i += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// One level of a protobuf message; `None` when the bytes are not one (then they are a
/// string).
fn decode_message(b: &[u8]) -> Option<Vec<(Key, Val)>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let tag = varint(b, &mut i)?;
        let (number, wire) = (tag >> 3, tag & 7);
        if number == 0 {
            return None;
        }
        let v = match wire {
            0 => Val::Num(varint(b, &mut i)?),
            1 => {
                i = i.checked_add(8)?;
                if i > b.len() {
                    return None;
                }
                Val::Num(0)
            }
            2 => {
                let len = usize::try_from(varint(b, &mut i)?).ok()?;
                let end = i.checked_add(len)?;
                let bytes = b.get(i..end)?.to_vec();
                i = end;
                Val::Bytes(bytes)
            }
            5 => {
                i = i.checked_add(4)?;
                if i > b.len() {
                    return None;
                }
                Val::Num(0)
            }
            _ => return None,
        };
        out.push((Key::Number(number), v));
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// `.proto` text

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(u64),
    Punct(char),
}

fn tokenize(text: &str) -> Vec<(Tok, u32)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1u32;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            c if c.is_ascii_whitespace() => i += 1,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    if b[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
                i += 2;
            }
            b'"' | b'\'' => {
                let start_line = line;
                let mut s = Vec::new();
                i += 1;
                while i < b.len() && b[i] != c {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    if b[i] == b'\n' {
                        line += 1;
                    }
                    s.push(b[i]);
                    i += 1;
                }
                i += 1;
                out.push((
                    Tok::Str(String::from_utf8_lossy(&s).into_owned()),
                    start_line,
                ));
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'.' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.')
                {
                    i += 1;
                }
                out.push((Tok::Ident(text[start..i].to_owned()), line));
            }
            c if c.is_ascii_digit() => {
                let start = i;
                while i < b.len() && b[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                out.push((Tok::Num(text[start..i].parse().unwrap_or(0)), line));
            }
            _ => {
                out.push((Tok::Punct(c as char), line));
                i += 1;
            }
        }
    }
    out
}

/// A text-format value at `toks[*i]`: a scalar, `{ fields }` or `[ values ]` (a list is
/// returned as repeated fields by the caller).
fn text_value(toks: &[(Tok, u32)], i: &mut usize, depth: u32) -> Option<Vec<Val>> {
    if depth > MAX_DEPTH {
        return None;
    }
    match &toks.get(*i)?.0 {
        Tok::Str(s) => {
            *i += 1;
            let mut s = s.clone();
            // Adjacent string literals concatenate.
            while let Some((Tok::Str(more), _)) = toks.get(*i) {
                s.push_str(more);
                *i += 1;
            }
            Some(vec![Val::Str(s)])
        }
        Tok::Num(n) => {
            *i += 1;
            Some(vec![Val::Num(*n)])
        }
        Tok::Ident(s) => {
            *i += 1;
            Some(vec![Val::Str(s.clone())])
        }
        Tok::Punct('{') | Tok::Punct('<') => {
            *i += 1;
            Some(vec![Val::Msg(text_fields(toks, i, depth + 1)?)])
        }
        Tok::Punct('[') => {
            *i += 1;
            let mut out = Vec::new();
            while let Some((t, _)) = toks.get(*i) {
                match t {
                    Tok::Punct(']') => {
                        *i += 1;
                        break;
                    }
                    Tok::Punct(',') => *i += 1,
                    _ => out.extend(text_value(toks, i, depth + 1)?),
                }
            }
            Some(out)
        }
        Tok::Punct('-') => {
            *i += 1;
            text_value(toks, i, depth + 1)
        }
        _ => None,
    }
}

/// Fields of a text-format message up to its closing brace.
fn text_fields(toks: &[(Tok, u32)], i: &mut usize, depth: u32) -> Option<Vec<(Key, Val)>> {
    if depth > MAX_DEPTH {
        return None;
    }
    let mut out = Vec::new();
    while let Some((t, _)) = toks.get(*i) {
        match t {
            Tok::Punct('}') | Tok::Punct('>') => {
                *i += 1;
                return Some(out);
            }
            Tok::Punct(',') | Tok::Punct(';') => *i += 1,
            Tok::Ident(name) => {
                let name = name.clone();
                *i += 1;
                if matches!(toks.get(*i), Some((Tok::Punct(':'), _))) {
                    *i += 1;
                }
                for v in text_value(toks, i, depth)? {
                    out.push((Key::Name(name.clone()), v));
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// RPCs with HTTP options in `.proto` text.
pub fn from_text(text: &str) -> (Vec<Operation>, Vec<String>) {
    let toks = tokenize(text);
    let mut out = Vec::new();
    let mut messages = Vec::new();
    let mut i = 0;
    let mut service = String::new();
    let mut package = String::new();
    // Braces open at the current token: top-level messages are at depth 0.
    let mut depth = 0usize;
    while i < toks.len() {
        match &toks[i].0 {
            Tok::Punct('{') => {
                depth += 1;
                i += 1;
            }
            Tok::Punct('}') => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Tok::Ident(k) if k == "package" && depth == 0 => {
                if let Some((Tok::Ident(n), _)) = toks.get(i + 1) {
                    package = n.clone();
                }
                i += 2;
            }
            Tok::Ident(k) if k == "message" && depth == 0 => {
                if let Some((Tok::Ident(n), _)) = toks.get(i + 1) {
                    messages.push(qualify(&package, n));
                }
                i += 2;
            }
            Tok::Ident(k) if k == "service" => {
                if let Some((Tok::Ident(n), _)) = toks.get(i + 1) {
                    service = n.clone();
                }
                // Into the service body: its braces are not counted, RPC bodies are
                // consumed whole below.
                i += 2;
                if matches!(toks.get(i), Some((Tok::Punct('{'), _))) {
                    i += 1;
                }
            }
            Tok::Ident(k) if k == "rpc" => {
                let line = toks[i].1;
                let Some((Tok::Ident(name), _)) = toks.get(i + 1) else {
                    i += 1;
                    continue;
                };
                let name = name.clone();
                i += 2;
                // `( [stream] Request )`, qualified by the package unless already dotted.
                let mut request = String::new();
                if matches!(toks.get(i), Some((Tok::Punct('('), _))) {
                    i += 1;
                    while let Some((t, _)) = toks.get(i) {
                        i += 1;
                        match t {
                            Tok::Punct(')') => break,
                            Tok::Ident(n) if n != "stream" => {
                                request = if n.starts_with('.') || n.contains('.') {
                                    n.trim_start_matches('.').to_owned()
                                } else {
                                    qualify(&package, n)
                                }
                            }
                            _ => {}
                        }
                    }
                }
                // `returns ( Response )`, then `;` or `{ options }`.
                while let Some((t, _)) = toks.get(i) {
                    match t {
                        Tok::Punct(';') => {
                            i += 1;
                            break;
                        }
                        Tok::Punct('{') => {
                            i += 1;
                            out.extend(rpc_options(&toks, &mut i, line, &service, &name, &request));
                            break;
                        }
                        Tok::Ident(k) if k == "rpc" => break,
                        _ => i += 1,
                    }
                }
            }
            _ => i += 1,
        }
    }
    (out, messages)
}

/// The `option (x) = value;` statements of one RPC body, up to its closing brace.
fn rpc_options(
    toks: &[(Tok, u32)],
    i: &mut usize,
    line: u32,
    service: &str,
    rpc: &str,
    request: &str,
) -> Vec<Operation> {
    let mut out = Vec::new();
    while let Some((t, _)) = toks.get(*i) {
        match t {
            Tok::Punct('}') => {
                *i += 1;
                break;
            }
            Tok::Ident(k) if k == "option" => {
                *i += 1;
                // `(google.api.http)` or `(rpc)`, possibly followed by `.field`.
                let mut name = String::new();
                while let Some((t, _)) = toks.get(*i) {
                    match t {
                        Tok::Punct('=') => break,
                        Tok::Ident(n) if name.is_empty() => name = n.clone(),
                        _ => {}
                    }
                    *i += 1;
                }
                *i += 1;
                let short = name.rsplit('.').next().unwrap_or(&name).to_owned();
                let values = text_value(toks, i, 0).unwrap_or_default();
                if let Some(opt) = HTTP_OPTIONS.iter().find(|o| o.name == short) {
                    for v in &values {
                        for (verb, path, since) in endpoints(opt.shape, v) {
                            out.push(rpc_operation(
                                line,
                                verb,
                                path,
                                service,
                                rpc,
                                request,
                                since,
                                matches!(opt.shape, Shape::EndpointList),
                            ));
                        }
                    }
                }
            }
            _ => *i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_protos_with_google_and_endpoint_options() {
        let text = r#"
syntax = "proto3";
package shop.v1;
import "google/api/annotations.proto";
service Orders {
  // Reads one order.
  rpc GetOrder(GetOrderRequest) returns (Order) {
    option (google.api.http) = { get: "/v1/orders/{order_id}" };
  }
  rpc CreateOrder(CreateOrderRequest) returns (Order) {
    option (google.api.http) = {
      post: "/v1/orders"
      body: "*"
      additional_bindings { post: "/v1/shops/{shop}/orders" body: "*" }
    };
  }
  rpc Ping(PingRequest) returns (PingResponse);
  rpc ListRuns(ListRuns) returns (ListRuns.Response) {
    option (rpc) = {
      endpoints: [{ method: "GET", path: "/mlflow/runs/list" since { major: 2, minor: 0 } }],
      visibility: PUBLIC
    };
  }
}
"#;
        let (ops, messages) = from_text(text);
        assert!(messages.is_empty());
        let got: Vec<(String, String, u32)> = ops
            .iter()
            .map(|o| (o.method.clone(), o.path.clone(), o.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("GET".into(), "/v1/orders/{order_id}".into(), 7),
                ("POST".into(), "/v1/orders".into(), 10),
                ("POST".into(), "/v1/shops/{shop}/orders".into(), 10),
                ("GET".into(), "/mlflow/runs/list".into(), 18),
            ]
        );
        match &ops[3].target {
            Target::Rpc {
                request,
                since_major,
                ..
            } => {
                assert_eq!(request, "shop.v1.ListRuns");
                assert_eq!(*since_major, Some(2));
            }
            other => panic!("{other:?}"),
        }
    }

    fn ld(field: u64, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for v in [(field << 3) | 2, body.len() as u64] {
            let mut v = v;
            loop {
                let b = (v & 0x7f) as u8;
                v >>= 7;
                if v == 0 {
                    out.push(b);
                    break;
                }
                out.push(b | 0x80);
            }
        }
        out.extend_from_slice(body);
        out
    }

    /// A descriptor as protoc serializes it into `*_pb2.py`, written as a Python bytes
    /// literal with octal escapes.
    #[test]
    fn generated_python_descriptors() {
        let since = [ld(3, &[0x08, 0x02]).as_slice()].concat();
        let endpoint = [ld(1, b"GET"), ld(2, b"/runs/get"), since].concat();
        let options = ld(51_310, &ld(1, &endpoint));
        let method = [ld(1, b"getRun"), ld(2, b".mlflow.GetRun"), ld(4, &options)].concat();
        let service = [ld(1, b"MlflowService"), ld(2, &method)].concat();
        let file = [
            ld(1, b"service.proto"),
            ld(2, b"mlflow"),
            ld(4, &ld(1, b"GetRun")),
            ld(6, &service),
        ]
        .concat();
        let literal: String = file.iter().map(|b| format!("\\{b:03o}")).collect();
        let text = format!(
            "import x\n\nDESCRIPTOR = _descriptor_pool.Default().AddSerializedFile(b'{literal}')\n"
        );
        let (ops, messages) = from_generated_python(&text);
        assert_eq!(messages, vec!["mlflow.GetRun".to_owned()]);
        assert_eq!(ops.len(), 1);
        assert_eq!(
            (ops[0].method.as_str(), ops[0].path.as_str(), ops[0].line),
            ("GET", "/runs/get", 3)
        );
        assert_eq!(
            ops[0].target,
            Target::Rpc {
                service: "MlflowService".into(),
                method: "getRun".into(),
                request: "mlflow.GetRun".into(),
                since_major: Some(2),
                listed: true,
            }
        );
    }

    #[test]
    fn bytes_literals_decode() {
        assert_eq!(
            python_bytes(r"b'\n\rservice\x12\x06\362'"),
            Some(b"\n\rservice\x12\x06\xf2".to_vec())
        );
        assert_eq!(python_bytes("b'unterminated"), None);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = format!(
            "service S {{ rpc A(B) returns (C) {{ option (rpc) = {}{}; }} }}",
            "[".repeat(100_000),
            "-".repeat(100_000)
        );
        assert!(from_text(&deep).0.is_empty());
    }

    #[test]
    fn broken_input_yields_nothing() {
        assert!(
            from_text("service { rpc ( option (google.api.http) = { get: ")
                .0
                .is_empty()
        );
        assert!(
            from_generated_python("x = AddSerializedFile(b'\\xff\\xff\\xff')")
                .0
                .is_empty()
        );
    }
}
