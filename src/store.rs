//! The in-memory item store behind `itemctl serve`: the reference's
//! module-level `items` dict, seeded with `foo` and `bar` (BEHAVIOR.md §2),
//! behind one lock so that an upsert is atomic.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, PoisonError};

use crate::contract::Upserted;
use crate::json::{self, DecodeError, Int, PyStr, Value};

/// One stored item: both fields optional, `None` rendered as `null`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Item {
    /// `name: str | None`.
    pub name: Option<PyStr>,
    /// `size: int | None` (any size).
    pub size: Option<Int>,
}

impl Item {
    /// An item from plain values.
    pub fn new(name: Option<&str>, size: Option<i64>) -> Self {
        Item {
            name: name.map(PyStr::new),
            size: size.map(Int::Small),
        }
    }
}

/// The item store. All methods take `&self` and are safe to share.
#[derive(Debug, Default)]
pub struct Store {
    /// foldhash: fast, and seeded per process (ids come from clients).
    items: Mutex<HashMap<String, Item, foldhash::fast::RandomState>>,
    /// The most items the store takes (`None`: no cap).
    max_items: Option<usize>,
}

/// The store is at its `--max-items` cap and the id is new.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the store is full ({0} items)")]
pub struct Full(pub usize);

impl Store {
    /// A store holding exactly `items`.
    pub fn with_items(items: impl IntoIterator<Item = (String, Item)>) -> Self {
        Store {
            items: Mutex::new(items.into_iter().collect()),
            max_items: None,
        }
    }

    /// Caps the number of items: creating an id beyond `max` fails with
    /// [`Full`]; updates of stored ids always work.
    pub fn with_max_items(mut self, max: Option<usize>) -> Self {
        self.max_items = max;
        self
    }

    /// The reference's seed: `foo → {"name":"Fighters","size":6}`,
    /// `bar → {"name":"Tenders","size":3}`.
    pub fn reference_seed() -> Vec<(String, Item)> {
        vec![
            ("foo".into(), Item::new(Some("Fighters"), Some(6))),
            ("bar".into(), Item::new(Some("Tenders"), Some(3))),
        ]
    }

    /// Stores `item` under `id`, replacing any item there, in one step under
    /// the lock: of many concurrent first upserts of an id, exactly one is
    /// [`Upserted::Created`].
    ///
    /// Errors: [`Full`] when the id is new and the store holds `max_items`.
    pub fn upsert(&self, id: &str, item: Item) -> Result<Upserted, Full> {
        let mut items = self.items.lock().unwrap_or_else(PoisonError::into_inner);
        match items.get_mut(id) {
            Some(slot) => {
                *slot = item;
                Ok(Upserted::Replaced)
            }
            None => {
                if let Some(max) = self.max_items
                    && items.len() >= max
                {
                    return Err(Full(max));
                }
                items.insert(id.to_owned(), item);
                Ok(Upserted::Created)
            }
        }
    }

    /// The item stored under `id`.
    pub fn get(&self, id: &str) -> Option<Item> {
        let items = self.items.lock().unwrap_or_else(PoisonError::into_inner);
        items.get(id).cloned()
    }

    /// The number of stored items.
    pub fn len(&self) -> usize {
        self.items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
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
    #[error("cannot read seed file {path}: {source}")]
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
/// Errors: [`SeedError`] naming the file, and for syntax errors the line and
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
        let store = Store::with_items(Store::reference_seed());
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
        let store = Store::with_items(Store::reference_seed()).with_max_items(Some(3));
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
