//! `itemctl put`, the real binary, against an in-process `itemctl serve`.

use std::io::Write;
use std::process::Command;

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

/// `--timeout` is the whole command's, retries and their back-off pauses
/// included (curl's `--max-time`): ten retries of a refused connection end
/// when the second is up, on each way put sends (blocking sockets, reqwest
/// with --follow, and by hand for a dot-segment id).
#[test]
fn retries_end_when_the_timeout_is_spent() {
    let port = crate::support::unused_port();
    let url = format!("http://127.0.0.1:{port}");
    for (id, extra) in [
        ("x", None),
        ("x", Some("--follow")),
        (".", Some("--follow")),
    ] {
        let started = std::time::Instant::now();
        itemctl()
            .args(["put", id, "--url", &url, "--retry", "10", "--timeout", "1s", "name=x"])
            .args(extra)
            .code(3)
            .stderr_where(
                predicate::str::starts_with(format!(
                    "itemctl: cannot connect to {url}: connection refused; the timeout of 1s (retries included) ran out after "
                ))
                .and(predicate::str::ends_with(" of 11 attempts: allow more time with --timeout\n"))
                .and(predicate::function(|s: &str| s.lines().count() == 1)),
            )
            .run();
        let took = started.elapsed();
        assert!(
            took >= std::time::Duration::from_millis(900)
                && took < std::time::Duration::from_millis(2500),
            "put {id} {extra:?} --retry 10 --timeout 1s took {took:?}"
        );
    }
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

/// A bad URL from `ITEMCTL_URL` (or `ITEMCTL_OPENAPI`) names the variable,
/// as every invalid value from the environment does, in put, check, wait
/// and bench alike (exit 2, one line, nothing sent); given as a flag, the
/// flag's error stands.
#[test]
fn bad_urls_from_the_environment_name_the_variable() {
    let because = "(the value comes from the environment variable";
    itemctl()
        .args(["put", "x", "name=x"])
        .env("ITEMCTL_URL", "ftp://x")
        .code(2)
        .stderr(format!(
            "itemctl: invalid value 'ftp://x' for '--url <URL>': invalid URL `ftp://x`: the scheme must be http:// or https:// {because} ITEMCTL_URL: fix it or unset it)\n"
        ))
        .run();
    itemctl()
        .args(["put", "x", "name=x"])
        .env("ITEMCTL_URL", "127.0.0.1:8000")
        .code(2)
        .stderr_has("write it as http://127.0.0.1:8000")
        .stderr_has(&format!("{because} ITEMCTL_URL: fix it or unset it)\n"))
        .run();
    for command in [
        &["check"][..],
        &["wait", "--timeout", "1s"],
        &["bench", "-n", "1"],
    ] {
        itemctl()
            .args(command)
            .env("ITEMCTL_URL", "ftp://x")
            .code(2)
            .stderr_where(
                predicate::str::starts_with("itemctl: invalid value 'ftp://x' for '--url <")
                    .and(predicate::str::ends_with(format!(
                        "{because} ITEMCTL_URL: fix it or unset it)\n"
                    )))
                    .and(predicate::function(|s: &str| s.lines().count() == 1)),
            )
            .run();
    }
    // --openapi's URL is held to the same rule.
    let (server, seen) = Scripted::recording(CREATED_EMPTY);
    for bad in ["http://", "http://[::1"] {
        itemctl()
            .args(["put", "x", "name=x", "--url", &server.url])
            .env("ITEMCTL_OPENAPI", bad)
            .code(2)
            .stderr_where(
                predicate::str::starts_with(format!("itemctl: invalid value '{bad}' for '--openapi <URL|FILE>': invalid URL `{bad}`: "))
                    .and(predicate::str::ends_with(format!(
                        "{because} ITEMCTL_OPENAPI: fix it or unset it)\n"
                    ))),
            )
            .run();
    }
    assert!(seen.lock().unwrap().is_empty(), "nothing is sent");
    // Given as a flag: clap's word, no variable to name.
    itemctl()
        .args(["put", "x", "name=x", "--url", "ftp://x"])
        .env("ITEMCTL_URL", "http://127.0.0.1:9")
        .code(2)
        .stderr_where(
            predicate::str::starts_with("error: invalid value 'ftp://x' for '--url <URL>'")
                .and(predicate::str::contains("environment").not()),
        )
        .run();
}

/// A server's answer: 201 with an empty JSON object.
const CREATED_EMPTY: &str = "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";

/// Request items of every kind, with their files in `dir`: query
/// parameters, headers (a flag's replaced, one repeated, one empty, one
/// from a file, a default left out), nested fields, an escaped key, and
/// fields from a text file and a JSON file.
fn every_kind_of_item(dir: &std::path::Path) -> Vec<String> {
    std::fs::write(dir.join("note.txt"), "line one\nline two\n").unwrap();
    std::fs::write(dir.join("dims.json"), r#"{"w": 2, "h": [1, 2]}"#).unwrap();
    std::fs::write(dir.join("token.txt"), "Bearer s3cret\n").unwrap();
    let file = |name: &str| dir.join(name).display().to_string();
    vec![
        "q==a b&c".into(),
        "page==2".into(),
        "-H".into(),
        "X-Trace: from-flag".into(),
        "X-Trace:abc".into(),
        "X-Trace:def".into(),
        "X-Empty;".into(),
        format!("Authorization:@{}", file("token.txt")),
        "User-Agent:".into(),
        "name=lamp".into(),
        r"a\=b=c".into(),
        "tags[]=x".into(),
        "tags[]:=2".into(),
        format!("dims:=@{}", file("dims.json")),
        format!("note=@{}", file("note.txt")),
        "owner[name]=ann".into(),
        "owner[ids][1]:=7".into(),
    ]
}

/// The body [`every_kind_of_item`] builds.
const EVERY_KIND_BODY: &str = r#"{"name":"lamp","a=b":"c","tags":["x",2],"dims":{"w":2,"h":[1,2]},"note":"line one\nline two\n","owner":{"name":"ann","ids":[null,7]}}"#;

#[test]
fn request_items_follow_xh() {
    let (server, seen) = Scripted::recording(CREATED_EMPTY);
    let dir = tempfile::tempdir().unwrap();
    itemctl()
        .args([
            "put",
            "k 1",
            "--url",
            &server.url,
            "--path",
            "/things/{key}",
        ])
        .args(every_kind_of_item(dir.path()))
        .stdout("{}\n")
        .stderr("201 Created\n")
        .run();
    let seen = seen.lock().unwrap();
    let [put] = seen.as_slice() else {
        panic!("one request: {seen:?}")
    };
    assert_eq!(put.method, "PUT");
    assert_eq!(put.target, "/things/k%201?q=a+b%26c&page=2");
    let values = |name: &str| {
        put.headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    // Items replace the flag's header of their name, and all are sent.
    assert_eq!(values("x-trace"), ["abc", "def"]);
    assert_eq!(values("x-empty"), [""]);
    assert_eq!(values("authorization"), ["Bearer s3cret"]);
    assert_eq!(values("user-agent"), Vec::<&str>::new());
    assert_eq!(values("content-type"), ["application/json"]);
    assert_eq!(String::from_utf8_lossy(&put.body), EVERY_KIND_BODY);
}

#[test]
fn dry_run_shows_the_items_request() {
    let dir = tempfile::tempdir().unwrap();
    let url = "http://127.0.0.1:9";
    itemctl()
        .args([
            "put",
            "k 1",
            "--url",
            url,
            "--path",
            "/things/{key}",
            "--dry-run",
        ])
        .args(every_kind_of_item(dir.path()))
        .stdout(format!(
            "PUT /things/k%201?q=a+b%26c&page=2 HTTP/1.1\n\
             host: 127.0.0.1:9\n\
             content-type: application/json\n\
             accept: */*\n\
             x-trace: abc\n\
             x-trace: def\n\
             x-empty: \n\
             authorization: Bearer s3cret\n\
             content-length: {}\n\
             \n\
             {EVERY_KIND_BODY}\n",
            EVERY_KIND_BODY.len()
        ))
        .run();
}

/// `--curl`'s command, run by sh, sends what put sends: the target, the
/// headers (but curl's own user-agent) and the body.
#[test]
fn curl_sends_what_put_sends() {
    if Command::new("curl").arg("--version").output().is_err() {
        return; // no curl here to run the command with
    }
    let (server, seen) = Scripted::recording(CREATED_EMPTY);
    let dir = tempfile::tempdir().unwrap();
    let args = |extra: &[&str]| {
        itemctl()
            .args([
                "put",
                "it's 1",
                "--url",
                &server.url,
                "--path",
                "/things/{key}",
            ])
            .args(every_kind_of_item(dir.path()))
            .args(["X-Quote:it's \"q\" $HOME `x`", "Accept:application/json"])
            .args(extra)
    };
    args(&[]).stdout("{}\n").stderr("201 Created\n").run();
    let out = args(&["--curl"]).stdout_any().run();
    let curl = String::from_utf8(out.stdout).unwrap();
    let ran = Command::new("sh")
        .args(["-c", curl.trim_end()])
        .output()
        .unwrap();
    assert!(ran.status.success(), "{curl}: {ran:?}");
    let seen = seen.lock().unwrap();
    let [by_itemctl, by_curl] = seen.as_slice() else {
        panic!("two requests: {seen:?}")
    };
    assert_eq!(by_curl.method, "PUT");
    assert_eq!(by_curl.target, by_itemctl.target, "{curl}");
    assert_eq!(by_curl.body, by_itemctl.body, "{curl}");
    let sorted = |r: &crate::support::scripted::Request| {
        let mut h: Vec<(String, String)> = r
            .headers
            .iter()
            .filter(|(k, _)| k != "user-agent")
            .cloned()
            .collect();
        h.sort();
        h
    };
    assert_eq!(sorted(by_curl), sorted(by_itemctl), "{curl}");
    assert_eq!(by_curl.header("user-agent"), None, "{curl}");
}

#[test]
fn bad_request_items_exit_2_before_anything_is_sent() {
    let (server, seen) = Scripted::recording(CREATED_EMPTY);
    let clap = |item: &str, why: &str| {
        format!(
            "error: invalid value '{item}' for '[REQUEST_ITEM]...': {why}\n\nFor more information, try '--help'.\n"
        )
    };
    for (items, stderr) in [
        (
            &["photo@a.jpg"][..],
            clap(
                "photo@a.jpg",
                "`photo@a.jpg` uploads a file as multipart form data, and put sends JSON: write photo=@a.jpg to send the file's text as a string, or --body @a.jpg to send the file as the body",
            ),
        ),
        (
            &["[]=x"],
            clap(
                "[]=x",
                "`[]=x`: an upsert's body is a JSON object, so the key must start with a field name (tags[]=x)",
            ),
        ),
        (
            &["a[b=1"],
            clap(
                "a[b=1",
                r"`a[b=1`: the key a[b is not a JSON path: expected ']' at character 4 (escape a literal bracket as \[ or \])",
            ),
        ),
        (
            &["size:=[1,"],
            clap(
                "size:=[1,",
                "`size:=[1,`: the value after := is not JSON (EOF while parsing a value at line 1 column 3); use size=… for a string",
            ),
        ),
        (
            &["lamp"],
            clap(
                "lamp",
                "`lamp` is no request item: use field=text, field:=json, name==query, Header:value (see --help)",
            ),
        ),
        (
            &["Bad Header:x"],
            clap(
                "Bad Header:x",
                "`Bad Header:x`: `Bad Header` is not a valid header name",
            ),
        ),
        (
            &["Host:"],
            clap(
                "Host:",
                "`Host:`: a PUT cannot go without its host header; give it a value (Host:example.com)",
            ),
        ),
        (
            &["a=1", "a[b]=2"],
            "itemctl: `a[b]=2`: a is a string (from an earlier item), so it has no key [b]\n".into(),
        ),
        (
            &["x[x][2]=5", "x[x][x]=2"],
            "itemctl: `x[x][x]=2`: x[x] is an array (from an earlier item), so it has no key [x]\n".into(),
        ),
        (
            &["tags:=null", "tags[]=a"],
            "itemctl: `tags[]=a`: tags is null (from an earlier item), so nothing can be appended to it\n".into(),
        ),
        (
            &["note=@/nonexistent/n.txt"],
            r"itemctl: `note=@/nonexistent/n.txt`: cannot read /nonexistent/n.txt: No such file or directory; name a readable file, or write 'note=\@/nonexistent/n.txt' to send the text itself".to_owned() + "\n",
        ),
        (
            &["dims:=@/nonexistent/d.json"],
            "itemctl: `dims:=@/nonexistent/d.json`: cannot read /nonexistent/d.json: No such file or directory; name a readable file of JSON\n".into(),
        ),
        (
            &["name=x", "--name", "y"],
            "itemctl: `name=x` builds the body, so it cannot go with --name; send the name as an item instead (name=…)\n".into(),
        ),
        (
            &["size:=1", "--body", "{}"],
            "itemctl: `size:=1` builds the body, so it cannot go with --body; put every field in the --body JSON, or send each as an item\n".into(),
        ),
    ] {
        itemctl()
            .args(["put", "k", "--url", &server.url, "--path", "/things/{key}"])
            .args(items)
            .code(2)
            .stderr(stderr)
            .run();
    }
    assert!(seen.lock().unwrap().is_empty(), "a request was sent");
}

#[test]
fn header_and_query_items_go_with_flags_and_body() {
    let (server, seen) = Scripted::recording(CREATED_EMPTY);
    itemctl()
        .args(["put", "k", "--url", &server.url, "--path", "/things/{key}"])
        .args(["--name", "x", "X-Req:1", "dry==yes"])
        .stdout("{}\n")
        .stderr("201 Created\n")
        .run();
    itemctl()
        .args(["put", "k", "--url", &server.url, "--path", "/things/{key}"])
        .args(["--body", r#"{"raw":true}"#, "X-Req:2"])
        .stdout("{}\n")
        .stderr("201 Created\n")
        .run();
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].target, "/things/k?dry=yes");
    assert_eq!(seen[0].header("x-req"), Some("1"));
    assert_eq!(String::from_utf8_lossy(&seen[0].body), r#"{"name":"x"}"#);
    assert_eq!(seen[1].target, "/things/k");
    assert_eq!(seen[1].header("x-req"), Some("2"));
    assert_eq!(String::from_utf8_lossy(&seen[1].body), r#"{"raw":true}"#);
}

#[test]
fn curl_keeps_a_dot_segment_id() {
    // curl squashes `/items/..` to `/` unless told --path-as-is.
    itemctl()
        .args(["put", "..", "--url", "http://127.0.0.1:9", "--path", "/items/{id}", "--curl"])
        .stdout("curl -X PUT http://127.0.0.1:9/items/.. --path-as-is -H 'content-type: application/json' --data-binary '{}' --max-time 10\n")
        .run();
    itemctl()
        .args(["put", "a", "--url", "http://127.0.0.1:9", "--path", "/items/{id}", "--curl"])
        .stdout("curl -X PUT http://127.0.0.1:9/items/a -H 'content-type: application/json' --data-binary '{}' --max-time 10\n")
        .run();
}

/// Serves an OpenAPI document whose one upsert is `PUT /things/{key}` and
/// answers every other request 201 with `{}`.
fn things_server() -> Scripted {
    let doc = serde_json::json!({"openapi": "3.1.0", "paths": {"/things/{key}": {"put": {
        "parameters": [{"name": "key", "in": "path", "required": true, "schema": {"type": "string"}}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
            "type": "object", "properties": {"name": {"type": "string"}}}}}},
        "responses": {"200": {"description": "OK"}}}}}})
    .to_string();
    Scripted::start(move |req, stream| {
        let (status, body) = if req.target == "/openapi.json" {
            ("200 OK", doc.as_str())
        } else {
            ("201 Created", "{}")
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
    })
}

/// When discovery gets no answer (a proxy that is down, a refused
/// connection, a timeout), --curl and --dry-run still show the default
/// path, exit 0, and say on stderr (one line) why that path may be wrong.
/// A 404 for /openapi.json (no document) makes the default path right:
/// nothing to say.
#[test]
fn dry_run_and_curl_warn_when_discovery_gets_no_answer() {
    let server = things_server();
    let curl = |path: &str| {
        format!(
            "curl -X PUT {}{path} -H 'content-type: application/json' --data-binary '{{\"name\":\"x\"}}' --max-time 10\n",
            server.url
        )
    };
    // Discovery reads the server's document: its path.
    itemctl()
        .args(["put", "10", "--url", &server.url, "name=x", "--curl"])
        .stdout(curl("/things/10"))
        .run();
    // The proxy from the environment is down: the default path, and why.
    let dead = format!("http://127.0.0.1:{}", crate::support::unused_port());
    itemctl()
        .args(["put", "10", "--url", &server.url, "name=x", "--curl"])
        .env("http_proxy", &dead)
        .stdout(curl("/items/10"))
        .stderr(format!(
            "itemctl: warning: discovery failed (cannot connect to the proxy {dead} (from the environment) for {}/openapi.json: connection refused), so the path shown is the default /items/{{item_id}}; give the endpoint with --path\n",
            server.url
        ))
        .run();
    // -q keeps warnings out.
    itemctl()
        .args(["put", "10", "--url", &server.url, "name=x", "--curl", "-q"])
        .env("http_proxy", &dead)
        .stdout(curl("/items/10"))
        .run();
    // Nothing listens: --dry-run says so too.
    itemctl()
        .args(["put", "10", "--url", &dead, "name=x", "--dry-run"])
        .stdout_has("PUT /items/10 HTTP/1.1\n")
        .stderr(format!(
            "itemctl: warning: discovery failed (cannot connect to {dead}/openapi.json: connection refused), so the path shown is the default /items/{{item_id}}; give the endpoint with --path\n"
        ))
        .run();
    // A server that never answers: the timeout ends discovery.
    let silent = Scripted::silent();
    itemctl()
        .args([
            "put",
            "10",
            "--url",
            &silent.url,
            "name=x",
            "--dry-run",
            "--timeout",
            "0.3",
        ])
        .stdout_has("PUT /items/10 HTTP/1.1\n")
        .stderr_where(
            predicate::str::starts_with("itemctl: warning: discovery failed (no response from ")
                .and(predicate::str::contains("timed out after 300ms"))
                .and(predicate::function(|s: &str| s.lines().count() == 1)),
        )
        .run();
    drop(silent);
    // No document (404): the default path is right, nothing to say.
    let none = Scripted::answering(
        "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 22\r\nconnection: close\r\n\r\n{\"detail\":\"Not Found\"}",
    );
    itemctl()
        .args(["put", "10", "--url", &none.url, "name=x", "--curl"])
        .stdout(format!(
            "curl -X PUT {}/items/10 -H 'content-type: application/json' --data-binary '{{\"name\":\"x\"}}' --max-time 10\n",
            none.url
        ))
        .run();
}

// ---- how put's requests go: blocking sockets for plain http reached
// directly without --follow, reqwest for https, a proxy, redirects ----

/// A 201 without `connection: close`, from a scripted server that closes
/// each connection after its answer anyway.
const CREATED_KEEP_ALIVE: &str =
    "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";

/// A 201 that closes the connection (reqwest's pool, unlike the blocking
/// path, may send again on a connection the server closed, and fail).
const CREATED_CLOSE: &str = "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";

/// The requests a server saw, as `METHOD target` and the headers but
/// `host`, sorted.
fn heads(seen: &[crate::support::scripted::Request]) -> Vec<(String, Vec<(String, String)>)> {
    seen.iter()
        .map(|r| {
            let mut headers: Vec<(String, String)> = r
                .headers
                .iter()
                .filter(|(k, _)| k != "host")
                .cloned()
                .collect();
            headers.sort();
            (format!("{} {}", r.method, r.target), headers)
        })
        .collect()
}

#[test]
fn plain_http_sends_what_reqwest_sends() {
    let args = [
        "put",
        "x",
        "--name",
        "n",
        "-H",
        "X-A: 1",
        "q==a b",
        "--timeout",
        "5s",
    ];
    // Directly: blocking sockets.
    let (direct, seen) = Scripted::recording(CREATED_KEEP_ALIVE);
    itemctl()
        .args(args)
        .args(["--url", &direct.url])
        .stdout("{}\n")
        .stderr("201 Created\n")
        .run();
    let direct_heads = heads(&seen.lock().unwrap());
    let host = direct.url.trim_start_matches("http://");
    assert_eq!(
        seen.lock().unwrap()[1].header("host"),
        Some(host),
        "the host header names the server"
    );
    // Through a proxy from the environment: reqwest, absolute-form targets.
    let (proxy, proxied) = Scripted::recording(CREATED_CLOSE);
    itemctl()
        .args(args)
        .args(["--url", "http://upstream.test:8000"])
        .env("http_proxy", &proxy.url)
        .stdout("{}\n")
        .stderr("201 Created\n")
        .run();
    let proxied_heads: Vec<_> = heads(&proxied.lock().unwrap())
        .into_iter()
        .map(|(line, headers)| (line.replace("http://upstream.test:8000", ""), headers))
        .collect();
    assert_eq!(direct_heads, proxied_heads);
    assert_eq!(direct_heads[0].0, "GET /openapi.json");
    assert_eq!(
        seen.lock().unwrap()[0].header("content-type"),
        None,
        "a GET has no body"
    );
    assert_eq!(direct_heads[1].0, "PUT /items/x?q=a+b");
    assert_eq!(
        seen.lock().unwrap()[1].header("content-type"),
        Some("application/json")
    );
    assert_eq!(seen.lock().unwrap()[1].body, br#"{"name":"n"}"#);
}

#[test]
fn a_kept_connection_the_server_closed_is_made_again() {
    // Each answer leaves the connection open by HTTP's rules, and the
    // server closes it: the PUT after discovery goes on a new one.
    let (server, seen) = Scripted::recording(CREATED_KEEP_ALIVE);
    itemctl()
        .args(["put", "x", "--url", &server.url, "--expect", "created"])
        .stdout("{}\n")
        .stderr("201 Created\n")
        .run();
    let lines: Vec<String> = heads(&seen.lock().unwrap())
        .into_iter()
        .map(|(line, _)| line)
        .collect();
    assert_eq!(lines, ["GET /openapi.json", "PUT /items/x"]);
}

#[test]
fn plain_http_reads_every_framing() {
    for (answer, body) in [
        (
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n3;x=y\r\n{\"a\r\n3\r\n\":1\r\n1\r\n}\r\n0\r\nt: 1\r\n\r\n",
            "{\"a\":1}",
        ),
        (
            "HTTP/1.0 200 OK\r\n\r\n{\"until\":\"close\"}",
            "{\"until\":\"close\"}",
        ),
        (
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
            "{}",
        ),
        ("HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n", ""),
    ] {
        let server = Scripted::answering(answer);
        let out = itemctl()
            .args(["put", "x", "--url", &server.url, "--path", "/items/{id}"])
            .stdout_any()
            .stderr_any()
            .run();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim_end(),
            body,
            "{answer:?}"
        );
    }
}

#[test]
fn a_broken_answer_over_plain_http_names_its_cause() {
    let cases = [
        (
            "HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"name\":",
            "incomplete response from URL: the server closed the connection before the body's end",
        ),
        (
            "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n",
            "incomplete response from URL: malformed chunk size",
        ),
        (
            "HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n",
            "connected to URL, but the answer is not HTTP: malformed content-length",
        ),
        (
            "HTTP/1.1 20",
            "connected to URL, but the server closed the connection without answering",
        ),
    ];
    for (answer, said) in cases {
        let server = Scripted::answering(answer);
        itemctl()
            .args(["put", "x", "--url", &server.url, "--path", "/items/{id}"])
            .code(3)
            .stdout("")
            .stderr(format!("itemctl: {}\n", said.replace("URL", &server.url)))
            .run();
    }
}

/// A proxy variable that is set but cannot be used (not a URL, a scheme
/// that is no HTTP proxy's) is exit 2 naming the variable and its value,
/// before anything is sent, on blocking sockets and through reqwest
/// (--follow) alike; it is not skipped for a direct connection.
#[test]
fn a_malformed_proxy_variable_is_exit_2_naming_it() {
    let (server, seen) = Scripted::recording(CREATED_CLOSE);
    for (var, value, fix) in [
        ("http_proxy", "http://[::1", "write it as http://HOST:PORT"),
        ("all_proxy", "http://a b", "write it as http://HOST:PORT"),
        (
            "ALL_PROXY",
            "socks5://127.0.0.1:1080",
            "itemctl speaks to HTTP proxies only: give an http:// one",
        ),
    ] {
        for extra in [None, Some("--follow")] {
            itemctl()
                .args(["put", "11", "--url", &server.url, "name=x"])
                .args(extra)
                .env(var, value)
                .code(2)
                .stderr(format!(
                    "itemctl: invalid proxy `{value}` (the value comes from the environment variable {var}: {fix}, or unset it)\n"
                ))
                .run();
        }
    }
    assert!(seen.lock().unwrap().is_empty(), "nothing is sent");
    // A variable the request would not use is not checked, as curl does
    // not: https_proxy for an http:// URL, all_proxy where no_proxy
    // exempts the host.
    for env in [
        &[("https_proxy", "http://")][..],
        &[("HTTPS_PROXY", "ftp://proxy.test")],
        &[
            ("ALL_PROXY", "socks5://127.0.0.1:1080"),
            ("no_proxy", "127.0.0.1"),
        ],
    ] {
        let mut run = itemctl().args([
            "put",
            "11",
            "--url",
            &server.url,
            "--path",
            "/items/{id}",
            "name=x",
        ]);
        for (var, value) in env {
            run = run.env(var, value);
        }
        run.stdout("{}\n").stderr("201 Created\n").run();
    }
}

/// The proxy variables are read as curl reads them, by both ways put
/// sends: `http_proxy` in lower case only (curl never reads
/// `HTTP_PROXY`, which a CGI request can set), `https_proxy`,
/// `all_proxy` and `no_proxy` in either case, the lower-case one first;
/// an empty value is unset.
#[test]
fn proxy_variables_are_read_as_curl_reads_them() {
    let (server, direct) = Scripted::recording(CREATED_CLOSE);
    let (proxy, proxied) = Scripted::recording(CREATED_CLOSE);
    let dead = format!("http://127.0.0.1:{}", crate::support::unused_port());
    let put = |extra: Option<&str>| {
        itemctl()
            .args(["put", "x", "--url", &server.url, "--path", "/items/{id}"])
            .args(extra)
    };
    for extra in [None, Some("--follow")] {
        // HTTP_PROXY is not read: straight to the server.
        put(extra)
            .env("HTTP_PROXY", &dead)
            .stdout("{}\n")
            .stderr("201 Created\n")
            .run();
        // ALL_PROXY is, when http_proxy is unset or empty.
        put(extra)
            .env("ALL_PROXY", &proxy.url)
            .env("http_proxy", "")
            .stdout("{}\n")
            .stderr("201 Created\n")
            .run();
        // all_proxy before ALL_PROXY, http_proxy before both.
        put(extra)
            .env("ALL_PROXY", &dead)
            .env("all_proxy", &dead)
            .env("http_proxy", &proxy.url)
            .stdout("{}\n")
            .stderr("201 Created\n")
            .run();
        put(extra)
            .env("ALL_PROXY", &proxy.url)
            .env("all_proxy", &dead)
            .code(3)
            .stderr(format!(
                "itemctl: cannot connect to the proxy {dead} (from the environment) for {}: connection refused\n",
                server.url
            ))
            .run();
        // NO_PROXY in upper case takes the server out of it.
        put(extra)
            .env("http_proxy", &dead)
            .env("NO_PROXY", "127.0.0.1")
            .stdout("{}\n")
            .stderr("201 Created\n")
            .run();
    }
    let targets = |seen: &std::sync::Mutex<Vec<crate::support::scripted::Request>>| -> Vec<String> {
        seen.lock()
            .unwrap()
            .iter()
            .map(|r| r.target.clone())
            .collect()
    };
    let through = format!("{}/items/x", server.url);
    assert_eq!(targets(&proxied), [through.as_str(); 4]);
    assert_eq!(targets(&direct), ["/items/x"; 4]);
}

#[test]
fn https_a_proxy_and_follow_go_through_reqwest() {
    // A proxy from the environment carries discovery and the PUT.
    let (proxy, seen) = Scripted::recording(CREATED_CLOSE);
    itemctl()
        .args(["put", "x", "--url", "http://upstream.test:8000"])
        .env("http_proxy", &proxy.url)
        .stdout("{}\n")
        .stderr("201 Created\n")
        .run();
    let targets: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|r| r.target.clone())
        .collect();
    assert_eq!(
        targets,
        [
            "http://upstream.test:8000/openapi.json",
            "http://upstream.test:8000/items/x"
        ]
    );
    // NO_PROXY takes the server out of it: reached directly.
    let (server, seen) = Scripted::recording(CREATED_KEEP_ALIVE);
    itemctl()
        .args(["put", "x", "--url", &server.url])
        .env("http_proxy", &proxy.url)
        .env("no_proxy", "127.0.0.1")
        .stdout("{}\n")
        .stderr("201 Created\n")
        .run();
    assert_eq!(seen.lock().unwrap().len(), 2);
    // --follow: reqwest follows the 307 (blocking sockets never do).
    let target = TestServer::start();
    let redirector = redirecting_server(format!("{}/items/moved", target.url));
    itemctl()
        .args([
            "put",
            "x",
            "--url",
            &redirector,
            "--follow",
            "--expect",
            "created",
        ])
        .stderr("201 Created\n")
        .stdout_any()
        .run();
    // https: rustls's handshake meets a plain-HTTP port (reqwest's words).
    let plain = Scripted::greeting(
        "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    );
    itemctl()
        .args([
            "put",
            "x",
            "--url",
            &plain.url.replace("http://", "https://"),
        ])
        .code(3)
        .stderr_has("does not speak TLS")
        .run();
    // An https --openapi URL takes the command to reqwest too: no TLS
    // server there, so the document cannot be fetched (reqwest's words).
    let (server, _) = Scripted::recording(CREATED_KEEP_ALIVE);
    let openapi = plain.url.replace("http://", "https://") + "/openapi.json";
    itemctl()
        .args(["put", "x", "--url", &server.url, "--openapi", &openapi])
        .code(3)
        .stderr_has("does not speak TLS")
        .run();
}
