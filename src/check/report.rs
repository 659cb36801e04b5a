//! How `itemctl check` reports: a checklist for people (✓/✗ and colors on a
//! terminal, plain words when piped) and machine reports for CI (JSON,
//! JUnit XML, TAP 13).

use std::fmt::Write as _;

use colored::Colorize;

use crate::check::{CheckResult, Outcome, Tally};

/// A report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The checklist.
    Text,
    /// One JSON document.
    Json,
    /// JUnit XML.
    Junit,
    /// TAP version 13.
    Tap,
}

impl Format {
    /// The format a report file's extension suggests (`.json`, `.tap`;
    /// anything else is JUnit XML, what CI systems read most).
    pub fn for_path(path: &std::path::Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Format::Json,
            Some("tap") => Format::Tap,
            _ => Format::Junit,
        }
    }
}

/// Renders results in `format`. `url` is the server checked; `terminal`
/// picks ✓/✗ over words in the checklist (colors follow `colored`'s
/// override).
pub fn render(format: Format, url: &str, results: &[CheckResult], terminal: bool) -> String {
    match format {
        Format::Text => checklist(url, results, terminal),
        Format::Json => json(url, results),
        Format::Junit => junit(url, results),
        Format::Tap => tap(results),
    }
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The closing line: `N passed, M failed, K skipped`.
pub fn summary(t: Tally) -> String {
    format!(
        "{} passed, {} failed, {} skipped",
        t.passed, t.failed, t.skipped
    )
}

fn checklist(url: &str, results: &[CheckResult], terminal: bool) -> String {
    let width = results.iter().map(|r| r.def.name.len()).max().unwrap_or(0);
    let mut out = format!("itemctl check {url}\n");
    for r in results {
        let (mark, detail) = match (&r.outcome, terminal) {
            (Outcome::Pass(note), true) => ("✓".green().bold().to_string(), note.as_str()),
            (Outcome::Fail(why), true) => ("✗".red().bold().to_string(), why.as_str()),
            (Outcome::Skip(why), true) => ("-".yellow().to_string(), why.as_str()),
            (Outcome::Pass(note), false) => ("PASS".to_owned(), note.as_str()),
            (Outcome::Fail(why), false) => ("FAIL".to_owned(), why.as_str()),
            (Outcome::Skip(why), false) => ("SKIP".to_owned(), why.as_str()),
        };
        let name = format!("{:width$}", r.def.name);
        let name = if terminal {
            name.bold().to_string()
        } else {
            name
        };
        match &r.outcome {
            Outcome::Skip(_) => {
                let _ = writeln!(
                    out,
                    "{mark} {name}  {}",
                    format!("skipped: {detail}").dimmed()
                );
            }
            Outcome::Pass(_) => {
                let _ = writeln!(
                    out,
                    "{mark} {name}  {}  {}",
                    r.def.about,
                    format!("({:.1} ms)", ms(r.duration)).dimmed()
                );
            }
            Outcome::Fail(_) => {
                let _ = writeln!(
                    out,
                    "{mark} {name}  {}  ({:.1} ms)",
                    r.def.about,
                    ms(r.duration)
                );
                let _ = writeln!(
                    out,
                    "    {}",
                    if terminal {
                        detail.red().to_string()
                    } else {
                        detail.to_owned()
                    }
                );
            }
        }
    }
    out.push_str(&summary(Tally::of(results)));
    out.push('\n');
    out
}

fn json_str(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    crate::reference::render::write_text(&mut out, s);
    String::from_utf8_lossy(&out).into_owned()
}

fn json(url: &str, results: &[CheckResult]) -> String {
    let t = Tally::of(results);
    let checks: Vec<String> = results
        .iter()
        .map(|r| {
            let (status, message) = match &r.outcome {
                Outcome::Pass(m) => ("pass", m),
                Outcome::Fail(m) => ("fail", m),
                Outcome::Skip(m) => ("skip", m),
            };
            format!(
                "{{\"name\":{},\"about\":{},\"status\":\"{status}\",\"message\":{},\"duration_ms\":{:.3}}}",
                json_str(r.def.name),
                json_str(r.def.about),
                json_str(message),
                ms(r.duration)
            )
        })
        .collect();
    format!(
        "{{\"url\":{},\"passed\":{},\"failed\":{},\"skipped\":{},\"checks\":[{}]}}\n",
        json_str(url),
        t.passed,
        t.failed,
        t.skipped,
        checks.join(",")
    )
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot hold at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn junit(url: &str, results: &[CheckResult]) -> String {
    let t = Tally::of(results);
    let total: f64 = results.iter().map(|r| r.duration.as_secs_f64()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"itemctl check\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{total:.3}\">",
        results.len(),
        t.failed,
        t.skipped
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"itemctl check {}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{total:.3}\">",
        xml_escape(url),
        results.len(),
        t.failed,
        t.skipped
    );
    for r in results {
        let _ = write!(
            out,
            "    <testcase classname=\"itemctl.check\" name=\"{}\" time=\"{:.3}\"",
            xml_escape(r.def.name),
            r.duration.as_secs_f64()
        );
        match &r.outcome {
            Outcome::Pass(_) => out.push_str("/>\n"),
            Outcome::Fail(why) => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"contract\">{}</failure>\n    </testcase>",
                    xml_escape(why),
                    xml_escape(r.def.about)
                );
            }
            Outcome::Skip(why) => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    xml_escape(why)
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn yaml_str(s: &str) -> String {
    // A JSON string is a valid YAML flow scalar.
    json_str(s)
}

fn tap(results: &[CheckResult]) -> String {
    let mut out = format!("TAP version 13\n1..{}\n", results.len());
    for (i, r) in results.iter().enumerate() {
        let n = i + 1;
        match &r.outcome {
            Outcome::Pass(_) => {
                let _ = writeln!(out, "ok {n} - {}", r.def.name);
            }
            Outcome::Skip(why) => {
                let _ = writeln!(out, "ok {n} - {} # SKIP {why}", r.def.name);
            }
            Outcome::Fail(why) => {
                let _ = writeln!(out, "not ok {n} - {}", r.def.name);
                let _ = writeln!(
                    out,
                    "  ---\n  message: {}\n  duration_ms: {:.3}\n  ...",
                    yaml_str(why),
                    ms(r.duration)
                );
            }
        }
    }
    let t = Tally::of(results);
    let _ = writeln!(out, "# {}", summary(t));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{CHECKS, CheckResult};
    use std::time::Duration;

    fn sample() -> Vec<CheckResult> {
        vec![
            CheckResult {
                def: CHECKS[0],
                outcome: Outcome::Pass("201 Created".into()),
                duration: Duration::from_millis(2),
            },
            CheckResult {
                def: CHECKS[1],
                outcome: Outcome::Fail("expected 200 OK, got <201> & \"x\"".into()),
                duration: Duration::from_millis(3),
            },
            CheckResult {
                def: CHECKS[6],
                outcome: Outcome::Skip("pass --fastapi".into()),
                duration: Duration::ZERO,
            },
        ]
    }

    #[test]
    fn checklist_plain_and_summary() {
        colored::control::set_override(false);
        let text = render(Format::Text, "http://h", &sample(), false);
        assert!(
            text.starts_with("itemctl check http://h\nPASS create "),
            "{text}"
        );
        assert!(
            text.contains("FAIL update ") && text.contains("\n    expected 200 OK"),
            "{text}"
        );
        assert!(
            text.contains("SKIP coerce  skipped: pass --fastapi"),
            "{text}"
        );
        assert!(
            text.ends_with("\n1 passed, 1 failed, 1 skipped\n"),
            "{text}"
        );
    }

    #[test]
    fn junit_is_escaped_and_counts() {
        let xml = render(Format::Junit, "http://h?a&b", &sample(), false);
        assert!(
            xml.contains("tests=\"3\" failures=\"1\" skipped=\"1\""),
            "{xml}"
        );
        assert!(
            xml.contains("message=\"expected 200 OK, got &lt;201&gt; &amp; &quot;x&quot;\""),
            "{xml}"
        );
        assert!(
            xml.contains("<skipped message=\"pass --fastapi\"/>"),
            "{xml}"
        );
        assert!(xml.contains("name=\"itemctl check http://h?a&amp;b\""));
    }

    #[test]
    fn tap_13() {
        let tap = render(Format::Tap, "http://h", &sample(), false);
        assert!(
            tap.starts_with(
                "TAP version 13\n1..3\nok 1 - create\nnot ok 2 - update\n  ---\n  message: "
            ),
            "{tap}"
        );
        assert!(
            tap.contains("ok 3 - coerce # SKIP pass --fastapi\n"),
            "{tap}"
        );
    }

    #[test]
    fn json_parses_back() {
        let doc = render(Format::Json, "http://h", &sample(), false);
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(v["failed"], 1);
        assert_eq!(v["checks"][2]["status"], "skip");
        assert_eq!(
            Format::for_path(std::path::Path::new("r.xml")),
            Format::Junit
        );
        assert_eq!(Format::for_path(std::path::Path::new("r.tap")), Format::Tap);
    }
}
