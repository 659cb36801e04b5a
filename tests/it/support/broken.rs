//! Deliberately broken implementations of the upsert endpoint, each wrong in
//! one way, for proving that `itemctl check` catches it. Scripted servers
//! ([`super::scripted`]): `Connection: close`, Content-Length bodies only.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::Scripted;

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
    /// Folds ids to lower case: `Case` and `case` are one item.
    CaseFolds,
    /// Takes a `size` of digits as text (`"3"`) and keeps it so, instead
    /// of coercing it to the int 3 as pydantic's lax mode does.
    KeepsTextNumbers,
    /// No flaw: a correct upsert (errors as a plain `{"error": …}`, not
    /// FastAPI's `detail` list).
    Correct,
    /// Correct, but every echo also carries the item's `id` and an
    /// `updated_at` that grows with every write, as many services add:
    /// wrong only where the exact echo is asked.
    ExtraFields,
}

/// Starts a server with `flaw` on 127.0.0.1:0; returns its base URL. It runs
/// until the test process ends.
pub fn start(flaw: Flaw) -> String {
    start_at(flaw, "/items/")
}

/// [`start`], with the items under `prefix` (`/api/v1/users/`).
pub fn start_at(flaw: Flaw, prefix: &'static str) -> String {
    let store: Arc<Mutex<HashMap<String, Value>>> = Arc::default();
    Scripted::start(move |req, stream| {
        let (status, answer) = match (req.method.as_str(), req.target.strip_prefix(prefix)) {
            ("PUT", Some(raw)) => {
                let id = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
                let id = if flaw == Flaw::CaseFolds {
                    id.to_lowercase()
                } else {
                    id.into_owned()
                };
                upsert(flaw, &store, &id, &req.body)
            }
            ("GET", _) => (404, json!({"detail": "Not Found"})),
            _ => (405, json!({"detail": "Method Not Allowed"})),
        };
        let text = answer.to_string();
        let _ = write!(
            stream,
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
            text.len()
        );
    })
    .url
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
    let text_digits = flaw == Flaw::KeepsTextNumbers
        && size
            .as_str()
            .is_some_and(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()));
    let invalid = !(size.is_null() || size.is_i64() || size.is_u64() || text_digits);
    if invalid {
        if flaw == Flaw::StoresBeforeValidating {
            store.lock().unwrap().insert(id.to_owned(), item);
        }
        if flaw == Flaw::Correct {
            return (422, json!({"error": "size must be an integer"}));
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
    let answer = match flaw {
        Flaw::NoEcho => json!({"ok": true}),
        Flaw::ExtraFields => {
            static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let updated_at = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            json!({"id": id, "name": item["name"], "size": item["size"], "updated_at": updated_at})
        }
        _ => item,
    };
    (status, answer)
}
