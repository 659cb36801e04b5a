//! `itemctl put`, the real binary, against an in-process `itemctl serve`.

use std::io::Write;

use crate::support::{Scripted, TestServer, itemctl};
use predicates::prelude::*;

/// FastAPI's own test for this example: updating `foo` with only a name
/// gives 200 and a null size (full replace).
#[test]
fn fastapi_test_update_existing_item() {
    let server = TestServer::start();
    itemctl()
        .args([
            "put",
            "foo",
            "--name",
            "Wrestlers",
            "--url",
            &server.url,
            "--expect",
            "updated",
        ])
        .stdout(concat!(r#"{"name":"Wrestlers","size":null}"#, "\n"))
        .stderr("200 OK\n")
        .run();
}

/// FastAPI's own test for this example: a new id gives 201 Created.
#[test]
fn fastapi_test_create_item() {
    let server = TestServer::start();
    itemctl()
        .args([
            "put",
            "red",
            "--name",
            "Chillies",
            "--url",
            &server.url,
            "--expect",
            "created",
        ])
        .stdout(concat!(r#"{"name":"Chillies","size":null}"#, "\n"))
        .stderr("201 Created\n")
        .run();
}

#[test]
fn create_then_update_with_expectations() {
    let server = TestServer::start();
    let put = |expect: &str| {
        itemctl().args([
            "put",
            "fresh",
            "--name",
            "x",
            "--size",
            "3",
            "--url",
            &server.url,
            "--expect",
            expect,
        ])
    };
    put("created")
        .stdout(concat!(r#"{"name":"x","size":3}"#, "\n"))
        .stderr("201 Created\n")
        .run();
    put("updated")
        .stdout(concat!(r#"{"name":"x","size":3}"#, "\n"))
        .stderr("200 OK\n")
        .run();
    // A mismatch still prints the body and says what was expected.
    put("created")
        .code(1)
        .stdout(concat!(r#"{"name":"x","size":3}"#, "\n"))
        .stderr_has("expected 201 Created (created), got 200 OK")
        .run();
    put("422")
        .code(1)
        .stdout(concat!(r#"{"name":"x","size":3}"#, "\n"))
        .stderr("200 OK\nitemctl: expected 422 Unprocessable Entity, got 200 OK\n")
        .run();
}

#[test]
fn flags_left_out_are_left_out_and_nulls_are_explicit() {
    let server = TestServer::start();
    itemctl()
        .args([
            "put",
            "foo",
            "--size",
            "-12345678901234567890123",
            "--url",
            &server.url,
        ])
        .stdout(concat!(
            r#"{"name":null,"size":-12345678901234567890123}"#,
            "\n"
        ))
        .stderr("200 OK\n")
        .run();
    itemctl()
        .args(["put", "n", "--null-name", "--null-size", "--url", &server.url, "--json"])
        .stdout_where(predicate::str::is_match(
            r#"^\{"version":1,"status":201,"reason":"Created","id":"n","body":\{"name":null,"size":null\},"elapsed_ms":[0-9.]+\}\n$"#,
        )
        .unwrap())
        .run();
}

#[test]
fn ids_are_percent_encoded() {
    let server = TestServer::start();
    itemctl()
        .args([
            "put",
            "snow ☃/x",
            "--name",
            "é😀",
            "--url",
            &format!("{}/", server.url),
        ])
        // '/' is encoded as %2F, which the reference (and so serve) treats as 404.
        .code(4)
        .stdout(concat!(r#"{"detail":"Not Found"}"#, "\n"))
        .stderr("itemctl: warning: the id contains '/'; it is sent as %2F, but Starlette (FastAPI) decodes %2F before routing, so such a server answers 404 for it\n404 Not Found\n")
        .run();
    itemctl()
        .args([
            "put",
            "snow ☃",
            "--name",
            "é😀",
            "--url",
            &server.url,
            "--expect",
            "created",
        ])
        .stdout("{\"name\":\"é😀\",\"size\":null}\n")
        .stderr("201 Created\n")
        .run();
    assert!(server.app.store().get("snow ☃").is_some());
}

#[test]
fn exit_codes_for_4xx_and_5xx() {
    let server = TestServer::start();
    itemctl()
        .args([
            "put",
            "foo",
            "--body",
            r#"{"size":"abc"}"#,
            "--url",
            &server.url,
        ])
        .code(4)
        .stderr("422 Unprocessable Entity\n")
        .stdout_has(r#""type":"int_parsing""#)
        .run();
    // The reference answers 500 when a NaN must be echoed in a 422.
    itemctl()
        .args([
            "put",
            "foo",
            "--body",
            r#"{"size":NaN}"#,
            "--url",
            &server.url,
        ])
        .code(5)
        .stdout("Internal Server Error\n")
        .stderr("500 Internal Server Error\n")
        .run();
    itemctl()
        .args([
            "put",
            "foo",
            "--body",
            r#"{"size":NaN}"#,
            "--url",
            &server.url,
            "--expect",
            "500",
        ])
        .stdout("Internal Server Error\n")
        .stderr("500 Internal Server Error\n")
        .run();
}

#[test]
fn body_from_file_and_stdin() {
    let server = TestServer::start();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(br#"{"name":"from file","size":"7"}"#)
        .unwrap();
    itemctl()
        .args(["put", "f", "--url", &server.url])
        .arg("--body")
        .arg(format!("@{}", file.path().display()))
        .stdout(concat!(r#"{"name":"from file","size":7}"#, "\n"))
        .stderr("201 Created\n")
        .run();
    itemctl()
        .args(["put", "f", "--url", &server.url, "--body", "-"])
        .stdin(r#"{"name":"from stdin"}"#)
        .stdout(concat!(r#"{"name":"from stdin","size":null}"#, "\n"))
        .stderr("200 OK\n")
        .run();
    itemctl()
        .args([
            "put",
            "f",
            "--url",
            &server.url,
            "--body",
            "@/nonexistent/body.json",
        ])
        .code(2)
        .stderr_has("cannot read body file /nonexistent/body.json")
        .run();
}

#[test]
fn custom_content_type_reaches_the_gate() {
    let server = TestServer::start();
    // text/plain bodies are ignored by the reference: nulls.
    itemctl()
        .args([
            "put",
            "foo",
            "--name",
            "x",
            "-H",
            "Content-Type: text/plain",
            "--url",
            &server.url,
        ])
        .stdout(concat!(r#"{"name":null,"size":null}"#, "\n"))
        .stderr("200 OK\n")
        .run();
}

#[test]
fn url_from_environment() {
    let server = TestServer::start();
    itemctl()
        .args(["put", "foo", "--name", "env"])
        .env("ITEMCTL_URL", &server.url)
        .stdout(concat!(r#"{"name":"env","size":null}"#, "\n"))
        .stderr("200 OK\n")
        .run();
}

#[test]
fn terminal_output_is_colored_and_pretty() {
    let server = TestServer::start();
    itemctl()
        .args([
            "put",
            "foo",
            "--name",
            "x",
            "--size",
            "1",
            "--url",
            &server.url,
            "--color",
            "always",
        ])
        .terminal()
        .stdout_has("\u{1b}[")
        .stdout_has("200 OK")
        .stdout_has("size")
        .stdout_has("\n  ")
        .run();
    // NO_COLOR turns auto color off; the layout stays.
    itemctl()
        .args([
            "put",
            "foo",
            "--name",
            "x",
            "--size",
            "1",
            "--url",
            &server.url,
        ])
        .terminal()
        .env("NO_COLOR", "1")
        .stdout("200 OK\n{\n  \"name\": \"x\",\n  \"size\": 1\n}\n")
        .run();
}

#[test]
fn connection_refused_is_exit_3_with_one_line() {
    // Bind then drop to get a port nobody listens on.
    let port = crate::support::unused_port();
    let url = format!("http://127.0.0.1:{port}");
    itemctl()
        .args(["put", "foo", "--url", &url])
        .code(3)
        .stdout("")
        .stderr(format!(
            "itemctl: cannot connect to {url}: connection refused\n"
        ))
        .run();
}

#[test]
fn timeout_is_exit_3() {
    let silent = Scripted::silent();
    let url = silent.url.clone();
    itemctl()
        .args(["put", "foo", "--url", &url, "--timeout", "0.3"])
        .code(3)
        .stderr_has("timed out after 300ms")
        .run();
    // The timeout is the command's total, as curl's --max-time: discovery
    // (GET /openapi.json) and the PUT share it.
    let started = std::time::Instant::now();
    itemctl()
        .args(["put", "foo", "--url", &url, "--timeout", "2s"])
        .code(3)
        .stderr_has("timed out after 2s")
        .run();
    let took = started.elapsed();
    assert!(
        took < std::time::Duration::from_millis(3500),
        "put --timeout 2s took {took:?}"
    );
    drop(silent);
}

#[test]
fn retry_waits_for_a_server_that_starts_late() {
    let port = crate::support::unused_port();
    let starter = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(400));
        crate::support::ServeProcess::start_on(port)
    });
    itemctl()
        .args([
            "put",
            "late",
            "--url",
            &format!("http://127.0.0.1:{port}"),
            "--retry",
            "8",
            "--expect",
            "created",
        ])
        .stdout(concat!(r#"{"name":null,"size":null}"#, "\n"))
        .stderr("201 Created\n")
        .run();
    drop(starter.join());
}

/// A server that answers every request with a 307 to `target`.
fn redirecting_server(target: String) -> String {
    Scripted::answering(format!(
        "HTTP/1.1 307 Temporary Redirect\r\nlocation: {target}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    ))
    .url
}

#[test]
fn redirects_are_not_followed_unless_asked() {
    let server = TestServer::start();
    let redirector = redirecting_server(format!("{}/items/moved", server.url));
    itemctl()
        .args(["put", "foo", "--name", "m", "--url", &redirector])
        .code(1).stderr(format!(
            "307 Temporary Redirect\nitemctl: 307 Temporary Redirect to {}/items/moved; pass --follow to follow it\n",
            server.url
        )).run();
    // Followed, the 307 re-sends the PUT with its body.
    itemctl()
        .args([
            "put",
            "foo",
            "--name",
            "m",
            "--url",
            &redirector,
            "--follow",
            "--expect",
            "created",
        ])
        .stdout(concat!(r#"{"name":"m","size":null}"#, "\n"))
        .stderr("201 Created\n")
        .run();
    assert!(server.app.store().get("moved").is_some());
}

#[test]
fn bad_command_lines_exit_2_without_a_request() {
    for args in [
        &["put", "foo", "--size", "abc"][..],
        &["put", ""],
        &["put", "foo", "--nope"],
        &["put", "foo", "--name", "a", "--null-name"],
        &["put", "foo", "--body", "{}", "--name", "a"],
        &["put", "foo", "--expect", "maybe"],
        &["put", "foo", "--timeout", "0"],
        &["put", "foo", "--url", "ftp://x"],
    ] {
        itemctl()
            .args(args)
            .env("ITEMCTL_URL", "http://127.0.0.1:9")
            .code(2)
            // clap's error, or ours: one line first, never a request.
            .stderr_where(
                predicate::str::starts_with("error: ").or(predicate::str::starts_with("itemctl: ")),
            )
            .run();
    }
}
