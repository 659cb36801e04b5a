//! FastAPI's reading of a request body before validation: the
//! content-type gate (docs/BEHAVIOR.md §3) and the 422 it makes of a JSON
//! syntax error (§4). What follows, validation, is [`super::validate`];
//! the tutorial's endpoint ([`super::app`] on its own document) is the
//! first instance, and the tests below hold it to the recorded corpus's
//! behaviour.

use crate::reference::render;

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
    use crate::reference::app::{App, Refusal, Request};
    use crate::reference::core::Options;

    /// What the tutorial's endpoint answers: the item, or the 422/400/500.
    enum Parsed {
        Item(String),
        Invalid(Vec<u8>),
        BadRequest,
        Unrenderable,
    }

    impl std::fmt::Debug for Parsed {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match self {
                Parsed::Item(s) => write!(f, "Item({s})"),
                Parsed::Invalid(b) => write!(f, "Invalid({})", String::from_utf8_lossy(b)),
                Parsed::BadRequest => f.write_str("BadRequest"),
                Parsed::Unrenderable => f.write_str("Unrenderable"),
            }
        }
    }

    fn parse_upsert(ct: Option<&[u8]>, body: &[u8]) -> Parsed {
        let app =
            App::from_document(&crate::spec::tutorial::document(), Options::default()).unwrap();
        let header = |name: &str| if name == "content-type" { ct } else { None };
        let params = ["id".to_owned()];
        let req = Request {
            params: &params,
            query: None,
            header: &header,
            body,
        };
        match app.upsert(0, &req) {
            Ok(item) => match app.render_item(0, &item.item, &item.params, false) {
                Ok(b) => Parsed::Item(String::from_utf8(b).unwrap()),
                Err(_) => Parsed::Unrenderable,
            },
            Err(Refusal::Invalid(b)) => Parsed::Invalid(b),
            Err(Refusal::BadRequest) => Parsed::BadRequest,
            Err(Refusal::Unrenderable) => Parsed::Unrenderable,
        }
    }

    fn body(json: &str) -> Parsed {
        parse_upsert(Some(b"application/json"), json.as_bytes())
    }

    fn invalid(json: &str) -> String {
        match body(json) {
            Parsed::Invalid(b) => String::from_utf8(b).unwrap(),
            other => panic!("expected 422 for {json:?}, got {other:?}"),
        }
    }

    /// The stored size of a body, as rendered.
    fn size_of(json: &str) -> Option<String> {
        match body(json) {
            Parsed::Item(text) => {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                Some(v["size"].to_string())
            }
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
            assert!(
                matches!(parse_upsert(ct, b), Parsed::Item(i) if i == r#"{"name":null,"size":null}"#)
            );
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
        assert!(
            matches!(body(r#"{"name":""}"#), Parsed::Item(i) if i == r#"{"name":"","size":null}"#)
        );
        assert!(
            matches!(body(r#"{"name":" x "}"#), Parsed::Item(i) if i == r#"{"name":" x ","size":null}"#)
        );
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
            let got = size_of(&format!("{{\"size\":{input}}}"));
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
        let kind = |s: String| match crate::reference::lax::str_as_int(&s) {
            Ok(_) => "ok",
            Err(k) => k.name(),
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
