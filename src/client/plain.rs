//! `put`'s requests over blocking sockets, for a plain `http://` server
//! reached directly (no proxy in the environment) with redirects not
//! followed: no async runtime and no reqwest client, whose set-up is most
//! of the work of a process that sends one upsert. The requests are the
//! ones reqwest sends for [`Client::get`] and [`Client::put_retrying`],
//! written by hand ([`wire`]), and each failure is reported in the same
//! words; the PUT goes over the connection the discovery GET left open.

use std::future::Future;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Instant;

use bytes::Bytes;
use reqwest::header::HOST;

use super::openapi::{self, Endpoint, Fetch};
use super::wire::{self, Blocking};
use super::{Client, Exchange, MAX_RESPONSE_BYTES, cannot_connect, parse_base, proxy_for};
use crate::contract::PathTemplate;
use crate::error::Failure;

/// The longest request sent on a kept connection. A longer one goes on a
/// new connection, so that the server takes the whole head in its first
/// read: on a connection it already waits on, a long head may arrive in
/// parts, and h11 (and serve, faithful to it) refuse one past 16 KiB
/// whose first part is not whole.
const ONE_READ: usize = 16 * 1024;

/// A [`Client`]'s requests over blocking sockets.
#[derive(Debug)]
pub struct Plain {
    /// Where the client's base URL is.
    base: Target,
    /// The connection the last response left open, with the `host:port`
    /// it goes to.
    kept: Option<(String, TcpStream)>,
}

/// Where a request goes: the host and port to connect to, and what the
/// request line and `host` header say.
#[derive(Debug)]
struct Target {
    host: String,
    port: u16,
    /// The request target: the path and the query.
    path: String,
    /// The `host` header: the host, and the port unless it is the
    /// scheme's.
    authority: String,
}

impl Target {
    /// The target of `url`, a plain http URL.
    fn of(url: &str) -> Option<Target> {
        let parsed = parse_base(url).ok()?;
        if parsed.scheme() != "http" {
            return None;
        }
        let host = parsed.host_str()?;
        Some(Target {
            host: host.trim_matches(['[', ']']).to_owned(),
            port: parsed.port_or_known_default()?,
            path: parsed[url::Position::BeforePath..url::Position::AfterQuery].to_owned(),
            authority: match parsed.port() {
                Some(p) => format!("{host}:{p}"),
                None => host.to_owned(),
            },
        })
    }

    /// `host:port`, the connection's key.
    fn key(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// The target of `url` when a blocking socket can carry a request to
    /// it: plain http, reached directly (no proxy in the environment).
    fn direct(url: &str) -> Option<Target> {
        Target::of(url).filter(|_| proxy_for(url).is_none())
    }
}

impl Plain {
    /// `client`'s requests over blocking sockets, a GET of `also`
    /// (`--openapi`, when a URL) too; `None` when reqwest must carry them
    /// (an https URL, a proxy from the environment, redirects followed).
    pub fn new(client: &Client, also: Option<&str>) -> Option<Plain> {
        if client.follow || also.is_some_and(|url| Target::direct(url).is_none()) {
            return None;
        }
        Some(Plain {
            base: Target::direct(&client.base)?,
            kept: None,
        })
    }

    /// [`openapi::discover`] with its GETs over blocking sockets.
    ///
    /// # Errors
    /// As [`openapi::discover`].
    pub fn discover(
        &mut self,
        client: &Client,
        openapi: Option<&str>,
        path: Option<&PathTemplate>,
    ) -> Result<Endpoint, Failure> {
        let mut fetch = Fetcher {
            plain: self,
            client,
        };
        wire::block_on(openapi::discover_by(
            &mut fetch,
            client.base(),
            openapi,
            path,
        ))
    }

    /// `GET url` (absolute) with the client's headers: the status and the
    /// whole body (at most [`MAX_RESPONSE_BYTES`]), as [`Client::get`].
    ///
    /// # Errors
    /// [`Failure::Usage`] for a URL this cannot carry (one not named to
    /// [`Plain::new`] nor on the base URL's server);
    /// [`Failure::NoResponse`] when no complete response arrived.
    pub fn get(&mut self, client: &Client, url: &str) -> Result<(u16, Bytes), Failure> {
        // The base URL's server is reached directly (Plain::new): so is
        // any URL on it.
        let target = Target::of(url)
            .filter(|t| t.key() == self.base.key() || proxy_for(url).is_none())
            .ok_or_else(|| not_plain(url))?;
        let mut request = format!("GET {} HTTP/1.1\r\n", target.path).into_bytes();
        if !client.headers.contains_key(HOST) {
            request.extend_from_slice(format!("host: {}\r\n", target.authority).as_bytes());
        }
        // A GET has no body, so no content-type (Client::get_headers).
        for (name, value) in &client.get_headers() {
            request.extend_from_slice(name.as_str().as_bytes());
            request.extend_from_slice(b": ");
            request.extend_from_slice(value.as_bytes());
            request.extend_from_slice(b"\r\n");
        }
        request.extend_from_slice(b"\r\n");
        let got = self.exchange(client, Some(&target), url, &request);
        client.traced_exchange("GET", url, b"", &got);
        let r = got?;
        Ok((r.status, r.body))
    }

    /// Sends the upsert of `id` with `body`, retrying up to `retry` more
    /// times (with backoff) when the connection fails, as
    /// [`Client::put_retrying`]; the id goes on the wire exactly as
    /// [`Client::outgoing`] shows it (a dot segment or a 70,000-byte
    /// target too).
    ///
    /// # Errors
    /// [`Failure::Usage`] for a bad URL; [`Failure::NoResponse`] when no
    /// complete response arrived, for the last attempt.
    pub fn put_retrying(
        &mut self,
        client: &Client,
        id: &str,
        body: Bytes,
        retry: u32,
    ) -> Result<Exchange, Failure> {
        let out = client.outgoing(id, body)?;
        let mut request = format!("PUT {} HTTP/1.1\r\n", out.target).into_bytes();
        for (name, value) in &out.headers {
            request.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        request.extend_from_slice(b"\r\n");
        request.extend_from_slice(&out.body);
        let mut attempt = 0;
        let got = loop {
            match self.exchange(client, None, &client.base, &request) {
                Err(Attempt::Connect(why)) if attempt < retry => {
                    attempt += 1;
                    if let Some(pause) = client.retry_pause(attempt) {
                        std::thread::sleep(pause);
                        if !client.spent() {
                            continue;
                        }
                    }
                    break Err(Attempt::Connect(client.ran_out(&why, attempt, retry)));
                }
                got => break got,
            }
        };
        client.traced_exchange("PUT", &out.url, &out.body, &got);
        Ok(got?)
    }

    /// One request to `target` (the base URL's server when `None`) and
    /// its response, on the kept connection when it goes to the same place
    /// and is short (again on a new one when the server had closed it),
    /// else on a new one, which is kept when the server allows. `url`
    /// names the server in messages.
    fn exchange(
        &mut self,
        client: &Client,
        target: Option<&Target>,
        url: &str,
        request: &[u8],
    ) -> Result<Exchange, Attempt> {
        let target = target.unwrap_or(&self.base);
        let started = Instant::now();
        let deadline = started + client.limit();
        let key = target.key();
        let kept = match self.kept.take() {
            Some((k, stream)) if k == key && request.len() <= ONE_READ => Some(stream),
            _ => None,
        };
        let reused = kept.is_some();
        let stream = match kept {
            Some(stream) => stream,
            None => connect(target, url, deadline)?,
        };
        let mut conn = Blocking { stream, deadline };
        let mut got = wire::block_on(wire::request(&mut conn, request, MAX_RESPONSE_BYTES));
        if reused && got.as_ref().is_err_and(closed_unanswered) {
            // The server closed the idle connection: a new one.
            conn.stream = connect(target, url, deadline)?;
            got = wire::block_on(wire::request(&mut conn, request, MAX_RESPONSE_BYTES));
        }
        let response = got.map_err(|e| Attempt::Exchange(describe(&e, url, client.timeout)))?;
        if response.keep_alive {
            self.kept = Some((key, conn.stream));
        }
        Ok(Exchange::from_wire(response, started))
    }
}

/// A connection to `target`, made by `deadline`: each of its addresses
/// in turn.
fn connect(target: &Target, url: &str, deadline: Instant) -> Result<TcpStream, Attempt> {
    let failed = |e: &std::io::Error| {
        let why = match e.kind() {
            std::io::ErrorKind::TimedOut => "timed out".to_owned(),
            _ => wire::io_reason(e),
        };
        Attempt::Connect(cannot_connect(url, None, &why))
    };
    let addresses = (target.host.as_str(), target.port)
        .to_socket_addrs()
        .map_err(|e| failed(&e))?;
    let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
    for address in addresses {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            last = std::io::ErrorKind::TimedOut.into();
            break;
        }
        match TcpStream::connect_timeout(&address, left) {
            Ok(stream) => {
                // As reqwest: the request is written whole anyway.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = e,
        }
    }
    Err(failed(&last))
}

/// A failed exchange in reqwest's words ([`super::describe`]).
fn describe(e: &wire::Error, url: &str, timeout: std::time::Duration) -> String {
    match e {
        wire::Error::Write(io) | wire::Error::Read { error: io, .. }
            if io.kind() == std::io::ErrorKind::TimedOut =>
        {
            format!(
                "no response from {url}: timed out after {} (connected, but no complete response)",
                humantime::format_duration(timeout)
            )
        }
        wire::Error::Closed { in_body: false, .. } => {
            format!("connected to {url}, but the server closed the connection without answering")
        }
        wire::Error::Closed { in_body: true, .. } => format!(
            "incomplete response from {url}: the server closed the connection before the body's end"
        ),
        wire::Error::Read {
            error,
            in_body: true,
        } => format!("incomplete response from {url}: {}", wire::io_reason(error)),
        wire::Error::Read { error: io, .. } | wire::Error::Write(io) => {
            format!("request to {url} failed: {}", wire::io_reason(io))
        }
        wire::Error::Head(why) => format!("connected to {url}, but the answer is not HTTP: {why}"),
        wire::Error::Framing(why) => format!("incomplete response from {url}: {why}"),
        wire::Error::TooLarge(max) => format!(
            "the response body from {url} is larger than {} MiB; stopped reading",
            max >> 20
        ),
    }
}

/// How one attempt failed: connecting (which `--retry` tries again), or
/// after.
#[derive(Debug)]
enum Attempt {
    Connect(String),
    Exchange(String),
}

impl std::fmt::Display for Attempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Attempt::Connect(why) | Attempt::Exchange(why) => f.write_str(why),
        }
    }
}

impl From<Attempt> for Failure {
    fn from(a: Attempt) -> Failure {
        match a {
            Attempt::Connect(why) | Attempt::Exchange(why) => Failure::NoResponse(why),
        }
    }
}

/// Whether a request on a kept connection found it closed by the server:
/// nothing answered, no time out.
fn closed_unanswered(e: &wire::Error) -> bool {
    match e {
        wire::Error::Closed { received: 0, .. } => true,
        wire::Error::Write(io)
        | wire::Error::Read {
            error: io,
            in_body: false,
        } => io.kind() != std::io::ErrorKind::TimedOut,
        _ => false,
    }
}

/// The error for a URL a blocking socket cannot carry (callers name their
/// URLs to [`Plain::new`] first).
fn not_plain(url: &str) -> Failure {
    Failure::Usage(format!("{url}: not a plain http:// URL reached directly"))
}

/// A [`Plain`] fetching for [`openapi::discover_by`].
struct Fetcher<'a> {
    plain: &'a mut Plain,
    client: &'a Client,
}

impl Fetch for Fetcher<'_> {
    fn get(&mut self, url: &str) -> impl Future<Output = Result<(u16, Bytes), Failure>> {
        std::future::ready(self.plain.get(self.client, url))
    }
}
