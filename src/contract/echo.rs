//! What a correct echo of an item is: a response body compared with the
//! item a server should hold ([`compare`]), field values compared as item
//! data ([`same`]).

use serde_json::{Map, Value};

use super::snippet;

/// Whether two JSON values are the same item data: numbers by value (`3`
/// and `3.0` are equal; integers of any length by their digits), a UTC
/// time written with `Z` or `+00:00` alike, objects regardless of key
/// order. A number and a string are never the same here: where the schema
/// lets a number come back as its text (pydantic writes a `Decimal` as a
/// string), [`compare`] and [`agrees`] are told the path.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => same_number(x, y),
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

/// Numbers by value: integers by their digits, a float equal to an
/// integer or another float of the same finite value.
fn same_number(x: &serde_json::Number, y: &serde_json::Number) -> bool {
    let (xs, ys) = (x.to_string(), y.to_string());
    let integer = |t: &str| !t.contains(['.', 'e', 'E']);
    xs == ys
        || (!(integer(&xs) && integer(&ys))
            && matches!((x.as_f64(), y.as_f64()), (Some(p), Some(q)) if p == q && p.is_finite()))
}

/// [`same`], and where `text_ok` a number and a plain decimal string of
/// the same value alike (`5.5` and `"5.5"`: pydantic's `Decimal`).
fn same_at(a: &Value, b: &Value, text_ok: bool) -> bool {
    match (a, b) {
        (Value::Number(n), Value::String(t)) | (Value::String(t), Value::Number(n)) if text_ok => {
            let plain = !t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'.' | b'e' | b'E' | b'+'));
            plain && t.parse::<f64>().ok() == n.as_f64() && n.as_f64().is_some_and(f64::is_finite)
        }
        _ => same(a, b),
    }
}

/// A date-time with its UTC suffix made uniform.
fn utc(s: &str) -> Option<&str> {
    s.strip_suffix('Z')
        .or_else(|| s.strip_suffix("+00:00"))
        .filter(|rest| rest.len() >= 19 && rest.as_bytes().get(10) == Some(&b'T'))
}

/// Which fields of an object a comparison holds to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fields {
    /// Every field of the item, and no other ([`compare`] with `exact`).
    Exact,
    /// Every field of the item; a null may be left out, others may be
    /// added ([`compare`]).
    Item,
    /// Only the fields both have ([`agrees`]: a read model may show fewer,
    /// or more).
    Shared,
}

/// Where `got` does not echo `want`, as deep as they go: the path below
/// the field (`.dims.unit`, `.tags[0]`) and what differs. Objects field by
/// field as `fields` says; lists item by item; other values by [`same`],
/// or, at a path of `text_numbers` (`path` is where `want` stands), by
/// [`same_at`].
fn difference(
    want: &Value,
    got: &Value,
    fields: Fields,
    path: &str,
    text_numbers: &[String],
) -> Option<(String, String)> {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => object_difference(w, g, fields, path, text_numbers),
        (Value::Array(w), Value::Array(g)) if w.len() == g.len() => {
            w.iter().zip(g).enumerate().find_map(|(i, (v, x))| {
                let below = format!("{path}[{i}]");
                difference(v, x, fields, &below, text_numbers)
                    .map(|(at, why)| (format!("[{i}]{at}"), why))
            })
        }
        _ if same_at(want, got, text_numbers.iter().any(|p| p == path)) => None,
        _ => Some((String::new(), format!("expected {want}, got {got}"))),
    }
}

/// [`difference`] of two objects.
fn object_difference(
    w: &Map<String, Value>,
    g: &Map<String, Value>,
    fields: Fields,
    path: &str,
    text_numbers: &[String],
) -> Option<(String, String)> {
    for (k, v) in w {
        match g.get(k) {
            None if fields == Fields::Shared => {}
            None if fields == Fields::Item && v.is_null() => {}
            None => return Some((format!(".{k}"), format!("expected {v}, got nothing"))),
            Some(x) => {
                let below = format!("{path}.{k}");
                if let Some((at, why)) = difference(v, x, fields, &below, text_numbers) {
                    return Some((format!(".{k}{at}"), why));
                }
            }
        }
    }
    if fields == Fields::Exact
        && let Some(extra) = g.keys().find(|k| !w.contains_key(*k))
    {
        return Some((format!(".{extra}"), "a field that was not sent".into()));
    }
    None
}

/// Whether a body (an item read back) agrees with the item a server should
/// hold: every field both have is the same, as deep as it goes (objects
/// field by field where both have the field, lists item by item); fields
/// only one has are not compared (a read model may show fewer, or more).
/// `text_numbers`: the paths (`.price`, `.lines[0].amount`) where a number
/// may come back as its text, as [`compare`] takes them.
///
/// # Errors
/// One line: the body is not a JSON object, or the first field that
/// differs, with its path.
pub fn agrees(
    expected: &Map<String, Value>,
    body: &[u8],
    text_numbers: &[String],
) -> Result<(), String> {
    let got: Value = serde_json::from_slice(body)
        .map_err(|_| format!("the body is not JSON: {}", snippet(body)))?;
    let Value::Object(got) = got else {
        return Err(format!("the body is not a JSON object: {}", snippet(body)));
    };
    match object_difference(expected, &got, Fields::Shared, "", text_numbers) {
        None => Ok(()),
        Some((at, why)) => Err(format!("{}: {why}", at.trim_start_matches('.'))),
    }
}

/// Compares a response body with the item the server should hold:
/// every field of `expected` must be in it with an echoed value, as deep
/// as it goes (numbers by value, [`same`]), except that a null may be
/// left out (FastAPI's `response_model_exclude_none`); with `exact`, it
/// must hold exactly those fields (nested ones too). At the paths of
/// `text_numbers` (`.price`, `.lines[0].amount`: numbers whose schema
/// admits a string too, such as pydantic's `Decimal`) a number may come
/// back as its plain decimal text; anywhere else `3` and `"3"` differ.
///
/// # Errors
/// One line: the body is not a JSON object, or the first field that is
/// missing, differs (with its path: `"dims".unit`) or (with `exact`) is
/// extra.
pub fn compare(
    expected: &Map<String, Value>,
    body: &[u8],
    exact: bool,
    text_numbers: &[String],
) -> Result<(), String> {
    let got: Value = serde_json::from_slice(body)
        .map_err(|_| format!("the body is not JSON: {}", snippet(body)))?;
    let Value::Object(got) = got else {
        return Err(format!("the body is not a JSON object: {}", snippet(body)));
    };
    let fields = if exact { Fields::Exact } else { Fields::Item };
    for (k, want) in expected {
        match got.get(k) {
            None if !exact && want.is_null() => {}
            None => {
                return Err(format!(
                    "the response has no {k:?} (expected {want}): {}",
                    snippet(body)
                ));
            }
            Some(v) => {
                if let Some((at, why)) = difference(want, v, fields, &format!(".{k}"), text_numbers)
                {
                    return Err(format!("{k:?}{at}: {why}"));
                }
            }
        }
    }
    if exact && let Some(extra) = got.keys().find(|k| !expected.contains_key(*k)) {
        return Err(format!(
            "the response has a field that was not sent, {extra:?} (an exact echo was asked for): {}",
            snippet(body)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn comparison_allows_extra_fields_unless_exact() {
        let sent: Map<String, Value> =
            serde_json::from_value(json!({"a": 3, "t": "2024-01-01T03:04:05Z"})).unwrap();
        assert_eq!(
            compare(
                &sent,
                br#"{"id":"k","a":3.0,"t":"2024-01-01T03:04:05+00:00"}"#,
                false,
                &[]
            ),
            Ok(())
        );
        assert!(
            compare(
                &sent,
                br#"{"id":"k","a":3,"t":"2024-01-01T03:04:05Z"}"#,
                true,
                &[]
            )
            .unwrap_err()
            .contains("\"id\"")
        );
        assert!(
            compare(&sent, br#"{"a":4,"t":"2024-01-01T03:04:05Z"}"#, false, &[])
                .unwrap_err()
                .contains("expected 3, got 4")
        );
        assert!(
            compare(&sent, br#"{"a":3}"#, false, &[])
                .unwrap_err()
                .contains("no \"t\"")
        );
        assert!(
            compare(&sent, b"[]", false, &[])
                .unwrap_err()
                .contains("not a JSON object")
        );
        // As deep as the item goes: a nested field, a list item; a null
        // may be left out; other nested fields only without `exact`.
        let nested: Map<String, Value> =
            serde_json::from_value(json!({"dims": {"w": 2, "note": null}, "tags": [{"k": "a"}]}))
                .unwrap();
        let body = |v: Value| v.to_string().into_bytes();
        assert_eq!(
            compare(
                &nested,
                &body(json!({"dims": {"w": 2.0, "id": 1}, "tags": [{"k": "a"}]})),
                false,
                &[]
            ),
            Ok(())
        );
        assert_eq!(
            compare(
                &nested,
                &body(json!({"dims": {"w": 2, "note": "old"}, "tags": [{"k": "a"}]})),
                false,
                &[]
            ),
            Err(r#""dims".note: expected null, got "old""#.to_owned())
        );
        assert_eq!(
            compare(
                &nested,
                &body(json!({"dims": {"w": 2}, "tags": [{"k": "b"}]})),
                false,
                &[]
            ),
            Err(r#""tags"[0].k: expected "a", got "b""#.to_owned())
        );
        assert_eq!(
            compare(
                &nested,
                &body(json!({"dims": {"w": 2, "note": null, "id": 1}, "tags": [{"k": "a"}]})),
                true,
                &[]
            ),
            Err(r#""dims".id: a field that was not sent"#.to_owned())
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

    #[test]
    fn a_number_comes_back_as_text_only_where_the_schema_says_so() {
        let sent: Map<String, Value> = serde_json::from_value(
            json!({"size": 3, "price": 5.5, "lines": [{"amount": 2}], "tags": ["7"]}),
        )
        .unwrap();
        let decimals = [".price".to_owned(), ".lines[0].amount".to_owned()];
        let body = |v: Value| v.to_string().into_bytes();
        // pydantic's Decimal: written as a string; another server's number.
        let fastapi =
            body(json!({"size": 3, "price": "5.5", "lines": [{"amount": "2"}], "tags": ["7"]}));
        assert_eq!(compare(&sent, &fastapi, false, &decimals), Ok(()));
        assert_eq!(agrees(&sent, &fastapi, &decimals), Ok(()));
        assert_eq!(
            compare(&sent, &body(Value::Object(sent.clone())), false, &decimals),
            Ok(())
        );
        // Where the schema admits no string, "3" is not an echo of 3
        // (a server that stored the lax input as it came).
        let verbatim =
            body(json!({"size": "3", "price": 5.5, "lines": [{"amount": 2}], "tags": ["7"]}));
        assert_eq!(
            compare(&sent, &verbatim, false, &decimals),
            Err(r#""size": expected 3, got "3""#.to_owned())
        );
        assert_eq!(
            agrees(&sent, &verbatim, &decimals),
            Err(r#"size: expected 3, got "3""#.to_owned())
        );
        assert!(compare(&sent, &fastapi, false, &[]).is_err());
        // Nor is a string's number an echo of the string.
        let numbered =
            body(json!({"size": 3, "price": 5.5, "lines": [{"amount": 2}], "tags": [7]}));
        assert_eq!(
            compare(&sent, &numbered, false, &decimals),
            Err(r#""tags"[0]: expected "7", got 7"#.to_owned())
        );
        // The text must be the same value.
        let other =
            body(json!({"size": 3, "price": "5.50001", "lines": [{"amount": 2}], "tags": ["7"]}));
        assert!(compare(&sent, &other, false, &decimals).is_err());
    }
}
