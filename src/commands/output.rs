//! How `put` shows a response: where each piece goes, and how it looks.
//!
//! On a terminal: a colored status line and pretty-printed, colored JSON on
//! stdout. Piped: the body exactly as received on stdout (so it pipes into
//! jq) and the status line on stderr. `--json`: one machine-readable line
//! (`docs/schemas/put.schema.json`). Colors are decided per stream by
//! `anstream` (`--color`, `NO_COLOR`, `CLICOLOR_FORCE`, whether that stream
//! is a terminal).

use std::io::IsTerminal;

use anstyle::{AnsiColor, Style};
use serde::Serialize;
use serde_json::Value;

use crate::client::Exchange;

/// Set to `1` to make itemctl lay out stdout as for a terminal (for
/// tests), `0` as for a pipe. Colors still follow `--color` and the stream.
pub const FORCE_TERMINAL_ENV: &str = "ITEMCTL_FORCE_TERMINAL";

/// Bodies longer than this many bytes are cut on a terminal (with a note);
/// piped output is always whole.
pub const TERMINAL_BODY_CAP: usize = 64 * 1024;

/// The version of the `--json` line's shape; fields are only added within a
/// version.
pub const JSON_VERSION: u32 = 1;

/// Whether stdout is laid out for a terminal (or [`FORCE_TERMINAL_ENV`]
/// says so).
pub fn stdout_is_terminal() -> bool {
    match std::env::var(FORCE_TERMINAL_ENV).as_deref() {
        Ok("1") => true,
        Ok("0") => false,
        _ => std::io::stdout().is_terminal(),
    }
}

/// `text` in `style`: ANSI codes that an `anstream` stream keeps or drops.
pub fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

fn color(c: AnsiColor) -> Style {
    Style::new().fg_color(Some(c.into()))
}

/// `201 Created`, styled by class: 2xx green, 3xx cyan, 4xx yellow, 5xx red.
pub fn status_line(status: u16, reason: &str) -> String {
    let text = if reason.is_empty() {
        status.to_string()
    } else {
        format!("{status} {reason}")
    };
    let style = match status {
        200..=299 => color(AnsiColor::Green).bold(),
        300..=399 => color(AnsiColor::Cyan).bold(),
        400..=499 => color(AnsiColor::Yellow).bold(),
        500..=599 => color(AnsiColor::Red).bold(),
        _ => Style::new(),
    };
    paint(style, &text)
}

/// The body pretty-printed (2-space indent, styled), or `None` when it is
/// not JSON. Numbers are printed exactly as received (any length), keys in
/// the order received.
pub fn pretty_json(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let mut out = String::new();
    write_pretty(&mut out, &value, 0);
    Some(out)
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn write_pretty(out: &mut String, v: &Value, indent: usize) {
    let pad = |n: usize| "  ".repeat(n);
    match v {
        Value::Null => out.push_str(&paint(color(AnsiColor::Magenta), "null")),
        Value::Bool(b) => out.push_str(&paint(color(AnsiColor::Magenta), &b.to_string())),
        Value::Number(n) => out.push_str(&paint(color(AnsiColor::Cyan), &n.to_string())),
        Value::String(s) => out.push_str(&paint(color(AnsiColor::Green), &quoted(s))),
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
                out.push_str(&paint(color(AnsiColor::Blue).bold(), &quoted(k)));
                out.push_str(": ");
                write_pretty(out, item, indent + 1);
                out.push_str(if i + 1 < n { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push('}');
        }
    }
}

/// The `--json` line (`docs/schemas/put.schema.json`).
#[derive(Serialize)]
struct JsonLine<'a> {
    version: u32,
    status: u16,
    reason: &'a str,
    id: &'a str,
    /// The body as JSON when it is JSON, else as a (lossy UTF-8) string.
    body: Value,
    elapsed_ms: f64,
}

/// The `--json` line: `{"version":1,"status":201,"reason":"Created",
/// "id":"foo","body":{…},"elapsed_ms":1.9}`. A body that is not JSON goes
/// in as a string; numbers keep their exact text.
pub fn json_line(ex: &Exchange, id: &str) -> String {
    let body = serde_json::from_slice(&ex.body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&ex.body).into_owned()));
    let line = JsonLine {
        version: JSON_VERSION,
        status: ex.status,
        reason: ex.reason,
        id,
        body,
        elapsed_ms: (ex.elapsed.as_secs_f64() * 1_000_000.0).round() / 1000.0,
    };
    serde_json::to_string(&line).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn exchange(body: &[u8]) -> Exchange {
        Exchange {
            status: 201,
            reason: "Created",
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
            r#"{"version":1,"status":201,"reason":"Created","id":"foo","body":{"name":"a","size":12345678901234567890123},"elapsed_ms":1.9}"#
        );
        assert_eq!(
            json_line(&exchange(b"Internal Server Error"), "x"),
            r#"{"version":1,"status":201,"reason":"Created","id":"x","body":"Internal Server Error","elapsed_ms":1.9}"#
        );
        let line = json_line(&exchange(b"{\n  \"a\": [1, 2.50]\n}"), "x");
        assert!(line.contains(r#""body":{"a":[1,2.50]}"#), "{line}");
    }

    #[test]
    fn pretty_printing_keeps_order_and_numbers() {
        let got = pretty_json(
            br#"{"size":1e+19,"name":"x","n":[],"big":123456789012345678901234567890}"#,
        )
        .unwrap();
        assert_eq!(
            anstream::adapter::strip_str(&got).to_string(),
            "{\n  \"size\": 1e+19,\n  \"name\": \"x\",\n  \"n\": [],\n  \"big\": 123456789012345678901234567890\n}"
        );
        assert_eq!(pretty_json(b"not json"), None);
    }
}
