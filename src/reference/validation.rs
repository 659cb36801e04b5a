//! The reference's request-body handling for `PUT /items/{item_id}`: the
//! content-type gate (docs/BEHAVIOR.md §3), JSON decoding ([`crate::reference::json`], §4) and
//! pydantic's validation of the two embedded body fields (§5):
//! `name: str | None` (strict) and `size: int | None` (lax).

use crate::reference::item::Item;
use crate::reference::json::{self, DecodeError, Int, PyStr, Value};
use crate::reference::render::{self, Unrenderable};

/// What the reference makes of a request body, before the handler runs.
#[derive(Debug)]
pub enum Parsed {
    /// Valid: the handler stores this item (200 or 201).
    Item(Item),
    /// 422 with this rendered `{"detail":[…]}` body.
    Invalid(Vec<u8>),
    /// 400 `{"detail":"There was an error parsing the body"}`.
    BadRequest,
    /// 500 `Internal Server Error`: the 422 body could not be rendered.
    Unrenderable,
}

/// Decodes and validates a `PUT /items/{id}` body as the reference does.
///
/// `content_type` is the raw value of the first `Content-Type` header. An
/// empty body, or one whose media type is not JSON, counts as `{}`.
pub fn parse_upsert(content_type: Option<&[u8]>, body: &[u8]) -> Parsed {
    if body.is_empty() || !content_type.is_some_and(is_json_media_type) {
        return Parsed::Item(Item::default());
    }
    match json::decode(body) {
        Ok(value) => match validate(&value) {
            Ok(item) => Parsed::Item(item),
            Err(errors) => match render_errors(&errors) {
                Ok(rendered) => Parsed::Invalid(rendered),
                Err(Unrenderable) => Parsed::Unrenderable,
            },
        },
        Err(DecodeError::Syntax { msg, pos }) => Parsed::Invalid(render_json_invalid(msg, pos)),
        Err(DecodeError::Unparseable(_)) => Parsed::BadRequest,
    }
}

/// Whether a `Content-Type` value makes FastAPI parse the body as JSON:
/// main type `application` and subtype `json` or `*+json`, parsed the way
/// Python's `email.message.Message.get_content_type` does (parameters
/// dropped at the first `;`, Python whitespace stripped, case-insensitive, a
/// value without exactly one `/` taken as `text/plain`). The bytes are
/// Latin-1, as Starlette decodes headers.
pub fn is_json_media_type(value: &[u8]) -> bool {
    let media = value.split(|&b| b == b';').next().unwrap_or_default();
    let start = media.iter().position(|&b| !is_py_space(b));
    let end = media.iter().rposition(|&b| !is_py_space(b));
    let (Some(start), Some(end)) = (start, end) else {
        return false;
    };
    let media = &media[start..=end];
    let mut parts = media.split(|&b| b == b'/');
    let (Some(main), Some(sub), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    // Within Latin-1, Python's `str.lower` maps no non-ASCII letter to ASCII,
    // so an ASCII case-insensitive comparison is exact.
    main.eq_ignore_ascii_case(b"application")
        && (sub.eq_ignore_ascii_case(b"json")
            || (sub.len() >= 5 && sub[sub.len() - 5..].eq_ignore_ascii_case(b"+json")))
}

/// Python's `str.isspace` for a Latin-1 character.
fn is_py_space(b: u8) -> bool {
    matches!(
        b,
        b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f | b' ' | 0x85 | 0xa0
    )
}

/// A body field of the endpoint, in declaration order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `name: str | None`.
    Name,
    /// `size: int | None`.
    Size,
}

impl Field {
    /// The field's name in `loc`.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Size => "size",
        }
    }
}

/// A pydantic error type the endpoint can produce, with its fixed message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The body is not an object.
    Missing,
    /// `name` is not a string.
    StringType,
    /// `size` is an array or object.
    IntType,
    /// `size` is a string that is not an integer.
    IntParsing,
    /// `size` is too large a string or an integral float outside `i64`.
    IntParsingSize,
    /// `size` is a float with a fractional part.
    IntFromFloat,
    /// `size` is NaN or infinite (never rendered: the reference answers 500).
    FiniteNumber,
}

impl ErrorKind {
    /// pydantic's `type`.
    pub fn type_name(self) -> &'static str {
        match self {
            ErrorKind::Missing => "missing",
            ErrorKind::StringType => "string_type",
            ErrorKind::IntType => "int_type",
            ErrorKind::IntParsing => "int_parsing",
            ErrorKind::IntParsingSize => "int_parsing_size",
            ErrorKind::IntFromFloat => "int_from_float",
            ErrorKind::FiniteNumber => "finite_number",
        }
    }

    /// pydantic's `msg`.
    pub fn message(self) -> &'static str {
        match self {
            ErrorKind::Missing => "Field required",
            ErrorKind::StringType => "Input should be a valid string",
            ErrorKind::IntType => "Input should be a valid integer",
            ErrorKind::IntParsing => {
                "Input should be a valid integer, unable to parse string as an integer"
            }
            ErrorKind::IntParsingSize => {
                "Unable to parse input string as an integer, exceeded maximum size"
            }
            ErrorKind::IntFromFloat => {
                "Input should be a valid integer, got a number with a fractional part"
            }
            ErrorKind::FiniteNumber => "Input should be a finite number",
        }
    }
}

/// One entry of the 422 `detail` list.
#[derive(Debug, PartialEq)]
pub struct FieldError<'a> {
    /// The error type.
    pub kind: ErrorKind,
    /// `loc` is `["body", field]`.
    pub field: Field,
    /// The offending value, echoed as `input`; `None` renders as `null`.
    pub input: Option<&'a Value>,
}

/// Validates a decoded body into an item, or the errors in field order.
///
/// # Errors
/// The [`FieldError`]s, in field order, when the body is not valid.
///
/// A non-object body gives two `missing` errors, as FastAPI's
/// `request_body_to_args` does for embedded fields.
pub fn validate(body: &Value) -> Result<Item, Vec<FieldError<'_>>> {
    let Value::Object(obj) = body else {
        return Err(vec![
            FieldError {
                kind: ErrorKind::Missing,
                field: Field::Name,
                input: None,
            },
            FieldError {
                kind: ErrorKind::Missing,
                field: Field::Size,
                input: None,
            },
        ]);
    };
    let name = obj.get("name");
    let size = obj.get("size");
    let name_result = validate_name(name);
    let size_result = validate_size(size);
    match (name_result, size_result) {
        (Ok(name), Ok(size)) => Ok(Item { name, size }),
        (name_result, size_result) => {
            let mut errors = Vec::with_capacity(2);
            if let Err(kind) = name_result {
                errors.push(FieldError {
                    kind,
                    field: Field::Name,
                    input: name,
                });
            }
            if let Err(kind) = size_result {
                errors.push(FieldError {
                    kind,
                    field: Field::Size,
                    input: size,
                });
            }
            Err(errors)
        }
    }
}

/// `str | None` in strict mode: strings unchanged, `null` → `None`.
fn validate_name(v: Option<&Value>) -> Result<Option<PyStr>, ErrorKind> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ErrorKind::StringType),
    }
}

/// `int | None` in pydantic's lax mode (pydantic-core 2.50).
fn validate_size(v: Option<&Value>) -> Result<Option<Int>, ErrorKind> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Int(i)) => Ok(Some(i.clone())),
        Some(Value::Bool(b)) => Ok(Some(Int::Small(i64::from(*b)))),
        Some(Value::Float(f)) => float_as_int(*f).map(Some),
        Some(Value::Str(s)) => match s.as_str() {
            Some(text) => str_as_int(text).map(Some),
            None => Err(ErrorKind::IntParsing),
        },
        Some(Value::Array(_) | Value::Object(_)) => Err(ErrorKind::IntType),
    }
}

/// pydantic-core's `float_as_int`: integral floats strictly inside the `i64`
/// range become ints (`9007199254740993.0` is already `9007199254740992.0`).
///
/// # Errors
/// `finite_number`, `int_from_float` or `int_parsing_size`.
pub fn float_as_int(f: f64) -> Result<Int, ErrorKind> {
    if !f.is_finite() {
        return Err(ErrorKind::FiniteNumber);
    }
    if f % 1.0 != 0.0 {
        return Err(ErrorKind::IntFromFloat);
    }
    if (i64::MIN as f64) < f && f < (i64::MAX as f64) {
        Ok(Int::Small(f as i64))
    } else {
        Err(ErrorKind::IntParsingSize)
    }
}

/// pydantic's lax string → int, as measured on the reference (docs/BEHAVIOR.md §5
/// and probing):
/// 1. a leading run `-?[1-9][0-9]*` of more than 4300 digits, whatever
///    follows, is `int_parsing_size`;
/// 2. otherwise: Unicode `White_Space` trimmed (not Python's `isspace`: `\x1c`
///    stays), one `.0…` suffix of zeros dropped, then an optional sign and
///    ASCII digits with single `_` between digits; more than 4300 significant
///    digits there is `int_parsing`, as is anything else.
///
/// # Errors
/// `int_parsing_size` or `int_parsing`, as above.
pub fn str_as_int(text: &str) -> Result<Int, ErrorKind> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    if unsigned
        .as_bytes()
        .first()
        .is_some_and(|b| (b'1'..=b'9').contains(b))
        && unsigned.bytes().take_while(u8::is_ascii_digit).count() > json::MAX_INT_DIGITS
    {
        return Err(ErrorKind::IntParsingSize);
    }
    let trimmed = text.trim();
    let number = match trimmed.split_once('.') {
        Some((int_part, zeros)) if !zeros.is_empty() && zeros.bytes().all(|b| b == b'0') => {
            int_part
        }
        Some(_) => return Err(ErrorKind::IntParsing),
        None => trimmed,
    };
    let (negative, digits) = match number.as_bytes().first() {
        Some(b'-') => (true, &number[1..]),
        Some(b'+') => (false, &number[1..]),
        _ => (false, number),
    };
    let bytes = digits.as_bytes();
    let well_formed = !bytes.is_empty()
        && bytes[0].is_ascii_digit()
        && bytes[bytes.len() - 1].is_ascii_digit()
        && bytes.iter().all(|b| b.is_ascii_digit() || *b == b'_')
        && !digits.contains("__");
    if !well_formed {
        return Err(ErrorKind::IntParsing);
    }
    let plain: String = digits.chars().filter(|c| *c != '_').collect();
    let significant = plain.trim_start_matches('0');
    if significant.len() > json::MAX_INT_DIGITS {
        return Err(ErrorKind::IntParsing);
    }
    Ok(Int::from_digits(negative, significant))
}

/// Renders `{"detail":[…]}` for validation errors.
///
/// # Errors
/// [`Unrenderable`] when an echoed input cannot be rendered (NaN,
/// infinity, lone surrogate, too deep), as in the reference.
pub fn render_errors(errors: &[FieldError<'_>]) -> Result<Vec<u8>, Unrenderable> {
    let mut out = Vec::with_capacity(128);
    out.extend_from_slice(b"{\"detail\":[");
    for (i, e) in errors.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"type\":");
        render::write_text(&mut out, e.kind.type_name());
        out.extend_from_slice(b",\"loc\":[\"body\",");
        render::write_text(&mut out, e.field.as_str());
        out.extend_from_slice(b"],\"msg\":");
        render::write_text(&mut out, e.kind.message());
        out.extend_from_slice(b",\"input\":");
        match e.input {
            Some(v) => render::write_echo(&mut out, v)?,
            None => out.extend_from_slice(b"null"),
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Ok(out)
}

/// Renders the single `json_invalid` error FastAPI makes of a
/// `JSONDecodeError`: `input` is always `{}` and the message goes in `ctx`.
pub fn render_json_invalid(msg: &str, pos: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(160);
    out.extend_from_slice(b"{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",");
    out.extend_from_slice(pos.to_string().as_bytes());
    out.extend_from_slice(b"],\"msg\":\"JSON decode error\",\"input\":{},\"ctx\":{\"error\":");
    render::write_text(&mut out, msg);
    out.extend_from_slice(b"}}]}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> Parsed {
        parse_upsert(Some(b"application/json"), json.as_bytes())
    }

    fn invalid(json: &str) -> String {
        match body(json) {
            Parsed::Invalid(b) => String::from_utf8(b).unwrap(),
            other => panic!("expected 422 for {json:?}, got {other:?}"),
        }
    }

    fn item(json: &str) -> Item {
        match body(json) {
            Parsed::Item(i) => i,
            other => panic!("expected an item for {json:?}, got {other:?}"),
        }
    }

    #[test]
    fn content_type_gate() {
        for ct in [
            "application/json",
            "application/json; charset=utf-8",
            "application/vnd.api+json",
            "application/problem+json",
            "APPLICATION/JSON",
            "Application/Json ; Charset=UTF-8",
            "application/json;",
            "application/json; charset=\"latin-1\"",
            " application/json\u{a0}",
            "application/+json",
        ] {
            let ct = ct.chars().map(|c| c as u8).collect::<Vec<u8>>();
            assert!(
                is_json_media_type(&ct),
                "{:?}",
                String::from_utf8_lossy(&ct)
            );
        }
        for ct in [
            "",
            " ",
            "text/plain",
            "text/json",
            "application/x-json",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "application/json, text/plain",
            "json",
            "application/ json",
            "application/json x",
            "application/jsonp",
        ] {
            assert!(!is_json_media_type(ct.as_bytes()), "{ct:?}");
        }
    }

    #[test]
    fn ungated_bodies_count_as_empty() {
        for (ct, b) in [
            (None, &b"{\"name\":\"x\"}"[..]),
            (Some(&b"text/plain"[..]), b"\xff garbage"),
            (Some(b"application/json"), b""),
        ] {
            assert!(matches!(parse_upsert(ct, b), Parsed::Item(i) if i == Item::default()));
        }
    }

    #[test]
    fn non_objects_give_two_missing_errors() {
        let want = r#"{"detail":[{"type":"missing","loc":["body","name"],"msg":"Field required","input":null},{"type":"missing","loc":["body","size"],"msg":"Field required","input":null}]}"#;
        for b in [
            "null",
            "[]",
            "\"x\"",
            "1",
            "NaN",
            "true",
            "[{\"name\":\"x\"}]",
        ] {
            assert_eq!(invalid(b), want, "{b}");
        }
    }

    #[test]
    fn name_is_a_strict_string() {
        assert_eq!(item(r#"{"name":""}"#).name, Some(PyStr::new("")));
        assert_eq!(item(r#"{"name":" x "}"#).name, Some(PyStr::new(" x ")));
        assert_eq!(
            invalid(r#"{"name":1.50}"#),
            r#"{"detail":[{"type":"string_type","loc":["body","name"],"msg":"Input should be a valid string","input":1.5}]}"#
        );
        assert!(invalid(r#"{"name":{"a":[true]}}"#).ends_with(r#""input":{"a":[true]}}]}"#));
    }

    #[test]
    fn size_lax_int() {
        let ok: &[(&str, &str)] = &[
            ("3", "3"),
            ("true", "1"),
            ("false", "0"),
            ("3.0", "3"),
            ("1e3", "1000"),
            ("-0.0", "0"),
            ("9e18", "9000000000000000000"),
            ("9007199254740993.0", "9007199254740992"),
            ("\" 3 \"", "3"),
            ("\"\\t9\\n\"", "9"),
            ("\"\\u00a03\\u3000\"", "3"),
            ("\"+7\"", "7"),
            ("\"-0\"", "0"),
            ("\"0003\"", "3"),
            ("\"1_000\"", "1000"),
            ("\"0_1\"", "1"),
            ("\"8.000\"", "8"),
            ("\"-3.00\"", "-3"),
            ("\"1_000.0\"", "1000"),
            ("\"99999999999999999999.000\"", "99999999999999999999"),
            ("\"-9223372036854775809\"", "-9223372036854775809"),
            (
                "340282366920938463463374607431768211456",
                "340282366920938463463374607431768211456",
            ),
        ];
        for &(input, want) in ok {
            let got = item(&format!("{{\"size\":{input}}}"))
                .size
                .map(|i| i.to_string());
            assert_eq!(got.as_deref(), Some(want), "size {input}");
        }
        let bad: &[(&str, &str)] = &[
            ("3.5", "int_from_float"),
            ("1e-2", "int_from_float"),
            ("1e19", "int_parsing_size"),
            ("-9223372036854775808.0", "int_parsing_size"),
            ("\"3.\"", "int_parsing"),
            ("\".5\"", "int_parsing"),
            ("\"1e3\"", "int_parsing"),
            ("\"0x10\"", "int_parsing"),
            ("\"1__0\"", "int_parsing"),
            ("\"_1\"", "int_parsing"),
            ("\"1_\"", "int_parsing"),
            ("\"+_1\"", "int_parsing"),
            ("\"3_.0\"", "int_parsing"),
            ("\"1_000.00_0\"", "int_parsing"),
            ("\"\\u001c3\"", "int_parsing"),
            ("\"\\u200b3\"", "int_parsing"),
            ("\"\\u0663\"", "int_parsing"),
            ("\"\"", "int_parsing"),
            ("\"true\"", "int_parsing"),
            ("[]", "int_type"),
            ("{}", "int_type"),
        ];
        for &(input, want) in bad {
            let got = invalid(&format!("{{\"size\":{input}}}"));
            assert!(
                got.contains(&format!("\"type\":\"{want}\"")),
                "size {input}: {got}"
            );
        }
    }

    #[test]
    fn size_string_length_limits() {
        let d = |n: usize| "7".repeat(n);
        let kind = |s: String| match str_as_int(&s) {
            Ok(_) => "ok",
            Err(k) => k.type_name(),
        };
        assert_eq!(kind(d(4300)), "ok");
        assert_eq!(kind(d(4301)), "int_parsing_size");
        assert_eq!(kind(format!("-{}", d(4301))), "int_parsing_size");
        assert_eq!(kind(format!("{} ", d(4301))), "int_parsing_size");
        assert_eq!(kind(format!("{}x", d(5000))), "int_parsing_size");
        assert_eq!(kind(format!("{}.0", d(4300))), "ok");
        assert_eq!(kind(format!("+{}", d(4300))), "ok");
        assert_eq!(kind(format!("+{}", d(4301))), "int_parsing");
        assert_eq!(kind(format!(" {}", d(4301))), "int_parsing");
        assert_eq!(kind(format!("1_{}", d(4300))), "int_parsing");
        assert_eq!(kind(format!("{}{}", "0".repeat(4301), d(4300))), "ok");
        assert_eq!(kind(format!("-0{}", d(4301))), "int_parsing");
    }

    #[test]
    fn both_errors_in_field_order() {
        assert_eq!(
            invalid(r#"{"size":"abc","name":5}"#),
            r#"{"detail":[{"type":"string_type","loc":["body","name"],"msg":"Input should be a valid string","input":5},{"type":"int_parsing","loc":["body","size"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"abc"}]}"#
        );
    }

    #[test]
    fn unrenderable_inputs_are_500() {
        for b in [
            r#"{"size":NaN}"#,
            r#"{"name":Infinity}"#,
            r#"{"size":1e400}"#,
            r#"{"size":"\ud800"}"#,
        ] {
            assert!(matches!(body(b), Parsed::Unrenderable), "{b}");
        }
        // In ignored keys they do no harm.
        assert!(matches!(body(r#"{"x":NaN,"name":"a"}"#), Parsed::Item(_)));
    }

    #[test]
    fn json_errors() {
        assert_eq!(
            invalid("{\"name\":\"a\""),
            r#"{"detail":[{"type":"json_invalid","loc":["body",11],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting ',' delimiter"}}]}"#
        );
        assert!(invalid("\"\\x\"").contains(r#""error":"Invalid \\escape""#));
        assert!(matches!(
            body("[".repeat(2000).as_str()),
            Parsed::BadRequest
        ));
        assert!(matches!(
            parse_upsert(Some(b"application/json"), b"{\"name\":\"\xff\"}"),
            Parsed::BadRequest
        ));
    }
}
