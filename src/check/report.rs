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
    /// The format a report file's extension names: `.xml` or `.junit`
    /// JUnit XML, `.json`, `.tap` (any case); `None` for anything else.
    pub fn for_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "xml" | "junit" => Some(Format::Junit),
            "json" => Some(Format::Json),
            "tap" => Some(Format::Tap),
            _ => None,
        }
    }
}

/// What a report describes: the server, and the results or why there are
/// none.
#[derive(Clone, Copy, Debug)]
pub struct Run<'a> {
    /// The base URL checked.
    pub url: &'a str,
    /// Whether it was the embedded server (no --url).
    pub embedded: bool,
    /// The item path checked (`/items/{item_id}`, `--path`, or the one
    /// the OpenAPI document describes).
    pub path: &'a str,
    /// Where the path and item shape came from: the OpenAPI document's
    /// URL or file, or why they are the tutorial's.
    pub source: &'a str,
    /// The item shape the bodies were made from
    /// (`User {email*: string(email), age: integer = 0}`).
    pub shape: &'a str,
    /// The id, when there is more to say than "text": its path parameter
    /// and rules (`slug (text, 3 to 64 characters, pattern ^[a-z0-9-]+$)`,
    /// `order_id (integer)`); empty otherwise.
    pub id: &'a str,
    /// The results, in the order the checks ran (those before `error`).
    pub results: &'a [CheckResult],
    /// Why the run could not start, or stopped: the server could not be
    /// reached (before the first check when `results` is empty).
    pub error: Option<&'a str>,
}

impl Run<'_> {
    /// `http://… (embedded server)` or the URL.
    fn target(&self) -> String {
        let mut target = self.url.to_owned();
        if self.embedded {
            target.push_str(" (embedded server)");
        }
        target
    }

    /// `endpoint: PUT /path`, `id: ID` (when there is one to show),
    /// `item: SHAPE` and `schema: SOURCE`, once known.
    fn endpoint_lines(&self) -> Option<String> {
        if self.shape.is_empty() {
            return None;
        }
        let id = if self.id.is_empty() {
            String::new()
        } else {
            format!("id: {}\n", self.id)
        };
        Some(format!(
            "endpoint: PUT {}\n{id}item: {}\nschema: {}\n",
            self.path, self.shape, self.source
        ))
    }
}

/// How the checklist looks.
#[derive(Clone, Copy, Debug, Default)]
pub struct Look {
    /// ✓/✗ instead of PASS/FAIL.
    pub terminal: bool,
    /// Only failed checks and the summary line.
    pub quiet: bool,
}

/// Renders a run in `format`. The checklist carries ANSI styles; write it
/// through an `anstream` stream, which drops them where color is off.
pub fn render(format: Format, run: &Run<'_>, look: Look) -> String {
    match format {
        Format::Text => checklist(run, look),
        Format::Json => json(run),
        Format::Junit => junit(run),
        Format::Tap => tap(run),
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

fn checklist(run: &Run<'_>, look: Look) -> String {
    let (results, terminal) = (run.results, look.terminal);
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
    let mut out = if look.quiet {
        String::new()
    } else {
        format!(
            "itemctl check {}\n{}",
            run.target(),
            run.endpoint_lines().unwrap_or_default()
        )
    };
    if let Some(error) = run.error
        && results.is_empty()
    {
        let _ = writeln!(out, "{}", paint(red, &format!("no check ran: {error}")));
    }
    let mut shown = 0;
    while let Some(r) = results.get(shown) {
        shown += 1;
        if look.quiet && !matches!(r.outcome, Outcome::Fail(_)) {
            continue;
        }
        // Checks skipped in a row for one reason share a line.
        if let Outcome::Skip(why) = &r.outcome {
            let mut names = vec![r.check.name()];
            while let Some(next) = results.get(shown)
                && matches!(&next.outcome, Outcome::Skip(w) if w == why)
            {
                names.push(next.check.name());
                shown += 1;
            }
            if names.len() > 1 {
                let mark = if terminal {
                    paint(yellow, "-")
                } else {
                    "SKIP".to_owned()
                };
                let names = names.join(", ");
                let names = if terminal { paint(bold, &names) } else { names };
                let _ = writeln!(
                    out,
                    "{mark} {names}  {}",
                    paint(dim, &format!("skipped: {why}"))
                );
                continue;
            }
        }
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
    if let Some(error) = run.error
        && !results.is_empty()
    {
        let _ = writeln!(out, "{}", paint(red, &format!("stopped: {error}")));
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
    path: &'a str,
    source: &'a str,
    shape: &'a str,
    id: Option<&'a str>,
    embedded: bool,
    error: Option<&'a str>,
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

fn json(run: &Run<'_>) -> String {
    let (results, t) = (run.results, Tally::of(run.results));
    let report = JsonReport {
        version: JSON_VERSION,
        url: run.url,
        path: run.path,
        source: run.source,
        shape: run.shape,
        id: (!run.id.is_empty()).then_some(run.id),
        embedded: run.embedded,
        error: run.error,
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

fn junit(run: &Run<'_>) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let results = run.results;
    let mut suite = TestSuite::new(format!("itemctl check {}", run.target()));
    suite.add_property(("url", run.url));
    suite.add_property(("path", run.path));
    suite.add_property(("source", run.source));
    suite.add_property(("shape", run.shape));
    if !run.id.is_empty() {
        suite.add_property(("id", run.id));
    }
    suite.add_property(("embedded", if run.embedded { "true" } else { "false" }));
    let total: std::time::Duration = results.iter().map(|r| r.duration).sum();
    suite.set_time(total);
    if let Some(error) = run.error {
        // A JUnit error (not a failure): the suite could not run at all.
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(error).set_type("unreachable");
        let mut case = TestCase::new("server", status);
        case.set_classname("itemctl.check");
        suite.add_test_case(case);
    }
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

fn tap(run: &Run<'_>) -> String {
    let results = run.results;
    if let Some(error) = run.error
        && results.is_empty()
    {
        return format!("TAP version 13\n1..0\nBail out! {error}\n");
    }
    let mut out = format!("TAP version 13\n1..{}\n", results.len());
    if let Some(lines) = run.endpoint_lines() {
        for line in lines.lines() {
            let _ = writeln!(out, "# {line}");
        }
    }
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
    if let Some(error) = run.error {
        let _ = writeln!(out, "Bail out! {error}");
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

    fn run(results: &[CheckResult]) -> Run<'_> {
        Run {
            url: "http://h?a&b",
            embedded: false,
            path: "/items/{item_id}",
            source: "http://127.0.0.1:8000/openapi.json",
            shape: "Item {name: string?, size: integer?}",
            id: "",
            results,
            error: None,
        }
    }

    #[test]
    fn checklist_plain_and_summary() {
        let sample = sample();
        let text = render(
            Format::Text,
            &Run {
                url: "http://h",
                ..run(&sample)
            },
            Look::default(),
        );
        let text = anstream::adapter::strip_str(&text).to_string();
        assert!(
            text.starts_with(
                "itemctl check http://h\nendpoint: PUT /items/{item_id}\nitem: Item {name: string?, size: integer?}\nschema: http://127.0.0.1:8000/openapi.json\nPASS create "
            ),
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
        let sample = sample();
        let xml = render(Format::Junit, &run(&sample), Look::default());
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
        let sample = sample();
        let tap = render(Format::Tap, &run(&sample), Look::default());
        assert!(
            tap.starts_with(
                "TAP version 13\n1..3\n# endpoint: PUT /items/{item_id}\n# item: Item {name: string?, size: integer?}\n# schema: http://127.0.0.1:8000/openapi.json\nok 1 - create\nnot ok 2 - update\n  ---\n  message: "
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
        let sample = sample();
        let doc = render(Format::Json, &run(&sample), Look::default());
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        assert_eq!(v["failed"], 1);
        assert_eq!(v["checks"][2]["status"], "skip");
        assert_eq!(v["embedded"], false);
        assert_eq!(v["error"], serde_json::Value::Null);
    }

    #[test]
    fn report_files_name_their_format() {
        let f = |p: &str| Format::for_path(std::path::Path::new(p));
        assert_eq!(f("r.xml"), Some(Format::Junit));
        assert_eq!(f("R.XML"), Some(Format::Junit));
        assert_eq!(f("r.json"), Some(Format::Json));
        assert_eq!(f("r.tap"), Some(Format::Tap));
        assert_eq!(f("report"), None);
        assert_eq!(f("r.txt"), None);
    }

    #[test]
    fn an_unreachable_server_is_still_reported() {
        let down = Run {
            url: "http://h",
            embedded: false,
            path: "/items/{item_id}",
            source: "http://127.0.0.1:8000/openapi.json",
            shape: "Item {name: string?, size: integer?}",
            id: "",
            results: &[],
            error: Some("cannot connect to http://h: connection refused"),
        };
        let xml = render(Format::Junit, &down, Look::default());
        let report = quick_junit::Report::deserialize_from_str(&xml).expect("JUnit XML");
        assert_eq!((report.tests, report.failures, report.errors), (1, 0, 1));
        let tap = render(Format::Tap, &down, Look::default());
        assert!(tap.contains("Bail out! cannot connect"), "{tap}");
        let json: serde_json::Value =
            serde_json::from_str(&render(Format::Json, &down, Look::default())).unwrap();
        assert_eq!(
            json["error"],
            "cannot connect to http://h: connection refused"
        );
        let text = render(Format::Text, &down, Look::default());
        assert!(text.contains("no check ran: cannot connect"), "{text}");
    }

    #[test]
    fn the_embedded_server_is_named_and_quiet_shows_failures_only() {
        let sample = sample();
        let embedded = Run {
            embedded: true,
            ..run(&sample)
        };
        let text = render(Format::Text, &embedded, Look::default());
        assert!(
            text.starts_with("itemctl check http://h?a&b (embedded server)\n"),
            "{text}"
        );
        let quiet = anstream::adapter::strip_str(&render(
            Format::Text,
            &embedded,
            Look {
                terminal: false,
                quiet: true,
            },
        ))
        .to_string();
        assert!(
            quiet.starts_with("FAIL update ") && !quiet.contains("PASS") && !quiet.contains("SKIP"),
            "{quiet}"
        );
        assert!(
            quiet.ends_with("1 passed, 1 failed, 1 skipped\n"),
            "{quiet}"
        );
        let json = render(Format::Json, &embedded, Look::default());
        assert!(json.contains(r#""embedded":true"#), "{json}");
    }
}
