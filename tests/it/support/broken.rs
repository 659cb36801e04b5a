//! Deliberately broken implementations of the upsert endpoint, each wrong in
//! one way, for proving that `itemctl check` catches it. A thread per
//! connection, `Connection: close`, Content-Length bodies only.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

/// The ways a server can get the contract wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flaw {
    /// Answers 200 even when it created the item.
    AlwaysOk,
    /// Answers 201 even when it replaced the item.
    AlwaysCreated,
    /// Merges the sent fields into the stored item instead of replacing it.
    Merges,
    /// Checks for the id, pauses, then inserts: concurrent PUTs all see a new id.
    RacyInsert,
    /// Stores the item, then rejects it as invalid.
    StoresBeforeValidating,
    /// Answers `{"ok":true}` instead of the item.
    NoEcho,
    /// Like json-server: a PUT to an unknown id is a 404.
    NotFoundOnCreate,
}

/// Starts a server with `flaw` on 127.0.0.1:0; returns its base URL. It runs
/// until the test process ends.
pub fn start(flaw: Flaw) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().unwrap());
    let store: Arc<Mutex<HashMap<String, Value>>> = Arc::default();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let _ = handle(stream, flaw, &store);
            });
        }
    });
    url
}

fn handle(
    mut stream: TcpStream,
    flaw: Flaw,
    store: &Mutex<HashMap<String, Value>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = &buf[head_end..(head_end + length).min(buf.len())];
    let mut parts = head.split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, answer) = match (method, target.strip_prefix("/items/")) {
        ("PUT", Some(id)) => upsert(flaw, store, id, body),
        ("GET", _) => (404, json!({"detail": "Not Found"})),
        _ => (405, json!({"detail": "Method Not Allowed"})),
    };
    let text = answer.to_string();
    write!(
        stream,
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    )?;
    stream.flush()
}

fn upsert(
    flaw: Flaw,
    store: &Mutex<HashMap<String, Value>>,
    id: &str,
    body: &[u8],
) -> (u16, Value) {
    let sent: Value = serde_json::from_slice(body).unwrap_or(json!({}));
    let size = sent.get("size").cloned().unwrap_or(Value::Null);
    let item = json!({"name": sent.get("name").cloned().unwrap_or(Value::Null), "size": size});
    let invalid = !(size.is_null() || size.is_i64() || size.is_u64());
    if invalid {
        if flaw == Flaw::StoresBeforeValidating {
            store.lock().unwrap().insert(id.to_owned(), item);
        }
        let error = json!({"type": "int_parsing", "loc": ["body", "size"], "msg": "invalid", "input": size});
        return (422, json!({ "detail": [error] }));
    }
    let existed = if flaw == Flaw::RacyInsert {
        let existed = store.lock().unwrap().contains_key(id);
        std::thread::sleep(Duration::from_millis(20));
        store.lock().unwrap().insert(id.to_owned(), item.clone());
        existed
    } else {
        let mut items = store.lock().unwrap();
        match items.get_mut(id) {
            Some(stored) if flaw == Flaw::Merges => {
                for key in ["name", "size"] {
                    if let Some(v) = sent.get(key) {
                        stored[key] = v.clone();
                    }
                }
                let merged = stored.clone();
                drop(items);
                return (200, merged);
            }
            Some(stored) => {
                *stored = item.clone();
                true
            }
            None if flaw == Flaw::NotFoundOnCreate => return (404, json!({"detail": "Not Found"})),
            None => {
                items.insert(id.to_owned(), item.clone());
                false
            }
        }
    };
    let status = match (flaw, existed) {
        (Flaw::AlwaysOk, _) | (_, true) => 200,
        (Flaw::AlwaysCreated, _) | (_, false) => 201,
    };
    let status = if flaw == Flaw::AlwaysCreated {
        201
    } else {
        status
    };
    let answer = if flaw == Flaw::NoEcho {
        json!({"ok": true})
    } else {
        item
    };
    (status, answer)
}
