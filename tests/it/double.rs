//! `itemctl serve` as a test double: the admin API, the request journal,
//! faults, the state file, CORS and JSON access logs; and that without the
//! flags nothing of it shows.

use std::io::{BufRead, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{RawResponse, Req, ServeProcess, itemctl, raw_exchange};

/// A request to a serve process; the parsed answer.
fn call(serve: &ServeProcess, method: &str, target: &str, body: &str) -> RawResponse {
    let addr = serve.url.trim_start_matches("http://").parse().unwrap();
    let req = Req::new(method, target)
        .header("Content-Type", "application/json")
        .body(body);
    RawResponse::parse(&raw_exchange(addr, &req.bytes()))
}

/// [`call`] with a head larger than h11's 16 KiB limit on an incomplete
/// event: the reference (and serve) accept it only when it arrives in one
/// read, and whether loopback delivers 70 KB at once is the kernel's
/// choice under load. A refusal because it came in pieces is tried again:
/// 431 when the cut fell in the headers, 400 (h11's "Receive buffer too
/// long") when it fell in the request line, as CI once saw.
fn call_large(serve: &ServeProcess, method: &str, target: &str, body: &str) -> RawResponse {
    let mut answer = call(serve, method, target, body);
    for _ in 0..20 {
        if answer.status != 431 && answer.status != 400 {
            break;
        }
        answer = call(serve, method, target, body);
    }
    answer
}

fn json_of(r: &RawResponse) -> Value {
    serde_json::from_slice(&r.body)
        .unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(&r.body)))
}

#[test]
fn without_flags_nothing_of_the_double_shows() {
    let serve = ServeProcess::start(&["--quiet"]);
    assert_eq!(call(&serve, "GET", "/__itemctl/items", "").status, 404);
    assert_eq!(call(&serve, "OPTIONS", "/items/x", "").status, 405);
    let doc = call(&serve, "GET", "/openapi.json", "");
    assert_eq!(doc.body, itemctl::reference::pages::OPENAPI_JSON.as_bytes());
}

#[test]
fn the_admin_api_shows_resets_and_journals() {
    let serve = ServeProcess::start(&["--quiet", "--admin", "--journal", "3"]);
    assert_eq!(
        call(&serve, "PUT", "/items/new", r#"{"name":"n","size":1}"#).status,
        201
    );
    assert_eq!(
        call(&serve, "PUT", "/items/foo", r#"{"name":"F"}"#).status,
        200
    );
    let items = json_of(&call(&serve, "GET", "/__itemctl/items", ""));
    assert_eq!(
        items,
        json!({"foo": {"name": "F", "size": null}, "bar": {"name": "Tenders", "size": 3}, "new": {"name": "n", "size": 1}})
    );
    let keys: Vec<&String> = items.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["foo", "bar", "new"], "insertion order");
    assert_eq!(
        json_of(&call(&serve, "GET", "/__itemctl/items/new", "")),
        json!({"name": "n", "size": 1})
    );
    assert_eq!(call(&serve, "GET", "/__itemctl/items/nope", "").status, 404);
    // The journal: upserts with id and created; admin requests left out.
    let journal = json_of(&call(&serve, "GET", "/__itemctl/requests", ""));
    let requests = journal["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 2, "{journal}");
    assert_eq!(requests[0]["id"], "new");
    assert_eq!(requests[0]["created"], true);
    assert_eq!(requests[1]["status"], 200);
    assert!(requests[1]["latency_ms"].as_f64().unwrap() >= 0.0);
    for i in 0..4 {
        call(&serve, "PUT", &format!("/items/j{i}"), "{}");
    }
    let journal = json_of(&call(&serve, "GET", "/__itemctl/requests", ""));
    assert_eq!(journal["capacity"], 3);
    assert_eq!(
        journal["requests"].as_array().unwrap().len(),
        3,
        "only the last --journal N"
    );
    assert_eq!(
        call(&serve, "DELETE", "/__itemctl/requests", "").status,
        204
    );
    assert_eq!(
        json_of(&call(&serve, "GET", "/__itemctl/requests", ""))["requests"],
        json!([])
    );
    let health = json_of(&call(&serve, "GET", "/__itemctl/health", ""));
    assert_eq!(
        (health["status"].clone(), health["items"].clone()),
        (json!("ok"), json!(7))
    );
    assert_eq!(health["requests"], 6);
    // Reset to the start-up seed.
    let reset = call(&serve, "DELETE", "/__itemctl/items", "");
    assert_eq!(reset.status, 204);
    assert_eq!(reset.header("content-length"), None);
    assert_eq!(
        json_of(&call(&serve, "GET", "/__itemctl/items", "")),
        json!({"foo": {"name": "Fighters", "size": 6}, "bar": {"name": "Tenders", "size": 3}})
    );
    assert_eq!(call(&serve, "PUT", "/__itemctl/health", "").status, 405);
    // Documented in /openapi.json only with --admin.
    let doc = json_of(&call(&serve, "GET", "/openapi.json", ""));
    assert!(doc["paths"]["/__itemctl/items"]["delete"].is_object());
}

#[test]
fn faults_fail_drop_and_delay_upserts_only() {
    let serve = ServeProcess::start(&[
        "--quiet",
        "--admin",
        "--fail-rate",
        "1",
        "--fail-status",
        "429",
    ]);
    let failed = call(&serve, "PUT", "/items/f", "{}");
    assert_eq!(failed.status, 429);
    assert_eq!(failed.header("retry-after"), Some("1"));
    assert_eq!(
        json_of(&failed)["detail"],
        "Injected fault (itemctl serve --fail-rate)"
    );
    assert_eq!(
        call(&serve, "GET", "/__itemctl/items/f", "").status,
        404,
        "a failed upsert stores nothing"
    );
    assert_eq!(
        call(&serve, "GET", "/__itemctl/health", "").status,
        200,
        "never the admin API"
    );
    // Changed at run time: drop every upsert.
    let set = call(&serve, "PUT", "/__itemctl/faults", r#"{"drop_rate":1}"#);
    assert_eq!(json_of(&set)["drop_rate"], 1.0);
    let addr = serve.url.trim_start_matches("http://").parse().unwrap();
    assert!(
        raw_exchange(addr, &Req::upsert("d", "{}").bytes()).is_empty(),
        "dropped without an answer"
    );
    assert_eq!(call(&serve, "GET", "/__itemctl/items/d", "").status, 404);
    assert_eq!(
        call(&serve, "PUT", "/__itemctl/faults", r#"{"fail_rate":2}"#).status,
        422
    );
    assert_eq!(
        call(&serve, "PUT", "/__itemctl/faults", r#"{"delay":"150ms"}"#).status,
        200
    );
    let started = Instant::now();
    assert_eq!(call(&serve, "PUT", "/items/slow", "{}").status, 201);
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!(call(&serve, "DELETE", "/__itemctl/faults", "").status, 204);
    assert_eq!(
        json_of(&call(&serve, "GET", "/__itemctl/faults", ""))["delay"],
        Value::Null
    );
    let started = Instant::now();
    call(&serve, "PUT", "/items/fast", "{}");
    assert!(started.elapsed() < Duration::from_millis(150));
}

#[test]
fn a_fault_seed_makes_runs_reproducible() {
    let statuses = || {
        let serve = ServeProcess::start(&["--quiet", "--fail-rate", "0.5", "--fault-seed", "42"]);
        (0..40)
            .map(|i| call(&serve, "PUT", &format!("/items/s{i}"), "{}").status)
            .collect::<Vec<u16>>()
    };
    let first = statuses();
    assert!(first.contains(&503) && first.contains(&201), "{first:?}");
    assert_eq!(first, statuses());
}

#[test]
fn the_state_file_survives_a_restart_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.db");
    let file = file.to_str().unwrap();
    let long = "k".repeat(70_000);
    {
        let mut serve = ServeProcess::start(&["--quiet", "--admin", "--state", file, "--empty"]);
        assert_eq!(
            call(
                &serve,
                "PUT",
                "/items/big",
                r#"{"name":"b","size":-123456789012345678901234567890}"#
            )
            .status,
            201
        );
        assert_eq!(
            call(&serve, "PUT", "/items/sur", r#"{"name":"\ud800x"}"#).status,
            500
        );
        assert_eq!(
            call_large(&serve, "PUT", &format!("/items/{long}"), r#"{"size":7}"#).status,
            201
        );
        assert_eq!(
            call(&serve, "PUT", "/items/%E2%98%83", r#"{"name":"é😀"}"#).status,
            201
        );
        assert!(serve.terminate().success());
    }
    let serve = ServeProcess::start(&["--quiet", "--admin", "--state", file]);
    let listing = call(&serve, "GET", "/__itemctl/items", "");
    let text = String::from_utf8(listing.body.clone()).unwrap();
    // A lone surrogate is a \u escape (valid JSON; serde_json refuses it).
    assert!(
        text.contains(r#""sur":{"name":"\ud800x","size":null}"#),
        "{}",
        &text[..200]
    );
    let items: Value = serde_json::from_str(&text.replace(r"\ud800", "?")).unwrap();
    assert_eq!(
        items["big"],
        json!({"name": "b", "size": -123456789012345678901234567890_i128})
    );
    assert_eq!(
        String::from_utf8_lossy(&call(&serve, "GET", "/__itemctl/items/sur", "").body),
        r#"{"name":"\ud800x","size":null}"#
    );
    assert_eq!(items[long.as_str()]["size"], 7);
    assert_eq!(items["☃"]["name"], "é😀");
    let keys: Vec<&String> = items.as_object().unwrap().keys().collect();
    assert_eq!(keys[0], "big");
    // The stored surrogate still answers 500 on update, as the reference.
    assert_eq!(
        call(&serve, "PUT", "/items/big", "{}").status,
        200,
        "big existed"
    );
    // A reset empties the file too (--empty was the seed at the first start;
    // this start has the reference seed).
    assert_eq!(call(&serve, "DELETE", "/__itemctl/items", "").status, 204);
    drop(serve);
    let serve = ServeProcess::start(&["--quiet", "--admin", "--state", file]);
    let keys: Vec<String> = json_of(&call(&serve, "GET", "/__itemctl/items", ""))
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["foo", "bar"]);
}

#[test]
fn a_foreign_or_corrupt_state_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 4096]).unwrap();
    itemctl()
        .args(["serve", "--port", "0", "--state"])
        .arg(&junk)
        .code(2)
        .stderr_has("not an SQLite database")
        .run();
    assert_eq!(
        std::fs::read(&junk).unwrap(),
        vec![b'x'; 4096],
        "left as it was"
    );
    let foreign = dir.path().join("foreign.db");
    {
        let conn = rusqlite::Connection::open(&foreign).unwrap();
        conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    itemctl()
        .args(["serve", "--port", "0", "--state"])
        .arg(&foreign)
        .code(2)
        .stderr_has("not an itemctl state file")
        .run();
}

#[test]
fn cors_answers_preflights_and_marks_answers() {
    let serve = ServeProcess::start(&["--quiet", "--cors", "http://app.test"]);
    let addr = serve.url.trim_start_matches("http://").parse().unwrap();
    let pre = RawResponse::parse(&raw_exchange(
        addr,
        &Req::new("OPTIONS", "/items/x")
            .header("Origin", "http://app.test")
            .header("Access-Control-Request-Method", "PUT")
            .header("Access-Control-Request-Headers", "content-type")
            .bytes(),
    ));
    assert_eq!(pre.status, 200);
    assert_eq!(
        pre.header("access-control-allow-origin"),
        Some("http://app.test")
    );
    assert_eq!(
        pre.header("access-control-allow-headers"),
        Some("content-type")
    );
    let put = RawResponse::parse(&raw_exchange(
        addr,
        &Req::upsert("c", "{}")
            .header("Origin", "http://app.test")
            .bytes(),
    ));
    assert_eq!(put.status, 201);
    assert_eq!(
        put.header("access-control-allow-origin"),
        Some("http://app.test")
    );
    assert_eq!(put.header("vary"), Some("Origin"));
}

#[test]
fn json_access_logs() {
    let mut serve = ServeProcess::start(&["--log-format", "json"]);
    call(&serve, "PUT", "/items/log", "{}");
    let line = serve.stderr_line();
    let entry: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(entry["method"], "PUT");
    assert_eq!(entry["target"], "/items/log");
    assert_eq!(entry["status"], 201);
    assert_eq!(entry["id"], "log");
    assert_eq!(entry["created"], true);
    assert!(entry["time"].as_str().unwrap().ends_with('Z'));
}

/// `round-writer-n` as `(round, n)`: the order one writer wrote in.
fn order(value: &str) -> (u64, u64) {
    let mut parts = value.split('-').map(|p| p.parse::<u64>().unwrap_or(0));
    let round = parts.next().unwrap_or(0);
    let n = parts.nth(1).unwrap_or(0);
    (round, n)
}

/// Issue 11: kill -9 at random moments under concurrent upserts with
/// distinct values; after each restart on the same --state, every
/// acknowledged write is there with its value (or a later acknowledged
/// one for the same id), and nothing else changed. `.ci/run` runs it in
/// release (`--include-ignored`).
#[test]
#[ignore = "heavy: .ci/run runs it in release"]
fn kill_9_loses_no_acknowledged_write() {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.db");
    let file = file.to_str().unwrap().to_owned();
    // id → every value acknowledged for it, in order; a value is
    // `writer-sequence`, unique across the whole test.
    let acked: Arc<Mutex<HashMap<String, Vec<String>>>> = Arc::default();
    let mut rng = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for round in 0..20 {
        let mut serve = ServeProcess::start(&["--quiet", "--admin", "--empty", "--state", &file]);
        let addr: std::net::SocketAddr = serve.url.trim_start_matches("http://").parse().unwrap();
        // Check the previous round's acknowledged writes survived.
        let items = json_of(&call(&serve, "GET", "/__itemctl/items", ""));
        let stored = items.as_object().unwrap();
        {
            let acked = acked.lock().unwrap();
            for (id, values) in acked.iter() {
                let Some(last) = values.last() else { continue };
                let got = stored
                    .get(id)
                    .and_then(|v| v["name"].as_str())
                    .map(str::to_owned);
                let got = got.unwrap_or_else(|| panic!("round {round}: acknowledged id {id} lost"));
                // The last acknowledged value, or a later one of the same
                // writer whose answer the kill cut off (committed, unanswered).
                assert!(
                    got == *last || order(&got) > order(last),
                    "round {round}: {id} holds {got}, older than its acknowledged {last}"
                );
            }
            for id in stored.keys() {
                assert!(
                    id.starts_with('w'),
                    "round {round}: an id nobody wrote: {id}"
                );
            }
        }
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writers: Vec<_> = (0..8)
            .map(|w| {
                let (acked, stop) = (Arc::clone(&acked), Arc::clone(&stop));
                std::thread::spawn(move || {
                    let mut n = 0u64;
                    let Ok(mut s) = TcpStream::connect(addr) else {
                        return;
                    };
                    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                    let mut reader = std::io::BufReader::new(s.try_clone().unwrap());
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        n += 1;
                        let id = format!("w{w}-{}", n % 16);
                        let value = format!("{round}-{w}-{n}");
                        let body = format!(r#"{{"name":"{value}"}}"#);
                        if s.write_all(&Req::upsert(&id, &body).keep_alive().bytes())
                            .is_err()
                        {
                            return;
                        }
                        let mut status = String::new();
                        if reader.read_line(&mut status).unwrap_or(0) == 0 {
                            return;
                        }
                        let mut length = 0;
                        loop {
                            let mut line = String::new();
                            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                                return;
                            }
                            if let Some(v) =
                                line.to_ascii_lowercase().strip_prefix("content-length:")
                            {
                                length = v.trim().parse().unwrap_or(0);
                            }
                            if line == "\r\n" {
                                break;
                            }
                        }
                        let mut body = vec![0; length];
                        if reader.read_exact(&mut body).is_err() {
                            return;
                        }
                        if status.contains(" 200 ") || status.contains(" 201 ") {
                            acked.lock().unwrap().entry(id).or_default().push(value);
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(50 + next() % 250));
        let _ = serve.child.kill(); // SIGKILL
        let _ = serve.child.wait();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for w in writers {
            let _ = w.join();
        }
    }
    assert!(acked.lock().unwrap().len() > 16, "the writers wrote");
}

#[test]
fn the_journal_keeps_headers_and_body_and_filters() {
    let serve = ServeProcess::start(&["--quiet", "--admin"]);
    let addr = serve.url.trim_start_matches("http://").parse().unwrap();
    let req = Req::new("PUT", "/items/42")
        .header("Content-Type", "application/json")
        .header("X-Trace", "t-1")
        .body(r#"{"name":"n","size":1}"#);
    assert_eq!(
        RawResponse::parse(&raw_exchange(addr, &req.bytes())).status,
        201
    );
    call(&serve, "PUT", "/items/7", r#"{"size":"x"}"#);
    call(&serve, "GET", "/openapi.json", "");
    // 70,000 bytes of body: the journal keeps the first 64 KiB and the length.
    let big = format!(r#"{{"name":"{}"}}"#, "b".repeat(70_000));
    call(&serve, "PUT", "/items/big", &big);
    let all = json_of(&call(&serve, "GET", "/__itemctl/requests", ""));
    let first = &all["requests"][0];
    assert_eq!(first["body"], r#"{"name":"n","size":1}"#);
    assert_eq!(first["body_length"], 21);
    let headers = first["headers"].to_string();
    assert!(
        headers.contains("x-trace") && headers.contains("t-1"),
        "{headers}"
    );
    let last = &all["requests"][3];
    assert_eq!(last["body_length"], big.len());
    assert_eq!(last["body_truncated"], true);
    assert_eq!(last["body"].as_str().unwrap().len(), 65_536);
    let only = |query: &str| {
        json_of(&call(
            &serve,
            "GET",
            &format!("/__itemctl/requests?{query}"),
            "",
        ))["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["target"].as_str().unwrap().to_owned())
            .collect::<Vec<String>>()
    };
    assert_eq!(only("id=42"), ["/items/42"]);
    assert_eq!(only("status=422"), ["/items/7"]);
    assert_eq!(only("method=GET"), ["/openapi.json"]);
    assert_eq!(only("path=/items/7&method=PUT"), ["/items/7"]);
    assert_eq!(
        call(&serve, "GET", "/__itemctl/requests?status=abc", "").status,
        422
    );
}

#[test]
fn faults_scoped_to_ids_and_a_count_fail_only_those() {
    let serve = ServeProcess::start(&["--quiet", "--admin"]);
    let set = call(
        &serve,
        "PUT",
        "/__itemctl/faults",
        r#"{"fail_rate":1,"fail_status":503,"ids":["42"],"count":2}"#,
    );
    assert_eq!(set.status, 200);
    assert_eq!(
        call(&serve, "PUT", "/items/41", "{}").status,
        201,
        "not in scope"
    );
    assert_eq!(call(&serve, "PUT", "/items/42", "{}").status, 503);
    assert_eq!(call(&serve, "PUT", "/items/41", "{}").status, 200);
    assert_eq!(call(&serve, "PUT", "/items/42", "{}").status, 503);
    assert_eq!(
        call(&serve, "PUT", "/items/42", "{}").status,
        201,
        "the count is spent: no timer needed"
    );
    assert_eq!(
        json_of(&call(&serve, "GET", "/__itemctl/faults", ""))["count"],
        0
    );
}

#[test]
fn admin_item_routes_load_one_item_or_a_whole_store() {
    let serve = ServeProcess::start(&["--quiet", "--admin"]);
    let put = call(
        &serve,
        "PUT",
        "/__itemctl/items/a-b",
        r#"{"name":"x","size":"3"}"#,
    );
    assert_eq!(put.status, 201);
    assert_eq!(
        json_of(&put),
        json!({"name": "x", "size": 3}),
        "validated as the app would"
    );
    assert_eq!(put.header("server"), Some("itemctl"), "not uvicorn");
    assert_eq!(
        call(&serve, "PUT", "/__itemctl/items/a-b", r#"{"size":"abc"}"#).status,
        422
    );
    assert_eq!(
        call(&serve, "PUT", "/__itemctl/items/a-b", "{}").status,
        200
    );
    assert_eq!(
        call(&serve, "DELETE", "/__itemctl/items/a-b", "").status,
        204
    );
    assert_eq!(
        call(&serve, "DELETE", "/__itemctl/items/a-b", "").status,
        404
    );
    // A whole store at run time; a reset returns to the start-up seed.
    let load = call(
        &serve,
        "PUT",
        "/__itemctl/items",
        r#"{"k1":{"name":"one"},"k2":{"size":2}}"#,
    );
    assert_eq!(
        load.status,
        200,
        "{:?}",
        String::from_utf8_lossy(&load.body)
    );
    assert_eq!(
        json_of(&call(&serve, "GET", "/__itemctl/items", "")),
        json!({"k1": {"name": "one", "size": null}, "k2": {"name": null, "size": 2}})
    );
    assert_eq!(call(&serve, "PUT", "/items/k1", "{}").status, 200);
    call(&serve, "DELETE", "/__itemctl/items", "");
    let keys: Vec<String> = json_of(&call(&serve, "GET", "/__itemctl/items", ""))
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys, ["foo", "bar"]);
    // The app's own answers still say uvicorn, as the reference's do.
    assert_eq!(
        call(&serve, "GET", "/items/foo", "").header("server"),
        Some("uvicorn")
    );
}

#[test]
fn waits_probe_is_left_out_of_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("serve.url");
    let mut serve = std::process::Command::new(assert_cmd::cargo::cargo_bin("itemctl"))
        .args(["serve", "--port", "0", "--quiet", "--admin", "--url-file"])
        .arg(&file)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let out = itemctl()
        .args(["wait", "--timeout", "20s", "--quiet", "--url-file"])
        .arg(&file)
        .args(["--pid", &serve.id().to_string()])
        .stdout_where(predicates::str::is_match(r"^http://127\.0\.0\.1:[0-9]+\n$").unwrap())
        .run();
    let url = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    itemctl()
        .args(["wait", "--timeout", "5s", "--quiet", "--url", &url])
        .stdout(format!("{url}\n"))
        .run();
    let addr: std::net::SocketAddr = url.trim_start_matches("http://").parse().unwrap();
    let journal = RawResponse::parse(&raw_exchange(
        addr,
        &Req::new("GET", "/__itemctl/requests").bytes(),
    ));
    let doc: Value = serde_json::from_slice(&journal.body).unwrap();
    assert_eq!(doc["requests"], json!([]), "{doc}");
    crate::support::signal(serve.id(), "TERM");
    assert!(serve.wait().unwrap().success());
}
