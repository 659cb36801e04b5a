//! One connection of `itemctl serve`: reading requests (pipelined or not),
//! `100 Continue`, bodies, keep-alive and the head deadline, in uvicorn's
//! order of events.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::handlers::{reply_for, too_large, upsert};
use super::response::with_http_date;
use super::{App, KEEP_ALIVE_TIMEOUT, REQUEST_READ_TIMEOUT};
use crate::reference::h11::{self, ChunkProgress, ChunkedDecoder, Framing, Head};
use crate::reference::response::{write_invalid_request, write_reply};
use crate::reference::routing::{self, Route, Target};

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
    pub(super) server_name: Arc<str>,
    pub(super) stop: watch::Receiver<bool>,
}

impl Connection {
    pub(super) async fn serve(mut self, mut stream: TcpStream) {
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
                if let Some(end) = h11::head_end(&buf) {
                    break end;
                }
                if buf.len() > h11::MAX_HEAD_BYTES {
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
            let head = match h11::parse_head(&head_bytes) {
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
            with_http_date(|date| write_reply(&mut out, &reply, date, is_head, close));
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
        routing::route(&Target {
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
