//! `itemctl serve`: the connection loop that answers like the reference app.
//!
//! The HTTP grammar is [`crate::http1`] (h11's), routing is [`crate::route`],
//! bodies are [`crate::body`], rendering is [`crate::serialize`]; this module
//! ties them to sockets: reading requests (pipelined or not), `100 Continue`,
//! writing responses with uvicorn's headers, keep-alive, the access log, and
//! the graceful shutdown on SIGINT/SIGTERM.

use std::cell::RefCell;
use std::future::Future;
use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio_util::task::TaskTracker;

use crate::body::{self, Parsed};
use crate::http1::{self, ChunkProgress, ChunkedDecoder, Framing, Head};
use crate::route::{self, DocsPage, Route, Target};
use crate::serialize;
use crate::store::Store;

const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

/// `documented_app.py`'s OpenAPI schema, as the reference serves it (the one
/// intended divergence from `reference_app.py`: the 201 is documented).
const OPENAPI_JSON: &str = include_str!("docs/openapi.json");
const SWAGGER_UI_HTML: &str = include_str!("docs/swagger-ui.html");
const REDOC_HTML: &str = include_str!("docs/redoc.html");
const OAUTH2_REDIRECT_HTML: &str = include_str!("docs/oauth2-redirect.html");

/// How long in-flight requests get to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// uvicorn's `--timeout-keep-alive` default: an idle keep-alive connection
/// is closed after this long.
const KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a request body may go without a byte arriving.
const REQUEST_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Default time a request head may take from its first byte to its blank
/// line (slow-loris clients are cut off after it).
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default most connections served at once; more wait in the listen backlog.
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// Bodies above this many bytes are refused with 413 (the reference has no
/// limit; this one is far above the tens of MB it is known to take).
pub const DEFAULT_MAX_BODY: u64 = 256 * 1024 * 1024;

/// Server settings.
#[derive(Clone, Debug)]
pub struct Config {
    /// No access log.
    pub quiet: bool,
    /// Largest accepted request body, in bytes.
    pub max_body: u64,
    /// Time from a request head's first byte to its end.
    pub header_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            quiet: false,
            max_body: DEFAULT_MAX_BODY,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// The shared state of a running server.
#[derive(Debug)]
pub struct App {
    /// The items.
    pub store: Store,
    log: Option<AccessLog>,
    max_body: u64,
    header_timeout: Duration,
    max_connections: usize,
}

impl App {
    /// An app over `store`, logging one line per request to stderr unless
    /// `quiet`.
    pub fn new(store: Store, quiet: bool) -> Self {
        Self::with_config(
            store,
            &Config {
                quiet,
                ..Config::default()
            },
        )
    }

    /// An app over `store` with explicit settings.
    pub fn with_config(store: Store, config: &Config) -> Self {
        App {
            store,
            log: (!config.quiet).then(AccessLog::spawn),
            max_body: config.max_body,
            header_timeout: config.header_timeout,
            max_connections: config.max_connections.max(1),
        }
    }
}

/// The access log. Request handlers append lines to a shared buffer (a
/// short uncontended lock, no allocation, no syscall); a writer thread
/// drains it to stderr every 50 ms. So logging costs the hot path neither a
/// write nor a thread wake-up per request.
#[derive(Debug)]
struct AccessLog {
    buffer: Arc<std::sync::Mutex<LogBuffer>>,
}

#[derive(Debug, Default)]
struct LogBuffer {
    lines: Vec<u8>,
    /// Lines dropped because the writer fell behind by `MAX_LOG_BUFFER`.
    dropped: u64,
}

/// Log bytes held before new lines are dropped (and counted).
const MAX_LOG_BUFFER: usize = 8 * 1024 * 1024;
/// How often the writer thread drains the buffer.
const LOG_FLUSH_INTERVAL: Duration = Duration::from_millis(50);

impl AccessLog {
    fn spawn() -> Self {
        let buffer = Arc::new(std::sync::Mutex::new(LogBuffer::default()));
        let shared = Arc::clone(&buffer);
        std::thread::spawn(move || {
            let mut spare = Vec::new();
            loop {
                std::thread::sleep(LOG_FLUSH_INTERVAL);
                let dropped = {
                    let mut b = shared
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    std::mem::swap(&mut b.lines, &mut spare);
                    std::mem::take(&mut b.dropped)
                };
                let mut stderr = std::io::stderr().lock();
                if !spare.is_empty() {
                    let _ = stderr.write_all(&spare);
                }
                if dropped > 0 {
                    let _ = writeln!(
                        stderr,
                        "itemctl: {dropped} access-log lines dropped (stderr too slow)"
                    );
                }
                let _ = stderr.flush();
                spare.clear();
                if Arc::strong_count(&shared) == 1 {
                    // The server is gone (its drop wrote the rest).
                    return;
                }
            }
        });
        AccessLog { buffer }
    }

    fn record(&self, method: &[u8], target: &[u8], status: u16, elapsed: Duration) {
        let mut b = self
            .buffer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if b.lines.len() > MAX_LOG_BUFFER {
            b.dropped += 1;
            return;
        }
        let lines = &mut b.lines;
        lines.extend_from_slice(method);
        lines.push(b' ');
        // The target is visible ASCII (the parser refuses anything else).
        lines.extend_from_slice(target);
        let _ = writeln!(lines, " {status} {:.3}ms", elapsed.as_secs_f64() * 1000.0);
    }
}

impl Drop for AccessLog {
    /// Writes what is still buffered (the server is stopping).
    fn drop(&mut self) {
        let b = self
            .buffer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(&b.lines);
        let _ = stderr.flush();
    }
}

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port).
    ///
    /// Errors: the bind error (address in use, permission denied).
    pub async fn bind(addr: SocketAddr, app: App) -> std::io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        Ok(Server {
            listener,
            app: Arc::new(app),
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The base URL clients use, e.g. `http://127.0.0.1:43117`.
    pub fn base_url(&self) -> std::io::Result<String> {
        Ok(base_url(self.local_addr()?))
    }

    /// The shared state (for tests and the embedded server).
    pub fn app(&self) -> Arc<App> {
        Arc::clone(&self.app)
    }

    /// Serves until `shutdown` completes; then stops accepting, closes idle
    /// connections, lets requests in flight finish (up to 10 s, answered
    /// with `Connection: close`), and returns.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let local = self.listener.local_addr()?;
        let server_name: Arc<str> = server_name(local).into();
        let tracker = TaskTracker::new();
        let (stop_tx, stop_rx) = watch::channel(false);
        let slots = Arc::new(tokio::sync::Semaphore::new(self.app.max_connections));
        tokio::pin!(shutdown);
        loop {
            // At the connection limit, stop accepting until one ends: the
            // kernel's listen backlog holds the rest.
            let permit = tokio::select! {
                permit = Arc::clone(&slots).acquire_owned() => match permit {
                    Ok(p) => p,
                    Err(_) => break,
                },
                () = &mut shutdown => break,
            };
            tokio::select! {
                accepted = self.listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(conn) => conn,
                        Err(_) => {
                            // Out of descriptors and the like: back off, keep serving.
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            continue;
                        }
                    };
                    let _ = stream.set_nodelay(true);
                    let conn = Connection {
                        app: Arc::clone(&self.app),
                        peer,
                        server_name: Arc::clone(&server_name),
                        stop: stop_rx.clone(),
                    };
                    tracker.spawn(async move {
                        conn.serve(stream).await;
                        drop(permit);
                    });
                }
                () = &mut shutdown => break,
            }
        }
        drop(self.listener);
        let _ = stop_tx.send(true);
        tracker.close();
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait()).await;
        Ok(())
    }
}

/// `http://host:port` for a bound address (`[…]` around IPv6).
pub fn base_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// Starlette's `host[:port]` from the socket address, the port left out
/// when it is 80.
fn server_name(addr: SocketAddr) -> String {
    let host = match addr {
        SocketAddr::V4(a) => a.ip().to_string(),
        SocketAddr::V6(a) => a.ip().to_string(),
    };
    if addr.port() == 80 {
        host
    } else {
        format!("{host}:{}", addr.port())
    }
}

/// Registers SIGINT and SIGTERM handlers now (so a signal that arrives
/// before the server runs is not lost to the default action) and returns a
/// future that resolves on either.
///
/// Errors: the OS refused to install a handler.
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// An answer, with the headers Starlette would give it (in its order).
#[derive(Debug)]
struct Reply {
    status: u16,
    allow: Option<&'static str>,
    content_type: Option<&'static str>,
    location: Option<String>,
    body: Bytes,
}

impl Reply {
    fn new(status: u16, content_type: Option<&'static str>, body: Bytes) -> Self {
        Reply {
            status,
            allow: None,
            content_type,
            location: None,
            body,
        }
    }

    fn json(status: u16, body: impl Into<Bytes>) -> Self {
        Self::new(status, Some(JSON), body.into())
    }

    fn internal_error() -> Self {
        Self::new(
            500,
            Some(TEXT),
            Bytes::from_static(b"Internal Server Error"),
        )
    }
}

/// Why reading a request body stopped.
enum BodyError {
    /// Malformed chunked framing: uvicorn's 400.
    Protocol,
    /// Larger than the configured limit: 413.
    TooLarge,
    /// The peer went away or timed out: just close.
    Gone,
}

/// One accepted connection.
struct Connection {
    app: Arc<App>,
    peer: SocketAddr,
    server_name: Arc<str>,
    stop: watch::Receiver<bool>,
}

impl Connection {
    async fn serve(mut self, mut stream: TcpStream) {
        let mut buf = BytesMut::with_capacity(8 * 1024);
        let mut out: Vec<u8> = Vec::with_capacity(8 * 1024);
        // h11 remembers the last accepted request's HTTP version; its 400
        // for a later malformed request is chunked when that was 1.1+.
        let mut speaks_1_1 = false;
        loop {
            // A complete head, reading as needed; its first byte starts the
            // header deadline.
            let mut head_deadline =
                (!buf.is_empty()).then(|| Instant::now() + self.app.header_timeout);
            let end = loop {
                if let Some(end) = http1::head_end(&buf) {
                    break end;
                }
                if buf.len() > http1::MAX_HEAD_BYTES {
                    write_invalid_request(&mut out, speaks_1_1);
                    let _ = flush(&mut stream, &mut out).await;
                    return;
                }
                if flush(&mut stream, &mut out).await.is_err() {
                    return;
                }
                let idle = buf.is_empty();
                if idle && *self.stop.borrow() {
                    return;
                }
                let timeout = match head_deadline {
                    None => KEEP_ALIVE_TIMEOUT,
                    Some(deadline) => deadline.saturating_duration_since(Instant::now()),
                };
                let read = tokio::select! {
                    r = tokio::time::timeout(timeout, stream.read_buf(&mut buf)) => r,
                    _ = self.stop.changed(), if idle => return,
                };
                match read {
                    Ok(Ok(n)) if n > 0 => {
                        head_deadline
                            .get_or_insert_with(|| Instant::now() + self.app.header_timeout);
                    }
                    _ => return,
                }
            };
            let started = Instant::now();
            let head_bytes = buf.split_to(end).freeze();
            let head = match http1::parse_head(&head_bytes) {
                Ok(head) => head,
                Err(_) => {
                    write_invalid_request(&mut out, speaks_1_1);
                    let _ = flush(&mut stream, &mut out).await;
                    return;
                }
            };
            speaks_1_1 = head.version >= (1, 1);
            let keep_alive = head.keep_alive;
            let method = &head_bytes[head.method.clone()];
            let is_head = method == b"HEAD";
            let route = self.route(&head, &head_bytes);
            let is_upsert = matches!(route, Route::Upsert { .. });
            let reply = if let Route::Upsert { id } = &route {
                if head.expects_continue {
                    out.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
                }
                let body = read_body(
                    &mut stream,
                    &mut buf,
                    &mut out,
                    head.framing,
                    self.app.max_body,
                    true,
                )
                .await;
                match body {
                    Ok(body) => {
                        let content_type = head.header(&head_bytes, "content-type");
                        upsert(&self.app, id, content_type, &body)
                    }
                    Err(BodyError::Protocol) => {
                        write_invalid_request(&mut out, speaks_1_1);
                        let _ = flush(&mut stream, &mut out).await;
                        return;
                    }
                    Err(BodyError::TooLarge) => too_large(self.app.max_body),
                    Err(BodyError::Gone) => return,
                }
            } else {
                reply_for(route)
            };
            let stopping = *self.stop.borrow();
            let close = !keep_alive || stopping || reply.status == 413;
            write_reply(&mut out, &reply, is_head, close);
            if let Some(log) = &self.app.log {
                log.record(
                    method,
                    &head_bytes[head.target.clone()],
                    reply.status,
                    started.elapsed(),
                );
            }
            if close {
                let _ = flush(&mut stream, &mut out).await;
                let _ = stream.shutdown().await;
                return;
            }
            if !is_upsert {
                // The body nobody read still has to be skipped.
                if read_body(
                    &mut stream,
                    &mut buf,
                    &mut out,
                    head.framing,
                    u64::MAX,
                    false,
                )
                .await
                .is_err()
                {
                    let _ = flush(&mut stream, &mut out).await;
                    return;
                }
            }
            if out.len() >= 64 * 1024 && flush(&mut stream, &mut out).await.is_err() {
                return;
            }
        }
    }

    fn route(&self, head: &Head, bytes: &[u8]) -> Route {
        // The target is visible ASCII (checked by the parser).
        let target = std::str::from_utf8(&bytes[head.target.clone()]).unwrap_or("");
        let (raw_path, query) = match target.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (target, None),
        };
        let method = std::str::from_utf8(&bytes[head.method.clone()]).unwrap_or("");
        // uvicorn trusts proxy headers from 127.0.0.1 only.
        let trusted = self.peer.ip() == Ipv4Addr::LOCALHOST;
        route::route(&Target {
            method,
            raw_path,
            query,
            host: head.header(bytes, "host"),
            forwarded_proto: if trusted {
                head.header_all(bytes, "x-forwarded-proto").last()
            } else {
                None
            },
            server: &self.server_name,
        })
    }
}

async fn flush(stream: &mut TcpStream, out: &mut Vec<u8>) -> std::io::Result<()> {
    if !out.is_empty() {
        stream.write_all(out).await?;
        out.clear();
    }
    Ok(())
}

/// Reads (or, when `keep` is false, skips) a body framed as `framing`,
/// taking bytes already in `buf` first and leaving anything after the body
/// there. Pending output (a `100 Continue`) is flushed before waiting.
async fn read_body(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    out: &mut Vec<u8>,
    framing: Framing,
    max: u64,
    keep: bool,
) -> Result<Bytes, BodyError> {
    match framing {
        Framing::Length(0) => Ok(Bytes::new()),
        Framing::Length(n) => {
            if n > max {
                return Err(BodyError::TooLarge);
            }
            if keep && (buf.capacity() as u64) < n {
                buf.reserve((n as usize).saturating_sub(buf.len()));
            }
            let mut left = n;
            let mut body = BytesMut::new();
            loop {
                let take = left.min(buf.len() as u64) as usize;
                if take > 0 {
                    let chunk = buf.split_to(take);
                    if keep {
                        if body.is_empty() && take as u64 == n {
                            return Ok(chunk.freeze());
                        }
                        body.extend_from_slice(&chunk);
                    }
                    left -= take as u64;
                }
                if left == 0 {
                    return Ok(body.freeze());
                }
                fill(stream, buf, out).await?;
            }
        }
        Framing::Chunked => {
            let mut decoder = ChunkedDecoder::default();
            let mut body = Vec::new();
            loop {
                let sink = if keep { Some(&mut body) } else { None };
                let (used, progress) =
                    decoder.decode(buf, sink).map_err(|_| BodyError::Protocol)?;
                let _ = buf.split_to(used);
                if body.len() as u64 > max {
                    return Err(BodyError::TooLarge);
                }
                if progress == ChunkProgress::Done {
                    return Ok(Bytes::from(body));
                }
                fill(stream, buf, out).await?;
            }
        }
    }
}

/// Reads more bytes into `buf` (flushing `out` first).
async fn fill(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    out: &mut Vec<u8>,
) -> Result<(), BodyError> {
    flush(stream, out).await.map_err(|_| BodyError::Gone)?;
    if buf.capacity() - buf.len() < 4096 {
        buf.reserve(64 * 1024);
    }
    match tokio::time::timeout(REQUEST_READ_TIMEOUT, stream.read_buf(buf)).await {
        Ok(Ok(n)) if n > 0 => Ok(()),
        _ => Err(BodyError::Gone),
    }
}

/// The handler: validate, store, render (in the reference's order, so a
/// name that cannot be rendered is stored before the 500).
fn upsert(app: &App, id: &str, content_type: Option<&[u8]>, body: &[u8]) -> Reply {
    match body::parse_upsert(content_type, body) {
        Parsed::Item(item) => {
            let mut out = Vec::with_capacity(48);
            let rendered = serialize::write_item(&mut out, item.name.as_ref(), item.size.as_ref());
            match (app.store.upsert(id, item), rendered) {
                (Ok(outcome), Ok(())) => Reply::json(outcome.status_code(), out),
                (Ok(_), Err(_)) => Reply::internal_error(),
                (Err(full), _) => Reply::json(
                    507,
                    format!(
                        "{{\"detail\":\"The store is full: {} items (itemctl serve --max-items); stored ids can still be updated\"}}",
                        full.0
                    ),
                ),
            }
        }
        Parsed::Invalid(detail) => Reply::json(422, detail),
        Parsed::BadRequest => Reply::json(
            400,
            Bytes::from_static(br#"{"detail":"There was an error parsing the body"}"#),
        ),
        Parsed::Unrenderable => Reply::internal_error(),
    }
}

fn too_large(max: u64) -> Reply {
    Reply::json(
        413,
        format!(
            "{{\"detail\":\"Request body too large: the limit is {max} bytes (itemctl serve --max-body)\"}}"
        ),
    )
}

fn reply_for(route: Route) -> Reply {
    match route {
        // Handled with its body by the caller.
        Route::Upsert { .. } => Reply::internal_error(),
        Route::Docs(page) => {
            let (content_type, body) = match page {
                DocsPage::OpenApi => (JSON, OPENAPI_JSON),
                DocsPage::SwaggerUi => (HTML, SWAGGER_UI_HTML),
                DocsPage::ReDoc => (HTML, REDOC_HTML),
                DocsPage::OAuth2Redirect => (HTML, OAUTH2_REDIRECT_HTML),
            };
            Reply::new(200, Some(content_type), Bytes::from_static(body.as_bytes()))
        }
        Route::MethodNotAllowed { allow } => Reply {
            allow: Some(allow),
            ..Reply::json(
                405,
                Bytes::from_static(br#"{"detail":"Method Not Allowed"}"#),
            )
        },
        Route::Redirect { location } => Reply {
            location: Some(location),
            ..Reply::new(307, None, Bytes::new())
        },
        Route::NotFound => Reply::json(404, Bytes::from_static(br#"{"detail":"Not Found"}"#)),
    }
}

/// Writes a response as uvicorn does: `date`, `server`, then Starlette's
/// headers, then `Connection: close` when the connection ends.
fn write_reply(out: &mut Vec<u8>, reply: &Reply, head_only: bool, close: bool) {
    out.extend_from_slice(b"HTTP/1.1 ");
    let _ = write!(out, "{} ", reply.status);
    out.extend_from_slice(http1::reason_phrase(reply.status).as_bytes());
    out.extend_from_slice(b"\r\ndate: ");
    with_http_date(|date| out.extend_from_slice(date.as_bytes()));
    out.extend_from_slice(b"\r\nserver: uvicorn\r\n");
    if let Some(allow) = reply.allow {
        out.extend_from_slice(b"allow: ");
        out.extend_from_slice(allow.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"content-length: ");
    let _ = write!(out, "{}\r\n", reply.body.len());
    if let Some(ct) = reply.content_type {
        out.extend_from_slice(b"content-type: ");
        out.extend_from_slice(ct.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if let Some(location) = &reply.location {
        out.extend_from_slice(b"location: ");
        out.extend_from_slice(location.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if close {
        out.extend_from_slice(b"Connection: close\r\n");
    }
    out.extend_from_slice(b"\r\n");
    if !head_only {
        out.extend_from_slice(&reply.body);
    }
}

/// uvicorn's answer to a malformed request: delimited by closing the
/// connection, or chunked when h11 knows the client speaks HTTP/1.1 or later
/// (its current or an earlier request on the connection was accepted).
fn write_invalid_request(out: &mut Vec<u8>, chunked: bool) {
    out.extend_from_slice(
        b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\n",
    );
    let msg = http1::INVALID_REQUEST.as_bytes();
    if chunked {
        // uvicorn's own lower-case header stays; h11 appends the framing.
        out.extend_from_slice(b"connection: close\r\nTransfer-Encoding: chunked\r\n\r\n");
        out.extend_from_slice(format!("{:x}\r\n", msg.len()).as_bytes());
        out.extend_from_slice(msg);
        out.extend_from_slice(b"\r\n0\r\n\r\n");
    } else {
        // h11 rewrites the header (title case) when it must close.
        out.extend_from_slice(b"Connection: close\r\n\r\n");
        out.extend_from_slice(msg);
    }
}

/// Calls `f` with the current HTTP date, formatted once per second per thread.
fn with_http_date(f: impl FnOnce(&str)) {
    thread_local! {
        static CACHE: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
    }
    let now = SystemTime::now();
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.0 != secs {
            *cache = (secs, httpdate::fmt_http_date(now));
        }
        f(&cache.1);
    });
}
