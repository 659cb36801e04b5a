//! A lossless model of one JSON Schema, as OpenAPI 3.0 and 3.1 documents
//! hold them (JSON Schema draft 2020-12 for 3.1, the 3.0 subset with
//! `nullable` and boolean `exclusiveMinimum`): every keyword FastAPI and
//! pydantic 2 emit is a typed field, and every other keyword is kept as
//! written in [`Schema::other`], so nothing the document says is lost.
//!
//! Reading never follows a `$ref`: the reference is kept
//! ([`Schema::reference`]) and resolved by the document
//! ([`crate::spec::document::Document::resolve`]), so that recursive models
//! stay finite and a consumer can still tell a `$ref` to an `Enum` class
//! (pydantic's error type `enum`) from an inline `Literal`
//! (`literal_error`).

use std::fmt;

use serde_json::{Map, Number, Value};

/// How deep schemas may nest in a document (a hostile document cannot
/// exhaust the stack; FastAPI's are a handful of levels deep).
pub const MAX_NESTING: usize = 32;

/// One JSON Schema: its keywords, typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    /// Where it stands in its document, as a JSON pointer fragment
    /// (`#/components/schemas/User/properties/age`), for messages.
    pub pointer: String,
    /// `$ref`, as written (`#/components/schemas/User`).
    pub reference: Option<String>,
    /// The `$ref` this schema was reached through, once the document
    /// resolved it (`None` for a schema read where it is written): how a
    /// resolved schema still tells a named model or `Enum` class apart.
    pub via_ref: Option<String>,
    /// `type`: one name or (3.1) several; `None` when absent.
    pub types: Option<Vec<Type>>,
    /// OpenAPI 3.0's `nullable: true`.
    pub nullable: bool,
    /// `format` (`date-time`, `uuid`, `email`, `uri`, …), whatever it is.
    pub format: Option<String>,
    /// `enum`: the admitted values.
    pub enumeration: Option<Vec<Value>>,
    /// `const`: the one admitted value.
    pub constant: Option<Value>,
    /// `minLength`, in characters.
    pub min_length: Option<u64>,
    /// `maxLength`, in characters.
    pub max_length: Option<u64>,
    /// `pattern`: a regular expression searched in the string.
    pub pattern: Option<String>,
    /// `minimum`, as written (`0`, `0.0`, `1e3` stay distinct).
    pub minimum: Option<Number>,
    /// `maximum`, as written.
    pub maximum: Option<Number>,
    /// `exclusiveMinimum`: a bound (3.1) or a flag on `minimum` (3.0).
    pub exclusive_minimum: Option<Exclusive>,
    /// `exclusiveMaximum`: a bound (3.1) or a flag on `maximum` (3.0).
    pub exclusive_maximum: Option<Exclusive>,
    /// `multipleOf`.
    pub multiple_of: Option<Number>,
    /// `items`: the schema of every element (after `prefixItems`);
    /// `Some(None)` for `items: false` (no elements beyond the prefix).
    pub items: Option<Option<Box<Schema>>>,
    /// `prefixItems` (3.1 tuples): the schemas of the first elements.
    pub prefix_items: Option<Vec<Schema>>,
    /// `minItems`.
    pub min_items: Option<u64>,
    /// `maxItems`.
    pub max_items: Option<u64>,
    /// `uniqueItems` (pydantic's `set` and `frozenset`).
    pub unique_items: bool,
    /// `properties`, in the document's order.
    pub properties: Vec<(String, Schema)>,
    /// `required`: property names.
    pub required: Vec<String>,
    /// `additionalProperties`.
    pub additional_properties: Option<Additional>,
    /// `minProperties`.
    pub min_properties: Option<u64>,
    /// `maxProperties`.
    pub max_properties: Option<u64>,
    /// `anyOf`: every alternative, in order.
    pub any_of: Option<Vec<Schema>>,
    /// `oneOf`: every alternative, in order.
    pub one_of: Option<Vec<Schema>>,
    /// `allOf`: every part, in order.
    pub all_of: Option<Vec<Schema>>,
    /// `not`.
    pub not: Option<Box<Schema>>,
    /// `discriminator` (OpenAPI): the property that names the alternative
    /// of a `oneOf`, and the tag → `$ref` mapping.
    pub discriminator: Option<Discriminator>,
    /// `title`.
    pub title: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `default`.
    pub default: Option<Value>,
    /// `examples` (3.1), then `example` (3.0), in that order.
    pub examples: Vec<Value>,
    /// `readOnly`: sent by the server only (pydantic: a computed field).
    pub read_only: bool,
    /// `writeOnly`: sent by the client only.
    pub write_only: bool,
    /// `deprecated`.
    pub deprecated: bool,
    /// Whether the schema is the boolean `false` (admits nothing); `true`
    /// reads as an empty schema.
    pub impossible: bool,
    /// Every other keyword, as written (`$defs`, `patternProperties`,
    /// `contentMediaType`, extensions …).
    pub other: Map<String, Value>,
}

/// A JSON type name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// `null`.
    Null,
    /// `boolean`.
    Boolean,
    /// `integer`.
    Integer,
    /// `number`.
    Number,
    /// `string`.
    String,
    /// `array`.
    Array,
    /// `object`.
    Object,
}

impl Type {
    /// The name as JSON Schema writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Type::Null => "null",
            Type::Boolean => "boolean",
            Type::Integer => "integer",
            Type::Number => "number",
            Type::String => "string",
            Type::Array => "array",
            Type::Object => "object",
        }
    }

    fn parse(name: &str) -> Option<Type> {
        Some(match name {
            "null" => Type::Null,
            "boolean" => Type::Boolean,
            "integer" => Type::Integer,
            "number" => Type::Number,
            "string" => Type::String,
            "array" => Type::Array,
            "object" => Type::Object,
            _ => return None,
        })
    }
}

/// `exclusiveMinimum` / `exclusiveMaximum`.
#[derive(Clone, Debug, PartialEq)]
pub enum Exclusive {
    /// OpenAPI 3.0: the neighbouring `minimum`/`maximum` is exclusive.
    Flag(bool),
    /// OpenAPI 3.1: the exclusive bound itself.
    Bound(Number),
}

/// `additionalProperties`.
#[derive(Clone, Debug, PartialEq)]
pub enum Additional {
    /// `true` (any value) or `false` (no other property: pydantic's
    /// `extra="forbid"`).
    Allowed(bool),
    /// The schema of every other property's value (a `dict[str, T]`).
    Schema(Box<Schema>),
}

/// An OpenAPI `discriminator`.
#[derive(Clone, Debug, PartialEq)]
pub struct Discriminator {
    /// `propertyName`.
    pub property_name: String,
    /// `mapping`: tag → `$ref`, in the document's order.
    pub mapping: Vec<(String, String)>,
}

/// A numeric bound: its value as written and whether it is exclusive.
#[derive(Clone, Debug, PartialEq)]
pub struct Bound {
    /// The bound.
    pub value: Number,
    /// Whether the bound itself is outside the range.
    pub exclusive: bool,
}

/// Why a schema cannot be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {why}")]
pub struct SchemaError {
    /// Where, as a JSON pointer fragment.
    pub pointer: String,
    /// What is wrong, in a few words.
    pub why: String,
}

impl Schema {
    /// Reads a schema found at `pointer` (a JSON pointer fragment such as
    /// `#/components/schemas/User`, used in messages).
    ///
    /// # Errors
    /// [`SchemaError`] when the value is neither an object nor a boolean,
    /// a keyword has the wrong JSON type (`"minLength": "3"`), or schemas
    /// nest deeper than [`MAX_NESTING`].
    pub fn read(value: &Value, pointer: &str) -> Result<Schema, SchemaError> {
        read_at(value, pointer, 0)
    }

    /// The schema that admits anything (`{}`).
    pub fn any() -> Schema {
        Schema::default()
    }

    /// Whether `type` names `t` (an absent `type` names nothing).
    pub fn has_type(&self, t: Type) -> bool {
        self.types.as_ref().is_some_and(|ts| ts.contains(&t))
    }

    /// The one non-null type named, when `type` names exactly one besides
    /// `null`.
    pub fn single_type(&self) -> Option<Type> {
        let types = self.types.as_ref()?;
        let mut named = types.iter().filter(|t| **t != Type::Null);
        match (named.next(), named.next()) {
            (Some(t), None) => Some(*t),
            _ => None,
        }
    }

    /// The lower bound: `exclusiveMinimum` (3.1) or `minimum` with its 3.0
    /// flag. Where both a 3.1 `exclusiveMinimum` and a `minimum` are given,
    /// the exclusive one is returned (pydantic emits only one).
    pub fn lower_bound(&self) -> Option<Bound> {
        bound(self.minimum.as_ref(), self.exclusive_minimum.as_ref())
    }

    /// The upper bound, as [`Schema::lower_bound`].
    pub fn upper_bound(&self) -> Option<Bound> {
        bound(self.maximum.as_ref(), self.exclusive_maximum.as_ref())
    }

    /// The name the last segment of `$ref` gives
    /// (`#/components/schemas/User` → `User`), also once resolved.
    pub fn reference_name(&self) -> Option<&str> {
        self.reference
            .as_deref()
            .or(self.via_ref.as_deref())
            .and_then(|r| r.rsplit('/').next())
    }

    /// The value of the property named `name`.
    pub fn property(&self, name: &str) -> Option<&Schema> {
        self.properties
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s)
    }

    /// Whether `name` is listed in `required`.
    pub fn requires(&self, name: &str) -> bool {
        self.required.iter().any(|r| r == name)
    }

    /// The alternatives of `anyOf`, else of `oneOf` (empty when neither).
    pub fn alternatives(&self) -> &[Schema] {
        self.any_of
            .as_deref()
            .or(self.one_of.as_deref())
            .unwrap_or(&[])
    }

    /// Whether this schema admits only `null` (`{"type": "null"}`, or
    /// `enum`/`const` of null alone).
    pub fn is_null(&self) -> bool {
        matches!(self.types.as_deref(), Some([Type::Null]))
            || self.constant.as_ref().is_some_and(Value::is_null)
            || self
                .enumeration
                .as_ref()
                .is_some_and(|e| !e.is_empty() && e.iter().all(Value::is_null))
    }
}

fn bound(inclusive: Option<&Number>, exclusive: Option<&Exclusive>) -> Option<Bound> {
    match (inclusive, exclusive) {
        (_, Some(Exclusive::Bound(value))) => Some(Bound {
            value: value.clone(),
            exclusive: true,
        }),
        (Some(value), flag) => Some(Bound {
            value: value.clone(),
            exclusive: matches!(flag, Some(Exclusive::Flag(true))),
        }),
        (None, _) => None,
    }
}

/// A JSON pointer segment, escaped (`~` → `~0`, `/` → `~1`); most names
/// need neither, and are not copied.
pub fn escape_segment(name: &str) -> std::borrow::Cow<'_, str> {
    if name.contains(['~', '/']) {
        name.replace('~', "~0").replace('/', "~1").into()
    } else {
        name.into()
    }
}

fn read_at(value: &Value, pointer: &str, depth: usize) -> Result<Schema, SchemaError> {
    let err = |why: String| SchemaError {
        pointer: pointer.to_owned(),
        why,
    };
    if depth > MAX_NESTING {
        return Err(err(format!(
            "schemas nest deeper than {MAX_NESTING} levels"
        )));
    }
    let obj = match value {
        Value::Bool(true) => {
            return Ok(Schema {
                pointer: pointer.to_owned(),
                ..Schema::default()
            });
        }
        Value::Bool(false) => {
            return Ok(Schema {
                pointer: pointer.to_owned(),
                impossible: true,
                ..Schema::default()
            });
        }
        Value::Object(obj) => obj,
        other => {
            return Err(err(format!(
                "a schema must be an object or a boolean, not {}",
                json_type(other)
            )));
        }
    };
    let mut s = Schema {
        pointer: pointer.to_owned(),
        ..Schema::default()
    };
    let at = |key: &str| format!("{pointer}/{}", escape_segment(key));
    let sub = |key: &str, v: &Value| read_at(v, &at(key), depth + 1);
    let list = |key: &str, v: &Value| -> Result<Vec<Schema>, SchemaError> {
        let Value::Array(items) = v else {
            return Err(err(format!("{key} must be an array of schemas")));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| read_at(item, &format!("{}/{i}", at(key)), depth + 1))
            .collect()
    };
    for (key, v) in obj {
        let count = || {
            v.as_u64()
                .ok_or_else(|| err(format!("{key} must be a non-negative integer")))
        };
        let number = || match v {
            Value::Number(n) => Ok(n.clone()),
            _ => Err(err(format!("{key} must be a number"))),
        };
        let text = || {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| err(format!("{key} must be a string")))
        };
        let flag = || {
            v.as_bool()
                .ok_or_else(|| err(format!("{key} must be true or false")))
        };
        match key.as_str() {
            "$ref" => s.reference = Some(text()?),
            "type" => {
                let names: Vec<&Value> = match v {
                    Value::Array(names) => names.iter().collect(),
                    one => vec![one],
                };
                let mut types = Vec::with_capacity(names.len());
                for name in names {
                    let t = name.as_str().and_then(Type::parse).ok_or_else(|| {
                        err(format!("type {name} is not a JSON Schema type name"))
                    })?;
                    types.push(t);
                }
                s.types = Some(types);
            }
            "nullable" => s.nullable = flag()?,
            "format" => s.format = Some(text()?),
            "enum" => match v {
                Value::Array(values) => s.enumeration = Some(values.clone()),
                _ => return Err(err("enum must be an array".into())),
            },
            "const" => s.constant = Some(v.clone()),
            "minLength" => s.min_length = Some(count()?),
            "maxLength" => s.max_length = Some(count()?),
            "pattern" => s.pattern = Some(text()?),
            "minimum" => s.minimum = Some(number()?),
            "maximum" => s.maximum = Some(number()?),
            "exclusiveMinimum" | "exclusiveMaximum" => {
                let e = match v {
                    Value::Bool(b) => Exclusive::Flag(*b),
                    Value::Number(n) => Exclusive::Bound(n.clone()),
                    _ => return Err(err(format!("{key} must be a number or a boolean"))),
                };
                if key == "exclusiveMinimum" {
                    s.exclusive_minimum = Some(e);
                } else {
                    s.exclusive_maximum = Some(e);
                }
            }
            "multipleOf" => s.multiple_of = Some(number()?),
            "items" => {
                s.items = Some(match v {
                    Value::Bool(false) => None,
                    // 3.0 allowed no arrays here; draft 4 tuples are kept as
                    // prefixItems would be.
                    Value::Array(_) => {
                        s.prefix_items = Some(list(key, v)?);
                        continue;
                    }
                    item => Some(Box::new(sub(key, item)?)),
                })
            }
            "prefixItems" => s.prefix_items = Some(list(key, v)?),
            "minItems" => s.min_items = Some(count()?),
            "maxItems" => s.max_items = Some(count()?),
            "uniqueItems" => s.unique_items = flag()?,
            "properties" => {
                let Value::Object(props) = v else {
                    return Err(err("properties must be an object".into()));
                };
                for (name, prop) in props {
                    let p = read_at(
                        prop,
                        &format!("{}/{}", at(key), escape_segment(name)),
                        depth + 1,
                    )?;
                    s.properties.push((name.clone(), p));
                }
            }
            "required" => match v {
                Value::Array(names) => {
                    s.required = names
                        .iter()
                        .map(|n| {
                            n.as_str()
                                .map(str::to_owned)
                                .ok_or_else(|| err("required must list strings".into()))
                        })
                        .collect::<Result<_, _>>()?;
                }
                // Swagger-style `required: true` on a property: kept as written.
                _ => {
                    s.other.insert(key.clone(), v.clone());
                }
            },
            "additionalProperties" => {
                s.additional_properties = Some(match v {
                    Value::Bool(b) => Additional::Allowed(*b),
                    schema => Additional::Schema(Box::new(sub(key, schema)?)),
                })
            }
            "minProperties" => s.min_properties = Some(count()?),
            "maxProperties" => s.max_properties = Some(count()?),
            "anyOf" => s.any_of = Some(list(key, v)?),
            "oneOf" => s.one_of = Some(list(key, v)?),
            "allOf" => s.all_of = Some(list(key, v)?),
            "not" => s.not = Some(Box::new(sub(key, v)?)),
            "discriminator" => {
                let name = v
                    .get("propertyName")
                    .and_then(Value::as_str)
                    .ok_or_else(|| err("discriminator needs a propertyName".into()))?;
                let mapping = match v.get("mapping") {
                    Some(Value::Object(m)) => m
                        .iter()
                        .filter_map(|(tag, r)| Some((tag.clone(), r.as_str()?.to_owned())))
                        .collect(),
                    _ => Vec::new(),
                };
                s.discriminator = Some(Discriminator {
                    property_name: name.to_owned(),
                    mapping,
                });
            }
            "title" => s.title = Some(text()?),
            "description" => s.description = Some(text()?),
            "default" => s.default = Some(v.clone()),
            "examples" => {
                // `examples` come before a 3.0 `example`, whatever the key order.
                let mut first = match v {
                    Value::Array(values) => values.clone(),
                    one => vec![one.clone()],
                };
                first.append(&mut s.examples);
                s.examples = first;
            }
            "example" => s.examples.push(v.clone()),
            "readOnly" => s.read_only = flag()?,
            "writeOnly" => s.write_only = flag()?,
            "deprecated" => s.deprecated = flag()?,
            _ => {
                s.other.insert(key.clone(), v.clone());
            }
        }
    }
    Ok(s)
}

/// The JSON type of a value, in words (`a string`, `an array`).
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> Schema {
        Schema::read(&v, "#").unwrap()
    }

    #[test]
    fn every_keyword_pydantic_emits_is_typed() {
        let s = read(json!({
            "type": ["string", "null"], "format": "date-time", "minLength": 1, "maxLength": 9,
            "pattern": "^a", "title": "T", "description": "d", "default": "x",
            "examples": ["e1"], "example": "e0", "readOnly": true, "writeOnly": false, "deprecated": true,
            "x-extra": 1, "$defs": {"A": {}}
        }));
        assert_eq!(s.types, Some(vec![Type::String, Type::Null]));
        assert_eq!(s.single_type(), Some(Type::String));
        assert_eq!((s.min_length, s.max_length), (Some(1), Some(9)));
        assert_eq!(s.examples, vec![json!("e1"), json!("e0")]);
        assert!(s.read_only && s.deprecated && !s.write_only);
        assert_eq!(s.other.len(), 2, "{:?}", s.other);
    }

    #[test]
    fn bounds_keep_their_spelling_and_3_0_flags() {
        let s = read(json!({"type": "number", "exclusiveMinimum": 0.0, "maximum": 10}));
        let lo = s.lower_bound().unwrap();
        assert!(lo.exclusive);
        assert_eq!(lo.value.to_string(), "0.0");
        let hi = s.upper_bound().unwrap();
        assert!(!hi.exclusive);
        assert_eq!(hi.value.to_string(), "10");
        let s = read(json!({"type": "integer", "minimum": 1, "exclusiveMinimum": true}));
        assert!(s.lower_bound().unwrap().exclusive);
        assert!(s.upper_bound().is_none());
    }

    #[test]
    fn composites_keep_every_alternative_and_refs_are_not_followed() {
        let s = read(json!({
            "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
            "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"}}
        }));
        assert_eq!(s.alternatives().len(), 2);
        assert_eq!(s.alternatives()[1].reference_name(), Some("Dog"));
        assert_eq!(s.alternatives()[1].pointer, "#/oneOf/1");
        let d = s.discriminator.unwrap();
        assert_eq!(d.property_name, "kind");
        assert_eq!(d.mapping[0].0, "cat");
    }

    #[test]
    fn objects_arrays_and_dicts() {
        let s = read(json!({
            "type": "object", "required": ["a"], "additionalProperties": false,
            "properties": {"a": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 3, "uniqueItems": true},
                           "b/c": {"type": "object", "additionalProperties": {"type": "integer"}},
                           "t": {"type": "array", "prefixItems": [{"type": "string"}], "items": false}}
        }));
        assert!(s.requires("a") && !s.requires("b/c"));
        assert_eq!(s.additional_properties, Some(Additional::Allowed(false)));
        let a = s.property("a").unwrap();
        assert_eq!(
            (a.min_items, a.max_items, a.unique_items),
            (Some(1), Some(3), true)
        );
        assert!(
            a.items
                .as_ref()
                .unwrap()
                .as_ref()
                .unwrap()
                .has_type(Type::Integer)
        );
        let d = s.property("b/c").unwrap();
        assert_eq!(d.pointer, "#/properties/b~1c");
        assert!(
            matches!(&d.additional_properties, Some(Additional::Schema(v)) if v.has_type(Type::Integer))
        );
        let t = s.property("t").unwrap();
        assert_eq!(t.items, Some(None));
        assert_eq!(t.prefix_items.as_ref().unwrap().len(), 1);
    }

    #[test]
    fn bad_keywords_name_the_pointer() {
        let e = Schema::read(&json!({"properties": {"a": {"minLength": "3"}}}), "#/x").unwrap_err();
        assert_eq!(
            e.to_string(),
            "#/x/properties/a: minLength must be a non-negative integer"
        );
        let e = Schema::read(&json!({"type": "str"}), "#").unwrap_err();
        assert!(e.why.contains("not a JSON Schema type name"), "{e}");
        assert!(Schema::read(&json!(3), "#").is_err());
        assert!(read(json!(false)).impossible);
        let mut deep = json!({});
        for _ in 0..40 {
            deep = json!({"items": deep});
        }
        assert!(Schema::read(&deep, "#").unwrap_err().why.contains("deeper"));
    }

    #[test]
    fn null_schemas() {
        assert!(read(json!({"type": "null"})).is_null());
        assert!(read(json!({"const": null})).is_null());
        assert!(!read(json!({"type": ["string", "null"]})).is_null());
    }
}
