//! What a bench run measured, and its text and `--json` reports.

use std::collections::BTreeMap;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// The version of the `--json` report's shape
/// (`docs/schemas/bench.schema.json`); fields are only added within a
/// version.
pub const JSON_VERSION: u32 = 1;

/// What a run measured.
#[derive(Clone, Debug)]
pub struct Report {
    /// The server.
    pub url: String,
    /// Concurrent connections.
    pub connections: usize,
    /// Distinct ids.
    pub ids: u64,
    /// Complete responses.
    pub requests: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Latency of complete responses, in microseconds.
    pub latency_us: Histogram<u64>,
    /// Responses by status code.
    pub statuses: BTreeMap<u16, u64>,
    /// 201 responses.
    pub created: u64,
    /// 200 responses.
    pub updated: u64,
    /// Transport errors (connect, read, write, timeout, malformed response).
    pub errors: u64,
    /// The first transport error, for the report.
    pub first_error: Option<String>,
    /// Contract violations: a second 201 for an id, or 200s for an id that
    /// never got a 201.
    pub violations: u64,
}

impl Report {
    /// Complete responses per second.
    pub fn requests_per_sec(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The latency at quantile `q` (0..=1), in milliseconds.
    pub fn latency_ms(&self, q: f64) -> f64 {
        self.latency_us.value_at_quantile(q) as f64 / 1000.0
    }

    /// p50, p90, p99, p99.9 and max latency, in milliseconds.
    pub fn latency_summary(&self) -> [f64; 5] {
        [
            self.latency_ms(0.5),
            self.latency_ms(0.9),
            self.latency_ms(0.99),
            self.latency_ms(0.999),
            self.latency_us.max() as f64 / 1000.0,
        ]
    }

    /// Whether the run saw no error and no violation.
    pub fn is_clean(&self) -> bool {
        self.errors == 0 && self.violations == 0
    }

    /// The human report.
    pub fn to_text(&self) -> String {
        let [p50, p90, p99, p999, max] = self.latency_summary();
        let statuses: Vec<String> = self
            .statuses
            .iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect();
        let mut out = format!(
            "itemctl bench {}: {} connections, {} ids\n\
             requests    {} in {:.2} s = {:.0} requests/s\n\
             latency     p50 {:.3} ms  p90 {:.3} ms  p99 {:.3} ms  p99.9 {:.3} ms  max {:.3} ms\n\
             status      {}\n\
             upserts     {} created (201), {} updated (200)\n\
             errors      {}\n\
             violations  {}\n",
            self.url,
            self.connections,
            self.ids,
            self.requests,
            self.elapsed.as_secs_f64(),
            self.requests_per_sec(),
            p50,
            p90,
            p99,
            p999,
            max,
            if statuses.is_empty() {
                "-".to_owned()
            } else {
                statuses.join("  ")
            },
            self.created,
            self.updated,
            self.errors,
            self.violations,
        );
        if let Some(e) = &self.first_error {
            out.push_str(&format!("first error: {e}\n"));
        }
        out
    }

    /// The `--json` report: one JSON document and a newline.
    pub fn to_json(&self) -> String {
        let [p50, p90, p99, p99_9, max] = self.latency_summary();
        let round = |v: f64, places: i32| {
            let scale = 10f64.powi(places);
            (v * scale).round() / scale
        };
        let doc = JsonReport {
            version: JSON_VERSION,
            url: &self.url,
            connections: self.connections,
            ids: self.ids,
            requests: self.requests,
            elapsed_s: round(self.elapsed.as_secs_f64(), 3),
            requests_per_sec: round(self.requests_per_sec(), 1),
            latency_ms: JsonLatency {
                p50: round(p50, 3),
                p90: round(p90, 3),
                p99: round(p99, 3),
                p99_9: round(p99_9, 3),
                max: round(max, 3),
            },
            status: self
                .statuses
                .iter()
                .map(|(s, n)| (s.to_string(), *n))
                .collect(),
            created: self.created,
            updated: self.updated,
            errors: self.errors,
            first_error: self.first_error.as_deref(),
            violations: self.violations,
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
    connections: usize,
    ids: u64,
    requests: u64,
    elapsed_s: f64,
    requests_per_sec: f64,
    latency_ms: JsonLatency,
    status: BTreeMap<String, u64>,
    created: u64,
    updated: u64,
    errors: u64,
    first_error: Option<&'a str>,
    violations: u64,
}

/// Latency percentiles in the `--json` report, in milliseconds.
#[derive(Serialize)]
struct JsonLatency {
    p50: f64,
    p90: f64,
    p99: f64,
    p99_9: f64,
    max: f64,
}
