//! `serve --state PATH`: the items in an SQLite database file (rusqlite,
//! its bundled SQLite), so that they survive a restart and can be read with
//! standard tools (`sqlite3 PATH 'select * from items'`).
//!
//! Every acknowledged upsert is durable before its response is sent: the
//! connection waits for the commit (WAL, `synchronous=FULL`). One writer
//! thread commits whatever upserts queued while it was busy in one
//! transaction (group commit), so durability costs one fsync per batch, not
//! per request. Upserts are queued under the store's lock, in the order the
//! store applied them. `kill -9` loses no acknowledged write and never
//! leaves a half-written item (a transaction commits whole or not at all).
//!
//! The table: `items(id TEXT PRIMARY KEY, name, size, position INTEGER)`,
//! `name` TEXT (or a BLOB of generalized UTF-8 when it holds a lone
//! surrogate), `size` INTEGER (or TEXT, decimal, beyond 64 bits),
//! `position` the insertion order (kept by a replace).

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, params};
use tokio::sync::oneshot;

use crate::reference::item::Item;
use crate::reference::json::{Int, PyStr};

/// `PRAGMA application_id` of an itemctl state file ("itmc").
const APPLICATION_ID: i64 = 0x6974_6d63;

/// Why a state file cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("--state {path}: {why}")]
pub struct StateError {
    path: String,
    why: String,
}

/// Resolves when a write is committed to the state file.
pub type Durable = oneshot::Receiver<Result<(), String>>;

/// Items with their ids, in order.
pub type Items = Vec<(String, Item)>;

/// What the writer is asked to do.
enum Job {
    Upsert(String, Item),
    Reset(Vec<(String, Item)>),
}

/// A handle on the writer thread.
#[derive(Debug)]
pub struct State {
    jobs: mpsc::Sender<(Job, oneshot::Sender<Result<(), String>>)>,
    path: PathBuf,
}

impl State {
    /// Opens (or creates) the state file. Returns the writer's handle and
    /// the items the file holds (`None` for a new file, which the caller
    /// seeds through [`State::reset`]).
    ///
    /// # Errors
    /// [`StateError`] for a file that is not SQLite, an SQLite database
    /// that is not itemctl's, or one that cannot be read or written.
    pub fn open(path: &Path) -> Result<(State, Option<Items>), StateError> {
        let err = |why: String| StateError {
            path: path.display().to_string(),
            why,
        };
        let existed = path.exists();
        let conn = Connection::open(path).map_err(|e| err(e.to_string()))?;
        let app_id: i64 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| {
                err(format!(
                    "not an SQLite database ({e}); name a new file or an itemctl state file"
                ))
            })?;
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| err(format!("not an SQLite database ({e})")))?;
        if app_id != APPLICATION_ID && (app_id != 0 || tables > 0) {
            return Err(err(
                "an SQLite database, but not an itemctl state file; name a new file".into(),
            ));
        }
        conn.execute_batch(
            "PRAGMA journal_mode=WAL;
             PRAGMA synchronous=FULL;
             CREATE TABLE IF NOT EXISTS items (
                 id TEXT PRIMARY KEY NOT NULL,
                 name,
                 size,
                 position INTEGER NOT NULL
             );",
        )
        .map_err(|e| err(e.to_string()))?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(|e| err(e.to_string()))?;
        let items = if existed && app_id == APPLICATION_ID {
            Some(read_items(&conn).map_err(err)?)
        } else {
            None
        };
        let (tx, rx) = mpsc::channel();
        let mut next_position: i64 = conn
            .query_row(
                "SELECT coalesce(max(position), 0) + 1 FROM items",
                [],
                |r| r.get(0),
            )
            .map_err(|e| err(e.to_string()))?;
        std::thread::Builder::new()
            .name("itemctl-state".into())
            .spawn(move || writer(conn, rx, &mut next_position))
            .map_err(|e| err(format!("cannot start the writer: {e}")))?;
        Ok((
            State {
                jobs: tx,
                path: path.to_owned(),
            },
            items,
        ))
    }

    /// Queues an upsert; the receiver resolves when it is committed (or
    /// with the error that stopped it).
    pub fn upsert(&self, id: &str, item: &Item) -> oneshot::Receiver<Result<(), String>> {
        self.send(Job::Upsert(id.to_owned(), item.clone()))
    }

    /// Queues a reset to exactly `items`.
    pub fn reset(&self, items: &[(String, Item)]) -> oneshot::Receiver<Result<(), String>> {
        self.send(Job::Reset(items.to_vec()))
    }

    fn send(&self, job: Job) -> oneshot::Receiver<Result<(), String>> {
        let (done, wait) = oneshot::channel();
        if let Err(mpsc::SendError((_, done))) = self.jobs.send((job, done)) {
            let _ = done.send(Err(format!(
                "the state writer for {} stopped",
                self.path.display()
            )));
        }
        wait
    }
}

/// The writer thread: takes every job queued, applies them in one
/// transaction, commits, then answers each.
fn writer(
    mut conn: Connection,
    jobs: mpsc::Receiver<(Job, oneshot::Sender<Result<(), String>>)>,
    next_position: &mut i64,
) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < 4096 {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let result = apply(&mut conn, &batch, next_position).map_err(|e| e.to_string());
        for (_, done) in batch {
            let _ = done.send(result.clone());
        }
    }
}

fn apply(
    conn: &mut Connection,
    batch: &[(Job, oneshot::Sender<Result<(), String>>)],
    next_position: &mut i64,
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO items (id, name, size, position) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, size = excluded.size",
        )?;
        for (job, _) in batch {
            match job {
                Job::Upsert(id, item) => {
                    upsert.execute(params![
                        id,
                        name_value(item),
                        size_value(item),
                        *next_position
                    ])?;
                    *next_position += 1;
                }
                Job::Reset(items) => {
                    tx.execute("DELETE FROM items", [])?;
                    for (id, item) in items {
                        upsert.execute(params![
                            id,
                            name_value(item),
                            size_value(item),
                            *next_position
                        ])?;
                        *next_position += 1;
                    }
                }
            }
        }
    }
    tx.commit()
}

fn name_value(item: &Item) -> Value {
    match &item.name {
        None => Value::Null,
        Some(name) => match name.as_str() {
            Some(text) => Value::Text(text.to_owned()),
            None => Value::Blob(name.as_wtf8().to_vec()),
        },
    }
}

fn size_value(item: &Item) -> Value {
    match &item.size {
        None => Value::Null,
        Some(Int::Small(v)) => Value::Integer(*v),
        Some(Int::Big(text)) => Value::Text(text.to_string()),
    }
}

/// Every item, in insertion order.
fn read_items(conn: &Connection) -> Result<Items, String> {
    let mut stmt = conn
        .prepare("SELECT id, name, size FROM items ORDER BY position")
        .map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map([], |r| {
            let id: String = r.get(0)?;
            let name = match r.get_ref(1)? {
                ValueRef::Null => None,
                ValueRef::Text(t) => Some(PyStr::new(&String::from_utf8_lossy(t))),
                ValueRef::Blob(b) => Some(PyStr::from_wtf8(b.to_vec(), true)),
                _ => {
                    return Err(rusqlite::Error::InvalidColumnType(
                        1,
                        "name".into(),
                        r.get_ref(1)?.data_type(),
                    ));
                }
            };
            let size = match r.get_ref(2)? {
                ValueRef::Null => None,
                ValueRef::Integer(v) => Some(Int::Small(v)),
                ValueRef::Text(t) => {
                    let text = String::from_utf8_lossy(t);
                    let (negative, digits) = match text.strip_prefix('-') {
                        Some(d) => (true, d),
                        None => (false, text.as_ref()),
                    };
                    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(rusqlite::Error::InvalidColumnType(
                            2,
                            "size".into(),
                            rusqlite::types::Type::Text,
                        ));
                    }
                    Some(Int::from_digits(negative, digits))
                }
                _ => {
                    return Err(rusqlite::Error::InvalidColumnType(
                        2,
                        "size".into(),
                        r.get_ref(2)?.data_type(),
                    ));
                }
            };
            Ok((id, Item { name, size }))
        })
        .map_err(|e| e.to_string())?;
    rows.collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("a row cannot be read ({e})"))
}
