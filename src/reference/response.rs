//! Responses as the reference writes them: Starlette's reply (status,
//! headers in its order, body) and the bytes uvicorn puts on the wire
//! through h11.

use std::io::Write;

use bytes::Bytes;

/// Starlette's `JSONResponse` media type.
pub const JSON: &str = "application/json";
/// Starlette's `PlainTextResponse` media type.
pub const TEXT: &str = "text/plain; charset=utf-8";
/// Starlette's `HTMLResponse` media type.
pub const HTML: &str = "text/html; charset=utf-8";

/// An answer, with the headers Starlette would give it (in its order).
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// `allow` (405s).
    pub allow: Option<String>,
    /// `content-type`.
    pub content_type: Option<&'static str>,
    /// `location` (307s).
    pub location: Option<String>,
    /// Headers the reference never sends, from itemctl's opt-in features
    /// (`--cors`, `Retry-After` of an injected fault), written after
    /// Starlette's.
    pub extra: Vec<(&'static str, String)>,
    /// The body.
    pub body: Bytes,
    /// The `server` header: `uvicorn`, as the reference sends; itemctl's
    /// own answers (the admin API) say `itemctl`.
    pub server: &'static str,
}

impl Reply {
    /// A reply without `allow` or `location`.
    pub fn new(status: u16, content_type: Option<&'static str>, body: Bytes) -> Self {
        Reply {
            status,
            allow: None,
            content_type,
            location: None,
            extra: Vec::new(),
            body,
            server: "uvicorn",
        }
    }

    /// `application/json` with this body.
    pub fn json(status: u16, body: impl Into<Bytes>) -> Self {
        Self::new(status, Some(JSON), body.into())
    }

    /// Starlette's 500: `Internal Server Error` as plain text.
    pub fn internal_error() -> Self {
        Self::new(
            500,
            Some(TEXT),
            Bytes::from_static(b"Internal Server Error"),
        )
    }
}

/// Writes a response as uvicorn 0.54 does through h11 0.16 (`h11_impl.py`
/// `send`, h11 `_writers.py`): the status line with Python's reason
/// phrase, `date` (an RFC 7231 IMF-fixdate, given by the caller), `server:
/// uvicorn`, then Starlette's headers in its order, then `Connection: close`
/// when the connection ends. `head_only` leaves out the body (HEAD).
pub fn write_reply(out: &mut Vec<u8>, reply: &Reply, date: &str, head_only: bool, close: bool) {
    out.extend_from_slice(b"HTTP/1.1 ");
    let _ = write!(out, "{} ", reply.status);
    out.extend_from_slice(super::h11::reason_phrase(reply.status).as_bytes());
    out.extend_from_slice(b"\r\ndate: ");
    out.extend_from_slice(date.as_bytes());
    out.extend_from_slice(b"\r\nserver: ");
    out.extend_from_slice(reply.server.as_bytes());
    out.extend_from_slice(b"\r\n");
    if let Some(allow) = &reply.allow {
        out.extend_from_slice(b"allow: ");
        out.extend_from_slice(allow.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    // Starlette sends no content-length with a 204 (the admin API's).
    if reply.status != 204 {
        out.extend_from_slice(b"content-length: ");
        let _ = write!(out, "{}\r\n", reply.body.len());
    }
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
    for (name, value) in &reply.extra {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
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

/// uvicorn's answer to a malformed request (`h11_impl.py`
/// `send_400_response`: `content-type`, then `connection: close`), as h11
/// 0.16 frames it (`_connection.py` `_clean_up_response_headers_for_sending`):
/// - `chunked` false (no request on the connection was accepted as HTTP/1.1
///   or later): no framing header, `Connection: close` rewritten in title
///   case at the end, and the body delimited by closing the connection;
/// - `chunked` true: `Transfer-Encoding: chunked` appended; and when the
///   request being refused said `Connection: close` (`request_said_close`),
///   h11 rewrites the connection header after it, in title case.
pub fn write_invalid_request(out: &mut Vec<u8>, chunked: bool, request_said_close: bool) {
    out.extend_from_slice(
        b"HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\n",
    );
    let msg = super::h11::INVALID_REQUEST.as_bytes();
    if chunked {
        if request_said_close {
            out.extend_from_slice(b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
        } else {
            out.extend_from_slice(b"connection: close\r\nTransfer-Encoding: chunked\r\n\r\n");
        }
        out.extend_from_slice(format!("{:x}\r\n", msg.len()).as_bytes());
        out.extend_from_slice(msg);
        out.extend_from_slice(b"\r\n0\r\n\r\n");
    } else {
        out.extend_from_slice(b"Connection: close\r\n\r\n");
        out.extend_from_slice(msg);
    }
}
