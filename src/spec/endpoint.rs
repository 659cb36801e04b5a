//! Which operations of a document are upsert endpoints, which one a
//! command works on, and what its id path parameter admits.
//!
//! An upsert is a `PUT` whose path has `{…}` path parameters (each
//! declared) and a JSON request body. One with a single parameter is
//! chosen without `--path`; several need `--path` to choose, and an
//! upsert under a parent resource (`/stores/{store_id}/books/{isbn}`) is
//! chosen by a `--path` that fills in all but the id
//! (`/stores/s1/books/{isbn}`).

use regex::Regex;
use serde_json::{Number, Value};

use super::document::{Document, Method, Operation};
use super::schema::{Schema, Type};

/// An upsert operation of a document.
#[derive(Clone, Copy, Debug)]
pub struct Upsert<'d> {
    /// The `PUT` operation.
    pub operation: &'d Operation,
    /// Its JSON request body's schema.
    pub body: &'d Schema,
}

impl Upsert<'_> {
    /// The path parameters' names, in the order the path holds them.
    pub fn parameters(&self) -> Vec<&str> {
        placeholders(&self.operation.path)
    }
}

/// The upsert a command works on, and what the document says of it.
#[derive(Clone, Debug)]
pub struct Choice<'d> {
    /// The operation.
    pub upsert: Upsert<'d>,
    /// The path with only the id left as a placeholder: the document's
    /// (`/users/{user_id}`) or the `--path` that chose it
    /// (`/stores/s1/books/{isbn}`).
    pub path: String,
    /// The path parameter that is the id.
    pub id_param: String,
    /// What that parameter admits.
    pub ids: IdRules,
    /// Whether the operation documents `204 No Content`.
    pub update_204: bool,
    /// Whether the document has a `GET` on the same path.
    pub readable: bool,
    /// The properties of the documented 201 (else 200) JSON response,
    /// when it is an object schema with properties.
    pub response_fields: Option<Vec<String>>,
}

/// Why no upsert could be chosen without more to go on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    /// Several single-parameter upserts: `--path` must choose.
    #[error("describes {} upsert candidates ({}): choose one with --path", .0.len(), .0.join(", "))]
    Several(Vec<String>),
    /// Only upserts under a parent resource: `--path` must fill in the
    /// parents.
    #[error("describes upserts with several path parameters ({}): give --path with all but the id filled in, like --path '{example}'", .listed.join(", "))]
    NeedsParents {
        /// The operations, `PUT /a/{x}/b/{y}`.
        listed: Vec<String>,
        /// The first of them with its parents filled in by upper-case
        /// names.
        example: String,
    },
}

/// The `{name}` placeholders of a path template, in order.
pub fn placeholders(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else {
            break;
        };
        out.push(&rest[open + 1..open + len]);
        rest = &rest[open + len + 1..];
    }
    out
}

/// Every upsert operation of `doc`, in document order: a `PUT` whose
/// every `{placeholder}` is a declared path parameter, with at least
/// one, and a JSON request body with a schema.
pub fn upserts(doc: &Document) -> Vec<Upsert<'_>> {
    doc.operations
        .iter()
        .filter(|op| op.method == Method::Put)
        .filter_map(|op| {
            let names = placeholders(&op.path);
            let declared: Vec<&str> = op.path_parameters().map(|p| p.name.as_str()).collect();
            let every = !names.is_empty()
                && names.len() == declared.len()
                && names.iter().all(|n| declared.contains(n));
            if !every {
                return None;
            }
            let body = op.request_body.as_ref()?.json()?.schema.as_ref()?;
            Some(Upsert {
                operation: op,
                body,
            })
        })
        .collect()
}

/// Chooses the upsert: the one named by `wanted` (`--path`, a template
/// with one placeholder), else the only single-parameter upsert. `None`
/// when the document has no upsert, or none that `wanted` names.
///
/// # Errors
/// [`ChoiceError`] when `wanted` is not given and the document's upserts
/// leave the choice open.
pub fn choose<'d>(
    doc: &'d Document,
    wanted: Option<&str>,
) -> Result<Option<Choice<'d>>, ChoiceError> {
    let all = upserts(doc);
    let (upsert, id_param, path) = match wanted {
        Some(wanted) => match all
            .iter()
            .find_map(|u| id_param(&u.operation.path, wanted).map(|id| (*u, id)))
        {
            Some((u, id)) => (u, id, wanted.to_owned()),
            None => return Ok(None),
        },
        None => {
            let single: Vec<&Upsert<'_>> =
                all.iter().filter(|u| u.parameters().len() == 1).collect();
            match single.as_slice() {
                [] if all.is_empty() => return Ok(None),
                [] => {
                    let first = &all[0];
                    let names = first.parameters();
                    let last = names.last().copied().unwrap_or("");
                    let example = names
                        .iter()
                        .filter(|n| **n != last)
                        .fold(first.operation.path.clone(), |p, n| {
                            p.replace(&format!("{{{n}}}"), &n.to_uppercase())
                        });
                    return Err(ChoiceError::NeedsParents {
                        listed: all.iter().map(|u| u.operation.label()).collect(),
                        example,
                    });
                }
                [one] => (
                    **one,
                    one.parameters()[0].to_owned(),
                    one.operation.path.clone(),
                ),
                several => {
                    return Err(ChoiceError::Several(
                        several.iter().map(|u| u.operation.label()).collect(),
                    ));
                }
            }
        }
    };
    let op = upsert.operation;
    let ids = op
        .path_parameters()
        .find(|p| p.name == id_param)
        .and_then(|p| p.schema.as_ref())
        .map(|s| IdRules::from_schema(doc, s))
        .unwrap_or_default();
    let response_fields = [201, 200].iter().find_map(|code| {
        let schema = op.response(*code)?.json()?.schema.as_ref()?;
        let mut s = doc.resolve(schema).ok()?.into_owned();
        if let Some([one]) = s.all_of.as_deref() {
            s = doc.resolve(one).ok()?.into_owned();
        }
        (!s.properties.is_empty()).then(|| s.properties.iter().map(|(n, _)| n.clone()).collect())
    });
    Ok(Some(Choice {
        upsert,
        ids,
        update_204: op.responses.iter().any(|r| r.status == "204"),
        readable: doc.operation(Method::Get, &op.path).is_some(),
        response_fields,
        id_param,
        path,
    }))
}

/// Whether `wanted` (`--path`) names the operation at `path`, and the
/// name of the parameter it leaves as the id. With one parameter, the
/// text around the placeholders must agree (its name may differ); with
/// several, each `{param}` segment of the document's path is either filled
/// in `wanted` or, for exactly one, left as a placeholder: the id.
fn id_param(path: &str, wanted: &str) -> Option<String> {
    let names = placeholders(path);
    if let [one] = names.as_slice() {
        let (before, after) = path.split_once(&format!("{{{one}}}"))?;
        let open = wanted.find('{')?;
        let close = wanted[open..].find('}')? + open;
        return (wanted[..open] == *before && wanted[close + 1..] == *after)
            .then(|| (*one).to_owned());
    }
    let (ours, theirs): (Vec<&str>, Vec<&str>) =
        (path.split('/').collect(), wanted.split('/').collect());
    if ours.len() != theirs.len() {
        return None;
    }
    let placeholder = |s: &str| s.len() > 2 && s.starts_with('{') && s.ends_with('}');
    let mut id = None;
    for (o, t) in ours.iter().zip(&theirs) {
        if placeholder(o) {
            if placeholder(t) {
                id = Some(o[1..o.len() - 1].to_owned());
            } else if t.is_empty() || t.contains(['{', '}']) {
                return None;
            }
        } else if o != t {
            return None;
        }
    }
    id
}

/// What a path parameter takes as an id (FastAPI: `item_id: str`, `int`
/// or `UUID`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IdKind {
    /// Any text (`"type": "string"`, or no schema).
    #[default]
    Text,
    /// An integer (`"type": "integer"`).
    Integer,
    /// A UUID (`"format": "uuid"`).
    Uuid,
}

impl IdKind {
    /// Whether the id is a JSON number where a body repeats it (an
    /// integer id), else a string.
    pub fn is_number(self) -> bool {
        self == IdKind::Integer
    }
}

/// The ids a path parameter admits: its kind and, from its schema, a text
/// id's `minLength`, `maxLength` and `pattern`, an integer id's bounds
/// (FastAPI: `Path(min_length=, max_length=, pattern=, ge=, le=, …)`).
/// Mirrors pydantic-core 2.50's checks (`src/validators/string.rs`,
/// `src/validators/int.rs`): lengths in characters, the pattern searched
/// anywhere in the id (anchors are the pattern's own) with the `regex`
/// crate, pydantic-core's own engine. A pattern that crate cannot read
/// (look-around, which pydantic hands to Python's `re`) is not checked.
#[derive(Clone, Debug, Default)]
pub struct IdRules {
    /// The kind of id.
    pub kind: IdKind,
    /// `minLength` of a text id, in characters.
    pub min_len: u64,
    /// `maxLength` of a text id, in characters.
    pub max_len: Option<u64>,
    /// `pattern` of a text id, compiled.
    pub pattern: Option<Regex>,
    /// More patterns every id must match too (a body field that repeats
    /// the id may have its own).
    pub also: Vec<Regex>,
    /// A pattern the `regex` crate cannot read (pydantic hands it to
    /// Python's `re`): not checked, so ids may be refused.
    pub unread: Option<String>,
    /// The ids an `enum` (an `Enum` or `Literal` path parameter) admits,
    /// as path text; `None` for any.
    pub choices: Option<Vec<String>>,
    /// The integers an integer id may be, as inclusive ends.
    pub range: (Option<i64>, Option<i64>),
}

impl PartialEq for IdRules {
    fn eq(&self, other: &IdRules) -> bool {
        let texts = |r: &IdRules| -> Vec<String> {
            r.pattern
                .iter()
                .chain(&r.also)
                .map(|p| p.as_str().to_owned())
                .collect()
        };
        self.kind == other.kind
            && (self.min_len, self.max_len) == (other.min_len, other.max_len)
            && texts(self) == texts(other)
            && (&self.unread, &self.choices) == (&other.unread, &other.choices)
            && self.range == other.range
    }
}

impl From<IdKind> for IdRules {
    fn from(kind: IdKind) -> IdRules {
        IdRules {
            kind,
            ..IdRules::default()
        }
    }
}

impl IdRules {
    /// The rules a path parameter's schema gives (`$ref`s followed, a
    /// null alternative of `anyOf` ignored).
    pub fn from_schema(doc: &Document, schema: &Schema) -> IdRules {
        let Ok(mut s) = doc.resolve(schema).map(std::borrow::Cow::into_owned) else {
            return IdRules::default();
        };
        if let Some(alts) = s.any_of.clone().or_else(|| s.one_of.clone()) {
            let others: Vec<&Schema> = alts.iter().filter(|a| !a.is_null()).collect();
            if let [one] = others.as_slice()
                && let Ok(one) = doc.resolve(one)
            {
                s = one.into_owned();
            }
        }
        let kind = match s.single_type() {
            Some(Type::Integer) => IdKind::Integer,
            Some(Type::String) if s.format.as_deref() == Some("uuid") => IdKind::Uuid,
            _ => IdKind::Text,
        };
        let pattern = s.pattern.as_deref().map(|p| (p, Regex::new(p).ok()));
        let choices = s.enumeration.as_ref().map(|values| {
            values
                .iter()
                .filter_map(|v| match v {
                    Value::String(t) => Some(t.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect()
        });
        IdRules {
            kind,
            min_len: s.min_length.unwrap_or(0),
            max_len: s.max_length,
            pattern: pattern.as_ref().and_then(|(_, r)| r.clone()),
            also: Vec::new(),
            unread: pattern.and_then(|(p, r)| r.is_none().then(|| p.to_owned())),
            choices,
            range: integer_range(&s),
        }
    }

    /// The ids both rules admit: the path parameter's and, where a body
    /// field repeats the id, that field's (its lengths, pattern, enum and
    /// bounds too).
    pub fn and(mut self, other: &IdRules) -> IdRules {
        self.min_len = self.min_len.max(other.min_len);
        self.max_len = match (self.max_len, other.max_len) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match (&self.pattern, &other.pattern) {
            (None, Some(p)) => self.pattern = Some(p.clone()),
            (Some(_), Some(p)) => self.also.push(p.clone()),
            _ => {}
        }
        self.also.extend(other.also.iter().cloned());
        self.unread = self.unread.take().or_else(|| other.unread.clone());
        self.choices = match (self.choices.take(), &other.choices) {
            (Some(a), Some(b)) => Some(a.into_iter().filter(|c| b.contains(c)).collect()),
            (a, b) => a.or_else(|| b.clone()),
        };
        let (lo, hi) = self.range;
        self.range = (
            lo.max(other.range.0),
            match (hi, other.range.1) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        );
        self
    }

    /// Whether the server would take `id` (as its path parameter checks
    /// it): the length and pattern of a text id, the bounds of an integer.
    pub fn admits(&self, id: &str) -> bool {
        if self
            .choices
            .as_ref()
            .is_some_and(|c| !c.iter().any(|v| v == id))
        {
            return false;
        }
        match self.kind {
            IdKind::Text => {
                let len = id.chars().count() as u64;
                len >= self.min_len
                    && self.max_len.is_none_or(|max| len <= max)
                    && self
                        .pattern
                        .iter()
                        .chain(&self.also)
                        .all(|p| p.is_match(id))
            }
            IdKind::Integer => id.parse::<i64>().is_ok_and(|n| {
                let (lo, hi) = self.range;
                lo.is_none_or(|lo| n >= lo) && hi.is_none_or(|hi| n <= hi)
            }),
            IdKind::Uuid => true,
        }
    }

    /// The rules in words, for messages: `text, 3 to 24 characters,
    /// pattern ^[a-z0-9-]+$`.
    pub fn describe(&self) -> String {
        let mut out = match self.kind {
            IdKind::Text => "text".to_owned(),
            IdKind::Integer => "integer".to_owned(),
            IdKind::Uuid => "UUID".to_owned(),
        };
        if self.min_len > 0 || self.max_len.is_some() {
            out.push_str(&match self.max_len {
                Some(max) if self.min_len == 0 => format!(", at most {max} characters"),
                Some(max) => format!(", {} to {max} characters", self.min_len),
                None => format!(", at least {} characters", self.min_len),
            });
        }
        for p in self.pattern.iter().chain(&self.also) {
            out.push_str(&format!(", pattern {}", p.as_str()));
        }
        if let Some(p) = &self.unread {
            out.push_str(&format!(
                ", pattern {p} (not checked: the regex crate cannot read it)"
            ));
        }
        if let Some(c) = &self.choices {
            out.push_str(&format!(", one of {}", c.join(", ")));
        }
        let (lo, hi) = self.range;
        if lo.is_some() || hi.is_some() {
            let end = |v: Option<i64>| v.map_or("…".to_owned(), |v| v.to_string());
            out.push_str(&format!(", {} to {}", end(lo), end(hi)));
        }
        out
    }
}

/// A JSON number as `f64` (bounds in documents are small).
pub fn as_f64(n: &Number) -> f64 {
    n.as_f64().unwrap_or(f64::NAN)
}

/// The integers a schema's bounds admit, as inclusive ends.
pub fn integer_range(s: &Schema) -> (Option<i64>, Option<i64>) {
    let lo = s.lower_bound().map(|b| {
        let v = as_f64(&b.value);
        let f = v.ceil() as i64;
        if b.exclusive && f as f64 <= v {
            f + 1
        } else {
            f
        }
    });
    let hi = s.upper_bound().map(|b| {
        let v = as_f64(&b.value);
        let f = v.floor() as i64;
        if b.exclusive && f as f64 >= v {
            f - 1
        } else {
            f
        }
    });
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn doc(v: Value) -> Document {
        Document::from_value(v).unwrap()
    }

    fn put_op(param: &str, schema: Value) -> Value {
        json!({"put": {
            "parameters": [{"name": param, "in": "path", "required": true, "schema": {"type": "string"}}],
            "requestBody": {"content": {"application/json": {"schema": schema}}, "required": true},
            "responses": {"200": {"description": ""}, "422": {"description": ""}}}})
    }

    #[test]
    fn one_candidate_is_the_endpoint() {
        let d = doc(json!({"openapi": "3.1.0", "paths": {
            "/api/v1/users/{user_id}": put_op("user_id", json!({"$ref": "#/components/schemas/User"})),
            "/health": {"get": {}}},
            "components": {"schemas": {"User": {"type": "object", "properties": {"name": {"type": "string"}}}}}}));
        let c = choose(&d, None).unwrap().unwrap();
        assert_eq!(c.path, "/api/v1/users/{user_id}");
        assert_eq!(c.id_param, "user_id");
        assert_eq!(c.upsert.body.reference_name(), Some("User"));
        assert!(!c.readable && !c.update_204);
    }

    #[test]
    fn a_parents_parameter_is_filled_in_by_the_path() {
        let mut op = put_op(
            "isbn",
            json!({"type": "object", "properties": {"isbn": {"type": "string"}}}),
        );
        op["put"]["parameters"] = json!([
            {"name": "store_id", "in": "path", "required": true, "schema": {"type": "string"}},
            {"name": "isbn", "in": "path", "required": true, "schema": {"type": "string", "maxLength": 13}}]);
        let d = doc(json!({"openapi": "3.1.0", "paths": {"/stores/{store_id}/books/{isbn}": op}}));
        let e = choose(&d, None).unwrap_err();
        assert!(
            e.to_string().ends_with("give --path with all but the id filled in, like --path '/stores/STORE_ID/books/{isbn}'"),
            "{e}"
        );
        let c = choose(&d, Some("/stores/s1/books/{isbn}"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (c.id_param.as_str(), c.path.as_str()),
            ("isbn", "/stores/s1/books/{isbn}")
        );
        assert!(!c.ids.admits("12345678901234"));
        for other in ["/shops/s1/books/{isbn}", "/stores/s1/books/{isbn}/x"] {
            assert!(choose(&d, Some(other)).unwrap().is_none(), "{other}");
        }
    }

    #[test]
    fn several_candidates_need_a_path() {
        let obj = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        let d = doc(
            json!({"openapi": "3.1.0", "paths": {"/a/{x}": put_op("x", obj.clone()), "/b/{y}": put_op("y", obj)}}),
        );
        assert_eq!(
            choose(&d, None).unwrap_err(),
            ChoiceError::Several(vec!["PUT /a/{x}".into(), "PUT /b/{y}".into()])
        );
        let c = choose(&d, Some("/b/{id}")).unwrap().unwrap();
        assert_eq!(c.id_param, "y");
        assert!(choose(&d, Some("/c/{id}")).unwrap().is_none());
    }

    #[test]
    fn operations_that_are_not_upserts_are_not_candidates() {
        let obj = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        let mut no_body = put_op("x", obj.clone());
        no_body["put"]
            .as_object_mut()
            .unwrap()
            .remove("requestBody");
        let d = doc(json!({"openapi": "3.1.0", "paths": {
            "/settings": {"put": {"requestBody": {"content": {"application/json": {"schema": obj}}}}},
            "/a/{x}": no_body,
            "/b/{x}/c/{y}": put_op("x", json!({}))}}));
        assert!(upserts(&d).is_empty());
        assert!(choose(&d, None).unwrap().is_none());
    }

    #[test]
    fn documented_extras() {
        let mut op = put_op(
            "k",
            json!({"type": "object", "properties": {"a": {"type": "string"}, "secret": {"type": "string"}}}),
        );
        op["put"]["responses"]["201"] = json!({"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Public"}}}});
        op["put"]["responses"]["204"] = json!({"description": ""});
        op["get"] = json!({"responses": {}});
        let d = doc(json!({"openapi": "3.1.0", "paths": {"/things/{k}": op},
            "components": {"schemas": {"Public": {"type": "object", "properties": {"a": {"type": "string"}}}}}}));
        let c = choose(&d, None).unwrap().unwrap();
        assert_eq!(c.response_fields, Some(vec!["a".to_owned()]));
        assert!(c.update_204 && c.readable);
    }

    #[test]
    fn id_rules_follow_the_path_parameter() {
        let d = doc(json!({"openapi": "3.1.0", "paths": {}}));
        let rules = |v: Value| IdRules::from_schema(&d, &Schema::read(&v, "#").unwrap());
        assert_eq!(rules(json!({"type": "integer"})).kind, IdKind::Integer);
        assert_eq!(
            rules(json!({"type": "string", "format": "uuid"})).kind,
            IdKind::Uuid
        );
        assert_eq!(
            rules(json!({"anyOf": [{"type": "integer"}, {"type": "null"}]})).kind,
            IdKind::Integer
        );
        let small = rules(json!({"type": "integer", "minimum": 1, "maximum": 100000}));
        assert!(!small.admits("0") && small.admits("1") && !small.admits("100001"));
        assert_eq!(small.describe(), "integer, 1 to 100000");
        let above = rules(json!({"type": "integer", "exclusiveMinimum": 0}));
        assert_eq!(above.range, (Some(1), None));
        let slug = rules(
            json!({"type": "string", "pattern": "^[a-z0-9-]+$", "minLength": 3, "maxLength": 24}),
        );
        assert!(!slug.admits("Ünï") && !slug.admits("ab") && slug.admits("abc"));
        assert_eq!(
            slug.describe(),
            "text, 3 to 24 characters, pattern ^[a-z0-9-]+$"
        );
        // A pattern the regex crate cannot read is not checked.
        assert!(rules(json!({"type": "string", "pattern": "^(?!x)"})).admits("x-anything"));
    }
}
