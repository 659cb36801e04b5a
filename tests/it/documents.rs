//! OpenAPI documents in every form a user has one: YAML as well as JSON,
//! 3.0 as well as 3.1, and a clear refusal for what is not OpenAPI 3.

use crate::support::{TestServer, itemctl};

/// The tutorial's endpoint, written by hand in YAML as a non-Python
/// server's document would be (OpenAPI 3.0, `nullable`).
const TUTORIAL_YAML: &str = "\
openapi: 3.0.3
info: {title: items, version: '1'}
paths:
  /items/{item_id}:
    put:
      parameters:
        - name: item_id
          in: path
          required: true
          schema: {type: string}
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Item'}
      responses:
        '200': {description: replaced}
        '201': {description: created}
components:
  schemas:
    Item:
      type: object
      properties:
        name: {type: string, nullable: true}
        size: {type: integer, nullable: true}
";

#[test]
fn check_reads_a_yaml_document() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.yaml");
    std::fs::write(&file, TUTORIAL_YAML).unwrap();
    let out = itemctl()
        .args(["check", "--url", &server.url, "--openapi"])
        .arg(&file)
        .stdout_has(
            "endpoint: PUT /items/{item_id}\nitem: Item {name: string?, size: integer?}\nschema: ",
        )
        .run();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("openapi.yaml"), "{text}");
    assert!(text.ends_with("9 passed, 0 failed, 2 skipped\n"), "{text}");
}

#[test]
fn documents_that_are_not_openapi_3_are_refused_in_one_line() {
    let server = TestServer::start();
    let dir = tempfile::tempdir().unwrap();
    for (text, why) in [
        ("swagger: '2.0'\npaths: {}\n", "a Swagger 2.0 document"),
        ("- just\n- a list\n", "not an OpenAPI document"),
        ("openapi: 3.1.0\npaths: {/a: [\n", "not JSON or YAML"),
    ] {
        let file = dir.path().join("doc.yaml");
        std::fs::write(&file, text).unwrap();
        itemctl()
            .args(["check", "--url", &server.url, "--openapi"])
            .arg(&file)
            .code(2)
            .stderr_has(why)
            .run();
    }
}
