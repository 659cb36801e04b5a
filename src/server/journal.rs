//! The `--admin` request journal: the last requests, in order, kept in
//! shards so that the runtime's threads seldom wait on one lock.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

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
    /// For upserts (and deletes): the key, and whether the upsert created
    /// it.
    pub upsert: Option<(String, Option<bool>)>,
    /// The request headers, in order (names lower case, values Latin-1).
    pub headers: Vec<(Box<str>, Box<str>)>,
    /// The body's first [`BODY_KEPT`] bytes.
    pub body: bytes::Bytes,
    /// The body's length, in bytes.
    pub body_len: usize,
}

/// How much of a request body the journal keeps.
pub const BODY_KEPT: usize = 64 * 1024;

impl Record {
    /// The record as JSON: `{"time","method","target","status",
    /// "latency_ms","id","created","headers","body","body_length",
    /// "body_truncated"}` (id and created null for other requests;
    /// created null when the upsert stored nothing; headers an object of
    /// lower-case name → value, repeated ones joined by `, `; the body as
    /// text, U+FFFD for bytes that are not UTF-8).
    pub fn to_json(&self, clock: (SystemTime, Instant)) -> Value {
        let mut headers = serde_json::Map::new();
        for (name, value) in &self.headers {
            match headers.get_mut(&**name) {
                Some(Value::String(v)) => {
                    v.push_str(", ");
                    v.push_str(value);
                }
                _ => {
                    headers.insert(name.to_string(), Value::String(value.to_string()));
                }
            }
        }
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
            "headers": headers,
            "body": String::from_utf8_lossy(&self.body),
            "body_length": self.body_len,
            "body_truncated": self.body_len > self.body.len(),
        })
    }
}

/// The request journal and its counters.
#[derive(Debug)]
pub struct Journal {
    /// Shards of `(sequence, record)`: consecutive requests land in
    /// different shards, so the runtime's threads seldom wait on one lock.
    journal: Vec<Mutex<VecDeque<(u64, Record)>>>,
    /// The most records kept.
    pub capacity: usize,
    /// When the server started.
    pub started: Instant,
    /// Requests recorded so far.
    pub requests: AtomicU64,
    /// A wall-clock time and the monotonic instant it was read at: journal
    /// times are instants (cheap to read), turned into wall time when shown.
    pub clock: (SystemTime, Instant),
}

impl Journal {
    /// A journal keeping the last `capacity` requests.
    pub fn new(capacity: usize) -> Journal {
        Journal {
            journal: (0..SHARDS).map(|_| Mutex::new(VecDeque::new())).collect(),
            capacity,
            started: Instant::now(),
            requests: AtomicU64::new(0),
            clock: (SystemTime::now(), Instant::now()),
        }
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
    pub fn records(&self) -> Vec<Record> {
        let mut all: Vec<(u64, Record)> = self
            .journal
            .iter()
            .flat_map(|shard| lock(shard).iter().cloned().collect::<Vec<_>>())
            .collect();
        all.sort_unstable_by_key(|(n, _)| *n);
        let skip = all.len().saturating_sub(self.capacity);
        all.into_iter().skip(skip).map(|(_, r)| r).collect()
    }

    /// Empties the journal.
    pub fn clear(&self) {
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

/// Journal shards (see [`Journal`]).
const SHARDS: usize = 16;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
