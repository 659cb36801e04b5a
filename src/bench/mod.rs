//! `itemctl bench`: a keep-alive HTTP/1.1 load generator for the upsert.
//!
//! Each connection sends `PUT /items/<run>-<n>` with `{"name":"x","size":3}`
//! for random `n` below `--ids`, waits for the whole response, and records
//! the latency in its worker's HDR histogram (merged at the end: no shared
//! state on the hot path but two relaxed counters per id). The ids are
//! fresh per run where the path parameter leaves room, so every response
//! can be held to the contract ([`crate::contract::Upserted`]): each id
//! must see exactly one 201 before or among its 200s. Where it does not
//! (integers between close bounds, a pattern that admits few ids: the ids
//! may be an earlier run's, [`crate::values::ids::BenchIds::repeats`]),
//! an id's first answer may be 200 and only a second 201 is a violation.
//!
//! The connections are shared out among one worker thread per CPU this
//! process may use, each an event loop of its own (`worker.rs`: what a
//! request costs there, and why). Closed loop by default (each connection
//! sends its next request when the answer arrives); with a rate, open
//! loop: each connection sends on a schedule and latency is measured from
//! when a request was due, so a stalled server shows in the percentiles
//! instead of slowing the load (coordinated omission corrected, as wrk2
//! and oha's `--latency-correction` do). An HTTP proxy from the
//! environment is used as reqwest would ([`crate::client::proxy_for`]).

mod report;
mod request;
mod worker;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::net::TcpStream;

pub use self::report::{Broken, Report, thousands};
pub(crate) use self::request::split_at_id;
use self::request::{IdText, request_tail};
use self::worker::Shared;
use crate::client;
use crate::client::wire::io_reason;
use crate::contract::{PathTemplate, Promises};
use crate::error::Failure;
use crate::values::ids;

/// When a run ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// After this many requests in all.
    Requests(u64),
    /// After this long.
    Duration(Duration),
}

/// How to run the load.
#[derive(Clone, Debug)]
pub struct Options {
    /// Concurrent keep-alive connections.
    pub connections: usize,
    /// When to stop.
    pub limit: Limit,
    /// How many distinct ids to spread the upserts over.
    pub ids: u64,
    /// Limit for one request (connect to last byte).
    pub timeout: Duration,
    /// Open loop at this many requests per second in all; `None`: closed
    /// loop.
    pub rate: Option<u32>,
    /// Extra request headers, `(name, value)`.
    pub headers: Vec<(String, String)>,
    /// Whether `base` is the embedded server (for the report).
    pub embedded: bool,
    /// The item path below the base URL.
    pub path: PathTemplate,
    /// Where the path came from (the report's `schema` line).
    pub source: String,
    /// The request body of every upsert (JSON).
    pub body: Vec<u8>,
    /// Where the body came from (`--body`, …), for the report.
    pub body_source: String,
    /// What the endpoint promises: bench makes ids of its kind, and counts
    /// a documented `204 No Content` as an update.
    pub promises: Promises,
}

/// Where to send: socket address, `Host` value, and the request target
/// up to the id (absolute-form through a proxy).
struct Endpoint {
    addr: SocketAddr,
    host: String,
    prefix: String,
    /// The proxy in use, for messages.
    proxy: Option<String>,
}

/// Resolves an `http://` base URL, through the environment's proxy when
/// it names one for this URL.
///
/// # Errors
/// [`Failure::Usage`] for anything but `http://host[:port][/prefix]`;
/// [`Failure::NoResponse`] when the host (or proxy) does not resolve.
async fn endpoint(base: &str, path: &PathTemplate) -> Result<Endpoint, Failure> {
    let url = client::parse_base(base)?;
    if url.scheme() != "http" {
        return Err(Failure::Usage(format!(
            "bench speaks plain http:// (got `{base}`); put and check speak https"
        )));
    }
    let host = url
        .host_str()
        .ok_or_else(|| Failure::Usage(format!("invalid URL `{base}`: no host")))?;
    let host_header = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    };
    let path = format!("{}{}", url.path().trim_end_matches('/'), path.before());
    let proxy = client::proxy_for(base);
    let (connect_url, prefix) = match &proxy {
        Some(p) => (
            client::parse_base(p)?,
            format!("http://{host_header}{path}"),
        ),
        None => (url.clone(), path),
    };
    let connect_host = connect_url.host_str().unwrap_or(host).to_owned();
    let port = connect_url.port_or_known_default().unwrap_or(80);
    let addr = tokio::net::lookup_host((connect_host.trim_matches(['[', ']']), port))
        .await
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| Failure::NoResponse(format!("cannot resolve {connect_host}")))?;
    Ok(Endpoint {
        addr,
        host: host_header,
        prefix,
        proxy,
    })
}

/// Runs the load against `base`. `progress`, when given, is advanced as
/// responses arrive. When `interrupt` resolves (Ctrl-C), the run stops,
/// abandons requests in flight and reports what it measured until then.
///
/// # Errors
/// [`Failure`] for a bad URL or when the first connection cannot be made
/// at all.
pub async fn run(
    base: &str,
    opts: &Options,
    progress: Option<indicatif::ProgressBar>,
    interrupt: impl std::future::Future<Output = ()>,
) -> Result<Report, Failure> {
    let id_form = ids::bench_ids(&opts.promises.ids, client::random_u64(), opts.ids.max(1))
        .map_err(Failure::Usage)?;
    let ep = endpoint(base, &opts.path).await?;
    // Fail early, with one clear line, when nothing listens.
    TcpStream::connect(ep.addr).await.map_err(|e| {
        Failure::NoResponse(match &ep.proxy {
            Some(p) => format!(
                "cannot connect to the proxy {p} (from the environment) for {base}: {}",
                io_reason(&e)
            ),
            None => format!("cannot connect to {base}: {}", io_reason(&e)),
        })
    })?;
    let ids = id_form.count(opts.ids.max(1));
    // Ids an earlier run may have used: a first 200 is no violation, a
    // second 201 still is.
    let repeats = id_form.repeats(&opts.promises.ids);
    let shared = Arc::new(Shared {
        remaining: AtomicU64::new(match opts.limit {
            Limit::Requests(n) => n,
            Limit::Duration(_) => u64::MAX,
        }),
        cancel: AtomicBool::new(false),
        done: AtomicU64::new(0),
        created: (0..ids).map(|_| AtomicU32::new(0)).collect(),
        updated: (0..ids).map(|_| AtomicU32::new(0)).collect(),
    });
    let started = Instant::now();
    let mut start = b"PUT ".to_vec();
    start.extend_from_slice(ep.prefix.as_bytes());
    let setup = Arc::new(worker::Setup {
        addr: ep.addr,
        start,
        tail: request_tail(
            opts.path.after(),
            &ep.host,
            &opts.headers,
            &opts.body,
            opts.promises.id_field.as_deref(),
            opts.promises.ids.kind.is_number(),
        ),
        id_text: IdText::new(&id_form),
        ids,
        deadline: match opts.limit {
            Limit::Duration(d) => Some(started + d),
            Limit::Requests(_) => None,
        },
        timeout: opts.timeout,
        update_204: opts.promises.update_204,
    });
    // One worker per CPU this process may use (one, pinned with taskset).
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, opts.connections.max(1));
    let mut plans: Vec<Vec<worker::Plan>> = (0..workers).map(|_| Vec::new()).collect();
    for i in 0..opts.connections {
        // Open loop: each connection's share of the rate, staggered.
        let schedule = opts.rate.map(|rate| {
            let every = Duration::from_secs_f64(opts.connections as f64 / f64::from(rate));
            let first = started + every.mul_f64(i as f64 / opts.connections as f64);
            (first, every)
        });
        plans[i % workers].push(worker::Plan {
            seed: 0x9e37_79b9_7f4a_7c15u64
                ^ ((i as u64 + 1) << 32)
                ^ started.elapsed().as_nanos() as u64,
            schedule,
        });
    }
    // Each worker is a thread of its own (named bench-N), and sends what it
    // measured when it is done.
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut wakers = Vec::with_capacity(workers);
    for (n, plans) in plans.into_iter().enumerate() {
        let poll =
            mio::Poll::new().map_err(|e| Failure::setup("cannot create an event loop", e))?;
        let waker = mio::Waker::new(poll.registry(), worker::WAKER)
            .map_err(|e| Failure::setup("cannot create an event loop", e))?;
        wakers.push(waker);
        let (setup, shared, done_tx) = (Arc::clone(&setup), Arc::clone(&shared), done_tx.clone());
        std::thread::Builder::new()
            .name(format!("bench-{n}"))
            .spawn(move || {
                let _ = done_tx.send(worker::run(&setup, &shared, poll, plans));
            })
            .map_err(|e| Failure::setup("cannot start a bench worker", e))?;
    }
    drop(done_tx);
    let ticker = progress.map(|bar| {
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                bar.set_position(shared.done.load(Ordering::Relaxed));
            }
        })
    });
    // Every worker's tally; on Ctrl-C, the workers are told to stop and
    // woken, and their tallies still come.
    let mut tallies = Vec::with_capacity(workers);
    let mut interrupt = std::pin::pin!(interrupt);
    let mut interrupted = false;
    loop {
        tokio::select! {
            tally = done_rx.recv() => match tally {
                Some(tally) => tallies.push(tally),
                None => break,
            },
            () = &mut interrupt, if !interrupted => {
                interrupted = true;
                shared.cancel.store(true, Ordering::Relaxed);
                for w in &wakers {
                    let _ = w.wake();
                }
            }
        }
    }
    if tallies.len() < workers {
        return Err(Failure::setup(
            "a bench worker failed",
            std::io::Error::other("it ended without a tally"),
        ));
    }
    let mut latency_us = Histogram::<u64>::new(3)
        .map_err(|e| Failure::setup("cannot create the latency histogram", e))?;
    let mut statuses = BTreeMap::new();
    let (mut errors, mut first_error, mut abandoned) = (0, None, 0);
    for tally in tallies {
        let tally = tally.map_err(|e| Failure::setup("the event loop failed", e))?;
        let _ = latency_us.add(&tally.latency_us);
        for (s, n) in tally.statuses.iter().enumerate() {
            if *n > 0 {
                *statuses.entry(s as u16).or_insert(0) += n;
            }
        }
        errors += tally.errors;
        abandoned += tally.abandoned;
        if first_error.is_none() {
            first_error = tally.first_error;
        }
    }
    let elapsed = started.elapsed();
    if let Some(t) = ticker {
        t.abort();
    }
    let (mut violations, mut broken, mut broken_ids) = (0u64, Vec::new(), 0u64);
    for (n, (c, u)) in shared.created.iter().zip(&shared.updated).enumerate() {
        let (c, u) = (
            u64::from(c.load(Ordering::Relaxed)),
            u64::from(u.load(Ordering::Relaxed)),
        );
        let excess = match c {
            0 if repeats.is_none() => u,
            0 => 0,
            c => c - 1,
        };
        if excess > 0 {
            violations += excess;
            broken_ids += 1;
            if broken.len() < report::BROKEN_SHOWN {
                broken.push(Broken {
                    id: id_form.id(n as u64),
                    created: c,
                    updated: u,
                });
            }
        }
    }
    let requests = latency_us.len();
    Ok(Report {
        url: base.to_owned(),
        embedded: opts.embedded,
        connections: opts.connections,
        ids,
        rate: opts.rate,
        requests,
        elapsed,
        latency_us,
        statuses,
        errors,
        first_error,
        abandoned,
        violations,
        interrupted,
        update_204: opts.promises.update_204,
        id_form: id_form.describe(ids),
        ids_note: {
            let notes: Vec<String> = [
                id_form.shortfall(opts.ids.max(1)),
                repeats.map(|why| {
                    format!("{why}: an id's first answer may be 200, and only a second 201 is a violation")
                }),
            ]
            .into_iter()
            .flatten()
            .collect();
            (!notes.is_empty()).then(|| notes.join("; "))
        },
        path: opts.path.to_string(),
        source: opts.source.clone(),
        body: opts.body.clone(),
        body_source: opts.body_source.clone(),
        broken,
        broken_ids,
    })
}
