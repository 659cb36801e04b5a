//! `serve --admin`: a control API under the reserved prefix `/__itemctl/`
//! (JSON in and out), and the request journal it reads.
//!
//! | route | answer |
//! |---|---|
//! | `GET /__itemctl/items` | 200, every stored id → item, in insertion order |
//! | `GET /__itemctl/items/{id}` | 200 the item; 404 when absent |
//! | `DELETE /__itemctl/items` | 204; the store (and `--state` file) back to the start-up seed |
//! | `GET /__itemctl/requests` | 200, `{"capacity": N, "requests": [...]}`, oldest first |
//! | `DELETE /__itemctl/requests` | 204; the journal emptied |
//! | `GET /__itemctl/health` | 200 `{"status":"ok","uptime_s":…,"items":…,"requests":…}` |
//! | `GET`/`PUT`/`DELETE /__itemctl/faults` | the fault settings ([`super::faults::Settings`]); PUT replaces them, DELETE clears them (204) |

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::App;
use super::faults::Settings;
use crate::reference::item::Item;
use crate::reference::json::{Int, PyStr};
use crate::reference::response::Reply;
use crate::reference::routing::unquote;

/// The reserved prefix.
pub const PREFIX: &str = "/__itemctl/";

/// One journal line.
#[derive(Clone, Debug)]
pub struct Record {
    /// When the request's head was complete.
    pub time: Instant,
    /// The method.
    pub method: Box<[u8]>,
    /// The request target, as sent. (Copied: a slice of the request head
    /// would keep the connection's whole read buffer from being reused.)
    pub target: Box<[u8]>,
    /// The status answered (0 when the connection was dropped unanswered).
    pub status: u16,
    /// Head complete to answer written.
    pub latency: Duration,
    /// For upserts: the id, and whether the upsert created it.
    pub upsert: Option<(String, Option<bool>)>,
}

impl Record {
    /// The record as JSON: `{"time","method","target","status",
    /// "latency_ms","id","created"}` (id and created null for other
    /// requests; created null when the upsert stored nothing).
    pub fn to_json(&self, clock: (SystemTime, Instant)) -> Value {
        let (id, created) = match &self.upsert {
            Some((id, created)) => (json!(id), json!(created)),
            None => (Value::Null, Value::Null),
        };
        json!({
            "time": humantime::format_rfc3339_micros(wall_time(clock, self.time)).to_string(),
            "method": String::from_utf8_lossy(&self.method),
            "target": String::from_utf8_lossy(&self.target),
            "status": self.status,
            "latency_ms": (self.latency.as_secs_f64() * 1_000_000.0).round() / 1000.0,
            "id": id,
            "created": created,
        })
    }
}

/// The admin state: the journal, counters, and the seed to reset to.
#[derive(Debug)]
pub struct Admin {
    /// Shards of `(sequence, record)`: consecutive requests land in
    /// different shards, so the runtime's threads seldom wait on one lock.
    journal: Vec<Mutex<VecDeque<(u64, Record)>>>,
    capacity: usize,
    started: Instant,
    requests: AtomicU64,
    /// A wall-clock time and the monotonic instant it was read at: journal
    /// times are instants (cheap to read), turned into wall time when shown.
    clock: (SystemTime, Instant),
    seed: Vec<(String, Item)>,
    openapi: Bytes,
}

impl Admin {
    /// An admin API keeping the last `capacity` requests, resetting to
    /// `seed`, serving `openapi` (the reference's document with the admin
    /// routes added).
    pub fn new(capacity: usize, seed: Vec<(String, Item)>) -> Admin {
        Admin {
            journal: (0..SHARDS).map(|_| Mutex::new(VecDeque::new())).collect(),
            capacity,
            started: Instant::now(),
            requests: AtomicU64::new(0),
            clock: (SystemTime::now(), Instant::now()),
            seed,
            openapi: Bytes::from(openapi_with_admin()),
        }
    }

    /// The OpenAPI document to serve when `--admin` is on.
    pub fn openapi(&self) -> Bytes {
        self.openapi.clone()
    }

    /// Adds a request to the journal. Each shard keeps at most `capacity`
    /// records, so the last `capacity` overall are always there.
    pub fn record(&self, record: Record) {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        if self.capacity == 0 {
            return;
        }
        let per_shard = self.capacity.div_ceil(SHARDS).max(1);
        let mut shard = lock(&self.journal[(n % SHARDS as u64) as usize]);
        if shard.len() >= per_shard {
            shard.pop_front();
        }
        shard.push_back((n, record));
    }

    /// The last `capacity` records, oldest first.
    fn journal(&self) -> Vec<Record> {
        let mut all: Vec<(u64, Record)> = self
            .journal
            .iter()
            .flat_map(|shard| lock(shard).iter().cloned().collect::<Vec<_>>())
            .collect();
        all.sort_unstable_by_key(|(n, _)| *n);
        let skip = all.len().saturating_sub(self.capacity);
        all.into_iter().skip(skip).map(|(_, r)| r).collect()
    }

    fn clear_journal(&self) {
        for shard in &self.journal {
            lock(shard).clear();
        }
    }
}

/// The wall time of `at`, from a (wall time, instant) pair read together.
fn wall_time((wall, then): (SystemTime, Instant), at: Instant) -> SystemTime {
    match at.checked_duration_since(then) {
        Some(after) => wall + after,
        None => wall - then.duration_since(at),
    }
}

/// Journal shards (see [`Admin`]).
const SHARDS: usize = 16;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether a request target is under [`PREFIX`].
pub fn is_admin_target(target: &[u8]) -> bool {
    target.starts_with(PREFIX.as_bytes())
}

/// Answers an admin request; with `--state`, a reset also returns the
/// commit to wait for before answering.
pub(super) fn handle(
    app: &App,
    admin: &Admin,
    method: &str,
    target: &str,
    body: &[u8],
) -> (Reply, Option<super::handlers::Durable>) {
    let path = target.split('?').next().unwrap_or(target);
    let rest = &path[PREFIX.len()..];
    if (rest, method) == ("items", "DELETE") {
        return (no_content(), app.reset(&admin.seed));
    }
    let reply = match (rest, method) {
        ("items", "GET") => {
            let mut out = Vec::with_capacity(64 * app.store.len() + 2);
            out.push(b'{');
            for (i, (id, item)) in app.store.snapshot().iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_str(&mut out, id.chars().map(u32::from));
                out.push(b':');
                write_item(&mut out, item);
            }
            out.push(b'}');
            Reply::json(200, out)
        }
        ("items", _) => not_allowed("DELETE, GET"),
        (r, "GET") if r.starts_with("items/") => {
            let id = unquote(&r["items/".len()..]);
            match app.store.get(&id) {
                Some(item) => {
                    let mut out = Vec::with_capacity(64);
                    write_item(&mut out, &item);
                    Reply::json(200, out)
                }
                None => Reply::json(404, Bytes::from_static(br#"{"detail":"Not Found"}"#)),
            }
        }
        (r, _) if r.starts_with("items/") => not_allowed("GET"),
        ("requests", "GET") => {
            let requests: Vec<Value> = admin
                .journal()
                .iter()
                .map(|r| r.to_json(admin.clock))
                .collect();
            let doc = json!({"capacity": admin.capacity, "requests": requests});
            Reply::json(200, doc.to_string())
        }
        ("requests", "DELETE") => {
            admin.clear_journal();
            no_content()
        }
        ("requests", _) => not_allowed("DELETE, GET"),
        ("health", "GET") => {
            let doc = json!({
                "status": "ok",
                "uptime_s": (admin.started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
                "items": app.store.len(),
                "requests": admin.requests.load(Ordering::Relaxed),
            });
            Reply::json(200, doc.to_string())
        }
        ("health", _) => not_allowed("GET"),
        ("faults", "GET") => settings_reply(&app.faults.settings()),
        ("faults", "PUT") => match serde_json::from_slice::<Settings>(body) {
            Ok(settings) => match settings.validate() {
                Ok(()) => {
                    app.faults.set(settings.clone());
                    settings_reply(&settings)
                }
                Err(why) => detail(422, &why),
            },
            Err(e) => detail(422, &format!("invalid fault settings: {e}")),
        },
        ("faults", "DELETE") => {
            app.faults.set(Settings::default());
            no_content()
        }
        ("faults", _) => not_allowed("DELETE, GET, PUT"),
        _ => Reply::json(404, Bytes::from_static(br#"{"detail":"Not Found"}"#)),
    };
    (reply, None)
}

fn settings_reply(settings: &Settings) -> Reply {
    Reply::json(200, serde_json::to_string(settings).unwrap_or_default())
}

fn detail(status: u16, why: &str) -> Reply {
    Reply::json(status, json!({ "detail": why }).to_string())
}

fn no_content() -> Reply {
    Reply::new(204, None, Bytes::new())
}

fn not_allowed(allow: &'static str) -> Reply {
    Reply {
        allow: Some(allow),
        ..Reply::json(
            405,
            Bytes::from_static(br#"{"detail":"Method Not Allowed"}"#),
        )
    }
}

/// `{"name":…,"size":…}`; a name holding a lone surrogate is written with
/// `\uXXXX` escapes (valid JSON; the endpoint itself answers 500 for it).
fn write_item(out: &mut Vec<u8>, item: &Item) {
    out.extend_from_slice(b"{\"name\":");
    match &item.name {
        Some(name) => write_json_str(out, PyStr::code_points(name)),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"size\":");
    match &item.size {
        Some(size) => Int::write_to(size, out),
        None => out.extend_from_slice(b"null"),
    }
    out.push(b'}');
}

/// A JSON string of code points (surrogates escaped).
fn write_json_str(out: &mut Vec<u8>, code_points: impl Iterator<Item = u32>) {
    out.push(b'"');
    for cp in code_points {
        match char::from_u32(cp) {
            Some('"') => out.extend_from_slice(b"\\\""),
            Some('\\') => out.extend_from_slice(b"\\\\"),
            Some(c) if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            }
            Some(c) => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            None => out.extend_from_slice(format!("\\u{cp:04x}").as_bytes()),
        }
    }
    out.push(b'"');
}

/// The reference's OpenAPI document with the admin routes added under
/// `paths` (documented only when `--admin` is on).
fn openapi_with_admin() -> String {
    let mut doc: Value = serde_json::from_str(crate::reference::pages::OPENAPI_JSON)
        .unwrap_or_else(|_| json!({"openapi": "3.1.0", "paths": {}}));
    let op = |summary: &str, status: &str, description: &str| {
        json!({"tags": ["itemctl admin"], "summary": summary,
               "responses": {status: {"description": description}}})
    };
    let mut admin = Map::new();
    admin.insert(
        "/__itemctl/items".into(),
        json!({"get": op("Every stored item, by id, in insertion order", "200", "An object of id to item"),
               "delete": op("Reset the store to the start-up seed", "204", "Reset")}),
    );
    admin.insert(
        "/__itemctl/items/{item_id}".into(),
        json!({"get": op("One stored item", "200", "The item (404 when absent)")}),
    );
    admin.insert(
        "/__itemctl/requests".into(),
        json!({"get": op("The request journal, oldest first", "200", "{capacity, requests}"),
               "delete": op("Empty the journal", "204", "Emptied")}),
    );
    admin.insert(
        "/__itemctl/health".into(),
        json!({"get": op("Liveness, uptime and counts", "200", "{status, uptime_s, items, requests}")}),
    );
    admin.insert(
        "/__itemctl/faults".into(),
        json!({"get": op("The fault settings", "200", "{delay, fail_rate, fail_status, drop_rate, seed}"),
               "put": op("Replace the fault settings", "200", "The settings now in force (422 when invalid)"),
               "delete": op("Clear every fault", "204", "Cleared")}),
    );
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        paths.extend(admin);
    }
    doc.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_json_even_with_lone_surrogates() {
        let mut out = Vec::new();
        write_item(&mut out, &Item::new(Some("a\"b"), Some(3)));
        assert_eq!(out, br#"{"name":"a\"b","size":3}"#);
        let mut out = Vec::new();
        write_json_str(&mut out, [0x61, 0xd800, 0x0a].into_iter());
        assert_eq!(out, br#""a\ud800\u000a""#);
    }

    #[test]
    fn the_admin_openapi_document_lists_the_routes() {
        let doc: Value = serde_json::from_str(&openapi_with_admin()).unwrap();
        assert!(doc["paths"]["/items/{item_id}"].is_object());
        assert!(doc["paths"]["/__itemctl/faults"]["put"].is_object());
    }
}
