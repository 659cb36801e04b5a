//! The validators pydantic builds for a FastAPI app's models, read back
//! from the JSON Schemas the app publishes: pydantic-core 2.50's core
//! schema, as far as a document shows it (`src/validators/*.rs` name and
//! order them; this module only builds them).
//!
//! How JSON Schema reads as pydantic (pydantic 2.14 `json_schema.py`
//! emits these forms):
//! - a `$ref` to a schema with `enum` is an `Enum` class (error type
//!   `enum`); an inline `enum` or `const` is a `Literal` (`literal_error`);
//! - a `$ref` to an object schema is a model, named by its `title`;
//! - `anyOf` with `{"type": "null"}` is `Optional`; `anyOf` of exactly a
//!   number and a string is `Decimal` (pydantic emits nothing else for
//!   it); any other `anyOf` a smart-mode union; `oneOf` with a
//!   `discriminator` a tagged union;
//! - `format` `date-time`, `date`, `time`, `uuid`/`uuid1`…`uuid8` are
//!   those types;
//! - `additionalProperties: false` is `extra="forbid"`, `true` is
//!   `extra="allow"`; a schema with `additionalProperties` and no
//!   `properties` is a `dict[str, …]`.
//!
//! What a document cannot show is taken as pydantic's default (no strict
//! mode, no `populate_by_name`, `union_mode="smart"`, no custom
//! validators, `allow_inf_nan` for floats, no `max_digits`). What this
//! module cannot reproduce is refused with the schema's JSON pointer
//! ([`Unsupported`]), unless the caller accepts approximations.

use regex::Regex;
use serde_json::Value as Json;

use super::errors::{Number, expected_repr};
use super::json::{self, Int, PyStr, Value};
use super::lax::Decimal;
use crate::spec::document::Document;
use crate::spec::schema::{Additional, Schema, Type};

/// One validator.
#[derive(Clone, Debug)]
pub enum Core {
    /// `Any`: the value as given.
    Any,
    /// `None`.
    None,
    /// `bool`.
    Bool,
    /// `int`, with constraints.
    Int(Box<IntRules>),
    /// `float`, with constraints.
    Float(Box<FloatRules>),
    /// `str`, with constraints.
    Str(Box<StrRules>),
    /// `Decimal`, with constraints.
    Decimal(Box<DecimalRules>),
    /// `datetime.date`.
    Date,
    /// `datetime.datetime`.
    DateTime,
    /// `datetime.time`.
    Time,
    /// `uuid.UUID`, of a version or any.
    Uuid(Option<usize>),
    /// `EmailStr`.
    Email,
    /// `AnyUrl` (or `HttpUrl`: 2083 characters, `http` and `https`).
    Url(Box<super::urls::UrlRules>),
    /// `Literal[...]`.
    Literal(Box<Choices>),
    /// An `Enum` class.
    Enum(Box<Choices>),
    /// `list[T]`.
    List(Box<Sequence>),
    /// `dict[str, T]`.
    Dict(Box<Sequence>),
    /// A model, by its index in [`Models`].
    Model(usize),
    /// `T | None`.
    Nullable(Box<Core>),
    /// A smart-mode union.
    Union(Vec<Core>),
    /// A discriminated union.
    Tagged(Box<Tagged>),
}

/// `int` constraints, in pydantic-core's order of checking.
#[derive(Clone, Debug, Default)]
pub struct IntRules {
    /// `multiple_of`.
    pub multiple_of: Option<Int>,
    /// `le`.
    pub le: Option<Int>,
    /// `lt`.
    pub lt: Option<Int>,
    /// `ge`.
    pub ge: Option<Int>,
    /// `gt`.
    pub gt: Option<Int>,
}

impl IntRules {
    /// Whether any constraint is set (`constrained-int`).
    pub fn constrained(&self) -> bool {
        self.multiple_of.is_some()
            || self.le.is_some()
            || self.lt.is_some()
            || self.ge.is_some()
            || self.gt.is_some()
    }
}

/// `float` constraints.
#[derive(Clone, Debug, Default)]
pub struct FloatRules {
    /// `multiple_of`.
    pub multiple_of: Option<f64>,
    /// `le`.
    pub le: Option<f64>,
    /// `lt`.
    pub lt: Option<f64>,
    /// `ge`.
    pub ge: Option<f64>,
    /// `gt`.
    pub gt: Option<f64>,
}

impl FloatRules {
    /// Whether any constraint is set (`constrained-float`).
    pub fn constrained(&self) -> bool {
        self.multiple_of.is_some()
            || self.le.is_some()
            || self.lt.is_some()
            || self.ge.is_some()
            || self.gt.is_some()
    }
}

/// `str` constraints.
#[derive(Clone, Debug, Default)]
pub struct StrRules {
    /// `min_length`, in characters.
    pub min_length: Option<usize>,
    /// `max_length`, in characters.
    pub max_length: Option<usize>,
    /// `pattern`, as written and compiled (searched, as pydantic does).
    pub pattern: Option<(String, Regex)>,
}

impl StrRules {
    /// Whether any constraint is set (`constrained-str`).
    pub fn constrained(&self) -> bool {
        self.min_length.is_some() || self.max_length.is_some() || self.pattern.is_some()
    }
}

/// A `Decimal` bound: the value, what a message shows (`str(Decimal)`)
/// and what `ctx` holds (`jsonable_encoder`'s int or float).
#[derive(Clone, Debug)]
pub struct DecimalBound {
    /// The bound.
    pub value: Decimal,
    /// As `ctx` renders it.
    pub ctx: Number,
}

/// `Decimal` constraints.
#[derive(Clone, Debug, Default)]
pub struct DecimalRules {
    /// `multiple_of`.
    pub multiple_of: Option<DecimalBound>,
    /// `le`.
    pub le: Option<DecimalBound>,
    /// `lt`.
    pub lt: Option<DecimalBound>,
    /// `ge`.
    pub ge: Option<DecimalBound>,
    /// `gt`.
    pub gt: Option<DecimalBound>,
}

/// The values of a `Literal` or an `Enum`.
#[derive(Clone, Debug)]
pub struct Choices {
    /// The values, in order.
    pub values: Vec<Value>,
    /// `'a' or 'b'`.
    pub expected: String,
    /// The validator's name (`literal['a','b']`, `str-enum[Color]`).
    pub name: String,
    /// For an `Enum`: what its members' values are (`str`, `int` or
    /// `float`), which decides how an input is converted.
    pub sub: EnumKind,
}

/// The kind of an `Enum`'s values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnumKind {
    /// `class C(str, Enum)` (or a plain `Enum` of strings).
    Str,
    /// `class C(int, Enum)` / `IntEnum`.
    Int,
    /// `class C(float, Enum)`.
    Float,
    /// A plain `Enum` of mixed values.
    Plain,
}

/// A list or dict: its item (value) validator and length bounds.
#[derive(Clone, Debug)]
pub struct Sequence {
    /// The items' (values') validator.
    pub item: Core,
    /// `min_length`.
    pub min_length: Option<usize>,
    /// `max_length`.
    pub max_length: Option<usize>,
}

/// A discriminated union.
#[derive(Clone, Debug)]
pub struct Tagged {
    /// The discriminator's key (the alias).
    pub key: String,
    /// Tag → validator, in the document's order.
    pub choices: Vec<(String, Core)>,
}

/// How a model treats keys it has no field for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extra {
    /// `extra="ignore"` (the default): dropped.
    Ignore,
    /// `extra="forbid"`: `extra_forbidden`.
    Forbid,
    /// `extra="allow"`: kept, after the fields.
    Allow,
}

/// One model field.
#[derive(Clone, Debug)]
pub struct Field {
    /// The key in the input and output (the alias, where there is one).
    pub key: PyStr,
    /// Its validator.
    pub core: Core,
    /// Whether it must be given.
    pub required: bool,
    /// What an omitted field holds, in `model_dump(mode="json")` form.
    pub default: Option<Value>,
}

/// A model class.
#[derive(Clone, Debug)]
pub struct Model {
    /// The class name (its `title`).
    pub name: String,
    /// Its fields, in order.
    pub fields: Vec<Field>,
    /// Extra keys.
    pub extra: Extra,
}

/// Every model of a document, by index (models refer to each other and
/// to themselves).
#[derive(Clone, Debug, Default)]
pub struct Models {
    models: Vec<Model>,
    by_pointer: Vec<(String, usize)>,
}

/// Why a schema cannot be validated exactly as pydantic would.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {why}")]
pub struct Unsupported {
    /// The schema's JSON pointer.
    pub pointer: String,
    /// Why, and what would be approximated.
    pub why: String,
}

/// How to build: what to do with what cannot be reproduced exactly.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Accept documented approximations (a `default_factory` field left
    /// out filled with a placeholder, a set as a list in input order,
    /// an unknown `format` as a plain string, bytes as text) instead of
    /// refusing them.
    pub approximate: bool,
}

/// The `Number` of a JSON Schema number as pydantic types a bound of an
/// `int` field: an `Int`.
fn int_bound(n: &serde_json::Number, pointer: &str) -> Result<Int, Unsupported> {
    let f = n.as_f64().unwrap_or(f64::NAN);
    if let Some(i) = n.as_i64() {
        return Ok(Int::Small(i));
    }
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15 {
        return Ok(Int::Small(f as i64));
    }
    let text = n.to_string();
    if text.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return Ok(Int::from_digits(
            text.starts_with('-'),
            text.trim_start_matches('-'),
        ));
    }
    Err(Unsupported {
        pointer: pointer.to_owned(),
        why: format!("an integer bound {n} that is not an integer"),
    })
}

fn f64_of(n: &serde_json::Number) -> f64 {
    n.as_f64().unwrap_or(f64::NAN)
}

fn decimal_bound(n: &serde_json::Number) -> Option<DecimalBound> {
    let d = Decimal::from_number(n)?;
    // pydantic's bound is `Decimal(ge)`; an integral bound prints as an
    // integer (`ge=0` shows `0`, the schema writes `0.0`).
    let (value, ctx) = if d.is_integral() {
        let text = n
            .as_f64()
            .map_or_else(|| n.to_string(), |f| format!("{f:.0}"));
        let i = text.parse::<i64>().map_or_else(
            |_| Int::from_digits(text.starts_with('-'), text.trim_start_matches('-')),
            Int::Small,
        );
        let digits = i.to_string();
        (
            Decimal {
                negative: digits.starts_with('-'),
                digits: digits.trim_start_matches('-').to_owned(),
                exponent: 0,
            },
            Number::Int(i),
        )
    } else {
        let ctx = Number::Float(f64_of(n));
        (d.normalized(), ctx)
    };
    Some(DecimalBound { value, ctx })
}

/// A JSON value from the document as a Python value (`json.loads`'s).
pub fn from_json(v: &Json) -> Value {
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => {
            let text = n.to_string();
            if text.contains(['.', 'e', 'E']) {
                Value::Float(text.parse().unwrap_or(f64::NAN))
            } else {
                Value::Int(Int::from_digits(
                    text.starts_with('-'),
                    text.trim_start_matches('-'),
                ))
            }
        }
        Json::String(s) => Value::Str(PyStr::new(s)),
        Json::Array(items) => Value::Array(items.iter().map(from_json).collect()),
        Json::Object(map) => {
            let mut obj = json::Object::new();
            for (k, v) in map {
                obj.insert(PyStr::new(k), from_json(v));
            }
            Value::Object(obj)
        }
    }
}

/// A field's default as `model_dump(mode="json")` writes it: the
/// document's JSON, through the field type's serializer (a float field's
/// `0` is `0.0`), nested lists, dicts and models included.
pub fn default_of(core: &Core, v: &Json) -> Value {
    serialized(core, from_json(v))
}

/// A value as the serializer of `core` writes it in `mode="json"`: an
/// int in a `float` field as a float, through `Optional`, lists and dicts
/// (pydantic-core 2.50 `src/serializers/type_serializers/float.rs`); other
/// values as they are.
pub fn serialize_as(core: &Core, v: Value) -> Value {
    serialized(core, v)
}

fn serialized(core: &Core, v: Value) -> Value {
    match (core, v) {
        (Core::Float(_), Value::Int(i)) => {
            Value::Float(super::lax::int_to_f64(&i).unwrap_or(f64::INFINITY))
        }
        (Core::Float(_), Value::Bool(b)) => Value::Float(if b { 1.0 } else { 0.0 }),
        (Core::Nullable(inner), v) if !matches!(v, Value::Null) => serialized(inner, v),
        (Core::List(seq), Value::Array(items)) => Value::Array(
            items
                .into_iter()
                .map(|i| serialized(&seq.item, i))
                .collect(),
        ),
        (Core::Dict(seq), Value::Object(obj)) => {
            let mut out = json::Object::new();
            for (k, v) in obj.iter() {
                out.insert(k.clone(), serialized(&seq.item, v.clone()));
            }
            Value::Object(out)
        }
        (_, v) => v,
    }
}

/// Python's `repr` of a JSON scalar, as `expected` lists it.
pub fn python_repr(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => super::render::float_repr(*f),
        Value::Str(s) => py_str_repr(&s.to_string_lossy()),
        Value::Array(_) | Value::Object(_) => "…".into(),
    }
}

/// Python's `repr(str)`: single quotes unless the text holds a single
/// quote and no double quote; `\\`, `\n`, `\r`, `\t` and other control
/// characters escaped.
pub fn py_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

impl Models {
    /// Adds a model (one the document implies, such as FastAPI's
    /// embedded-body wrapper read as an item); its index.
    pub fn push(&mut self, model: Model) -> usize {
        self.models.push(model);
        self.models.len() - 1
    }

    /// The model at `index`.
    pub fn get(&self, index: usize) -> Option<&Model> {
        self.models.get(index)
    }

    /// A validator's name, as a union member's label (`int`,
    /// `constrained-str`, `User`, `list[int]`).
    pub fn name(&self, core: &Core) -> String {
        match core {
            Core::Any => "any".into(),
            Core::None => "none".into(),
            Core::Bool => "bool".into(),
            Core::Int(r) if r.constrained() => "constrained-int".into(),
            Core::Int(_) => "int".into(),
            Core::Float(r) if r.constrained() => "constrained-float".into(),
            Core::Float(_) => "float".into(),
            Core::Str(r) if r.constrained() => "constrained-str".into(),
            Core::Str(_) => "str".into(),
            Core::Decimal(_) => "decimal".into(),
            Core::Date => "date".into(),
            Core::DateTime => "datetime".into(),
            Core::Time => "time".into(),
            Core::Uuid(_) => "uuid".into(),
            Core::Email => "function-after[_validate(), str]".into(),
            Core::Url(r) => match &r.schemes {
                Some((schemes, _)) => format!(
                    "url[{}]",
                    schemes
                        .iter()
                        .map(|s| py_str_repr(s))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                None => "url".into(),
            },
            Core::Literal(c) | Core::Enum(c) => c.name.clone(),
            Core::List(s) => format!("list[{}]", self.name(&s.item)),
            Core::Dict(s) => format!("dict[str,{}]", self.name(&s.item)),
            Core::Model(i) => self
                .get(*i)
                .map_or_else(|| "model".into(), |m| m.name.clone()),
            Core::Nullable(inner) => format!("nullable[{}]", self.name(inner)),
            Core::Union(choices) => format!(
                "union[{}]",
                choices
                    .iter()
                    .map(|c| self.name(c))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Core::Tagged(t) => format!(
                "tagged-union[{}]",
                t.choices
                    .iter()
                    .map(|(_, c)| self.name(c))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }

    /// Builds the validator of `schema`, read from `doc`.
    ///
    /// # Errors
    /// [`Unsupported`] naming the first schema that cannot be validated
    /// exactly (unless `opts.approximate` accepts it) or does not
    /// resolve.
    pub fn build(
        &mut self,
        doc: &Document,
        schema: &Schema,
        opts: Options,
    ) -> Result<Core, Unsupported> {
        self.build_at(doc, schema, opts, 0)
    }

    fn build_at(
        &mut self,
        doc: &Document,
        schema: &Schema,
        opts: Options,
        depth: usize,
    ) -> Result<Core, Unsupported> {
        let refuse = |why: &str| Unsupported {
            pointer: schema.pointer.clone(),
            why: why.to_owned(),
        };
        if depth > 64 {
            return Err(refuse("schemas nest too deeply"));
        }
        if let Some(reference) = &schema.reference {
            let target = doc
                .resolve(schema)
                .map_err(|e| Unsupported {
                    pointer: e.pointer,
                    why: e.why,
                })?
                .into_owned();
            if target.enumeration.is_some() {
                return self.build_enum(&target, schema.reference_name().unwrap_or("Enum"));
            }
            if is_model(&target) {
                if let Some((_, i)) = self.by_pointer.iter().find(|(p, _)| p == reference) {
                    return Ok(Core::Model(*i));
                }
                let index = self.models.len();
                self.by_pointer.push((reference.clone(), index));
                self.models.push(Model {
                    name: String::new(),
                    fields: Vec::new(),
                    extra: Extra::Ignore,
                });
                let model = self.build_model(doc, &target, schema.reference_name(), opts, depth)?;
                self.models[index] = model;
                return Ok(Core::Model(index));
            }
            return self.build_at(doc, &target, opts, depth + 1);
        }
        if schema.impossible {
            return Err(refuse("the schema `false` admits nothing"));
        }
        if let Some([one]) = schema.all_of.as_deref() {
            return self.build_at(doc, one, opts, depth + 1);
        }
        if schema.all_of.is_some() || schema.not.is_some() {
            return Err(refuse(
                "allOf with several parts, or not, is not a pydantic type",
            ));
        }
        let alternatives = schema.alternatives();
        if !alternatives.is_empty() {
            return self.build_union(doc, schema, opts, depth);
        }
        if let Some(c) = &schema.constant {
            return Ok(literal(std::slice::from_ref(c)));
        }
        if let Some(values) = &schema.enumeration {
            if values.is_empty() {
                return Err(refuse("an empty enum"));
            }
            return Ok(literal(values));
        }
        let types = schema.types.clone().unwrap_or_default();
        let nullable = schema.nullable || types.contains(&Type::Null);
        let non_null: Vec<Type> = types.iter().copied().filter(|t| *t != Type::Null).collect();
        let core = match non_null.as_slice() {
            [] if types.contains(&Type::Null) => return Ok(Core::None),
            [] if is_model(schema) => {
                let index = self.models.len();
                self.models.push(Model {
                    name: String::new(),
                    fields: Vec::new(),
                    extra: Extra::Ignore,
                });
                let model = self.build_model(doc, schema, None, opts, depth)?;
                self.models[index] = model;
                Core::Model(index)
            }
            [] => Core::Any,
            [one] => self.build_typed(doc, schema, *one, opts, depth)?,
            several => {
                let mut choices = Vec::new();
                for t in several {
                    choices.push(self.build_typed(doc, schema, *t, opts, depth)?);
                }
                Core::Union(choices)
            }
        };
        Ok(if nullable {
            Core::Nullable(Box::new(core))
        } else {
            core
        })
    }

    fn build_enum(&mut self, target: &Schema, name: &str) -> Result<Core, Unsupported> {
        let values: Vec<Value> = target.enumeration.iter().flatten().map(from_json).collect();
        if values.is_empty() {
            return Err(Unsupported {
                pointer: target.pointer.clone(),
                why: "an Enum without members".into(),
            });
        }
        let sub = if values.iter().all(|v| matches!(v, Value::Str(_))) {
            EnumKind::Str
        } else if values.iter().all(|v| matches!(v, Value::Int(_))) {
            EnumKind::Int
        } else if values.iter().all(|v| matches!(v, Value::Float(_))) {
            EnumKind::Float
        } else {
            EnumKind::Plain
        };
        let prefix = match sub {
            EnumKind::Str => "str-enum",
            EnumKind::Int => "int-enum",
            EnumKind::Float => "float-enum",
            EnumKind::Plain => "enum",
        };
        let reprs: Vec<String> = values.iter().map(python_repr).collect();
        Ok(Core::Enum(Box::new(Choices {
            expected: expected_repr(&reprs),
            name: format!("{prefix}[{name}]"),
            values,
            sub,
        })))
    }

    fn build_union(
        &mut self,
        doc: &Document,
        schema: &Schema,
        opts: Options,
        depth: usize,
    ) -> Result<Core, Unsupported> {
        let alternatives = schema.alternatives();
        let (nulls, others): (Vec<&Schema>, Vec<&Schema>) =
            alternatives.iter().partition(|a| a.is_null());
        // Decimal: exactly a number (with Decimal's bounds) and a string.
        let plain_string = |s: &Schema| {
            s.types.as_deref() == Some(&[Type::String])
                && s.format.is_none()
                && s.pattern.is_none()
                && s.min_length.is_none()
                && s.max_length.is_none()
                && s.reference.is_none()
        };
        // pydantic writes a Decimal's default in JSON mode, as a string: a
        // number default shows `float | str` (pydantic 2.14
        // `json_schema.py` `default_schema` over `to_jsonable_python`).
        let numeric_default = matches!(schema.default, Some(Json::Number(_)));
        let core = if let [number, string] = others.as_slice()
            && !numeric_default
            && number.types.as_deref() == Some(&[Type::Number])
            && number.reference.is_none()
            && plain_string(string)
        {
            let bound = |n: Option<&serde_json::Number>| n.and_then(decimal_bound);
            let (lo, hi) = (number.lower_bound(), number.upper_bound());
            let mut rules = DecimalRules {
                multiple_of: bound(number.multiple_of.as_ref()),
                ..DecimalRules::default()
            };
            if let Some(b) = lo {
                if b.exclusive {
                    rules.gt = bound(Some(&b.value));
                } else {
                    rules.ge = bound(Some(&b.value));
                }
            }
            if let Some(b) = hi {
                if b.exclusive {
                    rules.lt = bound(Some(&b.value));
                } else {
                    rules.le = bound(Some(&b.value));
                }
            }
            Core::Decimal(Box::new(rules))
        } else if let Some(d) = &schema.discriminator
            && schema.one_of.is_some()
        {
            let mut choices = Vec::new();
            for alt in &others {
                let target = doc
                    .resolve(alt)
                    .map_err(|e| Unsupported {
                        pointer: e.pointer,
                        why: e.why,
                    })?
                    .into_owned();
                let tags: Vec<String> = match target.property(&d.property_name) {
                    Some(p) => match (&p.constant, &p.enumeration) {
                        (Some(Json::String(t)), _) => vec![t.clone()],
                        (_, Some(values)) => values
                            .iter()
                            .filter_map(|v| v.as_str().map(str::to_owned))
                            .collect(),
                        _ => Vec::new(),
                    },
                    None => Vec::new(),
                };
                if tags.is_empty() {
                    return Err(Unsupported {
                        pointer: alt.pointer.clone(),
                        why: format!(
                            "a discriminated union member without a string tag in {}",
                            d.property_name
                        ),
                    });
                }
                let core = self.build_at(doc, alt, opts, depth + 1)?;
                for tag in tags {
                    choices.push((tag, core.clone()));
                }
            }
            Core::Tagged(Box::new(Tagged {
                key: d.property_name.clone(),
                choices,
            }))
        } else {
            let mut choices = Vec::with_capacity(others.len());
            for alt in &others {
                choices.push(self.build_at(doc, alt, opts, depth + 1)?);
            }
            match choices.len() {
                0 => Core::None,
                1 => choices.remove(0),
                _ => Core::Union(choices),
            }
        };
        Ok(if nulls.is_empty() || matches!(core, Core::None) {
            core
        } else {
            Core::Nullable(Box::new(core))
        })
    }

    fn build_typed(
        &mut self,
        doc: &Document,
        s: &Schema,
        t: Type,
        opts: Options,
        depth: usize,
    ) -> Result<Core, Unsupported> {
        let refuse = |why: String| Unsupported {
            pointer: s.pointer.clone(),
            why,
        };
        let count = |n: Option<u64>| n.map(|n| usize::try_from(n).unwrap_or(usize::MAX));
        Ok(match t {
            Type::Null => Core::None,
            Type::Boolean => Core::Bool,
            Type::Integer => {
                let mut r = IntRules {
                    multiple_of: s
                        .multiple_of
                        .as_ref()
                        .map(|m| int_bound(m, &s.pointer))
                        .transpose()?,
                    ..IntRules::default()
                };
                if let Some(b) = s.lower_bound() {
                    let v = int_bound(&b.value, &s.pointer)?;
                    if b.exclusive {
                        r.gt = Some(v);
                    } else {
                        r.ge = Some(v);
                    }
                }
                if let Some(b) = s.upper_bound() {
                    let v = int_bound(&b.value, &s.pointer)?;
                    if b.exclusive {
                        r.lt = Some(v);
                    } else {
                        r.le = Some(v);
                    }
                }
                Core::Int(Box::new(r))
            }
            Type::Number => {
                let mut r = FloatRules {
                    multiple_of: s.multiple_of.as_ref().map(f64_of),
                    ..FloatRules::default()
                };
                if let Some(b) = s.lower_bound() {
                    if b.exclusive {
                        r.gt = Some(f64_of(&b.value));
                    } else {
                        r.ge = Some(f64_of(&b.value));
                    }
                }
                if let Some(b) = s.upper_bound() {
                    if b.exclusive {
                        r.lt = Some(f64_of(&b.value));
                    } else {
                        r.le = Some(f64_of(&b.value));
                    }
                }
                Core::Float(Box::new(r))
            }
            Type::String => match s.format.as_deref() {
                Some("date-time") => Core::DateTime,
                Some("date") => Core::Date,
                Some("time") => Core::Time,
                Some("uuid") => Core::Uuid(None),
                Some("email") => Core::Email,
                Some("uri") => {
                    // pydantic writes HttpUrl as maxLength 2083; AnyUrl (and
                    // AnyHttpUrl, which no document tells apart) without.
                    let http = s.max_length == Some(2083);
                    Core::Url(Box::new(super::urls::UrlRules {
                        max_length: count(s.max_length),
                        schemes: http.then(|| {
                            (
                                vec!["http".to_owned(), "https".to_owned()],
                                "'http' or 'https'".to_owned(),
                            )
                        }),
                    }))
                }
                Some(f) if f.len() == 5 && f.starts_with("uuid") => {
                    Core::Uuid(f[4..].parse().ok().filter(|v| (1..=8).contains(v)))
                }
                Some(f) if !opts.approximate => {
                    return Err(refuse(format!(
                        "format {f:?} is not validated exactly yet (pass --approximate to treat it as a plain string)"
                    )));
                }
                _ if s.other.contains_key("contentMediaType") && !opts.approximate => {
                    return Err(refuse(
                        "bytes are not validated exactly yet (pass --approximate to treat them as text)".into(),
                    ));
                }
                _ => {
                    let pattern = match &s.pattern {
                        Some(p) => Some((
                            p.clone(),
                            Regex::new(p).map_err(|_| {
                                refuse(format!(
                                    "pattern {p:?} needs Python's re (look-around or back-references): pydantic's regex engine refuses it unless the app says regex_engine='python-re'"
                                ))
                            })?,
                        )),
                        None => None,
                    };
                    Core::Str(Box::new(StrRules {
                        min_length: count(s.min_length),
                        max_length: count(s.max_length),
                        pattern,
                    }))
                }
            },
            Type::Array => {
                if s.prefix_items.is_some() {
                    return Err(refuse("tuples (prefixItems) are not validated yet".into()));
                }
                if s.unique_items && !opts.approximate {
                    return Err(refuse(
                        "a set (uniqueItems): Python orders its members by hash, which no document shows (pass --approximate to keep the input's order)".into(),
                    ));
                }
                let item = match &s.items {
                    Some(Some(i)) => self.build_at(doc, i, opts, depth + 1)?,
                    Some(None) => return Err(refuse("items: false".into())),
                    None => Core::Any,
                };
                Core::List(Box::new(Sequence {
                    item,
                    min_length: count(s.min_items),
                    max_length: count(s.max_items),
                }))
            }
            Type::Object => {
                if is_model(s) {
                    let index = self.models.len();
                    self.models.push(Model {
                        name: String::new(),
                        fields: Vec::new(),
                        extra: Extra::Ignore,
                    });
                    let model = self.build_model(doc, s, None, opts, depth)?;
                    self.models[index] = model;
                    Core::Model(index)
                } else {
                    let item = match &s.additional_properties {
                        Some(Additional::Schema(v)) => self.build_at(doc, v, opts, depth + 1)?,
                        _ => Core::Any,
                    };
                    Core::Dict(Box::new(Sequence {
                        item,
                        min_length: count(s.min_properties),
                        max_length: count(s.max_properties),
                    }))
                }
            }
        })
    }

    fn build_model(
        &mut self,
        doc: &Document,
        s: &Schema,
        ref_name: Option<&str>,
        opts: Options,
        depth: usize,
    ) -> Result<Model, Unsupported> {
        let mut fields = Vec::with_capacity(s.properties.len());
        for (key, prop) in &s.properties {
            let core = self.build_at(doc, prop, opts, depth + 1)?;
            let required = s.requires(key);
            let resolved = doc.resolve(prop).map(std::borrow::Cow::into_owned).ok();
            let written_default = prop
                .default
                .as_ref()
                .or(resolved.as_ref().and_then(|r| r.default.as_ref()));
            let default = match (required, written_default) {
                (true, _) => None,
                (false, Some(d)) => Some(default_of(&core, d)),
                (false, None) => match implied_default(&core) {
                    Some(d) => Some(d),
                    // A default_factory (a timestamp, a uuid4): the value
                    // it would make is the server's; approximated, a
                    // placeholder of the field's type.
                    None if opts.approximate => Some(placeholder(&core)),
                    None => {
                        return Err(Unsupported {
                            pointer: prop.pointer.clone(),
                            why: "an optional field whose default the document does not show (a default_factory?): pass --approximate to fill it, when left out, with a placeholder of its type".into(),
                        });
                    }
                },
            };
            fields.push(Field {
                key: PyStr::new(key),
                core,
                required,
                default,
            });
        }
        let extra = match &s.additional_properties {
            Some(Additional::Allowed(false)) => Extra::Forbid,
            Some(Additional::Allowed(true)) => Extra::Allow,
            Some(Additional::Schema(_)) => {
                return Err(Unsupported {
                    pointer: s.pointer.clone(),
                    why: "a model whose extra values have a schema".into(),
                });
            }
            None => Extra::Ignore,
        };
        Ok(Model {
            name: s
                .title
                .clone()
                .or_else(|| ref_name.map(str::to_owned))
                .unwrap_or_else(|| "Model".into()),
            fields,
            extra,
        })
    }
}

/// A `Literal` of `values`.
fn literal(values: &[Json]) -> Core {
    let values: Vec<Value> = values.iter().map(from_json).collect();
    let reprs: Vec<String> = values.iter().map(python_repr).collect();
    Core::Literal(Box::new(Choices {
        expected: expected_repr(&reprs),
        name: format!("literal[{}]", reprs.join(",")),
        values,
        sub: EnumKind::Plain,
    }))
}

/// Whether an object schema is a model (it has properties).
fn is_model(s: &Schema) -> bool {
    !s.properties.is_empty() && s.types.as_deref().is_none_or(|t| t.contains(&Type::Object))
}

/// A value a `core` validates, made up where the document gives none: a
/// zero, an empty string or list, the epoch for a date-time, the first of
/// an enum's values; null where null is taken. (A server-made response
/// field, or with `--approximate` a `default_factory` field left out.)
pub fn placeholder(core: &Core) -> Value {
    match core {
        Core::Nullable(_) | Core::None | Core::Any => Value::Null,
        Core::Int(_) => Value::Int(Int::Small(0)),
        Core::Float(_) => Value::Float(0.0),
        Core::Bool => Value::Bool(false),
        Core::Str(_) => Value::Str(PyStr::new("")),
        Core::DateTime => Value::Str(PyStr::new("1970-01-01T00:00:00Z")),
        Core::Date => Value::Str(PyStr::new("1970-01-01")),
        Core::Time => Value::Str(PyStr::new("00:00:00")),
        Core::Uuid(_) => Value::Str(PyStr::new("00000000-0000-0000-0000-000000000000")),
        Core::Email => Value::Str(PyStr::new("user@example.com")),
        Core::Url(_) => Value::Str(PyStr::new("https://example.com/")),
        Core::Decimal(_) => Value::Str(PyStr::new("0")),
        Core::List(_) => Value::Array(Vec::new()),
        Core::Dict(_) | Core::Model(_) => Value::Object(json::Object::new()),
        Core::Literal(c) | Core::Enum(c) => c.values.first().cloned().unwrap_or(Value::Null),
        Core::Union(_) | Core::Tagged(_) => Value::Null,
    }
}

/// What an optional field without a written default holds: `None` for
/// `Optional`, an empty list or dict for `default_factory=list`/`dict`
/// (FastAPI's document leaves such defaults out).
pub fn implied_default(core: &Core) -> Option<Value> {
    match core {
        Core::Nullable(_) | Core::None | Core::Any => Some(Value::Null),
        Core::List(_) => Some(Value::Array(Vec::new())),
        Core::Dict(_) => Some(Value::Object(json::Object::new())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(schemas: Json, body: Json) -> (Models, Result<Core, Unsupported>) {
        let doc = Document::from_value(serde_json::json!({"openapi": "3.1.0", "paths": {}, "components": {"schemas": schemas}}))
            .unwrap();
        let mut m = Models::default();
        let core = m.build(
            &doc,
            &Schema::read(&body, "#/b").unwrap(),
            Options::default(),
        );
        (m, core)
    }

    #[test]
    fn a_default_factory_is_refused_or_with_approximate_a_placeholder() {
        let schemas = serde_json::json!({"M": {"type": "object", "title": "M", "properties": {
            "created": {"type": "string", "format": "date-time"}}}});
        let top = serde_json::json!({"$ref": "#/components/schemas/M"});
        let (_, core) = build(schemas.clone(), top.clone());
        assert!(core.unwrap_err().why.contains("pass --approximate"));
        let doc = Document::from_value(serde_json::json!({"openapi": "3.1.0", "paths": {}, "components": {"schemas": schemas}}))
            .unwrap();
        let mut m = Models::default();
        let core = m
            .build(
                &doc,
                &Schema::read(&top, "#/b").unwrap(),
                Options { approximate: true },
            )
            .unwrap();
        let Core::Model(i) = core else {
            panic!("a model")
        };
        assert_eq!(
            m.get(i).unwrap().fields[0].default,
            Some(Value::Str(PyStr::new("1970-01-01T00:00:00Z")))
        );
    }

    #[test]
    fn pydantic_forms_read_as_pydantic_types() {
        let (models, core) = build(
            serde_json::json!({
                "Color": {"type": "string", "enum": ["red", "green"], "title": "Color"},
                "Node": {"type": "object", "title": "Node", "required": ["color", "lit", "price", "when", "u"], "properties": {
                    "next": {"anyOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}]},
                    "color": {"$ref": "#/components/schemas/Color"},
                    "lit": {"const": "x", "type": "string"},
                    "price": {"anyOf": [{"type": "number", "minimum": 0.0}, {"type": "string"}]},
                    "when": {"type": "string", "format": "date-time"},
                    "u": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
                    "tags": {"type": "array", "items": {"type": "string"}}}}}),
            serde_json::json!({"$ref": "#/components/schemas/Node"}),
        );
        let Core::Model(i) = core.map_err(|e| e.to_string()).unwrap() else {
            panic!()
        };
        let node = models.get(i).unwrap();
        assert_eq!(node.name, "Node");
        let names: Vec<String> = node.fields.iter().map(|f| models.name(&f.core)).collect();
        assert_eq!(
            names,
            [
                "nullable[Node]",
                "str-enum[Color]",
                "literal['x']",
                "decimal",
                "datetime",
                "union[int,str]",
                "list[str]"
            ]
        );
        let Core::Decimal(d) = &node.fields[3].core else {
            panic!()
        };
        assert!(matches!(
            d.ge.as_ref().unwrap().ctx,
            Number::Int(Int::Small(0))
        ));
        assert_eq!(
            node.fields[6].default,
            Some(Value::Array(Vec::new())),
            "default_factory=list"
        );
    }

    #[test]
    fn what_cannot_be_reproduced_is_refused_with_its_pointer() {
        for (schema, why) in [
            (
                serde_json::json!({"type": "array", "uniqueItems": true, "items": {"type": "integer"}}),
                "a set",
            ),
            (
                serde_json::json!({"type": "string", "format": "ipv4"}),
                "format \"ipv4\"",
            ),
            (
                serde_json::json!({"type": "string", "pattern": "^(?=a)"}),
                "Python's re",
            ),
            (
                serde_json::json!({"type": "integer", "minimum": 0.5}),
                "not an integer",
            ),
        ] {
            let (_, core) = build(serde_json::json!({}), schema);
            let e = core.unwrap_err();
            assert_eq!(e.pointer, "#/b");
            assert!(e.why.contains(why), "{e}");
        }
    }

    #[test]
    fn reprs_are_pythons() {
        assert_eq!(py_str_repr("a"), "'a'");
        assert_eq!(py_str_repr("it's"), "\"it's\"");
        assert_eq!(py_str_repr("a'\""), "'a\\'\"'");
        assert_eq!(python_repr(&Value::Float(1.0)), "1.0");
        assert_eq!(python_repr(&Value::Bool(true)), "True");
    }
}
