//! pydantic's `date`, `datetime` and `time` in lax mode, through
//! `speedate` (pydantic-core's own parser, so its reasons are pydantic's
//! messages): pydantic-core 2.50 `src/input/input_python.rs`
//! (`validate_date`, `validate_datetime`, `validate_time`),
//! `src/input/datetime.rs` and `src/validators/{date,datetime,time}.rs`
//! (the date ↔ datetime fallbacks). Values come back as
//! `model_dump(mode="json")` writes them: speedate's ISO 8601 display,
//! `Z` for UTC.

use speedate::{Date, DateTime, DateTimeConfig, ParseError, Time, TimeConfig};
use strum::EnumMessage;

use super::errors::ErrorType;
use super::json::{Int, Value};

fn reason(e: &ParseError) -> &'static str {
    e.get_documentation().unwrap_or_default()
}

/// pydantic's defaults: fractions past microseconds truncated
/// (`microseconds_precision='truncate'`), timestamps in UTC.
fn time_config() -> TimeConfig {
    TimeConfig {
        unix_timestamp_offset: Some(0),
        microseconds_precision_overflow_behavior:
            speedate::MicrosecondsPrecisionOverflowBehavior::Truncate,
    }
}

fn datetime_config() -> DateTimeConfig {
    DateTimeConfig {
        time_config: time_config(),
        ..DateTimeConfig::default()
    }
}

/// Python's `datetime` refuses year 0 (`try_into_py`).
fn year_ok(year: u16, error: fn(&'static str) -> ErrorType) -> Result<(), ErrorType> {
    if year == 0 {
        Err(error("year 0 is out of range"))
    } else {
        Ok(())
    }
}

/// `validate_datetime` on an input, without the date fallback.
fn parse_datetime(v: &Value) -> Result<DateTime, ErrorType> {
    let parsing = |e: &ParseError| ErrorType::DatetimeParsing { error: reason(e) };
    match v {
        Value::Str(s) => match s.as_str() {
            Some(text) => DateTime::parse_bytes_with_config(text.as_bytes(), &datetime_config())
                .map_err(|e| parsing(&e)),
            None => Err(ErrorType::DatetimeType),
        },
        Value::Bool(_) => Err(ErrorType::DatetimeType),
        Value::Int(Int::Small(n)) => {
            DateTime::from_timestamp_with_config(*n, 0, &datetime_config()).map_err(|e| parsing(&e))
        }
        Value::Int(Int::Big(b)) => {
            // Beyond i64, pydantic reads the int as a float.
            let f = b.parse::<f64>().unwrap_or(f64::INFINITY);
            DateTime::from_float_with_config(f, &datetime_config()).map_err(|e| parsing(&e))
        }
        Value::Float(f) => {
            if f.is_nan() {
                return Err(ErrorType::DatetimeParsing {
                    error: "NaN values not permitted",
                });
            }
            DateTime::from_float_with_config(*f, &datetime_config()).map_err(|e| parsing(&e))
        }
        Value::Null | Value::Array(_) | Value::Object(_) => Err(ErrorType::DatetimeType),
    }
}

/// `validate_date` on an input, without the datetime fallback.
fn parse_date(v: &Value) -> Result<Date, ErrorType> {
    match v {
        Value::Str(s) => match s.as_str() {
            Some(text) => Date::parse_bytes(text.as_bytes())
                .map_err(|e| ErrorType::DateParsing { error: reason(&e) }),
            None => Err(ErrorType::DateType),
        },
        _ => Err(ErrorType::DateType),
    }
}

/// `datetime`: an ISO 8601 string, a Unix timestamp (seconds or
/// milliseconds, inferred), else a date at midnight (naive).
///
/// # Errors
/// `datetime_type`, `datetime_parsing`, `datetime_from_date_parsing`.
pub fn datetime_value(v: &Value) -> Result<String, ErrorType> {
    let dt = match parse_datetime(v) {
        Ok(dt) => dt,
        Err(first) => match parse_date(v) {
            Ok(date) => DateTime {
                date,
                time: Time {
                    hour: 0,
                    minute: 0,
                    second: 0,
                    microsecond: 0,
                    tz_offset: None,
                },
            },
            Err(ErrorType::DateParsing { error }) => {
                return Err(ErrorType::DatetimeFromDateParsing { error });
            }
            Err(_) => return Err(first),
        },
    };
    year_ok(dt.date.year, |error| ErrorType::DatetimeParsing { error })?;
    Ok(dt.to_string())
}

/// `date`: `YYYY-MM-DD`, else a datetime (string or timestamp) whose
/// time is zero.
///
/// # Errors
/// `date_type`, `date_parsing`, `date_from_datetime_parsing`,
/// `date_from_datetime_inexact`.
pub fn date_value(v: &Value) -> Result<String, ErrorType> {
    let date = match parse_date(v) {
        Ok(d) => d,
        Err(first) => match parse_datetime(v) {
            Ok(dt) => {
                let t = &dt.time;
                if (t.hour, t.minute, t.second, t.microsecond) != (0, 0, 0, 0) {
                    return Err(ErrorType::DateFromDatetimeInexact);
                }
                dt.date
            }
            Err(ErrorType::DatetimeParsing { error }) => {
                return Err(ErrorType::DateFromDatetimeParsing { error });
            }
            Err(_) => return Err(first),
        },
    };
    year_ok(date.year, |error| ErrorType::DateParsing { error })?;
    Ok(date.to_string())
}

/// `time`: `HH:MM[:SS[.ffffff]][tz]`, or seconds since midnight.
///
/// # Errors
/// `time_type`, `time_parsing`.
pub fn time_value(v: &Value) -> Result<String, ErrorType> {
    let parsing = |e: &ParseError| ErrorType::TimeParsing { error: reason(e) };
    let from_seconds = |seconds: i64, micros: u32| {
        if seconds < 0 {
            return Err(ErrorType::TimeParsing {
                error: "time in seconds should be positive",
            });
        }
        let s = u32::try_from(seconds).unwrap_or(u32::MAX);
        Time::from_timestamp_with_config(s, micros, &time_config()).map_err(|e| parsing(&e))
    };
    let time = match v {
        Value::Str(s) => match s.as_str() {
            Some(text) => Time::parse_bytes_with_config(text.as_bytes(), &time_config())
                .map_err(|e| parsing(&e))?,
            None => return Err(ErrorType::TimeType),
        },
        Value::Bool(_) => return Err(ErrorType::TimeType),
        Value::Int(Int::Small(n)) => from_seconds(*n, 0)?,
        Value::Int(Int::Big(b)) => from_seconds(if b.starts_with('-') { -1 } else { i64::MAX }, 0)?,
        Value::Float(f) => {
            if f.is_nan() {
                return Err(ErrorType::TimeParsing {
                    error: "NaN values not permitted",
                });
            }
            let micros = (f.fract().abs() * 1_000_000.0).round() as u32;
            from_seconds(f.floor() as i64, micros)?
        }
        Value::Null | Value::Array(_) | Value::Object(_) => return Err(ErrorType::TimeType),
    };
    Ok(time.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::json::PyStr;

    fn s(text: &str) -> Value {
        Value::Str(PyStr::new(text))
    }

    #[test]
    fn datetimes_as_pydantic_writes_them() {
        assert_eq!(
            datetime_value(&s("2024-01-01T00:00:00+00:00")).unwrap(),
            "2024-01-01T00:00:00Z"
        );
        assert_eq!(
            datetime_value(&s("2024-01-01")).unwrap(),
            "2024-01-01T00:00:00"
        );
        assert_eq!(
            datetime_value(&s("2086-02-19T10:20:30.1234567Z")).unwrap(),
            "2086-02-19T10:20:30.123456Z"
        );
        assert_eq!(
            datetime_value(&Value::Int(Int::Small(1_700_000_000))).unwrap(),
            "2023-11-14T22:13:20Z"
        );
        assert_eq!(
            datetime_value(&s("bad")),
            Err(ErrorType::DatetimeFromDateParsing {
                error: "input is too short"
            })
        );
        assert_eq!(
            datetime_value(&Value::Bool(true)),
            Err(ErrorType::DatetimeType)
        );
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(date_value(&s("2024-02-29")).unwrap(), "2024-02-29");
        assert_eq!(
            date_value(&s("2024-02-29T00:00:00Z")).unwrap(),
            "2024-02-29"
        );
        assert_eq!(
            date_value(&s("2024-02-29T01:00:00Z")),
            Err(ErrorType::DateFromDatetimeInexact)
        );
        assert!(matches!(
            date_value(&s("2024-13-01")),
            Err(ErrorType::DateFromDatetimeParsing { .. })
        ));
        assert_eq!(time_value(&s("03:04:05.5")).unwrap(), "03:04:05.500000");
        assert_eq!(
            time_value(&Value::Int(Int::Small(3661))).unwrap(),
            "01:01:01Z"
        );
    }
}
