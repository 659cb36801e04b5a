//! `itemctl serve`: the real binary for start-up, logging, seeds and
//! signals; an in-process server for the wire details.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use crate::support::{RawResponse, Req, ServeProcess, TestServer, itemctl};
use predicates::prelude::*;

#[test]
fn port_zero_prints_the_bound_url_and_logs_requests() {
    let mut serve = ServeProcess::start(&[]);
    itemctl()
        .args(["put", "foo", "--name", "x", "--url", &serve.url])
        .stdout(concat!(r#"{"name":"x","size":null}"#, "\n"))
        .stderr("200 OK\n")
        .run();
    // put first looks for the OpenAPI document (discovery).
    let first = serve.stderr_line();
    assert!(first.starts_with("GET /openapi.json 200 "), "{first:?}");
    let line = serve.stderr_line();
    assert!(
        predicate::str::is_match(r"^PUT /items/foo 200 [0-9.]+ms\n$")
            .unwrap()
            .eval(&line),
        "log line {line:?}"
    );
    assert!(serve.terminate().success(), "SIGTERM exits 0");
}

#[test]
fn quiet_logs_nothing() {
    let mut serve = ServeProcess::start(&["--quiet"]);
    itemctl()
        .args(["put", "foo", "--url", &serve.url])
        .stdout(concat!(r#"{"name":null,"size":null}"#, "\n"))
        .stderr("200 OK\n")
        .run();
    serve.terminate();
    let mut rest = String::new();
    serve
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut rest)
        .unwrap();
    assert_eq!(rest, "");
}

#[test]
fn seed_file_replaces_the_default_items() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("seed.json");
    std::fs::write(&seed, r#"{"only":{"name":"One","size":1}}"#).unwrap();
    let serve = ServeProcess::start(&["--quiet", "--seed", seed.to_str().unwrap()]);
    itemctl()
        .args(["put", "only", "--url", &serve.url, "--expect", "updated"])
        .stdout(concat!(r#"{"name":null,"size":null}"#, "\n"))
        .stderr("200 OK\n")
        .run();
    itemctl()
        .args(["put", "foo", "--url", &serve.url, "--expect", "created"])
        .stdout(concat!(r#"{"name":null,"size":null}"#, "\n"))
        .stderr("201 Created\n")
        .run();
}

#[test]
fn empty_starts_with_no_items() {
    let serve = ServeProcess::start(&["--quiet", "--empty"]);
    itemctl()
        .args(["put", "foo", "--url", &serve.url, "--expect", "created"])
        .stdout(concat!(r#"{"name":null,"size":null}"#, "\n"))
        .stderr("201 Created\n")
        .run();
}

#[test]
fn malformed_seed_is_exit_2_naming_file_and_position() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("broken.json");
    std::fs::write(&seed, "{\"a\": {\"name\": \"x\"\n").unwrap();
    itemctl()
        .args(["serve", "--port", "0", "--seed", seed.to_str().unwrap()])
        .code(2)
        .stdout("")
        .stderr_has("broken.json: line 2, column 1: Expecting ',' delimiter")
        .run();
}

#[test]
fn sigterm_finishes_the_request_in_flight() {
    let mut serve = ServeProcess::start(&["--quiet"]);
    let addr = serve.url.trim_start_matches("http://").to_owned();
    let mut conn = TcpStream::connect(&addr).unwrap();
    let body = r#"{"name":"late"}"#;
    let head = format!(
        "PUT /items/inflight HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).unwrap();
    conn.write_all(&body.as_bytes()[..5]).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    serve.signal("TERM");
    std::thread::sleep(Duration::from_millis(300));
    // No new connections once the signal has been handled.
    assert!(
        TcpStream::connect(&addr).is_err(),
        "still accepting after SIGTERM"
    );
    conn.write_all(&body.as_bytes()[5..]).unwrap();
    let mut answer = Vec::new();
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = conn.read_to_end(&mut answer);
    let resp = RawResponse::parse(&answer);
    assert_eq!(resp.status, 201);
    assert_eq!(resp.body, br#"{"name":"late","size":null}"#);
    assert!(serve.child.wait().unwrap().success());
}

#[test]
fn sigint_exits_0() {
    let mut serve = ServeProcess::start(&["--quiet"]);
    serve.signal("INT");
    assert!(serve.child.wait().unwrap().success());
}

#[test]
fn concurrent_first_puts_create_exactly_once() {
    let server = TestServer::start();
    let n = 64;
    let barrier = Arc::new(Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            let addr = server.addr;
            std::thread::spawn(move || {
                let req =
                    Req::upsert("race", format!("{{\"name\":\"r{i}\",\"size\":{i}}}")).bytes();
                barrier.wait();
                RawResponse::parse(&crate::support::raw_exchange(addr, &req)).status
            })
        })
        .collect();
    let statuses: Vec<u16> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(
        statuses.iter().filter(|&&s| s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|&&s| s == 200).count(), n - 1);
}

#[test]
fn head_keeps_headers_and_drops_the_body() {
    let server = TestServer::start();
    let resp = RawResponse::parse(
        &server.raw(b"HEAD /items/foo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(resp.status, 405);
    assert_eq!(resp.header("allow"), Some("PUT"));
    assert_eq!(resp.header("content-length"), Some("31"));
    assert_eq!(resp.body, b"");
    let resp = RawResponse::parse(
        &server.raw(b"HEAD /openapi.json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert!(resp.header("content-length").is_some_and(|l| l != "0"));
    assert_eq!(resp.body, b"");
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let server = TestServer::start();
    let mut conn = TcpStream::connect(server.addr).unwrap();
    conn.write_all(&Req::upsert("k", "{}").keep_alive().bytes())
        .unwrap();
    conn.write_all(&Req::upsert("k", "{}").bytes()).unwrap();
    let mut all = Vec::new();
    conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = conn.read_to_end(&mut all);
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 201 Created"), "{text}");
    assert!(text.contains("HTTP/1.1 200 OK"), "{text}");
}

#[test]
fn lone_surrogate_name_is_stored_then_500() {
    let server = TestServer::start();
    let resp = RawResponse::parse(&server.raw(&Req::upsert("sur", r#"{"name":"\ud800"}"#).bytes()));
    assert_eq!(resp.status, 500);
    assert_eq!(
        resp.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(resp.body, b"Internal Server Error");
    let resp = RawResponse::parse(&server.raw(&Req::upsert("sur", r#"{"name":"ok"}"#).bytes()));
    assert_eq!(resp.status, 200, "the 500 stored the item first");
}

/// Issue 6: SIGTERM while a load runs: every request that got a response
/// got a complete one, the process exits 0 within 2 s, and no new
/// connection is accepted after the signal.
#[test]
fn sigterm_under_load_completes_every_answer() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let mut serve = ServeProcess::start(&["--quiet"]);
    let addr: std::net::SocketAddr = serve.url.trim_start_matches("http://").parse().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let (complete, partial) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let workers: Vec<_> = (0..16)
        .map(|w| {
            let (stop, complete, partial) = (Arc::clone(&stop), Arc::clone(&complete), Arc::clone(&partial));
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let Ok(mut s) = TcpStream::connect(addr) else { break };
                    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                    // Keep-alive: several requests per connection until it closes.
                    loop {
                        i += 1;
                        let body = format!("{{\"name\":\"w{w}\",\"size\":{i}}}");
                        let head = format!(
                            "PUT /items/w{w}-{} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                            i % 50,
                            body.len()
                        );
                        if s.write_all(head.as_bytes()).is_err() {
                            break;
                        }
                        let mut got = Vec::new();
                        let mut buf = [0u8; 4096];
                        let done = loop {
                            match s.read(&mut buf) {
                                Ok(0) | Err(_) => break false,
                                Ok(n) => got.extend_from_slice(&buf[..n]),
                            }
                            if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                                let resp = RawResponse::parse(&got);
                                let len: usize = resp.header("content-length").unwrap().parse().unwrap();
                                if got.len() >= end + 4 + len {
                                    break true;
                                }
                            }
                        };
                        if done {
                            complete.fetch_add(1, Ordering::Relaxed);
                        } else {
                            if !got.is_empty() {
                                partial.fetch_add(1, Ordering::Relaxed);
                            }
                            break;
                        }
                        if String::from_utf8_lossy(&got).contains("Connection: close") {
                            break;
                        }
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(800));
    let before = complete.load(Ordering::Relaxed);
    let signalled = std::time::Instant::now();
    serve.signal("TERM");
    let status = serve.child.wait().unwrap();
    let took = signalled.elapsed();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    assert!(status.success(), "{status:?}");
    assert!(took < Duration::from_secs(2), "exit took {took:?}");
    assert!(
        before > 100,
        "the load ran ({before} responses before the signal)"
    );
    assert_eq!(partial.load(Ordering::Relaxed), 0, "partial responses");
    assert!(
        TcpStream::connect(addr).is_err(),
        "a connection was accepted after the signal"
    );
}

#[test]
fn wait_never_takes_a_url_file_left_by_another_process() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("serve.url");
    // A file as a serve killed with kill -9 leaves it: its writer is gone.
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    std::fs::write(&file, format!("http://127.0.0.1:9\npid {dead}\n")).unwrap();
    itemctl()
        .args(["wait", "--timeout", "300ms", "--url-file"])
        .arg(&file)
        .code(3)
        .stderr_has("did not appear")
        .run();
    // A live writer that is not the --pid process (nor under it): not taken
    // either, and a --pid that exits ends the wait at once.
    let mut other = std::process::Command::new("sleep")
        .arg("30")
        .spawn()
        .unwrap();
    std::fs::write(
        &file,
        format!("http://127.0.0.1:9\npid {}\n", std::process::id()),
    )
    .unwrap();
    let pid = other.id().to_string();
    let ender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        let _ = other.kill();
        let _ = other.wait();
    });
    itemctl()
        .args(["wait", "--timeout", "20s", "--url-file"])
        .arg(&file)
        .args(["--pid", &pid])
        .code(3)
        .stderr_has("exited before writing")
        .run();
    ender.join().unwrap();
    // The older one-line format proves nothing: not taken.
    std::fs::write(&file, "http://127.0.0.1:9\n").unwrap();
    itemctl()
        .args(["wait", "--timeout", "300ms", "--url-file"])
        .arg(&file)
        .code(3)
        .stderr_has("did not appear within the timeout")
        .run();
}

#[test]
fn wait_timeout_is_the_total() {
    // A server that accepts and never answers: the probe's own 2 s limit
    // must not stretch a 1 s timeout (it took 2 s).
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for c in listener.incoming().take(4) {
            conns.push(c);
        }
    });
    let started = std::time::Instant::now();
    itemctl()
        .args(["wait", "--timeout", "1s", "--url", &url])
        .code(3)
        .stderr_has("no answer within 1s")
        .run();
    assert!(
        started.elapsed() < Duration::from_millis(1800),
        "{:?}",
        started.elapsed()
    );
    drop(held);
}

#[test]
fn a_delay_range_without_units_is_refused() {
    itemctl()
        .args(["serve", "--port", "0", "--delay", "10..200"])
        .code(2)
        .stderr_has("a unit on both ends")
        .run();
}
