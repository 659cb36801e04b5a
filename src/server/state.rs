//! `serve --state PATH`: the items in an SQLite database file (rusqlite,
//! its bundled SQLite), so that they survive a restart and can be read with
//! standard tools (`sqlite3 PATH 'select * from items'`).
//!
//! Every acknowledged write is durable before its response is sent: the
//! connection waits for the commit, and a commit returns once SQLite has
//! fsync'd the write-ahead log (`journal_mode=WAL`, `synchronous=FULL`:
//! "the WAL file is synchronized before each transaction commit"). One
//! writer thread commits whatever writes queued while it was busy in one
//! transaction (group commit), so durability costs one fsync per batch,
//! not per request. Writes are queued under the store's lock, in the order
//! the store applied them. `kill -9` loses no acknowledged write and never
//! leaves a half-written item (a transaction commits whole or not at all).
//!
//! The file is a log, so that a commit writes a few pages at its end
//! rather than one page per item wherever the item's key sorts:
//! `log(seq INTEGER PRIMARY KEY, resource TEXT, id TEXT, item TEXT,
//! position INTEGER)`, one row per write in commit order (`item` NULL for
//! a delete), `position` the item's insertion order (kept by a replace).
//! The view `items(resource, id, item, position)` is each key's last row
//! that is not a delete: the items. The writer keeps the log at most about
//! twice the items (plus 1,024 rows): with each batch it moves the oldest
//! rows that are still an item's last to the end and deletes the oldest
//! rows. Files of itemctl's earlier formats (`items(resource, id, item,
//! position)` keyed by resource and id, and `items(id, name, size,
//! position)` of the tutorial's items) are converted on open.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use bytes::Bytes;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::oneshot;

use super::store::Stored;
use crate::reference::json::{Int, Object, PyStr, Value};

/// `PRAGMA application_id` of an itemctl state file ("itmc").
const APPLICATION_ID: i64 = 0x6974_6d63;

/// `PRAGMA user_version` of the log format.
const LOG_FORMAT: i64 = 2;

/// The resource the first format's items belong to.
const TUTORIAL_RESOURCE: &str = "/items/{item_id}";

/// Log rows allowed beyond twice the items before the writer compacts.
const SLACK: usize = 1024;

/// The most old rows one batch compacts.
const MAX_COMPACT: usize = 8192;

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
    Upsert(String, String, Bytes),
    Delete(String, String),
    Reset(Items),
    /// From now on, hand each batch's answers to this task (see
    /// [`State::answer_on`]).
    AnswerVia(tokio::sync::mpsc::UnboundedSender<Answers>),
}

/// Who waits for a commit.
type Done = oneshot::Sender<Result<(), String>>;

/// A batch's waiters and its commit's outcome.
type Answers = (Vec<Done>, Result<(), String>);

/// A handle on the writer thread.
#[derive(Debug)]
pub struct State {
    jobs: mpsc::Sender<(Job, Done)>,
    path: PathBuf,
}

const CREATE_LOG: &str = "CREATE TABLE log (
         seq INTEGER PRIMARY KEY,
         resource TEXT NOT NULL,
         id TEXT NOT NULL,
         item TEXT,
         position INTEGER NOT NULL
     );";

const CREATE_ITEMS_VIEW: &str = "CREATE VIEW items AS
         SELECT resource, id, item, position
         FROM (SELECT resource, id, item, position, max(seq) FROM log GROUP BY resource, id)
         WHERE item IS NOT NULL;";

/// Per resource template, each live key's slot.
type Live = HashMap<String, HashMap<Box<str>, Slot, foldhash::fast::RandomState>>;

/// The slots of `resource`.
fn slots<'a>(
    live: &'a mut Live,
    resource: &str,
) -> &'a mut HashMap<Box<str>, Slot, foldhash::fast::RandomState> {
    if !live.contains_key(resource) {
        live.insert(resource.to_owned(), HashMap::default());
    }
    live.get_mut(resource).expect("inserted above")
}

/// Records a write of `key`: its slot's new last row, and its position
/// (kept by a replace, the next one for a new key).
fn record(live: &mut Live, resource: &str, key: &str, seq: i64, next_position: &mut i64) -> i64 {
    let slots = slots(live, resource);
    match slots.get_mut(key) {
        Some(slot) => {
            slot.seq = seq;
            slot.position
        }
        None => {
            let position = *next_position;
            *next_position += 1;
            slots.insert(key.into(), Slot { seq, position });
            position
        }
    }
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
        migrate_table_format(&mut conn)
            .map_err(|e| err(format!("cannot convert the file: {e}")))?;
        let has_log = conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'log'",
                [],
                |_| Ok(()),
            )
            .optional()
            .map_err(|e| err(e.to_string()))?
            .is_some();
        if !has_log {
            conn.execute_batch(&format!("{CREATE_LOG}{CREATE_ITEMS_VIEW}"))
                .map_err(|e| err(e.to_string()))?;
        }
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(|e| err(e.to_string()))?;
        conn.pragma_update(None, "user_version", LOG_FORMAT)
            .map_err(|e| err(e.to_string()))?;
        let log = Log::read(&conn).map_err(err)?;
        let items = (existed && app_id == APPLICATION_ID).then(|| log.items());
        let mut writer = Writer::new(conn, log);
        if writer.rows > 2 * writer.live() + SLACK {
            writer
                .rewrite()
                .map_err(|e| err(format!("cannot compact the file: {e}")))?;
        }
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("itemctl-state".into())
            .spawn(move || writer.run(&rx))
            .map_err(|e| err(format!("cannot start the writer: {e}")))?;
        Ok((
            State {
                jobs: tx,
                path: path.to_owned(),
            },
            items,
        ))
    }

    /// Has a task on `runtime` wake the connections waiting for a commit:
    /// the writer thread then wakes the runtime once per batch (one
    /// cross-thread wake-up, a system call when the runtime sleeps)
    /// rather than once per write, and each connection is woken from the
    /// runtime's own thread.
    pub fn answer_on(&self, runtime: &tokio::runtime::Handle) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Answers>();
        runtime.spawn(async move {
            while let Some((waiters, result)) = rx.recv().await {
                for done in waiters {
                    let _ = done.send(result.clone());
                }
            }
        });
        let (done, _) = oneshot::channel();
        let _ = self.jobs.send((Job::AnswerVia(tx), done));
    }

    /// Queues an upsert; the receiver resolves when it is committed (or
    /// with the error that stopped it).
    pub fn upsert(&self, resource: &str, key: &str, item: &Stored) -> Durable {
        self.send(Job::Upsert(
            resource.to_owned(),
            key.to_owned(),
            item.json.clone(),
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

/// Where a key's item is in the log.
#[derive(Clone, Copy, Debug)]
struct Slot {
    /// Its last row.
    seq: i64,
    /// Its insertion order.
    position: i64,
}

/// What the log holds: every resource's live keys, the row count and the
/// next numbers to use.
#[derive(Debug, Default)]
struct Log {
    /// Resource template → key → slot.
    live: Live,
    /// Every key's last item, for the caller: resource, key → item.
    latest: Vec<(String, String, Bytes, i64)>,
    rows: usize,
    next_seq: i64,
    next_position: i64,
    oldest: i64,
}

impl Log {
    /// Reads the log in commit order.
    fn read(conn: &Connection) -> Result<Log, String> {
        let mut log = Log {
            next_seq: 1,
            next_position: 1,
            oldest: 1,
            ..Log::default()
        };
        let mut stmt = conn
            .prepare("SELECT seq, resource, id, item, position FROM log ORDER BY seq")
            .map_err(|e| e.to_string())?;
        let mut rows = stmt.query([]).map_err(|e| e.to_string())?;
        // (resource, key) → index in `latest` (its item, or None when deleted).
        let mut latest: Vec<Option<(String, String, Bytes, i64)>> = Vec::new();
        let mut at: HashMap<(String, String), usize> = HashMap::new();
        let mut first = true;
        while let Some(row) = rows
            .next()
            .map_err(|e| format!("a row cannot be read ({e})"))?
        {
            let (seq, resource, key, item, position) =
                read_row(row).map_err(|e| format!("a row cannot be read ({e})"))?;
            if first {
                log.oldest = seq;
                first = false;
            }
            log.rows += 1;
            log.next_seq = seq + 1;
            log.next_position = log.next_position.max(position + 1);
            let slots = slots(&mut log.live, &resource);
            let entry = (resource, key);
            match item {
                Some(json) => {
                    let position = slots.get(entry.1.as_str()).map_or(position, |s| s.position);
                    slots.insert(entry.1.as_str().into(), Slot { seq, position });
                    let value = (entry.0.clone(), entry.1.clone(), json, position);
                    match at.get(&entry) {
                        Some(&i) => latest[i] = Some(value),
                        None => {
                            at.insert(entry, latest.len());
                            latest.push(Some(value));
                        }
                    }
                }
                None => {
                    slots.remove(entry.1.as_str());
                    if let Some(&i) = at.get(&entry) {
                        latest[i] = None;
                        at.remove(&entry);
                    }
                }
            }
        }
        let mut items: Vec<_> = latest.into_iter().flatten().collect();
        items.sort_by_key(|(_, _, _, position)| *position);
        log.latest = items;
        Ok(log)
    }

    /// The items, in insertion order, decoded.
    fn items(&self) -> Items {
        self.latest
            .iter()
            .map(|(resource, key, json, _)| {
                let stored = match crate::reference::json::decode(json) {
                    Ok(value) => Stored::of(&value),
                    // Written by this module: it decodes. Kept as it is
                    // should it not.
                    Err(_) => Stored {
                        json: json.clone(),
                        renderable: false,
                    },
                };
                (resource.clone(), key.clone(), stored)
            })
            .collect()
    }
}

type Row = (i64, String, String, Option<Bytes>, i64);

fn read_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let item = match row.get_ref(3)? {
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(Bytes::copy_from_slice(t)),
        ValueRef::Null => None,
        other => {
            return Err(rusqlite::Error::InvalidColumnType(
                3,
                "item".into(),
                other.data_type(),
            ));
        }
    };
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, item, row.get(4)?))
}

/// The writer thread's side: the connection and what the log holds.
struct Writer {
    conn: Connection,
    live: Live,
    rows: usize,
    next_seq: i64,
    next_position: i64,
    /// The first row's seq (rows below it are gone).
    oldest: i64,
}

const APPEND: &str =
    "INSERT INTO log (seq, resource, id, item, position) VALUES (?1, ?2, ?3, ?4, ?5)";

impl Writer {
    fn new(conn: Connection, log: Log) -> Writer {
        Writer {
            conn,
            live: log.live,
            rows: log.rows,
            next_seq: log.next_seq,
            next_position: log.next_position,
            oldest: log.oldest,
        }
    }

    fn live(&self) -> usize {
        self.live.values().map(HashMap::len).sum()
    }

    /// Takes every job queued, applies them in one transaction, commits,
    /// then answers each (directly, or through the runtime's task).
    fn run(&mut self, jobs: &mpsc::Receiver<(Job, Done)>) {
        let mut batch = Vec::new();
        let mut via: Option<tokio::sync::mpsc::UnboundedSender<Answers>> = None;
        while let Ok(first) = jobs.recv() {
            batch.push(first);
            while batch.len() < 4096 {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            batch.retain_mut(|(job, _)| match job {
                Job::AnswerVia(tx) => {
                    via = Some(tx.clone());
                    false
                }
                _ => true,
            });
            if batch.is_empty() {
                continue;
            }
            let result = self.apply(&batch).map_err(|e| e.to_string());
            if result.is_err() {
                // The transaction rolled back: what the log holds is
                // what the file says.
                self.reload();
            }
            let waiters: Vec<Done> = batch.drain(..).map(|(_, done)| done).collect();
            match &via {
                Some(tx) => {
                    if let Err(e) = tx.send((waiters, result)) {
                        let (waiters, result) = e.0;
                        answer(waiters, &result);
                    }
                }
                None => answer(waiters, &result),
            }
        }
    }

    fn reload(&mut self) {
        if let Ok(log) = Log::read(&self.conn) {
            self.live = log.live;
            self.rows = log.rows;
            self.next_seq = log.next_seq;
            self.next_position = log.next_position;
            self.oldest = log.oldest;
        }
    }

    fn apply(&mut self, batch: &[(Job, Done)]) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut append = tx.prepare_cached(APPEND)?;
            for (job, _) in batch {
                match job {
                    Job::Upsert(resource, key, json) => {
                        let seq = self.next_seq;
                        self.next_seq += 1;
                        let position =
                            record(&mut self.live, resource, key, seq, &mut self.next_position);
                        append.execute(params![seq, resource, key, text(json), position])?;
                        self.rows += 1;
                    }
                    Job::Delete(resource, key) => {
                        if let Some(slots) = self.live.get_mut(resource.as_str()) {
                            slots.remove(key.as_str());
                        }
                        let seq = self.next_seq;
                        self.next_seq += 1;
                        append.execute(params![seq, resource, key, None::<&str>, 0])?;
                        self.rows += 1;
                    }
                    Job::AnswerVia(_) => {}
                    Job::Reset(items) => {
                        tx.execute("DELETE FROM log", [])?;
                        self.live.clear();
                        self.rows = 0;
                        self.oldest = self.next_seq;
                        for (resource, key, item) in items {
                            let seq = self.next_seq;
                            self.next_seq += 1;
                            // A repeated key keeps its first place.
                            let position =
                                record(&mut self.live, resource, key, seq, &mut self.next_position);
                            append.execute(params![
                                seq,
                                resource,
                                key,
                                text(&item.json),
                                position
                            ])?;
                            self.rows += 1;
                        }
                    }
                }
            }
        }
        let live: usize = self.live.values().map(HashMap::len).sum();
        if self.rows > 2 * live + SLACK {
            // Enough to keep up: each batch adds its rows, and at most
            // half the oldest rows are still live.
            let chunk = (2 * batch.len() + 64).min(MAX_COMPACT);
            compact(
                &tx,
                &mut self.live,
                chunk,
                &mut self.rows,
                &mut self.next_seq,
                &mut self.oldest,
            )?;
        }
        tx.commit()
    }

    /// Rewrites the whole log as one row per item (at open, when it has
    /// grown: the log of a run that ended before compacting).
    fn rewrite(&mut self) -> rusqlite::Result<()> {
        let rows = self.rows;
        let tx = self.conn.transaction()?;
        let mut left = rows;
        while left > 0 {
            let chunk = left.min(MAX_COMPACT);
            compact(
                &tx,
                &mut self.live,
                chunk,
                &mut self.rows,
                &mut self.next_seq,
                &mut self.oldest,
            )?;
            left -= chunk;
        }
        tx.commit()
    }
}

fn answer(waiters: Vec<Done>, result: &Result<(), String>) {
    for done in waiters {
        let _ = done.send(result.clone());
    }
}

/// Moves the live rows among the oldest `chunk` to the end of the log,
/// then deletes those oldest rows. A delete's row among them is dropped:
/// every row it hid is older, so gone already or with it.
fn compact(
    tx: &rusqlite::Transaction<'_>,
    live: &mut Live,
    chunk: usize,
    rows: &mut usize,
    next_seq: &mut i64,
    oldest: &mut i64,
) -> rusqlite::Result<()> {
    let old: Vec<Row> = {
        let mut stmt = tx.prepare_cached(
            "SELECT seq, resource, id, item, position FROM log WHERE seq >= ?1 ORDER BY seq LIMIT ?2",
        )?;
        stmt.query_map(params![*oldest, chunk as i64], read_row)?
            .collect::<rusqlite::Result<_>>()?
    };
    let Some(last) = old.last().map(|r| r.0) else {
        return Ok(());
    };
    let mut append = tx.prepare_cached(APPEND)?;
    for (seq, resource, key, item, position) in &old {
        let Some(json) = item else { continue };
        let Some(slot) = live
            .get_mut(resource.as_str())
            .and_then(|s| s.get_mut(key.as_str()))
        else {
            continue;
        };
        if slot.seq != *seq {
            continue;
        }
        slot.seq = *next_seq;
        append.execute(params![*next_seq, resource, key, text(json), position])?;
        *next_seq += 1;
        *rows += 1;
    }
    tx.prepare_cached("DELETE FROM log WHERE seq <= ?1")?
        .execute(params![last])?;
    *rows -= old.len();
    *oldest = last + 1;
    Ok(())
}

fn text(json: &[u8]) -> std::borrow::Cow<'_, str> {
    // The lossless form is ASCII-escaped where it is not UTF-8 text.
    String::from_utf8_lossy(json)
}

/// Converts a file of the table format (`items(resource, id, item,
/// position)`, keyed by resource and id) to the log, in one transaction.
fn migrate_table_format(conn: &mut Connection) -> rusqlite::Result<()> {
    let is_table: bool = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'items'",
            [],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !is_table {
        return Ok(());
    }
    let tx = conn.transaction()?;
    tx.execute_batch(CREATE_LOG)?;
    tx.execute_batch(
        "INSERT INTO log (resource, id, item, position)
             SELECT resource, id, item, position FROM items ORDER BY position;
         DROP TABLE items;",
    )?;
    tx.execute_batch(CREATE_ITEMS_VIEW)?;
    tx.commit()
}

/// Converts a file of the first format (`items(id, name, size,
/// position)`: the tutorial's items) to the table format, in one
/// transaction (then [`migrate_table_format`] makes it a log).
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
            params![
                TUTORIAL_RESOURCE,
                id,
                text(&Stored::of(&item).json),
                position
            ],
        )?;
    }
    tx.commit()
}
