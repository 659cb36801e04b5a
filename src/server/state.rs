//! `serve --state PATH`: the items in an SQLite database file (rusqlite,
//! its bundled SQLite), so that they survive a restart and can be read with
//! standard tools (`sqlite3 PATH 'select * from items'`).
//!
//! Every acknowledged upsert is durable before its response is sent: the
//! connection waits for the commit (WAL, `synchronous=FULL`). One writer
//! thread commits whatever writes queued while it was busy in one
//! transaction (group commit), so durability costs one fsync per batch, not
//! per request. Writes are queued under the store's lock, in the order the
//! store applied them. `kill -9` loses no acknowledged write and never
//! leaves a half-written item (a transaction commits whole or not at all).
//!
//! The table: `items(resource TEXT, id TEXT, item TEXT, position
//! INTEGER)`, primary key `(resource, id)`: the resource's path template,
//! the item's key (its path parameters), the item's JSON text (lossless:
//! see [`super::store::Stored`]) and the insertion order (kept by a
//! replace). A file of itemctl's first format (`items(id, name, size,
//! position)`, the tutorial's items) is converted on open.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, params};
use tokio::sync::oneshot;

use super::store::Stored;
use crate::reference::json::{Int, Object, PyStr, Value};

/// `PRAGMA application_id` of an itemctl state file ("itmc").
const APPLICATION_ID: i64 = 0x6974_6d63;

/// The resource the first format's items belong to.
const TUTORIAL_RESOURCE: &str = "/items/{item_id}";

/// Why a state file cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("--state {path}: {why}")]
pub struct StateError {
    path: String,
    why: String,
}

/// Items: resource template, key, item; in insertion order.
pub type Items = Vec<(String, String, Stored)>;

/// Resolves when a write is committed to the state file.
pub type Durable = oneshot::Receiver<Result<(), String>>;

/// What the writer is asked to do.
enum Job {
    Upsert(String, String, Stored),
    Delete(String, String),
    Reset(Items),
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
        let mut conn = Connection::open(path).map_err(|e| err(e.to_string()))?;
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
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;")
            .map_err(|e| err(e.to_string()))?;
        migrate_first_format(&mut conn)
            .map_err(|e| err(format!("cannot convert the file: {e}")))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS items (
                 resource TEXT NOT NULL,
                 id TEXT NOT NULL,
                 item TEXT NOT NULL,
                 position INTEGER NOT NULL,
                 PRIMARY KEY (resource, id)
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
    pub fn upsert(&self, resource: &str, key: &str, item: &Stored) -> Durable {
        self.send(Job::Upsert(
            resource.to_owned(),
            key.to_owned(),
            item.clone(),
        ))
    }

    /// Queues a delete.
    pub fn delete(&self, resource: &str, key: &str) -> Durable {
        self.send(Job::Delete(resource.to_owned(), key.to_owned()))
    }

    /// Queues a reset to exactly `items`.
    pub fn reset(&self, items: &[(String, String, Stored)]) -> Durable {
        self.send(Job::Reset(items.to_vec()))
    }

    fn send(&self, job: Job) -> Durable {
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

fn text(item: &Stored) -> String {
    // The lossless form is ASCII-escaped where it is not UTF-8 text.
    String::from_utf8_lossy(&item.json).into_owned()
}

fn apply(
    conn: &mut Connection,
    batch: &[(Job, oneshot::Sender<Result<(), String>>)],
    next_position: &mut i64,
) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO items (resource, id, item, position) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(resource, id) DO UPDATE SET item = excluded.item",
        )?;
        let mut delete = tx.prepare_cached("DELETE FROM items WHERE resource = ?1 AND id = ?2")?;
        for (job, _) in batch {
            match job {
                Job::Upsert(resource, key, item) => {
                    upsert.execute(params![resource, key, text(item), *next_position])?;
                    *next_position += 1;
                }
                Job::Delete(resource, key) => {
                    delete.execute(params![resource, key])?;
                }
                Job::Reset(items) => {
                    tx.execute("DELETE FROM items", [])?;
                    for (resource, key, item) in items {
                        upsert.execute(params![resource, key, text(item), *next_position])?;
                        *next_position += 1;
                    }
                }
            }
        }
    }
    tx.commit()
}

/// Every item, in insertion order.
fn read_items(conn: &Connection) -> Result<Items, String> {
    let mut stmt = conn
        .prepare("SELECT resource, id, item FROM items ORDER BY position")
        .map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map([], |r| {
            let resource: String = r.get(0)?;
            let key: String = r.get(1)?;
            let json = match r.get_ref(2)? {
                ValueRef::Text(t) | ValueRef::Blob(t) => t.to_vec(),
                other => {
                    return Err(rusqlite::Error::InvalidColumnType(
                        2,
                        "item".into(),
                        other.data_type(),
                    ));
                }
            };
            Ok((resource, key, json))
        })
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for row in rows {
        let (resource, key, json) = row.map_err(|e| format!("a row cannot be read ({e})"))?;
        let value = crate::reference::json::decode(&json)
            .map_err(|e| format!("the item {key:?} of {resource} is not JSON ({e})"))?;
        out.push((resource, key, Stored::of(&value)));
    }
    Ok(out)
}

/// Converts a file of the first format (`items(id, name, size,
/// position)`: the tutorial's items) to the current one, in one
/// transaction.
fn migrate_first_format(conn: &mut Connection) -> rusqlite::Result<()> {
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('items')")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if columns != ["id", "name", "size", "position"] {
        return Ok(());
    }
    let tx = conn.transaction()?;
    let rows: Vec<(String, Value, i64)> = {
        let mut stmt =
            tx.prepare("SELECT id, name, size, position FROM items ORDER BY position")?;
        let rows = stmt.query_map([], |r| {
            let id: String = r.get(0)?;
            let name = match r.get_ref(1)? {
                ValueRef::Text(t) => Value::Str(PyStr::new(&String::from_utf8_lossy(t))),
                ValueRef::Blob(b) => Value::Str(PyStr::from_wtf8(b.to_vec(), true)),
                _ => Value::Null,
            };
            let size = match r.get_ref(2)? {
                ValueRef::Integer(v) => Value::Int(Int::Small(v)),
                ValueRef::Text(t) => {
                    let t = String::from_utf8_lossy(t);
                    Value::Int(Int::from_digits(
                        t.starts_with('-'),
                        t.trim_start_matches('-'),
                    ))
                }
                _ => Value::Null,
            };
            let mut item = Object::new();
            item.insert(PyStr::new("name"), name);
            item.insert(PyStr::new("size"), size);
            Ok((id, Value::Object(item), r.get(3)?))
        })?;
        rows.collect::<Result<_, _>>()?
    };
    tx.execute_batch(
        "DROP TABLE items;
         CREATE TABLE items (
             resource TEXT NOT NULL,
             id TEXT NOT NULL,
             item TEXT NOT NULL,
             position INTEGER NOT NULL,
             PRIMARY KEY (resource, id)
         );",
    )?;
    for (id, item, position) in rows {
        tx.execute(
            "INSERT INTO items (resource, id, item, position) VALUES (?1, ?2, ?3, ?4)",
            params![TUTORIAL_RESOURCE, id, text(&Stored::of(&item)), position],
        )?;
    }
    tx.commit()
}
