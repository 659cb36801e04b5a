//! One thread's share of bench's connections: an event loop on mio (epoll
//! on Linux, kqueue on macOS and the BSDs) that does per request what a
//! keep-alive HTTP/1.1 client cannot avoid and little else: one `write`
//! of the request (built in place: the fixed bytes, the id's digits, and
//! the body), one `read` of the response when it arrives whole (a short
//! read means the socket is empty, so no `read` is spent on `EAGAIN`), one
//! `epoll_wait` shared by every connection that is ready, no change of
//! interest (a connection listens for readability only, for writability
//! only while a request does not fit the socket), and no task, timer or
//! waker between a response and the next request. The clock is read once
//! per response: it ends one latency and starts the next request's.
//!
//! Each response is held to the contract as it arrives (two relaxed
//! counters per id, shared by the workers). Open loop: each connection has
//! a schedule, and latency counts from each request's due time; a request
//! due within the next millisecond is sent by polling without sleeping
//! (mio sleeps in whole milliseconds) while other requests are in flight,
//! or after a precise sleep when none is.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Registry, Token};

use super::request::{IdText, Tail, push_number};
use crate::client::wire::{HeadMemo, ResponseReader, io_reason};
use crate::contract::Upserted;
use crate::values::rng::Rng;

/// The token of a worker's [`mio::Waker`] (Ctrl-C).
pub(super) const WAKER: Token = Token(usize::MAX);

/// How long answers still on their way when `-d` ends are waited for
/// (at most: `--timeout` when shorter).
const GRACE: Duration = Duration::from_secs(1);

/// How often requests in flight are checked against `--timeout`.
const SCAN: Duration = Duration::from_millis(10);

/// How long a connection waits before it connects again after a failed
/// connect.
const RECONNECT: Duration = Duration::from_millis(10);

/// The run's counters, shared by the workers and the progress bar.
pub(super) struct Shared {
    /// Requests still to send (a request-count run).
    pub remaining: AtomicU64,
    /// Set on Ctrl-C (and the workers woken): requests in flight are
    /// abandoned.
    pub cancel: AtomicBool,
    /// Complete responses so far (for the progress bar).
    pub done: AtomicU64,
    /// Per id counter: 201s seen.
    pub created: Vec<AtomicU32>,
    /// Per id counter: 200s (and documented 204s) seen.
    pub updated: Vec<AtomicU32>,
}

/// What every worker reads and none changes.
pub(super) struct Setup {
    /// Where to connect (the server, or the proxy).
    pub addr: SocketAddr,
    /// `PUT `, then the request target up to the id.
    pub start: Vec<u8>,
    /// The rest of each request.
    pub tail: Tail,
    /// How ids are written.
    pub id_text: IdText,
    /// Distinct ids: each request's id counter is drawn below it.
    pub ids: u64,
    /// When a duration run stops sending (`None` for a request count:
    /// [`Shared::remaining`]).
    pub deadline: Option<Instant>,
    /// Limit for one request, connect to last byte.
    pub timeout: Duration,
    /// Whether 204 reports an update.
    pub update_204: bool,
}

/// One connection's start: its generator's seed and, for an open loop,
/// its first due time and interval.
pub(super) struct Plan {
    /// The seed of its id draws.
    pub seed: u64,
    /// Open loop: the first request's due time, and the interval.
    pub schedule: Option<(Instant, Duration)>,
}

/// What one worker measured.
pub(super) struct Tally {
    /// Latency of complete responses, in microseconds.
    pub latency_us: Histogram<u64>,
    /// Responses by status code (index: the code, below 1000).
    pub statuses: Vec<u64>,
    /// Transport errors.
    pub errors: u64,
    /// The first of them.
    pub first_error: Option<String>,
    /// Requests still in flight when the run ended (a duration run: `-d`
    /// and its grace), abandoned unanswered; not errors.
    pub abandoned: u64,
}

/// Where a connection is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Waiting for its next due time, or to connect again.
    Idle,
    /// Connecting, its request built.
    Connecting,
    /// The request did not fit the socket: the rest goes out when it is
    /// writable.
    Writing,
    /// The request is out; its response is coming.
    Reading,
    /// No more requests.
    Done,
}

/// One keep-alive connection and its request in flight.
struct Conn {
    stream: Option<TcpStream>,
    state: State,
    rng: Rng,
    /// The counter of the id in flight.
    id: u64,
    /// Where its latency counts from: its due time (open loop), else when
    /// it was built.
    started: Instant,
    /// When it was built (its timeout counts from there).
    sent: Instant,
    req: Vec<u8>,
    written: usize,
    /// Scratch for a body that repeats the id.
    body: Vec<u8>,
    /// The response so far: `buf[..filled]` (`buf` is all initialised).
    buf: Vec<u8>,
    filled: usize,
    reader: ResponseReader,
    /// Open loop: the next request's due time, and the interval.
    due: Option<Instant>,
    every: Duration,
    /// Registered for writability too (connecting, or a request that did
    /// not fit).
    writable: bool,
    /// Readable while its request was still going out.
    readable: bool,
    /// The server's end was reported closed (with or after its last
    /// bytes): read to the end, not only until a short read.
    hup: bool,
}

/// Everything a connection's step may touch besides the connection.
struct Ctx<'a> {
    setup: &'a Setup,
    shared: &'a Shared,
    registry: &'a Registry,
    tally: &'a mut Tally,
    /// Due times and reconnects: `(when, connection)`.
    timers: &'a mut BinaryHeap<Reverse<(Instant, usize)>>,
    /// The clock as last read.
    now: Instant,
    /// Connections not `Done`.
    active: usize,
    /// Complete responses not yet added to [`Shared::done`].
    done: u64,
    /// Response heads already parsed.
    memo: HeadMemo,
}

/// Runs the connections of `plans` until the run ends (the limit, the
/// deadline and the requests in flight, or Ctrl-C: [`Shared::cancel`],
/// with `poll`'s [`WAKER`] woken), and returns what they measured.
///
/// # Errors
/// The poll's own failure (the OS refusing a descriptor): the run cannot
/// go on.
pub(super) fn run(
    setup: &Setup,
    shared: &Shared,
    mut poll: Poll,
    plans: Vec<Plan>,
) -> std::io::Result<Tally> {
    let mut tally = Tally {
        latency_us: Histogram::new(3)
            .unwrap_or_else(|_| unreachable!("3 significant digits is valid")),
        statuses: vec![0; 1000],
        errors: 0,
        first_error: None,
        abandoned: 0,
    };
    // A second handle to the poll's epoll instance, for registrations
    // while the poll itself is borrowed for its events.
    let registry = poll.registry().try_clone()?;
    let now = Instant::now();
    let mut conns: Vec<Conn> = plans
        .into_iter()
        .map(|plan| Conn {
            stream: None,
            state: State::Idle,
            rng: Rng::seeded(plan.seed),
            id: 0,
            started: now,
            sent: now,
            req: Vec::with_capacity(256),
            written: 0,
            body: Vec::new(),
            buf: vec![0; 4096],
            filled: 0,
            reader: ResponseReader::default(),
            due: plan.schedule.map(|(first, _)| first),
            every: plan.schedule.map_or(Duration::ZERO, |(_, every)| every),
            writable: false,
            readable: false,
            hup: false,
        })
        .collect();
    let mut events = Events::with_capacity(conns.len().clamp(16, 1024));
    let mut timers = BinaryHeap::new();
    let mut ctx = Ctx {
        setup,
        shared,
        registry: &registry,
        tally: &mut tally,
        timers: &mut timers,
        now,
        active: conns.len(),
        done: 0,
        memo: HeadMemo::default(),
    };
    for (i, c) in conns.iter_mut().enumerate() {
        match c.due {
            Some(at) if at > now => ctx.timers.push(Reverse((at, i))),
            _ => start(&mut ctx, c, i),
        }
    }
    let mut next_scan = now + SCAN;
    let mut stopped = false;
    // A duration run ends at its deadline, but for the answers still on
    // their way: those get GRACE more (or --timeout, if shorter), then
    // the requests still in flight are abandoned and counted as such, not
    // as errors (a server that never answers, or an open loop's backlog
    // the server cannot take, does not hold the run past -d; a slow but
    // correct one is not failed for it), as oha's "aborted due to
    // deadline".
    let hard_stop = setup.deadline.map(|d| d + setup.timeout.min(GRACE));
    while ctx.active > 0 && !shared.cancel.load(Ordering::Relaxed) {
        if let Some(end) = hard_stop
            && ctx.now >= end
        {
            ctx.tally.abandoned = conns.iter().filter(|c| c.in_flight()).count() as u64;
            break;
        }
        // The deadline: what was due before it goes out, nothing after it
        // (every idle connection has a timer: its due time, or its
        // reconnect).
        if !stopped && setup.deadline.is_some_and(|d| ctx.now >= d) {
            stopped = true;
            while let Some(Reverse((at, i))) = ctx.timers.pop() {
                if let Some(c) = conns.get_mut(i)
                    && c.state == State::Idle
                {
                    if at <= ctx.now {
                        start(&mut ctx, c, i);
                    } else {
                        finish(&mut ctx, c);
                    }
                }
            }
            continue;
        }
        let mut wake = next_scan;
        if let Some(Reverse((at, _))) = ctx.timers.peek() {
            wake = wake.min(*at);
        }
        if let Some(d) = setup.deadline.filter(|_| !stopped) {
            wake = wake.min(d);
        }
        if let Some(end) = hard_stop {
            wake = wake.min(end);
        }
        let wait = wake.saturating_duration_since(ctx.now);
        let timeout = if wait >= Duration::from_millis(1) {
            // Whole milliseconds (mio rounds up): never past `wake`.
            Duration::from_millis(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX))
        } else {
            if !wait.is_zero() && !conns.iter().any(Conn::in_flight) {
                // Nothing can arrive: sleep until the due time (finer
                // than a poll's whole milliseconds).
                std::thread::sleep(wait);
            }
            Duration::ZERO
        };
        match poll.poll(&mut events, Some(timeout)) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
        ctx.now = Instant::now();
        for event in &events {
            let i = event.token().0;
            let Some(c) = conns.get_mut(i) else {
                continue; // the waker
            };
            c.hup |= event.is_read_closed();
            match c.state {
                State::Connecting => connected(&mut ctx, c, i),
                State::Writing => {
                    c.readable |= event.is_readable() || event.is_read_closed();
                    if event.is_writable() || event.is_error() {
                        write(&mut ctx, c, i);
                    }
                }
                State::Reading => read(&mut ctx, c, i),
                // The server closed an idle connection, or sent what was
                // not asked for: a new connection for the next request.
                State::Idle | State::Done => {
                    if c.stream.is_some() {
                        let mut scratch = [0u8; 512];
                        let gone = c.stream.as_ref().is_some_and(|mut s| {
                            !matches!(s.read(&mut scratch), Err(e) if e.kind() == ErrorKind::WouldBlock)
                        });
                        if gone {
                            c.stream = None;
                        }
                    }
                }
            }
        }
        if ctx.now >= next_scan {
            next_scan = ctx.now + SCAN;
            for (i, c) in conns.iter_mut().enumerate() {
                if c.in_flight() && ctx.now.duration_since(c.sent) > setup.timeout {
                    let what = if c.state == State::Connecting {
                        "connect: timed out".to_owned()
                    } else {
                        format!(
                            "no response within {}",
                            humantime::format_duration(setup.timeout)
                        )
                    };
                    fail(&mut ctx, c, i, what);
                }
            }
        }
        while let Some(&Reverse((at, i))) = ctx.timers.peek() {
            if at > ctx.now {
                break;
            }
            ctx.timers.pop();
            if let Some(c) = conns.get_mut(i)
                && c.state == State::Idle
            {
                start(&mut ctx, c, i);
            }
        }
        if ctx.done > 0 {
            shared.done.fetch_add(ctx.done, Ordering::Relaxed);
            ctx.done = 0;
        }
        // A counted run whose count is taken: the idle connections end
        // now, not when their next due time finds nothing left (an open
        // loop's -n 400 -R 400 took 1.16 s: one period of -c 64 more).
        if setup.deadline.is_none() && shared.remaining.load(Ordering::Relaxed) == 0 {
            for c in &mut conns {
                if c.state == State::Idle {
                    finish(&mut ctx, c);
                }
            }
        }
    }
    Ok(tally)
}

impl Conn {
    /// Whether a request is out (or going out) on it.
    fn in_flight(&self) -> bool {
        matches!(
            self.state,
            State::Connecting | State::Writing | State::Reading
        )
    }
}

/// Whether the run lets one more request start: the count left (a
/// request-count run), or the deadline (a duration run: by the request's
/// due time in an open loop, so that a request due before the end is sent
/// even when the loop gets to it after).
fn take(ctx: &Ctx<'_>, due: Option<Instant>) -> bool {
    match ctx.setup.deadline {
        Some(d) => due.unwrap_or(ctx.now) < d,
        None => ctx
            .shared
            .remaining
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok(),
    }
}

/// Starts connection `i`'s next request: builds it, and writes it, or
/// connects first. Ends the connection when the run allows no more.
fn start(ctx: &mut Ctx<'_>, c: &mut Conn, i: usize) {
    if !take(ctx, c.due) {
        finish(ctx, c);
        return;
    }
    let setup = ctx.setup;
    c.id = c.rng.below(setup.ids);
    c.started = match c.due {
        Some(due) => {
            c.due = Some(due + c.every);
            due
        }
        None => ctx.now,
    };
    c.sent = ctx.now;
    c.req.clear();
    c.req.extend_from_slice(&setup.start);
    setup.id_text.path(c.id, &mut c.req);
    match &setup.tail {
        Tail::Fixed(rest) => c.req.extend_from_slice(rest),
        Tail::WithId {
            head,
            before,
            after,
            quoted,
        } => {
            c.req.extend_from_slice(head);
            c.body.clear();
            c.body.extend_from_slice(before);
            setup.id_text.json(c.id, *quoted, &mut c.body);
            c.body.extend_from_slice(after);
            c.req.extend_from_slice(b"Content-Length: ");
            push_number(&mut c.req, c.body.len() as u64, 0);
            c.req.extend_from_slice(b"\r\n\r\n");
            c.req.extend_from_slice(&c.body);
        }
    }
    c.written = 0;
    c.filled = 0;
    c.reader.reset();
    c.readable = false;
    if c.stream.is_some() {
        c.state = State::Writing;
        write(ctx, c, i);
        return;
    }
    c.hup = false;
    match TcpStream::connect(setup.addr) {
        Ok(mut stream) => {
            match ctx.registry.register(
                &mut stream,
                Token(i),
                Interest::READABLE | Interest::WRITABLE,
            ) {
                Ok(()) => {
                    c.stream = Some(stream);
                    c.writable = true;
                    c.state = State::Connecting;
                }
                Err(e) => fail(ctx, c, i, format!("connect: {}", io_reason(&e))),
            }
        }
        Err(e) => {
            let what = format!("connect: {}", io_reason(&e));
            fail(ctx, c, i, what);
        }
    }
}

/// A connect in progress reported an event: connected (then the request
/// goes out), refused, or not yet.
fn connected(ctx: &mut Ctx<'_>, c: &mut Conn, i: usize) {
    let Some(stream) = &c.stream else {
        return;
    };
    let outcome = match stream.take_error() {
        Ok(Some(e)) | Err(e) => Err(e),
        Ok(None) => match stream.peer_addr() {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotConnected => Ok(false),
            Err(e) => Err(e),
        },
    };
    match outcome {
        Ok(true) => {
            let _ = stream.set_nodelay(true);
            c.state = State::Writing;
            write(ctx, c, i);
        }
        Ok(false) => {}
        Err(e) => {
            let what = format!("connect: {}", io_reason(&e));
            fail(ctx, c, i, what);
        }
    }
}

/// Writes what is left of the request; then waits for the response.
fn write(ctx: &mut Ctx<'_>, c: &mut Conn, i: usize) {
    let Some(stream) = c.stream.as_mut() else {
        return;
    };
    while c.written < c.req.len() {
        match stream.write(&c.req[c.written..]) {
            Ok(n) => c.written += n,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                if !c.writable {
                    c.writable = true;
                    let interest = Interest::READABLE | Interest::WRITABLE;
                    if let Err(e) = ctx.registry.reregister(stream, Token(i), interest) {
                        fail(ctx, c, i, format!("write: {}", io_reason(&e)));
                    }
                }
                return;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                fail(ctx, c, i, format!("write: {}", io_reason(&e)));
                return;
            }
        }
    }
    c.state = State::Reading;
    if c.writable {
        c.writable = false;
        if let Err(e) = ctx
            .registry
            .reregister(stream, Token(i), Interest::READABLE)
        {
            fail(ctx, c, i, format!("write: {}", io_reason(&e)));
            return;
        }
    }
    if c.readable {
        c.readable = false;
        read(ctx, c, i);
    }
}

/// Reads what has arrived of the response; when it is whole, records it
/// and starts the next request.
fn read(ctx: &mut Ctx<'_>, c: &mut Conn, i: usize) {
    let Some(stream) = c.stream.as_mut() else {
        return;
    };
    let mut eof = false;
    loop {
        if c.buf.len() - c.filled < 1024 {
            c.buf.resize(c.buf.len() * 2, 0);
        }
        let room = c.buf.len() - c.filled;
        match stream.read(&mut c.buf[c.filled..]) {
            Ok(0) => {
                eof = true;
                break;
            }
            Ok(n) => {
                c.filled += n;
                // A short read emptied the socket: the next bytes bring
                // an event of their own (a close that came with these
                // bytes does not: then on to the end).
                if n < room && !c.hup {
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => {
                fail(ctx, c, i, format!("read: {}", io_reason(&e)));
                return;
            }
        }
    }
    match c.reader.advance(&c.buf[..c.filled], eof, &mut ctx.memo) {
        Ok(Some((status, keep))) => {
            ctx.now = Instant::now();
            record(ctx, c, status);
            if !keep || eof {
                c.stream = None;
            }
            next(ctx, c, i);
        }
        Ok(None) => {}
        Err(e) => fail(ctx, c, i, e),
    }
}

/// Counts a complete response: its latency, its status, and what it says
/// of its id.
fn record(ctx: &mut Ctx<'_>, c: &Conn, status: u16) {
    let micros = ctx.now.saturating_duration_since(c.started).as_micros();
    let _ = ctx
        .tally
        .latency_us
        .record(u64::try_from(micros).unwrap_or(u64::MAX).max(1));
    if let Some(n) = ctx.tally.statuses.get_mut(usize::from(status)) {
        *n += 1;
    }
    ctx.done += 1;
    let upserted = match status {
        204 if ctx.setup.update_204 => Some(Upserted::Replaced),
        _ => Upserted::from_status(status),
    };
    let slot = usize::try_from(c.id).unwrap_or(usize::MAX);
    let counters = match upserted {
        Some(Upserted::Created) => &ctx.shared.created,
        Some(Upserted::Replaced) => &ctx.shared.updated,
        None => return,
    };
    if let Some(n) = counters.get(slot) {
        n.fetch_add(1, Ordering::Relaxed);
    }
}

/// After a response or a failure: the next request now (closed loop, or
/// an open loop running late), or at its due time.
fn next(ctx: &mut Ctx<'_>, c: &mut Conn, i: usize) {
    c.state = State::Idle;
    match c.due {
        Some(due) if ctx.setup.deadline.is_some_and(|d| due >= d) => finish(ctx, c),
        Some(due) if due > ctx.now => ctx.timers.push(Reverse((due, i))),
        _ => start(ctx, c, i),
    }
}

/// A transport error: counted, the connection dropped, then the next
/// request (after a pause when connecting failed).
fn fail(ctx: &mut Ctx<'_>, c: &mut Conn, i: usize, what: String) {
    ctx.tally.errors += 1;
    if ctx.tally.first_error.is_none() {
        ctx.tally.first_error = Some(what);
    }
    let connecting = c.state == State::Connecting || c.stream.is_none();
    c.stream = None;
    c.writable = false;
    if connecting {
        c.state = State::Idle;
        let at = ctx.now + RECONNECT;
        ctx.timers
            .push(Reverse((c.due.map_or(at, |d| d.max(at)), i)));
    } else {
        next(ctx, c, i);
    }
}

/// Ends connection `c`: no more requests.
fn finish(ctx: &mut Ctx<'_>, c: &mut Conn) {
    if c.state != State::Done {
        c.state = State::Done;
        c.stream = None;
        ctx.active -= 1;
    }
}
