//! The in-memory item store behind `itemctl serve`: the reference's
//! module-level `items` dict, seeded with `foo` and `bar` (docs/BEHAVIOR.md §2),
//! behind one lock so that an upsert is atomic.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use crate::contract::Upserted;
use crate::reference::item::Item;
use crate::reference::json::{self, DecodeError, Int, PyStr, Value};

/// The item store. All methods take `&self` and are safe to share.
///
/// Memory: one heap block per item, holding the id and the encoded item
/// (`Entry`), in a SwissTable of 16-byte boxes: about 70 bytes per item
/// with 10-character ids and names.
#[derive(Default)]
pub struct Store {
    table: Mutex<HashTable<Entry>>,
    /// foldhash: fast, and seeded per process (ids come from clients).
    hasher: foldhash::fast::RandomState,
    /// The most items the store takes (`None`: no cap).
    max_items: Option<usize>,
    /// The order number of the next new id.
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

/// The store is at its `--max-items` cap and the id is new.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the store is full ({0} items)")]
pub struct Full(pub usize);

/// One stored item with its id, in one allocation:
/// `[order: u64 LE][id length: u32 LE][id][flags][name length: u32 LE][name][size]`,
/// where order is when the id was first stored (a replace keeps it, as a
/// Python dict keeps a key's place), and
/// flags bit 0 = name present, bit 1 = the name holds a lone surrogate, bits
/// 2-3 = size absent (0), an `i64` LE (1), or decimal text with a u32 LE
/// length (2).
struct Entry(Box<[u8]>);

const NAME: u8 = 1;
const SURROGATES: u8 = 2;
const SIZE_SMALL: u8 = 1 << 2;
const SIZE_BIG: u8 = 2 << 2;

impl Entry {
    fn new(order: u64, id: &str, item: &Item) -> Entry {
        let name = item.name.as_ref().map(PyStr::as_wtf8);
        let mut out =
            Vec::with_capacity(8 + 4 + id.len() + 1 + 4 + name.map_or(0, <[u8]>::len) + 8);
        out.extend_from_slice(&order.to_le_bytes());
        out.extend_from_slice(&len_u32(id.len()).to_le_bytes());
        out.extend_from_slice(id.as_bytes());
        let mut flags = 0;
        if name.is_some() {
            flags |= NAME;
        }
        if item.name.as_ref().is_some_and(PyStr::has_surrogates) {
            flags |= SURROGATES;
        }
        match &item.size {
            None => {}
            Some(Int::Small(_)) => flags |= SIZE_SMALL,
            Some(Int::Big(_)) => flags |= SIZE_BIG,
        }
        out.push(flags);
        if let Some(name) = name {
            out.extend_from_slice(&len_u32(name.len()).to_le_bytes());
            out.extend_from_slice(name);
        }
        match &item.size {
            None => {}
            Some(Int::Small(v)) => out.extend_from_slice(&v.to_le_bytes()),
            Some(Int::Big(digits)) => {
                out.extend_from_slice(&len_u32(digits.len()).to_le_bytes());
                out.extend_from_slice(digits.as_bytes());
            }
        }
        Entry(out.into_boxed_slice())
    }

    fn u32_at(&self, at: usize) -> usize {
        let b = &self.0[at..at + 4];
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
    }

    fn order(&self) -> u64 {
        let mut b = [0u8; 8];
        b.copy_from_slice(&self.0[..8]);
        u64::from_le_bytes(b)
    }

    fn key(&self) -> &[u8] {
        &self.0[12..12 + self.u32_at(8)]
    }

    fn item(&self) -> Item {
        let mut at = 12 + self.u32_at(8);
        let flags = self.0[at];
        at += 1;
        let name = (flags & NAME != 0).then(|| {
            let len = self.u32_at(at);
            at += 4 + len;
            PyStr::from_wtf8(self.0[at - len..at].to_vec(), flags & SURROGATES != 0)
        });
        let size = match flags & (SIZE_SMALL | SIZE_BIG) {
            SIZE_SMALL => {
                let mut b = [0u8; 8];
                b.copy_from_slice(&self.0[at..at + 8]);
                Some(Int::Small(i64::from_le_bytes(b)))
            }
            SIZE_BIG => {
                let len = self.u32_at(at);
                let digits = String::from_utf8_lossy(&self.0[at + 4..at + 4 + len]).into_owned();
                Some(Int::Big(digits.into_boxed_str()))
            }
            _ => None,
        };
        Item { name, size }
    }
}

/// A length as u32: ids and bodies are far below 4 GiB (bodies are capped
/// by `--max-body`), so the cap only guards the arithmetic.
fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Store {
    /// A store holding exactly `items` (a repeated id keeps the last).
    pub fn with_items(items: impl IntoIterator<Item = (String, Item)>) -> Self {
        let store = Store::default();
        for (id, item) in items {
            let _ = store.upsert(&id, item);
        }
        store
    }

    /// Caps the number of items: creating an id beyond `max` fails with
    /// [`Full`]; updates of stored ids always work.
    pub fn with_max_items(mut self, max: Option<usize>) -> Self {
        self.max_items = max;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashTable<Entry>> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores `item` under `id`, replacing any item there, in one step under
    /// the lock: of many concurrent first upserts of an id, exactly one is
    /// `Upserted::Created` (201).
    ///
    /// # Errors
    /// [`Full`] when the id is new and the store holds `max_items`.
    pub fn upsert(&self, id: &str, item: Item) -> Result<Upserted, Full> {
        self.upsert_then(id, item, |_, _| ())
    }

    /// [`Store::upsert`], then `then(outcome, &item)` while the store is
    /// still locked: whatever `then` does (queueing the write for the state
    /// file) happens in the same order as the upserts themselves.
    ///
    /// # Errors
    /// [`Full`], as [`Store::upsert`]; `then` is not called.
    pub fn upsert_then(
        &self,
        id: &str,
        item: Item,
        then: impl FnOnce(Upserted, &Item),
    ) -> Result<Upserted, Full> {
        let hash = self.hasher.hash_one(id.as_bytes());
        let mut table = self.lock();
        if let Some(slot) = table.find_mut(hash, |e| e.key() == id.as_bytes()) {
            *slot = Entry::new(slot.order(), id, &item);
            then(Upserted::Replaced, &item);
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
        table.insert_unique(hash, Entry::new(order, id, &item), |e| {
            self.hasher.hash_one(e.key())
        });
        then(Upserted::Created, &item);
        Ok(Upserted::Created)
    }

    /// Every stored item with its id, in the order the ids were first
    /// stored.
    pub fn snapshot(&self) -> Vec<(String, Item)> {
        let table = self.lock();
        let mut entries: Vec<&Entry> = table.iter().collect();
        entries.sort_unstable_by_key(|e| e.order());
        entries
            .into_iter()
            .map(|e| (String::from_utf8_lossy(e.key()).into_owned(), e.item()))
            .collect()
    }

    /// Replaces every item with `items` (in their order), in one step under
    /// the lock; `then` runs under it too (to reset the state file in the
    /// same order as upserts).
    pub fn reset_then(&self, items: &[(String, Item)], then: impl FnOnce()) {
        let mut table = self.lock();
        table.clear();
        for (id, item) in items {
            let hash = self.hasher.hash_one(id.as_bytes());
            if let Some(slot) = table.find_mut(hash, |e| e.key() == id.as_bytes()) {
                *slot = Entry::new(slot.order(), id, item);
            } else {
                let order = self
                    .next_order
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                table.insert_unique(hash, Entry::new(order, id, item), |e| {
                    self.hasher.hash_one(e.key())
                });
            }
        }
        then();
    }

    /// The item stored under `id`.
    pub fn get(&self, id: &str) -> Option<Item> {
        let hash = self.hasher.hash_one(id.as_bytes());
        self.lock()
            .find(hash, |e| e.key() == id.as_bytes())
            .map(Entry::item)
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

/// Reads a seed file: a JSON object of id → `{"name": str|null, "size":
/// int|null}` (either key may be left out, meaning null).
///
/// # Errors
/// [`SeedError`] naming the file, and for syntax errors the line and
/// column.
pub fn load_seed(path: &Path) -> Result<Vec<(String, Item)>, SeedError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| SeedError::Read {
        path: shown.clone(),
        source,
    })?;
    let shape = |msg: String| SeedError::Shape {
        path: shown.clone(),
        msg,
    };
    let value = json::decode(&bytes).map_err(|e| match e {
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
        DecodeError::Unparseable(why) => shape(why.to_string()),
    })?;
    let Value::Object(entries) = value else {
        return Err(shape(
            "expected a JSON object of id → {\"name\", \"size\"}".into(),
        ));
    };
    let mut items = Vec::with_capacity(entries.len());
    for (id, item) in entries.iter() {
        let id_text = id
            .as_str()
            .ok_or_else(|| shape("an id holds a lone surrogate".into()))?;
        let Value::Object(fields) = item else {
            return Err(shape(format!(
                "item {id_text:?}: expected an object with \"name\" and \"size\""
            )));
        };
        let name = match fields.get("name") {
            None | Some(Value::Null) => None,
            Some(Value::Str(s)) if !s.has_surrogates() => Some(s.clone()),
            Some(_) => {
                return Err(shape(format!(
                    "item {id_text:?}: \"name\" must be a string or null"
                )));
            }
        };
        let size = match fields.get("size") {
            None | Some(Value::Null) => None,
            Some(Value::Int(i)) => Some(i.clone()),
            Some(_) => {
                return Err(shape(format!(
                    "item {id_text:?}: \"size\" must be an integer or null"
                )));
            }
        };
        if let Some((key, _)) = fields
            .iter()
            .find(|(k, _)| !matches!(k.as_str(), Some("name" | "size")))
        {
            return Err(shape(format!(
                "item {id_text:?}: unknown field {:?} (only \"name\" and \"size\")",
                key.to_string_lossy()
            )));
        }
        items.push((id_text.to_owned(), Item { name, size }));
    }
    Ok(items)
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

    #[test]
    fn upsert_reports_created_then_replaced() {
        let store = Store::with_items(crate::reference::item::seed());
        assert_eq!(store.upsert("foo", Item::default()), Ok(Upserted::Replaced));
        assert_eq!(store.get("foo"), Some(Item::default()));
        assert_eq!(
            store.upsert("new", Item::new(Some("x"), Some(1))),
            Ok(Upserted::Created)
        );
        assert_eq!(
            store.upsert("new", Item::new(Some("y"), None)),
            Ok(Upserted::Replaced)
        );
        assert_eq!(store.get("new"), Some(Item::new(Some("y"), None)));
        assert_eq!(store.len(), 3);
    }

    #[test]
    fn concurrent_first_upserts_create_once() {
        let store = Arc::new(Store::default());
        let threads: Vec<_> = (0..16)
            .map(|i| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || store.upsert("same", Item::new(None, Some(i))))
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
    fn a_full_store_refuses_new_ids_and_keeps_the_rest() {
        let store = Store::with_items(crate::reference::item::seed()).with_max_items(Some(3));
        assert_eq!(
            store.upsert("third", Item::default()),
            Ok(Upserted::Created)
        );
        assert_eq!(store.upsert("fourth", Item::default()), Err(Full(3)));
        assert_eq!(
            store.upsert("foo", Item::new(Some("still"), None)),
            Ok(Upserted::Replaced)
        );
        assert_eq!(store.len(), 3);
        assert_eq!(store.get("bar"), Some(Item::new(Some("Tenders"), Some(3))));
    }

    #[test]
    fn items_round_trip_through_the_encoding() {
        let store = Store::default();
        let big = Int::Big("-123456789012345678901234567890".into());
        let surrogate = match crate::reference::json::decode(br#""a\ud800""#) {
            Ok(Value::Str(s)) => s,
            other => panic!("{other:?}"),
        };
        let items = [
            Item::default(),
            Item::new(Some(""), Some(i64::MIN)),
            Item::new(Some("名前 é"), None),
            Item {
                name: None,
                size: Some(big),
            },
            Item {
                name: Some(surrogate),
                size: Some(Int::Small(0)),
            },
        ];
        for (i, item) in items.iter().enumerate() {
            let id = format!("id-{i}-ünï");
            assert_eq!(store.upsert(&id, item.clone()), Ok(Upserted::Created));
            assert_eq!(store.get(&id).as_ref(), Some(item), "{id}");
        }
        assert_eq!(store.get("missing"), None);
    }

    #[test]
    fn seed_files() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.json");
        std::fs::write(
            &good,
            r#"{"a":{"name":"A","size":1},"b":{"size":null},"c":{}}"#,
        )
        .unwrap();
        let items = load_seed(&good).unwrap();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0], ("a".into(), Item::new(Some("A"), Some(1))));
        assert_eq!(items[2], ("c".into(), Item::default()));

        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{\n  \"a\": {\"name\": \"A\",}\n}").unwrap();
        let err = load_seed(&bad).unwrap_err().to_string();
        assert!(
            err.contains("bad.json") && err.contains("line 2, column 21"),
            "{err}"
        );

        let wrong = dir.path().join("wrong.json");
        std::fs::write(&wrong, r#"{"a":{"size":"3"}}"#).unwrap();
        let err = load_seed(&wrong).unwrap_err().to_string();
        assert!(err.contains("\"size\" must be an integer"), "{err}");

        let missing = dir.path().join("missing.json");
        assert!(matches!(load_seed(&missing), Err(SeedError::Read { .. })));
    }
}
