//! Items made from an upsert's body ([`Body`]) and values made from any
//! JSON Schema, as deep as the schema goes: valid values that differ from
//! one another ([`value`], [`full`]), an item with only its required
//! fields ([`minimal`]), one with every nullable field null ([`nulls`]),
//! the item a server must store for a body ([`expected`]), and invalid
//! variants at every depth: in nested models, list items and dict values
//! ([`invalid`]).
//!
//! Valid values satisfy the schema as JSON Schema reads it (the property
//! tests check them with the `jsonschema` crate); invalid ones fail it,
//! and fail pydantic's lax mode too: a wrong type is never one pydantic
//! coerces (`"3"` for an integer, `"yes"` for a boolean).

use serde_json::{Map, Number, Value};

use crate::spec::body::{Body, Field, without_null};
use crate::spec::endpoint::{as_f64, integer_range};
use crate::spec::schema::{Additional, Schema, Type};

use super::ids::uuid_text;
use super::pattern::Pattern;
use super::rng::{Rng, seed_of};

/// How deep values are made (a recursive model ends here).
pub const MAX_DEPTH: usize = 8;

/// An item body.
pub type Item = Map<String, Value>;

/// One step of a path into an item: a key or a list index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// An object's key.
    Key(String),
    /// A list's index.
    Index(usize),
}

/// An invalid variant of a valid item.
#[derive(Clone, Debug, PartialEq)]
pub struct Invalid {
    /// What is wrong, for messages: `dims.w: a string for a number`.
    pub what: String,
    /// The top-level field it concerns.
    pub field: String,
    /// Where the wrong value is, from the item's top (a FastAPI 422's
    /// `loc` after `"body"`).
    pub path: Vec<Step>,
    /// The body.
    pub body: Item,
}

/// A valid value of `schema`; different `variant`s give different values
/// where the schema allows; `salt` makes strings unique to a run.
pub fn value(schema: &Schema, variant: u64, salt: &str) -> Value {
    value_at(schema, variant, salt, 0)
}

/// A valid item, every field given a value; variants 0, 1, 2, … differ
/// in every field that can differ.
pub fn full(body: &Body, variant: u64, salt: &str) -> Item {
    body.fields
        .iter()
        .map(|f| (f.name.clone(), field_value(f, variant, salt)))
        .collect()
}

/// A field's value: a recursive model's back-reference is null where
/// null is allowed.
fn field_value(f: &Field, variant: u64, salt: &str) -> Value {
    if f.schema.reference.is_some() && f.nullable {
        return Value::Null;
    }
    value(&f.schema, variant, salt)
}

/// A valid item with only the required fields (with no required field:
/// only the first, so that the body is not `{}`), as deep as the schema
/// goes: inside each nested model (and each list item of one) only its
/// required fields and those whose value when left out the schema does
/// not tell. An update with it shows a server that merges, at any depth.
pub fn minimal(body: &Body, variant: u64, salt: &str) -> Item {
    body.fields
        .iter()
        .enumerate()
        .filter(|(i, f)| in_minimal(body, *i, f))
        .map(|(_, f)| {
            (
                f.name.clone(),
                pruned(&f.schema, field_value(f, variant, salt)),
            )
        })
        .collect()
}

/// The schema the value `v` of `s` was made from ([`value_at`]'s choice):
/// null taken out, a tagged union's member that `v`'s tag names (else its
/// first), another union's first alternative, an `allOf`'s first member.
fn made_from(s: &Schema, v: &Value) -> Schema {
    let (inner, _) = without_null(s);
    if let Some(member) = tagged_member(&inner, v) {
        return made_from(member, v);
    }
    if let Some(first) = inner.alternatives().first() {
        return made_from(first, v);
    }
    if let Some([first, ..]) = inner.all_of.as_deref() {
        return made_from(first, v);
    }
    inner
}

/// The tag of a tagged union's member: the `const` (or one-value `enum`)
/// of its discriminator property.
fn tag_of<'a>(member: &'a Schema, property: &str) -> Option<&'a Value> {
    let (_, prop) = member.properties.iter().find(|(k, _)| k == property)?;
    let single = match prop.enumeration.as_deref() {
        Some([one]) => Some(one),
        _ => None,
    };
    prop.constant.as_ref().or(single)
}

/// Of a tagged union (`discriminator`), the member whose tag `v` carries.
fn tagged_member<'a>(s: &'a Schema, v: &Value) -> Option<&'a Schema> {
    let property = &s.discriminator.as_ref()?.property_name;
    let tag = v.get(property)?;
    s.alternatives()
        .iter()
        .find(|m| tag_of(&without_null(m).0, property) == Some(tag))
}

/// What a server stores for property `name` of `object` when it is left
/// out, where the schema tells: its default, else null when it is
/// nullable and not required.
fn omitted_value(object: &Schema, name: &str, prop: &Schema) -> Option<Value> {
    if let Some(d) = &prop.default {
        return Some(d.clone());
    }
    let (_, nullable) = without_null(prop);
    (nullable && !object.required.iter().any(|r| r == name)).then_some(Value::Null)
}

/// `v` (a value of `s`) without the nested fields whose stored value is
/// known when left out, at every depth.
fn pruned(s: &Schema, v: Value) -> Value {
    let m = made_from(s, &v);
    match v {
        Value::Object(mut obj) if !m.properties.is_empty() => {
            for (name, prop) in &m.properties {
                if !m.required.contains(name) && omitted_value(&m, name, prop).is_some() {
                    obj.remove(name);
                } else if let Some(sub) = obj.get_mut(name) {
                    *sub = pruned(prop, std::mem::take(sub));
                }
            }
            Value::Object(obj)
        }
        Value::Array(list) => match &m.items {
            Some(Some(item)) => Value::Array(list.into_iter().map(|x| pruned(item, x)).collect()),
            _ => Value::Array(list),
        },
        other => other,
    }
}

/// `v` (a value of `s`) with every nested field left out that has a known
/// stored value put in, at every depth: what a server holds for it.
fn filled(s: &Schema, v: Value) -> Value {
    let m = made_from(s, &v);
    match v {
        Value::Object(mut obj) if !m.properties.is_empty() => {
            for (name, prop) in &m.properties {
                match obj.get_mut(name) {
                    Some(sub) => *sub = filled(prop, std::mem::take(sub)),
                    None => {
                        if let Some(d) = omitted_value(&m, name, prop) {
                            obj.insert(name.clone(), d);
                        }
                    }
                }
            }
            Value::Object(obj)
        }
        Value::Array(list) => match &m.items {
            Some(Some(item)) => Value::Array(list.into_iter().map(|x| filled(item, x)).collect()),
            _ => Value::Array(list),
        },
        other => other,
    }
}

fn in_minimal(body: &Body, i: usize, f: &Field) -> bool {
    if body.fields.iter().any(|f| f.required) {
        f.required
    } else {
        i == 0
    }
}

/// Where [`minimal`] leaves out a field whose stored value is known (a
/// `default`, or null for a nullable field without one), as dotted paths
/// (`note`, `dims.unit`, `variants.0.color`): the fields an update with
/// it must reset.
pub fn omitted_with_known_value(body: &Body) -> Vec<String> {
    let mut out = Vec::new();
    for (i, f) in body.fields.iter().enumerate() {
        if !in_minimal(body, i, f) {
            if f.value_when_omitted().is_some() {
                out.push(f.name.clone());
            }
        } else {
            let full = field_value(f, 0, "");
            omitted_within(&f.schema, &full, &f.name, &mut out);
        }
    }
    out
}

/// A valid item with every field given, and inside each nested model (at
/// any depth: a model, a list of them, a union's member) only what
/// [`minimal`] keeps there; with the paths left out (`variants.0.tag`).
/// `None` when that leaves nothing out.
pub fn pruned_within(body: &Body, variant: u64, salt: &str) -> Option<(Item, Vec<String>)> {
    let mut left_out = Vec::new();
    let item: Item = body
        .fields
        .iter()
        .map(|f| {
            let v = field_value(f, variant, salt);
            omitted_within(&f.schema, &v, &f.name, &mut left_out);
            (f.name.clone(), pruned(&f.schema, v))
        })
        .collect();
    (!left_out.is_empty()).then_some((item, left_out))
}

/// The paths under `at` that [`pruned`] takes out of `v`.
fn omitted_within(s: &Schema, v: &Value, at: &str, out: &mut Vec<String>) {
    let m = made_from(s, v);
    match v {
        Value::Object(obj) if !m.properties.is_empty() => {
            for (name, prop) in &m.properties {
                let path = format!("{at}.{name}");
                if !m.required.contains(name) && omitted_value(&m, name, prop).is_some() {
                    if obj.contains_key(name) {
                        out.push(path);
                    }
                } else if let Some(sub) = obj.get(name) {
                    omitted_within(prop, sub, &path, out);
                }
            }
        }
        Value::Array(list) => {
            if let (Some(Some(item)), Some(first)) = (&m.items, list.first()) {
                omitted_within(item, first, &format!("{at}.0"), out);
            }
        }
        _ => {}
    }
}

/// A valid item with every nullable field null (the others as in
/// [`full`]); `None` when no field is nullable.
pub fn nulls(body: &Body, variant: u64, salt: &str) -> Option<Item> {
    if !body.fields.iter().any(|f| f.nullable) {
        return None;
    }
    let mut item = full(body, variant, salt);
    for f in body.fields.iter().filter(|f| f.nullable) {
        item.insert(f.name.clone(), Value::Null);
    }
    Some(item)
}

/// The item a server stores for `sent`: what was sent, and for each field
/// left out its default (null for a nullable field without one). Fields
/// left out whose value the schema does not tell are not in it.
pub fn expected(body: &Body, sent: &Item) -> Item {
    let mut item = sent.clone();
    for f in &body.fields {
        match item.get_mut(&f.name) {
            Some(v) => *v = filled(&f.schema, std::mem::take(v)),
            None => {
                if let Some(v) = f.value_when_omitted() {
                    item.insert(f.name.clone(), v);
                }
            }
        }
    }
    item
}

/// The paths in `item` (`.price`, `.lines[0].amount`, as
/// [`crate::contract::echo::compare`] takes them) of the numbers whose
/// schema admits a string too, so that a correct server may answer with
/// the number's text: pydantic's `Decimal` is `anyOf: [number, string]`
/// and is written as a string (and the strings of such a schema, sent as
/// text, may come back as numbers). Elsewhere a number that comes back as
/// text is not an echo of it, nor text that comes back as a number.
pub fn text_numbers(body: &Body, item: &Item) -> Vec<String> {
    fn admits(s: &Schema, types: &[Type]) -> bool {
        types.iter().any(|t| s.has_type(*t))
            || s.alternatives().iter().any(|m| admits(m, types))
            || s.all_of
                .as_deref()
                .is_some_and(|all| all.iter().any(|m| admits(m, types)))
    }
    fn walk(s: &Schema, v: &Value, path: &str, out: &mut Vec<String>) {
        let both = || {
            (admits(s, &[Type::String]) || s.format.as_deref() == Some("decimal"))
                && admits(s, &[Type::Number, Type::Integer])
        };
        match v {
            Value::Number(_) | Value::String(_) if both() => out.push(path.to_owned()),
            Value::Object(obj) => {
                let m = made_from(s, v);
                for (name, sub) in obj {
                    let below = format!("{path}.{name}");
                    match m.properties.iter().find(|(k, _)| k == name) {
                        Some((_, prop)) => walk(prop, sub, &below, out),
                        None => {
                            if let Some(Additional::Schema(values)) = &m.additional_properties {
                                walk(values, sub, &below, out);
                            }
                        }
                    }
                }
            }
            Value::Array(list) => {
                let m = made_from(s, v);
                let prefix = m.prefix_items.as_deref().unwrap_or(&[]);
                for (i, x) in list.iter().enumerate() {
                    let schema = prefix
                        .get(i)
                        .or_else(|| m.items.as_ref().and_then(|it| it.as_deref()));
                    if let Some(schema) = schema {
                        walk(schema, x, &format!("{path}[{i}]"), out);
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for f in &body.fields {
        if let Some(v) = item.get(&f.name) {
            walk(&f.schema, v, &format!(".{}", f.name), &mut out);
        }
    }
    out
}

/// Invalid variants of `valid`, as deep as the schema goes: for each
/// value (top-level fields, nested model fields, the first list item,
/// the first dict value) one of another type, null where null is not
/// allowed, each bound crossed (lengths, numbers, `multipleOf`, list
/// sizes, `pattern`, `enum`); each required field left out, at every
/// level; an unknown field where `additionalProperties` is false. The
/// tutorial's item gets one: `size` `"abc"`, the refusal `BEHAVIOR.md`
/// records (422 `int_parsing`), which any tutorial-shaped server must
/// give.
pub fn invalid(body: &Body, valid: &Item) -> Vec<Invalid> {
    if body.is_tutorial() {
        let mut b = valid.clone();
        b.insert("size".into(), Value::from("abc"));
        return vec![Invalid {
            what: "size \"abc\"".into(),
            field: "size".into(),
            path: vec![Step::Key("size".into())],
            body: b,
        }];
    }
    let mut found = Vec::new();
    let top = Value::Object(valid.clone());
    variants_of_object(&body.schema, &top, &mut Vec::new(), &mut found, 0);
    found
        .into_iter()
        .filter_map(|(path, what, replacement)| {
            let mut doc = top.clone();
            edit(&mut doc, &path, replacement)?;
            let Value::Object(b) = doc else { return None };
            let field = match path.first() {
                Some(Step::Key(k)) => k.clone(),
                _ => return None,
            };
            Some(Invalid {
                what: format!("{}: {what}", show_path(&path)),
                field,
                path,
                body: b,
            })
        })
        .collect()
}

/// `a.b[0].c`.
pub fn show_path(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// What to do at a path: put a value there, or take the key away.
enum Change {
    Put(Value),
    Remove,
}

type Found = Vec<(Vec<Step>, String, Change)>;

fn edit(doc: &mut Value, path: &[Step], change: Change) -> Option<()> {
    let (last, parents) = path.split_last()?;
    let mut at = doc;
    for step in parents {
        at = match step {
            Step::Key(k) => at.get_mut(k)?,
            Step::Index(i) => at.get_mut(*i)?,
        };
    }
    match (last, change, at) {
        (Step::Key(k), Change::Put(v), Value::Object(m)) => {
            m.insert(k.clone(), v);
        }
        (Step::Key(k), Change::Remove, Value::Object(m)) => {
            m.remove(k)?;
        }
        (Step::Index(i), Change::Put(v), Value::Array(a)) => *a.get_mut(*i)? = v,
        _ => return None,
    }
    Some(())
}

fn variants_of_object(
    s: &Schema,
    valid: &Value,
    path: &mut Vec<Step>,
    out: &mut Found,
    depth: usize,
) {
    let Value::Object(obj) = valid else { return };
    for (name, prop) in &s.properties {
        let Some(v) = obj.get(name) else { continue };
        path.push(Step::Key(name.clone()));
        let (inner, nullable) = without_null(prop);
        variants_of_value(&inner, nullable, v, path, out, depth + 1);
        path.pop();
    }
    for name in &s.required {
        if obj.contains_key(name) {
            path.push(Step::Key(name.clone()));
            out.push((
                path.clone(),
                "left out (it is required)".into(),
                Change::Remove,
            ));
            path.pop();
        }
    }
    if matches!(s.additional_properties, Some(Additional::Allowed(false))) && !path.is_empty() {
        path.push(Step::Key("itemctl_unknown".into()));
        out.push((
            path.clone(),
            "an unknown field (additionalProperties is false)".into(),
            Change::Put(Value::from(1)),
        ));
        path.pop();
    }
    if let Some(Additional::Schema(values)) = &s.additional_properties
        && s.properties.is_empty()
        && let Some((key, v)) = obj.iter().next()
    {
        path.push(Step::Key(key.clone()));
        let (inner, nullable) = without_null(values);
        variants_of_value(&inner, nullable, v, path, out, depth + 1);
        path.pop();
    }
}

fn variants_of_value(
    s: &Schema,
    nullable: bool,
    valid: &Value,
    path: &mut Vec<Step>,
    out: &mut Found,
    depth: usize,
) {
    if depth > MAX_DEPTH || s.reference.is_some() {
        return;
    }
    let mut add = |what: String, v: Value| out.push((path.clone(), what, Change::Put(v)));
    if let Some((v, what)) = wrong_type(s) {
        add(what, v);
    }
    if !nullable && !admits_null(s) {
        add("null (it is not nullable)".into(), Value::Null);
    }
    for (v, what) in out_of_bounds(s, valid) {
        add(what, v);
    }
    if let Some(d) = &s.discriminator
        && let Some(member) = tagged_member(s, valid)
    {
        // A discriminated union: the tag names the member (pydantic's
        // tagged union), so what is wrong inside it stays wrong. The tag
        // itself is left alone: pydantic names the union, not the tag, in
        // a wrong tag's error.
        let member = made_from(member, valid);
        if !member.properties.is_empty() {
            let mut inside = Vec::new();
            variants_of_object(&member, valid, path, &mut inside, depth);
            let at_tag = |p: &Vec<Step>| {
                p.len() == path.len() + 1
                    && matches!(p.last(), Some(Step::Key(k)) if *k == d.property_name)
            };
            out.extend(inside.into_iter().filter(|(p, _, _)| !at_tag(p)));
        }
        return;
    }
    if !s.alternatives().is_empty() || !s.all_of.as_deref().unwrap_or(&[]).is_empty() {
        // Inside any other union, which alternative a deeper value belongs
        // to is the server's to decide: only the union's own variants.
        return;
    }
    match valid {
        Value::Object(_) if !s.properties.is_empty() || s.additional_properties.is_some() => {
            variants_of_object(s, valid, path, out, depth);
        }
        Value::Array(items) if !items.is_empty() => {
            let item_schema = s
                .prefix_items
                .as_ref()
                .and_then(|p| p.first())
                .or(match &s.items {
                    Some(Some(i)) => Some(&**i),
                    _ => None,
                });
            if let Some(item) = item_schema
                && !(s.unique_items && is_scalar_set(item))
            {
                path.push(Step::Index(0));
                let (inner, nullable) = without_null(item);
                variants_of_value(&inner, nullable, &items[0], path, out, depth + 1);
                path.pop();
            }
        }
        _ => {}
    }
}

/// A set whose items are scalars: a changed item could collide with
/// another and collapse, so its items are not varied.
fn is_scalar_set(item: &Schema) -> bool {
    !matches!(item.single_type(), Some(Type::Object | Type::Array))
}

fn admits_null(s: &Schema) -> bool {
    s.types.is_none()
        && s.properties.is_empty()
        && s.enumeration.is_none()
        && s.constant.is_none()
        && s.alternatives().is_empty()
        && s.all_of.is_none()
        && s.reference.is_none()
        || s.has_type(Type::Null)
        || s.alternatives().iter().any(Schema::is_null)
}

/// The JSON types a schema admits, as far as its `type`s and
/// alternatives tell (`None`: any).
fn admitted_types(s: &Schema) -> Option<Vec<Type>> {
    if let Some(c) = &s.constant {
        return Some(vec![type_of(c)]);
    }
    if let Some(values) = &s.enumeration {
        return Some(values.iter().map(type_of).collect());
    }
    let alts = s.alternatives();
    if !alts.is_empty() {
        let mut all = Vec::new();
        for a in alts {
            all.extend(admitted_types(a)?);
        }
        return Some(all);
    }
    if let Some(ts) = &s.types {
        let mut ts = ts.clone();
        if ts.contains(&Type::Number) {
            ts.push(Type::Integer);
        }
        return Some(ts);
    }
    if !s.properties.is_empty() {
        return Some(vec![Type::Object]);
    }
    None
}

fn type_of(v: &Value) -> Type {
    match v {
        Value::Null => Type::Null,
        Value::Bool(_) => Type::Boolean,
        Value::Number(n) if n.is_i64() || n.is_u64() => Type::Integer,
        Value::Number(_) => Type::Number,
        Value::String(_) => Type::String,
        Value::Array(_) => Type::Array,
        Value::Object(_) => Type::Object,
    }
}

/// The string formats pydantic validates (a `date`, `EmailStr`, a URL
/// type, an IP address, …); any other (`password` of `SecretStr`,
/// `binary`, a custom one) takes any text.
const VALIDATED_FORMATS: &[&str] = &[
    "date",
    "date-time",
    "time",
    "duration",
    "uuid",
    "email",
    "uri",
    "ipv4",
    "ipv6",
    "ipvanyaddress",
    "ipvanyinterface",
    "ipvanynetwork",
];

/// A value of another type than `s` admits, and how to say so.
fn wrong_type(s: &Schema) -> Option<(Value, String)> {
    if let Some(values) = s
        .enumeration
        .as_deref()
        .or(s.constant.as_ref().map(std::slice::from_ref))
    {
        let outside = if values.iter().all(Value::is_string) {
            Value::from("itemctl-not-a-member")
        } else {
            Value::from(987_654_321)
        };
        return (!values.contains(&outside)).then(|| (outside, "a value outside the enum".into()));
    }
    if s.single_type() == Some(Type::String)
        && let Some(f) = &s.format
        && s.alternatives().is_empty()
        && VALIDATED_FORMATS.contains(&f.as_str())
    {
        // pydantic reads numbers as dates and times: a formatted string
        // gets text of another format instead.
        return Some((
            Value::from(format!("not-a-{f}")),
            format!("text that is not a {f}"),
        ));
    }
    let admitted = admitted_types(s)?;
    let admits =
        |t: Type| admitted.contains(&t) || (t == Type::Integer && admitted.contains(&Type::Number));
    let wanted = admitted
        .iter()
        .copied()
        .find(|t| *t != Type::Null)
        .unwrap_or(Type::Null);
    // Values pydantic's lax mode never coerces into what is admitted: a
    // number is never text; text is never a number, list, model or bool.
    if !admits(Type::String) {
        let text = match wanted {
            Type::Array => "not-a-list",
            Type::Object => "not-an-object",
            Type::Boolean => "not-a-boolean",
            Type::Null => "not-null",
            Type::Integer | Type::Number | Type::String => "not-a-number",
        };
        return Some((
            Value::from(text),
            format!("a string for {}", article(wanted.as_str())),
        ));
    }
    let others = [
        (Type::Integer, Value::from(12345), "a number"),
        (Type::Array, Value::Array(Vec::new()), "a list"),
        (Type::Object, Value::Object(Map::new()), "an object"),
    ];
    others
        .into_iter()
        .find(|(t, _, _)| !admits(*t))
        .map(|(_, v, kind)| (v, format!("{kind} for {}", article(wanted.as_str()))))
}

fn article(t: &str) -> String {
    match t {
        "integer" | "array" | "object" => format!("an {t}"),
        other => format!("a {other}"),
    }
}

/// Values just outside each bound of `s` (lengths, numbers,
/// `multipleOf`, list sizes, a `pattern`), the rest of `valid` kept.
fn out_of_bounds(s: &Schema, valid: &Value) -> Vec<(Value, String)> {
    let mut out = Vec::new();
    let string = s.single_type() == Some(Type::String) && s.alternatives().is_empty();
    if string && s.format.is_none() && s.enumeration.is_none() {
        if let Some(min) = s.min_length
            && min > 0
            && min <= 1 << 16
        {
            let n = usize::try_from(min - 1).unwrap_or(0);
            out.push((
                Value::from("x".repeat(n)),
                format!("{n} characters (minLength {min})"),
            ));
        }
        if let Some(max) = s.max_length
            && max < 1 << 16
        {
            let n = usize::try_from(max + 1).unwrap_or(0);
            out.push((
                Value::from("x".repeat(n)),
                format!("{n} characters (maxLength {max})"),
            ));
        }
        if let Some(p) = &s.pattern
            && let Ok(re) = regex::Regex::new(p)
        {
            let min = usize::try_from(s.min_length.unwrap_or(0))
                .unwrap_or(0)
                .max(1);
            let fits = |t: &str| {
                let n = t.chars().count() as u64;
                n >= s.min_length.unwrap_or(0) && s.max_length.is_none_or(|m| n <= m)
            };
            if let Some(text) = ["!", "~", " ", "\u{7f}", "é"]
                .iter()
                .map(|c| c.repeat(min))
                .find(|t| fits(t) && !re.is_match(t))
            {
                out.push((
                    Value::from(text),
                    format!("text that does not match the pattern {p}"),
                ));
            }
        }
    }
    let integer = s.single_type() == Some(Type::Integer);
    let number = s.single_type() == Some(Type::Number);
    if (integer || number) && s.alternatives().is_empty() {
        if let Some(b) = s.lower_bound() {
            let v = as_f64(&b.value);
            let n = if integer {
                let (lo, _) = integer_range(s);
                lo.map(|lo| Value::from(lo.saturating_sub(1)))
            } else {
                Number::from_f64(if b.exclusive { v } else { v - 1.0 }).map(Value::Number)
            };
            if let Some(n) = n {
                out.push((n.clone(), format!("{n}, below the minimum {}", b.value)));
            }
        }
        if let Some(b) = s.upper_bound() {
            let v = as_f64(&b.value);
            let n = if integer {
                let (_, hi) = integer_range(s);
                hi.map(|hi| Value::from(hi.saturating_add(1)))
            } else {
                Number::from_f64(if b.exclusive { v } else { v + 1.0 }).map(Value::Number)
            };
            if let Some(n) = n {
                out.push((n.clone(), format!("{n}, above the maximum {}", b.value)));
            }
        }
        if let Some(m) = &s.multiple_of
            && let Some(v) = valid.as_f64()
        {
            let step = as_f64(m);
            if step > 0.0 {
                let candidates: Vec<f64> = if integer {
                    vec![v + 1.0, v - 1.0]
                } else {
                    vec![v + step / 2.0, v - step / 2.0]
                };
                if let Some(bad) = candidates
                    .into_iter()
                    .find(|c| in_bounds(s, *c) && (c / step).fract().abs() > 1e-9)
                {
                    let bad = if integer {
                        Some(Value::from(bad as i64))
                    } else {
                        Number::from_f64(bad).map(Value::Number)
                    };
                    if let Some(bad) = bad {
                        out.push((bad.clone(), format!("{bad}, not a multiple of {m}")));
                    }
                }
            }
        }
    }
    if let Value::Array(items) = valid
        && s.single_type() == Some(Type::Array)
    {
        if let Some(min) = s.min_items
            && min > 0
            && items.len() as u64 >= min
        {
            let n = usize::try_from(min - 1).unwrap_or(0);
            out.push((
                Value::Array(items[..n].to_vec()),
                format!("{n} items (minItems {min})"),
            ));
        }
        if let Some(max) = s.max_items
            && max < 1000
            && !items.is_empty()
            && !s.unique_items
        {
            let n = usize::try_from(max + 1).unwrap_or(0);
            let longer: Vec<Value> = items.iter().cycle().take(n).cloned().collect();
            out.push((Value::Array(longer), format!("{n} items (maxItems {max})")));
        }
    }
    out
}

fn in_bounds(s: &Schema, v: f64) -> bool {
    let lo = s.lower_bound().is_none_or(|b| {
        let x = as_f64(&b.value);
        if b.exclusive { v > x } else { v >= x }
    });
    let hi = s.upper_bound().is_none_or(|b| {
        let x = as_f64(&b.value);
        if b.exclusive { v < x } else { v <= x }
    });
    lo && hi
}

fn value_at(s: &Schema, variant: u64, salt: &str, depth: usize) -> Value {
    if let Some(c) = &s.constant {
        return c.clone();
    }
    if let Some(values) = &s.enumeration {
        let members: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
        if let Some(v) = members.get(usize::try_from(variant).unwrap_or(0) % members.len().max(1)) {
            return (*v).clone();
        }
    }
    if s.reference.is_some() || depth > MAX_DEPTH {
        // A recursive model's back-reference, or too deep.
        return Value::Null;
    }
    let alternatives = s.alternatives();
    if !alternatives.is_empty() {
        let (inner, _) = without_null(s);
        // A tagged union: its members in turn, one per variant.
        if inner.discriminator.is_some() && !inner.alternatives().is_empty() {
            let members = inner.alternatives();
            let i = usize::try_from(variant % members.len() as u64).unwrap_or(0);
            return value_at(&members[i], variant, salt, depth);
        }
        return match inner.alternatives().first() {
            Some(first) => value_at(first, variant, salt, depth),
            None if inner.alternatives().is_empty() && inner != *s => {
                value_at(&inner, variant, salt, depth)
            }
            None => Value::Null,
        };
    }
    if let Some([first, ..]) = s.all_of.as_deref() {
        return value_at(first, variant, salt, depth);
    }
    let ty = s.single_type().or(
        if !s.properties.is_empty() || s.additional_properties.is_some() {
            Some(Type::Object)
        } else if s.items.is_some() || s.prefix_items.is_some() {
            Some(Type::Array)
        } else {
            None
        },
    );
    match ty {
        Some(Type::String) => Value::String(text(s, variant, salt)),
        Some(Type::Integer) => Value::from(integer_in(s, variant)),
        Some(Type::Number) => {
            Number::from_f64(number_in(s, variant)).map_or(Value::Null, Value::Number)
        }
        Some(Type::Boolean) => Value::Bool(variant.is_multiple_of(2)),
        Some(Type::Null) => Value::Null,
        Some(Type::Array) => {
            let min = s.min_items.unwrap_or(0);
            // A list of a recursive model's back-reference stays as short
            // as it may.
            let recursive = matches!(&s.items, Some(Some(i)) if i.reference.is_some());
            let count = if depth >= MAX_DEPTH / 2 || recursive {
                min
            } else {
                min.max(1)
            };
            let count = s.max_items.map_or(count, |m| count.min(m));
            let prefix = s.prefix_items.as_deref().unwrap_or(&[]);
            let count = count.max(prefix.len() as u64);
            let item = match &s.items {
                Some(Some(i)) => Some(&**i),
                Some(None) => None,
                None => None,
            };
            Value::Array(
                (0..count)
                    .filter_map(|i| {
                        let schema = prefix.get(i as usize).or(item)?;
                        let (inner, nullable) = without_null(schema);
                        if inner.reference.is_some() && nullable {
                            return Some(Value::Null);
                        }
                        Some(value_at(&inner, variant.wrapping_add(i), salt, depth + 1))
                    })
                    .collect(),
            )
        }
        Some(Type::Object) => {
            let mut m: Map<String, Value> = s
                .properties
                .iter()
                .map(|(name, prop)| {
                    let (inner, nullable) = without_null(prop);
                    let v = if inner.reference.is_some() && nullable {
                        Value::Null
                    } else {
                        value_at(&inner, variant, salt, depth + 1)
                    };
                    (name.clone(), v)
                })
                .collect();
            if let Some(Additional::Schema(values)) = &s.additional_properties {
                let want = s
                    .min_properties
                    .unwrap_or(0)
                    .max(u64::from(s.properties.is_empty()));
                let want = s.max_properties.map_or(want, |m| want.min(m));
                let (inner, _) = without_null(values);
                for i in 0..want {
                    let key = format!("k{}", variant.wrapping_add(i));
                    m.insert(
                        key,
                        value_at(&inner, variant.wrapping_add(i), salt, depth + 1),
                    );
                }
            }
            Value::Object(m)
        }
        None => Value::String(format!("v{variant}-{}", tag(salt))),
    }
}

/// The salt's letters and digits, lower case (emails normalise case).
fn tag(salt: &str) -> String {
    salt.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

fn text(s: &Schema, variant: u64, salt: &str) -> String {
    let tag = tag(salt);
    let day = 1 + variant % 28;
    match s.format.as_deref() {
        Some("email") => return format!("v{variant}.{tag}@example.com"),
        Some("uuid") => return uuid_text((u128::from(variant) << 64) | u128::from(seed_of(salt))),
        Some("date-time") => return format!("2024-01-{day:02}T03:04:05Z"),
        Some("date") => return format!("2024-01-{day:02}"),
        Some("time") => return format!("03:04:{:02}", variant % 60),
        Some("uri") => return format!("https://example.com/v{variant}/{tag}"),
        Some("duration") => return format!("PT{}S", variant + 1),
        Some("ipv4") => return format!("192.0.2.{}", 1 + variant % 250),
        Some("ipv6") => return format!("2001:db8::{:x}", variant + 1),
        _ => {}
    }
    let min = s.min_length.unwrap_or(0);
    let fits = |t: &str| {
        let n = t.chars().count() as u64;
        n >= min && s.max_length.is_none_or(|m| n <= m)
    };
    if let Some(p) = &s.pattern {
        let drawn = Pattern::new(p).ok().and_then(|p| {
            let mut rng = Rng::seeded(seed_of(salt) ^ variant.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            p.draw(&mut rng, fits)
        });
        let example = s
            .examples
            .iter()
            .chain(s.default.as_ref())
            .find_map(Value::as_str)
            .map(str::to_owned);
        if let Some(t) = drawn.or(example) {
            return t;
        }
    }
    let mut t = format!("v{variant}-{tag}");
    let min = usize::try_from(min).unwrap_or(usize::MAX).min(1 << 16);
    while t.chars().count() < min {
        t.push('x');
    }
    if let Some(max) = s.max_length {
        let max = usize::try_from(max).unwrap_or(usize::MAX);
        if t.chars().count() > max {
            // Keep the variant's digits first so that variants still differ.
            t = t.chars().skip(1).take(max).collect();
            if t.chars().count() < min {
                t = "x".repeat(min);
            }
        }
    }
    t
}

fn integer_in(s: &Schema, variant: u64) -> i64 {
    let (lo, hi) = integer_range(s);
    let step = i64::try_from(variant % 1_000_000).unwrap_or(0);
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
    // pydantic writes an int's `multiple_of` as a float (`"multipleOf": 5.0`).
    if let Some(m) = s
        .multiple_of
        .as_ref()
        .map(as_f64)
        .filter(|m| *m >= 1.0 && m.fract() == 0.0 && *m < 9.0e15)
        .map(|m| m as i64)
    {
        let up = n
            .div_euclid(m)
            .saturating_add(i64::from(n.rem_euclid(m) != 0))
            .saturating_mul(m);
        n = if hi.is_none_or(|hi| up <= hi) {
            up
        } else {
            n.div_euclid(m).saturating_mul(m)
        };
    }
    n
}

fn number_in(s: &Schema, variant: u64) -> f64 {
    let step = (variant % 1_000_000) as f64;
    let lo = s.lower_bound().map(|b| {
        let v = as_f64(&b.value);
        if b.exclusive { v + 0.25 } else { v }
    });
    let hi = s.upper_bound().map(|b| {
        let v = as_f64(&b.value);
        if b.exclusive { v - 0.25 } else { v }
    });
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
    if let Some(m) = s.multiple_of.as_ref().map(as_f64).filter(|m| *m > 0.0) {
        let up = (n / m).ceil() * m;
        n = if hi.is_none_or(|hi| up <= hi) {
            up
        } else {
            (n / m).floor() * m
        };
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::document::Document;
    use serde_json::json;

    fn body_of(schemas: Value, body: Value) -> Body {
        let doc = Document::from_value(
            json!({"openapi": "3.1.0", "paths": {}, "components": {"schemas": schemas}}),
        )
        .unwrap();
        Body::of(&doc, &Schema::read(&body, "#/body").unwrap()).unwrap()
    }

    #[test]
    fn text_numbers_are_where_the_schema_admits_a_number_and_a_string() {
        // pydantic 2.14's schema of a Decimal, in a model, a list of
        // models and a dict; beside an int and a str.
        let decimal = json!({"anyOf": [{"type": "number"},
            {"type": "string", "pattern": "^(?!^[-+.]*$)[+-]?0*\\d*\\.?\\d*$"}]});
        let body = body_of(
            json!({"Line": {"type": "object", "properties": {"amount": decimal, "n": {"type": "integer"}}},
                   "O": {"type": "object", "properties": {
                       "price": decimal,
                       "maybe": {"anyOf": [decimal, {"type": "null"}]},
                       "size": {"type": "integer"},
                       "code": {"type": "string"},
                       "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}},
                       "rates": {"type": "object", "additionalProperties": decimal}}}}),
            json!({"$ref": "#/components/schemas/O"}),
        );
        let item: Item = serde_json::from_value(json!({
            "price": 5.5, "maybe": "1.25", "size": 3, "code": "7",
            "lines": [{"amount": 2, "n": 1}, {"amount": 4, "n": 2}],
            "rates": {"eur": 1.1}}))
        .unwrap();
        assert_eq!(
            text_numbers(&body, &item),
            [
                ".price",
                ".maybe",
                ".lines[0].amount",
                ".lines[1].amount",
                ".rates.eur"
            ]
        );
    }

    #[test]
    fn the_tutorial_has_its_one_invalid_variant() {
        let doc = crate::spec::tutorial::document();
        let body = crate::spec::tutorial::body(&doc);
        let expected = expected(&body, &minimal(&body, 1, "s"));
        assert_eq!(expected.get("size"), Some(&Value::Null));
        let valid = full(&body, 0, "s");
        let invalid = invalid(&body, &valid);
        assert_eq!(invalid.len(), 1);
        assert_eq!(
            (invalid[0].field.as_str(), &invalid[0].body["size"]),
            ("size", &json!("abc"))
        );
        assert_eq!(invalid[0].body["name"], valid["name"]);
    }

    #[test]
    fn a_users_model_with_constraints() {
        let body = body_of(
            json!({"Role": {"enum": ["admin", "member"], "type": "string"},
                   "User": {"type": "object", "required": ["email", "name"], "properties": {
                "email": {"type": "string", "format": "email"},
                "name": {"type": "string", "minLength": 2, "maxLength": 5},
                "age": {"type": "integer", "minimum": 0, "exclusiveMaximum": 150, "default": 18},
                "score": {"type": ["number", "null"]},
                "tags": {"type": "array", "items": {"type": "string"}, "default": []},
                "role": {"$ref": "#/components/schemas/Role"},
                "active": {"type": "boolean", "default": true}}}}),
            json!({"$ref": "#/components/schemas/User"}),
        );
        let a = full(&body, 0, "abc");
        let b = full(&body, 1, "abc");
        for f in &body.fields {
            if f.name != "tags" {
                assert_ne!(a.get(&f.name), b.get(&f.name), "{}", f.name);
            }
        }
        let name = a["name"].as_str().unwrap();
        assert!((2..=5).contains(&name.len()), "{name}");
        assert!((0..150).contains(&a["age"].as_i64().unwrap()));
        let m = minimal(&body, 0, "abc");
        assert_eq!(m.keys().collect::<Vec<_>>(), ["email", "name"]);
        let e = expected(&body, &m);
        assert_eq!(
            (&e["age"], &e["score"], &e["tags"]),
            (&json!(18), &Value::Null, &json!([]))
        );
        assert!(!e.contains_key("role"), "no default, not nullable");
        let whats: Vec<String> = invalid(&body, &a).into_iter().map(|i| i.what).collect();
        for want in [
            "age: a string for an integer",
            "email: left out (it is required)",
            "name: 1 characters (minLength 2)",
            "name: 6 characters (maxLength 5)",
            "age: -1, below the minimum 0",
            "age: 150, above the maximum 150",
            "role: a value outside the enum",
            "email: text that is not a email",
            "active: null (it is not nullable)",
        ] {
            assert!(whats.iter().any(|w| w == want), "{want} not in {whats:?}");
        }
        assert!(
            !whats.iter().any(|w| w.starts_with("score: null")),
            "{whats:?}"
        );
    }

    #[test]
    fn invalid_variants_go_as_deep_as_the_schema() {
        let body = body_of(
            json!({"Dims": {"type": "object", "additionalProperties": false, "required": ["w"],
                            "properties": {"w": {"type": "number", "exclusiveMinimum": 0}}},
                   "Part": {"type": "object", "required": ["sku"], "properties": {"sku": {"type": "string", "minLength": 3}}},
                   "P": {"type": "object", "required": ["dims", "parts"], "properties": {
                       "dims": {"$ref": "#/components/schemas/Dims"},
                       "parts": {"type": "array", "items": {"$ref": "#/components/schemas/Part"}, "minItems": 1, "maxItems": 3},
                       "stock": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}}}}),
            json!({"$ref": "#/components/schemas/P"}),
        );
        let valid = full(&body, 0, "s");
        assert!(valid["dims"]["w"].as_f64().unwrap() > 0.0);
        assert_eq!(valid["stock"].as_object().unwrap().len(), 1);
        let whats: Vec<String> = invalid(&body, &valid).into_iter().map(|i| i.what).collect();
        for want in [
            "dims.w: a string for a number",
            "dims.w: 0.0, below the minimum 0",
            "dims.w: left out (it is required)",
            "dims.itemctl_unknown: an unknown field (additionalProperties is false)",
            "parts[0].sku: 2 characters (minLength 3)",
            "parts[0].sku: left out (it is required)",
            "parts: 0 items (minItems 1)",
            "parts: 4 items (maxItems 3)",
            "stock.k0: -1, below the minimum 0",
            "stock.k0: a string for an integer",
        ] {
            assert!(whats.iter().any(|w| w == want), "{want} not in {whats:#?}");
        }
        let deep = invalid(&body, &valid)
            .into_iter()
            .find(|i| i.what.starts_with("parts[0].sku: left"))
            .unwrap();
        assert_eq!(deep.field, "parts");
        assert_eq!(
            deep.path,
            vec![
                Step::Key("parts".into()),
                Step::Index(0),
                Step::Key("sku".into())
            ]
        );
        assert!(deep.body["parts"][0].get("sku").is_none());
    }

    #[test]
    fn minimal_goes_as_deep_as_the_schema_and_expected_fills_it_back() {
        let body = body_of(
            json!({"Dims": {"type": "object", "required": ["w"], "properties": {
                       "w": {"type": "number"},
                       "unit": {"type": "string", "default": "cm"},
                       "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                       "made": {"type": "array", "items": {"type": "string"}}}},
                   "Variant": {"type": "object", "required": ["color"], "properties": {
                       "color": {"type": "string"},
                       "tag": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null}}},
                   "P": {"type": "object", "required": ["dims", "variants"], "properties": {
                       "dims": {"$ref": "#/components/schemas/Dims"},
                       "variants": {"type": "array", "minItems": 1, "items": {"$ref": "#/components/schemas/Variant"}},
                       "spare": {"anyOf": [{"$ref": "#/components/schemas/Dims"}, {"type": "null"}]}}}}),
            json!({"$ref": "#/components/schemas/P"}),
        );
        let m = minimal(&body, 1, "s");
        // Inside the nested models only what must be sent, or whose
        // value when left out is not known (a list without a default).
        assert_eq!(
            m["dims"].as_object().unwrap().keys().collect::<Vec<_>>(),
            ["w", "made"]
        );
        assert_eq!(
            m["variants"][0]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["color"]
        );
        assert!(!m.contains_key("spare"));
        assert_eq!(
            omitted_with_known_value(&body),
            ["dims.unit", "dims.note", "variants.0.tag", "spare"]
        );
        let e = expected(&body, &m);
        assert_eq!(
            (
                &e["dims"]["unit"],
                &e["dims"]["note"],
                &e["variants"][0]["tag"],
                &e["spare"]
            ),
            (&json!("cm"), &Value::Null, &Value::Null, &Value::Null)
        );
        assert_eq!(e["dims"]["w"], m["dims"]["w"]);
    }

    #[test]
    fn an_int_multiple_of_written_as_a_float_is_kept() {
        // FastAPI 0.165 / pydantic 2.14: `count: int = Field(multiple_of=5)`.
        let body = body_of(
            json!({"Pack": {"type": "object", "properties": {
                "count": {"type": "integer", "multipleOf": 5.0, "default": 5},
                "few": {"type": "integer", "multipleOf": 5.0, "maximum": 12}}}}),
            json!({"$ref": "#/components/schemas/Pack"}),
        );
        for variant in 0..20 {
            let item = full(&body, variant, "s");
            assert_eq!(item["count"].as_i64().unwrap() % 5, 0, "{item:?}");
            let few = item["few"].as_i64().unwrap();
            assert!(few % 5 == 0 && few <= 12, "{item:?}");
        }
    }

    #[test]
    fn a_tagged_unions_member_is_varied_inside() {
        let body = body_of(
            json!({"Cat": {"type": "object", "required": ["kind", "lives"], "properties": {
                       "kind": {"const": "cat"}, "lives": {"type": "integer", "maximum": 9}}},
                   "Dog": {"type": "object", "required": ["kind"], "properties": {"kind": {"const": "dog"}}},
                   "P": {"type": "object", "required": ["pet"], "properties": {
                       "pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                               "discriminator": {"propertyName": "kind", "mapping": {
                                   "cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"}}},
                       "any": {"anyOf": [{"$ref": "#/components/schemas/Cat"}, {"type": "integer"}]}}}}),
            json!({"$ref": "#/components/schemas/P"}),
        );
        let valid = full(&body, 0, "s");
        let whats: Vec<String> = invalid(&body, &valid).into_iter().map(|i| i.what).collect();
        for want in [
            "pet.lives: 10, above the maximum 9",
            "pet.lives: left out (it is required)",
        ] {
            assert!(whats.iter().any(|w| w == want), "{want} not in {whats:#?}");
        }
        // An untagged union: the server decides which member a value is.
        assert!(!whats.iter().any(|w| w.starts_with("any.")), "{whats:#?}");
    }

    #[test]
    fn multiples_patterns_and_unions() {
        let body = body_of(
            json!({}),
            json!({"type": "object", "properties": {
                "n": {"type": "integer", "multipleOf": 5, "minimum": 7},
                "x": {"type": "number", "multipleOf": 0.5, "maximum": 1},
                "code": {"type": "string", "pattern": r"^\p{Lu}\p{Ll}{2,6}-\w{2}\.\d$"},
                "price": {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^(?!^[-+.]*$)[+-]?0*\d*\.?\d*$"}]}}}),
        );
        let v = full(&body, 0, "s");
        assert_eq!(v["n"], json!(10));
        assert_eq!(v["x"], json!(1.0));
        let code = v["code"].as_str().unwrap();
        assert!(
            regex::Regex::new(r"^\p{Lu}\p{Ll}{2,6}-\w{2}\.\d$")
                .unwrap()
                .is_match(code),
            "{code}"
        );
        let whats: Vec<String> = invalid(&body, &v).into_iter().map(|i| i.what).collect();
        assert!(
            whats.iter().any(|w| w == "n: 11, not a multiple of 5"),
            "{whats:?}"
        );
        assert!(
            whats
                .iter()
                .any(|w| w.starts_with("code: text that does not match")),
            "{whats:?}"
        );
        assert!(
            whats
                .iter()
                .any(|w| w == "price: a string for a number" || w.starts_with("price: ")),
            "{whats:?}"
        );
    }

    /// The documents the oracle test makes items for: every construct
    /// pydantic emits that the generator reads.
    fn oracle_documents() -> Vec<(Value, &'static str)> {
        let users = json!({"User": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 60},
            "nickname": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null},
            "age": {"type": "integer", "default": 0, "minimum": 0, "maximum": 150},
            "tags": {"type": "array", "items": {"type": "string"}, "default": []},
            "score": {"type": "number", "default": 0.5}}}});
        let products = json!({
            "Color": {"type": "string", "enum": ["red", "green", "blue"], "title": "Color"},
            "Level": {"type": "integer", "enum": [1, 2, 3]},
            "Dims": {"type": "object", "additionalProperties": false, "required": ["w", "h"], "properties": {
                "w": {"type": "number", "exclusiveMinimum": 0}, "h": {"type": "number", "exclusiveMinimum": 0, "maximum": 100}}},
            "Part": {"type": "object", "required": ["sku", "qty"], "properties": {
                "sku": {"type": "string", "pattern": r"^[A-Z]{3}-\d{4}$"},
                "qty": {"type": "integer", "minimum": 1, "multipleOf": 2}}},
            "Cat": {"type": "object", "required": ["kind", "lives"], "properties": {"kind": {"const": "cat"}, "lives": {"type": "integer", "maximum": 9}}},
            "Dog": {"type": "object", "required": ["kind"], "properties": {"kind": {"const": "dog"}, "good": {"type": "boolean"}}},
            "Product": {"type": "object", "required": ["name", "color", "dims", "parts", "pet"], "properties": {
                "name": {"type": "string", "minLength": 3, "maxLength": 32},
                "color": {"$ref": "#/components/schemas/Color"},
                "level": {"anyOf": [{"$ref": "#/components/schemas/Level"}, {"type": "null"}]},
                "size": {"type": "string", "enum": ["S", "M", "L"]},
                "dims": {"$ref": "#/components/schemas/Dims"},
                "parts": {"type": "array", "items": {"$ref": "#/components/schemas/Part"}, "minItems": 1, "maxItems": 4},
                "stock": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}, "default": {}},
                "labels": {"type": "array", "items": {"type": "string"}, "uniqueItems": true},
                "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "minItems": 2, "maxItems": 2},
                "price": {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^(?!^[-+.]*$)[+-]?0*\d*\.?\d*$"}]},
                "when": {"type": "string", "format": "date-time"},
                "day": {"type": "string", "format": "date"},
                "ref": {"type": "string", "format": "uuid"},
                "mail": {"type": "string", "format": "email"},
                "ratio": {"type": "number", "minimum": 0, "maximum": 1, "multipleOf": 0.25},
                "pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                        "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"}}},
                "code": {"type": "string", "pattern": r"^\p{Lu}\p{Ll}{2,6}-\w{2}\.\d$"}}}});
        let tree = json!({"Node": {"type": "object", "required": ["label"], "properties": {
            "label": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}, "default": []},
            "parent": {"anyOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}], "default": null}}}});
        vec![(users, "User"), (products, "Product"), (tree, "Node")]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
        /// Every item made validates against its schema (the `jsonschema`
        /// crate as the oracle, formats checked), and every invalid
        /// variant does not.
        #[test]
        fn items_validate_and_invalid_variants_do_not(variant in 0u64..10_000, salt in "[a-f0-9]{16}") {
            for (schemas, name) in oracle_documents() {
                let raw = json!({"openapi": "3.1.0", "paths": {}, "components": {"schemas": schemas}});
                let doc = Document::from_value(raw.clone()).unwrap();
                let reference = format!("#/components/schemas/{name}");
                let body = Body::of(&doc, &Schema::read(&json!({"$ref": reference}), "#").unwrap()).unwrap();
                let mut root = raw;
                root["$ref"] = json!(reference);
                let oracle = jsonschema::options().should_validate_formats(true).build(&root).unwrap();
                for item in [full(&body, variant, &salt), minimal(&body, variant, &salt)]
                    .into_iter()
                    .chain(nulls(&body, variant, &salt))
                {
                    let item = Value::Object(item);
                    let errors: Vec<String> = oracle.iter_errors(&item).map(|e| e.to_string()).collect();
                    proptest::prop_assert!(errors.is_empty(), "{name} {item}: {errors:?}");
                }
                let valid = full(&body, variant, &salt);
                let variants = invalid(&body, &valid);
                proptest::prop_assert!(!variants.is_empty());
                for bad in variants {
                    let b = Value::Object(bad.body.clone());
                    proptest::prop_assert!(!oracle.is_valid(&b), "{name}: {} is valid: {b}", bad.what);
                }
            }
        }
    }
}
