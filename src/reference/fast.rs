//! The happy path of an upsert's body, compiled: from the request's bytes
//! straight to the stored item's JSON (`json.dumps` of
//! `model_dump(mode="json")`), without building the decoded value, the
//! validated value or the rendering between them.
//!
//! It takes only what it can answer exactly as the generic path
//! ([`super::json::decode`], [`super::validate`], [`super::render`])
//! would: a JSON object of known keys, each once, whose values are
//! strings without escapes, integer literals of up to 18 digits, number
//! literals, `true`/`false`, `null` for an optional field, and lists of
//! those, each within the field's constraints. Anything else (a lax
//! coercion, an escape, an unknown or repeated key, an error of any
//! kind, a float that pydantic's serializer spells otherwise) is
//! declined, and the generic path answers, errors included. So every
//! answer it gives is the generic path's, byte for byte (the property
//! test in `tests` checks it on generated bodies).

use super::core::{Core, FloatRules, IntRules, Models, StrRules};
use super::json::{Int, Value, number_extent};
use super::render;
use super::validate;

/// The most fields a plan takes (its bookkeeping lives on the stack).
const MAX_FIELDS: usize = 32;

/// A compiled body: the fields of the model (or of the embedded body), in
/// output order.
#[derive(Clone, Debug)]
pub struct Plan {
    fields: Vec<FieldPlan>,
}

#[derive(Clone, Debug)]
struct FieldPlan {
    /// The key as it appears in the input (no escapes).
    name: Box<[u8]>,
    /// What precedes the value in the output: `"name":`, after a `,`
    /// for every field but the first.
    head: Box<[u8]>,
    /// How a value given is checked and written (`None`: declined).
    kind: Option<Kind>,
    /// The rendered default of an omitted field (`None`: it is required,
    /// or its default is not written here).
    missing: Option<Box<[u8]>>,
}

#[derive(Clone, Debug)]
enum Kind {
    Str(Box<StrRules>),
    Int(Box<IntRules>),
    Float(Box<FloatRules>),
    Bool,
    Nullable(Box<Kind>),
    List {
        item: Box<Kind>,
        min: Option<usize>,
        max: Option<usize>,
    },
}

impl Kind {
    fn of(core: &Core) -> Option<Kind> {
        Some(match core {
            Core::Str(r) => Kind::Str(r.clone()),
            Core::Int(r) => Kind::Int(r.clone()),
            Core::Float(r) => Kind::Float(r.clone()),
            Core::Bool => Kind::Bool,
            Core::Nullable(inner) => Kind::Nullable(Box::new(Kind::of(inner)?)),
            Core::List(seq) => Kind::List {
                item: Box::new(Kind::of(&seq.item)?),
                min: seq.min_length,
                max: seq.max_length,
            },
            _ => return None,
        })
    }
}

/// One field as the generic path sees it: its key, validator, and what an
/// omitted one is (`Err(())`: an error).
pub(super) struct FieldSpec<'a> {
    pub(super) key: &'a [u8],
    pub(super) core: &'a Core,
    pub(super) missing: Result<Value, ()>,
}

impl Plan {
    /// The plan for a model's fields (or an embedded body's), `None` where
    /// the output could not be written here (a key that is not text or
    /// needs an escape, too many fields).
    pub(super) fn build(fields: Vec<FieldSpec<'_>>) -> Option<Plan> {
        if fields.is_empty() || fields.len() > MAX_FIELDS {
            return None;
        }
        let mut out = Vec::with_capacity(fields.len());
        for (i, f) in fields.into_iter().enumerate() {
            let text = std::str::from_utf8(f.key).ok()?;
            // A key JSON writes without escapes (the input's key is then
            // its bytes between quotes).
            if text.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
                return None;
            }
            let mut head = Vec::new();
            if i > 0 {
                head.push(b',');
            }
            render::write_text(&mut head, text);
            head.push(b':');
            let missing = match f.missing {
                Ok(v) if !render::pydantic_differs(&v) => {
                    let mut b = Vec::new();
                    render::write_value(&mut b, &v)
                        .ok()
                        .map(|()| b.into_boxed_slice())
                }
                _ => None,
            };
            out.push(FieldPlan {
                name: f.key.into(),
                head: head.into_boxed_slice(),
                kind: Kind::of(f.core),
                missing,
            });
        }
        Some(Plan { fields: out })
    }

    /// The stored item's JSON for `body` (already through the content-type
    /// gate), or `None` to leave it to the generic path.
    pub fn run(&self, body: &[u8]) -> Option<Vec<u8>> {
        let s = body;
        let fields = &self.fields;
        // Values come in any order and go out in the fields' order: a value
        // whose turn it is goes straight to `out`, one that comes early
        // waits in `early` (`spans`) until its turn.
        let mut out = Vec::with_capacity(s.len() + 16 * fields.len() + 2);
        let mut early = Vec::new();
        let mut spans = [(0u32, 0u32); MAX_FIELDS];
        let mut seen = 0u64;
        let mut next = 0;
        out.push(b'{');
        // The first byte is `{` or white space, the second is not NUL: the
        // text is UTF-8 to `json.detect_encoding`, and each string is
        // checked as UTF-8 below.
        let mut i = ws(s, 0);
        if s.get(i) != Some(&b'{') {
            return None;
        }
        i = ws(s, i + 1);
        if s.get(i) == Some(&b'}') {
            i += 1;
        } else {
            loop {
                // The key whose turn it is, compared in place; else any.
                let (f, after) = match fields.get(next) {
                    Some(field) if quoted_at(s, i, &field.name) => (next, i + field.name.len() + 2),
                    _ => {
                        let (key, after) = plain_bytes(s, i)?;
                        (fields.iter().position(|f| *f.name == *key)?, after)
                    }
                };
                if seen & (1 << f) != 0 {
                    return None;
                }
                seen |= 1 << f;
                i = ws(s, after);
                if s.get(i) != Some(&b':') {
                    return None;
                }
                i = ws(s, i + 1);
                let kind = fields[f].kind.as_ref()?;
                if f == next {
                    out.extend_from_slice(&fields[f].head);
                    i = value(kind, s, i, &mut out)?;
                    next += 1;
                    // Values that came early, now in turn.
                    while next < fields.len() && seen & (1 << next) != 0 {
                        let (a, b) = spans[next];
                        out.extend_from_slice(&fields[next].head);
                        out.extend_from_slice(&early[a as usize..b as usize]);
                        next += 1;
                    }
                } else {
                    let start = u32::try_from(early.len()).ok()?;
                    i = value(kind, s, i, &mut early)?;
                    spans[f] = (start, u32::try_from(early.len()).ok()?);
                }
                i = ws(s, i);
                match s.get(i) {
                    Some(b',') => i = ws(s, i + 1),
                    Some(b'}') => {
                        i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        if ws(s, i) != s.len() {
            return None;
        }
        for (f, field) in fields.iter().enumerate().skip(next) {
            out.extend_from_slice(&field.head);
            if seen & (1 << f) != 0 {
                let (a, b) = spans[f];
                out.extend_from_slice(&early[a as usize..b as usize]);
            } else {
                out.extend_from_slice(field.missing.as_deref()?);
            }
        }
        out.push(b'}');
        Some(out)
    }
}

/// The plan of an upsert body of `core` (a model), when it has one.
pub(super) fn model_plan(models: &Models, core: &Core) -> Option<Plan> {
    let Core::Model(i) = core else {
        return None;
    };
    let model = models.get(*i)?;
    // Extra keys are declined whatever `extra` says, so its value does
    // not matter here.
    Plan::build(
        model
            .fields
            .iter()
            .map(|f| FieldSpec {
                key: f.key.as_wtf8(),
                core: &f.core,
                missing: f.default.clone().ok_or(()),
            })
            .collect(),
    )
}

/// JSON white space (`json.decoder.WHITESPACE`).
fn ws(s: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = s.get(i) {
        i += 1;
    }
    i
}

/// A string literal at `i` without escapes or control characters: its
/// bytes (unchecked) and the index after its closing quote.
fn plain_bytes(s: &[u8], i: usize) -> Option<(&[u8], usize)> {
    if s.get(i) != Some(&b'"') {
        return None;
    }
    let rest = s.get(i + 1..)?;
    let len = rest
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    if rest[len] != b'"' {
        return None;
    }
    Some((&rest[..len], i + 1 + len + 1))
}

/// Whether the string literal at `i` is exactly `"name"` (a name that
/// needs no escape: [`Plan::build`] keeps only such keys' bytes).
fn quoted_at(s: &[u8], i: usize, name: &[u8]) -> bool {
    s.get(i) == Some(&b'"')
        && s.get(i + 1..i + 1 + name.len()) == Some(name)
        && s.get(i + 1 + name.len()) == Some(&b'"')
}

/// [`plain_bytes`], as UTF-8 text.
fn plain_string(s: &[u8], i: usize) -> Option<(&str, usize)> {
    let (bytes, end) = plain_bytes(s, i)?;
    Some((std::str::from_utf8(bytes).ok()?, end))
}

/// A number literal at `i`, scanned as `_match_number_unicode`: whether it
/// is a float, and its end. Only literals the scanner would end where a
/// delimiter follows are taken.
fn number(s: &[u8], start: usize) -> Option<(bool, usize)> {
    number_extent(s, start).map(|n| (n.is_float, n.end))
}

/// An integer literal's value, when it has at most 18 digits.
fn small_int(literal: &[u8]) -> Option<i64> {
    let (negative, digits) = match literal.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, literal),
    };
    if digits.len() > 18 {
        return None;
    }
    let mut v: i64 = 0;
    for &b in digits {
        v = v * 10 + i64::from(b - b'0');
    }
    Some(if negative { -v } else { v })
}

/// A number literal `-?d+.d+` of at most 9 integer and 3 fraction digits
/// (`1.5`, `-20.25`): its value, exactly as `float()` reads it (the digits
/// as an integer below 2^53, divided by a power of ten: one correctly
/// rounded division), and whether the literal is `repr` of it (no
/// trailing zero in the fraction but for `N.0`: below 2^33 the decimal of
/// fewest digits that rounds to a float is its `repr`, see
/// `render::write_float`).
fn short_decimal(literal: &[u8]) -> Option<(f64, bool)> {
    let (negative, digits) = match literal.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, literal),
    };
    let point = digits.iter().position(|&b| b == b'.')?;
    let (whole, fraction) = (&digits[..point], &digits[point + 1..]);
    if whole.is_empty()
        || whole.len() > 9
        || fraction.is_empty()
        || fraction.len() > 3
        || !whole.iter().chain(fraction).all(u8::is_ascii_digit)
    {
        return None;
    }
    let mut n: u64 = 0;
    for &b in whole.iter().chain(fraction) {
        n = n * 10 + u64::from(b - b'0');
    }
    let scale = [1.0, 10.0, 100.0, 1000.0][fraction.len()];
    let magnitude = n as f64 / scale;
    let f = if negative { -magnitude } else { magnitude };
    Some((f, fraction == b"0" || fraction.last() != Some(&b'0')))
}

/// Checks and writes one value of `kind` at `i`; the index after it.
fn value(kind: &Kind, s: &[u8], i: usize, out: &mut Vec<u8>) -> Option<usize> {
    match kind {
        Kind::Nullable(inner) => {
            if s.get(i..i + 4) == Some(&b"null"[..]) {
                out.extend_from_slice(b"null");
                return Some(i + 4);
            }
            value(inner, s, i, out)
        }
        Kind::Bool => {
            if s.get(i..i + 4) == Some(&b"true"[..]) {
                out.extend_from_slice(b"true");
                Some(i + 4)
            } else if s.get(i..i + 5) == Some(&b"false"[..]) {
                out.extend_from_slice(b"false");
                Some(i + 5)
            } else {
                None
            }
        }
        Kind::Str(rules) => {
            let (text, end) = plain_string(s, i)?;
            validate::check_text(text, rules).ok()?;
            // Nothing in it needs an escape: it is written as it came.
            out.push(b'"');
            out.extend_from_slice(text.as_bytes());
            out.push(b'"');
            Some(end)
        }
        Kind::Int(rules) => {
            let (is_float, end) = number(s, i)?;
            if is_float {
                return None;
            }
            let literal = &s[i..end];
            let v = Int::Small(small_int(literal)?);
            validate::check_int(&v, rules).ok()?;
            // JSON has no leading zeros: the literal is Python's repr, but
            // for `-0`.
            if literal == b"-0" {
                out.push(b'0');
            } else {
                out.extend_from_slice(literal);
            }
            Some(end)
        }
        Kind::Float(rules) => {
            let (is_float, end) = number(s, i)?;
            let literal = &s[i..end];
            let (f, as_written) = if is_float {
                match short_decimal(literal) {
                    Some(fast) => fast,
                    None => (
                        std::str::from_utf8(literal).ok()?.parse::<f64>().ok()?,
                        false,
                    ),
                }
            } else {
                (
                    super::lax::int_to_f64(&Int::Small(small_int(literal)?))?,
                    false,
                )
            };
            // What pydantic's serializer spells otherwise, or json.dumps
            // refuses, is the generic path's.
            if !f.is_finite() || (f != 0.0 && f.abs() < 1e-4) {
                return None;
            }
            validate::check_float(f, rules).ok()?;
            if as_written {
                out.extend_from_slice(literal);
            } else {
                render::write_float(out, f).ok()?;
            }
            Some(end)
        }
        Kind::List { item, min, max } => {
            if s.get(i) != Some(&b'[') {
                return None;
            }
            out.push(b'[');
            let mut i = ws(s, i + 1);
            let mut count = 0;
            if s.get(i) == Some(&b']') {
                i += 1;
            } else {
                loop {
                    if count > 0 {
                        out.push(b',');
                    }
                    i = value(item, s, i, out)?;
                    count += 1;
                    i = ws(s, i);
                    match s.get(i) {
                        Some(b',') => i = ws(s, i + 1),
                        Some(b']') => {
                            i += 1;
                            break;
                        }
                        _ => return None,
                    }
                }
            }
            if max.is_some_and(|m| count > m) || min.is_some_and(|m| count < m) {
                return None;
            }
            out.push(b']');
            Some(i)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::app::{App, Request};
    use crate::reference::core::Options;
    use crate::spec::document::Document;

    fn app(schema: serde_json::Value) -> App {
        let doc = Document::from_value(serde_json::json!({
            "openapi": "3.1.0",
            "paths": {"/items/{item_id}": {"put": {
                "parameters": [{"name": "item_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}},
                "responses": {"201": {"description": "Successful Response", "content": {"application/json": {"schema": {}}}}}
            }}},
            "components": {"schemas": {"Item": schema}}
        }))
        .unwrap();
        App::from_document(&doc, Options::default()).unwrap()
    }

    fn five() -> App {
        app(serde_json::json!({
            "type": "object", "title": "Item", "required": ["name", "size"],
            "properties": {
                "name": {"type": "string", "maxLength": 5, "minLength": 1},
                "size": {"type": "integer", "minimum": 0},
                "price": {"type": "number", "default": 0.0, "exclusiveMaximum": 1e6},
                "active": {"type": "boolean", "default": true},
                "tags": {"type": "array", "items": {"type": "string"}, "default": [], "maxItems": 3},
                "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null},
                "when": {"type": "string", "format": "date", "default": "2020-01-01"}
            }
        }))
    }

    /// The generic path's stored JSON for `body` (or `None` when it
    /// refuses it), and what the plan gives.
    fn both(app: &App, body: &[u8]) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
        let header = |name: &str| (name == "content-type").then_some(&b"application/json"[..]);
        let params = ["k".to_owned()];
        let req = Request {
            params: &params,
            query: None,
            header: &header,
            body,
        };
        let generic = app.upsert(0, &req).ok().map(|item| {
            let mut out = Vec::new();
            assert!(render::write_lossless(&mut out, &item.item));
            (!render::pydantic_differs(&item.item)).then_some(out)
        });
        let plan = app.resources[0].fast.as_ref().expect("a plan");
        (generic.flatten(), plan.run(body))
    }

    #[test]
    fn takes_the_happy_path_and_declines_the_rest() {
        let app = five();
        let taken: &[&str] = &[
            r#"{"name":"x","size":3}"#,
            r#"{"size":3,"name":"x"}"#,
            r#" { "name" : "é😀" , "size" : -0 , "price" : 1 , "tags" : [ "a" , "b" ] } "#,
            r#"{"name":"x","size":3,"price":1.5e3,"active":false,"tags":[],"note":null}"#,
            r#"{"name":"x","size":3,"price":0.0001,"note":"n"}"#,
            r#"{"name":"x","size":999999999999999999,"price":-0.0}"#,
            r#"{"name":"x","size":3,"price":2.675}"#,
            r#"{"name":"x","size":3,"price":0.10}"#,
            r#"{"name":"x","size":3,"price":999999.999}"#,
        ];
        for body in taken {
            let (generic, fast) = both(&app, body.as_bytes());
            assert!(fast.is_some(), "{body}");
            assert_eq!(fast, generic, "{body}");
        }
        let declined: &[&str] = &[
            "",
            "[]",
            r#"{"name":"x"}"#,
            r#"{"name":"x","size":"3"}"#,
            r#"{"name":"x","size":3.0}"#,
            r#"{"name":"x\n","size":3}"#,
            r#"{"name":"x\"","size":3}"#,
            r#"{"name":"","size":3}"#,
            r#"{"name":"xxxxxx","size":3}"#,
            r#"{"name":"x","size":-1}"#,
            r#"{"name":"x","size":3,"name":"y"}"#,
            r#"{"name":"x","size":3,"other":1}"#,
            r#"{"name":"x","size":3,"price":1e-5}"#,
            r#"{"name":"x","size":3,"price":1e400}"#,
            r#"{"name":"x","size":3,"price":NaN}"#,
            r#"{"name":"x","size":3,"price":1e6}"#,
            r#"{"name":"x","size":3,"tags":["a","b","c","d"]}"#,
            r#"{"name":"x","size":3,"when":"2020-01-02"}"#,
            r#"{"name":"x","size":1234567890123456789}"#,
            r#"{"name":"x","size":01}"#,
            r#"{"name":"x","size":1.}"#,
            r#"{"name":"x","size":3,}"#,
            r#"{"name":"x","size":3} x"#,
            "{\"name\":\"x\",\"size\":3}\u{a0}",
            "\u{feff}{\"name\":\"x\",\"size\":3}",
        ];
        for body in declined {
            assert_eq!(both(&app, body.as_bytes()).1, None, "{body}");
        }
        // Invalid UTF-8 in a string.
        assert_eq!(both(&app, b"{\"name\":\"\xff\",\"size\":3}").1, None);
    }

    #[test]
    fn agrees_with_the_generic_path_on_generated_bodies() {
        use proptest::prelude::*;
        let app = five();
        let string = prop::sample::select(vec![
            r#""x""#,
            r#""""#,
            r#""abcdef""#,
            r#""é""#,
            r#""a\u0062""#,
            "3",
            "null",
        ]);
        let number = prop::sample::select(vec![
            "0",
            "-0",
            "3",
            "-3",
            "1.5",
            "1e2",
            "1E-3",
            "0.00001",
            "2.5e-5",
            "1e400",
            "12345678901234567890",
            "\"3\"",
            "true",
            "null",
            "999999.5",
            "1e6",
            "-1e6",
        ]);
        let boolean = prop::sample::select(vec!["true", "false", "0", "1", "\"yes\"", "null"]);
        let tags = prop::sample::select(vec![
            "[]",
            r#"["a"]"#,
            r#"["a","b","c","d"]"#,
            r#"[1]"#,
            r#"[ "a" , "b" ]"#,
            "null",
            "[",
        ]);
        let fields = (
            (prop::bool::weighted(0.9), string.clone()),
            (prop::bool::weighted(0.9), number.clone()),
            (any::<bool>(), number),
            (any::<bool>(), boolean),
            (any::<bool>(), tags),
            (any::<bool>(), string),
            (prop::bool::weighted(0.2), prop::bool::weighted(0.05)),
        );
        let body = fields
            .prop_map(
                |((a, s), (b, n), (c, f), (d, bo), (e, t), (g, note), (h, dup))| {
                    let mut out = Vec::new();
                    let mut put = |on: bool, text: String| {
                        if on {
                            out.push(text);
                        }
                    };
                    put(a, format!(r#""name":{s}"#));
                    put(b, format!(r#""size":{n}"#));
                    put(c, format!(r#""price":{f}"#));
                    put(d, format!(r#""active":{bo}"#));
                    put(e, format!(r#""tags":{t}"#));
                    put(g, format!(r#""note":{note}"#));
                    put(h, r#""when":"2021-02-03""#.to_owned());
                    put(dup, r#""name":"y""#.to_owned());
                    out
                },
            )
            .prop_shuffle()
            .prop_map(|fields| format!("{{{}}}", fields.join(",")));
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
            cases: 20_000,
            ..ProptestConfig::default()
        });
        let taken = std::cell::Cell::new(0);
        runner
            .run(&body, |body| {
                let (generic, fast) = both(&app, body.as_bytes());
                if fast.is_some() {
                    taken.set(taken.get() + 1);
                    prop_assert_eq!(&fast, &generic, "{}", body);
                }
                Ok(())
            })
            .unwrap();
        assert!(
            taken.get() > 150,
            "the plan took only {} bodies",
            taken.get()
        );
    }

    #[test]
    fn short_decimals_read_as_float_does() {
        let mut next = render::test_draws(0x9e37_79b9_7f4a_7c15);
        for _ in 0..200_000 {
            let whole = next() % [10, 1000, 1_000_000_000][(next() % 3) as usize];
            let k = 1 + (next() % 3) as usize;
            let fraction = next() % [10, 100, 1000][k - 1];
            let sign = if next().is_multiple_of(2) { "" } else { "-" };
            let text = format!("{sign}{whole}.{fraction:0k$}");
            let (f, as_written) = short_decimal(text.as_bytes()).unwrap();
            assert_eq!(
                f.to_bits(),
                text.parse::<f64>().unwrap().to_bits(),
                "{text}"
            );
            let repr = crate::reference::render::float_repr(f);
            assert_eq!(as_written, repr == text, "{text} vs {repr}");
        }
    }

    #[test]
    fn the_tutorials_embedded_body_has_a_plan() {
        let app =
            App::from_document(&crate::spec::tutorial::document(), Options::default()).unwrap();
        let plan = app.resources[0].fast.as_ref().expect("a plan");
        assert_eq!(
            plan.run(br#"{"size":3,"name":"x"}"#).unwrap(),
            br#"{"name":"x","size":3}"#
        );
        assert_eq!(
            plan.run(br#"{"name":"x"}"#).unwrap(),
            br#"{"name":"x","size":null}"#
        );
        assert_eq!(plan.run(br#"{"name":"x","size":"3"}"#), None);
    }
}
