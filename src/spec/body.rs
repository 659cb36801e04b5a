//! The item an upsert's request body carries, read from its schema: the
//! top-level fields, each with whether it is required, whether it may be
//! null, its default, and its (resolved) schema, as FastAPI and pydantic
//! emit them (`$ref` into `#/components/schemas`, one-element `allOf`,
//! `anyOf` with `{"type": "null"}`, 3.1 type arrays, 3.0 `nullable`).
//!
//! FastAPI's multi-`Body` wrapper (`Body_upsert_item_items__item_id__put`)
//! is an object schema like any model: each body parameter is a field.

use std::fmt;

use serde_json::Value;

use super::document::Document;
use super::endpoint::IdKind;
use super::schema::{Additional, Schema, Type};

/// The fields of an item, in the schema's order.
#[derive(Clone, Debug, PartialEq)]
pub struct Body {
    /// The schema's name (`User`, `Body_upsert_item_items__item_id__put`),
    /// else its `title`, else `item`.
    pub title: String,
    /// Its fields.
    pub fields: Vec<Field>,
    /// The body's object schema, every `$ref` inside it inlined (a
    /// recursive model's back-reference left as a `$ref`).
    pub schema: Schema,
}

/// One top-level field of an item.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The JSON key (pydantic's alias, where there is one).
    pub name: String,
    /// Whether a body must carry it.
    pub required: bool,
    /// Whether `null` is a valid value.
    pub nullable: bool,
    /// The `default` the schema gives, if any.
    pub default: Option<Value>,
    /// Its schema without the null alternative, `$ref`s inlined.
    pub schema: Schema,
}

impl Field {
    /// The value a server stores when the field is left out, when the
    /// schema tells it: the default, else null for a nullable field that
    /// is not required.
    pub fn value_when_omitted(&self) -> Option<Value> {
        match (&self.default, self.nullable, self.required) {
            (Some(d), _, _) => Some(d.clone()),
            (None, true, false) => Some(Value::Null),
            _ => None,
        }
    }
}

impl Body {
    /// Reads the item of `schema`, resolving `$ref`s against `doc`.
    ///
    /// # Errors
    /// A one-line reason when `schema` is not an object schema with
    /// `properties` (a body that is a bare list or string has no fields),
    /// or a `$ref` does not resolve.
    pub fn of(doc: &Document, schema: &Schema) -> Result<Body, String> {
        let mut s = doc.inline(schema).map_err(|e| e.to_string())?;
        if let Some([one]) = s.all_of.as_deref() {
            s = one.clone();
        }
        if s.properties.is_empty() {
            return Err("the request body is not a JSON object with properties".into());
        }
        let fields = s
            .properties
            .iter()
            .map(|(name, prop)| {
                let (schema, nullable) = without_null(prop);
                Field {
                    name: name.clone(),
                    required: s.requires(name),
                    nullable,
                    default: prop.default.clone(),
                    schema,
                }
            })
            .collect();
        Ok(Body {
            title: s
                .reference_name()
                .map(str::to_owned)
                .or_else(|| s.title.clone())
                .unwrap_or_else(|| "item".into()),
            fields,
            schema: s,
        })
    }

    /// The field that repeats an id of `kind` in the body: named `param`
    /// (the path parameter), else `id`, with a type the id has.
    pub fn id_field(&self, param: &str, kind: IdKind) -> Option<&Field> {
        let fits = |f: &&Field| {
            let s = &f.schema;
            match (s.single_type(), kind) {
                (Some(Type::Integer), IdKind::Integer) => true,
                (Some(Type::String), IdKind::Uuid) => {
                    s.format.as_deref().is_none_or(|f| f == "uuid")
                }
                (Some(Type::String), IdKind::Text) => s.format.is_none(),
                (None, IdKind::Text | IdKind::Uuid) => {
                    s.properties.is_empty() && s.alternatives().is_empty()
                }
                _ => false,
            }
        };
        [param, "id"]
            .iter()
            .find_map(|name| self.fields.iter().find(|f| f.name == *name).filter(fits))
    }

    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether this is the tutorial's item (whatever its title): `name`
    /// (free text or null) and `size` (any integer or null), neither
    /// required, both null when left out.
    pub fn is_tutorial(&self) -> bool {
        let plain = |f: &Field, t: Type| {
            f.nullable
                && !f.required
                && f.value_when_omitted() == Some(Value::Null)
                && f.schema.types.as_deref() == Some(&[t])
                && unconstrained(&f.schema)
        };
        matches!(self.fields.as_slice(), [n, s]
            if n.name == "name" && s.name == "size" && plain(n, Type::String) && plain(s, Type::Integer))
    }

    /// For FastAPI's wrapper of one embedded model (`Body(embed=True)`:
    /// `{"item": {…}}`), the wrapped field's name: such endpoints often
    /// answer with the model itself.
    pub fn embedded_model(&self) -> Option<&str> {
        match self.fields.as_slice() {
            [f] if self.title.starts_with("Body_") && !f.schema.properties.is_empty() => {
                Some(&f.name)
            }
            _ => None,
        }
    }

    /// The first field whose value may be any text (no format, pattern,
    /// enum or short `maxLength`): where non-ASCII text can go.
    pub fn free_text_field(&self) -> Option<&Field> {
        self.fields.iter().find(|f| is_free_text(&f.schema))
    }
}

/// Whether a schema is a string of free text: no format, pattern or enum,
/// at most 12 characters required and at least 40 allowed.
pub fn is_free_text(s: &Schema) -> bool {
    s.types.as_deref() == Some(&[Type::String])
        && s.format.is_none()
        && s.pattern.is_none()
        && s.enumeration.is_none()
        && s.constant.is_none()
        && s.min_length.unwrap_or(0) <= 12
        && s.max_length.is_none_or(|m| m >= 40)
}

/// Whether a schema has no constraint beyond its type.
fn unconstrained(s: &Schema) -> bool {
    s.format.is_none()
        && s.pattern.is_none()
        && s.enumeration.is_none()
        && s.constant.is_none()
        && s.min_length.is_none()
        && s.max_length.is_none()
        && s.lower_bound().is_none()
        && s.upper_bound().is_none()
        && s.multiple_of.is_none()
}

/// A schema without its null alternative, and whether it had one:
/// `anyOf`/`oneOf` with `{"type": "null"}` (pydantic 2), a 3.1 type array
/// with `null`, 3.0's `nullable`, or `null` among `enum` values. A union
/// left with one alternative becomes that alternative, keeping the
/// outer annotations (`default`, `title`).
pub fn without_null(s: &Schema) -> (Schema, bool) {
    let mut out = s.clone();
    let mut nullable = std::mem::take(&mut out.nullable);
    if let Some(types) = &mut out.types
        && types.contains(&Type::Null)
        && types.len() > 1
    {
        types.retain(|t| *t != Type::Null);
        nullable = true;
    }
    if let Some(values) = &mut out.enumeration
        && values.iter().any(Value::is_null)
        && values.len() > 1
    {
        values.retain(|v| !v.is_null());
        nullable = true;
    }
    for alts in [&mut out.any_of, &mut out.one_of] {
        let Some(list) = alts.as_mut() else { continue };
        if !list.iter().any(Schema::is_null) {
            continue;
        }
        nullable = true;
        list.retain(|a| !a.is_null());
        if let [one] = list.as_slice() {
            let mut inner = one.clone();
            let (deeper, inner_null) = without_null(&inner);
            if inner_null {
                inner = deeper;
            }
            inner.default = out.default.clone().or(inner.default);
            inner.title = out.title.clone().or(inner.title);
            inner.description = out.description.clone().or(inner.description);
            inner.pointer.clone_from(&out.pointer);
            return (inner, true);
        }
    }
    (out, nullable)
}

/// A schema's type in a few words, for the first lines of a report:
/// `string`, `string(date-time)`, `string(pattern ^a$)`, `integer`,
/// `array of string`, a model's name, `one of "a"|"b"`, `integer|…`.
pub fn summary(s: &Schema) -> String {
    if let Some(c) = &s.constant {
        return format!("one of {c}");
    }
    if let Some(values) = &s.enumeration {
        let shown: Vec<String> = values.iter().map(ToString::to_string).collect();
        return format!("one of {}", shown.join("|"));
    }
    let alternatives = s.alternatives();
    if !alternatives.is_empty() {
        let (inner, _) = without_null(s);
        let alternatives = inner.alternatives();
        return match alternatives {
            [] => summary(&inner),
            [first, ..] => format!("{}|…", summary(first)),
        };
    }
    if let Some(name) = s.reference_name()
        && (s.reference.is_some() || !s.properties.is_empty())
    {
        return name.to_owned();
    }
    match s.single_type() {
        Some(Type::String) => match (&s.format, &s.pattern) {
            (Some(f), _) => format!("string({f})"),
            (None, Some(p)) => format!("string(pattern {p})"),
            (None, None) => "string".into(),
        },
        Some(Type::Array) => match &s.items {
            Some(Some(items)) => format!("array of {}", summary(&without_null(items).0)),
            _ => "array".into(),
        },
        Some(Type::Object) | None if !s.properties.is_empty() => {
            s.title.clone().unwrap_or_else(|| "object".into())
        }
        Some(Type::Object) => match &s.additional_properties {
            Some(Additional::Schema(v)) => format!("object of {}", summary(&without_null(v).0)),
            _ => "object".into(),
        },
        Some(t) => t.as_str().to_owned(),
        None => "any".into(),
    }
}

impl fmt::Display for Body {
    /// `Item {name: string?, size: integer?}`: `?` nullable, `*`
    /// required, `= value` a default other than null.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {{", self.title)?;
        for (i, field) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", field.name)?;
            if field.required {
                f.write_str("*")?;
            }
            write!(f, ": {}", summary(&field.schema))?;
            if field.nullable {
                f.write_str("?")?;
            }
            if let Some(d) = &field.default
                && !d.is_null()
            {
                write!(f, " = {d}")?;
            }
        }
        f.write_str("}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(schemas: Value, body: Value) -> Result<Body, String> {
        let doc = Document::from_value(
            json!({"openapi": "3.1.0", "paths": {}, "components": {"schemas": schemas}}),
        )
        .unwrap();
        Body::of(&doc, &Schema::read(&body, "#/body").unwrap())
    }

    #[test]
    fn the_users_item() {
        let b = body(
            json!({"User": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 60},
                "nickname": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null},
                "age": {"type": "integer", "default": 0, "minimum": 0, "maximum": 150},
                "tags": {"type": "array", "items": {"type": "string"}, "default": []},
                "score": {"type": "number", "default": 0.5}}}}),
            json!({"$ref": "#/components/schemas/User"}),
        )
        .unwrap();
        assert_eq!(
            b.to_string(),
            "User {name*: string, nickname: string?, age: integer = 0, tags: array of string = [], score: number = 0.5}"
        );
        assert!(!b.is_tutorial());
        let nick = b.field("nickname").unwrap();
        assert_eq!(nick.value_when_omitted(), Some(Value::Null));
        assert_eq!(nick.schema.types, Some(vec![Type::String]));
        assert_eq!(b.field("name").unwrap().value_when_omitted(), None);
        assert_eq!(b.free_text_field().unwrap().name, "name");
    }

    #[test]
    fn nullability_in_every_spelling() {
        let b = body(
            json!({"Dims": {"type": "object", "properties": {"w": {"type": "number"}}}}),
            json!({"type": "object", "properties": {
                "a": {"type": ["integer", "null"]},
                "b": {"type": "string", "nullable": true},
                "c": {"oneOf": [{"$ref": "#/components/schemas/Dims"}, {"type": "null"}]},
                "d": {"enum": ["x", null]},
                "e": {"anyOf": [{"type": "integer"}, {"type": "string"}]}}}),
        )
        .unwrap();
        assert!(b.fields[..4].iter().all(|f| f.nullable), "{b:?}");
        assert!(!b.fields[4].nullable);
        assert_eq!(
            b.to_string(),
            "item {a: integer?, b: string?, c: Dims?, d: one of \"x\"?, e: integer|…}"
        );
    }

    #[test]
    fn the_tutorials_wrapper_and_embedded_models() {
        let doc = crate::spec::tutorial::document();
        let b = crate::spec::tutorial::body(&doc);
        assert!(b.is_tutorial());
        assert_eq!(b.title, "Body_upsert_item_items__item_id__put");
        assert_eq!(
            b.to_string(),
            "Body_upsert_item_items__item_id__put {name: string?, size: integer?}"
        );
        let e = body(
            json!({"Item": {"type": "object", "properties": {"n": {"type": "string"}}},
                   "Body_x": {"type": "object", "required": ["item"], "properties": {"item": {"$ref": "#/components/schemas/Item"}}}}),
            json!({"$ref": "#/components/schemas/Body_x"}),
        )
        .unwrap();
        assert_eq!(e.embedded_model(), Some("item"));
        assert!(body(json!({}), json!({"type": "array"})).is_err());
    }
}
