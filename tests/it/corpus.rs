//! Replays the reference's recorded corpus (vendored from
//! ../shared/conformance/corpus.json) against a fresh in-process server, the
//! way `replay.py` does: raw bytes on a socket, state carried step to step.
//! Stricter than `replay.py`: every compared body must be byte-identical.

use crate::support::{RawResponse, TestServer};
use base64::Engine;
use serde_json::Value;

fn body_of(obj: &Value) -> Vec<u8> {
    if let Some(b64) = obj.get("body_b64").and_then(Value::as_str) {
        return base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64");
    }
    obj.get("body")
        .and_then(Value::as_str)
        .unwrap_or("")
        .as_bytes()
        .to_vec()
}

/// The request bytes exactly as `replay.py` builds them.
fn request_bytes(req: &Value, default_host: &str) -> Vec<u8> {
    let method = req["method"].as_str().unwrap();
    let path = req["path"].as_str().unwrap();
    let mut headers: Vec<(String, String)> = req["headers"]
        .as_object()
        .map(|h| {
            h.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let body = body_of(req);
    let has = |headers: &[(String, String)], name: &str| {
        headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
    };
    if !has(&headers, "host") {
        headers.insert(0, ("Host".into(), default_host.into()));
    }
    let omit = req
        .get("omit_content_length")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !has(&headers, "content-length") && !omit {
        headers.push(("Content-Length".into(), body.len().to_string()));
    }
    if !has(&headers, "connection") {
        headers.push(("Connection".into(), "close".into()));
    }
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(&body);
    out
}

#[test]
fn corpus_replays_byte_exact() {
    let corpus: Value =
        serde_json::from_str(include_str!("../corpus/corpus.json")).expect("corpus parses");
    let steps = corpus.as_array().expect("an array of steps");
    assert!(steps.len() >= 112, "the corpus has {} steps", steps.len());
    let server = TestServer::start();
    let host = server.addr.to_string();
    let mut failures = Vec::new();
    let (mut json_bodies, mut byte_exact) = (0, 0);
    for step in steps {
        let id = step["id"].as_str().unwrap();
        let req = &step["request"];
        let want = &step["response"];
        let got = RawResponse::parse(&server.raw(&request_bytes(req, &host)));
        let want_status = want["status"].as_u64().unwrap() as u16;
        if got.status != want_status {
            failures.push(format!("{id}: status {} (want {want_status})", got.status));
        }
        if let Some(headers) = want["headers"].as_object() {
            for (name, value) in headers {
                let got_value = got.header(&name.to_ascii_lowercase());
                if got_value != value.as_str() {
                    failures.push(format!("{id}: header {name}: {got_value:?} (want {value})"));
                }
            }
        }
        let compare = want
            .get("body_compare")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let is_head = req["method"] == "HEAD";
        if compare {
            let want_body = body_of(want);
            if serde_json::from_slice::<Value>(&want_body).is_ok() {
                json_bodies += 1;
            }
            let got_body = if is_head {
                Vec::new()
            } else {
                got.body.clone()
            };
            if got_body == want_body {
                if serde_json::from_slice::<Value>(&want_body).is_ok() {
                    byte_exact += 1;
                }
            } else {
                failures.push(format!(
                    "{id}: body {:?} (want {:?})",
                    String::from_utf8_lossy(&got_body[..got_body.len().min(200)]),
                    String::from_utf8_lossy(&want_body[..want_body.len().min(200)])
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(byte_exact, json_bodies, "byte-exact JSON bodies");
}
