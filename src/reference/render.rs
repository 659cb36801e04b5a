//! Serialization as the reference does it: Starlette's `JSONResponse.render`,
//! i.e. `json.dumps(obj, ensure_ascii=False, allow_nan=False,
//! separators=(",", ":")).encode("utf-8")` (docs/BEHAVIOR.md §6), after FastAPI's
//! `jsonable_encoder` for validation errors.
//!
//! Every writer here returns [`Unrenderable`] exactly where Python raises:
//! a NaN or infinite float (`allow_nan=False`), a lone surrogate (UTF-8
//! encoding), or nesting past the recursion limit. The reference then answers
//! 500 `Internal Server Error`.

use crate::reference::json::{Int, Object, PyStr, Value};

/// A value the reference cannot render; it answers 500 instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the response cannot be rendered as JSON")]
pub struct Unrenderable;

/// The deepest echoed `input` value the reference can still render in a 422:
/// one level more and `jsonable_encoder` hits Python's recursion limit (500).
/// Measured by probing the reference (CPython 3.11.7).
pub const MAX_ECHO_DEPTH: usize = 955;

/// Appends a JSON string literal: `"` and `\` escaped, `\n \r \t \b \f` in
/// short form, other U+0000–U+001F as lower-case `\u00xx`, everything else
/// (U+007F, U+2028, emoji) as raw UTF-8.
///
/// # Errors
/// [`Unrenderable`] when the string holds a lone surrogate.
pub fn write_str(out: &mut Vec<u8>, s: &PyStr) -> Result<(), Unrenderable> {
    let text = s.as_str().ok_or(Unrenderable)?;
    write_text(out, text);
    Ok(())
}

/// [`write_str`] for text that is known to be valid UTF-8.
pub fn write_text(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if short.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(short);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Python's `repr(float)` for a finite float: the shortest digits that round
/// trip, in fixed notation when the decimal exponent is in `-4..16`, otherwise
/// `d.ddde±XX` with at least two exponent digits (`1e+19`, `1e-05`,
/// `1000000000000000.0`, `-0.0`).
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    // `{:e}` gives the shortest round-trip digits: "1.2345e-300", "-0e0".
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let decpt = exp + 1;
    let mut out = String::from(sign);
    if decpt <= -4 || decpt > 16 {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let e = decpt - 1;
        out.push_str(&format!("e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs()));
    } else if decpt <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', decpt.unsigned_abs() as usize));
        out.push_str(&digits);
    } else {
        let point = decpt as usize;
        if point >= digits.len() {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', point - digits.len()));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..point]);
            out.push('.');
            out.push_str(&digits[point..]);
        }
    }
    out
}

/// Appends a float as `json.dumps(allow_nan=False)` does.
///
/// # Errors
/// [`Unrenderable`] for NaN and ±infinity.
pub fn write_float(out: &mut Vec<u8>, f: f64) -> Result<(), Unrenderable> {
    if !f.is_finite() {
        return Err(Unrenderable);
    }
    let magnitude = f.abs();
    if write_few_decimals(out, f) {
        return Ok(());
    }
    if magnitude == 0.0 || (1e-4..1e16).contains(&magnitude) {
        // Where `repr` is fixed notation, Rust's `Display` writes the same
        // shortest round-trip digits, without the `.0` of an integral
        // value: no allocation, no exponent to parse.
        use std::io::Write as _;
        let start = out.len();
        // Writing into a Vec cannot fail.
        let _ = write!(out, "{f}");
        if !out[start..].contains(&b'.') {
            out.extend_from_slice(b".0");
        }
        return Ok(());
    }
    out.extend_from_slice(float_repr(f).as_bytes());
    Ok(())
}

/// Writes `f` when it is below 2^33 in magnitude and a decimal of at most
/// three fraction digits round-trips to it (`1.5`, `-20.0`, `0.125`):
/// that decimal, with the fewest digits, is `repr`'s. Below 2^33 two
/// floats are less than 10^-6 apart, so at most one decimal of three
/// fraction digits rounds to `f`, and one of fewer digits is found first.
fn write_few_decimals(out: &mut Vec<u8>, f: f64) -> bool {
    const SCALE: [f64; 4] = [1.0, 10.0, 100.0, 1000.0];
    let magnitude = f.abs();
    if !(magnitude > 0.0 && magnitude < 8_589_934_592.0) {
        return false;
    }
    for (k, scale) in SCALE.iter().enumerate() {
        let n = (magnitude * scale).round();
        if n / scale != magnitude {
            continue;
        }
        // n < 2^43: exact as an integer.
        let n = n as u64;
        let unit = [1, 10, 100, 1000][k];
        if f < 0.0 {
            out.push(b'-');
        }
        Int::Small((n / unit) as i64).write_to(out);
        out.push(b'.');
        if k == 0 {
            out.push(b'0');
        } else {
            let frac = n % unit;
            let mut digits = [b'0'; 3];
            let mut rest = frac;
            for d in digits[..k].iter_mut().rev() {
                *d = b'0' + (rest % 10) as u8;
                rest /= 10;
            }
            out.extend_from_slice(&digits[..k]);
        }
        return true;
    }
    false
}

/// Appends an echoed validation `input` as FastAPI renders it: through
/// `jsonable_encoder` (which drops object keys starting with `_sa`, its
/// SQLAlchemy guard) and then `json.dumps`.
///
/// # Errors
/// [`Unrenderable`] for NaN/±infinity, lone surrogates, and nesting
/// deeper than [`MAX_ECHO_DEPTH`].
pub fn write_echo(out: &mut Vec<u8>, v: &Value) -> Result<(), Unrenderable> {
    write_value_at(out, v, 0, Mode::ECHO)
}

/// Appends any value as plain compact `json.dumps` would (no key dropped,
/// no depth limit beyond the decoder's).
///
/// # Errors
/// [`Unrenderable`] for NaN/±infinity and lone surrogates.
pub fn write_value(out: &mut Vec<u8>, v: &Value) -> Result<(), Unrenderable> {
    write_value_at(out, v, 0, Mode::PLAIN)
}

/// What rendering applies on top of `json.dumps`.
#[derive(Clone, Copy)]
struct Mode {
    drop_sa_keys: bool,
    max_depth: usize,
}

impl Mode {
    const ECHO: Mode = Mode {
        drop_sa_keys: true,
        max_depth: MAX_ECHO_DEPTH,
    };
    const PLAIN: Mode = Mode {
        drop_sa_keys: false,
        max_depth: usize::MAX,
    };
}

fn write_value_at(
    out: &mut Vec<u8>,
    v: &Value,
    depth: usize,
    mode: Mode,
) -> Result<(), Unrenderable> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(i) => i.write_to(out),
        Value::Float(f) => write_float(out, *f)?,
        Value::Str(s) => write_str(out, s)?,
        Value::Array(items) => {
            if depth >= mode.max_depth {
                return Err(Unrenderable);
            }
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value_at(out, item, depth + 1, mode)?;
            }
            out.push(b']');
        }
        Value::Object(obj) => {
            if depth >= mode.max_depth {
                return Err(Unrenderable);
            }
            write_object(out, obj, depth, mode)?;
        }
    }
    Ok(())
}

fn write_object(
    out: &mut Vec<u8>,
    obj: &Object,
    depth: usize,
    mode: Mode,
) -> Result<(), Unrenderable> {
    out.push(b'{');
    let mut first = true;
    for (key, value) in obj.iter() {
        if mode.drop_sa_keys && key.as_wtf8().starts_with(b"_sa") {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        write_str(out, key)?;
        out.push(b':');
        write_value_at(out, value, depth + 1, mode)?;
    }
    out.push(b'}');
    Ok(())
}

/// Appends any value losslessly and never fails: as [`write_value`]
/// where that succeeds, else with Python's `allow_nan` spellings (`NaN`,
/// `Infinity`, `-Infinity`) and lone surrogates as `\udXXX` escapes,
/// which [`crate::reference::json::decode`] reads back. Returns whether
/// the text is what [`write_value`] gives (the value is renderable).
pub fn write_lossless(out: &mut Vec<u8>, v: &Value) -> bool {
    let start = out.len();
    if write_value(out, v).is_ok() {
        return true;
    }
    out.truncate(start);
    lossless_at(out, v);
    false
}

fn lossless_at(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Float(f) if f.is_nan() => out.extend_from_slice(b"NaN"),
        Value::Float(f) if f.is_infinite() => {
            out.extend_from_slice(if *f > 0.0 { b"Infinity" } else { b"-Infinity" });
        }
        Value::Str(s) if s.has_surrogates() => write_escaped_code_points(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                lossless_at(out, item);
            }
            out.push(b']');
        }
        Value::Object(obj) => {
            out.push(b'{');
            for (i, (k, item)) in obj.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                if k.has_surrogates() {
                    write_escaped_code_points(out, k);
                } else {
                    let _ = write_str(out, k);
                }
                out.push(b':');
                lossless_at(out, item);
            }
            out.push(b'}');
        }
        other => {
            let _ = write_value(out, other);
        }
    }
}

/// A string with lone surrogates, as a JSON literal: `\udXXX` for them.
fn write_escaped_code_points(out: &mut Vec<u8>, s: &PyStr) {
    out.push(b'"');
    for cp in s.code_points() {
        match char::from_u32(cp) {
            Some(c) => {
                let mut buf = [0u8; 4];
                let text: &str = c.encode_utf8(&mut buf);
                let mut one = Vec::new();
                write_text(&mut one, text);
                out.extend_from_slice(&one[1..one.len() - 1]);
            }
            None => out.extend_from_slice(format!("\\u{cp:04x}").as_bytes()),
        }
    }
    out.push(b'"');
}

/// pydantic-core's JSON spelling of a finite float (`to_json`, which
/// FastAPI's `dump_json` path uses for a response model): Python's
/// `repr` except for small magnitudes, where it is fixed notation down to a
/// decimal exponent of -5 (`0.00001`) and below that scientific without
/// zero padding (`1e-6`, `1.5e-7`); large ones as `repr` (`1e+16`).
/// Mirrors pydantic-core 2.50 `src/serializers/type_serializers/float.rs`
/// (measured on the live library over 200,000 floats of every magnitude).
pub fn pydantic_float(f: f64) -> String {
    let repr = float_repr(f);
    let Some((mantissa, exp)) = repr.split_once('e') else {
        return repr;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp >= 0 {
        return repr;
    }
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    if exp == -5 {
        let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
        return format!("{sign}0.0000{digits}");
    }
    format!("{sign}{mantissa}e{exp}")
}

/// Whether pydantic's serializer spells `v` differently from
/// [`write_value`]: a non-finite float (`null` there) or one whose
/// [`pydantic_float`] differs from `repr`, at any depth.
pub fn pydantic_differs(v: &Value) -> bool {
    match v {
        Value::Float(f) => !f.is_finite() || (*f != 0.0 && f.abs() < 1e-4),
        Value::Array(items) => items.iter().any(pydantic_differs),
        Value::Object(obj) => obj.iter().any(|(_, v)| pydantic_differs(v)),
        _ => false,
    }
}

/// Appends a value as pydantic's JSON serializer writes it (FastAPI's
/// response-model path, `fastapi/routing.py` `serialize_response` with
/// `dump_json`): compact, strings escaped as [`write_str`], floats as
/// [`pydantic_float`], NaN and infinities as `null`
/// (`ser_json_inf_nan="null"`).
///
/// # Errors
/// [`Unrenderable`] for a lone surrogate (pydantic's `UnicodeEncodeError`).
pub fn write_pydantic(out: &mut Vec<u8>, v: &Value) -> Result<(), Unrenderable> {
    match v {
        Value::Float(f) if !f.is_finite() => out.extend_from_slice(b"null"),
        Value::Float(f) => out.extend_from_slice(pydantic_float(*f).as_bytes()),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_pydantic(out, item)?;
            }
            out.push(b']');
        }
        Value::Object(obj) => {
            out.push(b'{');
            for (i, (key, value)) in obj.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, key)?;
                out.push(b':');
                write_pydantic(out, value)?;
            }
            out.push(b'}');
        }
        other => write_value(out, other)?,
    }
    Ok(())
}

/// Appends an item as the reference returns it: `{"name":…,"size":…}`, in
/// that order, `null` for absent values.
///
/// # Errors
/// [`Unrenderable`] when the name holds a lone surrogate.
pub fn write_item(
    out: &mut Vec<u8>,
    name: Option<&PyStr>,
    size: Option<&Int>,
) -> Result<(), Unrenderable> {
    out.extend_from_slice(b"{\"name\":");
    match name {
        Some(s) => write_str(out, s)?,
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"size\":");
    match size {
        Some(i) => i.write_to(out),
        None => out.extend_from_slice(b"null"),
    }
    out.push(b'}');
    Ok(())
}

/// Draws for the tests of the number paths (here and in `fast.rs`): a
/// xorshift64 sequence from `state`, the same cases on every run. (The
/// crate's generator, `values::rng`, is the client side's: `reference`
/// does not import it.)
#[cfg(test)]
pub(crate) fn test_draws(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::json::decode;

    #[test]
    fn float_repr_matches_python() {
        let cases: &[(f64, &str)] = &[
            (3.5, "3.5"),
            (0.01, "0.01"),
            (1e19, "1e+19"),
            (2.5e20, "2.5e+20"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (1.2345678901234568e-300, "1.2345678901234568e-300"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1e-7, "1e-07"),
            (123.456, "123.456"),
            (-1.5e-10, "-1.5e-10"),
            (9007199254740993.0, "9007199254740992.0"),
            (5e-324, "5e-324"),
        ];
        for &(f, want) in cases {
            assert_eq!(float_repr(f), want, "{f:e}");
        }
    }

    #[test]
    fn write_float_is_float_repr() {
        let mut next = test_draws(0x9e37_79b9_7f4a_7c15);
        let mut cases = vec![
            0.0,
            -0.0,
            1e-4,
            1e16,
            9999999999999998.0,
            1e15,
            0.1,
            1.5,
            3.0,
            -2.5e-3,
            1.0000000000000002,
            123456789.125,
            9.999999999999999e-5,
            5e-324,
        ];
        for _ in 0..200_000 {
            // Decimals of a few digits, the fast case.
            let scale = [1.0, 10.0, 100.0, 1000.0, 10000.0][(next() % 5) as usize];
            let n = (next() % 20_000_000_000) as f64 - 10_000_000_000.0;
            cases.push(n / scale);
            cases.push((next() % 100_000) as f64 / scale);
            // Random bit patterns, and random values across the fixed range.
            cases.push(f64::from_bits(next()));
            let unit = (next() >> 11) as f64 / (1u64 << 53) as f64;
            cases.push(10f64.powf(unit * 21.0 - 5.0) * if next() & 1 == 0 { 1.0 } else { -1.0 });
        }
        for f in cases.into_iter().filter(|f| f.is_finite()) {
            let mut out = Vec::new();
            write_float(&mut out, f).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), float_repr(f), "{f:e}");
        }
    }

    #[test]
    fn pydantic_floats_differ_from_repr_only_below_1e_4() {
        // Measured: TypeAdapter(float).dump_json(f) on pydantic 2.14.3.
        let cases: &[(f64, &str)] = &[
            (1e-7, "1e-7"),
            (1.5e-6, "1.5e-6"),
            (1e-5, "0.00001"),
            (5e-5, "0.00005"),
            (-1.2345e-5, "-0.000012345"),
            (0.0001, "0.0001"),
            (1e-10, "1e-10"),
            (5e-324, "5e-324"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (-0.0, "-0.0"),
        ];
        for &(f, want) in cases {
            assert_eq!(pydantic_float(f), want, "{f:e}");
        }
        let v = decode(br#"{"a":[1e-7,Infinity,NaN,"x"],"b":0.5}"#).unwrap();
        let mut out = Vec::new();
        write_pydantic(&mut out, &v).unwrap();
        assert_eq!(out, br#"{"a":[1e-7,null,null,"x"],"b":0.5}"#);
        assert!(pydantic_differs(&v));
        assert!(!pydantic_differs(
            &decode(br#"{"a":[0.5,0.0001,0]}"#).unwrap()
        ));
    }

    #[test]
    fn strings_escape_like_python() {
        let mut out = Vec::new();
        write_text(
            &mut out,
            "a\"b\\c\n\r\t\u{8}\u{c}\u{1b}\u{0}\u{7f}é\u{2028}/<>&😀",
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u001b\\u0000\u{7f}é\u{2028}/<>&😀\""
        );
    }

    #[test]
    fn echo_drops_sa_keys_at_any_depth() {
        let v = decode(br#"{"_sa":1,"a":[{"_sa_x":2,"b":3}],"_s":4}"#).unwrap();
        let mut out = Vec::new();
        write_echo(&mut out, &v).unwrap();
        assert_eq!(out, br#"{"a":[{"b":3}],"_s":4}"#);
    }

    #[test]
    fn echo_refuses_what_python_cannot_render() {
        for body in [
            &b"[1, NaN]"[..],
            b"{\"a\":Infinity}",
            b"\"\\udc00\"",
            b"1e400",
        ] {
            let v = decode(body).unwrap();
            assert_eq!(
                write_echo(&mut Vec::new(), &v),
                Err(Unrenderable),
                "{body:?}"
            );
        }
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let ok = decode(deep(MAX_ECHO_DEPTH).as_bytes()).unwrap();
        assert!(write_echo(&mut Vec::new(), &ok).is_ok());
        let too_deep = decode(deep(MAX_ECHO_DEPTH + 1).as_bytes()).unwrap();
        assert_eq!(write_echo(&mut Vec::new(), &too_deep), Err(Unrenderable));
    }

    #[test]
    fn echo_keeps_dict_order_and_big_ints() {
        let v = decode(br#"{"b":1,"a":2,"b":123456789012345678901234567890,"c":-0.0}"#).unwrap();
        let mut out = Vec::new();
        write_echo(&mut out, &v).unwrap();
        assert_eq!(
            out,
            br#"{"b":123456789012345678901234567890,"a":2,"c":-0.0}"#
        );
    }
}
