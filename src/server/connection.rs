//! One connection of `itemctl serve`: reading requests (pipelined or not),
//! `100 Continue`, bodies, keep-alive and the head deadline, in uvicorn's
//! order of events.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::admin;
use super::app::App;
use super::faults::Outcome as Fate;
use super::handlers::{self, Write, injected_failure, reply_for, too_large};
use super::journal::{BODY_KEPT, Record};
use super::limits::{FRESH_IDLE_TIMEOUT, KEEP_ALIVE_TIMEOUT, REQUEST_READ_TIMEOUT};
use super::response::with_http_date;
use crate::reference::app::{Action, Request};
use crate::reference::h11::{self, ChunkProgress, ChunkedDecoder, Framing, Head};
use crate::reference::response::{Reply, write_invalid_request, write_reply};
use crate::reference::routing::{DocsPage, Route, Target};

/// The header `itemctl wait` marks its probe with; the journal leaves
/// such requests out.
pub(super) const PROBE_HEADER: &str = "x-itemctl-probe";

/// What a request is, before its answer.
enum Plan {
    /// Answered as it is (a CORS preflight).
    Answer(Reply),
    /// `/__itemctl/…` with `--admin`.
    Admin,
    /// The reference's routes.
    Route(Route),
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
pub(super) struct Connection {
    pub(super) app: Arc<App>,
    pub(super) peer: SocketAddr,
    /// The local address, as ASGI's `scope["server"]`.
    pub(super) server_ip: Arc<str>,
    pub(super) server_port: u16,
    pub(super) stop: watch::Receiver<bool>,
}

impl Connection {
    /// Serves requests until the connection ends, following uvicorn 0.54's
    /// `H11Protocol` event by event (`data_received` → `handle_events`,
    /// `on_response_complete`, `timeout_keep_alive_handler`, `shutdown`):
    ///
    /// - a head that cannot become a request is refused as soon as h11
    ///   would (its first byte below `!`, or more than 16 KiB still
    ///   incomplete after a read), not at a deadline;
    /// - the body bytes that arrived with the head are checked before any
    ///   answer (a malformed chunked body gets the 400, and no `100
    ///   Continue`), whatever the route;
    /// - after a 500 (Starlette re-raises, uvicorn closes), the next
    ///   request already received is run without an answer, then the
    ///   connection closes;
    /// - the keep-alive timer (5 s) starts when a response is complete and
    ///   stops when any byte arrives; a fresh connection has none in
    ///   uvicorn (here: [`FRESH_IDLE_TIMEOUT`], a documented defence);
    /// - on shutdown, a connection between requests closes at once (a
    ///   partial head unanswered); a request being read is answered, without
    ///   `Connection: close`, then the connection closes.
    ///
    /// Kept on purpose, and documented: the head deadline
    /// (`--header-timeout`, from a head's first byte), the body stall limit
    /// (60 s without a byte), `--max-body` (413).
    pub(super) async fn serve(mut self, mut stream: TcpStream) {
        let mut buf = BytesMut::with_capacity(8 * 1024);
        let mut out: Vec<u8> = Vec::with_capacity(8 * 1024);
        // h11 remembers the last accepted request's HTTP version; its 400
        // for a later malformed request is chunked when that was 1.1+.
        let mut speaks_1_1 = false;
        // uvicorn's keep-alive timer: armed when a response completes,
        // cancelled by any data received.
        let mut keep_alive_until: Option<Instant> = None;
        let mut answered_any = false;
        loop {
            // A complete head, reading as needed; its first byte starts the
            // header deadline.
            let mut head_deadline =
                (!buf.is_empty()).then(|| Instant::now() + self.app.header_timeout);
            let end = loop {
                if let Some(end) = h11::head_end(&buf) {
                    break end;
                }
                if h11::incomplete_head_refused(&buf) {
                    write_invalid_request(&mut out, speaks_1_1, false);
                    let _ = flush(&mut stream, &mut out).await;
                    return;
                }
                if flush(&mut stream, &mut out).await.is_err() {
                    return;
                }
                // Between requests (a partial head included) shutdown closes.
                if *self.stop.borrow() {
                    return;
                }
                let fresh_idle =
                    (!answered_any && buf.is_empty()).then(|| Instant::now() + FRESH_IDLE_TIMEOUT);
                let deadline = [keep_alive_until, head_deadline, fresh_idle]
                    .into_iter()
                    .flatten()
                    .min()
                    .unwrap_or_else(|| Instant::now() + FRESH_IDLE_TIMEOUT);
                let read = tokio::select! {
                    r = tokio::time::timeout_at(deadline.into(), read_some(&stream, &mut buf)) => r,
                    _ = self.stop.changed() => return,
                };
                match read {
                    Ok(Ok(n)) if n > 0 => {
                        keep_alive_until = None;
                        head_deadline
                            .get_or_insert_with(|| Instant::now() + self.app.header_timeout);
                    }
                    _ => return,
                }
            };
            let started = Instant::now();
            let head_bytes = buf.split_to(end).freeze();
            let head = match h11::parse_head(&head_bytes) {
                Ok(head) => head,
                Err(_) => {
                    write_invalid_request(&mut out, speaks_1_1, false);
                    let _ = flush(&mut stream, &mut out).await;
                    return;
                }
            };
            speaks_1_1 = head.version >= (1, 1);
            // h11 parses the body bytes received with the head before the
            // app runs: a malformed chunked body among them is the 400.
            if head.framing == Framing::Chunked && h11::check_buffered_chunked(&buf).is_err() {
                write_invalid_request(&mut out, speaks_1_1, !head.keep_alive);
                let _ = flush(&mut stream, &mut out).await;
                return;
            }
            let method = &head_bytes[head.method.clone()];
            let target = &head_bytes[head.target.clone()];
            let is_head = method == b"HEAD";
            // Only --cors reads Origin: no header scan on the plain path.
            let origin = self
                .app
                .cors
                .as_ref()
                .and_then(|_| head.header(&head_bytes, "origin"))
                .map(<[u8]>::to_vec);
            let plan = if let Some(reply) = self.app.cors.as_ref().and_then(|c| {
                c.preflight(
                    method,
                    origin.as_deref(),
                    head.header(&head_bytes, "access-control-request-method"),
                    head.header(&head_bytes, "access-control-request-headers"),
                )
            }) {
                Plan::Answer(reply)
            } else if self.app.admin.is_some() && admin::is_admin_target(target) {
                Plan::Admin
            } else {
                Plan::Route(self.route(&head, &head_bytes))
            };
            let upsert_of = |plan: &Plan| match plan {
                Plan::Route(Route::Operation { index, .. }) => {
                    match self.app.site.model.actions.get(*index) {
                        Some(Action::Upsert(r)) => Some(*r),
                        _ => None,
                    }
                }
                _ => None,
            };
            // FastAPI reads the body of every operation that declares one.
            let takes_body = |plan: &Plan| match plan {
                Plan::Admin => true,
                Plan::Route(Route::Operation { index, .. }) => {
                    match self.app.site.model.actions.get(*index) {
                        Some(Action::Upsert(_)) => true,
                        Some(
                            Action::Read { sig, .. }
                            | Action::Delete { sig, .. }
                            | Action::Other { sig, .. },
                        ) => !matches!(sig.body, crate::reference::app::Body::Absent),
                        None => false,
                    }
                }
                _ => false,
            };
            let reads_body = takes_body(&plan);
            let preflight = matches!(plan, Plan::Answer(_));
            // The id and outcome, kept only for the access log and journal.
            let noted = self.app.log.is_some() || self.app.admin.is_some();
            let mut upserted: Option<(String, Option<bool>)> = None;
            let mut durable = None;
            // The body, for the journal.
            let mut seen_body = Bytes::new();
            let mut reply = if reads_body {
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
                if self.app.admin.is_some()
                    && let Ok(b) = &body
                {
                    seen_body = b.clone();
                }
                let reply = match (body, &plan) {
                    (Ok(body), Plan::Admin) => match &self.app.admin {
                        Some(admin) => {
                            let target = std::str::from_utf8(target).unwrap_or("");
                            let method = std::str::from_utf8(method).unwrap_or("");
                            let (reply, wait) =
                                admin::handle(&self.app, admin, method, target, &body);
                            durable = wait;
                            reply
                        }
                        None => Reply::internal_error(),
                    },
                    (Ok(body), Plan::Route(Route::Operation { index, params }))
                        if upsert_of(&plan).is_none() =>
                    {
                        let done = self.answer(*index, params, &head, &head_bytes, &body);
                        if let Some(key) = done.key {
                            upserted = noted.then_some((key, None));
                        }
                        durable = done.durable;
                        done.reply
                    }
                    (Ok(body), Plan::Route(Route::Operation { params, .. })) => {
                        let resource = upsert_of(&plan).unwrap_or(0);
                        // Faults apply to the endpoint only.
                        let (delay, fate) = self.app.faults.draw(&params.join("/"));
                        if let Some(delay) = delay {
                            // Counted from when the request head arrived.
                            self.app.faults.sleep_until(started + delay).await;
                        }
                        match fate {
                            Fate::Drop => {
                                let key = params.join("/");
                                self.journal(
                                    &head_bytes,
                                    &head,
                                    &body,
                                    0,
                                    started,
                                    Some((key, None)),
                                );
                                let _ = flush(&mut stream, &mut out).await;
                                return;
                            }
                            Fate::Fail(status) => {
                                upserted = noted.then(|| (params.join("/"), None));
                                injected_failure(status)
                            }
                            Fate::Pass => {
                                let done = self.upsert(resource, params, &head, &head_bytes, &body);
                                upserted = noted.then(|| {
                                    (done.key.unwrap_or_else(|| params.join("/")), done.created)
                                });
                                durable = done.durable;
                                done.reply
                            }
                        }
                    }
                    (Ok(_), _) => Reply::internal_error(),
                    (Err(BodyError::Protocol), _) => {
                        write_invalid_request(&mut out, speaks_1_1, !head.keep_alive);
                        let _ = flush(&mut stream, &mut out).await;
                        return;
                    }
                    (Err(BodyError::TooLarge), _) => too_large(self.app.max_body),
                    (Err(BodyError::Gone), _) => return,
                };
                // The route's parameters are not kept across the commit.
                drop(plan);
                reply
            } else {
                match plan {
                    Plan::Answer(reply) => reply,
                    Plan::Route(Route::Docs(DocsPage::OpenApi)) if self.app.admin.is_some() => {
                        let doc = self
                            .app
                            .admin
                            .as_ref()
                            .map(|a| admin::openapi(a, &self.app.site))
                            .unwrap_or_default();
                        Reply::json(200, doc)
                    }
                    Plan::Route(Route::Operation { index, params }) => {
                        let done = self.answer(index, &params, &head, &head_bytes, &Bytes::new());
                        if let Some(key) = done.key {
                            upserted = noted.then_some((key, None));
                        }
                        durable = done.durable;
                        done.reply
                    }
                    Plan::Route(route) => reply_for(&self.app, route),
                    Plan::Admin => Reply::internal_error(),
                }
            };
            let keep_alive = head.keep_alive;
            let framing = head.framing;
            // Only the journal reads the head after the commit (with
            // --state, 64 connections waiting hold little of the heap).
            let head = self.app.admin.is_some().then_some(head);
            // With --state, an acknowledged write is a committed one.
            if let Some(durable) = durable
                && durable.wait().await.is_err()
            {
                reply = Reply::internal_error();
            }
            if let Some(cors) = &self.app.cors
                && !preflight
            {
                reply.extra.extend(cors.headers(origin.as_deref()));
            }
            let is_upsert = reads_body;
            let stopping = *self.stop.borrow();
            let server_error = reply.status == 500;
            // h11 writes `Connection: close` only when the request asked for
            // it (or was HTTP/1.0); a 413 is ours and says so too.
            let close_header = !keep_alive || reply.status == 413;
            let close = close_header || stopping || server_error;
            with_http_date(|date| write_reply(&mut out, &reply, date, is_head, close_header));
            if let Some(log) = &self.app.log {
                log.record(
                    method,
                    target,
                    reply.status,
                    started.elapsed(),
                    upserted
                        .as_ref()
                        .map(|(id, created)| (id.as_str(), *created)),
                );
            }
            if let Some(head) = &head
                && !admin::is_admin_target(target)
            {
                self.journal(
                    &head_bytes,
                    head,
                    &seen_body,
                    reply.status,
                    started,
                    upserted,
                );
            }
            if server_error {
                // Starlette sent the 500 and re-raised; uvicorn's response
                // callback had already parsed the next request received,
                // whose task still runs (unanswered), before the close.
                let _ = flush(&mut stream, &mut out).await;
                self.run_unanswered(&buf, speaks_1_1, &mut out);
                let _ = flush(&mut stream, &mut out).await;
                let _ = stream.shutdown().await;
                return;
            }
            if close {
                let _ = flush(&mut stream, &mut out).await;
                let _ = stream.shutdown().await;
                return;
            }
            answered_any = true;
            keep_alive_until = Some(Instant::now() + KEEP_ALIVE_TIMEOUT);
            if !is_upsert {
                // The body nobody read still has to be skipped.
                if read_body(&mut stream, &mut buf, &mut out, framing, u64::MAX, false)
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

    /// Adds a request to the admin journal (with `--admin`).
    fn journal(
        &self,
        bytes: &Bytes,
        head: &Head,
        body: &Bytes,
        status: u16,
        started: Instant,
        upsert: Option<(String, Option<bool>)>,
    ) {
        let Some(admin) = &self.app.admin else { return };
        // `itemctl wait`'s probe is not one of the test's requests.
        if head.header(bytes, PROBE_HEADER).is_some() {
            return;
        }
        let latin1 = |b: &[u8]| {
            b.iter()
                .map(|&c| char::from(c))
                .collect::<String>()
                .into_boxed_str()
        };
        let headers = head
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    latin1(&bytes[name.clone()])
                        .to_ascii_lowercase()
                        .into_boxed_str(),
                    latin1(head.value(bytes, value)),
                )
            })
            .collect();
        admin.journal.record(Record {
            time: started,
            method: bytes[head.method.clone()].into(),
            target: bytes[head.target.clone()].into(),
            status,
            latency: started.elapsed(),
            upsert,
            headers,
            body: body.slice(..body.len().min(BODY_KEPT)),
            body_len: body.len(),
        });
    }

    /// The request after a 500, as uvicorn treats it: parsed from what was
    /// already received; a malformed one gets the 400 (written to `out`);
    /// a complete upsert is run and stored, its answer never written.
    fn run_unanswered(&self, buf: &[u8], speaks_1_1: bool, out: &mut Vec<u8>) {
        let Some(end) = h11::head_end(buf) else {
            if h11::incomplete_head_refused(buf) {
                write_invalid_request(out, speaks_1_1, false);
            }
            return;
        };
        let Ok(head) = h11::parse_head(&buf[..end]) else {
            write_invalid_request(out, speaks_1_1, false);
            return;
        };
        let speaks_1_1 = head.version >= (1, 1);
        let rest = &buf[end..];
        let body: Option<Vec<u8>> = match head.framing {
            Framing::Length(n) => usize::try_from(n)
                .ok()
                .and_then(|n| rest.get(..n))
                .map(<[u8]>::to_vec),
            Framing::Chunked => {
                let mut body = Vec::new();
                match ChunkedDecoder::default().decode(rest, Some(&mut body)) {
                    Ok((_, ChunkProgress::Done)) => Some(body),
                    Ok((_, ChunkProgress::NeedMore)) => None,
                    Err(_) => {
                        write_invalid_request(out, speaks_1_1, !head.keep_alive);
                        return;
                    }
                }
            }
        };
        if let (Route::Operation { index, params }, Some(body)) =
            (self.route(&head, &buf[..end]), body)
            && let Some(Action::Upsert(resource)) = self.app.site.model.actions.get(index)
        {
            let _ = self.upsert(*resource, &params, &head, &buf[..end], &body);
        }
    }

    /// The upsert handler for the request with this head and body.
    fn upsert(
        &self,
        resource: usize,
        params: &[String],
        head: &Head,
        bytes: &[u8],
        body: &[u8],
    ) -> Write {
        let target = std::str::from_utf8(&bytes[head.target.clone()]).unwrap_or("");
        let query = target.split_once('?').map(|(_, q)| q);
        let header = |name: &str| head.header(bytes, name);
        handlers::upsert(
            &self.app,
            resource,
            &Request {
                params,
                query,
                header: &header,
                body,
            },
        )
    }

    /// A route other than an upsert: the item's GET or DELETE, or another
    /// documented operation.
    fn answer(
        &self,
        index: usize,
        params: &[String],
        head: &Head,
        bytes: &[u8],
        body: &[u8],
    ) -> Write {
        let target = std::str::from_utf8(&bytes[head.target.clone()]).unwrap_or("");
        let query = target.split_once('?').map(|(_, q)| q);
        let header = |name: &str| head.header(bytes, name);
        let req = Request {
            params,
            query,
            header: &header,
            body,
        };
        let plain = |reply| Write {
            reply,
            key: None,
            created: None,
            durable: None,
        };
        match self.app.site.model.actions.get(index) {
            Some(Action::Read { resource, sig }) => {
                plain(handlers::read(&self.app, *resource, sig, &req))
            }
            Some(Action::Delete {
                resource,
                status,
                sig,
            }) => handlers::delete(&self.app, *resource, *status, sig, &req),
            Some(Action::Other {
                label,
                example,
                sig,
            }) => plain(handlers::other(
                &self.app,
                label,
                example.as_ref(),
                sig,
                &req,
            )),
            Some(Action::Upsert(resource)) => self.upsert(*resource, params, head, bytes, body),
            None => plain(Reply::internal_error()),
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
        self.app.site.model.routes.route(&Target {
            method,
            raw_path,
            query,
            host: head.header(bytes, "host"),
            forwarded_proto: if trusted {
                head.header_all(bytes, "x-forwarded-proto").last()
            } else {
                None
            },
            server: (&self.server_ip, self.server_port),
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
    match tokio::time::timeout(REQUEST_READ_TIMEOUT, read_some(stream, buf)).await {
        Ok(Ok(n)) if n > 0 => Ok(()),
        _ => Err(BodyError::Gone),
    }
}

thread_local! {
    /// One read's worth of bytes, per runtime thread.
    static SCRATCH: std::cell::RefCell<Vec<u8>> =
        std::cell::RefCell::new(vec![0; h11::READ_SIZE]);
}

/// Reads what has arrived, at most [`h11::READ_SIZE`] bytes, as asyncio's
/// `recv(256 KiB)` under uvicorn does: the size of each read decides
/// whether a large head arrives whole, so it is the reference's. Returns
/// the bytes read (0 at end of stream).
async fn read_some(stream: &TcpStream, buf: &mut BytesMut) -> std::io::Result<usize> {
    loop {
        stream.readable().await?;
        let read = SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let n = stream.try_read(&mut scratch[..])?;
            buf.extend_from_slice(&scratch[..n]);
            Ok::<usize, std::io::Error>(n)
        });
        match read {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            other => return other,
        }
    }
}
