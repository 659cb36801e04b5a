//! pydantic's validation errors, as FastAPI renders them in a 422: each
//! error's `type`, its `msg` (pydantic-core's Python-input message
//! templates) and its `ctx`, typed as pydantic types it.
//!
//! Mirrors pydantic-core 2.50 `src/errors/types.rs` (`ErrorType`,
//! `message_template_python`, `render_message`, `py_dict`) and its
//! `Number` (ints, big ints and floats; a float's message uses Rust's
//! `{}` formatting, `0.0` → `0`, while its `ctx` value is the Python
//! float, rendered by `json.dumps` as `0.0`).

use std::fmt;

use super::json::{Int, PyStr};
use super::render;

/// A number in an error's context, as pydantic-core's `Number`.
#[derive(Clone, Debug, PartialEq)]
pub enum Number {
    /// A Python `int`.
    Int(Int),
    /// A Python `float`.
    Float(f64),
}

impl fmt::Display for Number {
    /// As in a message: `3`, `0.5`, and a float without a fraction
    /// without `.0` (Rust's `{}` for `f64`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(i) => write!(f, "{i}"),
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}

impl Number {
    /// Appends the value as `json.dumps` writes it in `ctx`.
    ///
    /// # Errors
    /// [`render::Unrenderable`] for a NaN or infinite float.
    pub fn write_json(&self, out: &mut Vec<u8>) -> Result<(), render::Unrenderable> {
        match self {
            Number::Int(i) => {
                i.write_to(out);
                Ok(())
            }
            Number::Float(x) => render::write_float(out, *x),
        }
    }
}

/// One pydantic error type, with its context.
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorType {
    /// `missing`.
    Missing,
    /// `extra_forbidden`.
    ExtraForbidden,
    /// `model_type`: a nested model given a non-object.
    ModelType {
        /// The model's class name.
        class_name: String,
    },
    /// `model_attributes_type`: a model validated with
    /// `from_attributes` (FastAPI's body) given a non-object.
    ModelAttributesType,
    /// `none_required`.
    NoneRequired,
    /// `greater_than`.
    GreaterThan {
        /// The bound.
        gt: Number,
    },
    /// `greater_than_equal`.
    GreaterThanEqual {
        /// The bound.
        ge: Number,
    },
    /// `less_than`.
    LessThan {
        /// The bound.
        lt: Number,
    },
    /// `less_than_equal`.
    LessThanEqual {
        /// The bound.
        le: Number,
    },
    /// `multiple_of`.
    MultipleOf {
        /// The step.
        multiple_of: Number,
    },
    /// `finite_number`.
    FiniteNumber,
    /// `too_short`: a list, set, tuple or dict with too few items.
    TooShort {
        /// `List`, `Set`, `Tuple`, `Dictionary`.
        field_type: &'static str,
        /// The least number of items.
        min_length: usize,
        /// How many there were.
        actual_length: usize,
    },
    /// `too_long`.
    TooLong {
        /// `List`, `Set`, `Tuple`, `Dictionary`.
        field_type: &'static str,
        /// The most items allowed.
        max_length: usize,
        /// How many there were (`None`: "more", when validation stopped).
        actual_length: Option<usize>,
    },
    /// `string_type`.
    StringType,
    /// `string_unicode`.
    StringUnicode,
    /// `string_too_short`.
    StringTooShort {
        /// In characters.
        min_length: usize,
    },
    /// `string_too_long`.
    StringTooLong {
        /// In characters.
        max_length: usize,
    },
    /// `string_pattern_mismatch`.
    StringPatternMismatch {
        /// The pattern as written.
        pattern: String,
    },
    /// `enum`.
    Enum {
        /// `'a' or 'b'`.
        expected: String,
    },
    /// `dict_type`.
    DictType,
    /// `list_type`.
    ListType,
    /// `tuple_type`.
    TupleType,
    /// `set_type`.
    SetType,
    /// `frozen_set_type`.
    FrozenSetType,
    /// `set_item_not_hashable`.
    SetItemNotHashable,
    /// `bool_type`.
    BoolType,
    /// `bool_parsing`.
    BoolParsing,
    /// `int_type`.
    IntType,
    /// `int_parsing`.
    IntParsing,
    /// `int_from_float`.
    IntFromFloat,
    /// `int_parsing_size`.
    IntParsingSize,
    /// `float_type`.
    FloatType,
    /// `float_parsing`.
    FloatParsing,
    /// `bytes_type`.
    BytesType,
    /// `value_error` (email addresses: `ctx.reason`).
    ValueError {
        /// The message after `Value error, `.
        error: String,
        /// The `ctx` key the reason goes under (`reason` for emails),
        /// or `None` when pydantic's `ctx` holds the exception (rendered
        /// as `{}` by `jsonable_encoder`).
        key: Option<&'static str>,
    },
    /// `value_error` from `EmailStr` (pydantic's `PydanticCustomError`).
    EmailInvalid {
        /// email-validator's reason.
        reason: String,
    },
    /// `literal_error`.
    LiteralError {
        /// `'a' or 'b'`.
        expected: String,
    },
    /// `date_type`.
    DateType,
    /// `date_parsing`.
    DateParsing {
        /// speedate's reason.
        error: &'static str,
    },
    /// `date_from_datetime_parsing`.
    DateFromDatetimeParsing {
        /// speedate's reason.
        error: &'static str,
    },
    /// `date_from_datetime_inexact`.
    DateFromDatetimeInexact,
    /// `time_type`.
    TimeType,
    /// `time_parsing`.
    TimeParsing {
        /// speedate's reason.
        error: &'static str,
    },
    /// `datetime_type`.
    DatetimeType,
    /// `datetime_parsing`.
    DatetimeParsing {
        /// speedate's reason.
        error: &'static str,
    },
    /// `datetime_from_date_parsing`.
    DatetimeFromDateParsing {
        /// speedate's reason.
        error: &'static str,
    },
    /// `datetime_object_invalid`.
    DatetimeObjectInvalid {
        /// Python's reason.
        error: String,
    },
    /// `time_delta_type`.
    TimeDeltaType,
    /// `time_delta_parsing`.
    TimeDeltaParsing {
        /// speedate's reason.
        error: &'static str,
    },
    /// `union_tag_invalid`.
    UnionTagInvalid {
        /// `'kind'`.
        discriminator: String,
        /// The tag given.
        tag: String,
        /// `'cat', 'dog'`.
        expected_tags: String,
    },
    /// `union_tag_not_found`.
    UnionTagNotFound {
        /// `'kind'`.
        discriminator: String,
    },
    /// `url_type`.
    UrlType,
    /// `url_parsing`.
    UrlParsing {
        /// The url crate's reason.
        error: String,
    },
    /// `url_syntax_violation`.
    UrlSyntaxViolation {
        /// The url crate's reason.
        error: String,
    },
    /// `url_too_long`.
    UrlTooLong {
        /// In characters.
        max_length: usize,
    },
    /// `url_scheme`.
    UrlScheme {
        /// `'http' or 'https'`.
        expected_schemes: String,
    },
    /// `uuid_type`.
    UuidType,
    /// `uuid_parsing`.
    UuidParsing {
        /// The uuid crate's reason.
        error: String,
    },
    /// `uuid_version`.
    UuidVersion {
        /// The version the schema asks for.
        expected_version: usize,
    },
    /// `decimal_type`.
    DecimalType,
    /// `decimal_parsing`.
    DecimalParsing,
    /// `decimal_max_digits`.
    DecimalMaxDigits {
        /// The most digits.
        max_digits: u64,
    },
    /// `decimal_max_places`.
    DecimalMaxPlaces {
        /// The most decimal places.
        decimal_places: u64,
    },
    /// `decimal_whole_digits`.
    DecimalWholeDigits {
        /// The most digits before the point.
        whole_digits: u64,
    },
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl ErrorType {
    /// pydantic's `type`.
    pub fn name(&self) -> &'static str {
        match self {
            ErrorType::Missing => "missing",
            ErrorType::ExtraForbidden => "extra_forbidden",
            ErrorType::ModelType { .. } => "model_type",
            ErrorType::ModelAttributesType => "model_attributes_type",
            ErrorType::NoneRequired => "none_required",
            ErrorType::GreaterThan { .. } => "greater_than",
            ErrorType::GreaterThanEqual { .. } => "greater_than_equal",
            ErrorType::LessThan { .. } => "less_than",
            ErrorType::LessThanEqual { .. } => "less_than_equal",
            ErrorType::MultipleOf { .. } => "multiple_of",
            ErrorType::FiniteNumber => "finite_number",
            ErrorType::TooShort { .. } => "too_short",
            ErrorType::TooLong { .. } => "too_long",
            ErrorType::StringType => "string_type",
            ErrorType::StringUnicode => "string_unicode",
            ErrorType::StringTooShort { .. } => "string_too_short",
            ErrorType::StringTooLong { .. } => "string_too_long",
            ErrorType::StringPatternMismatch { .. } => "string_pattern_mismatch",
            ErrorType::Enum { .. } => "enum",
            ErrorType::DictType => "dict_type",
            ErrorType::ListType => "list_type",
            ErrorType::TupleType => "tuple_type",
            ErrorType::SetType => "set_type",
            ErrorType::FrozenSetType => "frozen_set_type",
            ErrorType::SetItemNotHashable => "set_item_not_hashable",
            ErrorType::BoolType => "bool_type",
            ErrorType::BoolParsing => "bool_parsing",
            ErrorType::IntType => "int_type",
            ErrorType::IntParsing => "int_parsing",
            ErrorType::IntFromFloat => "int_from_float",
            ErrorType::IntParsingSize => "int_parsing_size",
            ErrorType::FloatType => "float_type",
            ErrorType::FloatParsing => "float_parsing",
            ErrorType::BytesType => "bytes_type",
            ErrorType::ValueError { .. } | ErrorType::EmailInvalid { .. } => "value_error",
            ErrorType::LiteralError { .. } => "literal_error",
            ErrorType::DateType => "date_type",
            ErrorType::DateParsing { .. } => "date_parsing",
            ErrorType::DateFromDatetimeParsing { .. } => "date_from_datetime_parsing",
            ErrorType::DateFromDatetimeInexact => "date_from_datetime_inexact",
            ErrorType::TimeType => "time_type",
            ErrorType::TimeParsing { .. } => "time_parsing",
            ErrorType::DatetimeType => "datetime_type",
            ErrorType::DatetimeParsing { .. } => "datetime_parsing",
            ErrorType::DatetimeFromDateParsing { .. } => "datetime_from_date_parsing",
            ErrorType::DatetimeObjectInvalid { .. } => "datetime_object_invalid",
            ErrorType::TimeDeltaType => "time_delta_type",
            ErrorType::TimeDeltaParsing { .. } => "time_delta_parsing",
            ErrorType::UnionTagInvalid { .. } => "union_tag_invalid",
            ErrorType::UnionTagNotFound { .. } => "union_tag_not_found",
            ErrorType::UrlType => "url_type",
            ErrorType::UrlParsing { .. } => "url_parsing",
            ErrorType::UrlSyntaxViolation { .. } => "url_syntax_violation",
            ErrorType::UrlTooLong { .. } => "url_too_long",
            ErrorType::UrlScheme { .. } => "url_scheme",
            ErrorType::UuidType => "uuid_type",
            ErrorType::UuidParsing { .. } => "uuid_parsing",
            ErrorType::UuidVersion { .. } => "uuid_version",
            ErrorType::DecimalType => "decimal_type",
            ErrorType::DecimalParsing => "decimal_parsing",
            ErrorType::DecimalMaxDigits { .. } => "decimal_max_digits",
            ErrorType::DecimalMaxPlaces { .. } => "decimal_max_places",
            ErrorType::DecimalWholeDigits { .. } => "decimal_whole_digits",
        }
    }

    /// pydantic's `msg` for Python input (what FastAPI validates).
    pub fn message(&self) -> String {
        match self {
            ErrorType::Missing => "Field required".into(),
            ErrorType::ExtraForbidden => "Extra inputs are not permitted".into(),
            ErrorType::ModelType { class_name } => {
                format!("Input should be a valid dictionary or instance of {class_name}")
            }
            ErrorType::ModelAttributesType => {
                "Input should be a valid dictionary or object to extract fields from".into()
            }
            ErrorType::NoneRequired => "Input should be None".into(),
            ErrorType::GreaterThan { gt } => format!("Input should be greater than {gt}"),
            ErrorType::GreaterThanEqual { ge } => {
                format!("Input should be greater than or equal to {ge}")
            }
            ErrorType::LessThan { lt } => format!("Input should be less than {lt}"),
            ErrorType::LessThanEqual { le } => {
                format!("Input should be less than or equal to {le}")
            }
            ErrorType::MultipleOf { multiple_of } => {
                format!("Input should be a multiple of {multiple_of}")
            }
            ErrorType::FiniteNumber => "Input should be a finite number".into(),
            ErrorType::TooShort {
                field_type,
                min_length,
                actual_length,
            } => format!(
                "{field_type} should have at least {min_length} item{} after validation, not {actual_length}",
                plural(*min_length)
            ),
            ErrorType::TooLong {
                field_type,
                max_length,
                actual_length,
            } => format!(
                "{field_type} should have at most {max_length} item{} after validation, not {}",
                plural(*max_length),
                actual_length.map_or_else(|| "more".to_owned(), |n| n.to_string())
            ),
            ErrorType::StringType => "Input should be a valid string".into(),
            ErrorType::StringUnicode => {
                "Input should be a valid string, unable to parse raw data as a unicode string"
                    .into()
            }
            ErrorType::StringTooShort { min_length } => format!(
                "String should have at least {min_length} character{}",
                plural(*min_length)
            ),
            ErrorType::StringTooLong { max_length } => format!(
                "String should have at most {max_length} character{}",
                plural(*max_length)
            ),
            ErrorType::StringPatternMismatch { pattern } => {
                format!("String should match pattern '{pattern}'")
            }
            ErrorType::Enum { expected } | ErrorType::LiteralError { expected } => {
                format!("Input should be {expected}")
            }
            ErrorType::DictType => "Input should be a valid dictionary".into(),
            ErrorType::ListType => "Input should be a valid list".into(),
            ErrorType::TupleType => "Input should be a valid tuple".into(),
            ErrorType::SetType => "Input should be a valid set".into(),
            ErrorType::FrozenSetType => "Input should be a valid frozenset".into(),
            ErrorType::SetItemNotHashable => "Set items should be hashable".into(),
            ErrorType::BoolType => "Input should be a valid boolean".into(),
            ErrorType::BoolParsing => {
                "Input should be a valid boolean, unable to interpret input".into()
            }
            ErrorType::IntType => "Input should be a valid integer".into(),
            ErrorType::IntParsing => {
                "Input should be a valid integer, unable to parse string as an integer".into()
            }
            ErrorType::IntFromFloat => {
                "Input should be a valid integer, got a number with a fractional part".into()
            }
            ErrorType::IntParsingSize => {
                "Unable to parse input string as an integer, exceeded maximum size".into()
            }
            ErrorType::FloatType => "Input should be a valid number".into(),
            ErrorType::FloatParsing => {
                "Input should be a valid number, unable to parse string as a number".into()
            }
            ErrorType::BytesType => "Input should be a valid bytes".into(),
            ErrorType::ValueError { error, .. } => format!("Value error, {error}"),
            ErrorType::EmailInvalid { reason } => {
                format!("value is not a valid email address: {reason}")
            }
            ErrorType::DateType => "Input should be a valid date".into(),
            ErrorType::DateParsing { error } => {
                format!("Input should be a valid date in the format YYYY-MM-DD, {error}")
            }
            ErrorType::DateFromDatetimeParsing { error } => {
                format!("Input should be a valid date or datetime, {error}")
            }
            ErrorType::DateFromDatetimeInexact => {
                "Datetimes provided to dates should have zero time - e.g. be exact dates".into()
            }
            ErrorType::TimeType => "Input should be a valid time".into(),
            ErrorType::TimeParsing { error } => {
                format!("Input should be in a valid time format, {error}")
            }
            ErrorType::DatetimeType => "Input should be a valid datetime".into(),
            ErrorType::DatetimeParsing { error } => {
                format!("Input should be a valid datetime, {error}")
            }
            ErrorType::DatetimeFromDateParsing { error } => {
                format!("Input should be a valid datetime or date, {error}")
            }
            ErrorType::DatetimeObjectInvalid { error } => {
                format!("Invalid datetime object, got {error}")
            }
            ErrorType::TimeDeltaType => "Input should be a valid timedelta".into(),
            ErrorType::TimeDeltaParsing { error } => {
                format!("Input should be a valid timedelta, {error}")
            }
            ErrorType::UnionTagInvalid {
                discriminator,
                tag,
                expected_tags,
            } => format!(
                "Input tag '{tag}' found using {discriminator} does not match any of the expected tags: {expected_tags}"
            ),
            ErrorType::UnionTagNotFound { discriminator } => {
                format!("Unable to extract tag using discriminator {discriminator}")
            }
            ErrorType::UrlType => "URL input should be a string or URL".into(),
            ErrorType::UrlParsing { error } => format!("Input should be a valid URL, {error}"),
            ErrorType::UrlSyntaxViolation { error } => {
                format!("Input violated strict URL syntax rules, {error}")
            }
            ErrorType::UrlTooLong { max_length } => format!(
                "URL should have at most {max_length} character{}",
                plural(*max_length)
            ),
            ErrorType::UrlScheme { expected_schemes } => {
                format!("URL scheme should be {expected_schemes}")
            }
            ErrorType::UuidType => "UUID input should be a string, bytes or UUID object".into(),
            ErrorType::UuidParsing { error } => format!("Input should be a valid UUID, {error}"),
            ErrorType::UuidVersion { expected_version } => {
                format!("UUID version {expected_version} expected")
            }
            ErrorType::DecimalType => {
                "Decimal input should be an integer, float, string or Decimal object".into()
            }
            ErrorType::DecimalParsing => "Input should be a valid decimal".into(),
            ErrorType::DecimalMaxDigits { max_digits } => format!(
                "Decimal input should have no more than {max_digits} digit{} in total",
                plural(usize::try_from(*max_digits).unwrap_or(2))
            ),
            ErrorType::DecimalMaxPlaces { decimal_places } => format!(
                "Decimal input should have no more than {decimal_places} decimal place{}",
                plural(usize::try_from(*decimal_places).unwrap_or(2))
            ),
            ErrorType::DecimalWholeDigits { whole_digits } => format!(
                "Decimal input should have no more than {whole_digits} digit{} before the decimal point",
                plural(usize::try_from(*whole_digits).unwrap_or(2))
            ),
        }
    }

    /// Appends `,"ctx":{…}` when the error has a context, in
    /// pydantic-core's key order, as `jsonable_encoder` and `json.dumps`
    /// write it.
    ///
    /// # Errors
    /// [`render::Unrenderable`] for a NaN or infinite bound.
    pub fn write_ctx(&self, out: &mut Vec<u8>) -> Result<(), render::Unrenderable> {
        enum V<'a> {
            Text(&'a str),
            Num(&'a Number),
            Count(u64),
        }
        let entries: Vec<(&str, V<'_>)> = match self {
            ErrorType::ModelType { class_name } => vec![("class_name", V::Text(class_name))],
            ErrorType::GreaterThan { gt } => vec![("gt", V::Num(gt))],
            ErrorType::GreaterThanEqual { ge } => vec![("ge", V::Num(ge))],
            ErrorType::LessThan { lt } => vec![("lt", V::Num(lt))],
            ErrorType::LessThanEqual { le } => vec![("le", V::Num(le))],
            ErrorType::MultipleOf { multiple_of } => vec![("multiple_of", V::Num(multiple_of))],
            ErrorType::TooShort {
                field_type,
                min_length,
                actual_length,
            } => vec![
                ("field_type", V::Text(field_type)),
                ("min_length", V::Count(*min_length as u64)),
                ("actual_length", V::Count(*actual_length as u64)),
            ],
            ErrorType::TooLong {
                field_type,
                max_length,
                actual_length,
            } => {
                let mut e = vec![
                    ("field_type", V::Text(field_type)),
                    ("max_length", V::Count(*max_length as u64)),
                ];
                match actual_length {
                    Some(n) => e.push(("actual_length", V::Count(*n as u64))),
                    None => e.push(("actual_length", V::Text(""))),
                }
                e
            }
            ErrorType::StringTooShort { min_length } => {
                vec![("min_length", V::Count(*min_length as u64))]
            }
            ErrorType::StringTooLong { max_length } | ErrorType::UrlTooLong { max_length } => {
                vec![("max_length", V::Count(*max_length as u64))]
            }
            ErrorType::StringPatternMismatch { pattern } => vec![("pattern", V::Text(pattern))],
            ErrorType::Enum { expected } | ErrorType::LiteralError { expected } => {
                vec![("expected", V::Text(expected))]
            }
            ErrorType::EmailInvalid { reason } => vec![("reason", V::Text(reason))],
            ErrorType::ValueError { error, key } => match key {
                Some(k) => vec![(k, V::Text(error))],
                None => vec![("error", V::Text(""))],
            },
            ErrorType::DateParsing { error }
            | ErrorType::DateFromDatetimeParsing { error }
            | ErrorType::TimeParsing { error }
            | ErrorType::DatetimeParsing { error }
            | ErrorType::DatetimeFromDateParsing { error }
            | ErrorType::TimeDeltaParsing { error } => vec![("error", V::Text(error))],
            ErrorType::DatetimeObjectInvalid { error }
            | ErrorType::UrlParsing { error }
            | ErrorType::UrlSyntaxViolation { error }
            | ErrorType::UuidParsing { error } => vec![("error", V::Text(error))],
            ErrorType::UnionTagInvalid {
                discriminator,
                tag,
                expected_tags,
            } => vec![
                ("discriminator", V::Text(discriminator)),
                ("tag", V::Text(tag)),
                ("expected_tags", V::Text(expected_tags)),
            ],
            ErrorType::UnionTagNotFound { discriminator } => {
                vec![("discriminator", V::Text(discriminator))]
            }
            ErrorType::UrlScheme { expected_schemes } => {
                vec![("expected_schemes", V::Text(expected_schemes))]
            }
            ErrorType::UuidVersion { expected_version } => {
                vec![("expected_version", V::Count(*expected_version as u64))]
            }
            ErrorType::DecimalMaxDigits { max_digits } => {
                vec![("max_digits", V::Count(*max_digits))]
            }
            ErrorType::DecimalMaxPlaces { decimal_places } => {
                vec![("decimal_places", V::Count(*decimal_places))]
            }
            ErrorType::DecimalWholeDigits { whole_digits } => {
                vec![("whole_digits", V::Count(*whole_digits))]
            }
            _ => return Ok(()),
        };
        out.extend_from_slice(b",\"ctx\":{");
        for (i, (key, value)) in entries.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            render::write_text(out, key);
            out.push(b':');
            match value {
                // pydantic's `too_long` without a count, and a ValueError
                // whose exception jsonable_encoder renders as `{}`.
                V::Text("") if matches!(self, ErrorType::TooLong { .. }) => {
                    out.extend_from_slice(b"null");
                }
                V::Text("") if matches!(self, ErrorType::ValueError { key: None, .. }) => {
                    out.extend_from_slice(b"{}");
                }
                V::Text(t) => render::write_text(out, t),
                V::Num(n) => n.write_json(out)?,
                V::Count(n) => out.extend_from_slice(n.to_string().as_bytes()),
            }
        }
        out.push(b'}');
        Ok(())
    }
}

/// One step of an error's `loc`: a key or an index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Loc {
    /// A field, alias, union member label or dict key.
    Key(PyStr),
    /// A list, tuple or set index.
    Index(usize),
}

impl Loc {
    /// A key from text.
    pub fn key(text: &str) -> Loc {
        Loc::Key(PyStr::new(text))
    }
}

/// `'a' or 'b'`, `'a', 'b' or 'c'`: pydantic-core's `expected_repr`
/// (`src/validators/literal.rs`) of Python reprs.
pub fn expected_repr(reprs: &[String]) -> String {
    match reprs {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(e: &ErrorType) -> String {
        let mut out = Vec::new();
        e.write_ctx(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn float_bounds_show_as_rust_in_messages_and_as_python_in_ctx() {
        let e = ErrorType::GreaterThan {
            gt: Number::Float(0.0),
        };
        assert_eq!(e.message(), "Input should be greater than 0");
        assert_eq!(ctx(&e), r#","ctx":{"gt":0.0}"#);
        let e = ErrorType::GreaterThanEqual {
            ge: Number::Int(Int::Small(0)),
        };
        assert_eq!(ctx(&e), r#","ctx":{"ge":0}"#);
        assert_eq!(ctx(&ErrorType::IntParsing), "");
    }

    #[test]
    fn plurals_and_reprs() {
        assert_eq!(
            ErrorType::StringTooShort { min_length: 1 }.message(),
            "String should have at least 1 character"
        );
        assert_eq!(
            ErrorType::TooLong {
                field_type: "List",
                max_length: 2,
                actual_length: Some(3)
            }
            .message(),
            "List should have at most 2 items after validation, not 3"
        );
        assert_eq!(expected_repr(&["'a'".into()]), "'a'");
        assert_eq!(
            expected_repr(&["'a'".into(), "'b'".into(), "'c'".into()]),
            "'a', 'b' or 'c'"
        );
    }
}
