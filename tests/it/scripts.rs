//! What shell scripts in CI rely on: start-up that cannot hang, no green
//! result when nothing worked, reports that are always written, ids that
//! reach the server as themselves, errors that name the real cause, and a
//! closed pipe that is no error. Each test here failed on the main of
//! 2026-11-21.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::broken::{self, Flaw};
use crate::support::{Scripted, ServeProcess, TestServer, itemctl, unused_port};

/// A server's answer: 201 with an empty object.
const CREATED: &str = "HTTP/1.1 201 Created\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("itemctl")
}

// ---- start-up: serve --url-file, wait --url-file, --host names ----

#[test]
fn url_file_then_wait_gives_the_url_and_the_file_goes_with_serve() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("serve.url");
    let mut serve = Command::new(bin())
        .args(["serve", "--port", "0", "--quiet", "--url-file"])
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let out = itemctl()
        .args(["wait", "--timeout", "20s", "--url-file"])
        .arg(&file)
        .args(["--pid", &serve.id().to_string()])
        .stdout_any()
        .stderr_has(" answers (after ")
        .run();
    let url = String::from_utf8(out.stdout).unwrap();
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with('\n'),
        "{url:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("{url}pid {}\n", serve.id()),
        "the URL, then the process that wrote it"
    );
    itemctl()
        .args(["put", "fresh", "--url", url.trim(), "--expect", "created"])
        .stdout(concat!(r#"{"name":null,"size":null}"#, "\n"))
        .stderr("201 Created\n")
        .run();
    crate::support::signal(serve.id(), "TERM");
    assert!(serve.wait().unwrap().success());
    assert!(!file.exists(), "serve leaves no stale URL file behind");
}

#[test]
fn a_serve_that_fails_at_start_up_ends_wait_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("serve.url");
    let mut serve = Command::new(bin())
        .args([
            "serve",
            "--port",
            "0",
            "--seed",
            "/nonexistent/seed.json",
            "--url-file",
        ])
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    itemctl()
        .args(["wait", "--timeout", "30s", "--url-file"])
        .arg(&file)
        .args(["--pid", &serve.id().to_string()])
        .code(3)
        .stderr_has("exited before writing")
        .run();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(serve.wait().unwrap().code(), Some(2));
    // Without --pid the timeout still ends it.
    let started = Instant::now();
    itemctl()
        .args(["wait", "--timeout", "500ms", "--url-file"])
        .arg(dir.path().join("never.url"))
        .code(3)
        .stderr_has("did not appear")
        .run();
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn host_takes_a_host_name() {
    let mut serve = ServeProcess::start(&["--host", "localhost", "--quiet"]);
    itemctl()
        .args(["put", "h", "--url", &serve.url, "--expect", "created"])
        .stdout(concat!(r#"{"name":null,"size":null}"#, "\n"))
        .stderr("201 Created\n")
        .run();
    assert!(serve.terminate().success());
    itemctl()
        .args(["serve", "--host", "no-such-host.invalid", "--port", "0"])
        .code(2)
        .stderr_has("neither an IP address nor a host name")
        .run();
}

// ---- no silent green ----

#[test]
fn bench_fails_when_responses_are_outside_the_contract() {
    let not_implemented = Scripted::answering(
        "HTTP/1.1 501 Not Implemented\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    );
    let doc = itemctl()
        .args([
            "bench",
            "--url",
            &not_implemented.url,
            "-n",
            "40",
            "-c",
            "2",
            "--json",
        ])
        .stderr_has("itemctl: bench failed: 40 of 40 responses were outside the contract")
        .json(1);
    assert_eq!(doc["outside_contract"], 40);
    let problems = doc["problems"].to_string();
    assert!(
        problems.contains("outside the contract (501: 40)")
            && problems.contains("no upsert succeeded"),
        "{problems}"
    );
    // A wrong prefix: every answer is the server's 404.
    let server = TestServer::start();
    itemctl()
        .args([
            "bench",
            "--url",
            &format!("{}/items", server.url),
            "-n",
            "20",
            "-c",
            "1",
        ])
        .code(1)
        .stdout_has("result      FAIL: 20 of 20 responses were outside the contract (404: 20)")
        .stderr_has("itemctl: bench failed: ")
        .run();
}

#[test]
fn the_embedded_server_is_named_and_refused_in_ci() {
    itemctl()
        .args(["check", "--only", "create"])
        .stdout_has("(embedded server)\n")
        .stdout_has("PASS create")
        .run();
    for cmd in [&["check"][..], &["bench", "-n", "10"]] {
        itemctl()
            .args(cmd)
            .env("CI", "true")
            .code(2)
            .stderr_has("$CI is set")
            .run();
    }
    itemctl()
        .args(["check", "--embedded", "--only", "create"])
        .env("CI", "true")
        .stdout_has("(embedded server)\n")
        .stdout_has("PASS create")
        .run();
    let doc = itemctl()
        .args(["bench", "--embedded", "-n", "20", "-c", "2", "--json"])
        .env("CI", "true")
        .json(0);
    assert_eq!(doc["embedded"], true);
}

#[test]
fn a_check_that_ran_no_check_is_an_error() {
    let server = TestServer::start();
    itemctl()
        .args(["check", "--url", &server.url, "--only", "coerce"])
        .code(2)
        .stdout_has("SKIP coerce")
        .stderr_has("no check ran: coerce (a pydantic behaviour: pass --fastapi to check it)")
        .run();
}

// ---- reports ----

#[test]
fn the_report_file_follows_its_extension() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("check.xml");
    itemctl()
        .args([
            "check",
            "--url",
            &server.url,
            "--only",
            "create",
            "--format",
            "tap",
            "--report",
        ])
        .arg(&xml)
        .stdout_has("TAP version 13")
        .run();
    let text = std::fs::read_to_string(&xml).unwrap();
    quick_junit::Report::deserialize_from_str(&text).expect("JUnit XML, not TAP");
    itemctl()
        .args(["check", "--url", &server.url, "--report", "check.txt"])
        .code(2)
        .stderr_has("FILE.xml (JUnit), FILE.json or FILE.tap")
        .run();
}

#[test]
fn an_unreachable_server_still_gets_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("check.xml");
    let url = format!("http://127.0.0.1:{}", unused_port());
    itemctl()
        .args(["check", "--url", &url, "--report"])
        .arg(&xml)
        .code(3)
        .stderr_has("connection refused")
        .run();
    let report = quick_junit::Report::deserialize_from_str(&std::fs::read_to_string(&xml).unwrap())
        .expect("JUnit XML");
    assert_eq!(report.errors, 1);
    let doc = itemctl()
        .args(["check", "--url", &url, "--format", "json"])
        .stderr_has("connection refused")
        .json(3);
    // Nothing was discovered: no path is claimed.
    assert_eq!(doc["path"], "", "{doc}");
    assert!(
        doc["error"]
            .as_str()
            .unwrap()
            .contains("connection refused")
    );
}

#[test]
fn an_unwritable_report_is_a_usage_error_naming_the_path() {
    let server = TestServer::start();
    itemctl()
        .args([
            "check",
            "--url",
            &server.url,
            "--only",
            "create",
            "--report",
            "/nonexistent/dir/check.xml",
        ])
        // Found before any check runs.
        .code(2)
        .stderr_has("cannot write the report to /nonexistent/dir/check.xml")
        .run();
}

// ---- ids and sizes ----

#[test]
fn every_id_reaches_the_server_as_itself() {
    let server = TestServer::start();
    let long = "x".repeat(70_000);
    for id in [
        ".",
        "..",
        "%2e",
        "a b",
        "?#",
        "é☃",
        "%",
        "\\",
        long.as_str(),
    ] {
        let put = || {
            itemctl().args([
                "put",
                id,
                "--name",
                "n",
                "--url",
                &server.url,
                "--expect",
                "created",
            ])
        };
        // A 70 KB head is taken only when it arrives in one read (h11's
        // 16 KiB limit on an incomplete head, checked per read: the serve
        // is faithful to it), and loopback under load may split the
        // write: then the server refuses it, and the PUT is tried again.
        for _ in 0..4 {
            if id.len() < 16 * 1024 || server.app.store().get(id).is_some() {
                break;
            }
            let out = put().output_unchecked();
            if out.status.code() != Some(0) {
                eprintln!(
                    "a {}-byte id was refused once: {}",
                    id.len(),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        if server.app.store().get(id).is_none() {
            put()
                .stdout(concat!(r#"{"name":"n","size":null}"#, "\n"))
                .stderr("201 Created\n")
                .run();
        }
        assert!(
            server.app.store().get(id).is_some(),
            "{id:?} not stored as itself"
        );
    }
}

#[test]
fn an_id_with_a_slash_warns() {
    let server = TestServer::start();
    // serve, like the reference, answers 404: Starlette routes the decoded path.
    itemctl()
        .args(["put", "a/b", "--url", &server.url])
        .code(4)
        .stdout("{\"detail\":\"Not Found\"}\n")
        .stderr_has("decodes %2F before routing")
        .run();
}

#[test]
fn size_takes_only_json_integers() {
    for size in ["007", "+3", "1.5"] {
        itemctl()
            .args(["put", "x", "--size", size])
            .env("ITEMCTL_URL", "http://127.0.0.1:9")
            .code(2)
            .stderr_has(&format!(
                "error: invalid value '{size}' for '--size <SIZE>'"
            ))
            .run();
    }
    itemctl()
        .args(["put", "x", "--size", "007", "--url", "http://127.0.0.1:9"])
        .code(2)
        .stderr_has("--body")
        .run();
}

// ---- pipes ----

fn piped_into_head(args: &[&str], head: &[&str]) -> (Option<i32>, String) {
    let mut producer = Command::new(bin())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = producer.stdout.take().unwrap();
    let mut head = Command::new("head")
        .args(head)
        .stdin(stdout)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    head.wait().unwrap();
    let mut stderr = String::new();
    producer
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (producer.wait().unwrap().code(), stderr)
}

#[test]
fn a_closed_pipe_ends_quietly() {
    for _ in 0..5 {
        for (args, head) in [
            (&["completions", "fish"][..], &["-c1"][..]),
            (&["completions", "bash"], &["-c1"]),
            (&["man"], &["-n1"]),
        ] {
            let (code, stderr) = piped_into_head(args, head);
            assert_eq!(code, Some(0), "{args:?}: {stderr}");
            assert!(stderr.is_empty(), "{args:?}: {stderr}");
        }
    }
    let big = Scripted::answering(format!(
        "HTTP/1.1 200 OK\r\ncontent-length: {0}\r\nconnection: close\r\n\r\n{1}",
        1 << 20,
        "a".repeat(1 << 20)
    ));
    let (code, stderr) = piped_into_head(&["put", "x", "--url", &big.url], &["-c1"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
}

// ---- seeing what is sent ----

#[test]
fn verbose_shows_the_request_and_the_response_head() {
    let server = TestServer::start();
    itemctl()
        .args(["put", "v", "--name", "x", "--url", &server.url, "-v"])
        .stdout("{\"name\":\"x\",\"size\":null}\n")
        .stderr_has("PUT /items/v HTTP/1.1\n")
        .stderr_has("content-type: application/json\n")
        .stderr_has("content-length: 12\n")
        .stderr_has("\n{\"name\":\"x\"}\n")
        .stderr_has("HTTP/1.1 201 Created\n")
        .stderr_has("server: uvicorn\n")
        .run();
    itemctl()
        .args(["put", "v", "--url", &server.url, "--print", "h"])
        .stderr_has("content-type: application/json")
        .run();
}

#[test]
fn dry_run_and_curl_send_nothing() {
    // They read the OpenAPI document (a GET) as a real send does, and send
    // no PUT. The server has no document (404): the default path, and
    // nothing to warn about.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let server = Scripted::start(move |req, stream| {
        log.lock()
            .unwrap()
            .push(format!("{} {}", req.method, req.target));
        let _ = std::io::Write::write_all(
            stream,
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        );
    });
    itemctl()
        .args([
            "put",
            "a b",
            "--name",
            "it's",
            "--url",
            &server.url,
            "--dry-run",
        ])
        .stdout_has("PUT /items/a%20b HTTP/1.1")
        .run();
    let out = itemctl()
        .args([
            "put",
            "a b",
            "--name",
            "it's",
            "--url",
            &server.url,
            "--curl",
        ])
        .stdout_any()
        .run();
    let curl = String::from_utf8(out.stdout).unwrap();
    assert!(
        curl.starts_with(&format!(
            "curl -X PUT {}/items/a%20b -H 'content-type: application/json' --data-binary ",
            server.url
        )),
        "{curl}"
    );
    // The quoting survives a shell: the body comes back as sent.
    let echoed = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "printf %s {}",
            curl.split("--data-binary ")
                .nth(1)
                .unwrap()
                .split(" --max-time")
                .next()
                .unwrap()
        ))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&echoed.stdout),
        r#"{"name":"it's"}"#
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(
        *seen.lock().unwrap(),
        ["GET /openapi.json", "GET /openapi.json"],
        "a PUT was sent"
    );
}

// ---- bench: Ctrl-C, open loop, headers, the proxy ----

#[test]
fn ctrl_c_in_bench_prints_what_was_measured() {
    let server = TestServer::start();
    let child = Command::new(bin())
        .args(["bench", "--url", &server.url, "-d", "30s", "-c", "2"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    let started = Instant::now();
    crate::support::signal(child.id(), "INT");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert!(started.elapsed() < Duration::from_secs(3));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("interrupted (Ctrl-C)") && report.contains("requests "),
        "{report}"
    );
}

#[test]
fn open_loop_rate_and_headers() {
    let server = TestServer::start();
    let started = Instant::now();
    let doc = itemctl()
        .args([
            "bench",
            "--url",
            &server.url,
            "-R",
            "200",
            "-d",
            "1s",
            "-c",
            "4",
            "--json",
        ])
        .json(0);
    assert!(started.elapsed() >= Duration::from_millis(900));
    let requests = doc["requests"].as_u64().unwrap();
    assert!(
        (150..=210).contains(&requests),
        "{requests} requests at 200/s for 1 s"
    );
    assert_eq!(doc["rate_per_sec"], 200);
    let (echo, seen) = Scripted::recording(CREATED);
    itemctl()
        .args([
            "bench",
            "--url",
            &echo.url,
            "-n",
            "3",
            "-c",
            "1",
            "-H",
            "Authorization: Bearer t",
            "--ids",
            "1000000",
        ])
        .stdout_has("status      201: 3\n")
        .run();
    let seen = seen.lock().unwrap();
    // Discovery (GET /openapi.json), then the three upserts.
    assert_eq!(seen.len(), 4);
    assert_eq!(seen[0].target, "/openapi.json");
    assert!(
        seen.iter()
            .all(|r| r.header("authorization") == Some("Bearer t")),
        "{seen:?}"
    );
}

#[test]
fn bench_uses_the_proxy_like_put_and_names_it_when_it_refuses() {
    let (proxy, seen) = Scripted::recording(CREATED);
    itemctl()
        .args([
            "bench",
            "--url",
            "http://upstream.test:8000",
            "-n",
            "2",
            "-c",
            "1",
            "--ids",
            "1000000",
        ])
        .env("http_proxy", &proxy.url)
        .stdout_has("status      201: 2\n")
        .run();
    let targets: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.target.clone())
        .collect();
    assert_eq!(targets[0], "http://upstream.test:8000/openapi.json");
    assert!(
        targets[1..]
            .iter()
            .all(|t| t.starts_with("http://upstream.test:8000/items/bench-")),
        "{targets:?}"
    );
    let dead = format!("http://127.0.0.1:{}", unused_port());
    for cmd in [&["put", "x"][..], &["bench", "-n", "1"]] {
        itemctl()
            .args(cmd)
            .args(["--url", "http://upstream.test:8000"])
            .env("http_proxy", &dead)
            .code(3)
            .stderr_has(&format!("cannot connect to the proxy {dead}"))
            .run();
    }
}

// ---- errors that name the real cause ----

#[test]
fn a_url_without_a_scheme_says_so() {
    for url in ["127.0.0.1:8000", "localhost:8000"] {
        itemctl()
            .args(["put", "x", "--url", url])
            .code(2)
            .stderr_has(&format!("no scheme; write it as http://{url}"))
            .run();
    }
}

#[test]
fn tls_to_a_plain_http_port_says_so() {
    // A plain-HTTP server answers the ClientHello with a 400, as uvicorn does.
    let server = Scripted::greeting(
        "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    );
    let https = server.url.replace("http://", "https://");
    itemctl()
        .args(["put", "x", "--url", &https])
        .code(3)
        .stderr_has("does not speak TLS")
        .run();
}

#[test]
fn connected_but_no_answer_is_not_a_connect_failure() {
    let closer = Scripted::start(|_, _| {});
    itemctl()
        .args(["put", "x", "--url", &closer.url])
        .code(3)
        .stderr_has("closed the connection without answering")
        .run();
    let garbage = Scripted::answering("SSH-2.0-OpenSSH_9.2\r\n\r\n");
    itemctl()
        .args(["put", "x", "--url", &garbage.url])
        .code(3)
        .stderr_has("the answer is not HTTP")
        .run();
    itemctl()
        .args(["wait", "--url", &garbage.url, "--timeout", "300ms"])
        .code(3)
        .stderr_has("the answer is not HTTP")
        .run();
}

#[test]
fn a_bad_environment_value_names_the_variable() {
    itemctl()
        .args(["serve"])
        .env("ITEMCTL_PORT", "abc")
        .code(2)
        .stderr_has("ITEMCTL_PORT")
        .run();
}

#[test]
fn a_server_that_never_says_201_is_not_blamed_for_storing() {
    let url = broken::start(Flaw::AlwaysOk);
    itemctl()
        .args(["check", "--url", &url, "--only", "invalid"])
        .code(1)
        .stdout_has("a fresh id gets 200 too")
        .run();
}

#[test]
fn a_missing_seed_file_names_its_cause_once() {
    itemctl()
        .args(["serve", "--port", "0", "--seed", "/nonexistent/seed.json"])
        .code(2)
        .stderr("itemctl: cannot read the --seed file /nonexistent/seed.json: No such file or directory (os error 2)\n")
        .run();
}

// ---- --quiet ----

#[test]
fn quiet_leaves_only_the_data() {
    let server = TestServer::start();
    itemctl()
        .args(["put", "q", "--url", &server.url, "--quiet"])
        .stderr("")
        .stdout("{\"name\":null,\"size\":null}\n")
        .run();
    itemctl()
        .args(["wait", "--url", &server.url, "--quiet"])
        .stderr("")
        .stdout(format!("{}\n", server.url))
        .run();
    itemctl()
        .args(["check", "--url", &server.url, "--quiet"])
        .stdout("9 passed, 0 failed, 2 skipped\n")
        .run();
}
