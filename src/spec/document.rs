//! An OpenAPI document (3.0 or 3.1, JSON or YAML): its operations with
//! their parameters, request bodies and responses, and its component
//! schemas, read once into typed form ([`Document::parse`]).
//!
//! `$ref`s to parameters, request bodies and responses are followed while
//! reading; schema `$ref`s are kept and followed on demand
//! ([`Document::resolve`], [`Document::inline`]), so that a recursive
//! model stays a finite tree.

use std::borrow::Cow;

use serde_json::Value;

use super::schema::{Schema, SchemaError, escape_segment};

/// The OpenAPI version a document declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// `openapi: 3.0.x` (JSON Schema's draft-4 subset, `nullable`).
    V3_0,
    /// `openapi: 3.1.x` (JSON Schema 2020-12), what FastAPI emits.
    V3_1,
}

/// An HTTP method an OpenAPI path item can hold, in the order OpenAPI
/// lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// `get`.
    Get,
    /// `put`.
    Put,
    /// `post`.
    Post,
    /// `delete`.
    Delete,
    /// `options`.
    Options,
    /// `head`.
    Head,
    /// `patch`.
    Patch,
    /// `trace`.
    Trace,
}

impl Method {
    /// Every method, in OpenAPI's order.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// The path item key (`put`).
    pub fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
        }
    }

    /// The method token (`PUT`).
    pub fn token(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }

    /// The method a request token names (case-sensitive, as HTTP is).
    pub fn from_token(token: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.token() == token)
    }
}

/// Where a parameter is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
    /// A cookie.
    Cookie,
}

/// One operation's parameter (path-level ones merged in).
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    /// `name`.
    pub name: String,
    /// `in`.
    pub location: Location,
    /// `required` (always true for path parameters).
    pub required: bool,
    /// `schema`, when given.
    pub schema: Option<Schema>,
}

/// A media type of a request or response body, with its schema.
#[derive(Clone, Debug, PartialEq)]
pub struct Media {
    /// The media type as the document writes it (`application/json`).
    pub name: String,
    /// Its `schema`, when given.
    pub schema: Option<Schema>,
    /// Its `example`, else the first of its `examples` (their `value`).
    pub example: Option<Value>,
}

impl Media {
    /// Whether the media type is JSON: `application/json` or a `+json`
    /// suffix, parameters ignored.
    pub fn is_json(&self) -> bool {
        let essence = self.name.split(';').next().unwrap_or("").trim();
        essence.to_ascii_lowercase().ends_with("json")
    }
}

/// A request body.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestBody {
    /// `required`.
    pub required: bool,
    /// `content`, in the document's order.
    pub content: Vec<Media>,
}

impl RequestBody {
    /// The first JSON media type.
    pub fn json(&self) -> Option<&Media> {
        self.content.iter().find(|m| m.is_json())
    }
}

/// One documented response.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    /// The key: a status code (`201`), a range (`2XX`) or `default`.
    pub status: String,
    /// `description`.
    pub description: String,
    /// `content`, in the document's order.
    pub content: Vec<Media>,
}

impl Response {
    /// The first JSON media type.
    pub fn json(&self) -> Option<&Media> {
        self.content.iter().find(|m| m.is_json())
    }
}

/// One operation: a method on a path.
#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    /// The method.
    pub method: Method,
    /// The path template as written (`/users/{user_id}`).
    pub path: String,
    /// `operationId`.
    pub operation_id: Option<String>,
    /// The parameters: the path item's, then the operation's (which
    /// replace a path-level one of the same name and location).
    pub parameters: Vec<Parameter>,
    /// `requestBody`.
    pub request_body: Option<RequestBody>,
    /// `responses`, in the document's order.
    pub responses: Vec<Response>,
    /// Where it is: `#/paths/~1users~1{user_id}/put`.
    pub pointer: String,
}

impl Operation {
    /// The path parameters, in the order the document lists them.
    pub fn path_parameters(&self) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(|p| p.location == Location::Path)
    }

    /// The documented response for a status code (`201`), if any.
    pub fn response(&self, status: u16) -> Option<&Response> {
        let code = status.to_string();
        self.responses.iter().find(|r| r.status == code)
    }

    /// `METHOD /path`, for messages.
    pub fn label(&self) -> String {
        format!("{} {}", self.method.token(), self.path)
    }
}

/// An OpenAPI document, read.
#[derive(Clone, Debug)]
pub struct Document {
    /// The version it declares.
    pub version: Version,
    /// `info.title`.
    pub title: Option<String>,
    /// Every operation, path by path in the document's order, each path's
    /// methods in the order they are written.
    pub operations: Vec<Operation>,
    /// `components.schemas`, in the document's order.
    pub schemas: Vec<(String, Schema)>,
    raw: Value,
}

/// Why a document cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// Neither JSON nor YAML.
    #[error("not JSON or YAML ({0})")]
    Syntax(String),
    /// Parsed, but not an OpenAPI 3 document.
    #[error("{0}")]
    NotOpenApi(String),
    /// A part of it is malformed.
    #[error("{0}")]
    Malformed(#[from] SchemaError),
}

/// The deepest nesting of brackets a YAML document may have (JSON's
/// parser stops at 128 by itself).
const MAX_YAML_DEPTH: usize = 1_000;

/// The deepest nesting of `[`/`{` brackets in `text`, outside quoted
/// strings (YAML's flow style; block style cannot nest deeply in little
/// text).
fn flow_depth(text: &[u8]) -> usize {
    let (mut depth, mut deepest, mut quote) = (0usize, 0usize, None::<u8>);
    let mut escaped = false;
    for &b in text {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if b == b'\\' && q == b'"' {
                    escaped = true;
                } else if b == q {
                    quote = None;
                }
            }
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'[' | b'{' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
    }
    deepest
}

/// The most schemas [`Document::inline`] makes of one schema: far more
/// than any real model has, few enough to stay in memory.
pub const MAX_INLINED: usize = 100_000;

impl Document {
    /// Reads a document from its text: JSON, else YAML (a superset of
    /// JSON, through `serde_yaml_ng`).
    ///
    /// # Errors
    /// [`DocumentError::Syntax`] for text that is neither;
    /// [`DocumentError::NotOpenApi`] for a Swagger 2.0 document or one with
    /// no `openapi: 3.x` and `paths`; [`DocumentError::Malformed`] naming
    /// the JSON pointer of a malformed part.
    pub fn parse(text: &[u8]) -> Result<Document, DocumentError> {
        let value = match serde_json::from_slice::<Value>(text) {
            Ok(v) => v,
            Err(json) => {
                let looks_like_json = text
                    .iter()
                    .find(|b| !b.is_ascii_whitespace())
                    .is_some_and(|b| *b == b'{' || *b == b'[');
                // The YAML parser takes time quadratic in the nesting
                // depth before it refuses a deep document: refuse first.
                if flow_depth(text) > MAX_YAML_DEPTH {
                    return Err(DocumentError::Syntax(format!(
                        "nested more than {MAX_YAML_DEPTH} levels deep"
                    )));
                }
                match serde_yaml_ng::from_slice::<Value>(text) {
                    Ok(v) if !looks_like_json => v,
                    Ok(_) => return Err(DocumentError::Syntax(json.to_string())),
                    Err(yaml) => {
                        return Err(DocumentError::Syntax(if looks_like_json {
                            json.to_string()
                        } else {
                            yaml.to_string()
                        }));
                    }
                }
            }
        };
        Document::from_value(value)
    }

    /// Reads a document already parsed as JSON.
    ///
    /// # Errors
    /// As [`Document::parse`], but for [`DocumentError::Syntax`].
    pub fn from_value(raw: Value) -> Result<Document, DocumentError> {
        let not = |why: &str| Err(DocumentError::NotOpenApi(why.to_owned()));
        if !raw.is_object() {
            return not("not an OpenAPI document (not an object)");
        }
        if raw.get("swagger").is_some() {
            return not(
                "a Swagger 2.0 document: itemctl reads OpenAPI 3.0 and 3.1 (convert it, e.g. with swagger2openapi)",
            );
        }
        let version = match raw.get("openapi").and_then(Value::as_str) {
            Some(v) if v.starts_with("3.0") => Version::V3_0,
            Some(v) if v.starts_with("3.1") || v.starts_with("3.2") => Version::V3_1,
            Some(v) => {
                return Err(DocumentError::NotOpenApi(format!(
                    "OpenAPI {v}: itemctl reads OpenAPI 3.0 and 3.1"
                )));
            }
            None if raw.get("paths").is_some_and(Value::is_object) => Version::V3_1,
            None => {
                return not(
                    "not an OpenAPI document (no \"openapi\" version, no \"paths\" object)",
                );
            }
        };
        let Some(Value::Object(paths)) = raw.get("paths") else {
            return not("not an OpenAPI document (no \"paths\" object)");
        };
        let mut schemas = Vec::new();
        if let Some(Value::Object(defs)) = raw.pointer("/components/schemas") {
            for (name, s) in defs {
                let pointer = format!("#/components/schemas/{}", escape_segment(name));
                schemas.push((name.clone(), Schema::read(s, &pointer)?));
            }
        }
        let mut operations = Vec::new();
        for (path, item) in paths {
            let item_pointer = format!("#/paths/{}", escape_segment(path));
            let item = follow(&raw, item, &item_pointer)?;
            let Value::Object(item) = item else { continue };
            let shared = read_parameters(&raw, item.get("parameters"), &item_pointer)?;
            for (key, op) in item {
                let Some(method) = Method::ALL.into_iter().find(|m| m.key() == key) else {
                    continue;
                };
                let pointer = format!("{item_pointer}/{key}");
                operations.push(read_operation(&raw, method, path, op, &shared, pointer)?);
            }
        }
        Ok(Document {
            version,
            title: raw
                .pointer("/info/title")
                .and_then(Value::as_str)
                .map(str::to_owned),
            operations,
            schemas,
            raw,
        })
    }

    /// A 3.1 document with no paths and no schemas.
    pub fn empty() -> Document {
        Document {
            version: Version::V3_1,
            title: None,
            operations: Vec::new(),
            schemas: Vec::new(),
            raw: serde_json::json!({"openapi": "3.1.0", "paths": {}}),
        }
    }

    /// The document as parsed.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// The operation for `method` on the path template `path`.
    pub fn operation(&self, method: Method, path: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|o| o.method == method && o.path == path)
    }

    /// A component schema by name.
    pub fn component(&self, name: &str) -> Option<&Schema> {
        self.schemas.iter().find(|(n, _)| n == name).map(|(_, s)| s)
    }

    /// The schema a `$ref` points to (`#/components/schemas/User`, or any
    /// other pointer into the document).
    ///
    /// # Errors
    /// [`SchemaError`] for a reference outside the document or one that
    /// does not resolve.
    pub fn target(&self, reference: &str, from: &str) -> Result<Cow<'_, Schema>, SchemaError> {
        let err = |why: String| SchemaError {
            pointer: from.to_owned(),
            why,
        };
        let Some(fragment) = reference.strip_prefix('#') else {
            return Err(err(format!(
                "the $ref {reference:?} points outside the document"
            )));
        };
        if let Some(name) = fragment.strip_prefix("/components/schemas/")
            && let Some(s) = self.component(&unescape_segment(name))
        {
            return Ok(Cow::Borrowed(s));
        }
        let value = self
            .raw
            .pointer(fragment)
            .ok_or_else(|| err(format!("the $ref {reference:?} does not resolve")))?;
        Ok(Cow::Owned(Schema::read(value, reference)?))
    }

    /// Follows `schema`'s `$ref`s to the schema they name. Keywords beside
    /// a `$ref` (3.1 allows them: pydantic puts a field's `default`,
    /// `title` and `description` there) are laid over the target.
    ///
    /// # Errors
    /// [`SchemaError`] for a reference that does not resolve, or a cycle
    /// of references with nothing in between.
    pub fn resolve<'a>(&'a self, schema: &'a Schema) -> Result<Cow<'a, Schema>, SchemaError> {
        let mut current = Cow::Borrowed(schema);
        for _ in 0..32 {
            let Some(reference) = current.reference.clone() else {
                return Ok(current);
            };
            let target = self.target(&reference, &current.pointer)?;
            let mut resolved = target.into_owned();
            overlay(&mut resolved, &current);
            resolved.via_ref = Some(reference);
            current = Cow::Owned(resolved);
        }
        Err(SchemaError {
            pointer: schema.pointer.clone(),
            why: "a cycle of $refs".into(),
        })
    }

    /// `schema` with every `$ref` inside it replaced by its target, down to
    /// 16 levels of references; a reference back into a schema being
    /// inlined (a recursive model) is left as a `$ref`.
    ///
    /// # Errors
    /// As [`Document::resolve`]; and when inlining would make more than
    /// [`MAX_INLINED`] schemas (references that fan out level by level,
    /// which a small document can do without any cycle).
    pub fn inline(&self, schema: &Schema) -> Result<Schema, SchemaError> {
        let mut stack = Vec::new();
        let mut budget = MAX_INLINED;
        self.inline_at(schema, &mut stack, &mut budget)
    }

    fn inline_at(
        &self,
        schema: &Schema,
        stack: &mut Vec<String>,
        budget: &mut usize,
    ) -> Result<Schema, SchemaError> {
        *budget = budget.checked_sub(1).ok_or_else(|| SchemaError {
            pointer: schema.pointer.clone(),
            why: format!(
                "inlining its $refs makes more than {MAX_INLINED} schemas (references that fan out at every level)"
            ),
        })?;
        if let Some(r) = &schema.reference
            && (stack.contains(r) || stack.len() >= 16)
        {
            return Ok(schema.clone());
        }
        let pushed = schema.reference.clone();
        let mut s = self.resolve(schema)?.into_owned();
        if let Some(r) = &pushed {
            stack.push(r.clone());
        }
        let mut each = |list: &mut Vec<Schema>| -> Result<(), SchemaError> {
            for item in list.iter_mut() {
                *item = self.inline_at(item, stack, budget)?;
            }
            Ok(())
        };
        for list in [
            &mut s.any_of,
            &mut s.one_of,
            &mut s.all_of,
            &mut s.prefix_items,
        ]
        .into_iter()
        .flatten()
        {
            each(list)?;
        }
        for (_, p) in &mut s.properties {
            *p = self.inline_at(p, stack, budget)?;
        }
        if let Some(Some(items)) = &mut s.items {
            **items = self.inline_at(items, stack, budget)?;
        }
        if let Some(super::schema::Additional::Schema(v)) = &mut s.additional_properties {
            **v = self.inline_at(v, stack, budget)?;
        }
        if let Some(not) = &mut s.not {
            **not = self.inline_at(not, stack, budget)?;
        }
        if pushed.is_some() {
            stack.pop();
        }
        Ok(s)
    }
}

/// Lays the annotations written beside a `$ref` over its target.
fn overlay(target: &mut Schema, beside: &Schema) {
    if beside.default.is_some() {
        target.default.clone_from(&beside.default);
    }
    if beside.title.is_some() {
        target.title.clone_from(&beside.title);
    }
    if beside.description.is_some() {
        target.description.clone_from(&beside.description);
    }
    if !beside.examples.is_empty() {
        target.examples.clone_from(&beside.examples);
    }
    target.read_only |= beside.read_only;
    target.write_only |= beside.write_only;
    target.deprecated |= beside.deprecated;
    target.nullable |= beside.nullable;
    target.pointer.clone_from(&beside.pointer);
}

/// A JSON pointer segment, unescaped (`~1` → `/`, `~0` → `~`).
pub fn unescape_segment(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Follows a `$ref` of a path item, parameter, request body or response.
fn follow<'a>(raw: &'a Value, v: &'a Value, pointer: &str) -> Result<&'a Value, SchemaError> {
    let mut v = v;
    for _ in 0..16 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else {
            return Ok(v);
        };
        v = r
            .strip_prefix('#')
            .and_then(|p| raw.pointer(p))
            .ok_or_else(|| SchemaError {
                pointer: pointer.to_owned(),
                why: format!("the $ref {r:?} does not resolve"),
            })?;
    }
    Err(SchemaError {
        pointer: pointer.to_owned(),
        why: "a cycle of $refs".into(),
    })
}

fn read_parameters(
    raw: &Value,
    list: Option<&Value>,
    pointer: &str,
) -> Result<Vec<Parameter>, SchemaError> {
    let Some(Value::Array(list)) = list else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(list.len());
    for (i, p) in list.iter().enumerate() {
        let at = format!("{pointer}/parameters/{i}");
        let p = follow(raw, p, &at)?;
        let err = |why: &str| SchemaError {
            pointer: at.clone(),
            why: why.to_owned(),
        };
        let name = p
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| err("a parameter needs a name"))?;
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => Location::Path,
            Some("query") => Location::Query,
            Some("header") => Location::Header,
            Some("cookie") => Location::Cookie,
            _ => return Err(err("a parameter needs `in`: path, query, header or cookie")),
        };
        let schema = match p.get("schema") {
            Some(s) => Some(Schema::read(s, &format!("{at}/schema"))?),
            None => None,
        };
        out.push(Parameter {
            name: name.to_owned(),
            location,
            required: location == Location::Path
                || p.get("required").and_then(Value::as_bool) == Some(true),
            schema,
        });
    }
    Ok(out)
}

fn read_content(raw: &Value, v: &Value, pointer: &str) -> Result<Vec<Media>, SchemaError> {
    let Some(Value::Object(content)) = v.get("content") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(content.len());
    for (name, media) in content {
        let at = format!("{pointer}/content/{}", escape_segment(name));
        let media = follow(raw, media, &at)?;
        let schema = match media.get("schema") {
            Some(s) => Some(Schema::read(s, &format!("{at}/schema"))?),
            None => None,
        };
        let example = media.get("example").cloned().or_else(|| {
            media
                .get("examples")
                .and_then(Value::as_object)
                .and_then(|m| m.values().next())
                .and_then(|e| e.get("value"))
                .cloned()
        });
        out.push(Media {
            name: name.clone(),
            schema,
            example,
        });
    }
    Ok(out)
}

fn read_operation(
    raw: &Value,
    method: Method,
    path: &str,
    op: &Value,
    shared: &[Parameter],
    pointer: String,
) -> Result<Operation, SchemaError> {
    let own = read_parameters(raw, op.get("parameters"), &pointer)?;
    let mut parameters: Vec<Parameter> = shared
        .iter()
        .filter(|s| {
            !own.iter()
                .any(|o| o.name == s.name && o.location == s.location)
        })
        .cloned()
        .collect();
    parameters.extend(own);
    let request_body = match op.get("requestBody") {
        Some(b) => {
            let at = format!("{pointer}/requestBody");
            let b = follow(raw, b, &at)?;
            Some(RequestBody {
                required: b.get("required").and_then(Value::as_bool) == Some(true),
                content: read_content(raw, b, &at)?,
            })
        }
        None => None,
    };
    let mut responses = Vec::new();
    if let Some(Value::Object(rs)) = op.get("responses") {
        for (status, r) in rs {
            let at = format!("{pointer}/responses/{}", escape_segment(status));
            let r = follow(raw, r, &at)?;
            responses.push(Response {
                status: status.clone(),
                description: r
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                content: read_content(raw, r, &at)?,
            });
        }
    }
    Ok(Operation {
        method,
        path: path.to_owned(),
        operation_id: op
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_owned),
        parameters,
        request_body,
        responses,
        pointer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::schema::Type;

    const USERS: &str = r##"{"openapi":"3.1.0","info":{"title":"users","version":"1"},
      "paths":{"/users/{user_id}":{
        "parameters":[{"name":"user_id","in":"path","required":true,"schema":{"type":"string"}}],
        "get":{"responses":{"200":{"description":"ok"}}},
        "put":{"operationId":"upsert","requestBody":{"$ref":"#/components/requestBodies/U"},
               "responses":{"201":{"description":"Created","content":{"application/json":{"schema":{"$ref":"#/components/schemas/User"}}}}}}}},
      "components":{"requestBodies":{"U":{"required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/User"}}}}},
        "schemas":{"User":{"type":"object","properties":{"name":{"type":"string"},
          "friend":{"$ref":"#/components/schemas/User","default":null}}}}}}"##;

    #[test]
    fn deep_yaml_is_refused_before_its_parser_runs() {
        let deep = format!("a: {}1{}", "[".repeat(100_000), "]".repeat(100_000));
        // Refused by the depth scan (the YAML parser's own refusal, after
        // a minute of work, would say "recursion limit exceeded").
        let err = Document::parse(deep.as_bytes()).unwrap_err();
        assert!(
            err.to_string()
                .contains("nested more than 1000 levels deep"),
            "{err}"
        );
        assert_eq!(flow_depth(b"a: '[[[' \"{{\\\"\" [1, {b: 2}]"), 2);
    }

    #[test]
    fn references_that_fan_out_are_refused_not_inlined_without_end() {
        // 12 levels, each model 8 properties of the next: 8^12 schemas
        // inlined, from a document of a few kilobytes.
        let mut schemas = serde_json::Map::new();
        for level in 0..12 {
            let next = format!("#/components/schemas/M{}", level + 1);
            let props: serde_json::Map<String, serde_json::Value> = (0..8)
                .map(|i| (format!("p{i}"), serde_json::json!({"$ref": next})))
                .collect();
            schemas.insert(
                format!("M{level}"),
                serde_json::json!({"type": "object", "properties": props}),
            );
        }
        schemas.insert("M12".into(), serde_json::json!({"type": "string"}));
        let doc = Document::from_value(serde_json::json!({
            "openapi": "3.1.0", "paths": {}, "components": {"schemas": schemas}
        }))
        .unwrap();
        let top =
            Schema::read(&serde_json::json!({"$ref": "#/components/schemas/M0"}), "#").unwrap();
        let err = doc.inline(&top).unwrap_err();
        assert!(err.why.contains("more than 100000 schemas"), "{}", err.why);
    }

    #[test]
    fn operations_parameters_and_bodies() {
        let doc = Document::parse(USERS.as_bytes()).unwrap();
        assert_eq!(doc.version, Version::V3_1);
        assert_eq!(doc.title.as_deref(), Some("users"));
        let put = doc.operation(Method::Put, "/users/{user_id}").unwrap();
        assert_eq!(put.label(), "PUT /users/{user_id}");
        assert_eq!(put.path_parameters().count(), 1, "the path-level parameter");
        let body = put.request_body.as_ref().unwrap();
        assert!(body.required);
        let schema = body.json().unwrap().schema.as_ref().unwrap();
        assert_eq!(schema.reference_name(), Some("User"));
        assert!(put.response(201).is_some() && put.response(200).is_none());
        assert!(doc.operation(Method::Get, "/users/{user_id}").is_some());
    }

    #[test]
    fn refs_resolve_and_recursion_stays_finite() {
        let doc = Document::parse(USERS.as_bytes()).unwrap();
        let user = doc.component("User").unwrap();
        let inlined = doc
            .inline(&Schema {
                reference: Some("#/components/schemas/User".into()),
                ..Schema::default()
            })
            .unwrap();
        assert_eq!(
            inlined.via_ref.as_deref(),
            Some("#/components/schemas/User")
        );
        assert!(inlined.property("name").unwrap().has_type(Type::String));
        // The friend field points back at User: left as a $ref.
        let friend = inlined.property("friend").unwrap();
        assert!(friend.reference.is_some(), "{friend:?}");
        // A field's default beside its $ref is laid over the target.
        let resolved = doc.resolve(user.property("friend").unwrap()).unwrap();
        assert_eq!(resolved.default, Some(Value::Null));
        assert_eq!(
            resolved.pointer,
            "#/components/schemas/User/properties/friend"
        );
    }

    #[test]
    fn yaml_documents_and_refusals() {
        let yaml = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a/{x}:\n    put:\n      parameters:\n        - {name: x, in: path, required: true, schema: {type: integer, minimum: 1}}\n      requestBody:\n        content:\n          application/json:\n            schema: {type: object, properties: {n: {type: number, nullable: true}}}\n      responses: {'200': {description: ok}}\n";
        let doc = Document::parse(yaml.as_bytes()).unwrap();
        assert_eq!(doc.version, Version::V3_0);
        let op = &doc.operations[0];
        let x = op.path_parameters().next().unwrap();
        assert_eq!(
            x.schema
                .as_ref()
                .unwrap()
                .minimum
                .as_ref()
                .unwrap()
                .to_string(),
            "1"
        );
        let n = op.request_body.as_ref().unwrap().json().unwrap();
        assert!(n.schema.as_ref().unwrap().property("n").unwrap().nullable);
        for (text, why) in [
            ("{\"swagger\":\"2.0\",\"paths\":{}}", "Swagger 2.0"),
            ("{\"openapi\":\"2.5\",\"paths\":{}}", "OpenAPI 2.5"),
            ("{\"a\":1}", "no \"paths\""),
            ("[1]", "not an object"),
            ("{\"openapi\": \"3.1.0\", \"paths\": {", "not JSON or YAML"),
            (": : :", "not JSON or YAML"),
        ] {
            let e = Document::parse(text.as_bytes()).unwrap_err().to_string();
            assert!(e.contains(why), "{text}: {e}");
        }
        let e = Document::parse(
            br#"{"openapi":"3.1.0","paths":{"/a":{"put":{"parameters":[{"in":"path"}]}}}}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "#/paths/~1a/put/parameters/0: a parameter needs a name"
        );
    }

    #[test]
    fn operation_parameters_replace_path_level_ones() {
        let doc = Document::parse(br#"{"openapi":"3.1.0","paths":{"/a/{x}":{
            "parameters":[{"name":"x","in":"path","schema":{"type":"string"}},{"name":"q","in":"query"}],
            "put":{"parameters":[{"name":"x","in":"path","schema":{"type":"integer"}}]}}}}"#)
            .unwrap();
        let op = &doc.operations[0];
        assert_eq!(op.parameters.len(), 2);
        let x = op.path_parameters().next().unwrap();
        assert!(x.schema.as_ref().unwrap().has_type(Type::Integer));
        assert!(!op.parameters[0].required, "an optional query parameter");
    }
}
