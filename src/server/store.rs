//! The item store behind `itemctl serve`: per upsert resource, the app's
//! module-level dict (docs/BEHAVIOR.md §2), behind one lock so that an
//! upsert is atomic.
//!
//! Items are kept as the JSON text the app would answer with
//! ([`Stored`]): `model_dump(mode="json")` rendered once, at upsert time.
//! An item the app could store but not render (a NaN, a lone surrogate:
//! the reference stores it, then answers 500) is kept losslessly, with
//! `NaN` and `\udXXX` escapes, and marked so.

use std::hash::BuildHasher;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use bytes::Bytes;
use hashbrown::HashTable;

use crate::contract::Upserted;
use crate::reference::json::{self, DecodeError, Value};
use crate::reference::render;

/// One stored item: its JSON text, and whether that text is what the app
/// answers (else the answer is a 500).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// The item as JSON: `json.dumps` of `model_dump(mode="json")`, or,
    /// when that raises, a lossless form (`NaN`, `Infinity`, `\udXXX`).
    /// The store keeps a copy (`Entry`), as does the state file's queue
    /// (`Record::encode`); this one becomes the answer where the answer is
    /// the stored item.
    pub json: Bytes,
    /// Whether `json` is what `json.dumps` gives (no NaN, infinity or lone
    /// surrogate in it) and pydantic's serializer too (no float below
    /// 1e-4, which it spells otherwise: [`render::pydantic_differs`]), so
    /// that it can be sent as it is.
    pub renderable: bool,
}

impl Stored {
    /// The stored form of a validated item.
    pub fn of(item: &Value) -> Stored {
        let mut out = Vec::with_capacity(64);
        let renderable = render::write_lossless(&mut out, item) && !render::pydantic_differs(item);
        Stored {
            json: Bytes::from(out),
            renderable,
        }
    }

    /// A validated item already rendered by the compiled happy path
    /// ([`crate::reference::fast`]): renderable by construction.
    pub fn rendered(json: Vec<u8>) -> Stored {
        Stored {
            json: Bytes::from(json),
            renderable: true,
        }
    }

    /// The item, decoded again (CPython's `json.loads`, which reads the
    /// lossless form too).
    pub fn value(&self) -> Value {
        json::decode(&self.json).unwrap_or(Value::Null)
    }
}

/// The store of one resource. All methods take `&self` and are safe to
/// share.
///
/// Memory: one heap block per item, holding the key and the item's JSON
/// (`Entry`), in a SwissTable of 16-byte boxes: about 40 bytes plus the
/// key and the JSON text per item.
#[derive(Default)]
pub struct Store {
    table: Mutex<HashTable<Entry>>,
    /// foldhash: fast, and seeded per process (keys come from clients).
    hasher: foldhash::fast::RandomState,
    /// The most items the store takes (`None`: no cap).
    max_items: Option<usize>,
    /// The order number of the next new key.
    next_order: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("items", &self.len())
            .field("max_items", &self.max_items)
            .finish()
    }
}

/// The store is at its `--max-items` cap and the key is new.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the store is full ({0} items)")]
pub struct Full(pub usize);

/// One stored item with its key, in one allocation:
/// `[order: u64 LE][key length: u32 LE][key][flags][json]`, where order is
/// when the key was first stored (a replace keeps it, as a Python dict
/// keeps a key's place) and flags bit 0 says the JSON is renderable.
struct Entry(Box<[u8]>);

const RENDERABLE: u8 = 1;

impl Entry {
    fn new(order: u64, key: &str, item: &Stored) -> Entry {
        let mut out = Vec::with_capacity(8 + 4 + key.len() + 1 + item.json.len());
        out.extend_from_slice(&order.to_le_bytes());
        out.extend_from_slice(&len_u32(key.len()).to_le_bytes());
        out.extend_from_slice(key.as_bytes());
        out.push(if item.renderable { RENDERABLE } else { 0 });
        out.extend_from_slice(&item.json);
        Entry(out.into_boxed_slice())
    }

    fn key_len(&self) -> usize {
        let b = &self.0[8..12];
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
    }

    fn order(&self) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.0[..8]);
        u64::from_le_bytes(b)
    }

    fn key(&self) -> &[u8] {
        &self.0[12..12 + self.key_len()]
    }

    fn stored(&self) -> Stored {
        let at = 12 + self.key_len();
        Stored {
            renderable: self.0[at] & RENDERABLE != 0,
            json: Bytes::copy_from_slice(&self.0[at + 1..]),
        }
    }
}

/// A length as u32: keys and bodies are far below 4 GiB (bodies are capped
/// by `--max-body`), so the cap only guards the arithmetic.
fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Store {
    /// A store holding exactly `items` (a repeated key keeps the last).
    pub fn with_items(items: impl IntoIterator<Item = (String, Stored)>) -> Self {
        let store = Store::default();
        for (key, item) in items {
            let _ = store.upsert(&key, &item);
        }
        store
    }

    /// Caps the number of items: creating a key beyond `max` fails with
    /// [`Full`]; updates of stored keys always work.
    pub fn with_max_items(mut self, max: Option<usize>) -> Self {
        self.max_items = max;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashTable<Entry>> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores `item` under `key`, replacing any item there, in one step
    /// under the lock: of many concurrent first upserts of a key, exactly
    /// one is `Upserted::Created` (201).
    ///
    /// # Errors
    /// [`Full`] when the key is new and the store holds `max_items`.
    pub fn upsert(&self, key: &str, item: &Stored) -> Result<Upserted, Full> {
        self.upsert_then(key, item, |_| ())
    }

    /// [`Store::upsert`], then `then(outcome)` while the store is still
    /// locked: whatever `then` does (queueing the write for the state
    /// file) happens in the same order as the upserts themselves.
    ///
    /// # Errors
    /// [`Full`], as [`Store::upsert`]; `then` is not called.
    pub fn upsert_then(
        &self,
        key: &str,
        item: &Stored,
        then: impl FnOnce(Upserted),
    ) -> Result<Upserted, Full> {
        let hash = self.hasher.hash_one(key.as_bytes());
        let mut table = self.lock();
        if let Some(slot) = table.find_mut(hash, |e| e.key() == key.as_bytes()) {
            *slot = Entry::new(slot.order(), key, item);
            then(Upserted::Replaced);
            return Ok(Upserted::Replaced);
        }
        if let Some(max) = self.max_items
            && table.len() >= max
        {
            return Err(Full(max));
        }
        let order = self
            .next_order
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        table.insert_unique(hash, Entry::new(order, key, item), |e| {
            self.hasher.hash_one(e.key())
        });
        then(Upserted::Created);
        Ok(Upserted::Created)
    }

    /// Removes `key`, then `then()` under the lock when it was there;
    /// whether it was.
    pub fn remove_then(&self, key: &str, then: impl FnOnce()) -> bool {
        let hash = self.hasher.hash_one(key.as_bytes());
        let mut table = self.lock();
        match table.find_entry(hash, |e| e.key() == key.as_bytes()) {
            Ok(entry) => {
                entry.remove();
                then();
                true
            }
            Err(_) => false,
        }
    }

    /// Every stored item with its key, in the order the keys were first
    /// stored.
    pub fn snapshot(&self) -> Vec<(String, Stored)> {
        let table = self.lock();
        let mut entries: Vec<&Entry> = table.iter().collect();
        entries.sort_unstable_by_key(|e| e.order());
        entries
            .into_iter()
            .map(|e| (String::from_utf8_lossy(e.key()).into_owned(), e.stored()))
            .collect()
    }

    /// Replaces every item with `items` (in their order), in one step under
    /// the lock; `then` runs under it too (to reset the state file in the
    /// same order as upserts).
    pub fn reset_then(&self, items: &[(String, Stored)], then: impl FnOnce()) {
        let mut table = self.lock();
        table.clear();
        for (key, item) in items {
            let hash = self.hasher.hash_one(key.as_bytes());
            if let Some(slot) = table.find_mut(hash, |e| e.key() == key.as_bytes()) {
                *slot = Entry::new(slot.order(), key, item);
            } else {
                let order = self
                    .next_order
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                table.insert_unique(hash, Entry::new(order, key, item), |e| {
                    self.hasher.hash_one(e.key())
                });
            }
        }
        then();
    }

    /// The item stored under `key`.
    pub fn get(&self, key: &str) -> Option<Stored> {
        let hash = self.hasher.hash_one(key.as_bytes());
        self.lock()
            .find(hash, |e| e.key() == key.as_bytes())
            .map(Entry::stored)
    }

    /// The number of stored items.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a seed file was refused.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The file could not be read.
    #[error("cannot read seed file {path}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("seed file {path}: line {line}, column {column}: {msg}")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        column: usize,
        /// What is wrong there.
        msg: String,
    },
    /// The JSON does not have the seed's shape.
    #[error("seed file {path}: {msg}")]
    Shape {
        /// The file.
        path: String,
        /// What is wrong.
        msg: String,
    },
}

/// Reads a seed file as JSON (CPython's `json.loads`).
///
/// # Errors
/// [`SeedError`] naming the file, and for syntax errors the line and
/// column.
pub fn read_seed(path: &Path) -> Result<Value, SeedError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| SeedError::Read {
        path: shown.clone(),
        source,
    })?;
    json::decode(&bytes).map_err(|e| match e {
        DecodeError::Syntax { msg, pos } => {
            let text = String::from_utf8_lossy(&bytes);
            let (line, column) = line_column(&text, pos);
            SeedError::Syntax {
                path: shown.clone(),
                line,
                column,
                msg: msg.to_string(),
            }
        }
        DecodeError::Unparseable(why) => SeedError::Shape {
            path: shown.clone(),
            msg: why.to_string(),
        },
    })
}

/// 1-based line and column of a code point index.
fn line_column(text: &str, pos: usize) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    for c in text.trim_start_matches('\u{feff}').chars().take(pos) {
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn item(json: &str) -> Stored {
        Stored::of(&json::decode(json.as_bytes()).unwrap())
    }

    #[test]
    fn upsert_reports_created_then_replaced() {
        let store = Store::with_items([("foo".into(), item(r#"{"a":1}"#))]);
        assert_eq!(store.upsert("foo", &item("{}")), Ok(Upserted::Replaced));
        assert_eq!(store.get("foo"), Some(item("{}")));
        assert_eq!(store.upsert("new", &item("[1]")), Ok(Upserted::Created));
        assert_eq!(store.len(), 2);
        assert!(store.remove_then("new", || ()));
        assert!(!store.remove_then("new", || panic!("not there")));
        assert_eq!(store.snapshot().len(), 1);
    }

    #[test]
    fn concurrent_first_upserts_create_once() {
        let store = Arc::new(Store::default());
        let threads: Vec<_> = (0..16)
            .map(|i| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || store.upsert("same", &item(&format!("{i}"))))
            })
            .collect();
        let created = threads
            .into_iter()
            .map(|t| t.join().expect("thread"))
            .filter(|u| *u == Ok(Upserted::Created))
            .count();
        assert_eq!(created, 1);
    }

    #[test]
    fn a_full_store_refuses_new_keys_and_keeps_the_rest() {
        let store = Store::default().with_max_items(Some(1));
        assert_eq!(store.upsert("a", &item("1")), Ok(Upserted::Created));
        assert_eq!(store.upsert("b", &item("1")), Err(Full(1)));
        assert_eq!(store.upsert("a", &item("2")), Ok(Upserted::Replaced));
        assert_eq!(store.get("a"), Some(item("2")));
    }

    #[test]
    fn unrenderable_items_are_kept_losslessly() {
        let nan = item(r#"{"f":NaN,"s":"a\ud800","n":123456789012345678901234567890}"#);
        assert!(!nan.renderable);
        assert_eq!(
            &*nan.json,
            br#"{"f":NaN,"s":"a\ud800","n":123456789012345678901234567890}"#
        );
        let store = Store::default();
        store.upsert("k-ünï", &nan).unwrap();
        // NaN is not equal to itself: compare the stored text again.
        assert_eq!(Stored::of(&store.get("k-ünï").unwrap().value()), nan);
        assert!(item(r#"{"name":"x"}"#).renderable);
    }

    #[test]
    fn seed_files_report_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{\n  \"a\": {\"name\": \"A\",}\n}").unwrap();
        let err = read_seed(&bad).unwrap_err().to_string();
        assert!(
            err.contains("bad.json") && err.contains("line 2, column 21"),
            "{err}"
        );
        let missing = dir.path().join("missing.json");
        assert!(matches!(read_seed(&missing), Err(SeedError::Read { .. })));
    }
}
