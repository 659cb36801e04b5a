//! `itemctl put` against servers that misbehave: each gives a clear line or
//! a faithful print, the right exit code, and never a panic.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::support::{Scripted, itemctl};
use predicates::prelude::*;

/// A scripted server that answers every request with `respond`.
fn server(respond: fn(&mut TcpStream)) -> String {
    Scripted::start(move |_, stream| respond(stream)).url
}

fn put(url: &str) -> crate::support::cmd::Run {
    itemctl().args(["put", "x", "--name", "n", "--url", url, "--timeout", "2"])
}

#[test]
fn a_body_that_is_not_json_is_printed_as_it_is() {
    let url = server(|s| {
        let _ =
            s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello");
    });
    put(&url).stdout("hello\n").stderr("200 OK\n").run();
    itemctl()
        .args(["put", "x", "--url", &url, "--json"])
        .stdout_has(r#""body":"hello""#)
        .run();
}

#[test]
fn invalid_utf8_is_passed_through_when_piped() {
    let url = server(|s| {
        let _ = s.write_all(
            b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\n\xff\xfe\x00",
        );
    });
    let out = put(&url).stdout_any().stderr("200 OK\n").run().stdout;
    assert_eq!(out, b"\xff\xfe\x00\n");
    let raw = itemctl()
        .args(["put", "x", "--url", &url, "--raw"])
        .stdout_any()
        .stderr("200 OK\n")
        .run();
    assert_eq!(raw.stdout, b"\xff\xfe\x00");
    // On a terminal, shown lossily rather than as raw bytes.
    itemctl()
        .args(["put", "x", "--url", &url])
        .terminal()
        .stdout_has("\u{fffd}")
        .run();
}

#[test]
fn fifty_megabytes_pipe_whole_and_are_capped_on_a_terminal() {
    let url = server(|s| {
        let body = vec![b'a'; 50 * 1024 * 1024];
        let _ = write!(
            s,
            "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        let _ = s.write_all(&body);
    });
    let out = itemctl()
        .args(["put", "x", "--url", &url, "--timeout", "20", "--raw"])
        .stdout_any()
        .stderr("200 OK\n")
        .run()
        .stdout;
    assert_eq!(out.len(), 50 * 1024 * 1024);
    let out = itemctl()
        .args(["put", "x", "--url", &url, "--timeout", "20"])
        .terminal()
        .stdout_any()
        .run()
        .stdout;
    let text = String::from_utf8_lossy(&out);
    assert!(
        out.len() < 200 * 1024,
        "{} bytes printed on a terminal",
        out.len()
    );
    assert!(
        text.contains("more bytes not shown"),
        "{}",
        &text[text.len() - 200..]
    );
}

#[test]
fn a_connection_closed_mid_response_is_exit_3() {
    let url = server(|s| {
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"name\":");
    });
    put(&url)
        .code(3)
        .stdout("")
        .stderr_where(predicate::str::starts_with(
            "itemctl: incomplete response from",
        ))
        .run();
}

#[test]
fn a_byte_a_second_server_times_out() {
    let url = server(|s| {
        for b in b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}" {
            if s.write_all(&[*b]).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    });
    let started = Instant::now();
    itemctl()
        .args(["put", "x", "--url", &url, "--timeout", "1"])
        .code(3)
        .stderr_has("timed out after 1s")
        .run();
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn a_redirect_loop_is_exit_3_with_follow() {
    let url = server(|s| {
        let _ = s.write_all(b"HTTP/1.1 307 Temporary Redirect\r\nlocation: /items/x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
    });
    itemctl()
        .args(["put", "x", "--url", &url, "--follow"])
        .code(3)
        .stderr_has("too many redirects")
        .run();
    put(&url).code(1).stderr(
        "307 Temporary Redirect\nitemctl: 307 Temporary Redirect to /items/x; pass --follow to follow it\n",
    )
    .run();
}

#[test]
fn http_1_0_responses_are_read() {
    let url = server(|s| {
        let _ = s.write_all(b"HTTP/1.0 201 Created\r\ncontent-type: application/json\r\n\r\n{\"name\":\"n\",\"size\":null}");
    });
    itemctl()
        .args([
            "put", "x", "--name", "n", "--url", &url, "--expect", "created",
        ])
        .stdout(concat!(r#"{"name":"n","size":null}"#, "\n"))
        .stderr("201 Created\n")
        .run();
}

#[test]
fn ctrl_c_exits_130_with_nothing_on_stdout() {
    let silent = Scripted::silent();
    let url = silent.url.clone();
    for args in [
        &["put", "x", "--url", &url][..],
        &["check", "--url", &url],
        &["wait", "--url", "http://127.0.0.1:9"],
    ] {
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("itemctl"))
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(500));
        let started = Instant::now();
        crate::support::signal(child.id(), "INT");
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(130),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stdout.is_empty(),
            "{args:?} printed {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    drop(silent);
}
