//! The machine outputs (`put --json`, `check --format json`, `bench
//! --json`) against the JSON Schemas committed in docs/schemas/, on real
//! runs, passing and failing.

use serde_json::Value;

use crate::support::broken::{self, Flaw};
use crate::support::{Scripted, TestServer, itemctl};

/// The committed schema `docs/schemas/{name}.schema.json`.
fn validator(name: &str) -> jsonschema::Validator {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/schemas")
        .join(format!("{name}.schema.json"));
    let text = std::fs::read_to_string(&path).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

pub(crate) fn assert_valid(name: &str, doc: &Value) {
    let v = validator(name);
    let errors: Vec<String> = v.iter_errors(doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{name}: {errors:?} in {doc}");
}

#[test]
fn put_json_lines_match_their_schema() {
    let server = TestServer::start();
    for args in [
        &[
            "put",
            "s1",
            "--name",
            "x",
            "--size",
            "123456789012345678901234567890",
        ][..],
        &["put", "s1", "--body", r#"{"size":"abc"}"#],
    ] {
        let doc = itemctl()
            .args(args)
            .args(["--url", &server.url, "--json"])
            .json(if args.len() == 6 { 0 } else { 4 });
        assert_valid("put", &doc);
    }
    let plain = Scripted::answering(
        "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 5\r\nconnection: close\r\n\r\noops!",
    );
    let doc = itemctl()
        .args(["put", "x", "--url", &plain.url, "--json"])
        .json(5);
    assert_eq!(doc["body"], "oops!");
    assert_valid("put", &doc);
    // The schema is not a rubber stamp.
    assert!(!validator("put").is_valid(&serde_json::json!({"status": 200})));
}

#[test]
fn check_json_reports_match_their_schema() {
    let passing = itemctl().args(["check", "--format", "json"]).json(0);
    assert_eq!(passing["passed"], 11);
    assert_valid("check", &passing);
    let failing = itemctl()
        .args([
            "check",
            "--url",
            &broken::start(Flaw::Merges),
            "--format",
            "json",
        ])
        .json(1);
    assert!(failing["failed"].as_u64() > Some(0));
    assert_valid("check", &failing);
    let mut bad = passing.clone();
    bad["checks"][0]["status"] = "maybe".into();
    assert!(!validator("check").is_valid(&bad));
}

#[test]
fn bench_json_reports_match_their_schema() {
    let server = TestServer::start();
    let clean = itemctl()
        .args([
            "bench",
            "--url",
            &server.url,
            "-n",
            "200",
            "-c",
            "4",
            "--json",
        ])
        .json(0);
    assert_eq!(clean["requests"], 200);
    assert_valid("bench", &clean);
    let violating = itemctl()
        .args([
            "bench",
            "--url",
            &broken::start(Flaw::AlwaysCreated),
            "-n",
            "50",
            "-c",
            "2",
            "--ids",
            "3",
            "--json",
        ])
        .stderr_has("itemctl: bench failed: ")
        .json(1);
    assert!(violating["violations"].as_u64() > Some(0));
    assert_valid("bench", &violating);
}
