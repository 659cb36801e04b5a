//! What a bench run measured, its verdict, and its text and `--json`
//! reports.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::contract::Upserted;

/// The version of the `--json` report's shape
/// (`docs/schemas/bench.schema.json`); fields are only added within a
/// version.
pub const JSON_VERSION: u32 = 1;

/// What a run measured.
#[derive(Clone, Debug)]
pub struct Report {
    /// The server.
    pub url: String,
    /// Whether it was the embedded server (no --url).
    pub embedded: bool,
    /// Concurrent connections.
    pub connections: usize,
    /// Distinct ids.
    pub ids: u64,
    /// The open-loop rate asked for, in requests per second (`None`:
    /// closed loop, as fast as answers come).
    pub rate: Option<u32>,
    /// Complete responses.
    pub requests: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Latency of complete responses, in microseconds; with a rate, from
    /// when each request was due.
    pub latency_us: Histogram<u64>,
    /// Responses by status code.
    pub statuses: BTreeMap<u16, u64>,
    /// Transport errors (connect, read, write, timeout, malformed response).
    pub errors: u64,
    /// Requests still unanswered when a duration run ended (`-d` and a
    /// second of grace, or `--timeout` if shorter): abandoned, not errors.
    pub abandoned: u64,
    /// The first transport error, for the report.
    pub first_error: Option<String>,
    /// Contract violations: a second 201 for an id, or 200s for an id that
    /// never got a 201.
    pub violations: u64,
    /// Whether Ctrl-C ended the run early.
    pub interrupted: bool,
    /// Whether 204 reports an update (the endpoint documents it).
    pub update_204: bool,
    /// The ids in words ([`crate::values::ids::BenchIds::describe`]).
    pub id_form: String,
    /// Why there are fewer ids than `--ids` asked for, if there are.
    pub ids_note: Option<String>,
    /// The endpoint: its path template (`/items/{item_id}`).
    pub path: String,
    /// Where the path (and the item) came from: the OpenAPI document's
    /// URL or file, or why they are the tutorial's.
    pub source: String,
    /// The request body sent with every upsert (JSON).
    pub body: Vec<u8>,
    /// Where the body came from: `--body`, `a valid item of the schema`, or
    /// `the tutorial's item` (no OpenAPI document).
    pub body_source: String,
    /// The first ids (by counter) that broke the contract, at most
    /// [`BROKEN_SHOWN`].
    pub broken: Vec<Broken>,
    /// How many ids broke the contract in all.
    pub broken_ids: u64,
}

/// How many ids that broke the contract a report names.
pub const BROKEN_SHOWN: usize = 5;

/// An id whose responses broke the contract: more than one 201, or 200s
/// and no 201.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// The id as sent (before percent-encoding).
    pub id: String,
    /// Its 201 responses.
    pub created: u64,
    /// Its 200 responses (and 204s where the endpoint documents them).
    pub updated: u64,
}

impl Broken {
    /// What happened, in words: `2 × 201 (a second 201)` or `3 × 200 and
    /// no 201 (updated, never created)`.
    pub fn what(&self) -> String {
        if self.created > 1 {
            format!(
                "{} × 201, {} × 200 (a second 201: created twice)",
                self.created, self.updated
            )
        } else {
            format!("{} × 200 and no 201 (updated, never created)", self.updated)
        }
    }
}

/// `n` with a comma between groups of three digits: `24,545`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A body for the report: compact JSON when it is JSON, cut to
/// [`BODY_SHOWN`] characters with `…`.
pub fn short_body(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => v.to_string(),
        Err(_) => String::from_utf8_lossy(body).escape_debug().to_string(),
    };
    if text.chars().count() > BODY_SHOWN {
        let cut: String = text.chars().take(BODY_SHOWN).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// How many characters of the body a report shows.
pub const BODY_SHOWN: usize = 100;

/// Latency figures, in milliseconds.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Latency {
    /// The mean.
    pub mean: f64,
    /// The median.
    pub p50: f64,
    /// The 90th percentile.
    pub p90: f64,
    /// The 95th percentile.
    pub p95: f64,
    /// The 99th percentile.
    pub p99: f64,
    /// The 99.9th percentile.
    pub p99_9: f64,
    /// The 99.99th percentile.
    pub p99_99: f64,
    /// The slowest.
    pub max: f64,
}

impl Report {
    /// Complete responses per second.
    pub fn requests_per_sec(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// 201 responses.
    pub fn created(&self) -> u64 {
        self.count(Upserted::Created.status_code())
    }

    /// 200 responses (and 204s where the endpoint documents them).
    pub fn updated(&self) -> u64 {
        self.count(Upserted::Replaced.status_code())
            + if self.update_204 { self.count(204) } else { 0 }
    }

    /// Whether `status` reports an upsert.
    fn is_upsert(&self, status: u16) -> bool {
        Upserted::from_status(status).is_some() || (self.update_204 && status == 204)
    }

    fn count(&self, status: u16) -> u64 {
        self.statuses.get(&status).copied().unwrap_or(0)
    }

    /// Responses that were neither 200 nor 201: outside the contract.
    pub fn outside_contract(&self) -> u64 {
        self.requests - self.created() - self.updated()
    }

    /// The latency figures, in milliseconds (rounded to microseconds).
    pub fn latency(&self) -> Latency {
        let h = &self.latency_us;
        let ms = |us: f64| (us).round() / 1000.0;
        let q = |q: f64| ms(h.value_at_quantile(q) as f64);
        Latency {
            mean: ms(h.mean()),
            p50: q(0.5),
            p90: q(0.9),
            p95: q(0.95),
            p99: q(0.99),
            p99_9: q(0.999),
            p99_99: q(0.9999),
            max: ms(h.max() as f64),
        }
    }

    /// What makes the run a failure, one line each; empty for a clean run:
    /// transport errors, responses outside the contract (anything but 200
    /// or 201 to an upsert), contract violations, no upsert at all.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.errors > 0 {
            out.push(format!(
                "{} transport errors (first: {})",
                self.errors,
                self.first_error.as_deref().unwrap_or("-")
            ));
        }
        let outside = self.outside_contract();
        if outside > 0 {
            let others: Vec<String> = self
                .statuses
                .iter()
                .filter(|(s, _)| !self.is_upsert(**s))
                .map(|(s, n)| format!("{s}: {n}"))
                .collect();
            out.push(format!(
                "{outside} of {} responses were outside the contract ({}): an upsert answers 200 or 201",
                self.requests,
                others.join(", ")
            ));
        }
        if self.violations > 0 {
            let first = self
                .broken
                .first()
                .map(|b| format!("; first: id {} got {}", b.id, b.what()))
                .unwrap_or_default();
            out.push(format!(
                "{} contract violations in {} ids (a second 201 for an id, or 200 for an id never created){first}",
                self.violations, self.broken_ids
            ));
        }
        if self.created() + self.updated() == 0 {
            out.push("no upsert succeeded (no 200 or 201 at all)".into());
        }
        out
    }

    fn target(&self) -> String {
        if self.embedded {
            format!("{} (embedded server)", self.url)
        } else {
            self.url.clone()
        }
    }

    /// The human report; `quiet`: only the `requests` line and the
    /// `result` lines.
    pub fn to_text(&self, quiet: bool) -> String {
        let l = self.latency();
        let statuses: Vec<String> = self
            .statuses
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect();
        let mode = match self.rate {
            Some(rate) => format!(", open loop at {rate} requests/s"),
            None => String::new(),
        };
        let mut out = String::new();
        if quiet {
            self.requests_line(&mut out);
            self.result_lines(&mut out);
            return out;
        }
        let _ = writeln!(
            out,
            "itemctl bench {}: {} connections, {} ids{mode}",
            self.target(),
            self.connections,
            thousands(self.ids)
        );
        let _ = writeln!(out, "endpoint    PUT {}", self.path);
        let _ = writeln!(out, "schema      {}", self.source);
        let _ = writeln!(
            out,
            "body        {} ({} bytes, {})",
            short_body(&self.body),
            self.body.len(),
            self.body_source
        );
        let _ = writeln!(out, "ids         {}", self.id_form);
        if let Some(note) = &self.ids_note {
            let _ = writeln!(out, "note        {note}");
        }
        if self.interrupted {
            out.push_str("interrupted (Ctrl-C): what was measured until then\n");
        }
        self.requests_line(&mut out);
        let _ = writeln!(
            out,
            "latency     mean {:.3} ms  p50 {:.3}  p90 {:.3}  p95 {:.3}  p99 {:.3}  p99.9 {:.3}  p99.99 {:.3}  max {:.3} ms",
            l.mean, l.p50, l.p90, l.p95, l.p99, l.p99_9, l.p99_99, l.max
        );
        out.push_str(&self.histogram_text());
        let _ = writeln!(
            out,
            "status      {}",
            if statuses.is_empty() {
                "-".to_owned()
            } else {
                statuses.join("  ")
            }
        );
        let _ = writeln!(
            out,
            "upserts     {} created (201), {} updated ({})",
            self.created(),
            self.updated(),
            if self.update_204 { "200 or 204" } else { "200" }
        );
        let _ = writeln!(out, "errors      {}", self.errors);
        if self.abandoned > 0 {
            let _ = writeln!(
                out,
                "abandoned   {} requests still unanswered when the run ended (-d and up to 1 s more)",
                self.abandoned
            );
        }
        let _ = writeln!(out, "violations  {}", self.violations);
        let width = self
            .broken
            .iter()
            .map(|b| b.id.chars().count())
            .max()
            .unwrap_or(0);
        for b in &self.broken {
            let _ = writeln!(out, "  id {:<width$}  {}", b.id, b.what());
        }
        let unnamed = self.broken_ids.saturating_sub(self.broken.len() as u64);
        if unnamed > 0 {
            let _ = writeln!(out, "  … and {unnamed} more ids");
        }
        if let Some(e) = &self.first_error {
            let _ = writeln!(out, "first error: {e}");
        }
        self.result_lines(&mut out);
        out
    }

    /// `requests    N in S s = R requests/s`, and with a rate that the
    /// run fell short of by more than 1%, what was asked.
    fn requests_line(&self, out: &mut String) {
        let rate = self.requests_per_sec();
        let short = match self.rate {
            Some(asked) if !self.interrupted && rate < 0.99 * f64::from(asked) => format!(
                " (asked {}/s: not reached; the server answered slower, or more -c would help)",
                thousands(u64::from(asked))
            ),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "requests    {} in {:.2} s = {} requests/s{short}",
            self.requests,
            self.elapsed.as_secs_f64(),
            thousands(rate.round() as u64)
        );
    }

    /// `result      ok: …`, or a `result      FAIL: …` line per problem.
    fn result_lines(&self, out: &mut String) {
        let problems = self.problems();
        if problems.is_empty() {
            out.push_str(if self.update_204 {
                "result      ok: every response was a 200, 201 or 204 within the contract\n"
            } else {
                "result      ok: every response was a 200 or 201 within the contract\n"
            });
        } else {
            for p in problems {
                let _ = writeln!(out, "result      FAIL: {p}");
            }
        }
    }

    /// Ten latency buckets from the fastest to the slowest response, each
    /// a constant factor wider than the last (log scale, so the tail shows
    /// beside the bulk), with a bar and a count; empty buckets are left
    /// out (each row names where its bucket starts).
    fn histogram_text(&self) -> String {
        let h = &self.latency_us;
        if h.is_empty() {
            return String::new();
        }
        let (low, high) = (h.min().max(1) as f64, (h.max().max(h.min() + 1)) as f64);
        let factor = (high / low).powf(0.1);
        let edge = |i: i32| (low * factor.powi(i)).round() as u64;
        let buckets: Vec<(u64, u64)> = (0..10)
            .map(|i| {
                let from = if i == 0 { h.min() } else { edge(i) + 1 };
                let to = if i == 9 { h.max() } else { edge(i + 1) };
                (
                    from,
                    if to >= from {
                        h.count_between(from, to)
                    } else {
                        0
                    },
                )
            })
            .collect();
        let most = buckets.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
        let mut out = String::from("histogram\n");
        for (from, n) in buckets.into_iter().filter(|(_, n)| *n > 0) {
            let width = usize::try_from(n * 40 / most).unwrap_or(40);
            let bar = width.max(1);
            let _ = writeln!(
                out,
                "  {:>10.3} ms  {:<40} {n}",
                from as f64 / 1000.0,
                "■".repeat(bar)
            );
        }
        out
    }

    /// The `--json` report: one JSON document and a newline.
    pub fn to_json(&self) -> String {
        let round = |v: f64, places: i32| {
            let scale = 10f64.powi(places);
            (v * scale).round() / scale
        };
        let doc = JsonReport {
            version: JSON_VERSION,
            url: &self.url,
            endpoint: JsonEndpoint {
                method: "PUT",
                path: &self.path,
                source: &self.source,
            },
            body: JsonBody {
                text: short_body(&self.body),
                bytes: self.body.len(),
                source: &self.body_source,
            },
            embedded: self.embedded,
            connections: self.connections,
            ids: self.ids,
            id_form: &self.id_form,
            ids_note: self.ids_note.as_deref(),
            rate_per_sec: self.rate,
            interrupted: self.interrupted,
            requests: self.requests,
            elapsed_s: round(self.elapsed.as_secs_f64(), 3),
            requests_per_sec: round(self.requests_per_sec(), 1),
            latency_ms: self.latency(),
            status: self
                .statuses
                .iter()
                .map(|(s, n)| (s.to_string(), *n))
                .collect(),
            created: self.created(),
            updated: self.updated(),
            outside_contract: self.outside_contract(),
            errors: self.errors,
            abandoned: self.abandoned,
            first_error: self.first_error.as_deref(),
            violations: self.violations,
            broken_ids: self.broken_ids,
            broken: self
                .broken
                .iter()
                .map(|b| JsonBroken {
                    id: &b.id,
                    created: b.created,
                    updated: b.updated,
                    what: b.what(),
                })
                .collect(),
            problems: self.problems(),
        };
        let mut text =
            serde_json::to_string(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
        text.push('\n');
        text
    }
}

/// The `--json` report (`docs/schemas/bench.schema.json`).
#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    url: &'a str,
    endpoint: JsonEndpoint<'a>,
    body: JsonBody<'a>,
    embedded: bool,
    connections: usize,
    ids: u64,
    id_form: &'a str,
    ids_note: Option<&'a str>,
    rate_per_sec: Option<u32>,
    interrupted: bool,
    requests: u64,
    elapsed_s: f64,
    requests_per_sec: f64,
    latency_ms: Latency,
    status: BTreeMap<String, u64>,
    created: u64,
    updated: u64,
    outside_contract: u64,
    errors: u64,
    abandoned: u64,
    first_error: Option<&'a str>,
    violations: u64,
    broken_ids: u64,
    broken: Vec<JsonBroken<'a>>,
    problems: Vec<String>,
}

/// The endpoint in the `--json` report.
#[derive(Serialize)]
struct JsonEndpoint<'a> {
    method: &'static str,
    path: &'a str,
    source: &'a str,
}

/// The body in the `--json` report.
#[derive(Serialize)]
struct JsonBody<'a> {
    text: String,
    bytes: usize,
    source: &'a str,
}

/// An id that broke the contract, in the `--json` report.
#[derive(Serialize)]
struct JsonBroken<'a> {
    id: &'a str,
    created: u64,
    updated: u64,
    what: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(statuses: &[(u16, u64)], errors: u64, violations: u64) -> Report {
        let mut latency_us = Histogram::new(3).unwrap();
        let mut requests = 0;
        for (i, (_, n)) in statuses.iter().enumerate() {
            for _ in 0..*n {
                latency_us.record(100 + 10 * i as u64).unwrap();
                requests += 1;
            }
        }
        Report {
            url: "http://h".into(),
            embedded: false,
            connections: 2,
            ids: 10,
            rate: None,
            requests,
            elapsed: Duration::from_secs(1),
            latency_us,
            statuses: statuses.iter().copied().collect(),
            errors,
            first_error: (errors > 0).then(|| "read: connection reset by peer".into()),
            abandoned: 0,
            update_204: false,
            violations,
            interrupted: false,
            id_form: "b-<n>, n from 0 to 9".into(),
            ids_note: None,
            path: "/items/{item_id}".into(),
            source: "http://h/openapi.json".into(),
            body: br#"{"name":"x","size":3}"#.to_vec(),
            body_source: "--body".into(),
            broken: Vec::new(),
            broken_ids: 0,
        }
    }

    #[test]
    fn a_clean_run_has_no_problem() {
        let r = report(&[(200, 90), (201, 10)], 0, 0);
        assert!(r.problems().is_empty(), "{:?}", r.problems());
        assert!(r.to_text(false).contains("result      ok"));
    }

    #[test]
    fn every_kind_of_failure_is_named() {
        let all_501 = report(&[(501, 200)], 0, 0);
        let p = all_501.problems();
        assert!(
            p[0].contains("200 of 200 responses were outside the contract (501: 200)"),
            "{p:?}"
        );
        assert!(p[1].contains("no upsert succeeded"), "{p:?}");
        let mut documented_204 = report(&[(204, 9), (201, 1)], 0, 0);
        assert!(!documented_204.problems().is_empty(), "204 undocumented");
        documented_204.update_204 = true;
        assert_eq!(documented_204.problems(), Vec::<String>::new());
        assert_eq!(documented_204.updated(), 9);
        let some_404 = report(&[(200, 5), (201, 5), (404, 1)], 0, 0);
        assert_eq!(some_404.problems().len(), 1);
        assert!(!report(&[(200, 9), (201, 1)], 3, 0).problems().is_empty());
        assert!(!report(&[(200, 9), (201, 1)], 0, 2).problems().is_empty());
        assert!(!report(&[], 0, 0).problems().is_empty());
    }

    #[test]
    fn latency_has_the_mean_and_the_tail() {
        let r = report(&[(200, 99), (201, 1)], 0, 0);
        let l = r.latency();
        assert!(l.mean > 0.099 && l.mean < 0.112, "{l:?}");
        assert!(l.p99_99 >= l.p99 && l.max >= l.p99_99 && l.p95 >= l.p50);
        let text = r.to_text(false);
        assert!(text.contains("p95 ") && text.contains("p99.99 ") && text.contains("mean "));
        let rows = text
            .lines()
            .filter(|l| l.starts_with("  ") && l.contains(" ms  "));
        assert_eq!(rows.count(), 2, "{text}");
    }

    #[test]
    fn the_histogram_has_no_empty_rows() {
        // 100 µs and 10 ms, nothing between: two rows, not ten.
        let mut r = report(&[(200, 90), (201, 10)], 0, 0);
        r.latency_us.reset();
        for _ in 0..90 {
            r.latency_us.record(100).unwrap();
        }
        for _ in 0..10 {
            r.latency_us.record(10_000).unwrap();
        }
        let text = r.to_text(false);
        let rows: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("  ") && l.contains(" ms  "))
            .collect();
        assert_eq!(rows.len(), 2, "{text}");
        assert!(
            rows[0].ends_with(" 90") && rows[1].ends_with(" 10"),
            "{rows:?}"
        );
    }

    #[test]
    fn the_report_names_the_endpoint_the_body_and_the_ids_that_broke_the_contract() {
        let mut r = report(&[(200, 90), (201, 12)], 0, 4);
        r.broken = vec![
            Broken {
                id: "b-3".into(),
                created: 3,
                updated: 9,
            },
            Broken {
                id: "b-7".into(),
                created: 0,
                updated: 1,
            },
        ];
        r.broken_ids = 3;
        let text = r.to_text(false);
        for line in [
            "endpoint    PUT /items/{item_id}\n",
            "schema      http://h/openapi.json\n",
            "body        {\"name\":\"x\",\"size\":3} (21 bytes, --body)\n",
            "violations  4\n  id b-3  3 × 201, 9 × 200 (a second 201: created twice)\n  id b-7  1 × 200 and no 201 (updated, never created)\n  … and 1 more ids\n",
            "result      FAIL: 4 contract violations in 3 ids (a second 201 for an id, or 200 for an id never created); first: id b-3 got 3 × 201, 9 × 200 (a second 201: created twice)\n",
        ] {
            assert!(text.contains(line), "{line:?} not in\n{text}");
        }
        let json: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(json["endpoint"]["path"], "/items/{item_id}");
        assert_eq!(json["body"]["bytes"], 21);
        assert_eq!(json["broken"][1]["id"], "b-7");
        assert_eq!(json["broken_ids"], 3);
        // Quiet: the requests and result lines only.
        let quiet = r.to_text(true);
        assert_eq!(quiet.lines().count(), 2, "{quiet}");
        assert!(
            quiet.starts_with("requests    102 in 1.00 s = 102 requests/s\n"),
            "{quiet}"
        );
        // An open loop that fell short of its rate says so; one that kept
        // it does not.
        let mut r = report(&[(201, 2), (200, 100)], 0, 0);
        r.rate = Some(1000);
        assert!(
            r.to_text(true).starts_with(
                "requests    102 in 1.00 s = 102 requests/s (asked 1,000/s: not reached;"
            ),
            "{}",
            r.to_text(true)
        );
        r.rate = Some(102);
        assert!(
            r.to_text(true)
                .starts_with("requests    102 in 1.00 s = 102 requests/s\n")
        );
    }

    #[test]
    fn long_bodies_and_rates_are_shortened() {
        assert_eq!(thousands(24_545), "24,545");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
        let long = format!("{{\"name\": \"{}\"}}", "x".repeat(300));
        let short = short_body(long.as_bytes());
        assert!(
            short.starts_with("{\"name\":\"xxx") && short.ends_with("x…"),
            "{short}"
        );
        assert_eq!(short.chars().count(), BODY_SHOWN + 1);
        assert_eq!(short_body(b"not\njson"), "not\\njson");
    }
}
