//! `itemctl bench`: a keep-alive HTTP/1.1 load generator for the upsert.
//!
//! Each connection is a task that sends `PUT /items/<run>-<n>` with
//! `{"name":"x","size":3}` for random `n` below `--ids`, waits for the whole
//! response, and records the latency in its own HDR histogram (merged at the
//! end: no shared state on the hot path but two relaxed counters per id).
//! The ids are fresh per run, so every response can be held to the contract
//! ([`crate::contract::Upserted`]): each id must see exactly one 201 before
//! or among its 200s.
//!
//! Closed loop by default (each connection sends its next request when the
//! answer arrives); with a rate, open loop: each connection sends on a
//! schedule and latency is measured from when a request was due, so a
//! stalled server shows in the percentiles instead of slowing the load
//! (coordinated omission corrected, as wrk2 and oha's
//! `--latency-correction` do). An HTTP proxy from the environment is used
//! as reqwest would ([`crate::client::proxy_for`]).

mod report;
mod request;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

pub use self::report::{Broken, Report, thousands};
pub(crate) use self::request::split_at_id;
use self::request::{IdText, Tail, request_tail};
use crate::client;
use crate::client::wire::{exchange, io_reason};
use crate::contract::{PathTemplate, Promises, Upserted};
use crate::error::Failure;
use crate::values::ids;
use crate::values::rng::Rng;

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

/// The run's shared counters.
struct Shared {
    /// Requests still to send (for [`Limit::Requests`]).
    remaining: AtomicU64,
    /// Set when a [`Limit::Duration`] run is over, or on Ctrl-C.
    stop: AtomicBool,
    /// Cancelled on Ctrl-C: requests in flight are abandoned.
    cancel: CancellationToken,
    /// Complete responses so far (for the progress bar).
    done: AtomicU64,
    /// Per id: 201s and 200s seen.
    created: Vec<AtomicU32>,
    updated: Vec<AtomicU32>,
}

impl Shared {
    fn take(&self, limit: Limit) -> bool {
        if self.stop.load(Ordering::Relaxed) {
            return false;
        }
        match limit {
            Limit::Requests(_) => self
                .remaining
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok(),
            Limit::Duration(_) => true,
        }
    }
}

/// What one connection measured.
struct Tally {
    latency_us: Histogram<u64>,
    statuses: BTreeMap<u16, u64>,
    errors: u64,
    first_error: Option<String>,
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
    let ep = Arc::new(endpoint(base, &opts.path).await?);
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
    let id_text = Arc::new(IdText::new(&id_form));
    let shared = Arc::new(Shared {
        remaining: AtomicU64::new(match opts.limit {
            Limit::Requests(n) => n,
            Limit::Duration(_) => u64::MAX,
        }),
        stop: AtomicBool::new(false),
        cancel: CancellationToken::new(),
        done: AtomicU64::new(0),
        created: (0..ids).map(|_| AtomicU32::new(0)).collect(),
        updated: (0..ids).map(|_| AtomicU32::new(0)).collect(),
    });
    let started = Instant::now();
    let tail = Arc::new(request_tail(
        opts.path.after(),
        &ep.host,
        &opts.headers,
        &opts.body,
        opts.promises.id_field.as_deref(),
        opts.promises.ids.kind.is_number(),
    ));
    let mut tasks = Vec::with_capacity(opts.connections);
    for i in 0..opts.connections {
        let ep = Arc::clone(&ep);
        let shared = Arc::clone(&shared);
        let tail = Arc::clone(&tail);
        let id_text = Arc::clone(&id_text);
        // Open loop: each connection's share of the rate, staggered.
        let schedule = opts.rate.map(|rate| {
            let every = Duration::from_secs_f64(opts.connections as f64 / f64::from(rate));
            let first = started + every.mul_f64(i as f64 / opts.connections as f64);
            (first, every)
        });
        let plan = Plan {
            limit: opts.limit,
            timeout: opts.timeout,
            ids,
            seed: 0x9e37_79b9_7f4a_7c15u64
                ^ ((i as u64 + 1) << 32)
                ^ started.elapsed().as_nanos() as u64,
            schedule,
            update_204: opts.promises.update_204,
        };
        tasks.push(tokio::spawn(async move {
            connection(&ep, &shared, &tail, &id_text, plan).await
        }));
    }
    let ticker = progress.map(|bar| {
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                bar.set_position(shared.done.load(Ordering::Relaxed));
            }
        })
    });
    let interrupted = {
        let ends = async {
            match opts.limit {
                Limit::Duration(d) => tokio::time::sleep(d).await,
                Limit::Requests(_) => std::future::pending().await,
            }
        };
        tokio::select! {
            () = ends => false,
            () = interrupt => true,
            // Every connection returned (a request-count run finished).
            () = wait_idle(&tasks) => false,
        }
    };
    shared.stop.store(true, Ordering::Relaxed);
    if interrupted {
        shared.cancel.cancel();
    }
    let mut latency_us = Histogram::<u64>::new(3)
        .map_err(|e| Failure::setup("cannot create the latency histogram", e))?;
    let mut statuses = BTreeMap::new();
    let (mut errors, mut first_error) = (0, None);
    for t in tasks {
        if let Ok(tally) = t.await {
            let _ = latency_us.add(&tally.latency_us);
            for (s, n) in tally.statuses {
                *statuses.entry(s).or_insert(0) += n;
            }
            errors += tally.errors;
            if first_error.is_none() {
                first_error = tally.first_error;
            }
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
            0 => u,
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
        violations,
        interrupted,
        update_204: opts.promises.update_204,
        id_form: id_form.describe(ids),
        ids_note: id_form.shortfall(),
        path: opts.path.to_string(),
        source: opts.source.clone(),
        body: opts.body.clone(),
        body_source: opts.body_source.clone(),
        broken,
        broken_ids,
    })
}

/// Resolves once every task has finished.
async fn wait_idle(tasks: &[tokio::task::JoinHandle<Tally>]) {
    while !tasks.iter().all(tokio::task::JoinHandle::is_finished) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// What one connection does.
#[derive(Clone, Copy)]
struct Plan {
    limit: Limit,
    timeout: Duration,
    ids: u64,
    seed: u64,
    /// Open loop: the first request's due time and the interval.
    schedule: Option<(Instant, Duration)>,
    /// Whether 204 reports an update.
    update_204: bool,
}

/// A small fast PRNG (xorshift64*) per connection.
async fn connection(
    ep: &Endpoint,
    shared: &Shared,
    tail: &Tail,
    id_text: &IdText,
    plan: Plan,
) -> Tally {
    let mut tally = Tally {
        latency_us: Histogram::new(3)
            .unwrap_or_else(|_| unreachable!("3 significant digits is valid")),
        statuses: BTreeMap::new(),
        errors: 0,
        first_error: None,
    };
    let mut rng = Rng::seeded(plan.seed);
    let mut stream: Option<TcpStream> = None;
    let mut req = Vec::with_capacity(256);
    let mut body = Vec::new();
    let mut buf = Vec::with_capacity(4096);
    let mut due = plan.schedule.map(|(first, _)| first);
    let fail = |tally: &mut Tally, what: String| {
        tally.errors += 1;
        if tally.first_error.is_none() {
            tally.first_error = Some(what);
        }
    };
    while shared.take(plan.limit) {
        // Open loop: wait for this request's turn; latency counts from it.
        let started = match (due, plan.schedule) {
            (Some(at), Some((_, every))) => {
                due = Some(at + every);
                tokio::select! {
                    () = tokio::time::sleep_until(at.into()) => {}
                    () = shared.cancel.cancelled() => break,
                }
                at
            }
            _ => Instant::now(),
        };
        let id = rng.below(plan.ids);
        req.clear();
        req.extend_from_slice(b"PUT ");
        req.extend_from_slice(ep.prefix.as_bytes());
        id_text.path(id, &mut req);
        match tail {
            Tail::Fixed(rest) => req.extend_from_slice(rest),
            Tail::WithId {
                head,
                before,
                after,
                quoted,
            } => {
                req.extend_from_slice(head);
                body.clear();
                body.extend_from_slice(before);
                id_text.json(id, *quoted, &mut body);
                body.extend_from_slice(after);
                let _ = write!(req, "Content-Length: {}\r\n\r\n", body.len());
                req.extend_from_slice(&body);
            }
        }
        let s = match &mut stream {
            Some(s) => s,
            None => match tokio::time::timeout(plan.timeout, TcpStream::connect(ep.addr)).await {
                Ok(Ok(s)) => {
                    let _ = s.set_nodelay(true);
                    stream.insert(s)
                }
                Ok(Err(e)) => {
                    fail(&mut tally, format!("connect: {}", io_reason(&e)));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
                Err(_) => {
                    fail(&mut tally, "connect: timed out".into());
                    continue;
                }
            },
        };
        let answer = tokio::select! {
            a = tokio::time::timeout(plan.timeout, exchange(s, &req, &mut buf)) => a,
            () = shared.cancel.cancelled() => break,
        };
        match answer {
            Ok(Ok((status, keep))) => {
                let micros = started.elapsed().as_micros().min(u128::from(u64::MAX)) as u64;
                let _ = tally.latency_us.record(micros.max(1));
                *tally.statuses.entry(status).or_insert(0) += 1;
                let slot = usize::try_from(id).unwrap_or(0);
                let upserted = match status {
                    204 if plan.update_204 => Some(Upserted::Replaced),
                    _ => Upserted::from_status(status),
                };
                match upserted {
                    Some(Upserted::Created) => shared.created[slot].fetch_add(1, Ordering::Relaxed),
                    Some(Upserted::Replaced) => {
                        shared.updated[slot].fetch_add(1, Ordering::Relaxed)
                    }
                    None => 0,
                };
                shared.done.fetch_add(1, Ordering::Relaxed);
                if !keep {
                    stream = None;
                }
            }
            Ok(Err(e)) => {
                fail(&mut tally, e);
                stream = None;
            }
            Err(_) => {
                fail(
                    &mut tally,
                    format!(
                        "no response within {}",
                        humantime::format_duration(plan.timeout)
                    ),
                );
                stream = None;
            }
        }
    }
    tally
}
