//! How `itemctl check` reports: a checklist for people (✓/✗ and colors on a
//! terminal, plain words when piped) and machine reports for CI: JSON (a
//! versioned shape, `docs/schemas/check.schema.json`), JUnit XML (through
//! quick-junit) and TAP 13.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use crate::check::{CheckResult, Outcome, Tally};

/// The version of the JSON report's shape; fields are only added within a
/// version.
pub const JSON_VERSION: u32 = 1;

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
/// picks ✓/✗ over words in the checklist. The checklist carries ANSI
/// styles; write it through an `anstream` stream, which drops them where
/// color is off.
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

/// `text` in `style` (ANSI codes around it).
fn paint(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

fn checklist(url: &str, results: &[CheckResult], terminal: bool) -> String {
    let green = Style::new().fg_color(Some(AnsiColor::Green.into())).bold();
    let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
    let yellow = Style::new().fg_color(Some(AnsiColor::Yellow.into()));
    let dim = Style::new().dimmed();
    let bold = Style::new().bold();
    let width = results
        .iter()
        .map(|r| r.check.name().len())
        .max()
        .unwrap_or(0);
    let mut out = format!("itemctl check {url}\n");
    for r in results {
        let mark = match (&r.outcome, terminal) {
            (Outcome::Pass(_), true) => paint(green, "✓"),
            (Outcome::Fail(_), true) => paint(red.bold(), "✗"),
            (Outcome::Skip(_), true) => paint(yellow, "-"),
            (Outcome::Pass(_), false) => "PASS".to_owned(),
            (Outcome::Fail(_), false) => "FAIL".to_owned(),
            (Outcome::Skip(_), false) => "SKIP".to_owned(),
        };
        let name = format!("{:width$}", r.check.name());
        let name = if terminal { paint(bold, &name) } else { name };
        let took = format!("({:.1} ms)", ms(r.duration));
        match &r.outcome {
            Outcome::Skip(why) => {
                let _ = writeln!(
                    out,
                    "{mark} {name}  {}",
                    paint(dim, &format!("skipped: {why}"))
                );
            }
            Outcome::Pass(_) => {
                let _ = writeln!(
                    out,
                    "{mark} {name}  {}  {}",
                    r.check.about(),
                    paint(dim, &took)
                );
            }
            Outcome::Fail(why) => {
                let _ = writeln!(out, "{mark} {name}  {}  {took}", r.check.about());
                let _ = writeln!(
                    out,
                    "    {}",
                    if terminal {
                        paint(red, why)
                    } else {
                        why.clone()
                    }
                );
            }
        }
    }
    out.push_str(&summary(Tally::of(results)));
    out.push('\n');
    out
}

/// The JSON report (`docs/schemas/check.schema.json`).
#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    url: &'a str,
    passed: usize,
    failed: usize,
    skipped: usize,
    checks: Vec<JsonCheck<'a>>,
}

/// One check in the JSON report.
#[derive(Serialize)]
struct JsonCheck<'a> {
    name: &'static str,
    about: &'static str,
    status: &'static str,
    message: &'a str,
    duration_ms: f64,
}

fn json(url: &str, results: &[CheckResult]) -> String {
    let t = Tally::of(results);
    let report = JsonReport {
        version: JSON_VERSION,
        url,
        passed: t.passed,
        failed: t.failed,
        skipped: t.skipped,
        checks: results
            .iter()
            .map(|r| {
                let (status, message) = match &r.outcome {
                    Outcome::Pass(m) => ("pass", m.as_str()),
                    Outcome::Fail(m) => ("fail", m.as_str()),
                    Outcome::Skip(m) => ("skip", m.as_str()),
                };
                JsonCheck {
                    name: r.check.name(),
                    about: r.check.about(),
                    status,
                    message,
                    // Rounded to microseconds, as the text says.
                    duration_ms: (ms(r.duration) * 1000.0).round() / 1000.0,
                }
            })
            .collect(),
    };
    let mut doc =
        serde_json::to_string(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    doc.push('\n');
    doc
}

fn junit(url: &str, results: &[CheckResult]) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut suite = TestSuite::new(format!("itemctl check {url}"));
    let total: std::time::Duration = results.iter().map(|r| r.duration).sum();
    suite.set_time(total);
    for r in results {
        let status = match &r.outcome {
            Outcome::Pass(_) => TestCaseStatus::success(),
            Outcome::Fail(why) => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(why.as_str())
                    .set_type("contract")
                    .set_description(r.check.about());
                s
            }
            Outcome::Skip(why) => {
                let mut s = TestCaseStatus::skipped();
                s.set_message(why.as_str());
                s
            }
        };
        let mut case = TestCase::new(r.check.name(), status);
        case.set_classname("itemctl.check").set_time(r.duration);
        suite.add_test_case(case);
    }
    let mut report = Report::new("itemctl check");
    report.set_time(total).add_test_suite(suite);
    report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- cannot render the JUnit report: {e} -->\n"))
}

fn tap(results: &[CheckResult]) -> String {
    let mut out = format!("TAP version 13\n1..{}\n", results.len());
    for (i, r) in results.iter().enumerate() {
        let n = i + 1;
        let name = r.check.name();
        match &r.outcome {
            Outcome::Pass(_) => {
                let _ = writeln!(out, "ok {n} - {name}");
            }
            Outcome::Skip(why) => {
                let _ = writeln!(out, "ok {n} - {name} # SKIP {why}");
            }
            Outcome::Fail(why) => {
                // A JSON string is a valid YAML flow scalar.
                let message = serde_json::to_string(why).unwrap_or_default();
                let _ = writeln!(out, "not ok {n} - {name}");
                let _ = writeln!(
                    out,
                    "  ---\n  message: {message}\n  duration_ms: {:.3}\n  ...",
                    ms(r.duration)
                );
            }
        }
    }
    let _ = writeln!(out, "# {}", summary(Tally::of(results)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{Check, CheckResult};
    use std::time::Duration;

    fn sample() -> Vec<CheckResult> {
        vec![
            CheckResult {
                check: Check::Create,
                outcome: Outcome::Pass("201 Created".into()),
                duration: Duration::from_millis(2),
            },
            CheckResult {
                check: Check::Update,
                outcome: Outcome::Fail("expected 200 OK, got <201> & \"x\"".into()),
                duration: Duration::from_millis(3),
            },
            CheckResult {
                check: Check::Coerce,
                outcome: Outcome::Skip("pass --fastapi".into()),
                duration: Duration::ZERO,
            },
        ]
    }

    #[test]
    fn checklist_plain_and_summary() {
        let text = render(Format::Text, "http://h", &sample(), false);
        let text = anstream::adapter::strip_str(&text).to_string();
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
    fn junit_parses_back_with_counts_and_messages() {
        use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
        let xml = render(Format::Junit, "http://h?a&b", &sample(), false);
        assert!(xml.contains("http://h?a&amp;b"), "{xml}");
        let report = Report::deserialize_from_str(&xml).expect("well-formed JUnit XML");
        assert_eq!((report.tests, report.failures, report.errors), (3, 1, 0));
        let suite = &report.test_suites[0];
        assert_eq!(suite.name.as_str(), "itemctl check http://h?a&b");
        assert_eq!(suite.skipped, 1);
        let names: Vec<&str> = suite.test_cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["create", "update", "coerce"]);
        match &suite.test_cases[1].status {
            TestCaseStatus::NonSuccess {
                kind: NonSuccessKind::Failure,
                message,
                ..
            } => assert_eq!(
                message.as_ref().map(|m| m.as_str()),
                Some("expected 200 OK, got <201> & \"x\"")
            ),
            other => panic!("update should fail, got {other:?}"),
        }
        assert!(matches!(
            &suite.test_cases[2].status,
            TestCaseStatus::Skipped { message: Some(m), .. } if m.as_str() == "pass --fastapi"
        ));
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
