//! Response bytes as uvicorn writes them through h11.

use std::cell::RefCell;
use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use super::handlers::Reply;
use crate::reference::h11;

/// Writes a response as uvicorn does: `date`, `server`, then Starlette's
/// headers, then `Connection: close` when the connection ends.
pub(super) fn write_reply(out: &mut Vec<u8>, reply: &Reply, head_only: bool, close: bool) {
    out.extend_from_slice(b"HTTP/1.1 ");
    let _ = write!(out, "{} ", reply.status);
    out.extend_from_slice(h11::reason_phrase(reply.status).as_bytes());
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
pub(super) fn write_invalid_request(out: &mut Vec<u8>, chunked: bool) {
    out.extend_from_slice(
        b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\n",
    );
    let msg = h11::INVALID_REQUEST.as_bytes();
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
