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
        .assert()
        .code(0)
        .stdout(concat!(r#"{"name":"Wrestlers","size":null}"#, "\n"))
        .stderr("200 OK\n");
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
        .assert()
        .code(0)
        .stdout(concat!(r#"{"name":"Chillies","size":null}"#, "\n"))
        .stderr("201 Created\n");
}

#[test]
fn create_then_update_with_expectations() {
    let server = TestServer::start();
    let put = |expect: &str| {
        itemctl()
            .args([
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
            .assert()
    };
    put("created").code(0);
    put("updated").code(0);
    // A mismatch still prints the body and says what was expected.
    put("created")
        .code(1)
        .stdout(concat!(r#"{"name":"x","size":3}"#, "\n"))
        .stderr(predicate::str::contains(
            "expected 201 Created (created), got 200 OK",
        ));
    put("422").code(1);
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
        .assert()
        .code(0)
        .stdout(concat!(
            r#"{"name":null,"size":-12345678901234567890123}"#,
            "\n"
        ));
    itemctl()
        .args(["put", "n", "--null-name", "--null-size", "--url", &server.url, "--json"])
        .assert()
        .code(0)
        .stdout(predicate::str::is_match(
            r#"^\{"version":1,"status":201,"reason":"Created","id":"n","body":\{"name":null,"size":null\},"elapsed_ms":[0-9.]+\}\n$"#,
        )
        .unwrap());
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
        .assert()
        // '/' is encoded as %2F, which the reference (and so serve) treats as 404.
        .code(4)
        .stdout(concat!(r#"{"detail":"Not Found"}"#, "\n"));
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
        .assert()
        .code(0)
        .stdout("{\"name\":\"é😀\",\"size\":null}\n");
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
        .assert()
        .code(4)
        .stderr("422 Unprocessable Entity\n")
        .stdout(predicate::str::contains(r#""type":"int_parsing""#));
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
        .assert()
        .code(5)
        .stdout("Internal Server Error\n");
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
        .assert()
        .code(0);
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
        .assert()
        .code(0)
        .stdout(concat!(r#"{"name":"from file","size":7}"#, "\n"));
    itemctl()
        .args(["put", "f", "--url", &server.url, "--body", "-"])
        .stdin(r#"{"name":"from stdin"}"#)
        .assert()
        .code(0)
        .stdout(concat!(r#"{"name":"from stdin","size":null}"#, "\n"));
    itemctl()
        .args([
            "put",
            "f",
            "--url",
            &server.url,
            "--body",
            "@/nonexistent/body.json",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read body file /nonexistent/body.json",
        ));
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
        .assert()
        .code(0)
        .stdout(concat!(r#"{"name":null,"size":null}"#, "\n"));
}

#[test]
fn url_from_environment() {
    let server = TestServer::start();
    itemctl()
        .args(["put", "foo", "--name", "env"])
        .env("ITEMCTL_URL", &server.url)
        .assert()
        .code(0)
        .stdout(concat!(r#"{"name":"env","size":null}"#, "\n"));
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
        .env("ITEMCTL_FORCE_TERMINAL", "1")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\u{1b}[").and(predicate::str::contains("200 OK")))
        .stdout(predicate::str::contains("size").and(predicate::str::contains("\n  ")));
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
        .env("ITEMCTL_FORCE_TERMINAL", "1")
        .env("NO_COLOR", "1")
        .assert()
        .code(0)
        .stdout("200 OK\n{\n  \"name\": \"x\",\n  \"size\": 1\n}\n");
}

#[test]
fn connection_refused_is_exit_3_with_one_line() {
    // Bind then drop to get a port nobody listens on.
    let port = crate::support::unused_port();
    let url = format!("http://127.0.0.1:{port}");
    itemctl()
        .args(["put", "foo", "--url", &url])
        .assert()
        .code(3)
        .stdout("")
        .stderr(format!(
            "itemctl: cannot connect to {url}: connection refused\n"
        ));
}

#[test]
fn timeout_is_exit_3() {
    let silent = Scripted::silent();
    let url = silent.url.clone();
    itemctl()
        .args(["put", "foo", "--url", &url, "--timeout", "0.3"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("timed out after 300ms"));
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
        .assert()
        .code(0);
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
        .assert()
        .code(1)
        .stderr(format!(
            "307 Temporary Redirect\nitemctl: 307 Temporary Redirect to {}/items/moved; pass --follow to follow it\n",
            server.url
        ));
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
        .assert()
        .code(0)
        .stdout(concat!(r#"{"name":"m","size":null}"#, "\n"));
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
            .assert()
            .code(2)
            .stdout("");
    }
}
