//! Upsert endpoints other than the tutorial's: `--path` on put, check and
//! bench, request items for any item shape, and the contract's checks held
//! apart from FastAPI's shapes.

use serde_json::Value;

use crate::support::broken::{self, Flaw};
use crate::support::{Scripted, itemctl};

#[test]
fn check_passes_a_correct_server_at_another_path_with_plain_errors() {
    let url = broken::start_at(Flaw::Correct, "/api/v1/users/");
    let doc = itemctl()
        .args([
            "check",
            "--url",
            &url,
            "--path",
            "/api/v1/users/{user_id}",
            "--format",
            "json",
        ])
        .json(0);
    assert_eq!(doc["path"], "/api/v1/users/{user_id}");
    assert_eq!(doc["failed"], 0, "{doc}");
    assert_eq!(doc["passed"], 9);
    // The same server checked at the tutorial's path fails: 404s.
    itemctl()
        .args(["check", "--url", &url, "--only", "create"])
        .code(1)
        .stdout_has("got 405 Method Not Allowed")
        .run();
    // From the environment too.
    itemctl()
        .args(["check", "--url", &url, "--only", "create,identity"])
        .env("ITEMCTL_PATH", "/api/v1/users/{user_id}")
        .stdout_has("\nendpoint: PUT /api/v1/users/{user_id}\n")
        .run();
}

#[test]
fn broken_servers_at_another_path_fail_the_right_check() {
    let check = |flaw| {
        let url = broken::start_at(flaw, "/things/");
        let doc = itemctl()
            .args([
                "check",
                "--url",
                &url,
                "--path",
                "/things/{key}",
                "--format",
                "json",
                "--concurrency",
                "8",
            ])
            .json(1);
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] == "fail")
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(check(Flaw::Merges), ["replace"]);
    assert_eq!(check(Flaw::CaseFolds), ["identity"]);
    assert!(check(Flaw::RacyInsert).contains(&"race".to_owned()));
}

#[test]
fn put_and_bench_take_the_path_and_put_takes_request_items() {
    let url = broken::start_at(Flaw::Correct, "/inventory/things/");
    let out = itemctl()
        .args([
            "put",
            "k1",
            "name=lamp",
            "size:=3",
            "--url",
            &url,
            "--path",
            "/inventory/things/{key}",
            "--dry-run",
        ])
        .stdout_any()
        .run();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown.starts_with("PUT /inventory/things/k1 HTTP/1.1"),
        "{shown}"
    );
    assert!(shown.contains(r#"{"name":"lamp","size":3}"#), "{shown}");
    itemctl()
        .args([
            "put",
            "k1",
            "name=lamp",
            "size:=3",
            "--url",
            &url,
            "--path",
            "/inventory/things/{key}",
            "--expect",
            "created",
        ])
        .stdout("{\"name\":\"lamp\",\"size\":3}\n")
        .stderr("201 Created\n")
        .run();
    itemctl()
        .args(["put", "k1", "size:=[1,"])
        .code(2)
        .stderr_has("is not JSON")
        .run();
    let doc: Value = itemctl()
        .args([
            "bench",
            "--url",
            &url,
            "--path",
            "/inventory/things/{key}",
            "-n",
            "50",
            "-c",
            "2",
            "--json",
        ])
        .json(0);
    assert_eq!(
        doc["created"].as_u64().unwrap() + doc["updated"].as_u64().unwrap(),
        50
    );
}

#[test]
fn invalid_needs_fastapis_shape_only_with_fastapi() {
    let url = broken::start(Flaw::Correct);
    itemctl()
        .args(["check", "--url", &url, "--only", "invalid"])
        .stdout_has("PASS invalid")
        .run();
    itemctl()
        .args(["check", "--url", &url, "--only", "invalid", "--fastapi"])
        .code(1)
        .stdout_has("detail")
        .run();
    // A 2xx for an invalid size is no refusal.
    let lenient = Scripted::answering(
        "HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
    );
    itemctl()
        .args(["check", "--url", &lenient.url, "--only", "invalid"])
        .code(1)
        .stdout_has("expected a 4xx refusal")
        .run();
}

#[test]
fn a_bad_path_template_is_a_usage_error() {
    itemctl()
        .args(["put", "x", "--path", "items/{id}"])
        .code(2)
        .stderr_has("it must start with /")
        .run();
}
