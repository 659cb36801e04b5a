//! `itemctl bench`: counts, contract violations and exit codes.

use crate::support::broken::{self, Flaw};
use crate::support::scripted::Scripted;
use crate::support::{ServeProcess, TestServer, itemctl};

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
    // The ids are named, with what happened to each.
    assert_eq!(r["broken_ids"], 5, "{r}");
    let first = &r["broken"][0];
    assert!(first["id"].as_str().unwrap().starts_with("bench-"), "{r}");
    assert_eq!(first["created"], 0);
    assert!(
        first["what"]
            .as_str()
            .unwrap()
            .ends_with("and no 201 (updated, never created)"),
        "{r}"
    );
    // The report says what it sent where.
    assert_eq!(r["endpoint"]["path"], "/items/{item_id}");
    // No document: the tutorial's item, said so (not "of the schema").
    assert_eq!(r["body"]["source"], "the tutorial's item");
    let problems = r["problems"].to_string();
    assert!(
        problems.contains("in 5 ids") && problems.contains("; first: id bench-"),
        "{r}"
    );
}

#[test]
fn q_is_quiet_and_capital_r_the_rate() {
    let server = TestServer::start();
    itemctl()
        .args(["bench", "--url", &server.url, "-n", "200", "-c", "2", "-q"])
        .args(["--body", r#"{"name":"q"}"#])
        .stdout_where(predicates::function::function(|out: &str| {
            out.lines().count() == 2
                && out.starts_with("requests    200 in ")
                && out.ends_with(
                    "result      ok: every response was a 200 or 201 within the contract\n",
                )
        }))
        .run();
    let r = json_report(
        &["--url", &server.url, "-n", "100", "-c", "2", "-R", "2000"],
        0,
    );
    assert_eq!(
        (r["rate_per_sec"].as_u64(), r["requests"].as_u64()),
        (Some(2000), Some(100))
    );
    // Without -q: where the load went, and with what.
    itemctl()
        .args(["bench", "--url", &server.url, "-n", "20", "-c", "1"])
        .args(["--body", r#"{"name":"q"}"#])
        .stdout_where(predicates::function::function(|out: &str| {
            out.contains("\nendpoint    PUT /items/{item_id}\n")
                && out.contains("\nbody        {\"name\":\"q\"} (12 bytes, --body)\n")
        }))
        .run();
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

#[test]
fn ids_are_drawn_from_a_pattern_no_counted_form_fits() {
    // The codes service of tests/services: `Path(pattern=r"^\p{Lu}\p{Ll}{2,6}-\w{2}\.\d$")`,
    // served from its document, which refuses (422) any id outside it.
    let doc = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/fixtures/codes.openapi.json"
    );
    let serve = ServeProcess::start(&["--quiet", "--openapi", doc]);
    let r = json_report(
        &["--url", &serve.url, "-n", "400", "-c", "4", "--ids", "50"],
        0,
    );
    assert_eq!(
        (r["requests"].as_u64(), r["ids"].as_u64()),
        (Some(400), Some(50)),
        "{r}"
    );
    assert_eq!(
        r["status"].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["200", "201"],
        "{r}"
    );
    assert_eq!(r["violations"], 0, "{r}");
    let form = r["id_form"].as_str().unwrap();
    assert!(
        form.starts_with(r"50 drawn from the pattern ^\p{Lu}"),
        "{form}"
    );
    assert_eq!(r["ids_note"], serde_json::Value::Null);
}

#[test]
fn a_pattern_with_fewer_ids_than_asked_uses_them_all_and_says_so() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/fixtures/codes.openapi.json"
    ))
    .unwrap()
    .replace(
        r#""^\\p{Lu}\\p{Ll}{2,6}-\\w{2}\\.\\d$""#,
        r#""^[A-C]-[0-2]$""#,
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), doc).unwrap();
    let serve = ServeProcess::start(&["--quiet", "--openapi", file.path().to_str().unwrap()]);
    let r = json_report(
        &["--url", &serve.url, "-n", "200", "-c", "2", "--ids", "100"],
        0,
    );
    assert_eq!(r["ids"], 9, "{r}");
    assert_eq!(r["created"], 9, "{r}");
    assert!(
        r["ids_note"].as_str().unwrap().starts_with(
            "9 ids of the --ids 100 asked for: the pattern ^[A-C]-[0-2]$ gave no more"
        ),
        "{r}"
    );
}

/// An OpenAPI document of one upsert, `PUT /things/{key}`, whose path
/// parameter has `schema`.
fn things_doc(schema: serde_json::Value) -> tempfile::NamedTempFile {
    let doc = serde_json::json!({
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/things/{key}": {"put": {
            "parameters": [{"name": "key", "in": "path", "required": true, "schema": schema}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object", "required": ["name"],
                "properties": {"name": {"type": "string"}}}}}},
            "responses": {"200": {"description": "OK"}}}}}
    });
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), doc.to_string()).unwrap();
    file
}

#[test]
fn ids_an_earlier_run_used_are_no_violation_of_a_second_run() {
    // A correct server, run against twice: bounded integer ids (fewer than
    // --ids's 100,000) and a pattern with few ids come again.
    for (schema, note) in [
        (
            serde_json::json!({"type": "integer", "minimum": 1, "maximum": 500}),
            "500 ids of the --ids 100000 asked for: the path parameter admits only the integers 1 to 500; the ids are the integers from 1 up, the same in every run",
        ),
        (
            serde_json::json!({"type": "string", "pattern": "^[a-z]{2,8}-[0-9]{1,4}$"}),
            "the pattern ^[a-z]{2,8}-[0-9]{1,4}$ admits few enough ids that an earlier run's come again",
        ),
    ] {
        let doc = things_doc(schema);
        let serve = ServeProcess::start(&["--quiet", "--openapi", doc.path().to_str().unwrap()]);
        for run in 0..2 {
            let r = json_report(&["--url", &serve.url, "-n", "3000", "-c", "8"], 0);
            assert_eq!(r["violations"], 0, "run {run}: {r}");
            assert!(r["ids_note"].as_str().unwrap().starts_with(note), "{r}");
        }
    }
}

#[test]
fn a_server_that_never_answers_is_a_timeout_per_request() {
    let silent = Scripted::silent();
    let r = json_report(
        &[
            "--url",
            &silent.url,
            "-n",
            "2",
            "-c",
            "1",
            "--timeout",
            "200ms",
        ],
        1,
    );
    assert_eq!(
        (r["requests"].as_u64(), r["errors"].as_u64()),
        (Some(0), Some(2)),
        "{r}"
    );
    assert_eq!(r["first_error"], "no response within 200ms");
}

#[test]
fn a_duration_run_ends_soon_after_d_when_nothing_answers() {
    // --timeout 30s, -d 1s: the requests in flight get one second more,
    // then they are abandoned as errors (the run once lasted --timeout).
    let silent = Scripted::silent();
    let doc = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/it/fixtures/codes.openapi.json"
    );
    let started = std::time::Instant::now();
    let r = json_report(
        &[
            "--url",
            &silent.url,
            "--openapi",
            doc,
            "-d",
            "1s",
            "-c",
            "2",
            "--timeout",
            "30s",
        ],
        1,
    );
    assert_eq!(
        (
            r["requests"].as_u64(),
            r["errors"].as_u64(),
            r["abandoned"].as_u64()
        ),
        (Some(0), Some(0), Some(2)),
        "{r}"
    );
    // Not a speed target: a bound far below the 30 s it took before.
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn a_slow_correct_server_is_not_failed_for_what_the_end_of_d_cut_off() {
    // Each answer takes 2.5 s: by the end of -d 3s each connection has
    // one answer and one request on its way, abandoned a second later:
    // counted as abandoned, not as errors, and the run is green.
    let serve = ServeProcess::start(&["--quiet", "--delay", "2500ms"]);
    let r = json_report(&["--url", &serve.url, "-d", "3s", "-c", "2"], 0);
    assert_eq!(
        (
            r["requests"].as_u64(),
            r["errors"].as_u64(),
            r["abandoned"].as_u64()
        ),
        (Some(2), Some(0), Some(2)),
        "{r}"
    );
}

#[test]
fn ctrl_c_while_the_document_is_fetched_exits_130_at_once() {
    let silent = Scripted::silent();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("itemctl"))
        .args([
            "bench",
            "--url",
            &silent.url,
            "--timeout",
            "60s",
            "-d",
            "1s",
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    crate::support::signal(child.id(), "INT");
    let mut waited = 0;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        waited += 1;
        if waited > 200 {
            let _ = child.kill();
            panic!("bench went on for 20 s after Ctrl-C (the document's GET has 60 s)");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let out = child.wait_with_output().unwrap();
    assert_eq!(status.code(), Some(130), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
}

#[test]
fn zero_requests_is_a_usage_error() {
    itemctl()
        .args(["bench", "--embedded", "-n", "0"])
        .code(2)
        .stderr_has("invalid value '0' for '--requests <REQUESTS>'")
        .run();
}

#[test]
fn close_delimited_and_chunked_answers_are_read() {
    // HTTP/1.0 without a length: the body ends when the server closes.
    let old = Scripted::answering("HTTP/1.0 201 Created\r\n\r\n{\"name\":\"x\"}");
    let r = json_report(&["--url", &old.url, "-n", "1", "-c", "1", "--ids", "1"], 0);
    assert_eq!(
        (r["created"].as_u64(), r["errors"].as_u64()),
        (Some(1), Some(0)),
        "{r}"
    );
    // An interim 100, then a chunked 201 with a trailer.
    let chunked = Scripted::answering(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\nx-t: 1\r\n\r\n",
    );
    let r = json_report(
        &["--url", &chunked.url, "-n", "1", "-c", "1", "--ids", "1"],
        0,
    );
    assert_eq!(
        (r["created"].as_u64(), r["errors"].as_u64()),
        (Some(1), Some(0)),
        "{r}"
    );
}

#[test]
fn ctrl_c_reports_what_was_measured_and_exits_130() {
    let server = TestServer::start();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("itemctl"))
        .args([
            "bench",
            "--url",
            &server.url,
            "-c",
            "4",
            "-d",
            "60s",
            "--json",
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    crate::support::signal(child.id(), "INT");
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["interrupted"], true);
    assert!(r["requests"].as_u64().unwrap() > 0, "{r}");
    assert_eq!(
        (r["errors"].as_u64(), r["violations"].as_u64()),
        (Some(0), Some(0)),
        "{r}"
    );
}

#[test]
fn an_open_loop_sends_every_request_due_before_the_end() {
    // 400/s on 4 connections for 1 s: each sends every 10 ms from its
    // start (0, 2.5, 5 and 7.5 ms), the last ones due at 990 to 997.5 ms.
    let server = TestServer::start();
    let r = json_report(
        &["--url", &server.url, "-R", "400", "-d", "1s", "-c", "4"],
        0,
    );
    assert_eq!(
        (r["requests"].as_u64(), r["errors"].as_u64()),
        (Some(400), Some(0)),
        "{r}"
    );
}

#[test]
fn a_counted_open_loop_ends_when_its_last_request_is_answered() {
    // 100/s on 64 connections: each sends every 640 ms. The 100th request
    // is due at 990 ms; the run once went on until each idle connection's
    // next due time found the count taken (1.6 s: a rate of 62/s).
    let server = TestServer::start();
    let r = json_report(
        &["--url", &server.url, "-R", "100", "-n", "100", "-c", "64"],
        0,
    );
    assert_eq!(r["requests"], 100, "{r}");
    let elapsed = r["elapsed_s"].as_f64().unwrap();
    assert!((0.95..1.3).contains(&elapsed), "{r}");
}

#[test]
fn a_document_without_an_upsert_gives_the_tutorials_item_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("none.json");
    std::fs::write(
        &doc,
        r#"{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{}}"#,
    )
    .unwrap();
    let r = json_report(
        &["--embedded", "--openapi", doc.to_str().unwrap(), "-n", "50"],
        0,
    );
    assert_eq!(r["body"]["source"], "the tutorial's item", "{r}");
}
