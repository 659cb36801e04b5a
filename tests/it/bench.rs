//! `itemctl bench`: counts, contract violations and exit codes.

use crate::support::broken::{self, Flaw};
use crate::support::{TestServer, itemctl};

/// bench's JSON report; a failed run (exit 1) also says why on stderr.
fn json_report(args: &[&str], code: i32) -> serde_json::Value {
    let run = itemctl().arg("bench").args(args).arg("--json");
    let run = if code == 1 {
        run.stderr_has("itemctl: bench failed: ")
    } else {
        run
    };
    run.json(code)
}

#[test]
fn a_correct_server_gives_a_clean_report() {
    let server = TestServer::start();
    let r = json_report(
        &[
            "--url",
            &server.url,
            "-n",
            "3000",
            "-c",
            "8",
            "--ids",
            "200",
        ],
        0,
    );
    assert_eq!(r["requests"], 3000);
    assert_eq!(r["errors"], 0);
    assert_eq!(r["violations"], 0);
    // Every id that was hit was created exactly once.
    let created = r["created"].as_u64().unwrap();
    assert!(created > 0 && created <= 200, "{r}");
    assert_eq!(created + r["updated"].as_u64().unwrap(), 3000);
    assert!(r["latency_ms"]["p99"].as_f64().unwrap() >= r["latency_ms"]["p50"].as_f64().unwrap());
}

#[test]
fn the_embedded_server_is_measured_without_url() {
    let r = json_report(&["-n", "500", "-c", "4"], 0);
    assert_eq!(r["requests"], 500);
    assert!(r["url"].as_str().unwrap().starts_with("http://127.0.0.1:"));
}

#[test]
fn double_creates_are_violations() {
    let url = broken::start(Flaw::RacyInsert);
    let r = json_report(&["--url", &url, "-n", "64", "-c", "16", "--ids", "2"], 1);
    assert!(r["violations"].as_u64().unwrap() > 0, "{r}");
}

#[test]
fn updates_without_a_create_are_violations() {
    let url = broken::start(Flaw::AlwaysOk);
    let r = json_report(&["--url", &url, "-n", "50", "-c", "2", "--ids", "5"], 1);
    assert_eq!(r["violations"], 50, "{r}");
}

#[test]
fn unreachable_is_exit_3() {
    let port = crate::support::unused_port();
    itemctl()
        .args([
            "bench",
            "--url",
            &format!("http://127.0.0.1:{port}"),
            "-n",
            "10",
        ])
        .code(3)
        .stderr_has("connection refused")
        .run();
}
