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

use crate::cli::{Parts, PutArgs};
use crate::client::{self, Event, Exchange, Outgoing};

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

/// Writes the request as it goes on the wire (the parts asked for): the
/// request line and headers styled, then the body.
///
/// # Errors
/// The writer's.
pub fn write_request(
    out: &mut impl std::io::Write,
    req: &Outgoing,
    parts: Parts,
) -> std::io::Result<()> {
    let name = color(AnsiColor::Cyan);
    if parts.request_head {
        writeln!(
            out,
            "{} {} HTTP/1.1",
            paint(color(AnsiColor::Green).bold(), req.method),
            paint(Style::new().bold(), &req.target)
        )?;
        for (k, v) in &req.headers {
            writeln!(out, "{}: {v}", paint(name, k))?;
        }
    }
    if parts.request_body {
        if parts.request_head {
            writeln!(out)?;
        }
        out.write_all(&req.body)?;
        if !req.body.ends_with(b"\n") {
            writeln!(out)?;
        }
    }
    out.flush()
}

/// Writes a response's status line and headers, styled.
///
/// # Errors
/// The writer's.
pub fn write_response_head(out: &mut impl std::io::Write, ex: &Exchange) -> std::io::Result<()> {
    writeln!(
        out,
        "{} {}",
        paint(Style::new().bold(), &ex.version),
        status_line(ex.status, ex.reason)
    )?;
    for (k, v) in &ex.headers {
        writeln!(out, "{}: {v}", paint(color(AnsiColor::Cyan), k))?;
    }
    out.flush()
}

/// Treats a closed stdout (`| head`) as done, not as an error: the reader
/// has what it wanted, and the verdict stands.
///
/// # Errors
/// Any other write error.
pub fn ignore_closed_pipe(result: std::io::Result<()>) -> std::io::Result<()> {
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// `text` quoted for a POSIX shell: as it is when it is plain, else in
/// single quotes; bytes a single-quoted string cannot show (control
/// characters) in bash's `$'…'`.
fn shell_quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return text.to_owned();
    }
    if text.chars().any(|c| c.is_control()) {
        let mut out = String::from("$'");
        for c in text.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        out.push_str(&format!("\\x{b:02x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('\'');
        return out;
    }
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The curl command that sends the same request: method, URL (with the
/// query), the headers curl would not send by itself (an empty value as
/// curl's `Name;`), an empty `Name:` for each header curl adds but put
/// leaves out (content-type, user-agent), the body (`@FILE` and `@-` kept
/// as such), and the timeout, redirect and retry flags. put's own
/// user-agent is left to curl's.
pub fn curl_command(req: &Outgoing, body_arg: Option<&str>, args: &PutArgs) -> String {
    let mut words = vec![
        "curl".to_owned(),
        "-X".into(),
        "PUT".into(),
        shell_quote(&req.url),
    ];
    // An id `.` or `..` is a dot segment curl would squash away.
    let path = req.target.split(['?', '#']).next().unwrap_or("");
    if path.split('/').any(|seg| seg == "." || seg == "..") {
        words.push("--path-as-is".into());
    }
    let authority = req
        .url
        .split_once("://")
        .map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""));
    let has = |name: &str| req.headers.iter().any(|(k, _)| k == name);
    for (k, v) in &req.headers {
        let curls_own = match k.as_str() {
            "host" => v == authority,
            "content-length" => true,
            "accept" => v == "*/*",
            "user-agent" => v == client::AGENT,
            _ => false,
        };
        if curls_own {
            continue;
        }
        words.push("-H".into());
        words.push(shell_quote(&if v.is_empty() {
            format!("{k};")
        } else {
            format!("{k}: {v}")
        }));
    }
    // curl sends these unless told not to; put does not.
    for name in ["content-type", "user-agent"] {
        if !has(name) {
            words.push("-H".into());
            words.push(shell_quote(&format!("{name}:")));
        }
    }
    words.push("--data-binary".into());
    match body_arg {
        Some(arg) if arg == "-" || arg.starts_with('@') => words.push(shell_quote(arg)),
        _ => words.push(shell_quote(&String::from_utf8_lossy(&req.body))),
    }
    words.push("--max-time".into());
    words.push(args.timeout.timeout.as_secs_f64().to_string());
    if args.follow {
        words.push("-L".into());
    }
    if args.retry > 0 {
        words.push("--retry".into());
        words.push(args.retry.to_string());
        words.push("--retry-connrefused".into());
    }
    words.join(" ")
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

/// The most bytes of a body `check -v` shows (the rest is counted).
const TRACE_BODY_CAP: usize = 2048;

/// `check -v`: each note (`* check create`) and each exchange as one block
/// on stderr, as Hurl's `--verbose` shows them: `>` the request line and
/// headers, then the body; `<` the status line and headers, then the body
/// (bodies over 2 KiB cut, with the rest counted).
pub fn stderr_tracer(choice: anstream::ColorChoice) -> crate::client::Tracer {
    crate::client::Tracer(std::sync::Arc::new(move |event: Event<'_>| {
        use std::io::Write;
        let mut block = String::new();
        match event {
            Event::Note(note) => block.push_str(&format!("* {note}\n")),
            Event::Exchange(t) => {
                block.push_str(&format!("> {} {}\n", t.method, t.url));
                for (k, v) in &t.request_headers {
                    block.push_str(&format!("> {k}: {v}\n"));
                }
                trace_body(&mut block, t.request_body);
                match &t.response {
                    Ok(a) => {
                        let reason = http::StatusCode::from_u16(a.status)
                            .ok()
                            .and_then(|s| s.canonical_reason())
                            .unwrap_or("");
                        block.push_str(&format!("< {}\n", status_line(a.status, reason)));
                        for (k, v) in &a.headers {
                            block.push_str(&format!("< {k}: {v}\n"));
                        }
                        trace_body(&mut block, a.body);
                    }
                    Err(why) => {
                        let red = color(AnsiColor::Red).bold();
                        block.push_str(&format!(
                            "< {}\n",
                            paint(red, &format!("no response: {why}"))
                        ));
                    }
                }
                block.push('\n');
            }
        }
        let mut stderr = anstream::AutoStream::new(std::io::stderr().lock(), choice);
        let _ = stderr.write_all(block.as_bytes());
        let _ = stderr.flush();
    }))
}

/// A body in a trace block: as text (lossy), cut at [`TRACE_BODY_CAP`].
fn trace_body(block: &mut String, body: &[u8]) {
    if body.is_empty() {
        return;
    }
    let shown = &body[..body.len().min(TRACE_BODY_CAP)];
    block.push_str(&String::from_utf8_lossy(shown));
    if body.len() > shown.len() {
        block.push_str(&format!("… ({} more bytes)", body.len() - shown.len()));
    }
    block.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn exchange(body: &[u8]) -> Exchange {
        Exchange {
            version: "HTTP/1.1".into(),
            status: 201,
            reason: "Created",
            headers: vec![("content-type".into(), "application/json".into())],
            body: bytes::Bytes::copy_from_slice(body),
            elapsed: Duration::from_micros(1900),
        }
    }

    #[test]
    fn print_letters_pick_the_parts() {
        assert_eq!(
            Parts::from_flags(None, true),
            Parts {
                request_head: true,
                request_body: true,
                response_head: true,
                response_body: true
            }
        );
        let default = Parts::from_flags(None, false);
        assert!(default.response_body && !default.response_head && !default.request_head);
        let h = Parts::from_flags(Parts::parse("h").ok(), false);
        assert!(h.response_head && !h.response_body);
    }

    #[test]
    fn shell_quoting_survives_a_shell() {
        assert_eq!(shell_quote("http://h:1/items/a"), "http://h:1/items/a");
        assert_eq!(
            shell_quote("{\"name\":\"it's\"}"),
            "'{\"name\":\"it'\\''s\"}'"
        );
        assert_eq!(shell_quote("a\nb"), "$'a\\nb'");
        // Run them through sh: they must come back as they were.
        for text in [
            "plain",
            "sp ace",
            "it's",
            "{\"a\": [1, 2]}",
            "$HOME `x` \\ \"q\"",
            "é ☃",
        ] {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", shell_quote(text)))
                .output()
                .expect("sh");
            assert_eq!(String::from_utf8_lossy(&out.stdout), text);
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
