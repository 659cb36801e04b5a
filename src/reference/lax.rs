//! pydantic's lax-mode conversions of one value, as FastAPI validates a
//! request: Python objects from `json.loads` (or path and query strings),
//! through pydantic-core 2.50's Python-input rules
//! (`src/input/input_python.rs`, `src/input/shared.rs`), with each
//! match's exactness, which a smart-mode union ranks
//! (`src/validators/union.rs`).
//!
//! Each function takes a decoded value and returns the value the model
//! holds, already in the form `model_dump(mode="json")` gives it, or the
//! [`ErrorType`] pydantic raises.

use std::cmp::Ordering;

use super::errors::ErrorType;
use super::json::{self, Int, PyStr, Value};

/// How exactly an input matched a type: pydantic-core's `Exactness`,
/// ordered from worst to best.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exactness {
    /// Coerced (`"3"` for an int, `1` for a bool).
    Lax,
    /// The right kind, not the exact type (an int for a float, a dict
    /// for a model).
    Strict,
    /// The exact type.
    Exact,
}

/// `str` (`validate_str`): a string is exact; nothing else converts
/// (JSON gives no bytes).
///
/// # Errors
/// `string_type`.
pub fn str_value(v: &Value) -> Result<&PyStr, ErrorType> {
    match v {
        Value::Str(s) => Ok(s),
        _ => Err(ErrorType::StringType),
    }
}

/// `int` (`validate_int`): an int is exact; a bool, a float without a
/// fraction and an integer string are lax.
///
/// # Errors
/// `int_type`, `int_parsing`, `int_parsing_size`, `int_from_float`,
/// `finite_number`.
pub fn int_value(v: &Value) -> Result<(Int, Exactness), ErrorType> {
    match v {
        Value::Int(i) => Ok((i.clone(), Exactness::Exact)),
        Value::Bool(b) => Ok((Int::Small(i64::from(*b)), Exactness::Lax)),
        Value::Float(f) => float_as_int(*f).map(|i| (i, Exactness::Lax)),
        Value::Str(s) => match s.as_str() {
            Some(text) => str_as_int(text).map(|i| (i, Exactness::Lax)),
            None => Err(ErrorType::IntParsing),
        },
        Value::Null | Value::Array(_) | Value::Object(_) => Err(ErrorType::IntType),
    }
}

/// pydantic-core's `float_as_int`: integral floats strictly inside the
/// `i64` range become ints (`9007199254740993.0` is already
/// `9007199254740992.0`).
///
/// # Errors
/// `finite_number`, `int_from_float`, `int_parsing_size`.
pub fn float_as_int(f: f64) -> Result<Int, ErrorType> {
    if !f.is_finite() {
        return Err(ErrorType::FiniteNumber);
    }
    if f % 1.0 != 0.0 {
        return Err(ErrorType::IntFromFloat);
    }
    if (i64::MIN as f64) < f && f < (i64::MAX as f64) {
        Ok(Int::Small(f as i64))
    } else {
        Err(ErrorType::IntParsingSize)
    }
}

/// pydantic's lax string → int, as measured on the reference
/// (docs/BEHAVIOR.md §5 and probing; pydantic-core `str_as_int`):
/// 1. a leading run `-?[1-9][0-9]*` of more than 4300 digits, whatever
///    follows, is `int_parsing_size`;
/// 2. otherwise: Unicode `White_Space` trimmed (not Python's `isspace`:
///    `\x1c` stays), one `.0…` suffix of zeros dropped, then an optional
///    sign and ASCII digits with single `_` between digits; more than 4300
///    significant digits there is `int_parsing`, as is anything else.
///
/// # Errors
/// `int_parsing_size` or `int_parsing`, as above.
pub fn str_as_int(text: &str) -> Result<Int, ErrorType> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    if unsigned
        .as_bytes()
        .first()
        .is_some_and(|b| (b'1'..=b'9').contains(b))
        && unsigned.bytes().take_while(u8::is_ascii_digit).count() > json::MAX_INT_DIGITS
    {
        return Err(ErrorType::IntParsingSize);
    }
    let trimmed = text.trim();
    let number = match trimmed.split_once('.') {
        Some((int_part, zeros)) if !zeros.is_empty() && zeros.bytes().all(|b| b == b'0') => {
            int_part
        }
        Some(_) => return Err(ErrorType::IntParsing),
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
        return Err(ErrorType::IntParsing);
    }
    let plain: String = digits.chars().filter(|c| *c != '_').collect();
    let significant = plain.trim_start_matches('0');
    if significant.len() > json::MAX_INT_DIGITS {
        return Err(ErrorType::IntParsing);
    }
    Ok(Int::from_digits(negative, significant))
}

/// An [`Int`] as `f64` (Python's `float(int)`); `None` when it overflows.
pub fn int_to_f64(i: &Int) -> Option<f64> {
    match i {
        Int::Small(v) => Some(*v as f64),
        Int::Big(digits) => digits.parse::<f64>().ok().filter(|f| f.is_finite()),
    }
}

/// `float` (`validate_float`): a float is exact, an int strict, a bool and
/// a number string lax.
///
/// # Errors
/// `float_type`, `float_parsing`.
pub fn float_value(v: &Value) -> Result<(f64, Exactness), ErrorType> {
    match v {
        Value::Float(f) => Ok((*f, Exactness::Exact)),
        Value::Str(s) => match s.as_str() {
            Some(text) => str_as_float(text).map(|f| (f, Exactness::Lax)),
            None => Err(ErrorType::FloatParsing),
        },
        Value::Int(i) => int_to_f64(i)
            .map(|f| (f, Exactness::Strict))
            .ok_or(ErrorType::FloatType),
        Value::Bool(b) => Ok((if *b { 1.0 } else { 0.0 }, Exactness::Lax)),
        Value::Null | Value::Array(_) | Value::Object(_) => Err(ErrorType::FloatType),
    }
}

/// pydantic-core's `str_as_float`: Rust's `f64` grammar after trimming
/// Unicode white space (`inf`, `NaN`, `1e3`, `.5`, `5.`), else the same
/// with single underscores between characters removed.
///
/// # Errors
/// `float_parsing`.
pub fn str_as_float(text: &str) -> Result<f64, ErrorType> {
    if let Ok(f) = text.trim().parse::<f64>() {
        return Ok(f);
    }
    let stripped = (!text.starts_with('_')
        && !text.ends_with('_')
        && text.contains('_')
        && !text.contains("__"))
    .then(|| text.replace('_', ""));
    stripped
        .and_then(|s| s.parse::<f64>().ok())
        .ok_or(ErrorType::FloatParsing)
}

/// `bool` (`validate_bool`): a bool is exact; the strings pydantic knows
/// (`yes`, `off`, `1`, …), the ints 0 and 1 and the floats 0.0 and 1.0
/// are lax.
///
/// # Errors
/// `bool_type`, `bool_parsing`.
pub fn bool_value(v: &Value) -> Result<(bool, Exactness), ErrorType> {
    match v {
        Value::Bool(b) => Ok((*b, Exactness::Exact)),
        Value::Str(s) => match s.as_str() {
            Some(text) => str_as_bool(text).map(|b| (b, Exactness::Lax)),
            None => Err(ErrorType::BoolParsing),
        },
        Value::Int(Int::Small(0)) => Ok((false, Exactness::Lax)),
        Value::Int(Int::Small(1)) => Ok((true, Exactness::Lax)),
        Value::Int(Int::Small(_)) => Err(ErrorType::BoolParsing),
        // pydantic-core `input_python.rs` `validate_bool`: an int that
        // does not fit an i64 is not read as a number at all.
        Value::Int(Int::Big(_)) => Err(ErrorType::BoolType),
        Value::Float(f) => match float_as_int(*f) {
            Ok(Int::Small(0)) => Ok((false, Exactness::Lax)),
            Ok(Int::Small(1)) => Ok((true, Exactness::Lax)),
            Ok(_) => Err(ErrorType::BoolParsing),
            Err(_) => Err(ErrorType::BoolType),
        },
        Value::Null | Value::Array(_) | Value::Object(_) => Err(ErrorType::BoolType),
    }
}

/// pydantic-core's `str_as_bool`.
///
/// # Errors
/// `bool_parsing`.
pub fn str_as_bool(text: &str) -> Result<bool, ErrorType> {
    let is = |word: &str| text.eq_ignore_ascii_case(word);
    if text == "0" || ["f", "n", "no", "off", "false"].iter().any(|w| is(w)) {
        Ok(false)
    } else if text == "1" || ["t", "y", "on", "yes", "true"].iter().any(|w| is(w)) {
        Ok(true)
    } else {
        Err(ErrorType::BoolParsing)
    }
}

/// A finite Python `Decimal`: `(-1)^negative × coefficient × 10^exponent`,
/// the coefficient as ASCII digits (no sign; leading zeros kept as given,
/// as `Decimal("0.000")` keeps them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decimal {
    /// The sign.
    pub negative: bool,
    /// The digits, as parsed (`"150"` for `1.50`).
    pub digits: String,
    /// The power of ten.
    pub exponent: i64,
}

/// What Python's `Decimal(x)` makes of a value.
#[derive(Clone, Debug, PartialEq)]
pub enum DecimalOf {
    /// A finite decimal.
    Finite(Decimal),
    /// NaN or an infinity: pydantic (`allow_inf_nan` false) refuses it.
    NotFinite,
}

/// `Decimal` (`validate_decimal`): strings and ints through Python's
/// `Decimal()`, floats through `Decimal(str(f))`; all lax.
///
/// # Errors
/// `decimal_type` (a bool, null, list or dict), `decimal_parsing`.
pub fn decimal_value(v: &Value) -> Result<DecimalOf, ErrorType> {
    match v {
        Value::Str(s) => match s.as_str() {
            Some(text) => parse_decimal(text).ok_or(ErrorType::DecimalParsing),
            None => Err(ErrorType::DecimalParsing),
        },
        Value::Int(i) => {
            let text = i.to_string();
            Ok(DecimalOf::Finite(Decimal {
                negative: text.starts_with('-'),
                digits: text.trim_start_matches('-').to_owned(),
                exponent: 0,
            }))
        }
        Value::Float(f) if f.is_finite() => {
            parse_decimal(&super::render::float_repr(*f)).ok_or(ErrorType::DecimalParsing)
        }
        Value::Float(_) => Ok(DecimalOf::NotFinite),
        Value::Bool(_) | Value::Null | Value::Array(_) | Value::Object(_) => {
            Err(ErrorType::DecimalType)
        }
    }
}

/// Python's `Decimal(str)` grammar (`_pydecimal._parser`): Python white
/// space stripped, a sign, digits with an optional point (single
/// underscores between digits allowed), an exponent; `Infinity`, `Inf`,
/// `NaN`, `sNaN`, case-insensitive. `None` for anything else.
fn parse_decimal(text: &str) -> Option<DecimalOf> {
    let t = text.trim_matches(|c: char| c.is_whitespace());
    let (negative, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let lower = body.to_ascii_lowercase();
    if ["inf", "infinity"].contains(&lower.as_str())
        || lower
            .strip_prefix("nan")
            .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
        || lower
            .strip_prefix("snan")
            .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
    {
        return Some(DecimalOf::NotFinite);
    }
    if body.contains("__") || body.starts_with('_') || body.ends_with('_') {
        return None;
    }
    let body: String = body.chars().filter(|c| *c != '_').collect();
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => {
            let exp = &body[i + 1..];
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (&body[..i], exp.parse::<i64>().ok()?)
        }
        None => (body.as_str(), 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part
        .bytes()
        .chain(frac_part.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let mut digits = format!("{int_part}{frac_part}");
    // Python keeps the coefficient's leading zeros out (`Decimal("007")`
    // is `7`), but not the fraction's trailing ones.
    let trimmed = digits.trim_start_matches('0');
    digits = if trimmed.is_empty() {
        "0".into()
    } else {
        trimmed.to_owned()
    };
    let exponent = exponent.checked_sub(i64::try_from(frac_part.len()).ok()?)?;
    Some(DecimalOf::Finite(Decimal {
        negative,
        digits,
        exponent,
    }))
}

impl Decimal {
    /// Python's `str(Decimal)` (`_pydecimal.Decimal.__str__`): plain
    /// notation when the exponent is at most 0 and the adjusted exponent
    /// is above -7, else scientific with `E`.
    pub fn to_python_str(&self) -> String {
        let sign = if self.negative { "-" } else { "" };
        let n = self.digits.len() as i64;
        let leftdigits = self.exponent + n;
        let dotplace = if self.exponent <= 0 && leftdigits > -6 {
            leftdigits
        } else {
            1
        };
        let (intpart, fracpart) = if dotplace <= 0 {
            (
                "0".to_owned(),
                format!(
                    ".{}{}",
                    "0".repeat(dotplace.unsigned_abs() as usize),
                    self.digits
                ),
            )
        } else if dotplace >= n {
            (
                format!("{}{}", self.digits, "0".repeat((dotplace - n) as usize)),
                String::new(),
            )
        } else {
            let at = dotplace as usize;
            (
                self.digits[..at].to_owned(),
                format!(".{}", &self.digits[at..]),
            )
        };
        let exp = if leftdigits == dotplace {
            String::new()
        } else {
            format!("E{:+}", leftdigits - dotplace)
        };
        format!("{sign}{intpart}{fracpart}{exp}")
    }

    /// Compares with `other` by value (`1.50` equals `1.5`).
    pub fn cmp_value(&self, other: &Decimal) -> Ordering {
        let zero = |d: &Decimal| d.digits.bytes().all(|b| b == b'0');
        match (zero(self), zero(other)) {
            (true, true) => return Ordering::Equal,
            (true, false) => {
                return if other.negative {
                    Ordering::Greater
                } else {
                    Ordering::Less
                };
            }
            (false, true) => {
                return if self.negative {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
            }
            (false, false) => {}
        }
        if self.negative != other.negative {
            return if self.negative {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let magnitude = {
            let a = self.normalized();
            let b = other.normalized();
            let (ea, eb) = (
                a.exponent + a.digits.len() as i64,
                b.exponent + b.digits.len() as i64,
            );
            ea.cmp(&eb).then_with(|| {
                let width = a.digits.len().max(b.digits.len());
                let pad = |d: &str| format!("{d:0<width$}");
                pad(&a.digits).cmp(&pad(&b.digits))
            })
        };
        if self.negative {
            magnitude.reverse()
        } else {
            magnitude
        }
    }

    /// Without trailing zeros in the coefficient (`Decimal.normalize`'s
    /// digits), leading zeros dropped.
    pub fn normalized(&self) -> Decimal {
        let lead = self.digits.trim_start_matches('0');
        let lead = if lead.is_empty() { "0" } else { lead };
        let trimmed = lead.trim_end_matches('0');
        let dropped = lead.len() - trimmed.len();
        if trimmed.is_empty() {
            return Decimal {
                negative: self.negative,
                digits: "0".into(),
                exponent: 0,
            };
        }
        Decimal {
            negative: self.negative,
            digits: trimmed.to_owned(),
            exponent: self.exponent + dropped as i64,
        }
    }

    /// A decimal from a schema bound (`0`, `0.5`, `1e3`).
    pub fn from_number(n: &serde_json::Number) -> Option<Decimal> {
        match parse_decimal(&n.to_string())? {
            DecimalOf::Finite(d) => Some(d),
            DecimalOf::NotFinite => None,
        }
    }

    /// Whether the value is an integer (`as_integer_ratio` denominator 1).
    pub fn is_integral(&self) -> bool {
        self.exponent >= 0 || self.normalized().exponent >= 0
    }
}

/// `UUID` (`src/validators/uuid.rs`): a string through the `uuid` crate
/// (pydantic-core's), written canonically (lower case, hyphens).
///
/// # Errors
/// `uuid_type` for a non-string, `uuid_parsing` with the crate's reason,
/// `uuid_version` when `version` is asked for and differs.
pub fn uuid_value(v: &Value, version: Option<usize>) -> Result<String, ErrorType> {
    let Value::Str(s) = v else {
        return Err(ErrorType::UuidType);
    };
    let text = s.as_str().ok_or(ErrorType::UuidType)?;
    let uuid = uuid::Uuid::parse_str(text).map_err(|e| ErrorType::UuidParsing {
        error: e.to_string(),
    })?;
    if let Some(want) = version {
        let variant_ok = uuid.get_variant() == uuid::Variant::RFC4122;
        if !variant_ok || uuid.get_version_num() != want {
            return Err(ErrorType::UuidVersion {
                expected_version: want,
            });
        }
    }
    Ok(uuid.hyphenated().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> String {
        match parse_decimal(text) {
            Some(DecimalOf::Finite(d)) => d.to_python_str(),
            Some(DecimalOf::NotFinite) => "nonfinite".into(),
            None => "invalid".into(),
        }
    }

    #[test]
    fn decimals_print_as_python() {
        for (input, want) in [
            ("1.50", "1.50"),
            ("1e20", "1E+20"),
            ("1e3", "1E+3"),
            (" 2 ", "2"),
            ("0.000", "0.000"),
            ("007", "7"),
            ("-0", "-0"),
            ("1_000.5", "1000.5"),
            ("0.0000001", "1E-7"),
            ("0.000001", "0.000001"),
            ("123.456e-2", "1.23456"),
            (".5", "0.5"),
            ("5.", "5"),
            ("1e-7", "1E-7"),
            ("12e1", "1.2E+2"),
            ("nan", "nonfinite"),
            ("-Infinity", "nonfinite"),
            ("abc", "invalid"),
            ("1__0", "invalid"),
            ("", "invalid"),
            (".", "invalid"),
            ("1e", "invalid"),
        ] {
            assert_eq!(dec(input), want, "{input}");
        }
        let f = |x: f64| match decimal_value(&Value::Float(x)).unwrap() {
            DecimalOf::Finite(d) => d.to_python_str(),
            DecimalOf::NotFinite => "nonfinite".into(),
        };
        assert_eq!(f(0.1), "0.1");
        assert_eq!(f(1e20), "1E+20");
        assert_eq!(f(1.5), "1.5");
    }

    #[test]
    fn decimal_comparison_is_by_value() {
        let d = |t: &str| match parse_decimal(t) {
            Some(DecimalOf::Finite(d)) => d,
            _ => panic!("{t}"),
        };
        assert_eq!(d("1.50").cmp_value(&d("1.5")), Ordering::Equal);
        assert_eq!(d("-1").cmp_value(&d("0")), Ordering::Less);
        assert_eq!(d("10").cmp_value(&d("9.99")), Ordering::Greater);
        assert_eq!(d("-10").cmp_value(&d("-9.99")), Ordering::Less);
        assert_eq!(d("0.000").cmp_value(&d("-0")), Ordering::Equal);
        assert!(d("3.00").is_integral() && !d("3.01").is_integral());
    }

    #[test]
    fn bools_and_floats() {
        assert_eq!(bool_value(&Value::Float(1.0)), Ok((true, Exactness::Lax)));
        assert_eq!(bool_value(&Value::Float(0.5)), Err(ErrorType::BoolType));
        assert_eq!(
            bool_value(&Value::Int(Int::Small(2))),
            Err(ErrorType::BoolParsing)
        );
        // Checked against FastAPI 0.165: 9223372036854775808 for a bool is
        // `bool_type`, 9223372036854775807 `bool_parsing`.
        assert_eq!(
            bool_value(&Value::Int(Int::from_digits(false, "9223372036854775808"))),
            Err(ErrorType::BoolType)
        );
        assert_eq!(
            bool_value(&Value::Int(Int::Small(i64::MAX))),
            Err(ErrorType::BoolParsing)
        );
        assert_eq!(str_as_float(" 2.5 "), Ok(2.5));
        assert_eq!(str_as_float("1_0"), Ok(10.0));
        assert!(str_as_float("inf").unwrap().is_infinite());
        assert_eq!(str_as_float("x"), Err(ErrorType::FloatParsing));
    }
}
