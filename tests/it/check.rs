//! `itemctl check`: passes against `itemctl serve` and the embedded server,
//! and fails, naming the right check, against each deliberately broken
//! server.

use crate::support::broken::{self, Flaw};
use crate::support::front::{self, Mistake};
use crate::support::{TestServer, itemctl};
use predicates::prelude::*;

#[test]
fn embedded_server_passes_every_check() {
    let out = itemctl().arg("check").stdout_any().run().stdout;
    let text = String::from_utf8(out).unwrap();
    for check in itemctl::Check::ALL {
        assert!(
            text.contains(&format!("PASS {}", check.name())),
            "{} did not pass:\n{text}",
            check.name()
        );
    }
    assert!(
        text.ends_with(&format!(
            "{} passed, 0 failed, 0 skipped\n",
            itemctl::Check::ALL.len()
        )),
        "{text}"
    );
}

#[test]
fn serve_passes_with_fastapi_and_seeded() {
    let server = TestServer::start();
    itemctl()
        .args(["check", "--url", &server.url, "--fastapi", "--seeded"])
        .stdout_where(predicate::str::ends_with(
            "11 passed, 0 failed, 0 skipped\n",
        ))
        .run();
    // Without the flags, those two are skipped with a reason.
    itemctl()
        .args(["check", "--url", &server.url])
        .stdout_has("SKIP coerce")
        .stdout_has("--fastapi")
        .stdout_where(predicate::str::ends_with("9 passed, 0 failed, 2 skipped\n"))
        .run();
}

/// Runs check against a broken server; returns the checks that failed.
fn failing_checks(flaw: Flaw) -> Vec<String> {
    let url = broken::start(flaw);
    failed_checks(
        itemctl()
            .args([
                "check",
                "--url",
                &url,
                "--concurrency",
                "8",
                "--timeout",
                "5",
            ])
            .code(1),
    )
}

/// Runs `check`: the names of the checks that failed (its FAIL lines).
fn failed_checks(check: crate::support::cmd::Run) -> Vec<String> {
    let out = check.stdout_any().run().stdout;
    String::from_utf8(out)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("FAIL "))
        .map(|l| l.split_whitespace().next().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn always_200_fails_create() {
    // Every check that needs a fresh id to give 201 fails with it.
    let failed = failing_checks(Flaw::AlwaysOk);
    assert_eq!(
        failed.first().map(String::as_str),
        Some("create"),
        "{failed:?}"
    );
    assert!(failed.contains(&"race".to_owned()), "{failed:?}");
}

#[test]
fn always_201_fails_update() {
    let failed = failing_checks(Flaw::AlwaysCreated);
    assert!(failed.contains(&"update".to_owned()), "{failed:?}");
    assert!(!failed.contains(&"create".to_owned()), "{failed:?}");
}

#[test]
fn case_folding_fails_identity() {
    assert_eq!(failing_checks(Flaw::CaseFolds), ["identity"]);
}

#[test]
fn keeping_a_lax_number_as_text_fails_coerce() {
    // "3" for an int is 3 in pydantic's lax mode; a server that stores
    // and echoes "3" does not do what FastAPI does.
    let url = broken::start(Flaw::KeepsTextNumbers);
    let failed = failed_checks(
        itemctl()
            .args(["check", "--url", &url, "--fastapi", "--only", "coerce"])
            .code(1)
            .stdout_has("\n    \"size\": expected 3, got \"3\"\n"),
    );
    assert_eq!(failed, ["coerce"]);
}

#[test]
fn merging_fails_replace() {
    assert_eq!(failing_checks(Flaw::Merges), ["replace"]);
}

#[test]
fn check_then_insert_fails_race() {
    assert_eq!(failing_checks(Flaw::RacyInsert), ["race"]);
}

#[test]
fn storing_before_validating_fails_invalid() {
    assert_eq!(failing_checks(Flaw::StoresBeforeValidating), ["invalid"]);
}

#[test]
fn not_echoing_fails_create() {
    let failed = failing_checks(Flaw::NoEcho);
    assert!(failed.contains(&"create".to_owned()), "{failed:?}");
}

#[test]
fn json_server_style_404_fails_create() {
    let failed = failing_checks(Flaw::NotFoundOnCreate);
    assert!(failed.contains(&"create".to_owned()), "{failed:?}");
}

#[test]
fn extra_fields_fail_the_tutorials_exact_echo_unless_no_exact_echo() {
    // Without a document the item is the tutorial's, echoed exactly.
    let failed = failing_checks(Flaw::ExtraFields);
    assert!(failed.contains(&"create".to_owned()), "{failed:?}");
    let url = broken::start(Flaw::ExtraFields);
    let check = |flags: &[&str]| {
        itemctl()
            .args(["check", "--url", &url, "--timeout", "5"])
            .args(flags)
    };
    check(&["--no-exact-echo"])
        .stdout_has("PASS create")
        .stdout_has(" 0 failed")
        .run();
    // The identical PUT again: the item is the same, updated_at is not.
    let repeat = itemctl()
        .args([
            "check",
            "--url",
            &url,
            "--no-exact-echo",
            "--only",
            "repeat",
            "--format",
            "json",
        ])
        .json(0);
    assert_eq!(
        repeat["checks"][0]["message"],
        "200 OK twice, the same item; other fields changed: updated_at"
    );
    // The last of the pair wins, as with any flag and its negation.
    check(&["--no-exact-echo", "--exact-echo"])
        .code(1)
        .stdout_has("FAIL create")
        .run();
}

#[test]
fn failure_lines_say_expected_and_got() {
    let url = broken::start(Flaw::Merges);
    itemctl()
        .args(["check", "--url", &url, "--only", "replace"])
        .code(1)
        .stdout_has(
            "\"size\": expected null, got 3 (an update must replace the item, not merge into it)",
        )
        .stdout_where(predicate::str::ends_with("0 passed, 1 failed, 0 skipped\n"))
        .run();
}

#[test]
fn reports_for_ci() {
    let url = broken::start(Flaw::AlwaysCreated);
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("check.xml");
    itemctl()
        .args([
            "check",
            "--url",
            &url,
            "--only",
            "create,update",
            "--report",
            xml.to_str().unwrap(),
        ])
        .code(1)
        .stdout_has("FAIL update")
        .run();
    let text = std::fs::read_to_string(&xml).unwrap();
    let report = quick_junit::Report::deserialize_from_str(&text).expect("JUnit XML");
    // --only makes the suite: the others are not in the report.
    assert_eq!((report.tests, report.failures, report.errors), (2, 1, 0));
    let suite = &report.test_suites[0];
    assert_eq!(suite.skipped, 0);
    let update = suite
        .test_cases
        .iter()
        .find(|c| c.name.as_str() == "update")
        .expect("an update test case");
    assert_eq!(
        update.classname.as_ref().map(|c| c.as_str()),
        Some("itemctl.check")
    );
    match &update.status {
        quick_junit::TestCaseStatus::NonSuccess { message, .. } => assert!(
            message
                .as_ref()
                .is_some_and(|m| m.contains("expected 200 OK (updated), got 201 Created")),
            "{text}"
        ),
        other => panic!("update should fail: {other:?}"),
    }
    itemctl()
        .args(["check", "--url", &url, "--only", "update", "--format", "tap"])
        .code(1)
        .stdout_where(predicate::str::starts_with("TAP version 13\n1..1\n# endpoint: PUT /items/{item_id}\n# item: Body_upsert_item_items__item_id__put {name: string?, size: integer?}\n# schema: none, so the tutorial's item (no OpenAPI document at "))
        .stdout_has(": 404)\nnot ok 1 - update\n")
        .run();
    let out = itemctl()
        .args([
            "check", "--url", &url, "--only", "create", "--format", "json",
        ])
        .stdout_any()
        .run()
        .stdout;
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["passed"], 1);
    assert_eq!(doc["checks"][0]["name"], "create");
    assert_eq!(doc["checks"][0]["status"], "pass");
}

#[test]
fn unreachable_server_is_exit_3() {
    let port = crate::support::unused_port();
    itemctl()
        .args([
            "check",
            "--url",
            &format!("http://127.0.0.1:{port}"),
            "--retry",
            "1",
        ])
        .code(3)
        .stdout("")
        .stderr_where(
            predicate::str::contains("cannot connect to")
                .and(predicate::str::contains("connection refused")),
        )
        .run();
}

#[test]
fn unknown_check_names_are_usage_errors() {
    itemctl()
        .args(["check", "--only", "crate"])
        .code(2)
        .stderr_where(
            predicate::str::contains("invalid value 'crate' for '--only <CHECKS>'")
                .and(predicate::str::contains("possible values: create, update")),
        )
        .run();
}

#[test]
fn wait_returns_when_the_server_answers() {
    let server = TestServer::start();
    itemctl()
        .args(["wait", "--url", &server.url, "--timeout", "5"])
        .stdout(format!("{}\n", server.url))
        .stderr_has(&format!("itemctl: {} answers (after ", server.url))
        .run();
    let port = crate::support::unused_port();
    let started = std::time::Instant::now();
    itemctl()
        .args([
            "wait",
            "--url",
            &format!("http://127.0.0.1:{port}"),
            "--timeout",
            "0.5",
        ])
        .code(3)
        .stderr_has("within 500ms")
        .run();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

// ---- as deep as the schema goes: the products service (nested models,
// a list of them, a short id) and real-world mistakes in front of it ----

/// check against the products service behind a front with `mistake`:
/// the checks that failed (exit 1), or none (exit 0).
fn products_failing(mistake: Mistake, flags: &[&str]) -> Vec<String> {
    let front = front::start(mistake);
    failed_checks(
        itemctl()
            .args(["check", "--url", &front.url, "--timeout", "10s"])
            .args(flags)
            .code(if mistake.is_correct() { 0 } else { 1 }),
    )
}

#[test]
fn a_correct_service_with_nested_models_and_short_ids_passes() {
    let front = front::start(Mistake::None);
    itemctl()
        .args(["check", "--url", &front.url])
        .stdout_has("id: sku (text, 3 to 12 characters)\n")
        // Nested defaults are what a replace must reset.
        .stdout_has("PASS replace")
        // Every look-alike pair from its own fresh id: none was created
        // before (a 12-character id leaves no room to append to).
        .stdout_has("PASS identity")
        .stdout_where(predicate::str::ends_with("9 passed, 0 failed, 2 skipped\n"))
        .run();
    let doc = itemctl()
        .args([
            "check",
            "--url",
            &front.url,
            "--only",
            "replace,identity",
            "--format",
            "json",
        ])
        .json(0);
    assert_eq!(
        doc["checks"][0]["message"],
        "echo and GET: dims.unit, dims.note, variants, spare took their defaults; then dims.unit, dims.note, variants.0.tag, spare.unit, spare.note took theirs"
    );
    assert_eq!(
        doc["checks"][1]["message"]
            .as_str()
            .map(|m| m.starts_with("6 look-alike pairs distinct")),
        Some(true),
        "{doc}"
    );
}

#[test]
fn deep_merging_a_nested_object_fails_replace() {
    assert_eq!(products_failing(Mistake::DeepMerge, &[]), ["replace"]);
}

#[test]
fn storing_what_is_valid_of_a_nested_error_fails_invalid() {
    assert_eq!(
        products_failing(Mistake::StoresNestedInvalid, &[]),
        ["invalid"]
    );
}

#[test]
fn stripped_ids_and_plus_as_space_fail_identity() {
    assert_eq!(products_failing(Mistake::StripsIds, &[]), ["identity"]);
    assert_eq!(products_failing(Mistake::PlusAsSpace, &[]), ["identity"]);
}

#[test]
fn an_undocumented_204_on_update_passes_only_with_update_204() {
    let failed = products_failing(Mistake::Update204, &[]);
    assert!(failed.contains(&"update".to_owned()), "{failed:?}");
    let front = front::start(Mistake::Update204);
    itemctl()
        .args(["check", "--url", &front.url, "--update-204"])
        .stdout_has("PASS update")
        .stdout_where(predicate::str::contains(" 0 failed"))
        .run();
}

#[test]
fn a_server_that_dies_mid_run_stops_the_run_with_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("check.xml");
    let front = front::start(Mistake::DiesAfter(3));
    let out = itemctl()
        .args(["check", "--url", &front.url, "--report"])
        .arg(&xml)
        .code(3)
        .stdout_has("PASS create")
        .stdout_has("stopped: the server can no longer be reached (it went away during ")
        // Refused, or a connection the dying listener had taken, closed.
        .stderr_has("the rest were not run")
        .run();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains("FAIL"),
        "no contract failure is blamed on a dead server:\n{stdout}"
    );
    let report = quick_junit::Report::deserialize_from_str(&std::fs::read_to_string(&xml).unwrap())
        .expect("JUnit XML");
    assert_eq!((report.errors, report.failures), (1, 0));
    let front = front::start(Mistake::DiesAfter(3));
    itemctl()
        .args(["check", "--url", &front.url, "--format", "tap"])
        .code(3)
        .stdout_where(predicate::str::is_match(r"(?m)^Bail out! ").unwrap())
        .stderr_has("the rest were not run")
        .run();
}

#[test]
fn a_slow_server_gets_the_timeout_given() {
    // Every answer (the first probe, the document, the PUTs) takes 2.5 s.
    let correct = broken::start(Flaw::Correct);
    let backend: std::net::SocketAddr = correct.trim_start_matches("http://").parse().unwrap();
    let slow = crate::support::Scripted::start(move |req, stream| {
        std::thread::sleep(std::time::Duration::from_millis(2500));
        let forwarded = crate::support::Req::new(&req.method, &req.target)
            .header("Content-Type", "application/json")
            .body(&req.body);
        let _ = std::io::Write::write_all(
            stream,
            &crate::support::raw_exchange(backend, &forwarded.bytes()),
        );
    });
    itemctl()
        .args([
            "check",
            "--url",
            &slow.url,
            "--timeout",
            "10s",
            "--only",
            "create",
        ])
        .stdout_has("PASS create")
        .run();
}

#[test]
fn a_run_of_404s_says_once_what_to_try() {
    let server = TestServer::start();
    let out = itemctl()
        .args(["check", "--url", &server.url, "--path", "/products/{sku}"])
        .code(1)
        .stdout_has("FAIL create")
        .stdout_has("Give --path with the upsert's path template, or --openapi")
        .stdout_has("SKIP update, repeat, replace, nulls, invalid, coerce, unicode, identity, race, seeded  skipped: not run: every PUT so far was answered 404 Not Found\n")
        .stdout_where(predicate::str::ends_with("0 passed, 1 failed, 10 skipped\n"))
        .run();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("--path").count(), 1, "{text}");
}

/// The seats service: `n: int = Path(ge=1, le=100)`, 100 ids in all, and
/// a GET on the item path (FastAPI 0.165's document of
/// fixtures/seats_app.py, served by serve --openapi).
const SEATS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/it/fixtures/seats.openapi.json"
);

#[test]
fn a_small_id_space_is_checked_again_and_again_with_ids_the_server_does_not_hold() {
    let serve = crate::support::ServeProcess::start(&["--quiet", "--openapi", SEATS]);
    // Each run makes ids of 100 that no earlier run made: the GET says
    // which the server holds. Four runs use most of them.
    for _ in 0..4 {
        itemctl()
            .args([
                "check",
                "--url",
                &serve.url,
                "--only",
                "create,update,repeat,unicode,identity,race",
            ])
            .stdout_has("id: n (integer")
            .stdout_has(" 0 failed")
            .run();
    }
}

#[test]
fn without_a_get_a_small_id_space_is_named_where_a_fresh_id_got_200() {
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SEATS).unwrap()).unwrap();
    doc["paths"]["/seats/{n}"]
        .as_object_mut()
        .unwrap()
        .remove("get");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("seats.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    // Every seat taken: a correct server answers 200 to each.
    let mut seed = serde_json::Map::new();
    for n in 1..=100 {
        seed.insert(n.to_string(), serde_json::json!({"holder": "x"}));
    }
    let seed_file = dir.path().join("seed.json");
    std::fs::write(&seed_file, serde_json::Value::Object(seed).to_string()).unwrap();
    let serve = crate::support::ServeProcess::start(&[
        "--quiet",
        "--openapi",
        file.to_str().unwrap(),
        "--seed",
        seed_file.to_str().unwrap(),
    ]);
    itemctl()
        .args(["check", "--url", &serve.url, "--only", "create"])
        .code(1)
        .stdout_has("got 200 OK")
        .stdout_has("(the path parameter admits only about 100 ids, and an earlier run may have made this one: check a server with an empty store, or document a GET on the item path so that check can find ids it does not hold)")
        .run();
}

#[test]
fn an_answer_without_the_defaults_passes_and_a_store_that_merges_is_read_back() {
    // Answering with the request as sent (response_model_exclude_unset):
    // fields left out are not shown, which is no failure.
    assert_eq!(
        products_failing(Mistake::EchoesTheRequest, &[]),
        Vec::<String>::new()
    );
    // The same answers, but what is stored is a merge: the document's GET
    // reads it back.
    let failed = products_failing(Mistake::EchoesTheRequestButMerges, &[]);
    assert!(failed.contains(&"replace".to_owned()), "{failed:?}");
}

/// The owners service: a tagged union (`pet`: Cat | Dog), a body field
/// that repeats the id with a `max_length` of 13 the path parameter does
/// not have, a free-text `name` of at least 10 characters (FastAPI 0.165's
/// document of fixtures/owners_app.py).
const OWNERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/it/fixtures/owners.openapi.json"
);

#[test]
fn tagged_unions_an_id_field_stricter_than_the_path_and_long_text_pass_with_fastapi() {
    let serve = crate::support::ServeProcess::start(&["--quiet", "--openapi", OWNERS]);
    itemctl()
        .args(["check", "--url", &serve.url, "--fastapi"])
        // The body field's max_length bounds the ids check makes.
        .stdout_has("id: oid (text, at most 13 characters; repeated in the body field oid)\n")
        // A 422 inside a tagged member names the tag: loc body.pet.cat.lives.
        .stdout_has("PASS invalid")
        .stdout_has("PASS unicode")
        .stdout_has(" 0 failed")
        .run();
}

#[test]
fn a_small_id_space_used_up_skips_rather_than_fails() {
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(SEATS).unwrap()).unwrap();
    for op in ["put", "get"] {
        let n = &mut doc["paths"]["/seats/{n}"][op]["parameters"][0]["schema"];
        n["maximum"] = 5.into();
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("seats5.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let serve =
        crate::support::ServeProcess::start(&["--quiet", "--openapi", file.to_str().unwrap()]);
    // Five ids: the first checks take them, the rest say so; a second
    // run finds none it may use, and says that no check ran. Never a
    // failure of the server for ids it rightly holds.
    itemctl()
        .args(["check", "--url", &serve.url])
        .stdout_has("PASS create")
        .stdout_has("skipped: no fresh id left: the path parameter admits only about 5 ids")
        .stdout_has(" 0 failed")
        .run();
    itemctl()
        .args(["check", "--url", &serve.url])
        .code(2)
        .stdout_has("0 passed, 0 failed, 11 skipped\n")
        .stderr_has("no check ran: create, update, repeat, replace, invalid, unicode, identity, race (no fresh id left")
        .run();
}

#[test]
fn a_server_that_refuses_the_ids_check_makes_is_a_usage_error() {
    // A path pattern with look-around: pydantic hands it to Python's re,
    // which the regex crate (and so check) cannot read.
    let doc = serde_json::json!({
        "openapi": "3.1.0", "info": {"title": "t", "version": "1"},
        "paths": {"/names/{name}": {"put": {
            "parameters": [{"name": "name", "in": "path", "required": true,
                            "schema": {"type": "string", "pattern": "^(?!admin)[a-z]+$"}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"n": {"type": "integer"}}}}}},
            "responses": {"200": {"description": "OK"}}}}}
    });
    let refusing = crate::support::Scripted::start(move |req, stream| {
        let (status, body) = if req.target == "/openapi.json" {
            ("200 OK", doc.to_string())
        } else {
            (
                "422 Unprocessable Entity",
                r#"{"detail":[{"type":"string_pattern_mismatch","loc":["path","name"],"msg":"String should match pattern '^(?!admin)[a-z]+$'","input":"x-1"}]}"#.to_owned(),
            )
        };
        let _ = std::io::Write::write_all(
            stream,
            format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()).as_bytes(),
        );
    });
    itemctl()
        .args(["check", "--url", &refusing.url])
        .code(2)
        .stderr_has("itemctl: the server refuses the ids check makes: String should match pattern")
        .stderr_has(
            "(text, pattern ^(?!admin)[a-z]+$ (not checked: the regex crate cannot read it))",
        )
        .run();
}
