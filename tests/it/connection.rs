//! The connection layer as uvicorn 0.54 runs h11 0.16 (docs/BEHAVIOR.md
//! §13): when a connection is answered, refused, closed, and what runs.
//! `tests/connection_diff.py` holds the same cases against the live
//! reference in `.ci/run`; these run in `cargo test`, in-process.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::{Req, TestServer};

const CHUNKED_400_KEEP_ALIVE: &[u8] = b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\nTransfer-Encoding: chunked\r\n\r\n1e\r\nInvalid HTTP request received.\r\n0\r\n\r\n";
const PLAIN_400: &[u8] = b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\nInvalid HTTP request received.";

/// Sends `first`, waits `pause`, sends `then` (if the connection still
/// takes it), and reads until the server closes (or 15 s). Returns what
/// arrived and how long it took to close.
fn exchange(
    server: &TestServer,
    first: &[u8],
    pause: Duration,
    then: &[u8],
) -> (Vec<u8>, Duration) {
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let started = Instant::now();
    s.write_all(first).unwrap();
    if !then.is_empty() {
        std::thread::sleep(pause);
        let _ = s.write_all(then);
    }
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    (got, started.elapsed())
}

#[test]
fn a_head_that_cannot_start_a_request_is_refused_at_once() {
    let server = TestServer::start();
    for first in [
        &b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"[..],
        b" PUT /",
        b"\r",
        b"\x01",
    ] {
        let (got, took) = exchange(&server, first, Duration::ZERO, b"");
        assert_eq!(got, PLAIN_400, "{first:?}");
        assert!(took < Duration::from_secs(2), "{first:?} took {took:?}");
    }
    // After a keep-alive response, the 400 is chunked.
    let (got, _) = exchange(
        &server,
        &Req::upsert("ka400", "{}").keep_alive().bytes(),
        Duration::from_millis(200),
        b"\x01",
    );
    assert!(
        got.ends_with(CHUNKED_400_KEEP_ALIVE),
        "{}",
        String::from_utf8_lossy(&got)
    );
}

#[test]
fn more_than_16_kib_of_an_incomplete_head_is_refused() {
    let server = TestServer::start();
    let mut head = b"PUT /items/big HTTP/1.1\r\nHost: t\r\nX-Long: ".to_vec();
    head.extend(std::iter::repeat_n(b'a', 17_000));
    let (got, _) = exchange(&server, &head, Duration::from_millis(300), b"\r\n\r\n");
    assert_eq!(got, PLAIN_400);
    // 16,000 bytes in pieces are fine.
    let mut head = b"PUT /items/fine HTTP/1.1\r\nHost: t\r\nX-Long: ".to_vec();
    head.extend(std::iter::repeat_n(b'a', 16_000));
    let (got, _) = exchange(
        &server,
        &head,
        Duration::from_millis(300),
        b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert!(
        got.starts_with(b"HTTP/1.1 201 Created"),
        "{}",
        String::from_utf8_lossy(&got[..40.min(got.len())])
    );
}

#[test]
fn after_a_500_the_connection_closes_and_the_pipelined_request_still_runs() {
    let server = TestServer::start();
    let mut raw = Req::upsert("nan", r#"{"size":NaN}"#).keep_alive().bytes();
    raw.extend(Req::upsert("after-500", "{}").keep_alive().bytes());
    let (got, took) = exchange(&server, &raw, Duration::ZERO, b"");
    let text = String::from_utf8_lossy(&got);
    assert!(
        text.starts_with("HTTP/1.1 500 Internal Server Error\r\n"),
        "{text}"
    );
    assert!(
        !text.contains("Connection: close") && text.ends_with("\r\n\r\nInternal Server Error"),
        "{text}"
    );
    assert!(took < Duration::from_secs(2));
    assert!(
        server.app.store().get("after-500").is_some(),
        "the pipelined request was not run"
    );
    // An incomplete pipelined body is not stored.
    let mut raw = Req::upsert("nan2", r#"{"size":NaN}"#).keep_alive().bytes();
    let next = Req::upsert("half", r#"{"name":"x"}"#).bytes();
    raw.extend(&next[..next.len() - 3]);
    exchange(&server, &raw, Duration::ZERO, b"");
    assert!(server.app.store().get("half").is_none());
}

#[test]
fn body_bytes_with_the_head_are_checked_before_any_answer() {
    let server = TestServer::start();
    // No 100 Continue before the 400.
    let (got, _) = exchange(
        &server,
        b"PUT /items/e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        Duration::ZERO,
        b"",
    );
    assert_eq!(got, CHUNKED_400_KEEP_ALIVE);
    // Routes that never read the body.
    for head in [&b"POST /nope"[..], b"GET /openapi.json/"] {
        let mut raw = head.to_vec();
        raw.extend_from_slice(b" HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
        assert_eq!(
            exchange(&server, &raw, Duration::ZERO, b"").0,
            CHUNKED_400_KEEP_ALIVE
        );
    }
    // A request that said Connection: close gets h11's header order.
    let (got, _) = exchange(
        &server,
        b"PUT /items/c HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        Duration::ZERO,
        b"",
    );
    assert_eq!(
        got,
        b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n1e\r\nInvalid HTTP request received.\r\n0\r\n\r\n"
    );
}

#[test]
fn chunk_footers_are_checked_byte_by_byte() {
    let server = TestServer::start();
    let (got, took) = exchange(
        &server,
        b"PUT /items/f HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}X",
        Duration::ZERO,
        b"",
    );
    assert_eq!(got, CHUNKED_400_KEEP_ALIVE);
    assert!(took < Duration::from_secs(2));
}

#[test]
fn grammar_edges_of_h11() {
    let server = TestServer::start();
    let status = |raw: &[u8]| {
        let got = server.raw(raw);
        String::from_utf8_lossy(&got[..12.min(got.len())]).into_owned()
    };
    let with_length = |value: &str| {
        format!("PUT /items/cl HTTP/1.1\r\nHost: t\r\nContent-Length: {value}\r\nConnection: close\r\n\r\n{{}}").into_bytes()
    };
    assert_eq!(status(&with_length("00000000000000000002")), "HTTP/1.1 201");
    assert_eq!(
        status(&with_length("000000000000000000002")),
        "HTTP/1.1 400"
    );
    let next = std::sync::atomic::AtomicU32::new(0);
    let chunk = |line: &[u8], trailer: &[u8]| {
        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut raw = format!("PUT /items/ck{n} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n").into_bytes();
        raw.extend_from_slice(line);
        raw.extend_from_slice(b"\r\n{}\r\n0\r\n");
        raw.extend_from_slice(trailer);
        raw.extend_from_slice(b"\r\n");
        raw
    };
    assert_eq!(status(&chunk(b"2;a=b", b"")), "HTTP/1.1 201");
    assert_eq!(status(&chunk(b"2;a\nb", b"")), "HTTP/1.1 400");
    assert_eq!(status(&chunk(b"2", b"X-T: 1\r\n")), "HTTP/1.1 201");
    for bad_trailer in [
        &b" folded\r\n"[..],
        b"Content-Length: x\r\n",
        b"Transfer-Encoding: gzip\r\n",
    ] {
        assert_eq!(
            status(&chunk(b"2", bad_trailer)),
            "HTTP/1.1 400",
            "{bad_trailer:?}"
        );
    }
}

#[test]
fn a_redirect_without_host_leaves_out_only_the_default_port() {
    let server = TestServer::start();
    let got = server.raw(b"GET /docs/ HTTP/1.0\r\n\r\n");
    let text = String::from_utf8_lossy(&got);
    assert!(
        text.contains(&format!(
            "location: http://127.0.0.1:{}/docs\r\n",
            server.addr.port()
        )),
        "{text}"
    );
}
