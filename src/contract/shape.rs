//! The item shape of an upsert endpoint: its fields, read from the JSON
//! Schema of the request body as FastAPI and pydantic emit it in
//! `openapi.json` (OpenAPI 3.0 and 3.1), and the items made from it.
//!
//! What the schema is read for:
//! - `$ref` into `#/components/schemas` (and `#/$defs`, `#/definitions`),
//!   a one-element `allOf` (pydantic 1 wraps referenced fields in it);
//! - optional fields: `anyOf`/`oneOf` with `{"type": "null"}` (pydantic 2),
//!   `"type": ["string", "null"]` (OpenAPI 3.1) or `"nullable": true` (3.0);
//! - `string`, `integer`, `number`, `boolean`, `array` (`items`,
//!   `minItems`), `object` (`properties`, nested models), `enum`, `const`;
//! - `required` and `default`;
//! - `minLength`/`maxLength`, `minimum`/`maximum` and the exclusive bounds
//!   (3.0's booleans and 3.1's numbers), `format` `email`, `uuid`,
//!   `date-time`, `date`, `uri`.
//!
//! FastAPI's multi-`Body` wrapper (`Body_upsert_item_items__item_id__put`)
//! is an object schema like any model: each body parameter is a property.
//!
//! What is made from it: valid items that differ from one another
//! ([`Shape::full`]), an item with only the required fields
//! ([`Shape::minimal`]), one with every nullable field null
//! ([`Shape::nulls`]), invalid variants ([`Shape::invalid`]), and the item
//! a server must store for a body ([`Shape::expected`]), compared with a
//! response by [`compare`].

use std::fmt;

use serde_json::{Map, Value};

use super::ids::{integer_range, uuid_text};

/// The fields of an item, in the schema's order.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    /// The schema's name (`Item`, `Body_upsert_item_items__item_id__put`)
    /// or `item`.
    pub title: String,
    /// Its fields.
    pub fields: Vec<Field>,
}

/// One field of an item.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The JSON key.
    pub name: String,
    /// Whether a body must carry it.
    pub required: bool,
    /// Whether `null` is a valid value.
    pub nullable: bool,
    /// The `default` the schema gives, if any.
    pub default: Option<Value>,
    /// The type and its constraints.
    pub kind: Kind,
}

/// A field's type, with the constraints that shape valid values.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `string`, with `minLength`/`maxLength` and `format`.
    String {
        /// `minLength`.
        min: u64,
        /// `maxLength`.
        max: Option<u64>,
        /// `format`, when it is one the values honour.
        format: Option<String>,
    },
    /// `string` with a `pattern` (a regular expression the value must
    /// match), and a value known to be valid (`examples`, `example` or
    /// `default`) for when the pattern is beyond [`example_of`].
    Pattern {
        /// The regular expression.
        pattern: String,
        /// A valid value from the schema.
        fallback: Option<String>,
    },
    /// `integer`, within its bounds.
    Integer(Bounds),
    /// `number`, within its bounds.
    Number(Bounds),
    /// `boolean`.
    Boolean,
    /// `array` of `items`, at least `min_items` long.
    Array {
        /// The element type.
        items: Box<Kind>,
        /// `minItems`.
        min_items: u64,
    },
    /// `object`: a nested model (its fields) or a free-form object.
    Object(Option<Box<Shape>>),
    /// `enum` (or `const`: one value).
    Enum(Vec<Value>),
    /// Several alternatives (`anyOf`: pydantic's `Decimal` is a number or
    /// a string): values of the first; no wrong-type variant.
    Union(Box<Kind>),
    /// No type the schema pins down (`{}`).
    Any,
}

/// Numeric bounds: `minimum`/`maximum`, each inclusive or exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Bounds {
    /// The lower bound and whether it is exclusive.
    pub min: Option<(f64, bool)>,
    /// The upper bound and whether it is exclusive.
    pub max: Option<(f64, bool)>,
}

/// An invalid variant of a valid item.
#[derive(Clone, Debug, PartialEq)]
pub struct Invalid {
    /// What is wrong, for messages: `age: a string for an integer`.
    pub what: String,
    /// The field it concerns (a FastAPI 422 names it in `loc`).
    pub field: String,
    /// The body.
    pub body: Map<String, Value>,
}

/// How deep nested models are followed (a `$ref` cycle ends here).
pub(crate) const MAX_DEPTH: usize = 8;

impl Shape {
    /// The tutorial's item: `name` (string or null) and `size` (integer or
    /// null), both defaulting to null, neither required.
    pub fn tutorial() -> Shape {
        let field = |name: &str, kind| Field {
            name: name.into(),
            required: false,
            nullable: true,
            default: Some(Value::Null),
            kind,
        };
        Shape {
            title: "Item".into(),
            fields: vec![
                field(
                    "name",
                    Kind::String {
                        min: 0,
                        max: None,
                        format: None,
                    },
                ),
                field("size", Kind::Integer(Bounds::default())),
            ],
        }
    }

    /// The field that repeats an id of `kind` in the body: named `param`
    /// (the path parameter), else `id`, with a type the id has.
    pub fn id_field(&self, param: &str, kind: super::ids::IdKind) -> Option<&Field> {
        use super::ids::IdKind;
        let fits = |f: &&Field| match (&f.kind, kind) {
            (Kind::Integer(_), IdKind::Integer) => true,
            (Kind::String { format, .. }, IdKind::Uuid) => {
                format.as_deref().is_none_or(|f| f == "uuid")
            }
            (Kind::String { format: None, .. } | Kind::Pattern { .. }, IdKind::Text) => true,
            (Kind::Any, IdKind::Text | IdKind::Uuid) => true,
            _ => false,
        };
        [param, "id"]
            .iter()
            .find_map(|name| self.fields.iter().find(|f| f.name == *name).filter(fits))
    }

    /// Whether this is the tutorial's item (whatever its title).
    pub fn is_tutorial(&self) -> bool {
        let tutorial = Shape::tutorial();
        self.fields.len() == tutorial.fields.len()
            && self.fields.iter().zip(&tutorial.fields).all(|(f, t)| {
                f.name == t.name
                    && f.kind == t.kind
                    && f.nullable == t.nullable
                    && f.required == t.required
                    && f.value_when_omitted() == t.value_when_omitted()
            })
    }

    /// Reads the shape of `schema`, resolving `$ref`s against `doc` (the
    /// whole OpenAPI document).
    ///
    /// # Errors
    /// A one-line reason when `schema` is not an object schema with
    /// `properties` (a body that is a bare list or string has no fields to
    /// check), or a `$ref` does not resolve.
    pub fn from_schema(doc: &Value, schema: &Value) -> Result<Shape, String> {
        shape_of(doc, schema, 0)
    }

    /// A valid item, every field given a value; `variant` 0, 1, 2, … give
    /// items that differ in every field that can differ. `salt` makes
    /// strings unique to a run.
    pub fn full(&self, variant: u64, salt: &str) -> Map<String, Value> {
        self.fields
            .iter()
            .map(|f| (f.name.clone(), value(&f.kind, variant, salt, 0)))
            .collect()
    }

    /// A valid item with only the required fields (with no required
    /// field: only the first field, so that the body is not `{}`).
    pub fn minimal(&self, variant: u64, salt: &str) -> Map<String, Value> {
        self.fields
            .iter()
            .enumerate()
            .filter(|(i, f)| self.in_minimal(*i, f))
            .map(|(_, f)| (f.name.clone(), value(&f.kind, variant, salt, 0)))
            .collect()
    }

    /// Whether the `i`th field `f` is in [`Shape::minimal`]'s items.
    fn in_minimal(&self, i: usize, f: &Field) -> bool {
        if self.fields.iter().any(|f| f.required) {
            f.required
        } else {
            i == 0
        }
    }

    /// The fields [`Shape::minimal`] leaves out whose stored value is
    /// known: a `default`, or null for a nullable field without one.
    pub fn omitted_with_known_value(&self) -> Vec<&Field> {
        self.fields
            .iter()
            .enumerate()
            .filter(|(i, f)| !self.in_minimal(*i, f) && f.value_when_omitted().is_some())
            .map(|(_, f)| f)
            .collect()
    }

    /// A valid item with every nullable field `null` (the others as in
    /// [`Shape::full`]); `None` when no field is nullable.
    pub fn nulls(&self, variant: u64, salt: &str) -> Option<Map<String, Value>> {
        if !self.fields.iter().any(|f| f.nullable) {
            return None;
        }
        let mut item = self.full(variant, salt);
        for f in self.fields.iter().filter(|f| f.nullable) {
            item.insert(f.name.clone(), Value::Null);
        }
        Some(item)
    }

    /// The item a server stores for `sent`: what was sent, and for each
    /// field left out its default (null for a nullable field without
    /// one). Fields left out whose value the schema does not tell are not
    /// in it (and not compared).
    pub fn expected(&self, sent: &Map<String, Value>) -> Map<String, Value> {
        let mut item = sent.clone();
        for f in &self.fields {
            if !item.contains_key(&f.name)
                && let Some(v) = f.value_when_omitted()
            {
                item.insert(f.name.clone(), v);
            }
        }
        item
    }

    /// Invalid variants of `valid`: each typed field with a value of
    /// another type, each required field left out, each bound crossed. The
    /// tutorial's item gets one: `size` `"abc"`, the refusal `BEHAVIOR.md`
    /// records (422 `int_parsing`), which any tutorial-shaped server must
    /// give.
    pub fn invalid(&self, valid: &Map<String, Value>) -> Vec<Invalid> {
        let with = |name: &str, v: Value| {
            let mut body = valid.clone();
            body.insert(name.to_owned(), v);
            body
        };
        if self.is_tutorial() {
            return vec![Invalid {
                what: "size \"abc\"".into(),
                field: "size".into(),
                body: with("size", Value::from("abc")),
            }];
        }
        let mut out = Vec::new();
        for f in &self.fields {
            if let Some((v, what)) = wrong_type(&f.kind) {
                out.push(Invalid {
                    what: format!("{}: {what}", f.name),
                    field: f.name.clone(),
                    body: with(&f.name, v),
                });
            }
        }
        for f in self.fields.iter().filter(|f| f.required) {
            let mut body = valid.clone();
            body.remove(&f.name);
            out.push(Invalid {
                what: format!("{}: left out (it is required)", f.name),
                field: f.name.clone(),
                body,
            });
        }
        for f in &self.fields {
            for (v, what) in out_of_bounds(&f.kind) {
                out.push(Invalid {
                    what: format!("{}: {what}", f.name),
                    field: f.name.clone(),
                    body: with(&f.name, v),
                });
            }
        }
        out
    }

    /// For FastAPI's wrapper of one embedded model (`Body(embed=True)`:
    /// `{"item": {…}}`), the wrapped field's name: such endpoints often
    /// answer with the model itself.
    pub fn embedded_model(&self) -> Option<&str> {
        match self.fields.as_slice() {
            [f] if self.title.starts_with("Body_") && matches!(f.kind, Kind::Object(Some(_))) => {
                Some(&f.name)
            }
            _ => None,
        }
    }

    /// The first field whose value may be any text (no format, enum or
    /// short `maxLength`): where `unicode` puts non-ASCII text.
    pub fn free_text_field(&self) -> Option<&Field> {
        self.fields.iter().find(|f| {
            matches!(&f.kind, Kind::String { min, max, format: None }
                if *min <= 12 && max.is_none_or(|m| m >= 40))
        })
    }
}

impl Field {
    /// The value a server stores when the field is left out, when the
    /// schema tells it.
    pub fn value_when_omitted(&self) -> Option<Value> {
        match (&self.default, self.nullable, self.required) {
            (Some(d), _, _) => Some(d.clone()),
            (None, true, false) => Some(Value::Null),
            _ => None,
        }
    }
}

impl fmt::Display for Shape {
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
            write!(f, ": {}", field.kind)?;
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

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Kind::String { format, .. } => match format {
                Some(fmt) => write!(f, "string({fmt})"),
                None => f.write_str("string"),
            },
            Kind::Pattern { pattern, .. } => write!(f, "string(pattern {pattern})"),
            Kind::Integer(_) => f.write_str("integer"),
            Kind::Number(_) => f.write_str("number"),
            Kind::Boolean => f.write_str("boolean"),
            Kind::Array { items, .. } => write!(f, "array of {items}"),
            Kind::Object(Some(shape)) => f.write_str(&shape.title),
            Kind::Object(None) => f.write_str("object"),
            Kind::Enum(values) => {
                let shown: Vec<String> = values.iter().map(ToString::to_string).collect();
                write!(f, "one of {}", shown.join("|"))
            }
            Kind::Union(first) => write!(f, "{first}|…"),
            Kind::Any => f.write_str("any"),
        }
    }
}

/// Follows `$ref`s (and one-element `allOf`s) to the schema they name.
///
/// # Errors
/// A `$ref` outside the document, one that does not resolve, or a cycle.
pub fn resolve<'a>(doc: &'a Value, mut schema: &'a Value) -> Result<&'a Value, String> {
    for _ in 0..32 {
        if let Some(Value::String(r)) = schema.get("$ref") {
            let pointer = r
                .strip_prefix('#')
                .ok_or_else(|| format!("the $ref {r:?} points outside the document"))?;
            schema = doc
                .pointer(pointer)
                .ok_or_else(|| format!("the $ref {r:?} does not resolve"))?;
        } else if let Some(Value::Array(all)) = schema.get("allOf")
            && all.len() == 1
        {
            schema = &all[0];
        } else {
            return Ok(schema);
        }
    }
    Err("a cycle of $refs".into())
}

/// The name a `$ref` gives a schema (`#/components/schemas/User` → `User`).
fn ref_name(schema: &Value) -> Option<String> {
    let r = schema.get("$ref")?.as_str()?;
    Some(r.rsplit('/').next()?.to_owned())
}

fn shape_of(doc: &Value, schema: &Value, depth: usize) -> Result<Shape, String> {
    let title = ref_name(schema);
    let schema = resolve(doc, schema)?;
    let Some(Value::Object(props)) = schema.get("properties") else {
        return Err("the request body is not a JSON object with properties".into());
    };
    let required: Vec<&str> = match schema.get("required") {
        Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let mut fields = Vec::with_capacity(props.len());
    for (name, prop) in props {
        let (kind, nullable) = kind_of(doc, prop, depth)?;
        let resolved = resolve(doc, prop)?;
        let default = prop
            .get("default")
            .or_else(|| resolved.get("default"))
            .cloned();
        fields.push(Field {
            name: name.clone(),
            required: required.contains(&name.as_str()),
            nullable,
            default,
            kind,
        });
    }
    let title = title
        .or_else(|| {
            schema
                .get("title")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "item".into());
    Ok(Shape { title, fields })
}

/// A property's kind and whether it is nullable.
pub(crate) fn kind_of(doc: &Value, prop: &Value, depth: usize) -> Result<(Kind, bool), String> {
    let name = ref_name(prop);
    let s = resolve(doc, prop)?;
    let mut nullable = s.get("nullable").and_then(Value::as_bool) == Some(true);
    // anyOf/oneOf: null alternatives make it nullable; one other is the kind.
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = s.get(key) {
            let mut others = Vec::new();
            for alt in alts {
                let alt_resolved = resolve(doc, alt)?;
                if alt_resolved.get("type").and_then(Value::as_str) == Some("null") {
                    nullable = true;
                } else {
                    others.push(alt);
                }
            }
            let kind = match others.as_slice() {
                [] => Kind::Any,
                [one] => {
                    let (kind, inner_null) = kind_of(doc, one, depth)?;
                    nullable |= inner_null;
                    kind
                }
                [first, ..] => Kind::Union(Box::new(kind_of(doc, first, depth)?.0)),
            };
            return Ok((kind, nullable));
        }
    }
    if let Some(c) = s.get("const") {
        return Ok((Kind::Enum(vec![c.clone()]), nullable));
    }
    if let Some(Value::Array(values)) = s.get("enum") {
        let values: Vec<Value> = values
            .iter()
            .filter(|v| {
                if v.is_null() {
                    nullable = true;
                }
                !v.is_null()
            })
            .cloned()
            .collect();
        if !values.is_empty() {
            return Ok((Kind::Enum(values), nullable));
        }
    }
    let ty = match s.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(types)) => {
            let named: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
            nullable |= named.contains(&"null");
            match named.iter().filter(|t| **t != "null").collect::<Vec<_>>()[..] {
                [one] => Some(*one),
                _ => None,
            }
        }
        _ => None,
    };
    let kind = match ty {
        Some("string") if s.get("pattern").is_some_and(Value::is_string) => Kind::Pattern {
            pattern: s
                .get("pattern")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            fallback: [
                s.get("examples").and_then(|e| e.get(0)),
                s.get("example"),
                s.get("default"),
                prop.get("examples").and_then(|e| e.get(0)),
                prop.get("default"),
            ]
            .into_iter()
            .flatten()
            .find_map(Value::as_str)
            .map(str::to_owned),
        },
        Some("string") => Kind::String {
            min: s.get("minLength").and_then(Value::as_u64).unwrap_or(0),
            max: s.get("maxLength").and_then(Value::as_u64),
            format: s
                .get("format")
                .and_then(Value::as_str)
                .filter(|f| ["email", "uuid", "date-time", "date", "uri"].contains(f))
                .map(str::to_owned),
        },
        Some("integer") => Kind::Integer(bounds(s)),
        Some("number") => Kind::Number(bounds(s)),
        Some("boolean") => Kind::Boolean,
        Some("array") => {
            let items = match s.get("items") {
                Some(items) => kind_of(doc, items, depth + 1)?.0,
                None => Kind::Any,
            };
            Kind::Array {
                items: Box::new(items),
                min_items: s.get("minItems").and_then(Value::as_u64).unwrap_or(0),
            }
        }
        Some("object") | None if s.get("properties").is_some() && depth < MAX_DEPTH => {
            let mut shape = shape_of(doc, s, depth + 1)?;
            if let Some(name) = name {
                shape.title = name;
            }
            Kind::Object(Some(Box::new(shape)))
        }
        Some("object") => Kind::Object(None),
        _ => Kind::Any,
    };
    Ok((kind, nullable))
}

fn bounds(s: &Value) -> Bounds {
    let num = |k: &str| s.get(k).and_then(Value::as_f64);
    let flag = |k: &str| s.get(k).and_then(Value::as_bool) == Some(true);
    // 3.1: exclusiveMinimum is the bound; 3.0: a flag on minimum.
    let min = match num("exclusiveMinimum") {
        Some(v) => Some((v, true)),
        None => num("minimum").map(|v| (v, flag("exclusiveMinimum"))),
    };
    let max = match num("exclusiveMaximum") {
        Some(v) => Some((v, true)),
        None => num("maximum").map(|v| (v, flag("exclusiveMaximum"))),
    };
    Bounds { min, max }
}

/// A valid value of `kind`; different `variant`s give different values
/// where the kind allows.
fn value(kind: &Kind, variant: u64, salt: &str, depth: usize) -> Value {
    match kind {
        Kind::String { min, max, format } => {
            Value::String(text(*min, *max, format.as_deref(), variant, salt))
        }
        Kind::Pattern { pattern, fallback } => {
            match example_of(pattern, variant).or_else(|| fallback.clone()) {
                Some(text) => Value::String(text),
                None => Value::String(format!("v{variant}-{salt}")),
            }
        }
        Kind::Integer(b) => Value::from(integer_in(b, variant)),
        Kind::Number(b) => {
            let v = number_in(b, variant);
            serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
        }
        Kind::Boolean => Value::Bool(variant.is_multiple_of(2)),
        Kind::Array { items, min_items } => Value::Array(
            (0..(*min_items).max(1))
                .map(|i| value(items, variant + i, salt, depth + 1))
                .collect(),
        ),
        Kind::Object(Some(shape)) if depth < MAX_DEPTH => Value::Object(
            shape
                .fields
                .iter()
                .map(|f| (f.name.clone(), value(&f.kind, variant, salt, depth + 1)))
                .collect(),
        ),
        Kind::Object(_) => Value::Object(Map::new()),
        Kind::Enum(values) => values
            .get(usize::try_from(variant).unwrap_or(0) % values.len().max(1))
            .cloned()
            .unwrap_or(Value::Null),
        Kind::Union(first) => value(first, variant, salt, depth),
        Kind::Any => Value::String(format!("v{variant}-{salt}")),
    }
}

fn text(min: u64, max: Option<u64>, format: Option<&str>, variant: u64, salt: &str) -> String {
    // Hex of the salt: stable, ASCII, lower case (emails normalise case).
    let tag: String = salt
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    match format {
        Some("email") => return format!("v{variant}.{tag}@example.com"),
        Some("uuid") => {
            // FNV-1a of the salt: the same run, the same uuid per variant.
            let h = salt.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            return uuid_text((u128::from(variant) << 64) | u128::from(h));
        }
        Some("date-time") => return format!("2024-01-{:02}T03:04:05Z", 1 + variant % 28),
        Some("date") => return format!("2024-01-{:02}", 1 + variant % 28),
        Some("uri") => return format!("https://example.com/v{variant}/{tag}"),
        _ => {}
    }
    let mut s = format!("v{variant}-{tag}");
    let min = usize::try_from(min).unwrap_or(usize::MAX).min(1 << 16);
    while s.chars().count() < min {
        s.push('x');
    }
    if let Some(max) = max {
        let max = usize::try_from(max).unwrap_or(usize::MAX);
        if s.chars().count() > max {
            // Keep the variant's digits first so that variants still differ.
            s = s.chars().skip(1).take(max).collect();
            if s.chars().count() < min {
                s = "x".repeat(min);
            }
        }
    }
    s
}

fn integer_in(b: &Bounds, variant: u64) -> i64 {
    let (lo, hi) = integer_range(b);
    let step = i64::try_from(variant).unwrap_or(0);
    let mut n = 3 + step;
    if let Some(lo) = lo
        && n < lo
    {
        n = lo.saturating_add(step);
    }
    if let Some(hi) = hi
        && n > hi
    {
        n = hi.saturating_sub(step);
        if let Some(lo) = lo {
            n = n.max(lo);
        }
    }
    n
}

fn number_in(b: &Bounds, variant: u64) -> f64 {
    let step = variant as f64;
    let lo = b.min.map(|(v, excl)| if excl { v + 0.25 } else { v });
    let hi = b.max.map(|(v, excl)| if excl { v - 0.25 } else { v });
    let mut n = 1.5 + step;
    if let Some(lo) = lo
        && n < lo
    {
        n = lo + step * 0.5;
    }
    if let Some(hi) = hi
        && n > hi
    {
        n = (hi - step * 0.5).max(lo.unwrap_or(f64::MIN));
    }
    n
}

/// A string matching `pattern`, for the common regular-expression syntax
/// (literals, escapes `\d \w \s`, classes `[a-z0-9_-]` and negated ones,
/// `.`, groups with `|`, quantifiers `? * + {n} {n,m}`, anchors); `None`
/// for what it does not read (look-around, back-references). `variant`
/// picks different characters from the classes, so variants differ where
/// the pattern lets them.
pub fn example_of(pattern: &str, variant: u64) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut pos = 0;
    let alts = parse_alternatives(&chars, &mut pos, 0)?;
    if pos != chars.len() {
        return None;
    }
    let mut out = String::new();
    let mut seed = variant;
    emit_alternatives(&alts, &mut seed, &mut out);
    Some(out)
}

/// One piece of a pattern: what it matches, and how often.
#[derive(Debug)]
enum Atom {
    /// Exactly this character.
    Char(char),
    /// One of these inclusive ranges (already complemented when negated).
    Class(Vec<(char, char)>),
    /// A group: alternatives of sequences.
    Group(Vec<Vec<(Atom, u32)>>),
    /// Matches without a character (`^`, `$`, `\b`).
    Empty,
}

const WORD: &[(char, char)] = &[('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')];

fn parse_alternatives(c: &[char], pos: &mut usize, depth: usize) -> Option<Vec<Vec<(Atom, u32)>>> {
    if depth > 16 {
        return None;
    }
    let mut alts = vec![Vec::new()];
    while *pos < c.len() {
        let atom = match c[*pos] {
            ')' => break,
            '|' => {
                *pos += 1;
                alts.push(Vec::new());
                continue;
            }
            '(' => {
                *pos += 1;
                if c.get(*pos) == Some(&'?') {
                    // (?:…) and (?P<name>…) / (?<name>…); not look-around.
                    match (c.get(*pos + 1), c.get(*pos + 2)) {
                        (Some(':'), _) => *pos += 2,
                        (Some('P'), Some('<')) | (Some('<'), _)
                            if c.get(*pos + 2) != Some(&'=') && c.get(*pos + 2) != Some(&'!') =>
                        {
                            let close = c[*pos..].iter().position(|&x| x == '>')?;
                            *pos += close + 1;
                        }
                        _ => return None,
                    }
                }
                let inner = parse_alternatives(c, pos, depth + 1)?;
                if c.get(*pos) != Some(&')') {
                    return None;
                }
                *pos += 1;
                Atom::Group(inner)
            }
            '[' => {
                *pos += 1;
                parse_class(c, pos)?
            }
            '\\' => {
                *pos += 1;
                let e = *c.get(*pos)?;
                *pos += 1;
                match e {
                    'd' => Atom::Class(vec![('0', '9')]),
                    'w' => Atom::Class(WORD.to_vec()),
                    's' => Atom::Char(' '),
                    'D' | 'S' => Atom::Char('x'),
                    'W' => Atom::Char('-'),
                    'b' | 'B' | 'A' | 'Z' | 'z' => Atom::Empty,
                    'n' => Atom::Char('\n'),
                    't' => Atom::Char('\t'),
                    x if x.is_ascii_digit() => return None,
                    x => Atom::Char(x),
                }
            }
            '^' | '$' => {
                *pos += 1;
                Atom::Empty
            }
            '.' => {
                *pos += 1;
                Atom::Class(vec![('a', 'z')])
            }
            x => {
                *pos += 1;
                Atom::Char(x)
            }
        };
        let count = parse_quantifier(c, pos)?;
        alts.last_mut()?.push((atom, count));
    }
    Some(alts)
}

/// The repetitions to emit for the quantifier at `pos` (its minimum, at
/// least one for `+`); 1 without one.
fn parse_quantifier(c: &[char], pos: &mut usize) -> Option<u32> {
    let count = match c.get(*pos) {
        Some('?') | Some('*') => {
            *pos += 1;
            0
        }
        Some('+') => {
            *pos += 1;
            1
        }
        Some('{') => {
            let close = c[*pos..].iter().position(|&x| x == '}')? + *pos;
            let body: String = c[*pos + 1..close].iter().collect();
            *pos = close + 1;
            let min = body.split(',').next()?.trim();
            let min: u32 = if min.is_empty() { 0 } else { min.parse().ok()? };
            if min > 4096 {
                return None;
            }
            min
        }
        _ => return Some(1),
    };
    // A lazy or possessive suffix changes nothing here.
    if matches!(c.get(*pos), Some('?') | Some('+')) {
        *pos += 1;
    }
    Some(count)
}

fn parse_class(c: &[char], pos: &mut usize) -> Option<Atom> {
    let negated = c.get(*pos) == Some(&'^');
    if negated {
        *pos += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let ch = *c.get(*pos)?;
        *pos += 1;
        if ch == ']' && !first {
            break;
        }
        first = false;
        let lo = if ch == '\\' {
            let e = *c.get(*pos)?;
            *pos += 1;
            match e {
                'd' => {
                    ranges.push(('0', '9'));
                    continue;
                }
                'w' => {
                    ranges.extend_from_slice(WORD);
                    continue;
                }
                's' => {
                    ranges.push((' ', ' '));
                    continue;
                }
                'n' => '\n',
                't' => '\t',
                x => x,
            }
        } else {
            ch
        };
        if c.get(*pos) == Some(&'-') && c.get(*pos + 1).is_some_and(|&x| x != ']') {
            let hi = *c.get(*pos + 1)?;
            *pos += 2;
            ranges.push((lo, hi));
        } else {
            ranges.push((lo, lo));
        }
    }
    if negated {
        let allowed: Vec<(char, char)> = ('a'..='z')
            .chain('0'..='9')
            .filter(|x| !ranges.iter().any(|(l, h)| (l..=h).contains(&x)))
            .map(|x| (x, x))
            .collect();
        if allowed.is_empty() {
            return None;
        }
        return Some(Atom::Class(allowed));
    }
    Some(Atom::Class(ranges))
}

fn emit_alternatives(alts: &[Vec<(Atom, u32)>], seed: &mut u64, out: &mut String) {
    // The first alternative: the one a pattern's author lists first.
    let Some(seq) = alts.first() else { return };
    for (atom, count) in seq {
        for _ in 0..*count {
            match atom {
                Atom::Char(x) => out.push(*x),
                Atom::Class(ranges) => {
                    let total: u64 = ranges
                        .iter()
                        .map(|(l, h)| u64::from(*h as u32).saturating_sub(u64::from(*l as u32)) + 1)
                        .sum();
                    // The seed's digits in the classes' mixed radix: a
                    // different seed, a different string (as far as the
                    // pattern has room), and consecutive seeds differ in
                    // the first class.
                    let mut k = *seed % total.max(1);
                    *seed /= total.max(1);
                    for (l, h) in ranges {
                        let size = u64::from(*h as u32).saturating_sub(u64::from(*l as u32)) + 1;
                        if k < size {
                            if let Some(ch) = char::from_u32(*l as u32 + k as u32) {
                                out.push(ch);
                            }
                            break;
                        }
                        k -= size;
                    }
                }
                Atom::Group(inner) => emit_alternatives(inner, seed, out),
                Atom::Empty => {}
            }
        }
    }
}

/// A value of another type than `kind`, and how to say so.
fn wrong_type(kind: &Kind) -> Option<(Value, &'static str)> {
    Some(match kind {
        // pydantic reads numbers as times and dates: a formatted string
        // gets text that is not of its format instead.
        Kind::String {
            format: Some(f), ..
        } => (
            Value::from(format!("not-a-{f}")),
            match f.as_str() {
                "email" => "text that is not an email address",
                "uuid" => "text that is not a uuid",
                "date-time" => "text that is not a date-time",
                "date" => "text that is not a date",
                _ => "text that is not a URI",
            },
        ),
        Kind::String { .. } | Kind::Pattern { .. } => (Value::from(12345), "a number for a string"),
        Kind::Integer(_) => (Value::from("not-a-number"), "a string for an integer"),
        Kind::Number(_) => (Value::from("not-a-number"), "a string for a number"),
        Kind::Boolean => (Value::from("not-a-boolean"), "a string for a boolean"),
        Kind::Array { .. } => (Value::from("not-a-list"), "a string for an array"),
        Kind::Object(_) => (Value::from("not-an-object"), "a string for an object"),
        Kind::Enum(_) => (
            Value::from("itemctl-not-a-member"),
            "a value outside the enum",
        ),
        Kind::Union(_) | Kind::Any => return None,
    })
}

/// Values just outside each bound of `kind`.
fn out_of_bounds(kind: &Kind) -> Vec<(Value, String)> {
    let mut out = Vec::new();
    match kind {
        Kind::String {
            min,
            max,
            format: None,
        } => {
            if *min > 0 && *min <= 1 << 16 {
                let n = usize::try_from(*min - 1).unwrap_or(0);
                out.push((
                    Value::from("x".repeat(n)),
                    format!("{n} characters (minLength {min})"),
                ));
            }
            if let Some(max) = max
                && *max < 1 << 16
            {
                let n = usize::try_from(*max + 1).unwrap_or(0);
                out.push((
                    Value::from("x".repeat(n)),
                    format!("{n} characters (maxLength {max})"),
                ));
            }
        }
        Kind::Integer(b) => {
            if let Some((v, excl)) = b.min {
                let n = if excl {
                    v.floor() as i64
                } else {
                    v.ceil() as i64 - 1
                };
                out.push((Value::from(n), format!("{n}, below the minimum {v}")));
            }
            if let Some((v, excl)) = b.max {
                let n = if excl {
                    v.ceil() as i64
                } else {
                    v.floor() as i64 + 1
                };
                out.push((Value::from(n), format!("{n}, above the maximum {v}")));
            }
        }
        Kind::Number(b) => {
            for (bound, below) in [(b.min, true), (b.max, false)] {
                if let Some((v, excl)) = bound {
                    let n = match (below, excl) {
                        (true, true) | (false, true) => v,
                        (true, false) => v - 1.0,
                        (false, false) => v + 1.0,
                    };
                    if let Some(num) = serde_json::Number::from_f64(n) {
                        let side = if below {
                            "below the minimum"
                        } else {
                            "above the maximum"
                        };
                        out.push((Value::Number(num), format!("{n}, {side} {v}")));
                    }
                }
            }
        }
        _ => {}
    }
    out
}

/// Whether two JSON values are the same item data: numbers by value (`3`
/// and `3.0` are equal; integers of any length by their digits), a UTC
/// time written with `Z` or `+00:00` alike, objects regardless of key
/// order.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (xs, ys) = (x.to_string(), y.to_string());
            let integer = |t: &str| !t.contains(['.', 'e', 'E']);
            xs == ys
                || (!(integer(&xs) && integer(&ys))
                    && matches!((x.as_f64(), y.as_f64()), (Some(p), Some(q)) if p == q && p.is_finite()))
        }
        // pydantic writes a Decimal as a string: "5.5" echoes 5.5.
        (Value::Number(n), Value::String(t)) | (Value::String(t), Value::Number(n)) => {
            let plain = !t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'e' | b'E' | b'+'));
            plain && t.parse::<f64>().ok() == n.as_f64() && n.as_f64().is_some_and(f64::is_finite)
        }
        (Value::String(x), Value::String(y)) => {
            x == y || utc(x).is_some_and(|x| utc(y).is_some_and(|y| x == y))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

/// A date-time with its UTC suffix made uniform.
fn utc(s: &str) -> Option<&str> {
    s.strip_suffix('Z')
        .or_else(|| s.strip_suffix("+00:00"))
        .filter(|rest| rest.len() >= 19 && rest.as_bytes().get(10) == Some(&b'T'))
}

/// Compares a response body with the item the server should hold:
/// every field of `expected` must be in it with the same value
/// ([`same`]), except that a null may be left out (FastAPI's
/// `response_model_exclude_none`); with `exact`, it must hold exactly
/// those fields.
///
/// # Errors
/// One line: the body is not a JSON object, or the first field that is
/// missing, differs or (with `exact`) is extra.
pub fn compare(expected: &Map<String, Value>, body: &[u8], exact: bool) -> Result<(), String> {
    let got: Value = serde_json::from_slice(body)
        .map_err(|_| format!("the body is not JSON: {}", super::snippet(body)))?;
    let Value::Object(got) = got else {
        return Err(format!(
            "the body is not a JSON object: {}",
            super::snippet(body)
        ));
    };
    for (k, want) in expected {
        match got.get(k) {
            None if !exact && want.is_null() => {}
            None => {
                return Err(format!(
                    "the response has no {k:?} (expected {want}): {}",
                    super::snippet(body)
                ));
            }
            Some(v) if !same(want, v) => {
                return Err(format!("{k:?}: expected {want}, got {v}"));
            }
            Some(_) => {}
        }
    }
    if exact && let Some(extra) = got.keys().find(|k| !expected.contains_key(*k)) {
        return Err(format!(
            "the response has a field that was not sent, {extra:?} (an exact echo was asked for): {}",
            super::snippet(body)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What FastAPI 0.12x emits for the tutorial's multi-Body endpoint.
    fn tutorial_doc() -> Value {
        json!({"components": {"schemas": {"Body_upsert_item_items__item_id__put": {
            "properties": {
                "name": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": "Name"},
                "size": {"anyOf": [{"type": "integer"}, {"type": "null"}], "title": "Size"}},
            "type": "object", "title": "Body_upsert_item_items__item_id__put"}}}})
    }

    #[test]
    fn the_tutorial_body_is_the_tutorial_shape() {
        let doc = tutorial_doc();
        let schema = json!({"$ref": "#/components/schemas/Body_upsert_item_items__item_id__put"});
        let shape = Shape::from_schema(&doc, &schema).unwrap();
        // FastAPI leaves out `default: null` on Body(None) fields: optional
        // and nullable, so the stored value is null either way.
        assert_eq!(shape.fields.len(), 2);
        assert!(shape.fields.iter().all(|f| f.nullable && !f.required));
        assert_eq!(shape.title, "Body_upsert_item_items__item_id__put");
        let expected = shape.expected(&shape.minimal(1, "s"));
        assert_eq!(expected.get("size"), Some(&Value::Null));
        // Its one invalid variant: size "abc", the rest of the item valid.
        let valid = shape.full(0, "s");
        let invalid = shape.invalid(&valid);
        assert_eq!(invalid.len(), 1);
        assert_eq!(
            (invalid[0].field.as_str(), &invalid[0].body["size"]),
            ("size", &json!("abc"))
        );
        assert_eq!(invalid[0].body["name"], valid["name"]);
    }

    #[test]
    fn a_users_model_with_constraints() {
        let doc = json!({"components": {"schemas": {
            "Role": {"enum": ["admin", "member"], "type": "string"},
            "User": {"type": "object", "required": ["email", "name"], "properties": {
                "email": {"type": "string", "format": "email"},
                "name": {"type": "string", "minLength": 2, "maxLength": 5},
                "age": {"type": "integer", "minimum": 0, "exclusiveMaximum": 150, "default": 18},
                "score": {"type": ["number", "null"]},
                "tags": {"type": "array", "items": {"type": "string"}, "default": []},
                "role": {"$ref": "#/components/schemas/Role"},
                "active": {"type": "boolean", "default": true, "nullable": false}}}}}});
        let shape =
            Shape::from_schema(&doc, &json!({"$ref": "#/components/schemas/User"})).unwrap();
        assert_eq!(shape.title, "User");
        let a = shape.full(0, "abc");
        let b = shape.full(1, "abc");
        for f in &shape.fields {
            if f.name != "tags" {
                assert_ne!(a.get(&f.name), b.get(&f.name), "{}", f.name);
            }
        }
        let name = a["name"].as_str().unwrap();
        assert!((2..=5).contains(&name.len()), "{name}");
        assert!(a["email"].as_str().unwrap().ends_with("@example.com"));
        let age = a["age"].as_i64().unwrap();
        assert!((0..150).contains(&age));
        let minimal = shape.minimal(0, "abc");
        assert_eq!(minimal.keys().collect::<Vec<_>>(), ["email", "name"]);
        let expected = shape.expected(&minimal);
        assert_eq!(expected["age"], json!(18));
        assert_eq!(expected["score"], Value::Null);
        assert_eq!(expected["tags"], json!([]));
        assert!(!expected.contains_key("role"), "no default, not nullable");
        let invalid = shape.invalid(&a);
        let whats: Vec<&str> = invalid.iter().map(|i| i.what.as_str()).collect();
        for want in [
            "age: a string for an integer",
            "email: left out (it is required)",
            "name: 1 characters (minLength 2)",
            "name: 6 characters (maxLength 5)",
            "age: -1, below the minimum 0",
            "age: 150, above the maximum 150",
            "role: a value outside the enum",
        ] {
            assert!(whats.contains(&want), "{want} not in {whats:?}");
        }
        assert_eq!(
            shape.to_string(),
            "User {email*: string(email), name*: string, age: integer = 18, score: number?, tags: array of string = [], role: one of \"admin\"|\"member\", active: boolean = true}"
        );
    }

    #[test]
    fn openapi_30_nullable_and_nested_models() {
        let doc = json!({"components": {"schemas": {
            "Dim": {"type": "object", "properties": {"w": {"type": "number", "exclusiveMinimum": true, "minimum": 0}}},
            "Thing": {"type": "object", "properties": {
                "label": {"type": "string", "nullable": true},
                "dim": {"allOf": [{"$ref": "#/components/schemas/Dim"}]}}}}}});
        let shape =
            Shape::from_schema(&doc, &json!({"$ref": "#/components/schemas/Thing"})).unwrap();
        assert!(shape.fields[0].nullable);
        let Kind::Object(Some(dim)) = &shape.fields[1].kind else {
            panic!("{:?}", shape.fields[1].kind)
        };
        assert_eq!(
            dim.fields[0].kind,
            Kind::Number(Bounds {
                min: Some((0.0, true)),
                max: None
            })
        );
        assert!(shape.full(0, "x")["dim"]["w"].as_f64().unwrap() > 0.0);
        assert_eq!(shape.nulls(0, "x").unwrap()["label"], Value::Null);
    }

    #[test]
    fn examples_match_common_patterns() {
        for (pattern, variant, want) in [
            (r"^[A-Z]{2}-[0-9]+$", 0, "AA-0"),
            (r"^[A-Z]{2}-[0-9]+$", 1, "BA-0"),
            (r"^[A-Z]{2}-[0-9]+$", 27, "BB-0"),
            (r"^\d{3}-\d{4}$", 1234, "432-1000"),
            (r"^(?:red|green)$", 0, "red"),
            (r"^[a-z0-9_-]{3,16}$", 0, "aaa"),
            (r"^SKU[^a-z]\w?$", 0, "SKU0"),
            (r"^v\.(?P<major>\d+)$", 5, "v.5"),
        ] {
            assert_eq!(
                example_of(pattern, variant).as_deref(),
                Some(want),
                "{pattern}"
            );
        }
        // Different seeds, different strings, as far as the pattern has room.
        let all: std::collections::HashSet<_> = (0..6760)
            .filter_map(|v| example_of(r"^[A-Z]{2}-[0-9]+$", v))
            .collect();
        assert_eq!(all.len(), 6760);
        assert_eq!(example_of(r"^(?=a)b$", 0), None);
        assert_eq!(example_of(r"(a)\1", 0), None);
        assert_eq!(example_of(r"[abc", 0), None);
    }

    #[test]
    fn bodies_that_are_not_objects_are_refused() {
        let doc = json!({});
        assert!(Shape::from_schema(&doc, &json!({"type": "array"})).is_err());
        assert!(Shape::from_schema(&doc, &json!({"$ref": "#/components/schemas/Nope"})).is_err());
    }

    #[test]
    fn comparison_allows_extra_fields_unless_exact() {
        let sent: Map<String, Value> =
            serde_json::from_value(json!({"a": 3, "t": "2024-01-01T03:04:05Z"})).unwrap();
        assert_eq!(
            compare(
                &sent,
                br#"{"id":"k","a":3.0,"t":"2024-01-01T03:04:05+00:00"}"#,
                false
            ),
            Ok(())
        );
        assert!(
            compare(
                &sent,
                br#"{"id":"k","a":3,"t":"2024-01-01T03:04:05Z"}"#,
                true
            )
            .unwrap_err()
            .contains("\"id\"")
        );
        assert!(
            compare(&sent, br#"{"a":4,"t":"2024-01-01T03:04:05Z"}"#, false)
                .unwrap_err()
                .contains("expected 3, got 4")
        );
        assert!(
            compare(&sent, br#"{"a":3}"#, false)
                .unwrap_err()
                .contains("no \"t\"")
        );
        assert!(
            compare(&sent, b"[]", false)
                .unwrap_err()
                .contains("not a JSON object")
        );
        let big: Value =
            serde_json::from_slice(br#"{"n":123456789012345678901234567890}"#).unwrap();
        assert!(same(
            &big,
            &serde_json::from_slice(br#"{"n":123456789012345678901234567890}"#).unwrap()
        ));
        assert!(!same(
            &big,
            &serde_json::from_slice(br#"{"n":123456789012345678901234567891}"#).unwrap()
        ));
    }
}
