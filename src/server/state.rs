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
//! the store applied them: appended to one buffer, each with a ticket
//! (no allocation, no channel message per write); the writer takes the
//! whole buffer, commits, publishes the last ticket committed, and wakes
//! one task on the runtime, which wakes the connections waiting. `kill -9`
//! loses no acknowledged write and never leaves a half-written item (a
//! transaction commits whole or not at all).
//!
//! The file is a log, so that a commit writes a few pages at its end
//! rather than one page per item wherever the item's key sorts:
//! `log(seq INTEGER PRIMARY KEY, resource TEXT, id TEXT, item TEXT,
//! position INTEGER)`, one row per write in commit order (`item` NULL for
//! a delete), `position` the item's insertion order (kept by a replace).
//! The view `items(resource, id, item, position)` is each key's last row
//! that is not a delete: the items. The writer keeps the log at most about
//! four times the items (plus 1,024 rows): with each batch it moves the oldest
//! rows that are still an item's last to the end and deletes the oldest
//! rows. Files of itemctl's earlier formats (`items(resource, id, item,
//! position)` keyed by resource and id, and `items(id, name, size,
//! position)` of the tutorial's items) are converted on open.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use bytes::Bytes;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::Notify;

use super::store::Stored;
use crate::reference::json::{Int, Object, PyStr, Value};

/// `PRAGMA application_id` of an itemctl state file ("itmc").
const APPLICATION_ID: i64 = 0x6974_6d63;

/// `PRAGMA user_version` of the log format.
const LOG_FORMAT: i64 = 2;

/// The resource the first format's items belong to.
const TUTORIAL_RESOURCE: &str = "/items/{item_id}";

/// How many rows per item the log may hold (plus [`SLACK`]) before the
/// writer compacts. Once the log is that long, the oldest rows are
/// `1/GROWTH` live, so each write moves `1/(GROWTH-1)` old rows forward on
/// average and deletes `GROWTH/(GROWTH-1)`: 4 is a third of a move and
/// one and a third deletes per write (2 was a move and two deletes).
const GROWTH: usize = 4;

/// Log rows allowed beyond [`GROWTH`] times the items before the writer
/// compacts.
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

/// A write queued for the state file: it is committed once
/// [`Durable::wait`] returns `Ok`.
#[derive(Debug)]
#[must_use = "a write is acknowledged only once it is committed"]
pub struct Durable {
    shared: Arc<Shared>,
    ticket: u64,
}

impl Durable {
    /// Waits until the write is committed (its transaction's fsync
    /// returned), or for the error that stopped its transaction.
    ///
    /// # Errors
    /// Why the write is not in the file (the commit failed, the writer
    /// stopped).
    pub async fn wait(self) -> Result<(), String> {
        loop {
            let committed = self.shared.committed.notified();
            tokio::pin!(committed);
            // Registered before the check: a commit in between still wakes it.
            committed.as_mut().enable();
            if let Some(result) = self.shared.outcome(self.ticket) {
                return result;
            }
            committed.await;
        }
    }
}

/// The queue between the connections and the writer thread, and what the
/// writer tells back.
///
/// Connections append writes to one buffer (no allocation per write) and
/// take a ticket, the write's number; the writer takes the whole buffer
/// at once (a batch, one transaction), commits, then publishes the last
/// ticket it holds. One task on the runtime is woken per batch, and it
/// wakes the connections waiting (from the runtime's own thread: no
/// system call per connection).
#[derive(Debug)]
struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when writes arrive while the writer waits.
    arrived: Condvar,
    /// The last ticket whose transaction ended (committed or failed).
    done: AtomicU64,
    /// Ticket ranges whose transaction failed, and why: each kept until
    /// every ticket in it has had its outcome ([`Shared::outcome`]), so a
    /// waiter polled late still learns its write failed.
    failed: Mutex<Vec<Failed>>,
    /// Notified (once per batch) by the writer thread.
    batch_done: Notify,
    /// Notified by that task for the connections waiting.
    committed: Notify,
    path: PathBuf,
}

/// Tickets whose transaction failed.
#[derive(Debug)]
struct Failed {
    from: u64,
    to: u64,
    why: String,
    /// Tickets of the range whose outcome was not asked yet.
    uncollected: u64,
}

#[derive(Debug, Default)]
struct Queue {
    /// Encoded writes (see [`Record`]).
    records: Vec<u8>,
    /// The last ticket handed out.
    issued: u64,
    /// The writer waits for writes.
    idle: bool,
    /// The writer is gone.
    stopped: bool,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The outcome of `ticket`, once its transaction ended (asked once per
    /// ticket: a failure's entry goes once all its tickets had theirs).
    fn outcome(&self, ticket: u64) -> Option<Result<(), String>> {
        if self.done.load(Ordering::Acquire) < ticket {
            return None;
        }
        let mut failed = self.failed.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(at) = failed
            .iter()
            .position(|f| (f.from..=f.to).contains(&ticket))
        else {
            return Some(Ok(()));
        };
        let why = failed[at].why.clone();
        failed[at].uncollected -= 1;
        if failed[at].uncollected == 0 {
            failed.remove(at);
        }
        Some(Err(why))
    }

    /// Records that tickets `from..=to` failed, and why.
    fn fail(&self, from: u64, to: u64, why: String) {
        self.failed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Failed {
                from,
                to,
                why,
                uncollected: to - from + 1,
            });
    }

    /// Appends one write's records; its ticket.
    fn push(self: &Arc<Self>, write: impl FnOnce(&mut Vec<u8>)) -> Durable {
        let mut queue = self.lock();
        if queue.stopped {
            drop(queue);
            return self.failed_now(format!(
                "the state writer for {} stopped",
                self.path.display()
            ));
        }
        write(&mut queue.records);
        queue.issued += 1;
        let ticket = queue.issued;
        if queue.idle {
            queue.idle = false;
            self.arrived.notify_one();
        }
        Durable {
            shared: Arc::clone(self),
            ticket,
        }
    }

    fn failed_now(self: &Arc<Self>, why: String) -> Durable {
        // A ticket of its own, already ended and failed.
        let mut queue = self.lock();
        queue.issued += 1;
        let ticket = queue.issued;
        self.fail(ticket, ticket, why);
        self.done.fetch_max(ticket, Ordering::AcqRel);
        Durable {
            shared: Arc::clone(self),
            ticket,
        }
    }
}

/// Gives the writer thread the lowest priority (nice 19): where it shares
/// a core with the runtime's thread (`taskset`, or one CPU), it then runs
/// when the connections have queued what they could rather than
/// preempting them at the first write, so batches are larger and the two
/// threads switch less (measured: twice the writes per transaction and a
/// tenth less CPU per request at 64 connections on one core). Durability
/// is unchanged: a write is still answered only after its commit.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // On Linux the nice value is the thread's own.
        let _ = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19);
    }
}

/// Should the writer thread end (a panic), every write queued or to come
/// fails rather than waiting for ever.
struct Stopped(Arc<Shared>);

impl Drop for Stopped {
    fn drop(&mut self) {
        let shared = &self.0;
        let last = {
            let mut queue = shared.lock();
            queue.stopped = true;
            queue.issued
        };
        let first = shared.done.load(Ordering::Acquire) + 1;
        if first <= last {
            shared.fail(first, last, "the state writer stopped".into());
        }
        shared.done.fetch_max(last, Ordering::AcqRel);
        shared.batch_done.notify_one();
    }
}

/// One write as queued: `[kind][resource][key][item]`, each string a
/// `u32` little-endian length and its bytes; kinds: upsert (with the
/// item), delete, clear (everything; a reset is a clear and upserts).
#[derive(Debug)]
enum Record<'a> {
    Upsert(&'a str, &'a str, &'a [u8]),
    Delete(&'a str, &'a str),
    Clear,
}

const UPSERT: u8 = 0;
const DELETE: u8 = 1;
const CLEAR: u8 = 2;

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    // Keys, resources and items are far below 4 GiB (bodies are capped by
    // --max-body).
    out.extend_from_slice(&u32::try_from(b.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(b);
}

impl Record<'_> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Record::Upsert(resource, key, item) => {
                out.push(UPSERT);
                put_bytes(out, resource.as_bytes());
                put_bytes(out, key.as_bytes());
                put_bytes(out, item);
            }
            Record::Delete(resource, key) => {
                out.push(DELETE);
                put_bytes(out, resource.as_bytes());
                put_bytes(out, key.as_bytes());
            }
            Record::Clear => out.push(CLEAR),
        }
    }
}

/// Reads the records of a batch.
fn records(mut b: &[u8]) -> impl Iterator<Item = Record<'_>> {
    fn take<'a>(b: &mut &'a [u8]) -> &'a [u8] {
        let (len, rest) = b.split_at(4);
        let len = u32::from_le_bytes([len[0], len[1], len[2], len[3]]) as usize;
        let (s, rest) = rest.split_at(len);
        *b = rest;
        s
    }
    // Encoded by `Record::encode` from `&str`s: they are text.
    fn text<'a>(b: &mut &'a [u8]) -> &'a str {
        std::str::from_utf8(take(b)).unwrap_or_default()
    }
    std::iter::from_fn(move || {
        let (&kind, rest) = b.split_first()?;
        b = rest;
        Some(match kind {
            UPSERT => {
                let resource = text(&mut b);
                let key = text(&mut b);
                Record::Upsert(resource, key, take(&mut b))
            }
            DELETE => {
                let resource = text(&mut b);
                Record::Delete(resource, text(&mut b))
            }
            _ => Record::Clear,
        })
    })
}

/// A handle on the writer thread.
#[derive(Debug)]
pub struct State {
    shared: Arc<Shared>,
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
type Live = HashMap<
    String,
    HashMap<Box<str>, Slot, foldhash::fast::RandomState>,
    foldhash::fast::RandomState,
>;

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
fn record_write(
    live: &mut Live,
    resource: &str,
    key: &str,
    seq: i64,
    next_position: &mut i64,
) -> i64 {
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
    /// The connections waiting for commits are woken by a task on
    /// `runtime`.
    pub fn open(
        path: &Path,
        runtime: &tokio::runtime::Handle,
    ) -> Result<(State, Option<Items>), StateError> {
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
        if writer.rows > GROWTH * writer.live() + SLACK {
            writer
                .rewrite()
                .map_err(|e| err(format!("cannot compact the file: {e}")))?;
        }
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue::default()),
            arrived: Condvar::new(),
            done: AtomicU64::new(0),
            failed: Mutex::new(Vec::new()),
            batch_done: Notify::new(),
            committed: Notify::new(),
            path: path.to_owned(),
        });
        let waker = Arc::clone(&shared);
        runtime.spawn(async move {
            loop {
                waker.batch_done.notified().await;
                waker.committed.notify_waiters();
            }
        });
        let for_writer = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("itemctl-state".into())
            .spawn(move || {
                lower_priority();
                let stopped = Stopped(for_writer);
                writer.run(&stopped.0);
            })
            .map_err(|e| err(format!("cannot start the writer: {e}")))?;
        Ok((State { shared }, items))
    }

    /// Queues an upsert, to be committed in the order of the calls.
    pub fn upsert(&self, resource: &str, key: &str, item: &Stored) -> Durable {
        self.shared
            .push(|out| Record::Upsert(resource, key, &item.json).encode(out))
    }

    /// Queues a delete.
    pub fn delete(&self, resource: &str, key: &str) -> Durable {
        self.shared
            .push(|out| Record::Delete(resource, key).encode(out))
    }

    /// Queues a reset to exactly `items`.
    pub fn reset(&self, items: &[(String, String, Stored)]) -> Durable {
        self.shared.push(|out| {
            Record::Clear.encode(out);
            for (resource, key, item) in items {
                Record::Upsert(resource, key, &item.json).encode(out);
            }
        })
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

    /// Takes every write queued, applies them in one transaction,
    /// commits, then tells the waiting connections.
    fn run(&mut self, shared: &Shared) {
        let mut batch = Vec::new();
        loop {
            let last = {
                let mut queue = shared.lock();
                while queue.records.is_empty() {
                    queue.idle = true;
                    queue = shared
                        .arrived
                        .wait(queue)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                // The buffers swap: the connections go on appending to
                // the one the last batch used, its capacity kept.
                batch.clear();
                std::mem::swap(&mut batch, &mut queue.records);
                queue.issued
            };
            let first = shared.done.load(Ordering::Acquire) + 1;
            if let Err(e) = self.apply(&batch) {
                // The transaction rolled back: what the log holds is
                // what the file says.
                self.reload();
                shared.fail(first, last, e.to_string());
            }
            shared.done.fetch_max(last, Ordering::AcqRel);
            shared.batch_done.notify_one();
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

    fn apply(&mut self, batch: &[u8]) -> rusqlite::Result<()> {
        let tx = self.conn.transaction()?;
        let mut written = 0;
        {
            let mut append = tx.prepare_cached(APPEND)?;
            for record in records(batch) {
                written += 1;
                match record {
                    Record::Upsert(resource, key, json) => {
                        let seq = self.next_seq;
                        self.next_seq += 1;
                        let position = record_write(
                            &mut self.live,
                            resource,
                            key,
                            seq,
                            &mut self.next_position,
                        );
                        append.execute(params![seq, resource, key, text(json), position])?;
                        self.rows += 1;
                    }
                    Record::Delete(resource, key) => {
                        if let Some(slots) = self.live.get_mut(resource) {
                            slots.remove(key);
                        }
                        let seq = self.next_seq;
                        self.next_seq += 1;
                        append.execute(params![seq, resource, key, None::<&str>, 0])?;
                        self.rows += 1;
                    }
                    Record::Clear => {
                        tx.execute("DELETE FROM log", [])?;
                        self.live.clear();
                        self.rows = 0;
                        self.oldest = self.next_seq;
                    }
                }
            }
        }
        let live: usize = self.live.values().map(HashMap::len).sum();
        if self.rows > GROWTH * live + SLACK {
            // Enough to keep up: each batch adds its rows, and at most
            // half the oldest rows are still live.
            let chunk = (2 * written + 64).min(MAX_COMPACT);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    fn item(json: &str) -> Stored {
        Stored::of(&crate::reference::json::decode(json.as_bytes()).unwrap())
    }

    fn listed(items: &Items) -> Vec<(String, String, String)> {
        items
            .iter()
            .map(|(r, k, v)| {
                (
                    r.clone(),
                    k.clone(),
                    String::from_utf8(v.json.to_vec()).unwrap(),
                )
            })
            .collect()
    }

    /// What a sequence of writes leaves, as a Python dict per resource
    /// would: insertion order, a replace keeps the place, a delete and a
    /// re-create moves to the end.
    #[derive(Default)]
    struct Model(Vec<(String, String, String)>);

    impl Model {
        fn upsert(&mut self, r: &str, k: &str, v: &str) {
            match self.0.iter_mut().find(|(rr, kk, _)| rr == r && kk == k) {
                Some(e) => e.2 = v.to_owned(),
                None => self.0.push((r.into(), k.into(), v.into())),
            }
        }
        fn delete(&mut self, r: &str, k: &str) {
            self.0.retain(|(rr, kk, _)| !(rr == r && kk == k));
        }
    }

    #[test]
    fn a_failed_write_stays_failed_however_late_it_is_asked() {
        let shared = Shared {
            queue: Mutex::new(Queue::default()),
            arrived: Condvar::new(),
            done: AtomicU64::new(0),
            failed: Mutex::new(Vec::new()),
            batch_done: Notify::new(),
            committed: Notify::new(),
            path: PathBuf::from("s.db"),
        };
        // Tickets 1 and 2 fail; then 40 more batches fail before either is
        // asked (the writer once kept only the latest 16 failures, and a
        // late waiter was told its write was committed).
        shared.fail(1, 2, "disk full".into());
        for t in 3..43 {
            shared.fail(t, t, "disk full".into());
        }
        shared.done.store(50, Ordering::Release);
        assert_eq!(shared.outcome(1), Some(Err("disk full".into())));
        assert_eq!(shared.outcome(45), Some(Ok(())));
        assert_eq!(shared.outcome(2), Some(Err("disk full".into())));
        assert_eq!(shared.outcome(51), None, "not ended yet");
        // Entries go once all their tickets were asked.
        for t in 3..43 {
            assert!(shared.outcome(t).is_some_and(|r| r.is_err()));
        }
        assert!(shared.failed.lock().unwrap().is_empty());
    }

    #[test]
    fn the_log_compacts_and_reads_back_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let rt = runtime();
        let mut model = Model::default();
        {
            let (state, items) = State::open(&path, rt.handle()).unwrap();
            assert!(items.is_none(), "a new file");
            let mut rng = crate::values::rng::Rng::seeded(0x2545_f491_4f6c_dd1d);
            let mut next = || rng.next();
            // Batches of writes to few keys: the log passes its bound
            // (GROWTH times the items and 1,024 rows) many times over.
            for round in 0..60 {
                let mut waits = Vec::new();
                for n in 0..100 {
                    let r = if next() % 3 == 0 {
                        "/b/{id}"
                    } else {
                        "/a/{id}"
                    };
                    let k = format!("k{}", next() % 40);
                    if next() % 10 == 0 {
                        model.delete(r, &k);
                        waits.push(state.delete(r, &k));
                    } else {
                        let v = format!(r#"{{"v":{round},"n":{n}}}"#);
                        model.upsert(r, &k, &v);
                        waits.push(state.upsert(r, &k, &item(&v)));
                    }
                }
                for w in waits {
                    rt.block_on(w.wait()).unwrap();
                }
            }
        }
        let conn = Connection::open(&path).unwrap();
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM log", [], |r| r.get(0))
            .unwrap();
        assert!(rows <= (GROWTH * 80 + SLACK) as i64 + 300, "{rows} rows");
        let view: Vec<(String, String, String)> = conn
            .prepare("SELECT resource, id, item FROM items ORDER BY position")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let by_resource = |list: &[(String, String, String)], r: &str| -> Vec<(String, String)> {
            list.iter()
                .filter(|(rr, _, _)| rr == r)
                .map(|(_, k, v)| (k.clone(), v.clone()))
                .collect()
        };
        for r in ["/a/{id}", "/b/{id}"] {
            assert_eq!(by_resource(&view, r), by_resource(&model.0, r), "{r}");
        }
        drop(conn);
        let (state, items) = State::open(&path, rt.handle()).unwrap();
        let items = listed(&items.unwrap());
        for r in ["/a/{id}", "/b/{id}"] {
            assert_eq!(by_resource(&items, r), by_resource(&model.0, r), "{r}");
        }
        // A reset leaves exactly its items, in its order.
        let reset = vec![
            ("/a/{id}".to_owned(), "z".to_owned(), item(r#"{"z":1}"#)),
            ("/a/{id}".to_owned(), "y".to_owned(), item(r#"{"y":1}"#)),
        ];
        rt.block_on(state.reset(&reset).wait()).unwrap();
        drop(state);
        let (_state, items) = State::open(&path, rt.handle()).unwrap();
        assert_eq!(listed(&items.unwrap()), listed(&reset));
    }

    #[test]
    fn files_of_the_earlier_formats_are_converted() {
        let dir = tempfile::tempdir().unwrap();
        let rt = runtime();
        // The table format: keyed by resource and id.
        let table = dir.path().join("table.db");
        {
            let conn = Connection::open(&table).unwrap();
            conn.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID};
                 CREATE TABLE items (resource TEXT NOT NULL, id TEXT NOT NULL, item TEXT NOT NULL,
                     position INTEGER NOT NULL, PRIMARY KEY (resource, id));
                 INSERT INTO items VALUES ('/items/{{item_id}}', 'b', '{{\"name\":\"B\"}}', 2);
                 INSERT INTO items VALUES ('/items/{{item_id}}', 'a', '{{\"name\":\"A\"}}', 1);"
            ))
            .unwrap();
        }
        let (state, items) = State::open(&table, rt.handle()).unwrap();
        assert_eq!(
            listed(&items.unwrap()),
            [
                (
                    "/items/{item_id}".into(),
                    "a".into(),
                    r#"{"name":"A"}"#.into()
                ),
                (
                    "/items/{item_id}".into(),
                    "b".into(),
                    r#"{"name":"B"}"#.into()
                ),
            ]
        );
        rt.block_on(
            state
                .upsert("/items/{item_id}", "a", &item(r#"{"name":"A2"}"#))
                .wait(),
        )
        .unwrap();
        drop(state);
        let (_, items) = State::open(&table, rt.handle()).unwrap();
        assert_eq!(
            listed(&items.unwrap())[0],
            (
                "/items/{item_id}".into(),
                "a".into(),
                r#"{"name":"A2"}"#.into()
            )
        );
        // The first format: the tutorial's items as columns.
        let first = dir.path().join("first.db");
        {
            let conn = Connection::open(&first).unwrap();
            conn.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID};
                 CREATE TABLE items (id TEXT PRIMARY KEY, name TEXT, size INTEGER, position INTEGER);
                 INSERT INTO items VALUES ('foo', 'Fighters', 6, 1);"
            ))
            .unwrap();
        }
        let (_, items) = State::open(&first, rt.handle()).unwrap();
        assert_eq!(
            listed(&items.unwrap()),
            [(
                "/items/{item_id}".into(),
                "foo".into(),
                r#"{"name":"Fighters","size":6}"#.into()
            )]
        );
    }
}
