//! Output and color: where each piece of a response goes, and how it looks.
//!
//! On a terminal: a colored status line and pretty-printed, colored JSON on
//! stdout. Piped: the body exactly as received on stdout (so it pipes into
//! jq) and the status line on stderr. `--json`: one machine-readable line.

use std::io::IsTerminal;

use colored::{ColoredString, Colorize};

use crate::cli::ColorChoice;
use crate::client::Exchange;
use crate::reference::json::{self, Value};
use crate::reference::render;

/// Set to `1` to make itemctl treat stdout as a terminal (for tests), `0`
/// to treat it as a pipe.
pub const FORCE_TERMINAL_ENV: &str = "ITEMCTL_FORCE_TERMINAL";

/// Bodies longer than this many bytes are cut on a terminal (with a note);
/// piped output is always whole.
pub const TERMINAL_BODY_CAP: usize = 64 * 1024;

/// How output should look, decided once per run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    /// stdout is a terminal (or [`FORCE_TERMINAL_ENV`] says so).
    pub terminal: bool,
    /// Colors are on.
    pub color: bool,
}

impl Style {
    /// Decides from `--color`, `NO_COLOR` and whether stdout is a terminal,
    /// and sets the `colored` crate's override to match.
    pub fn detect(choice: ColorChoice) -> Style {
        let terminal = match std::env::var(FORCE_TERMINAL_ENV).as_deref() {
            Ok("1") => true,
            Ok("0") => false,
            _ => std::io::stdout().is_terminal(),
        };
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color,
        };
        colored::control::set_override(color);
        Style { terminal, color }
    }
}

/// `201 Created`, colored by class: 2xx green, 3xx cyan, 4xx yellow, 5xx red.
pub fn status_line(status: u16, reason: &str) -> ColoredString {
    let text = if reason.is_empty() {
        status.to_string()
    } else {
        format!("{status} {reason}")
    };
    match status {
        200..=299 => text.green().bold(),
        300..=399 => text.cyan().bold(),
        400..=499 => text.yellow().bold(),
        500..=599 => text.red().bold(),
        _ => text.normal(),
    }
}

/// The body pretty-printed (2-space indent, colored when colors are on), or
/// `None` when it is not JSON. Integers are printed in full, floats in
/// Python's repr, keys in the order received.
pub fn pretty_json(body: &[u8]) -> Option<String> {
    let value = json::decode(body).ok()?;
    let mut out = String::new();
    write_pretty(&mut out, &value, 0);
    Some(out)
}

fn write_pretty(out: &mut String, v: &Value, indent: usize) {
    let pad = |n: usize| "  ".repeat(n);
    match v {
        Value::Null => out.push_str(&"null".magenta().to_string()),
        Value::Bool(b) => out.push_str(&b.to_string().magenta().to_string()),
        Value::Int(i) => out.push_str(&i.to_string().cyan().to_string()),
        Value::Float(f) => {
            let text = if f.is_nan() {
                "NaN".to_owned()
            } else if f.is_infinite() {
                if *f > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
            } else {
                render::float_repr(*f)
            };
            out.push_str(&text.cyan().to_string());
        }
        Value::Str(s) => out.push_str(&quoted(&s.to_string_lossy()).green().to_string()),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                write_pretty(out, item, indent + 1);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push(']');
        }
        Value::Object(obj) if obj.is_empty() => out.push_str("{}"),
        Value::Object(obj) => {
            out.push_str("{\n");
            let n = obj.len();
            for (i, (k, item)) in obj.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                out.push_str(&quoted(&k.to_string_lossy()).blue().bold().to_string());
                out.push_str(": ");
                write_pretty(out, item, indent + 1);
                out.push_str(if i + 1 < n { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push('}');
        }
    }
}

fn quoted(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    render::write_text(&mut out, s);
    String::from_utf8_lossy(&out).into_owned()
}

/// The `--json` line: `{"status":201,"reason":"Created","id":"foo",
/// "body":{…},"elapsed_ms":1.9}`. A body that is not JSON (or not
/// renderable as strict JSON) goes in as a string.
pub fn json_line(ex: &Exchange, id: &str) -> String {
    let mut out = Vec::with_capacity(ex.body.len() + 96);
    out.extend_from_slice(format!("{{\"status\":{},\"reason\":", ex.status).as_bytes());
    render::write_text(&mut out, ex.reason);
    out.extend_from_slice(b",\"id\":");
    render::write_text(&mut out, id);
    out.extend_from_slice(b",\"body\":");
    let mut body = Vec::with_capacity(ex.body.len());
    let as_json = json::decode(&ex.body)
        .ok()
        .is_some_and(|v| render::write_value(&mut body, &v).is_ok());
    if as_json {
        out.extend_from_slice(&body);
    } else {
        render::write_text(&mut out, &String::from_utf8_lossy(&ex.body));
    }
    let ms = ex.elapsed.as_secs_f64() * 1000.0;
    out.extend_from_slice(format!(",\"elapsed_ms\":{ms:.3}}}").as_bytes());
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn exchange(body: &[u8]) -> Exchange {
        Exchange {
            url: "http://h/items/x".into(),
            status: 201,
            reason: "Created",
            content_type: Some("application/json".into()),
            body: bytes::Bytes::copy_from_slice(body),
            elapsed: Duration::from_micros(1900),
        }
    }

    #[test]
    fn json_line_embeds_json_or_a_string() {
        assert_eq!(
            json_line(
                &exchange(br#"{"name":"a","size":12345678901234567890123}"#),
                "foo"
            ),
            r#"{"status":201,"reason":"Created","id":"foo","body":{"name":"a","size":12345678901234567890123},"elapsed_ms":1.900}"#
        );
        assert_eq!(
            json_line(&exchange(b"Internal Server Error"), "x"),
            r#"{"status":201,"reason":"Created","id":"x","body":"Internal Server Error","elapsed_ms":1.900}"#
        );
        let line = json_line(&exchange(b"{\n  \"a\": [1, 2]\n}"), "x");
        assert!(line.contains(r#""body":{"a":[1,2]}"#), "{line}");
    }

    #[test]
    fn pretty_printing_keeps_order_and_numbers() {
        colored::control::set_override(false);
        let got =
            pretty_json(br#"{"size":1e19,"name":"x","n":[],"big":123456789012345678901234567890}"#)
                .unwrap();
        assert_eq!(
            got,
            "{\n  \"size\": 1e+19,\n  \"name\": \"x\",\n  \"n\": [],\n  \"big\": 123456789012345678901234567890\n}"
        );
        assert_eq!(pretty_json(b"not json"), None);
    }
}
