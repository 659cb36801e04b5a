//! Discovery: the endpoint and item shape from the server's OpenAPI
//! document, for check, put and bench (issue 12).

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::support::{Scripted, itemctl};

/// A document with the given PUT operations (path → body schema).
fn document(puts: &[(&str, Value)]) -> Value {
    let mut paths = serde_json::Map::new();
    for (path, schema) in puts {
        let param = path
            .split('{')
            .nth(1)
            .and_then(|rest| rest.split('}').next())
            .unwrap_or("id");
        paths.insert(
            (*path).to_owned(),
            json!({"put": {
                "parameters": [{"name": param, "in": "path", "required": true, "schema": {"type": "string"}}],
                "requestBody": {"content": {"application/json": {"schema": schema}}, "required": true},
                "responses": {"200": {"description": "OK"}}}}),
        );
    }
    json!({"openapi": "3.1.0", "paths": paths, "components": {"schemas": {
        "Thing": {"type": "object", "required": ["label"], "properties": {
            "label": {"type": "string"},
            "count": {"type": "integer", "default": 0}}}}}})
}

/// The requests a server saw: method, target, body.
type Seen = Arc<Mutex<Vec<(String, String, Vec<u8>)>>>;

/// Serves `doc` at /openapi.json and answers every other request 201
/// with `{}`, keeping each request.
fn documented(doc: Value) -> (Scripted, Seen) {
    let seen: Seen = Arc::default();
    let log = Arc::clone(&seen);
    let text = doc.to_string();
    let server = Scripted::start(move |req, stream| {
        log.lock()
            .unwrap()
            .push((req.method.clone(), req.target.clone(), req.body.clone()));
        let (status, body) = if req.target == "/openapi.json" {
            ("200 OK", text.clone())
        } else {
            ("201 Created", "{}".to_owned())
        };
        let _ = write!(
            stream,
            "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
    });
    (server, seen)
}

#[test]
fn put_sends_to_the_one_documented_endpoint() {
    let doc = document(&[(
        "/inventory/things/{key}",
        json!({"$ref": "#/components/schemas/Thing"}),
    )]);
    let (server, seen) = documented(doc);
    itemctl()
        .args(["put", "k1", "label=x", "--url", &server.url, "-v"])
        .stdout("{}\n")
        .stderr_has("PUT /inventory/things/k1 HTTP/1.1\n")
        .stderr_has(&format!(
            "itemctl: endpoint PUT /inventory/things/{{key}} (from {}/openapi.json)",
            server.url
        ))
        .run();
    let seen = seen.lock().unwrap();
    let targets: Vec<(&str, &str)> = seen
        .iter()
        .map(|(m, t, _)| (m.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        targets,
        [("GET", "/openapi.json"), ("PUT", "/inventory/things/k1")]
    );
}

#[test]
fn several_candidates_are_listed_and_need_a_path() {
    let obj = json!({"$ref": "#/components/schemas/Thing"});
    let (server, _) = documented(document(&[
        ("/a/{x}", obj.clone()),
        ("/b/{y}", obj.clone()),
    ]));
    for cmd in ["check", "put", "bench"] {
        let mut args = vec![cmd, "--url", &server.url];
        if cmd == "put" {
            args.push("k");
        }
        itemctl()
            .args(&args)
            .code(2)
            .stderr_has(
                "describes 2 upsert candidates (PUT /a/{x}, PUT /b/{y}): choose one with --path",
            )
            .run();
    }
    // --path chooses, and the shape is the document's.
    let out = itemctl()
        .args([
            "check",
            "--url",
            &server.url,
            "--path",
            "/b/{id}",
            "--only",
            "create",
            "--format",
            "json",
        ])
        .json(1);
    assert_eq!(out["path"], "/b/{id}");
    assert_eq!(
        out["shape"], "Thing {label*: string, count: integer = 0}",
        "{out}"
    );
    assert_eq!(out["source"], format!("{}/openapi.json", server.url));
}

#[test]
fn bench_sends_a_valid_item_of_the_documented_shape() {
    let (server, seen) = documented(document(&[(
        "/inventory/things/{key}",
        json!({"$ref": "#/components/schemas/Thing"}),
    )]));
    itemctl()
        .args(["bench", "--url", &server.url, "-n", "3", "-c", "1"])
        // Three fresh ids of 100,000: three 201s.
        .stdout_has("status      201: 3\n")
        .stdout_has("violations  0\n")
        .run();
    let seen = seen.lock().unwrap();
    let puts: Vec<&(String, String, Vec<u8>)> = seen.iter().filter(|(m, ..)| m == "PUT").collect();
    assert_eq!(puts.len(), 3);
    for (_, target, body) in puts {
        assert!(target.starts_with("/inventory/things/bench-"), "{target}");
        let item: Value = serde_json::from_slice(body).expect("a JSON body");
        assert!(
            item["label"].is_string() && item["count"].is_i64(),
            "{item}"
        );
    }
}

#[test]
fn an_openapi_file_describes_a_server_that_publishes_none() {
    let (server, seen) = documented(json!({"not": "served"}));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(
        &file,
        document(&[(
            "/things/{key}",
            json!({"$ref": "#/components/schemas/Thing"}),
        )])
        .to_string(),
    )
    .unwrap();
    itemctl()
        .args(["put", "k2", "label=y", "--url", &server.url, "--openapi"])
        .arg(&file)
        .stdout("{}\n")
        .stderr("201 Created\n")
        .run();
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .any(|(m, t, _)| m == "PUT" && t == "/things/k2")
    );
    // A file that is not OpenAPI is a usage error naming it.
    std::fs::write(&file, "[1, 2]").unwrap();
    itemctl()
        .args(["check", "--url", &server.url, "--openapi"])
        .arg(&file)
        .code(2)
        .stderr_has("not an OpenAPI document")
        .run();
}

#[test]
fn without_a_document_check_says_it_uses_the_tutorials_item() {
    let (server, _) = documented(json!({"no": "paths"}));
    itemctl()
        .args(["check", "--url", &server.url, "--only", "create"])
        .code(1)
        .stdout_has("endpoint: PUT /items/{item_id}\nitem: Body_upsert_item_items__item_id__put {name: string?, size: integer?}\nschema: none, so the tutorial's item (")
        .run();
}

#[test]
fn ids_follow_the_path_parameters_constraints() {
    let mut doc = document(&[(
        "/codes/{code}",
        json!({"$ref": "#/components/schemas/Thing"}),
    )]);
    doc["paths"]["/codes/{code}"]["put"]["parameters"][0]["schema"] =
        json!({"type": "string", "pattern": "^[A-Z]{2}-[0-9]{6}$"});
    let (server, seen) = documented(doc);
    // The scripted server answers 201 `{}` to everything, so check fails;
    // what matters here is the ids it sent (unicode's too: no non-ASCII).
    let report = itemctl()
        .args([
            "check",
            "--url",
            &server.url,
            "--only",
            "create,unicode",
            "--format",
            "json",
        ])
        .json(1);
    assert_eq!(report["id"], "code (text, pattern ^[A-Z]{2}-[0-9]{6}$)");
    crate::schemas::assert_valid("check", &report);
    let pattern = regex::Regex::new("^/codes/[A-Z]{2}-[0-9]{6}$").unwrap();
    let puts: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(m, _, _)| m == "PUT")
        .map(|(_, t, _)| t.clone())
        .collect();
    assert_eq!(puts.len(), 2, "{puts:?}");
    assert!(puts.iter().all(|t| pattern.is_match(t)), "{puts:?}");
    // No counted form of bench's ids fits: ids drawn from the pattern (two,
    // so that the server's second 201 for one of them is a violation).
    let before = seen.lock().unwrap().len();
    let r = itemctl()
        .args([
            "bench",
            "--url",
            &server.url,
            "-n",
            "30",
            "-c",
            "1",
            "--ids",
            "2",
            "--json",
        ])
        .stderr_has("itemctl: bench failed: ")
        .json(1);
    assert!(
        r["id_form"]
            .as_str()
            .unwrap()
            .starts_with("2 drawn from the pattern"),
        "{r}"
    );
    assert!(r["violations"].as_u64().unwrap() > 0, "{r}");
    let after: Vec<String> = seen.lock().unwrap()[before..]
        .iter()
        .filter(|(m, _, _)| m == "PUT")
        .map(|(_, t, _)| t.clone())
        .collect();
    assert_eq!(after.len(), 30);
    assert!(after.iter().all(|t| pattern.is_match(t)), "{after:?}");
}

/// `--dry-run` and `--curl` read the document as a real send does (a GET,
/// no PUT), so they show the discovered path, with the query items.
#[test]
fn dry_run_and_curl_show_the_discovered_endpoint() {
    let doc = document(&[(
        "/inventory/things/{key}",
        json!({"$ref": "#/components/schemas/Thing"}),
    )]);
    let (server, seen) = documented(doc);
    let port = server.url.rsplit(':').next().unwrap().to_owned();
    itemctl()
        .args([
            "put",
            "k1",
            "label=x",
            "q==1",
            "--url",
            &server.url,
            "--dry-run",
        ])
        .stdout(format!(
            "PUT /inventory/things/k1?q=1 HTTP/1.1\n\
             host: 127.0.0.1:{port}\n\
             content-type: application/json\n\
             accept: */*\n\
             user-agent: itemctl/{}\n\
             content-length: 13\n\
             \n\
             {{\"label\":\"x\"}}\n",
            env!("CARGO_PKG_VERSION")
        ))
        .run();
    itemctl()
        .args(["put", "k1", "label=x", "q==1", "--url", &server.url, "--curl"])
        .stdout(format!(
            "curl -X PUT '{}/inventory/things/k1?q=1' -H 'content-type: application/json' --data-binary '{{\"label\":\"x\"}}' --max-time 10\n",
            server.url
        ))
        .run();
    let methods: Vec<(String, String)> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|(m, t, _)| (m.clone(), t.clone()))
        .collect();
    let get = ("GET".to_owned(), "/openapi.json".to_owned());
    assert_eq!(methods, [get.clone(), get]);
    // The real send goes where the dry run said.
    itemctl()
        .args(["put", "k1", "label=x", "q==1", "--url", &server.url])
        .stdout("{}\n")
        .stderr("201 Created\n")
        .run();
    let last = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_str()),
        ("PUT", "/inventory/things/k1?q=1")
    );
}

/// --name and --size are the tutorial's fields: on an item without them,
/// put says so (and still sends what it was told).
#[test]
fn name_and_size_warn_on_an_item_without_them() {
    let doc = document(&[(
        "/inventory/things/{key}",
        json!({"$ref": "#/components/schemas/Thing"}),
    )]);
    let (server, seen) = documented(doc);
    itemctl()
        .args(["put", "k1", "--name", "x", "--url", &server.url])
        .stdout("{}\n")
        .stderr("itemctl: warning: the item of PUT /inventory/things/{key} (Thing) has no field \"name\" (its fields: label, count); send request items like label=…\n201 Created\n")
        .run();
    itemctl()
        .args(["put", "k1", "--null-name", "--size", "3", "--url", &server.url])
        .stdout("{}\n")
        .stderr("itemctl: warning: the item of PUT /inventory/things/{key} (Thing) has no fields \"name\" and \"size\" (its fields: label, count); send request items like label=…\n201 Created\n")
        .run();
    itemctl()
        .args(["put", "k1", "--name", "x", "--url", &server.url, "--quiet"])
        .stdout("{}\n")
        .run();
    let bodies: Vec<String> = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(m, ..)| m == "PUT")
        .map(|(_, _, b)| String::from_utf8_lossy(b).into_owned())
        .collect();
    assert_eq!(
        bodies,
        [
            r#"{"name":"x"}"#,
            r#"{"name":null,"size":3}"#,
            r#"{"name":"x"}"#
        ]
    );
}
